//! `submit` returns a future at once; printing it shows the task's state.
//! Python: `future = executor.submit(task, ...)`, `print(future)`.

use std::thread;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{task, units};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future = executor.submit(|| task("Satori", 16, 3)).unwrap();
    // A worker picks the task up within microseconds; wait for that, so the line below is
    // the same on every run.
    while future.state_name() == "pending" {
        thread::yield_now();
    }
    println!("{future:?}");
    // The article sleeps exactly as long as the task, which is a race; one unit of slack
    // makes the answer certain.
    thread::sleep(units(4.0));
    println!("{future:?}");
}
