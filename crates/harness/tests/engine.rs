//! The MapReduce engine through the registry (`--model mapreduce`), against the oracle with
//! both in-process executors and any number of partitions, over files and `.gz` streams;
//! errors are the first in the input; the phases are all reported.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;

use harness::models::{Algorithm, EngineExecutor, Model, Settings};
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions, NgramOutput, Source};
use workload::{oracle, CountJob, NgramError};

/// The engine's settings and workers for one run.
#[derive(Debug, Clone, Copy)]
struct Engine {
    workers: usize,
    partitions: usize,
    executor: EngineExecutor,
}

impl Engine {
    fn settings(&self) -> Settings {
        Settings { executor: self.executor, partitions: self.partitions, ..Settings::default() }
    }

    fn ngram<'a>(
        &self,
        sources: &[Source<'a>],
        options: &NgramOptions,
    ) -> Result<NgramOutput<'a>, NgramError> {
        Model::MapReduce.ngram_with(Algorithm::Partitioned, sources, options, self.workers, &self.settings())
    }

    fn ngram_stream(
        &self,
        streams: Vec<mapreduce::Stream>,
        options: &NgramOptions,
    ) -> Result<NgramOutput<'static>, NgramError> {
        Model::MapReduce.ngram_streams(
            Algorithm::Partitioned,
            streams,
            options,
            self.workers,
            &self.settings(),
        )
    }
}

fn shard() -> Vec<u8> {
    // Keys repeated far apart and in runs, some non-ASCII.
    let keys = ["a", "b", "ångström", "日本", "aardvark_NOUN", "Aardvark"];
    let rows = (0..3000u64)
        .map(|i| (keys[(i * 7 % 13 % 6) as usize], 1800 + (i % 200) as u32, i * 31 % 1000, i % 5 == 0));
    oracle::shard_text(rows, true)
}

fn engines() -> Vec<Engine> {
    let mut out = Vec::new();
    for executor in [EngineExecutor::Rayon, EngineExecutor::Threads] {
        for (workers, partitions) in [(1, 1), (2, 0), (2, 3), (3, 16)] {
            out.push(Engine { workers, partitions, executor });
        }
    }
    out
}

#[test]
fn matches_the_oracle_with_every_executor_and_partitioning() {
    let data = shard();
    let want = oracle::ngram_totals(&data).unwrap();
    let file = InputFile::from_bytes("shard.tsv", data.clone());
    for engine in engines() {
        for chunking in [Chunking::Auto, Chunking::Bytes(NonZeroUsize::new(777).unwrap())] {
            let output = engine
                .ngram(
                    &[file.source()],
                    &NgramOptions { chunking, skip_malformed: false, ..NgramOptions::default() },
                )
                .unwrap();
            let got: BTreeMap<Vec<u8>, u64> = output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
            assert_eq!(got, want, "{engine:?} {chunking:?}");
            assert_eq!(output.lines, 3000);
            let phases = output.phases.expect("the engine reports its phases");
            let expected_partitions =
                if engine.partitions == 0 { 4 * engine.workers } else { engine.partitions };
            assert_eq!(phases.partitions, expected_partitions);
            assert!(phases.map_s > 0.0 && phases.reduce_s >= 0.0 && phases.collect_s >= 0.0);
        }
    }
}

#[test]
fn the_first_bad_line_is_reported_whatever_the_executor() {
    let mut data = shard();
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let bad_at = 2000;
    let mut corrupt = Vec::new();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        if i == bad_at || i == 2500 {
            corrupt.extend_from_slice(b"not a line\n");
        }
        corrupt.extend_from_slice(line);
        corrupt.push(b'\n');
    }
    data = corrupt;
    let file = InputFile::from_bytes("bad.tsv", data);
    let options = NgramOptions {
        chunking: Chunking::Bytes(NonZeroUsize::new(500).unwrap()),
        skip_malformed: false,
        ..NgramOptions::default()
    };
    for engine in engines() {
        let err = engine.ngram(&[file.source()], &options).unwrap_err();
        assert_eq!(err.to_string(), "bad.tsv:2001: expected 4 tab-separated fields, found 1", "{engine:?}");
    }
}

#[test]
fn counts_through_the_engine() {
    for engine in engines() {
        let runner =
            Model::MapReduce.runner(engine.workers, &engine.settings()).unwrap().expect("in process");
        assert_eq!(CountJob { tasks: 5, to: 1000 }.run_on(&*runner), Ok(5000), "{engine:?}");
        assert_eq!(CountJob { tasks: 0, to: 1000 }.run_on(&*runner), Ok(0));
    }
}

/// Writes `data` gzip-compressed (in two gzip members, as concatenated .gz files are) to a
/// fresh file named `name` and returns its path.
fn gz_file(name: &str, data: &[u8]) -> std::path::PathBuf {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("harness-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut out = Vec::new();
    let half = data.len() / 2;
    for part in [&data[..half], &data[half..]] {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(part).unwrap();
        out.extend(enc.finish().unwrap());
    }
    std::fs::write(&path, out).unwrap();
    path
}

fn stream(path: &std::path::Path) -> Vec<mapreduce::Stream> {
    let reader = workload::input::open_stream(path).unwrap();
    vec![mapreduce::Stream { name: path.display().to_string(), reader }]
}

#[test]
fn gzip_streams_match_the_oracle() {
    let data = shard();
    let want = oracle::ngram_totals(&data).unwrap();
    let path = gz_file("shard.tsv.gz", &data);
    for engine in engines() {
        for bytes in [100, 777, 1 << 20] {
            let options = NgramOptions {
                chunking: Chunking::Bytes(NonZeroUsize::new(bytes).unwrap()),
                skip_malformed: false,
                ..NgramOptions::default()
            };
            let output = engine.ngram_stream(stream(&path), &options).unwrap();
            let got: BTreeMap<Vec<u8>, u64> = output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
            assert_eq!(got, want, "{engine:?} {bytes}");
            assert_eq!((output.lines, output.bytes), (3000, data.len() as u64));
        }
    }
    // The other models read a .gz whole, decompressed.
    let file = InputFile::open(&path).unwrap();
    assert_eq!(file.bytes(), &data[..]);
}

#[test]
fn gzip_streams_report_the_first_bad_line_and_skips() {
    let mut data = Vec::new();
    for (i, line) in shard().split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        if i == 2000 || i == 2500 {
            data.extend_from_slice(b"not a line\n");
        }
        data.extend_from_slice(line);
        data.push(b'\n');
    }
    let path = gz_file("bad.tsv.gz", &data);
    let name = path.display().to_string();
    for engine in engines() {
        let options = NgramOptions {
            chunking: Chunking::Bytes(NonZeroUsize::new(500).unwrap()),
            skip_malformed: false,
            ..NgramOptions::default()
        };
        let err = engine.ngram_stream(stream(&path), &options).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{name}:2001: expected 4 tab-separated fields, found 1"),
            "{engine:?}"
        );
        let skipping = NgramOptions { skip_malformed: true, ..options };
        let output = engine.ngram_stream(stream(&path), &skipping).unwrap();
        assert_eq!((output.lines, output.skipped), (3002, 2));
        let first = output.first_skipped.expect("a skipped line is reported");
        assert_eq!((first.file, first.line), (name.clone(), 2001));
    }
}

#[test]
fn corrupt_gzip_is_an_error_naming_the_file() {
    let path = gz_file("corrupt.tsv.gz", &shard());
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 3;
    bytes.truncate(middle);
    std::fs::write(&path, &bytes).unwrap();
    let engine = Engine { workers: 2, partitions: 0, executor: EngineExecutor::Rayon };
    let err = engine.ngram_stream(stream(&path), &NgramOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with(&format!("{}: ", path.display())) && text.contains("gzip"), "{text}");
    let err = InputFile::open(&path).unwrap_err().to_string();
    assert!(err.contains("gzip"), "{err}");
}
