//! ngram: every model of the registry (`harness::models::Model::ALL`) over the shard in
//! `BENCH_SHARD`, with `Throughput::Bytes` so criterion reports GB/s, through the same entry
//! point as `harness ngram`: each run starts the model's workers and maps the file afresh,
//! so starting and reading are part of the time, as in `harness ngram`. Before timing,
//! every model's answer is checked against the serial one, and the data set is described in
//! `target/criterion/ngram/dataset.json` for the report; `ngram/run.json` keeps each
//! benchmark's CPU time and how busy the machine was. Every parallel model runs on one
//! worker and on every core.

use std::path::Path;

use benches::{cores, criterion, shard, worker, GroupRun, FLAT};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use harness::models::{set_worker_command, Model};
use workload::input::InputFile;
use workload::ngram::NgramOptions;

fn run(path: &Path, model: Model, options: &NgramOptions, workers: usize) -> usize {
    let file = InputFile::open(path).expect("the shard opens");
    let output = model.ngram(&[file.source()], options, workers).unwrap_or_else(|e| panic!("{model}: {e}"));
    output.distinct()
}

fn ngram(c: &mut Criterion) {
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
    let dataset = serde_json::json!({
        // As the user named it (relative to the workspace root), never this machine's
        // absolute path: the report compares it with the other records' and shows it.
        "file": std::env::var("BENCH_SHARD").unwrap_or_else(|_| path.display().to_string()),
        "lines": reference.lines,
        "bytes": reference.bytes,
        "distinct": reference.distinct(),
        "stamp": harness::machine::stamp(),
        // `just bench` generates its shard (BENCH_SYNTHETIC=1); a shard given by hand may be real.
        "synthetic": std::env::var("BENCH_SYNTHETIC").is_ok_and(|v| v == "1"),
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion/ngram");
    std::fs::create_dir_all(&out).expect("criterion's folder");
    std::fs::write(out.join("dataset.json"), dataset.to_string()).expect("dataset.json");
    let bytes = reference.bytes;
    drop(reference);
    drop(file);

    let run_record = GroupRun::new("ngram");
    let mut group = c.benchmark_group("ngram");
    group.sampling_mode(FLAT);
    group.throughput(Throughput::Bytes(bytes));
    // On one worker and on every core: the report draws what an algorithm buys (one worker)
    // apart from what parallelism adds. Serial runs one loop whatever it is given.
    let mut counts = vec![1, cores];
    counts.dedup();
    for &model in Model::ALL {
        for &workers in counts.iter().filter(|&&w| model != Model::Serial || w == 1) {
            let id = format!("{}/{workers}", model.name());
            group.bench_function(BenchmarkId::new(model.name(), workers), |b| {
                run_record.iter(b, &id, || run(&path, model, &options, workers))
            });
        }
    }
    group.finish();
    // How busy the machine was, and each benchmark's CPU time, for the report.
    run_record.finish(serde_json::json!({}));
}

criterion_group! { name = benches; config = criterion(); targets = ngram }
criterion_main!(benches);
