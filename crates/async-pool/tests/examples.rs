//! Each example prints what the article's asyncio listing prints, in the same order.

fn run(name: &str, args: &[&str]) -> String {
    workload::testing::run_example(env!("CARGO_MANIFEST_DIR"), name, args)
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
