//! `asyncio.wrap_future(executor.submit(count, N))`: a result produced outside async code
//! (here by a std thread and by a child process) becomes something to `await`.

use std::process::{Command, Stdio};

use async_pool::{runtime, wrap_child, wrap_thread};
use workload::count_to;

const N: u64 = 100_000_000;

fn main() {
    // Run as the child: count and print the result.
    if std::env::args().nth(1).as_deref() == Some("child") {
        println!("{}", count_to(N));
        return;
    }
    let runtime = runtime(2).unwrap();
    runtime.block_on(async {
        let thread = std::thread::spawn(|| count_to(N));
        let child = Command::new(std::env::current_exe().unwrap())
            .arg("child")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let from_thread = wrap_thread(thread).await.unwrap();
        let output = wrap_child(child).await.unwrap();
        println!("from a std thread: {from_thread}");
        println!(
            "from a child process: {} ({})",
            String::from_utf8_lossy(&output.stdout).trim(),
            output.status
        );
    });
}
