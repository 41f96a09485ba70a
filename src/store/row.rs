//! The stored row: the table's NULL bitmap (one bit per column) followed by the non-NULL
//! values packed exactly as the binlog packs them for the column's layout
//! ([`super::catalog::ColumnDef::binlog_layout`]).
//!
//! Why the binlog packing: a FULL row image from the master *is* this encoding (bitmap and
//! values back to back), so the common write stores bytes it already has; a MINIMAL image
//! merges by splicing value byte ranges; and the binlog decoder, fuzzed and tested against
//! mysqlbinlog, reads rows back.
//!
//! Per-row hot path: [`RowLayout::spans`] walks a row without allocating.

use crate::binlog::error::{DecodeError, Result};
use crate::binlog::rows::RowImage;
use crate::binlog::value::{decode_value, value_size, Value};

/// How a table's rows are packed: each column's binlog (type, metadata).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowLayout {
    /// Per column.
    pub columns: Vec<(u8, u16)>,
}

/// Where one column's value lies in a stored row: `None` for NULL.
pub type Span = Option<(usize, usize)>;

#[inline]
fn bit(bitmap: &[u8], i: usize) -> bool {
    bitmap.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)
}

impl RowLayout {
    /// Bytes of the NULL bitmap.
    pub fn bitmap_len(&self) -> usize {
        self.columns.len().div_ceil(8)
    }

    /// Fills `spans` with each column's value range in `row`.
    pub fn spans(&self, row: &[u8], spans: &mut Vec<Span>) -> Result<()> {
        self.spans_upto(row, spans, self.columns.len())
    }

    /// Fills `spans` with the value ranges of the first `n` columns of `row` (a reader that
    /// needs no column past them stops there; only a walk of every column checks that
    /// nothing follows the last).
    pub fn spans_upto(&self, row: &[u8], spans: &mut Vec<Span>, n: usize) -> Result<()> {
        spans.clear();
        let nb = self.bitmap_len();
        if row.len() < nb {
            return Err(DecodeError::bad(
                "stored row",
                "shorter than its NULL bitmap",
            ));
        }
        let (bits, _) = row.split_at(nb);
        let mut pos = nb;
        for (i, &(ty, meta)) in self.columns.iter().enumerate().take(n) {
            if bit(bits, i) {
                spans.push(None);
                continue;
            }
            let len = value_size(ty, meta, &row[pos..])?;
            spans.push(Some((pos, pos + len)));
            pos += len;
        }
        if n >= self.columns.len() && pos != row.len() {
            return Err(DecodeError::bad(
                "stored row",
                format!("{} bytes after the last column", row.len() - pos),
            ));
        }
        Ok(())
    }

    /// Decodes column `i` of `row` given its span.
    pub fn value<'r>(&self, row: &'r [u8], i: usize, span: Span) -> Result<Value<'r>> {
        match span {
            None => Ok(Value::Null),
            Some((s, e)) => {
                let (ty, meta) = self.columns[i];
                decode_value(ty, meta, &row[s..e]).map(|(v, _)| v)
            }
        }
    }

    /// Writes the stored row of a FULL image (every column present) into `out`.
    pub fn from_full_image(&self, image: &RowImage<'_>, out: &mut Vec<u8>) {
        let (nulls, values) = image.raw_parts();
        out.clear();
        out.extend_from_slice(&nulls[..self.bitmap_len().min(nulls.len())]);
        out.resize(self.bitmap_len(), 0);
        // Servers leave the bitmap's unused high bits set; the store keeps them clear so
        // that equal rows are equal bytes (the hidden-key index hashes them).
        let n = self.columns.len();
        if !n.is_multiple_of(8) {
            if let Some(last) = out.last_mut() {
                *last &= (1u8 << (n % 8)) - 1;
            }
        }
        out.extend_from_slice(values);
    }

    /// Writes into `out` the row `base` (with its `base_spans`) where the columns present in
    /// `image` take the image's values: a MINIMAL or NOBLOB image applied to a stored row.
    pub fn merge(
        &self,
        base: &[u8],
        base_spans: &[Span],
        image: &RowImage<'_>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.merge_with(base, base_spans, image, &[], out)
    }

    /// [`RowLayout::merge`], where the present columns listed in `overrides` take the packed
    /// value given there instead of the image's (a partially updated JSON column: the image
    /// holds its diffs, the override the patched document).
    pub fn merge_with(
        &self,
        base: &[u8],
        base_spans: &[Span],
        image: &RowImage<'_>,
        overrides: &[(usize, Vec<u8>)],
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let (nulls, values) = image.raw_parts();
        out.clear();
        out.resize(self.bitmap_len(), 0);
        let mut present = 0; // index into the image's NULL bitmap
        let mut pos = 0; // offset in the image's values
        for (i, &(ty, meta)) in self.columns.iter().enumerate() {
            let slice = if image.is_present(i) {
                let is_null = bit(nulls, present);
                present += 1;
                if is_null {
                    None
                } else {
                    let n = value_size(ty, meta, &values[pos..])?;
                    let s = &values[pos..pos + n];
                    pos += n;
                    match overrides.iter().find(|(c, _)| *c == i) {
                        Some((_, v)) => Some(&v[..]),
                        None => Some(s),
                    }
                }
            } else {
                base_spans
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|(s, e)| &base[s..e])
            };
            match slice {
                None => out[i / 8] |= 1 << (i % 8),
                Some(s) => out.extend_from_slice(s),
            }
        }
        Ok(())
    }

    /// Writes into `out` a row built from per-column values given as packed byte slices
    /// (`None` = NULL).
    pub fn assemble<'a>(&self, values: impl Iterator<Item = Option<&'a [u8]>>, out: &mut Vec<u8>) {
        out.clear();
        out.resize(self.bitmap_len(), 0);
        for (i, v) in values.enumerate() {
            match v {
                None => out[i / 8] |= 1 << (i % 8),
                Some(s) => out.extend_from_slice(s),
            }
        }
    }
}

/// 64-bit FNV-1a: a stable hash (it is persisted in the hidden-key index of tables without
/// a primary key, so it must never change between versions).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::value::column_type as ct;

    #[test]
    fn spans_walk_nulls_and_values() {
        let layout = RowLayout {
            columns: vec![(ct::LONG, 0), (ct::VARCHAR, 40), (ct::TINY, 0)],
        };
        // column 1 is NULL
        let row = [0b010, 7, 0, 0, 0, 9];
        let mut spans = Vec::new();
        layout.spans(&row, &mut spans).unwrap();
        assert_eq!(spans, vec![Some((1, 5)), None, Some((5, 6))]);
        assert_eq!(
            layout.value(&row, 2, spans[2]).unwrap(),
            Value::Int { raw: 9, bytes: 1 }
        );
        assert!(layout.spans(&row[..5], &mut spans).is_err());
        assert!(layout.spans(&[], &mut spans).is_err());
        // A reader of the first column alone does not walk (or check) the rest.
        layout.spans_upto(&row[..5], &mut spans, 1).unwrap();
        assert_eq!(spans, vec![Some((1, 5))]);
        assert!(layout.spans_upto(&row[..5], &mut spans, 3).is_err());
        assert!(layout.spans_upto(&row[..3], &mut spans, 1).is_err());
        let mut out = Vec::new();
        layout.assemble(
            [
                Some(&[1u8, 0, 0, 0][..]),
                Some(&[2u8, b'h', b'i'][..]),
                None,
            ]
            .into_iter(),
            &mut out,
        );
        assert_eq!(out, [0b100, 1, 0, 0, 0, 2, b'h', b'i']);
    }

    #[test]
    fn stable_hash_is_stable() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
