//! What an interval decides about a claim, and nothing more. A claim states where its ratio
//! lies (at least a threshold, or at most one); the verdict is *holds* when the whole interval
//! is on the claim's side, *does not hold* when the whole interval is on the other side, and
//! *cannot tell* otherwise, with the interval, so that noise is never read as a verdict.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::interval::Interval;

/// Where a claim says its ratio lies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The ratio is at least this (a speedup: "processes give up to min(K, cores)x").
    AtLeast(f64),
    /// The ratio is at most this ("CPython threads give no speedup").
    AtMost(f64),
    /// The ratio lies in `[low, high]` ("4N takes about 4x N": the loop runs).
    Between(f64, f64),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::AtLeast(t) => write!(f, "at least {t:.2}x"),
            Rule::AtMost(t) => write!(f, "at most {t:.2}x"),
            Rule::Between(low, high) => write!(f, "between {low:.2}x and {high:.2}x"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", content = "why", rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    DoesNotHold,
    CannotTell(String),
    /// The claim is not about this setup (one core, a free-threaded CPython and the GIL).
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

impl Verdict {
    /// Whether more rounds could not change it.
    pub fn is_decided(&self) -> bool {
        !matches!(self, Verdict::CannotTell(_))
    }
}

/// What `interval` decides about `rule` (`None`: too few rounds for an interval).
pub fn decide(rule: Rule, interval: Option<&Interval>) -> Verdict {
    let Some(i) = interval else {
        return Verdict::CannotTell("too few rounds for an interval".into());
    };
    let (side, other) = match rule {
        Rule::AtLeast(t) => (i.low >= t, i.high < t),
        Rule::AtMost(t) => (i.high <= t, i.low > t),
        Rule::Between(low, high) => (i.low >= low && i.high <= high, i.high < low || i.low > high),
    };
    if side {
        Verdict::Holds
    } else if other {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell(format!("the interval {:.2}x to {:.2}x straddles {rule}", i.low, i.high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(low: f64, high: f64) -> Interval {
        Interval { median: (low + high) / 2.0, low, high, confidence: 0.99, rounds: 10 }
    }

    #[test]
    fn holds_only_when_the_whole_interval_is_on_the_claims_side() {
        assert_eq!(decide(Rule::AtLeast(1.5), Some(&interval(1.8, 2.1))), Verdict::Holds);
        assert_eq!(decide(Rule::AtMost(1.25), Some(&interval(0.95, 1.1))), Verdict::Holds);
        assert_eq!(decide(Rule::Between(3.5, 4.5), Some(&interval(3.9, 4.1))), Verdict::Holds);
    }

    #[test]
    fn does_not_hold_only_when_the_whole_interval_is_on_the_other_side() {
        assert_eq!(decide(Rule::AtLeast(1.5), Some(&interval(0.5, 1.3))), Verdict::DoesNotHold);
        assert_eq!(decide(Rule::AtMost(1.25), Some(&interval(1.6, 2.0))), Verdict::DoesNotHold);
        assert_eq!(decide(Rule::Between(3.5, 4.5), Some(&interval(0.9, 1.1))), Verdict::DoesNotHold);
    }

    #[test]
    fn noise_that_covers_the_threshold_cannot_tell() {
        // The run that taught "Rust threads are 0.57x serial" had a ratio inside ±80% noise:
        // an interval that wide decides nothing.
        let wide = interval(0.3, 5.0);
        for rule in [Rule::AtLeast(1.5), Rule::AtMost(1.25), Rule::Between(3.5, 4.5)] {
            let verdict = decide(rule, Some(&wide));
            assert!(matches!(verdict, Verdict::CannotTell(_)), "{rule}: {verdict}");
            assert!(!verdict.is_decided());
        }
        assert_eq!(
            decide(Rule::AtLeast(1.5), None),
            Verdict::CannotTell("too few rounds for an interval".into())
        );
        assert_eq!(
            decide(Rule::AtLeast(1.5), Some(&interval(1.2, 1.7))).to_string(),
            "cannot tell (the interval 1.20x to 1.70x straddles at least 1.50x)"
        );
    }
}
