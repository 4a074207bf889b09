//! What the futures tests share: a task held at a gate the test opens.

use std::sync::mpsc::{self, Receiver, Sender};

/// A task that says it started, then waits for its gate to open, then returns `value`.
pub fn gated<T: Send + 'static>(value: T) -> (impl FnOnce() -> T + Send + 'static, Sender<()>, Receiver<()>) {
    let (open, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let task = move || {
        started_tx.send(()).unwrap();
        gate.recv().unwrap();
        value
    };
    (task, open, started)
}
