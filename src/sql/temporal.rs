//! DATE, DATETIME/TIMESTAMP and TIME values: parsing mysqld's literal forms, rendering with
//! fractional seconds, ordering, interval arithmetic and DATE_FORMAT.
//!
//! Zero dates ('0000-00-00') and zero parts are kept as they are stored: they render and
//! compare as mysqld's do; arithmetic on them yields NULL, as mysqld's does.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::calendar::{civil, days_from_civil};
use crate::tz::{TimeZone, SYSTEM};

/// Which temporal type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// DATE.
    Date,
    /// DATETIME or TIMESTAMP.
    DateTime,
    /// TIME (may be negative, hours up to 838).
    Time,
}

/// A temporal value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Temporal {
    /// Type.
    pub kind: Kind,
    /// TIME only: negative.
    pub neg: bool,
    /// Year (0 in zero dates).
    pub year: u32,
    /// Month 0–12.
    pub month: u32,
    /// Day 0–31.
    pub day: u32,
    /// Hours (TIME: up to 838).
    pub hour: u32,
    /// Minutes.
    pub minute: u32,
    /// Seconds.
    pub second: u32,
    /// Microseconds.
    pub micro: u32,
    /// Fractional digits shown.
    pub fsp: u8,
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn fraction(s: &str) -> Option<(u32, u8)> {
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u32 = s.parse().ok()?;
    for _ in s.len()..6 {
        v *= 10;
    }
    Some((v, s.len() as u8))
}

impl Temporal {
    /// Now, in time zone `tz`, to the second.
    pub fn now_in(tz: &TimeZone) -> Temporal {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = tz.local(d.as_secs() as i64);
        Temporal::from_epoch_micros(secs * 1_000_000, Kind::DateTime, 0)
    }

    /// Today's date in the system's time zone (a TIME compared with a date takes this
    /// day, whatever the session's zone). Kept per thread for the second it was taken
    /// in: a sort comparing TIMEs with dates asks for it per pair.
    pub fn today() -> Temporal {
        thread_local! {
            static TODAY: std::cell::Cell<Option<(u64, Temporal)>> = const { std::cell::Cell::new(None) };
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        TODAY.with(|c| match c.get() {
            Some((at, t)) if at == secs => t,
            _ => {
                let t = Temporal::now_in(&SYSTEM).as_kind(Kind::Date);
                c.set(Some((secs, t)));
                t
            }
        })
    }

    /// The zero value of a kind (`0000-00-00 00:00:00`).
    pub fn zero(kind: Kind) -> Temporal {
        Temporal {
            kind,
            neg: false,
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
            fsp: 0,
        }
    }

    /// Parses 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]' (also with 'T'), as mysqld
    /// reads a string compared with or cast to a date.
    pub fn parse_datetime(s: &str) -> Option<Temporal> {
        let s = s.trim();
        // Digits only: YYYYMMDD, YYMMDD, YYYYMMDDHHMMSS[.f], YYMMDDHHMMSS, as mysqld reads them.
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) {
            let (date, time) = match whole.len() {
                8 | 6 => (whole, ""),
                14 => whole.split_at(8),
                12 => whole.split_at(6),
                _ => return None,
            };
            let y = date.len() - 4;
            let text = format!("{}-{}-{}", &date[..y], &date[y..y + 2], &date[y + 2..]);
            if time.is_empty() {
                return if frac.is_empty() {
                    Temporal::parse_datetime(&text)
                } else {
                    None
                };
            }
            let mut t = format!("{text} {}:{}:{}", &time[..2], &time[2..4], &time[4..]);
            if !frac.is_empty() {
                t.push('.');
                t.push_str(frac);
            }
            return Temporal::parse_datetime(&t);
        }
        let (date, time) = match s.find([' ', 'T']) {
            Some(i) => (&s[..i], Some(s[i + 1..].trim())),
            None => (s, None),
        };
        // Any punctuation separates the parts of a date ('2024/01/15', '2024.01.15').
        let sep = date
            .bytes()
            .find(|b| b.is_ascii_punctuation())
            .map_or('-', char::from);
        let mut it = date.split(sep);
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() > 4 {
            return None;
        }
        let mut t = Temporal::zero(Kind::Date);
        t.year = num(y)?;
        if y.len() <= 2 {
            t.year += if t.year < 70 { 2000 } else { 1900 };
        }
        t.month = num(m)?;
        t.day = num(d)?;
        if t.month > 12 || t.day > 31 {
            return None;
        }
        if let Some(time) = time {
            let tt = Temporal::parse_time(time)?;
            if tt.neg || tt.hour > 23 {
                return None;
            }
            t.kind = Kind::DateTime;
            t.hour = tt.hour;
            t.minute = tt.minute;
            t.second = tt.second;
            t.micro = tt.micro;
            t.fsp = tt.fsp;
        }
        if t.month != 0 && t.day != 0 && t.day > days_in_month(t.year, t.month) {
            return None;
        }
        Some(t)
    }

    /// A string read where a TIME is wanted (TIME(), CAST AS TIME, a TIME result): the
    /// time of a DATETIME, else a TIME; else, as mysqld does, the leading digits alone as
    /// [[H]HMM]SS ('2024-06-17' is 00:20:24).
    pub fn parse_time_context(s: &str) -> Option<Temporal> {
        if let Some(t) = Temporal::parse_datetime(s).filter(|t| t.kind == Kind::DateTime) {
            return Some(t.as_kind(Kind::Time));
        }
        Temporal::parse_time(s).or_else(|| {
            let s = s.trim();
            let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            (digits > 0 && digits < s.len())
                .then(|| Temporal::parse_time(&s[..digits]))
                .flatten()
        })
    }

    /// Parses '[-][D ]HH:MM[:SS[.ffffff]]' or a bare number of seconds 'SS', 'MMSS', 'HHMMSS'.
    pub fn parse_time(s: &str) -> Option<Temporal> {
        let s = s.trim();
        let mut t = Temporal::zero(Kind::Time);
        let body = match s.strip_prefix('-') {
            Some(b) => {
                t.neg = true;
                b
            }
            None => s,
        };
        let (body, frac) = match body.split_once('.') {
            Some((b, f)) => (b, Some(f)),
            None => (body, None),
        };
        if let Some(f) = frac {
            (t.micro, t.fsp) = fraction(f)?;
        }
        let (days, hms) = match body.split_once(' ') {
            Some((d, rest)) => (num(d)?, rest),
            None => (0, body),
        };
        let parts: Vec<&str> = hms.split(':').collect();
        match parts.as_slice() {
            [h, m] => {
                t.hour = num(h)?;
                t.minute = num(m)?;
            }
            [h, m, sec] => {
                t.hour = num(h)?;
                t.minute = num(m)?;
                t.second = num(sec)?;
            }
            [n] if days == 0 => {
                let v = num(n)?;
                t.hour = v / 10000;
                t.minute = v / 100 % 100;
                t.second = v % 100;
            }
            _ => return None,
        }
        t.hour += days * 24;
        if t.minute > 59 || t.second > 59 || t.hour > 838 {
            return None;
        }
        Some(t)
    }

    /// True for a date with a zero year, month or day.
    pub fn is_zero_date(&self) -> bool {
        self.kind != Kind::Time && (self.month == 0 || self.day == 0)
    }

    /// Days since 1970-01-01 (dates only).
    pub fn days(&self) -> i64 {
        days_from_civil(self.year as i64, self.month as i64, self.day as i64)
    }

    /// Microseconds of the time of day (or of the TIME, signed).
    pub fn time_micros(&self) -> i64 {
        let v = ((self.hour as i64 * 60 + self.minute as i64) * 60 + self.second as i64)
            * 1_000_000
            + self.micro as i64;
        if self.neg {
            -v
        } else {
            v
        }
    }

    /// Microseconds since 1970-01-01 00:00:00 (dates and datetimes).
    pub fn epoch_micros(&self) -> i64 {
        self.days() * 86_400_000_000 + self.time_micros()
    }

    /// A DATETIME (or DATE when `kind` is Date) from microseconds since the epoch.
    pub fn from_epoch_micros(us: i64, kind: Kind, fsp: u8) -> Temporal {
        let secs = us.div_euclid(1_000_000);
        let (y, mo, d, h, mi, s) = civil(secs);
        Temporal {
            kind,
            neg: false,
            year: y.max(0) as u32,
            month: mo as u32,
            day: d as u32,
            hour: if kind == Kind::Date { 0 } else { h as u32 },
            minute: if kind == Kind::Date { 0 } else { mi as u32 },
            second: if kind == Kind::Date { 0 } else { s as u32 },
            micro: if kind == Kind::Date {
                0
            } else {
                us.rem_euclid(1_000_000) as u32
            },
            fsp,
        }
    }

    /// A TIME from signed microseconds.
    pub fn from_time_micros(us: i64, fsp: u8) -> Temporal {
        let a = us.unsigned_abs();
        let secs = a / 1_000_000;
        Temporal {
            kind: Kind::Time,
            neg: us < 0,
            year: 0,
            month: 0,
            day: 0,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            micro: (a % 1_000_000) as u32,
            fsp,
        }
    }

    /// A TIME taken as a DATETIME, as mysqld does where a date is needed (DATE(t),
    /// CAST(t AS DATETIME), a TIME against a DATETIME): that TIME after midnight of
    /// `today`. Other kinds are returned as they are.
    pub fn on_date(&self, today: &Temporal) -> Temporal {
        if self.kind != Kind::Time {
            return *self;
        }
        let midnight = today.days() * 86_400_000_000;
        Temporal::from_epoch_micros(midnight + self.time_micros(), Kind::DateTime, self.fsp)
    }

    /// The value as an exact number, as mysqld gives it in numeric context
    /// (`dt + 0` is 20240617075100.70 for a DATETIME(2)): the digits times 10^fsp, and fsp.
    pub fn number_scaled(&self) -> (i128, u8) {
        let date = (self.year as i128 * 100 + self.month as i128) * 100 + self.day as i128;
        let time = (self.hour as i128 * 100 + self.minute as i128) * 100 + self.second as i128;
        let whole = match self.kind {
            Kind::Date => return (date, 0),
            Kind::DateTime => date * 1_000_000 + time,
            Kind::Time => time,
        };
        let fsp = self.fsp.min(6);
        let frac = self.micro as i128 / 10i128.pow(6 - fsp as u32);
        let v = whole * 10i128.pow(fsp as u32) + frac;
        (if self.neg { -v } else { v }, fsp)
    }

    /// Keeps `fsp` fractional digits (truncating, as MariaDB stores them); a TIME that
    /// becomes zero loses its sign (-00:00:00.5 as TIME(0) is 00:00:00).
    pub fn truncated(&self, fsp: u8) -> Temporal {
        let mut t = *self;
        t.fsp = fsp.min(6);
        let p = 10u32.pow(6 - t.fsp as u32);
        t.micro = t.micro / p * p;
        if t.kind == Kind::Time && t.time_micros() == 0 {
            t.neg = false;
        }
        t
    }

    /// The same value as another kind (DATE(), TIME(), a DATE compared as DATETIME).
    pub fn as_kind(&self, kind: Kind) -> Temporal {
        let mut t = *self;
        t.kind = kind;
        match kind {
            Kind::Date => {
                t.hour = 0;
                t.minute = 0;
                t.second = 0;
                t.micro = 0;
                t.fsp = 0;
            }
            Kind::Time => {
                t.year = 0;
                t.month = 0;
                t.day = 0;
            }
            Kind::DateTime => {}
        }
        t
    }

    /// Orders two values of possibly different kinds as mysqld compares them (a DATE as
    /// midnight of its day; a TIME against a date as that time after today's midnight).
    pub fn compare(a: &Temporal, b: &Temporal) -> Ordering {
        let key = |t: &Temporal| -> (i64, i64) {
            match t.kind {
                Kind::Time => (0, t.time_micros()),
                _ => (
                    (t.year as i64 * 13 + t.month as i64) * 32 + t.day as i64,
                    t.time_micros(),
                ),
            }
        };
        if (a.kind == Kind::Time) != (b.kind == Kind::Time) {
            let today = Temporal::today();
            let (a, b) = (a.on_date(&today), b.on_date(&today));
            return key(&a).cmp(&key(&b));
        }
        key(a).cmp(&key(b))
    }

    /// mysqld's text.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(26);
        match self.kind {
            Kind::Date => {
                let _ = write!(s, "{:04}-{:02}-{:02}", self.year, self.month, self.day);
            }
            Kind::DateTime => {
                let _ = write!(
                    s,
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    self.year, self.month, self.day, self.hour, self.minute, self.second
                );
            }
            Kind::Time => {
                let _ = write!(
                    s,
                    "{}{:02}:{:02}:{:02}",
                    if self.neg { "-" } else { "" },
                    self.hour,
                    self.minute,
                    self.second
                );
            }
        }
        if self.kind != Kind::Date && self.fsp > 0 {
            let digits = format!("{:06}", self.micro);
            s.push('.');
            s.push_str(&digits[..self.fsp.min(6) as usize]);
        }
        s
    }

    /// The number mysqld uses for a temporal value in numeric context (20240131,
    /// 20240131123000, 123000).
    pub fn as_number(&self) -> f64 {
        let date = (self.year as f64 * 100.0 + self.month as f64) * 100.0 + self.day as f64;
        let time = (self.hour as f64 * 100.0 + self.minute as f64) * 100.0 + self.second as f64;
        let frac = self.micro as f64 / 1e6;
        match self.kind {
            Kind::Date => date,
            Kind::DateTime => date * 1e6 + time + frac,
            Kind::Time => {
                let v = time + frac;
                if self.neg {
                    -v
                } else {
                    v
                }
            }
        }
    }

    /// Adds `months` and `micros` (DATE_ADD); `None` when out of range or a zero date.
    pub fn add(&self, months: i64, micros: i64) -> Option<Temporal> {
        if self.kind == Kind::Time {
            let us = self.time_micros().checked_add(micros)?;
            return Some(Temporal::from_time_micros(us, self.fsp));
        }
        if self.is_zero_date() {
            return None;
        }
        let mut t = *self;
        if months != 0 {
            let total = t.year as i64 * 12 + (t.month as i64 - 1) + months;
            if !(0..=9999 * 12 + 11).contains(&total) {
                return None;
            }
            t.year = (total / 12) as u32;
            t.month = (total % 12) as u32 + 1;
            t.day = t.day.min(days_in_month(t.year, t.month));
        }
        if micros != 0 {
            let kind = if t.kind == Kind::Date && micros % 86_400_000_000 == 0 {
                Kind::Date
            } else {
                Kind::DateTime
            };
            let us = t.epoch_micros().checked_add(micros)?;
            let fsp = t.fsp;
            t = Temporal::from_epoch_micros(us, kind, fsp);
        }
        (1..=9999).contains(&t.year).then_some(t)
    }

    /// DATE_FORMAT / TIME_FORMAT with en_US's names.
    pub fn format(&self, fmt: &str) -> String {
        self.format_in(fmt, super::locale::en_us())
    }

    /// DATE_FORMAT / TIME_FORMAT with the names of `locale` (lc_time_names).
    pub fn format_in(&self, fmt: &str, locale: &super::locale::Locale) -> String {
        let weekday = || ((self.days() + 3).rem_euclid(7)) as usize; // 0 = Monday
        let mut out = String::new();
        // mysqld writes a negative TIME's sign before whatever the format makes of it.
        if self.kind == Kind::Time && self.neg {
            out.push('-');
        }
        let mut chars = fmt.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(f) = chars.next() else { break };
            let h12 = if self.hour.is_multiple_of(12) {
                12
            } else {
                self.hour % 12
            };
            let _ = match f {
                'Y' => write!(out, "{:04}", self.year),
                'y' => write!(out, "{:02}", self.year % 100),
                'm' => write!(out, "{:02}", self.month),
                'c' => write!(out, "{}", self.month),
                'd' => write!(out, "{:02}", self.day),
                'e' => write!(out, "{}", self.day),
                'H' => write!(out, "{:02}", self.hour),
                'k' => write!(out, "{}", self.hour),
                'h' | 'I' => write!(out, "{h12:02}"),
                'l' => write!(out, "{h12}"),
                'i' => write!(out, "{:02}", self.minute),
                's' | 'S' => write!(out, "{:02}", self.second),
                'f' => write!(out, "{:06}", self.micro),
                'p' => write!(out, "{}", if self.hour < 12 { "AM" } else { "PM" }),
                'T' => write!(
                    out,
                    "{:02}:{:02}:{:02}",
                    self.hour, self.minute, self.second
                ),
                'r' => write!(
                    out,
                    "{h12:02}:{:02}:{:02} {}",
                    self.minute,
                    self.second,
                    if self.hour < 12 { "AM" } else { "PM" }
                ),
                'M' => write!(
                    out,
                    "{}",
                    locale
                        .months
                        .get((self.month as usize).wrapping_sub(1))
                        .unwrap_or(&"")
                ),
                'b' => write!(
                    out,
                    "{}",
                    locale
                        .months_abbr
                        .get((self.month as usize).wrapping_sub(1))
                        .unwrap_or(&"")
                ),
                'W' => write!(out, "{}", locale.days[weekday()]),
                'a' => write!(out, "{}", locale.days_abbr[weekday()]),
                'w' => write!(out, "{}", (weekday() + 1) % 7),
                'U' => {
                    // Week of the year, Sunday first, days before the first Sunday in week 0.
                    let yday = self.days() - days_from_civil(self.year as i64, 1, 1);
                    let wday = ((weekday() + 1) % 7) as i64;
                    write!(out, "{:02}", (yday + 7 - wday) / 7)
                }
                'j' => write!(
                    out,
                    "{:03}",
                    self.days() - days_from_civil(self.year as i64, 1, 1) + 1
                ),
                'D' => {
                    let suffix = match (self.day % 100, self.day % 10) {
                        (11..=13, _) => "th",
                        (_, 1) => "st",
                        (_, 2) => "nd",
                        (_, 3) => "rd",
                        _ => "th",
                    };
                    write!(out, "{}{suffix}", self.day)
                }
                '%' => write!(out, "%"),
                other => write!(out, "{other}"),
            };
        }
        out
    }
}

/// Days in `month` of `year`.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_render() {
        let t = Temporal::parse_datetime("2024-02-29 13:05:09.120").unwrap();
        assert_eq!(t.render(), "2024-02-29 13:05:09.120");
        assert_eq!(
            Temporal::parse_datetime("0000-00-00").unwrap().render(),
            "0000-00-00"
        );
        assert_eq!(Temporal::parse_datetime("2023-02-29"), None);
        assert_eq!(
            Temporal::parse_time("-838:59:59").unwrap().render(),
            "-838:59:59"
        );
        assert_eq!(
            Temporal::parse_time("1 02:03").unwrap().render(),
            "26:03:00"
        );
    }

    #[test]
    fn arithmetic_and_format() {
        let t = Temporal::parse_datetime("2024-01-31").unwrap();
        assert_eq!(t.add(1, 0).unwrap().render(), "2024-02-29");
        assert_eq!(t.add(0, 86_400_000_000).unwrap().render(), "2024-02-01");
        assert_eq!(
            t.add(0, 3_600_000_000).unwrap().render(),
            "2024-01-31 01:00:00"
        );
        assert_eq!(
            t.format("%W %D %M %Y %j"),
            "Wednesday 31st January 2024 031"
        );
        let a = Temporal::parse_datetime("2024-01-31 00:00:00").unwrap();
        assert_eq!(Temporal::compare(&t, &a), Ordering::Equal);
    }
}
