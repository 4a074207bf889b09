//! `with Pool() as pool: pool.apply(say_hello, ("satori",))`: runs in a worker process and
//! blocks until the answer is back.

use process::{ProcessPool, Reply, Task, WorkerCommand};

fn main() {
    process::worker::serve_if_worker();
    let pool = ProcessPool::new(2, &WorkerCommand::current_exe().unwrap()).unwrap();
    for name in ["satori", "koishi"] {
        // A closure cannot cross into another process; a task naming the function can.
        let Reply::Text(hi) = pool.apply(&Task::Hello { name: name.into() }).unwrap() else { unreachable!() };
        println!("{hi}");
    }
}
