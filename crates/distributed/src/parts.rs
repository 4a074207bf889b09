//! The spread reduce's output: every process writes the totals it reduced as one part file,
//! sorted by ngram bytes as the single `--output` file is; process 0 writes a manifest naming
//! every part with its size, line count and CRC-32; [`merge`] joins the parts into exactly
//! the single-process output by a k-way merge (the keys of two parts never meet: each key
//! is reduced in one partition), checking every part against the manifest as it reads.
//!
//! `--output out.tsv` on process P of N writes `out.tsv.part-P-of-N`; process 0 writes
//! `out.tsv.manifest`, whose part names are relative to its own folder (on a real cluster,
//! copy the parts beside it before merging).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use workload::output::{self, OutputFile};
use workload::shown::Shown;

/// The manifest's `format`, checked on reading.
pub const FORMAT: &str = "harness ngram parts 1";

/// One part as the manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartEntry {
    /// The file's name, in the manifest's folder.
    pub file: String,
    pub process: u64,
    pub bytes: u64,
    pub lines: u64,
    pub crc32: u32,
}

/// The manifest: what the merge must find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The single output the parts make, in the manifest's folder.
    pub output: String,
    pub processes: u64,
    /// Lines in all (distinct ngrams).
    pub distinct: u64,
    pub parts: Vec<PartEntry>,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Process `process`'s part of `output`.
pub fn part_path(output: &Path, process: usize, processes: usize) -> PathBuf {
    with_suffix(output, &format!(".part-{process}-of-{processes}"))
}

/// The manifest of `output`'s parts.
pub fn manifest_path(output: &Path) -> PathBuf {
    with_suffix(output, ".manifest")
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.shown(), |n| n.to_string_lossy().into_owned())
}

/// Writes `sorted` (ngram, total) pairs to `path` as `ngram TAB total` lines ([`output`]'s
/// rule: a file of its own, renamed into place when complete), and says what the manifest
/// must say of it.
pub fn write_part<'k>(
    path: &Path,
    process: usize,
    sorted: impl IntoIterator<Item = (&'k [u8], u64)>,
) -> Result<PartEntry, String> {
    let mut out = OutputFile::create(path)?;
    let mut crc = flate2::Crc::new();
    let mut lines = 0u64;
    let mut buffer = Vec::with_capacity(1 << 16);
    let written = (|| {
        for (ngram, total) in sorted {
            buffer.extend_from_slice(ngram);
            writeln!(buffer, "\t{total}")?;
            lines += 1;
            if buffer.len() >= 1 << 16 {
                crc.update(&buffer);
                out.write_all(&buffer)?;
                buffer.clear();
            }
        }
        crc.update(&buffer);
        out.write_all(&buffer)
    })();
    written.map_err(|e| format!("{}: {e}", path.shown()))?;
    out.commit()?;
    Ok(PartEntry {
        file: file_name(path),
        process: process as u64,
        bytes: crc.amount() as u64,
        lines,
        crc32: crc.sum(),
    })
}

/// Writes the manifest of `output`'s parts.
pub fn write_manifest(output: &Path, processes: usize, mut parts: Vec<PartEntry>) -> Result<PathBuf, String> {
    parts.sort_by_key(|p| p.process);
    let manifest = Manifest {
        format: FORMAT.into(),
        output: file_name(output),
        processes: processes as u64,
        distinct: parts.iter().map(|p| p.lines).sum(),
        parts,
    };
    let path = manifest_path(output);
    let mut out = OutputFile::create(&path)?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    writeln!(out, "{text}").map_err(|e| format!("{}: {e}", path.shown()))?;
    out.commit()?;
    Ok(path)
}

/// A manifest larger than this is not one of ours (a thousand processes' take 150 KB).
const MANIFEST_MAX_BYTES: u64 = 16 << 20;

/// `path` is a regular file (links followed), not a pipe, device or folder that reading
/// would hang on or never finish.
fn regular(path: &Path, what: &str) -> Result<std::fs::Metadata, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}{what}", path.shown()))?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file{what}", path.shown()));
    }
    Ok(meta)
}

/// Reads and checks a manifest.
pub fn read_manifest(path: &Path) -> Result<Manifest, String> {
    if regular(path, "")?.len() > MANIFEST_MAX_BYTES {
        return Err(format!("{}: larger than a manifest of harness ngram parts can be", path.shown()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.shown()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a manifest of harness ngram parts ({e})", path.shown()))?;
    if manifest.format != FORMAT {
        return Err(format!("{}: format {:?}, expected {FORMAT:?}", path.shown(), manifest.format));
    }
    if manifest.processes == 0 || manifest.parts.len() as u64 != manifest.processes {
        return Err(format!(
            "{}: says {} processes and names {} parts: a run writes one part per process, at least one",
            path.shown(),
            manifest.processes,
            manifest.parts.len()
        ));
    }
    let mut seen: Vec<u64> = manifest.parts.iter().map(|p| p.process).collect();
    seen.sort_unstable();
    if seen != (0..manifest.processes).collect::<Vec<_>>() {
        return Err(format!(
            "{}: names parts of processes {seen:?}, expected one for each of 0 to {}",
            path.shown(),
            manifest.processes.saturating_sub(1)
        ));
    }
    let bad = |name: &str| name.is_empty() || name.contains('/') || name == "." || name == "..";
    if let Some(part) = manifest.parts.iter().find(|p| bad(&p.file)) {
        return Err(format!("{}: part name {:?} is not a file name in its folder", path.shown(), part.file));
    }
    if bad(&manifest.output) {
        return Err(format!(
            "{}: output name {:?} is not a file name in its folder",
            path.shown(),
            manifest.output
        ));
    }
    Ok(manifest)
}

/// What [`merge`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub output: PathBuf,
    pub parts: usize,
    pub lines: u64,
    pub bytes: u64,
}

/// One part being read.
struct Reading {
    path: PathBuf,
    entry: PartEntry,
    reader: BufReader<File>,
    crc: flate2::Crc,
    lines: u64,
}

impl Reading {
    /// The next line (with its newline), or `None` at the end.
    fn next(&mut self) -> Result<Option<Vec<u8>>, String> {
        let mut line = Vec::new();
        let n =
            self.reader.read_until(b'\n', &mut line).map_err(|e| format!("{}: {e}", self.path.shown()))?;
        if n == 0 {
            return Ok(None);
        }
        self.crc.update(&line);
        self.lines += 1;
        let total = line.iter().position(|&b| b == b'\t').map(|tab| &line[tab + 1..line.len() - 1]);
        let is_total = |t: &[u8]| {
            std::str::from_utf8(t)
                .is_ok_and(|t| t.bytes().all(|b| b.is_ascii_digit()) && t.parse::<u64>().is_ok())
        };
        if line.last() != Some(&b'\n') || !total.is_some_and(is_total) {
            return Err(format!(
                "{}:{}: not an `ngram TAB total` line: the part was changed after the run",
                self.path.shown(),
                self.lines
            ));
        }
        Ok(Some(line))
    }
}

fn key(line: &[u8]) -> &[u8] {
    &line[..line.iter().position(|&b| b == b'\t').unwrap_or(line.len())]
}

/// Merges the parts `manifest` names into one file sorted by ngram (`out`, or the manifest's
/// output beside it): byte for byte the file one process writes. A part missing, of another
/// size, with another checksum or line count than the manifest says, or out of order, is an
/// error naming it, and nothing is written.
pub fn merge(manifest_file: &Path, out: Option<&Path>) -> Result<Merged, String> {
    let manifest = read_manifest(manifest_file)?;
    let beside = |name: &str| match manifest_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => folder.join(name),
        None => PathBuf::from(name),
    };
    let target = out.map(Path::to_path_buf).unwrap_or_else(|| beside(&manifest.output));
    let mut reading = Vec::new();
    for entry in &manifest.parts {
        let path = beside(&entry.file);
        regular(&path, &format!(" (a part named in {})", manifest_file.shown()))?;
        let file = File::open(&path)
            .map_err(|e| format!("{}: {e} (a part named in {})", path.shown(), manifest_file.shown()))?;
        let size = file.metadata().map_err(|e| format!("{}: {e}", path.shown()))?.len();
        if size != entry.bytes {
            return Err(format!(
                "{}: {size} bytes, {} says {}: the part was truncated or changed after the run",
                path.shown(),
                manifest_file.shown(),
                entry.bytes
            ));
        }
        reading.push(Reading {
            path,
            entry: entry.clone(),
            reader: BufReader::new(file),
            crc: flate2::Crc::new(),
            lines: 0,
        });
    }
    let mut inputs: Vec<PathBuf> = reading.iter().map(|r| r.path.clone()).collect();
    inputs.push(manifest_file.to_path_buf());
    output::check(&target, &inputs)?;

    let mut out_file = OutputFile::create(&target)?;
    let mut heap = BinaryHeap::new();
    // Ordered by ngram bytes (not by whole lines: a key byte below TAB would sort apart).
    for (i, part) in reading.iter_mut().enumerate() {
        if let Some(line) = part.next()? {
            heap.push(Reverse((key(&line).to_vec(), i, line)));
        }
    }
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut last: Option<(Vec<u8>, usize)> = None;
    while let Some(Reverse((_, i, line))) = heap.pop() {
        if let Some((previous, from)) = &last {
            if key(previous) >= key(&line) {
                let part = &reading[i];
                let what = if key(previous) == key(&line) { "is also in" } else { "comes before a line of" };
                return Err(format!(
                    "{}:{}: {:?} {what} {}: parts of one run hold each ngram once, in order",
                    part.path.shown(),
                    part.lines,
                    String::from_utf8_lossy(key(&line)),
                    reading[*from].path.shown()
                ));
            }
        }
        out_file.write_all(&line).map_err(|e| format!("{}: {e}", target.shown()))?;
        lines += 1;
        bytes += line.len() as u64;
        if let Some(next) = reading[i].next()? {
            heap.push(Reverse((key(&next).to_vec(), i, next)));
        }
        last = Some((line, i));
    }
    for part in &reading {
        if part.crc.sum() != part.entry.crc32 || part.lines != part.entry.lines {
            return Err(format!(
                "{}: {} lines with CRC-32 {:08x}, {} says {} lines with {:08x}: the part was changed after the run",
                part.path.shown(),
                part.lines,
                part.crc.sum(),
                manifest_file.shown(),
                part.entry.lines,
                part.entry.crc32
            ));
        }
    }
    if lines != manifest.distinct {
        return Err(format!(
            "{}: the parts hold {lines} lines and the manifest says {} distinct ngrams",
            manifest_file.shown(),
            manifest.distinct
        ));
    }
    out_file.commit()?;
    Ok(Merged { output: target, parts: reading.len(), lines, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> workload::testing::Scratch {
        workload::testing::Scratch::new("parts", name)
    }

    /// Three parts of `out.tsv` holding disjoint keys (every third key of 300, with a key
    /// byte below TAB among them), and the single file they make.
    fn three_parts(dir: &Path) -> (PathBuf, Vec<u8>) {
        let mut keys: Vec<Vec<u8>> = (0..300).map(|i| format!("k{i:03}").into_bytes()).collect();
        keys.push(b"k\x01".to_vec());
        keys.push(b"k".to_vec());
        keys.sort();
        let output = dir.join("out.tsv");
        let mut entries = Vec::new();
        for p in 0..3 {
            let mine: Vec<(&[u8], u64)> = keys
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 3 == p)
                .map(|(i, k)| (k.as_slice(), i as u64))
                .collect();
            entries.push(write_part(&part_path(&output, p, 3), p, mine).unwrap());
        }
        write_manifest(&output, 3, entries).unwrap();
        let single: Vec<u8> = keys
            .iter()
            .enumerate()
            .flat_map(|(i, k)| [k.clone(), format!("\t{i}\n").into_bytes()].concat())
            .collect();
        (manifest_path(&output), single)
    }

    #[test]
    fn merged_parts_are_the_single_file() {
        let dir = scratch("merge");
        let (manifest, single) = three_parts(&dir);
        let merged = merge(&manifest, None).unwrap();
        assert_eq!((merged.parts, merged.lines), (3, 302));
        assert_eq!(std::fs::read(dir.join("out.tsv")).unwrap(), single);
    }

    fn merge_error(dir: &Path, manifest: &Path) -> String {
        let out = dir.join("merged.tsv");
        let err = merge(manifest, Some(&out)).unwrap_err();
        assert!(!out.exists(), "nothing written on an error");
        err
    }

    #[test]
    fn a_truncated_changed_or_missing_part_is_named() {
        let dir = scratch("damaged");
        let (manifest, _) = three_parts(&dir);
        let part = part_path(&dir.join("out.tsv"), 1, 3);
        let good = std::fs::read(&part).unwrap();

        std::fs::write(&part, &good[..good.len() - 3]).unwrap();
        let err = merge_error(&dir, &manifest);
        assert!(err.contains("out.tsv.part-1-of-3") && err.contains("truncated or changed"), "{err}");

        let mut changed = good.clone();
        let at = changed.iter().position(|&b| b == b'\t').unwrap() + 1;
        changed[at] = if changed[at] == b'9' { b'8' } else { b'9' };
        std::fs::write(&part, &changed).unwrap();
        let err = merge_error(&dir, &manifest);
        assert!(err.contains("out.tsv.part-1-of-3") && err.contains("CRC-32"), "{err}");

        std::fs::remove_file(&part).unwrap();
        let err = merge_error(&dir, &manifest);
        assert!(err.contains("out.tsv.part-1-of-3") && err.contains("a part named in"), "{err}");
    }

    #[test]
    fn a_key_in_two_parts_or_out_of_order_is_named() {
        let dir = scratch("order");
        let output = dir.join("out.tsv");
        let a = write_part(&part_path(&output, 0, 2), 0, [(&b"apple"[..], 1), (b"pear", 2)]).unwrap();
        let b = write_part(&part_path(&output, 1, 2), 1, [(&b"pear"[..], 3)]).unwrap();
        write_manifest(&output, 2, vec![a, b]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("\"pear\" is also in"), "{err}");

        let a = write_part(&part_path(&output, 0, 2), 0, [(&b"pear"[..], 1), (b"apple", 2)]).unwrap();
        let b = write_part(&part_path(&output, 1, 2), 1, [(&b"zebra"[..], 3)]).unwrap();
        write_manifest(&output, 2, vec![a, b]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("out.tsv.part-0-of-2:2: \"apple\" comes before"), "{err}");
    }

    #[test]
    fn a_manifest_without_every_process_or_with_a_path_is_refused() {
        let dir = scratch("manifest");
        let output = dir.join("out.tsv");
        let a = write_part(&part_path(&output, 0, 2), 0, [(&b"apple"[..], 1)]).unwrap();
        write_manifest(&output, 2, vec![a.clone()]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("says 2 processes and names 1 parts"), "{err}");
        write_manifest(&output, 2, vec![a.clone(), a.clone()]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("names parts of processes [0, 0], expected one for each of 0 to 1"), "{err}");

        // A count of processes no run has (and that must not be allocated), or none.
        for processes in ["1000000000000", "0"] {
            write_manifest(&output, 1, vec![a.clone()]).unwrap();
            let text = std::fs::read_to_string(manifest_path(&output)).unwrap();
            std::fs::write(
                manifest_path(&output),
                text.replace("\"processes\": 1,", &format!("\"processes\": {processes},")),
            )
            .unwrap();
            let err = merge_error(&dir, &manifest_path(&output));
            assert!(err.contains(&format!("says {processes} processes and names 1 parts")), "{err}");
        }

        let b = PartEntry { file: "../elsewhere".into(), process: 1, ..a.clone() };
        write_manifest(&output, 2, vec![a, b]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("\"../elsewhere\" is not a file name in its folder"), "{err}");

        std::fs::write(manifest_path(&output), "{}").unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("not a manifest of harness ngram parts"), "{err}");
    }

    /// Reading a pipe or a device would hang or never end: only regular files are read.
    #[cfg(unix)]
    #[test]
    fn a_manifest_or_part_that_is_not_a_regular_file_is_refused() {
        let dir = scratch("special");
        let err = merge_error(&dir, Path::new("/dev/zero"));
        assert!(err.contains("/dev/zero: not a regular file"), "{err}");

        let output = dir.join("out.tsv");
        let a = write_part(&part_path(&output, 0, 1), 0, [(&b"apple"[..], 1)]).unwrap();
        std::fs::remove_file(part_path(&output, 0, 1)).unwrap();
        std::os::unix::fs::symlink("/dev/zero", part_path(&output, 0, 1)).unwrap();
        write_manifest(&output, 1, vec![PartEntry { bytes: 0, ..a }]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("out.tsv.part-0-of-1: not a regular file (a part named in"), "{err}");
    }

    /// A manifest and parts that agree with each other still have to hold `ngram TAB total`
    /// lines, as many as the manifest's distinct.
    #[test]
    fn lines_that_are_not_totals_or_a_wrong_distinct_are_refused() {
        let dir = scratch("lines");
        let output = dir.join("out.tsv");
        let a = write_part(&part_path(&output, 0, 1), 0, [(&b"ABA\tnotanumber"[..], 1)]).unwrap();
        write_manifest(&output, 1, vec![a]).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("out.tsv.part-0-of-1:1: not an `ngram TAB total` line"), "{err}");

        let a = write_part(&part_path(&output, 0, 1), 0, [(&b"apple"[..], 1), (b"pear", 2)]).unwrap();
        write_manifest(&output, 1, vec![a]).unwrap();
        let text = std::fs::read_to_string(manifest_path(&output)).unwrap();
        std::fs::write(manifest_path(&output), text.replace("\"distinct\": 2,", "\"distinct\": 3,")).unwrap();
        let err = merge_error(&dir, &manifest_path(&output));
        assert!(err.contains("the parts hold 2 lines and the manifest says 3 distinct ngrams"), "{err}");
    }
}
