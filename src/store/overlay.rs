//! The applier's write view: what a replayed statement reads. It sees the store as
//! committed (every batch the writer thread had in flight included) with the pending
//! transaction's own writes on top: the earlier transactions of its group-commit batch,
//! and its own earlier statements.
//!
//! The pending writes are in the transaction's RocksDB WriteBatch. The row cache that
//! serves the row applier's point reads is a hash map and cannot be scanned in key order,
//! and non-unique index entries never enter it; so the write view keeps its own ordered
//! overlay, folded from the batch's bytes when a view is made: only the records added
//! since the last fold are read, and a transaction that never makes a view (the ROW path)
//! pays nothing.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use super::table::TableRt;
use super::view::{Got, ScanFn, TableAccess, Tables};
use super::StoreError;

/// WriteBatch record tags (RocksDB's `ValueType`): the only kinds a [`super::Txn`] writes.
const TAG_DELETE: u8 = 0x0;
const TAG_PUT: u8 = 0x1;
const TAG_DELETE_RANGE: u8 = 0xF;
/// A WriteBatch starts with its sequence number (8 bytes) and record count (4).
const HEADER: usize = 12;

/// A transaction's pending writes in key order.
#[derive(Default, Debug)]
pub struct Overlay {
    /// Bytes of the batch folded in so far.
    upto: usize,
    /// Keys written: the value, or `None` for a deletion.
    map: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Ranges deleted (dropped and truncated tables); a key written after its range was
    /// deleted is in `map`, which takes precedence.
    dropped: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A varint32-prefixed byte string at `*pos`.
fn varstring<'d>(data: &'d [u8], pos: &mut usize) -> Result<&'d [u8], String> {
    let mut len = 0usize;
    let mut shift = 0;
    loop {
        let b = *data
            .get(*pos)
            .ok_or_else(|| format!("a length runs past the end at byte {pos}"))?;
        *pos += 1;
        len |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 28 {
            return Err(format!("a length longer than 5 bytes at byte {pos}"));
        }
    }
    let s = data
        .get(*pos..*pos + len)
        .ok_or_else(|| format!("a {len}-byte string runs past the end at byte {pos}"))?;
    *pos += len;
    Ok(s)
}

/// One record of a WriteBatch.
pub(super) enum Record<'d> {
    /// A key written.
    Put(&'d [u8], &'d [u8]),
    /// A key deleted.
    Delete(&'d [u8]),
    /// Keys in `[from, to)` deleted.
    DeleteRange(&'d [u8], &'d [u8]),
}

/// The records of a batch's bytes `data` from byte `from` on (at least the header's end).
pub(super) fn records(
    data: &[u8],
    from: usize,
) -> impl Iterator<Item = Result<Record<'_>, String>> + '_ {
    let mut pos = from.max(HEADER);
    std::iter::from_fn(move || {
        let &tag = data.get(pos)?;
        pos += 1;
        let mut one = || -> Result<Record<'_>, String> {
            Ok(match tag {
                TAG_PUT => Record::Put(varstring(data, &mut pos)?, varstring(data, &mut pos)?),
                TAG_DELETE => Record::Delete(varstring(data, &mut pos)?),
                TAG_DELETE_RANGE => {
                    Record::DeleteRange(varstring(data, &mut pos)?, varstring(data, &mut pos)?)
                }
                other => return Err(format!("record kind {other:#x} at byte {}", pos - 1)),
            })
        };
        let r = one();
        if r.is_err() {
            // Nothing past a bad record can be read.
            pos = data.len();
        }
        Some(r)
    })
}

impl Overlay {
    /// Folds in the records of `data` (the batch's bytes) past those already folded.
    pub(super) fn fold(&mut self, data: &[u8]) -> Result<(), String> {
        for r in records(data, self.upto) {
            match r? {
                Record::Put(k, v) => {
                    self.map.insert(k.to_vec(), Some(v.to_vec()));
                }
                Record::Delete(k) => {
                    self.map.insert(k.to_vec(), None);
                }
                Record::DeleteRange(from, to) => {
                    let gone: Vec<Vec<u8>> = self
                        .map
                        .range::<[u8], _>((Bound::Included(from), Bound::Excluded(to)))
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in gone {
                        self.map.remove(&k);
                    }
                    self.dropped.push((from.to_vec(), to.to_vec()));
                }
            }
        }
        self.upto = data.len();
        Ok(())
    }

    /// Bytes folded so far.
    pub(super) fn folded(&self) -> usize {
        self.upto
    }

    /// What the pending writes say of `key`: `Some(None)` deleted, `Some(Some(v))`
    /// written, `None` untouched (read the store).
    fn lookup(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        if let Some(v) = self.map.get(key) {
            return Some(v.as_deref());
        }
        self.in_dropped(key).then_some(None)
    }

    fn in_dropped(&self, key: &[u8]) -> bool {
        self.dropped
            .iter()
            .any(|(f, t)| key >= f.as_slice() && key < t.as_slice())
    }
}

/// The store as the pending transaction sees it (see the module docs). Made by
/// [`super::Txn::write_view`]; while it lives, nothing else writes the store (the applier
/// is its only writer, and it is reading).
pub struct WriteView<'a> {
    pub(super) store: &'a super::Store,
    /// The writer thread has written every batch committed before this view (a scan
    /// waits for that once; point reads need not, see [`TableAccess::get`]).
    pub(super) drained: std::cell::Cell<bool>,
    pub(super) overlay: &'a Overlay,
    pub(super) tables: &'a Tables,
}

impl WriteView<'_> {
    fn rocks(&self, source: rocksdb::Error) -> StoreError {
        StoreError::Rocks {
            path: self.store.path.clone(),
            source,
        }
    }
}

/// A pending write: key and value (`None`: deleted).
type Entry<'a> = (&'a Vec<u8>, &'a Option<Vec<u8>>);

/// Which cursor a merged scan takes next.
enum Next {
    Base,
    Pending,
    /// Both at the same key: the pending write replaces the stored one.
    Both,
    Done,
}

impl TableAccess for WriteView<'_> {
    fn table(&self, db: &str, name: &str) -> Option<&Arc<TableRt>> {
        self.tables.get(&(db.to_string(), name.to_string()))
    }

    fn view_def(&self, db: &str, name: &str) -> Option<&crate::store::catalog::ViewDef> {
        self.tables.view(&(db.to_string(), name.to_string()))
    }

    /// The pending writes, then the row cache (which holds every key of the batches
    /// still being written: see [`super::pipeline`]), then RocksDB.
    fn get(&self, key: &[u8]) -> Result<Option<Got<'_>>, StoreError> {
        if let Some(v) = self.overlay.lookup(key) {
            return Ok(v.map(Got::Pending));
        }
        let cached = {
            let cache = self.store.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.get(key).cloned()
        };
        if let Some(state) = cached {
            return Ok(state.map(Got::Owned));
        }
        Ok(self
            .store
            .db
            .get_pinned(key)
            .map_err(|e| self.rocks(e))?
            .map(Got::Pinned))
    }

    fn scan(&self, from: &[u8], to: &[u8], reverse: bool, f: ScanFn<'_>) -> Result<(), StoreError> {
        if !self.drained.get() {
            self.store.drain()?;
            self.drained.set(true);
        }
        let mut ro = rocksdb::ReadOptions::default();
        ro.set_iterate_lower_bound(from.to_vec());
        ro.set_iterate_upper_bound(to.to_vec());
        let mut it = self.store.db.raw_iterator_opt(ro);
        if reverse {
            it.seek_to_last();
        } else {
            it.seek_to_first();
        }
        let range = self
            .overlay
            .map
            .range::<[u8], _>((Bound::Included(from), Bound::Excluded(to)));
        let mut pending: Box<dyn Iterator<Item = Entry<'_>>> = if reverse {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        let mut p = pending.next();
        loop {
            let next = match (it.key(), p) {
                (None, None) => Next::Done,
                (Some(_), None) => Next::Base,
                (None, Some(_)) => Next::Pending,
                (Some(bk), Some((pk, _))) => match bk.cmp(pk.as_slice()) {
                    std::cmp::Ordering::Equal => Next::Both,
                    std::cmp::Ordering::Less if !reverse => Next::Base,
                    std::cmp::Ordering::Greater if reverse => Next::Base,
                    _ => Next::Pending,
                },
            };
            match next {
                Next::Done => break,
                Next::Base => {
                    if let (Some(k), Some(v)) = (it.key(), it.value()) {
                        if !self.overlay.in_dropped(k) && !f(k, v) {
                            return Ok(());
                        }
                    }
                    if reverse {
                        it.prev();
                    } else {
                        it.next();
                    }
                }
                Next::Pending | Next::Both => {
                    if matches!(next, Next::Both) {
                        if reverse {
                            it.prev();
                        } else {
                            it.next();
                        }
                    }
                    if let Some((k, Some(v))) = p {
                        if !f(k, v) {
                            return Ok(());
                        }
                    }
                    p = pending.next();
                }
            }
        }
        it.status().map_err(|e| self.rocks(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_bytes(ops: &[(&str, &[u8], &[u8])]) -> Vec<u8> {
        let mut b = rocksdb::WriteBatch::default();
        for (op, k, v) in ops {
            match *op {
                "put" => b.put(k, v),
                "del" => b.delete(k),
                _ => b.delete_range(k, v),
            }
        }
        b.data().to_vec()
    }

    #[test]
    fn folds_puts_deletes_and_ranges_in_order() {
        let data = batch_bytes(&[
            ("put", b"a1", b"x"),
            ("put", b"b1", b"y"),
            ("range", b"b", b"c"),
            ("put", b"b2", b"z"),
            ("del", b"a2", b""),
        ]);
        let mut o = Overlay::default();
        o.fold(&data).unwrap();
        assert_eq!(o.lookup(b"a1"), Some(Some(&b"x"[..])));
        assert_eq!(o.lookup(b"b1"), Some(None), "deleted by the range after it");
        assert_eq!(
            o.lookup(b"b2"),
            Some(Some(&b"z"[..])),
            "written after the range"
        );
        assert_eq!(o.lookup(b"b9"), Some(None), "inside the deleted range");
        assert_eq!(o.lookup(b"a2"), Some(None));
        assert_eq!(o.lookup(b"c"), None);
        assert_eq!(o.folded(), data.len());
    }

    #[test]
    fn folds_only_what_was_added() {
        let mut b = rocksdb::WriteBatch::default();
        b.put(b"k1", b"1");
        let mut o = Overlay::default();
        o.fold(b.data()).unwrap();
        b.put(b"k1", b"2");
        b.put(b"k2", b"3");
        o.fold(b.data()).unwrap();
        assert_eq!(o.lookup(b"k1"), Some(Some(&b"2"[..])));
        assert_eq!(o.lookup(b"k2"), Some(Some(&b"3"[..])));
    }

    #[test]
    fn a_damaged_batch_is_an_error_not_a_panic() {
        let mut data = batch_bytes(&[("put", b"key", b"value")]);
        for cut in HEADER + 1..data.len() {
            assert!(
                Overlay::default().fold(&data[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        data[HEADER] = 0x9;
        assert!(Overlay::default().fold(&data).is_err());
    }
}
