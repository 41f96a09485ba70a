//! String functions: building, cutting, searching, case, hashing, JSON text.

use md5::Digest as _;

use super::{first, hex, int, strict, t, text, Func, Ret, MANY, MAX_RESULT};
use super::{nulls, Value};
use crate::sql::value::compare;

/// The bytes of `v` as mysqld hashes and measures them: text in its collation's
/// character set (a latin1 column's `é` is one byte), anything else as it renders.
fn charset_bytes(v: &Value, coll: crate::sql::engine::plan::Coll) -> Vec<u8> {
    if let (Value::Text(s), Some(c)) = (v, coll) {
        if !matches!(c.charset, "utf8mb4" | "utf8mb3" | "utf8" | "binary") {
            if let Some(b) = crate::store::charset::encode(s, c.charset) {
                return b;
            }
        }
    }
    v.render_bytes().unwrap_or_default()
}

pub(super) const FUNCS: &[Func] = &[
    strict("CONCAT", 1, MANY, Ret::Args, |a, _| {
        Ok(if a.iter().any(|v| matches!(v, Value::Bytes(_))) {
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
        })
    }),
    // NULL separator: NULL; NULL parts are skipped.
    nulls("CONCAT_WS", 2, MANY, Ret::Text, |a, _| {
        let Some(sep) = a.first().and_then(text) else {
            return Ok(Value::Null);
        };
        let parts: Vec<String> = a[1..].iter().filter_map(text).collect();
        Ok(Value::Text(parts.join(&sep)))
    }),
    strict("SUBSTRING", 2, 3, Ret::Text, |a, _| {
        let s: Vec<char> = t(&a, 0).chars().collect();
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
        Ok(Value::Text(
            s[start as usize..].iter().take(len as usize).collect(),
        ))
    }),
    strict("LEFT", 2, 2, Ret::Text, |a, _| {
        Ok(Value::Text(
            t(&a, 0).chars().take(int(&a[1]).max(0) as usize).collect(),
        ))
    }),
    strict("RIGHT", 2, 2, Ret::Text, |a, _| {
        let s: Vec<char> = t(&a, 0).chars().collect();
        let n = (int(&a[1]).max(0) as usize).min(s.len());
        Ok(Value::Text(s[s.len() - n..].iter().collect()))
    }),
    strict("LENGTH", 1, 1, Ret::Int, |a, coll| {
        Ok(Value::Int(charset_bytes(&a[0], coll).len() as i64))
    }),
    strict("CHAR_LENGTH", 1, 1, Ret::Int, |a, _| {
        Ok(Value::Int(t(&a, 0).chars().count() as i64))
    }),
    strict("LOWER", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(t(&a, 0).to_lowercase()))
    }),
    strict("UPPER", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(
            t(&a, 0)
                .chars()
                .map(|c| {
                    // mysqld maps each character to one character (ß stays ß).
                    let mut u = c.to_uppercase();
                    match (u.next(), u.next()) {
                        (Some(x), None) => x,
                        _ => c,
                    }
                })
                .collect(),
        ))
    }),
    strict("TRIM", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(t(&a, 0).trim_matches(' ').to_string()))
    }),
    strict("LTRIM", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(t(&a, 0).trim_start_matches(' ').to_string()))
    }),
    strict("RTRIM", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(t(&a, 0).trim_end_matches(' ').to_string()))
    }),
    // TRIM([BOTH | LEADING | TRAILING] what FROM s), bound as (s, what).
    strict("TRIM_STR", 2, 2, Ret::Text, |a, _| {
        Ok(Value::Text(trim_str(t(&a, 0), &t(&a, 1), true, true)))
    }),
    strict("LTRIM_STR", 2, 2, Ret::Text, |a, _| {
        Ok(Value::Text(trim_str(t(&a, 0), &t(&a, 1), true, false)))
    }),
    strict("RTRIM_STR", 2, 2, Ret::Text, |a, _| {
        Ok(Value::Text(trim_str(t(&a, 0), &t(&a, 1), false, true)))
    }),
    strict("REPLACE", 3, 3, Ret::Text, |a, _| {
        let (s, from, to) = (t(&a, 0), t(&a, 1), t(&a, 2));
        Ok(if from.is_empty() {
            Value::Text(s)
        } else if to.len() > from.len()
            && s.len() + s.matches(&from).count() * (to.len() - from.len()) > MAX_RESULT
        {
            Value::Null
        } else {
            Value::Text(s.replace(&from, &to))
        })
    }),
    strict("LPAD", 3, 3, Ret::Text, |a, _| {
        Ok(pad(&t(&a, 0), int(&a[1]), &t(&a, 2), true).map_or(Value::Null, Value::Text))
    }),
    strict("RPAD", 3, 3, Ret::Text, |a, _| {
        Ok(pad(&t(&a, 0), int(&a[1]), &t(&a, 2), false).map_or(Value::Null, Value::Text))
    }),
    // LOCATE(needle, haystack [, start]).
    strict("LOCATE", 2, 3, Ret::Int, |a, _| {
        let start = a.get(2).map_or(1, int);
        let binary = is_bytes(&a[0]) || is_bytes(&a[1]);
        Ok(Value::Int(locate(&t(&a, 0), &t(&a, 1), start, binary)))
    }),
    // INSTR(haystack, needle).
    strict("INSTR", 2, 2, Ret::Int, |a, _| {
        let binary = is_bytes(&a[0]) || is_bytes(&a[1]);
        Ok(Value::Int(locate(&t(&a, 1), &t(&a, 0), 1, binary)))
    }),
    strict("REVERSE", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(t(&a, 0).chars().rev().collect()))
    }),
    strict("REPEAT", 2, 2, Ret::Text, |a, _| {
        let (s, n) = (t(&a, 0), int(&a[1]).max(0) as u64);
        Ok(if (s.len() as u64).saturating_mul(n) > MAX_RESULT as u64 {
            Value::Null
        } else {
            Value::Text(s.repeat(n as usize))
        })
    }),
    strict("SPACE", 1, 1, Ret::Text, |a, _| {
        let n = int(&a[0]).max(0) as u64;
        Ok(if n > MAX_RESULT as u64 {
            Value::Null
        } else {
            Value::Text(" ".repeat(n as usize))
        })
    }),
    strict("ASCII", 1, 1, Ret::Int, |a, _| {
        Ok(Value::Int(
            a[0].render_bytes()
                .and_then(|b| b.first().copied())
                .unwrap_or(0) as i64,
        ))
    }),
    strict("CHAR", 1, MANY, Ret::Bytes, |a, _| {
        Ok(Value::Bytes(a.iter().map(|v| int(v) as u8).collect()))
    }),
    // 1-based position of the string among the comma-separated ones, compared by the
    // collation; 0 when absent (or when it holds a comma itself).
    strict("FIND_IN_SET", 2, 2, Ret::Int, |a, coll| {
        let (needle, list) = (t(&a, 0), t(&a, 1));
        let pos = if needle.contains(',') || list.is_empty() {
            None
        } else {
            list.split(',').position(|part| {
                crate::sql::value::compare_text(needle.as_bytes(), part.as_bytes(), coll)
                    == std::cmp::Ordering::Equal
            })
        };
        Ok(Value::Int(pos.map_or(0, |p| p as i64 + 1)))
    }),
    strict("STRCMP", 2, 2, Ret::Int, |a, coll| {
        Ok(Value::Int(match compare(&a[0], &a[1], coll) {
            Some(std::cmp::Ordering::Less) => -1,
            Some(std::cmp::Ordering::Greater) => 1,
            _ => 0,
        }))
    }),
    strict("QUOTE", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(format!(
            "'{}'",
            t(&a, 0).replace('\\', "\\\\").replace('\'', "\\'")
        )))
    }),
    // `expr COLLATE name`: the value as is; the binder gave the call its collation.
    nulls("COLLATE", 1, 1, Ret::Args, |a, _| Ok(first(a))),
    nulls("CONVERT_USING", 1, 1, Ret::Args, |a, _| Ok(first(a))),
    strict("HEX", 1, 1, Ret::Text, |a, coll| {
        Ok(match &a[0] {
            Value::Bit(n, _) => Value::Text(format!("{n:X}")),
            Value::Int(_)
            | Value::UInt(_)
            | Value::Decimal(_)
            | Value::Double(_)
            | Value::Float(_) => {
                let v = a[0].as_i64().unwrap_or(0);
                Value::Text(format!("{:X}", v as u64))
            }
            other => Value::Text(hex(&charset_bytes(other, coll))),
        })
    }),
    strict("UNHEX", 1, 1, Ret::Bytes, |a, _| {
        let s = t(&a, 0);
        let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
        let mut out = Vec::with_capacity(s.len() / 2);
        for i in (0..s.len()).step_by(2) {
            match s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => out.push(b),
                None => return Ok(Value::Null),
            }
        }
        Ok(Value::Bytes(out))
    }),
    strict("MD5", 1, 1, Ret::Text, |a, coll| {
        Ok(Value::Text(
            hex(&md5::Md5::digest(charset_bytes(&a[0], coll))).to_lowercase(),
        ))
    }),
    strict("SHA1", 1, 1, Ret::Text, |a, coll| {
        use sha1::Digest;
        Ok(Value::Text(
            hex(&sha1::Sha1::digest(charset_bytes(&a[0], coll))).to_lowercase(),
        ))
    }),
    strict("SHA2", 2, 2, Ret::Text, |a, coll| {
        use sha2::Digest;
        let data = charset_bytes(&a[0], coll);
        let h = match int(&a[1]) {
            0 | 256 => hex(&sha2::Sha256::digest(&data)),
            224 => hex(&sha2::Sha224::digest(&data)),
            384 => hex(&sha2::Sha384::digest(&data)),
            512 => hex(&sha2::Sha512::digest(&data)),
            _ => return Ok(Value::Null),
        };
        Ok(Value::Text(h.to_lowercase()))
    }),
    strict("CRC32", 1, 1, Ret::UInt, |a, coll| {
        Ok(Value::UInt(
            crc32fast::hash(&charset_bytes(&a[0], coll)) as u64
        ))
    }),
    strict("JSON_EXTRACT", 2, 2, Ret::Text, |a, _| {
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&t(&a, 0)) else {
            return Ok(Value::Null);
        };
        Ok(match json_path(&doc, &t(&a, 1)) {
            Some(v) => Value::Text(json_text(v)),
            None => Value::Null,
        })
    }),
    strict("JSON_UNQUOTE", 1, 1, Ret::Text, |a, _| {
        let s = t(&a, 0);
        Ok(match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(serde_json::Value::String(x)) if s.starts_with('"') => Value::Text(x),
            _ => Value::Text(s),
        })
    }),
];

fn is_bytes(v: &Value) -> bool {
    matches!(v, Value::Bytes(_))
}

/// `s` without the repeats of `what` at its start (`leading`) and end (`trailing`).
fn trim_str(mut s: String, what: &str, leading: bool, trailing: bool) -> String {
    if what.is_empty() {
        return s;
    }
    if leading {
        while let Some(r) = s.strip_prefix(what) {
            s = r.to_string();
        }
    }
    if trailing {
        while let Some(r) = s.strip_suffix(what) {
            s = r.to_string();
        }
    }
    s
}

/// The 1-based character position of `needle` in `hay` from character `start`, 0 when
/// absent; case-insensitive unless `binary`.
fn locate(needle: &str, hay: &str, start: i64, binary: bool) -> i64 {
    if start < 1 {
        return 0;
    }
    let fold = |s: &str| s.to_lowercase();
    let hay_chars: Vec<char> = hay.chars().collect();
    let skip = (start - 1) as usize;
    if skip > hay_chars.len() {
        return 0;
    }
    let rest: String = hay_chars[skip..].iter().collect();
    let found = if binary {
        rest.find(needle)
    } else {
        fold(&rest).find(&fold(needle))
    };
    match found {
        Some(byte) => {
            let src = if binary { rest.clone() } else { fold(&rest) };
            src[..byte].chars().count() as i64 + start
        }
        None => 0,
    }
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
