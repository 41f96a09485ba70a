//! One client connection until it is logged in: the greeting (or 1040 when full), TLS,
//! authentication (and COM_CHANGE_USER's), registration among the sessions; then the
//! command loop.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio_rustls::rustls;

use super::accounts::{Account, Peer};
use super::commands::command_loop;
use super::session::Session;
use super::threads::{Blocking, Socket};
use super::{sqlstate, ProcessInfo, Shared};
use crate::shutdown::Shutdown;
use crate::sqlerror::SqlError;
use crate::wire::packet::PacketIo;
use crate::wire::server as srv;
use crate::wire::{auth, WireError};

/// How long a client may take to complete the handshake (mysqld's connect_timeout).
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write to a client may block (mysqld's net_write_timeout).
pub(super) const NET_WRITE_TIMEOUT: Duration = Duration::from_secs(60);

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
            io, buf, nonce, peer, port, id, shared, shutdown, socket, deadline, false,
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
            io, buf, nonce, peer, port, id, shared, shutdown, socket, deadline, true,
        )
        .await;
    }
}

/// A connection's entry among the handshakes in progress (`Shared::handshakes`), removed
/// when this is dropped: after login, or when the connection ends before.
pub(super) struct Deadline {
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
pub(super) fn step<T>(id: u32, what: &str, r: Result<T, WireError>) -> Option<T> {
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
pub(super) async fn finish<S>(
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
    // The connection went through TLS.
    tls: bool,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let logged_in = login(&mut io, &response, &nonce, &peer, port, id, &shared, tls).await;
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
pub(super) struct Registered {
    shared: Arc<Shared>,
    id: u32,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.sessions.lock() {
            s.remove(&self.id);
        }
        // A replica registered on this connection leaves SHOW SLAVE HOSTS with it, as
        // mysqld unregisters it when its thread ends.
        if let Ok(mut r) = self.shared.replicas.lock() {
            r.retain(|_, reg| reg.conn != self.id);
        }
    }
}

pub(super) fn nonce() -> [u8; 20] {
    let mut rng = rand::thread_rng();
    let mut n = [0u8; 20];
    for b in &mut n {
        // Printable, never NUL or '$' (clients treat the nonce as a C string).
        *b = rng.gen_range(0x21..0x7f);
    }
    n
}

/// Handshake response and authentication. `Ok(None)`: refused (ERR sent).
#[allow(clippy::too_many_arguments)]
pub(super) async fn login<S>(
    io: &mut PacketIo<BufReader<S>>,
    buf: &[u8],
    nonce: &[u8; 20],
    peer: &Peer,
    port: u16,
    id: u32,
    shared: &Arc<Shared>,
    tls: bool,
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
        tls || *peer == Peer::Socket,
    )
    .await?
    else {
        return Ok(None);
    };
    let (principal, sandbox) =
        match super::privileges::admit(shared, &account, &resp.user, peer, resp.capabilities) {
            Ok(x) => x,
            Err(e) => {
                tracing::info!(user = %resp.user, host = %host, code = e.code, "login refused");
                send_err(io, &e).await?;
                return Ok(None);
            }
        };
    let replicated = account
        .replicated
        .as_ref()
        .map(|r| (r.user.clone(), r.host.clone()));
    let kill_query = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut session = Session {
        id,
        kill_query: kill_query.clone(),
        user: resp.user.clone(),
        host: host.clone(),
        principal,
        sandbox,
        tls,
        account,
        peer: peer.clone(),
        db: None,
        vars: BTreeMap::new(),
        user_vars: HashMap::new(),
        time_zone: shared
            .globals
            .lock()
            .ok()
            .and_then(|g| {
                let (_, v) = g.get("time_zone")?;
                crate::tz::TimeZone::parse(&v.as_text()?).ok()
            })
            .unwrap_or(crate::tz::TimeZone::System),
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
            account: replicated,
            command: "Sleep",
            since: Some(Instant::now()),
            info: None,
            kill: Default::default(),
            kill_query: kill_query.clone(),
            socket: None,
        })),
        caps: resp.capabilities,
        cache_metadata: resp.ext_capabilities & srv::CACHE_METADATA != 0,
        stmts: HashMap::default(),
        last_stmt_id: 0,
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
#[allow(clippy::too_many_arguments)]
pub(super) async fn authenticate<S>(
    io: &mut PacketIo<BufReader<S>>,
    shared: &Arc<Shared>,
    peer: &Peer,
    user: &str,
    // `None`: always switch (COM_CHANGE_USER answers were made with the old nonce).
    client_plugin: Option<&str>,
    response: &[u8],
    nonce: &[u8; 20],
    // TLS or the socket: a password may travel in clear.
    secure: bool,
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
    let found = shared.find_account(user, peer);
    if found
        .as_ref()
        .and_then(|a| a.replicated.as_ref())
        .is_some_and(|r| r.plugin == "unix_socket")
    {
        // The operating-system user is not checked here: refused as mysqld refuses a
        // unix_socket login that is not that user's.
        let e = SqlError::new(
            1698,
            format!("Access denied for user '{user}'@'{}'", peer.host_name()),
        );
        send_err(io, &e).await?;
        return Ok(None);
    }
    let found = found.filter(|a| a.plugin != super::privileges::UNSUPPORTED);
    let Some(account) = found else {
        send_err(io, &denied(!response.is_empty())).await?;
        return Ok(None);
    };
    let mut response = response.to_vec();
    let mut nonce = *nonce;
    let mut ed_nonce = [0u8; 32];
    let mut full_auth = false;
    if account.plugin == auth::ED25519 {
        // client_ed25519 signs a 32-byte nonce of its own.
        rand::thread_rng().fill(&mut ed_nonce[..]);
        io.write_packet(&srv::auth_switch_raw(auth::ED25519, &ed_nonce))
            .await?;
        io.read_packet(&mut response).await?;
    } else if client_plugin != Some(account.plugin) {
        nonce = self::nonce();
        io.write_packet(&srv::auth_switch(account.plugin, &nonce))
            .await?;
        io.read_packet(&mut response).await?;
    }
    let ok = if account.passwordless() {
        response.is_empty() || response == [0]
    } else if let Some(key) = &account.ed25519 {
        crate::acl::password::check_ed25519(key, &ed_nonce, &response)
    } else if account.plugin == auth::CACHING_SHA2 {
        let fast = account
            .sha2
            .as_ref()
            .is_some_and(|s| srv::check_sha2(s, &nonce, &response));
        match &account.sha2_crypt {
            Some(stored) if !fast => {
                full_auth = true;
                let pw = super::privileges::full_authentication(io, shared, secure, &nonce).await?;
                let ok = pw.as_ref().is_some_and(|pw| {
                    crate::acl::password::check_caching_sha2(stored.as_bytes(), pw)
                });
                if let (true, Some(pw)) = (ok, &pw) {
                    shared.cache_sha2(stored, pw);
                }
                ok
            }
            _ => fast,
        }
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
    if account.plugin == auth::CACHING_SHA2 && !account.passwordless() && !full_auth {
        // fast_auth_success: the OK packet follows.
        io.write_packet(&[0x01, 0x03]).await?;
    }
    Ok(Some(account))
}

pub(super) async fn send_err<S>(io: &mut PacketIo<S>, e: &SqlError) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    io.write_packet(&srv::err_packet(e.code, sqlstate(e.code), &e.message))
        .await
}

/// COM_CHANGE_USER: re-authenticates (always through an AuthSwitchRequest with a fresh
/// nonce) and resets the session. Returns false when refused (connection closes).
pub(super) async fn change_user<S>(
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
    let secure = s.tls || peer == Peer::Socket;
    // The session is no longer its old account's (MAX_USER_CONNECTIONS counts others).
    if let Ok(mut p) = s.process.lock() {
        p.account = None;
    }
    let Some(account) =
        authenticate(io, &s.shared, &peer, &user, None, &[], &nonce(), secure).await?
    else {
        return Ok(false);
    };
    let (principal, sandbox) =
        match super::privileges::admit(&s.shared, &account, &user, &peer, s.caps) {
            Ok(x) => x,
            Err(e) => {
                send_err(io, &e).await?;
                return Ok(false);
            }
        };
    if let Ok(mut p) = s.process.lock() {
        p.account = account
            .replicated
            .as_ref()
            .map(|r| (r.user.clone(), r.host.clone()));
    }
    s.principal = principal;
    s.sandbox = sandbox;
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
