//! Control flow and comparison functions: IF, IFNULL, COALESCE, NULLIF, GREATEST, LEAST,
//! FIELD, ELT, ISNULL.

use super::{lazy, nulls, strict, Func, Ret, Value};
use crate::sql::value::compare;

pub(super) const FUNCS: &[Func] = &[
    // A stored procedure's variable in the statements a CALL logs: its value.
    nulls("NAME_CONST", 2, 2, Ret::Args, |mut a, _| {
        Ok(a.swap_remove(1))
    }),
    // Only the branch taken is evaluated.
    lazy("IF", 3, 3, Ret::Args, |args, eval, _| {
        let taken = eval(&args[0])?.truth() == Some(true);
        eval(&args[if taken { 1 } else { 2 }])
    }),
    lazy("IFNULL", 2, 2, Ret::Args, |args, eval, _| {
        let v = eval(&args[0])?;
        if matches!(v, Value::Null) {
            eval(&args[1])
        } else {
            Ok(v)
        }
    }),
    lazy("COALESCE", 1, super::MANY, Ret::Args, |args, eval, _| {
        for a in args {
            let v = eval(a)?;
            if !matches!(v, Value::Null) {
                return Ok(v);
            }
        }
        Ok(Value::Null)
    }),
    nulls("NULLIF", 2, 2, Ret::Args, |a, coll| {
        Ok(
            if compare(&a[0], &a[1], coll) == Some(std::cmp::Ordering::Equal) {
                Value::Null
            } else {
                super::first(a)
            },
        )
    }),
    nulls("ISNULL", 1, 1, Ret::Int, |a, _| {
        Ok(Value::Int(matches!(a[0], Value::Null) as i64))
    }),
    strict("GREATEST", 1, super::MANY, Ret::Args, |a, coll| {
        Ok(best(a, coll, std::cmp::Ordering::Greater))
    }),
    strict("LEAST", 1, super::MANY, Ret::Args, |a, coll| {
        Ok(best(a, coll, std::cmp::Ordering::Less))
    }),
    // FIELD(x, a, b, ...): the 1-based position of x among the rest, 0 when absent or NULL.
    nulls("FIELD", 2, super::MANY, Ret::Int, |a, coll| {
        if matches!(a.first(), None | Some(Value::Null)) {
            return Ok(Value::Int(0));
        }
        let pos = a[1..]
            .iter()
            .position(|x| compare(&a[0], x, coll) == Some(std::cmp::Ordering::Equal));
        Ok(Value::Int(pos.map_or(0, |p| p as i64 + 1)))
    }),
    // ELT(n, a, b, ...): the n-th of the rest, NULL out of range.
    nulls("ELT", 2, super::MANY, Ret::Args, |a, _| {
        let n = a.first().and_then(Value::as_i64).unwrap_or(0);
        Ok(if n >= 1 && (n as usize) < a.len() {
            a.into_iter().nth(n as usize).unwrap_or(Value::Null)
        } else {
            Value::Null
        })
    }),
];

/// The argument that compares `want` to all others (the first of equals).
fn best(a: Vec<Value>, coll: super::Coll, want: std::cmp::Ordering) -> Value {
    let mut best = 0;
    for i in 1..a.len() {
        if compare(&a[i], &a[best], coll) == Some(want) {
            best = i;
        }
    }
    a.into_iter().nth(best).unwrap_or(Value::Null)
}
