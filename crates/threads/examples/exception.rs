//! A task's failure is kept in its future: `exception()` returns it, `result()` re-raises it.
//! Python: `1 / 0` in a task, then `future1.exception()`, `future2.exception()`.

use std::hint::black_box;

use threads::futures::ThreadPoolExecutor;

fn main() {
    // Like Python, the pool prints nothing when a task fails: the failure waits in the
    // future until someone asks (Rust's default hook would print the panic at once; the
    // executor keeps it quiet).
    let executor = ThreadPoolExecutor::new(2);
    let zero = black_box(0u32);
    let future1 = executor.submit(move || 1 / zero).unwrap(); // panics: Rust's ZeroDivisionError
    let future2 = executor.submit(|| ()).unwrap();

    println!("future1.exception(): {:?}", future1.exception().unwrap().map(|e| e.to_string()));
    println!("future2.exception(): {:?}", future2.exception().unwrap());
    match future1.result() {
        Ok(value) => println!("unexpected value {value}"),
        Err(err) => println!("future1.result(): {err}"),
    }
}
