//! The harness under hostile input (issue 28): each test is one of the cases found when the
//! commands were tried as a hostile user would, named by its number there. Every output is
//! checked before any work and written whole; every child dies with harness; the report
//! draws its inputs or names the bad one in one line; names are printed escaped.
//! (Case 3, a non-Python `--python`, is `cli.rs`'s `python_baselines_are_skipped_without_python`.)
//!
//! `HOSTILE_HARNESS=/path/to/harness` runs these against another build (an older commit's,
//! to see them fail there).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use workload::testing::Scratch;

fn binary() -> PathBuf {
    std::env::var_os("HOSTILE_HARNESS").map_or_else(|| env!("CARGO_BIN_EXE_harness").into(), PathBuf::from)
}

fn harness<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).stdin(Stdio::null());
    command
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Waits for `child` at most `limit`: a hang fails the test (the child is killed) instead of
/// hanging it.
fn finish(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}; stderr: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run_within(mut command: Command, limit: Duration) -> Output {
    finish(command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap(), limit)
}

/// A failure (exit status 1), its message the last line on stderr (after what the scripts
/// said as they ran).
fn last_line_error(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    err.lines().last().unwrap_or_default().to_string()
}

/// A failure with one line on stderr, exit status 1 (not a panic's 101, not a signal).
fn one_line_error(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

fn gen(path: &Path, lines: u64) {
    let out = harness(&["gen", "--lines", &lines.to_string(), "--out"]).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A program that says it is Python 3 and, run on a script, appends `$0 script` to MARKS (in
/// the environment), starts `sleep 300` in the background when `FAKE_CHILD` names a file
/// (adding its pid there), then prints `FAKE_PRINT` (SCRIPT in it replaced by the script's
/// name) and, with `FAKE_HANG` set, waits.
fn fake_python(path: &Path) {
    fake_python_of(path, "3.99.0");
}

fn fake_python_of(path: &Path, version: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        r#"#!/bin/sh
if [ "$1" = "--version" ]; then echo "Python VERSION"; exit 0; fi
echo "$0 $(basename "$1")" >> "$MARKS"
if [ -n "$FAKE_CHILD" ]; then sleep 300 & echo $! >> "$FAKE_CHILD"; fi
printf '%s\n' "$FAKE_PRINT" | sed "s/SCRIPT/$(basename "$1")/"
if [ -n "$FAKE_HANG" ]; then sleep 300; fi
"#
        .replace("VERSION", version),
    )
    .unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

const FAKE_RECORD: &str = r#"{"job":"heartbeat","model":"asyncio","lang":"python","variant":"SCRIPT","elapsed_s":0.5,"python":"fake 3.99"}"#;

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat[stat.rfind(')').unwrap() + 2..].starts_with('Z'))
}

/// Waits (bounded) until `pid` is gone: its killer may still be reaping it.
fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    !alive(pid)
}

#[test]
fn case_01_sweep_refuses_its_input_as_output() {
    let dir = Scratch::new("hostile", "c1");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000);
    let before = std::fs::read(&shard).unwrap();
    let out = harness(&["sweep"]).arg(&shard).args(["--repeat", "1", "--out"]).arg(&shard).output().unwrap();
    let err = one_line_error(&out);
    assert!(err.contains("is also an input"), "{err}");
    assert_eq!(std::fs::read(&shard).unwrap(), before, "the shard is untouched");
}

#[test]
fn case_02_python_refuses_its_shard_a_link_or_a_pipe_before_any_work() {
    let dir = Scratch::new("hostile", "c2");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000);
    let python = dir.path("bin/python");
    fake_python(&python);
    let marks = dir.path("marks");
    std::os::unix::fs::symlink(&shard, dir.path("link.jsonl")).unwrap();
    let fifo = dir.path("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for (out, why) in [
        (shard.clone(), "is also an input"),
        (dir.path("link.jsonl"), "is a symbolic link"),
        (fifo.clone(), "is not a regular file"),
    ] {
        let mut command = harness(&["python", "--python"]);
        command.arg(&python).arg("--shard").arg(&shard).arg("--out").arg(&out);
        command.env("MARKS", &marks).env("FAKE_PRINT", FAKE_RECORD);
        let err = one_line_error(&run_within(command, Duration::from_secs(30)));
        assert!(err.contains(why), "{err}");
        assert!(!marks.exists(), "no script ran");
    }
    assert_eq!(std::fs::read_to_string(&shard).unwrap().lines().count(), 2000);
}

#[test]
fn case_04_json_that_is_not_a_record_is_an_error_and_the_output_stays() {
    let dir = Scratch::new("hostile", "c4");
    let python = dir.path("bin/python");
    fake_python(&python);
    let out_file = dir.path("python.jsonl");
    std::fs::write(&out_file, "earlier\n").unwrap();
    for printed in ["1", "[1,2]", "\"x\"", "{}"] {
        let mut command = harness(&["python", "--python"]);
        command.arg(&python).arg("--out").arg(&out_file);
        command.env("MARKS", dir.path("marks")).env("FAKE_PRINT", printed);
        let err = last_line_error(&run_within(command, Duration::from_secs(30)));
        assert!(
            err.starts_with("heartbeat.py:1: a record that does not fit results.json"),
            "{printed}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "earlier\n", "{printed}");
    }
}

#[test]
fn case_05_the_interpreter_asked_for_is_the_one_that_runs() {
    let dir = Scratch::new("hostile", "c5");
    let python = dir.path("my py/bin/python");
    fake_python(&python);
    // A venv of another interpreter: it must not stand in for the one asked for.
    let venv = dir.path("venv");
    fake_python_of(&venv.join("bin/python"), "3.98.0");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000);
    let marks = dir.path("marks");
    let out_file = dir.path("python.jsonl");
    let mut command = harness(&["python", "--polars", "--python"]);
    command.arg(&python).arg("--venv").arg(&venv).arg("--shard").arg(&shard).arg("--out").arg(&out_file);
    command.env("MARKS", &marks).env("FAKE_PRINT", FAKE_RECORD);
    let out = run_within(command, Duration::from_secs(30));
    assert!(out.status.success(), "{}", stderr(&out));
    let ran = std::fs::read_to_string(&marks).unwrap();
    let scripts: Vec<&str> = ran.lines().collect();
    assert_eq!(
        scripts,
        ["heartbeat.py", "as_completed.py", "mapreduce.py"].map(|s| format!("{} {s}", python.display())),
        "every standard-library script ran on the interpreter asked for: {ran}"
    );
    let records = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(records.lines().count(), 3);
    assert!(records.lines().all(|l| l.contains(r#""python":"fake 3.99""#)), "{records}");
}

#[test]
fn case_06_the_report_writes_beside_and_renames_and_refuses_links() {
    let dir = Scratch::new("hostile", "c6");
    let python = dir.path("python.jsonl");
    std::fs::write(&python, format!("{FAKE_RECORD}\n")).unwrap();
    let reports = dir.path("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(reports.join("results.json"), "previous").unwrap();
    let elsewhere = dir.path("elsewhere.html");
    std::fs::write(&elsewhere, "someone's page").unwrap();
    std::os::unix::fs::symlink(&elsewhere, reports.join("index.html")).unwrap();
    let report = || report_in(&dir);
    let err = one_line_error(&report());
    assert!(err.contains("index.html: is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "someone's page");
    assert_eq!(std::fs::read_to_string(reports.join("results.json")).unwrap(), "previous");
    // Without the link, every file is written whole and nothing temporary is left.
    std::fs::remove_file(reports.join("index.html")).unwrap();
    let out = report();
    assert!(out.status.success(), "{}", stderr(&out));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("results.json")).unwrap()).unwrap();
    assert_eq!(results.as_array().unwrap().len(), 1);
    assert!(std::fs::read_dir(&reports).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

/// `harness report` on the sources in `dir` (criterion/, claims.jsonl, python.jsonl,
/// sweep.jsonl) into `dir/reports`, with a time bound.
fn report_in(dir: &Scratch) -> Output {
    let mut command = harness(&["report", "--criterion"]);
    command.arg(dir.path("criterion")).arg("--claims").arg(dir.path("claims.jsonl"));
    command.arg("--python").arg(dir.path("python.jsonl")).arg("--sweep").arg(dir.path("sweep.jsonl"));
    command.arg("--out").arg(dir.path("reports"));
    run_within(command, Duration::from_secs(60))
}

/// [`report_in`] with python.jsonl holding `lines`.
fn report_of(dir: &Scratch, lines: &str) -> Output {
    std::fs::write(dir.path("python.jsonl"), lines).unwrap();
    report_in(dir)
}

fn record_with(elapsed: &str, extra: &str) -> String {
    format!(r#"{{"job":"count","model":"serial","lang":"python","elapsed_s":{elapsed}{extra}}}"#)
}

#[test]
fn case_07_figures_that_would_hang_or_exhaust_the_charts_are_refused() {
    let dir = Scratch::new("hostile", "c7");
    for (line, why) in [
        (record_with("1e100", ""), "elapsed_s 1e100 is not a time"),
        (record_with("0", ""), "elapsed_s 0.0 is not a time"),
        (record_with("1", r#","chunk_bytes":0"#), "chunk_bytes is 0"),
        (
            record_with("1", r#","stamp":{"date":null,"cpu":"X","cores":1000000000000}"#),
            "stamp.cores 1000000000000 is not a machine's",
        ),
    ] {
        let err = one_line_error(&report_of(&dir, &format!("{line}\n")));
        let at = format!("{}:1: {why}", dir.path("python.jsonl").display());
        assert!(err.starts_with(&at), "{line}: {err}");
        assert!(!dir.path("reports/index.html").exists(), "no page from bad input");
    }
}

#[test]
fn case_08_a_line_that_is_not_an_object_is_named() {
    let dir = Scratch::new("hostile", "c8");
    for line in ["1", "\"x\"", "[1,2]", "null"] {
        let err = one_line_error(&report_of(&dir, &format!("{FAKE_RECORD}\n{line}\n")));
        let at = format!("{}:2: a record that does not fit results.json", dir.path("python.jsonl").display());
        assert!(err.starts_with(&at), "{line}: {err}");
    }
}

#[test]
fn case_09_an_unreadable_source_is_an_error_not_a_missing_one() {
    let dir = Scratch::new("hostile", "c9");
    let python = dir.path("python.jsonl");
    let report = || report_in(&dir);
    std::fs::write(&python, [0xff, 0xfe, b'\n']).unwrap();
    assert!(one_line_error(&report()).contains("python.jsonl:1: not UTF-8 text"));
    std::fs::remove_file(&python).unwrap();
    std::fs::create_dir(&python).unwrap();
    assert!(one_line_error(&report()).contains("python.jsonl: not a regular file"));
    std::fs::remove_dir(&python).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &python).unwrap();
    assert!(one_line_error(&report()).contains("python.jsonl: not a regular file"));
    std::fs::remove_file(&python).unwrap();
    assert!(Command::new("mkfifo").arg(&python).status().unwrap().success());
    assert!(
        one_line_error(&report()).contains("python.jsonl: not a regular file"),
        "a pipe is not waited on"
    );
}

#[test]
fn case_10_nonsense_is_refused_not_drawn() {
    let dir = Scratch::new("hostile", "c10");
    let python = dir.path("python.jsonl").display().to_string();
    for (lines, why) in [
        (record_with("-0.5", ""), format!("{python}:1: elapsed_s -0.5 is not a time")),
        (record_with("1", r#","worst_late_s":-1"#), format!("{python}:1: worst_late_s -1.0 is not a time")),
        (
            format!("{FAKE_RECORD}\n{FAKE_RECORD}\n{FAKE_RECORD}"),
            format!("{python}:2: the same figure as line 1"),
        ),
    ] {
        let err = one_line_error(&report_of(&dir, &format!("{lines}\n")));
        assert!(err.starts_with(&why), "{err}");
    }
    // A sweep of the wrong shape names the sweep file; a record copied into another source
    // names both.
    let sweep = dir.path("sweep.jsonl");
    std::fs::write(&sweep, "{\"chunk\": 4096}\n").unwrap();
    let err = one_line_error(&report_of(&dir, &format!("{FAKE_RECORD}\n")));
    assert!(err.starts_with(&format!("{}:1: a record that does not fit", sweep.display())), "{err}");
    std::fs::write(&sweep, format!("{FAKE_RECORD}\n")).unwrap();
    let err = one_line_error(&report_of(&dir, &format!("{FAKE_RECORD}\n")));
    assert!(err.starts_with(&format!("{}: holds the same record as {python}", sweep.display())), "{err}");
    // A link loop in criterion's folder is not followed.
    std::fs::remove_file(&sweep).unwrap();
    let criterion = dir.path("criterion");
    std::fs::create_dir_all(&criterion).unwrap();
    std::os::unix::fs::symlink(&criterion, criterion.join("loop")).unwrap();
    let out = report_of(&dir, &format!("{FAKE_RECORD}\n"));
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn case_11_a_script_that_prints_garbage_or_hangs_dies_with_harness() {
    let dir = Scratch::new("hostile", "c11");
    let python = dir.path("bin/python");
    fake_python(&python);
    let child_pid = dir.path("child.pid");
    // Garbage: harness fails, and the script's background child is gone with it.
    let mut command = harness(&["python", "--python"]);
    command.arg(&python).arg("--out").arg(dir.path("p.jsonl"));
    command.env("MARKS", dir.path("marks")).env("FAKE_PRINT", "garbage").env("FAKE_CHILD", &child_pid);
    let err = last_line_error(&run_within(command, Duration::from_secs(30)));
    assert!(err.starts_with("heartbeat.py:1: a record that does not fit"), "{err}");
    let pid: u32 = std::fs::read_to_string(&child_pid).unwrap().trim().parse().unwrap();
    assert!(gone(pid), "the script's child {pid} outlived harness (garbage)");
    // A hang: SIGTERM to harness takes the script and its child with it.
    std::fs::remove_file(&child_pid).unwrap();
    let mut command = harness(&["python", "--python"]);
    command.arg(&python).arg("--out").arg(dir.path("p.jsonl"));
    command.env("MARKS", dir.path("marks")).env("FAKE_PRINT", FAKE_RECORD).env("FAKE_CHILD", &child_pid);
    command.env("FAKE_HANG", "1").stdout(Stdio::null()).stderr(Stdio::piped());
    let mut running = command.spawn().unwrap();
    // The script's record is passed through on stderr once read: then it is hanging.
    let mut lines = BufReader::new(running.stderr.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().contains(r#""model":"asyncio""#)), "the script got going");
    let pid: u32 = std::fs::read_to_string(&child_pid).unwrap().trim().parse().unwrap();
    assert!(Command::new("kill").args(["-TERM", &running.id().to_string()]).status().unwrap().success());
    let status = running.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert!(gone(pid), "the hung script's child {pid} outlived harness");
}

#[test]
fn case_12_a_parent_stopped_and_continued_does_not_blame_its_workers() {
    let dir = Scratch::new("hostile", "c12");
    let shard = dir.path("s.tsv");
    gen(&shard, 400_000);
    let serial = dir.path("serial.tsv");
    let out = harness(&["ngram"])
        .arg(&shard)
        .args(["--model", "serial", "--top", "0", "--output"])
        .arg(&serial)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let answer = dir.path("process.tsv");
    let mut command = harness(&["ngram"]);
    command.arg(&shard).args(["--model", "process", "--algorithm", "merge", "--workers", "2"]);
    command.args(["--chunk-bytes", "64KiB", "--worker-timeout", "1", "--top", "0", "--output"]).arg(&answer);
    let parent = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Once its workers are up, the parent is stopped for three times the worker timeout.
    let deadline = Instant::now() + Duration::from_secs(30);
    while children_of(parent.id()).len() < 2 && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(children_of(parent.id()).len(), 2, "the workers started");
    let signal = |name: &str| Command::new("kill").args([name, &parent.id().to_string()]).status().unwrap();
    assert!(signal("-STOP").success());
    std::thread::sleep(Duration::from_secs(3)); // what is tested: a stop this long
    assert!(signal("-CONT").success());
    let out = finish(parent, Duration::from_secs(120));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&answer).unwrap(), std::fs::read(&serial).unwrap());
}

fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let after = &stat[stat.rfind(')').unwrap() + 2..];
                after.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent)
            })
        })
        .collect()
}

#[test]
fn case_13_hangup_and_other_signals_remove_the_partial_output() {
    let dir = Scratch::new("hostile", "c13");
    for (signal, number) in [("HUP", 1), ("QUIT", 3), ("USR1", 10), ("USR2", 12), ("ALRM", 14)] {
        let out = dir.path("big.tsv");
        let mut child = harness(&["gen", "--lines", "50000000", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Watching the folder is the only way to see a file another process makes; bounded.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !dir.names().iter().any(|n| n.ends_with(".partial")) && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert!(dir.names().iter().any(|n| n.ends_with(".partial")), "gen started writing");
        let sent =
            Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(number), "SIG{signal}: {status:?}");
        assert_eq!(dir.names(), Vec::<String>::new(), "SIG{signal} left files");
    }
}

#[test]
fn case_14_repeat_holds_one_round_s_files_and_is_bounded() {
    let dir = Scratch::new("hostile", "c14");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000);
    // Under a limit of 24 open files, 40 rounds of one model must still run (one file at a time).
    let mut command = harness(&["ngram"]);
    command.arg(&shard).args(["--model", "serial", "--repeat", "40", "--top", "1"]);
    // SAFETY: setrlimit(2) in the child before exec touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 24, rlim_max: 24 };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = run_within(command, Duration::from_secs(60));
    assert!(out.status.success(), "{}", stderr(&out));
    let out =
        harness(&["ngram"]).arg(&shard).args(["--model", "serial", "--repeat", "18000"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("'18000' is more than the 1000 runs a run may use"), "{err}");
}

#[test]
fn case_15_two_sweeps_to_one_output_both_finish_whole() {
    let dir = Scratch::new("hostile", "c15");
    let shard = dir.path("s.tsv");
    gen(&shard, 20_000);
    let out_file = dir.path("sweep.jsonl");
    for _ in 0..4 {
        let sweep = || {
            harness(&["sweep"])
                .arg(&shard)
                .args(["--min", "4096", "--max", "16384", "--repeat", "1", "--out"])
                .arg(&out_file)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (sweep(), sweep());
        for out in [finish(a, Duration::from_secs(120)), finish(b, Duration::from_secs(120))] {
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let text = std::fs::read_to_string(&out_file).unwrap();
        // One sweep's three models at two sizes, whole, every line a record.
        assert_eq!(text.lines().count(), 6, "{text}");
        assert!(text.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{text}");
        assert_eq!(dir.names(), ["s.tsv", "sweep.jsonl"]);
    }
}

#[test]
fn case_16_names_are_printed_escaped() {
    let dir = Scratch::new("hostile", "c16");
    let name = dir.path("a\nforged: line\x1b[31m.tsv");
    std::fs::write(&name, "aardvark\t1999\t3\t1\nbad line\n").unwrap();
    let out = harness(&["ngram"]).arg(&name).args(["--model", "serial"]).output().unwrap();
    let err = one_line_error(&out);
    assert!(err.contains("a\\nforged: line\\e[31m.tsv:2: "), "{err}");
    assert!(!err.contains('\x1b'));
}

#[test]
fn case_17_limits_are_checked_before_work_and_said_right() {
    let dir = Scratch::new("hostile", "c17");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000);
    // A top larger than the keys is every key, not 240 GB.
    let out = harness(&["ngram"]).arg(&shard).args(["--model", "serial", "--top", "1e10"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The longest name a file system takes is written (its temporary name is cut to fit);
    // one byte more is refused before any work.
    let longest = dir.path(&"o".repeat(255));
    let out = harness(&["ngram"])
        .arg(&shard)
        .args(["--model", "serial", "--output"])
        .arg(&longest)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(longest.exists());
    let too_long = dir.path(&"o".repeat(256));
    let err = one_line_error(
        &harness(&["ngram"])
            .arg(&shard)
            .args(["--model", "serial", "--output"])
            .arg(&too_long)
            .output()
            .unwrap(),
    );
    assert!(err.contains("the name is 256 bytes, more than the file system's 255"), "{err}");
    // gen's bounds never wrap around.
    let out = harness(&["gen", "--lines", "100", "--unique", "50000000", "--out"])
        .arg(dir.path("g.tsv"))
        .output()
        .unwrap();
    let err = one_line_error(&out);
    assert!(err.contains("need between 50000010 and 24999999012 lines"), "{err}");
    let out = harness(&["gen", "--lines", "18446744073709551615", "--out"])
        .arg(dir.path("g.tsv"))
        .output()
        .unwrap();
    assert!(one_line_error(&out).contains("is more than the 1732370100 lines gen makes"));
    // A share whose every worker dies is given up after the re-run limit, and says so.
    let marker = dir.path("marker");
    let out = harness(&["ngram"])
        .arg(&shard)
        .args(["--model", "mapreduce", "--executor", "processes", "--chunk-bytes", "16KiB"])
        .env("PROCESS_WORKER_FAULT_ONCE", format!("always:{}", marker.display()))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.lines().last().unwrap().contains("gave up on its share after 2 re-runs"), "{err}");
}

/// Beyond the list: the commands that read their shard more than once refuse, before any
/// work, one that can be read only once (a pipe would hang the second read), and sweep's sizes
/// keep `--chunk-bytes`'s bounds (a 1-byte chunk of a real shard is a billion chunks).
#[test]
fn a_shard_read_more_than_once_must_be_a_file() {
    let dir = Scratch::new("hostile", "pipes");
    let fifo = dir.path("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for command in ["sweep", "claims", "python"] {
        let mut run = harness(&[command]);
        match command {
            "sweep" => run.arg(&fifo),
            _ => run.arg("--shard").arg(&fifo),
        };
        run.arg("--out").arg(dir.path("out.jsonl"));
        let err = one_line_error(&run_within(run, Duration::from_secs(30)));
        assert!(
            err.contains("a pipe or a device can be read only once: save it to a file first"),
            "{command}: {err}"
        );
    }
    let out = harness(&["sweep"]).arg(&fifo).args(["--min", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'0' must be at least 1 byte"), "{}", stderr(&out));
    let out = harness(&["sweep"]).arg(&fifo).args(["--max", "2GiB"]).output().unwrap();
    assert!(stderr(&out).contains("outside 1KiB..=1GiB"), "{}", stderr(&out));
}

/// Found by trying the commands as a hostile user after the list above: the report refuses,
/// in one line naming file and line, what it could not draw (a count whose steps overflow, a
/// figure of 1e308 or 5e-324 that once spun the axis code for ever, a control character that
/// made the SVG invalid, the same figure twice, an empty file, a link to nothing), and writes
/// nothing it has not drawn.
#[test]
fn the_report_refuses_what_it_cannot_draw_and_keeps_the_previous_page() {
    let dir = Scratch::new("hostile", "undrawable");
    let python = dir.path("python.jsonl").display().to_string();
    let ok = report_of(&dir, &format!("{FAKE_RECORD}\n"));
    assert!(ok.status.success(), "{}", stderr(&ok));
    let page = std::fs::read(dir.path("reports/index.html")).unwrap();
    let results = std::fs::read(dir.path("reports/results.json")).unwrap();
    let count = |extra: &str| {
        format!(r#"{{"job":"count","model":"serial","lang":"rust","workers":1,"elapsed_s":0.5{extra}}}"#)
    };
    for (lines, why) in [
        (count(r#","tasks":2,"to":9223372036854775808"#), format!("{python}:1: tasks x to")),
        (count(r#","tasks":2,"to":1000000,"cores_used":1.7e308"#), format!("{python}:1: cores_used")),
        (count(r#","tasks":2,"to":1000000,"cpu_s":1e300"#), format!("{python}:1: cpu_s 1e300 is outside")),
        (record_with("5e-324", ""), format!("{python}:1: elapsed_s 5e-324 is outside")),
        (
            r#"{"job":"heartbeat","model":"async","lang":"python","variant":"a\u001b[31m\u0007","elapsed_s":0.5}"#
                .to_string(),
            format!("{python}:1: variant holds a control character: a\\e[31m\\x07"),
        ),
        (
            format!("{}\n{}", count(""), count(r#","cpu_s":1"#)),
            format!("{python}:2: the same figure as line 1"),
        ),
        (
            record_with("1", r#","runs":0,"rounds_s":[1.0,1.0]"#),
            format!("{python}:1: runs is 0 but rounds_s holds 2"),
        ),
        (
            r#"{"job":"bogus","model":"x","lang":"rust","elapsed_s":1}"#.to_string(),
            format!("{python}:1: job \"bogus\" is none of"),
        ),
        (String::new(), format!("{python}: holds no records")),
    ] {
        let err = one_line_error(&report_of(&dir, &format!("{lines}\n")));
        assert!(err.starts_with(&why), "{lines}: {err}");
        assert_eq!(std::fs::read(dir.path("reports/index.html")).unwrap(), page, "the page stays");
        assert_eq!(std::fs::read(dir.path("reports/results.json")).unwrap(), results, "results.json stays");
    }
    let mut bytes = format!("{FAKE_RECORD}\n").into_bytes();
    bytes.extend_from_slice(b"{\"job\":\"x\xff\"}\n");
    std::fs::write(dir.path("python.jsonl"), bytes).unwrap();
    let err = one_line_error(&report_in(&dir));
    assert!(err.starts_with(&format!("{python}:2: not UTF-8 text")), "{err}");
    std::fs::remove_file(dir.path("python.jsonl")).unwrap();
    std::os::unix::fs::symlink(dir.path("gone.jsonl"), dir.path("python.jsonl")).unwrap();
    let err = one_line_error(&report_in(&dir));
    assert!(err.starts_with(&format!("{python}: a symbolic link to a file that does not exist")), "{err}");
}

/// Worker processes die with harness even when they were stopped (SIGSTOP): a stopped worker
/// does not see its input close, and would wait for ever.
#[test]
fn stopped_workers_do_not_outlive_a_terminated_harness() {
    let dir = Scratch::new("hostile", "stopped-workers");
    let shard = dir.path("s.tsv");
    gen(&shard, 400_000);
    let mut command = harness(&["ngram"]);
    command.arg(&shard).args([
        "--model",
        "process",
        "--workers",
        "2",
        "--chunk-bytes",
        "64KiB",
        "--repeat",
        "50",
    ]);
    let mut parent = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let workers = loop {
        let workers = children_of(parent.id());
        if workers.len() == 2 || Instant::now() > deadline {
            break workers;
        }
        std::thread::yield_now();
    };
    assert_eq!(workers.len(), 2, "the workers started");
    for pid in &workers {
        assert!(Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap().success());
    }
    assert!(Command::new("kill").args(["-TERM", &parent.id().to_string()]).status().unwrap().success());
    assert_eq!(parent.wait().unwrap().signal(), Some(15));
    for pid in workers {
        assert!(gone(pid), "stopped worker {pid} outlived harness");
    }
}

/// A script that leaves something running with its output open ends when the script does:
/// harness does not wait on the pipe (each of three scripts leaves a `sleep 300`), and kills
/// what was left.
#[test]
fn a_script_s_leftover_child_holding_its_output_does_not_hold_harness() {
    let dir = Scratch::new("hostile", "leftover-child");
    let python = dir.path("bin/python");
    fake_python(&python);
    let child_pid = dir.path("child.pid");
    let mut command = harness(&["python", "--python"]);
    command.arg(&python).arg("--out").arg(dir.path("p.jsonl"));
    command.env("MARKS", dir.path("marks")).env("FAKE_PRINT", FAKE_RECORD).env("FAKE_CHILD", &child_pid);
    let out = run_within(command, Duration::from_secs(60));
    assert!(out.status.success(), "{}", stderr(&out));
    let pids: Vec<u32> =
        std::fs::read_to_string(&child_pid).unwrap().lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(pids.len(), 2, "heartbeat.py and as_completed.py ran");
    for pid in pids {
        assert!(gone(pid), "a script's leftover child {pid} outlived harness");
    }
}

/// Two scripts printing the same figure are out of step with harness: an error.
#[test]
fn two_scripts_printing_one_figure_is_an_error() {
    let dir = Scratch::new("hostile", "same-figure");
    let python = dir.path("bin/python");
    fake_python(&python);
    let mut command = harness(&["python", "--python"]);
    command.arg(&python).arg("--out").arg(dir.path("p.jsonl"));
    command.env("MARKS", dir.path("marks")).env("FAKE_PRINT", FAKE_RECORD.replace("SCRIPT", "same"));
    let err = last_line_error(&run_within(command, Duration::from_secs(60)));
    assert!(err.starts_with("as_completed.py printed a figure heartbeat.py printed too"), "{err}");
}

/// An output whose folder cannot be written (here /proc, even for root) or whose name ends
/// in a slash is refused before the work, naming the output, not its temporary file.
#[test]
fn an_unwritable_output_is_refused_before_the_work() {
    let dir = Scratch::new("hostile", "unwritable");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000);
    for (out, why) in [
        ("/proc/sweep.jsonl", "/proc/sweep.jsonl: cannot write in its folder"),
        ("new/", "new/: ends in /, a folder's name"),
    ] {
        let err = one_line_error(&harness(&["sweep"]).arg(&shard).args(["--out", out]).output().unwrap());
        assert!(err.starts_with(why), "{err}");
    }
    let err = one_line_error(
        &harness(&["python", "--python"])
            .arg(dir.path(""))
            .arg("--out")
            .arg(dir.path("p.jsonl"))
            .output()
            .unwrap(),
    );
    assert!(err.contains("cannot be run"), "a folder as --python is an error, not a skip: {err}");
}
