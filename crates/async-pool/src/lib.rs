//! Model: async with an executor. The article's `loop.run_in_executor(pool, count, n)` and
//! `asyncio.gather` / `asyncio.as_completed`: an event loop that never runs CPU work itself
//! but hands it to a pool and awaits the result.
//!
//! The runtime has one async worker thread (asyncio's one loop). CPU work goes either to
//! tokio's blocking pool (`spawn_blocking`, capped at W threads) or to a rayon pool bridged
//! back with a oneshot channel: both are `run_in_executor` twins ([`Executor`]). Running the
//! work on the loop thread instead stalls everything else on it ([`heartbeat`]).
//!
//! [`run_in_executor`] and [`wrap_future`] take the `concurrent.futures` executors
//! themselves (a `ThreadPoolExecutor` or a `ProcessPoolExecutor`, through the `concurrent`
//! crate's `Executor` trait), as the article's asyncio + `ProcessPoolExecutor` listings do.

mod event_loop;
mod heartbeat;
mod wrap;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;
use workload::{count_to, panic_message, CountJob, WorkerFailure};

pub use event_loop::EventLoop;
pub use heartbeat::{heartbeat, Heartbeat, Placement};
pub use wrap::{run_in_executor, wrap_child, wrap_future, wrap_thread, WrappedFuture};

/// A runtime with one async thread (the event loop) and at most `workers` blocking threads.
pub fn runtime(workers: usize) -> Result<Runtime, WorkerFailure> {
    Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(workers.max(1))
        .thread_name("tokio")
        .enable_time()
        .build()
        .map_err(|e| WorkerFailure::setup(format!("cannot start the tokio runtime: {e}")))
}

/// Where `run_in_executor` sends the work.
#[derive(Debug, Clone)]
pub enum Executor {
    /// tokio's blocking pool (`spawn_blocking`): needs `'static` work.
    Blocking,
    /// A rayon pool; the result comes back through a oneshot channel.
    Rayon(Arc<rayon::ThreadPool>),
}

impl Executor {
    /// Runs `f` off the event loop and resolves to its result; a panic in `f` becomes a
    /// `WorkerFailure`. `loop.run_in_executor(executor, f)`: like it, the work is submitted
    /// at once, so call this from async code running on the runtime.
    pub fn run<T, F>(&self, f: F) -> impl Future<Output = Result<T, WorkerFailure>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let failed = |message| WorkerFailure { worker: None, message };
        let pending: std::pin::Pin<Box<dyn Future<Output = Result<T, WorkerFailure>> + Send>> = match self {
            Executor::Blocking => {
                let handle = tokio::task::spawn_blocking(f);
                Box::pin(async move {
                    handle.await.map_err(|e| {
                        failed(if e.is_panic() { panic_message(&*e.into_panic()) } else { e.to_string() })
                    })
                })
            }
            Executor::Rayon(pool) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                pool.spawn(move || {
                    let _ = tx.send(catch_unwind(AssertUnwindSafe(f)).map_err(|p| panic_message(&*p)));
                });
                Box::pin(async move {
                    match rx.await {
                        Ok(Ok(value)) => Ok(value),
                        Ok(Err(message)) => Err(failed(message)),
                        Err(_) => Err(failed("the rayon pool dropped the task".into())),
                    }
                })
            }
        };
        pending
    }
}

/// Awaits every future and returns their outputs in the order given, like
/// `asyncio.gather(*tasks)`. They run concurrently: each is spawned on the runtime first.
pub async fn gather<T: Send + 'static>(
    futures: impl IntoIterator<Item = impl Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("gathered futures do not panic: run_in_executor catches"));
    }
    out
}

/// Spawns every future and yields `(index, output)` as each finishes, like
/// `asyncio.as_completed`: call `next().await` until it returns `None`.
pub fn as_completed<T: Send + 'static>(
    futures: impl IntoIterator<Item = impl Future<Output = T> + Send + 'static>,
) -> AsCompleted<T> {
    let mut set = JoinSet::new();
    for (index, future) in futures.into_iter().enumerate() {
        set.spawn(async move { (index, future.await) });
    }
    AsCompleted { set }
}

/// The stream [`as_completed`] returns.
#[derive(Debug)]
pub struct AsCompleted<T> {
    set: JoinSet<(usize, T)>,
}

impl<T: Send + 'static> AsCompleted<T> {
    pub async fn next(&mut self) -> Option<(usize, T)> {
        self.set
            .join_next()
            .await
            .map(|r| r.expect("completed futures do not panic: run_in_executor catches"))
    }
}

/// The article's listing: K `run_in_executor(count_to, N)` calls gathered on `runtime`.
pub fn count_gathered(runtime: &Runtime, executor: &Executor, job: CountJob) -> Result<u64, WorkerFailure> {
    runtime.block_on(async {
        let results = gather((0..job.tasks).map(|_| executor.run(move || count_to(job.to)))).await;
        results.into_iter().try_fold(0u64, |sum, r| r.map(|v| sum + v))
    })
}
