//! A noisy neighbour: while `harness claims` measures Rust's claims at a small N, a child of
//! this test keeps one core busy and idle in turn, at irregular periods from a fraction of a
//! second to a couple of seconds. No claim that holds on a quiet machine may be reported as
//! "does not hold" (it may be "cannot tell": the budget may run out on a busy machine). The
//! neighbour is a process group of its own, killed on every way out of the test.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

use harness::claims::Verdict;
use harness::report::record::Record;

/// The busy-and-idle child, killed with its group when dropped.
struct Neighbour(Child);

impl Neighbour {
    /// Busy and idle periods from a fixed seed: 0.1 to 2 s busy, 0.05 to 1.5 s idle.
    fn start() -> Neighbour {
        let mut state = 29u64;
        let mut next = |low: f64, high: f64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            low + (state >> 11) as f64 / (1u64 << 53) as f64 * (high - low)
        };
        let schedule: Vec<String> =
            (0..60).map(|_| format!("{:.2}:{:.2}", next(0.1, 2.0), next(0.05, 1.5))).collect();
        let script = format!(
            "for p in {}; do timeout ${{p%%:*}} sh -c 'while :; do :; done'; sleep ${{p##*:}}; done",
            schedule.join(" ")
        );
        let child = Command::new("sh").args(["-c", &script]).process_group(0).spawn().expect("sh runs");
        Neighbour(child)
    }
}

impl Drop for Neighbour {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the group the child leads; no memory is touched.
        unsafe {
            libc::kill(-(self.0.id() as i32), libc::SIGKILL);
        }
        let _ = self.0.wait();
    }
}

#[test]
fn a_noisy_neighbour_never_turns_a_claim_into_does_not_hold() {
    let dir = std::env::temp_dir().join(format!("harness-noisy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (shard, out) = (dir.join("a.tsv"), dir.join("claims.jsonl"));
    let harness = env!("CARGO_BIN_EXE_harness");
    let gen = Command::new(harness).args(["gen", "--lines", "200000", "--out"]).arg(&shard).output().unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));

    let neighbour = Neighbour::start();
    let run = Command::new(harness)
        .args(["claims", "--no-python", "--to", "5e6", "--budget", "30", "--shard"])
        .arg(&shard)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    drop(neighbour);
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    let claims: Vec<Record> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| Record::from_line(l, "claims.jsonl").unwrap())
        .filter(|r| r.job == "claim")
        .collect();
    assert_eq!(claims.len(), 3, "threads, the fold check, the engine: {said}");
    for record in &claims {
        let claim = record.claim.as_ref().unwrap();
        let verdict = harness::claims::judge(claim.rule, &claim.ratios).1;
        assert_ne!(verdict, Verdict::DoesNotHold, "{}: {said}", claim.claim);
    }
    eprintln!("{said}");
    let _ = std::fs::remove_dir_all(&dir);
}
