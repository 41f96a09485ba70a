//! The diff list of a partially updated JSON column (MySQL `PARTIAL_UPDATE_ROWS`).
//!
//! Each diff is an operation byte (REPLACE, INSERT, REMOVE), a length-encoded JSON path and,
//! except for REMOVE, a length-encoded binary JSON value (`Json_diff_vector::write_binary`).

use super::super::cursor::Cursor;
use super::super::error::{DecodeError, Result};

/// What a partial JSON update does at its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonDiffOp {
    /// `JSON_REPLACE(col, path, value)`.
    Replace,
    /// `JSON_INSERT` (or `JSON_ARRAY_INSERT` for an array element path).
    Insert,
    /// `JSON_REMOVE(col, path)`.
    Remove,
}

/// One diff of a partially updated JSON column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonDiff<'s> {
    /// Operation.
    pub op: JsonDiffOp,
    /// JSON path text, e.g. `$.a[1]`.
    pub path: &'s [u8],
    /// New value as binary JSON (`None` for REMOVE).
    pub value: Option<&'s [u8]>,
}

/// Iterates over the diffs of a [`crate::binlog::value::Value::JsonDiff`].
pub fn json_diffs(data: &[u8]) -> JsonDiffs<'_> {
    JsonDiffs {
        c: Cursor::new(data),
        failed: false,
    }
}

/// Iterator over JSON diffs.
#[derive(Clone, Debug)]
pub struct JsonDiffs<'s> {
    /// Unread diff bytes.
    c: Cursor<'s>,
    /// Set after an error.
    failed: bool,
}

impl<'s> Iterator for JsonDiffs<'s> {
    type Item = Result<JsonDiff<'s>>;

    fn next(&mut self) -> Option<Result<JsonDiff<'s>>> {
        if self.failed || self.c.is_empty() {
            return None;
        }
        let item = (|| {
            let op = match self.c.u8("JSON diff operation")? {
                0 => JsonDiffOp::Replace,
                1 => JsonDiffOp::Insert,
                2 => JsonDiffOp::Remove,
                other => {
                    return Err(DecodeError::bad(
                        "rows",
                        format!("unknown JSON diff operation {other}"),
                    ))
                }
            };
            let n = self.c.lenenc_len("JSON diff path length")?;
            let path = self.c.bytes(n, "JSON diff path")?;
            let value = if op == JsonDiffOp::Remove {
                None
            } else {
                let n = self.c.lenenc_len("JSON diff value length")?;
                Some(self.c.bytes(n, "JSON diff value")?)
            };
            Ok(JsonDiff { op, path, value })
        })();
        self.failed = item.is_err();
        Some(item)
    }
}
