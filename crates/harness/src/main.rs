use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Re-executed by the process model as one of its workers.
    if std::env::args_os().nth(1).is_some_and(|a| a == process::worker::WORKER_ARG) {
        return process::worker::serve();
    }
    // Re-executed by the MapReduce engine's process executor.
    if std::env::args_os().nth(1).is_some_and(|a| a == mapreduce::WORKER_ARG) {
        return mapreduce::serve_worker();
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
