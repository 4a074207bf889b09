//! The article's warning, measured: CPU work run *on* the event loop stalls every other
//! task on it. A heartbeat task wakes every `period`; we record how late it wakes while the
//! work runs inline on the loop's only thread, or offloaded to the blocking pool.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Builder;

/// Where the CPU work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// As an ordinary async task on the loop's single thread (calling a CPU-bound function
    /// straight from a coroutine).
    Inline,
    /// `spawn_blocking`: `await loop.run_in_executor(pool, work)`.
    Offloaded,
}

/// What the heartbeat saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heartbeat {
    /// How long the work took.
    pub work: Duration,
    /// Heartbeats that completed while the work ran.
    pub ticks_during_work: u64,
    /// The latest any heartbeat woke after its due time.
    pub max_late: Duration,
}

/// Runs `work` with a heartbeat of `period` beside it on a one-thread event loop.
pub fn heartbeat<T: Send + 'static>(
    placement: Placement,
    period: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Heartbeat {
    let runtime =
        Builder::new_multi_thread().worker_threads(1).enable_time().build().expect("a tokio runtime");
    runtime.block_on(async move {
        let stop = Arc::new(AtomicBool::new(false));
        let ticks = Arc::new(AtomicU64::new(0));
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let beat = tokio::spawn({
            let (stop, ticks) = (Arc::clone(&stop), Arc::clone(&ticks));
            async move {
                let mut max_late = Duration::ZERO;
                let mut started_tx = Some(started_tx);
                while !stop.load(Ordering::Relaxed) {
                    let due = Instant::now() + period;
                    tokio::time::sleep(period).await;
                    max_late = max_late.max(Instant::now().saturating_duration_since(due));
                    ticks.fetch_add(1, Ordering::Relaxed);
                    if let Some(tx) = started_tx.take() {
                        let _ = tx.send(());
                    }
                }
                max_late
            }
        });
        started.await.expect("the heartbeat runs"); // the heartbeat is going
        let before = ticks.load(Ordering::Relaxed);
        let start = Instant::now();
        match placement {
            Placement::Inline => drop(tokio::spawn(async move { work() }).await),
            Placement::Offloaded => drop(tokio::task::spawn_blocking(work).await),
        }
        let work = start.elapsed();
        let ticks_during_work = ticks.load(Ordering::Relaxed) - before;
        stop.store(true, Ordering::Relaxed);
        let max_late = beat.await.expect("the heartbeat does not panic");
        Heartbeat { work, ticks_during_work, max_late }
    })
}
