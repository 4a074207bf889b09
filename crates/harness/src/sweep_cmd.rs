//! `harness sweep FILE`: the article's Goldilocks question answered with data. The engine
//! (and the process model copying each chunk to its workers, the article's pickling) run
//! over the same file at chunk sizes from far too small to far too large; one record per
//! point goes to a JSON-lines file, which `harness report` draws as a curve.

use std::num::NonZeroUsize;
use std::time::Instant;
use workload::shown::Shown;

use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions, Source};

use crate::cli::SweepArgs;
use crate::models::{EngineExecutor, Model, Settings};
use crate::output::{self, OutputFile};
use crate::report::record::{Dataset, Record};
use crate::{machine, CliError};

/// Chunk sizes: powers of four from `min` up to `max`, and never past the file itself.
pub fn chunk_sizes(min: u64, max: u64, file_bytes: u64) -> Vec<u64> {
    let top = max.min(file_bytes.max(min));
    std::iter::successors(Some(min.max(1)), |s| s.checked_mul(4)).take_while(|s| *s <= top).collect()
}

pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    // A bad output is refused before any work.
    output::check(&args.out, std::slice::from_ref(&args.file))?;
    workload::input::check_rereadable(&args.file, "harness sweep")?;
    if workload::input::is_gzip(&args.file) {
        return Err(CliError::Message(format!(
            "{}: harness sweep times the reading of a plain file (and its process series opens byte ranges of it): decompress it first",
            args.file.shown()
        )));
    }
    let workers = args.workers.unwrap_or_else(machine::cores).get();
    let file = InputFile::open(&args.file).map_err(|e| e.to_string())?;
    let file_bytes = file.bytes().len() as u64;
    let sizes = chunk_sizes(args.min, args.max, file_bytes);
    if sizes.is_empty() {
        return Err(CliError::Message(format!(
            "harness sweep: no chunk size between {} and {}",
            args.min, args.max
        )));
    }
    let in_process = Settings::default();
    let processes = Settings { executor: EngineExecutor::Processes, ..Settings::default() };
    let copied = Settings { ship: process::Ship::Bytes, ..Settings::default() };
    let mut series: Vec<(&str, Model, Settings)> = vec![
        ("mapreduce", Model::MapReduce, in_process),
        ("mapreduce, processes", Model::MapReduce, processes),
    ];
    if !args.engine_only {
        series.push(("process (chunks copied)", Model::Process, copied));
    }
    let mut points = Vec::new();
    let load = machine::Load::now();
    let mut answer: Option<(u64, usize, Option<u64>)> = None;
    for (label, model, settings) in &series {
        for &size in &sizes {
            let options = NgramOptions {
                chunking: Chunking::Bytes(NonZeroUsize::new(size as usize).expect("sizes start at 1")),
                skip_malformed: false,
                ..NgramOptions::default()
            };
            let mut runs = Vec::new();
            for _ in 0..args.repeat.get() {
                // A fresh mapping each run, as `harness ngram` does: the reading is timed.
                let input = InputFile::open(&args.file).map_err(|e| e.to_string())?;
                let sources: Vec<Source<'_>> = vec![input.source()];
                let started = Instant::now();
                let output = model
                    .ngram_with(model.default_algorithm(), &sources, &options, workers, settings)
                    .map_err(|e| e.to_string())?;
                runs.push(started.elapsed().as_secs_f64());
                let got = (output.lines, output.distinct(), output.total_match_count());
                match &answer {
                    None => answer = Some(got),
                    Some(want) if *want != got => {
                        return Err(CliError::Message(format!(
                            "harness sweep: {label} at {size}-byte chunks disagrees: {got:?} against {want:?}"
                        )))
                    }
                    Some(_) => {}
                }
            }
            let mut sorted = runs.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let chunks = file_bytes.div_ceil(size);
            eprintln!("harness sweep: {label:<24} {:>10} chunks of {size:>10} bytes: {median:.3} s", chunks);
            let mut point = Record {
                variant: Some(label.to_string()),
                workers: Some(workers as u64),
                chunk_bytes: Some(size),
                chunks: Some(chunks),
                elapsed_min_s: Some(sorted[0]),
                elapsed_max_s: Some(sorted[sorted.len() - 1]),
                runs: Some(runs.len() as u64),
                rounds_s: Some(runs),
                ..Record::new("sweep", model.name(), "rust", median)
            };
            point.extra.insert("executor".into(), format!("{:?}", settings.executor).to_lowercase().into());
            points.push(point);
        }
    }
    let (lines, distinct, total) = answer.expect("at least one run");
    let stamp = machine::stamp_since(&load);
    let dataset = Dataset {
        file: Some(args.file.display().to_string()),
        lines: Some(lines),
        bytes: Some(file_bytes),
        distinct: Some(distinct as u64),
        synthetic: None,
    };
    let mut out = OutputFile::create(&args.out)?;
    for point in points {
        let point = Record {
            dataset: Some(dataset.clone()),
            total_match_count: total,
            stamp: Some(stamp.clone()),
            ..point
        };
        use std::io::Write;
        writeln!(out, "{}", point.to_line()).map_err(|e| format!("{}: {e}", args.out.shown()))?;
    }
    out.commit()?;
    eprintln!("harness sweep: wrote {}", args.out.shown());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_powers_of_four_capped_by_the_file() {
        assert_eq!(chunk_sizes(4096, 1 << 20, 1 << 30), [4096, 16384, 65536, 262144, 1048576]);
        assert_eq!(chunk_sizes(4096, 1 << 30, 100_000), [4096, 16384, 65536]);
        assert_eq!(chunk_sizes(4096, 1 << 30, 10), [4096]);
        assert!(chunk_sizes(1 << 20, 4096, 1 << 30).is_empty());
    }
}
