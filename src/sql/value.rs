//! SQL values as expressions produce them, rendered as mysqld's text protocol renders them.

/// A value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A signed integer (BIGINT).
    Int(i64),
    /// An unsigned integer (BIGINT UNSIGNED).
    UInt(u64),
    /// A DOUBLE.
    Double(f64),
    /// A character string (utf8mb4).
    Text(String),
}

impl Value {
    /// The text-protocol rendering; `None` for NULL.
    pub fn render(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(i.to_string()),
            Value::UInt(u) => Some(u.to_string()),
            Value::Double(d) => Some(render_double(*d)),
            Value::Text(s) => Some(s.clone()),
        }
    }

    /// MySQL truth: NULL is unknown (`None`), numbers by value, strings by their numeric
    /// prefix.
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i != 0),
            Value::UInt(u) => Some(*u != 0),
            Value::Double(d) => Some(*d != 0.0),
            Value::Text(s) => Some(numeric_prefix(s) != 0.0),
        }
    }

    /// The value as a signed integer, as mysqld converts in integer context.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i),
            Value::UInt(u) => Some(*u as i64),
            Value::Double(d) => Some(d.round() as i64),
            Value::Text(s) => Some(numeric_prefix(s).round() as i64),
        }
    }
}

/// The leading number of a string, as mysqld reads '12abc' (12) or 'abc' (0).
pub fn numeric_prefix(s: &str) -> f64 {
    let t = s.trim_start();
    let mut end = 0;
    let b = t.as_bytes();
    if end < b.len() && (b[end] == b'-' || b[end] == b'+') {
        end += 1;
    }
    while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.') {
        end += 1;
    }
    t[..end].parse().unwrap_or(0.0)
}

/// DOUBLE as mysqld prints it: shortest round-trip digits, exponent form beyond 1e15.
fn render_double(d: f64) -> String {
    if d == d.trunc() && d.abs() < 1e15 {
        format!("{}", d as i64)
    } else if d.abs() >= 1e15 || (d != 0.0 && d.abs() < 1e-4) {
        let s = format!("{d:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e{e}"),
            _ => s,
        }
    } else {
        format!("{d}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_and_truth() {
        assert_eq!(Value::Int(-3).render().as_deref(), Some("-3"));
        assert_eq!(Value::Double(2.5).render().as_deref(), Some("2.5"));
        assert_eq!(Value::Double(3.0).render().as_deref(), Some("3"));
        assert_eq!(Value::Null.render(), None);
        assert_eq!(Value::Text("12abc".into()).as_i64(), Some(12));
        assert_eq!(Value::Text("abc".into()).truth(), Some(false));
        assert_eq!(Value::Null.truth(), None);
    }
}
