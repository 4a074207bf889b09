//! What `await loop.run_in_executor(...)` costs with a no-op function: tokio's
//! `spawn_blocking`, the rayon bridge, and for scale a plain `tokio::spawn` of an async task.
//!
//! `cargo run --release -p async-pool --example async_task_overhead [ROUNDS]`

use std::hint::black_box;
use std::sync::Arc;

use async_pool::{runtime, Executor};
use workload::timing::median_ns_per_call;

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(21);
    let blocking_threads: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let runtime = runtime(blocking_threads).unwrap();
    let rayon = Executor::Rayon(Arc::new(rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap()));
    let blocking = Executor::Blocking;
    runtime.block_on(async { blocking.run(|| ()).await.unwrap() }); // warm the blocking pool

    let measure = |executor: &Executor| {
        median_ns_per_call(rounds, 1000, || {
            runtime.block_on(async { black_box(executor.run(|| black_box(1)).await.unwrap()) });
        })
    };
    let spawn_blocking = measure(&blocking);
    let bridge = measure(&rayon);
    let spawn = median_ns_per_call(rounds, 1000, || {
        runtime.block_on(async { black_box(tokio::spawn(async { black_box(1) }).await.unwrap()) });
    });

    println!("no-op task, median of {rounds} batches of 1000:");
    println!("{:<40} {:>10.0} ns", "tokio spawn_blocking (round trip)", spawn_blocking);
    println!("{:<40} {:>10.0} ns", "rayon bridge (round trip)", bridge);
    println!("{:<40} {:>10.0} ns", "tokio spawn, async task (round trip)", spawn);
}
