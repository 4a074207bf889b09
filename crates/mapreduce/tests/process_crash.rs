//! Workers of the process executor that fail. In its own test binary: the worker command is
//! process-wide, and these tests replace it.

use mapreduce::{Engine, Executor};
use workload::input::InputFile;
use workload::ngram::NgramOptions;

fn shard() -> Vec<u8> {
    (0..2000).flat_map(|i| format!("w{}\t1900\t{i}\t1\n", i % 37).into_bytes()).collect()
}

fn disk_file(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mapreduce-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

#[test]
fn a_crashing_worker_is_reported_not_waited_for() {
    let path = disk_file("processes-crash.tsv", &shard());
    let file = InputFile::open(&path).unwrap();
    let engine = Engine { workers: 2, partitions: 0, executor: Executor::Processes };
    // `false` exits at once with status 1, having read nothing; `sh -c 'kill -9 $$'` dies
    // of a signal.
    for (program, args) in [("false", vec![]), ("sh", vec!["-c".to_string(), "kill -9 $$".to_string()])] {
        mapreduce::set_worker_command(program, args);
        let err =
            mapreduce::ngram(&[file.source()], &NgramOptions::default(), &engine).unwrap_err().to_string();
        assert!(err.contains("worker 0 failed") && err.contains("exited with"), "{err}");
    }
    // A worker that answers with garbage.
    mapreduce::set_worker_command("sh", vec!["-c".to_string(), "cat > /dev/null; echo nonsense".to_string()]);
    let err = mapreduce::ngram(&[file.source()], &NgramOptions::default(), &engine).unwrap_err().to_string();
    assert!(err.contains("reply that cannot be read"), "{err}");
    // In-memory data cannot go to processes that open files.
    mapreduce::set_worker_command(env!("CARGO_BIN_EXE_mapreduce-worker"), Vec::new());
    let memory = InputFile::from_bytes("memory.tsv", shard());
    let err = mapreduce::ngram(&[memory.source()], &NgramOptions::default(), &engine).unwrap_err();
    assert!(err.to_string().contains("needs files on disk"), "{err}");
    // And the real worker still works.
    let output = mapreduce::ngram(&[file.source()], &NgramOptions::default(), &engine).unwrap();
    assert_eq!((output.lines, output.distinct()), (2000, 37));
}
