//! Errors shared by every model, with the messages the CLI prints.

use std::fmt;
use std::io;

use crate::ngram::LineErrorKind;

/// The text of a panic payload (one definition, in the std-only `concurrent` crate).
pub use concurrent::panic_message;

/// A model that could not run its job: a worker (thread, process, task) that died instead
/// of returning a result, or a model that could not start at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerFailure {
    /// Which worker, by its index in the model's pool; `None` when no one worker is to blame:
    /// the model could not start (a pool, a runtime, the worker program), or a panic came
    /// back from a pool that does not say which of its threads raised it.
    pub worker: Option<usize>,
    /// What happened: the panic message, an exit status, what could not be started.
    pub message: String,
}

impl WorkerFailure {
    /// Worker `worker` failed.
    pub fn of(worker: usize, message: impl Into<String>) -> WorkerFailure {
        WorkerFailure { worker: Some(worker), message: message.into() }
    }

    /// The model could not start (`cannot start the rayon pool: ...`): no worker's fault.
    pub fn setup(message: impl Into<String>) -> WorkerFailure {
        WorkerFailure { worker: None, message: message.into() }
    }

    /// A worker panicked, and the pool does not say which.
    pub fn panicked(payload: &(dyn std::any::Any + Send)) -> WorkerFailure {
        WorkerFailure { worker: None, message: format!("a worker {}", panic_message(payload)) }
    }
}

impl fmt::Display for WorkerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.worker {
            Some(worker) => write!(f, "worker {worker} failed: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for WorkerFailure {}

/// Why an ngram job produced no result. Nothing partial is ever returned with it.
#[derive(Debug)]
pub enum NgramError {
    /// A bad line: `FILE:LINE: message`.
    Line { file: String, line: u64, kind: LineErrorKind },
    /// A total overflowed while partial results from different chunks or files were merged.
    MergeOverflow { ngram: String },
    /// The input could not be read.
    Io { file: String, source: io::Error },
    /// A worker died.
    Worker(WorkerFailure),
}

impl fmt::Display for NgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NgramError::Line { file, line, kind } => write!(f, "{file}:{line}: {kind}"),
            NgramError::MergeOverflow { ngram } => {
                write!(f, "total match_count for {ngram:?} overflows u64 when partial results are merged")
            }
            NgramError::Io { file, source } => write!(f, "{file}: {source}"),
            NgramError::Worker(failure) => failure.fmt(f),
        }
    }
}

impl std::error::Error for NgramError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NgramError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<WorkerFailure> for NgramError {
    fn from(failure: WorkerFailure) -> Self {
        NgramError::Worker(failure)
    }
}
