//! Model: std threads. The article's `threading.Thread(target=count)` / `start` / `join`
//! listing, which in CPython gains nothing on CPU work because of the GIL. Rust threads
//! have no GIL: two threads counting run on two cores at once.
//!
//! Built from `std` alone (plus the shared `workload` kernels) so that every mechanism is
//! visible: `thread::spawn` + `join` for the article's listing, and as a model of the
//! contract ([`Threads`]) scoped threads that run any job's worker loop (they may borrow the
//! memory-mapped input, so no `Arc` and no copy).

pub mod futures;
pub mod lesson;

use std::thread;

use workload::run::{guard, Runner};
use workload::{count_to, panic_message, CountJob, WorkerFailure};

/// The article's listing, literally: one thread per task, start them all, join them all.
/// Unlike Python's `join`, Rust's returns the thread's result.
pub fn count_thread_per_task(job: CountJob) -> Result<u64, WorkerFailure> {
    let handles: Vec<_> = (0..job.tasks).map(|_| thread::spawn(move || count_to(job.to))).collect();
    join_all(handles)
}

/// `workers` OS threads: the model in the contract's sense ([`Runner`]). Each job's worker
/// loop runs on its own scoped thread (`thread::scope`, so the loop may borrow the
/// memory-mapped input: no `Arc`, no copy), started for the job and joined at its end.
#[derive(Debug, Clone, Copy)]
pub struct Threads {
    workers: usize,
}

impl Threads {
    pub fn new(workers: usize) -> Threads {
        Threads { workers: workers.max(1) }
    }
}

impl Runner for Threads {
    fn workers(&self) -> usize {
        self.workers
    }

    /// One scoped thread per loop, all joined.
    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), WorkerFailure> {
        thread::scope(|scope| {
            let handles: Vec<_> = (0..loops).map(|worker| scope.spawn(move || guard(worker, work))).collect();
            handles.into_iter().try_for_each(|h| h.join().expect("guard catches the loop's panic"))
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_sums_every_task() {
        for (tasks, to, workers) in [(2, 1000, 2), (5, 77, 2), (1, 10, 8), (0, 10, 2), (3, 0, 1)] {
            let job = CountJob { tasks, to };
            assert_eq!(job.run_on(&Threads::new(workers)), Ok(tasks as u64 * to));
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
