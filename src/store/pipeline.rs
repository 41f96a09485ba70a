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

use super::view::ReadView;
use super::FastHash;

/// Most memory the row cache may hold before it is cleared.
const CACHE_LIMIT: usize = 24 << 20;
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

/// Rewrites a WriteBatch with its records in key order, the last write of each key only.
///
/// Why: RocksDB's memtable is a skip list that remembers where its last insert went, so keys
/// inserted in order are found from there instead of from the top; the applier's batches
/// come in the master's row order, scattered over the tables. One batch is one atomic write,
/// so the order inside it and superseded writes of a key do not matter to any reader.
#[derive(Default)]
struct Sorter {
    /// (key start, key end, record start, record end) per record.
    records: Vec<(u32, u32, u32, u32)>,
    /// The rewritten batch.
    out: Vec<u8>,
}

/// WriteBatch record tags (RocksDB's `ValueType` in a batch).
const TAG_DELETION: u8 = 0x0;
const TAG_VALUE: u8 = 0x1;
/// The batch header: sequence number (8 bytes) and record count (4).
const HEADER: usize = 12;

impl Sorter {
    /// The sorted batch's bytes, or `None` to write `rep` as it is (records other than
    /// plain puts and deletes, or a batch too small to gain).
    fn sort(&mut self, rep: &[u8]) -> Option<&[u8]> {
        self.records.clear();
        if rep.len() < HEADER || rep.len() > u32::MAX as usize {
            return None;
        }
        let mut pos = HEADER;
        while pos < rep.len() {
            let start = pos;
            let tag = rep[pos];
            pos += 1;
            let (klen, n) = varint32(&rep[pos..])?;
            pos += n;
            let key = (pos, pos.checked_add(klen)?);
            pos = key.1;
            match tag {
                TAG_VALUE => {
                    let (vlen, n) = varint32(rep.get(pos..)?)?;
                    pos = pos.checked_add(n + vlen)?;
                }
                TAG_DELETION => {}
                _ => return None,
            }
            if pos > rep.len() {
                return None;
            }
            self.records
                .push((key.0 as u32, key.1 as u32, start as u32, pos as u32));
        }
        if self.records.len() < 2 {
            return None;
        }
        let key = |r: &(u32, u32, u32, u32)| &rep[r.0 as usize..r.1 as usize];
        // Stable: of equal keys the last written stays last.
        self.records.sort_by(|a, b| key(a).cmp(key(b)));
        self.out.clear();
        self.out.extend_from_slice(&rep[..HEADER]);
        let mut count = 0u32;
        for (i, r) in self.records.iter().enumerate() {
            if self.records.get(i + 1).is_some_and(|n| key(n) == key(r)) {
                continue;
            }
            self.out.extend_from_slice(&rep[r.2 as usize..r.3 as usize]);
            count += 1;
        }
        self.out[8..12].copy_from_slice(&count.to_le_bytes());
        Some(&self.out)
    }
}

/// A varint32 (RocksDB's length prefix): (value, bytes used).
fn varint32(b: &[u8]) -> Option<(usize, usize)> {
    let mut v = 0usize;
    for (i, &x) in b.iter().take(5).enumerate() {
        v |= ((x & 0x7f) as usize) << (7 * i);
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The last settled read view with the sequence number and catalog generation it reads
/// at, shared by the readers that come while the store stays unchanged. Writers clear it
/// once their write is in, so that it holds no snapshot (and no old row versions) longer
/// than its readers do.
#[derive(Clone, Default)]
pub struct LastView(Arc<Mutex<Option<Shared>>>);

/// A shared view: (sequence number, catalog generation, view).
type Shared = (u64, u64, Arc<ReadView>);

impl LastView {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Shared>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The shared view when it reads at sequence number `seq` with catalog `generation`.
    pub fn get(&self, seq: u64, generation: u64) -> Option<Arc<ReadView>> {
        match &*self.lock() {
            Some((s, g, v)) if *s == seq && *g == generation => Some(v.clone()),
            _ => None,
        }
    }

    /// Shares `view` (reading at `seq`, catalog `generation`) unless the store has moved
    /// on (`latest` is no longer `seq`: a writer may already have cleared).
    pub fn offer(&self, seq: u64, generation: u64, view: &Arc<ReadView>, latest: impl Fn() -> u64) {
        let mut last = self.lock();
        if latest() == seq {
            let old = last.replace((seq, generation, view.clone()));
            drop(last);
            drop(old);
        }
    }

    /// Forgets the shared view (after a write).
    pub fn clear(&self) {
        let old = self.lock().take();
        drop(old);
    }
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
    pub fn start(db: Arc<rocksdb::DB>, last_view: LastView) -> std::io::Result<Writer> {
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let flight: Arc<(Mutex<Flight>, Condvar)> = Arc::default();
        let f = flight.clone();
        let thread = std::thread::Builder::new()
            .name("store-write".into())
            .spawn(move || {
                let wo = rocksdb::WriteOptions::default();
                let mut sorter = Sorter::default();
                for job in rx {
                    let r = match job {
                        Job::Batch(batch) => match sorter.sort(batch.data()) {
                            Some(rep) => db.write_opt(rocksdb::WriteBatch::from_data(rep), &wo),
                            None => db.write_opt(batch, &wo),
                        },
                        Job::Wal { sync, then } => {
                            let r = db.flush_wal(sync);
                            // After a failed batch nothing more is confirmed (a binlog
                            // reader must not be shown what the store never got).
                            let failed = f.0.lock().map_or(true, |fl| fl.error.is_some());
                            if let (Ok(()), Some(then), false) = (&r, then, failed) {
                                then();
                            }
                            r
                        }
                    };
                    // The shared view no longer reads the latest state: let it go (its
                    // snapshot ends with the last reader holding it).
                    last_view.clear();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Per key, what is left (`None`: deleted).
    type State = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

    /// What a batch leaves per key, applying its records in order; and the keys in order.
    fn effect(b: &rocksdb::WriteBatch) -> (State, Vec<Vec<u8>>) {
        struct Seen(State, Vec<Vec<u8>>);
        impl rocksdb::WriteBatchIterator for Seen {
            fn put(&mut self, k: &[u8], v: &[u8]) {
                self.0.insert(k.to_vec(), Some(v.to_vec()));
                self.1.push(k.to_vec());
            }
            fn delete(&mut self, k: &[u8]) {
                self.0.insert(k.to_vec(), None);
                self.1.push(k.to_vec());
            }
        }
        let mut s = Seen(BTreeMap::new(), Vec::new());
        b.iterate(&mut s);
        (s.0, s.1)
    }

    #[test]
    fn sorted_batches_keep_the_last_write_of_each_key() {
        let mut b = rocksdb::WriteBatch::default();
        b.put(b"k3", b"a");
        b.delete(b"k1");
        b.put(b"k2", vec![7u8; 300]);
        b.put(b"k1", b"x");
        b.put(b"k3", b"b");
        b.delete(b"k3");
        b.put(b"", b"empty key");
        let (want, _) = effect(&b);
        let mut s = Sorter::default();
        let sorted = rocksdb::WriteBatch::from_data(s.sort(b.data()).unwrap());
        let (got, order) = effect(&sorted);
        assert_eq!(got, want);
        assert_eq!(
            order,
            vec![b"".to_vec(), b"k1".to_vec(), b"k2".to_vec(), b"k3".to_vec()]
        );
        assert_eq!(sorted.len(), 4);
        // Other records (a range deletion) and damaged bytes: written as they are.
        b.delete_range(b"a", b"b");
        assert!(s.sort(b.data()).is_none());
        let data = b.data().to_vec();
        for cut in 0..data.len() {
            let _ = s.sort(&data[..cut]);
        }
        assert!(s.sort(&[1; 11]).is_none());
    }
}
