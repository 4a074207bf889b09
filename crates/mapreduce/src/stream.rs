//! The engine over streams (a `.gz` shard, or any reader): the split phase becomes a reader
//! thread that decompresses and cuts line-aligned chunks while the workers map the chunks
//! before them, so decompression and parsing overlap. Decompression is one thread's work
//! and the slowest part, so the workers mostly wait for it; the goal is to finish close to
//! the time `gzip -dc FILE > /dev/null` takes alone.

use std::io::Read;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Mutex;
use std::time::Instant;

use workload::chunk::line_number_at;
use workload::input::{gzip_error, LineChunks};
use workload::ngram::partitioned::{combine, default_partitions, shuffle_and_reduce, Mapped};
use workload::ngram::{LineErrorKind, NgramOptions, NgramOutput, Phases, SkippedLine, Totals};
use workload::run::Runner;
use workload::{FirstFailure, NgramError};

/// One named input stream.
pub struct Stream {
    pub name: String,
    pub reader: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A chunk on its way to a worker: its place in the input (for line numbers) and its bytes.
struct Chunk {
    index: usize,
    source: usize,
    bytes: Vec<u8>,
}

/// What a worker learnt about one chunk (line numbers are worked out at the end, once every
/// earlier chunk's line count is known).
#[derive(Default, Clone)]
struct ChunkLines {
    source: usize,
    lines: u64,
    /// Line (within the chunk) and message of the first skipped line.
    skipped: Option<(u64, LineErrorKind)>,
}

/// A bad line: its line within its chunk, and what is wrong with it.
type BadLine = (u64, LineErrorKind);

/// Sums `match_count` per ngram over streams, through the partitioned algorithm's map,
/// combine, shuffle and reduce on `runner`, with `partitions` partitions (0: the default).
/// `bytes` in the output counts decompressed bytes.
pub fn ngram_stream(
    streams: Vec<Stream>,
    options: &NgramOptions,
    runner: &dyn Runner,
    partitions: usize,
) -> Result<NgramOutput<'static>, NgramError> {
    let target = options.chunking.stream_bytes();
    let names: Vec<String> = streams.iter().map(|s| s.name.clone()).collect();
    // Partitions cannot follow the input size (unknown in advance): take the figure a
    // plain file of 1.7 GB would get unless told otherwise.
    let partitions = match partitions {
        0 => default_partitions(runner.workers(), 1 << 31),
        r => r,
    };
    let clock = Instant::now();

    let (to_workers, chunks) = mpsc::sync_channel::<Chunk>(2 * runner.workers());
    let (give_back, returned) = mpsc::channel::<Vec<u8>>();
    let chunks = Mutex::new(Some(chunks));
    let first_failed = FirstFailure::<BadLine>::new();
    let seen: Mutex<Vec<ChunkLines>> = Mutex::new(Vec::new());
    let mut total_bytes = 0u64;

    let (read_result, mapped) = std::thread::scope(|scope| {
        let first_failed_ref = &first_failed;
        // The sender moves into the reader: when the input ends, the channel closes and the
        // workers' receive loop ends.
        let reader =
            scope.spawn(move || read_chunks(streams, target, to_workers, returned, first_failed_ref));
        let mapped = runner.run(usize::MAX, &|_| {
            map_stream_chunks(&chunks, &give_back, &first_failed, &seen, options, partitions)
        });
        // If every worker died, nobody is receiving: closing the channel unblocks the reader.
        drop(chunks.lock().unwrap_or_else(|p| p.into_inner()).take());
        let read_result =
            reader.join().unwrap_or_else(|p| Err((0, std::io::Error::other(workload::panic_message(&*p)))));
        (read_result, mapped)
    });
    let mapped = mapped?;
    let seen = seen.into_inner().unwrap_or_else(|p| p.into_inner());
    let bad_line = first_failed.into_first();
    match read_result {
        Ok(bytes) => total_bytes += bytes,
        // A bad line in an earlier stream (read whole, its checksum good) comes first.
        Err((source, e)) if bad_line.as_ref().is_none_or(|(index, _)| seen[*index].source >= source) => {
            return Err(NgramError::Io { file: names[source].clone(), source: gzip_error(e) });
        }
        Err(_) => {}
    }

    // Line numbers: each chunk's first line follows all earlier chunks of its source.
    let mut first_line = vec![1u64; seen.len()];
    let mut next_line: Vec<u64> = vec![1; names.len()];
    for (index, chunk) in seen.iter().enumerate() {
        first_line[index] = next_line[chunk.source];
        next_line[chunk.source] += chunk.lines;
    }
    let locate = |index: usize, (line, kind): BadLine| SkippedLine {
        file: names[seen[index].source].clone(),
        line: first_line[index] + line - 1,
        kind,
    };
    if let Some((index, bad)) = bad_line {
        let SkippedLine { file, line, kind } = locate(index, bad);
        return Err(NgramError::Line { file, line, kind });
    }
    let mut phases = Phases { map_s: clock.elapsed().as_secs_f64(), partitions, ..Phases::default() };
    let (reduced, tally) = shuffle_and_reduce(runner, mapped, &mut phases)?;
    let first_skipped =
        seen.iter().enumerate().find_map(|(index, c)| Some(locate(index, c.skipped.clone()?)));
    Ok(NgramOutput {
        totals: Totals::Partitioned(reduced),
        lines: tally.lines,
        bytes: total_bytes,
        skipped: tally.skipped,
        first_skipped,
        shipping: None,
        phases: Some(phases),
        cluster: None,
        reruns: Vec::new(),
    })
}

/// The reader thread: every stream in order, cut into line-aligned chunks and sent to the
/// workers (blocking when they are behind). Returns the bytes read, or the failing stream's
/// index and error.
fn read_chunks(
    streams: Vec<Stream>,
    target: usize,
    to_workers: SyncSender<Chunk>,
    returned: Receiver<Vec<u8>>,
    first_failed: &FirstFailure<BadLine>,
) -> Result<u64, (usize, std::io::Error)> {
    let mut index = 0;
    let mut bytes = 0u64;
    let mut spare: Vec<Vec<u8>> = Vec::new();
    for (source, stream) in streams.into_iter().enumerate() {
        let mut chunks = LineChunks::new(stream.reader, target);
        for buffer in spare.drain(..) {
            chunks.recycle(buffer);
        }
        loop {
            while let Ok(buffer) = returned.try_recv() {
                chunks.recycle(buffer);
            }
            if first_failed.any() {
                // A bad line in a gzip stream may be corruption that the checksum at the
                // stream's end names: read this stream to its end (discarding it), so that a
                // corrupt file is reported as corrupt, not as a bad line in made-up bytes.
                loop {
                    match chunks.next_chunk() {
                        None => return Ok(bytes),
                        Some(Err(e)) => return Err((source, e)),
                        Some(Ok(buffer)) => chunks.recycle(buffer),
                    }
                }
            }
            match chunks.next_chunk() {
                None => break,
                Some(Err(e)) => return Err((source, e)),
                Some(Ok(chunk)) => {
                    bytes += chunk.len() as u64;
                    if to_workers.send(Chunk { index, source, bytes: chunk }).is_err() {
                        return Ok(bytes); // the workers stopped (an error): nothing more to do
                    }
                    index += 1;
                }
            }
        }
        while let Ok(buffer) = returned.try_recv() {
            spare.push(buffer);
        }
    }
    Ok(bytes)
}

/// One worker: takes chunks until the reader is done, maps each into its partitions, and
/// records each chunk's line count (and first problem) by chunk index.
fn map_stream_chunks(
    chunks: &Mutex<Option<Receiver<Chunk>>>,
    give_back: &mpsc::Sender<Vec<u8>>,
    first_failed: &FirstFailure<BadLine>,
    seen: &Mutex<Vec<ChunkLines>>,
    options: &NgramOptions,
    partitions: usize,
) -> Mapped {
    let mut mapped = Mapped::empty(partitions);
    loop {
        let next = match chunks.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(receiver) => receiver.recv(),
            None => break,
        };
        let Ok(chunk) = next else { break };
        // After a bad line, chunks before it are still mapped (an earlier error wins, and
        // line numbers need every earlier chunk's count); later ones are only drained, so
        // the reader is never stuck on a full channel.
        if first_failed.makes_moot(chunk.index) {
            continue;
        }
        let parts = &mut mapped.parts;
        let result = options.map_runs(&chunk.bytes, |key, sum| combine(parts, key, sum));
        let mut record = ChunkLines { source: chunk.source, ..ChunkLines::default() };
        match result {
            Ok(stats) => {
                record.lines = stats.lines;
                mapped.tally.skipped += stats.skipped;
                mapped.tally.lines += stats.lines;
                record.skipped =
                    stats.first_skipped.map(|(offset, kind)| (line_number_at(&chunk.bytes, offset), kind));
            }
            Err(err) => {
                first_failed.record(chunk.index, (line_number_at(&chunk.bytes, err.offset), err.kind));
            }
        }
        {
            let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            if seen.len() <= chunk.index {
                seen.resize(chunk.index + 1, ChunkLines::default());
            }
            seen[chunk.index] = record;
        }
        let _ = give_back.send(chunk.bytes);
    }
    mapped
}
