//! Every process of a timely run must read the same input (or, with `--own-files`, each its
//! own, all of them saying so). Nothing in timely checks that: process 1 given a truncated
//! copy, another file or another order gave a plausible wrong total, exit 0 everywhere. So
//! each process sends every other one what it was given, and a difference fails them all
//! with a message saying what differs.

use workload::input::InputFile;
use workload::ngram::{key_hash, NgramOptions};

use crate::{Meta, Reduce, INPUT};
use workload::ngram::Chunking;
use workload::shown::escaped;

/// Between the options of a process's options line.
const SEPARATOR: &str = "\u{1f}";

/// What a process was given, sent to every other process: whether it reads its own files,
/// and per file its name, length and a fingerprint of 64 samples of 4 KiB spread over it (a
/// sample, not a checksum: cheap enough for every run, and it tells a truncated copy, another
/// file or another order of files from the right one). Processes that read shares of the
/// same files must agree on the lengths and fingerprints, in order; with `--own-files` they
/// must all have said so.
pub(crate) fn describe_input(inputs: &[InputFile], options: &NgramOptions, reduce: &Reduce) -> Vec<u8> {
    // The options that shape the chunk plan and the answer come first, as a line of their own,
    // each as the command line gives it (with a spread reduce, every process makes its share
    // of the top and the words, and writes its part of the output).
    let mut given = vec![
        match options.chunking {
            Chunking::Auto => "chunks of the default size".to_string(),
            Chunking::Bytes(b) => format!("--chunk-bytes {b}"),
            Chunking::Lines(l) => format!("--chunk-lines {l}"),
        },
        if options.skip_malformed { "--skip-malformed" } else { "no --skip-malformed" }.to_string(),
        format!("the {} job", options.kernel.job()),
        format!("--reduce {}", reduce.name()),
    ];
    if let Some(wanted) = reduce.wanted() {
        given.push(format!("--top {}", wanted.top));
        given.extend(wanted.words.iter().map(|w| format!("--word {}", escaped(w))));
        given.push(match &wanted.output {
            Some(output) => format!(
                "--output named {}",
                escaped(output.file_name().map_or(output.as_os_str(), |n| n).as_encoded_bytes())
            ),
            None => "no --output".to_string(),
        });
    }
    let mut text = format!("options\t{}\t-\n", given.join(SEPARATOR));
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

/// A process's description: its options line, and its file lines.
fn split(text: &[u8]) -> (String, Vec<String>) {
    let text = String::from_utf8_lossy(text);
    let mut lines = text.lines();
    let options = lines.next().unwrap_or_default().to_string();
    (options, lines.map(str::to_string).collect())
}

/// The same files in the same order, whatever each process calls them: (length, fingerprint).
fn same_files(a: &[String], b: &[String]) -> bool {
    let shape = |lines: &[String]| -> Vec<String> {
        lines.iter().map(|l| l.split_once('\t').map_or(l.as_str(), |(_, rest)| rest).to_string()).collect()
    };
    shape(a) == shape(b)
}

/// Says how the first process that disagrees differs from process 0; `None` when every
/// process was given what the run needs.
pub(crate) fn input_mismatch(meta: &[Meta], own_files: bool) -> Option<String> {
    let mut given: Vec<&Meta> = meta.iter().filter(|m| m.0 == INPUT).collect();
    given.sort_by_key(|m| m.2);
    let first = given.first()?;
    let (first_options, first_files) = split(&first.1);
    let list = |files: &[String]| {
        files
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                format!("{} ({} bytes, sample {})", f[0], f.get(1).unwrap_or(&"?"), f.get(2).unwrap_or(&"?"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for other in &given[1..] {
        let (options, files) = split(&other.1);
        if (other.3 == 1) != (first.3 == 1) {
            let with = if first.3 == 1 { first.2 } else { other.2 };
            let without = if first.3 == 1 { other.2 } else { first.2 };
            return Some(format!(
                "process {with} was started with --own-files and process {without} without it: \
                 give every process the same options"
            ));
        }
        if options != first_options {
            // Only the options that differ, in the words of the command line.
            let items = |o: &str| -> Vec<String> {
                o.split('\t').nth(1).unwrap_or_default().split(SEPARATOR).map(str::to_string).collect()
            };
            let (mine, theirs) = (items(&first_options), items(&options));
            let only = |a: &[String], b: &[String]| {
                let differ: Vec<&str> = a.iter().filter(|x| !b.contains(x)).map(String::as_str).collect();
                if differ.is_empty() {
                    "nothing more".to_string()
                } else {
                    differ.join(", ")
                }
            };
            return Some(format!(
                "the processes were not started with the same options: process {} has {}, process {} has {}; \
                 give every process the same options",
                first.2,
                only(&mine, &theirs),
                other.2,
                only(&theirs, &mine)
            ));
        }
        if !own_files && !same_files(&first_files, &files) {
            return Some(format!(
                "the processes were not given the same input: process {} read [{}], process {} read [{}]; \
                 every process needs the same files in the same order (or --own-files)",
                first.2,
                list(&first_files),
                other.2,
                list(&files)
            ));
        }
    }
    None
}
