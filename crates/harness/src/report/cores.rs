//! Chart 1b: cores kept busy (CPU time over wall time) by every count row of chart 1, Rust
//! and Python: the GIL in one number.

use super::charts::{self, Bar};
use super::figures::{colour, python_label, Figures};
use super::page::Section;
use crate::models::Model;

const TITLE: &str = "1b. Cores kept busy: the GIL in one number";
const ARTICLE: &str = "the same two count listings, seen from the CPU's side";
const EXPLANATION: &str = "The CPU time each model used (user and system, its worker processes included) over \
    its wall time, for the runs of chart 1. One busy core reads 1, two read 2. CPython threads that share one \
    GIL read about 1 whatever the cores: while one holds it the other waits. Processes, or Rust threads, can \
    read up to the number of cores. A pool's workers report their own CPU time, since they outlive the run.";

pub fn section(figures: &Figures) -> Result<Section, String> {
    let mut rows = Vec::new();
    let mut rust_busy = Vec::new();
    for model in Model::ALL {
        let Some(record) = figures.rust_count(model.name(), 2) else { continue };
        let Some(used) = record.cores_used else { continue };
        rust_busy.push(format!("{} {used:.2}", model.name()));
        rows.push(bar(format!("Rust {}", model.name()), record, used));
    }
    let mut python_busy = Vec::new();
    let everyone: Vec<_> = figures.of("count", "python").filter(|r| r.tasks == Some(2)).collect();
    for record in &everyone {
        let Some(used) = record.cores_used else { continue };
        if record.interpreter.is_none() {
            python_busy.push(format!("{} {used:.2}", record.variant.as_deref().unwrap_or(&record.model)));
        }
        rows.push(bar(python_label(record), record, used));
    }
    let mut findings = Vec::new();
    if !rust_busy.is_empty() {
        findings.push(format!("In this run, cores kept busy in Rust, K = 2: {}.", rust_busy.join(", ")));
    }
    if !python_busy.is_empty() {
        let free = figures.python_count().first().is_some_and(|r| r.gil_off());
        findings.push(format!(
            "In Python: {}{}.",
            python_busy.join(", "),
            if free {
                " (this CPython ran without a GIL)"
            } else {
                "; one CPython thread at a time holds the GIL"
            }
        ));
    }
    let svg = if rows.is_empty() {
        None
    } else {
        Some(charts::cores("count, K = 2: cores kept busy (CPU time over wall time)", &rows, figures.cores)?)
    };
    Ok(Section {
        id: "cores",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        findings: findings.join(" "),
        svg,
        busy: None,
    })
}

fn bar(label: String, record: &super::record::Record, used: f64) -> Bar {
    Bar { label, value: used, colour: colour(record), note: format!("{used:.2}"), spread: None }
}
