//! A consistent read of the store: one RocksDB snapshot and the catalog as of it. The
//! query engine reads every table of a statement (or of a transaction started WITH
//! CONSISTENT SNAPSHOT) through one view, so each master transaction is visible whole or
//! not at all.

use std::path::PathBuf;
use std::sync::Arc;

use super::catalog::Catalog;
use super::table::TableRt;
use super::StoreError;

/// A snapshot with the options of a point read at it (made once per view, not per read).
/// The options go first (fields drop in order), before the snapshot they point to.
struct Snap<'a> {
    get: rocksdb::ReadOptions,
    snap: rocksdb::Snapshot<'a>,
}

impl<'a> Snap<'a> {
    fn new(db: &'a rocksdb::DB) -> Snap<'a> {
        let snap = db.snapshot();
        let mut get = rocksdb::ReadOptions::default();
        get.set_snapshot(&snap);
        Snap { get, snap }
    }
}

self_cell::self_cell!(
    /// A snapshot that owns its database handle.
    struct SnapCell {
        owner: Arc<rocksdb::DB>,
        #[covariant]
        dependent: Snap,
    }
);

/// A value read from the store: pinned where RocksDB holds it, or borrowed from a
/// pending batch.
pub enum Got<'a> {
    /// In RocksDB's block cache or memtable.
    Pinned(rocksdb::DBPinnableSlice<'a>),
    /// In a transaction's pending writes.
    Pending(&'a [u8]),
    /// Copied out of the row cache (a batch still being written).
    Owned(Vec<u8>),
}

impl std::ops::Deref for Got<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Got::Pinned(p) => p,
            Got::Pending(b) => b,
            Got::Owned(v) => v,
        }
    }
}

/// Called with each key and value of a scan; false stops it.
pub type ScanFn<'f> = &'f mut dyn FnMut(&[u8], &[u8]) -> bool;

/// What the query engine reads tables through. Two implementations: [`ReadView`], a
/// committed snapshot (the endpoint's reads), and [`super::overlay::WriteView`], the
/// applier's pending batch over the store (a replayed statement sees the writes of the
/// earlier transactions of its batch and its own). Same plans, same code paths.
pub trait TableAccess {
    /// Table `db`.`name`.
    fn table(&self, db: &str, name: &str) -> Option<&Arc<TableRt>>;
    /// View `db`.`name` (none where views are not read: the applier's pending batch).
    fn view_def(&self, _db: &str, _name: &str) -> Option<&crate::store::catalog::ViewDef> {
        None
    }
    /// Reads one key.
    fn get(&self, key: &[u8]) -> Result<Option<Got<'_>>, StoreError>;
    /// Calls `f` with each key and value in `[from, to)`, ascending (descending when
    /// `reverse`), until it returns false.
    fn scan(&self, from: &[u8], to: &[u8], reverse: bool, f: ScanFn<'_>) -> Result<(), StoreError>;
}

impl TableAccess for ReadView {
    fn table(&self, db: &str, name: &str) -> Option<&Arc<TableRt>> {
        ReadView::table(self, db, name)
    }

    fn view_def(&self, db: &str, name: &str) -> Option<&crate::store::catalog::ViewDef> {
        self.catalog.views.get(&(db.to_string(), name.to_string()))
    }

    fn get(&self, key: &[u8]) -> Result<Option<Got<'_>>, StoreError> {
        Ok(ReadView::get(self, key)?.map(Got::Pinned))
    }

    fn scan(&self, from: &[u8], to: &[u8], reverse: bool, f: ScanFn<'_>) -> Result<(), StoreError> {
        ReadView::scan(self, from, to, reverse, |k, v| Ok::<_, StoreError>(f(k, v)))
    }
}

/// The tables of one catalog ready for reading, by (database, name), and its views.
#[derive(Debug, Default)]
pub struct Tables {
    /// Tables with their row layouts.
    by_name: std::collections::HashMap<(String, String), Arc<TableRt>>,
    /// Views (a replayed statement may read one too).
    views: std::collections::BTreeMap<(String, String), crate::store::catalog::ViewDef>,
}

impl Tables {
    /// Puts `t` in place of the table of its name (a master session's temporary table,
    /// for that session's statement); returns what it replaced, for [`Tables::restore`].
    pub fn shadow(&mut self, t: TableRt) -> Option<Arc<TableRt>> {
        self.by_name
            .insert((t.def.db.clone(), t.def.name.clone()), Arc::new(t))
    }

    /// Undoes [`Tables::shadow`]: `key` holds `old` again.
    pub fn restore(&mut self, key: (String, String), old: Option<Arc<TableRt>>) {
        match old {
            Some(t) => self.by_name.insert(key, t),
            None => self.by_name.remove(&key),
        };
    }

    /// Table `key` (database, name).
    pub fn get(&self, key: &(String, String)) -> Option<&Arc<TableRt>> {
        self.by_name.get(key)
    }

    /// View `key` (database, name).
    pub fn view(&self, key: &(String, String)) -> Option<&crate::store::catalog::ViewDef> {
        self.views.get(key)
    }
}

/// The tables of a catalog, prepared once per catalog generation.
pub fn tables_of(cat: &Catalog) -> Tables {
    let refs = cat.references();
    Tables {
        by_name: cat
            .tables
            .iter()
            .map(|(k, t)| (k.clone(), Arc::new(TableRt::linked(t.clone(), &refs))))
            .collect(),
        views: cat.views.clone(),
    }
}

/// A snapshot and the catalog that describes it.
pub struct ReadView {
    snap: SnapCell,
    /// The catalog as of the snapshot.
    pub catalog: Arc<Catalog>,
    /// Its tables with their row layouts.
    pub tables: Arc<Tables>,
    /// The catalog generation (`None` when a catalog change was in flight): plans bound
    /// against a view stay valid for views of the same generation.
    pub generation: Option<u64>,
    /// The store directory, for messages.
    path: PathBuf,
}

impl std::fmt::Debug for ReadView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadView")
            .field("path", &self.path)
            .finish()
    }
}

/// A snapshot whose catalog is not attached yet.
pub(super) struct Pending {
    snap: SnapCell,
    path: PathBuf,
}

impl ReadView {
    pub(super) fn snapshot(db: Arc<rocksdb::DB>, path: PathBuf) -> Pending {
        Pending {
            snap: SnapCell::new(db, |db| Snap::new(db)),
            path,
        }
    }

    fn rocks(&self, source: rocksdb::Error) -> StoreError {
        StoreError::Rocks {
            path: self.path.clone(),
            source,
        }
    }

    /// Table `db`.`name`.
    pub fn table(&self, db: &str, name: &str) -> Option<&Arc<TableRt>> {
        self.tables.get(&(db.to_string(), name.to_string()))
    }

    /// Table `table`'s AUTO_INCREMENT counter (the next value), if one is stored.
    pub fn auto_increment(&self, table: u32) -> Option<u64> {
        let v = self
            .get(&crate::store::keys::auto_increment(table))
            .ok()
            .flatten()?;
        Some(u64::from_be_bytes(v.as_ref().try_into().ok()?))
    }

    /// Reads one key (its value pinned where it lies, not copied).
    pub fn get(&self, key: &[u8]) -> Result<Option<rocksdb::DBPinnableSlice<'_>>, StoreError> {
        self.snap
            .borrow_owner()
            .get_pinned_opt(key, &self.snap.borrow_dependent().get)
            .map_err(|e| self.rocks(e))
    }

    /// Calls `f` with each key and value in `[from, to)`, ascending (or descending when
    /// `reverse`), until it returns `Ok(false)` or an error.
    pub fn scan<E: From<StoreError>>(
        &self,
        from: &[u8],
        to: &[u8],
        reverse: bool,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<bool, E>,
    ) -> Result<(), E> {
        let mut ro = rocksdb::ReadOptions::default();
        ro.set_iterate_lower_bound(from.to_vec());
        ro.set_iterate_upper_bound(to.to_vec());
        // Scans are short and their blocks mostly cached. Left to itself, RocksDB
        // calls readahead(2) every few blocks read in sequence, cached or not; a set
        // readahead size instead reads missing blocks 16 KiB at a time, no other calls.
        ro.set_readahead_size(16 << 10);
        let mut it = self.snap.borrow_dependent().snap.raw_iterator_opt(ro);
        if reverse {
            it.seek_to_last();
        } else {
            it.seek_to_first();
        }
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            if !f(k, v)? {
                return Ok(());
            }
            if reverse {
                it.prev();
            } else {
                it.next();
            }
        }
        it.status().map_err(|e| E::from(self.rocks(e)))
    }
}

impl Pending {
    /// Every key and value under `prefix`.
    pub(super) fn entries(&self, prefix: &[u8]) -> Result<super::Entries, StoreError> {
        let mut out = Vec::new();
        let snap = &self.snap.borrow_dependent().snap;
        for item in snap.iterator(rocksdb::IteratorMode::From(
            prefix,
            rocksdb::Direction::Forward,
        )) {
            let (k, v) = item.map_err(|source| StoreError::Rocks {
                path: self.path.clone(),
                source,
            })?;
            if !k.starts_with(prefix) {
                break;
            }
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    pub(super) fn with_catalog(
        self,
        catalog: Arc<Catalog>,
        tables: Arc<Tables>,
        generation: Option<u64>,
    ) -> ReadView {
        ReadView {
            snap: self.snap,
            catalog,
            tables,
            generation,
            path: self.path,
        }
    }
}
