//! One client connection: handshake and authentication, then the command loop.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};

use super::accounts::{Account, Peer, Privilege};
use super::threads::{Blocking, Socket};
use super::{sqlstate, ProcessInfo, Shared};
use crate::shutdown::Shutdown;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::wire::packet::PacketIo;
use crate::wire::resultset::Column;
use crate::wire::server::{self as srv, STATUS_AUTOCOMMIT, STATUS_IN_TRANS};
use crate::wire::{auth, caps, WireError};
use tokio_rustls::rustls;

/// Prepared statements one session may hold (mysqld's max_prepared_stmt_count default).
const MAX_PREPARED_PER_SESSION: usize = 16_382;

/// How long a client may take to complete the handshake (mysqld's connect_timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write to a client may block (mysqld's net_write_timeout).
const NET_WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Command bytes.
mod cmd {
    pub const QUIT: u8 = 0x01;
    pub const INIT_DB: u8 = 0x02;
    pub const QUERY: u8 = 0x03;
    pub const FIELD_LIST: u8 = 0x04;
    pub const STATISTICS: u8 = 0x09;
    pub const PING: u8 = 0x0e;
    pub const CHANGE_USER: u8 = 0x11;
    pub const STMT_PREPARE: u8 = 0x16;
    pub const STMT_EXECUTE: u8 = 0x17;
    pub const STMT_SEND_LONG_DATA: u8 = 0x18;
    pub const STMT_CLOSE: u8 = 0x19;
    pub const STMT_RESET: u8 = 0x1a;
    pub const SET_OPTION: u8 = 0x1b;
    pub const RESET_CONNECTION: u8 = 0x1f;
}

/// What a statement answers.
#[derive(Debug)]
pub enum Reply {
    /// An OK packet (nothing the endpoint runs changes rows).
    Ok,
    /// A result set with text rows (`None` is NULL).
    Rows {
        /// Column definitions.
        columns: Vec<Column>,
        /// Rows.
        rows: Vec<Vec<Option<String>>>,
    },
    /// A result set of typed values (the query engine's).
    Values {
        /// Column definitions.
        columns: Vec<Column>,
        /// Rows.
        rows: Vec<Vec<crate::sql::value::Value>>,
    },
    /// An ERR packet.
    Err(SqlError),
}

/// A warning or note kept for SHOW WARNINGS.
#[derive(Clone, Debug)]
pub struct Condition {
    /// `Note`, `Warning` or `Error`.
    pub level: &'static str,
    /// The error.
    pub error: SqlError,
}

/// A connected client.
pub struct Session {
    /// Connection id.
    pub id: u32,
    /// Authenticated user.
    pub user: String,
    /// Host the user connected from (`localhost` or an address).
    pub host: String,
    /// The account it matched (CURRENT_USER()).
    pub account: Account,
    /// Where it connected from.
    pub peer: Peer,
    /// Current database.
    pub db: Option<String>,
    /// Session values of system variables.
    pub vars: BTreeMap<&'static str, Value>,
    /// User variables.
    pub user_vars: HashMap<String, Value>,
    /// Inside BEGIN ... COMMIT.
    pub in_trans: bool,
    /// The snapshot the current transaction reads (taken by START TRANSACTION WITH
    /// CONSISTENT SNAPSHOT or the transaction's first read).
    pub snapshot: Option<Arc<crate::store::view::ReadView>>,
    /// Conditions of the last statement.
    pub conditions: Vec<Condition>,
    /// Daemon state.
    pub shared: Arc<Shared>,
    /// This session's SHOW PROCESSLIST entry.
    pub process: Arc<Mutex<ProcessInfo>>,
    /// Client capabilities.
    pub caps: u32,
    /// MARIADB_CLIENT_CACHE_METADATA negotiated: column count packets carry a "metadata
    /// follows" byte, and prepared statements' unchanged metadata is not resent.
    pub cache_metadata: bool,
    /// Prepared statements by id.
    pub stmts: HashMap<u32, super::prepared::Prepared, crate::store::FastHash>,
    /// The last statement id handed out.
    pub last_stmt_id: u32,
    /// While a prepared statement executes: its text with `?`, which names its columns.
    pub names_from: Option<String>,
}

impl Session {
    /// Admin rights, or mysqld's 1227.
    pub fn require_admin(&self, privilege: &str) -> Result<(), SqlError> {
        if self.account.privilege == Privilege::Admin {
            Ok(())
        } else {
            Err(SqlError::new(
                1227,
                format!(
                    "Access denied; you need (at least one of) the {privilege} privilege(s) for this operation"
                ),
            ))
        }
    }

    /// Server status flags for OK/EOF packets.
    pub fn status(&self) -> u16 {
        let autocommit = self
            .vars
            .get("autocommit")
            .is_none_or(|v| v.truth() == Some(true));
        let mut s = 0;
        if autocommit {
            s |= STATUS_AUTOCOMMIT;
        }
        if self.in_trans {
            s |= STATUS_IN_TRANS;
        }
        s
    }

    /// The global max_allowed_packet (the session value is read-only in mysqld).
    fn max_allowed_packet(&self) -> usize {
        self.shared
            .globals
            .lock()
            .ok()
            .and_then(|g| g.get("max_allowed_packet").and_then(|(_, v)| v.as_i64()))
            .map_or(16 << 20, |n| n.max(1024) as usize)
    }

    fn warning_count(&self) -> u16 {
        self.conditions.len().min(u16::MAX as usize) as u16
    }
}

/// Serves one connection until the client quits, the connection breaks or the daemon stops.
pub async fn serve(
    stream: Socket,
    peer: Peer,
    port: u16,
    id: u32,
    shared: Arc<Shared>,
    shutdown: Shutdown,
    socket: Socket,
) {
    // mysqld's connect_timeout: each read and write until the client is logged in is
    // bounded, and so is the whole handshake (the endpoint's reaper shuts the socket down
    // at the deadline unless `finish` has dropped the entry), so a client trickling bytes
    // cannot hold its thread.
    socket.set_timeouts(Some(CONNECT_TIMEOUT), Some(CONNECT_TIMEOUT));
    let socket = Arc::new(socket);
    let deadline = Deadline::arm(&shared, id, &socket);
    // Unbuffered until the handshake response is read: PacketIo reads exactly one packet,
    // so after an SSL request no TLS byte the client sent on its heels is left behind in a
    // buffer when the stream is handed to TLS.
    let mut io = PacketIo::new(Blocking(stream));
    // A handshake response is small; a client cannot make us buffer more before it has
    // authenticated.
    io.max_payload = 64 * 1024;
    // mysqld refuses the connection in place of the greeting when it is full (no SQLSTATE:
    // the client's protocol is not known yet, so clients show HY000).
    if shared.connected() >= shared.cfg.endpoint.max_connections as usize {
        shared.refused.fetch_add(1, Ordering::Relaxed);
        let _ = io
            .write_packet(&srv::err_packet_pre41(1040, "Too many connections"))
            .await;
        return;
    }
    let nonce = nonce();
    let mut buf = Vec::new();
    let greeted = async {
        let version = format!("5.5.5-{}", super::vars::version());
        io.seq = 0;
        let hello = srv::greeting(&version, id, &nonce, auth::NATIVE, shared.tls.is_some());
        io.write_packet(&hello).await?;
        io.read_packet(&mut buf).await
    }
    .await;
    if step(id, "handshake", greeted).is_none() {
        return;
    }
    if !srv::is_ssl_request(&buf) {
        let seq = io.seq;
        let mut io = PacketIo::new(BufReader::with_capacity(16 * 1024, io.stream));
        io.max_payload = 64 * 1024;
        io.seq = seq;
        return finish(
            io, buf, nonce, peer, port, id, shared, shutdown, socket, deadline,
        )
        .await;
    }
    let Some(acceptor) = shared.tls.clone() else {
        let e = SqlError::new(
            1045,
            "SSL connection error: SSL is not enabled on this server".into(),
        );
        let _ = send_err(&mut io, &e).await;
        return;
    };
    let seq = io.seq;
    let raw = io.stream.0;
    // rustls' blocking stream: it reads only when the handshake needs the client's bytes
    // (tokio-rustls' handshake would block reading while it has a flight to send).
    let upgraded = async {
        let conn = rustls::ServerConnection::new(acceptor.config().clone())
            .map_err(|e| WireError::Protocol(format!("TLS: {e}")))?;
        let mut tls = rustls::StreamOwned::new(conn, raw);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        let mut io = PacketIo::new(BufReader::with_capacity(16 * 1024, Blocking(tls)));
        io.max_payload = 64 * 1024;
        io.seq = seq;
        let mut buf = Vec::new();
        io.read_packet(&mut buf).await?;
        Ok::<_, WireError>((io, buf))
    }
    .await;
    if let Some((io, buf)) = step(id, "TLS handshake", upgraded) {
        finish(
            io, buf, nonce, peer, port, id, shared, shutdown, socket, deadline,
        )
        .await;
    }
}

/// A connection's entry among the handshakes in progress (`Shared::handshakes`), removed
/// when this is dropped: after login, or when the connection ends before.
struct Deadline {
    shared: Arc<Shared>,
    id: u32,
}

impl Deadline {
    /// Enters the connection among the handshakes in progress, due at connect_timeout.
    fn arm(shared: &Arc<Shared>, id: u32, socket: &Arc<Socket>) -> Deadline {
        if let Ok(mut h) = shared.handshakes.lock() {
            h.insert(id, (Instant::now() + CONNECT_TIMEOUT, socket.clone()));
        }
        Deadline {
            shared: shared.clone(),
            id,
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Ok(mut h) = self.shared.handshakes.lock() {
            h.remove(&self.id);
        }
    }
}

/// The outcome of a handshake step (under [`CONNECT_TIMEOUT`]: a read or write that
/// takes longer fails). Failures end the connection and log at debug: clients that give up
/// or scan ports are expected.
fn step<T>(id: u32, what: &str, r: Result<T, WireError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::debug!(connection = id, error = %e, "{what} failed");
            None
        }
    }
}

/// After the greeting (and the TLS upgrade): login, then commands until the end.
#[allow(clippy::too_many_arguments)]
async fn finish<S>(
    mut io: PacketIo<BufReader<S>>,
    response: Vec<u8>,
    nonce: [u8; 20],
    peer: Peer,
    port: u16,
    id: u32,
    shared: Arc<Shared>,
    shutdown: Shutdown,
    socket: Arc<Socket>,
    deadline: Deadline,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let logged_in = login(&mut io, &response, &nonce, &peer, port, id, &shared).await;
    drop(deadline);
    // `Some(None)`: refused, the ERR packet already sent.
    let Some(Some(mut session)) = step(id, "login", logged_in) else {
        return;
    };
    // Logged in: a session may wait for its next command as long as it likes; a client
    // that stops reading its results is dropped after mysqld's net_write_timeout.
    socket.set_timeouts(None, Some(NET_WRITE_TIMEOUT));
    if let Ok(mut p) = session.process.lock() {
        p.socket = Some(socket);
    }
    if let Ok(mut s) = shared.sessions.lock() {
        s.insert(id, session.process.clone());
    }
    // Leaves the registry however the session ends, a panic included.
    let _registered = Registered {
        shared: shared.clone(),
        id,
    };
    io.max_payload = session.max_allowed_packet();
    let r = command_loop(&mut io, &mut session, &shutdown).await;
    if let Err(e) = r {
        match e {
            WireError::Closed => {}
            other => tracing::debug!(connection = id, error = %other, "session ended"),
        }
    }
}

/// A session's place in the registry (SHOW PROCESSLIST, max_connections).
struct Registered {
    shared: Arc<Shared>,
    id: u32,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.sessions.lock() {
            s.remove(&self.id);
        }
    }
}

fn nonce() -> [u8; 20] {
    let mut rng = rand::thread_rng();
    let mut n = [0u8; 20];
    for b in &mut n {
        // Printable, never NUL or '$' (clients treat the nonce as a C string).
        *b = rng.gen_range(0x21..0x7f);
    }
    n
}

/// Handshake response and authentication. `Ok(None)`: refused (ERR sent).
async fn login<S>(
    io: &mut PacketIo<BufReader<S>>,
    buf: &[u8],
    nonce: &[u8; 20],
    peer: &Peer,
    port: u16,
    id: u32,
    shared: &Arc<Shared>,
) -> Result<Option<Session>, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let nonce = *nonce;
    let resp = match srv::parse_handshake_response(buf) {
        Ok(r) => r,
        Err(e) => {
            let err = SqlError::new(1043, "Bad handshake".into());
            send_err(io, &err).await?;
            return Err(e);
        }
    };
    let host = peer.host_name();
    let Some(account) = authenticate(
        io,
        shared,
        peer,
        &resp.user,
        Some(resp.plugin.as_deref().unwrap_or(auth::NATIVE)),
        &resp.auth,
        &nonce,
    )
    .await?
    else {
        return Ok(None);
    };
    let mut session = Session {
        id,
        user: resp.user.clone(),
        host: host.clone(),
        account,
        peer: peer.clone(),
        db: None,
        vars: BTreeMap::new(),
        user_vars: HashMap::new(),
        in_trans: false,
        snapshot: None,
        conditions: Vec::new(),
        shared: shared.clone(),
        process: Arc::new(Mutex::new(ProcessInfo {
            user: resp.user.clone(),
            host: if port == 0 {
                host
            } else {
                format!("{host}:{port}")
            },
            db: None,
            command: "Sleep",
            since: Some(Instant::now()),
            info: None,
            kill: Default::default(),
            socket: None,
        })),
        caps: resp.capabilities,
        cache_metadata: resp.ext_capabilities & srv::CACHE_METADATA != 0,
        stmts: HashMap::default(),
        last_stmt_id: 0,
        names_from: None,
    };
    if let Some(db) = resp.database {
        if let Err(e) = session.use_database(&db) {
            send_err(io, &e).await?;
            return Ok(None);
        }
    }
    let ok = srv::ok_packet(0, 0, session.status(), 0, "", false);
    io.write_packet(&ok).await?;
    Ok(Some(session))
}

/// Checks the password; sends the AuthSwitchRequest if the client answered with another
/// plugin, the fast-auth marker for caching_sha2_password, or 1045. `None` when refused.
async fn authenticate<S>(
    io: &mut PacketIo<BufReader<S>>,
    shared: &Arc<Shared>,
    peer: &Peer,
    user: &str,
    // `None`: always switch (COM_CHANGE_USER answers were made with the old nonce).
    client_plugin: Option<&str>,
    response: &[u8],
    nonce: &[u8; 20],
) -> Result<Option<Account>, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let denied = |used: bool| {
        SqlError::new(
            1045,
            format!(
                "Access denied for user '{user}'@'{}' (using password: {})",
                peer.host_name(),
                if used { "YES" } else { "NO" }
            ),
        )
    };
    let Some(account) = shared.accounts.find(user, peer).cloned() else {
        send_err(io, &denied(!response.is_empty())).await?;
        return Ok(None);
    };
    let mut response = response.to_vec();
    let mut nonce = *nonce;
    if client_plugin != Some(account.plugin) {
        nonce = self::nonce();
        io.write_packet(&srv::auth_switch(account.plugin, &nonce))
            .await?;
        io.read_packet(&mut response).await?;
    }
    let ok = if account.passwordless() {
        response.is_empty() || response == [0]
    } else if account.plugin == auth::CACHING_SHA2 {
        account
            .sha2
            .as_ref()
            .is_some_and(|s| srv::check_sha2(s, &nonce, &response))
    } else {
        account
            .native
            .as_ref()
            .is_some_and(|s| srv::check_native(s, &nonce, &response))
    };
    if !ok {
        tracing::info!(user, host = %peer.host_name(), "access denied");
        send_err(io, &denied(!response.is_empty() && response != [0])).await?;
        return Ok(None);
    }
    if account.plugin == auth::CACHING_SHA2 && !account.passwordless() {
        // fast_auth_success: the OK packet follows.
        io.write_packet(&[0x01, 0x03]).await?;
    }
    Ok(Some(account))
}

async fn send_err<S>(io: &mut PacketIo<S>, e: &SqlError) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    io.write_packet(&srv::err_packet(e.code, sqlstate(e.code), &e.message))
        .await
}

async fn command_loop<S>(
    io: &mut PacketIo<BufReader<S>>,
    s: &mut Session,
    shutdown: &Shutdown,
) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut buf = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(16 * 1024);
    let kill = s.process.lock().map(|p| p.kill.clone()).unwrap_or_default();
    loop {
        io.seq = 0;
        // Reads block the session's thread (threads.rs): look at KILL and shutdown first;
        // while the read waits, they shut the socket down, which ends it.
        if shutdown.is_requested() || kill.load(Ordering::Acquire) {
            return Ok(());
        }
        let read = io.read_packet(&mut buf).await;
        if let Err(e) = read {
            if let WireError::TooLarge { .. } = e {
                // mysqld answers ER_NET_PACKET_TOO_LARGE and drops the connection.
                let err = SqlError::new(
                    1153,
                    "Got a packet bigger than 'max_allowed_packet' bytes".into(),
                );
                let _ = send_err(io, &err).await;
            }
            return Err(e);
        }
        let Some((&command, body)) = buf.split_first() else {
            return Err(WireError::Protocol("empty command packet".into()));
        };
        s.shared.questions.fetch_add(1, Ordering::Relaxed);
        out.clear();
        match command {
            cmd::QUIT => return Ok(()),
            cmd::PING => frame_ok(io, &mut out, s, false),
            cmd::QUERY => {
                let sql = String::from_utf8_lossy(body).into_owned();
                run_query(io, &mut out, s, &sql).await;
            }
            cmd::INIT_DB => {
                let db = String::from_utf8_lossy(body).into_owned();
                match s.use_database(&db) {
                    Ok(()) => frame_ok(io, &mut out, s, false),
                    Err(e) => frame_err(io, &mut out, &e),
                }
            }
            cmd::STATISTICS => {
                let sh = &s.shared;
                let up = sh.started.elapsed().as_secs().max(1);
                let q = sh.questions.load(Ordering::Relaxed);
                let text = format!(
                    "Uptime: {up}  Threads: {}  Questions: {q}  Slow queries: 0  Opens: 0  Open tables: 0  Queries per second avg: {:.3}",
                    sh.connected(),
                    q as f64 / up as f64
                );
                io.frame_into(&mut out, text.as_bytes());
            }
            cmd::FIELD_LIST => {
                let table = body.split(|b| *b == 0).next().unwrap_or_default();
                match s.field_list(&String::from_utf8_lossy(table)) {
                    Ok(columns) => {
                        let mut p = Vec::with_capacity(128);
                        for c in &columns {
                            p.clear();
                            c.encode(&mut p);
                            // COM_FIELD_LIST definitions carry the default value (NULL).
                            p.push(0xfb);
                            io.frame_into(&mut out, &p);
                        }
                        let end = if s.caps & caps::DEPRECATE_EOF != 0 {
                            srv::ok_packet(0, 0, s.status(), 0, "", true)
                        } else {
                            srv::eof_packet(s.status(), 0)
                        };
                        io.frame_into(&mut out, &end);
                    }
                    Err(e) => frame_err(io, &mut out, &e),
                }
            }
            cmd::RESET_CONNECTION => {
                s.stmts.clear();
                s.vars.clear();
                s.user_vars.clear();
                s.in_trans = false;
                s.snapshot = None;
                s.conditions.clear();
                frame_ok(io, &mut out, s, false);
            }
            cmd::CHANGE_USER => {
                if !change_user(io, s, body).await? {
                    return Ok(());
                }
                continue;
            }
            cmd::SET_OPTION => match body.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]])) {
                // MYSQL_OPTION_MULTI_STATEMENTS_ON / _OFF; mysqld answers with EOF.
                Some(0) => {
                    s.caps |= srv::MULTI_STATEMENTS;
                    io.frame_into(&mut out, &srv::eof_packet(s.status(), 0));
                }
                Some(1) => {
                    s.caps &= !srv::MULTI_STATEMENTS;
                    io.frame_into(&mut out, &srv::eof_packet(s.status(), 0));
                }
                _ => frame_err(io, &mut out, &SqlError::new(1047, "Unknown command".into())),
            },
            cmd::STMT_PREPARE => {
                let sql = String::from_utf8_lossy(body).into_owned();
                prepare(io, &mut out, s, &sql);
            }
            cmd::STMT_EXECUTE => execute(io, &mut out, s, body).await,
            cmd::STMT_RESET => match stmt_id(body).and_then(|id| s.stmts.get_mut(&id)) {
                Some(p) => {
                    p.long_data.iter_mut().for_each(|d| *d = None);
                    frame_ok(io, &mut out, s, false);
                }
                None => frame_err(io, &mut out, &unknown_stmt(body, "mysqld_stmt_reset")),
            },
            // No reply to these, by protocol.
            cmd::STMT_CLOSE => {
                if let Some(id) = stmt_id(body) {
                    s.stmts.remove(&id);
                }
                continue;
            }
            cmd::STMT_SEND_LONG_DATA => {
                if let (Some(id), Some(param)) = (stmt_id(body), body.get(4..6)) {
                    let param = u16::from_le_bytes([param[0], param[1]]) as usize;
                    let limit = s.max_allowed_packet();
                    if let Some(p) = s.stmts.get_mut(&id) {
                        p.add_long_data(param, &body[6..], limit);
                    }
                }
                continue;
            }
            _ => {
                let e = SqlError::new(1047, "Unknown command".into());
                frame_err(io, &mut out, &e);
            }
        }
        io.write_framed(&out).await?;
        if out.capacity() > 1 << 20 {
            out = Vec::with_capacity(16 * 1024);
        }
        if let Ok(mut p) = s.process.lock() {
            p.command = "Sleep";
            p.since = Some(Instant::now());
            p.info = None;
        }
    }
}

fn stmt_id(body: &[u8]) -> Option<u32> {
    body.get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// mysqld's 1243.
fn unknown_stmt(body: &[u8], command: &str) -> SqlError {
    let id = stmt_id(body).map_or_else(|| "?".to_string(), |i| i.to_string());
    SqlError::new(
        1243,
        format!("Unknown prepared statement handler ({id}) given to {command}"),
    )
}

/// COM_STMT_PREPARE: registers the statement; its result columns are sent with each
/// execution (clients take the metadata of the EXECUTE response).
fn prepare<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &mut Session, sql: &str) {
    if crate::sql::split::strip_comments(sql).trim().is_empty() {
        frame_err(io, out, &SqlError::new(1065, "Query was empty".into()));
        return;
    }
    // mysqld's max_prepared_stmt_count default bounds what one client can hold.
    if s.stmts.len() >= MAX_PREPARED_PER_SESSION {
        frame_err(
            io,
            out,
            &SqlError::new(
                1461,
                format!("Can't create more than max_prepared_stmt_count statements (current value: {MAX_PREPARED_PER_SESSION})"),
            ),
        );
        return;
    }
    let mut p = super::prepared::Prepared::new(sql);
    let params = p.placeholders.len();
    if params > u16::MAX as usize {
        frame_err(
            io,
            out,
            &SqlError::new(
                1390,
                "Prepared statement contains too many placeholders".into(),
            ),
        );
        return;
    }
    // Clients size their result buffers from the columns announced here (and fail with
    // "commands out of sync" when EXECUTE then sends a result set they were not told of).
    let columns = s.describe_select(sql);
    s.last_stmt_id = s.last_stmt_id.wrapping_add(1);
    let id = s.last_stmt_id;
    if s.cache_metadata {
        for c in &columns {
            c.encode(&mut p.client_columns);
        }
    }
    s.stmts.insert(id, p);
    let mut ok = vec![0];
    ok.extend_from_slice(&id.to_le_bytes());
    ok.extend_from_slice(&(columns.len() as u16).to_le_bytes());
    ok.extend_from_slice(&(params as u16).to_le_bytes());
    ok.push(0);
    ok.extend_from_slice(&0u16.to_le_bytes());
    io.frame_into(out, &ok);
    if params > 0 {
        let mut def = Vec::with_capacity(64);
        for _ in 0..params {
            def.clear();
            Column::text("?", 0).encode(&mut def);
            io.frame_into(out, &def);
        }
        if s.caps & caps::DEPRECATE_EOF == 0 {
            io.frame_into(out, &srv::eof_packet(s.status(), 0));
        }
    }
    if !columns.is_empty() {
        let mut def = Vec::with_capacity(64);
        for c in &columns {
            def.clear();
            c.encode(&mut def);
            io.frame_into(out, &def);
        }
        if s.caps & caps::DEPRECATE_EOF == 0 {
            io.frame_into(out, &srv::eof_packet(s.status(), 0));
        }
    }
}

/// COM_STMT_EXECUTE: binds the parameters into the text and runs it; rows go back in the
/// binary format.
async fn execute<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &mut Session, body: &[u8])
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let Some(id) = stmt_id(body) else {
        frame_err(
            io,
            out,
            &SqlError::new(1210, "Incorrect arguments to mysqld_stmt_execute".into()),
        );
        return;
    };
    let Some(p) = s.stmts.get_mut(&id) else {
        frame_err(io, out, &unknown_stmt(body, "mysqld_stmt_execute"));
        return;
    };
    let params = body.get(9..).unwrap_or_default();
    let reply = if p.planned {
        match p.values(params) {
            Ok(values) => execute_planned(io, out, s, id, values),
            Err(e) => frame_err(io, out, &e),
        }
        return;
    } else {
        let sql = match p.bind(params) {
            Ok(sql) => sql,
            Err(e) => {
                frame_err(io, out, &e);
                return;
            }
        };
        s.names_from = Some(p.sql.to_string());
        let reply = s.execute(&sql).await;
        s.names_from = None;
        reply
    };
    match reply {
        Reply::Err(e) => fail(io, out, s, e),
        Reply::Ok => frame_ok(io, out, s, false),
        Reply::Rows { .. } | Reply::Values { .. } => {
            // An encoding error replaces the whole result with an ERR packet.
            let (start, seq) = (out.len(), io.seq);
            let mut known = s
                .stmts
                .get_mut(&id)
                .map(|p| std::mem::take(&mut p.client_columns))
                .unwrap_or_default();
            let sent = frame_binary_result(io, out, s, &reply, &mut known);
            if let Err(e) = sent {
                out.truncate(start);
                io.seq = seq;
                frame_err(io, out, &e);
            }
            if let Some(p) = s.stmts.get_mut(&id) {
                p.client_columns = known;
            }
        }
    }
}

/// How a result set goes out: the session's state when it starts.
#[derive(Clone, Copy)]
struct ResultShape {
    deprecate_eof: bool,
    cache_metadata: bool,
    status: u16,
}

impl ResultShape {
    fn of(s: &Session) -> ResultShape {
        ResultShape {
            deprecate_eof: s.caps & caps::DEPRECATE_EOF != 0,
            cache_metadata: s.cache_metadata,
            status: s.status(),
        }
    }
}

/// A binary result's columns and their definitions encoded back to back (`ends`: where
/// each ends), worked out once per prepared plan when they do not depend on the rows.
#[derive(Debug)]
pub struct ResultHead {
    columns: Vec<Column>,
    defs: Vec<u8>,
    ends: Vec<usize>,
}

impl ResultHead {
    fn new(columns: Vec<Column>) -> ResultHead {
        let mut defs = Vec::with_capacity(128 * columns.len());
        let mut ends = Vec::with_capacity(columns.len());
        for c in &columns {
            c.encode(&mut defs);
            ends.push(defs.len());
        }
        ResultHead {
            columns,
            defs,
            ends,
        }
    }
}

/// A binary result's column count, column definitions (not when the client holds the same
/// ones: `known`; see [`held_columns`]) and EOF.
fn frame_binary_head<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    shape: ResultShape,
    head: &ResultHead,
    known: &[u8],
) {
    let resend = !shape.cache_metadata || head.defs != known;
    io.frame_into(
        out,
        &srv::column_count(head.columns.len(), shape.cache_metadata.then_some(resend)),
    );
    if resend {
        let mut from = 0;
        for &end in &head.ends {
            io.frame_into(out, &head.defs[from..end]);
            from = end;
        }
    }
    if !shape.deprecate_eof {
        io.frame_into(out, &srv::eof_bytes(shape.status, 0));
    }
}

/// After a binary result went out: the column definitions the client holds.
fn held_columns(shape: ResultShape, head: &ResultHead, known: &mut Vec<u8>) {
    if shape.cache_metadata && head.defs != *known {
        known.clear();
        known.extend_from_slice(&head.defs);
    }
}

/// The packet that ends a result set.
fn frame_result_end<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, shape: ResultShape, warnings: u16) {
    if shape.deprecate_eof {
        io.frame_into(out, &srv::ok_packet(0, 0, shape.status, warnings, "", true));
    } else {
        io.frame_into(out, &srv::eof_bytes(shape.status, warnings));
    }
}

/// A result set in the binary protocol (a prepared statement's), each row encoded once
/// into a scratch buffer and framed.
///
/// `known`: the column definitions the client holds for the statement (see
/// [`super::prepared::Prepared::client_columns`]); updated to what it holds after.
fn frame_binary_result<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &Session,
    reply: &Reply,
    known: &mut Vec<u8>,
) -> Result<(), SqlError> {
    let (columns, rows) = match reply {
        Reply::Rows { columns, rows } => (columns, RowsRef::Text(rows)),
        Reply::Values { columns, rows } => (columns, RowsRef::Values(rows)),
        _ => return Ok(()),
    };
    let shape = ResultShape::of(s);
    let head = ResultHead::new(columns.clone());
    frame_binary_head(io, out, shape, &head, known);
    let mut row = Vec::with_capacity(256);
    match rows {
        RowsRef::Text(rows) => {
            for r in rows {
                row.clear();
                super::prepared::binary_row(columns, r, &mut row)?;
                io.frame_into(out, &row);
            }
        }
        RowsRef::Values(rows) => {
            for r in rows {
                row.clear();
                super::prepared::binary_values_row(columns, r, &mut row)?;
                io.frame_into(out, &row);
            }
        }
    }
    frame_result_end(io, out, shape, s.warning_count());
    held_columns(shape, &head, known);
    Ok(())
}

/// COM_STMT_EXECUTE of a planned prepared SELECT. When every column's definition is known
/// before the rows (they are tables' columns), each row is encoded and framed as the engine
/// produces it, none held (the framed bytes go out every [`FLUSH_AT`]); otherwise the
/// result is computed whole, then framed.
fn execute_planned<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &mut Session,
    id: u32,
    params: Vec<Value>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    use crate::sql::engine;
    let mut known = s
        .stmts
        .get_mut(&id)
        .map(|p| std::mem::take(&mut p.client_columns))
        .unwrap_or_default();
    let shape = ResultShape::of(s);
    let (start, seq) = (out.len(), io.seq);
    let mut whole = None;
    let mut streamed = None;
    // Set once framed bytes went to the client (an error then ends the result midway).
    let mut flushed = false;
    let mut io_error = false;
    let result = s.with_planned(id, params, |plan, head, cx| {
        let head = head.get_or_init(|| {
            let metas = engine::exec::known_metas(plan.cols())?;
            let columns = metas.into_iter().map(super::query::wire_column).collect();
            Some(Arc::new(ResultHead::new(columns)))
        });
        let Some(head) = head else {
            whole = Some(engine::exec::run(plan, cx)?);
            return Ok(());
        };
        frame_binary_head(io, out, shape, head, &known);
        streamed = Some(head.clone());
        let mut row = Vec::with_capacity(256);
        let mut sink = |r: &mut Vec<Value>| -> Result<bool, SqlError> {
            row.clear();
            super::prepared::binary_values_row(&head.columns, r, &mut row)?;
            io.frame_into(out, &row);
            if let Some(written) = flush_midway(io, out) {
                flushed = true;
                if !written {
                    io_error = true;
                    return Err(SqlError::new(
                        1160,
                        "Got an error writing communication packets".into(),
                    ));
                }
            }
            Ok(true)
        };
        engine::exec::run_into(plan, cx, &mut sink)
    });
    match (result, whole) {
        (Err(_), _) if io_error => {}
        (Err(e), _) if flushed => {
            // mysqld ends a result set that fails midway with an ERR packet.
            fail(io, out, s, e);
        }
        (Err(e), _) => {
            out.truncate(start);
            io.seq = seq;
            fail(io, out, s, e);
        }
        (Ok(()), Some(rs)) => {
            let reply = Reply::Values {
                columns: rs
                    .columns
                    .into_iter()
                    .map(super::query::wire_column)
                    .collect(),
                rows: rs.rows,
            };
            // An encoding error replaces the whole result with an ERR packet.
            if let Err(e) = frame_binary_result(io, out, s, &reply, &mut known) {
                out.truncate(start);
                io.seq = seq;
                frame_err(io, out, &e);
            }
        }
        (Ok(()), None) => {
            frame_result_end(io, out, shape, s.warning_count());
            if let Some(head) = &streamed {
                held_columns(shape, head, &mut known);
            }
        }
    }
    if let Some(p) = s.stmts.get_mut(&id) {
        p.client_columns = known;
    }
}

/// COM_CHANGE_USER: re-authenticates (always through an AuthSwitchRequest with a fresh
/// nonce) and resets the session. Returns false when refused (connection closes).
async fn change_user<S>(
    io: &mut PacketIo<BufReader<S>>,
    s: &mut Session,
    body: &[u8],
) -> Result<bool, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut c = crate::binlog::cursor::Cursor::new(body);
    let bad = |_| WireError::Protocol("malformed COM_CHANGE_USER".into());
    let user = String::from_utf8_lossy(c.cstr("user").map_err(bad)?).into_owned();
    let n = c.u8("auth length").map_err(bad)? as usize;
    c.skip(n, "auth").map_err(bad)?;
    let db = if c.is_empty() {
        None
    } else {
        Some(String::from_utf8_lossy(c.cstr("db").map_err(bad)?).into_owned())
    }
    .filter(|d| !d.is_empty());
    let peer = s.peer.clone();
    let Some(account) = authenticate(io, &s.shared, &peer, &user, None, &[], &nonce()).await?
    else {
        return Ok(false);
    };
    s.user = user.clone();
    s.account = account;
    s.stmts.clear();
    s.vars.clear();
    s.user_vars.clear();
    s.in_trans = false;
    s.snapshot = None;
    s.db = None;
    if let Ok(mut p) = s.process.lock() {
        p.user = user;
    }
    if let Some(db) = db {
        if let Err(e) = s.use_database(&db) {
            send_err(io, &e).await?;
            return Ok(true);
        }
    }
    io.write_packet(&srv::ok_packet(0, 0, s.status(), 0, "", false))
        .await?;
    Ok(true)
}

/// Runs a COM_QUERY (several statements under CLIENT_MULTI_STATEMENTS) into `out`.
async fn run_query<S>(
    io: &mut PacketIo<BufReader<S>>,
    out: &mut Vec<u8>,
    s: &mut Session,
    sql: &str,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let statements = if s.caps & srv::MULTI_STATEMENTS != 0 {
        crate::sql::split::statements(sql)
    } else {
        vec![sql]
    };
    if statements.is_empty() {
        let e = SqlError::new(1065, "Query was empty".into());
        frame_err(io, out, &e);
        return;
    }
    let n = statements.len();
    for (i, stmt) in statements.into_iter().enumerate() {
        if let Ok(mut p) = s.process.lock() {
            p.command = "Query";
            p.since = Some(Instant::now());
            p.info = Some(stmt.chars().take(100).collect());
        }
        let more = i + 1 < n;
        let words = crate::sql::split::leading_words(stmt, 1);
        if matches!(words.first().map(String::as_str), Some("SELECT" | "WITH"))
            && super::query::has_from(stmt)
        {
            // Rows go out as the engine produces them.
            match stream_select(io, out, s, stmt, more) {
                Ok(true) => continue,
                // Failed after rows went out: the ERR packet ended the result.
                Ok(false) => return,
                Err(e) => {
                    fail(io, out, s, e);
                    return;
                }
            }
        }
        let reply = s.execute(stmt).await;
        match reply {
            Reply::Err(e) => {
                // mysqld stops a multi-statement at the first error.
                fail(io, out, s, e);
                return;
            }
            Reply::Ok => frame_ok(io, out, s, more),
            Reply::Rows { columns, rows } => {
                frame_rows(io, out, s, &columns, RowsRef::Text(&rows), more)
            }
            Reply::Values { columns, rows } => {
                frame_rows(io, out, s, &columns, RowsRef::Values(&rows), more)
            }
        }
    }
}

/// Rows of a result held before the column definitions go out: their values type the
/// expression columns.
const HEAD_ROWS: usize = 256;
/// Framed bytes gathered before they are written to the client mid-result.
const FLUSH_AT: usize = 1 << 20;

/// Mid-result: once [`FLUSH_AT`] framed bytes have gathered in `out`, writes them to the
/// client (the socket blocks, threads.rs: the write completes or fails in place) and
/// empties `out`. `Some(written)` when it wrote.
fn flush_midway<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>) -> Option<bool>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    if out.len() < FLUSH_AT {
        return None;
    }
    let written = super::threads::block_on(io.write_framed(out)).is_ok();
    out.clear();
    Some(written)
}

/// Frames a streamed result: column definitions once the first rows are known, then rows
/// as they come, written out whenever a megabyte has gathered.
struct Streamer<'a, S> {
    io: &'a mut PacketIo<BufReader<S>>,
    out: &'a mut Vec<u8>,
    shape: ResultShape,
    head: Vec<Vec<Value>>,
    sent_columns: bool,
    row: Vec<u8>,
    io_error: bool,
}

impl<S> Streamer<'_, S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    fn send_columns(&mut self, cols: &[crate::sql::engine::bind::OutCol]) {
        let metas = crate::sql::engine::exec::metas(cols, &self.head);
        // Text results always carry their definitions ("metadata follows" when the client
        // caches metadata).
        let metadata_flag = self.shape.cache_metadata.then_some(true);
        self.io
            .frame_into(self.out, &srv::column_count(metas.len(), metadata_flag));
        let mut def = Vec::with_capacity(128);
        for m in metas {
            def.clear();
            super::query::wire_column(m).encode(&mut def);
            self.io.frame_into(self.out, &def);
        }
        if !self.shape.deprecate_eof {
            self.io
                .frame_into(self.out, &srv::eof_packet(self.shape.status, 0));
        }
        self.sent_columns = true;
        for r in std::mem::take(&mut self.head) {
            self.frame_row(&r);
        }
    }

    fn frame_row(&mut self, r: &[Value]) {
        self.row.clear();
        for v in r {
            srv::put_text_value(&mut self.row, v.text_bytes().as_deref());
        }
        let row = std::mem::take(&mut self.row);
        self.io.frame_into(self.out, &row);
        self.row = row;
    }

    /// Takes one row; false (with `io_error`) when the client is gone.
    fn push(&mut self, r: &mut Vec<Value>, cols: &[crate::sql::engine::bind::OutCol]) -> bool {
        if !self.sent_columns {
            self.head.push(std::mem::take(r));
            if self.head.len() >= HEAD_ROWS {
                self.send_columns(cols);
            }
            return true;
        }
        self.frame_row(r);
        if flush_midway(self.io, self.out) == Some(false) {
            self.io_error = true;
            return false;
        }
        true
    }
}

/// A SELECT through the query engine with its rows streamed to the client; false when it
/// failed after its first rows went out (the ERR packet is framed).
fn stream_select<S>(
    io: &mut PacketIo<BufReader<S>>,
    out: &mut Vec<u8>,
    s: &mut Session,
    sql: &str,
    more: bool,
) -> Result<bool, SqlError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    use crate::sql::engine;
    s.conditions.clear();
    let view = s.read_view()?;
    let cat = view.catalog.clone();
    let system_table = move |name: &str| super::infoschema::table(&cat, name);
    let db = s.db.clone();
    let mut shape = ResultShape::of(s);
    if more {
        shape.status |= srv::STATUS_MORE_RESULTS;
    }
    let session: &Session = s;
    let cx = engine::Context {
        view: &*view,
        env: session,
        db: db.as_deref(),
        names_from: sql,
        system_table: &system_table,
        placeholders: &[],
        params: &[],
    };
    let plan = engine::plan(sql, &cx)?;
    let cols = plan.cols().to_vec();
    let mut st = Streamer {
        io,
        out,
        shape,
        head: Vec::new(),
        sent_columns: false,
        row: Vec::new(),
        io_error: false,
    };
    let gone = || SqlError::new(1160, "Got an error writing communication packets".into());
    let mut sink = |r: &mut Vec<Value>| -> Result<bool, SqlError> {
        if st.push(r, &cols) {
            Ok(true)
        } else {
            Err(gone())
        }
    };
    let result = engine::exec::run_into(&plan, &cx, &mut sink);
    if let Err(e) = result {
        if st.io_error || !st.sent_columns {
            return Err(e);
        }
        // mysqld ends a result set that fails midway with an ERR packet.
        frame_err(st.io, st.out, &e);
        return Ok(false);
    }
    if !st.sent_columns {
        st.send_columns(&cols);
    }
    frame_result_end(st.io, st.out, shape, session.warning_count());
    Ok(true)
}

/// Rows of either kind of result.
enum RowsRef<'a> {
    Text(&'a [Vec<Option<String>>]),
    Values(&'a [Vec<crate::sql::value::Value>]),
}

fn frame_ok<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &Session, more: bool) {
    let mut status = s.status();
    if more {
        status |= srv::STATUS_MORE_RESULTS;
    }
    let p = srv::ok_packet(0, 0, status, s.warning_count(), "", false);
    io.frame_into(out, &p);
}

/// A statement failed: its ERR packet, and the error kept for SHOW ERRORS / WARNINGS.
fn fail<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &mut Session, e: SqlError) {
    frame_err(io, out, &e);
    s.conditions = vec![Condition {
        level: "Error",
        error: e,
    }];
}

fn frame_err<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, e: &SqlError) {
    let p = srv::err_packet(e.code, sqlstate(e.code), &e.message);
    io.frame_into(out, &p);
}

fn frame_rows<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &Session,
    columns: &[Column],
    rows: RowsRef<'_>,
    more: bool,
) {
    let deprecate_eof = s.caps & caps::DEPRECATE_EOF != 0;
    let mut status = s.status();
    if more {
        status |= srv::STATUS_MORE_RESULTS;
    }
    io.frame_into(
        out,
        &srv::column_count(columns.len(), s.cache_metadata.then_some(true)),
    );
    let mut p = Vec::with_capacity(128);
    for c in columns {
        p.clear();
        c.encode(&mut p);
        io.frame_into(out, &p);
    }
    if !deprecate_eof {
        io.frame_into(out, &srv::eof_packet(status, 0));
    }
    match rows {
        RowsRef::Text(rows) => {
            for r in rows {
                p.clear();
                for v in r {
                    srv::put_text_value(&mut p, v.as_deref().map(str::as_bytes));
                }
                io.frame_into(out, &p);
            }
        }
        RowsRef::Values(rows) => {
            for r in rows {
                p.clear();
                for v in r {
                    srv::put_text_value(&mut p, v.text_bytes().as_deref());
                }
                io.frame_into(out, &p);
            }
        }
    }
    let end = if deprecate_eof {
        srv::ok_packet(0, 0, status, s.warning_count(), "", true)
    } else {
        srv::eof_packet(status, s.warning_count())
    };
    io.frame_into(out, &end);
}
