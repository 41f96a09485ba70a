//! Temporal values: the structs row values decode to, and MySQL's binary layouts for them.
//!
//! TIME2, DATETIME2 and TIMESTAMP2 (MySQL 5.6+, MariaDB with `mysql56_temporal_format`) are
//! big-endian with an offset so the bytes sort like the values, followed by 0–3 bytes of
//! fraction. TIME2 and DATETIME2 go through MySQL's "packed" 64-bit form (integer part
//! shifted left 24 bits, microseconds below), which binary JSON stores directly, so the
//! unpacking functions are shared with [`super::jsonb`]. The pre-5.6 layouts are simple
//! integers and are read in [`super::value`].

use super::cursor::be_uint;
use super::error::{DecodeError, Result};

/// A calendar date as stored (zero parts allowed: `'0000-00-00'` is a valid MySQL date).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    /// Year, 0–9999 for valid data (the 3-byte layout can hold up to 32767).
    pub year: u32,
    /// Month, 0–12.
    pub month: u32,
    /// Day, 0–31.
    pub day: u32,
}

/// A TIME value (a signed duration, up to 838:59:59 in valid data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// True for negative durations.
    pub negative: bool,
    /// Hours (may exceed 24).
    pub hours: u32,
    /// Minutes.
    pub minute: u32,
    /// Seconds.
    pub second: u32,
    /// Microseconds.
    pub micros: u32,
    /// Fractional digits declared for the column (0–6).
    pub fsp: u8,
}

/// A DATETIME value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Date part.
    pub date: Date,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Microseconds.
    pub micros: u32,
    /// Fractional digits declared for the column (0–6).
    pub fsp: u8,
}

/// A TIMESTAMP value: seconds since the epoch, as mysqlbinlog prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub seconds: u32,
    /// Microseconds.
    pub micros: u32,
    /// Fractional digits declared for the column (0–6).
    pub fsp: u8,
}

/// Fractional seconds stored after the integer part of a DATETIME2/TIMESTAMP2, scaled to
/// microseconds (`my_datetime_packed_from_binary` reads them as signed).
fn frac_micros(b: &[u8], fsp: u8) -> i64 {
    match fsp {
        1 | 2 => b[0] as i8 as i64 * 10_000,
        3 | 4 => i16::from_be_bytes([b[0], b[1]]) as i64 * 100,
        5 | 6 => {
            let v = be_uint(&b[..3]) as i64;
            (v << 40) >> 40
        }
        _ => 0,
    }
}

/// Bytes the fractional part of a temporal with `fsp` digits takes.
pub fn frac_len(fsp: u8) -> usize {
    (fsp as usize).div_ceil(2)
}

/// The fractional digits of a TIME2/DATETIME2/TIMESTAMP2 column; more than 6 is corrupt.
pub fn check_fsp(fsp: u16, what: &str) -> Result<u8> {
    if fsp > 6 {
        return Err(DecodeError::bad(
            "rows",
            format!("{what} with {fsp} fractional digits"),
        ));
    }
    Ok(fsp as u8)
}

/// Decodes TIME2 from its packed form (`my_time_packed_from_binary` followed by
/// `TIME_from_longlong_time_packed`).
fn time2(buf: &[u8], fsp: u8) -> Time {
    const TIMEF_INT_OFS: i64 = 0x80_0000;
    const TIMEF_OFS: i64 = 0x8000_0000_0000;
    let packed: i64 = match fsp {
        5 | 6 => be_uint(&buf[..6]) as i64 - TIMEF_OFS,
        _ => {
            let mut int = be_uint(&buf[..3]) as i64 - TIMEF_INT_OFS;
            let mut frac = match fsp {
                1 | 2 => buf[3] as i64,
                3 | 4 => be_uint(&buf[3..5]) as i64,
                _ => 0,
            };
            // Negative values store the fraction reversed so the bytes sort correctly.
            if int < 0 && frac != 0 {
                int += 1;
                frac -= if fsp <= 2 { 0x100 } else { 0x10000 };
            }
            let scale = match fsp {
                1 | 2 => 10_000,
                3 | 4 => 100,
                _ => 0,
            };
            (int << 24) + frac * scale
        }
    };
    let negative = packed < 0;
    let abs = packed.unsigned_abs();
    let hms = abs >> 24;
    Time {
        negative,
        hours: ((hms >> 12) % (1 << 10)) as u32,
        minute: ((hms >> 6) % (1 << 6)) as u32,
        second: (hms % (1 << 6)) as u32,
        micros: (abs % (1 << 24)) as u32,
        fsp,
    }
}

/// Unpacks MySQL's packed datetime integer (`TIME_from_longlong_datetime_packed`).
pub fn datetime_from_packed(packed: i64, fsp: u8) -> DateTime {
    let abs = packed.unsigned_abs();
    let micros = (abs % (1 << 24)) as u32;
    let ymdhms = abs >> 24;
    let ymd = ymdhms >> 17;
    let ym = ymd >> 5;
    let hms = ymdhms % (1 << 17);
    DateTime {
        date: Date {
            year: (ym / 13) as u32,
            month: (ym % 13) as u32,
            day: (ymd % (1 << 5)) as u32,
        },
        hour: (hms >> 12) as u32,
        minute: ((hms >> 6) % (1 << 6)) as u32,
        second: (hms % (1 << 6)) as u32,
        micros,
        fsp,
    }
}

/// Unpacks MySQL's packed time integer (`TIME_from_longlong_time_packed`).
pub fn time_from_packed(packed: i64, fsp: u8) -> Time {
    let abs = packed.unsigned_abs();
    let hms = abs >> 24;
    Time {
        negative: packed < 0,
        hours: ((hms >> 12) % (1 << 10)) as u32,
        minute: ((hms >> 6) % (1 << 6)) as u32,
        second: (hms % (1 << 6)) as u32,
        micros: (abs % (1 << 24)) as u32,
        fsp,
    }
}

fn need(buf: &[u8], n: usize, what: &'static str) -> Result<()> {
    if buf.len() < n {
        return Err(DecodeError::Truncated {
            what,
            need: n,
            have: buf.len(),
        });
    }
    Ok(())
}

/// TIME(fsp) in the TIME2 layout: the value and the bytes it took.
pub fn decode_time2(buf: &[u8], meta: u16) -> Result<(Time, usize)> {
    let fsp = check_fsp(meta, "TIME")?;
    let n = 3 + frac_len(fsp);
    need(buf, n, "TIME value")?;
    Ok((time2(buf, fsp), n))
}

/// DATETIME(fsp) in the DATETIME2 layout: the value and the bytes it took.
pub fn decode_datetime2(buf: &[u8], meta: u16) -> Result<(DateTime, usize)> {
    const DATETIMEF_INT_OFS: i64 = 0x80_0000_0000;
    let fsp = check_fsp(meta, "DATETIME")?;
    let n = 5 + frac_len(fsp);
    need(buf, n, "DATETIME value")?;
    let int = be_uint(&buf[..5]) as i64 - DATETIMEF_INT_OFS;
    let frac = frac_micros(&buf[5..], fsp);
    // MySQL never stores a DATETIME below the offset; the lowest such value with a negative
    // fraction would not fit the packed i64.
    let packed = (int << 24)
        .checked_add(frac)
        .ok_or_else(|| DecodeError::bad("rows", "DATETIME value out of range"))?;
    Ok((datetime_from_packed(packed, fsp), n))
}

/// TIMESTAMP(fsp) in the TIMESTAMP2 layout: the value and the bytes it took.
pub fn decode_timestamp2(buf: &[u8], meta: u16) -> Result<(Timestamp, usize)> {
    let fsp = check_fsp(meta, "TIMESTAMP")?;
    let n = 4 + frac_len(fsp);
    need(buf, n, "TIMESTAMP value")?;
    let frac = frac_micros(&buf[4..], fsp);
    if frac < 0 {
        return Err(DecodeError::bad(
            "rows",
            "TIMESTAMP with a negative fraction",
        ));
    }
    let ts = Timestamp {
        seconds: be_uint(&buf[..4]) as u32,
        micros: frac as u32,
        fsp,
    };
    Ok((ts, n))
}

#[cfg(test)]
mod tests {
    use super::super::value::{column_type as ct, decode_value, Value};
    use super::*;

    fn one(ty: u8, meta: u16, buf: &[u8]) -> Value<'_> {
        let (v, n) = decode_value(ty, meta, buf).unwrap();
        assert_eq!(n, buf.len(), "type {ty} consumed {n} of {}", buf.len());
        v
    }

    /// Found by tests/fuzz_parsers.rs: the smallest stored integer part with a negative
    /// fraction overflowed the packed value (a panic in debug builds).
    #[test]
    fn datetime2_below_the_offset_is_an_error() {
        let err = decode_datetime2(&[0, 0, 0, 0, 0, 0xff], 1).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn temporal_values() {
        // DATE 2024-02-29: 29 | 2 << 5 | 2024 << 9.
        let v = 29 | (2 << 5) | (2024 << 9);
        let b = (v as u32).to_le_bytes();
        assert_eq!(
            one(ct::DATE, 0, &b[..3]),
            Value::Date(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        // TIME2(0) -507:48:27 (time_issue fixture's value).
        let hms: i64 = (507 << 12) | (48 << 6) | 27;
        let stored = (0x80_0000 - hms) as u32;
        let b = stored.to_be_bytes();
        let Value::Time(t) = one(ct::TIME2, 0, &b[1..]) else {
            panic!()
        };
        assert_eq!(
            (t.negative, t.hours, t.minute, t.second, t.micros),
            (true, 507, 48, 27, 0)
        );
        // TIME2(3) -00:00:00.5: intpart -1, fraction 0x10000 - 5000 (units of 100 µs).
        let b = [0x7f, 0xff, 0xff, 0xec, 0x78];
        let Value::Time(t) = one(ct::TIME2, 3, &b) else {
            panic!()
        };
        assert_eq!(
            (t.negative, t.hours, t.second, t.micros),
            (true, 0, 0, 500_000)
        );
        // TIME2(6) -838:59:59.999999 round trip through the packed form.
        let hms: i64 = (838 << 12) | (59 << 6) | 59;
        let packed = -((hms << 24) + 999_999);
        let stored = (packed + 0x8000_0000_0000) as u64;
        let b = stored.to_be_bytes();
        let Value::Time(t) = one(ct::TIME2, 6, &b[2..]) else {
            panic!()
        };
        assert_eq!(
            (t.negative, t.hours, t.minute, t.second, t.micros),
            (true, 838, 59, 59, 999_999)
        );
        // DATETIME2(6) 2024-02-29 23:59:59.123456.
        let ym = 2024 * 13 + 2;
        let ymd = (ym << 5) | 29;
        let ymdhms: i64 = (ymd << 17) | (23 << 12) | (59 << 6) | 59;
        let int = (ymdhms + 0x80_0000_0000) as u64;
        let mut b = int.to_be_bytes()[3..].to_vec();
        b.extend_from_slice(&123_456u32.to_be_bytes()[1..]);
        let Value::DateTime(dt) = one(ct::DATETIME2, 6, &b) else {
            panic!()
        };
        assert_eq!((dt.date.year, dt.date.month, dt.date.day), (2024, 2, 29));
        assert_eq!(
            (dt.hour, dt.minute, dt.second, dt.micros),
            (23, 59, 59, 123_456)
        );
        // TIMESTAMP2(3) 2147483647.999.
        let mut b = 2147483647u32.to_be_bytes().to_vec();
        b.extend_from_slice(&9990u16.to_be_bytes());
        assert_eq!(
            one(ct::TIMESTAMP2, 3, &b),
            Value::Timestamp(Timestamp {
                seconds: 2147483647,
                micros: 999_000,
                fsp: 3
            })
        );
        assert!(decode_value(ct::TIME2, 7, &[0; 8]).is_err());
    }
}
