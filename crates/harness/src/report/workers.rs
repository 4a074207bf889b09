//! Chart 3b: the ngram job against workers, as speedup over serial (the article's merge on
//! one worker): what an algorithm buys shows at one worker, what parallelism buys as the line
//! rises.

use super::charts::{self, model_colour, Line};
use super::figures::{figure, Figures};
use super::page::Section;
use crate::models::Model;

const TITLE: &str = "3b. The MapReduce job: algorithm and parallelism, apart";
const ARTICLE: &str =
    "MapReduce: map in parallel, then reduce; the MapReduce engine against the article's merge";
const EXPLANATION: &str = "Each model's time over serial's (the article's merge algorithm on one worker), on one \
    worker and on every core. Where a line starts above 1 at one worker, the model's algorithm is faster than \
    the article's by itself; how far it rises from there is what the extra workers add. The dashed line is what \
    more workers could give one algorithm at most.";

pub fn section(figures: &Figures) -> Result<Section, String> {
    let cores = figures.cores;
    let mut section = Section {
        id: "workers",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        ..Section::default()
    };
    let Some(serial) = figures.ngram_at("serial", 1) else { return Ok(section) };
    let mut lines = Vec::new();
    for model in Model::ALL.iter().filter(|m| **m != Model::Serial).map(|m| m.name()) {
        let mut points: Vec<(f64, f64)> = figures
            .of("ngram", "rust")
            .filter(|r| r.model == model && r.rounds_s.is_none())
            .filter_map(|r| Some((r.workers? as f64, serial.elapsed_s / r.elapsed_s)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.len() >= 2 {
            lines.push(Line { label: model.to_string(), colour: model_colour(model), points });
        }
    }
    if lines.is_empty() {
        return Ok(section);
    }
    let engine = |w: u64| figures.ngram_at("mapreduce", w).map(|b| b.elapsed_s);
    if let (Some(one), Some(all)) =
        (figures.ngram_at("mapreduce", 1), figures.ngram_at("mapreduce", cores as u64))
    {
        let band = figure(all).speedup_over(&figure(one));
        section.findings =
            super::claims::disagreement(figures, "workers", "mapreduce", band).unwrap_or_default();
    }
    if let (Some(one), Some(all), true) = (engine(1), engine(cores as u64), cores > 1) {
        section.findings = format!(
            "In this run, the MapReduce engine on one worker is {:.2}x serial: its algorithm alone; on {cores} \
             workers it is {:.2}x its own one-worker time: what parallelism adds (criterion, timed in turn; the \
             claims table has the two side by side).",
            serial.elapsed_s / one,
            one / all
        ) + &section.findings;
    }
    let ideal = format!("ideal for one algorithm: min(W, {cores} cores)");
    // Upper left: the lines start at one worker, to the right of it.
    let axes = charts::Axes {
        x: "workers W",
        y: "speedup over serial (x)",
        ideal: &ideal,
        legend: plotters::chart::SeriesLabelPosition::UpperLeft,
    };
    section.svg = Some(charts::speedup("ngram: speedup over serial as workers grow", &lines, cores, axes)?);
    Ok(section)
}
