//! Model: serial. The article's starting point before any concurrency: call `count` twice in
//! a row, or map every chunk and merge as you go, on one thread. Every other model is
//! checked against, and timed relative to, this one.
//!
//! As a model in the contract's sense ([`Runner`]), it is one worker: the calling thread
//! runs the job's worker loop over every task.

use workload::ngram::{merge, NgramOptions, NgramOutput, Source};
use workload::run::{count_on, Runner};
use workload::{panic_message, CountJob, NgramError, WorkerFailure};

/// One worker: the calling thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Serial;

impl Runner for Serial {
    fn workers(&self) -> usize {
        1
    }

    /// The one loop, on this thread.
    fn run_loops<T: Send>(
        &self,
        loops: usize,
        work: &(dyn Fn() -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        (0..loops.min(1))
            .map(|_| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .map_err(|payload| WorkerFailure::of(0, panic_message(&*payload)))
            })
            .collect()
    }
}

/// Runs the count job's tasks one after another; returns the sum of their results.
pub fn count(job: CountJob) -> u64 {
    count_on(&Serial, job).expect("count_to does not panic")
}

/// Sums `match_count` per ngram over every source, on this thread: every chunk folds into
/// one map (the article's algorithm, [`merge`], on one worker).
pub fn ngram<'a>(sources: &[Source<'a>], options: &NgramOptions) -> Result<NgramOutput<'a>, NgramError> {
    merge::ngram(&Serial, sources, options)
}
