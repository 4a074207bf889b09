//! A free-threaded CPython (issue 25): `scripts/free-threaded.sh` finds one (the PATH, its
//! cache) or builds one from a source it can reach, with fakes standing for the interpreter
//! and the source; `harness python` runs a free-threaded build with its GIL switched on and
//! off; the report draws those rows and claims; and, where a real free-threaded build exists
//! here, the count runs on it under both settings.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use workload::testing::Scratch;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn executable(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A fake free-threaded CPython: `--version` says `version`; `-c CODE` succeeds when CODE asks
/// for a free-threaded build and PYTHON_GIL is unset or 0 (and prints 3.13.99 when asked for
/// the version); a script prints `FAKE_RECORDS` lines with "gil" as PYTHON_GIL makes it and
/// the script's name as the variant.
fn fake_free_threaded(path: &Path) {
    executable(
        path,
        r#"#!/bin/sh
case "$1" in
--version) echo "Python 3.13.99"; exit 0 ;;
-c) case "$2" in
    *_is_gil_enabled*) [ "${PYTHON_GIL:-0}" = 0 ] && exit 0 || exit 1 ;;
    *) echo 3.13.99; exit 0 ;;
    esac ;;
esac
if [ "${PYTHON_GIL:-0}" = 1 ]; then gil=true; else gil=false; fi
script=$(basename "$1")
echo "{\"job\":\"count\",\"model\":\"serial\",\"lang\":\"python\",\"variant\":\"$script loop\",\"tasks\":2,\"to\":1000,\"elapsed_s\":0.5,\"python\":\"3.13.99\",\"gil\":$gil}"
echo "{\"job\":\"count\",\"model\":\"threads\",\"lang\":\"python\",\"variant\":\"$script threading.Thread\",\"tasks\":2,\"to\":1000,\"elapsed_s\":0.3,\"python\":\"3.13.99\",\"gil\":$gil}"
"#,
    );
}

/// The script run with only the fakes' folder and the system's tools on the PATH, its cache
/// under `dir`, and no uv.
fn script(dir: &Scratch, args: &[&str], path_first: Option<&Path>) -> Output {
    let mut path = String::new();
    if let Some(first) = path_first {
        path.push_str(&first.display().to_string());
        path.push(':');
    }
    path.push_str("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    Command::new(repo().join("scripts/free-threaded.sh"))
        .args(args)
        .env("PATH", path)
        .env("XDG_CACHE_HOME", dir.path("cache"))
        .env("FREE_THREADED_NO_UV", "1")
        .env("FREE_THREADED_PYTHON_ORG", "http://127.0.0.1:9")
        .env("FREE_THREADED_DEBIAN_MIRROR", "http://127.0.0.1:9/debian")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_script_finds_one_on_the_path_then_in_its_cache_and_says_when_none_is_there() {
    let dir = Scratch::new("free-threaded", "find");
    let bin = dir.path("bin");
    fake_free_threaded(&bin.join("python3.14t"));
    let out = script(&dir, &[], Some(&bin));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().last(), Some(bin.join("python3.14t").to_str().unwrap()));
    assert!(stderr(&out).contains("on the PATH"), "{}", stderr(&out));

    let cached = dir.path("cache/concurrency-measured/cpython-3.13t/bin/python3.13t");
    fake_free_threaded(&cached);
    let out = script(&dir, &["--find-only"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), cached.to_str().unwrap());
    assert!(stderr(&out).contains("built earlier, in the cache"), "{}", stderr(&out));

    std::fs::remove_file(&cached).unwrap();
    let out = script(&dir, &["--find-only"], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("none found"), "{}", stderr(&out));
}

#[test]
fn with_no_source_reachable_the_script_fails_in_one_line() {
    if Command::new("apt-get").arg("--version").output().is_err() {
        eprintln!("skipped: no apt-get here (the Debian source path is what is tested)");
        return;
    }
    let dir = Scratch::new("free-threaded", "unreachable");
    let out = script(&dir, &[], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.lines().last().unwrap().starts_with("free-threaded: no CPython source reachable"), "{err}");
    assert_eq!(stdout(&out), "", "no path printed");
    let left: Vec<_> = std::fs::read_dir(dir.path("cache/concurrency-measured"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".build-"))
        .collect();
    assert!(left.is_empty(), "the build folder is removed: {left:?}");
}

/// A source tarball with a `configure` that writes a Makefile whose `install` puts a fake
/// free-threaded `python3.13t` under DESTDIR/PREFIX: the script's build path, in seconds.
fn fake_source(dir: &Scratch) -> PathBuf {
    let src = dir.path("Python-3.13.99");
    executable(
        &src.join("configure"),
        r#"#!/bin/sh
for a in "$@"; do case "$a" in --prefix=*) prefix=${a#--prefix=} ;; --disable-gil) nogil=1 ;; esac; done
[ -n "$nogil" ] || { echo "configure: --disable-gil missing" >&2; exit 1; }
printf 'all:\n\ttrue\ninstall:\n\tmkdir -p $(DESTDIR)%s/bin\n\tcp fake-python $(DESTDIR)%s/bin/python3.13t\n' "$prefix" "$prefix" > Makefile
"#,
    );
    let fake = dir.path("fake-python");
    fake_free_threaded(&fake);
    std::fs::copy(&fake, src.join("fake-python")).unwrap();
    let tarball = dir.path("Python-3.13.99.tar.gz");
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir.as_os_str())
        .arg("Python-3.13.99")
        .status()
        .unwrap();
    assert!(tar.success());
    tarball
}

#[test]
fn a_source_tarball_is_built_into_the_cache_once() {
    let dir = Scratch::new("free-threaded", "build");
    let tarball = fake_source(&dir);
    let out = script(&dir, &["--source", tarball.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = dir.path("cache/concurrency-measured/cpython-3.13t/bin/python3.13t");
    assert_eq!(stdout(&out).lines().last(), Some(built.to_str().unwrap()));
    assert!(stderr(&out).contains("configure --disable-gil"), "{}", stderr(&out));
    // The second run finds it; nothing of the build is left beside it.
    let out = script(&dir, &[], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), built.to_str().unwrap());
    let names: Vec<String> = std::fs::read_dir(dir.path("cache/concurrency-measured"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".build-")), "{names:?}");
    // A tarball not named for its version is refused in one line.
    let odd = dir.path("cpython.tar.gz");
    std::fs::copy(&tarball, &odd).unwrap();
    std::fs::remove_dir_all(dir.path("cache")).unwrap();
    let out = script(&dir, &["--source", odd.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).lines().last().unwrap().contains("not named Python-3.X.Y.tar.xz"),
        "{}",
        stderr(&out)
    );
}

/// `harness python --python A --python FREE`: the free-threaded build runs with its GIL
/// switched on (PYTHON_GIL=1), then off, and every record says which, and which interpreter.
#[test]
fn harness_python_runs_a_free_threaded_build_with_its_gil_on_and_off() {
    let dir = Scratch::new("free-threaded", "gil-both");
    let first = dir.path("first/python3");
    executable(
        &first,
        r#"#!/bin/sh
[ "$1" = --version ] && { echo "Python 3.11.99"; exit 0; }
case "$1" in -c) exit 1 ;; esac
echo "{\"job\":\"heartbeat\",\"model\":\"async\",\"lang\":\"python\",\"variant\":\"$(basename "$1")\",\"elapsed_s\":0.5,\"python\":\"3.11.99\",\"gil\":true}"
"#,
    );
    let free = dir.path("free/python3.13t");
    fake_free_threaded(&free);
    let out_file = dir.path("python.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["python", "--to", "1000", "--python"])
        .arg(&first)
        .arg("--python")
        .arg(&free)
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Python 3.13.99 (python3.13t), free-threaded: run with its GIL switched on, then off"),
        "{err}"
    );
    assert!(err.contains("PYTHON_GIL=1 count.py") && err.contains("PYTHON_GIL=0 count.py"), "{err}");
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |gil: bool| {
        records
            .iter()
            .filter(|r| r["interpreter"] == "python3.13t" && r["stamp"]["gil"] == gil)
            .filter(|r| r["variant"].as_str().is_some_and(|v| v.starts_with("count.py")))
            .count()
    };
    assert_eq!((of(true), of(false)), (2, 2), "count rows with the GIL on and off: {records:?}");
    assert!(records.iter().any(|r| r["interpreter"].is_null() && r["job"] == "heartbeat"));
}

fn write_lines(path: &Path, records: &[serde_json::Value]) {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The report draws a free-threaded build's rows beside the default CPython's, each against
/// its own serial, and its claims in the claims table.
#[test]
fn the_report_draws_the_free_threaded_rows_and_claims() {
    use serde_json::json;
    let dir = Scratch::new("free-threaded", "report");
    let stamp = |gil: bool| json!({"cpu": "Test CPU", "cores": 2, "python": "3.13.99", "gil": gil});
    let row = |variant: &str, model: &str, elapsed: f64, gil: bool| {
        json!({"job": "count", "model": model, "lang": "python", "variant": variant, "tasks": 2, "to": 10_000_000,
               "elapsed_s": elapsed, "interpreter": "python3.13t", "stamp": stamp(gil)})
    };
    write_lines(
        &dir.path("python.jsonl"),
        &[
            json!({"job": "count", "model": "serial", "lang": "python", "variant": "loop", "tasks": 2, "to": 10_000_000,
                   "elapsed_s": 0.4, "stamp": {"cpu": "Test CPU", "cores": 2, "python": "3.11.99", "gil": true}}),
            row("loop", "serial", 0.8, true),
            row("threading.Thread", "threads", 0.82, true),
            row("loop", "serial", 0.8, false),
            row("threading.Thread (own N)", "threads", 0.45, false),
        ],
    );
    let ratios: Vec<f64> = (0..10).map(|i| 1.75 + 0.01 * f64::from(i % 3)).collect();
    write_lines(
        &dir.path("claims.jsonl"),
        &[json!({"job": "claim", "model": "threads", "lang": "python", "variant": "count", "elapsed_s": 2.0,
                 "interpreter": "python3.13t", "tasks": 2, "to": 10_000_000, "stamp": stamp(false),
                 "claim": {"claim": "switching the GIL off lets CPython threads scale (a free-threaded build, each thread its own N)",
                           "article": "(after the article: PEP 703)", "base": "3.13.99 loop", "other": "3.13.99 threading.Thread (own N)",
                           "rule": {"at_least": 1.5}, "ratios": ratios, "interval": null, "verdict": "holds", "disturbed": [],
                           "budget_s": 10.0, "spent_s": 2.0, "canary_ns": vec![0.27; 10]}})],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["report", "--out"])
        .arg(dir.path("reports"))
        .arg("--criterion")
        .arg(dir.path("criterion"))
        .arg("--claims")
        .arg(dir.path("claims.jsonl"))
        .arg("--python")
        .arg(dir.path("python.jsonl"))
        .arg("--sweep")
        .arg(dir.path("sweep.jsonl"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path("reports/index.html")).unwrap();
    assert!(html.contains("python3.13t (3.13.99, GIL off): threading.Thread (own N)"), "the row is drawn");
    assert!(html.contains("python3.13t (3.13.99, GIL on): threading.Thread"), "the GIL-on row is drawn");
    assert!(
        html.contains("python3.13t (3.13.99, GIL off) threading.Thread (own N) 1.78x"),
        "against its own serial"
    );
    assert!(stderr(&out).contains("switching the GIL off lets CPython threads scale"), "{}", stderr(&out));
}

/// Where a real free-threaded CPython is at hand (`just free-threaded` built one, or one is on
/// the PATH), the count runs on it with its GIL switched on and off, and each run says what
/// `sys._is_gil_enabled()` reported. Elsewhere the test says it is skipped.
#[test]
fn the_count_runs_on_a_real_free_threaded_build_when_there_is_one() {
    let found = Command::new(repo().join("scripts/free-threaded.sh")).arg("--find-only").output().unwrap();
    let Some(free) = stdout(&found).lines().last().map(str::to_string).filter(|_| found.status.success())
    else {
        eprintln!("skipped: no free-threaded CPython here (`just free-threaded` builds one)");
        return;
    };
    let dir = Scratch::new("free-threaded", "real");
    let out_file = dir.path("python.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "python",
            "--to",
            "10000000",
            "--count-to",
            "200000",
            "--python",
            "python3",
            "--python",
            &free,
        ])
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for gil in [true, false] {
        let rows: Vec<_> = records
            .iter()
            .filter(|r| r["job"] == "count" && !r["interpreter"].is_null() && r["stamp"]["gil"] == gil)
            .collect();
        assert!(rows.iter().any(|r| r["variant"] == "threading.Thread (own N)"), "GIL {gil}: {rows:?}");
        assert!(rows.iter().all(|r| r["result"] == 400_000), "every model counted 2 x N: {rows:?}");
    }
}
