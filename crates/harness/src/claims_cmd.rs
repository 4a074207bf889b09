//! `harness claims`: the article's claims, each measured side by side in rounds until its
//! interval decides it or its budget is spent (`crate::claims`), in groups that share their
//! rounds: Rust's count under every model against serial, the fold check (N against 4N), the
//! engine on one worker against all (with `--shard`), and Python's count under every variant
//! against its serial loop (when a Python 3 runs). One line per claim on stderr as each group
//! ends, ending with the verdict; the records (every claim, Python's count rows and its
//! start-up costs) go to `--out`.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use workload::shown::Shown;

use workload::CountJob;

use crate::claims::python::{self, Hello, Server};
use crate::claims::rounds::{measure, Outcome, Side, Spec, ThisMachine, Timed};
use crate::claims::rust;
use crate::claims::ClaimRecord;
use crate::cli::ClaimsArgs;
use crate::interpreter::Gil;
use crate::machine::{self, Stamp};
use crate::output::{self, OutputFile};
use crate::report::record::{Dataset, Record};
use crate::report::sources::check;

/// Shares of the budget: Rust's count, the fold check, the engine; Python gets the rest.
const COUNT_SHARE: f64 = 1.0 / 6.0;
const FOLD_SHARE: f64 = 1.0 / 20.0;
const ENGINE_SHARE: f64 = 1.0 / 5.0;

/// One group of claims: sides that share their rounds, the claims over them, its budget.
struct Group<'a> {
    sides: Vec<Side<'a>>,
    specs: Vec<Spec>,
    budget_s: f64,
}

pub fn run(args: &ClaimsArgs) -> Result<(), String> {
    let inputs: Vec<_> = args.shard.iter().cloned().collect();
    output::check(&args.out, &inputs)?;
    if let Some(shard) = &args.shard {
        workload::input::check_rereadable(shard, "harness claims")?;
    }
    let workers = args.workers.unwrap_or_else(machine::cores).get();
    let cores = machine::cores().get();
    let budget = args.budget as f64;
    let stamp = machine::stamp();
    let mut records = Vec::new();

    let job = CountJob { tasks: args.tasks, to: args.to };
    let count = Group {
        sides: rust::count_sides(job, workers),
        specs: rust::count_specs(cores, args.tasks),
        budget_s: budget * COUNT_SHARE,
    };
    let outcome = run_group(count, cores)?;
    for (side, model) in outcome.runs.iter().zip(crate::models::Model::ALL) {
        let record = Record {
            tasks: Some(args.tasks as u64),
            to: Some(args.to),
            workers: Some(model.effective_workers(workers) as u64),
            result: job.expected(),
            ..Record::new("count", model.name(), "rust", 0.0)
        };
        records.extend(side_record(record, side, &stamp));
    }
    records.extend(claim_records(&outcome.claims, "rust", "count", &stamp, |r| Record {
        tasks: Some(args.tasks as u64),
        to: Some(args.to),
        ..r
    }));

    let fold = Group {
        sides: rust::fold_sides(args.to),
        specs: vec![rust::fold_spec()],
        budget_s: budget * FOLD_SHARE,
    };
    let mut outcome = run_group(fold, cores)?;
    let at_n = crate::claims::interval::median(&outcome.runs[1].iter().map(|t| t.wall_s).collect::<Vec<_>>());
    for claim in &mut outcome.claims {
        let (interval, _) = crate::claims::judge(claim.rule, &claim.ratios);
        claim.note = rust::fold_note(interval.map(|i| i.median), at_n, &claim.verdict);
    }
    records.extend(claim_records(&outcome.claims, "rust", "fold", &stamp, |r| Record {
        to: Some(args.to),
        ..r
    }));

    if let Some(shard) = &args.shard {
        let bytes = std::fs::metadata(shard).map_err(|e| format!("{}: {e}", shard.shown()))?.len();
        let chunking = rust::engine_chunking(bytes, workers);
        let engine = Group {
            sides: rust::engine_sides(shard, workers, chunking),
            specs: vec![rust::engine_spec(workers, cores)],
            budget_s: budget * ENGINE_SHARE,
        };
        let outcome = run_group(engine, cores)?;
        let dataset = Dataset { file: Some(shard.display().to_string()), ..Dataset::default() };
        records.extend(claim_records(&outcome.claims, "rust", "workers", &stamp, |r| Record {
            workers: Some(workers as u64),
            chunk_bytes: chunking.bytes().map(|b| b as u64),
            dataset: Some(dataset.clone()),
            model: "mapreduce".into(),
            ..r
        }));
    } else {
        eprintln!("harness claims: no --shard: the engine's claim (one worker against all) is not measured");
    }

    if args.no_python {
        eprintln!("harness claims: --no-python: Python's claims are not measured");
    } else {
        let python_to = args.python_to.unwrap_or((args.to / 10).max(1));
        let python_budget = budget * (1.0 - COUNT_SHARE - FOLD_SHARE - ENGINE_SHARE);
        // A free-threaded build runs twice (its GIL switched on, then off), and its loop
        // against the first interpreter's: one more group.
        let runs: Vec<(usize, &std::path::PathBuf, Gil)> = args
            .python
            .iter()
            .enumerate()
            .flat_map(|(index, p)| {
                let free = index > 0 && crate::interpreter::free_threaded(p);
                Gil::settings(free).into_iter().map(move |gil| (index, p, gil))
            })
            .collect();
        // The first interpreter has Python's share of the budget; each further group adds a
        // quarter of it (two sides: its serial and the threads claimed), and so does the cost
        // of free-threading.
        let free = runs.iter().find(|(_, _, gil)| *gil == Gil::Off).map(|(_, p, _)| p.as_path());
        for &(index, interpreter, gil) in &runs {
            let share = if index == 0 { python_budget } else { python_budget / 4.0 };
            records.extend(python_group(
                interpreter,
                (index > 0, gil),
                python_to,
                args.tasks,
                workers,
                cores,
                share,
            )?);
        }
        if let (Some(free), Some(first)) = (free, args.python.first()) {
            let share = python_budget / 4.0;
            records.extend(free_threading_cost(first, free, (python_to, args.tasks, workers), cores, share)?);
        }
    }

    let mut out = OutputFile::create(&args.out)?;
    for record in &records {
        check(record)
            .map_err(|e| format!("harness claims: a record it made is wrong ({e}): {}", record.to_line()))?;
        writeln!(out, "{}", record.to_line()).map_err(|e| format!("{}: {e}", args.out.shown()))?;
    }
    out.commit()?;
    eprintln!("harness claims: wrote {} records to {}", records.len(), args.out.shown());
    Ok(())
}

/// Runs one group's rounds and says each claim's verdict on stderr.
fn run_group(mut group: Group<'_>, cores: usize) -> Result<Outcome, String> {
    let outcome =
        measure(&mut group.sides, &group.specs, group.budget_s, cores, &mut ThisMachine::default(), |c| {
            eprintln!("harness claims: {}: {}", c.claim, said(c));
        })?;
    Ok(outcome)
}

/// "Rust threads over Rust serial: 1.96x (99% interval 1.93x to 1.99x), 8 rounds; holds".
fn said(c: &ClaimRecord) -> String {
    let figure = match &c.interval {
        Some(i) => format!("{:.2}x (99% interval {:.2}x to {:.2}x)", i.median, i.low, i.high),
        None => "no interval".into(),
    };
    let thrown =
        if c.disturbed.is_empty() { String::new() } else { format!(", {} thrown away", c.disturbed.len()) };
    let note = c.note.as_ref().map_or(String::new(), |n| format!(" ({n})"));
    format!("{} over {}: {figure}, {} rounds{thrown}{note}; {}", c.base, c.other, c.ratios.len(), c.verdict)
}

/// A side's record: its runs over the kept rounds.
fn side_record(record: Record, runs: &[Timed], stamp: &Stamp) -> Option<Record> {
    if runs.is_empty() {
        return None;
    }
    let pairs: Vec<(f64, f64)> = runs.iter().map(|t| (t.wall_s, t.cpu_s)).collect();
    Some(crate::stats::timed(Record { stamp: Some(stamp.clone()), ..record }, &pairs, None))
}

/// The claims' records: `job: "claim"`, the other side's model, the group in `variant`.
fn claim_records(
    claims: &[ClaimRecord],
    lang: &str,
    group: &str,
    stamp: &Stamp,
    with: impl Fn(Record) -> Record,
) -> Vec<Record> {
    claims
        .iter()
        .map(|c| {
            let model = c.other.split_whitespace().nth(1).unwrap_or(&c.other).to_string();
            with(Record {
                variant: Some(group.into()),
                claim: Some(c.clone()),
                stamp: Some(stamp.clone()),
                elapsed_s: c.spent_s.max(f64::MIN_POSITIVE),
                ..Record::new("claim", &model, lang, 0.0)
            })
        })
        .collect()
}

/// Python's group for one interpreter: its count rows, its start-up costs (the first
/// interpreter's), and its claims. Nothing, with a message, where it is not a Python 3.
fn python_group(
    interpreter: &Path,
    (another, gil): (bool, Gil),
    to: u64,
    tasks: usize,
    workers: usize,
    cores: usize,
    budget_s: f64,
) -> Result<Vec<Record>, String> {
    let Some(version) = crate::interpreter::python_version(interpreter) else {
        eprintln!(
            "harness claims: {} is not a Python 3 (or not there): its claims are not measured",
            interpreter.shown()
        );
        return Ok(Vec::new());
    };
    let script = crate::interpreter::scripts_dir().join("count.py");
    let (server, mut hello) = Server::start(interpreter, gil, &script, (to, tasks, workers), budget_s)?;
    if another {
        // Another interpreter's point is its threads: serial and the threads its claim is
        // on (its rows for every model are `harness python`'s), so that the budget buys rounds.
        hello.variants.retain(|v| match gil {
            _ if v.model == "serial" => true,
            Gil::On => v.variant == "threading.Thread",
            Gil::Off => v.variant.contains("own N"),
            Gil::AsBuilt => v.model == "threads",
        });
    }
    let server = RefCell::new(server);
    let expected = (tasks as u64).saturating_mul(to);
    let name =
        interpreter.file_name().map_or_else(|| interpreter.shown(), |n| n.to_string_lossy().into_owned());
    let prefix = if another { format!("{version} ({name}{})", gil.label()) } else { "Python".to_string() };
    let group = Group {
        sides: python::sides(&server, &hello, expected, &prefix),
        specs: python::specs(&hello, tasks, cores, another, gil),
        budget_s,
    };
    eprintln!(
        "harness claims: {version} ({}), N = {}",
        if hello.gil { "with a GIL" } else { "free-threaded, no GIL" },
        crate::human::thousands(to)
    );
    let outcome = run_group(group, cores)?;
    let stamp = Stamp { python: Some(hello.python.clone()), gil: Some(hello.gil), ..machine::stamp() };
    let interpreter_name = another.then(|| name.clone());
    let mut records = Vec::new();
    // A further interpreter's rows are `harness python`'s (every model, one run of each in
    // turn); its claims are here.
    for (side, v) in outcome.runs.iter().zip(&hello.variants).filter(|_| !another) {
        let record = Record {
            variant: Some(v.variant.clone()),
            tasks: Some(tasks as u64),
            to: Some(to),
            workers: Some(v.workers),
            result: Some(expected),
            start_method: v.start_method.clone(),
            interpreter: interpreter_name.clone(),
            ..Record::new("count", &v.model, "python", 0.0)
        };
        records.extend(side_record(record, side, &stamp));
    }
    records.extend(claim_records(&outcome.claims, "python", "count", &stamp, |r| Record {
        tasks: Some(tasks as u64),
        to: Some(to),
        interpreter: interpreter_name.clone(),
        ..r
    }));
    if !another {
        records.extend(startup_records(&mut server.borrow_mut(), &hello, &stamp)?);
    }
    server.into_inner().finish()?;
    Ok(records)
}

/// Free-threading's price: the free-threaded build's serial loop (GIL off) against the first
/// interpreter's, side by side. Its objects' reference counts and its specialising
/// interpreter pay for threads that may run at once even when one thread runs. Against
/// another version of CPython the figure mixes in that version's own changes, and says so.
fn free_threading_cost(
    first: &Path,
    free: &Path,
    (to, tasks, workers): (u64, usize, usize),
    cores: usize,
    budget_s: f64,
) -> Result<Vec<Record>, String> {
    let (Some(first_version), Some(free_version)) =
        (crate::interpreter::python_version(first), crate::interpreter::python_version(free))
    else {
        return Ok(Vec::new());
    };
    if crate::interpreter::free_threaded(first) {
        return Ok(Vec::new());
    }
    let script = crate::interpreter::scripts_dir().join("count.py");
    let (first_server, first_hello) =
        Server::start(first, Gil::AsBuilt, &script, (to, tasks, workers), budget_s)?;
    let (free_server, free_hello) = Server::start(free, Gil::Off, &script, (to, tasks, workers), budget_s)?;
    let serial = |hello: &python::Hello| {
        hello.variants.iter().find(|v| v.model == "serial").map(|v| v.variant.clone())
    };
    let (Some(first_loop), Some(free_loop)) = (serial(&first_hello), serial(&free_hello)) else {
        return Ok(Vec::new());
    };
    let minor = |v: &str| v.rsplit_once('.').map_or(v.to_string(), |(m, _)| m.to_string());
    let same = minor(&first_version) == minor(&free_version);
    let name = free.file_name().map_or_else(|| free.shown(), |n| n.to_string_lossy().into_owned());
    let (first_server, free_server) = (RefCell::new(first_server), RefCell::new(free_server));
    let expected = (tasks as u64).saturating_mul(to);
    fn side(server: &RefCell<Server>, variant: String, name: String, expected: u64) -> Side<'_> {
        Side { name, run: Box::new(move || server.borrow_mut().run(&variant, expected)), watched: false }
    }
    let claim = if same {
        "free-threading costs single-threaded speed: the same CPython's loop, built without the GIL"
            .to_string()
    } else {
        format!(
            "free-threading costs single-threaded speed (against {first_version}, another version: its own changes count too)"
        )
    };
    let group = Group {
        sides: vec![
            side(&first_server, first_loop, format!("{first_version} loop"), expected),
            side(&free_server, free_loop, format!("{free_version} ({name}, GIL off) loop"), expected),
        ],
        specs: vec![Spec {
            claim,
            article: "(after the article: PEP 703)".into(),
            base: 0,
            other: 1,
            rule: crate::claims::Rule::AtMost(1.0),
            settled: None,
        }],
        budget_s,
    };
    let outcome = run_group(group, cores)?;
    let stamp = Stamp { python: Some(free_hello.python.clone()), gil: Some(false), ..machine::stamp() };
    let records = claim_records(&outcome.claims, "python", "count", &stamp, |r| Record {
        tasks: Some(tasks as u64),
        to: Some(to),
        interpreter: Some(name.clone()),
        model: "serial".into(),
        ..r
    });
    first_server.into_inner().finish()?;
    free_server.into_inner().finish()?;
    Ok(records)
}

/// What one process costs before it does anything, per start method: a no-op task, start to
/// join, five times.
fn startup_records(server: &mut Server, hello: &Hello, stamp: &Stamp) -> Result<Vec<Record>, String> {
    let mut records = Vec::new();
    for method in &hello.start_methods {
        let reply = server.request(&format!("startup {method} 5"))?;
        let Some(elapsed) = reply.elapsed_s else { continue };
        records.push(Record {
            variant: Some(format!("multiprocessing.Process start+join ({method}), from idle")),
            start_method: Some(method.clone()),
            elapsed_min_s: reply.elapsed_min_s,
            elapsed_max_s: reply.elapsed_max_s,
            runs: reply.runs,
            stamp: Some(stamp.clone()),
            ..Record::new("overhead", "process", "python", elapsed)
        });
    }
    Ok(records)
}
