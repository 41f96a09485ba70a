//! Password hashes as mysql.global_priv's `authentication_string` holds them, per plugin:
//! mysql_native_password's `*` + 40 hex digits of SHA1(SHA1(password)), and ed25519's
//! public key in unpadded base64 (43 characters).

use sha1::{Digest, Sha1};
use sha2::Sha512;

/// SHA1(SHA1(password)): what mysql_native_password checks against.
pub fn native_stage2(password: &[u8]) -> [u8; 20] {
    Sha1::digest(Sha1::digest(password)).into()
}

/// `*` + the upper-case hex of SHA1(SHA1(password)), as PASSWORD() returns it; empty for
/// an empty password.
pub fn native_hash(password: &[u8]) -> String {
    if password.is_empty() {
        return String::new();
    }
    let mut s = String::from("*");
    for b in native_stage2(password) {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// The SHA1(SHA1(password)) of a `*HEX` hash.
pub fn parse_native_hash(s: &str) -> Option<[u8; 20]> {
    let hex = s.strip_prefix('*').filter(|h| h.len() == 40)?;
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// MariaDB ed25519's public key for `password`: the Ed25519 key whose secret scalar is
/// taken from SHA512(password), as the client plugin signs with it.
pub fn ed25519_public(password: &[u8]) -> [u8; 32] {
    use ed25519_dalek::hazmat::ExpandedSecretKey;
    let digest: [u8; 64] = Sha512::digest(password).into();
    let esk = ExpandedSecretKey::from_bytes(&digest);
    ed25519_dalek::VerifyingKey::from(&esk).to_bytes()
}

/// ed25519's authentication_string for `password`.
pub fn ed25519_hash(password: &[u8]) -> String {
    base64_encode(&ed25519_public(password))
}

/// Checks a client_ed25519 signature of `nonce` against the stored public key.
pub fn check_ed25519(auth_string: &str, nonce: &[u8], signature: &[u8]) -> bool {
    let Some(key) = base64_decode(auth_string).and_then(|k| <[u8; 32]>::try_from(k).ok()) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&key) else {
        return false;
    };
    use ed25519_dalek::Verifier;
    key.verify(nonce, &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok()
}

/// SHA-256 crypt (Ulrich Drepper's `$5$` scheme) of `key` with `salt` and `rounds`: its
/// 43-character digest. MySQL's caching_sha2_password stores it with a 20-byte salt.
pub fn sha256_crypt(key: &[u8], salt: &[u8], rounds: u32) -> String {
    use sha2::Sha256;
    let digest = |parts: &[&[u8]]| -> [u8; 32] {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    };
    let b = digest(&[key, salt, key]);
    let mut a = Sha256::new();
    a.update(key);
    a.update(salt);
    let mut n = key.len();
    while n > 32 {
        a.update(b);
        n -= 32;
    }
    a.update(&b[..n]);
    let mut n = key.len();
    while n > 0 {
        if n & 1 != 0 {
            a.update(b);
        } else {
            a.update(key);
        }
        n >>= 1;
    }
    let da: [u8; 32] = a.finalize().into();
    let mut dp = Sha256::new();
    for _ in 0..key.len() {
        dp.update(key);
    }
    let dp: [u8; 32] = dp.finalize().into();
    let p: Vec<u8> = dp.iter().cycle().take(key.len()).copied().collect();
    let mut ds = Sha256::new();
    for _ in 0..16 + da[0] as usize {
        ds.update(salt);
    }
    let ds: [u8; 32] = ds.finalize().into();
    let s: Vec<u8> = ds.iter().cycle().take(salt.len()).copied().collect();
    let mut c = da;
    for r in 0..rounds {
        let mut h = Sha256::new();
        if r & 1 != 0 {
            h.update(&p);
        } else {
            h.update(c);
        }
        if r % 3 != 0 {
            h.update(&s);
        }
        if r % 7 != 0 {
            h.update(&p);
        }
        if r & 1 != 0 {
            h.update(c);
        } else {
            h.update(&p);
        }
        c = h.finalize().into();
    }
    const ITOA: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(43);
    let mut put = |b2: u8, b1: u8, b0: u8, n: usize| {
        let mut w = (b2 as u32) << 16 | (b1 as u32) << 8 | b0 as u32;
        for _ in 0..n {
            out.push(ITOA[(w & 0x3f) as usize] as char);
            w >>= 6;
        }
    };
    for i in 0..10 {
        // Drepper's byte order: (0,10,20), (21,1,11), (12,22,2), ...
        let (x, y, z) = match i % 3 {
            0 => (i, i + 10, i + 20),
            1 => (i + 20, i, i + 10),
            _ => (i + 10, i + 20, i),
        };
        put(c[x], c[y], c[z], 4);
    }
    put(0, c[31], c[30], 3);
    out
}

/// Checks `password` against a caching_sha2_password authentication_string:
/// `$A$` + 3 hex digits of rounds / 1000 + `$` + a 20-byte salt + the 43-character digest.
pub fn check_caching_sha2(auth_string: &[u8], password: &[u8]) -> bool {
    // SHA-256 crypt's work grows with the square of the password's length: mysqld takes
    // at most 256 bytes.
    if password.len() > 256 {
        return false;
    }
    let Some(rest) = auth_string.strip_prefix(b"$A$") else {
        return false;
    };
    let Some(rounds) = rest
        .get(..3)
        .and_then(|r| std::str::from_utf8(r).ok())
        .and_then(|r| u32::from_str_radix(r, 16).ok())
    else {
        return false;
    };
    let (Some(b'$'), Some(salt), Some(stored)) = (rest.get(3), rest.get(4..24), rest.get(24..))
    else {
        return false;
    };
    rounds > 0 && sha256_crypt(password, salt, rounds * 1000).as_bytes() == stored
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 without padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes standard base64, padded or not; `None` on any other character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_mariadb() {
        // SELECT PASSWORD('pw3') and the ed25519 key of CREATE USER ... USING
        // PASSWORD('edpw'), both from MariaDB 10.11.
        assert_eq!(
            native_hash(b"pw3"),
            "*77B4A70CEFD76DB9415F36D291E74C110D2738E0"
        );
        assert_eq!(
            ed25519_hash(b"edpw"),
            "LIEvGDGjHTmKyz3peLRjPqahOct5n6/BQCNm1bOvot4"
        );
        let h = native_hash(b"x");
        assert_eq!(parse_native_hash(&h), Some(native_stage2(b"x")));
        assert_eq!(parse_native_hash("*12"), None);
        // glibc's crypt("Hello world!", "$5$saltstring") and crypt("pw", "$5$0123456789012345").
        assert_eq!(
            sha256_crypt(b"Hello world!", b"saltstring", 5000),
            "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        assert_eq!(
            sha256_crypt(b"pw", b"0123456789012345", 5000),
            "siWw.bGGXAiBL1m5tjkU9HqROxyg6q9xL7PY17sogc3"
        );
        let salt = b"01234567890123456789";
        let mut stored = b"$A$005$".to_vec();
        stored.extend_from_slice(salt);
        stored.extend_from_slice(sha256_crypt(b"pw", salt, 5000).as_bytes());
        assert!(check_caching_sha2(&stored, b"pw"));
        assert!(!check_caching_sha2(&stored, b"px"));
        assert!(!check_caching_sha2(b"$A$005$short", b"pw"));
        for n in 0..8 {
            let data: Vec<u8> = (0..n).map(|i| i * 37 + 1).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
    }
}
