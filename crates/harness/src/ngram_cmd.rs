//! `harness ngram`: sum match_count per ngram under one model or all of them, check that
//! they agree, and report words, top ngrams, a sorted TSV and JSON.

use std::io::Write;
use std::path::Path;
use std::time::Instant;
use workload::shown::Shown;

use workload::input::{is_gzip, is_rereadable, open_all, open_stream, InputFile};
use workload::ngram::{Chunking, Kernel, NgramOptions, NgramOutput, Source};

use crate::cli::{EngineArg, NgramArgs, ReduceArg};
use crate::models::{Algorithm, Model, ModelChoice, Settings};
use crate::report::record::{Record, WordTotals};
use crate::{human, machine, output, say, stats, CliError};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The command for a job whose map is `kernel` (`harness ngram`: the ngram job's).
pub fn run(args: &NgramArgs, kernel: Kernel) -> Result<(), CliError> {
    // A bad output is refused before any work, not after minutes of it: on a spread timely
    // run, this process's part (and on process 0, the manifest).
    let reduce = args.reduce.unwrap_or_default();
    let spread = args.engine == EngineArg::Timely && reduce != ReduceArg::Gathered;
    if let Some(path) = &args.output {
        if spread {
            output::check(
                &distributed::parts::part_path(path, args.process, args.processes.get()),
                &args.files,
            )?;
            if args.process == 0 {
                output::check(&distributed::parts::manifest_path(path), &args.files)?;
            }
        } else {
            output::check(path, &args.files)?;
        }
    }
    let workers = args.workers.unwrap_or_else(machine::cores).get();
    let options = NgramOptions {
        chunking: match (args.chunk_bytes, args.chunk_lines) {
            (Some(b), _) => Chunking::Bytes(b),
            (_, Some(l)) => Chunking::Lines(l),
            _ => Chunking::Auto,
        },
        skip_malformed: args.skip_malformed,
        kernel,
    };
    // The runs: each model with the algorithm asked for, its own by default, or (for
    // `--model all` without `--algorithm`) both: the model x algorithm matrix.
    let cells: Vec<(Model, Algorithm)> = args
        .model
        .models()
        .into_iter()
        .flat_map(|model| {
            let algorithms = match (args.algorithm, args.model) {
                (Some(algorithm), _) => vec![algorithm],
                (None, ModelChoice::All) => Algorithm::ALL.to_vec(),
                (None, ModelChoice::One(_)) => vec![model.default_algorithm()],
            };
            algorithms.into_iter().map(move |algorithm| (model, algorithm))
        })
        .collect();
    refuse_options_that_do_not_apply(args, &cells)?;
    if let Some(seconds) = args.worker_timeout {
        crate::models::set_worker_timeout(std::time::Duration::from_secs(seconds));
    }
    let settings = Settings {
        ship: args.ship.unwrap_or_default().into(),
        executor: args.executor.unwrap_or_default(),
        partitions: args.partitions.map_or(0, |p| p.get()),
        timely: (args.engine == EngineArg::Timely).then(|| distributed::Cluster {
            workers,
            processes: args.processes.get(),
            process: args.process,
            hostfile: args.hostfile.clone(),
            connect_timeout: std::time::Duration::from_secs(args.connect_timeout),
            own_files: args.own_files,
            worker_timeout: args
                .worker_timeout
                .map_or(workload::run::DEFAULT_WORKER_TIMEOUT, std::time::Duration::from_secs),
            reduce: {
                let wanted = distributed::Wanted {
                    top: args.top,
                    words: args.words.iter().map(|w| w.as_bytes().to_vec()).collect(),
                    output: args.output.clone(),
                };
                match reduce {
                    ReduceArg::Spread => distributed::Reduce::Spread(wanted),
                    ReduceArg::Others => distributed::Reduce::Others(wanted),
                    ReduceArg::Gathered => distributed::Reduce::Gathered,
                }
            },
        }),
    };
    let engine_streams = |model: Model, algorithm: Algorithm| model.streams_gzip(algorithm, &settings);

    // Each model gets its own fresh mapping of the files, opened just before its run and
    // closed after it (so `--repeat` holds one run's files at a time, not every round's), so
    // none finds pages already mapped by another: the page faults (the reading) fall inside
    // every model's time. Opening and mapping take microseconds and are not timed.
    //
    // Gzip input: the MapReduce engine streams it (decompression inside its time, overlapped
    // with parsing); the other models need one slice of bytes, so the files are decompressed
    // once, untimed, and every other model reads the same memory. A pipe or standard input
    // can be read only once: it is read into memory once, and every model reads that.
    let gzip = args.files.iter().any(|f| is_gzip(f));
    let once = gzip || !args.files.iter().all(|f| is_rereadable(f));
    let read_once = once && cells.iter().any(|(m, a)| !(gzip && engine_streams(*m, *a)));
    let shared: Vec<InputFile> =
        if read_once { open_all(&args.files).map_err(|e| e.to_string())? } else { Vec::new() };
    let round_count = args.repeat.get();
    let files: Vec<String> = args.files.iter().map(|p| workload::shown::path(p)).collect();

    // The first answer, kept (owning its keys) to check every other against and to print.
    let mut reference: Option<(String, NgramOutput<'static>)> = None;
    let mut header_done = false;
    // Rounds: every cell once per round; the last round's runs are the ones printed, with
    // the time of every round's run of the same cell. (wall, CPU) per cell and round:
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); cells.len()];
    // Where and when (git and rustc asked once), and from here how busy the machine is.
    let stamp = machine::stamp();
    let load = machine::Load::now();
    let anon = machine::AnonPeak::watch();
    let one_cell = cells.len() == 1;
    for round in 0..round_count {
        let last_round = round + 1 == round_count;
        for (index, &(model, algorithm)) in cells.iter().enumerate() {
            let name = format!("{model}/{algorithm}");
            let cpu = machine::cpu_seconds();
            let started;
            let fresh: Vec<InputFile>;
            let output = if gzip && engine_streams(model, algorithm) {
                let streams = args
                    .files
                    .iter()
                    .map(|path| {
                        Ok(mapreduce::Stream {
                            name: workload::shown::path(path),
                            reader: open_stream(path)?,
                        })
                    })
                    .collect::<Result<Vec<_>, workload::NgramError>>()
                    .map_err(|e| e.to_string())?;
                started = Instant::now();
                model
                    .ngram_streams(algorithm, streams, &options, workers, &settings)
                    .map_err(|e| e.to_string())?
            } else {
                let input = if once {
                    &shared
                } else {
                    fresh = open_all(&args.files).map_err(|e| e.to_string())?;
                    &fresh
                };
                let sources: Vec<Source<'_>> = input.iter().map(InputFile::source).collect();
                started = Instant::now();
                model
                    .ngram_with(algorithm, &sources, &options, workers, &settings)
                    .map_err(|e| e.to_string())?
            };
            // A cluster's job starts once every process has connected.
            let connect_s = output.cluster.map_or(0.0, |part| part.connect_s);
            let elapsed = started.elapsed().as_secs_f64() - connect_s;
            runs[index].push((elapsed, machine::cpu_seconds() - cpu));
            if let Some(part) = output.cluster.filter(|part| !part.holds_answer) {
                // Only process 0 holds the answer and speaks on stdout.
                eprintln!(
                    "process {} of {}: done in {:.3} s (after {:.3} s connecting), {} reduce; sent {} bytes, \
                     received {} bytes; process 0 has the result",
                    part.process, part.processes, elapsed, connect_s, part.reduce, part.sent_bytes, part.received_bytes
                );
                return Ok(());
            }

            if let Some((ref_name, ref_out)) = &reference {
                check_agreement(ref_name, ref_out, &name, &output)?;
            }
            let single = cells.len() * round_count == 1;
            if !last_round {
                if reference.is_none() {
                    reference = Some((name, output.into_owned()));
                }
                continue;
            }
            let (total_match_count, top) = output.summary(args.top);
            let record = Record {
                algorithm: Some(algorithm.name().into()),
                workers: Some(model.effective_workers(workers) as u64),
                lines: Some(output.lines),
                bytes: Some(output.bytes),
                distinct: Some(output.distinct() as u64),
                total_match_count,
                peak_rss_bytes: one_cell.then(machine::peak_rss_bytes).flatten(),
                peak_anon_bytes: one_cell.then(|| anon.peak_bytes()).flatten(),
                stamp: Some(machine::with_conditions(stamp.clone(), &load)),
                words: Some(WordTotals(
                    args.words.iter().map(|w| (w.clone(), output.total_for(w.as_bytes()))).collect(),
                )),
                top: Some(top.into_iter().map(|(k, v)| (text(k), v)).collect()),
                files: Some(files.clone()),
                chunk_bytes: options.chunking.bytes().map(|b| b as u64),
                chunk_lines: match options.chunking {
                    Chunking::Lines(lines) => Some(lines.get() as u64),
                    _ => None,
                },
                skipped_malformed: Some(output.skipped),
                reran_tasks: Some(output.reruns.iter().map(|r| r.tasks).sum()),
                engine: output.cluster.map(|_| "timely".to_string()),
                processes: output.cluster.map(|part| part.processes as u64),
                connect_s: output.cluster.map(|part| part.connect_s),
                reduce: output.cluster.map(|part| part.reduce.to_string()),
                sent_bytes: output.cluster.map(|part| part.sent_bytes),
                received_bytes: output.cluster.map(|part| part.received_bytes),
                answer_bytes: output.cluster.map(|part| part.answer_bytes),
                shipping: output.shipping,
                phases: output.phases,
                ..Record::new(kernel.job(), model.name(), "rust", 0.0)
            };
            let serial = cells.iter().position(|&(m, a)| m == Model::Serial && a == algorithm);
            let base = serial.filter(|&s| s != index).map(|s| runs[s].as_slice());
            let record = stats::timed(record, &runs[index], base);
            let elapsed = record.elapsed_s;
            for rerun in &output.reruns {
                eprintln!(
                    "{}: {}; ran its {} map task(s) again on a new worker",
                    model.name(),
                    rerun.why,
                    rerun.tasks
                );
            }
            if output.skipped > 0 {
                if let Some(first) = &output.first_skipped {
                    eprintln!(
                        "{}: skipped {} malformed line(s); the first: {}:{}: {}",
                        model.name(),
                        human::thousands(output.skipped),
                        first.file,
                        first.line,
                        first.kind
                    );
                }
            }
            if args.json {
                say!("{}", record.to_line())?;
            } else {
                if !header_done {
                    say!(
                        "{}: {} file(s), {} lines, {}, on {}{}",
                        kernel.job(),
                        files.len(),
                        human::thousands(output.lines),
                        human::bytes(output.bytes),
                        machine::describe(),
                        if round_count > 1 {
                            format!(" (median of {round_count} rounds, every model once per round)")
                        } else {
                            String::new()
                        }
                    )?;
                    say!(
                        "{:<10} {:<11} {:>7} {:>11} {:>9} {:>6} {:>12} {:>18}",
                        "model",
                        "algorithm",
                        "workers",
                        "elapsed",
                        "GB/s",
                        "cores",
                        "distinct",
                        "total"
                    )?;
                    header_done = true;
                }
                say!(
                    "{:<10} {:<11} {:>7} {:>11} {:>9.3} {:>6.2} {:>12} {:>18}",
                    model.name(),
                    algorithm.name(),
                    model.effective_workers(workers),
                    human::seconds(elapsed),
                    output.bytes as f64 / elapsed / 1e9,
                    record.cores_used.unwrap_or(0.0),
                    human::thousands(output.distinct() as u64),
                    total_match_count.map_or("overflow".into(), human::thousands),
                )?;
                if let Some(p) = &record.phases {
                    say!(
                        "{:<10} split {}, map+combine {}, shuffle {}, reduce {} ({} partitions), collect {}",
                        "",
                        human::seconds(p.split_s),
                        human::seconds(p.map_s),
                        human::seconds(p.shuffle_s),
                        human::seconds(p.reduce_s),
                        p.partitions,
                        human::seconds(p.collect_s)
                    )?;
                }
                if let Some(s) = &record.shipping {
                    say!(
                        "{:<10} shipped {} to workers and {} back ({} mode); encode {}, decode {}",
                        "",
                        human::bytes(s.bytes_to_workers),
                        human::bytes(s.bytes_from_workers),
                        s.mode,
                        human::seconds(s.encode_s),
                        human::seconds(s.decode_s)
                    )?;
                }
            }
            if let (false, Some(part)) = (args.json, output.cluster) {
                say!(
                    "{:<10} on timely: {} process(es) x {} worker(s), {} reduce, connected in {} (not in the time); \
                     {} records crossed processes; process 0 sent {} and received {}",
                    "",
                    part.processes,
                    workers,
                    part.reduce,
                    human::seconds(part.connect_s),
                    human::thousands(part.exchanged_records),
                    human::bytes(part.sent_bytes),
                    human::bytes(part.received_bytes)
                )?;
            }
            if single {
                // The only run: its answer is printed as it is, keys borrowed (no copy).
                return finish(args, output);
            }
            if reference.is_none() {
                reference = Some((name, output.into_owned()));
            }
        }
    }
    match reference {
        Some((_, output)) => finish(args, output),
        None => Ok(()),
    }
}

/// The answer's words, top and `--output` file.
fn finish(args: &NgramArgs, output: NgramOutput<'_>) -> Result<(), CliError> {
    if !args.json {
        for word in &args.words {
            say!("{word}\t{}", output.total_for(word.as_bytes()))?;
        }
        if args.top > 0 && output.distinct() > 0 {
            say!("top {}:", args.top.min(output.distinct()))?;
            for (rank, (ngram, total)) in output.top(args.top).into_iter().enumerate() {
                say!("{:>4}. {}\t{}", rank + 1, text(ngram), total)?;
            }
        }
    }
    if let Some(path) = &args.output {
        if matches!(output.totals, workload::ngram::Totals::Spread(_)) {
            // Every process wrote its part, and process 0 the manifest.
            let manifest = distributed::parts::manifest_path(path);
            eprintln!(
                "wrote one part per process beside {} and {}: `harness merge-parts {}` joins them into {}",
                path.shown(),
                manifest.shown(),
                manifest.shown(),
                path.shown()
            );
        } else {
            write_tsv(path, &output)?;
        }
    }
    // The command ends here, and the OS takes the memory back in one go at exit: freeing the
    // answer's hundreds of tables one by one first cost about 50 ms of wall time.
    std::mem::forget(output);
    Ok(())
}

/// An option that changes nothing in the runs asked for is a mistake to say, not to ignore.
fn refuse_options_that_do_not_apply(args: &NgramArgs, cells: &[(Model, Algorithm)]) -> Result<(), String> {
    let any = |f: &dyn Fn(Model, Algorithm) -> bool| cells.iter().any(|&(m, a)| f(m, a));
    let refuse = |option: &str, applies: &str| {
        Err(format!("harness ngram: {option} applies to {applies}, and none of the runs asked for is one"))
    };
    if args.ship.is_some()
        && !any(&|m, a| a == Algorithm::Merge && (m == Model::Process || m == Model::MapReduce))
    {
        return refuse("--ship", "the process model's merge runs (--model process)");
    }
    if args.executor.is_some() && !any(&|m, _| m == Model::MapReduce) {
        return refuse("--executor", "--model mapreduce");
    }
    if args.partitions.is_some() && !any(&|_, a| a == Algorithm::Partitioned) {
        return refuse("--partitions", "the partitioned algorithm");
    }
    let timely = args.engine == EngineArg::Timely;
    if timely && !any(&|m, a| m == Model::MapReduce && a == Algorithm::Partitioned) {
        return refuse("--engine timely", "--model mapreduce with the partitioned algorithm");
    }
    let processes = |m: Model, a: Algorithm| {
        let on_timely = timely && m == Model::MapReduce && a == Algorithm::Partitioned;
        m == Model::Process
            || (on_timely && args.processes.get() > 1)
            || (m == Model::MapReduce
                && args.executor == Some(crate::models::EngineExecutor::Processes)
                && !on_timely)
    };
    if args.worker_timeout.is_some() && !any(&processes) {
        return refuse(
            "--worker-timeout",
            "runs on worker processes (--model process, --model mapreduce --executor processes) \
             and timely runs of several processes",
        );
    }
    if timely && args.repeat.get() > 1 {
        return Err(
            "harness ngram: --repeat runs every model again, and a timely run is one job across processes that \
             connect once; run the command again instead"
                .to_string(),
        );
    }
    if timely && args.process >= args.processes.get() {
        return Err(format!(
            "harness ngram: --process {} is not one of the {} processes (--process counts from 0 to {})",
            args.process,
            args.processes,
            args.processes.get() - 1
        ));
    }
    let cluster_options = args.processes.get() != 1
        || args.process != 0
        || args.hostfile.is_some()
        || args.own_files
        || args.connect_timeout != 30;
    if (cluster_options || args.reduce.is_some()) && !timely {
        return refuse(
            "each of --processes, --process, --hostfile, --own-files, --connect-timeout and --reduce",
            "--engine timely",
        );
    }
    let spread = timely && args.reduce.unwrap_or_default() != ReduceArg::Gathered;
    if spread && args.output.is_some() && cells.len() > 1 {
        return Err(format!(
            "harness ngram: --output with --engine timely --reduce {} is one part per process and a manifest, \
             not the file the other models write: run --model mapreduce alone, or give --reduce gathered",
            clap::ValueEnum::to_possible_value(&args.reduce.unwrap_or_default())
                .map_or_else(String::new, |v| v.get_name().to_string())
        ));
    }
    Ok(())
}

/// Fails loudly when two models' answers differ, naming the first ngram that differs.
fn check_agreement(
    a_name: &str,
    a: &NgramOutput<'_>,
    b_name: &str,
    b: &NgramOutput<'_>,
) -> Result<(), String> {
    let disagree = |what: String| Err(format!("harness ngram: models disagree: {what}"));
    if a.lines != b.lines || a.skipped != b.skipped {
        return disagree(format!(
            "{a_name} read {} lines ({} skipped), {b_name} read {} ({} skipped)",
            a.lines, a.skipped, b.lines, b.skipped
        ));
    }
    // A spread answer holds no keys to look up: the same distinct, total, top and words.
    let spread = |o: &NgramOutput<'_>| matches!(o.totals, workload::ngram::Totals::Spread(_));
    if spread(a) || spread(b) {
        let spread_side = if spread(a) { a } else { b };
        let workload::ngram::Totals::Spread(answer) = &spread_side.totals else { unreachable!() };
        let k = answer.top.len();
        let words =
            |o: &NgramOutput<'_>| answer.words.iter().map(|(w, _)| o.total_for(w)).collect::<Vec<_>>();
        if (a.distinct(), a.summary(k), words(a)) != (b.distinct(), b.summary(k), words(b)) {
            return disagree(format!(
                "{a_name} has {} distinct, total {:?}; {b_name} has {} distinct, total {:?} (or their top or words differ)",
                a.distinct(),
                a.total_match_count(),
                b.distinct(),
                b.total_match_count()
            ));
        }
        return Ok(());
    }
    // Every key of each side looked up in the other: the same totals both ways means the
    // same answer, whatever the two sides store their totals in.
    let differs = |x: &NgramOutput<'_>, y: &NgramOutput<'_>| {
        x.totals.iter().find(|(key, total)| y.totals.get(key) != Some(*total)).map(|(key, _)| key.to_vec())
    };
    let first_difference = differs(a, b).or_else(|| differs(b, a));
    match first_difference {
        None => Ok(()),
        Some(key) => {
            let show = |v: Option<u64>| v.map_or("nothing".to_string(), |v| v.to_string());
            disagree(format!(
                "for {:?} {a_name} has {}, {b_name} has {}",
                text(&key),
                show(a.totals.get(&key)),
                show(b.totals.get(&key))
            ))
        }
    }
}

/// Writes `ngram TAB total` lines sorted by ngram bytes ([`output`]: a file of its own,
/// renamed into place only when complete).
fn write_tsv(path: &Path, output: &NgramOutput<'_>) -> Result<(), String> {
    let mut out = output::OutputFile::create(path)?;
    let written = (|| {
        for (ngram, total) in output.sorted() {
            out.write_all(ngram)?;
            writeln!(out, "\t{total}")?;
        }
        Ok::<(), std::io::Error>(())
    })();
    written.map_err(|e| format!("{}: {e}", path.shown()))?;
    out.commit()
}
