//! Model: a rayon thread pool. The article reaches for `multiprocessing.Pool` because
//! CPython threads cannot run bytecode in parallel; in Rust a pool of threads already runs
//! on every core, shares memory (no pickling), and rayon adds work stealing so that idle
//! threads take work from busy ones.
//!
//! Every job here runs on a dedicated [`rayon::ThreadPool`] built with an explicit
//! `num_threads`, never on rayon's global pool, so `--workers` means what it says. The
//! MapReduce engine's default executor is this runner too.

use std::sync::{Mutex, PoisonError};

use rayon::{ThreadPool, ThreadPoolBuilder};
use workload::alive::Alive;
use workload::run::{guard, Runner};
use workload::WorkerFailure;

/// A pool of exactly `workers` threads (at least one).
pub fn build(workers: usize) -> Result<ThreadPool, WorkerFailure> {
    ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .thread_name(|i| format!("rayon-{i}"))
        .build()
        .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))
}

/// A rayon pool as a model of the contract ([`Runner`]): each worker loop of a job is one
/// task spawned into a `scope` of the pool (so it may borrow the input), and rayon keeps
/// every thread busy. A panic in one is reported with its worker's number. Dropped, it waits
/// for its threads to exit ([`Alive`]): its teardown is its own run's, not the next one's.
#[derive(Debug)]
pub struct RayonPool {
    pool: Option<ThreadPool>,
    alive: Alive,
}

impl RayonPool {
    /// A dedicated pool of `workers` threads.
    pub fn new(workers: usize) -> Result<RayonPool, WorkerFailure> {
        let alive = Alive::default();
        let (starting, exiting) = (alive.clone(), alive.clone());
        let pool = ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .thread_name(|i| format!("rayon-{i}"))
            .start_handler(move |_| starting.started())
            .exit_handler(move |_| exiting.exited())
            .build()
            .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?;
        Ok(RayonPool { pool: Some(pool), alive })
    }

    fn pool(&self) -> &ThreadPool {
        self.pool.as_ref().expect("a pool until dropped")
    }
}

impl Drop for RayonPool {
    fn drop(&mut self) {
        drop(self.pool.take());
        self.alive.wait_all_exited(std::time::Duration::from_secs(10));
    }
}

impl Runner for RayonPool {
    fn workers(&self) -> usize {
        self.pool().current_num_threads()
    }

    /// One task per loop, spawned into a scope of the pool.
    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure> {
        let outcomes: Vec<Mutex<Result<(), WorkerFailure>>> =
            (0..loops).map(|_| Mutex::new(Ok(()))).collect();
        self.pool().scope(|scope| {
            for (worker, outcome) in outcomes.iter().enumerate() {
                scope.spawn(move |_| {
                    *outcome.lock().unwrap_or_else(PoisonError::into_inner) = guard(worker, work)
                });
            }
        });
        outcomes.into_iter().try_for_each(|o| o.into_inner().unwrap_or_else(PoisonError::into_inner))
    }
}
