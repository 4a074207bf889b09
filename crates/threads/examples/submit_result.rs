//! `result()` blocks until the task has finished and hands back its return value.
//! Python: `print(future.result())` waits about 3 s.

use std::time::Instant;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{elapsed_units, task};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future = executor.submit(|| task("Satori", 16, 3)).unwrap();
    let start = Instant::now();
    println!("{}", future.result().unwrap());
    println!("result() blocked for {:.1} units", elapsed_units(start));
}
