//! How long a child has said nothing, counted only for time this process was running to hear
//! it. A parent stopped by Ctrl-Z or SIGSTOP for longer than a worker's timeout, then
//! continued, used to find its wait long over and kill a healthy worker whose heartbeats sat
//! unread in the pipe. So the wait goes in steps of at most a heartbeat, and a step that woke
//! far later than asked (this process stopped, or not scheduled) counts as asked: the
//! heartbeats sent meanwhile are read on the next step.

use std::time::{Duration, Instant};

/// How late a step may wake and still count in full: later than this, this process was
/// stopped or starved, not listening.
const LATE_WAKE: Duration = Duration::from_millis(250);

/// The silence heard so far against its limit.
#[derive(Debug, Clone)]
pub struct Silence {
    limit: Duration,
    heard: Duration,
}

impl Silence {
    pub fn new(limit: Duration) -> Silence {
        Silence { limit, heard: Duration::ZERO }
    }

    /// How long the next wait may be: at most a heartbeat, at most what is left.
    pub fn step(&self) -> Duration {
        self.limit.saturating_sub(self.heard).min(crate::run::HEARTBEAT)
    }

    /// A wait of `asked` begun at `started` heard nothing; true once the silence reached its
    /// limit.
    pub fn nothing(&mut self, asked: Duration, started: Instant) -> bool {
        self.heard += started.elapsed().min(asked + LATE_WAKE);
        self.heard >= self.limit
    }

    /// Something was heard.
    pub fn heard(&mut self) {
        self.heard = Duration::ZERO;
    }

    pub fn limit(&self) -> Duration {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_that_woke_late_counts_as_asked() {
        let mut silence = Silence::new(Duration::from_secs(2));
        assert_eq!(silence.step(), crate::run::HEARTBEAT);
        // A step begun 10 s ago (this process was stopped): counts as 0.5 + 0.25 s.
        let long_ago = Instant::now() - Duration::from_secs(10);
        assert!(!silence.nothing(silence.step(), long_ago));
        assert!(!silence.nothing(silence.step(), long_ago));
        assert_eq!(silence.step(), Duration::from_millis(500));
        assert!(silence.nothing(silence.step(), long_ago), "2.25 s heard: over");
        silence.heard();
        assert!(!silence.nothing(Duration::from_millis(1), Instant::now()));
    }
}
