//! What a run must not leave behind if the process ends abruptly: an output's temporary file
//! (`harness gen --out`, `harness ngram --output` and every other output write one beside the
//! target and rename it into place only when complete), child process groups (a Python
//! script and its pools) and worker processes (a stopped one would wait forever). A run stopped with Ctrl-C (SIGINT), `kill` (SIGTERM), a dropped
//! terminal (SIGHUP), SIGQUIT, SIGUSR1, SIGUSR2 or SIGALRM, or one that meets an input that
//! shrank ([`crate::shrunk`]), removes the files and kills the children before it ends, so an
//! interrupted `gen` does not leave a large `.partial` behind, nor a benchmark a Python
//! interpreter counting on. The process then ends as the signal says (status 130 for SIGINT in
//! a shell), as it would have without this. (SIGPIPE is ignored by Rust programs: a closed
//! pipe is an error on write, handled where it happens.)
//!
//! Signal handlers may only do async-signal-safe things: the paths are kept as leaked C
//! strings in atomics, removal is `unlink(2)`, and a group is killed with `kill(2)`.

use std::ffi::CString;
use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
use std::sync::Once;

const SLOTS: usize = 64;

#[allow(clippy::declare_interior_mutable_const)] // only to build the array below
const FREE: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

static PATHS: [AtomicPtr<libc::c_char>; SLOTS] = [FREE; SLOTS];

#[allow(clippy::declare_interior_mutable_const)] // only to build the array below
const NO_CHILD: AtomicI32 = AtomicI32::new(0);

/// Children to kill: a pid, or a group as minus its id (as kill(2) takes them). As many as
/// the most workers a run may have, and their re-runs.
const CHILD_SLOTS: usize = 1024;

static CHILDREN: [AtomicI32; CHILD_SLOTS] = [NO_CHILD; CHILD_SLOTS];

/// The signals that end a run and must not leave anything behind.
pub const SIGNALS: [libc::c_int; 7] =
    [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2, libc::SIGALRM];

/// A file registered for removal; [`Leftover::keep`] (after the rename) or dropping it
/// takes it off the list.
#[derive(Debug)]
pub struct Leftover(Option<usize>);

impl Leftover {
    /// The file is where it belongs now: nothing to remove.
    pub fn keep(mut self) {
        self.release();
    }

    fn release(&mut self) {
        if let Some(index) = self.0.take() {
            // The C string stays leaked: a handler running now may still be reading it.
            PATHS[index].store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }
}

impl Drop for Leftover {
    fn drop(&mut self) {
        self.release();
    }
}

/// Registers `path` to be removed if the process is interrupted or ends on a shrunk input.
/// With every slot taken (more than 64 outputs in flight), the file is not registered.
pub fn register(path: &Path) -> Leftover {
    install();
    use std::os::unix::ffi::OsStrExt;
    let Ok(text) = CString::new(path.as_os_str().as_bytes()) else { return Leftover(None) };
    let text = text.into_raw();
    for (index, slot) in PATHS.iter().enumerate() {
        if slot.compare_exchange(std::ptr::null_mut(), text, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return Leftover(Some(index));
        }
    }
    Leftover(None)
}

/// A child process or process group registered to be killed if the process ends abruptly;
/// dropping it takes it off the list. Drop it just before the child is reaped: once reaped,
/// its number may be given to another process.
#[derive(Debug)]
pub struct Registered(Option<usize>);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(index) = self.0.take() {
            CHILDREN[index].store(0, Ordering::SeqCst);
        }
    }
}

fn register_child(target: i32) -> Registered {
    install();
    if target == 0 || target == -1 {
        return Registered(None);
    }
    for (index, slot) in CHILDREN.iter().enumerate() {
        if slot.compare_exchange(0, target, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return Registered(Some(index));
        }
    }
    Registered(None)
}

/// Registers the process group `pgid` (a child started as the leader of a group of its own)
/// to be killed if this process is interrupted. With every slot taken, it is not registered.
pub fn register_group(pgid: i32) -> Registered {
    if pgid <= 0 {
        return Registered(None);
    }
    register_child(-pgid)
}

/// Registers the child process `pid` (a worker in this process's own group) to be killed if
/// this process is interrupted: a worker that was stopped (SIGSTOP) would otherwise wait,
/// stopped, for ever.
pub fn register_process(pid: u32) -> Registered {
    match i32::try_from(pid) {
        Ok(pid) if pid > 0 => register_child(pid),
        _ => Registered(None),
    }
}

/// Kills every registered child and group. Async-signal-safe: for signal handlers.
pub fn kill_children() {
    for slot in &CHILDREN {
        let target = slot.swap(0, Ordering::SeqCst);
        if target != 0 {
            // SAFETY: kill(2) is async-signal-safe; the target is a child this process
            // started and has not reaped.
            unsafe {
                libc::kill(target, libc::SIGKILL);
            }
        }
    }
}

/// Removes every registered file. Async-signal-safe: for signal handlers.
pub fn remove_all() {
    for slot in &PATHS {
        let path = slot.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !path.is_null() {
            // SAFETY: a leaked, NUL-terminated C string; unlink(2) is async-signal-safe.
            unsafe {
                libc::unlink(path);
            }
        }
    }
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for signal in SIGNALS {
            // SAFETY: a zeroed sigaction is valid to fill in; the handler is async-signal-safe.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as *const () as usize;
                libc::sigemptyset(&mut action.sa_mask);
                // Once: the re-raise below gets the default action.
                action.sa_flags = libc::SA_RESETHAND;
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

extern "C" fn on_signal(signal: libc::c_int) {
    remove_all();
    kill_children();
    // SAFETY: raise(3) is async-signal-safe; SA_RESETHAND restored the default action, and
    // the signal is delivered when this handler returns.
    unsafe {
        libc::raise(signal);
    }
}
