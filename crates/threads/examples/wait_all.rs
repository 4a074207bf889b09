//! `wait(ALL_COMPLETED)` blocks until every future is done and splits them into done and
//! not done. Python: `fs = wait([...], return_when="ALL_COMPLETED")`.

use threads::futures::{wait, ReturnWhen, ThreadPoolExecutor};
use threads::lesson::task;

fn main() {
    let executor = ThreadPoolExecutor::default();
    let future1 = executor.submit(|| task("Mashiro", 16, 5)).unwrap();
    let future2 = executor.submit(|| task("Satori", 16, 2)).unwrap();
    let future3 = executor.submit(|| task("Koishi", 15, 4)).unwrap();
    println!("123");
    let fs = wait(&[future1, future2, future3], ReturnWhen::AllCompleted, None);
    println!("done: {:#?}", fs.done);
    println!("not_done: {:?}", fs.not_done);
    for f in &fs.done {
        println!("{}", f.result().unwrap());
    }
}
