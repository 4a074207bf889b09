//! The figure of a comparison made side by side: the median of the within-round ratios, and
//! a distribution-free confidence interval for it from order statistics (no assumption about
//! how the machine's noise is shaped: only that rounds are independent and the ratio's median
//! is what is estimated). With n rounds, the interval between the k-th smallest and the k-th
//! largest ratio covers the true median with probability 1 - 2 P(Binomial(n, 1/2) < k); k is
//! the largest for which that is at least the confidence asked for.

/// A median and the interval around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// The coverage actually reached (at least the one asked for).
    pub confidence: f64,
    pub rounds: usize,
}

/// The median (the mean of the middle two for an even count); `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    Some(if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 })
}

/// P(Binomial(n, 1/2) < k).
fn below(n: usize, k: usize) -> f64 {
    // Sum of C(n, i) / 2^n for i < k, in floating point (n is at most a few hundred).
    let mut term = 0.5f64.powi(n as i32); // C(n, 0) / 2^n
    let mut sum = 0.0;
    for i in 0..k.min(n + 1) {
        sum += term;
        term = term * (n - i) as f64 / (i + 1) as f64;
    }
    sum
}

/// The median of `ratios` with an order-statistics interval of at least `confidence`
/// (e.g. 0.99); `None` when there are too few rounds for any such interval (at 99%, fewer
/// than 8; at 95%, fewer than 6).
pub fn of_median(ratios: &[f64], confidence: f64) -> Option<Interval> {
    let mut sorted: Vec<f64> = ratios.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let alpha = 1.0 - confidence;
    // The largest k (1-based) with 2 P(B < k) <= alpha; k = 1 is [min, max].
    let k = (1..=n.div_ceil(2)).take_while(|&k| 2.0 * below(n, k) <= alpha).last()?;
    Some(Interval {
        median: median(&sorted)?,
        low: sorted[k - 1],
        high: sorted[n - k],
        confidence: 1.0 - 2.0 * below(n, k),
        rounds: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_and_max_of_eight_rounds_cover_the_median_at_99_percent() {
        let ratios = [1.9, 2.1, 2.0, 1.8, 2.2, 2.05, 1.95, 2.0];
        let i = of_median(&ratios, 0.99).unwrap();
        assert_eq!((i.low, i.high, i.rounds), (1.8, 2.2, 8));
        assert!((i.confidence - (1.0 - 2.0 / 256.0)).abs() < 1e-12, "{i:?}");
        assert!((i.median - 2.0).abs() < 1e-12);
        // Seven rounds cannot give 99%: [min, max] covers only 98.4%.
        assert_eq!(of_median(&ratios[..7], 0.99), None);
        assert!(of_median(&ratios[..6], 0.95).is_some());
    }

    #[test]
    fn more_rounds_narrow_the_interval() {
        // 30 rounds: k = 8 at 99% (2 P(B(30, 1/2) < 8) = 0.0052), so the interval runs from
        // the 8th smallest to the 8th largest.
        let ratios: Vec<f64> = (0..30).map(|i| 1.0 + i as f64 / 100.0).collect();
        let i = of_median(&ratios, 0.99).unwrap();
        assert_eq!((i.low, i.high), (1.07, 1.22));
        assert!(i.confidence >= 0.99);
    }

    #[test]
    fn the_binomial_tail_is_exact() {
        assert!((below(8, 1) - 1.0 / 256.0).abs() < 1e-15);
        assert!((below(4, 3) - 11.0 / 16.0).abs() < 1e-15);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
