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
    /// Any text: each line split on single spaces, every piece counted once (the article's
    /// opening word count, `text.split(" ")` per line: an empty piece counts too).
    Words,
}

impl Kernel {
    pub const ALL: &'static [Kernel] = &[Kernel::Ngram, Kernel::Words];

    /// The job's name, in records and headers.
    pub fn job(self) -> &'static str {
        match self {
            Kernel::Ngram => "ngram",
            Kernel::Words => "wordcount",
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
            Kernel::Words => map_words(chunk, emit),
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

/// The word count's map: every line (a `\r` before its newline dropped) split on single
/// spaces, each piece emitted with its count, equal neighbours summed first. No line is
/// malformed.
fn map_words<'a>(
    chunk: &'a [u8],
    mut emit: impl FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
) -> Result<ChunkStats, ChunkError> {
    let mut stats = ChunkStats::default();
    let mut start = 0;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |at| start + at);
        let line = &chunk[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut run: Option<(&[u8], u64)> = None;
        for word in line.split(|&b| b == b' ') {
            run = match run {
                Some((key, sum)) if key == word => Some((key, sum + 1)),
                Some((key, sum)) => {
                    emit(key, sum).map_err(|kind| ChunkError { offset: start, kind })?;
                    Some((word, 1))
                }
                None => Some((word, 1)),
            };
        }
        if let Some((key, sum)) = run {
            emit(key, sum).map_err(|kind| ChunkError { offset: start, kind })?;
        }
        stats.lines += 1;
        start = end + 1;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::toy::{word_count, ARTICLE_LINES};

    #[test]
    fn words_count_like_the_articles_toy() {
        let text = ARTICLE_LINES.join("\n") + "\n";
        let mut got: HashMap<&str, u64> = HashMap::new();
        let stats = Kernel::Words
            .map_runs(text.as_bytes(), false, |key, sum| {
                *got.entry(std::str::from_utf8(key).unwrap()).or_default() += sum;
                Ok(())
            })
            .unwrap();
        assert_eq!(got, word_count(&ARTICLE_LINES));
        assert_eq!(stats.lines, 4);
        // Split on single spaces, as Python's `split(" ")`: "a  b" has an empty word; a CRLF
        // line ends before its `\r`; no newline at the end still ends a line.
        let mut words = Vec::new();
        Kernel::Words
            .map_runs(b"a  b\r\nb b", false, |key, sum| {
                words.push((key, sum));
                Ok(())
            })
            .unwrap();
        assert_eq!(words, [(&b"a"[..], 1), (b"", 1), (b"b", 1), (b"b", 2)]);
    }

    #[test]
    fn every_kernel_has_its_own_code() {
        for &kernel in Kernel::ALL {
            assert_eq!(Kernel::from_code(kernel.code()), Some(kernel));
        }
        assert_eq!(Kernel::from_code(99), None);
    }
}
