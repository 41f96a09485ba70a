//! Wakes the applier when relay bytes reach the OS: the relay writer's I/O thread bumps a
//! counter after each write, and an idle applier waits for it to move instead of polling
//! the relay files every few milliseconds. One counter per process: a reader woken for
//! another relay log only looks again and finds nothing new.
//!
//! It also counts *cuts*: the receiver truncates the file it writes when a stream breaks
//! off inside a transaction (the master resends the whole group, after a new dump's
//! ROTATE and FORMAT_DESCRIPTION), and recovery does the same at start-up. Bytes past the
//! cut are then rewritten with other content, possibly before a tailing reader looks at
//! the file's length again, so a length that shrank is not enough to notice. A reader
//! compares [`cuts`] before handing out a group with the value it last read under; any
//! change sends it back to the start of the group (which is never past a cut: cuts go to
//! the writer's last group boundary, and a reader only ever stands on boundaries the writer
//! has already passed). Per process, like the write counter: the applier and the receiver
//! share the daemon's process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

static WRITTEN: (Mutex<u64>, Condvar) = (Mutex::new(0), Condvar::new());

static CUTS: AtomicU64 = AtomicU64::new(0);

/// The count of relay file cuts so far in this process.
pub fn cuts() -> u64 {
    CUTS.load(Ordering::SeqCst)
}

/// Called before a relay file is truncated and again after: a reader that read any byte
/// written after the cut, or any byte the cut removed, sees a count other than the one it
/// started its group under.
pub fn note_cut() {
    CUTS.fetch_add(1, Ordering::SeqCst);
}

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
