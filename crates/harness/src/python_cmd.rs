//! `harness python`: run the article's programs (python/) as baselines with the same N, K
//! and shard as the Rust side, in a venv this project makes itself (`.venv`). Without a
//! Python 3 it says so and skips, never fails.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cli::PythonArgs;
use crate::machine;

/// The repository's python/ folder.
fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python")
}

/// "Python 3.13.1" when `python` runs and is a Python 3.
fn python_version(python: &Path) -> Option<String> {
    let out = Command::new(python).arg("--version").output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(if out.stdout.is_empty() { &out.stderr } else { &out.stdout })
        .trim()
        .to_string();
    text.starts_with("Python 3").then_some(text)
}

/// `VENV/bin/python`, making the venv first if needed; `None` when no Python 3 is usable.
fn venv_python(python: &Path, venv: &Path) -> Option<PathBuf> {
    let bin = venv.join("bin/python");
    if bin.exists() {
        return Some(bin);
    }
    let text = python_version(python)?;
    eprintln!("harness python: creating {} with {text}", venv.display());
    let made = Command::new(python).args(["-m", "venv"]).arg(venv).status().ok()?.success();
    if made && bin.exists() {
        Some(bin)
    } else {
        // No venv module (Debian's python3 without python3-venv): the baselines need only the
        // standard library, so the interpreter itself will do.
        eprintln!("harness python: could not create a venv; using {} directly", python.display());
        Some(python.to_path_buf())
    }
}

/// Runs one script, passing its stderr through, and returns its stdout lines (each must be
/// a JSON object).
fn run_script(python: &Path, script: &str, args: &[String]) -> Result<Vec<String>, String> {
    let path = scripts_dir().join(script);
    eprintln!("harness python: {script} {}", args.join(" "));
    let mut child = Command::new(python)
        .arg(&path)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("{script}: {e}"))?;
        serde_json::from_str::<serde_json::Value>(&line)
            .map_err(|e| format!("{script} printed something that is not JSON ({e}): {line}"))?;
        eprintln!("  {line}");
        lines.push(line);
    }
    let status = child.wait().map_err(|e| format!("{script}: {e}"))?;
    if !status.success() {
        return Err(format!("{script} failed: {status}"));
    }
    Ok(lines)
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
    eprintln!("harness python: installing polars ({}) into the venv", requirements.display());
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
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let venv =
        args.venv.clone().unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let (first, others) = args.python.split_first().expect("clap gives python3 by default");
    let Some(python) = venv_python(first, &venv) else {
        // Leave no stale results behind that the report could mistake for this run's.
        let _ = fs::remove_file(&args.out);
        eprintln!("harness python: no Python 3 found ({}); skipping the Python baselines", first.display());
        return Ok(());
    };
    let workers = args.workers.unwrap_or_else(machine::cores).get().to_string();
    let repeat = format!("--repeat={}", args.repeat.max(1));
    // Each script's records with the stamp of its own run: where, when, and how busy the
    // machine was meanwhile (the report draws one run at a time and warns when it was busy).
    let stamped = |lines: Vec<String>, load: &machine::Load| {
        let stamp = machine::stamp_since(load);
        lines.into_iter().map(move |l| (l, stamp.clone())).collect::<Vec<_>>()
    };
    let load = machine::Load::now();
    let count_args = [
        format!("--to={}", args.to),
        format!("--tasks={}", args.tasks),
        format!("--workers={workers}"),
        repeat.clone(),
    ];
    let mut records = stamped(run_script(&python, "count.py", &count_args)?, &load);
    // Another interpreter (a free-threaded build, say) runs the count baselines as well, run
    // directly (they need only the standard library); its records say which it was.
    for other in others {
        let Some(version) = python_version(other) else {
            eprintln!("harness python: {} is not a Python 3; skipping it", other.display());
            continue;
        };
        let load = machine::Load::now();
        let lines = run_script(other, "count.py", &count_args)?;
        // Its name as given, without a folder (no machine's absolute path goes into reports/).
        let name = other
            .file_name()
            .map_or_else(|| other.display().to_string(), |n| n.to_string_lossy().into_owned());
        let lines = lines
            .into_iter()
            .map(|line| serde_json::from_str::<serde_json::Value>(&line).expect("checked as JSON when read"))
            // The count rows only: the start-up costs are the first interpreter's.
            .filter(|value| value["job"] == "count")
            .map(|mut value| {
                let build = if value["gil"] == false { "free-threaded, no GIL" } else { "GIL" };
                let variant = value["variant"].as_str().unwrap_or("?").to_string();
                value["variant"] = format!("{variant} [{version}, {build}]").into();
                value["interpreter"] = name.clone().into();
                value.to_string()
            })
            .collect();
        records.extend(stamped(lines, &load));
    }
    // The event loop and the order of results, on a fifth of N but at least 1e7 steps (a
    // few hundred ms in CPython: long enough to see the loop stall, or the short results
    // wait, against a 10 ms beat), short enough not to double the run.
    let short = (args.to / 5).max(10_000_000).to_string();
    for (script, extra) in [("heartbeat.py", None), ("as_completed.py", Some(format!("--workers={workers}")))]
    {
        let load = machine::Load::now();
        let mut script_args = vec![format!("--to={short}"), repeat.clone()];
        script_args.extend(extra);
        records.extend(stamped(run_script(&python, script, &script_args)?, &load));
    }
    if let Some(shard) = &args.shard {
        let load = machine::Load::now();
        let lines = run_script(
            &python,
            "mapreduce.py",
            &[
                shard.display().to_string(),
                format!("--chunk-lines={}", args.chunk_lines),
                format!("--workers={workers}"),
                "--word=Aardvark".to_string(),
            ],
        )?;
        records.extend(stamped(lines, &load));
    }
    if let (Some(shard), true) = (&args.shard, args.polars) {
        if polars_ready(&python) {
            let load = machine::Load::now();
            match run_script(
                &python,
                "polars_ngram.py",
                &[shard.display().to_string(), "--word=Aardvark".to_string()],
            ) {
                Ok(lines) => records.extend(stamped(lines, &load)),
                Err(e) => eprintln!("harness python: polars skipped: {e}"),
            }
        }
    }
    let mut out = fs::File::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    for (record, stamp) in &records {
        let mut value: serde_json::Value = serde_json::from_str(record).expect("checked as JSON when read");
        // The Python that ran belongs to where and when: into the stamp.
        let mut stamped = stamp.clone();
        if let Some(fields) = value.as_object_mut() {
            for key in ["python", "gil"] {
                if let Some(v) = fields.remove(key) {
                    stamped[key] = v;
                }
            }
        }
        value["stamp"] = stamped;
        writeln!(out, "{value}").map_err(|e| format!("{}: {e}", args.out.display()))?;
    }
    eprintln!("harness python: wrote {} records to {}", records.len(), args.out.display());
    Ok(())
}
