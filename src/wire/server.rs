//! The server side of the protocol: the initial handshake (v10), the client's handshake
//! response, password checks for `mysql_native_password` and `caching_sha2_password`, and
//! the OK / ERR / EOF packets every command answers with.
//!
//! Pure encoding and decoding: sockets and sessions live in `endpoint`.

use sha1::{Digest, Sha1};
use sha2::Sha256;

use super::{caps, put_lenenc, put_lenenc_str, WireError};
use crate::binlog::cursor::Cursor;

/// CLIENT_MULTI_STATEMENTS.
pub const MULTI_STATEMENTS: u32 = 0x10000;
/// CLIENT_PS_MULTI_RESULTS.
pub const PS_MULTI_RESULTS: u32 = 0x40000;
/// CLIENT_FOUND_ROWS.
pub const FOUND_ROWS: u32 = 2;
/// CLIENT_ODBC (ignored, accepted).
pub const ODBC: u32 = 0x40;
/// CLIENT_IGNORE_SPACE.
pub const IGNORE_SPACE: u32 = 0x100;
/// CLIENT_INTERACTIVE.
pub const INTERACTIVE: u32 = 0x400;
/// CLIENT_IGNORE_SIGPIPE.
pub const IGNORE_SIGPIPE: u32 = 0x1000;

/// Capabilities the endpoint offers (CLIENT_SSL is added when TLS is configured).
pub const SERVER_CAPS: u32 = caps::LONG_PASSWORD
    | FOUND_ROWS
    | caps::LONG_FLAG
    | caps::CONNECT_WITH_DB
    | ODBC
    | IGNORE_SPACE
    | caps::PROTOCOL_41
    | INTERACTIVE
    | IGNORE_SIGPIPE
    | caps::TRANSACTIONS
    | caps::SECURE_CONNECTION
    | MULTI_STATEMENTS
    | caps::MULTI_RESULTS
    | PS_MULTI_RESULTS
    | caps::PLUGIN_AUTH
    | caps::CONNECT_ATTRS
    | caps::PLUGIN_AUTH_LENENC
    | caps::DEPRECATE_EOF;

/// SERVER_STATUS_IN_TRANS.
pub const STATUS_IN_TRANS: u16 = 1;
/// SERVER_STATUS_AUTOCOMMIT.
pub const STATUS_AUTOCOMMIT: u16 = 2;
/// SERVER_MORE_RESULTS_EXISTS.
pub const STATUS_MORE_RESULTS: u16 = 8;

/// utf8mb4_general_ci, the collation the greeting announces.
pub const DEFAULT_COLLATION: u8 = 45;

/// The initial handshake packet (protocol version 10); `tls` adds CLIENT_SSL.
pub fn greeting(
    version: &str,
    connection_id: u32,
    nonce: &[u8; 20],
    plugin: &str,
    tls: bool,
) -> Vec<u8> {
    let caps = if tls {
        SERVER_CAPS | caps::SSL
    } else {
        SERVER_CAPS
    };
    let mut p = Vec::with_capacity(96 + version.len());
    p.push(10);
    p.extend_from_slice(version.as_bytes());
    p.push(0);
    p.extend_from_slice(&connection_id.to_le_bytes());
    p.extend_from_slice(&nonce[..8]);
    p.push(0);
    p.extend_from_slice(&(caps as u16).to_le_bytes());
    p.push(DEFAULT_COLLATION);
    p.extend_from_slice(&STATUS_AUTOCOMMIT.to_le_bytes());
    p.extend_from_slice(&((caps >> 16) as u16).to_le_bytes());
    p.push(21); // length of the whole nonce plus its NUL
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(&nonce[8..]);
    p.push(0);
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    p
}

/// What a client sent in its handshake response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandshakeResponse {
    /// Client capability flags.
    pub capabilities: u32,
    /// Largest packet the client accepts.
    pub max_packet: u32,
    /// Collation id the client asked for.
    pub collation: u8,
    /// User name.
    pub user: String,
    /// Authentication response (scrambled password).
    pub auth: Vec<u8>,
    /// Default database (CONNECT_WITH_DB).
    pub database: Option<String>,
    /// Plugin the auth response was computed with.
    pub plugin: Option<String>,
}

/// True when a handshake response is only the SSL request (32 bytes, CLIENT_SSL set).
pub fn is_ssl_request(p: &[u8]) -> bool {
    p.len() == 32 && u32::from_le_bytes([p[0], p[1], p[2], p[3]]) & caps::SSL != 0
}

/// Parses a HandshakeResponse41.
pub fn parse_handshake_response(p: &[u8]) -> Result<HandshakeResponse, WireError> {
    let bad = |e: crate::binlog::DecodeError| {
        WireError::Protocol(format!("malformed handshake response: {e}"))
    };
    let mut c = Cursor::new(p);
    if p.len() >= 2 && u16::from_le_bytes([p[0], p[1]]) as u32 & caps::PROTOCOL_41 == 0 {
        return parse_handshake_response_320(p);
    }
    let capabilities = c.u32("capabilities").map_err(bad)?;
    let max_packet = c.u32("max packet").map_err(bad)?;
    let collation = c.u8("collation").map_err(bad)?;
    c.skip(23, "filler").map_err(bad)?;
    let user = String::from_utf8_lossy(c.cstr("user").map_err(bad)?).into_owned();
    let auth = if capabilities & caps::PLUGIN_AUTH_LENENC != 0 {
        let n = c.lenenc_len("auth length").map_err(bad)?;
        c.bytes(n, "auth response").map_err(bad)?.to_vec()
    } else if capabilities & caps::SECURE_CONNECTION != 0 {
        let n = c.u8("auth length").map_err(bad)? as usize;
        c.bytes(n, "auth response").map_err(bad)?.to_vec()
    } else {
        c.cstr("auth response").map_err(bad)?.to_vec()
    };
    // Old clients may end the packet early instead of sending empty fields.
    let mut database = None;
    if capabilities & caps::CONNECT_WITH_DB != 0 && !c.is_empty() {
        let db = c.cstr("database").map_err(bad)?;
        if !db.is_empty() {
            database = Some(String::from_utf8_lossy(db).into_owned());
        }
    }
    let mut plugin = None;
    if capabilities & caps::PLUGIN_AUTH != 0 && !c.is_empty() {
        let name = c.cstr("auth plugin").map_err(bad)?;
        if !name.is_empty() {
            plugin = Some(String::from_utf8_lossy(name).into_owned());
        }
    }
    Ok(HandshakeResponse {
        capabilities,
        max_packet,
        collation,
        user,
        auth,
        database,
        plugin,
    })
}

/// Parses a pre-4.1 HandshakeResponse320 (HAProxy's `mysql-check` sends one unless told
/// `post-41`): 2-byte capabilities, 3-byte max packet, user, then the auth response.
fn parse_handshake_response_320(p: &[u8]) -> Result<HandshakeResponse, WireError> {
    let bad = |e: crate::binlog::DecodeError| {
        WireError::Protocol(format!("malformed pre-4.1 handshake response: {e}"))
    };
    let mut c = Cursor::new(p);
    let capabilities = c.u16("capabilities").map_err(bad)? as u32;
    let max_packet = c.uint_n(3, "max packet").map_err(bad)? as u32;
    let user = String::from_utf8_lossy(c.cstr("user").map_err(bad)?).into_owned();
    let mut database = None;
    let auth = if capabilities & caps::CONNECT_WITH_DB != 0 {
        let a = c.cstr("auth response").map_err(bad)?.to_vec();
        if !c.is_empty() {
            database = Some(String::from_utf8_lossy(c.cstr("database").map_err(bad)?).into_owned())
                .filter(|d| !d.is_empty());
        }
        a
    } else {
        let rest = c.rest();
        rest.strip_suffix(&[0]).unwrap_or(rest).to_vec()
    };
    Ok(HandshakeResponse {
        capabilities,
        max_packet,
        collation: DEFAULT_COLLATION,
        user,
        auth,
        database,
        plugin: None,
    })
}

/// The password digest mysql_native_password checks against: SHA1(SHA1(password)), the
/// value behind mysqld's `*HEX` authentication_string.
pub fn native_stage2(password: &[u8]) -> [u8; 20] {
    Sha1::digest(Sha1::digest(password)).into()
}

/// The digest caching_sha2_password's fast path checks against: SHA256(SHA256(password)).
pub fn sha2_stage2(password: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(password)).into()
}

/// Checks a mysql_native_password response: SHA1(pw) XOR SHA1(nonce + stage2) must hash
/// to `stage2`.
pub fn check_native(stage2: &[u8; 20], nonce: &[u8], response: &[u8]) -> bool {
    if response.len() != 20 {
        return false;
    }
    let mut h = Sha1::new();
    h.update(nonce);
    h.update(stage2);
    let mix = h.finalize();
    Sha1::digest(xor(response, &mix)).as_slice() == stage2
}

/// Checks a caching_sha2_password fast-path response: SHA256(pw) XOR SHA256(stage2 + nonce)
/// must hash to `stage2`.
pub fn check_sha2(stage2: &[u8; 32], nonce: &[u8], response: &[u8]) -> bool {
    if response.len() != 32 {
        return false;
    }
    let mut h = Sha256::new();
    h.update(stage2);
    h.update(nonce);
    let mix = h.finalize();
    Sha256::digest(xor(response, &mix)).as_slice() == stage2
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// An AuthSwitchRequest asking the client to answer with `plugin` over `nonce`.
pub fn auth_switch(plugin: &str, nonce: &[u8; 20]) -> Vec<u8> {
    let mut p = Vec::with_capacity(2 + plugin.len() + 21);
    p.push(0xfe);
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    p.extend_from_slice(nonce);
    p.push(0);
    p
}

/// An OK packet (or, with `eof_header`, the OK that replaces EOF after a result set under
/// CLIENT_DEPRECATE_EOF).
pub fn ok_packet(
    affected: u64,
    last_insert_id: u64,
    status: u16,
    warnings: u16,
    info: &str,
    eof_header: bool,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(16 + info.len());
    p.push(if eof_header { 0xfe } else { 0 });
    put_lenenc(&mut p, affected);
    put_lenenc(&mut p, last_insert_id);
    p.extend_from_slice(&status.to_le_bytes());
    p.extend_from_slice(&warnings.to_le_bytes());
    if !info.is_empty() {
        p.extend_from_slice(info.as_bytes());
    }
    p
}

/// An EOF packet (clients without CLIENT_DEPRECATE_EOF).
pub fn eof_packet(status: u16, warnings: u16) -> Vec<u8> {
    let mut p = vec![0xfe];
    p.extend_from_slice(&warnings.to_le_bytes());
    p.extend_from_slice(&status.to_le_bytes());
    p
}

/// An ERR packet.
pub fn err_packet(code: u16, state: &str, message: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(9 + message.len());
    p.push(0xff);
    p.extend_from_slice(&code.to_le_bytes());
    p.push(b'#');
    let state = state.as_bytes();
    p.extend_from_slice(&state[..state.len().min(5)]);
    p.extend_from_slice(message.as_bytes());
    p
}

/// An ERR packet without SQLSTATE, as mysqld sends it before the handshake (when it does
/// not know yet whether the client speaks protocol 4.1).
pub fn err_packet_pre41(code: u16, message: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(3 + message.len());
    p.push(0xff);
    p.extend_from_slice(&code.to_le_bytes());
    p.extend_from_slice(message.as_bytes());
    p
}

/// A column count packet.
pub fn column_count(n: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(9);
    put_lenenc(&mut p, n as u64);
    p
}

/// Appends a text-protocol value (`None` is NULL).
pub fn put_text_value(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        Some(b) => put_lenenc_str(out, b),
        None => out.push(0xfb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::auth;

    #[test]
    fn native_round_trip() {
        let nonce = *b"abcdefghij0123456789";
        let stage2 = native_stage2(b"secret");
        let resp = auth::native_password(b"secret", &nonce);
        assert!(check_native(&stage2, &nonce, &resp));
        let wrong = auth::native_password(b"secreT", &nonce);
        assert!(!check_native(&stage2, &nonce, &wrong));
        assert!(!check_native(&stage2, &nonce, &[]));
        assert!(!check_native(&stage2, &nonce, &resp[..19]));
    }

    #[test]
    fn sha2_round_trip() {
        let nonce = *b"abcdefghij0123456789";
        let stage2 = sha2_stage2(b"secret");
        let resp = auth::caching_sha2(b"secret", &nonce);
        assert!(check_sha2(&stage2, &nonce, &resp));
        assert!(!check_sha2(
            &stage2,
            &nonce,
            &auth::caching_sha2(b"x", &nonce)
        ));
    }

    #[test]
    fn handshake_response_parses_and_rejects_garbage() {
        let mut p = Vec::new();
        let caps = caps::PROTOCOL_41
            | caps::SECURE_CONNECTION
            | caps::PLUGIN_AUTH
            | caps::CONNECT_WITH_DB
            | caps::PLUGIN_AUTH_LENENC;
        p.extend_from_slice(&caps.to_le_bytes());
        p.extend_from_slice(&(1u32 << 24).to_le_bytes());
        p.push(45);
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(b"root\0");
        put_lenenc_str(&mut p, &[1, 2, 3]);
        p.extend_from_slice(b"db1\0mysql_native_password\0");
        let r = parse_handshake_response(&p).unwrap();
        assert_eq!(r.user, "root");
        assert_eq!(r.auth, vec![1, 2, 3]);
        assert_eq!(r.database.as_deref(), Some("db1"));
        assert_eq!(r.plugin.as_deref(), Some(auth::NATIVE));
        for cut in 0..p.len() - 30 {
            // Every truncation either parses (fields are optional at the end) or errors.
            let _ = parse_handshake_response(&p[..cut]);
        }
        assert!(parse_handshake_response(&[0xff; 3]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_or_fail_cleanly(p in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse_handshake_response(&p);
            let _ = is_ssl_request(&p);
        }
    }

    #[test]
    fn pre41_response_as_haproxy_sends_it() {
        // HAProxy's mysql-check without post-41: 2-byte capabilities, 3-byte max packet,
        // the user and its NUL, nothing else.
        let mut p = vec![0x00, 0x80, 0x00, 0x00, 0x01];
        p.extend_from_slice(b"haproxy\0");
        let r = parse_handshake_response(&p).unwrap();
        assert_eq!(r.user, "haproxy");
        assert!(r.auth.is_empty());
        assert_eq!(r.capabilities & caps::PROTOCOL_41, 0);
    }
}
