//! What a run must not leave behind if the process ends abruptly: an output's temporary file
//! (`harness gen --out`, `harness ngram --output` and every other output write one beside the
//! target and rename it into place only when complete), and child process groups (a Python
//! script and its pools). A run stopped with Ctrl-C (SIGINT), `kill` (SIGTERM), a dropped
//! terminal (SIGHUP), SIGQUIT, SIGUSR1, SIGUSR2 or SIGALRM, or one that meets an input that
//! shrank ([`crate::shrunk`]), removes the files and kills the groups before it ends, so an
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
const NO_GROUP: AtomicI32 = AtomicI32::new(0);

static GROUPS: [AtomicI32; SLOTS] = [NO_GROUP; SLOTS];

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

/// A child process group registered to be killed if the process ends abruptly; dropping it
/// (once the group is reaped) takes it off the list.
#[derive(Debug)]
pub struct Group(Option<usize>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(index) = self.0.take() {
            GROUPS[index].store(0, Ordering::SeqCst);
        }
    }
}

/// Registers the process group `pgid` (a child started as the leader of a group of its own)
/// to be killed if this process is interrupted. With every slot taken, it is not registered.
pub fn register_group(pgid: i32) -> Group {
    install();
    if pgid <= 0 {
        return Group(None);
    }
    for (index, slot) in GROUPS.iter().enumerate() {
        if slot.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return Group(Some(index));
        }
    }
    Group(None)
}

/// Kills every registered group. Async-signal-safe: for signal handlers.
pub fn kill_groups() {
    for slot in &GROUPS {
        let pgid = slot.swap(0, Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) is async-signal-safe; the group is one this process started.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
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
    kill_groups();
    // SAFETY: raise(3) is async-signal-safe; SA_RESETHAND restored the default action, and
    // the signal is delivered when this handler returns.
    unsafe {
        libc::raise(signal);
    }
}
