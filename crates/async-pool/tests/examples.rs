//! Each example prints what the article's asyncio listing prints, in the same order.

use std::path::PathBuf;
use std::process::Command;

fn run(name: &str, args: &[&str]) -> String {
    let dir = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("examples");
    let binary = dir.join(name);
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.rs"));
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(
        modified(&binary) >= modified(&source),
        "example {name} is stale: run `cargo test -p async-pool`"
    );
    let output =
        Command::new(&binary).args(args).output().unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn gather_keeps_input_order() {
    assert_eq!(run("async_gather", &[]), "[1, 3, 5, 22, 100000000]\n");
}

#[test]
fn as_completed_gives_the_small_ones_first() {
    assert_eq!(run("async_as_completed", &[]), "1\n3\n5\n22\n100000000\n");
}

#[test]
fn the_rayon_bridge_gives_the_same_answers() {
    assert_eq!(run("async_rayon_bridge", &[]), "[1, 3, 5, 22, 100000000]\n");
}

#[test]
fn wrap_future_awaits_a_thread_and_a_child() {
    assert_eq!(
        run("async_wrap_future", &[]),
        "from a std thread: 100000000\nfrom a child process: 100000000 (exit status: 0)\n"
    );
}

#[test]
fn heartbeat_prints_both_placements() {
    let out = run("async_heartbeat", &["1000000"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("Inline ") && lines[2].starts_with("Offloaded "), "{out}");
}
