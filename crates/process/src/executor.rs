//! `ProcessPoolExecutor`: the `concurrent.futures` executor on worker processes, over the
//! same [`ProcessPool`] the article's `multiprocessing.Pool` twin uses. It returns the same
//! [`Future`] type as `threads::futures::ThreadPoolExecutor` and implements the same
//! [`Executor`] trait, so `as_completed`, `wait` and code written against `Executor` work on
//! both.
//!
//! Built as CPython's `process.py` is: calls wait in the executor's own queue, where they
//! can still be cancelled; a manager thread moves them to the workers, at most one more
//! than there are workers at a time (CPython's `EXTRA_QUEUED_CALLS`), marking each future
//! running as it goes, and completes each future as its reply arrives. A worker that dies
//! breaks the executor (CPython's `BrokenProcessPool`): every call not yet answered fails
//! with the reason, later submits are refused.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use concurrent::futures::{Executor, Future, MapOptions, MapResults, SubmitError, TaskError};

use crate::child::{ProcessError, WorkerCommand};
use crate::functions::RemoteFunction;
use crate::pool::{ProcessPool, Tagged};
use crate::protocol::{Reply, Task};

/// The tag that only wakes the manager (a new call is queued, or shutdown began).
const WAKE: usize = usize::MAX;

/// One call (or a chunk of calls) on its way to a worker: its future(s) and how to turn the
/// worker's reply into their results.
trait Call: Send {
    /// Marks the future(s) running; false if every one was cancelled meanwhile.
    fn start(&self) -> bool;
    fn finish(self: Box<Self>, reply: Reply);
    fn fail(self: Box<Self>, reason: &str);
    fn cancel(&self);
}

type Decode<T> = fn(Reply) -> Result<T, String>;

fn complete<T>(future: &Future<T>, reply: Reply, decode: Decode<T>) {
    // A future cancelled by hand while its call ran refuses its result: nothing to do.
    let _ = match reply {
        Reply::Failed(message) => future.set_exception(TaskError::new(message)),
        // A decoder that panics fails its future, not the manager thread.
        reply => match concurrent::catch_quietly(|| decode(reply)).and_then(|decoded| decoded) {
            Ok(value) => future.set_result(value),
            Err(message) => future.set_exception(TaskError::new(message)),
        },
    };
}

struct One<T> {
    future: Future<T>,
    decode: Decode<T>,
}

impl<T: Send + 'static> Call for One<T> {
    fn start(&self) -> bool {
        self.future.set_running_or_notify_cancel() == Ok(true)
    }
    fn finish(self: Box<Self>, reply: Reply) {
        complete(&self.future, reply, self.decode);
    }
    fn fail(self: Box<Self>, reason: &str) {
        let _ = self.future.set_exception(TaskError::new(reason));
    }
    fn cancel(&self) {
        self.future.cancel();
    }
}

/// `map(chunksize=n)`: n calls in one `Task::Batch`, one future per call.
struct Chunk<T> {
    futures: Vec<Future<T>>,
    decode: Decode<T>,
}

impl<T: Send + 'static> Call for Chunk<T> {
    fn start(&self) -> bool {
        // Every future is asked (each one not cancelled becomes running).
        self.futures.iter().fold(false, |any, f| (f.set_running_or_notify_cancel() == Ok(true)) | any)
    }
    fn finish(self: Box<Self>, reply: Reply) {
        match reply {
            Reply::Batch(replies) if replies.len() == self.futures.len() => {
                for (future, reply) in self.futures.iter().zip(replies) {
                    complete(future, reply, self.decode);
                }
            }
            other => {
                let reason =
                    format!("a worker answered a chunk of {} calls with {other:?}", self.futures.len());
                self.fail(&reason);
            }
        }
    }
    fn fail(self: Box<Self>, reason: &str) {
        for future in &self.futures {
            let _ = future.set_exception(TaskError::new(reason));
        }
    }
    fn cancel(&self) {
        self.futures.iter().for_each(|f| {
            f.cancel();
        });
    }
}

struct State {
    /// Calls not yet given to a worker (CPython's `_pending_work_items` not yet queued).
    pending: VecDeque<(Box<dyn Call>, Task)>,
    shutdown: bool,
    broken: Option<String>,
    /// The manager has stopped and the workers are gone.
    finished: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pool of worker processes behind the `concurrent.futures` interface. Dropping it is the
/// end of Python's `with ProcessPoolExecutor() as executor:` block: `shutdown(wait=True)`.
pub struct ProcessPoolExecutor {
    shared: Arc<Shared>,
    wake: Sender<Tagged>,
    manager: Mutex<Option<JoinHandle<()>>>,
    pids: Vec<u32>,
}

impl fmt::Debug for ProcessPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPoolExecutor").field("pids", &self.pids).finish()
    }
}

impl ProcessPoolExecutor {
    /// `max_workers` worker processes: this program started again in worker mode (call
    /// [`crate::worker::serve_if_worker`] first thing in `main`, as Python's
    /// `if __name__ == '__main__':` guard). What the workers print on stderr shows on ours.
    ///
    /// # Panics
    /// If `max_workers` is 0 (Python raises `ValueError`).
    pub fn new(max_workers: usize) -> Result<ProcessPoolExecutor, ProcessError> {
        let command = WorkerCommand::current_exe().map_err(|e| ProcessError::Spawn {
            worker: 0,
            message: format!("cannot find this program: {e}"),
        })?;
        ProcessPoolExecutor::with_command(max_workers, &command.echoing_stderr())
    }

    /// [`ProcessPoolExecutor::new`] with workers started by `command`.
    pub fn with_command(
        max_workers: usize,
        command: &WorkerCommand,
    ) -> Result<ProcessPoolExecutor, ProcessError> {
        assert!(max_workers > 0, "max_workers must be greater than 0");
        let pool = ProcessPool::new(max_workers, command)?;
        let pids = pool.pids().to_vec();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                pending: VecDeque::new(),
                shutdown: false,
                broken: None,
                finished: false,
            }),
            changed: Condvar::new(),
        });
        let (wake, replies) = mpsc::channel();
        let manager = thread::Builder::new()
            .name("ProcessPoolExecutor-manager".into())
            .spawn({
                let (shared, wake) = (Arc::clone(&shared), wake.clone());
                move || manage(pool, &shared, &replies, &wake, max_workers + 1)
            })
            .map_err(|e| ProcessError::Spawn {
                worker: 0,
                message: format!("cannot start the manager thread: {e}"),
            })?;
        Ok(ProcessPoolExecutor { shared, wake, manager: Mutex::new(Some(manager)), pids })
    }

    /// The workers' process ids.
    pub fn pids(&self) -> &[u32] {
        &self.pids
    }

    pub fn max_workers(&self) -> usize {
        self.pids.len()
    }

    fn enqueue(&self, call: Box<dyn Call>, task: Task) -> Result<(), SubmitError> {
        let mut state = self.shared.lock();
        if let Some(reason) = &state.broken {
            return Err(SubmitError::Broken(reason.clone()));
        }
        if state.shutdown {
            return Err(SubmitError::Shutdown);
        }
        state.pending.push_back((call, task));
        drop(state);
        let _ = self.wake.send((WAKE, Err(ProcessError::Closed)));
        Ok(())
    }

    /// Sends `task` as it is; the future gets the worker's raw reply (`Reply::Failed` becomes
    /// the future's failure).
    pub fn submit_task(&self, task: Task) -> Result<Future<Reply>, SubmitError> {
        let future = Future::new();
        self.enqueue(Box::new(One { future: future.clone(), decode: Ok }), task)?;
        Ok(future)
    }

    /// Schedules `f(arg)` in a worker (Python's `submit(fn, *args)`).
    pub fn submit<F: RemoteFunction<A>, A: Send + 'static>(
        &self,
        f: F,
        arg: A,
    ) -> Result<Future<F::Output>, SubmitError> {
        let future = Future::new();
        self.enqueue(Box::new(One { future: future.clone(), decode: F::output }), f.task(arg))?;
        Ok(future)
    }

    /// Python's `map(fn, *iterables)`: see [`MapResults`].
    pub fn map<F: RemoteFunction<A>, A: Send + 'static>(
        &self,
        f: F,
        args: impl IntoIterator<Item = A>,
    ) -> Result<MapResults<F::Output>, SubmitError> {
        self.map_with(f, args, MapOptions::default())
    }

    /// Python's `map(fn, *iterables, timeout, chunksize)`: with `chunksize` n, n calls
    /// travel to a worker in one message and come back in one reply.
    pub fn map_with<F: RemoteFunction<A>, A: Send + 'static>(
        &self,
        f: F,
        args: impl IntoIterator<Item = A>,
        options: MapOptions,
    ) -> Result<MapResults<F::Output>, SubmitError> {
        let started = Instant::now();
        let mut args = args.into_iter();
        let mut futures = Vec::new();
        loop {
            let tasks: Vec<Task> = args.by_ref().take(options.chunksize.get()).map(|a| f.task(a)).collect();
            let chunk: Vec<Future<F::Output>> = tasks.iter().map(|_| Future::new()).collect();
            match tasks.len() {
                0 => break,
                1 if options.chunksize.get() == 1 => {
                    let task = tasks.into_iter().next().expect("one task");
                    self.enqueue(Box::new(One { future: chunk[0].clone(), decode: F::output }), task)?;
                }
                _ => self.enqueue(
                    Box::new(Chunk { futures: chunk.clone(), decode: F::output }),
                    Task::Batch(tasks),
                )?,
            }
            futures.extend(chunk);
        }
        let timeout = options.timeout.map(|t| t.saturating_sub(started.elapsed()));
        Ok(MapResults::new(futures, timeout))
    }

    /// Stops taking work; with `cancel_futures`, cancels the calls no worker has yet; with
    /// `wait`, returns once every other call has finished and the workers have exited.
    ///
    /// # Panics
    /// With `wait`, on the executor's manager thread (a done-callback calling it): that
    /// thread cannot wait for itself. Python raises `RuntimeError: cannot join current
    /// thread` there. Everything but the waiting is done first.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let cancelled: Vec<(Box<dyn Call>, Task)> = {
            let mut state = self.shared.lock();
            state.shutdown = true;
            if cancel_futures {
                state.pending.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        for (call, _) in cancelled {
            call.cancel();
        }
        let _ = self.wake.send((WAKE, Err(ProcessError::Closed)));
        if wait {
            if self.on_manager_thread() {
                panic!("cannot join current thread");
            }
            let mut state = self.shared.lock();
            while !state.finished {
                state = self.shared.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            drop(state);
            if let Some(manager) = self.manager.lock().unwrap_or_else(PoisonError::into_inner).take() {
                let _ = manager.join();
            }
        }
    }
}

impl ProcessPoolExecutor {
    /// Whether this is the manager thread (where done-callbacks run).
    fn on_manager_thread(&self) -> bool {
        let manager = self.manager.lock().unwrap_or_else(PoisonError::into_inner);
        manager.as_ref().is_some_and(|h| h.thread().id() == thread::current().id())
    }
}

impl<F: RemoteFunction<A>, A: Send + 'static> Executor<F, A> for ProcessPoolExecutor {
    fn submit(&self, f: F, arg: A) -> Result<Future<F::Output>, SubmitError> {
        ProcessPoolExecutor::submit(self, f, arg)
    }

    fn map_with(
        &self,
        f: F,
        args: impl IntoIterator<Item = A>,
        options: MapOptions,
    ) -> Result<MapResults<F::Output>, SubmitError> {
        ProcessPoolExecutor::map_with(self, f, args, options)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ProcessPoolExecutor::shutdown(self, wait, cancel_futures);
    }
}

impl Drop for ProcessPoolExecutor {
    /// `shutdown(wait=True)`; on the manager thread itself (the last handle dropped in a
    /// done-callback), without waiting: the manager finishes the work and then stops.
    fn drop(&mut self) {
        let on_manager = self.on_manager_thread();
        self.shutdown(!on_manager, false);
    }
}

/// The manager thread: moves calls to the workers, completes futures from their replies,
/// and breaks the executor when a worker is lost.
fn manage(
    pool: ProcessPool,
    shared: &Shared,
    replies: &Receiver<Tagged>,
    reply_to: &Sender<Tagged>,
    window: usize,
) {
    // However the manager ends, `shutdown(wait)` must learn that it has.
    struct Finished<'a>(&'a Shared);
    impl Drop for Finished<'_> {
        fn drop(&mut self) {
            self.0.lock().finished = true;
            self.0.changed.notify_all();
        }
    }
    let _finished = Finished(shared);
    let mut in_flight: HashMap<usize, Box<dyn Call>> = HashMap::new();
    let mut next_tag = 0;
    let mut broken = false;
    loop {
        {
            let mut state = shared.lock();
            while in_flight.len() < window {
                let Some((call, task)) = state.pending.pop_front() else { break };
                if !call.start() {
                    continue; // cancelled while it waited: never sent
                }
                pool.submit_encoded(task.encode(), next_tag, reply_to.clone());
                in_flight.insert(next_tag, call);
                next_tag += 1;
            }
            if state.shutdown && state.pending.is_empty() && in_flight.is_empty() {
                break;
            }
        }
        // The manager holds a sender itself, so the channel never closes under it.
        let Ok((tag, outcome)) = replies.recv() else { break };
        let Some(call) = in_flight.remove(&tag) else { continue }; // a WAKE
        match outcome {
            Ok(reply) => call.finish(reply),
            // The worker is fine; the call failed (a file it could not open, say).
            Err(ProcessError::TaskFailed { message, .. }) => call.finish(Reply::Failed(message)),
            Err(err) => {
                // A worker died, hung or spoke garbage: CPython's BrokenProcessPool, with
                // the reason the pool gives (which worker, its pid, its exit status).
                let each = format!(
                    "A process in the process pool was terminated abruptly while the future was running or pending: {err}"
                );
                call.fail(&each);
                let pending: Vec<_> = {
                    let mut state = shared.lock();
                    state.broken = Some(format!(
                        "A child process terminated abruptly, the process pool is not usable anymore: {err}"
                    ));
                    state.pending.drain(..).collect()
                };
                for (_, call) in in_flight.drain() {
                    call.fail(&each);
                }
                for (call, _) in pending {
                    call.fail(&each);
                }
                broken = true;
                break;
            }
        }
    }
    if broken {
        drop(pool); // terminates the workers still alive, reaps them all
    } else {
        pool.close_and_join();
    }
}
