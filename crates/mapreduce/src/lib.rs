//! Model: an explicit MapReduce engine. The article's last program maps chunks in a
//! `ProcessPoolExecutor` and then folds every partial dict into one with
//! `functools.reduce(merge_dict, ...)`: a serial reduce whose cost grows with every chunk.
//! Here each phase is its own step, timed on its own (`Phases`):
//!
//! 1. **split**: newline-aligned chunks of the input (or, for `.gz` and other streams, a
//!    reader thread that decompresses and cuts chunks while the workers map: [`ngram_stream`]);
//! 2. **map** (with a combiner): each worker parses chunks with the shared kernel, folds runs
//!    of equal keys, and appends each run to one of R partitions chosen by a hash of the key
//!    (keys copied, so the input's pages are released as soon as they are parsed);
//! 3. **shuffle**: partition r of every worker goes to reducer r;
//! 4. **reduce**: each partition's runs go into one table, sized once and small enough to
//!    stay in cache; the R partitions in parallel (no key is in two, so no reducer waits);
//! 5. **collect**: the reduced partitions are the answer ([`Totals::Partitioned`]); nothing is
//!    merged into one big map.
//!
//! Executors: a rayon pool (default), plain std threads, or child processes for the map phase
//! ([`Executor::Processes`]). The kernels (parsing, `KeyTable`, `RunBuffer`) are `workload`'s;
//! `crates/distributed` runs the same job on timely-dataflow with a reduce of its own.

mod processes;
mod stream;

pub use processes::{serve as serve_worker, serve_if_worker, set_worker_command, WORKER_ARG};
pub use stream::{ngram_stream, Stream};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use std::time::Instant;

use workload::ngram::{
    key_hash, map_chunk_ref_runs, partition_of_hash, plan_chunks, ChunkRef, KeyTable, LineErrorKind,
    NgramOptions, NgramOutput, Phases, RunBuffer, Source, Tally, Totals,
};
use workload::{FirstFailure, NgramError, WorkerFailure};

/// Which threads run the phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// A dedicated rayon pool of `workers` threads.
    #[default]
    Rayon,
    /// `std::thread::scope` threads.
    Threads,
    /// Child processes for the map phase (each reads its byte ranges of the file itself and
    /// sends its partitions back through a pipe); the reduce runs on a rayon pool in the
    /// parent. The ngram job only, on files.
    Processes,
}

/// How the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine {
    pub workers: usize,
    /// R: partitions of the key space (0: four per worker).
    pub partitions: usize,
    pub executor: Executor,
}

impl Engine {
    pub fn new(workers: usize) -> Engine {
        Engine { workers: workers.max(1), partitions: 0, executor: Executor::Rayon }
    }

    /// R, when not given: four per worker, and more for big inputs so that each partition
    /// gets about 8 MiB of input (on the default shard about 20,000 distinct keys: a table
    /// of well under 1 MiB, which the reduce fills inside L2).
    pub fn partition_count(&self, input_bytes: usize) -> usize {
        if self.partitions > 0 {
            return self.partitions;
        }
        let by_size = (input_bytes >> 23).next_power_of_two().min(4096);
        by_size.max(4 * self.workers.max(1))
    }
}

/// One worker's map output: what it combined for each partition, and its line counts.
struct Mapped {
    parts: Vec<Partial>,
    tally: Tally,
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
struct Partial {
    runs: RunBuffer,
    table: Option<KeyTable>,
}

impl Partial {
    /// Runs buffered per partition before they are folded into the worker's own table: keeps
    /// memory bounded when the input is not grouped by ngram (one run per line). Tiny in unit
    /// tests, so that they take this path too.
    const MAX_RUNS: usize = if cfg!(test) { 3 } else { 1 << 15 };

    #[inline]
    fn add(&mut self, key: &[u8], hash: u64, sum: u64) -> Result<(), LineErrorKind> {
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

/// The engine's threads for one job: started once and shared by its phases (a rayon pool),
/// or spawned per phase as scoped std threads.
struct Workers {
    count: usize,
    pool: Option<rayon::ThreadPool>,
}

impl Workers {
    fn start(engine: &Engine) -> Result<Workers, WorkerFailure> {
        let count = engine.workers.max(1);
        let pool = match engine.executor {
            Executor::Threads => None,
            Executor::Rayon | Executor::Processes => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(count)
                    .build()
                    .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?,
            ),
        };
        Ok(Workers { count, pool })
    }
}

/// Runs `task` on up to `n` of the workers at once (each task takes the next index from the
/// shared counter as it frees up); returns each worker's result.
fn on_workers<T: Send>(
    workers: &Workers,
    n: usize,
    task: impl Fn(&AtomicUsize) -> T + Sync,
) -> Result<Vec<T>, WorkerFailure> {
    let next = AtomicUsize::new(0);
    let count = workers.count.clamp(1, n.max(1));
    let failure = |payload: Box<dyn std::any::Any + Send>| WorkerFailure::panicked(&*payload);
    match &workers.pool {
        None => std::thread::scope(|scope| {
            let handles: Vec<_> = (0..count).map(|_| scope.spawn(|| task(&next))).collect();
            handles.into_iter().map(|h| h.join().map_err(failure)).collect()
        }),
        Some(pool) => {
            let results = Mutex::new(Vec::with_capacity(count));
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.scope(|scope| {
                    for _ in 0..count {
                        scope.spawn(|_| {
                            let out = task(&next);
                            results.lock().unwrap_or_else(|p| p.into_inner()).push(out);
                        });
                    }
                })
            }));
            run.map_err(failure)?;
            Ok(results.into_inner().unwrap_or_else(|p| p.into_inner()))
        }
    }
}

/// The map phase: workers claim chunks in order and fold them into per-partition tables
/// (copying each key once, so the chunk's pages can be released right after). On a bad line
/// every worker stops claiming; chunks are claimed in order, so the earliest error in the
/// input is among those recorded ([`FirstFailure`]).
fn map_phase(
    workers: &Workers,
    sources: &[Source<'_>],
    plan: &[ChunkRef],
    options: &NgramOptions,
    partitions: usize,
) -> Result<Vec<Mapped>, NgramError> {
    let first_failure = FirstFailure::new();
    let share = plan.iter().map(|c| c.range.len()).sum::<usize>() / workers.count.clamp(1, plan.len().max(1));
    let mapped = on_workers(workers, plan.len(), |next| {
        let mut mapped =
            Mapped { parts: (0..partitions).map(|_| Partial::default()).collect(), tally: Tally::default() };
        let mut first = true;
        while !first_failure.any() {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = plan.get(index) else { break };
            let emitted = map_chunk_ref_runs(sources, chunk, options.skip_malformed, |key, sum| {
                combine(&mut mapped.parts, key, sum)
            });
            sources[chunk.source].release(chunk.range.clone());
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
fn presize(parts: &mut [Partial], seen_bytes: usize, share: usize) {
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
fn combine(parts: &mut [Partial], key: &[u8], sum: u64) -> Result<(), LineErrorKind> {
    let hash = key_hash(key);
    parts[partition_of_hash(hash, parts.len())].add(key, hash, sum)
}

/// The shuffle: reducer r gets partition r of every worker's output.
fn shuffle(mapped: Vec<Mapped>, partitions: usize) -> (Vec<Vec<Partial>>, Tally) {
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
/// keys move), then every buffered run added, the table sized once for all of them.
fn reduce_partition(partials: Vec<Partial>) -> Result<KeyTable, NgramError> {
    let overflow = |e: workload::ngram::MergeOverflow| NgramError::MergeOverflow { ngram: e.ngram };
    let (mut tables, buffers): (Vec<_>, Vec<_>) = partials.into_iter().map(|p| (p.table, p.runs)).unzip();
    let mut tables: Vec<KeyTable> = tables.iter_mut().filter_map(Option::take).collect();
    tables.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut tables = tables.into_iter();
    let mut total = tables.next().unwrap_or_default();
    let runs: usize = buffers.iter().map(RunBuffer::len).sum();
    let key_bytes: usize = buffers.iter().map(RunBuffer::key_bytes).sum();
    total.reserve(runs, key_bytes);
    for table in tables {
        total.merge(table).map_err(overflow)?;
    }
    for buffer in buffers {
        total.absorb(&buffer).map_err(overflow)?;
    }
    Ok(total)
}

/// The reduce: each partition's tables merged into one, partitions in parallel.
fn reduce_phase(workers: &Workers, by_partition: Vec<Vec<Partial>>) -> Result<Vec<KeyTable>, NgramError> {
    let n = by_partition.len();
    let slots: Vec<Mutex<Option<Vec<Partial>>>> =
        by_partition.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let reduced: Vec<Vec<(usize, Result<KeyTable, NgramError>)>> = on_workers(workers, n, |next| {
        let mut done = Vec::new();
        loop {
            let r = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(r) else { break };
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

/// Sums `match_count` per ngram through the five phases; the output carries their timings.
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    engine: &Engine,
) -> Result<NgramOutput<'a>, NgramError> {
    let partitions = engine.partition_count(sources.iter().map(|s| s.data.len()).sum());
    let clock = Instant::now();
    let plan = plan_chunks(sources, options.chunking);
    let split_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let workers = Workers::start(engine)?;
    let mut shipping = None;
    let mapped = if engine.executor == Executor::Processes {
        let (mapped, shipped) = processes::map_phase(engine.workers, sources, &plan, options, partitions)?;
        shipping = Some(shipped);
        mapped
    } else {
        map_phase(&workers, sources, &plan, options, partitions)?
    };
    let map_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let (by_partition, tally) = shuffle(mapped, partitions);
    let shuffle_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let reduced = reduce_phase(&workers, by_partition)?;
    let reduce_s = clock.elapsed().as_secs_f64();

    // No key is in two partitions, so the answer is the partitions themselves: nothing is
    // copied into one big map (which took 1.1-1.5 s for 4,000,000 keys).
    let clock = Instant::now();
    let mut output = NgramOutput::finish_totals(sources, Totals::Partitioned(reduced), tally);
    let collect_s = clock.elapsed().as_secs_f64();
    output.phases = Some(Phases { split_s, map_s, shuffle_s, reduce_s, collect_s, partitions });
    output.shipping = shipping;
    Ok(output)
}

/// The count job through the engine: map = K `count_to(N)` tasks spread over the workers,
/// reduce = their sum.
pub fn count(job: workload::CountJob, engine: &Engine) -> Result<u64, WorkerFailure> {
    if engine.executor == Executor::Processes {
        return Err(WorkerFailure::setup(
            "the engine's process executor runs the ngram job only (the process model counts)",
        ));
    }
    let sums = on_workers(&Workers::start(engine)?, job.tasks, |next| {
        let mut sum = 0u64;
        while next.fetch_add(1, Ordering::Relaxed) < job.tasks {
            sum += workload::count_to(job.to);
        }
        sum
    })?;
    Ok(sums.into_iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use workload::input::InputFile;
    use workload::oracle;

    /// With a buffer of 3 runs, workers fold runs into their own tables all the time, and the
    /// reduce merges tables and buffers: still the oracle's totals.
    #[test]
    fn folding_buffers_into_worker_tables_keeps_the_totals() {
        let keys = ["a", "b", "c", "ångström", "a_NOUN", "B", "d", "e", "f"];
        let rows = (0..2000u64).map(|i| (keys[(i * 7 % 17 % 9) as usize], 1900, i % 100, false));
        let data = oracle::shard_text(rows, true);
        let want = oracle::ngram_totals(&data).unwrap();
        let file = InputFile::from_bytes("t.tsv", data);
        let options = NgramOptions {
            chunking: workload::ngram::Chunking::Bytes(std::num::NonZeroUsize::new(300).unwrap()),
            skip_malformed: false,
        };
        for executor in [Executor::Rayon, Executor::Threads] {
            let output =
                ngram(&[file.source()], &options, &Engine { workers: 2, partitions: 3, executor }).unwrap();
            let got: std::collections::BTreeMap<Vec<u8>, u64> =
                output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
            assert_eq!(got, want);
        }
    }
}
