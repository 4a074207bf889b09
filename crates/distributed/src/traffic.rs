//! The bytes this process sent to and received from the others, as timely's network threads
//! count them: each thread logs every message it writes to or reads from a peer's TCP stream
//! (header and payload), and the counters here add them up. They are the run's own figures
//! for what crossed the links, to set beside the links' counters (`scripts/cluster.sh`):
//! TCP/IP adds its headers and acknowledgements on top.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use timely::communication::logging::{CommunicationEvent, CommunicationEventBuilder, CommunicationSetup};
use timely::logging_core::Logger;

static SENT: AtomicU64 = AtomicU64::new(0);
static RECEIVED: AtomicU64 = AtomicU64::new(0);

/// Sets the counters to 0, before a run.
pub(crate) fn reset() {
    SENT.store(0, Ordering::Relaxed);
    RECEIVED.store(0, Ordering::Relaxed);
}

/// The logging hook to give timely's cluster configuration.
pub(crate) fn counting(
) -> Arc<dyn Fn(CommunicationSetup) -> Option<Logger<CommunicationEventBuilder>> + Send + Sync> {
    Arc::new(|_setup| {
        let logger = Logger::<CommunicationEventBuilder>::new(
            std::time::Instant::now(),
            std::time::Duration::ZERO,
            |_time, events: &mut Option<Vec<(std::time::Duration, CommunicationEvent)>>| {
                for (_, event) in events.iter().flatten() {
                    if let CommunicationEvent::Message(message) = event {
                        let counter = if message.is_send { &SENT } else { &RECEIVED };
                        counter.fetch_add(message.header.required_bytes() as u64, Ordering::Relaxed);
                    }
                }
            },
        );
        Some(logger)
    })
}

/// (sent, received) bytes so far. Final once timely's network threads have ended (each
/// flushes its log as it ends, when every process has closed its connections).
pub(crate) fn bytes() -> (u64, u64) {
    (SENT.load(Ordering::Relaxed), RECEIVED.load(Ordering::Relaxed))
}
