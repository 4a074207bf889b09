//! The timely engine in one process, any number of workers, against the oracle; bad lines
//! and skipped lines reported as the other models report them. (Several processes: the
//! harness's `distributed` tests, which start real processes.)

use std::collections::BTreeMap;

use distributed::Cluster;
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions, NgramOutput};
use workload::oracle;

fn file(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("distributed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

fn shard() -> Vec<u8> {
    let keys = ["a", "b", "ångström", "日本", "aardvark_NOUN", "Aardvark", "c", "d"];
    let rows = (0..4000u64)
        .map(|i| (keys[(i * 7 % 13 % 8) as usize], 1800 + (i % 200) as u32, i * 31 % 1000, false));
    oracle::shard_text(rows, true)
}

/// The run on `path` as the harness starts it: the file opened (and identified) once by the
/// caller, then opened again by the engine in every process.
fn run(
    path: &std::path::Path,
    options: &NgramOptions,
    workers: usize,
) -> Result<NgramOutput<'static>, String> {
    let input = InputFile::open(path).map_err(|e| e.to_string())?;
    distributed::ngram(&[input.source()], options, &Cluster::local(workers)).map_err(|e| e.to_string())
}

fn options(bytes: usize, skip: bool) -> NgramOptions {
    NgramOptions {
        chunking: Chunking::Bytes(std::num::NonZeroUsize::new(bytes).unwrap()),
        skip_malformed: skip,
        ..NgramOptions::default()
    }
}

#[test]
fn matches_the_oracle_with_any_number_of_workers() {
    let data = shard();
    let want = oracle::ngram_totals(&data).unwrap();
    let path = file("shard.tsv", &data);
    for workers in [1, 2, 3, 4] {
        let output = run(&path, &options(700, false), workers).unwrap();
        let part = output.cluster.expect("a cluster run says where it stands");
        assert!(part.holds_answer, "process 0 holds the answer");
        let got: BTreeMap<Vec<u8>, u64> = output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(got, want, "{workers} workers");
        assert_eq!((output.lines, output.bytes, output.skipped), (4000, data.len() as u64, 0));
        // One process: nothing crosses a process boundary.
        assert_eq!(output.shipping.map(|s| (s.mode, s.bytes_to_workers)), Some(("exchange", 0)));
        assert_eq!(part.exchanged_records, 0);
    }
}

#[test]
fn bad_and_skipped_lines_name_file_and_line() {
    let mut data = Vec::new();
    for (i, line) in shard().split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        if i == 2500 || i == 3000 {
            data.extend_from_slice(b"w\t1900\tx\t1\n");
        }
        data.extend_from_slice(line);
        data.push(b'\n');
    }
    let path = file("bad.tsv", &data);
    let name = path.display().to_string();
    for workers in [1, 3] {
        let err = run(&path, &options(500, false), workers).unwrap_err();
        assert_eq!(err, format!("{name}:2501: match_count is not a non-negative integer: \"x\""));
        let output = run(&path, &options(500, true), workers).unwrap();
        assert_eq!((output.lines, output.skipped), (4002, 2));
        let first = output.first_skipped.expect("reported");
        assert_eq!((first.file, first.line), (name.clone(), 2501));
    }
}

#[test]
fn refuses_a_file_that_changed_and_input_with_no_path() {
    let data = shard();
    let path = file("changing.tsv", &data);
    let input = InputFile::open(&path).unwrap();
    // Replaced by a rename after the caller read it, as rsync and `harness gen` do.
    let other = file("other.tsv", &data[..data.len() / 2]);
    std::fs::rename(&other, &path).unwrap();
    let err = distributed::ngram(&[input.source()], &options(700, false), &Cluster::local(2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the file changed during the run (replaced or rewritten); run again on a file that stays put",
            path.display()
        )
    );
    let piped = InputFile::from_bytes("-", data);
    let err = distributed::ngram(&[piped.source()], &options(700, false), &Cluster::local(2)).unwrap_err();
    assert!(
        err.to_string().starts_with("-: the timely engine opens its input by path in every process"),
        "{err}"
    );
}
