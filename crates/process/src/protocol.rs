//! What crosses the pipe: tasks to a worker, replies from it. Hand-rolled binary encoding
//! (tag byte, little-endian integers, length-prefixed bytes): this is our `pickle`, small
//! enough to read in one sitting and cheap enough that the cost left is the copy itself.
//!
//! A process cannot receive a closure, only data naming what to run: like Python pickling a
//! function by its name, a [`Task`] names one of the functions the worker knows.

use std::fmt;
use std::time::Duration;

use workload::input::FileIdentity;
use workload::ngram::{Kernel, LineErrorKind};

/// The argument that puts the `harness` binary into worker mode (the parent starts its
/// workers with it, the worker side answers to it).
pub const WORKER_ARG: &str = "__worker";

/// How often a busy worker says it is alive: an empty frame on its reply pipe (the interval
/// every heartbeat in the workspace uses, timely's included).
pub const HEARTBEAT: Duration = workload::run::HEARTBEAT;

/// Work a worker knows how to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// `count_to(to)`, `times` times; the reply is the sum.
    Count { to: u64, times: u32 },
    /// The article's `say_hello(name)`: the reply is `"hello, {name}"`.
    Hello { name: String },
    /// Sleep, then reply `value` (for completion-order lessons).
    Sleep { millis: u64, value: u64 },
    /// Map these bytes with `kernel` (a chunk shipped whole, as pickling a list of lines
    /// does). `base` is the chunk's offset in its file, so replies can name keys by file
    /// offset.
    MapBytes { base: u64, kernel: Kernel, skip_malformed: bool, data: Vec<u8> },
    /// Map bytes `start..end` of `path` with `kernel`; the worker reads them itself: only the
    /// range crosses the pipe. `identity` is the file the parent read: the worker refuses
    /// another.
    MapRange {
        path: String,
        identity: Option<FileIdentity>,
        start: u64,
        end: u64,
        kernel: Kernel,
        skip_malformed: bool,
    },
    /// Misbehave on purpose, so tests can check that the parent copes (tests only: the
    /// `test-tasks` feature, which this crate's tests turn on).
    #[cfg(feature = "test-tasks")]
    Fault(Fault),
    /// The article's `count(to)` that prints how long it took: counts, writes
    /// `counted to N in S s` on the worker's stderr, replies with the count.
    TimedCount { to: u64 },
    /// Connect to `addr` (a loopback listener the parent holds) and wait until the parent
    /// closes the connection, then reply 0: a gate for tests, so they can hold a worker busy
    /// for exactly as long as they need without sleeping (tests only, as `Fault`).
    #[cfg(feature = "test-tasks")]
    Gate { addr: String },
    /// Several tasks in one message, replied to with one `Reply::Batch` (what
    /// `ProcessPoolExecutor.map(chunksize=n)` sends).
    Batch(Vec<Task>),
    /// The partitioned algorithm's map phase for one worker: map these chunks of these files
    /// (read by the worker itself: only byte ranges cross the pipe), combining runs into
    /// `partitions` partitions by key hash; the reply is `Reply::Partitioned`.
    MapPartitioned {
        paths: Vec<String>,
        /// Per path, the file the parent read: the worker refuses another.
        identities: Vec<Option<FileIdentity>>,
        chunks: Vec<PlannedChunk>,
        partitions: u64,
        kernel: Kernel,
        skip_malformed: bool,
    },
}

/// A chunk of the plan, for a worker: its place in the plan (so the parent can tell which
/// bad line comes first), its file (an index into the task's paths) and its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedChunk {
    pub index: u64,
    pub source: u64,
    pub start: u64,
    pub end: u64,
}

/// Where in the input, and what: a bad or skipped line found by a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAt {
    /// The chunk's place in the plan.
    pub index: u64,
    pub source: u64,
    /// Byte offset of the line in its file.
    pub offset: u64,
    pub kind: LineErrorKind,
}

/// One worker's map output under the partitioned algorithm: per partition, its runs
/// `(key, count)` (whatever it had folded into tables comes back as runs too), its line
/// counts, and the first skipped and the first bad line it met, with their full error kinds.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionedMap {
    pub parts: Vec<workload::ngram::RunBuffer>,
    pub lines: u64,
    pub skipped: u64,
    pub first_skipped: Option<LineAt>,
    pub fault: Option<LineAt>,
}

/// Ways a worker can fail, on request.
#[cfg(feature = "test-tasks")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `panic!` (the process exits with status 101).
    Panic,
    /// Exit with this status without replying.
    Exit(i32),
    /// Write bytes that are not a frame.
    Garbage,
    /// Never reply (but stay alive: heartbeats go on).
    Hang,
    /// Stop this process with SIGSTOP, as `kill -STOP` would: no reply, no heartbeat.
    Stop,
}

/// One entry of a partial result: the key is named by its position in the file (the parent
/// has the same file mapped, so it rebuilds the key without the key's bytes crossing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub offset: u64,
    pub len: u32,
    pub total: u64,
}

/// A chunk's map output.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    pub entries: Vec<Entry>,
    pub lines: u64,
    pub skipped: u64,
    /// File offset of the first skipped line, and why.
    pub first_skipped: Option<(u64, LineErrorKind)>,
    /// Worker-side seconds spent decoding the task and encoding this reply.
    pub worker_codec_s: f64,
}

/// A worker's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Value(u64),
    Text(String),
    Partial(Partial),
    /// A bad line at this file offset (the parent turns it into FILE:LINE).
    LineError {
        offset: u64,
        kind: LineErrorKind,
    },
    /// The worker could not do the task (for example it could not open the file).
    Failed(String),
    /// The replies to a `Task::Batch`, in its order.
    Batch(Vec<Reply>),
    /// The reply to a `Task::MapPartitioned`.
    Partitioned(PartitionedMap),
}

/// Bytes that do not decode as a task or a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed message: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

struct Out(Vec<u8>);

impl Out {
    /// How a chunk is mapped, in one byte: the kernel's number, then whether malformed lines
    /// are skipped in the low bit.
    fn how(&mut self, kernel: Kernel, skip_malformed: bool) {
        self.u8(kernel.code() << 1 | u8::from(skip_malformed));
    }

    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.0.extend_from_slice(v);
    }
    fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
}

struct In<'a>(&'a [u8]);

impl<'a> In<'a> {
    /// [`Out::how`]'s byte.
    fn how(&mut self) -> Result<(Kernel, bool), DecodeError> {
        let byte = self.u8()?;
        let kernel = Kernel::from_code(byte >> 1)
            .ok_or_else(|| DecodeError(format!("unknown kernel {}", byte >> 1)))?;
        Ok((kernel, byte & 1 != 0))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError(format!("needed {n} more bytes, {} left", self.0.len())));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(self.u64()?).map_err(|_| DecodeError("length overflows".into()))?;
        self.take(len)
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| DecodeError("text is not UTF-8".into()))
    }
    fn end(&self) -> Result<(), DecodeError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DecodeError(format!("{} trailing bytes", self.0.len())))
        }
    }
}

fn put_identity(out: &mut Out, identity: &Option<FileIdentity>) {
    match identity {
        None => out.u8(0),
        Some(id) => {
            out.u8(1);
            for v in [id.device, id.inode, id.len, id.modified_ns] {
                out.u64(v);
            }
        }
    }
}

fn get_identity(input: &mut In<'_>) -> Result<Option<FileIdentity>, DecodeError> {
    Ok(match input.u8()? {
        0 => None,
        _ => Some(FileIdentity {
            device: input.u64()?,
            inode: input.u64()?,
            len: input.u64()?,
            modified_ns: input.u64()?,
        }),
    })
}

fn put_kind(out: &mut Out, kind: &LineErrorKind) {
    match kind {
        LineErrorKind::Blank => out.u8(0),
        LineErrorKind::FieldCount { found } => {
            out.u8(1);
            out.u64(*found as u64);
        }
        LineErrorKind::EmptyNgram => out.u8(2),
        LineErrorKind::NotANumber { field, text } => {
            out.u8(3);
            out.str(field);
            out.str(text);
        }
        LineErrorKind::TooLarge { field, text } => {
            out.u8(4);
            out.str(field);
            out.str(text);
        }
        LineErrorKind::TotalOverflow { ngram } => {
            out.u8(5);
            out.str(ngram);
        }
    }
}

/// Field names are `&'static str` in `LineErrorKind`; map the decoded text back to them.
fn field_name(text: &str) -> Result<&'static str, DecodeError> {
    ["year", "match_count", "volume_count"]
        .into_iter()
        .find(|f| *f == text)
        .ok_or_else(|| DecodeError(format!("unknown field {text:?}")))
}

fn get_kind(input: &mut In<'_>) -> Result<LineErrorKind, DecodeError> {
    Ok(match input.u8()? {
        0 => LineErrorKind::Blank,
        1 => LineErrorKind::FieldCount { found: input.u64()? as usize },
        2 => LineErrorKind::EmptyNgram,
        3 => LineErrorKind::NotANumber { field: field_name(&input.string()?)?, text: input.string()? },
        4 => LineErrorKind::TooLarge { field: field_name(&input.string()?)?, text: input.string()? },
        5 => LineErrorKind::TotalOverflow { ngram: input.string()? },
        tag => return Err(DecodeError(format!("unknown line error tag {tag}"))),
    })
}

impl Task {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Out(Vec::new());
        match self {
            Task::Count { to, times } => {
                out.u8(1);
                out.u64(*to);
                out.u32(*times);
            }
            Task::Hello { name } => {
                out.u8(2);
                out.str(name);
            }
            Task::Sleep { millis, value } => {
                out.u8(3);
                out.u64(*millis);
                out.u64(*value);
            }
            Task::MapBytes { base, kernel, skip_malformed, data } => {
                out.0.reserve(data.len() + 32);
                out.u8(4);
                out.u64(*base);
                out.how(*kernel, *skip_malformed);
                out.bytes(data);
            }
            Task::MapRange { path, identity, start, end, kernel, skip_malformed } => {
                out.u8(5);
                out.str(path);
                put_identity(&mut out, identity);
                out.u64(*start);
                out.u64(*end);
                out.how(*kernel, *skip_malformed);
            }
            #[cfg(feature = "test-tasks")]
            Task::Fault(fault) => {
                out.u8(6);
                match fault {
                    Fault::Panic => out.u8(0),
                    Fault::Exit(code) => {
                        out.u8(1);
                        out.u32(*code as u32);
                    }
                    Fault::Garbage => out.u8(2),
                    Fault::Hang => out.u8(3),
                    Fault::Stop => out.u8(4),
                }
            }
            Task::TimedCount { to } => {
                out.u8(7);
                out.u64(*to);
            }
            #[cfg(feature = "test-tasks")]
            Task::Gate { addr } => {
                out.u8(8);
                out.str(addr);
            }
            Task::Batch(tasks) => {
                out.u8(9);
                out.u64(tasks.len() as u64);
                for task in tasks {
                    out.bytes(&task.encode());
                }
            }
            Task::MapPartitioned { paths, identities, chunks, partitions, kernel, skip_malformed } => {
                out.u8(10);
                out.u64(paths.len() as u64);
                for (path, identity) in paths.iter().zip(identities) {
                    out.str(path);
                    put_identity(&mut out, identity);
                }
                out.u64(chunks.len() as u64);
                for c in chunks {
                    for v in [c.index, c.source, c.start, c.end] {
                        out.u64(v);
                    }
                }
                out.u64(*partitions);
                out.how(*kernel, *skip_malformed);
            }
        }
        out.0
    }

    /// The encoding of `Task::MapBytes` straight from a borrowed chunk: one copy, into the
    /// frame (building the task first would copy the chunk twice).
    pub fn encode_map_bytes(base: u64, kernel: Kernel, skip_malformed: bool, data: &[u8]) -> Vec<u8> {
        let mut out = Out(Vec::with_capacity(data.len() + 32));
        out.u8(4);
        out.u64(base);
        out.how(kernel, skip_malformed);
        out.bytes(data);
        out.0
    }

    /// What an encoded task asks for, in words (for messages about the worker running it).
    pub fn describe_frame(frame: &[u8]) -> &'static str {
        match frame.first() {
            Some(1) => "a count task",
            Some(2) => "a hello task",
            Some(3) => "a sleep task",
            Some(4) => "a map task (a chunk shipped as bytes)",
            Some(5) => "a map task (a byte range of a file)",
            Some(6) => "a fault task",
            Some(7) => "a timed count task",
            Some(8) => "a gate task",
            Some(9) => "a batch of tasks",
            Some(10) => "its map + combine task (its share of the chunks)",
            _ => "an unknown task",
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Task, DecodeError> {
        let mut input = In(bytes);
        let task = match input.u8()? {
            1 => Task::Count { to: input.u64()?, times: input.u32()? },
            2 => Task::Hello { name: input.string()? },
            3 => Task::Sleep { millis: input.u64()?, value: input.u64()? },
            4 => {
                let base = input.u64()?;
                let (kernel, skip_malformed) = input.how()?;
                Task::MapBytes { base, kernel, skip_malformed, data: input.bytes()?.to_vec() }
            }
            5 => {
                let (path, identity) = (input.string()?, get_identity(&mut input)?);
                let (start, end) = (input.u64()?, input.u64()?);
                let (kernel, skip_malformed) = input.how()?;
                Task::MapRange { path, identity, start, end, kernel, skip_malformed }
            }
            #[cfg(feature = "test-tasks")]
            6 => Task::Fault(match input.u8()? {
                0 => Fault::Panic,
                1 => Fault::Exit(input.u32()? as i32),
                2 => Fault::Garbage,
                3 => Fault::Hang,
                4 => Fault::Stop,
                tag => return Err(DecodeError(format!("unknown fault {tag}"))),
            }),
            7 => Task::TimedCount { to: input.u64()? },
            #[cfg(feature = "test-tasks")]
            8 => Task::Gate { addr: input.string()? },
            9 => {
                let n = input.u64()?;
                let mut tasks = Vec::new();
                for _ in 0..n {
                    tasks.push(Task::decode(input.bytes()?)?);
                }
                Task::Batch(tasks)
            }
            10 => {
                let n = input.u64()?;
                let (mut paths, mut identities) = (Vec::new(), Vec::new());
                for _ in 0..n {
                    paths.push(input.string()?);
                    identities.push(get_identity(&mut input)?);
                }
                let n = input.u64()?;
                if n > input.0.len() as u64 / 32 {
                    return Err(DecodeError(format!("{n} chunks cannot fit in {} bytes", input.0.len())));
                }
                let mut chunks = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let (index, source, start, end) =
                        (input.u64()?, input.u64()?, input.u64()?, input.u64()?);
                    chunks.push(PlannedChunk { index, source, start, end });
                }
                let partitions = input.u64()?;
                let (kernel, skip_malformed) = input.how()?;
                Task::MapPartitioned { paths, identities, chunks, partitions, kernel, skip_malformed }
            }
            tag => return Err(DecodeError(format!("unknown task tag {tag}"))),
        };
        input.end()?;
        Ok(task)
    }
}

impl Reply {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Out(Vec::new());
        match self {
            Reply::Value(v) => {
                out.u8(1);
                out.u64(*v);
            }
            Reply::Text(text) => {
                out.u8(2);
                out.str(text);
            }
            Reply::Partial(p) => {
                out.0.reserve(p.entries.len() * 20 + 64);
                out.u8(3);
                out.u64(p.lines);
                out.u64(p.skipped);
                match &p.first_skipped {
                    None => out.u8(0),
                    Some((offset, kind)) => {
                        out.u8(1);
                        out.u64(*offset);
                        put_kind(&mut out, kind);
                    }
                }
                out.f64(p.worker_codec_s);
                out.u64(p.entries.len() as u64);
                for e in &p.entries {
                    out.u64(e.offset);
                    out.u32(e.len);
                    out.u64(e.total);
                }
            }
            Reply::LineError { offset, kind } => {
                out.u8(4);
                out.u64(*offset);
                put_kind(&mut out, kind);
            }
            Reply::Failed(message) => {
                out.u8(5);
                out.str(message);
            }
            Reply::Batch(replies) => {
                out.u8(6);
                out.u64(replies.len() as u64);
                for reply in replies {
                    out.bytes(&reply.encode());
                }
            }
            Reply::Partitioned(map) => {
                out.0.reserve(map.parts.iter().map(|p| p.key_bytes() + 16 * p.len() + 8).sum::<usize>() + 64);
                out.u8(7);
                out.u64(map.lines);
                out.u64(map.skipped);
                for at in [&map.first_skipped, &map.fault] {
                    match at {
                        None => out.u8(0),
                        Some(at) => {
                            out.u8(1);
                            out.u64(at.index);
                            out.u64(at.source);
                            out.u64(at.offset);
                            put_kind(&mut out, &at.kind);
                        }
                    }
                }
                out.u64(map.parts.len() as u64);
                for part in &map.parts {
                    out.u64(part.len() as u64);
                    for (key, count) in part.iter() {
                        out.u64(count);
                        out.bytes(key);
                    }
                }
            }
        }
        out.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Reply, DecodeError> {
        let mut input = In(bytes);
        let reply = match input.u8()? {
            1 => Reply::Value(input.u64()?),
            2 => Reply::Text(input.string()?),
            3 => {
                let lines = input.u64()?;
                let skipped = input.u64()?;
                let first_skipped = match input.u8()? {
                    0 => None,
                    _ => Some((input.u64()?, get_kind(&mut input)?)),
                };
                let worker_codec_s = input.f64()?;
                let n =
                    usize::try_from(input.u64()?).map_err(|_| DecodeError("entry count overflows".into()))?;
                if n > input.0.len() / 20 {
                    return Err(DecodeError(format!("{n} entries cannot fit in {} bytes", input.0.len())));
                }
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    entries.push(Entry { offset: input.u64()?, len: input.u32()?, total: input.u64()? });
                }
                Reply::Partial(Partial { entries, lines, skipped, first_skipped, worker_codec_s })
            }
            4 => Reply::LineError { offset: input.u64()?, kind: get_kind(&mut input)? },
            5 => Reply::Failed(input.string()?),
            6 => {
                let n = input.u64()?;
                let mut replies = Vec::new();
                for _ in 0..n {
                    replies.push(Reply::decode(input.bytes()?)?);
                }
                Reply::Batch(replies)
            }
            7 => {
                let (lines, skipped) = (input.u64()?, input.u64()?);
                let line_at = |input: &mut In<'_>| -> Result<Option<LineAt>, DecodeError> {
                    Ok(match input.u8()? {
                        0 => None,
                        _ => Some(LineAt {
                            index: input.u64()?,
                            source: input.u64()?,
                            offset: input.u64()?,
                            kind: get_kind(input)?,
                        }),
                    })
                };
                let first_skipped = line_at(&mut input)?;
                let fault = line_at(&mut input)?;
                let n = input.u64()?;
                if n > input.0.len() as u64 / 8 {
                    return Err(DecodeError(format!("{n} partitions cannot fit in {} bytes", input.0.len())));
                }
                let mut parts = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let runs = input.u64()?;
                    if runs > input.0.len() as u64 / 16 {
                        return Err(DecodeError(format!(
                            "{runs} runs cannot fit in {} bytes",
                            input.0.len()
                        )));
                    }
                    let mut buffer = workload::ngram::RunBuffer::new();
                    for _ in 0..runs {
                        let count = input.u64()?;
                        let key = input.bytes()?;
                        buffer.push(key, workload::ngram::key_hash(key), count);
                    }
                    parts.push(buffer);
                }
                Reply::Partitioned(PartitionedMap { parts, lines, skipped, first_skipped, fault })
            }
            tag => return Err(DecodeError(format!("unknown reply tag {tag}"))),
        };
        input.end()?;
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_round_trip() {
        let tasks = [
            Task::Count { to: 100_000_000, times: 2 },
            Task::Hello { name: "satori".into() },
            Task::Sleep { millis: 5, value: 22 },
            Task::MapBytes {
                base: 10,
                kernel: Kernel::Ngram,
                skip_malformed: true,
                data: b"a\t1\t2\t3\n".to_vec(),
            },
            Task::MapRange {
                path: "/tmp/ä.tsv".into(),
                identity: None,
                start: 1,
                end: 99,
                kernel: Kernel::Ngram,
                skip_malformed: false,
            },
            Task::MapRange {
                path: "/tmp/b.tsv".into(),
                identity: Some(FileIdentity { device: 1, inode: 2, len: 3, modified_ns: 4 }),
                start: 0,
                end: 1,
                kernel: Kernel::Ngram,
                skip_malformed: true,
            },
            Task::MapPartitioned {
                paths: vec!["/tmp/c.tsv".into()],
                identities: vec![None],
                chunks: vec![PlannedChunk { index: 3, source: 0, start: 7, end: 70 }],
                partitions: 16,
                kernel: Kernel::Ngram,
                skip_malformed: true,
            },
            Task::Fault(Fault::Exit(-3)),
            Task::Fault(Fault::Hang),
            Task::TimedCount { to: 22 },
            Task::Gate { addr: "127.0.0.1:9".into() },
            Task::Batch(vec![Task::TimedCount { to: 1 }, Task::Hello { name: "a".into() }]),
        ];
        for task in tasks {
            assert_eq!(Task::decode(&task.encode()), Ok(task));
        }
    }

    #[test]
    fn replies_round_trip() {
        let replies = [
            Reply::Value(7),
            Reply::Text("hello, koishi".into()),
            Reply::Partial(Partial {
                entries: vec![Entry { offset: 3, len: 8, total: 15209 }],
                lines: 12,
                skipped: 1,
                first_skipped: Some((
                    40,
                    LineErrorKind::NotANumber { field: "match_count", text: "-1".into() },
                )),
                worker_codec_s: 0.25,
            }),
            Reply::LineError { offset: 9, kind: LineErrorKind::FieldCount { found: 2 } },
            Reply::Failed("no such file".into()),
            Reply::Batch(vec![Reply::Value(1), Reply::Text("b".into())]),
        ];
        for reply in replies {
            assert_eq!(Reply::decode(&reply.encode()), Ok(reply));
        }
    }

    #[test]
    fn garbage_is_refused() {
        assert!(Task::decode(b"").is_err());
        assert!(Task::decode(&[99]).is_err());
        assert!(Reply::decode(&[3, 1, 2]).is_err());
        let mut extra = Reply::Value(1).encode();
        extra.push(0);
        assert_eq!(Reply::decode(&extra), Err(DecodeError("1 trailing bytes".into())));
    }
}
