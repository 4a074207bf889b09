//! `for result in asyncio.as_completed(tasks): print(await result)`, with the big count
//! first: the small ones are printed as soon as they finish, not after it.

use async_pool::{as_completed, runtime, Executor};
use workload::count_to;

fn main() {
    let runtime = runtime(2).unwrap();
    let numbers = [100_000_000u64, 1, 3, 5, 22];
    runtime.block_on(async {
        let executor = Executor::Blocking;
        let mut completed = as_completed(numbers.map(|n| executor.run(move || count_to(n))));
        while let Some((_index, result)) = completed.next().await {
            println!("{}", result.unwrap());
        }
    });
}
