//! The article's algorithm on any model ([`Runner`]): map chunks, merge maps. Each worker
//! claims chunks in order and folds each into its own map of keys borrowed from the input
//! (the article's `map_frequencies`, a worker's own chunks merged as it goes); the workers'
//! maps are then merged into one (`reduce(merge_dict, ...)`).

use super::job::{map_chunk_ref_into, merge_all, plan_chunks, NgramOptions, NgramOutput, Source, Tally};
use super::map::Counts;
use crate::error::NgramError;
use crate::first_failure::FirstFailure;
use crate::run::Runner;

/// Sums `match_count` per ngram on `runner`'s workers.
pub fn ngram<'a>(
    runner: &impl Runner,
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
            match map_chunk_ref_into(&mut counts, sources, &plan[index], options.skip_malformed) {
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
