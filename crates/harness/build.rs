//! Records which compiler built the harness, for the stamp every figure carries
//! (`machine::stamp`): asking `rustc --version` at run time cost about 20 ms of every
//! `--json` run's wall time (through rustup's proxy), and named whatever rustc was on the
//! PATH then rather than the one that built the binary.

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=HARNESS_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rerun-if-changed=build.rs");
}
