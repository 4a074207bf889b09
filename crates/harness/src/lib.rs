//! The `harness` binary's library: the CLI contract of ARCHITECTURE.md, the model registry,
//! and the commands. Kept as a library so that the integration tests reach the same code.

pub mod claims;
pub mod claims_cmd;
pub mod cli;
pub mod count_cmd;
pub mod gen_cmd;
pub mod human;
pub mod interpreter;
pub mod machine;
pub mod models;
pub mod ngram_cmd;
pub mod python_cmd;
pub mod report;
pub mod script;
pub mod stats;
pub mod sweep_cmd;

pub use workload::output;

use cli::{Cli, Command};

/// Why a command stopped early.
#[derive(Debug)]
pub enum CliError {
    /// The one line to print on stderr.
    Message(String),
    /// Whoever read our stdout stopped (`harness ... | head`): not an error, just stop.
    BrokenPipe,
}

impl From<String> for CliError {
    fn from(message: String) -> Self {
        CliError::Message(message)
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Message(format!("cannot write the output: {err}"))
        }
    }
}

/// `println!` that returns an error instead of panicking when stdout is closed.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::CliError::from)
    }};
}

/// Runs one parsed command.
pub fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Gen(args) => gen_cmd::run(args),
        Command::Count(args) => count_cmd::run(args),
        Command::Ngram(args) => ngram_cmd::run(args, workload::ngram::Kernel::Ngram),
        Command::Wordcount(args) => ngram_cmd::run(args, workload::ngram::Kernel::Words),
        Command::Python(args) => python_cmd::run(args).map_err(CliError::Message),
        Command::Sweep(args) => sweep_cmd::run(args),
        Command::Claims(args) => claims_cmd::run(args).map_err(CliError::Message),
        Command::Report(args) => report::run(args).map_err(CliError::Message),
        Command::MergeParts(args) => {
            let merged =
                distributed::parts::merge(&args.manifest, args.out.as_deref()).map_err(CliError::Message)?;
            say!(
                "merged {} parts into {}: {} lines, {}",
                merged.parts,
                workload::shown::path(&merged.output),
                human::thousands(merged.lines),
                human::bytes(merged.bytes)
            )?;
            Ok(())
        }
    }
}
