//! How the bytes of a big file reach a worker, on its own: through a memory map (page faults,
//! then `MADV_DONTNEED` after each chunk, as `Source::release` does), through a map of each
//! chunk alone with every page mapped at once (`populate`, unmapped after), or with `pread`
//! into a buffer each worker reuses. Both on W threads claiming 16 MiB chunks in order; one byte of
//! every page is read, so what is timed is reaching the bytes (faults, or the copy), not work
//! on them. Prints wall time and the peak resident set.
//!
//! `cargo run --release -p workload --example read_or_map -- FILE [map|populate|pread] [WORKERS]`

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const CHUNK: usize = 16 << 20;

/// One byte of every 4 KiB page: what it costs to reach the bytes, without the work on them.
fn sum(bytes: &[u8]) -> u64 {
    bytes.iter().step_by(4096).map(|&b| u64::from(b)).sum()
}

fn peak_rss_mb() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE");
    let mode = args.next().unwrap_or_else(|| "map".into());
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let file = File::open(&path).expect("the file opens");
    let len = file.metadata().expect("metadata").len() as usize;
    let chunks = len.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let map = (mode == "map").then(|| unsafe { memmap2::Mmap::map(&file) }.expect("the file maps"));
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut buffer = vec![0u8; CHUNK];
                    let mut total = 0u64;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks {
                            break total;
                        }
                        let (start, end) = (i * CHUNK, ((i + 1) * CHUNK).min(len));
                        match &map {
                            _ if mode == "populate" => {
                                // SAFETY: a read-only shared mapping of this chunk alone, all
                                // its pages mapped at once; unmapped when dropped.
                                let window = unsafe {
                                    memmap2::MmapOptions::new()
                                        .offset(start as u64)
                                        .len(end - start)
                                        .populate()
                                        .map(&file)
                                }
                                .expect("the chunk maps");
                                total += sum(&window);
                            }
                            Some(map) => {
                                total += sum(&map[start..end]);
                                // SAFETY: a read-only shared file mapping; DONTNEED drops our
                                // pages, a later read maps the file's bytes back.
                                let _ = unsafe {
                                    map.unchecked_advise_range(
                                        memmap2::UncheckedAdvice::DontNeed,
                                        start,
                                        end - start,
                                    )
                                };
                            }
                            None => {
                                file.read_exact_at(&mut buffer[..end - start], start as u64).expect("pread");
                                total += sum(&buffer[..end - start]);
                            }
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker")).sum()
    });
    println!(
        "{mode:5} {workers} workers: {:.3} s, {:.2} GB/s, peak RSS {:.0} MB (sum {total})",
        started.elapsed().as_secs_f64(),
        len as f64 / started.elapsed().as_secs_f64() / 1e9,
        peak_rss_mb()
    );
}
