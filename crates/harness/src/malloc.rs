//! How the C allocator keeps freed blocks: in the heap, for the next allocation, rather than
//! each given back to the kernel.
//!
//! glibc serves a block over 128 KiB (a threshold that grows with what is freed, up to
//! 32 MiB) with its own `mmap`, and `munmap`s it when freed. The MapReduce engine's reduce
//! frees each partition's run buffers (about 150 KB each) as it builds the partition's table
//! (about 700 KB) from them: every buffer was unmapped (a TLB shootdown on every core) and
//! every table faulted in fresh, zeroed pages. With the threshold at its maximum from the
//! start, blocks up to 32 MiB come from the heap and the tables reuse the buffers' memory.
//! (Raising the trim threshold as well bought nothing more on the job, and `--model all`
//! then held 2.8 GB at its peak instead of 2.3 GB.)
//! On the full default shard (`harness ngram --model mapreduce --json`, 2 vCPU AMD EPYC,
//! file in the page cache, medians of 10 alternating runs): reduce 77 -> 64 ms, elapsed
//! 0.341 -> 0.330 s, process wall 0.366 -> 0.353 s, CPU 0.668 -> 0.654 s, the same peak RSS
//! (194 MB).
//!
//! Set once at the start of `main` (the worker processes the process model starts are this
//! binary too). Elsewhere than glibc, nothing is changed.

/// Raises glibc's `mmap` threshold to 32 MiB; says whether it could.
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // From <malloc.h>.
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        // SAFETY: mallopt only changes the allocator's parameters; called before any thread
        // is started. 32 MiB is the largest mmap threshold glibc takes on 64-bit.
        unsafe { mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

#[cfg(test)]
mod tests {
    /// glibc takes the setting (the CI machine is glibc Linux).
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_threshold() {
        assert!(super::keep_freed_memory());
    }
}
