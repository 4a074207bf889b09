//! `map` submits every task at once and yields results in input order.
//! Python: `results = executor.map(task, names, ages, ns)`, `for result in results: print(result)`.

use threads::futures::ThreadPoolExecutor;
use threads::lesson::task;

fn main() {
    let executor = ThreadPoolExecutor::default();
    let people =
        [("Mashiro", 16, 5), ("Satori", 16, 2), ("Koishi", 15, 4), ("Tomoyo", 19, 3), ("Sora", 16, 6)];
    // Python passes one list per parameter; Rust passes one tuple per call.
    let results = executor.map(|(name, age, n)| task(name, age, n), people).unwrap();
    println!("{results:?}");
    for result in results {
        println!("{}", result.unwrap());
    }
}
