//! Model: serial. The article's starting point before any concurrency: call `count` twice in
//! a row, or map every chunk and merge as you go, on one thread. Every other model is
//! checked against, and timed relative to, this one.
//!
//! As a model in the contract's sense ([`Runner`]), it is one worker: the calling thread
//! runs the job's worker loop over every task.

use workload::run::{guard, Runner};
use workload::WorkerFailure;

/// One worker: the calling thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Serial;

impl Runner for Serial {
    fn workers(&self) -> usize {
        1
    }

    /// Each loop in turn, on this thread (a job asks for one: there is one worker).
    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure> {
        let outcomes: Vec<_> = (0..loops).map(|worker| guard(worker, work)).collect();
        outcomes.into_iter().collect()
    }
}
