//! What a process costs: starting a child, giving it a no-op task and waiting for it
//! (`Process(...).start(); join()`), against a round trip through a warm pool
//! (`pool.apply`). Python pays the same two prices, plus an interpreter start-up.
//!
//! `cargo run --release -p process --example process_spawn_overhead [ROUNDS]`

use process::{Process, ProcessPool, Task, WorkerCommand};
use workload::timing::median_ns_per_call;

fn main() {
    process::worker::serve_if_worker(); // this example is its own worker
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(11);
    let worker = WorkerCommand::current_exe().unwrap();
    let noop = Task::Count { to: 0, times: 1 };

    let spawn = median_ns_per_call(rounds, 20, || {
        Process::start(&worker, 0, &noop).unwrap().join(None).unwrap();
    });
    let pool = ProcessPool::new(1, &worker).unwrap();
    let apply = median_ns_per_call(rounds, 200, || {
        pool.apply(&noop).unwrap();
    });

    println!("no-op task, median of {rounds} batches:");
    println!("{:<40} {:>10.0} ns", "child process spawn + task + join", spawn);
    println!("{:<40} {:>10.0} ns", "process pool apply (round trip)", apply);
    println!("a warm pool saves {:.0}x per task", spawn / apply);
}
