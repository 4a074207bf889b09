//! Every criterion group in one bench binary (one fat-LTO link instead of four): `count`,
//! `ngram`, `overhead` and `chunk_size`, one file each. `BENCH_GROUPS=count,ngram` runs only
//! those (`benches::wanted`); `cargo bench -p benches -- ngram/` filters benchmarks as usual.

mod chunk_size;
mod count;
mod ngram;
mod overhead;

use criterion::{criterion_group, criterion_main};

criterion_group! { name = groups; config = benches::criterion(); targets = count::count, ngram::ngram, chunk_size::chunk_size }
criterion_group! {
    name = overhead_group;
    config = benches::criterion().sample_size(overhead::OVERHEAD_SAMPLES);
    targets = overhead::overhead
}
criterion_main!(groups, overhead_group);
