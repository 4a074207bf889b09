//! A Python script as a child that never outlives harness: it leads a process group of its
//! own (its pools' workers and its forkserver are in it), registered so that a signal ending
//! harness kills the group too (`workload::leftovers`), killed with its group and reaped when
//! dropped (an error, a bad line, a panic on the way out), and read line by line with a bound
//! on how long it may say nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use workload::shown::Shown;

use workload::silence::Silence;

/// A running script.
#[derive(Debug)]
pub struct Script {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Result<String, String>>,
    /// "count.py", for messages.
    pub name: String,
    _group: workload::leftovers::Registered,
}

impl Script {
    /// Starts `python script args...`, its stdout read by lines, its stderr passed through;
    /// its stdin a pipe when `talk` (else closed).
    pub fn start(python: &Path, script: &Path, args: &[String], talk: bool) -> Result<Script, String> {
        Script::start_with(python, script, args, talk, &[])
    }

    /// [`Script::start`] with `env` added to its environment (`PYTHON_GIL=0`).
    pub fn start_with(
        python: &Path,
        script: &Path,
        args: &[String],
        talk: bool,
        env: &[(&str, &str)],
    ) -> Result<Script, String> {
        let name = script.file_name().map_or_else(|| script.shown(), |n| n.to_string_lossy().into_owned());
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .envs(env.iter().copied())
            .stdin(if talk { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{}: {e}", python.shown()))?;
        let group = workload::leftovers::register_group(child.id() as i32);
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let line = read_line(&mut reader);
                let last = !matches!(line, Ok(Some(_)));
                let sent = match line {
                    Ok(Some(line)) => tx.send(Ok(line)),
                    Ok(None) => return,
                    Err(e) => tx.send(Err(e)),
                };
                if sent.is_err() || last {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(Script { child, stdin, lines, name, _group: group })
    }

    /// The next line it prints; `None` once it has closed its output. A script silent for
    /// `silence` is taken for stuck: an error (and it is killed when dropped).
    /// The silence counts only while harness runs to hear it (`workload::silence`).
    pub fn line(&mut self, silence: Duration) -> Result<Option<String>, String> {
        let mut silence = Silence::new(silence);
        loop {
            let wait = silence.step();
            let step = Instant::now();
            match self.lines.recv_timeout(wait) {
                Ok(Ok(line)) => return Ok(Some(line)),
                Ok(Err(e)) => return Err(format!("{}: {e}", self.name)),
                Err(RecvTimeoutError::Timeout) => {
                    // The script has ended but something it started still holds its output
                    // open: what it printed is in the pipe; what it left running is killed,
                    // and the pipe ends with it.
                    if self.ended() {
                        self.kill_group();
                        continue;
                    }
                    if silence.nothing(wait, step) {
                        return Err(format!(
                            "{}: printed nothing for {} s; stopped it",
                            self.name,
                            silence.limit().as_secs()
                        ));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    }

    /// Whether the script itself has exited (left a zombie, not reaped: its group keeps its
    /// number).
    fn ended(&self) -> bool {
        // SAFETY: waitid(2) fills the siginfo it is given; WNOWAIT leaves the child a zombie.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let waited = unsafe {
            libc::waitid(
                libc::P_PID,
                self.child.id(),
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: si_pid is set by waitid when a child changed state (0 when none did).
        waited == 0 && unsafe { info.si_pid() } != 0
    }

    fn kill_group(&self) {
        // SAFETY: kill(2) on the group this child leads; no memory is touched.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
    }

    /// Writes one line to its input.
    pub fn send(&mut self, line: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or_else(|| format!("{}: its input is closed", self.name))?;
        writeln!(stdin, "{line}").and_then(|()| stdin.flush()).map_err(|e| format!("{}: {e}", self.name))
    }

    /// Closes its input and waits for it to end (without reaping it: the group it leads
    /// stays its own until the drop kills whatever is left of it); an error unless it ended
    /// with status 0.
    pub fn finish(mut self) -> Result<(), String> {
        drop(self.stdin.take());
        // SAFETY: waitid(2) fills the siginfo it is given; WNOWAIT leaves the child a zombie.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let waited =
            unsafe { libc::waitid(libc::P_PID, self.child.id(), &mut info, libc::WEXITED | libc::WNOWAIT) };
        if waited != 0 {
            return Err(format!("{}: {}", self.name, std::io::Error::last_os_error()));
        }
        // SAFETY: filled in by waitid for an exited child.
        let (code, status) = unsafe { (info.si_code, info.si_status()) };
        match (code, status) {
            (libc::CLD_EXITED, 0) => Ok(()),
            (libc::CLD_EXITED, status) => Err(format!("{} failed: exit status {status}", self.name)),
            (_, signal) => Err(format!("{} failed: killed by signal {signal}", self.name)),
        }
    }
}

/// The longest line a script may print: a record is a few hundred bytes; a script printing
/// megabytes without a newline is broken, and is not read into memory whole.
const LONGEST_LINE: u64 = 1 << 20;

/// The next line (without its newline), `None` at the end.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut bytes = Vec::new();
    let read =
        reader.by_ref().take(LONGEST_LINE + 1).read_until(b'\n', &mut bytes).map_err(|e| e.to_string())?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() as u64 > LONGEST_LINE {
        return Err(format!("printed a line longer than {} KiB", LONGEST_LINE >> 10));
    }
    String::from_utf8(bytes).map(Some).map_err(|_| "printed a line that is not UTF-8".to_string())
}

impl Drop for Script {
    /// Kills the group whatever it did (its leader, alive or a zombie, still holds the
    /// group's number), then reaps the script.
    fn drop(&mut self) {
        drop(self.stdin.take());
        self.kill_group();
        let _ = self.child.wait();
    }
}
