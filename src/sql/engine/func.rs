//! Scalar functions, by mysqld's definitions. Arguments arrive evaluated; NULL in gives
//! NULL out unless the function says otherwise.

use md5::Digest as _;

use super::bind::Coll;
use crate::sql::decimal::Decimal;
use crate::sql::geometry as geo;
use crate::sql::parse::unsupported;
use crate::sql::temporal::{Kind, Temporal};
use crate::sql::value::{compare, Value};
use crate::sqlerror::SqlError;

/// Functions the engine evaluates.
pub const NAMES: &[&str] = &[
    "CONCAT",
    "CONCAT_WS",
    "SUBSTRING",
    "LEFT",
    "RIGHT",
    "LENGTH",
    "CHAR_LENGTH",
    "LOWER",
    "UPPER",
    "TRIM",
    "LTRIM",
    "RTRIM",
    "TRIM_STR",
    "LTRIM_STR",
    "RTRIM_STR",
    "REPLACE",
    "LPAD",
    "RPAD",
    "LOCATE",
    "INSTR",
    "IFNULL",
    "COALESCE",
    "NULLIF",
    "IF",
    "GREATEST",
    "LEAST",
    "ABS",
    "CEILING",
    "FLOOR",
    "ROUND",
    "TRUNCATE",
    "MOD",
    "NOW",
    "CURDATE",
    "CURTIME",
    "DATE",
    "TIME",
    "DATE_FORMAT",
    "TIME_FORMAT",
    "STR_TO_DATE",
    "DATE_ADD",
    "DATE_SUB",
    "DATEDIFF",
    "TIMESTAMPDIFF",
    "UNIX_TIMESTAMP",
    "FROM_UNIXTIME",
    "YEAR",
    "MONTH",
    "DAY",
    "HOUR",
    "MINUTE",
    "SECOND",
    "DAYOFWEEK",
    "DAYOFYEAR",
    "WEEKDAY",
    "LAST_DAY",
    "EXTRACT",
    "HEX",
    "UNHEX",
    "MD5",
    "SHA1",
    "SHA2",
    "JSON_EXTRACT",
    "JSON_UNQUOTE",
    "REVERSE",
    "REPEAT",
    "SPACE",
    "ASCII",
    "SIGN",
    "POWER",
    "SQRT",
    "PI",
    "ISNULL",
    "COLLATE",
    "&",
    "|",
    "^",
    "~",
    "CRC32",
    "CHAR",
    "FIELD",
    "ELT",
    "STRCMP",
    "FIND_IN_SET",
    "ST_ASTEXT",
    "ST_ASWKT",
    "ASTEXT",
    "ASWKT",
    "ST_GEOMFROMTEXT",
    "ST_GEOMETRYFROMTEXT",
    "GEOMFROMTEXT",
    "ST_POINTFROMTEXT",
    "ST_LINEFROMTEXT",
    "ST_POLYFROMTEXT",
    "POINT",
    "ST_X",
    "ST_Y",
    "ST_SRID",
    "ST_DISTANCE",
    "ST_CONTAINS",
    "MBRCONTAINS",
    "ST_ASGEOJSON",
    "QUOTE",
    "BIN",
    "OCT",
    "CONV",
    "RAND",
    "FORMAT",
    "RESCALE",
    "AS_TEMPORAL",
];

/// The kinds of temporal value as AS_TEMPORAL's argument names them.
pub fn temporal_kind_code(kind: Kind) -> i64 {
    match kind {
        Kind::Date => 0,
        Kind::DateTime => 1,
        Kind::Time => 2,
    }
}

/// Arguments a function takes: (least, most).
pub fn arity(name: &str) -> (usize, usize) {
    match name {
        "NOW" | "CURDATE" | "CURTIME" | "PI" => (0, 1),
        "UNIX_TIMESTAMP" => (0, 1),
        "CONCAT" | "GREATEST" | "LEAST" | "COALESCE" | "CHAR" => (1, usize::MAX),
        "CONCAT_WS" | "FIELD" | "ELT" => (2, usize::MAX),
        "SUBSTRING" | "LOCATE" => (2, 3),
        "ROUND" => (1, 2),
        "FROM_UNIXTIME" => (1, 2),
        "LEFT" | "RIGHT" | "IFNULL" | "NULLIF" | "INSTR" | "TRUNCATE" | "MOD" | "POWER"
        | "DATE_FORMAT" | "TIME_FORMAT" | "STR_TO_DATE" | "DATEDIFF" | "SHA2" | "JSON_EXTRACT"
        | "REPEAT" | "STRCMP" | "FIND_IN_SET" | "FORMAT" | "&" | "|" | "^" | "EXTRACT"
        | "TRIM_STR" | "LTRIM_STR" | "RTRIM_STR" => (2, 2),
        "IF" | "REPLACE" | "LPAD" | "RPAD" | "DATE_ADD" | "DATE_SUB" | "TIMESTAMPDIFF" => (3, 3),
        "CONV" => (3, 3),
        "RAND" => (0, 1),
        "RESCALE" => (2, 2),
        "ST_GEOMFROMTEXT"
        | "ST_GEOMETRYFROMTEXT"
        | "GEOMFROMTEXT"
        | "ST_POINTFROMTEXT"
        | "ST_LINEFROMTEXT"
        | "ST_POLYFROMTEXT" => (1, 2),
        "POINT" | "ST_DISTANCE" | "ST_CONTAINS" | "MBRCONTAINS" => (2, 2),
        "ST_ASGEOJSON" => (1, 3),
        "AS_TEMPORAL" => (3, 3),
        _ => (1, 1),
    }
}

/// CONV(n, from_base, to_base) as mysqld: the longest prefix of `n` in `from_base` digits
/// (saturating at 2^64-1), read signed when `from_base` is negative, written in
/// `to_base` (signed when negative), upper case; `None` (NULL) for a base outside 2..36.
fn conv(n: &str, from: i64, to: i64) -> Option<String> {
    let (fb, tb) = (from.unsigned_abs(), to.unsigned_abs());
    if !(2..=36).contains(&fb) || !(2..=36).contains(&tb) {
        return None;
    }
    let n = n.trim();
    let (neg, digits) = match n.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, n),
    };
    let mut v: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(36).filter(|d| u64::from(*d) < fb) else {
            break;
        };
        v = match v.checked_mul(fb).and_then(|x| x.checked_add(u64::from(d))) {
            Some(x) => x,
            None => {
                v = u64::MAX;
                break;
            }
        };
    }
    // A negative input: its two's complement, unless the output is signed.
    let (neg_out, mag) = if neg {
        if to < 0 {
            (true, v)
        } else {
            (false, v.wrapping_neg())
        }
    } else if to < 0 && from < 0 && v > i64::MAX as u64 {
        (true, v.wrapping_neg())
    } else {
        (false, v)
    };
    let mut out = Vec::new();
    let mut m = mag;
    loop {
        let d = (m % tb) as u32;
        out.push(
            std::char::from_digit(d, 36)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
        m /= tb;
        if m == 0 {
            break;
        }
    }
    if neg_out && mag != 0 {
        out.push('-');
    }
    Some(out.iter().rev().collect())
}

/// Longest string a function builds (mysqld's max_allowed_packet: longer results are NULL).
const MAX_RESULT: usize = 16 << 20;

/// INTERVAL units.
pub const UNITS: &[&str] = &[
    "MICROSECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
    "MONTH",
    "QUARTER",
    "YEAR",
];

fn text(v: &Value) -> Option<String> {
    v.as_text().map(|s| s.into_owned())
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn temporal(v: &Value) -> Option<Temporal> {
    match v {
        Value::Temporal(t) => Some(*t),
        Value::Null => None,
        Value::Int(_) | Value::UInt(_) => {
            let s = v.render()?;
            if s.len() == 8 {
                Temporal::parse_datetime(&format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]))
            } else {
                None
            }
        }
        other => Temporal::parse_datetime(&other.as_text()?),
    }
}

/// A stored geometry value (SRID and WKB) as its SRID and shape; `None` for anything else.
fn geometry(v: &Value) -> Option<(u32, geo::Geometry)> {
    match v {
        Value::Bytes(b) => geo::parse_stored(b).ok(),
        _ => None,
    }
}

/// A value taken as a date and time: a TIME counts from midnight of today, as mysqld
/// converts it wherever a date is needed.
fn datetime(v: &Value) -> Option<Temporal> {
    temporal(v).map(|t| t.on_date(&Temporal::today()))
}

/// The longest TIME (838:59:59.999999), in microseconds.
const TIME_MAX_MICROS: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000 + 999_999;

fn date_part(v: &Value, f: impl Fn(&Temporal) -> i64) -> Value {
    match v {
        Value::Temporal(t) if t.kind == Kind::Time => Value::Int(f(t)),
        _ => match temporal(v).or_else(|| v.as_text().and_then(|s| Temporal::parse_time(&s))) {
            Some(t) => Value::Int(f(&t)),
            None => Value::Null,
        },
    }
}

/// Months and microseconds of `n` `unit`s.
fn interval(n: &Value, unit: &str) -> Option<(i64, i64)> {
    let k = match unit {
        "MICROSECOND" => return Some((0, int(n))),
        "SECOND" => {
            let us = n.as_f64() * 1e6;
            return (us.abs() < 9e18).then_some((0, us.round() as i64));
        }
        "MINUTE" => 60_000_000,
        "HOUR" => 3_600_000_000,
        "DAY" => 86_400_000_000,
        "WEEK" => 7 * 86_400_000_000,
        "MONTH" => return Some((int(n), 0)),
        "QUARTER" => return int(n).checked_mul(3).map(|m| (m, 0)),
        "YEAR" => return int(n).checked_mul(12).map(|m| (m, 0)),
        _ => return None,
    };
    int(n).checked_mul(k).map(|us| (0, us))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn pad(s: &str, len: i64, with: &str, left: bool) -> Option<String> {
    if len < 0 || len as u64 > MAX_RESULT as u64 {
        return None;
    }
    let len = len as usize;
    let n = s.chars().count();
    if n >= len {
        return Some(s.chars().take(len).collect());
    }
    if with.is_empty() {
        return None;
    }
    let fill: String = with.chars().cycle().take(len - n).collect();
    Some(if left {
        fill + s
    } else {
        s.to_string() + &fill
    })
}

fn round_value(v: &Value, places: i64, truncate: bool) -> Value {
    match v {
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
            let Some(d) = v.as_decimal() else {
                return Value::Null;
            };
            if places >= 0 {
                let s = places.min(30) as u8;
                let r = if truncate {
                    Some(d.truncate(s))
                } else {
                    d.rescale(s)
                };
                // ROUND(decimal, n) keeps n decimals; an integer stays an integer.
                match (v, r) {
                    (Value::Int(_) | Value::UInt(_), Some(r)) => {
                        Value::Decimal(r.rescale(0).unwrap_or(r))
                            .as_i64()
                            .map_or(Value::Null, Value::Int)
                    }
                    (_, Some(r)) if r.scale >= d.scale => {
                        Value::Decimal(d.rescale(d.scale).unwrap_or(d))
                    }
                    (_, Some(r)) => Value::Decimal(r),
                    _ => Value::Null,
                }
            } else {
                let p = 10f64.powi((-places).min(40) as i32);
                let x = d.to_f64() / p;
                let x = if truncate { x.trunc() } else { x.round() } * p;
                match v {
                    Value::Decimal(_) => Decimal::parse(&format!("{x:.0}"))
                        .and_then(|r| r.rescale(0))
                        .map_or(Value::Null, Value::Decimal),
                    _ => Value::Int(x as i64),
                }
            }
        }
        Value::Null => Value::Null,
        other => {
            let x = other.as_f64();
            if places > 30 {
                return Value::Double(x);
            }
            let p = 10f64.powi(places.max(-40) as i32);
            let r = if truncate {
                (x * p).trunc() / p
            } else {
                // Round half away from zero, as mysqld's rint-free rounding.
                let y = x * p;
                let r = y.round();
                r / p
            };
            Value::Double(r)
        }
    }
}

/// JSON path lookup for `$`, `$.key`, `$."key"`, `$[n]`, `$.a.b[0]`.
fn json_path<'j>(doc: &'j serde_json::Value, path: &str) -> Option<&'j serde_json::Value> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut cur = doc;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let (key, tail) = if let Some(q) = r.strip_prefix('"') {
                let end = q.find('"')?;
                (&q[..end], &q[end + 1..])
            } else {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                (&r[..end], &r[end..])
            };
            cur = cur.get(key)?;
            rest = tail;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let i: usize = r[..end].trim().parse().ok()?;
            cur = cur.get(i)?;
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

/// JSON text as MariaDB prints a value it extracted.
fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(json_text).collect();
            format!("[{}]", parts.join(", "))
        }
        serde_json::Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", serde_json::Value::String(k.clone()), json_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// Calls function `name` on evaluated arguments.
pub fn call(name: &str, a: Vec<Value>, coll: Coll) -> Result<Value, SqlError> {
    let (least, most) = self::arity(name);
    if a.len() < least || a.len() > most {
        return Err(SqlError::new(
            1582,
            format!("Incorrect parameter count in the call to native function '{name}'"),
        ));
    }
    let null_in = a.iter().any(|v| matches!(v, Value::Null));
    let arity = |n: usize| -> Result<(), SqlError> {
        if a.len() == n {
            Ok(())
        } else {
            Err(SqlError::new(
                1582,
                format!("Incorrect parameter count in the call to native function '{name}'"),
            ))
        }
    };
    // Functions that handle NULL themselves.
    match name {
        "CONCAT_WS" => {
            let Some(sep) = a.first().and_then(text) else {
                return Ok(Value::Null);
            };
            let parts: Vec<String> = a[1..].iter().filter_map(text).collect();
            return Ok(Value::Text(parts.join(&sep)));
        }
        "ISNULL" => {
            arity(1)?;
            return Ok(Value::Int(matches!(a[0], Value::Null) as i64));
        }
        "NULLIF" => {
            arity(2)?;
            return Ok(
                if compare(&a[0], &a[1], coll) == Some(std::cmp::Ordering::Equal) {
                    Value::Null
                } else {
                    a[0].clone()
                },
            );
        }
        "NOW" => return Ok(Value::Temporal(Temporal::now())),
        "CURDATE" => return Ok(Value::Temporal(Temporal::now().as_kind(Kind::Date))),
        "CURTIME" => return Ok(Value::Temporal(Temporal::now().as_kind(Kind::Time))),
        "PI" => return Ok(Value::Double(std::f64::consts::PI)),
        "UNIX_TIMESTAMP" if a.is_empty() => {
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            return Ok(Value::Int(d.as_secs() as i64));
        }
        "COLLATE" => return Ok(a.into_iter().next().unwrap_or(Value::Null)),
        "RESCALE" => {
            let s = a.get(1).and_then(Value::as_i64).unwrap_or(0).clamp(0, 38) as u8;
            return Ok(match a.into_iter().next().unwrap_or(Value::Null) {
                v @ (Value::Int(_) | Value::UInt(_) | Value::Decimal(_)) => v
                    .as_decimal()
                    .and_then(|d| d.rescale(s))
                    .map_or(Value::Null, Value::Decimal),
                other => other,
            });
        }
        "AS_TEMPORAL" => {
            let kind = match a.get(1).and_then(Value::as_i64) {
                Some(0) => Kind::Date,
                Some(2) => Kind::Time,
                _ => Kind::DateTime,
            };
            let fsp = a.get(2).and_then(Value::as_i64).unwrap_or(0).clamp(0, 6) as u8;
            let t = match a.first() {
                Some(Value::Temporal(t)) => Some(*t),
                Some(Value::Text(s)) if kind == Kind::Time => Temporal::parse_time_context(s),
                Some(v @ Value::Text(_)) => temporal(v),
                _ => None,
            };
            return Ok(match t {
                Some(t) => {
                    let mut t = match kind {
                        Kind::Time => t.as_kind(Kind::Time),
                        _ => t.on_date(&Temporal::today()).as_kind(kind),
                    };
                    t.fsp = if kind == Kind::Date { 0 } else { fsp };
                    Value::Temporal(t)
                }
                None => a.into_iter().next().unwrap_or(Value::Null),
            });
        }
        "FIELD" => {
            if matches!(a.first(), None | Some(Value::Null)) {
                return Ok(Value::Int(0));
            }
            let pos = a[1..]
                .iter()
                .position(|x| compare(&a[0], x, coll) == Some(std::cmp::Ordering::Equal));
            return Ok(Value::Int(pos.map_or(0, |p| p as i64 + 1)));
        }
        "ELT" => {
            let n = a.first().and_then(Value::as_i64).unwrap_or(0);
            return Ok(if n >= 1 && (n as usize) < a.len() {
                a[n as usize].clone()
            } else {
                Value::Null
            });
        }
        _ => {}
    }
    if null_in {
        return Ok(Value::Null);
    }
    let t = |i: usize| text(&a[i]).unwrap_or_default();
    Ok(match name {
        "CONCAT" => {
            if a.iter().any(|v| matches!(v, Value::Bytes(_))) {
                let mut out = Vec::new();
                for v in &a {
                    out.extend(v.render_bytes().unwrap_or_default());
                }
                Value::Bytes(out)
            } else {
                let mut out = String::new();
                for v in &a {
                    out.push_str(&v.as_text().unwrap_or_default());
                }
                Value::Text(out)
            }
        }
        "SUBSTRING" => {
            let s: Vec<char> = t(0).chars().collect();
            let pos = a.get(1).map_or(1, int);
            let n = s.len() as i64;
            let start = if pos > 0 {
                pos - 1
            } else if pos < 0 {
                n + pos
            } else {
                return Ok(Value::Text(String::new()));
            };
            if start < 0 || start >= n {
                return Ok(Value::Text(String::new()));
            }
            let len = a.get(2).map_or(n, int).max(0);
            Value::Text(s[start as usize..].iter().take(len as usize).collect())
        }
        "LEFT" => Value::Text(t(0).chars().take(int(&a[1]).max(0) as usize).collect()),
        "RIGHT" => {
            let s: Vec<char> = t(0).chars().collect();
            let n = (int(&a[1]).max(0) as usize).min(s.len());
            Value::Text(s[s.len() - n..].iter().collect())
        }
        "LENGTH" => Value::Int(a[0].render_bytes().map_or(0, |b| b.len()) as i64),
        "CHAR_LENGTH" => Value::Int(t(0).chars().count() as i64),
        "LOWER" => Value::Text(t(0).to_lowercase()),
        "UPPER" => Value::Text(
            t(0).chars()
                .map(|c| {
                    // mysqld maps each character to one character (ß stays ß).
                    let mut u = c.to_uppercase();
                    match (u.next(), u.next()) {
                        (Some(x), None) => x,
                        _ => c,
                    }
                })
                .collect(),
        ),
        "TRIM" => Value::Text(t(0).trim_matches(' ').to_string()),
        "LTRIM" => Value::Text(t(0).trim_start_matches(' ').to_string()),
        "RTRIM" => Value::Text(t(0).trim_end_matches(' ').to_string()),
        "TRIM_STR" | "LTRIM_STR" | "RTRIM_STR" => {
            let (mut s, what) = (t(0), t(1));
            if !what.is_empty() {
                if name != "RTRIM_STR" {
                    while let Some(r) = s.strip_prefix(what.as_str()) {
                        s = r.to_string();
                    }
                }
                if name != "LTRIM_STR" {
                    while let Some(r) = s.strip_suffix(what.as_str()) {
                        s = r.to_string();
                    }
                }
            }
            Value::Text(s)
        }
        "REPLACE" => {
            let (s, from, to) = (t(0), t(1), t(2));
            if from.is_empty() {
                Value::Text(s)
            } else if to.len() > from.len()
                && s.len() + s.matches(&from).count() * (to.len() - from.len()) > MAX_RESULT
            {
                Value::Null
            } else {
                Value::Text(s.replace(&from, &to))
            }
        }
        "LPAD" | "RPAD" => {
            pad(&t(0), int(&a[1]), &t(2), name == "LPAD").map_or(Value::Null, Value::Text)
        }
        "LOCATE" | "INSTR" => {
            let (needle, hay) = if name == "LOCATE" {
                (t(0), t(1))
            } else {
                (t(1), t(0))
            };
            let start = if name == "LOCATE" {
                a.get(2).map_or(1, int)
            } else {
                1
            };
            if start < 1 {
                return Ok(Value::Int(0));
            }
            let fold = |s: &str| s.to_lowercase();
            let hay_chars: Vec<char> = hay.chars().collect();
            let skip = (start - 1) as usize;
            if skip > hay_chars.len() {
                return Ok(Value::Int(0));
            }
            let rest: String = hay_chars[skip..].iter().collect();
            let binary = matches!(a[0], Value::Bytes(_)) || matches!(a[1], Value::Bytes(_));
            let found = if binary {
                rest.find(&needle)
            } else {
                fold(&rest).find(&fold(&needle))
            };
            match found {
                Some(byte) => {
                    let src = if binary { rest.clone() } else { fold(&rest) };
                    Value::Int(src[..byte].chars().count() as i64 + start)
                }
                None => Value::Int(0),
            }
        }
        "GREATEST" | "LEAST" => {
            let mut best = a[0].clone();
            for v in &a[1..] {
                let o = compare(v, &best, coll).unwrap_or(std::cmp::Ordering::Equal);
                if (name == "GREATEST" && o.is_gt()) || (name == "LEAST" && o.is_lt()) {
                    best = v.clone();
                }
            }
            best
        }
        "ABS" => match &a[0] {
            Value::Int(i) => Value::Int(
                i.checked_abs()
                    .ok_or_else(|| SqlError::new(1690, "BIGINT value is out of range".into()))?,
            ),
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::Decimal(Decimal { m: d.m.abs(), ..*d }),
            other => Value::Double(other.as_f64().abs()),
        },
        "SIGN" => Value::Int(match compare(&a[0], &Value::Int(0), None) {
            Some(std::cmp::Ordering::Greater) => 1,
            Some(std::cmp::Ordering::Less) => -1,
            _ => 0,
        }),
        "CEILING" | "FLOOR" => match &a[0] {
            Value::Int(_) | Value::UInt(_) => a[0].clone(),
            Value::Decimal(d) => {
                let r = d.floor_ceil(name == "CEILING");
                i64::try_from(r).map_or(Value::Decimal(Decimal { m: r, scale: 0 }), Value::Int)
            }
            other => {
                let x = other.as_f64();
                Value::Double(if name == "CEILING" {
                    x.ceil()
                } else {
                    x.floor()
                })
            }
        },
        "ROUND" => round_value(&a[0], a.get(1).map_or(0, int), false),
        "TRUNCATE" => round_value(&a[0], int(&a[1]), true),
        "MOD" => super::eval::arith(super::bind::Arith::Mod, &a[0], &a[1])?,
        "POWER" => Value::Double(a[0].as_f64().powf(a[1].as_f64())),
        "SQRT" => {
            let x = a[0].as_f64();
            if x < 0.0 {
                Value::Null
            } else {
                Value::Double(x.sqrt())
            }
        }
        "DATE" => datetime(&a[0]).map_or(Value::Null, |t| Value::Temporal(t.as_kind(Kind::Date))),
        "TIME" => match &a[0] {
            Value::Temporal(t) => Value::Temporal(t.as_kind(Kind::Time)),
            other => {
                Temporal::parse_time_context(&t_of(other)).map_or(Value::Null, Value::Temporal)
            }
        },
        "DATE_FORMAT" | "TIME_FORMAT" => {
            let tv = match &a[0] {
                Value::Temporal(x) => Some(*x),
                other => {
                    let s = t_of(other);
                    Temporal::parse_datetime(&s).or_else(|| Temporal::parse_time(&s))
                }
            };
            tv.map_or(Value::Null, |x| Value::Text(x.format(&t(1))))
        }
        "STR_TO_DATE" => str_to_date(&t(0), &t(1)).map_or(Value::Null, Value::Temporal),
        "DATE_ADD" | "DATE_SUB" => {
            let unit = t(2);
            if !UNITS.contains(&unit.as_str()) {
                return Err(unsupported(&format!("INTERVAL unit {unit}")));
            }
            let Some((mut months, mut us)) = interval(&a[1], &unit) else {
                return Ok(Value::Null);
            };
            if name == "DATE_SUB" {
                months = -months;
                us = -us;
            }
            let base = match &a[0] {
                Value::Temporal(x) => Some(*x),
                other => temporal(other),
            };
            // Microseconds in the interval give the result six fractional digits; a
            // fractional SECOND interval, its own scale (mysqld's result type).
            let interval_fsp = match (unit.as_str(), &a[1]) {
                ("MICROSECOND", _) => 6,
                ("SECOND", Value::Decimal(d)) => d.scale.min(6),
                ("SECOND", Value::Double(_) | Value::Float(_) | Value::Text(_)) => 6,
                _ => 0,
            };
            match base {
                Some(mut x) => {
                    if x.kind == Kind::Date && us % 86_400_000_000 != 0 {
                        x = x.as_kind(Kind::DateTime);
                    }
                    x.fsp = x.fsp.max(interval_fsp);
                    match x.add(months, us) {
                        Some(r)
                            if r.kind == Kind::Time && r.time_micros().abs() > TIME_MAX_MICROS =>
                        {
                            Value::Null
                        }
                        Some(r) => Value::Temporal(r),
                        None => Value::Null,
                    }
                }
                None => Value::Null,
            }
        }
        "DATEDIFF" => match (datetime(&a[0]), datetime(&a[1])) {
            (Some(x), Some(y)) if !x.is_zero_date() && !y.is_zero_date() => {
                Value::Int(x.days() - y.days())
            }
            _ => Value::Null,
        },
        "TIMESTAMPDIFF" => {
            let unit = t(0);
            match (datetime(&a[1]), datetime(&a[2])) {
                (Some(x), Some(y)) if !x.is_zero_date() && !y.is_zero_date() => {
                    let dus = y.epoch_micros() - x.epoch_micros();
                    let months = || {
                        let m = (y.year as i64 * 12 + y.month as i64)
                            - (x.year as i64 * 12 + x.month as i64);
                        // A month counts only once its day and time are reached.
                        let later = |a: &Temporal, b: &Temporal| {
                            (a.day, a.time_micros()) > (b.day, b.time_micros())
                        };
                        if m > 0 && later(&x, &y) {
                            m - 1
                        } else if m < 0 && later(&y, &x) {
                            m + 1
                        } else {
                            m
                        }
                    };
                    Value::Int(match unit.as_str() {
                        "MICROSECOND" => dus,
                        "SECOND" => dus / 1_000_000,
                        "MINUTE" => dus / 60_000_000,
                        "HOUR" => dus / 3_600_000_000,
                        "DAY" => dus / 86_400_000_000,
                        "WEEK" => dus / (7 * 86_400_000_000),
                        "MONTH" => months(),
                        "QUARTER" => months() / 3,
                        "YEAR" => months() / 12,
                        _ => return Err(unsupported(&format!("TIMESTAMPDIFF unit {unit}"))),
                    })
                }
                _ => Value::Null,
            }
        }
        "UNIX_TIMESTAMP" => {
            // The result's scale is the argument's fractional precision (mysqld's type):
            // a column's fsp, a number's scale, 6 for other strings (string literals were
            // made temporal literals when bound).
            let scale = match &a[0] {
                Value::Temporal(t) => t.fsp.min(6),
                Value::Decimal(d) => d.scale.min(6),
                Value::Int(_) | Value::UInt(_) => 0,
                _ => 6,
            };
            let (secs, micro) = match datetime(&a[0]) {
                Some(x) if !x.is_zero_date() => {
                    let local = x.epoch_micros().div_euclid(1_000_000);
                    let secs = local - crate::sql::temporal::local_offset(local);
                    if secs < 0 {
                        (0, 0)
                    } else {
                        (secs, x.micro)
                    }
                }
                _ => (0, 0),
            };
            if scale == 0 {
                Value::Int(secs)
            } else {
                let frac = micro as i128 / 10i128.pow(6 - scale as u32);
                Value::Decimal(Decimal {
                    m: crate::sql::decimal::I256::new(
                        secs as i128 * 10i128.pow(scale as u32) + frac,
                    ),
                    scale,
                })
            }
        }
        "FROM_UNIXTIME" => {
            // The result keeps the argument's scale (at most 6): exact for exact numbers.
            let (s, micro, fsp) = match a[0].numeric().as_ref() {
                Value::Int(i) => (*i, 0, 0),
                Value::UInt(u) => (i64::try_from(*u).unwrap_or(i64::MAX), 0, 0),
                Value::Decimal(d) => {
                    let fsp = d.scale.min(6);
                    // Digits past the sixth are cut, as mysqld does, not rounded.
                    let us = d
                        .truncate(6)
                        .rescale(6)
                        .map_or(i128::MAX, |x| crate::sql::decimal::saturate_i128(x.m));
                    let us = i64::try_from(us).unwrap_or(i64::MAX);
                    let p = 10i64.pow(6 - fsp as u32);
                    (
                        us.div_euclid(1_000_000),
                        us.rem_euclid(1_000_000) / p * p,
                        fsp,
                    )
                }
                other => {
                    let secs = other.as_f64();
                    if !secs.is_finite() {
                        return Ok(Value::Null);
                    }
                    let micro = ((secs - secs.floor()) * 1e6).round() as i64;
                    (secs.floor() as i64, micro.min(999_999), 6)
                }
            };
            // mysqld's range for FROM_UNIXTIME, fraction included.
            const MAX: i64 = 32_536_771_199;
            if !(0..=MAX).contains(&s) || (s == MAX && micro > 0) {
                return Ok(Value::Null);
            }
            let tv = Temporal::from_epoch_micros(
                (s + crate::sql::temporal::local_offset(s)) * 1_000_000 + micro,
                Kind::DateTime,
                fsp,
            );
            match a.get(1) {
                Some(f) => Value::Text(tv.format(&text(f).unwrap_or_default())),
                None => Value::Temporal(tv),
            }
        }
        "YEAR" => date_part(&a[0], |x| x.year as i64),
        "MONTH" => date_part(&a[0], |x| x.month as i64),
        "DAY" => date_part(&a[0], |x| x.day as i64),
        "HOUR" => date_part(&a[0], |x| x.hour as i64),
        "MINUTE" => date_part(&a[0], |x| x.minute as i64),
        "SECOND" => date_part(&a[0], |x| x.second as i64),
        "DAYOFWEEK" => date_part(&a[0], |x| (x.days() + 4).rem_euclid(7) + 1),
        "WEEKDAY" => date_part(&a[0], |x| (x.days() + 3).rem_euclid(7)),
        "DAYOFYEAR" => date_part(&a[0], |x| {
            x.days() - crate::calendar::days_from_civil(x.year as i64, 1, 1) + 1
        }),
        "LAST_DAY" => match datetime(&a[0]) {
            Some(x) if !x.is_zero_date() => {
                let mut d = x.as_kind(Kind::Date);
                d.day = crate::sql::temporal::days_in_month(d.year, d.month);
                Value::Temporal(d)
            }
            _ => Value::Null,
        },
        "EXTRACT" => {
            let unit = t(0);
            let f: fn(&Temporal) -> i64 = match unit.as_str() {
                "YEAR" => |x| x.year as i64,
                "MONTH" => |x| x.month as i64,
                "DAY" => |x| x.day as i64,
                "HOUR" => |x| x.hour as i64,
                "MINUTE" => |x| x.minute as i64,
                "SECOND" => |x| x.second as i64,
                "MICROSECOND" => |x| x.micro as i64,
                _ => return Err(unsupported(&format!("EXTRACT({unit})"))),
            };
            // EXTRACT keeps a negative TIME's sign (HOUR() and the like do not).
            let time_unit = matches!(unit.as_str(), "HOUR" | "MINUTE" | "SECOND" | "MICROSECOND");
            match (date_part(&a[1], f), &a[1]) {
                (Value::Int(n), Value::Temporal(t)) if t.neg && time_unit => Value::Int(-n),
                (v, _) => v,
            }
        }
        "HEX" => match &a[0] {
            Value::Bit(n, _) => Value::Text(format!("{n:X}")),
            Value::Int(_)
            | Value::UInt(_)
            | Value::Decimal(_)
            | Value::Double(_)
            | Value::Float(_) => {
                let v = a[0].as_i64().unwrap_or(0);
                Value::Text(format!("{:X}", v as u64))
            }
            other => Value::Text(hex(&other.render_bytes().unwrap_or_default())),
        },
        "UNHEX" => {
            let s = t(0);
            let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
            let mut out = Vec::with_capacity(s.len() / 2);
            for i in (0..s.len()).step_by(2) {
                match s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => out.push(b),
                    None => return Ok(Value::Null),
                }
            }
            Value::Bytes(out)
        }
        "MD5" => Value::Text(
            hex(&md5::Md5::digest(a[0].render_bytes().unwrap_or_default())).to_lowercase(),
        ),
        "SHA1" => {
            use sha1::Digest;
            Value::Text(
                hex(&sha1::Sha1::digest(a[0].render_bytes().unwrap_or_default())).to_lowercase(),
            )
        }
        "SHA2" => {
            use sha2::Digest;
            let data = a[0].render_bytes().unwrap_or_default();
            let h = match int(&a[1]) {
                0 | 256 => hex(&sha2::Sha256::digest(&data)),
                224 => hex(&sha2::Sha224::digest(&data)),
                384 => hex(&sha2::Sha384::digest(&data)),
                512 => hex(&sha2::Sha512::digest(&data)),
                _ => return Ok(Value::Null),
            };
            Value::Text(h.to_lowercase())
        }
        "CRC32" => Value::UInt(crc32fast::hash(&a[0].render_bytes().unwrap_or_default()) as u64),
        "JSON_EXTRACT" => {
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(&t(0)) else {
                return Ok(Value::Null);
            };
            match json_path(&doc, &t(1)) {
                Some(v) => Value::Text(json_text(v)),
                None => Value::Null,
            }
        }
        "JSON_UNQUOTE" => {
            let s = t(0);
            match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(serde_json::Value::String(x)) if s.starts_with('"') => Value::Text(x),
                _ => Value::Text(s),
            }
        }
        "REVERSE" => Value::Text(t(0).chars().rev().collect()),
        "REPEAT" => {
            let (s, n) = (t(0), int(&a[1]).max(0) as u64);
            if (s.len() as u64).saturating_mul(n) > MAX_RESULT as u64 {
                Value::Null
            } else {
                Value::Text(s.repeat(n as usize))
            }
        }
        "SPACE" => {
            let n = int(&a[0]).max(0) as u64;
            if n > MAX_RESULT as u64 {
                Value::Null
            } else {
                Value::Text(" ".repeat(n as usize))
            }
        }
        "ASCII" => Value::Int(
            a[0].render_bytes()
                .and_then(|b| b.first().copied())
                .unwrap_or(0) as i64,
        ),
        "CHAR" => Value::Bytes(a.iter().map(|v| int(v) as u8).collect()),
        "FIND_IN_SET" => {
            // 1-based position of the string among the comma-separated ones, compared by
            // the collation; 0 when absent (or when it holds a comma itself).
            let needle = t(0);
            let list = t(1);
            let pos = if needle.contains(',') || list.is_empty() {
                None
            } else {
                list.split(',').position(|part| {
                    crate::sql::value::compare_text(needle.as_bytes(), part.as_bytes(), coll)
                        == std::cmp::Ordering::Equal
                })
            };
            Value::Int(pos.map_or(0, |p| p as i64 + 1))
        }
        "ST_ASTEXT" | "ST_ASWKT" | "ASTEXT" | "ASWKT" => {
            geometry(&a[0]).map_or(Value::Null, |(_, g)| Value::Text(geo::to_wkt(&g)))
        }
        "ST_ASGEOJSON" => {
            geometry(&a[0]).map_or(Value::Null, |(_, g)| Value::Text(geo::to_geojson(&g)))
        }
        "ST_GEOMFROMTEXT"
        | "ST_GEOMETRYFROMTEXT"
        | "GEOMFROMTEXT"
        | "ST_POINTFROMTEXT"
        | "ST_LINEFROMTEXT"
        | "ST_POLYFROMTEXT" => {
            let srid = a
                .get(1)
                .map_or(0, |v| int(v).clamp(0, u32::MAX as i64) as u32);
            let want = match name {
                "ST_POINTFROMTEXT" => Some("POINT"),
                "ST_LINEFROMTEXT" => Some("LINESTRING"),
                "ST_POLYFROMTEXT" => Some("POLYGON"),
                _ => None,
            };
            match geo::from_wkt(&t(0)) {
                Ok(g) if want.is_none_or(|w| geo::to_wkt(&g).starts_with(w)) => {
                    Value::Bytes(geo::to_stored(srid, &g))
                }
                _ => Value::Null,
            }
        }
        "POINT" => Value::Bytes(geo::to_stored(
            0,
            &geo::Geometry::Point(a[0].as_f64(), a[1].as_f64()),
        )),
        "ST_X" | "ST_Y" => match geometry(&a[0]) {
            Some((_, g)) => {
                let v = if name == "ST_X" {
                    geo::x(&g)
                } else {
                    geo::y(&g)
                };
                v.map_or(Value::Null, Value::Double)
            }
            None => Value::Null,
        },
        "ST_SRID" => geometry(&a[0]).map_or(Value::Null, |(srid, _)| Value::Int(srid as i64)),
        "ST_DISTANCE" => match (geometry(&a[0]), geometry(&a[1])) {
            (Some((_, g)), Some((_, h))) => {
                geo::distance(&g, &h).map_or(Value::Null, Value::Double)
            }
            _ => Value::Null,
        },
        "ST_CONTAINS" | "MBRCONTAINS" => match (geometry(&a[0]), geometry(&a[1])) {
            (Some((_, g)), Some((_, h))) => Value::Int(if name == "ST_CONTAINS" {
                geo::contains(&g, &h)
            } else {
                geo::mbr_contains(&g, &h)
            } as i64),
            _ => Value::Null,
        },
        "STRCMP" => Value::Int(match compare(&a[0], &a[1], coll) {
            Some(std::cmp::Ordering::Less) => -1,
            Some(std::cmp::Ordering::Greater) => 1,
            _ => 0,
        }),
        "QUOTE" => Value::Text(format!(
            "'{}'",
            t(0).replace('\\', "\\\\").replace('\'', "\\'")
        )),
        "CONV" => {
            if a.iter().any(|v| matches!(v, Value::Null)) {
                return Ok(Value::Null);
            }
            return Ok(conv(&t(0), int(&a[1]), int(&a[2])).map_or(Value::Null, Value::Text));
        }
        "BIN" => Value::Text(format!("{:b}", int(&a[0]) as u64)),
        "OCT" => Value::Text(format!("{:o}", int(&a[0]) as u64)),
        "&" => Value::UInt(int(&a[0]) as u64 & int(&a[1]) as u64),
        "|" => Value::UInt(int(&a[0]) as u64 | int(&a[1]) as u64),
        "^" => Value::UInt(int(&a[0]) as u64 ^ int(&a[1]) as u64),
        "~" => Value::UInt(!(int(&a[0]) as u64)),
        "FORMAT" => {
            let places = int(&a[1]).clamp(0, 30) as u8;
            let exact = matches!(a[0], Value::Int(_) | Value::UInt(_) | Value::Decimal(_));
            let d = exact
                .then(|| a[0].as_decimal().and_then(|d| d.rescale(places)))
                .flatten()
                .map(|d| d.render())
                .unwrap_or_else(|| format!("{:.*}", places as usize, a[0].as_f64()));
            let (sign, body) = d.strip_prefix('-').map_or(("", d.as_str()), |r| ("-", r));
            let (i, f) = body.split_once('.').unwrap_or((body, ""));
            let mut grouped = String::new();
            for (k, c) in i.chars().enumerate() {
                if k > 0 && (i.len() - k) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            Value::Text(if f.is_empty() {
                format!("{sign}{grouped}")
            } else {
                format!("{sign}{grouped}.{f}")
            })
        }
        other => return Err(unsupported(&format!("function {other}"))),
    })
}

fn t_of(v: &Value) -> String {
    v.as_text().map(|s| s.into_owned()).unwrap_or_default()
}

/// STR_TO_DATE for the common numeric formats (%Y %m %d %H %i %s %f %y %c %e %T %p %h).
fn str_to_date(s: &str, fmt: &str) -> Option<Temporal> {
    let mut t = Temporal::parse_datetime("0000-00-00")?;
    let mut has_time = false;
    let mut has_date = false;
    let b = s.as_bytes();
    let mut i = 0;
    let mut f = fmt.chars().peekable();
    let mut pm = None;
    let digits = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        s[start..*i].parse().ok()
    };
    while let Some(c) = f.next() {
        if c != '%' {
            if b.get(i) == Some(&(c as u8)) {
                i += 1;
                continue;
            }
            return None;
        }
        match f.next()? {
            'Y' => {
                t.year = digits(&mut i, 4)?;
                has_date = true;
            }
            'y' => {
                let y = digits(&mut i, 2)?;
                t.year = if y < 70 { 2000 + y } else { 1900 + y };
                has_date = true;
            }
            'm' | 'c' => {
                t.month = digits(&mut i, 2)?;
                has_date = true;
            }
            'd' | 'e' => {
                t.day = digits(&mut i, 2)?;
                has_date = true;
            }
            'H' | 'k' | 'h' | 'I' | 'l' => {
                t.hour = digits(&mut i, 2)?;
                has_time = true;
            }
            'i' => {
                t.minute = digits(&mut i, 2)?;
                has_time = true;
            }
            's' | 'S' => {
                t.second = digits(&mut i, 2)?;
                has_time = true;
            }
            'f' => {
                let start = i;
                let v = digits(&mut i, 6)?;
                t.micro = v * 10u32.pow(6 - (i - start) as u32);
                t.fsp = 6;
                has_time = true;
            }
            'p' => {
                let w = s.get(i..i + 2)?.to_ascii_uppercase();
                if !s.is_char_boundary(i + 2) {
                    return None;
                }
                pm = Some(w == "PM");
                i += 2;
            }
            'T' => {
                let sep =
                    |i: &mut usize| -> Option<()> { (b.get(*i) == Some(&b':')).then(|| *i += 1) };
                t.hour = digits(&mut i, 2)?;
                sep(&mut i)?;
                t.minute = digits(&mut i, 2)?;
                sep(&mut i)?;
                t.second = digits(&mut i, 2)?;
                has_time = true;
            }
            '%' => {
                if b.get(i) != Some(&b'%') {
                    return None;
                }
                i += 1;
            }
            _ => return None,
        }
    }
    if let Some(pm) = pm {
        t.hour = t.hour % 12 + if pm { 12 } else { 0 };
    }
    if t.month > 12 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 59 {
        return None;
    }
    t.kind = match (has_date, has_time) {
        (_, true) if has_date => Kind::DateTime,
        (false, true) => Kind::Time,
        _ => Kind::Date,
    };
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::conv;

    #[test]
    fn conv_as_mysqld() {
        // The examples of mysqld's manual.
        assert_eq!(conv("a", 16, 2).as_deref(), Some("1010"));
        assert_eq!(conv("6E", 18, 8).as_deref(), Some("172"));
        assert_eq!(conv("-17", 10, -18).as_deref(), Some("-H"));
        assert_eq!(conv("40", 10, 10).as_deref(), Some("40"));
        // A prefix of valid digits; saturation; a negative number unsigned.
        assert_eq!(conv("10+10", 10, 10).as_deref(), Some("10"));
        assert_eq!(conv("z", 10, 16).as_deref(), Some("0"));
        assert_eq!(
            conv("99999999999999999999", 10, 10).as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(conv("-1", 10, 16).as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(conv("1", 1, 16), None);
        assert_eq!(conv("1", 10, 37), None);
    }
}
