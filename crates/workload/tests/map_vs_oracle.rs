//! The map and merge kernels against the oracle, on random files: non-ASCII keys, lines in
//! any order, keys repeated far apart, CRLF, and any chunking.

use std::collections::BTreeMap;

use proptest::prelude::*;
use workload::chunk::split_at_newlines;
use workload::ngram::{map_chunk, merge_counts, Counts};
use workload::oracle;

const KEYS: [&str; 8] = ["a", "aardvark", "Aardvark", "AARDVARK", "aardvark_NOUN", "ångström", "日本", "a b"];

/// A shard: random (key, year, count) lines, shuffled, some with CRLF, maybe no final newline.
fn shard() -> impl Strategy<Value = Vec<u8>> {
    let line = (0..KEYS.len(), 1500u32..2009, 0u64..1_000_000_000_000, any::<bool>());
    (prop::collection::vec(line, 0..60), any::<bool>()).prop_map(|(lines, final_newline)| {
        oracle::shard_text(lines.into_iter().map(|(k, y, c, crlf)| (KEYS[k], y, c, crlf)), final_newline)
    })
}

fn owned(counts: &Counts<'_>) -> BTreeMap<Vec<u8>, u64> {
    counts.iter().map(|(k, v)| (k.to_vec(), *v)).collect()
}

proptest! {
    #[test]
    fn one_chunk_matches_the_oracle(data in shard()) {
        let (counts, stats) = map_chunk(&data, false).unwrap();
        prop_assert_eq!(owned(&counts), oracle::ngram_totals(&data).unwrap());
        prop_assert_eq!(stats.lines, oracle::line_count(&data));
    }

    #[test]
    fn any_chunking_then_merge_matches(data in shard(), target in 1usize..2000) {
        let mut total = Counts::new();
        let mut lines = 0;
        for range in split_at_newlines(&data, target) {
            let (part, stats) = map_chunk(&data[range], false).unwrap();
            lines += stats.lines;
            merge_counts(&mut total, part).unwrap();
        }
        prop_assert_eq!(owned(&total), oracle::ngram_totals(&data).unwrap());
        prop_assert_eq!(lines, oracle::line_count(&data));
    }
}
