//! `pool.apply_async(...)` then `.get()`: both tasks start at once; `get` blocks, in the
//! order you call it. rayon: `pool.spawn` with a channel per task as the `AsyncResult`.

use std::sync::mpsc;

fn say_hello(name: &str) -> String {
    format!("hello, {name}")
}

fn main() {
    let pool = pool::build(2).unwrap();
    let (hi1_tx, hi1_async) = mpsc::channel();
    let (hi2_tx, hi2_async) = mpsc::channel();
    pool.spawn(move || hi1_tx.send(say_hello("satori")).unwrap());
    pool.spawn(move || hi2_tx.send(say_hello("koishi")).unwrap());
    // recv() is AsyncResult.get(); recv_timeout(d) is get(timeout).
    println!("{}", hi1_async.recv().unwrap());
    println!("{}", hi2_async.recv().unwrap());
}
