//! The rounds: every side of a group of claims runs once per round, the order reversed every
//! other round (A B C, then C B A), so that a drift of the machine's speed lands on every side
//! alike. Around each round the canary (the serial kernel at a fixed N, on this thread) is
//! timed, and the other programs' CPU time is read from the kernel's counters: a round during
//! which the canary moved by more than [`CANARY_MOVE`] or other programs took more than
//! [`OTHERS_CORE`] of a core is thrown away, with the reason, and run again. Rounds go on until
//! every claim of the group is decided ([`super::judge`]) or the group's time budget is spent.

use std::time::Instant;

use super::verdict::{Rule, Verdict};
use super::{judge, ClaimRecord, MIN_ROUNDS};
use crate::machine::Load;

/// How far the canary may move across a round before the round is thrown away: a fifth.
pub const CANARY_MOVE: f64 = 0.2;

/// How much of one core other programs may take during a round before it is thrown away
/// (read from the kernel's tick counters where its pressure file is not there).
pub const OTHERS_CORE: f64 = 0.2;

/// How long, as a share of the watched sides' time, some task may have waited for a core (the
/// kernel's CPU pressure, `/proc/pressure/cpu`) before the round is thrown away: a watched
/// side's workers never outnumber the cores (and a pool's threads are gone before the next
/// side starts), so waiting means another program wanted them.
pub const STALL: f64 = 0.25;

/// A round shorter than this says nothing through the kernel's tick counters (they count in
/// hundredths of a second): only the CPU pressure and the canary judge it.
pub const TICKS_ROUND: f64 = 0.25;

/// The canary's count: a few hundred microseconds at a fraction of a nanosecond per step.
pub const CANARY_N: u64 = 2_000_000;

/// At most this many rounds per group, whatever the budget.
pub const MOST_ROUNDS: usize = 200;

/// One timed run of a side: its wall time, and the CPU time it spent in processes this one
/// has not waited for (a Python interpreter serving the rounds), so that it is not taken for
/// another program's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timed {
    pub wall_s: f64,
    pub cpu_s: f64,
    /// CPU time outside this process (and its reaped children).
    pub outside_cpu_s: f64,
}

/// One way of running the work: a name and a run, and whether the kernel's CPU pressure
/// during it says anything about other programs (not for a side that starts processes of its
/// own: while they start, they and their parent wait for cores among themselves).
pub struct Side<'a> {
    pub name: String,
    pub run: Box<dyn FnMut() -> Result<Timed, String> + 'a>,
    pub watched: bool,
}

impl std::fmt::Debug for Side<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Side").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A claim over two sides of a group: `sides[base]`'s time over `sides[other]`'s, by `rule`.
#[derive(Debug, Clone)]
pub struct Spec {
    pub claim: String,
    pub article: String,
    pub base: usize,
    pub other: usize,
    pub rule: Rule,
    /// Decided before any round ("does not apply": one core, a Python without a GIL).
    pub settled: Option<Verdict>,
}

/// What a group's rounds gave: each side's kept runs, the claims, the canary.
#[derive(Debug)]
pub struct Outcome {
    /// Per side, its run in each kept round.
    pub runs: Vec<Vec<Timed>>,
    pub claims: Vec<ClaimRecord>,
}

/// What the rounds watch the machine with.
pub trait Watch {
    /// The canary's nanoseconds per step now.
    fn canary(&mut self) -> f64;
    /// A round starts.
    fn start(&mut self);
    /// A side starts, and ends (`watched`: its CPU pressure counts).
    fn before_side(&mut self) {}
    fn after_side(&mut self, _watched: bool) {}
    /// Why the round since [`Watch::start`] did not have the machine to itself, if it did
    /// not; `outside_cpu_s` is this run's own CPU time in processes not waited for.
    fn interference(&mut self, outside_cpu_s: f64, cores: usize) -> Option<String>;
}

/// This machine: the serial kernel as the canary; for other programs, the kernel's CPU
/// pressure (microseconds some task waited for a core) during the watched sides, and its
/// tick counters over rounds long enough for them.
#[derive(Debug, Default)]
pub struct ThisMachine {
    load: Option<Load>,
    started: Option<Instant>,
    /// The pressure when the side now running started.
    side: Option<(u64, Instant)>,
    /// The round's watched sides so far: microseconds waited, seconds run.
    waited_us: u64,
    watched_s: f64,
}

/// Microseconds some task has waited for a core since boot (`/proc/pressure/cpu`, `some`).
fn cpu_stall_us() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let some = text.lines().find(|l| l.starts_with("some "))?;
    some.split_whitespace().find_map(|f| f.strip_prefix("total="))?.parse().ok()
}

impl Watch for ThisMachine {
    /// The best of three short counts, so that one interrupt does not read as the machine
    /// slowing down.
    fn canary(&mut self) -> f64 {
        (0..3)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(workload::count_to(std::hint::black_box(CANARY_N)));
                started.elapsed().as_secs_f64() * 1e9 / CANARY_N as f64
            })
            .fold(f64::INFINITY, f64::min)
    }

    fn start(&mut self) {
        self.load = Some(Load::now());
        self.started = Some(Instant::now());
        (self.waited_us, self.watched_s) = (0, 0.0);
    }

    fn before_side(&mut self) {
        self.side = cpu_stall_us().map(|us| (us, Instant::now()));
    }

    fn after_side(&mut self, watched: bool) {
        if let (true, Some((before, at)), Some(now)) = (watched, self.side.take(), cpu_stall_us()) {
            self.waited_us += now.saturating_sub(before);
            self.watched_s += at.elapsed().as_secs_f64();
        }
    }

    fn interference(&mut self, outside_cpu_s: f64, cores: usize) -> Option<String> {
        let round_s = self.started.take()?.elapsed().as_secs_f64();
        let others = self.load.take()?.conditions_besides(outside_cpu_s).others_pct;
        let waited = self.waited_us as f64 / 1e6 / self.watched_s.max(f64::MIN_POSITIVE);
        if self.watched_s > 0.0 && waited > STALL {
            return Some(format!(
                "tasks waited for a core {:.0}% of the time (another program wanted the cores)",
                waited * 100.0
            ));
        }
        if round_s >= TICKS_ROUND {
            return busy(others, cores);
        }
        None
    }
}

/// Why a round is thrown away by the tick counters, if it is: other programs took more than
/// [`OTHERS_CORE`] of a core (`others_pct` is a share of every core).
pub fn busy(others_pct: Option<f64>, cores: usize) -> Option<String> {
    let others_core = others_pct.unwrap_or(0.0) / 100.0 * cores as f64;
    (others_core > OTHERS_CORE).then(|| format!("other programs took {:.0}% of a core", others_core * 100.0))
}

/// Why a round must be thrown away for its canary, if it must: the canary before and after it.
pub fn moved(before_ns: f64, after_ns: f64) -> Option<String> {
    let moved = after_ns / before_ns - 1.0;
    (moved.abs() > CANARY_MOVE).then(|| {
        format!("the canary moved {:+.0}% ({before_ns:.3} to {after_ns:.3} ns per step)", moved * 100.0)
    })
}

/// Runs `sides` in rounds until every claim of `specs` is decided or `budget_s` is spent
/// (`on_decided` is told each claim's verdict once it is final).
pub fn measure(
    sides: &mut [Side<'_>],
    specs: &[Spec],
    budget_s: f64,
    cores: usize,
    watch: &mut dyn Watch,
    mut on_decided: impl FnMut(&ClaimRecord),
) -> Result<Outcome, String> {
    let started = Instant::now();
    let mut runs: Vec<Vec<Timed>> = vec![Vec::new(); sides.len()];
    let mut canary_ns = Vec::new();
    let mut thrown = Vec::new();
    let mut round = 0;
    let ratios = |runs: &[Vec<Timed>], spec: &Spec| -> Vec<f64> {
        runs[spec.base].iter().zip(&runs[spec.other]).map(|(b, o)| b.wall_s / o.wall_s).collect()
    };
    let decided = |runs: &[Vec<Timed>]| {
        specs.iter().all(|s| s.settled.is_some() || judge(s.rule, &ratios(runs, s)).1.is_decided())
    };
    while round < MOST_ROUNDS && started.elapsed().as_secs_f64() < budget_s {
        if runs[0].len() >= MIN_ROUNDS && decided(&runs) {
            break;
        }
        let before = watch.canary();
        watch.start();
        let order: Vec<usize> =
            if round % 2 == 0 { (0..sides.len()).collect() } else { (0..sides.len()).rev().collect() };
        let mut this_round: Vec<Option<Timed>> = vec![None; sides.len()];
        for i in order {
            watch.before_side();
            let timed = (sides[i].run)().map_err(|e| format!("{}: {e}", sides[i].name))?;
            watch.after_side(sides[i].watched);
            this_round[i] = Some(timed);
        }
        let outside: f64 = this_round.iter().flatten().map(|t| t.outside_cpu_s).sum();
        let interference = watch.interference(outside, cores);
        let after = watch.canary();
        round += 1;
        canary_ns.push(before);
        if let Some(why) = moved(before, after).or(interference) {
            thrown.push(why);
            continue;
        }
        for (side, timed) in runs.iter_mut().zip(this_round) {
            side.push(timed.expect("every side ran"));
        }
    }
    let spent_s = started.elapsed().as_secs_f64();
    let claims = specs
        .iter()
        .map(|spec| {
            let ratios = ratios(&runs, spec);
            let (interval, verdict) = judge(spec.rule, &ratios);
            let verdict = spec.settled.clone().unwrap_or(verdict);
            let record = ClaimRecord {
                claim: spec.claim.clone(),
                article: spec.article.clone(),
                base: sides[spec.base].name.clone(),
                other: sides[spec.other].name.clone(),
                rule: spec.rule,
                ratios,
                interval: interval.map(Into::into),
                verdict,
                disturbed: thrown.clone(),
                budget_s,
                spent_s,
                canary_ns: canary_ns.clone(),
                note: None,
            };
            on_decided(&record);
            record
        })
        .collect();
    Ok(Outcome { runs, claims })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_is_thrown_away_when_the_canary_moves_or_others_take_a_core() {
        assert_eq!(moved(0.30, 0.32), None);
        assert_eq!(moved(0.30, 0.60).as_deref(), Some("the canary moved +100% (0.300 to 0.600 ns per step)"));
        assert_eq!(busy(Some(1.0), 2), None);
        // 15% of every core of two is 30% of one.
        assert_eq!(busy(Some(15.0), 2).as_deref(), Some("other programs took 30% of a core"));
    }

    /// Synthetic sides: the rounds stop as soon as the claim is decided, and a side that
    /// scales holds while one that does not cannot tell or does not hold, never inside noise.
    #[test]
    fn rounds_go_on_until_the_interval_decides() {
        let mut calls = [0usize; 3];
        let counter = std::cell::RefCell::new(&mut calls);
        let side = |name: &str, index: usize, wall: fn(usize) -> f64| Side {
            name: name.into(),
            watched: true,
            run: Box::new({
                let counter = &counter;
                move || {
                    let mut c = counter.borrow_mut();
                    c[index] += 1;
                    Ok(Timed { wall_s: wall(c[index]), cpu_s: 0.0, outside_cpu_s: 0.0 })
                }
            }),
        };
        let mut sides = vec![
            side("serial", 0, |i| 0.010 * (1.0 + (i % 3) as f64 * 0.01)),
            side("scales", 1, |i| 0.005 * (1.0 + (i % 2) as f64 * 0.01)),
            side("flat", 2, |i| 0.0099 * (1.0 + (i % 5) as f64 * 0.01)),
        ];
        let spec = |other, rule| Spec {
            claim: "c".into(),
            article: "a".into(),
            base: 0,
            other,
            rule,
            settled: None,
        };
        let specs = [spec(1, Rule::AtLeast(1.5)), spec(2, Rule::AtLeast(1.5)), spec(2, Rule::AtMost(1.25))];
        let outcome = measure(&mut sides, &specs, 30.0, 2, &mut Steady { calls: 0 }, |_| {}).unwrap();
        let verdicts: Vec<&Verdict> = outcome.claims.iter().map(|c| &c.verdict).collect();
        assert_eq!(verdicts, [&Verdict::Holds, &Verdict::DoesNotHold, &Verdict::Holds]);
        // Decided at the first round an interval exists; the one disturbed round was run again.
        assert_eq!(outcome.runs[0].len(), MIN_ROUNDS);
        assert_eq!(outcome.claims[0].disturbed, ["the canary moved +50% (1.000 to 1.500 ns per step)"]);
        assert!(outcome.claims[0].interval.is_some());
    }

    /// A machine that holds its speed, but for one round in which the canary moves.
    struct Steady {
        calls: usize,
    }

    impl Watch for Steady {
        /// 1 ns a step, but 1.5 at the end of the first round.
        fn canary(&mut self) -> f64 {
            self.calls += 1;
            if self.calls == 2 {
                1.5
            } else {
                1.0
            }
        }
        fn start(&mut self) {}
        fn interference(&mut self, _: f64, _: usize) -> Option<String> {
            None
        }
    }

    /// Under a machine whose speed swings, a claim is never decided on noise: every round
    /// disturbed, none kept, the budget spent, "cannot tell".
    #[test]
    fn a_machine_that_never_holds_still_cannot_tell() {
        struct Swinging(f64);
        impl Watch for Swinging {
            fn canary(&mut self) -> f64 {
                self.0 = if self.0 > 1.0 { 0.5 } else { 2.0 };
                self.0
            }
            fn start(&mut self) {}
            fn interference(&mut self, _: f64, _: usize) -> Option<String> {
                None
            }
        }
        let mut sides = vec![
            Side {
                name: "a".into(),
                run: Box::new(|| Ok(Timed { wall_s: 1.0, cpu_s: 0.0, outside_cpu_s: 0.0 })),
                watched: true,
            },
            Side {
                name: "b".into(),
                run: Box::new(|| Ok(Timed { wall_s: 3.0, cpu_s: 0.0, outside_cpu_s: 0.0 })),
                watched: true,
            },
        ];
        let spec = Spec {
            claim: "c".into(),
            article: "a".into(),
            base: 0,
            other: 1,
            rule: Rule::AtLeast(1.5),
            settled: None,
        };
        let outcome = measure(&mut sides, &[spec], 60.0, 2, &mut Swinging(1.0), |_| {}).unwrap();
        assert!(outcome.runs[0].is_empty());
        assert_eq!(outcome.claims[0].disturbed.len(), MOST_ROUNDS);
        assert!(matches!(outcome.claims[0].verdict, Verdict::CannotTell(_)));
    }
}
