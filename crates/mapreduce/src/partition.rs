//! Which partition a key belongs to: a hash of its bytes, fixed (the same in every worker
//! and every process, unlike the randomly seeded hasher inside each map), mapped onto
//! `0..partitions` by a multiply-shift instead of a division.

/// FNV-1a over the key's bytes, a final mix, then Lemire's multiply-shift onto `0..partitions`.
#[inline]
pub fn partition_of(key: &[u8], partitions: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in key {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // FNV's high bits mix poorly for short keys, and multiply-shift reads the high bits:
    // finish with MurmurHash3's 64-bit mixer so every input bit reaches them.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    ((u128::from(hash) * partitions as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_range_and_stable() {
        for r in [1, 2, 7, 16] {
            for key in [&b""[..], b"a", b"aardvark", "ångström".as_bytes()] {
                let p = partition_of(key, r);
                assert!(p < r);
                assert_eq!(p, partition_of(key, r));
            }
        }
    }

    #[test]
    fn spreads_keys() {
        let mut counts = [0usize; 8];
        for i in 0..8000 {
            counts[partition_of(format!("word{i}").as_bytes(), 8)] += 1;
        }
        assert!(counts.iter().all(|&c| (700..1300).contains(&c)), "{counts:?}");
    }
}
