//! Three ways to write the count loop, timed side by side: the lesson behind the kernel every
//! model calls (`workload::count_to`).
//!
//! - **folded**: `while c < n { c += 1 }` as written. LLVM replaces the loop by `c = n`: a
//!   few nanoseconds whatever N is, so 4N takes as long as N.
//! - **through memory**: `c = black_box(c + 1)`. Every step runs, but the counter goes
//!   through a stack slot (a store and a load a step), so a step costs what the core's store
//!   forwarding costs at that moment.
//! - **in a register**: `c += 1` and an empty `asm!` that takes `c` in and out of a register
//!   (the shipped kernel). Every step runs, as `inc; cmp; jb`.
//!
//! Each round times every kernel at N and at 4N, in an order that alternates from round to
//! round (so a slow spell of the machine lands on every kernel alike); each kernel's figure
//! is its nanoseconds per step over the rounds (median, fastest, slowest) and its median
//! 4N/N ratio (4 for a loop that runs, 1 for a folded one).
//!
//! `cargo run --release -p workload --example count_kernels [N] [ROUNDS] [--json]`
//! (defaults: N = 100,000,000, 15 rounds); `--json` prints one object per kernel.

use std::hint::black_box;
use std::time::Instant;

/// The loop as written: LLVM folds it.
#[inline(never)]
fn folded(n: u64) -> u64 {
    let mut counter = 0u64;
    while counter < n {
        counter += 1;
    }
    counter
}

/// `black_box` inside the loop: the counter through a stack slot.
#[inline(never)]
fn through_memory(n: u64) -> u64 {
    let mut counter = 0u64;
    while counter < n {
        counter = black_box(counter + 1);
    }
    counter
}

struct Kernel {
    name: &'static str,
    run: fn(u64) -> u64,
    /// Nanoseconds per step at N, one per round.
    per_step: Vec<f64>,
    /// t(4N) / t(N), one per round.
    four_over_one: Vec<f64>,
    /// Seconds at N, one per round.
    at_n: Vec<f64>,
}

/// "31 ns", "27.3 ms".
fn human(seconds: f64) -> String {
    match seconds {
        s if s < 1e-6 => format!("{:.0} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s if s < 1.0 => format!("{:.1} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn seconds(run: fn(u64) -> u64, n: u64) -> f64 {
    let started = Instant::now();
    let result = run(black_box(n));
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(result, n, "a kernel must return N");
    elapsed
}

/// "AMD EPYC 7B13, 2 cores" from /proc/cpuinfo, where there is one.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let numbers: Vec<u64> = args
        .iter()
        .filter(|a| *a != "--json")
        .map(|a| a.replace('_', "").parse().expect("usage: count_kernels [N] [ROUNDS] [--json]"))
        .collect();
    let n = numbers.first().copied().unwrap_or(100_000_000).max(1);
    let rounds = numbers.get(1).copied().unwrap_or(15).max(1) as usize;
    let mut kernels = [
        Kernel { name: "folded", run: folded, per_step: vec![], four_over_one: vec![], at_n: vec![] },
        Kernel {
            name: "through memory",
            run: through_memory,
            per_step: vec![],
            four_over_one: vec![],
            at_n: vec![],
        },
        Kernel {
            name: "in a register",
            run: workload::count_to,
            per_step: vec![],
            four_over_one: vec![],
            at_n: vec![],
        },
    ];
    // Warm the core up (a vCPU may start slow) before any clock that counts.
    seconds(workload::count_to, n);
    for round in 0..rounds {
        let order: Vec<usize> =
            if round % 2 == 0 { (0..kernels.len()).collect() } else { (0..kernels.len()).rev().collect() };
        for index in order {
            let kernel = &mut kernels[index];
            let at_n = seconds(kernel.run, n);
            let at_4n = seconds(kernel.run, 4 * n);
            kernel.per_step.push(at_n * 1e9 / n as f64);
            kernel.four_over_one.push(at_4n / at_n);
            kernel.at_n.push(at_n);
        }
    }
    if !json {
        println!(
            "count kernels: {rounds} rounds of N = {n} and 4N, the kernels in alternating order, on {}",
            machine()
        );
        println!(
            "{:<16} {:>10} {:>8} {:>8} {:>8} {:>7} {:>10}",
            "kernel", "ns/step", "fastest", "slowest", "max/min", "4N/N", "at N"
        );
    }
    for k in &kernels {
        let fastest = k.per_step.iter().copied().fold(f64::INFINITY, f64::min);
        let slowest = k.per_step.iter().copied().fold(0.0, f64::max);
        let (per_step, ratio) = (median(&k.per_step), median(&k.four_over_one));
        if json {
            println!(
                "{{\"kernel\":\"{}\",\"to\":{n},\"rounds\":{rounds},\"ns_per_step\":{per_step},\"fastest_ns\":{fastest},\"slowest_ns\":{slowest},\"four_over_one\":{ratio},\"at_n_s\":{}}}",
                k.name,
                median(&k.at_n)
            );
        } else {
            println!(
                "{:<16} {:>10.4} {:>8.4} {:>8.4} {:>8.2} {:>7.2} {:>10}",
                k.name,
                per_step,
                fastest,
                slowest,
                slowest / fastest,
                ratio,
                human(median(&k.at_n))
            );
        }
    }
}
