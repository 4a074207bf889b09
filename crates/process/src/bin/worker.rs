//! A bare worker process for the crate's own tests and examples (the `harness` binary
//! serves the same protocol behind its hidden `__worker` argument).

fn main() -> std::process::ExitCode {
    process::worker::serve()
}
