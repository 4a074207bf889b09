//! A synthetic Google Books Ngram 2012 1-gram shard, deterministic for a seed.
//!
//! The real 'a' shard (86,618,505 lines, about 1.8 GB) is a download this project cannot
//! count on, so we make one of the same shape: every ngram's lines are consecutive with
//! years ascending, frequencies are Zipf-like (a few ngrams span centuries with large
//! counts, most appear in a handful of years), and ngrams come as plain, Capitalised, UPPER
//! and POS-tagged (`_NOUN`, `_VERB`) forms, some with non-ASCII letters. The article's
//! `aardvark` rows and an `Aardvark` totalling 15209 are planted at the top so its answer
//! reproduces.

use std::fmt;
use std::io::{self, Write};

/// The real 'a' shard's line count.
pub const DEFAULT_LINES: u64 = 86_618_505;
/// Distinct ngrams in the default shard.
pub const DEFAULT_UNIQUE: u64 = 4_000_000;
/// The most lines gen writes: 20 real shards (about 36 GB).
pub const MAX_LINES: u64 = 20 * DEFAULT_LINES;
/// The most distinct ngrams: gen plans every one's years in memory first.
pub const MAX_UNIQUE: u64 = 100_000_000;
/// The default seed.
pub const DEFAULT_SEED: u64 = 2012;
/// An ngram spans at most this many years (1509 to 2008).
pub const MAX_YEARS: u64 = 500;
const LAST_YEAR: u64 = 2008;

/// Rows planted at the top of every generated shard: the article's first `aardvark` rows and
/// an `Aardvark` whose `match_count`s sum to 15209, the article's answer.
/// One planted row: year, match_count, volume_count.
pub type Row = (u32, u64, u64);

pub const PLANTED: [(&str, &[Row]); 2] = [
    (
        "Aardvark",
        &[
            (2000, 1203, 410),
            (2001, 1387, 452),
            (2002, 1455, 470),
            (2003, 1512, 498),
            (2004, 1598, 515),
            (2005, 1672, 540),
            (2006, 1849, 588),
            (2007, 2137, 611),
            (2008, 2396, 702),
        ],
    ),
    ("aardvark", &[(1822, 2, 1), (1824, 3, 1), (1827, 10, 7)]),
];

/// Total lines of the planted rows.
pub fn planted_lines() -> u64 {
    PLANTED.iter().map(|(_, rows)| rows.len() as u64).sum()
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenConfig {
    /// Lines in the file, planted rows included.
    pub lines: u64,
    /// Distinct ngrams, planted ones included.
    pub unique: u64,
    pub seed: u64,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig { lines: DEFAULT_LINES, unique: DEFAULT_UNIQUE, seed: DEFAULT_SEED }
    }
}

/// Distinct ngrams for `lines` lines at the real shard's ratio (4,000,000 per 86,618,505
/// lines), never fewer than the planted ones nor more than the lines can hold.
pub fn unique_for(lines: u64) -> u64 {
    let at_ratio = (lines as u128 * DEFAULT_UNIQUE as u128 / DEFAULT_LINES as u128) as u64;
    let most = lines.saturating_sub(planted_lines()) + PLANTED.len() as u64;
    at_ratio.max(PLANTED.len() as u64).min(most.max(PLANTED.len() as u64))
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenSummary {
    pub lines: u64,
    pub bytes: u64,
    pub unique: u64,
}

#[derive(Debug)]
pub enum GenError {
    /// The configuration cannot be honoured; the message says why.
    Config(String),
    Io(io::Error),
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenError::Config(msg) => f.write_str(msg),
            GenError::Io(err) => write!(f, "write failed: {err}"),
        }
    }
}

impl std::error::Error for GenError {}

impl From<io::Error> for GenError {
    fn from(err: io::Error) -> Self {
        GenError::Io(err)
    }
}

impl GenConfig {
    /// Checks that `lines` can hold `unique` ngrams: each needs at least one line and at most
    /// [`MAX_YEARS`], and the planted rows are fixed.
    pub fn validate(&self) -> Result<(), GenError> {
        if self.lines > MAX_LINES {
            return Err(GenError::Config(format!(
                "--lines {} is more than the {MAX_LINES} lines gen makes (20 real shards)",
                self.lines
            )));
        }
        if self.unique > MAX_UNIQUE {
            return Err(GenError::Config(format!(
                "--unique {} is more than the {MAX_UNIQUE} distinct ngrams gen plans in memory (10 bytes each)",
                self.unique
            )));
        }
        let planted_ngrams = PLANTED.len() as u64;
        if self.unique < planted_ngrams {
            return Err(GenError::Config(format!(
                "--unique must be at least {planted_ngrams} (the planted aardvark ngrams)"
            )));
        }
        let generated = self.unique - planted_ngrams;
        // In u128: the bounds of a huge --unique pass u64, and a wrapped one would be a lie.
        let min = u128::from(planted_lines()) + u128::from(generated);
        let max = u128::from(planted_lines()) + u128::from(generated) * u128::from(MAX_YEARS);
        let lines = u128::from(self.lines);
        if lines < min || lines > max {
            return Err(GenError::Config(format!(
                "--lines {} does not fit --unique {}: need between {min} and {max} lines \
                 (each ngram spans 1 to {MAX_YEARS} years, plus {} planted aardvark rows)",
                self.lines,
                self.unique,
                planted_lines()
            )));
        }
        Ok(())
    }
}

/// SplitMix64: a tiny, good-enough, reproducible generator (no `rand` dependency, and the
/// output never changes under us with a crate upgrade).
#[derive(Debug, Clone)]
struct SplitMix(u64);

impl SplitMix {
    fn new(seed: u64, stream: u64) -> SplitMix {
        SplitMix(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Two-character syllables (consonant + vowel). Every syllable is exactly two characters,
/// so a word decodes to one syllable sequence: distinct numbers give distinct words. A few
/// carry non-ASCII letters whose upper case is again one distinct character.
const SYLLABLES: [&str; 100] = [
    "ba", "be", "bi", "bo", "bu", "by", "ca", "ce", "ci", "co", "cu", "cy", "da", "de", "di", "do", "du",
    "dy", "fa", "fe", "fi", "fo", "fu", "fy", "ga", "ge", "gi", "go", "gu", "gy", "ha", "he", "hi", "ho",
    "hu", "hy", "ka", "ke", "ki", "ko", "ku", "ky", "la", "le", "li", "lo", "lu", "ly", "ma", "me", "mi",
    "mo", "mu", "my", "na", "ne", "ni", "no", "nu", "ny", "pa", "pe", "pi", "po", "pu", "py", "ra", "re",
    "ri", "ro", "ru", "ry", "sa", "se", "si", "so", "su", "sy", "ta", "te", "ti", "to", "tu", "ty", "va",
    "ve", "vi", "vo", "vu", "vy", "za", "ze", "zi", "zo", "zu", "zy", "ñu", "çe", "mé", "dö",
];

/// How the k-th generated ngram is spelled, cycling through the forms the real data has,
/// each with a weight: plain words are the commonest, UPPER ones the rarest.
const FORMS: [(Form, f64); 6] = [
    (Form::Plain, 1.0),
    (Form::Capitalised, 0.4),
    (Form::Tagged("_NOUN"), 0.5),
    (Form::Upper, 0.05),
    (Form::Tagged("_VERB"), 0.25),
    (Form::CapitalisedTagged("_NOUN"), 0.15),
];

#[derive(Debug, Clone, Copy)]
enum Form {
    Plain,
    Capitalised,
    Upper,
    Tagged(&'static str),
    CapitalisedTagged(&'static str),
}

fn form_of(k: u64) -> (Form, f64) {
    FORMS[(k % FORMS.len() as u64) as usize]
}

/// Writes the k-th generated ngram into `out`. Every word starts with `a` followed by
/// consonant-vowel syllables, so none can equal the planted `aardvark`.
fn spell(k: u64, out: &mut String) {
    out.clear();
    let (form, _) = form_of(k);
    let mut base = k / FORMS.len() as u64;
    let upper = matches!(form, Form::Upper);
    out.push(if matches!(form, Form::Plain | Form::Tagged(_)) { 'a' } else { 'A' });
    // Base-100 digits, least significant first; at least one syllable.
    loop {
        let syllable = SYLLABLES[(base % 100) as usize];
        if upper {
            out.extend(syllable.chars().flat_map(char::to_uppercase));
        } else {
            out.push_str(syllable);
        }
        base /= 100;
        if base == 0 {
            break;
        }
    }
    if let Form::Tagged(tag) | Form::CapitalisedTagged(tag) = form {
        out.push_str(tag);
    }
}

/// Zipf-like rank of the k-th ngram among `generated`: a pseudo-random rank in 1..=n, so
/// frequency does not follow file order.
fn rank(seed: u64, k: u64, generated: u64) -> u64 {
    1 + SplitMix::new(seed, k).next() % generated
}

/// How many lines (years) each generated ngram gets: proportional to its form's weight times
/// rank^-0.8, clamped to 1..=MAX_YEARS, scaled to sum exactly to `total`.
fn years_per_ngram(seed: u64, generated: u64, total: u64) -> Vec<u16> {
    let weights: Vec<f64> =
        (0..generated).map(|k| form_of(k).1 * (rank(seed, k, generated) as f64).powf(-0.8)).collect();
    let lines_for = |scale: f64, w: f64| ((scale * w) as u64).clamp(1, MAX_YEARS);
    let sum_for = |scale: f64| weights.iter().map(|&w| lines_for(scale, w)).sum::<u64>();
    // Bisect on the scale: the largest one whose sum stays within `total`.
    let (mut lo, mut hi) = (0.0f64, MAX_YEARS as f64 * (generated as f64).powf(0.8) + 1.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if sum_for(mid) <= total {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut years: Vec<u16> = weights.iter().map(|&w| lines_for(lo, w) as u16).collect();
    // Hand out what rounding left over, one line at a time, to ngrams with room.
    let mut left = total - years.iter().map(|&n| u64::from(n)).sum::<u64>();
    while left > 0 {
        for n in years.iter_mut() {
            if left == 0 {
                break;
            }
            if u64::from(*n) < MAX_YEARS {
                *n += 1;
                left -= 1;
            }
        }
    }
    years
}

/// Appends `value` in decimal.
#[inline]
fn push_u64(buf: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

#[inline]
fn push_line(buf: &mut Vec<u8>, ngram: &[u8], year: u64, match_count: u64, volume_count: u64) {
    buf.extend_from_slice(ngram);
    buf.push(b'\t');
    push_u64(buf, year);
    buf.push(b'\t');
    push_u64(buf, match_count);
    buf.push(b'\t');
    push_u64(buf, volume_count);
    buf.push(b'\n');
}

/// Writes the shard to `out`, calling `progress(lines_written, bytes_written)` every few MB.
pub fn generate<W: Write>(
    config: &GenConfig,
    mut out: W,
    mut progress: impl FnMut(u64, u64),
) -> Result<GenSummary, GenError> {
    config.validate()?;
    const FLUSH_AT: usize = 4 << 20;
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut flush = |buf: &mut Vec<u8>, lines: u64, bytes: &mut u64| -> io::Result<()> {
        out.write_all(buf)?;
        *bytes += buf.len() as u64;
        buf.clear();
        progress(lines, *bytes);
        Ok(())
    };

    for (ngram, rows) in PLANTED {
        for &(year, match_count, volume_count) in rows {
            push_line(&mut buf, ngram.as_bytes(), u64::from(year), match_count, volume_count);
            lines += 1;
        }
    }

    let generated = config.unique - PLANTED.len() as u64;
    let years = years_per_ngram(config.seed, generated, config.lines - planted_lines());
    let mut word = String::new();
    for (k, &span) in (0..generated).zip(&years) {
        spell(k, &mut word);
        let rank = rank(config.seed, k, generated);
        // Typical count per year: Zipf-like in rank (tens of thousands for the commonest
        // words), scaled by the form's weight.
        let typical = (40_000.0 * form_of(k).1 * (rank as f64).powf(-0.6)).max(1.0) as u64;
        let mut rng = SplitMix::new(config.seed.rotate_left(32), k);
        let first_year = LAST_YEAR + 1 - u64::from(span);
        for year in first_year..=LAST_YEAR {
            let r = rng.next();
            // Counts vary from half to one and a half times the typical value.
            let match_count = (typical * (512 + (r & 1023)) / 1024).max(1);
            // Volumes: between 10% and 100% of the count, at least one book.
            let volume_count = (match_count * (100 + (r >> 10) % 901) / 1000).max(1);
            push_line(&mut buf, word.as_bytes(), year, match_count, volume_count);
        }
        lines += u64::from(span);
        if buf.len() >= FLUSH_AT {
            flush(&mut buf, lines, &mut bytes)?;
        }
    }
    flush(&mut buf, lines, &mut bytes)?;
    out.flush()?;
    Ok(GenSummary { lines, bytes, unique: config.unique })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_is_distinct_across_forms() {
        let mut seen = std::collections::HashSet::new();
        let mut word = String::new();
        for k in 0..20_000 {
            spell(k, &mut word);
            assert!(word.starts_with(['a', 'A']), "{word}");
            assert!(seen.insert(word.clone()), "duplicate {word} at {k}");
        }
        for (planted, _) in PLANTED {
            assert!(!seen.contains(planted));
        }
    }

    #[test]
    fn years_sum_exactly() {
        for (generated, total) in [(1, 1), (1, 500), (10, 37), (1000, 21_600), (50, 50 * 500)] {
            let years = years_per_ngram(7, generated, total);
            assert_eq!(years.len() as u64, generated);
            assert_eq!(years.iter().map(|&n| u64::from(n)).sum::<u64>(), total);
            assert!(years.iter().all(|&n| (1..=MAX_YEARS as u16).contains(&n)));
        }
    }

    #[test]
    fn decimal_formatting() {
        let mut buf = Vec::new();
        for v in [0, 7, 10, 12345, u64::MAX] {
            buf.clear();
            push_u64(&mut buf, v);
            assert_eq!(buf, v.to_string().as_bytes());
        }
    }
}
