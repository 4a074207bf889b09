//! A std-only twin of Python's `concurrent.futures`, built by hand to show how a future
//! works inside: [`Future`] (a `Mutex` + `Condvar` slot with callbacks and removable
//! waiters), [`as_completed`] and [`wait`] (waiters feeding a channel), and the
//! [`Executor`] trait with [`MapResults`], which `threads::futures::ThreadPoolExecutor` and
//! `process::ProcessPoolExecutor` implement.

mod executor;
mod future;
mod wait;

pub use executor::{run_for, Executor, Function, MapOptions, MapResults, SubmitError};
pub use future::{Future, FutureError, InvalidStateError, TaskError, Watch};
pub use wait::{
    as_completed, as_completed_timeout, wait, AsCompleted, AsCompletedTimeout, DoneAndNotDone, ReturnWhen,
};
