//! Opening input files. Plain files are memory-mapped: the kernels then read the page cache
//! directly, with no copy and no `readlines()` list of millions of strings. Gzip files (the
//! form Google publishes the shards in) are decompressed with flate2 on zlib-rs: whole, for
//! the models that take one slice of bytes, or as a stream of line-aligned chunks.

use crate::shown::Shown;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use memmap2::Mmap;

use crate::error::NgramError;
use crate::ngram::Source;

/// An opened input: a name for messages and the bytes.
#[derive(Debug)]
pub struct InputFile {
    name: String,
    path: Option<std::path::PathBuf>,
    identity: Option<FileIdentity>,
    /// For a mapped file: a SIGBUS in the mapping (the file shrank) is reported by name.
    /// Declared before `data`, so it is dropped before the mapping goes.
    _watch: Option<crate::shrunk::Watch>,
    data: Data,
    /// The open file behind a mapping: the engine reads its chunks from it with `pread` (see
    /// `Source::file`).
    file: Option<File>,
}

/// Which file an open file is: its device and inode, size and modification time. A file
/// replaced under the same name (by a rename, as rsync and `harness gen` do) or rewritten in
/// place has another, so a worker process that opens the path again can tell that it is not
/// reading the file its parent read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    pub device: u64,
    pub inode: u64,
    pub len: u64,
    pub modified_ns: u64,
}

impl FileIdentity {
    pub fn of(meta: &std::fs::Metadata) -> FileIdentity {
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        FileIdentity { device, inode, len: meta.len(), modified_ns }
    }
}

#[derive(Debug)]
enum Data {
    Mapped(Mmap),
    /// Empty files (which cannot be mapped) and, later, decompressed streams.
    Owned(Vec<u8>),
}

impl InputFile {
    /// Opens and maps `path`. A `.gz` file is decompressed into memory whole (the models that
    /// want one slice of bytes need that); the MapReduce engine streams it instead, see
    /// [`open_stream`]. What is not a regular file (a pipe, `/dev/stdin`, `<(zcat f.gz)`, or
    /// `-` for standard input) is read as a stream, to its end, into memory: it can be read
    /// only once, and it has no path a worker process could open again.
    pub fn open(path: &Path) -> Result<InputFile, NgramError> {
        let name = crate::shown::path(path);
        let io_err = |source| NgramError::Io { file: name.clone(), source };
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes).map_err(io_err)?;
            return Ok(InputFile {
                name: "standard input".into(),
                path: None,
                identity: None,
                _watch: None,
                data: Data::Owned(bytes),
                file: None,
            });
        }
        if is_gzip(path) {
            let identity = std::fs::metadata(path).ok().map(|m| FileIdentity::of(&m));
            let mut bytes = Vec::new();
            open_stream(path)?.read_to_end(&mut bytes).map_err(|e| io_err(gzip_error(e)))?;
            return Ok(InputFile {
                name,
                path: Some(path.to_path_buf()),
                identity,
                _watch: None,
                data: Data::Owned(bytes),
                file: None,
            });
        }
        let file = File::open(path).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if meta.is_dir() {
            return Err(io_err(std::io::Error::other("is a directory")));
        }
        if !meta.is_file() {
            let mut bytes = Vec::new();
            (&file).read_to_end(&mut bytes).map_err(io_err)?;
            return Ok(InputFile {
                name,
                path: None,
                identity: None,
                _watch: None,
                data: Data::Owned(bytes),
                file: None,
            });
        }
        let data = if meta.len() == 0 {
            Data::Owned(Vec::new())
        } else {
            // SAFETY: the map is read-only. If another process truncates the file while we
            // read it, the kernel delivers SIGBUS: `shrunk` turns that into an error line
            // naming the file (see there).
            let map = unsafe { Mmap::map(&file) }.map_err(io_err)?;
            Data::Mapped(map)
        };
        let watch = match &data {
            Data::Mapped(map) => Some(crate::shrunk::watch(map, &name)),
            Data::Owned(_) => None,
        };
        let file = matches!(data, Data::Mapped(_)).then_some(file);
        Ok(InputFile {
            name,
            path: Some(path.to_path_buf()),
            identity: Some(FileIdentity::of(&meta)),
            _watch: watch,
            data,
            file,
        })
    }

    /// An in-memory input (tests, generated data).
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> InputFile {
        InputFile {
            name: name.into(),
            path: None,
            identity: None,
            _watch: None,
            data: Data::Owned(bytes),
            file: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which file was opened, for a file on disk.
    pub fn identity(&self) -> Option<FileIdentity> {
        self.identity
    }

    /// Checks that this is the file another reader opened (`expected`, from that reader's
    /// [`Source::identity`]): a process that opens the path again must not read another file
    /// (one replaced by a rename, as rsync and `harness gen` replace files, or one rewritten)
    /// and mix its bytes with what the first reader read.
    pub fn is_the_file(&self, expected: Option<FileIdentity>) -> Result<(), String> {
        match expected {
            Some(want) if self.identity != Some(want) => Err(format!(
                "{}: the file changed during the run (replaced or rewritten); run again on a file that stays put",
                self.name
            )),
            _ => Ok(()),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mapped(map) => map,
            Data::Owned(bytes) => bytes,
        }
    }

    /// The borrowed view every model takes.
    pub fn source(&self) -> Source<'_> {
        let mapping = match &self.data {
            Data::Mapped(map) => Some(map),
            Data::Owned(_) => None,
        };
        Source {
            name: &self.name,
            data: self.bytes(),
            path: self.path.as_deref(),
            identity: self.identity,
            mapping,
            file: self.file.as_ref(),
        }
    }
}

/// Whether `path` names a gzip file (by its extension, as `gzip -d` decides).
pub fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Says what a failed read of gzip data means (flate2 reports corrupt data as a bare
/// "invalid ..." I/O error).
pub fn gzip_error(e: io::Error) -> io::Error {
    match e.kind() {
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
            io::Error::new(e.kind(), format!("not valid gzip data ({e})"))
        }
        _ => e,
    }
}

/// `path` as a stream of bytes: decompressed on the fly for `.gz` (every gzip member, as
/// `gzip -dc` does), plain otherwise.
pub fn open_stream(path: &Path) -> Result<Box<dyn Read + Send>, NgramError> {
    let file = File::open(path).map_err(|source| NgramError::Io { file: path.shown(), source })?;
    if is_gzip(path) {
        // A large buffer under the decoder: fewer, bigger reads of the compressed file.
        Ok(Box::new(MultiGzDecoder::new(io::BufReader::with_capacity(1 << 20, file))))
    } else {
        Ok(Box::new(file))
    }
}

/// Cuts a stream into chunks of whole lines of about `target` bytes each (the last line of
/// the stream may lack its newline). Each chunk is a fresh buffer, or a recycled one handed
/// back with [`LineChunks::recycle`].
#[derive(Debug)]
pub struct LineChunks<R> {
    reader: R,
    target: usize,
    /// Bytes read past the last newline of the previous chunk.
    carry: Vec<u8>,
    spare: Vec<Vec<u8>>,
    done: bool,
}

impl<R: Read> LineChunks<R> {
    pub fn new(reader: R, target: usize) -> LineChunks<R> {
        LineChunks { reader, target: target.max(1), carry: Vec::new(), spare: Vec::new(), done: false }
    }

    /// Gives a chunk's buffer back for reuse (saves the kernel zeroing fresh pages).
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        self.spare.push(buffer);
    }

    /// The next chunk, `None` at the end, or the read error.
    pub fn next_chunk(&mut self) -> Option<io::Result<Vec<u8>>> {
        if self.done {
            return None;
        }
        let mut chunk = self.spare.pop().unwrap_or_default();
        chunk.clear();
        chunk.reserve(self.target + (64 << 10));
        chunk.append(&mut self.carry);
        loop {
            // Fill up to the target, then keep reading until a newline turns up.
            let have = chunk.len();
            let want = if have < self.target { self.target - have } else { 64 << 10 };
            chunk.resize(have + want, 0);
            let read = match self.reader.read(&mut chunk[have..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            chunk.truncate(have + read);
            if read == 0 {
                self.done = true;
                return if chunk.is_empty() { None } else { Some(Ok(chunk)) };
            }
            if chunk.len() >= self.target {
                if let Some(last) = memchr::memrchr(b'\n', &chunk[have..]) {
                    let cut = have + last + 1;
                    self.carry.extend_from_slice(&chunk[cut..]);
                    chunk.truncate(cut);
                    return Some(Ok(chunk));
                }
            }
        }
    }
}

/// Whether `path` can be read more than once: a regular file (or a `.gz` one), not a pipe, a
/// device or standard input.
pub fn is_rereadable(path: &Path) -> bool {
    path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Refuses, before any work, an input that a command (`what`) reads more than once unless
/// it is a regular file: a missing one, a folder, a pipe or standard input (read once, the
/// second read would wait forever) are errors naming it.
pub fn check_rereadable(path: &Path, what: &str) -> Result<(), String> {
    let shown = crate::shown::path(path);
    if path.as_os_str() == "-" {
        return Err(format!("-: {what} reads its input more than once, and standard input can be read only once: save it to a file first"));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{shown}: is a directory; give a shard file"));
    }
    if !meta.is_file() {
        return Err(format!(
            "{shown}: {what} reads its input more than once, and a pipe or a device can be read only once: save it to a file first"
        ));
    }
    Ok(())
}

/// Opens every path, failing on the first that cannot be opened.
pub fn open_all<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<InputFile>, NgramError> {
    paths.iter().map(|p| InputFile::open(p.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chunks_are_whole_lines_and_cover_the_stream() {
        let text: Vec<u8> = (0..500).flat_map(|i| format!("w{i}\t1\t{i}\t1\n").into_bytes()).collect();
        for target in [1, 7, 100, 4096, 1 << 20] {
            for tail in [&b""[..], b"last\t1\t2\t3"] {
                let data = [&text[..], tail].concat();
                let mut chunks = LineChunks::new(&data[..], target);
                let mut joined = Vec::new();
                while let Some(chunk) = chunks.next_chunk() {
                    let chunk = chunk.unwrap();
                    assert!(!chunk.is_empty());
                    let whole = chunk.ends_with(b"\n") || joined.len() + chunk.len() == data.len();
                    assert!(whole, "target {target}: a chunk ends inside a line");
                    joined.extend_from_slice(&chunk);
                    chunks.recycle(chunk);
                }
                assert_eq!(joined, data, "target {target}");
            }
        }
    }
}
