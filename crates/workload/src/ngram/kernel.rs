//! What a map runs over a chunk, named as data: the job's kernel. Every path that maps a
//! chunk (both algorithms on every runner, child processes, `.gz` streams, timely) maps it
//! with [`Kernel::map_runs`], so a new job with the shape of this one (lines in, a total per
//! key out) is a kernel here and nothing else in any model: ARCHITECTURE.md walks through
//! the one that was added that way.

use super::combiner::ChunkError;
use super::map::{map_chunk_runs, ChunkStats};
use super::parse::LineErrorKind;

/// A job's map over one chunk of whole lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernel {
    /// Google Books Ngram lines: `match_count` summed per ngram (the fast path, and the
    /// parser for the exact error).
    #[default]
    Ngram,
}

impl Kernel {
    pub const ALL: &'static [Kernel] = &[Kernel::Ngram];

    /// The job's name, in records and headers.
    pub fn job(self) -> &'static str {
        match self {
            Kernel::Ngram => "ngram",
        }
    }

    /// Maps `chunk`, calling `emit(key, sum)` once per run of consecutive lines with the same
    /// key (the combiner); keys borrow from `chunk`. An error from `emit` is blamed on the
    /// run's last line. `skip_malformed` skips (and counts) lines the kernel cannot read.
    pub fn map_runs<'a>(
        self,
        chunk: &'a [u8],
        skip_malformed: bool,
        emit: impl FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
    ) -> Result<ChunkStats, ChunkError> {
        match self {
            Kernel::Ngram => map_chunk_runs(chunk, skip_malformed, emit),
        }
    }

    /// The kernel's number, for a task sent to a child process.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kernel numbered `code`, if there is one.
    pub fn from_code(code: u8) -> Option<Kernel> {
        Kernel::ALL.iter().copied().find(|k| k.code() == code)
    }
}
