//! SQL values as expressions produce them, rendered as mysqld's text protocol renders them,
//! compared and converted by mysqld's rules.

use std::cmp::Ordering;

use super::decimal::Decimal;
use super::temporal::{Kind, Temporal};
use crate::binlog::numfmt::{my_gcvt, my_gcvt_f32, GCVT_FIELD_WIDTH};
use crate::store::collation::{self, Collation};

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
    /// A FLOAT column's value (renders with FLOAT's precision).
    Float(f32),
    /// An exact DECIMAL.
    Decimal(Decimal),
    /// A character string (utf8mb4).
    Text(String),
    /// A binary string (BINARY, VARBINARY, BLOB, BIT, binary casts).
    Bytes(Vec<u8>),
    /// DATE, DATETIME, TIMESTAMP or TIME.
    Temporal(Temporal),
    /// An ENUM or SET column's value, which mysqld reads both ways: its text (the label,
    /// the labels joined by commas) in string context, its number (the ENUM index from 1,
    /// the SET bitmask) in numeric context and in ORDER BY.
    Labeled(u64, String),
    /// A BIT(n) column's value: an unsigned number wherever it is computed with or
    /// compared, its `bytes` big-endian bytes when sent as it is.
    Bit(u64, u8),
}

/// utf8mb4_general_ci: the connection collation string literals compare by.
pub fn default_collation() -> &'static Collation {
    collation::by_id(45).expect("utf8mb4_general_ci is known")
}

/// The collation to compare engine text by: values are UTF-8 whatever the column's
/// character set, so a single-byte collation compares as its utf8mb4 counterpart
/// (case-insensitive or binary alike).
pub fn text_collation(c: Option<&'static Collation>) -> &'static Collation {
    let c = c.unwrap_or_else(default_collation);
    if c.mbmaxlen > 1 || c.compare == collation::Compare::Bytes || c.charset == "latin1" {
        return c;
    }
    match c.compare {
        collation::Compare::Bin => collation::by_name("utf8mb4_bin").unwrap_or(c),
        _ => default_collation(),
    }
}

impl Value {
    /// The text-protocol rendering; `None` for NULL (binary strings lossily as UTF-8: use
    /// [`Value::render_bytes`] for the wire).
    pub fn render(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(i.to_string()),
            Value::UInt(u) => Some(u.to_string()),
            Value::Double(d) => Some(render_double(*d)),
            Value::Float(f) => Some(
                String::from_utf8_lossy(my_gcvt_f32(*f, GCVT_FIELD_WIDTH).as_bytes()).into_owned(),
            ),
            Value::Decimal(d) => Some(d.render()),
            Value::Text(s) => Some(s.clone()),
            Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Value::Temporal(t) => Some(t.render()),
            Value::Labeled(_, s) => Some(s.clone()),
            Value::Bit(..) => Some(String::from_utf8_lossy(&self.bit_bytes()).into_owned()),
        }
    }

    /// A BIT value's big-endian bytes (its column's width); empty for other values.
    pub fn bit_bytes(&self) -> Vec<u8> {
        match self {
            Value::Bit(n, width) => {
                let w = (*width).clamp(1, 8) as usize;
                n.to_be_bytes()[8 - w..].to_vec()
            }
            _ => Vec::new(),
        }
    }

    /// The text-protocol bytes; `None` for NULL.
    pub fn render_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Bytes(b) => Some(b.clone()),
            Value::Text(s) | Value::Labeled(_, s) => Some(s.as_bytes().to_vec()),
            Value::Bit(..) => Some(self.bit_bytes()),
            other => other.render().map(String::into_bytes),
        }
    }

    /// The text-protocol bytes without copying strings; `None` for NULL.
    pub fn text_bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            Value::Bytes(b) => Some(std::borrow::Cow::Borrowed(b)),
            Value::Text(s) | Value::Labeled(_, s) => Some(std::borrow::Cow::Borrowed(s.as_bytes())),
            Value::Bit(..) => Some(std::borrow::Cow::Owned(self.bit_bytes())),
            other => other
                .render()
                .map(|s| std::borrow::Cow::Owned(s.into_bytes())),
        }
    }

    /// MySQL truth: NULL is unknown (`None`), numbers by value, strings by their numeric
    /// prefix.
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i != 0),
            Value::UInt(u) => Some(*u != 0),
            Value::Decimal(d) => Some(d.m != 0),
            other => Some(other.as_f64() != 0.0),
        }
    }

    /// The value as a signed integer, as mysqld converts in integer context.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i),
            Value::UInt(u) | Value::Labeled(u, _) | Value::Bit(u, _) => Some(*u as i64),
            Value::Decimal(d) => Some(
                d.to_i128_rounded()
                    .clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            ),
            other => Some(other.as_f64().round() as i64),
        }
    }

    /// The value as a double (NULL as 0).
    pub fn as_f64(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Int(i) => *i as f64,
            Value::UInt(u) => *u as f64,
            Value::Double(d) => *d,
            Value::Float(f) => *f as f64,
            Value::Decimal(d) => d.to_f64(),
            Value::Text(s) => numeric_prefix(s),
            Value::Bytes(b) => numeric_prefix(&String::from_utf8_lossy(b)),
            Value::Temporal(t) => t.as_number(),
            Value::Labeled(n, _) | Value::Bit(n, _) => *n as f64,
        }
    }

    /// The value as an exact decimal when it is a number (strings by their numeric prefix);
    /// `None` for NULL or a double that has no exact form.
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(Decimal::from_i128(*i as i128)),
            Value::UInt(u) | Value::Labeled(u, _) | Value::Bit(u, _) => {
                Some(Decimal::from_i128(*u as i128))
            }
            Value::Decimal(d) => Some(*d),
            Value::Text(s) => {
                Decimal::parse(numeric_prefix_text(s)).or(Some(Decimal::from_i128(0)))
            }
            Value::Temporal(t) => {
                let (m, scale) = t.number_scaled();
                Some(Decimal {
                    m: crate::sql::decimal::I256::new(m),
                    scale,
                })
            }
            other => Decimal::parse(&format!("{:.6}", other.as_f64())),
        }
    }

    /// The value as the number it is in arithmetic: a temporal value exactly (an integer
    /// without fractional digits, else a DECIMAL of its fsp), an ENUM/SET by its number, a
    /// BIT as unsigned; other values as they are.
    pub fn numeric(&self) -> std::borrow::Cow<'_, Value> {
        match self {
            Value::Temporal(t) => {
                let (m, scale) = t.number_scaled();
                std::borrow::Cow::Owned(if scale == 0 {
                    Value::Int(m as i64)
                } else {
                    Value::Decimal(Decimal {
                        m: crate::sql::decimal::I256::new(m),
                        scale,
                    })
                })
            }
            // An ENUM index or SET mask computes as a signed integer, BIT as unsigned.
            Value::Labeled(n, _) => std::borrow::Cow::Owned(Value::Int(*n as i64)),
            Value::Bit(n, _) => std::borrow::Cow::Owned(Value::UInt(*n)),
            other => std::borrow::Cow::Borrowed(other),
        }
    }

    /// True for character strings and binary strings.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Text(_) | Value::Bytes(_) | Value::Labeled(..))
    }

    /// The string form (numbers rendered) for string functions; `None` for NULL.
    pub fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Null => None,
            Value::Text(s) | Value::Labeled(_, s) => Some(std::borrow::Cow::Borrowed(s)),
            Value::Bytes(b) => Some(String::from_utf8_lossy(b)),
            other => other.render().map(std::borrow::Cow::Owned),
        }
    }

    /// Appends a key such that values equal under `coll` (and mysqld's numeric equality)
    /// have equal keys: GROUP BY, DISTINCT, UNION, COUNT(DISTINCT).
    pub fn group_key(&self, coll: Option<&'static Collation>, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(0),
            Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Bit(..) => {
                let d = self.as_decimal().unwrap_or(Decimal::from_i128(0));
                // Trailing zeros do not make a different number.
                let mut d = d;
                while d.scale > 0 && d.m % 10 == crate::sql::decimal::I256::ZERO {
                    d.m /= 10;
                    d.scale -= 1;
                }
                out.push(1);
                out.extend_from_slice(&d.m.to_be_bytes());
                out.push(d.scale);
            }
            Value::Double(_) | Value::Float(_) => {
                let f = self.as_f64();
                if f.fract() == 0.0 && f.abs() < 1e30 {
                    out.push(1);
                    // As wide as a DECIMAL's mantissa: 2.0 and 2 share a key.
                    out.extend_from_slice(&crate::sql::decimal::I256::new(f as i128).to_be_bytes());
                    out.push(0);
                } else {
                    out.push(2);
                    out.extend_from_slice(&f.to_bits().to_be_bytes());
                }
            }
            Value::Text(s) | Value::Labeled(_, s) => {
                out.push(3);
                let start = out.len();
                text_collation(coll).weight_text(s.as_bytes(), out);
                let n = (out.len() - start) as u32;
                out.extend_from_slice(&n.to_be_bytes());
            }
            Value::Bytes(b) => {
                out.push(3);
                out.extend_from_slice(b);
                out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            }
            Value::Temporal(t) => {
                out.push(4);
                out.extend_from_slice(t.render().as_bytes());
                out.push(0);
            }
        }
    }
}

/// The leading number of a string, as mysqld reads '12abc' (12) or 'abc' (0).
pub fn numeric_prefix(s: &str) -> f64 {
    let t = numeric_prefix_text(s);
    t.parse().unwrap_or(0.0)
}

/// The text of the leading number of `s` (sign, digits, one point, exponent).
pub fn numeric_prefix_text(s: &str) -> &str {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut end = 0;
    if end < b.len() && (b[end] == b'-' || b[end] == b'+') {
        end += 1;
    }
    let mut seen_point = false;
    while end < b.len() && (b[end].is_ascii_digit() || (b[end] == b'.' && !seen_point)) {
        seen_point |= b[end] == b'.';
        end += 1;
    }
    if end < b.len() && (b[end] == b'e' || b[end] == b'E') {
        let mut e = end + 1;
        if e < b.len() && (b[e] == b'-' || b[e] == b'+') {
            e += 1;
        }
        if e < b.len() && b[e].is_ascii_digit() {
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            end = e;
        }
    }
    &t[..end]
}

/// DOUBLE as mysqld prints it.
pub fn render_double(d: f64) -> String {
    if d == 0.0 {
        return "0".into();
    }
    String::from_utf8_lossy(my_gcvt(d, GCVT_FIELD_WIDTH).as_bytes()).into_owned()
}

/// How two values compare, by mysqld's rules for the pair of types: strings by `coll`
/// (binary strings by bytes), temporal values as such (a string against a temporal value
/// is read as one), exact numbers exactly, anything else as doubles. `None` when either is
/// NULL.
pub fn compare(l: &Value, r: &Value, coll: Option<&'static Collation>) -> Option<Ordering> {
    use Value::*;
    Some(match (l, r) {
        (Null, _) | (_, Null) => return None,
        // BIT compares as an unsigned number, with a bit or hex literal's bytes as one.
        (Bit(n, _), other) => return compare(&UInt(*n), &bits_number(other), coll),
        (other, Bit(n, _)) => return compare(&bits_number(other), &UInt(*n), coll),
        // ENUM and SET: as their text against strings and each other, as their number
        // against numbers (mysqld: `e = 2` tests the index, `e = 'b'` the label).
        (Labeled(_, a), Labeled(_, b)) | (Labeled(_, a), Text(b)) | (Text(a), Labeled(_, b)) => {
            compare_text(a.as_bytes(), b.as_bytes(), coll)
        }
        (Labeled(_, a), Bytes(b)) => a.as_bytes().cmp(b.as_slice()),
        (Bytes(a), Labeled(_, b)) => a.as_slice().cmp(b.as_bytes()),
        (Labeled(_, a), t @ Temporal(_)) => return compare(&Text(a.clone()), t, coll),
        (t @ Temporal(_), Labeled(_, b)) => return compare(t, &Text(b.clone()), coll),
        (Labeled(n, _), other) => return compare(&Int(*n as i64), other, coll),
        (other, Labeled(n, _)) => return compare(other, &Int(*n as i64), coll),
        (Text(a), Text(b)) => compare_text(a.as_bytes(), b.as_bytes(), coll),
        (Bytes(a), Bytes(b)) => a.as_slice().cmp(b.as_slice()),
        (Bytes(a), Text(b)) => a.as_slice().cmp(b.as_bytes()),
        (Text(a), Bytes(b)) => a.as_bytes().cmp(b.as_slice()),
        (Int(a), Int(b)) => a.cmp(b),
        (UInt(a), UInt(b)) => a.cmp(b),
        (Int(a), UInt(b)) => (*a as i128).cmp(&(*b as i128)),
        (UInt(a), Int(b)) => (*a as i128).cmp(&(*b as i128)),
        (Temporal(a), Temporal(b)) => super::temporal::Temporal::compare(a, b),
        (Temporal(a), Text(s)) => match parse_like(a, s) {
            Some(b) => super::temporal::Temporal::compare(a, &b),
            None => compare_text(a.render().as_bytes(), s.as_bytes(), coll),
        },
        (Text(s), Temporal(b)) => match parse_like(b, s) {
            Some(a) => super::temporal::Temporal::compare(&a, b),
            None => compare_text(s.as_bytes(), b.render().as_bytes(), coll),
        },
        // A number against a date or time reads as one (20240115, 20240115103000).
        (Temporal(a), n @ (Int(_) | UInt(_) | Decimal(_) | Double(_))) => {
            match parse_like(a, &n.render().unwrap_or_default()) {
                Some(b) => super::temporal::Temporal::compare(a, &b),
                None => a.as_number().partial_cmp(&n.as_f64())?,
            }
        }
        (n @ (Int(_) | UInt(_) | Decimal(_) | Double(_)), Temporal(b)) => {
            match parse_like(b, &n.render().unwrap_or_default()) {
                Some(a) => super::temporal::Temporal::compare(&a, b),
                None => n.as_f64().partial_cmp(&b.as_number())?,
            }
        }
        // An integer against a string holding an integer: exactly, as mysqld converts the
        // constant to an integer (as doubles, 18446744073709551575 and ...578 are equal).
        (Int(_) | UInt(_), Text(t)) | (Text(t), Int(_) | UInt(_))
            if t.trim().parse::<i128>().is_ok() =>
        {
            let n = |v: &Value| match v {
                Int(i) => *i as i128,
                UInt(u) => *u as i128,
                Text(t) => t.trim().parse::<i128>().unwrap_or(0),
                _ => 0,
            };
            n(l).cmp(&n(r))
        }
        (Int(_) | UInt(_) | Decimal(_), Int(_) | UInt(_) | Decimal(_)) => {
            let (a, b) = (l.as_decimal()?, r.as_decimal()?);
            super::decimal::Decimal::cmp_value(&a, &b)
        }
        _ => l.as_f64().partial_cmp(&r.as_f64())?,
    })
}

/// A value compared with a BIT: a binary string (b'101', x'05') as its big-endian number.
fn bits_number(v: &Value) -> std::borrow::Cow<'_, Value> {
    match v {
        Value::Bytes(b) if b.len() <= 8 => std::borrow::Cow::Owned(Value::UInt(
            b.iter().fold(0u64, |n, &x| n << 8 | u64::from(x)),
        )),
        Value::Bit(n, _) => std::borrow::Cow::Owned(Value::UInt(*n)),
        other => std::borrow::Cow::Borrowed(other),
    }
}

fn parse_like(t: &Temporal, s: &str) -> Option<Temporal> {
    match t.kind {
        Kind::Time => Temporal::parse_time(s),
        _ => Temporal::parse_datetime(s),
    }
}

/// Compares strings under `coll` (utf8mb4_general_ci when `None`).
pub fn compare_text(a: &[u8], b: &[u8], coll: Option<&'static Collation>) -> Ordering {
    let c = text_collation(coll);
    if c.compare == collation::Compare::Bytes {
        return a.cmp(b);
    }
    if a == b {
        return Ordering::Equal;
    }
    if a.is_ascii() && b.is_ascii() {
        // Weights of ASCII text without building them: trailing spaces do not count
        // (PAD SPACE); case does not under _ci.
        let trim = |s: &[u8]| s.len() - s.iter().rev().take_while(|&&c| c == b' ').count();
        let (a, b) = (&a[..trim(a)], &b[..trim(b)]);
        if let Some(order) = c.latin1 {
            // No latin1 order expands an ASCII byte.
            let w = |x: &u8| order.first[*x as usize];
            return a.iter().map(w).cmp(b.iter().map(w));
        }
        return if c.compare == collation::Compare::CaseInsensitive {
            a.iter()
                .map(u8::to_ascii_uppercase)
                .cmp(b.iter().map(u8::to_ascii_uppercase))
        } else {
            a.cmp(b)
        };
    }
    if c.charset == "latin1" && !(c.represents_bytes(a) && c.represents_bytes(b)) {
        // A character latin1 lacks: mysqld compares in utf8mb4 (the column's value
        // converted), so weigh both by utf8mb4's counterpart of the collation.
        let wide = if c.compare == collation::Compare::CaseInsensitive {
            default_collation()
        } else {
            collation::by_name("utf8mb4_bin").unwrap_or(c)
        };
        return compare_text(a, b, Some(wide));
    }
    let (mut wa, mut wb) = (
        Vec::with_capacity(a.len() * 2),
        Vec::with_capacity(b.len() * 2),
    );
    c.weight_text(a, &mut wa);
    c.weight_text(b, &mut wb);
    wa.cmp(&wb)
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
        assert_eq!(numeric_prefix_text(" -1.5e3x"), "-1.5e3");
        assert_eq!(numeric_prefix_text("1.2.3"), "1.2");
    }

    #[test]
    fn comparisons_follow_types() {
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(compare(&t("abc"), &t("ABC"), None), Some(Ordering::Equal));
        assert_eq!(
            compare(&t("abc"), &t("ABC"), collation::by_name("utf8mb4_bin")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare(&Value::Int(10), &t("9"), None),
            Some(Ordering::Greater)
        );
        let d = Value::Decimal(Decimal::parse("1.50").unwrap());
        assert_eq!(
            compare(&d, &Value::Double(1.5), None),
            Some(Ordering::Equal)
        );
        let date = Value::Temporal(Temporal::parse_datetime("2024-01-02").unwrap());
        assert_eq!(
            compare(&date, &t("2024-01-02 00:00:00"), None),
            Some(Ordering::Equal)
        );
    }
}
