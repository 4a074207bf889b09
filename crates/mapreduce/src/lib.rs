//! Model: an explicit MapReduce engine. The article's last program maps chunks in a
//! `ProcessPoolExecutor` and then folds every partial dict into one with
//! `functools.reduce(merge_dict, ...)`: a serial reduce whose cost grows with every chunk.
//! The engine runs the partitioned algorithm instead (split, map + combine into R
//! partitions, shuffle, parallel reduce, collect; each phase timed), which is written once in
//! [`workload::ngram::partitioned`] and runs on every model with `--algorithm partitioned`.
//!
//! Its executors are runners the other models have (`harness ngram --model mapreduce
//! --executor rayon|threads|processes`: the pool's rayon runner, the threads model's scoped
//! threads, or child processes for its map phase, the process model's partitioned run). What
//! this crate adds is what only the engine does: streams. A `.gz` shard (or any reader) is
//! cut into chunks by a reader thread while the workers map ([`ngram_stream`]).
//!
//! `crates/distributed` runs the same job on timely-dataflow.

mod stream;

pub use stream::{ngram_stream, Stream};
