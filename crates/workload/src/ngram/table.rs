//! A totals table that owns its keys: what the MapReduce engine keeps per partition.
//!
//! `Counts<'a>` borrows every key from the input, so the whole input must stay mapped (and
//! resident: 1.7 GB of RSS for the default shard) until the answer is gone. A `KeyTable`
//! copies each distinct key once into its own byte arena (about 40 MB for 4,000,000 keys),
//! after which the input pages can be released as soon as they are parsed.
//!
//! The table is hashbrown's `HashTable` of 16-byte slots (the count; the key's place in the
//! arena and 24 bits of its hash). Keeping hash bits in the slot means growing the table or
//! merging two tables never reads key bytes, except to confirm a match.

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;

use super::map::MergeOverflow;
use super::parse::shown;

/// A fixed hash of a key (the same in every thread and every process, unlike a randomly
/// seeded hasher): its low 32 bits choose the partition, its high 32 bits place the key in
/// its partition's table. Reads the key a word at a time and folds a 128-bit product, the
/// way wyhash and foldhash do; keys of up to 16 bytes (nearly all ngrams) take two loads and
/// two multiplications.
#[inline]
pub fn key_hash(key: &[u8]) -> u64 {
    const K1: u64 = 0x243f_6a88_85a3_08d3;
    const K2: u64 = 0x1319_8a2e_0370_7344;
    const K3: u64 = 0xa409_3822_299f_31d0;
    let len = key.len();
    let read8 = |at: usize| u64::from_le_bytes(key[at..at + 8].try_into().expect("8 bytes"));
    let read4 = |at: usize| u64::from(u32::from_le_bytes(key[at..at + 4].try_into().expect("4 bytes")));
    let mut seed = K3 ^ len as u64;
    let (a, b) = match len {
        0 => (0, 0),
        1..=3 => (u64::from(key[0]) << 16 | u64::from(key[len / 2]) << 8 | u64::from(key[len - 1]), 0),
        4..=8 => (read4(0), read4(len - 4)),
        9..=16 => (read8(0), read8(len - 8)),
        _ => {
            let mut at = 0;
            while at + 16 < len {
                seed = fold(read8(at) ^ K1, read8(at + 8) ^ seed);
                at += 16;
            }
            (read8(len - 16), read8(len - 8))
        }
    };
    fold(fold(a ^ K1, b ^ K2) ^ seed, K3)
}

/// The high and low halves of a 64x64-bit product, XORed: every input bit reaches every
/// output bit in one multiplication.
#[inline(always)]
fn fold(x: u64, y: u64) -> u64 {
    let product = u128::from(x) * u128::from(y);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Which of `partitions` a key with hash `hash` belongs to: a multiply-shift of the low 32
/// bits (no division).
#[inline]
pub fn partition_of_hash(hash: u64, partitions: usize) -> usize {
    ((u128::from(hash as u32) * partitions as u128) >> 32) as usize
}

/// The table's own hash from the 24 bits a slot keeps: spread over 64 bits so that both ends
/// (hashbrown takes the bucket from the low bits and a 7-bit tag from the top) vary.
#[inline(always)]
fn spread(high: u32) -> u64 {
    u64::from(high).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The top 24 bits of `key_hash`, the part a slot keeps.
#[inline(always)]
fn high_bits(hash: u64) -> u32 {
    (hash >> 40) as u32
}

/// One key's total and where its bytes are: 16 bytes. (With a separate 64-bit offset and
/// 32-bit length it was 24, and the tables of the default shard took 66 MB more.)
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Slot {
    count: u64,
    /// The key's place in the arena (high 40 bits) and 24 bits of its hash (low bits).
    place: u64,
}

impl Slot {
    #[inline(always)]
    fn new(count: u64, at: usize, high: u32) -> Slot {
        assert!(at < 1 << 40, "a key arena over 1 TiB");
        Slot { count, place: (at as u64) << 24 | u64::from(high) }
    }

    #[inline(always)]
    fn at(&self) -> usize {
        (self.place >> 24) as usize
    }

    #[inline(always)]
    fn high(&self) -> u32 {
        (self.place & 0xff_ffff) as u32
    }
}

/// Key bytes, one after another, each behind its length (LEB128: one byte below 128).
#[derive(Debug, Clone, Default)]
struct Arena(Vec<u8>);

/// As one byte string (not a sequence of numbers): a run buffer sent to another process
/// (timely's exchange) costs about a copy.
impl serde::Serialize for Arena {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Arena {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Arena, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Arena;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key arena's bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Arena, E> {
                Ok(Arena(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Arena, E> {
                Ok(Arena(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Arena, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element()? {
                    bytes.push(b);
                }
                Ok(Arena(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Bytes)
    }
}

impl Arena {
    /// Appends `key`; returns where it starts.
    #[inline(always)]
    fn push(&mut self, key: &[u8]) -> usize {
        let at = self.0.len();
        let mut len = key.len();
        while len >= 0x80 {
            self.0.push((len & 0x7f) as u8 | 0x80);
            len >>= 7;
        }
        self.0.push(len as u8);
        self.0.extend_from_slice(key);
        at
    }

    /// The key that starts at `at`.
    #[inline(always)]
    fn get(&self, at: usize) -> &[u8] {
        let mut len = 0usize;
        let mut shift = 0;
        let mut pos = at;
        loop {
            let byte = self.0[pos];
            pos += 1;
            len |= usize::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                break;
            }
            shift += 7;
        }
        &self.0[pos..pos + len]
    }
}

/// Totals per key, keys copied into the table's arena.
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    keys: Arena,
    slots: HashTable<Slot>,
}

impl KeyTable {
    pub fn new() -> KeyTable {
        KeyTable::default()
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Makes room for `keys` more keys of `key_bytes` arena bytes in all.
    pub fn reserve(&mut self, keys: usize, key_bytes: usize) {
        self.slots.reserve(keys, |slot| spread(slot.high()));
        self.keys.0.reserve(key_bytes);
    }

    /// Adds `count` to `key`'s total (`hash` is `key_hash(key)`), copying the key in if it is
    /// new. `Err` if the total would overflow `u64`; the total is then unchanged.
    #[inline]
    pub fn add(&mut self, key: &[u8], hash: u64, count: u64) -> Result<(), TotalOverflow> {
        self.add_slot(key, high_bits(hash), count)
    }

    #[inline(always)]
    fn add_slot(&mut self, key: &[u8], high: u32, count: u64) -> Result<(), TotalOverflow> {
        let keys = &mut self.keys;
        let entry = self.slots.entry(
            spread(high),
            |slot| slot.high() == high && keys.get(slot.at()) == key,
            |slot| spread(slot.high()),
        );
        match entry {
            Entry::Occupied(mut found) => {
                let slot = found.get_mut();
                slot.count = slot.count.checked_add(count).ok_or(TotalOverflow)?;
            }
            Entry::Vacant(vacant) => {
                vacant.insert(Slot::new(count, keys.push(key), high));
            }
        }
        Ok(())
    }

    /// The total for `key`, if it occurs.
    pub fn get(&self, key: &[u8]) -> Option<u64> {
        let high = high_bits(key_hash(key));
        self.slots
            .find(spread(high), |slot| slot.high() == high && self.keys.get(slot.at()) == key)
            .map(|slot| slot.count)
    }

    /// Calls `f` with every total and a way to read its key (the arena is only touched for
    /// the keys asked for).
    pub fn for_each_lazy<'s>(&'s self, mut f: impl FnMut(u64, &dyn Fn() -> &'s [u8])) {
        for slot in self.slots.iter() {
            f(slot.count, &|| self.keys.get(slot.at()));
        }
    }

    /// Every key with its total, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> + '_ {
        self.slots.iter().map(|slot| (self.keys.get(slot.at()), slot.count))
    }

    /// Folds `other` into `self`: the smaller table is walked and the larger one kept. Stored
    /// hashes mean no key is hashed again and only matching keys are compared.
    pub fn merge(&mut self, mut other: KeyTable) -> Result<(), MergeOverflow> {
        if other.len() > self.len() {
            std::mem::swap(self, &mut other);
        }
        self.reserve(other.len(), other.keys.0.len());
        for slot in other.slots.iter() {
            let key = other.keys.get(slot.at());
            self.add_slot(key, slot.high(), slot.count).map_err(|_| MergeOverflow { ngram: shown(key) })?;
        }
        Ok(())
    }

    /// Adds every run of `runs` (a worker's buffered output for this table's partition).
    pub fn absorb(&mut self, runs: &RunBuffer) -> Result<(), MergeOverflow> {
        for run in &runs.runs {
            let key = runs.keys.get(run.at());
            self.add_slot(key, run.high(), run.count).map_err(|_| MergeOverflow { ngram: shown(key) })?;
        }
        Ok(())
    }
}

/// Runs waiting to be aggregated: appended in the order they come, each key copied, nothing
/// hashed into a table yet. Appending is sequential memory traffic; the random access of a
/// table comes later, one partition at a time, when the partition's table fits in cache.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RunBuffer {
    keys: Arena,
    runs: Vec<Slot>,
}

/// Two buffers are equal when they hold the same runs in the same order.
impl PartialEq for RunBuffer {
    fn eq(&self, other: &RunBuffer) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl RunBuffer {
    pub fn new() -> RunBuffer {
        RunBuffer::default()
    }

    /// Appends one run (`hash` is `key_hash(key)`).
    #[inline]
    pub fn push(&mut self, key: &[u8], hash: u64, count: u64) {
        let at = self.keys.push(key);
        self.runs.push(Slot::new(count, at, high_bits(hash)));
    }

    /// Runs held.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Every run's key and sum, in the order they were pushed.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> + '_ {
        self.runs.iter().map(|run| (self.keys.get(run.at()), run.count))
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Arena bytes held (keys and their lengths).
    pub fn key_bytes(&self) -> usize {
        self.keys.0.len()
    }

    /// Makes room for `runs` more runs of `key_bytes` arena bytes in all.
    pub fn reserve(&mut self, runs: usize, key_bytes: usize) {
        self.runs.reserve(runs);
        self.keys.0.reserve(key_bytes);
    }

    /// Empties the buffer, keeping its memory for reuse.
    pub fn clear(&mut self) {
        self.keys.0.clear();
        self.runs.clear();
    }
}

/// A total that would not fit in a `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalOverflow;

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, u64)]) -> KeyTable {
        let mut t = KeyTable::new();
        for (key, count) in rows {
            t.add(key.as_bytes(), key_hash(key.as_bytes()), *count).unwrap();
        }
        t
    }

    #[test]
    fn adds_gets_and_iterates() {
        let t = table(&[("a", 1), ("aardvark", 2), ("a", 3), ("", 4), ("a long key of many bytes", 5)]);
        assert_eq!(t.len(), 4);
        assert_eq!(t.get(b"a"), Some(4));
        assert_eq!(t.get(b""), Some(4));
        assert_eq!(t.get(b"a long key of many bytes"), Some(5));
        assert_eq!(t.get(b"b"), None);
        let mut all: Vec<(Vec<u8>, u64)> = t.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        all.sort();
        assert_eq!(all.len(), 4);
        assert_eq!(all[1], (b"a".to_vec(), 4));
    }

    #[test]
    fn long_keys_keep_their_length() {
        let long = "x".repeat(300);
        let longer = "y".repeat(70_000);
        let t = table(&[(&long, 1), (&longer, 2), ("x", 3)]);
        assert_eq!(
            (t.get(long.as_bytes()), t.get(longer.as_bytes()), t.get(b"x")),
            (Some(1), Some(2), Some(3))
        );
        let mut lens: Vec<usize> = t.iter().map(|(k, _)| k.len()).collect();
        lens.sort();
        assert_eq!(lens, [1, 300, 70_000]);
    }

    #[test]
    fn merge_adds_and_refuses_to_overflow() {
        let mut left = table(&[("a", 1), ("b", 2)]);
        left.merge(table(&[("b", 3), ("c", 4), ("d", 5)])).unwrap();
        assert_eq!([left.get(b"a"), left.get(b"b"), left.get(b"c"), left.get(b"d")], [1, 5, 4, 5].map(Some));
        let err = left.merge(table(&[("a", u64::MAX)])).unwrap_err();
        assert_eq!(err, MergeOverflow { ngram: "a".into() });
        let mut t = table(&[("x", u64::MAX)]);
        assert_eq!(t.add(b"x", key_hash(b"x"), 1), Err(TotalOverflow));
        assert_eq!(t.get(b"x"), Some(u64::MAX));
    }

    #[test]
    fn buffered_runs_absorb_into_a_table() {
        let mut runs = RunBuffer::new();
        for (key, count) in [("a", 1), ("b", 2), ("a", 3)] {
            runs.push(key.as_bytes(), key_hash(key.as_bytes()), count);
        }
        assert_eq!((runs.len(), runs.key_bytes()), (3, 6));
        let mut t = table(&[("b", 10)]);
        t.reserve(runs.len(), runs.key_bytes());
        t.absorb(&runs).unwrap();
        assert_eq!((t.get(b"a"), t.get(b"b"), t.len()), (Some(4), Some(12), 2));
        runs.clear();
        assert!(runs.is_empty());
    }

    #[test]
    fn hash_depends_on_every_byte_and_the_length() {
        let keys: Vec<Vec<u8>> = (0..40).map(|n| vec![b'k'; n]).collect();
        let mut hashes: Vec<u64> = keys.iter().map(|k| key_hash(k)).collect();
        let mut base = b"abcdefghijklmnopqrstuvwxyz0123456789".to_vec();
        for i in 0..base.len() {
            base[i] ^= 1;
            hashes.push(key_hash(&base));
            base[i] ^= 1;
        }
        let n = hashes.len();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), n);
    }

    #[test]
    fn partitions_spread_evenly() {
        let mut counts = [0usize; 8];
        for i in 0..8000 {
            counts[partition_of_hash(key_hash(format!("word{i}").as_bytes()), 8)] += 1;
        }
        assert!(counts.iter().all(|&c| (850..1150).contains(&c)), "{counts:?}");
    }
}
