//! A client connection to a MySQL or MariaDB server: handshake, authentication, TLS, text
//! queries, and the replication commands COM_REGISTER_SLAVE and COM_BINLOG_DUMP.

use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::TcpStream;

use super::auth;
use super::caps;
use super::packet::PacketIo;
use super::tls::{self, MaybeTls};
use super::{put_lenenc, WireError};
use crate::binlog::cursor::Cursor;
use crate::config::SslConfig;

/// What to connect to and as whom.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User name.
    pub user: String,
    /// Password (may be empty).
    pub password: String,
    /// TLS settings.
    pub ssl: SslConfig,
    /// RSA public key (PEM) for caching_sha2 full auth without TLS, if configured.
    pub public_key: Option<Vec<u8>>,
    /// Timeout for the TCP connect and the handshake.
    pub connect_timeout: Duration,
}

/// What the server said about itself in its handshake.
#[derive(Clone, Debug)]
pub struct ServerInfo {
    /// Version string, e.g. `5.5.5-10.11.6-MariaDB-0+deb12u1-log`.
    pub version: String,
    /// Connection id.
    pub connection_id: u32,
    /// Capability flags.
    pub capabilities: u32,
}

impl ServerInfo {
    /// True for MariaDB servers.
    pub fn is_mariadb(&self) -> bool {
        self.version.contains("MariaDB")
    }
}

/// One text-protocol result set: rows of nullable text values.
pub type Rows = Vec<Vec<Option<String>>>;

/// An authenticated connection.
pub struct Connection {
    /// Framed, buffered stream.
    io: PacketIo<BufReader<MaybeTls>>,
    /// Handshake facts.
    pub server: ServerInfo,
    /// Reused read buffer.
    buf: Vec<u8>,
}

const CLIENT_CAPS: u32 = caps::LONG_PASSWORD
    | caps::LONG_FLAG
    | caps::PROTOCOL_41
    | caps::TRANSACTIONS
    | caps::SECURE_CONNECTION
    | caps::MULTI_RESULTS
    | caps::PLUGIN_AUTH
    | caps::PLUGIN_AUTH_LENENC;

/// utf8mb4_general_ci.
const CHARSET: u8 = 45;

impl Connection {
    /// Connects, upgrades to TLS if configured, and authenticates.
    pub async fn connect(opts: &ConnectOptions) -> Result<Connection, WireError> {
        tokio::time::timeout(opts.connect_timeout, Self::connect_inner(opts))
            .await
            .map_err(|_| WireError::Timeout(opts.connect_timeout))?
    }

    async fn connect_inner(opts: &ConnectOptions) -> Result<Connection, WireError> {
        let tcp = TcpStream::connect((opts.host.as_str(), opts.port)).await?;
        tcp.set_nodelay(true)?;
        let mut io = PacketIo::new(BufReader::with_capacity(256 * 1024, MaybeTls::Plain(tcp)));
        let mut buf = Vec::new();
        io.read_packet(&mut buf).await?;
        if buf.first() == Some(&0xff) {
            return Err(WireError::from_err_packet(&buf));
        }
        let hs = parse_handshake(&buf)?;
        let mut client_caps = CLIENT_CAPS & (hs.capabilities | caps::PROTOCOL_41);
        if opts.ssl.enabled {
            if hs.capabilities & caps::SSL == 0 {
                return Err(WireError::Tls(format!(
                    "MASTER_SSL is set but {}:{} does not offer TLS (have_ssl is DISABLED)",
                    opts.host, opts.port
                )));
            }
            client_caps |= caps::SSL;
            let mut req = Vec::with_capacity(32);
            req.extend_from_slice(&client_caps.to_le_bytes());
            req.extend_from_slice(&(1u32 << 24).to_le_bytes());
            req.push(CHARSET);
            req.extend_from_slice(&[0; 23]);
            io.write_packet(&req).await?;
            let seq = io.seq;
            let plain = match io.stream.into_inner() {
                MaybeTls::Plain(t) => t,
                MaybeTls::Tls(_) => return Err(WireError::Tls("already TLS".into())),
            };
            let stream = tls::connect(plain, &opts.host, &opts.ssl).await?;
            io = PacketIo::new(BufReader::with_capacity(256 * 1024, stream));
            io.seq = seq;
        }
        let mut plugin = hs
            .plugin
            .clone()
            .unwrap_or_else(|| auth::NATIVE.to_string());
        let mut nonce = hs.nonce.clone();
        let first = match auth::initial_response(&plugin, opts.password.as_bytes(), &nonce) {
            Ok(r) => r,
            // An unknown default plugin: answer as native and let the server switch us.
            Err(_) => {
                plugin = auth::NATIVE.to_string();
                auth::native_password(opts.password.as_bytes(), &nonce)
            }
        };
        let mut resp = Vec::with_capacity(128);
        resp.extend_from_slice(&client_caps.to_le_bytes());
        resp.extend_from_slice(&(1u32 << 24).to_le_bytes());
        resp.push(CHARSET);
        resp.extend_from_slice(&[0; 23]);
        resp.extend_from_slice(opts.user.as_bytes());
        resp.push(0);
        put_lenenc(&mut resp, first.len() as u64);
        resp.extend_from_slice(&first);
        resp.extend_from_slice(plugin.as_bytes());
        resp.push(0);
        io.write_packet(&resp).await?;

        let tls_on = io.stream.get_ref().is_tls();
        // The authentication exchange: OK, ERR, auth switch, or more data for the plugin.
        loop {
            io.read_packet(&mut buf).await?;
            match buf.first() {
                Some(0x00) => break,
                Some(0xff) => return Err(WireError::from_err_packet(&buf)),
                Some(0xfe) => {
                    let mut c = Cursor::new(&buf[1..]);
                    plugin =
                        String::from_utf8_lossy(c.cstr("plugin name").map_err(proto)?).into_owned();
                    nonce = c.rest().to_vec();
                    let r = auth::initial_response(&plugin, opts.password.as_bytes(), &nonce)?;
                    let r = if plugin == auth::SHA256 && tls_on {
                        cleartext(&opts.password)
                    } else {
                        r
                    };
                    io.write_packet(&r).await?;
                }
                Some(0x01) => {
                    let more = &buf[1..];
                    match (plugin.as_str(), more.first()) {
                        (auth::CACHING_SHA2, Some(3)) => {} // fast auth succeeded; OK follows
                        (auth::CACHING_SHA2, Some(4)) => {
                            if tls_on {
                                io.write_packet(&cleartext(&opts.password)).await?;
                            } else if let Some(key) = &opts.public_key {
                                let enc = auth::rsa_encrypt_password(
                                    opts.password.as_bytes(),
                                    &nonce,
                                    key,
                                )?;
                                io.write_packet(&enc).await?;
                            } else {
                                io.write_packet(&[2]).await?; // request the public key
                            }
                        }
                        (auth::CACHING_SHA2 | auth::SHA256, _) => {
                            // The server's public key.
                            let enc =
                                auth::rsa_encrypt_password(opts.password.as_bytes(), &nonce, more)?;
                            io.write_packet(&enc).await?;
                        }
                        (p, _) => {
                            return Err(WireError::Auth(format!(
                                "unexpected extra authentication data for plugin {p}"
                            )))
                        }
                    }
                }
                _ => {
                    return Err(WireError::Protocol(
                        "unexpected packet during authentication".into(),
                    ))
                }
            }
        }
        Ok(Connection {
            io,
            server: ServerInfo {
                version: hs.version,
                connection_id: hs.connection_id,
                capabilities: hs.capabilities,
            },
            buf,
        })
    }

    /// Sends a command packet (sequence id restarts at 0).
    async fn command(&mut self, payload: &[u8]) -> Result<(), WireError> {
        self.io.seq = 0;
        self.io.write_packet(payload).await
    }

    /// Runs a statement with the text protocol and returns its rows (empty for OK).
    pub async fn query(&mut self, sql: &str) -> Result<Rows, WireError> {
        let mut p = Vec::with_capacity(sql.len() + 1);
        p.push(0x03);
        p.extend_from_slice(sql.as_bytes());
        self.command(&p).await?;
        let mut buf = std::mem::take(&mut self.buf);
        let result = self.read_result(&mut buf).await;
        self.buf = buf;
        result
    }

    async fn read_result(&mut self, buf: &mut Vec<u8>) -> Result<Rows, WireError> {
        self.io.read_packet(buf).await?;
        match buf.first() {
            Some(0x00) => return Ok(Vec::new()),
            Some(0xff) => return Err(WireError::from_err_packet(buf)),
            None => return Err(WireError::Protocol("empty response".into())),
            _ => {}
        }
        let ncols = Cursor::new(buf).lenenc_len("column count").map_err(proto)?;
        for _ in 0..ncols {
            self.io.read_packet(buf).await?;
        }
        self.io.read_packet(buf).await?; // EOF after column definitions
        let mut rows = Vec::new();
        loop {
            self.io.read_packet(buf).await?;
            match buf.first() {
                Some(0xfe) if buf.len() < 9 => break,
                Some(0xff) => return Err(WireError::from_err_packet(buf)),
                _ => {}
            }
            let mut c = Cursor::new(buf);
            let mut row = Vec::with_capacity(ncols);
            for _ in 0..ncols {
                if c.peek_rest().first() == Some(&0xfb) {
                    c.skip(1, "NULL").map_err(proto)?;
                    row.push(None);
                } else {
                    let n = c.lenenc_len("value length").map_err(proto)?;
                    let v = c.bytes(n, "value").map_err(proto)?;
                    row.push(Some(String::from_utf8_lossy(v).into_owned()));
                }
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// First column of the first row of a query, if any.
    pub async fn query_value(&mut self, sql: &str) -> Result<Option<String>, WireError> {
        Ok(self
            .query(sql)
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten()))
    }

    /// COM_REGISTER_SLAVE: makes this replica visible in the master's SHOW SLAVE HOSTS.
    pub async fn register_slave(
        &mut self,
        server_id: u32,
        report_host: &str,
        report_port: u16,
    ) -> Result<(), WireError> {
        let mut p = vec![0x15];
        p.extend_from_slice(&server_id.to_le_bytes());
        for s in [report_host, "", ""] {
            let b = &s.as_bytes()[..s.len().min(255)];
            p.push(b.len() as u8);
            p.extend_from_slice(b);
        }
        p.extend_from_slice(&report_port.to_le_bytes());
        p.extend_from_slice(&0u32.to_le_bytes()); // replication rank
        p.extend_from_slice(&0u32.to_le_bytes()); // master id
        self.command(&p).await?;
        self.io.read_packet(&mut self.buf).await?;
        match self.buf.first() {
            Some(0x00) => Ok(()),
            Some(0xff) => Err(WireError::from_err_packet(&self.buf)),
            _ => Err(WireError::Protocol(
                "unexpected reply to COM_REGISTER_SLAVE".into(),
            )),
        }
    }

    /// COM_BINLOG_DUMP from `file`:`pos`. Events then arrive with [`Connection::read_event`].
    ///
    /// A MariaDB master is asked for ANNOTATE_ROWS events (BINLOG_SEND_ANNOTATE_ROWS_EVENT),
    /// as MariaDB slaves do by default, so the relay log carries every event the master's
    /// binlog has.
    pub async fn binlog_dump(
        &mut self,
        server_id: u32,
        file: &str,
        pos: u64,
    ) -> Result<(), WireError> {
        let flags: u16 = if self.server.is_mariadb() { 2 } else { 0 };
        let pos32 = u32::try_from(pos).map_err(|_| {
            WireError::Protocol(format!(
                "binlog position {pos} does not fit COM_BINLOG_DUMP"
            ))
        })?;
        let mut p = vec![0x12];
        p.extend_from_slice(&pos32.to_le_bytes());
        p.extend_from_slice(&flags.to_le_bytes());
        p.extend_from_slice(&server_id.to_le_bytes());
        p.extend_from_slice(file.as_bytes());
        self.command(&p).await
    }

    /// COM_BINLOG_DUMP_GTID (a MySQL master): streams every transaction whose GTID is not
    /// in `have`, from the first binlog file that holds one.
    pub async fn binlog_dump_gtid(
        &mut self,
        server_id: u32,
        have: &crate::binlog::gtid_set::GtidSet,
    ) -> Result<(), WireError> {
        let mut set = Vec::new();
        have.encode(&mut set);
        let mut p = vec![0x1e];
        // BINLOG_THROUGH_GTID: the set follows.
        p.extend_from_slice(&4u16.to_le_bytes());
        p.extend_from_slice(&server_id.to_le_bytes());
        p.extend_from_slice(&0u32.to_le_bytes());
        p.extend_from_slice(&4u64.to_le_bytes());
        p.extend_from_slice(&(set.len() as u32).to_le_bytes());
        p.extend_from_slice(&set);
        self.command(&p).await
    }

    /// Bytes already received and buffered: zero means the next read waits on the network.
    pub fn buffered(&self) -> usize {
        self.io.stream.buffer().len()
    }

    /// Reads the next event of a binlog dump into `buf` and returns the event bytes (after
    /// the OK byte, borrowed from `buf`). Returns `Ok(None)` on EOF from the master.
    pub async fn read_event<'b>(
        &mut self,
        buf: &'b mut Vec<u8>,
    ) -> Result<Option<&'b [u8]>, WireError> {
        self.io.read_packet(buf).await?;
        match buf.first() {
            Some(0x00) => Ok(Some(&buf[1..])),
            Some(0xff) => Err(WireError::from_err_packet(buf)),
            Some(0xfe) if buf.len() < 9 => Ok(None),
            _ => Err(WireError::Protocol(
                "unexpected packet in binlog stream".into(),
            )),
        }
    }
}

fn cleartext(password: &str) -> Vec<u8> {
    let mut v = password.as_bytes().to_vec();
    v.push(0);
    v
}

fn proto(e: crate::binlog::DecodeError) -> WireError {
    WireError::Protocol(e.to_string())
}

/// The fields of the server's initial handshake that the client needs.
struct Handshake {
    version: String,
    connection_id: u32,
    capabilities: u32,
    nonce: Vec<u8>,
    plugin: Option<String>,
}

fn parse_handshake(p: &[u8]) -> Result<Handshake, WireError> {
    let mut c = Cursor::new(p);
    let proto_version = c.u8("protocol version").map_err(proto)?;
    if proto_version != 10 {
        return Err(WireError::Protocol(format!(
            "handshake protocol version {proto_version}; only v10 is supported"
        )));
    }
    let version = String::from_utf8_lossy(c.cstr("server version").map_err(proto)?).into_owned();
    let connection_id = c.u32("connection id").map_err(proto)?;
    let mut nonce = c.bytes(8, "auth data").map_err(proto)?.to_vec();
    c.skip(1, "filler").map_err(proto)?;
    let mut capabilities = c.u16("capabilities").map_err(proto)? as u32;
    let mut plugin = None;
    if !c.is_empty() {
        c.skip(1, "charset").map_err(proto)?;
        c.skip(2, "status").map_err(proto)?;
        capabilities |= (c.u16("capabilities").map_err(proto)? as u32) << 16;
        let auth_len = c.u8("auth data length").map_err(proto)? as usize;
        c.skip(10, "reserved").map_err(proto)?;
        if capabilities & caps::SECURE_CONNECTION != 0 {
            let n = auth_len.saturating_sub(8).max(13);
            let part2 = c
                .bytes(n.min(c.remaining()), "auth data 2")
                .map_err(proto)?;
            nonce.extend_from_slice(auth::trim_nonce(part2));
        }
        if capabilities & caps::PLUGIN_AUTH != 0 && !c.is_empty() {
            let rest = c.rest();
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            plugin = Some(String::from_utf8_lossy(&rest[..end]).into_owned());
        }
    }
    Ok(Handshake {
        version,
        connection_id,
        capabilities,
        nonce,
        plugin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mariadb_handshake() {
        let mut p = vec![10];
        p.extend_from_slice(b"5.5.5-10.11.6-MariaDB\0");
        p.extend_from_slice(&7u32.to_le_bytes());
        p.extend_from_slice(b"12345678");
        p.push(0);
        p.extend_from_slice(&0xf7feu16.to_le_bytes());
        p.push(45);
        p.extend_from_slice(&2u16.to_le_bytes());
        p.extend_from_slice(&0x81bfu16.to_le_bytes());
        p.push(21);
        p.extend_from_slice(&[0; 10]);
        p.extend_from_slice(b"abcdefghijkl\0");
        p.extend_from_slice(b"mysql_native_password\0");
        let h = parse_handshake(&p).unwrap();
        assert_eq!(h.version, "5.5.5-10.11.6-MariaDB");
        assert_eq!(h.connection_id, 7);
        assert_eq!(h.nonce, b"12345678abcdefghijkl");
        assert_eq!(h.plugin.as_deref(), Some("mysql_native_password"));
        assert!(parse_handshake(&p[..20]).is_err());
        assert!(parse_handshake(&[9, 0]).is_err());
    }
}
