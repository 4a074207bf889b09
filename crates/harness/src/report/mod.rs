//! `harness report`: criterion's results and the Python baselines in one list of records
//! (`reports/results.json`) and one self-contained page (`reports/index.html`) with five
//! charts, each saying what it shows and which part of the article it answers.

mod charts;
mod collect;
mod page;

use std::collections::BTreeMap;
use std::fs;

use serde_json::{json, Value};

use crate::cli::ReportArgs;
use crate::machine;
use crate::models::Model;
use charts::{model_colour, python_colour, seconds, Bar, Line};
use collect::Bench;

pub use page::Section;

fn param_usize(b: &Bench) -> Option<usize> {
    b.param.as_deref().and_then(|p| p.parse().ok())
}

/// The records of results.json: every benchmark and baseline in the CLI's JSON schema, plus
/// `lang`, `machine` and `dataset`.
fn records(benches: &[Bench], python: &[Value], machine: &Value, dataset: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for b in benches {
        let mut r = match b.group.as_str() {
            "count" => {
                let tasks = param_usize(b).unwrap_or(0);
                let to = b.throughput_elements.zip((tasks > 0).then_some(tasks)).map(|(e, t)| e / t as u64);
                json!({"job": "count", "model": b.function, "tasks": tasks, "to": to,
                       "workers": if b.function == "serial" { 1 } else { machine["cores"].as_u64().unwrap_or(1) },
                       "result": to.map(|to| to * tasks as u64), "dataset": {"tasks": tasks, "to": to}})
            }
            "ngram" => json!({"job": "ngram", "model": b.function, "workers": param_usize(b),
                              "bytes": b.throughput_bytes, "lines": dataset["lines"], "distinct": dataset["distinct"],
                              "gb_per_s": b.throughput_bytes.map(|by| by as f64 / b.median_s / 1e9),
                              "dataset": dataset}),
            "chunk_size" => json!({"job": "chunk_size", "model": b.function, "chunk_bytes": param_usize(b),
                                   "bytes": b.throughput_bytes, "dataset": dataset}),
            "overhead" => json!({"job": "overhead", "mechanism": b.function}),
            other => json!({"job": other, "model": b.function, "param": b.param}),
        };
        r["lang"] = json!("rust");
        r["elapsed_s"] = json!(b.median_s);
        r["elapsed_ci_s"] = json!([b.lower_s, b.upper_s]);
        r["machine"] = machine.clone();
        out.push(r);
    }
    for p in python {
        let mut r = p.clone();
        r["machine"] = machine.clone();
        if r["job"] == "ngram" {
            r["dataset"] = json!({"file": p["files"][0], "lines": p["lines"], "bytes": p["bytes"], "distinct": p["distinct"]});
        } else {
            r["dataset"] = json!({"tasks": p["tasks"], "to": p["to"]});
        }
        out.push(r);
    }
    out
}

fn find<'b>(benches: &'b [Bench], group: &str, function: &str, param: Option<&str>) -> Option<&'b Bench> {
    benches.iter().find(|b| {
        b.group == group && b.function == function && (param.is_none() || b.param.as_deref() == param)
    })
}

fn python_label(p: &Value) -> String {
    format!("Python {}", p["variant"].as_str().or(p["model"].as_str()).unwrap_or("?"))
}

/// Chart 1: count, K = 2, every Rust model and every Python one.
fn count_chart(benches: &[Bench], python: &[Value]) -> Result<Option<String>, String> {
    let mut rows = Vec::new();
    let serial = find(benches, "count", "serial", Some("2")).map(|b| b.median_s);
    for model in Model::ALL.iter().map(|m| m.name()) {
        if let Some(b) = find(benches, "count", model, Some("2")) {
            let ratio = serial.map_or(String::new(), |s| format!(" ({:.2}x serial)", s / b.median_s));
            rows.push(Bar {
                label: format!("Rust {model}"),
                value: b.median_s,
                colour: model_colour(model),
                note: format!("{}{ratio}", seconds(b.median_s)),
            });
        }
    }
    let py: Vec<&Value> = python.iter().filter(|p| p["job"] == "count" && p["tasks"] == 2).collect();
    let py_serial = py.iter().find(|p| p["model"] == "serial").and_then(|p| p["elapsed_s"].as_f64());
    for p in &py {
        let (Some(t), Some(model)) = (p["elapsed_s"].as_f64(), p["model"].as_str()) else { continue };
        let ratio = py_serial.map_or(String::new(), |s| format!(" ({:.2}x Python serial)", s / t));
        rows.push(Bar {
            label: python_label(p),
            value: t,
            colour: python_colour(model),
            note: format!("{}{ratio}", seconds(t)),
        });
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let to = py.first().and_then(|p| p["to"].as_u64());
    let title = match to {
        Some(to) => format!("count: 2 tasks x {to} (log scale)"),
        None => "count: 2 tasks (log scale)".to_string(),
    };
    charts::bars(&title, "wall time, median (log scale)", &rows).map(Some)
}

/// Chart 2: speedup over serial against K, per Rust model.
fn speedup_chart(benches: &[Bench], cores: usize) -> Result<Option<String>, String> {
    let mut lines = Vec::new();
    for model in Model::ALL.iter().filter(|m| **m != Model::Serial).map(|m| m.name()) {
        let points: Vec<(f64, f64)> = benches
            .iter()
            .filter(|b| b.group == "count" && b.function == *model)
            .filter_map(|b| {
                let k = param_usize(b)?;
                let serial = find(benches, "count", "serial", b.param.as_deref())?;
                Some((k as f64, serial.median_s / b.median_s))
            })
            .collect();
        if !points.is_empty() {
            let mut points = points;
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            lines.push(Line { label: model.to_string(), colour: model_colour(model), points });
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    charts::speedup("count: speedup over serial as tasks grow", &lines, cores).map(Some)
}

/// Chart 3: ngram time per model, Rust and Python, with GB/s.
fn ngram_chart(benches: &[Bench], python: &[Value]) -> Result<Option<String>, String> {
    let mut rows = Vec::new();
    for model in Model::ALL.iter().map(|m| m.name()) {
        if let Some(b) = benches.iter().find(|b| b.group == "ngram" && b.function == model) {
            let rate = b
                .throughput_bytes
                .map_or(String::new(), |by| format!(", {:.2} GB/s", by as f64 / b.median_s / 1e9));
            rows.push(Bar {
                label: format!("Rust {model}"),
                value: b.median_s,
                colour: model_colour(model),
                note: format!("{}{rate}", seconds(b.median_s)),
            });
        }
    }
    for p in python.iter().filter(|p| p["job"] == "ngram") {
        let (Some(t), Some(by)) = (p["elapsed_s"].as_f64(), p["bytes"].as_f64()) else { continue };
        let read =
            p["read_s"].as_f64().map_or(String::new(), |r| format!(" ({} of it readlines)", seconds(r)));
        let (label, colour) = if p["model"] == "polars" {
            ("Python polars (Rust inside)".to_string(), python_colour("polars"))
        } else {
            ("Python MapReduce".to_string(), python_colour("mapreduce"))
        };
        rows.push(Bar {
            label,
            value: t,
            colour,
            note: format!("{}, {:.3} GB/s{read}", seconds(t), by / t / 1e9),
        });
    }
    if rows.is_empty() {
        return Ok(None);
    }
    charts::bars(
        "ngram: sum match_count per ngram over the shard (log scale)",
        "wall time, median (log scale)",
        &rows,
    )
    .map(Some)
}

/// Chart 4: the Goldilocks curve, from the criterion group and from `harness sweep`.
fn chunk_chart(benches: &[Bench], sweep: Option<&Value>) -> Result<Option<String>, String> {
    let mut by_model: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for b in benches.iter().filter(|b| b.group == "chunk_size") {
        if let Some(size) = param_usize(b) {
            by_model.entry(b.function.clone()).or_default().push((size as f64, b.median_s));
        }
    }
    let points = sweep.and_then(|s| s["points"].as_array()).map(Vec::as_slice).unwrap_or_default();
    for p in points {
        if let (Some(series), Some(size), Some(s)) =
            (p["series"].as_str(), p["chunk_bytes"].as_f64(), p["elapsed_s"].as_f64())
        {
            by_model.entry(format!("sweep: {series}")).or_default().push((size, s));
        }
    }
    if by_model.is_empty() {
        return Ok(None);
    }
    let lines: Vec<Line> = by_model
        .into_iter()
        .map(|(model, mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let name = model.strip_prefix("sweep: ").unwrap_or(&model);
            let base = name.split(['-', ' ']).next().unwrap_or(name);
            let mut colour = model_colour(base);
            if name.len() < model.len() {
                // The sweep's lines in a lighter shade of the model's colour.
                let light = |c: u8| ((u16::from(c) + 2 * 255) / 3) as u8;
                colour = plotters::style::RGBColor(light(colour.0), light(colour.1), light(colour.2));
            }
            Line { label: model.clone(), colour, points }
        })
        .collect();
    charts::chunk_curve("chunk size: too small, too large, just right (log-log)", &lines).map(Some)
}

/// Chart 5: per-task overheads.
fn overhead_chart(benches: &[Bench]) -> Result<Option<String>, String> {
    let mut rows: Vec<Bar> = benches
        .iter()
        .filter(|b| b.group == "overhead")
        .map(|b| {
            let colour = match b.function.as_str() {
                f if f.contains("process") => model_colour("process"),
                f if f.contains("rayon") => model_colour("pool"),
                f if f.contains("tokio") => model_colour("async"),
                _ => model_colour("threads"),
            };
            Bar { label: b.function.clone(), value: b.median_s, colour, note: seconds(b.median_s) }
        })
        .collect();
    rows.sort_by(|a, b| a.value.total_cmp(&b.value));
    if rows.is_empty() {
        return Ok(None);
    }
    charts::bars(
        "what one no-op task costs, start to result (log scale)",
        "time per task, median (log scale)",
        &rows,
    )
    .map(Some)
}

/// The article's claims, checked against this run's numbers.
fn checks(benches: &[Bench], python: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let py = |model: &str| {
        python
            .iter()
            .find(|p| p["job"] == "count" && p["model"] == model && p["tasks"] == 2)
            .and_then(|p| p["elapsed_s"].as_f64())
    };
    if let (Some(s), Some(t)) = (py("serial"), py("threads")) {
        let x = s / t;
        out.push(format!(
            "Python threads vs Python serial, K = 2: {x:.2}x ({}: the GIL allows at most 1.3x)",
            if x <= 1.3 { "as the article says" } else { "NOT as expected" }
        ));
    }
    if let (Some(s), Some(t)) = (py("serial"), py("process")) {
        let x = s / t;
        out.push(format!(
            "Python processes vs Python serial, K = 2: {x:.2}x ({}: expected more than 1.5x)",
            if x > 1.5 { "as the article says" } else { "NOT as expected" }
        ));
    }
    if let (Some(s), Some(t)) =
        (find(benches, "count", "serial", Some("2")), find(benches, "count", "threads", Some("2")))
    {
        let x = s.median_s / t.median_s;
        out.push(format!(
            "Rust threads vs Rust serial, K = 2: {x:.2}x ({}: expected more than 1.5x)",
            if x > 1.5 { "no GIL" } else { "NOT as expected" }
        ));
    }
    out
}

pub fn run(args: &ReportArgs) -> Result<(), String> {
    let benches = collect::benches(&args.criterion)?;
    let python = collect::python(&args.python)?;
    let sweep = collect::sweep(&args.sweep)?;
    let dataset = collect::dataset(&args.criterion).unwrap_or(Value::Null);
    let cores = machine::cores().get();
    let machine_info = json!({"cpu": machine::cpu_model(), "cores": cores});
    if benches.is_empty() && python.is_empty() {
        return Err(format!(
            "nothing to report: no criterion results under {} and no {}; run `just bench` (or `just bench-quick`) first",
            args.criterion.display(),
            args.python.display()
        ));
    }
    fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut results = records(&benches, &python, &machine_info, &dataset);
    if let Some(s) = &sweep {
        for p in s["points"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let mut r = p.clone();
            r["lang"] = json!("rust");
            r["job"] = json!("sweep");
            r["machine"] = s["machine"].clone();
            r["dataset"] = json!({"file": s["file"], "lines": s["lines"], "bytes": s["bytes"], "distinct": s["distinct"]});
            results.push(r);
        }
    }
    let results_path = args.out.join("results.json");
    fs::write(&results_path, serde_json::to_string_pretty(&results).expect("JSON values serialise"))
        .map_err(|e| format!("{}: {e}", results_path.display()))?;

    let sections = page::sections(
        count_chart(&benches, &python)?,
        speedup_chart(&benches, cores)?,
        ngram_chart(&benches, &python)?,
        chunk_chart(&benches, sweep.as_ref())?,
        overhead_chart(&benches)?,
    );
    // Each chart also as its own file, for slides and notebooks.
    for section in &sections {
        if let Some(svg) = &section.svg {
            let path = args.out.join(format!("{}.svg", section.id));
            fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let criterion_link = args.criterion.join("report/index.html");
    let html = page::render(
        &sections,
        &machine::describe(),
        &dataset,
        &checks(&benches, &python),
        &criterion_link,
        &args.out,
        python.is_empty(),
    );
    let index = args.out.join("index.html");
    fs::write(&index, html).map_err(|e| format!("{}: {e}", index.display()))?;
    for line in checks(&benches, &python) {
        eprintln!("harness report: {line}");
    }
    eprintln!(
        "harness report: {} records in {}, {} charts in {}",
        results.len(),
        results_path.display(),
        sections.iter().filter(|s| s.svg.is_some()).count(),
        index.display()
    );
    Ok(())
}
