//! A tiny timer for the overhead examples (criterion does the real benchmarking).

use std::time::Instant;

/// Median nanoseconds per call of `op`, over `rounds` batches of `per_batch` calls each.
/// The median of batches shrugs off the odd descheduling on a shared machine.
pub fn median_ns_per_call(rounds: usize, per_batch: usize, mut op: impl FnMut()) -> f64 {
    let per_batch = per_batch.max(1);
    let mut samples: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                op();
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
