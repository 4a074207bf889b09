//! Panics as values: the message of a caught panic, and running a task so that a panic is
//! caught without the default hook printing it (Python keeps a task's exception silent until
//! someone asks for the result).

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked (with a non-string payload)".to_string()
    }
}

thread_local! {
    /// Set while this thread runs a task whose panic is caught and kept as its failure.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Installs, once per process, a panic hook that stays silent on threads running a task
/// through [`catch_quietly`] and hands every other panic to the hook that was there before.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.try_with(Cell::get).unwrap_or(false) {
                previous(info);
            }
        }));
    });
}

/// Runs `task`; a panic becomes `Err(message)` and prints nothing (without this, Rust's
/// default hook writes "thread panicked at ..." to stderr the moment the task fails).
pub fn catch_quietly<T>(task: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let outer = QUIET.with(|q| q.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(task));
    QUIET.with(|q| q.set(outer));
    outcome.map_err(|payload| panic_message(&*payload))
}
