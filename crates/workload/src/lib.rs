//! The work itself, shared by every model so that two rows of a chart differ only in the
//! concurrency model:
//!
//! - [`count`]: the article's `count(to)` loop, as one `#[inline(never)]` kernel.
//! - [`ngram`]: the article's MapReduce over Google Books Ngram lines: parse, per-chunk map
//!   with a combiner, merge; [`chunk`] cuts files at newlines; [`input`] maps files.
//! - [`toy`]: the article's four-line word count.
//! - [`gen`]: a synthetic shard of the real one's shape.

pub mod alive;
pub mod chunk;
pub mod count;
pub mod error;
pub mod first_failure;
pub mod gen;
pub mod input;
pub mod leftovers;
pub mod ngram;
pub mod oracle;
pub mod output;
pub mod run;
pub mod shown;
pub mod shrunk;
pub mod silence;
pub mod testing;
pub mod timing;
pub mod toy;

pub use count::{count_to, CountJob};
pub use error::{panic_message, NgramError, WorkerFailure};
pub use first_failure::FirstFailure;
