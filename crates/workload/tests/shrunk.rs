//! A mapped file truncated while it is read: the process ends with one line naming the
//! file and status 1, not with SIGBUS (status 135) and no word. The truncation happens at a
//! controlled point: this test runs itself again as a child process, which maps the file,
//! truncates it, then touches a page past the new end.

use std::process::Command;

const CHILD: &str = "WORKLOAD_SHRUNK_TEST_CHILD";

#[test]
fn a_file_truncated_while_mapped_is_named_not_a_crash() {
    if let Ok(path) = std::env::var(CHILD) {
        let input = workload::input::InputFile::open(std::path::Path::new(&path)).unwrap();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
        let bytes = input.bytes();
        // A page past the new end: the kernel has nothing to put there.
        let touched = unsafe { std::ptr::read_volatile(&bytes[bytes.len() - 1]) };
        println!("read {touched} from a truncated file");
        return;
    }
    let dir = std::env::temp_dir().join(format!("workload-shrunk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shrinks.tsv");
    std::fs::write(&path, "a\t1900\t1\t1\n".repeat(100_000)).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_file_truncated_while_mapped_is_named_not_a_crash", "--nocapture"])
        .env(CHILD, &path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit status 1, not a signal: {:?} {stderr}", out.status);
    assert!(stderr.contains(&workload::shrunk::message(&path.display().to_string())), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("read "), "nothing read past the end");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Read with `pread` (the partitioned map on a file on disk), a file truncated after it was
/// opened is the same one line, as an error (no signal involved), and nothing is counted.
#[test]
fn a_file_truncated_before_it_is_read_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("workload-shrunk-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shrinks.tsv");
    std::fs::write(&path, "a\t1900\t1\t1\n".repeat(100_000)).unwrap();
    let input = workload::input::InputFile::open(&path).unwrap();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(1000).unwrap();
    let options = workload::ngram::NgramOptions::default();
    let result =
        workload::ngram::partitioned::ngram(&workload::testing::TwoThreads, &[input.source()], &options, 0);
    let err = result.map(|o| o.lines).unwrap_err();
    assert_eq!(err.to_string(), workload::shrunk::message(&path.display().to_string()));
    std::fs::remove_dir_all(&dir).unwrap();
}
