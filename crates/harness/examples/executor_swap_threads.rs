//! The article: to use processes instead of threads, replace `ThreadPoolExecutor` with
//! `ProcessPoolExecutor`. `executor_swap_threads.rs` and `executor_swap_processes.rs`
//! differ in exactly that one line (a test checks it): the listing itself is written once,
//! against the `Executor` trait both implement, as Python code is written against the
//! `Executor` abstract class. `TimedCount` is the article's `count`, which prints how long
//! it took from wherever it runs (a worker thread, or a worker process).

use concurrent::futures::Executor;
use process::functions::TimedCount;

fn main() {
    process::worker::serve_if_worker(); // a worker process starts here and serves tasks
    let executor = threads::futures::ThreadPoolExecutor::new(2);
    count_each(&executor);
}

/// `for result in executor.map(count, numbers): print(result)`.
fn count_each(executor: &impl Executor<TimedCount, u64>) {
    for result in executor.map(TimedCount, [1, 3, 5, 22, 100_000_000]).unwrap() {
        println!("{}", result.unwrap());
    }
}
