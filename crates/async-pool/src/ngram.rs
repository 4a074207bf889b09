//! The ngram job, async: chunks are offloaded to a rayon pool and each partial map is merged
//! the moment it arrives (a progressive reduce), instead of `gather` then `reduce`.
//!
//! tokio's `spawn_blocking` needs `'static` work, and the chunks borrow the memory-mapped
//! file; rayon's scoped spawns may borrow, so the rayon bridge does the mapping here.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use tokio::runtime::Runtime;
use workload::ngram::{
    map_chunk_ref_into, merge_counts, plan_chunks, Counts, NgramOptions, NgramOutput, Source, Tally,
};
use workload::{FirstFailure, NgramError, WorkerFailure};

use crate::runtime;

/// A chunk's index and its map (a failure is recorded in the `FirstFailure` instead).
type Mapped<'a> = (usize, Result<(Counts<'a>, Tally), ()>);

/// Ngram totals with `workers` rayon threads doing the maps and the event loop merging.
pub fn ngram<'a>(
    sources: &[Source<'a>],
    options: &NgramOptions,
    workers: usize,
) -> Result<NgramOutput<'a>, NgramError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .build()
        .map_err(|e| WorkerFailure::setup(format!("cannot start the rayon pool: {e}")))?;
    ngram_on(&runtime(1)?, &pool, sources, options)
}

/// [`ngram`] on a given runtime and pool.
pub fn ngram_on<'a>(
    runtime: &Runtime,
    pool: &rayon::ThreadPool,
    sources: &[Source<'a>],
    options: &NgramOptions,
) -> Result<NgramOutput<'a>, NgramError> {
    let plan = plan_chunks(sources, options.chunking);
    // The earliest failing chunk; later chunks are skipped, earlier ones still run.
    let first_failure = FirstFailure::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Mapped<'a>>();

    let (total, tally) = thread::scope(|scope| {
        let (plan, first_failure) = (&plan, &first_failure);
        scope.spawn(move || {
            pool.scope(|s| {
                for (index, chunk) in plan.iter().enumerate() {
                    let tx = tx.clone();
                    s.spawn(move |_| {
                        if first_failure.makes_moot(index) {
                            return;
                        }
                        let mapped = catch_unwind(AssertUnwindSafe(|| {
                            let mut counts = Counts::new();
                            map_chunk_ref_into(&mut counts, sources, chunk, options.skip_malformed)
                                .map(|t| (counts, t))
                        }))
                        .unwrap_or_else(|p| Err(WorkerFailure::panicked(&*p).into()));
                        let mapped = mapped.map_err(|err| first_failure.record(index, err));
                        let _ = tx.send((index, mapped));
                    });
                }
                drop(tx); // the channel closes when the last chunk has reported
            });
        });

        runtime.block_on(async {
            let mut total = Counts::new();
            let mut tally = Tally::default();
            while let Some((index, mapped)) = rx.recv().await {
                // Failures are already recorded; after one, nothing more is merged.
                let Ok((counts, t)) = mapped else { continue };
                if first_failure.any() {
                    continue;
                }
                tally.absorb(t);
                if let Err(e) = merge_counts(&mut total, counts) {
                    first_failure.record(index, NgramError::MergeOverflow { ngram: e.ngram });
                }
            }
            (total, tally)
        })
    });
    first_failure.or_ok(())?;
    Ok(NgramOutput::finish(sources, total, tally))
}
