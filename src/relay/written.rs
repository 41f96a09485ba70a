//! Wakes the applier when relay bytes reach the OS: the relay writer's I/O thread bumps a
//! counter after each write, and an idle applier waits for it to move instead of polling
//! the relay files every few milliseconds. One counter per process: a reader woken for
//! another relay log only looks again and finds nothing new.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

static WRITTEN: (Mutex<u64>, Condvar) = (Mutex::new(0), Condvar::new());

/// The count of relay writes so far.
pub fn count() -> u64 {
    *WRITTEN.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// Called after bytes were written to a relay file (and to wake idle readers, e.g. to
/// see a stop request).
pub fn bump() {
    let (m, cv) = &WRITTEN;
    *m.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    cv.notify_all();
}

/// Waits until the count differs from `seen` or `timeout` passes; true when it moved.
pub fn wait_past(seen: u64, timeout: Duration) -> bool {
    let (m, cv) = &WRITTEN;
    let g = m.lock().unwrap_or_else(|e| e.into_inner());
    match cv.wait_timeout_while(g, timeout, |n| *n == seen) {
        Ok((n, _)) => *n != seen,
        Err(e) => *e.into_inner().0 != seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_ends_the_wait() {
        let seen = count();
        let t = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            bump();
        });
        // Woken by the bump (true), not ended by the timeout.
        assert!(wait_past(seen, Duration::from_secs(300)));
        t.join().unwrap();
    }
}
