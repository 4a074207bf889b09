//! A Python interpreter as the baselines run it: which it is (its `--version`), where the
//! article's programs are, and, for a free-threaded build (PEP 703: CPython 3.13t, 3.14t), the
//! switch that puts the GIL back: the same binary runs with `PYTHON_GIL=1` and without it
//! (`PYTHON_GIL=0`), the cleanest experiment on the GIL there is.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository's python/ folder.
pub fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python")
}

/// "Python 3.13.1" when `python` runs and is a Python 3.
pub fn python_version(python: &Path) -> Option<String> {
    let out = Command::new(python).arg("--version").output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(if out.stdout.is_empty() { &out.stderr } else { &out.stdout })
        .trim()
        .to_string();
    text.starts_with("Python 3").then_some(text)
}

/// Whether `python` is a free-threaded build: without `PYTHON_GIL` set it runs with no GIL.
pub fn free_threaded(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            "import sys; sys.exit(0 if hasattr(sys, '_is_gil_enabled') and not sys._is_gil_enabled() else 1)",
        ])
        .env_remove("PYTHON_GIL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// How an interpreter is run: as built, or a free-threaded build with its GIL switched on or
/// off at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gil {
    AsBuilt,
    On,
    Off,
}

impl Gil {
    /// The settings to run `python` under: both for a free-threaded build (on first), else as
    /// built.
    pub fn settings(free_threaded: bool) -> Vec<Gil> {
        if free_threaded {
            vec![Gil::On, Gil::Off]
        } else {
            vec![Gil::AsBuilt]
        }
    }

    /// What goes into the interpreter's environment.
    pub fn env(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Gil::AsBuilt => &[],
            Gil::On => &[("PYTHON_GIL", "1")],
            Gil::Off => &[("PYTHON_GIL", "0")],
        }
    }

    /// ", GIL switched on" / ", GIL off" / "", for labels.
    pub fn label(self) -> &'static str {
        match self {
            Gil::AsBuilt => "",
            Gil::On => ", GIL switched on (PYTHON_GIL=1)",
            Gil::Off => ", GIL off",
        }
    }
}
