//! The ngram job: sum `match_count` per ngram over Google Books Ngram 2012 1-gram files.

mod combiner;
mod fast;
mod job;
mod kernel;
mod map;
pub mod merge;
mod parse;
pub mod partitioned;
mod sixteen;
mod table;

pub use combiner::ChunkError;
pub use fast::Walk;
pub use job::{
    map_chunk_read_runs, map_chunk_ref_into, map_chunk_ref_runs, merge_all, plan_chunks, ChunkRef, Chunking,
    ClusterPart, NgramOptions, NgramOutput, Phases, Rerun, Shipping, SkippedAt, SkippedLine, Source,
    SpreadAnswer, Tally, Totals, DEFAULT_CHUNK_BYTES,
};
pub use kernel::Kernel;
pub use map::{
    add_total, map_chunk, map_chunk_into, map_chunk_runs, map_chunk_runs_walking, merge_counts, ChunkStats,
    Counts, MergeOverflow,
};
pub use parse::{parse_line, LineErrorKind, Record};
pub use table::{key_hash, partition_of_hash, KeyTable, RunBuffer, TotalOverflow};
