//! Support for the crates' example tests: run a compiled example and return what it printed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs example `name` of the crate at `manifest_dir` (pass `env!("CARGO_MANIFEST_DIR")`)
/// with `args`, asserts it succeeded, and returns its stdout.
pub fn run_example(manifest_dir: &str, name: &str, args: &[&str]) -> String {
    run_example_with_stderr(manifest_dir, name, args).0
}

/// [`run_example`], returning what it wrote on stderr too.
///
/// `cargo test` builds examples into `target/<profile>/examples/`, beside the test binary's
/// `deps/` folder. `cargo test --test NAME` alone does not rebuild them, so a binary older
/// than its source is refused with a clear message rather than checked.
pub fn run_example_with_stderr(manifest_dir: &str, name: &str, args: &[&str]) -> (String, String) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let binary =
        exe.parent().and_then(Path::parent).expect("target/<profile>/deps").join("examples").join(name);
    let source = PathBuf::from(manifest_dir).join("examples").join(format!("{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(
        modified(&binary) >= modified(&source),
        "example {name} is missing or older than its source: run the crate's full `cargo test`"
    );
    let output =
        Command::new(&binary).args(args).output().unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    assert!(output.status.success(), "{name} failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("examples print UTF-8");
    (text(output.stdout), text(output.stderr))
}

/// A scratch folder for one test, `<temp>/harness-<suite>-<pid>-<name>`: emptied when made,
/// removed when dropped. It derefs to its folder's path.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(suite: &str, name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("harness-{suite}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Scratch(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    /// Every name in the folder, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("the scratch folder")
            .map(|e| e.expect("a folder entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Two scoped threads: the smallest parallel model, for testing jobs without a model crate
/// (the models' own runners are in their crates, which depend on this one).
#[derive(Debug, Clone, Copy, Default)]
pub struct TwoThreads;

impl crate::run::Runner for TwoThreads {
    fn workers(&self) -> usize {
        2
    }

    fn run_loops(&self, loops: usize, work: &(dyn Fn(usize) + Sync)) -> Result<(), crate::WorkerFailure> {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..loops).map(|i| s.spawn(move || crate::run::guard(i, work))).collect();
            handles.into_iter().try_for_each(|h| h.join().expect("guarded"))
        })
    }
}
