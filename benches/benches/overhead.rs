//! overhead: what one no-op task costs each mechanism, measured two ways, each named for
//! exactly what it times:
//!
//! - **from idle**: one task, start to result, with the mechanism idle before it (the latency
//!   a lone request sees: it includes waking a sleeping thread or process);
//! - **per task in a batch**: many tasks submitted at once, then all results taken, divided
//!   by their number (the throughput a full queue sees: wake-ups are shared).
//!
//! Mechanisms: a std thread, a scoped thread, a child process, a warm process pool, the
//! std-only ThreadPoolExecutor, rayon, and tokio (`spawn` from inside the runtime,
//! `spawn_blocking`). Everything that can be built once is built outside the timed part.

use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use benches::{wanted, worker, GroupRun};
use criterion::Criterion;
use harness::report::record::Record;
use process::{Process, ProcessPool, Task};
use threads::futures::ThreadPoolExecutor;

/// Tasks per batch for the in-process mechanisms; processes take fewer (each costs ms).
const BATCH: u32 = 1000;
const PROCESS_BATCH: u32 = 20;

/// Samples per mechanism: these runs are microseconds, so more of them cost little.
pub const OVERHEAD_SAMPLES: usize = 20;

/// Times `batch` once per iteration and reports the time per task.
fn per_task(iters: u64, tasks: u32, mut batch: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        batch();
    }
    started.elapsed() / tasks
}

pub fn overhead(c: &mut Criterion) {
    if !wanted("overhead") {
        return;
    }
    let worker = worker();
    let noop = Task::Count { to: 0, times: 1 };
    let executor = ThreadPoolExecutor::new(1);
    let process_pool = ProcessPool::new(1, &worker).expect("process pool");
    let rayon = pool::build(1).expect("rayon pool");
    let runtime = async_pool::runtime(1).expect("tokio runtime");

    let run_record = GroupRun::new("overhead", OVERHEAD_SAMPLES);
    let mechanism = |name: &str| Record::new("overhead", name, "rust", 0.0);
    let mut group = c.benchmark_group("overhead");
    // From idle: one task at a time.
    group.bench_function("std thread spawn+join, from idle", |b| {
        run_record.iter(b, &mechanism("std thread spawn+join, from idle"), || {
            std::thread::spawn(|| black_box(1)).join()
        })
    });
    group.bench_function("scoped thread spawn+join, from idle", |b| {
        run_record.iter(b, &mechanism("scoped thread spawn+join, from idle"), || {
            std::thread::scope(|s| s.spawn(|| black_box(1)).join().map(black_box))
        })
    });
    group.bench_function("child process spawn+join, from idle", |b| {
        run_record.iter(b, &mechanism("child process spawn+join, from idle"), || {
            Process::start(&worker, 0, &noop).expect("start").join(None).expect("join")
        })
    });
    group.bench_function("process pool apply, from idle", |b| {
        run_record.iter(b, &mechanism("process pool apply, from idle"), || {
            process_pool.apply(&noop).expect("apply")
        })
    });
    group.bench_function("std-only pool submit+result, from idle", |b| {
        run_record.iter(b, &mechanism("std-only pool submit+result, from idle"), || {
            executor.submit(|| black_box(1)).expect("open").result().expect("result")
        })
    });
    let (reply, replies) = mpsc::channel();
    group.bench_function("rayon spawn, reply on a channel, from idle", |b| {
        run_record.iter(b, &mechanism("rayon spawn, reply on a channel, from idle"), || {
            let reply = reply.clone();
            rayon.spawn(move || reply.send(black_box(1)).expect("receiver"));
            replies.recv().expect("sender")
        })
    });
    group.bench_function("tokio spawn+await inside the runtime, from idle", |b| {
        run_record.iter_custom(b, &mechanism("tokio spawn+await inside the runtime, from idle"), |iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    tokio::spawn(async { black_box(1) }).await.expect("task");
                }
                started.elapsed()
            })
        })
    });
    group.bench_function("tokio spawn_blocking+await, from idle", |b| {
        run_record.iter_custom(b, &mechanism("tokio spawn_blocking+await, from idle"), |iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    tokio::task::spawn_blocking(|| black_box(1)).await.expect("task");
                }
                started.elapsed()
            })
        })
    });

    // Per task in a batch: all submitted, then all results taken.
    group.bench_function(format!("std thread spawn+join, per task in a batch of {BATCH}"), |b| {
        run_record.iter_custom(
            b,
            &mechanism(&format!("std thread spawn+join, per task in a batch of {BATCH}")),
            |iters| {
                per_task(iters, BATCH, || {
                    let handles: Vec<_> = (0..BATCH).map(|_| std::thread::spawn(|| black_box(1))).collect();
                    handles.into_iter().for_each(|h| drop(h.join()));
                })
            },
        )
    });
    group.bench_function(format!("child process spawn+join, per task in a batch of {PROCESS_BATCH}"), |b| {
        run_record.iter_custom(
            b,
            &mechanism(&format!("child process spawn+join, per task in a batch of {PROCESS_BATCH}")),
            |iters| {
                per_task(iters, PROCESS_BATCH, || {
                    let started: Vec<_> = (0..PROCESS_BATCH)
                        .map(|i| Process::start(&worker, i as usize, &noop).expect("start"))
                        .collect();
                    started.into_iter().for_each(|p| drop(p.join(None).expect("join")));
                })
            },
        )
    });
    group.bench_function(format!("process pool apply_async, per task in a batch of {BATCH}"), |b| {
        run_record.iter_custom(
            b,
            &mechanism(&format!("process pool apply_async, per task in a batch of {BATCH}")),
            |iters| {
                per_task(iters, BATCH, || {
                    let pending: Vec<_> = (0..BATCH).map(|_| process_pool.apply_async(&noop)).collect();
                    pending.into_iter().for_each(|mut p| drop(p.get(None).expect("get")));
                })
            },
        )
    });
    group.bench_function(format!("std-only pool submit+result, per task in a batch of {BATCH}"), |b| {
        run_record.iter_custom(
            b,
            &mechanism(&format!("std-only pool submit+result, per task in a batch of {BATCH}")),
            |iters| {
                per_task(iters, BATCH, || {
                    let futures: Vec<_> =
                        (0..BATCH).map(|_| executor.submit(|| black_box(1)).expect("open")).collect();
                    futures.into_iter().for_each(|f| {
                        black_box(f.result().expect("result"));
                    });
                })
            },
        )
    });
    group.bench_function(format!("rayon spawn in a scope, per task in a batch of {BATCH}"), |b| {
        run_record.iter_custom(
            b,
            &mechanism(&format!("rayon spawn in a scope, per task in a batch of {BATCH}")),
            |iters| {
                per_task(iters, BATCH, || {
                    rayon.scope(|s| {
                        (0..BATCH).for_each(|_| {
                            s.spawn(|_| {
                                black_box(1);
                            })
                        })
                    });
                })
            },
        )
    });
    group.bench_function(
        format!("tokio spawn+await inside the runtime, per task in a batch of {BATCH}"),
        |b| {
            run_record.iter_custom(
                b,
                &mechanism(&format!("tokio spawn+await inside the runtime, per task in a batch of {BATCH}")),
                |iters| {
                    runtime.block_on(async {
                        per_task_async(iters, BATCH, || async {
                            let tasks: Vec<_> =
                                (0..BATCH).map(|_| tokio::spawn(async { black_box(1) })).collect();
                            for task in tasks {
                                task.await.expect("task");
                            }
                        })
                        .await
                    })
                },
            )
        },
    );
    group.bench_function(format!("tokio spawn_blocking+await, per task in a batch of {BATCH}"), |b| {
        run_record.iter_custom(
            b,
            &mechanism(&format!("tokio spawn_blocking+await, per task in a batch of {BATCH}")),
            |iters| {
                runtime.block_on(async {
                    per_task_async(iters, BATCH, || async {
                        let tasks: Vec<_> =
                            (0..BATCH).map(|_| tokio::task::spawn_blocking(|| black_box(1))).collect();
                        for task in tasks {
                            task.await.expect("task");
                        }
                    })
                    .await
                })
            },
        )
    });
    group.finish();
    // Where and when, how busy the machine was, and the event loop's heartbeat, for the report.
    run_record.finish(heartbeats());
}

/// The article's warning about CPU work on an event loop, in Rust: a heartbeat every 10 ms
/// on a one-thread tokio runtime while one count runs inline on it and while it runs through
/// `spawn_blocking` (`run_in_executor`). Three runs each; the run with the median worst
/// lateness, and the least and most worst lateness. The count is ten times N (at least 1e9
/// steps, a few hundred ms), long enough for tens of beats.
fn heartbeats() -> Vec<Record> {
    let to = benches::env_u64("BENCH_COUNT_TO", 100_000_000).saturating_mul(10).max(1_000_000_000);
    let period = Duration::from_millis(10);
    let placements =
        [(async_pool::Placement::Inline, "inline"), (async_pool::Placement::Offloaded, "spawn_blocking")];
    placements
        .into_iter()
        .map(|(placement, name)| {
            let mut runs: Vec<async_pool::Heartbeat> = (0..3)
                .map(|_| async_pool::heartbeat(placement, period, move || workload::count_to(to)))
                .collect();
            runs.sort_by_key(|r| r.max_late);
            let median = &runs[runs.len() / 2];
            Record {
                variant: Some(name.into()),
                placement: Some(name.into()),
                to: Some(to),
                period_s: Some(period.as_secs_f64()),
                work_s: Some(median.work.as_secs_f64()),
                beats: Some(median.ticks_during_work),
                worst_late_s: Some(median.max_late.as_secs_f64()),
                worst_late_min_s: Some(runs[0].max_late.as_secs_f64()),
                worst_late_max_s: Some(runs[runs.len() - 1].max_late.as_secs_f64()),
                runs: Some(runs.len() as u64),
                ..Record::new("heartbeat", "async", "rust", median.work.as_secs_f64())
            }
        })
        .collect()
}

/// [`per_task`] for a batch that is awaited inside the runtime.
async fn per_task_async<F: std::future::Future<Output = ()>>(
    iters: u64,
    tasks: u32,
    mut batch: impl FnMut() -> F,
) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        batch().await;
    }
    started.elapsed() / tasks
}
