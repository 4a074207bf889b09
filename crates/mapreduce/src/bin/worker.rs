//! A bare worker for the engine's process executor, for the crate's own tests (the
//! `harness` binary serves the same protocol behind its hidden `__mapreduce_worker` argument).

fn main() -> std::process::ExitCode {
    mapreduce::serve_worker()
}
