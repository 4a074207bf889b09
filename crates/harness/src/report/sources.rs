//! Reading what the measurements left: every source writes records of the one type, one per
//! line (the benches' `records.jsonl` per group, `harness claims`, `harness python`,
//! `harness sweep`). A missing file is a source that did not run; anything else that cannot
//! be read (a folder, a pipe, text that is not UTF-8, a line that is not a record, a figure
//! out of its range) is an error naming the file and the line: the page is not written from
//! half of its inputs.

use std::path::{Path, PathBuf};

use super::record::Record;

/// The groups whose records the benches write under their folder.
pub const BENCH_GROUPS: [&str; 4] = ["count", "ngram", "overhead", "chunk_size"];

/// Where the records came from, for messages: the file and the command that writes it again.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub rerun: &'static str,
}

/// The records in `source`, `None` when its file does not exist.
pub fn read(source: &Source) -> Result<Option<Vec<Record>>, String> {
    let path = &source.path;
    let shown = workload::shown::path(path);
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A link to nothing is a mistake to say, not a source that did not run.
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(format!("{shown}: a symbolic link to a file that does not exist"));
            }
            return Ok(None);
        }
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    if !meta.is_file() {
        return Err(format!(
            "{shown}: not a regular file (a folder, a pipe or a device); give the records file"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..bad].iter().filter(|&&b| b == b'\n').count();
        format!("{shown}:{line}: not UTF-8 text; rerun `{}`", source.rerun)
    })?;
    let mut records = Vec::new();
    // A figure twice (a file appended to itself, or a source that printed one twice) would
    // draw its bar twice, or hide one behind the other.
    let mut first_at = std::collections::HashMap::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = format!("{shown}:{}", index + 1);
        let record = Record::from_line(line, &at).map_err(|e| format!("{e}; rerun `{}`", source.rerun))?;
        check(&record).map_err(|e| format!("{at}: {e}; rerun `{}`", source.rerun))?;
        if let Some(first) = first_at.insert(record.identity(), index + 1) {
            return Err(format!(
                "{at}: the same figure as line {first} ({} {} {}{}); rerun `{}`",
                record.lang,
                record.job,
                record.model,
                record.variant.as_deref().map(|v| format!(", {v}")).unwrap_or_default(),
                source.rerun
            ));
        }
        records.push(record);
    }
    if records.is_empty() {
        return Err(format!("{shown}: holds no records; rerun `{}` (or remove the file)", source.rerun));
    }
    Ok(Some(records))
}

/// The benches' sources under their folder (criterion's output folder).
pub fn benches(root: &Path) -> Vec<Source> {
    BENCH_GROUPS
        .iter()
        .map(|group| Source { path: root.join(group).join("records.jsonl"), rerun: "just bench" })
        .collect()
}

/// Cores a machine may claim: more than this is a broken record, not a machine.
const MOST_CORES: u64 = 4096;

/// A record's figures in their ranges: times finite and above zero (a job takes time),
/// counts that a machine can have. What the page would draw from them must be drawable.
pub fn check(record: &Record) -> Result<(), String> {
    let time = |name: &str, value: f64| {
        if value.is_finite() && value > 0.0 && value < 1e9 {
            Ok(())
        } else {
            Err(format!("{name} {value:?} is not a time (seconds above 0 and below 1e9)"))
        }
    };
    time("elapsed_s", record.elapsed_s)?;
    for (name, value) in [
        ("elapsed_min_s", record.elapsed_min_s),
        ("elapsed_max_s", record.elapsed_max_s),
        ("worst_late_s", record.worst_late_s.filter(|v| *v != 0.0)),
        ("work_s", record.work_s),
        ("period_s", record.period_s),
        ("first_short_s", record.first_short_s),
    ] {
        if let Some(value) = value {
            time(name, value)?;
        }
    }
    for (name, value) in
        [("cpu_s", record.cpu_s), ("cores_used", record.cores_used), ("read_s", record.read_s)]
    {
        if let Some(value) = value.filter(|v| !v.is_finite() || *v < 0.0) {
            return Err(format!("{name} {value:?} is not a non-negative figure"));
        }
    }
    if let Some(cores) = record.stamp.as_ref().and_then(|s| s.cores) {
        if cores == 0 || cores > MOST_CORES {
            return Err(format!("stamp.cores {cores} is not a machine's (1 to {MOST_CORES})"));
        }
    }
    for (name, value) in
        [("chunk_bytes", record.chunk_bytes), ("tasks", record.tasks), ("workers", record.workers)]
    {
        if value == Some(0) {
            return Err(format!("{name} is 0"));
        }
    }
    if record.workers.is_some_and(|w| w > MOST_CORES) {
        return Err(format!("workers {} is more than any run uses", record.workers.unwrap_or(0)));
    }
    if let Some(claim) = &record.claim {
        if claim.ratios.iter().any(|r| !r.is_finite() || *r <= 0.0) {
            return Err("a claim's ratio is not a positive number".into());
        }
    }
    if let Some(used) = record.cores_used.filter(|c| *c > MOST_CORES as f64) {
        return Err(format!("cores_used {used:?} is more than any machine's"));
    }
    if let (Some(tasks), Some(to)) = (record.tasks, record.to) {
        if tasks.checked_mul(to).is_none() {
            return Err(format!("tasks x to ({tasks} x {to}) is more steps than a count can take"));
        }
    }
    if let (Some(runs), Some(rounds)) = (record.runs, &record.rounds_s) {
        if rounds.len() as u64 != runs {
            return Err(format!("runs is {runs} but rounds_s holds {} times", rounds.len()));
        }
    }
    if !JOBS.contains(&record.job.as_str()) {
        return Err(format!("job {:?} is none of {}", record.job, JOBS.join(", ")));
    }
    let value = serde_json::to_value(record).map_err(|e| e.to_string())?;
    drawable(&value, &mut String::new())
}

/// Every job a record may be of.
const JOBS: [&str; 10] = [
    "count",
    "ngram",
    "wordcount",
    "overhead",
    "heartbeat",
    "result_order",
    "chunk_size",
    "sweep",
    "claim",
    "canary",
];

/// The largest and the smallest (above zero) figure a chart draws: every measured figure is a
/// time between a nanosecond and years, a ratio, a share or a count of cores.
const LARGEST: f64 = 1e12;
const SMALLEST: f64 = 1e-12;

/// Every fraction in `value` finite and between [`SMALLEST`] and [`LARGEST`] in size (or 0),
/// every text free of control characters (they would break the SVG and forge lines on a
/// terminal). `at` is the field's name so far.
fn drawable(value: &serde_json::Value, at: &mut String) -> Result<(), String> {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if !x.is_finite() || x.abs() > LARGEST || (x != 0.0 && x.abs() < SMALLEST) {
                return Err(format!(
                    "{at} {x:e} is outside what a figure can be (0, or {SMALLEST:e} to {LARGEST:e} in size)"
                ));
            }
        }
        Value::String(text) if text.chars().any(char::is_control) => {
            return Err(format!(
                "{at} holds a control character: {}",
                workload::shown::escaped(text.as_bytes())
            ));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                drawable(item, at)?;
                at.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (name, item) in fields {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(name);
                drawable(item, at)?;
                at.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str, text: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("harness-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_missing_file_is_no_source_and_a_bad_one_is_an_error_naming_it() {
        let missing = Source { path: "/nonexistent/records.jsonl".into(), rerun: "x" };
        assert_eq!(read(&missing), Ok(None));
        let folder = Source { path: std::env::temp_dir(), rerun: "x" };
        assert!(read(&folder).unwrap_err().contains("not a regular file"));
        let binary = Source { path: scratch("binary.jsonl", &[0xff, 0xfe, b'\n']), rerun: "just python" };
        assert_eq!(
            read(&binary).unwrap_err(),
            format!("{}:1: not UTF-8 text; rerun `just python`", binary.path.display())
        );
        let number = Source { path: scratch("number.jsonl", b"\n1\n"), rerun: "just python" };
        let err = read(&number).unwrap_err();
        assert!(
            err.starts_with(&format!("{}:2: a record that does not fit", number.path.display())),
            "{err}"
        );
    }

    #[test]
    fn figures_out_of_range_are_refused() {
        let line = |elapsed: &str, extra: &str| {
            format!(r#"{{"job":"count","model":"serial","lang":"python","elapsed_s":{elapsed}{extra}}}"#)
        };
        for (elapsed, extra, why) in [
            ("0", "", "elapsed_s 0.0 is not a time"),
            ("-1", "", "elapsed_s -1.0 is not a time"),
            ("1e100", "", "elapsed_s 1e100 is not a time"),
            ("1", r#","chunk_bytes":0"#, "chunk_bytes is 0"),
            ("1", r#","stamp":{"date":null,"cpu":"X","cores":1000000000000}"#, "stamp.cores 1000000000000"),
            ("1", r#","cores_used":-2"#, "cores_used -2.0 is not"),
        ] {
            let record = Record::from_line(&line(elapsed, extra), "t").unwrap();
            let err = check(&record).unwrap_err();
            assert!(err.starts_with(why), "{elapsed} {extra}: {err}");
        }
        assert_eq!(check(&Record::from_line(&line("0.5", ""), "t").unwrap()), Ok(()));
    }
}
