//! Rows events: the row images of INSERT (WRITE_ROWS), UPDATE and DELETE, every layout.
//!
//! Layout: table id and flags (the post-header), for v2 events a length-prefixed "extra data"
//! block, the column count, a bitmap of the columns present in the first image and, for
//! updates, one for the after image; then the rows, back to back. Each image is a NULL
//! bitmap over its present columns followed by the non-NULL values. MariaDB's compressed
//! rows events zlib-compress everything after the bitmaps; MySQL's PARTIAL_UPDATE_ROWS put
//! `binlog_row_value_options` and a bitmap of partially updated JSON columns before the
//! after image's NULL bitmap, and such a JSON column holds a list of diffs, not a document.
//!
//! Decoding needs the TABLE_MAP of the table (types and metadata), so the images are read
//! through [`RowsEvent::rows`], an iterator that borrows the event and the map and yields
//! one [`Row`] at a time without allocating; [`RowImage::values`] decodes an image's values.

use std::borrow::Cow;

use super::cursor::Cursor;
use super::error::{DecodeError, Result};
use super::event::{Event, EventType, RowsKind, RowsOp};
use super::events::maria_uncompress;
use super::fde::FormatDescription;
use super::table_map::{Column, TableMap};

mod image;
mod json_diff;

pub use image::{ColumnValue, ImageValues, RowImage};
pub use json_diff::{json_diffs, JsonDiff, JsonDiffOp, JsonDiffs};

/// Rows event flag: the last rows event of the statement (table maps may be released).
pub const STMT_END_F: u16 = 1;
/// Rows event flag: foreign key checks were off.
pub const NO_FOREIGN_KEY_CHECKS_F: u16 = 2;
/// Rows event flag: unique checks were relaxed.
pub const RELAXED_UNIQUE_CHECKS_F: u16 = 4;
/// Rows event flag: the images hold every column.
pub const COMPLETE_ROWS_F: u16 = 8;
/// `binlog_row_value_options` bit: JSON columns may carry partial updates.
pub const PARTIAL_JSON_UPDATES: u64 = 1;

/// A decoded rows event header with its (decompressed) row data.
#[derive(Clone, Debug)]
pub struct RowsEvent<'a> {
    /// The event type.
    pub event_type: EventType,
    /// Operation and layout.
    pub kind: RowsKind,
    /// Table id of the TABLE_MAP this event refers to.
    pub table_id: u64,
    /// Flags (`STMT_END_F`, ...).
    pub flags: u16,
    /// v2 extra data (without its length field); empty for v0/v1.
    pub extra_data: &'a [u8],
    /// Number of columns the bitmaps cover.
    pub column_count: usize,
    /// Columns present in the first image (the after image for writes, before image else).
    pub columns: &'a [u8],
    /// Updates: columns present in the after image.
    pub columns_after: Option<&'a [u8]>,
    /// Offset in the body where the row data (compressed, for compressed events) starts.
    pub rows_offset: usize,
    /// The row data, inflated for MariaDB compressed events.
    rows: Cow<'a, [u8]>,
}

impl<'a> RowsEvent<'a> {
    /// Decodes the rows event `ev` (any type for which `EventType::rows_kind` is `Some`).
    pub fn from_event(ev: &Event<'a>, fde: &FormatDescription) -> Result<RowsEvent<'a>> {
        let t = ev
            .event_type()
            .ok_or_else(|| DecodeError::bad("rows", "unknown event type"))?;
        RowsEvent::parse(t, ev.body(), fde)
    }

    /// Decodes a rows event body of type `event_type`.
    pub fn parse(
        event_type: EventType,
        body: &'a [u8],
        fde: &FormatDescription,
    ) -> Result<RowsEvent<'a>> {
        let kind = event_type.rows_kind().ok_or_else(|| {
            DecodeError::bad("rows", format!("{} is not a rows event", event_type.name()))
        })?;
        let default_post = if kind.version == 2 { 10 } else { 8 };
        let post = fde.post_header_len(event_type, default_post) as usize;
        // A post-header too short for a table id and flags means the writer numbered its
        // events differently (MySQL 5.2 development builds reused 20-22 for other events).
        if post < 6 || (kind.version == 2 && post < 10) {
            return Err(DecodeError::bad(
                "rows",
                format!(
                    "{} with a {post}-byte post-header is not a rows event in this binlog's format",
                    event_type.name()
                ),
            ));
        }
        let mut c = Cursor::new(body);
        let id_len = if post == 6 { 4 } else { 6 };
        let table_id = c.uint_n(id_len, "rows table id")?;
        let flags = c.u16("rows flags")?;
        let mut extra_data = &[][..];
        if kind.version == 2 {
            let len = c.u16("rows extra data length")? as usize;
            if len < 2 {
                return Err(DecodeError::bad(
                    "rows",
                    format!("extra data length {len} is below its own 2 bytes"),
                ));
            }
            extra_data = c.bytes(len - 2, "rows extra data")?;
        } else if post > id_len + 2 {
            c.skip(post - id_len - 2, "rows post-header")?;
        }
        let column_count = c.lenenc_len("rows column count")?;
        let bitmap_len = column_count.div_ceil(8);
        let columns = c.bytes(bitmap_len, "rows column bitmap")?;
        let columns_after = match kind.op {
            RowsOp::Update | RowsOp::PartialUpdate => {
                Some(c.bytes(bitmap_len, "rows after-image column bitmap")?)
            }
            _ => None,
        };
        let rows_offset = body.len() - c.remaining();
        let rest = c.rest();
        let rows = if kind.compressed {
            Cow::Owned(maria_uncompress(rest, "compressed rows")?)
        } else {
            Cow::Borrowed(rest)
        };
        Ok(RowsEvent {
            event_type,
            kind,
            table_id,
            flags,
            extra_data,
            column_count,
            columns,
            columns_after,
            rows_offset,
            rows,
        })
    }

    /// The row data (inflated for compressed events).
    pub fn rows_data(&self) -> &[u8] {
        &self.rows
    }

    /// The operation.
    pub fn op(&self) -> RowsOp {
        self.kind.op
    }

    /// True when STMT_END_F is set.
    pub fn is_statement_end(&self) -> bool {
        self.flags & STMT_END_F != 0
    }

    /// The NDB "extra row info" chunk of a v2 event (length byte, format byte, payload), as
    /// MariaDB reads it: only a leading chunk with tag 0 counts.
    pub fn ndb_extra_info(&self) -> Option<&'a [u8]> {
        let (&tag, rest) = self.extra_data.split_first()?;
        if tag != 0 {
            return None;
        }
        let len = *rest.first()? as usize;
        if len < 2 {
            return None;
        }
        rest.get(..len)
    }

    /// Iterates over the rows, decoding them with `map` (the TABLE_MAP of `table_id`).
    pub fn rows<'s>(&'s self, map: &'s TableMap<'_>) -> Result<Rows<'s>> {
        if map.table_id != self.table_id {
            return Err(DecodeError::bad(
                "rows",
                format!(
                    "table map is for table id {}, rows event for {}",
                    map.table_id, self.table_id
                ),
            ));
        }
        // Columns the event has beyond the map's cannot be decoded (no type known).
        let ncols = map.column_count();
        for bitmap in std::iter::once(self.columns).chain(self.columns_after) {
            if (ncols..self.column_count).any(|i| bit(bitmap, i)) {
                return Err(DecodeError::bad(
                    "rows",
                    format!(
                        "rows event has {} columns, the table map of {}.{} describes {ncols}",
                        self.column_count,
                        String::from_utf8_lossy(map.schema()),
                        String::from_utf8_lossy(map.table())
                    ),
                ));
            }
        }
        Ok(Rows {
            data: &self.rows,
            pos: 0,
            columns: map.columns(),
            width: self.column_count.min(ncols),
            first: self.columns,
            after: self.columns_after,
            op: self.kind.op,
            partial: self.kind.op == RowsOp::PartialUpdate,
            json_count: map.json_column_count(),
            failed: false,
        })
    }
}

/// Bit `i` of an LSB-first bitmap.
#[inline]
pub(crate) fn bit(bitmap: &[u8], i: usize) -> bool {
    bitmap.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)
}

/// Iterator over the rows of a rows event.
#[derive(Clone, Debug)]
pub struct Rows<'s> {
    /// Row data.
    data: &'s [u8],
    /// Offset of the next row.
    pos: usize,
    /// Column descriptions from the table map.
    columns: &'s [Column],
    /// Columns decodable: those both the event and the map have.
    width: usize,
    /// Present-columns bitmap of the first image.
    first: &'s [u8],
    /// Present-columns bitmap of the after image (updates).
    after: Option<&'s [u8]>,
    /// The operation (writes have their only image after, deletes before).
    op: RowsOp,
    /// PARTIAL_UPDATE_ROWS: the after image starts with value options.
    partial: bool,
    /// JSON columns in the table (sizes the partial bitmap).
    json_count: usize,
    /// Set after an error: the position of the next row is unknown.
    failed: bool,
}

/// One row: its images and where it starts.
#[derive(Clone, Copy, Debug)]
pub struct Row<'s> {
    /// Offset of the row's first byte in [`RowsEvent::rows_data`].
    pub offset: usize,
    /// Before image (updates and deletes).
    pub before: Option<RowImage<'s>>,
    /// After image (writes and updates).
    pub after: Option<RowImage<'s>>,
}

impl Rows<'_> {
    /// Offset in [`RowsEvent::rows_data`] just past the last row returned.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<'s> Iterator for Rows<'s> {
    type Item = Result<Row<'s>>;

    fn next(&mut self) -> Option<Result<Row<'s>>> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let result = self.next_row();
        if result.is_err() {
            // The next row's start is unknown once an image could not be measured.
            self.failed = true;
        }
        Some(result)
    }
}

impl<'s> Rows<'s> {
    fn next_row(&mut self) -> Result<Row<'s>> {
        let offset = self.pos;
        let first = self.image(self.first, false)?;
        let second = match self.after {
            Some(after) => Some(self.image(after, self.partial)?),
            None => None,
        };
        if self.pos == offset {
            return Err(DecodeError::bad("rows", "a row of zero bytes"));
        }
        let (before, after) = match (self.op, second) {
            (RowsOp::Write, _) => (None, Some(first)),
            (_, Some(after)) => (Some(first), Some(after)),
            (_, None) => (Some(first), None),
        };
        Ok(Row {
            offset,
            before,
            after,
        })
    }

    /// Measures the image at `pos` whose present columns are `present`, moving past it.
    fn image(&mut self, present: &'s [u8], partial_after: bool) -> Result<RowImage<'s>> {
        let offset = self.pos;
        let mut c = Cursor::new(&self.data[self.pos..]);
        let mut value_options = 0;
        let mut partial_bits = None;
        if partial_after {
            value_options = c
                .lenenc("binlog_row_value_options")?
                .ok_or_else(|| DecodeError::bad("rows", "NULL binlog_row_value_options"))?;
            if value_options & PARTIAL_JSON_UPDATES != 0 {
                partial_bits = Some(c.bytes(self.json_count.div_ceil(8), "partial JSON bitmap")?);
            }
        }
        let present_count = (0..self.width).filter(|&i| bit(present, i)).count();
        let null_bits = c.bytes(present_count.div_ceil(8), "row NULL bitmap")?;
        let values = c.peek_rest();
        let mut image = RowImage {
            offset,
            columns: self.columns,
            width: self.width,
            present,
            present_count,
            value_options,
            partial_bits,
            null_bits,
            values,
        };
        let mut len = 0;
        for v in image.values() {
            let v = v?;
            len = v.end;
        }
        image.values = &values[..len];
        // `values` ran to the end of the data: what precedes it is this image's header.
        let header_len = self.data.len() - offset - values.len();
        self.pos = offset + header_len + len;
        Ok(image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::table_map::TableMap;
    use crate::binlog::value::{column_type as ct, Value};

    fn fde() -> FormatDescription {
        FormatDescription::assumed_v4()
    }

    /// TABLE_MAP body for table id 7: (INT, VARCHAR(20), JSON).
    fn map_body() -> Vec<u8> {
        let mut b = vec![7, 0, 0, 0, 0, 0, 1, 0, 1, b'd', 0, 1, b't', 0, 3];
        b.extend_from_slice(&[ct::LONG, ct::VARCHAR, ct::JSON]);
        b.extend_from_slice(&[3, 20, 0, 4]);
        b.push(0b110);
        b
    }

    fn rows_body(kind_v2: bool, update: bool, rows: &[u8]) -> Vec<u8> {
        let mut b = vec![7, 0, 0, 0, 0, 0, 1, 0];
        if kind_v2 {
            b.extend_from_slice(&[2, 0]);
        }
        b.push(3);
        b.push(0b111);
        if update {
            b.push(0b111);
        }
        b.extend_from_slice(rows);
        b
    }

    fn json_doc_int16(v: i16) -> Vec<u8> {
        let mut d = vec![0x05];
        d.extend_from_slice(&v.to_le_bytes());
        d
    }

    #[test]
    fn write_rows_v2_two_rows() {
        let mut rows = vec![0b000];
        rows.extend_from_slice(&5i32.to_le_bytes());
        rows.extend_from_slice(&[2, b'h', b'i']);
        let doc = json_doc_int16(9);
        rows.extend_from_slice(&(doc.len() as u32).to_le_bytes());
        rows.extend_from_slice(&doc);
        let second_at = rows.len();
        rows.push(0b110); // @2 and @3 NULL
        rows.extend_from_slice(&(-1i32).to_le_bytes());
        let mb = map_body();
        let map = TableMap::parse(&mb, &fde()).unwrap();
        let body = rows_body(true, false, &rows);
        let ev = RowsEvent::parse(EventType::WriteRows, &body, &fde()).unwrap();
        assert_eq!(ev.table_id, 7);
        assert!(ev.is_statement_end());
        let all: Vec<_> = ev.rows(&map).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].offset, second_at);
        assert!(all[0].before.is_none());
        let vals: Vec<_> = all[0]
            .after
            .unwrap()
            .values()
            .map(|v| v.unwrap().value)
            .collect();
        assert_eq!(vals[0], Value::Int { raw: 5, bytes: 4 });
        assert_eq!(vals[1], Value::String(b"hi"));
        assert_eq!(vals[2], Value::Json(&doc));
        let vals: Vec<_> = all[1]
            .after
            .unwrap()
            .values()
            .map(|v| v.unwrap().value)
            .collect();
        assert_eq!(vals[1], Value::Null);
        assert_eq!(vals[2], Value::Null);
    }

    #[test]
    fn partial_update_with_json_diffs() {
        // Before image: full row. After image: value options 1, partial bits 1, then values.
        let mut rows = vec![0b000];
        rows.extend_from_slice(&1i32.to_le_bytes());
        rows.extend_from_slice(&[1, b'x']);
        let doc = json_doc_int16(1);
        rows.extend_from_slice(&(doc.len() as u32).to_le_bytes());
        rows.extend_from_slice(&doc);
        rows.extend_from_slice(&[1, 0b1, 0b000]);
        rows.extend_from_slice(&1i32.to_le_bytes());
        rows.extend_from_slice(&[1, b'x']);
        let mut diffs = vec![0, 3];
        diffs.extend_from_slice(b"$.a");
        let v = json_doc_int16(2);
        diffs.push(v.len() as u8);
        diffs.extend_from_slice(&v);
        diffs.extend_from_slice(&[2, 3]);
        diffs.extend_from_slice(b"$.b");
        rows.extend_from_slice(&(diffs.len() as u32).to_le_bytes());
        rows.extend_from_slice(&diffs);
        let mb = map_body();
        let map = TableMap::parse(&mb, &fde()).unwrap();
        let body = rows_body(true, true, &rows);
        let ev = RowsEvent::parse(EventType::PartialUpdateRows, &body, &fde()).unwrap();
        let row = ev.rows(&map).unwrap().next().unwrap().unwrap();
        let after = row.after.unwrap();
        assert_eq!(after.value_options, 1);
        let last = after.values().last().unwrap().unwrap();
        let Value::JsonDiff(d) = last.value else {
            panic!("{last:?}")
        };
        let list: Vec<_> = json_diffs(d).map(|x| x.unwrap()).collect();
        assert_eq!(list[0].op, JsonDiffOp::Replace);
        assert_eq!(list[0].path, b"$.a");
        assert_eq!(list[0].value, Some(&v[..]));
        assert_eq!(list[1].op, JsonDiffOp::Remove);
        assert_eq!(list[1].value, None);
    }

    #[test]
    fn mismatches_and_damage_are_errors() {
        let mb = map_body();
        let map = TableMap::parse(&mb, &fde()).unwrap();
        let mut body = rows_body(false, false, &[0, 1, 0, 0]);
        body[0] = 8;
        let ev = RowsEvent::parse(EventType::DeleteRowsV1, &body, &fde()).unwrap();
        assert!(ev.rows(&map).is_err(), "table id mismatch");
        body[0] = 7;
        let ev = RowsEvent::parse(EventType::DeleteRowsV1, &body, &fde()).unwrap();
        let mut it = ev.rows(&map).unwrap();
        assert!(it.next().unwrap().is_err(), "truncated VARCHAR");
        assert!(it.next().is_none(), "no rows after an error");
        assert!(RowsEvent::parse(EventType::Query, &body, &fde()).is_err());
        assert!(RowsEvent::parse(EventType::WriteRows, &body[..9], &fde()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(rows in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
                        code in 20u8..40) {
            let mb = map_body();
            let map = TableMap::parse(&mb, &fde()).unwrap();
            let Some(t) = EventType::from_code(code) else { return Ok(()) };
            let body = rows_body(t.rows_kind().is_some_and(|k| k.version == 2),
                                 t.rows_kind().is_some_and(|k| k.op != RowsOp::Write && k.op != RowsOp::Delete),
                                 &rows);
            if let Ok(ev) = RowsEvent::parse(t, &body, &fde()) {
                if let Ok(it) = ev.rows(&map) {
                    for row in it.flatten() {
                        for img in [row.before, row.after].into_iter().flatten() {
                            for v in img.values().flatten() {
                                if let Value::JsonDiff(d) = v.value {
                                    let _ = json_diffs(d).count();
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
