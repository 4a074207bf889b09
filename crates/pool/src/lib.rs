//! Model: a rayon thread pool. The article reaches for `multiprocessing.Pool` because
//! CPython threads cannot run bytecode in parallel; in Rust a pool of threads already runs
//! on every core, shares memory (no pickling), and rayon adds work stealing so that idle
//! threads take work from busy ones.
//!
//! Every job here runs on a dedicated [`rayon::ThreadPool`] built with an explicit
//! `num_threads`, never on rayon's global pool, so `--workers` means what it says.

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use workload::ngram::{
    map_chunk_ref_into, merge_counts, plan_chunks, Counts, NgramOptions, NgramOutput, Source, Tally,
};
use workload::{count_to, CountJob, FirstFailure, NgramError, WorkerFailure};

/// A pool of exactly `workers` threads (at least one).
pub fn build(workers: usize) -> Result<ThreadPool, WorkerFailure> {
    ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .thread_name(|i| format!("rayon-{i}"))
        .build()
        .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))
}

/// Runs `f` on `pool`, turning a panic inside it into a `WorkerFailure` (rayon re-raises a
/// worker's panic on the caller; we report it instead of crashing).
pub fn guarded<T: Send>(pool: &ThreadPool, f: impl FnOnce() -> T + Send) -> Result<T, WorkerFailure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool.install(f)))
        .map_err(|payload| WorkerFailure::panicked(&*payload))
}

/// K tasks of `count_to(N)` on the pool.
pub fn count_on(pool: &ThreadPool, job: CountJob) -> Result<u64, WorkerFailure> {
    guarded(pool, || (0..job.tasks).into_par_iter().map(|_| count_to(job.to)).sum())
}

/// The count job on a fresh pool of `workers` threads.
pub fn count(job: CountJob, workers: usize) -> Result<u64, WorkerFailure> {
    count_on(&build(workers)?, job)
}

/// Ngram totals on a fresh pool of `workers` threads.
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
) -> Result<NgramOutput<'a>, NgramError> {
    ngram_on(&build(workers)?, sources, options)
}

/// Ngram totals on `pool`: chunks are folded in parallel (each rayon task folds the chunks
/// it is handed into one map), then the maps are reduced pairwise in parallel.
///
/// A bad line stops the job. rayon may hand chunks out in any order, so a failing chunk
/// records its index and later chunks are skipped, while earlier ones still run: the error
/// reported is the first in the input, as in the serial model ([`FirstFailure`]).
pub fn ngram_on<'a>(
    pool: &ThreadPool,
    sources: &[Source<'a>],
    options: &NgramOptions,
) -> Result<NgramOutput<'a>, NgramError> {
    let plan = plan_chunks(sources, options.chunking);
    let first_failure = FirstFailure::new();

    let folded = guarded(pool, || {
        plan.par_iter()
            .enumerate()
            .fold(
                || (Counts::new(), Tally::default()),
                |(mut counts, mut tally), (index, chunk)| {
                    if first_failure.makes_moot(index) {
                        return (counts, tally);
                    }
                    match map_chunk_ref_into(&mut counts, sources, chunk, options.skip_malformed) {
                        Ok(t) => tally.absorb(t),
                        Err(err) => first_failure.record(index, err),
                    }
                    (counts, tally)
                },
            )
            .map(|(counts, tally)| (Ok::<_, NgramError>(counts), tally))
            .reduce(
                || (Ok(Counts::new()), Tally::default()),
                |(a, mut ta), (b, tb)| {
                    ta.absorb(tb);
                    let merged = match (a, b) {
                        (Ok(mut a), Ok(b)) => merge_counts(&mut a, b)
                            .map(|()| a)
                            .map_err(|e| NgramError::MergeOverflow { ngram: e.ngram }),
                        (Err(e), _) | (_, Err(e)) => Err(e),
                    };
                    (merged, ta)
                },
            )
    })?;
    first_failure.or_ok(())?;
    let (counts, tally) = folded;
    Ok(NgramOutput::finish(sources, counts?, tally))
}
