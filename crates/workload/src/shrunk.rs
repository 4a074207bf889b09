//! A mapped input file that shrinks while it is read: an error naming the file, not a crash.
//!
//! Reading a file through a memory map is what makes the ngram job fast (no copy, no
//! `readlines()`), and it has one documented hazard: if another program truncates the file
//! while it is mapped, touching a page past the new end makes the kernel send SIGBUS, and
//! the process dies with exit status 135 and no word (`cp big.tsv v.tsv; harness ngram v.tsv
//! & truncate -s 800M v.tsv` did that to seven of nine variants). Every mapping the workspace
//! makes is registered here with its file's name; a SIGBUS handler finds the mapping the
//! faulting address falls in, writes one line naming the file on stderr, and ends the process
//! with status 1. Nothing is written: outputs are renamed into place only after a complete
//! run, this exit never gets there, and it removes their temporary files
//! ([`crate::leftovers`]). In a worker process, the line is the worker's last
//! words, which the parent reports. A SIGBUS at an address no mapping holds (not ours) gets
//! the default action, as before.
//!
//! The handler does only what a signal handler may: it reads atomics, calls `write(2)` and
//! `_exit(2)`. Names are leaked on purpose (a few bytes per opened file), so a handler never
//! reads freed memory.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Once;

/// Mappings watched at once (inputs of one run, plus a model's second mapping of each).
const SLOTS: usize = 256;

struct Slot {
    start: AtomicUsize,
    end: AtomicUsize,
    /// The message for this mapping, `NAME: the file shrank...\n`, leaked; null: slot free.
    message: AtomicPtr<u8>,
    message_len: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)] // only to build the array below
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    message: AtomicPtr::new(std::ptr::null_mut()),
    message_len: AtomicUsize::new(0),
};

static WATCHED: [Slot; SLOTS] = [FREE; SLOTS];

/// The line a reader of a shrunk file gets.
pub fn message(name: &str) -> String {
    format!("{name}: {REASON}")
}

/// What [`message`] says after the name (a reader that found the file short by itself, with
/// `pread`, says the same).
pub const REASON: &str =
    "the file shrank while it was being read (another program truncated or rewrote it); \
                          nothing was written; run again on a file that stays put";

/// A registered mapping; dropping it (with the mapping) frees its slot.
#[derive(Debug)]
pub struct Watch(Option<usize>);

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(index) = self.0 {
            let slot = &WATCHED[index];
            slot.end.store(0, Ordering::SeqCst);
            slot.start.store(0, Ordering::SeqCst);
            // The message stays leaked: a handler running now may still be reading it.
            slot.message.store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }
}

/// Watches `bytes` (a mapping of the file called `name`) until the returned [`Watch`] is
/// dropped. With every slot taken, the mapping goes unwatched (a SIGBUS then ends the
/// process as it would without this module).
pub fn watch(bytes: &[u8], name: &str) -> Watch {
    install();
    let text: &'static mut [u8] = Box::leak((message(name) + "\n").into_bytes().into_boxed_slice());
    for (index, slot) in WATCHED.iter().enumerate() {
        if slot
            .message
            .compare_exchange(std::ptr::null_mut(), text.as_mut_ptr(), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            slot.message_len.store(text.len(), Ordering::SeqCst);
            slot.start.store(bytes.as_ptr() as usize, Ordering::SeqCst);
            slot.end.store(bytes.as_ptr() as usize + bytes.len(), Ordering::SeqCst);
            return Watch(Some(index));
        }
    }
    Watch(None)
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a zeroed sigaction is a valid value to fill in; the handler only reads
        // atomics and calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo for an SA_SIGINFO handler.
    let address = unsafe { (*info).si_addr() } as usize;
    for slot in &WATCHED {
        let message = slot.message.load(Ordering::SeqCst);
        let (start, end) = (slot.start.load(Ordering::SeqCst), slot.end.load(Ordering::SeqCst));
        if !message.is_null() && start <= address && address < end {
            let len = slot.message_len.load(Ordering::SeqCst);
            // SAFETY: write(2) and _exit(2) are async-signal-safe; the message is leaked, so
            // it is valid for `len` bytes.
            unsafe {
                libc::write(2, message as *const libc::c_void, len);
            }
            crate::leftovers::remove_all();
            crate::leftovers::kill_children();
            // SAFETY: as above.
            unsafe {
                libc::_exit(1);
            }
        }
    }
    // Not one of ours: the default action (the process ends with SIGBUS), as if unwatched.
    // SAFETY: resetting a handler and re-raising are async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}
