//! Chart 2: each Rust model's speedup over serial as the tasks grow (criterion's count
//! group: every model and K timed in turn).

use super::charts::{self, model_colour, Line};
use super::figures::{figure, Figures};
use super::page::Section;
use crate::models::Model;

const TITLE: &str = "2. Speedup as the work grows";
const ARTICLE: &str = "the claim that processes give parallelism and threads (in CPython) do not";
const EXPLANATION: &str = "Each Rust model's time for K tasks divided into serial's, with as many workers as \
    cores. The dashed line is the ideal: K times faster until the cores run out, flat after. A model below it \
    pays for starting its workers (processes most) or for merging their results. Criterion times each point in \
    turn, seconds apart: the claims table's figures are the ones measured side by side.";

/// The speedup of `model` over serial at each K criterion ran.
fn points(figures: &Figures, model: &str) -> Vec<(f64, f64)> {
    let serial = figures.rust_count_benches("serial");
    let mut points: Vec<(f64, f64)> = figures
        .rust_count_benches(model)
        .into_iter()
        .filter_map(|r| {
            let base = serial.iter().find(|s| s.tasks == r.tasks)?;
            Some((r.tasks? as f64, base.elapsed_s / r.elapsed_s))
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

pub fn section(figures: &Figures) -> Result<Section, String> {
    let cores = figures.cores;
    let lines: Vec<Line> = Model::ALL
        .iter()
        .filter(|m| **m != Model::Serial)
        .map(|m| Line {
            label: m.name().to_string(),
            colour: model_colour(m.name()),
            points: points(figures, m.name()),
        })
        .filter(|line| !line.points.is_empty())
        .collect();
    let at_cores: Vec<(&str, f64)> = lines
        .iter()
        .filter_map(|l| Some((l.label.as_str(), l.points.iter().find(|p| p.0 == cores as f64)?.1)))
        .collect();
    let findings = match (
        at_cores.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
        at_cores.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        (Some(best), Some(worst)) => format!(
            "In this run, at K = {cores} (the core count, ideal {cores}x): best {} at {:.2}x, worst {} at {:.2}x.",
            best.0, best.1, worst.0, worst.1
        ),
        _ => String::new(),
    };
    // Where the side-by-side figure at K = 2 disagrees with criterion's, say so.
    let mut findings = findings;
    let serial = figures.rust_count_benches("serial").into_iter().find(|r| r.tasks == Some(2));
    for model in Model::ALL.iter().filter(|m| **m != Model::Serial) {
        let at_two = figures.rust_count_benches(model.name()).into_iter().find(|r| r.tasks == Some(2));
        if let (Some(serial), Some(at_two)) = (serial, at_two) {
            let band = figure(at_two).speedup_over(&figure(serial));
            if let Some(said) = super::claims::disagreement(figures, "count", model.name(), band) {
                findings.push_str(&format!(" At K = 2: {said}"));
            }
        }
    }
    let svg = if lines.is_empty() {
        None
    } else {
        let ideal = format!("ideal: min(K, {cores} cores)");
        let axes = charts::Axes {
            x: "tasks K (workers = cores)",
            y: "speedup over serial (x)",
            ideal: &ideal,
            legend: plotters::chart::SeriesLabelPosition::LowerRight,
        };
        Some(charts::speedup("count: speedup over serial as tasks grow", &lines, cores, axes)?)
    };
    let busy = figures.busy(&[("count", "rust", "the Rust benches")]);
    Ok(Section {
        id: "speedup",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        findings,
        svg,
        busy,
    })
}
