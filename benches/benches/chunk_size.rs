//! chunk_size: the article's Goldilocks question, measured. The process model ships each
//! chunk's bytes to its workers (what pickling does), so tiny chunks drown in per-task cost
//! and huge ones leave workers idle. The curve runs from 16 KiB to 256 MiB chunks; where
//! its bottom lies is the answer. The MapReduce engine, which shares memory instead of
//! shipping bytes, draws the second curve: its per-chunk cost is far smaller. (`just bench`
//! draws this curve with `harness sweep` instead, wider and quicker; this group is for
//! `cargo bench`.)

use std::num::NonZeroUsize;

use benches::{cores, env_u64, shard, wanted, worker, GroupRun, FLAT, SAMPLES};
use criterion::{BenchmarkId, Criterion, Throughput};
use harness::models::{set_worker_command, Algorithm, Model, Settings};
use harness::report::record::Record;
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions};

pub fn chunk_size(c: &mut Criterion) {
    if !wanted("chunk_size") {
        return;
    }
    let path = shard();
    let cores = cores();
    set_worker_command(worker());
    let shipping_bytes = Settings { ship: process::Ship::Bytes, ..Settings::default() };
    let bytes = std::fs::metadata(&path).expect("the shard").len();
    let smallest = env_u64("BENCH_CHUNK_MIN", 16 << 10);
    let run_record = GroupRun::new("chunk_size", SAMPLES);
    let mut group = c.benchmark_group("chunk_size");
    group.sampling_mode(FLAT);
    group.throughput(Throughput::Bytes(bytes));
    let mut size = smallest;
    while size <= 256 << 20 {
        let options = NgramOptions {
            chunking: Chunking::Bytes(NonZeroUsize::new(size as usize).expect("non-zero")),
            ..NgramOptions::default()
        };
        let record = |series: &str, model: Model| Record {
            variant: Some(series.into()),
            workers: Some(cores as u64),
            chunk_bytes: Some(size),
            bytes: Some(bytes),
            ..Record::new("chunk_size", model.name(), "rust", 0.0)
        };
        let process_bytes = record("process-bytes", Model::Process);
        group.bench_with_input(BenchmarkId::new("process-bytes", size), &options, |b, options| {
            run_record.iter(b, &process_bytes, || {
                let file = InputFile::open(&path).expect("the shard opens");
                let output = Model::Process
                    .ngram_with(Algorithm::Merge, &[file.source()], options, cores, &shipping_bytes)
                    .expect("the model succeeds");
                output.distinct()
            })
        });
        let engine = record("mapreduce", Model::MapReduce);
        group.bench_with_input(BenchmarkId::new("mapreduce", size), &options, |b, options| {
            run_record.iter(b, &engine, || {
                let file = InputFile::open(&path).expect("the shard opens");
                let output =
                    Model::MapReduce.ngram(&[file.source()], options, cores).expect("the engine succeeds");
                output.distinct()
            })
        });
        size *= 4;
    }
    group.finish();
    run_record.finish(Vec::new());
}
