//! The inspection tool: `replicant relaylog print | list | verify`, for any binlog-format
//! file (a master's binlogs, replicant's relay logs, mysqld's relay logs).
//!
//! Architecture invariant: read-only. Nothing here writes or repairs a file; damaged input
//! produces an error naming the file, the position and the cause, never a panic.

pub mod events;
pub mod list;
mod parallel;
pub mod print;
pub mod rows_print;
pub mod rows_sql;
pub mod verify;

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
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

pub(crate) fn civil(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
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
