//! Scalar functions, by mysqld's definitions: one table. Each family's file lists its
//! functions as [`Func`] rows (name, arity, result type, NULL handling and body side by
//! side), so adding a function touches one row; [`lookup`] finds a row by name or alias
//! when a call is bound, and the bound call holds the row itself.

mod flow;
mod json;
mod numeric;
mod spatial;
mod string;
mod temporal;

use super::plan::{Coll, Ex};
use crate::sql::env::Env;
use crate::sql::temporal::{Kind, Temporal};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;

pub use temporal::{temporal_kind_code, UNITS};

/// A body taking its arguments evaluated.
pub type Eager = fn(Vec<Value>, Coll) -> Result<Value, SqlError>;

/// A body evaluating its arguments itself, as it needs them (IF, IFNULL, COALESCE), or
/// reading the session (RAND).
pub type Lazy =
    fn(&[Ex], &mut dyn FnMut(&Ex) -> Result<Value, SqlError>, &dyn Env) -> Result<Value, SqlError>;

/// How a function is evaluated.
#[derive(Clone, Copy)]
pub enum Body {
    /// NULL in any argument is NULL out; the body sees no NULL.
    Strict(Eager),
    /// The body handles NULL arguments itself.
    Nulls(Eager),
    /// The body evaluates its arguments.
    Lazy(Lazy),
}

/// A function's result type, for its result column's metadata when no row gives one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// A character string.
    Text,
    /// A binary string.
    Bytes,
    /// BIGINT.
    Int,
    /// BIGINT UNSIGNED.
    UInt,
    /// DOUBLE.
    Double,
    /// A temporal value of this kind.
    Temporal(Kind),
    /// Depends on the arguments.
    Args,
}

impl Ret {
    /// A value of this type, standing for the rows when there are none: result metadata
    /// is derived from it.
    pub fn sample(self) -> Option<Value> {
        Some(match self {
            Ret::Text => Value::Text(String::new()),
            Ret::Bytes => Value::Bytes(Vec::new()),
            Ret::Int => Value::Int(0),
            Ret::UInt => Value::UInt(0),
            Ret::Double => Value::Double(0.0),
            Ret::Temporal(kind) => Value::Temporal(Temporal::zero(kind)),
            Ret::Args => return None,
        })
    }
}

/// One scalar function.
pub struct Func {
    /// Its name, upper case (operators bound as functions: `&`, `|`, `^`, `~`).
    pub name: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments.
    pub max: usize,
    /// Result type.
    pub ret: Ret,
    /// Evaluation.
    pub body: Body,
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Any number of arguments.
const MANY: usize = usize::MAX;

/// A row whose body sees no NULL argument.
const fn strict(name: &'static str, min: usize, max: usize, ret: Ret, f: Eager) -> Func {
    Func {
        name,
        min,
        max,
        ret,
        body: Body::Strict(f),
    }
}

/// A row whose body handles NULL arguments itself.
const fn nulls(name: &'static str, min: usize, max: usize, ret: Ret, f: Eager) -> Func {
    Func {
        name,
        min,
        max,
        ret,
        body: Body::Nulls(f),
    }
}

/// A row whose body evaluates its arguments.
const fn lazy(name: &'static str, min: usize, max: usize, ret: Ret, f: Lazy) -> Func {
    Func {
        name,
        min,
        max,
        ret,
        body: Body::Lazy(f),
    }
}

/// Other names of functions: (alias, name).
const ALIASES: &[(&str, &str)] = &[
    ("ADDDATE", "DATE_ADD"),
    ("SUBDATE", "DATE_SUB"),
    ("CURRENT_TIMESTAMP", "NOW"),
    ("LOCALTIME", "NOW"),
    ("LOCALTIMESTAMP", "NOW"),
    ("SYSDATE", "NOW"),
    ("CURRENT_DATE", "CURDATE"),
    ("CURRENT_TIME", "CURTIME"),
    ("SUBSTR", "SUBSTRING"),
    ("MID", "SUBSTRING"),
    ("CHARACTER_LENGTH", "CHAR_LENGTH"),
    ("OCTET_LENGTH", "LENGTH"),
    ("LCASE", "LOWER"),
    ("UCASE", "UPPER"),
    ("CEIL", "CEILING"),
    ("DAYOFMONTH", "DAY"),
    ("SHA", "SHA1"),
    ("POW", "POWER"),
    ("POSITION", "LOCATE"),
    ("ST_GEOMETRYFROMTEXT", "ST_GEOMFROMTEXT"),
    ("GEOMFROMTEXT", "ST_GEOMFROMTEXT"),
    ("ST_ASWKT", "ST_ASTEXT"),
    ("ASTEXT", "ST_ASTEXT"),
    ("ASWKT", "ST_ASTEXT"),
];

/// Every family's rows.
fn families() -> [&'static [Func]; 6] {
    [
        string::FUNCS,
        json::FUNCS,
        numeric::FUNCS,
        temporal::FUNCS,
        flow::FUNCS,
        spatial::FUNCS,
    ]
}

/// The function `name` (any case, or an alias) names; `None` when the engine has none.
pub fn lookup(name: &str) -> Option<&'static Func> {
    let name = ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(name))
        .map_or(name, |(_, n)| n);
    families()
        .into_iter()
        .flatten()
        .find(|f| f.name.eq_ignore_ascii_case(name))
}

/// The engine's own function `name`, for calls the binder makes itself (DATE_ADD for `+
/// INTERVAL`, `&` for the operator...). A name missing from the table is error 1235 when
/// evaluated, not a crash.
pub fn named(name: &'static str) -> &'static Func {
    static MISSING: Func = nulls("(missing)", 0, MANY, Ret::Args, |_, _| {
        Err(crate::sql::parse::unsupported("this function"))
    });
    lookup(name).unwrap_or(&MISSING)
}

/// mysqld's 1582 for a call with the wrong number of arguments.
pub fn wrong_count(name: &str) -> SqlError {
    SqlError::new(
        1582,
        format!("Incorrect parameter count in the call to native function '{name}'"),
    )
}

/// Calls `f` on evaluated arguments (an eager body).
pub fn call(f: &Func, a: Vec<Value>, coll: Coll) -> Result<Value, SqlError> {
    if a.len() < f.min || a.len() > f.max {
        return Err(wrong_count(f.name));
    }
    match f.body {
        Body::Strict(body) => {
            if a.iter().any(|v| matches!(v, Value::Null)) {
                Ok(Value::Null)
            } else {
                body(a, coll)
            }
        }
        Body::Nulls(body) => body(a, coll),
        Body::Lazy(_) => Err(crate::sql::parse::unsupported(f.name)),
    }
}

/// Longest string a function builds (mysqld's max_allowed_packet: longer results are NULL).
const MAX_RESULT: usize = 16 << 20;

fn text(v: &Value) -> Option<String> {
    v.as_text().map(|s| s.into_owned())
}

/// Argument `i` as text ("" for NULL: strict bodies never see one).
fn t(a: &[Value], i: usize) -> String {
    a.get(i).map(t_of).unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A value as text ("" for NULL).
fn t_of(v: &Value) -> String {
    text(v).unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The first argument, moved out.
fn first(a: Vec<Value>) -> Value {
    a.into_iter().next().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_found_by_its_name_and_no_name_twice() {
        let mut seen = std::collections::HashSet::new();
        for f in families().into_iter().flatten() {
            assert!(seen.insert(f.name), "{} is listed twice", f.name);
            assert!(std::ptr::eq(lookup(f.name).unwrap(), f), "{}", f.name);
            assert!(f.min <= f.max, "{}", f.name);
        }
        for (alias, name) in ALIASES {
            assert_eq!(lookup(alias).map(|f| f.name), Some(*name), "{alias}");
            assert!(!seen.contains(alias), "{alias} is both a name and an alias");
        }
        assert!(lookup("NO_SUCH_FUNCTION").is_none());
        assert_eq!(named("NO_SUCH").name, "(missing)");
    }

    #[test]
    fn arity_and_nulls_are_checked_before_the_body() {
        let left = lookup("left").unwrap();
        assert_eq!(
            call(left, vec![Value::Int(1)], None).unwrap_err().code,
            1582
        );
        assert_eq!(
            call(left, vec![Value::Null, Value::Int(1)], None).unwrap(),
            Value::Null
        );
        let concat_ws = lookup("CONCAT_WS").unwrap();
        assert_eq!(
            call(
                concat_ws,
                vec![
                    Value::Text(",".into()),
                    Value::Null,
                    Value::Text("b".into())
                ],
                None
            )
            .unwrap(),
            Value::Text("b".into())
        );
    }
}
