//! Chart 1c: the machine's speed through the run. Between the rounds of every claim, the
//! serial count kernel counts to a fixed N (the canary); its time per step is the machine's
//! speed at that moment. A flat line: the rounds ran on a steady machine; steps and spikes:
//! its speed moved, and the rounds it moved during were thrown away and run again.

use super::charts::{self, model_colour, Line};
use super::figures::Figures;
use super::page::Section;
use crate::claims::interval::median;

const TITLE: &str = "1c. The machine's speed through the run: the canary";
const ARTICLE: &str = "(not in the article: what makes a comparison on a shared machine honest)";
const EXPLANATION: &str = "Before every round of every claim (kept or thrown away), the serial count kernel \
    counts to a fixed N on its own, and its nanoseconds per step are plotted here in the order the rounds ran. \
    On a quiet machine the line is flat. Laptops with turbo and cloud machines shared with other tenants change speed, by twice and \
    more for seconds at a time, often without anything in the load average or the stolen time showing it: a \
    comparison timed in turn (one side, then the other) then measures the machine, not the models. That is why \
    each claim's sides run alternately in the same rounds, and why a round during which the canary moved is \
    thrown away.";

pub fn section(figures: &Figures) -> Result<Section, String> {
    let mut section = Section {
        id: "canary",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        ..Section::default()
    };
    let mut lines = Vec::new();
    let mut at = 0.0;
    let mut all = Vec::new();
    let mut thrown = 0;
    for record in figures.claims() {
        let Some(claim) = &record.claim else { continue };
        // Claims measured in the same rounds share their canary: draw it once.
        if claim.canary_ns.is_empty() || lines.iter().any(|l: &Line| l.label == group(record)) {
            continue;
        }
        thrown += claim.disturbed.len();
        let points: Vec<(f64, f64)> = claim
            .canary_ns
            .iter()
            .map(|&ns| {
                at += 1.0;
                (at, ns)
            })
            .collect();
        all.extend(claim.canary_ns.iter().copied());
        // Each group in a colour of its own: the model its claims are about.
        let colour = match (record.lang.as_str(), record.variant.as_deref()) {
            ("python", _) => model_colour("process"),
            (_, Some("workers")) => model_colour("mapreduce"),
            (_, Some("fold")) => model_colour("serial"),
            _ => model_colour("threads"),
        };
        lines.push(Line { label: group(record), colour, points });
    }
    if lines.is_empty() {
        return Ok(section);
    }
    let (low, high) = all.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let mid = median(&all).unwrap_or(low);
    section.findings = format!(
        "In this run the canary took {mid:.3} ns per step at the median, {low:.3} to {high:.3} over {} rounds ({:+.0}% to \
         {:+.0}% of the median); {thrown} round(s) during which the machine changed were thrown away and run again.",
        all.len(),
        (low / mid - 1.0) * 100.0,
        (high / mid - 1.0) * 100.0
    );
    section.svg = Some(charts::lines(
        "the canary: nanoseconds per step of the serial kernel before each round",
        "round, in the order they ran",
        "ns per step",
        &lines,
    )?);
    Ok(section)
}

/// The rounds a claim was measured in: claims of one group share them.
fn group(record: &super::record::Record) -> String {
    format!("{} {}", record.lang, record.variant.as_deref().unwrap_or("claims"))
}
