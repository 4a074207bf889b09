//! The async model in the contract's sense ([`Runner`]): the event loop never runs a job's
//! work itself. It hands each worker loop to a rayon pool (tokio's `spawn_blocking` needs
//! `'static` work, and the loops borrow the memory-mapped input; rayon's scoped spawns may),
//! and awaits their results as they come back through a channel: `run_in_executor` and
//! `as_completed`.

use std::thread;

use tokio::runtime::Runtime;
use workload::alive::Alive;
use workload::run::{guard, Runner};
use workload::WorkerFailure;

use crate::runtime;

/// An event loop (a tokio runtime with one async thread) with a rayon pool as its executor.
/// Dropped, it waits for the pool's threads to exit ([`Alive`]; the runtime's drop joins its
/// own): its teardown is its own run's, not the next one's.
#[derive(Debug)]
pub struct EventLoop {
    runtime: Option<Runtime>,
    pool: Option<rayon::ThreadPool>,
    alive: Alive,
}

impl EventLoop {
    /// An event loop offloading to a dedicated pool of `workers` threads.
    pub fn new(workers: usize) -> Result<EventLoop, WorkerFailure> {
        let alive = Alive::default();
        let (starting, exiting) = (alive.clone(), alive.clone());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .start_handler(move |_| starting.started())
            .exit_handler(move |_| exiting.exited())
            .build()
            .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?;
        Ok(EventLoop { runtime: Some(runtime(1)?), pool: Some(pool), alive })
    }

    fn parts(&self) -> (&Runtime, &rayon::ThreadPool) {
        (self.runtime.as_ref().expect("until dropped"), self.pool.as_ref().expect("until dropped"))
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        drop(self.runtime.take());
        drop(self.pool.take());
        self.alive.wait_all_exited(std::time::Duration::from_secs(10));
    }
}

impl Runner for EventLoop {
    fn workers(&self) -> usize {
        self.parts().1.current_num_threads()
    }

    /// Each loop offloaded to the rayon pool; the event loop awaits the outcomes as they come.
    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure> {
        let (runtime, pool) = self.parts();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Result<(), WorkerFailure>)>();
        thread::scope(|scope| {
            scope.spawn(move || {
                pool.scope(|s| {
                    for worker in 0..loops {
                        let tx = tx.clone();
                        s.spawn(move |_| {
                            let _ = tx.send((worker, guard(worker, work)));
                        });
                    }
                    drop(tx); // the channel closes when the last loop has reported
                });
            });
            runtime.block_on(async {
                let mut outcomes: Vec<Result<(), WorkerFailure>> = (0..loops).map(|_| Ok(())).collect();
                while let Some((worker, outcome)) = rx.recv().await {
                    outcomes[worker] = outcome;
                }
                outcomes.into_iter().collect()
            })
        })
    }
}
