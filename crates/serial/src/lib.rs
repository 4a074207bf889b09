//! Model: serial. The article's starting point before any concurrency: call `count` twice in
//! a row, or map every chunk and merge the partial dicts one after another
//! (`reduce(merge_dict, map(map_frequencies, chunks))` without a pool). Every other model
//! is checked against, and timed relative to, this one.

use workload::ngram::{
    map_chunk_ref_into, merge_all, plan_chunks, Chunking, Counts, NgramOptions, NgramOutput, Source, Tally,
};
use workload::{count_to, CountJob, NgramError};

/// Runs the count job's tasks one after another; returns the sum of their results.
pub fn count(job: CountJob) -> u64 {
    (0..job.tasks).map(|_| count_to(job.to)).sum()
}

/// Sums `match_count` per ngram over every source, on this thread.
///
/// With the default chunking every chunk folds into one map (as each worker of the parallel
/// models folds its chunks into its own). With `--chunk-bytes`/`--chunk-lines` each chunk
/// gets its own map and the maps are merged in order: the article's MapReduce minus the
/// pool, so its cost of chunking can be seen alone.
pub fn ngram<'a>(sources: &[Source<'a>], options: &NgramOptions) -> Result<NgramOutput<'a>, NgramError> {
    let plan = plan_chunks(sources, options.chunking);
    let mut tally = Tally::default();
    let counts = if options.chunking == Chunking::Auto {
        let mut counts = Counts::new();
        for chunk in &plan {
            tally.absorb(map_chunk_ref_into(&mut counts, sources, chunk, options.skip_malformed)?);
        }
        counts
    } else {
        let mut parts = Vec::with_capacity(plan.len());
        for chunk in &plan {
            let mut part = Counts::new();
            tally.absorb(map_chunk_ref_into(&mut part, sources, chunk, options.skip_malformed)?);
            parts.push(part);
        }
        merge_all(parts)?
    };
    Ok(NgramOutput::finish(sources, counts, tally))
}
