//! The engine's third executor: child processes. Each child is given the file paths and its
//! share of the chunk plan (byte ranges, so no input crosses a pipe), maps and combines them
//! with the same kernel into R partitions, and sends its partitions back down its stdout:
//! the shuffle then really moves bytes between address spaces, as it does in Hadoop or
//! Spark, and `shipping` in the output says how many.
//!
//! Children are this program started again with [`WORKER_ARG`] (the `harness` binary does
//! that), or whatever [`set_worker_command`] names (the crate's `mapreduce-worker` binary in
//! tests). A child that crashes, is killed or sends garbage is reported with its index, pid
//! and last line of stderr; its siblings are waited for, never left behind.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;

use workload::chunk::{line_at, line_number_at};
use workload::input::InputFile;
use workload::ngram::{
    key_hash, map_chunk_runs, parse_line, ChunkRef, LineErrorKind, NgramOptions, RunBuffer, Shipping,
    SkippedAt, Source, Tally,
};
use workload::{FirstFailure, NgramError, WorkerFailure};

use workload::ngram::partitioned::{combine, Mapped, Partial};

/// The argument that makes a program a MapReduce worker (see [`serve_if_worker`]).
pub const WORKER_ARG: &str = "__mapreduce_worker";

static WORKER_COMMAND: Mutex<Option<(PathBuf, Vec<String>)>> = Mutex::new(None);

/// Which program the process executor starts as its workers (default: this program with
/// [`WORKER_ARG`]).
pub fn set_worker_command(program: impl Into<PathBuf>, args: Vec<String>) {
    *WORKER_COMMAND.lock().unwrap_or_else(|p| p.into_inner()) = Some((program.into(), args));
}

fn worker_command() -> Result<(PathBuf, Vec<String>), WorkerFailure> {
    if let Some(command) = WORKER_COMMAND.lock().unwrap_or_else(|p| p.into_inner()).clone() {
        return Ok(command);
    }
    let me = std::env::current_exe()
        .map_err(|e| WorkerFailure::setup(format!("cannot find this program to start workers: {e}")))?;
    Ok((me, vec![WORKER_ARG.to_string()]))
}

/// For programs that are their own workers: started with [`WORKER_ARG`], serve and exit.
pub fn serve_if_worker() {
    if std::env::args_os().nth(1).is_some_and(|a| a == WORKER_ARG) {
        std::process::exit(if serve() == ExitCode::SUCCESS { 0 } else { 1 });
    }
}

// --- the wire: little-endian integers, length-prefixed bytes --------------------------------

fn put_u64(out: &mut impl Write, v: u64) -> io::Result<()> {
    out.write_all(&v.to_le_bytes())
}

fn put_bytes(out: &mut impl Write, b: &[u8]) -> io::Result<()> {
    put_u64(out, b.len() as u64)?;
    out.write_all(b)
}

fn get_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn get_bytes(input: &mut impl Read, into: &mut Vec<u8>) -> io::Result<()> {
    let len = get_u64(input)?;
    if len > 1 << 32 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a {len}-byte field")));
    }
    into.resize(len as usize, 0);
    input.read_exact(into)
}

/// What a child found wrong: the plan index and place of the bad line, and for an overflow
/// (which re-reading the line cannot reproduce) the ngram.
struct ChildFault {
    plan_index: u64,
    source: u64,
    offset: u64,
    overflow: Option<String>,
}

// --- the parent -------------------------------------------------------------------------------

/// What one child sent back: its map output, its first bad line, the bytes it sent and the
/// seconds spent decoding them.
type ChildReply = (Mapped, Option<ChildFault>, u64, f64);

/// The map phase in child processes: chunk i goes to worker i mod W (so each worker meets
/// its chunks in input order and the earliest error is still found).
pub(crate) fn map_phase(
    workers: usize,
    sources: &[Source<'_>],
    plan: &[ChunkRef],
    options: &NgramOptions,
    partitions: usize,
) -> Result<(Vec<Mapped>, Shipping), NgramError> {
    let paths: Vec<&Path> = sources
        .iter()
        .map(|s| {
            s.path.ok_or_else(|| NgramError::Io {
                file: s.name.to_string(),
                source: io::Error::new(
                    io::ErrorKind::Unsupported,
                    "the process executor needs files on disk (its workers open them)",
                ),
            })
        })
        .collect::<Result<_, _>>()?;
    let (program, args) = worker_command()?;
    let count = workers.clamp(1, plan.len().max(1));
    let mut shipping = Shipping { mode: "range", ..Shipping::default() };

    let mut children = Vec::new();
    for w in 0..count {
        let mut request = Vec::new();
        let tasks: Vec<(usize, &ChunkRef)> = plan.iter().enumerate().skip(w).step_by(count).collect();
        write_request(&mut request, &paths, &tasks, options, partitions).expect("writing to memory");
        shipping.bytes_to_workers += request.len() as u64;
        let child = Command::new(&program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| WorkerFailure::of(w, format!("cannot start {}: {e}", program.display())))?;
        children.push((child, request));
    }

    // Every child is fed, read and waited for on its own thread: a child blocked writing a
    // full pipe must never wait on a parent reading another child.
    let replies: Vec<Result<ChildReply, WorkerFailure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = children
            .into_iter()
            .enumerate()
            .map(|(w, (mut child, request))| {
                scope.spawn(move || {
                    let pid = child.id();
                    let fail = |message: String| WorkerFailure::of(w, format!("pid {pid}: {message}"));
                    let mut stdin = child.stdin.take().expect("piped");
                    let mut stdout = child.stdout.take().expect("piped");
                    let mut stderr = child.stderr.take().expect("piped");
                    let errors = std::thread::spawn(move || {
                        let mut text = String::new();
                        let _ = stderr.read_to_string(&mut text);
                        text
                    });
                    let sent = stdin.write_all(&request).and_then(|()| stdin.flush());
                    drop(stdin);
                    let mut reader =
                        CountingReader { inner: BufReader::with_capacity(1 << 20, &mut stdout), bytes: 0 };
                    let clock = std::time::Instant::now();
                    let reply = read_reply(&mut reader, partitions);
                    let decode_s = clock.elapsed().as_secs_f64();
                    let status = child.wait();
                    let last_words = errors.join().unwrap_or_default();
                    let last_line = last_words.lines().last().unwrap_or("").to_string();
                    let status = status.map_err(|e| fail(format!("cannot wait for it: {e}")))?;
                    if !status.success() {
                        let said =
                            if last_line.is_empty() { String::new() } else { format!(": {last_line}") };
                        return Err(fail(format!("exited with {status}{said}")));
                    }
                    sent.map_err(|e| fail(format!("could not send its tasks: {e}")))?;
                    let (mapped, fault) =
                        reply.map_err(|e| fail(format!("sent a reply that cannot be read: {e}")))?;
                    Ok((mapped, fault, reader.bytes, decode_s))
                })
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(w, h)| {
                h.join().unwrap_or_else(|p| Err(WorkerFailure::of(w, workload::panic_message(&*p))))
            })
            .collect()
    });

    let mut mapped = Vec::new();
    let first_failure = FirstFailure::new();
    for reply in replies {
        let (m, fault, bytes, decode_s) = reply?;
        shipping.bytes_from_workers += bytes;
        shipping.decode_s += decode_s;
        mapped.push(m);
        if let Some(f) = fault {
            first_failure.record(f.plan_index as usize, f);
        }
    }
    if let Some(fault) = first_failure.into_error() {
        let source = &sources[fault.source as usize];
        let offset = fault.offset as usize;
        let kind = match fault.overflow {
            Some(ngram) => LineErrorKind::TotalOverflow { ngram },
            None => kind_at(source.data, offset),
        };
        return Err(NgramError::Line {
            file: source.name.to_string(),
            line: line_number_at(source.data, offset),
            kind,
        });
    }
    for m in &mut mapped {
        if let Some(at) = &mut m.tally.first_skipped {
            at.kind = kind_at(sources[at.source].data, at.offset);
        }
    }
    Ok((mapped, shipping))
}

/// Why the line at `offset` is bad, found again by parsing it here.
fn kind_at(data: &[u8], offset: usize) -> LineErrorKind {
    match parse_line(line_at(data, offset)) {
        Err(kind) => kind,
        Ok(_) => LineErrorKind::NotANumber { field: "line", text: "(reported bad by a worker)".into() },
    }
}

struct CountingReader<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

fn write_request(
    out: &mut impl Write,
    paths: &[&Path],
    tasks: &[(usize, &ChunkRef)],
    options: &NgramOptions,
    partitions: usize,
) -> io::Result<()> {
    put_u64(out, partitions as u64)?;
    put_u64(out, u64::from(options.skip_malformed))?;
    put_u64(out, paths.len() as u64)?;
    for path in paths {
        put_bytes(out, path.as_os_str().as_encoded_bytes())?;
    }
    put_u64(out, tasks.len() as u64)?;
    for (index, chunk) in tasks {
        for v in [*index as u64, chunk.source as u64, chunk.range.start as u64, chunk.range.end as u64] {
            put_u64(out, v)?;
        }
    }
    Ok(())
}

fn read_reply(input: &mut impl Read, partitions: usize) -> io::Result<(Mapped, Option<ChildFault>)> {
    let lines = get_u64(input)?;
    let skipped = get_u64(input)?;
    let first_skipped = match get_u64(input)? {
        0 => None,
        _ => Some(SkippedAt {
            source: get_u64(input)? as usize,
            offset: get_u64(input)? as usize,
            kind: LineErrorKind::Blank, // found again by the parent
        }),
    };
    let fault = match get_u64(input)? {
        0 => None,
        _ => {
            let (plan_index, source, offset) = (get_u64(input)?, get_u64(input)?, get_u64(input)?);
            let overflow = match get_u64(input)? {
                0 => None,
                _ => {
                    let mut text = Vec::new();
                    get_bytes(input, &mut text)?;
                    Some(String::from_utf8_lossy(&text).into_owned())
                }
            };
            Some(ChildFault { plan_index, source, offset, overflow })
        }
    };
    let mut parts = Vec::with_capacity(partitions);
    let mut key = Vec::new();
    for _ in 0..partitions {
        let runs = get_u64(input)?;
        let mut buffer = RunBuffer::new();
        for _ in 0..runs {
            let count = get_u64(input)?;
            get_bytes(input, &mut key)?;
            buffer.push(&key, key_hash(&key), count);
        }
        parts.push(Partial { runs: buffer, table: None });
    }
    if get_u64(input)? != u64::from_le_bytes(*b"end.tsv\n") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no end marker"));
    }
    Ok((Mapped { parts, tally: Tally { lines, skipped, first_skipped } }, fault))
}

// --- the child ----------------------------------------------------------------------------------

/// Reads one request from stdin, maps its chunks, writes the partitions to stdout, exits.
pub fn serve() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("panicked: {}{place}", info.payload_as_str().unwrap_or("(no message)"));
    }));
    match serve_one(&mut io::stdin().lock(), &mut BufWriter::with_capacity(1 << 20, io::stdout().lock())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mapreduce worker {}: {e}", std::process::id());
            ExitCode::from(3)
        }
    }
}

fn serve_one(input: &mut impl Read, out: &mut impl Write) -> Result<(), String> {
    let io = |e: io::Error| format!("cannot read the request: {e}");
    let partitions = get_u64(input).map_err(io)? as usize;
    let skip_malformed = get_u64(input).map_err(io)? != 0;
    let mut files = Vec::new();
    for _ in 0..get_u64(input).map_err(io)? {
        let mut path = Vec::new();
        get_bytes(input, &mut path).map_err(io)?;
        // SAFETY (of the encoding): the bytes came from `as_encoded_bytes` in the parent,
        // the same program on the same platform.
        let path = PathBuf::from(unsafe { std::ffi::OsString::from_encoded_bytes_unchecked(path) });
        files.push(InputFile::open(&path).map_err(|e| e.to_string())?);
    }
    let sources: Vec<Source<'_>> = files.iter().map(InputFile::source).collect();
    let mut tasks = Vec::new();
    for _ in 0..get_u64(input).map_err(io)? {
        let v = [get_u64(input), get_u64(input), get_u64(input), get_u64(input)];
        let [index, source, start, end] =
            v.map(|x| x.map_err(io)).into_iter().collect::<Result<Vec<_>, _>>()?[..]
        else {
            unreachable!("four values read")
        };
        tasks.push((index, source as usize, start as usize..end as usize));
    }

    let mut parts: Vec<Partial> = (0..partitions.max(1)).map(|_| Partial::default()).collect();
    let mut tally = Tally::default();
    let mut fault = None;
    for (index, source, range) in tasks {
        let data = sources
            .get(source)
            .and_then(|s| s.data.get(range.clone()))
            .ok_or_else(|| format!("task {index}: no bytes {range:?} in source {source}"))?;
        let result = map_chunk_runs(data, skip_malformed, |key, sum| combine(&mut parts, key, sum));
        sources[source].release(range.clone());
        match result {
            Ok(stats) => {
                tally.lines += stats.lines;
                tally.skipped += stats.skipped;
                if let (None, Some((offset, _))) = (&tally.first_skipped, stats.first_skipped) {
                    tally.first_skipped =
                        Some(SkippedAt { source, offset: range.start + offset, kind: LineErrorKind::Blank });
                }
            }
            Err(err) => {
                let overflow = match err.kind {
                    LineErrorKind::TotalOverflow { ngram } => Some(ngram),
                    _ => None,
                };
                fault = Some(ChildFault {
                    plan_index: index,
                    source: source as u64,
                    offset: (range.start + err.offset) as u64,
                    overflow,
                });
                break;
            }
        }
    }
    write_reply(out, &tally, fault.as_ref(), &mut parts).map_err(|e| format!("cannot send the reply: {e}"))
}

fn write_reply(
    out: &mut impl Write,
    tally: &Tally,
    fault: Option<&ChildFault>,
    parts: &mut [Partial],
) -> io::Result<()> {
    put_u64(out, tally.lines)?;
    put_u64(out, tally.skipped)?;
    match &tally.first_skipped {
        None => put_u64(out, 0)?,
        Some(at) => {
            for v in [1, at.source as u64, at.offset as u64] {
                put_u64(out, v)?;
            }
        }
    }
    match fault {
        None => put_u64(out, 0)?,
        Some(f) => {
            for v in [1, f.plan_index, f.source, f.offset] {
                put_u64(out, v)?;
            }
            match &f.overflow {
                None => put_u64(out, 0)?,
                Some(ngram) => {
                    put_u64(out, 1)?;
                    put_bytes(out, ngram.as_bytes())?;
                }
            }
        }
    }
    for part in parts.iter_mut() {
        // Whatever was folded into the worker's table goes back as runs too.
        let table = part.table.take();
        let from_table = table.as_ref().map_or(0, |t| t.len());
        put_u64(out, (part.runs.len() + from_table) as u64)?;
        for (key, count) in part.runs.iter().chain(table.iter().flat_map(|t| t.iter())) {
            put_u64(out, count)?;
            put_bytes(out, key)?;
        }
    }
    put_u64(out, u64::from_le_bytes(*b"end.tsv\n"))?;
    out.flush()
}
