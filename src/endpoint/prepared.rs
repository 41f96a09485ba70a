//! Prepared statements (COM_STMT_PREPARE / EXECUTE / SEND_LONG_DATA / RESET / CLOSE) and
//! the binary protocol.
//!
//! A statement is kept as its text with the byte offsets of its `?` placeholders. EXECUTE
//! decodes the binary parameters, writes each into the text as the SQL literal it stands
//! for, and runs the result like COM_QUERY; result rows go back in the binary row format.
//! The answer is the one the text protocol gives for the same values, by construction.

use crate::binlog::cursor::Cursor;
use crate::sql::temporal::{Kind, Temporal};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::wire::resultset::{types, Column};

/// One prepared statement.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The statement text (shared with each execution's engine context).
    pub sql: std::sync::Arc<str>,
    /// Byte offsets of the `?` placeholders.
    pub placeholders: std::sync::Arc<[usize]>,
    /// Parameter types (type byte, unsigned flag) bound by the last EXECUTE that sent them.
    pub types: Vec<(u8, bool)>,
    /// Values sent with COM_STMT_SEND_LONG_DATA, by parameter.
    pub long_data: Vec<Option<Vec<u8>>>,
    /// A parameter whose long data passed max_allowed_packet (EXECUTE fails with 1153).
    pub long_data_overflow: bool,
    /// A SELECT reading tables: executed from a plan with parameter values.
    pub planned: bool,
    /// The plan of the last execution, kept when it can serve the next one.
    pub plan: Option<super::reads::CachedPlan>,
    /// The result column definitions (encoded, concatenated) the client last received for
    /// this statement: with MARIADB_CLIENT_CACHE_METADATA, an execution whose columns
    /// encode the same sends none.
    pub client_columns: Vec<u8>,
}

/// mysqld's 1210 for a malformed EXECUTE.
fn bad_arguments() -> SqlError {
    SqlError::new(1210, "Incorrect arguments to mysqld_stmt_execute".into())
}

impl Prepared {
    /// A statement from its text.
    pub fn new(sql: &str) -> Prepared {
        let placeholders: std::sync::Arc<[usize]> = crate::sql::split::placeholders(sql).into();
        Prepared {
            sql: sql.into(),
            long_data: vec![None; placeholders.len()],
            long_data_overflow: false,
            types: Vec::new(),
            planned: matches!(
                crate::sql::split::leading_words(sql, 1)
                    .first()
                    .map(String::as_str),
                Some("SELECT" | "WITH")
            ) && super::statement::has_from(sql),
            plan: None,
            client_columns: Vec::new(),
            placeholders,
        }
    }

    /// COM_STMT_SEND_LONG_DATA: appends to parameter `param`, at most `limit` bytes in all
    /// (unknown parameters are ignored, as mysqld does).
    pub fn add_long_data(&mut self, param: usize, data: &[u8], limit: usize) {
        let Some(slot) = self.long_data.get_mut(param) else {
            return;
        };
        let have = slot.as_ref().map_or(0, Vec::len);
        if have + data.len() > limit {
            *slot = None;
            self.long_data_overflow = true;
        } else {
            slot.get_or_insert_with(Vec::new).extend_from_slice(data);
        }
    }

    /// The parameters of an EXECUTE body (after stmt id, flags and iteration count) as
    /// values, in placeholder order.
    pub fn values(&mut self, params: &[u8]) -> Result<Vec<Value>, SqlError> {
        let Some((mut c, nulls)) = self.header(params)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(self.placeholders.len());
        for i in 0..self.placeholders.len() {
            if nulls[i / 8] & (1 << (i % 8)) != 0 {
                out.push(Value::Null);
                continue;
            }
            if let Some(data) = self.long_data[i].take() {
                out.push(text_or_bytes(data));
                continue;
            }
            let (t, unsigned) = self.types[i];
            out.push(param_value(&mut c, t, unsigned)?);
        }
        Ok(out)
    }

    /// Reads the NULL bitmap and (when sent) the parameter types; `None` without
    /// parameters.
    fn header<'p>(&mut self, params: &'p [u8]) -> Result<Option<(Cursor<'p>, &'p [u8])>, SqlError> {
        let n = self.placeholders.len();
        if std::mem::take(&mut self.long_data_overflow) {
            return Err(SqlError::new(
                1153,
                "Got a packet bigger than 'max_allowed_packet' bytes".into(),
            ));
        }
        if n == 0 {
            return Ok(None);
        }
        let mut c = Cursor::new(params);
        let nulls = c
            .bytes(n.div_ceil(8), "null bitmap")
            .map_err(|_| bad_arguments())?;
        let bound = c.u8("new params bound").map_err(|_| bad_arguments())?;
        if bound == 1 {
            let types = c.bytes(2 * n, "param types").map_err(|_| bad_arguments())?;
            self.types.clear();
            self.types
                .extend(types.chunks_exact(2).map(|tf| (tf[0], tf[1] & 0x80 != 0)));
        }
        if self.types.len() != n {
            return Err(bad_arguments());
        }
        Ok(Some((c, nulls)))
    }

    /// The statement text with the parameters of an EXECUTE body (after stmt id, flags and
    /// iteration count) written in as literals.
    pub fn bind(&mut self, params: &[u8]) -> Result<String, SqlError> {
        let Some((mut c, nulls)) = self.header(params)? else {
            return Ok(self.sql.to_string());
        };
        let mut out = String::with_capacity(self.sql.len() + 16 * self.placeholders.len());
        let mut last = 0;
        for (i, &at) in self.placeholders.iter().enumerate() {
            out.push_str(&self.sql[last..at]);
            last = at + 1;
            if nulls[i / 8] & (1 << (i % 8)) != 0 {
                out.push_str("NULL");
                continue;
            }
            if let Some(data) = self.long_data[i].take() {
                push_bytes_literal(&mut out, &data);
                continue;
            }
            let (t, unsigned) = self.types[i];
            literal(&mut c, t, unsigned, &mut out)?;
        }
        out.push_str(&self.sql[last..]);
        Ok(out)
    }
}

/// Text when the bytes are UTF-8, else a binary string.
fn text_or_bytes(b: Vec<u8>) -> Value {
    match String::from_utf8(b) {
        Ok(s) => Value::Text(s),
        Err(e) => Value::Bytes(e.into_bytes()),
    }
}

/// Reads one binary parameter value of type `t` as the value its literal would be.
fn param_value(c: &mut Cursor<'_>, t: u8, unsigned: bool) -> Result<Value, SqlError> {
    let e = |_| bad_arguments();
    Ok(match t {
        types::NULL => Value::Null,
        types::TINY | types::SHORT | types::YEAR | types::LONG | types::INT24 | types::LONGLONG => {
            let width = match t {
                types::TINY => 1,
                types::SHORT | types::YEAR => 2,
                types::LONGLONG => 8,
                _ => 4,
            };
            let v = c.uint_n(width, "integer parameter").map_err(e)?;
            if unsigned {
                match i64::try_from(v) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::UInt(v),
                }
            } else {
                let shift = 64 - 8 * width as u32;
                Value::Int(((v << shift) as i64) >> shift)
            }
        }
        types::FLOAT => Value::Double(f32::from_le_bytes(c.array::<4>("float").map_err(e)?) as f64),
        types::DOUBLE => Value::Double(f64::from_le_bytes(c.array::<8>("double").map_err(e)?)),
        types::DATE | types::DATETIME | types::TIMESTAMP | types::TIME => {
            // The literal text reads back through the same parser a string would.
            let mut text = String::new();
            literal(c, t, unsigned, &mut text)?;
            let inner = text.trim_matches('\'');
            let parsed = if t == types::TIME {
                Temporal::parse_time(inner)
            } else {
                Temporal::parse_datetime(inner).map(|mut x| {
                    if t == types::DATE {
                        x = x.as_kind(Kind::Date);
                    }
                    x
                })
            };
            parsed.map_or(Value::Text(inner.to_string()), Value::Temporal)
        }
        _ => {
            let n = c.lenenc_len("string param").map_err(e)?;
            let b = c.bytes(n, "string param").map_err(e)?;
            if t == types::NEWDECIMAL && is_decimal_text(b) {
                let s = std::str::from_utf8(b).map_err(|_| bad_arguments())?;
                crate::sql::decimal::Decimal::parse(s)
                    .map_or_else(|| Value::Double(s.parse().unwrap_or(0.0)), Value::Decimal)
            } else {
                text_or_bytes(b.to_vec())
            }
        }
    })
}

/// Reads one binary parameter value of type `t` and appends it as an SQL literal.
fn literal(c: &mut Cursor<'_>, t: u8, unsigned: bool, out: &mut String) -> Result<(), SqlError> {
    let e = |_| bad_arguments();
    match t {
        types::NULL => out.push_str("NULL"),
        types::TINY | types::SHORT | types::YEAR | types::LONG | types::INT24 | types::LONGLONG => {
            // Little-endian integers of 1, 2, 4 or 8 bytes (INT24 travels in 4).
            let width = match t {
                types::TINY => 1,
                types::SHORT | types::YEAR => 2,
                types::LONGLONG => 8,
                _ => 4,
            };
            let v = c.uint_n(width, "integer parameter").map_err(e)?;
            if unsigned {
                out.push_str(&v.to_string());
            } else {
                let shift = 64 - 8 * width as u32;
                out.push_str(&(((v << shift) as i64) >> shift).to_string());
            }
        }
        types::FLOAT => {
            let v = f32::from_le_bytes(c.array::<4>("float").map_err(e)?);
            push_float(out, v as f64)?;
        }
        types::DOUBLE => {
            let v = f64::from_le_bytes(c.array::<8>("double").map_err(e)?);
            push_float(out, v)?;
        }
        types::DATE | types::DATETIME | types::TIMESTAMP => {
            let n = c.u8("datetime length").map_err(e)? as usize;
            let b = c.bytes(n, "datetime").map_err(e)?;
            let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut us) =
                (0u16, 0u8, 0u8, 0u8, 0u8, 0u8, 0u32);
            if n >= 4 {
                y = u16::from_le_bytes([b[0], b[1]]);
                mo = b[2];
                d = b[3];
            }
            if n >= 7 {
                (h, mi, s) = (b[4], b[5], b[6]);
            }
            if n >= 11 {
                us = u32::from_le_bytes([b[7], b[8], b[9], b[10]]);
            }
            if t == types::DATE {
                out.push_str(&format!("'{y:04}-{mo:02}-{d:02}'"));
            } else {
                out.push_str(&format!(
                    "'{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}'"
                ));
            }
        }
        types::TIME => {
            let n = c.u8("time length").map_err(e)? as usize;
            let b = c.bytes(n, "time").map_err(e)?;
            let (mut neg, mut days, mut h, mut mi, mut s, mut us) =
                (false, 0u64, 0u8, 0u8, 0u8, 0u32);
            if n >= 8 {
                neg = b[0] == 1;
                days = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as u64;
                (h, mi, s) = (b[5], b[6], b[7]);
            }
            if n >= 12 {
                us = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
            }
            let hours = days * 24 + h as u64;
            let sign = if neg { "-" } else { "" };
            out.push_str(&format!("'{sign}{hours:02}:{mi:02}:{s:02}.{us:06}'"));
        }
        // Strings, DECIMAL, BLOBs, JSON, BIT, ENUM, SET, GEOMETRY: length-encoded bytes.
        _ => {
            let n = c.lenenc_len("string param").map_err(e)?;
            let b = c.bytes(n, "string param").map_err(e)?;
            if t == types::NEWDECIMAL && is_decimal_text(b) {
                out.push_str(std::str::from_utf8(b).map_err(|_| bad_arguments())?);
            } else {
                push_bytes_literal(out, b);
            }
        }
    }
    Ok(())
}

fn is_decimal_text(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
}

fn push_float(out: &mut String, v: f64) -> Result<(), SqlError> {
    if !v.is_finite() {
        return Err(bad_arguments());
    }
    // Rust's shortest round-trip digits, in exponent form so SQL reads it as a DOUBLE.
    out.push_str(&format!("{v:e}"));
    Ok(())
}

/// Appends bytes as a string literal: quoted with mysqld's escapes when UTF-8, as a hex
/// literal otherwise (binary data must not pass through a text conversion).
fn push_bytes_literal(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => {
            out.push('\'');
            for ch in s.chars() {
                match ch {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    '\0' => out.push_str("\\0"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\u{1a}' => out.push_str("\\Z"),
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        Err(_) => {
            out.push_str("X'");
            for x in b {
                out.push_str(&format!("{x:02X}"));
            }
            out.push('\'');
        }
    }
}

/// Appends one binary-protocol row (0x00, NULL bitmap with offset 2, values) for text
/// values of `columns`.
pub fn binary_row(
    columns: &[Column],
    values: &[Option<String>],
    out: &mut Vec<u8>,
) -> Result<(), SqlError> {
    out.push(0);
    let bitmap_at = out.len();
    out.resize(bitmap_at + (columns.len() + 2).div_ceil(8), 0);
    for (i, (col, v)) in columns.iter().zip(values).enumerate() {
        let Some(v) = v else {
            let bit = i + 2;
            out[bitmap_at + bit / 8] |= 1 << (bit % 8);
            continue;
        };
        let bad = || {
            SqlError::new(
                1105,
                format!("cannot encode {v:?} as column type {}", col.col_type),
            )
        };
        let unsigned = col.flags & crate::wire::resultset::flags::UNSIGNED != 0;
        match col.col_type {
            types::LONGLONG => {
                let x = if unsigned {
                    v.parse::<u64>().map_err(|_| bad())?
                } else {
                    v.parse::<i64>().map_err(|_| bad())? as u64
                };
                out.extend_from_slice(&x.to_le_bytes());
            }
            types::LONG | types::INT24 => {
                let x: i64 = v.parse().map_err(|_| bad())?;
                out.extend_from_slice(&(x as u32).to_le_bytes());
            }
            types::SHORT | types::YEAR => {
                let x: i64 = v.parse().map_err(|_| bad())?;
                out.extend_from_slice(&(x as u16).to_le_bytes());
            }
            types::TINY => {
                let x: i64 = v.parse().map_err(|_| bad())?;
                out.push(x as u8);
            }
            types::DOUBLE => {
                let x: f64 = v.parse().map_err(|_| bad())?;
                out.extend_from_slice(&x.to_le_bytes());
            }
            types::FLOAT => {
                let x: f32 = v.parse().map_err(|_| bad())?;
                out.extend_from_slice(&x.to_le_bytes());
            }
            types::DATE | types::DATETIME | types::TIMESTAMP | types::TIME => {
                let t = if col.col_type == types::TIME {
                    Temporal::parse_time(v)
                } else {
                    Temporal::parse_datetime(v)
                };
                put_temporal(out, &t.ok_or_else(bad)?);
            }
            _ => crate::wire::put_lenenc_str(out, v.as_bytes()),
        }
    }
    Ok(())
}

/// A temporal value in the binary protocol (MYSQL_TIME: length, then only the parts
/// that are not zero).
fn put_temporal(out: &mut Vec<u8>, t: &Temporal) {
    if t.kind == Kind::Time {
        let days = t.hour / 24;
        let zero = t.hour == 0 && t.minute == 0 && t.second == 0 && t.micro == 0;
        if zero {
            out.push(0);
            return;
        }
        out.push(if t.micro > 0 { 12 } else { 8 });
        out.push(t.neg as u8);
        out.extend_from_slice(&days.to_le_bytes());
        out.extend_from_slice(&[(t.hour % 24) as u8, t.minute as u8, t.second as u8]);
        if t.micro > 0 {
            out.extend_from_slice(&t.micro.to_le_bytes());
        }
        return;
    }
    let has_time = t.hour != 0 || t.minute != 0 || t.second != 0;
    let len = if t.micro > 0 {
        11
    } else if has_time {
        7
    } else if t.year != 0 || t.month != 0 || t.day != 0 {
        4
    } else {
        0
    };
    out.push(len);
    if len >= 4 {
        out.extend_from_slice(&(t.year as u16).to_le_bytes());
        out.extend_from_slice(&[t.month as u8, t.day as u8]);
    }
    if len >= 7 {
        out.extend_from_slice(&[t.hour as u8, t.minute as u8, t.second as u8]);
    }
    if len == 11 {
        out.extend_from_slice(&t.micro.to_le_bytes());
    }
}

/// Appends one binary-protocol row for typed values (the query engine's results).
pub fn binary_values_row(
    columns: &[Column],
    values: &[Value],
    out: &mut Vec<u8>,
) -> Result<(), SqlError> {
    out.push(0);
    let bitmap_at = out.len();
    out.resize(bitmap_at + (columns.len() + 2).div_ceil(8), 0);
    for (i, (col, v)) in columns.iter().zip(values).enumerate() {
        if matches!(v, Value::Null) {
            let bit = i + 2;
            out[bitmap_at + bit / 8] |= 1 << (bit % 8);
            continue;
        }
        let int = || -> i64 {
            match v {
                Value::UInt(u) => *u as i64,
                other => other.as_i64().unwrap_or(0),
            }
        };
        match col.col_type {
            types::LONGLONG => out.extend_from_slice(&int().to_le_bytes()),
            types::LONG | types::INT24 => out.extend_from_slice(&(int() as u32).to_le_bytes()),
            types::SHORT | types::YEAR => out.extend_from_slice(&(int() as u16).to_le_bytes()),
            types::TINY => out.push(int() as u8),
            types::DOUBLE => out.extend_from_slice(&v.as_f64().to_le_bytes()),
            types::FLOAT => out.extend_from_slice(&(v.as_f64() as f32).to_le_bytes()),
            types::DATE | types::DATETIME | types::TIMESTAMP | types::TIME => {
                let t = match v {
                    Value::Temporal(t) => Some(*t),
                    other => {
                        let s = other.render().unwrap_or_default();
                        if col.col_type == types::TIME {
                            Temporal::parse_time(&s)
                        } else {
                            Temporal::parse_datetime(&s)
                        }
                    }
                };
                let t = t.ok_or_else(|| {
                    SqlError::new(
                        1105,
                        format!("cannot encode {v:?} as column type {}", col.col_type),
                    )
                })?;
                put_temporal(out, &t);
            }
            _ => crate::wire::put_lenenc_str(out, &v.text_bytes().unwrap_or_default()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_every_parameter_kind() {
        let mut p = Prepared::new("SELECT ?, ?, '?', ?, ? /* ? */, ?");
        assert_eq!(p.placeholders.len(), 5);
        let mut b = vec![0b0000_0010, 1];
        for t in [
            types::LONGLONG,
            types::NULL,
            types::VAR_STRING,
            types::DOUBLE,
            types::VAR_STRING,
        ] {
            b.extend_from_slice(&[t, 0]);
        }
        b.extend_from_slice(&(-5i64).to_le_bytes());
        b.extend_from_slice(b"\x04it's");
        b.extend_from_slice(&2.5f64.to_le_bytes());
        b.extend_from_slice(b"\x02\xff\x00");
        assert_eq!(
            p.bind(&b).unwrap(),
            "SELECT -5, NULL, '?', 'it\\'s', 2.5e0 /* ? */, X'FF00'"
        );
        // Types are remembered for executions that do not resend them.
        let mut again = vec![0b0001_1110, 0];
        again.extend_from_slice(&7i64.to_le_bytes());
        assert_eq!(
            p.bind(&again).unwrap(),
            "SELECT 7, NULL, '?', NULL, NULL /* ? */, NULL"
        );
        assert_eq!(p.bind(&[0]).unwrap_err().code, 1210);
    }

    proptest::proptest! {
        #[test]
        fn any_parameter_bytes_bind_or_fail_cleanly(b in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut p = Prepared::new("SELECT ?, ?, ?");
            let _ = p.bind(&b);
        }
    }
}
