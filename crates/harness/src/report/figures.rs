//! The records of the page's run, and the questions the sections ask of them: which record
//! is Rust's count at K = 2, which are Python's, which is the engine on one worker. Every
//! section reads the run through these, typed, so a question is asked one way everywhere.

use super::charts::{model_colour, python_colour};
use super::findings::Figure;
use super::record::{Dataset, Record, Stamp};

/// The page's run: its records and the machine's cores.
#[derive(Debug)]
pub struct Figures {
    pub records: Vec<Record>,
    pub cores: usize,
}

impl Figures {
    /// The records of `job` in `lang`.
    pub fn of<'a>(&'a self, job: &'a str, lang: &'a str) -> impl Iterator<Item = &'a Record> + 'a {
        self.records.iter().filter(move |r| r.job == job && r.lang == lang)
    }

    /// Rust's count under `model` at K = `tasks`: measured side by side in rounds
    /// (`harness claims`) where it was, else criterion's.
    pub fn rust_count(&self, model: &str, tasks: u64) -> Option<&Record> {
        let at = |r: &&Record| r.model == model && r.tasks == Some(tasks);
        let mut found = self.of("count", "rust").filter(at);
        let first = found.next()?;
        Some(if first.rounds_s.is_some() {
            first
        } else {
            found.find(|r| r.rounds_s.is_some()).unwrap_or(first)
        })
    }

    /// Rust's count records from criterion (not the claims' rounds), every K.
    pub fn rust_count_benches(&self, model: &str) -> Vec<&Record> {
        self.of("count", "rust").filter(|r| r.model == model && r.rounds_s.is_none()).collect()
    }

    /// Python's count records at K = 2 from the interpreter that ran everything (another one,
    /// `--python` again, has `interpreter` set).
    pub fn python_count(&self) -> Vec<&Record> {
        self.of("count", "python").filter(|r| r.tasks == Some(2) && r.interpreter.is_none()).collect()
    }

    /// The count rows of every further interpreter (`harness python --python A --python B`),
    /// K = 2, grouped by interpreter and GIL setting in the order they ran: a free-threaded
    /// build with its GIL on, then off.
    pub fn other_python_counts(&self) -> Vec<Vec<&Record>> {
        let mut groups: Vec<Vec<&Record>> = Vec::new();
        for r in self.of("count", "python").filter(|r| r.tasks == Some(2) && r.interpreter.is_some()) {
            let key = |r: &Record| (r.interpreter.clone(), r.stamp.as_ref().and_then(|s| s.gil));
            match groups.iter_mut().find(|g| key(g[0]) == key(r)) {
                Some(group) => group.push(r),
                None => groups.push(vec![r]),
            }
        }
        groups
    }

    /// The ngram bench of `model` on `workers` workers (serial has only one: it is the same
    /// run at any count).
    pub fn ngram_at(&self, model: &str, workers: u64) -> Option<&Record> {
        let on = |w: u64| {
            self.of("ngram", "rust")
                .find(|r| r.model == model && r.workers == Some(w) && r.rounds_s.is_none())
        };
        on(workers).or_else(|| if model == "serial" { on(1) } else { None })
    }

    /// The most workers the ngram benches ran with.
    pub fn most_ngram_workers(&self) -> u64 {
        self.of("ngram", "rust").filter_map(|r| r.workers).max().unwrap_or(self.cores as u64)
    }

    /// The claims measured side by side.
    pub fn claims(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| r.job == "claim" && r.claim.is_some())
    }

    /// The data set of the ngram benches.
    pub fn dataset(&self) -> Option<&Dataset> {
        self.of("ngram", "rust").find_map(|r| r.dataset.as_ref())
    }

    /// The stamp of the first record of `job` in `lang`, with what measured it, for a busy warning.
    pub fn stamp<'a>(&'a self, job: &'a str, lang: &str, what: &'a str) -> Option<(&'a str, &'a Stamp)> {
        self.records
            .iter()
            .find(|r| r.job == job && r.lang == lang)
            .and_then(|r| Some((what, r.stamp.as_ref()?)))
    }

    /// The busy-machine warning for a section drawing `sources`: each (job, lang, what
    /// measured it), the first record of each giving its stamp.
    pub fn busy(&self, sources: &[(&str, &str, &str)]) -> Option<String> {
        let stamps: Vec<_> =
            sources.iter().filter_map(|&(job, lang, what)| self.stamp(job, lang, what)).collect();
        super::findings::busy_warning(&stamps)
    }
}

/// "Python threading.Thread", "Python loop".
pub fn python_label(record: &Record) -> String {
    format!("{} {}", python_of(record), record.variant.as_deref().unwrap_or(&record.model))
}

/// Which Python measured `record`: "Python" for the first interpreter (the article's), else
/// "python3.13t (3.13.5, GIL off):" and the like.
pub fn python_of(record: &Record) -> String {
    let Some(interpreter) = &record.interpreter else { return "Python".into() };
    let stamp = record.stamp.as_ref();
    let version = stamp.and_then(|s| s.python.as_deref()).map_or(String::new(), |v| format!("{v}, "));
    let gil = match stamp.and_then(|s| s.gil) {
        Some(false) => "GIL off",
        Some(true) => "GIL on",
        None => "GIL ?",
    };
    format!("{interpreter} ({version}{gil}):")
}

/// The colour of a record's bar: its model's, lighter for Python.
pub fn colour(record: &Record) -> plotters::style::RGBColor {
    if record.lang == "python" {
        python_colour(&record.model)
    } else {
        model_colour(&record.model)
    }
}

/// A record's runs as a figure: its median and the least and most of its runs.
pub fn figure(record: &Record) -> Figure {
    Figure {
        median: record.elapsed_s,
        low: record.elapsed_min_s.unwrap_or(record.elapsed_s),
        high: record.elapsed_max_s.unwrap_or(record.elapsed_s),
        runs: record.runs.or(Some(1)),
    }
}

/// A record's runs as a figure in nanoseconds per step of the count (elapsed over K x N).
pub fn per_step(record: &Record) -> Option<Figure> {
    let steps = record.tasks?.checked_mul(record.to?)? as f64;
    let f = figure(record);
    (steps > 0.0).then(|| Figure {
        median: f.median / steps * 1e9,
        low: f.low / steps * 1e9,
        high: f.high / steps * 1e9,
        runs: f.runs,
    })
}
