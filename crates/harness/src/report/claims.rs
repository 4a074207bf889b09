//! The claims table's rows measured side by side (`harness claims`): each claim's figure is
//! the median of its within-round ratios with a 99% order-statistics interval, and its verdict
//! says only what that interval decides (`crate::claims`).

use super::figures::Figures;
use super::findings::Claim;
use super::record::Record;
use crate::claims::{judge, ClaimRecord, Verdict};

/// How a claim is measured and decided, for the page.
pub const METHOD: &str = "Each claim compares two ways of running the same work (Rust serial and Rust threads, \
    Python serial and Python processes, the engine on one worker and on all, a count to N and to 4N), run \
    alternately in the same rounds, the order reversed every other round, so that a slow spell of the machine \
    lands on both sides. Its figure is the median of the ratios taken within each round, with a 99% interval \
    from order statistics (no assumption about the shape of the noise). Rounds go on until the interval decides \
    the claim or the claim's time budget is spent. A round during which the machine changed (the canary, a \
    serial count timed before and after each round, moved by more than a fifth, or other programs took more \
    than a fifth of a core) is thrown away and run again. The verdict says only what the interval decides: \
    holds (all of it on the claim's side of the threshold), does not hold (all of it on the other side), \
    cannot tell (it straddles the threshold: the machine was too noisy for the rounds the budget allowed).";

/// The claim of `record`, judged from its ratios (a verdict of "does not apply", decided when
/// it was measured, stays).
pub fn judged(claim: &ClaimRecord) -> Verdict {
    match &claim.verdict {
        Verdict::DoesNotApply(why) => Verdict::DoesNotApply(why.clone()),
        _ => judge(claim.rule, &claim.ratios).1,
    }
}

/// "Rust threads over Rust serial, K = 2: 1.96x (99% interval 1.93x to 1.99x; 12 rounds, 1 thrown away)".
pub fn measured(record: &Record, claim: &ClaimRecord) -> String {
    let (interval, _) = judge(claim.rule, &claim.ratios);
    let what = match (record.tasks, record.to) {
        (Some(k), Some(n)) => format!(", K = {k}, N = {}", crate::human::thousands(n)),
        _ => String::new(),
    };
    let figure = match interval {
        Some(i) => format!("{:.2}x (99% interval {:.2}x to {:.2}x", i.median, i.low, i.high),
        None => match crate::claims::interval::median(&claim.ratios) {
            Some(m) => format!("{m:.2}x (too few rounds for an interval"),
            None => "no round kept (".to_string(),
        },
    };
    let thrown = match claim.disturbed.len() {
        0 => String::new(),
        n => format!(", {n} thrown away: {}", claim.disturbed.first().map_or("", String::as_str)),
    };
    // Whole seconds, but a budget under ten with its tenths (0.5 s is not "0 s").
    let secs = |s: f64| if s < 10.0 { format!("{s:.1}") } else { format!("{s:.0}") };
    format!(
        "{} over {}{what}: {figure}{}{} rounds{thrown}; {} of its {} s budget)",
        claim.base,
        claim.other,
        if claim.ratios.is_empty() { "" } else { "; " },
        claim.ratios.len(),
        secs(claim.spent_s),
        secs(claim.budget_s)
    )
}

pub fn claims(figures: &Figures) -> Vec<Claim> {
    figures
        .claims()
        .filter_map(|r| {
            let c = r.claim.as_ref()?;
            Some(Claim {
                claim: c.claim.clone(),
                article: c.article.clone(),
                measured: measured(r, c),
                verdict: judged(c),
            })
        })
        .collect()
}

/// Where a chart's ratio from criterion (two figures timed in turn) and the same comparison
/// measured side by side disagree beyond both their bands, the sentence that says so: the
/// machine's speed changed while criterion timed one side and then the other.
pub fn disagreement(
    figures: &Figures,
    variant: &str,
    model: &str,
    criterion: (f64, f64, f64),
) -> Option<String> {
    let record = figures.claims().find(|r| r.variant.as_deref() == Some(variant) && r.model == model)?;
    let c = record.claim.as_ref()?;
    let (i, _) = judge(c.rule, &c.ratios);
    let i = i?;
    let (x, low, high) = criterion;
    (high < i.low || low > i.high).then(|| {
        format!(
            "Criterion's {model} figure here ({x:.2}x, {low:.2}x to {high:.2}x over its samples) and the one measured \
             side by side ({:.2}x, {:.2}x to {:.2}x) disagree beyond both: the machine's speed changed while criterion \
             timed one side and then the other; the claims table's figure is the side-by-side one.",
            i.median, i.low, i.high
        )
    })
}
