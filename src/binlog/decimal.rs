//! MySQL's binary DECIMAL format, decoded to exact decimal text.
//!
//! NEWDECIMAL columns in row images and DECIMAL values inside binary JSON use the same
//! layout (`decimal2bin` in MySQL's `strings/decimal.cc`): the digits are cut into groups of
//! nine, the integer part's groups aligned at the decimal point, each full group stored as a
//! big-endian 4-byte word and a partial group in as few bytes as its digits need. The sign
//! lives in the top bit of the first byte (set for non-negative numbers), and a negative
//! number has every byte inverted, so the bytes sort like the numbers they encode.
//!
//! The text is what `decimal2string` prints without a fixed precision, the form mysqlbinlog
//! shows: leading integer zeros dropped (but one `0` kept before the point), exactly `scale`
//! fraction digits. Nothing here allocates.

use super::error::{DecodeError, Result};

/// Digits in one full group.
const DIG_PER_DEC: usize = 9;
/// Bytes a partial group of `n` digits takes.
const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
/// Largest precision either server accepts (`DECIMAL_MAX_PRECISION`).
pub const MAX_PRECISION: u8 = 65;
/// Longest text: sign, 65 digits, point and a leading `0`.
const MAX_TEXT: usize = MAX_PRECISION as usize + 3;

/// Bytes a DECIMAL(precision, scale) value takes in binary form; `None` for impossible
/// declarations (scale above precision, precision above 65).
pub fn binary_size(precision: u8, scale: u8) -> Option<usize> {
    if scale > precision || precision > MAX_PRECISION {
        return None;
    }
    let intg = (precision - scale) as usize;
    let frac = scale as usize;
    Some(
        (intg / DIG_PER_DEC) * 4
            + DIG2BYTES[intg % DIG_PER_DEC]
            + (frac / DIG_PER_DEC) * 4
            + DIG2BYTES[frac % DIG_PER_DEC],
    )
}

/// Decimal text in a fixed buffer: no heap allocation per value.
#[derive(Clone, Copy)]
pub struct DecimalText {
    /// ASCII text; only `buf[..len]` is meaningful.
    buf: [u8; MAX_TEXT],
    /// Length of the text.
    len: usize,
}

impl DecimalText {
    /// The text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text (always ASCII).
    pub fn as_str(&self) -> &str {
        // Only digits, '-' and '.' are ever written into the buffer.
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    fn push(&mut self, b: u8) {
        // Callers never exceed MAX_TEXT: the precision is checked before any digit is written.
        if self.len < MAX_TEXT {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }
}

impl PartialEq for DecimalText {
    fn eq(&self, other: &DecimalText) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for DecimalText {}

impl std::fmt::Display for DecimalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for DecimalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecimalText({})", self.as_str())
    }
}

/// Reads one group of `n` bytes, undoing the sign flip of the first byte and the inversion
/// of negative numbers.
fn group(bytes: &[u8], first: bool, mask: u8) -> u32 {
    let mut v = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let b = if first && i == 0 { b ^ 0x80 } else { b };
        v = (v << 8) | (b ^ mask) as u32;
    }
    v
}

/// Appends `value` as exactly `digits` decimal digits (zero-padded).
fn push_digits(out: &mut [u8; 81], pos: &mut usize, value: u32, digits: usize) {
    let mut v = value;
    for i in (0..digits).rev() {
        out[*pos + i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    *pos += digits;
}

/// Decodes a binary DECIMAL(precision, scale) from the start of `bytes`. Returns the text
/// and the number of bytes the value took.
pub fn decode(bytes: &[u8], precision: u8, scale: u8) -> Result<(DecimalText, usize)> {
    let size = binary_size(precision, scale).ok_or_else(|| {
        DecodeError::bad(
            "decimal",
            format!("impossible declaration DECIMAL({precision},{scale})"),
        )
    })?;
    if bytes.len() < size {
        return Err(DecodeError::Truncated {
            what: "decimal value",
            need: size,
            have: bytes.len(),
        });
    }
    let mut text = DecimalText {
        buf: [0; MAX_TEXT],
        len: 0,
    };
    if size == 0 {
        // DECIMAL(0,0) cannot be declared, but a zero-byte value is zero whatever it claims.
        text.push(b'0');
        return Ok((text, 0));
    }
    let negative = bytes[0] & 0x80 == 0;
    let mask = if negative { 0xff } else { 0 };
    let intg = (precision - scale) as usize;
    let frac = scale as usize;

    // All digits, integer then fraction, before trimming leading zeros.
    let mut digits = [0u8; 81];
    let mut n = 0usize;
    let mut at = 0usize;
    let mut first = true;
    let mut take = |len: usize, max_digits: usize, n: &mut usize, at: &mut usize| -> Result<()> {
        let v = group(&bytes[*at..*at + len], first, mask);
        first = false;
        *at += len;
        if v >= 10u32.pow(max_digits as u32) {
            return Err(DecodeError::bad(
                "decimal",
                format!("digit group {v} does not fit in {max_digits} digits"),
            ));
        }
        push_digits(&mut digits, n, v, max_digits);
        Ok(())
    };
    let lead = intg % DIG_PER_DEC;
    if lead > 0 {
        take(DIG2BYTES[lead], lead, &mut n, &mut at)?;
    }
    for _ in 0..intg / DIG_PER_DEC {
        take(4, DIG_PER_DEC, &mut n, &mut at)?;
    }
    for _ in 0..frac / DIG_PER_DEC {
        take(4, DIG_PER_DEC, &mut n, &mut at)?;
    }
    let trail = frac % DIG_PER_DEC;
    if trail > 0 {
        // The last partial group stores the leading `trail` digits of its nine.
        take(DIG2BYTES[trail], trail, &mut n, &mut at)?;
    }

    if negative {
        text.push(b'-');
    }
    let int_digits = &digits[..intg];
    let first_nonzero = int_digits.iter().position(|&d| d != b'0');
    match first_nonzero {
        Some(i) => int_digits[i..].iter().for_each(|&d| text.push(d)),
        None => text.push(b'0'),
    }
    if frac > 0 {
        text.push(b'.');
        digits[intg..intg + frac].iter().for_each(|&d| text.push(d));
    }
    Ok((text, size))
}

/// Encodes decimal text (`-?digits[.digits]`) as DECIMAL(precision, scale): the inverse
/// of [`decode`]. Fraction digits past `scale` are rounded half away from zero, as mysqld
/// stores them; `None` when the text is not a decimal number or its integer part does
/// not fit (mysqld's out-of-range error).
pub fn encode_text(text: &str, precision: u8, scale: u8, out: &mut Vec<u8>) -> Option<()> {
    binary_size(precision, scale)?;
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // Digits as numbers: the integer part without leading zeros, the fraction cut to scale.
    let mut int: Vec<u8> = int
        .trim_start_matches('0')
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let mut frac: Vec<u8> = frac.bytes().map(|b| b - b'0').collect();
    let round_up = frac.get(scale as usize).is_some_and(|&d| d >= 5);
    frac.resize(scale as usize, 0);
    if round_up {
        // Carry from the last kept digit leftwards, through the point.
        let mut carry = true;
        for d in frac.iter_mut().rev().chain(int.iter_mut().rev()) {
            if *d == 9 {
                *d = 0;
            } else {
                *d += 1;
                carry = false;
                break;
            }
        }
        if carry {
            int.insert(0, 1);
        }
    }
    let intg = (precision - scale) as usize;
    if int.len() > intg {
        return None;
    }
    let negative = neg && (int.iter().chain(&frac).any(|&d| d != 0));
    // The integer digits right-aligned in `intg` places, then the fraction.
    let mut digits = vec![0u8; intg - int.len()];
    digits.extend_from_slice(&int);
    let start = out.len();
    let group = |ds: &[u8]| ds.iter().fold(0u32, |n, &d| n * 10 + d as u32);
    let lead = intg % DIG_PER_DEC;
    let mut push = |ds: &[u8], bytes: usize| {
        out.extend_from_slice(&group(ds).to_be_bytes()[4 - bytes..]);
    };
    push(&digits[..lead], DIG2BYTES[lead]);
    for g in digits[lead..].chunks(DIG_PER_DEC) {
        push(g, 4);
    }
    for g in frac.chunks(DIG_PER_DEC) {
        if g.len() == DIG_PER_DEC {
            push(g, 4);
        } else {
            // A trailing partial group holds its digits as a number of that many digits.
            push(g, DIG2BYTES[g.len()]);
        }
    }
    let bytes = &mut out[start..];
    if negative {
        for b in bytes.iter_mut() {
            *b = !*b;
        }
    }
    if let Some(b) = bytes.first_mut() {
        *b ^= 0x80;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes decimal text the way `decimal2bin` does: the reference for round trips.
    fn encode(text: &str, precision: u8, scale: u8) -> Vec<u8> {
        let negative = text.starts_with('-');
        let body = text.trim_start_matches('-');
        let (ip, fp) = body.split_once('.').unwrap_or((body, ""));
        let intg = (precision - scale) as usize;
        let frac = scale as usize;
        let ip = format!("{:0>width$}", ip.trim_start_matches('0'), width = intg);
        let fp = format!("{:0<width$}", fp, width = frac);
        let mut out = Vec::new();
        let mut put = |digits: &str| {
            let v: u32 = digits.parse().unwrap();
            let len = if digits.len() == 9 {
                4
            } else {
                DIG2BYTES[digits.len()]
            };
            out.extend_from_slice(&v.to_be_bytes()[4 - len..]);
        };
        let lead = intg % 9;
        if lead > 0 {
            put(&ip[..lead]);
        }
        for c in ip.as_bytes()[lead..].chunks(9) {
            put(std::str::from_utf8(c).unwrap());
        }
        for c in fp.as_bytes().chunks(9) {
            put(std::str::from_utf8(c).unwrap());
        }
        if out.is_empty() {
            return out;
        }
        out[0] ^= 0x80;
        if negative {
            out.iter_mut().for_each(|b| *b = !*b);
        }
        out
    }

    fn text(bytes: &[u8], p: u8, s: u8) -> String {
        decode(bytes, p, s).unwrap().0.to_string()
    }

    #[test]
    fn known_binary_values() {
        // MySQL's documentation example: 1234567890.1234 as DECIMAL(14,4).
        let bytes = [0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2];
        assert_eq!(text(&bytes, 14, 4), "1234567890.1234");
        // And its negation.
        let neg: Vec<u8> = bytes.iter().map(|b| !b).collect();
        assert_eq!(text(&neg, 14, 4), "-1234567890.1234");
    }

    #[test]
    fn edge_values_round_trip() {
        let nines = "9".repeat(35) + "." + &"9".repeat(30);
        let cases: Vec<(String, u8, u8, &str)> = vec![
            (nines.clone(), 65, 30, ""),
            (format!("-{nines}"), 65, 30, ""),
            ("0.500".into(), 3, 3, ""),
            ("-12.34".into(), 10, 2, ""),
            ("12345".into(), 5, 0, ""),
            ("0".into(), 5, 0, ""),
            ("0.00".into(), 10, 2, ""),
            ("0000012.50".into(), 10, 2, "12.50"),
            ("-0.000000001".into(), 20, 9, ""),
            ("1".into(), 1, 0, ""),
            ("123456789012345678".into(), 18, 0, ""),
        ];
        for (input, p, s, want) in cases {
            let bytes = encode(&input, p, s);
            assert_eq!(bytes.len(), binary_size(p, s).unwrap(), "{input}");
            let want = if want.is_empty() {
                input.as_str()
            } else {
                want
            };
            let (t, used) = decode(&bytes, p, s).unwrap();
            assert_eq!(t.as_str(), want, "DECIMAL({p},{s})");
            assert_eq!(used, bytes.len());
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(decode(&[0x80], 10, 2).is_err(), "truncated");
        assert!(decode(&[0; 40], 66, 2).is_err(), "precision too large");
        assert!(decode(&[0; 40], 5, 6).is_err(), "scale above precision");
        // A full group holding 4294967295 is not nine digits.
        assert!(decode(&[0xff, 0xff, 0xff, 0xff], 9, 0).is_err());
    }

    proptest::proptest! {
        #[test]
        fn random_decimals_round_trip(
            int_part in "[0-9]{0,20}", frac_part in "[0-9]{0,12}", neg: bool,
        ) {
            let p = (int_part.len() + frac_part.len()).max(1) as u8;
            let s = frac_part.len() as u8;
            let mut input = String::new();
            if neg { input.push('-'); }
            input.push_str(if int_part.is_empty() { "0" } else { &int_part });
            if s > 0 { input.push('.'); input.push_str(&frac_part); }
            let bytes = encode(&input, p, s);
            let got = text(&bytes, p, s);
            // Expected: leading zeros trimmed from the integer part.
            let trimmed = int_part.trim_start_matches('0');
            let mut want = String::new();
            if neg { want.push('-'); }
            want.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            if s > 0 { want.push('.'); want.push_str(&frac_part); }
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                        p in 0u8..80, s in 0u8..40) {
            let _ = decode(&bytes, p, s);
        }
    }

    #[test]
    fn encode_is_decode_inverse() {
        let cases = [
            ("0", 10, 2, "0.00"),
            ("1234.5", 10, 2, "1234.50"),
            ("-1234.567", 10, 2, "-1234.57"),
            ("99.995", 5, 2, "100.00"),
            ("-0.001", 6, 2, "0.00"),
            (
                "123456789012345678.123456789123",
                30,
                12,
                "123456789012345678.123456789123",
            ),
            ("-987654321.5", 20, 1, "-987654321.5"),
            ("7", 1, 0, "7"),
            ("0.000000001", 20, 10, "0.0000000010"),
        ];
        for (text, p, s, want) in cases {
            let mut out = Vec::new();
            encode_text(text, p, s, &mut out).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(out.len(), binary_size(p, s).unwrap(), "{text}");
            let (got, n) = decode(&out, p, s).unwrap();
            assert_eq!((got.as_str(), n), (want, out.len()), "{text} as ({p},{s})");
        }
        let mut out = Vec::new();
        assert!(
            encode_text("1000", 5, 2, &mut out).is_none(),
            "integer part too long"
        );
        assert!(encode_text("12a", 5, 2, &mut out).is_none());
        assert!(encode_text(".", 5, 2, &mut out).is_none());
    }
}
