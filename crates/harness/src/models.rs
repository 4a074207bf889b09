//! Every model the workspace has, behind one name each: the one registry that the CLI
//! (`--model`, `--model all`), the benches, `harness sweep`, the report (names, order,
//! colours) and the tests iterate. Adding a model crate means adding a variant here and its
//! runner in [`Model::runner`].
//!
//! A run is a job on a runner: [`Model::runner`] gives each in-process model's runner as an
//! object, and the count job and both ngram algorithms are one call each over it. Three runs
//! keep arms of their own, because their tasks do not run as closures on a runner: the
//! process model (tasks that are data, sent to child processes), the timely engine (its own
//! dataflow, possibly across processes) and the engine over `.gz` streams (a reader thread
//! feeding the workers as it decompresses).

use std::fmt;
use std::sync::OnceLock;
use workload::shown::Shown;

use clap::ValueEnum;
use process::{Ship, WorkerCommand};
use workload::ngram::{merge, partitioned, NgramOptions, NgramOutput, Source};
use workload::run::Runner;
use workload::{CountJob, NgramError, WorkerFailure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Model {
    /// One loop on one thread.
    Serial,
    /// std::thread: spawn + join (count), scoped threads (ngram).
    Threads,
    /// Child processes: one-shot children (count), a pool of worker processes (ngram).
    Process,
    /// A rayon thread pool.
    Pool,
    /// A tokio runtime offloading to an executor (run_in_executor).
    Async,
    /// The MapReduce engine: split, map + combine, shuffle into partitions, parallel reduce.
    #[value(name = "mapreduce")]
    MapReduce,
}

/// The two algorithms of the ngram job, each written once in `workload::ngram` and run on
/// every model (`--algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// The article's: map chunks into maps of borrowed keys, merge the maps.
    Merge,
    /// The MapReduce engine's: map + combine into R partitions by key hash, reduce the
    /// partitions in parallel.
    Partitioned,
}

impl Algorithm {
    pub const ALL: &'static [Algorithm] = &[Algorithm::Merge, Algorithm::Partitioned];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Merge => "merge",
            Algorithm::Partitioned => "partitioned",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What runs the mapreduce model (`--executor`): a rayon pool (the pool model's runner) or
/// scoped std threads (the threads model's), or child processes for its map phase (which is
/// the process model's partitioned run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum EngineExecutor {
    #[default]
    Rayon,
    Threads,
    Processes,
}

/// The settings of a run beyond the model and the algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// How the process model's merge run hands chunks to its workers (`--ship`).
    pub ship: Ship,
    /// What runs the mapreduce model (`--executor`).
    pub executor: EngineExecutor,
    /// R for every partitioned run (`--partitions`; 0: the default).
    pub partitions: usize,
    /// Run the mapreduce model's partitioned job on timely-dataflow, as this process's part
    /// of this cluster (`--engine timely` and its options), instead of the native engine.
    pub timely: Option<distributed::Cluster>,
}

static WORKER: OnceLock<WorkerCommand> = OnceLock::new();

/// Sets the program the process model starts as its workers (tests point it at the
/// `harness` binary; the binary itself uses its own path). The first call wins.
pub fn set_worker_command(command: WorkerCommand) {
    let _ = WORKER.set(command);
}

static WORKER_TIMEOUT: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(process::DEFAULT_WORKER_TIMEOUT.as_secs());

/// How long a busy worker process may stay silent (`--worker-timeout`) in runs that follow.
pub fn set_worker_timeout(timeout: std::time::Duration) {
    WORKER_TIMEOUT.store(timeout.as_secs().max(1), std::sync::atomic::Ordering::Relaxed);
}

fn worker_command() -> Result<WorkerCommand, WorkerFailure> {
    let timeout = std::time::Duration::from_secs(WORKER_TIMEOUT.load(std::sync::atomic::Ordering::Relaxed));
    Ok(base_worker_command()?.clone().with_worker_timeout(timeout))
}

fn base_worker_command() -> Result<&'static WorkerCommand, WorkerFailure> {
    if let Some(command) = WORKER.get() {
        return Ok(command);
    }
    let command = WorkerCommand::current_exe()
        .map_err(|e| WorkerFailure::setup(format!("cannot find this executable to start workers: {e}")))?;
    // Only the harness binary serves the worker protocol; re-running anything else (a test
    // binary, a bench) with `__worker` would do something else entirely.
    if command.program.file_stem().is_none_or(|stem| stem != "harness") {
        return Err(WorkerFailure {
            worker: None,
            message: format!(
                "{} cannot serve as a worker process; call harness::models::set_worker_command first",
                command.program.shown()
            ),
        });
    }
    Ok(WORKER.get_or_init(|| command))
}

impl Model {
    /// Every model present, in the order `--model all` runs them (serial first: the reference).
    pub const ALL: &'static [Model] =
        &[Model::Serial, Model::Threads, Model::Process, Model::Pool, Model::Async, Model::MapReduce];

    /// The model's colour on every chart of the report (its Python twin gets a lighter shade).
    pub fn colour(self) -> (u8, u8, u8) {
        match self {
            Model::Serial => (110, 110, 110),
            Model::Threads => (31, 119, 180),
            Model::Process => (230, 126, 34),
            Model::Pool => (44, 160, 44),
            Model::Async => (148, 103, 189),
            Model::MapReduce => (214, 39, 40),
        }
    }

    /// The model called `name`, if there is one.
    pub fn named(name: &str) -> Option<Model> {
        Model::ALL.iter().copied().find(|m| m.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Model::Serial => "serial",
            Model::Threads => "threads",
            Model::Process => "process",
            Model::Pool => "pool",
            Model::Async => "async",
            Model::MapReduce => "mapreduce",
        }
    }

    /// How many workers the model really uses when asked for `workers`.
    pub fn effective_workers(self, workers: usize) -> usize {
        match self {
            Model::Serial => 1,
            Model::Threads | Model::Process | Model::Pool | Model::Async | Model::MapReduce => workers,
        }
    }

    /// The model's runner on `workers` workers, as an object: every model whose tasks run as
    /// closures in this process. `None` for runs in child processes (the process model, and
    /// the engine with `--executor processes`), whose tasks are data.
    pub fn runner(
        self,
        workers: usize,
        settings: &Settings,
    ) -> Result<Option<Box<dyn Runner>>, WorkerFailure> {
        Ok(Some(match self {
            Model::Serial => Box::new(serial::Serial),
            Model::Threads => Box::new(threads::Threads::new(workers)),
            Model::Pool => Box::new(pool::RayonPool::new(workers)?),
            Model::Async => Box::new(async_pool::EventLoop::new(workers)?),
            Model::MapReduce => match settings.executor {
                EngineExecutor::Rayon => Box::new(pool::RayonPool::new(workers)?),
                EngineExecutor::Threads => Box::new(threads::Threads::new(workers)),
                EngineExecutor::Processes => return Ok(None),
            },
            Model::Process => return Ok(None),
        }))
    }

    /// The count job on `workers` workers: one call over the model's runner; the process
    /// model's count runs in one-shot children (the article's `Process` listing).
    pub fn count(self, job: CountJob, workers: usize) -> Result<u64, WorkerFailure> {
        match self.runner(workers, &Settings::default())? {
            Some(runner) => job.run_on(&*runner),
            None => process::count(job, workers, &worker_command()?),
        }
    }

    /// The algorithm `--model M` runs when `--algorithm` is not given: the engine's own for
    /// `mapreduce`, the article's for the others.
    pub fn default_algorithm(self) -> Algorithm {
        match self {
            Model::MapReduce => Algorithm::Partitioned,
            _ => Algorithm::Merge,
        }
    }

    /// The ngram job with the model's default algorithm.
    pub fn ngram<'a>(
        self,
        sources: &[Source<'a>],
        options: &NgramOptions,
        workers: usize,
    ) -> Result<NgramOutput<'a>, NgramError> {
        self.ngram_with(self.default_algorithm(), sources, options, workers, &Settings::default())
    }

    /// The ngram job with `algorithm` and `settings`: one call over the model's runner, but
    /// for the runs with arms of their own (see the module's doc).
    pub fn ngram_with<'a>(
        self,
        algorithm: Algorithm,
        sources: &[Source<'a>],
        options: &NgramOptions,
        workers: usize,
        settings: &Settings,
    ) -> Result<NgramOutput<'a>, NgramError> {
        let r = settings.partitions;
        // On timely: only process 0 of a cluster holds the totals (`output.cluster` says).
        if let (Some(cluster), Model::MapReduce, Algorithm::Partitioned) = (&settings.timely, self, algorithm)
        {
            return distributed::ngram(sources, options, cluster);
        }
        let Some(runner) = self.runner(workers, settings)? else {
            // Child processes: the merge run ships chunks to a pool of workers; the
            // partitioned run sends each worker its share of the map phase and reduces here,
            // on this process's threads.
            let command = worker_command()?;
            return match algorithm {
                Algorithm::Merge => process::ngram(sources, options, workers, &command, settings.ship),
                Algorithm::Partitioned => {
                    let reduce_on = threads::Threads::new(workers);
                    process::ngram_partitioned(sources, options, workers, &command, r, &reduce_on)
                }
            };
        };
        match algorithm {
            Algorithm::Merge => merge::ngram(&*runner, sources, options),
            Algorithm::Partitioned => partitioned::ngram(&*runner, sources, options, r),
        }
    }
}

impl Model {
    /// Whether this run reads `.gz` input as a stream, decompressing while it maps, rather
    /// than from bytes decompressed beforehand: only the engine's own partitioned run on its
    /// own executors does (timely and the process workers open the files themselves).
    pub fn streams_gzip(self, algorithm: Algorithm, settings: &Settings) -> bool {
        self == Model::MapReduce
            && algorithm == Algorithm::Partitioned
            && settings.timely.is_none()
            && settings.executor != EngineExecutor::Processes
    }

    /// The ngram job over streams (`.gz` files), for a run that [`Model::streams_gzip`].
    pub fn ngram_streams(
        self,
        algorithm: Algorithm,
        streams: Vec<mapreduce::Stream>,
        options: &NgramOptions,
        workers: usize,
        settings: &Settings,
    ) -> Result<NgramOutput<'static>, NgramError> {
        let runner = match self.runner(workers, settings)? {
            Some(runner) if self.streams_gzip(algorithm, settings) => runner,
            _ => return Err(WorkerFailure::setup(format!("{self}/{algorithm} does not read streams")).into()),
        };
        mapreduce::ngram_stream(streams, options, &*runner, settings.partitions)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `--model`: one model, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    One(Model),
    All,
}

impl ModelChoice {
    pub fn models(self) -> Vec<Model> {
        match self {
            ModelChoice::One(m) => vec![m],
            ModelChoice::All => Model::ALL.to_vec(),
        }
    }
}

/// `--model`'s help: every model of the registry, or `all`.
pub fn model_help() -> String {
    let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
    format!("{}, or all (runs each and checks they agree)", names.join(", "))
}

pub fn parse_model_choice(text: &str) -> Result<ModelChoice, String> {
    if text == "all" {
        return Ok(ModelChoice::All);
    }
    if let Ok(model) = Model::from_str(text, false) {
        return Ok(ModelChoice::One(model));
    }
    let present: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
    Err(format!("unknown model '{text}'; available: {}, all", present.join(", ")))
}
