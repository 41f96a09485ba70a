//! Row events into the store: WRITE / UPDATE / DELETE rows against a table's primary key
//! (or, without one, its hidden row id found through the hash of the before image), with
//! every unique and secondary index kept in step.
//!
//! Conflicts are mysqld's: 1062 when a row's key is taken, 1032 when the row to change is
//! not there. Each row is its own unit for `slave_skip_errors` and IDEMPOTENT mode, as in
//! mysqld's `Rows_log_event::do_apply_event`: a skipped row leaves the others applied.
//!
//! Per-row hot path: the buffers live in [`RowApplier`] and are reused for every row.

use std::collections::HashMap;

use super::error::SkipErrors;
use crate::binlog::event::RowsOp;
use crate::binlog::jsonb;
use crate::binlog::rows::{RowImage, RowsEvent};
use crate::binlog::table_map::TableMap;
use crate::binlog::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::IndexKind;
use crate::store::keys;
use crate::store::row::{stable_hash, Span};
use crate::store::table::TableRt;
use crate::store::{Store, StoreError, Txn};

/// Why a row could not be applied.
#[derive(Debug)]
pub enum RowError {
    /// A conflict with mysqld's code, and the handler error mysqld names beside it.
    Sql(SqlError, &'static str),
    /// The event or a stored row does not decode.
    Decode(crate::binlog::DecodeError),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for RowError {
    fn from(e: StoreError) -> RowError {
        RowError::Store(e)
    }
}

impl From<crate::binlog::DecodeError> for RowError {
    fn from(e: crate::binlog::DecodeError) -> RowError {
        RowError::Decode(e)
    }
}

fn dup(t: &TableRt, ix: usize, row: &[u8], spans: &[Span]) -> RowError {
    let index = &t.def.indexes[ix];
    RowError::Sql(
        SqlError::dup_entry(&t.key_text(index, row, spans), &index.name),
        "HA_ERR_FOUND_DUPP_KEY",
    )
}

/// A VIRTUAL generated column left out of an after image (MariaDB's MINIMAL images leave
/// them out; NOBLOB ones leave out unchanged TEXT/JSON ones) while a column its expression
/// reads changes would keep a stale value: an error instead. `old`/`row` are the stored row
/// and the new one, with their spans.
fn virtual_columns_current(
    t: &TableRt,
    after: &RowImage<'_>,
    (old, old_spans): (&[u8], &[Span]),
    (row, spans): (&[u8], &[Span]),
) -> Result<(), RowError> {
    fn bytes<'r>(r: &'r [u8], s: &[Span], i: usize) -> Option<&'r [u8]> {
        s.get(i).copied().flatten().map(|(a, b)| &r[a..b])
    }
    for (c, reads) in &t.virtual_columns {
        if after.is_present(*c) {
            continue;
        }
        if reads
            .iter()
            .any(|&r| bytes(old, old_spans, r) != bytes(row, spans, r))
        {
            let name = &t.def.columns[*c].name;
            return Err(RowError::Sql(
                SqlError::not_supported(&format!(
                    "an UPDATE image without the VIRTUAL generated column {name} whose inputs it changes (binlog_row_image=MINIMAL or NOBLOB)"
                )),
                "HA_ERR_UNSUPPORTED",
            ));
        }
    }
    Ok(())
}

/// 3648 ER_COULD_NOT_APPLY_JSON_DIFF / 3649 ER_CORRUPTED_JSON_DIFF, with why.
fn json_diff_error(code: u16, t: &TableRt, column: &str, why: &str) -> RowError {
    let message = if code == 3649 {
        format!(
            "Corrupted JSON diff for table {}, column {column}. ({why})",
            t.def.name
        )
    } else {
        format!(
            "Could not apply JSON diff in table {}, column {column}. ({why})",
            t.def.name
        )
    };
    RowError::Sql(SqlError::new(code, message), "HA_ERR_GENERIC")
}

fn not_found(t: &TableRt) -> RowError {
    RowError::Sql(SqlError::row_not_found(&t.def.name), "HA_ERR_KEY_NOT_FOUND")
}

/// How conflicts are handled.
#[derive(Clone, Debug, Default)]
pub struct ConflictPolicy {
    /// `slave_exec_mode=IDEMPOTENT`: a taken key is overwritten, a missing row ignored.
    pub idempotent: bool,
    /// `slave_skip_errors`.
    pub skip: SkipErrors,
}

/// A row skipped under the conflict policy.
#[derive(Debug)]
pub struct Skipped {
    /// The error that was skipped.
    pub error: SqlError,
    /// A skipped row's bytes in its rows event (`RowsEvent::rows_data` offsets): the
    /// group applier takes them (`group::cut_skipped_rows`) to leave the row out of the
    /// binlog.
    pub row: Option<(usize, usize)>,
}

/// A stored row deleted (old, `None`) or updated (old, new).
pub type ChangedRow = (Vec<u8>, Option<Vec<u8>>);

/// Applies rows, reusing its buffers.
#[derive(Default)]
pub struct RowApplier {
    /// The row being written.
    row: Vec<u8>,
    /// Its spans.
    spans: Vec<Span>,
    /// The stored row being replaced or deleted.
    old: Vec<u8>,
    /// Its spans.
    old_spans: Vec<Span>,
    /// Primary key (or hidden row id) of the new row.
    pk: Vec<u8>,
    /// Primary key of the old row.
    old_pk: Vec<u8>,
    /// Key scratch.
    key: Vec<u8>,
    /// Second key scratch.
    key2: Vec<u8>,
    /// Next hidden row id per table without a primary key.
    next_row_id: HashMap<u32, u64>,
    /// The master's time for the event being applied (seconds since the epoch): the
    /// CURRENT_TIMESTAMP of defaults it leaves to the replica.
    pub now: u32,
    /// When `Some`, [`RowApplier::apply_event`] keeps here each row it deletes (old,
    /// `None`) or updates (old, new), for the foreign keys' actions the master left out
    /// of its binlog (see `replay::cascade`).
    pub changed: Option<Vec<ChangedRow>>,
}

impl RowApplier {
    /// Forgets cached hidden row ids (after DDL or a rolled-back batch).
    pub fn reset(&mut self) {
        self.next_row_id.clear();
    }

    /// Applies every row of `ev` (mapped by `map`) to table `t`. Rows skipped under the
    /// policy are reported through `skipped`.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_event(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        ev: &RowsEvent<'_>,
        map: &TableMap<'_>,
        policy: &ConflictPolicy,
        skipped: &mut Vec<Skipped>,
    ) -> Result<(), RowError> {
        // A row that may be skipped must leave nothing behind when it is: mark the
        // transaction before it (only when a skip is possible: it costs a little).
        let may_skip = policy.idempotent || !policy.skip.is_empty();
        let mut it = ev.rows(map)?;
        while let Some(row) = it.next() {
            let row = row?;
            let bytes = (row.offset, it.position());
            let sp = may_skip.then(|| txn.savepoint());
            let images = (row.before.is_some(), row.after.is_some());
            let result = match ev.kind.op {
                RowsOp::Write => match row.after {
                    Some(a) => self.write(store, txn, t, &a, policy.idempotent),
                    None => Ok(()),
                },
                RowsOp::Update | RowsOp::PartialUpdate => match (row.before, row.after) {
                    (Some(b), Some(a)) => self.update(store, txn, t, &b, &a),
                    _ => Ok(()),
                },
                RowsOp::Delete => match row.before {
                    Some(b) => self.delete(store, txn, t, &b),
                    None => Ok(()),
                },
            };
            if let (Ok(()), Some(changed)) = (&result, &mut self.changed) {
                match (ev.kind.op, images) {
                    (RowsOp::Delete, (true, _)) => changed.push((self.old.clone(), None)),
                    (RowsOp::Update | RowsOp::PartialUpdate, (true, true)) => {
                        changed.push((self.old.clone(), Some(self.row.clone())))
                    }
                    _ => {}
                }
            }
            match result {
                Err(RowError::Sql(e, _))
                    if (policy.idempotent && matches!(e.code, 1032 | 1062))
                        || policy.skip.skips(e.code) =>
                {
                    if let Some(sp) = sp {
                        txn.rollback_to(sp);
                    }
                    skipped.push(Skipped {
                        error: e,
                        row: Some(bytes),
                    });
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// Builds `self.row` / `self.spans` from an after image. Columns the image leaves out
    /// (MINIMAL images; MariaDB's INSERT ... ON DUPLICATE KEY UPDATE in MIXED format) take
    /// their defaults, as mysqld's replica fills them, CURRENT_TIMESTAMP being the event's
    /// time ([`RowApplier::now`]).
    fn image_row(&mut self, t: &TableRt, image: &RowImage<'_>) -> Result<(), RowError> {
        let n = t.layout.columns.len();
        if image.width() == n && image.present_count() == n {
            t.layout.from_full_image(image, &mut self.row);
        } else {
            let mut defaults: Vec<Option<Vec<u8>>> = Vec::with_capacity(n);
            for (i, col) in t.def.columns.iter().enumerate() {
                defaults.push(if image.is_present(i) {
                    None
                } else {
                    crate::apply::encode::default_packed(col, self.now)
                        .map_err(|e| RowError::Sql(e, "HA_ERR_UNSUPPORTED"))?
                });
            }
            t.layout
                .assemble(defaults.iter().map(|v| v.as_deref()), &mut self.old);
            t.layout.spans(&self.old, &mut self.old_spans)?;
            t.layout
                .merge(&self.old, &self.old_spans, image, &mut self.row)?;
        }
        t.layout.spans(&self.row, &mut self.spans)?;
        Ok(())
    }

    /// The primary key of (`row`, `spans`) into `out`; for tables without one, nothing.
    fn primary_key(
        t: &TableRt,
        row: &[u8],
        spans: &[Span],
        out: &mut Vec<u8>,
    ) -> Result<(), RowError> {
        out.clear();
        keys::row(out, t.def.id);
        if let Some(pk) = t.def.primary() {
            t.key_of(pk, row, spans, out)?;
        }
        Ok(())
    }

    fn hidden_row_id(&mut self, store: &Store, t: &TableRt) -> Result<u64, RowError> {
        let id = t.def.id;
        let next = match self.next_row_id.get(&id) {
            Some(n) => *n,
            None => {
                let mut prefix = Vec::new();
                keys::row(&mut prefix, id);
                let last = store.last_key(&prefix, &keys::table_end(keys::ROW, id))?;
                last.and_then(|k| k.get(prefix.len()..).and_then(|b| b.try_into().ok()))
                    .map_or(1, |b: [u8; 8]| u64::from_be_bytes(b) + 1)
            }
        };
        self.next_row_id.insert(id, next + 1);
        Ok(next)
    }

    /// Inserts a row given in stored form (ALTER TABLE copying rows into the new table).
    pub fn insert_stored(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        row: &[u8],
    ) -> Result<(), RowError> {
        self.row.clear();
        self.row.extend_from_slice(row);
        t.layout.spans(&self.row, &mut self.spans)?;
        self.insert_current(store, txn, t, false)
    }

    /// Inserts a row in stored form built by statement replay. With `replace`, a row
    /// holding the same primary key is replaced (REPLACE); otherwise a taken key is 1062.
    pub fn insert_row(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        row: &[u8],
        replace: bool,
    ) -> Result<(), RowError> {
        self.row.clear();
        self.row.extend_from_slice(row);
        t.layout.spans(&self.row, &mut self.spans)?;
        self.insert_current(store, txn, t, replace)
    }

    /// The stored row a new row (stored form) would collide with, and the position of the
    /// index it collides on: the row holding its primary key, else the first unique key
    /// it takes, in the table's order (as mysqld finds the row REPLACE and INSERT ... ON
    /// DUPLICATE KEY UPDATE act on).
    pub fn find_conflict(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        row: &[u8],
    ) -> Result<Option<(Vec<u8>, usize)>, RowError> {
        self.row.clear();
        self.row.extend_from_slice(row);
        t.layout.spans(&self.row, &mut self.spans)?;
        if let Some(p) = t
            .def
            .indexes
            .iter()
            .position(|ix| ix.kind == IndexKind::Primary)
        {
            let mut pk = std::mem::take(&mut self.pk);
            let r = Self::primary_key(t, &self.row, &self.spans, &mut pk);
            let found = match r {
                Ok(()) => txn.get(store, &pk),
                Err(e) => {
                    self.pk = pk;
                    return Err(e);
                }
            };
            self.pk = pk;
            if let Some(old) = found? {
                return Ok(Some((old, p)));
            }
        }
        for (i, ix) in t.def.indexes.iter().enumerate() {
            if ix.kind != IndexKind::Unique {
                continue;
            }
            self.key2.clear();
            keys::index(&mut self.key2, t.def.id, ix.id);
            if !t.key_of(ix, &self.row, &self.spans, &mut self.key2)? {
                continue;
            }
            if let Some(owner) = txn.get(store, &self.key2)? {
                let mut rk = Vec::with_capacity(5 + owner.len());
                keys::row(&mut rk, t.def.id);
                rk.extend_from_slice(&owner);
                if let Some(old) = txn.get(store, &rk)? {
                    return Ok(Some((old, i)));
                }
            }
        }
        Ok(None)
    }

    /// Replaces stored row `old` (as read by statement replay) with `new`.
    pub fn update_row(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        old: &[u8],
        new: &[u8],
    ) -> Result<(), RowError> {
        self.old.clear();
        self.old.extend_from_slice(old);
        t.layout.spans(&self.old, &mut self.old_spans)?;
        self.find_old(store, txn, t)?;
        self.row.clear();
        self.row.extend_from_slice(new);
        self.replace_located(store, txn, t, None)
    }

    /// Deletes stored row `old` (as read by statement replay).
    pub fn delete_row(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        old: &[u8],
    ) -> Result<(), RowError> {
        self.old.clear();
        self.old.extend_from_slice(old);
        t.layout.spans(&self.old, &mut self.old_spans)?;
        self.find_old(store, txn, t)?;
        let old_pk = std::mem::take(&mut self.old_pk);
        let r = self.remove_entries(store, txn, t, &old_pk, true, ALL);
        self.old_pk = old_pk;
        r
    }

    fn write(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        image: &RowImage<'_>,
        idempotent: bool,
    ) -> Result<(), RowError> {
        self.image_row(t, image)?;
        self.insert_current(store, txn, t, idempotent)
    }

    /// Inserts `self.row`.
    fn insert_current(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        idempotent: bool,
    ) -> Result<(), RowError> {
        let mut pk = std::mem::take(&mut self.pk);
        let result = (|| {
            if t.def.primary().is_some() {
                Self::primary_key(t, &self.row, &self.spans, &mut pk)?;
                if let Some(old) = txn.get(store, &pk)? {
                    if !idempotent {
                        return Err(dup(t, 0, &self.row, &self.spans));
                    }
                    // IDEMPOTENT: the new row replaces the old one.
                    self.old = old;
                    t.layout.spans(&self.old, &mut self.old_spans)?;
                    self.remove_entries(store, txn, t, &pk, true, ALL)?;
                }
            } else {
                let id = self.hidden_row_id(store, t)?;
                keys::row(&mut pk, t.def.id);
                pk.extend_from_slice(&id.to_be_bytes());
            }
            self.add_entries(store, txn, t, &pk, ALL)?;
            txn.put(&pk, &self.row);
            if let Some(next) = t.auto_increment_after(&self.row, &self.spans) {
                txn.raise_auto_increment(t.def.id, next);
            }
            Ok(())
        })();
        self.pk = pk;
        result
    }

    /// Finds the stored row an image names: by primary key, or by content for tables
    /// without one. Leaves it in `self.old` / `self.old_spans` / `self.old_pk`.
    fn locate(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        image: &RowImage<'_>,
    ) -> Result<(), RowError> {
        // The image as a row: absent columns NULL (no base row, no base spans).
        let n = t.layout.columns.len();
        t.layout.merge(&[], &[], image, &mut self.old)?;
        t.layout.spans(&self.old, &mut self.old_spans)?;
        if let Some(pk) = t.def.primary() {
            if pk.parts.iter().any(|p| !image.is_present(p.column)) {
                return Err(RowError::Sql(
                    SqlError::not_supported("a before image without the primary key"),
                    "HA_ERR_UNSUPPORTED",
                ));
            }
        } else if image.present_count() != n {
            return Err(RowError::Sql(
                SqlError::not_supported(
                    "a before image without every column on a table without a primary key",
                ),
                "HA_ERR_UNSUPPORTED",
            ));
        }
        self.find_old(store, txn, t)
    }

    /// Finds the stored row `self.old` names (its spans in `self.old_spans`): by primary
    /// key, replacing `self.old` with the stored row, or by content for tables without
    /// one. Sets `self.old_pk`.
    fn find_old(&mut self, store: &Store, txn: &mut Txn, t: &TableRt) -> Result<(), RowError> {
        if t.def.primary().is_some() {
            let mut key = std::mem::take(&mut self.old_pk);
            Self::primary_key(t, &self.old, &self.old_spans, &mut key)?;
            self.old_pk = key;
            match txn.get(store, &self.old_pk)? {
                Some(stored) => {
                    self.old = stored;
                    t.layout.spans(&self.old, &mut self.old_spans)?;
                    Ok(())
                }
                None => Err(not_found(t)),
            }
        } else {
            hidden_key(t, &self.old, &mut self.key);
            let ids = txn.get(store, &self.key)?.unwrap_or_default();
            for id in ids.chunks_exact(8) {
                self.old_pk.clear();
                keys::row(&mut self.old_pk, t.def.id);
                self.old_pk.extend_from_slice(id);
                if txn.get(store, &self.old_pk)?.as_deref() == Some(&self.old[..]) {
                    return Ok(());
                }
            }
            Err(not_found(t))
        }
    }

    /// An UPDATE row: the stored row the before image names, with the after image's values.
    /// In a PARTIAL_UPDATE_ROWS event (MySQL, `binlog_row_value_options=PARTIAL_JSON`) the
    /// after image's partially updated JSON columns hold diffs, applied to the stored
    /// documents.
    fn update(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        before: &RowImage<'_>,
        after: &RowImage<'_>,
    ) -> Result<(), RowError> {
        self.locate(store, txn, t, before)?;
        let patched = if after.value_options != 0 {
            self.patched_json(t, after)?
        } else {
            Vec::new()
        };
        t.layout
            .merge_with(&self.old, &self.old_spans, after, &patched, &mut self.row)?;
        self.replace_located(store, txn, t, Some(after))
    }

    /// The partially updated JSON columns of `after`, each (column, packed value) with its
    /// diffs applied to the located row's document.
    fn patched_json(
        &self,
        t: &TableRt,
        after: &RowImage<'_>,
    ) -> Result<Vec<(usize, Vec<u8>)>, RowError> {
        let mut patched = Vec::new();
        for v in after.values() {
            let v = v?;
            let Value::JsonDiff(diffs) = v.value else {
                continue;
            };
            let i = v.column;
            let column = t.def.columns.get(i).map_or("?", |c| c.name.as_str());
            let stored = match self.old_spans.get(i).copied().flatten() {
                Some(span) => t.layout.value(&self.old, i, Some(span))?,
                None => Value::Null,
            };
            let Value::Json(doc) = stored else {
                return Err(json_diff_error(
                    3648,
                    t,
                    column,
                    "the stored value is not a JSON document",
                ));
            };
            let mut new_doc = Vec::new();
            jsonb::apply_diffs(doc, diffs, &mut new_doc).map_err(|e| match e {
                jsonb::PatchError::Rejected(why) => json_diff_error(3648, t, column, &why),
                jsonb::PatchError::Corrupt(why) => {
                    json_diff_error(3649, t, column, &why.to_string())
                }
            })?;
            // Packed as the column packs it: a little-endian length of `meta` bytes.
            let width = t.layout.columns[i].1.clamp(1, 4) as usize;
            if width < 4 && new_doc.len() >> (8 * width) != 0 {
                return Err(json_diff_error(3648, t, column, "the result is too long"));
            }
            let mut packed = (new_doc.len() as u32).to_le_bytes()[..width].to_vec();
            packed.extend_from_slice(&new_doc);
            patched.push((i, packed));
        }
        Ok(patched)
    }

    /// Replaces the located row (`self.old`, `self.old_pk`) with `self.row`.
    fn replace_located(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        after: Option<&RowImage<'_>>,
    ) -> Result<(), RowError> {
        t.layout.spans(&self.row, &mut self.spans)?;
        if let Some(after) = after.filter(|_| !t.virtual_columns.is_empty()) {
            virtual_columns_current(
                t,
                after,
                (&self.old, &self.old_spans),
                (&self.row, &self.spans),
            )?;
        }
        let mut pk = std::mem::take(&mut self.pk);
        let result = (|| {
            if t.def.primary().is_some() {
                Self::primary_key(t, &self.row, &self.spans, &mut pk)?;
                if pk != self.old_pk && txn.get(store, &pk)?.is_some() {
                    return Err(dup(t, 0, &self.row, &self.spans));
                }
            } else {
                pk.clear();
                pk.extend_from_slice(&self.old_pk);
            }
            // Only index entries whose key changes are touched (most updates change
            // none): a changed primary key moves them all.
            let mask = if pk != self.old_pk {
                ALL
            } else {
                self.changed_indexes(t)?
            };
            let old_pk = std::mem::take(&mut self.old_pk);
            let r = self.remove_entries(store, txn, t, &old_pk, pk != old_pk, mask);
            self.old_pk = old_pk;
            r?;
            self.add_entries(store, txn, t, &pk, mask)?;
            txn.put(&pk, &self.row);
            if let Some(next) = t.auto_increment_after(&self.row, &self.spans) {
                txn.raise_auto_increment(t.def.id, next);
            }
            Ok(())
        })();
        self.pk = pk;
        result
    }

    /// Bit i set: index i's key differs between the old row and the new one.
    fn changed_indexes(&mut self, t: &TableRt) -> Result<u64, RowError> {
        let mut mask = 0u64;
        for (i, ix) in t.def.indexes.iter().enumerate() {
            if ix.kind == IndexKind::Primary {
                continue;
            }
            if i >= 63 {
                return Ok(ALL);
            }
            self.key.clear();
            t.key_of(ix, &self.old, &self.old_spans, &mut self.key)?;
            self.key2.clear();
            t.key_of(ix, &self.row, &self.spans, &mut self.key2)?;
            if self.key != self.key2 {
                mask |= 1 << i;
            }
        }
        // The hidden index follows the whole row.
        if t.def.primary().is_none() && self.old != self.row {
            mask |= HIDDEN;
        }
        Ok(mask)
    }

    fn delete(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        before: &RowImage<'_>,
    ) -> Result<(), RowError> {
        self.locate(store, txn, t, before)?;
        let old_pk = std::mem::take(&mut self.old_pk);
        let r = self.remove_entries(store, txn, t, &old_pk, true, ALL);
        self.old_pk = old_pk;
        r
    }

    /// Removes the index entries (those in `mask`) of the old row (`self.old`), and the
    /// row itself when `row_too`.
    fn remove_entries(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        pk: &[u8],
        row_too: bool,
        mask: u64,
    ) -> Result<(), RowError> {
        let pk_suffix = &pk[5..];
        for (i, ix) in t.def.indexes.iter().enumerate() {
            if ix.kind == IndexKind::Primary || (i < 63 && mask & (1 << i) == 0) {
                continue;
            }
            self.key.clear();
            keys::index(&mut self.key, t.def.id, ix.id);
            let complete = t.key_of(ix, &self.old, &self.old_spans, &mut self.key)?;
            if ix.kind == IndexKind::Unique && complete {
                txn.delete(&self.key);
            } else {
                // Entries with the primary key in them are never looked up.
                self.key.extend_from_slice(pk_suffix);
                txn.delete_unread(&self.key);
            }
        }
        if t.def.primary().is_none() && mask & HIDDEN != 0 {
            hidden_key(t, &self.old, &mut self.key);
            let mut ids = txn.get(store, &self.key)?.unwrap_or_default();
            if let Some(p) = ids.chunks_exact(8).position(|c| c == pk_suffix) {
                ids.drain(p * 8..p * 8 + 8);
            }
            if ids.is_empty() {
                txn.delete(&self.key);
            } else {
                txn.put(&self.key, &ids);
            }
        }
        if row_too {
            txn.delete(pk);
        }
        Ok(())
    }

    /// Adds the index entries of the new row (`self.row`), checking unique keys.
    fn add_entries(
        &mut self,
        store: &Store,
        txn: &mut Txn,
        t: &TableRt,
        pk: &[u8],
        mask: u64,
    ) -> Result<(), RowError> {
        let pk_suffix = &pk[5..];
        for (i, ix) in t.def.indexes.iter().enumerate() {
            if ix.kind == IndexKind::Primary || (i < 63 && mask & (1 << i) == 0) {
                continue;
            }
            self.key2.clear();
            keys::index(&mut self.key2, t.def.id, ix.id);
            let complete = t.key_of(ix, &self.row, &self.spans, &mut self.key2)?;
            if ix.kind == IndexKind::Unique && complete {
                if let Some(owner) = txn.get(store, &self.key2)? {
                    if owner != pk_suffix {
                        return Err(dup(t, i, &self.row, &self.spans));
                    }
                }
                txn.put(&self.key2, pk_suffix);
            } else {
                self.key2.extend_from_slice(pk_suffix);
                txn.put_unread(&self.key2, &[]);
            }
        }
        if t.def.primary().is_none() && mask & HIDDEN != 0 {
            hidden_key(t, &self.row, &mut self.key2);
            let mut ids = txn.get(store, &self.key2)?.unwrap_or_default();
            ids.extend_from_slice(pk_suffix);
            txn.put(&self.key2, &ids);
        }
        Ok(())
    }
}

/// Index mask: every index.
const ALL: u64 = u64::MAX;
/// Index mask bit of the hidden index (tables without a primary key).
const HIDDEN: u64 = 1 << 63;

/// Key of the hidden index entry for a row of a table without a primary key.
fn hidden_key(t: &TableRt, row: &[u8], out: &mut Vec<u8>) {
    out.clear();
    keys::index(out, t.def.id, keys::HIDDEN_INDEX);
    out.extend_from_slice(&stable_hash(row).to_be_bytes());
}
