//! Time zones, as mysqld's `time_zone` knows them: `SYSTEM` (the machine's zone, as
//! mysqld's, which must then be the master's), a fixed offset (`'+08:00'`, from `-12:59`
//! to `+13:00`), or a named zone (`'Asia/Shanghai'`). mysqld reads named zones from its
//! `mysql.time_zone*` tables, which `mariadb-tzinfo-to-sql` fills from the system's
//! zoneinfo files; replicant reads those files (`/usr/share/zoneinfo`, package `tzdata`)
//! directly, so a name the master's tables know resolves to the same transitions.
//!
//! Like mysqld's tables, a zone is its list of transitions: times after the last one keep
//! its offset (the files' POSIX rule for later years is not used, as mysqld does not use
//! it either), and leap seconds are not counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::sqlerror::SqlError;

/// Where named zones are read from.
const ZONEINFO: &str = "/usr/share/zoneinfo";

/// A session's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeZone {
    /// The machine's zone (`SYSTEM`).
    System,
    /// A fixed offset from UTC in seconds, as written ('+08:00').
    Offset(i32),
    /// A zone of the zoneinfo database.
    Named(Arc<Zone>),
}

/// The system zone, for sessions that have no other.
pub static SYSTEM: TimeZone = TimeZone::System;

/// UTC: how TIMESTAMP values are stored, and how a stored TIMESTAMP's text reads.
pub static UTC: TimeZone = TimeZone::Offset(0);

/// A named zone: its transitions and the offset each one starts.
#[derive(Debug, PartialEq, Eq)]
pub struct Zone {
    /// The name as the session gave it (mysqld shows it so in `@@time_zone`).
    name: String,
    /// Transition times, seconds since the epoch, ascending.
    at: Vec<i64>,
    /// The offset from UTC in force from each transition on.
    offset: Vec<i32>,
    /// The offset before the first transition.
    before: i32,
}

impl TimeZone {
    /// The zone a session names: 1298 (mysqld's "Unknown or incorrect time zone") for
    /// anything else.
    pub fn parse(name: &str) -> Result<TimeZone, SqlError> {
        let unknown = || SqlError::new(1298, format!("Unknown or incorrect time zone: '{name}'"));
        if name.eq_ignore_ascii_case("SYSTEM") {
            return Ok(TimeZone::System);
        }
        if let Some(sign) = name.chars().next().filter(|c| *c == '+' || *c == '-') {
            let (h, m) = name[1..].split_once(':').ok_or_else(unknown)?;
            let num = |s: &str| {
                (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<i32>().ok())
                    .flatten()
            };
            let (h, m) = (num(h).ok_or_else(unknown)?, num(m).ok_or_else(unknown)?);
            let secs = (h * 60 + m) * 60 * if sign == '-' { -1 } else { 1 };
            if m > 59 || !(-(12 * 3600 + 59 * 60)..=13 * 3600).contains(&secs) {
                return Err(unknown());
            }
            return Ok(TimeZone::Offset(secs));
        }
        named(name).map(TimeZone::Named).ok_or_else(unknown)
    }

    /// The name `@@time_zone` shows.
    pub fn name(&self) -> String {
        match self {
            TimeZone::System => "SYSTEM".to_string(),
            TimeZone::Offset(s) => {
                let sign = if *s < 0 { '-' } else { '+' };
                let a = s.unsigned_abs() / 60;
                format!("{sign}{:02}:{:02}", a / 60, a % 60)
            }
            TimeZone::Named(z) => z.name.clone(),
        }
    }

    /// The offset from UTC, in seconds, at `utc` (seconds since the epoch).
    pub fn offset_at(&self, utc: i64) -> i64 {
        match self {
            TimeZone::System => system_offset(utc),
            TimeZone::Offset(s) => *s as i64,
            TimeZone::Named(z) => z.offset_at(utc) as i64,
        }
    }

    /// Local time `utc` shows in this zone, as seconds since the epoch of the local clock.
    pub fn local(&self, utc: i64) -> i64 {
        utc + self.offset_at(utc)
    }

    /// The moment local time `local` (seconds of the local clock since the epoch) names.
    /// A time the clocks skipped (spring forward) is the moment they skipped to; one they
    /// showed twice (fall back) is the first, as mysqld converts them.
    pub fn utc(&self, local: i64) -> i64 {
        match self {
            TimeZone::System => {
                local - system_offset(local - system_offset(local - system_offset(local)))
            }
            TimeZone::Offset(s) => local - *s as i64,
            TimeZone::Named(z) => z.utc(local),
        }
    }
}

impl Zone {
    /// Reads a TZif file (RFC 8536); `None` when it is not one.
    fn from_tzif(name: &str, b: &[u8]) -> Option<Zone> {
        let v1 = header(b)?;
        // Version 2 and later repeat the data with 64-bit times after the 32-bit block.
        let (wide, h, data) = if b[4] >= b'2' {
            let rest = b.get(v1.len_at(4)..)?;
            (true, header(rest)?, rest.get(44..)?)
        } else {
            (false, v1, b.get(44..)?)
        };
        let tsize = if wide { 8 } else { 4 };
        let times = data.get(..h.timecnt * tsize)?;
        let idx = data.get(h.timecnt * tsize..h.timecnt * (tsize + 1))?;
        let types = data.get(h.timecnt * (tsize + 1)..h.timecnt * (tsize + 1) + h.typecnt * 6)?;
        let utoff = |i: usize| -> Option<i32> {
            let t = types.get(i * 6..i * 6 + 4)?;
            Some(i32::from_be_bytes(t.try_into().ok()?))
        };
        let isdst = |i: usize| types.get(i * 6 + 4).copied();
        let mut at = Vec::with_capacity(h.timecnt);
        let mut offset = Vec::with_capacity(h.timecnt);
        for (i, &ty) in idx.iter().enumerate() {
            let t = &times[i * tsize..(i + 1) * tsize];
            at.push(if wide {
                i64::from_be_bytes(t.try_into().ok()?)
            } else {
                i32::from_be_bytes(t.try_into().ok()?) as i64
            });
            offset.push(utoff(ty as usize)?);
        }
        // Before the first transition: the first standard-time type (mysqld's fallback).
        let first_std = (0..h.typecnt).find(|&i| isdst(i) == Some(0)).unwrap_or(0);
        Some(Zone {
            name: name.to_string(),
            at,
            offset,
            before: utoff(first_std)?,
        })
    }

    fn offset_at(&self, utc: i64) -> i32 {
        match self.at.partition_point(|&t| t <= utc) {
            0 => self.before,
            n => self.offset[n - 1],
        }
    }

    fn utc(&self, local: i64) -> i64 {
        // Each period [at[i], at[i+1]) shows local times [at[i] + off, at[i+1] + off): the
        // first period showing `local` gives the moment.
        let start = |i: usize| if i == 0 { i64::MIN } else { self.at[i - 1] };
        let off = |i: usize| if i == 0 { self.before } else { self.offset[i - 1] } as i64;
        // Periods that could show `local` start before it plus the largest offset.
        let last = self
            .at
            .partition_point(|&t| t <= local.saturating_add(14 * 3600));
        let first = self
            .at
            .partition_point(|&t| t <= local.saturating_sub(14 * 3600));
        // `last` is at most `at.len()`, the last period.
        for i in first..=last {
            let u = local - off(i);
            let end = self.at.get(i).copied().unwrap_or(i64::MAX);
            if u >= start(i) && u < end {
                return u;
            }
            if u < start(i) {
                // Skipped by the clocks: the moment they jumped.
                return start(i);
            }
        }
        local - off(last)
    }
}

/// A TZif header's counts.
#[derive(Clone, Copy)]
struct Header {
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl Header {
    /// Bytes the header and the data block with `tsize`-byte times take.
    fn len_at(&self, tsize: usize) -> usize {
        44 + self.timecnt * (tsize + 1)
            + self.typecnt * 6
            + self.charcnt
            + self.leapcnt * (tsize + 4)
            + self.isstdcnt
            + self.isutcnt
    }
}

fn header(b: &[u8]) -> Option<Header> {
    if b.get(..4)? != b"TZif" {
        return None;
    }
    let n = |i: usize| -> Option<usize> {
        Some(u32::from_be_bytes(b.get(20 + i * 4..24 + i * 4)?.try_into().ok()?) as usize)
    };
    let h = Header {
        isutcnt: n(0)?,
        isstdcnt: n(1)?,
        leapcnt: n(2)?,
        timecnt: n(3)?,
        typecnt: n(4)?,
        charcnt: n(5)?,
    };
    // A file cannot hold more than it is long: refuse counts that would overflow.
    let counts = [
        h.isutcnt, h.isstdcnt, h.leapcnt, h.timecnt, h.typecnt, h.charcnt,
    ];
    if counts.iter().any(|&c| c > b.len()) || h.typecnt == 0 {
        return None;
    }
    Some(h)
}

/// A named zone, read once per process and name (as mysqld caches what it loaded).
fn named(name: &str) -> Option<Arc<Zone>> {
    static CACHE: Mutex<Option<HashMap<String, Option<Arc<Zone>>>>> = Mutex::new(None);
    let key = name.to_ascii_lowercase();
    if let Ok(mut c) = CACHE.lock() {
        if let Some(z) = c.get_or_insert_with(HashMap::new).get(&key) {
            return z.clone();
        }
    }
    let zone = find_file(name)
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| Zone::from_tzif(name, &b))
        .map(Arc::new);
    if let Ok(mut c) = CACHE.lock() {
        c.get_or_insert_with(HashMap::new).insert(key, zone.clone());
    }
    zone
}

/// The zoneinfo file of `name`, matched without regard to case as mysqld's table of
/// names is (`asia/shanghai` is `Asia/Shanghai`).
fn find_file(name: &str) -> Option<std::path::PathBuf> {
    let ok = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b))
    };
    let mut path = std::path::PathBuf::from(ZONEINFO);
    for part in name.split('/') {
        if !ok(part) {
            return None;
        }
        let exact = path.join(part);
        path = if exact.exists() {
            exact
        } else {
            std::fs::read_dir(&path)
                .ok()?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.eq_ignore_ascii_case(part))
                })?
        };
    }
    path.is_file().then_some(path)
}

/// The machine's zone as `@@system_time_zone` shows it: its abbreviation now (`UTC`,
/// `CST`).
pub fn system_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as libc::time_t);
    // SAFETY: as in system_offset; tm_zone, when set, points at a NUL-terminated static
    // string of the C library's.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&now, &mut tm).is_null() };
    if !ok || tm.tm_zone.is_null() {
        return "UTC".to_string();
    }
    unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
        .to_string_lossy()
        .into_owned()
}

/// The machine's offset from UTC at `t` (seconds since the epoch).
fn system_offset(t: i64) -> i64 {
    // SAFETY: libc::tm is a plain C struct of integers (and a nullable pointer), and
    // localtime_r writes only into the tm we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt = t as libc::time_t;
    let ok = unsafe { !libc::localtime_r(&tt, &mut tm).is_null() };
    if ok {
        tm.tm_gmtoff
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_as_mariadb_accepts_and_shows_them() {
        for (given, shown) in [
            ("+8:00", "+08:00"),
            ("+13:00", "+13:00"),
            ("-12:59", "-12:59"),
            ("+0:00", "+00:00"),
            ("-0:30", "-00:30"),
            ("+08:5", "+08:05"),
            ("system", "SYSTEM"),
        ] {
            assert_eq!(TimeZone::parse(given).unwrap().name(), shown, "{given}");
        }
        for bad in [
            "+13:01",
            "-13:00",
            "+08:60",
            "8:00",
            "+8",
            "+:00",
            "+008:00",
            "Nowhere/Else",
            "../etc/passwd",
            "",
        ] {
            let e = TimeZone::parse(bad).unwrap_err();
            assert_eq!(e.code, 1298, "{bad}");
            assert_eq!(
                e.message,
                format!("Unknown or incorrect time zone: '{bad}'")
            );
        }
        let z = TimeZone::parse("-05:30").unwrap();
        assert_eq!(z.local(0), -19_800);
        assert_eq!(z.utc(-19_800), 0);
    }

    #[test]
    fn named_zones_convert_as_mariadb_with_its_tables_loaded() {
        // The values MariaDB 10.11 gives with mariadb-tzinfo-to-sql's tables loaded.
        let ny = TimeZone::parse("America/New_York").unwrap();
        assert_eq!(ny.name(), "America/New_York");
        // 2024-03-10 03:00:00 EDT, and the second before it, 01:59:59 EST.
        assert_eq!(ny.local(1_710_054_000), 1_710_054_000 - 4 * 3600);
        assert_eq!(ny.local(1_710_053_999), 1_710_053_999 - 5 * 3600);
        let local = |s: &str| {
            let n: Vec<i64> = s
                .split(['-', ' ', ':'])
                .map(|x| x.parse().unwrap())
                .collect();
            crate::calendar::days_from_civil(n[0], n[1], n[2]) * 86_400
                + n[3] * 3600
                + n[4] * 60
                + n[5]
        };
        // Skipped by the clocks: the moment they jumped.
        assert_eq!(ny.utc(local("2024-03-10 02:30:00")), 1_710_054_000);
        assert_eq!(ny.utc(local("2024-03-10 03:00:00")), 1_710_054_000);
        // Shown twice: the first.
        assert_eq!(ny.utc(local("2024-11-03 01:30:00")), 1_730_611_800);
        let sh = TimeZone::parse("asia/shanghai").unwrap();
        assert_eq!(sh.name(), "asia/shanghai");
        assert_eq!(sh.local(1_700_000_000), 1_700_000_000 + 8 * 3600);
        assert_eq!(sh.utc(1_700_000_000 + 8 * 3600), 1_700_000_000);
    }

    #[test]
    fn garbage_is_no_zone() {
        assert!(Zone::from_tzif("x", b"").is_none());
        assert!(Zone::from_tzif("x", b"TZif2").is_none());
        let mut b = std::fs::read("/usr/share/zoneinfo/Europe/Paris").unwrap();
        for cut in (0..b.len()).step_by(7) {
            let _ = Zone::from_tzif("x", &b[..cut]);
        }
        b[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Zone::from_tzif("x", &b).is_none());
    }
}
