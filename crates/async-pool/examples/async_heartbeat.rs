//! Why the article warns against CPU work inside coroutines: a heartbeat task that should
//! wake every 10 ms, measured while a count runs inline on the event loop and while the same
//! count runs in the executor.
//!
//! `cargo run --release -p async-pool --example async_heartbeat [N]`

use std::time::Duration;

use async_pool::{heartbeat, Placement};
use workload::count_to;

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000_000);
    let period = Duration::from_millis(10);
    println!("a heartbeat every {period:?}, beside count_to({n}):");
    for placement in [Placement::Inline, Placement::Offloaded] {
        let beat = heartbeat(placement, period, move || count_to(n));
        println!(
            "{:<10} work {:>8.1} ms, heartbeats during it {:>4}, worst lateness {:>8.1} ms",
            format!("{placement:?}"),
            beat.work.as_secs_f64() * 1e3,
            beat.ticks_during_work,
            beat.max_late.as_secs_f64() * 1e3
        );
    }
}
