//! TABLE_MAP optional metadata (MySQL 8.0+, MariaDB 10.5+ with `binlog_row_metadata`).
//!
//! A sequence of (type byte, length-encoded length, value) fields. Most list one entry per
//! column of some class (numeric columns for signedness, character columns for charsets,
//! ENUM/SET columns for their values...), so the classes must be counted exactly as the
//! master did. Unknown field types are skipped; a field that runs past its length is an
//! error.

use super::super::cursor::Cursor;
use super::super::error::{DecodeError, Result};
use super::super::value::column_type as ct;
use super::{Column, KeyPart, Span, TableMap};

/// Optional metadata field types (`Table_map_event::Optional_metadata_field_type`).
mod opt {
    pub const SIGNEDNESS: u8 = 1;
    pub const DEFAULT_CHARSET: u8 = 2;
    pub const COLUMN_CHARSET: u8 = 3;
    pub const COLUMN_NAME: u8 = 4;
    pub const SET_STR_VALUE: u8 = 5;
    pub const ENUM_STR_VALUE: u8 = 6;
    pub const GEOMETRY_TYPE: u8 = 7;
    pub const SIMPLE_PRIMARY_KEY: u8 = 8;
    pub const PRIMARY_KEY_WITH_PREFIX: u8 = 9;
    pub const ENUM_AND_SET_DEFAULT_CHARSET: u8 = 10;
    pub const ENUM_AND_SET_COLUMN_CHARSET: u8 = 11;
    pub const COLUMN_VISIBILITY: u8 = 12;
    pub const VECTOR_DIMENSIONALITY: u8 = 13;
}

impl<'a> TableMap<'a> {
    /// Applies the optional metadata fields; unknown field types are skipped.
    pub(super) fn read_optional(
        &mut self,
        body: &'a [u8],
        optional: &'a [u8],
        mariadb: bool,
    ) -> Result<()> {
        let mut c = Cursor::new(optional);
        while !c.is_empty() {
            let kind = c.u8("optional metadata type")?;
            let len = c.lenenc_len("optional metadata length")?;
            let value = c.bytes(len, "optional metadata value")?;
            let mut v = Cursor::new(value);
            let cols = &mut self.columns;
            match kind {
                opt::SIGNEDNESS | opt::COLUMN_VISIBILITY => {
                    let numeric = kind == opt::SIGNEDNESS;
                    let targets = cols.iter_mut().filter(|c| !numeric || c.is_numeric());
                    for (k, col) in targets.enumerate() {
                        // These bitmaps are MSB first, unlike every other bitmap in rows events.
                        let bit = value.get(k / 8).map(|b| b >> (7 - k % 8) & 1 == 1);
                        if numeric {
                            col.unsigned = bit;
                        } else {
                            col.visible = bit;
                        }
                    }
                }
                opt::DEFAULT_CHARSET | opt::ENUM_AND_SET_DEFAULT_CHARSET => {
                    let enums = kind == opt::ENUM_AND_SET_DEFAULT_CHARSET;
                    let default = lenenc_u32(&mut v)?;
                    let mut targets: Vec<&mut Column> = cols
                        .iter_mut()
                        .filter(|c| {
                            if enums {
                                c.is_enum_or_set()
                            } else {
                                c.is_character(mariadb)
                            }
                        })
                        .collect();
                    targets.iter_mut().for_each(|c| c.charset = Some(default));
                    while !v.is_empty() {
                        let idx = lenenc_u32(&mut v)? as usize;
                        let cs = lenenc_u32(&mut v)?;
                        if let Some(c) = targets.get_mut(idx) {
                            c.charset = Some(cs);
                        }
                    }
                }
                opt::COLUMN_CHARSET | opt::ENUM_AND_SET_COLUMN_CHARSET => {
                    let enums = kind == opt::ENUM_AND_SET_COLUMN_CHARSET;
                    let targets = cols.iter_mut().filter(|c| {
                        if enums {
                            c.is_enum_or_set()
                        } else {
                            c.is_character(mariadb)
                        }
                    });
                    for col in targets {
                        if v.is_empty() {
                            break;
                        }
                        col.charset = Some(lenenc_u32(&mut v)?);
                    }
                }
                opt::COLUMN_NAME => {
                    for col in cols.iter_mut() {
                        if v.is_empty() {
                            break;
                        }
                        let n = v.lenenc_len("column name length")?;
                        col.name = Some(Span::of(body, v.bytes(n, "column name")?));
                    }
                }
                opt::SET_STR_VALUE | opt::ENUM_STR_VALUE => {
                    let want = if kind == opt::SET_STR_VALUE {
                        ct::SET
                    } else {
                        ct::ENUM
                    };
                    for col in cols.iter_mut().filter(|c| c.real_type() == want) {
                        if v.is_empty() {
                            break;
                        }
                        let start = v.peek_rest();
                        let count = v.lenenc_len("ENUM/SET value count")?;
                        for _ in 0..count {
                            let n = v.lenenc_len("ENUM/SET value length")?;
                            v.skip(n, "ENUM/SET value")?;
                        }
                        let used = start.len() - v.remaining();
                        col.str_values = Some(Span::of(body, &start[..used]));
                    }
                }
                opt::GEOMETRY_TYPE | opt::VECTOR_DIMENSIONALITY => {
                    let want = if kind == opt::GEOMETRY_TYPE {
                        ct::GEOMETRY
                    } else {
                        ct::VECTOR
                    };
                    for col in cols.iter_mut().filter(|c| c.type_code == want) {
                        if v.is_empty() {
                            break;
                        }
                        let x = lenenc_u32(&mut v)?;
                        if want == ct::GEOMETRY {
                            col.geometry_type = Some(x);
                        } else {
                            col.vector_dimensions = Some(x);
                        }
                    }
                }
                opt::SIMPLE_PRIMARY_KEY | opt::PRIMARY_KEY_WITH_PREFIX => {
                    while !v.is_empty() {
                        let column = lenenc_u32(&mut v)? as usize;
                        let prefix = if kind == opt::PRIMARY_KEY_WITH_PREFIX {
                            lenenc_u32(&mut v)?
                        } else {
                            0
                        };
                        self.primary_key.push(KeyPart { column, prefix });
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A length-encoded integer that must fit 32 bits.
fn lenenc_u32(c: &mut Cursor<'_>) -> Result<u32> {
    match c.lenenc("optional metadata integer")? {
        Some(v) if v <= u32::MAX as u64 => Ok(v as u32),
        _ => Err(DecodeError::bad(
            "Table_map",
            "optional metadata integer out of range",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::body;
    use super::*;
    use crate::binlog::FormatDescription;

    fn fde() -> FormatDescription {
        FormatDescription::assumed_v4()
    }

    #[test]
    fn optional_metadata() {
        let types = [ct::TINY, ct::VARCHAR, ct::STRING, ct::LONG];
        let meta = [10, 0, 0xf8, 0x01];
        let mut optional = vec![opt::SIGNEDNESS, 1, 0b1000_0000];
        optional.extend_from_slice(&[opt::DEFAULT_CHARSET, 1, 45]);
        optional.extend_from_slice(&[opt::COLUMN_NAME, 10, 1, b'a', 1, b'b', 1, b'c', 3]);
        optional.extend_from_slice(b"idd");
        optional.extend_from_slice(&[opt::SET_STR_VALUE, 5, 2, 1, b'x', 1, b'y']);
        optional.extend_from_slice(&[opt::SIMPLE_PRIMARY_KEY, 1, 3]);
        optional.extend_from_slice(&[opt::COLUMN_VISIBILITY, 1, 0b1110_0000]);
        optional.extend_from_slice(&[200, 2, 0xaa, 0xbb]); // unknown: skipped
        let b = body(&types, &meta, 0xff, &optional);
        let map = TableMap::parse(&b, &fde()).unwrap();
        let c = map.columns();
        assert_eq!(c[0].unsigned, Some(true));
        assert_eq!(c[3].unsigned, Some(false));
        assert_eq!(c[1].charset, Some(45));
        assert_eq!(c[2].charset, None, "SET is not a character column");
        assert_eq!(map.column_name(3), Some(&b"idd"[..]));
        let values: Vec<_> = map.str_values(2).unwrap().collect();
        assert_eq!(values, vec![&b"x"[..], &b"y"[..]]);
        assert_eq!(
            map.primary_key(),
            &[KeyPart {
                column: 3,
                prefix: 0
            }]
        );
        assert_eq!(c[3].visible, Some(false));
        assert_eq!(c[0].visible, Some(true));
        let owned = map.into_owned();
        assert_eq!(owned.column_name(0), Some(&b"a"[..]));
    }
}
