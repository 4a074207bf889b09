//! The count kernel runs every step, in a register: `src/count.rs` compiled alone with
//! optimizations (as every release build compiles it), its `count_to` must hold a loop (a
//! jump back) with no memory access inside it. A folded kernel (`counter = n`, no loop) and a
//! kernel that keeps the counter in a stack slot (`black_box`) both fail here. Timing belongs
//! to `harness count` and the `count_kernels` example, not to a test.

#![cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]

use std::path::PathBuf;
use std::process::Command;

/// `count_to`'s labels and instructions in order, trimmed, as `rustc -O --emit=asm` prints
/// them (directives and comments left out).
fn count_to_assembly() -> Vec<String> {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/count.rs");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("count-{}.s", std::process::id()));
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args([
            "--edition=2021",
            "--crate-type=lib",
            "--crate-name=count",
            "-C",
            "opt-level=3",
            "--emit=asm",
            "-o",
        ])
        .arg(&out)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {}: {e} (this test compiles src/count.rs alone)", rustc.display())
        });
    assert!(
        output.status.success(),
        "rustc failed on src/count.rs:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("rustc wrote the assembly");
    let _ = std::fs::remove_file(&out);
    let mut lines =
        text.lines().skip_while(|l| !(l.contains("count_to") && l.ends_with(':') && !l.starts_with('.')));
    let start = lines.next().unwrap_or_else(|| panic!("no count_to in the assembly:\n{text}"));
    assert!(start.contains("count_to"));
    lines
        .take_while(|l| !l.contains(".cfi_endproc") && !l.starts_with(".Lfunc_end"))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//") && !l.starts_with(".cfi"))
        .filter(|l| !l.starts_with('.') || l.ends_with(':'))
        .collect()
}

fn is_memory_access(instruction: &str) -> bool {
    if cfg!(target_arch = "x86_64") {
        // AT&T syntax: a memory operand is `offset(base, index, scale)`.
        instruction.contains('(')
    } else {
        let op = instruction.split_whitespace().next().unwrap_or("");
        instruction.contains('[') || op.starts_with("ld") || op.starts_with("st")
    }
}

#[test]
fn count_to_is_a_loop_that_keeps_the_counter_in_a_register() {
    let body = count_to_assembly();
    // The loop: a jump to a label that stands before it.
    let looped = body.iter().enumerate().find_map(|(at, line)| {
        let mut words = line.split_whitespace();
        let op = words.next()?;
        let target = words.last()?;
        let is_jump = if cfg!(target_arch = "x86_64") { op.starts_with('j') } else { op.starts_with('b') };
        let label = body[..at].iter().position(|l| l.strip_suffix(':') == Some(target))?;
        is_jump.then_some((label, at))
    });
    let Some((from, to)) = looped else {
        panic!("count_to has no loop: the compiler folded it into `counter = n`:\n{}", body.join("\n"))
    };
    let touching: Vec<&String> = body[from..=to].iter().filter(|l| is_memory_access(l)).collect();
    assert!(
        touching.is_empty(),
        "count_to's loop goes through memory ({touching:?}): its speed would follow the core's store forwarding:\n{}",
        body.join("\n")
    );
}

#[test]
fn count_to_returns_n() {
    for n in [0, 1, 2, 1000, 1 << 20] {
        assert_eq!(workload::count_to(n), n);
    }
}
