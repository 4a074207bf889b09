//! `--engine timely` across real processes on loopback: one, two and three processes give
//! the serial model's `--output`, the gathered reduce as one file and the spread ones as parts
//! that `merge-parts` joins; the spread reduce sends process 0 the answer, not the runs; a
//! process that crashes (on connecting or in the exchange), or never comes, fails the others
//! with a clear error in bounded time.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use workload::testing::Scratch;

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

/// One cluster at a time: each test's hostfile names ports that were free a moment before,
/// and two clusters starting at once on two cores could take each other's ports or miss
/// their connect timeout. Every test holds this while its processes run.
static ONE_CLUSTER_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_cluster_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_CLUSTER_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn scratch(name: &str) -> Scratch {
    Scratch::new("distributed", name)
}

fn gen(path: &Path) {
    let out = harness()
        .args(["gen", "--lines", "30000", "--unique", "2000", "--seed", "8", "--out", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
}

/// A hostfile of `n` loopback ports that were free a moment ago.
fn hostfile(dir: &Path, n: usize) -> PathBuf {
    let listeners: Vec<_> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let lines: Vec<String> =
        listeners.iter().map(|l| format!("127.0.0.1:{}", l.local_addr().unwrap().port())).collect();
    let path = dir.join("hosts.txt");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn process(shard: &Path, hosts: &Path, n: usize, i: usize, extra: &[&str], crash: Option<usize>) -> Child {
    let mut command = harness_process(shard, hosts, n, i, extra);
    if let Some(p) = crash {
        command.env("DISTRIBUTED_CRASH_PROCESS", p.to_string());
    }
    command.spawn().unwrap()
}

/// Process `i` of `n` on `shard`, ready to start.
fn harness_process(shard: &Path, hosts: &Path, n: usize, i: usize, extra: &[&str]) -> Command {
    let mut command = harness();
    command
        .args([
            "ngram",
            shard.to_str().unwrap(),
            "--model",
            "mapreduce",
            "--engine",
            "timely",
            "--workers",
            "1",
        ])
        .args([
            "--processes",
            &n.to_string(),
            "--process",
            &i.to_string(),
            "--hostfile",
            hosts.to_str().unwrap(),
        ])
        .args(["--connect-timeout", "20"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits for `child`, killing it (and failing) if it takes longer than `limit`.
fn finish(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("a process was still running after {limit:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Runs `n` processes with `extra` and returns their outputs, each checked to succeed.
fn cluster(shard: &Path, dir: &Path, n: usize, extra: &[&str]) -> Vec<Output> {
    let hosts = hostfile(dir, n);
    let children: Vec<Child> = (0..n).map(|i| process(shard, &hosts, n, i, extra, None)).collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
    for (i, out) in outputs.iter().enumerate() {
        assert!(out.status.success(), "process {i} of {n}: {}", String::from_utf8_lossy(&out.stderr));
    }
    for out in &outputs[1..] {
        assert!(out.stdout.is_empty(), "only process 0 prints results");
    }
    outputs
}

#[test]
fn one_two_and_three_processes_write_the_serial_output_in_every_design() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("agree");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let serial = dir.join("serial.tsv");
    let out = harness()
        .args(["ngram", shard.to_str().unwrap(), "--model", "serial", "--output", serial.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    for n in [1, 2, 3] {
        for reduce in ["gathered", "spread", "others"] {
            let tsv = dir.join(format!("timely-{n}-{reduce}.tsv"));
            // Small chunks (the shard is 600 KB): every process maps some, and sends runs.
            let extra =
                ["--output", tsv.to_str().unwrap(), "--json", "--chunk-bytes", "16KiB", "--reduce", reduce];
            let outputs = cluster(&shard, &dir, n, &extra);
            if reduce != "gathered" {
                let manifest = dir.join(format!("timely-{n}-{reduce}.tsv.manifest"));
                for i in 0..n {
                    assert!(dir.join(format!("timely-{n}-{reduce}.tsv.part-{i}-of-{n}")).exists());
                }
                assert!(!tsv.exists(), "spread writes parts, not the file");
                let merged = harness().args(["merge-parts", manifest.to_str().unwrap()]).output().unwrap();
                assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
            }
            assert_eq!(
                std::fs::read(&tsv).unwrap(),
                std::fs::read(&serial).unwrap(),
                "{n} processes, {reduce}"
            );
            let record: serde_json::Value = serde_json::from_slice(&outputs[0].stdout).unwrap();
            assert_eq!(
                (record["engine"].as_str(), record["processes"].as_u64(), record["reduce"].as_str()),
                (Some("timely"), Some(n as u64), Some(reduce))
            );
            assert!(record["connect_s"].as_f64().is_some(), "the wait to connect is reported apart");
            if n > 1 {
                assert!(
                    record["shipping"]["bytes_to_workers"].as_u64().unwrap() > 0,
                    "runs crossed processes"
                );
                assert!(
                    record["sent_bytes"].as_u64().unwrap() > 0
                        && record["received_bytes"].as_u64().unwrap() > 0
                );
            }
        }
    }
}

/// The spread reduces' point: process 0 is sent the answer, where the gathered one is sent
/// every run the others mapped. With `others` that is all it receives (at most 1% of what
/// gathered sends it); with `spread` it also receives the runs of the partitions its own
/// workers reduce, as every process does.
#[test]
fn spread_sends_process_0_the_answer_not_the_runs() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("bytes");
    let shard = dir.join("b.tsv");
    let out = harness()
        .args([
            "gen",
            "--lines",
            "200000",
            "--unique",
            "50000",
            "--seed",
            "9",
            "--out",
            shard.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let received = |reduce: &str| {
        let extra =
            ["--json", "--chunk-bytes", "64KiB", "--reduce", reduce, "--top", "5", "--word", "Aardvark"];
        let outputs = cluster(&shard, &dir, 3, &extra);
        let record: serde_json::Value = serde_json::from_slice(&outputs[0].stdout).unwrap();
        (record["received_bytes"].as_u64().unwrap(), record["answer_bytes"].as_u64().unwrap(), record)
    };
    let (gathered, no_answers, g) = received("gathered");
    let (spread, answers, s) = received("spread");
    let (others, _, o) = received("others");
    assert_eq!(no_answers, 0);
    let answer = |r: &serde_json::Value| {
        (r["distinct"].clone(), r["total_match_count"].clone(), r["top"].clone(), r["words"].clone())
    };
    assert_eq!(answer(&g), answer(&s));
    assert_eq!(answer(&g), answer(&o));
    assert!(answers > 0 && answers * 100 <= gathered, "answers {answers} B against {gathered} B gathered");
    assert!(spread * 2 < gathered, "process 0 received {spread} B spread against {gathered} B gathered");
    assert!(others * 100 <= gathered, "process 0 received {others} B (others) against {gathered} B gathered");
}

#[test]
fn a_process_killed_in_the_exchange_fails_the_others_quickly() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("exchange-crash");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let hosts = hostfile(&dir, 3);
    let children: Vec<Child> = (0..3)
        .map(|i| {
            let mut command =
                harness_process(&shard, &hosts, 3, i, &["--chunk-bytes", "16KiB", "--worker-timeout", "5"]);
            command.env("DISTRIBUTED_CRASH_IN_EXCHANGE", "2");
            command.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
    assert!(String::from_utf8_lossy(&outputs[2].stderr).contains("crashing on purpose in the exchange"));
    for out in &outputs[..2] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && out.stdout.is_empty(), "{err}");
        assert!(
            err.contains("lost the connection to another process") || err.contains("sent nothing"),
            "{err}"
        );
    }
}

#[test]
fn a_crashed_process_fails_the_others_quickly() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("crash");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let hosts = hostfile(&dir, 2);
    let children: Vec<Child> = (0..2).map(|i| process(&shard, &hosts, 2, i, &[], Some(1))).collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
    assert!(!outputs[0].status.success());
    let err = String::from_utf8_lossy(&outputs[0].stderr);
    assert!(err.contains("process 0: lost the connection to another process"), "{err}");
    assert!(outputs[0].stdout.is_empty());
}

#[test]
fn a_process_that_never_comes_is_reported_after_the_timeout() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("missing");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let hosts = hostfile(&dir, 2);
    let start = Instant::now();
    let child = harness()
        .args(["ngram", shard.to_str().unwrap(), "--model", "mapreduce", "--engine", "timely"])
        .args([
            "--processes",
            "2",
            "--process",
            "0",
            "--hostfile",
            hosts.to_str().unwrap(),
            "--connect-timeout",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = finish(child, Duration::from_secs(30));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not all connect within 2 s"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(20));
    assert!(out.stdout.is_empty(), "timely's connection chatter stays off stdout");
}

#[test]
fn processes_with_their_own_files_give_the_answer_for_all_of_them() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("own");
    let shard = dir.join("a.tsv");
    gen(&shard);
    // Cut the shard in two at a newline: one half for each process.
    let data = std::fs::read(&shard).unwrap();
    let cut = data[..data.len() / 2].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let halves = [dir.join("half-0.tsv"), dir.join("half-1.tsv")];
    std::fs::write(&halves[0], &data[..cut]).unwrap();
    std::fs::write(&halves[1], &data[cut..]).unwrap();
    let serial = dir.join("serial.tsv");
    let out = harness()
        .args(["ngram", shard.to_str().unwrap(), "--model", "serial", "--output", serial.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    for reduce in ["gathered", "spread"] {
        let hosts = hostfile(&dir, 2);
        let tsv = dir.join(format!("timely-{reduce}.tsv"));
        let children: Vec<Child> = (0..2)
            .map(|i| {
                let extra = ["--own-files", "--output", tsv.to_str().unwrap(), "--json", "--reduce", reduce];
                process(&halves[i], &hosts, 2, i, &extra, None)
            })
            .collect();
        let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
        for (i, out) in outputs.iter().enumerate() {
            assert!(out.status.success(), "process {i}: {}", String::from_utf8_lossy(&out.stderr));
        }
        if reduce == "spread" {
            let manifest = dir.join(format!("timely-{reduce}.tsv.manifest"));
            assert!(harness().args(["merge-parts", manifest.to_str().unwrap()]).status().unwrap().success());
        }
        assert_eq!(std::fs::read(&tsv).unwrap(), std::fs::read(&serial).unwrap(), "{reduce}");
        let record: serde_json::Value = serde_json::from_slice(&outputs[0].stdout).unwrap();
        assert_eq!(
            (record["lines"].as_u64(), record["bytes"].as_u64()),
            (Some(30_000), Some(data.len() as u64))
        );
    }
}

#[test]
fn a_bad_line_fails_every_process_with_the_same_message() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("bad");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let mut data = std::fs::read(&shard).unwrap();
    // Line 20001 becomes malformed (a letter in match_count).
    let at = data.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(19_999).unwrap().0 + 1;
    let tab = at + data[at..].iter().position(|&b| b == b'\t').unwrap();
    let second = tab + 1 + data[tab + 1..].iter().position(|&b| b == b'\t').unwrap();
    data[second + 1] = b'x';
    std::fs::write(&shard, &data).unwrap();
    let hosts = hostfile(&dir, 2);
    let children: Vec<Child> = (0..2).map(|i| process(&shard, &hosts, 2, i, &[], None)).collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
    let want = format!("{}:20001: match_count is not a non-negative integer", shard.display());
    for (i, out) in outputs.iter().enumerate() {
        assert!(!out.status.success(), "process {i}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.lines().any(|l| l.starts_with(&want)), "process {i}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn processes_given_different_input_or_options_fail_instead_of_answering() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("differ");
    let shard = dir.join("a.tsv");
    gen(&shard);
    // A copy cut short at a newline: every line in it is good, so only the check can tell.
    let data = std::fs::read(&shard).unwrap();
    let cut = data[..data.len() * 3 / 4].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let short = dir.join("short.tsv");
    std::fs::write(&short, &data[..cut]).unwrap();
    let out_on_one = dir.join("one.tsv");
    let cases: [(&Path, &[&str], &str); 6] = [
        (
            &shard,
            &["--chunk-bytes", "64KiB"],
            "the processes were not started with the same options: process 0 has chunks of the default size, \
             process 1 has --chunk-bytes 65536",
        ),
        (
            &shard,
            &["--reduce", "gathered"],
            "process 0 has --reduce spread, --top 10, no --output, process 1 has --reduce gathered",
        ),
        (&shard, &["--top", "3"], "process 0 has --top 10, process 1 has --top 3"),
        (
            &shard,
            &["--output", out_on_one.to_str().unwrap()],
            "process 0 has no --output, process 1 has --output named one.tsv",
        ),
        (&short, &[], "the processes were not given the same input: process 0 read ["),
        (&shard, &["--own-files"], "process 1 was started with --own-files and process 0 without it"),
    ];
    for (second, extra, want) in cases {
        let hosts = hostfile(&dir, 2);
        let children =
            vec![process(&shard, &hosts, 2, 0, &[], None), process(second, &hosts, 2, 1, extra, None)];
        let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
        // Every process finds the difference; one that finishes first and leaves may cut the
        // other off before it has said so itself, and then the other says it lost the
        // connection. Either way nobody answers, and the difference is said.
        let mut said = false;
        for (i, out) in outputs.iter().enumerate() {
            assert!(!out.status.success(), "process {i} ({want})");
            let err = String::from_utf8_lossy(&out.stderr);
            said |= err.contains(want);
            assert!(
                err.contains(want) || err.contains("lost the connection to another process"),
                "process {i}: {err}"
            );
            assert!(out.stdout.is_empty());
        }
        assert!(said, "{want}");
    }
}

#[test]
fn a_stopped_process_is_noticed_within_the_worker_timeout() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("stopped");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let hosts = hostfile(&dir, 2);
    let timeout = ["--worker-timeout", "2"];
    let first = process(&shard, &hosts, 2, 0, &timeout, None);
    let mut second = harness_process(&shard, &hosts, 2, 1, &timeout);
    second.env("DISTRIBUTED_STOP_PROCESS", "1");
    let second = second.spawn().unwrap();
    let pid = second.id();
    let out = finish(first, Duration::from_secs(60));
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    let _ = finish(second, Duration::from_secs(10));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("process 0: process 1 (127.0.0.1:")
            && err.contains("sent nothing, not even a heartbeat, for 2 s"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// A hostfile entry where something else answers (an SSH server's banner) used to make the
/// process spin at 100% CPU forever; now it fails within the worker timeout.
#[test]
fn a_peer_that_is_not_timely_is_an_error_not_a_spin() {
    use std::io::Write;
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("banner");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let banner_at = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
            kept.push(stream);
        }
    });
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hosts = dir.join("hosts.txt");
    std::fs::write(
        &hosts,
        format!("# process 0 is not timely\n{banner_at}\n{}\n", free.local_addr().unwrap()),
    )
    .unwrap();
    drop(free);
    let out = finish(
        harness_process(&shard, &hosts, 2, 1, &["--worker-timeout", "2"]).spawn().unwrap(),
        Duration::from_secs(60),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("process 1: process 0 ({banner_at}) sent nothing")), "{err}");
}

#[test]
fn hostfile_mistakes_name_their_line() {
    let dir = scratch("hostfile");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let hosts = dir.join("hosts.txt");
    std::fs::write(&hosts, "127.0.0.1:24301\n127.0.0.1:24301\n").unwrap();
    let out = harness_process(&shard, &hosts, 2, 0, &[]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:2: 127.0.0.1:24301 is also on line 1; every process needs its own port",
            hosts.display()
        )),
        "{err}"
    );
}

#[test]
fn processes_started_with_different_workers_are_told_so() {
    let _cluster = one_cluster_at_a_time();
    let dir = scratch("workers");
    let shard = dir.join("a.tsv");
    gen(&shard);
    let hosts = hostfile(&dir, 2);
    // `harness_process` starts each with --workers 1; process 1's is changed to 2.
    let mut second = harness_process(&shard, &hosts, 2, 1, &["--worker-timeout", "10"]);
    let args: Vec<String> = second.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let at = args.iter().position(|a| a == "--workers").unwrap();
    let mut other = harness();
    other.args(&args[..at]).args(["--workers", "2"]).args(&args[at + 2..]);
    other.stdout(Stdio::piped()).stderr(Stdio::piped());
    second = other;
    let children =
        vec![process(&shard, &hosts, 2, 0, &["--worker-timeout", "10"], None), second.spawn().unwrap()];
    let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, Duration::from_secs(60))).collect();
    assert!(outputs.iter().all(|o| !o.status.success()), "neither process answers");
    let all: String = outputs.iter().map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).collect();
    assert!(all.contains("give every process the same --workers"), "{all}");
}
