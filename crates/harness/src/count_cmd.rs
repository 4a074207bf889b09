//! `harness count`: K tasks counting to N, under one model or all of them.

use std::time::Instant;

use workload::CountJob;

use crate::cli::CountArgs;
use crate::models::Model;
use crate::report::record::Record;
use crate::{human, machine, say, stats, CliError};

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
        let record = Record {
            tasks: Some(job.tasks as u64),
            to: Some(job.to),
            workers: Some(model.effective_workers(workers) as u64),
            result: Some(expected),
            peak_rss_bytes: (models.len() == 1).then(machine::peak_rss_bytes).flatten(),
            stamp: Some(stamp.clone()),
            ..Record::new("count", model.name(), "rust", 0.0)
        };
        let record = stats::timed(record, &runs[index], serial.map(|s| runs[s].as_slice()));
        let (elapsed, speedup) = (record.elapsed_s, record.speedup);
        let cores_used = record.cores_used.unwrap_or(0.0);
        if args.json {
            say!("{}", record.to_line())?;
        } else {
            let ns_per_iter = if expected == 0 { 0.0 } else { elapsed * 1e9 / expected as f64 };
            say!(
                "{:<10} {:>7} {:>16} {:>11} {:>9.3} {:>8} {:>6.2}",
                record.model,
                record.workers.unwrap_or(1),
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
