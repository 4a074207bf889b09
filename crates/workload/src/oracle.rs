//! The test oracle: an obviously correct, deliberately plain ngram total, written without
//! any of the kernels' tricks (no memchr, no combiner, no borrowed keys), so tests can hold
//! every model against something that shares none of their code.

use std::collections::BTreeMap;

/// Totals per ngram of a whole file, or the 1-based line number of the first bad line.
pub fn ngram_totals(data: &[u8]) -> Result<BTreeMap<Vec<u8>, u64>, u64> {
    let mut totals: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        lines.pop(); // the empty piece after the final newline is not a line
    }
    for (index, raw) in lines.into_iter().enumerate() {
        let line_no = index as u64 + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        let number = |f: &[u8]| -> Option<u64> {
            let s = std::str::from_utf8(f).ok()?;
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        if line.is_empty() || fields.len() != 4 || fields[0].is_empty() {
            return Err(line_no);
        }
        let year = number(fields[1]).filter(|y| *y <= u64::from(u32::MAX));
        let (Some(_), Some(count), Some(_)) = (year, number(fields[2]), number(fields[3])) else {
            return Err(line_no);
        };
        let total = totals.entry(fields[0].to_vec()).or_insert(0);
        *total = total.checked_add(count).ok_or(line_no)?;
    }
    Ok(totals)
}

/// Lines in a file as the kernels count them (a final line without newline counts).
pub fn line_count(data: &[u8]) -> u64 {
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Builds shard text from `(ngram, year, match_count, crlf)` rows (volume_count 1), with or
/// without a final newline: the random shards of the property tests.
pub fn shard_text<'k>(
    rows: impl IntoIterator<Item = (&'k str, u32, u64, bool)>,
    final_newline: bool,
) -> Vec<u8> {
    let mut data = Vec::new();
    for (ngram, year, count, crlf) in rows {
        let ending = if crlf { "\r\n" } else { "\n" };
        data.extend(format!("{ngram}\t{year}\t{count}\t1{ending}").bytes());
    }
    if !final_newline && data.ends_with(b"\n") {
        data.pop();
    }
    data
}
