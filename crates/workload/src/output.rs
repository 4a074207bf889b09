//! Writing an output file without ever losing data or leaving a wrong one under the real
//! name, the one rule every command's outputs follow (`gen --out`, `ngram --output`, `sweep`,
//! `claims`, `python`, every file of `report`): the target is checked before any work starts
//! (it must not be an input, a symbolic link, a directory, a pipe or a device; its folder
//! must exist; its name must fit), the bytes go to a new file with a name of its
//! own beside it (created exclusively, so two runs never share one), and only a complete,
//! synced file is renamed into place; on any failure the previous file stays as it was. Two
//! runs writing the same target each rename a complete file: the last one wins, whole.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest file name most file systems take (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// Refuses `target` as an output, with one line saying why, unless it is a regular file or
/// does not exist yet, its name fits the file system, its folder exists, and it is none of
/// `inputs`.
pub fn check(target: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let show = crate::shown::path(target);
    let name = target.file_name().map_or(0, |n| n.len());
    {
        use std::os::unix::ffi::OsStrExt;
        if target.as_os_str().as_bytes().ends_with(b"/") {
            return Err(format!("{show}: ends in /, a folder's name; give a file name"));
        }
    }
    if name == 0 {
        return Err(format!("{show}: names a folder, not a file; give a file name"));
    }
    if name > NAME_MAX {
        return Err(format!(
            "{show}: the name is {name} bytes, more than the file system's {NAME_MAX}; give a shorter one"
        ));
    }
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
                    crate::shown::path(input)
                ));
            }
        }
    }
    let folder = folder_of(target);
    if !folder.is_dir() {
        return Err(format!("{show}: the folder {} does not exist", crate::shown::path(&folder)));
    }
    // Whether a file can be made there at all (a read-only or full file system, a folder
    // of someone else's, /proc): found now, not after the run.
    let probe = OutputFile::create(target)?;
    drop(probe);
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
    leftover: Option<crate::leftovers::Leftover>,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// What the temporary name adds to the target's: `.` before, `.PID-N.partial` after (a pid
/// of at most 10 digits, a counter of at most 20). A long target name is cut to leave room.
const TEMPORARY_EXTRA: usize = 1 + 1 + 10 + 1 + 20 + ".partial".len();

/// `.NAME.PID-N.partial`, NAME cut so that the whole fits [`NAME_MAX`].
fn temporary_name(target: &Path, n: u64) -> std::ffi::OsString {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let name = target.file_name().map_or(&[][..], |n| n.as_bytes());
    let kept = &name[..name.len().min(NAME_MAX - TEMPORARY_EXTRA)];
    let mut bytes = Vec::with_capacity(NAME_MAX);
    bytes.push(b'.');
    bytes.extend_from_slice(kept);
    bytes.extend_from_slice(format!(".{}-{n}.partial", std::process::id()).as_bytes());
    std::ffi::OsString::from_vec(bytes)
}

impl OutputFile {
    /// Creates the temporary file (`.NAME.PID-N.partial` in the target's folder, NAME cut
    /// when long; never an existing file).
    pub fn create(target: &Path) -> Result<OutputFile, String> {
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let temporary = folder_of(target).join(temporary_name(target, n));
            match OpenOptions::new().write(true).create_new(true).open(&temporary) {
                Ok(file) => {
                    return Ok(OutputFile {
                        target: target.to_path_buf(),
                        leftover: Some(crate::leftovers::register(&temporary)),
                        temporary,
                        writer: Some(BufWriter::with_capacity(1 << 20, file)),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(format!(
                        "{}: cannot write in its folder ({e}; its temporary file was to be {})",
                        crate::shown::path(target),
                        crate::shown::path(&temporary)
                    ))
                }
            }
        }
    }

    /// Where the bytes go.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("only commit takes the writer")
    }

    /// Flushes and syncs the file and renames it to the target.
    pub fn commit(mut self) -> Result<(), String> {
        let fail = |e: io::Error| format!("{}: {e}", crate::shown::path(&self.target));
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
