//! Free disk space, watched before writing: the relay log and the store wait while the
//! filesystem they write to has less than the reserve left (`disk-space-reserve`), as
//! mysqld waits on a full disk ("Waiting for someone to free space"), instead of running
//! into ENOSPC — which RocksDB answers by refusing every later write until reopened.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The state shown while waiting (SHOW SLAVE STATUS, the log).
pub const WAITING: &str = "Waiting for someone to free space";

/// Bytes free for unprivileged writers on the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Watches the free space of one directory's filesystem, looking again after every
/// `CHECK_EVERY` bytes written (or at once when asked).
#[derive(Debug)]
pub struct SpaceGuard {
    dir: PathBuf,
    reserve: u64,
    written: u64,
    last_warning: Option<Instant>,
}

/// Bytes written between two looks at the free space.
const CHECK_EVERY: u64 = 256 << 10;

impl SpaceGuard {
    /// A guard keeping `reserve` bytes free under `dir` (0: never waits).
    pub fn new(dir: &Path, reserve: u64) -> SpaceGuard {
        SpaceGuard {
            dir: dir.to_path_buf(),
            reserve,
            written: CHECK_EVERY,
            last_warning: None,
        }
    }

    /// Counts `bytes` about to be written; true when the filesystem is below the reserve
    /// (the caller waits, calling [`SpaceGuard::wait_once`] until this is false).
    pub fn low(&mut self, bytes: u64) -> bool {
        if self.reserve == 0 {
            return false;
        }
        self.written = self.written.saturating_add(bytes);
        if self.written < CHECK_EVERY {
            return false;
        }
        self.written = 0;
        self.below_reserve()
    }

    /// True when the filesystem is below the reserve now (0: never).
    pub fn low_now(&mut self) -> bool {
        self.reserve != 0 && self.below_reserve()
    }

    fn below_reserve(&self) -> bool {
        free_bytes(&self.dir).is_some_and(|free| free < self.reserve)
    }

    /// One step of waiting: logs (at once, then every minute, as mysqld does), sleeps up
    /// to a second, and says whether space is still short.
    pub fn wait_once(&mut self, what: &str, sleep: impl FnOnce(Duration)) -> bool {
        if self
            .last_warning
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            self.last_warning = Some(Instant::now());
            tracing::warn!(
                dir = %self.dir.display(),
                free = free_bytes(&self.dir).unwrap_or(0),
                reserve = self.reserve,
                "{what}: disk is full. {WAITING}... (it continues by itself once space is freed)"
            );
        }
        sleep(Duration::from_secs(1));
        let short = self.below_reserve();
        if !short {
            self.last_warning = None;
            tracing::info!(dir = %self.dir.display(), "{what}: disk space freed, continuing");
        }
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_and_a_zero_reserve_never_waits() {
        let dir = std::env::temp_dir();
        assert!(free_bytes(&dir).is_some_and(|b| b > 0));
        let mut g = SpaceGuard::new(&dir, 0);
        assert!(!g.low(1 << 30));
        let mut g = SpaceGuard::new(&dir, u64::MAX);
        assert!(g.low(1), "the first write looks at once");
        assert!(!g.low(1), "then after CHECK_EVERY bytes");
        assert!(g.low(CHECK_EVERY));
        assert!(free_bytes(Path::new("/nonexistent/dir")).is_none());
    }
}
