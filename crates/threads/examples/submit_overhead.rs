//! What one task costs the machinery, with a task that does nothing: a fresh thread
//! (`thread::spawn` + `join`), a scoped thread, and a round trip through the warm
//! `ThreadPoolExecutor` (`submit` + `result`). The same figures for rayon and tokio come
//! with their crates; the criterion `overhead` bench puts them side by side.
//!
//! `cargo run --release -p threads --example submit_overhead [ROUNDS]`

use std::hint::black_box;
use std::thread;

use threads::futures::ThreadPoolExecutor;
use workload::timing::median_ns_per_call as median_ns;

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(21);
    let per_batch = 200;
    let executor = ThreadPoolExecutor::new(1);
    executor.submit(|| ()).unwrap().result().unwrap(); // start its thread outside the timing

    let spawn = median_ns(rounds, per_batch, || thread::spawn(|| black_box(1)).join().map(drop).unwrap());
    let scoped = median_ns(rounds, per_batch, || thread::scope(|s| drop(s.spawn(|| black_box(1)).join())));
    let submit = median_ns(rounds, per_batch, || drop(executor.submit(|| black_box(1)).unwrap().result()));

    println!("no-op task, median of {rounds} batches of {per_batch}:");
    println!("{:<40} {:>10.0} ns", "thread::spawn + join", spawn);
    println!("{:<40} {:>10.0} ns", "thread::scope spawn + join", scoped);
    println!("{:<40} {:>10.0} ns", "ThreadPoolExecutor submit + result", submit);
    println!("a pool saves {:.1}x per task over a fresh thread", spawn / submit);
}
