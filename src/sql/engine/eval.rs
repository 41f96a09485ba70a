//! Expression evaluation with mysqld's rules: three-valued logic, integer arithmetic with
//! overflow errors, exact DECIMAL, DOUBLE where any operand is approximate or a string,
//! comparisons by the pair of types and the collation.

use std::cmp::Ordering;

use super::bind::{Arith, CastTo, Cmp, Coll, Ex};
use super::Context;
use crate::sql::decimal::Decimal;
use crate::sql::temporal::{Kind, Temporal};
use crate::sql::value::{compare, Value};
use crate::sqlerror::SqlError;
use crate::store::collation::Compare;

/// What evaluation sees besides the row.
#[derive(Clone, Copy)]
pub struct Ctx<'c, 'a> {
    /// The statement's context.
    pub cx: &'c Context<'a>,
    /// Rows of enclosing queries, outermost first.
    pub outer: &'c [&'c [Value]],
    /// The current group's aggregate values.
    pub aggs: &'c [Value],
    /// The current row's select-item values (ORDER BY, HAVING).
    pub items: &'c [Value],
}

impl<'c, 'a> Ctx<'c, 'a> {
    /// The context of a top-level expression: no enclosing rows, aggregates or items.
    pub fn top(cx: &'c Context<'a>) -> Ctx<'c, 'a> {
        Ctx {
            cx,
            outer: &[],
            aggs: &[],
            items: &[],
        }
    }
}

fn b(x: bool) -> Value {
    Value::Int(x as i64)
}

fn out_of_range(unsigned: bool) -> SqlError {
    SqlError::new(
        1690,
        format!(
            "BIGINT{} value is out of range",
            if unsigned { " UNSIGNED" } else { "" }
        ),
    )
}

fn is_exact(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::UInt(_) | Value::Decimal(_))
}

/// A DOUBLE result: mysqld returns no negative zero (-0.0 is sent and shown as 0).
fn double(x: f64) -> Value {
    Value::Double(if x == 0.0 { 0.0 } else { x })
}

/// Arithmetic on two non-NULL values.
pub fn arith(op: Arith, l: &Value, r: &Value) -> Result<Value, SqlError> {
    if matches!(l, Value::Null) || matches!(r, Value::Null) {
        return Ok(Value::Null);
    }
    let (l, r) = (l.numeric(), r.numeric());
    let (l, r) = (l.as_ref(), r.as_ref());
    let ints = |v: &Value| match v {
        Value::Int(i) => Some(*i as i128),
        Value::UInt(u) => Some(*u as i128),
        _ => None,
    };
    let unsigned = matches!(l, Value::UInt(_)) || matches!(r, Value::UInt(_));
    let fit = |x: i128| -> Result<Value, SqlError> {
        if unsigned {
            u64::try_from(x)
                .map(Value::UInt)
                .map_err(|_| out_of_range(true))
        } else {
            i64::try_from(x)
                .map(Value::Int)
                .map_err(|_| out_of_range(false))
        }
    };
    if let (Some(a), Some(c)) = (ints(l), ints(r)) {
        return match op {
            Arith::Add => fit(a + c),
            Arith::Sub => fit(a - c),
            Arith::Mul => match a.checked_mul(c) {
                Some(x) => fit(x),
                None => Err(out_of_range(unsigned)),
            },
            Arith::Div => Ok(
                Decimal::checked_div(Decimal::from_i128(a), Decimal::from_i128(c))
                    .map_or(Value::Null, Value::Decimal),
            ),
            Arith::IntDiv => {
                if c == 0 {
                    Ok(Value::Null)
                } else {
                    fit(a / c)
                }
            }
            Arith::Mod => {
                if c == 0 {
                    Ok(Value::Null)
                } else {
                    fit(a % c)
                }
            }
        };
    }
    if is_exact(l) && is_exact(r) {
        let (a, c) = (l.as_decimal(), r.as_decimal());
        if let (Some(a), Some(c)) = (a, c) {
            let res = match op {
                Arith::Add => Decimal::checked_add(a, c),
                Arith::Sub => Decimal::checked_sub(a, c),
                Arith::Mul => Decimal::checked_mul(a, c),
                Arith::Div => {
                    if c.m == 0 {
                        return Ok(Value::Null);
                    }
                    Decimal::checked_div(a, c)
                }
                Arith::Mod => {
                    if c.m == 0 {
                        return Ok(Value::Null);
                    }
                    Decimal::checked_rem(a, c)
                }
                Arith::IntDiv => {
                    if c.m == 0 {
                        return Ok(Value::Null);
                    }
                    return Decimal::checked_div(a, c)
                        .map(|q| crate::sql::decimal::saturate_i128(q.truncate(0).m))
                        .map_or(Ok(Value::Null), fit);
                }
            };
            return match res {
                Some(d) => Ok(Value::Decimal(d)),
                // mysqld computes to 65 digits; a double here would be a wrong answer.
                None => Err(crate::sql::parse::unsupported(
                    "DECIMAL arithmetic beyond 65 digits",
                )),
            };
        }
    }
    let (a, c) = (l.as_f64(), r.as_f64());
    Ok(match op {
        Arith::Add => double(a + c),
        Arith::Sub => double(a - c),
        Arith::Mul => double(a * c),
        Arith::Div => {
            if c == 0.0 {
                Value::Null
            } else {
                Value::Double(a / c)
            }
        }
        Arith::IntDiv => {
            if c == 0.0 {
                Value::Null
            } else {
                let q = (a / c).trunc();
                if q.abs() >= 9.2e18 {
                    return Err(out_of_range(false));
                }
                Value::Int(q as i64)
            }
        }
        Arith::Mod => {
            if c == 0.0 {
                Value::Null
            } else {
                Value::Double(a % c)
            }
        }
    })
}

/// A comparison's result (NULL when either side is, except `<=>`).
pub fn cmp(op: Cmp, l: &Value, r: &Value, coll: Coll) -> Value {
    if op == Cmp::NullSafeEq {
        return b(match (l, r) {
            (Value::Null, Value::Null) => true,
            (Value::Null, _) | (_, Value::Null) => false,
            _ => compare(l, r, coll) == Some(Ordering::Equal),
        });
    }
    match compare(l, r, coll) {
        None => Value::Null,
        Some(o) => b(match op {
            Cmp::Eq => o.is_eq(),
            Cmp::Ne => o.is_ne(),
            Cmp::Lt => o.is_lt(),
            Cmp::Le => o.is_le(),
            Cmp::Gt => o.is_gt(),
            Cmp::Ge => o.is_ge(),
            Cmp::NullSafeEq => o.is_eq(),
        }),
    }
}

/// `v [NOT] IN (items)` for a non-NULL `v`: true on the first match (later items are not
/// evaluated), NULL when no item matched but one was NULL, else false (negated by `neg`).
fn member<V: std::borrow::Borrow<Value>>(
    v: &Value,
    items: impl Iterator<Item = Result<V, SqlError>>,
    neg: bool,
    coll: Coll,
) -> Result<Value, SqlError> {
    let mut saw_null = false;
    for item in items {
        match compare(v, item?.borrow(), coll) {
            Some(Ordering::Equal) => return Ok(b(!neg)),
            None => saw_null = true,
            _ => {}
        }
    }
    Ok(if saw_null { Value::Null } else { b(neg) })
}

/// Evaluates `e` over `row`.
pub fn eval(e: &Ex, row: &[Value], cx: &Ctx<'_, '_>) -> Result<Value, SqlError> {
    Ok(match e {
        Ex::Lit(v) => v.clone(),
        Ex::Col(i) => row.get(*i).cloned().unwrap_or(Value::Null),
        Ex::Outer(d, i) => cx
            .outer
            .len()
            .checked_sub(*d)
            .and_then(|k| cx.outer.get(k))
            .and_then(|r| r.get(*i))
            .cloned()
            .unwrap_or(Value::Null),
        Ex::Agg(i) => cx.aggs.get(*i).cloned().unwrap_or(Value::Null),
        Ex::Item(i) => cx.items.get(*i).cloned().unwrap_or(Value::Null),
        Ex::Param(i) => cx.cx.params.get(*i).cloned().unwrap_or(Value::Null),
        Ex::Neg(a) => match eval(a, row, cx)? {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(|| out_of_range(false))?),
            Value::UInt(u) => Value::Int(
                0i64.checked_sub_unsigned(u)
                    .ok_or_else(|| out_of_range(false))?,
            ),
            Value::Decimal(d) => Value::Decimal(Decimal { m: -d.m, ..d }),
            other => double(-other.as_f64()),
        },
        Ex::Not(a) => match eval(a, row, cx)?.truth() {
            None => Value::Null,
            Some(t) => b(!t),
        },
        Ex::Arith(op, l, r) => {
            let l = eval(l, row, cx)?;
            if matches!(l, Value::Null) {
                return Ok(Value::Null);
            }
            arith(*op, &l, &eval(r, row, cx)?)?
        }
        Ex::Cmp(op, l, r, coll) => cmp(*op, &eval(l, row, cx)?, &eval(r, row, cx)?, *coll),
        Ex::And(l, r) => {
            let a = eval(l, row, cx)?.truth();
            if a == Some(false) {
                return Ok(b(false));
            }
            match (a, eval(r, row, cx)?.truth()) {
                (_, Some(false)) => b(false),
                (Some(true), Some(true)) => b(true),
                _ => Value::Null,
            }
        }
        Ex::Or(l, r) => {
            let a = eval(l, row, cx)?.truth();
            if a == Some(true) {
                return Ok(b(true));
            }
            match (a, eval(r, row, cx)?.truth()) {
                (_, Some(true)) => b(true),
                (Some(false), Some(false)) => b(false),
                _ => Value::Null,
            }
        }
        Ex::Xor(l, r) => match (eval(l, row, cx)?.truth(), eval(r, row, cx)?.truth()) {
            (Some(x), Some(y)) => b(x ^ y),
            _ => Value::Null,
        },
        Ex::IsNull(a, neg) => b(matches!(eval(a, row, cx)?, Value::Null) != *neg),
        Ex::IsBool(a, want, neg) => b((eval(a, row, cx)?.truth() == Some(*want)) != *neg),
        Ex::Between(x, lo, hi, neg, coll) => {
            let v = eval(x, row, cx)?;
            let ge = cmp(Cmp::Ge, &v, &eval(lo, row, cx)?, *coll).truth();
            let le = cmp(Cmp::Le, &v, &eval(hi, row, cx)?, *coll).truth();
            let r = match (ge, le) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
            r.map_or(Value::Null, |t| b(t != *neg))
        }
        Ex::InList(x, list, neg, coll) => {
            let v = eval(x, row, cx)?;
            if matches!(v, Value::Null) {
                return Ok(Value::Null);
            }
            member(&v, list.iter().map(|i| eval(i, row, cx)), *neg, *coll)?
        }
        Ex::InSub(x, sub, neg, coll) => {
            let v = eval(x, row, cx)?;
            let rows = super::exec::sub_rows(sub, row, cx)?;
            if rows.first().is_some_and(|r| r.len() != 1) {
                return Err(SqlError::new(
                    1241,
                    "Operand should contain 1 column(s)".into(),
                ));
            }
            if rows.is_empty() {
                return Ok(b(*neg));
            }
            if matches!(v, Value::Null) {
                return Ok(Value::Null);
            }
            member(&v, rows.iter().map(|r| Ok(&r[0])), *neg, *coll)?
        }
        Ex::Exists(sub, neg) => {
            let rows = super::exec::sub_rows(sub, row, cx)?;
            b(rows.is_empty() == *neg)
        }
        Ex::Scalar(sub) => {
            let rows = super::exec::sub_rows(sub, row, cx)?;
            if rows.first().is_some_and(|r| r.len() != 1) {
                return Err(SqlError::new(
                    1241,
                    "Operand should contain 1 column(s)".into(),
                ));
            }
            match rows.len() {
                0 => Value::Null,
                1 => rows[0][0].clone(),
                _ => {
                    return Err(SqlError::new(
                        1242,
                        "Subquery returns more than 1 row".into(),
                    ))
                }
            }
        }
        Ex::Like(x, p, esc, neg, coll) => {
            let v = eval(x, row, cx)?;
            let pat = eval(p, row, cx)?;
            let esc = match esc {
                Some(e) => eval(e, row, cx)?
                    .as_text()
                    .and_then(|s| s.chars().next())
                    .unwrap_or('\\'),
                None => '\\',
            };
            match (v.as_text(), pat.as_text()) {
                (Some(s), Some(p)) => {
                    let binary = matches!(v, Value::Bytes(_)) || matches!(pat, Value::Bytes(_));
                    b(like(&s, &p, esc, if binary { None } else { Some(*coll) }) != *neg)
                }
                _ => Value::Null,
            }
        }
        Ex::Regexp(x, p, neg, coll) => {
            let v = eval(x, row, cx)?;
            let pat = eval(p, row, cx)?;
            match (v.as_text(), pat.as_text()) {
                (Some(s), Some(p)) => {
                    let ci = !matches!(v, Value::Bytes(_))
                        && coll
                            .unwrap_or_else(crate::sql::value::default_collation)
                            .compare
                            == Compare::CaseInsensitive;
                    let re = regex::RegexBuilder::new(&p)
                        .case_insensitive(ci)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| SqlError::new(1139, format!("Got error '{e}' from regexp")))?;
                    b(re.is_match(&s) != *neg)
                }
                _ => Value::Null,
            }
        }
        Ex::Case(op, whens, els, coll) => {
            let base = op.as_ref().map(|o| eval(o, row, cx)).transpose()?;
            for (w, then) in whens {
                let hit = match &base {
                    Some(v) => compare(v, &eval(w, row, cx)?, *coll) == Some(Ordering::Equal),
                    None => eval(w, row, cx)?.truth() == Some(true),
                };
                if hit {
                    return eval(then, row, cx);
                }
            }
            match els {
                Some(e) => eval(e, row, cx)?,
                None => Value::Null,
            }
        }
        Ex::Func(f, args, coll) => match f.body {
            super::func::Body::Lazy(body) => body(args, &mut |a| eval(a, row, cx), cx.cx.env)?,
            _ => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(eval(a, row, cx)?);
                }
                super::func::call(f, vals, *coll)?
            }
        },
        Ex::Cast(a, to) => cast(eval(a, row, cx)?, *to),
        Ex::Interval(..) => {
            return Err(crate::sql::parse::unsupported(
                "INTERVAL outside date arithmetic",
            ))
        }
    })
}

/// The longest CAST(... AS BINARY(n)) padded (16 MiB).
const MAX_BINARY_CAST: u32 = 16 << 20;

/// CAST(v AS to).
pub fn cast(v: Value, to: CastTo) -> Value {
    if matches!(v, Value::Null) {
        return Value::Null;
    }
    match to {
        CastTo::Signed | CastTo::Unsigned => {
            let i: i128 = match &v {
                Value::Int(i) => *i as i128,
                Value::UInt(u) => *u as i128,
                Value::Text(_) | Value::Bytes(_) => {
                    let t = v.as_text().unwrap_or_default();
                    let p = crate::sql::value::numeric_prefix_text(&t);
                    let int_part = p.split(['.', 'e', 'E']).next().unwrap_or("");
                    int_part.parse::<i128>().unwrap_or(0)
                }
                Value::Decimal(d) => d.to_i128_rounded(),
                other => other.as_f64().round() as i128,
            };
            if to == CastTo::Unsigned {
                Value::UInt(i as u64)
            } else if matches!(v, Value::UInt(_)) {
                Value::Int(i as u64 as i64)
            } else {
                Value::Int(i.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
            }
        }
        CastTo::Char(n) => v.as_text().map_or(Value::Null, |s| {
            Value::Text(match n {
                Some(n) => s.chars().take(n as usize).collect(),
                None => s.into_owned(),
            })
        }),
        CastTo::Binary(n) => v.render_bytes().map_or(Value::Null, |mut b| {
            match n {
                // (No padding to a length no packet could carry.)
                Some(n) if n > MAX_BINARY_CAST => return Value::Null,
                Some(n) => b.resize(n as usize, 0),
                None => {}
            }
            Value::Bytes(b)
        }),
        CastTo::Date | CastTo::DateTime(_) | CastTo::Time(_) => {
            let (kind, fsp) = match to {
                CastTo::Date => (Kind::Date, 0),
                CastTo::DateTime(f) => (Kind::DateTime, f),
                _ => (Kind::Time, if let CastTo::Time(f) = to { f } else { 0 }),
            };
            let t = match &v {
                Value::Temporal(t) => Some(*t),
                other => {
                    let s = other.as_text().unwrap_or_default();
                    if kind == Kind::Time {
                        Temporal::parse_time_context(&s)
                    } else {
                        Temporal::parse_datetime(&s)
                    }
                }
            };
            match t {
                Some(t) => {
                    let t = if kind == Kind::Time {
                        t
                    } else {
                        t.on_date(&Temporal::today())
                    };
                    Value::Temporal(t.as_kind(kind).truncated(fsp))
                }
                None => Value::Null,
            }
        }
        CastTo::Decimal(p, s) => match v.as_decimal() {
            // Out of DECIMAL(p, s)'s range: the nearest bound, as mysqld clamps.
            Some(d) => {
                let digits = (p.max(s) as u32).min(crate::sql::decimal::MAX_DIGITS);
                let max = crate::sql::decimal::I256::new(10).pow(digits) - 1;
                let m = match d.rescale(s) {
                    Some(r) => r.m.clamp(-max, max),
                    // Too many digits even to rescale: beyond every bound.
                    None if d.m < crate::sql::decimal::I256::ZERO => -max,
                    None => max,
                };
                Value::Decimal(Decimal { m, scale: s })
            }
            None => Value::Null,
        },
        CastTo::Double => Value::Double(v.as_f64()),
    }
}

/// LIKE: `%` any run, `_` one character, `esc` quotes the next; under a case-insensitive
/// collation characters match by the collation's weights (`None`: by bytes).
pub fn like(s: &str, p: &str, esc: char, coll: Option<Coll>) -> bool {
    let coll = coll.map(crate::sql::value::text_collation);
    let ci = coll.is_some_and(|c| c.compare == Compare::CaseInsensitive);
    let fold = |c: char| -> Vec<u8> {
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        if ci {
            let mut w = Vec::with_capacity(4);
            if let Some(cl) = coll {
                cl.weight_text(bytes, &mut w);
            }
            if w.is_empty() {
                w.extend_from_slice(bytes);
            }
            w
        } else {
            bytes.to_vec()
        }
    };
    // Pattern tokens: Some(char) literal, None for '_', and '%' as a separate marker.
    enum T {
        Lit(Vec<u8>),
        One,
        Any,
    }
    let mut toks = Vec::new();
    let mut it = p.chars();
    while let Some(c) = it.next() {
        if c == esc {
            match it.next() {
                Some(n) => toks.push(T::Lit(fold(n))),
                None => toks.push(T::Lit(fold(esc))),
            }
        } else if c == '%' {
            toks.push(T::Any);
        } else if c == '_' {
            toks.push(T::One);
        } else {
            toks.push(T::Lit(fold(c)));
        }
    }
    let chars: Vec<Vec<u8>> = s.chars().map(fold).collect();
    // Iterative wildcard matching with backtracking to the last '%'.
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < chars.len() {
        match toks.get(j) {
            Some(T::Any) => {
                star = Some((j, i));
                j += 1;
                continue;
            }
            Some(T::One) => {
                i += 1;
                j += 1;
                continue;
            }
            Some(T::Lit(l)) if *l == chars[i] => {
                i += 1;
                j += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sj, si)) => {
                j = sj + 1;
                i = si + 1;
                star = Some((sj, si + 1));
            }
            None => return false,
        }
    }
    toks[j..].iter().all(|t| matches!(t, T::Any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_as_mysqld() {
        assert!(like("abc", "a%", '\\', Some(None)));
        assert!(like("ABC", "a_c", '\\', Some(None)));
        assert!(!like("ABC", "a_c", '\\', None));
        assert!(like("a%c", "a\\%c", '\\', Some(None)));
        assert!(!like("abc", "a\\%c", '\\', Some(None)));
        assert!(like("Ünïcode", "unicode", '\\', Some(None)));
        assert!(like("", "%", '\\', Some(None)));
        assert!(!like("", "_", '\\', Some(None)));
        assert!(like("mississippi", "%iss%pi", '\\', Some(None)));
        assert!(like("a|c", "a||c", '|', Some(None)));
        assert!(!like("abc", "a||c", '|', Some(None)));
    }

    #[test]
    fn arithmetic_types() {
        let r = arith(Arith::Div, &Value::Int(1), &Value::Int(3)).unwrap();
        assert_eq!(r.render().unwrap(), "0.3333");
        assert_eq!(
            arith(Arith::Div, &Value::Int(1), &Value::Int(0)).unwrap(),
            Value::Null
        );
        assert_eq!(
            arith(Arith::Add, &Value::Int(i64::MAX), &Value::Int(1))
                .unwrap_err()
                .code,
            1690
        );
        assert_eq!(
            arith(Arith::Add, &Value::Text("1.5".into()), &Value::Int(1)).unwrap(),
            Value::Double(2.5)
        );
        assert_eq!(
            arith(Arith::Mod, &Value::Int(-7), &Value::Int(3)).unwrap(),
            Value::Int(-1)
        );
    }
}
