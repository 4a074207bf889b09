//! Waiting on many futures at once: `as_completed` (each as it finishes) and `wait`
//! (until a condition holds). Both [`watch`](Future::watch) every future with a listener
//! that sends its index down a channel, so the waiting thread sleeps on one receiver, and
//! both drop their listeners as soon as they stop caring (CPython removes its waiter from
//! each future the same way), so calling them in a loop leaves nothing behind.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::future::{deadline_after, Future, FutureError, Watch};

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

/// Watches each future with a listener that reports its index when it is done (at once for
/// those already done).
fn watch_all<T>(futures: &[Future<T>]) -> (Vec<Watch<T>>, Receiver<usize>) {
    let (tx, rx) = mpsc::channel();
    let watches = futures
        .iter()
        .enumerate()
        .map(|(index, future)| {
            let tx = tx.clone();
            // The receiver may be gone by then (the caller stopped early): nothing to tell.
            future.watch(move || {
                let _ = tx.send(index);
            })
        })
        .collect();
    (watches, rx)
}

/// Yields the futures in the order they finish (or are cancelled); ones already done come
/// first. Python's `as_completed(fs)`.
pub fn as_completed<T>(futures: &[Future<T>]) -> AsCompleted<T> {
    AsCompleted::new(futures, None)
}

/// [`as_completed`] with a limit: when `timeout` runs out, the iterator yields
/// `Err(FutureError::Unfinished)` (`2 (of 4) futures unfinished`) once and stops. Python's
/// `as_completed(fs, timeout)`.
pub fn as_completed_timeout<T>(futures: &[Future<T>], timeout: Duration) -> AsCompletedTimeout<T> {
    AsCompletedTimeout { inner: AsCompleted::new(futures, deadline_after(timeout)), timed_out: false }
}

/// The iterator of [`as_completed`]. It keeps only the futures it has not yielded yet, so a
/// yielded future (and its result) is freed as soon as the caller drops it
/// (CPython's `test_free_reference_yielded_future`).
#[derive(Debug)]
pub struct AsCompleted<T> {
    futures: Vec<Option<(Future<T>, Watch<T>)>>,
    done: Receiver<usize>,
    deadline: Option<Instant>,
    left: usize,
}

impl<T> AsCompleted<T> {
    fn new(futures: &[Future<T>], deadline: Option<Instant>) -> AsCompleted<T> {
        let futures = distinct(futures);
        let (watches, done) = watch_all(&futures);
        let left = futures.len();
        AsCompleted { futures: futures.into_iter().zip(watches).map(Some).collect(), done, deadline, left }
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
                    Err(RecvTimeoutError::Timeout) => {
                        return Some(Err(FutureError::Unfinished {
                            unfinished: self.left,
                            total: self.futures.len(),
                        }))
                    }
                    Err(RecvTimeoutError::Disconnected) => unreachable!("the senders live in the watches"),
                }
            }
        };
        self.left -= 1;
        let (future, _watch) = self.futures[index].take().expect("each future reports once");
        Some(Ok(future))
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

/// Blocks until `return_when` holds or `timeout` passes, then splits the futures into done
/// and not done. A timeout is not an error: the caller looks at `not_done`. Every listener
/// it put on a future is removed before it returns.
pub fn wait<T>(
    futures: &[Future<T>],
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> DoneAndNotDone<T> {
    let futures = distinct(futures);
    let deadline = timeout.and_then(deadline_after);
    let (watches, done) = watch_all(&futures);
    let mut finished = 0;
    let satisfied = |finished: usize, last: Option<&Future<T>>| match return_when {
        ReturnWhen::AllCompleted => finished == futures.len(),
        ReturnWhen::FirstCompleted => finished > 0 || futures.is_empty(),
        ReturnWhen::FirstException => finished == futures.len() || last.is_some_and(Future::failed),
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
    drop(watches);
    let (done, not_done) = futures.iter().cloned().partition(Future::done);
    DoneAndNotDone { done, not_done }
}
