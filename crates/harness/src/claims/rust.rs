//! Rust's claims, each group's sides timed in this process through the registry: every model
//! against serial on the count job at K = 2; the count at N against 4N (the fold check); the
//! MapReduce engine on one worker against all of them, over the shard.

use std::path::Path;
use std::time::Instant;

use workload::input::InputFile;
use workload::ngram::NgramOptions;
use workload::CountJob;

use super::rounds::{Side, Spec, Timed};
use super::verdict::{Rule, Verdict};
use crate::machine;
use crate::models::Model;

/// Times one run of `work`: wall time, and CPU time of this process and its reaped children.
pub fn timed(work: impl FnOnce() -> Result<(), String>) -> Result<Timed, String> {
    let cpu = machine::cpu_seconds();
    let started = Instant::now();
    work()?;
    let wall_s = started.elapsed().as_secs_f64();
    Ok(Timed { wall_s, cpu_s: machine::cpu_seconds() - cpu, outside_cpu_s: 0.0 })
}

/// The speedup a parallel side must show to count as scaling: half the ideal gain, where the
/// ideal is `min(parallel work, cores)`.
pub fn scales(ideal: usize) -> Rule {
    Rule::AtLeast(1.0 + (ideal as f64 - 1.0) / 2.0)
}

/// Decided before any round on one core: no model can speed up there.
pub fn one_core(cores: usize) -> Option<Verdict> {
    (cores < 2).then(|| Verdict::DoesNotApply("this machine has one core: no model can speed up".into()))
}

/// The count job at K = 2 under every model, each checked for its answer: serial first.
pub fn count_sides(job: CountJob, workers: usize) -> Vec<Side<'static>> {
    Model::ALL
        .iter()
        .map(|&model| Side {
            name: format!("Rust {model}"),
            // The process model's children and their parent wait for cores among themselves
            // while the children start.
            watched: model != Model::Process,
            run: Box::new(move || {
                timed(|| {
                    let got = model.count(job, workers).map_err(|e| e.to_string())?;
                    let want = job.expected().unwrap_or(0);
                    (got == want).then_some(()).ok_or(format!("returned {got}, expected {want}"))
                })
            }),
        })
        .collect()
}

/// The article's point for Rust: threads against serial (side 0). Every other model runs in
/// the same rounds (chart 1 gives each one's ratio), but claims nothing the article says: a
/// child process's start-up, say, is a cost of its own whose share depends on N.
pub fn count_specs(cores: usize, tasks: usize) -> Vec<Spec> {
    let threads = Model::ALL.iter().position(|m| *m == Model::Threads).expect("the registry has threads");
    vec![Spec {
        claim: "without a GIL, threads scale like processes (Rust)".into(),
        article: "(the article's reason for processes is the GIL)".into(),
        base: 0,
        other: threads,
        rule: scales(tasks.min(cores)),
        settled: one_core(cores),
    }]
}

/// The fold check's sides: one serial task counting to 4N, and to N.
pub fn fold_sides(to: u64) -> Vec<Side<'static>> {
    [4 * to, to]
        .into_iter()
        .map(|n| Side {
            name: format!("a count to {}", crate::human::thousands(n)),
            watched: true,
            run: Box::new(move || {
                timed(|| {
                    let got = workload::count_to(std::hint::black_box(n));
                    (got == n).then_some(()).ok_or(format!("counted to {got}, expected {n}"))
                })
            }),
        })
        .collect()
}

/// The fold check: 4N takes about four times N when every step runs.
pub fn fold_spec() -> Spec {
    Spec {
        claim: "the count loop runs every step (the compiler did not fold it): 4N takes 4x N".into(),
        article: "(not in the article: the trap of benchmarking a loop LLVM can solve)".into(),
        base: 0,
        other: 1,
        rule: Rule::Between(3.5, 4.5),
        settled: None,
    }
}

/// What the fold check's figure says beyond its verdict: a folded loop takes the same
/// nanoseconds for N and 4N; a ratio far from 4 otherwise is the machine, not the compiler.
pub fn fold_note(ratio: Option<f64>, at_n_s: Option<f64>, verdict: &Verdict) -> Option<String> {
    let (ratio, at_n_s) = (ratio?, at_n_s?);
    match verdict {
        Verdict::DoesNotHold if ratio < 2.0 && at_n_s < 1e-5 => Some(format!(
            "4N took {ratio:.2}x N and N took {}: the compiler folded the loop",
            crate::report::charts::seconds(at_n_s)
        )),
        Verdict::DoesNotHold | Verdict::CannotTell(_) => Some(format!(
            "N took {}: not the nanoseconds of a folded loop; a ratio away from 4 is the machine's speed moving \
             between the two runs, or a fixed cost beside a short count",
            crate::report::charts::seconds(at_n_s)
        )),
        _ => None,
    }
}

/// The chunking for the engine's claim: the default, unless that gives fewer than four chunks
/// per worker (a shard of one chunk has nothing to share out, and three chunks for two
/// workers cannot be faster than 1.5x): then four chunks per worker, at least 64 KiB each.
pub fn engine_chunking(shard_bytes: u64, workers: usize) -> workload::ngram::Chunking {
    let per_chunk = shard_bytes / (4 * workers.max(1) as u64);
    if per_chunk >= workload::ngram::DEFAULT_CHUNK_BYTES as u64 {
        workload::ngram::Chunking::Auto
    } else {
        let bytes = std::num::NonZeroUsize::new((per_chunk as usize).max(64 << 10)).expect("at least 64 KiB");
        workload::ngram::Chunking::Bytes(bytes)
    }
}

/// The engine's sides: the MapReduce engine (its own algorithm) over `shard` cut by
/// `chunking` on every one of `workers` workers, and on one; each run maps the file afresh,
/// as `harness ngram` does.
pub fn engine_sides(shard: &Path, workers: usize, chunking: workload::ngram::Chunking) -> Vec<Side<'_>> {
    let options = NgramOptions { chunking, ..NgramOptions::default() };
    [workers, 1]
        .into_iter()
        .map(|w| Side {
            name: format!("the MapReduce engine on {w} worker{}", if w == 1 { "" } else { "s" }),
            watched: true,
            run: Box::new(move || {
                timed(|| {
                    let file = InputFile::open(shard).map_err(|e| e.to_string())?;
                    Model::MapReduce.ngram(&[file.source()], &options, w).map(drop).map_err(|e| e.to_string())
                })
            }),
        })
        .collect()
}

/// The engine speeds up with workers: its one-worker time (side 1) over its all-worker time.
pub fn engine_spec(workers: usize, cores: usize) -> Spec {
    Spec {
        claim: "the MapReduce job speeds up with workers (map in parallel, reduce in parallel)".into(),
        article: "(the article runs its MapReduce on a process pool of all cores)".into(),
        base: 1,
        other: 0,
        rule: scales(workers.min(cores)),
        settled: one_core(cores.min(workers)),
    }
}
