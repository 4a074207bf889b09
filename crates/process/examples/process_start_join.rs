//! The article's first listing: two `Process(target=count, args=(100000000,))`, `start()`
//! both, `join()` both, print the time. Ours also get the counts back from the children.
//!
//! `cargo run --release -p process --example process_start_join`

use std::time::Instant;

use process::{Process, Reply, Task, WorkerCommand};

fn main() {
    process::worker::serve_if_worker(); // the children are this same program
    let worker = WorkerCommand::current_exe().unwrap();
    let start = Instant::now();
    let task = Task::Count { to: 100_000_000, times: 1 };
    let task1 = Process::start(&worker, 1, &task).unwrap();
    let task2 = Process::start(&worker, 2, &task).unwrap();
    let results: Vec<Reply> = [task1, task2].into_iter().map(|p| p.join(None).unwrap()).collect();
    println!("finished in {:.3} s", start.elapsed().as_secs_f64());
    println!("the children returned {results:?}");
}
