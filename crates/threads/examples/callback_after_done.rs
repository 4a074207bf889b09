//! A callback added after the task finished runs at once.
//! Python: `time.sleep(5)` then `future.add_done_callback(callback)`.

use std::thread;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{task, units};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future = executor.submit(|| task("Satori", 16, 3)).unwrap();
    thread::sleep(units(5.0));
    println!("done before the callback is added: {}", future.done());
    future.add_done_callback(|f| println!("callback ran at once: {}", f.result().unwrap()));
}
