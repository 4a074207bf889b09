//! `Future<T>`: the result of work that may not have finished yet, built from a `Mutex` and
//! a `Condvar` (Python's `concurrent.futures.Future` is the same idea over a
//! `threading.Condition`).
//!
//! Two kinds of listeners, as in CPython: done-callbacks (`add_done_callback`, kept until
//! they run) and waiters ([`Future::watch`], what `wait`, `as_completed` and `wrap_future`
//! use), which are removed again when the watcher stops caring. Without that removal the
//! documented idiom `while not_done: done, not_done = wait(not_done, FIRST_COMPLETED)`
//! leaves one listener per call on every pending future: quadratic memory (2,000 futures
//! finishing one at a time would collect about two million listeners).

use std::any::type_name;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::panic::catch_quietly;

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
    /// The wait ran out before the future finished (Python's `TimeoutError` from `result`,
    /// `exception` and `map`).
    Timeout,
    /// `as_completed` ran out of time with futures still unfinished (Python's `TimeoutError`
    /// with the message `2 (of 4) futures unfinished`).
    Unfinished { unfinished: usize, total: usize },
    /// The task failed; `result()` re-raises its error.
    Failed(TaskError),
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Cancelled => f.write_str("the future was cancelled"),
            FutureError::Timeout => f.write_str("timed out waiting for the future"),
            FutureError::Unfinished { unfinished, total } => {
                write!(f, "{unfinished} (of {total}) futures unfinished")
            }
            FutureError::Failed(err) => write!(f, "the task failed: {err}"),
        }
    }
}

impl std::error::Error for FutureError {}

/// A future asked to do what its state does not allow: `set_result` on a finished future
/// (Python's `InvalidStateError`), or `set_running_or_notify_cancel` on one that is not
/// pending or cancelled (Python raises `RuntimeError` there). The message names the state and
/// the future, as CPython's does: `FINISHED: <Future at 0x... state=finished returned i32>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidStateError {
    message: String,
}

impl InvalidStateError {
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvalidStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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

impl<T> State<T> {
    fn is_done(&self) -> bool {
        matches!(self, State::Cancelled | State::Finished(_))
    }

    /// CPython's name for the state, as its messages print it.
    fn constant(&self) -> &'static str {
        match self {
            State::Pending => "PENDING",
            State::Running => "RUNNING",
            State::Cancelled => "CANCELLED",
            State::Finished(_) => "FINISHED",
        }
    }
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;
type Waiter = Box<dyn FnOnce() + Send>;

struct Slot<T> {
    state: State<T>,
    callbacks: Vec<Callback<T>>,
    /// Listeners registered by [`Future::watch`], each under its id so it can be removed.
    waiters: Vec<(u64, Waiter)>,
    next_waiter: u64,
}

struct Inner<T> {
    slot: Mutex<Slot<T>>,
    /// Signalled whenever the future becomes done.
    done: Condvar,
}

impl<T> Inner<T> {
    /// A poisoned lock only means a callback panicked elsewhere; the slot itself is always
    /// left consistent (callbacks run outside the lock), so carry on.
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
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

/// A listener registered with [`Future::watch`]. Dropping it removes the listener if it has
/// not fired yet; it holds the future only weakly, so it never keeps a future alive.
pub struct Watch<T> {
    future: Weak<Inner<T>>,
    id: Option<u64>,
}

impl<T> fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch").field("id", &self.id).finish()
    }
}

impl<T> Drop for Watch<T> {
    fn drop(&mut self) {
        if let (Some(id), Some(inner)) = (self.id, self.future.upgrade()) {
            let removed = {
                let mut slot = inner.lock();
                slot.waiters.iter().position(|(w, _)| *w == id).map(|at| slot.waiters.swap_remove(at))
            };
            // Dropped outside the lock: a waiter may own other futures' handles.
            drop(removed);
        }
    }
}

impl<T> Future<T> {
    /// A pending future, to be completed by hand with [`Future::set_result`] (Python's
    /// `Future()`; executors make theirs with `submit`).
    pub fn new() -> Future<T> {
        Future {
            inner: Arc::new(Inner {
                slot: Mutex::new(Slot {
                    state: State::Pending,
                    callbacks: Vec::new(),
                    waiters: Vec::new(),
                    next_waiter: 0,
                }),
                done: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.inner.lock()
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
        self.lock().state.is_done()
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

    /// For executors: moves a pending future to running and returns `Ok(true)`, or returns
    /// `Ok(false)` if it was cancelled meanwhile (then the task must not run). Any other state
    /// means the executor lost track of its futures: `Err`, where Python raises
    /// `RuntimeError('Future in unexpected state')`. Python's `set_running_or_notify_cancel`.
    pub fn set_running_or_notify_cancel(&self) -> Result<bool, InvalidStateError> {
        let mut slot = self.lock();
        match slot.state {
            State::Pending => {
                slot.state = State::Running;
                Ok(true)
            }
            State::Cancelled => Ok(false),
            State::Running | State::Finished(_) => {
                let state = slot.state.constant();
                Err(InvalidStateError { message: format!("Future in unexpected state: {state}") })
            }
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
        if slot.state.is_done() {
            let state = slot.state.constant();
            drop(slot); // the repr below takes the lock again
            return Err(InvalidStateError { message: format!("{state}: {self:?}") });
        }
        slot.state = State::Finished(outcome);
        self.complete(slot);
        Ok(())
    }

    /// Wakes waiters, then runs the listeners outside the lock (a callback may call
    /// `result()` on this very future).
    fn complete(&self, mut slot: MutexGuard<'_, Slot<T>>) {
        let callbacks = std::mem::take(&mut slot.callbacks);
        let waiters = std::mem::take(&mut slot.waiters);
        drop(slot);
        self.inner.done.notify_all();
        for (_, waiter) in waiters {
            // A waiter must not panic; if one does, the others still run and this thread
            // (often an executor's worker or manager) carries on.
            if let Err(message) = catch_quietly(waiter) {
                eprintln!("exception calling a waiter for {self:?}: {message}");
            }
        }
        for callback in callbacks {
            self.invoke(callback);
        }
    }

    /// A panicking callback is reported and does not stop the others (Python logs it too).
    fn invoke(&self, callback: Callback<T>) {
        if let Err(message) = catch_quietly(|| callback(self)) {
            eprintln!("exception calling callback for {self:?}: {message}");
        }
    }

    /// Calls `callback(&future)` when the future is done: at once, on this thread, if it
    /// already is; otherwise on the thread that completes it. Callbacks run in the order
    /// they were added.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        let mut slot = self.lock();
        if slot.state.is_done() {
            drop(slot);
            self.invoke(Box::new(callback));
        } else {
            slot.callbacks.push(Box::new(callback));
        }
    }

    /// Calls `on_done` once when the future is done (at once, on this thread, if it already
    /// is), until the returned [`Watch`] is dropped. This is CPython's private `_waiters`
    /// list: what [`wait`](super::wait), [`as_completed`](super::as_completed) and an async
    /// `wrap_future` use, so that they leave nothing behind on futures they stop watching.
    /// `on_done` runs with no lock held and must not panic.
    pub fn watch(&self, on_done: impl FnOnce() + Send + 'static) -> Watch<T> {
        let mut slot = self.lock();
        if slot.state.is_done() {
            drop(slot);
            on_done();
            return Watch { future: Arc::downgrade(&self.inner), id: None };
        }
        let id = slot.next_waiter;
        slot.next_waiter += 1;
        slot.waiters.push((id, Box::new(on_done)));
        Watch { future: Arc::downgrade(&self.inner), id: Some(id) }
    }

    /// How many [`Watch`]es are registered and have not fired: what a caller of `wait` in a
    /// loop can check to see that nothing accumulates (Python: `len(future._waiters)`).
    pub fn waiter_count(&self) -> usize {
        self.lock().waiters.len()
    }

    /// Waits until done or until `deadline`; returns the guard if done.
    fn wait_done(&self, deadline: Option<Instant>) -> Result<MutexGuard<'_, Slot<T>>, FutureError> {
        let mut slot = self.lock();
        loop {
            if slot.state.is_done() {
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
        let slot = self.wait_done(timeout.and_then(deadline_after))?;
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

    /// True if the future is done and failed (not cancelled); never blocks.
    pub fn failed(&self) -> bool {
        matches!(self.lock().state, State::Finished(Err(_)))
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
        Self::outcome(&self.wait_done(deadline_after(timeout))?.state)
    }

    /// [`Future::result_timeout`] against a deadline (`None`: no limit).
    pub fn result_until(&self, deadline: Option<Instant>) -> Result<T, FutureError> {
        Self::outcome(&self.wait_done(deadline)?.state)
    }

    /// Blocks until the future is done and returns its value (a task's failure comes back
    /// as `Err(Failed)`, a cancellation as `Err(Cancelled)`). Python's `result()`.
    pub fn result(&self) -> Result<T, FutureError> {
        Self::outcome(&self.wait_done(None)?.state)
    }

    /// The outcome if the future is done, without waiting.
    pub fn try_result(&self) -> Option<Result<T, FutureError>> {
        let slot = self.lock();
        slot.state.is_done().then(|| Self::outcome(&slot.state))
    }

    fn outcome(state: &State<T>) -> Result<T, FutureError> {
        match state {
            State::Finished(Ok(value)) => Ok(value.clone()),
            State::Finished(Err(err)) => Err(FutureError::Failed(err.clone())),
            State::Cancelled => Err(FutureError::Cancelled),
            State::Pending | State::Running => unreachable!("called only when done"),
        }
    }
}

/// The instant `timeout` from now; `None` (no deadline) when that is too far to represent,
/// as `Duration::MAX` ("wait forever") is.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// `<Future at 0x55d0c2a4b2c0 state=finished returned String>`, the shape of Python's repr.
impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = Arc::as_ptr(&self.inner);
        let slot = self.lock();
        match &slot.state {
            State::Pending => write!(f, "<Future at {at:p} state=pending>"),
            State::Running => write!(f, "<Future at {at:p} state=running>"),
            State::Cancelled => write!(f, "<Future at {at:p} state=cancelled>"),
            State::Finished(Ok(_)) => {
                write!(f, "<Future at {at:p} state=finished returned {}>", short_type_name(type_name::<T>()))
            }
            State::Finished(Err(_)) => write!(f, "<Future at {at:p} state=finished raised TaskError>"),
        }
    }
}

/// A type's name without module paths: `alloc::string::String` -> `String`,
/// `(alloc::string::String, i32)` -> `(String, i32)`, `core::option::Option<u8>` ->
/// `Option<u8>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(word.rsplit("::").next().unwrap_or(word));
        word.clear();
    };
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn type_names_lose_their_module_paths() {
        assert_eq!(short_type_name("alloc::string::String"), "String");
        assert_eq!(short_type_name("(alloc::string::String, i32)"), "(String, i32)");
        assert_eq!(short_type_name("core::option::Option<alloc::vec::Vec<u8>>"), "Option<Vec<u8>>");
        assert_eq!(short_type_name("&str"), "&str");
        assert_eq!(short_type_name("[u64; 3]"), "[u64; 3]");
    }
}
