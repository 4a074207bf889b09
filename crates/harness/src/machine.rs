//! What machine a figure was measured on: every figure names it.

use std::num::NonZeroUsize;

pub use crate::report::record::{Conditions, Stamp};

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

/// Where and when a figure is measured, stamped by whatever measures it (the benches,
/// `harness python`, `harness sweep`), not by whatever draws it later: the date (UTC), the
/// machine (CPU, cores, OS), and the code (git commit, rustc), each `null` where unknown.
pub fn stamp() -> Stamp {
    let run = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    Stamp {
        date: Some(utc_now()),
        cpu: Some(cpu_model()),
        cores: Some(cores().get() as u64),
        os: Some(os),
        commit: head_commit().or_else(|| run("git", &["rev-parse", "--short", "HEAD"])),
        rustc: Some(env!("HARNESS_RUSTC_VERSION"))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .or_else(|| run("rustc", &["--version"])),
        ..Stamp::default()
    }
}

/// The commit checked out, when this runs, in the tree the harness was built from (as
/// asking git at run time did; a commit made since the build shows, though the binary is
/// older), as `git rev-parse --short=7 HEAD` says it, read from the repository's files (HEAD, then the branch's ref, loose or packed;
/// a worktree's `.git` file followed): starting `git` cost about 10 ms of every `--json`
/// run's wall time. `None` where they are not there or not as expected (the caller then asks
/// git).
pub fn head_commit() -> Option<String> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut git = root.join(".git");
    if git.is_file() {
        let text = std::fs::read_to_string(&git).ok()?;
        git = root.join(text.strip_prefix("gitdir:")?.trim());
    }
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let hash = match head.trim().strip_prefix("ref:") {
        None => head.trim().to_string(),
        Some(name) => {
            let name = name.trim();
            // A worktree keeps its refs in the main repository ("commondir").
            let common = std::fs::read_to_string(git.join("commondir"))
                .map(|dir| git.join(dir.trim()))
                .unwrap_or_else(|_| git.clone());
            match std::fs::read_to_string(common.join(name)) {
                Ok(loose) => loose.trim().to_string(),
                Err(_) => std::fs::read_to_string(common.join("packed-refs"))
                    .ok()?
                    .lines()
                    .find_map(|line| line.strip_suffix(name)?.strip_suffix(' ').map(str::to_string))?,
            }
        }
    };
    (hash.len() >= 40 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash[..7].to_string())
}

/// CPU seconds (user + system) used so far by this process and the children it has waited
/// for (and theirs): what a run cost in CPU, against its wall time.
pub fn cpu_seconds() -> f64 {
    let of = |who: libc::c_int| {
        // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid start.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut usage) } != 0 {
            return 0.0;
        }
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        seconds(usage.ru_utime) + seconds(usage.ru_stime)
    };
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
}

/// The most resident memory this process, or the largest of its waited-for children, has
/// held so far (getrusage's `ru_maxrss`), in bytes: a run's peak when it is the process's
/// only run, the highest of the runs so far otherwise.
pub fn peak_rss_bytes() -> Option<u64> {
    let of = |who: libc::c_int| {
        // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid start.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        (unsafe { libc::getrusage(who, &mut usage) } == 0).then_some(usage.ru_maxrss.max(0) as u64 * 1024)
    };
    of(libc::RUSAGE_SELF).max(of(libc::RUSAGE_CHILDREN))
}

/// The most anonymous memory (heap and stacks, not file pages) this process held while
/// watched: getrusage keeps no such peak, so a thread reads `RssAnon` from
/// /proc/self/status every 5 ms until the watch is dropped. What a run's own data took,
/// whatever the page cache does with its input.
#[derive(Debug)]
pub struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AnonPeak {
    pub fn watch() -> AnonPeak {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (stopping, seen) = (std::sync::Arc::clone(&stop), std::sync::Arc::clone(&peak));
        let thread = std::thread::Builder::new()
            .name("anon-peak".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    if let Some(bytes) = rss_anon_bytes() {
                        seen.fetch_max(bytes, Ordering::Relaxed);
                    }
                    // Woken early by the drop: the last run's end does not wait for a sample.
                    std::thread::park_timeout(std::time::Duration::from_millis(5));
                }
            })
            .ok();
        AnonPeak { stop, peak, thread }
    }

    /// The highest `RssAnon` seen so far (and now), in bytes; `None` without /proc.
    pub fn peak_bytes(&self) -> Option<u64> {
        let now = rss_anon_bytes()?;
        Some(self.peak.fetch_max(now, std::sync::atomic::Ordering::Relaxed).max(now))
    }
}

impl Drop for AnonPeak {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// This process's anonymous resident memory now (`RssAnon`), in bytes.
fn rss_anon_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How busy the machine is at one moment: the 1-minute load average, the kernel's CPU
/// counters (busy, stolen by the hypervisor, all, in seconds summed over cores) and this
/// process's own CPU time. Two of them, taken around a measurement, say whether something
/// else was running meanwhile ([`Load::conditions`]).
#[derive(Debug, Clone, Copy)]
pub struct Load {
    load_1m: Option<f64>,
    /// (busy, steal, total) seconds from the first line of /proc/stat.
    ticks: Option<(f64, f64, f64)>,
    own_cpu_s: f64,
    at: std::time::Instant,
}

impl Load {
    pub fn now() -> Load {
        let load_1m = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok()));
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let ticks = std::fs::read_to_string("/proc/stat").ok().and_then(|t| {
            let line = t.lines().next()?.strip_prefix("cpu ")?.to_string();
            let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            // user nice system idle iowait irq softirq steal (guest time is inside user).
            let total: f64 = v.iter().take(8).sum();
            let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
            let steal = v.get(7).copied().unwrap_or(0.0);
            Some(((total - idle - steal) / hz, steal / hz, total / hz))
        });
        Load { load_1m, ticks, own_cpu_s: cpu_seconds(), at: std::time::Instant::now() }
    }

    /// What the machine did between `self` (the start of a measurement) and now:
    /// `load_start`, `load_end`, `steal_pct` (the share of CPU time the hypervisor gave to
    /// other guests) and `others_pct` (CPU time of other programs, as a share of every core
    /// over the wall time). `None` where the kernel does not say.
    pub fn conditions(&self) -> Conditions {
        self.conditions_besides(0.0)
    }

    /// [`Load::conditions`], counting `outside_cpu_s` seconds of CPU time spent meanwhile by
    /// processes of this run that are not yet waited for (a Python interpreter serving
    /// rounds) as this run's, not as other programs'.
    pub fn conditions_besides(&self, outside_cpu_s: f64) -> Conditions {
        let end = Load::now();
        let wall = end.at.duration_since(self.at).as_secs_f64();
        let cores = cores().get() as f64;
        let (steal_pct, others_pct) = match (self.ticks, end.ticks) {
            (Some((busy0, steal0, total0)), Some((busy1, steal1, total1)))
                if total1 > total0 && wall > 0.0 =>
            {
                let mine = end.own_cpu_s - self.own_cpu_s + outside_cpu_s;
                let others = ((busy1 - busy0) - mine).max(0.0);
                (Some(100.0 * (steal1 - steal0) / (total1 - total0)), Some(100.0 * others / (cores * wall)))
            }
            _ => (None, None),
        };
        let round = |x: Option<f64>| x.map(|v| (v * 10.0).round() / 10.0);
        Conditions {
            load_start: self.load_1m,
            load_end: end.load_1m,
            steal_pct: round(steal_pct),
            others_pct: round(others_pct),
        }
    }
}

/// [`stamp`], with the conditions since `start` (see [`Load::conditions`]): what a source
/// writes when its measurement ends.
pub fn stamp_since(start: &Load) -> Stamp {
    with_conditions(stamp(), start)
}

/// `stamp` (from [`stamp`], taken once) with the conditions since `start`: for a command
/// that stamps many records, without asking git and rustc again for each.
pub fn with_conditions(stamp: Stamp, start: &Load) -> Stamp {
    Stamp { conditions: start.conditions(), ..stamp }
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_date_is_today_in_utc() {
        let now = super::utc_now();
        let shell = std::process::Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M"]).output().unwrap();
        let shell = String::from_utf8(shell.stdout).unwrap();
        // The same minute (or the next one, if the minute turned between the two calls).
        assert!(now.len() == 20 && now.ends_with('Z'), "{now}");
        assert!(now.starts_with(shell.trim()) || now[..10] == shell[..10], "{now} vs {shell}");
    }

    /// Read from the files, the commit is the one git names (where git and a checkout are
    /// there to ask; a source tree without `.git` has no commit either way).
    #[test]
    fn the_commit_is_the_one_git_names() {
        let git = std::process::Command::new("git")
            .args(["rev-parse", "--short=7", "HEAD"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output();
        match git {
            Ok(out) if out.status.success() => {
                assert_eq!(
                    super::head_commit().as_deref(),
                    Some(String::from_utf8_lossy(&out.stdout).trim())
                );
            }
            _ => eprintln!("no git checkout here: head_commit not compared"),
        }
    }

    #[test]
    fn the_compiler_is_the_one_that_built_this() {
        let version = env!("HARNESS_RUSTC_VERSION");
        assert!(version.starts_with("rustc "), "{version:?}");
    }
}
