//! `harness count`: K tasks counting to N, under one model or all of them.

use std::time::Instant;

use serde::Serialize;
use workload::CountJob;

use crate::cli::CountArgs;
use crate::models::Model;
use crate::stats::Rounds;
use crate::{human, machine, say, CliError};

/// The JSON record for one run (the CLI contract in ARCHITECTURE.md).
#[derive(Debug, Serialize)]
pub struct CountRecord {
    pub job: &'static str,
    pub model: &'static str,
    pub lang: &'static str,
    pub tasks: usize,
    pub to: u64,
    pub workers: usize,
    pub result: u64,
    /// The median and spread of the runs, CPU time, cores kept busy, speedup over serial.
    #[serde(flatten)]
    pub rounds: Rounds,
    /// The process's (or its largest worker's) peak resident memory, in bytes: only when
    /// the process ran one model (a process's peak is of everything it ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Where and when, and how busy the machine was (`machine::stamp_since`).
    pub stamp: serde_json::Value,
}

pub fn run(args: &CountArgs) -> Result<(), CliError> {
    let job = CountJob { tasks: args.tasks, to: args.to };
    let expected = job
        .expected()
        .ok_or_else(|| format!("harness count: {} tasks x {} overflows u64", job.tasks, job.to))?;
    let workers = args.workers.unwrap_or_else(machine::cores).get();
    let models = args.model.models();
    if let Some(seconds) = args.worker_timeout {
        if !models.contains(&Model::Process) {
            return Err(
                "harness count: --worker-timeout applies to the process model (--model process), and none of the runs asked for is one"
                    .to_string()
                    .into(),
            );
        }
        crate::models::set_worker_timeout(std::time::Duration::from_secs(seconds));
    }

    if !args.json {
        say!(
            "count: {} tasks x {} on {} (median of {} rounds, every model once per round)",
            job.tasks,
            human::thousands(job.to),
            machine::describe(),
            args.repeat
        )?;
        say!(
            "{:<10} {:>7} {:>16} {:>11} {:>9} {:>8} {:>6}",
            "model",
            "workers",
            "result",
            "elapsed",
            "ns/iter",
            "speedup",
            "cores"
        )?;
    }
    // Rounds: every model once per round (serial, threads, ..., then again), so that a drift
    // of the machine's speed hits every model alike; a speedup is the median of the ratios
    // taken within a round.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); models.len()];
    let load = machine::Load::now();
    for _ in 0..args.repeat.get() {
        for (index, &model) in models.iter().enumerate() {
            let cpu = machine::cpu_seconds();
            let started = Instant::now();
            let result = model.count(job, workers).map_err(|e| format!("harness count: {model}: {e}"))?;
            let elapsed = started.elapsed().as_secs_f64();
            if result != expected {
                return Err(format!(
                    "harness count: models disagree: {model} returned {result}, expected {expected} ({} x {})",
                    job.tasks, job.to
                )
                .into());
            }
            runs[index].push((elapsed, machine::cpu_seconds() - cpu));
        }
    }
    let serial = models.iter().position(|m| *m == Model::Serial);
    let stamp = machine::stamp_since(&load);
    for (index, &model) in models.iter().enumerate() {
        let rounds = Rounds::of(&runs[index], serial.map(|s| runs[s].as_slice()));
        let (elapsed, cores_used, speedup) = (rounds.elapsed_s, rounds.cores_used, rounds.speedup);
        let record = CountRecord {
            job: "count",
            model: model.name(),
            lang: "rust",
            tasks: job.tasks,
            to: job.to,
            workers: model.effective_workers(workers),
            result: expected,
            rounds,
            peak_rss_bytes: (models.len() == 1).then(machine::peak_rss_bytes).flatten(),
            stamp: stamp.clone(),
        };
        if args.json {
            say!("{}", serde_json::to_string(&record).expect("plain record serialises"))?;
        } else {
            let ns_per_iter = if expected == 0 { 0.0 } else { elapsed * 1e9 / expected as f64 };
            say!(
                "{:<10} {:>7} {:>16} {:>11} {:>9.3} {:>8} {:>6.2}",
                record.model,
                record.workers,
                human::thousands(expected),
                human::seconds(elapsed),
                ns_per_iter,
                speedup.map_or("-".to_string(), |x| format!("{x:.2}x")),
                cores_used
            )?;
        }
    }
    Ok(())
}
