//! `run_in_executor` with a different pool: the work runs on rayon and the result crosses
//! back to async code through a oneshot channel. Same answers as with `spawn_blocking`.

use std::sync::Arc;

use async_pool::{gather, runtime, Executor};
use workload::count_to;

fn main() {
    let runtime = runtime(1).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let numbers = [1u64, 3, 5, 22, 100_000_000];
    let results = runtime.block_on(async {
        let executor = Executor::Rayon(pool);
        gather(numbers.map(|n| executor.run(move || count_to(n)))).await
    });
    let results: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    println!("{results:?}");
}
