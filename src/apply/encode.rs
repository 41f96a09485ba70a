//! Values packed in a column's binlog layout from their text: column DEFAULTs for ALTER
//! TABLE ... ADD COLUMN and replayed INSERTs, the conversion of existing values when MODIFY
//! changes a column's layout (old value → mysqld text → new packing), and the values a
//! replayed statement computes ([`pack_value`]).
//!
//! Covers integers, FLOAT/DOUBLE, DECIMAL, BIT (values), character and binary strings,
//! ENUM, SET, YEAR, DATE, DATETIME and TIMESTAMP. Anything else yields error 1235 naming the column type: the
//! applier stops rather than storing a guess.

use crate::sql::temporal::Temporal;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{ColumnDef, DefaultValue, SqlType};
use crate::tz::{TimeZone, SYSTEM};

fn bad(col: &ColumnDef, text: &[u8]) -> SqlError {
    SqlError::bad_value(format!(
        "Incorrect value '{}' for column '{}'",
        String::from_utf8_lossy(text),
        col.name
    ))
}

/// The implicit default mysqld gives a NOT NULL column without DEFAULT.
fn implicit_default(col: &ColumnDef) -> &'static str {
    match col.ty {
        SqlType::Date => "0000-00-00",
        SqlType::DateTime(_) | SqlType::Timestamp(_) => "0000-00-00 00:00:00",
        SqlType::Time(_) => "00:00:00",
        SqlType::Year => "0000",
        SqlType::Char(_)
        | SqlType::Varchar(_)
        | SqlType::Binary(_)
        | SqlType::Varbinary(_)
        | SqlType::Text(_)
        | SqlType::Blob(_)
        | SqlType::Json
        | SqlType::Set(_) => "",
        _ => "0",
    }
}

/// Packs the value a new column takes in existing rows: its DEFAULT, or NULL, or mysqld's
/// implicit default. `Ok(None)` is NULL.
pub fn default_packed(col: &ColumnDef, now: u32) -> Result<Option<Vec<u8>>, SqlError> {
    let text: Vec<u8> = match &col.default {
        Some(DefaultValue::Null) => return Ok(None),
        None if col.nullable => return Ok(None),
        Some(DefaultValue::Literal(s)) => s.clone().into_bytes(),
        None => match &col.ty {
            SqlType::Enum(labels) => labels.first().cloned().unwrap_or_default().into_bytes(),
            _ => implicit_default(col).as_bytes().to_vec(),
        },
        Some(DefaultValue::Expr(e)) => {
            let e = e.to_ascii_uppercase();
            let is_now = e.starts_with("CURRENT_TIMESTAMP") || e.starts_with("NOW(");
            if is_now && matches!(col.ty, SqlType::Timestamp(_)) {
                let mut out = now.to_be_bytes().to_vec();
                if let SqlType::Timestamp(fsp) = col.ty {
                    out.resize(4 + fsp.div_ceil(2) as usize, 0);
                }
                return Ok(Some(out));
            }
            return Err(SqlError::not_supported(&format!("the column DEFAULT {e}")));
        }
    };
    let mut out = Vec::new();
    pack_text(col, &text, &mut out, &SYSTEM)?;
    Ok(Some(out))
}

/// Packs `text` (UTF-8, as mysqld's text of a value reaches a utf8mb4 client) as a value of
/// `col` into `out`; a latin1 column takes it re-encoded in latin1, a TIMESTAMP column
/// reads it as a time of zone `tz`.
pub fn pack_text(
    col: &ColumnDef,
    text: &[u8],
    out: &mut Vec<u8>,
    tz: &TimeZone,
) -> Result<(), SqlError> {
    let s = match std::str::from_utf8(text) {
        Ok(s) => s.trim(),
        // Binary strings hold any bytes; numbers and labels are text.
        Err(_)
            if matches!(
                col.ty,
                SqlType::Binary(_) | SqlType::Varbinary(_) | SqlType::Blob(_)
            ) =>
        {
            ""
        }
        Err(_) => return Err(bad(col, text)),
    };
    // Labels and numbers are read from `s`; string bytes are stored in the column's charset.
    let encoded;
    let text = match col.ty.has_charset() && !text.is_ascii() {
        true => match crate::store::charset::of_collation(col.collation) {
            Some("utf8mb4" | "binary") => text,
            Some(cs) => match crate::store::charset::encode(
                std::str::from_utf8(text).map_err(|_| bad(col, text))?,
                cs,
            ) {
                Some(b) => {
                    encoded = b;
                    &encoded[..]
                }
                None => return Err(bad(col, text)),
            },
            None => {
                return Err(SqlError::not_supported(&format!(
                    "writing text to column {} of collation id {} (a character set replicant cannot encode)",
                    col.name, col.collation
                )))
            }
        },
        false => text,
    };
    let int = |bytes: usize, out: &mut Vec<u8>| -> Result<(), SqlError> {
        let v: i128 = if s.is_empty() {
            0
        } else {
            s.parse::<i128>()
                .or_else(|_| s.parse::<f64>().map(|f| f.round() as i128))
                .map_err(|_| bad(col, text))?
        };
        let bits = bytes as u32 * 8;
        let (lo, hi) = if col.unsigned {
            (0i128, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        };
        if v < lo || v > hi {
            return Err(bad(col, text));
        }
        out.extend_from_slice(&(v as u64).to_le_bytes()[..bytes]);
        Ok(())
    };
    let lenpref = |len: usize, prefix: usize, out: &mut Vec<u8>| {
        out.extend_from_slice(&(len as u64).to_le_bytes()[..prefix]);
    };
    match &col.ty {
        SqlType::TinyInt => int(1, out),
        SqlType::SmallInt => int(2, out),
        SqlType::MediumInt => int(3, out),
        SqlType::Int => int(4, out),
        SqlType::BigInt => int(8, out),
        SqlType::Float => {
            let f: f32 = s
                .parse()
                .ok()
                .filter(|f: &f32| f.is_finite())
                .ok_or_else(|| bad(col, text))?;
            out.extend_from_slice(&f.to_le_bytes());
            Ok(())
        }
        SqlType::Double => {
            let f: f64 = s
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite())
                .ok_or_else(|| bad(col, text))?;
            out.extend_from_slice(&f.to_le_bytes());
            Ok(())
        }
        SqlType::Char(_) | SqlType::Binary(_) | SqlType::Varchar(_) | SqlType::Varbinary(_) => {
            let (_, meta) = col.binlog_layout();
            let max = match col.ty {
                SqlType::Char(_) | SqlType::Binary(_) => {
                    crate::binlog::value::string_real_type(meta).1 as usize
                }
                _ => meta as usize,
            };
            // CHAR values travel without trailing spaces.
            let mut t = if matches!(col.ty, SqlType::Char(_)) {
                let end = text.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
                &text[..end]
            } else {
                text
            };
            // The declared length counts characters (bytes for BINARY/VARBINARY); spaces
            // past it are cut without an error, as mysqld cuts them with a note.
            if let SqlType::Char(n) | SqlType::Varchar(n) = col.ty {
                let chars = char_len(t, col.collation);
                if chars > n as usize {
                    let keep = char_boundary(t, n as usize, col.collation);
                    if t[keep..].iter().all(|&b| b == b' ') {
                        t = &t[..keep];
                    } else {
                        return Err(SqlError::new(
                            1406,
                            format!("Data too long for column '{}' at row 1", col.name),
                        ));
                    }
                }
            }
            if t.len() > max {
                return Err(bad(col, text));
            }
            lenpref(t.len(), if max < 256 { 1 } else { 2 }, out);
            out.extend_from_slice(t);
            Ok(())
        }
        SqlType::Text(p) | SqlType::Blob(p) => {
            // The length prefix bounds the value: 255 bytes for TINYTEXT...
            if *p < 4 && text.len() >= 1usize << (8 * *p as u32) {
                return Err(SqlError::new(
                    1406,
                    format!("Data too long for column '{}' at row 1", col.name),
                ));
            }
            lenpref(text.len(), *p as usize, out);
            out.extend_from_slice(text);
            Ok(())
        }
        SqlType::Json => {
            lenpref(text.len(), 4, out);
            out.extend_from_slice(text);
            Ok(())
        }
        SqlType::Enum(labels) => {
            let i = if s.is_empty() {
                0
            } else {
                labels
                    .iter()
                    .position(|l| l.eq_ignore_ascii_case(s))
                    .map(|i| i + 1)
                    // A number is the label's index (mysqld's ENUM rule), 0 the empty value.
                    .or_else(|| s.parse::<usize>().ok().filter(|n| *n <= labels.len()))
                    .ok_or_else(|| bad(col, text))?
            };
            let pack = if labels.len() < 256 { 1 } else { 2 };
            out.extend_from_slice(&(i as u16).to_le_bytes()[..pack]);
            Ok(())
        }
        SqlType::Set(labels) => {
            let mut bits = 0u64;
            // A number is the members' bit mask (mysqld's SET rule).
            let all = if labels.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << labels.len()) - 1
            };
            let numeric = s.parse::<u64>().ok().filter(|n| n & !all == 0);
            for part in s.split(',').filter(|p| !p.is_empty() && numeric.is_none()) {
                let i = labels
                    .iter()
                    .position(|l| l.eq_ignore_ascii_case(part))
                    .ok_or_else(|| bad(col, text))?;
                bits |= 1 << i;
            }
            if let Some(n) = numeric {
                bits = n;
            }
            let n = labels.len().div_ceil(8);
            let n = if n > 4 { 8 } else { n.max(1) };
            out.extend_from_slice(&bits.to_le_bytes()[..n]);
            Ok(())
        }
        SqlType::Year => {
            let y: u32 = s.parse().map_err(|_| bad(col, text))?;
            out.push(if y == 0 {
                0
            } else {
                y.saturating_sub(1900).min(255) as u8
            });
            Ok(())
        }
        SqlType::Date => {
            let (y, m, d, ..) = parse_datetime(s).ok_or_else(|| bad(col, text))?;
            let v = y << 9 | m << 5 | d;
            out.extend_from_slice(&v.to_le_bytes()[..3]);
            Ok(())
        }
        SqlType::DateTime(fsp) => {
            let (y, mo, d, h, mi, sec, micros) = parse_datetime(s).ok_or_else(|| bad(col, text))?;
            let ym = (y as u64) * 13 + mo as u64;
            let int = (ym << 5 | d as u64) << 17 | (h as u64) << 12 | (mi as u64) << 6 | sec as u64;
            out.extend_from_slice(&(int + 0x80_0000_0000).to_be_bytes()[3..]);
            push_frac(out, micros, *fsp);
            Ok(())
        }
        SqlType::Decimal(p, sc) => {
            let t = if s.is_empty() { "0" } else { s };
            crate::binlog::decimal::encode_text(t, *p, *sc, out).ok_or_else(|| bad(col, text))
        }
        SqlType::Timestamp(fsp) => {
            let t = Temporal::parse_datetime(s).ok_or_else(|| bad(col, text))?;
            pack_timestamp(col, &t, *fsp, out, tz)
        }
        other => Err(SqlError::not_supported(&format!(
            "a value of type {other:?} for column {} from text",
            col.name
        ))),
    }
}

/// Packs a value computed by the query engine as a value of `col` (statement replay).
/// Returns false for NULL (nothing packed). TIMESTAMP values are times of zone `tz`, the
/// session's.
pub fn pack_value(
    col: &ColumnDef,
    v: &Value,
    out: &mut Vec<u8>,
    tz: &TimeZone,
) -> Result<bool, SqlError> {
    let text = match v {
        Value::Null => return Ok(false),
        v => v.text_bytes().unwrap_or_default(),
    };
    match &col.ty {
        SqlType::Decimal(p, sc) => {
            let t = match v {
                // A float's digits at the column's scale (plus one, for rounding).
                Value::Double(f) => format!("{f:.*}", *sc as usize + 1),
                Value::Float(f) => format!("{f:.*}", *sc as usize + 1),
                _ => String::from_utf8_lossy(&text).into_owned(),
            };
            let t = if t.trim().is_empty() { "0" } else { &t };
            crate::binlog::decimal::encode_text(t, *p, *sc, out).ok_or_else(|| bad(col, &text))?;
        }
        SqlType::Bit(n) => {
            let bytes = n.div_ceil(8) as usize;
            let num: u64 = match v {
                Value::Bit(b, _) => *b,
                Value::Int(i) => *i as u64,
                Value::UInt(u) => *u,
                Value::Bytes(b) => b.iter().fold(0u64, |a, &x| a << 8 | x as u64),
                other => other
                    .as_i64()
                    .map(|i| i as u64)
                    .ok_or_else(|| bad(col, &text))?,
            };
            if bytes < 8 && num >> (8 * bytes) != 0 {
                return Err(bad(col, &text));
            }
            out.extend_from_slice(&num.to_be_bytes()[8 - bytes..]);
        }
        SqlType::Timestamp(fsp) => {
            let t = match v {
                Value::Temporal(t) => Some(*t),
                _ => Temporal::parse_datetime(&String::from_utf8_lossy(&text)),
            }
            .ok_or_else(|| bad(col, &text))?;
            pack_timestamp(col, &t, *fsp, out, tz)?;
        }
        SqlType::Enum(labels) if matches!(v, Value::Int(_) | Value::UInt(_)) => {
            // A number is the label's index, whatever the labels say.
            let i = v
                .as_i64()
                .filter(|i| (0..=labels.len() as i64).contains(i))
                .ok_or_else(|| bad(col, &text))?;
            let pack = if labels.len() < 256 { 1 } else { 2 };
            out.extend_from_slice(&(i as u16).to_le_bytes()[..pack]);
        }
        SqlType::Time(_) | SqlType::Geometry | SqlType::JsonBinary => {
            return Err(SqlError::not_supported(&format!(
                "a replayed value for the {:?} column {}",
                col.ty, col.name
            )))
        }
        _ => pack_text(col, &text, out, tz)?,
    }
    Ok(true)
}

/// Characters in `b`, a value in `collation`'s charset (latin1: bytes).
fn char_len(b: &[u8], collation: u16) -> usize {
    if crate::store::text::is_latin1(collation) {
        return b.len();
    }
    match crate::store::charset::of_collation(collation) {
        Some(cs) if !cs.starts_with("utf8") => {
            crate::store::charset::decode(b, cs).map_or(b.len(), |s| s.chars().count())
        }
        _ => std::str::from_utf8(b).map_or(b.len(), |s| s.chars().count()),
    }
}

/// The byte length of the first `n` characters of `b`.
fn char_boundary(b: &[u8], n: usize, collation: u16) -> usize {
    if crate::store::text::is_latin1(collation) {
        return n.min(b.len());
    }
    match crate::store::charset::of_collation(collation) {
        Some(cs) if !cs.starts_with("utf8") => crate::store::charset::decode(b, cs)
            .and_then(|s| {
                let prefix: String = s.chars().take(n).collect();
                crate::store::charset::encode(&prefix, cs).map(|p| p.len())
            })
            .unwrap_or(n.min(b.len())),
        _ => std::str::from_utf8(b).map_or(n.min(b.len()), |s| {
            s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
        }),
    }
}

/// The implicit default of a NOT NULL column (0, '', the zero date...), packed: what a
/// non-strict sql_mode stores for a NULL the column cannot hold.
pub fn implicit_packed(col: &ColumnDef) -> Result<Vec<u8>, SqlError> {
    let text: Vec<u8> = match &col.ty {
        SqlType::Enum(labels) => labels.first().cloned().unwrap_or_default().into_bytes(),
        _ => implicit_default(col).as_bytes().to_vec(),
    };
    let mut out = Vec::new();
    pack_text(col, &text, &mut out, &SYSTEM)?;
    Ok(out)
}

/// Packs a value as [`pack_value`] does, except that (`lenient`: a non-strict sql_mode,
/// or IGNORE) a value the column cannot hold is first made one it can, as mysqld stores
/// it with a warning: numbers clipped to the type's range (a string read by its leading
/// number, 'abc' as 0), strings cut to the column's length, an unknown ENUM label as '',
/// unknown SET members dropped, a bad date as the zero date.
pub fn pack_value_mode(
    col: &ColumnDef,
    v: &Value,
    out: &mut Vec<u8>,
    tz: &TimeZone,
    lenient: bool,
) -> Result<bool, SqlError> {
    let start = out.len();
    match pack_value(col, v, out, tz) {
        Err(e) if lenient => match clipped(col, v) {
            Some(c) => {
                out.truncate(start);
                pack_value(col, &c, out, tz)
            }
            None => Err(e),
        },
        other => other,
    }
}

/// What mysqld stores for `v` in `col` when it cannot hold it (see [`pack_value_mode`]);
/// `None` when replicant cannot tell (a date in a format it does not read: the error
/// stands rather than a zero date the master may not have stored).
fn clipped(col: &ColumnDef, v: &Value) -> Option<Value> {
    use crate::sql::decimal::Decimal;
    let number = || -> f64 {
        match v.numeric().as_ref() {
            Value::Text(s) => crate::sql::value::numeric_prefix(s),
            Value::Bytes(b) => crate::sql::value::numeric_prefix(&String::from_utf8_lossy(b)),
            other => other.as_f64(),
        }
    };
    let int_range = |bits: u32| -> (f64, f64) {
        if col.unsigned {
            (0.0, ((1u128 << bits) - 1) as f64)
        } else {
            (
                -((1u128 << (bits - 1)) as f64),
                ((1u128 << (bits - 1)) - 1) as f64,
            )
        }
    };
    let int = |bits: u32| {
        let (lo, hi) = int_range(bits);
        let n = number().round().clamp(lo, hi);
        if col.unsigned {
            Value::UInt(if bits == 64 && n >= hi {
                u64::MAX
            } else {
                n as u64
            })
        } else if bits == 64 && n >= hi {
            Value::Int(i64::MAX)
        } else {
            Value::Int(n as i64)
        }
    };
    let text = || v.as_text().map(|t| t.into_owned()).unwrap_or_default();
    // A date mysqld would zero: text with no digit at all, or the dashed form with a part
    // out of range; a temporal value out of the column's range.
    let zero_date = || match v {
        Value::Text(s) => !s.bytes().any(|b| b.is_ascii_digit()) || dashed_datetime(s),
        Value::Temporal(_) => true,
        _ => false,
    };
    Some(match &col.ty {
        SqlType::TinyInt => int(8),
        SqlType::SmallInt => int(16),
        SqlType::MediumInt => int(24),
        SqlType::Int => int(32),
        SqlType::BigInt => int(64),
        SqlType::Float => Value::Double(number().clamp(f32::MIN as f64, f32::MAX as f64)),
        SqlType::Double => Value::Double(number().clamp(f64::MIN, f64::MAX)),
        SqlType::Decimal(p, sc) => {
            let d = match v.numeric().as_ref() {
                Value::Decimal(d) => Some(*d),
                Value::Int(i) => Some(Decimal::from_i128(*i as i128)),
                Value::UInt(u) => Some(Decimal::from_i128(*u as i128)),
                Value::Text(s) => Decimal::parse(crate::sql::value::numeric_prefix_text(s)),
                _ => None,
            }
            .or_else(|| Decimal::parse(&format!("{:.*}", *sc as usize, number())))
            .unwrap_or(Decimal::from_i128(0));
            // The largest magnitude DECIMAL(p, s) holds: p nines, s of them decimals.
            let nines = "9".repeat((*p).max(1) as usize);
            let (i, f) = nines.split_at((*p - (*sc).min(*p)) as usize);
            let max = Decimal::parse(&format!("{}.{}", if i.is_empty() { "0" } else { i }, f))
                .unwrap_or(Decimal::from_i128(0));
            let d = d.rescale(*sc).unwrap_or(max);
            let neg = d.m < crate::sql::decimal::I256::new(0);
            let abs = Decimal {
                m: if neg { -d.m } else { d.m },
                scale: d.scale,
            };
            let over = Decimal::cmp_value(&abs, &max) == std::cmp::Ordering::Greater;
            match (over, neg) {
                (false, _) => Value::Decimal(d),
                (true, false) => Value::Decimal(max),
                (true, true) => Value::Decimal(Decimal {
                    m: -max.m,
                    scale: max.scale,
                }),
            }
        }
        SqlType::Char(n) | SqlType::Varchar(n) => {
            Value::Text(text().chars().take(*n as usize).collect())
        }
        SqlType::Binary(n) | SqlType::Varbinary(n) => {
            let mut b = v.text_bytes().unwrap_or_default().into_owned();
            b.truncate(*n as usize);
            Value::Bytes(b)
        }
        SqlType::Text(p) | SqlType::Blob(p) => {
            let max = (1usize << (8 * *p as u32).min(32)) - 1;
            let mut b = v.text_bytes().unwrap_or_default().into_owned();
            if b.len() > max {
                b.truncate(max);
                // A cut character does not stay half.
                while matches!(col.ty, SqlType::Text(_)) && std::str::from_utf8(&b).is_err() {
                    b.pop();
                }
            }
            match col.ty {
                SqlType::Text(_) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
                _ => Value::Bytes(b),
            }
        }
        SqlType::Enum(_) => Value::Text(String::new()),
        SqlType::Set(labels) => Value::Text(
            text()
                .split(',')
                .filter(|m| labels.iter().any(|l| l.eq_ignore_ascii_case(m)))
                .collect::<Vec<_>>()
                .join(","),
        ),
        SqlType::Year => Value::Int(0),
        SqlType::Date if zero_date() => Value::Text("0000-00-00".into()),
        SqlType::DateTime(_) | SqlType::Timestamp(_) if zero_date() => {
            Value::Text("0000-00-00 00:00:00".into())
        }
        _ => return None,
    })
}

/// `Y-M-D[ h:m:s[.f]]` in digits: the form replicant reads, so a failure is a range error.
fn dashed_datetime(s: &str) -> bool {
    let s = s.trim();
    let (date, time) = s.split_once([' ', 'T']).unwrap_or((s, ""));
    let digits = |p: &str, most: usize| {
        !p.is_empty() && p.len() <= most && p.bytes().all(|b| b.is_ascii_digit())
    };
    let d: Vec<&str> = date.split('-').collect();
    let date_ok = d.len() == 3 && digits(d[0], 4) && digits(d[1], 2) && digits(d[2], 2);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<&str> = hms.split(':').collect();
    let time_ok = time.is_empty()
        || (t.len() == 3
            && t.iter().all(|p| digits(p, 2))
            && frac.bytes().all(|b| b.is_ascii_digit()));
    date_ok && time_ok
}

/// Packs a date and time of zone `tz` as a TIMESTAMP(fsp): seconds since the epoch and
/// the fraction; the zero date is 0.
fn pack_timestamp(
    col: &ColumnDef,
    t: &Temporal,
    fsp: u8,
    out: &mut Vec<u8>,
    tz: &TimeZone,
) -> Result<(), SqlError> {
    let local = t.epoch_micros();
    let secs = if t.year == 0 && t.month == 0 && t.day == 0 {
        0
    } else {
        tz.utc(local.div_euclid(1_000_000))
    };
    if !(0..=u32::MAX as i64).contains(&secs) {
        return Err(bad(col, t.render().as_bytes()));
    }
    out.extend_from_slice(&(secs as u32).to_be_bytes());
    push_frac(out, local.rem_euclid(1_000_000) as u32, fsp);
    Ok(())
}

/// Big-endian fraction bytes of TIME2/DATETIME2/TIMESTAMP2 for `fsp`.
fn push_frac(out: &mut Vec<u8>, micros: u32, fsp: u8) {
    match fsp {
        1 | 2 => out.push((micros / 10000) as u8),
        3 | 4 => out.extend_from_slice(&((micros / 100) as u16).to_be_bytes()),
        5 | 6 => out.extend_from_slice(&micros.to_be_bytes()[1..]),
        _ => {}
    }
}

/// `YYYY-MM-DD[ hh:mm:ss[.ffffff]]`.
fn parse_datetime(s: &str) -> Option<(u32, u32, u32, u32, u32, u32, u32)> {
    let (date, time) = s.split_once([' ', 'T']).unwrap_or((s, ""));
    let mut d = date.split('-').map(|p| p.parse::<u32>().ok());
    let (y, mo, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms
        .split(':')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u32>().ok());
    let (h, mi, sec) = (
        t.next().flatten().unwrap_or(0),
        t.next().flatten().unwrap_or(0),
        t.next().flatten().unwrap_or(0),
    );
    let mut micros = 0;
    for (i, c) in frac.bytes().take(6).enumerate() {
        micros += (c.checked_sub(b'0')? as u32) * 10u32.pow(5 - i as u32);
    }
    // mysqld's ranges; a zero month or day is allowed (the default sql_mode has no
    // NO_ZERO_IN_DATE), a day the month lacks is not.
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let day_ok = mo == 0
        || day == 0
        || month_days
            .get(mo as usize - 1)
            .is_some_and(|&most| day <= most);
    if y > 9999 || mo > 12 || day > 31 || !day_ok || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some((y, mo, day, h, mi, sec, micros))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::value::{decode_value, Value};

    fn col(ty: SqlType, nullable: bool, default: Option<DefaultValue>) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            ty,
            unsigned: false,
            collation: 45,
            nullable,
            default,
            auto_increment: false,
            generated: None,
            on_update: false,
        }
    }

    #[test]
    fn lenient_packing_clips_as_mysqld() {
        use crate::sql::value::Value;
        let pack = |c: &ColumnDef, v: Value| {
            let mut out = Vec::new();
            pack_value_mode(c, &v, &mut out, &SYSTEM, true).unwrap();
            out
        };
        let text = |c: &ColumnDef, t: &str| pack(c, Value::Text(t.into()));
        let tiny = col(SqlType::TinyInt, true, None);
        assert_eq!(pack(&tiny, Value::Int(300)), [127]);
        assert_eq!(text(&tiny, "-12abc"), [(-12i8) as u8]);
        assert_eq!(text(&tiny, "abc"), [0]);
        let s = col(SqlType::Varchar(3), true, None);
        assert_eq!(text(&s, "abcdef"), text(&s, "abc"));
        let d = col(SqlType::Decimal(4, 2), true, None);
        assert_eq!(text(&d, "123456"), text(&d, "99.99"));
        assert_eq!(text(&d, "-1e9"), text(&d, "-99.99"));
        let date = col(SqlType::Date, true, None);
        assert_eq!(text(&date, "2024-02-30"), text(&date, "0000-00-00"));
        assert_eq!(text(&date, "2024-13-05"), text(&date, "0000-00-00"));
        assert_eq!(text(&date, "garbage"), text(&date, "0000-00-00"));
        // A format replicant does not read is not zeroed: the error stands.
        let mut out = Vec::new();
        assert!(pack_value_mode(
            &date,
            &Value::Text("2024/01/15".into()),
            &mut out,
            &SYSTEM,
            true
        )
        .is_err());
        assert!(pack_value_mode(&date, &Value::Int(20240115), &mut out, &SYSTEM, true).is_err());
        // Strict: the same values are errors.
        let mut out = Vec::new();
        assert!(pack_value_mode(&tiny, &Value::Int(300), &mut out, &SYSTEM, false).is_err());
        assert!(pack_value(&date, &Value::Text("2023-02-29".into()), &mut out, &SYSTEM).is_err());
    }

    fn round_trip(c: &ColumnDef, text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        pack_text(c, text.as_bytes(), &mut out, &SYSTEM).unwrap();
        let (ty, meta) = c.binlog_layout();
        let (v, n) = decode_value(ty, meta, &out).unwrap();
        assert_eq!(n, out.len());
        let mut t = Vec::new();
        crate::store::text::write_text(&mut t, c, &v);
        if let Value::Null = v {
            panic!("NULL");
        }
        t
    }

    #[test]
    fn packs_what_the_decoder_reads_back() {
        assert_eq!(round_trip(&col(SqlType::Int, false, None), "-7"), b"-7");
        assert_eq!(
            round_trip(&col(SqlType::Varchar(100), false, None), "héllo"),
            "héllo".as_bytes()
        );
        assert_eq!(
            round_trip(&col(SqlType::Char(3), false, None), "ab "),
            b"ab"
        );
        let e = col(SqlType::Enum(vec!["a".into(), "b".into()]), false, None);
        assert_eq!(round_trip(&e, "b"), b"b");
        assert_eq!(
            round_trip(&col(SqlType::Date, false, None), "2024-02-29"),
            b"2024-02-29"
        );
        assert_eq!(
            round_trip(
                &col(SqlType::DateTime(3), false, None),
                "2024-02-29 23:59:58.123"
            ),
            b"2024-02-29 23:59:58.123"
        );
        assert_eq!(
            round_trip(&col(SqlType::Double, false, None), "2.5"),
            b"2.5"
        );
        let mut out = Vec::new();
        assert_eq!(
            pack_text(
                &col(SqlType::TinyInt, false, None),
                b"300",
                &mut out,
                &SYSTEM
            )
            .unwrap_err()
            .code,
            1366
        );
    }

    #[test]
    fn defaults() {
        assert_eq!(
            default_packed(&col(SqlType::Int, true, None), 0).unwrap(),
            None
        );
        assert_eq!(
            default_packed(&col(SqlType::Int, false, None), 0).unwrap(),
            Some(vec![0, 0, 0, 0])
        );
        let c = col(SqlType::Int, true, Some(DefaultValue::Literal("7".into())));
        assert_eq!(default_packed(&c, 0).unwrap(), Some(vec![7, 0, 0, 0]));
        let c = col(
            SqlType::Timestamp(0),
            false,
            Some(DefaultValue::Expr("CURRENT_TIMESTAMP".into())),
        );
        assert_eq!(default_packed(&c, 5).unwrap(), Some(vec![0, 0, 0, 5]));
    }
}
