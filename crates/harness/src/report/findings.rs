//! What the page says about this run, computed from its figures: each chart's findings and the
//! article's claims with a verdict. Text that explains a mechanism (why a process costs more
//! than a thread) stays fixed in `page.rs`; every sentence here that states a figure, a
//! ranking or a verdict is built from the records, so it cannot disagree with the charts.
//!
//! A verdict weighs three things besides the figure: the core count (on one core no model can
//! speed up, so a claim about speedup cannot be told), the Python build (a free-threaded
//! CPython's threads are expected to scale, so the GIL claim does not apply), and the noise
//! (the spread of the repeats; a difference inside it is "cannot tell").

use std::fmt;

/// The least noise assumed, as a fraction of the median: one run, or criterion's tight
/// interval, still varies by this much from run to run on a shared machine.
pub const MIN_NOISE: f64 = 0.05;

/// One timed thing: its median and the band around it (criterion's 95% interval, or the
/// min and max of the repeats), and how many runs it took when known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub runs: Option<u64>,
}

impl Figure {
    /// A single run or a median with no band.
    pub fn single(median: f64) -> Figure {
        Figure { median, low: median, high: median, runs: Some(1) }
    }

    /// Half the band's width over the median.
    fn spread(&self) -> f64 {
        if self.median > 0.0 {
            (self.high - self.low).max(0.0) / self.median / 2.0
        } else {
            0.0
        }
    }
}

/// How much faster `fast` is than `base`, and the noise of that ratio (the two spreads
/// added, at least [`MIN_NOISE`]).
pub fn speedup(base: &Figure, fast: &Figure) -> (f64, f64) {
    (base.median / fast.median, (base.spread() + fast.spread()).max(MIN_NOISE))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    DoesNotHold,
    CannotTell(String),
    /// The claim is not about this setup (a free-threaded CPython and the GIL).
    DoesNotApply(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Holds => f.write_str("holds"),
            Verdict::DoesNotHold => f.write_str("does not hold"),
            Verdict::CannotTell(why) => write!(f, "cannot tell ({why})"),
            Verdict::DoesNotApply(why) => write!(f, "does not apply ({why})"),
        }
    }
}

/// One of the article's claims, checked against this run.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub claim: &'static str,
    /// The article's own figure, where it gives one.
    pub article: &'static str,
    pub measured: String,
    pub verdict: Verdict,
}

/// What the verdicts depend on besides the figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    pub cores: usize,
    /// `Some(false)`: the Python that ran has no GIL (free-threaded); `None`: not known.
    pub python_gil: Option<bool>,
}

/// "x is a real speedup": above 1 by more than the noise, and at least half the ideal gain.
fn scales(x: f64, noise: f64, ideal: f64) -> Verdict {
    if x > 1.0 + noise && x >= 1.0 + (ideal - 1.0) / 2.0 {
        Verdict::Holds
    } else if x <= 1.0 + noise {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell(format!("{x:.2}x is above 1 but below half the ideal {ideal:.0}x"))
    }
}

fn measured(what: &str, x: f64, noise: f64) -> String {
    format!("{what}: {x:.2}x (noise ±{:.0}%)", noise * 100.0)
}

/// The claims about the count job at K = 2: `serial`, `threads`, `processes`, `pools` are
/// (Python serial, Python threads, Python processes, Python pools and executors) and
/// `rust_serial`, `rust_threads` the Rust pair; any may be missing.
pub struct CountFigures<'a> {
    pub python_serial: Option<Figure>,
    pub python_threads: Option<Figure>,
    /// The process model under the platform's default start method: (variant, figure).
    pub python_process: Option<(&'a str, Figure)>,
    pub python_pools: Vec<(&'a str, Figure)>,
    pub rust_serial: Option<Figure>,
    pub rust_threads: Option<Figure>,
}

pub fn count_claims(setup: Setup, figures: &CountFigures<'_>) -> Vec<Claim> {
    let mut claims = Vec::new();
    let one_core = || Verdict::CannotTell("this machine has one core: no model can speed up".into());
    let ideal = setup.cores.min(2) as f64;
    if let (Some(serial), Some(threads)) = (figures.python_serial, figures.python_threads) {
        let (x, noise) = speedup(&serial, &threads);
        let verdict = if setup.python_gil == Some(false) {
            Verdict::DoesNotApply("this CPython is free-threaded: its threads are expected to scale".into())
        } else if setup.cores < 2 {
            one_core()
        } else if x <= 1.0 + noise {
            Verdict::Holds
        } else if x >= 1.25 {
            Verdict::DoesNotHold
        } else {
            Verdict::CannotTell(format!("{x:.2}x is just outside the noise"))
        };
        claims.push(Claim {
            claim: "CPython threads give no speedup on CPU work (the GIL)",
            article: "2 threads: 3.30 s, against 1.81 s for 2 processes",
            measured: measured("Python threads over Python serial, K = 2", x, noise),
            verdict,
        });
    }
    if let (Some(serial), Some((name, process))) = (figures.python_serial, figures.python_process) {
        let (x, noise) = speedup(&serial, &process);
        claims.push(Claim {
            claim: "processes give up to min(K, cores)x: each has its own interpreter and GIL",
            article: "2 processes: 1.81 s",
            measured: measured(&format!("Python {name} over Python serial, K = 2"), x, noise),
            verdict: if setup.cores < 2 { one_core() } else { scales(x, noise, ideal) },
        });
    }
    if let Some(serial) = figures.python_serial {
        for (name, pool) in &figures.python_pools {
            let (x, noise) = speedup(&serial, pool);
            claims.push(Claim {
                claim: "a process pool (Pool, ProcessPoolExecutor) behaves like processes",
                article: "ProcessPoolExecutor: one count to 1e8 in 1.63 s",
                measured: measured(&format!("Python {name} over Python serial, K = 2"), x, noise),
                verdict: if setup.cores < 2 { one_core() } else { scales(x, noise, ideal) },
            });
        }
    }
    if let (Some(serial), Some(threads)) = (figures.rust_serial, figures.rust_threads) {
        let (x, noise) = speedup(&serial, &threads);
        claims.push(Claim {
            claim: "without a GIL, threads scale like processes (Rust)",
            article: "(the article's reason for processes is the GIL)",
            measured: measured("Rust threads over Rust serial, K = 2", x, noise),
            verdict: if setup.cores < 2 { one_core() } else { scales(x, noise, ideal) },
        });
    }
    claims
}

/// A free-threaded CPython (PEP 703: 3.13t, 3.14t), run by `harness python --python` beside
/// the regular build: without the GIL its threads should scale like processes.
pub fn free_threaded_claim(setup: Setup, name: &str, serial: &Figure, threads: &Figure) -> Claim {
    let (x, noise) = speedup(serial, threads);
    Claim {
        claim: "without the GIL, CPython threads scale (a free-threaded build)",
        article: "(after the article: PEP 703, CPython 3.13t and 3.14t)",
        measured: measured(&format!("{name}: threads over serial, K = 2"), x, noise),
        verdict: if setup.cores < 2 {
            Verdict::CannotTell("this machine has one core: no model can speed up".into())
        } else {
            scales(x, noise, setup.cores.min(2) as f64)
        },
    }
}

/// The MapReduce job speeds up with workers: the engine on one worker against the engine on
/// `workers` (every core of the machine that ran it).
pub fn workers_claim(setup: Setup, workers: usize, one: &Figure, all: &Figure) -> Claim {
    let (x, noise) = speedup(one, all);
    let ideal = workers.min(setup.cores) as f64;
    Claim {
        claim: "the MapReduce job speeds up with workers (map in parallel, reduce in parallel)",
        article: "(the article runs its MapReduce on a process pool of all cores)",
        measured: measured(
            &format!("the MapReduce engine on {workers} workers over itself on one"),
            x,
            noise,
        ),
        verdict: if setup.cores < 2 || workers < 2 {
            Verdict::CannotTell("one core, or one worker only: nothing to compare".into())
        } else {
            scales(x, noise, ideal)
        },
    }
}

/// The Goldilocks claim over chunk-size curves: each `(series, [(chunk bytes, time)])`.
pub fn chunk_claim(curves: &[(String, Vec<(f64, Figure)>)]) -> Option<Claim> {
    let mut parts = Vec::new();
    let mut verdicts = Vec::new();
    for (series, points) in curves.iter().filter(|(_, p)| p.len() >= 3) {
        let best = points.iter().enumerate().min_by(|a, b| a.1 .1.median.total_cmp(&b.1 .1.median))?;
        let (first, last) = (&points[0].1, &points[points.len() - 1].1);
        let (x_small, n_small) = speedup(first, &best.1 .1);
        let (x_large, n_large) = speedup(last, &best.1 .1);
        let interior = best.0 != 0 && best.0 != points.len() - 1;
        // A curve over four orders of magnitude of sizes reaches "too small" and "too large";
        // a shorter one whose best is at an end may just not have gone far enough.
        let wide = points[points.len() - 1].0 / points[0].0 >= 1e4;
        verdicts.push(if interior && x_small > 1.0 + n_small && x_large > 1.0 + n_large {
            Verdict::Holds
        } else if !interior && wide {
            Verdict::DoesNotHold
        } else if !interior {
            Verdict::CannotTell("the best is at an end of a short range of sizes".into())
        } else {
            Verdict::CannotTell("an end of the curve is within the noise of its best".into())
        });
        parts.push(format!(
            "{series}: best at {}, smallest {x_small:.2}x slower, largest {x_large:.2}x slower",
            crate::human::bytes(best.1 .0 as u64)
        ));
    }
    if parts.is_empty() {
        return None;
    }
    // One curve that contradicts the rule outweighs the others; one that shows it, with none
    // against, is enough.
    let verdict = if verdicts.contains(&Verdict::DoesNotHold) {
        Verdict::DoesNotHold
    } else if verdicts.contains(&Verdict::Holds) {
        Verdict::Holds
    } else {
        verdicts.into_iter().next().unwrap_or(Verdict::Holds)
    };
    Some(Claim {
        claim: "chunk size has a Goldilocks middle: too small and too large are both slower",
        article: "(no figure: the article states the rule)",
        measured: parts.join("; "),
        verdict,
    })
}

/// "Rust threads 1.96x, process 1.46x, ... over Rust serial" and the Python pair: the count
/// chart's findings. `rust` and `python` are (name, figure), serial first where present.
pub fn count_findings(rust: &[(&str, Figure)], python: &[(String, Figure)]) -> String {
    let mut out = Vec::new();
    let ratios = |rows: &[(String, Figure)], base: &str| -> Option<String> {
        let serial = rows.iter().find(|(n, _)| n == base)?.1;
        let others: Vec<String> = rows
            .iter()
            .filter(|(n, _)| n != base)
            .map(|(n, f)| format!("{n} {:.2}x", serial.median / f.median))
            .collect();
        (!others.is_empty()).then(|| others.join(", "))
    };
    let rust: Vec<(String, Figure)> = rust.iter().map(|(n, f)| (n.to_string(), *f)).collect();
    if let Some(list) = ratios(&rust, "serial") {
        out.push(format!("In this run, over Rust serial: {list}."));
    }
    if let Some(list) = ratios(python, "serial") {
        out.push(format!("Over Python serial: {list}."));
    }
    let runs: Vec<u64> = python.iter().filter_map(|(_, f)| f.runs).collect();
    if let (Some(min), Some(max)) = (runs.iter().min(), runs.iter().max()) {
        let runs = if min == max { format!("{min}") } else { format!("{min} to {max}") };
        out.push(format!(
            "Rust bars are criterion medians; Python bars are the median of {runs} run(s) each."
        ));
    } else if !rust.is_empty() {
        out.push("Bars are criterion medians.".to_string());
    }
    out.join(" ")
}

/// The fold check: one serial task at N and at 4N. A loop the compiler folded would take
/// the same nanoseconds at both; one that runs takes four times as long.
pub fn fold_check(n: u64, at_n: &Figure, at_4n: &Figure) -> String {
    let (ratio, noise) = speedup(at_4n, at_n);
    let verdict = if ratio > 4.0 * (1.0 - noise) - 1.0 {
        "the loop runs: it is not folded away"
    } else {
        "far from 4x: look at the kernel, the compiler may have folded the loop"
    };
    format!(
        "Fold check: one serial task counting to {} took {}, to {} took {}: {ratio:.2}x for 4x the steps \
         ({:.3} ns per step); {verdict}.",
        crate::human::thousands(n),
        crate::report::charts::seconds(at_n.median),
        crate::human::thousands(4 * n),
        crate::report::charts::seconds(at_4n.median),
        at_n.median / n as f64 * 1e9
    )
}

/// One way of running the count beside a heartbeat: worst lateness of a beat (the chosen
/// run's, and the least and most over the runs), the count's wall time, beats seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Beat {
    pub label: String,
    pub worst: Figure,
    pub work_s: f64,
    pub beats: u64,
    pub period_s: f64,
}

impl Beat {
    /// "1 beat", "21 beats".
    pub fn beats_said(&self) -> String {
        format!("{} beat{}", self.beats, if self.beats == 1 { "" } else { "s" })
    }
}

/// A heartbeat that wakes within this many periods of its time counts as responsive: a
/// beat or two can be lost to the scheduler or the GIL's switch interval (5 ms) on any
/// machine, a stalled loop misses them all.
pub const RESPONSIVE_PERIODS: f64 = 5.0;

/// "run_in_executor keeps the event loop responsive": `inline` is the count on the loop,
/// `offloaded` the same count through `run_in_executor` on a process pool, `others` the
/// rest (a thread pool, Rust), stated beside them.
pub fn heartbeat_claim(inline: &Beat, offloaded: &Beat, others: &[&Beat]) -> Claim {
    let ms = |s: f64| format!("{:.1} ms", s * 1e3);
    let said = |b: &Beat| {
        format!(
            "{}: worst beat {} late ({} in {})",
            b.label,
            ms(b.worst.median),
            b.beats_said(),
            crate::report::charts::seconds(b.work_s)
        )
    };
    let mut parts = vec![said(inline), said(offloaded)];
    parts.extend(others.iter().map(|b| said(b)));
    let bound = RESPONSIVE_PERIODS * offloaded.period_s;
    let verdict = if inline.work_s < 2.0 * bound {
        Verdict::CannotTell(format!(
            "the count took {}, too short to stall the loop visibly",
            ms(inline.work_s)
        ))
    } else if offloaded.worst.high <= bound && inline.worst.median >= inline.work_s / 2.0 {
        Verdict::Holds
    } else if offloaded.worst.low > bound {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell(format!("the offloaded worst lateness straddles {}", ms(bound)))
    };
    Claim {
        claim: "run_in_executor keeps the event loop responsive (CPU work inline stalls it)",
        article: "(no figure: the article warns against CPU work in coroutines)",
        measured: format!("a beat due every {}: {}", ms(offloaded.period_s), parts.join("; ")),
        verdict,
    }
}

/// The time to the first short result with `map` and with `as_completed` (one long count
/// submitted first, four short ones after it), and the workers they had.
pub fn result_order_claim(map: &Figure, as_completed: &Figure, workers: u64) -> Claim {
    let ms = |s: f64| format!("{:.1} ms", s * 1e3);
    let (x, noise) = speedup(map, as_completed);
    let verdict = if workers < 2 {
        Verdict::CannotTell("one worker: the short counts wait behind the long one either way".into())
    } else if as_completed.high < map.low && x > 2.0 {
        Verdict::Holds
    } else if x <= 1.0 + noise {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell("the two overlap within the spread of their runs".into())
    };
    Claim {
        claim: "as_completed gives the quick results first; map waits in submission order",
        article: "(no figure: with 1e8 submitted first, map waits for it before the short results)",
        measured: format!(
            "first short result back after {} with map, {} with as_completed ({workers} workers)",
            ms(map.median),
            ms(as_completed.median)
        ),
        verdict,
    }
}

/// "reduce(merge_dict) is a cost of its own": the Python MapReduce's reduce, after the map,
/// against its whole time (the article's window). A cost of its own is one larger than the
/// noise of the total ([`MIN_NOISE`]).
pub fn reduce_claim(reduce_s: f64, elapsed_s: f64, chunks: Option<u64>) -> Claim {
    let share = if elapsed_s > 0.0 { reduce_s / elapsed_s } else { 0.0 };
    Claim {
        claim: "reduce(merge_dict) is a cost of its own: one core merges every chunk's dict after the map",
        article: "(no figure: the article times map and reduce together)",
        measured: format!(
            "the Python MapReduce's reduce{}: {} of {} ({:.0}%)",
            chunks.map_or(String::new(), |c| format!(" over {c} dicts")),
            crate::report::charts::seconds(reduce_s),
            crate::report::charts::seconds(elapsed_s),
            share * 100.0
        ),
        verdict: if share >= MIN_NOISE { Verdict::Holds } else { Verdict::DoesNotHold },
    }
}

/// Other programs' CPU time during a measurement, as a share of every core over its wall
/// time, above which the page says the machine was busy: a tenth of a two-core machine taken
/// by something else moves a parallel figure by more than [`MIN_NOISE`]. (The load average
/// is recorded too, but it counts this benchmark's own threads, so it cannot tell them apart
/// from another program's.)
pub const BUSY_OTHERS_PCT: f64 = 10.0;
/// CPU time the hypervisor gave to other guests, as a share of all CPU time, above which the
/// page says the machine was busy.
pub const BUSY_STEAL_PCT: f64 = 5.0;

/// A warning for one section when something it draws was measured on a busy machine
/// (as hyperfine warns about outliers): `stamps` are (what was measured, its stamp, with the
/// fields of `machine::Load::conditions`). `None` when every stamp shows a quiet machine or
/// says nothing.
pub fn busy_warning(stamps: &[(&str, &serde_json::Value)]) -> Option<String> {
    let mut parts = Vec::new();
    for (what, stamp) in stamps {
        let others = stamp["others_pct"].as_f64();
        let steal = stamp["steal_pct"].as_f64();
        let mut why = Vec::new();
        if let Some(others) = others.filter(|&o| o >= BUSY_OTHERS_PCT) {
            why.push(format!("other programs used {others:.0}% of its CPU time"));
        }
        if let Some(steal) = steal.filter(|&s| s >= BUSY_STEAL_PCT) {
            why.push(format!("the hypervisor took {steal:.0}% of it for other machines"));
        }
        if why.is_empty() {
            continue;
        }
        let load = match (stamp["load_start"].as_f64(), stamp["load_end"].as_f64()) {
            (Some(a), Some(b)) => format!(" (load average {a:.2} at the start, {b:.2} at the end)"),
            _ => String::new(),
        };
        parts.push(format!("{what}: {}{load}", why.join(" and ")));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "The machine was busy while this was measured: {}. Differences of that size may be the machine, \
             not the model; rerun when it is quiet.",
            parts.join("; ")
        )
    })
}

/// Python's start methods side by side, cheapest first: "one no-op process, start to join:
/// fork 2.4 ms, forkserver 29.1 ms (12x fork), spawn 61.7 ms (26x fork)". `starts` are
/// (start method, seconds).
pub fn start_methods(starts: &[(String, f64)]) -> Option<String> {
    let mut starts = starts.to_vec();
    starts.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (cheapest, base) = starts.first()?.clone();
    let list: Vec<String> = starts
        .iter()
        .enumerate()
        .map(|(i, (m, t))| {
            let ratio = if i == 0 { String::new() } else { format!(" ({:.0}x {cheapest})", t / base) };
            format!("{m} {}{ratio}", crate::report::charts::seconds(*t))
        })
        .collect();
    Some(format!("Python, one no-op process from start to join, by start method: {}.", list.join(", ")))
}

/// The fastest and slowest of a chart's rows, and how far apart: "fastest: X (t); slowest:
/// Y (t), 12.3x slower". `rows` are (label, seconds).
pub fn extremes(rows: &[(String, f64)], fastest: &str, slowest: &str) -> Option<String> {
    let lo = rows.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let hi = rows.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    if rows.len() < 2 {
        return None;
    }
    Some(format!(
        "In this run, {fastest}: {} ({}); {slowest}: {} ({}), {:.1}x {}.",
        lo.0,
        crate::report::charts::seconds(lo.1),
        hi.0,
        crate::report::charts::seconds(hi.1),
        hi.1 / lo.1,
        if fastest.contains("cheapest") { "dearer" } else { "slower" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(median: f64, spread: f64) -> Figure {
        Figure { median, low: median * (1.0 - spread), high: median * (1.0 + spread), runs: Some(3) }
    }

    fn python_count(threads: f64, process: f64) -> CountFigures<'static> {
        CountFigures {
            python_serial: Some(band(7.0, 0.01)),
            python_threads: Some(band(threads, 0.01)),
            python_process: Some(("multiprocessing.Process (fork)", band(process, 0.01))),
            python_pools: Vec::new(),
            rust_serial: Some(band(0.040, 0.01)),
            rust_threads: Some(band(0.021, 0.01)),
        }
    }

    #[test]
    fn the_gil_claims_hold_on_two_cores_with_a_gil() {
        let setup = Setup { cores: 2, python_gil: Some(true) };
        let claims = count_claims(setup, &python_count(7.1, 3.8));
        let verdicts: Vec<&Verdict> = claims.iter().map(|c| &c.verdict).collect();
        assert_eq!(verdicts, [&Verdict::Holds, &Verdict::Holds, &Verdict::Holds]);
        // The figure stated is the one computed: 7.0 / 3.8.
        assert_eq!(
            claims[1].measured,
            "Python multiprocessing.Process (fork) over Python serial, K = 2: 1.84x (noise ±5%)"
        );
    }

    #[test]
    fn one_core_cannot_tell_and_free_threading_does_not_apply() {
        let one = count_claims(Setup { cores: 1, python_gil: Some(true) }, &python_count(7.1, 7.0));
        assert!(one.iter().all(|c| matches!(c.verdict, Verdict::CannotTell(_))), "{one:?}");
        let free = count_claims(Setup { cores: 2, python_gil: Some(false) }, &python_count(3.6, 3.8));
        assert!(matches!(free[0].verdict, Verdict::DoesNotApply(_)), "{:?}", free[0]);
        assert_eq!(free[1].verdict, Verdict::Holds);
    }

    #[test]
    fn a_difference_inside_the_noise_is_not_a_speedup() {
        // Threads 1.08x faster, but each figure spreads ±5%: no speedup, the claim holds.
        let mut figures = python_count(6.5, 3.8);
        figures.python_serial = Some(band(7.0, 0.05));
        figures.python_threads = Some(band(6.5, 0.05));
        let claims = count_claims(Setup { cores: 2, python_gil: None }, &figures);
        assert_eq!(claims[0].verdict, Verdict::Holds, "{:?}", claims[0]);
        // Processes only 1.08x faster with the same noise: they did not scale.
        figures.python_process = Some(("multiprocessing.Process (fork)", band(6.5, 0.05)));
        let claims = count_claims(Setup { cores: 2, python_gil: None }, &figures);
        assert_eq!(claims[1].verdict, Verdict::DoesNotHold, "{:?}", claims[1]);
        // Threads 2x faster with a GIL: the claim does not hold.
        figures.python_threads = Some(band(3.5, 0.01));
        let claims = count_claims(Setup { cores: 2, python_gil: Some(true) }, &figures);
        assert_eq!(claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_free_threaded_build_is_expected_to_scale() {
        let two = Setup { cores: 2, python_gil: Some(true) };
        let scaled =
            free_threaded_claim(two, "CPython 3.14.0 free-threaded", &band(8.0, 0.02), &band(4.3, 0.02));
        assert_eq!(scaled.verdict, Verdict::Holds);
        assert_eq!(
            scaled.measured,
            "CPython 3.14.0 free-threaded: threads over serial, K = 2: 1.86x (noise ±5%)"
        );
        let flat = free_threaded_claim(two, "x", &band(8.0, 0.02), &band(7.9, 0.02));
        assert_eq!(flat.verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn the_engine_speeds_up_with_workers_where_there_are_cores() {
        let two = Setup { cores: 2, python_gil: None };
        let claim = workers_claim(two, 2, &band(0.45, 0.01), &band(0.25, 0.01));
        assert_eq!(claim.verdict, Verdict::Holds);
        assert_eq!(claim.measured, "the MapReduce engine on 2 workers over itself on one: 1.80x (noise ±5%)");
        let flat = workers_claim(two, 2, &band(0.45, 0.01), &band(0.44, 0.01));
        assert_eq!(flat.verdict, Verdict::DoesNotHold);
        let one =
            workers_claim(Setup { cores: 1, python_gil: None }, 2, &band(0.45, 0.01), &band(0.44, 0.01));
        assert!(matches!(one.verdict, Verdict::CannotTell(_)));
    }

    #[test]
    fn goldilocks_needs_a_best_inside_the_curve() {
        let curve = |times: &[f64]| -> Vec<(f64, Figure)> {
            times.iter().enumerate().map(|(i, &t)| ((4096 << (2 * i)) as f64, Figure::single(t))).collect()
        };
        let bowl = chunk_claim(&[("engine".into(), curve(&[0.9, 0.4, 0.45, 1.2]))]).unwrap();
        assert_eq!(bowl.verdict, Verdict::Holds);
        assert_eq!(bowl.measured, "engine: best at 16.38 KB, smallest 2.25x slower, largest 3.00x slower");
        // 4 KiB to 64 MiB: wide enough that a best at the end contradicts the rule.
        let falling =
            chunk_claim(&[("engine".into(), curve(&[0.9, 0.6, 0.5, 0.45, 0.42, 0.41, 0.405, 0.4]))]).unwrap();
        assert_eq!(falling.verdict, Verdict::DoesNotHold);
        // Four sizes (4 KiB to 256 KiB) are too few to say.
        let short = chunk_claim(&[("engine".into(), curve(&[0.9, 0.6, 0.5, 0.4]))]).unwrap();
        assert!(matches!(short.verdict, Verdict::CannotTell(_)), "{short:?}");
        let both = chunk_claim(&[
            ("a".into(), curve(&[0.9, 0.6, 0.5, 0.4])),
            ("b".into(), curve(&[0.9, 0.4, 0.45, 1.2])),
        ]);
        assert_eq!(both.unwrap().verdict, Verdict::Holds);
    }

    #[test]
    fn the_heartbeat_claim_needs_a_stalled_inline_loop_and_a_free_offloaded_one() {
        let beat = |label: &str, worst: f64, work: f64, beats: u64| Beat {
            label: label.into(),
            worst: band(worst, 0.0),
            work_s: work,
            beats,
            period_s: 0.01,
        };
        let inline = beat("inline", 0.40, 0.40, 1);
        let claim = heartbeat_claim(&inline, &beat("process pool", 0.002, 0.38, 37), &[]);
        assert_eq!(claim.verdict, Verdict::Holds);
        assert_eq!(
            claim.measured,
            "a beat due every 10.0 ms: inline: worst beat 400.0 ms late (1 beat in 400 ms); \
             process pool: worst beat 2.0 ms late (37 beats in 380 ms)"
        );
        let late = heartbeat_claim(&inline, &beat("process pool", 0.2, 0.38, 2), &[]);
        assert_eq!(late.verdict, Verdict::DoesNotHold);
        let short = heartbeat_claim(&beat("inline", 0.05, 0.05, 1), &beat("pp", 0.001, 0.05, 5), &[]);
        assert!(matches!(short.verdict, Verdict::CannotTell(_)), "{short:?}");
    }

    #[test]
    fn the_result_order_claim_weighs_the_spread_and_the_workers() {
        let map = Figure { median: 0.20, low: 0.13, high: 0.22, runs: Some(3) };
        let quick = Figure { median: 0.003, low: 0.0005, high: 0.006, runs: Some(3) };
        assert_eq!(result_order_claim(&map, &quick, 2).verdict, Verdict::Holds);
        assert!(matches!(result_order_claim(&map, &quick, 1).verdict, Verdict::CannotTell(_)));
        assert_eq!(result_order_claim(&map, &map, 2).verdict, Verdict::DoesNotHold);
        let overlapping = Figure { median: 0.05, low: 0.001, high: 0.15, runs: Some(3) };
        assert!(matches!(result_order_claim(&map, &overlapping, 2).verdict, Verdict::CannotTell(_)));
    }

    #[test]
    fn the_reduce_is_a_cost_of_its_own_above_the_noise() {
        let claim = reduce_claim(0.8, 4.0, Some(5));
        assert_eq!(claim.verdict, Verdict::Holds);
        assert_eq!(claim.measured, "the Python MapReduce's reduce over 5 dicts: 800 ms of 4.00 s (20%)");
        assert_eq!(reduce_claim(0.1, 4.0, None).verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_busy_machine_is_said_per_source() {
        let quiet =
            serde_json::json!({"others_pct": 2.0, "steal_pct": 0.0, "load_start": 0.5, "load_end": 2.0});
        let busy =
            serde_json::json!({"others_pct": 31.0, "steal_pct": 6.0, "load_start": 2.9, "load_end": 3.4});
        assert_eq!(busy_warning(&[("the Rust benches", &quiet)]), None);
        assert_eq!(busy_warning(&[("the Rust benches", &serde_json::Value::Null)]), None);
        assert_eq!(
            busy_warning(&[("the Rust benches", &quiet), ("the Python baselines", &busy)]).unwrap(),
            "The machine was busy while this was measured: the Python baselines: other programs used 31% of \
             its CPU time and the hypervisor took 6% of it for other machines (load average 2.90 at the start, \
             3.40 at the end). Differences of that size may be the machine, not the model; rerun when it is quiet."
        );
    }

    #[test]
    fn the_fold_check_says_what_it_measured() {
        let text = fold_check(100_000_000, &Figure::single(0.024), &Figure::single(0.097));
        assert_eq!(
            text,
            "Fold check: one serial task counting to 100,000,000 took 24.0 ms, to 400,000,000 took 97.0 ms: \
             4.04x for 4x the steps (0.240 ns per step); the loop runs: it is not folded away."
        );
        let folded = fold_check(100_000_000, &Figure::single(2e-9), &Figure::single(2e-9));
        assert!(folded.contains("1.00x for 4x the steps") && folded.contains("may have folded"), "{folded}");
    }

    #[test]
    fn findings_state_the_computed_ratios() {
        let rust = [("serial", Figure::single(0.040)), ("threads", Figure::single(0.020))];
        let python =
            vec![("serial".to_string(), Figure::single(7.0)), ("threads".to_string(), Figure::single(7.0))];
        assert_eq!(
            count_findings(&rust, &python),
            "In this run, over Rust serial: threads 2.00x. Over Python serial: threads 1.00x. \
             Rust bars are criterion medians; Python bars are the median of 1 run(s) each."
        );
        let rows = vec![("tokio spawn".to_string(), 2e-6), ("process spawn".to_string(), 2e-3)];
        assert_eq!(
            extremes(&rows, "the cheapest", "the dearest").unwrap(),
            "In this run, the cheapest: tokio spawn (2.00 µs); the dearest: process spawn (2.00 ms), 1000.0x dearer."
        );
    }
}
