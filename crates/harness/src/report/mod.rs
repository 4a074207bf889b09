//! `harness report`: every source's records (the benches, `harness claims`, `harness python`,
//! `harness sweep`) in one list of the one record type (`reports/results.json`) and one
//! self-contained page (`reports/index.html`) of charts, each section with what it shows, which
//! part of the article it answers and what this run's figures say, and the article's claims
//! with their verdicts. One file per section: its chart, its findings and its claims together.

mod canary;
pub mod charts;
mod chunks;
mod claims;
mod cores;
mod count;
mod event_loop;
pub mod figures;
pub mod findings;
mod ngram;
mod one_run;
mod overhead;
mod page;
pub mod record;
mod result_order;
pub mod sources;
mod speedup;
mod workers;

use std::io::Write;
use std::path::{Path, PathBuf};
use workload::shown::Shown;

use crate::claims::Verdict;
use crate::cli::ReportArgs;
use crate::machine;
use crate::output::{self, OutputFile};
use figures::Figures;
use findings::Claim;
use record::Record;
use sources::Source;

pub use page::Section;

/// A section of the page, drawn from the run's figures.
type Draw = fn(&Figures) -> Result<Section, String>;

/// The page's sections, in order: adding a chart is a file of its own and a line here.
const SECTIONS: &[Draw] = &[
    count::section,
    cores::section,
    canary::section,
    speedup::section,
    ngram::section,
    workers::section,
    chunks::section,
    overhead::section,
    event_loop::section,
];

/// Where the claims table's rows come from: the claims measured side by side, then those the
/// sections judge from their own figures.
const CLAIMS: &[fn(&Figures) -> Vec<Claim>] =
    &[claims::claims, chunks::claims, event_loop::claims, result_order::claims, ngram::claims];

/// Every source of records, in the order that defines the run (the benches' first).
fn all_sources(args: &ReportArgs) -> Vec<Source> {
    let mut all = sources::benches(&args.criterion);
    all.push(Source { path: args.claims.clone(), rerun: "just bench" });
    all.push(Source { path: args.python.clone(), rerun: "just python" });
    all.push(Source { path: args.sweep.clone(), rerun: "just sweep" });
    all
}

/// The files the page writes, checked before any work.
fn outputs(args: &ReportArgs) -> Vec<PathBuf> {
    let mut out = vec![args.out.join("results.json"), args.out.join("index.html")];
    out.extend(SECTION_IDS.iter().map(|id| args.out.join(format!("{id}.svg"))));
    out
}

/// Every section's id (its SVG file's name).
const SECTION_IDS: &[&str] =
    &["count", "cores", "canary", "speedup", "ngram", "workers", "chunks", "overhead", "event-loop"];

fn write(path: &Path, text: &str) -> Result<(), String> {
    let mut file = OutputFile::create(path)?;
    file.write_all(text.as_bytes()).map_err(|e| format!("{}: {e}", path.shown()))?;
    file.commit()
}

pub fn run(args: &ReportArgs) -> Result<(), String> {
    if args.out.exists() && !args.out.is_dir() {
        return Err(format!(
            "{}: is not a folder; give the folder for results.json, index.html and the charts",
            args.out.shown()
        ));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.shown()))?;
    let sources = all_sources(args);
    let inputs: Vec<PathBuf> = sources.iter().map(|s| s.path.clone()).collect();
    for target in outputs(args) {
        output::check(&target, &inputs)?;
    }
    let mut read = Vec::new();
    for source in &sources {
        if let Some(records) = sources::read(source)? {
            read.push((source, records));
        }
    }
    refuse_duplicates(&read)?;
    let all: Vec<Record> = read.iter().flat_map(|(_, r)| r.iter().cloned()).collect();
    if all.is_empty() {
        return Err(format!(
            "nothing to report: no records under {} and none in {}, {} or {}; run `just bench` (or `just bench-quick`) first",
            args.criterion.shown(),
            args.claims.shown(),
            args.python.shown(),
            args.sweep.shown()
        ));
    }
    // The run this page draws: the benches' N, shard and machine (the first source that says).
    let run = one_run::Run::of(&all);
    let mut aside = Vec::new();
    let mut records = Vec::new();
    for (source, from) in read {
        records.extend(one_run::keep(&run, source, from, &mut aside));
    }
    let stamp = records.iter().find_map(|r| r.stamp.clone());
    let (cores, machine_line) = match &stamp {
        Some(s) => (
            s.cores.map_or(machine::cores().get(), |c| c as usize),
            format!(
                "{}, {} cores ({}), measured {} at commit {}",
                s.cpu.as_deref().unwrap_or("?"),
                s.cores.map_or("?".into(), |c| c.to_string()),
                s.os.as_deref().unwrap_or("?"),
                s.date.as_deref().unwrap_or("?"),
                s.commit.as_deref().unwrap_or("?")
            ),
        ),
        None => (
            machine::cores().get(),
            format!("{} (no record says where it was measured: this machine, now)", machine::describe()),
        ),
    };
    // Everything is drawn before anything is written: a figure that cannot be drawn leaves
    // the previous page, its charts and its results.json as they were.
    let results_path = args.out.join("results.json");
    let results = serde_json::to_string_pretty(&records).expect("records serialise");
    let figures = Figures { records, cores };
    let sections: Vec<Section> =
        SECTIONS.iter().map(|section| section(&figures)).collect::<Result<_, _>>()?;
    let claims: Vec<Claim> = CLAIMS.iter().flat_map(|claims| claims(&figures)).collect();
    for a in &aside {
        eprintln!("harness report: {}", a.sentence());
    }
    let set_aside: Vec<String> = aside.iter().map(one_run::SetAside::sentence).collect();
    let html = page::render(
        &sections,
        &page::Context {
            machine: &machine_line,
            set_aside: &set_aside,
            dataset: figures.dataset(),
            claims: &claims,
            claims_method: claims::METHOD,
            criterion_report: &args.criterion.join("report/index.html"),
            out_dir: &args.out,
            no_python: !figures.records.iter().any(|r| r.lang == "python"),
        },
    );
    let index = args.out.join("index.html");
    write(&results_path, &results)?;
    // Each chart also as its own file, for slides and notebooks.
    for section in &sections {
        if let Some(svg) = &section.svg {
            write(&args.out.join(format!("{}.svg", section.id)), svg)?;
        }
    }
    write(&index, &html)?;
    for c in &claims {
        eprintln!("harness report: {}: {}; {}", c.claim, c.measured, c.verdict);
    }
    eprintln!(
        "harness report: {} records in {}, {} charts in {}",
        figures.records.len(),
        results_path.shown(),
        sections.iter().filter(|s| s.svg.is_some()).count(),
        index.shown()
    );
    let failed: Vec<&Claim> = claims.iter().filter(|c| c.verdict == Verdict::DoesNotHold).collect();
    if args.strict && !failed.is_empty() {
        return Err(format!(
            "harness report --strict: {} of the article's claims do not hold on this run: {}",
            failed.len(),
            failed.iter().map(|c| c.claim.as_str()).collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(())
}

/// The same record in two sources (a file given twice, one copied into another) would draw
/// every bar twice: refused, naming both files. (Within one file, [`sources::read`] refuses it.)
fn refuse_duplicates(read: &[(&Source, Vec<Record>)]) -> Result<(), String> {
    let mut seen: std::collections::HashMap<String, &Source> = std::collections::HashMap::new();
    for (source, records) in read {
        for r in records {
            if let Some(first) = seen.insert(r.to_line(), source) {
                return Err(format!(
                    "{}: holds the same record as {} ({} {} {}); a source was given twice or copied into another",
                    source.path.shown(),
                    first.path.shown(),
                    r.lang,
                    r.job,
                    r.model
                ));
            }
        }
    }
    Ok(())
}
