//! Each example prints what the article's pool listing prints, in the same order.

fn run(name: &str) -> String {
    run_with(name, &[])
}

fn run_with(name: &str, args: &[&str]) -> String {
    workload::testing::run_example(env!("CARGO_MANIFEST_DIR"), name, args)
}

#[test]
fn apply_blocks_in_call_order() {
    assert_eq!(run("pool_apply"), "hello, satori\nhello, koishi\n");
}

#[test]
fn apply_async_get_in_call_order() {
    assert_eq!(run("pool_apply_async"), "hello, satori\nhello, koishi\n");
}

#[test]
fn map_keeps_input_order() {
    let results: Vec<String> =
        run("pool_map").lines().map(|l| l.split_whitespace().next().unwrap().to_string()).collect();
    assert_eq!(results, ["1", "3", "5", "22", "100000000"]);
}

#[test]
fn as_completed_gives_the_small_ones_first() {
    assert_eq!(run("pool_as_completed"), "1\n3\n5\n22\n100000000\n");
}

#[test]
fn task_overhead_reports_both_round_trips() {
    let out = run_with("pool_task_overhead", &["3"]);
    assert!(
        out.contains("rayon install (round trip)") && out.contains("rayon spawn + channel (round trip)"),
        "{out}"
    );
}
