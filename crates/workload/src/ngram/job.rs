//! A whole ngram job over one or more files: the chunk plan every model shares, mapping a
//! planned chunk with errors turned into `FILE:LINE`, and the finished output.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::Path;

use super::kernel::Kernel;
use super::map::{add_total, merge_counts, Counts};
use super::parse::LineErrorKind;
use super::table::{key_hash, partition_of_hash, KeyTable};
use crate::chunk::{line_number_at, split_at_newlines, split_by_lines};
use crate::error::NgramError;

/// One input's name and bytes, borrowed for the duration of the job.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    /// The file on disk, when there is one (a child process may then read it itself).
    pub path: Option<&'a Path>,
    /// Which file that is: a child process that opens `path` checks it reads the same one.
    pub identity: Option<crate::input::FileIdentity>,
    /// The memory map behind `data`, when it is one (see [`Source::release`]).
    pub mapping: Option<&'a memmap2::Mmap>,
    /// The open file behind the mapping: the partitioned map reads its chunks from it into a
    /// buffer it reuses ([`map_chunk_read_runs`]) rather than through the mapping.
    pub file: Option<&'a std::fs::File>,
}

impl Source<'_> {
    /// A bad line at byte `offset` of this source, as `FILE:LINE: message`: every model names
    /// a bad line this way, wherever it was found.
    pub fn line_error(&self, offset: usize, kind: LineErrorKind) -> NgramError {
        NgramError::Line { file: self.name.to_string(), line: line_number_at(self.data, offset), kind }
    }

    /// Says that `range` of the data has been read and will not be needed again soon: for a
    /// memory-mapped file the pages leave this process's resident set (`MADV_DONTNEED`; they
    /// stay in the page cache, and reading them again just maps them back). This is what
    /// keeps a 1.7 GB shard from counting 1.7 GB against the process. Does nothing for data
    /// in memory, and nothing on platforms without `madvise`.
    pub fn release(&self, range: Range<usize>) {
        #[cfg(unix)]
        if let Some(map) = self.mapping {
            // Whole pages only, so round inwards: to 4 KiB on x86-64 (its only base page size),
            // elsewhere to 64 KiB, a multiple of every page size in use. (Rounding every chunk
            // to 64 KiB left 50 MB of chunk edges resident on the default shard.)
            const ALIGN: usize = if cfg!(target_arch = "x86_64") { 4 << 10 } else { 64 << 10 };
            let start = range.start.next_multiple_of(ALIGN);
            let end = range.end.min(map.len()) / ALIGN * ALIGN;
            if start < end {
                // SAFETY: the map is a read-only shared mapping of a file; after DONTNEED a
                // read sees the file's bytes again, which is what the map showed before.
                // Failure only means the pages stay resident, so it is ignored.
                let _ = unsafe {
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
                };
            }
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

/// The chunk size every model uses when none is asked for, so that two rows of a table
/// differ by the model and nothing else: big enough that claiming a chunk costs nothing next
/// to mapping it, small enough that two workers stay busy to the end of a file (the default
/// shard makes 103 chunks). Before, each model had its own (4 to 16 MiB). On the default
/// shard, 2 vCPU AMD EPYC, alternating runs, medians: the engine 0.470 s at 4 MiB and 0.455 s
/// at 16 MiB; pool 1.59 s at 8 MiB and 1.66 s at 16; async 1.17 s and 1.19 s. The process
/// model and threads were at 16 MiB already. `harness sweep` draws the whole curve.
pub const DEFAULT_CHUNK_BYTES: usize = 16 << 20;

/// How to cut the input into chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chunking {
    /// [`DEFAULT_CHUNK_BYTES`], cut at newlines.
    #[default]
    Auto,
    /// About this many bytes per chunk, cut at newlines (`--chunk-bytes`).
    Bytes(NonZeroUsize),
    /// This many lines per chunk (`--chunk-lines`, the article's `chunk_size`).
    Lines(NonZeroUsize),
}

/// Options every model honours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NgramOptions {
    pub chunking: Chunking,
    /// Skip malformed lines (and count them) instead of failing.
    pub skip_malformed: bool,
    /// What each chunk is mapped with: the ngram job's kernel, or another job's.
    pub kernel: Kernel,
}

impl NgramOptions {
    /// Maps `chunk` with the options' kernel ([`Kernel::map_runs`]).
    pub fn map_runs<'a>(
        &self,
        chunk: &'a [u8],
        emit: impl FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
    ) -> Result<super::map::ChunkStats, super::combiner::ChunkError> {
        self.kernel.map_runs(chunk, self.skip_malformed, emit)
    }
}

/// A planned chunk: which source, which byte range of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRef {
    pub source: usize,
    pub range: Range<usize>,
}

impl Chunking {
    /// The target chunk size in bytes (`None` when chunks are counted in lines).
    pub fn bytes(self) -> Option<usize> {
        match self {
            Chunking::Auto => Some(DEFAULT_CHUNK_BYTES),
            Chunking::Bytes(bytes) => Some(bytes.get()),
            Chunking::Lines(_) => None,
        }
    }

    /// The chunk size for input read as a stream: lines cannot be counted before the bytes
    /// are read, so a stream is cut by bytes (the default size when chunks were asked for in
    /// lines).
    pub fn stream_bytes(self) -> usize {
        self.bytes().unwrap_or(DEFAULT_CHUNK_BYTES)
    }
}

/// Cuts every source into newline-aligned chunks ([`Chunking`]). Chunks never span two
/// files. Empty files give no chunks.
pub fn plan_chunks(sources: &[Source<'_>], chunking: Chunking) -> Vec<ChunkRef> {
    let mut plan = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        // Cut by bytes, a file's chunk edges are found by reading it there, not through its
        // map: a fault at each edge maps a whole page-cache folio (up to 2 MiB), which kept
        // 97 MB of the default shard resident for 103 edges. On a read error (the file
        // shrank, say), one chunk: reading it fails again and says why, where touching the
        // map would end the process with SIGBUS.
        let len = source.data.len();
        let by_bytes = |target: usize| match source.file {
            Some(file) => crate::chunk::split_at_newlines_with(len, target, |from| {
                crate::chunk::file_newline_from(file, len, from)
            })
            .unwrap_or_else(|_| std::iter::once(0..len).collect()),
            None => split_at_newlines(source.data, target),
        };
        let ranges = match chunking {
            Chunking::Auto => by_bytes(DEFAULT_CHUNK_BYTES),
            Chunking::Bytes(bytes) => by_bytes(bytes.get()),
            Chunking::Lines(lines) => split_by_lines(source.data, lines.get()),
        };
        plan.extend(ranges.into_iter().map(|range| ChunkRef { source: index, range }));
    }
    plan
}

/// A skipped line located by source index and absolute byte offset (cheap to carry around;
/// turned into a line number once, at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedAt {
    pub source: usize,
    pub offset: usize,
    pub kind: LineErrorKind,
}

/// Line counts gathered while mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub lines: u64,
    pub skipped: u64,
    /// The earliest skipped line seen (by file, then position), whatever order chunks ran in.
    pub first_skipped: Option<SkippedAt>,
}

impl Tally {
    pub fn absorb(&mut self, other: Tally) {
        self.lines += other.lines;
        self.skipped += other.skipped;
        self.first_skipped = match (self.first_skipped.take(), other.first_skipped) {
            (Some(a), Some(b)) => Some(if (b.source, b.offset) < (a.source, a.offset) { b } else { a }),
            (a, b) => a.or(b),
        };
    }
}

/// Maps one planned chunk into `counts`; a bad line becomes `FILE:LINE: message`.
pub fn map_chunk_ref_into<'a>(
    counts: &mut Counts<'a>,
    sources: &[Source<'a>],
    chunk: &ChunkRef,
    options: &NgramOptions,
) -> Result<Tally, NgramError> {
    map_chunk_ref_runs(sources, chunk, options, |key, sum| add_total(counts, key, sum))
}

/// Maps one planned chunk, handing every run `(key, sum)` to `emit` (see
/// [`map_chunk_runs`]); a bad line becomes `FILE:LINE: message`.
pub fn map_chunk_ref_runs<'a>(
    sources: &[Source<'a>],
    chunk: &ChunkRef,
    options: &NgramOptions,
    emit: impl FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
) -> Result<Tally, NgramError> {
    let source = &sources[chunk.source];
    let bytes = &source.data[chunk.range.clone()];
    match options.map_runs(bytes, emit) {
        Ok(stats) => Ok(Tally {
            lines: stats.lines,
            skipped: stats.skipped,
            first_skipped: stats.first_skipped.map(|(offset, kind)| SkippedAt {
                source: chunk.source,
                offset: chunk.range.start + offset,
                kind,
            }),
        }),
        Err(err) => Err(source.line_error(chunk.range.start + err.offset, err.kind)),
    }
}

/// [`map_chunk_ref_runs`] for a chunk of a file on disk, read with `pread` into `buffer`
/// (the worker's own, reused chunk after chunk) instead of through the memory map. Keys
/// handed to `emit` live only until the next chunk: the partitioned map copies them.
///
/// Why not the map: the map's pages must be faulted in and then released
/// ([`Source::release`]), and the release cannot give back the part of a large page-cache
/// folio that straddles a chunk's edge, so what stays resident depends on how the file was
/// written. Read into a buffer, a file counts its buffers against the process and nothing
/// else, however the page cache holds it. Measured with the full default shard (2 vCPU AMD
/// EPYC, in the page cache, `harness ngram --model mapreduce`): see the partitioned module's
/// notes.
pub fn map_chunk_read_runs(
    source: &Source<'_>,
    file: &std::fs::File,
    chunk: &ChunkRef,
    options: &NgramOptions,
    buffer: &mut Vec<u8>,
    emit: impl FnMut(&[u8], u64) -> Result<(), LineErrorKind>,
) -> Result<Tally, NgramError> {
    use std::os::unix::fs::FileExt;
    let io = |e: std::io::Error| NgramError::Io {
        file: source.name.to_string(),
        source: if e.kind() == std::io::ErrorKind::UnexpectedEof {
            std::io::Error::other(crate::shrunk::REASON)
        } else {
            e
        },
    };
    // The chunk in pieces that stay in cache while they are parsed: read, parse up to the
    // last newline, carry the partial line over to the next piece.
    if buffer.len() < READ_PIECE {
        buffer.resize(READ_PIECE, 0);
    }
    let end = chunk.range.end;
    let mut base = chunk.range.start; // the file offset of buffer[0]
    let mut held = 0; // buffer[..held] holds data (a partial line carried over)
    let mut tally = Tally::default();
    let mut emit = emit;
    while base + held < end {
        let take = (buffer.len() - held).min(end - (base + held));
        file.read_exact_at(&mut buffer[held..held + take], (base + held) as u64).map_err(io)?;
        held += take;
        let cut = if base + held == end {
            held
        } else {
            match memchr::memrchr(b'\n', &buffer[..held]) {
                Some(newline) => newline + 1,
                // One line longer than the buffer: make room and read on.
                None => {
                    buffer.resize(buffer.len() * 2, 0);
                    continue;
                }
            }
        };
        match options.map_runs(&buffer[..cut], &mut emit) {
            Ok(stats) => {
                tally.lines += stats.lines;
                tally.skipped += stats.skipped;
                if tally.first_skipped.is_none() {
                    tally.first_skipped = stats.first_skipped.map(|(offset, kind)| SkippedAt {
                        source: chunk.source,
                        offset: base + offset,
                        kind,
                    });
                }
            }
            // The line number counts the newlines before the error, through the map: only an
            // error touches the map's pages.
            Err(err) => return Err(source.line_error(base + err.offset, err.kind)),
        }
        buffer.copy_within(cut..held, 0);
        base += cut;
        held -= cut;
    }
    Ok(tally)
}

/// How much of a chunk [`map_chunk_read_runs`] reads at a time: a piece stays in the core's
/// cache (512 KiB of L2 here) from its copy to its parse. Against reading the whole 16 MiB
/// chunk and parsing it after (full default shard, 2 vCPU AMD EPYC, alternating, 6 runs
/// each): elapsed 0.569-0.594 s against 0.603-0.645 s, CPU 1.03-1.06 s against 1.09-1.16 s
/// (about 5% less of both). 64 KiB and 1 MiB pieces did no better. Tiny in unit tests, so
/// that lines cross pieces and outgrow the buffer there.
const READ_PIECE: usize = if cfg!(test) { 64 } else { 256 << 10 };

/// Merges partial results in the order given, turning an overflow into an error.
pub fn merge_all<'a>(parts: impl IntoIterator<Item = Counts<'a>>) -> Result<Counts<'a>, NgramError> {
    let mut total = Counts::new();
    for part in parts {
        merge_counts(&mut total, part).map_err(|e| NgramError::MergeOverflow { ngram: e.ngram })?;
    }
    Ok(total)
}

/// A skipped line, located for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    pub file: String,
    pub line: u64,
    pub kind: LineErrorKind,
}

/// The totals of a finished job: one map whose keys borrow from the input (most models), or
/// the MapReduce engine's partitions, each owning its keys (so the input can be released as
/// it is read).
#[derive(Debug, Clone)]
pub enum Totals<'a> {
    Map(Counts<'a>),
    /// Partition `r` holds exactly the keys `k` with `partition_of_hash(key_hash(k), R) == r`.
    Partitioned(Vec<KeyTable>),
    /// The totals stay in the processes that reduced them (the timely engine's spread
    /// reduce); here is only what the answer needs. Its keys cannot be listed: asking for
    /// them is a bug, and panics.
    Spread(SpreadAnswer),
}

/// What process 0 of a spread reduce holds: the answer without the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpreadAnswer {
    pub distinct: u64,
    /// The sum of every total, `None` past `u64`.
    pub total: Option<u64>,
    /// The top totals, best first (a larger total, then smaller key bytes); as many as asked.
    pub top: Vec<(Vec<u8>, u64)>,
    /// The probe words asked for, with their totals (0 for a word that never occurs).
    pub words: Vec<(Vec<u8>, u64)>,
}

impl SpreadAnswer {
    /// Puts the answers of processes holding disjoint keys together: distinct and total
    /// summed, the top `k` of the tops (each key's total is in one process's top or in
    /// none), and the words summed (a word is found in one process at most).
    pub fn merge(parts: impl IntoIterator<Item = SpreadAnswer>, k: usize) -> SpreadAnswer {
        let mut all = SpreadAnswer { total: Some(0), ..SpreadAnswer::default() };
        for part in parts {
            all.distinct += part.distinct;
            all.total = all.total.zip(part.total).and_then(|(a, b)| a.checked_add(b));
            all.top.extend(part.top);
            for (word, total) in part.words {
                match all.words.iter_mut().find(|(w, _)| *w == word) {
                    Some((_, sum)) => *sum += total,
                    None => all.words.push((word, total)),
                }
            }
        }
        all.top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.top.truncate(k);
        all
    }

    fn word(&self, ngram: &[u8]) -> Option<u64> {
        match self.words.iter().find(|(w, _)| w == ngram) {
            Some((_, total)) => (*total > 0).then_some(*total),
            None => panic!(
                "{:?} was not one of the probe words of the spread reduce: its total stays in the process that \
                 reduced it",
                String::from_utf8_lossy(ngram)
            ),
        }
    }
}

/// Asking a spread answer for its keys.
fn spread_keys() -> ! {
    panic!("the totals of a spread reduce stay in the processes that reduced them: merge their parts to list them")
}

impl Totals<'_> {
    /// Distinct ngrams.
    pub fn len(&self) -> usize {
        match self {
            Totals::Map(counts) => counts.len(),
            Totals::Partitioned(parts) => parts.iter().map(KeyTable::len).sum(),
            Totals::Spread(answer) => answer.distinct as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total for `ngram`, if it occurs.
    pub fn get(&self, ngram: &[u8]) -> Option<u64> {
        match self {
            Totals::Map(counts) => counts.get(ngram).copied(),
            Totals::Partitioned(parts) if parts.is_empty() => None,
            Totals::Partitioned(parts) => parts[partition_of_hash(key_hash(ngram), parts.len())].get(ngram),
            Totals::Spread(answer) => answer.word(ngram),
        }
    }

    /// Calls `f` with every ngram and its total, in no particular order: like `iter`, without
    /// a dynamic call per item (for passes over millions of keys).
    pub fn for_each<'s>(&'s self, mut f: impl FnMut(&'s [u8], u64)) {
        match self {
            Totals::Map(counts) => counts.iter().for_each(|(k, v)| f(k, *v)),
            Totals::Partitioned(parts) => {
                parts.iter().for_each(|part| part.iter().for_each(|(k, v)| f(k, v)))
            }
            Totals::Spread(_) => spread_keys(),
        }
    }

    /// Every ngram with its total, in no particular order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], u64)> + '_> {
        match self {
            Totals::Map(counts) => Box::new(counts.iter().map(|(k, v)| (*k, *v))),
            Totals::Partitioned(parts) => Box::new(parts.iter().flat_map(KeyTable::iter)),
            Totals::Spread(_) => spread_keys(),
        }
    }
}

/// The complete answer of an ngram job.
#[derive(Debug, Clone)]
pub struct NgramOutput<'a> {
    pub totals: Totals<'a>,
    /// Lines read (including skipped ones).
    pub lines: u64,
    /// Bytes of input.
    pub bytes: u64,
    /// Malformed lines skipped (only with `skip_malformed`).
    pub skipped: u64,
    pub first_skipped: Option<SkippedLine>,
    /// What crossing process boundaries cost, for models that do (`None` elsewhere).
    pub shipping: Option<Shipping>,
    /// Seconds per MapReduce phase, for the engine (`None` elsewhere).
    pub phases: Option<Phases>,
    /// This process's part in a run spread over several processes that each started on
    /// their own (the timely engine; `None` elsewhere).
    pub cluster: Option<ClusterPart>,
    /// Workers that failed (died, or stopped and were killed) and whose tasks were run again
    /// on a new worker, as MapReduce does: the answer is still exact. Empty almost always.
    pub reruns: Vec<Rerun>,
}

/// One worker's tasks run again on a new worker after it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerun {
    /// Map tasks (chunks) that were run again.
    pub tasks: u64,
    /// What happened to the worker that had them.
    pub why: String,
}

/// One process's part in a run of several processes (the timely engine): only process 0
/// holds the answer; the others know the tallies (lines, bytes, bad lines) but not the totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterPart {
    /// This process, `0..processes`.
    pub process: usize,
    pub processes: usize,
    /// Whether this process holds the answer; where it does not, `totals` is empty.
    pub holds_answer: bool,
    /// Seconds spent waiting for every process to connect: inside the call, not the job.
    pub connect_s: f64,
    /// Records the exchange sent from a worker in one process to one in another.
    pub exchanged_records: u64,
    /// Where the partitions were reduced: `gathered` (all on process 0) or `spread` (each
    /// by the worker that owns it, in whichever process).
    pub reduce: &'static str,
    /// Bytes this process sent to and received from the others, as timely's network
    /// threads counted their messages (0 with one process).
    pub sent_bytes: u64,
    pub received_bytes: u64,
    /// Of what process 0 received, the other processes' answers (spread reduce), as JSON:
    /// more than timely's own encoding of them.
    pub answer_bytes: u64,
}

/// Where the MapReduce engine's time went.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Phases {
    /// Cutting the input into newline-aligned chunks.
    pub split_s: f64,
    /// Parsing every chunk and combining runs into per-worker, per-partition maps.
    pub map_s: f64,
    /// Handing each partition's maps from all workers to one reducer.
    pub shuffle_s: f64,
    /// Merging each partition's maps, partitions in parallel.
    pub reduce_s: f64,
    /// Gathering the reduced partitions into the one answer.
    pub collect_s: f64,
    /// How many partitions (R).
    pub partitions: usize,
}

/// The cost of moving work to other processes and results back: the article's warning
/// that pickling chunks to workers can eat the gain from parallelism.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Shipping {
    /// One of [`Shipping::MODES`]: `bytes` (chunks copied to workers), `range` (workers read
    /// the file themselves), `exchange` (timely's).
    pub mode: &'static str,
    pub bytes_to_workers: u64,
    pub bytes_from_workers: u64,
    /// Seconds spent encoding tasks (parent) and replies (workers).
    pub encode_s: f64,
    /// Seconds spent decoding tasks (workers) and replies (parent).
    pub decode_s: f64,
}

impl Shipping {
    pub const MODES: [&'static str; 3] = ["bytes", "range", "exchange"];
}

/// [`Shipping`] as read back from a record, its mode one of [`Shipping::MODES`].
#[derive(serde::Deserialize)]
struct ShippingRead {
    mode: String,
    bytes_to_workers: u64,
    bytes_from_workers: u64,
    encode_s: f64,
    decode_s: f64,
}

impl<'de> serde::Deserialize<'de> for Shipping {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Shipping, D::Error> {
        let read = ShippingRead::deserialize(deserializer)?;
        let mode = Shipping::MODES
            .into_iter()
            .find(|m| *m == read.mode)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown shipping mode {:?}", read.mode)))?;
        let ShippingRead { bytes_to_workers, bytes_from_workers, encode_s, decode_s, .. } = read;
        Ok(Shipping { mode, bytes_to_workers, bytes_from_workers, encode_s, decode_s })
    }
}

impl<'a> NgramOutput<'a> {
    /// The same answer owning its keys, so that the input may go: a map of borrowed keys is
    /// copied into partitioned tables (`harness ngram --model all` keeps the first answer to
    /// check every other against, and no longer holds the first input's pages for it).
    pub fn into_owned(self) -> NgramOutput<'static> {
        let totals = match self.totals {
            Totals::Partitioned(parts) => Totals::Partitioned(parts),
            Totals::Spread(answer) => Totals::Spread(answer),
            Totals::Map(counts) => {
                let partitions = 64;
                let mut parts: Vec<KeyTable> = (0..partitions).map(|_| KeyTable::new()).collect();
                for part in &mut parts {
                    part.reserve(counts.len() / partitions * 9 / 8, 0);
                }
                for (key, &count) in &counts {
                    let hash = key_hash(key);
                    parts[partition_of_hash(hash, partitions)]
                        .add(key, hash, count)
                        .expect("a map holds each key once: nothing is added to, nothing overflows");
                }
                Totals::Partitioned(parts)
            }
        };
        NgramOutput {
            totals,
            lines: self.lines,
            bytes: self.bytes,
            skipped: self.skipped,
            first_skipped: self.first_skipped,
            shipping: self.shipping,
            phases: self.phases,
            cluster: self.cluster,
            reruns: self.reruns,
        }
    }

    /// Puts together a model's merged counts and tally.
    pub fn finish(sources: &[Source<'a>], counts: Counts<'a>, tally: Tally) -> NgramOutput<'a> {
        NgramOutput::finish_totals(sources, Totals::Map(counts), tally)
    }

    /// Puts together any kind of totals and the tally.
    pub fn finish_totals(sources: &[Source<'a>], totals: Totals<'a>, tally: Tally) -> NgramOutput<'a> {
        let first_skipped = tally.first_skipped.map(|at| {
            let source = &sources[at.source];
            SkippedLine {
                file: source.name.to_string(),
                line: line_number_at(source.data, at.offset),
                kind: at.kind,
            }
        });
        NgramOutput {
            totals,
            lines: tally.lines,
            bytes: sources.iter().map(|s| s.data.len() as u64).sum(),
            skipped: tally.skipped,
            first_skipped,
            shipping: None,
            phases: None,
            cluster: None,
            reruns: Vec::new(),
        }
    }

    /// An answer of `totals` alone: no lines read, nothing skipped, no phases.
    pub fn of_totals(totals: Totals<'a>) -> NgramOutput<'a> {
        NgramOutput {
            totals,
            lines: 0,
            bytes: 0,
            skipped: 0,
            first_skipped: None,
            shipping: None,
            phases: None,
            cluster: None,
            reruns: Vec::new(),
        }
    }

    /// Distinct ngrams.
    pub fn distinct(&self) -> usize {
        self.totals.len()
    }

    /// Sum of all totals; `None` if it does not fit in a `u64` (each total does, the sum
    /// of millions of them may not).
    pub fn total_match_count(&self) -> Option<u64> {
        self.summary(0).0
    }

    /// The total for one ngram (0 if it never occurs).
    pub fn total_for(&self, ngram: &[u8]) -> u64 {
        self.totals.get(ngram).unwrap_or(0)
    }

    /// The `k` ngrams with the largest totals, ties broken by ngram bytes.
    pub fn top(&self, k: usize) -> Vec<(&[u8], u64)> {
        self.summary(k).1
    }

    /// The sum of all totals and the top `k`, in one pass over the totals (millions of them:
    /// each pass costs tens of milliseconds). A key is only read when its total can enter
    /// the top `k`, which after the first few thousand entries is almost never. Partitioned
    /// totals of a million keys or more are scanned by one thread per core, a share of the
    /// partitions each: on the full default shard (4,000,000 keys) the time from the job's end
    /// to its JSON record went 12.6 -> 10.3 ms (medians of 6).
    pub fn summary(&self, k: usize) -> Summary<'_> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.summary_on(k, threads, 1 << 20)
    }

    /// [`Self::summary`] with `threads` threads for partitioned totals of at least `at_least`
    /// keys.
    fn summary_on(&self, k: usize, threads: usize, at_least: usize) -> Summary<'_> {
        let parts = match &self.totals {
            Totals::Map(counts) => {
                return scan(k, |visit| counts.iter().for_each(|(key, total)| visit(*total, &|| *key)))
            }
            Totals::Partitioned(parts) => parts,
            Totals::Spread(answer) => {
                let top = answer.top.iter().take(k).map(|(key, total)| (key.as_slice(), *total));
                return (answer.total, top.collect());
            }
        };
        let threads = threads.min(parts.len());
        if threads < 2 || self.totals.len() < at_least {
            return scan(k, |visit| parts.iter().for_each(|part| part.for_each_lazy(&mut *visit)));
        }
        let shares: Vec<Summary<'_>> = std::thread::scope(|scope| {
            let running: Vec<_> = parts
                .chunks(parts.len().div_ceil(threads))
                .map(|share| {
                    scope.spawn(move || {
                        scan(k, |visit| share.iter().for_each(|part| part.for_each_lazy(&mut *visit)))
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        let sum = shares.iter().try_fold(0u64, |sum, (share, _)| sum.checked_add((*share)?));
        let mut top: Vec<(&[u8], u64)> = shares.into_iter().flat_map(|(_, top)| top).collect();
        top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        top.truncate(k);
        (sum, top)
    }

    /// Every ngram with its total, sorted by ngram bytes.
    pub fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut all: Vec<(&[u8], u64)> = Vec::with_capacity(self.totals.len());
        self.totals.for_each(|k, v| all.push((k, v)));
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        all
    }
}

/// The sum of all totals (`None` past `u64`) and the top totals with their keys, best first.
pub type Summary<'s> = (Option<u64>, Vec<(&'s [u8], u64)>);

/// The sum of the totals `each` visits (`None` past `u64`) and the top `k` of them, best
/// first: a larger total, then smaller key bytes. `each` calls `visit` with a total and a way
/// to read its key, read only when the total can enter the top.
fn scan<'s>(k: usize, each: impl FnOnce(&mut dyn FnMut(u64, &dyn Fn() -> &'s [u8]))) -> Summary<'s> {
    use std::cmp::{Ordering, Reverse};
    use std::collections::BinaryHeap;
    /// Better ranks compare greater: a larger total, then smaller bytes.
    #[derive(PartialEq, Eq)]
    struct Ranked<'k>(u64, &'k [u8]);
    impl Ord for Ranked<'_> {
        fn cmp(&self, other: &Self) -> Ordering {
            self.0.cmp(&other.0).then_with(|| other.1.cmp(self.1))
        }
    }
    impl PartialOrd for Ranked<'_> {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    let mut sum = Some(0u64);
    // A min-heap (by rank) of the best k so far: its top is the one to beat.
    // Sized by k only up to a bound: a `--top` larger than the keys grows with the keys.
    let mut best: BinaryHeap<Reverse<Ranked<'s>>> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
    each(&mut |total: u64, key: &dyn Fn() -> &'s [u8]| {
        sum = sum.and_then(|s| s.checked_add(total));
        if k == 0 {
            return;
        }
        if best.len() < k {
            best.push(Reverse(Ranked(total, key())));
        } else if best.peek().is_some_and(|worst| total >= worst.0 .0) {
            let candidate = Ranked(total, key());
            if best.peek().is_some_and(|worst| candidate > worst.0) {
                best.pop();
                best.push(Reverse(candidate));
            }
        }
    });
    // Ascending order of Reverse is descending rank: best first.
    let top = best.into_sorted_vec().into_iter().map(|Reverse(Ranked(total, key))| (key, total)).collect();
    (sum, top)
}

#[cfg(test)]
mod read_tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::oracle;

    /// The summary of partitioned totals scanned by several threads is the one-thread
    /// summary and the oracle's: the sum, and the top with ties broken by key bytes.
    #[test]
    fn a_summary_on_several_threads_is_the_same_summary() {
        // 200 keys, totals with many ties (i % 7 of each line).
        let rows = (0..4000u64).map(|i| (format!("k{}", i % 200), 1900, i % 7, false));
        let rows: Vec<_> = rows.collect();
        let data = oracle::shard_text(rows.iter().map(|(k, y, c, b)| (k.as_str(), *y, *c, *b)), true);
        let want = oracle::ngram_totals(&data).unwrap();
        let mut want_top: Vec<(Vec<u8>, u64)> = want.iter().map(|(k, v)| (k.clone(), *v)).collect();
        want_top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        want_top.truncate(25);
        let file = crate::input::InputFile::from_bytes("t.tsv", data);
        let options = NgramOptions::default();
        let output =
            crate::ngram::partitioned::ngram(&crate::testing::TwoThreads, &[file.source()], &options, 9)
                .unwrap();
        assert!(matches!(output.totals, Totals::Partitioned(_)));
        let owned = |(sum, top): (Option<u64>, Vec<(&[u8], u64)>)| {
            (sum, top.into_iter().map(|(k, v)| (k.to_vec(), v)).collect::<Vec<_>>())
        };
        let one = owned(output.summary_on(25, 1, 0));
        assert_eq!(one, (Some(want.values().sum()), want_top));
        for threads in [2, 3, 9, 20] {
            assert_eq!(owned(output.summary_on(25, threads, 0)), one, "{threads} threads");
        }
    }

    /// An answer made to own its keys is the same answer: every total, the distinct count,
    /// the top, and the figures beside the totals.
    #[test]
    fn an_owned_answer_is_the_same_answer() {
        let rows = (0..3000u64)
            .map(|i| (["a", "b", "ångström", "a b", "zz_NOUN"][(i * 7 % 5) as usize], 1900, i % 97, false));
        let data = oracle::shard_text(rows, true);
        let want = oracle::ngram_totals(&data).unwrap();
        let file = crate::input::InputFile::from_bytes("t.tsv", data);
        let (counts, stats) = crate::ngram::map_chunk(file.bytes(), false).unwrap();
        let tally = Tally { lines: stats.lines, ..Tally::default() };
        let borrowed = NgramOutput::finish(&[file.source()], counts, tally);
        assert!(matches!(borrowed.totals, Totals::Map(_)));
        let (lines, top) =
            (borrowed.lines, borrowed.top(3).into_iter().map(|(k, v)| (k.to_vec(), v)).collect::<Vec<_>>());
        let owned = borrowed.into_owned();
        drop(file);
        assert!(matches!(owned.totals, Totals::Partitioned(_)));
        let got: BTreeMap<Vec<u8>, u64> = owned.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(got, want);
        for (key, total) in &want {
            assert_eq!(owned.total_for(key), *total);
        }
        assert_eq!((owned.distinct(), owned.lines), (want.len(), lines));
        assert_eq!(owned.top(3).into_iter().map(|(k, v)| (k.to_vec(), v)).collect::<Vec<_>>(), top);
    }

    /// Random shards, on disk, read in 64-byte pieces: lines cross pieces, and keys of up to
    /// 300 bytes make the buffer grow. Every total, the line count, and a bad line's number
    /// match the oracle, for several chunk sizes.
    #[test]
    fn pieces_give_the_oracles_totals_and_lines() {
        let dir = std::env::temp_dir().join(format!("workload-read-pieces-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for case in 0..40 {
            let keys: Vec<String> =
                (0..6).map(|k| "k".repeat(1 + (next() % 300) as usize) + &k.to_string()).collect();
            let rows: Vec<(usize, u32, u64, bool)> = (0..(next() % 80) as usize)
                .map(|_| {
                    ((next() % 6) as usize, 1900 + (next() % 100) as u32, next() % 1000, next() % 7 == 0)
                })
                .collect();
            let data = oracle::shard_text(
                rows.iter().map(|&(k, y, c, crlf)| (keys[k].as_str(), y, c, crlf)),
                case % 2 == 0,
            );
            let path = dir.join(format!("case-{case}.tsv"));
            std::fs::write(&path, &data).unwrap();
            let input = crate::input::InputFile::open(&path).unwrap();
            let source = input.source();
            let target = 1 + (next() % 700) as usize;
            let plan = plan_chunks(&[source], Chunking::Bytes(std::num::NonZeroUsize::new(target).unwrap()));
            let mut totals: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
            let mut lines = 0;
            let mut buffer = Vec::new();
            for chunk in &plan {
                let tally = map_chunk_read_runs(
                    &source,
                    source.file.unwrap(),
                    chunk,
                    &NgramOptions::default(),
                    &mut buffer,
                    |key, sum| {
                        *totals.entry(key.to_vec()).or_default() += sum;
                        Ok(())
                    },
                )
                .unwrap();
                lines += tally.lines;
            }
            assert_eq!(totals, oracle::ngram_totals(&data).unwrap(), "case {case}");
            assert_eq!(lines, oracle::line_count(&data), "case {case}");
        }
        // A bad line after a long one, found by its number.
        let mut data = oracle::shard_text([("x".repeat(500).as_str(), 1900, 1, false)], true);
        data.extend_from_slice(b"a\t1900\t1\t1\nbad line\n");
        let path = dir.join("bad.tsv");
        std::fs::write(&path, &data).unwrap();
        let input = crate::input::InputFile::open(&path).unwrap();
        let source = input.source();
        let chunk = ChunkRef { source: 0, range: 0..data.len() };
        let err = map_chunk_read_runs(
            &source,
            source.file.unwrap(),
            &chunk,
            &NgramOptions::default(),
            &mut Vec::new(),
            |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with(&format!("{}:3: ", path.display())), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
