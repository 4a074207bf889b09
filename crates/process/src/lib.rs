//! Model: child processes. The article's `multiprocessing.Process` (one-shot children, each
//! with its own interpreter and so its own GIL) and `multiprocessing.Pool` (long-lived
//! workers fed from a queue), rebuilt on `std::process`.
//!
//! A child shares no memory with its parent: work goes down a pipe as bytes and results come
//! back the same way. That is Python's pickling, and its cost is measured here ([`Ship`]):
//! copy each chunk to the worker, or send only its byte range and let the worker map the
//! file itself. Workers are the `harness` binary re-executed with a hidden argument
//! ([`protocol::WORKER_ARG`]), as `multiprocessing` re-runs the interpreter on the script.
//!
//! [`ProcessPoolExecutor`] puts the pool behind `concurrent.futures`: the same `Future` and
//! `Executor` trait as the thread pool's, so the article's one-line swap works.

mod child;
mod executor;
mod frame;
pub mod functions;
mod jobs;
mod oneshot;
mod partitioned;
mod pool;
pub mod protocol;
pub mod worker;

pub use child::{KillHandle, ProcessError, WorkerCommand, WorkerProcess, DEFAULT_WORKER_TIMEOUT};
pub use executor::ProcessPoolExecutor;
pub use functions::RemoteFunction;
pub use jobs::{count, ngram, Ship};
pub use oneshot::Process;
pub use partitioned::ngram_partitioned;
pub use pool::{AsCompleted, AsyncResult, ProcessPool, Tagged, Traffic};
#[cfg(feature = "test-tasks")]
pub use protocol::Fault;
pub use protocol::{Reply, Task, HEARTBEAT, WORKER_ARG};
