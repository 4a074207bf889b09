//! The model contract: what every model provides, and what every job is written against.
//!
//! A **model** says how tasks run: it starts some workers (one loop, OS threads, a rayon
//! pool, tasks offloaded from an event loop) and has each of them run the same loop. A
//! **job** says what the tasks are: it numbers them (chunks of the input, partitions of the
//! key space, counts to run) and gives the loop that each worker runs: claim the next task
//! ([`Claims::next`], in index order), run it, fold its result into the worker's own state.
//! The job then puts the workers' states together. So a job is written once, and the whole
//! difference between two models is their [`Runner::run_loops`]: how they run N copies of a
//! loop at once, a dozen lines each.
//!
//! Child processes cannot run a closure: the process model runs its jobs as tasks that are
//! data (see `crates/process`).

/// How long a busy worker process (or a timely peer) may send nothing, not even its
/// heartbeat, before it is taken for stopped or frozen: long enough for a loaded machine,
/// short enough that a stopped worker does not hold a run for long (`--worker-timeout`).
pub const DEFAULT_WORKER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::count::{count_to, CountJob};
use crate::error::WorkerFailure;

/// Task indices `0..tasks`, handed out in order to whichever worker asks next.
#[derive(Debug)]
pub struct Claims {
    next: AtomicUsize,
    tasks: usize,
}

impl Claims {
    pub fn new(tasks: usize) -> Claims {
        Claims { next: AtomicUsize::new(0), tasks }
    }

    /// The next task nobody has claimed, or `None` when every one has been.
    pub fn next(&self) -> Option<usize> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        (index < self.tasks).then_some(index)
    }

    pub fn tasks(&self) -> usize {
        self.tasks
    }
}

/// How a model runs tasks. A model says one thing, [`Runner::run_loops`]: how it runs N
/// copies of a loop at once. [`Runner::run`] gives those loops a job's tasks to claim.
pub trait Runner: Sync {
    /// How many workers run at once.
    fn workers(&self) -> usize;

    /// Runs `loops` copies of `work` at once, one per worker, and returns what each returned,
    /// in no particular order. A loop that panics is reported with its worker's number (after
    /// the others have finished), never re-raised.
    fn run_loops<T: Send>(
        &self,
        loops: usize,
        work: &(dyn Fn() -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure>;

    /// Runs a job's worker loop `work` on `min(workers, tasks)` workers (at least one), all
    /// claiming from one [`Claims`] over `tasks` tasks.
    fn run<T: Send>(
        &self,
        tasks: usize,
        work: &(dyn Fn(&Claims) -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        let claims = Claims::new(tasks);
        self.run_loops(self.workers().clamp(1, tasks.max(1)), &|| work(&claims))
    }
}

/// How many workers to start for `tasks` tasks on `runner`.
pub fn workers_for(runner: &impl Runner, tasks: usize) -> usize {
    runner.workers().clamp(1, tasks.max(1))
}

/// The count job on any model: K tasks of `count_to(N)`, each worker claiming tasks until
/// none are left; the sum of every task's result.
pub fn count_on(runner: &impl Runner, job: CountJob) -> Result<u64, WorkerFailure> {
    let sums = runner.run(job.tasks, &|claims| {
        let mut sum = 0u64;
        while claims.next().is_some() {
            sum += count_to(job.to);
        }
        sum
    })?;
    Ok(sums.into_iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TwoThreads;

    #[test]
    fn claims_hand_out_every_index_once_in_order() {
        let claims = Claims::new(3);
        assert_eq!(
            [claims.next(), claims.next(), claims.next(), claims.next()],
            [Some(0), Some(1), Some(2), None]
        );
        assert_eq!(count_on(&TwoThreads, CountJob { tasks: 3, to: 10 }), Ok(30));
        assert_eq!(count_on(&TwoThreads, CountJob { tasks: 0, to: 10 }), Ok(0));
    }
}
