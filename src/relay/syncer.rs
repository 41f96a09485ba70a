//! Background fsync of relay data and the checkpoint that names it.
//!
//! `sync_relay_log=N` asks for durability every N events; doing the fsync (and the
//! checkpoint's own three) on the receiving thread would stall the stream on the disk. The
//! receiver instead hands the file and the checkpoint to this thread and goes on: the
//! checkpoint is still written only after the data it names is on disk, so it is never
//! ahead of durable relay data. Requests coalesce: while one fsync runs, only the newest
//! waiting request is kept (it covers everything the older ones did).

use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use super::{Checkpoint, RelayError};

/// One durability request: fsync `file`, then store `checkpoint` (if any) in `dir`.
pub(super) struct Job {
    /// A duplicate handle of the relay file.
    pub file: File,
    /// Its path, for errors.
    pub path: PathBuf,
    /// The checkpoint to record once the data is durable.
    pub checkpoint: Option<Checkpoint>,
    /// Where the checkpoint lives.
    pub dir: PathBuf,
}

#[derive(Default)]
struct State {
    /// Newest request not yet started.
    pending: Option<Job>,
    /// A request is being carried out.
    busy: bool,
    /// The first failure, reported to the next caller.
    error: Option<RelayError>,
    /// Stop the thread.
    shutdown: bool,
}

/// The fsync thread and its mailbox.
pub(super) struct Syncer {
    /// Shared state and its wake-up signal.
    shared: Arc<(Mutex<State>, Condvar)>,
    /// The thread.
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread.
    pub fn start() -> Syncer {
        let shared: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("relay-fsync".into())
            .spawn(move || run(&s))
            .ok();
        Syncer { shared, thread }
    }

    /// Queues a request (replacing an older waiting one); reports an earlier failure.
    pub fn submit(&self, job: Job) -> Result<(), RelayError> {
        if self.thread.is_none() {
            return do_job(job);
        }
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        st.pending = Some(job);
        cv.notify_all();
        Ok(())
    }

    /// Waits until every queued request is done; reports a failure.
    pub fn wait_idle(&self) -> Result<(), RelayError> {
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        while st.pending.is_some() || st.busy {
            st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        match st.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        {
            let (lock, cv) = &*self.shared;
            let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
            st.shutdown = true;
            cv.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(shared: &(Mutex<State>, Condvar)) {
    let (lock, cv) = shared;
    loop {
        let job = {
            let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(job) = st.pending.take() {
                    st.busy = true;
                    break job;
                }
                if st.shutdown {
                    return;
                }
                st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
            }
        };
        let result = do_job(job);
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        st.busy = false;
        if let Err(e) = result {
            st.error.get_or_insert(e);
        }
        cv.notify_all();
    }
}

fn do_job(job: Job) -> Result<(), RelayError> {
    job.file
        .sync_data()
        .map_err(super::io_err("fsync", &job.path))?;
    if let Some(cp) = job.checkpoint {
        cp.store(&job.dir)?;
    }
    Ok(())
}
