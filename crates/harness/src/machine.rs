//! What machine a figure was measured on: every figure names it.

use std::num::NonZeroUsize;

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
pub fn stamp() -> serde_json::Value {
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
    serde_json::json!({
        "date": utc_now(),
        "cpu": cpu_model(),
        "cores": cores().get(),
        "os": os,
        "commit": run("git", &["rev-parse", "--short", "HEAD"]),
        "rustc": run("rustc", &["--version"]),
    })
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
}
