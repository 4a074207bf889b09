//! Chart 6: the event loop's heartbeat beside a count, inline and through an executor, Rust
//! and Python; and the claim that `run_in_executor` keeps the loop responsive.

use super::charts::{self, model_colour, python_colour, seconds, Bar};
use super::figures::Figures;
use super::findings::{Claim, Figure};
use super::page::Section;
use super::record::Record;
use crate::claims::Verdict;

const TITLE: &str = "6. The event loop: why CPU work goes to an executor";
const ARTICLE: &str = "the process pool executor with the asyncio event loop: run_in_executor";
const EXPLANATION: &str = "A heartbeat task should wake every 10 ms on the event loop while one count runs. Run \
    inline in a coroutine, the count holds the loop's only thread: no beat runs until it ends, and the worst \
    lateness is the whole count. Through run_in_executor on a process pool, the count runs in another process \
    and the loop keeps its beat. A thread pool moves the count off the loop's thread, but in CPython both \
    threads share one GIL: the loop runs only when the counting thread lets the GIL go, which CPython asks of it \
    after each switch interval. Rust's tokio has no GIL: spawn_blocking frees the loop entirely.";

/// A heartbeat that wakes within this many periods of its time counts as responsive: a beat
/// or two can be lost to the scheduler or the GIL's switch interval (5 ms) on any machine, a
/// stalled loop misses them all.
pub const RESPONSIVE_PERIODS: f64 = 5.0;

/// One way of running the count beside a heartbeat.
#[derive(Debug, Clone, PartialEq)]
struct Beat {
    label: String,
    /// Worst lateness of a beat: the median run's, and the least and most over the runs.
    worst: Figure,
    work_s: f64,
    beats: u64,
    period_s: f64,
}

impl Beat {
    fn of(label: String, r: &Record) -> Option<Beat> {
        let worst = r.worst_late_s?;
        Some(Beat {
            label,
            worst: Figure {
                median: worst,
                low: r.worst_late_min_s.unwrap_or(worst),
                high: r.worst_late_max_s.unwrap_or(worst),
                runs: r.runs,
            },
            work_s: r.work_s.unwrap_or(r.elapsed_s),
            beats: r.beats?,
            period_s: r.period_s?,
        })
    }

    fn said(&self) -> String {
        format!(
            "{}: worst beat {} late ({} beat{} in {})",
            self.label,
            seconds(self.worst.median),
            self.beats,
            if self.beats == 1 { "" } else { "s" },
            seconds(self.work_s)
        )
    }
}

/// Every heartbeat measured, as (key, beat): `rust inline`, `rust spawn_blocking`, `python
/// inline`, `python threads`, `python processes`.
fn beats(figures: &Figures) -> Vec<(String, Beat)> {
    let mut out = Vec::new();
    for r in figures.of("heartbeat", "rust") {
        let Some(placement) = r.placement.as_deref() else { continue };
        let label = match placement {
            "inline" => "Rust tokio: count inline in a task".to_string(),
            other => format!("Rust tokio: {other}"),
        };
        out.extend(Beat::of(label, r).map(|b| (format!("rust {placement}"), b)));
    }
    for r in figures.of("heartbeat", "python") {
        let (Some(placement), Some(variant)) = (r.placement.as_deref(), r.variant.as_deref()) else {
            continue;
        };
        // The first interpreter's keys are plain (`python threads`); a further one's name it.
        let key = match &r.interpreter {
            None => format!("python {placement}"),
            Some(_) => format!("{} {placement}", super::figures::python_of(r)),
        };
        out.extend(Beat::of(format!("{} {variant}", super::figures::python_of(r)), r).map(|b| (key, b)));
    }
    out
}

pub fn section(figures: &Figures) -> Result<Section, String> {
    let beats = beats(figures);
    let mut section = Section {
        id: "event-loop",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        ..Section::default()
    };
    if beats.is_empty() {
        return Ok(section);
    }
    let rows: Vec<Bar> = beats
        .iter()
        .map(|(key, b)| Bar {
            label: b.label.clone(),
            value: b.worst.median.max(1e-6),
            colour: if key.starts_with("rust") { model_colour("async") } else { python_colour("async") },
            note: format!("{}, {} beats in {}", seconds(b.worst.median), b.beats, seconds(b.work_s)),
            spread: (b.worst.runs.unwrap_or(1) > 1)
                .then_some((b.worst.low.max(1e-6), b.worst.high.max(1e-6))),
        })
        .collect();
    let period = beats[0].1.period_s;
    let mut findings = format!(
        "In this run, with a beat due every {}: {}.",
        seconds(period),
        beats.iter().map(|(_, b)| b.said()).collect::<Vec<_>>().join("; ")
    );
    if let Some(switch) = figures.of("heartbeat", "python").find_map(|p| p.switch_interval_s) {
        findings.push_str(&format!(" CPython's switch interval here: {}.", seconds(switch)));
    }
    section.findings = findings;
    section.svg = Some(charts::bars(
        "the event loop beside a count: worst lateness of a 10 ms heartbeat (log scale)",
        "worst lateness of a beat: the median run, whiskers from the least to the most (log scale)",
        &rows,
    )?);
    section.busy = figures
        .busy(&[("heartbeat", "rust", "the Rust benches"), ("heartbeat", "python", "the Python baselines")]);
    Ok(section)
}

/// "run_in_executor keeps the event loop responsive": the count inline on CPython's loop
/// against the same count through a process pool, the others stated beside them.
pub fn claims(figures: &Figures) -> Vec<Claim> {
    let beats = beats(figures);
    let beat = |key: &str| beats.iter().find(|(k, _)| k == key).map(|(_, b)| b);
    let (Some(inline), Some(offloaded)) = (beat("python inline"), beat("python processes")) else {
        return Vec::new();
    };
    let mut parts = vec![inline.said(), offloaded.said()];
    parts.extend(
        ["python threads", "rust inline", "rust spawn_blocking"]
            .iter()
            .filter_map(|k| beat(k))
            .map(Beat::said),
    );
    let bound = RESPONSIVE_PERIODS * offloaded.period_s;
    let verdict = if inline.work_s < 2.0 * bound {
        Verdict::CannotTell(format!(
            "the count took {}, too short to stall the loop visibly",
            seconds(inline.work_s)
        ))
    } else if offloaded.worst.high <= bound && inline.worst.low >= inline.work_s / 2.0 {
        Verdict::Holds
    } else if offloaded.worst.low > bound {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell(format!("the offloaded worst lateness straddles {}", seconds(bound)))
    };
    vec![Claim {
        claim: "run_in_executor keeps the event loop responsive (CPU work inline stalls it)".into(),
        article: "(no figure: the article warns against CPU work in coroutines)".into(),
        measured: format!("a beat due every {}: {}", seconds(offloaded.period_s), parts.join("; ")),
        verdict,
    }]
}
