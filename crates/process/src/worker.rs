//! The worker side: read a task frame from stdin, do it, write the reply frame to stdout,
//! until stdin closes. The `harness` binary runs this in its hidden worker mode (re-executed
//! by the parent, as `multiprocessing` re-runs the Python interpreter), and so does the
//! crate's own `process-worker` binary.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use workload::count_to;
use workload::input::{FileIdentity, InputFile};
use workload::ngram::partitioned::{combine, Mapped};
use workload::ngram::{add_total, key_hash, Counts, NgramOptions, Source};

use crate::frame::{read_frame, write_frame};
use crate::protocol::{
    Entry, LineAt, Partial, PartitionedMap, PlannedChunk, Reply, Task, HEARTBEAT, WORKER_ARG,
};

/// For programs that are their own workers (the examples): when started with
/// [`WORKER_ARG`], serve tasks and exit; otherwise return and let the program run.
pub fn serve_if_worker() {
    if std::env::args_os().nth(1).is_some_and(|a| a == WORKER_ARG) {
        std::process::exit(if serve() == ExitCode::SUCCESS { 0 } else { 1 });
    }
}

/// Serves tasks until stdin closes. Exits 0 then; non-zero if the pipe breaks or a frame is
/// malformed (the parent reports it).
pub fn serve() -> ExitCode {
    // One line per panic on stderr, which the parent keeps as the worker's last words (the
    // default hook may add a backtrace that would bury the message).
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("panicked: {}{place}", info.payload_as_str().unwrap_or("(no message)"));
    }));
    let mut stdin = io::stdin().lock();
    let mut files: HashMap<String, InputFile> = HashMap::new();
    start_heartbeat();
    loop {
        let frame = match read_frame(&mut stdin) {
            Ok(Some(frame)) => frame,
            Ok(None) => return ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("worker {}: cannot read a task: {err}", std::process::id());
                return ExitCode::from(3);
            }
        };
        let started = Instant::now();
        let task = match Task::decode(&frame) {
            Ok(task) => task,
            Err(err) => {
                eprintln!("worker {}: {err}", std::process::id());
                return ExitCode::from(3);
            }
        };
        drop(frame);
        let decode_s = started.elapsed().as_secs_f64();
        BUSY.store(true, Ordering::Relaxed);
        let reply = run(task, decode_s, &mut files);
        let encoded = Instant::now();
        let mut bytes = reply.encode();
        if let Reply::Partial(mut partial) = reply {
            // Charge the encoding to the reply itself, then encode again with the figure in.
            partial.worker_codec_s += encoded.elapsed().as_secs_f64();
            bytes = Reply::Partial(partial).encode();
        }
        // One lock for the whole frame, so a heartbeat never lands inside it.
        let written = write_frame(&mut io::stdout().lock(), &bytes);
        BUSY.store(false, Ordering::Relaxed);
        if written.is_err() {
            return ExitCode::from(4); // the parent went away
        }
    }
}

/// Whether a task is running (heartbeats are sent only then: an idle worker's would pile up
/// unread in the pipe).
static BUSY: AtomicBool = AtomicBool::new(false);

/// Every [`HEARTBEAT`] while a task runs, an empty frame on stdout: the parent takes a busy
/// worker that sends nothing for its `worker_timeout` for stopped or frozen. The thread runs
/// beside the task, so a long task (or a stuck one, which the task timeout catches) still
/// says the process is alive; a stopped process says nothing.
fn start_heartbeat() {
    let _ = std::thread::Builder::new().name("heartbeat".into()).spawn(|| loop {
        std::thread::sleep(HEARTBEAT);
        if BUSY.load(Ordering::Relaxed) && write_frame(&mut io::stdout().lock(), &[]).is_err() {
            return;
        }
    });
}

/// A test hook: with `PROCESS_WORKER_FAULT_ONCE=die:MARKER` (or `stop:MARKER`) in the
/// environment, the first worker to start a map + combine task creates MARKER and dies
/// (or stops itself); every later one finds MARKER and works. So a test can kill or stop
/// exactly one engine worker at a controlled point, without timing. `always:MARKER` makes
/// every one die (after creating MARKER), so that a share's re-runs run out.
fn fault_once_for_tests() {
    let Ok(spec) = std::env::var("PROCESS_WORKER_FAULT_ONCE") else { return };
    let Some((what, marker)) = spec.split_once(':') else { return };
    if what == "always" {
        let _ = std::fs::write(marker, b"");
        std::process::abort();
    }
    if std::fs::OpenOptions::new().write(true).create_new(true).open(marker).is_err() {
        return;
    }
    match what {
        "die" => std::process::abort(),
        "stop" => stop_this_process(),
        _ => {}
    }
}

/// SIGSTOP to this process (returns when someone sends SIGCONT, if anyone does).
fn stop_this_process() {
    // SAFETY: kill(2) with our own pid and a valid signal number has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGSTOP);
    }
}

fn run(task: Task, decode_s: f64, files: &mut HashMap<String, InputFile>) -> Reply {
    match task {
        Task::Count { to, times } => Reply::Value((0..times).map(|_| count_to(to)).sum()),
        Task::Hello { name } => Reply::Text(format!("hello, {name}")),
        Task::Sleep { millis, value } => {
            std::thread::sleep(std::time::Duration::from_millis(millis));
            Reply::Value(value)
        }
        Task::MapBytes { base, kernel, skip_malformed, data } => {
            map(&data, base, &NgramOptions { kernel, skip_malformed, ..NgramOptions::default() }, decode_s)
        }
        Task::MapRange { path, identity, start, end, kernel, skip_malformed } => {
            if !files.contains_key(&path) {
                match InputFile::open(Path::new(&path)) {
                    Ok(file) => {
                        files.clear(); // keep one mapping at a time
                        files.insert(path.clone(), file);
                    }
                    Err(err) => return Reply::Failed(err.to_string()),
                }
            }
            if let Err(changed) = files[&path].is_the_file(identity) {
                return Reply::Failed(changed);
            }
            let bytes = files[&path].bytes();
            let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
                return Reply::Failed(format!("{path}: range {start}..{end} is out of range"));
            };
            if start > end || end > bytes.len() {
                return Reply::Failed(format!(
                    "{path}: range {start}..{end} is beyond its {} bytes",
                    bytes.len()
                ));
            }
            let options = NgramOptions { kernel, skip_malformed, ..NgramOptions::default() };
            map(&bytes[start..end], start as u64, &options, decode_s)
        }
        #[cfg(feature = "test-tasks")]
        Task::Fault(fault) => misbehave(fault),
        Task::TimedCount { to } => Reply::Value(timed_count(to)),
        #[cfg(feature = "test-tasks")]
        Task::Gate { addr } => match wait_at_gate(&addr) {
            Ok(()) => Reply::Value(0),
            Err(err) => Reply::Failed(format!("gate {addr}: {err}")),
        },
        Task::Batch(tasks) => {
            Reply::Batch(tasks.into_iter().map(|task| run(task, decode_s, files)).collect())
        }
        Task::MapPartitioned { paths, identities, chunks, partitions, kernel, skip_malformed } => {
            fault_once_for_tests();
            let options = NgramOptions { kernel, skip_malformed, ..NgramOptions::default() };
            map_partitioned(&paths, &identities, &chunks, partitions as usize, &options)
        }
    }
}

/// The partitioned algorithm's map phase over this worker's chunks, in plan order, with the
/// same kernel and combiner as every other model; stops at the first bad line.
fn map_partitioned(
    paths: &[String],
    identities: &[Option<FileIdentity>],
    chunks: &[PlannedChunk],
    partitions: usize,
    options: &NgramOptions,
) -> Reply {
    let mut opened = Vec::with_capacity(paths.len());
    for (path, identity) in paths.iter().zip(identities) {
        match InputFile::open(Path::new(path)) {
            Ok(file) => {
                if let Err(changed) = file.is_the_file(*identity) {
                    return Reply::Failed(changed);
                }
                opened.push(file);
            }
            Err(err) => return Reply::Failed(err.to_string()),
        }
    }
    let sources: Vec<Source<'_>> = opened.iter().map(InputFile::source).collect();
    let mut mapped = Mapped::empty(partitions.max(1));
    let (mut lines, mut skipped, mut first_skipped, mut fault) = (0, 0, None, None);
    for chunk in chunks {
        let (source, start, end) = (chunk.source as usize, chunk.start as usize, chunk.end as usize);
        let Some(data) = sources.get(source).and_then(|s| s.data.get(start..end)) else {
            return Reply::Failed(format!("chunk {}: no bytes {start}..{end} in file {source}", chunk.index));
        };
        let parts = &mut mapped.parts;
        let result = options.map_runs(data, |key, sum| combine(parts, key, sum));
        sources[source].release(start..end);
        let at = |offset: usize, kind| LineAt {
            index: chunk.index,
            source: chunk.source,
            offset: (start + offset) as u64,
            kind,
        };
        match result {
            Ok(stats) => {
                lines += stats.lines;
                skipped += stats.skipped;
                if first_skipped.is_none() {
                    first_skipped = stats.first_skipped.map(|(offset, kind)| at(offset, kind));
                }
            }
            Err(err) => {
                fault = Some(at(err.offset, err.kind));
                break;
            }
        }
    }
    // Whatever a partition had folded into a table goes back as runs too.
    let parts = mapped
        .parts
        .into_iter()
        .map(|part| {
            let mut runs = part.runs;
            if let Some(table) = part.table {
                for (key, count) in table.iter() {
                    runs.push(key, key_hash(key), count);
                }
            }
            runs
        })
        .collect();
    Reply::Partitioned(PartitionedMap { parts, lines, skipped, first_skipped, fault })
}

/// The article's `count(to)` with its timing print: counts, then says on stderr how long it
/// took (stdout is the pipe to the parent in a worker process).
pub fn timed_count(to: u64) -> u64 {
    let started = Instant::now();
    let counter = count_to(to);
    eprintln!("counted to {to} in {:.9} s", started.elapsed().as_secs_f64());
    counter
}

#[cfg(feature = "test-tasks")]
/// Holds until the other end of a loopback connection closes it.
fn wait_at_gate(addr: &str) -> io::Result<()> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr)?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest)?;
    Ok(())
}

/// Maps one chunk and names every key by its offset in the file.
fn map(data: &[u8], base: u64, options: &NgramOptions, decode_s: f64) -> Reply {
    let mut counts = Counts::new();
    match options.map_runs(data, |key, sum| add_total(&mut counts, key, sum)) {
        Err(err) => Reply::LineError { offset: base + err.offset as u64, kind: err.kind },
        Ok(stats) => {
            let started = Instant::now();
            let start = data.as_ptr() as usize;
            let mut entries = Vec::with_capacity(counts.len());
            for (key, total) in counts {
                let Ok(len) = u32::try_from(key.len()) else {
                    return Reply::Failed("an ngram longer than 4 GiB".into());
                };
                entries.push(Entry { offset: base + (key.as_ptr() as usize - start) as u64, len, total });
            }
            Reply::Partial(Partial {
                entries,
                lines: stats.lines,
                skipped: stats.skipped,
                first_skipped: stats.first_skipped.map(|(offset, kind)| (base + offset as u64, kind)),
                worker_codec_s: decode_s + started.elapsed().as_secs_f64(),
            })
        }
    }
}

#[cfg(feature = "test-tasks")]
fn misbehave(fault: crate::protocol::Fault) -> Reply {
    use crate::protocol::Fault;
    match fault {
        Fault::Panic => panic!("worker asked to panic"),
        Fault::Exit(code) => std::process::exit(code),
        Fault::Garbage => {
            use std::io::Write;
            let mut stdout = io::stdout().lock();
            let _ = stdout.write_all(b"this is not a frame at all");
            let _ = stdout.flush();
            std::process::exit(0);
        }
        Fault::Hang => loop {
            std::thread::park();
        },
        Fault::Stop => {
            stop_this_process();
            Reply::Failed("continued after SIGSTOP".into())
        }
    }
}
