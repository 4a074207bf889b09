//! Writing an output file without ever losing data or leaving a wrong one under the real
//! name: the target is checked before any work starts (it must not be an input, a symbolic
//! link, a directory or a device), the bytes go to a new file with a name of its own beside
//! it (created exclusively, so two runs never share one), and only a complete, synced file
//! is renamed into place. Two runs writing the same target each rename a complete file: the
//! last one wins, whole.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Refuses `target` as an output, with one line saying why, unless it is a regular file or
/// does not exist yet, its folder exists, and it is none of `inputs`.
pub fn check(target: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let show = target.display();
    if let Ok(meta) = fs::symlink_metadata(target) {
        if meta.file_type().is_symlink() {
            return Err(format!("{show}: is a symbolic link; give the file it points to, or another name"));
        }
        if meta.is_dir() {
            return Err(format!("{show}: is a directory; give a file name"));
        }
        if !meta.is_file() {
            return Err(format!("{show}: is not a regular file (a device or a pipe); give a file name"));
        }
        for input in inputs {
            if same_file(target, input) {
                return Err(format!(
                    "{show}: is also an input ({}); writing it would replace it",
                    input.display()
                ));
            }
        }
    }
    let folder = folder_of(target);
    if !folder.is_dir() {
        return Err(format!("{show}: the folder {} does not exist", folder.display()));
    }
    Ok(())
}

fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The same file: the same device and inode (hard links, other spellings of a path).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (fs::metadata(a), fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    a.canonicalize().ok().zip(b.canonicalize().ok()).is_some_and(|(a, b)| a == b)
}

/// An output being written: a new file beside the target, renamed into place by
/// [`OutputFile::commit`]; dropped without it, the file is removed.
#[derive(Debug)]
pub struct OutputFile {
    target: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<File>>,
    /// Removes the temporary file if the run is interrupted (SIGINT, SIGTERM).
    leftover: Option<workload::leftovers::Leftover>,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl OutputFile {
    /// Creates the temporary file (`.NAME.PID-N.partial` in the target's folder; never an
    /// existing file).
    pub fn create(target: &Path) -> Result<OutputFile, String> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let temporary = folder_of(target).join(format!(".{name}.{}-{n}.partial", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&temporary) {
                Ok(file) => {
                    return Ok(OutputFile {
                        target: target.to_path_buf(),
                        leftover: Some(workload::leftovers::register(&temporary)),
                        temporary,
                        writer: Some(BufWriter::with_capacity(1 << 20, file)),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("{}: {e}", temporary.display())),
            }
        }
    }

    /// Where the bytes go.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("only commit takes the writer")
    }

    /// Flushes and syncs the file and renames it to the target.
    pub fn commit(mut self) -> Result<(), String> {
        let fail = |e: io::Error| format!("{}: {e}", self.target.display());
        let writer = self.writer.take().expect("committed once");
        let file = writer.into_inner().map_err(|e| fail(e.into_error()))?;
        file.sync_all().map_err(fail)?;
        drop(file);
        fs::rename(&self.temporary, &self.target).map_err(fail)?;
        if let Some(leftover) = self.leftover.take() {
            leftover.keep();
        }
        self.temporary = PathBuf::new();
        Ok(())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if !self.temporary.as_os_str().is_empty() {
            self.writer = None;
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}
