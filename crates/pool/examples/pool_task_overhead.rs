//! What a task costs on a rayon pool: `install` (run a closure on the pool and wait), and
//! `spawn` with the result sent back over a channel (apply_async + get).
//!
//! `cargo run --release -p pool --example pool_task_overhead [ROUNDS]`

use std::hint::black_box;
use std::sync::mpsc;

use workload::timing::median_ns_per_call;

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(21);
    let pool = pool::build(1).unwrap();
    pool.install(|| ()); // start the thread outside the timing

    let install = median_ns_per_call(rounds, 1000, || {
        black_box(pool.install(|| black_box(1)));
    });
    let spawn = median_ns_per_call(rounds, 1000, || {
        let (tx, rx) = mpsc::channel();
        pool.spawn(move || tx.send(black_box(1)).unwrap());
        black_box(rx.recv().unwrap());
    });

    println!("no-op task, median of {rounds} batches of 1000:");
    println!("{:<40} {:>10.0} ns", "rayon install (round trip)", install);
    println!("{:<40} {:>10.0} ns", "rayon spawn + channel (round trip)", spawn);
}
