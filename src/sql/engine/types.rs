//! Result types of expressions worked out before any row is read, as mysqld's items work
//! them out (`fix_length_and_dec`): the column metadata a result announces, and the
//! columns CREATE TABLE ... SELECT makes. An expression outside the rules here has no
//! static type ([`static_meta`] gives `None`): the endpoint then describes it by its
//! values, and CREATE TABLE ... SELECT refuses it rather than guess.
//!
//! The rules were read off MariaDB 10.11 (`CREATE TABLE t SELECT <expr>`, then
//! information_schema.COLUMNS); `tests/live/apply_statement.rs` compares them.

use super::plan::{Agg, AggKind, Arith, CastTo, Ex, Source};
use super::ColMeta;
use crate::binlog::value::column_type as ct;
use crate::coldef::{flags as fl, BINARY_CHARSET};
use crate::sql::value::Value;
use crate::store::collation;

/// A type in mysqld's terms.
#[derive(Clone, Copy, Debug, PartialEq)]
enum T {
    /// An integer: its decimal digits (sign not counted), unsigned, and the column type
    /// it makes (TINY .. LONGLONG).
    Int { digits: u32, unsigned: bool, ty: u8 },
    /// DECIMAL(precision, scale).
    Dec {
        prec: u32,
        scale: u32,
        unsigned: bool,
    },
    /// DOUBLE.
    Double,
    /// FLOAT.
    Float,
    /// Characters of a collation (`CONN`: the connection's), CHAR when `fixed`.
    Str { chars: u32, coll: u16, fixed: bool },
    /// Bytes.
    Bin { len: u32 },
    /// NULL.
    Null,
    /// DATE, DATETIME, TIME or TIMESTAMP with fractional digits.
    Temporal { ty: u8, fsp: u8 },
}

/// A type and whether the value may be NULL.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Typed {
    t: T,
    null: bool,
}

/// The collation id standing for the connection's (string literals, numbers as text).
const CONN: u16 = 0;
/// A DECIMAL's most digits.
const MAX_PREC: u32 = 65;
/// group_concat_max_len's default (bytes).
const GROUP_CONCAT_MAX: u32 = 1 << 20;

/// What the typing reads: the joined row's columns and the SELECT's aggregates.
pub struct Scope<'a> {
    /// The FROM tables.
    pub sources: &'a [Source],
    /// The aggregates.
    pub aggs: &'a [Agg],
    /// The connection's collation (string literals, numbers turned to text).
    pub conn: u16,
}

/// The metadata of `ex`'s result as mysqld announces it, `None` when the rules here do
/// not cover it.
pub fn static_meta(ex: &Ex, scope: &Scope<'_>, name: &str) -> Option<ColMeta> {
    let t = type_of(ex, scope)?;
    Some(meta(t, scope.conn, name))
}

fn int(digits: u32, unsigned: bool) -> T {
    // mysqld's type_handler_long_or_longlong.
    let ty = if digits <= 9 { ct::LONG } else { ct::LONGLONG };
    T::Int {
        digits,
        unsigned,
        ty,
    }
}

fn not_null(t: T) -> Option<Typed> {
    Some(Typed { t, null: false })
}

fn mbmax(coll: u16) -> u32 {
    collation::by_id(coll).map_or(1, |c| c.mbmaxlen.max(1))
}

/// The metadata of a result column of type `t`.
fn meta(t: Typed, conn: u16, name: &str) -> ColMeta {
    let nn = if t.null { 0 } else { fl::NOT_NULL };
    let base = ColMeta {
        name: name.to_string(),
        org_name: name.to_string(),
        charset: BINARY_CHARSET,
        flags: nn | fl::BINARY,
        ..ColMeta::default()
    };
    let uns = |u: bool| if u { fl::UNSIGNED } else { 0 };
    match t.t {
        T::Int {
            digits,
            unsigned,
            ty,
        } => ColMeta {
            col_type: ty,
            length: digits + u32::from(!unsigned),
            flags: base.flags | uns(unsigned),
            ..base
        },
        T::Dec {
            prec,
            scale,
            unsigned,
        } => ColMeta {
            col_type: ct::NEWDECIMAL,
            length: prec + u32::from(scale > 0) + u32::from(!unsigned),
            decimals: scale as u8,
            flags: base.flags | uns(unsigned),
            ..base
        },
        T::Double => ColMeta {
            col_type: ct::DOUBLE,
            length: 22,
            decimals: 31,
            ..base
        },
        T::Float => ColMeta {
            col_type: ct::FLOAT,
            length: 12,
            decimals: 31,
            ..base
        },
        T::Str { chars, coll, fixed } => {
            let coll = if coll == CONN { conn } else { coll };
            ColMeta {
                col_type: if fixed { ct::STRING } else { ct::VAR_STRING },
                length: chars.saturating_mul(mbmax(coll)),
                charset: coll,
                flags: nn,
                decimals: 39,
                ..base
            }
        }
        T::Bin { len } => ColMeta {
            col_type: ct::VAR_STRING,
            length: len,
            ..base
        },
        T::Null => ColMeta {
            col_type: ct::NULL,
            flags: fl::BINARY,
            ..base
        },
        T::Temporal { ty, fsp } => ColMeta {
            col_type: ty,
            length: match ty {
                ct::DATE => 10,
                ct::TIME => 10,
                _ => 19,
            } + if fsp > 0 { u32::from(fsp) + 1 } else { 0 },
            decimals: fsp,
            ..base
        },
    }
}

/// A table column's type from its metadata.
fn of_column(m: &ColMeta) -> Option<Typed> {
    let unsigned = m.flags & fl::UNSIGNED != 0;
    let t = match m.col_type {
        ct::TINY | ct::SHORT | ct::INT24 | ct::LONG | ct::LONGLONG => T::Int {
            digits: m.length.saturating_sub(u32::from(!unsigned)).max(1),
            unsigned,
            ty: m.col_type,
        },
        ct::YEAR => int(4, true),
        ct::NEWDECIMAL | ct::DECIMAL => T::Dec {
            prec: m
                .length
                .saturating_sub(u32::from(m.decimals > 0) + u32::from(!unsigned))
                .max(1),
            scale: u32::from(m.decimals),
            unsigned,
        },
        ct::DOUBLE => T::Double,
        ct::FLOAT => T::Float,
        ct::DATE | ct::NEWDATE => T::Temporal {
            ty: ct::DATE,
            fsp: 0,
        },
        ct::DATETIME | ct::DATETIME2 => T::Temporal {
            ty: ct::DATETIME,
            fsp: m.decimals.min(6),
        },
        ct::TIMESTAMP | ct::TIMESTAMP2 => T::Temporal {
            ty: ct::TIMESTAMP,
            fsp: m.decimals.min(6),
        },
        ct::TIME | ct::TIME2 => T::Temporal {
            ty: ct::TIME,
            fsp: m.decimals.min(6),
        },
        ct::STRING | ct::VAR_STRING | ct::VARCHAR | ct::BLOB | ct::ENUM | ct::SET
            if m.charset == BINARY_CHARSET =>
        {
            T::Bin { len: m.length }
        }
        ct::STRING | ct::VAR_STRING | ct::VARCHAR | ct::BLOB | ct::ENUM | ct::SET => T::Str {
            chars: m.length / mbmax(m.charset),
            coll: m.charset,
            fixed: false,
        },
        _ => return None,
    };
    Some(Typed {
        t,
        null: m.flags & fl::NOT_NULL == 0,
    })
}

/// Digits before the point.
fn int_part(t: T) -> Option<u32> {
    match t {
        T::Int { digits, .. } => Some(digits),
        T::Dec { prec, scale, .. } => Some(prec - scale.min(prec)),
        _ => None,
    }
}

fn scale_of(t: T) -> u32 {
    match t {
        T::Dec { scale, .. } => scale,
        _ => 0,
    }
}

fn is_unsigned(t: T) -> bool {
    matches!(
        t,
        T::Int { unsigned: true, .. } | T::Dec { unsigned: true, .. }
    )
}

fn dec(prec: u32, scale: u32, unsigned: bool) -> T {
    T::Dec {
        prec: prec.clamp(1, MAX_PREC),
        scale: scale.min(38),
        unsigned,
    }
}

/// Characters a value of `t` takes as text.
fn text_chars(t: T) -> Option<u32> {
    Some(match t {
        T::Int {
            digits, unsigned, ..
        } => digits + u32::from(!unsigned),
        T::Dec {
            prec,
            scale,
            unsigned,
        } => prec.saturating_add(u32::from(scale > 0) + u32::from(!unsigned)),
        T::Double => 22,
        T::Float => 12,
        T::Str { chars, .. } => chars,
        T::Bin { len } => len,
        T::Null => 0,
        T::Temporal { ty, fsp } => {
            (match ty {
                ct::DATE => 10,
                ct::TIME => 10,
                _ => 19,
            }) + if fsp > 0 { u32::from(fsp) + 1 } else { 0 }
        }
    })
}

/// The collation of `t` as a string operand: its own, the connection's for numbers and
/// temporal values (`None`: binary).
fn str_coll(t: T) -> Option<u16> {
    match t {
        T::Str { coll, .. } => Some(coll),
        T::Bin { .. } => None,
        _ => Some(CONN),
    }
}

/// The collation several string operands give a result: a column's wins over the
/// connection's; between two columns' character sets the one with longer characters
/// (utf8mb4 over latin1); any binary operand makes the result binary (`None`).
fn result_coll(ts: &[T]) -> Option<Option<u16>> {
    let mut out: Option<u16> = None;
    for &t in ts.iter().filter(|t| !matches!(t, T::Null)) {
        let c = str_coll(t)?;
        out = Some(match out {
            None => c,
            Some(CONN) => c,
            Some(o) if c == CONN || o == c => o,
            Some(o) => {
                if mbmax(c) > mbmax(o) {
                    c
                } else {
                    o
                }
            }
        });
    }
    Some(Some(out.unwrap_or(CONN)))
}

/// A string result of `chars` characters over operands `ts`.
fn string_over(ts: &[T], chars: u32) -> Option<T> {
    Some(match result_coll(ts) {
        Some(Some(coll)) => T::Str {
            chars,
            coll,
            fixed: false,
        },
        _ => T::Bin { len: chars },
    })
}

/// The type one result takes from several (IF, IFNULL, COALESCE, CASE, GREATEST...), as
/// mysqld aggregates them.
fn aggregate(ts: &[T]) -> Option<T> {
    let real: Vec<T> = ts
        .iter()
        .copied()
        .filter(|t| !matches!(t, T::Null))
        .collect();
    let Some(&first) = real.first() else {
        return Some(T::Null);
    };
    if real.iter().all(|t| matches!(t, T::Int { .. })) {
        // The widest column type; unsigned only when all are.
        let (mut digits, mut ty, mut unsigned) = (0, ct::TINY, true);
        for t in &real {
            if let T::Int {
                digits: d,
                unsigned: u,
                ty: y,
            } = *t
            {
                digits = digits.max(d);
                let rank = |x: u8| match x {
                    ct::TINY => 0,
                    ct::SHORT => 1,
                    ct::INT24 => 2,
                    ct::LONG => 3,
                    _ => 4,
                };
                if rank(y) > rank(ty) {
                    ty = y;
                }
                unsigned &= u;
            }
        }
        return Some(T::Int {
            digits,
            unsigned,
            ty,
        });
    }
    if real
        .iter()
        .all(|t| matches!(t, T::Int { .. } | T::Dec { .. }))
    {
        let ip = real.iter().filter_map(|&t| int_part(t)).max()?;
        let sc = real.iter().map(|&t| scale_of(t)).max()?;
        return Some(dec(ip + sc, sc, real.iter().all(|&t| is_unsigned(t))));
    }
    if real
        .iter()
        .all(|t| matches!(t, T::Int { .. } | T::Dec { .. } | T::Double | T::Float))
    {
        return Some(T::Double);
    }
    if let T::Temporal { ty, .. } = first {
        if real
            .iter()
            .all(|t| matches!(t, T::Temporal { ty: y, .. } if *y == ty))
        {
            let fsp = real
                .iter()
                .map(|t| match t {
                    T::Temporal { fsp, .. } => *fsp,
                    _ => 0,
                })
                .max()?;
            return Some(T::Temporal { ty, fsp });
        }
    }
    let chars = real.iter().map(|&t| text_chars(t)).max()??;
    string_over(&real, chars)
}

fn type_of(ex: &Ex, s: &Scope<'_>) -> Option<Typed> {
    match ex {
        Ex::Lit(v) => literal(v),
        Ex::Col(i) => {
            let src = s
                .sources
                .iter()
                .find(|src| *i >= src.offset && *i < src.offset + src.cols.len())?;
            let mut t = of_column(&src.cols[*i - src.offset].meta)?;
            // The inner table of a LEFT JOIN gives NULL where it has no row.
            t.null |= src.join == super::plan::JoinKind::Left;
            Some(t)
        }
        Ex::Agg(i) => aggregate_fn(s.aggs.get(*i)?, s),
        Ex::Neg(a) => {
            let a = type_of(a, s)?;
            let t = match a.t {
                T::Int { digits, .. } => int(digits + 1, false),
                T::Dec { prec, scale, .. } => dec(prec, scale, false),
                T::Float | T::Double => T::Double,
                _ => return None,
            };
            Some(Typed { t, null: a.null })
        }
        Ex::Arith(op, a, b) => arith(*op, type_of(a, s)?, type_of(b, s)?),
        Ex::Cmp(_, a, b, _) => boolean(&[type_of(a, s)?, type_of(b, s)?]),
        Ex::And(a, b) | Ex::Or(a, b) | Ex::Xor(a, b) => boolean(&[type_of(a, s)?, type_of(b, s)?]),
        Ex::Not(a) => boolean(&[type_of(a, s)?]),
        Ex::IsNull(..) | Ex::IsBool(..) => not_null(int(1, false)),
        Ex::Between(a, b, c, ..) => boolean(&[type_of(a, s)?, type_of(b, s)?, type_of(c, s)?]),
        Ex::InList(a, list, ..) => {
            let mut ts = vec![type_of(a, s)?];
            for e in list {
                ts.push(type_of(e, s)?);
            }
            boolean(&ts)
        }
        Ex::Like(a, b, ..) | Ex::Regexp(a, b, ..) => boolean(&[type_of(a, s)?, type_of(b, s)?]),
        Ex::Case(operand, arms, otherwise, _) => {
            if let Some(o) = operand {
                type_of(o, s)?;
            }
            let mut results = Vec::new();
            let mut null = otherwise.is_none();
            for (w, then) in arms {
                type_of(w, s)?;
                let t = type_of(then, s)?;
                null |= t.null;
                results.push(t.t);
            }
            if let Some(e) = otherwise {
                let t = type_of(e, s)?;
                null |= t.null;
                results.push(t.t);
            }
            Some(Typed {
                t: aggregate(&results)?,
                null,
            })
        }
        Ex::Func(f, args, coll) => function(f.name, args, *coll, s),
        Ex::Cast(a, to) => cast(type_of(a, s)?, *to),
        _ => None,
    }
}

fn literal(v: &Value) -> Option<Typed> {
    let digits = |n: u128| n.checked_ilog10().unwrap_or(0) + 1;
    match v {
        Value::Null => Some(Typed {
            t: T::Null,
            null: true,
        }),
        Value::Int(i) => {
            // mysqld sizes a literal by its text: the minus sign counts for its type.
            let d = digits(i.unsigned_abs() as u128);
            not_null(T::Int {
                digits: d,
                unsigned: false,
                ty: if d + u32::from(*i < 0) <= 9 {
                    ct::LONG
                } else {
                    ct::LONGLONG
                },
            })
        }
        Value::UInt(u) => not_null(T::Int {
            digits: digits(*u as u128),
            unsigned: true,
            ty: ct::LONGLONG,
        }),
        Value::Decimal(d) => {
            let text = d.render();
            let prec = text.bytes().filter(u8::is_ascii_digit).count() as u32;
            let scale = u32::from(d.scale);
            // 0.5 is DECIMAL(2,1): the leading zero counts when nothing else is before
            // the point.
            not_null(dec(prec.max(scale + 1), scale, false))
        }
        Value::Double(_) => not_null(T::Double),
        Value::Text(t) => not_null(T::Str {
            chars: t.chars().count() as u32,
            coll: CONN,
            fixed: t.is_empty(),
        }),
        Value::Bytes(b) => not_null(T::Bin {
            len: b.len() as u32,
        }),
        // A temporal literal, or NOW() / CURDATE() bound as the statement's time.
        Value::Temporal(t) => {
            use crate::sql::temporal::Kind;
            let ty = match t.kind {
                Kind::Date => ct::DATE,
                Kind::DateTime => ct::DATETIME,
                Kind::Time => ct::TIME,
            };
            not_null(T::Temporal { ty, fsp: t.fsp })
        }
        _ => None,
    }
}

/// Comparisons and logic: INT(1), NULL when an operand may be.
fn boolean(ts: &[Typed]) -> Option<Typed> {
    Some(Typed {
        t: int(1, false),
        null: ts.iter().any(|t| t.null),
    })
}

fn arith(op: Arith, a: Typed, b: Typed) -> Option<Typed> {
    let null = a.null || b.null || matches!(op, Arith::Div | Arith::IntDiv | Arith::Mod);
    let numeric = |t: T| match t {
        T::Int { .. } | T::Dec { .. } | T::Double | T::Float => Some(t),
        // NULL takes part as a number; strings and temporal values are not typed here.
        T::Null => Some(int(1, false)),
        _ => None,
    };
    let (x, y) = (numeric(a.t)?, numeric(b.t)?);
    let t = if matches!(x, T::Double | T::Float) || matches!(y, T::Double | T::Float) {
        match op {
            Arith::IntDiv => int(20, false),
            _ => T::Double,
        }
    } else {
        let unsigned = is_unsigned(x) || is_unsigned(y);
        match (op, x, y) {
            (Arith::Add | Arith::Sub, T::Int { digits: p, .. }, T::Int { digits: q, .. }) => {
                int(p.max(q) + 1, unsigned)
            }
            (Arith::Mul, T::Int { digits: p, .. }, T::Int { digits: q, .. }) => {
                int(p + q, unsigned)
            }
            (Arith::Mod, T::Int { digits: p, .. }, T::Int { digits: q, .. }) => {
                int(p.max(q), unsigned)
            }
            (Arith::IntDiv, T::Int { digits: p, .. }, _) => int(p, unsigned),
            (Arith::IntDiv, T::Dec { prec, scale, .. }, _) => int(prec - scale.min(prec), unsigned),
            (Arith::IntDiv, _, _) => return None,
            (Arith::Add | Arith::Sub, _, _) => {
                let scale = scale_of(x).max(scale_of(y));
                let ip = int_part(x)?.max(int_part(y)?) + 1;
                dec(ip + scale, scale, unsigned)
            }
            (Arith::Mul, _, _) => {
                let scale = scale_of(x) + scale_of(y);
                dec(int_part(x)? + int_part(y)? + scale, scale, unsigned)
            }
            (Arith::Div, _, _) => {
                // div_precision_increment = 4.
                let scale = scale_of(x) + 4;
                dec(int_part(x)? + scale_of(y) + scale, scale, unsigned)
            }
            (Arith::Mod, _, _) => {
                let scale = scale_of(x).max(scale_of(y));
                let ip = int_part(x)?.max(int_part(y)?);
                dec(ip + scale, scale, unsigned)
            }
        }
    };
    Some(Typed { t, null })
}

fn aggregate_fn(a: &Agg, s: &Scope<'_>) -> Option<Typed> {
    let arg = || type_of(a.args.first()?, s);
    let t = match a.kind {
        AggKind::CountStar | AggKind::Count => return not_null(int(21, false)),
        AggKind::BitAnd | AggKind::BitOr | AggKind::BitXor => {
            return not_null(T::Int {
                digits: 21,
                unsigned: true,
                ty: ct::LONGLONG,
            })
        }
        AggKind::Min | AggKind::Max => arg()?.t,
        AggKind::Sum => match arg()?.t {
            t @ (T::Int { .. } | T::Dec { .. }) => {
                let scale = scale_of(t);
                dec(int_part(t)? + scale + 22, scale, false)
            }
            T::Double | T::Float => T::Double,
            _ => return None,
        },
        AggKind::Avg => match arg()?.t {
            t @ (T::Int { .. } | T::Dec { .. }) => {
                let scale = scale_of(t) + 4;
                dec(int_part(t)? + scale, scale, false)
            }
            T::Double | T::Float => T::Double,
            _ => return None,
        },
        AggKind::GroupConcat => {
            let ts: Option<Vec<T>> = a.args.iter().map(|e| Some(type_of(e, s)?.t)).collect();
            let ts = ts?;
            return Some(Typed {
                t: match result_coll(&ts) {
                    Some(Some(coll)) => T::Str {
                        chars: GROUP_CONCAT_MAX / mbmax(if coll == CONN { s.conn } else { coll }),
                        coll,
                        fixed: false,
                    },
                    _ => T::Bin {
                        len: GROUP_CONCAT_MAX,
                    },
                },
                null: true,
            });
        }
    };
    Some(Typed { t, null: true })
}

/// The constant integer `e` is, if it is one.
fn const_int(e: &Ex) -> Option<i64> {
    match e {
        Ex::Lit(Value::Int(i)) => Some(*i),
        Ex::Lit(Value::UInt(u)) => i64::try_from(*u).ok(),
        _ => None,
    }
}

/// A constant length argument as a count (negative: 0; past u32: u32::MAX).
fn const_len(e: &Ex) -> Option<u32> {
    Some(u32::try_from(const_int(e)?.max(0)).unwrap_or(u32::MAX))
}

/// The sum of the text lengths of `ts` (saturating: a LONGTEXT's 4 GiB stays the most).
fn sum_chars(ts: &[T]) -> Option<u32> {
    ts.iter()
        .try_fold(0u32, |n, &t| Some(n.saturating_add(text_chars(t)?)))
}

/// Characters DATE_FORMAT's result may take for format `f` (mysqld's format_length).
fn format_chars(f: &str) -> u32 {
    let mut n = 0u32;
    let mut it = f.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            n = n.saturating_add(1);
            continue;
        }
        n = n.saturating_add(match it.next() {
            Some('M' | 'W') => 64,
            Some('a' | 'b') => 32,
            Some('D' | 'Y' | 'x' | 'X') => 4,
            Some('j') => 3,
            Some('H' | 'k') => 7,
            Some('r') => 11,
            Some('T') => 8,
            Some('f') => 6,
            Some(
                'U' | 'u' | 'V' | 'v' | 'y' | 'm' | 'd' | 'h' | 'I' | 'i' | 'l' | 'p' | 'S' | 's'
                | 'c' | 'e',
            ) => 2,
            _ => 1,
        });
    }
    n
}

fn function(name: &str, args: &[Ex], coll: super::plan::Coll, s: &Scope<'_>) -> Option<Typed> {
    let ts: Vec<Typed> = args.iter().map(|e| type_of(e, s)).collect::<Option<_>>()?;
    let any_null = ts.iter().any(|t| t.null);
    let plain: Vec<T> = ts.iter().map(|t| t.t).collect();
    let chars = |i: usize| text_chars(plain[i]);
    let t = match name {
        "CONCAT" => string_over(&plain, sum_chars(&plain)?)?,
        "CONCAT_WS" => {
            let sep = chars(0)?;
            let n = sum_chars(&plain[1..])?;
            let seps = sep.saturating_mul(plain.len().saturating_sub(2) as u32);
            string_over(&plain, n.saturating_add(seps))?
        }
        "UPPER" | "LOWER" | "TRIM" | "LTRIM" | "RTRIM" | "REVERSE" | "TRIM_STR" | "LTRIM_STR"
        | "RTRIM_STR" => string_over(&plain[..1], chars(0)?)?,
        "COLLATE" | "CONVERT_USING" => {
            let coll = coll?.id;
            let t = T::Str {
                chars: chars(0)?,
                coll,
                fixed: false,
            };
            return Some(Typed {
                t,
                null: name == "CONVERT_USING" || any_null,
            });
        }
        "DATE_FORMAT" => {
            let Ex::Lit(Value::Text(f)) = &args[1] else {
                return None;
            };
            string_over(&[], format_chars(f))?
        }
        "DATE_ADD" | "DATE_SUB" => {
            let Ex::Lit(Value::Text(unit)) = &args[2] else {
                return None;
            };
            let T::Temporal { ty, fsp } = plain[0] else {
                return None;
            };
            let day_or_more = matches!(
                unit.to_ascii_uppercase().as_str(),
                "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR" | "YEAR_MONTH"
            );
            let micro = unit.to_ascii_uppercase().contains("MICROSECOND");
            match ty {
                ct::DATE if day_or_more => T::Temporal { ty, fsp: 0 },
                ct::DATE | ct::DATETIME | ct::TIMESTAMP => T::Temporal {
                    ty: ct::DATETIME,
                    fsp: if micro { 6 } else { fsp },
                },
                _ => return None,
            }
        }
        "LEFT" | "RIGHT" => string_over(&plain[..1], chars(0)?.min(const_len(&args[1])?))?,
        "SUBSTRING" => {
            let full = u64::from(chars(0)?);
            let from = const_int(&args[1])?;
            let mut n = if from > 0 {
                full.saturating_sub(from as u64 - 1)
            } else if from < 0 {
                full.min(from.unsigned_abs())
            } else {
                0
            };
            if let Some(len) = args.get(2) {
                n = n.min(u64::from(const_len(len)?));
            }
            string_over(&plain[..1], n as u32)?
        }
        "REPLACE" => {
            let (from, to) = (chars(1)?, chars(2)?);
            let full = chars(0)?;
            let n = if to > from && from > 0 {
                full.saturating_add((to - from).saturating_mul(full / from))
            } else {
                full
            };
            string_over(&plain[..1], n)?
        }
        "LPAD" | "RPAD" => string_over(&[plain[0], plain[2]], const_len(&args[1])?)?,
        "REPEAT" => string_over(&plain[..1], chars(0)?.saturating_mul(const_len(&args[1])?))?,
        "LENGTH" | "CHAR_LENGTH" => {
            return Some(Typed {
                t: T::Int {
                    digits: 10,
                    unsigned: false,
                    ty: ct::LONG,
                },
                null: any_null,
            })
        }
        "CRC32" => {
            return Some(Typed {
                t: T::Int {
                    digits: 10,
                    unsigned: true,
                    ty: ct::LONG,
                },
                null: any_null,
            })
        }
        "MD5" => string_over(&[], 32)?,
        "SHA1" => string_over(&[], 40)?,
        // The binder's wrappers of IF / IFNULL / COALESCE... whose branches differ.
        "RESCALE" | "AS_TEMPORAL" => return Some(ts[0]),
        "IF" => {
            let t = aggregate(&plain[1..])?;
            return Some(Typed {
                t,
                null: ts[1].null || ts[2].null,
            });
        }
        "IFNULL" => {
            return Some(Typed {
                t: aggregate(&plain)?,
                null: ts[1].null,
            })
        }
        "COALESCE" => {
            return Some(Typed {
                t: aggregate(&plain)?,
                null: ts.iter().all(|t| t.null),
            })
        }
        "NULLIF" => plain[0],
        "GREATEST" | "LEAST" => {
            return Some(Typed {
                t: aggregate(&plain)?,
                null: any_null,
            })
        }
        "ABS" => {
            let t = match plain[0] {
                T::Int { digits, .. } => int(digits, false),
                t @ T::Dec { .. } => t,
                T::Double | T::Float => T::Double,
                _ => return None,
            };
            return Some(Typed { t, null: any_null });
        }
        "MOD" => return arith(Arith::Mod, ts[0], ts[1]),
        "ROUND" | "TRUNCATE" => {
            let T::Dec { prec, scale, .. } = plain[0] else {
                return match plain[0] {
                    t @ T::Int { .. } if name == "ROUND" && args.len() == 1 => {
                        Some(Typed { t, null: any_null })
                    }
                    _ => None,
                };
            };
            let want = match args.get(1) {
                Some(e) => const_int(e)?.clamp(0, 38) as u32,
                None => 0,
            };
            let new_scale = scale.min(want);
            // ROUND may carry into one more digit.
            let carry = u32::from(name == "ROUND");
            let t = dec(
                prec.saturating_sub(scale) + carry + new_scale,
                new_scale,
                false,
            );
            return Some(Typed { t, null: any_null });
        }
        "FLOOR" | "CEILING" => {
            let t = match plain[0] {
                t @ T::Int { .. } => t,
                T::Dec { prec, scale, .. } => int(prec.saturating_sub(scale) + 1, false),
                _ => return None,
            };
            return Some(Typed { t, null: any_null });
        }
        "NOW" => {
            let fsp = match args.first() {
                Some(e) => const_int(e)?.clamp(0, 6) as u8,
                None => 0,
            };
            return not_null(T::Temporal {
                ty: ct::DATETIME,
                fsp,
            });
        }
        "CURDATE" => {
            return not_null(T::Temporal {
                ty: ct::DATE,
                fsp: 0,
            })
        }
        "CURTIME" => {
            let fsp = match args.first() {
                Some(e) => const_int(e)?.clamp(0, 6) as u8,
                None => 0,
            };
            return not_null(T::Temporal { ty: ct::TIME, fsp });
        }
        "DATE" => T::Temporal {
            ty: ct::DATE,
            fsp: 0,
        },
        "YEAR" => int(4, false),
        "MONTH" | "DAY" | "HOUR" | "MINUTE" | "SECOND" | "DAYOFYEAR" => int(2, false),
        "DATEDIFF" => int(7, false),
        "TIMESTAMPDIFF" => int(20, false),
        "UNIX_TIMESTAMP" if args.is_empty() => int(16, false),
        _ => return None,
    };
    Some(Typed { t, null: true })
}

fn cast(a: Typed, to: CastTo) -> Option<Typed> {
    let (t, null) = match to {
        CastTo::Signed => (int(19, false), a.null),
        CastTo::Unsigned => (
            T::Int {
                digits: 20,
                unsigned: true,
                ty: ct::LONGLONG,
            },
            a.null,
        ),
        CastTo::Decimal(p, sc) => (dec(u32::from(p), u32::from(sc), false), a.null),
        CastTo::Double => (T::Double, a.null),
        CastTo::Char(n) => (
            T::Str {
                chars: match n {
                    Some(n) => n,
                    None => text_chars(a.t)?,
                },
                coll: CONN,
                fixed: false,
            },
            true,
        ),
        CastTo::Binary(n) => (
            T::Bin {
                len: match n {
                    Some(n) => n,
                    None => text_chars(a.t)?,
                },
            },
            true,
        ),
        CastTo::Date => (
            T::Temporal {
                ty: ct::DATE,
                fsp: 0,
            },
            true,
        ),
        CastTo::DateTime(f) => (
            T::Temporal {
                ty: ct::DATETIME,
                fsp: f.min(6),
            },
            true,
        ),
        CastTo::Time(f) => (
            T::Temporal {
                ty: ct::TIME,
                fsp: f.min(6),
            },
            true,
        ),
    };
    Some(Typed { t, null })
}
