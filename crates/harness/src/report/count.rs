//! Chart 1: counting to N twice, every Rust model and every Python one, per step of the loop
//! (Python counts to a smaller N in the same time budget; per step, the two compare at any N).

use super::charts::{self, Bar};
use super::figures::{colour, per_step, python_label, python_of, Figures};
use super::page::Section;
use crate::models::Model;

const TITLE: &str = "1. Counting to N twice: the GIL in one picture";
const ARTICLE: &str =
    "the standard-library multiprocessing section: the two count listings (Process, then Thread)";
const EXPLANATION: &str = "Two tasks each count to N in a plain loop, and the bar is the time of one step of \
    that loop (wall time over 2 x N). In CPython only the thread holding the Global Interpreter Lock runs \
    bytecode, so two threads cannot count at once; two processes each have their own interpreter and GIL, and \
    can. Rust has no GIL: its threads run at once like processes, and a step of its loop is compiled, not \
    interpreted. Each model ran in the same rounds as serial, in turn, so a slow spell of the machine hit both. \
    The scale is logarithmic.";

pub fn section(figures: &Figures) -> Result<Section, String> {
    let mut rows = Vec::new();
    let mut rust = Vec::new();
    let rust_serial = figures.rust_count("serial", 2).and_then(per_step);
    for model in Model::ALL {
        let Some(record) = figures.rust_count(model.name(), 2) else { continue };
        let Some(step) = per_step(record) else { continue };
        let ratio = rust_serial.map(|s| s.median / step.median);
        if let (Some(x), false) = (ratio, *model == Model::Serial) {
            rust.push(format!("{} {x:.2}x", model.name()));
        }
        rows.push(bar(
            format!("Rust {}", model.name()),
            record,
            step,
            ratio.map(|x| format!("{x:.2}x serial")),
        ));
    }
    let python = figures.python_count();
    let python_serial = python.iter().find(|r| r.model == "serial").and_then(|r| per_step(r));
    let mut py = Vec::new();
    for record in &python {
        let Some(step) = per_step(record) else { continue };
        let ratio = python_serial.map(|s| s.median / step.median);
        if let (Some(x), false) = (ratio, record.model == "serial") {
            py.push(format!("{} {x:.2}x", record.variant.as_deref().unwrap_or(&record.model)));
        }
        rows.push(bar(python_label(record), record, step, ratio.map(|x| format!("{x:.2}x Python serial"))));
    }
    // Every further interpreter, each against its own serial loop (a free-threaded build
    // with its GIL switched on, then off: the same binary, one switch).
    let mut others = Vec::new();
    for group in figures.other_python_counts() {
        let serial = group.iter().find(|r| r.model == "serial").and_then(|r| per_step(r));
        let mut said = Vec::new();
        for record in &group {
            let Some(step) = per_step(record) else { continue };
            let ratio = serial.map(|s| s.median / step.median);
            if let (Some(x), false) = (ratio, record.model == "serial") {
                said.push(format!("{} {x:.2}x", record.variant.as_deref().unwrap_or(&record.model)));
            }
            rows.push(bar(python_label(record), record, step, ratio.map(|x| format!("{x:.2}x its serial"))));
        }
        if !said.is_empty() {
            let who = python_of(group[0]);
            others.push(format!("{} {}", who.trim_end_matches(':'), said.join(", ")));
        }
    }
    let mut findings = Vec::new();
    if !rust.is_empty() {
        findings.push(format!("In this run, K = 2, time per step over Rust serial's: {}.", rust.join(", ")));
    }
    if !py.is_empty() {
        findings.push(format!("Over Python serial's: {}.", py.join(", ")));
    }
    if !others.is_empty() {
        findings.push(format!("Over their own serial's: {}.", others.join("; ")));
    }
    if let (Some(rust), Some(python)) = (rust_serial, python_serial) {
        findings.push(format!(
            "One CPython step took {:.0} times as long as one Rust step ({:.1} ns against {:.3} ns).",
            python.median / rust.median,
            python.median,
            rust.median
        ));
    }
    let said_n = |lang: &str, records: Vec<&super::record::Record>| {
        records.first().and_then(|r| Some(format!("{lang} N = {}", crate::human::thousands(r.to?))))
    };
    let ns: Vec<String> = [
        said_n("Rust", figures.of("count", "rust").filter(|r| r.tasks == Some(2)).collect()),
        said_n("Python", python.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !rows.is_empty() {
        findings.push(format!(
            "Bars are medians over the runs, whiskers from the fastest to the slowest ({}).",
            ns.join(", ")
        ));
    }
    let svg = if rows.is_empty() {
        None
    } else {
        let title = format!("count: 2 tasks, time per step of the loop (log scale); {}", ns.join(", "));
        Some(charts::bars(
            &title,
            "nanoseconds per step: median, whiskers from the fastest to the slowest run (log scale)",
            &rows,
        )?)
    };
    Ok(Section {
        id: "count",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        findings: findings.join(" "),
        svg,
        busy: figures.busy(&[("count", "rust", "the Rust runs"), ("count", "python", "the Python runs")]),
    })
}

fn bar(
    label: String,
    record: &super::record::Record,
    step: super::findings::Figure,
    ratio: Option<String>,
) -> Bar {
    let cores = record.cores_used.map_or(String::new(), |c| format!(", {c:.2} cores busy"));
    Bar {
        label,
        value: step.median,
        colour: colour(record),
        note: format!("{:.3} ns{}{cores}", step.median, ratio.map_or(String::new(), |r| format!(" ({r})"))),
        spread: (step.runs.unwrap_or(1) > 1).then_some((step.low, step.high)),
    }
}
