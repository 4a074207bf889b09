//! `wrap_future` and `run_in_executor` over `concurrent.futures` futures: awaiting holds no
//! thread, results and failures come through, and a dropped await leaves nothing behind.

use std::time::Duration;

use async_pool::{run_in_executor, runtime, wrap_future};
use concurrent::futures::{
    Executor, Function, Future, FutureError, MapOptions, MapResults, SubmitError, TaskError,
};

/// A hundred futures awaited at once on a runtime whose blocking pool has 4 threads: the
/// blocking pool still runs work meanwhile, so none of the waits holds one of its threads.
/// (If each wait held a blocking thread, the `spawn_blocking` calls would queue behind
/// them until the futures were completed, which only happens after: the test would fail at
/// its generous deadline instead of hanging.)
#[test]
fn a_hundred_wrapped_futures_hold_no_blocking_thread() {
    let runtime = runtime(4).unwrap();
    let futures: Vec<Future<u64>> = (0..100).map(|_| Future::new()).collect();
    runtime.block_on(async {
        let waiting: Vec<_> = futures.iter().cloned().map(|f| tokio::spawn(wrap_future(f))).collect();
        // Wait until every await is parked on its future's waiter list.
        let parked = async {
            while futures.iter().any(|f| f.waiter_count() == 0) {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), parked).await.expect("the awaits never parked");
        let blocking = async {
            let calls: Vec<_> = (0..8u64).map(|i| tokio::task::spawn_blocking(move || i * 2)).collect();
            let mut sum = 0;
            for call in calls {
                sum += call.await.unwrap();
            }
            sum
        };
        let sum = tokio::time::timeout(Duration::from_secs(60), blocking)
            .await
            .expect("the blocking pool is exhausted by waiting futures");
        assert_eq!(sum, 56);
        for (i, future) in futures.iter().enumerate() {
            future.set_result(i as u64).unwrap();
        }
        for (i, handle) in waiting.into_iter().enumerate() {
            assert_eq!(handle.await.unwrap(), Ok(i as u64));
        }
    });
}

#[test]
fn failures_and_cancellations_come_through_and_a_dropped_await_leaves_no_waiter() {
    let runtime = runtime(1).unwrap();
    let failed: Future<u8> = Future::new();
    failed.set_exception(TaskError::new("boom")).unwrap();
    let cancelled: Future<u8> = Future::new();
    cancelled.cancel();
    let never: Future<u8> = Future::new();
    runtime.block_on(async {
        assert_eq!(wrap_future(failed).await, Err(FutureError::Failed(TaskError::new("boom"))));
        assert_eq!(wrap_future(cancelled).await, Err(FutureError::Cancelled));
        let timed_out = tokio::time::timeout(Duration::from_millis(1), wrap_future(never.clone())).await;
        assert!(timed_out.is_err());
    });
    assert_eq!(never.waiter_count(), 0, "the dropped await removed its waiter");
}

/// The smallest executor there is: each call on a new thread. Enough to show that
/// `run_in_executor` takes any `concurrent.futures` executor (the harness examples run it on
/// the thread and process pools).
struct ThreadPerCall;

impl<F: Function<A>, A: Send + 'static> Executor<F, A> for ThreadPerCall {
    fn submit(&self, f: F, arg: A) -> Result<Future<F::Output>, SubmitError> {
        let future = Future::new();
        let done = future.clone();
        std::thread::spawn(move || {
            done.set_running_or_notify_cancel().unwrap();
            done.set_result(f.call(arg)).unwrap();
        });
        Ok(future)
    }
    fn map_with(
        &self,
        f: F,
        args: impl IntoIterator<Item = A>,
        options: MapOptions,
    ) -> Result<MapResults<F::Output>, SubmitError> {
        let f = std::sync::Arc::new(f);
        let futures: Result<Vec<_>, _> = args
            .into_iter()
            .map(|a| {
                let f = f.clone();
                self.submit(move |a| f.call(a), a)
            })
            .collect();
        Ok(MapResults::new(futures?, options.timeout))
    }
    fn shutdown(&self, _wait: bool, _cancel_futures: bool) {}
}

#[test]
fn run_in_executor_awaits_the_executors_future() {
    let runtime = runtime(1).unwrap();
    let results = runtime.block_on(async_pool::gather(
        [1u64, 3, 5].map(|n| run_in_executor(&ThreadPerCall, |n: u64| workload::count_to(n), n).unwrap()),
    ));
    assert_eq!(results, [Ok(1), Ok(3), Ok(5)]);
}
