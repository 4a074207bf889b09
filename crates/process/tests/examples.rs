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
