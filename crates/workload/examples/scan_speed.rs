//! How fast one core turns shard bytes into runs, with and without the fast path.
//!
//! `cargo run --release -p workload --example scan_speed FILE` (file in page cache). Three
//! passes over the same bytes, no hash map involved:
//!
//! - `newlines`: memchr counting lines, the floor for anything that reads every byte;
//! - `line by line`: memchr per line, then `parse_line` (the kernel before the fast path);
//! - `kernel`: `map_chunk_runs` (the fast path, with the best `Walk` this CPU has; the
//!   combiner included).

use std::time::Instant;

use workload::ngram::{map_chunk_runs, parse_line};

fn timed(name: &str, bytes: usize, f: impl FnOnce() -> u64) {
    let clock = Instant::now();
    let result = f();
    let s = clock.elapsed().as_secs_f64();
    println!("{name:>13}: {s:6.3} s  {:5.2} GB/s  (checksum {result})", bytes as f64 / s / 1e9);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: scan_speed FILE")?;
    let input = workload::input::InputFile::open(path.as_ref())?;
    let data = input.bytes();
    timed("newlines", data.len(), || memchr::memchr_iter(b'\n', data).count() as u64);
    timed("line by line", data.len(), || {
        let mut total = 0u64;
        for line in data.split(|&b| b == b'\n') {
            if let Ok(record) = parse_line(line) {
                total = total.wrapping_add(record.match_count);
            }
        }
        total
    });
    timed("kernel", data.len(), || {
        let mut total = 0u64;
        map_chunk_runs(data, true, |_, sum| {
            total = total.wrapping_add(sum);
            Ok(())
        })
        .map(|_| total)
        .unwrap_or(0)
    });
    Ok(())
}
