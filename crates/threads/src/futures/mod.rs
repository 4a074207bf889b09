//! A std-only twin of Python's `concurrent.futures`, built by hand to show how a pool and a
//! future work inside: [`Future`] (a `Mutex` + `Condvar` slot with callbacks),
//! [`ThreadPoolExecutor`] (a queue + lazily started threads), [`as_completed`] and [`wait`]
//! (done-callbacks feeding a channel).

mod executor;
mod future;
mod wait;

pub use executor::{MapResults, ShutdownError, ThreadPoolExecutor};
pub use future::{Future, FutureError, InvalidStateError, TaskError};
pub use wait::{
    as_completed, as_completed_timeout, wait, AsCompleted, AsCompletedTimeout, DoneAndNotDone, ReturnWhen,
};
