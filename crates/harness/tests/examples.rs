//! The examples that join two models through `concurrent.futures`: the article's one-line
//! swap from threads to processes, and its asyncio + `ProcessPoolExecutor` listings.

use std::path::Path;

fn run(name: &str) -> String {
    workload::testing::run_example(env!("CARGO_MANIFEST_DIR"), name, &[])
}

fn run_with_stderr(name: &str) -> (String, String) {
    workload::testing::run_example_with_stderr(env!("CARGO_MANIFEST_DIR"), name, &[])
}

const NUMBERS: [u64; 5] = [1, 3, 5, 22, 100_000_000];

#[test]
fn the_threads_and_processes_listings_differ_in_one_line() {
    let read = |kind: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/executor_swap_{kind}.rs")),
        )
        .unwrap()
    };
    let (threads, processes) = (read("threads"), read("processes"));
    let differing: Vec<(&str, &str)> =
        threads.lines().zip(processes.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(threads.lines().count(), processes.lines().count());
    assert_eq!(
        differing,
        [(
            "    let executor = threads::futures::ThreadPoolExecutor::new(2);",
            "    let executor = process::ProcessPoolExecutor::new(2).unwrap();"
        )]
    );
}

/// Both print the results in input order, and each call says how long it took from where it
/// ran (a worker thread, or a worker process whose stderr reaches ours).
#[test]
fn the_swap_gives_the_same_results_on_threads_and_on_processes() {
    for kind in ["threads", "processes"] {
        let (stdout, stderr) = run_with_stderr(&format!("executor_swap_{kind}"));
        assert_eq!(stdout, "1\n3\n5\n22\n100000000\n", "{kind}");
        let mut counted: Vec<u64> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("counted to ")?.split(' ').next()?.parse().ok())
            .collect();
        counted.sort();
        assert_eq!(counted, NUMBERS, "{kind}: {stderr}");
        assert!(
            stderr.lines().all(|l| l.starts_with("counted to ") && l.ends_with(" s")),
            "{kind}: {stderr}"
        );
    }
}

#[test]
fn asyncio_gather_over_a_process_pool_keeps_input_order() {
    assert_eq!(run("asyncio_gather_processes"), "[1, 3, 5, 22, 100000000]\n");
}

/// The big count goes first and comes last; the small ones come as they finish (two of them
/// may finish together, so their order among themselves is not checked).
#[test]
fn asyncio_as_completed_over_a_process_pool_gives_the_quick_results_first() {
    let out = run("asyncio_as_completed_processes");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last(), Some(&"100000000"), "{out}");
    let mut quick = lines[..lines.len() - 1].to_vec();
    quick.sort_by_key(|n| n.parse::<u64>().unwrap());
    assert_eq!(quick, ["1", "3", "5", "22"], "{out}");
}

#[test]
fn asyncio_wrap_future_awaits_a_process_pool_future() {
    assert_eq!(
        run("asyncio_wrap_future_processes"),
        "submitted: Future<u64>\nwrapped: WrappedFuture<u64>\n100000000\n100000000\n"
    );
}
