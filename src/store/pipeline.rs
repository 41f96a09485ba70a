//! The store's write pipeline: committed WriteBatches go to a writer thread, which inserts
//! them into RocksDB in order while the applier builds the next transactions on the other
//! core; a row cache holds every key committed since it was last cleared, so reads never
//! miss a batch still in flight and repeated reads of hot rows skip RocksDB.
//!
//! Invariants: batches are written in commit order (one thread, FIFO channel); the cache
//! is cleared only after the writer has drained, and a read that misses the cache goes to
//! RocksDB only when every batch that could hold that key was written (a key written by an
//! in-flight batch is in the cache).

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex};

use super::FastHash;

/// Most memory the row cache may hold before it is cleared.
const CACHE_LIMIT: usize = 96 << 20;
/// Per-entry bookkeeping added to the key and value lengths.
const ENTRY_OVERHEAD: usize = 64;
/// Batches queued for the writer before commit waits.
const QUEUE: usize = 64;

/// Keys → committed values (`None`: known absent).
#[derive(Default)]
pub struct RowCache {
    /// The entries.
    map: HashMap<Vec<u8>, Option<Vec<u8>>, FastHash>,
    /// Their approximate size.
    bytes: usize,
}

impl RowCache {
    /// The cached state of `key`: `Some(None)` known absent, `None` not cached.
    pub fn get(&self, key: &[u8]) -> Option<&Option<Vec<u8>>> {
        self.map.get(key)
    }

    /// Records the committed state of `key`.
    pub fn insert(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.replace(key, value);
    }

    /// Sets the state of `key`, returning the previous one (`None`: was not cached).
    pub fn replace(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) -> Option<Option<Vec<u8>>> {
        let klen = key.len();
        self.bytes += klen + value.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD;
        let prev = self.map.insert(key, value);
        if let Some(old) = &prev {
            self.bytes = self
                .bytes
                .saturating_sub(klen + old.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD);
        }
        prev
    }

    /// Forgets `key`, returning its state.
    pub fn remove(&mut self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let prev = self.map.remove(key);
        if let Some(old) = &prev {
            self.bytes = self
                .bytes
                .saturating_sub(key.len() + old.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD);
        }
        prev
    }

    /// Forgets every key in `[from, to)`, returning them with their states.
    pub fn remove_range(&mut self, from: &[u8], to: &[u8]) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let gone: Vec<(Vec<u8>, Option<Vec<u8>>)> = self
            .map
            .extract_if(|k, _| k.as_slice() >= from && k.as_slice() < to)
            .collect();
        for (k, v) in &gone {
            self.bytes = self
                .bytes
                .saturating_sub(k.len() + v.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD);
        }
        gone
    }

    /// True when the cache should be cleared.
    pub fn full(&self) -> bool {
        self.bytes > CACHE_LIMIT
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }
}

/// Batches in flight and the first write error.
#[derive(Default)]
struct Flight {
    /// Batches sent and not yet written.
    pending: usize,
    /// Jobs sent so far.
    sent: u64,
    /// Jobs done so far.
    done: u64,
    /// The first error the writer met; every later commit fails with it.
    error: Option<String>,
}

/// Work for the writer thread, done in the order sent.
pub enum Job {
    /// Insert a batch.
    Batch(rocksdb::WriteBatch),
    /// Write the WAL buffer to its file (and fsync it when `sync`), then run `then`.
    Wal {
        /// fsync too.
        sync: bool,
        /// What to do once it is done (publish a purge mark, write a status file).
        then: Option<Box<dyn FnOnce() + Send>>,
    },
}

/// The writer thread.
pub struct Writer {
    /// Sends work.
    tx: Option<SyncSender<Job>>,
    /// Flight state, with a condition signalled after each write.
    flight: Arc<(Mutex<Flight>, Condvar)>,
    /// The thread.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread writing into `db`.
    pub fn start(db: Arc<rocksdb::DB>) -> std::io::Result<Writer> {
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let flight: Arc<(Mutex<Flight>, Condvar)> = Arc::default();
        let f = flight.clone();
        let thread = std::thread::Builder::new()
            .name("store-write".into())
            .spawn(move || {
                let wo = rocksdb::WriteOptions::default();
                for job in rx {
                    let r = match job {
                        Job::Batch(batch) => db.write_opt(batch, &wo),
                        Job::Wal { sync, then } => {
                            let r = db.flush_wal(sync);
                            if let (Ok(()), Some(then)) = (&r, then) {
                                then();
                            }
                            r
                        }
                    };
                    let (lock, cv) = &*f;
                    let mut fl = lock.lock().unwrap_or_else(|e| e.into_inner());
                    if let Err(e) = r {
                        fl.error.get_or_insert(e.to_string());
                    }
                    fl.pending -= 1;
                    fl.done += 1;
                    cv.notify_all();
                }
            })?;
        Ok(Writer {
            tx: Some(tx),
            flight,
            thread: Some(thread),
        })
    }

    /// Queues a job (waits while the queue is full).
    pub fn send(&self, job: Job) -> Result<(), String> {
        {
            let mut fl = self.flight.0.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = &fl.error {
                return Err(e.clone());
            }
            fl.pending += 1;
            fl.sent += 1;
        }
        match &self.tx {
            Some(tx) if tx.send(job).is_ok() => Ok(()),
            _ => {
                let mut fl = self.flight.0.lock().unwrap_or_else(|e| e.into_inner());
                fl.pending -= 1;
                fl.sent -= 1;
                Err("the store writer thread is gone".into())
            }
        }
    }

    /// Waits until every queued batch is written; returns the writer's first error.
    pub fn drain(&self) -> Result<(), String> {
        self.wait(|fl| fl.pending == 0)
    }

    /// Waits until every batch queued before this call is written (not those queued while
    /// it waits: a reader is not starved by a busy applier).
    pub fn drain_queued(&self) -> Result<(), String> {
        let target = self.flight.0.lock().unwrap_or_else(|e| e.into_inner()).sent;
        self.wait(|fl| fl.done >= target)
    }

    fn wait(&self, done: impl Fn(&Flight) -> bool) -> Result<(), String> {
        let (lock, cv) = &*self.flight;
        let mut fl = lock.lock().unwrap_or_else(|e| e.into_inner());
        while !done(&fl) {
            // A writer thread that died (panicked) never signals again: notice it.
            if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                return Err("the store writer thread stopped".into());
            }
            fl = cv
                .wait_timeout(fl, std::time::Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        match &fl.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
