//! chunk_size: the article's Goldilocks question, measured. The process model ships each
//! chunk's bytes to its workers (what pickling does), so tiny chunks drown in per-task cost
//! and huge ones leave workers idle. The curve runs from 16 KiB to 256 MiB chunks; where
//! its bottom lies is the answer. The MapReduce engine, which shares memory instead of
//! shipping bytes, draws the second curve: its per-chunk cost is far smaller.

use std::num::NonZeroUsize;

use benches::{cores, criterion, env_u64, shard, worker, GroupRun, FLAT};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use harness::models::{set_worker_command, Algorithm, Model, Settings};
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions};

fn chunk_size(c: &mut Criterion) {
    let path = shard();
    let cores = cores();
    set_worker_command(worker());
    let shipping_bytes = Settings { ship: process::Ship::Bytes, ..Settings::default() };
    let bytes = std::fs::metadata(&path).expect("the shard").len();
    let smallest = env_u64("BENCH_CHUNK_MIN", 16 << 10);
    let run_record = GroupRun::new("chunk_size");
    let mut group = c.benchmark_group("chunk_size");
    group.sampling_mode(FLAT);
    group.throughput(Throughput::Bytes(bytes));
    let mut size = smallest;
    while size <= 256 << 20 {
        let options = NgramOptions {
            chunking: Chunking::Bytes(NonZeroUsize::new(size as usize).expect("non-zero")),
            skip_malformed: false,
            ..NgramOptions::default()
        };
        group.bench_with_input(BenchmarkId::new("process-bytes", size), &options, |b, options| {
            b.iter(|| {
                let file = InputFile::open(&path).expect("the shard opens");
                let output = Model::Process
                    .ngram_with(Algorithm::Merge, &[file.source()], options, cores, &shipping_bytes)
                    .expect("the model succeeds");
                output.distinct()
            })
        });
        group.bench_with_input(BenchmarkId::new("mapreduce", size), &options, |b, options| {
            b.iter(|| {
                let file = InputFile::open(&path).expect("the shard opens");
                let output =
                    Model::MapReduce.ngram(&[file.source()], options, cores).expect("the engine succeeds");
                output.distinct()
            })
        });
        size *= 4;
    }
    group.finish();
    // Where and when, and how busy the machine was, for the report.
    run_record.finish(serde_json::json!({}));
}

criterion_group! { name = benches; config = criterion(); targets = chunk_size }
criterion_main!(benches);
