//! `pool.apply(say_hello, ...)` twice: each call blocks until its result is back.
//! rayon: `pool.install(|| f())` runs `f` on the pool and waits for it.

fn say_hello(name: &str) -> String {
    format!("hello, {name}")
}

fn main() {
    let pool = pool::build(2).unwrap();
    let hi1 = pool.install(|| say_hello("satori"));
    let hi2 = pool.install(|| say_hello("koishi"));
    println!("{hi1}");
    println!("{hi2}");
}
