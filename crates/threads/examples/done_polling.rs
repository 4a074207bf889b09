//! Polling `done()` once a unit until the task has finished.
//! Python: `while True: if future.done(): ... time.sleep(1)`.

use std::thread;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{task, units};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future = executor.submit(|| task("Mashiro", 16, 3)).unwrap();
    // Look half a unit after each whole unit, so no look lands exactly when the task ends
    // (the article's polls at 0, 1, 2, 3 s race with its 3 s task).
    thread::sleep(units(0.5));
    loop {
        if future.done() {
            println!("the task is done: {}", future.done());
            break;
        }
        println!("the task is not done yet: {}", future.done());
        thread::sleep(units(1.0));
    }
}
