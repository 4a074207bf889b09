//! The same counts, largest first, taken as each finishes: the small ones arrive first
//! (what `asyncio.as_completed` gives over `run_in_executor`). rayon: `spawn_fifo` each task,
//! all sending down one channel.

use std::sync::mpsc;

use workload::count_to;

fn main() {
    let pool = pool::build(2).unwrap();
    let numbers = [100_000_000u64, 1, 3, 5, 22];
    let (done, completed) = mpsc::channel();
    for n in numbers {
        let done = done.clone();
        pool.spawn_fifo(move || done.send(count_to(n)).unwrap());
    }
    drop(done);
    for result in completed {
        println!("{result}");
    }
}
