//! Column type codes and the decoding of one column value out of a row image.
//!
//! A row image stores each present, non-NULL column in its type's binary form; the type
//! code and the 16-bit metadata word from the TABLE_MAP say how many bytes it takes and how
//! to read them. Signedness is *not* in the image (only MySQL 8's optional metadata has it),
//! so integers are kept as raw bits and printers show both readings, as mysqlbinlog does.
//!
//! [`decode_value`] is on the per-value hot path: it borrows from the image and never
//! allocates.

use super::cursor::le_uint;
use super::decimal;
use super::error::{DecodeError, Result};
use super::temporal;
pub use super::temporal::{Date, DateTime, Time, Timestamp};

/// MySQL column type codes (`enum_field_types`), as TABLE_MAP events carry them.
pub mod column_type {
    /// Pre-5.0 DECIMAL stored as text; not loggable in row events (no metadata).
    pub const DECIMAL: u8 = 0;
    /// TINYINT: 1 byte.
    pub const TINY: u8 = 1;
    /// SMALLINT: 2 bytes.
    pub const SHORT: u8 = 2;
    /// INT: 4 bytes.
    pub const LONG: u8 = 3;
    /// FLOAT: 4-byte IEEE single.
    pub const FLOAT: u8 = 4;
    /// DOUBLE: 8-byte IEEE double.
    pub const DOUBLE: u8 = 5;
    /// The NULL type: no bytes.
    pub const NULL: u8 = 6;
    /// Pre-5.6 TIMESTAMP: 4-byte seconds since the epoch.
    pub const TIMESTAMP: u8 = 7;
    /// BIGINT: 8 bytes.
    pub const LONGLONG: u8 = 8;
    /// MEDIUMINT: 3 bytes.
    pub const INT24: u8 = 9;
    /// DATE (logged with the 3-byte NEWDATE layout).
    pub const DATE: u8 = 10;
    /// Pre-5.6 TIME: 3-byte HHMMSS integer.
    pub const TIME: u8 = 11;
    /// Pre-5.6 DATETIME: 8-byte YYYYMMDDHHMMSS integer.
    pub const DATETIME: u8 = 12;
    /// YEAR: 1 byte, years since 1900.
    pub const YEAR: u8 = 13;
    /// DATE as stored since 5.0: 3 bytes, day | month << 5 | year << 9.
    pub const NEWDATE: u8 = 14;
    /// VARCHAR / VARBINARY: 1- or 2-byte length then bytes.
    pub const VARCHAR: u8 = 15;
    /// BIT(n): (n + 7) / 8 big-endian bytes.
    pub const BIT: u8 = 16;
    /// TIMESTAMP(fsp) since 5.6: 4-byte big-endian seconds and fraction.
    pub const TIMESTAMP2: u8 = 17;
    /// DATETIME(fsp) since 5.6: 5-byte packed big-endian value and fraction.
    pub const DATETIME2: u8 = 18;
    /// TIME(fsp) since 5.6: 3-byte packed big-endian value and fraction.
    pub const TIME2: u8 = 19;
    /// MariaDB compressed VARCHAR (stored like VARCHAR, contents compressed).
    pub const VARCHAR_COMPRESSED: u8 = 140;
    /// MariaDB compressed BLOB/TEXT (stored like BLOB, contents compressed).
    pub const BLOB_COMPRESSED: u8 = 141;
    /// MySQL typed array (multi-valued index columns): element type in the metadata.
    pub const TYPED_ARRAY: u8 = 244;
    /// MySQL 9 VECTOR: 4-byte length then little-endian floats.
    pub const VECTOR: u8 = 242;
    /// MySQL JSON: 4-byte length then MySQL binary JSON.
    pub const JSON: u8 = 245;
    /// DECIMAL since 5.0: binary decimal.
    pub const NEWDECIMAL: u8 = 246;
    /// ENUM (logged as STRING with the real type in the metadata).
    pub const ENUM: u8 = 247;
    /// SET (logged as STRING with the real type in the metadata).
    pub const SET: u8 = 248;
    /// TINYBLOB / TINYTEXT (logged as BLOB).
    pub const TINY_BLOB: u8 = 249;
    /// MEDIUMBLOB / MEDIUMTEXT (logged as BLOB).
    pub const MEDIUM_BLOB: u8 = 250;
    /// LONGBLOB / LONGTEXT (logged as BLOB).
    pub const LONG_BLOB: u8 = 251;
    /// BLOB / TEXT of any size: 1–4 byte length (pack length in metadata) then bytes.
    pub const BLOB: u8 = 252;
    /// Old VARCHAR / VARBINARY type code.
    pub const VAR_STRING: u8 = 253;
    /// CHAR / BINARY (and ENUM / SET, see the metadata).
    pub const STRING: u8 = 254;
    /// GEOMETRY: like BLOB, WKB with a 4-byte SRID prefix.
    pub const GEOMETRY: u8 = 255;

    /// MySQL's name of a type code, for messages.
    pub fn name(code: u8) -> &'static str {
        match code {
            DECIMAL => "DECIMAL",
            TINY => "TINY",
            SHORT => "SHORT",
            LONG => "LONG",
            FLOAT => "FLOAT",
            DOUBLE => "DOUBLE",
            NULL => "NULL",
            TIMESTAMP => "TIMESTAMP",
            LONGLONG => "LONGLONG",
            INT24 => "INT24",
            DATE => "DATE",
            TIME => "TIME",
            DATETIME => "DATETIME",
            YEAR => "YEAR",
            NEWDATE => "NEWDATE",
            VARCHAR => "VARCHAR",
            BIT => "BIT",
            TIMESTAMP2 => "TIMESTAMP2",
            DATETIME2 => "DATETIME2",
            TIME2 => "TIME2",
            VARCHAR_COMPRESSED => "VARCHAR_COMPRESSED",
            BLOB_COMPRESSED => "BLOB_COMPRESSED",
            TYPED_ARRAY => "TYPED_ARRAY",
            VECTOR => "VECTOR",
            JSON => "JSON",
            NEWDECIMAL => "NEWDECIMAL",
            ENUM => "ENUM",
            SET => "SET",
            TINY_BLOB => "TINY_BLOB",
            MEDIUM_BLOB => "MEDIUM_BLOB",
            LONG_BLOB => "LONG_BLOB",
            BLOB => "BLOB",
            VAR_STRING => "VAR_STRING",
            STRING => "STRING",
            GEOMETRY => "GEOMETRY",
            _ => "unknown",
        }
    }
}

use column_type as ct;

/// One decoded column value, borrowing from the row image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// SQL NULL.
    Null,
    /// TINYINT..BIGINT as raw bits: `bytes` wide, signedness unknown.
    Int {
        /// The value's bits, zero-extended.
        raw: u64,
        /// Width in bytes: 1, 2, 3, 4 or 8.
        bytes: u8,
    },
    /// FLOAT.
    Float(f32),
    /// DOUBLE.
    Double(f64),
    /// DECIMAL as exact text.
    Decimal(decimal::DecimalText),
    /// BIT(n): big-endian bytes, the high bits of the first byte unused.
    Bit {
        /// Declared number of bits.
        bits: u32,
        /// (bits + 7) / 8 bytes.
        data: &'a [u8],
    },
    /// CHAR, VARCHAR, BINARY, VARBINARY, TEXT, BLOB (also MariaDB compressed ones, raw).
    String(&'a [u8]),
    /// ENUM: 1-based index of the value (0 = the empty error value).
    Enum(u16),
    /// SET: little-endian bitmask bytes (1–8).
    Set(&'a [u8]),
    /// YEAR: years since 1900 as stored (0 means 0000).
    Year(u8),
    /// DATE.
    Date(Date),
    /// TIME, TIME(fsp).
    Time(Time),
    /// DATETIME, DATETIME(fsp).
    DateTime(DateTime),
    /// TIMESTAMP, TIMESTAMP(fsp).
    Timestamp(Timestamp),
    /// MySQL JSON: binary JSON document (see [`super::jsonb`]).
    Json(&'a [u8]),
    /// MySQL partial JSON update: the diff list of a PARTIAL_UPDATE_ROWS after-image.
    JsonDiff(&'a [u8]),
    /// GEOMETRY: SRID (4 bytes, little-endian) then WKB.
    Geometry(&'a [u8]),
    /// MySQL VECTOR: little-endian f32 elements.
    Vector(&'a [u8]),
}

impl Value<'_> {
    /// The integer read as signed (two's complement of its width).
    pub fn as_signed(raw: u64, bytes: u8) -> i64 {
        let shift = 64 - 8 * bytes.clamp(1, 8) as u32;
        ((raw << shift) as i64) >> shift
    }
}

/// Splits what MySQL packs into a STRING column's metadata: the real type (STRING, ENUM or
/// SET) and the byte length, long CHAR lengths borrowing two bits of the type byte
/// (MySQL bug #37426). Mirrors `log_event_print_value`.
pub fn string_real_type(meta: u16) -> (u8, u32) {
    if meta < 256 {
        return (ct::STRING, meta as u32);
    }
    let byte0 = (meta >> 8) as u32;
    let byte1 = (meta & 0xff) as u32;
    if byte0 & 0x30 != 0x30 {
        ((byte0 | 0x30) as u8, byte1 | (((byte0 & 0x30) ^ 0x30) << 4))
    } else {
        (byte0 as u8, byte1)
    }
}

fn need(buf: &[u8], n: usize, what: &'static str) -> Result<()> {
    if buf.len() < n {
        return Err(DecodeError::Truncated {
            what,
            need: n,
            have: buf.len(),
        });
    }
    Ok(())
}

/// A length-prefixed byte string: `prefix` little-endian length bytes, then the bytes.
fn prefixed<'a>(buf: &'a [u8], prefix: usize, what: &'static str) -> Result<(&'a [u8], usize)> {
    need(buf, prefix, what)?;
    let len = le_uint(&buf[..prefix]) as usize;
    need(buf, prefix + len, what)?;
    Ok((&buf[prefix..prefix + len], prefix + len))
}

/// The bytes the value of a column of binlog type `ty` with metadata `meta` at the start of
/// `buf` takes: what [`decode_value`] returns beside the value (and the same error), without
/// building the value. Walking a row to a column pays only for lengths.
#[inline]
pub fn value_size(ty: u8, meta: u16, buf: &[u8]) -> Result<usize> {
    let fixed = |n: usize, what: &'static str| need(buf, n, what).map(|()| n);
    let sized = |prefix: usize, what: &'static str| prefixed(buf, prefix, what).map(|(_, n)| n);
    match ty {
        ct::TINY => fixed(1, "integer value"),
        ct::SHORT => fixed(2, "integer value"),
        ct::INT24 => fixed(3, "integer value"),
        ct::LONG => fixed(4, "integer value"),
        ct::LONGLONG => fixed(8, "integer value"),
        ct::FLOAT => fixed(4, "FLOAT value"),
        ct::DOUBLE => fixed(8, "DOUBLE value"),
        ct::VARCHAR | ct::VAR_STRING | ct::VARCHAR_COMPRESSED => {
            sized(if meta < 256 { 1 } else { 2 }, "VARCHAR value")
        }
        ct::STRING => match string_real_type(meta) {
            (ct::STRING, len) => sized(if len < 256 { 1 } else { 2 }, "CHAR value"),
            _ => decode_value(ty, meta, buf).map(|(_, n)| n),
        },
        ct::BLOB | ct::BLOB_COMPRESSED | ct::TINY_BLOB | ct::MEDIUM_BLOB | ct::LONG_BLOB
            if (1..=4).contains(&meta) =>
        {
            sized(meta as usize, "BLOB value")
        }
        _ => decode_value(ty, meta, buf).map(|(_, n)| n),
    }
}

/// Decodes the value of a column of binlog type `ty` with metadata `meta` from the start of
/// `buf`. Returns the value and the bytes it took.
///
/// `ty` is the type as the TABLE_MAP lists it; STRING columns that really are ENUM or SET
/// are recognised from `meta`, DATE uses the NEWDATE layout, as the servers do.
#[inline]
pub fn decode_value(ty: u8, meta: u16, buf: &[u8]) -> Result<(Value<'_>, usize)> {
    let int = |n: usize| -> Result<(Value<'_>, usize)> {
        need(buf, n, "integer value")?;
        Ok((
            Value::Int {
                raw: le_uint(&buf[..n]),
                bytes: n as u8,
            },
            n,
        ))
    };
    let mut ty = ty;
    let mut str_len = 0u32;
    if ty == ct::STRING {
        let (real, len) = string_real_type(meta);
        ty = real;
        str_len = len;
    }
    match ty {
        ct::TINY => int(1),
        ct::SHORT => int(2),
        ct::INT24 => int(3),
        ct::LONG => int(4),
        ct::LONGLONG => int(8),
        ct::FLOAT => {
            need(buf, 4, "FLOAT value")?;
            Ok((Value::Float(f32::from_bits(le_uint(&buf[..4]) as u32)), 4))
        }
        ct::DOUBLE => {
            need(buf, 8, "DOUBLE value")?;
            Ok((Value::Double(f64::from_bits(le_uint(&buf[..8]))), 8))
        }
        ct::NEWDECIMAL => {
            let (text, n) = decimal::decode(buf, (meta >> 8) as u8, (meta & 0xff) as u8)?;
            Ok((Value::Decimal(text), n))
        }
        ct::BIT => {
            let bits = (meta >> 8) as u32 * 8 + (meta & 0xff) as u32;
            if bits == 0 {
                return Err(DecodeError::bad("rows", "BIT column of 0 bits"));
            }
            let n = bits.div_ceil(8) as usize;
            need(buf, n, "BIT value")?;
            Ok((
                Value::Bit {
                    bits,
                    data: &buf[..n],
                },
                n,
            ))
        }
        ct::VARCHAR | ct::VAR_STRING | ct::VARCHAR_COMPRESSED => {
            let prefix = if meta < 256 { 1 } else { 2 };
            let (s, n) = prefixed(buf, prefix, "VARCHAR value")?;
            Ok((Value::String(s), n))
        }
        ct::STRING => {
            let prefix = if str_len < 256 { 1 } else { 2 };
            let (s, n) = prefixed(buf, prefix, "CHAR value")?;
            Ok((Value::String(s), n))
        }
        ct::BLOB | ct::BLOB_COMPRESSED | ct::TINY_BLOB | ct::MEDIUM_BLOB | ct::LONG_BLOB => {
            if !(1..=4).contains(&meta) {
                return Err(DecodeError::bad("rows", format!("BLOB pack length {meta}")));
            }
            let (s, n) = prefixed(buf, meta as usize, "BLOB value")?;
            Ok((Value::String(s), n))
        }
        ct::GEOMETRY | ct::JSON | ct::VECTOR => {
            if !(1..=4).contains(&meta) {
                return Err(DecodeError::bad(
                    "rows",
                    format!("{} pack length {meta}", ct::name(ty)),
                ));
            }
            let (s, n) = prefixed(buf, meta as usize, "blob-like value")?;
            let v = match ty {
                ct::GEOMETRY => Value::Geometry(s),
                ct::JSON => Value::Json(s),
                _ => Value::Vector(s),
            };
            Ok((v, n))
        }
        ct::ENUM => match meta & 0xff {
            1 => {
                need(buf, 1, "ENUM value")?;
                Ok((Value::Enum(buf[0] as u16), 1))
            }
            2 => {
                need(buf, 2, "ENUM value")?;
                Ok((Value::Enum(le_uint(&buf[..2]) as u16), 2))
            }
            n => Err(DecodeError::bad("rows", format!("ENUM pack length {n}"))),
        },
        ct::SET => {
            let n = (meta & 0xff) as usize;
            if !(1..=8).contains(&n) {
                return Err(DecodeError::bad("rows", format!("SET pack length {n}")));
            }
            need(buf, n, "SET value")?;
            Ok((Value::Set(&buf[..n]), n))
        }
        ct::YEAR => {
            need(buf, 1, "YEAR value")?;
            Ok((Value::Year(buf[0]), 1))
        }
        ct::DATE | ct::NEWDATE => {
            need(buf, 3, "DATE value")?;
            let v = le_uint(&buf[..3]) as u32;
            let date = Date {
                year: v >> 9,
                month: (v >> 5) & 15,
                day: v & 31,
            };
            Ok((Value::Date(date), 3))
        }
        ct::TIME => {
            need(buf, 3, "TIME value")?;
            let v = Value::as_signed(le_uint(&buf[..3]), 3);
            let a = v.unsigned_abs() as u32;
            let t = Time {
                negative: v < 0,
                hours: a / 10000,
                minute: a % 10000 / 100,
                second: a % 100,
                micros: 0,
                fsp: 0,
            };
            Ok((Value::Time(t), 3))
        }
        ct::DATETIME => {
            need(buf, 8, "DATETIME value")?;
            let v = le_uint(&buf[..8]);
            let (d, t) = (v / 1_000_000, v % 1_000_000);
            let dt = DateTime {
                date: Date {
                    year: (d / 10000) as u32,
                    month: (d % 10000 / 100) as u32,
                    day: (d % 100) as u32,
                },
                hour: (t / 10000) as u32,
                minute: (t % 10000 / 100) as u32,
                second: (t % 100) as u32,
                micros: 0,
                fsp: 0,
            };
            Ok((Value::DateTime(dt), 8))
        }
        ct::TIMESTAMP => {
            need(buf, 4, "TIMESTAMP value")?;
            let ts = Timestamp {
                seconds: le_uint(&buf[..4]) as u32,
                micros: 0,
                fsp: 0,
            };
            Ok((Value::Timestamp(ts), 4))
        }
        ct::TIME2 => temporal::decode_time2(buf, meta).map(|(t, n)| (Value::Time(t), n)),
        ct::DATETIME2 => {
            temporal::decode_datetime2(buf, meta).map(|(d, n)| (Value::DateTime(d), n))
        }
        ct::TIMESTAMP2 => {
            temporal::decode_timestamp2(buf, meta).map(|(t, n)| (Value::Timestamp(t), n))
        }
        ct::NULL => Ok((Value::Null, 0)),
        other => Err(DecodeError::bad(
            "rows",
            format!(
                "cannot decode column type {other} ({}) with metadata {meta}",
                ct::name(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_size_agrees_with_decode_value() {
        // Every type with metadata that fits, misfits and edge lengths, over short and
        // random buffers: the size (or error) is decode_value's.
        let metas: [u16; 14] = [
            0, 1, 2, 3, 4, 5, 6, 7, 255, 256, 0x0a02, 0xf7_01, 0xf8_02, 0xfe_78,
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut bytes = [0u8; 300];
        for ty in 0..=255u8 {
            for &meta in &metas {
                for len in [0usize, 1, 2, 3, 5, 9, 40, 300] {
                    for b in bytes.iter_mut() {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        *b = (seed >> 24) as u8 % 7;
                    }
                    let buf = &bytes[..len];
                    let want = decode_value(ty, meta, buf).map(|(_, n)| n);
                    let got = value_size(ty, meta, buf);
                    assert_eq!(
                        got.as_ref().map_err(|e| e.to_string()),
                        want.as_ref().map_err(|e| e.to_string()),
                        "type {ty} meta {meta:#x} buffer {buf:?}"
                    );
                }
            }
        }
    }

    fn one(ty: u8, meta: u16, buf: &[u8]) -> Value<'_> {
        let (v, n) = decode_value(ty, meta, buf).unwrap();
        assert_eq!(n, buf.len(), "type {ty} consumed {n} of {}", buf.len());
        v
    }

    #[test]
    fn integers_keep_raw_bits() {
        assert_eq!(one(ct::TINY, 0, &[0xff]), Value::Int { raw: 255, bytes: 1 });
        assert_eq!(Value::as_signed(255, 1), -1);
        assert_eq!(Value::as_signed(0x80_0000, 3), -8388608);
        assert_eq!(Value::as_signed(u64::MAX, 8), -1);
        assert_eq!(
            one(ct::INT24, 0, &[1, 2, 3]),
            Value::Int {
                raw: 0x030201,
                bytes: 3
            }
        );
    }

    #[test]
    fn strings_and_real_types() {
        // CHAR(10) latin1: meta = 0xFE0A.
        assert_eq!(one(ct::STRING, 0xfe0a, b"\x02ab"), Value::String(b"ab"));
        // CHAR(200) utf8mb4 = 800 bytes: meta 0xCE20, two-byte length.
        assert_eq!(string_real_type(0xce20), (ct::STRING, 800));
        assert_eq!(one(ct::STRING, 0xce20, b"\x02\x00ab"), Value::String(b"ab"));
        // ENUM and SET hide in STRING.
        assert_eq!(one(ct::STRING, 0xf701, &[2]), Value::Enum(2));
        assert_eq!(one(ct::STRING, 0xf801, &[5]), Value::Set(&[5]));
        assert_eq!(one(ct::VARCHAR, 300, b"\x01\x00x"), Value::String(b"x"));
        assert_eq!(one(ct::BLOB, 3, b"\x01\x00\x00z"), Value::String(b"z"));
        assert!(decode_value(ct::BLOB, 5, b"\x00").is_err());
        assert!(decode_value(ct::VARCHAR, 10, b"\x05ab").is_err());
    }

    #[test]
    fn unknown_and_truncated_are_errors() {
        assert!(decode_value(ct::DECIMAL, 0, &[0; 8]).is_err());
        assert!(decode_value(ct::TYPED_ARRAY, 0, &[0; 8]).is_err());
        assert!(decode_value(ct::LONGLONG, 0, &[0; 7]).is_err());
        assert!(decode_value(ct::BIT, 0, &[0; 7]).is_err());
    }

    proptest::proptest! {
        #[test]
        /// Any bytes: no panic, and the row walk's sizes agree with the decoder's (the walk
        /// skips values the query does not read by these sizes).
        fn sizes_agree_with_decoding(
            ty in proptest::prop_oneof![0u8..=20, 240u8..=255],
            meta in proptest::prop_oneof![0u16..=8, 0u16..=0x1ff, proptest::num::u16::ANY],
            buf in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            match decode_value(ty, meta, &buf) {
                Ok((_, n)) => {
                    proptest::prop_assert!(n <= buf.len());
                    proptest::prop_assert_eq!(value_size(ty, meta, &buf).ok(), Some(n));
                }
                Err(_) => {
                    if let Ok(n) = value_size(ty, meta, &buf) {
                        proptest::prop_assert!(n <= buf.len());
                    }
                }
            }
        }
    }
}
