//! Sixteen lines at a time ([`Walk::SixteenLines`](super::Walk)): from the separator offsets
//! the offsets walk lists, sixteen consecutive lines are checked, their counts converted and
//! their keys compared with the line before, in AVX-512 lanes, with no branch per line.
//!
//! The per-line loop of [`super::fast::fast_lines`] spends about a hundred instructions on a
//! line (four offsets, seven shape checks, a 16-byte digit test, the SWAR conversion, the key
//! compare, the sum), each line's own. Here sixteen lines share them: four loads and eight
//! permutes give every line's four separators in four vectors; lengths, shape and the tags the
//! listing put on each separator (a newline's; a field with a byte that is not a digit) are
//! sixteen lanes of arithmetic; the count and the key's first 16 bytes come in with gathers;
//! `match_count` is converted eight lines to a vector; each key is compared with the one in
//! the lane before. What is left to scalar code is once per run, not per line: handing a
//! finished run on, with its sum from a prefix sum of the sixteen counts. Measured in
//! `fast.rs`'s module doc (trick 5).
//!
//! Anything this does not vouch for (a number longer than 8 digits, a separator of the wrong
//! kind, a file's last 16 bytes) makes it say no, and the per-line loop takes those lines
//! as before; so it never decides anything the per-line loop would decide differently, which
//! the property tests in `fast.rs` hold it to.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m256i, __m512i, _mm256_loadu_si256, _mm512_add_epi32, _mm512_add_epi64, _mm512_alignr_epi32,
    _mm512_alignr_epi64, _mm512_and_si512, _mm512_castsi512_si256, _mm512_cmpeq_epi32_mask,
    _mm512_cmpeq_epi64_mask, _mm512_cmpgt_epu32_mask, _mm512_cmplt_epu32_mask, _mm512_cvtepu16_epi32,
    _mm512_cvtepu32_epi64, _mm512_extracti64x4_epi64, _mm512_i32gather_epi64, _mm512_madd_epi16,
    _mm512_maddubs_epi16, _mm512_max_epi64, _mm512_mul_epu32, _mm512_or_si512, _mm512_permutex2var_epi32,
    _mm512_permutexvar_epi64, _mm512_set1_epi16, _mm512_set1_epi32, _mm512_set1_epi64, _mm512_setr_epi32,
    _mm512_setzero_si512, _mm512_slli_epi64, _mm512_sllv_epi64, _mm512_srli_epi64, _mm512_srlv_epi64,
    _mm512_storeu_si512, _mm512_sub_epi32, _mm512_sub_epi64, _mm512_test_epi32_mask, _mm512_testn_epi32_mask,
    _mm512_xor_si512,
};

/// A separator's offset in a segment, as the offsets walk lists it: 14 bits of offset (a
/// segment is at most 16 KiB) and two tags.
pub(super) type Offset = u16;
/// The bit of a listed offset that says the separator is a newline (a tab without it).
pub(super) const NEWLINE_TAG: Offset = 1 << 15;
/// The bit of a listed offset that says the field the separator ends (from the separator
/// before it) holds a byte that is not an ASCII digit. An empty field is not tagged.
pub(super) const NOT_DIGITS_TAG: Offset = 1 << 14;
/// The bits of a listed offset that are the offset.
pub(super) const OFFSET_BITS: Offset = NOT_DIGITS_TAG - 1;

/// What sixteen consecutive well-formed lines hold. Offsets are relative to the segment the
/// offsets were listed for, which starts at `from` in the data.
#[derive(Debug, Default)]
pub(super) struct Sixteen {
    /// Where the segment starts in the data.
    pub from: usize,
    /// Each line's start: its key is `start[i]..start[i] + key_len[i]`.
    pub start: [u32; 16],
    pub key_len: [u32; 16],
    /// The match counts summed up to and including each line.
    pub prefix: [u64; 16],
    /// Bit i (1 to 15): line i's key is line i - 1's. Bit 0 is the caller's to decide (the
    /// line before the first is not here).
    pub same: u16,
    /// Lines in `same` whose keys are longer than 16 bytes: only the first 16 bytes and the
    /// lengths were compared, the rest is the caller's to compare.
    pub unsure: u16,
    /// Where the line after the sixteenth starts.
    pub end: u32,
}

/// Reads sixteen lines from their separators' offsets into `lines` (all but `from`), or says
/// `false` (and `lines` may hold anything).
///
/// # Safety
/// The CPU must have AVX-512 F and BW. `offsets` must point at 64 listed offsets (tagged with
/// [`NEWLINE_TAG`] and [`NOT_DIGITS_TAG`], relative to `segment`'s start, increasing), the
/// first of them the first separator at or after `line_start`, which is where a line starts
/// in `segment`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn sixteen_lines(
    segment: &[u8],
    line_start: u32,
    offsets: *const Offset,
    lines: &mut Sixteen,
) -> bool {
    // SAFETY (this block): the caller promises the CPU features and 64 readable offsets; every
    // gather reads below the sixteenth newline + 16 (shown where they are), which is checked
    // to be in `segment` before any of them.
    unsafe {
        // If the shape is right, the 64th separator is the sixteenth line's newline, and every
        // read below ends before it + 16.
        let last_newline = u32::from(offsets.add(63).read() & OFFSET_BITS);
        if last_newline as usize + 16 > segment.len() {
            return false;
        }
        let load = |at: usize| _mm512_cvtepu16_epi32(_mm256_loadu_si256(offsets.add(at).cast()));
        let (a, b, c, d) = (load(0), load(16), load(32), load(48));
        // Every fourth offset into its own vector: first the first and second separators of
        // lines 0-7 (and 8-15), the third and fourth; then the halves put together.
        let first_second = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        let third_fourth = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        let lows = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        let highs = _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        let p = _mm512_permutex2var_epi32(a, first_second, b);
        let q = _mm512_permutex2var_epi32(a, third_fourth, b);
        let r = _mm512_permutex2var_epi32(c, first_second, d);
        let s = _mm512_permutex2var_epi32(c, third_fourth, d);
        let t1 = _mm512_permutex2var_epi32(p, lows, r);
        let t2 = _mm512_permutex2var_epi32(p, highs, r);
        let t3 = _mm512_permutex2var_epi32(q, lows, s);
        let newline = _mm512_permutex2var_epi32(q, highs, s);
        // Three tabs, then a newline: exactly four fields; and nothing but digits in the last
        // three.
        let newline_tag = _mm512_set1_epi32(NEWLINE_TAG as i32);
        let tabs = _mm512_or_si512(_mm512_or_si512(t1, t2), t3);
        let numbers = _mm512_or_si512(_mm512_or_si512(t2, t3), newline);
        if _mm512_test_epi32_mask(tabs, newline_tag)
            | _mm512_testn_epi32_mask(newline, newline_tag)
            | _mm512_test_epi32_mask(numbers, _mm512_set1_epi32(NOT_DIGITS_TAG as i32))
            != 0
        {
            return false;
        }
        let offset_bits = _mm512_set1_epi32(OFFSET_BITS as i32);
        let [t1, t2, t3, newline] = [t1, t2, t3, newline].map(|v| _mm512_and_si512(v, offset_bits));
        // Line i starts after line i - 1's newline; line 0 at `line_start`.
        let one = _mm512_set1_epi32(1);
        let before = _mm512_set1_epi32(line_start.wrapping_sub(1) as i32);
        let start = _mm512_add_epi32(_mm512_alignr_epi32::<15>(newline, before), one);
        let key_len = _mm512_sub_epi32(t1, start);
        let year_len = _mm512_sub_epi32(_mm512_sub_epi32(t2, t1), one);
        let count_len = _mm512_sub_epi32(_mm512_sub_epi32(t3, t2), one);
        let volume_len = _mm512_sub_epi32(_mm512_sub_epi32(newline, t3), one);
        // A key of at least one byte; each number 1 to 8 digits (one word each).
        let eight = _mm512_set1_epi32(8);
        let short = |len| _mm512_cmplt_epu32_mask(_mm512_sub_epi32(len, one), eight);
        let shaped = _mm512_cmpgt_epu32_mask(key_len, _mm512_setzero_si512())
            & short(year_len)
            & short(count_len)
            & short(volume_len);
        if shaped != 0xffff {
            return false;
        }

        let base: *const i64 = segment.as_ptr().cast();
        let key_hi = _mm512_add_epi32(start, eight);
        let at_count = _mm512_add_epi32(t2, one);
        let mut counts = [_mm512_setzero_si512(); 2];
        let mut keys = [[_mm512_setzero_si512(); 2]; 2];
        for half in 0..2 {
            // Each gather reads 8 bytes at a line's offset: a key (start, start + 8 <= the first
            // tab + 8) or the count (after the second tab, <= the newline + 8).
            let pick = |v: __m512i| {
                if half == 0 {
                    _mm512_castsi512_si256(v)
                } else {
                    _mm512_extracti64x4_epi64::<1>(v)
                }
            };
            let count = _mm512_i32gather_epi64::<1>(pick(at_count), base);
            counts[half] = number(digit_values(count, pick(count_len)));
            // The key's bytes in its two words: the low min(len, 8) of the first, the low
            // min(len - 8, 8) of the second (a shift of 64 or more clears a lane).
            let len_bits = _mm512_slli_epi64(_mm512_cvtepu32_epi64(pick(key_len)), 3);
            let ones = _mm512_set1_epi64(-1);
            let zero = _mm512_setzero_si512();
            let low = _mm512_srlv_epi64(
                ones,
                _mm512_max_epi64(_mm512_sub_epi64(_mm512_set1_epi64(64), len_bits), zero),
            );
            let high = _mm512_srlv_epi64(
                ones,
                _mm512_max_epi64(_mm512_sub_epi64(_mm512_set1_epi64(128), len_bits), zero),
            );
            keys[half][0] = _mm512_and_si512(_mm512_i32gather_epi64::<1>(pick(start), base), low);
            keys[half][1] = _mm512_and_si512(_mm512_i32gather_epi64::<1>(pick(key_hi), base), high);
        }

        // Each key against the lane before (lane 0 of the second half against lane 7 of the
        // first): equal lengths and equal first 16 bytes.
        let zero = _mm512_setzero_si512();
        let mut same = 0u16;
        for half in 0..2 {
            let before = |word: usize| match half {
                0 => _mm512_alignr_epi64::<7>(keys[0][word], zero),
                _ => _mm512_alignr_epi64::<7>(keys[1][word], keys[0][word]),
            };
            let equal = _mm512_cmpeq_epi64_mask(keys[half][0], before(0))
                & _mm512_cmpeq_epi64_mask(keys[half][1], before(1));
            same |= u16::from(equal) << (8 * half);
        }
        same &= _mm512_cmpeq_epi32_mask(key_len, _mm512_alignr_epi32::<15>(key_len, zero)) & !1;
        let unsure = same & _mm512_cmpgt_epu32_mask(key_len, _mm512_set1_epi32(16));

        // Counts summed lane by lane (a count is at most 99,999,999: sixteen never overflow).
        let low = prefix_sum(counts[0]);
        let high =
            _mm512_add_epi64(prefix_sum(counts[1]), _mm512_permutexvar_epi64(_mm512_set1_epi64(7), low));
        (lines.same, lines.unsure, lines.end) = (same, unsure, last_newline + 1);
        _mm512_storeu_si512(lines.start.as_mut_ptr().cast(), start);
        _mm512_storeu_si512(lines.key_len.as_mut_ptr().cast(), key_len);
        _mm512_storeu_si512(lines.prefix.as_mut_ptr().cast(), low);
        _mm512_storeu_si512(lines.prefix.as_mut_ptr().add(8).cast(), high);
        true
    }
}

/// Eight words that each start with `len` ASCII digits (1 to 8) as digit values moved to the
/// top of the word (zeros below: leading zeros), as `fast::digits` does, eight lanes at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn digit_values(words: __m512i, len: __m256i) -> __m512i {
    let shift = _mm512_slli_epi64(_mm512_sub_epi64(_mm512_set1_epi64(8), _mm512_cvtepu32_epi64(len)), 3);
    _mm512_sllv_epi64(_mm512_xor_si512(words, _mm512_set1_epi64(0x3030_3030_3030_3030)), shift)
}

/// Digit values (most significant in the lowest byte) to their numbers, eight lanes at once:
/// pairs (times 10 and 1), then quads (times 100 and 1), then the two halves (times 10,000).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn number(values: __m512i) -> __m512i {
    let pairs = _mm512_maddubs_epi16(values, _mm512_set1_epi16(0x010a));
    let quads = _mm512_madd_epi16(pairs, _mm512_set1_epi32(0x0001_0064));
    _mm512_add_epi64(_mm512_mul_epu32(quads, _mm512_set1_epi64(10_000)), _mm512_srli_epi64::<32>(quads))
}

/// Each lane plus every lane below it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn prefix_sum(v: __m512i) -> __m512i {
    let zero = _mm512_setzero_si512();
    let v = _mm512_add_epi64(v, _mm512_alignr_epi64::<7>(v, zero));
    let v = _mm512_add_epi64(v, _mm512_alignr_epi64::<6>(v, zero));
    _mm512_add_epi64(v, _mm512_alignr_epi64::<4>(v, zero))
}
