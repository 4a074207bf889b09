//! The partitioned algorithm with its map phase in child processes
//! (`process::ngram_partitioned`): the oracle's totals, byte ranges down and partitions back,
//! the first bad line with its full message, and workers that fail reported, not waited for.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;

use process::{ngram_partitioned, WorkerCommand};
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions};
use workload::oracle;
use workload::testing::TwoThreads;

fn worker() -> WorkerCommand {
    WorkerCommand::new(env!("CARGO_BIN_EXE_process-worker"))
}

fn shard() -> Vec<u8> {
    // Keys repeated far apart and in runs, some non-ASCII.
    let keys = ["a", "b", "ångström", "日本", "aardvark_NOUN", "Aardvark"];
    let rows = (0..3000u64)
        .map(|i| (keys[(i * 7 % 13 % 6) as usize], 1800 + (i % 200) as u32, i * 31 % 1000, i % 5 == 0));
    oracle::shard_text(rows, true)
}

/// A file on disk (the workers open it themselves).
fn disk_file(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("process-partitioned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

#[test]
fn child_processes_match_the_oracle_and_report_shipping() {
    let data = shard();
    let want = oracle::ngram_totals(&data).unwrap();
    let path = disk_file("processes.tsv", &data);
    let file = InputFile::open(&path).unwrap();
    for (workers, partitions) in [(1, 1), (2, 0), (3, 7)] {
        let options = NgramOptions {
            chunking: Chunking::Bytes(NonZeroUsize::new(900).unwrap()),
            skip_malformed: false,
            ..NgramOptions::default()
        };
        let output =
            ngram_partitioned(&[file.source()], &options, workers, &worker(), partitions, &TwoThreads)
                .unwrap();
        let got: BTreeMap<Vec<u8>, u64> = output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(got, want, "{workers} workers, {partitions} partitions");
        assert_eq!(output.lines, 3000);
        let phases = output.phases.expect("the partitioned run reports its phases");
        assert_eq!(phases.partitions, if partitions == 0 { 4 * workers } else { partitions });
        let shipping = output.shipping.expect("it says what it shipped");
        assert!(shipping.bytes_to_workers > 0 && shipping.bytes_from_workers > 0);
        // Only byte ranges go down: far less than the input.
        assert!(shipping.bytes_to_workers < data.len() as u64 / 4, "{shipping:?}");
    }
}

#[test]
fn child_processes_report_the_first_bad_line_and_skips() {
    let mut data = Vec::new();
    for (i, line) in shard().split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        if i == 2000 || i == 2500 {
            data.extend_from_slice(b"w\t1900\t-3\t1\n");
        }
        data.extend_from_slice(line);
        data.push(b'\n');
    }
    let path = disk_file("processes-bad.tsv", &data);
    let file = InputFile::open(&path).unwrap();
    let name = path.display().to_string();
    let options = NgramOptions {
        chunking: Chunking::Bytes(NonZeroUsize::new(500).unwrap()),
        skip_malformed: false,
        ..NgramOptions::default()
    };
    for workers in [1, 2, 3] {
        let err =
            ngram_partitioned(&[file.source()], &options, workers, &worker(), 0, &TwoThreads).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{name}:2001: match_count is not a non-negative integer: \"-3\"")
        );
        let skipping = NgramOptions { skip_malformed: true, ..options };
        let output =
            ngram_partitioned(&[file.source()], &skipping, workers, &worker(), 0, &TwoThreads).unwrap();
        assert_eq!((output.lines, output.skipped), (3002, 2));
        let first = output.first_skipped.expect("reported");
        assert_eq!(
            (first.line, first.kind.to_string()),
            (2001, "match_count is not a non-negative integer: \"-3\"".to_string())
        );
    }
}

/// A worker that exits, dies of a signal or answers with garbage is reported with what
/// became of it; data in memory is refused (the workers open files); the real worker works.
#[test]
fn a_failing_worker_is_reported_not_waited_for() {
    let data: Vec<u8> = (0..2000).flat_map(|i| format!("w{}\t1900\t{i}\t1\n", i % 37).into_bytes()).collect();
    let path = disk_file("processes-crash.tsv", &data);
    let file = InputFile::open(&path).unwrap();
    let options = NgramOptions::default();
    let sh = |script: &str| WorkerCommand::new("sh").arg("-c").arg(script);
    let err = ngram_partitioned(&[file.source()], &options, 2, &WorkerCommand::new("false"), 0, &TwoThreads)
        .unwrap_err();
    assert!(err.to_string().contains("exit status 1"), "{err}");
    let err =
        ngram_partitioned(&[file.source()], &options, 2, &sh("kill -9 $$"), 0, &TwoThreads).unwrap_err();
    assert!(err.to_string().contains("killed by signal 9"), "{err}");
    let err = ngram_partitioned(
        &[file.source()],
        &options,
        2,
        &sh("cat > /dev/null & echo nonsense"),
        0,
        &TwoThreads,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("(pid ") && err.contains("not a protocol frame"), "{err}");
    let memory = InputFile::from_bytes("memory.tsv", data.clone());
    let err = ngram_partitioned(&[memory.source()], &options, 2, &worker(), 0, &TwoThreads).unwrap_err();
    assert!(err.to_string().contains("needs files on disk"), "{err}");
    let output = ngram_partitioned(&[file.source()], &options, 2, &worker(), 0, &TwoThreads).unwrap();
    assert_eq!((output.lines, output.distinct()), (2000, 37));
}

/// Workers open the input again by its path. A file replaced under that name during the run
/// (as rsync and `harness gen` replace files: write another, rename it over) is not the file
/// the parent read: both algorithms refuse it instead of mixing its counts with the parent's
/// keys.
#[test]
fn a_file_replaced_during_the_run_is_an_error_not_a_mixed_answer() {
    let data = shard();
    let path = disk_file("replaced.tsv", &data);
    let file = InputFile::open(&path).unwrap(); // what the parent reads
    let other: Vec<u8> = data.iter().map(|&b| if b == b'a' { b'b' } else { b }).collect();
    let replacement = disk_file("replaced.tsv.new", &other);
    std::fs::rename(&replacement, &path).unwrap();
    let options = NgramOptions::default();
    let merged = process::ngram(&[file.source()], &options, 2, &worker(), process::Ship::Range).unwrap_err();
    assert!(merged.to_string().contains("replaced.tsv: the file changed during the run"), "{merged}");
    let partitioned =
        ngram_partitioned(&[file.source()], &options, 2, &worker(), 0, &TwoThreads).unwrap_err();
    assert!(
        partitioned.to_string().contains("replaced.tsv: the file changed during the run"),
        "{partitioned}"
    );
    // Opened again, it is the file on disk now, and both run.
    let now = InputFile::open(&path).unwrap();
    let output = ngram_partitioned(&[now.source()], &options, 2, &worker(), 0, &TwoThreads).unwrap();
    assert_eq!(output.lines, 3000);
}

/// What MapReduce is known for: a worker lost during the map phase (killed, or stopped and
/// silent past its worker timeout) is replaced, its share of the chunks is mapped again on a
/// new worker, and the totals are still exact. The test hook makes exactly the first worker
/// to start its share die (or stop itself), whichever that is.
#[test]
fn a_lost_worker_s_share_is_mapped_again_and_the_totals_are_exact() {
    let data = shard();
    let want = oracle::ngram_totals(&data).unwrap();
    let path = disk_file("rerun.tsv", &data);
    let file = InputFile::open(&path).unwrap();
    let options = NgramOptions {
        chunking: Chunking::Bytes(NonZeroUsize::new(900).unwrap()),
        skip_malformed: false,
        ..NgramOptions::default()
    };
    for (fault, why) in
        [("die", "died before replying: killed by signal 6 (SIGABRT)"), ("stop", "sent nothing")]
    {
        let marker = path.with_extension(fault);
        let _ = std::fs::remove_file(&marker);
        let hooked = WorkerCommand::new("sh")
            .arg("-c")
            .arg(format!("PROCESS_WORKER_FAULT_ONCE={fault}:{} exec \"$0\"", marker.display()))
            .arg(env!("CARGO_BIN_EXE_process-worker"))
            .with_worker_timeout(std::time::Duration::from_secs(1));
        let output = ngram_partitioned(&[file.source()], &options, 2, &hooked, 0, &TwoThreads).unwrap();
        assert!(marker.exists(), "the hook fired");
        let got: BTreeMap<Vec<u8>, u64> = output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(got, want, "exact after a worker was lost ({fault})");
        assert_eq!(output.reruns.len(), 1, "{:?}", output.reruns);
        let rerun = &output.reruns[0];
        assert!(rerun.why.contains(why), "{fault}: {}", rerun.why);
        // Chunk i belongs to worker i mod 2: either share is about half the plan.
        let plan = workload::ngram::plan_chunks(&[file.source()], options.chunking).len() as u64;
        assert!(rerun.tasks == plan / 2 || rerun.tasks == plan.div_ceil(2), "{} of {plan}", rerun.tasks);
    }
    // A worker that dies every time is rerun a bounded number of times, then reported.
    let always = WorkerCommand::new("sh").arg("-c").arg("kill -9 $$");
    let err = ngram_partitioned(&[file.source()], &options, 2, &always, 0, &TwoThreads).unwrap_err();
    assert!(err.to_string().contains("killed by signal 9"), "{err}");
}
