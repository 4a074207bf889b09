//! The async model in the contract's sense ([`Runner`]): the event loop never runs a job's
//! work itself. It hands each worker loop to a rayon pool (tokio's `spawn_blocking` needs
//! `'static` work, and the loops borrow the memory-mapped input; rayon's scoped spawns may),
//! and awaits their results as they come back through a channel: `run_in_executor` and
//! `as_completed`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use tokio::runtime::Runtime;
use workload::ngram::{merge, NgramOptions, NgramOutput, Source};
use workload::run::Runner;
use workload::{panic_message, NgramError, WorkerFailure};

use crate::runtime;

/// An event loop (`runtime`) with a rayon pool as its executor.
#[derive(Debug, Clone, Copy)]
pub struct OnEventLoop<'r> {
    pub runtime: &'r Runtime,
    pub pool: &'r rayon::ThreadPool,
}

impl Runner for OnEventLoop<'_> {
    fn workers(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Each loop offloaded to the rayon pool; the event loop awaits the results as they come.
    fn run_loops<T: Send>(
        &self,
        loops: usize,
        work: &(dyn Fn() -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, thread::Result<T>)>();
        thread::scope(|scope| {
            scope.spawn(move || {
                self.pool.scope(|s| {
                    for worker in 0..loops {
                        let tx = tx.clone();
                        s.spawn(move |_| {
                            let _ = tx.send((worker, catch_unwind(AssertUnwindSafe(work))));
                        });
                    }
                    drop(tx); // the channel closes when the last loop has reported
                });
            });
            self.runtime.block_on(async {
                let mut results = Vec::with_capacity(loops);
                while let Some((worker, outcome)) = rx.recv().await {
                    results
                        .push(outcome.map_err(|payload| WorkerFailure::of(worker, panic_message(&*payload))));
                }
                results.into_iter().collect()
            })
        })
    }
}

/// Ngram totals with `workers` rayon threads doing the work and the event loop awaiting it:
/// the article's algorithm ([`merge`]).
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
) -> Result<NgramOutput<'a>, NgramError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .build()
        .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?;
    ngram_on(&runtime(1)?, &pool, sources, options)
}

/// [`ngram`] on a given runtime and pool.
pub fn ngram_on<'a>(
    runtime: &Runtime,
    pool: &rayon::ThreadPool,
    sources: &[Source<'a>],
    options: &NgramOptions,
) -> Result<NgramOutput<'a>, NgramError> {
    merge::ngram(&OnEventLoop { runtime, pool }, sources, options)
}
