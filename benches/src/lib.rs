//! What the bench files share: settings read from the environment (so `just bench`,
//! `bench-quick` and `bench-full` run the same code at different sizes), the shard, and the
//! worker program for the process model.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use process::WorkerCommand;

/// An environment variable as a number, or `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// `BENCH_QUICK=1`: a smoke run (few samples, short measurement).
pub fn quick() -> bool {
    std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// Criterion set for runs of 50 ms and more: flat sampling, 10 samples (fewer and shorter
/// in a quick run).
pub fn criterion() -> Criterion {
    let c = Criterion::default().configure_from_args();
    if quick() {
        c.sample_size(10)
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_millis(500))
    } else {
        c.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
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

/// One group's run, for the report: where and when it ran and how busy the machine was
/// meanwhile, and CPU time beside wall time for every benchmark, from the very runs
/// criterion times: [`GroupRun::iter`] hands criterion each batch's wall time and keeps (wall, CPU)
/// per benchmark; [`GroupRun::finish`] writes them with the run's stamp to
/// `target/criterion/GROUP/run.json`, where the report reads cores kept busy (CPU / wall:
/// about 1 for one busy core, 2 for two). CPU time is this process's and its waited-for
/// children's (`harness::machine::cpu_seconds`), so the process model's workers count.
#[derive(Debug)]
pub struct GroupRun {
    group: &'static str,
    start: harness::machine::Load,
    sums: std::cell::RefCell<std::collections::BTreeMap<String, (f64, f64)>>,
}

impl GroupRun {
    /// Starts watching the machine for `group` (load, steal, other programs: see
    /// `harness::machine::Load`).
    pub fn new(group: &'static str) -> GroupRun {
        GroupRun { group, start: harness::machine::Load::now(), sums: Default::default() }
    }

    /// Criterion's loop for benchmark `id` (`model/param`, as criterion names it), timing
    /// `routine` and keeping its CPU time.
    pub fn iter<O>(&self, b: &mut criterion::Bencher, id: &str, mut routine: impl FnMut() -> O) {
        b.iter_custom(|iters| {
            let cpu = harness::machine::cpu_seconds();
            let started = std::time::Instant::now();
            for _ in 0..iters {
                std::hint::black_box(routine());
            }
            let wall = started.elapsed();
            let cpu = harness::machine::cpu_seconds() - cpu;
            let mut sums = self.sums.borrow_mut();
            let sum = sums.entry(id.to_string()).or_default();
            sum.0 += wall.as_secs_f64();
            sum.1 += cpu;
            wall
        });
    }

    /// Writes `target/criterion/GROUP/run.json`: `fields`, the stamp (with the machine's
    /// conditions since [`GroupRun::new`]) and per benchmark `{wall_s, cpu_s, cores_used}`.
    pub fn finish(self, fields: serde_json::Value) {
        let mut run = fields;
        run["stamp"] = harness::machine::stamp_since(&self.start);
        run["cpu"] = self
            .sums
            .into_inner()
            .into_iter()
            .map(|(id, (wall, cpu))| {
                let cores = if wall > 0.0 { cpu / wall } else { 0.0 };
                (id, serde_json::json!({"wall_s": wall, "cpu_s": cpu, "cores_used": cores}))
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
        let out = workspace_root().join("target/criterion").join(self.group);
        std::fs::create_dir_all(&out).expect("criterion's folder");
        std::fs::write(out.join("run.json"), run.to_string()).expect("run.json");
    }
}
