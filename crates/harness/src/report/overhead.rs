//! Chart 5: what one no-op task costs each mechanism, Rust's and Python's process start
//! methods.

use super::charts::{self, model_colour, python_colour, seconds, Bar};
use super::figures::{python_label, Figures};
use super::findings::{extremes, start_methods};
use super::page::Section;

const TITLE: &str = "5. What one task costs";
const ARTICLE: &str = "Process start/join, Pool.apply, ThreadPoolExecutor.submit, run_in_executor";
const EXPLANATION: &str = "A task that does nothing, from start to result, for each mechanism, measured two \
    ways: one task with the mechanism idle before it (the latency a lone request sees: waking a sleeping thread \
    or process is part of it) and per task in a batch of many submitted at once (the throughput a full queue \
    sees). Starting a process means a new program; starting a thread, a new stack; a warm pool only hands the \
    task over. The work per task has to be larger than this for the mechanism to pay off: the reason pools \
    exist and the reason chunks must not be too small.";

pub fn section(figures: &Figures) -> Result<Section, String> {
    let python: Vec<_> = figures.of("overhead", "python").collect();
    let mut rows: Vec<Bar> = figures
        .of("overhead", "rust")
        .map(|b| {
            let colour = match b.model.as_str() {
                f if f.contains("process") => model_colour("process"),
                f if f.contains("rayon") => model_colour("pool"),
                f if f.contains("tokio") => model_colour("async"),
                _ => model_colour("threads"),
            };
            Bar {
                label: b.model.clone(),
                value: b.elapsed_s,
                colour,
                note: seconds(b.elapsed_s),
                spread: b.elapsed_min_s.zip(b.elapsed_max_s),
            }
        })
        .collect();
    for p in &python {
        rows.push(Bar {
            label: python_label(p),
            value: p.elapsed_s,
            colour: python_colour("process"),
            note: seconds(p.elapsed_s),
            spread: (p.runs.unwrap_or(1) > 1).then(|| p.elapsed_min_s.zip(p.elapsed_max_s)).flatten(),
        });
    }
    rows.sort_by(|a, b| a.value.total_cmp(&b.value));
    let said: Vec<(String, f64)> = rows.iter().map(|b| (b.label.clone(), b.value)).collect();
    let mut findings = extremes(&said, "the cheapest", "the dearest").unwrap_or_default();
    let starts: Vec<(String, f64)> =
        python.iter().filter_map(|p| Some((p.start_method.clone()?, p.elapsed_s))).collect();
    if let Some(start) = start_methods(&starts) {
        findings.push(' ');
        findings.push_str(&start);
    }
    let svg = if rows.is_empty() {
        None
    } else {
        Some(charts::bars(
            "what one no-op task costs, start to result (log scale)",
            "time per task, median (log scale)",
            &rows,
        )?)
    };
    Ok(Section {
        id: "overhead",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        findings,
        svg,
        busy: figures.busy(&[
            ("overhead", "rust", "the Rust benches"),
            ("overhead", "python", "the Python baselines"),
        ]),
    })
}
