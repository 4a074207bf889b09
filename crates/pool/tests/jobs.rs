//! The pool model's own checks (the harness's property tests hold it against the oracle).

use pool::RayonPool;
use workload::run::Runner;
use workload::CountJob;

#[test]
fn counts_on_a_dedicated_pool_of_the_asked_size() {
    let pool = RayonPool::new(3).unwrap();
    assert_eq!(pool.workers(), 3);
    assert_eq!(CountJob { tasks: 7, to: 1000 }.run_on(&pool), Ok(7000));
    assert_eq!(CountJob { tasks: 0, to: 1000 }.run_on(&RayonPool::new(2).unwrap()), Ok(0));
}

#[test]
fn a_panic_on_the_pool_is_reported_with_its_worker_not_raised() {
    let pool = RayonPool::new(2).unwrap();
    let failure = pool.run_loops(2, &|worker| assert_ne!(worker, 1, "boom")).unwrap_err();
    assert_eq!(failure.worker, Some(1));
    assert!(failure.to_string().starts_with("worker 1 failed: panicked: assertion"), "{failure}");
    // The pool survives and keeps working.
    assert_eq!(CountJob { tasks: 2, to: 10 }.run_on(&pool), Ok(20));
}
