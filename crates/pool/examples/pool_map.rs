//! `executor.map(count, [1, 3, 5, 22, 100000000])`: results come back in input order.
//! rayon: `par_iter().map(..).collect()` keeps the order of its input.

use std::time::Instant;

use rayon::prelude::*;
use workload::count_to;

fn main() {
    let pool = pool::build(2).unwrap();
    let numbers = [1u64, 3, 5, 22, 100_000_000];
    let results: Vec<(u64, f64)> = pool.install(|| {
        numbers
            .par_iter()
            .map(|&n| {
                let start = Instant::now();
                (count_to(n), start.elapsed().as_secs_f64())
            })
            .collect()
    });
    for (result, seconds) in results {
        println!("{result} (counted in {seconds:.6} s)");
    }
}
