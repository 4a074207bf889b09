//! `asyncio.wrap_future` twins: make a result that another mechanism produces (an
//! executor's future, a std thread, a child process) something async code can `await`,
//! without blocking the event loop.
//!
//! [`wrap_future`] is the real one: it waits through the future's waiter list (the same one
//! `concurrent.futures.wait` uses) and holds no thread while it waits, so a thousand
//! wrapped futures cost a thousand small allocations, not a thousand threads.
//! [`wrap_thread`] and [`wrap_child`] have no such hook to wait on (a `JoinHandle` and a
//! `Child` can only be waited for by blocking), so each holds a blocking-pool thread.

use std::pin::Pin;
use std::process::{Child, Output};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use concurrent::futures::{Executor, Function, Future as ExecutorFuture, FutureError, SubmitError, Watch};
use workload::{panic_message, WorkerFailure};

/// `asyncio.wrap_future(future)`: an awaitable for a `concurrent.futures` future from either
/// executor (`ThreadPoolExecutor` or `ProcessPoolExecutor`). Awaiting it registers a waiter
/// that wakes this task when the future is done; no thread blocks meanwhile. Dropping it
/// removes the waiter.
pub fn wrap_future<T: Clone + Send + 'static>(future: ExecutorFuture<T>) -> WrappedFuture<T> {
    WrappedFuture { future, waker: Arc::new(Mutex::new(None)), watch: None }
}

/// The awaitable [`wrap_future`] returns; resolves to the future's result.
#[derive(Debug)]
pub struct WrappedFuture<T> {
    future: ExecutorFuture<T>,
    /// The task to wake, updated on every poll (a task may move between threads).
    waker: Arc<Mutex<Option<Waker>>>,
    watch: Option<Watch<T>>,
}

impl<T: Clone + Send + 'static> std::future::Future for WrappedFuture<T> {
    type Output = Result<T, FutureError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(outcome) = this.future.try_result() {
            this.watch = None;
            return Poll::Ready(outcome);
        }
        *this.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        if this.watch.is_none() {
            let waker = Arc::clone(&this.waker);
            this.watch = Some(this.future.watch(move || {
                if let Some(waker) = waker.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    waker.wake();
                }
            }));
        }
        // It may have finished between the first look and the waiter: look again.
        match this.future.try_result() {
            Some(outcome) => {
                this.watch = None;
                Poll::Ready(outcome)
            }
            None => Poll::Pending,
        }
    }
}

/// `await loop.run_in_executor(executor, f, arg)`: submits `f(arg)` to a
/// `concurrent.futures` executor (threads or processes) at once and returns an awaitable for
/// its result ([`wrap_future`] of the submitted future). A refused submit (the executor is
/// shut down or broken) is an error at the call, as Python raises there.
pub fn run_in_executor<E, F, A>(executor: &E, f: F, arg: A) -> Result<WrappedFuture<F::Output>, SubmitError>
where
    E: Executor<F, A>,
    F: Function<A>,
    F::Output: Clone,
    A: Send + 'static,
{
    executor.submit(f, arg).map(wrap_future)
}

/// Awaits a std thread's result: the blocking `join` runs on the blocking pool.
pub async fn wrap_thread<T: Send + 'static>(handle: JoinHandle<T>) -> Result<T, WorkerFailure> {
    let joined = tokio::task::spawn_blocking(move || handle.join())
        .await
        .map_err(|e| WorkerFailure { worker: None, message: e.to_string() })?;
    joined.map_err(|payload| WorkerFailure { worker: None, message: panic_message(&*payload) })
}

/// Awaits a child process's exit and output (stdout and stderr must be piped to be captured).
pub async fn wrap_child(child: Child) -> Result<Output, WorkerFailure> {
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .map_err(|e| WorkerFailure { worker: None, message: e.to_string() })?
        .map_err(|e| WorkerFailure { worker: None, message: format!("waiting for the child: {e}") })
}
