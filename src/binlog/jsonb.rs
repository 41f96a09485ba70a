//! MySQL's binary JSON format (JSON columns in row images), decoded to JSON text.
//!
//! The layout is `json_binary.cc`'s: a type byte, then objects and arrays as a header of
//! element count and byte size (2-byte fields in the "small" form, 4-byte in the "large"),
//! key entries (offset, length), value entries (type and offset, or the value itself for
//! small scalars), then the keys and values. Offsets are relative to the container, so each
//! container is validated against its own byte range.
//!
//! The text is what MySQL's `Json_wrapper::to_string` prints (and so what mysqlbinlog shows):
//! `{"k": v, "k2": v2}`, `[1, 2]`, doubles through `my_gcvt`, temporal and DECIMAL opaque
//! values as text, other opaque values as `"base64:typeNN:..."`. Nesting is bounded at
//! MySQL's JSON_DOCUMENT_MAX_DEPTH, so hostile input cannot exhaust the stack.

use super::cursor::le_uint;
use super::decimal;
use super::error::{DecodeError, Result};
use super::numfmt;
use super::temporal::{datetime_from_packed, time_from_packed, Date, Time};
use super::value::column_type as ct;

mod patch;
pub use patch::{apply_diffs, PatchError};

/// MySQL's JSON_DOCUMENT_MAX_DEPTH: deepest nesting of arrays and objects.
pub const MAX_DEPTH: usize = 100;

const SMALL_OBJECT: u8 = 0x0;
const LARGE_OBJECT: u8 = 0x1;
const SMALL_ARRAY: u8 = 0x2;
const LARGE_ARRAY: u8 = 0x3;
const LITERAL: u8 = 0x4;
const INT16: u8 = 0x5;
const UINT16: u8 = 0x6;
const INT32: u8 = 0x7;
const UINT32: u8 = 0x8;
const INT64: u8 = 0x9;
const UINT64: u8 = 0xa;
const DOUBLE: u8 = 0xb;
const STRING: u8 = 0xc;
const OPAQUE: u8 = 0xf;

/// What kind of value a document holds at its top: callers print scalars, strings and
/// containers differently (mysqlbinlog's partial-update printer does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool,
    /// Signed or unsigned integer.
    Int,
    /// Double.
    Double,
    /// DECIMAL (opaque).
    Decimal,
    /// String.
    String,
    /// DATE, TIME, DATETIME or TIMESTAMP (opaque).
    Temporal,
    /// Any other opaque value (printed as base64).
    Opaque,
    /// Object.
    Object,
    /// Array.
    Array,
}

impl JsonKind {
    /// True for the kinds mysqlbinlog prints inside single quotes.
    pub fn is_stringlike(self) -> bool {
        matches!(
            self,
            JsonKind::String | JsonKind::Temporal | JsonKind::Opaque
        )
    }
}

fn bad(reason: impl Into<String>) -> DecodeError {
    DecodeError::bad("JSON", reason)
}

fn need(data: &[u8], n: usize, what: &'static str) -> Result<()> {
    if data.len() < n {
        return Err(DecodeError::Truncated {
            what,
            need: n,
            have: data.len(),
        });
    }
    Ok(())
}

/// Reads the 7-bits-per-byte length used by strings and opaque values: (length, bytes used).
pub fn read_varlen(data: &[u8]) -> Result<(usize, usize)> {
    let mut len: u64 = 0;
    for (i, &b) in data.iter().take(5).enumerate() {
        len |= ((b & 0x7f) as u64) << (7 * i);
        if b & 0x80 == 0 {
            if len > u32::MAX as u64 {
                return Err(bad("string length exceeds 32 bits"));
            }
            return Ok((len as usize, i + 1));
        }
    }
    Err(bad("unterminated variable-length size"))
}

/// Writes the JSON text of a binary JSON document into `out`.
///
/// `quote_top` says whether a top-level string (or temporal/opaque value) is printed in
/// double quotes; MySQL prints it bare when converting a whole document (mysqlbinlog's case).
/// An empty document is JSON `null`, as mysqld treats it. Returns the top-level kind. On error
/// `out` may hold a partial text.
pub fn write_json_text(doc: &[u8], out: &mut Vec<u8>, quote_top: bool) -> Result<JsonKind> {
    if doc.is_empty() {
        out.extend_from_slice(b"null");
        return Ok(JsonKind::Null);
    }
    write_value(doc[0], &doc[1..], out, quote_top, 0)
}

/// Prints the value of type `ty` whose bytes start at `data` (which runs to the end of the
/// enclosing container).
fn write_value(
    ty: u8,
    data: &[u8],
    out: &mut Vec<u8>,
    quoted: bool,
    depth: usize,
) -> Result<JsonKind> {
    match ty {
        SMALL_OBJECT | LARGE_OBJECT | SMALL_ARRAY | LARGE_ARRAY => {
            write_container(ty, data, out, depth + 1)
        }
        LITERAL => {
            need(data, 1, "JSON literal")?;
            let (text, kind): (&[u8], _) = match data[0] {
                0 => (b"null", JsonKind::Null),
                1 => (b"true", JsonKind::Bool),
                2 => (b"false", JsonKind::Bool),
                other => return Err(bad(format!("unknown literal {other}"))),
            };
            out.extend_from_slice(text);
            Ok(kind)
        }
        INT16 | UINT16 | INT32 | UINT32 | INT64 | UINT64 => {
            let n = match ty {
                INT16 | UINT16 => 2,
                INT32 | UINT32 => 4,
                _ => 8,
            };
            need(data, n, "JSON integer")?;
            let raw = le_uint(&data[..n]);
            let mut b = itoa_buf();
            let text = if matches!(ty, INT16 | INT32 | INT64) {
                let shift = 64 - 8 * n as u32;
                fmt_i64(((raw << shift) as i64) >> shift, &mut b)
            } else {
                fmt_u64(raw, &mut b)
            };
            out.extend_from_slice(text);
            Ok(JsonKind::Int)
        }
        DOUBLE => {
            need(data, 8, "JSON double")?;
            let d = f64::from_bits(le_uint(&data[..8]));
            let text = numfmt::my_gcvt(d, numfmt::GCVT_JSON_WIDTH);
            out.extend_from_slice(text.as_bytes());
            // MySQL appends ".0" so a double never reads back as an integer.
            if !text.as_bytes().iter().any(|&c| c == b'.' || c == b'e') {
                out.extend_from_slice(b".0");
            }
            Ok(JsonKind::Double)
        }
        STRING => {
            let (len, n) = read_varlen(data)?;
            need(data, n + len, "JSON string")?;
            write_string(&data[n..n + len], out, quoted);
            Ok(JsonKind::String)
        }
        OPAQUE => {
            need(data, 2, "JSON opaque value")?;
            let field_type = data[0];
            let (len, n) = read_varlen(&data[1..])?;
            need(data, 1 + n + len, "JSON opaque value")?;
            write_opaque(field_type, &data[1 + n..1 + n + len], out, quoted)
        }
        other => Err(bad(format!("unknown value type 0x{other:02x}"))),
    }
}

/// True when a value of type `ty` sits in its entry rather than at an offset (small scalars;
/// 32-bit integers too in the large form, whose entries have room).
fn is_inlined(ty: u8, large: bool) -> bool {
    matches!(ty, LITERAL | INT16 | UINT16) || (large && matches!(ty, INT32 | UINT32))
}

/// An object's or array's header, checked against the container's bytes; its keys and
/// values are read through it (by the decoder here and by [`patch`]).
struct Container<'d> {
    /// The container's bytes, from its element count on.
    data: &'d [u8],
    /// The large form (4-byte counts and offsets).
    large: bool,
    /// An object (else an array).
    object: bool,
    /// Elements.
    count: usize,
    /// Bytes of the header and entries: keys and values lie past them.
    header: usize,
}

impl<'d> Container<'d> {
    /// The container of type `ty` whose header starts at `data`, nested `depth` deep.
    fn read(ty: u8, data: &'d [u8], depth: usize) -> Result<Container<'d>> {
        if depth > MAX_DEPTH {
            return Err(bad(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let large = ty == LARGE_OBJECT || ty == LARGE_ARRAY;
        let object = ty == SMALL_OBJECT || ty == LARGE_OBJECT;
        let off = if large { 4 } else { 2 };
        need(data, 2 * off, "JSON container header")?;
        let count = le_uint(&data[..off]) as usize;
        let size = le_uint(&data[off..2 * off]) as usize;
        if size > data.len() {
            return Err(DecodeError::Truncated {
                what: "JSON container",
                need: size,
                have: data.len(),
            });
        }
        let keys_len = if object { count * (off + 2) } else { 0 };
        let header = count
            .checked_mul(1 + off)
            .and_then(|v| v.checked_add(keys_len))
            .and_then(|v| v.checked_add(2 * off))
            .filter(|&h| h <= size)
            .ok_or_else(|| bad("container header larger than the container"))?;
        Ok(Container {
            data: &data[..size],
            large,
            object,
            count,
            header,
        })
    }

    /// Bytes of a count, size or offset.
    fn off(&self) -> usize {
        if self.large {
            4
        } else {
            2
        }
    }

    /// Key `i` of an object.
    fn key(&self, i: usize) -> Result<&'d [u8]> {
        let off = self.off();
        let e = 2 * off + i * (off + 2);
        let key_off = le_uint(&self.data[e..e + off]) as usize;
        let key_len = le_uint(&self.data[e + off..e + off + 2]) as usize;
        if key_off < self.header || key_off + key_len > self.data.len() {
            return Err(bad("object key outside the object"));
        }
        Ok(&self.data[key_off..key_off + key_len])
    }

    /// Value `i`: its type, and its bytes — the entry's for an inlined value, else from its
    /// offset to the container's end.
    fn value(&self, i: usize) -> Result<(u8, &'d [u8])> {
        let off = self.off();
        let keys_len = if self.object {
            self.count * (off + 2)
        } else {
            0
        };
        let e = 2 * off + keys_len + i * (1 + off);
        let ty = self.data[e];
        if is_inlined(ty, self.large) {
            return Ok((ty, &self.data[e + 1..e + 1 + off]));
        }
        let v_off = le_uint(&self.data[e + 1..e + 1 + off]) as usize;
        if v_off < self.header || v_off >= self.data.len() {
            return Err(bad("value offset outside the container"));
        }
        Ok((ty, &self.data[v_off..]))
    }
}

/// Prints an object or array whose header starts at `data`.
fn write_container(ty: u8, data: &[u8], out: &mut Vec<u8>, depth: usize) -> Result<JsonKind> {
    let c = Container::read(ty, data, depth)?;
    out.push(if c.object { b'{' } else { b'[' });
    for i in 0..c.count {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        if c.object {
            write_string(c.key(i)?, out, true);
            out.extend_from_slice(b": ");
        }
        let (vty, bytes) = c.value(i)?;
        write_value(vty, bytes, out, true, depth)?;
    }
    out.push(if c.object { b'}' } else { b']' });
    Ok(if c.object {
        JsonKind::Object
    } else {
        JsonKind::Array
    })
}

/// Prints a string, double-quoted and escaped as MySQL's `double_quote()` does when `quoted`.
fn write_string(s: &[u8], out: &mut Vec<u8>, quoted: bool) {
    if !quoted {
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    for &c in s {
        let esc = match c {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            0x08 => Some(b'b'),
            0x0c => Some(b'f'),
            b'\n' => Some(b'n'),
            b'\r' => Some(b'r'),
            b'\t' => Some(b't'),
            _ => None,
        };
        match esc {
            Some(e) => out.extend_from_slice(&[b'\\', e]),
            // MySQL compares with `< 0x1f`, so 0x1f itself goes out unescaped.
            None if c < 0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 0xf) as usize]);
            }
            None => out.push(c),
        }
    }
    out.push(b'"');
}

/// Prints an opaque value: DECIMAL and temporals as text, VAR_STRING as a string, anything
/// else as `base64:typeNN:...`.
fn write_opaque(field_type: u8, data: &[u8], out: &mut Vec<u8>, quoted: bool) -> Result<JsonKind> {
    match field_type {
        ct::NEWDECIMAL => {
            need(data, 2, "JSON decimal")?;
            let (text, used) = decimal::decode(&data[2..], data[0], data[1])?;
            if used != data.len() - 2 {
                return Err(bad("DECIMAL size does not match its precision"));
            }
            out.extend_from_slice(text.as_bytes());
            Ok(JsonKind::Decimal)
        }
        ct::DATE | ct::TIME | ct::DATETIME | ct::TIMESTAMP => {
            if data.len() != 8 {
                return Err(bad("temporal value is not 8 bytes"));
            }
            let packed = le_uint(data) as i64;
            if quoted {
                out.push(b'"');
            }
            // Json_wrapper prints these with my_TIME_to_str(t, 6).
            if field_type == ct::TIME {
                write_time_text(&time_from_packed(packed, 6), out);
            } else {
                let dt = datetime_from_packed(packed, 6);
                write_date_text(&dt.date, out);
                if field_type != ct::DATE {
                    out.push(b' ');
                    write_hms(dt.hour, dt.minute, dt.second, out);
                    write_fraction(dt.micros, 6, out);
                }
            }
            if quoted {
                out.push(b'"');
            }
            Ok(JsonKind::Temporal)
        }
        ct::VAR_STRING => {
            write_string(data, out, quoted);
            Ok(JsonKind::String)
        }
        _ => {
            let mut text = Vec::with_capacity(16 + data.len() * 4 / 3);
            text.extend_from_slice(b"base64:type");
            let mut b = itoa_buf();
            text.extend_from_slice(fmt_u64(field_type as u64, &mut b));
            text.push(b':');
            base64_mysql(data, &mut text);
            write_string(&text, out, quoted);
            Ok(JsonKind::Opaque)
        }
    }
}

/// MySQL's `base64_encode`: standard alphabet with padding, a newline before every 76
/// output characters after the first 76.
fn base64_mysql(data: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut line = 0;
    for chunk in data.chunks(3) {
        if line == 76 {
            out.push(b'\n');
            line = 0;
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(ALPHABET[(n >> 18) as usize & 63]);
        out.push(ALPHABET[(n >> 12) as usize & 63]);
        out.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63]
        } else {
            b'='
        });
        line += 4;
    }
}

/// `YYYY-MM-DD`.
fn write_date_text(d: &Date, out: &mut Vec<u8>) {
    push_num(d.year as u64, 4, out);
    out.push(b'-');
    push_num(d.month as u64, 2, out);
    out.push(b'-');
    push_num(d.day as u64, 2, out);
}

fn write_hms(h: u32, m: u32, s: u32, out: &mut Vec<u8>) {
    push_num(h as u64, 2, out);
    out.push(b':');
    push_num(m as u64, 2, out);
    out.push(b':');
    push_num(s as u64, 2, out);
}

fn write_fraction(micros: u32, digits: u8, out: &mut Vec<u8>) {
    if digits > 0 {
        out.push(b'.');
        let scaled = micros as u64 / 10u64.pow(6 - digits.min(6) as u32);
        push_num(scaled % 10u64.pow(digits as u32), digits as usize, out);
    }
}

fn write_time_text(t: &Time, out: &mut Vec<u8>) {
    if t.negative {
        out.push(b'-');
    }
    write_hms(t.hours, t.minute, t.second, out);
    write_fraction(t.micros, t.fsp, out);
}

/// Appends `v` zero-padded to at least `width` digits.
fn push_num(v: u64, width: usize, out: &mut Vec<u8>) {
    let mut b = itoa_buf();
    let s = fmt_u64(v, &mut b);
    (s.len()..width).for_each(|_| out.push(b'0'));
    out.extend_from_slice(s);
}

fn itoa_buf() -> [u8; 24] {
    [0; 24]
}

/// Decimal digits of `v`, written at the end of `buf`.
pub fn fmt_u64(mut v: u64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Decimal digits of `v` with a leading `-` when negative, written at the end of `buf`.
pub fn fmt_i64(v: i64, buf: &mut [u8; 24]) -> &[u8] {
    let len = fmt_u64(v.unsigned_abs(), buf).len();
    if v < 0 {
        let i = buf.len() - len - 1;
        buf[i] = b'-';
        &buf[i..]
    } else {
        &buf[buf.len() - len..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(doc: &[u8]) -> String {
        let mut out = Vec::new();
        write_json_text(doc, &mut out, true).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A small array of inlined int16 values.
    fn small_array(values: &[i16]) -> Vec<u8> {
        let n = values.len();
        let size = 4 + n * 3;
        let mut d = vec![SMALL_ARRAY];
        d.extend_from_slice(&(n as u16).to_le_bytes());
        d.extend_from_slice(&(size as u16).to_le_bytes());
        for v in values {
            d.push(INT16);
            d.extend_from_slice(&v.to_le_bytes());
        }
        d
    }

    #[test]
    fn scalars() {
        assert_eq!(text(&[LITERAL, 0]), "null");
        assert_eq!(text(&[LITERAL, 1]), "true");
        assert_eq!(text(&[INT16, 0xff, 0xff]), "-1");
        assert_eq!(text(&[UINT16, 0xff, 0xff]), "65535");
        let mut d = vec![INT64];
        d.extend_from_slice(&i64::MIN.to_le_bytes());
        assert_eq!(text(&d), "-9223372036854775808");
        let mut d = vec![UINT64];
        d.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(text(&d), "18446744073709551615");
        let mut d = vec![DOUBLE];
        d.extend_from_slice(&1.0f64.to_le_bytes());
        assert_eq!(text(&d), "1.0");
        let mut d = vec![DOUBLE];
        d.extend_from_slice(&2.5e-300f64.to_le_bytes());
        assert_eq!(text(&d), "2.5e-300");
        assert_eq!(text(&[STRING, 3, b'a', b'"', 0x01]), "\"a\\\"\\u0001\"");
        assert_eq!(text(&[]), "null");
        let mut out = Vec::new();
        assert_eq!(
            write_json_text(&[STRING, 2, b'h', b'i'], &mut out, false).unwrap(),
            JsonKind::String
        );
        assert_eq!(out, b"hi");
    }

    #[test]
    fn containers() {
        assert_eq!(text(&small_array(&[1, -2, 3])), "[1, -2, 3]");
        assert_eq!(text(&small_array(&[])), "[]");
        // {"a": "xy", "bb": [7]} as a small object.
        let inner = small_array(&[7]);
        let mut obj = vec![SMALL_OBJECT];
        let header = 4 + 2 * 4 + 2 * 3;
        let keys_at = header;
        let str_at = keys_at + 3;
        let arr_at = str_at + 3;
        let size = arr_at + inner.len() - 1;
        obj.extend_from_slice(&2u16.to_le_bytes());
        obj.extend_from_slice(&(size as u16).to_le_bytes());
        obj.extend_from_slice(&(keys_at as u16).to_le_bytes());
        obj.extend_from_slice(&1u16.to_le_bytes());
        obj.extend_from_slice(&(keys_at as u16 + 1).to_le_bytes());
        obj.extend_from_slice(&2u16.to_le_bytes());
        obj.push(STRING);
        obj.extend_from_slice(&(str_at as u16).to_le_bytes());
        obj.push(SMALL_ARRAY);
        obj.extend_from_slice(&(arr_at as u16).to_le_bytes());
        obj.extend_from_slice(b"abb");
        obj.extend_from_slice(&[2, b'x', b'y']);
        obj.extend_from_slice(&inner[1..]);
        assert_eq!(text(&obj), "{\"a\": \"xy\", \"bb\": [7]}");
    }

    #[test]
    fn opaque_values() {
        // DECIMAL 12.50 as DECIMAL(4,2): intg 2 digits -> 1 byte, frac 2 digits -> 1 byte.
        let d = [OPAQUE, ct::NEWDECIMAL, 4, 4, 2, 0x80 | 12, 50];
        assert_eq!(text(&d), "12.50");
        // DATETIME 2015-01-15 23:24:25.000001.
        let ymd: i64 = (((2015 * 13 + 1) << 5) | 15) << 17;
        let packed = ((ymd | (23 << 12) | (24 << 6) | 25) << 24) | 1;
        let mut d = vec![OPAQUE, ct::DATETIME, 8];
        d.extend_from_slice(&packed.to_le_bytes());
        assert_eq!(text(&d), "\"2015-01-15 23:24:25.000001\"");
        d[1] = ct::DATE;
        assert_eq!(text(&d), "\"2015-01-15\"");
        let hms: i64 = (838 << 12) | (59 << 6) | 59;
        let mut d = vec![OPAQUE, ct::TIME, 8];
        d.extend_from_slice(&(-(hms << 24)).to_le_bytes());
        assert_eq!(text(&d), "\"-838:59:59.000000\"");
        let d = [OPAQUE, ct::BLOB, 3, b'a', b'b', b'c'];
        assert_eq!(text(&d), "\"base64:type252:YWJj\"");
        let long = [OPAQUE, ct::BLOB, 60].iter().copied().chain([0u8; 60]);
        let t = text(&long.collect::<Vec<_>>());
        assert!(t.contains("\\n"), "{t}");
    }

    #[test]
    fn rejects_damage_and_deep_nesting() {
        let mut bad_offset = small_array(&[1]);
        bad_offset[5] = STRING;
        bad_offset[6] = 200;
        let mut out = Vec::new();
        assert!(write_json_text(&bad_offset, &mut out, true).is_err());
        assert!(write_json_text(&[0x0d], &mut out, true).is_err());
        assert!(write_json_text(&[STRING, 0x80, 0x80], &mut out, true).is_err());
        let nest = |levels: usize| {
            let mut doc = small_array(&[]);
            for _ in 1..levels {
                let mut outer = vec![SMALL_ARRAY, 1, 0];
                let size = 4 + 3 + doc.len() - 1;
                outer.extend_from_slice(&(size as u16).to_le_bytes());
                outer.push(doc[0]);
                outer.extend_from_slice(&7u16.to_le_bytes());
                outer.extend_from_slice(&doc[1..]);
                doc = outer;
            }
            doc
        };
        assert!(write_json_text(&nest(MAX_DEPTH), &mut out, true).is_ok());
        assert!(write_json_text(&nest(MAX_DEPTH + 1), &mut out, true).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(doc in proptest::collection::vec(proptest::num::u8::ANY, 0..128)) {
            let mut out = Vec::new();
            let _ = write_json_text(&doc, &mut out, true);
        }
    }
}
