//! `pool.apply_async(...)` returns at once; `.get()` blocks for the answer, in the order you
//! ask, and `.get(timeout)` gives up after a while without stopping the task.

use std::time::Duration;

use process::{ProcessPool, Task, WorkerCommand};

fn main() {
    process::worker::serve_if_worker();
    let pool = ProcessPool::new(2, &WorkerCommand::current_exe().unwrap()).unwrap();
    let mut hi1_async = pool.apply_async(&Task::Hello { name: "satori".into() });
    let mut hi2_async = pool.apply_async(&Task::Hello { name: "koishi".into() });
    println!("{:?}", hi1_async.get(None).unwrap());
    println!("{:?}", hi2_async.get(None).unwrap());

    let mut slow = pool.apply_async(&Task::Sleep { millis: 300, value: 10 });
    match slow.get(Some(Duration::from_millis(10))) {
        Ok(reply) => println!("unexpectedly early: {reply:?}"),
        Err(err) => println!("get(timeout=10ms): {err}"),
    }
    println!("get(): {:?}", slow.get(None).unwrap());
}
