//! The `harness` binary's library: the CLI contract of DESIGN.md, the model registry, and
//! the commands. Kept as a library so that integration tests and benches reach the same code.

pub mod cli;
pub mod count_cmd;
pub mod gen_cmd;
pub mod human;
pub mod machine;
pub mod models;
pub mod ngram_cmd;

use cli::{Cli, Command};

/// Runs one parsed command; the error is the one line to print on stderr.
pub fn run(cli: &Cli) -> Result<(), String> {
    match &cli.command {
        Command::Gen(args) => gen_cmd::run(args),
        Command::Count(args) => count_cmd::run(args),
        Command::Ngram(args) => ngram_cmd::run(args),
    }
}
