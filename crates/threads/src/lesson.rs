//! What the examples share: the article's `task(name, age, n)` that sleeps n "seconds",
//! with one article second shrunk to [`UNIT`] so every example runs in about a second.

use std::thread;
use std::time::{Duration, Instant};

/// One second of the article's sleeps.
pub const UNIT: Duration = Duration::from_millis(200);

/// `n` article seconds.
pub fn units(n: f64) -> Duration {
    UNIT.mul_f64(n)
}

/// The article's task: sleep `n` units, then describe itself.
pub fn task(name: &str, age: u32, n: u32) -> String {
    thread::sleep(units(f64::from(n)));
    format!("name is {name}, age is {age}, slept {n} units")
}

/// Elapsed time since `start`, in units, for printing ("after 5.0 units").
pub fn elapsed_units(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() / UNIT.as_secs_f64()
}
