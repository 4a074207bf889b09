//! `shutdown()` waits for the submitted tasks, then the pool takes no more.
//! Python: `executor.shutdown()`, then the three results, then `print(123)`.

use threads::futures::ThreadPoolExecutor;
use threads::lesson::task;

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future1 = executor.submit(|| task("Mashiro", 16, 5)).unwrap();
    let future2 = executor.submit(|| task("Satori", 16, 2)).unwrap();
    let future3 = executor.submit(|| task("Koishi", 15, 4)).unwrap();
    executor.shutdown(true, false);
    println!("{}", future1.result().unwrap());
    println!("{}", future2.result().unwrap());
    println!("{}", future3.result().unwrap());
    println!("123");
    match executor.submit(|| task("Sora", 16, 1)) {
        Ok(_) => println!("accepted after shutdown?"),
        Err(err) => println!("submit after shutdown: {err}"),
    }
}
