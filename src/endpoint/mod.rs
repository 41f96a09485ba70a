//! The endpoint: a MySQL-protocol server on `port` / `bind-address` and `socket`, for
//! clients (reads, SHOW, session statements) and operators (CHANGE MASTER TO, START /
//! STOP / RESET SLAVE, SHOW SLAVE STATUS).
//!
//! Owns: client sessions and their registry (SHOW PROCESSLIST, max_connections), the
//! accounts, the global system variables.
//!
//! Architecture invariants:
//! - The endpoint never changes replicated data: statements that would are answered with
//!   1290 (read_only), as a mysqld slave with read_only=1 answers them.
//! - Replication is driven only through [`crate::control::Control`].
//! - A client's bytes can cost a session, never the daemon: every parse error is an ERR
//!   packet or a closed connection.

pub mod accounts;
pub mod admin;
mod binlogs;
mod commands;
mod connection;
pub mod describe;
pub mod dump;
mod grants;
pub mod infoschema;
pub mod prepared;
pub mod privileges;
mod reads;
mod replication;
mod results;
mod routines;
mod session;
mod set;
mod show;
mod statement;
mod threads;
pub mod vars;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::net::{TcpListener, UnixListener};

use crate::config::Config;
use crate::control::Control;
use crate::shutdown::Shutdown;
use crate::sql::value::Value;
use accounts::{Accounts, Peer};
use vars::Scope;

/// What SHOW PROCESSLIST shows of a session.
#[derive(Clone, Debug, Default)]
pub struct ProcessInfo {
    /// User.
    pub user: String,
    /// Host (`host:port` for TCP, `localhost` for the socket).
    pub host: String,
    /// Current database.
    pub db: Option<String>,
    /// The replicated account (user, host) it logged in as (max_user_connections).
    pub account: Option<(String, String)>,
    /// Command (`Sleep`, `Query`...).
    pub command: &'static str,
    /// When the current command started.
    pub since: Option<Instant>,
    /// The statement being executed.
    pub info: Option<String>,
    /// Set to close the session before its next command (KILL CONNECTION).
    pub kill: Arc<std::sync::atomic::AtomicBool>,
    /// Set to stop the statement running now (KILL QUERY); cleared when one starts.
    pub kill_query: Arc<std::sync::atomic::AtomicBool>,
    /// The session's connection, to wake its thread out of a blocking read.
    pub socket: Option<Arc<threads::Socket>>,
}

impl ProcessInfo {
    /// Ends the session (KILL CONNECTION of another session, daemon shutdown): it closes
    /// before its next command, or at once when it is waiting for one.
    pub fn end(&self) {
        self.kill.store(true, Ordering::Release);
        if let Some(s) = &self.socket {
            s.shutdown();
        }
    }
}

/// State every session shares.
pub struct Shared {
    /// Daemon configuration.
    pub cfg: Config,
    /// Accounts of the `account` lines.
    pub accounts: Accounts,
    /// Accounts and grants replicated from the master, as last read.
    pub acl: privileges::AclCache,
    /// Accounts warned about (once each).
    pub warned: Mutex<std::collections::HashSet<String>>,
    /// SHA256(SHA256(password)) of caching_sha2_password accounts by authentication_string,
    /// after a full authentication (mysqld's cache for the fast path).
    pub sha2_cache: Mutex<std::collections::HashMap<String, [u8; 32]>>,
    /// The RSA key pair for caching_sha2_password's full authentication.
    pub rsa: std::sync::OnceLock<Option<(rsa::RsaPrivateKey, String)>>,
    /// The replication threads.
    pub control: Arc<Control>,
    /// Global system variables (SET GLOBAL changes them).
    pub globals: Mutex<BTreeMap<&'static str, (Scope, Value)>>,
    /// Sessions by connection id.
    pub sessions: Mutex<BTreeMap<u32, Arc<Mutex<ProcessInfo>>>>,
    /// Connections still in their handshake: the deadline and the socket to shut down then.
    pub handshakes: Mutex<std::collections::HashMap<u32, (Instant, Arc<threads::Socket>)>>,
    /// The last connection id handed out.
    next_id: AtomicU32,
    /// Statements received (COM_STATISTICS' Questions, SHOW STATUS Questions).
    pub questions: AtomicU64,
    /// Connection attempts (SHOW STATUS Connections).
    pub connections: AtomicU64,
    /// Connections refused with 1040.
    pub refused: AtomicU64,
    /// When the daemon started (Uptime).
    pub started: Instant,
    /// TLS for clients (`ssl-cert` / `ssl-key`), offered in the greeting when set.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Replicas registered with COM_REGISTER_SLAVE, by server_id (SHOW SLAVE HOSTS).
    pub replicas: Mutex<BTreeMap<u32, dump::Registered>>,
    /// Running binlog dumps by the replica's server_id: the connection, and the flag that
    /// ends it.
    pub dumps: Mutex<std::collections::HashMap<u32, (u32, Arc<std::sync::atomic::AtomicBool>)>>,
}

impl Shared {
    /// Shared state for `cfg`; fails on unusable `account` options.
    pub fn new(cfg: Config, control: Arc<Control>) -> Result<Shared, String> {
        let accounts = Accounts::from_options(&cfg.endpoint.accounts)?;
        let tls = match &cfg.endpoint.ssl {
            Some((cert, key)) => {
                Some(crate::wire::tls::acceptor(cert, key).map_err(|e| e.to_string())?)
            }
            None => None,
        };
        Ok(Shared {
            globals: Mutex::new(vars::initial_globals(&cfg)),
            cfg,
            accounts,
            acl: Default::default(),
            warned: Default::default(),
            sha2_cache: Default::default(),
            rsa: Default::default(),
            control,
            sessions: Mutex::new(BTreeMap::new()),
            handshakes: Mutex::new(std::collections::HashMap::new()),
            next_id: AtomicU32::new(0),
            questions: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            started: Instant::now(),
            tls,
            replicas: Default::default(),
            dumps: Default::default(),
        })
    }

    /// Sessions connected now.
    pub fn connected(&self) -> usize {
        self.sessions.lock().map_or(0, |s| s.len())
    }
}

/// The bound listeners.
pub struct Endpoint {
    /// TCP, unless skip_networking.
    tcp: Option<TcpListener>,
    /// The unix socket.
    unix: Option<UnixListener>,
    /// Shared state.
    shared: Arc<Shared>,
}

/// The listening addresses cannot be used (mysqld exits in that case too).
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {what}: {source}")]
pub struct BindError {
    /// Address or socket path.
    what: String,
    /// Why.
    source: std::io::Error,
}

impl Endpoint {
    /// Binds the TCP port and the socket. A stale socket file left by a killed daemon is
    /// replaced; one a live server answers on is not.
    pub async fn bind(shared: Arc<Shared>) -> Result<Endpoint, BindError> {
        let ep = &shared.cfg.endpoint;
        let tcp = if ep.skip_networking {
            None
        } else {
            let addrs: Vec<String> = match &ep.bind_address {
                Some(a) => vec![format!("{}:{}", bracket(a), ep.port)],
                // mysqld listens on every address, IPv6 and IPv4.
                None => vec![format!("[::]:{}", ep.port), format!("0.0.0.0:{}", ep.port)],
            };
            let mut last = None;
            let mut bound = None;
            for a in &addrs {
                match TcpListener::bind(a).await {
                    Ok(l) => {
                        bound = Some(l);
                        break;
                    }
                    Err(e) => last = Some((a.clone(), e)),
                }
            }
            match (bound, last) {
                (Some(l), _) => Some(l),
                (None, Some((what, source))) => return Err(BindError { what, source }),
                (None, None) => None,
            }
        };
        let path = &ep.socket;
        if path.exists() && std::os::unix::net::UnixStream::connect(path).is_err() {
            let _ = std::fs::remove_file(path);
        }
        let unix = UnixListener::bind(path).map_err(|source| BindError {
            what: path.display().to_string(),
            source,
        })?;
        if let Some(l) = &tcp {
            if let Ok(a) = l.local_addr() {
                tracing::info!(address = %a, socket = %path.display(), "endpoint listening");
            }
        }
        Ok(Endpoint {
            tcp,
            unix: Some(unix),
            shared,
        })
    }

    /// Accepts connections until `shutdown`; each session runs on a thread of its own.
    pub async fn run(mut self, shutdown: Shutdown) {
        let tcp = self.tcp.take();
        let unix = self.unix.take();
        let socket_path = self.shared.cfg.endpoint.socket.clone();
        let threads = threads::Threads::new(tokio::runtime::Handle::current());
        // The handshake reaper: connections past connect_timeout are shut down.
        let reaper = {
            let shared = self.shared.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    let now = Instant::now();
                    if let Ok(mut h) = shared.handshakes.lock() {
                        h.retain(|_, (deadline, socket)| {
                            let keep = *deadline > now;
                            if !keep {
                                socket.shutdown();
                            }
                            keep
                        });
                    }
                }
            })
        };
        // TCP: session threads accept for themselves (threads::Acceptor).
        let acceptor = match tcp.map(|l| l.into_std()) {
            Some(Ok(listener)) => {
                let shared = self.shared.clone();
                let rx = shutdown.clone();
                let serve = Box::new(move |s: std::net::TcpStream, a: std::net::SocketAddr| {
                    let _ = s.set_nodelay(true);
                    let conn = threads::Socket::Tcp(s);
                    match conn.try_clone() {
                        Ok(handle) => {
                            session_job(shared.clone(), rx.clone(), conn, Some(a), handle)()
                        }
                        Err(e) => tracing::warn!(error = %e, "accept failed"),
                    }
                });
                match threads::Acceptor::start(listener, tokio::runtime::Handle::current(), serve) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot start accepting TCP connections");
                        None
                    }
                }
            }
            Some(Err(e)) => {
                tracing::error!(error = %e, "cannot accept TCP connections");
                None
            }
            None => None,
        };
        // The unix socket: accepted here, each session handed to a cached thread.
        loop {
            let accepted = tokio::select! {
                _ = shutdown.requested() => break,
                r = accept_unix(&unix) => r.and_then(|s| {
                    let s = s.into_std()?;
                    s.set_nonblocking(false)?;
                    let conn = threads::Socket::Unix(s);
                    let handle = conn.try_clone()?;
                    Ok((conn, handle))
                }),
            };
            let (conn, handle) = match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: say so, pause, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let job = session_job(self.shared.clone(), shutdown.clone(), conn, None, handle);
            if let Err(e) = threads.run(Box::new(job)) {
                tracing::warn!(error = %e, "cannot start a session thread");
            }
        }
        if let Some(a) = &acceptor {
            a.stop();
        }
        threads.close();
        reaper.abort();
        // Sessions waiting for a command are blocked in a read: wake them.
        if let Ok(sessions) = self.shared.sessions.lock() {
            for p in sessions.values() {
                if let Ok(p) = p.lock() {
                    p.end();
                }
            }
        }
        let _ = std::fs::remove_file(&socket_path);
    }
}

/// A new connection's session, to run on a session thread: counted, numbered, served.
fn session_job(
    shared: Arc<Shared>,
    rx: Shutdown,
    conn: threads::Socket,
    peer: Option<std::net::SocketAddr>,
    handle: threads::Socket,
) -> impl FnOnce() + Send + 'static {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let (peer, port) = match peer {
        Some(a) => {
            let host = match a.ip() {
                std::net::IpAddr::V6(v6) => v6
                    .to_ipv4_mapped()
                    .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
                v4 => v4,
            };
            (Peer::Tcp(host), a.port())
        }
        None => (Peer::Socket, 0),
    };
    move || {
        threads::block_on(connection::serve(conn, peer, port, id, shared, rx, handle));
    }
}

async fn accept_unix(l: &Option<UnixListener>) -> std::io::Result<tokio::net::UnixStream> {
    match l {
        Some(l) => l.accept().await.map(|(s, _)| s),
        None => std::future::pending().await,
    }
}

fn bracket(addr: &str) -> String {
    if addr.contains(':') && !addr.starts_with('[') {
        format!("[{addr}]")
    } else {
        addr.to_string()
    }
}

/// SQLSTATE of a mysqld error code (HY000 for the many without their own).
pub fn sqlstate(code: u16) -> &'static str {
    match code {
        1040 => "08004",
        1045 | 1698 => "28000",
        1046 => "3D000",
        1044 | 1049 | 1064 | 1110 | 1149 | 1227 | 1235 | 1141 | 1142 | 1143 | 1147 | 1226 => {
            "42000"
        }
        1043 | 1047 | 1153 => "08S01",
        1065 => "42000",
        1690 => "22003",
        1927 | 1317 => "70100",
        1959 => "OP000",
        1105 => "HY000",
        1050 => "42S01",
        1051 | 1146 => "42S02",
        1054 => "42S22",
        1231 | 1232 => "42000",
        1062 => "23000",
        1210 | 1243 => "HY000",
        _ => "HY000",
    }
}
