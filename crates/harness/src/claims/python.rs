//! Python's claims: `python/count.py --serve` keeps its pools warm and runs one variant per
//! request (serial, threads, the process model under each start method, the pools,
//! `run_in_executor`), so the rounds are decided here, by the same rule as Rust's. The child
//! is a [`Script`]: killed with its group and reaped on every way out (an error, a reply that
//! is not one, a reply that never comes, a signal).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::rounds::{Side, Spec, Timed};
use super::rust::{one_core, scales};
use super::verdict::{Rule, Verdict};
use crate::interpreter::Gil;
use crate::script::Script;

/// How long the script may take to say what it runs (start its interpreter and its pools).
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
/// The least time one request may take before the script is taken for stuck; with a larger
/// budget, twice the budget (no round the budget allows takes longer).
const LEAST_REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// What the script says it can run.
#[derive(Debug, Clone, Deserialize)]
pub struct Hello {
    pub variants: Vec<Variant>,
    pub python: String,
    pub gil: bool,
    pub start_methods: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Variant {
    pub variant: String,
    pub model: String,
    pub workers: u64,
    pub start_method: Option<String>,
}

/// One reply: a run's times, a start-up's, or an error.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reply {
    pub elapsed_s: Option<f64>,
    pub elapsed_min_s: Option<f64>,
    pub elapsed_max_s: Option<f64>,
    pub runs: Option<u64>,
    pub cpu_s: Option<f64>,
    pub cores_used: Option<f64>,
    pub result: Option<u64>,
    pub error: Option<String>,
}

/// A running `count.py --serve` (a [`Script`]: it never outlives harness).
#[derive(Debug)]
pub struct Server {
    script: Script,
    reply_timeout: Duration,
}

impl Server {
    /// Starts `python count.py --serve` with N, K and W, and reads what it can run; a request
    /// may then take up to twice `budget_s` (at least a minute).
    pub fn start(
        python: &Path,
        gil: Gil,
        script: &Path,
        (to, tasks, workers): (u64, usize, usize),
        budget_s: f64,
    ) -> Result<(Server, Hello), String> {
        let args = [
            "--serve".to_string(),
            format!("--to={to}"),
            format!("--tasks={tasks}"),
            format!("--workers={workers}"),
        ];
        let reply_timeout = LEAST_REPLY_TIMEOUT.max(Duration::from_secs_f64((2.0 * budget_s).min(86_400.0)));
        let mut server =
            Server { script: Script::start_with(python, script, &args, true, gil.env())?, reply_timeout };
        let hello = server.receive(HELLO_TIMEOUT)?;
        let hello: Hello = serde_json::from_str(&hello).map_err(|e| {
            format!("{}: its first line does not say what it runs ({e}): {hello}", server.script.name)
        })?;
        Ok((server, hello))
    }

    fn receive(&mut self, timeout: Duration) -> Result<String, String> {
        self.script.line(timeout)?.ok_or_else(|| format!("{}: ended without a reply", self.script.name))
    }

    /// Sends `command` and reads the reply.
    pub fn request(&mut self, command: &str) -> Result<Reply, String> {
        self.script.send(command)?;
        let line = self.receive(self.reply_timeout)?;
        let reply: Reply = serde_json::from_str(&line)
            .map_err(|e| format!("{}: `{command}` answered {line:?} ({e})", self.script.name))?;
        match &reply.error {
            Some(error) => Err(format!("{}: {error}", self.script.name)),
            None => Ok(reply),
        }
    }

    /// Runs `variant` once, as a side's run.
    pub fn run(&mut self, variant: &str, expected: u64) -> Result<Timed, String> {
        let reply = self.request(&format!("run {variant}"))?;
        if reply.result != Some(expected) {
            return Err(format!("{variant} returned {:?}, expected {expected}", reply.result));
        }
        let (Some(wall_s), Some(cpu_s)) = (reply.elapsed_s, reply.cpu_s) else {
            return Err(format!("{}: a run's reply without its times", self.script.name));
        };
        if !(wall_s.is_finite() && wall_s > 0.0 && cpu_s.is_finite() && cpu_s >= 0.0) {
            return Err(format!("{}: {variant} took {wall_s} s ({cpu_s} s of CPU)", self.script.name));
        }
        Ok(Timed { wall_s, cpu_s, outside_cpu_s: cpu_s })
    }

    /// Asks it to close its pools and end, and waits for it.
    pub fn finish(self) -> Result<(), String> {
        self.script.finish()
    }
}

/// The sides: every variant the script runs (serial first).
pub fn sides<'s>(
    server: &'s std::cell::RefCell<Server>,
    hello: &Hello,
    expected: u64,
    prefix: &str,
) -> Vec<Side<'s>> {
    hello
        .variants
        .iter()
        .map(|v| {
            let variant = v.variant.clone();
            Side {
                name: format!("{prefix} {}", v.variant),
                run: Box::new(move || server.borrow_mut().run(&variant, expected)),
                // Processes start, and a GIL's waiting thread sleeps: the kernel's tick
                // counters judge Python's rounds (seconds long) instead.
                watched: false,
            }
        })
        .collect()
}

/// The claims over `hello`'s variants, serial (`loop`) as the base: CPython's threads give no
/// speedup (with a GIL) or scale (without one); the process model under the platform's
/// default start method (the article's `Process`), each pool and `run_in_executor` scale. The
/// other start methods run in the same rounds (chart 1 gives their ratios), but claim nothing:
/// each of their processes first starts a fresh interpreter, a cost of its own that the
/// article's claim is not about (its share depends on N).
pub fn specs(hello: &Hello, tasks: usize, cores: usize, another_interpreter: bool, gil: Gil) -> Vec<Spec> {
    let Some(base) = hello.variants.iter().position(|v| v.model == "serial") else { return Vec::new() };
    let ideal = tasks.min(cores);
    let mut specs = Vec::new();
    for (other, v) in hello.variants.iter().enumerate() {
        let spec = |claim: &str, article: &str, rule: Rule, settled: Option<Verdict>| Spec {
            claim: claim.into(),
            article: article.into(),
            base,
            other,
            rule,
            settled,
        };
        match v.model.as_str() {
            // Without a GIL, the claim is about threads that share nothing but the code: the
            // article's threads read one N object, whose reference count a free-threaded 3.13
            // makes them fight over (chart 1 shows both rows).
            "threads" if !hello.gil && v.variant.contains("own N") => specs.push(spec(
                "switching the GIL off lets CPython threads scale (a free-threaded build, each thread its own N)",
                "(after the article: PEP 703, CPython 3.13t and 3.14t)",
                scales(ideal),
                one_core(cores),
            )),
            "threads" if !hello.gil => {}
            "threads" if gil == Gil::On && v.variant == "threading.Thread" => specs.push(spec(
                "with its GIL switched back on (PYTHON_GIL=1), the same free-threaded CPython's threads give no speedup",
                "2 threads: 3.30 s, against 1.81 s for 2 processes (the article's CPython, with its GIL)",
                Rule::AtMost(1.25),
                one_core(cores),
            )),
            "threads" if gil == Gil::On => {}
            "threads" => specs.push(spec(
                "CPython threads give no speedup on CPU work (the GIL)",
                "2 threads: 3.30 s, against 1.81 s for 2 processes",
                Rule::AtMost(1.25),
                one_core(cores),
            )),
            _ if another_interpreter => {}
            "process" if v.start_method.as_deref() == hello.start_methods.first().map(String::as_str) => {
                specs.push(spec(
                    "processes give up to min(K, cores)x: each has its own interpreter and GIL",
                    "2 processes: 1.81 s",
                    scales(ideal),
                    one_core(cores),
                ))
            }
            "pool" | "async" => specs.push(spec(
                "a process pool (Pool, ProcessPoolExecutor, run_in_executor) behaves like processes",
                "ProcessPoolExecutor: one count to 1e8 in 1.63 s",
                scales(ideal),
                one_core(cores),
            )),
            _ => {}
        }
    }
    specs
}
