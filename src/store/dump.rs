//! `replicant table-dump`: a table's rows in primary-key order, each field as mysqld's text
//! escaped the way `mariadb --batch --skip-column-names` prints it, so the output of
//! `SELECT * FROM DB.TABLE ORDER BY <pk>` on the master compares byte for byte.
//!
//! Reads a read-only view of the store: safe while the daemon applies (it sees every
//! transaction committed before it opened, never part of one).

use std::io::Write;
use std::path::Path;

use super::keys;
use super::row::Span;
use super::table::TableRt;
use super::text::{write_batch_escaped, write_text};
use super::{Store, StoreError};

/// Why a dump failed.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such table (mysqld's 1146 text).
    #[error("ERROR 1146 (42S02): Table '{0}.{1}' doesn't exist")]
    NoTable(String, String),
    /// A stored row does not decode.
    #[error("table {table}: stored row {key} does not decode: {reason}")]
    BadRow {
        /// `db.table`.
        table: String,
        /// The row key in hex.
        key: String,
        /// Why.
        reason: String,
    },
    /// Writing the output failed.
    #[error("output: {0}")]
    Output(#[from] std::io::Error),
}

/// Writes every row of `db.name` to `out`.
pub fn dump_table(
    datadir: &Path,
    db: &str,
    name: &str,
    out: &mut dyn Write,
) -> Result<(), DumpError> {
    let store = Store::open_read_only(datadir)?;
    let catalog = store.load_catalog()?;
    let def = catalog
        .table(db, name)
        .ok_or_else(|| DumpError::NoTable(db.to_string(), name.to_string()))?
        .clone();
    let t = TableRt::new(def);
    let mut prefix = Vec::new();
    keys::row(&mut prefix, t.def.id);
    let mut spans: Vec<Span> = Vec::new();
    let mut line = Vec::with_capacity(4096);
    let mut field = Vec::with_capacity(256);
    store.scan(&prefix, |key, row| -> Result<(), DumpError> {
        let bad = |e: crate::binlog::DecodeError| DumpError::BadRow {
            table: t.def.full_name(),
            key: key.iter().map(|b| format!("{b:02x}")).collect(),
            reason: e.to_string(),
        };
        t.layout.spans(row, &mut spans).map_err(bad)?;
        line.clear();
        for (i, col) in t.def.columns.iter().enumerate() {
            if i > 0 {
                line.push(b'\t');
            }
            let v = t.layout.value(row, i, spans[i]).map_err(bad)?;
            field.clear();
            match write_text(&mut field, col, &v) {
                Some(()) => write_batch_escaped(&mut line, &field),
                None => line.extend_from_slice(b"NULL"),
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
        Ok(())
    })?;
    Ok(())
}
