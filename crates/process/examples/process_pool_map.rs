//! The article's `ProcessPoolExecutor` listing: `executor.map(count, [1, 3, 5, 22, 100000000])`,
//! each call printing from inside its worker process how long it took. The results come in
//! input order, so had the big count been first, the quick ones would wait behind it. Then
//! the same numbers, largest first, through `as_completed`: the small ones first.

use concurrent::futures::as_completed;
use process::functions::{Count, TimedCount};
use process::ProcessPoolExecutor;

fn main() {
    process::worker::serve_if_worker();
    let executor = ProcessPoolExecutor::new(2).unwrap();
    for result in executor.map(TimedCount, [1, 3, 5, 22, 100_000_000]).unwrap() {
        println!("{}", result.unwrap());
    }
    let futures: Vec<_> =
        [100_000_000, 1, 3, 5, 22].iter().map(|&n| executor.submit(Count, n).unwrap()).collect();
    for future in as_completed(&futures) {
        println!("as completed: {}", future.result().unwrap());
    }
}
