//! `harness report` on a made-up criterion folder and Python records: every record lands in
//! results.json with lang, machine and dataset, and the page has its eight charts, works
//! offline, and says what is missing when a group did not run.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("harness-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Writes one criterion result the way criterion lays it out.
fn bench(root: &Path, group: &str, function: &str, param: Option<&str>, median_ns: f64, throughput: Value) {
    let mut dir = root.join(group).join(function);
    if let Some(p) = param {
        dir = dir.join(p);
    }
    let new = dir.join("new");
    std::fs::create_dir_all(&new).unwrap();
    let meta =
        json!({"group_id": group, "function_id": function, "value_str": param, "throughput": throughput});
    std::fs::write(new.join("benchmark.json"), meta.to_string()).unwrap();
    let ci =
        json!({"confidence_level": 0.95, "lower_bound": median_ns * 0.9, "upper_bound": median_ns * 1.1});
    let est = json!({"median": {"point_estimate": median_ns, "confidence_interval": ci}});
    std::fs::write(new.join("estimates.json"), est.to_string()).unwrap();
}

fn report(dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["report", "--out"])
        .arg(dir.join("reports"))
        .arg("--criterion")
        .arg(dir.join("criterion"))
        .arg("--python")
        .arg(dir.join("python.jsonl"))
        .output()
        .unwrap()
}

#[test]
fn a_full_run_gives_every_record_and_eight_charts() {
    let dir = scratch("full");
    let c = dir.0.join("criterion");
    for (k, serial_ms) in [(1, 20.0), (2, 40.0), (8, 160.0)] {
        let elements = json!({"Elements": k as u64 * 100_000_000});
        bench(&c, "count", "serial", Some(&k.to_string()), serial_ms * 1e6, elements.clone());
        for model in ["threads", "process", "pool", "async"] {
            bench(&c, "count", model, Some(&k.to_string()), serial_ms / 1.9 * 1e6, elements.clone());
        }
    }
    for (model, ms) in
        [("serial", 900.0), ("threads", 600.0), ("process", 500.0), ("pool", 600.0), ("async", 450.0)]
    {
        let workers = if model == "serial" { "1" } else { "2" };
        bench(&c, "ngram", model, Some(workers), ms * 1e6, json!({"Bytes": 400_000_000u64}));
    }
    // The engine on one worker and on two: its algorithm, then what the second worker adds.
    bench(&c, "ngram", "mapreduce", Some("1"), 450e6, json!({"Bytes": 400_000_000u64}));
    bench(&c, "ngram", "mapreduce", Some("2"), 250e6, json!({"Bytes": 400_000_000u64}));
    std::fs::write(
        c.join("ngram/dataset.json"),
        r#"{"file":"x.tsv","lines":20000000,"bytes":400000000,"distinct":1000000}"#,
    )
    .unwrap();
    for (size, ms) in [(16384, 900.0), (262144, 400.0), (4194304, 450.0), (268435456, 1200.0)] {
        bench(
            &c,
            "chunk_size",
            "process-bytes",
            Some(&size.to_string()),
            ms * 1e6,
            json!({"Bytes": 400_000_000u64}),
        );
    }
    for (name, ns) in
        [("std thread spawn+join", 40e3), ("child process spawn+join", 2.2e6), ("tokio spawn", 2e3)]
    {
        bench(&c, "overhead", name, None, ns, Value::Null);
    }
    // The groups' run.json (benches::GroupRun): CPU time per benchmark, how busy the
    // machine was, and the overhead bench's heartbeat.
    let cpu =
        |id: &str, cores: f64| (id.to_string(), json!({"wall_s": 1.0, "cpu_s": cores, "cores_used": cores}));
    let count_cpu: serde_json::Map<String, Value> =
        [cpu("serial/2", 1.0), cpu("threads/2", 1.97), cpu("process/2", 1.9)].into_iter().collect();
    let quiet = json!({"cpu": "X", "cores": 2, "others_pct": 1.0, "steal_pct": 0.0, "load_start": 0.2, "load_end": 1.9});
    let busy = json!({"cpu": "X", "cores": 2, "others_pct": 40.0, "steal_pct": 0.0, "load_start": 3.5, "load_end": 4.0});
    std::fs::write(
        c.join("count/run.json"),
        json!({"to": 100000000, "cpu": count_cpu, "stamp": quiet}).to_string(),
    )
    .unwrap();
    let beat = |placement: &str, worst: f64, beats: u64| {
        json!({"placement": placement, "to": 1000000000u64, "period_s": 0.01, "work_s": 0.2, "beats": beats,
               "worst_late_s": worst, "worst_late_min_s": worst, "worst_late_max_s": worst, "runs": 3})
    };
    let heartbeat = json!([beat("inline", 0.19, 1), beat("spawn_blocking", 0.001, 19)]);
    std::fs::write(c.join("overhead/run.json"), json!({"heartbeat": heartbeat, "stamp": busy}).to_string())
        .unwrap();
    let python = [
        json!({"lang": "python", "job": "count", "model": "serial", "variant": "loop", "tasks": 2, "to": 100000000, "elapsed_s": 7.2, "cores_used": 1.0}),
        json!({"lang": "python", "job": "count", "model": "threads", "variant": "threading.Thread", "tasks": 2, "to": 100000000, "elapsed_s": 7.1, "cores_used": 1.01}),
        json!({"lang": "python", "job": "count", "model": "process", "variant": "multiprocessing.Process (fork)", "start_method": "fork", "tasks": 2, "to": 100000000, "elapsed_s": 4.0}),
        json!({"lang": "python", "job": "count", "model": "process", "variant": "multiprocessing.Process (spawn)", "start_method": "spawn", "tasks": 2, "to": 100000000, "elapsed_s": 4.2}),
        json!({"lang": "python", "job": "ngram", "model": "mapreduce", "bytes": 400000000, "lines": 20000000, "distinct": 1000000, "elapsed_s": 33.0, "read_s": 7.0, "reduce_s": 3.3, "chunks": 5, "files": ["x.tsv"]}),
        json!({"lang": "python", "job": "overhead", "model": "process", "variant": "Process (fork)", "start_method": "fork", "elapsed_s": 0.002}),
        json!({"lang": "python", "job": "overhead", "model": "process", "variant": "Process (spawn)", "start_method": "spawn", "elapsed_s": 0.06}),
        json!({"lang": "python", "job": "heartbeat", "model": "async", "variant": "count inline in a coroutine", "placement": "inline", "period_s": 0.01, "elapsed_s": 0.4, "work_s": 0.4, "beats": 1, "worst_late_s": 0.4}),
        json!({"lang": "python", "job": "heartbeat", "model": "async", "variant": "run_in_executor(ProcessPoolExecutor)", "placement": "processes", "period_s": 0.01, "elapsed_s": 0.4, "work_s": 0.4, "beats": 39, "worst_late_s": 0.002}),
        json!({"lang": "python", "job": "result_order", "model": "pool", "way": "map", "workers": 2, "elapsed_s": 0.4, "first_short_s": 0.4}),
        json!({"lang": "python", "job": "result_order", "model": "pool", "way": "as_completed", "workers": 2, "elapsed_s": 0.4, "first_short_s": 0.003}),
        // A free-threaded CPython beside the regular one (`harness python --python python3.14t`).
        json!({"lang": "python", "job": "count", "model": "serial", "variant": "loop [Python 3.14.0, free-threaded, no GIL]", "interpreter": "python3.14t", "tasks": 2, "to": 100000000, "elapsed_s": 8.0, "stamp": {"python": "3.14.0", "gil": false}}),
        json!({"lang": "python", "job": "count", "model": "threads", "variant": "threading.Thread [Python 3.14.0, free-threaded, no GIL]", "interpreter": "python3.14t", "tasks": 2, "to": 100000000, "elapsed_s": 4.2, "stamp": {"python": "3.14.0", "gil": false}}),
    ];
    let lines: Vec<String> = python.iter().map(Value::to_string).collect();
    std::fs::write(dir.0.join("python.jsonl"), lines.join("\n")).unwrap();

    let out = report(&dir.0);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The claims, with the figures computed from the records (verdicts: findings' unit tests,
    // since they depend on this machine's cores).
    assert!(stderr.contains("Python threads over Python serial, K = 2: 1.01x (noise ±5%)"), "{stderr}");
    assert!(
        stderr.contains("Python multiprocessing.Process (fork) over Python serial, K = 2: 1.80x (noise ±5%)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the Python MapReduce's reduce over 5 dicts: 3.30 s of 33.0 s (10%); holds"),
        "{stderr}"
    );
    assert!(
        stderr.contains("first short result back after 400.0 ms with map, 3.0 ms with as_completed"),
        "{stderr}"
    );
    assert!(stderr.contains("run_in_executor keeps the event loop responsive"), "{stderr}");
    assert!(
        stderr.contains("CPython 3.14.0 free-threaded: threads over serial, K = 2: 1.90x (noise ±5%)"),
        "{stderr}"
    );
    assert!(stderr.contains("Rust threads over Rust serial, K = 2: 1.90x (noise ±20%)"), "{stderr}");

    let results: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.0.join("reports/results.json")).unwrap()).unwrap();
    // 15 count, 7 ngram, 4 chunk sizes, 3 overheads, 2 Rust heartbeats; 13 Python.
    assert_eq!(results.len(), 15 + 7 + 4 + 3 + 2 + 13);
    // One record type: every record has these, and the fields its job needs.
    for r in &results {
        for field in ["job", "model", "lang", "elapsed_s"] {
            assert!(!r[field].is_null(), "{field} in {r}");
        }
        assert!(r["machine"]["cores"].as_u64().is_some(), "{r}");
        match r["job"].as_str().unwrap() {
            "count" => assert!(r["to"].as_u64().is_some() && r["tasks"].as_u64().is_some(), "{r}"),
            "ngram" | "chunk_size" => assert!(r["dataset"]["lines"].as_u64().is_some(), "{r}"),
            _ => {}
        }
    }
    let ngram_async =
        results.iter().find(|r| r["job"] == "ngram" && r["model"] == "async" && r["lang"] == "rust").unwrap();
    assert_eq!(ngram_async["dataset"]["lines"], 20_000_000);
    assert!((ngram_async["gb_per_s"].as_f64().unwrap() - 400e6 / 0.45 / 1e9).abs() < 1e-9);
    let count2 =
        results.iter().find(|r| r["job"] == "count" && r["model"] == "threads" && r["tasks"] == 2).unwrap();
    assert_eq!((count2["to"].as_u64(), count2["result"].as_u64()), (Some(100_000_000), Some(200_000_000)));

    let html = std::fs::read_to_string(dir.0.join("reports/index.html")).unwrap();
    // Every sentence about this run is computed from it.
    assert!(html
        .contains("In this run, over Rust serial: threads 1.90x, process 1.90x, pool 1.90x, async 1.90x."));
    assert!(html.contains(
        "Over Python serial: threading.Thread 1.01x, multiprocessing.Process (fork) 1.80x, multiprocessing.Process (spawn) 1.71x."
    ));
    assert!(
        html.contains(
            "python3.14t (Python 3.14.0, free-threaded, no GIL) over its own serial: threads 1.90x."
        ),
        "{html}"
    );
    // Cores kept busy, for Rust rows from the group's CPU time, for Python from its records.
    assert!(html
        .contains("In this run, cores kept busy in Rust, K = 2: serial 1.00, threads 1.97, process 1.90."));
    assert!(
        html.contains(
            "In Python: loop 1.00, threading.Thread 1.01; one CPython thread at a time holds the GIL."
        ),
        "{html}"
    );
    let threads = results
        .iter()
        .find(|r| r["job"] == "count" && r["model"] == "threads" && r["tasks"] == 2 && r["lang"] == "rust")
        .unwrap();
    assert_eq!(threads["cores_used"], 1.97);
    assert_eq!(threads["stamp"]["others_pct"], 1.0);
    // The start methods, and the event loop's section.
    assert!(html.contains("Python, one no-op process from start to join, by start method: fork 2.00 ms, spawn 60.0 ms (30x fork)."));
    assert!(
        html.contains("Rust tokio: count inline in a task worst 190 ms late, 1 of about 20 beats"),
        "{html}"
    );
    // A busy machine is said where it measured: the overhead bench ran beside 40% of others.
    assert_eq!(
        html.matches(
            "The machine was busy while this was measured: the Rust benches: other programs used 40%"
        )
        .count(),
        2
    );
    assert!(html.contains(
        "In this run, fastest: Rust mapreduce (250 ms); slowest: the Python MapReduce (33.0 s), 132.0x slower."
    ));
    assert!(html.contains("process-bytes: best at 262.14 KB, smallest 2.25x slower, largest 3.00x slower"));
    assert!(html.contains("the cheapest: tokio spawn (2.00 µs); the dearest: Python Process (spawn) (60.0 ms), 30000.0x dearer."), "{html}");
    assert!(!html.contains("halves the time"), "no fixed claim about this run");
    assert!(html.contains(
        "the MapReduce engine on one worker is 2.00x serial: its algorithm alone; on 2 workers it is 1.80x its own one-worker time"
    ));
    assert!(html.contains("<table class=\"claims\">"));
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 8);
    assert_eq!(html.matches("<svg").count(), 8);
    assert!(!html.contains("No data for this chart"));
    // Nothing is fetched: no src/href/url() to the network (an SVG's xmlns is a name, not a fetch).
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(fetch), "the page works offline: found {fetch}");
    }
    for id in ["count", "cores", "speedup", "ngram", "workers", "chunks", "overhead", "event-loop"] {
        assert!(dir.0.join(format!("reports/{id}.svg")).is_file(), "{id}.svg");
    }
}

#[test]
fn missing_groups_and_python_are_said_not_faked() {
    let dir = scratch("partial");
    let c = dir.0.join("criterion");
    bench(&c, "overhead", "tokio spawn", None, 2e3, Value::Null);
    let out = report(&dir.0);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.0.join("reports/index.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 1);
    assert_eq!(html.matches("No data for this chart").count(), 7);
    assert!(html.contains("No Python baselines in this run"));
}

#[test]
fn nothing_to_report_is_a_clear_error() {
    let dir = scratch("empty");
    let out = report(&dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("nothing to report: no criterion results under"));
}

/// `--strict` fails the command when a claim that should hold on this machine does not (the
/// page is written either way); without it, the same run succeeds.
#[test]
fn strict_fails_when_a_claim_does_not_hold() {
    let dir = scratch("strict");
    let python = [
        json!({"lang": "python", "job": "count", "model": "serial", "variant": "loop", "tasks": 2, "to": 100000000, "elapsed_s": 7.0, "runs": 3, "elapsed_min_s": 6.9, "elapsed_max_s": 7.1}),
        json!({"lang": "python", "job": "count", "model": "process", "variant": "multiprocessing.Process", "tasks": 2, "to": 100000000, "elapsed_s": 6.9, "runs": 3, "elapsed_min_s": 6.8, "elapsed_max_s": 7.0}),
    ];
    let lines: Vec<String> = python.iter().map(Value::to_string).collect();
    std::fs::write(dir.0.join("python.jsonl"), lines.join("\n")).unwrap();
    let out = report(&dir.0);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let strict = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["report", "--strict", "--out"])
        .arg(dir.0.join("reports"))
        .arg("--criterion")
        .arg(dir.0.join("criterion"))
        .arg("--python")
        .arg(dir.0.join("python.jsonl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&strict.stderr);
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        assert!(!strict.status.success(), "{stderr}");
        assert!(stderr.contains("harness report --strict: 1 of the article's claims do not hold on this run: processes give up to min(K, cores)x"), "{stderr}");
    } else {
        assert!(strict.status.success(), "one core: cannot tell, not a failure: {stderr}");
    }
    assert!(dir.0.join("reports/index.html").is_file(), "the page is written either way");
}

/// `just report` after `just python` with another N: the Python records are not drawn, and
/// the page and stderr say which file, what differs and what reruns it. A truncated line is
/// one clear error naming the file and the line.
#[test]
fn records_of_another_run_are_not_drawn_and_bad_records_are_named() {
    let dir = scratch("mixed");
    let c = dir.0.join("criterion");
    let elements = json!({"Elements": 200_000_000u64});
    bench(&c, "count", "serial", Some("2"), 40e6, elements.clone());
    bench(&c, "count", "threads", Some("2"), 21e6, elements);
    let stamp = json!({"cpu": "Test CPU", "cores": 2, "os": "Test OS", "date": "2026-11-27T10:00:00Z", "commit": "abc1234"});
    std::fs::write(
        c.join("count/run.json"),
        json!({"to": 100_000_000u64, "tasks": [1, 2], "stamp": stamp}).to_string(),
    )
    .unwrap();
    let python = [
        json!({"lang": "python", "job": "count", "model": "serial", "variant": "loop", "tasks": 2, "to": 10000000, "elapsed_s": 0.7, "stamp": stamp}),
        json!({"lang": "python", "job": "count", "model": "threads", "variant": "threading.Thread", "tasks": 2, "to": 10000000, "elapsed_s": 0.7, "stamp": stamp}),
    ];
    let lines: Vec<String> = python.iter().map(Value::to_string).collect();
    std::fs::write(dir.0.join("python.jsonl"), lines.join("\n")).unwrap();
    let out = report(&dir.0);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let want = format!(
        "{}: 2 record(s) not drawn: measured with N = 10,000,000, this run with N = 100,000,000; rerun them with `just python`",
        dir.0.join("python.jsonl").display()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&want), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.0.join("reports/index.html")).unwrap();
    assert!(html.contains("Not drawn: records of another run"));
    assert!(!html.contains("threading.Thread"), "the other run's bars are not drawn");
    // The machine is the one the benches stamped, not the one drawing the page.
    assert!(html.contains("Test CPU, 2 cores (Test OS), measured 2026-11-27T10:00:00Z at commit abc1234"));

    std::fs::write(dir.0.join("python.jsonl"), format!("{}\n{{\"lang\": \"py", lines[0])).unwrap();
    let out = report(&dir.0);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:2: not a record", dir.0.join("python.jsonl").display()))
            && err.contains("rerun `just python`"),
        "{err}"
    );
    // A line of an older schema (no elapsed_s): one line naming the file, and no page.
    std::fs::remove_dir_all(dir.0.join("reports")).unwrap();
    let old = json!({"lang": "python", "job": "count", "model": "serial", "tasks": 2, "to": 100000000, "seconds": 7.0});
    std::fs::write(dir.0.join("python.jsonl"), old.to_string()).unwrap();
    let out = report(&dir.0);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "{}: a record that does not fit results.json (missing field `elapsed_s`",
            dir.0.join("python.jsonl").display()
        )),
        "{err}"
    );
    assert!(err.trim_end().ends_with("rerun `just python` to write it again"), "{err}");
    assert!(!dir.0.join("reports/index.html").exists(), "no half-drawn page");
}
