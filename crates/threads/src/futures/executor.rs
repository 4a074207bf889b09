//! `ThreadPoolExecutor`: a queue of work items behind a `Mutex` and a `Condvar`, and up to
//! `max_workers` threads that take items off it. Threads start lazily, one per submission
//! that finds no idle thread, as Python's does.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use workload::panic_message;

use super::future::{Future, FutureError, TaskError};

/// A queued piece of work: run it, or cancel its future without running it.
trait WorkItem: Send {
    fn run(self: Box<Self>);
    fn cancel(self: Box<Self>);
}

struct Submitted<T, F> {
    future: Future<T>,
    task: F,
}

impl<T: Send, F: FnOnce() -> Result<T, TaskError> + Send> WorkItem for Submitted<T, F> {
    fn run(self: Box<Self>) {
        // A future cancelled while it waited in the queue is skipped.
        if !self.future.set_running_or_notify_cancel() {
            return;
        }
        let outcome = match catch_unwind(AssertUnwindSafe(self.task)) {
            Ok(outcome) => outcome,
            Err(payload) => Err(TaskError::new(panic_message(&*payload))),
        };
        // Only this worker completes a running future, so this cannot be refused.
        let _ = match outcome {
            Ok(value) => self.future.set_result(value),
            Err(err) => self.future.set_exception(err),
        };
    }

    fn cancel(self: Box<Self>) {
        self.future.cancel();
    }
}

struct Queue {
    items: VecDeque<Box<dyn WorkItem>>,
    shutdown: bool,
    /// Workers blocked waiting for an item.
    idle: usize,
}

struct Shared {
    queue: Mutex<Queue>,
    available: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `submit` after `shutdown` (Python raises `RuntimeError: cannot schedule new futures after shutdown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownError;

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot schedule new futures after shutdown")
    }
}

impl std::error::Error for ShutdownError {}

/// A pool of at most `max_workers` threads running submitted closures, each with a
/// [`Future`] for its result. Dropping the executor shuts it down and waits for every
/// submitted task (Python's `with ThreadPoolExecutor() as executor:` block).
pub struct ThreadPoolExecutor {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    max_workers: usize,
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.max_workers)
            .field("threads", &self.thread_count())
            .finish()
    }
}

impl Default for ThreadPoolExecutor {
    /// Python's default size: `min(32, cores + 4)`.
    fn default() -> Self {
        let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
        ThreadPoolExecutor::new((cores + 4).min(32))
    }
}

impl ThreadPoolExecutor {
    /// An executor that runs at most `max_workers` tasks at once (at least 1). No thread
    /// starts until work is submitted.
    pub fn new(max_workers: usize) -> ThreadPoolExecutor {
        ThreadPoolExecutor {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue { items: VecDeque::new(), shutdown: false, idle: 0 }),
                available: Condvar::new(),
            }),
            workers: Mutex::new(Vec::new()),
            max_workers: max_workers.max(1),
        }
    }

    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// Threads started so far (never more than `max_workers`).
    pub fn thread_count(&self) -> usize {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Schedules `task` and returns its future at once. A panic in the task becomes the
    /// future's failure; it never takes the worker thread down.
    pub fn submit<T, F>(&self, task: F) -> Result<Future<T>, ShutdownError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.submit_fallible(move || Ok::<T, std::convert::Infallible>(task()))
    }

    /// Like [`ThreadPoolExecutor::submit`] for a task that returns `Result`: an `Err`
    /// becomes the future's failure (what `raise` inside a Python task does).
    pub fn submit_fallible<T, E, F>(&self, task: F) -> Result<Future<T>, ShutdownError>
    where
        T: Send + 'static,
        E: fmt::Display,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        let future = Future::new();
        let item = Submitted {
            future: future.clone(),
            task: move || task().map_err(|e| TaskError::new(e.to_string())),
        };
        let mut queue = self.shared.lock();
        if queue.shutdown {
            return Err(ShutdownError);
        }
        queue.items.push_back(Box::new(item));
        self.shared.available.notify_one();
        // Start another thread when the queue holds more items than there are idle threads
        // to take them, up to max_workers. The queue stays locked meanwhile, so a concurrent
        // `shutdown` cannot miss the new thread when it joins them.
        if queue.items.len() > queue.idle {
            let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
            if workers.len() < self.max_workers {
                let shared = Arc::clone(&self.shared);
                let name = format!("ThreadPoolExecutor-{}", workers.len());
                let handle = thread::Builder::new()
                    .name(name)
                    .spawn(move || worker_loop(&shared))
                    .expect("the OS refused to start a thread");
                workers.push(handle);
            }
        }
        drop(queue);
        Ok(future)
    }

    /// Submits `task(item)` for every item at once and returns the results in input order,
    /// whatever order they finish in (Python's `executor.map`). Each step of the iterator
    /// blocks until that item's result is ready; a failed task's error comes back at its
    /// position. Dropping the iterator early cancels the tasks that have not started.
    pub fn map<I, T, F>(&self, task: F, items: I) -> Result<MapResults<T>, ShutdownError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        let task = Arc::new(task);
        let mut futures = VecDeque::new();
        for item in items {
            let task = Arc::clone(&task);
            match self.submit(move || task(item)) {
                Ok(future) => futures.push_back(future),
                Err(err) => {
                    futures.iter().for_each(|f: &Future<T>| {
                        f.cancel();
                    });
                    return Err(err);
                }
            }
        }
        Ok(MapResults { futures })
    }

    /// Stops accepting work. With `cancel_futures`, cancels everything still queued. With
    /// `wait`, blocks until every task that was not cancelled has finished and the threads
    /// have exited. Calling it again is harmless.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let cancelled: Vec<Box<dyn WorkItem>> = {
            let mut queue = self.shared.lock();
            queue.shutdown = true;
            if cancel_futures {
                queue.items.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        for item in cancelled {
            item.cancel();
        }
        self.shared.available.notify_all();
        if wait {
            let handles = std::mem::take(&mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner));
            for handle in handles {
                // Tasks run under catch_unwind, so a worker thread itself does not panic.
                let _ = handle.join();
            }
        }
    }
}

impl Drop for ThreadPoolExecutor {
    /// The end of Python's `with` block: `shutdown(wait=True)`.
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

/// A worker: take the next item, run it, repeat; exit when shut down and the queue is empty.
fn worker_loop(shared: &Shared) {
    loop {
        let item = {
            let mut queue = shared.lock();
            loop {
                if let Some(item) = queue.items.pop_front() {
                    break Some(item);
                }
                if queue.shutdown {
                    break None;
                }
                queue.idle += 1;
                queue = shared.available.wait(queue).unwrap_or_else(PoisonError::into_inner);
                queue.idle -= 1;
            }
        };
        match item {
            Some(item) => item.run(),
            None => return,
        }
    }
}

/// The iterator [`ThreadPoolExecutor::map`] returns: results in input order.
pub struct MapResults<T> {
    futures: VecDeque<Future<T>>,
}

impl<T> fmt::Debug for MapResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<map results: {} pending>", self.futures.len())
    }
}

impl<T: Clone> Iterator for MapResults<T> {
    type Item = Result<T, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.futures.pop_front().map(|future| future.result())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.futures.len(), Some(self.futures.len()))
    }
}

impl<T> Drop for MapResults<T> {
    fn drop(&mut self) {
        for future in &self.futures {
            future.cancel();
        }
    }
}
