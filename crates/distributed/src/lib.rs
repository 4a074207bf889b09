//! Model: the MapReduce job beyond one machine, on timely-dataflow. The article points at
//! Hadoop and Spark for data that outgrows one computer; timely is the light, pure-Rust
//! version of that idea: the same program runs as one process or as many (on one host or
//! several), started with the options timely itself takes (`-w` workers per process, `-n`
//! processes, `-p` this process, `-h` a hostfile of `host:port` lines).
//!
//! The dataflow, per worker (W workers in each of N processes, `peers = W * N`), the native
//! engine's algorithm with timely's exchange as the shuffle:
//!
//! 1. **map + combine**: chunk i of the newline-aligned chunk plan belongs to worker
//!    `i % peers`; each process reads its own workers' byte ranges of the shared file (with
//!    `pread`, as the engine does), and each worker folds runs of equal keys into R
//!    partitions by key hash (`partitioned::combine`: runs buffered, keys copied);
//! 2. **exchange**: partition p's runs go to the worker that reduces it as one record
//!    (timely's `Exchange` pact; records crossing processes go over TCP): R records a worker,
//!    not one per (ngram, count). [`Reduce::Spread`] (the default): worker `p % peers`, in
//!    whichever process; [`Reduce::Others`]: the same over the workers of processes 1 to
//!    N-1; [`Reduce::Gathered`]: worker `p % W` of process 0, so each run
//!    crosses at most once and process 0 holds every total (an exchange among all workers
//!    and then a gather of the totals sent most of them twice: 2 processes x 1 worker, full
//!    default shard, 0.83-0.87 s with 53 MB of runs exchanged and the totals gathered after);
//! 3. **reduce**: each worker reduces the partitions it receives (`reduce_partition`, the
//!    engine's) when its input is complete (the frontier is empty);
//! 4. **answer** (spread): each process's workers leave their tables in one place, and the
//!    last to arrive works out the process's share of the answer (distinct, total, top, the
//!    probe words), writes its part of `--output` ([`parts`]) and sends the share alone to
//!    worker 0: kilobytes, where the gathered design sends process 0 every run the others
//!    mapped. On `scripts/cluster.sh`'s 1 Gbit/s links (3 processes, full default shard) that
//!    was 24 MB into process 0 (its own partitions' runs) against 71 MB gathered.
//!
//! Before the exchange worked on partitions it sent every (ngram, count) pair as its own
//! record and gathered every total on worker 0 one by one: on the full default shard (2 vCPU
//! AMD EPYC) 1 process x 2 workers took 1.9-2.0 s against the native engine's 0.57 s.
//!
//! Line counts, skipped lines and bad lines travel beside the data and are broadcast, so a
//! bad line fails every process with the same `FILE:LINE` message. A process that dies takes
//! the others down within moments (timely's network threads panic on a lost connection);
//! one that never connects is reported after [`Cluster::connect_timeout`].

mod answer;
mod fingerprint;
mod hostfile;
mod liveness;
pub mod parts;
mod traffic;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use workload::shown::Shown;

use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::{Exchange as _, Inspect, Operator, Probe};
use timely::dataflow::{InputHandleVec, ProbeHandle};

use answer::{answer_for_process, spread_answer, Deposit, ProcessAnswer};
use liveness::Liveness;
use workload::chunk::{line_at, line_number_at};
use workload::input::InputFile;
use workload::ngram::partitioned::{combine, default_partitions, presize, reduce_partition, Mapped, Partial};
use workload::ngram::{
    key_hash, map_chunk_read_runs, map_chunk_ref_runs, parse_line, plan_chunks, ClusterPart, KeyTable,
    NgramOptions, NgramOutput, Phases, RunBuffer, Shipping, SkippedLine, Source, Totals,
};
use workload::{FirstFailure, NgramError, WorkerFailure};

/// Where this process stands in the computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Worker threads in each process (`-w`).
    pub workers: usize,
    /// Processes in all (`-n`).
    pub processes: usize,
    /// This process, `0..processes` (`-p`).
    pub process: usize,
    /// `host:port` per process, in process order (`-h`); without one, timely uses
    /// localhost with ports from 2101.
    pub hostfile: Option<PathBuf>,
    /// How long to wait for every process to connect.
    pub connect_timeout: Duration,
    /// Every process reads only its own files (each process was given different ones),
    /// instead of its share of byte ranges of files all of them were given.
    pub own_files: bool,
    /// How long a process may send nothing, not even its heartbeat, before the others take
    /// it for stopped or frozen and fail (with more than one process).
    pub worker_timeout: Duration,
    /// Where the partitions are reduced.
    pub reduce: Reduce,
}

/// Where the partitions are reduced, and so what crosses to process 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reduce {
    /// Every partition on process 0's workers, which then hold the whole answer: each run
    /// crosses to process 0 (the design the README's projection finds slower on more
    /// machines over a slow network).
    #[default]
    Gathered,
    /// Each partition by the worker that owns it (partition p by worker p % peers, in
    /// whichever process); only what the answer needs crosses to process 0, besides the
    /// runs of its own partitions. Every link carries (N-1)/N^2 of the runs.
    Spread(Wanted),
    /// As `Spread`, over the other processes' workers only: process 0 maps its share and
    /// reduces nothing, as a Spark driver, so only the answer crosses to it; each other
    /// process's link then carries 1/N of the runs (with 2 processes, what gathered sends
    /// process 0, sent to process 1 instead). One process: as `Spread`.
    Others(Wanted),
}

/// What a spread reduce's answer must hold, since the totals stay where they were reduced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// How many of the top totals.
    pub top: usize,
    /// The probe words.
    pub words: Vec<Vec<u8>>,
    /// `--output`: each process writes its part of it and process 0 the manifest
    /// ([`parts`]).
    pub output: Option<PathBuf>,
}

impl Reduce {
    pub fn name(&self) -> &'static str {
        match self {
            Reduce::Gathered => "gathered",
            Reduce::Spread(_) => "spread",
            Reduce::Others(_) => "others",
        }
    }

    /// What the answer must hold, where the totals stay with the processes that reduced
    /// them (`None`: gathered, process 0 holds them all).
    pub fn wanted(&self) -> Option<&Wanted> {
        match self {
            Reduce::Gathered => None,
            Reduce::Spread(wanted) | Reduce::Others(wanted) => Some(wanted),
        }
    }

    /// The worker (of `workers` per process, `processes` in all) that reduces `partition`.
    fn reducer(&self, partition: u64, workers: usize, processes: usize) -> u64 {
        let (w, peers) = (workers as u64, (workers * processes) as u64);
        match self {
            Reduce::Gathered => partition % w,
            Reduce::Others(_) if processes > 1 => w + partition % (peers - w),
            Reduce::Spread(_) | Reduce::Others(_) => partition % peers,
        }
    }
}

impl Cluster {
    /// One process with `workers` threads.
    pub fn local(workers: usize) -> Cluster {
        Cluster {
            workers,
            processes: 1,
            process: 0,
            hostfile: None,
            connect_timeout: Duration::from_secs(30),
            own_files: false,
            worker_timeout: workload::run::DEFAULT_WORKER_TIMEOUT,
            reduce: Reduce::Gathered,
        }
    }

    /// Every process's address: the hostfile's (checked, see [`hostfile`]), or localhost
    /// from port 2101 as timely's own default.
    fn addresses(&self) -> Result<Vec<String>, String> {
        match &self.hostfile {
            Some(path) => hostfile::addresses(path, self.processes),
            None => Ok((0..self.processes).map(|i| format!("localhost:{}", 2101 + i)).collect()),
        }
    }

    /// timely's configuration for this cluster.
    fn timely_config(&self, addresses: &[String]) -> timely::Config {
        let threads = self.workers.max(1);
        let communication = if self.processes > 1 {
            timely::CommunicationConfig::Cluster {
                threads,
                process: self.process,
                addresses: addresses.to_vec(),
                report: false,
                zerocopy: false,
                log_fn: traffic::counting(),
            }
        } else if threads > 1 {
            timely::CommunicationConfig::Process(threads)
        } else {
            timely::CommunicationConfig::Thread
        };
        timely::Config { communication, worker: timely::WorkerConfig::default() }
    }
}

/// Side records, broadcast to every worker: (kind, text, a, b).
pub(crate) type Meta = (u8, Vec<u8>, u64, u64);

const TALLY: u8 = 0; // a = lines, b = skipped
const FAULT: u8 = 1; // text = `line_note` + message, a = order in the input, b = line number
const SKIPPED: u8 = 2; // text = `line_note`, a and b as for FAULT
const EXCHANGED: u8 = 3; // a = records, b = bytes
const BYTES: u8 = 4; // a = bytes of input read by this process (own files)
pub(crate) const INPUT: u8 = 5; // text = `describe_input`, a = process, b = 1 with own files

/// A bad or skipped line as it travels to the other processes: the file's name, then the
/// line itself (any process can parse it again to say exactly what is wrong with it).
fn line_note(file: &str, line: &[u8]) -> Vec<u8> {
    let line = &line[..line.len().min(64 << 10)];
    let mut note = (file.len() as u32).to_le_bytes().to_vec();
    note.extend_from_slice(file.as_bytes());
    note.extend_from_slice(&(line.len() as u32).to_le_bytes());
    note.extend_from_slice(line);
    note
}

/// `line_note`'s file name and line, and whatever follows the note.
fn read_note(note: &[u8]) -> Option<(String, &[u8], &[u8])> {
    let field = |at: usize| -> Option<(&[u8], usize)> {
        let len = u32::from_le_bytes(note.get(at..at + 4)?.try_into().ok()?) as usize;
        Some((note.get(at + 4..at + 4 + len)?, at + 4 + len))
    };
    let (name, next) = field(0)?;
    let (line, end) = field(next)?;
    Some((String::from_utf8_lossy(name).into_owned(), line, &note[end..]))
}

/// A total too big for u64 ends the run: the panic's message is what the process reports.
fn overflow(message: &str) -> ! {
    panic!("{message}")
}

/// What each worker hands back.
#[derive(Default)]
struct WorkerResult {
    /// The partitions this worker reduced, by partition number (process 0's workers only).
    partitions: Vec<(u64, KeyTable)>,
    /// Seconds this worker took to map its chunks, and from then to the end.
    map_s: f64,
    rest_s: f64,
    meta: Vec<Meta>,
    /// Every process's answer (spread reduce; worker 0 of process 0 only).
    answers: Vec<ProcessAnswer>,
    /// When this worker knew every process was there (the job's start).
    ready: Option<std::time::Instant>,
    /// Why this process's part of `--output` could not be written.
    part_failed: Option<String>,
}

/// The first panic message seen while a run is on (timely's network threads announce a lost
/// peer by panicking): reported as the reason, instead of a screen of panic output.
static FIRST_PANIC: Mutex<Option<String>> = Mutex::new(None);
static QUIET_PANICS: AtomicBool = AtomicBool::new(false);

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET_PANICS.load(Ordering::Relaxed) {
                let message = info.payload_as_str().unwrap_or("a panic").to_string();
                FIRST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(message);
            } else {
                previous(info);
            }
        }));
    });
}

/// While alive, file descriptor 1 (stdout) points at stderr (Unix; elsewhere nothing).
struct StdoutToStderr {
    #[cfg(unix)]
    saved: Option<i32>,
}

#[cfg(unix)]
extern "C" {
    fn dup(fd: i32) -> i32;
    fn dup2(from: i32, to: i32) -> i32;
    fn close(fd: i32) -> i32;
}

impl StdoutToStderr {
    fn start() -> StdoutToStderr {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        #[cfg(unix)]
        {
            // SAFETY: plain POSIX calls on the process's own standard descriptors; a failed
            // call leaves stdout where it was.
            let saved = unsafe { dup(1) };
            if saved >= 0 && unsafe { dup2(2, 1) } >= 0 {
                return StdoutToStderr { saved: Some(saved) };
            }
            if saved >= 0 {
                unsafe { close(saved) };
            }
            StdoutToStderr { saved: None }
        }
        #[cfg(not(unix))]
        StdoutToStderr {}
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            // SAFETY: as above; `saved` is the descriptor `start` duplicated.
            unsafe {
                dup2(saved, 1);
                close(saved);
            }
        }
    }
}

/// Sums `match_count` per ngram over `sources` on a timely cluster (this process's part of
/// it): the same output as every model, with [`ClusterPart`] saying where this process stands.
/// Only process 0 holds the totals; the others return the tallies and empty totals.
///
/// timely's workers outlive any borrow (they are `'static`), so this process opens its files
/// again by path, as the process model's workers do, and checks that they are the files the
/// caller read (`Source::identity`). A source with no path (a pipe, standard input) cannot be
/// opened again, and is refused.
pub fn ngram(
    sources: &[Source<'_>],
    options: &NgramOptions,
    cluster: &Cluster,
) -> Result<NgramOutput<'static>, NgramError> {
    let inputs: Arc<Vec<InputFile>> = Arc::new(sources.iter().map(reopen).collect::<Result<_, _>>()?);
    let files = Arc::clone(&inputs);
    let options = *options;
    let workers_per_process = cluster.workers.max(1);
    let own_files = cluster.own_files;
    let process = cluster.process;
    let stop_here = std::env::var("DISTRIBUTED_STOP_PROCESS").is_ok_and(|p| p == process.to_string());
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let reduce = cluster.reduce.clone();
    // A test hook: this process dies once its runs are on their way, in the exchange.
    let crash_in_exchange =
        std::env::var("DISTRIBUTED_CRASH_IN_EXCHANGE").is_ok_and(|p| p == process.to_string());
    let processes = cluster.processes.max(1);
    let deposit = Arc::new(Mutex::new(Deposit::default()));

    install_panic_hook();
    traffic::reset();
    *FIRST_PANIC.lock().unwrap_or_else(|p| p.into_inner()) = None;
    QUIET_PANICS.store(true, Ordering::Relaxed);
    let addresses = cluster.addresses().map_err(WorkerFailure::setup)?;
    let config = cluster.timely_config(&addresses);
    let watch = (cluster.processes > 1).then_some((addresses, cluster.worker_timeout));
    // The run's end, or a worker's report that a process went silent (which ends the wait
    // at once: timely would wait for that process forever).
    let (events_tx, events) = mpsc::channel::<Event>();
    let silent_tx = Mutex::new(events_tx.clone());
    let quiet = StdoutToStderr::start();
    let run = std::thread::Builder::new()
        .name("timely-main".into())
        .spawn(move || {
            let joined = timely::execute(config, move |worker| {
                let _ = started_tx.lock().unwrap_or_else(|p| p.into_inner()).send(());
                // Another test hook: this process stops itself (SIGSTOP) once connected, before
                // its workers do anything, as `kill -STOP` or a frozen host would; the others
                // must notice within the worker timeout. (Stopped from the main thread instead,
                // a fast enough run could finish first.)
                if stop_here {
                    eprintln!("process {process}: stopping on purpose (DISTRIBUTED_STOP_PROCESS)");
                    let _ = std::process::Command::new("kill")
                        .args(["-STOP", &std::process::id().to_string()])
                        .status();
                }
                let liveness = watch.clone().map(|(addresses, timeout)| {
                    Liveness::new(worker.index() / workers_per_process, addresses, timeout)
                });
                let report = |why: String| {
                    let _ = silent_tx.lock().unwrap_or_else(|p| p.into_inner()).send(Event::Failed(why));
                };
                let job = Job {
                    inputs: &inputs,
                    options: &options,
                    workers_per_process,
                    own_files,
                    reduce: &reduce,
                    processes,
                    crash_in_exchange,
                };
                run_worker(worker, &job, &deposit, liveness, &report)
            })
            .map(|guards| guards.join());
            let _ = events_tx.send(Event::Finished(joined));
        })
        .map_err(|e| WorkerFailure::setup(format!("cannot start timely: {e}")))?;

    // Connecting waits for every process; a missing one must not hang us forever. timely
    // reports its connection attempts with println!: they go to stderr meanwhile, so stdout
    // keeps only results. A panic in timely's own threads while connecting (its network threads fail this way
    // when the processes disagree on --workers) ends the wait at once: this process's workers
    // would never start, and it would otherwise say only that the others did not connect.
    let clock = std::time::Instant::now();
    let lost = || FIRST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let connected = loop {
        let left = cluster.connect_timeout.saturating_sub(clock.elapsed());
        match started_rx.recv_timeout(left.min(std::time::Duration::from_millis(50))) {
            Err(mpsc::RecvTimeoutError::Timeout) if !left.is_zero() && lost().is_none() => continue,
            got => break got,
        }
    };
    let connected_s = clock.elapsed().as_secs_f64();
    if connected.is_err() && !run.is_finished() {
        // timely goes on retrying (and printing) in its thread until the process exits:
        // stdout stays on stderr, so that nothing but results ever reaches it.
        std::mem::forget(quiet);
    } else {
        drop(quiet);
    }
    // A lost peer shows up as timely's network threads panicking ("timely communication
    // error") and then as poisoned queues in the workers: say it in those words.
    let explain = |worker: usize, why: String| {
        let why = if why.contains("timely communication error") || why.contains("poisoned") {
            format!("lost the connection to another process ({why}); that process's own message says why")
        } else if why.contains("index out of bounds") || why.contains("attempt to subtract with overflow") {
            // timely's own failure when processes disagree on threads per process (an index
            // past its end; in a debug build, sometimes an overflow first).
            format!(
                "{why}; timely fails this way when the processes were started with different --workers: \
                 give every process the same --workers"
            )
        } else {
            why
        };
        NgramError::from(WorkerFailure::of(worker, format!("process {}: {why}", cluster.process)))
    };
    // A test hook: this process dies right after connecting, as a crashed host would.
    if std::env::var("DISTRIBUTED_CRASH_PROCESS").is_ok_and(|p| p == cluster.process.to_string()) {
        eprintln!("process {}: crashing on purpose (DISTRIBUTED_CRASH_PROCESS)", cluster.process);
        std::process::abort();
    }
    let first_worker = cluster.process * workers_per_process;
    if connected.is_err() && !run.is_finished() {
        QUIET_PANICS.store(false, Ordering::Relaxed);
        if let Some(why) = lost() {
            return Err(explain(first_worker, why));
        }
        return Err(WorkerFailure {
            worker: None,
            message: format!(
                "process {} of {}: the other processes did not all connect within {} s{}",
                cluster.process,
                cluster.processes,
                cluster.connect_timeout.as_secs(),
                cluster.hostfile.as_ref().map(|h| format!(" (hostfile {})", h.shown())).unwrap_or_default()
            ),
        }
        .into());
    }
    let joined = match events.recv() {
        Ok(Event::Finished(joined)) => {
            let _ = run.join();
            Ok(joined)
        }
        Ok(Event::Failed(why)) => {
            // timely's threads may stay blocked on another process until this one exits.
            QUIET_PANICS.store(false, Ordering::Relaxed);
            return Err(WorkerFailure::setup(why).into());
        }
        Err(_) => Err(()),
    };
    QUIET_PANICS.store(false, Ordering::Relaxed);
    let results = match joined {
        Ok(Ok(results)) => results,
        Ok(Err(message)) => return Err(explain(first_worker, format!("timely: {message}"))),
        Err(_) => return Err(explain(first_worker, lost().unwrap_or_else(|| "timely panicked".into()))),
    };
    // The job starts once every process has connected and said what it was given: a process
    // whose own connections were made may wait there for two others still connecting to each
    // other (timely retries a refused connection a second later).
    let ready = results.iter().filter_map(|r| r.as_ref().ok()?.ready).min();
    let connect_s = ready.map_or(connected_s, |at| at.duration_since(clock).as_secs_f64());
    let mut outcomes = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Ok(outcome) => outcomes.push(outcome),
            Err(message) => return Err(explain(first_worker + index, lost().unwrap_or(message))),
        }
    }
    let mut output = summarise(outcomes, &files, cluster)?;
    if let Some(part) = output.cluster.as_mut() {
        part.connect_s = connect_s;
        (part.sent_bytes, part.received_bytes) = traffic::bytes();
    }
    Ok(output)
}

/// What every worker of a run is given.
struct Job<'a> {
    inputs: &'a [InputFile],
    options: &'a NgramOptions,
    workers_per_process: usize,
    own_files: bool,
    reduce: &'a Reduce,
    processes: usize,
    crash_in_exchange: bool,
}

/// R: the partitions every worker cuts its runs into (see `run_worker`).
fn cluster_partitions(files: &[InputFile], cluster: &Cluster) -> usize {
    let peers = cluster.workers.max(1) * cluster.processes.max(1);
    if cluster.own_files {
        default_partitions(peers, 2 << 30)
    } else {
        default_partitions(peers, files.iter().map(|f| f.bytes().len()).sum())
    }
}

/// `source`'s file, opened again by this process (see [`ngram`]).
fn reopen(source: &Source<'_>) -> Result<InputFile, NgramError> {
    let Some(path) = source.path else {
        return Err(WorkerFailure::setup(format!(
            "{}: the timely engine opens its input by path in every process, and this is not a file \
             (a pipe or standard input); save it to a file first",
            source.name
        ))
        .into());
    };
    let file = InputFile::open(path)?;
    file.is_the_file(source.identity).map_err(WorkerFailure::setup)?;
    Ok(file)
}

/// What the thread running timely tells [`ngram`].
enum Event {
    /// Every worker of this process returned (or timely could not start).
    Finished(Result<Vec<Result<WorkerResult, String>>, String>),
    /// A worker found the run cannot go on: some process was silent for the worker timeout,
    /// or the processes were not given the same input and options.
    Failed(String),
}

/// Puts the workers' results together (every worker saw every side record; take the first).
fn summarise(
    mut outcomes: Vec<WorkerResult>,
    files: &[InputFile],
    cluster: &Cluster,
) -> Result<NgramOutput<'static>, NgramError> {
    // Process 0's workers hold every reduced partition between them: sorted by number, they
    // are the answer's partitions (a key's partition is found by its hash).
    let mut partitions: Vec<(u64, KeyTable)> =
        outcomes.iter_mut().flat_map(|o| std::mem::take(&mut o.partitions)).collect();
    partitions.sort_by_key(|(p, _)| *p);
    if let Some(why) = outcomes.iter().find_map(|o| o.part_failed.clone()) {
        return Err(WorkerFailure {
            worker: None,
            message: format!("process {} could not write its part: {why}", cluster.process),
        }
        .into());
    }
    let answers: Vec<ProcessAnswer> =
        outcomes.iter_mut().flat_map(|o| std::mem::take(&mut o.answers)).collect();
    let answer_bytes = answers
        .iter()
        .filter(|a| a.process != 0)
        .map(|a| serde_json::to_vec(a).map_or(0, |json| json.len() as u64))
        .sum();
    let map_s = outcomes.iter().map(|o| o.map_s).fold(0.0, f64::max);
    let rest_s = outcomes.iter().map(|o| o.rest_s).fold(0.0, f64::max);
    let meta = outcomes.into_iter().next().map(|o| o.meta).unwrap_or_default();
    let sum = |kind: u8, pick: fn(&Meta) -> u64| meta.iter().filter(|m| m.0 == kind).map(pick).sum::<u64>();
    let bytes = if cluster.own_files {
        sum(BYTES, |m| m.2)
    } else {
        files.iter().map(|f| f.bytes().len() as u64).sum()
    };
    // The earliest bad line (order: place in the chunk plan, then process), named as every
    // model names it; a line that parses (an overflowing total) keeps the finder's message.
    let first = |kind: u8| {
        let earliest = FirstFailure::new();
        meta.iter().filter(|m| m.0 == kind).for_each(|m| earliest.record(m.2 as usize, m));
        earliest.into_error()
    };
    if let Some(fault) = first(FAULT) {
        return Err(match read_note(&fault.1) {
            Some((file, line, message)) => match parse_line(line) {
                Err(kind) => NgramError::Line { file, line: fault.3, kind },
                Ok(_) => NgramError::Worker(WorkerFailure {
                    worker: None,
                    message: String::from_utf8_lossy(message).into_owned(),
                }),
            },
            None => NgramError::Worker(WorkerFailure {
                worker: None,
                message: "a bad line (unreadable note)".into(),
            }),
        });
    }
    let holds_answer = cluster.process == 0;
    // Every partition number from 0 to R - 1 (the partitions no key went to were never
    // sent: they are empty).
    let count = partitions.last().map_or(0, |(p, _)| *p as usize + 1);
    let mut tables: Vec<KeyTable> = (0..count).map(|_| KeyTable::new()).collect();
    let held = partitions.len();
    for (p, table) in partitions {
        tables[p as usize] = table;
    }
    let r = cluster_partitions(files, cluster);
    tables.resize_with(r.max(count), KeyTable::new);
    let totals = match &cluster.reduce {
        _ if !holds_answer => Totals::Partitioned(Vec::new()),
        reduce => match reduce.wanted() {
            Some(wanted) => Totals::Spread(spread_answer(answers, wanted, cluster)?),
            None => Totals::Partitioned(tables),
        },
    };
    Ok(NgramOutput {
        totals,
        lines: sum(TALLY, |m| m.2),
        bytes,
        skipped: sum(TALLY, |m| m.3),
        first_skipped: first(SKIPPED).and_then(|m| {
            let (file, line, _) = read_note(&m.1)?;
            Some(SkippedLine { file, line: m.3, kind: parse_line(line).err()? })
        }),
        shipping: Some(Shipping {
            mode: "exchange",
            bytes_to_workers: sum(EXCHANGED, |m| m.3),
            ..Shipping::default()
        }),
        phases: Some(Phases {
            map_s,
            // The exchange, the reduce and the gather, until the last worker is done.
            reduce_s: rest_s,
            partitions: held.max(r),
            ..Phases::default()
        }),
        cluster: Some(ClusterPart {
            process: cluster.process,
            processes: cluster.processes,
            holds_answer,
            connect_s: 0.0,
            exchanged_records: sum(EXCHANGED, |m| m.2),
            reduce: cluster.reduce.name(),
            sent_bytes: 0,
            received_bytes: 0,
            answer_bytes,
        }),
        reruns: Vec::new(),
    })
}

/// The byte offset where 1-based line `line` starts.
fn offset_of_line(data: &[u8], line: u64) -> usize {
    if line <= 1 {
        return 0;
    }
    data.iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(line as usize - 2)
        .map_or(data.len(), |(i, _)| i + 1)
}

/// One worker: map its chunks, feed the dataflow, step it to the end.
fn run_worker<A: timely::communication::Allocate>(
    worker: &mut timely::worker::Worker<A>,
    job: &Job<'_>,
    deposit: &Mutex<Deposit>,
    mut liveness: Option<Liveness>,
    report: &dyn Fn(String),
) -> WorkerResult {
    let Job { inputs, options, workers_per_process, own_files, reduce, processes, crash_in_exchange } = *job;
    let index = worker.index();
    let peers = worker.peers();
    let my_process = index / workers_per_process;
    let mut beats_in: InputHandleVec<u64, u64> = InputHandleVec::new();
    let watching = liveness.is_some();

    // What crosses the exchange: one partition's pre-combined runs, (partition, runs).
    let mut runs_in: InputHandleVec<u64, (u64, RunBuffer)> = InputHandleVec::new();
    let mut meta_in: InputHandleVec<u64, Meta> = InputHandleVec::new();
    let probe = ProbeHandle::new();
    let held: Rc<RefCell<Vec<(u64, KeyTable)>>> = Rc::new(RefCell::new(Vec::new()));
    let meta_seen: Rc<RefCell<Vec<Meta>>> = Rc::new(RefCell::new(Vec::new()));
    // Spread reduce: each process's answer, to worker 0 (of process 0) alone.
    let mut answers_in: InputHandleVec<u64, ProcessAnswer> = InputHandleVec::new();
    let answers_seen: Rc<RefCell<Vec<ProcessAnswer>>> = Rc::new(RefCell::new(Vec::new()));
    let answers_probe = ProbeHandle::new();
    // Who reduces partition p (`Reduce::reducer`).
    let route = reduce.clone();
    let processes_in_all = peers / workers_per_process;
    let reducer = move |p: u64| route.reducer(p, workers_per_process, processes_in_all);
    let route_runs = reducer.clone();

    worker.dataflow::<u64, _, _>(|scope| {
        let mine = Rc::clone(&held);
        runs_in
            .to_stream(scope)
            // Nothing comes out: the reduced partitions stay with the worker. The operator
            // holds a capability until it has reduced, so the probe after it says when.
            .unary_frontier::<timely::container::CapacityContainerBuilder<Vec<()>>, _, _, _>(
                // Partition p goes to its reducer (timely's exchange sends a record to the
                // worker its value names). Gathered: the answer is in process 0 then, each
                // run crossing between processes at most once and no reduced total crossing
                // again. Spread and others: a run crosses to the process that owns its
                // partition, and only the answer to process 0.
                Exchange::new(move |record: &(u64, RunBuffer)| route_runs(record.0)),
                "Reduce",
                |_capability, _info| {
                    // This worker's partitions: every worker's runs for each, reduced with the
                    // same code as every partitioned run, once all have arrived.
                    let mut partitions: std::collections::BTreeMap<u64, Vec<Partial>> = Default::default();
                    let mut held_time = None;
                    move |(input, frontier), output| {
                        input.for_each_time(|time, data| {
                            if held_time.is_none() {
                                held_time = Some(time.retain(output.output_index()));
                            }
                            for batch in data {
                                for (partition, runs) in batch.drain(..) {
                                    partitions.entry(partition).or_default().push(Partial { runs, table: None });
                                }
                            }
                        });
                        // Input complete (the frontier has passed the time): reduce, and keep
                        // the tables here (the answer's partitions).
                        if held_time.as_ref().is_some_and(|c| !frontier.less_equal(c.time())) {
                            held_time = None;
                            for (partition, partials) in std::mem::take(&mut partitions) {
                                let table = reduce_partition(partials).unwrap_or_else(|err| overflow(&err.to_string()));
                                mine.borrow_mut().push((partition, table));
                            }
                        }
                    }
                },
            )
            .probe_with(&probe);
        if let Some(live) = &liveness {
            // Heartbeats: not probed, so they never hold the job's frontier back.
            let heard = Rc::clone(&live.last_heard);
            beats_in.to_stream(scope).broadcast().inspect(move |process: &u64| {
                if let Some(at) = heard.borrow_mut().get_mut(*process as usize) {
                    *at = std::time::Instant::now();
                }
            });
        }
        let seen = Rc::clone(&meta_seen);
        meta_in
            .to_stream(scope)
            .broadcast()
            .inspect(move |record: &Meta| seen.borrow_mut().push(record.clone()))
            .probe_with(&probe);
        let answers = Rc::clone(&answers_seen);
        answers_in
            .to_stream(scope)
            .exchange(|_| 0)
            .inspect(move |record: &ProcessAnswer| answers.borrow_mut().push(record.clone()))
            .probe_with(&answers_probe);
    });

    // With several processes: say this one is alive (when due) and check that the others
    // are; true when one went silent (reported).
    let mut silent = |beats: &mut InputHandleVec<u64, u64>| -> bool {
        let Some(live) = liveness.as_mut() else { return false };
        if live.beat_due() {
            beats.send(my_process as u64);
            beats.flush();
        }
        match live.silent() {
            Some(why) => {
                report(why);
                true
            }
            None => false,
        }
    };

    // Before any work: what this process was given, to every process; with several, wait
    // until every process has said what it was given, and stop at once if they differ.
    let local_index = index % workers_per_process;
    if local_index == 0 {
        let given = fingerprint::describe_input(inputs, options, reduce);
        meta_in.send((INPUT, given, my_process as u64, own_files as u64));
    }
    meta_in.flush();
    if watching {
        let processes = peers / workers_per_process;
        while meta_seen.borrow().iter().filter(|m| m.0 == INPUT).count() < processes {
            worker.step();
            if silent(&mut beats_in) {
                return WorkerResult::default();
            }
        }
        if let Some(mismatch) = fingerprint::input_mismatch(&meta_seen.borrow(), own_files) {
            report(mismatch);
            return WorkerResult::default();
        }
    }

    let ready = Some(std::time::Instant::now());

    // Map and combine this worker's chunks.
    let sources: Vec<Source<'_>> = inputs.iter().map(InputFile::source).collect();
    let plan = plan_chunks(&sources, options.chunking);
    // The engine's map + combine, into R partitions by key hash; R the same in every process
    // (it decides where a key goes): from the input's size when every process reads the same
    // files, a constant when each reads its own.
    let input_bytes: usize = sources.iter().map(|s| s.data.len()).sum();
    let partitions =
        if own_files { default_partitions(peers, 2 << 30) } else { default_partitions(peers, input_bytes) };
    let mut mapped = Mapped::empty(partitions);
    let share = if own_files { input_bytes / workers_per_process } else { input_bytes / peers };
    let mut first = true;
    let mut buffer = Vec::new();
    let map_clock = std::time::Instant::now();
    let (mut lines, mut skipped) = (0u64, 0u64);
    // Shared files: chunk i is worker i % peers's, over all processes. Own files: each
    // process's chunks are shared among its own workers only.
    let mine = |i: usize| if own_files { i % workers_per_process == local_index } else { i % peers == index };
    // Where a chunk stands in the whole input, for "the earliest" bad line.
    let order = |i: usize| if own_files { ((my_process as u64) << 40) | i as u64 } else { i as u64 };
    for (chunk_index, chunk) in plan.iter().enumerate().filter(|(i, _)| mine(*i)) {
        let source = &sources[chunk.source];
        let emit = |key: &[u8], sum| combine(&mut mapped.parts, key, sum);
        let result = match source.file {
            Some(file) => map_chunk_read_runs(source, file, chunk, options, &mut buffer, emit),
            None => map_chunk_ref_runs(&sources, chunk, options, emit),
        };
        if std::mem::take(&mut first) {
            presize(&mut mapped.parts, chunk.range.len(), share);
        }
        match result {
            Ok(tally) => {
                lines += tally.lines;
                skipped += tally.skipped;
                if let Some(at) = tally.first_skipped {
                    let note = line_note(source.name, line_at(source.data, at.offset));
                    let line = line_number_at(source.data, at.offset);
                    meta_in.send((SKIPPED, note, order(chunk_index), line));
                }
            }
            Err(err) => {
                let line = match &err {
                    NgramError::Line { line, .. } => *line,
                    _ => line_number_at(source.data, chunk.range.start),
                };
                let mut text =
                    line_note(source.name, line_at(source.data, offset_of_line(source.data, line)));
                text.extend_from_slice(err.to_string().as_bytes());
                meta_in.send((FAULT, text, order(chunk_index), line));
                source.release(chunk.range.clone());
                break;
            }
        }
        source.release(chunk.range.clone());
        if watching {
            if silent(&mut beats_in) {
                return WorkerResult::default();
            }
            worker.step();
        }
    }
    if own_files && local_index == 0 {
        meta_in.send((BYTES, Vec::new(), inputs.iter().map(|f| f.bytes().len() as u64).sum(), 0));
    }
    meta_in.send((TALLY, Vec::new(), lines, skipped));
    let map_s = map_clock.elapsed().as_secs_f64();
    let rest_clock = std::time::Instant::now();
    // Each partition's runs to the worker that reduces it, as one record: runs, not
    // (ngram, count) pairs. Runs that crossed into a table (a long ungrouped input) go back
    // to runs for the trip.
    let (mut crossing, mut crossing_bytes) = (0u64, 0u64);
    for (partition, part) in mapped.parts.into_iter().enumerate() {
        let mut runs = part.runs;
        if let Some(table) = part.table {
            for (key, count) in table.iter() {
                runs.push(key, key_hash(key), count);
            }
        }
        if runs.is_empty() {
            continue;
        }
        let reducer_process = reducer(partition as u64) as usize / workers_per_process;
        if reducer_process != my_process {
            crossing += runs.len() as u64;
            crossing_bytes += (runs.key_bytes() + 16 * runs.len()) as u64;
        }
        runs_in.send((partition as u64, runs));
    }
    meta_in.send((EXCHANGED, Vec::new(), crossing, crossing_bytes));
    runs_in.close();
    meta_in.close();
    if crash_in_exchange {
        worker.step();
        eprintln!(
            "process {my_process}: crashing on purpose in the exchange (DISTRIBUTED_CRASH_IN_EXCHANGE)"
        );
        std::process::abort();
    }
    while !probe.done() {
        worker.step();
        if silent(&mut beats_in) {
            return WorkerResult::default();
        }
    }
    let mut partitions_held = std::mem::take(&mut *held.borrow_mut());
    // This process's part that could not be written: this process fails too, not only 0.
    let mut part_failed = None;
    if let Some(wanted) = reduce.wanted() {
        // The process's workers leave their tables in one place; the last to arrive answers
        // for the process (no worker waits for another: timely needs every worker stepping).
        let mine = {
            let mut deposit = deposit.lock().unwrap_or_else(|p| p.into_inner());
            deposit.tables.append(&mut partitions_held);
            deposit.arrived += 1;
            (deposit.arrived == workers_per_process).then(|| std::mem::take(&mut deposit.tables))
        };
        if let Some(tables) = mine {
            let answer = answer_for_process(tables, partitions, wanted, my_process, processes);
            if let Some(Err(why)) = &answer.part {
                part_failed = Some(why.clone());
            }
            answers_in.send(answer);
        }
    }
    answers_in.close();
    while !answers_probe.done() {
        worker.step();
        if silent(&mut beats_in) {
            return WorkerResult::default();
        }
    }
    beats_in.close();

    let meta = std::mem::take(&mut *meta_seen.borrow_mut());
    let answers = std::mem::take(&mut *answers_seen.borrow_mut());
    WorkerResult {
        partitions: partitions_held,
        map_s,
        rest_s: rest_clock.elapsed().as_secs_f64(),
        meta,
        answers,
        ready,
        part_failed,
    }
}
