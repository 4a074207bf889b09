//! Every example runs and prints what its article listing prints, in the same order.
//! The examples sleep (that is their lesson), so all of them are started at once, in
//! parallel, by the first test that needs an output; each test then checks its own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::LazyLock;

const EXAMPLES: [&str; 16] = [
    "future_callback",
    "submit_state",
    "submit_result",
    "callback_after_done",
    "submit_many",
    "results_in_order",
    "done_polling",
    "map_ordered",
    "map_collect",
    "as_completed",
    "cancel_queued",
    "exception",
    "result_loop",
    "wait_all",
    "with_block",
    "shutdown",
];

/// `target/<profile>/examples/`, next to this test binary's `deps/` folder; `cargo test`
/// builds the examples there before running tests.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples")
}

/// `cargo test --test examples` alone does not rebuild the examples; refuse to check a
/// binary older than its source rather than report a confusing difference.
fn assert_fresh(name: &str, binary: &std::path::Path) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.rs"));
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(src), Some(bin)) = (modified(&source), modified(binary)) {
        assert!(
            bin >= src,
            "example {name} is older than its source: run `cargo test -p threads`, which rebuilds it"
        );
    }
}

static OUTPUTS: LazyLock<HashMap<&'static str, Output>> = LazyLock::new(|| {
    let dir = examples_dir();
    let children: Vec<(&str, Child)> = EXAMPLES
        .iter()
        .map(|name| {
            let path = dir.join(name);
            assert_fresh(name, &path);
            let child =
                Command::new(&path).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(
                    |e| panic!("cannot run {} ({e}); run through `cargo test`", path.display()),
                );
            (*name, child)
        })
        .collect();
    children.into_iter().map(|(name, child)| (name, child.wait_with_output().unwrap())).collect()
});

/// The example's stdout, with future addresses and timings made stable.
fn run(name: &str) -> String {
    let output = &OUTPUTS[name];
    assert!(output.status.success(), "{name} failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    text.lines().map(normalise).collect::<Vec<_>>().join("\n")
}

fn normalise(line: &str) -> String {
    let mut line = line.to_string();
    if let Some(at) = line.find("<Future at 0x") {
        let end = line[at..].find(" state=").map(|e| at + e).unwrap();
        line.replace_range(at..end, "<Future at ADDR");
    }
    line
}

fn lines(text: &str) -> String {
    text.trim_start_matches('\n').trim_end().lines().map(str::trim_start).collect::<Vec<_>>().join("\n")
}

fn units_at(line: &str, marker: &str) -> f64 {
    let rest = &line[line.find(marker).unwrap() + marker.len()..];
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn future_callback() {
    assert_eq!(
        run("future_callback"),
        lines(
            "
            callback bound; nothing has run yet
            set_result ran the callback; the result is: some value"
        )
    );
}

#[test]
fn submit_state() {
    assert_eq!(
        run("submit_state"),
        lines(
            "
            <Future at ADDR state=running>
            <Future at ADDR state=finished returned String>"
        )
    );
}

#[test]
fn submit_result() {
    let out = run("submit_result");
    let (result, waited) = out.split_once('\n').unwrap();
    assert_eq!(result, "name is Satori, age is 16, slept 3 units");
    assert!(units_at(waited, "blocked for ") >= 3.0, "{waited}");
}

#[test]
fn callback_after_done() {
    assert_eq!(
        run("callback_after_done"),
        lines(
            "
            done before the callback is added: true
            callback ran at once: name is Satori, age is 16, slept 3 units"
        )
    );
}

#[test]
fn submit_many() {
    assert_eq!(
        run("submit_many"),
        lines(
            r#"
            ["running", "running", "running"]
            ["finished", "running", "finished"]"#
        )
    );
}

#[test]
fn results_in_order() {
    let out = run("results_in_order");
    let slept: Vec<&str> =
        out.lines().map(|l| l.split("slept ").nth(1).unwrap().split(' ').next().unwrap()).collect();
    assert_eq!(slept, ["5", "2", "4", "3", "6"], "submission order, not completion order");
    // The first result blocks for 5 units; the next three were already done by then.
    let at: Vec<f64> = out.lines().map(|l| units_at(l, "(at ")).collect();
    assert!(at[0] >= 5.0 && at[3] < 6.0 && at[4] >= 6.0, "{out}");
}

#[test]
fn done_polling() {
    assert_eq!(
        run("done_polling"),
        lines(
            "
            the task is not done yet: false
            the task is not done yet: false
            the task is not done yet: false
            the task is done: true"
        )
    );
}

const IN_INPUT_ORDER: &str = "
    name is Mashiro, age is 16, slept 5 units
    name is Satori, age is 16, slept 2 units
    name is Koishi, age is 15, slept 4 units
    name is Tomoyo, age is 19, slept 3 units
    name is Sora, age is 16, slept 6 units";

#[test]
fn map_ordered() {
    assert_eq!(run("map_ordered"), lines(&format!("<map results: 5 pending>{IN_INPUT_ORDER}")));
}

#[test]
fn map_collect() {
    let out = run("map_collect");
    let quoted: Vec<&str> = out.lines().filter(|l| l.starts_with("    \"")).collect();
    let expected: Vec<String> = lines(IN_INPUT_ORDER).lines().map(|l| format!("    \"{l}\",")).collect();
    assert_eq!(quoted, expected);
    assert!(units_at(out.lines().last().unwrap(), "total: ") >= 6.0);
}

#[test]
fn as_completed() {
    assert_eq!(
        run("as_completed"),
        lines(
            "
            name is Satori, age is 16, slept 2 units
            name is Tomoyo, age is 19, slept 3 units
            name is Koishi, age is 15, slept 4 units
            name is Mashiro, age is 16, slept 5 units
            name is Sora, age is 16, slept 6 units"
        )
    );
}

#[test]
fn cancel_queued() {
    assert_eq!(
        run("cancel_queued"),
        lines(
            "
            cancel with free workers: false
            sleep 2
            sleep 4
            sleep 5
            cancel with max_workers=2: true
            sleep 2
            sleep 5"
        )
    );
}

#[test]
fn exception() {
    assert_eq!(
        run("exception"),
        lines(
            r#"
            future1.exception(): Some("panicked: attempt to divide by zero")
            future2.exception(): None
            future1.result(): the task failed: panicked: attempt to divide by zero"#
        )
    );
    let stderr = String::from_utf8_lossy(&OUTPUTS["exception"].stderr);
    assert!(stderr.is_empty(), "a failing task prints nothing until asked, as in Python: {stderr}");
}

const THREE: &str = "
    name is Mashiro, age is 16, slept 5 units
    name is Satori, age is 16, slept 2 units
    name is Koishi, age is 15, slept 4 units";

#[test]
fn result_loop() {
    assert_eq!(run("result_loop"), lines(&format!("123{THREE}")));
}

#[test]
fn wait_all() {
    let finished = "    <Future at ADDR state=finished returned String>,";
    assert_eq!(
        run("wait_all"),
        ["123", "done: [", finished, finished, finished, "]", "not_done: []", &lines(THREE),].join("\n")
    );
}

#[test]
fn with_block() {
    assert_eq!(run("with_block"), lines(&format!("all done when the block ends: true{THREE}\n123")));
}

#[test]
fn shutdown() {
    assert_eq!(
        run("shutdown"),
        lines(&format!("{THREE}\n123\nsubmit after shutdown: cannot schedule new futures after shutdown"))
    );
}

#[test]
fn submit_overhead_reports_each_mechanism() {
    let path = examples_dir().join("submit_overhead");
    assert_fresh("submit_overhead", &path);
    let output = Command::new(&path).arg("3").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for mechanism in
        ["thread::spawn + join", "thread::scope spawn + join", "ThreadPoolExecutor submit + result"]
    {
        let line = text.lines().find(|l| l.starts_with(mechanism)).unwrap_or_else(|| panic!("{text}"));
        let ns: f64 = line[mechanism.len()..].trim().trim_end_matches(" ns").trim().parse().unwrap();
        assert!(ns > 0.0, "{line}");
    }
}
