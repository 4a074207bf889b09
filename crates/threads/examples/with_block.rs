//! The `with` block: dropping the executor at the end of a scope waits for every task.
//! Python: `with ThreadPoolExecutor() as executor: ...` then the results, then `print(123)`.

use threads::futures::ThreadPoolExecutor;
use threads::lesson::task;

fn main() {
    let (future1, future2, future3) = {
        let executor = ThreadPoolExecutor::default();
        (
            executor.submit(|| task("Mashiro", 16, 5)).unwrap(),
            executor.submit(|| task("Satori", 16, 2)).unwrap(),
            executor.submit(|| task("Koishi", 15, 4)).unwrap(),
        )
    }; // <- the executor is dropped here: shutdown(wait = true)
    println!("all done when the block ends: {}", future1.done() && future2.done() && future3.done());
    println!("{}", future1.result().unwrap());
    println!("{}", future2.result().unwrap());
    println!("{}", future3.result().unwrap());
    println!("123");
}
