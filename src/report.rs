//! A thread's status report as the daemon holds it: the replication thread replaces it as
//! it goes, readers (SHOW SLAVE STATUS, metrics) take a copy — no file in between. The
//! thread also persists each report it makes, for `replicant status` while the daemon is
//! down; the daemon reads those files once, at start, for the threads' last words.

use std::sync::{Arc, Mutex};

/// Whether a replication thread runs, as Slave_IO_Running / Slave_SQL_Running say it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Running {
    /// Running (and, for the receiver, connected).
    Yes,
    /// Stopped.
    #[default]
    No,
    /// The receiver is (re)connecting to the master.
    Connecting,
}

impl Running {
    /// The word SHOW SLAVE STATUS shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Running::Yes => "Yes",
            Running::No => "No",
            Running::Connecting => "Connecting",
        }
    }
}

/// A temporary file name next to `path` that no other writer uses at the same time: a
/// status file is written by more than one thread (the applier, and the store's writer
/// once the WAL holds what it reports), and two writers sharing one temporary name could
/// rename the other's half-written file into place.
pub fn unique_tmp(path: &std::path::Path) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.{n}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// One thread's latest status; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Report<T> {
    /// The latest report.
    latest: Arc<Mutex<T>>,
}

impl<T: Clone> Report<T> {
    /// A report holding `initial`.
    pub fn new(initial: T) -> Report<T> {
        Report {
            latest: Arc::new(Mutex::new(initial)),
        }
    }

    /// Replaces the report.
    pub fn set(&self, status: &T) {
        let mut g = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        g.clone_from(status);
    }

    /// A copy of the latest report.
    pub fn get(&self) -> T {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the report in place; returns the new one.
    pub fn update(&self, f: impl FnOnce(&mut T)) -> T {
        let mut g = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g);
        g.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_unique_per_write() {
        let p = std::path::Path::new("/d/applier-status.json");
        let (a, b) = (unique_tmp(p), unique_tmp(p));
        assert_ne!(a, b);
        assert_eq!(a.parent(), p.parent());
        assert!(a.to_string_lossy().ends_with(".tmp"), "{a:?}");
    }

    #[test]
    fn clones_share_the_latest() {
        let r = Report::new(1u32);
        let reader = r.clone();
        r.set(&5);
        assert_eq!(reader.get(), 5);
        assert_eq!(reader.update(|v| *v += 1), 6);
        assert_eq!(r.get(), 6);
    }
}
