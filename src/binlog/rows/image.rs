//! Row images: the NULL bitmap and values of one before- or after-image, decoded lazily.
//!
//! Per-value hot path: [`ImageValues`] walks the present columns and decodes each value in
//! place, borrowing from the event; nothing is allocated.

use super::super::error::{DecodeError, Result};
use super::super::table_map::Column;
use super::super::value::{column_type as ct, decode_value, Value};
use super::bit;

/// One row image: the values of the present columns.
#[derive(Clone, Copy, Debug)]
pub struct RowImage<'s> {
    /// Offset of the image's first byte in [`super::RowsEvent::rows_data`].
    pub offset: usize,
    /// Column descriptions from the table map.
    pub(super) columns: &'s [Column],
    /// Columns both the event and the map describe.
    pub(super) width: usize,
    /// Present-columns bitmap (LSB first).
    pub(super) present: &'s [u8],
    /// Number of present columns.
    pub(super) present_count: usize,
    /// PARTIAL_UPDATE_ROWS after image: `binlog_row_value_options` (0 otherwise).
    pub value_options: u64,
    /// Partially updated JSON columns, one bit per JSON column of the table.
    pub(super) partial_bits: Option<&'s [u8]>,
    /// NULL bitmap over the present columns.
    pub(super) null_bits: &'s [u8],
    /// The values (exactly this image's).
    pub(super) values: &'s [u8],
}

impl<'s> RowImage<'s> {
    /// Number of columns present in the image.
    pub fn present_count(&self) -> usize {
        self.present_count
    }

    /// True when column `i` (0-based) is in the image.
    pub fn is_present(&self, i: usize) -> bool {
        i < self.width && bit(self.present, i)
    }

    /// Number of columns the image can hold (the table map's and the event's common width).
    pub fn width(&self) -> usize {
        self.width
    }

    /// The NULL bitmap (over the present columns) and the packed values, as logged: a
    /// store that packs rows the binlog way keeps a full image without re-encoding it.
    pub fn raw_parts(&self) -> (&'s [u8], &'s [u8]) {
        (self.null_bits, self.values)
    }

    /// Decodes the present columns in order.
    pub fn values(&self) -> ImageValues<'s> {
        ImageValues {
            image: *self,
            column: 0,
            null_index: 0,
            json_index: 0,
            pos: 0,
            failed: false,
        }
    }
}

/// One present column of an image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColumnValue<'s> {
    /// 0-based column index (mysqlbinlog prints `@{column + 1}`).
    pub column: usize,
    /// The value.
    pub value: Value<'s>,
    /// Offset just past the value within the image's values.
    pub(super) end: usize,
}

/// Iterator over the present columns of an image.
#[derive(Clone, Debug)]
pub struct ImageValues<'s> {
    /// The image.
    image: RowImage<'s>,
    /// Next column index to look at.
    column: usize,
    /// Present columns seen (indexes the NULL bitmap).
    null_index: usize,
    /// JSON columns seen, present or not (indexes the partial bitmap).
    json_index: usize,
    /// Offset of the next value in the image's values.
    pos: usize,
    /// Set after an error.
    failed: bool,
}

impl<'s> Iterator for ImageValues<'s> {
    type Item = Result<ColumnValue<'s>>;

    #[inline]
    fn next(&mut self) -> Option<Result<ColumnValue<'s>>> {
        let img = &self.image;
        while !self.failed && self.column < img.width {
            let i = self.column;
            self.column += 1;
            let col = &img.columns[i];
            // The partial bitmap has a bit for every JSON column, present or not.
            let mut partial = false;
            if col.type_code == ct::JSON {
                if let Some(bits) = img.partial_bits {
                    partial = bit(bits, self.json_index);
                }
                self.json_index += 1;
            }
            if !bit(img.present, i) {
                continue;
            }
            let is_null = bit(img.null_bits, self.null_index);
            self.null_index += 1;
            if is_null {
                return Some(Ok(ColumnValue {
                    column: i,
                    value: Value::Null,
                    end: self.pos,
                }));
            }
            let buf = img.values.get(self.pos..).unwrap_or(&[]);
            return Some(match decode_value(col.type_code, col.meta, buf) {
                Ok((value, n)) => {
                    self.pos += n;
                    let value = match value {
                        Value::Json(d) if partial => Value::JsonDiff(d),
                        v => v,
                    };
                    Ok(ColumnValue {
                        column: i,
                        value,
                        end: self.pos,
                    })
                }
                Err(e) => {
                    self.failed = true;
                    // Say "invalid rows event" once, with the column in front of the cause.
                    let cause = match e {
                        DecodeError::BadEvent {
                            event: "rows",
                            reason,
                        } => reason,
                        other => other.to_string(),
                    };
                    Err(DecodeError::bad(
                        "rows",
                        format!("column @{} ({}): {cause}", i + 1, ct::name(col.type_code)),
                    ))
                }
            });
        }
        None
    }
}
