//! `asyncio.wrap_future` twins: make a result that another mechanism produces (a std thread,
//! a child process) something async code can `await`, without blocking the event loop.

use std::process::{Child, Output};
use std::thread::JoinHandle;

use workload::{panic_message, WorkerFailure};

/// Awaits a std thread's result: the blocking `join` runs on the blocking pool.
pub async fn wrap_thread<T: Send + 'static>(handle: JoinHandle<T>) -> Result<T, WorkerFailure> {
    let joined = tokio::task::spawn_blocking(move || handle.join())
        .await
        .map_err(|e| WorkerFailure { worker: 0, message: e.to_string() })?;
    joined.map_err(|payload| WorkerFailure { worker: 0, message: panic_message(&*payload) })
}

/// Awaits a child process's exit and output (stdout and stderr must be piped to be captured).
pub async fn wrap_child(child: Child) -> Result<Output, WorkerFailure> {
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .map_err(|e| WorkerFailure { worker: 0, message: e.to_string() })?
        .map_err(|e| WorkerFailure { worker: 0, message: format!("waiting for the child: {e}") })
}
