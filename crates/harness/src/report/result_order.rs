//! The claim about the order of results: `map` hands them back in the order the calls were
//! made, `as_completed` as they finish (python/as_completed.py: one long count submitted
//! first, four short ones after it).

use super::charts::seconds;
use super::figures::Figures;
use super::findings::{Claim, Figure};
use crate::claims::Verdict;

pub fn claims(figures: &Figures) -> Vec<Claim> {
    let way = |name: &str| figures.of("result_order", "python").find(|p| p.way.as_deref() == Some(name));
    let first_short = |p: &super::record::Record| -> Option<Figure> {
        let median = p.first_short_s?;
        Some(Figure {
            median,
            low: p.first_short_min_s.unwrap_or(median),
            high: p.first_short_max_s.unwrap_or(median),
            runs: p.runs,
        })
    };
    let (Some(map), Some(done)) = (way("map"), way("as_completed")) else { return Vec::new() };
    let (Some(m), Some(d)) = (first_short(map), first_short(done)) else { return Vec::new() };
    let workers = map.workers.unwrap_or(1);
    let verdict = if workers < 2 {
        Verdict::CannotTell("one worker: the short counts wait behind the long one either way".into())
    } else if d.high < m.low {
        Verdict::Holds
    } else if d.low >= m.high {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell("the two overlap within the spread of their runs".into())
    };
    let n = map.to.map_or(String::new(), |to| format!(", the long count to {}", crate::human::thousands(to)));
    vec![Claim {
        claim: "as_completed gives the quick results first; map waits in submission order".into(),
        article: "(no figure: with 1e8 submitted first, map waits for it before the short results)".into(),
        measured: format!(
            "first short result back after {} with map, {} with as_completed ({workers} workers{n}, {} runs)",
            seconds(m.median),
            seconds(d.median),
            map.runs.unwrap_or(1)
        ),
        verdict,
    }]
}
