//! The twin held to CPython's own tests: each test here is named after the CPython test it
//! mirrors and says which file of `Lib/test/test_concurrent_futures/` holds it (or, where
//! CPython has no test, which lines of `Lib/concurrent/futures/` it follows). Deterministic:
//! tasks wait on channels ("gates") the test opens; no sleeps, no timing assertions.
//! Where the twin deliberately differs, the README's differences table says so and why.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::Duration;

use common::gated;

mod common;

use threads::futures::{
    as_completed, as_completed_timeout, wait, Future, FutureError, ReturnWhen, SubmitError, TaskError,
    ThreadPoolExecutor,
};

/// `<Future at 0x55d0c2a4b2c0 state=...>` with the address replaced by `0x@`.
fn without_address(text: &str) -> String {
    let at = text.find("0x").expect("an address");
    let end = text[at + 2..].find(|c: char| !c.is_ascii_hexdigit()).map_or(text.len(), |e| at + 2 + e);
    format!("{}0x@{}", &text[..at], &text[end..])
}

// --- test_thread_pool.py (ThreadPoolExecutorTest) --------------------------------------------

/// Calling `map` and never iterating still runs every call: they were all submitted before
/// `map` returned, and a generator that never started cancels nothing when it is dropped.
#[test]
fn test_map_submits_without_iteration() {
    let executor = ThreadPoolExecutor::new(2);
    let finished = Arc::new(Mutex::new(Vec::new()));
    let record = {
        let finished = Arc::clone(&finished);
        move |i: u32| finished.lock().unwrap().push(i)
    };
    let _ = executor.map(record, 0..10).unwrap();
    executor.shutdown(true, false);
    let mut finished = finished.lock().unwrap().clone();
    finished.sort();
    assert_eq!(finished, (0..10).collect::<Vec<_>>());
}

/// Three `submit(..).result()` in a row use one thread: the worker hands its idle permit
/// back before the result is visible, so the next submit always finds it.
#[test]
fn test_idle_thread_reuse() {
    let executor = ThreadPoolExecutor::new(4);
    for _ in 0..3 {
        assert_eq!(executor.submit(|| 6 * 7).unwrap().result(), Ok(42));
    }
    assert_eq!(executor.thread_count(), 1);
    executor.shutdown(true, false);
    assert_eq!(executor.thread_count(), 1, "threads started stay counted after shutdown");
}

/// One worker, busy: `map(.., timeout=0)` times out on its first result, and the calls it
/// submitted (the one that timed out and the one after) never run.
#[test]
fn test_executor_map_current_future_cancel() {
    let executor = ThreadPoolExecutor::new(1);
    let log = Arc::new(Mutex::new(Vec::new()));
    let (first, open, started) = gated(());
    let first = executor
        .submit({
            let log = Arc::clone(&log);
            move || {
                log.lock().unwrap().push("first started");
                first();
                log.lock().unwrap().push("first stopped");
            }
        })
        .unwrap();
    started.recv().unwrap();
    let mut results = executor
        .map_timeout(
            {
                let log = Arc::clone(&log);
                move |name: &'static str| log.lock().unwrap().push(name)
            },
            ["second", "third"],
            Duration::ZERO,
        )
        .unwrap();
    assert_eq!(results.next(), Some(Err(FutureError::Timeout)));
    assert_eq!(results.next(), None, "a timeout ends the iteration");
    open.send(()).unwrap();
    first.result().unwrap();
    executor.shutdown(true, false);
    assert_eq!(*log.lock().unwrap(), ["first started", "first stopped"]);
}

// --- executor.py (ExecutorTest, run for every executor) --------------------------------------

/// A failure is raised at its position and ends the iteration.
#[test]
fn test_map_exception() {
    let executor = ThreadPoolExecutor::new(2);
    let divmod = |(a, b): (u32, u32)| -> (u32, u32) {
        let b = std::hint::black_box(b);
        (a / b, a % b)
    };
    let mut results = executor.map(divmod, [(1, 2), (1, 3), (1, 0), (1, 5)]).unwrap();
    assert_eq!(results.next(), Some(Ok((0, 1))));
    assert_eq!(results.next(), Some(Ok((0, 1))));
    assert_eq!(
        results.next(),
        Some(Err(FutureError::Failed(TaskError::new("panicked: attempt to divide by zero"))))
    );
    assert_eq!(results.next(), None);
}

/// `map(.., timeout)`: results that arrive in time are yielded, then `TimeoutError` ends it.
#[test]
fn test_map_timeout() {
    let executor = ThreadPoolExecutor::new(3);
    let (open, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let results: Vec<_> = executor
        .map_timeout(
            move |blocks: bool| {
                if blocks {
                    gate.lock().unwrap().recv().unwrap();
                }
            },
            [false, false, true],
            // Generous: only the call held at its gate waits this long.
            Duration::from_secs(2),
        )
        .unwrap()
        .collect();
    assert_eq!(results, [Ok(()), Ok(()), Err(FutureError::Timeout)]);
    let _ = open.send(()); // the held call may have been cancelled before it started
}

/// `max_workers` of 0 is refused with Python's message.
#[test]
fn test_max_workers_negative() {
    let refused = ThreadPoolExecutor::builder().max_workers(0).build().unwrap_err();
    assert_eq!(refused.to_string(), "max_workers must be greater than 0");
    let panicked = std::panic::catch_unwind(|| ThreadPoolExecutor::new(0)).unwrap_err();
    assert_eq!(workload::panic_message(&*panicked), "panicked: max_workers must be greater than 0");
}

/// No CPython test; `thread.py` joins its threads in `shutdown(wait=True)`, which raises
/// `RuntimeError: cannot join current thread` on one of them. Here: the task's future fails
/// with that message, the other work still finishes, and dropping the last handle on a
/// worker thread does not wait for itself.
#[test]
fn shutdown_with_wait_on_a_worker_thread_fails_instead_of_waiting_for_itself() {
    let executor = Arc::new(ThreadPoolExecutor::new(1));
    let inside = executor
        .submit({
            let executor = Arc::clone(&executor);
            move || executor.shutdown(true, false)
        })
        .unwrap();
    assert_eq!(
        inside.result(),
        Err(FutureError::Failed(TaskError::new("panicked: cannot join current thread")))
    );
    assert_eq!(executor.submit(|| ()).unwrap_err(), SubmitError::Shutdown);

    let executor = Arc::new(ThreadPoolExecutor::new(1));
    let (task, open, started) = gated(());
    let last_handle = executor
        .submit({
            let executor = Arc::clone(&executor);
            move || {
                task();
                drop(executor); // the last handle: dropped on the pool's own thread
                "dropped"
            }
        })
        .unwrap();
    started.recv().unwrap();
    drop(executor);
    open.send(()).unwrap();
    assert_eq!(last_handle.result(), Ok("dropped"));
}

/// `Duration::MAX` means "no limit" wherever a timeout is taken (it would overflow an
/// `Instant`).
#[test]
fn the_longest_timeout_means_no_limit() {
    let done = Future::new();
    done.set_result(5u8).unwrap();
    assert_eq!(done.result_timeout(Duration::MAX), Ok(5));
    assert_eq!(done.exception_timeout(Some(Duration::MAX)), Ok(None));
    assert_eq!(as_completed_timeout(std::slice::from_ref(&done), Duration::MAX).count(), 1);
    assert_eq!(
        wait(std::slice::from_ref(&done), ReturnWhen::AllCompleted, Some(Duration::MAX)).done.len(),
        1
    );
    let executor = ThreadPoolExecutor::new(1);
    let results: Vec<_> = executor.map_timeout(|x: u8| x, [1, 2], Duration::MAX).unwrap().collect();
    assert_eq!(results, [Ok(1), Ok(2)]);
}

/// `submit` after `shutdown` is refused with Python's message.
#[test]
fn test_run_after_shutdown() {
    let executor = ThreadPoolExecutor::new(1);
    executor.shutdown(true, false);
    let refused = executor.submit(|| ()).unwrap_err();
    assert_eq!(refused, SubmitError::Shutdown);
    assert_eq!(refused.to_string(), "cannot schedule new futures after shutdown");
}

// --- test_shutdown.py (ThreadPoolShutdownTest, ExecutorShutdownTest) -------------------------

/// Five busy workers named `<prefix>_<n>`, n from 0 to 4.
#[test]
fn test_thread_names_assigned() {
    let executor =
        ThreadPoolExecutor::builder().max_workers(5).thread_name_prefix("SpecialPool").build().unwrap();
    let names = five_names(&executor);
    assert_eq!(names, (0..5).map(|n| format!("SpecialPool_{n}")).collect::<Vec<_>>());
}

/// Without a prefix: `ThreadPoolExecutor-<pool>_<n>`, with a number per pool.
#[test]
fn test_thread_names_default() {
    let one = ThreadPoolExecutor::new(5);
    let two = ThreadPoolExecutor::new(5);
    let (names_one, names_two) = (five_names(&one), five_names(&two));
    let pool_of = |name: &str| {
        let rest = name.strip_prefix("ThreadPoolExecutor-").unwrap_or_else(|| panic!("{name}"));
        let (pool, n) = rest.split_once('_').unwrap();
        (pool.parse::<usize>().unwrap(), n.parse::<usize>().unwrap())
    };
    let (pool_one, pool_two) = (pool_of(&names_one[0]).0, pool_of(&names_two[0]).0);
    assert_ne!(pool_one, pool_two, "each pool has its own number");
    for (names, pool) in [(names_one, pool_one), (names_two, pool_two)] {
        let parsed: Vec<_> = names.iter().map(|n| pool_of(n)).collect();
        assert_eq!(parsed, (0..5).map(|n| (pool, n)).collect::<Vec<_>>());
    }
}

/// Occupies all five threads at once (each waits until all five have started) and returns
/// their names, sorted.
fn five_names(executor: &ThreadPoolExecutor) -> Vec<String> {
    let barrier = Arc::new(std::sync::Barrier::new(5));
    let futures: Vec<_> = (0..5)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            executor
                .submit(move || {
                    barrier.wait();
                    thread::current().name().unwrap().to_string()
                })
                .unwrap()
        })
        .collect();
    let mut names: Vec<String> = futures.iter().map(|f| f.result().unwrap()).collect();
    names.sort();
    names
}

/// `shutdown(cancel_futures=True)` cancels what is queued; what runs finishes normally.
#[test]
fn test_cancel_futures() {
    let executor = ThreadPoolExecutor::new(2);
    let mut gates = Vec::new();
    let mut running = Vec::new();
    for i in 0..2u32 {
        let (task, open, started) = gated(i);
        running.push(executor.submit(task).unwrap());
        started.recv().unwrap();
        gates.push(open);
    }
    let queued: Vec<_> = (0..10u32).map(|i| executor.submit(move || i).unwrap()).collect();
    executor.shutdown(false, true);
    assert!(queued.iter().all(Future::cancelled));
    gates.iter().for_each(|g| g.send(()).unwrap());
    executor.shutdown(true, false);
    for f in &running {
        assert!(f.done() && !f.cancelled());
        assert_eq!(f.exception(), Ok(None));
    }
}

/// No CPython test; `thread.py`'s shutdown joins every thread whoever calls it. A second
/// `shutdown(wait=True)` from another thread also returns only when the work is done.
#[test]
fn shutdown_waits_in_every_thread_that_calls_it() {
    let executor = Arc::new(ThreadPoolExecutor::new(1));
    let finished = Arc::new(AtomicUsize::new(0));
    let (task, open, started) = gated(());
    executor
        .submit({
            let finished = Arc::clone(&finished);
            move || {
                task();
                finished.fetch_add(1, Ordering::SeqCst);
            }
        })
        .unwrap();
    started.recv().unwrap();
    let (entered_tx, entered) = mpsc::channel();
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let (executor, finished, entered_tx) =
                (Arc::clone(&executor), Arc::clone(&finished), entered_tx.clone());
            thread::spawn(move || {
                entered_tx.send(()).unwrap();
                executor.shutdown(true, false);
                finished.load(Ordering::SeqCst)
            })
        })
        .collect();
    entered.recv().unwrap();
    entered.recv().unwrap();
    open.send(()).unwrap();
    for caller in callers {
        assert_eq!(caller.join().unwrap(), 1, "shutdown(wait) returned before the task finished");
    }
    assert_eq!(executor.thread_count(), 1);
}

// --- test_init.py (ThreadPoolFailingInitializerTest, ThreadPoolInitializerTest) ---------------

/// A failing initializer breaks the pool: the work queued fails with BrokenThreadPool's
/// message, and later submits are refused with it.
#[test]
fn test_initializer_failing() {
    const BROKEN: &str = "A thread initializer failed, the thread pool is not usable anymore";
    let executor = ThreadPoolExecutor::builder()
        .max_workers(2)
        .initializer(|| Err::<(), _>("error in initializer"))
        .build()
        .unwrap();
    let queued = executor.submit(|| 1).unwrap();
    assert_eq!(queued.result(), Err(FutureError::Failed(TaskError::new(BROKEN))));
    assert_eq!(executor.submit(|| 2).unwrap_err(), SubmitError::Broken(BROKEN.into()));
}

/// A working initializer runs on each worker thread before its first task.
#[test]
fn test_initializer() {
    thread_local!(static INITIALIZED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    let executor = ThreadPoolExecutor::builder()
        .max_workers(2)
        .initializer(|| {
            INITIALIZED.set(true);
            Ok::<(), String>(())
        })
        .build()
        .unwrap();
    let seen: Vec<bool> =
        (0..4).map(|_| executor.submit(|| INITIALIZED.get()).unwrap()).map(|f| f.result().unwrap()).collect();
    assert_eq!(seen, [true; 4]);
}

// --- test_as_completed.py (AsCompletedTests) --------------------------------------------------

/// `as_completed` lets go of every future it has yielded: once the caller drops it, the
/// future and its result are freed.
#[test]
fn test_free_reference_yielded_future() {
    let values: Vec<Arc<u32>> = (0..4).map(Arc::new).collect();
    let weak: Vec<Weak<u32>> = values.iter().map(Arc::downgrade).collect();
    let futures: Vec<Future<Arc<u32>>> = (0..4).map(|_| Future::new()).collect();
    let mut order = as_completed(&futures);
    // Two done before the first step, two after.
    let mut values = values.into_iter();
    for future in &futures[..2] {
        future.set_result(values.next().unwrap()).unwrap();
    }
    let setters: Vec<Future<Arc<u32>>> = futures[2..].to_vec();
    drop(futures);
    for (i, next) in (0..4).zip(values.map(Some).chain([None, None])) {
        let future = order.next().unwrap();
        let value = future.result().unwrap();
        drop(future);
        if let Some(next) = next {
            setters[i].set_result(next).unwrap();
        }
        let index = *value as usize;
        drop(value);
        if index < 2 {
            assert!(weak[index].upgrade().is_none(), "as_completed still holds future {index}");
        }
    }
    drop(setters);
    assert!(weak.iter().all(|w| w.upgrade().is_none()));
    assert!(order.next().is_none());
}

/// The timeout names how many futures were left: `2 (of 4) futures unfinished`.
#[test]
fn test_correct_timeout_exception_msg() {
    let cancelled: Future<u8> = Future::new();
    cancelled.cancel();
    let pending = Future::new();
    let running = Future::new();
    assert_eq!(running.set_running_or_notify_cancel(), Ok(true));
    let successful = Future::new();
    successful.set_result(1).unwrap();
    let all = [cancelled, pending, running, successful];
    let got: Vec<_> = as_completed_timeout(&all, Duration::ZERO).collect();
    assert_eq!(got.len(), 3);
    let err = got[2].as_ref().unwrap_err();
    assert_eq!(err.to_string(), "2 (of 4) futures unfinished");
}

/// A future passed three times is yielded once.
#[test]
fn test_duplicate_futures() {
    let future = Future::new();
    future.set_result(7u8).unwrap();
    let yielded: Vec<_> = as_completed(&[future.clone(), future.clone(), future]).collect();
    assert_eq!(yielded.len(), 1);
}

// --- test_wait.py, and `_base.py`'s waiter removal ---------------------------------------------

/// The documented loop `while not_done: done, not_done = wait(not_done, FIRST_COMPLETED)`
/// leaves no waiter behind on the futures still pending (`_base.py`: `wait` removes its
/// waiter from every future before it returns; so does `as_completed`).
#[test]
fn wait_in_a_loop_leaves_no_waiters_behind() {
    let futures: Vec<Future<u32>> = (0..200).map(|_| Future::new()).collect();
    let mut not_done = futures.clone();
    let mut next = 0;
    while !not_done.is_empty() {
        futures[next].set_result(next as u32).unwrap();
        next += 1;
        let split = wait(&not_done, ReturnWhen::FirstCompleted, None);
        assert_eq!(split.done.len(), 1);
        not_done = split.not_done;
        assert!(not_done.iter().all(|f| f.waiter_count() == 0), "wait left waiters behind");
    }
    let pending: Vec<Future<u32>> = (0..3).map(|_| Future::new()).collect();
    let mut order = as_completed(&pending);
    pending[1].set_result(1).unwrap();
    assert!(order.next().unwrap().same_as(&pending[1]));
    assert_eq!(pending[0].waiter_count(), 1);
    drop(order);
    assert!(pending.iter().all(|f| f.waiter_count() == 0), "as_completed left waiters behind");
}

/// FIRST_EXCEPTION returns at once when a future given has already failed.
#[test]
fn test_first_exception_one_already_failed() {
    let failed: Future<u8> = Future::new();
    failed.set_exception(TaskError::new("boom")).unwrap();
    let pending = Future::new();
    let split = wait(&[failed.clone(), pending.clone()], ReturnWhen::FirstException, None);
    assert!(split.done.len() == 1 && split.done[0].same_as(&failed));
    assert!(split.not_done.len() == 1 && split.not_done[0].same_as(&pending));
}

// --- test_future.py (FutureTests), and `_base.py` where CPython has no test -------------------

/// A second `set_result` is refused with the state and the future's repr; the result stays.
#[test]
fn test_multiple_set_result() {
    let future = Future::new();
    future.set_result(1i32).unwrap();
    let refused = future.set_result(2).unwrap_err();
    assert_eq!(without_address(refused.message()), "FINISHED: <Future at 0x@ state=finished returned i32>");
    assert_eq!(future.result(), Ok(1));
}

#[test]
fn test_multiple_set_exception() {
    let future: Future<i32> = Future::new();
    future.set_exception(TaskError::new("first")).unwrap();
    let refused = future.set_exception(TaskError::new("second")).unwrap_err();
    assert_eq!(
        without_address(refused.message()),
        "FINISHED: <Future at 0x@ state=finished raised TaskError>"
    );
    let cancelled: Future<i32> = Future::new();
    cancelled.cancel();
    let refused = cancelled.set_result(3).unwrap_err();
    assert_eq!(without_address(refused.message()), "CANCELLED: <Future at 0x@ state=cancelled>");
}

/// The repr names the result's type without module paths, tuples included.
#[test]
fn test_repr() {
    let future = Future::new();
    assert_eq!(without_address(&format!("{future:?}")), "<Future at 0x@ state=pending>");
    future.set_result(("a".to_string(), 1i32)).unwrap();
    assert_eq!(
        without_address(&format!("{future:?}")),
        "<Future at 0x@ state=finished returned (String, i32)>"
    );
}

/// No CPython test; `_base.py` raises `RuntimeError('Future in unexpected state')` when
/// `set_running_or_notify_cancel` finds a running or finished future.
#[test]
fn set_running_or_notify_cancel_in_an_unexpected_state_is_an_error() {
    let future: Future<u8> = Future::new();
    assert_eq!(future.set_running_or_notify_cancel(), Ok(true));
    assert_eq!(
        future.set_running_or_notify_cancel().unwrap_err().message(),
        "Future in unexpected state: RUNNING"
    );
    future.set_result(1).unwrap();
    assert_eq!(
        future.set_running_or_notify_cancel().unwrap_err().message(),
        "Future in unexpected state: FINISHED"
    );
    let cancelled: Future<u8> = Future::new();
    cancelled.cancel();
    assert_eq!(cancelled.set_running_or_notify_cancel(), Ok(false));
}
