//! The command line, as the CLI contract in ARCHITECTURE.md states it.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::models::{parse_model_choice, ModelChoice};

#[derive(Debug, Parser)]
#[command(
    name = "harness",
    version,
    about = "Runs the article's two jobs (count, ngram) under every concurrency model and compares them.",
    after_help = "Examples:\n  harness gen --out data/a.tsv\n  harness count --model all --to 100000000 --tasks 2\n  harness ngram data/a.tsv --model threads --word Aardvark --top 5"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic Google Books Ngram 2012 1-gram shard (defaults: the real 'a' shard's shape).
    Gen(GenArgs),
    /// K tasks each counting to N, under one model or all of them.
    Count(CountArgs),
    /// Sum match_count per ngram over one or more shard files.
    Ngram(NgramArgs),
    /// Count each word of text files (each line split on single spaces: the article's first
    /// MapReduce), with ngram's options, under one model or all of them.
    #[command(mut_arg("files", |a| a.help("Text files: each line split on single spaces, each word counted")))]
    Wordcount(NgramArgs),
    /// Run the article's Python programs (python/) as baselines, in a venv made here.
    Python(PythonArgs),
    /// Time the MapReduce engine (and the process model, chunks copied) over chunk sizes from
    /// tiny to huge: the article's Goldilocks question, as JSON for the report.
    Sweep(SweepArgs),
    /// Measure the article's claims side by side: each claim's two sides alternate in the
    /// same rounds until an interval decides it or its time budget is spent.
    Claims(ClaimsArgs),
    /// Join the part files of a spread timely run (`harness ngram --engine timely --reduce
    /// spread --output FILE`) into FILE, checked against their manifest: byte for byte what
    /// one process writes.
    MergeParts(MergePartsArgs),
    /// Turn every source's records (benches, claims, Python baselines, sweep) into reports/
    /// (JSON, SVG, HTML).
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// N for Rust's count claims (and the fold check: N against 4N).
    #[arg(long, default_value = "100000000", value_parser = parse_u64)]
    pub to: u64,
    /// N for Python's count claims (default: N / 10: a CPython step costs a hundred Rust ones).
    #[arg(long, value_parser = parse_u64)]
    pub python_to: Option<u64>,
    /// K: tasks of the count claims.
    #[arg(long, default_value = "2", value_parser = parse_tasks)]
    pub tasks: usize,
    /// Workers (default: the number of cores; at most 256).
    #[arg(long, value_parser = parse_workers)]
    pub workers: Option<NonZeroUsize>,
    /// The shard for the MapReduce engine's claim (one worker against all); skipped without one.
    #[arg(long)]
    pub shard: Option<PathBuf>,
    /// The Python interpreters whose claims are measured (repeatable; default: python3). A
    /// free-threaded build runs twice, its GIL switched on and off (its threads claimed not
    /// to scale, then to), and its serial loop against the first's; without a Python 3 the
    /// Python claims are skipped with a message.
    #[arg(long, default_value = "python3")]
    pub python: Vec<PathBuf>,
    /// Rust's claims only.
    #[arg(long)]
    pub no_python: bool,
    /// Seconds all the claims' rounds may take together (shared: a sixth to Rust's count, a
    /// twentieth to the fold check, a fifth to the engine, the rest to Python; a further
    /// `--python` adds a quarter of Python's share per GIL setting, and a free-threaded one a
    /// quarter more for its loop against the first's).
    #[arg(long, default_value = "100", value_parser = parse_u64)]
    pub budget: u64,
    /// Where the records go (one per line: every claim, and Python's count rows).
    #[arg(long, default_value = "reports/claims.jsonl")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The shard to sweep over.
    pub file: PathBuf,
    /// Smallest chunk, bytes (sizes go up in powers of four; accepts 4KiB; from 1KiB to
    /// 1GiB, as `ngram --chunk-bytes`).
    #[arg(long, default_value = "4096", value_parser = parse_chunk_bytes_u64)]
    pub min: u64,
    /// Largest chunk, bytes (never more than the file; from 1KiB to 1GiB).
    #[arg(long, default_value = "268435456", value_parser = parse_chunk_bytes_u64)]
    pub max: u64,
    /// Runs per point (the median is kept; at most 1000).
    #[arg(long, default_value = "3", value_parser = parse_repeat)]
    pub repeat: NonZeroUsize,
    /// Workers (default: the number of cores; at most 256).
    #[arg(long, value_parser = parse_workers)]
    pub workers: Option<NonZeroUsize>,
    /// Only the engine (its rayon and process executors), not the process model.
    #[arg(long)]
    pub engine_only: bool,
    /// Where the JSON goes.
    #[arg(long, default_value = "reports/sweep.jsonl")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct PythonArgs {
    /// N: the heartbeat's and the result order's counts are a fifth of it (at least 1e7).
    /// (Python's count itself is measured by `harness claims`.)
    #[arg(long, default_value = "100000000", value_parser = parse_u64)]
    pub to: u64,
    /// K (kept for scripts that pass it; Python's count is `harness claims`'s).
    #[arg(long, default_value = "2", value_parser = parse_usize)]
    pub tasks: usize,
    /// Worker processes (default: the number of cores; at most 256).
    #[arg(long, value_parser = parse_workers)]
    pub workers: Option<NonZeroUsize>,
    /// N for the count under each model by every `--python` after the first (default:
    /// --to). (The first's count is `harness claims`'s.)
    #[arg(long, value_parser = parse_u64)]
    pub count_to: Option<u64>,
    /// Runs per script that repeats (the heartbeat, the result order; the median is reported;
    /// at most 1000).
    #[arg(long, default_value = "1", value_parser = parse_repeat)]
    pub repeat: NonZeroUsize,
    /// Shard for the MapReduce baseline (skipped without one).
    #[arg(long)]
    pub shard: Option<PathBuf>,
    /// Lines per chunk for the MapReduce baseline (the article: 4000000).
    #[arg(long, default_value = "4000000", value_parser = parse_u64)]
    pub chunk_lines: u64,
    /// Where the JSON records go (one per line).
    #[arg(long, default_value = "reports/python.jsonl")]
    pub out: PathBuf,
    /// The Python interpreter that runs every baseline (default: python3 on PATH); repeat it
    /// for more: each further one runs the count under every model, and a free-threaded
    /// build (`just free-threaded`) runs it, the event loop and the MapReduce on threads with
    /// its GIL switched on and off.
    #[arg(long, default_value = "python3")]
    pub python: Vec<PathBuf>,
    /// The venv to run the baselines in (made if missing; default: .venv at the repository root).
    #[arg(long)]
    pub venv: Option<PathBuf>,
    /// Also time polars on the shard (installed into the venv from PyPI if missing; skipped
    /// with a message if that fails).
    #[arg(long)]
    pub polars: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder for results.json and index.html.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// The benches' folder (criterion's output; each group's records.jsonl in it).
    #[arg(long, default_value = "target/criterion")]
    pub criterion: PathBuf,
    /// The claims measured side by side (`harness claims`).
    #[arg(long, default_value = "reports/claims.jsonl")]
    pub claims: PathBuf,
    /// The Python baselines' records (missing: the report says so).
    #[arg(long, default_value = "reports/python.jsonl")]
    pub python: PathBuf,
    /// `harness sweep`'s output, drawn on the chunk-size chart when present.
    #[arg(long, default_value = "reports/sweep.jsonl")]
    pub sweep: PathBuf,
    /// Exit non-zero when one of the article's claims that should hold on this machine does
    /// not (the page is written either way).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Lines to write, planted aardvark rows included.
    #[arg(long, default_value_t = workload::gen::DEFAULT_LINES, value_parser = parse_u64)]
    pub lines: u64,
    /// Distinct ngrams (default: as many as the real shard has for this many lines, about one
    /// per 21.7 lines: 4,000,000 for the default 86,618,505).
    #[arg(long, value_parser = parse_u64)]
    pub unique: Option<u64>,
    /// Seed: the same seed always gives the same bytes.
    #[arg(long, default_value_t = workload::gen::DEFAULT_SEED)]
    pub seed: u64,
    /// Output file (written to a temporary file of its own beside it, then renamed, so a
    /// stopped run never leaves a file that looks complete; a symlink or a device is refused).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CountArgs {
    #[arg(long, value_parser = parse_model_choice, help = crate::models::model_help())]
    pub model: ModelChoice,
    /// N: how far each task counts (accepts 100000000, 100_000_000 or 1e8).
    #[arg(long, default_value = "100000000", value_parser = parse_u64)]
    pub to: u64,
    /// K: how many tasks (accepts 2, 1_000 or 1e3; at most 1e9).
    #[arg(long, default_value = "2", value_parser = parse_tasks)]
    pub tasks: usize,
    /// Worker threads/processes (default: the number of cores; at most 256).
    #[arg(long, value_parser = parse_workers)]
    pub workers: Option<NonZeroUsize>,
    /// Run each model this many times and report the median (a single short run on a
    /// shared machine is noisy).
    #[arg(long, default_value = "3", value_parser = parse_repeat)]
    pub repeat: NonZeroUsize,
    /// Print one JSON object per model run instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Seconds a busy worker process may send nothing, not even its heartbeat (every 0.5 s),
    /// before it is taken for stopped or frozen, killed and reported (default 60).
    #[arg(long, value_parser = parse_worker_timeout)]
    pub worker_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct NgramArgs {
    /// Shard files (ngram TAB year TAB match_count TAB volume_count).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long, value_parser = parse_model_choice, help = crate::models::model_help())]
    pub model: ModelChoice,
    /// The article's algorithm (merge: map chunks, merge the maps) or the MapReduce engine's
    /// (partitioned: map + combine into partitions, reduce them in parallel). Default: the
    /// engine's for mapreduce, the article's for the others; with `--model all`, both.
    #[arg(long, value_enum)]
    pub algorithm: Option<crate::models::Algorithm>,
    /// Worker threads/processes (default: the number of cores; at most 256).
    #[arg(long, value_parser = parse_workers)]
    pub workers: Option<NonZeroUsize>,
    /// Cut the input into chunks of about this many bytes, at newlines (accepts 64MiB, 1e6;
    /// from 1KiB to 1GiB).
    #[arg(long, value_parser = parse_chunk_bytes, conflicts_with = "chunk_lines")]
    pub chunk_bytes: Option<NonZeroUsize>,
    /// Cut the input into chunks of this many lines (the article uses 4000000).
    #[arg(long, value_parser = parse_nonzero)]
    pub chunk_lines: Option<NonZeroUsize>,
    /// Report this ngram's total (repeatable).
    #[arg(long = "word")]
    pub words: Vec<String>,
    /// Report the K ngrams with the largest totals (0: none).
    #[arg(long, default_value = "10", value_parser = parse_usize)]
    pub top: usize,
    /// Write every ngram and its total, `ngram TAB total`, sorted by ngram bytes.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Print one JSON object per model run instead of text.
    #[arg(long)]
    pub json: bool,
    /// Run every model this many rounds (each model once per round, so a drift of the
    /// machine hits every model alike) and report the median, the fastest and slowest run,
    /// and the speedup over serial as the median of the ratios within a round.
    #[arg(long, default_value = "1", value_parser = parse_repeat)]
    pub repeat: NonZeroUsize,
    /// Skip malformed lines (and report how many) instead of stopping at the first.
    #[arg(long)]
    pub skip_malformed: bool,
    /// How the process model hands chunks to its workers: copy the bytes down the pipe
    /// (what pickling does), or send the byte range and let the worker read the file.
    #[arg(long, value_enum)]
    pub ship: Option<ShipArg>,
    /// What runs the mapreduce model: the engine's rayon pool or std threads, or child
    /// processes for the map phase (they read their byte ranges and send their partitions
    /// back: the process model's run of the same algorithm).
    #[arg(long, value_enum)]
    pub executor: Option<crate::models::EngineExecutor>,
    /// Partitions of the key space for the partitioned algorithm, on any model (default: four
    /// per worker, more for big inputs: about one per 8 MiB; at most 65536).
    #[arg(long, value_parser = parse_partitions)]
    pub partitions: Option<NonZeroUsize>,
    /// Which engine runs the mapreduce model: this repository's own (native), or timely-dataflow,
    /// which can span processes and hosts (`--workers` is then threads per process).
    #[arg(long, value_enum, default_value_t = EngineArg::Native)]
    pub engine: EngineArg,
    /// With `--engine timely`: how many processes take part (timely's `-n`).
    #[arg(long, default_value = "1", value_parser = parse_nonzero)]
    pub processes: NonZeroUsize,
    /// With `--engine timely`: which one this is, from 0 (timely's `-p`); process 0 prints the
    /// result and writes `--output`.
    #[arg(long, default_value_t = 0)]
    pub process: usize,
    /// With `--engine timely`: `host:port` per process, one per line, in process order
    /// (timely's `-h`; `#` comments and blank lines allowed; default: localhost from port
    /// 2101).
    #[arg(long)]
    pub hostfile: Option<PathBuf>,
    /// With `--engine timely`: seconds to wait for every process to connect.
    #[arg(long, default_value_t = 30)]
    pub connect_timeout: u64,
    /// With `--engine timely`: each process was given its own files (different ones on each
    /// host) and reads all of them; by default every process is given the same files and
    /// reads its share of their byte ranges.
    #[arg(long)]
    pub own_files: bool,
    /// With `--engine timely`: where the partitions are reduced. `spread` (the default):
    /// each by the worker that owns it, in whichever process; of the answer, only each
    /// process's share (distinct, total, top, words) crosses to process 0, and `--output`
    /// becomes one part file per process and a manifest (`harness merge-parts` joins them).
    /// `others`: the same on every process but 0, which maps and reduces nothing (only the
    /// answer crosses to it). `gathered`: every partition on process 0, which writes
    /// `--output` whole.
    #[arg(long, value_enum)]
    pub reduce: Option<ReduceArg>,
    /// Seconds a busy worker process may send nothing, not even its heartbeat (every 0.5 s),
    /// before it is taken for stopped or frozen and killed (default 60). The engine on
    /// processes then runs that worker's share again on a new worker; the others fail. With
    /// `--engine timely` and several processes: how long a silent process is waited for.
    #[arg(long, value_parser = parse_worker_timeout)]
    pub worker_timeout: Option<u64>,
}

/// `--engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    Native,
    Timely,
}

/// `--reduce`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReduceArg {
    #[default]
    Spread,
    Others,
    Gathered,
}

#[derive(Debug, Args)]
pub struct MergePartsArgs {
    /// The manifest a spread run wrote beside its `--output` (`OUTPUT.manifest`); its parts
    /// are looked for in the manifest's folder.
    pub manifest: PathBuf,
    /// Where to write the merged file (default: the run's `--output` name, beside the
    /// manifest).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `--ship`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ShipArg {
    /// range for files on disk
    #[default]
    Auto,
    Bytes,
    Range,
}

impl From<ShipArg> for process::Ship {
    fn from(arg: ShipArg) -> Self {
        match arg {
            ShipArg::Auto => process::Ship::Auto,
            ShipArg::Bytes => process::Ship::Bytes,
            ShipArg::Range => process::Ship::Range,
        }
    }
}

/// A whole number, written plainly (100000000), with underscores (100_000_000) or in
/// scientific notation (1e8, 2.5e6) as long as the value is whole.
pub fn parse_u64(text: &str) -> Result<u64, String> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Ok(v) = plain.parse::<u64>() {
        return Ok(v);
    }
    if plain.contains(['e', 'E']) {
        if let Ok(f) = plain.parse::<f64>() {
            if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 {
                return Ok(f as u64);
            }
        }
    }
    Err(format!("'{text}' is not a non-negative whole number"))
}

fn parse_usize(text: &str) -> Result<usize, String> {
    usize::try_from(parse_u64(text)?).map_err(|_| format!("'{text}' is too large"))
}

fn parse_nonzero(text: &str) -> Result<NonZeroUsize, String> {
    let v = parse_u64(text)?;
    usize::try_from(v).ok().and_then(NonZeroUsize::new).ok_or_else(|| format!("'{text}' must be at least 1"))
}

/// The most worker threads or processes a run may ask for: far past any core count this
/// workspace is for, and below the point where per-worker tables (W workers x R partitions)
/// and thread stacks swamp the job.
pub const MAX_WORKERS: usize = 256;
/// The most partitions (R): each worker keeps a buffer per partition.
pub const MAX_PARTITIONS: usize = 1 << 16;
/// The most count tasks (K): a process worker is told its share as a 32-bit count.
pub const MAX_TASKS: usize = 1_000_000_000;
/// Chunk sizes: from 1 KiB (smaller makes the chunk plan larger than the data it describes)
/// to 1 GiB (the largest frame a worker process accepts when chunks are shipped as bytes).
pub const CHUNK_BYTES: std::ops::RangeInclusive<usize> = (1 << 10)..=(1 << 30);

fn at_most(text: &str, value: usize, max: usize, what: &str) -> Result<usize, String> {
    if value > max {
        return Err(format!("'{text}' is more than the {max} {what} a run may use"));
    }
    Ok(value)
}

/// The most runs `--repeat` may ask for: a thousand rounds is hours of a full shard, and
/// far past where a median stops moving.
pub const MAX_REPEAT: usize = 1000;

fn parse_repeat(text: &str) -> Result<NonZeroUsize, String> {
    let n = parse_nonzero(text)?;
    at_most(text, n.get(), MAX_REPEAT, "runs")?;
    Ok(n)
}

fn parse_workers(text: &str) -> Result<NonZeroUsize, String> {
    let n = parse_nonzero(text)?;
    at_most(text, n.get(), MAX_WORKERS, "workers")?;
    Ok(n)
}

fn parse_partitions(text: &str) -> Result<NonZeroUsize, String> {
    let n = parse_nonzero(text)?;
    at_most(text, n.get(), MAX_PARTITIONS, "partitions")?;
    Ok(n)
}

fn parse_tasks(text: &str) -> Result<usize, String> {
    let n = parse_usize(text)?;
    at_most(text, n, MAX_TASKS, "tasks")
}

fn parse_chunk_bytes(text: &str) -> Result<NonZeroUsize, String> {
    let n = parse_bytes(text)?;
    if !CHUNK_BYTES.contains(&n.get()) {
        return Err(format!("'{text}' is outside 1KiB..=1GiB, the chunk sizes a run may use"));
    }
    Ok(n)
}

fn parse_chunk_bytes_u64(text: &str) -> Result<u64, String> {
    parse_chunk_bytes(text).map(|n| n.get() as u64)
}

fn parse_worker_timeout(text: &str) -> Result<u64, String> {
    let n = parse_nonzero(text)?.get() as u64;
    if n > 86_400 {
        return Err(format!("'{text}' seconds is more than a day"));
    }
    Ok(n)
}

/// A byte size: a whole number with an optional KiB/MiB/GiB (or K/M/G, KB/MB/GB) suffix.
pub fn parse_bytes(text: &str) -> Result<NonZeroUsize, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return Err(format!("'{text}': unknown unit '{unit}' (use B, KiB, MiB, GiB, KB, MB, GB)")),
    };
    let value = parse_u64(number)?.checked_mul(scale).ok_or_else(|| format!("'{text}' is too large"))?;
    parse_nonzero(&value.to_string()).map_err(|_| format!("'{text}' must be at least 1 byte"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_every_spelling() {
        assert_eq!(parse_u64("100000000"), Ok(100_000_000));
        assert_eq!(parse_u64("100_000_000"), Ok(100_000_000));
        assert_eq!(parse_u64("1e8"), Ok(100_000_000));
        assert_eq!(parse_u64("2.5e6"), Ok(2_500_000));
        assert!(parse_u64("1.5").is_err());
        assert!(parse_u64("-3").is_err());
        assert!(parse_u64("1e-3").is_err());
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("64MiB").unwrap().get(), 64 << 20);
        assert_eq!(parse_bytes("1e6").unwrap().get(), 1_000_000);
        assert_eq!(parse_bytes("4k").unwrap().get(), 4000);
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("12 parsecs").is_err());
    }
}
