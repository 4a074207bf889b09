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
//! A runner is an object (`Box<dyn Runner>`: the registry in `harness::models` holds one per
//! model): `run_loops` takes the loop as `&dyn Fn(usize)`, and [`Runner::run`] (on `dyn
//! Runner`) keeps each loop's result in a slot of its own, one per loop, never per task.
//!
//! Child processes cannot run a closure: the process model runs its jobs as tasks that are
//! data (see `crates/process`), from the same job rules ([`CountJob::shares`],
//! `ngram::merge::Merging`, `ngram::partitioned::shares`).

/// How long a busy worker process (or a timely peer) may send nothing, not even its
/// heartbeat, before it is taken for stopped or frozen: long enough for a loaded machine,
/// short enough that a stopped worker does not hold a run for long (`--worker-timeout`).
pub const DEFAULT_WORKER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a busy worker process (or a timely process) says it is alive: often enough that
/// a short `--worker-timeout` still hears several, rarely enough to cost nothing.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_millis(500);

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::count::{count_to, CountJob};
use crate::error::{panic_message, WorkerFailure};

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

    /// Runs `work(0)`, ..., `work(loops - 1)` at once, one loop per worker, and returns when
    /// every one has. A loop that panics is reported with its number ([`guard`]), after the
    /// others have finished; the first such failure, by loop number, is the result.
    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure>;
}

impl dyn Runner + '_ {
    /// Runs a job's worker loop `work` on `min(workers, tasks)` workers (at least one), all
    /// claiming from one [`Claims`] over `tasks` tasks; returns what each loop returned.
    pub fn run<T: Send>(
        &self,
        tasks: usize,
        work: &(dyn Fn(&Claims) -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        let claims = Claims::new(tasks);
        let slots: Vec<Mutex<Option<T>>> = (0..self.workers_for(tasks)).map(|_| Mutex::new(None)).collect();
        self.run_loops(slots.len(), &|worker| {
            let result = work(&claims);
            *slots[worker].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
        })?;
        Ok(slots
            .into_iter()
            .filter_map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect())
    }

    /// How many workers [`run`](#method.run) starts for `tasks` tasks.
    pub fn workers_for(&self, tasks: usize) -> usize {
        self.workers().clamp(1, tasks.max(1))
    }
}

/// Runs loop `worker` of `work`, a panic in it turned into a [`WorkerFailure`] naming the
/// worker: the one place every runner catches a worker's panic.
pub fn guard(worker: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure> {
    catch_unwind(AssertUnwindSafe(|| work(worker)))
        .map_err(|payload| WorkerFailure::of(worker, panic_message(&*payload)))
}

impl CountJob {
    /// The count job on any model: K tasks of `count_to(N)`, each worker claiming tasks until
    /// none are left; the sum of every task's result.
    pub fn run_on(self, runner: &dyn Runner) -> Result<u64, WorkerFailure> {
        let sums = runner.run(self.tasks, &|claims| {
            let mut sum = 0u64;
            while claims.next().is_some() {
                sum += count_to(self.to);
            }
            sum
        })?;
        Ok(sums.into_iter().sum())
    }

    /// How many of the K tasks each of `min(K, workers)` workers runs, dealt round-robin:
    /// the count job for a model whose tasks are data (child processes), which cannot claim.
    pub fn shares(self, workers: usize) -> Vec<u64> {
        let workers = workers.clamp(1, self.tasks.max(1));
        if self.tasks == 0 {
            return Vec::new();
        }
        (0..workers).map(|w| (self.tasks - w).div_ceil(workers) as u64).collect()
    }
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
        assert_eq!(CountJob { tasks: 3, to: 10 }.run_on(&TwoThreads), Ok(30));
        assert_eq!(CountJob { tasks: 0, to: 10 }.run_on(&TwoThreads), Ok(0));
    }

    #[test]
    fn shares_deal_every_task_once() {
        assert_eq!(CountJob { tasks: 5, to: 1 }.shares(2), [3, 2]);
        assert_eq!(CountJob { tasks: 1, to: 1 }.shares(8), [1]);
        assert_eq!(CountJob { tasks: 0, to: 1 }.shares(2), [0u64; 0]);
    }

    #[test]
    fn a_panicking_loop_is_reported_with_its_number_and_the_others_finish() {
        let finished = AtomicUsize::new(0);
        let runner: &dyn Runner = &TwoThreads;
        let failure = runner
            .run_loops(2, &|worker| {
                if worker == 1 {
                    panic!("boom");
                }
                finished.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap_err();
        assert_eq!(failure, WorkerFailure::of(1, "panicked: boom"));
        assert_eq!(finished.load(Ordering::Relaxed), 1);
    }
}
