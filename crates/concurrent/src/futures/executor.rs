//! The `Executor` abstraction: what `ThreadPoolExecutor` and `ProcessPoolExecutor` have in
//! common, so that code written against it runs on threads or on processes by changing the
//! line that builds the executor (the article: "replace ThreadPoolExecutor with
//! ProcessPoolExecutor").
//!
//! A thread can run any closure; a process can only run what it can be told as data, so
//! work is a [`Function`] applied to an argument: every closure is one (threads run them),
//! and the process crate defines functions a worker knows by name (as pickle sends a
//! function by its qualified name, never its code).

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use super::future::{deadline_after, Future, FutureError, TaskError};
use crate::panic::catch_quietly;

/// Something an executor can run on an argument `A` (Python's `fn` in `submit(fn, *args)`;
/// several arguments are a tuple).
pub trait Function<A>: Send + Sync + 'static {
    type Output: Send + 'static;
    fn call(&self, arg: A) -> Self::Output;
}

impl<A, T, F> Function<A> for F
where
    F: Fn(A) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Output = T;

    fn call(&self, arg: A) -> T {
        self(arg)
    }
}

/// Why `submit` or `map` refused new work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitError {
    /// After `shutdown` (Python's `RuntimeError: cannot schedule new futures after shutdown`).
    Shutdown,
    /// The executor broke (a thread initializer failed, a worker process died): Python's
    /// `BrokenThreadPool` / `BrokenProcessPool`, with the reason.
    Broken(String),
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Shutdown => f.write_str("cannot schedule new futures after shutdown"),
            SubmitError::Broken(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for SubmitError {}

/// `map`'s keyword arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapOptions {
    /// Python's `timeout`: counted from the call to `map`; a result not ready by then ends
    /// the iteration with `Err(Timeout)`.
    pub timeout: Option<Duration>,
    /// Python's `chunksize`: how many calls travel to a worker process together. Threads
    /// ignore it, as CPython's `ThreadPoolExecutor` does. Python raises `ValueError` for a
    /// chunksize below 1; here the type cannot hold one.
    pub chunksize: NonZeroUsize,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions { timeout: None, chunksize: NonZeroUsize::MIN }
    }
}

/// The abstraction both executors implement (Python's `concurrent.futures.Executor`).
pub trait Executor<F: Function<A>, A: Send + 'static> {
    /// Schedules `f(arg)` and returns its future at once.
    fn submit(&self, f: F, arg: A) -> Result<Future<F::Output>, SubmitError>;

    /// Submits `f(arg)` for every argument at once and returns an iterator over the results
    /// in argument order (Python's `map(fn, *iterables, timeout=None, chunksize=1)`).
    fn map_with(
        &self,
        f: F,
        args: impl IntoIterator<Item = A>,
        options: MapOptions,
    ) -> Result<MapResults<F::Output>, SubmitError>;

    /// [`Executor::map_with`] with Python's defaults.
    fn map(&self, f: F, args: impl IntoIterator<Item = A>) -> Result<MapResults<F::Output>, SubmitError> {
        self.map_with(f, args, MapOptions::default())
    }

    /// Stops taking work; with `cancel_futures`, cancels what is still queued; with `wait`,
    /// returns only when every task that was not cancelled has finished.
    fn shutdown(&self, wait: bool, cancel_futures: bool);
}

/// Runs `task` for `future` the way every executor does: skip it if the future was
/// cancelled while queued, otherwise mark it running, run it (a panic becomes the future's
/// failure, printed nowhere), and complete the future. `before_publish` runs after the task
/// and before its result is visible (the thread pool counts its worker idle there).
pub fn run_for<T>(
    future: &Future<T>,
    task: impl FnOnce() -> Result<T, TaskError>,
    before_publish: impl FnOnce(),
) {
    match future.set_running_or_notify_cancel() {
        Ok(true) => {}
        // Cancelled while queued: the task never runs. (Any other state cannot happen for a
        // future only this executor completes.)
        Ok(false) | Err(_) => {
            before_publish();
            return;
        }
    }
    let outcome = catch_quietly(task).unwrap_or_else(|message| Err(TaskError::new(message)));
    before_publish();
    // Only the executor completes a running future, so this cannot be refused.
    let _ = match outcome {
        Ok(value) => future.set_result(value),
        Err(err) => future.set_exception(err),
    };
}

/// The iterator `map` returns: results in argument order, each step blocking until that
/// result is ready. As CPython's generator:
///
/// - every call was submitted before `map` returned, so nothing needs iterating to run;
/// - the first failure, cancellation or timeout is yielded at its position and ends the
///   iteration, and the calls still queued are cancelled;
/// - dropping it after iteration has started cancels the calls still queued; dropping it
///   before (a generator that never started has nothing to clean up) cancels nothing.
pub struct MapResults<T> {
    /// In argument order; each is dropped once yielded.
    futures: VecDeque<Future<T>>,
    deadline: Option<Instant>,
    started: bool,
}

impl<T> MapResults<T> {
    /// Results of `futures`, in this order, waiting at most until `timeout` after now.
    pub fn new(futures: impl IntoIterator<Item = Future<T>>, timeout: Option<Duration>) -> MapResults<T> {
        MapResults {
            futures: futures.into_iter().collect(),
            deadline: timeout.and_then(deadline_after),
            started: false,
        }
    }

    fn cancel_rest(&mut self) {
        for future in self.futures.drain(..) {
            future.cancel();
        }
    }
}

impl<T> fmt::Debug for MapResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<map results: {} pending>", self.futures.len())
    }
}

impl<T: Clone> Iterator for MapResults<T> {
    type Item = Result<T, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.started = true;
        let future = self.futures.pop_front()?;
        let outcome = future.result_until(self.deadline);
        if outcome.is_err() {
            // CPython's `_result_or_cancel`: the future that timed out is cancelled too.
            future.cancel();
            self.cancel_rest();
        }
        Some(outcome)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.futures.len()))
    }
}

impl<T> Drop for MapResults<T> {
    fn drop(&mut self) {
        if self.started {
            self.cancel_rest();
        }
    }
}
