//! The map step: sum `match_count` per ngram over one chunk of lines, and the merge step
//! that folds one partial result into another.

use hashbrown::HashMap;
use memchr::memchr;

use super::combiner::{ChunkError, Combiner};
use super::fast::{fast_lines, Walk, Walker};
use super::parse::{parse_line, shown, LineErrorKind};

/// Totals per ngram. Keys borrow from the input bytes (zero-copy); hashbrown's default
/// hasher (foldhash) is fast on short byte keys and still resists accidental collisions.
pub type Counts<'a> = HashMap<&'a [u8], u64>;

/// What mapping one chunk saw besides its totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkStats {
    /// Lines read, including skipped ones.
    pub lines: u64,
    /// Malformed lines skipped (only with `skip_malformed`).
    pub skipped: u64,
    /// The first skipped line: its byte offset in the chunk and why it was skipped.
    pub first_skipped: Option<(usize, LineErrorKind)>,
}

impl ChunkStats {
    /// Adds another chunk's figures; `first_skipped` keeps `self`'s if it has one.
    pub fn absorb(&mut self, other: ChunkStats) {
        self.lines += other.lines;
        self.skipped += other.skipped;
        if self.first_skipped.is_none() {
            self.first_skipped = other.first_skipped;
        }
    }
}

/// Adds `value` to `key`'s total, refusing to wrap (the error names the ngram).
#[inline]
pub fn add_total<'a>(counts: &mut Counts<'a>, key: &'a [u8], value: u64) -> Result<(), LineErrorKind> {
    let total = counts.entry(key).or_insert(0);
    *total = total.checked_add(value).ok_or_else(|| LineErrorKind::TotalOverflow { ngram: shown(key) })?;
    Ok(())
}

/// Maps one chunk of whole lines into `counts`.
///
/// The combiner: real shards list an ngram's years on consecutive lines, so equal keys come
/// in runs. Summing a run locally and touching the hash map once per run (instead of once
/// per line) saves most lookups; lines in any other order are still counted correctly,
/// just with one lookup each.
pub fn map_chunk_into<'a>(
    counts: &mut Counts<'a>,
    chunk: &'a [u8],
    skip_malformed: bool,
) -> Result<ChunkStats, ChunkError> {
    map_chunk_runs(chunk, skip_malformed, |key, sum| add_total(counts, key, sum))
}

/// The map kernel under every model: parses `chunk` and calls `emit(key, sum)` once per run
/// of consecutive lines with the same ngram (the combiner). What `emit` does with a run is
/// the caller's business: add it to one map, or to the map of the key's partition. An error
/// from `emit` is blamed on the run's last line.
///
/// Each line goes through the fast path ([`fast_lines`]: separator bitmaps and SWAR digits)
/// when it can vouch for it, and through [`parse_line`] otherwise; both give the same answer,
/// the slow one also the exact error.
pub fn map_chunk_runs<'a>(
    chunk: &'a [u8],
    skip_malformed: bool,
    emit: impl FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
) -> Result<ChunkStats, ChunkError> {
    map_chunk_runs_walking(Walk::best(), chunk, skip_malformed, emit)
}

/// [`map_chunk_runs`] with the fast path finding separators the way `walk` says (if this CPU
/// can; see [`Walk`]): both ways give the same answer, which the tests hold them to.
pub fn map_chunk_runs_walking<'a>(
    walk: Walk,
    chunk: &'a [u8],
    skip_malformed: bool,
    emit: impl FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
) -> Result<ChunkStats, ChunkError> {
    let mut stats = ChunkStats::default();
    let mut runs = Combiner::new(emit);
    let mut walker = Walker::new(walk, chunk);
    let mut pos = 0;
    while pos < chunk.len() {
        pos = fast_lines(&mut walker, chunk, pos, &mut runs, &mut stats.lines)?;
        if pos >= chunk.len() {
            break;
        }
        // A line the fast path declined: parse it the slow way (which also names what is
        // wrong with it).
        let line_start = pos;
        stats.lines += 1;
        let end = memchr(b'\n', &chunk[pos..]).map_or(chunk.len(), |i| pos + i);
        pos = end + 1;
        match parse_line(&chunk[line_start..end]) {
            Ok(record) => runs.add(record.ngram, record.match_count, line_start)?,
            Err(kind) if skip_malformed => {
                stats.skipped += 1;
                stats.first_skipped.get_or_insert((line_start, kind));
            }
            Err(kind) => return Err(ChunkError { offset: line_start, kind }),
        }
    }
    runs.flush()?;
    Ok(stats)
}

/// Maps one chunk into a fresh map (the article's `map_frequencies(chunk)`).
pub fn map_chunk(chunk: &[u8], skip_malformed: bool) -> Result<(Counts<'_>, ChunkStats), ChunkError> {
    let mut counts = Counts::new();
    let stats = map_chunk_into(&mut counts, chunk, skip_malformed)?;
    Ok((counts, stats))
}

/// An ngram whose total overflowed `u64` while two partial results were merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOverflow {
    pub ngram: String,
}

/// Folds `from` into `into` (the article's `merge_dict`, but in place and without building a
/// third map). The smaller map is walked and the larger one kept, so merging many partial
/// results costs the size of the small ones.
pub fn merge_counts<'a>(into: &mut Counts<'a>, mut from: Counts<'a>) -> Result<(), MergeOverflow> {
    if from.len() > into.len() {
        std::mem::swap(into, &mut from);
    }
    into.reserve(from.len());
    for (key, value) in from {
        add_total(into, key, value).map_err(|_| MergeOverflow { ngram: shown(key) })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(counts: &Counts<'_>, key: &str) -> u64 {
        counts.get(key.as_bytes()).copied().unwrap_or(0)
    }

    #[test]
    fn sums_runs_and_scattered_keys() {
        let data = b"a\t1\t2\t1\na\t2\t3\t1\nb\t1\t5\t1\na\t3\t10\t1\n";
        let (counts, stats) = map_chunk(data, false).unwrap();
        assert_eq!(total(&counts, "a"), 15);
        assert_eq!(total(&counts, "b"), 5);
        assert_eq!(stats.lines, 4);
        assert_eq!(stats.skipped, 0);
    }

    #[test]
    fn last_line_may_lack_newline_and_crlf_is_accepted() {
        let (counts, stats) = map_chunk(b"a\t1\t2\t1\r\nb\t1\t5\t1", false).unwrap();
        assert_eq!((total(&counts, "a"), total(&counts, "b"), stats.lines), (2, 5, 2));
    }

    #[test]
    fn error_points_at_the_bad_line() {
        let data = b"a\t1\t2\t1\nbad line\na\t1\t2\t1\n";
        let err = map_chunk(data, false).unwrap_err();
        assert_eq!(err.offset, 8);
        assert_eq!(err.kind, LineErrorKind::FieldCount { found: 1 });
    }

    #[test]
    fn skipping_counts_and_remembers_the_first() {
        let data = b"a\t1\t2\t1\n\nb\t1\t-1\t1\na\t1\t2\t1\n";
        let (counts, stats) = map_chunk(data, true).unwrap();
        assert_eq!(total(&counts, "a"), 4);
        assert_eq!(stats.lines, 4);
        assert_eq!(stats.skipped, 2);
        assert_eq!(stats.first_skipped, Some((8, LineErrorKind::Blank)));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let max = u64::MAX;
        let run = format!("a\t1\t{max}\t1\na\t2\t1\t1\n");
        let err = map_chunk(run.as_bytes(), false).unwrap_err();
        assert!(matches!(err.kind, LineErrorKind::TotalOverflow { .. }));
        // Skipping malformed lines does not hide an overflow.
        let apart = format!("a\t1\t{max}\t1\nb\t1\t1\t1\na\t2\t1\t1\n");
        let err = map_chunk(apart.as_bytes(), true).unwrap_err();
        assert_eq!(err.offset, apart.rfind("a\t2").unwrap());
        assert_eq!(err.kind.to_string(), "total match_count for \"a\" overflows u64");
    }

    /// A run the caller refuses is blamed on the run's last line, whichever path read it.
    #[test]
    fn a_refused_run_is_blamed_on_its_last_line() {
        let padding = "pad\t1\t2\t3\n".repeat(4);
        for data in [
            format!("a\t1\t5\t1\na\t2\t6\t1\nb\t1\t1\t1\n{padding}"),
            // The run's last line through the slow path (a CR), then a fast line ends it.
            format!("a\t1\t5\t1\na\t2\t6\t1\r\nb\t1\t1\t1\n{padding}"),
            // The last lines, near the end, through the slow path.
            "a\t1\t5\t1\na\t2\t6\t1\nb\t1\t1\t1\n".to_string(),
        ] {
            let refuse = |key: &[u8], _| match key {
                b"a" => Err(LineErrorKind::TotalOverflow { ngram: "a".into() }),
                _ => Ok(()),
            };
            let err = map_chunk_runs(data.as_bytes(), false, refuse).unwrap_err();
            assert_eq!(err.offset, 8, "{data:?}");
        }
        // A line skipped as malformed does not end a run: the run's last line is before it.
        let data = format!("a\t1\t5\t1\nb\t1\t1\t1\na\t2\t1\t1\njunk\nc\t1\t1\t1\n{padding}");
        for walk in [Walk::Bitmaps, Walk::Offsets] {
            let mut seen_a = 0;
            let refuse_second_a = |key: &[u8], _| {
                seen_a += usize::from(key == b"a");
                match seen_a {
                    2 => Err(LineErrorKind::TotalOverflow { ngram: "a".into() }),
                    _ => Ok(()),
                }
            };
            let err = map_chunk_runs_walking(walk, data.as_bytes(), true, refuse_second_a).unwrap_err();
            assert_eq!(err.offset, data.find("a\t2").unwrap(), "{walk:?}");
        }
    }

    #[test]
    fn merge_adds_and_detects_overflow() {
        let big = format!("a\t1\t{}\t1\n", u64::MAX);
        let (mut left, _) = map_chunk(b"a\t1\t2\t1\nb\t1\t3\t1\n", false).unwrap();
        let (right, _) = map_chunk(b"b\t1\t4\t1\nc\t1\t5\t1\nd\t1\t1\t1\n", false).unwrap();
        merge_counts(&mut left, right).unwrap();
        assert_eq!(
            (total(&left, "a"), total(&left, "b"), total(&left, "c"), total(&left, "d")),
            (2, 7, 5, 1)
        );
        let (huge, _) = map_chunk(big.as_bytes(), false).unwrap();
        assert_eq!(merge_counts(&mut left, huge), Err(MergeOverflow { ngram: "a".into() }));
    }
}
