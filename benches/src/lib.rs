//! What the bench files share: settings read from the environment (so `just bench`,
//! `bench-quick` and `bench-full` run the same code at different sizes), the shard, and the
//! worker program for the process model.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use harness::report::record::Record;
use process::WorkerCommand;

/// An environment variable as a number, or `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// `BENCH_QUICK=1`: a smoke run (few samples, short measurement).
pub fn quick() -> bool {
    std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// Samples per benchmark (criterion's `sample_size`; [`GroupRun`] keeps that many).
pub const SAMPLES: usize = 10;

/// Criterion set for runs of 50 ms and more: flat sampling, [`SAMPLES`] samples, a short
/// warm-up and measurement (shorter still in a quick run). The claims are not measured here
/// (`harness claims` alternates their sides in rounds); these figures draw the charts.
pub fn criterion() -> Criterion {
    let c = Criterion::default().configure_from_args().sample_size(SAMPLES);
    if quick() {
        c.warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_millis(500))
    } else {
        c.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_millis(1500))
    }
}

pub const FLAT: SamplingMode = SamplingMode::Flat;

/// Cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The workspace root: `cargo bench` runs each bench from its package folder, so relative
/// paths given to `just` are taken from here.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shard the ngram benches read: `BENCH_SHARD` (relative to the workspace root), which
/// `just bench` generates first.
pub fn shard() -> PathBuf {
    let Some(path) = std::env::var_os("BENCH_SHARD") else {
        panic!("set BENCH_SHARD to a shard file (`just bench` generates one and sets it)")
    };
    let path = workspace_root().join(path);
    assert!(path.is_file(), "BENCH_SHARD: {} is not a file", path.display());
    path.canonicalize().unwrap_or(path)
}

/// The `harness` binary in worker mode, for the process model (`HARNESS_BIN`, set by the
/// justfile; else `target/release/harness`).
pub fn worker() -> WorkerCommand {
    let bin = std::env::var_os("HARNESS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/release/harness"));
    let bin = workspace_root().join(bin);
    let bin = bin.canonicalize().unwrap_or(bin);
    assert!(bin.exists(), "{} not found: build it first (`cargo build --release -p harness`)", bin.display());
    WorkerCommand::new(bin).arg(process::WORKER_ARG)
}

/// Whether `just bench` asked for this group (`BENCH_GROUPS`, comma-separated; all when it
/// is not set): one bench binary holds every group, and a group not asked for does none of
/// its setup either.
pub fn wanted(group: &str) -> bool {
    std::env::var("BENCH_GROUPS").map_or(true, |groups| groups.split(',').any(|g| g.trim() == group))
}

/// One group's records for the report (`harness::report::record::Record`, the one record
/// type): criterion times each benchmark, and [`GroupRun::iter`] keeps, from the very same
/// runs, each sample's wall time, iterations and CPU time (this process's and its waited-for
/// children's, so the process model's workers count); [`GroupRun::finish`] writes one record
/// per benchmark to `target/criterion/GROUP/records.jsonl`, from the last `samples` samples
/// (criterion's measurement: its warm-up comes first): the median time per iteration, the
/// fastest and slowest sample, CPU time and cores kept busy, and the stamp with how busy the
/// machine was meanwhile.
#[derive(Debug)]
pub struct GroupRun {
    group: &'static str,
    samples: usize,
    start: harness::machine::Load,
    /// Per benchmark: its record so far, and its samples.
    benchmarks: std::cell::RefCell<Vec<(Record, Vec<Sample>)>>,
}

/// One call of criterion's timing loop: iterations, wall seconds, CPU seconds.
type Sample = (u64, f64, f64);

impl GroupRun {
    /// Starts watching the machine for `group`, whose criterion takes `samples` samples.
    pub fn new(group: &'static str, samples: usize) -> GroupRun {
        GroupRun { group, samples, start: harness::machine::Load::now(), benchmarks: Default::default() }
    }

    /// Criterion's loop for the benchmark `record` describes (job, model, K, N, W, ...),
    /// timing `routine`.
    pub fn iter<O>(&self, b: &mut criterion::Bencher, record: &Record, mut routine: impl FnMut() -> O) {
        self.iter_custom(b, record, |iters| {
            let started = std::time::Instant::now();
            for _ in 0..iters {
                std::hint::black_box(routine());
            }
            started.elapsed()
        });
    }

    /// [`GroupRun::iter`] for a routine that times its own `iters` iterations (the time per
    /// task of a batch, say).
    pub fn iter_custom(
        &self,
        b: &mut criterion::Bencher,
        record: &Record,
        mut timed: impl FnMut(u64) -> std::time::Duration,
    ) {
        b.iter_custom(|iters| {
            let cpu = harness::machine::cpu_seconds();
            let wall = timed(iters);
            let cpu = harness::machine::cpu_seconds() - cpu;
            let mut benchmarks = self.benchmarks.borrow_mut();
            let at = match benchmarks.iter().position(|(r, _)| r == record) {
                Some(at) => at,
                None => {
                    benchmarks.push((record.clone(), Vec::new()));
                    benchmarks.len() - 1
                }
            };
            benchmarks[at].1.push((iters, wall.as_secs_f64(), cpu));
            wall
        });
    }

    /// Writes `target/criterion/GROUP/records.jsonl`, `extra` records (measured outside
    /// criterion) after the benchmarks'.
    pub fn finish(self, extra: Vec<Record>) {
        let stamp = harness::machine::stamp_since(&self.start);
        let mut lines = String::new();
        for (record, calls) in self.benchmarks.into_inner() {
            let samples = &calls[calls.len().saturating_sub(self.samples)..];
            let per_iteration: Vec<f64> =
                samples.iter().map(|&(iters, wall, _)| wall / iters.max(1) as f64).collect();
            let (iters, wall, cpu) = samples
                .iter()
                .fold((0u64, 0.0, 0.0), |(i, w, c), &(iters, wall, cpu)| (i + iters, w + wall, c + cpu));
            let record = Record {
                elapsed_s: harness::stats::median(&per_iteration),
                elapsed_min_s: per_iteration.iter().copied().reduce(f64::min),
                elapsed_max_s: per_iteration.iter().copied().reduce(f64::max),
                runs: Some(samples.len() as u64),
                cpu_s: Some(cpu / iters.max(1) as f64),
                cores_used: (wall > 0.0).then(|| cpu / wall),
                stamp: Some(stamp.clone()),
                ..record
            };
            lines.push_str(&record.to_line());
            lines.push('\n');
        }
        for record in extra {
            lines.push_str(&Record { stamp: Some(stamp.clone()), ..record }.to_line());
            lines.push('\n');
        }
        let out = workspace_root().join("target/criterion").join(self.group);
        std::fs::create_dir_all(&out).expect("criterion's folder");
        std::fs::write(out.join("records.jsonl"), lines).expect("records.jsonl");
    }
}
