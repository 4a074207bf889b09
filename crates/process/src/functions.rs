//! Functions a worker process knows by name. A process cannot be sent a closure, only data
//! naming what to run (Python pickles a function as its qualified name, and the child
//! imports it); each function here is that name ([`RemoteFunction::task`]) and, for threads,
//! the code itself ([`Function::call`]), so the same `executor.map(TimedCount, numbers)`
//! runs on a `ThreadPoolExecutor` or a [`ProcessPoolExecutor`](crate::ProcessPoolExecutor).

use concurrent::futures::Function;
use workload::count_to;

use crate::protocol::{Reply, Task};
use crate::worker::timed_count;

/// A function a worker process can run: the task that names a call, and how its reply
/// becomes the function's result.
pub trait RemoteFunction<A>: Function<A> {
    /// The data that tells a worker to run this function on `arg`.
    fn task(&self, arg: A) -> Task;
    /// The call's result from the worker's reply (`Err`: the reply is not this function's).
    fn output(reply: Reply) -> Result<Self::Output, String>;
}

fn value(reply: Reply) -> Result<u64, String> {
    match reply {
        Reply::Value(v) => Ok(v),
        other => Err(format!("expected a number from the worker, got {other:?}")),
    }
}

/// The article's `count(to)`: counts to `to` one step at a time and returns the count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Count;

impl Function<u64> for Count {
    type Output = u64;
    fn call(&self, to: u64) -> u64 {
        count_to(to)
    }
}

impl RemoteFunction<u64> for Count {
    fn task(&self, to: u64) -> Task {
        Task::Count { to, times: 1 }
    }
    fn output(reply: Reply) -> Result<u64, String> {
        value(reply)
    }
}

/// The article's `count(to)` of its `executor.map` listing: counts, prints
/// `counted to N in S s` from wherever it runs (on stderr: a worker's stdout is its pipe to
/// the parent), returns the count.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimedCount;

impl Function<u64> for TimedCount {
    type Output = u64;
    fn call(&self, to: u64) -> u64 {
        timed_count(to)
    }
}

impl RemoteFunction<u64> for TimedCount {
    fn task(&self, to: u64) -> Task {
        Task::TimedCount { to }
    }
    fn output(reply: Reply) -> Result<u64, String> {
        value(reply)
    }
}

/// The article's `say_hello(name)`: `hello, {name}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SayHello;

impl Function<String> for SayHello {
    type Output = String;
    fn call(&self, name: String) -> String {
        format!("hello, {name}")
    }
}

impl RemoteFunction<String> for SayHello {
    fn task(&self, name: String) -> Task {
        Task::Hello { name }
    }
    fn output(reply: Reply) -> Result<String, String> {
        match reply {
            Reply::Text(text) => Ok(text),
            other => Err(format!("expected text from the worker, got {other:?}")),
        }
    }
}
