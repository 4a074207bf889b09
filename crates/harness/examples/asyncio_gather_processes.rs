//! `await asyncio.gather(*[loop.run_in_executor(executor, count, n) for n in numbers])` with a
//! `ProcessPoolExecutor`: every count runs in a worker process, the event loop awaits them
//! all (holding no thread while it waits), the results come back in input order.

use async_pool::{gather, run_in_executor, runtime};
use process::functions::Count;
use process::ProcessPoolExecutor;

fn main() {
    process::worker::serve_if_worker();
    let executor = ProcessPoolExecutor::new(2).unwrap();
    let numbers = [1u64, 3, 5, 22, 100_000_000];
    let results =
        runtime(1).unwrap().block_on(gather(numbers.map(|n| run_in_executor(&executor, Count, n).unwrap())));
    let results: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    println!("{results:?}");
}
