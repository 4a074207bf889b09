//! `harness sweep FILE`: the article's Goldilocks question answered with data. The engine
//! (and the process model copying each chunk to its workers, the article's pickling) run
//! over the same file at chunk sizes from far too small to far too large; the medians go to
//! JSON, which `harness report` draws as a curve.

use std::num::NonZeroUsize;
use std::time::Instant;

use serde_json::json;
use workload::input::InputFile;
use workload::ngram::{Chunking, NgramOptions, Source};

use crate::cli::SweepArgs;
use crate::models::{EngineExecutor, Model, Settings};
use crate::{machine, CliError};

/// Chunk sizes: powers of four from `min` up to `max`, and never past the file itself.
pub fn chunk_sizes(min: u64, max: u64, file_bytes: u64) -> Vec<u64> {
    let top = max.min(file_bytes.max(min));
    std::iter::successors(Some(min.max(1)), |s| s.checked_mul(4)).take_while(|s| *s <= top).collect()
}

pub fn run(args: &SweepArgs) -> Result<(), CliError> {
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
            for _ in 0..args.repeat.max(1) {
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
            // A record of reports/results.json (the dataset and stamp are added below).
            points.push(json!({
                "job": "sweep",
                "lang": "rust",
                "series": label,
                "model": model.name(),
                "variant": label,
                "workers": workers,
                "executor": format!("{:?}", settings.executor).to_lowercase(),
                "chunk_bytes": size,
                "chunks": chunks,
                "elapsed_s": median,
                "elapsed_min_s": sorted[0],
                "elapsed_max_s": sorted[sorted.len() - 1],
                "runs": runs.len(),
                "runs_s": runs,
            }));
        }
    }
    let (lines, distinct, total) = answer.expect("at least one run");
    let stamp = machine::stamp_since(&load);
    let dataset = json!({"file": args.file.display().to_string(), "lines": lines, "bytes": file_bytes, "distinct": distinct});
    for point in &mut points {
        point["dataset"] = dataset.clone();
        point["stamp"] = stamp.clone();
    }
    let record = json!({
        "job": "sweep",
        "file": args.file.display().to_string(),
        "bytes": file_bytes,
        "lines": lines,
        "distinct": distinct,
        "total_match_count": total,
        "workers": workers,
        "machine": {"cpu": machine::cpu_model(), "cores": machine::cores().get()},
        "stamp": stamp,
        // Each point is one record of the results.json type.
        "points": points,
    });
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(&record).expect("JSON values serialise");
    let partial = args.out.with_extension("json.partial");
    std::fs::write(&partial, text).map_err(|e| format!("{}: {e}", partial.display()))?;
    std::fs::rename(&partial, &args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!("harness sweep: wrote {}", args.out.display());
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
