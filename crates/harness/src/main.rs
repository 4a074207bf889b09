use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Re-executed by the process model as one of its workers.
    if std::env::args_os().nth(1).is_some_and(|a| a == process::worker::WORKER_ARG) {
        return process::worker::serve();
    }
    let cli = harness::cli::Cli::parse();
    match harness::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
