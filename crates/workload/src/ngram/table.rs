//! A totals table that owns its keys: what the MapReduce engine keeps per partition.
//!
//! `Counts<'a>` borrows every key from the input, so the whole input must stay mapped (and
//! resident: 1.7 GB of RSS for the default shard) until the answer is gone. A `KeyTable`
//! copies each distinct key once into its own byte arena (about 40 MB for 4,000,000 keys),
//! after which the input pages can be released as soon as they are parsed.
//!
//! The table is a dense vector of 16-byte slots (the count; the key's place in the arena and
//! 24 bits of its hash) under hashbrown's `HashTable` of slot numbers. Keeping hash bits in the
//! slot means growing the table or merging two tables never reads key bytes, except to confirm
//! a match.

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
        // (The last place would be `Slot::DEAD`'s.)
        assert!(at < (1 << 40) - 1, "a key arena of 1 TiB");
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
///
/// The totals sit in a dense vector of 16-byte slots (the count; the key's place in the arena
/// and 24 bits of its hash), found through a hash index of 4-byte slot numbers. So a table can
/// take over a run buffer whole ([`KeyTable::from_runs`]: its arena and its slots, already in
/// this layout), and only the index is new memory. The reduce builds each partition's table
/// that way from the largest buffer it gets; before, it copied every run into a table of
/// 16-byte hash slots at under half load. On the full default shard (`harness ngram --model
/// mapreduce --json`, 2 vCPU AMD EPYC, alternating, medians of 10): reduce 64 -> 44 ms,
/// elapsed 0.327 -> 0.305 s, process wall 0.354 -> 0.324 s, peak RSS 194 -> 159 MB (timely, 1
/// process x 2 workers: 192 -> 156 MB; process 0 of two: 245 -> 215 MB).
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    keys: Arena,
    /// Every key's total; a slot whose key proved to be another's when the table took over a
    /// run buffer is dead ([`Slot::DEAD`]) and skipped.
    slots: Vec<Slot>,
    /// Live slots.
    live: usize,
    /// The slot number of each live key, by the key's hash.
    index: HashTable<u32>,
}

impl Slot {
    /// The place of a slot that holds no key.
    const DEAD: u64 = u64::MAX;
}

impl KeyTable {
    pub fn new() -> KeyTable {
        KeyTable::default()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Makes room for `keys` more keys of `key_bytes` arena bytes in all.
    pub fn reserve(&mut self, keys: usize, key_bytes: usize) {
        self.index.reserve(keys, rehash(&self.slots));
        self.slots.reserve(keys);
        self.keys.0.reserve(key_bytes);
    }

    /// A table of the runs in `runs`, taking over its memory: its arena and slots become the
    /// table's, each run's slot the key's (or, for a key already seen, added to that one's
    /// and left dead), and only the index is built. `extra_keys` and `extra_bytes` reserve room
    /// for what will be added after.
    pub fn from_runs(
        runs: RunBuffer,
        extra_keys: usize,
        extra_bytes: usize,
    ) -> Result<KeyTable, MergeOverflow> {
        let RunBuffer { keys, runs: mut slots } = runs;
        let mut index: HashTable<u32> = HashTable::with_capacity(slots.len() + extra_keys);
        let mut live = 0;
        for i in 0..slots.len() {
            let slot = slots[i];
            let (high, key) = (slot.high(), keys.get(slot.at()));
            let entry = index.entry(spread(high), holds(&keys, &slots, high, key), rehash(&slots));
            match entry {
                Entry::Occupied(found) => {
                    let first = &mut slots[*found.get() as usize];
                    first.count = first
                        .count
                        .checked_add(slot.count)
                        .ok_or_else(|| MergeOverflow { ngram: shown(key) })?;
                    slots[i].place = Slot::DEAD;
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(slot_number(i));
                    live += 1;
                }
            }
        }
        let mut table = KeyTable { keys, slots, live, index };
        table.slots.reserve(extra_keys);
        table.keys.0.reserve(extra_bytes);
        Ok(table)
    }

    /// Adds `count` to `key`'s total (`hash` is `key_hash(key)`), copying the key in if it is
    /// new. `Err` if the total would overflow `u64`; the total is then unchanged.
    #[inline]
    pub fn add(&mut self, key: &[u8], hash: u64, count: u64) -> Result<(), TotalOverflow> {
        self.add_slot(key, high_bits(hash), count)
    }

    #[inline(always)]
    fn add_slot(&mut self, key: &[u8], high: u32, count: u64) -> Result<(), TotalOverflow> {
        let (keys, slots) = (&mut self.keys, &mut self.slots);
        let entry = self.index.entry(spread(high), holds(keys, slots, high, key), rehash(slots));
        match entry {
            Entry::Occupied(found) => {
                let slot = &mut slots[*found.get() as usize];
                slot.count = slot.count.checked_add(count).ok_or(TotalOverflow)?;
            }
            Entry::Vacant(vacant) => {
                vacant.insert(slot_number(slots.len()));
                slots.push(Slot::new(count, keys.push(key), high));
                self.live += 1;
            }
        }
        Ok(())
    }

    /// The live slots.
    fn live_slots(&self) -> impl Iterator<Item = &Slot> + '_ {
        self.slots.iter().filter(|slot| slot.place != Slot::DEAD)
    }

    /// The total for `key`, if it occurs.
    pub fn get(&self, key: &[u8]) -> Option<u64> {
        let high = high_bits(key_hash(key));
        self.index
            .find(spread(high), holds(&self.keys, &self.slots, high, key))
            .map(|&i| self.slots[i as usize].count)
    }

    /// Calls `f` with every total and a way to read its key (the arena is only touched for
    /// the keys asked for).
    pub fn for_each_lazy<'s>(&'s self, mut f: impl FnMut(u64, &dyn Fn() -> &'s [u8])) {
        for slot in self.live_slots() {
            f(slot.count, &|| self.keys.get(slot.at()));
        }
    }

    /// Every key with its total, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> + '_ {
        self.live_slots().map(|slot| (self.keys.get(slot.at()), slot.count))
    }

    /// Folds `other` into `self`: the smaller table is walked and the larger one kept. Stored
    /// hashes mean no key is hashed again and only matching keys are compared.
    pub fn merge(&mut self, mut other: KeyTable) -> Result<(), MergeOverflow> {
        if other.len() > self.len() {
            std::mem::swap(self, &mut other);
        }
        self.reserve(other.len(), other.keys.0.len());
        for slot in other.live_slots() {
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

/// The index's test for slot number `i`: does it hold `key` (whose hash bits are `high`)?
#[inline(always)]
fn holds<'t>(keys: &'t Arena, slots: &'t [Slot], high: u32, key: &'t [u8]) -> impl Fn(&u32) -> bool + 't {
    move |&i| {
        let slot = &slots[i as usize];
        slot.high() == high && keys.get(slot.at()) == key
    }
}

/// The index's hash of slot number `i`, from the hash bits the slot keeps.
#[inline(always)]
fn rehash(slots: &[Slot]) -> impl Fn(&u32) -> u64 + '_ {
    move |&i| spread(slots[i as usize].high())
}

/// A slot's number in the index (a table holds fewer than 2^32 slots).
#[inline(always)]
fn slot_number(i: usize) -> u32 {
    u32::try_from(i).expect("a table of 2^32 slots")
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

    fn buffer(rows: &[(&str, u64)]) -> RunBuffer {
        let mut runs = RunBuffer::new();
        for (key, count) in rows {
            runs.push(key.as_bytes(), key_hash(key.as_bytes()), *count);
        }
        runs
    }

    /// A table that takes over a run buffer holds each key once with its runs summed (the
    /// repeated runs left dead, not counted, not listed), and goes on taking keys after.
    #[test]
    fn a_table_takes_over_a_run_buffer() {
        let runs = buffer(&[("a", 1), ("b", 2), ("a", 3), ("ångström", 4), ("b", 5), ("a", 6)]);
        let mut t = KeyTable::from_runs(runs, 2, 8).unwrap();
        assert_eq!(
            (t.len(), t.get(b"a"), t.get(b"b"), t.get("ångström".as_bytes())),
            (3, Some(10), Some(7), Some(4))
        );
        t.absorb(&buffer(&[("c", 1), ("a", 1)])).unwrap();
        t.add(b"d", key_hash(b"d"), 9).unwrap();
        let mut all: Vec<(Vec<u8>, u64)> = t.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        all.sort();
        let want: Vec<(Vec<u8>, u64)> = [("a", 11), ("b", 7), ("c", 1), ("d", 9), ("ångström", 4)]
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .to_vec();
        assert_eq!(all, want);
        assert_eq!(t.len(), 5);
        let mut lazy = Vec::new();
        t.for_each_lazy(|total, key| lazy.push((key().to_vec(), total)));
        lazy.sort();
        assert_eq!(lazy, want);
        // Merged both ways round, the dead slots stay out.
        let mut other = table(&[("a", 1), ("z", 2)]);
        other.merge(t.clone()).unwrap();
        assert_eq!((other.len(), other.get(b"a"), other.get(b"z")), (6, Some(12), Some(2)));
        let err = KeyTable::from_runs(buffer(&[("x", u64::MAX), ("y", 1), ("x", 1)]), 0, 0).unwrap_err();
        assert_eq!(err, MergeOverflow { ngram: "x".into() });
        assert!(KeyTable::from_runs(RunBuffer::new(), 0, 0).unwrap().is_empty());
    }

    proptest::proptest! {
        /// Whatever the runs, a table that takes over the first buffer and absorbs the rest
        /// gives the totals a map gives.
        #[test]
        fn taking_over_and_absorbing_give_the_totals(
            buffers in proptest::collection::vec(proptest::collection::vec((0usize..12, 0u64..1000), 0..60), 1..4),
        ) {
            let keys = ["", "a", "b", "aa", "ab", "k_NOUN", "ångström", "sixteen_bytes_ab", "seventeen_bytes_a", "x", "y", "z"];
            let mut want = std::collections::BTreeMap::<Vec<u8>, u64>::new();
            let mut made: Vec<RunBuffer> = Vec::new();
            for rows in &buffers {
                let mut runs = RunBuffer::new();
                for &(key, count) in rows {
                    runs.push(keys[key].as_bytes(), key_hash(keys[key].as_bytes()), count);
                    *want.entry(keys[key].as_bytes().to_vec()).or_default() += count;
                }
                made.push(runs);
            }
            let mut made = made.into_iter();
            let mut t = KeyTable::from_runs(made.next().unwrap(), 0, 0).unwrap();
            for runs in made {
                t.absorb(&runs).unwrap();
            }
            let got: std::collections::BTreeMap<Vec<u8>, u64> = t.iter().map(|(k, v)| (k.to_vec(), v)).collect();
            proptest::prop_assert_eq!(t.len(), want.len());
            proptest::prop_assert_eq!(&got, &want);
            for (key, total) in &want {
                proptest::prop_assert_eq!(t.get(key), Some(*total));
            }
        }
    }
}
