//! One run per page. `just report` after `just python` or `just sweep` with other settings
//! used to draw figures of different shards, different N or different machines on one chart
//! without a word. The run is the benches' (their N, their shard, their machine; the first
//! source that says, when they did not run); a record measured on another machine, on another
//! shard, or (Rust's count) with another N is not drawn, and the page says which file, what
//! differs, and what reruns it. (Python's count has an N of its own: the claims' rounds run it
//! shorter, and the charts compare it per step.)

use std::path::{Component, Path};
use workload::shown::Shown;

use super::record::Record;
use super::sources::Source;

/// What defines this page's run (each part `None` when no source said).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    /// N of Rust's count.
    pub to: Option<u64>,
    /// The shard, as the benches named it.
    pub file: Option<String>,
    /// "AMD EPYC, 2 cores".
    pub machine: Option<String>,
}

impl Run {
    /// The run `records` define: the first record that says each part.
    pub fn of(records: &[Record]) -> Run {
        Run {
            to: records.iter().find(|r| r.job == "count" && r.lang == "rust").and_then(|r| r.to),
            file: records.iter().find_map(shard),
            machine: records.iter().find_map(Record::machine),
        }
    }

    /// Why `record` is not of this run, if it is not.
    fn differs(&self, record: &Record) -> Option<String> {
        if let (Some(want), Some(got)) = (&self.machine, record.machine()) {
            if *want != got {
                return Some(format!("measured on {got}, this run on {want}"));
            }
        }
        if let (Some(want), Some(got), true) =
            (self.to, record.to, record.job == "count" && record.lang == "rust")
        {
            if want != got {
                return Some(format!(
                    "measured with N = {}, this run with N = {}",
                    crate::human::thousands(got),
                    crate::human::thousands(want)
                ));
            }
        }
        if let (Some(want), Some(got)) = (&self.file, shard(record)) {
            if plain(want) != plain(&got) {
                return Some(format!("measured on {got}, this run on {want}"));
            }
        }
        None
    }
}

/// The shard a record was measured on, where it names one.
fn shard(record: &Record) -> Option<String> {
    record
        .dataset
        .as_ref()
        .and_then(|d| d.file.clone())
        .or_else(|| record.files.as_ref().and_then(|f| f.first().cloned()))
}

/// A path without its `.` parts: `./data/a.tsv` is `data/a.tsv`.
fn plain(path: &str) -> Vec<Component<'_>> {
    Path::new(path).components().filter(|c| *c != Component::CurDir).collect()
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

/// The records of `run` from `source`, and what was left out.
pub fn keep(run: &Run, source: &Source, records: Vec<Record>, aside: &mut Vec<SetAside>) -> Vec<Record> {
    let mut kept = Vec::new();
    for record in records {
        match run.differs(&record) {
            None => kept.push(record),
            Some(why) => match aside.iter_mut().find(|a| a.why == why && a.source == source.path.shown()) {
                Some(a) => a.records += 1,
                None => {
                    aside.push(SetAside { source: source.path.shown(), records: 1, why, rerun: source.rerun })
                }
            },
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::record::{Dataset, Stamp};

    fn record(job: &str, lang: &str, to: Option<u64>, file: Option<&str>, cpu: &str) -> Record {
        Record {
            to,
            files: file.map(|f| vec![f.to_string()]),
            stamp: Some(Stamp { cpu: Some(cpu.into()), cores: Some(2), ..Stamp::default() }),
            ..Record::new(job, "serial", lang, 1.0)
        }
    }

    #[test]
    fn records_of_another_n_file_or_machine_are_set_aside_with_the_reason() {
        let mut bench = record("ngram", "rust", None, None, "AMD EPYC");
        bench.dataset = Some(Dataset { file: Some("data/a.tsv".into()), ..Dataset::default() });
        let run = Run::of(&[record("count", "rust", Some(100_000_000), None, "AMD EPYC"), bench]);
        assert_eq!(run.file.as_deref(), Some("data/a.tsv"));
        let source = Source { path: "reports/python.jsonl".into(), rerun: "just python" };
        let mut aside = Vec::new();
        let records = vec![
            record("count", "rust", Some(100_000_000), None, "AMD EPYC"),
            record("count", "rust", Some(10_000_000), None, "AMD EPYC"),
            record("count", "rust", Some(10_000_000), None, "AMD EPYC"),
            // Python's count has an N of its own.
            record("count", "python", Some(10_000_000), None, "AMD EPYC"),
            record("ngram", "python", None, Some("data/b.tsv"), "AMD EPYC"),
            record("ngram", "python", None, Some("data/a.tsv"), "Intel Xeon"),
            record("ngram", "python", None, Some("./data/a.tsv"), "AMD EPYC"),
        ];
        let kept = keep(&run, &source, records, &mut aside);
        assert_eq!(kept.len(), 3);
        let said: Vec<String> = aside.iter().map(SetAside::sentence).collect();
        assert_eq!(
            said,
            [
                "reports/python.jsonl: 2 record(s) not drawn: measured with N = 10,000,000, this run with N = 100,000,000; rerun them with `just python` (or everything with `just bench`)",
                "reports/python.jsonl: 1 record(s) not drawn: measured on data/b.tsv, this run on data/a.tsv; rerun them with `just python` (or everything with `just bench`)",
                "reports/python.jsonl: 1 record(s) not drawn: measured on Intel Xeon, 2 cores, this run on AMD EPYC, 2 cores; rerun them with `just python` (or everything with `just bench`)",
            ]
        );
    }
}
