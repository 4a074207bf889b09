//! Parsing one Google Books Ngram 2012 line: `ngram TAB year TAB match_count TAB volume_count`.
//!
//! Zero-copy: the ngram is returned as a slice of the input. Keys are bytes; UTF-8 is
//! expected in practice but never assumed.

use std::fmt;

use memchr::{memchr, memchr_iter};

/// One parsed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub ngram: &'a [u8],
    pub year: u32,
    pub match_count: u64,
    pub volume_count: u64,
}

/// Why a line was rejected. `Display` gives the message that follows `FILE:LINE: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineErrorKind {
    /// An empty line (after removing `\r`).
    Blank,
    /// Not exactly four tab-separated fields.
    FieldCount { found: usize },
    /// The first field is empty.
    EmptyNgram,
    /// A numeric field holds something other than decimal digits (a sign, a letter, nothing).
    NotANumber { field: &'static str, text: String },
    /// A numeric field is all digits but too large for its type.
    TooLarge { field: &'static str, text: String },
    /// Adding this line's `match_count` would overflow the ngram's `u64` total.
    TotalOverflow { ngram: String },
}

impl LineErrorKind {
    /// Malformed lines may be skipped with `--skip-malformed`; an overflowing total may not
    /// (the line itself is fine, the answer just does not fit).
    pub fn is_malformed(&self) -> bool {
        !matches!(self, LineErrorKind::TotalOverflow { .. })
    }
}

impl fmt::Display for LineErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineErrorKind::Blank => write!(f, "blank line"),
            LineErrorKind::FieldCount { found } => {
                write!(f, "expected 4 tab-separated fields, found {found}")
            }
            LineErrorKind::EmptyNgram => write!(f, "empty ngram (first field)"),
            LineErrorKind::NotANumber { field, text } => {
                write!(f, "{field} is not a non-negative integer: {text:?}")
            }
            LineErrorKind::TooLarge { field, text } => {
                write!(f, "{field} is too large: {text}")
            }
            LineErrorKind::TotalOverflow { ngram } => {
                write!(f, "total match_count for {ngram:?} overflows u64")
            }
        }
    }
}

/// Lossy text of a field for error messages, cut so that one bad line cannot flood stderr.
/// (Control characters escaped: a field is the data's, and a message goes to a terminal.)
pub(crate) fn shown(bytes: &[u8]) -> String {
    const MAX: usize = 40;
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{}...", crate::shown::escaped(cut.as_bytes()))
    } else {
        crate::shown::escaped(text.as_bytes())
    }
}

/// Parses decimal digits into a `u64`: no sign, no spaces, no empty string.
#[inline]
fn parse_u64(field: &'static str, bytes: &[u8]) -> Result<u64, LineErrorKind> {
    if bytes.is_empty() {
        return Err(LineErrorKind::NotANumber { field, text: String::new() });
    }
    let mut value: u64 = 0;
    let mut overflow = false;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(LineErrorKind::NotANumber { field, text: shown(bytes) });
        }
        // Keep scanning after an overflow so that "12x" beyond 20 digits is still
        // reported as not-a-number rather than too-large.
        match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(digit))) {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(LineErrorKind::TooLarge { field, text: shown(bytes) });
    }
    Ok(value)
}

/// Parses one line (without its `\n`; a trailing `\r` is removed here).
#[inline]
pub fn parse_line(line: &[u8]) -> Result<Record<'_>, LineErrorKind> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(LineErrorKind::Blank);
    }
    let field_count = || memchr_iter(b'\t', line).count() + 1;
    let t1 = memchr(b'\t', line).ok_or(LineErrorKind::FieldCount { found: 1 })?;
    let rest = &line[t1 + 1..];
    let t2 = memchr(b'\t', rest).ok_or(LineErrorKind::FieldCount { found: 2 })?;
    let rest2 = &rest[t2 + 1..];
    let t3 = memchr(b'\t', rest2).ok_or(LineErrorKind::FieldCount { found: 3 })?;
    let volume = &rest2[t3 + 1..];
    if memchr(b'\t', volume).is_some() {
        return Err(LineErrorKind::FieldCount { found: field_count() });
    }
    let ngram = &line[..t1];
    if ngram.is_empty() {
        return Err(LineErrorKind::EmptyNgram);
    }
    let year_text = &rest[..t2];
    let year = parse_u64("year", year_text)?;
    let year =
        u32::try_from(year).map_err(|_| LineErrorKind::TooLarge { field: "year", text: shown(year_text) })?;
    let match_count = parse_u64("match_count", &rest2[..t3])?;
    let volume_count = parse_u64("volume_count", volume)?;
    Ok(Record { ngram, year, match_count, volume_count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_line_with_and_without_cr() {
        let want = Record { ngram: b"aardvark", year: 1822, match_count: 2, volume_count: 1 };
        assert_eq!(parse_line(b"aardvark\t1822\t2\t1"), Ok(want));
        assert_eq!(parse_line(b"aardvark\t1822\t2\t1\r"), Ok(want));
    }

    #[test]
    fn keeps_non_ascii_keys_as_bytes() {
        let rec = parse_line("ångström_NOUN\t1900\t7\t3".as_bytes()).unwrap();
        assert_eq!(rec.ngram, "ångström_NOUN".as_bytes());
        // Not even valid UTF-8 is refused: keys are bytes.
        let rec = parse_line(b"\xff\xfe\t1900\t7\t3").unwrap();
        assert_eq!(rec.ngram, b"\xff\xfe");
    }

    #[test]
    fn reports_each_malformation() {
        let err = |s: &[u8]| parse_line(s).unwrap_err().to_string();
        assert_eq!(err(b""), "blank line");
        assert_eq!(err(b"\r"), "blank line");
        assert_eq!(err(b"word"), "expected 4 tab-separated fields, found 1");
        assert_eq!(err(b"word\t1900"), "expected 4 tab-separated fields, found 2");
        assert_eq!(err(b"word\t1900\t3"), "expected 4 tab-separated fields, found 3");
        assert_eq!(err(b"w\t1\t2\t3\t4\t5"), "expected 4 tab-separated fields, found 6");
        assert_eq!(err(b"\t1900\t3\t1"), "empty ngram (first field)");
        assert_eq!(err(b"w\t1900\t-3\t1"), "match_count is not a non-negative integer: \"-3\"");
        assert_eq!(err(b"w\t1900\t3.5\t1"), "match_count is not a non-negative integer: \"3.5\"");
        assert_eq!(err(b"w\t1900\t\t1"), "match_count is not a non-negative integer: \"\"");
        assert_eq!(err(b"w\tMCM\t3\t1"), "year is not a non-negative integer: \"MCM\"");
        assert_eq!(err(b"w\t1900\t3\tx"), "volume_count is not a non-negative integer: \"x\"");
        assert_eq!(
            err(b"w\t1900\t18446744073709551616\t1"),
            "match_count is too large: 18446744073709551616"
        );
        assert_eq!(err(b"w\t4294967296\t3\t1"), "year is too large: 4294967296");
    }

    #[test]
    fn accepts_the_largest_count() {
        let rec = parse_line(b"w\t1900\t18446744073709551615\t1").unwrap();
        assert_eq!(rec.match_count, u64::MAX);
    }
}
