//! Several tasks run at once; their states change as each finishes.
//! Python: three `submit`s, `print(futures)`, `time.sleep(3.5)`, `print(futures)`.

use std::thread;

use threads::futures::ThreadPoolExecutor;
use threads::lesson::{task, units};

fn main() {
    let executor = ThreadPoolExecutor::default();
    let futures: Vec<_> = [3, 4, 1].map(|n| executor.submit(move || task("Satori", 16, n)).unwrap()).to_vec();
    while futures.iter().any(|f| f.state_name() == "pending") {
        thread::yield_now(); // until the workers have picked all three up
    }
    println!("{:?}", futures.iter().map(|f| f.state_name()).collect::<Vec<_>>());
    thread::sleep(units(3.5));
    // The 3- and 1-unit tasks are done; the 4-unit one is still running.
    println!("{:?}", futures.iter().map(|f| f.state_name()).collect::<Vec<_>>());
}
