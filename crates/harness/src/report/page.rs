//! The report page: one self-contained HTML file, the charts inline as SVG (nothing is
//! fetched from the network), each with what it shows and which part of the article it
//! answers.

use std::path::{Component, Path, PathBuf};

use super::findings::Claim;
use super::record::Dataset;

/// One chart and its words: what it shows (fixed: the mechanism), and what this run's
/// figures say (computed from them).
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub article: &'static str,
    pub explanation: &'static str,
    /// What this run's figures say, computed from them.
    pub findings: String,
    pub svg: Option<String>,
    /// Said when the machine was busy while this section's figures were measured
    /// (`findings::busy_warning`).
    pub busy: Option<String>,
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

fn dataset_line(dataset: Option<&Dataset>) -> String {
    let Some(dataset) = dataset else { return "no ngram benchmark in this run".to_string() };
    let n = |v: Option<u64>| v.map(crate::human::thousands).unwrap_or_else(|| "?".into());
    format!(
        "{} lines, {}, {} distinct ngrams ({})",
        n(dataset.lines),
        dataset.bytes.map(crate::human::bytes).unwrap_or_else(|| "?".into()),
        n(dataset.distinct),
        dataset.file.as_deref().unwrap_or("?")
    )
}

/// Everything the page says besides its charts.
#[derive(Debug)]
pub struct Context<'a> {
    /// The machine the figures were measured on, in words.
    pub machine: &'a str,
    /// Records of another run, not drawn, in words.
    pub set_aside: &'a [String],
    pub dataset: Option<&'a Dataset>,
    pub claims: &'a [Claim],
    /// How the claims were measured and decided, in words (`report::claims`).
    pub claims_method: &'a str,
    pub criterion_report: &'a Path,
    pub out_dir: &'a Path,
    pub no_python: bool,
}

pub fn render(sections: &[Section], context: &Context<'_>) -> String {
    let Context { machine, set_aside, dataset, claims, claims_method, criterion_report, out_dir, no_python } =
        *context;
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
        "<p class=\"meta\">Machine: {}. Data set: {}. The charts' Rust figures are criterion's runs (the \
         median of its samples); <a href=\"{}\">criterion's own report</a> has every distribution. The claims \
         are measured side by side.</p>\n",
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
        html.push_str("<section id=\"claims\">\n<h2>The article's claims, checked on this run</h2>\n");
        html.push_str(&format!("<p>{}</p>\n", escape(claims_method)));
        html.push_str(
            "<table class=\"claims\">\n<tr><th>claim</th><th>the article</th><th>this run</th><th>verdict</th></tr>\n",
        );
        for c in claims {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&c.claim),
                escape(&c.article),
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
