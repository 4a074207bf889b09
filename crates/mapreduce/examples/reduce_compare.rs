//! The article's reduce against the engine's, on the same map output.
//!
//! `cargo run --release -p mapreduce --example reduce_compare -- FILE [CHUNK_LINES] [WORKERS]`
//!
//! The map step is the article's: one dict (here a `Counts` map) per chunk of CHUNK_LINES
//! lines (default 4,000,000, the article's `chunk_size`), mapped in parallel and not timed.
//! Then three ways to get from those maps to one answer, each timed on its own copy:
//!
//! 1. A Rust fold written the way the article's `functools.reduce(merge_dict, maps)` works:
//!    fold left from the first map, each step building a new map of the union of keys (the
//!    article's `merge_dict`). Every step copies everything merged so far, so the cost grows
//!    with the number of chunks times the number of keys. (Rust, not Python: the Python call
//!    itself is timed by `python/mapreduce.py`, whose record has `reduce_s`.)
//! 2. The same fold, in place: the smaller map is added into the larger (`merge_counts`).
//!    Serial still, but nothing is copied twice.
//! 3. The engine's way: every map cut into R partitions by key hash (the shuffle), then the
//!    R partitions reduced at once on WORKERS threads (no key is in two partitions).

use std::time::Instant;

use rayon::prelude::*;
use workload::chunk::split_by_lines;
use workload::input::InputFile;
use workload::ngram::{key_hash, map_chunk, merge_counts, partition_of_hash, Counts, KeyTable, RunBuffer};

/// The article's merge_dict: a new map with every key of both.
fn merge_dict<'a>(first: &Counts<'a>, second: &Counts<'a>) -> Counts<'a> {
    let mut merged = Counts::with_capacity(first.len().max(second.len()));
    for key in first.keys().chain(second.keys()) {
        merged.entry(*key).or_insert_with(|| first.get(key).unwrap_or(&0) + second.get(key).unwrap_or(&0));
    }
    merged
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let clock = Instant::now();
    let out = f();
    (out, clock.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: reduce_compare FILE [CHUNK_LINES] [WORKERS]")?;
    let chunk_lines: usize = args.next().map_or(Ok(4_000_000), |a| a.parse())?;
    let workers: usize = args.next().map_or(Ok(2), |a| a.parse())?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(workers).build()?;
    let input = InputFile::open(path.as_ref())?;
    let data = input.bytes();

    let (maps, map_s) = timed(|| {
        pool.install(|| {
            split_by_lines(data, chunk_lines.max(1))
                .into_par_iter()
                .map(|range| map_chunk(&data[range], false).map(|(counts, _)| counts))
                .collect::<Result<Vec<Counts<'_>>, _>>()
        })
    });
    let maps = maps.map_err(|e| format!("{path}: bad line at byte {}: {}", e.offset, e.kind))?;
    let keys: usize = maps.iter().map(Counts::len).sum();
    println!(
        "{path}: {} chunks of {chunk_lines} lines mapped in {map_s:.2} s ({keys} keys over all maps), {workers} workers",
        maps.len()
    );

    let copy = maps.clone();
    // reduce without an initial value, as the article calls it: the first map starts the fold.
    let (pairwise, pairwise_s) = timed(|| {
        let mut maps = copy.iter();
        let first = maps.next().cloned().unwrap_or_default();
        maps.fold(first, |acc, m| merge_dict(&acc, m))
    });

    let copy = maps.clone();
    let (in_place, in_place_s) = timed(|| {
        copy.into_iter().try_fold(Counts::new(), |mut acc, m| merge_counts(&mut acc, m).map(|()| acc))
    });
    let in_place = in_place.map_err(|e| format!("overflow for {}", e.ngram))?;

    let partitions = 4 * workers.max(1) * 8;
    let copy = maps.clone();
    let ((parts, shuffle_s), reduce_s) = {
        let (shuffled, shuffle_s) = timed(|| {
            pool.install(|| {
                copy.par_iter()
                    .map(|m| {
                        let mut out: Vec<RunBuffer> = (0..partitions).map(|_| RunBuffer::new()).collect();
                        for (key, total) in m {
                            let hash = key_hash(key);
                            out[partition_of_hash(hash, partitions)].push(key, hash, *total);
                        }
                        out
                    })
                    .collect::<Vec<_>>()
            })
        });
        let mut by_partition: Vec<Vec<RunBuffer>> = (0..partitions).map(|_| Vec::new()).collect();
        for buffers in shuffled {
            for (r, b) in buffers.into_iter().enumerate() {
                by_partition[r].push(b);
            }
        }
        timed(|| {
            let parts = pool.install(|| {
                by_partition
                    .into_par_iter()
                    .map(|buffers| {
                        let mut table = KeyTable::new();
                        table.reserve(
                            buffers.iter().map(RunBuffer::len).sum(),
                            buffers.iter().map(RunBuffer::key_bytes).sum(),
                        );
                        for b in &buffers {
                            table.absorb(b)?;
                        }
                        Ok(table)
                    })
                    .collect::<Result<Vec<KeyTable>, workload::ngram::MergeOverflow>>()
            });
            (parts, shuffle_s)
        })
    };
    let parts = parts.map_err(|e| format!("overflow for {}", e.ngram))?;

    // All three must give the same answer.
    let distinct: usize = parts.iter().map(KeyTable::len).sum();
    assert_eq!(pairwise, in_place, "the two folds disagree");
    assert_eq!(distinct, pairwise.len(), "the partitioned reduce has other keys");
    for (key, total) in &pairwise {
        let part = &parts[partition_of_hash(key_hash(key), partitions)];
        assert_eq!(part.get(key), Some(*total), "the partitioned reduce disagrees");
    }
    println!("{distinct} distinct ngrams; all three reduces agree");
    println!("  Rust, folded like functools.reduce(merge_dict), a new map each step: {pairwise_s:7.3} s");
    println!("  Rust, the same fold in place (smaller into larger):                 {in_place_s:7.3} s");
    println!(
        "  partitioned: shuffle {shuffle_s:.3} s + parallel reduce {reduce_s:.3} s ({partitions} partitions): {:7.3} s",
        shuffle_s + reduce_s
    );
    println!("  pairwise / partitioned: {:.1}x", pairwise_s / (shuffle_s + reduce_s));
    Ok(())
}
