//! Child processes: results come back, order and completion order are right, and every way
//! a worker can fail is reported with the worker's name and fate, with no hang and no
//! zombie or orphan left behind.

use std::path::Path;
use std::time::Duration;

use process::{count, ngram, Fault, Process, ProcessError, ProcessPool, Reply, Ship, Task, WorkerCommand};
use workload::input::InputFile;
use workload::ngram::{NgramOptions, Source};
use workload::CountJob;

fn worker() -> WorkerCommand {
    WorkerCommand::new(env!("CARGO_BIN_EXE_process-worker"))
}

/// A reaped child has no /proc entry; a zombie still has one.
fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

fn hello(name: &str) -> Task {
    Task::Hello { name: name.into() }
}

#[test]
fn one_shot_children_return_their_results() {
    let children: Vec<Process> =
        (0..2).map(|i| Process::start(&worker(), i, &Task::Count { to: 1000, times: 1 }).unwrap()).collect();
    let pids: Vec<u32> = children.iter().map(Process::pid).collect();
    let results: Vec<Reply> = children.into_iter().map(|c| c.join(None).unwrap()).collect();
    assert_eq!(results, [Reply::Value(1000), Reply::Value(1000)]);
    assert!(pids.iter().all(|&pid| gone(pid)), "joined children are reaped");
}

#[test]
fn the_count_job_on_processes() {
    for (tasks, to, workers) in [(2, 100_000, 2), (5, 1234, 2), (1, 10, 4), (0, 10, 2)] {
        assert_eq!(count(CountJob { tasks, to }, workers, &worker()), Ok(tasks as u64 * to));
    }
}

#[test]
fn apply_apply_async_and_get() {
    let pool = ProcessPool::new(2, &worker()).unwrap();
    assert_eq!(pool.apply(&hello("satori")), Ok(Reply::Text("hello, satori".into())));
    let mut first = pool.apply_async(&hello("satori"));
    let mut second = pool.apply_async(&hello("koishi"));
    assert_eq!(first.get(None), Ok(Reply::Text("hello, satori".into())));
    assert_eq!(second.get(None), Ok(Reply::Text("hello, koishi".into())));
    assert!(second.ready());
    let pids = pool.pids().to_vec();
    pool.close_and_join();
    assert!(pids.iter().all(|&pid| gone(pid)));
}

#[test]
fn map_keeps_order_as_completed_does_not() {
    let pool = ProcessPool::new(3, &worker()).unwrap();
    // The article's numbers, largest first: millisecond sleeps stand for the long count.
    let tasks = || [(300, 100_000_000), (1, 1), (20, 3)].map(|(millis, value)| Task::Sleep { millis, value });
    let ordered: Vec<Reply> = pool.map(tasks()).into_iter().map(Result::unwrap).collect();
    assert_eq!(ordered, [Reply::Value(100_000_000), Reply::Value(1), Reply::Value(3)]);
    let completed: Vec<usize> = pool
        .as_completed(tasks())
        .map(|(index, reply)| {
            reply.unwrap();
            index
        })
        .collect();
    assert_eq!(completed, [1, 2, 0]);
}

#[test]
fn get_with_a_timeout_does_not_hang_and_dropping_kills_and_reaps() {
    let pool = ProcessPool::new(1, &worker()).unwrap();
    let pid = pool.pids()[0];
    let mut stuck = pool.apply_async(&Task::Fault(Fault::Hang));
    let mut queued = pool.apply_async(&hello("never"));
    assert_eq!(
        stuck.get(Some(Duration::from_millis(20))),
        Err(ProcessError::NotReady { after: Duration::from_millis(20) })
    );
    drop(pool); // terminate: the hung worker is killed
    assert!(gone(pid), "no zombie");
    assert_eq!(stuck.get(None), Err(ProcessError::Closed));
    assert_eq!(queued.get(None), Err(ProcessError::Closed));
}

fn broken_by(fault: Fault) -> (ProcessError, ProcessError, u32) {
    let pool = ProcessPool::new(1, &worker()).unwrap();
    let pid = pool.pids()[0];
    let mut bad = pool.apply_async(&Task::Fault(fault));
    let mut after = pool.apply_async(&hello("after"));
    let (bad, after) = (bad.get(None).unwrap_err(), after.get(None).unwrap_err());
    drop(pool);
    (bad, after, pid)
}

#[test]
fn a_panicking_worker_is_named_with_its_status_and_last_words() {
    let (err, after, pid) = broken_by(Fault::Panic);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "worker 0 (pid {pid}) died before replying: exit status 101 (a Rust panic)"
        )),
        "{text}"
    );
    assert!(text.contains("worker asked to panic"), "{text}");
    assert_eq!(after, ProcessError::Broken(Box::new(err)));
    assert!(gone(pid));
}

#[test]
fn a_worker_exiting_non_zero_is_named_with_its_status() {
    let (err, _, pid) = broken_by(Fault::Exit(3));
    assert_eq!(err.to_string(), format!("worker 0 (pid {pid}) died before replying: exit status 3"));
    assert!(gone(pid));
}

#[test]
fn a_worker_writing_garbage_is_killed_and_named() {
    let (err, _, pid) = broken_by(Fault::Garbage);
    let text = err.to_string();
    assert!(text.starts_with(&format!("worker 0 (pid {pid}) sent garbage (frame of")), "{text}");
    assert!(text.ends_with("killed it"), "{text}");
    assert!(gone(pid));
}

#[test]
fn a_killed_worker_is_named_with_the_signal() {
    let pool = ProcessPool::new(2, &worker()).unwrap();
    let pids = pool.pids().to_vec();
    let mut hung = pool.apply_async(&Task::Fault(Fault::Hang));
    // Wait until the hang has reached a worker: the other worker answers a task, so the
    // hung one is busy once both tasks are out of the queue.
    assert!(pool.apply(&hello("x")).is_ok());
    assert_eq!(
        hung.get(Some(Duration::from_millis(10))),
        Err(ProcessError::NotReady { after: Duration::from_millis(10) })
    );
    // Kill every worker from outside, as the OOM killer or a user would.
    for pid in &pids {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    let err = hung.get(None).unwrap_err();
    assert!(err.to_string().contains("died before replying: killed by signal 9 (SIGKILL)"), "{err}");
    drop(pool);
    assert!(pids.iter().all(|&pid| gone(pid)));
}

#[test]
fn a_task_timeout_kills_a_hung_worker() {
    let pool = ProcessPool::new(1, &worker()).unwrap();
    let pid = pool.pids()[0];
    pool.set_task_timeout(Some(Duration::from_millis(50)));
    let err = pool.apply(&Task::Fault(Fault::Hang)).unwrap_err();
    assert_eq!(err.to_string(), format!("worker 0 (pid {pid}) did not reply within 50ms; killed it"));
    assert!(matches!(pool.apply(&hello("late")), Err(ProcessError::Broken(_))));
    drop(pool);
    assert!(gone(pid));
}

#[test]
fn a_missing_program_is_a_clear_error() {
    let err = ProcessPool::new(2, &WorkerCommand::new("/nonexistent/worker")).unwrap_err();
    assert!(
        err.to_string().starts_with("worker 0 could not start: /nonexistent/worker: No such file"),
        "{err}"
    );
}

#[test]
fn ngram_on_processes_ships_bytes_or_ranges() {
    let dir = std::env::temp_dir().join(format!("process-ngram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shard.tsv");
    let mut data = String::new();
    for i in 0..2000u64 {
        data.push_str(&format!("w{}\t{}\t{}\t1\n", i % 37, 1800 + i % 200, i));
    }
    std::fs::write(&path, &data).unwrap();
    let file = InputFile::open(&path).unwrap();
    let sources = [file.source()];
    let want = workload::oracle::ngram_totals(data.as_bytes()).unwrap();
    let options = NgramOptions {
        chunking: workload::ngram::Chunking::Bytes(std::num::NonZeroUsize::new(1000).unwrap()),
        skip_malformed: false,
        ..NgramOptions::default()
    };
    for ship in [Ship::Bytes, Ship::Range, Ship::Auto] {
        let output = ngram(&sources, &options, 2, &worker(), ship).unwrap();
        let got: std::collections::BTreeMap<Vec<u8>, u64> =
            output.totals.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(got, want, "{ship:?}");
        assert_eq!(output.lines, 2000);
        let shipping = output.shipping.unwrap();
        assert_eq!(shipping.mode, if ship == Ship::Bytes { "bytes" } else { "range" });
        if ship == Ship::Bytes {
            assert!(shipping.bytes_to_workers > data.len() as u64, "the whole file went down the pipes");
        } else {
            assert!(shipping.bytes_to_workers < data.len() as u64 / 4, "only ranges went down the pipes");
        }
    }
    // In-memory input cannot be read by a child: bytes work, ranges are refused clearly.
    let memory = InputFile::from_bytes("memory", data.into_bytes());
    let sources: [Source<'_>; 1] = [memory.source()];
    assert!(ngram(&sources, &options, 2, &worker(), Ship::Auto).is_ok());
    let err = ngram(&sources, &options, 2, &worker(), Ship::Range).unwrap_err();
    assert_eq!(err.to_string(), "memory: range shipping needs a file on disk");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stopped_worker_is_reported_with_its_task_and_killed() {
    let command = worker().with_worker_timeout(Duration::from_secs(1));
    let pool = ProcessPool::new(1, &command).unwrap();
    let pid = pool.pids()[0];
    // SIGSTOP, as `kill -STOP` would: no reply and no heartbeat, ever.
    let err = pool.apply(&Task::Fault(Fault::Stop)).unwrap_err();
    assert_eq!(
        err,
        ProcessError::Silent { worker: 0, pid, after: Duration::from_secs(1), doing: "a fault task" }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "worker 0 (pid {pid}) sent nothing, not even a heartbeat, for 1 s while running a fault task \
             (stopped or frozen); killed it"
        )
    );
    assert!(matches!(pool.apply(&hello("after")), Err(ProcessError::Broken(_))), "the pool is broken");
    drop(pool);
    assert!(gone(pid), "killed and reaped, though stopped");
}

#[test]
fn a_busy_worker_that_is_alive_keeps_sending_heartbeats() {
    // A task that never ends, in a process that runs: its heartbeats keep it from being
    // taken for stopped (the task timeout, not the worker timeout, is what ends a hang).
    let command = worker().with_worker_timeout(Duration::from_secs(2));
    let pool = ProcessPool::new(1, &command).unwrap();
    let mut hung = pool.apply_async(&Task::Fault(Fault::Hang));
    assert_eq!(
        hung.get(Some(Duration::from_secs(5))),
        Err(ProcessError::NotReady { after: Duration::from_secs(5) }),
        "still running after more than twice the worker timeout"
    );
}
