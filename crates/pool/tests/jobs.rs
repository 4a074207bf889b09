//! The pool model's own checks (the harness's property tests hold it against the oracle).

use workload::CountJob;

#[test]
fn counts_on_a_dedicated_pool_of_the_asked_size() {
    let pool = pool::build(3).unwrap();
    assert_eq!(pool.current_num_threads(), 3);
    assert_eq!(pool::count_on(&pool, CountJob { tasks: 7, to: 1000 }), Ok(7000));
    assert_eq!(pool::count(CountJob { tasks: 0, to: 1000 }, 2), Ok(0));
}

#[test]
fn a_panic_on_the_pool_is_reported_not_raised() {
    let pool = pool::build(2).unwrap();
    let failure = pool::guarded(&pool, || -> u64 { panic!("boom") }).unwrap_err();
    assert_eq!(failure.to_string(), "a worker panicked: boom");
    // The pool survives and keeps working.
    assert_eq!(pool::count_on(&pool, CountJob { tasks: 2, to: 10 }), Ok(20));
}
