//! Every semantic of the concurrent.futures twin, without sleeping to synchronise: tasks
//! block on channels ("gates") that the test opens in the order it wants.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

mod common;

use common::gated;
use threads::futures::{
    as_completed, as_completed_timeout, wait, Future, FutureError, ReturnWhen, TaskError, ThreadPoolExecutor,
};

#[test]
fn set_result_runs_callbacks_in_order_on_the_setting_thread() {
    let future: Future<String> = Future::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    for name in ["first", "second"] {
        let log = Arc::clone(&log);
        future.add_done_callback(move |f| {
            log.lock().unwrap().push(format!(
                "{name}: {} on {:?}",
                f.result().unwrap(),
                thread::current().id()
            ));
        });
    }
    assert!(log.lock().unwrap().is_empty(), "no callback before the result is set");
    let setter = thread::spawn({
        let future = future.clone();
        move || {
            future.set_result("some value".to_string()).unwrap();
            thread::current().id()
        }
    });
    let setter_id = setter.join().unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [format!("first: some value on {setter_id:?}"), format!("second: some value on {setter_id:?}")]
    );
}

#[test]
fn a_callback_added_after_done_runs_at_once_on_the_caller() {
    let future = Future::new();
    future.set_result(7u64).unwrap();
    let (tx, rx) = mpsc::channel();
    future.add_done_callback(move |f| tx.send((f.result(), thread::current().id())).unwrap());
    assert_eq!(rx.try_recv().unwrap(), (Ok(7), thread::current().id()));
}

#[test]
fn result_waits_times_out_and_can_be_read_again() {
    let future: Future<u64> = Future::new();
    assert_eq!(future.result_timeout(Duration::from_millis(5)), Err(FutureError::Timeout));
    assert!(!future.done());
    let setter = thread::spawn({
        let future = future.clone();
        move || future.set_result(42).unwrap()
    });
    assert_eq!(future.result(), Ok(42)); // blocks until the other thread sets it
    assert_eq!(future.result(), Ok(42));
    assert_eq!(future.result_timeout(Duration::ZERO), Ok(42));
    setter.join().unwrap();
    for refused in [future.set_result(1), future.set_exception(TaskError::new("late"))] {
        let message = refused.unwrap_err().to_string();
        assert!(message.starts_with("FINISHED: <Future at 0x"), "{message}");
        assert!(message.ends_with(" state=finished returned u64>"), "{message}");
    }
    assert_eq!(future.result(), Ok(42), "a refused set_result changes nothing");
}

#[test]
fn running_and_done_follow_the_task() {
    let executor = ThreadPoolExecutor::new(1);
    let (task, open, started) = gated("done");
    let future = executor.submit(task).unwrap();
    started.recv().unwrap();
    assert!(future.running());
    assert!(!future.done());
    assert!(format!("{future:?}").ends_with("state=running>"), "{future:?}");
    open.send(()).unwrap();
    assert_eq!(future.result(), Ok("done"));
    assert!(future.done());
    assert!(!future.running());
    assert!(format!("{future:?}").ends_with("state=finished returned &str>"), "{future:?}");
}

#[test]
fn cancel_succeeds_only_while_queued() {
    let executor = ThreadPoolExecutor::new(1);
    let (task, open, started) = gated(1u64);
    let first = executor.submit(task).unwrap();
    started.recv().unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let second = executor
        .submit({
            let ran = Arc::clone(&ran);
            move || ran.store(true, Ordering::SeqCst)
        })
        .unwrap();

    assert_eq!(second.state_name(), "pending");
    assert!(second.cancel(), "a queued task can be cancelled");
    assert!(second.cancelled() && second.done() && !second.running());
    assert!(second.cancel(), "cancelling again still says cancelled");
    assert_eq!(second.result(), Err(FutureError::Cancelled));
    assert_eq!(second.exception(), Err(FutureError::Cancelled));

    assert!(!first.cancel(), "a running task cannot be cancelled");
    open.send(()).unwrap();
    assert_eq!(first.result(), Ok(1));
    assert!(!first.cancel(), "a finished task cannot be cancelled");
    assert!(!first.cancelled());

    executor.shutdown(true, false);
    assert!(!ran.load(Ordering::SeqCst), "the cancelled task never ran");
}

#[test]
fn exception_captures_panics_and_errors_and_the_worker_survives() {
    let executor = ThreadPoolExecutor::new(1);
    let divide = executor.submit(|| -> u64 { panic!("division by zero") }).unwrap();
    let refuse = executor.submit_fallible(|| Err::<u64, _>("no such file")).unwrap();
    let fine = executor.submit(|| 5u64).unwrap();

    assert_eq!(divide.exception(), Ok(Some(TaskError::new("panicked: division by zero"))));
    assert_eq!(divide.result(), Err(FutureError::Failed(TaskError::new("panicked: division by zero"))));
    assert_eq!(refuse.exception(), Ok(Some(TaskError::new("no such file"))));
    assert_eq!(refuse.result().unwrap_err().to_string(), "the task failed: no such file");
    // The same single worker ran all three: a panic did not take it down.
    assert_eq!(fine.exception(), Ok(None));
    assert_eq!(fine.result(), Ok(5));
    assert_eq!(executor.thread_count(), 1);
    assert!(format!("{divide:?}").ends_with("state=finished raised TaskError>"));
}

#[test]
fn map_gives_input_order_whatever_the_completion_order() {
    let executor = ThreadPoolExecutor::new(4);
    let (finished_tx, finished) = mpsc::channel();
    let mut opens = Vec::new();
    let mut items = Vec::new();
    for i in 0..4u64 {
        let (open, gate) = mpsc::channel::<()>();
        opens.push(open);
        items.push((i, gate, finished_tx.clone()));
    }
    let results = executor
        .map(
            |(i, gate, finished): (u64, Receiver<()>, Sender<u64>)| {
                gate.recv().unwrap();
                finished.send(i).unwrap();
                if i == 2 {
                    panic!("item two fails");
                }
                i * 10
            },
            items,
        )
        .unwrap();
    // Let them finish last to first.
    for i in (0..4).rev() {
        opens[i].send(()).unwrap();
        assert_eq!(finished.recv().unwrap(), i as u64);
    }
    // The failure is yielded at its position and ends the iteration (CPython's generator
    // raises there and is finished).
    let got: Vec<_> = results.collect();
    assert_eq!(got, [Ok(0), Ok(10), Err(FutureError::Failed(TaskError::new("panicked: item two fails")))]);
}

/// A gate to wait on, and where to say that the wait began.
type Gate = (Receiver<()>, Sender<()>);

#[test]
fn dropping_map_results_after_iterating_cancels_what_has_not_started() {
    // One worker: call 0 returns at once, call 1 holds the worker until its gate opens, so
    // call 2 is surely still queued when the results are dropped.
    let executor = ThreadPoolExecutor::new(1);
    let (open_1, gate_1) = mpsc::channel::<()>();
    let (started_1_tx, started_1) = mpsc::channel::<()>();
    let ran = Arc::new(Mutex::new(Vec::new()));
    let items = vec![(0u32, None), (1, Some((gate_1, started_1_tx))), (2, None)];
    let mut results = executor
        .map(
            {
                let ran = Arc::clone(&ran);
                move |(i, gate): (u32, Option<Gate>)| {
                    ran.lock().unwrap().push(i);
                    if let Some((gate, started)) = gate {
                        started.send(()).unwrap();
                        gate.recv().unwrap();
                    }
                }
            },
            items,
        )
        .unwrap();
    assert_eq!(results.next(), Some(Ok(()))); // iteration has started
    started_1.recv().unwrap();
    drop(results); // the generator is closed: call 2, still queued, is cancelled
    open_1.send(()).unwrap();
    executor.shutdown(true, false);
    assert_eq!(*ran.lock().unwrap(), [0, 1], "call 1 was running and finished; call 2 never ran");
}

#[test]
fn as_completed_yields_in_completion_order() {
    let executor = ThreadPoolExecutor::new(4);
    let already = Future::new();
    already.set_result(99u64).unwrap();
    let mut futures = vec![already.clone()];
    let mut opens = Vec::new();
    for i in 0..3u64 {
        let (task, open, started) = gated(i);
        futures.push(executor.submit(task).unwrap());
        started.recv().unwrap();
        opens.push(open);
    }
    // The same future twice is yielded once, as Python's set-based as_completed does.
    futures.push(already.clone());
    let mut order = as_completed(&futures);
    assert!(order.next().unwrap().same_as(&already), "a future already done comes first");
    for i in [2usize, 0, 1] {
        opens[i].send(()).unwrap();
        assert_eq!(order.next().unwrap().result(), Ok(i as u64));
    }
    assert!(order.next().is_none());
}

#[test]
fn as_completed_with_a_timeout_stops_with_timeout() {
    let executor = ThreadPoolExecutor::new(2);
    let quick = executor.submit(|| 1u8).unwrap();
    quick.result().unwrap(); // done before the clock starts: no race with the timeout
    let (task, open, _started) = gated(2u8);
    let stuck = executor.submit(task).unwrap();
    let got: Vec<_> =
        as_completed_timeout(&[quick.clone(), stuck.clone()], Duration::from_millis(20)).collect();
    assert_eq!(got.len(), 2);
    assert!(got[0].as_ref().unwrap().same_as(&quick));
    assert_eq!(got[1].as_ref().unwrap_err(), &FutureError::Unfinished { unfinished: 1, total: 2 });
    assert_eq!(got[1].as_ref().unwrap_err().to_string(), "1 (of 2) futures unfinished");
    open.send(()).unwrap();
    assert_eq!(stuck.result(), Ok(2));
}

#[test]
fn wait_first_completed() {
    let executor = ThreadPoolExecutor::new(2);
    let (task_a, open_a, started_a) = gated('a');
    let (task_b, open_b, started_b) = gated('b');
    let a = executor.submit(task_a).unwrap();
    let b = executor.submit(task_b).unwrap();
    started_a.recv().unwrap();
    started_b.recv().unwrap();
    open_b.send(()).unwrap();
    let split = wait(&[a.clone(), b.clone()], ReturnWhen::FirstCompleted, None);
    assert_eq!(split.done.len(), 1);
    assert!(split.done[0].same_as(&b));
    assert!(split.not_done[0].same_as(&a));
    open_a.send(()).unwrap();
}

#[test]
fn wait_first_exception_returns_on_a_failure_or_acts_as_all_completed() {
    let executor = ThreadPoolExecutor::new(2);
    let (task, open, started) = gated(0u32);
    let stuck = executor.submit(task).unwrap();
    started.recv().unwrap();
    let failing = executor.submit(|| -> u32 { panic!("boom") }).unwrap();
    let split = wait(&[stuck.clone(), failing.clone()], ReturnWhen::FirstException, None);
    assert!(split.done.len() == 1 && split.done[0].same_as(&failing));
    assert!(split.not_done.len() == 1 && split.not_done[0].same_as(&stuck));
    open.send(()).unwrap();

    // No failure: it waits for all, even the one released last.
    let (task, open, started) = gated(1u32);
    let slow = executor.submit(task).unwrap();
    let quick = executor.submit(|| 2u32).unwrap();
    started.recv().unwrap();
    let opener = thread::spawn(move || {
        quick.result().unwrap();
        open.send(()).unwrap();
    });
    let split = wait(std::slice::from_ref(&slow), ReturnWhen::FirstException, None);
    assert_eq!(split.done.len(), 1);
    assert!(split.not_done.is_empty());
    opener.join().unwrap();
}

#[test]
fn wait_all_completed_with_a_timeout_reports_what_is_left() {
    let executor = ThreadPoolExecutor::new(2);
    let done = executor.submit(|| "quick").unwrap();
    done.result().unwrap();
    let (task, open, _started) = gated("slow");
    let stuck = executor.submit(task).unwrap();
    let split =
        wait(&[done.clone(), stuck.clone()], ReturnWhen::AllCompleted, Some(Duration::from_millis(20)));
    assert!(split.done.len() == 1 && split.done[0].same_as(&done));
    assert!(split.not_done.len() == 1 && split.not_done[0].same_as(&stuck));
    open.send(()).unwrap();
    let split = wait(&[done, stuck], ReturnWhen::AllCompleted, None);
    assert_eq!((split.done.len(), split.not_done.len()), (2, 0));
}

#[test]
fn shutdown_waits_then_refuses_new_work() {
    let executor = ThreadPoolExecutor::new(2);
    let futures: Vec<_> = (0..6u64).map(|i| executor.submit(move || i * i).unwrap()).collect();
    executor.shutdown(true, false);
    assert!(futures.iter().all(Future::done));
    assert_eq!(futures.iter().map(|f| f.result().unwrap()).sum::<u64>(), 55);
    let refused = executor.submit(|| 0u64).unwrap_err();
    assert_eq!(refused.to_string(), "cannot schedule new futures after shutdown");
    executor.shutdown(true, false); // again: harmless
}

#[test]
fn shutdown_with_cancel_futures_cancels_the_queue_not_the_running_task() {
    let executor = ThreadPoolExecutor::new(1);
    let (task, open, started) = gated("running");
    let running = executor.submit(task).unwrap();
    started.recv().unwrap();
    let queued: Vec<_> = (0..3).map(|_| executor.submit(|| "queued").unwrap()).collect();
    executor.shutdown(false, true);
    assert!(queued.iter().all(Future::cancelled));
    open.send(()).unwrap();
    drop(executor); // joins the worker
    assert_eq!(running.result(), Ok("running"));
}

#[test]
fn dropping_the_executor_is_the_with_block() {
    let futures = {
        let executor = ThreadPoolExecutor::new(2);
        (0..4u32).map(|i| executor.submit(move || i + 1).unwrap()).collect::<Vec<_>>()
    };
    assert!(futures.iter().all(Future::done));
    assert_eq!(futures.iter().map(|f| f.result().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
}

#[test]
fn threads_start_lazily_up_to_max_workers() {
    let executor = ThreadPoolExecutor::new(2);
    assert_eq!(executor.thread_count(), 0);
    let names: Vec<_> =
        (0..20).map(|_| executor.submit(|| thread::current().name().unwrap().to_string()).unwrap()).collect();
    let mut names: Vec<String> = names.iter().map(|f| f.result().unwrap()).collect();
    names.sort();
    names.dedup();
    assert!(names.len() <= 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("ThreadPoolExecutor-") && n.contains('_')), "{names:?}");
    assert!(executor.thread_count() <= 2);
    assert_eq!(
        ThreadPoolExecutor::default().max_workers(),
        (thread::available_parallelism().unwrap().get() + 4).min(32)
    );
}

#[test]
fn a_panicking_callback_does_not_stop_the_others() {
    let future = Future::new();
    let (tx, rx) = mpsc::channel();
    future.add_done_callback(|_| panic!("bad callback"));
    future.add_done_callback(move |f: &Future<u8>| tx.send(f.result().unwrap()).unwrap());
    future.set_result(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
}
