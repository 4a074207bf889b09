//! `harness python`: run the article's programs (python/) as baselines with the same shard
//! as the Rust side: the event loop's heartbeat, the order of results, the article's
//! MapReduce (standard library only: run by the interpreter asked for), and polars (from a
//! venv this project makes itself, `.venv`, when it is of that interpreter). (The count, under
//! every model, is measured side by side with its serial loop by `harness claims`.) Without a
//! Python 3 on the PATH it says so and skips; a program asked for that is not a Python 3 is
//! an error. The output is checked before any work and written whole, or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use workload::shown::Shown;

use crate::cli::PythonArgs;
use crate::interpreter::{free_threaded, python_version, scripts_dir, Gil};
use crate::machine;
use crate::output::{self, OutputFile};
use crate::report::record::Record;
use crate::script::Script;

/// `VENV/bin/python` when the venv is (or can be made) of the same Python as `python`;
/// `None` otherwise (polars then needs `--venv` of that interpreter).
fn venv_python(python: &Path, version: &str, venv: &Path) -> Option<PathBuf> {
    let bin = venv.join("bin/python");
    if !bin.exists() {
        eprintln!("harness python: creating {} with {version}", venv.shown());
        let made = Command::new(python).args(["-m", "venv"]).arg(venv).status().is_ok_and(|s| s.success());
        if !made || !bin.exists() {
            eprintln!("harness python: could not create a venv at {} (no venv module?)", venv.shown());
            return None;
        }
    }
    if python_version(&bin).as_deref() != Some(version) {
        eprintln!(
            "harness python: {} is a venv of another Python than {} ({version}); give --venv a venv of it",
            venv.shown(),
            python.shown()
        );
        return None;
    }
    Some(bin)
}

/// Which interpreter a script's records are of (none: the first, the article's own), and how
/// it was run.
#[derive(Debug, Clone)]
struct As {
    interpreter: Option<String>,
    gil: Gil,
}

/// Whether `python` can be started at all: `Ok(false)` for a missing program (no Python
/// here, a skip), an error for one that cannot be run (not executable, a folder).
fn exists(python: &Path) -> Result<bool, String> {
    match Command::new(python).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("harness python: {} cannot be run: {e}", python.shown())),
    }
}

/// How long a baseline may print nothing before it is taken for stuck (the article's
/// MapReduce on the full shard runs for minutes before its one line).
const SCRIPT_SILENCE: Duration = Duration::from_secs(1800);

/// Runs one script, passing its stderr through, and returns its records (every line one, or
/// an error naming the script and the line). The script never outlives this ([`Script`]).
fn run_script(
    python: &Path,
    env: &[(&str, &str)],
    script: &str,
    args: &[String],
) -> Result<Vec<Record>, String> {
    let path = scripts_dir().join(script);
    let shown_env: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    eprintln!("harness python: {shown_env}{script} {}", args.join(" "));
    let mut child = Script::start_with(python, &path, args, false, env)?;
    let mut records = Vec::new();
    let mut number = 0;
    while let Some(line) = child.line(SCRIPT_SILENCE)? {
        number += 1;
        let record = Record::from_line(&line, &format!("{script}:{number}"))?;
        crate::report::sources::check(&record).map_err(|e| format!("{script}:{number}: {e}"))?;
        eprintln!("  {line}");
        records.push(record);
    }
    child.finish()?;
    if records.is_empty() {
        return Err(format!("{script} printed no record"));
    }
    Ok(records)
}

/// Whether polars can be imported, installing it (pinned in python/requirements-polars.txt)
/// when it cannot. Says why when it stays unavailable.
fn polars_ready(python: &Path) -> bool {
    let imports = || {
        Command::new(python)
            .args(["-c", "import polars"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if imports() {
        return true;
    }
    let requirements = scripts_dir().join("requirements-polars.txt");
    eprintln!("harness python: installing polars ({}) into the venv", requirements.shown());
    let installed = Command::new(python)
        .args(["-m", "pip", "install", "-q", "-r"])
        .arg(&requirements)
        .status()
        .is_ok_and(|s| s.success());
    if installed && imports() {
        return true;
    }
    eprintln!("harness python: polars could not be installed (offline?); skipping the polars baseline");
    false
}

pub fn run(args: &PythonArgs) -> Result<(), String> {
    let inputs: Vec<PathBuf> = args.shard.iter().cloned().collect();
    output::check(&args.out, &inputs)?;
    if let Some(shard) = &args.shard {
        workload::input::check_rereadable(shard, "harness python")?;
    }
    let (python, others) = args.python.split_first().expect("clap gives python3 by default");
    if !exists(python)? {
        let kept = if args.out.exists() {
            format!(" ({} is left as it was: it holds an earlier run's records)", args.out.shown())
        } else {
            String::new()
        };
        eprintln!(
            "harness python: no Python 3 found ({}); skipping the Python baselines{kept}",
            python.shown()
        );
        return Ok(());
    }
    let Some(version) = python_version(python) else {
        return Err(format!(
            "harness python: {} is not a Python 3 (`--version` did not say so)",
            python.shown()
        ));
    };
    let workers = args.workers.unwrap_or_else(machine::cores).get().to_string();
    let repeat = format!("--repeat={}", args.repeat);
    let mut records = Vec::new();
    let mut printed_by = std::collections::HashMap::new();
    // Each script's records with the stamp of its own run: where, when, and how busy the
    // machine was meanwhile; the Python that ran, as it said itself.
    let mut run_as = |python: &Path, as_: As, script: &str, script_args: &[String]| -> Result<(), String> {
        let load = machine::Load::now();
        let found = run_script(python, as_.gil.env(), script, script_args)?;
        let stamp = machine::stamp_since(&load);
        for mut record in found {
            // A further interpreter's process start-up is the first's (chart 5 has it once).
            if as_.interpreter.is_some() && record.job == "overhead" {
                continue;
            }
            record.interpreter = as_.interpreter.clone();
            let mut stamp = stamp.clone();
            stamp.python = record.extra.remove("python").and_then(|v| v.as_str().map(str::to_string));
            stamp.gil = record.extra.remove("gil").and_then(|v| v.as_bool());
            record.stamp = Some(stamp);
            if let Some(first) = printed_by.insert(record.identity(), script.to_string()) {
                return Err(format!(
                    "{script} printed a figure {first} printed too ({} {} {}); the scripts are out of step with harness",
                    record.lang, record.job, record.model
                ));
            }
            records.push(record);
        }
        Ok(())
    };
    // The event loop and the order of results, on a fifth of N but at least 1e7 steps (a
    // few hundred ms in CPython: long enough to see the loop stall, or the short results
    // wait, against a 10 ms beat), short enough not to double the run.
    let short = (args.to / 5).max(10_000_000).to_string();
    let mut run = |python: &Path, script: &str, script_args: &[String]| {
        run_as(python, As { interpreter: None, gil: Gil::AsBuilt }, script, script_args)
    };
    run(python, "heartbeat.py", &[format!("--to={short}"), repeat.clone()])?;
    run(
        python,
        "as_completed.py",
        &[format!("--to={short}"), repeat.clone(), format!("--workers={workers}")],
    )?;
    if let Some(shard) = &args.shard {
        let script_args = [
            shard.display().to_string(),
            format!("--chunk-lines={}", args.chunk_lines),
            format!("--workers={workers}"),
            "--word=Aardvark".to_string(),
        ];
        run(python, "mapreduce.py", &script_args)?;
    }
    if let (Some(shard), true) = (&args.shard, args.polars) {
        let venv = args
            .venv
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
        match venv_python(python, &version, &venv) {
            Some(venv_python) if polars_ready(&venv_python) => {
                let script_args = [shard.display().to_string(), "--word=Aardvark".to_string()];
                if let Err(e) = run(&venv_python, "polars_ngram.py", &script_args) {
                    eprintln!("harness python: polars skipped: {e}");
                }
            }
            _ => eprintln!("harness python: polars skipped"),
        }
    }
    // Every further interpreter: the count under each model (python3's is `harness claims`'s,
    // side by side with its serial), and for a free-threaded build, with its GIL switched on
    // and off: the count, the event loop, and the article's MapReduce on threads beside its
    // process pool.
    for other in others {
        let Some(other_version) = python_version(other) else {
            eprintln!("harness python: {} is not a Python 3 (or not there); skipped", other.shown());
            continue;
        };
        let name = other.file_name().map_or_else(|| other.shown(), |n| n.to_string_lossy().into_owned());
        let free = free_threaded(other);
        eprintln!(
            "harness python: {other_version} ({name}){}",
            if free { ", free-threaded: run with its GIL switched on, then off" } else { "" }
        );
        let count_to = args.count_to.unwrap_or(args.to);
        for gil in Gil::settings(free) {
            let as_ = As { interpreter: Some(name.clone()), gil };
            run_as(
                other,
                as_.clone(),
                "count.py",
                &[
                    format!("--to={count_to}"),
                    format!("--tasks={}", args.tasks),
                    format!("--workers={workers}"),
                    repeat.clone(),
                ],
            )?;
            if !free {
                continue;
            }
            run_as(other, as_.clone(), "heartbeat.py", &[format!("--to={short}"), repeat.clone()])?;
            if let (Some(shard), Gil::Off) = (&args.shard, gil) {
                for executor in ["threads", "processes"] {
                    let script_args = [
                        shard.display().to_string(),
                        format!("--chunk-lines={}", args.chunk_lines),
                        format!("--workers={workers}"),
                        "--word=Aardvark".to_string(),
                        format!("--executor={executor}"),
                    ];
                    run_as(other, as_.clone(), "mapreduce.py", &script_args)?;
                }
            }
        }
    }
    // Every MapReduce (and polars) answered the same: on threads, on processes, by every
    // interpreter. A disagreement is an error, not a row.
    let answers: Vec<&Record> = records.iter().filter(|r| r.job == "ngram").collect();
    if let Some((first, rest)) = answers.split_first() {
        for r in rest {
            if (r.total_match_count, r.distinct) != (first.total_match_count, first.distinct) {
                return Err(format!(
                    "harness python: {} {} gave {:?} total and {:?} distinct ngrams, {} {} gave {:?} and {:?}",
                    crate::report::figures::python_of(r),
                    r.variant.as_deref().unwrap_or(&r.model),
                    r.total_match_count,
                    r.distinct,
                    crate::report::figures::python_of(first),
                    first.variant.as_deref().unwrap_or(&first.model),
                    first.total_match_count,
                    first.distinct
                ));
            }
        }
    }
    let mut out = OutputFile::create(&args.out)?;
    for record in &records {
        writeln!(out, "{}", record.to_line()).map_err(|e| format!("{}: {e}", args.out.shown()))?;
    }
    out.commit()?;
    eprintln!("harness python: wrote {} records to {}", records.len(), args.out.shown());
    Ok(())
}
