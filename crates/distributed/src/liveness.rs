//! Noticing a process that stopped talking. A peer that dies closes its connections and
//! timely's network threads say so at once; a peer that is stopped (`kill -STOP`), frozen,
//! or is not timely at all (a port in the hostfile where an SSH server answers with its
//! banner) keeps its connections open and sends nothing, and the others used to wait for it
//! forever. So every process sends a heartbeat, broadcast to all workers, every
//! [`HEARTBEAT`] while it maps and while it waits for the dataflow to finish; a worker that
//! hears nothing from some process for the worker timeout reports it, and the run fails with
//! that message instead of hanging.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How often each process says it is alive.
pub const HEARTBEAT: Duration = workload::run::HEARTBEAT;

/// One worker's view of which processes it has heard from lately.
pub(crate) struct Liveness {
    me: usize,
    /// When each process was last heard from (the dataflow's heartbeat stream writes it).
    pub(crate) last_heard: Rc<RefCell<Vec<Instant>>>,
    last_beat: Option<Instant>,
    timeout: Duration,
    addresses: Vec<String>,
}

impl Liveness {
    pub(crate) fn new(me: usize, addresses: Vec<String>, timeout: Duration) -> Liveness {
        let now = Instant::now();
        Liveness {
            me,
            last_heard: Rc::new(RefCell::new(vec![now; addresses.len().max(1)])),
            last_beat: None,
            timeout,
            addresses,
        }
    }

    /// Whether this process's heartbeat is due (then it counts as sent).
    pub(crate) fn beat_due(&mut self) -> bool {
        let due = self.last_beat.is_none_or(|at| at.elapsed() >= HEARTBEAT);
        if due {
            self.last_beat = Some(Instant::now());
        }
        due
    }

    /// The first process silent for longer than the timeout, in words.
    pub(crate) fn silent(&self) -> Option<String> {
        let heard = self.last_heard.borrow();
        let process =
            heard.iter().enumerate().position(|(p, at)| p != self.me && at.elapsed() > self.timeout)?;
        Some(format!(
            "process {}: process {process} ({}) sent nothing, not even a heartbeat, for {} s: stopped, frozen, \
             cut off (its host or network link down), or not a harness process speaking timely's protocol",
            self.me,
            self.addresses.get(process).map_or("?", String::as_str),
            self.timeout.as_secs_f64()
        ))
    }
}
