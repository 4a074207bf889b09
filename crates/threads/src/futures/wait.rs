//! Waiting on many futures at once: `as_completed` (each as it finishes) and `wait`
//! (until a condition holds). Both register a done-callback on every future that sends
//! its index down a channel, so the waiting thread sleeps on one receiver.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::future::{Future, FutureError};

/// Distinct futures (Python works on sets: passing one twice yields it once).
fn distinct<T>(futures: &[Future<T>]) -> Vec<Future<T>> {
    let mut out: Vec<Future<T>> = Vec::with_capacity(futures.len());
    for f in futures {
        if !out.iter().any(|seen| seen.same_as(f)) {
            out.push(f.clone());
        }
    }
    out
}

/// Registers a callback on each future that reports its index when it is done (at once for
/// those already done).
fn watch<T: 'static>(futures: &[Future<T>]) -> Receiver<usize> {
    let (tx, rx) = mpsc::channel();
    for (index, future) in futures.iter().enumerate() {
        let tx = tx.clone();
        // The receiver may be gone by then (the caller stopped early): nothing to tell.
        future.add_done_callback(move |_| {
            let _ = tx.send(index);
        });
    }
    rx
}

/// Yields the futures in the order they finish (or are cancelled); ones already done come
/// first. Python's `as_completed(fs)`.
pub fn as_completed<T: 'static>(futures: &[Future<T>]) -> AsCompleted<T> {
    let futures = distinct(futures);
    let done = watch(&futures);
    AsCompleted { futures, done, deadline: None, left: 0 }.primed()
}

/// [`as_completed`] with a limit: after `timeout` the iterator yields `Err(Timeout)` once and
/// stops. Python's `as_completed(fs, timeout)`.
pub fn as_completed_timeout<T: 'static>(futures: &[Future<T>], timeout: Duration) -> AsCompletedTimeout<T> {
    let futures = distinct(futures);
    let done = watch(&futures);
    AsCompletedTimeout {
        inner: AsCompleted { futures, done, deadline: Some(Instant::now() + timeout), left: 0 }.primed(),
        timed_out: false,
    }
}

/// The iterator of [`as_completed`].
#[derive(Debug)]
pub struct AsCompleted<T> {
    futures: Vec<Future<T>>,
    done: Receiver<usize>,
    deadline: Option<Instant>,
    left: usize,
}

impl<T> AsCompleted<T> {
    fn primed(mut self) -> Self {
        self.left = self.futures.len();
        self
    }

    fn next_done(&mut self) -> Option<Result<Future<T>, FutureError>> {
        if self.left == 0 {
            return None;
        }
        let index = match self.deadline {
            None => self.done.recv().expect("every watched future reports once"),
            Some(deadline) => {
                match self.done.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(index) => index,
                    Err(RecvTimeoutError::Timeout) => return Some(Err(FutureError::Timeout)),
                    Err(RecvTimeoutError::Disconnected) => unreachable!("the senders live in the callbacks"),
                }
            }
        };
        self.left -= 1;
        Some(Ok(self.futures[index].clone()))
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Future<T>;

    fn next(&mut self) -> Option<Future<T>> {
        self.next_done().map(|r| r.expect("no deadline, no timeout"))
    }
}

/// The iterator of [`as_completed_timeout`].
#[derive(Debug)]
pub struct AsCompletedTimeout<T> {
    inner: AsCompleted<T>,
    timed_out: bool,
}

impl<T> Iterator for AsCompletedTimeout<T> {
    type Item = Result<Future<T>, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.timed_out {
            return None;
        }
        let next = self.inner.next_done();
        self.timed_out = matches!(next, Some(Err(_)));
        next
    }
}

/// When [`wait`] returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any future finishes or is cancelled.
    FirstCompleted,
    /// As soon as any future fails; if none does, when all are done.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

/// Python's `DoneAndNotDoneFutures`: the futures split by whether they were done when
/// [`wait`] returned, each in the order given.
#[derive(Debug)]
pub struct DoneAndNotDone<T> {
    pub done: Vec<Future<T>>,
    pub not_done: Vec<Future<T>>,
}

fn failed<T>(future: &Future<T>) -> bool {
    future.done()
        && !future.cancelled()
        && matches!(future.exception_timeout(Some(Duration::ZERO)), Ok(Some(_)))
}

/// Blocks until `return_when` holds or `timeout` passes, then splits the futures into done
/// and not done. A timeout is not an error: the caller looks at `not_done`.
pub fn wait<T: 'static>(
    futures: &[Future<T>],
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> DoneAndNotDone<T> {
    let futures = distinct(futures);
    let deadline = timeout.map(|t| Instant::now() + t);
    let done = watch(&futures);
    let mut finished = 0;
    let satisfied = |finished: usize, last: Option<&Future<T>>| match return_when {
        ReturnWhen::AllCompleted => finished == futures.len(),
        ReturnWhen::FirstCompleted => finished > 0 || futures.is_empty(),
        ReturnWhen::FirstException => finished == futures.len() || last.is_some_and(failed),
    };
    let mut last = None;
    while !satisfied(finished, last) {
        let index = match deadline {
            None => done.recv().expect("every watched future reports once"),
            Some(deadline) => match done.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(index) => index,
                Err(_) => break,
            },
        };
        finished += 1;
        last = Some(&futures[index]);
    }
    let (done, not_done) = futures.iter().cloned().partition(Future::done);
    DoneAndNotDone { done, not_done }
}
