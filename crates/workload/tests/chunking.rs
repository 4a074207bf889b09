//! Chunking invariants: chunks concatenate to the input, never split a line, and respect
//! their target.

use proptest::prelude::*;
use workload::chunk::{split_at_newlines, split_by_lines};

/// Random text made of lines of random lengths, with or without a final newline.
fn text() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(0usize..20, 0..40), any::<bool>()).prop_map(|(lens, final_newline)| {
        let mut data = Vec::new();
        for (i, len) in lens.iter().enumerate() {
            data.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, *len));
            data.push(b'\n');
        }
        if !final_newline {
            data.pop();
        }
        data
    })
}

fn assert_tiles(data: &[u8], chunks: &[std::ops::Range<usize>]) {
    let mut at = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.start, at, "chunks must be contiguous");
        assert!(chunk.end > chunk.start, "no empty chunk");
        if i + 1 < chunks.len() {
            assert_eq!(data[chunk.end - 1], b'\n', "a chunk that is not the last ends a line");
        }
        at = chunk.end;
    }
    assert_eq!(at, data.len(), "chunks cover the whole input");
}

proptest! {
    #[test]
    fn byte_chunks_tile_the_input(data in text(), target in 0usize..400) {
        let chunks = split_at_newlines(&data, target);
        assert_tiles(&data, &chunks);
        for chunk in &chunks[..chunks.len().saturating_sub(1)] {
            prop_assert!(chunk.len() >= target.max(1));
            // Minimal: dropping the last line of a chunk would take it under the target.
            let body = &data[chunk.start..chunk.end - 1];
            let last_line_start = body.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            prop_assert!(last_line_start < target.max(1));
        }
    }

    #[test]
    fn line_chunks_hold_exactly_n_lines(data in text(), per in 0usize..12) {
        let chunks = split_by_lines(&data, per);
        assert_tiles(&data, &chunks);
        let lines = |r: &std::ops::Range<usize>| {
            let piece = &data[r.clone()];
            piece.iter().filter(|&&b| b == b'\n').count() + usize::from(!piece.ends_with(b"\n"))
        };
        for chunk in &chunks[..chunks.len().saturating_sub(1)] {
            prop_assert_eq!(lines(chunk), per.max(1));
        }
        if let Some(last) = chunks.last() {
            prop_assert!(lines(last) <= per.max(1));
        }
    }
}
