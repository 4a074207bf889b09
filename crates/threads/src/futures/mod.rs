//! Python's `concurrent.futures` with a thread pool: the std-only [`ThreadPoolExecutor`]
//! built here, over the `concurrent` crate's [`Future`], [`as_completed`], [`wait`] and
//! [`Executor`] trait (re-exported, so `threads::futures` is the whole module).

mod executor;

pub use concurrent::futures::*;
pub use executor::{Builder, ThreadPoolExecutor, ValueError};
