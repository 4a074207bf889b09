//! The partitioned algorithm ([`workload::ngram::partitioned`]) on child processes. Each
//! worker process is sent its share of the chunk plan as one `Task::MapPartitioned` (chunk i
//! to worker i mod W, so each meets its chunks in input order and the earliest bad line is
//! still found): only byte ranges cross the pipe, the worker reads the file itself, maps and
//! combines with the shared kernel, and ships its partitions back. So the shuffle really
//! moves bytes between address spaces, as it does in Hadoop or Spark, and `shipping` says how
//! many. The reduce then runs here, on scoped threads: the partitions are already in this
//! process.

use std::io;
use std::time::Instant;

use workload::chunk::line_number_at;
use workload::ngram::partitioned::{self, Mapped, Partial};
use workload::ngram::{plan_chunks, NgramOptions, NgramOutput, Phases, Shipping, SkippedAt, Source, Tally};
use workload::run::Runner;
use workload::{panic_message, FirstFailure, NgramError, WorkerFailure};

use crate::child::WorkerCommand;
use crate::jobs::failure;
use crate::pool::ProcessPool;
use crate::protocol::{PlannedChunk, Reply, Task};

/// The parent's threads, for the phases after the map (shuffle and reduce need no process of
/// their own: the partitions are here).
struct ParentThreads(usize);

impl Runner for ParentThreads {
    fn workers(&self) -> usize {
        self.0.max(1)
    }

    fn run_loops<T: Send>(
        &self,
        loops: usize,
        work: &(dyn Fn() -> T + Sync),
    ) -> Result<Vec<T>, WorkerFailure> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..loops).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .enumerate()
                .map(|(i, h)| h.join().map_err(|p| WorkerFailure::of(i, panic_message(&*p))))
                .collect()
        })
    }
}

/// Sums `match_count` per ngram with the partitioned algorithm, the map phase in `workers`
/// child processes started with `command`; `partitions` is R (0: the default).
pub fn ngram_partitioned<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
    command: &WorkerCommand,
    partitions: usize,
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
    let plan = plan_chunks(sources, options.chunking);
    let split_s = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let mut shipping = Shipping { mode: "range", ..Shipping::default() };
    let mut mapped = Vec::new();
    if !plan.is_empty() {
        let count = workers.clamp(1, plan.len());
        let identities: Vec<_> = sources.iter().map(|s| s.identity).collect();
        let tasks = (0..count).map(|w| Task::MapPartitioned {
            paths: paths.clone(),
            identities: identities.clone(),
            chunks: plan
                .iter()
                .enumerate()
                .skip(w)
                .step_by(count)
                .map(|(index, c)| PlannedChunk {
                    index: index as u64,
                    source: c.source as u64,
                    start: c.range.start as u64,
                    end: c.range.end as u64,
                })
                .collect(),
            partitions: partitions as u64,
            skip_malformed: options.skip_malformed,
        });
        let pool = ProcessPool::new(count, command).map_err(failure)?;
        let replies = pool.map(tasks);
        let traffic = pool.traffic();
        pool.close_and_join();
        shipping.bytes_to_workers = traffic.bytes_sent;
        shipping.bytes_from_workers = traffic.bytes_received;
        shipping.decode_s = traffic.decode_s;

        let first_failure = FirstFailure::new();
        for reply in replies {
            let map = match reply.map_err(failure)? {
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
                let source = &sources[fault.source as usize];
                let line = line_number_at(source.data, fault.offset as usize);
                first_failure.record(
                    fault.index as usize,
                    NgramError::Line { file: source.name.to_string(), line, kind: fault.kind },
                );
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
    let mut output = partitioned::reduce_and_collect(&ParentThreads(workers), sources, mapped, phases)?;
    output.shipping = Some(shipping);
    Ok(output)
}
