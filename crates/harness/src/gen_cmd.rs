//! `harness gen`: write a synthetic shard, with a progress bar on a terminal.

use std::fs;
use std::time::Instant;
use workload::shown::Shown;

use indicatif::{ProgressBar, ProgressStyle};
use workload::gen::{generate, GenConfig};

use crate::cli::GenArgs;
use crate::{human, output};

pub fn run(args: &GenArgs) -> Result<(), crate::CliError> {
    generate_file(args).map_err(crate::CliError::Message)
}

fn generate_file(args: &GenArgs) -> Result<(), String> {
    let unique = args.unique.unwrap_or_else(|| workload::gen::unique_for(args.lines));
    let config = GenConfig { lines: args.lines, unique, seed: args.seed };
    config.validate().map_err(|e| format!("harness gen: {e}"))?;
    let out = &args.out;
    if out.extension().is_some_and(|e| e == "gz") {
        return Err(format!("{}: writing gzip is not supported; give a plain file name", out.shown()));
    }
    // A missing folder is made (`gen --out data/a.tsv` in a fresh clone), and said.
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.shown()))?;
        eprintln!("harness gen: created the folder {}", parent.shown());
    }
    output::check(out, &[])?;
    let mut file = output::OutputFile::create(out)?;

    // indicatif draws only when stderr is a terminal, so logs and CI stay clean.
    let bar = ProgressBar::new(config.lines);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {wide_bar} {percent:>3}% {human_pos}/{human_len} lines, {msg} ({eta} left)",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let summary = generate(&config, file.writer(), |lines, bytes| {
        bar.set_position(lines);
        bar.set_message(human::bytes(bytes));
    });
    bar.finish_and_clear();
    // On an error the temporary file is removed when `file` is dropped.
    let summary = summary.map_err(|e| format!("{}: {e}", out.shown()))?;
    file.commit()?;
    eprintln!(
        "wrote {}: {} lines, {}, {} distinct ngrams (seed {}) in {}",
        out.shown(),
        human::thousands(summary.lines),
        human::bytes(summary.bytes),
        human::thousands(summary.unique),
        config.seed,
        human::seconds(started.elapsed().as_secs_f64())
    );
    Ok(())
}
