//! The count job: K tasks, each counting from 0 to N one step at a time (the article's
//! `count(to)` with `while counter < to: counter += 1`).
//!
//! This file stands alone (no `use crate::...`): `tests/kernel_not_folded.rs` compiles it
//! by itself with `rustc -O` and reads the kernel's machine code.

/// Counts from 0 to `n` one increment at a time and returns the final value (`n`).
///
/// Left alone, LLVM sees that `while counter < n { counter += 1 }` only adds one until it
/// reaches `n` and folds the loop into `counter = n`: 0 ns, every model infinitely fast. An
/// optimization barrier inside the loop keeps every step. Which barrier matters:
/// `std::hint::black_box(counter + 1)` sends the counter through a stack slot (a store and a
/// load each step), so the step's cost follows the core's store forwarding, which other work
/// on the core disturbs; an empty `asm!` that takes the counter in and out of a register
/// keeps the loop to `inc; cmp; jb`. `cargo run --release -p workload --example
/// count_kernels` times the three side by side (the README quotes it): on this project's
/// 2-vCPU VMs the register loop's per-step time spread far less than the stack slot's.
///
/// `#[inline(never)]` keeps one copy of the kernel, so every model runs exactly the same
/// machine code.
#[inline(never)]
pub fn count_to(n: u64) -> u64 {
    let mut counter = 0u64;
    while counter < n {
        counter += 1;
        keep_in_register(&mut counter);
    }
    counter
}

/// An optimization barrier that costs no instruction: LLVM must assume the value changed.
#[cfg(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64", target_arch = "arm"))]
#[inline(always)]
fn keep_in_register(value: &mut u64) {
    // SAFETY: the template is empty, so no instruction runs: the block reads and writes only
    // the register it is given (`inout(reg)`), touches no memory (`nomem`), no stack
    // (`nostack`) and no flags (`preserves_flags`). Its only effect is on the optimizer,
    // which must treat `value` as unknown after it and so cannot fold the loop.
    unsafe {
        std::arch::asm!("/* {0} */", inout(reg) * value, options(nomem, nostack, preserves_flags));
    }
}

/// Elsewhere, `black_box` (through memory, but every step still runs).
#[cfg(not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64", target_arch = "arm")))]
#[inline(always)]
fn keep_in_register(value: &mut u64) {
    *value = std::hint::black_box(*value);
}

/// A count job: `tasks` independent tasks, each `count_to(to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountJob {
    /// K: how many tasks (the article runs 2).
    pub tasks: usize,
    /// N: how far each task counts (the article: 100,000,000).
    pub to: u64,
}

impl CountJob {
    /// The article's job: two tasks, each counting to 100,000,000.
    pub const ARTICLE: CountJob = CountJob { tasks: 2, to: 100_000_000 };

    /// The sum of every task's result, which every model must return; `None` if that
    /// sum does not fit in a `u64`.
    pub fn expected(&self) -> Option<u64> {
        (self.tasks as u64).checked_mul(self.to)
    }

    /// Total loop iterations the job performs (same as [`CountJob::expected`]).
    pub fn iterations(&self) -> Option<u64> {
        self.expected()
    }
}
