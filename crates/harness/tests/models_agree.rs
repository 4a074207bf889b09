//! Every model present, with each algorithm, gives the oracle's totals on random shards, for
//! any chunking and worker count, and the same first error on malformed ones.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;

use harness::models::{Algorithm, Model, Settings};
use proptest::prelude::*;
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions, NgramOutput, Source};
use workload::{oracle, CountJob};

const KEYS: [&str; 9] =
    ["a", "aardvark", "Aardvark", "AARDVARK", "aardvark_NOUN", "ångström", "日本語", "ß", "Ünïcödé_ADJ"];

fn shard() -> impl Strategy<Value = Vec<u8>> {
    let line = (0..KEYS.len(), 1500u32..2009, 0u64..1_000_000_000_000, any::<bool>());
    (prop::collection::vec(line, 0..80), any::<bool>()).prop_map(|(lines, final_newline)| {
        oracle::shard_text(lines.into_iter().map(|(k, y, c, crlf)| (KEYS[k], y, c, crlf)), final_newline)
    })
}

fn chunking() -> impl Strategy<Value = Chunking> {
    // From one byte (a chunk per line) to far larger than any test file.
    prop_oneof![
        Just(Chunking::Auto),
        (1usize..5000).prop_map(|b| Chunking::Bytes(NonZeroUsize::new(b).unwrap())),
        (1usize..100).prop_map(|l| Chunking::Lines(NonZeroUsize::new(l).unwrap())),
    ]
}

fn owned(output: &NgramOutput<'_>) -> BTreeMap<Vec<u8>, u64> {
    output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect()
}

/// The process model's workers are the `harness` binary in worker mode.
fn use_harness_workers() {
    harness::models::set_worker_command(
        process::WorkerCommand::new(env!("CARGO_BIN_EXE_harness")).arg(process::WORKER_ARG),
    );
}

/// The model x algorithm matrix, for inputs held in memory: all of it but the process model's
/// partitioned run, whose child processes read their byte ranges from a file on disk (the
/// process crate's own tests hold it to the oracle on files).
fn cells() -> impl Iterator<Item = (Model, Algorithm)> {
    Model::ALL
        .iter()
        .flat_map(|&m| Algorithm::ALL.iter().map(move |&a| (m, a)))
        .filter(|cell| *cell != (Model::Process, Algorithm::Partitioned))
}

fn run(
    (model, algorithm): (Model, Algorithm),
    files: &[InputFile],
    options: NgramOptions,
    workers: usize,
) -> Result<NgramOutput<'_>, String> {
    use_harness_workers();
    let sources: Vec<Source<'_>> = files.iter().map(InputFile::source).collect();
    model.ngram_with(algorithm, &sources, &options, workers, &Settings::default()).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_model_matches_the_oracle(data in shard(), chunking in chunking(), workers in 1usize..5) {
        let want = oracle::ngram_totals(&data).unwrap();
        let files = [InputFile::from_bytes("shard.tsv", data.clone())];
        for cell in cells() {
            let options = NgramOptions { chunking, skip_malformed: false, ..NgramOptions::default() };
            let output = run(cell, &files, options, workers).unwrap();
            prop_assert_eq!(&owned(&output), &want, "{:?}", cell);
            prop_assert_eq!(output.lines, oracle::line_count(&data));
            prop_assert_eq!(output.bytes, data.len() as u64);
        }
    }

    #[test]
    fn several_files_sum_like_one(a in shard(), b in shard(), chunking in chunking(), workers in 1usize..4) {
        let mut joined = a.clone();
        if !joined.is_empty() && !joined.ends_with(b"\n") {
            joined.push(b'\n');
        }
        joined.extend_from_slice(&b);
        let want = oracle::ngram_totals(&joined).unwrap();
        let files = [InputFile::from_bytes("a.tsv", a), InputFile::from_bytes("b.tsv", b)];
        for cell in cells() {
            let output = run(cell, &files, NgramOptions { chunking, skip_malformed: false, ..NgramOptions::default() }, workers).unwrap();
            prop_assert_eq!(&owned(&output), &want, "{:?}", cell);
        }
    }

    #[test]
    fn every_model_reports_the_first_bad_line(
        data in shard(),
        bad_at in any::<prop::sample::Index>(),
        bad in prop::sample::select(vec!["", "oops", "w\t1900\t-1\t1", "w\t1900\tten\t1", "w\t1\t2\t3\t4", "\t1900\t1\t1"]),
        chunking in chunking(),
        workers in 1usize..5,
    ) {
        // Insert a bad line at a line boundary.
        let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        let at = bad_at.index(lines.len() + 1);
        lines.insert(at, bad.as_bytes());
        let mut corrupt = lines.join(&b'\n');
        corrupt.push(b'\n');
        let bad_line = oracle::ngram_totals(&corrupt).unwrap_err();
        prop_assert_eq!(bad_line, at as u64 + 1);
        let files = [InputFile::from_bytes("bad.tsv", corrupt.clone())];

        let strict = NgramOptions { chunking, skip_malformed: false, ..NgramOptions::default() };
        for cell in cells() {
            let err = run(cell, &files, strict, workers).unwrap_err();
            let prefix = format!("bad.tsv:{bad_line}: ");
            prop_assert!(err.starts_with(&prefix), "{:?}: {}", cell, err);
        }

        // Skipping gives the totals of the file without that line, and counts it.
        let mut clean = lines.clone();
        clean.remove(at);
        let mut clean = clean.join(&b'\n');
        if !clean.is_empty() {
            clean.push(b'\n');
        }
        let want = oracle::ngram_totals(&clean).unwrap();
        let lenient = NgramOptions { chunking, skip_malformed: true, ..NgramOptions::default() };
        for cell in cells() {
            let output = run(cell, &files, lenient, workers).unwrap();
            prop_assert_eq!(&owned(&output), &want, "{:?}", cell);
            prop_assert_eq!(output.skipped, 1);
            prop_assert_eq!(output.first_skipped.as_ref().map(|s| s.line), Some(bad_line));
        }
    }
}

/// A shard written to disk, with some keys longer than the 4 KiB window in which a file's
/// chunk edges are looked for, so lines straddle windows, chunk edges and read buffers.
fn shard_with_long_lines() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        (0..KEYS.len()).prop_map(|k| KEYS[k].to_string()),
        (4000usize..9000).prop_map(|n| "x".repeat(n)),
    ];
    let line = (key, 1500u32..2009, 0u64..1_000_000_000_000, any::<bool>());
    (prop::collection::vec(line, 0..40), any::<bool>()).prop_map(|(lines, final_newline)| {
        oracle::shard_text(lines.iter().map(|(k, y, c, crlf)| (k.as_str(), *y, *c, *crlf)), final_newline)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The partitioned algorithm on a file on disk reads each chunk with `pread` into a
    /// buffer and finds chunk edges by reading the file: on every model (the process model's
    /// children too) the totals, the line count and a bad line's number are the oracle's, for
    /// any chunk size (a line longer than a chunk, or than the edge-finding window; a file
    /// shorter than one chunk).
    #[test]
    fn files_read_in_chunks_match_the_oracle(
        data in shard_with_long_lines(),
        target in 1usize..20_000,
        workers in 1usize..4,
        bad_at in any::<prop::sample::Index>(),
    ) {
        let dir = std::env::temp_dir().join(format!("models-agree-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("shard.tsv");
        std::fs::write(&path, &data).unwrap();
        let files = [InputFile::open(&path).unwrap()];
        let options = NgramOptions { chunking: Chunking::Bytes(NonZeroUsize::new(target).unwrap()), skip_malformed: false, ..NgramOptions::default() };
        let want = oracle::ngram_totals(&data).unwrap();
        for &model in Model::ALL {
            let output = run((model, Algorithm::Partitioned), &files, options, workers).unwrap();
            prop_assert_eq!(&owned(&output), &want, "{:?}", model);
            prop_assert_eq!(output.lines, oracle::line_count(&data));
        }
        // A bad line: named by its number, read through the file like the rest.
        let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        let at = bad_at.index(lines.len() + 1);
        lines.insert(at, b"oops");
        let mut corrupt = lines.join(&b'\n');
        corrupt.push(b'\n');
        let bad = dir.join("bad.tsv");
        std::fs::write(&bad, &corrupt).unwrap();
        let files = [InputFile::open(&bad).unwrap()];
        for &model in Model::ALL {
            let err = run((model, Algorithm::Partitioned), &files, options, workers).unwrap_err();
            let prefix = format!("{}:{}: ", bad.display(), at + 1);
            prop_assert!(err.starts_with(&prefix), "{:?}: {}", model, err);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn every_model_counts_exactly() {
    use_harness_workers();
    for (tasks, to) in [(0, 5), (1, 0), (1, 1), (2, 1000), (3, 12_345), (7, 999)] {
        let job = CountJob { tasks, to };
        for &model in Model::ALL {
            for workers in [1, 2, 3, 8] {
                assert_eq!(
                    model.count(job, workers),
                    Ok(tasks as u64 * to),
                    "{model} {tasks}x{to} on {workers}"
                );
            }
        }
    }
}

#[test]
fn an_overflowing_total_is_an_error_in_every_model() {
    let max = u64::MAX;
    // The two halves land in different chunks, so the overflow shows up while merging.
    let data = format!("big\t1900\t{max}\t1\nother\t1900\t1\t1\nbig\t1901\t1\t1\n").into_bytes();
    let files = [InputFile::from_bytes("big.tsv", data)];
    for cell in cells() {
        for chunking in [Chunking::Auto, Chunking::Lines(NonZeroUsize::MIN)] {
            let err = run(
                cell,
                &files,
                NgramOptions { chunking, skip_malformed: true, ..NgramOptions::default() },
                2,
            )
            .unwrap_err();
            assert!(err.contains("total match_count for \"big\" overflows u64"), "{cell:?}: {err}");
        }
    }
}
