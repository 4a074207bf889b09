//! Waiting for every task by reading each result; submitting never blocks.
//! Python: `print(123)` right after `submit`, then `for future in [...]: print(future.result())`.

use threads::futures::ThreadPoolExecutor;
use threads::lesson::task;

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future1 = executor.submit(|| task("Mashiro", 16, 5)).unwrap();
    let future2 = executor.submit(|| task("Satori", 16, 2)).unwrap();
    let future3 = executor.submit(|| task("Koishi", 15, 4)).unwrap();
    println!("123");
    for future in [future1, future2, future3] {
        println!("{}", future.result().unwrap());
    }
}
