//! Date and time functions: the clock, parts, arithmetic, formatting and parsing.

use super::{first, int, lazy, nulls, strict, t, t_of, text, Func, Ret, Value};
use crate::sql::decimal::Decimal;
use crate::sql::engine::plan::Ex;
use crate::sql::parse::unsupported;
use crate::sql::temporal::{Kind, Temporal};
use crate::sqlerror::SqlError;
use crate::tz::TimeZone;

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

/// The kinds of temporal value as AS_TEMPORAL's argument names them.
pub fn temporal_kind_code(kind: Kind) -> i64 {
    match kind {
        Kind::Date => 0,
        Kind::DateTime => 1,
        Kind::Time => 2,
    }
}

const DATE: Ret = Ret::Temporal(Kind::Date);
const DATETIME: Ret = Ret::Temporal(Kind::DateTime);
const TIME: Ret = Ret::Temporal(Kind::Time);

pub(super) const FUNCS: &[Func] = &[
    // The clock, in the session's time zone. The binder gives NOW(n) its precision, and a
    // replayed statement the master's time (through the session).
    lazy("NOW", 0, 1, DATETIME, |_, _, env| {
        Ok(Value::Temporal(Temporal::now_in(env.time_zone())))
    }),
    lazy("CURDATE", 0, 1, DATE, |_, _, env| {
        Ok(Value::Temporal(
            Temporal::now_in(env.time_zone()).as_kind(Kind::Date),
        ))
    }),
    lazy("CURTIME", 0, 1, TIME, |_, _, env| {
        Ok(Value::Temporal(
            Temporal::now_in(env.time_zone()).as_kind(Kind::Time),
        ))
    }),
    lazy("UNIX_TIMESTAMP", 0, 1, Ret::Args, |a, eval, env| {
        match a.first() {
            None => {
                let d = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                Ok(Value::Int(d.as_secs() as i64))
            }
            Some(x) => Ok(match eval(x)? {
                Value::Null => Value::Null,
                v => unix_timestamp(&v, env.time_zone()),
            }),
        }
    }),
    lazy("FROM_UNIXTIME", 1, 2, Ret::Args, |a, eval, env| {
        let mut vals = Vec::with_capacity(a.len());
        for x in a {
            match eval(x)? {
                Value::Null => return Ok(Value::Null),
                v => vals.push(v),
            }
        }
        Ok(from_unixtime(&vals, env.time_zone(), env.locale()))
    }),
    lazy("CONVERT_TZ", 3, 3, DATETIME, |a, eval, _| {
        let (v, from, to) = (eval(&a[0])?, eval(&a[1])?, eval(&a[2])?);
        Ok(convert_tz(&v, &from, &to))
    }),
    strict("DATE", 1, 1, DATE, |a, _| {
        Ok(datetime(&a[0]).map_or(Value::Null, |t| Value::Temporal(t.as_kind(Kind::Date))))
    }),
    strict("TIME", 1, 1, TIME, |a, _| {
        Ok(match &a[0] {
            Value::Temporal(t) => Value::Temporal(t.as_kind(Kind::Time)),
            other => {
                Temporal::parse_time_context(&t_of(other)).map_or(Value::Null, Value::Temporal)
            }
        })
    }),
    lazy("DATE_FORMAT", 2, 2, Ret::Text, |a, eval, env| {
        format_args_in(a, eval, env.locale())
    }),
    lazy("TIME_FORMAT", 2, 2, Ret::Text, |a, eval, env| {
        format_args_in(a, eval, env.locale())
    }),
    lazy("MONTHNAME", 1, 1, Ret::Text, |a, eval, env| {
        Ok(match datetime(&eval(&a[0])?) {
            Some(t) if (1..=12).contains(&t.month) => {
                Value::Text(env.locale().months[t.month as usize - 1].to_string())
            }
            _ => Value::Null,
        })
    }),
    lazy("DAYNAME", 1, 1, Ret::Text, |a, eval, env| {
        Ok(match datetime(&eval(&a[0])?) {
            Some(t) if t.month > 0 && t.day > 0 => Value::Text(t.format_in("%W", env.locale())),
            _ => Value::Null,
        })
    }),
    strict("STR_TO_DATE", 2, 2, Ret::Args, |a, _| {
        Ok(str_to_date(&t(&a, 0), &t(&a, 1)).map_or(Value::Null, Value::Temporal))
    }),
    // Written DATE_ADD(d, INTERVAL n unit) or ADDDATE(d, days); bound as (d, n, 'unit'),
    // as is `d + INTERVAL n unit`.
    strict("DATE_ADD", 2, 3, Ret::Args, |a, _| date_add(&a, false)),
    strict("DATE_SUB", 2, 3, Ret::Args, |a, _| date_add(&a, true)),
    strict("DATEDIFF", 2, 2, Ret::Int, |a, _| {
        Ok(match (datetime(&a[0]), datetime(&a[1])) {
            (Some(x), Some(y)) if !x.is_zero_date() && !y.is_zero_date() => {
                Value::Int(x.days() - y.days())
            }
            _ => Value::Null,
        })
    }),
    // TIMESTAMPDIFF('unit', a, b): the unit is bound as a string.
    strict("TIMESTAMPDIFF", 3, 3, Ret::Int, |a, _| timestampdiff(&a)),
    strict("YEAR", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| x.year as i64))
    }),
    strict("MONTH", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| x.month as i64))
    }),
    strict("DAY", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| x.day as i64))
    }),
    strict("HOUR", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| x.hour as i64))
    }),
    strict("MINUTE", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| x.minute as i64))
    }),
    strict("SECOND", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| x.second as i64))
    }),
    strict("DAYOFWEEK", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| (x.days() + 4).rem_euclid(7) + 1))
    }),
    strict("WEEKDAY", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| (x.days() + 3).rem_euclid(7)))
    }),
    strict("DAYOFYEAR", 1, 1, Ret::Int, |a, _| {
        Ok(date_part(&a[0], |x| {
            x.days() - crate::calendar::days_from_civil(x.year as i64, 1, 1) + 1
        }))
    }),
    strict("LAST_DAY", 1, 1, DATE, |a, _| {
        Ok(match datetime(&a[0]) {
            Some(x) if !x.is_zero_date() => {
                let mut d = x.as_kind(Kind::Date);
                d.day = crate::sql::temporal::days_in_month(d.year, d.month);
                Value::Temporal(d)
            }
            _ => Value::Null,
        })
    }),
    // EXTRACT(unit FROM d), bound as ('unit', d).
    strict("EXTRACT", 2, 2, Ret::Int, |a, _| extract(&a)),
    // The binder's: a value as a temporal of a kind (0 DATE, 1 DATETIME, 2 TIME) and
    // precision, where mysqld compares or returns in a temporal type.
    nulls("AS_TEMPORAL", 3, 3, Ret::Args, |a, _| Ok(as_temporal(a))),
];

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

/// DATE_FORMAT / TIME_FORMAT of evaluated arguments in `locale`.
fn format_args_in(
    a: &[Ex],
    eval: &mut dyn FnMut(&Ex) -> Result<Value, SqlError>,
    locale: &'static crate::sql::locale::Locale,
) -> Result<Value, SqlError> {
    let (v, f) = (eval(&a[0])?, eval(&a[1])?);
    if matches!(v, Value::Null) || matches!(f, Value::Null) {
        return Ok(Value::Null);
    }
    Ok(format(&[v, f], locale))
}

/// DATE_FORMAT / TIME_FORMAT.
fn format(a: &[Value], locale: &'static crate::sql::locale::Locale) -> Value {
    let tv = match &a[0] {
        Value::Temporal(x) => Some(*x),
        other => {
            let s = t_of(other);
            Temporal::parse_datetime(&s).or_else(|| Temporal::parse_time(&s))
        }
    };
    tv.map_or(Value::Null, |x| Value::Text(x.format_in(&t(a, 1), locale)))
}

/// DATE_ADD (DATE_SUB when `sub`) of (d, n, 'unit').
fn date_add(a: &[Value], sub: bool) -> Result<Value, SqlError> {
    if a.len() != 3 {
        return Err(unsupported("DATE_ADD without an interval"));
    }
    let unit = t(a, 2);
    if !UNITS.contains(&unit.as_str()) {
        return Err(unsupported(&format!("INTERVAL unit {unit}")));
    }
    let Some((mut months, mut us)) = interval(&a[1], &unit) else {
        return Ok(Value::Null);
    };
    if sub {
        months = -months;
        us = -us;
    }
    let base = match &a[0] {
        Value::Temporal(x) => Some(*x),
        other => temporal(other),
    };
    // Microseconds in the interval give the result six fractional digits; a fractional
    // SECOND interval, its own scale (mysqld's result type).
    let interval_fsp = match (unit.as_str(), &a[1]) {
        ("MICROSECOND", _) => 6,
        ("SECOND", Value::Decimal(d)) => d.scale.min(6),
        ("SECOND", Value::Double(_) | Value::Float(_) | Value::Text(_)) => 6,
        _ => 0,
    };
    let Some(mut x) = base else {
        return Ok(Value::Null);
    };
    if x.kind == Kind::Date && us % 86_400_000_000 != 0 {
        x = x.as_kind(Kind::DateTime);
    }
    x.fsp = x.fsp.max(interval_fsp);
    Ok(match x.add(months, us) {
        Some(r) if r.kind == Kind::Time && r.time_micros().abs() > TIME_MAX_MICROS => Value::Null,
        Some(r) => Value::Temporal(r),
        None => Value::Null,
    })
}

fn timestampdiff(a: &[Value]) -> Result<Value, SqlError> {
    let unit = t(a, 0);
    let (Some(x), Some(y)) = (datetime(&a[1]), datetime(&a[2])) else {
        return Ok(Value::Null);
    };
    if x.is_zero_date() || y.is_zero_date() {
        return Ok(Value::Null);
    }
    let dus = y.epoch_micros() - x.epoch_micros();
    let months = || {
        let m = (y.year as i64 * 12 + y.month as i64) - (x.year as i64 * 12 + x.month as i64);
        // A month counts only once its day and time are reached.
        let later =
            |a: &Temporal, b: &Temporal| (a.day, a.time_micros()) > (b.day, b.time_micros());
        if m > 0 && later(&x, &y) {
            m - 1
        } else if m < 0 && later(&y, &x) {
            m + 1
        } else {
            m
        }
    };
    Ok(Value::Int(match unit.as_str() {
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
    }))
}

/// UNIX_TIMESTAMP(v). The result's scale is the argument's fractional precision
/// (mysqld's type): a column's fsp, a number's scale, 6 for other strings (string
/// literals were made temporal literals when bound).
fn unix_timestamp(v: &Value, tz: &TimeZone) -> Value {
    let scale = match v {
        Value::Temporal(t) => t.fsp.min(6),
        Value::Decimal(d) => d.scale.min(6),
        Value::Int(_) | Value::UInt(_) => 0,
        _ => 6,
    };
    let (secs, micro) = match datetime(v) {
        Some(x) if !x.is_zero_date() => {
            let secs = tz.utc(x.epoch_micros().div_euclid(1_000_000));
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
            m: crate::sql::decimal::I256::new(secs as i128 * 10i128.pow(scale as u32) + frac),
            scale,
        })
    }
}

/// FROM_UNIXTIME(secs [, format]). The result keeps the argument's scale (at most 6):
/// exact for exact numbers.
fn from_unixtime(a: &[Value], tz: &TimeZone, locale: &crate::sql::locale::Locale) -> Value {
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
                return Value::Null;
            }
            let micro = ((secs - secs.floor()) * 1e6).round() as i64;
            (secs.floor() as i64, micro.min(999_999), 6)
        }
    };
    // mysqld's range for FROM_UNIXTIME, fraction included.
    const MAX: i64 = 32_536_771_199;
    if !(0..=MAX).contains(&s) || (s == MAX && micro > 0) {
        return Value::Null;
    }
    let tv = Temporal::from_epoch_micros(tz.local(s) * 1_000_000 + micro, Kind::DateTime, fsp);
    match a.get(1) {
        Some(f) => Value::Text(tv.format_in(&text(f).unwrap_or_default(), locale)),
        None => Value::Temporal(tv),
    }
}

/// CONVERT_TZ(dt, from, to): NULL for a zone mysqld does not know, or a value that is no
/// date and time; a time outside TIMESTAMP's range is left as it is, as mysqld does.
fn convert_tz(v: &Value, from: &Value, to: &Value) -> Value {
    let zone = |z: &Value| z.as_text().and_then(|n| TimeZone::parse(&n).ok());
    let (Some(x), Some(from), Some(to)) = (datetime(v), zone(from), zone(to)) else {
        return Value::Null;
    };
    let local = x.epoch_micros().div_euclid(1_000_000);
    let utc = from.utc(local);
    // mysqld converts only what a TIMESTAMP can hold.
    if x.is_zero_date() || !(1..=i64::from(u32::MAX)).contains(&utc) {
        return Value::Temporal(x.as_kind(Kind::DateTime));
    }
    let mut t = Temporal::from_epoch_micros(
        to.local(utc) * 1_000_000 + i64::from(x.micro),
        Kind::DateTime,
        x.fsp,
    );
    t.fsp = x.fsp;
    Value::Temporal(t)
}

fn extract(a: &[Value]) -> Result<Value, SqlError> {
    let unit = t(a, 0);
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
    Ok(match (date_part(&a[1], f), &a[1]) {
        (Value::Int(n), Value::Temporal(t)) if t.neg && time_unit => Value::Int(-n),
        (v, _) => v,
    })
}

/// AS_TEMPORAL(v, kind code, fsp).
fn as_temporal(a: Vec<Value>) -> Value {
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
    match t {
        Some(t) => {
            let mut t = match kind {
                Kind::Time => t.as_kind(Kind::Time),
                _ => t.on_date(&Temporal::today()).as_kind(kind),
            };
            t.fsp = if kind == Kind::Date { 0 } else { fsp };
            Value::Temporal(t)
        }
        None => first(a),
    }
}

/// The position in `names` of the word (ASCII letters) at `b[*i..]`, as mysqld's
/// STR_TO_DATE finds it: a name equal to it (ignoring case), else the only name it begins;
/// `*i` moves past the word when found.
fn name_at(names: &[&str], b: &[u8], i: &mut usize) -> Option<usize> {
    let len = b[*i..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let word = &b[*i..*i + len];
    if word.is_empty() {
        return None;
    }
    let found = match names
        .iter()
        .position(|n| n.as_bytes().eq_ignore_ascii_case(word))
    {
        Some(p) => p,
        None => {
            let mut begun = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.len() > len && n.as_bytes()[..len].eq_ignore_ascii_case(word));
            match (begun.next(), begun.next()) {
                (Some((p, _)), None) => p,
                _ => return None,
            }
        }
    };
    *i += len;
    Some(found)
}

/// STR_TO_DATE: numbers (%Y %y %m %c %d %e %D %j %H %k %h %I %l %i %s %S %f %T %r %p)
/// and English month and day names (%M %b %W %a) under every lc_time_names, as MariaDB
/// reads them (a day name is read and not checked against the date).
fn str_to_date(s: &str, fmt: &str) -> Option<Temporal> {
    let mut t = Temporal::parse_datetime("0000-00-00")?;
    let mut has_time = false;
    let mut has_date = false;
    let b = s.as_bytes();
    let mut i = 0;
    let mut f = fmt.chars().peekable();
    let mut pm = None;
    let mut day_of_year = None;
    let en = crate::sql::locale::en_us();
    let digits = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        s[start..*i].parse().ok()
    };
    // hh:mm:ss (%T, and %r before its AM/PM).
    let hms = |i: &mut usize| -> Option<(u32, u32, u32)> {
        let sep = |i: &mut usize| -> Option<()> { (b.get(*i) == Some(&b':')).then(|| *i += 1) };
        let h = digits(i, 2)?;
        sep(i)?;
        let m = digits(i, 2)?;
        sep(i)?;
        Some((h, m, digits(i, 2)?))
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
            'D' => {
                t.day = digits(&mut i, 2)?;
                // The suffix (st, nd, rd, th) is skipped unread.
                i = (i + 2).min(b.len());
                while !s.is_char_boundary(i) {
                    i += 1;
                }
                has_date = true;
            }
            'j' => {
                day_of_year = Some(digits(&mut i, 3)?);
                has_date = true;
            }
            'M' => {
                t.month = name_at(&en.months, b, &mut i)? as u32 + 1;
                has_date = true;
            }
            'b' => {
                t.month = name_at(&en.months_abbr, b, &mut i)? as u32 + 1;
                has_date = true;
            }
            'W' => {
                name_at(&en.days, b, &mut i)?;
            }
            'a' => {
                name_at(&en.days_abbr, b, &mut i)?;
            }
            'r' => {
                (t.hour, t.minute, t.second) = hms(&mut i)?;
                while b.get(i) == Some(&b' ') {
                    i += 1;
                }
                let w = s.get(i..i + 2)?.to_ascii_uppercase();
                if w != "AM" && w != "PM" {
                    return None;
                }
                pm = Some(w == "PM");
                i += 2;
                has_time = true;
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
                (t.hour, t.minute, t.second) = hms(&mut i)?;
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
    if let Some(n) = day_of_year {
        // Day n of the year (1..366).
        if !(1..=366).contains(&n) {
            return None;
        }
        let start = crate::calendar::days_from_civil(i64::from(t.year), 1, 1);
        let day = start + i64::from(n) - 1;
        let (y, m, d, ..) = crate::calendar::civil(day * 86_400);
        if y != i64::from(t.year) {
            return None;
        }
        t.month = m as u32;
        t.day = d as u32;
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
