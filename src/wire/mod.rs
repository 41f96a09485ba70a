//! The MySQL client/server protocol: packet framing, the client side of the handshake and
//! authentication, TLS, text-protocol queries, and the replication commands.
//!
//! Architecture invariant: nothing here knows about binlog files or the relay log; the
//! receiver (`source`) drives a [`client::Connection`] and gets raw event bytes back.

pub mod auth;
pub mod client;
pub mod packet;
pub mod resultset;
pub mod server;
pub mod tls;

/// A protocol-level failure talking to a MySQL server.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The peer closed the connection (expected at shutdown or master restart).
    #[error("connection closed by the server")]
    Closed,
    /// An I/O error on the socket.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    /// Nothing arrived within the read timeout (slave_net_timeout).
    #[error("no data from the master for {0:?} (slave_net_timeout)")]
    Timeout(std::time::Duration),
    /// The server answered with an ERR packet: its code, SQLSTATE and message.
    #[error("error {code} ({state}): {message}")]
    Server {
        /// MySQL error code, e.g. 1045 or 1236.
        code: u16,
        /// SQLSTATE.
        state: String,
        /// Server's message.
        message: String,
    },
    /// A packet longer than the reader's limit (max_allowed_packet on the server side).
    #[error("packet of {size} bytes exceeds the {limit} byte limit")]
    TooLarge {
        /// Announced size so far.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The server sent something this client cannot understand.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// TLS set-up failed.
    #[error("TLS error: {0}")]
    Tls(String),
    /// Authentication could not be attempted (unsupported plugin, missing key...).
    #[error("authentication error: {0}")]
    Auth(String),
}

impl WireError {
    /// The MySQL error code, for server errors.
    pub fn server_code(&self) -> Option<u16> {
        match self {
            WireError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Parses an ERR packet payload (starting with 0xff).
    pub fn from_err_packet(p: &[u8]) -> WireError {
        if p.len() < 3 {
            return WireError::Protocol("short ERR packet".into());
        }
        let code = u16::from_le_bytes([p[1], p[2]]);
        let (state, msg) = if p.len() >= 9 && p[3] == b'#' {
            (String::from_utf8_lossy(&p[4..9]).into_owned(), &p[9..])
        } else {
            ("HY000".to_string(), &p[3..])
        };
        WireError::Server {
            code,
            state,
            message: String::from_utf8_lossy(msg).into_owned(),
        }
    }
}

/// Capability flags this client uses.
pub mod caps {
    /// CLIENT_LONG_PASSWORD.
    pub const LONG_PASSWORD: u32 = 1;
    /// CLIENT_LONG_FLAG.
    pub const LONG_FLAG: u32 = 4;
    /// CLIENT_CONNECT_WITH_DB.
    pub const CONNECT_WITH_DB: u32 = 8;
    /// CLIENT_PROTOCOL_41.
    pub const PROTOCOL_41: u32 = 0x200;
    /// CLIENT_SSL.
    pub const SSL: u32 = 0x800;
    /// CLIENT_TRANSACTIONS.
    pub const TRANSACTIONS: u32 = 0x2000;
    /// CLIENT_SECURE_CONNECTION.
    pub const SECURE_CONNECTION: u32 = 0x8000;
    /// CLIENT_MULTI_RESULTS.
    pub const MULTI_RESULTS: u32 = 0x20000;
    /// CLIENT_PLUGIN_AUTH.
    pub const PLUGIN_AUTH: u32 = 0x80000;
    /// CLIENT_CONNECT_ATTRS.
    pub const CONNECT_ATTRS: u32 = 0x100000;
    /// CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA.
    pub const PLUGIN_AUTH_LENENC: u32 = 0x200000;
    /// CLIENT_DEPRECATE_EOF.
    pub const DEPRECATE_EOF: u32 = 0x0100_0000;
}

/// Appends a length-encoded integer.
pub fn put_lenenc(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=250 => out.push(n as u8),
        251..=0xffff => {
            out.push(0xfc);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x10000..=0xff_ffff => {
            out.push(0xfd);
            out.extend_from_slice(&n.to_le_bytes()[..3]);
        }
        _ => {
            out.push(0xfe);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

/// Appends a length-encoded string.
pub fn put_lenenc_str(out: &mut Vec<u8>, s: &[u8]) {
    put_lenenc(out, s.len() as u64);
    out.extend_from_slice(s);
}
