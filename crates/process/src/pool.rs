//! A pool of long-lived worker processes: Python's `multiprocessing.Pool` (`apply`,
//! `apply_async` + `get(timeout)`, `map`, `imap_unordered`). Tasks wait in one queue; each
//! worker has a driver thread in the parent that takes the next task, sends it, and waits
//! for the reply. A worker that dies or talks garbage breaks the pool (as Python's
//! `BrokenProcessPool`): every task not yet answered fails with the reason, none hangs.

use std::collections::VecDeque;
use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::child::{KillHandle, ProcessError, WorkerCommand, WorkerProcess};
use crate::protocol::{Reply, Task};

/// A finished task: its tag (the index it was submitted under) and its outcome.
pub type Tagged = (usize, Result<Reply, ProcessError>);

struct Job {
    frame: Vec<u8>,
    tag: usize,
    /// Taken when the job is answered; a job dropped unanswered (its driver thread panicked)
    /// answers `Lost` from `Drop`, so nobody waits forever on a reply that cannot come.
    reply_to: Option<Sender<Tagged>>,
}

impl Job {
    fn new(frame: Vec<u8>, tag: usize, reply_to: Sender<Tagged>) -> Job {
        Job { frame, tag, reply_to: Some(reply_to) }
    }

    fn answer(mut self, reply: Result<Reply, ProcessError>) {
        if let Some(to) = self.reply_to.take() {
            let _ = to.send((self.tag, reply));
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(to) = self.reply_to.take() {
            let _ = to.send((self.tag, Err(ProcessError::Lost)));
        }
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// No new tasks; workers finish the queue and exit (`close()`).
    closing: bool,
    /// Stop now; queued tasks fail (`terminate()`).
    terminated: bool,
    broken: Option<ProcessError>,
    task_timeout: Option<Duration>,
}

/// Bytes that crossed the pipes, and the parent's time decoding replies.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Traffic {
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub decode_s: f64,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    traffic: Mutex<Traffic>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pool of worker processes. Dropping it terminates the workers (as leaving Python's
/// `with Pool() as pool:` block does); [`ProcessPool::close_and_join`] lets them finish.
pub struct ProcessPool {
    shared: Arc<Shared>,
    drivers: Vec<JoinHandle<()>>,
    kill: Vec<KillHandle>,
    pids: Vec<u32>,
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool").field("pids", &self.pids).finish()
    }
}

/// How long a closed pool's workers may take to exit after their stdin closes.
const EXIT_GRACE: Duration = Duration::from_secs(5);

impl ProcessPool {
    /// Starts `workers` processes (at least one) with `command`.
    pub fn new(workers: usize, command: &WorkerCommand) -> Result<ProcessPool, ProcessError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            traffic: Mutex::new(Traffic::default()),
        });
        let mut pool = ProcessPool { shared, drivers: Vec::new(), kill: Vec::new(), pids: Vec::new() };
        for index in 0..workers.max(1) {
            // On a failed start, dropping `pool` terminates the ones already running.
            let worker = WorkerProcess::spawn(command, index)?;
            pool.pids.push(worker.pid());
            pool.kill.push(worker.kill_handle());
            let shared = Arc::clone(&pool.shared);
            let driver = thread::Builder::new()
                .name(format!("pool-driver-{index}"))
                .spawn(move || drive(worker, &shared))
                .map_err(|e| ProcessError::Spawn { worker: index, message: e.to_string() })?;
            pool.drivers.push(driver);
        }
        Ok(pool)
    }

    /// The workers' process ids.
    pub fn pids(&self) -> &[u32] {
        &self.pids
    }

    /// A task that takes longer than `timeout` gets its worker killed and breaks the pool
    /// (off by default: a long count is not a hang).
    pub fn set_task_timeout(&self, timeout: Option<Duration>) {
        self.shared.state().task_timeout = timeout;
    }

    pub fn traffic(&self) -> Traffic {
        *self.shared.traffic.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues an encoded task; its outcome goes to `reply_to` with `tag`.
    pub fn submit_encoded(&self, frame: Vec<u8>, tag: usize, reply_to: Sender<Tagged>) {
        let mut state = self.shared.state();
        let refused = if let Some(cause) = &state.broken {
            Some(ProcessError::Broken(Box::new(cause.clone())))
        } else if state.closing || state.terminated {
            Some(ProcessError::Closed)
        } else {
            None
        };
        if let Some(err) = refused {
            drop(state);
            let _ = reply_to.send((tag, Err(err)));
            return;
        }
        state.queue.push_back(Job::new(frame, tag, reply_to));
        drop(state);
        self.shared.wake.notify_one();
    }

    /// Runs `task` in a worker and returns its reply when it arrives (Python's
    /// `apply_async`): the call itself does not wait.
    pub fn apply_async(&self, task: &Task) -> AsyncResult {
        let (tx, rx) = mpsc::channel();
        self.submit_encoded(task.encode(), 0, tx);
        AsyncResult { rx, outcome: None }
    }

    /// Runs `task` in a worker and waits for the reply (Python's `apply`).
    pub fn apply(&self, task: &Task) -> Result<Reply, ProcessError> {
        self.apply_async(task).get(None)
    }

    /// Runs every task and returns the replies in task order (Python's `map`).
    pub fn map(&self, tasks: impl IntoIterator<Item = Task>) -> Vec<Result<Reply, ProcessError>> {
        let results = self.as_completed(tasks);
        let mut replies: Vec<Option<Result<Reply, ProcessError>>> = vec![None; results.left];
        for (tag, reply) in results {
            replies[tag] = Some(reply);
        }
        replies.into_iter().map(|r| r.unwrap_or(Err(ProcessError::Closed))).collect()
    }

    /// Runs every task and yields `(index, reply)` as each finishes, quickest first
    /// (Python's `imap_unordered`; asyncio's `as_completed`).
    pub fn as_completed(&self, tasks: impl IntoIterator<Item = Task>) -> AsCompleted {
        let (tx, rx) = mpsc::channel();
        let mut left = 0;
        for (tag, task) in tasks.into_iter().enumerate() {
            self.submit_encoded(task.encode(), tag, tx.clone());
            left += 1;
        }
        AsCompleted { rx, left }
    }

    /// Stops taking tasks, lets the workers finish the queue and exit, and reaps them
    /// (Python's `close()` then `join()`).
    pub fn close_and_join(mut self) {
        self.shared.state().closing = true;
        self.shared.wake.notify_all();
        for driver in self.drivers.drain(..) {
            let _ = driver.join();
        }
    }
}

impl Drop for ProcessPool {
    /// Python's `terminate()`: queued tasks fail with `Closed`, busy workers are killed,
    /// every child is reaped before this returns.
    fn drop(&mut self) {
        if self.drivers.is_empty() {
            return;
        }
        let queued: Vec<Job> = {
            let mut state = self.shared.state();
            state.terminated = true;
            state.queue.drain(..).collect()
        };
        for job in queued {
            job.answer(Err(ProcessError::Closed));
        }
        self.shared.wake.notify_all();
        for handle in &self.kill {
            handle.kill();
        }
        for driver in self.drivers.drain(..) {
            let _ = driver.join();
        }
    }
}

/// One worker's driver: take a task, send it, wait for the reply, pass it on.
fn drive(mut worker: WorkerProcess, shared: &Shared) {
    loop {
        let (job, timeout) = {
            let mut state = shared.state();
            loop {
                if state.terminated {
                    worker.kill();
                    return;
                }
                if state.broken.is_some() {
                    break (None, None);
                }
                if let Some(job) = state.queue.pop_front() {
                    break (Some(job), state.task_timeout);
                }
                if state.closing {
                    break (None, None);
                }
                state = shared.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let Some(mut job) = job else {
            worker.finish(EXIT_GRACE);
            return;
        };
        let (sent, received, decode_s) = (worker.bytes_sent, worker.bytes_received, worker.decode_s);
        worker.send_encoded(std::mem::take(&mut job.frame));
        let mut reply = worker.receive(timeout);
        {
            let mut traffic = shared.traffic.lock().unwrap_or_else(PoisonError::into_inner);
            traffic.bytes_sent += worker.bytes_sent - sent;
            traffic.bytes_received += worker.bytes_received - received;
            traffic.decode_s += worker.decode_s - decode_s;
        }
        if let Err(err) = &reply {
            let fatal = matches!(
                err,
                ProcessError::Died { .. }
                    | ProcessError::Protocol { .. }
                    | ProcessError::Timeout { .. }
                    | ProcessError::Silent { .. }
            );
            let mut state = shared.state();
            if state.terminated {
                reply = Err(ProcessError::Closed);
            } else if fatal {
                // Break the pool: this task reports the cause, every queued one fails.
                state.broken.get_or_insert_with(|| err.clone());
                let cause = Box::new(err.clone());
                for queued in state.queue.drain(..) {
                    queued.answer(Err(ProcessError::Broken(cause.clone())));
                }
                drop(state);
                shared.wake.notify_all();
            }
        }
        job.answer(reply);
    }
}

/// The handle `apply_async` returns (Python's `AsyncResult`).
#[derive(Debug)]
pub struct AsyncResult {
    rx: Receiver<Tagged>,
    outcome: Option<Result<Reply, ProcessError>>,
}

impl AsyncResult {
    /// Waits for the reply, at most `timeout` (then `Err(NotReady)`, and the task keeps
    /// running: a later `get` may still succeed). Python's `AsyncResult.get(timeout)`.
    pub fn get(&mut self, timeout: Option<Duration>) -> Result<Reply, ProcessError> {
        if self.outcome.is_none() {
            let received = match timeout {
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(t) => self.rx.recv_timeout(t),
            };
            match received {
                Ok((_, outcome)) => self.outcome = Some(outcome),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(ProcessError::NotReady { after: timeout.unwrap_or_default() })
                }
                Err(RecvTimeoutError::Disconnected) => self.outcome = Some(Err(ProcessError::Closed)),
            }
        }
        self.outcome.clone().expect("set above")
    }

    /// Whether the reply has arrived (Python's `ready()`).
    pub fn ready(&mut self) -> bool {
        if self.outcome.is_none() {
            if let Ok((_, outcome)) = self.rx.try_recv() {
                self.outcome = Some(outcome);
            }
        }
        self.outcome.is_some()
    }
}

/// The iterator of [`ProcessPool::as_completed`].
#[derive(Debug)]
pub struct AsCompleted {
    rx: Receiver<Tagged>,
    left: usize,
}

impl Iterator for AsCompleted {
    type Item = Tagged;

    fn next(&mut self) -> Option<Tagged> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // Every queued job reports exactly once (even when the pool is terminated), so the
        // channel only ends early if that promise broke: then stop rather than invent a tag.
        self.rx.recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_dropped_unanswered_answers_lost_instead_of_leaving_a_waiter() {
        let (tx, rx) = mpsc::channel();
        drop(Job::new(Vec::new(), 7, tx.clone()));
        let (tag, reply) = rx.recv().unwrap();
        assert_eq!(tag, 7);
        assert!(matches!(reply, Err(ProcessError::Lost)), "{reply:?}");
        Job::new(Vec::new(), 8, tx).answer(Err(ProcessError::Closed));
        assert!(matches!(rx.recv().unwrap(), (8, Err(ProcessError::Closed))));
        assert!(rx.try_recv().is_err(), "answered once, not again on drop");
    }
}
