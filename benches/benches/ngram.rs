//! ngram: every model of the registry (`harness::models::Model::ALL`) over the shard in
//! `BENCH_SHARD`, with `Throughput::Bytes` so criterion reports GB/s, through the same entry
//! point as `harness ngram`: each run starts the model's workers and maps the file afresh,
//! so starting and reading are part of the time, as in `harness ngram`. Before timing,
//! every model's answer is checked against the serial one; each record names the data set,
//! keeps its CPU time and how busy the machine was. Every parallel model runs on one worker
//! and on every core.

use std::path::Path;

use benches::{cores, shard, wanted, worker, GroupRun, FLAT, SAMPLES};
use criterion::{BenchmarkId, Criterion, Throughput};
use harness::models::{set_worker_command, Model};
use harness::report::record::{Dataset, Record};
use workload::input::InputFile;
use workload::ngram::NgramOptions;

fn run(path: &Path, model: Model, options: &NgramOptions, workers: usize) -> usize {
    let file = InputFile::open(path).expect("the shard opens");
    let output = model.ngram(&[file.source()], options, workers).unwrap_or_else(|e| panic!("{model}: {e}"));
    output.distinct()
}

pub fn ngram(c: &mut Criterion) {
    if !wanted("ngram") {
        return;
    }
    let path = shard();
    let cores = cores();
    let options = NgramOptions::default();
    set_worker_command(worker());

    // Describe the data set once, and check that every model agrees on it.
    let file = InputFile::open(&path).expect("the shard opens");
    let reference = Model::Serial.ngram(&[file.source()], &options, 1).expect("serial succeeds");
    for &model in Model::ALL {
        assert_eq!(run(&path, model, &options, cores), reference.distinct(), "{model} disagrees with serial");
    }
    let dataset = Dataset {
        // As the user named it (relative to the workspace root), never this machine's
        // absolute path: the report compares it with the other records' and shows it.
        file: Some(std::env::var("BENCH_SHARD").unwrap_or_else(|_| path.display().to_string())),
        lines: Some(reference.lines),
        bytes: Some(reference.bytes),
        distinct: Some(reference.distinct() as u64),
        // `just bench` generates its shard (BENCH_SYNTHETIC=1); a shard given by hand may be real.
        synthetic: Some(std::env::var("BENCH_SYNTHETIC").is_ok_and(|v| v == "1")),
    };
    let bytes = reference.bytes;
    drop(reference);
    drop(file);

    let run_record = GroupRun::new("ngram", SAMPLES);
    let mut group = c.benchmark_group("ngram");
    group.sampling_mode(FLAT);
    group.throughput(Throughput::Bytes(bytes));
    // On one worker and on every core: the report draws what an algorithm buys (one worker)
    // apart from what parallelism adds. Serial runs one loop whatever it is given.
    let mut counts = vec![1, cores];
    counts.dedup();
    for &model in Model::ALL {
        for &workers in counts.iter().filter(|&&w| model != Model::Serial || w == 1) {
            let record = Record {
                algorithm: Some(model.default_algorithm().name().into()),
                workers: Some(workers as u64),
                bytes: dataset.bytes,
                lines: dataset.lines,
                distinct: dataset.distinct,
                dataset: Some(dataset.clone()),
                ..Record::new("ngram", model.name(), "rust", 0.0)
            };
            group.bench_function(BenchmarkId::new(model.name(), workers), |b| {
                run_record.iter(b, &record, || run(&path, model, &options, workers))
            });
        }
    }
    group.finish();
    run_record.finish(Vec::new());
}
