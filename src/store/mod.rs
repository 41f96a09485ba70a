//! The store (in progress): RocksDB under `<datadir>/store`, holding the replica's data and
//! the applied position.
//!
//! Key space (first byte is the kind):
//! - `M` + name: metadata — `M applied` is the applied position.
//! - `R` + table id (u32, big-endian) + memcomparable primary key ([`keycodec`]): a row.
//!
//! Architecture invariant: the applied position changes only inside the WriteBatch that
//! applies the transaction it names ([`Txn::commit`]), so after a crash at any instant the
//! store holds exactly the transactions up to its position: none lost, none twice.
//!
//! Built so far: opening, the key codec, atomic transactions with the position. The catalog,
//! row encoding and secondary indexes are the next steps.

pub mod keycodec;

use std::path::{Path, PathBuf};

use crate::apply::relay_reader::RelayPos;
use crate::binlog::BinlogPos;

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
    /// GTID of the last applied transaction, when the master uses GTIDs.
    pub gtid: Option<String>,
}

/// Key of the applied position.
const APPLIED_KEY: &[u8] = b"Mapplied";

/// The opened store.
pub struct Store {
    /// RocksDB.
    db: rocksdb::DB,
    /// Its directory, for messages.
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `<datadir>/store`.
    pub fn open(datadir: &Path) -> Result<Store, StoreError> {
        let path = datadir.join("store");
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        let db = rocksdb::DB::open(&opts, &path).map_err(|source| StoreError::Rocks {
            path: path.clone(),
            source,
        })?;
        Ok(Store { db, path })
    }

    fn rocks(&self) -> impl FnOnce(rocksdb::Error) -> StoreError + '_ {
        move |source| StoreError::Rocks {
            path: self.path.clone(),
            source,
        }
    }

    /// The applied position, `None` before the first transaction.
    pub fn applied(&self) -> Result<Option<AppliedPos>, StoreError> {
        match self.db.get(APPLIED_KEY).map_err(self.rocks())? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    what: "applied position",
                    reason: e.to_string(),
                }),
        }
    }

    /// Reads a row by table id and encoded primary key.
    pub fn get_row(&self, table_id: u32, pk: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db.get(row_key(table_id, pk)).map_err(self.rocks())
    }

    /// Starts a transaction: changes collect in a WriteBatch until [`Txn::commit`].
    pub fn txn(&self) -> Txn {
        Txn {
            batch: rocksdb::WriteBatch::default(),
        }
    }
}

/// `R` + table id + primary key.
fn row_key(table_id: u32, pk: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(5 + pk.len());
    k.push(b'R');
    k.extend_from_slice(&table_id.to_be_bytes());
    k.extend_from_slice(pk);
    k
}

/// Changes of one or more master transactions, applied atomically.
pub struct Txn {
    /// The batch.
    batch: rocksdb::WriteBatch,
}

impl Txn {
    /// Inserts or replaces a row.
    pub fn put_row(&mut self, table_id: u32, pk: &[u8], value: &[u8]) {
        self.batch.put(row_key(table_id, pk), value);
    }

    /// Deletes a row.
    pub fn delete_row(&mut self, table_id: u32, pk: &[u8]) {
        self.batch.delete(row_key(table_id, pk));
    }

    /// Commits the changes together with the applied position. With `sync`, the batch is
    /// durable when this returns (several transactions may share one such commit: group
    /// commit, since the position moves with the data).
    pub fn commit(mut self, store: &Store, pos: &AppliedPos, sync: bool) -> Result<(), StoreError> {
        let v = serde_json::to_vec(pos).map_err(|e| StoreError::Corrupt {
            path: store.path.clone(),
            what: "applied position",
            reason: e.to_string(),
        })?;
        self.batch.put(APPLIED_KEY, v);
        let mut wo = rocksdb::WriteOptions::default();
        wo.set_sync(sync);
        store.db.write_opt(self.batch, &wo).map_err(store.rocks())
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

    #[test]
    fn rows_and_position_commit_together_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.applied().unwrap(), None);
            let mut t = s.txn();
            t.put_row(7, b"k1", b"v1");
            t.put_row(7, b"k2", b"v2");
            t.commit(&s, &pos(1), true).unwrap();
            let mut t = s.txn();
            t.delete_row(7, b"k1");
            t.commit(&s, &pos(2), false).unwrap();
            // An uncommitted transaction leaves no trace.
            let mut t = s.txn();
            t.put_row(7, b"k3", b"v3");
            drop(t);
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.applied().unwrap(), Some(pos(2)));
        assert_eq!(s.get_row(7, b"k1").unwrap(), None);
        assert_eq!(s.get_row(7, b"k2").unwrap().as_deref(), Some(&b"v2"[..]));
        assert_eq!(s.get_row(7, b"k3").unwrap(), None);
    }
}
