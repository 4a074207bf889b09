//! Errors shared by every model, with the messages the CLI prints.

use std::fmt;
use std::io;

use crate::ngram::LineErrorKind;

/// The text of a panic payload (one definition, in the std-only `concurrent` crate).
pub use concurrent::panic_message;

/// A worker (thread, process, task) that died instead of returning a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerFailure {
    /// Which worker: its index in the model's pool.
    pub worker: usize,
    /// What the worker reported: the panic message, an exit status, and so on.
    pub message: String,
}

impl fmt::Display for WorkerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "worker {} failed: {}", self.worker, self.message)
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
