//! Memcomparable key encoding: values encoded so that comparing the bytes (as RocksDB does)
//! orders keys exactly as MySQL orders the values, composite keys column by column.
//!
//! - NULL sorts first: a nullable column is prefixed with 0x00 (NULL) or 0x01 (value).
//! - Signed integers: 8 bytes big-endian with the sign bit flipped.
//! - Unsigned integers: 8 bytes big-endian.
//! - Doubles: IEEE bits, all bits flipped for negatives, sign bit flipped for the rest.
//! - Byte strings (binary collations): groups of 8 bytes, each followed by a marker: 0xFF
//!   after a full group, `0xFF - padding` after the last, zero-padded group (which always
//!   has 1 to 8 bytes of padding). This keeps prefixes ordered before their extensions and
//!   is self-delimiting, so a composite key decodes column by column.
//!
//! Collation-aware strings (`_ci`) encode their collation weights through
//! [`put_bytes`] too; the weight functions live with the collations.

/// Appends a NULL marker (for nullable key columns).
#[inline]
pub fn put_null(out: &mut Vec<u8>) {
    out.push(0x00);
}

/// Appends the "not NULL" marker that precedes a nullable column's value.
#[inline]
pub fn put_not_null(out: &mut Vec<u8>) {
    out.push(0x01);
}

/// Appends a signed integer.
#[inline]
pub fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

/// Appends an unsigned integer.
#[inline]
pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a double (NaN does not occur in MySQL values).
#[inline]
pub fn put_f64(out: &mut Vec<u8>, v: f64) {
    // -0.0 and 0.0 are equal in SQL.
    let v = if v == 0.0 { 0.0 } else { v };
    let bits = v.to_bits();
    let k = if bits >> 63 == 1 {
        !bits
    } else {
        bits ^ (1 << 63)
    };
    out.extend_from_slice(&k.to_be_bytes());
}

/// Appends a byte string in 8-byte groups with markers.
pub fn put_bytes(out: &mut Vec<u8>, v: &[u8]) {
    let mut chunks = v.chunks_exact(8);
    for c in &mut chunks {
        out.extend_from_slice(c);
        out.push(0xff);
    }
    // The last group always has padding (a whole empty group when the length is a multiple
    // of 8), so 0xff can only mean "more follows".
    let rest = chunks.remainder();
    let pad = 8 - rest.len();
    out.extend_from_slice(rest);
    out.extend(std::iter::repeat_n(0u8, pad));
    out.push(0xff - pad as u8);
}

/// Why a key could not be decoded (only keys this module wrote are ever decoded).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed key: {0}")]
pub struct KeyError(&'static str);

/// Reads key parts back, front to back.
pub struct KeyReader<'a> {
    /// Bytes not read yet.
    rest: &'a [u8],
}

impl<'a> KeyReader<'a> {
    /// A reader over an encoded key.
    pub fn new(key: &'a [u8]) -> Self {
        KeyReader { rest: key }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyError> {
        if self.rest.len() < n {
            return Err(KeyError("truncated"));
        }
        let (h, t) = self.rest.split_at(n);
        self.rest = t;
        Ok(h)
    }

    /// Reads a nullable column's marker: true when a value follows.
    pub fn not_null(&mut self) -> Result<bool, KeyError> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(KeyError("bad NULL marker")),
        }
    }

    /// Reads a signed integer.
    pub fn i64(&mut self) -> Result<i64, KeyError> {
        let b = self.take(8)?;
        let v = u64::from_be_bytes(b.try_into().map_err(|_| KeyError("truncated"))?);
        Ok((v ^ (1 << 63)) as i64)
    }

    /// Reads an unsigned integer.
    pub fn u64(&mut self) -> Result<u64, KeyError> {
        let b = self.take(8)?;
        Ok(u64::from_be_bytes(
            b.try_into().map_err(|_| KeyError("truncated"))?,
        ))
    }

    /// Reads a double.
    pub fn f64(&mut self) -> Result<f64, KeyError> {
        let k = self.u64()?;
        let bits = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
        Ok(f64::from_bits(bits))
    }

    /// Reads a byte string.
    pub fn bytes(&mut self) -> Result<Vec<u8>, KeyError> {
        let mut out = Vec::new();
        loop {
            let group = self.take(9)?;
            let marker = group[8];
            if marker == 0xff {
                out.extend_from_slice(&group[..8]);
                continue;
            }
            let pad = 0xff - marker;
            if pad == 0 || pad > 8 {
                return Err(KeyError("bad group marker"));
            }
            out.extend_from_slice(&group[..8 - pad as usize]);
            return Ok(out);
        }
    }

    /// True when every part was read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key_i64(v: i64) -> Vec<u8> {
        let mut k = Vec::new();
        put_i64(&mut k, v);
        k
    }

    fn key_bytes(v: &[u8]) -> Vec<u8> {
        let mut k = Vec::new();
        put_bytes(&mut k, v);
        k
    }

    proptest! {
        #[test]
        fn signed_order_and_round_trip(a: i64, b: i64) {
            prop_assert_eq!(a.cmp(&b), key_i64(a).cmp(&key_i64(b)));
            prop_assert_eq!(KeyReader::new(&key_i64(a)).i64().unwrap(), a);
        }

        #[test]
        fn unsigned_and_double_order(a: u64, b: u64, x in -1e300f64..1e300, y in -1e300f64..1e300) {
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            put_u64(&mut ka, a);
            put_u64(&mut kb, b);
            prop_assert_eq!(a.cmp(&b), ka.cmp(&kb));
            let (mut kx, mut ky) = (Vec::new(), Vec::new());
            put_f64(&mut kx, x);
            put_f64(&mut ky, y);
            prop_assert_eq!(x.partial_cmp(&y).unwrap(), kx.cmp(&ky));
            prop_assert_eq!(KeyReader::new(&kx).f64().unwrap(), if x == 0.0 { 0.0 } else { x });
        }

        #[test]
        fn bytes_order_and_round_trip(a in proptest::collection::vec(any::<u8>(), 0..40),
                                      b in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(a.cmp(&b), key_bytes(&a).cmp(&key_bytes(&b)));
            prop_assert_eq!(KeyReader::new(&key_bytes(&a)).bytes().unwrap(), a);
        }

        #[test]
        fn composite_keys_order_column_by_column(a1: i64, a2 in proptest::collection::vec(any::<u8>(), 0..20),
                                                 b1: i64, b2 in proptest::collection::vec(any::<u8>(), 0..20)) {
            let k = |x: i64, s: &[u8]| { let mut k = key_bytes(s); put_i64(&mut k, x); k };
            prop_assert_eq!((&a2, a1).cmp(&(&b2, b1)), k(a1, &a2).cmp(&k(b1, &b2)));
        }
    }

    #[test]
    fn nulls_sort_first_and_garbage_is_an_error() {
        let mut null = Vec::new();
        put_null(&mut null);
        let mut v = Vec::new();
        put_not_null(&mut v);
        put_i64(&mut v, i64::MIN);
        assert!(null < v);
        // Lengths that fill whole groups, including none, end with an all-padding group.
        for v in [&b""[..], b"abcdefgh", b"abcdefghijklmnop"] {
            let k = key_bytes(v);
            assert_eq!(k.len() % 9, 0);
            assert_eq!(k[k.len() - 1], 0xff - 8);
            assert_eq!(KeyReader::new(&k).bytes().unwrap(), v);
        }
        assert!(key_bytes(b"abcdefgh") < key_bytes(b"abcdefgh\0"));
        assert!(KeyReader::new(&[0x01, 2, 3]).bytes().is_err());
        assert!(KeyReader::new(&[7]).not_null().is_err());
        let mut bad = vec![0u8; 8];
        bad.push(0x10);
        assert!(KeyReader::new(&bad).bytes().is_err());
    }
}
