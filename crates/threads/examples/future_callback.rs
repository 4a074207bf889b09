//! A future made by hand, a callback bound to it, and `set_result` firing the callback.
//! Python: `Future()`, `add_done_callback(callback)`, `set_result("some value")`.

use threads::futures::Future;

fn main() {
    let future: Future<&str> = Future::new();
    // The callback receives the future itself, as in Python.
    future.add_done_callback(|f| {
        println!("set_result ran the callback; the result is: {}", f.result().unwrap());
    });
    println!("callback bound; nothing has run yet");
    future.set_result("some value").unwrap();
}
