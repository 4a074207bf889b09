//! The report page: one self-contained HTML file, the charts inline as SVG (nothing is
//! fetched from the network), each with what it shows and which part of the article it
//! answers.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::findings::Claim;

/// One chart and its words.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub article: &'static str,
    pub explanation: &'static str,
    /// What this run's figures say, computed from them (`findings`).
    pub findings: String,
    pub svg: Option<String>,
    /// Said when the machine was busy while this section's figures were measured
    /// (`findings::busy_warning`).
    pub busy: Option<String>,
}

/// A chart and its computed findings.
pub type Drawn = (Option<String>, String);

/// Every chart of the page, drawn, with its findings.
#[derive(Debug)]
pub struct Charts {
    pub count: Drawn,
    pub cores: Drawn,
    pub speedup: Drawn,
    pub ngram: Drawn,
    pub workers: Drawn,
    pub chunk: Drawn,
    pub overhead: Drawn,
    pub event_loop: Drawn,
}

pub fn sections(charts: Charts) -> Vec<Section> {
    let Charts { count, cores, speedup, ngram, workers, chunk, overhead, event_loop } = charts;
    vec![
        Section {
            id: "count",
            title: "1. Counting to N twice: the GIL in one picture",
            article: "the standard-library multiprocessing section: the two count listings (Process, then Thread)",
            explanation: "Two tasks each count to N in a plain loop. In Python, two threads take as long as one \
                thread doing both (the GIL lets one thread run bytecode at a time), while two processes, each \
                with its own interpreter and GIL, can take about half on two cores. Rust has no GIL: its threads \
                run at once like processes, and a step of its loop is compiled, not interpreted. The scale is \
                logarithmic.",
            findings: count.1,
            svg: count.0,
            busy: None,
        },
        Section {
            id: "cores",
            title: "1b. Cores kept busy: the GIL in one number",
            article: "the same two count listings, seen from the CPU's side",
            explanation: "The CPU time each model used (user and system, its worker processes included) over \
                its wall time, for the runs of chart 1. One busy core reads 1, two read 2. Two CPython threads \
                read about 1 whatever the cores: while one holds the GIL the other waits, so the machine is half \
                idle. Two processes, or two Rust threads, read about 2. A pool's workers report their own CPU \
                time, since they outlive the run.",
            findings: cores.1,
            svg: cores.0,
            busy: None,
        },
        Section {
            id: "speedup",
            title: "2. Speedup as the work grows",
            article: "the claim that processes give parallelism and threads (in CPython) do not",
            explanation: "Each Rust model's time for K tasks divided into serial's, with as many workers as cores. \
                The dashed line is the ideal: K times faster until the cores run out, flat after. A model below \
                it pays for starting its workers (processes most) or for merging their results.",
            findings: speedup.1,
            svg: speedup.0,
            busy: None,
        },
        Section {
            id: "ngram",
            title: "3. The MapReduce job: every model over the shard",
            article: "solving a MapReduce problem with asyncio: the Google Books Ngram word count",
            explanation: "Summing match_count per ngram over the whole file, reading included. The article's \
                Python program reads every line into a list, pickles chunks of it to worker processes and merges \
                dicts pairwise; the Rust models map the file into memory and share or name its bytes instead of \
                copying them. GB/s counts the file's bytes over the wall time.",
            findings: ngram.1,
            svg: ngram.0,
            busy: None,
        },
        Section {
            id: "workers",
            title: "3b. The MapReduce job: algorithm and parallelism, apart",
            article: "MapReduce: map in parallel, then reduce; the MapReduce engine against the article's merge",
            explanation: "Each model's time over serial's (the article's merge algorithm on one worker), on one \
                worker and on every core. Where a line starts above 1 at one worker, the model's algorithm is \
                faster than the article's by itself; how far it rises from there is what the extra workers add. \
                The dashed line is what more workers could give one algorithm at most.",
            findings: workers.1,
            svg: workers.0,
            busy: None,
        },
        Section {
            id: "chunks",
            title: "4. Chunk size: the Goldilocks curve",
            article: "the Goldilocks rule for the partition size (neither too small nor too large)",
            explanation: "The same job at chunk sizes from tiny to huge: with the chunk bytes copied to worker \
                processes (what pickling does), and with the MapReduce engine, whose workers share the mapped file. \
                Small chunks drown in per-task cost (framing, pipe round trips, a map per chunk); huge ones leave \
                workers idle at the end. The bottom of each curve is the answer for this machine and this file.",
            findings: chunk.1,
            svg: chunk.0,
            busy: None,
        },
        Section {
            id: "overhead",
            title: "5. What one task costs",
            article: "Process start/join, Pool.apply, ThreadPoolExecutor.submit, run_in_executor",
            explanation: "A task that does nothing, from start to result, for each mechanism, measured two ways: \
                one task with the mechanism idle before it (the latency a lone request sees: waking a sleeping \
                thread or process is part of it) and per task in a batch of many submitted at once (the \
                throughput a full queue sees). Starting a process means a new program; starting a thread, a new \
                stack; a warm pool only hands the task over. The work per task has to be larger than this for the \
                mechanism to pay off: the reason pools exist and the reason chunks must not be too small.",
            findings: overhead.1,
            svg: overhead.0,
            busy: None,
        },
        Section {
            id: "event-loop",
            title: "6. The event loop: why CPU work goes to an executor",
            article: "the process pool executor with the asyncio event loop: run_in_executor",
            explanation: "A heartbeat task should wake every 10 ms on the event loop while one count runs. Run \
                inline in a coroutine, the count holds the loop's only thread: no beat runs until it ends, and \
                the worst lateness is the whole count. Through run_in_executor on a process pool, the count runs \
                in another process and the loop keeps its beat. A thread pool moves the count off the loop's \
                thread, but in CPython both threads share one GIL: the loop gets it back at the latest after the \
                interpreter's switch interval, so its beats run late by about that much. Rust's tokio has no \
                GIL: spawn_blocking frees the loop entirely.",
            findings: event_loop.1,
            svg: event_loop.0,
            busy: None,
        },
    ]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `target` relative to folder `from` (both taken from the current directory).
fn relative(target: &Path, from: &Path) -> PathBuf {
    let absolute = |p: &Path| std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf());
    let normal = |p: PathBuf| -> Vec<Component<'static>> {
        let mut parts: Vec<Component<'static>> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::CurDir => {}
                other => parts.push(match other {
                    Component::Normal(s) => {
                        Component::Normal(Box::leak(s.to_os_string().into_boxed_os_str()))
                    }
                    Component::RootDir => Component::RootDir,
                    _ => continue,
                }),
            }
        }
        parts
    };
    let (t, f) = (normal(absolute(target)), normal(absolute(from)));
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

fn dataset_line(dataset: &Value) -> String {
    if dataset.is_null() {
        return "no ngram benchmark in this run".to_string();
    }
    let n = |k: &str| dataset[k].as_u64().map(crate::human::thousands).unwrap_or_else(|| "?".into());
    format!(
        "{} lines, {}, {} distinct ngrams ({})",
        n("lines"),
        dataset["bytes"].as_u64().map(crate::human::bytes).unwrap_or_else(|| "?".into()),
        n("distinct"),
        dataset["file"].as_str().unwrap_or("?")
    )
}

/// Everything the page says besides its charts.
#[derive(Debug)]
pub struct Context<'a> {
    /// The machine the figures were measured on, in words.
    pub machine: &'a str,
    /// Records of another run, not drawn, in words.
    pub set_aside: &'a [String],
    pub dataset: &'a Value,
    pub claims: &'a [Claim],
    pub criterion_report: &'a Path,
    pub out_dir: &'a Path,
    pub no_python: bool,
}

pub fn render(sections: &[Section], context: &Context<'_>) -> String {
    let Context { machine, set_aside, dataset, claims, criterion_report, out_dir, no_python } = *context;
    let link = relative(criterion_report, out_dir);
    let mut html = String::new();
    html.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Concurrency, measured: the report</title>\n<style>\n\
         body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n\
         h1{font-size:1.7em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2.2em}\n\
         figure.chart{margin:0} figure.chart svg{max-width:100%;height:auto;border:1px solid #ddd}\n\
         .meta{color:#555;font-size:.9em} .article{font-style:italic;color:#444}\n\
         .missing{background:#fff5e0;border:1px solid #f0c36d;padding:.6em 1em}\n\
         table.claims{border-collapse:collapse;font-size:.92em} table.claims td,table.claims th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}\n\
         p.findings{background:#f4f8fb;border-left:3px solid #1f77b4;padding:.4em .8em}\n</style>\n</head>\n<body>\n",
    );
    html.push_str("<h1>Concurrency, measured</h1>\n");
    html.push_str(&format!(
        "<p class=\"meta\">Machine: {}. Data set: {}. Rust figures are criterion medians; \
         <a href=\"{}\">criterion's own report</a> has every distribution.</p>\n",
        escape(machine),
        escape(&dataset_line(dataset)),
        escape(&link.to_string_lossy())
    ));
    if !set_aside.is_empty() {
        html.push_str("<div class=\"missing\"><p>Not drawn: records of another run (this page draws one run).</p><ul>\n");
        for line in set_aside {
            html.push_str(&format!("<li>{}</li>\n", escape(line)));
        }
        html.push_str("</ul></div>\n");
    }
    if no_python {
        html.push_str("<p class=\"missing\">No Python baselines in this run (no Python 3, or `just python` not run): the charts show Rust only.</p>\n");
    }
    if !claims.is_empty() {
        html.push_str(
            "<section id=\"claims\">\n<h2>The article's claims, checked on this run</h2>\n\
             <p>A verdict weighs the core count (one core cannot show a speedup), the Python build \
             (a free-threaded CPython's threads are meant to scale) and the noise: a difference inside \
             the spread of the repeats (at least ±5%) is \"cannot tell\".</p>\n\
             <table class=\"claims\">\n<tr><th>claim</th><th>the article</th><th>this run</th><th>verdict</th></tr>\n",
        );
        for c in claims {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(c.claim),
                escape(c.article),
                escape(&c.measured),
                escape(&c.verdict.to_string())
            ));
        }
        html.push_str("</table>\n</section>\n");
    }
    for s in sections {
        html.push_str(&format!("<section id=\"{}\">\n<h2>{}</h2>\n", s.id, escape(s.title)));
        html.push_str(&format!("<p class=\"article\">Article: {}</p>\n", escape(s.article)));
        match &s.svg {
            Some(svg) => {
                let svg = svg.trim_start_matches(|c| c != '<');
                let svg = svg
                    .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                    .unwrap_or(svg)
                    .trim_start();
                html.push_str(&format!(
                    "<figure class=\"chart\" role=\"img\" aria-label=\"{}\">\n{svg}\n</figure>\n",
                    escape(s.title)
                ));
            }
            None => html.push_str("<p class=\"missing\">No data for this chart in this run.</p>\n"),
        }
        html.push_str(&format!("<p>{}</p>\n", escape(s.explanation)));
        if !s.findings.is_empty() {
            html.push_str(&format!("<p class=\"findings\">{}</p>\n", escape(&s.findings)));
        }
        if let Some(busy) = &s.busy {
            html.push_str(&format!("<p class=\"missing busy\">{}</p>\n", escape(busy)));
        }
        html.push_str(&format!(
            "<p class=\"meta\">{} · {}</p>\n</section>\n",
            escape(machine),
            escape(&dataset_line(dataset))
        ));
    }
    // For the browser test: once laid out, count the charts that really drew something.
    html.push_str(
        "<script>\nwindow.addEventListener('load', function () {\n\
         var ok = 0;\n\
         document.querySelectorAll('figure.chart svg').forEach(function (svg) {\n\
         var box = svg.getBBox();\n\
         if (box.width > 0 && box.height > 0 && svg.querySelectorAll('text').length > 0) { ok += 1; }\n\
         });\n\
         document.body.setAttribute('data-charts-rendered', ok);\n\
         });\n</script>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}
