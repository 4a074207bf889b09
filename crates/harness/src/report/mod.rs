//! `harness report`: criterion's results and the Python baselines in one list of records
//! (`reports/results.json`) and one self-contained page (`reports/index.html`) with eight
//! charts, each saying what it shows and which part of the article it answers.

mod charts;
mod collect;
mod findings;
mod one_run;
mod page;
pub mod record;

use std::collections::BTreeMap;
use std::fs;

use serde_json::{json, Value};

use crate::cli::ReportArgs;
use crate::machine;
use crate::models::Model;
use charts::{model_colour, python_colour, seconds, Bar, Line};
use collect::Bench;
use findings::{Claim, CountFigures, Figure, Setup, Verdict};

pub use page::Section;

fn param_usize(b: &Bench) -> Option<usize> {
    b.param.as_deref().and_then(|p| p.parse().ok())
}

/// The records of results.json: every benchmark and baseline in the CLI's JSON schema, plus
/// `lang`, `machine` and `dataset`.
fn records(
    benches: &[Bench],
    python: &[Value],
    machine: &Value,
    dataset: &Value,
    groups: &BTreeMap<String, Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for b in benches {
        let mut r = match b.group.as_str() {
            "count" => {
                let tasks = param_usize(b).unwrap_or(0);
                let to = b.throughput_elements.zip((tasks > 0).then_some(tasks)).map(|(e, t)| e / t as u64);
                json!({"job": "count", "model": b.function, "tasks": tasks, "to": to,
                       "workers": if b.function == "serial" { 1 } else { machine["cores"].as_u64().unwrap_or(1) },
                       "result": to.map(|to| to * tasks as u64)})
            }
            "count_n" => {
                json!({"job": "count_n", "model": b.function, "tasks": 1, "to": b.param.as_deref().and_then(|p| p.parse::<u64>().ok()), "workers": 1})
            }
            "ngram" => json!({"job": "ngram", "model": b.function, "workers": param_usize(b),
                              "bytes": b.throughput_bytes, "lines": dataset["lines"], "distinct": dataset["distinct"],
                              "gb_per_s": b.throughput_bytes.map(|by| by as f64 / b.median_s / 1e9),
                              "dataset": dataset}),
            "chunk_size" => json!({"job": "chunk_size", "model": b.function, "chunk_bytes": param_usize(b),
                                   "bytes": b.throughput_bytes, "dataset": dataset}),
            "overhead" => json!({"job": "overhead", "model": b.function}),
            other => json!({"job": other, "model": b.function, "param": b.param}),
        };
        r["lang"] = json!("rust");
        r["elapsed_s"] = json!(b.median_s);
        r["elapsed_ci_s"] = json!([b.lower_s, b.upper_s]);
        r["machine"] = machine.clone();
        if let Some(cores_used) = cores_used(groups, b) {
            // CPU time of one run: cores kept busy (summed over criterion's runs) times the
            // median wall time.
            r["cores_used"] = json!(cores_used);
            r["cpu_s"] = json!(cores_used * b.median_s);
        }
        if let Some(stamp) = groups.get(&b.group).map(|g| &g["stamp"]).filter(|s| s.is_object()) {
            r["stamp"] = stamp.clone();
        }
        out.push(r);
    }
    // The event loop's heartbeat in Rust, measured by the overhead bench.
    let overhead = groups.get("overhead");
    for beat in overhead.and_then(|g| g["heartbeat"].as_array()).map(Vec::as_slice).unwrap_or_default() {
        let mut r = beat.clone();
        r["job"] = json!("heartbeat");
        r["model"] = json!("async");
        r["variant"] = beat["placement"].clone();
        r["lang"] = json!("rust");
        r["elapsed_s"] = beat["work_s"].clone();
        r["machine"] = machine.clone();
        r["stamp"] = overhead.map_or(Value::Null, |g| g["stamp"].clone());
        out.push(r);
    }
    for p in python {
        let mut r = p.clone();
        r["machine"] = machine.clone();
        if r["job"] == "ngram" {
            r["dataset"] = json!({"file": p["files"][0], "lines": p["lines"], "bytes": p["bytes"],
                                  "distinct": p["distinct"], "synthetic": dataset.get("synthetic")});
        }
        out.push(r);
    }
    out
}

/// Cores kept busy (CPU time over wall time) by benchmark `b`, from its group's run.json.
fn cores_used(groups: &BTreeMap<String, Value>, b: &Bench) -> Option<f64> {
    let id = format!("{}/{}", b.function, b.param.as_deref().unwrap_or_default());
    groups.get(&b.group)?["cpu"][&id]["cores_used"].as_f64()
}

/// ", 1.98 cores busy" for a bar's note, where the group's run.json knows it.
fn cores_note(groups: &BTreeMap<String, Value>, b: &Bench) -> String {
    cores_used(groups, b).map_or(String::new(), |c| format!(", {c:.2} cores busy"))
}

fn find<'b>(benches: &'b [Bench], group: &str, function: &str, param: Option<&str>) -> Option<&'b Bench> {
    benches.iter().find(|b| {
        b.group == group && b.function == function && (param.is_none() || b.param.as_deref() == param)
    })
}

/// A criterion benchmark as a figure: its median and 95% interval.
fn bench_figure(b: &Bench) -> Figure {
    Figure { median: b.median_s, low: b.lower_s, high: b.upper_s, runs: None }
}

/// A Python record as a figure: its median, and the min and max of its repeats.
fn python_figure(p: &Value) -> Option<Figure> {
    let median = p["elapsed_s"].as_f64()?;
    Some(Figure {
        median,
        low: p["elapsed_min_s"].as_f64().unwrap_or(median),
        high: p["elapsed_max_s"].as_f64().unwrap_or(median),
        runs: p["runs"].as_u64().or(Some(1)),
    })
}

/// A Python record's min and max, when it ran more than once.
fn python_spread(p: &Value) -> Option<(f64, f64)> {
    if p["runs"].as_u64().unwrap_or(1) < 2 {
        return None;
    }
    Some((p["elapsed_min_s"].as_f64()?, p["elapsed_max_s"].as_f64()?))
}

/// The Python count records at K = 2.
fn python_count(python: &[Value]) -> Vec<&Value> {
    python.iter().filter(|p| p["job"] == "count" && p["tasks"] == 2).collect()
}

fn python_label(p: &Value) -> String {
    format!("Python {}", p["variant"].as_str().or(p["model"].as_str()).unwrap_or("?"))
}

/// Chart 1: count, K = 2, every Rust model and every Python one.
fn count_chart(
    benches: &[Bench],
    python: &[Value],
    groups: &BTreeMap<String, Value>,
) -> Result<page::Drawn, String> {
    let rust: Vec<(&str, Figure)> = Model::ALL
        .iter()
        .filter_map(|m| find(benches, "count", m.name(), Some("2")).map(|b| (m.name(), bench_figure(b))))
        .collect();
    let py: Vec<(String, Figure)> = python_count(python)
        .iter()
        .filter(|p| p["interpreter"].is_null())
        .filter_map(|p| {
            let name = if p["model"] == "serial" { "serial".to_string() } else { python_label(p) };
            Some((name.trim_start_matches("Python ").to_string(), python_figure(p)?))
        })
        .collect();
    let mut findings = findings::count_findings(&rust, &py);
    // Another interpreter (`harness python --python`), against its own serial.
    let others: Vec<&Value> =
        python_count(python).into_iter().filter(|p| !p["interpreter"].is_null()).collect();
    for serial in others.iter().filter(|p| p["model"] == "serial") {
        let of_it: Vec<String> = others
            .iter()
            .filter(|p| p["interpreter"] == serial["interpreter"] && p["model"] != "serial")
            .filter_map(|p| {
                let x = serial["elapsed_s"].as_f64()? / p["elapsed_s"].as_f64()?;
                Some(format!("{} {x:.2}x", p["model"].as_str()?))
            })
            .collect();
        let build = if serial["stamp"]["gil"] == false { "free-threaded, no GIL" } else { "with a GIL" };
        findings.push_str(&format!(
            " {} (Python {}, {build}) over its own serial: {}.",
            serial["interpreter"].as_str().unwrap_or("?"),
            serial["stamp"]["python"].as_str().unwrap_or("?"),
            of_it.join(", ")
        ));
    }
    // The fold check: the count_n group's N and 4N.
    let mut sizes: Vec<(u64, Figure)> = benches
        .iter()
        .filter(|b| b.group == "count_n" && b.function == "serial")
        .filter_map(|b| Some((b.param.as_deref()?.parse().ok()?, bench_figure(b))))
        .collect();
    sizes.sort_by_key(|(n, _)| *n);
    if let Some((n, at_n, at_4n)) = sizes.iter().find_map(|(n, f)| {
        let four = sizes.iter().find(|(m, _)| *m == 4 * n)?;
        Some((*n, *f, four.1))
    }) {
        findings.push(' ');
        findings.push_str(&findings::fold_check(n, &at_n, &at_4n));
    }
    Ok((count_bars(benches, python, groups)?, findings))
}

fn count_bars(
    benches: &[Bench],
    python: &[Value],
    groups: &BTreeMap<String, Value>,
) -> Result<Option<String>, String> {
    let mut rows = Vec::new();
    let serial = find(benches, "count", "serial", Some("2")).map(|b| b.median_s);
    for model in Model::ALL.iter().map(|m| m.name()) {
        if let Some(b) = find(benches, "count", model, Some("2")) {
            let ratio = serial.map_or(String::new(), |s| format!(" ({:.2}x serial)", s / b.median_s));
            rows.push(Bar {
                label: format!("Rust {model}"),
                value: b.median_s,
                colour: model_colour(model),
                note: format!("{}{ratio}{}", seconds(b.median_s), cores_note(groups, b)),
                spread: Some((b.lower_s, b.upper_s)),
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
            note: format!(
                "{}{ratio}{}",
                seconds(t),
                p["cores_used"].as_f64().map_or(String::new(), |c| format!(", {c:.2} cores busy"))
            ),
            spread: python_spread(p),
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
    charts::bars(&title, "wall time: median, whiskers from the low to the high run (log scale)", &rows)
        .map(Some)
}

/// Chart 1b: cores kept busy (CPU time over wall time) by every count row at K = 2, Rust
/// and Python: the GIL in one number.
fn cores_chart(
    benches: &[Bench],
    python: &[Value],
    groups: &BTreeMap<String, Value>,
    cores: usize,
) -> Result<page::Drawn, String> {
    let mut rows = Vec::new();
    let mut rust_busy = Vec::new();
    for model in Model::ALL.iter().map(|m| m.name()) {
        let Some(used) = find(benches, "count", model, Some("2")).and_then(|b| cores_used(groups, b)) else {
            continue;
        };
        rust_busy.push(format!("{model} {used:.2}"));
        rows.push(Bar {
            label: format!("Rust {model}"),
            value: used,
            colour: model_colour(model),
            note: format!("{used:.2}"),
            spread: None,
        });
    }
    let mut python_busy = Vec::new();
    for p in python_count(python) {
        let (Some(used), Some(model)) = (p["cores_used"].as_f64(), p["model"].as_str()) else { continue };
        if p["interpreter"].is_null() {
            python_busy.push(format!("{} {used:.2}", p["variant"].as_str().unwrap_or(model)));
        }
        rows.push(Bar {
            label: python_label(p),
            value: used,
            colour: python_colour(model),
            note: format!("{used:.2}"),
            spread: None,
        });
    }
    if rows.is_empty() {
        return Ok((None, String::new()));
    }
    let mut findings = Vec::new();
    if !rust_busy.is_empty() {
        findings.push(format!("In this run, cores kept busy in Rust, K = 2: {}.", rust_busy.join(", ")));
    }
    if !python_busy.is_empty() {
        let main = python_count(python).into_iter().find(|p| p["interpreter"].is_null());
        let free = main.is_some_and(|p| p["stamp"]["gil"] == false || p["gil"] == false);
        findings.push(format!(
            "In Python: {}{}.",
            python_busy.join(", "),
            if free {
                " (this CPython is free-threaded: no GIL)"
            } else {
                "; one CPython thread at a time holds the GIL"
            }
        ));
    }
    let svg = charts::cores("count, K = 2: cores kept busy (CPU time over wall time)", &rows, cores)?;
    Ok((Some(svg), findings.join(" ")))
}

/// Chart 2: speedup over serial against K, per Rust model.
fn speedup_chart(benches: &[Bench], cores: usize) -> Result<page::Drawn, String> {
    let at_cores: Vec<(String, f64)> = Model::ALL
        .iter()
        .filter(|m| **m != Model::Serial)
        .filter_map(|m| {
            let k = cores.to_string();
            let serial = find(benches, "count", "serial", Some(&k))?;
            let b = find(benches, "count", m.name(), Some(&k))?;
            Some((m.name().to_string(), serial.median_s / b.median_s))
        })
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
    Ok((speedup_lines(benches, cores)?, findings))
}

fn speedup_lines(benches: &[Bench], cores: usize) -> Result<Option<String>, String> {
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
    let ideal = format!("ideal: min(K, {cores} cores)");
    let axes = charts::Axes {
        x: "tasks K (workers = cores)",
        y: "speedup over serial (x)",
        ideal: &ideal,
        legend: plotters::chart::SeriesLabelPosition::LowerRight,
    };
    charts::speedup("count: speedup over serial as tasks grow", &lines, cores, axes).map(Some)
}

/// Chart 3: ngram time per model, Rust and Python, with GB/s.
fn ngram_chart(
    benches: &[Bench],
    python: &[Value],
    cores: usize,
    groups: &BTreeMap<String, Value>,
) -> Result<page::Drawn, String> {
    let mut rows: Vec<(String, f64)> = Model::ALL
        .iter()
        .filter_map(|m| {
            let b = ngram_at(benches, m.name(), cores)?;
            Some((format!("Rust {}", m.name()), b.median_s))
        })
        .collect();
    for p in python.iter().filter(|p| p["job"] == "ngram") {
        if let Some(t) = p["elapsed_s"].as_f64() {
            let name = if p["model"] == "polars" { "polars" } else { "the Python MapReduce" };
            rows.push((name.to_string(), t));
        }
    }
    let findings = findings::extremes(&rows, "fastest", "slowest").unwrap_or_default();
    Ok((ngram_bars(benches, python, cores, groups)?, findings))
}

fn ngram_bars(
    benches: &[Bench],
    python: &[Value],
    cores: usize,
    groups: &BTreeMap<String, Value>,
) -> Result<Option<String>, String> {
    let mut rows = Vec::new();
    for model in Model::ALL.iter().map(|m| m.name()) {
        if let Some(b) = ngram_at(benches, model, cores) {
            let rate = b
                .throughput_bytes
                .map_or(String::new(), |by| format!(", {:.2} GB/s", by as f64 / b.median_s / 1e9));
            rows.push(Bar {
                label: format!("Rust {model}"),
                value: b.median_s,
                colour: model_colour(model),
                note: format!("{}{rate}{}", seconds(b.median_s), cores_note(groups, b)),
                spread: Some((b.lower_s, b.upper_s)),
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
            spread: python_spread(p),
        });
    }
    if rows.is_empty() {
        return Ok(None);
    }
    charts::bars(
        "ngram: sum match_count per ngram over the shard (log scale)",
        "wall time: median, whiskers from the low to the high run (log scale)",
        &rows,
    )
    .map(Some)
}

/// Every chunk-size curve of the run: the sweep's (4 KiB to 256 MiB, medians of its
/// repeats) when there is one, else criterion's `chunk_size` group (one series per thing
/// measured: the two would draw near-duplicate lines of the same models).
fn chunk_curves(benches: &[Bench], sweep: Option<&Value>) -> Vec<(String, Vec<(f64, Figure)>)> {
    let mut curves: BTreeMap<String, Vec<(f64, Figure)>> = BTreeMap::new();
    for b in benches.iter().filter(|b| b.group == "chunk_size" && sweep.is_none()) {
        if let Some(size) = param_usize(b) {
            curves.entry(b.function.clone()).or_default().push((size as f64, bench_figure(b)));
        }
    }
    for p in sweep.and_then(|s| s["points"].as_array()).map(Vec::as_slice).unwrap_or_default() {
        if let (Some(series), Some(size), Some(t)) =
            (p["series"].as_str(), p["chunk_bytes"].as_f64(), p["elapsed_s"].as_f64())
        {
            curves.entry(series.to_string()).or_default().push((size, Figure::single(t)));
        }
    }
    let mut curves: Vec<_> = curves.into_iter().collect();
    for (_, points) in &mut curves {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    curves
}

/// The ngram bench of `model` on `workers` workers (serial has only one: it is the same run
/// at any count).
fn ngram_at<'b>(benches: &'b [Bench], model: &str, workers: usize) -> Option<&'b Bench> {
    let on = |w: usize| {
        benches.iter().find(|b| b.group == "ngram" && b.function == model && param_usize(b) == Some(w))
    };
    on(workers).or_else(|| if model == "serial" { on(1) } else { None })
}

/// Chart 3b: the ngram job against workers, as speedup over serial (the article's merge on
/// one worker): what an algorithm buys shows at one worker, what parallelism buys as the
/// line rises.
fn workers_chart(benches: &[Bench], cores: usize) -> Result<page::Drawn, String> {
    let Some(serial) = ngram_at(benches, "serial", 1) else { return Ok((None, String::new())) };
    let mut lines = Vec::new();
    for model in Model::ALL.iter().filter(|m| **m != Model::Serial).map(|m| m.name()) {
        let mut points: Vec<(f64, f64)> = benches
            .iter()
            .filter(|b| b.group == "ngram" && b.function == model)
            .filter_map(|b| Some((param_usize(b)? as f64, serial.median_s / b.median_s)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.len() >= 2 {
            lines.push(Line { label: model.to_string(), colour: model_colour(model), points });
        }
    }
    if lines.is_empty() {
        return Ok((None, String::new()));
    }
    let engine = |w: usize| ngram_at(benches, "mapreduce", w).map(|b| b.median_s);
    let findings = match (engine(1), engine(cores)) {
        (Some(one), Some(all)) if cores > 1 => format!(
            "In this run, the MapReduce engine on one worker is {:.2}x serial: its algorithm alone; on {cores} \
             workers it is {:.2}x its own one-worker time: what parallelism adds.",
            serial.median_s / one,
            one / all
        ),
        _ => String::new(),
    };
    let ideal = format!("ideal for one algorithm: min(W, {cores} cores)");
    // Upper left: the lines start at one worker, to the right of it.
    let axes = charts::Axes {
        x: "workers W",
        y: "speedup over serial (x)",
        ideal: &ideal,
        legend: plotters::chart::SeriesLabelPosition::UpperLeft,
    };
    let svg = charts::speedup("ngram: speedup over serial as workers grow", &lines, cores, axes)?;
    Ok((Some(svg), findings))
}

/// Chart 4: the Goldilocks curve, from the criterion group and from `harness sweep`.
fn chunk_chart(benches: &[Bench], sweep: Option<&Value>) -> Result<page::Drawn, String> {
    let findings = findings::chunk_claim(&chunk_curves(benches, sweep))
        .map(|c| format!("In this run: {}.", c.measured))
        .unwrap_or_default();
    Ok((chunk_lines(benches, sweep)?, findings))
}

fn chunk_lines(benches: &[Bench], sweep: Option<&Value>) -> Result<Option<String>, String> {
    let curves = chunk_curves(benches, sweep);
    if curves.is_empty() {
        return Ok(None);
    }
    let lines: Vec<Line> = curves
        .into_iter()
        .map(|(series, points)| {
            let name = series.as_str();
            let base = name.split(['-', ' ', ',']).next().unwrap_or(name);
            let mut colour = model_colour(base);
            if name.contains("processes") {
                // The engine on processes: a lighter shade of the engine's colour.
                let light = |c: u8| ((u16::from(c) + 2 * 255) / 3) as u8;
                colour = plotters::style::RGBColor(light(colour.0), light(colour.1), light(colour.2));
            }
            let points = points.into_iter().map(|(size, f)| (size, f.median)).collect();
            Line { label: name.to_string(), colour, points }
        })
        .collect();
    charts::chunk_curve("chunk size: too small, too large, just right (log-log)", &lines).map(Some)
}

/// The Python overhead records: one no-op process per start method.
fn python_overhead(python: &[Value]) -> Vec<&Value> {
    python.iter().filter(|p| p["job"] == "overhead").collect()
}

/// Chart 5: per-task overheads, Rust's mechanisms and Python's process start methods.
fn overhead_chart(benches: &[Bench], python: &[Value]) -> Result<page::Drawn, String> {
    let mut rows: Vec<(String, f64)> =
        benches.iter().filter(|b| b.group == "overhead").map(|b| (b.function.clone(), b.median_s)).collect();
    let starts: Vec<(String, f64)> = python_overhead(python)
        .iter()
        .filter_map(|p| Some((p["start_method"].as_str()?.to_string(), p["elapsed_s"].as_f64()?)))
        .collect();
    rows.extend(
        python_overhead(python).iter().filter_map(|p| Some((python_label(p), p["elapsed_s"].as_f64()?))),
    );
    let mut findings = findings::extremes(&rows, "the cheapest", "the dearest").unwrap_or_default();
    if let Some(start) = findings::start_methods(&starts) {
        findings.push(' ');
        findings.push_str(&start);
    }
    Ok((overhead_bars(benches, python)?, findings))
}

fn overhead_bars(benches: &[Bench], python: &[Value]) -> Result<Option<String>, String> {
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
            Bar {
                label: b.function.clone(),
                value: b.median_s,
                colour,
                note: seconds(b.median_s),
                spread: Some((b.lower_s, b.upper_s)),
            }
        })
        .collect();
    for p in python_overhead(python) {
        let Some(t) = p["elapsed_s"].as_f64() else { continue };
        rows.push(Bar {
            label: python_label(p),
            value: t,
            colour: python_colour("process"),
            note: seconds(t),
            spread: python_spread(p),
        });
    }
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

/// Every heartbeat measured: Rust's (the overhead bench) and Python's (heartbeat.py), as
/// (placement, beat): `inline`, `spawn_blocking`; `inline`, `threads`, `processes`.
fn beats(groups: &BTreeMap<String, Value>, python: &[Value]) -> Vec<(String, findings::Beat)> {
    let beat = |label: String, r: &Value| -> Option<findings::Beat> {
        let worst = r["worst_late_s"].as_f64()?;
        Some(findings::Beat {
            label,
            worst: Figure {
                median: worst,
                low: r["worst_late_min_s"].as_f64().unwrap_or(worst),
                high: r["worst_late_max_s"].as_f64().unwrap_or(worst),
                runs: r["runs"].as_u64(),
            },
            work_s: r["work_s"].as_f64().or(r["elapsed_s"].as_f64())?,
            beats: r["beats"].as_u64()?,
            period_s: r["period_s"].as_f64()?,
        })
    };
    let rust =
        groups.get("overhead").and_then(|g| g["heartbeat"].as_array()).map(Vec::as_slice).unwrap_or_default();
    let mut out: Vec<(String, findings::Beat)> = rust
        .iter()
        .filter_map(|r| {
            let placement = r["placement"].as_str()?;
            let label = match placement {
                "inline" => "Rust tokio: count inline in a task".to_string(),
                other => format!("Rust tokio: {other}"),
            };
            Some((format!("rust {placement}"), beat(label, r)?))
        })
        .collect();
    out.extend(python.iter().filter(|p| p["job"] == "heartbeat").filter_map(|p| {
        let placement = p["placement"].as_str()?;
        Some((format!("python {placement}"), beat(format!("Python {}", p["variant"].as_str()?), p)?))
    }));
    out
}

/// Chart 6: the event loop's heartbeat beside a count, inline and through the executor.
fn event_loop_chart(groups: &BTreeMap<String, Value>, python: &[Value]) -> Result<page::Drawn, String> {
    let beats = beats(groups, python);
    if beats.is_empty() {
        return Ok((None, String::new()));
    }
    let rows: Vec<Bar> = beats
        .iter()
        .map(|(key, b)| Bar {
            label: b.label.clone(),
            value: b.worst.median.max(1e-6),
            colour: if key.starts_with("rust") { model_colour("async") } else { python_colour("async") },
            note: format!("{}, {} in {}", seconds(b.worst.median), b.beats_said(), seconds(b.work_s)),
            spread: (b.worst.runs.unwrap_or(1) > 1).then_some((b.worst.low, b.worst.high)),
        })
        .collect();
    let period = beats[0].1.period_s;
    let mut findings = format!(
        "In this run, with a beat due every {}: {}.",
        seconds(period),
        beats
            .iter()
            .map(|(_, b)| format!(
                "{} worst {} late, {} of about {:.0} beats",
                b.label,
                seconds(b.worst.median),
                b.beats,
                b.work_s / b.period_s
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let Some(switch) =
        python.iter().find(|p| p["job"] == "heartbeat").and_then(|p| p["switch_interval_s"].as_f64())
    {
        findings.push_str(&format!(" CPython's switch interval here: {}.", seconds(switch)));
    }
    let svg = charts::bars(
        "the event loop beside a count: worst lateness of a 10 ms heartbeat (log scale)",
        "worst lateness of a beat: the median run, whiskers from the least to the most (log scale)",
        &rows,
    )?;
    Ok((Some(svg), findings))
}

/// The busy-machine warning for section `id`: the stamps of what it draws.
fn busy(
    id: &str,
    groups: &BTreeMap<String, Value>,
    python: &[Value],
    sweep: Option<&Value>,
) -> Option<String> {
    let group = |g: &str| groups.get(g).map(|r| ("the Rust benches", &r["stamp"]));
    let python_job =
        |job: &str| python.iter().find(|p| p["job"] == job).map(|p| ("the Python baselines", &p["stamp"]));
    let stamps: Vec<(&str, &Value)> = match id {
        "count" => [group("count"), python_job("count")].into_iter().flatten().collect(),
        "cores" => [group("count"), python_job("count")].into_iter().flatten().collect(),
        "speedup" => group("count").into_iter().collect(),
        "ngram" => [group("ngram"), python_job("ngram")].into_iter().flatten().collect(),
        "workers" => group("ngram").into_iter().collect(),
        "chunks" => match sweep {
            Some(s) => vec![("the sweep", &s["stamp"])],
            None => group("chunk_size").into_iter().collect(),
        },
        "overhead" => [group("overhead"), python_job("overhead")].into_iter().flatten().collect(),
        "event-loop" => [group("overhead"), python_job("heartbeat")].into_iter().flatten().collect(),
        _ => Vec::new(),
    };
    findings::busy_warning(&stamps)
}

/// The article's claims, checked against this run's numbers.
fn claims(
    benches: &[Bench],
    python: &[Value],
    sweep: Option<&Value>,
    groups: &BTreeMap<String, Value>,
    cores: usize,
) -> Vec<Claim> {
    // The claims about CPython weigh the interpreter that ran everything (`harness python`'s
    // first); another one (`--python` again: a free-threaded build) has its own claim below.
    let (count, others): (Vec<&Value>, Vec<&Value>) =
        python_count(python).into_iter().partition(|p| p["interpreter"].is_null());
    let py = |model: &str| count.iter().find(|p| p["model"] == model).and_then(|p| python_figure(p));
    let gil = |p: &&Value| p["stamp"]["gil"].as_bool().or(p["gil"].as_bool());
    let setup = Setup { cores, python_gil: count.iter().find_map(gil) };
    let figures = CountFigures {
        python_serial: py("serial"),
        python_threads: py("threads"),
        // The first process row is the platform's default start method (count.py's order).
        python_process: count
            .iter()
            .find(|p| p["model"] == "process")
            .and_then(|p| Some((p["variant"].as_str()?, python_figure(p)?))),
        python_pools: count
            .iter()
            .filter(|p| p["model"] == "pool")
            .filter_map(|p| Some((p["variant"].as_str()?, python_figure(p)?)))
            .collect(),
        rust_serial: find(benches, "count", "serial", Some("2")).map(bench_figure),
        rust_threads: find(benches, "count", "threads", Some("2")).map(bench_figure),
    };
    let mut out = findings::count_claims(setup, &figures);
    let mut interpreters: Vec<&str> = others.iter().filter_map(|p| p["interpreter"].as_str()).collect();
    interpreters.dedup();
    for interpreter in interpreters {
        let of = |model: &str| {
            others.iter().find(|p| p["interpreter"] == interpreter && p["model"] == model).copied()
        };
        if let (Some(serial), Some(threads)) = (of("serial"), of("threads")) {
            if gil(&serial) == Some(false) {
                let version = serial["stamp"]["python"].as_str().unwrap_or(interpreter);
                if let (Some(s), Some(t)) = (python_figure(serial), python_figure(threads)) {
                    out.push(findings::free_threaded_claim(
                        setup,
                        &format!("CPython {version} free-threaded"),
                        &s,
                        &t,
                    ));
                }
            }
        }
    }
    let most_workers = benches.iter().filter(|b| b.group == "ngram").filter_map(param_usize).max();
    if let Some(workers) = most_workers.filter(|&w| w > 1) {
        if let (Some(one), Some(all)) =
            (ngram_at(benches, "mapreduce", 1), ngram_at(benches, "mapreduce", workers))
        {
            out.push(findings::workers_claim(setup, workers, &bench_figure(one), &bench_figure(all)));
        }
    }
    out.extend(findings::chunk_claim(&chunk_curves(benches, sweep)));
    let beats = beats(groups, python);
    let beat = |key: &str| beats.iter().find(|(k, _)| k == key).map(|(_, b)| b);
    if let (Some(inline), Some(offloaded)) = (beat("python inline"), beat("python processes")) {
        let others: Vec<&findings::Beat> =
            ["python threads", "rust inline", "rust spawn_blocking"].iter().filter_map(|k| beat(k)).collect();
        out.push(findings::heartbeat_claim(inline, offloaded, &others));
    }
    let order = |way: &str| python.iter().find(|p| p["job"] == "result_order" && p["way"] == way);
    let first_short = |p: &Value| -> Option<Figure> {
        let median = p["first_short_s"].as_f64()?;
        Some(Figure {
            median,
            low: p["first_short_min_s"].as_f64().unwrap_or(median),
            high: p["first_short_max_s"].as_f64().unwrap_or(median),
            runs: p["runs"].as_u64(),
        })
    };
    if let (Some(map), Some(done)) = (order("map"), order("as_completed")) {
        if let (Some(m), Some(d)) = (first_short(map), first_short(done)) {
            out.push(findings::result_order_claim(&m, &d, map["workers"].as_u64().unwrap_or(1)));
        }
    }
    let mapreduce = python.iter().find(|p| p["job"] == "ngram" && p["model"] == "mapreduce");
    if let Some(p) = mapreduce {
        if let (Some(reduce), Some(elapsed)) = (p["reduce_s"].as_f64(), p["elapsed_s"].as_f64()) {
            out.push(findings::reduce_claim(reduce, elapsed, p["chunks"].as_u64()));
        }
    }
    out
}

pub fn run(args: &ReportArgs) -> Result<(), String> {
    let benches = collect::benches(&args.criterion)?;
    let dataset = collect::dataset(&args.criterion).unwrap_or(Value::Null);
    let count_run = collect::count_run(&args.criterion);
    // The run this page draws: the benches' N, shard and machine.
    let run_stamp = count_run.as_ref().map(|r| r["stamp"].clone()).or_else(|| dataset.get("stamp").cloned());
    let run = one_run::Run {
        to: count_run.as_ref().and_then(|r| r["to"].as_u64()),
        file: dataset["file"].as_str().map(str::to_string),
        stamp: run_stamp.clone().filter(|s| !s.is_null()),
    };
    let (python, mut set_aside) = one_run::python(collect::python(&args.python)?, &run, &args.python);
    let (sweep, sweep_aside) = one_run::sweep(collect::sweep(&args.sweep)?, &run, &args.sweep);
    set_aside.extend(sweep_aside);
    // The machine the figures come from: the run's stamp; only without one, this machine now.
    let (cores, machine_info, machine_line) = match &run.stamp {
        Some(stamp) => (
            stamp["cores"].as_u64().map_or(machine::cores().get(), |c| c as usize),
            json!({"cpu": stamp["cpu"], "cores": stamp["cores"]}),
            format!(
                "{}, {} cores ({}), measured {} at commit {}",
                stamp["cpu"].as_str().unwrap_or("?"),
                stamp["cores"],
                stamp["os"].as_str().unwrap_or("?"),
                stamp["date"].as_str().unwrap_or("?"),
                stamp["commit"].as_str().unwrap_or("?")
            ),
        ),
        None => {
            let cores = machine::cores().get();
            let line =
                format!("{} (the benches did not stamp their run: this machine, now)", machine::describe());
            (cores, json!({"cpu": machine::cpu_model(), "cores": cores}), line)
        }
    };
    if benches.is_empty() && python.is_empty() {
        return Err(format!(
            "nothing to report: no criterion results under {} and no {}; run `just bench` (or `just bench-quick`) first",
            args.criterion.display(),
            args.python.display()
        ));
    }
    fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let groups: BTreeMap<String, Value> = ["count", "ngram", "overhead", "chunk_size"]
        .into_iter()
        .filter_map(|g| Some((g.to_string(), collect::group_run(&args.criterion, g)?)))
        .collect();
    let mut results = records(&benches, &python, &machine_info, &dataset, &groups);
    for r in results.iter_mut().filter(|r| r["lang"] == "rust" && r["stamp"].is_null()) {
        r["stamp"] = run.stamp.clone().unwrap_or(Value::Null);
    }
    if let Some(s) = &sweep {
        for p in s["points"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let mut r = p.clone();
            // A sweep of an older schema: its points lacked these.
            r["lang"] = json!("rust");
            r["job"] = json!("sweep");
            r["machine"] = s["machine"].clone();
            if r["dataset"].is_null() {
                r["dataset"] = json!({"file": s["file"], "lines": s["lines"], "bytes": s["bytes"], "distinct": s["distinct"]});
            }
            if r["stamp"].is_null() {
                r["stamp"] = s["stamp"].clone();
            }
            results.push(r);
        }
    }
    // Every record in the one type results.json holds (a source that lost a field fails here).
    let results: Vec<record::Record> = results
        .into_iter()
        .map(|r| {
            let (source, rerun) = if r["lang"] == "python" {
                (args.python.display().to_string(), "just python")
            } else {
                (args.criterion.display().to_string(), "just bench")
            };
            record::Record::from_value(r, &source).map_err(|e| {
                format!("{e}; it was written by an older version: rerun `{rerun}` to write it again")
            })
        })
        .collect::<Result<_, _>>()?;
    let results_path = args.out.join("results.json");
    fs::write(&results_path, serde_json::to_string_pretty(&results).expect("records serialise"))
        .map_err(|e| format!("{}: {e}", results_path.display()))?;

    // The ngram benches ran on one worker and on every core of the machine that ran them.
    let most_workers =
        benches.iter().filter(|b| b.group == "ngram").filter_map(param_usize).max().unwrap_or(cores);
    let sections = page::sections(page::Charts {
        count: count_chart(&benches, &python, &groups)?,
        cores: cores_chart(&benches, &python, &groups, cores)?,
        speedup: speedup_chart(&benches, cores)?,
        ngram: ngram_chart(&benches, &python, most_workers, &groups)?,
        workers: workers_chart(&benches, most_workers)?,
        chunk: chunk_chart(&benches, sweep.as_ref())?,
        overhead: overhead_chart(&benches, &python)?,
        event_loop: event_loop_chart(&groups, &python)?,
    });
    let mut sections = sections;
    for section in &mut sections {
        section.busy = busy(section.id, &groups, &python, sweep.as_ref());
    }
    // Each chart also as its own file, for slides and notebooks.
    for section in &sections {
        if let Some(svg) = &section.svg {
            let path = args.out.join(format!("{}.svg", section.id));
            fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let criterion_link = args.criterion.join("report/index.html");
    let claims = claims(&benches, &python, sweep.as_ref(), &groups, cores);
    for a in &set_aside {
        eprintln!("harness report: {}", a.sentence());
    }
    let set_aside: Vec<String> = set_aside.iter().map(one_run::SetAside::sentence).collect();
    let html = page::render(
        &sections,
        &page::Context {
            machine: &machine_line,
            set_aside: &set_aside,
            dataset: &dataset,
            claims: &claims,
            criterion_report: &criterion_link,
            out_dir: &args.out,
            no_python: python.is_empty(),
        },
    );
    let index = args.out.join("index.html");
    fs::write(&index, html).map_err(|e| format!("{}: {e}", index.display()))?;
    for c in &claims {
        eprintln!("harness report: {}: {}; {}", c.claim, c.measured, c.verdict);
    }
    eprintln!(
        "harness report: {} records in {}, {} charts in {}",
        results.len(),
        results_path.display(),
        sections.iter().filter(|s| s.svg.is_some()).count(),
        index.display()
    );
    let failed: Vec<&Claim> = claims.iter().filter(|c| c.verdict == Verdict::DoesNotHold).collect();
    if args.strict && !failed.is_empty() {
        return Err(format!(
            "harness report --strict: {} of the article's claims do not hold on this run: {}",
            failed.len(),
            failed.iter().map(|c| c.claim).collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(())
}
