//! count: every model of the registry (`harness::models::Model::ALL`) x K tasks in
//! {1, 2, cores, 4 x cores}, each task `count_to(N)` (N = 100,000,000 unless
//! `BENCH_COUNT_TO` says otherwise). Each run goes through the same entry point as
//! `harness count`, so a figure here and one from `harness` time the same thing under the
//! same name: each run starts the model's workers (threads, processes, a rayon pool, a tokio
//! runtime) inside the timed part, because starting them is part of what a model costs.
//! Its records say N, K, W, where and when, how busy the machine was, and each benchmark's
//! CPU time (cores kept busy), for the report. (The fold check, N against 4N, is a claim:
//! `harness claims` times it side by side.)

use benches::{cores, env_u64, wanted, worker, GroupRun, FLAT, SAMPLES};
use criterion::{BenchmarkId, Criterion, Throughput};
use harness::models::{set_worker_command, Model};
use harness::report::record::Record;
use workload::CountJob;

pub fn count(c: &mut Criterion) {
    if !wanted("count") {
        return;
    }
    let to = env_u64("BENCH_COUNT_TO", 100_000_000);
    let cores = cores();
    let mut task_counts = vec![1, 2, cores, 4 * cores];
    task_counts.sort_unstable();
    task_counts.dedup();
    set_worker_command(worker());
    let run = GroupRun::new("count", SAMPLES);
    let mut group = c.benchmark_group("count");
    group.sampling_mode(FLAT);
    for &tasks in &task_counts {
        let job = CountJob { tasks, to };
        group.throughput(Throughput::Elements(job.iterations().expect("fits")));
        for &model in Model::ALL {
            let record = Record {
                tasks: Some(tasks as u64),
                to: Some(to),
                workers: Some(model.effective_workers(cores) as u64),
                result: job.expected(),
                ..Record::new("count", model.name(), "rust", 0.0)
            };
            group.bench_with_input(BenchmarkId::new(model.name(), tasks), &job, |b, &job| {
                run.iter(b, &record, || model.count(job, cores).unwrap_or_else(|e| panic!("{model}: {e}")))
            });
        }
    }
    group.finish();
    run.finish(Vec::new());
}
