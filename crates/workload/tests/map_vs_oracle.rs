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
    let line = (0..KEYS.len(), 1500u32..2009, prop_oneof![0u64..4, 0u64..1_000_000_000_000], any::<bool>());
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

/// Fields as they may appear in a damaged file: good numbers of every length the fast path
/// treats differently (1 to 8 digits, then longer), too large, signed, empty, with a `\r`.
const NUMBERS: [&str; 14] = [
    "0",
    "7",
    "1822",
    "12345678",
    "123456789",
    "99999999999999999",
    "18446744073709551616",
    "4294967296",
    "-3",
    "",
    "3.5",
    "12a",
    "1\r",
    "٣",
];

/// A line of 1 to 5 fields (usually 4) from those pieces, or a blank one.
fn messy_line() -> impl Strategy<Value = String> {
    let field = (0..NUMBERS.len()).prop_map(|i| NUMBERS[i].to_string());
    let key = prop_oneof![4 => (0..KEYS.len()).prop_map(|k| KEYS[k].to_string()), 1 => Just(String::new())];
    let fields = prop_oneof![8 => Just(3usize), 1 => 0usize..5];
    (key, fields, prop::collection::vec(field, 4)).prop_map(|(key, n, numbers)| {
        let mut line = key;
        for number in numbers.iter().take(n) {
            line.push('\t');
            line.push_str(number);
        }
        line
    })
}

/// A file of such lines, often repeating the previous line's key (runs).
fn messy_shard() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec((messy_line(), 0usize..4), 0..40), any::<bool>()).prop_map(
        |(lines, final_newline)| {
            let mut text = String::new();
            for (line, repeat) in lines {
                for _ in 0..=repeat {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            if !final_newline {
                text.pop();
            }
            text.into_bytes()
        },
    )
}

/// The 1-based line number of byte `offset`.
fn line_of(data: &[u8], offset: usize) -> u64 {
    data[..offset].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// The lines the oracle accepts on their own, joined (what skipping should count).
fn good_lines(data: &[u8]) -> Vec<u8> {
    let mut good = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if !line.is_empty() && oracle::ngram_totals(line).is_ok() {
            good.extend_from_slice(line);
            good.push(b'\n');
        }
    }
    good
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The fast path and the line-by-line parser must agree on everything: totals, the first
    /// bad line, and what skipping counts.
    #[test]
    fn damaged_files_fail_at_the_oracles_line(data in messy_shard()) {
        match (map_chunk(&data, false), oracle::ngram_totals(&data)) {
            (Ok((counts, stats)), Ok(want)) => {
                prop_assert_eq!(owned(&counts), want);
                prop_assert_eq!(stats.lines, oracle::line_count(&data));
            }
            (Err(err), Err(line)) => prop_assert_eq!(line_of(&data, err.offset), line),
            (got, want) => prop_assert!(false, "kernel {:?} but oracle {:?}", got.map(|r| owned(&r.0)), want),
        }
        let (counts, stats) = map_chunk(&data, true).unwrap();
        prop_assert_eq!(owned(&counts), oracle::ngram_totals(&good_lines(&data)).unwrap());
        prop_assert_eq!(stats.lines, oracle::line_count(&data));
        let bad = stats.lines - oracle::line_count(&good_lines(&data));
        prop_assert_eq!(stats.skipped, bad);
    }
}

proptest! {
    /// The heap-based top k against a full sort, ties (equal totals) included.
    #[test]
    fn top_k_matches_a_full_sort(data in shard(), k in 0usize..12) {
        let (counts, _) = map_chunk(&data, false).unwrap();
        let source = workload::ngram::Source { name: "t", data: &data, path: None, identity: None, mapping: None, file: None };
        let output = workload::ngram::NgramOutput::finish(&[source], counts, Default::default());
        let mut want: Vec<(Vec<u8>, u64)> = oracle::ngram_totals(&data).unwrap().into_iter().collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        want.truncate(k);
        let got: Vec<(Vec<u8>, u64)> = output.top(k).into_iter().map(|(key, v)| (key.to_vec(), v)).collect();
        prop_assert_eq!(got, want);
    }
}
