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
    pub elapsed_max_s: f64,
    pub runs: usize,
    /// CPU time (user + system, this process and its reaped children) of the median run.
    pub cpu_s: f64,
    /// CPU time over wall time, median of the runs: about 1 for one busy core, 2 for two.
    pub cores_used: f64,
    /// Serial's time over this model's, the median of the ratios within each round (when
    /// serial ran too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
}

/// The median of `values` (the upper one of an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// CPU seconds used so far by this process and its children that have been waited for.
fn cpu_seconds() -> f64 {
    let of = |who: libc::c_int| {
        // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid start.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut usage) } != 0 {
            return 0.0;
        }
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        seconds(usage.ru_utime) + seconds(usage.ru_stime)
    };
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
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
    for _ in 0..args.repeat.get() {
        for (index, &model) in models.iter().enumerate() {
            let cpu = cpu_seconds();
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
            runs[index].push((elapsed, cpu_seconds() - cpu));
        }
    }
    let serial = models.iter().position(|m| *m == Model::Serial);
    for (index, &model) in models.iter().enumerate() {
        let times: Vec<f64> = runs[index].iter().map(|r| r.0).collect();
        let elapsed = median(&times);
        let cores_used = median(&runs[index].iter().map(|(wall, cpu)| cpu / wall).collect::<Vec<_>>());
        let speedup = serial.map(|s| {
            median(&runs[s].iter().zip(&runs[index]).map(|(base, this)| base.0 / this.0).collect::<Vec<_>>())
        });
        let record = CountRecord {
            job: "count",
            model: model.name(),
            tasks: job.tasks,
            to: job.to,
            workers: model.effective_workers(workers),
            result: expected,
            elapsed_s: elapsed,
            elapsed_min_s: times.iter().copied().fold(f64::INFINITY, f64::min),
            elapsed_max_s: times.iter().copied().fold(0.0, f64::max),
            runs: times.len(),
            cpu_s: median(&runs[index].iter().map(|r| r.1).collect::<Vec<_>>()),
            cores_used,
            speedup,
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
