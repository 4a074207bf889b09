//! What the commands report for repeated runs: the median, and a run's timing summary.

use crate::report::record::Record;

/// The median of `values` (the upper one of an even count; 0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// A cell's runs, summed up into its record: the median wall time of the runs, the fastest
/// and slowest, every round's time in order, the CPU time of the median run and cores kept
/// busy (CPU over wall, the median over the runs), and the speedup over a base run in the
/// same rounds (the median of the ratios taken within each round). `runs` and `base` are
/// (wall, CPU) seconds per round.
pub fn timed(mut record: Record, runs: &[(f64, f64)], base: Option<&[(f64, f64)]>) -> Record {
    let times: Vec<f64> = runs.iter().map(|r| r.0).collect();
    record.elapsed_s = median(&times);
    record.elapsed_min_s = Some(times.iter().copied().fold(f64::INFINITY, f64::min));
    record.elapsed_max_s = Some(times.iter().copied().fold(0.0, f64::max));
    record.runs = Some(times.len() as u64);
    record.cpu_s = Some(median(&runs.iter().map(|r| r.1).collect::<Vec<_>>()));
    record.cores_used = Some(median(&runs.iter().map(|(wall, cpu)| cpu / wall).collect::<Vec<_>>()));
    record.speedup =
        base.map(|base| median(&base.iter().zip(runs).map(|(b, r)| b.0 / r.0).collect::<Vec<_>>()));
    if times.len() > 1 {
        record.rounds_s = Some(times);
    }
    record
}
