//! The process examples run and report what they measure.

fn run(name: &str, args: &[&str]) -> String {
    workload::testing::run_example(env!("CARGO_MANIFEST_DIR"), name, args)
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
fn pool_map_keeps_order_as_completed_does_not_and_workers_print_their_times() {
    let (stdout, stderr) =
        workload::testing::run_example_with_stderr(env!("CARGO_MANIFEST_DIR"), "process_pool_map", &[]);
    assert_eq!(
        stdout,
        "1\n3\n5\n22\n100000000\nas completed: 1\nas completed: 3\nas completed: 5\nas completed: 22\nas completed: 100000000\n"
    );
    for n in [1, 3, 5, 22, 100_000_000] {
        assert!(stderr.lines().any(|l| l.starts_with(&format!("counted to {n} in "))), "{stderr}");
    }
}
