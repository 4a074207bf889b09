//! `as_completed` hands back each future as it finishes: quickest first.
//! Python: `for future in as_completed(futures): print(future.result())`.

use threads::futures::{as_completed, ThreadPoolExecutor};
use threads::lesson::task;

fn main() {
    let executor = ThreadPoolExecutor::default();
    let people =
        [("Mashiro", 16, 5), ("Satori", 16, 2), ("Koishi", 15, 4), ("Tomoyo", 19, 3), ("Sora", 16, 6)];
    let futures: Vec<_> =
        people.iter().map(|&(name, age, n)| executor.submit(move || task(name, age, n)).unwrap()).collect();
    for future in as_completed(&futures) {
        println!("{}", future.result().unwrap());
    }
}
