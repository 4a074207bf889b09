//! ngram: every model over the shard in `BENCH_SHARD`, with `Throughput::Bytes` so criterion
//! reports GB/s. Each iteration maps the file afresh, so reading it (page faults) is part of
//! the time, as in `harness ngram`. Before timing, every model's answer is checked against
//! the serial one, and the data set is described in `target/criterion/ngram/dataset.json`
//! for the report.

use std::path::Path;

use benches::{cores, criterion, shard, worker, FLAT};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use workload::input::InputFile;
use workload::ngram::{NgramOptions, NgramOutput, Source};
use workload::NgramError;

type Model<'m> = Box<dyn Fn(&[Source<'_>]) -> Result<usize, NgramError> + 'm>;

fn run(path: &Path, f: impl FnOnce(&[Source<'_>]) -> Result<usize, NgramError>) -> usize {
    let file = InputFile::open(path).expect("the shard opens");
    f(&[file.source()]).expect("the model succeeds")
}

fn ngram(c: &mut Criterion) {
    let path = shard();
    let cores = cores();
    let options = NgramOptions::default();
    let worker = worker();
    let rayon = pool::build(cores).expect("rayon pool");
    let runtime = async_pool::runtime(1).expect("tokio runtime");
    let engine = mapreduce::Engine::new(cores);
    let distinct = |o: NgramOutput<'_>| o.distinct();
    let models: Vec<(&str, Model<'_>)> = vec![
        ("serial", Box::new(|s| serial::ngram(s, &options).map(distinct))),
        ("threads", Box::new(|s| threads::ngram(s, &options, cores).map(distinct))),
        (
            "process",
            Box::new(|s| process::ngram(s, &options, cores, &worker, process::Ship::Range).map(distinct)),
        ),
        ("pool", Box::new(|s| pool::ngram_on(&rayon, s, &options).map(distinct))),
        ("async", Box::new(|s| async_pool::ngram_on(&runtime, &rayon, s, &options).map(distinct))),
        ("mapreduce", Box::new(|s| mapreduce::ngram(s, &options, &engine).map(distinct))),
    ];

    // Describe the data set once, and check that every model agrees on it.
    let file = InputFile::open(&path).expect("the shard opens");
    let reference = serial::ngram(&[file.source()], &options).expect("serial succeeds");
    for (name, model) in &models {
        assert_eq!(run(&path, model), reference.distinct(), "{name} disagrees with serial");
    }
    let dataset = serde_json::json!({
        "file": path.display().to_string(),
        "lines": reference.lines,
        "bytes": reference.bytes,
        "distinct": reference.distinct(),
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion/ngram");
    std::fs::create_dir_all(&out).expect("criterion's folder");
    std::fs::write(out.join("dataset.json"), dataset.to_string()).expect("dataset.json");
    let bytes = reference.bytes;
    drop(reference);
    drop(file);

    let mut group = c.benchmark_group("ngram");
    group.sampling_mode(FLAT);
    group.throughput(Throughput::Bytes(bytes));
    for (name, model) in &models {
        group.bench_function(BenchmarkId::new(*name, cores), |b| b.iter(|| run(&path, model)));
    }
    group.finish();
}

criterion_group! { name = benches; config = criterion(); targets = ngram }
criterion_main!(benches);
