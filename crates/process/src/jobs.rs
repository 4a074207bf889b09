//! The two jobs on child processes, as tasks that are data: the job's rules (how K count
//! tasks are dealt, the chunk plan, folding partials, the earliest failure) are workload's
//! ([`CountJob::shares`], [`Merging`]); what is here is getting tasks to workers and replies
//! back.

use std::sync::mpsc;
use std::time::Instant;

use workload::ngram::merge::Merging;
use workload::ngram::{NgramOptions, NgramOutput, Shipping, SkippedAt, Source, Tally};
use workload::{CountJob, NgramError, WorkerFailure};

use crate::child::{ProcessError, WorkerCommand};
use crate::oneshot::Process;
use crate::pool::ProcessPool;
use crate::protocol::{Reply, Task};

/// How chunks reach the workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ship {
    /// `Range` when every input is a file on disk, else `Bytes`.
    #[default]
    Auto,
    /// Copy each chunk's bytes down the pipe (what pickling a list of lines does).
    Bytes,
    /// Send only the byte range; the worker maps the file itself.
    Range,
}

pub(crate) fn failure(err: ProcessError) -> WorkerFailure {
    let worker = match &err {
        ProcessError::Spawn { worker, .. }
        | ProcessError::Died { worker, .. }
        | ProcessError::Protocol { worker, .. }
        | ProcessError::Timeout { worker, .. }
        | ProcessError::Silent { worker, .. }
        | ProcessError::TaskFailed { worker, .. } => Some(*worker),
        _ => None,
    };
    WorkerFailure { worker, message: err.to_string() }
}

/// The count job on one-shot children: K tasks dealt over min(K, W) processes, all started,
/// then all joined (the article's `Process` listing, which starts one per task).
pub fn count(job: CountJob, workers: usize, command: &WorkerCommand) -> Result<u64, WorkerFailure> {
    let mut started = Vec::new();
    for (index, times) in job.shares(workers).into_iter().enumerate() {
        let times =
            u32::try_from(times).map_err(|_| WorkerFailure::setup("too many count tasks for one worker"))?;
        // On an error the children already started are killed and reaped when dropped.
        started.push(Process::start(command, index, &Task::Count { to: job.to, times }).map_err(failure)?);
    }
    let mut total = 0u64;
    let mut first_error = None;
    for (index, child) in started.into_iter().enumerate() {
        match child.join(None) {
            Ok(Reply::Value(v)) => total += v,
            Ok(other) => {
                first_error.get_or_insert(WorkerFailure::of(index, format!("unexpected reply {other:?}")));
            }
            Err(err) => {
                first_error.get_or_insert(failure(err));
            }
        }
    }
    first_error.map_or(Ok(total), Err)
}

/// Sums `match_count` per ngram on a pool of `workers` processes. Chunks are handed out as
/// workers free up (at most two per worker in flight, so shipping bytes never copies the
/// whole file at once) and each partial result is merged as it arrives.
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
    command: &WorkerCommand,
    ship: Ship,
) -> Result<NgramOutput<'a>, NgramError> {
    let mut job = Merging::new(sources, options);
    let mode = match ship {
        Ship::Auto if sources.iter().all(|s| s.path.is_some()) => Ship::Range,
        Ship::Auto => Ship::Bytes,
        other => other,
    };
    let paths: Vec<String> = match mode {
        Ship::Range => sources
            .iter()
            .map(|s| match s.path {
                Some(p) => Ok(p.to_string_lossy().into_owned()),
                None => Err(NgramError::Worker(WorkerFailure::setup(format!(
                    "{}: range shipping needs a file on disk",
                    s.name
                )))),
            })
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let chunks = job.plan().len();
    if chunks == 0 {
        return job.finish();
    }
    let mut encode_s = 0.0;
    let mut worker_codec_s = 0.0;
    let pool = ProcessPool::new(workers.clamp(1, chunks), command).map_err(failure)?;
    let (tx, rx) = mpsc::channel();
    let window = 2 * pool.pids().len();
    let mut next = 0;
    let mut in_flight = 0;

    loop {
        // Chunks go out in order, so once one has failed every chunk before it is out
        // already and will report: the earliest failure wins.
        while !job.failed() && in_flight < window && next < chunks {
            let chunk = &job.plan()[next];
            let started = Instant::now();
            let frame = match mode {
                Ship::Range => Task::MapRange {
                    path: paths[chunk.source].clone(),
                    identity: sources[chunk.source].identity,
                    start: chunk.range.start as u64,
                    end: chunk.range.end as u64,
                    kernel: options.kernel,
                    skip_malformed: options.skip_malformed,
                }
                .encode(),
                _ => Task::encode_map_bytes(
                    chunk.range.start as u64,
                    options.kernel,
                    options.skip_malformed,
                    &sources[chunk.source].data[chunk.range.clone()],
                ),
            };
            encode_s += started.elapsed().as_secs_f64();
            pool.submit_encoded(frame, next, tx.clone());
            next += 1;
            in_flight += 1;
        }
        if in_flight == 0 {
            break;
        }
        let (index, reply) = rx.recv().expect("the pool answers every task");
        in_flight -= 1;
        let source_index = job.plan()[index].source;
        let source = &sources[source_index];
        match reply.map_err(failure)? {
            Reply::Partial(partial) => {
                worker_codec_s += partial.worker_codec_s;
                // Keys are named by their place in the file, which this process has too.
                let keys = partial
                    .entries
                    .iter()
                    .map(|entry| {
                        let start = usize::try_from(entry.offset).unwrap_or(usize::MAX);
                        let key =
                            start.checked_add(entry.len as usize).and_then(|end| source.data.get(start..end));
                        key.map(|key| (key, entry.total))
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        WorkerFailure::setup(format!("a worker named a key outside {}", source.name))
                    })?;
                let first_skipped = partial.first_skipped.map(|(offset, kind)| SkippedAt {
                    source: source_index,
                    offset: offset as usize,
                    kind,
                });
                job.absorb(keys, Tally { lines: partial.lines, skipped: partial.skipped, first_skipped })?;
            }
            Reply::LineError { offset, kind } => job.fail(index, source.line_error(offset as usize, kind)),
            other => return Err(WorkerFailure::setup(format!("unexpected reply {other:?}")).into()),
        }
    }
    let traffic = pool.traffic();
    pool.close_and_join();
    let mut output = job.finish()?;
    output.shipping = Some(Shipping {
        mode: if mode == Ship::Range { "range" } else { "bytes" },
        bytes_to_workers: traffic.bytes_sent,
        bytes_from_workers: traffic.bytes_received,
        encode_s,
        decode_s: traffic.decode_s + worker_codec_s,
    });
    Ok(output)
}
