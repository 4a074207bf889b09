//! count: every model x K tasks in {1, 2, cores, 4 x cores}, each task `count_to(N)`
//! (N = 100,000,000 unless `BENCH_COUNT_TO` says otherwise). Pools and runtimes are built
//! once, outside the timed part; threads and processes are started inside it, because
//! starting them is what those models do.

use benches::{cores, criterion, env_u64, worker, FLAT};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use workload::CountJob;

fn count(c: &mut Criterion) {
    let to = env_u64("BENCH_COUNT_TO", 100_000_000);
    let cores = cores();
    let mut task_counts = vec![1, 2, cores, 4 * cores];
    task_counts.sort_unstable();
    task_counts.dedup();
    let worker = worker();
    let rayon = pool::build(cores).expect("rayon pool");
    let runtime = async_pool::runtime(cores).expect("tokio runtime");
    let blocking = async_pool::Executor::Blocking;
    let engine = mapreduce::Engine::new(cores);

    let mut group = c.benchmark_group("count");
    group.sampling_mode(FLAT);
    for tasks in task_counts {
        let job = CountJob { tasks, to };
        group.throughput(Throughput::Elements(job.iterations().expect("fits")));
        group.bench_with_input(BenchmarkId::new("serial", tasks), &job, |b, &job| {
            b.iter(|| serial::count(job))
        });
        group.bench_with_input(BenchmarkId::new("threads", tasks), &job, |b, &job| {
            b.iter(|| threads::count(job, cores).expect("threads"))
        });
        group.bench_with_input(BenchmarkId::new("process", tasks), &job, |b, &job| {
            b.iter(|| process::count(job, cores, &worker).expect("process"))
        });
        group.bench_with_input(BenchmarkId::new("pool", tasks), &job, |b, &job| {
            b.iter(|| pool::count_on(&rayon, job).expect("pool"))
        });
        group.bench_with_input(BenchmarkId::new("async", tasks), &job, |b, &job| {
            b.iter(|| async_pool::count_on(&runtime, &blocking, job).expect("async"))
        });
        // The engine starts its workers per run, as the threads model does.
        group.bench_with_input(BenchmarkId::new("mapreduce", tasks), &job, |b, &job| {
            b.iter(|| mapreduce::count(job, &engine).expect("mapreduce"))
        });
    }
    group.finish();
}

criterion_group! { name = benches; config = criterion(); targets = count }
criterion_main!(benches);
