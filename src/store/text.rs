//! Column values as text, the way mysqld sends them in the text protocol (what
//! `mariadb --batch` prints before its escaping): `replicant table-dump` and the
//! `Duplicate entry '...'` of error 1062 use it.

use std::io::Write;

use super::catalog::{ColumnDef, SqlType};
use crate::binlog::jsonb;
use crate::binlog::numfmt::{my_gcvt, my_gcvt_f32, GCVT_FIELD_WIDTH};
use crate::binlog::value::Value;
use crate::calendar::civil;
use crate::calendar::{write_fraction, write_hms, write_padded, write_time};

/// True for a collation whose charset is neither latin1 nor UTF-8 (nor binary / ASCII).
fn other_charset(collation: u16) -> bool {
    !matches!(
        super::charset::of_collation(collation),
        None | Some("latin1" | "utf8mb4" | "utf8mb3" | "binary" | "ascii")
    )
}

/// Appends `value` of column `col` as mysqld's text; `None` for NULL.
pub fn write_text(out: &mut Vec<u8>, col: &ColumnDef, value: &Value<'_>) -> Option<()> {
    match *value {
        Value::Null => return None,
        Value::Int { raw, bytes } => {
            if col.unsigned {
                let _ = write!(out, "{raw}");
            } else {
                let _ = write!(out, "{}", Value::as_signed(raw, bytes));
            }
        }
        Value::Float(f) => out.extend_from_slice(my_gcvt_f32(f, GCVT_FIELD_WIDTH).as_bytes()),
        Value::Double(d) => out.extend_from_slice(my_gcvt(d, GCVT_FIELD_WIDTH).as_bytes()),
        Value::Decimal(ref t) => out.extend_from_slice(t.as_bytes()),
        Value::Bit { data, .. } => out.extend_from_slice(data),
        Value::String(s) if col.ty.has_charset() && is_latin1(col.collation) => {
            // Clients read results in utf8mb4 (character_set_results); mysqld converts.
            latin1_to_utf8(s, out)
        }
        Value::String(s)
            if col.ty.has_charset() && !s.is_ascii() && other_charset(col.collation) =>
        {
            // The other sets too (gbk, big5, sjis, cp1251...): bytes that are not text of
            // the set stay as they are.
            match super::charset::of_collation(col.collation)
                .and_then(|cs| super::charset::decode(s, cs))
            {
                Some(t) => out.extend_from_slice(t.as_bytes()),
                None => out.extend_from_slice(s),
            }
        }
        Value::String(s) | Value::Geometry(s) | Value::Vector(s) | Value::JsonDiff(s) => {
            out.extend_from_slice(s);
            // BINARY(n) travels without its trailing NULs; mysqld returns it padded.
            if let SqlType::Binary(n) = col.ty {
                if s.len() < n as usize {
                    out.resize(out.len() + n as usize - s.len(), 0);
                }
            }
        }
        Value::Enum(n) => {
            if let SqlType::Enum(labels) = &col.ty {
                if let Some(l) = (n as usize).checked_sub(1).and_then(|i| labels.get(i)) {
                    out.extend_from_slice(l.as_bytes());
                }
            }
        }
        Value::Set(bits) => {
            if let SqlType::Set(labels) = &col.ty {
                let mut first = true;
                for (i, l) in labels.iter().enumerate() {
                    if bits.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1) {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        out.extend_from_slice(l.as_bytes());
                    }
                }
            }
        }
        Value::Year(y) => {
            let y = if y == 0 { 0 } else { y as u64 + 1900 };
            let _ = write_padded(out, y, 4);
        }
        Value::Date(d) => {
            let _ = write!(out, "{:04}-{:02}-{:02}", d.year, d.month, d.day);
        }
        Value::Time(t) => {
            let _ = write_time(out, &t);
        }
        Value::DateTime(dt) => {
            let d = dt.date;
            let _ = write!(out, "{:04}-{:02}-{:02} ", d.year, d.month, d.day);
            let _ = write_hms(out, dt.hour, dt.minute, dt.second);
            let _ = write_fraction(out, dt.micros, dt.fsp);
        }
        Value::Timestamp(ts) => {
            if ts.seconds == 0 && ts.micros == 0 {
                out.extend_from_slice(b"0000-00-00 00:00:00");
            } else {
                let (y, mo, d, h, mi, s) = civil(ts.seconds as i64);
                let _ = write!(out, "{y:04}-{mo:02}-{d:02} ");
                let _ = write_hms(out, h as u32, mi as u32, s as u32);
            }
            let _ = write_fraction(out, ts.micros, ts.fsp);
        }
        Value::Json(doc) => {
            if jsonb::write_json_text(doc, out, true).is_err() {
                out.extend_from_slice(b"Invalid JSON");
            }
        }
    }
    Some(())
}

/// True when `collation` is one of latin1's.
pub fn is_latin1(collation: u16) -> bool {
    super::collation::by_id(collation).is_some_and(|c| c.charset == "latin1")
}

/// MySQL's latin1 is Windows-1252: 0x80–0x9F hold these characters (five stay C1 controls).
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
];

/// Appends latin1 (cp1252) text as UTF-8.
pub fn latin1_to_utf8(s: &[u8], out: &mut Vec<u8>) {
    // Mostly ASCII: copy the runs whole (is_ascii checks a word at a time).
    if s.is_ascii() {
        out.extend_from_slice(s);
        return;
    }
    let ascii = s.iter().position(|b| !b.is_ascii()).unwrap_or(s.len());
    out.extend_from_slice(&s[..ascii]);
    let rest = &s[ascii..];
    if rest.is_empty() {
        return;
    }
    out.reserve(rest.len() * 2);
    for &b in rest {
        if b < 0x80 {
            out.push(b);
            continue;
        }
        let cp = if (0x80..0xA0).contains(&b) {
            CP1252_HIGH[(b - 0x80) as usize] as u32
        } else {
            b as u32
        };
        let ch = char::from_u32(cp).unwrap_or('?');
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
}

/// UTF-8 text as latin1 (cp1252); a character latin1 lacks becomes `?`, as mysqld converts
/// it. `None` when `s` is not UTF-8.
pub fn utf8_to_latin1(s: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(s).ok()?;
    Some(
        s.chars()
            .map(|ch| latin1_byte(ch).unwrap_or(b'?'))
            .collect(),
    )
}

/// The latin1 (cp1252) byte of a character, if latin1 has it.
pub fn latin1_byte(ch: char) -> Option<u8> {
    let cp = ch as u32;
    if cp < 0x80 || (0xA0..=0xFF).contains(&cp) {
        return Some(cp as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&h| u32::from(h) == cp)
        .map(|i| 0x80 + i as u8)
}

/// Appends `text` escaped as `mariadb --batch` prints a field: backslash, NUL, tab and
/// newline as `\\`, `\0`, `\t`, `\n`.
pub fn write_batch_escaped(out: &mut Vec<u8>, text: &[u8]) {
    for &b in text {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            0 => out.extend_from_slice(b"\\0"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_becomes_latin1_and_back() {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut utf8 = Vec::new();
        latin1_to_utf8(&all, &mut utf8);
        assert_eq!(utf8_to_latin1(&utf8).unwrap(), all);
        assert_eq!(utf8_to_latin1("a€日🙂".as_bytes()).unwrap(), b"a\x80??");
        assert_eq!(utf8_to_latin1(b"\xff\xfe"), None);
    }

    #[test]
    fn latin1_becomes_utf8() {
        let mut out = b"x".to_vec();
        latin1_to_utf8(b"abc\xe9d\x80\xff", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "xabc\u{e9}d\u{20ac}\u{ff}");
        let mut out = Vec::new();
        latin1_to_utf8(b"plain", &mut out);
        assert_eq!(out, b"plain");
    }
    use crate::binlog::temporal::{Date, Timestamp};

    fn col(ty: SqlType, unsigned: bool) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            ty,
            unsigned,
            collation: 63,
            nullable: true,
            default: None,
            auto_increment: false,
            generated: None,
            on_update: false,
        }
    }

    fn t(c: &ColumnDef, v: Value<'_>) -> String {
        let mut out = Vec::new();
        write_text(&mut out, c, &v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_like_mysqld() {
        let int = col(SqlType::Int, false);
        assert_eq!(
            t(
                &int,
                Value::Int {
                    raw: 0xffff_ffff,
                    bytes: 4
                }
            ),
            "-1"
        );
        let uint = col(SqlType::Int, true);
        assert_eq!(
            t(
                &uint,
                Value::Int {
                    raw: 0xffff_ffff,
                    bytes: 4
                }
            ),
            "4294967295"
        );
        let f = col(SqlType::Float, false);
        assert_eq!(t(&f, Value::Float(1.23456)), "1.23456");
        assert_eq!(t(&f, Value::Float(1.1)), "1.1");
        let d = col(SqlType::Double, false);
        assert_eq!(t(&d, Value::Double(0.1)), "0.1");
        assert_eq!(t(&d, Value::Double(1e20)), "1e20");
        assert_eq!(t(&d, Value::Double(123456.789)), "123456.789");
        let e = col(SqlType::Enum(vec!["a".into(), "b".into()]), false);
        assert_eq!(t(&e, Value::Enum(2)), "b");
        assert_eq!(t(&e, Value::Enum(0)), "");
        let s = col(
            SqlType::Set(vec!["x".into(), "y".into(), "z".into()]),
            false,
        );
        assert_eq!(t(&s, Value::Set(&[0b101])), "x,z");
        let y = col(SqlType::Year, false);
        assert_eq!(t(&y, Value::Year(0)), "0000");
        assert_eq!(t(&y, Value::Year(124)), "2024");
        let dt = col(SqlType::Date, false);
        assert_eq!(
            t(
                &dt,
                Value::Date(Date {
                    year: 0,
                    month: 0,
                    day: 0
                })
            ),
            "0000-00-00"
        );
        let ts = col(SqlType::Timestamp(2), false);
        let v = Value::Timestamp(Timestamp {
            seconds: 1,
            micros: 120000,
            fsp: 2,
        });
        assert_eq!(t(&ts, v), "1970-01-01 00:00:01.12");
        let mut out = Vec::new();
        write_batch_escaped(&mut out, b"a\tb\\\n\0");
        assert_eq!(out, b"a\\tb\\\\\\n\\0");
    }
}
