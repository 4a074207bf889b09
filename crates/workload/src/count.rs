//! The count job: K tasks, each counting from 0 to N one step at a time (the article's
//! `count(to)` with `while counter < to: counter += 1`).

use std::hint::black_box;

/// Counts from 0 to `n` one increment at a time and returns the final value (`n`).
///
/// `black_box` sits *inside* the loop on purpose: without it LLVM sees that the loop only
/// adds one until it reaches `n` and folds the whole thing into `counter = n`, which takes
/// 0 ns and would make every model look infinitely fast. With it, every iteration really
/// happens (the time for 4N is about 4x the time for N). `#[inline(never)]` keeps one copy
/// of the kernel, so every model runs exactly the same machine code.
#[inline(never)]
pub fn count_to(n: u64) -> u64 {
    let mut counter = 0u64;
    while counter < n {
        counter = black_box(counter + 1);
    }
    counter
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
