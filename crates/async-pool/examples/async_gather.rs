//! `await asyncio.gather(*[loop.run_in_executor(pool, count, n) for n in numbers])`: all run
//! at once on the executor; the results come back in input order.

use async_pool::{gather, runtime, Executor};
use workload::count_to;

fn main() {
    let runtime = runtime(2).unwrap();
    let numbers = [1u64, 3, 5, 22, 100_000_000];
    let results = runtime.block_on(async {
        let executor = Executor::Blocking;
        gather(numbers.map(|n| executor.run(move || count_to(n)))).await
    });
    let results: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    println!("{results:?}");
}
