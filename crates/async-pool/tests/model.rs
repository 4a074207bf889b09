//! The async model's behaviour: counts, failures, wrap_future, and the stalled event loop.

use std::time::Duration;

use async_pool::{as_completed, gather, heartbeat, runtime, wrap_thread, EventLoop, Executor, Placement};
use workload::CountJob;

#[test]
fn counts_with_both_executors() {
    for (tasks, to) in [(0, 5), (2, 1000), (5, 77)] {
        assert_eq!(CountJob { tasks, to }.run_on(&EventLoop::new(2).unwrap()), Ok(tasks as u64 * to));
        let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
        let rt = runtime(1).unwrap();
        assert_eq!(
            async_pool::count_gathered(&rt, &Executor::Rayon(pool), CountJob { tasks, to }),
            Ok(tasks as u64 * to)
        );
    }
}

#[test]
fn a_panic_in_the_executor_is_a_failure_not_a_crash() {
    let rt = runtime(2).unwrap();
    let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap());
    for executor in [Executor::Blocking, Executor::Rayon(pool)] {
        let failure = rt.block_on(async { executor.run(|| -> u8 { panic!("boom") }).await }).unwrap_err();
        assert_eq!(failure.message, "panicked: boom", "{executor:?}");
    }
    let joined = rt.block_on(wrap_thread(std::thread::spawn(|| -> u8 { panic!("thread boom") })));
    assert_eq!(joined.unwrap_err().message, "panicked: thread boom");
}

#[test]
fn gather_orders_as_completed_does_not() {
    let rt = runtime(2).unwrap();
    rt.block_on(async {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        // The first future waits until the second has been yielded: completion order 1, 0
        // (its gate opens only after that, so no race decides the order).
        let first = async move {
            rx.await.unwrap();
            "first"
        };
        let second = async move { "second" };
        let futures: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = &str> + Send>>> =
            vec![Box::pin(first), Box::pin(second)];
        let mut completed = as_completed(futures);
        assert_eq!(completed.next().await, Some((1, "second")));
        tx.send(()).unwrap();
        assert_eq!(completed.next().await, Some((0, "first")));
        assert_eq!(completed.next().await, None);
        assert_eq!(gather([1, 2].map(|v| async move { v })).await, [1, 2]);
    });
}

#[test]
fn inline_cpu_work_stalls_the_heartbeat_offloaded_work_does_not() {
    let period = Duration::from_millis(10);
    // Inline: the loop's only thread is busy, so the heartbeat due during the work wakes only
    // after it: at least (work - one period) late. (`work` is timed from outside, a little
    // longer than the work itself: one more period of slack.)
    let inline = heartbeat(Placement::Inline, period, || std::thread::sleep(Duration::from_millis(150)));
    assert!(inline.max_late + 2 * period >= inline.work, "{inline:?}");
    // Offloaded: the loop is free and keeps beating while the work runs.
    let offloaded =
        heartbeat(Placement::Offloaded, period, || std::thread::sleep(Duration::from_millis(150)));
    assert!(offloaded.ticks_during_work >= 1, "{offloaded:?}");
}
