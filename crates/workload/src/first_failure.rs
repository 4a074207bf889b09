//! The earliest failure in task order: the one rule every model follows when tasks fail.
//!
//! Workers finish in any order, yet the error a user sees must be the one the serial model
//! meets first: the failing task with the smallest index (tasks are numbered in input
//! order), so every model names the same first bad line. Two ways to stop early follow from
//! it, and every model uses one of them:
//!
//! - workers that claim tasks in index order stop claiming once any task has failed
//!   ([`FirstFailure::any`]): every task before the failing one was already claimed, and
//!   will finish and report;
//! - workers that take tasks in any order (rayon's work stealing) skip only the tasks after
//!   the earliest failure so far ([`FirstFailure::makes_moot`]): an earlier task may still
//!   fail and must run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// The failure of the task with the smallest index seen so far, shared by all workers.
#[derive(Debug)]
pub struct FirstFailure<E> {
    /// That task's index (`usize::MAX`: none yet), read without the lock on every claim.
    earliest: AtomicUsize,
    failure: Mutex<Option<(usize, E)>>,
}

impl<E> Default for FirstFailure<E> {
    fn default() -> Self {
        FirstFailure::new()
    }
}

impl<E> FirstFailure<E> {
    pub fn new() -> FirstFailure<E> {
        FirstFailure { earliest: AtomicUsize::new(usize::MAX), failure: Mutex::new(None) }
    }

    /// Task `index` failed with `error`; kept if no earlier task has failed.
    pub fn record(&self, index: usize, error: E) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if failure.as_ref().is_none_or(|(first, _)| index < *first) {
            *failure = Some((index, error));
            self.earliest.fetch_min(index, Ordering::Relaxed);
        }
    }

    /// Whether any task has failed (workers that claim in index order stop claiming).
    pub fn any(&self) -> bool {
        self.earliest.load(Ordering::Relaxed) != usize::MAX
    }

    /// Whether task `index` need not run: a task before it has already failed.
    pub fn makes_moot(&self, index: usize) -> bool {
        self.earliest.load(Ordering::Relaxed) < index
    }

    /// The earliest failure, if any task failed.
    pub fn into_error(self) -> Option<E> {
        self.into_first().map(|(_, error)| error)
    }

    /// The earliest failure and its task's index, if any task failed.
    pub fn into_first(self) -> Option<(usize, E)> {
        self.failure.into_inner().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Ok(value)` if no task failed, else the earliest failure.
    pub fn or_ok<T>(self, value: T) -> Result<T, E> {
        self.into_error().map_or(Ok(value), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_index_wins_whatever_the_order_of_reports() {
        let first = FirstFailure::new();
        assert!(!first.any() && !first.makes_moot(5));
        first.record(7, "seven");
        first.record(9, "nine");
        assert!(first.any() && first.makes_moot(8) && !first.makes_moot(7) && !first.makes_moot(3));
        first.record(3, "three");
        first.record(4, "four");
        assert!(first.makes_moot(4));
        assert_eq!(first.or_ok(()), Err("three"));
        assert_eq!(FirstFailure::<&str>::new().or_ok(1), Ok(1));
    }
}
