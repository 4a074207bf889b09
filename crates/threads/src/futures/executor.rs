//! `ThreadPoolExecutor`: a queue of work items behind a `Mutex` and a `Condvar`, and up to
//! `max_workers` threads that take items off it. As in CPython's `thread.py`:
//!
//! - threads start lazily: a submission starts one unless an idle permit is available (a
//!   worker hands one back after each item, CPython's `_idle_semaphore`). The worker hands
//!   it back *before* it publishes the result, so `submit(..).result()` three times in a row
//!   reuses one thread every time (CPython hands it back after, and relies on the GIL to
//!   win that race, which its free-threaded build loses: gh-117344);
//! - threads are named `ThreadPoolExecutor-<pool>_<n>` (or `<prefix>_<n>`);
//! - an initializer that fails breaks the pool: queued work fails, new work is refused.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use concurrent::futures::{
    run_for, Executor, Function, Future, MapOptions, MapResults, SubmitError, TaskError,
};

/// What a broken pool says, word for word CPython's.
const INITIALIZER_FAILED: &str = "A thread initializer failed, the thread pool is not usable anymore";

/// A queued piece of work: run it, or fail or cancel its future without running it.
trait WorkItem: Send {
    fn run(self: Box<Self>, shared: &Shared);
    fn cancel(self: Box<Self>);
    fn fail(self: Box<Self>, reason: &str);
}

struct Submitted<T, F> {
    future: Future<T>,
    task: F,
}

impl<T: Send, F: FnOnce() -> Result<T, TaskError> + Send> WorkItem for Submitted<T, F> {
    fn run(self: Box<Self>, shared: &Shared) {
        run_for(&self.future, self.task, || shared.lock().idle_permits += 1);
    }

    fn cancel(self: Box<Self>) {
        self.future.cancel();
    }

    fn fail(self: Box<Self>, reason: &str) {
        let _ = self.future.set_exception(TaskError::new(reason));
    }
}

struct Queue {
    items: VecDeque<Box<dyn WorkItem>>,
    shutdown: bool,
    /// Why the pool cannot be used any more (CPython's `_broken`).
    broken: Option<String>,
    /// Permits handed back by workers after each item; a submission takes one instead of
    /// starting a thread (CPython's `_idle_semaphore`).
    idle_permits: usize,
    /// Threads started so far, and those still running their loop.
    started: usize,
    live: usize,
    handles: Vec<JoinHandle<()>>,
}

type Initializer = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when work arrives or the pool shuts down.
    available: Condvar,
    /// Signalled when a worker leaves its loop.
    exited: Condvar,
    initializer: Option<Initializer>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// CPython's `_initializer_failed`: the pool is broken, queued work fails with the reason.
    fn initializer_failed(&self) {
        let drained: Vec<Box<dyn WorkItem>> = {
            let mut queue = self.lock();
            queue.broken = Some(INITIALIZER_FAILED.to_string());
            queue.items.drain(..).collect()
        };
        for item in drained {
            item.fail(INITIALIZER_FAILED);
        }
        self.available.notify_all();
    }
}

/// `max_workers` of 0 (Python's `ValueError: max_workers must be greater than 0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub &'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

/// Numbers pools for their default thread names (CPython's class-wide `_counter`).
static POOLS: AtomicUsize = AtomicUsize::new(0);

/// Python's keyword arguments: `ThreadPoolExecutor(max_workers, thread_name_prefix,
/// initializer)`.
pub struct Builder {
    max_workers: Option<usize>,
    thread_name_prefix: Option<String>,
    initializer: Option<Initializer>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("max_workers", &self.max_workers)
            .field("thread_name_prefix", &self.thread_name_prefix)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

impl Builder {
    /// At most this many threads (default: `min(32, cores + 4)`, as Python's).
    pub fn max_workers(mut self, max_workers: usize) -> Builder {
        self.max_workers = Some(max_workers);
        self
    }

    /// Threads are named `<prefix>_<n>` instead of `ThreadPoolExecutor-<pool>_<n>`.
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Builder {
        self.thread_name_prefix = Some(prefix.into());
        self
    }

    /// Runs on every worker thread before it takes work. If it returns `Err` (or panics),
    /// the pool breaks: one line `Exception in initializer: ...` on stderr (Python logs it),
    /// every queued and later task fails with `BrokenThreadPool`'s message.
    pub fn initializer<E: fmt::Display>(
        mut self,
        initializer: impl Fn() -> Result<(), E> + Send + Sync + 'static,
    ) -> Builder {
        self.initializer = Some(Arc::new(move || initializer().map_err(|e| e.to_string())));
        self
    }

    pub fn build(self) -> Result<ThreadPoolExecutor, ValueError> {
        let max_workers = match self.max_workers {
            Some(0) => return Err(ValueError("max_workers must be greater than 0")),
            Some(n) => n,
            None => (thread::available_parallelism().map_or(1, NonZeroUsize::get) + 4).min(32),
        };
        let prefix = self
            .thread_name_prefix
            .unwrap_or_else(|| format!("ThreadPoolExecutor-{}", POOLS.fetch_add(1, Ordering::Relaxed)));
        Ok(ThreadPoolExecutor {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    items: VecDeque::new(),
                    shutdown: false,
                    broken: None,
                    idle_permits: 0,
                    started: 0,
                    live: 0,
                    handles: Vec::new(),
                }),
                available: Condvar::new(),
                exited: Condvar::new(),
                initializer: self.initializer,
            }),
            max_workers,
            prefix,
        })
    }
}

/// A pool of at most `max_workers` threads running submitted closures, each with a
/// [`Future`] for its result. Dropping the executor shuts it down and waits for every
/// submitted task (Python's `with ThreadPoolExecutor() as executor:` block).
pub struct ThreadPoolExecutor {
    shared: Arc<Shared>,
    max_workers: usize,
    prefix: String,
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
        ThreadPoolExecutor::builder().build().expect("the default size is at least 5")
    }
}

impl ThreadPoolExecutor {
    /// An executor that runs at most `max_workers` tasks at once. No thread starts until work
    /// is submitted.
    ///
    /// # Panics
    /// If `max_workers` is 0 (Python raises `ValueError`); [`ThreadPoolExecutor::builder`]
    /// returns the error instead.
    pub fn new(max_workers: usize) -> ThreadPoolExecutor {
        ThreadPoolExecutor::builder().max_workers(max_workers).build().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every option Python's constructor takes.
    pub fn builder() -> Builder {
        Builder { max_workers: None, thread_name_prefix: None, initializer: None }
    }

    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// Threads started so far (never more than `max_workers`; still counted after shutdown,
    /// as CPython's `len(executor._threads)`).
    pub fn thread_count(&self) -> usize {
        self.shared.lock().started
    }

    /// Schedules `task` and returns its future at once. A panic in the task becomes the
    /// future's failure (printed nowhere); it never takes the worker thread down.
    pub fn submit<T, F>(&self, task: F) -> Result<Future<T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.submit_item(move || Ok(task()))
    }

    /// Like [`ThreadPoolExecutor::submit`] for a task that returns `Result`: an `Err`
    /// becomes the future's failure (what `raise` inside a Python task does).
    pub fn submit_fallible<T, E, F>(&self, task: F) -> Result<Future<T>, SubmitError>
    where
        T: Send + 'static,
        E: fmt::Display,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        self.submit_item(move || task().map_err(|e| TaskError::new(e.to_string())))
    }

    fn submit_item<T, F>(&self, task: F) -> Result<Future<T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, TaskError> + Send + 'static,
    {
        let future = Future::new();
        let item = Submitted { future: future.clone(), task };
        let mut queue = self.shared.lock();
        if let Some(reason) = &queue.broken {
            return Err(SubmitError::Broken(reason.clone()));
        }
        if queue.shutdown {
            return Err(SubmitError::Shutdown);
        }
        queue.items.push_back(Box::new(item));
        self.shared.available.notify_one();
        // CPython's `_adjust_thread_count`: an idle permit means a thread is free (or about to
        // be); otherwise start one, up to max_workers. The queue stays locked meanwhile, so a
        // concurrent `shutdown` cannot miss the new thread.
        if queue.idle_permits > 0 {
            queue.idle_permits -= 1;
        } else if queue.started < self.max_workers {
            let shared = Arc::clone(&self.shared);
            let name = format!("{}_{}", self.prefix, queue.started);
            let handle = thread::Builder::new()
                .name(name)
                .spawn(move || worker_loop(&shared))
                .expect("the OS refused to start a thread");
            queue.handles.push(handle);
            queue.started += 1;
            queue.live += 1;
        }
        drop(queue);
        Ok(future)
    }

    /// Submits `task(item)` for every item at once and returns the results in input order,
    /// whatever order they finish in (Python's `executor.map`): see [`MapResults`].
    pub fn map<I, T, F>(&self, task: F, items: I) -> Result<MapResults<T>, SubmitError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        Executor::map_with(self, task, items, MapOptions::default())
    }

    /// [`ThreadPoolExecutor::map`] with Python's `timeout`, counted from this call.
    pub fn map_timeout<I, T, F>(
        &self,
        task: F,
        items: I,
        timeout: Duration,
    ) -> Result<MapResults<T>, SubmitError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
    {
        Executor::map_with(self, task, items, MapOptions { timeout: Some(timeout), ..MapOptions::default() })
    }

    /// Stops accepting work. With `cancel_futures`, cancels everything still queued. With
    /// `wait`, blocks until every task that was not cancelled has finished and every thread
    /// has left its loop, from whichever thread and however often it is called.
    ///
    /// # Panics
    /// With `wait`, on one of this pool's own threads (a task or a done-callback calling it):
    /// a thread cannot wait for itself to finish. Python raises `RuntimeError: cannot join
    /// current thread` there. Everything but the waiting is done first.
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
            let mut queue = self.shared.lock();
            if queue.handles.iter().any(|h| h.thread().id() == thread::current().id()) {
                drop(queue);
                panic!("cannot join current thread");
            }
            while queue.live > 0 {
                queue = self.shared.exited.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
            let handles = std::mem::take(&mut queue.handles);
            drop(queue);
            for handle in handles {
                // Every thread has left its loop; this only reaps it. Tasks run under
                // catch_unwind, so a worker thread itself does not panic.
                let _ = handle.join();
            }
        }
    }
}

impl<F: Function<A>, A: Send + 'static> Executor<F, A> for ThreadPoolExecutor {
    fn submit(&self, f: F, arg: A) -> Result<Future<F::Output>, SubmitError> {
        self.submit_item(move || Ok(f.call(arg)))
    }

    fn map_with(
        &self,
        f: F,
        args: impl IntoIterator<Item = A>,
        options: MapOptions,
    ) -> Result<MapResults<F::Output>, SubmitError> {
        // The deadline starts before the first submit, as CPython's `end_time`.
        let started = std::time::Instant::now();
        let f = Arc::new(f);
        let mut futures = Vec::new();
        for arg in args {
            let f = Arc::clone(&f);
            // A refusal part-way leaves the calls already submitted running, as in CPython.
            futures.push(self.submit_item(move || Ok(f.call(arg)))?);
        }
        let timeout = options.timeout.map(|t| t.saturating_sub(started.elapsed()));
        Ok(MapResults::new(futures, timeout))
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ThreadPoolExecutor::shutdown(self, wait, cancel_futures);
    }
}

impl Drop for ThreadPoolExecutor {
    /// The end of Python's `with` block: `shutdown(wait=True)`; dropped on one of its own
    /// threads (the last handle let go inside a task), it shuts down without waiting, since
    /// that thread cannot wait for itself.
    fn drop(&mut self) {
        let own_thread = self.shared.lock().handles.iter().any(|h| h.thread().id() == thread::current().id());
        self.shutdown(!own_thread, false);
    }
}

/// A worker: run the initializer, then take the next item, run it, repeat; leave when shut
/// down (or broken) and the queue is empty.
fn worker_loop(shared: &Shared) {
    // However the loop ends, the worker is counted out (a `shutdown(wait)` waits for that).
    struct Leaving<'a>(&'a Shared);
    impl Drop for Leaving<'_> {
        fn drop(&mut self) {
            self.0.lock().live -= 1;
            self.0.exited.notify_all();
        }
    }
    let _leaving = Leaving(shared);
    if let Some(initializer) = &shared.initializer {
        let outcome = concurrent::catch_quietly(|| initializer()).and_then(|result| result);
        if let Err(message) = outcome {
            eprintln!("Exception in initializer: {message}");
            shared.initializer_failed();
            return;
        }
    }
    work(shared);
}

/// Takes the next item and runs it, until the pool is shut down (or broken) and the queue
/// is empty.
fn work(shared: &Shared) {
    loop {
        let item = {
            let mut queue = shared.lock();
            loop {
                if let Some(item) = queue.items.pop_front() {
                    break Some(item);
                }
                if queue.shutdown || queue.broken.is_some() {
                    break None;
                }
                queue = shared.available.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
        };
        match item {
            Some(item) => item.run(shared),
            None => return,
        }
    }
}
