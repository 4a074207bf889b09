//! The fast path of the map kernel: recognising a well-formed line without a byte-at-a-time
//! loop. Two tricks, each measured on the default shard (86,618,505 lines, 1.72 GB) by
//! `cargo run --release -p workload --example scan_speed FILE` on one core of the 2-vCPU
//! dev machine (figures in that example's doc comment):
//!
//! 1. **Separator bitmaps.** Every byte of a 64-byte block is compared with `\t` and `\n` at
//!    once and the answers packed into one `u64` (the compiler turns the loop into SIMD
//!    compares and a movemask). A line is then four `trailing_zeros` away: `ngram TAB year
//!    TAB count TAB volume NEWLINE` is always exactly four separators, so the loop over them
//!    has no data-dependent branches for well-formed input.
//! 2. **SWAR digits.** Each numeric field (up to 8 digits) is read as one unaligned `u64`,
//!    checked to be all digits with two additions, and `match_count` is converted with three
//!    multiplications instead of a loop over its digits.
//!
//! Anything unusual (a field longer than 8 digits, a `\r`, too few or too many fields, a line
//! near the end of the chunk) makes [`fast_line`] decline, and the caller parses that one line
//! with [`super::parse_line`], which gives the exact error. So the fast path decides nothing
//! the slow path would decide differently; the property tests check that.

const TAB: u8 = b'\t';
const NEWLINE: u8 = b'\n';

/// Bit `i` is set where `block[i]` is a tab or a newline: four 16-byte SSE2 compares
/// against each separator and a `pmovmskb` each. SSE2 is part of x86-64 itself, so no CPU
/// check is needed. (The plain-loop version below is what LLVM produced no good SIMD for:
/// 0.74 GB/s for the whole kernel against 1.6 GB/s with this.)
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn separators(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    for (i, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is always present on x86-64; `lane` is 16 readable bytes and `loadu`
        // has no alignment requirement.
        let bits = unsafe {
            let bytes = _mm_loadu_si128(lane.as_ptr().cast());
            let tabs = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(TAB as i8));
            let newlines = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(NEWLINE as i8));
            _mm_movemask_epi8(_mm_or_si128(tabs, newlines)) as u16
        };
        mask |= u64::from(bits) << (16 * i);
    }
    mask
}

/// Elsewhere: the same bits from a plain loop, left to the compiler.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn separators(block: &[u8; 64]) -> u64 {
    let mut mask = 0u64;
    for (i, &byte) in block.iter().enumerate() {
        mask |= u64::from((byte == TAB) | (byte == NEWLINE)) << i;
    }
    mask
}

/// How far ahead of the block being scanned to ask for memory. The hardware prefetcher
/// stops at every 4 KiB page boundary, and a freshly mapped page of the input is not in
/// cache; asking this far ahead hides most of that wait.
const PREFETCH_AHEAD: usize = 512;

/// A hint to start loading the cache line at `at` (never faults, even past the data).
#[inline(always)]
fn prefetch(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it does not dereference `at` and cannot fault.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Walks the separator positions of `data` from a starting offset, 64 bytes at a time.
pub(crate) struct Separators<'a> {
    data: &'a [u8],
    /// Offset of the current block.
    base: usize,
    /// Separators of the current block not handed out yet.
    bits: u64,
}

impl<'a> Separators<'a> {
    /// Separators at or after `start`.
    #[inline]
    pub(crate) fn from(data: &'a [u8], start: usize) -> Separators<'a> {
        let mut seps = Separators { data, base: start, bits: 0 };
        seps.bits = seps.block_at(start);
        seps
    }

    #[inline(always)]
    fn block_at(&self, start: usize) -> u64 {
        prefetch(self.data.as_ptr().wrapping_add(start + PREFETCH_AHEAD));
        match self.data.get(start..start + 64) {
            Some(block) => separators(block.try_into().expect("64 bytes")),
            None => {
                // The last, partial block: pad with zeros (not separators).
                let tail = self.data.get(start..).unwrap_or_default();
                let mut block = [0u8; 64];
                block[..tail.len()].copy_from_slice(tail);
                separators(&block)
            }
        }
    }

    /// The next four separators (one line's worth). Most of the time the current block
    /// holds them all, and they come out with no further tests: clearing the lowest set bit
    /// three times and finding the word still non-zero proves a fourth. (A population count
    /// said the same, but x86-64 without `popcnt` computes one in a dozen instructions.)
    #[inline(always)]
    pub(crate) fn next4(&mut self) -> Option<[usize; 4]> {
        let b0 = self.bits;
        let b1 = b0 & b0.wrapping_sub(1);
        let b2 = b1 & b1.wrapping_sub(1);
        let b3 = b2 & b2.wrapping_sub(1);
        if b3 != 0 {
            self.bits = b3 & (b3 - 1);
            let at = |b: u64| self.base + b.trailing_zeros() as usize;
            return Some([at(b0), at(b1), at(b2), at(b3)]);
        }
        Some([self.next()?, self.next()?, self.next()?, self.next()?])
    }

    /// The next separator's offset, or `None` at the end of the data.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.base += 64;
            if self.base >= self.data.len() {
                return None;
            }
            self.bits = self.block_at(self.base);
        }
        let i = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.base + i)
    }
}

/// Reads 8 bytes at `at` as a little-endian `u64` (the caller checked they exist).
#[inline(always)]
fn load8(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"))
}

/// The `len` bytes at the start of `word` (1 to 8 of them), as digit values moved to the
/// top of the word, or `None` if `len` is out of range or any of them is not `0`-`9`.
/// Moving them up leaves zero bytes below: leading zeros, which parse as nothing.
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline(always)]
fn digits(word: u64, len: usize) -> Option<u64> {
    if len == 0 || len > 8 {
        return None;
    }
    // '0'..='9' are 0x30..=0x39: XOR with 0x30 maps them to 0..=9 and everything else to
    // 10 or more.
    let values = (word ^ 0x3030_3030_3030_3030) << (8 * (8 - len));
    // A byte is 0..=9 exactly when neither it nor it + 0x76 has its top bit set. A carry out
    // of a byte only comes from a byte that is itself flagged, so no bad byte slips through.
    if (values | values.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    Some(values)
}

/// Eight digit values (most significant in the lowest byte) to their number: pairs, then
/// quads, then the whole, one multiplication each (no carry crosses a lane: 99, 9999 and
/// 99999999 fit in 8, 16 and 32 bits).
#[inline(always)]
fn digits_value(values: u64) -> u64 {
    let pairs = (values.wrapping_mul(10 << 8 | 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs.wrapping_mul(100 << 16 | 1) >> 16) & 0x0000_ffff_0000_ffff;
    quads.wrapping_mul(10_000 << 32 | 1) >> 32
}

/// A line the fast path vouches for.
pub(crate) struct FastLine<'a> {
    pub ngram: &'a [u8],
    pub match_count: u64,
    /// Where the next line starts.
    pub next: usize,
}

/// Recognises the line starting at `start`, taking its four separators from `seps`. Returns
/// `None` (and leaves `seps` in an unspecified place) for anything it cannot vouch for; the
/// caller then parses the line the slow way and restarts `seps` after it.
#[inline(always)]
pub(crate) fn fast_line<'a>(data: &'a [u8], start: usize, seps: &mut Separators<'_>) -> Option<FastLine<'a>> {
    let [t1, t2, t3, newline] = seps.next4()?;
    // Every field non-empty, the year short enough for a u32 (9 digits) and the count for
    // the SWAR conversion (8), and the reads below inside the data (16 bytes after the first
    // tab, 8 after the second, which is at most 10 bytes further on).
    if t1 == start || t2 - t1 - 1 > 9 || t3 - t2 - 1 > 8 || t2 == t1 + 1 || t3 == t2 + 1 || newline == t3 + 1
    {
        return None;
    }
    if t1 + 20 > data.len() || data[t1] != TAB || data[newline] != NEWLINE {
        return None;
    }
    // Between the first tab and the newline there are exactly two more separators (t2, t3);
    // if everything else there is a digit, t2 and t3 are tabs and all three numbers are valid.
    if !digits_and_tabs(data, t1 + 1, newline)? {
        return None;
    }
    // Already known to be 1 to 8 digits: only move them into place.
    let count = (load8(data, t2 + 1) ^ 0x3030_3030_3030_3030) << (8 * (8 - (t3 - t2 - 1)));
    Some(FastLine { ngram: &data[start..t1], match_count: digits_value(count), next: newline + 1 })
}

/// Whether `data[from..to]` holds only digits and tabs: one 16-byte SSE2 test (a range
/// compare for digits, an equality for tabs, one movemask). `None` if the span is longer
/// than 15 bytes (the caller reads 16 from `from`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn digits_and_tabs(data: &[u8], from: usize, to: usize) -> Option<bool> {
    use std::arch::x86_64::{
        _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let span = to - from;
    if span > 15 {
        return None;
    }
    let bytes = &data[from..from + 16];
    // SAFETY: SSE2 is always present on x86-64; `bytes` is 16 readable bytes.
    let ok = unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().cast());
        // b + 0x50 maps '0'..='9' onto the 10 smallest signed bytes (-128..=-119).
        let digit = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x50)), _mm_set1_epi8(-118));
        let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(TAB as i8));
        _mm_movemask_epi8(_mm_or_si128(digit, tab)) as u32
    };
    let wanted = (1u32 << span) - 1;
    Some(ok & wanted == wanted)
}

/// Elsewhere: each of the three fields checked with SWAR.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn digits_and_tabs(data: &[u8], from: usize, to: usize) -> Option<bool> {
    let mut field_start = from;
    for end in (from..to).filter(|&i| data[i] == TAB).chain([to]) {
        if field_start + 8 > data.len() {
            return None;
        }
        digits(load8(data, field_start), end - field_start)?;
        field_start = end + 1;
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_mark_tabs_and_newlines_only() {
        let mut block = [b'x'; 64];
        block[0] = TAB;
        block[5] = NEWLINE;
        block[63] = TAB;
        block[7] = b'\r';
        assert_eq!(separators(&block), 1 | 1 << 5 | 1 << 63);
    }

    #[test]
    fn separator_walk_crosses_blocks_and_ends() {
        let mut data = vec![b'a'; 150];
        for at in [3, 63, 64, 100, 149] {
            data[at] = TAB;
        }
        let mut seps = Separators::from(&data, 0);
        let found: Vec<usize> = std::iter::from_fn(|| seps.next()).collect();
        assert_eq!(found, [3, 63, 64, 100, 149]);
        let mut seps = Separators::from(&data, 64);
        assert_eq!(seps.next(), Some(64));
    }

    #[test]
    fn swar_digits_match_parse() {
        for text in ["0", "7", "42", "1822", "99999999", "00000001", "12345678", "1000"] {
            let mut bytes = text.as_bytes().to_vec();
            bytes.resize(8, b'\t');
            let word = u64::from_le_bytes(bytes.try_into().unwrap());
            let got = digits(word, text.len()).map(digits_value);
            assert_eq!(got, Some(text.parse().unwrap()), "{text}");
        }
        for bad in ["", "1a", "-1", " 1", "1.5", "/", ":", "123456789", "\u{b9}"] {
            let mut bytes = bad.as_bytes().to_vec();
            let len = bytes.len();
            bytes.resize(9, b'0');
            let word = u64::from_le_bytes(bytes[..8].try_into().unwrap());
            assert_eq!(digits(word, len), None, "{bad:?}");
        }
    }

    #[test]
    fn fast_line_accepts_the_common_shape_and_declines_the_rest() {
        let data = b"aardvark\t1822\t27\t3\nnext\t1\t2\t3\npad pad pad pad pad\n";
        let mut seps = Separators::from(data, 0);
        let line = fast_line(data, 0, &mut seps).unwrap();
        assert_eq!((line.ngram, line.match_count, line.next), (&b"aardvark"[..], 27, 19));
        for bad in [
            &b"a\t1\t2\t3\r\n........"[..],
            b"\t1\t2\t3\n........",
            b"a\t1\t2\n........",
            b"a\t1\t2\t3\t4\n........",
            b"a\t1\t\t3\n........",
            b"a\t1\t123456789\t3\n........",
            b"a\t1\t2\t3\n",
        ] {
            let mut seps = Separators::from(bad, 0);
            assert!(fast_line(bad, 0, &mut seps).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
