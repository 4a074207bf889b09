//! Model: a rayon thread pool. The article reaches for `multiprocessing.Pool` because
//! CPython threads cannot run bytecode in parallel; in Rust a pool of threads already runs
//! on every core, shares memory (no pickling), and rayon adds work stealing so that idle
//! threads take work from busy ones.
//!
//! Every job here runs on a dedicated [`rayon::ThreadPool`] built with an explicit
//! `num_threads`, never on rayon's global pool, so `--workers` means what it says.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

use rayon::{ThreadPool, ThreadPoolBuilder};
use workload::ngram::{merge, NgramOptions, NgramOutput, Source};
use workload::run::{self, Runner};
use workload::{panic_message, CountJob, NgramError, WorkerFailure};

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

/// A rayon pool as a model of the contract ([`Runner`]): each worker loop of a job is one
/// task spawned into a `scope` of the pool (so it may borrow the input), and rayon keeps
/// every thread busy. A panic in one is reported with its worker's number.
#[derive(Debug, Clone, Copy)]
pub struct OnPool<'p>(pub &'p ThreadPool);

impl Runner for OnPool<'_> {
    fn workers(&self) -> usize {
        self.0.current_num_threads()
    }

    /// One task per loop, spawned into a scope of the pool.
    fn run_loops<T: Send>(
        &self,
        loops: usize,
        work: &(dyn Fn() -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        let results = Mutex::new(Vec::with_capacity(loops));
        self.0.scope(|scope| {
            for worker in 0..loops {
                let results = &results;
                scope.spawn(move |_| {
                    let out = catch_unwind(AssertUnwindSafe(work))
                        .map_err(|payload| WorkerFailure::of(worker, panic_message(&*payload)));
                    results.lock().unwrap_or_else(PoisonError::into_inner).push(out);
                });
            }
        });
        results.into_inner().unwrap_or_else(PoisonError::into_inner).into_iter().collect()
    }
}

/// K tasks of `count_to(N)` on the pool.
pub fn count_on(pool: &ThreadPool, job: CountJob) -> Result<u64, WorkerFailure> {
    run::count_on(&OnPool(pool), job)
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

/// Ngram totals on `pool`: the article's algorithm ([`merge`]), each pool task folding the
/// chunks it claims into its own map.
pub fn ngram_on<'a>(
    pool: &ThreadPool,
    sources: &[Source<'a>],
    options: &NgramOptions,
) -> Result<NgramOutput<'a>, NgramError> {
    merge::ngram(&OnPool(pool), sources, options)
}
