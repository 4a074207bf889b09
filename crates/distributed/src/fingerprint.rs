//! Every process of a timely run must read the same input (or, with `--own-files`, each its
//! own, all of them saying so). Nothing in timely checks that: process 1 given a truncated
//! copy, another file or another order gave a plausible wrong total, exit 0 everywhere. So
//! each process sends every other one what it was given, and a difference fails them all
//! with a message saying what differs.

use workload::input::InputFile;
use workload::ngram::key_hash;

use crate::{Meta, INPUT};

/// What a process was given, sent to every other process: whether it reads its own files,
/// and per file its name, length and a fingerprint of 64 samples of 4 KiB spread over it (a
/// sample, not a checksum: cheap enough for every run, and it tells a truncated copy, another
/// file or another order of files from the right one). Processes that read shares of the
/// same files must agree on the lengths and fingerprints, in order; with `--own-files` they
/// must all have said so.
pub(crate) fn describe_input(inputs: &[InputFile]) -> Vec<u8> {
    let mut text = String::new();
    for file in inputs {
        let data = file.bytes();
        let sample = 4096.min(data.len());
        let mut fingerprint = data.len() as u64;
        for i in 0..64 {
            let at = (data.len() - sample) / 63 * i;
            fingerprint = fingerprint.rotate_left(7) ^ key_hash(&data[at..at + sample]);
        }
        text.push_str(&format!("{}\t{}\t{fingerprint:016x}\n", file.name(), data.len()));
    }
    text.into_bytes()
}

/// The same files in the same order, named as each process names them: (length, fingerprint).
fn same_input(a: &[u8], b: &[u8]) -> bool {
    let shape = |text: &[u8]| -> Vec<(Vec<u8>, Vec<u8>)> {
        text.split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut fields = l.rsplitn(3, |&c| c == b'\t');
                let fingerprint = fields.next().unwrap_or_default().to_vec();
                (fields.next().unwrap_or_default().to_vec(), fingerprint)
            })
            .collect()
    };
    shape(a) == shape(b)
}

/// Says, in the words of the first process that disagrees, how its input differs from
/// process 0's; `None` when every process was given what the run needs.
pub(crate) fn input_mismatch(meta: &[Meta], own_files: bool) -> Option<String> {
    let mut inputs: Vec<&Meta> = meta.iter().filter(|m| m.0 == INPUT).collect();
    inputs.sort_by_key(|m| m.2);
    let first = inputs.first()?;
    let list = |m: &Meta| {
        String::from_utf8_lossy(&m.1)
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                format!("{} ({} bytes, sample {})", f[0], f.get(1).unwrap_or(&"?"), f.get(2).unwrap_or(&"?"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for other in &inputs[1..] {
        if (other.3 == 1) != (first.3 == 1) {
            let with = if first.3 == 1 { first.2 } else { other.2 };
            let without = if first.3 == 1 { other.2 } else { first.2 };
            return Some(format!(
                "process {with} was started with --own-files and process {without} without it: \
                 give every process the same options"
            ));
        }
        if !own_files && !same_input(&first.1, &other.1) {
            return Some(format!(
                "the processes were not given the same input: process {} read [{}], process {} read [{}]; \
                 every process needs the same files in the same order (or --own-files)",
                first.2,
                list(first),
                other.2,
                list(other)
            ));
        }
    }
    None
}
