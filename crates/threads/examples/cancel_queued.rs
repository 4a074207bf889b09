//! `cancel` only works on a task still waiting in the queue.
//! Python: `future3.cancel()` is False with free workers, True with `max_workers=2`.

use std::thread;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::units;

/// Sleeps `n` units, then says so (the article's task prints `sleep n`).
fn task(n: u32) {
    thread::sleep(units(f64::from(n)));
    println!("sleep {n}");
}

fn main() {
    // Enough workers: the third task starts at once, so it is too late to cancel it.
    {
        let executor = ThreadPoolExecutor::default();
        executor.submit(|| task(5)).unwrap();
        executor.submit(|| task(2)).unwrap();
        let future3 = executor.submit(|| task(4)).unwrap();
        while !future3.running() {
            thread::yield_now(); // until a worker has taken it
        }
        println!("cancel with free workers: {}", future3.cancel());
    } // waits for all three

    // Two workers: the third task waits in the queue, so it can be cancelled.
    let executor = ThreadPoolExecutor::new(2);
    executor.submit(|| task(5)).unwrap();
    executor.submit(|| task(2)).unwrap();
    let future3 = executor.submit(|| task(4)).unwrap();
    println!("cancel with max_workers=2: {}", future3.cancel());
    drop(executor); // waits for the two that run; "sleep 4" never prints
}
