//! `for result in asyncio.as_completed(tasks): print(await result)` with
//! `loop.run_in_executor(ProcessPoolExecutor, count, n)`: the big count first, yet the small
//! ones are printed as soon as they finish, which `executor.map` cannot do.

use async_pool::{as_completed, run_in_executor, runtime};
use process::functions::Count;
use process::ProcessPoolExecutor;

fn main() {
    process::worker::serve_if_worker();
    let executor = ProcessPoolExecutor::new(2).unwrap();
    let numbers = [100_000_000u64, 1, 3, 5, 22];
    runtime(1).unwrap().block_on(async {
        let mut completed = as_completed(numbers.map(|n| run_in_executor(&executor, Count, n).unwrap()));
        while let Some((_index, result)) = completed.next().await {
            println!("{}", result.unwrap());
        }
    });
}
