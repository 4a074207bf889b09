//! What every section's words are made of: figures with their spread, a ratio of two figures
//! with its band, the claims table's row, and the sentences that several sections say (a busy
//! machine, the extremes of a chart). Text that explains a mechanism stays fixed in the
//! sections; every sentence that states a figure, a ranking or a verdict is built from the
//! records, so it cannot disagree with the charts.

use crate::claims::Verdict;
use crate::report::charts::seconds;
use crate::report::record::Stamp;

/// The least noise assumed, as a fraction of the median, for a figure measured once.
pub const MIN_NOISE: f64 = 0.05;

/// One timed thing: its median and the band around it (the least and the most of its runs),
/// and how many runs it took when known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub runs: Option<u64>,
}

impl Figure {
    /// A single run, or a median with no band.
    pub fn single(median: f64) -> Figure {
        Figure { median, low: median, high: median, runs: Some(1) }
    }

    /// `base` over `self` (how much faster `self` is): the ratio of the medians, and the band
    /// from pairing the slowest run of one with the fastest of the other.
    pub fn speedup_over(&self, base: &Figure) -> (f64, f64, f64) {
        (base.median / self.median, base.low / self.high, base.high / self.low)
    }
}

/// One row of the claims table: what the article claims, its own figure, this run's, and the
/// verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub claim: String,
    pub article: String,
    pub measured: String,
    pub verdict: Verdict,
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

/// A warning for one section when something it draws was measured on a busy machine (as
/// hyperfine warns about outliers): `stamps` are (what was measured, its stamp). `None` when
/// every stamp shows a quiet machine or says nothing.
pub fn busy_warning(stamps: &[(&str, &Stamp)]) -> Option<String> {
    let mut parts = Vec::new();
    for (what, stamp) in stamps {
        let c = stamp.conditions;
        let mut why = Vec::new();
        if let Some(others) = c.others_pct.filter(|&o| o >= BUSY_OTHERS_PCT) {
            why.push(format!("other programs used {others:.0}% of its CPU time"));
        }
        if let Some(steal) = c.steal_pct.filter(|&s| s >= BUSY_STEAL_PCT) {
            why.push(format!("the hypervisor took {steal:.0}% of it for other machines"));
        }
        if why.is_empty() || parts.iter().any(|p: &String| p.starts_with(&format!("{what}:"))) {
            continue;
        }
        let load = match (c.load_start, c.load_end) {
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
            format!("{m} {}{ratio}", seconds(*t))
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
        seconds(lo.1),
        hi.0,
        seconds(hi.1),
        hi.1 / lo.1,
        if fastest.contains("cheapest") { "dearer" } else { "slower" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::record::Conditions;

    #[test]
    fn a_busy_machine_is_said_per_source() {
        let stamp = |others, steal, load_start, load_end| Stamp {
            conditions: Conditions {
                others_pct: Some(others),
                steal_pct: Some(steal),
                load_start: Some(load_start),
                load_end: Some(load_end),
            },
            ..Stamp::default()
        };
        let (quiet, busy) = (stamp(2.0, 0.0, 0.5, 2.0), stamp(31.0, 6.0, 2.9, 3.4));
        assert_eq!(busy_warning(&[("the Rust benches", &quiet)]), None);
        assert_eq!(busy_warning(&[("the Rust benches", &Stamp::default())]), None);
        assert_eq!(
            busy_warning(&[("the Rust benches", &quiet), ("the Python baselines", &busy)]).unwrap(),
            "The machine was busy while this was measured: the Python baselines: other programs used 31% of \
             its CPU time and the hypervisor took 6% of it for other machines (load average 2.90 at the start, \
             3.40 at the end). Differences of that size may be the machine, not the model; rerun when it is quiet."
        );
    }

    #[test]
    fn extremes_and_start_methods_state_the_computed_ratios() {
        let rows = vec![("tokio spawn".to_string(), 2e-6), ("process spawn".to_string(), 2e-3)];
        assert_eq!(
            extremes(&rows, "the cheapest", "the dearest").unwrap(),
            "In this run, the cheapest: tokio spawn (2.00 µs); the dearest: process spawn (2.00 ms), 1000.0x dearer."
        );
        let starts = vec![("spawn".to_string(), 0.06), ("fork".to_string(), 0.002)];
        assert_eq!(
            start_methods(&starts).unwrap(),
            "Python, one no-op process from start to join, by start method: fork 2.00 ms, spawn 60.0 ms (30x fork)."
        );
        let band =
            Figure { median: 2.0, low: 1.5, high: 2.5, runs: Some(3) }.speedup_over(&Figure::single(4.0));
        assert_eq!(band, (2.0, 1.6, 4.0 / 1.5));
    }
}
