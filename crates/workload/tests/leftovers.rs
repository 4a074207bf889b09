//! An output's temporary file is removed when the run is interrupted (SIGINT, SIGTERM), and
//! the process still ends as the signal says. This test runs itself again as a child, which
//! creates and registers a file, says so on stdout, and waits on stdin; the parent then
//! sends the signal (a pipe, not a sleep, says when).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

const CHILD: &str = "WORKLOAD_LEFTOVERS_TEST_CHILD";

#[test]
fn an_interrupted_run_removes_its_temporary_files() {
    if let Ok(path) = std::env::var(CHILD) {
        let path = std::path::PathBuf::from(path);
        std::fs::write(&path, b"half an output").unwrap();
        let _leftover = workload::leftovers::register(&path);
        println!("ready");
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        return;
    }
    let dir = std::env::temp_dir().join(format!("workload-leftovers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (signal, number) in [("INT", 2), ("TERM", 15)] {
        let path = dir.join(format!(".out.{signal}.partial"));
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "an_interrupted_run_removes_its_temporary_files", "--nocapture"])
            .env(CHILD, &path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(lines.any(|l| l.unwrap() == "ready"), "the child got going");
        assert!(path.exists());
        let sent =
            Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(number), "ended by SIG{signal}: {status:?}");
        assert!(!path.exists(), "SIG{signal} removed the temporary file");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
