//! The `harness` binary end to end: the CLI contract of ARCHITECTURE.md.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Command, Output};
use workload::testing::Scratch;

use serde_json::Value;
use workload::oracle;

/// Every model's name, in the registry's order.
fn model_names() -> Vec<&'static str> {
    harness::models::Model::ALL.iter().map(|m| m.name()).collect()
}

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness")).args(args).output().expect("harness runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn gen(path: &Path, lines: u64, unique: u64, seed: u64) -> Vec<u8> {
    let out = harness(&[
        "gen",
        "--lines",
        &lines.to_string(),
        "--unique",
        &unique.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "gen failed: {}", stderr(&out));
    std::fs::read(path).unwrap()
}

/// `harness ngram INPUT --model serial --top 0 --output OUTPUT`, which must succeed: the
/// reference answer as a TSV.
fn serial_tsv(input: &Path, output: &Path) {
    let out = harness(&[
        "ngram",
        input.to_str().unwrap(),
        "--model",
        "serial",
        "--top",
        "0",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `data` compressed as a `.gz` file holds it.
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out).lines().map(|l| serde_json::from_str(l).expect("each stdout line is JSON")).collect()
}

#[test]
fn gen_is_deterministic_and_well_formed() {
    let dir = Scratch::new("cli", "gen");
    let a = gen(&dir.path("a.tsv"), 20_000, 1_000, 7);
    let again = gen(&dir.path("again.tsv"), 20_000, 1_000, 7);
    let other = gen(&dir.path("other.tsv"), 20_000, 1_000, 8);
    assert_eq!(a, again, "the same seed gives the same bytes");
    assert_ne!(a, other, "another seed gives another file");
    assert!(!dir.path("a.tsv.partial").exists());

    let text = String::from_utf8(a.clone()).expect("generated text is UTF-8");
    let mut seen = HashSet::new();
    let mut previous: Option<(&str, u32)> = None;
    let mut line_count = 0;
    for line in text.lines() {
        line_count += 1;
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "line {line_count}: {line:?}");
        let year: u32 = fields[1].parse().unwrap();
        let matches: u64 = fields[2].parse().unwrap();
        let volumes: u64 = fields[3].parse().unwrap();
        assert!((1500..=2008).contains(&year));
        assert!(volumes >= 1 && volumes <= matches, "line {line_count}: {line:?}");
        match previous {
            // Grouped by ngram, years ascending.
            Some((ngram, prev_year)) if ngram == fields[0] => assert!(year > prev_year, "line {line_count}"),
            _ => assert!(seen.insert(fields[0].to_string()), "{} appears in two groups", fields[0]),
        }
        previous = Some((fields[0], year));
    }
    assert_eq!(line_count, 20_000);
    assert_eq!(seen.len(), 1_000);
    let totals = oracle::ngram_totals(&a).unwrap();
    assert_eq!(totals[&b"Aardvark"[..]], 15209, "the article's answer is planted");
    // The forms the real data has: Capitalised, UPPER, POS-tagged, non-ASCII.
    assert!(seen.iter().any(|w| w.ends_with("_NOUN")));
    assert!(seen.iter().any(|w| w.len() > 3 && w.chars().all(|c| !c.is_lowercase())));
    assert!(seen.iter().any(|w| w.starts_with('A') && w.chars().skip(1).any(char::is_lowercase)));
    assert!(seen.iter().any(|w| !w.is_ascii()));
}

#[test]
fn gen_refuses_what_cannot_fit() {
    let dir = Scratch::new("cli", "gen-bad");
    let out =
        harness(&["gen", "--lines", "10", "--unique", "300", "--out", dir.path("x.tsv").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--lines 10 does not fit --unique 300"), "{}", stderr(&out));
    assert!(!dir.path("x.tsv").exists());
}

#[test]
fn ngram_json_tsv_and_agreement() {
    let dir = Scratch::new("cli", "ngram");
    let shard = dir.path("shard.tsv");
    let data = gen(&shard, 30_000, 2_000, 3);
    let want = oracle::ngram_totals(&data).unwrap();
    let tsv = dir.path("out.tsv");
    let out = harness(&[
        "ngram",
        shard.to_str().unwrap(),
        "--model",
        "all",
        "--json",
        "--word",
        "Aardvark",
        "--word",
        "zzz-absent",
        "--top",
        "3",
        "--chunk-bytes",
        "4KiB",
        "--output",
        tsv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    // `--model all`: every model with both algorithms, each checked against serial's.
    let cells: Vec<String> = records
        .iter()
        .map(|r| format!("{}/{}", r["model"].as_str().unwrap(), r["algorithm"].as_str().unwrap()))
        .collect();
    let want_cells: Vec<String> =
        model_names().iter().flat_map(|m| [format!("{m}/merge"), format!("{m}/partitioned")]).collect();
    assert_eq!(cells, want_cells);
    assert!(records.iter().all(|r| r["chunk_bytes"] == 4096), "the chunk size is recorded");
    let total: u64 = want.values().sum();
    let mut top: Vec<(&Vec<u8>, &u64)> = want.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for r in &records {
        assert_eq!(r["job"], "ngram");
        assert_eq!(r["lines"], 30_000);
        assert_eq!(r["bytes"], data.len() as u64);
        assert_eq!(r["distinct"], 2_000);
        assert_eq!(r["total_match_count"], total);
        assert_eq!(r["words"]["Aardvark"], 15209);
        assert_eq!(r["words"]["zzz-absent"], 0);
        assert_eq!(r["skipped_malformed"], 0);
        assert!(r["elapsed_s"].as_f64().unwrap() > 0.0);
        // Only the process model crosses process boundaries, and says what that cost.
        if r["model"] == "process" {
            assert_eq!(r["shipping"]["mode"], "range");
            assert!(r["shipping"]["bytes_from_workers"].as_u64().unwrap() > 0);
        } else {
            assert!(r.get("shipping").is_none());
        }
        // The partitioned algorithm reports its phases, on any model.
        if r["algorithm"] == "partitioned" {
            assert_eq!(r["phases"]["partitions"], 4 * r["workers"].as_u64().unwrap());
            assert!(r["phases"]["map_s"].as_f64().unwrap() > 0.0);
        } else {
            assert!(r.get("phases").is_none());
        }
        let got_top: Vec<(String, u64)> = serde_json::from_value(r["top"].clone()).unwrap();
        let want_top: Vec<(String, u64)> =
            top[..3].iter().map(|(k, v)| (String::from_utf8(k.to_vec()).unwrap(), **v)).collect();
        assert_eq!(got_top, want_top);
    }
    // The TSV: every ngram once, sorted by bytes, with the oracle's totals.
    let written = std::fs::read(&tsv).unwrap();
    let mut expected = Vec::new();
    for (k, v) in &want {
        expected.extend_from_slice(k);
        expected.extend(format!("\t{v}\n").bytes());
    }
    assert_eq!(written, expected);
}

#[test]
fn text_output_names_machine_models_and_words() {
    let dir = Scratch::new("cli", "text");
    let shard = dir.path("s.tsv");
    gen(&shard, 2_000, 100, 1);
    let out = harness(&[
        "ngram",
        shard.to_str().unwrap(),
        "--model",
        "threads",
        "--workers",
        "2",
        "--word",
        "Aardvark",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("2,000 lines"), "{text}");
    assert!(text.contains("cores"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("threads ") && l.contains(" 2 ")), "{text}");
    assert!(text.contains("Aardvark\t15209"), "{text}");
    assert!(text.contains("top 10:"), "{text}");
}

#[test]
fn malformed_input_fails_with_file_and_line_and_prints_no_result() {
    let dir = Scratch::new("cli", "bad");
    let bad = dir.path("bad.tsv");
    std::fs::write(&bad, "a\t1900\t1\t1\nb\t1900\t2\t1\nc\t1900\nd\t1900\t-4\t1\n").unwrap();
    let tsv = dir.path("out.tsv");
    for model in model_names().into_iter().chain(["all"]) {
        let out = harness(&[
            "ngram",
            bad.to_str().unwrap(),
            "--model",
            model,
            "--json",
            "--output",
            tsv.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{model}");
        assert_eq!(stderr(&out), format!("{}:3: expected 4 tab-separated fields, found 2\n", bad.display()));
        assert_eq!(stdout(&out), "", "no result is printed for {model}");
        assert!(!tsv.exists(), "no output file for {model}");
    }
    let out = harness(&["ngram", bad.to_str().unwrap(), "--model", "all", "--json", "--skip-malformed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for r in json_lines(&out) {
        assert_eq!(r["skipped_malformed"], 2);
        assert_eq!(r["lines"], 4);
        assert_eq!(r["total_match_count"], 3);
    }
    assert!(
        stderr(&out).contains(&format!("skipped 2 malformed line(s); the first: {}:3:", bad.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn count_all_models_agree_in_json() {
    let out =
        harness(&["count", "--model", "all", "--to", "1e4", "--tasks", "3", "--workers", "2", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    let workers: BTreeMap<String, u64> = records
        .iter()
        .map(|r| (r["model"].as_str().unwrap().to_string(), r["workers"].as_u64().unwrap()))
        .collect();
    let expected = model_names().into_iter().map(|m| (m.to_string(), if m == "serial" { 1 } else { 2 }));
    assert_eq!(workers, expected.collect());
    for r in &records {
        assert_eq!(r["job"], "count");
        assert_eq!(r["tasks"], 3);
        assert_eq!(r["to"], 10_000);
        assert_eq!(r["result"], 30_000);
    }
}

#[test]
fn clear_errors_for_bad_arguments_and_files() {
    let out = harness(&["count", "--model", "fibers"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains(&format!("unknown model 'fibers'; available: {}, all", model_names().join(", "))),
        "{}",
        stderr(&out)
    );
    let out = harness(&["ngram", "/nonexistent/a.tsv", "--model", "serial"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "/nonexistent/a.tsv: No such file or directory (os error 2)\n");
    let out = harness(&["count", "--model", "serial", "--to", "1e19", "--tasks", "2"]);
    assert!(stderr(&out).contains("overflows u64"), "{}", stderr(&out));
}

#[test]
fn all_models_agree_on_shuffled_input() {
    let dir = Scratch::new("cli", "shuffled");
    let data = gen(&dir.path("sorted.tsv"), 20_000, 1_500, 9);
    // Scatter every ngram's lines across the file: a fixed permutation of the lines.
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let n = lines.len();
    let mut shuffled = Vec::with_capacity(data.len());
    for i in 0..n {
        // 7919 is prime and does not divide 20,000: i -> i * 7919 mod n is a permutation.
        shuffled.extend_from_slice(lines[i * 7919 % n]);
        shuffled.push(b'\n');
    }
    lines.clear();
    let path = dir.path("shuffled.tsv");
    std::fs::write(&path, &shuffled).unwrap();
    let tsv = dir.path("out.tsv");
    let out = harness(&[
        "ngram",
        path.to_str().unwrap(),
        "--model",
        "all",
        "--chunk-lines",
        "777",
        "--output",
        tsv.to_str().unwrap(),
        "--top",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut expected = Vec::new();
    for (k, v) in oracle::ngram_totals(&data).unwrap() {
        expected.extend_from_slice(&k);
        expected.extend(format!("\t{v}\n").bytes());
    }
    assert_eq!(std::fs::read(&tsv).unwrap(), expected);
    // The header line, then a row for each of 6 models x 2 algorithms.
    assert_eq!(stdout(&out).lines().filter(|l| l.contains("20,000") || l.contains(" 1,500 ")).count(), 13);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // `harness ngram ... | head`: the reader goes away; we stop without a panic message.
    let dir = Scratch::new("cli", "pipe");
    let shard = dir.path("s.tsv");
    gen(&shard, 200_000, 100_000, 4);
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["ngram", shard.to_str().unwrap(), "--model", "serial", "--top", "100000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // 100,000 lines are far more than a pipe holds
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

/// The pids of `parent`'s children, from /proc.
fn children_of(parent: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // Fields after the ")" closing the command name: state, ppid, ...
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        if ppid == parent {
            pids.push(pid);
        }
    }
    pids
}

/// Running means present and not a zombie (an exited orphan may linger as one until
/// whoever adopted it reaps it).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat[stat.rfind(')').unwrap() + 2..].starts_with('Z'))
}

#[test]
fn workers_do_not_outlive_a_killed_parent() {
    let dir = Scratch::new("cli", "orphans");
    let shard = dir.path("s.tsv");
    gen(&shard, 2_000_000, 100_000, 5);
    let mut parent = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "ngram",
            shard.to_str().unwrap(),
            "--model",
            "process",
            "--workers",
            "2",
            "--chunk-bytes",
            "16KiB",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Polling /proc is the only way to watch processes we did not start; both loops are
    // bounded, so the test fails rather than hangs.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let workers = loop {
        let workers = children_of(parent.id());
        if workers.len() == 2 || std::time::Instant::now() > deadline {
            break workers;
        }
        std::thread::yield_now();
    };
    assert_eq!(workers.len(), 2, "the parent started its two workers");
    parent.kill().unwrap(); // SIGKILL: no cleanup code runs in the parent
    parent.wait().unwrap();
    // With the parent gone their stdin closes, so each worker exits after its chunk.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while workers.iter().any(|&pid| running(pid)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(workers.iter().all(|&pid| !running(pid)), "orphaned workers still running: {workers:?}");
}

#[test]
fn python_baselines_are_skipped_without_python() {
    let dir = Scratch::new("cli", "nopython");
    let out_file = dir.path("python.jsonl");
    std::fs::write(&out_file, "stale\n").unwrap();
    let out = harness(&[
        "python",
        "--python",
        "/nonexistent/python3",
        "--venv",
        dir.path("venv").to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no Python 3 found (/nonexistent/python3); skipping the Python baselines"),
        "{}",
        stderr(&out)
    );
    // Nothing is deleted: the earlier run's file stays, and the message says so.
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "stale\n");
    assert!(stderr(&out).contains("holds an earlier run's records"), "{}", stderr(&out));
    // A program that runs but is not a Python 3 is an error, and deletes nothing either.
    let out = harness(&["python", "--python", "/bin/echo", "--out", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "harness python: /bin/echo is not a Python 3 (`--version` did not say so)\n");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "stale\n");
}

#[test]
fn gzip_input_gives_the_same_answer_in_every_model() {
    let dir = Scratch::new("cli", "gzip");
    let plain = dir.path("a.tsv");
    let data = gen(&plain, 20_000, 700, 5);
    let gz = dir.path("a.tsv.gz");
    std::fs::write(&gz, gzip(&data)).unwrap();
    let out = harness(&["ngram", gz.to_str().unwrap(), "--model", "all", "--json", "--chunk-bytes", "10000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = oracle::ngram_totals(&data).unwrap();
    let records = json_lines(&out);
    assert!(records.iter().any(|r| r["model"] == "mapreduce"));
    for r in &records {
        assert_eq!(r["lines"], 20_000, "{r}");
        assert_eq!(r["bytes"], data.len() as u64, "{r}");
        assert_eq!(r["distinct"], want.len() as u64, "{r}");
        assert_eq!(r["total_match_count"], want.values().sum::<u64>(), "{r}");
    }
    // The engine on processes is the process workers' run, .gz or not (it used to stream on
    // the rayon pool without a word).
    let out = harness(&[
        "ngram",
        gz.to_str().unwrap(),
        "--model",
        "mapreduce",
        "--executor",
        "processes",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let record = &json_lines(&out)[0];
    assert_eq!(record["shipping"]["mode"], "range", "{record}");
    assert_eq!(record["total_match_count"], want.values().sum::<u64>(), "{record}");
    let broken = dir.path("broken.tsv.gz");
    std::fs::write(&broken, b"\x1f\x8b\x08\x00 not really gzip").unwrap();
    let out = harness(&["ngram", broken.to_str().unwrap(), "--model", "mapreduce"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("broken.tsv.gz") && err.contains("gzip") && err.lines().count() == 1, "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn sweep_writes_a_curve_for_the_report() {
    let dir = Scratch::new("cli", "sweep");
    let shard = dir.path("a.tsv");
    let data = gen(&shard, 5_000, 300, 9);
    let out = dir.path("sweep.jsonl");
    let run = harness(&[
        "sweep",
        shard.to_str().unwrap(),
        "--min",
        "1024",
        "--max",
        "65536",
        "--repeat",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    // One record of results.json's one type per point, stamped where it was measured.
    let points: Vec<harness::report::record::Record> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| {
            harness::report::record::Record::from_line(l, "sweep.jsonl").unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let want = oracle::ngram_totals(&data).unwrap();
    let sizes = |series: &str| -> Vec<u64> {
        points
            .iter()
            .filter(|p| p.variant.as_deref() == Some(series))
            .map(|p| p.chunk_bytes.unwrap())
            .collect()
    };
    assert_eq!(sizes("mapreduce"), [1024, 4096, 16384, 65536]);
    assert_eq!(sizes("mapreduce, processes"), [1024, 4096, 16384, 65536]);
    assert!(points.iter().any(|p| p.model == "process"));
    for r in &points {
        assert_eq!((r.job.as_str(), r.lang.as_str(), r.runs), ("sweep", "rust", Some(2)));
        let dataset = r.dataset.as_ref().unwrap();
        assert_eq!((dataset.lines, dataset.distinct), (Some(5_000), Some(want.len() as u64)));
        assert_eq!(r.total_match_count, Some(want.values().sum::<u64>()));
        assert!(r.stamp.is_some());
        assert_eq!(r.rounds_s.as_ref().unwrap().len(), 2);
        assert_eq!(r.chunks, Some((data.len() as u64).div_ceil(r.chunk_bytes.unwrap())));
    }
    let bad = harness(&[
        "sweep",
        shard.to_str().unwrap(),
        "--min",
        "65536",
        "--max",
        "1024",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("no chunk size"), "{}", stderr(&bad));
}

#[test]
fn the_engine_runs_on_child_processes_of_harness_itself() {
    let dir = Scratch::new("cli", "engine-processes");
    let shard = dir.path("a.tsv");
    let data = gen(&shard, 20_000, 900, 4);
    let out = harness(&[
        "ngram",
        shard.to_str().unwrap(),
        "--model",
        "mapreduce",
        "--executor",
        "processes",
        "--chunk-bytes",
        "20000",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = oracle::ngram_totals(&data).unwrap();
    let r = &json_lines(&out)[0];
    assert_eq!(r["distinct"], want.len());
    assert_eq!(r["total_match_count"], want.values().sum::<u64>());
    assert!(r["shipping"]["bytes_from_workers"].as_u64().unwrap() > 0, "{r}");
}

/// Outputs never replace what they must not: an input, the file behind a symlink, a device, a
/// directory; each is refused with one line naming it, before any work, and leaves nothing.
#[test]
fn outputs_that_would_lose_data_are_refused_before_any_work() {
    let dir = Scratch::new("cli", "outputs");
    let shard = dir.path("s.tsv");
    let data = gen(&shard, 2_000, 300, 5);
    let link = dir.path("link.tsv");
    std::os::unix::fs::symlink(&shard, &link).unwrap();
    let hard = dir.path("hard.tsv");
    std::fs::hard_link(&shard, &hard).unwrap();
    let folder = dir.path("folder");
    std::fs::create_dir(&folder).unwrap();
    let cases: [(&Path, &str); 6] = [
        (&shard, "is also an input"),
        (&hard, "is also an input"),
        (&link, "is a symbolic link"),
        (Path::new("/dev/null"), "is not a regular file"),
        (&folder, "is a directory"),
        (&dir.path("missing/out.tsv"), "the folder"),
    ];
    for (target, why) in cases {
        let out = harness(&[
            "ngram",
            shard.to_str().unwrap(),
            "--model",
            "serial",
            "--output",
            target.to_str().unwrap(),
        ]);
        assert!(!out.status.success(), "{} was accepted", target.display());
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("{}: {why}", target.display())), "{err}");
        assert!(stdout(&out).is_empty(), "nothing is printed as a result");
    }
    let out = harness(&["gen", "--lines", "100", "--unique", "50", "--out", link.to_str().unwrap()]);
    assert!(stderr(&out).contains("is a symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&shard).unwrap(), data, "the input is untouched");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is untouched");
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["folder", "hard.tsv", "link.tsv", "s.tsv"], "no temporary file is left behind");
}

/// Two runs writing the same `--output` at once: each writes a file of its own and renames
/// it whole, so the target ends as one run's complete answer, never a mix.
#[test]
fn two_runs_writing_one_output_leave_one_complete_answer() {
    let dir = Scratch::new("cli", "racing");
    let (big, small) = (dir.path("big.tsv"), dir.path("small.tsv"));
    gen(&big, 300_000, 20_000, 6);
    gen(&small, 1_000, 200, 7);
    let (want_big, want_small) = (dir.path("want-big.tsv"), dir.path("want-small.tsv"));
    serial_tsv(&big, &want_big);
    serial_tsv(&small, &want_small);
    let target = dir.path("o.tsv");
    let run = |input: &Path| {
        Command::new(env!("CARGO_BIN_EXE_harness"))
            .args([
                "ngram",
                input.to_str().unwrap(),
                "--model",
                "pool",
                "--top",
                "0",
                "--output",
                target.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    std::thread::scope(|s| {
        let a = s.spawn(|| run(&big));
        let b = s.spawn(|| run(&small));
        for out in [a.join().unwrap(), b.join().unwrap()] {
            assert!(out.status.success(), "{}", stderr(&out));
        }
    });
    let got = std::fs::read(&target).unwrap();
    assert!(
        got == std::fs::read(&want_big).unwrap() || got == std::fs::read(&want_small).unwrap(),
        "the output is neither run's whole answer ({} bytes)",
        got.len()
    );
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")),
        "no temporary file is left behind"
    );
}

/// A pipe is read as a stream, never as an empty file: `/dev/stdin` and `-` give the file's
/// totals, on every model that can take bytes in memory; the process model's partitioned run,
/// whose workers open the file themselves, refuses it with a message.
#[test]
fn a_pipe_is_read_as_a_stream_not_as_an_empty_file() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = Scratch::new("cli", "pipe-input");
    let shard = dir.path("s.tsv");
    let data = gen(&shard, 5_000, 700, 8);
    let want = dir.path("want.tsv");
    serial_tsv(&shard, &want);
    for (input, model) in [("/dev/stdin", "threads"), ("-", "pool"), ("-", "process")] {
        let got = dir.path("got.tsv");
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["ngram", input, "--model", model, "--top", "0", "--output", got.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&data).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{input} {model}: {}", stderr(&out));
        assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(&want).unwrap(), "{input} {model}");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["ngram", "-", "--model", "process", "--algorithm", "partitioned"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("standard input: the process model's partitioned run needs files on disk"),
        "{}",
        stderr(&out)
    );
}

/// An option that changes nothing for the runs asked for is an error, not silently ignored;
/// counts accept the same spellings everywhere; `gen`'s `--unique` follows `--lines`.
#[test]
fn options_that_do_not_apply_are_refused_and_defaults_follow_what_was_asked() {
    let dir = Scratch::new("cli", "options");
    let shard = dir.path("s.tsv");
    let out = harness(&["gen", "--lines", "200000", "--out", shard.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("200,000 lines") && stderr(&out).contains("9,235 distinct"),
        "{}",
        stderr(&out)
    );
    let file = shard.to_str().unwrap();
    for (extra, option) in [
        (&["--model", "serial", "--executor", "threads"][..], "--executor applies to --model mapreduce"),
        (&["--model", "threads", "--ship", "bytes"][..], "--ship applies to the process model's merge runs"),
        (&["--model", "pool", "--partitions", "8"][..], "--partitions applies to the partitioned algorithm"),
        (
            &["--model", "mapreduce", "--algorithm", "merge", "--engine", "timely"][..],
            "--engine timely applies",
        ),
        (&["--model", "mapreduce", "--processes", "2"][..], "each of --processes, --process, --hostfile"),
        (&["--model", "mapreduce", "--reduce", "spread"][..], "each of --processes, --process, --hostfile"),
        (
            // The file the other models write and the spread parts both: refused (it overwrote
            // the input once: `--output` was only checked as parts).
            &["--model", "all", "--engine", "timely", "--output", file][..],
            "--output with --engine timely --reduce spread is one part per process",
        ),
        (
            &["--model", "threads", "--worker-timeout", "5"][..],
            "--worker-timeout applies to runs on worker processes",
        ),
        (
            &["--model", "mapreduce", "--engine", "timely", "--processes", "1", "--process", "3"][..],
            "--process 3 is not one of the 1 processes",
        ),
    ] {
        let before = std::fs::read(&shard).unwrap();
        let out = harness(&[&["ngram", file][..], extra].concat());
        assert!(!out.status.success(), "{extra:?} was accepted");
        assert!(stderr(&out).starts_with(&format!("harness ngram: {option}")), "{extra:?}: {}", stderr(&out));
        assert_eq!(std::fs::read(&shard).unwrap(), before, "{extra:?} changed the input");
    }
    let out = harness(&[
        "ngram",
        file,
        "--model",
        "pool",
        "--algorithm",
        "partitioned",
        "--partitions",
        "8",
        "--top",
        "1e1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out)[0]["top"].as_array().unwrap().len(), 10);
    let out =
        harness(&["count", "--model", "serial", "--to", "1e3", "--tasks", "1e1", "--repeat", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out)[0]["result"], 10_000);
}

/// Every size option has a stated upper bound, refused at once with the option's words
/// (before: `--partitions 1e9` aborted on a 104 GB allocation, `--workers 10000` ran for
/// minutes, `--tasks 1e9` with async allocated 8 GB).
#[test]
fn sizes_past_their_limits_are_refused_before_any_work() {
    let dir = Scratch::new("cli", "limits");
    let shard = dir.path("s.tsv");
    gen(&shard, 2000, 100, 3);
    let file = shard.to_str().unwrap();
    for (args, want) in [
        (
            &["ngram", file, "--model", "mapreduce", "--workers", "257"][..],
            "'257' is more than the 256 workers",
        ),
        (
            &["ngram", file, "--model", "mapreduce", "--partitions", "1e9"][..],
            "'1e9' is more than the 65536 partitions",
        ),
        (&["ngram", file, "--model", "serial", "--chunk-bytes", "100"][..], "'100' is outside 1KiB..=1GiB"),
        (&["ngram", file, "--model", "serial", "--chunk-bytes", "2GiB"][..], "'2GiB' is outside 1KiB..=1GiB"),
        (&["count", "--model", "async", "--tasks", "2e9"][..], "'2e9' is more than the 1000000000 tasks"),
        (
            &["count", "--model", "threads", "--worker-timeout", "5"][..],
            "harness count: --worker-timeout applies",
        ),
    ] {
        let out = harness(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: refused before any work");
    }
}

/// The engine on processes survives a worker that dies or stops mid-map: it runs that
/// worker's share again and still writes the serial model's output, saying so on stderr and
/// in `--json` (the test hook `PROCESS_WORKER_FAULT_ONCE` makes exactly one worker fail).
#[test]
fn the_engine_on_processes_reruns_a_lost_worker_s_share_and_stays_exact() {
    let dir = Scratch::new("cli", "rerun");
    let shard = dir.path("s.tsv");
    gen(&shard, 40_000, 3000, 5);
    let file = shard.to_str().unwrap();
    let serial = dir.path("serial.tsv");
    serial_tsv(&shard, &serial);
    for fault in ["die", "stop"] {
        let marker = dir.path(fault);
        let tsv = dir.path(&format!("{fault}.tsv"));
        let out = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args([
                "ngram",
                file,
                "--model",
                "mapreduce",
                "--executor",
                "processes",
                "--chunk-bytes",
                "16KiB",
            ])
            .args(["--worker-timeout", "1", "--json", "--output", tsv.to_str().unwrap()])
            .env("PROCESS_WORKER_FAULT_ONCE", format!("{fault}:{}", marker.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "{fault}: {}", stderr(&out));
        assert!(marker.exists(), "the hook fired");
        assert_eq!(std::fs::read(&tsv).unwrap(), std::fs::read(&serial).unwrap(), "{fault}");
        let record = &json_lines(&out)[0];
        assert!(record["reran_tasks"].as_u64().unwrap() > 0, "{fault}: {record}");
        let err = stderr(&out);
        assert!(
            err.starts_with("mapreduce: worker ") && err.contains("map task(s) again on a new worker"),
            "{err}"
        );
    }
}

/// A `.gz` corrupted in the middle decodes into made-up bytes until the checksum at its end
/// says it is corrupt. The engine streams it and meets a "bad line" in those bytes long before
/// the end: it must still report the corrupt file, as every other model does.
#[test]
fn a_corrupt_gzip_file_is_reported_as_corrupt_not_as_a_bad_line() {
    use std::io::Read;
    let dir = Scratch::new("cli", "corrupt-gz");
    let plain = dir.path("a.tsv");
    let data = gen(&plain, 100_000, 5000, 9);
    let mut gz = gzip(&data);
    // Flip bits a fifth of the way in until the decoded bytes hold a malformed line before
    // the stream ends (most flips do at once).
    let decoded_has_a_bad_line = |gz: &[u8]| {
        let mut bytes = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(gz).read_to_end(&mut bytes);
        bytes.split(|&b| b == b'\n').any(|l| !l.is_empty() && workload::ngram::parse_line(l).is_err())
    };
    let mut at = gz.len() / 5;
    loop {
        gz[at] ^= 0x10;
        if decoded_has_a_bad_line(&gz) {
            break;
        }
        gz[at] ^= 0x10;
        at += 1;
    }
    let path = dir.path("corrupt.tsv.gz");
    std::fs::write(&path, &gz).unwrap();
    for model in ["mapreduce", "serial", "threads"] {
        let out = harness(&["ngram", path.to_str().unwrap(), "--model", model, "--chunk-bytes", "16KiB"]);
        assert!(!out.status.success(), "{model}");
        let err = stderr(&out);
        assert!(err.starts_with(&format!("{}: not valid gzip data", path.display())), "{model}: {err}");
    }
}

/// `gen --out` into a folder that does not exist makes it, and says so (it used to do it
/// silently, even at `/`).
#[test]
fn gen_says_when_it_makes_a_folder() {
    let dir = Scratch::new("cli", "gen-folder");
    let target = dir.path("new/deeper/a.tsv");
    let out = harness(&["gen", "--lines", "1000", "--out", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let made = target.parent().unwrap().display().to_string();
    assert!(
        stderr(&out).starts_with(&format!("harness gen: created the folder {made}\n")),
        "{}",
        stderr(&out)
    );
    let again = harness(&["gen", "--lines", "1000", "--out", target.to_str().unwrap()]);
    assert!(!stderr(&again).contains("created the folder"), "{}", stderr(&again));
}

/// `harness count --repeat` runs the models in rounds and records the spread, the CPU time
/// and cores kept busy, and each model's speedup as the median of within-round ratios
/// (serial's own is exactly 1).
#[test]
fn count_records_rounds_cpu_time_and_speedups() {
    let out = harness(&["count", "--model", "all", "--to", "1e6", "--tasks", "2", "--repeat", "3", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    assert_eq!(records.len(), 6);
    for r in &records {
        assert_eq!((r["runs"].as_u64(), r["result"].as_u64()), (Some(3), Some(2_000_000)), "{r}");
        let (min, median, max) = (
            r["elapsed_min_s"].as_f64().unwrap(),
            r["elapsed_s"].as_f64().unwrap(),
            r["elapsed_max_s"].as_f64().unwrap(),
        );
        assert!(min <= median && median <= max, "{r}");
        assert!(r["cpu_s"].as_f64().is_some() && r["cores_used"].as_f64().is_some(), "{r}");
        assert!(r["speedup"].as_f64().is_some(), "{r}");
    }
    assert_eq!(records[0]["model"], "serial");
    assert_eq!(records[0]["speedup"].as_f64(), Some(1.0));
}

/// `harness ngram --repeat` runs the cells in rounds (the same answer every time) and records
/// the spread, CPU time and cores kept busy, and speedups over serial with the same
/// algorithm; a timely run, which connects once, refuses it.
#[test]
fn ngram_records_rounds_cpu_time_and_speedups() {
    let dir = Scratch::new("cli", "ngram-repeat");
    let shard = dir.path("a.tsv");
    gen(&shard, 20_000, 2_000, 7);
    let path = shard.to_str().unwrap();
    let out = harness(&["ngram", path, "--model", "all", "--repeat", "2", "--json", "--top", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = json_lines(&out);
    assert_eq!(records.len(), 12);
    for r in &records {
        assert_eq!(r["runs"].as_u64(), Some(2), "{r}");
        let (min, median, max) = (
            r["elapsed_min_s"].as_f64().unwrap(),
            r["elapsed_s"].as_f64().unwrap(),
            r["elapsed_max_s"].as_f64().unwrap(),
        );
        assert!(min <= median && median <= max, "{r}");
        assert!(r["cores_used"].as_f64().is_some_and(|c| c > 0.0), "{r}");
        // Serial is the base of the speedups; every other cell has one.
        assert_eq!(r["speedup"].is_null(), r["model"] == "serial", "{r}");
        // A process's peak memory is of everything it ran: no record claims it as its own.
        assert!(r["peak_rss_bytes"].is_null() && r["peak_anon_bytes"].is_null(), "{r}");
    }
    let timely = harness(&["ngram", path, "--model", "mapreduce", "--engine", "timely", "--repeat", "2"]);
    assert_eq!(timely.status.code(), Some(1), "{}", stderr(&timely));
    assert!(
        stderr(&timely).starts_with("harness ngram: --repeat runs every model again"),
        "{}",
        stderr(&timely)
    );
}

/// What `harness count --json` and `harness ngram --json` print is the one record type of
/// reports/results.json, stamped where it was measured.
#[test]
fn json_lines_are_results_records() {
    use harness::report::record::Record;
    let dir = Scratch::new("cli", "json-records");
    let shard = dir.path("a.tsv");
    gen(&shard, 5_000, 500, 3);
    let count = harness(&["count", "--model", "threads", "--to", "1e5", "--repeat", "1", "--json"]);
    let ngram = harness(&["ngram", shard.to_str().unwrap(), "--model", "serial", "--json", "--top", "0"]);
    for (source, out) in [("harness count", count), ("harness ngram", ngram)] {
        assert!(out.status.success(), "{}", stderr(&out));
        for line in json_lines(&out) {
            let record = Record::from_line(&line.to_string(), source).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(record.lang, "rust");
            let stamp = record.stamp.expect("stamped");
            assert!(stamp.cores.is_some() && stamp.date.is_some(), "{stamp:?}");
            assert!(record.cores_used.is_some() && record.runs.is_some());
            assert!(record.peak_rss_bytes.is_some_and(|b| b > 1 << 20), "{source}: a peak of at least 1 MiB");
            if source == "harness ngram" {
                assert!(record.peak_anon_bytes.is_some_and(|b| b > 0 && Some(b) <= record.peak_rss_bytes));
            }
        }
    }
}
