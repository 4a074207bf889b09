//! The partitioned algorithm ([`workload::ngram::partitioned`]) on child processes. Each
//! worker process is sent its share of the chunk plan as one `Task::MapPartitioned` (chunk i
//! to worker i mod W, so each meets its chunks in input order and the earliest bad line is
//! still found): only byte ranges cross the pipe, the worker reads the file itself, maps and
//! combines with the shared kernel, and ships its partitions back. So the shuffle really
//! moves bytes between address spaces, as it does in Hadoop or Spark, and `shipping` says how
//! many. The reduce then runs here, on the runner the caller gives (the parent's threads):
//! the partitions are already in this process.

use std::io;
use std::time::Instant;

use workload::ngram::partitioned::{self, Mapped, Partial};
use workload::ngram::{NgramOptions, NgramOutput, Phases, Rerun, Shipping, SkippedAt, Source, Tally};
use workload::run::Runner;
use workload::{FirstFailure, NgramError, WorkerFailure};

use crate::child::{ProcessError, WorkerCommand, WorkerProcess};
use crate::jobs::failure;
use crate::pool::Traffic;
use crate::protocol::{PlannedChunk, Reply, Task};

/// Sums `match_count` per ngram with the partitioned algorithm, the map phase in `workers`
/// child processes started with `command`, the shuffle and reduce on `reduce_on`;
/// `partitions` is R (0: the default).
pub fn ngram_partitioned<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
    command: &WorkerCommand,
    partitions: usize,
    reduce_on: &dyn Runner,
) -> Result<NgramOutput<'a>, NgramError> {
    let paths: Vec<String> = sources
        .iter()
        .map(|s| match s.path {
            Some(path) => Ok(path.to_string_lossy().into_owned()),
            None => Err(NgramError::Io {
                file: s.name.to_string(),
                source: io::Error::new(
                    io::ErrorKind::Unsupported,
                    "the process model's partitioned run needs files on disk (its workers open them)",
                ),
            }),
        })
        .collect::<Result<_, _>>()?;
    let partitions = match partitions {
        0 => partitioned::default_partitions(workers, sources.iter().map(|s| s.data.len()).sum()),
        r => r,
    };
    let clock = Instant::now();
    let shares = partitioned::shares(sources, options.chunking, workers);
    let split_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let mut shipping = Shipping { mode: "range", ..Shipping::default() };
    let mut reruns = Vec::new();
    let mut mapped = Vec::new();
    if !shares.is_empty() {
        let identities: Vec<_> = sources.iter().map(|s| s.identity).collect();
        let tasks: Vec<Task> = shares
            .into_iter()
            .map(|share| Task::MapPartitioned {
                paths: paths.clone(),
                identities: identities.clone(),
                chunks: share
                    .into_iter()
                    .map(|(index, chunk)| PlannedChunk {
                        index: index as u64,
                        source: chunk.source as u64,
                        start: chunk.range.start as u64,
                        end: chunk.range.end as u64,
                    })
                    .collect(),
                partitions: partitions as u64,
                kernel: options.kernel,
                skip_malformed: options.skip_malformed,
            })
            .collect();
        let runs: Vec<Share> = std::thread::scope(|scope| {
            let handles: Vec<_> = tasks
                .iter()
                .enumerate()
                .map(|(index, task)| scope.spawn(move || run_share(command, index, task)))
                .collect();
            handles.into_iter().map(|h| h.join().expect("a share's thread does not panic")).collect()
        });
        let mut replies = Vec::with_capacity(runs.len());
        for share in runs {
            shipping.bytes_to_workers += share.traffic.bytes_sent;
            shipping.bytes_from_workers += share.traffic.bytes_received;
            shipping.decode_s += share.traffic.decode_s;
            let tries = share.reruns.len();
            reruns.extend(share.reruns);
            replies.push((share.reply, tries));
        }

        let first_failure = FirstFailure::new();
        for (reply, reran) in replies {
            let map = match reply.map_err(|err| gave_up(failure(err), reran))? {
                Reply::Partitioned(map) => map,
                other => {
                    return Err(WorkerFailure {
                        worker: None,
                        message: format!("unexpected reply {other:?}"),
                    }
                    .into())
                }
            };
            if let Some(fault) = map.fault {
                let error = sources[fault.source as usize].line_error(fault.offset as usize, fault.kind);
                first_failure.record(fault.index as usize, error);
            }
            let first_skipped = map.first_skipped.map(|at| SkippedAt {
                source: at.source as usize,
                offset: at.offset as usize,
                kind: at.kind,
            });
            mapped.push(Mapped {
                parts: map.parts.into_iter().map(|runs| Partial { runs, table: None }).collect(),
                tally: Tally { lines: map.lines, skipped: map.skipped, first_skipped },
            });
        }
        first_failure.or_ok(())?;
    }
    let map_s = clock.elapsed().as_secs_f64();
    if mapped.is_empty() {
        mapped.push(Mapped::empty(partitions));
    }
    let phases = Phases { split_s, map_s, partitions, ..Phases::default() };
    let mut output = partitioned::reduce_and_collect(reduce_on, sources, mapped, phases)?;
    output.shipping = Some(shipping);
    output.reruns = reruns;
    Ok(output)
}

/// How many times one worker's share is run again after its worker failed.
pub const MAX_RERUNS: usize = 2;

/// How long a finished worker may take to exit after its stdin closes.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// One worker's share of the map phase, as it went.
struct Share {
    reply: Result<Reply, ProcessError>,
    traffic: Traffic,
    reruns: Vec<Rerun>,
}

/// A share's failure, saying so when it came after re-runs: the run gave up on it.
fn gave_up(mut failure: WorkerFailure, reran: usize) -> WorkerFailure {
    if reran > 0 {
        let runs = if reran == 1 { "re-run" } else { "re-runs" };
        failure.message = format!("{}; gave up on its share after {reran} {runs}", failure.message);
    }
    failure
}

/// Runs one share (one `MapPartitioned` task) on a worker of its own. A worker that dies,
/// stops (silent past its `worker_timeout`) or speaks garbage is killed and its share run
/// again on a new worker, up to [`MAX_RERUNS`] times, as MapReduce reruns a lost worker's map
/// tasks: the share is a pure function of the file, so the answer stays exact. A share that
/// fails as a task (a bad line is not a failure; a file that changed is) is not rerun.
fn run_share(command: &WorkerCommand, index: usize, task: &Task) -> Share {
    let frame = task.encode();
    let chunks = match task {
        Task::MapPartitioned { chunks, .. } => chunks.len() as u64,
        _ => 1,
    };
    let mut share = Share { reply: Err(ProcessError::Lost), traffic: Traffic::default(), reruns: Vec::new() };
    loop {
        let mut worker = match WorkerProcess::spawn(command, index) {
            Ok(worker) => worker,
            Err(err) => {
                share.reply = Err(err);
                return share;
            }
        };
        worker.send_encoded(frame.clone());
        let reply = worker.receive(None);
        share.traffic.bytes_sent += worker.bytes_sent;
        share.traffic.bytes_received += worker.bytes_received;
        share.traffic.decode_s += worker.decode_s;
        let lost = matches!(
            reply,
            Err(ProcessError::Died { .. } | ProcessError::Silent { .. } | ProcessError::Protocol { .. })
        );
        match reply {
            Err(err) if lost && share.reruns.len() < MAX_RERUNS => {
                share.reruns.push(Rerun { tasks: chunks, why: err.to_string() });
            }
            reply => {
                if reply.is_ok() {
                    worker.finish(EXIT_GRACE);
                }
                share.reply = reply;
                return share;
            }
        }
    }
}
