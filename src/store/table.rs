//! A table ready for row operations: its definition, row layout, and the memcomparable
//! keys of its indexes built from a stored row.
//!
//! Per-row hot path: [`TableRt::key_of`] appends into a caller's buffer; nothing is
//! allocated per value.

use super::catalog::{ColumnDef, IndexDef, IndexKind, TableDef};
use super::collation;
use super::keycodec;
use super::row::{RowLayout, Span};
use super::text::write_text;
use crate::binlog::error::Result;
use crate::binlog::value::Value;

/// A table's definition with what row operations derive from it.
#[derive(Clone, Debug)]
pub struct TableRt {
    /// The definition.
    pub def: TableDef,
    /// How rows are packed.
    pub layout: RowLayout,
    /// Each VIRTUAL generated column with the columns its expression may read (every
    /// column whose name occurs in it: more than it reads, never fewer). A MINIMAL after
    /// image that changes one of those without the generated column cannot be applied.
    pub virtual_columns: Vec<(usize, Vec<usize>)>,
    /// The foreign keys of other tables that reference this one and whose ON DELETE or
    /// ON UPDATE changes their rows (CASCADE, SET NULL): what a deleted or re-keyed row
    /// of this table does to them ([`crate::store::catalog::Catalog::references`]). Empty
    /// unless set by whoever built it from a catalog.
    pub referenced_by: Vec<crate::store::catalog::ChildKey>,
    /// The AUTO_INCREMENT column's position, if there is one.
    pub auto_increment: Option<usize>,
}

/// The identifiers of an SQL expression's text: words and `quoted` names, not what is
/// inside string literals. Function names come along too (a column named like one is
/// counted as read: more than is read, never fewer).
fn identifiers(expr: &str) -> Vec<&str> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'`' => {
                let start = i + 1;
                i = start;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                out.push(&expr[start..i.min(b.len())]);
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$') || b[i] >= 0x80)
                {
                    i += 1;
                }
                out.push(&expr[start..i]);
            }
            _ => i += 1,
        }
    }
    out
}

impl TableRt {
    /// Prepares `def`.
    pub fn new(def: TableDef) -> TableRt {
        let layout = RowLayout {
            columns: def.columns.iter().map(ColumnDef::binlog_layout).collect(),
        };
        let virtual_columns = def
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let g = c.generated.as_ref().filter(|g| !g.stored)?;
                let words = identifiers(&g.expr);
                let reads = def
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(j, d)| {
                        *j != i && words.iter().any(|w| w.eq_ignore_ascii_case(&d.name))
                    })
                    .map(|(j, _)| j)
                    .collect();
                Some((i, reads))
            })
            .collect();
        TableRt {
            auto_increment: def.columns.iter().position(|c| c.auto_increment),
            def,
            layout,
            virtual_columns,
            referenced_by: Vec::new(),
        }
    }

    /// The AUTO_INCREMENT counter's next value after stored row `row` (with its `spans`):
    /// its AUTO_INCREMENT column's value plus one, when that is a positive number (InnoDB
    /// ignores zero, negative values and NULL).
    pub fn auto_increment_after(&self, row: &[u8], spans: &[Span]) -> Option<u64> {
        let i = self.auto_increment?;
        let v = match self.layout.value(row, i, *spans.get(i)?).ok()? {
            Value::Int { raw, .. } if self.def.columns[i].unsigned => raw,
            Value::Int { raw, bytes } => {
                let shift = 64 - 8 * u32::from(bytes.clamp(1, 8));
                let v = ((raw << shift) as i64) >> shift;
                u64::try_from(v).ok()?
            }
            Value::Float(f) if f >= 1.0 => f as u64,
            Value::Double(f) if f >= 1.0 => f as u64,
            _ => return None,
        };
        (v > 0).then(|| v.saturating_add(1))
    }

    /// [`TableRt::new`] with the foreign keys that reference the table and change rows
    /// (`refs`: [`crate::store::catalog::Catalog::references`]).
    pub fn linked(
        def: TableDef,
        refs: &std::collections::HashMap<(String, String), Vec<crate::store::catalog::ChildKey>>,
    ) -> TableRt {
        let mut t = TableRt::new(def);
        if let Some(r) = refs.get(&(t.def.db.clone(), t.def.name.clone())) {
            t.referenced_by = r
                .iter()
                .filter(|c| c.fk.on_delete.changes_rows() || c.fk.on_update.changes_rows())
                .cloned()
                .collect();
        }
        t
    }

    /// Some foreign key's ON DELETE (`delete`) or ON UPDATE changes rows of another table
    /// when a row of this one goes or changes.
    pub fn cascades(&self, delete: bool) -> bool {
        self.referenced_by.iter().any(|c| {
            if delete {
                c.fk.on_delete.changes_rows()
            } else {
                c.fk.on_update.changes_rows()
            }
        })
    }

    /// Appends index `ix`'s key of `row` to `out`. Returns false when a key column is NULL
    /// (a unique index then allows duplicates, as InnoDB does).
    pub fn key_of(
        &self,
        ix: &IndexDef,
        row: &[u8],
        spans: &[Span],
        out: &mut Vec<u8>,
    ) -> Result<bool> {
        let mut complete = true;
        for part in &ix.parts {
            let col = &self.def.columns[part.column];
            let span = spans[part.column];
            let v = self.layout.value(row, part.column, span)?;
            if col.nullable || ix.kind != IndexKind::Primary {
                if matches!(v, Value::Null) {
                    keycodec::put_null(out);
                    complete = false;
                    continue;
                }
                keycodec::put_not_null(out);
            }
            let raw = span.map_or(&[][..], |(s, e)| &row[s..e]);
            put_key_value(out, col, &v, raw, part.prefix);
        }
        Ok(complete)
    }

    /// Index `ix`'s values of `row` as mysqld quotes them in `Duplicate entry '...'`:
    /// column texts joined by `-`.
    pub fn key_text(&self, ix: &IndexDef, row: &[u8], spans: &[Span]) -> String {
        let mut out = Vec::new();
        for (i, part) in ix.parts.iter().enumerate() {
            if i > 0 {
                out.push(b'-');
            }
            let col = &self.def.columns[part.column];
            match self.layout.value(row, part.column, spans[part.column]) {
                Ok(v) => {
                    if write_text(&mut out, col, &v).is_none() {
                        out.extend_from_slice(b"NULL");
                    }
                }
                Err(_) => out.extend_from_slice(b"?"),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Appends one key column. `raw` is the value's packed bytes in the row.
fn put_key_value(
    out: &mut Vec<u8>,
    col: &ColumnDef,
    v: &Value<'_>,
    raw: &[u8],
    prefix: Option<u32>,
) {
    match *v {
        Value::Null => keycodec::put_null(out),
        Value::Int { raw: bits, bytes } => {
            if col.unsigned {
                keycodec::put_u64(out, bits)
            } else {
                keycodec::put_i64(out, Value::as_signed(bits, bytes))
            }
        }
        Value::Float(f) => keycodec::put_f64(out, f as f64),
        Value::Double(d) => keycodec::put_f64(out, d),
        // Fixed-width, big-endian, designed by MySQL to compare as bytes: DECIMAL, BIT,
        // TIME2, DATETIME2, TIMESTAMP2.
        Value::Decimal(_)
        | Value::Bit { .. }
        | Value::Time(_)
        | Value::DateTime(_)
        | Value::Timestamp(_) => out.extend_from_slice(raw),
        Value::Enum(n) => keycodec::put_u64(out, n as u64),
        Value::Set(bits) => {
            let mut b = [0u8; 8];
            b[..bits.len().min(8)].copy_from_slice(&bits[..bits.len().min(8)]);
            keycodec::put_u64(out, u64::from_le_bytes(b))
        }
        Value::Year(y) => keycodec::put_u64(out, y as u64),
        Value::Date(d) => keycodec::put_u64(
            out,
            (d.year as u64) << 9 | (d.month as u64) << 5 | d.day as u64,
        ),
        Value::String(s) => {
            let coll = collation::by_id(col.collation).or_else(|| collation::by_id(63));
            let s = match prefix {
                Some(n) => char_prefix(s, n as usize, coll.map_or(1, |c| c.mbmaxlen)),
                None => s,
            };
            let mut w = Vec::with_capacity(s.len());
            match coll {
                Some(c) => c.weight(s, &mut w),
                None => w.extend_from_slice(s),
            }
            keycodec::put_bytes(out, &w)
        }
        Value::Json(s) | Value::JsonDiff(s) | Value::Geometry(s) | Value::Vector(s) => {
            let s = match prefix {
                Some(n) => &s[..s.len().min(n as usize)],
                None => s,
            };
            keycodec::put_bytes(out, s)
        }
    }
}

/// The first `n` characters of `s` (UTF-8 when characters can be multi-byte).
fn char_prefix(s: &[u8], n: usize, mbmaxlen: u32) -> &[u8] {
    if mbmaxlen == 1 {
        return &s[..s.len().min(n)];
    }
    let mut chars = 0;
    for (i, &b) in s.iter().enumerate() {
        if b & 0xc0 != 0x80 {
            if chars == n {
                return &s[..i];
            }
            chars += 1;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_count_characters() {
        assert_eq!(char_prefix("aé€b".as_bytes(), 3, 4), "aé€".as_bytes());
        assert_eq!(char_prefix(b"abcdef", 3, 1), b"abc");
        assert_eq!(char_prefix(b"ab", 3, 4), b"ab");
    }

    #[test]
    fn identifiers_skip_string_literals() {
        assert_eq!(
            identifiers("concat(`a b`, status, '$.status', \"x\\\"y\", n1) + ü"),
            vec!["concat", "a b", "status", "n1", "ü"]
        );
        assert_eq!(identifiers("json_col ->> '$.name'"), vec!["json_col"]);
        assert!(identifiers("'unterminated").is_empty());
        assert_eq!(identifiers("`open"), vec!["open"]);
    }
}
