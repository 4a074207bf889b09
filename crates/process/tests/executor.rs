//! `ProcessPoolExecutor`: the `concurrent.futures` semantics on worker processes, checked
//! like the thread pool's (`crates/threads/tests/cpython_conformance.rs`), with the tests of
//! CPython's `Lib/test/test_concurrent_futures/` they mirror named. Workers are held busy by
//! a loopback gate (`Task::Gate`) the test opens by closing a connection: no sleeps.

use std::net::{TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::path::Path;

use concurrent::futures::{as_completed, wait, Executor, FutureError, MapOptions, ReturnWhen, SubmitError};
use process::functions::{Count, SayHello};
use process::{Fault, ProcessPoolExecutor, Reply, Task, WorkerCommand};

fn executor(workers: usize) -> ProcessPoolExecutor {
    ProcessPoolExecutor::with_command(workers, &WorkerCommand::new(env!("CARGO_BIN_EXE_process-worker")))
        .unwrap()
}

/// A listener on loopback: `Task::Gate` connects to it and waits until the test drops the
/// accepted connection.
struct Gate {
    listener: TcpListener,
}

impl Gate {
    fn new() -> Gate {
        Gate { listener: TcpListener::bind("127.0.0.1:0").unwrap() }
    }
    fn task(&self) -> Task {
        Task::Gate { addr: self.listener.local_addr().unwrap().to_string() }
    }
    /// Blocks until a worker has reached the gate; dropping what it returns opens it.
    fn reached(&self) -> TcpStream {
        self.listener.accept().unwrap().0
    }
}

#[test]
fn submit_and_map_run_named_functions_in_workers() {
    let executor = executor(2);
    assert_eq!(executor.submit(Count, 1000).unwrap().result(), Ok(1000));
    assert_eq!(executor.submit(SayHello, "koishi".to_string()).unwrap().result(), Ok("hello, koishi".into()));
    let results: Vec<_> = executor.map(Count, [1, 3, 5, 22, 100]).unwrap().collect();
    assert_eq!(results, [Ok(1), Ok(3), Ok(5), Ok(22), Ok(100)]);
}

/// `test_map_chunksize` (test_process_pool.py): the same results for any chunksize.
#[test]
fn test_map_chunksize() {
    let executor = executor(2);
    let want: Vec<Result<u64, FutureError>> = (0..40).map(Ok).collect();
    for chunksize in [1, 6, 40, 50] {
        let options =
            MapOptions { chunksize: NonZeroUsize::new(chunksize).unwrap(), ..MapOptions::default() };
        let got: Vec<_> = executor.map_with(Count, 0..40, options).unwrap().collect();
        assert_eq!(got, want, "chunksize {chunksize}");
    }
}

/// Calls still in the executor's queue can be cancelled; those a worker has cannot. With one
/// worker busy at the gate, at most one more call is handed to the pool (CPython's
/// `EXTRA_QUEUED_CALLS`), so the last three surely wait in the queue.
#[test]
fn queued_calls_can_be_cancelled_and_never_run() {
    let executor = executor(1);
    let gate = Gate::new();
    let held = executor.submit_task(gate.task()).unwrap();
    let connection = gate.reached();
    let queued: Vec<_> = (0..5).map(|i| executor.submit(Count, i).unwrap()).collect();
    assert!(!held.cancel(), "a running call cannot be cancelled");
    for future in &queued[2..] {
        assert!(future.cancel());
    }
    drop(connection);
    assert_eq!(held.result(), Ok(Reply::Value(0)));
    assert_eq!(queued[0].result(), Ok(0));
    assert_eq!(queued[1].result(), Ok(1));
    for future in &queued[2..] {
        assert_eq!(future.result(), Err(FutureError::Cancelled));
    }
}

/// `as_completed` and `wait` take the process executor's futures as they take the thread
/// pool's: they are the same type.
#[test]
fn as_completed_and_wait_work_on_process_futures() {
    let executor = executor(2);
    let gate = Gate::new();
    let slow = executor.submit_task(gate.task()).unwrap();
    let connection = gate.reached();
    let quick = executor.submit_task(Task::Count { to: 10, times: 1 }).unwrap();
    let split = wait(&[slow.clone(), quick.clone()], ReturnWhen::FirstCompleted, None);
    assert!(split.done.len() == 1 && split.done[0].same_as(&quick));
    let mut order = as_completed(&[slow.clone(), quick.clone()]);
    assert!(order.next().unwrap().same_as(&quick));
    drop(connection);
    assert!(order.next().unwrap().same_as(&slow));
}

/// A worker that dies breaks the executor (CPython's `BrokenProcessPool`, test_deadlock.py's
/// theme): its call and every call not yet answered fail with the reason, which names the
/// worker and its exit status; later submits are refused.
#[test]
fn a_dead_worker_breaks_the_executor() {
    let executor = executor(1);
    let dies = executor.submit_task(Task::Fault(Fault::Exit(7))).unwrap();
    let after = executor.submit(Count, 5).unwrap();
    let err = dies.result().unwrap_err().to_string();
    assert!(err.contains("terminated abruptly while the future was running or pending"), "{err}");
    assert!(err.contains("exit status 7"), "{err}");
    assert!(after.result().unwrap_err().to_string().contains("terminated abruptly"));
    match executor.submit(Count, 1) {
        Err(SubmitError::Broken(reason)) => {
            assert!(reason
                .starts_with("A child process terminated abruptly, the process pool is not usable anymore"))
        }
        other => panic!("expected a broken executor, got {other:?}"),
    }
    let pids = executor.pids().to_vec();
    drop(executor);
    assert!(pids.iter().all(|pid| !Path::new(&format!("/proc/{pid}")).exists()), "workers reaped");
}

/// `shutdown(wait=True)` waits for the calls in flight; `cancel_futures` cancels the queue.
#[test]
fn shutdown_waits_and_cancels_the_queue_when_asked() {
    let executor = executor(1);
    let gate = Gate::new();
    let held = executor.submit_task(gate.task()).unwrap();
    let connection = gate.reached();
    let queued: Vec<_> = (0..4).map(|i| executor.submit(Count, i).unwrap()).collect();
    executor.shutdown(false, true);
    assert!(queued[2..].iter().all(|f| f.cancelled()), "the calls still queued are cancelled");
    assert_eq!(executor.submit(Count, 1).unwrap_err(), SubmitError::Shutdown);
    drop(connection);
    executor.shutdown(true, false);
    assert_eq!(held.result(), Ok(Reply::Value(0)));
    let pids = executor.pids().to_vec();
    drop(executor);
    assert!(pids.iter().all(|pid| !Path::new(&format!("/proc/{pid}")).exists()), "workers reaped");
}

/// A call that fails in the worker fails its own future only: the worker and the executor
/// carry on (an exception in a CPython task is sent back the same way).
#[test]
fn a_failed_call_fails_its_future_and_the_executor_carries_on() {
    let executor = executor(1);
    let missing = Task::MapRange {
        path: "/nonexistent/ngram.tsv".into(),
        identity: None,
        start: 0,
        end: 1,
        kernel: workload::ngram::Kernel::Ngram,
        skip_malformed: false,
    };
    let failed = executor.submit_task(missing).unwrap();
    let err = failed.exception().unwrap().expect("a failure");
    assert!(err.message().starts_with("/nonexistent/ngram.tsv"), "{err}");
    assert_eq!(executor.submit(Count, 7).unwrap().result(), Ok(7));
}

/// Through the trait: the code a user writes once for both executors.
#[test]
fn the_executor_trait_runs_on_processes() {
    fn total(executor: &impl Executor<Count, u64>) -> u64 {
        executor.map(Count, [10, 20, 30]).unwrap().map(Result::unwrap).sum()
    }
    assert_eq!(total(&executor(2)), 60);
}
