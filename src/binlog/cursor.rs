//! A bounds-checked little-endian reader over borrowed bytes.
//!
//! Every read names what it was reading, so a truncated event reports the field it ran out
//! in. Nothing here allocates: slices borrow from the event buffer.

use super::error::{DecodeError, Result};

/// Reads fields front to back from a byte slice.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    /// Bytes not read yet.
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf }
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The unread bytes, consuming them.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    /// The unread bytes, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf
    }

    /// The next `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(DecodeError::Truncated {
                what,
                need: n,
                have: self.buf.len(),
            });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<()> {
        self.bytes(n, what).map(|_| ())
    }

    /// The next `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let b = self.bytes(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.bytes(1, what)?[0])
    }

    /// Little-endian u16.
    #[inline]
    pub fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    /// Little-endian u32.
    #[inline]
    pub fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// Little-endian u64.
    #[inline]
    pub fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Little-endian unsigned integer of `n` (1..=8) bytes.
    #[inline]
    pub fn uint_n(&mut self, n: usize, what: &'static str) -> Result<u64> {
        let b = self.bytes(n, what)?;
        Ok(le_uint(b))
    }

    /// MySQL length-encoded integer (`0xfb` is NULL and reported as `None`).
    pub fn lenenc(&mut self, what: &'static str) -> Result<Option<u64>> {
        let first = self.u8(what)?;
        Ok(match first {
            0..=0xfa => Some(first as u64),
            0xfb => None,
            0xfc => Some(self.uint_n(2, what)?),
            0xfd => Some(self.uint_n(3, what)?),
            0xfe => Some(self.u64(what)?),
            0xff => {
                return Err(DecodeError::bad(
                    "length-encoded integer",
                    format!("{what}: first byte 0xff"),
                ))
            }
        })
    }

    /// A length-encoded integer that must not be NULL, as a usize.
    pub fn lenenc_len(&mut self, what: &'static str) -> Result<usize> {
        match self.lenenc(what)? {
            Some(n) if n <= usize::MAX as u64 => Ok(n as usize),
            _ => Err(DecodeError::bad(
                "length-encoded integer",
                format!("{what}: NULL or oversized length"),
            )),
        }
    }

    /// Bytes up to (not including) the next NUL, consuming the NUL.
    pub fn cstr(&mut self, what: &'static str) -> Result<&'a [u8]> {
        match self.buf.iter().position(|&b| b == 0) {
            Some(i) => {
                let s = &self.buf[..i];
                self.buf = &self.buf[i + 1..];
                Ok(s)
            }
            None => Err(DecodeError::Truncated {
                what,
                need: self.buf.len() + 1,
                have: self.buf.len(),
            }),
        }
    }
}

/// Little-endian unsigned integer of up to 8 bytes.
#[inline]
pub fn le_uint(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for (i, &x) in b.iter().take(8).enumerate() {
        v |= (x as u64) << (8 * i);
    }
    v
}

/// Big-endian unsigned integer of up to 8 bytes.
#[inline]
pub fn be_uint(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for &x in b.iter().take(8) {
        v = (v << 8) | x as u64;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_reports_truncation() {
        let data = [1u8, 2, 0, 3, 0, 0, 0, b'a', b'b', 0, 0xfc, 0x10, 0x27];
        let mut c = Cursor::new(&data);
        assert_eq!(c.u8("a").unwrap(), 1);
        assert_eq!(c.u16("b").unwrap(), 2);
        assert_eq!(c.u32("c").unwrap(), 3);
        assert_eq!(c.cstr("s").unwrap(), b"ab");
        assert_eq!(c.lenenc("l").unwrap(), Some(10000));
        assert!(c.is_empty());
        let err = c.u32("missing field").unwrap_err();
        assert_eq!(
            err,
            DecodeError::Truncated {
                what: "missing field",
                need: 4,
                have: 0
            }
        );
    }

    #[test]
    fn integer_helpers() {
        assert_eq!(le_uint(&[0x01, 0x02, 0x03]), 0x030201);
        assert_eq!(be_uint(&[0x01, 0x02, 0x03]), 0x010203);
    }
}
