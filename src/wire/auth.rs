//! Authentication plugin responses: `mysql_native_password`, `caching_sha2_password` (and its
//! RSA full-auth step), MariaDB `client_ed25519`.
//!
//! These are pure functions of the password and the server's nonce, tested with vectors
//! computed independently of this code.

use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha512};

use super::WireError;

/// Plugin names as servers send them.
pub const NATIVE: &str = "mysql_native_password";
/// MySQL 8's default plugin.
pub const CACHING_SHA2: &str = "caching_sha2_password";
/// MySQL's older SHA-256 plugin (same RSA exchange as caching_sha2 full auth).
pub const SHA256: &str = "sha256_password";
/// MariaDB's ed25519 plugin.
pub const ED25519: &str = "client_ed25519";
/// Cleartext (only over TLS or a socket; used by PAM setups).
pub const CLEAR: &str = "mysql_clear_password";

/// The nonce without the trailing NUL some servers append.
pub fn trim_nonce(nonce: &[u8]) -> &[u8] {
    match nonce.last() {
        Some(0) => &nonce[..nonce.len() - 1],
        _ => nonce,
    }
}

/// mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))); empty for no password.
pub fn native_password(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let stage1 = Sha1::digest(password);
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(trim_nonce(nonce));
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

/// caching_sha2_password fast path: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce).
pub fn caching_sha2(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let p1 = Sha256::digest(password);
    let p2 = Sha256::digest(p1);
    let mut h = Sha256::new();
    h.update(p2);
    h.update(trim_nonce(nonce));
    let p3 = h.finalize();
    p1.iter().zip(p3.iter()).map(|(a, b)| a ^ b).collect()
}

/// caching_sha2 / sha256_password full auth without TLS: (password + NUL) XOR nonce,
/// encrypted with the server's RSA public key (PEM) using OAEP padding.
pub fn rsa_encrypt_password(
    password: &[u8],
    nonce: &[u8],
    public_key_pem: &[u8],
) -> Result<Vec<u8>, WireError> {
    use rsa::pkcs8::DecodePublicKey;
    let pem = std::str::from_utf8(public_key_pem)
        .map_err(|_| WireError::Auth("server RSA public key is not text".into()))?;
    let key = rsa::RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| {
            use rsa::pkcs1::DecodeRsaPublicKey;
            rsa::RsaPublicKey::from_pkcs1_pem(pem.trim())
        })
        .map_err(|e| WireError::Auth(format!("cannot parse the server's RSA public key: {e}")))?;
    let nonce = trim_nonce(nonce);
    if nonce.is_empty() {
        return Err(WireError::Auth(
            "empty nonce for RSA password exchange".into(),
        ));
    }
    let mut data: Vec<u8> = password.to_vec();
    data.push(0);
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= nonce[i % nonce.len()];
    }
    key.encrypt(&mut rand::thread_rng(), rsa::Oaep::new::<Sha1>(), &data)
        .map_err(|e| WireError::Auth(format!("RSA encryption failed: {e}")))
}

/// MariaDB client_ed25519: an Ed25519 signature of the nonce, with the secret scalar and
/// nonce prefix taken from SHA512(password) exactly as Ed25519 takes them from a seed.
///
/// The nonce is 32 random bytes, any of them zero, with no terminator: its first 32 bytes
/// are signed (never trimmed as the NUL-terminated scrambles of the other plugins are — a
/// nonce ending in 0, one in 256, would be signed short and refused with 1045).
pub fn ed25519(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    use ed25519_dalek::hazmat::{raw_sign, ExpandedSecretKey};
    const NONCE_BYTES: usize = 32;
    let digest: [u8; 64] = Sha512::digest(password).into();
    let esk = ExpandedSecretKey::from_bytes(&digest);
    let public = ed25519_dalek::VerifyingKey::from(&esk);
    let message = nonce.get(..NONCE_BYTES).unwrap_or(trim_nonce(nonce));
    raw_sign::<Sha512>(&esk, message, &public)
        .to_bytes()
        .to_vec()
}

/// The response a plugin gives to the server's first nonce (full auth steps are handled
/// by the connection, which can see TLS state and the server's replies).
pub fn initial_response(plugin: &str, password: &[u8], nonce: &[u8]) -> Result<Vec<u8>, WireError> {
    Ok(match plugin {
        NATIVE => native_password(password, nonce),
        CACHING_SHA2 => caching_sha2(password, nonce),
        ED25519 => ed25519(password, nonce),
        // sha256_password sends a single 0x01 to ask for the public key, or the password
        // in clear over TLS; the connection decides which.
        SHA256 => vec![1],
        CLEAR => {
            let mut v = password.to_vec();
            v.push(0);
            v
        }
        other => {
            return Err(WireError::Auth(format!(
            "the master asked for authentication plugin {other}, which replicant does not support \
                 (supported: {NATIVE}, {CACHING_SHA2}, {SHA256}, {ED25519}, {CLEAR})"
        )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    // Vectors computed with Python's hashlib from the formulas in the MySQL documentation.
    const NONCE: &[u8] = b"abcdefghijklmnopqrst";

    #[test]
    fn native_vector() {
        assert_eq!(
            hex(&native_password(b"secret", NONCE)),
            "8817c50fa779daef010ee7577825b0847df9842e"
        );
        assert!(native_password(b"", NONCE).is_empty());
        // A trailing NUL on the nonce is not part of it.
        let mut n = NONCE.to_vec();
        n.push(0);
        assert_eq!(
            native_password(b"secret", &n),
            native_password(b"secret", NONCE)
        );
    }

    #[test]
    fn caching_sha2_vector() {
        assert_eq!(
            hex(&caching_sha2(b"secret", NONCE)),
            "c76e2898612a4cf042c77fa8c4702c4c64c0c2c557c53c4d75595aaa6abae809"
        );
    }

    #[test]
    fn ed25519_signature_verifies() {
        use ed25519_dalek::{Signature, Verifier};
        let sig = ed25519(b"secret", NONCE);
        let digest: [u8; 64] = Sha512::digest(b"secret").into();
        let esk = ed25519_dalek::hazmat::ExpandedSecretKey::from_bytes(&digest);
        let public = ed25519_dalek::VerifyingKey::from(&esk);
        let sig = Signature::from_slice(&sig).unwrap();
        public.verify(NONCE, &sig).unwrap();
        // A 32-byte nonce that ends in 0 is signed whole, with or without a terminator.
        let mut nonce = [7u8; 32];
        nonce[31] = 0;
        for sent in [&nonce[..], &[&nonce[..], &[0u8][..]].concat()[..]] {
            let sig = Signature::from_slice(&ed25519(b"secret", sent)).unwrap();
            public.verify(&nonce, &sig).unwrap();
        }
    }

    #[test]
    fn rsa_round_trip() {
        use rsa::pkcs8::EncodePublicKey;
        let mut rng = rand::thread_rng();
        let private = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
        let pem = private
            .to_public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap();
        let enc = rsa_encrypt_password(b"pw", NONCE, pem.as_bytes()).unwrap();
        let dec = private.decrypt(rsa::Oaep::new::<Sha1>(), &enc).unwrap();
        let plain: Vec<u8> = dec
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ NONCE[i % NONCE.len()])
            .collect();
        assert_eq!(plain, b"pw\0");
        assert!(rsa_encrypt_password(b"pw", NONCE, b"garbage").is_err());
    }

    #[test]
    fn unknown_plugin_is_a_clear_error() {
        let e = initial_response("auth_gssapi_client", b"x", NONCE).unwrap_err();
        assert!(e.to_string().contains("auth_gssapi_client"));
    }
}
