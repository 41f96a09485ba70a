//! The store: RocksDB under `<datadir>/store`, holding the replica's data and
//! the applied position.
//!
//! Key space (first byte is the kind):
//! - `M` + name: metadata — `M applied` is the applied position.
//! - `R` + table id (u32, big-endian) + memcomparable primary key ([`keycodec`]), or the
//!   hidden row id of a table without one: a row ([`row`] encoding).
//! - `I` + table id + index id (u16) + memcomparable key (+ primary key for non-unique
//!   keys): an index entry; a unique entry's value is the row's primary key.
//! - `D` + name / `T` + table id: catalog records ([`catalog`]).
//!
//! Architecture invariant: the applied position changes only inside the WriteBatch that
//! applies the transaction it names ([`Txn::commit`]), so after a crash at any instant the
//! store holds exactly the transactions up to its position: none lost, none twice.
//!

pub mod catalog;
pub mod charset;
pub mod collation;
pub mod dump;
pub mod keycodec;
pub mod overlay;
pub mod pipeline;
pub mod row;
pub mod table;
pub mod text;
pub mod view;

use std::path::{Path, PathBuf};

use catalog::{Catalog, DatabaseDef, TableDef, ViewDef};

use crate::binlog::BinlogPos;
use crate::relay::reader::RelayPos;

/// A store failure, naming the store directory.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB reported an error.
    #[error("store {path}: {source}")]
    Rocks {
        /// Store directory.
        path: PathBuf,
        /// RocksDB's error.
        source: rocksdb::Error,
    },
    /// The writer thread failed.
    #[error("store {path}: write failed: {reason}")]
    Writer {
        /// Store directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Stored metadata does not decode.
    #[error("store {path}: unreadable {what}: {reason}")]
    Corrupt {
        /// Store directory.
        path: PathBuf,
        /// Which record.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

/// Where the applier stands: just past the last applied transaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppliedPos {
    /// Relay coordinate (Relay_Log_File / Relay_Log_Pos).
    pub relay: RelayPos,
    /// Master coordinate (Relay_Master_Log_File / Exec_Master_Log_Pos).
    pub master: Option<BinlogPos>,
    /// The master's GTIDs applied: a MariaDB master's last GTID (`domain-server-seq`), a
    /// MySQL master's executed set (`uuid:1-5,...`).
    pub gtid: Option<String>,
}

/// Key of the applied position.
const APPLIED_KEY: &[u8] = b"Mapplied";
/// Key of the next table id.
const NEXT_TABLE_KEY: &[u8] = b"Mnext_table_id";
/// Changes whenever the applier commits an account statement or FLUSH PRIVILEGES: the
/// endpoint reloads its accounts from the mysql tables when it sees a new value.
pub const ACL_EPOCH_KEY: &[u8] = b"Macl_epoch";

/// The key of view `db`.`name`.
fn view_key(db: &str, name: &str) -> Vec<u8> {
    let mut k = vec![keys::VIEW];
    k.extend_from_slice(db.as_bytes());
    k.push(0);
    k.extend_from_slice(name.as_bytes());
    k
}

fn routine_key(db: &str, kind: &str, name: &str) -> Vec<u8> {
    let mut k = vec![keys::ROUTINE];
    k.extend_from_slice(db.as_bytes());
    k.push(0);
    k.extend_from_slice(kind.as_bytes());
    k.push(0);
    k.extend_from_slice(name.to_lowercase().as_bytes());
    k
}

/// A batch record to write again: key, value (`None`: deleted), range end.
type Again = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

fn overlay_record(k: &[u8], v: Option<&[u8]>, to: Option<&[u8]>) -> Again {
    (k.to_vec(), v.map(<[u8]>::to_vec), to.map(<[u8]>::to_vec))
}

/// Key builders. Every key of a table (rows, indexes) starts with a kind byte and the
/// table id, so dropping or truncating a table is one range deletion per kind.
pub mod keys {
    /// A row: `R` + table id + primary key (or hidden row id).
    pub const ROW: u8 = b'R';
    /// An index entry: `I` + table id + index id + key [+ primary key].
    pub const INDEX: u8 = b'I';
    /// A database definition: `D` + name.
    pub const DATABASE: u8 = b'D';
    /// A table definition: `T` + table id.
    pub const TABLE: u8 = b'T';
    /// A view definition: `V` + database + NUL + name.
    pub const VIEW: u8 = b'V';
    /// A prepared XA transaction's changes, parked until XA COMMIT: `X` + its xid.
    pub const XA: u8 = b'X';
    /// A stored routine: `P` + database + NUL + kind + NUL + lower-case name.
    pub const ROUTINE: u8 = b'P';
    /// A table's AUTO_INCREMENT counter (the next value, u64 big-endian): `A` + table id.
    pub const AUTO_INCREMENT: u8 = b'A';
    /// Index id of the hidden index that finds rows of a table without a primary key by
    /// the hash of their content.
    pub const HIDDEN_INDEX: u16 = 0xffff;

    /// `kind` + table id.
    pub fn table_prefix(out: &mut Vec<u8>, kind: u8, table: u32) {
        out.clear();
        out.push(kind);
        out.extend_from_slice(&table.to_be_bytes());
    }

    /// The start of a row key; the caller appends the primary key.
    pub fn row(out: &mut Vec<u8>, table: u32) {
        table_prefix(out, ROW, table)
    }

    /// The start of an index key; the caller appends the key columns.
    pub fn index(out: &mut Vec<u8>, table: u32, index: u16) {
        table_prefix(out, INDEX, table);
        out.extend_from_slice(&index.to_be_bytes());
    }

    /// The key of `table`'s AUTO_INCREMENT counter.
    pub fn auto_increment(table: u32) -> [u8; 5] {
        let mut k = [AUTO_INCREMENT; 5];
        k[1..].copy_from_slice(&table.to_be_bytes());
        k
    }

    /// First key past every key of `kind` for `table`.
    pub fn table_end(kind: u8, table: u32) -> Vec<u8> {
        let mut v = vec![kind];
        match table.checked_add(1) {
            Some(t) => v.extend_from_slice(&t.to_be_bytes()),
            None => v = vec![kind + 1],
        }
        v
    }
}

/// A catalog generation with its prepared tables.
type CachedCatalog = (u64, std::sync::Arc<Catalog>, std::sync::Arc<view::Tables>);

/// Keys and values read together.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The opened store.
pub struct Store {
    /// The writer thread (read-write opens only); dropped before `db`'s last handle.
    writer: Option<pipeline::Writer>,
    /// RocksDB.
    db: std::sync::Arc<rocksdb::DB>,
    /// Committed state of recently used keys (read-write opens only): see [`pipeline`].
    cache: std::sync::Arc<std::sync::Mutex<pipeline::RowCache>>,
    /// Its directory, for messages.
    path: PathBuf,
    /// Schema generation: odd while a batch changing the catalog is being written, bumped
    /// again once it is in (readers match a cached catalog to a snapshot by it).
    catalog_gen: std::sync::atomic::AtomicU64,
    /// The catalog of the last even generation a reader loaded.
    catalog_cache: std::sync::Mutex<Option<CachedCatalog>>,
    /// Options of the applier's point reads (made once, not per read).
    read_opts: rocksdb::ReadOptions,
    /// The last settled read view, shared by readers while the store is unchanged.
    last_view: pipeline::LastView,
    /// Bytes of the last batch committed: the next one reserves as much (capped), instead
    /// of growing by doubling and copying.
    batch_size: std::sync::atomic::AtomicUsize,
    /// Compaction set for catching up (see [`Store::set_catching_up`]).
    catching_up: std::sync::atomic::AtomicBool,
}

/// L0 files that start a compaction while the applier catches up: fewer rewrites of L1
/// (16 MB memtables flush often).
const L0_TRIGGER_CATCHING_UP: i32 = 24;
/// ... and once it has caught up: RocksDB's default, so that readers probe few L0 files.
const L0_TRIGGER_READING: i32 = 4;

impl Store {
    /// Opens (creating if needed) `<datadir>/store` with the default block cache.
    pub fn open(datadir: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(datadir, crate::config::DEFAULT_BLOCK_CACHE)
    }

    /// Opens (creating if needed) `<datadir>/store` with a block cache of `block_cache`
    /// bytes (uncompressed blocks of rows and indexes, shared by the applier and readers).
    pub fn open_with_cache(datadir: &Path, block_cache: u64) -> Result<Store, StoreError> {
        let path = datadir.join("store");
        // Inserts into the memtable start from where the last insert under the same table
        // prefix went, not from the top of the skip list: the writer thread sorts each
        // batch (`pipeline::Sorter`), so consecutive keys are near each other.
        let mut opts = rocksdb::Options::default()
            .get_options_from_string("memtable_insert_with_hint_prefix_extractor=fixed:5")
            .map_err(|source| StoreError::Rocks {
                path: path.clone(),
                source,
            })?;
        opts.create_if_missing(true);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        opts.increase_parallelism(2);
        opts.set_write_buffer_size(16 << 20);
        opts.set_level_zero_file_num_compaction_trigger(L0_TRIGGER_CATCHING_UP);
        // Writes slow down (and stop) only well past the catch-up trigger.
        opts.set_level_zero_slowdown_writes_trigger(2 * L0_TRIGGER_CATCHING_UP);
        opts.set_level_zero_stop_writes_trigger(3 * L0_TRIGGER_CATCHING_UP);
        // The WAL is written at group-commit points (Store::flush / Store::sync), not at
        // every commit: a crash loses a suffix of transactions *with* their position, and
        // the relay log still holds them (relay files go only after Store::sync).
        opts.set_manual_wal_flush(true);
        // Most lookups are "is this key free?" for new rows: blooms answer them without
        // walking the memtable or reading blocks.
        opts.set_memtable_whole_key_filtering(true);
        opts.set_memtable_prefix_bloom_ratio(0.05);
        let mut table = rocksdb::BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        // HyperClockCache: lookups take no lock, so sessions reading the same blocks do
        // not queue on a shard mutex as they do with an LRU cache.
        table.set_block_cache(&rocksdb::Cache::new_hyper_clock_cache(
            block_cache as usize,
            0,
        ));
        // Point reads find their key in a data block through a hash index instead of a
        // binary search over restart points. A bucket that two restart intervals share
        // falls back to the binary search: at RocksDB's 0.75 keys per bucket half of the
        // sysbench point reads did (a 16 KiB block holds ~85 rows); at 0.2, one in six, for
        // 2.5% more bytes per block.
        table.set_data_block_index_type(rocksdb::DataBlockIndexType::BinaryAndHash);
        table.set_data_block_hash_ratio(0.2);
        // 16 KiB blocks (RocksDB's default is 4): a range of a hundred rows spans one or
        // two blocks instead of five, each a cache lookup and an iterator set-up; point
        // reads find their key through the hash index whatever the block size.
        table.set_block_size(16 << 10);
        // A restart point every 4 entries (RocksDB's default: 16): a point read's hash
        // lookup lands on one and parses the entries after it up to its key, 2 on average
        // instead of 8; blocks grow by a few percent.
        table.set_block_restart_interval(4);
        opts.set_block_based_table_factory(&table);
        let db = rocksdb::DB::open(&opts, &path).map_err(|source| StoreError::Rocks {
            path: path.clone(),
            source,
        })?;
        // Range reads under a write stream step over every version of the rows the
        // active memtable holds (all of them, until it is flushed): a hot row updated
        // again and again is a long run of hidden entries. A scan that meets that many
        // marks the memtable for flush, which keeps one version of each key.
        db.set_options(&[
            ("memtable_op_scan_flush_trigger", "256"),
            ("memtable_avg_op_scan_flush_trigger", "4"),
        ])
        .map_err(|source| StoreError::Rocks {
            path: path.clone(),
            source,
        })?;
        let db = std::sync::Arc::new(db);
        let last_view = pipeline::LastView::default();
        let writer = pipeline::Writer::start(db.clone(), last_view.clone()).map_err(|e| {
            StoreError::Writer {
                path: path.clone(),
                reason: e.to_string(),
            }
        })?;
        Ok(Store {
            writer: Some(writer),
            db,
            cache: Default::default(),
            path,
            catalog_gen: Default::default(),
            catalog_cache: Default::default(),
            read_opts: rocksdb::ReadOptions::default(),
            last_view,
            batch_size: Default::default(),
            catching_up: std::sync::atomic::AtomicBool::new(true),
        })
    }

    /// Opens the store of a datadir for reading while the daemon may be writing it: sees
    /// every transaction committed before this call.
    pub fn open_read_only(datadir: &Path) -> Result<Store, StoreError> {
        let path = datadir.join("store");
        let opts = rocksdb::Options::default();
        // The daemon may delete a WAL or table file (a flush, a compaction) between the
        // open's listing of the directory and its reading of that file: open again.
        let mut attempt = 0;
        let db = loop {
            match rocksdb::DB::open_for_read_only(&opts, &path, false) {
                Ok(db) => break db,
                Err(e) if attempt < 10 && e.to_string().contains("No such file or directory") => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(source) => {
                    return Err(StoreError::Rocks {
                        path: path.clone(),
                        source,
                    })
                }
            }
        };
        Ok(Store {
            writer: None,
            db: std::sync::Arc::new(db),
            cache: Default::default(),
            path,
            catalog_gen: Default::default(),
            catalog_cache: Default::default(),
            read_opts: rocksdb::ReadOptions::default(),
            last_view: Default::default(),
            batch_size: Default::default(),
            catching_up: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn rocks(&self) -> impl FnOnce(rocksdb::Error) -> StoreError + '_ {
        move |source| StoreError::Rocks {
            path: self.path.clone(),
            source,
        }
    }

    /// A corruption error naming the store and `what`.
    pub fn corrupt(&self, what: &'static str, reason: impl ToString) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            what,
            reason: reason.to_string(),
        }
    }

    /// The applied position, `None` before the first transaction.
    pub fn applied(&self) -> Result<Option<AppliedPos>, StoreError> {
        match self.db.get(APPLIED_KEY).map_err(self.rocks())? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| self.corrupt("applied position", e)),
        }
    }

    /// Replaces the applied position outside any transaction, durably: CHANGE MASTER TO
    /// and RESET SLAVE move the SQL thread's position while it is stopped (`None` forgets
    /// it). The caller guarantees no applier runs on this store.
    pub fn reset_applied(&self, pos: Option<&AppliedPos>) -> Result<(), StoreError> {
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(true);
        match pos {
            Some(p) => {
                let v = serde_json::to_vec(p).map_err(|e| self.corrupt("applied position", e))?;
                self.db.put_opt(APPLIED_KEY, v, &wo)
            }
            None => self.db.delete_opt(APPLIED_KEY, &wo),
        }
        .map_err(self.rocks())?;
        self.last_view.clear();
        self.db.flush_wal(true).map_err(self.rocks())
    }

    /// Reads the catalog.
    pub fn load_catalog(&self) -> Result<Catalog, StoreError> {
        self.catalog_from(|prefix| {
            let mut out = Vec::new();
            for item in self.db.prefix_iterator(prefix) {
                let (k, v) = item.map_err(self.rocks())?;
                if !k.starts_with(prefix) {
                    break;
                }
                out.push((k.to_vec(), v.to_vec()));
            }
            Ok(out)
        })
    }

    /// Builds the catalog from `entries(prefix)`, the keys and values under a prefix.
    fn catalog_from(
        &self,
        entries: impl Fn(&[u8]) -> Result<Entries, StoreError>,
    ) -> Result<Catalog, StoreError> {
        let mut cat = Catalog::default();
        for (_, v) in entries(&[keys::DATABASE])? {
            let d: DatabaseDef =
                serde_json::from_slice(&v).map_err(|e| self.corrupt("database definition", e))?;
            cat.databases.insert(d.name.clone(), d);
        }
        for (_, v) in entries(&[keys::TABLE])? {
            let t: TableDef =
                serde_json::from_slice(&v).map_err(|e| self.corrupt("table definition", e))?;
            cat.next_table_id = cat.next_table_id.max(t.id + 1);
            match t.session {
                Some(thread) => cat
                    .temporary
                    .insert((thread, t.db.clone(), t.name.clone()), t),
                None => cat.tables.insert((t.db.clone(), t.name.clone()), t),
            };
        }
        for (_, v) in entries(&[keys::ROUTINE])? {
            let r: crate::store::catalog::RoutineDef =
                serde_json::from_slice(&v).map_err(|e| self.corrupt("routine definition", e))?;
            cat.routines
                .insert((r.db.clone(), r.kind.clone(), r.name.to_lowercase()), r);
        }
        for (_, v) in entries(&[keys::VIEW])? {
            let d: ViewDef =
                serde_json::from_slice(&v).map_err(|e| self.corrupt("view definition", e))?;
            cat.views.insert((d.db.clone(), d.name.clone()), d);
        }
        if let Some((_, v)) = entries(NEXT_TABLE_KEY)?.into_iter().next() {
            let n: u32 =
                serde_json::from_slice(&v).map_err(|e| self.corrupt("next table id", e))?;
            cat.next_table_id = cat.next_table_id.max(n);
        }
        cat.next_table_id = cat.next_table_id.max(1);
        cat.add_system_databases();
        Ok(cat)
    }

    /// A consistent read of everything committed so far: a RocksDB snapshot (every master
    /// transaction in it whole or not at all) and the catalog as of that snapshot.
    ///
    /// Readers that find the store unchanged since the last settled view (same sequence
    /// number, same catalog generation) share that view instead of taking a snapshot each:
    /// a snapshot costs two turns of RocksDB's database mutex, which every session and the
    /// writer contend for. Each write drops the shared view (see [`pipeline::LastView`]).
    pub fn read_view(&self) -> Result<std::sync::Arc<view::ReadView>, StoreError> {
        use std::sync::atomic::Ordering::SeqCst;
        if let Some(w) = &self.writer {
            w.drain_queued().map_err(|reason| StoreError::Writer {
                path: self.path.clone(),
                reason,
            })?;
        }
        let before = self.catalog_gen.load(SeqCst);
        let seq = self.db.latest_sequence_number();
        if before.is_multiple_of(2) {
            if let Some(v) = self.last_view.get(seq, before) {
                return Ok(v);
            }
        }
        let snap = view::ReadView::snapshot(self.db.clone(), self.path.clone());
        // Equal numbers around the snapshot: it reads at `seq` exactly.
        let exact = self.db.latest_sequence_number() == seq;
        let after = self.catalog_gen.load(SeqCst);
        let settled = before == after && before.is_multiple_of(2);
        let cached = if settled {
            let cached = self.catalog_cache.lock().unwrap_or_else(|e| e.into_inner());
            cached
                .as_ref()
                .filter(|(g, ..)| *g == before)
                .map(|(_, c, t)| (c.clone(), t.clone()))
        } else {
            None
        };
        let (cat, tables) = match cached {
            Some(ct) => ct,
            None => {
                let cat = std::sync::Arc::new(self.catalog_from(|prefix| snap.entries(prefix))?);
                let tables = std::sync::Arc::new(view::tables_of(&cat));
                if settled {
                    *self.catalog_cache.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some((before, cat.clone(), tables.clone()));
                }
                (cat, tables)
            }
        };
        let view = std::sync::Arc::new(snap.with_catalog(cat, tables, settled.then_some(before)));
        if settled && exact {
            self.last_view
                .offer(seq, before, &view, || self.db.latest_sequence_number());
        }
        Ok(view)
    }

    /// Reads one key as committed (batches still being written included).
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if self.writer.is_none() {
            return self.db.get(key).map_err(self.rocks());
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(key) {
            return Ok(v.clone());
        }
        let v = self.db.get(key).map_err(self.rocks())?;
        cache.insert(key.to_vec(), v.clone());
        Ok(v)
    }

    /// Tunes compaction for catching up (`true`: let L0 files pile up, fewer rewrites) or
    /// for serving reads once caught up (`false`: compact L0 down, fewer files per read).
    /// RocksDB starts the compaction the new setting calls for at once.
    pub fn set_catching_up(&self, on: bool) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.writer.is_none() || self.catching_up.load(Relaxed) == on {
            return Ok(());
        }
        let n = if on {
            L0_TRIGGER_CATCHING_UP
        } else {
            L0_TRIGGER_READING
        };
        tracing::debug!(catching_up = on, l0_trigger = n, "store compaction mode");
        self.db
            .set_options(&[("level0_file_num_compaction_trigger", &n.to_string())])
            .map_err(self.rocks())?;
        self.catching_up.store(on, Relaxed);
        Ok(())
    }

    /// Reads one key from RocksDB alone (no row cache).
    fn get_written(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let v = self
            .db
            .get_pinned_opt(key, &self.read_opts)
            .map_err(self.rocks())?;
        Ok(v.map(|v| v.to_vec()))
    }

    /// Waits until every committed batch is in RocksDB.
    pub fn drain(&self) -> Result<(), StoreError> {
        match &self.writer {
            Some(w) => w.drain().map_err(|reason| StoreError::Writer {
                path: self.path.clone(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// Reads a row by table id and encoded primary key.
    pub fn get_row(&self, table_id: u32, pk: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let mut k = Vec::with_capacity(5 + pk.len());
        keys::row(&mut k, table_id);
        k.extend_from_slice(pk);
        self.get(&k)
    }

    /// Calls `f` with every key and value under `prefix`, in key order, after every batch
    /// in flight is written; the first error `f` returns ends the scan and is returned.
    pub fn scan<E: From<StoreError>>(
        &self,
        prefix: &[u8],
        mut f: impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.drain()?;
        let mode = rocksdb::IteratorMode::From(prefix, rocksdb::Direction::Forward);
        for item in self.db.iterator(mode) {
            let (k, v) = item.map_err(self.rocks())?;
            if !k.starts_with(prefix) {
                break;
            }
            f(&k, &v)?;
        }
        Ok(())
    }

    /// The last key under `prefix`, if any.
    pub fn last_key(&self, prefix: &[u8], end: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.drain()?;
        let mode = rocksdb::IteratorMode::From(end, rocksdb::Direction::Reverse);
        for item in self.db.iterator(mode) {
            let (k, _) = item.map_err(self.rocks())?;
            if k.as_ref() >= end {
                continue;
            }
            return Ok(k.starts_with(prefix).then(|| k.to_vec()));
        }
        Ok(None)
    }

    /// Makes every committed transaction durable (group commit: one fsync for all
    /// transactions committed since the last call).
    pub fn sync(&self) -> Result<(), StoreError> {
        self.drain()?;
        self.db.flush_wal(true).map_err(self.rocks())
    }

    /// Queues a WAL write (with fsync when `sync`) behind every committed batch, then
    /// `then`; returns at once (the writer thread does it). Without a writer thread it is
    /// done here.
    pub fn wal_async(
        &self,
        sync: bool,
        then: Option<Box<dyn FnOnce() + Send>>,
    ) -> Result<(), StoreError> {
        match &self.writer {
            Some(w) => {
                w.send(pipeline::Job::Wal { sync, then })
                    .map_err(|reason| StoreError::Writer {
                        path: self.path.clone(),
                        reason,
                    })
            }
            None => {
                self.db.flush_wal(sync).map_err(self.rocks())?;
                if let Some(then) = then {
                    then();
                }
                Ok(())
            }
        }
    }

    /// Writes committed transactions to the WAL file without fsync: they survive a crash
    /// of the process (not of the OS) and readers opening the store see them.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.drain()?;
        self.db.flush_wal(false).map_err(self.rocks())
    }

    /// Starts a transaction: changes collect in a WriteBatch until [`Txn::commit`].
    pub fn txn(&self) -> Txn {
        let size = self.batch_size.load(std::sync::atomic::Ordering::Relaxed);
        Txn {
            batch: rocksdb::WriteBatch::with_capacity_bytes(size.min(4 << 20)),
            cache: self.cache.clone(),
            undo: Vec::new(),
            dropped: Vec::new(),
            done: false,
            schema: false,
            overlay: overlay::Overlay::default(),
            auto_increment: Vec::new(),
        }
    }
}

/// A fast non-cryptographic hasher (FxHash's multiply-rotate, then a final mix) for the
/// transaction overlay and the row cache: keys come from the master's rows, not from an
/// adversary choosing collisions.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending only on the inputs' low bits, and keys
        // vary in their last (big-endian) bytes: mix so every bit counts (murmur3's fmix64).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// Builds [`FastHasher`]s.
pub type FastHash = std::hash::BuildHasherDefault<FastHasher>;

impl Drop for Store {
    fn drop(&mut self) {
        // With manual WAL flushing, committed batches would otherwise stay in memory.
        if self.writer.is_some() {
            let _ = self.flush();
        }
    }
}

/// A point in a transaction to roll back to.
#[derive(Clone, Copy, Debug)]
pub struct SavePoint {
    /// Batch size in bytes then.
    bytes: usize,
    /// Records in the batch then.
    count: usize,
    /// Undo entries then.
    undo: usize,
}

/// A key's state in the row cache: `None` not cached, `Some(None)` known absent.
type CachedState = Option<Option<Vec<u8>>>;

/// Changes of one or more master transactions, applied atomically. Reads through the
/// transaction see its own changes first: they are written into the store's row cache as
/// they are made, with an undo list that restores the cache if the transaction is dropped
/// instead of committed (one hash insert per change, none at commit).
pub struct Txn {
    /// The batch.
    batch: rocksdb::WriteBatch,
    /// The store's row cache (see [`pipeline`]).
    cache: std::sync::Arc<std::sync::Mutex<pipeline::RowCache>>,
    /// Cache states before this transaction's changes, in change order.
    undo: Vec<(Vec<u8>, CachedState)>,
    /// Key ranges deleted in this transaction (dropped or truncated tables).
    dropped: Vec<(Vec<u8>, Vec<u8>)>,
    /// Committed: nothing to undo.
    done: bool,
    /// Changes the catalog.
    schema: bool,
    /// The batch's writes in key order, for [`Txn::write_view`] (folded only when one is
    /// made).
    overlay: overlay::Overlay,
    /// AUTO_INCREMENT counters this transaction has raised: (table id, at least this
    /// next value), written when it commits. A rollback to a savepoint keeps them, as
    /// InnoDB does not give back values it handed out.
    auto_increment: Vec<(u32, u64)>,
}

impl Drop for Txn {
    fn drop(&mut self) {
        if !self.done {
            self.undo_to(0);
        }
    }
}

impl Txn {
    fn cache(&self) -> std::sync::MutexGuard<'_, pipeline::RowCache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts a key.
    pub fn put(&mut self, key: &[u8], value: &[u8]) {
        self.batch.put(key, value);
        let prev = self.cache().replace(key.to_vec(), Some(value.to_vec()));
        self.undo.push((key.to_vec(), prev));
    }

    /// Puts a key the applier never reads back (a non-unique index entry: written and
    /// deleted, never looked up): into the batch only, not the row cache, whose entries
    /// exist for the keys that are read.
    pub fn put_unread(&mut self, key: &[u8], value: &[u8]) {
        self.batch.put(key, value);
    }

    /// Deletes a key the applier never reads back (see [`Txn::put_unread`]).
    pub fn delete_unread(&mut self, key: &[u8]) {
        self.batch.delete(key);
    }

    /// Deletes a key.
    pub fn delete(&mut self, key: &[u8]) {
        self.batch.delete(key);
        let prev = self.cache().replace(key.to_vec(), None);
        self.undo.push((key.to_vec(), prev));
    }

    /// Deletes every key in `[from, to)`.
    pub fn delete_range(&mut self, from: &[u8], to: &[u8]) {
        self.batch.delete_range(from, to);
        let gone = self.cache().remove_range(from, to);
        self.undo
            .extend(gone.into_iter().map(|(k, v)| (k, Some(v))));
        self.dropped.push((from.to_vec(), to.to_vec()));
    }

    /// Reads a key as this transaction sees it.
    pub fn get(&self, store: &Store, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.cache().get(key) {
            return Ok(v.clone());
        }
        if self
            .dropped
            .iter()
            .any(|(f, t)| key >= f.as_slice() && key < t.as_slice())
        {
            return Ok(None);
        }
        // Not cached: every batch that wrote this key is in RocksDB (see [`pipeline`]). The
        // answer is not cached either: the applier reads a key to change it, and the change
        // goes into the cache.
        store.get_written(key)
    }

    /// The store as this transaction sees it, for the query engine (a replayed
    /// statement): everything committed, batches in flight included (point reads find
    /// them in the row cache; a scan waits for them), with this transaction's writes on
    /// top. `tables` are the catalog's tables as the
    /// transaction sees them.
    pub fn write_view<'a>(
        &'a mut self,
        store: &'a Store,
        tables: &'a view::Tables,
    ) -> Result<overlay::WriteView<'a>, StoreError> {
        self.overlay
            .fold(self.batch.data())
            .map_err(|e| store.corrupt("pending batch", e))?;
        Ok(overlay::WriteView {
            store,
            drained: std::cell::Cell::new(false),
            overlay: &self.overlay,
            tables,
        })
    }

    /// Marks the current state, to come back to with [`Txn::rollback_to`] (a row skipped
    /// under slave_skip_errors must leave nothing behind).
    pub fn savepoint(&self) -> SavePoint {
        SavePoint {
            bytes: self.batch.size_in_bytes(),
            count: self.batch.len(),
            undo: self.undo.len(),
        }
    }

    /// Undoes every change made since `sp`.
    pub fn rollback_to(&mut self, sp: SavePoint) {
        if self.batch.len() != sp.count {
            // The batch's bytes are a 12-byte header (sequence, count) and the records in
            // order: cut the records and restore the count.
            let mut data = self.batch.data()[..sp.bytes].to_vec();
            data[8..12].copy_from_slice(&(sp.count as u32).to_le_bytes());
            self.batch = rocksdb::WriteBatch::from_data(&data);
            if self.overlay.folded() > sp.bytes {
                // Folded records were cut: fold again from the start when next needed.
                self.overlay = overlay::Overlay::default();
            }
        }
        self.undo_to(sp.undo);
    }

    /// Undoes the changes made since `sp` except those to the rows and indexes of
    /// `kept` tables (by store id), as mysqld's ROLLBACK [TO SAVEPOINT] undoes a
    /// transactional engine's changes and leaves a non-transactional one's (MyISAM) in
    /// place.
    ///
    /// Only row and index changes of the other tables are undone: catalog records (a
    /// temporary table created or dropped inside the transaction, which mysqld does not
    /// roll back either) and range deletions stay.
    pub fn rollback_to_keeping(&mut self, sp: SavePoint, kept: &[u32]) -> Result<(), String> {
        let stays = |k: &[u8]| match k.first() {
            Some(&keys::ROW | &keys::INDEX) => k
                .get(1..5)
                .and_then(|id| id.try_into().ok())
                .is_some_and(|id| kept.contains(&u32::from_be_bytes(id))),
            _ => true,
        };
        let mut again = Vec::new();
        for r in overlay::records(self.batch.data(), sp.bytes) {
            match r? {
                overlay::Record::Put(k, v) if stays(k) => {
                    again.push(overlay_record(k, Some(v), None))
                }
                overlay::Record::Delete(k) if stays(k) => again.push(overlay_record(k, None, None)),
                overlay::Record::DeleteRange(f, t) => again.push(overlay_record(f, None, Some(t))),
                _ => {}
            }
        }
        self.rollback_to(sp);
        for (k, v, to) in again {
            match (v, to) {
                (_, Some(to)) => self.delete_range(&k, &to),
                (Some(v), None) => self.put(&k, &v),
                (None, None) => self.delete(&k),
            }
        }
        Ok(())
    }

    /// The changes made since `sp`, taken out of the transaction (undone), as bytes
    /// [`Txn::put_records`] writes again: a prepared XA transaction's, parked until its
    /// XA COMMIT.
    pub fn take_records(&mut self, sp: SavePoint) -> Vec<u8> {
        let records = self.batch.data()[sp.bytes..].to_vec();
        self.rollback_to(sp);
        records
    }

    /// Makes the changes [`Txn::take_records`] took.
    pub fn put_records(&mut self, records: &[u8]) -> Result<(), String> {
        let mut data = vec![0u8; 12];
        data.extend_from_slice(records);
        let all: Vec<overlay::Record<'_>> = overlay::records(&data, 0).collect::<Result<_, _>>()?;
        for r in all {
            match r {
                overlay::Record::Put(k, v) => self.put(k, v),
                overlay::Record::Delete(k) => self.delete(k),
                overlay::Record::DeleteRange(f, t) => self.delete_range(f, t),
            }
        }
        Ok(())
    }

    /// Restores the cache states recorded after the first `len` undo entries.
    fn undo_to(&mut self, len: usize) {
        if self.undo.len() <= len {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for (k, prev) in self.undo.drain(len..).rev() {
            match prev {
                None => {
                    cache.remove(&k);
                }
                Some(v) => {
                    cache.replace(k, v);
                }
            }
        }
    }

    /// Raises table `table`'s AUTO_INCREMENT counter to at least `next` (a row took
    /// `next - 1`, or a value was handed out). Costs no store access: the raise is merged
    /// into the stored counter at commit.
    pub fn raise_auto_increment(&mut self, table: u32, next: u64) {
        match self.auto_increment.iter_mut().find(|(t, _)| *t == table) {
            Some((_, n)) => *n = (*n).max(next),
            None => self.auto_increment.push((table, next)),
        }
    }

    /// Table `table`'s AUTO_INCREMENT counter as this transaction sees it: the next value
    /// to hand out, `None` when none was ever stored (a table made before counters were
    /// kept, or one never written since CREATE or TRUNCATE).
    pub fn auto_increment(&self, store: &Store, table: u32) -> Result<Option<u64>, StoreError> {
        let stored = self
            .get(store, &keys::auto_increment(table))?
            .and_then(|v| Some(u64::from_be_bytes(v.as_slice().try_into().ok()?)));
        let raised = self
            .auto_increment
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, n)| *n);
        Ok(stored.max(raised))
    }

    /// Sets table `table`'s AUTO_INCREMENT counter (CREATE or ALTER TABLE ...
    /// AUTO_INCREMENT=n), or removes it (`None`: TRUNCATE, DROP), whatever was raised
    /// before.
    pub fn set_auto_increment(&mut self, table: u32, next: Option<u64>) {
        self.auto_increment.retain(|(t, _)| *t != table);
        let k = keys::auto_increment(table);
        match next {
            Some(n) => self.put(&k, &n.to_be_bytes()),
            None => self.delete(&k),
        }
    }

    /// Writes the raised counters that exceed the stored ones into the batch.
    fn merge_auto_increment(&mut self, store: &Store) -> Result<(), StoreError> {
        for (table, next) in std::mem::take(&mut self.auto_increment) {
            let k = keys::auto_increment(table);
            let stored = self
                .get(store, &k)?
                .and_then(|v| Some(u64::from_be_bytes(v.as_slice().try_into().ok()?)));
            if stored.is_none_or(|s| s < next) {
                self.put(&k, &next.to_be_bytes());
            }
        }
        Ok(())
    }

    /// Records a database definition.
    pub fn put_database(&mut self, d: &DatabaseDef) {
        self.schema = true;
        let mut k = vec![keys::DATABASE];
        k.extend_from_slice(d.name.as_bytes());
        self.batch.put(k, serde_json::to_vec(d).unwrap_or_default());
    }

    /// Removes a database definition.
    pub fn delete_database(&mut self, name: &str) {
        self.schema = true;
        let mut k = vec![keys::DATABASE];
        k.extend_from_slice(name.as_bytes());
        self.batch.delete(k);
    }

    /// Records a view definition.
    pub fn put_view(&mut self, v: &ViewDef) {
        self.schema = true;
        self.batch.put(
            view_key(&v.db, &v.name),
            serde_json::to_vec(v).unwrap_or_default(),
        );
    }

    /// Stores a routine definition.
    pub fn put_routine(&mut self, r: &crate::store::catalog::RoutineDef) {
        self.schema = true;
        self.batch.put(
            routine_key(&r.db, &r.kind, &r.name),
            serde_json::to_vec(r).unwrap_or_default(),
        );
    }

    /// Removes a routine definition.
    pub fn delete_routine(&mut self, db: &str, kind: &str, name: &str) {
        self.schema = true;
        self.batch.delete(routine_key(db, kind, name));
    }

    /// Removes a view definition.
    pub fn delete_view(&mut self, db: &str, name: &str) {
        self.schema = true;
        self.batch.delete(view_key(db, name));
    }

    /// Records a table definition (and the table id counter).
    pub fn put_table(&mut self, t: &TableDef, next_table_id: u32) {
        self.schema = true;
        let mut k = vec![keys::TABLE];
        k.extend_from_slice(&t.id.to_be_bytes());
        self.batch.put(k, serde_json::to_vec(t).unwrap_or_default());
        self.batch.put(
            NEXT_TABLE_KEY,
            serde_json::to_vec(&next_table_id).unwrap_or_default(),
        );
    }

    /// Removes a table: its definition, rows and index entries.
    pub fn drop_table(&mut self, id: u32) {
        self.schema = true;
        let mut k = vec![keys::TABLE];
        k.extend_from_slice(&id.to_be_bytes());
        self.batch.delete(k);
        self.clear_table(id);
    }

    /// Removes a table's rows and index entries and its AUTO_INCREMENT counter
    /// (TRUNCATE).
    pub fn clear_table(&mut self, id: u32) {
        self.set_auto_increment(id, None);
        for kind in [keys::ROW, keys::INDEX] {
            let mut from = Vec::new();
            keys::table_prefix(&mut from, kind, id);
            self.delete_range(&from, &keys::table_end(kind, id));
        }
    }

    /// Commits the changes together with the applied position. With `sync`, the batch is
    /// durable when this returns; without, [`Store::sync`] later makes it so (several
    /// transactions share one fsync: group commit, since the position moves with the data).
    pub fn commit(mut self, store: &Store, pos: &AppliedPos, sync: bool) -> Result<(), StoreError> {
        let v = serde_json::to_vec(pos).map_err(|e| store.corrupt("applied position", e))?;
        self.batch.put(APPLIED_KEY, v);
        self.write(store, sync)
    }

    /// Commits changes that belong to no master transaction (a key rebuild while the store
    /// keeps no applied position, after RESET SLAVE), synchronously; the position stays as
    /// it is.
    pub fn commit_without_position(self, store: &Store) -> Result<(), StoreError> {
        self.write(store, true)
    }

    fn write(mut self, store: &Store, sync: bool) -> Result<(), StoreError> {
        self.merge_auto_increment(store)?;
        store.batch_size.store(
            self.batch.size_in_bytes(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let Some(writer) = &store.writer else {
            return Err(store.corrupt("store", "opened read-only"));
        };
        if sync || self.schema || !self.dropped.is_empty() {
            // Range deletions (DROP, TRUNCATE, ALTER), catalog changes and synchronous
            // commits are written here, after everything in flight.
            store.drain()?;
            let mut wo = rocksdb::WriteOptions::default();
            wo.set_sync(sync);
            let batch = std::mem::take(&mut self.batch);
            use std::sync::atomic::Ordering::SeqCst;
            if self.schema {
                store.catalog_gen.fetch_add(1, SeqCst);
            }
            let r = store.db.write_opt(batch, &wo).map_err(store.rocks());
            store.last_view.clear();
            if self.schema {
                store.catalog_gen.fetch_add(1, SeqCst);
            }
            r?;
        } else {
            let batch = std::mem::take(&mut self.batch);
            writer
                .send(pipeline::Job::Batch(batch))
                .map_err(|reason| StoreError::Writer {
                    path: store.path.clone(),
                    reason,
                })?;
        }
        self.done = true;
        self.undo.clear();
        let mut cache = self.cache();
        if cache.full() {
            store.drain()?;
            cache.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(n: u64) -> AppliedPos {
        AppliedPos {
            relay: RelayPos {
                file: "relay-bin.000001".into(),
                offset: n,
            },
            master: Some(BinlogPos {
                file: "master-bin.000001".into(),
                offset: n + 100,
            }),
            gtid: Some(format!("0-1-{n}")),
        }
    }

    fn rk(pk: &[u8]) -> Vec<u8> {
        let mut k = Vec::new();
        keys::row(&mut k, 7);
        k.extend_from_slice(pk);
        k
    }

    /// The L0 compaction trigger in the newest OPTIONS file RocksDB wrote.
    fn l0_trigger(dir: &Path) -> String {
        let mut files: Vec<_> = std::fs::read_dir(dir.join("store"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("OPTIONS-")
            })
            .collect();
        files.sort_by_key(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name["OPTIONS-".len()..].parse::<u64>().unwrap_or(0)
        });
        let text = std::fs::read_to_string(files.last().unwrap()).unwrap();
        text.lines()
            .find_map(|l| l.trim().strip_prefix("level0_file_num_compaction_trigger="))
            .unwrap()
            .to_string()
    }

    #[test]
    fn compaction_follows_catching_up_and_reading() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(l0_trigger(dir.path()), "24");
        s.set_catching_up(false).unwrap();
        assert_eq!(l0_trigger(dir.path()), "4");
        s.set_catching_up(false).unwrap();
        s.set_catching_up(true).unwrap();
        assert_eq!(l0_trigger(dir.path()), "24");
    }

    #[test]
    fn rows_and_position_commit_together_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.applied().unwrap(), None);
            let mut t = s.txn();
            t.put(&rk(b"k1"), b"v1");
            t.put(&rk(b"k2"), b"v2");
            assert_eq!(t.get(&s, &rk(b"k2")).unwrap().as_deref(), Some(&b"v2"[..]));
            t.commit(&s, &pos(1), true).unwrap();
            let mut t = s.txn();
            t.delete(&rk(b"k1"));
            assert_eq!(t.get(&s, &rk(b"k1")).unwrap(), None);
            assert!(t.get(&s, &rk(b"k2")).unwrap().is_some());
            t.commit(&s, &pos(2), false).unwrap();
            // An uncommitted transaction leaves no trace, in the cache either.
            let mut t = s.txn();
            t.put(&rk(b"k3"), b"v3");
            t.put(&rk(b"k2"), b"changed");
            t.delete(&rk(b"k2"));
            drop(t);
            // A savepoint undoes the changes after it, in the batch and the cache.
            let mut t = s.txn();
            t.put(&rk(b"k4"), b"v4");
            let sp = t.savepoint();
            t.put(&rk(b"k5"), b"v5");
            t.delete(&rk(b"k4"));
            t.rollback_to(sp);
            assert_eq!(t.get(&s, &rk(b"k5")).unwrap(), None);
            assert_eq!(t.get(&s, &rk(b"k4")).unwrap().as_deref(), Some(&b"v4"[..]));
            drop(t);
            let t = s.txn();
            assert_eq!(t.get(&s, &rk(b"k3")).unwrap(), None);
            assert_eq!(t.get(&s, &rk(b"k4")).unwrap(), None);
            assert_eq!(t.get(&s, &rk(b"k2")).unwrap().as_deref(), Some(&b"v2"[..]));
            drop(t);
            let mut t = s.txn();
            t.clear_table(7);
            assert_eq!(t.get(&s, &rk(b"k2")).unwrap(), None);
            drop(t);
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.applied().unwrap(), Some(pos(2)));
        assert_eq!(s.get_row(7, b"k1").unwrap(), None);
        assert_eq!(s.get_row(7, b"k2").unwrap().as_deref(), Some(&b"v2"[..]));
        assert_eq!(s.get_row(7, b"k3").unwrap(), None);
    }

    #[test]
    fn auto_increment_counters_commit_with_the_batch_and_only_rise() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            let mut t = s.txn();
            assert_eq!(t.auto_increment(&s, 3).unwrap(), None);
            t.raise_auto_increment(3, 10);
            t.raise_auto_increment(3, 4);
            t.raise_auto_increment(4, 2);
            // A rollback to a savepoint keeps what was handed out (InnoDB's way).
            let sp = t.savepoint();
            t.raise_auto_increment(3, 12);
            t.rollback_to(sp);
            assert_eq!(t.auto_increment(&s, 3).unwrap(), Some(12));
            t.commit(&s, &pos(1), true).unwrap();
            // A dropped transaction raises nothing.
            let mut t = s.txn();
            t.raise_auto_increment(3, 50);
            drop(t);
            // A lower raise leaves the stored counter; a set replaces it.
            let mut t = s.txn();
            t.raise_auto_increment(3, 5);
            t.set_auto_increment(4, Some(100));
            t.commit(&s, &pos(2), true).unwrap();
            let mut t = s.txn();
            t.raise_auto_increment(5, 9);
            t.clear_table(5);
            t.commit(&s, &pos(3), true).unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let t = s.txn();
        assert_eq!(t.auto_increment(&s, 3).unwrap(), Some(12));
        assert_eq!(t.auto_increment(&s, 4).unwrap(), Some(100));
        assert_eq!(t.auto_increment(&s, 5).unwrap(), None);
        assert_eq!(s.read_view().unwrap().auto_increment(4), Some(100));
    }

    #[test]
    fn rolling_back_keeps_the_kept_tables_changes() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let key = |table: u32, k: &[u8]| {
            let mut out = Vec::new();
            keys::row(&mut out, table);
            out.extend_from_slice(k);
            out
        };
        let mut ix = Vec::new();
        keys::index(&mut ix, 8, 1);
        ix.extend_from_slice(b"i");
        let mut t = s.txn();
        t.put(&key(7, b"a"), b"kept before");
        let sp = t.savepoint();
        t.put(&key(7, b"b"), b"undone");
        t.put(&key(8, b"c"), b"kept");
        t.put_unread(&ix, b"");
        t.delete(&key(7, b"a"));
        t.put(&key(9, b"d"), b"undone");
        t.delete(&key(8, b"c"));
        t.put(&key(8, b"e"), b"kept");
        t.rollback_to_keeping(sp, &[8]).unwrap();
        let got = |k: &[u8]| t.get(&s, k).unwrap();
        assert_eq!(got(&key(7, b"a")).as_deref(), Some(&b"kept before"[..]));
        assert_eq!(got(&key(7, b"b")), None);
        assert_eq!(got(&key(9, b"d")), None);
        assert_eq!(got(&key(8, b"c")), None);
        assert_eq!(got(&key(8, b"e")).as_deref(), Some(&b"kept"[..]));
        assert_eq!(got(&ix).as_deref(), Some(&b""[..]));
        t.commit(&s, &pos(1), true).unwrap();
        assert_eq!(s.get_row(8, b"e").unwrap().as_deref(), Some(&b"kept"[..]));
        assert_eq!(s.get_row(7, b"b").unwrap(), None);
    }

    #[test]
    fn readers_share_a_view_until_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let value = |v: &view::ReadView| v.get(&rk(b"k")).unwrap().map(|p| p.to_vec());
        let a = s.read_view().unwrap();
        let b = s.read_view().unwrap();
        assert!(std::sync::Arc::ptr_eq(&a, &b), "no write between: one view");
        assert_eq!(value(&a), None);
        // A commit through the writer thread (read_view waits for it).
        let mut t = s.txn();
        t.put(&rk(b"k"), b"1");
        t.commit(&s, &pos(1), false).unwrap();
        let c = s.read_view().unwrap();
        assert!(!std::sync::Arc::ptr_eq(&a, &c));
        assert_eq!(value(&c).as_deref(), Some(&b"1"[..]));
        // The older view still reads as of its snapshot (a transaction holding it).
        assert_eq!(value(&a), None);
        // A synchronous commit (written on this thread) and a reset of the position.
        let mut t = s.txn();
        t.put(&rk(b"k"), b"2");
        t.commit(&s, &pos(2), true).unwrap();
        let d = s.read_view().unwrap();
        assert_eq!(value(&d).as_deref(), Some(&b"2"[..]));
        assert!(std::sync::Arc::ptr_eq(&d, &s.read_view().unwrap()));
        s.reset_applied(None).unwrap();
        let e = s.read_view().unwrap();
        assert!(!std::sync::Arc::ptr_eq(&d, &e));
        assert_eq!(std::sync::Arc::strong_count(&e), 2, "e is the shared view");
        // Writes let the shared view go: only its readers hold its snapshot.
        let mut t = s.txn();
        t.put(&rk(b"k"), b"3");
        t.commit(&s, &pos(3), false).unwrap();
        s.drain().unwrap();
        // Cleared by the writer itself, before any reader replaces it.
        assert_eq!(
            std::sync::Arc::strong_count(&e),
            1,
            "the store no longer holds it"
        );
        let f = s.read_view().unwrap();
        assert!(!std::sync::Arc::ptr_eq(&e, &f));
        assert_eq!(value(&f).as_deref(), Some(&b"3"[..]));
    }
}
