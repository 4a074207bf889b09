//! Chart 3: the MapReduce job, every model over the shard (Rust on every core), the
//! article's Python program and polars beside them; and the claim about the article's
//! reduce.

use super::charts::{self, seconds, Bar};
use super::figures::{colour, Figures};
use super::findings::{extremes, Claim};
use super::page::Section;
use crate::claims::Verdict;
use crate::models::Model;

const TITLE: &str = "3. The MapReduce job: every model over the shard";
const ARTICLE: &str = "solving a MapReduce problem with asyncio: the Google Books Ngram word count";
const EXPLANATION: &str = "Summing match_count per ngram over the whole file, reading included. The article's \
    Python program reads every line into a list first (before its clock starts), pickles chunks of it to worker \
    processes and merges dicts pairwise; the Rust models map the file into memory and share or name its bytes \
    instead of copying them. GB/s counts the file's bytes over the wall time.";

/// The Python ngram records: the article's MapReduce, and polars.
fn python(figures: &Figures) -> Vec<&super::record::Record> {
    figures.of("ngram", "python").collect()
}

fn label(record: &super::record::Record) -> String {
    if record.model == "polars" {
        return "Python polars (Rust inside)".into();
    }
    if record.interpreter.is_none() {
        return "Python MapReduce".into();
    }
    // A further interpreter's (a free-threaded build's): on threads or on its process pool.
    let on = match record.variant.as_deref() {
        Some(v) if v.contains("ThreadPoolExecutor") => "on threads",
        _ => "on processes",
    };
    format!("{} MapReduce {on}", super::figures::python_of(record))
}

pub fn section(figures: &Figures) -> Result<Section, String> {
    let workers = figures.most_ngram_workers();
    let mut rows = Vec::new();
    let mut said = Vec::new();
    for model in Model::ALL {
        let Some(b) = figures.ngram_at(model.name(), workers) else { continue };
        let rate = b.bytes.map_or(String::new(), |by| format!(", {:.2} GB/s", by as f64 / b.elapsed_s / 1e9));
        let cores = b.cores_used.map_or(String::new(), |c| format!(", {c:.2} cores busy"));
        said.push((format!("Rust {}", model.name()), b.elapsed_s));
        rows.push(Bar {
            label: format!("Rust {}", model.name()),
            value: b.elapsed_s,
            colour: colour(b),
            note: format!("{}{rate}{cores}", seconds(b.elapsed_s)),
            spread: b.elapsed_min_s.zip(b.elapsed_max_s),
        });
    }
    for p in python(figures) {
        let rate = p.bytes.map_or(String::new(), |by| format!(", {:.3} GB/s", by as f64 / p.elapsed_s / 1e9));
        let read = p
            .read_s
            .map_or(String::new(), |r| format!(" (and {} of readlines before the clock)", seconds(r)));
        said.push((label(p), p.elapsed_s));
        rows.push(Bar {
            label: label(p),
            value: p.elapsed_s,
            colour: colour(p),
            note: format!("{}{rate}{read}", seconds(p.elapsed_s)),
            spread: (p.runs.unwrap_or(1) > 1).then(|| p.elapsed_min_s.zip(p.elapsed_max_s)).flatten(),
        });
    }
    let svg = if rows.is_empty() {
        None
    } else {
        Some(charts::bars(
            "ngram: sum match_count per ngram over the shard (log scale)",
            "wall time: median, whiskers from the fastest to the slowest run (log scale)",
            &rows,
        )?)
    };
    Ok(Section {
        id: "ngram",
        title: TITLE,
        article: ARTICLE,
        explanation: EXPLANATION,
        findings: extremes(&said, "fastest", "slowest").unwrap_or_default(),
        svg,
        busy: figures
            .busy(&[("ngram", "rust", "the Rust benches"), ("ngram", "python", "the Python baselines")]),
    })
}

/// "reduce(merge_dict) is a cost of its own": the Python MapReduce's reduce, after the map,
/// against its whole time (the article's window). One run: a share of at least 5% holds; a
/// smaller one cannot be told from what one run varies by.
pub fn claims(figures: &Figures) -> Vec<Claim> {
    let Some(p) = python(figures).into_iter().find(|p| p.model == "mapreduce" && p.interpreter.is_none())
    else {
        return Vec::new();
    };
    let Some(reduce) = p.reduce_s else { return Vec::new() };
    let share = reduce / p.elapsed_s;
    vec![Claim {
        claim: "reduce(merge_dict) is a cost of its own: one core merges every chunk's dict after the map"
            .into(),
        article: "(no figure: the article times map and reduce together)".into(),
        measured: format!(
            "the Python MapReduce's reduce{}: {} of {} ({:.0}%), one run",
            p.chunks.map_or(String::new(), |c| format!(" over {c} dicts")),
            seconds(reduce),
            seconds(p.elapsed_s),
            share * 100.0
        ),
        verdict: if share >= super::findings::MIN_NOISE {
            Verdict::Holds
        } else {
            Verdict::CannotTell("under 5% of the total: within what one run varies".into())
        },
    }]
}
