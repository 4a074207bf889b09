//! `Future<T>`: the result of work that may not have finished yet, built from a `Mutex` and
//! a `Condvar` (Python's `concurrent.futures.Future` is the same idea over a `threading.Condition`).

use std::any::type_name;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use workload::panic_message;

/// Why a task produced no value: it panicked, or it returned an `Err`. Python calls this the
/// future's exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    message: String,
}

impl TaskError {
    /// A failure with this message (Python's `set_exception`).
    pub fn new(message: impl Into<String>) -> TaskError {
        TaskError { message: message.into() }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TaskError {}

/// What `result()` and friends return instead of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FutureError {
    /// The future was cancelled before it ran (Python's `CancelledError`).
    Cancelled,
    /// The wait ran out before the future finished (Python's `TimeoutError`).
    Timeout,
    /// The task failed; `result()` re-raises its error.
    Failed(TaskError),
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Cancelled => f.write_str("the future was cancelled"),
            FutureError::Timeout => f.write_str("timed out waiting for the future"),
            FutureError::Failed(err) => write!(f, "the task failed: {err}"),
        }
    }
}

impl std::error::Error for FutureError {}

/// `set_result` on a future that is already done (Python's `InvalidStateError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidStateError;

impl fmt::Display for InvalidStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the future is already done")
    }
}

impl std::error::Error for InvalidStateError {}

/// The four states of Python's Future (it calls them PENDING, RUNNING, CANCELLED, FINISHED).
enum State<T> {
    Pending,
    Running,
    Cancelled,
    Finished(Result<T, TaskError>),
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

struct Slot<T> {
    state: State<T>,
    callbacks: Vec<Callback<T>>,
}

struct Inner<T> {
    slot: Mutex<Slot<T>>,
    /// Signalled whenever the future becomes done.
    done: Condvar,
}

/// A handle on a result that may not exist yet. Cloning gives another handle on the same
/// future (as passing a Python `Future` object around does).
pub struct Future<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future { inner: Arc::clone(&self.inner) }
    }
}

impl<T> Default for Future<T> {
    fn default() -> Self {
        Future::new()
    }
}

impl<T> Future<T> {
    /// A pending future, to be completed by hand with [`Future::set_result`] (Python's
    /// `Future()`; executors make theirs with `submit`).
    pub fn new() -> Future<T> {
        Future {
            inner: Arc::new(Inner {
                slot: Mutex::new(Slot { state: State::Pending, callbacks: Vec::new() }),
                done: Condvar::new(),
            }),
        }
    }

    /// A poisoned lock only means a callback panicked elsewhere; the slot itself is always
    /// left consistent (callbacks run outside the lock), so carry on.
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.inner.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether two handles point at the same future.
    pub fn same_as(&self, other: &Future<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// True while a worker is running the task.
    pub fn running(&self) -> bool {
        matches!(self.lock().state, State::Running)
    }

    /// True once the future finished (with a value or a failure) or was cancelled.
    pub fn done(&self) -> bool {
        matches!(self.lock().state, State::Cancelled | State::Finished(_))
    }

    pub fn cancelled(&self) -> bool {
        matches!(self.lock().state, State::Cancelled)
    }

    /// Cancels the future if it has not started: returns true if it is now cancelled
    /// (including when it already was), false if it is running or finished. As in Python,
    /// a task that has started is never interrupted.
    pub fn cancel(&self) -> bool {
        let mut slot = self.lock();
        match slot.state {
            State::Running | State::Finished(_) => false,
            State::Cancelled => true,
            State::Pending => {
                slot.state = State::Cancelled;
                self.complete(slot);
                true
            }
        }
    }

    /// For executors: moves a pending future to running and returns true, or returns false
    /// if it was cancelled meanwhile (then the task must not run). Python's
    /// `set_running_or_notify_cancel`.
    pub fn set_running_or_notify_cancel(&self) -> bool {
        let mut slot = self.lock();
        match slot.state {
            State::Pending => {
                slot.state = State::Running;
                true
            }
            _ => false,
        }
    }

    /// Completes the future with a value, waking every waiter and running the callbacks on
    /// this thread (as Python does).
    pub fn set_result(&self, value: T) -> Result<(), InvalidStateError> {
        self.finish(Ok(value))
    }

    /// Completes the future with a failure (Python's `set_exception`).
    pub fn set_exception(&self, error: TaskError) -> Result<(), InvalidStateError> {
        self.finish(Err(error))
    }

    fn finish(&self, outcome: Result<T, TaskError>) -> Result<(), InvalidStateError> {
        let mut slot = self.lock();
        if matches!(slot.state, State::Cancelled | State::Finished(_)) {
            return Err(InvalidStateError);
        }
        slot.state = State::Finished(outcome);
        self.complete(slot);
        Ok(())
    }

    /// Wakes waiters, then runs the callbacks outside the lock (a callback may call
    /// `result()` on this very future).
    fn complete(&self, mut slot: MutexGuard<'_, Slot<T>>) {
        let callbacks = std::mem::take(&mut slot.callbacks);
        drop(slot);
        self.inner.done.notify_all();
        for callback in callbacks {
            self.invoke(callback);
        }
    }

    /// A panicking callback is reported and does not stop the others (Python logs it too).
    fn invoke(&self, callback: Callback<T>) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(self))) {
            eprintln!("exception calling callback for {self:?}: {}", panic_message(&*payload));
        }
    }

    /// Calls `callback(&future)` when the future is done: at once, on this thread, if it
    /// already is; otherwise on the thread that completes it. Callbacks run in the order
    /// they were added.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        let mut slot = self.lock();
        if matches!(slot.state, State::Cancelled | State::Finished(_)) {
            drop(slot);
            self.invoke(Box::new(callback));
        } else {
            slot.callbacks.push(Box::new(callback));
        }
    }

    /// Waits until done or until `deadline`; returns the guard if done.
    fn wait_done(&self, deadline: Option<Instant>) -> Result<MutexGuard<'_, Slot<T>>, FutureError> {
        let mut slot = self.lock();
        loop {
            if matches!(slot.state, State::Cancelled | State::Finished(_)) {
                return Ok(slot);
            }
            slot = match deadline {
                None => self.inner.done.wait(slot).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(FutureError::Timeout);
                    }
                    self.inner.done.wait_timeout(slot, left).unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
    }

    /// Blocks until the future is done (or the timeout passes) and returns its failure:
    /// `Ok(None)` when it succeeded, `Ok(Some(error))` when it failed, `Err(Cancelled)` or
    /// `Err(Timeout)` otherwise. Python's `exception(timeout)`.
    pub fn exception_timeout(&self, timeout: Option<Duration>) -> Result<Option<TaskError>, FutureError> {
        let slot = self.wait_done(timeout.map(|t| Instant::now() + t))?;
        match &slot.state {
            State::Cancelled => Err(FutureError::Cancelled),
            State::Finished(Err(err)) => Ok(Some(err.clone())),
            _ => Ok(None),
        }
    }

    /// [`Future::exception_timeout`] without a timeout.
    pub fn exception(&self) -> Result<Option<TaskError>, FutureError> {
        self.exception_timeout(None)
    }

    /// One-word state for display: pending, running, cancelled, finished.
    pub fn state_name(&self) -> &'static str {
        match self.lock().state {
            State::Pending => "pending",
            State::Running => "running",
            State::Cancelled => "cancelled",
            State::Finished(_) => "finished",
        }
    }
}

impl<T: Clone> Future<T> {
    /// Blocks until the future is done (or `timeout` passes) and returns its value, or why
    /// there is none. May be called any number of times. Python's `result(timeout)`.
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, FutureError> {
        Self::outcome(&self.wait_done(Some(Instant::now() + timeout))?.state)
    }

    /// Blocks until the future is done and returns its value (a task's failure comes back
    /// as `Err(Failed)`, a cancellation as `Err(Cancelled)`). Python's `result()`.
    pub fn result(&self) -> Result<T, FutureError> {
        Self::outcome(&self.wait_done(None)?.state)
    }

    fn outcome(state: &State<T>) -> Result<T, FutureError> {
        match state {
            State::Finished(Ok(value)) => Ok(value.clone()),
            State::Finished(Err(err)) => Err(FutureError::Failed(err.clone())),
            State::Cancelled => Err(FutureError::Cancelled),
            State::Pending | State::Running => unreachable!("wait_done returns only when done"),
        }
    }
}

/// `<Future at 0x55d0c2a4b2c0 state=finished returned alloc::string::String>`, the shape of
/// Python's repr.
impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = Arc::as_ptr(&self.inner);
        let slot = self.lock();
        match &slot.state {
            State::Pending => write!(f, "<Future at {at:p} state=pending>"),
            State::Running => write!(f, "<Future at {at:p} state=running>"),
            State::Cancelled => write!(f, "<Future at {at:p} state=cancelled>"),
            State::Finished(Ok(_)) => {
                write!(f, "<Future at {at:p} state=finished returned {}>", short_type_name::<T>())
            }
            State::Finished(Err(_)) => write!(f, "<Future at {at:p} state=finished raised TaskError>"),
        }
    }
}

/// `alloc::string::String` -> `String`, `u64` -> `u64`.
fn short_type_name<T>() -> &'static str {
    let full = type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}
