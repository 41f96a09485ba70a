//! Calendar arithmetic and the text of dates and times, shared by every layer that prints
//! or computes them: civil dates from epoch seconds and back (proleptic Gregorian, UTC),
//! mysqlbinlog's timestamp forms, and the zero-padded writers of times and fractions.

use std::io::Write;

use crate::binlog::jsonb::fmt_u64;
use crate::binlog::value::Time;

/// Formats seconds since the epoch as mysqlbinlog's `YYMMDD HH:MM:SS` (UTC).
pub fn format_timestamp(secs: u32) -> String {
    let (y, mo, d, h, mi, s) = civil(secs as i64);
    format!("{:02}{:02}{:02} {:2}:{:02}:{:02}", y % 100, mo, d, h, mi, s)
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_datetime(secs: u32) -> String {
    let (y, mo, d, h, mi, s) = civil(secs as i64);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// Parses `YYYY-MM-DD HH:MM:SS` (or a date alone) as UTC seconds since the epoch.
pub fn parse_datetime(text: &str) -> Option<u32> {
    let t = text.trim();
    let (date, time) = t.split_once([' ', 'T']).unwrap_or((t, "00:00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let mut tm = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, s) = (
        tm.next()??,
        tm.next().unwrap_or(Some(0))?,
        tm.next().unwrap_or(Some(0))?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let days = days_from_civil(y, mo, da);
    let secs = u32::try_from(days * 86400 + h * 3600 + mi * 60 + s).ok()?;
    // days_from_civil rolls 2035-02-30 over into March; a day the month lacks is a typo.
    (civil(secs as i64).2 == da).then_some(secs)
}

/// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

pub fn civil(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let z = days + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `v` zero-padded to at least `width` digits (`%0Nd`).
pub fn write_padded<W: Write + ?Sized>(out: &mut W, v: u64, width: usize) -> std::io::Result<()> {
    let mut b = [0u8; 24];
    let digits = fmt_u64(v, &mut b);
    for _ in digits.len()..width {
        out.write_all(b"0")?;
    }
    out.write_all(digits)
}

pub fn write_hms<W: Write + ?Sized>(out: &mut W, h: u32, m: u32, s: u32) -> std::io::Result<()> {
    write_padded(out, h as u64, 2)?;
    out.write_all(b":")?;
    write_padded(out, m as u64, 2)?;
    out.write_all(b":")?;
    write_padded(out, s as u64, 2)
}

pub fn write_time<W: Write + ?Sized>(out: &mut W, t: &Time) -> std::io::Result<()> {
    if t.negative {
        out.write_all(b"-")?;
    }
    write_hms(out, t.hours, t.minute, t.second)?;
    write_fraction(out, t.micros, t.fsp)
}

/// `.ffff` with exactly `fsp` digits (none for fsp 0), as `my_time_to_str` & co. print it.
pub fn write_fraction<W: Write + ?Sized>(out: &mut W, micros: u32, fsp: u8) -> std::io::Result<()> {
    if fsp == 0 {
        return Ok(());
    }
    let fsp = fsp.min(6) as u32;
    let scaled = micros as u64 / 10u64.pow(6 - fsp);
    out.write_all(b".")?;
    write_padded(out, scaled % 10u64.pow(fsp), fsp as usize)
}

/// Now as mysqld prints error timestamps: `YYMMDD HH:MM:SS` (UTC).
pub fn timestamp_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_timestamp(secs as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(format_timestamp(0), "700101  0:00:00");
        assert_eq!(format_datetime(1795522073), "2026-11-24 12:07:53");
        assert_eq!(parse_datetime("2026-11-24 12:07:53"), Some(1795522073));
        assert_eq!(parse_datetime("2026-11-24"), Some(1795478400));
        assert_eq!(parse_datetime("2026-13-01"), None);
        assert_eq!(parse_datetime("2035-02-30 00:00:00"), None);
        assert_eq!(parse_datetime("2026-04-31"), None);
        assert_eq!(parse_datetime("2024-02-29"), Some(1709164800));
        assert_eq!(parse_datetime("garbage"), None);
    }
}
