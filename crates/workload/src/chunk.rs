//! Newline-aligned chunking: cut a byte buffer into pieces that concatenate back to the
//! buffer and never split a line (the article's `partition`, but over bytes, not a list of
//! lines that `readlines()` had to build first).

use std::ops::Range;

use memchr::{memchr, memchr_iter};

/// Cuts `data` into chunks of about `target_bytes` each: every chunk but the last ends just
/// after a `\n`, so it is at least `target_bytes` long unless the data ends first (a single
/// line longer than the target makes a longer chunk). A target of 0 is treated as 1, which
/// gives one chunk per line.
pub fn split_at_newlines(data: &[u8], target_bytes: usize) -> Vec<Range<usize>> {
    split_at_newlines_with(
        data.len(),
        target_bytes,
        |from| Ok(memchr(b'\n', &data[from..]).map(|i| from + i)),
    )
    .unwrap_or_else(|never: std::convert::Infallible| match never {})
}

/// [`split_at_newlines`] over `len` bytes that are not in memory: `newline_from(offset)`
/// finds the first newline at or after `offset` (by reading the file there, say).
pub fn split_at_newlines_with<E>(
    len: usize,
    target_bytes: usize,
    mut newline_from: impl FnMut(usize) -> Result<Option<usize>, E>,
) -> Result<Vec<Range<usize>>, E> {
    let target = target_bytes.max(1);
    let mut chunks = Vec::with_capacity(len / target + 1);
    let mut start = 0;
    while start < len {
        let want = start.saturating_add(target).min(len);
        // The chunk must end just after a newline at or beyond `want - 1`.
        let end = match newline_from(want - 1)? {
            Some(newline) => newline + 1,
            None => len,
        };
        chunks.push(start..end);
        start = end;
    }
    Ok(chunks)
}

/// The first newline at or after `offset` of `file` (`len` bytes long), read in 4 KiB
/// windows with `pread`, so that finding a chunk's edge touches no memory map.
#[cfg(unix)]
pub fn file_newline_from(file: &std::fs::File, len: usize, offset: usize) -> std::io::Result<Option<usize>> {
    use std::os::unix::fs::FileExt;
    let mut window = [0u8; 4096];
    let mut at = offset;
    while at < len {
        let want = window.len().min(len - at);
        let got = file.read_at(&mut window[..want], at as u64)?;
        if got == 0 {
            return Err(std::io::Error::other(crate::shrunk::REASON));
        }
        if let Some(i) = memchr(b'\n', &window[..got]) {
            return Ok(Some(at + i));
        }
        at += got;
    }
    Ok(None)
}

/// Cuts `data` into chunks of `lines_per_chunk` lines each (the last may have fewer). A
/// final line without a newline counts as a line. 0 is treated as 1.
pub fn split_by_lines(data: &[u8], lines_per_chunk: usize) -> Vec<Range<usize>> {
    let per = lines_per_chunk.max(1);
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut lines_in_chunk = 0;
    for newline in memchr_iter(b'\n', data) {
        lines_in_chunk += 1;
        if lines_in_chunk == per {
            chunks.push(start..newline + 1);
            start = newline + 1;
            lines_in_chunk = 0;
        }
    }
    if start < data.len() {
        chunks.push(start..data.len());
    }
    chunks
}

/// 1-based line number of the line that contains byte `offset` of `data`.
pub fn line_number_at(data: &[u8], offset: usize) -> u64 {
    memchr_iter(b'\n', &data[..offset.min(data.len())]).count() as u64 + 1
}

/// The line that starts at byte `offset`, without its newline (empty past the end).
pub fn line_at(data: &[u8], offset: usize) -> &[u8] {
    let rest = data.get(offset..).unwrap_or_default();
    &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces<'a>(data: &'a [u8], chunks: &[Range<usize>]) -> Vec<&'a [u8]> {
        chunks.iter().map(|r| &data[r.clone()]).collect()
    }

    #[test]
    fn bytes_split_ends_on_newlines() {
        let data = b"aa\nbbbb\nc\ndd";
        assert_eq!(pieces(data, &split_at_newlines(data, 1)), [&b"aa\n"[..], b"bbbb\n", b"c\n", b"dd"]);
        assert_eq!(pieces(data, &split_at_newlines(data, 4)), [&b"aa\nbbbb\n"[..], b"c\ndd"]);
        assert_eq!(pieces(data, &split_at_newlines(data, 3)), [&b"aa\n"[..], b"bbbb\n", b"c\ndd"]);
        assert_eq!(pieces(data, &split_at_newlines(data, 1000)), [&data[..]]);
        assert!(split_at_newlines(b"", 10).is_empty());
    }

    #[test]
    fn lines_split_counts_lines() {
        let data = b"a\nb\nc\nd\ne";
        assert_eq!(pieces(data, &split_by_lines(data, 2)), [&b"a\nb\n"[..], b"c\nd\n", b"e"]);
        assert_eq!(pieces(data, &split_by_lines(data, 5)), [&data[..]]);
        let data = b"a\nb\n";
        assert_eq!(pieces(data, &split_by_lines(data, 1)), [&b"a\n"[..], b"b\n"]);
        assert!(split_by_lines(b"", 3).is_empty());
    }

    #[test]
    fn line_numbers_are_one_based() {
        let data = b"a\nb\nc";
        assert_eq!(line_number_at(data, 0), 1);
        assert_eq!(line_number_at(data, 2), 2);
        assert_eq!(line_number_at(data, 4), 3);
        assert_eq!((line_at(data, 2), line_at(data, 99)), (&b"b"[..], &b""[..]));
    }
}
