//! Model: std threads. The article's `threading.Thread(target=count)` / `start` / `join`
//! listing, which in CPython gains nothing on CPU work because of the GIL. Rust threads
//! have no GIL: two threads counting run on two cores at once.
//!
//! Built from `std` alone (plus the shared `workload` kernels) so that every mechanism is
//! visible: `thread::spawn` + `join` for the count job, `thread::scope` for the ngram job
//! (scoped threads may borrow the memory-mapped input, so no `Arc` and no copy).

pub mod futures;
pub mod lesson;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use workload::ngram::{
    map_chunk_ref_into, merge_all, plan_chunks, Counts, NgramOptions, NgramOutput, Source, Tally,
};
use workload::{count_to, panic_message, CountJob, FirstFailure, NgramError, WorkerFailure};

/// The article's listing, literally: one thread per task, start them all, join them all.
/// Unlike Python's `join`, Rust's returns the thread's result.
pub fn count_thread_per_task(job: CountJob) -> Result<u64, WorkerFailure> {
    let handles: Vec<_> = (0..job.tasks).map(|_| thread::spawn(move || count_to(job.to))).collect();
    join_all(handles)
}

/// The count job on `workers` threads (`thread::spawn` + `join`): each thread takes task
/// numbers from a shared counter until none are left, so K tasks spread over W threads
/// whatever K and W are.
pub fn count(job: CountJob, workers: usize) -> Result<u64, WorkerFailure> {
    let threads = workers.clamp(1, job.tasks.max(1));
    let next_task = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let next_task = Arc::clone(&next_task);
            thread::spawn(move || {
                let mut sum = 0u64;
                while next_task.fetch_add(1, Ordering::Relaxed) < job.tasks {
                    sum += count_to(job.to);
                }
                sum
            })
        })
        .collect();
    join_all(handles)
}

/// Joins every handle (even after one fails, so no thread is left running) and sums the
/// results; the first failure is reported with its worker index.
fn join_all(handles: Vec<thread::JoinHandle<u64>>) -> Result<u64, WorkerFailure> {
    let mut total = 0u64;
    let mut failure = None;
    for (worker, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(sum) => total += sum,
            Err(payload) => {
                failure.get_or_insert(WorkerFailure::of(worker, panic_message(&*payload)));
            }
        }
    }
    failure.map_or(Ok(total), Err)
}

/// Sums `match_count` per ngram on `workers` scoped threads.
///
/// The input is cut into newline-aligned chunks; each thread claims the next chunk from a
/// shared counter and folds it into its own map (no locks on the hot path), then the
/// per-thread maps are merged. A bad line is recorded and every thread stops claiming;
/// chunks are claimed in order, so the error reported is the first in the input
/// ([`FirstFailure`]).
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
) -> Result<NgramOutput<'a>, NgramError> {
    let plan = plan_chunks(sources, options.chunking);
    let threads = workers.clamp(1, plan.len().max(1));
    let next_chunk = AtomicUsize::new(0);
    let first_failure = FirstFailure::new();

    let results: Vec<thread::Result<(Counts<'a>, Tally)>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut counts = Counts::new();
                    let mut tally = Tally::default();
                    while !first_failure.any() {
                        let index = next_chunk.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = plan.get(index) else { break };
                        match map_chunk_ref_into(&mut counts, sources, chunk, options.skip_malformed) {
                            Ok(t) => tally.absorb(t),
                            Err(err) => first_failure.record(index, err),
                        }
                    }
                    (counts, tally)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });

    let mut parts = Vec::with_capacity(threads);
    let mut tally = Tally::default();
    for (worker, result) in results.into_iter().enumerate() {
        let (counts, t) = result.map_err(|payload| WorkerFailure::of(worker, panic_message(&*payload)))?;
        parts.push(counts);
        tally.absorb(t);
    }
    first_failure.or_ok(())?;
    let counts = merge_all(parts)?;
    Ok(NgramOutput::finish(sources, counts, tally))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_sums_every_task() {
        for (tasks, to, workers) in [(2, 1000, 2), (5, 77, 2), (1, 10, 8), (0, 10, 2), (3, 0, 1)] {
            let job = CountJob { tasks, to };
            assert_eq!(count(job, workers), Ok(tasks as u64 * to));
            assert_eq!(count_thread_per_task(job), Ok(tasks as u64 * to));
        }
    }

    #[test]
    fn a_panicking_worker_is_reported_and_the_others_joined() {
        let (tx, rx) = std::sync::mpsc::channel();
        let handles = vec![
            thread::spawn(|| 1u64),
            thread::spawn(|| panic!("boom")),
            // Finishes only after the panic: join_all must still wait for it.
            thread::spawn(move || {
                rx.recv().unwrap();
                2u64
            }),
        ];
        tx.send(()).unwrap();
        let failure = join_all(handles).unwrap_err();
        assert_eq!(failure, WorkerFailure::of(1, "panicked: boom"));
        assert_eq!(failure.to_string(), "worker 1 failed: panicked: boom");
    }
}
