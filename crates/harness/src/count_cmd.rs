//! `harness count`: K tasks counting to N, under one model or all of them.

use std::time::Instant;

use serde::Serialize;
use workload::CountJob;

use crate::cli::CountArgs;
use crate::models::Model;
use crate::{human, machine, say, CliError};

/// The JSON record for one run (the CLI contract in ARCHITECTURE.md).
#[derive(Debug, Serialize)]
pub struct CountRecord {
    pub job: &'static str,
    pub model: &'static str,
    pub tasks: usize,
    pub to: u64,
    pub workers: usize,
    pub result: u64,
    /// The median of `runs` runs.
    pub elapsed_s: f64,
    pub elapsed_min_s: f64,
    pub runs: usize,
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
            "count: {} tasks x {} on {} (median of {} runs)",
            job.tasks,
            human::thousands(job.to),
            machine::describe(),
            args.repeat
        )?;
        say!(
            "{:<10} {:>7} {:>16} {:>11} {:>9} {:>8}",
            "model",
            "workers",
            "result",
            "elapsed",
            "ns/iter",
            "speedup"
        )?;
    }
    let mut serial_elapsed = None;
    for model in models {
        let mut times = Vec::with_capacity(args.repeat.get());
        let mut result = 0;
        for _ in 0..args.repeat.get() {
            let started = Instant::now();
            result = model.count(job, workers).map_err(|e| format!("harness count: {model}: {e}"))?;
            times.push(started.elapsed().as_secs_f64());
            if result != expected {
                break;
            }
        }
        times.sort_by(f64::total_cmp);
        let elapsed = times[times.len() / 2];
        if result != expected {
            return Err(format!(
                "harness count: models disagree: {model} returned {result}, expected {expected} ({} x {})",
                job.tasks, job.to
            )
            .into());
        }
        let record = CountRecord {
            job: "count",
            model: model.name(),
            tasks: job.tasks,
            to: job.to,
            workers: model.effective_workers(workers),
            result,
            elapsed_s: elapsed,
            elapsed_min_s: times[0],
            runs: times.len(),
        };
        if args.json {
            say!("{}", serde_json::to_string(&record).expect("plain record serialises"))?;
        } else {
            if model == Model::Serial {
                serial_elapsed = Some(elapsed);
            }
            let ns_per_iter = if expected == 0 { 0.0 } else { elapsed * 1e9 / expected as f64 };
            let speedup = serial_elapsed.map_or("-".to_string(), |s| format!("{:.2}x", s / elapsed));
            say!(
                "{:<10} {:>7} {:>16} {:>11} {:>9.3} {:>8}",
                record.model,
                record.workers,
                human::thousands(result),
                human::seconds(elapsed),
                ns_per_iter,
                speedup
            )?;
        }
    }
    Ok(())
}
