//! The MapReduce engine's algorithm on any model ([`Runner`]): the article's MapReduce with a
//! combiner and a partitioned, parallel reduce instead of one `functools.reduce(merge_dict)`.
//!
//! 1. **split**: the chunk plan every model shares ([`plan_chunks`]);
//! 2. **map** (with a combiner): each worker parses chunks with the shared kernel, folds runs
//!    of equal keys, and appends each run to one of R partitions chosen by a hash of the key
//!    (keys copied, so the input's pages are released as soon as they are parsed);
//! 3. **shuffle**: partition r of every worker goes to reducer r;
//! 4. **reduce**: each partition's runs go into one table, sized once and small enough to
//!    stay in cache; the R partitions in parallel (no key is in two, so no reducer waits);
//! 5. **collect**: the reduced partitions are the answer ([`Totals::Partitioned`]); nothing is
//!    merged into one big map.
//!
//! Each phase is timed ([`Phases`]). `crates/mapreduce` runs it on its own executors (and maps
//! in child processes, or streams `.gz`, with the same pieces); every other model runs it
//! with `--algorithm partitioned`.

use std::sync::Mutex;
use std::time::Instant;

use super::job::{
    map_chunk_read_runs, map_chunk_ref_runs, plan_chunks, ChunkRef, Chunking, NgramOptions, NgramOutput,
    Phases, Source, Tally, Totals,
};
use super::parse::LineErrorKind;
use super::table::{key_hash, partition_of_hash, KeyTable, RunBuffer};
use crate::error::NgramError;
use crate::first_failure::FirstFailure;
use crate::run::Runner;

/// R, when not given: four per worker, and more for big inputs so that each partition gets
/// about 8 MiB of input (on the default shard about 20,000 distinct keys: a table of well
/// under 1 MiB, which the reduce fills inside L2).
pub fn default_partitions(workers: usize, input_bytes: usize) -> usize {
    let by_size = (input_bytes >> 23).next_power_of_two().min(4096);
    by_size.max(4 * workers.max(1))
}

/// Sums `match_count` per ngram through the five phases on `runner`, with `partitions`
/// partitions (0: [`default_partitions`]); the output carries the phases' timings.
pub fn ngram<'a>(
    runner: &dyn Runner,
    sources: &[Source<'a>],
    options: &NgramOptions,
    partitions: usize,
) -> Result<NgramOutput<'a>, NgramError> {
    let partitions = match partitions {
        0 => default_partitions(runner.workers(), sources.iter().map(|s| s.data.len()).sum()),
        r => r,
    };
    let clock = Instant::now();
    let plan = plan_chunks(sources, options.chunking);
    let split_s = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let mapped = map_phase(runner, sources, &plan, options, partitions)?;
    let map_s = clock.elapsed().as_secs_f64();
    reduce_and_collect(runner, sources, mapped, Phases { split_s, map_s, partitions, ..Phases::default() })
}

/// Phases 3 to 5 on what the map phase (here, in child processes, or over a stream) gave:
/// shuffle, reduce, collect, each timed into `phases`.
pub fn reduce_and_collect<'a>(
    runner: &dyn Runner,
    sources: &[Source<'a>],
    mapped: Vec<Mapped>,
    mut phases: Phases,
) -> Result<NgramOutput<'a>, NgramError> {
    let (reduced, tally) = shuffle_and_reduce(runner, mapped, &mut phases)?;
    // No key is in two partitions, so the answer is the partitions themselves: nothing is
    // copied into one big map (which took 1.1-1.5 s for 4,000,000 keys).
    let clock = Instant::now();
    let mut output = NgramOutput::finish_totals(sources, Totals::Partitioned(reduced), tally);
    phases.collect_s = clock.elapsed().as_secs_f64();
    output.phases = Some(phases);
    Ok(output)
}

/// Phases 3 and 4: the workers' partitions shuffled to their reducers and reduced on
/// `runner`, each phase timed into `phases`; the reduced partitions and the line counts.
pub fn shuffle_and_reduce(
    runner: &dyn Runner,
    mapped: Vec<Mapped>,
    phases: &mut Phases,
) -> Result<(Vec<KeyTable>, Tally), NgramError> {
    let clock = Instant::now();
    let (by_partition, tally) = shuffle(mapped, phases.partitions);
    phases.shuffle_s = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let reduced = reduce_phase(runner, by_partition)?;
    phases.reduce_s = clock.elapsed().as_secs_f64();
    Ok((reduced, tally))
}

/// The split phase for a model that sends each worker its whole share of the map phase at
/// once (child processes): the chunk plan dealt to `min(workers, chunks)` workers, chunk i to
/// worker i mod W, so each worker meets its chunks in input order (and the earliest bad line
/// is still found). Per worker, its chunks with their places in the plan; none for no input.
pub fn shares(sources: &[Source<'_>], chunking: Chunking, workers: usize) -> Vec<Vec<(usize, ChunkRef)>> {
    let plan = plan_chunks(sources, chunking);
    let workers = workers.clamp(1, plan.len().max(1));
    let mut shares: Vec<Vec<(usize, ChunkRef)>> = (0..workers).map(|_| Vec::new()).collect();
    for (index, chunk) in plan.into_iter().enumerate() {
        shares[index % workers].push((index, chunk));
    }
    shares.retain(|share| !share.is_empty());
    shares
}

/// One worker's map output: what it combined for each partition, and its line counts.
#[derive(Debug)]
pub struct Mapped {
    pub parts: Vec<Partial>,
    pub tally: Tally,
}

impl Mapped {
    /// Nothing mapped yet, for `partitions` partitions.
    pub fn empty(partitions: usize) -> Mapped {
        Mapped { parts: (0..partitions).map(|_| Partial::default()).collect(), tally: Tally::default() }
    }
}

/// A worker's output for one partition: runs not aggregated yet, and a table that overflowing
/// runs were folded into.
///
/// Why buffer instead of adding each run to a table straight away: a table of millions of
/// keys does not fit in cache, so every insert is a cache miss or two (the map phase spent
/// more time there than parsing). Appending runs is sequential, and the reduce builds each
/// partition's table in one go, sized once and small enough to stay in L2.
/// On the default shard: map+reduce 1.38 s with per-worker tables, 0.8 s with this.
#[derive(Debug, Default)]
pub struct Partial {
    pub runs: RunBuffer,
    pub table: Option<KeyTable>,
}

impl Partial {
    /// Runs buffered per partition before they are folded into the worker's own table: keeps
    /// memory bounded when the input is not grouped by ngram (one run per line). Tiny in unit
    /// tests, so that they take this path too.
    pub const MAX_RUNS: usize = if cfg!(test) { 3 } else { 1 << 15 };

    #[inline]
    pub fn add(&mut self, key: &[u8], hash: u64, sum: u64) -> Result<(), LineErrorKind> {
        self.runs.push(key, hash, sum);
        if self.runs.len() >= Partial::MAX_RUNS {
            let table = self.table.get_or_insert_with(KeyTable::new);
            table.reserve(self.runs.len(), self.runs.key_bytes());
            table.absorb(&self.runs).map_err(|e| LineErrorKind::TotalOverflow { ngram: e.ngram })?;
            self.runs.clear();
        }
        Ok(())
    }
}

/// Whether the map phase reads files with `pread` into a buffer per worker (see
/// [`map_chunk_read_runs`]) rather than through their memory maps. What it bought, on the
/// full default shard (2 vCPU AMD EPYC, file in the page cache, `harness ngram --model
/// mapreduce`, old and new binary alternating, 6 runs each): the same time (elapsed
/// 0.576-0.597 s against 0.578-0.621 s; CPU 1.04-1.07 s both: the copy, about 10% of the
/// CPU time in `perf`, costs what the page faults and releases cost), and memory that no
/// longer depends on the page cache: the shard's pages resident in the process peaked at
/// 115-119 MB through the map (edges of large folios that a release cannot give back) and
/// 0 MB read; peak RSS 192-199 MB -> 184-187 MB on the file `harness gen` wrote, and
/// 189-243 MB -> 184-187 MB on a copy written by `dd bs=8M` (cached as large folios:
/// FileHugePages grew by 1.68 GB).
const READ_FILES: bool = true;

/// The map phase: workers claim chunks in order and fold them into per-partition tables
/// (copying each key once, so the chunk's pages can be released right after). On a bad line
/// every worker stops claiming; chunks are claimed in order, so the earliest error in the
/// input is among those recorded ([`FirstFailure`]).
pub fn map_phase(
    runner: &dyn Runner,
    sources: &[Source<'_>],
    plan: &[ChunkRef],
    options: &NgramOptions,
    partitions: usize,
) -> Result<Vec<Mapped>, NgramError> {
    let first_failure = FirstFailure::new();
    let share = plan.iter().map(|c| c.range.len()).sum::<usize>() / runner.workers_for(plan.len());
    let mapped = runner.run(plan.len(), &|claims| {
        let mut mapped = Mapped::empty(partitions);
        let mut first = true;
        let mut buffer = Vec::new();
        while !first_failure.any() {
            let Some(index) = claims.next() else { break };
            let chunk = &plan[index];
            let source = &sources[chunk.source];
            let emit = |key: &[u8], sum| combine(&mut mapped.parts, key, sum);
            let emitted = match source.file {
                // A file on disk: read with pread into this worker's buffer.
                Some(file) if READ_FILES => {
                    map_chunk_read_runs(source, file, chunk, options, &mut buffer, emit)
                }
                _ => {
                    let emitted = map_chunk_ref_runs(sources, chunk, options, emit);
                    source.release(chunk.range.clone());
                    emitted
                }
            };
            if std::mem::take(&mut first) {
                presize(&mut mapped.parts, chunk.range.len(), share);
            }
            match emitted {
                Ok(t) => mapped.tally.absorb(t),
                Err(err) => first_failure.record(index, err),
            }
        }
        mapped
    })?;
    first_failure.or_ok(mapped)
}

/// Sizes every partition's buffer once, from what the first chunk gave, for the worker's
/// share of the input: growing hundreds of buffers by doubling copied them again and again
/// and had the kernel zero fresh pages for every copy.
pub fn presize(parts: &mut [Partial], seen_bytes: usize, share: usize) {
    let runs: usize = parts.iter().map(|p| p.runs.len()).sum();
    let key_bytes: usize = parts.iter().map(|p| p.runs.key_bytes()).sum();
    if seen_bytes == 0 || runs == 0 {
        return;
    }
    // Expected runs per partition for the whole share, plus an eighth for unevenness,
    // capped where the buffer would be folded into a table anyway.
    let scale = share as f64 / seen_bytes as f64 / parts.len() as f64 * 1.125;
    let want_runs = ((runs as f64 * scale) as usize).min(Partial::MAX_RUNS);
    let want_bytes = (key_bytes as f64 * scale) as usize;
    for part in parts {
        part.runs.reserve(
            want_runs.saturating_sub(part.runs.len()),
            want_bytes.saturating_sub(part.runs.key_bytes()),
        );
    }
}

/// The combine step: one run's sum to the key's partition.
#[inline]
pub fn combine(parts: &mut [Partial], key: &[u8], sum: u64) -> Result<(), LineErrorKind> {
    let hash = key_hash(key);
    parts[partition_of_hash(hash, parts.len())].add(key, hash, sum)
}

/// The shuffle: reducer r gets partition r of every worker's output.
pub fn shuffle(mapped: Vec<Mapped>, partitions: usize) -> (Vec<Vec<Partial>>, Tally) {
    let mut by_partition: Vec<Vec<Partial>> =
        (0..partitions).map(|_| Vec::with_capacity(mapped.len())).collect();
    let mut tally = Tally::default();
    for m in mapped {
        tally.absorb(m.tally);
        for (r, part) in m.parts.into_iter().enumerate() {
            by_partition[r].push(part);
        }
    }
    (by_partition, tally)
}

/// Reduces one partition: every worker's table merged into the largest one (so the fewest
/// keys move), then every buffered run added, the table sized once for all of them; with no
/// tables, the largest run buffer becomes the table ([`KeyTable::from_runs`]: only its index
/// is new memory) and the other buffers are added. (The timely engine reduces what its
/// exchange delivers with this too.)
///
/// Before that takeover, most of a reduce's time was fresh pages: glibc unmaps each run
/// buffer freed here (over its 128 KiB `mmap` threshold) and each new table faulted in zeroed
/// ones. Tried and not kept:
/// the threshold raised to 32 MiB at start-up (`mallopt`), so that tables reuse the buffers'
/// memory: on the full shard the reduce went 77 -> 64 ms and the job 0.341 -> 0.330 s
/// (medians of 10), but the process model's peak RSS went 205 -> 240 MB and timely's
/// (1 process x 2 workers) 191 -> 238-248 MB, at the edge of its 250 MB budget.
pub fn reduce_partition(partials: Vec<Partial>) -> Result<KeyTable, NgramError> {
    let overflow = |e: super::map::MergeOverflow| NgramError::MergeOverflow { ngram: e.ngram };
    let (mut tables, mut buffers): (Vec<_>, Vec<_>) = partials.into_iter().map(|p| (p.table, p.runs)).unzip();
    let mut tables: Vec<KeyTable> = tables.iter_mut().filter_map(Option::take).collect();
    let runs: usize = buffers.iter().map(RunBuffer::len).sum();
    let key_bytes: usize = buffers.iter().map(RunBuffer::key_bytes).sum();
    let mut total = if tables.is_empty() && !buffers.is_empty() {
        // No worker folded its runs into a table (none buffered `Partial::MAX_RUNS` runs for
        // this partition): the largest buffer becomes the table, its memory and all.
        let largest = (0..buffers.len()).max_by_key(|&i| buffers[i].len()).unwrap_or(0);
        let first = buffers.swap_remove(largest);
        let (more_runs, more_bytes) = (runs - first.len(), key_bytes - first.key_bytes());
        KeyTable::from_runs(first, more_runs, more_bytes).map_err(overflow)?
    } else {
        tables.sort_by_key(|t| std::cmp::Reverse(t.len()));
        let mut tables = tables.into_iter();
        let mut total = tables.next().unwrap_or_default();
        total.reserve(runs, key_bytes);
        for table in tables {
            total.merge(table).map_err(overflow)?;
        }
        total
    };
    for buffer in buffers {
        total.absorb(&buffer).map_err(overflow)?;
    }
    Ok(total)
}

/// The reduce: each partition's tables merged into one, partitions in parallel.
pub fn reduce_phase(
    runner: &dyn Runner,
    by_partition: Vec<Vec<Partial>>,
) -> Result<Vec<KeyTable>, NgramError> {
    let n = by_partition.len();
    let slots: Vec<Mutex<Option<Vec<Partial>>>> =
        by_partition.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let reduced: Vec<Vec<(usize, Result<KeyTable, NgramError>)>> = runner.run(n, &|claims| {
        let mut done = Vec::new();
        while let Some(r) = claims.next() {
            let slot = &slots[r];
            let parts = slot.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or_default();
            done.push((r, reduce_partition(parts)));
        }
        done
    })?;
    let mut out: Vec<Option<KeyTable>> = (0..n).map(|_| None).collect();
    for (r, result) in reduced.into_iter().flatten() {
        out[r] = Some(result?);
    }
    Ok(out.into_iter().map(Option::unwrap_or_default).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::InputFile;
    use crate::ngram::Chunking;
    use crate::oracle;
    use crate::testing::TwoThreads;

    /// With a buffer of 3 runs (`Partial::MAX_RUNS` under test), workers fold runs into their
    /// own tables all the time, and the reduce merges tables and buffers: still the oracle's
    /// totals.
    #[test]
    fn folding_buffers_into_worker_tables_keeps_the_totals() {
        let keys = ["a", "b", "c", "ångström", "a_NOUN", "B", "d", "e", "f"];
        let rows = (0..2000u64).map(|i| (keys[(i * 7 % 17 % 9) as usize], 1900, i % 100, false));
        let data = oracle::shard_text(rows, true);
        let want = oracle::ngram_totals(&data).unwrap();
        let file = InputFile::from_bytes("t.tsv", data);
        let options = NgramOptions {
            chunking: Chunking::Bytes(std::num::NonZeroUsize::new(300).unwrap()),
            skip_malformed: false,
            ..NgramOptions::default()
        };
        let output = ngram(&TwoThreads, &[file.source()], &options, 3).unwrap();
        let got: std::collections::BTreeMap<Vec<u8>, u64> =
            output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(got, want);
    }
}
