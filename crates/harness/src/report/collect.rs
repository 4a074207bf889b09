//! Reading what the benches and the baselines left: criterion's `new/benchmark.json` and
//! `new/estimates.json` under target/criterion, the ngram data set's description, and the
//! Python records.

use std::fs;
use std::path::Path;

use serde_json::Value;

/// One criterion benchmark: `group/function/param`, its median and 95% interval (seconds).
#[derive(Debug, Clone)]
pub struct Bench {
    pub group: String,
    pub function: String,
    pub param: Option<String>,
    pub median_s: f64,
    pub lower_s: f64,
    pub upper_s: f64,
    pub throughput_bytes: Option<u64>,
    pub throughput_elements: Option<u64>,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every benchmark under `root` (criterion's output folder); none if it does not exist.
pub fn benches(root: &Path) -> Result<Vec<Bench>, String> {
    let mut found = Vec::new();
    if root.is_dir() {
        walk(root, &mut found)?;
    }
    found.sort_by(|a, b| (&a.group, &a.function, &a.param).cmp(&(&b.group, &b.function, &b.param)));
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<Bench>) -> Result<(), String> {
    let new = dir.join("new");
    if new.join("benchmark.json").is_file() && new.join("estimates.json").is_file() {
        found.push(bench(&new)?);
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && entry.file_name() != "report" {
            walk(&path, found)?;
        }
    }
    Ok(())
}

fn bench(new: &Path) -> Result<Bench, String> {
    let meta = read_json(&new.join("benchmark.json"))?;
    let est = read_json(&new.join("estimates.json"))?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    let ns = |path: &[&str]| -> Result<f64, String> {
        path.iter()
            .try_fold(&est, |v, k| v.get(k))
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("{}: no {}", new.display(), path.join(".")))
    };
    let throughput = |kind: &str| meta.get("throughput").and_then(|t| t.get(kind)).and_then(Value::as_u64);
    Ok(Bench {
        group: text(&meta["group_id"]).ok_or_else(|| format!("{}: no group_id", new.display()))?,
        function: text(&meta["function_id"]).unwrap_or_default(),
        param: text(&meta["value_str"]),
        median_s: ns(&["median", "point_estimate"])? / 1e9,
        lower_s: ns(&["median", "confidence_interval", "lower_bound"])? / 1e9,
        upper_s: ns(&["median", "confidence_interval", "upper_bound"])? / 1e9,
        throughput_bytes: throughput("Bytes"),
        throughput_elements: throughput("Elements"),
    })
}

/// The ngram benches' data set (`ngram/dataset.json`), if they ran.
pub fn dataset(root: &Path) -> Option<Value> {
    read_json(&root.join("ngram/dataset.json")).ok()
}

/// The Python records, one JSON object per line; none if the file is missing.
pub fn python(path: &Path) -> Result<Vec<Value>, String> {
    let Ok(text) = fs::read_to_string(path) else { return Ok(Vec::new()) };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                format!(
                    "{}:{}: not a record ({e}); rerun `just python` to write it again",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// `harness sweep`'s record, if there is one.
pub fn sweep(path: &Path) -> Result<Option<Value>, String> {
    if !path.is_file() {
        return Ok(None);
    }
    read_json(path).map(Some)
}

/// The count benches' run (`count/run.json`: N, the K set, the stamp), if they ran.
pub fn count_run(root: &Path) -> Option<Value> {
    read_json(&root.join("count/run.json")).ok()
}

/// A bench group's run (`GROUP/run.json`, written by `benches::GroupRun`: the stamp with how
/// busy the machine was, and per benchmark its CPU time), if the group wrote one.
pub fn group_run(root: &Path, group: &str) -> Option<Value> {
    read_json(&root.join(group).join("run.json")).ok()
}
