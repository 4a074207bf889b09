//! The article's algorithm on any model ([`Runner`]): map chunks, merge maps. Each worker
//! claims chunks in order and folds each into its own map of keys borrowed from the input
//! (the article's `map_frequencies`, a worker's own chunks merged as it goes); the workers'
//! maps are then merged into one (`reduce(merge_dict, ...)`).
//!
//! A model whose map runs elsewhere (child processes, whose tasks are data) drives the same
//! job through [`Merging`]: its plan, each chunk's partial folded in as it arrives, the
//! earliest failure kept.

use super::job::{
    map_chunk_ref_into, merge_all, plan_chunks, ChunkRef, NgramOptions, NgramOutput, Source, Tally,
};
use super::map::{add_total, Counts};
use crate::error::NgramError;
use crate::first_failure::FirstFailure;
use crate::run::Runner;

/// Sums `match_count` per ngram on `runner`'s workers.
pub fn ngram<'a>(
    runner: &dyn Runner,
    sources: &[Source<'a>],
    options: &NgramOptions,
) -> Result<NgramOutput<'a>, NgramError> {
    let plan = plan_chunks(sources, options.chunking);
    let first_failure = FirstFailure::new();
    let folded = runner.run(plan.len(), &|claims| {
        let mut counts = Counts::new();
        let mut tally = Tally::default();
        while !first_failure.any() {
            let Some(index) = claims.next() else { break };
            match map_chunk_ref_into(&mut counts, sources, &plan[index], options) {
                Ok(t) => tally.absorb(t),
                Err(err) => first_failure.record(index, err),
            }
        }
        (counts, tally)
    })?;
    first_failure.or_ok(())?;
    let mut tally = Tally::default();
    let parts: Vec<Counts<'a>> = folded
        .into_iter()
        .map(|(counts, t)| {
            tally.absorb(t);
            counts
        })
        .collect();
    Ok(NgramOutput::finish(sources, merge_all(parts)?, tally))
}

/// The merge algorithm for a model that maps chunks elsewhere and gets each chunk's partial
/// back (the process model): hand out [`Merging::plan`]'s chunks in order, stop handing out
/// once [`Merging::failed`], give each reply to [`Merging::absorb`] or [`Merging::fail`],
/// then [`Merging::finish`]. The answer and the error are the in-process job's.
#[derive(Debug)]
pub struct Merging<'s, 'a> {
    sources: &'s [Source<'a>],
    plan: Vec<ChunkRef>,
    counts: Counts<'a>,
    tally: Tally,
    first_failure: FirstFailure<NgramError>,
}

impl<'s, 'a> Merging<'s, 'a> {
    pub fn new(sources: &'s [Source<'a>], options: &NgramOptions) -> Merging<'s, 'a> {
        Merging {
            sources,
            plan: plan_chunks(sources, options.chunking),
            counts: Counts::new(),
            tally: Tally::default(),
            first_failure: FirstFailure::new(),
        }
    }

    /// The chunks, in input order: hand them out in this order.
    pub fn plan(&self) -> &[ChunkRef] {
        &self.plan
    }

    /// Whether a chunk has failed: hand out no more (every chunk before it is out already,
    /// and will report).
    pub fn failed(&self) -> bool {
        self.first_failure.any()
    }

    /// A chunk's partial result, `(key, total)` per key, and its line counts.
    pub fn absorb(
        &mut self,
        partial: impl IntoIterator<Item = (&'a [u8], u64)>,
        tally: Tally,
    ) -> Result<(), NgramError> {
        for (key, total) in partial {
            add_total(&mut self.counts, key, total).map_err(|_| NgramError::MergeOverflow {
                ngram: String::from_utf8_lossy(key).into_owned(),
            })?;
        }
        self.tally.absorb(tally);
        Ok(())
    }

    /// Chunk `index` failed with `error` (kept if no earlier chunk has failed).
    pub fn fail(&mut self, index: usize, error: NgramError) {
        self.first_failure.record(index, error);
    }

    /// The answer, or the failure of the earliest chunk that failed.
    pub fn finish(self) -> Result<NgramOutput<'a>, NgramError> {
        self.first_failure.or_ok(())?;
        Ok(NgramOutput::finish(self.sources, self.counts, self.tally))
    }
}
