//! overhead: what one no-op task costs each mechanism, start to result: a std thread, a
//! scoped thread, a child process, a warm process pool, the std-only ThreadPoolExecutor,
//! rayon, and tokio (`spawn`, `spawn_blocking`). Everything that can be built once is built
//! outside the timed part.

use std::hint::black_box;
use std::sync::mpsc;

use benches::worker;
use criterion::{criterion_group, criterion_main, Criterion};
use process::{Process, ProcessPool, Task};
use threads::futures::ThreadPoolExecutor;

fn overhead(c: &mut Criterion) {
    let worker = worker();
    let noop = Task::Count { to: 0, times: 1 };
    let executor = ThreadPoolExecutor::new(1);
    let process_pool = ProcessPool::new(1, &worker).expect("process pool");
    let rayon = pool::build(1).expect("rayon pool");
    let runtime = async_pool::runtime(1).expect("tokio runtime");

    let mut group = c.benchmark_group("overhead");
    group.bench_function("std thread spawn+join", |b| b.iter(|| std::thread::spawn(|| black_box(1)).join()));
    group.bench_function("scoped thread spawn+join", |b| {
        b.iter(|| std::thread::scope(|s| s.spawn(|| black_box(1)).join().map(black_box)))
    });
    group.bench_function("child process spawn+join", |b| {
        b.iter(|| Process::start(&worker, 0, &noop).expect("start").join(None).expect("join"))
    });
    group.bench_function("process pool apply", |b| b.iter(|| process_pool.apply(&noop).expect("apply")));
    group.bench_function("std-only pool submit", |b| {
        b.iter(|| executor.submit(|| black_box(1)).expect("open").result().expect("result"))
    });
    group.bench_function("rayon spawn", |b| {
        b.iter(|| {
            let (tx, rx) = mpsc::channel();
            rayon.spawn(move || tx.send(black_box(1)).expect("receiver"));
            rx.recv().expect("sender")
        })
    });
    group.bench_function("tokio spawn", |b| {
        b.iter(|| runtime.block_on(async { tokio::spawn(async { black_box(1) }).await.expect("task") }))
    });
    group.bench_function("tokio spawn_blocking", |b| {
        b.iter(|| {
            runtime.block_on(async { tokio::task::spawn_blocking(|| black_box(1)).await.expect("task") })
        })
    });
    group.finish();
}

criterion_group! { name = benches; config = benches::criterion().sample_size(20); targets = overhead }
criterion_main!(benches);
