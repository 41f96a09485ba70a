//! Floating-point text exactly as MySQL's C code prints it.
//!
//! mysqlbinlog prints FLOAT with `printf("%-20g")`, DOUBLE with `printf("%-.20g")` and VECTOR
//! elements with `printf("%.5e")`; JSON doubles go through MySQL's own `my_gcvt()` (shortest
//! round-trip digits in a 22-character field). Rust's formatter gives correctly rounded digits
//! (`{:.N$e}`) and shortest round-trip digits (`{:e}`); this module rearranges them into those
//! C layouts. Everything is written into caller-provided buffers: no allocation.

use std::io::Write;

/// Digits and decimal exponent of a finite, non-negative number: value = 0.DIGITS × 10^decpt
/// (dtoa's convention).
struct Digits {
    /// Significant digits, ASCII, no trailing zeros unless the number is zero.
    buf: [u8; 40],
    /// Number of digits in `buf`.
    len: usize,
    /// Position of the decimal point relative to the first digit.
    decpt: i32,
}

impl Digits {
    fn digits(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Splits Rust's `{:e}`-style text (`d.ddde-5`) into digits and dtoa's `decpt`.
fn parse_sci(text: &[u8]) -> Digits {
    let mut d = Digits {
        buf: [0; 40],
        len: 0,
        decpt: 0,
    };
    let e = text.iter().position(|&c| c == b'e').unwrap_or(text.len());
    for &c in &text[..e] {
        if c.is_ascii_digit() && d.len < d.buf.len() {
            d.buf[d.len] = c;
            d.len += 1;
        }
    }
    let exp: i32 = std::str::from_utf8(&text[(e + 1).min(text.len())..])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    while d.len > 1 && d.buf[d.len - 1] == b'0' {
        d.len -= 1;
    }
    d.decpt = exp + 1;
    d
}

/// Correctly rounded digits of `x.abs()` to `sig` significant digits (trailing zeros kept).
fn rounded(x: f64, sig: usize) -> Digits {
    let mut tmp = [0u8; 64];
    let n = {
        let mut w = &mut tmp[..];
        let _ = write!(w, "{:.*e}", sig.saturating_sub(1), x.abs());
        64 - w.len()
    };
    let mut d = parse_sci(&tmp[..n]);
    // parse_sci trimmed trailing zeros; %g wants to trim them too, %e does not, so re-pad.
    while d.len < sig.min(d.buf.len()) {
        d.buf[d.len] = b'0';
        d.len += 1;
    }
    d
}

/// Shortest round-trip digits of `x.abs()`, as dtoa (mode 0) gives them.
fn shortest(x: f64) -> Digits {
    let bits = x.to_bits();
    let (exp, frac) = ((bits >> 52) & 0x7ff, bits & ((1 << 52) - 1));
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, exp as i32 - 1075)
    };
    ties_to_even(shortest_of(x.abs()), m, e)
}

/// When the value `m × 2^e` lies exactly halfway between two shortest candidates (both
/// read back as the value), dtoa takes the one whose last digit is even; Rust's formatter
/// may take the other (118495133685290.125 is 118495133685290.12 for mysqld, .13 for Rust).
/// A tie means the value's exact decimal expansion is one digit longer than the shortest
/// form and ends in 5.
fn ties_to_even(d: Digits, m: u64, e: i32) -> Digits {
    let Some((exact, exact_len, decpt)) = exact_significand(m, e) else {
        return d;
    };
    if exact % 10 != 5 || d.decpt != decpt || d.len >= exact_len {
        return d;
    }
    // The two candidates one digit shorter than the exact value (a carry past 9...9 would
    // move the decimal point: then they are not both shortest, and there is no tie).
    let n = exact_len - 1;
    let lower = exact / 10;
    let upper = lower + 1;
    if upper >= 10u128.pow(n as u32) {
        return d;
    }
    let mut have: u128 = 0;
    for &c in d.digits() {
        have = have * 10 + u128::from(c - b'0');
    }
    have *= 10u128.pow((n - d.len) as u32);
    if have != lower && have != upper {
        return d;
    }
    let pick = if lower % 2 == 0 { lower } else { upper };
    let mut out = Digits {
        buf: [0; 40],
        len: n,
        decpt,
    };
    let mut v = pick;
    for i in (0..n).rev() {
        out.buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    while out.len > 1 && out.buf[out.len - 1] == b'0' {
        out.len -= 1;
    }
    out
}

/// The exact decimal expansion of `m × 2^e` as (significand, its number of digits, dtoa's
/// `decpt`), when the significand has at most 19 digits: the only case in which a tie with
/// a shortest form of up to 18 digits is possible.
fn exact_significand(mut m: u64, mut e: i32) -> Option<(u128, usize, i32)> {
    if m == 0 {
        return None;
    }
    let tz = m.trailing_zeros();
    m >>= tz;
    e += tz as i32;
    // m is odd now. For e < 0 the value is m × 5^-e / 10^-e: m × 5^-e has no factor 2, so
    // no trailing zero, and more than 19 digits once 5^-e alone has (-e > 27). For e >= 0
    // it is the integer m × 2^e (trailing zeros there end in 0, never in a tie's 5).
    let (sig, scale) = if e < 0 {
        if -e > 27 {
            return None;
        }
        (u128::from(m).checked_mul(5u128.pow((-e) as u32))?, e)
    } else {
        if e > 64 {
            return None;
        }
        let v = u128::from(m) << e;
        if v >> e != u128::from(m) {
            return None;
        }
        (v, 0)
    };
    let len = sig.ilog10() as usize + 1;
    (len <= 19).then_some((sig, len, len as i32 + scale))
}

/// Shortest round-trip digits of a non-negative float of either width.
fn shortest_of(x: impl std::fmt::LowerExp) -> Digits {
    let mut tmp = [0u8; 64];
    let n = {
        let mut w = &mut tmp[..];
        let _ = write!(w, "{x:e}");
        64 - w.len()
    };
    parse_sci(&tmp[..n])
}

/// A fixed buffer that formatted numbers are assembled in.
pub struct NumBuf {
    /// ASCII text; only `buf[..len]` is meaningful.
    buf: [u8; 400],
    /// Length of the text.
    len: usize,
}

impl NumBuf {
    fn new() -> NumBuf {
        NumBuf {
            buf: [0; 400],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.push(b));
    }

    fn push_exp(&mut self, exp: i32, min_digits: usize) {
        let mut tmp = [0u8; 12];
        let mut n = 0;
        let mut v = exp.unsigned_abs();
        loop {
            tmp[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 && n >= min_digits {
                break;
            }
        }
        tmp[..n].iter().rev().for_each(|&b| self.push(b));
    }

    /// The text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Writes the C spellings of NaN and infinity; returns false for finite numbers.
fn non_finite(x: f64, out: &mut NumBuf) -> bool {
    if x.is_nan() {
        out.extend(if x.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
    } else if x.is_infinite() {
        out.extend(if x < 0.0 { b"-inf" } else { b"inf" });
    } else {
        return false;
    }
    true
}

/// `printf("%.{precision}g", x)`, left-justified in `width` columns (`%-{width}.{precision}g`).
pub fn c_g(x: f64, precision: usize, width: usize) -> NumBuf {
    let mut out = NumBuf::new();
    if !non_finite(x, &mut out) {
        let p = precision.clamp(1, 36);
        if x.is_sign_negative() {
            out.push(b'-');
        }
        let d = rounded(x, p);
        let exp = d.decpt - 1;
        // %g drops trailing zeros (no '#' flag).
        let mut digits = d.digits();
        while digits.len() > 1 && digits[digits.len() - 1] == b'0' {
            digits = &digits[..digits.len() - 1];
        }
        if exp < -4 || exp >= p as i32 {
            out.push(digits[0]);
            if digits.len() > 1 {
                out.push(b'.');
                out.extend(&digits[1..]);
            }
            out.push(b'e');
            out.push(if exp < 0 { b'-' } else { b'+' });
            out.push_exp(exp, 2);
        } else if exp < 0 {
            out.extend(b"0.");
            (0..(-exp - 1)).for_each(|_| out.push(b'0'));
            out.extend(digits);
        } else {
            let int_len = exp as usize + 1;
            for i in 0..int_len {
                out.push(*digits.get(i).unwrap_or(&b'0'));
            }
            if digits.len() > int_len {
                out.push(b'.');
                out.extend(&digits[int_len..]);
            }
        }
    }
    while out.len < width {
        out.push(b' ');
    }
    out
}

/// `printf("%.{precision}e", x)`.
pub fn c_e(x: f64, precision: usize) -> NumBuf {
    let mut out = NumBuf::new();
    if non_finite(x, &mut out) {
        return out;
    }
    if x.is_sign_negative() {
        out.push(b'-');
    }
    let p = precision.min(35);
    let d = rounded(x, p + 1);
    let digits = d.digits();
    out.push(digits[0]);
    if p > 0 {
        out.push(b'.');
        out.extend(&digits[1..]);
    }
    let exp = if x == 0.0 { 0 } else { d.decpt - 1 };
    out.push(b'e');
    out.push(if exp < 0 { b'-' } else { b'+' });
    out.push_exp(exp, 2);
    out
}

/// `MY_GCVT_MAX_FIELD_WIDTH`: the field width MySQL prints JSON doubles in.
pub const GCVT_JSON_WIDTH: usize = 22;
/// `MAX_DECPT_FOR_F_FORMAT` (DBL_DIG): beyond it `my_gcvt` prefers the exponent form.
const MAX_DECPT_FOR_F_FORMAT: i32 = 15;

/// MySQL's `my_gcvt(x, MY_GCVT_ARG_DOUBLE, width)`: shortest round-trip digits laid out in
/// plain or exponent form, whichever keeps more digits within `width` characters.
///
/// NaN and infinities print as `0`, as dtoa's overflow path does.
pub fn my_gcvt(x: f64, width: usize) -> NumBuf {
    gcvt_digits(x, shortest(x), width)
}

/// `FLT_DIG`: the significant digits `my_gcvt` keeps of a FLOAT.
const FLT_DIG: usize = 6;

/// `my_gcvt(x, MY_GCVT_ARG_FLOAT, width)`, how mysqld prints a FLOAT column: dtoa's mode 4
/// with at most `FLT_DIG` digits of the float's value, correctly rounded (ties to even on
/// the exact value), trailing zeros dropped. 16777217 stored as 16777216 prints 16777200.
pub fn my_gcvt_f32(x: f32, width: usize) -> NumBuf {
    let mut d = rounded(x as f64, FLT_DIG.min(width.max(1)));
    while d.len > 1 && d.buf[d.len - 1] == b'0' {
        d.len -= 1;
    }
    gcvt_digits(x as f64, d, width)
}

/// Field width mysqld gives FLOAT and DOUBLE columns' text (`to_length - 1` in
/// `Field_float::val_str` / `Field_double::val_str`).
pub const GCVT_FIELD_WIDTH: usize = 69;

fn gcvt_digits(x: f64, d: Digits, width: usize) -> NumBuf {
    let mut out = NumBuf::new();
    if !x.is_finite() {
        out.push(b'0');
        return out;
    }
    // my_gcvt writes the sign for `x < 0`: negative zero prints as 0 (a FLOAT column holding
    // -0 shows 0 on mysqld).
    let negative = x < 0.0;
    let mut width = width as i32;
    if x < 0.0 {
        width -= 1;
    }
    let len = d.len as i32;
    let decpt = d.decpt;
    let exp_len = 1 + (decpt >= 101 || decpt <= -99) as i32 + (decpt >= 11 || decpt <= -9) as i32;
    let f_len = if decpt <= 0 {
        len - decpt + 2
    } else if decpt < len {
        len + 1
    } else {
        decpt
    };
    let have_space = f_len <= width;
    let force_e = decpt <= 0 && width <= 2 - decpt && width >= 3 + exp_len;
    // my_gcvt's choice, with its `(len > 1 || !force_e_format)` term dropped: the branch
    // already requires !force_e_format.
    let f_format = (have_space || (decpt <= width && (decpt >= -1 || decpt == -2) && !force_e))
        && (!have_space
            || (decpt > -MAX_DECPT_FOR_F_FORMAT
                && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt)));
    if negative {
        out.push(b'-');
    }
    if f_format {
        // With a 21- or 22-character field every shortest form fits: no digit is dropped here.
        let digits = d.digits();
        if decpt <= 0 {
            out.extend(b"0.");
            (0..-decpt).for_each(|_| out.push(b'0'));
            out.extend(digits);
        } else {
            for (i, &c) in digits.iter().enumerate() {
                out.push(c);
                if i as i32 + 1 == decpt && (i as i32) + 1 < len {
                    out.push(b'.');
                }
            }
            (len..decpt).for_each(|_| out.push(b'0'));
        }
        return out;
    }
    // Exponent form: d[.ddd]e[-]N, re-rounded when the digits do not fit.
    let mut exp = decpt - 1;
    let exp_negative = exp < 0;
    if exp_negative {
        exp = -exp;
        width -= 1;
    }
    width -= 1 + exp_len;
    if len > 1 {
        width -= 1;
    }
    let width = width.max(0) as usize;
    let d = if (width as i32) < len {
        let mut r = rounded(x, width.max(1));
        while r.len > 1 && r.buf[r.len - 1] == b'0' {
            r.len -= 1;
        }
        // mysqld keeps the exponent sign of the first conversion even when rounding moved
        // the exponent across zero; so do we.
        exp = (r.decpt - 1).abs();
        r
    } else {
        d
    };
    let digits = d.digits();
    out.push(digits[0]);
    if digits.len() > 1 {
        out.push(b'.');
        out.extend(&digits[1..]);
    }
    out.push(b'e');
    if exp_negative {
        out.push(b'-');
    }
    out.push_exp(exp, 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(x: f64, p: usize, w: usize) -> String {
        String::from_utf8(c_g(x, p, w).as_bytes().to_vec()).unwrap()
    }

    fn gcvt(x: f64) -> String {
        String::from_utf8(my_gcvt(x, GCVT_JSON_WIDTH).as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn printf_g_matches_c() {
        // Values checked against glibc printf.
        assert_eq!(g(1.5, 6, 20), "1.5                 ");
        assert_eq!(g(-3.4e38, 6, 20), "-3.4e+38            ");
        assert_eq!(g(0.1, 20, 0), "0.10000000000000000555");
        assert_eq!(g(1e300, 20, 0), "1.0000000000000000525e+300");
        assert_eq!(g(100000.0, 6, 0), "100000");
        assert_eq!(g(1000000.0, 6, 0), "1e+06");
        assert_eq!(g(0.0001, 6, 0), "0.0001");
        assert_eq!(g(0.00001, 6, 0), "1e-05");
        assert_eq!(g(0.0, 6, 0), "0");
        assert_eq!(g(-0.0, 6, 0), "-0");
        assert_eq!(g(123456789.0, 20, 0), "123456789");
        assert_eq!(g(f64::NAN, 6, 0), "nan");
        assert_eq!(g(f64::NEG_INFINITY, 6, 0), "-inf");
        assert_eq!(g(f32::MAX as f64, 6, 0), "3.40282e+38");
        assert_eq!(g(f32::MIN_POSITIVE as f64, 6, 0), "1.17549e-38");
        assert_eq!(g(2.5, 1, 0), "2");
    }

    #[test]
    fn printf_e_matches_c() {
        let e = |x: f64, p: usize| String::from_utf8(c_e(x, p).as_bytes().to_vec()).unwrap();
        assert_eq!(e(1.0, 5), "1.00000e+00");
        assert_eq!(e(-2.5, 5), "-2.50000e+00");
        assert_eq!(e(0.0, 5), "0.00000e+00");
        assert_eq!(e(1e-100, 5), "1.00000e-100");
        assert_eq!(e(123456.0, 5), "1.23456e+05");
    }

    #[test]
    fn gcvt_matches_mysql() {
        assert_eq!(gcvt(0.1), "0.1");
        assert_eq!(gcvt(1.0), "1");
        assert_eq!(gcvt(-2.5), "-2.5");
        assert_eq!(gcvt(0.0), "0");
        assert_eq!(gcvt(1e300), "1e300");
        assert_eq!(gcvt(1e15), "1e15");
        assert_eq!(gcvt(1e14), "100000000000000");
        assert_eq!(gcvt(1e-7), "0.0000001");
        assert_eq!(gcvt(1e-15), "0.000000000000001");
        assert_eq!(gcvt(1e-16), "1e-16");
        assert_eq!(gcvt(123.456), "123.456");
        assert_eq!(gcvt(1.2345678901234567e20), "1.2345678901234567e20");
        assert_eq!(gcvt(-1.5e-300), "-1.5e-300");
        assert_eq!(gcvt(123.25), "123.25");
        // 17 digits with a three-digit negative exponent do not fit 22 columns: rounded.
        assert_eq!(gcvt(1.2345678901234567e-300), "1.234567890123457e-300");
    }

    fn field(x: f64) -> String {
        String::from_utf8(my_gcvt(x, GCVT_FIELD_WIDTH).as_bytes().to_vec()).unwrap()
    }

    fn field_f32(x: f32) -> String {
        String::from_utf8(my_gcvt_f32(x, GCVT_FIELD_WIDTH).as_bytes().to_vec()).unwrap()
    }

    // The literals are the exact binary values (clippy would shorten them to the very
    // digits under test).
    #[test]
    #[allow(clippy::excessive_precision)]
    fn shortest_ties_go_to_the_even_digit() {
        // Exactly halfway between two 17-digit candidates: dtoa keeps the even one.
        assert_eq!(field(118495133685290.125), "118495133685290.12");
        assert_eq!(field(118495133685290.375), "118495133685290.38");
        assert_eq!(field(-118495133685290.625), "-118495133685290.62");
        assert_eq!(field(118495133685290.875), "118495133685290.88");
        // Not ties: the shortest form is the only candidate.
        assert_eq!(field(118495133685290.25), "118495133685290.25");
        assert_eq!(field(0.1), "0.1");
        assert_eq!(field(5e-324), "5e-324");
        assert_eq!(field(-0.0), "0");
    }

    #[test]
    fn floats_keep_six_digits() {
        assert_eq!(field_f32(1.5), "1.5");
        assert_eq!(field_f32(0.1), "0.1");
        assert_eq!(field_f32(33554436.0), "33554400");
        assert_eq!(field_f32(16777217.0), "16777200");
        assert_eq!(field_f32(118495133685290.125), "118495000000000");
        assert_eq!(field_f32(3.4028235e38), "3.40282e38");
        assert_eq!(field_f32(-0.0), "0");
        // Seven exact digits ending in 5: to the even sixth digit.
        assert_eq!(field_f32(131072.5), "131072");
        assert_eq!(field_f32(131073.5), "131074");
    }

    #[test]
    fn exact_significands() {
        assert_eq!(exact_significand(1, -3), Some((125, 3, 0)));
        assert_eq!(exact_significand(3, 4), Some((48, 2, 2)));
        assert_eq!(exact_significand(5, 1), Some((10, 2, 2)));
        assert_eq!(exact_significand(1, -28), None);
        assert_eq!(exact_significand(u64::MAX >> 11, 60), None);
    }
}
