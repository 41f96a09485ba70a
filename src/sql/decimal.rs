//! Exact decimal arithmetic as mysqld does it for DECIMAL values and exact literals: a
//! 256-bit mantissa with a scale, holding mysqld's 65 significant digits.
//!
//! A result wider than 65 digits is refused (`None`: the caller names the limit), never
//! rounded silently.

use std::cmp::Ordering;
use std::fmt::Write as _;

pub use ethnum::I256;

/// Digits a DECIMAL holds (mysqld's DECIMAL_MAX_PRECISION).
pub const MAX_DIGITS: u32 = 65;
/// Largest scale mysqld gives a DECIMAL.
pub const MAX_SCALE: u8 = 38;
/// mysqld's `div_precision_increment` default: digits a division adds to the scale.
pub const DIV_INCREMENT: u8 = 4;

/// An exact decimal: `m / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// Mantissa, at most [`MAX_DIGITS`] digits.
    pub m: I256,
    /// Digits after the point.
    pub scale: u8,
}

/// 10^n, for n up to 76.
fn pow10(n: u8) -> Option<I256> {
    I256::new(10).checked_pow(n as u32)
}

/// The mantissa when it has at most [`MAX_DIGITS`] digits.
fn fit(m: I256) -> Option<I256> {
    static LIMIT: std::sync::OnceLock<ethnum::U256> = std::sync::OnceLock::new();
    let limit = *LIMIT.get_or_init(|| ethnum::U256::new(10).pow(MAX_DIGITS));
    (m.unsigned_abs() < limit).then_some(m)
}

/// `m` as an i128, saturated.
pub fn saturate_i128(m: I256) -> i128 {
    i128::try_from(m).unwrap_or(if m < I256::ZERO { i128::MIN } else { i128::MAX })
}

impl Decimal {
    /// An integer.
    pub fn from_i128(v: i128) -> Decimal {
        Decimal {
            m: I256::new(v),
            scale: 0,
        }
    }

    /// True for zero (of any scale).
    pub fn is_zero(&self) -> bool {
        self.m == I256::ZERO
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
        let mut m = I256::ZERO;
        for b in int.bytes().chain(frac.bytes()) {
            m = m
                .checked_mul(I256::new(10))?
                .checked_add(I256::new((b - b'0') as i128))?;
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
                m: fit(self.m.checked_mul(pow10(scale - self.scale)?)?)?,
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
        let p = pow10(self.scale - scale).unwrap_or(I256::MAX);
        Decimal {
            m: self.m / p,
            scale,
        }
    }

    /// FLOOR (`up` false) or CEILING (`up` true), as an integer.
    pub fn floor_ceil(self, up: bool) -> I256 {
        let p = pow10(self.scale).unwrap_or(I256::ONE);
        let q = self.m / p;
        let r = self.m % p;
        if r == I256::ZERO {
            q
        } else if up && r > I256::ZERO {
            q + 1
        } else if !up && r < I256::ZERO {
            q - 1
        } else {
            q
        }
    }

    fn align(a: Decimal, b: Decimal) -> Option<(I256, I256, u8)> {
        let s = a.scale.max(b.scale);
        Some((a.rescale(s)?.m, b.rescale(s)?.m, s))
    }

    /// a + b.
    pub fn checked_add(a: Decimal, b: Decimal) -> Option<Decimal> {
        let (x, y, s) = Self::align(a, b)?;
        Some(Decimal {
            m: fit(x.checked_add(y)?)?,
            scale: s,
        })
    }

    /// a - b.
    pub fn checked_sub(a: Decimal, b: Decimal) -> Option<Decimal> {
        let (x, y, s) = Self::align(a, b)?;
        Some(Decimal {
            m: fit(x.checked_sub(y)?)?,
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
            m: fit(a.m.checked_mul(b.m)?)?,
            scale,
        })
    }

    /// a / b with the scale of `a` plus [`DIV_INCREMENT`]; `None` for division by zero or
    /// overflow (the caller tells them apart by `b`).
    pub fn checked_div(a: Decimal, b: Decimal) -> Option<Decimal> {
        if b.is_zero() {
            return None;
        }
        let scale = (a.scale + DIV_INCREMENT).min(MAX_SCALE);
        // a.m/10^as / (b.m/10^bs) = a.m * 10^(bs + scale - as) / b.m / 10^scale; one more
        // digit for rounding.
        let shift = (b.scale as i32 + scale as i32 - a.scale as i32 + 1) as u8;
        // Long division, a digit at a time: a.m * 10^shift could pass 256 bits although
        // the quotient has 65 digits; the remainder stays below b.m (at most 65 digits).
        let (n, d) = (a.m.abs(), b.m.abs());
        let (mut q, mut r) = (n / d, n % d);
        for _ in 0..shift {
            r *= 10;
            q = q.checked_mul(I256::new(10))?.checked_add(r / d)?;
            r %= d;
        }
        let mut m = q / 10;
        if q % 10 >= I256::new(5) {
            m += 1;
        }
        if (a.m < I256::ZERO) != (b.m < I256::ZERO) {
            m = -m;
        }
        Some(Decimal { m: fit(m)?, scale })
    }

    /// a MOD b (sign of a, as mysqld's).
    pub fn checked_rem(a: Decimal, b: Decimal) -> Option<Decimal> {
        let (x, y, s) = Self::align(a, b)?;
        if y == I256::ZERO {
            return None;
        }
        Some(Decimal { m: x % y, scale: s })
    }

    /// Compares values.
    pub fn cmp_value(a: &Decimal, b: &Decimal) -> Ordering {
        if let Some((x, y, _)) = Self::align(*a, *b) {
            return x.cmp(&y);
        }
        // Too wide to align (65 integer digits against a long fraction): integer parts
        // first, then the fractions (each below one, so they align).
        let int = |d: &Decimal| d.truncate(0).m;
        match int(a).cmp(&int(b)) {
            Ordering::Equal => {}
            o => return o,
        }
        let frac = |d: &Decimal| Decimal {
            m: d.m % pow10(d.scale).unwrap_or(I256::ONE),
            scale: d.scale,
        };
        match Self::align(frac(a), frac(b)) {
            Some((x, y, _)) => x.cmp(&y),
            None => Ordering::Equal,
        }
    }

    /// As a double.
    pub fn to_f64(self) -> f64 {
        match i128::try_from(self.m) {
            Ok(m) => m as f64 / 10f64.powi(self.scale as i32),
            // Beyond 38 digits: through the text, rounded once.
            Err(_) => self.render().parse().unwrap_or(0.0),
        }
    }

    /// Rounded to an integer (saturated to i128).
    pub fn to_i128_rounded(self) -> i128 {
        self.rescale(0).map_or(0, |d| saturate_i128(d.m))
    }

    /// mysqld's text: all `scale` digits after the point.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    /// Appends the text to `out`.
    pub fn write(&self, out: &mut String) {
        let neg = self.m < I256::ZERO;
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
        assert_eq!(Decimal::parse("1".repeat(66).as_str()), None);
        let wide = format!("{}.{}", "9".repeat(35), "1".repeat(30));
        assert_eq!(d(&wide).render(), wide);
        assert_eq!(d(&format!("-{wide}")).render(), format!("-{wide}"));
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
        assert_eq!(d("-2.5").floor_ceil(false), I256::new(-3));
        assert_eq!(d("2.1").floor_ceil(true), I256::new(3));
        // 65 digits exactly; one more digit is out of range.
        let max = d(&"9".repeat(65));
        assert_eq!(
            Decimal::checked_add(max, d("-1")).unwrap().render(),
            format!("{}8", "9".repeat(64))
        );
        assert_eq!(Decimal::checked_add(max, d("1")), None);
        // (10^30 + 1)^2 = 10^60 + 2 * 10^30 + 1: 61 digits, exact.
        let x = d(&format!("1{}1", "0".repeat(29)));
        assert_eq!(
            Decimal::checked_mul(x, x).unwrap().render(),
            format!("1{}2{}1", "0".repeat(29), "0".repeat(29))
        );
        // 38 digits squared: 76 digits, out of range.
        let y = d("12345678901234567890123456789.123456789");
        assert_eq!(Decimal::checked_mul(y, y), None);
        assert_eq!(d("1").to_f64(), 1.0);
        let wide = "1".repeat(60);
        assert_eq!(d(&wide).to_f64(), wide.parse::<f64>().unwrap());
        assert_eq!(
            Decimal::checked_rem(d("-7"), d("3")).unwrap().render(),
            "-1"
        );
        assert_eq!(Decimal::cmp_value(&d("1.50"), &d("1.5")), Ordering::Equal);
        // Quotients whose dividend times the scale shift pass 256 bits.
        let wide = d("1234567890123456789012345678901234567890");
        let two = d(&format!("2.{}", "0".repeat(38)));
        assert_eq!(
            Decimal::checked_div(wide, two).unwrap().render(),
            "617283945061728394506172839450617283945.0000"
        );
        assert_eq!(
            Decimal::checked_div(d("-1"), d("3")).unwrap().render(),
            "-0.3333"
        );
        // Too wide to align: compared exactly, not as doubles.
        let big = d(&format!("1{}", "0".repeat(40)));
        let tiny = d(&format!("0.{}5", "0".repeat(29)));
        assert_eq!(Decimal::cmp_value(&big, &tiny), Ordering::Greater);
        let neg = d(&format!("-1{}", "0".repeat(40)));
        assert_eq!(Decimal::cmp_value(&neg, &tiny), Ordering::Less);
        let huge = d(&"9".repeat(65));
        assert_eq!(
            Decimal::cmp_value(&huge, &d(&format!("0.{}", "9".repeat(38)))),
            Ordering::Greater
        );
    }
}
