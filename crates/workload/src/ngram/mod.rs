//! The ngram job: sum `match_count` per ngram over Google Books Ngram 2012 1-gram files.

mod job;
mod map;
mod parse;

pub use job::{
    map_chunk_ref_into, merge_all, plan_chunks, ChunkRef, Chunking, NgramOptions, NgramOutput, Shipping,
    SkippedAt, SkippedLine, Source, Tally,
};
pub use map::{map_chunk, map_chunk_into, merge_counts, ChunkError, ChunkStats, Counts, MergeOverflow};
pub use parse::{parse_line, LineErrorKind, Record};
