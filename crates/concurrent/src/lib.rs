//! Python's `concurrent.futures`, below every model: the [`futures::Future`] type,
//! [`futures::as_completed`] and [`futures::wait`], and the [`futures::Executor`] trait that
//! `threads::futures::ThreadPoolExecutor` and `process::ProcessPoolExecutor` both implement,
//! so that the same code runs on threads or on processes by changing one line (the article's
//! point about the `Executor` abstract class).
//!
//! std only, on purpose: a learner can read every mechanism here, and the `threads` model,
//! which must stay std-only, builds on it.

pub mod futures;
mod panic;

pub use panic::{catch_quietly, panic_message};
