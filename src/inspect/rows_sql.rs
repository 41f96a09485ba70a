//! Rows events as the pseudo-SQL `mysqlbinlog -v` prints (`### INSERT INTO ...`).
//!
//! The output is byte for byte what `mariadb-binlog --base64-output=decode-rows -v` writes
//! for the `###` lines (`log_event_client.cc`: `print_verbose`, `log_event_print_value`),
//! quirks included: integers in both readings (`-1 (255)`), FLOAT padded to 20 columns,
//! DOUBLE with 20 significant digits, DATE with colons (`'2024:02:29'`), TIMESTAMP as epoch
//! seconds, strings quoted with control bytes as `\xNN` and quotes left unescaped. Types
//! MariaDB cannot print (MySQL JSON, partial JSON updates, VECTOR) follow MySQL's
//! mysqlbinlog, including its stricter string quoting for them.
//!
//! Everything is written straight into an `io::Write`; numbers and temporals are formatted
//! on the stack, strings are copied in runs, and only JSON documents use a scratch buffer
//! (once per event). Errors leave what was already written in place, as mysqlbinlog does.

use std::io::Write;

use crate::binlog::jsonb::{self, fmt_i64, fmt_u64};
use crate::binlog::numfmt::{c_e, c_g};
use crate::binlog::rows::{RowImage, RowsEvent};
use crate::binlog::table_map::TableMap;
use crate::binlog::value::{Date, Value};
use crate::binlog::{event::RowsOp, DecodeError};
use crate::calendar::{write_fraction, write_hms, write_padded, write_time};

mod mysql_json;
use mysql_json::{write_json_diff, write_quoted_mysql};

/// Why a rows event could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The output could not be written.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
    /// The event (or a value in it) does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Writes the `###` lines of one rows event, decoded with `map` (the TABLE_MAP its table id
/// refers to), exactly as `mariadb-binlog -v` prints them.
///
/// When the printer has no map for the event's table id it should call
/// [`write_unknown_table`] instead. Returns the number of rows written.
pub fn write_rows_sql<W: Write + ?Sized>(
    out: &mut W,
    rows: &RowsEvent<'_>,
    map: &TableMap<'_>,
) -> Result<usize, RenderError> {
    if let Some(info) = rows.ndb_extra_info() {
        // MariaDB shows the first NDB extra-info chunk; its lengths are 8-bit counters.
        let payload = &info[2..];
        write!(
            out,
            "### Extra row data format: {}, len: {} :",
            info[1],
            info[0].wrapping_sub(2)
        )?;
        if !payload.is_empty() {
            out.write_all(b"0x")?;
            for b in payload {
                write!(out, "{b:02X}")?;
            }
        }
        out.write_all(b"\n")?;
    }
    let (command, first_clause): (&[u8], &[u8]) = match rows.op() {
        RowsOp::Write => (b"INSERT INTO", b"### SET\n"),
        RowsOp::Delete => (b"DELETE FROM", b"### WHERE\n"),
        RowsOp::Update | RowsOp::PartialUpdate => (b"UPDATE", b"### WHERE\n"),
    };
    if rows.op() == RowsOp::Write && rows.rows_data().is_empty() {
        out.write_all(b"### INSERT INTO ")?;
        write_table_name(out, map)?;
        out.write_all(b" VALUES ()\n")?;
        return Ok(1);
    }
    let mut scratch = Vec::new();
    let mut count = 0;
    for row in rows.rows(map)? {
        let row = row?;
        count += 1;
        out.write_all(b"### ")?;
        out.write_all(command)?;
        out.write_all(b" ")?;
        write_table_name(out, map)?;
        out.write_all(b"\n")?;
        let first = match rows.op() {
            RowsOp::Write => row.after,
            _ => row.before,
        };
        if let Some(image) = first {
            write_image(out, &image, first_clause, &mut scratch)?;
        }
        if let (RowsOp::Update | RowsOp::PartialUpdate, Some(after)) = (rows.op(), row.after) {
            if after.present_count() == 0 {
                out.write_all(b"### SET /* no columns */\n")?;
            } else {
                write_image(out, &after, b"### SET\n", &mut scratch)?;
            }
        }
    }
    Ok(count)
}

/// The line mysqlbinlog prints for a rows event whose table map it has not seen. Like
/// mysqlbinlog, it ends without a newline.
pub fn write_unknown_table<W: Write + ?Sized>(out: &mut W, table_id: u64) -> std::io::Result<()> {
    write!(out, "### Row event for unknown table #{table_id}")
}

/// `` `schema`.`table` `` with backticks doubled, as MariaDB's `%`s` prints names (which
/// are C strings there, so a name ends at its first NUL).
fn write_table_name<W: Write + ?Sized>(out: &mut W, map: &TableMap<'_>) -> std::io::Result<()> {
    write_identifier(out, map.schema())?;
    out.write_all(b".")?;
    write_identifier(out, map.table())
}

fn write_identifier<W: Write + ?Sized>(out: &mut W, name: &[u8]) -> std::io::Result<()> {
    let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
    out.write_all(b"`")?;
    for (i, part) in name.split(|&b| b == b'`').enumerate() {
        if i > 0 {
            out.write_all(b"``")?;
        }
        out.write_all(part)?;
    }
    out.write_all(b"`")
}

/// One image: the clause line, then `###   @N=value` per present column.
fn write_image<W: Write + ?Sized>(
    out: &mut W,
    image: &RowImage<'_>,
    clause: &[u8],
    scratch: &mut Vec<u8>,
) -> Result<(), RenderError> {
    out.write_all(clause)?;
    for v in image.values() {
        let v = v?;
        let mut b = [0u8; 24];
        out.write_all(b"###   @")?;
        out.write_all(fmt_u64(v.column as u64 + 1, &mut b))?;
        out.write_all(b"=")?;
        write_value(out, &v.value, v.column, scratch)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one value as mysqlbinlog prints it after `@N=`. `column` (0-based) names the
/// column in partial JSON updates; `scratch` is reused for JSON text.
pub fn write_value<W: Write + ?Sized>(
    out: &mut W,
    value: &Value<'_>,
    column: usize,
    scratch: &mut Vec<u8>,
) -> Result<(), RenderError> {
    let mut b = [0u8; 24];
    match *value {
        Value::Null => out.write_all(b"NULL")?,
        Value::Int { raw, bytes } => {
            let signed = Value::as_signed(raw, bytes);
            out.write_all(fmt_i64(signed, &mut b))?;
            if signed < 0 {
                out.write_all(b" (")?;
                out.write_all(fmt_u64(raw, &mut b))?;
                out.write_all(b")")?;
            }
        }
        Value::Float(f) => out.write_all(c_g(f as f64, 6, 20).as_bytes())?,
        Value::Double(d) => out.write_all(c_g(d, 20, 0).as_bytes())?,
        Value::Decimal(ref text) => out.write_all(text.as_bytes())?,
        Value::Bit { bits, data } => write_bits(out, data, bits as usize)?,
        Value::Set(data) => write_bits(out, data, data.len() * 8)?,
        Value::String(s) | Value::Geometry(s) => write_quoted_maria(out, s)?,
        Value::Enum(n) => out.write_all(fmt_u64(n as u64, &mut b))?,
        Value::Year(y) => write_padded(out, y as u64 + 1900, 4)?,
        Value::Date(d) => write_date(out, &d)?,
        Value::Time(t) => {
            out.write_all(b"'")?;
            write_time(out, &t)?;
            out.write_all(b"'")?;
        }
        Value::DateTime(dt) => {
            out.write_all(b"'")?;
            write_padded(out, dt.date.year as u64, 4)?;
            out.write_all(b"-")?;
            write_padded(out, dt.date.month as u64, 2)?;
            out.write_all(b"-")?;
            write_padded(out, dt.date.day as u64, 2)?;
            out.write_all(b" ")?;
            write_hms(out, dt.hour, dt.minute, dt.second)?;
            write_fraction(out, dt.micros, dt.fsp)?;
            out.write_all(b"'")?;
        }
        Value::Timestamp(ts) => {
            out.write_all(fmt_u64(ts.seconds as u64, &mut b))?;
            write_fraction(out, ts.micros, ts.fsp)?;
        }
        Value::Json(doc) => {
            scratch.clear();
            match jsonb::write_json_text(doc, scratch, false) {
                Ok(_) => write_quoted_mysql(out, scratch)?,
                // mysqlbinlog's words, newline included (the row printer adds another).
                Err(_) => out.write_all(b"Invalid JSON\n")?,
            }
        }
        Value::JsonDiff(diffs) => write_json_diff(out, diffs, column, scratch)?,
        Value::Vector(data) => {
            if data.len() % 4 != 0 {
                return Err(DecodeError::bad(
                    "rows",
                    format!("VECTOR of {} bytes is not whole floats", data.len()),
                )
                .into());
            }
            out.write_all(b"[")?;
            for (i, f) in data.chunks_exact(4).enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                let f = f32::from_le_bytes([f[0], f[1], f[2], f[3]]);
                out.write_all(c_e(f as f64, 5).as_bytes())?;
            }
            out.write_all(b"]")?;
        }
    }
    Ok(())
}

/// A value as the bytes [`write_value`] prints: for printers that collect texts (JSON output).
pub fn value_text(value: &Value<'_>, column: usize) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    write_value(&mut out, value, column, &mut Vec::new())?;
    Ok(out)
}

/// Every present column of an image as (0-based column index, text), NULL as `NULL`.
pub fn image_texts(image: &RowImage<'_>) -> Result<Vec<(usize, Vec<u8>)>, RenderError> {
    let mut scratch = Vec::new();
    let mut texts = Vec::with_capacity(image.present_count());
    for v in image.values() {
        let v = v?;
        let mut text = Vec::new();
        write_value(&mut text, &v.value, v.column, &mut scratch)?;
        texts.push((v.column, text));
    }
    Ok(texts)
}

/// MariaDB's `my_b_write_quoted`: bytes below 0x20 as `\xNN`, everything else verbatim —
/// its checks for `'` and `\` sit behind the `> 0x1F` test and never fire.
fn write_quoted_maria<W: Write + ?Sized>(out: &mut W, s: &[u8]) -> std::io::Result<()> {
    out.write_all(b"'")?;
    let mut run = 0;
    for (i, &c) in s.iter().enumerate() {
        if c < 0x20 {
            out.write_all(&s[run..i])?;
            write!(out, "\\x{c:02x}")?;
            run = i + 1;
        }
    }
    out.write_all(&s[run..])?;
    out.write_all(b"'")
}

/// `b'0101'`: the last `nbits` bits of `data`, most significant first (`my_b_write_bit`).
fn write_bits<W: Write + ?Sized>(out: &mut W, data: &[u8], nbits: usize) -> std::io::Result<()> {
    let nbits8 = nbits.div_ceil(8) * 8;
    out.write_all(b"b'")?;
    let mut chunk = [0u8; 64];
    let mut n = 0;
    for bit in nbits8 - nbits..nbits8 {
        let set = data
            .get(bit / 8)
            .is_some_and(|b| b >> (7 - bit % 8) & 1 == 1);
        chunk[n] = if set { b'1' } else { b'0' };
        n += 1;
        if n == chunk.len() {
            out.write_all(&chunk)?;
            n = 0;
        }
    }
    out.write_all(&chunk[..n])?;
    out.write_all(b"'")
}

/// DATE as MariaDB's NEWDATE printer builds it: `'YYYY:MM:DD'`, digit by digit (a year
/// above 9999, impossible in valid data, shows a non-digit first character as there).
fn write_date<W: Write + ?Sized>(out: &mut W, d: &Date) -> std::io::Result<()> {
    let y = d.year;
    let m = d.month & 15;
    let day = d.day & 31;
    let text = [
        b'\'',
        (b'0' as u32 + y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b':',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b':',
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
        b'\'',
    ];
    out.write_all(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::decimal;
    use crate::binlog::value::{DateTime, Time, Timestamp};

    fn bytes(v: Value<'_>) -> Vec<u8> {
        value_text(&v, 1).unwrap()
    }

    fn text(v: Value<'_>) -> String {
        String::from_utf8(bytes(v)).unwrap()
    }

    #[test]
    fn numbers_as_mariadb_prints_them() {
        assert_eq!(text(Value::Int { raw: 255, bytes: 1 }), "-1 (255)");
        assert_eq!(text(Value::Int { raw: 127, bytes: 1 }), "127");
        assert_eq!(
            text(Value::Int {
                raw: 1 << 63,
                bytes: 8
            }),
            "-9223372036854775808 (9223372036854775808)"
        );
        assert_eq!(
            text(Value::Int {
                raw: 0x80_0000,
                bytes: 3
            }),
            "-8388608 (8388608)"
        );
        assert_eq!(text(Value::Float(1.5)), "1.5                 ");
        assert_eq!(text(Value::Double(0.1)), "0.10000000000000000555");
        // 0.500 as DECIMAL(3,3): one 2-byte group holding 500, sign bit set.
        let (d, _) = decimal::decode(&[0x81, 0xf4], 3, 3).unwrap();
        assert_eq!(text(Value::Decimal(d)), "0.500");
        assert_eq!(text(Value::Enum(2)), "2");
        assert_eq!(text(Value::Year(255)), "2155");
    }

    #[test]
    fn bits_and_strings() {
        let bits = Value::Bit {
            bits: 10,
            data: &[0b10, 0b1010_1010],
        };
        assert_eq!(text(bits), "b'1010101010'");
        assert_eq!(text(Value::Set(&[5])), "b'00000101'");
        // MariaDB leaves quotes and backslashes alone and hex-escapes control bytes.
        assert_eq!(
            bytes(Value::String(b"a'b\\c\n\x01\xff")),
            b"'a'b\\c\\x0a\\x01\xff'".to_vec()
        );
        assert_eq!(text(Value::Null), "NULL");
    }

    #[test]
    fn temporals() {
        let date = Date {
            year: 0,
            month: 0,
            day: 0,
        };
        assert_eq!(text(Value::Date(date)), "'0000:00:00'");
        let t = Time {
            negative: true,
            hours: 838,
            minute: 59,
            second: 59,
            micros: 999_000,
            fsp: 3,
        };
        assert_eq!(text(Value::Time(t)), "'-838:59:59.999'");
        let dt = DateTime {
            date: Date {
                year: 2024,
                month: 2,
                day: 29,
            },
            hour: 23,
            minute: 59,
            second: 59,
            micros: 123_456,
            fsp: 6,
        };
        assert_eq!(text(Value::DateTime(dt)), "'2024-02-29 23:59:59.123456'");
        let ts = Timestamp {
            seconds: 2147483647,
            micros: 999_000,
            fsp: 3,
        };
        assert_eq!(text(Value::Timestamp(ts)), "2147483647.999");
    }

    #[test]
    fn mysql_only_types() {
        // JSON {"a": "it's"} -> MySQL quoting escapes the quote.
        let doc = [0x0c, 4, b'i', b't', b'\'', b's'];
        assert_eq!(text(Value::Json(&doc)), "'it\\'s'");
        assert_eq!(text(Value::Json(&[0x0d])), "Invalid JSON\n");
        let mut v = 1.0f32.to_le_bytes().to_vec();
        v.extend_from_slice(&(-2.5f32).to_le_bytes());
        assert_eq!(text(Value::Vector(&v)), "[1.00000e+00,-2.50000e+00]");
        // Two REPLACEs then an array INSERT: one JSON_REPLACE call wrapped in JSON_ARRAY_INSERT.
        let mut diffs = Vec::new();
        for (op, path, val) in [(0u8, "$.a", 1i16), (0, "$.b", 2), (1, "$.c[0]", 3)] {
            diffs.push(op);
            diffs.push(path.len() as u8);
            diffs.extend_from_slice(path.as_bytes());
            diffs.push(3);
            diffs.push(0x05);
            diffs.extend_from_slice(&val.to_le_bytes());
        }
        diffs.extend_from_slice(&[2, 3, b'$', b'.', b'd']);
        assert_eq!(
            text(Value::JsonDiff(&diffs)),
            "JSON_REMOVE(\n###      JSON_ARRAY_INSERT(\n###      JSON_REPLACE(@2, '$.a', 1,\n\
             ###      '$.b', 2),\n###      '$.c[0]', 3),\n###      '$.d')"
        );
    }

    /// Renders a rows event of `t` over a one-column (INT) table `d`.`t` with id 7.
    fn render(t: crate::binlog::EventType, post: &[u8], rows: &[u8]) -> String {
        use crate::binlog::FormatDescription;
        let fde = FormatDescription::assumed_v4();
        let map_body = [7, 0, 0, 0, 0, 0, 1, 0, 1, b'd', 0, 1, b't', 0, 1, 3, 0, 0];
        let map = TableMap::parse(&map_body, &fde).unwrap();
        let mut body = vec![7, 0, 0, 0, 0, 0, 1, 0];
        body.extend_from_slice(post);
        body.extend_from_slice(rows);
        let ev = RowsEvent::parse(t, &body, &fde).unwrap();
        let mut out = Vec::new();
        write_rows_sql(&mut out, &ev, &map).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn event_level_quirks() {
        use crate::binlog::EventType;
        // An update whose after image has no columns.
        let text = render(EventType::UpdateRowsV1, &[1, 1, 0], &[0, 5, 0, 0, 0]);
        assert_eq!(
            text,
            "### UPDATE `d`.`t`\n### WHERE\n###   @1=5\n### SET /* no columns */\n"
        );
        // A write with no row data at all.
        let text = render(EventType::WriteRowsV1, &[1, 1], &[]);
        assert_eq!(text, "### INSERT INTO `d`.`t` VALUES ()\n");
        // A v2 event with NDB extra row info (tag 0, length 4, format 7, payload AB CD).
        let text = render(
            EventType::DeleteRows,
            &[7, 0, 0, 4, 7, 0xab, 0xcd, 1, 1],
            &[0, 1, 0, 0, 0],
        );
        assert_eq!(
            text,
            "### Extra row data format: 7, len: 2 :0xABCD\n### DELETE FROM `d`.`t`\n\
             ### WHERE\n###   @1=1\n"
        );
        let mut out = Vec::new();
        write_unknown_table(&mut out, 42).unwrap();
        assert_eq!(out, b"### Row event for unknown table #42");
    }
}
