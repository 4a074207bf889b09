//! The article's claims, measured side by side: each claim compares two ways of running the
//! same work (Rust serial and Rust threads, Python serial and Python processes, the engine
//! on one worker and on all, a count to N and to 4N), run alternately in the same rounds, many
//! short rounds rather than a few long ones, so that a slow spell of the machine lands on
//! both sides alike. A claim's figure is the median of the within-round ratios with an
//! order-statistics interval ([`interval`]); rounds go on until the interval decides the claim
//! or its time budget is spent ([`rounds`]), and the verdict says only what the interval
//! decides ([`verdict`]).

pub mod interval;
pub mod python;
pub mod rounds;
pub mod rust;
pub mod verdict;

use serde::{Deserialize, Serialize};

pub use interval::Interval;
pub use verdict::{Rule, Verdict};

/// The confidence of every claim's interval. The interval is looked at after every round
/// (from [`MIN_ROUNDS`] on) and the rounds stop once it decides: looking often makes a
/// nominal 95% optimistic, so the level is 99%.
pub const CONFIDENCE: f64 = 0.99;

/// The fewest rounds for a 99% order-statistics interval: with 8, it runs from the smallest
/// ratio to the largest (coverage 1 - 2/256).
pub const MIN_ROUNDS: usize = 8;

/// A claim as measured, for its record (`job: "claim"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// What is claimed, in words.
    pub claim: String,
    /// The article's own figure, where it gives one.
    pub article: String,
    /// The ratio is `base`'s time over `other`'s, within each round.
    pub base: String,
    pub other: String,
    pub rule: Rule,
    /// Every kept round's ratio, in order.
    pub ratios: Vec<f64>,
    /// The interval over `ratios` (none: too few rounds).
    pub interval: Option<IntervalRecord>,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Rounds thrown away because the machine changed during them (the canary moved, or
    /// other programs took the cores), and why, one reason per round.
    pub disturbed: Vec<String>,
    /// The time this claim's rounds could take, and took.
    pub budget_s: f64,
    pub spent_s: f64,
    /// The canary's nanoseconds per step before each round, kept or thrown away, in order:
    /// the machine's speed over the run.
    pub canary_ns: Vec<f64>,
    /// What the figure means beyond the verdict, where the claim says more (the fold check:
    /// a folded loop, or a machine whose speed moved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// [`Interval`] as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalRecord {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub confidence: f64,
}

impl From<Interval> for IntervalRecord {
    fn from(i: Interval) -> IntervalRecord {
        IntervalRecord { median: i.median, low: i.low, high: i.high, confidence: i.confidence }
    }
}

/// A claim's interval and verdict from its ratios.
pub fn judge(rule: Rule, ratios: &[f64]) -> (Option<Interval>, Verdict) {
    let interval = if ratios.len() >= MIN_ROUNDS { interval::of_median(ratios, CONFIDENCE) } else { None };
    let verdict = verdict::decide(rule, interval.as_ref());
    (interval, verdict)
}
