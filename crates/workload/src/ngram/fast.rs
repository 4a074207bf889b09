//! The fast path of the map kernel: recognising a well-formed line without a byte-at-a-time
//! loop. Five tricks, the first two measured on the default shard (86,618,505 lines,
//! 1.72 GB) by `cargo run --release -p workload --example scan_speed FILE` on one core of the
//! 2-vCPU dev machine (figures in the README's table of what makes the engine fast), the
//! others by the whole job:
//!
//! 1. **Separator bitmaps.** Every byte of a 64-byte block is compared with `\t` and `\n` at
//!    once and the answers packed into one `u64` (the compiler turns the loop into SIMD
//!    compares and a movemask). A line is then four `trailing_zeros` away: `ngram TAB year
//!    TAB count TAB volume NEWLINE` is always exactly four separators, so the loop over them
//!    branches only where a line crosses into the next block.
//! 2. **SWAR digits.** The numbers after the first tab are checked to be digits and tabs in
//!    one 16-byte test, and `match_count` (up to 8 digits) is read as one unaligned `u64` and
//!    converted with three multiplications instead of a loop over its digits.
//! 3. **One tight loop.** [`fast_lines`] runs out of line, proves its reads in bounds once
//!    per line instead of checking each, decides a line's shape with one branch, and keeps
//!    the run being summed in registers (the combiner is called once per run). On the full
//!    default shard (`harness ngram --model mapreduce`, 2 workers, old and new binaries
//!    alternating, 4 runs each): elapsed 0.482-0.497 s against 0.506-0.537 s, CPU
//!    0.896-0.918 s against 0.936-0.975 s. (Alone, in `examples/kernel_speed`, it was no
//!    faster: inlined into the map phase, the old loop spilled its state to the stack.)
//! 4. **Separator offsets written out first (AVX-512).** Walking the bitmaps is about two
//!    thirds of the kernel's time: each line's separators come from the last line's bitmap
//!    word, and a line that crosses into the next block takes a branch the CPU cannot
//!    predict. With [`Walk::Offsets`] a 16 KiB segment's separators are first written out as
//!    offsets (per 64 bytes: two byte compares into a mask, four compresses of sixteen
//!    offsets, as simdjson's first stage does), then each line reads its four: no line
//!    waits for the one before, no branch per block. Runs where the CPU has AVX-512 F, BW
//!    and (since the offsets became 16 bits, trick 5) VBMI2 (`Walk::best`), the bitmaps
//!    elsewhere. `examples/kernel_speed` (first 256 MiB of the
//!    default shard, 256 KiB pieces, one core): 6.52-6.53 ns a line with bitmaps, 5.54-5.59
//!    ns with offsets. The whole job on the full shard (as in 3, 6 runs each): elapsed
//!    0.444-0.467 s against 0.484-0.500 s, CPU 0.815-0.845 s against 0.897-0.924 s. A line
//!    longer than a segment is left to the slow path.
//! 5. **Sixteen lines at once (AVX-512, `sixteen.rs`).** With every line's separators written
//!    out, nothing ties one line to the next until the runs are summed: [`Walk::SixteenLines`]
//!    checks sixteen lines' shapes, converts their counts and compares their keys in vector
//!    lanes, and leaves only each run to scalar code. The listing tags each offset with its
//!    kind and with whether its field holds a non-digit, so numbers are checked without being
//!    read, and offsets are 16 bits (half the compresses; needs VBMI2). `examples/kernel_speed
//!    FILE cached offsets|sixteen` (the first 256 MiB, parsed in cache, one core): 5.3-5.5 ns
//!    a line with the per-line loop, 3.2-3.3 ns with sixteen lines, 2.8-2.9 ns with the
//!    digit tags, 2.4 ns with 16-bit offsets. The whole job (as in 3, 4 runs each):
//!    elapsed 0.397-0.419 s against 0.503-0.552 s before it, CPU 0.69-0.73 s against
//!    0.90-0.98 s.
//!
//! Tried in throwaway copies of the loop, timed like `examples/kernel_speed`, and slower: a
//! branch-free walk over two blocks at once (7.0 ns against 5.9 ns with the copy left out),
//! the offsets written out without AVX-512 (a `trailing_zeros` loop: 6.4 ns), one separator
//! at a time through a four-field state machine (7.4 ns), two halves of a piece parsed in
//! one loop (6.3-6.5 ns). Sixteen-bit offsets were only 3% faster for the per-line loop; they
//! count once the lines are read sixteen at a time and the listing is a third of the kernel.
//!
//! Anything unusual (a field longer than the fast path reads, a `\r`, too few or too many
//! fields, a line near the end of the chunk) makes [`fast_lines`] stop there, and the caller
//! parses that one line with [`super::parse_line`], which gives the exact error. So the fast
//! path decides nothing the slow path would decide differently; the property tests check
//! that.

use super::combiner::{same_key, ChunkError, Combiner};
use super::parse::{shown, LineErrorKind};
use super::sixteen::Sixteen;
#[cfg(target_arch = "x86_64")]
use super::sixteen::{sixteen_lines, Offset, NEWLINE_TAG, NOT_DIGITS_TAG, OFFSET_BITS};

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

/// The `len` bytes at the start of `word` (1 to 8 of them), as digit values moved to the
/// top of the word, or `None` if `len` is out of range or any of them is not `0`-`9`.
/// Moving them up leaves zero bytes below: leading zeros, which parse as nothing.
#[cfg(test)]
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

/// Sums lines from `pos` on into `runs` for as long as the fast path can vouch for them;
/// returns where it stopped: the end of `data`, or the start of a line to parse the slow way.
///
/// One branch decides whether a line is well formed: its four separators come from the
/// bitmaps, the field lengths from their distances, and one 16-byte test from the first tab
/// checks that everything up to the newline is a digit or a tab. Every read is proven in
/// bounds by that test (the line's first tab is at least 24 bytes before the end), so the
/// loop has no bounds checks. Out of line, and with the run being summed in three registers
/// (no flag, no line offset: the line to blame for an error is found again when one
/// happens), everything the loop carries stays in registers.
///
/// `walker` is the walk's state for this `data`, kept from one call to the next (the offsets
/// walk resumes in the segment it listed instead of listing another).
#[inline(never)]
pub(crate) fn fast_lines<'a, E>(
    walker: &mut Walker<'a>,
    data: &'a [u8],
    pos: usize,
    runs: &mut Combiner<'a, E>,
    lines: &mut u64,
) -> Result<usize, ChunkError>
where
    E: FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
{
    match walker {
        #[cfg(target_arch = "x86_64")]
        Walker::Offsets(offsets) => {
            offsets.resume(pos);
            fast_lines_from(data, pos, offsets.as_mut(), runs, lines)
        }
        Walker::Bitmaps => fast_lines_from(data, pos, &mut Separators::from(data, pos), runs, lines),
    }
}

/// [`fast_lines`] with the separators from `seps`.
#[inline(always)]
fn fast_lines_from<'a, E>(
    data: &'a [u8],
    mut pos: usize,
    seps: &mut impl FourSeparators,
    runs: &mut Combiner<'a, E>,
    lines: &mut u64,
) -> Result<usize, ChunkError>
where
    E: FnMut(&'a [u8], u64) -> Result<(), LineErrorKind>,
{
    /// The length of no key: "no run yet".
    const NONE: usize = usize::MAX;
    let len = data.len();
    // The run being summed, as its key's start and length (NONE: no run) and its sum, and
    // where the run's last line so far starts when it came in (the slow path may have skipped
    // bad lines since; lines taken here follow one another, so after one is taken the run's
    // last line is the one before).
    let first = pos;
    let (mut key_at, mut key_len, mut sum, carried_at) = match runs.run.take() {
        Some((key, sum, at)) => (key.as_ptr(), key.len(), sum, at),
        None => (data.as_ptr(), NONE, 0, 0),
    };
    let last_line_before = |at: usize| if at == first { carried_at } else { line_start_before(data, at) };
    let mut n = 0u64;
    // Lines left to the per-line loop before sixteen at once are tried again (after sixteen
    // that could not all be vouched for, these are they).
    let mut one_by_one = 0u32;
    let result = loop {
        if one_by_one == 0 {
            match seps.peek_sixteen(pos) {
                Some(lines) => {
                    let from = lines.from;
                    let key_of = |i: usize| {
                        let at = from + lines.start[i] as usize;
                        &data[at..at + lines.key_len[i] as usize]
                    };
                    // SAFETY: as below (a key of length other than NONE is a slice for 'a).
                    let carried = |at, len| unsafe { std::slice::from_raw_parts(at, len) };
                    let mut same = lines.same;
                    if key_len != NONE && same_key(carried(key_at, key_len), key_of(0)) {
                        same |= 1;
                    }
                    let mut unsure = lines.unsure;
                    while unsure != 0 {
                        let i = unsure.trailing_zeros() as usize;
                        if !same_key(key_of(i - 1), key_of(i)) {
                            same &= !(1 << i);
                        }
                        unsure &= unsure - 1;
                    }
                    // Lines before the first new key go to the run carried in; only its sum can
                    // overflow (sixteen counts cannot), and then the per-line loop finds the line.
                    let starts = u32::from(!same) | 1 << 16;
                    let mut run_start = starts.trailing_zeros() as usize;
                    if run_start > 0 {
                        match sum.checked_add(lines.prefix[run_start - 1]) {
                            Some(total) => sum = total,
                            None => {
                                one_by_one = 16;
                                continue;
                            }
                        }
                    }
                    let mut failed = None;
                    while run_start < 16 {
                        let run_end =
                            (starts >> (run_start + 1) << (run_start + 1)).trailing_zeros() as usize;
                        if key_len != NONE {
                            let blame = || match run_start {
                                0 => last_line_before(pos),
                                i => from + lines.start[i - 1] as usize,
                            };
                            if let Err(err) = runs.emit_run(carried(key_at, key_len), sum, blame) {
                                failed = Some(err);
                                break;
                            }
                        }
                        let key = key_of(run_start);
                        (key_at, key_len) = (key.as_ptr(), key.len());
                        let before = if run_start > 0 { lines.prefix[run_start - 1] } else { 0 };
                        sum = lines.prefix[run_end - 1] - before;
                        run_start = run_end;
                    }
                    let end = from + lines.end as usize;
                    seps.take_sixteen();
                    if let Some(err) = failed {
                        key_len = NONE;
                        break Err(err);
                    }
                    n += 16;
                    pos = end;
                    continue;
                }
                None => one_by_one = 16,
            }
        }
        one_by_one -= 1;
        let Some([t1, t2, t3, newline]) = seps.next4(pos) else { break Ok(pos) };
        let start = pos;
        // Field lengths: the ngram at least 1, the year 1 to 9 digits (a u32), the count 1 to
        // 8 (the SWAR conversion), the volume at least 1; the numbers in the 15 bytes after
        // the first tab, which is a tab and at least 24 bytes before the end.
        let year = t2 - t1 - 1;
        let count_len = t3 - t2 - 1;
        let span = newline - t1 - 1;
        let odd = (t1 == start)
            | (year.wrapping_sub(1) >= 9)
            | (count_len.wrapping_sub(1) >= 8)
            | (newline - t3 < 2)
            | (span > 15)
            | (t1 + 24 > len)
            || data[t1] != TAB;
        if odd {
            break Ok(pos);
        }
        // SAFETY: t1 + 24 <= len, so 16 bytes from t1 + 1 and 8 from t2 + 1 (< t1 + 16) are
        // in `data`.
        let (digits_or_tabs, newlines) = unsafe { classify16(data.as_ptr().add(t1 + 1)) };
        // Bits 0..span digits or tabs, bit span the newline: with exactly two separators in
        // between, they are the two tabs.
        let end_bit = 1u32 << span;
        if (digits_or_tabs & (end_bit - 1)) | (newlines & end_bit) != (end_bit << 1) - 1 {
            break Ok(pos);
        }
        // SAFETY: as above.
        let word = u64::from_le(unsafe { data.as_ptr().add(t2 + 1).cast::<u64>().read_unaligned() });
        let count = digits_value((word ^ 0x3030_3030_3030_3030) << (8 * (8 - count_len)));
        // SAFETY: start <= t1 < len.
        let ngram = unsafe { data.get_unchecked(start..t1) };
        n += 1;
        // SAFETY: a key of length other than NONE is a slice of `data` or of the run
        // carried in (which lives for 'a).
        if key_len == ngram.len() && same_key(unsafe { std::slice::from_raw_parts(key_at, key_len) }, ngram) {
            match sum.checked_add(count) {
                Some(total) => sum = total,
                None => {
                    break Err(ChunkError {
                        offset: start,
                        kind: LineErrorKind::TotalOverflow { ngram: shown(ngram) },
                    })
                }
            }
        } else {
            if key_len != NONE {
                // SAFETY: as above.
                let key = unsafe { std::slice::from_raw_parts(key_at, key_len) };
                if let Err(err) = runs.emit_run(key, sum, || last_line_before(start)) {
                    key_len = NONE;
                    break Err(err);
                }
            }
            (key_at, key_len, sum) = (ngram.as_ptr(), ngram.len(), count);
        }
        pos = newline + 1;
    };
    if key_len != NONE {
        // SAFETY: as above.
        let key = unsafe { std::slice::from_raw_parts(key_at, key_len) };
        runs.run = Some((key, sum, last_line_before(pos)));
    }
    *lines += n;
    result
}

/// Which way the fast path finds a line's four separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// From 64-byte separator bitmaps, four `trailing_zeros` a line (any CPU).
    Bitmaps,
    /// From the offsets of every separator in a 16 KiB segment, written out first with
    /// AVX-512 (byte compares and two compresses of 16-bit offsets per 64 bytes), then read
    /// four a line: no dependency from one line's separators to the next, and no branch where
    /// a line crosses a block. x86-64 CPUs with AVX-512 F, BW and VBMI2 only (Intel since Ice
    /// Lake, AMD since Zen 4); elsewhere it is [`Walk::Bitmaps`].
    Offsets,
    /// The offsets, then sixteen lines at a time in AVX-512 lanes (`sixteen.rs`), line by line
    /// only where those cannot all be vouched for. Where the offsets run.
    SixteenLines,
}

impl Walk {
    /// The faster walk this CPU can run.
    pub fn best() -> Walk {
        Walk::SixteenLines.or_available()
    }

    /// `self` if this CPU can run it, else [`Walk::Bitmaps`].
    pub fn or_available(self) -> Walk {
        #[cfg(target_arch = "x86_64")]
        if self != Walk::Bitmaps
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            return self;
        }
        Walk::Bitmaps
    }
}

/// A walk's state over one chunk, kept across [`fast_lines`] calls.
pub(crate) enum Walker<'a> {
    Bitmaps,
    /// Boxed: 64 KiB of offsets, not moved on every call.
    #[cfg(target_arch = "x86_64")]
    Offsets(Box<Offsets<'a>>),
}

impl<'a> Walker<'a> {
    pub(crate) fn new(walk: Walk, data: &'a [u8]) -> Walker<'a> {
        match walk.or_available() {
            #[cfg(target_arch = "x86_64")]
            walk @ (Walk::Offsets | Walk::SixteenLines) => {
                Walker::Offsets(Box::new(Offsets::new(data, walk == Walk::SixteenLines)))
            }
            _ => Walker::Bitmaps,
        }
    }
}

/// A source of each line's four separators: given where the line starts, the offsets of the
/// first four separators at or after it, or `None` when it cannot say (the end of the data,
/// or a line longer than it looks ahead).
pub(crate) trait FourSeparators {
    fn next4(&mut self, line_start: usize) -> Option<[usize; 4]>;

    /// The sixteen lines from `line_start` on, when this walk reads lines sixteen at a time and
    /// can vouch for all of them ([`Walk::SixteenLines`]); taken with `take_sixteen`.
    #[inline(always)]
    fn peek_sixteen(&mut self, _line_start: usize) -> Option<&Sixteen> {
        None
    }

    /// Moves past the sixteen lines `peek_sixteen` gave.
    #[inline(always)]
    fn take_sixteen(&mut self) {}
}

impl FourSeparators for Separators<'_> {
    #[inline(always)]
    fn next4(&mut self, _line_start: usize) -> Option<[usize; 4]> {
        Separators::next4(self)
    }
}

/// How many bytes [`Offsets`] lists separators for at a time: 16 KiB of input and its
/// offsets (about 13 KB) stay in L1 together. Small in unit tests, so that lines cross
/// segments there (but big enough for sixteen short lines).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const SEGMENT: usize = if cfg!(test) { 1 << 10 } else { 16 << 10 };
// A listed offset has 14 bits (`sixteen::Offset`).
const _: () = assert!(SEGMENT <= 1 << 14);

/// [`Walk::Offsets`]: the offsets of every separator in a segment of the data, read four at
/// a time. A new segment starts at the line that did not fit in the last one.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Offsets<'a> {
    data: &'a [u8],
    /// The segment listed: `data[from..to]`.
    from: usize,
    to: usize,
    /// `offsets[next..listed]` are the separators not handed out yet, relative to `from`.
    next: usize,
    listed: usize,
    /// Segments listed so far (a test holds it to about one per segment of data).
    lists: usize,
    /// Sixteen lines taken at once, so far (tests check that they are).
    batches: usize,
    /// The sixteen lines read last.
    lines: Sixteen,
    /// Whether lines are read sixteen at a time ([`Walk::SixteenLines`]).
    sixteen: bool,
    /// Room for a separator at every byte, and for the 32 offsets the last compress writes.
    offsets: [std::mem::MaybeUninit<Offset>; SEGMENT + 32],
}

#[cfg(target_arch = "x86_64")]
impl<'a> Offsets<'a> {
    pub(crate) fn new(data: &'a [u8], sixteen: bool) -> Offsets<'a> {
        Offsets {
            data,
            from: 0,
            to: 0,
            next: 0,
            listed: 0,
            lists: 0,
            batches: 0,
            lines: Sixteen::default(),
            sixteen,
            offsets: [std::mem::MaybeUninit::uninit(); SEGMENT + 32],
        }
    }

    /// Picks up at `line_start` after lines the caller parsed itself: in the segment listed,
    /// the first separator at or after it is found again; past the segment, the next `next4`
    /// lists from there. (Listing anew at every call made each line the fast path stopped at
    /// cost 16 KiB of listing: a file of CRLF lines, all parsed the slow way, ran 13 times
    /// slower than with the bitmaps.)
    pub(crate) fn resume(&mut self, line_start: usize) {
        if (self.from..self.to).contains(&line_start) {
            // SAFETY: offsets[..listed] were written by `list`.
            let listed =
                unsafe { std::slice::from_raw_parts(self.offsets.as_ptr().cast::<Offset>(), self.listed) };
            // Searched from the segment's start: the line the fast path stopped at took four
            // separators, and some of them may be this line's.
            self.next =
                listed.partition_point(|&offset| self.from + ((offset & OFFSET_BITS) as usize) < line_start);
        } else {
            self.next = self.listed;
        }
    }

    /// Whether `wanted` separators from `line_start` on are listed, listing a segment from
    /// there when the one listed has fewer left (its last line goes on past it). A line that
    /// does not fit in a whole segment, and the data's last lines, are left to the caller.
    #[inline(always)]
    fn listed_from(&mut self, line_start: usize, wanted: usize) -> bool {
        if self.next + wanted <= self.listed {
            return true;
        }
        if self.to == self.data.len() {
            return false;
        }
        self.list(line_start);
        self.next + wanted <= self.listed
    }

    /// Lists the separators of the segment starting at `from`.
    #[inline(never)]
    fn list(&mut self, from: usize) {
        let to = (from + SEGMENT).min(self.data.len());
        // SAFETY: `Walk::Offsets` is only chosen when the CPU has AVX-512 F, BW and VBMI2 and
        // popcnt (`Walk::or_available`); `offsets` has room for SEGMENT + 32.
        self.listed = unsafe { separator_offsets(&self.data[from..to], self.offsets.as_mut_ptr().cast()) };
        (self.from, self.to, self.next) = (from, to, 0);
        self.lists += 1;
    }
}

#[cfg(target_arch = "x86_64")]
impl FourSeparators for Offsets<'_> {
    #[inline(always)]
    fn next4(&mut self, line_start: usize) -> Option<[usize; 4]> {
        if !self.listed_from(line_start, 4) {
            return None;
        }
        // SAFETY: offsets[..listed] were written by `list`, and next + 4 <= listed.
        let four = unsafe {
            let at = self.offsets.as_ptr().add(self.next).cast::<Offset>();
            [at.read(), at.add(1).read(), at.add(2).read(), at.add(3).read()]
        };
        self.next += 4;
        Some(four.map(|offset| self.from + (offset & OFFSET_BITS) as usize))
    }

    #[inline(always)]
    fn peek_sixteen(&mut self, line_start: usize) -> Option<&Sixteen> {
        // (Listing anew where fewer than sixteen lines' separators are left, instead of leaving
        // up to sixteen lines to the per-line loop at every segment's end.)
        if !self.sixteen || !self.listed_from(line_start, 64) {
            return None;
        }
        // SAFETY: `Walk::SixteenLines` is only chosen when the CPU has AVX-512 F, BW and VBMI2;
        // offsets[next..next + 64] were written by `list`, relative to `from`, and the first of
        // them is the first separator at or after `line_start` (`resume`, then four a line).
        let read = unsafe {
            sixteen_lines(
                &self.data[self.from..],
                (line_start - self.from) as u32,
                self.offsets.as_ptr().add(self.next).cast(),
                &mut self.lines,
            )
        };
        self.lines.from = self.from;
        read.then_some(&self.lines)
    }

    #[inline(always)]
    fn take_sixteen(&mut self) {
        self.next += 64;
        self.batches += 1;
    }
}

/// Writes the offset of every tab and newline in `segment` (in order, from 0) at `out`, and
/// returns how many: per 64 bytes, byte compares into 64-bit masks, then two compresses of
/// thirty-two 16-bit offsets each under its half of the mask, each stored whole (up to 32
/// lanes past the count, overwritten by the next) and the count advanced by that half's
/// population count. (Sixteen-bit offsets take half the compresses of 32-bit ones: the
/// listing went from 17% to 12% of the whole job's CPU time in `perf`.)
///
/// Each offset carries two tags: [`NEWLINE_TAG`] on a newline's, and [`NOT_DIGITS_TAG`] where
/// the field the separator ends (from the separator before it) holds a byte that is not a
/// digit, so that [`sixteen_lines`] can tell numbers without reading them. That second tag
/// takes one addition per 64 bytes: with the gaps between separators as runs of one bits,
/// adding the non-digit bits carries out of each run that holds one, into the separator
/// above it (and out of the word into the next, for a field that goes on).
///
/// # Safety
/// The CPU must have AVX-512 F, BW and VBMI2 and popcnt; `out` must have room for
/// `segment.len() + 32` offsets; `segment.len()` must be at most 2^14 (the bits of an
/// [`Offset`] below its tags).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
unsafe fn separator_offsets(segment: &[u8], out: *mut Offset) -> usize {
    use std::arch::x86_64::{
        _mm512_add_epi16, _mm512_cmpeq_epi8_mask, _mm512_cmplt_epu8_mask, _mm512_loadu_si512,
        _mm512_mask_add_epi16, _mm512_maskz_compress_epi16, _mm512_set1_epi16, _mm512_set1_epi8,
        _mm512_storeu_si512, _mm512_sub_epi8,
    };
    const LANES: [u16; 32] = {
        let mut lanes = [0u16; 32];
        let mut i = 0;
        while i < 32 {
            lanes[i] = i as u16;
            i += 1;
        }
        lanes
    };
    let mut listed = 0usize;
    let tab = _mm512_set1_epi8(TAB as i8);
    let newline = _mm512_set1_epi8(NEWLINE as i8);
    let newline_tag = _mm512_set1_epi16(NEWLINE_TAG as i16);
    let not_digits_tag = _mm512_set1_epi16(NOT_DIGITS_TAG as i16);
    let (zero, ten) = (_mm512_set1_epi8(b'0' as i8), _mm512_set1_epi8(10));
    // Whether the field open at the end of the last 64 bytes holds a byte that is not a digit.
    let mut carry = 0u64;
    // SAFETY: LANES is 64 readable bytes.
    let lanes = unsafe { _mm512_loadu_si512(LANES.as_ptr().cast()) };
    let whole = segment.len() / 64 * 64;
    let mut base = 0usize;
    while base < whole {
        // SAFETY (this block): base + 64 <= segment.len(); every store writes 32 offsets
        // at listed <= base, within the room the caller gives.
        unsafe {
            let bytes = _mm512_loadu_si512(segment.as_ptr().add(base).cast());
            let newlines = _mm512_cmpeq_epi8_mask(bytes, newline);
            let mask = _mm512_cmpeq_epi8_mask(bytes, tab) | newlines;
            let not_digits = !(_mm512_cmplt_epu8_mask(_mm512_sub_epi8(bytes, zero), ten) | mask);
            let carried = u128::from(!mask) + u128::from(not_digits) + u128::from(carry);
            carry = (carried >> 64) as u64;
            let tagged = carried as u64 & mask;
            let offsets = _mm512_add_epi16(lanes, _mm512_set1_epi16(base as i16));
            for half in 0..2 {
                let bits = (mask >> (32 * half)) as u32;
                let at = _mm512_add_epi16(offsets, _mm512_set1_epi16(32 * half as i16));
                // The tags are bits no offset has: adding them sets them.
                let at = _mm512_mask_add_epi16(at, (newlines >> (32 * half)) as u32, at, newline_tag);
                let at = _mm512_mask_add_epi16(at, (tagged >> (32 * half)) as u32, at, not_digits_tag);
                _mm512_storeu_si512(out.add(listed).cast(), _mm512_maskz_compress_epi16(bits, at));
                listed += bits.count_ones() as usize;
            }
        }
        base += 64;
    }
    let mut not_digits = carry != 0;
    for (at, &byte) in segment.iter().enumerate().skip(whole) {
        if byte == TAB || byte == NEWLINE {
            let tag =
                if byte == NEWLINE { NEWLINE_TAG } else { 0 } | if not_digits { NOT_DIGITS_TAG } else { 0 };
            // SAFETY: listed <= at < segment.len().
            unsafe { out.add(listed).write(at as Offset | tag) };
            listed += 1;
            not_digits = false;
        } else if !byte.is_ascii_digit() {
            not_digits = true;
        }
    }
    listed
}

/// Where the line before the one starting at `at` starts (the run's last line, to blame).
#[cold]
fn line_start_before(data: &[u8], at: usize) -> usize {
    memchr::memrchr(NEWLINE, &data[..at.saturating_sub(1)]).map_or(0, |i| i + 1)
}

/// For the 16 bytes at `at`: a bit per byte that is a digit or a tab, and a bit per newline.
/// SSE2: a range compare for digits, equalities for the separators, two movemasks.
///
/// # Safety
/// 16 bytes from `at` must be readable.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn classify16(at: *const u8) -> (u32, u32) {
    use std::arch::x86_64::{
        _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is always present on x86-64; the caller promises 16 readable bytes.
    unsafe {
        let v = _mm_loadu_si128(at.cast());
        // b + 0x50 maps '0'..='9' onto the 10 smallest signed bytes (-128..=-119).
        let digit = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x50)), _mm_set1_epi8(-118));
        let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(TAB as i8));
        let newline = _mm_cmpeq_epi8(v, _mm_set1_epi8(NEWLINE as i8));
        (_mm_movemask_epi8(_mm_or_si128(digit, tab)) as u32, _mm_movemask_epi8(newline) as u32)
    }
}

/// Elsewhere: the same bits from a plain loop.
///
/// # Safety
/// 16 bytes from `at` must be readable.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
unsafe fn classify16(at: *const u8) -> (u32, u32) {
    // SAFETY: the caller promises 16 readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(at, 16) };
    let (mut digits_or_tabs, mut newlines) = (0u32, 0u32);
    for (i, &b) in bytes.iter().enumerate() {
        digits_or_tabs |= u32::from(b.is_ascii_digit() || b == TAB) << i;
        newlines |= u32::from(b == NEWLINE) << i;
    }
    (digits_or_tabs, newlines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    /// Runs `fast_lines` from the start of `data`: where it stopped, the lines it took, and
    /// the runs it handed on (the open one flushed).
    /// Both walks must say the same.
    fn fast(data: &[u8]) -> (usize, u64, Vec<(String, u64)>) {
        let walk = |walk: Walk| {
            let mut emitted = Vec::new();
            let mut lines = 0;
            let mut runs = Combiner::new(|key: &[u8], sum| {
                emitted.push((String::from_utf8_lossy(key).into_owned(), sum));
                Ok(())
            });
            let stopped = fast_lines(&mut Walker::new(walk, data), data, 0, &mut runs, &mut lines).unwrap();
            runs.flush().unwrap();
            (stopped, lines, emitted)
        };
        let bitmaps = walk(Walk::Bitmaps);
        assert_eq!(walk(Walk::Offsets), bitmaps, "{:?}", String::from_utf8_lossy(data));
        assert_eq!(walk(Walk::SixteenLines), bitmaps, "{:?}", String::from_utf8_lossy(data));
        bitmaps
    }

    #[test]
    fn fast_lines_take_the_common_shape_and_stop_at_anything_else() {
        // The first tab of the last two lines is within 24 bytes of the end: left to the slow
        // path.
        let data = b"aardvark\t1822\t27\t3\naardvark\t1823\t12345678\t3\nnext\t1\t2\t3\nlast\t1\t2\t3\n";
        let (stopped, lines, runs) = fast(data);
        let next = data.windows(4).position(|w| w == b"next").unwrap();
        assert_eq!((stopped, lines), (next, 2));
        assert_eq!(runs, [("aardvark".to_string(), 12_345_705)]);
        let padding = "pad\t1\t2\t3\n".repeat(4);
        for bad in [
            "a\t1\t2\t3\r\n",
            "\t1\t2\t3\n",
            "a\t1\t2\n",
            "a\t1\t2\t3\t4\n",
            "a\t1\t\t3\n",
            "a\t\t2\t3\n",
            "a\t1\t2\t\n",
            "a\t1\t123456789\t3\n",
            "a\t1234567890\t1\t3\n",
            "a\t1\t2\t1234567890123\n",
            "a\t1\t2\t3x\n",
            "a\t-1\t2\t3\n",
            "a b\n",
        ] {
            let data = format!("{bad}{padding}");
            assert_eq!(fast(data.as_bytes()).0, 0, "{bad:?}");
            // After good lines, it stops at the bad one with the runs so far.
            let data = format!("ok\t1\t5\t1\nok\t2\t6\t1\n{bad}{padding}");
            let (stopped, lines, runs) = fast(data.as_bytes());
            assert_eq!((stopped, lines, runs), (18, 2, vec![("ok".to_string(), 11)]), "{bad:?}");
        }
        // Fifteen bytes of numbers after the first tab is the most it takes.
        let data = format!("w\t1234\t12345678\t1\n{padding}");
        assert_eq!(fast(data.as_bytes()).2[0], ("w".to_string(), 12_345_678));
        let data = format!("w\t1234\t12345678\t12\n{padding}");
        assert_eq!(fast(data.as_bytes()).0, 0);
    }

    /// Keys that make runs: of every length the key compares treat differently (up to 8
    /// bytes, up to 16, longer), some the same length and differing in one byte (first, last,
    /// the 17th, past it), and one longer than a segment under test (1 KiB).
    fn keys() -> Vec<String> {
        let mut keys: Vec<String> =
            ["a", "b", "aardvark", "aardvarK", "ångström", "k_NOUN", "sixteen_bytes_ab", "sixteen_bytes_aB"]
                .map(String::from)
                .to_vec();
        keys.push("a_key_longer_than_16_bytes".to_string());
        keys.push("a_key_longer_than_16_bytez".to_string());
        keys.push("Z_key_longer_than_16_bytes".to_string());
        // Seventeen bytes, differing in the last; and keys that differ only in trailing NULs
        // (equal as zero-padded words: only the lengths tell them apart).
        keys.push("seventeen_bytes_a".to_string());
        keys.push("seventeen_bytes_b".to_string());
        keys.push("a\0".to_string());
        keys.push("a\0\0".to_string());
        keys.push("long ".repeat(210));
        keys
    }

    /// A line as a damaged shard may have it: mostly well formed, numbers of every length the
    /// fast path treats differently, sometimes a field too few or too many, or a `\r`.
    fn line() -> impl Strategy<Value = String> {
        let number = prop_oneof![6 => "[0-9]{1,4}", 2 => "[0-9]{5,10}", 1 => "[0-9]{0,1}[x-]?"];
        let fields = prop_oneof![10 => Just(3usize), 1 => 2usize..5];
        let keys = keys();
        (0..keys.len(), prop::collection::vec(number, 4), fields, prop::bool::weighted(0.05)).prop_map(
            move |(key, numbers, fields, cr)| {
                let mut line = keys[key].clone();
                for number in numbers.iter().take(fields) {
                    line.push('\t');
                    line.push_str(number);
                }
                line.push_str(if cr { "\r\n" } else { "\n" });
                line
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Every walk hands on the same runs and gives the same line counts, skips and errors,
        /// across segments, long lines and bad lines. (On a CPU without AVX-512 they are all
        /// the bitmap walk, and this holds trivially.)
        #[test]
        fn both_walks_agree(lines in prop::collection::vec((line(), 0usize..30), 0..40), skip in any::<bool>()) {
            let data: String = lines.iter().map(|(line, repeat)| line.repeat(repeat + 1)).collect();
            let run = |walk: Walk| {
                let mut runs = Vec::new();
                let result = crate::ngram::map_chunk_runs_walking(walk, data.as_bytes(), skip, |key, sum| {
                    runs.push((key.to_vec(), sum));
                    Ok(())
                });
                (result, runs)
            };
            let bitmaps = run(Walk::Bitmaps);
            prop_assert_eq!(&run(Walk::Offsets), &bitmaps);
            prop_assert_eq!(&run(Walk::SixteenLines), &bitmaps);
            // And the fast path itself takes the same lines and stops at the same ones (a
            // stop is always safe, the slow path gives the same answer, so the answers alone
            // would not tell a walk that stops too often); except that the offsets walk
            // leaves a line longer than a segment to the slow path.
            let stops = |walk: Walk| {
                let data = data.as_bytes();
                let (mut pos, mut lines, mut stops) = (0, 0, Vec::new());
                let mut runs = Combiner::new(|_: &[u8], _| Ok(()));
                let mut walker = Walker::new(walk, data);
                while pos < data.len() {
                    pos = fast_lines(&mut walker, data, pos, &mut runs, &mut lines).unwrap();
                    stops.push(pos);
                    pos += memchr::memchr(NEWLINE, &data[pos..]).map_or(data.len(), |i| i + 1);
                }
                (stops, lines)
            };
            if data.split_inclusive('\n').all(|line| line.len() <= SEGMENT) {
                let bitmaps = stops(Walk::Bitmaps);
                prop_assert_eq!(&stops(Walk::Offsets), &bitmaps);
                // Sixteen lines at once may vouch for lines the per-line loop leaves to the slow
                // path (fields of up to 8 digits each, where the loop reads 15 bytes of numbers
                // in all): it stops only where the loop stops, and takes at least its lines.
                let sixteen = stops(Walk::SixteenLines);
                prop_assert!(sixteen.0.iter().all(|stop| bitmaps.0.contains(stop)), "{:?} {:?}", sixteen, bitmaps);
                prop_assert_eq!(sixteen.1 + sixteen.0.len() as u64, bitmaps.1 + bitmaps.0.len() as u64);
            }
        }
    }

    /// Lines the fast path stops at (here every line: CRLF) cost the offsets walks no new
    /// listing: they resume in the segment they have. (The sixteen-line walk lists again where
    /// fewer than sixteen lines' separators are left, so a little more often.)
    #[test]
    fn the_offsets_walks_list_each_segment_about_once() {
        let data = "word\t1999\t42\t7\r\n".repeat(300);
        let data = data.as_bytes();
        for (walk, most) in
            [(Walk::Offsets, data.len() / SEGMENT + 2), (Walk::SixteenLines, data.len() / (SEGMENT / 2) + 2)]
        {
            let mut walker = Walker::new(walk, data);
            let (mut pos, mut lines) = (0, 0);
            let mut runs = Combiner::new(|_: &[u8], _| Ok(()));
            while pos < data.len() {
                pos = fast_lines(&mut walker, data, pos, &mut runs, &mut lines).unwrap();
                pos += memchr::memchr(NEWLINE, &data[pos..]).map_or(data.len(), |i| i + 1);
            }
            assert_eq!(lines, 0, "a CRLF line is the slow path's");
            #[cfg(target_arch = "x86_64")]
            if let Walker::Offsets(offsets) = &walker {
                assert!(
                    offsets.lists <= most,
                    "{walk:?}: {} listings of {} bytes",
                    offsets.lists,
                    data.len()
                );
            }
            let _ = most;
        }
    }

    /// Runs handed on: key and sum.
    type Runs = Vec<(Vec<u8>, u64)>;

    /// Runs `fast_lines` over `data` with every walk, the slow path taking each line the fast
    /// path stops at; each walk's runs, lines and result, and how many times the sixteen-line
    /// walk took sixteen at once.
    fn every_walk(data: &[u8]) -> (Runs, Result<u64, ChunkError>, usize) {
        let run = |walk: Walk| {
            let mut runs = Vec::new();
            let mut walker = Walker::new(walk, data);
            let mut combiner = Combiner::new(|key: &[u8], sum| {
                runs.push((key.to_vec(), sum));
                Ok(())
            });
            let (mut pos, mut lines) = (0, 0u64);
            let result = loop {
                match fast_lines(&mut walker, data, pos, &mut combiner, &mut lines) {
                    Err(err) => break Err(err),
                    Ok(at) if at >= data.len() => break combiner.flush().map(|()| lines),
                    Ok(at) => {
                        let end = memchr::memchr(NEWLINE, &data[at..]).map_or(data.len(), |i| at + i);
                        let record = super::super::parse_line(&data[at..end]).unwrap();
                        lines += 1;
                        if let Err(err) = combiner.add(record.ngram, record.match_count, at) {
                            break Err(err);
                        }
                        pos = end + 1;
                    }
                }
            };
            #[cfg(target_arch = "x86_64")]
            let batches = match &walker {
                Walker::Offsets(offsets) => offsets.batches,
                Walker::Bitmaps => 0,
            };
            #[cfg(not(target_arch = "x86_64"))]
            let batches = 0;
            (runs, result, batches)
        };
        let bitmaps = run(Walk::Bitmaps);
        let offsets = run(Walk::Offsets);
        let sixteen = run(Walk::SixteenLines);
        assert_eq!((&offsets.0, &offsets.1), (&bitmaps.0, &bitmaps.1));
        assert_eq!((&sixteen.0, &sixteen.1), (&bitmaps.0, &bitmaps.1));
        (sixteen.0, sixteen.1, sixteen.2)
    }

    /// Where the CPU has AVX-512 the sixteen-line walk takes well-formed lines sixteen at a
    /// time, runs starting at every lane, and gives the per-line loop's answer.
    #[test]
    fn sixteen_lines_at_once_sum_runs_that_start_anywhere() {
        let mut data = String::new();
        let mut want: Vec<(Vec<u8>, u64)> = Vec::new();
        for (i, run_length) in [1u64, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 1, 1, 40].iter().enumerate() {
            let key = format!("{}{}", ["k", "key_of_16_bytes_", "a_key_longer_than_16_bytes_"][i % 3], i % 2);
            for line in 0..*run_length {
                data.push_str(&format!("{key}\t{}\t{}\t{}\n", 1900 + line, 12_345_678 - line, line));
            }
            let sum = (0..*run_length).map(|line| 12_345_678 - line).sum();
            match want.last_mut() {
                Some((last, total)) if *last == key.as_bytes() => *total += sum,
                _ => want.push((key.into_bytes(), sum)),
            }
        }
        let (runs, result, batches) = every_walk(data.as_bytes());
        assert_eq!(runs, want);
        assert_eq!(result.unwrap(), data.lines().count() as u64);
        if Walk::SixteenLines.or_available() == Walk::SixteenLines {
            assert!(batches >= 5, "{batches} batches of sixteen");
        }
    }

    /// A run carried into sixteen lines whose sum would overflow: the per-line loop takes the
    /// lines and blames the one that overflows, as every walk does.
    #[test]
    fn an_overflow_in_sixteen_lines_is_blamed_on_its_line() {
        let mut data = format!("big\t1\t{}\t1\n", u64::MAX - 100);
        for _ in 0..40 {
            data.push_str("big\t2\t10\t1\n");
        }
        let (_, result, _) = every_walk(data.as_bytes());
        let err = result.unwrap_err();
        // The eleventh line of 10 is the one past u64::MAX.
        let line = data.match_indices('\n').nth(10).unwrap().0 + 1;
        assert_eq!(err.offset, line);
        assert!(matches!(err.kind, LineErrorKind::TotalOverflow { .. }), "{err:?}");
    }

    /// A run the caller refuses is blamed on its last line, wherever in sixteen lines the run
    /// ends (the lane before the next run's first, or the line before the sixteen: the first
    /// runs end where sixteen lines do).
    #[test]
    fn a_refused_run_in_sixteen_lines_is_blamed_on_its_last_line() {
        let mut data = String::new();
        let mut last_lines = Vec::new();
        for (i, run_length) in [16, 16].into_iter().chain(1..=20).chain([16, 32, 1, 15]).enumerate() {
            for year in 0..run_length {
                last_lines.truncate(i);
                last_lines.push(data.len());
                data.push_str(&format!("key{i}\t{year}\t7\t1\n"));
            }
        }
        for (i, &last_line) in last_lines.iter().enumerate() {
            let refused = format!("key{i}");
            for walk in [Walk::Bitmaps, Walk::Offsets, Walk::SixteenLines] {
                let refuse = |key: &[u8], _| match key == refused.as_bytes() {
                    true => Err(LineErrorKind::TotalOverflow { ngram: refused.clone() }),
                    false => Ok(()),
                };
                let err =
                    crate::ngram::map_chunk_runs_walking(walk, data.as_bytes(), false, refuse).unwrap_err();
                assert_eq!(err.offset, last_line, "{refused} {walk:?}");
            }
        }
    }

    /// A number with a byte that is not a digit is found wherever the listing sees it: in 64
    /// bytes of a segment, or in the last few bytes after them (the tail, listed a byte at a
    /// time). Sixteen lines with such a line among them are left to the per-line loop.
    #[test]
    fn sixteen_lines_leave_a_bad_number_anywhere_to_the_slow_path() {
        for pad in 0..64 {
            for bad in ["3x", "x3", "-", "3 "] {
                let good = format!("k{}\t1\t2\t3\n", "p".repeat(pad));
                let data = format!("{}k\t1\t2\t{bad}\nk\t1\t2\t3\nk\t1\t2\t3\n", good.repeat(15));
                let run = |walk: Walk| {
                    let mut runs = Vec::new();
                    let stats =
                        crate::ngram::map_chunk_runs_walking(walk, data.as_bytes(), true, |key, sum| {
                            runs.push((key.to_vec(), sum));
                            Ok(())
                        });
                    (stats, runs)
                };
                let bitmaps = run(Walk::Bitmaps);
                assert_eq!(bitmaps.0.as_ref().unwrap().skipped, 1);
                assert_eq!(run(Walk::SixteenLines), bitmaps, "{pad} {bad:?}");
            }
        }
    }
}
