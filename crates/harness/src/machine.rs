//! What machine a figure was measured on: every figure names it.

use std::num::NonZeroUsize;

/// Cores this process may use (what `--workers` defaults to).
pub fn cores() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// The CPU's model name from /proc/cpuinfo, or the architecture where that is unavailable.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// One line: "AMD EPYC 7B13, 2 cores".
pub fn describe() -> String {
    format!("{}, {} cores", cpu_model(), cores())
}
