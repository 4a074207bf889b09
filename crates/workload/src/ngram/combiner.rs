//! The pieces every walk over a chunk shares, below both the driver (`map.rs`) and the fast
//! path (`fast.rs`): the combiner that sums runs of equal keys, the key comparison it uses,
//! and the error a chunk reports.

use super::parse::{shown, LineErrorKind};

/// A line-level failure inside a chunk: the byte offset (within the chunk) where the bad
/// line starts, and why. The caller turns the offset into `FILE:LINE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkError {
    pub offset: usize,
    pub kind: LineErrorKind,
}

/// `a == b` for keys, without a call into `memcmp` for the short keys nearly every line
/// has: two overlapping 8-byte (or 4-byte) reads from each side cover up to 16 bytes.
#[inline(always)]
pub(super) fn same_key(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    match len {
        0..=3 => a == b,
        4..=8 => half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4),
        9..=16 => word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8),
        _ => a == b,
    }
}

/// The combiner: sums consecutive lines with the same ngram and hands each finished run on.
pub(super) struct Combiner<'a, E> {
    /// The current run: its key, its sum so far, and where its latest line starts (the line
    /// to blame if flushing the run overflows the total).
    pub(super) run: Option<(&'a [u8], u64, usize)>,
    emit: E,
}

impl<'a, E: FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>> Combiner<'a, E> {
    pub(super) fn new(emit: E) -> Combiner<'a, E> {
        Combiner { run: None, emit }
    }

    #[inline(always)]
    pub(super) fn add(&mut self, ngram: &'a [u8], count: u64, line_start: usize) -> Result<(), ChunkError> {
        match &mut self.run {
            Some((key, sum, at)) if same_key(key, ngram) => {
                *sum = sum.checked_add(count).ok_or_else(|| ChunkError {
                    offset: line_start,
                    kind: LineErrorKind::TotalOverflow { ngram: shown(ngram) },
                })?;
                *at = line_start;
                Ok(())
            }
            _ => {
                self.flush()?;
                self.run = Some((ngram, count, line_start));
                Ok(())
            }
        }
    }

    #[inline]
    pub(super) fn flush(&mut self) -> Result<(), ChunkError> {
        match self.run.take() {
            Some((key, sum, at)) => self.emit_run(key, sum, || at),
            None => Ok(()),
        }
    }

    /// Hands a finished run on (`at` finds where its last line starts, asked only on an
    /// error). Out of line: it runs once per run, and kept apart it leaves the fast loop its
    /// registers.
    #[inline(never)]
    pub(super) fn emit_run(
        &mut self,
        key: &'a [u8],
        sum: u64,
        at: impl FnOnce() -> usize,
    ) -> Result<(), ChunkError> {
        (self.emit)(key, sum).map_err(|kind| ChunkError { offset: at(), kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_is_slice_equality() {
        let keys: Vec<Vec<u8>> =
            (0..40).flat_map(|n| [vec![b'k'; n], [vec![b'k'; n], vec![b'j']].concat()]).collect();
        for a in &keys {
            for b in &keys {
                assert_eq!(same_key(a, b), a == b, "{a:?} {b:?}");
            }
            for i in 0..a.len() {
                let mut c = a.clone();
                c[i] = b'x';
                assert!(!same_key(a, &c));
            }
        }
    }
}
