//! The engine's examples run, agree with themselves, and print what their docs promise.

use workload::gen::{generate, GenConfig};

#[test]
fn reduce_compare_agrees_and_reports_all_three() {
    let dir = std::env::temp_dir().join(format!("mapreduce-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shard.tsv");
    let file = std::fs::File::create(&path).unwrap();
    generate(&GenConfig { lines: 30_000, unique: 2_000, seed: 3 }, file, |_, _| {}).unwrap();
    let out = workload::testing::run_example(
        env!("CARGO_MANIFEST_DIR"),
        "reduce_compare",
        &[path.to_str().unwrap(), "4000", "2"],
    );
    assert!(out.contains("8 chunks of 4000 lines"), "{out}");
    assert!(out.contains("2000 distinct ngrams; all three reduces agree"), "{out}");
    for line in [
        "Rust, folded like functools.reduce(merge_dict), a new map each step",
        "in place",
        "partitioned: shuffle",
        "pairwise / partitioned",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
