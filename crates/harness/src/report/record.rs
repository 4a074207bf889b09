//! The one record type: every figure any source measures (`harness count`/`ngram --json`,
//! the criterion benches, `harness sweep`, `harness claims`, the Python baselines through
//! `harness python`) is a [`Record`], and `reports/results.json` is a list of them. Each
//! source writes records of this type (a Python line is read into one, or refused with its
//! file and line); the report reads typed fields, never a JSON value by name. The README's
//! "results.json" section documents each field.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// One measured figure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `count`, `ngram`, `wordcount`, `overhead`, `heartbeat`, `result_order`, `chunk_size`,
    /// `sweep`, `claim`, `canary`.
    pub job: String,
    /// The model (`serial` ... `mapreduce`, `polars`), the mechanism for `overhead`, the
    /// claim's name for `claim`.
    pub model: String,
    /// `rust` or `python`.
    pub lang: String,
    /// What exactly ran, where one model has several (`threading.Thread`,
    /// `ProcessPoolExecutor`, a sweep's series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The ngram algorithm (`merge`, `partitioned`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u64>,
    /// K: tasks of the count job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<u64>,
    /// N: how far each count task counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u64>,
    /// The count job's answer (K x N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<u64>,

    /// Wall time: the median of `runs` runs.
    pub elapsed_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_min_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_max_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// Every run's wall time in the order of the rounds, where runs of several records
    /// alternated in rounds (a round's runs may then be compared side by side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds_s: Option<Vec<f64>>,
    /// CPU time (user + system) of the median run, and CPU time over wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores_used: Option<f64>,
    /// Serial's time over this one's, the median of the ratios within rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// The most resident memory the process (or its largest child) held, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// The most anonymous memory (the run's own data, not its input's pages), sampled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_anon_bytes: Option<u64>,

    /// The input of an ngram-shaped job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Dataset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<u64>,
    /// The grand total (`null` in the CLI's records only if it overflows u64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_match_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<WordTotals>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<Vec<(String, u64)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<String>>,
    /// How the input was cut: a target chunk size in bytes, or lines per chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_lines: Option<u64>,
    /// How many chunks the input was cut into (the sweep, the Python MapReduce).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_malformed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reran_tasks: Option<u64>,
    /// `timely` when the timely-dataflow engine ran the job, its processes and their
    /// connect time (not in `elapsed_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_s: Option<f64>,
    /// Where timely reduced the partitions (`gathered` on process 0, or `spread`), and the
    /// bytes process 0 sent to and received from the other processes (timely's own count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_bytes: Option<u64>,
    /// Of `received_bytes`, the other processes' answers (spread), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_bytes: Option<u64>,
    /// What crossing process boundaries cost (the process model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<workload::ngram::Shipping>,
    /// Seconds per phase (the partitioned algorithm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<workload::ngram::Phases>,
    /// The Python MapReduce's own split of its time: reading every line before the clock,
    /// the map, `reduce(merge_dict)`, the pool's shutdown after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_s: Option<f64>,

    /// A Python process's start method (`fork`, `spawn`, `forkserver`), and the seconds its
    /// pool took to start (outside `elapsed_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_s: Option<f64>,
    /// Another interpreter run beside the first (`harness python --python`), as named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,

    /// The event loop's heartbeat (`heartbeat`): where the count ran, the beat's period, the
    /// beats seen and expected, the worst and median lateness, the count's own time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beats: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_beats: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_late_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_late_min_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_late_max_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_late_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_s: Option<f64>,
    /// CPython's `sys.getswitchinterval()` where it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_interval_s: Option<f64>,

    /// The order of results (`result_order`): `map` or `as_completed`, when the first short
    /// result came back, and the order they came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub way: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_short_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_short_min_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_short_max_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<u64>>,

    /// A claim measured in paired rounds (`claim`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<crate::claims::ClaimRecord>,

    /// Where and when it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<Stamp>,
    /// Whatever else a source wrote (kept in results.json, never read by the report).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The shard (or text) a figure was measured on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// Where and when (`harness::machine::stamp`, the conditions while it was measured, and for
/// Python the interpreter that ran).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// The Python version, and whether its GIL was on (`false`: off, a free-threaded build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil: Option<bool>,
    /// How busy the machine was (`machine::Load::conditions`).
    #[serde(default, flatten)]
    pub conditions: Conditions,
}

/// How busy the machine was while something was measured: the 1-minute load average at the
/// start and the end, the share of CPU time the hypervisor stole, and other programs' CPU
/// time as a share of every core over the wall time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_start: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_end: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_pct: Option<f64>,
}

impl Stamp {
    /// "AMD EPYC, 2 cores", where the stamp says both.
    pub fn machine(&self) -> Option<String> {
        Some(format!("{}, {} cores", self.cpu.as_deref()?, self.cores?))
    }
}

/// `{"word": total, ...}` in the order the words were asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WordTotals(pub Vec<(String, u64)>);

impl Serialize for WordTotals {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (word, total) in &self.0 {
            map.serialize_entry(word, total)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for WordTotals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WordTotals, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = WordTotals;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of words and their totals")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WordTotals, A::Error> {
                let mut words = Vec::new();
                while let Some(entry) = map.next_entry::<String, u64>()? {
                    words.push(entry);
                }
                Ok(WordTotals(words))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

impl Record {
    /// What was measured, without what was found: two records of one source with the same
    /// identity are the same figure twice (the report would draw the first and hide the
    /// other). Records of two sources may share one (the claims' sides and criterion's runs
    /// of the same model).
    pub fn identity(&self) -> String {
        let claim = self.claim.as_ref().map(|c| (&c.claim, &c.base, &c.other));
        format!(
            "{:?}",
            (
                (
                    &self.lang,
                    &self.job,
                    &self.model,
                    &self.variant,
                    &self.algorithm,
                    self.workers,
                    self.tasks
                ),
                (
                    self.to,
                    self.chunk_bytes,
                    self.chunk_lines,
                    &self.engine,
                    self.processes,
                    &self.reduce,
                    &self.start_method
                ),
                (&self.interpreter, &self.placement, &self.way, self.extra.get("executor")),
                (self.stamp.as_ref().and_then(|s| s.gil), claim),
            )
        )
    }

    /// A record of job `job` for `model` in `lang` measured at `elapsed_s`; every other
    /// field empty.
    pub fn new(job: &str, model: &str, lang: &str, elapsed_s: f64) -> Record {
        Record { job: job.into(), model: model.into(), lang: lang.into(), elapsed_s, ..Record::default() }
    }

    /// A record from one line of a source, with a message naming the source, the line and
    /// what is missing or wrong.
    pub fn from_line(line: &str, source: &str) -> Result<Record, String> {
        serde_json::from_str(line).map_err(|e| {
            let mut shown = workload::shown::escaped(line.as_bytes());
            if shown.len() > 200 {
                // One line a person can read, not a screenful.
                let cut = (0..=200).rev().find(|&i| shown.is_char_boundary(i)).unwrap_or(0);
                shown.truncate(cut);
                shown.push_str(" ...");
            }
            format!("{source}: a record that does not fit results.json ({e}): {shown}")
        })
    }

    /// One JSON line.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a record serialises")
    }

    /// Where it was measured, in words ("AMD EPYC, 2 cores"), if its stamp says.
    pub fn machine(&self) -> Option<String> {
        self.stamp.as_ref()?.machine()
    }

    /// Whether the Python that measured it ran without a GIL.
    pub fn gil_off(&self) -> bool {
        self.stamp.as_ref().and_then(|s| s.gil) == Some(false)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_python_count_line_and_a_cli_record_fit() {
        let python = json!({"lang": "python", "job": "count", "model": "threads", "variant": "threading.Thread",
            "tasks": 2, "to": 100, "workers": 2, "result": 200, "elapsed_s": 0.5, "elapsed_min_s": 0.4,
            "elapsed_max_s": 0.6, "runs": 3, "cores_used": 1.0, "start_s": 0.0, "future_field": [1, 2],
            "stamp": {"date": "2026-11-27T10:00:00Z", "cpu": "X", "cores": 2, "os": null, "commit": null,
                      "rustc": null, "python": "3.11.7", "gil": true, "others_pct": 1.5}});
        let record = Record::from_line(&python.to_string(), "python.jsonl:1").unwrap();
        assert_eq!((record.tasks, record.to, record.runs), (Some(2), Some(100), Some(3)));
        let stamp = record.stamp.as_ref().unwrap();
        assert_eq!((stamp.gil, stamp.conditions.others_pct), (Some(true), Some(1.5)));
        assert_eq!(record.extra["future_field"], json!([1, 2]), "what only this source has stays");
        // Written back, nothing is lost.
        assert_eq!(serde_json::from_str::<Value>(&record.to_line()).unwrap(), python);
        let missing = json!({"lang": "python", "job": "count", "model": "threads"});
        let err = Record::from_line(&missing.to_string(), "python.jsonl:2").unwrap_err();
        assert!(
            err.starts_with(
                "python.jsonl:2: a record that does not fit results.json (missing field `elapsed_s`"
            ),
            "{err}"
        );
    }

    #[test]
    fn words_keep_their_order() {
        let line = r#"{"job":"ngram","model":"serial","lang":"rust","elapsed_s":1.0,"words":{"b":2,"a":1}}"#;
        let record = Record::from_line(line, "x").unwrap();
        assert_eq!(record.words, Some(WordTotals(vec![("b".into(), 2), ("a".into(), 1)])));
        assert_eq!(record.to_line(), line);
    }
}
