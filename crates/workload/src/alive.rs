//! Threads a pool started, counted down as they exit. Dropping a rayon pool only asks its
//! threads to stop; they wind down (and spin a while first) on their own time, which used to
//! land in the next run's: measured side by side, the run after a rayon pool's took up to
//! twice as long, its tasks waiting for a core the old pool's threads held. A runner that owns
//! a pool waits for its threads in its drop, so a run's teardown is its own.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A count of live threads, shared with the pool's start and exit handlers.
#[derive(Debug, Clone, Default)]
pub struct Alive(Arc<(Mutex<usize>, Condvar)>);

impl Alive {
    /// A thread started (the pool's start handler).
    pub fn started(&self) {
        *self.0 .0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    }

    /// A thread is exiting (the pool's exit handler).
    pub fn exited(&self) {
        let mut alive = self.0 .0.lock().unwrap_or_else(PoisonError::into_inner);
        *alive = alive.saturating_sub(1);
        self.0 .1.notify_all();
    }

    /// Waits until every thread has exited, at most `bound`: whether they all did.
    pub fn wait_all_exited(&self, bound: Duration) -> bool {
        let deadline = Instant::now() + bound;
        let mut alive = self.0 .0.lock().unwrap_or_else(PoisonError::into_inner);
        while *alive > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            alive = self.0 .1.wait_timeout(alive, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_every_thread_to_exit() {
        let alive = Alive::default();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        alive.started();
        let handle = {
            let alive = alive.clone();
            std::thread::spawn(move || {
                wait.recv().unwrap();
                alive.exited();
            })
        };
        assert!(!alive.wait_all_exited(Duration::ZERO), "one thread still runs");
        go.send(()).unwrap();
        assert!(alive.wait_all_exited(Duration::from_secs(60)));
        handle.join().unwrap();
    }
}
