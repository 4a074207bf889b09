//! One-shot children: the article's `Process(target=count, args=(N,))`, `start()`, `join()`.
//! Unlike Python's `join`, ours hands back the child's return value (it comes over a pipe).

use std::time::Duration;

use crate::child::{ProcessError, WorkerCommand, WorkerProcess};
use crate::protocol::{Reply, Task};

/// How long a finished child may take to exit after its stdin closes.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// A child process running one task.
#[derive(Debug)]
pub struct Process {
    worker: WorkerProcess,
}

impl Process {
    /// Starts a child (number `index`, for messages) and gives it `task`: `Process(...)` and
    /// `start()` in one.
    pub fn start(command: &WorkerCommand, index: usize, task: &Task) -> Result<Process, ProcessError> {
        let mut worker = WorkerProcess::spawn(command, index)?;
        worker.send(task);
        Ok(Process { worker })
    }

    pub fn pid(&self) -> u32 {
        self.worker.pid()
    }

    /// Waits for the child's answer (at most `timeout`; then the child is killed), lets it
    /// exit and reaps it.
    pub fn join(mut self, timeout: Option<Duration>) -> Result<Reply, ProcessError> {
        let reply = self.worker.receive(timeout);
        self.worker.finish(EXIT_GRACE);
        reply
    }
}
