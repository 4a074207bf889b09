//! One worker process seen from the parent: spawned with three pipes, fed task frames by a
//! writer thread, read by a reader thread, its stderr kept for error messages. Whatever
//! happens, the child is waited for (no zombie) and never outlives its handle (no orphan).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use workload::shown::Shown;

use crate::frame::{read_frame, write_frame};
use crate::protocol::WORKER_ARG;
use crate::protocol::{Reply, Task};
use workload::silence::Silence;

/// How to start a worker: a program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Copy every line the worker writes to stderr onto this process's stderr as it comes
    /// (a Python child shares its parent's terminal; what the worker prints is seen). Off by
    /// default: the last lines are always kept for error messages either way.
    pub echo_stderr: bool,
    /// How long a busy worker may stay silent before it is taken for stopped or stuck,
    /// killed, and reported: a busy worker sends a heartbeat every [`crate::HEARTBEAT`], so only a
    /// stopped (SIGSTOP), frozen or unscheduled process stays silent this long.
    pub worker_timeout: Duration,
}

/// The default [`WorkerCommand::worker_timeout`] (120 heartbeats).
pub use workload::run::DEFAULT_WORKER_TIMEOUT;

impl WorkerCommand {
    pub fn new(program: impl Into<PathBuf>) -> WorkerCommand {
        WorkerCommand {
            program: program.into(),
            args: Vec::new(),
            echo_stderr: false,
            worker_timeout: DEFAULT_WORKER_TIMEOUT,
        }
    }

    /// With [`WorkerCommand::worker_timeout`] set.
    pub fn with_worker_timeout(mut self, timeout: Duration) -> WorkerCommand {
        self.worker_timeout = timeout;
        self
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> WorkerCommand {
        self.args.push(arg.into());
        self
    }

    /// With [`WorkerCommand::echo_stderr`] on.
    pub fn echoing_stderr(mut self) -> WorkerCommand {
        self.echo_stderr = true;
        self
    }

    /// This very executable in worker mode (`EXE __worker`): what the `harness` binary does,
    /// as `multiprocessing` re-runs the interpreter on the same script.
    pub fn current_exe() -> io::Result<WorkerCommand> {
        Ok(WorkerCommand::new(std::env::current_exe()?).arg(WORKER_ARG))
    }
}

/// Everything that can go wrong with a worker process. Each names the worker (its index in
/// the pool and its pid) and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessError {
    /// The worker could not be started.
    Spawn { worker: usize, message: String },
    /// The worker ended before replying: its exit status and the end of its stderr.
    Died { worker: usize, pid: u32, status: String, stderr: String },
    /// The worker wrote something that is not a reply; it was killed.
    Protocol { worker: usize, pid: u32, message: String },
    /// The worker did not reply in time; it was killed.
    Timeout { worker: usize, pid: u32, after: Duration },
    /// The worker sent nothing, not even a heartbeat, for `after` while it was `doing` a
    /// task: stopped (SIGSTOP), frozen or never scheduled. It was killed.
    Silent { worker: usize, pid: u32, after: Duration, doing: &'static str },
    /// The worker replied that it could not do the task.
    TaskFailed { worker: usize, pid: u32, message: String },
    /// `get(timeout)` ran out of time; the task is still running and may yet succeed.
    NotReady { after: Duration },
    /// The pool was closed or terminated before the task ran.
    Closed,
    /// An earlier failure broke the pool; no task runs after it.
    Broken(Box<ProcessError>),
    /// The task was dropped without an answer (a pool thread died): never a silent hang.
    Lost,
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Spawn { worker, message } => {
                write!(f, "worker {worker} could not start: {message}")
            }
            ProcessError::Died { worker, pid, status, stderr } => {
                write!(f, "worker {worker} (pid {pid}) died before replying: {status}")?;
                if !stderr.is_empty() {
                    write!(f, "; its last words: {stderr}")?;
                }
                Ok(())
            }
            ProcessError::Protocol { worker, pid, message } => {
                write!(f, "worker {worker} (pid {pid}) sent garbage ({message}); killed it")
            }
            ProcessError::Timeout { worker, pid, after } => {
                write!(f, "worker {worker} (pid {pid}) did not reply within {after:?}; killed it")
            }
            ProcessError::Silent { worker, pid, after, doing } => write!(
                f,
                "worker {worker} (pid {pid}) sent nothing, not even a heartbeat, for {} s while running {doing} \
                 (stopped or frozen); killed it",
                after.as_secs_f64()
            ),
            ProcessError::TaskFailed { worker, pid, message } => {
                write!(f, "worker {worker} (pid {pid}): {message}")
            }
            ProcessError::NotReady { after } => {
                write!(f, "no result within {after:?} (the task is still running)")
            }
            ProcessError::Closed => f.write_str("the pool was shut down before the task ran"),
            ProcessError::Broken(cause) => write!(f, "the pool is broken: {cause}"),
            ProcessError::Lost => {
                f.write_str("the pool lost the task: the thread driving its worker stopped")
            }
        }
    }
}

impl std::error::Error for ProcessError {}

/// Describes an exit status the way a person says it.
fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(101) => "exit status 101 (a Rust panic)".to_string(),
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}

/// The last lines a worker wrote to stderr (panic messages land there).
#[derive(Debug, Default)]
struct StderrTail(VecDeque<String>);

impl StderrTail {
    const LINES: usize = 4;

    fn push(&mut self, line: String) {
        if self.0.len() == Self::LINES {
            self.0.pop_front();
        }
        self.0.push_back(line);
    }

    fn text(&self) -> String {
        self.0.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" | ")
    }
}

/// A running worker process.
#[derive(Debug)]
pub struct WorkerProcess {
    index: usize,
    pid: u32,
    child: Arc<Mutex<Child>>,
    frames_out: Option<Sender<Vec<u8>>>,
    writer: Option<JoinHandle<()>>,
    frames_in: Receiver<io::Result<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    stderr: Arc<Mutex<StderrTail>>,
    stderr_reader: Option<JoinHandle<()>>,
    /// Set once the child has been waited for; nothing may be asked of it after.
    exited: Option<String>,
    /// Killed if harness is ended by a signal (taken off just before the child is reaped).
    registered: Option<workload::leftovers::Registered>,
    /// What the last task sent was, for messages.
    doing: &'static str,
    worker_timeout: Duration,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Seconds spent decoding replies (the parent's half of unpickling).
    pub decode_s: f64,
}

impl WorkerProcess {
    /// Starts worker number `index`.
    pub fn spawn(command: &WorkerCommand, index: usize) -> Result<WorkerProcess, ProcessError> {
        let spawn_error = |e: io::Error| ProcessError::Spawn {
            worker: index,
            message: format!("{}: {e}", command.program.shown()),
        };
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        let pid = child.id();
        let mut stdin: ChildStdin = child.stdin.take().expect("piped stdin");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");

        let (frames_out, to_write) = mpsc::channel::<Vec<u8>>();
        let writer = thread::Builder::new()
            .name(format!("worker-{index}-writer"))
            .spawn(move || {
                for frame in to_write {
                    if write_frame(&mut stdin, &frame).is_err() {
                        break; // the child is gone; the reader reports how
                    }
                }
                // Dropping stdin here tells the worker to exit.
            })
            .map_err(spawn_error)?;

        let (got_frame, frames_in) = mpsc::channel();
        let reader = thread::Builder::new()
            .name(format!("worker-{index}-reader"))
            .spawn(move || loop {
                match read_frame(&mut stdout) {
                    Ok(Some(frame)) => {
                        if got_frame.send(Ok(frame)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(err) => {
                        let _ = got_frame.send(Err(err));
                        break;
                    }
                }
            })
            .map_err(spawn_error)?;

        let stderr = Arc::new(Mutex::new(StderrTail::default()));
        let tail = Arc::clone(&stderr);
        let echo = command.echo_stderr;
        let stderr_reader = thread::Builder::new()
            .name(format!("worker-{index}-stderr"))
            .spawn(move || {
                for line in BufReader::new(stderr_pipe).lines() {
                    let Ok(line) = line else { break };
                    if echo {
                        eprintln!("{line}");
                    }
                    tail.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            })
            .map_err(spawn_error)?;

        Ok(WorkerProcess {
            index,
            pid,
            child: Arc::new(Mutex::new(child)),
            frames_out: Some(frames_out),
            writer: Some(writer),
            frames_in,
            reader: Some(reader),
            stderr,
            stderr_reader: Some(stderr_reader),
            exited: None,
            registered: Some(workload::leftovers::register_process(pid)),
            doing: "no task",
            worker_timeout: command.worker_timeout,
            bytes_sent: 0,
            bytes_received: 0,
            decode_s: 0.0,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn index(&self) -> usize {
        self.index
    }

    /// A handle that can kill this worker from another thread while it is busy (the reply
    /// wait then sees the end of the stream, and this handle's owner reaps the child).
    pub fn kill_handle(&self) -> KillHandle {
        KillHandle(Arc::clone(&self.child))
    }

    /// Queues a task; the writer thread sends it (so a stuck child cannot block the caller).
    pub fn send(&mut self, task: &Task) {
        self.send_encoded(task.encode());
    }

    /// Queues an already encoded task.
    pub fn send_encoded(&mut self, frame: Vec<u8>) {
        self.bytes_sent += frame.len() as u64 + 4;
        self.doing = Task::describe_frame(&frame);
        if let Some(out) = &self.frames_out {
            // A send error means the writer stopped because the child is gone: the next
            // receive reports that.
            let _ = out.send(frame);
        }
    }

    /// Waits for the next reply, at most `timeout`. Any failure leaves the child dead and
    /// reaped, and says why.
    pub fn receive(&mut self, timeout: Option<Duration>) -> Result<Reply, ProcessError> {
        if let Some(status) = &self.exited {
            return Err(self.died(status.clone()));
        }
        // Heartbeats (empty frames) say the worker is alive; anything else is its reply. Its
        // silence counts only while this process runs to hear it (`workload::silence`).
        let asked = Instant::now();
        let mut silence = Silence::new(self.worker_timeout);
        let frame = loop {
            let mut wait = silence.step();
            if let Some(timeout) = timeout {
                wait = wait.min(timeout.saturating_sub(asked.elapsed()));
            }
            let step = Instant::now();
            match self.frames_in.recv_timeout(wait) {
                Ok(Ok(frame)) if frame.is_empty() => silence.heard(),
                Ok(frame) => break Some(frame),
                Err(RecvTimeoutError::Timeout) => {
                    let over = silence.nothing(wait, step);
                    if let Some(timeout) = timeout.filter(|t| asked.elapsed() >= *t) {
                        self.kill();
                        return Err(ProcessError::Timeout {
                            worker: self.index,
                            pid: self.pid,
                            after: timeout,
                        });
                    }
                    if over {
                        self.kill();
                        return Err(ProcessError::Silent {
                            worker: self.index,
                            pid: self.pid,
                            after: self.worker_timeout,
                            doing: self.doing,
                        });
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break None,
            }
        };
        match frame {
            Some(Ok(frame)) => {
                self.bytes_received += frame.len() as u64 + 4;
                let started = Instant::now();
                let decoded = Reply::decode(&frame);
                self.decode_s += started.elapsed().as_secs_f64();
                let reply = decoded.map_err(|err| self.garbage(err.to_string()))?;
                match reply {
                    Reply::Failed(message) => {
                        Err(ProcessError::TaskFailed { worker: self.index, pid: self.pid, message })
                    }
                    reply => Ok(reply),
                }
            }
            Some(Err(err)) if err.kind() == io::ErrorKind::InvalidData => Err(self.garbage(err.to_string())),
            // End of stream (clean or inside a frame): the child is exiting or gone.
            Some(Err(_)) | None => {
                let status = self.reap(Duration::from_secs(2));
                Err(self.died(status))
            }
        }
    }

    /// Sends a task and waits for its reply.
    pub fn request(&mut self, task: &Task, timeout: Option<Duration>) -> Result<Reply, ProcessError> {
        self.send(task);
        self.receive(timeout)
    }

    fn died(&mut self, status: String) -> ProcessError {
        // The child has exited, so its stderr is at end of stream: take every last line.
        if let Some(handle) = self.stderr_reader.take() {
            let _ = handle.join();
        }
        let stderr = self.stderr.lock().unwrap_or_else(|p| p.into_inner()).text();
        ProcessError::Died { worker: self.index, pid: self.pid, status, stderr }
    }

    fn garbage(&mut self, message: String) -> ProcessError {
        self.kill();
        ProcessError::Protocol { worker: self.index, pid: self.pid, message }
    }

    /// Waits up to `grace` for the child to exit on its own, then kills it; always reaps it.
    fn reap(&mut self, grace: Duration) -> String {
        if let Some(status) = &self.exited {
            return status.clone();
        }
        let deadline = Instant::now() + grace;
        // A bounded poll: the child closed its stdout, so it is exiting now; give it a
        // moment to do so with its own status before calling it stuck.
        let shared = Arc::clone(&self.child);
        let status = loop {
            let mut child = shared.lock().unwrap_or_else(|p| p.into_inner());
            match child.try_wait() {
                Ok(Some(status)) => {
                    self.registered = None;
                    break describe(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    drop(child);
                    thread::sleep(Duration::from_millis(1));
                }
                _ => {
                    let _ = child.kill();
                    self.registered = None;
                    break child.wait().map_or_else(|e| format!("lost ({e})"), describe);
                }
            }
        };
        self.exited = Some(status.clone());
        status
    }

    /// Kills the child now (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        if self.exited.is_none() {
            let shared = Arc::clone(&self.child);
            let mut child = shared.lock().unwrap_or_else(|p| p.into_inner());
            let _ = child.kill();
            self.registered = None;
            let status = child.wait().map_or_else(|e| format!("lost ({e})"), describe);
            drop(child);
            self.exited = Some(status);
        }
    }

    /// Closes the child's stdin so it exits on its own, and waits up to `grace` for that
    /// (then kills it). Returns how it ended.
    pub fn finish(mut self, grace: Duration) -> String {
        self.frames_out = None; // the writer drains, drops stdin: EOF for the child
        self.reap(grace)
    }
}

/// Kills a worker from outside the thread that talks to it.
#[derive(Debug, Clone)]
pub struct KillHandle(Arc<Mutex<Child>>);

impl KillHandle {
    /// Sends SIGKILL (harmless if the child already exited); the owner reaps it.
    pub fn kill(&self) {
        let _ = self.0.lock().unwrap_or_else(|p| p.into_inner()).kill();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.frames_out = None;
        self.kill();
        for handle in
            [self.writer.take(), self.reader.take(), self.stderr_reader.take()].into_iter().flatten()
        {
            let _ = handle.join();
        }
    }
}
