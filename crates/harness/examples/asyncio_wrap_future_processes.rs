//! `asyncio.wrap_future(executor.submit(count, 100000000))`: the future a
//! `ProcessPoolExecutor` returns cannot be awaited itself; wrapped, it can, and both then hold
//! the same result.

use async_pool::{runtime, wrap_future};
use process::functions::Count;
use process::ProcessPoolExecutor;

/// `concurrent::futures::Future<u64>` -> `Future<u64>`.
fn type_of<T>(_: &T) -> &'static str {
    let name = std::any::type_name::<T>();
    let generic = name.find('<').unwrap_or(name.len());
    let start = name[..generic].rfind("::").map_or(0, |i| i + 2);
    &name[start..]
}

fn main() {
    process::worker::serve_if_worker();
    let executor = ProcessPoolExecutor::new(2).unwrap();
    let future = executor.submit(Count, 100_000_000).unwrap();
    println!("submitted: {}", type_of(&future));
    let wrapped = wrap_future(future.clone());
    println!("wrapped: {}", type_of(&wrapped));
    let awaited = runtime(1).unwrap().block_on(wrapped).unwrap();
    println!("{awaited}");
    println!("{}", future.result().unwrap());
}
