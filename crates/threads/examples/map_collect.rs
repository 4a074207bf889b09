//! Collecting every result of `map` at once: it takes as long as the slowest task.
//! Python: `pprint.pprint(list(results))`.

use std::time::Instant;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{elapsed_units, task};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let people =
        [("Mashiro", 16, 5), ("Satori", 16, 2), ("Koishi", 15, 4), ("Tomoyo", 19, 3), ("Sora", 16, 6)];
    let start = Instant::now();
    let results = executor.map(|(name, age, n)| task(name, age, n), people).unwrap();
    let all: Result<Vec<String>, _> = results.collect();
    println!("{:#?}", all.unwrap());
    println!("total: {:.0} units (the slowest task)", elapsed_units(start));
}
