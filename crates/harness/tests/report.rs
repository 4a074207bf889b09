//! `harness report` on made-up records of every source (the benches' records.jsonl per group,
//! `harness claims`, `harness python`, `harness sweep`): every record lands in results.json,
//! the page has its charts and its claims with the verdicts their intervals decide, works
//! offline, and says what is missing; inputs that are not records are errors naming the file
//! and the line, and no page is written from them.

use std::path::Path;
use std::process::Command;
use workload::testing::Scratch;

use proptest::prelude::*;
use serde_json::{json, Value};

/// A scratch folder with an empty `criterion/` in it, as the report expects.
fn scratch(name: &str) -> Scratch {
    let dir = Scratch::new("report", name);
    std::fs::create_dir_all(dir.path("criterion")).unwrap();
    dir
}

fn stamp() -> Value {
    json!({"date": "2026-11-27T10:00:00Z", "cpu": "Test CPU", "cores": 2, "os": "Test OS", "commit": "abc1234",
           "rustc": null, "others_pct": 1.0, "steal_pct": 0.0, "load_start": 0.2, "load_end": 1.9})
}

/// A record: job, model, lang, elapsed and whatever else it has.
fn rec(job: &str, model: &str, lang: &str, elapsed: f64, more: Value) -> Value {
    let mut r = json!({"job": job, "model": model, "lang": lang, "elapsed_s": elapsed, "stamp": stamp()});
    for (k, v) in more.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

fn write(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// A claim of `[model, lang, group]` between `[base, other]`, measured in 10 rounds, every
/// ratio `ratio` but for a small wobble.
fn claim(who: [&str; 3], claim: &str, sides: [&str; 2], rule: Value, ratio: f64) -> Value {
    let [model, lang, group] = who;
    let [base, other] = sides;
    let ratios: Vec<f64> = (0..10).map(|i| ratio * (1.0 + (i % 3) as f64 * 0.01)).collect();
    rec(
        "claim",
        model,
        lang,
        2.0,
        json!({"variant": group, "tasks": if group == "count" { Some(2) } else { None }, "to": if group == "count" { Some(100000000) } else { None }, "claim": {
            "claim": claim, "article": "(the article)", "base": base, "other": other, "rule": rule,
            "ratios": ratios, "interval": null, "verdict": "holds", "disturbed": ["the canary moved +30% (0.300 to 0.390 ns per step)"],
            "budget_s": 15.0, "spent_s": 2.0, "canary_ns": [0.27, 0.28, 0.27, 0.29, 0.27, 0.27, 0.28, 0.27, 0.27, 0.28]}}),
    )
}

fn report(dir: &Path, more: &[&str]) -> std::process::Output {
    report_command(dir).args(more).output().unwrap()
}

/// `harness report` on the sources under `dir`, writing `dir/reports`.
fn report_command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command
        .args(["report", "--out"])
        .arg(dir.join("reports"))
        .arg("--criterion")
        .arg(dir.join("criterion"))
        .arg("--claims")
        .arg(dir.join("claims.jsonl"))
        .arg("--python")
        .arg(dir.join("python.jsonl"))
        .arg("--sweep")
        .arg(dir.join("sweep.jsonl"));
    command
}

fn full_run(dir: &Path) {
    let c = dir.join("criterion");
    let mut count = Vec::new();
    for (k, serial_s) in [(1u64, 0.020), (2, 0.040), (8, 0.160)] {
        count.push(rec(
            "count",
            "serial",
            "rust",
            serial_s,
            json!({"tasks": k, "to": 100000000, "workers": 1, "cores_used": 1.0}),
        ));
        for model in ["threads", "process", "pool", "async"] {
            let m = rec(
                "count",
                model,
                "rust",
                serial_s / 1.9,
                json!({"tasks": k, "to": 100000000, "workers": 2, "cores_used": 1.9}),
            );
            count.push(m);
        }
    }
    write(&c.join("count/records.jsonl"), &count);
    let dataset = json!({"file": "x.tsv", "lines": 20000000, "bytes": 400000000, "distinct": 1000000});
    let mut ngram = Vec::new();
    for (model, workers, s) in [
        ("serial", 1, 0.9),
        ("threads", 2, 0.6),
        ("process", 2, 0.5),
        ("pool", 2, 0.6),
        ("async", 2, 0.45),
        ("mapreduce", 1, 0.45),
        ("mapreduce", 2, 0.25),
    ] {
        ngram.push(rec(
            "ngram",
            model,
            "rust",
            s,
            json!({"workers": workers, "bytes": 400000000, "dataset": dataset}),
        ));
    }
    write(&c.join("ngram/records.jsonl"), &ngram);
    let busy = json!({"cpu": "Test CPU", "cores": 2, "others_pct": 40.0, "load_start": 3.5, "load_end": 4.0});
    let mut overhead = Vec::new();
    for (name, s) in
        [("std thread spawn+join", 40e-6), ("child process spawn+join", 2.2e-3), ("tokio spawn", 2e-6)]
    {
        let mut r = rec("overhead", name, "rust", s, json!({}));
        r["stamp"] = busy.clone();
        overhead.push(r);
    }
    for (placement, worst, beats) in [("inline", 0.19, 1), ("spawn_blocking", 0.001, 19)] {
        let mut r = rec(
            "heartbeat",
            "async",
            "rust",
            0.2,
            json!({"placement": placement, "variant": placement,
            "period_s": 0.01, "work_s": 0.2, "beats": beats, "worst_late_s": worst, "runs": 3}),
        );
        r["stamp"] = busy.clone();
        overhead.push(r);
    }
    write(&c.join("overhead/records.jsonl"), &overhead);

    let rounds = |s: f64| json!([s, s * 1.01, s * 0.99, s, s * 1.02, s, s * 0.98, s, s, s]);
    let mut claims = vec![
        claim(
            ["threads", "rust", "count"],
            "without a GIL, threads scale like processes (Rust)",
            ["Rust serial", "Rust threads"],
            json!({"at_least": 1.5}),
            1.95,
        ),
        claim(
            ["threads", "python", "count"],
            "CPython threads give no speedup on CPU work (the GIL)",
            ["Python loop", "Python threading.Thread"],
            json!({"at_most": 1.25}),
            1.01,
        ),
        claim(
            ["process", "python", "count"],
            "processes give up to min(K, cores)x: each has its own interpreter and GIL",
            ["Python loop", "Python multiprocessing.Process (fork)"],
            json!({"at_least": 1.5}),
            1.80,
        ),
        claim(
            ["mapreduce", "rust", "workers"],
            "the MapReduce job speeds up with workers (map in parallel, reduce in parallel)",
            ["the engine on 1 worker", "the engine on 2 workers"],
            json!({"at_least": 1.5}),
            1.15,
        ),
    ];
    // The engine's claim on the benches' shard, and its figure far from criterion's (1.8x).
    claims[3]["dataset"] = json!({"file": "x.tsv"});
    for (model, variant, s, cores) in [
        ("serial", "loop", 0.7, 1.0),
        ("threads", "threading.Thread", 0.71, 1.01),
        ("process", "multiprocessing.Process (fork)", 0.39, 1.9),
    ] {
        claims.push(rec("count", model, "python", s, json!({"variant": variant, "tasks": 2, "to": 10000000,
            "runs": 10, "elapsed_min_s": s * 0.98, "elapsed_max_s": s * 1.02, "rounds_s": rounds(s), "cores_used": cores})));
    }
    for (method, s) in [("fork", 0.002), ("spawn", 0.06)] {
        claims.push(rec(
            "overhead",
            "process",
            "python",
            s,
            json!({"variant": format!("Process ({method})"), "start_method": method}),
        ));
    }
    write(&dir.join("claims.jsonl"), &claims);

    let python = [
        rec(
            "ngram",
            "mapreduce",
            "python",
            33.0,
            json!({"bytes": 400000000, "lines": 20000000, "distinct": 1000000, "read_s": 7.0, "reduce_s": 3.3, "chunks": 5, "files": ["x.tsv"]}),
        ),
        rec(
            "heartbeat",
            "async",
            "python",
            0.4,
            json!({"variant": "count inline in a coroutine", "placement": "inline", "period_s": 0.01, "work_s": 0.4, "beats": 1, "worst_late_s": 0.4}),
        ),
        rec(
            "heartbeat",
            "async",
            "python",
            0.4,
            json!({"variant": "run_in_executor(ProcessPoolExecutor)", "placement": "processes", "period_s": 0.01, "work_s": 0.4, "beats": 39, "worst_late_s": 0.002}),
        ),
        rec(
            "result_order",
            "pool",
            "python",
            0.4,
            json!({"way": "map", "workers": 2, "to": 20000000, "first_short_s": 0.4, "runs": 3}),
        ),
        rec(
            "result_order",
            "pool",
            "python",
            0.4,
            json!({"way": "as_completed", "workers": 2, "to": 20000000, "first_short_s": 0.003, "runs": 3}),
        ),
    ];
    write(&dir.join("python.jsonl"), &python);
    let sweep: Vec<Value> = [(16384u64, 0.9), (262144, 0.4), (4194304, 0.45), (268435456, 1.2)]
        .iter()
        .map(|&(size, s)| {
            rec(
                "sweep",
                "mapreduce",
                "rust",
                s,
                json!({"variant": "mapreduce", "chunk_bytes": size, "dataset": dataset}),
            )
        })
        .collect();
    write(&dir.join("sweep.jsonl"), &sweep);
}

#[test]
fn a_full_run_gives_every_record_its_charts_and_the_claims_verdicts() {
    let dir = scratch("full");
    full_run(&dir);
    let out = report(&dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Each claim's line ends with what its interval decides (10 rounds at 99%: [min, max]).
    assert!(stderr.contains("Rust serial over Rust threads, K = 2, N = 100,000,000: 1.97x (99% interval 1.95x to 1.99x; 10 rounds, 1 thrown away"), "{stderr}");
    assert!(stderr.contains("CPython threads give no speedup on CPU work (the GIL):"), "{stderr}");
    assert!(stderr.contains("1.02x (99% interval 1.01x to 1.03x; 10 rounds"), "{stderr}");
    assert!(stderr.contains("the MapReduce job speeds up with workers (map in parallel, reduce in parallel): the engine on 1 worker over the engine on 2 workers: 1.16x (99% interval 1.15x to 1.17x; 10 rounds, 1 thrown away: the canary moved +30% (0.300 to 0.390 ns per step); 2.0 of its 15 s budget); does not hold"), "{stderr}");
    assert!(
        stderr.contains("the Python MapReduce's reduce over 5 dicts: 3.30 s of 33.0 s (10%), one run; holds"),
        "{stderr}"
    );
    assert!(stderr.contains("first short result back after 400 ms with map, 3.00 ms with as_completed (2 workers, the long count to 20,000,000, 3 runs)"), "{stderr}");
    assert!(stderr.contains("run_in_executor keeps the event loop responsive"), "{stderr}");
    assert!(stderr.contains("chunk size has a Goldilocks middle"), "{stderr}");
    let holds = stderr.lines().filter(|l| l.ends_with("; holds")).count();
    assert!(holds >= 5, "{stderr}");

    let results: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reports/results.json")).unwrap()).unwrap();
    // 15 count, 7 ngram, 5 overhead and heartbeat; 4 claims, 3 Python counts, 2 start-ups; 5 Python; 4 sweep.
    assert_eq!(results.len(), 15 + 7 + 5 + 4 + 3 + 2 + 5 + 4);
    for r in &results {
        // One record type: every record has these, typed.
        harness::report::record::Record::from_line(&r.to_string(), "results.json").unwrap();
    }

    let html = std::fs::read_to_string(dir.join("reports/index.html")).unwrap();
    // Every sentence about this run is computed from it.
    assert!(html.contains("In this run, K = 2, time per step over Rust serial's: threads 1.90x, process 1.90x, pool 1.90x, async 1.90x."), "{html}");
    assert!(
        html.contains("Over Python serial's: threading.Thread 0.99x, multiprocessing.Process (fork) 1.79x."),
        "{html}"
    );
    assert!(html.contains("In this run, cores kept busy in Rust, K = 2: serial 1.00, threads 1.90, process 1.90, pool 1.90, async 1.90."));
    assert!(html.contains("In Python: loop 1.00, threading.Thread 1.01, multiprocessing.Process (fork) 1.90; one CPython thread at a time holds the GIL."), "{html}");
    assert!(html.contains("Python, one no-op process from start to join, by start method: fork 2.00 ms, spawn 60.0 ms (30x fork)."));
    assert!(
        html.contains("Rust tokio: count inline in a task: worst beat 190 ms late (1 beat in 200 ms)"),
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
    assert!(html.contains("In this run, fastest: Rust mapreduce (250 ms); slowest: Python MapReduce (33.0 s), 132.0x slower."), "{html}");
    assert!(html.contains("(and 7.00 s of readlines before the clock)"), "{html}");
    assert!(html.contains("mapreduce: best at 262.14 KB, smallest 2.25x slower, largest 3.00x slower"));
    assert!(html.contains("the cheapest: tokio spawn (2.00 µs); the dearest: Python Process (spawn) (60.0 ms), 30000.0x dearer."), "{html}");
    assert!(html.contains("the MapReduce engine on one worker is 2.00x serial: its algorithm alone; on 2 workers it is 1.80x its own one-worker time"));
    // Criterion's engine figure (1.8x) and the side-by-side one (1.15x) disagree: said.
    assert!(html.contains("disagree beyond both: the machine's speed changed"), "{html}");
    assert!(html.contains("the canary took 0.270 ns per step at the median"), "{html}");
    assert!(html.contains("<table class=\"claims\">"));
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 9);
    assert!(!html.contains("No data for this chart"));
    // Nothing is fetched: no src/href/url() to the network (an SVG's xmlns is a name, not a fetch).
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(fetch), "the page works offline: found {fetch}");
    }
    for id in ["count", "cores", "canary", "speedup", "ngram", "workers", "chunks", "overhead", "event-loop"]
    {
        assert!(dir.join(format!("reports/{id}.svg")).is_file(), "{id}.svg");
    }
}

#[test]
fn missing_sources_are_said_not_faked() {
    let dir = scratch("partial");
    write(
        &dir.join("criterion/overhead/records.jsonl"),
        &[rec("overhead", "tokio spawn", "rust", 2e-6, json!({}))],
    );
    let out = report(&dir, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.join("reports/index.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 1);
    assert_eq!(html.matches("No data for this chart").count(), 8);
    assert!(html.contains("No Python baselines in this run"));
}

#[test]
fn nothing_to_report_is_a_clear_error() {
    let dir = scratch("empty");
    let out = report(&dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("nothing to report: no records under"));
}

/// `--strict` fails the command when a claim's interval lies wholly on the wrong side (the
/// page is written either way); a claim inside the noise is "cannot tell", not a failure.
#[test]
fn strict_fails_only_when_an_interval_decides_against_a_claim() {
    let dir = scratch("strict");
    let mut noisy = claim(
        ["threads", "rust", "count"],
        "without a GIL, threads scale like processes (Rust)",
        ["Rust serial", "Rust threads"],
        json!({"at_least": 1.5}),
        1.0,
    );
    // The 0.57x run: ratios from 0.3x to 2.2x straddle the threshold: cannot tell.
    noisy["claim"]["ratios"] = json!([0.3, 2.2, 0.57, 1.9, 0.5, 2.0, 0.6, 1.8, 0.4, 2.1]);
    write(&dir.join("claims.jsonl"), &[noisy]);
    let out = report(&dir, &["--strict"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot tell (the interval 0.30x to 2.20x straddles at least 1.50x)"),
        "{stderr}"
    );

    let flat = claim(
        ["process", "python", "count"],
        "processes give up to min(K, cores)x: each has its own interpreter and GIL",
        ["Python loop", "Python multiprocessing.Process (fork)"],
        json!({"at_least": 1.5}),
        1.02,
    );
    write(&dir.join("claims.jsonl"), &[flat]);
    let out = report(&dir, &["--strict"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("harness report --strict: 1 of the article's claims do not hold on this run: processes give up to min(K, cores)x"), "{stderr}");
    assert!(dir.join("reports/index.html").is_file(), "the page is written either way");
}

/// `just report` after `just python` with another shard: its records are not drawn, and the
/// page and stderr say which file, what differs and what reruns it. A line that is not a
/// record is one clear error naming the file and the line, and no page is written.
#[test]
fn records_of_another_run_are_not_drawn_and_bad_records_are_named() {
    let dir = scratch("mixed");
    let dataset = json!({"file": "data/a.tsv", "lines": 100, "bytes": 1000, "distinct": 10});
    write(
        &dir.join("criterion/ngram/records.jsonl"),
        &[rec("ngram", "serial", "rust", 0.5, json!({"workers": 1, "dataset": dataset}))],
    );
    let other = rec("ngram", "mapreduce", "python", 3.0, json!({"files": ["data/b.tsv"]}));
    write(
        &dir.join("python.jsonl"),
        &[other.clone(), rec("ngram", "polars", "python", 1.0, json!({"files": ["data/b.tsv"]}))],
    );
    let out = report(&dir, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let want = format!(
        "{}: 2 record(s) not drawn: measured on data/b.tsv, this run on data/a.tsv; rerun them with `just python`",
        dir.join("python.jsonl").display()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&want), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.join("reports/index.html")).unwrap();
    assert!(html.contains("Not drawn: records of another run"));
    assert!(!html.contains("Python MapReduce"), "the other run's bars are not drawn");
    // The machine is the one the benches stamped, not the one drawing the page.
    assert!(html.contains("Test CPU, 2 cores (Test OS), measured 2026-11-27T10:00:00Z at commit abc1234"));

    std::fs::write(dir.join("python.jsonl"), format!("{other}\n{{\"lang\": \"py")).unwrap();
    std::fs::remove_dir_all(dir.join("reports")).unwrap();
    let out = report(&dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "{}:2: a record that does not fit results.json",
            dir.join("python.jsonl").display()
        )) && err.trim_end().ends_with("rerun `just python`"),
        "{err}"
    );
    assert!(!dir.join("reports/index.html").exists(), "no half-drawn page");
    // The same records twice would draw every bar twice: refused, named.
    let ours = rec("ngram", "mapreduce", "python", 3.0, json!({"files": ["data/a.tsv"]}));
    write(&dir.join("python.jsonl"), &[ours.clone(), ours]);
    let out = report(&dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("{}:2: the same figure as line 1", dir.join("python.jsonl").display());
    assert!(err.starts_with(&want), "{err}");
}

/// Values a hostile or broken source might hold where a record has a field: mostly of the
/// field's own type (`like`, its value in the full run), so that most records parse and reach
/// the charts; the rest of any type.
fn odd_value(pick: usize, like: &Value) -> Value {
    let numbers = [
        json!(0),
        json!(-1),
        json!(0.0),
        json!(-0.5),
        json!(1e300),
        json!(-1e300),
        json!(1e-300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(4096),
        json!(2.5),
        json!(1e9),
        json!(1e-9),
        json!(3),
        json!(1e12),
        json!(1.7e308),
        json!(5e-324),
    ];
    let others = [
        json!("x"),
        json!(""),
        Value::Null,
        json!(true),
        json!([]),
        json!({}),
        json!([0, 1e300, -1]),
        json!([1e-300]),
        json!(["a", 1]),
    ];
    let number = numbers[pick % numbers.len()].clone();
    match like {
        _ if pick.is_multiple_of(5) => others[(pick / 5) % others.len()].clone(),
        Value::Number(_) => number,
        Value::Array(items) if items.iter().all(Value::is_number) => {
            json!([number, numbers[(pick / 7) % numbers.len()].clone()])
        }
        _ => others[pick % others.len()].clone(),
    }
}

/// Every field a record of the full run has (nested ones as `outer.inner`), and some that
/// records of other sources have.
fn fields_of(records: &[Value]) -> Vec<String> {
    let mut fields = std::collections::BTreeSet::new();
    for r in records {
        for (k, v) in r.as_object().unwrap() {
            fields.insert(k.clone());
            if let Some(inner) = v.as_object() {
                fields.extend(inner.keys().map(|i| format!("{k}.{i}")));
            }
        }
    }
    fields.extend(
        [
            "chunk_bytes",
            "chunks",
            "speedup",
            "rounds_s",
            "order",
            "phases",
            "shipping",
            "stamp.gil",
            "claim.interval",
        ]
        .map(String::from),
    );
    fields.into_iter().collect()
}

/// The report's one promise on any input: a page, or one line saying what is wrong (exit 1),
/// within a time bound; never a panic, an abort, a hang or an allocation the size of a value.
fn page_or_one_line(dir: &Path) -> Result<(), TestCaseError> {
    let mut child = report_command(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TestCaseError::fail("the report ran past 30 s"));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => prop_assert!(dir.join("reports/index.html").is_file(), "exit 0 and no page: {err}"),
        Some(1) => prop_assert_eq!(err.lines().count(), 1, "one line: {}", err),
        _ => prop_assert!(false, "{:?}: {}", out.status, err),
    }
    Ok(())
}

/// 64 cases in CI (`PROPTEST_CASES` for a longer search).
fn odd_cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: odd_cases(), ..ProptestConfig::default() })]

    /// A full run with a few fields of a few records set to odd values (or removed).
    #[test]
    fn any_record_gives_a_page_or_one_line_error(
        changes in prop::collection::vec((any::<usize>(), any::<usize>(), any::<usize>(), any::<bool>()), 1..5)
    ) {
        let dir = scratch(&format!("odd-{}", changes[0].0 % 1000));
        full_run(&dir);
        let files = ["criterion/count/records.jsonl", "criterion/ngram/records.jsonl",
            "criterion/overhead/records.jsonl", "claims.jsonl", "python.jsonl", "sweep.jsonl"];
        let mut all: Vec<Vec<Value>> = files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(dir.join(f)).unwrap();
                text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
            })
            .collect();
        let fields = fields_of(&all.concat());
        for &(which, field, value, remove) in &changes {
            let file = which % files.len();
            let index = (which / files.len()) % all[file].len();
            let record = &mut all[file][index];
            let field = &fields[field % fields.len()];
            let (outer, inner) = field.split_once('.').map_or((field.as_str(), None), |(o, i)| (o, Some(i)));
            match inner {
                None if remove => { record.as_object_mut().unwrap().remove(outer); }
                None => record[outer] = odd_value(value, &record[outer].clone()),
                Some(inner) => {
                    if !record[outer].is_object() {
                        record[outer] = json!({});
                    }
                    let like = record[outer][inner].clone();
                    record[outer][inner] = if remove { Value::Null } else { odd_value(value, &like) };
                }
            }
        }
        for (file, records) in files.iter().zip(&all) {
            write(&dir.join(file), records);
        }
        page_or_one_line(&dir)?;
    }

    /// Bytes that are not records at all, in one source.
    #[test]
    fn any_bytes_give_a_page_or_one_line_error(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        keep_json in any::<bool>()
    ) {
        let dir = scratch(&format!("bytes-{}", bytes.len()));
        full_run(&dir);
        let mut text = if keep_json { std::fs::read(dir.join("python.jsonl")).unwrap() } else { Vec::new() };
        text.extend_from_slice(&bytes);
        std::fs::write(dir.join("python.jsonl"), text).unwrap();
        page_or_one_line(&dir)?;
    }
}
