//! Numeric functions: rounding, arithmetic, bases, bits, formatting, RAND.

use super::{first, int, lazy, nulls, strict, t, Func, Ret, Value};
use crate::sql::decimal::Decimal;
use crate::sql::value::compare;
use crate::sqlerror::SqlError;

pub(super) const FUNCS: &[Func] = &[
    strict("ABS", 1, 1, Ret::Args, |a, _| {
        Ok(match &a[0] {
            Value::Int(i) => Value::Int(
                i.checked_abs()
                    .ok_or_else(|| SqlError::new(1690, "BIGINT value is out of range".into()))?,
            ),
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::Decimal(Decimal { m: d.m.abs(), ..*d }),
            other => Value::Double(other.as_f64().abs()),
        })
    }),
    strict("SIGN", 1, 1, Ret::Int, |a, _| {
        Ok(Value::Int(match compare(&a[0], &Value::Int(0), None) {
            Some(std::cmp::Ordering::Greater) => 1,
            Some(std::cmp::Ordering::Less) => -1,
            _ => 0,
        }))
    }),
    strict("CEILING", 1, 1, Ret::Args, |a, _| {
        Ok(floor_ceil(&a[0], true))
    }),
    strict("FLOOR", 1, 1, Ret::Args, |a, _| {
        Ok(floor_ceil(&a[0], false))
    }),
    strict("ROUND", 1, 2, Ret::Args, |a, _| {
        Ok(round_value(&a[0], a.get(1).map_or(0, int), false))
    }),
    strict("TRUNCATE", 2, 2, Ret::Args, |a, _| {
        Ok(round_value(&a[0], int(&a[1]), true))
    }),
    strict("MOD", 2, 2, Ret::Args, |a, _| {
        super::super::eval::arith(super::super::bind::Arith::Mod, &a[0], &a[1])
    }),
    strict("POWER", 2, 2, Ret::Double, |a, _| {
        Ok(Value::Double(a[0].as_f64().powf(a[1].as_f64())))
    }),
    strict("SQRT", 1, 1, Ret::Double, |a, _| {
        let x = a[0].as_f64();
        Ok(if x < 0.0 {
            Value::Null
        } else {
            Value::Double(x.sqrt())
        })
    }),
    strict("PI", 0, 0, Ret::Double, |_, _| {
        Ok(Value::Double(std::f64::consts::PI))
    }),
    strict("BIN", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(format!("{:b}", int(&a[0]) as u64)))
    }),
    strict("OCT", 1, 1, Ret::Text, |a, _| {
        Ok(Value::Text(format!("{:o}", int(&a[0]) as u64)))
    }),
    strict("CONV", 3, 3, Ret::Text, |a, _| {
        Ok(conv(&t(&a, 0), int(&a[1]), int(&a[2])).map_or(Value::Null, Value::Text))
    }),
    strict("&", 2, 2, Ret::UInt, |a, _| {
        Ok(Value::UInt(int(&a[0]) as u64 & int(&a[1]) as u64))
    }),
    strict("|", 2, 2, Ret::UInt, |a, _| {
        Ok(Value::UInt(int(&a[0]) as u64 | int(&a[1]) as u64))
    }),
    strict("^", 2, 2, Ret::UInt, |a, _| {
        Ok(Value::UInt(int(&a[0]) as u64 ^ int(&a[1]) as u64))
    }),
    strict("~", 1, 1, Ret::UInt, |a, _| {
        Ok(Value::UInt(!(int(&a[0]) as u64)))
    }),
    strict("FORMAT", 2, 2, Ret::Text, |a, _| {
        Ok(Value::Text(format_number(&a[0], int(&a[1]))))
    }),
    // The binder's: a DECIMAL result shown with `scale` digits (IFNULL(amount, 0) keeps
    // amount's scale).
    nulls("RESCALE", 2, 2, Ret::Args, |a, _| {
        let s = a.get(1).and_then(Value::as_i64).unwrap_or(0).clamp(0, 38) as u8;
        Ok(match first(a) {
            v @ (Value::Int(_) | Value::UInt(_) | Value::Decimal(_)) => v
                .as_decimal()
                .and_then(|d| d.rescale(s))
                .map_or(Value::Null, Value::Decimal),
            other => other,
        })
    }),
    // The session's generator: a replayed statement's is seeded from the RAND event.
    lazy("RAND", 0, 1, Ret::Double, |args, _, env| {
        if args.is_empty() {
            Ok(Value::Double(env.rand()))
        } else {
            Err(crate::sql::parse::unsupported("RAND(N)"))
        }
    }),
];

fn floor_ceil(v: &Value, ceiling: bool) -> Value {
    match v {
        Value::Int(_) | Value::UInt(_) => v.clone(),
        Value::Decimal(d) => {
            let r = d.floor_ceil(ceiling);
            i64::try_from(r).map_or(Value::Decimal(Decimal { m: r, scale: 0 }), Value::Int)
        }
        other => {
            let x = other.as_f64();
            Value::Double(if ceiling { x.ceil() } else { x.floor() })
        }
    }
}

/// FORMAT(x, places): rounded to `places` decimals, thousands grouped with commas.
fn format_number(v: &Value, places: i64) -> String {
    let places = places.clamp(0, 30) as u8;
    let exact = matches!(v, Value::Int(_) | Value::UInt(_) | Value::Decimal(_));
    let d = exact
        .then(|| v.as_decimal().and_then(|d| d.rescale(places)))
        .flatten()
        .map(|d| d.render())
        .unwrap_or_else(|| format!("{:.*}", places as usize, v.as_f64()));
    let (sign, body) = d.strip_prefix('-').map_or(("", d.as_str()), |r| ("-", r));
    let (i, f) = body.split_once('.').unwrap_or((body, ""));
    let mut grouped = String::new();
    for (k, c) in i.chars().enumerate() {
        if k > 0 && (i.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if f.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{f}")
    }
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
                (x * p).round() / p
            };
            Value::Double(r)
        }
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
