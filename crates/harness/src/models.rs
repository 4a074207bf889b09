//! Every model the workspace has, behind one name each. Adding a model crate means adding a
//! variant here; `--model all` then runs it and checks it against the others.

use std::fmt;

use clap::ValueEnum;
use workload::ngram::{NgramOptions, NgramOutput, Source};
use workload::{CountJob, NgramError, WorkerFailure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Model {
    /// One loop on one thread.
    Serial,
    /// std::thread: spawn + join (count), scoped threads (ngram).
    Threads,
}

impl Model {
    /// Every model present, in the order `--model all` runs them (serial first: the reference).
    pub const ALL: &'static [Model] = &[Model::Serial, Model::Threads];

    pub fn name(self) -> &'static str {
        match self {
            Model::Serial => "serial",
            Model::Threads => "threads",
        }
    }

    /// How many workers the model really uses when asked for `workers`.
    pub fn effective_workers(self, workers: usize) -> usize {
        match self {
            Model::Serial => 1,
            Model::Threads => workers,
        }
    }

    pub fn count(self, job: CountJob, workers: usize) -> Result<u64, WorkerFailure> {
        match self {
            Model::Serial => Ok(serial::count(job)),
            Model::Threads => threads::count(job, workers),
        }
    }

    pub fn ngram<'a>(
        self,
        sources: &[Source<'a>],
        options: &NgramOptions,
        workers: usize,
    ) -> Result<NgramOutput<'a>, NgramError> {
        match self {
            Model::Serial => serial::ngram(sources, options),
            Model::Threads => threads::ngram(sources, options, workers),
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `--model`: one model, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    One(Model),
    All,
}

impl ModelChoice {
    pub fn models(self) -> Vec<Model> {
        match self {
            ModelChoice::One(m) => vec![m],
            ModelChoice::All => Model::ALL.to_vec(),
        }
    }
}

/// Model names known to the design but not built yet; asking for one says so plainly.
const PLANNED: &[&str] = &["process", "pool", "async", "mapreduce"];

pub fn parse_model_choice(text: &str) -> Result<ModelChoice, String> {
    if text == "all" {
        return Ok(ModelChoice::All);
    }
    if let Ok(model) = Model::from_str(text, false) {
        return Ok(ModelChoice::One(model));
    }
    let present: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
    if PLANNED.contains(&text) {
        Err(format!("model '{text}' is not built yet; available: {}, all", present.join(", ")))
    } else {
        Err(format!("unknown model '{text}'; available: {}, all", present.join(", ")))
    }
}
