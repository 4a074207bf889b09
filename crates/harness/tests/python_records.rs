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
    lines
        .iter()
        .map(|l| {
            Record::from_value(serde_json::from_str(l).unwrap(), source).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

#[test]
fn the_python_baselines_write_the_results_record() {
    let Some(python) = python() else { return };
    let out = Command::new(python)
        .arg(script("count.py"))
        .args(["--to", "2000", "--tasks", "2", "--workers", "2", "--repeat", "2"])
        .output()
        .unwrap();
    let count = records(out, "count.py");
    assert!(count
        .iter()
        .all(|r| r.job == "count" && r.lang == "python" && r.to == Some(2000) && r.tasks == Some(2)));
    assert!(count.iter().all(|r| r.runs == Some(2) && r.elapsed_min_s <= Some(r.elapsed_s)));

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
