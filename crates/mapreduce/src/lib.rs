//! Model: an explicit MapReduce engine. The article's last program maps chunks in a
//! `ProcessPoolExecutor` and then folds every partial dict into one with
//! `functools.reduce(merge_dict, ...)`: a serial reduce whose cost grows with every chunk.
//! The engine runs the partitioned algorithm instead (split, map + combine into R
//! partitions, shuffle, parallel reduce, collect; each phase timed), which is written once in
//! [`workload::ngram::partitioned`] and runs on every model with `--algorithm partitioned`.
//! What this crate adds is where it runs:
//!
//! - executors: a rayon pool (default) or plain std threads (its map phase in child
//!   processes is the process model's partitioned run, `process::ngram_partitioned`, which
//!   `harness ngram --model mapreduce --executor processes` runs);
//! - streams: `.gz` and other streams are cut into chunks by a reader thread while the
//!   workers map ([`ngram_stream`]).
//!
//! `crates/distributed` runs the same job on timely-dataflow with a reduce of its own.

mod stream;

pub use stream::{ngram_stream, Stream};

use std::sync::Mutex;

use workload::ngram::{partitioned, NgramOptions, NgramOutput, Source};
use workload::run::Runner;
use workload::{NgramError, WorkerFailure};

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

    /// R: as asked, or [`partitioned::default_partitions`].
    pub fn partition_count(&self, input_bytes: usize) -> usize {
        match self.partitions {
            0 => partitioned::default_partitions(self.workers, input_bytes),
            r => r,
        }
    }
}

/// The engine's threads for one job: started once and shared by its phases (a rayon pool),
/// or spawned per phase as scoped std threads.
#[derive(Debug)]
pub struct Workers {
    count: usize,
    pool: Option<rayon::ThreadPool>,
}

impl Workers {
    /// The threads `engine` asks for.
    pub fn start(engine: &Engine) -> Result<Workers, WorkerFailure> {
        let count = engine.workers.max(1);
        let pool = match engine.executor {
            Executor::Threads => None,
            Executor::Rayon => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(count)
                    .build()
                    .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?,
            ),
        };
        Ok(Workers { count, pool })
    }
}

/// The engine's executors are models in the contract's sense: each runs a job's worker
/// loop on its threads.
impl Runner for Workers {
    fn workers(&self) -> usize {
        self.count
    }

    /// Scoped threads, or tasks in a scope of the engine's rayon pool.
    fn run_loops<T: Send>(
        &self,
        loops: usize,
        work: &(dyn Fn() -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        let failure = |payload: Box<dyn std::any::Any + Send>| WorkerFailure::panicked(&*payload);
        match &self.pool {
            None => std::thread::scope(|scope| {
                let handles: Vec<_> = (0..loops).map(|_| scope.spawn(work)).collect();
                handles.into_iter().map(|h| h.join().map_err(failure)).collect()
            }),
            Some(pool) => {
                let results = Mutex::new(Vec::with_capacity(loops));
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    pool.scope(|scope| {
                        for _ in 0..loops {
                            scope.spawn(|_| {
                                let out = work();
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
}

/// Sums `match_count` per ngram through the five phases of
/// [`workload::ngram::partitioned`] on the engine's executor; the output carries their
/// timings.
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    engine: &Engine,
) -> Result<NgramOutput<'a>, NgramError> {
    partitioned::ngram(&Workers::start(engine)?, sources, options, engine.partitions)
}

/// The count job through the engine: map = K `count_to(N)` tasks spread over the workers,
/// reduce = their sum.
pub fn count(job: workload::CountJob, engine: &Engine) -> Result<u64, WorkerFailure> {
    workload::run::count_on(&Workers::start(engine)?, job)
}
