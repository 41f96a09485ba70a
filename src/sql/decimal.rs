//! Exact decimal arithmetic as mysqld does it for DECIMAL values and exact literals: a
//! 128-bit mantissa with a scale (38 significant digits).
//!
//! mysqld's DECIMAL holds up to 65 digits; values wider than 38 digits are refused here
//! with an error naming the limit (docs/OPERATIONS.md), never rounded silently.

use std::cmp::Ordering;
use std::fmt::Write as _;

/// Digits a mantissa can hold exactly.
pub const MAX_DIGITS: u32 = 38;
/// Largest scale mysqld gives a DECIMAL.
pub const MAX_SCALE: u8 = 38;
/// mysqld's `div_precision_increment` default: digits a division adds to the scale.
pub const DIV_INCREMENT: u8 = 4;

/// An exact decimal: `m / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// Mantissa.
    pub m: i128,
    /// Digits after the point.
    pub scale: u8,
}

fn pow10(n: u8) -> Option<i128> {
    10i128.checked_pow(n as u32)
}

impl Decimal {
    /// An integer.
    pub fn from_i128(v: i128) -> Decimal {
        Decimal { m: v, scale: 0 }
    }

    /// Parses `[-+]digits[.digits]` (mysqld's exact literal and DECIMAL text); `None` when it
    /// is not such a number or has more than [`MAX_DIGITS`] digits.
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (neg, body) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = int.trim_start_matches('0').len() + frac.len();
        if digits > MAX_DIGITS as usize || frac.len() > MAX_SCALE as usize {
            return None;
        }
        let mut m: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            m = m.checked_mul(10)?.checked_add((b - b'0') as i128)?;
        }
        Some(Decimal {
            m: if neg { -m } else { m },
            scale: frac.len() as u8,
        })
    }

    /// The value with `scale` digits after the point, rounding half away from zero when
    /// digits go (mysqld's rounding for DECIMAL).
    pub fn rescale(self, scale: u8) -> Option<Decimal> {
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(self),
            Ordering::Greater => Some(Decimal {
                m: self.m.checked_mul(pow10(scale - self.scale)?)?,
                scale,
            }),
            Ordering::Less => {
                let p = pow10(self.scale - scale)?;
                let q = self.m / p;
                let r = self.m % p;
                let q = if r.unsigned_abs() >= p.unsigned_abs() - r.unsigned_abs() {
                    q + self.m.signum()
                } else {
                    q
                };
                Some(Decimal { m: q, scale })
            }
        }
    }

    /// Drops digits beyond `scale` without rounding (TRUNCATE()).
    pub fn truncate(self, scale: u8) -> Decimal {
        if scale >= self.scale {
            return self;
        }
        let p = pow10(self.scale - scale).unwrap_or(i128::MAX);
        Decimal {
            m: self.m / p,
            scale,
        }
    }

    /// FLOOR (`up` false) or CEILING (`up` true), as an integer.
    pub fn floor_ceil(self, up: bool) -> i128 {
        let p = pow10(self.scale).unwrap_or(1);
        let q = self.m / p;
        let r = self.m % p;
        if r == 0 {
            q
        } else if up && r > 0 {
            q + 1
        } else if !up && r < 0 {
            q - 1
        } else {
            q
        }
    }

    fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, u8)> {
        let s = a.scale.max(b.scale);
        Some((a.rescale(s)?.m, b.rescale(s)?.m, s))
    }

    /// a + b.
    pub fn checked_add(a: Decimal, b: Decimal) -> Option<Decimal> {
        let (x, y, s) = Self::align(a, b)?;
        Some(Decimal {
            m: x.checked_add(y)?,
            scale: s,
        })
    }

    /// a - b.
    pub fn checked_sub(a: Decimal, b: Decimal) -> Option<Decimal> {
        let (x, y, s) = Self::align(a, b)?;
        Some(Decimal {
            m: x.checked_sub(y)?,
            scale: s,
        })
    }

    /// a * b (scales add, as mysqld's).
    pub fn checked_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
        let scale = a.scale + b.scale;
        if scale > MAX_SCALE {
            return None;
        }
        Some(Decimal {
            m: a.m.checked_mul(b.m)?,
            scale,
        })
    }

    /// a / b with the scale of `a` plus [`DIV_INCREMENT`]; `None` for division by zero or
    /// overflow (the caller tells them apart by `b`).
    pub fn checked_div(a: Decimal, b: Decimal) -> Option<Decimal> {
        if b.m == 0 {
            return None;
        }
        let scale = (a.scale + DIV_INCREMENT).min(MAX_SCALE);
        // a.m/10^as / (b.m/10^bs) = a.m * 10^(bs + scale - as) / b.m / 10^scale; one more
        // digit for rounding.
        let shift = (b.scale as i32 + scale as i32 - a.scale as i32 + 1) as u8;
        let num = a.m.checked_mul(pow10(shift)?)?;
        let q = num / b.m;
        let r = if q % 10 >= 5 || q % 10 <= -5 {
            q / 10 + q.signum()
        } else {
            q / 10
        };
        Some(Decimal { m: r, scale })
    }

    /// a MOD b (sign of a, as mysqld's).
    pub fn checked_rem(a: Decimal, b: Decimal) -> Option<Decimal> {
        let (x, y, s) = Self::align(a, b)?;
        if y == 0 {
            return None;
        }
        Some(Decimal { m: x % y, scale: s })
    }

    /// Compares values.
    pub fn cmp_value(a: &Decimal, b: &Decimal) -> Ordering {
        match Self::align(*a, *b) {
            Some((x, y, _)) => x.cmp(&y),
            None => a.to_f64().total_cmp(&b.to_f64()),
        }
    }

    /// As a double.
    pub fn to_f64(self) -> f64 {
        self.m as f64 / 10f64.powi(self.scale as i32)
    }

    /// The integer part when the value is whole and fits.
    pub fn to_i128_rounded(self) -> i128 {
        self.rescale(0).map_or(0, |d| d.m)
    }

    /// mysqld's text: all `scale` digits after the point.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    /// Appends the text to `out`.
    pub fn write(&self, out: &mut String) {
        let neg = self.m < 0;
        let digits = self.m.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if neg {
            out.push('-');
        }
        if scale == 0 {
            out.push_str(&digits);
            return;
        }
        if digits.len() <= scale {
            out.push_str("0.");
            for _ in digits.len()..scale {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let (i, f) = digits.split_at(digits.len() - scale);
            let _ = write!(out, "{i}.{f}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parse_render_round_trip() {
        for s in ["0", "1.50", "-0.05", "123456.789", "-12", "0.000"] {
            assert_eq!(d(s).render(), s);
        }
        assert_eq!(d("+.5").render(), "0.5");
        assert_eq!(Decimal::parse("1e5"), None);
        assert_eq!(Decimal::parse("1".repeat(39).as_str()), None);
    }

    #[test]
    fn arithmetic_follows_mysqld() {
        assert_eq!(
            Decimal::checked_add(d("1.5"), d("2.25")).unwrap().render(),
            "3.75"
        );
        assert_eq!(
            Decimal::checked_sub(d("1"), d("2.25")).unwrap().render(),
            "-1.25"
        );
        assert_eq!(
            Decimal::checked_mul(d("1.5"), d("2.25")).unwrap().render(),
            "3.375"
        );
        assert_eq!(
            Decimal::checked_div(d("1"), d("3")).unwrap().render(),
            "0.3333"
        );
        assert_eq!(
            Decimal::checked_div(d("2"), d("3")).unwrap().render(),
            "0.6667"
        );
        assert_eq!(
            Decimal::checked_div(d("-2"), d("3")).unwrap().render(),
            "-0.6667"
        );
        assert_eq!(
            Decimal::checked_div(d("10.5"), d("2")).unwrap().render(),
            "5.25000"
        );
        assert_eq!(Decimal::checked_div(d("1"), d("0")), None);
        assert_eq!(d("2.345").rescale(2).unwrap().render(), "2.35");
        assert_eq!(d("-2.345").rescale(2).unwrap().render(), "-2.35");
        assert_eq!(d("-2.345").truncate(1).render(), "-2.3");
        assert_eq!(d("-2.5").floor_ceil(false), -3);
        assert_eq!(d("2.1").floor_ceil(true), 3);
        assert_eq!(
            Decimal::checked_rem(d("-7"), d("3")).unwrap().render(),
            "-1"
        );
        assert_eq!(Decimal::cmp_value(&d("1.50"), &d("1.5")), Ordering::Equal);
    }
}
