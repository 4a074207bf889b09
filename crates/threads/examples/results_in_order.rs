//! Reading results in submission order: the first (slowest to come) blocks the rest, which
//! then print at once.
//! Python: `for future in futures: print(future.result())`.

use std::time::Instant;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{elapsed_units, task};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let start = Instant::now();
    let futures: Vec<_> =
        [5, 2, 4, 3, 6].map(|n| executor.submit(move || task("Satori", 16, n)).unwrap()).to_vec();
    for future in &futures {
        let result = future.result().unwrap();
        println!("{result}  (at {:.0} units)", elapsed_units(start));
    }
}
