//! The Python baselines write the fields of the one record type of results.json
//! (`harness::report::record::Record`): every line they print parses into it, so a script that
//! drops or renames a field fails here, not in the report or a notebook. Without a Python 3
//! this says so and checks nothing else.

use std::path::PathBuf;
use std::process::Command;

use harness::report::record::Record;

fn python() -> Option<&'static str> {
    let ok = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("python_records: no python3 on PATH; skipping the check of the Python baselines' records");
    }
    ok.then_some("python3")
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python").join(name)
}

fn records(out: std::process::Output, source: &str) -> Vec<Record> {
    assert!(out.status.success(), "{source}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!lines.is_empty(), "{source} printed no record");
    lines.iter().map(|l| Record::from_line(l, source).unwrap_or_else(|e| panic!("{e}"))).collect()
}

#[test]
fn the_python_baselines_write_the_results_record() {
    let Some(python) = python() else { return };
    let out = Command::new(python)
        .arg(script("count.py"))
        .args(["--to", "2000", "--tasks", "2", "--workers", "2", "--repeat", "2"])
        .output()
        .unwrap();
    let all = records(out, "count.py");
    let (count, overhead): (Vec<&Record>, Vec<&Record>) = all.iter().partition(|r| r.job == "count");
    assert!(count.iter().all(|r| r.lang == "python" && r.to == Some(2000) && r.tasks == Some(2)));
    assert!(count.iter().all(|r| r.runs == Some(2) && r.elapsed_min_s <= Some(r.elapsed_s)));
    assert!(count.iter().all(|r| r.cores_used.is_some_and(|c| c > 0.0)), "every count row says its cores");
    // The process model once per start method, each named in its variant; a no-op process
    // per start method as an overhead record.
    let methods: Vec<&str> = count
        .iter()
        .filter(|r| r.model == "process")
        .map(|r| r.start_method.as_deref().expect("a start method"))
        .collect();
    assert!(methods.contains(&"spawn") && methods.len() >= 2, "{methods:?}");
    for method in &methods {
        assert!(count
            .iter()
            .any(|r| r.variant.as_deref() == Some(&format!("multiprocessing.Process ({method})"))));
        assert!(overhead.iter().any(|r| r.start_method.as_deref() == Some(*method) && r.elapsed_s > 0.0));
    }
    assert!(overhead.iter().all(|r| r.job == "overhead" && r.model == "process"));

    // The event loop's heartbeat: three ways, the inline one stalls the loop for the whole
    // count (no timing asserted beyond that: a beat cannot run while the loop's thread counts).
    let out = Command::new(python).arg(script("heartbeat.py")).args(["--to", "300000"]).output().unwrap();
    let beats = records(out, "heartbeat.py");
    let ways: Vec<&str> = beats.iter().map(|r| r.placement.as_deref().unwrap()).collect();
    assert_eq!(ways, ["inline", "threads", "processes"]);
    assert!(beats.iter().all(|r| r.job == "heartbeat" && r.worst_late_s.is_some()));
    let out = Command::new(python)
        .arg(script("as_completed.py"))
        .args(["--to", "300000", "--workers", "2"])
        .output()
        .unwrap();
    let order = records(out, "as_completed.py");
    // map hands results back in the order given: the long count first.
    assert_eq!(order[0].order.as_deref(), Some(&[300000, 1, 3, 5, 22][..]));
    assert_eq!(order[1].way.as_deref(), Some("as_completed"));

    let dir = std::env::temp_dir().join(format!("python-records-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shard = dir.join("a.tsv");
    let gen = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["gen", "--lines", "3000", "--out"])
        .arg(&shard)
        .output()
        .unwrap();
    assert!(gen.status.success());
    let out = Command::new(python)
        .arg(script("mapreduce.py"))
        .arg(&shard)
        .args(["--chunk-lines", "1000", "--workers", "2", "--word=Aardvark"])
        .output()
        .unwrap();
    let ngram = records(out, "mapreduce.py");
    assert!(ngram.iter().all(|r| r.job == "ngram" && r.lang == "python" && r.elapsed_s > 0.0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The article's Python MapReduce gives every total the Rust serial model gives, on a shard
/// cut into chunks whose edges fall inside runs of one ngram (so the pairwise merge has
/// work to do): both `--output` files are byte for byte the same.
#[test]
fn the_python_mapreduce_gives_the_rust_totals() {
    let Some(python) = python() else { return };
    let dir = std::env::temp_dir().join(format!("python-totals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shard = dir.join("a.tsv");
    let harness = env!("CARGO_BIN_EXE_harness");
    let gen = Command::new(harness).args(["gen", "--lines", "20000", "--out"]).arg(&shard).output().unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    let (rust, py) = (dir.join("rust.tsv"), dir.join("python.tsv"));
    let out = Command::new(harness)
        .args(["ngram", "--model", "serial", "--top", "0"])
        .arg(&shard)
        .arg("--output")
        .arg(&rust)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(python)
        .arg(script("mapreduce.py"))
        .arg(&shard)
        .args(["--chunk-lines", "1499", "--workers", "2", "--output"])
        .arg(&py)
        .output()
        .unwrap();
    let record = records(out, "mapreduce.py").remove(0);
    assert!(record.chunks > Some(10), "{record:?}");
    let (rust, py) = (std::fs::read(&rust).unwrap(), std::fs::read(&py).unwrap());
    assert!(rust.len() > 1000 && rust.iter().filter(|&&b| b == b'\n').count() > 100);
    assert!(rust == py, "the Python MapReduce's totals differ from Rust serial's");
    std::fs::remove_dir_all(&dir).unwrap();
}
