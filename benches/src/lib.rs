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
    WorkerCommand::new(bin).arg(process::worker::WORKER_ARG)
}
