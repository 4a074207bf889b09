//! The async model in the contract's sense ([`Runner`]): the event loop never runs a job's
//! work itself. It hands each worker loop to a rayon pool (tokio's `spawn_blocking` needs
//! `'static` work, and the loops borrow the memory-mapped input; rayon's scoped spawns may),
//! and awaits their results as they come back through a channel: `run_in_executor` and
//! `as_completed`.

use std::thread;

use tokio::runtime::Runtime;
use workload::run::{guard, Runner};
use workload::WorkerFailure;

use crate::runtime;

/// An event loop (a tokio runtime with one async thread) with a rayon pool as its executor.
#[derive(Debug)]
pub struct EventLoop {
    pub runtime: Runtime,
    pub pool: rayon::ThreadPool,
}

impl EventLoop {
    /// An event loop offloading to a dedicated pool of `workers` threads.
    pub fn new(workers: usize) -> Result<EventLoop, WorkerFailure> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .build()
            .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?;
        Ok(EventLoop { runtime: runtime(1)?, pool })
    }
}

impl Runner for EventLoop {
    fn workers(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Each loop offloaded to the rayon pool; the event loop awaits the outcomes as they come.
    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Result<(), WorkerFailure>)>();
        thread::scope(|scope| {
            scope.spawn(move || {
                self.pool.scope(|s| {
                    for worker in 0..loops {
                        let tx = tx.clone();
                        s.spawn(move |_| {
                            let _ = tx.send((worker, guard(worker, work)));
                        });
                    }
                    drop(tx); // the channel closes when the last loop has reported
                });
            });
            self.runtime.block_on(async {
                let mut outcomes: Vec<Result<(), WorkerFailure>> = (0..loops).map(|_| Ok(())).collect();
                while let Some((worker, outcome)) = rx.recv().await {
                    outcomes[worker] = outcome;
                }
                outcomes.into_iter().collect()
            })
        })
    }
}
