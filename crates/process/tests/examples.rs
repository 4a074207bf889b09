//! The process examples run and report what they measure.

use std::path::PathBuf;
use std::process::Command;

fn run(name: &str, args: &[&str]) -> String {
    let dir = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("examples");
    let binary = dir.join(name);
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.rs"));
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(modified(&binary) >= modified(&source), "example {name} is stale: run `cargo test -p process`");
    let output =
        Command::new(&binary).args(args).output().unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn spawn_overhead_compares_a_fresh_child_with_a_warm_pool() {
    let out = run("process_spawn_overhead", &["2"]);
    assert!(out.contains("child process spawn + task + join"), "{out}");
    assert!(out.contains("process pool apply (round trip)"), "{out}");
    assert!(out.contains("a warm pool saves"), "{out}");
}

#[test]
fn start_join_gets_both_counts_back() {
    let out = run("process_start_join", &[]);
    assert!(out.starts_with("finished in "), "{out}");
    assert!(out.ends_with("the children returned [Value(100000000), Value(100000000)]\n"), "{out}");
}

#[test]
fn pool_apply_blocks_in_call_order() {
    assert_eq!(run("process_pool_apply", &[]), "hello, satori\nhello, koishi\n");
}

#[test]
fn pool_apply_async_get_and_get_with_timeout() {
    assert_eq!(
        run("process_pool_apply_async", &[]),
        "Text(\"hello, satori\")\nText(\"hello, koishi\")\n\
         get(timeout=10ms): no result within 10ms (the task is still running)\nget(): Value(10)\n"
    );
}

#[test]
fn pool_map_keeps_order_as_completed_does_not() {
    assert_eq!(
        run("process_pool_map", &[]),
        "map: [1, 3, 5, 22, 100000000]\nas completed: 1\nas completed: 3\nas completed: 5\nas completed: 22\nas completed: 100000000\n"
    );
}
