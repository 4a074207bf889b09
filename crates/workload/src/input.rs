//! Opening input files. Plain files are memory-mapped: the kernels then read the page cache
//! directly, with no copy and no `readlines()` list of millions of strings.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use crate::error::NgramError;
use crate::ngram::Source;

/// An opened input: a name for messages and the bytes.
#[derive(Debug)]
pub struct InputFile {
    name: String,
    path: Option<std::path::PathBuf>,
    data: Data,
}

#[derive(Debug)]
enum Data {
    Mapped(Mmap),
    /// Empty files (which cannot be mapped) and, later, decompressed streams.
    Owned(Vec<u8>),
}

impl InputFile {
    /// Opens and maps `path`. `.gz` input is refused with a clear message until streaming
    /// decompression lands (the MapReduce engine's issue).
    pub fn open(path: &Path) -> Result<InputFile, NgramError> {
        let name = path.display().to_string();
        let io_err = |source| NgramError::Io { file: name.clone(), source };
        if path.extension().is_some_and(|e| e == "gz") {
            return Err(io_err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "gzip input is not supported yet; decompress it first (gzip -dk FILE)",
            )));
        }
        let file = File::open(path).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if meta.is_dir() {
            return Err(io_err(std::io::Error::other("is a directory")));
        }
        let data = if meta.len() == 0 {
            Data::Owned(Vec::new())
        } else {
            // SAFETY: the map is read-only. If another process truncates the file while we
            // read it, the kernel may deliver SIGBUS; that is the documented cost of mmap and
            // the same trade every mmap-based tool (ripgrep, polars) makes.
            let map = unsafe { Mmap::map(&file) }.map_err(io_err)?;
            Data::Mapped(map)
        };
        Ok(InputFile { name, path: Some(path.to_path_buf()), data })
    }

    /// An in-memory input (tests, generated data).
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> InputFile {
        InputFile { name: name.into(), path: None, data: Data::Owned(bytes) }
    }

    pub fn name(&self) -> &str {
        &self.name
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
        Source { name: &self.name, data: self.bytes(), path: self.path.as_deref(), mapping }
    }
}

/// Opens every path, failing on the first that cannot be opened.
pub fn open_all<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<InputFile>, NgramError> {
    paths.iter().map(|p| InputFile::open(p.as_ref())).collect()
}
