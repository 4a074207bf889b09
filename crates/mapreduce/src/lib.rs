//! Model: an explicit MapReduce engine. The article's last program maps chunks in a
//! `ProcessPoolExecutor` and then folds every partial dict into one with
//! `functools.reduce(merge_dict, ...)`: a serial reduce whose cost grows with every chunk.
//! Here each phase is its own step, timed on its own (`Phases`):
//!
//! 1. **split**: newline-aligned chunks of the input;
//! 2. **map** (with a combiner): each worker parses chunks and folds runs of equal keys into
//!    R maps, one per partition, choosing the partition by a hash of the key;
//! 3. **shuffle**: partition r's maps from every worker go to reducer r;
//! 4. **reduce**: the R partitions are merged in parallel (no key is in two partitions, so
//!    no reducer waits for another);
//! 5. **collect**: the reduced partitions become the one answer.
//!
//! Executors: a rayon pool (default) or plain std threads; the phases are functions that
//! another executor (child processes, timely) can call.

mod partition;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use workload::ngram::{
    add_total, map_chunk_ref_runs, merge_all, plan_chunks, ChunkRef, Counts, NgramOptions, NgramOutput,
    Phases, Source, Tally,
};
use workload::{panic_message, NgramError, WorkerFailure};

pub use partition::partition_of;

/// Chunk size when none is asked for.
pub const AUTO_CHUNK_BYTES: usize = 4 << 20;

/// Which threads run the phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// A dedicated rayon pool of `workers` threads.
    #[default]
    Rayon,
    /// `std::thread::scope` threads.
    Threads,
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

    fn partition_count(&self) -> usize {
        if self.partitions == 0 {
            4 * self.workers.max(1)
        } else {
            self.partitions
        }
    }
}

/// One worker's map output: a map per partition, and its line counts.
struct Mapped<'a> {
    parts: Vec<Counts<'a>>,
    tally: Tally,
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
            Executor::Rayon => {
                Some(rayon::ThreadPoolBuilder::new().num_threads(count).build().map_err(|e| {
                    WorkerFailure { worker: 0, message: format!("cannot start the rayon pool: {e}") }
                })?)
            }
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
    let failure = |payload: Box<dyn std::any::Any + Send>| WorkerFailure {
        worker: 0,
        message: panic_message(&*payload),
    };
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

/// The map phase: workers claim chunks in order and fold them into per-partition maps. On a
/// bad line a worker stops and flags it; chunks are claimed in order, so the earliest error
/// in the input is among those reported.
fn map_phase<'a>(
    workers: &Workers,
    sources: &[Source<'a>],
    plan: &[ChunkRef],
    options: &NgramOptions,
    partitions: usize,
) -> Result<Vec<Mapped<'a>>, NgramError> {
    let failed = AtomicBool::new(false);
    let results = on_workers(workers, plan.len(), |next| {
        let mut mapped =
            Mapped { parts: (0..partitions).map(|_| Counts::new()).collect(), tally: Tally::default() };
        while !failed.load(Ordering::Relaxed) {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = plan.get(index) else { break };
            let parts = &mut mapped.parts;
            let emitted = map_chunk_ref_runs(sources, chunk, options.skip_malformed, |key, sum| {
                add_total(&mut parts[partition_of(key, partitions)], key, sum)
            });
            match emitted {
                Ok(t) => mapped.tally.absorb(t),
                Err(err) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err((index, err));
                }
            }
        }
        Ok(mapped)
    })?;
    let mut mapped = Vec::with_capacity(results.len());
    let mut first_error: Option<(usize, NgramError)> = None;
    for result in results {
        match result {
            Ok(m) => mapped.push(m),
            Err((index, err)) => {
                if first_error.as_ref().is_none_or(|(first, _)| index < *first) {
                    first_error = Some((index, err));
                }
            }
        }
    }
    match first_error {
        Some((_, err)) => Err(err),
        None => Ok(mapped),
    }
}

/// The shuffle: reducer r gets partition r of every worker's output.
fn shuffle<'a>(mapped: Vec<Mapped<'a>>, partitions: usize) -> (Vec<Vec<Counts<'a>>>, Tally) {
    let mut by_partition: Vec<Vec<Counts<'a>>> =
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

/// The reduce: each partition's maps merged into one, partitions in parallel.
fn reduce_phase<'a>(
    workers: &Workers,
    by_partition: Vec<Vec<Counts<'a>>>,
) -> Result<Vec<Counts<'a>>, NgramError> {
    let n = by_partition.len();
    let slots: Vec<Mutex<Option<Vec<Counts<'a>>>>> =
        by_partition.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let reduced: Vec<Vec<(usize, Result<Counts<'a>, NgramError>)>> = on_workers(workers, n, |next| {
        let mut done = Vec::new();
        loop {
            let r = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(r) else { break };
            let parts = slot.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or_default();
            done.push((r, merge_all(parts)));
        }
        done
    })?;
    let mut out: Vec<Option<Counts<'a>>> = (0..n).map(|_| None).collect();
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
    let partitions = engine.partition_count();
    let clock = Instant::now();
    let plan = plan_chunks(sources, options.chunking, AUTO_CHUNK_BYTES);
    let split_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let workers = Workers::start(engine)?;
    let mapped = map_phase(&workers, sources, &plan, options, partitions)?;
    let map_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let (by_partition, tally) = shuffle(mapped, partitions);
    let shuffle_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let reduced = reduce_phase(&workers, by_partition)?;
    let reduce_s = clock.elapsed().as_secs_f64();

    // No key is in two partitions, so collecting is plain insertion into a map sized once.
    let clock = Instant::now();
    let mut counts = Counts::with_capacity(reduced.iter().map(Counts::len).sum());
    for part in reduced {
        counts.extend(part);
    }
    let collect_s = clock.elapsed().as_secs_f64();

    let mut output = NgramOutput::finish(sources, counts, tally);
    output.phases = Some(Phases { split_s, map_s, shuffle_s, reduce_s, collect_s, partitions });
    Ok(output)
}

/// The count job through the engine: map = K `count_to(N)` tasks spread over the workers,
/// reduce = their sum.
pub fn count(job: workload::CountJob, engine: &Engine) -> Result<u64, WorkerFailure> {
    let sums = on_workers(&Workers::start(engine)?, job.tasks, |next| {
        let mut sum = 0u64;
        while next.fetch_add(1, Ordering::Relaxed) < job.tasks {
            sum += workload::count_to(job.to);
        }
        sum
    })?;
    Ok(sums.into_iter().sum())
}
