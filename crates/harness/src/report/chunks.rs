//! Chart 4: the Goldilocks curve (chunk size against time), from `harness sweep` when it
//! ran, else from criterion's `chunk_size` group; and the Goldilocks claim.

use std::collections::BTreeMap;

use super::charts::{self, model_colour, Line};
use super::figures::Figures;
use super::findings::{Claim, Figure, MIN_NOISE};
use super::page::Section;
use crate::claims::Verdict;

const TITLE: &str = "4. Chunk size: the Goldilocks curve";
const ARTICLE: &str = "the Goldilocks rule for the partition size (neither too small nor too large)";
const EXPLANATION: &str = "The same job at chunk sizes from tiny to huge: with the chunk bytes copied to worker \
    processes (what pickling does), and with the MapReduce engine, whose workers share the mapped file. Small \
    chunks drown in per-task cost (framing, pipe round trips, a map per chunk); huge ones leave workers idle at \
    the end. The bottom of each curve is the answer for this machine and this file.";

/// Every chunk-size curve of the run: the sweep's when there is one, else criterion's (the
/// two would draw near-duplicate lines of the same models). (series, [(chunk bytes, time)]).
fn curves(figures: &Figures) -> Vec<(String, Vec<(f64, Figure)>)> {
    let sweep: Vec<_> = figures.of("sweep", "rust").collect();
    let points = if sweep.is_empty() { figures.of("chunk_size", "rust").collect() } else { sweep };
    let mut curves: BTreeMap<String, Vec<(f64, Figure)>> = BTreeMap::new();
    for p in points {
        if let (Some(series), Some(size)) = (p.variant.clone(), p.chunk_bytes) {
            curves.entry(series).or_default().push((size as f64, super::figures::figure(p)));
        }
    }
    let mut curves: Vec<_> = curves.into_iter().collect();
    for (_, points) in &mut curves {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    curves
}

/// Whether `slow` is slower than `fast` beyond the spread of their runs (a run's own ±5% when
/// it ran once).
fn surely_slower(slow: &Figure, fast: &Figure) -> bool {
    let (slow_low, fast_high) = if slow.runs.unwrap_or(1) > 1 && fast.runs.unwrap_or(1) > 1 {
        (slow.low, fast.high)
    } else {
        (slow.median * (1.0 - MIN_NOISE), fast.median * (1.0 + MIN_NOISE))
    };
    slow_low > fast_high
}

/// The Goldilocks claim over the curves: holds where a curve's best is inside it and both ends
/// are slower beyond noise; does not hold where a curve over four orders of magnitude of sizes
/// is best at an end, its neighbour slower beyond noise; cannot tell otherwise.
pub fn claims(figures: &Figures) -> Vec<Claim> {
    let mut parts = Vec::new();
    let mut verdicts = Vec::new();
    for (series, points) in curves(figures).iter().filter(|(_, p)| p.len() >= 3) {
        let Some((best, (size, fastest))) =
            points.iter().enumerate().min_by(|a, b| a.1 .1.median.total_cmp(&b.1 .1.median))
        else {
            continue;
        };
        let (first, last) = (&points[0].1, &points[points.len() - 1].1);
        let end = best == 0 || best == points.len() - 1;
        let wide = points[points.len() - 1].0 / points[0].0 >= 1e4;
        let neighbour = &points[if best == 0 { 1 } else { best.saturating_sub(1) }].1;
        verdicts.push(if !end && surely_slower(first, fastest) && surely_slower(last, fastest) {
            Verdict::Holds
        } else if end && wide && surely_slower(neighbour, fastest) {
            Verdict::DoesNotHold
        } else if end {
            Verdict::CannotTell(
                "the best is at an end of the sizes, within the noise of its neighbour or on a short range"
                    .into(),
            )
        } else {
            Verdict::CannotTell("an end of the curve is within the noise of its best".into())
        });
        parts.push(format!(
            "{series}: best at {}, smallest {:.2}x slower, largest {:.2}x slower",
            crate::human::bytes(*size as u64),
            first.median / fastest.median,
            last.median / fastest.median
        ));
    }
    if parts.is_empty() {
        return Vec::new();
    }
    // One curve that contradicts the rule outweighs the others; one that shows it, with none
    // against, is enough.
    let verdict = if verdicts.contains(&Verdict::DoesNotHold) {
        Verdict::DoesNotHold
    } else if verdicts.contains(&Verdict::Holds) {
        Verdict::Holds
    } else {
        verdicts.swap_remove(0)
    };
    vec![Claim {
        claim: "chunk size has a Goldilocks middle: too small and too large are both slower".into(),
        article: "(no figure: the article states the rule)".into(),
        measured: parts.join("; "),
        verdict,
    }]
}

pub fn section(figures: &Figures) -> Result<Section, String> {
    let curves = curves(figures);
    let findings =
        claims(figures).first().map(|c| format!("In this run: {}.", c.measured)).unwrap_or_default();
    let lines: Vec<Line> = curves
        .into_iter()
        .map(|(series, points)| {
            let base = series.split(['-', ' ', ',']).next().unwrap_or(&series).to_string();
            let mut colour = model_colour(&base);
            if series.contains("processes") {
                // The engine on processes: a lighter shade of the engine's colour.
                let light = |c: u8| ((u16::from(c) + 2 * 255) / 3) as u8;
                colour = plotters::style::RGBColor(light(colour.0), light(colour.1), light(colour.2));
            }
            Line {
                label: series,
                colour,
                points: points.into_iter().map(|(size, f)| (size, f.median)).collect(),
            }
        })
        .collect();
    let svg = if lines.is_empty() {
        None
    } else {
        Some(charts::chunk_curve("chunk size: too small, too large, just right (log-log)", &lines)?)
    };
    // The curves are the sweep's when it ran, else criterion's: the warning is of those.
    let drawn = if figures.of("sweep", "rust").next().is_some() {
        ("sweep", "rust", "the sweep")
    } else {
        ("chunk_size", "rust", "the Rust benches")
    };
    Ok(Section {
        id: "chunks",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        findings,
        svg,
        busy: figures.busy(&[drawn]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::record::Record;

    fn curve(times: &[f64]) -> Figures {
        let records = times
            .iter()
            .enumerate()
            .map(|(i, &t)| Record {
                variant: Some("engine".into()),
                chunk_bytes: Some(4096 << (2 * i)),
                ..Record::new("sweep", "mapreduce", "rust", t)
            })
            .collect();
        Figures { records, cores: 2 }
    }

    #[test]
    fn goldilocks_needs_a_best_inside_the_curve() {
        let bowl = &claims(&curve(&[0.9, 0.4, 0.45, 1.2]))[0];
        assert_eq!(bowl.verdict, Verdict::Holds);
        assert_eq!(bowl.measured, "engine: best at 16.38 KB, smallest 2.25x slower, largest 3.00x slower");
        // 4 KiB to 64 MiB, best at the end and well below its neighbour: contradicts the rule.
        let falling = &claims(&curve(&[0.9, 0.6, 0.5, 0.45, 0.42, 0.41, 0.405, 0.3]))[0];
        assert_eq!(falling.verdict, Verdict::DoesNotHold);
        // The same, but the end is within the noise of its neighbour: cannot tell.
        let flat = &claims(&curve(&[0.9, 0.6, 0.5, 0.45, 0.42, 0.41, 0.405, 0.4]))[0];
        assert!(matches!(flat.verdict, Verdict::CannotTell(_)), "{flat:?}");
        // Four sizes (4 KiB to 256 KiB) are too few to say.
        let short = &claims(&curve(&[0.9, 0.6, 0.5, 0.4]))[0];
        assert!(matches!(short.verdict, Verdict::CannotTell(_)), "{short:?}");
    }
}
