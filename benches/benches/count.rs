//! count: every model of the registry (`harness::models::Model::ALL`) x K tasks in
//! {1, 2, cores, 4 x cores}, each task `count_to(N)` (N = 100,000,000 unless
//! `BENCH_COUNT_TO` says otherwise). Each run goes through the same entry point as
//! `harness count`, so a figure here and one from `harness` time the same thing under the
//! same name: each run starts the model's workers (threads, processes, a rayon pool, a tokio
//! runtime) inside the timed part, because starting them is part of what a model costs.
//! `target/criterion/count/run.json` says which N and K set, where and when, how busy the
//! machine was, and each benchmark's CPU time (cores kept busy), for the report.
//! A second group, `count_n`, times one serial task at N/10, N and 4N: the fold check.

use benches::{cores, criterion, env_u64, worker, GroupRun, FLAT};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use harness::models::{set_worker_command, Model};
use workload::CountJob;

fn count(c: &mut Criterion) {
    let to = env_u64("BENCH_COUNT_TO", 100_000_000);
    let cores = cores();
    let mut task_counts = vec![1, 2, cores, 4 * cores];
    task_counts.sort_unstable();
    task_counts.dedup();
    set_worker_command(worker());
    let run_record = GroupRun::new("count");
    let mut group = c.benchmark_group("count");
    group.sampling_mode(FLAT);
    for &tasks in &task_counts {
        let job = CountJob { tasks, to };
        group.throughput(Throughput::Elements(job.iterations().expect("fits")));
        for &model in Model::ALL {
            let id = format!("{}/{tasks}", model.name());
            group.bench_with_input(BenchmarkId::new(model.name(), tasks), &job, |b, &job| {
                run_record.iter(b, &id, || model.count(job, cores).unwrap_or_else(|e| panic!("{model}: {e}")))
            });
        }
    }
    group.finish();
    // Which run this is, for the report: N, the K set, where and when it was measured, how
    // busy the machine was meanwhile, and each benchmark's CPU time.
    run_record.finish(serde_json::json!({"to": to, "tasks": task_counts}));
}

/// The fold check: one serial task counting to N/10, N and 4N. If the compiler had folded
/// the loop into `counter = n`, every size would take the same few nanoseconds; a loop that
/// runs takes four times as long for 4N as for N. The report puts t(4N)/t(N) and the cost
/// per step on the page.
fn fold(c: &mut Criterion) {
    let to = env_u64("BENCH_COUNT_TO", 100_000_000);
    let mut group = c.benchmark_group("count_n");
    group.sampling_mode(FLAT);
    for n in [to / 10, to, 4 * to] {
        let job = CountJob { tasks: 1, to: n };
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::new("serial", n), &job, |b, &job| {
            b.iter(|| Model::Serial.count(job, 1).expect("serial cannot fail"))
        });
    }
    group.finish();
}

criterion_group! { name = benches; config = criterion(); targets = count, fold }
criterion_main!(benches);
