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
        for n in 0..8 {
            let data: Vec<u8> = (0..n).map(|i| i * 37 + 1).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
    }
}
