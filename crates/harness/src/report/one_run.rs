//! One run per page. `just report` after `just python` or `just sweep` with other settings
//! used to draw figures of different shards, different N or different machines on one chart
//! without a word. The run is the criterion benches' (their N, their shard, their machine,
//! from `count/run.json` and `ngram/dataset.json`); a Python record or a sweep that was
//! measured with another N, on another file or on another machine is not drawn, and the page
//! says which file, what differs, and what reruns it.

use std::path::Path;

use serde_json::Value;

/// What defines this page's run (each part `None` when the benches did not say).
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// N of the count benches.
    pub to: Option<u64>,
    /// The shard of the ngram benches, as they named it.
    pub file: Option<String>,
    /// Where and when the benches ran (`machine::stamp`).
    pub stamp: Option<Value>,
}

/// Records left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub source: String,
    pub records: usize,
    pub why: String,
    pub rerun: &'static str,
}

impl SetAside {
    pub fn sentence(&self) -> String {
        format!(
            "{}: {} record(s) not drawn: {}; rerun them with `{}` (or everything with `just bench`)",
            self.source, self.records, self.why, self.rerun
        )
    }
}

/// "AMD EPYC, 2 cores" from a stamp.
fn machine_of(stamp: &Value) -> Option<String> {
    Some(format!("{}, {} cores", stamp["cpu"].as_str()?, stamp["cores"].as_u64()?))
}

/// Why a record measured under `stamp` on `file` with `to` is not of this run, if it is not.
fn differs(run: &Run, stamp: &Value, to: Option<u64>, file: Option<&str>) -> Option<String> {
    if let (Some(want), Some(got)) = (run.stamp.as_ref().and_then(machine_of), machine_of(stamp)) {
        if want != got {
            return Some(format!("measured on {got}, this run on {want}"));
        }
    }
    if let (Some(want), Some(got)) = (run.to, to) {
        if want != got {
            return Some(format!(
                "measured with N = {}, this run with N = {}",
                crate::human::thousands(got),
                crate::human::thousands(want)
            ));
        }
    }
    if let (Some(want), Some(got)) = (run.file.as_deref(), file) {
        if plain(want) != plain(got) {
            return Some(format!("measured on {got}, this run on {want}"));
        }
    }
    None
}

/// A path without its `.` parts: `./data/a.tsv` is `data/a.tsv`.
fn plain(path: &str) -> Vec<std::path::Component<'_>> {
    Path::new(path).components().filter(|c| *c != std::path::Component::CurDir).collect()
}

/// The Python records of this run, and what was left out.
pub fn python(records: Vec<Value>, run: &Run, source: &Path) -> (Vec<Value>, Vec<SetAside>) {
    let mut kept = Vec::new();
    let mut aside: Vec<SetAside> = Vec::new();
    for record in records {
        let (to, file) = match record["job"].as_str() {
            Some("count") => (record["to"].as_u64(), None),
            _ => (None, record["files"][0].as_str().map(str::to_string)),
        };
        match differs(run, &record["stamp"], to, file.as_deref()) {
            None => kept.push(record),
            Some(why) => match aside.iter_mut().find(|a| a.why == why) {
                Some(a) => a.records += 1,
                None => aside.push(SetAside {
                    source: source.display().to_string(),
                    records: 1,
                    why,
                    rerun: "just python",
                }),
            },
        }
    }
    (kept, aside)
}

/// The sweep, if it is of this run, and what was left out.
pub fn sweep(sweep: Option<Value>, run: &Run, source: &Path) -> (Option<Value>, Vec<SetAside>) {
    let Some(sweep) = sweep else { return (None, Vec::new()) };
    match differs(run, &sweep["stamp"], None, sweep["file"].as_str()) {
        None => (Some(sweep), Vec::new()),
        Some(why) => {
            let records = sweep["points"].as_array().map_or(0, Vec::len);
            let source = source.display().to_string();
            (None, vec![SetAside { source, records, why, rerun: "just sweep" }])
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run() -> Run {
        Run {
            to: Some(100_000_000),
            file: Some("data/a.tsv".into()),
            stamp: Some(json!({"cpu": "AMD EPYC", "cores": 2})),
        }
    }

    #[test]
    fn records_of_another_n_file_or_machine_are_set_aside_with_the_reason() {
        let here = json!({"cpu": "AMD EPYC", "cores": 2});
        let records = vec![
            json!({"job": "count", "to": 100_000_000, "stamp": here}),
            json!({"job": "count", "to": 10_000_000, "stamp": here}),
            json!({"job": "count", "to": 10_000_000, "stamp": here}),
            json!({"job": "ngram", "files": ["data/b.tsv"], "stamp": here}),
            json!({"job": "ngram", "files": ["data/a.tsv"], "stamp": {"cpu": "Intel Xeon", "cores": 4}}),
            json!({"job": "ngram", "files": ["./data/a.tsv"], "stamp": here}),
        ];
        let (kept, aside) = python(records, &run(), Path::new("reports/python.jsonl"));
        assert_eq!(kept.len(), 2);
        let said: Vec<String> = aside.iter().map(SetAside::sentence).collect();
        assert_eq!(
            said,
            [
                "reports/python.jsonl: 2 record(s) not drawn: measured with N = 10,000,000, this run with N = 100,000,000; rerun them with `just python` (or everything with `just bench`)",
                "reports/python.jsonl: 1 record(s) not drawn: measured on data/b.tsv, this run on data/a.tsv; rerun them with `just python` (or everything with `just bench`)",
                "reports/python.jsonl: 1 record(s) not drawn: measured on Intel Xeon, 4 cores, this run on AMD EPYC, 2 cores; rerun them with `just python` (or everything with `just bench`)",
            ]
        );
    }

    #[test]
    fn a_sweep_of_another_file_is_not_drawn() {
        let sweep = json!({"file": "data/small.tsv", "points": [{}, {}, {}], "stamp": {"cpu": "AMD EPYC", "cores": 2}});
        let (kept, aside) = super::sweep(Some(sweep), &run(), Path::new("reports/sweep.json"));
        assert!(kept.is_none());
        assert_eq!(aside[0].records, 3);
        assert_eq!(aside[0].why, "measured on data/small.tsv, this run on data/a.tsv");
    }
}
