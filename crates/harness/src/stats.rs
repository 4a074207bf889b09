//! What the commands report for repeated runs: the median, and a run's timing summary.

/// The median of `values` (the upper one of an even count; 0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// A cell's runs, summed up for its JSON record: the median wall time of `runs` runs, the
/// fastest and slowest, the CPU time of the median run and cores kept busy (CPU over wall,
/// the median over the runs), and the speedup over a base run in the same rounds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rounds {
    /// The median of `runs` runs.
    pub elapsed_s: f64,
    pub elapsed_min_s: f64,
    pub elapsed_max_s: f64,
    pub runs: usize,
    /// CPU time (user + system, this process and its reaped children).
    pub cpu_s: f64,
    /// CPU time over wall time: about 1 for one busy core, 2 for two.
    pub cores_used: f64,
    /// The base's time over this one's, the median of the ratios taken within each round
    /// (serial's, when serial ran too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
}

impl Rounds {
    /// From (wall, CPU) seconds per round, and the base's per round.
    pub fn of(runs: &[(f64, f64)], base: Option<&[(f64, f64)]>) -> Rounds {
        let times: Vec<f64> = runs.iter().map(|r| r.0).collect();
        Rounds {
            elapsed_s: median(&times),
            elapsed_min_s: times.iter().copied().fold(f64::INFINITY, f64::min),
            elapsed_max_s: times.iter().copied().fold(0.0, f64::max),
            runs: times.len(),
            cpu_s: median(&runs.iter().map(|r| r.1).collect::<Vec<_>>()),
            cores_used: median(&runs.iter().map(|(wall, cpu)| cpu / wall).collect::<Vec<_>>()),
            speedup: base
                .map(|base| median(&base.iter().zip(runs).map(|(b, r)| b.0 / r.0).collect::<Vec<_>>())),
        }
    }
}
