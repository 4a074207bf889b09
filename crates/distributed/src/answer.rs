//! The spread reduce's answer. The totals stay with the processes that reduced them; each
//! process works out its share of the answer from its own partitions (distinct, total, its
//! top, the probe words: its keys are no other process's), writes its part of `--output`,
//! and sends the share alone to process 0, which puts the shares together
//! ([`SpreadAnswer::merge`]) and writes the parts' manifest.

use workload::ngram::{KeyTable, NgramOutput, SpreadAnswer, Totals};
use workload::{NgramError, WorkerFailure};

use crate::parts::{self, PartEntry};
use crate::{Cluster, Wanted};

/// What one process of a spread reduce sends process 0: its share of the answer, and its
/// part of the output (or why it could not write it).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ProcessAnswer {
    pub(crate) process: u64,
    pub(crate) answer: SpreadAnswer,
    pub(crate) part: Option<Result<PartEntry, String>>,
}

/// A process's reduced partitions, gathered from its workers: the last to arrive answers
/// for the process (see `answer_for_process`).
#[derive(Default)]
pub(crate) struct Deposit {
    pub(crate) tables: Vec<(u64, KeyTable)>,
    pub(crate) arrived: usize,
}

/// Process 0's answer of a spread reduce, from every process's share; with `--output`, the
/// manifest of the parts the processes wrote.
pub(crate) fn spread_answer(
    answers: Vec<ProcessAnswer>,
    wanted: &Wanted,
    cluster: &Cluster,
) -> Result<SpreadAnswer, NgramError> {
    let fail = |message: String| NgramError::from(WorkerFailure { worker: None, message });
    let mut from: Vec<u64> = answers.iter().map(|a| a.process).collect();
    from.sort_unstable();
    if from != (0..cluster.processes.max(1) as u64).collect::<Vec<_>>() {
        return Err(fail(format!(
            "process 0 heard the answers of processes {from:?}, not of all {}",
            cluster.processes
        )));
    }
    let mut entries = Vec::new();
    for answer in &answers {
        match &answer.part {
            Some(Ok(entry)) => entries.push(entry.clone()),
            Some(Err(why)) => {
                return Err(fail(format!("process {} could not write its part: {why}", answer.process)))
            }
            None => {}
        }
    }
    if let Some(output) = &wanted.output {
        parts::write_manifest(output, cluster.processes.max(1), entries).map_err(fail)?;
    }
    Ok(SpreadAnswer::merge(answers.into_iter().map(|a| a.answer), wanted.top))
}

/// The answer of one process of a spread reduce, from the partitions its workers reduced:
/// distinct, total, its top and the probe words (its keys are no other process's), and its
/// part of `--output`, written here.
pub(crate) fn answer_for_process(
    tables: Vec<(u64, KeyTable)>,
    partitions: usize,
    wanted: &Wanted,
    process: usize,
    processes: usize,
) -> ProcessAnswer {
    // Indexed by partition number, so that a word is looked up in the partition it would be in.
    let mut by_number: Vec<KeyTable> = (0..partitions).map(|_| KeyTable::new()).collect();
    for (p, table) in tables {
        by_number[p as usize] = table;
    }
    let mine = NgramOutput::of_totals(Totals::Partitioned(by_number));
    let (total, top) = mine.summary(wanted.top);
    let answer = SpreadAnswer {
        distinct: mine.distinct() as u64,
        total,
        top: top.into_iter().map(|(k, v)| (k.to_vec(), v)).collect(),
        words: wanted.words.iter().map(|w| (w.clone(), mine.total_for(w))).collect(),
    };
    let part = wanted.output.as_ref().map(|output| {
        parts::write_part(&parts::part_path(output, process, processes), process, mine.sorted())
    });
    ProcessAnswer { process: process as u64, answer, part }
}
