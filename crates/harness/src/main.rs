use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Re-executed as a worker process (the process model with either algorithm, and the
    // executors on processes): the one hidden entry point.
    if std::env::args_os().nth(1).is_some_and(|a| a == process::WORKER_ARG) {
        return process::worker::serve();
    }
    let cli = harness::cli::Cli::parse();
    match harness::run(&cli) {
        Ok(()) | Err(harness::CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(harness::CliError::Message(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
