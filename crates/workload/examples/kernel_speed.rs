//! The map kernel's cost per line on input already in memory, as the partitioned map sees it:
//! the file's first 256 MiB cut into 256 KiB pieces at newlines, each copied into one reused
//! buffer and parsed there (no system calls, no page faults, no hash tables).
//!
//! `cargo run --release -p workload --example kernel_speed FILE [cached] [bitmaps|offsets|sixteen]`:
//! with `cached`, every piece is the first one, parsed where it already sits in cache (no copy
//! at all); `bitmaps`, `offsets` or `sixteen` picks how the fast path finds separators (`Walk`; the
//! default is the best this CPU has).

use std::time::Instant;

use workload::ngram::{map_chunk_runs_walking, Walk};

const PIECE: usize = 256 << 10;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path =
        std::env::args().nth(1).ok_or("usage: kernel_speed FILE [cached] [bitmaps|offsets|sixteen]")?;
    let words: Vec<String> = std::env::args().skip(2).collect();
    let cached = words.iter().any(|w| w == "cached");
    let walk = match words.iter().find(|w| ["bitmaps", "offsets", "sixteen"].contains(&w.as_str())) {
        Some(w) if w == "bitmaps" => Walk::Bitmaps,
        Some(w) if w == "offsets" => Walk::Offsets.or_available(),
        Some(_) => Walk::SixteenLines.or_available(),
        None => Walk::best(),
    };
    println!("walk: {walk:?}");
    let mut data = std::fs::read(&path)?;
    data.truncate(256 << 20);
    let last = memchr::memrchr(b'\n', &data).ok_or("no newline in the file")?;
    data.truncate(last + 1);
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let end = (at + PIECE).min(data.len());
        let end = match end == data.len() {
            true => end,
            false => at + memchr::memrchr(b'\n', &data[at..end]).ok_or("a line longer than a piece")? + 1,
        };
        pieces.push(at..end);
        at = end;
    }
    let mut buffer = vec![0u8; PIECE];
    if cached {
        let first = pieces[0].clone();
        pieces.iter_mut().for_each(|p| *p = first.clone());
        buffer[..first.len()].copy_from_slice(&data[first]);
    }
    let lines: usize = pieces.iter().map(|p| memchr::memchr_iter(b'\n', &data[p.clone()]).count()).sum();
    let bytes: usize = pieces.iter().map(|p| p.len()).sum();
    for round in 1..=5 {
        let clock = Instant::now();
        let (mut runs, mut check) = (0u64, 0u64);
        for piece in &pieces {
            let n = piece.len();
            if !cached {
                buffer[..n].copy_from_slice(&data[piece.clone()]);
            }
            map_chunk_runs_walking(walk, &buffer[..n], false, |key, sum| {
                check = check.wrapping_add(sum).wrapping_add(key.len() as u64);
                runs += 1;
                Ok(())
            })
            .map_err(|e| format!("{path}: byte {} of a piece: {}", e.offset, e.kind))?;
        }
        let s = clock.elapsed().as_secs_f64();
        println!(
            "round {round}: {s:.3} s, {:.2} ns/line, {:.2} GB/s ({runs} runs, checksum {check})",
            s * 1e9 / lines as f64,
            bytes as f64 / s / 1e9
        );
    }
    Ok(())
}
