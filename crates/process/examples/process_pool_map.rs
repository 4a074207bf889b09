//! `executor.map(count, [1, 3, 5, 22, 100000000])` on worker processes: results in input
//! order. Then the same numbers, largest first, as each completes: the small ones first.

use process::{ProcessPool, Reply, Task, WorkerCommand};

fn value(reply: Reply) -> u64 {
    match reply {
        Reply::Value(v) => v,
        other => panic!("unexpected {other:?}"),
    }
}

fn main() {
    process::worker::serve_if_worker();
    let pool = ProcessPool::new(2, &WorkerCommand::current_exe().unwrap()).unwrap();
    let count = |to| Task::Count { to, times: 1 };
    let ordered: Vec<u64> =
        pool.map([1, 3, 5, 22, 100_000_000].map(count)).into_iter().map(|r| value(r.unwrap())).collect();
    println!("map: {ordered:?}");
    for (_index, reply) in pool.as_completed([100_000_000, 1, 3, 5, 22].map(count)) {
        println!("as completed: {}", value(reply.unwrap()));
    }
}
