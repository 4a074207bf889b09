//! The one record type of `reports/results.json`: every figure the report draws, from the
//! criterion benches, `harness python` (the article's Python programs) and `harness sweep`,
//! as the same fields with the same meaning, checked when the file is written (a source
//! that drops a field fails there, not in a notebook). The README's "results.json" section
//! documents each field; what only one source has (criterion's interval, the engine's phases,
//! a chunk size) stays beside them, under its own name.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One measured figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `count`, `count_n`, `ngram`, `chunk_size`, `overhead` or `sweep`.
    pub job: String,
    /// The model (`serial` ... `mapreduce`, `polars`), or the mechanism for `overhead`.
    pub model: String,
    /// What exactly ran, where one model has several (`threading.Thread`, `ProcessPoolExecutor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// `rust` or `python`.
    pub lang: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u64>,
    /// K: tasks of the count job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<u64>,
    /// N: how far each count task counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u64>,
    /// The shard, for the ngram jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Dataset>,
    /// Wall time: the median of `runs` runs (criterion's median estimate for Rust).
    pub elapsed_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_min_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_max_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// CPU time (user + system) and CPU time over wall time, where the source measures it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores_used: Option<f64>,
    /// The most resident memory held, in bytes, where the source knows it (the process's
    /// or its largest child's peak: `harness ngram`/`count`, the Python MapReduce).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// The most anonymous memory (the run's own data, not its input's pages), sampled
    /// (`harness ngram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_anon_bytes: Option<u64>,
    /// Where and when it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<Stamp>,
    /// What only this source has.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The shard a figure was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// As the user named it (relative to the repository), never an absolute path.
    pub file: Option<String>,
    pub lines: Option<u64>,
    pub bytes: Option<u64>,
    pub distinct: Option<u64>,
    /// Made by `harness gen` (shaped like the real shard, `Aardvark` planted), not downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<bool>,
}

/// Where and when (`harness::machine::stamp`, plus the Python that ran, for Python records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub date: Option<String>,
    pub cpu: Option<String>,
    pub cores: Option<u64>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub rustc: Option<String>,
    /// The Python version, and whether its GIL was on (`false`: a free-threaded build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil: Option<bool>,
    /// How busy the machine was (`machine::Load::conditions`): the 1-minute load average at
    /// the start and the end of the measurement, the share of CPU time the hypervisor stole,
    /// and the CPU time of other programs as a share of every core over the wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_start: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_end: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_pct: Option<f64>,
}

impl Record {
    /// A record from a source's JSON, with a message naming what is missing or wrong.
    pub fn from_value(value: Value, source: &str) -> Result<Record, String> {
        serde_json::from_value(value.clone()).map_err(|e| {
            let mut shown = value.to_string();
            if shown.len() > 200 {
                // One line a person can read, not a screenful.
                let cut = (0..=200).rev().find(|&i| shown.is_char_boundary(i)).unwrap_or(0);
                shown.truncate(cut);
                shown.push_str(" ...");
            }
            format!("{source}: a record that does not fit results.json ({e}): {shown}")
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_python_count_line_and_a_criterion_record_fit() {
        let python = json!({"lang": "python", "job": "count", "model": "threads", "variant": "threading.Thread",
            "tasks": 2, "to": 100, "workers": 2, "result": 200, "elapsed_s": 0.5, "elapsed_min_s": 0.4,
            "elapsed_max_s": 0.6, "runs": 3, "cores_used": 1.0, "start_s": 0.0,
            "stamp": {"date": "2026-11-27T10:00:00Z", "cpu": "X", "cores": 2, "os": null, "commit": null,
                      "rustc": null, "python": "3.11.7", "gil": true}});
        let record = Record::from_value(python.clone(), "python.jsonl").unwrap();
        assert_eq!((record.tasks, record.to, record.runs), (Some(2), Some(100), Some(3)));
        assert_eq!(record.stamp.as_ref().and_then(|s| s.gil), Some(true));
        assert_eq!(record.extra["result"], 200, "what only this source has stays");
        // Written back, nothing is lost.
        assert_eq!(serde_json::to_value(&record).unwrap(), python);
        let missing = json!({"lang": "python", "job": "count", "model": "threads"});
        let err = Record::from_value(missing, "python.jsonl").unwrap_err();
        assert!(
            err.starts_with(
                "python.jsonl: a record that does not fit results.json (missing field `elapsed_s`"
            ),
            "{err}"
        );
    }
}
