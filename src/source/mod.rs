//! The receiver: connects to the master as a replica, streams its binlog into the relay log,
//! keeps the link alive with heartbeats and reconnects after failures.
//!
//! Owns: the connection to the master and the receiver status. The next master coordinate is
//! owned by the relay log (derived from its data), so a reconnect always resumes exactly
//! after the last event that reached the relay log.
//!
//! Architecture invariants:
//! - An event is written to the relay log only after its framing and checksum verified; a
//!   bad event is never written, the receiver reconnects from the last good position.
//! - Errors the master reports (ERR packets: 1045, 1236, ...) stop the receiver with the
//!   master's code and message; network failures are retried every `master_connect_retry`
//!   seconds up to `master_retry_count` times.

pub mod status;

use std::path::PathBuf;
use std::time::Duration;

use crate::report::{Report, Running};
use crate::shutdown::Shutdown;

use crate::binlog::event::{Event, EventType};
use crate::binlog::{BinlogPos, ChecksumAlg};
use crate::config::Config;
use crate::relay::{RelayError, RelayLog};
use crate::wire::client::{ConnectOptions, Connection};
use crate::wire::WireError;
use status::ReceiverStatus;

/// mysqld's ER_SLAVE_FATAL_ERROR, used for conditions the replica itself detects.
pub const ER_SLAVE_FATAL_ERROR: u32 = 1593;
/// mysqld's ER_MASTER_FATAL_ERROR_READING_BINLOG.
pub const ER_MASTER_FATAL_ERROR_READING_BINLOG: u32 = 1236;
/// ER_NO_BINARY_LOGGING: the master has log_bin off.
pub const ER_NO_BINARY_LOGGING: u32 = 1381;

/// Why the receiver stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    /// The master refused us or reported a fatal error; retrying cannot help.
    #[error("error {code}: {message}")]
    Fatal {
        /// MySQL error code (the master's, or mysqld's code for the condition).
        code: u32,
        /// Message.
        message: String,
    },
    /// The relay log could not be written.
    #[error(transparent)]
    Relay(#[from] RelayError),
    /// Connection attempts exhausted master_retry_count.
    #[error("gave up after {attempts} connection attempts: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u64,
        /// The last failure.
        last: String,
    },
}

/// A failure inside one connection session.
enum SessionError {
    /// Reconnect and resume (network loss, timeout, bad checksum).
    Retry(String),
    /// Stop the receiver.
    Stop(ReceiverError),
}

impl From<RelayError> for SessionError {
    fn from(e: RelayError) -> Self {
        SessionError::Stop(e.into())
    }
}

fn classify(e: WireError) -> SessionError {
    match e {
        WireError::Server { code, message, .. } => SessionError::Stop(ReceiverError::Fatal {
            code: code as u32,
            message,
        }),
        WireError::Auth(m) | WireError::Tls(m) => SessionError::Stop(ReceiverError::Fatal {
            code: 2026,
            message: m,
        }),
        other => SessionError::Retry(other.to_string()),
    }
}

/// The receiver and everything it needs.
pub struct Receiver {
    /// Configuration.
    cfg: Config,
    /// The relay log it writes.
    relay: RelayLog,
    /// Status, mirrored to disk.
    status: ReceiverStatus,
    /// The latest status snapshot for the writer task (written at most every 50 ms, so
    /// the file is current without a disk write per event).
    published: std::sync::Arc<std::sync::Mutex<Option<ReceiverStatus>>>,
    /// Our replica UUID (persisted in datadir).
    uuid: String,
    /// Requested when the receiver should stop (STOP SLAVE, daemon shutdown).
    shutdown: Shutdown,
    /// The status as the daemon holds it (SHOW SLAVE STATUS reads it).
    report: Report<ReceiverStatus>,
    /// Set when a session got as far as streaming: the retry count restarts after it.
    dump_started: bool,
    /// Free space on the relay log's filesystem (`disk-space-reserve`).
    space: crate::relay::space::SpaceGuard,
    /// Reads the applied GTIDs (MASTER_AUTO_POSITION=1).
    applied_gtids: Option<AppliedGtids>,
}

/// Reads the applied position's GTID text (the store's, which this layer does not see).
pub type AppliedGtids = std::sync::Arc<dyn Fn() -> Result<Option<String>, String> + Send + Sync>;

impl Receiver {
    /// A receiver over an opened (recovered) relay log.
    pub fn new(
        cfg: Config,
        relay: RelayLog,
        shutdown: Shutdown,
        report: Report<ReceiverStatus>,
    ) -> std::io::Result<Receiver> {
        let uuid = load_or_create_uuid(&cfg.datadir)?;
        let status = ReceiverStatus {
            slave_io_state: "Connecting to master".into(),
            slave_io_running: Running::Connecting,
            master_host: cfg.master.host.clone().unwrap_or_default(),
            master_user: cfg.master.user.clone(),
            master_port: cfg.master.port,
            connect_retry: cfg.master.connect_retry.as_secs(),
            pid: std::process::id(),
            ..ReceiverStatus::default()
        };
        // SHOW SLAVE STATUS right after START SLAVE shows the new thread, as in mysqld.
        report.set(&status);
        if let Err(e) = status.store(&cfg.datadir) {
            tracing::warn!(error = %e, "cannot write receiver status");
        }
        let relay_dir = crate::relay::RelayOptions::from_config(&cfg).dir;
        let space = crate::relay::space::SpaceGuard::new(&relay_dir, cfg.disk_space_reserve);
        Ok(Receiver {
            space,
            cfg,
            relay,
            status,
            published: Default::default(),
            uuid,
            shutdown,
            report,
            dump_started: false,
            applied_gtids: None,
        })
    }

    /// Where a dump by GTID (MASTER_AUTO_POSITION=1) learns the GTIDs applied: the
    /// applied position's GTID text.
    pub fn with_applied_gtids(mut self, f: AppliedGtids) -> Receiver {
        self.applied_gtids = Some(f);
        self
    }

    /// Runs until shutdown (Ok) or a fatal error (Err, also recorded in the status).
    pub async fn run(mut self) -> Result<(), ReceiverError> {
        let published = self.published.clone();
        let datadir = self.cfg.datadir.clone();
        let writer = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tick.tick().await;
                let snapshot = published.lock().ok().and_then(|mut p| p.take());
                if let Some(s) = snapshot {
                    if let Err(e) = s.store(&datadir) {
                        tracing::warn!(error = %e, "cannot write receiver status");
                    }
                }
            }
        });
        let result = self.run_inner().await;
        writer.abort();
        let synced = self.relay.close_file();
        self.status.slave_io_running = Running::No;
        match &result {
            Ok(()) => self.status.slave_io_state = String::new(),
            Err(e) => {
                let code = match e {
                    ReceiverError::Fatal { code, .. } => *code,
                    ReceiverError::Relay(_) => 1595, // ER_SLAVE_RELAY_LOG_WRITE_FAILURE
                    ReceiverError::RetriesExhausted { .. } => 2003,
                };
                let msg = match e {
                    ReceiverError::Fatal { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                tracing::error!(code, error = %msg, "receiver stopped");
                self.status.set_error(code, &msg);
                self.status.slave_io_state = String::new();
            }
        }
        self.write_status();
        synced?;
        result
    }

    async fn run_inner(&mut self) -> Result<(), ReceiverError> {
        if self.cfg.master.host.is_none() {
            return Err(ReceiverError::Fatal {
                code: ER_SLAVE_FATAL_ERROR,
                message: "no master configured: set master-host (CHANGE MASTER TO MASTER_HOST=...)"
                    .into(),
            });
        }
        let mut attempts = 0u64;
        loop {
            if self.shutdown.is_requested() {
                return Ok(());
            }
            match self.session().await {
                Ok(()) => return Ok(()),
                Err(SessionError::Stop(e)) => return Err(e),
                Err(SessionError::Retry(why)) => {
                    // master_retry_count bounds consecutive failed attempts, as in mysqld.
                    if std::mem::take(&mut self.dump_started) {
                        attempts = 0;
                    }
                    attempts += 1;
                    let pos = self.position_text();
                    if attempts > self.cfg.master.retry_count {
                        return Err(ReceiverError::RetriesExhausted {
                            attempts,
                            last: why,
                        });
                    }
                    tracing::warn!(error = %why, attempt = attempts, resume_at = %pos,
                        retry_in = ?self.cfg.master.connect_retry, "lost the master; will reconnect");
                    self.status.slave_io_running = Running::Connecting;
                    self.status.slave_io_state =
                        "Reconnecting after a failed master event read".into();
                    self.status.set_error(2013, &why);
                    self.write_status();
                    tokio::select! {
                        _ = tokio::time::sleep(self.cfg.master.connect_retry) => {}
                        _ = self.shutdown.requested() => return Ok(()),
                    }
                }
            }
        }
    }

    /// The relay log's filesystem is below the reserve: what is received is flushed, and
    /// the receiver stops reading from the master until space is freed (the master's
    /// dump thread waits on the connection, or drops it and the receiver reconnects).
    async fn wait_for_space(&mut self) -> Result<(), SessionError> {
        self.relay.flush()?;
        let before = std::mem::replace(
            &mut self.status.slave_io_state,
            crate::relay::space::WAITING.into(),
        );
        self.write_status();
        loop {
            let mut nap = std::time::Duration::ZERO;
            let short = self.space.wait_once("relay log", |d| nap = d);
            if !short {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(nap) => {}
                _ = self.shutdown.requested() => break,
            }
        }
        self.status.slave_io_state = before;
        self.write_status();
        Ok(())
    }

    fn position_text(&self) -> String {
        self.relay
            .master_position()
            .map_or_else(|| "(start)".to_string(), |p| p.to_string())
    }

    /// Writes the status file now (state changes).
    fn write_status(&mut self) {
        self.refresh_status();
        self.report.set(&self.status);
        if let Ok(mut p) = self.published.lock() {
            *p = None;
        }
        if let Err(e) = self.status.store(&self.cfg.datadir) {
            tracing::warn!(error = %e, "cannot write receiver status");
        }
    }

    /// Hands the current status to the writer task (progress while streaming).
    fn publish_status(&mut self) {
        self.refresh_status();
        self.report.set(&self.status);
        if let Ok(mut p) = self.published.lock() {
            *p = Some(self.status.clone());
        }
    }

    fn refresh_status(&mut self) {
        if let Err(e) = self.relay.purge_applied() {
            tracing::warn!(error = %e, "cannot purge applied relay log files");
        }
        if let Some(p) = self.relay.master_position() {
            self.status.master_log_file = p.file.clone();
            self.status.read_master_log_pos = p.offset;
        }
        if let Some((f, _)) = self.relay.current() {
            self.status.relay_log_file = f.to_string();
        }
        self.status.relay_log_space = self.relay.space();
    }

    /// One connection: connect, check, register, dump, stream until failure or shutdown.
    async fn session(&mut self) -> Result<(), SessionError> {
        let m = &self.cfg.master;
        let public_key = match &m.public_key_path {
            Some(p) => Some(std::fs::read(p).map_err(|e| {
                SessionError::Stop(ReceiverError::Fatal {
                    code: 2026,
                    message: format!("cannot read master public key {}: {e}", p.display()),
                })
            })?),
            None => None,
        };
        let opts = ConnectOptions {
            host: m.host.clone().unwrap_or_default(),
            port: m.port,
            user: m.user.clone(),
            password: m.password.clone(),
            ssl: m.ssl.clone(),
            public_key,
            connect_timeout: self.cfg.slave_net_timeout,
        };
        let mut conn = Connection::connect(&opts).await.map_err(classify)?;
        tracing::info!(master = %format!("{}:{}", opts.host, opts.port), version = %conn.server.version, "connected to master");
        self.status.master_version = conn.server.version.clone();

        let master_id: u32 = conn
            .query_value("SELECT @@GLOBAL.server_id")
            .await
            .map_err(classify)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        self.status.master_server_id = master_id;
        if master_id == self.cfg.server_id {
            return Err(SessionError::Stop(ReceiverError::Fatal {
                code: ER_SLAVE_FATAL_ERROR,
                message: format!(
                    "Fatal error: The slave I/O thread stops because master and slave have equal MySQL server ids \
                     (server_id={master_id}); these ids must be different for replication to work"
                ),
            }));
        }
        // As mysqld does: announce that we understand checksums, and learn the algorithm.
        conn.query("SET @master_binlog_checksum = @@global.binlog_checksum")
            .await
            .map_err(classify)?;
        let alg = match conn
            .query_value("SELECT @master_binlog_checksum")
            .await
            .map_err(classify)?
        {
            Some(v) if v.eq_ignore_ascii_case("CRC32") => ChecksumAlg::Crc32,
            _ => ChecksumAlg::Off,
        };
        let heartbeat = self.cfg.heartbeat_period();
        conn.query(&format!(
            "SET @master_heartbeat_period = {}",
            heartbeat.as_nanos()
        ))
        .await
        .map_err(classify)?;
        if conn.server.is_mariadb() {
            // MARIA_SLAVE_CAPABILITY_MINE: send every MariaDB event type as is.
            conn.query("SET @mariadb_slave_capability = 4")
                .await
                .map_err(classify)?;
        } else {
            self.status.master_uuid = conn
                .query_value("SELECT @@GLOBAL.server_uuid")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
        }
        conn.query(&format!(
            "SET @slave_uuid = '{0}', @replica_uuid = '{0}'",
            self.uuid
        ))
        .await
        .map_err(classify)?;

        self.relay.begin_stream(alg)?;
        let by_gtid = self.cfg.master.auto_position && self.relay.master_position().is_none();
        // (A replicant upstream serves MySQL's GTID dump whatever its version says.)
        if by_gtid && conn.server.is_mariadb() && !conn.server.version.contains("replicant") {
            return Err(SessionError::Stop(ReceiverError::Fatal {
                code: ER_SLAVE_FATAL_ERROR,
                message: "MASTER_AUTO_POSITION=1 needs a MySQL master (MariaDB's GTID mode, MASTER_USE_GTID, is not supported yet); use MASTER_AUTO_POSITION=0 with MASTER_LOG_FILE and MASTER_LOG_POS".into(),
            }));
        }
        conn.register_slave(self.cfg.server_id, "", 0)
            .await
            .map_err(classify)?;
        if by_gtid {
            // The relay log is empty: ask for what the store has not applied.
            let have = self.executed()?;
            conn.binlog_dump_gtid(self.cfg.server_id, &have)
                .await
                .map_err(classify)?;
            tracing::info!(have = %have, checksum = alg.name(), "binlog dump by GTID started (MASTER_AUTO_POSITION=1)");
        } else {
            let start = match self.relay.master_position() {
                Some(p) => p.clone(),
                None => self.initial_position(&mut conn).await?,
            };
            conn.binlog_dump(self.cfg.server_id, &start.file, start.offset)
                .await
                .map_err(classify)?;
            tracing::info!(from = %start, checksum = alg.name(), "binlog dump started");
        }
        self.dump_started = true;
        self.status.slave_io_running = Running::Yes;
        self.status.slave_io_state = "Waiting for master to send event".into();
        self.status.last_io_errno = 0;
        self.status.last_io_error.clear();
        self.write_status();
        self.stream(&mut conn, alg).await
    }

    /// The MySQL GTIDs the store has applied (the applied position's set).
    fn executed(&self) -> Result<crate::binlog::gtid_set::GtidSet, SessionError> {
        let Some(applied) = &self.applied_gtids else {
            return Ok(Default::default());
        };
        let text = applied().map_err(|e| {
            SessionError::Stop(ReceiverError::Fatal {
                code: ER_SLAVE_FATAL_ERROR,
                message: format!("cannot read the applied GTIDs: {e}"),
            })
        })?;
        Ok(text
            .and_then(|t| crate::binlog::gtid_set::GtidSet::parse(&t).ok())
            .unwrap_or_default())
    }

    /// Where to start with an empty relay log: MASTER_LOG_FILE/POS, or the master's first
    /// binlog at position 4 (as mysqld does with no file given).
    async fn initial_position(&mut self, conn: &mut Connection) -> Result<BinlogPos, SessionError> {
        if let Some(file) = &self.cfg.master.log_file {
            return Ok(BinlogPos {
                file: file.clone(),
                offset: self.cfg.master.log_pos.unwrap_or(4).max(4),
            });
        }
        let logs = conn
            .query("SHOW BINARY LOGS")
            .await
            .map_err(|e| match e.server_code() {
                Some(1381) => SessionError::Stop(ReceiverError::Fatal {
                    code: ER_NO_BINARY_LOGGING,
                    message: "the master does not have binary logging enabled (log_bin=OFF): \
                          nothing to replicate; enable log-bin on the master"
                        .into(),
                }),
                _ => classify(e),
            })?;
        let first = logs
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .ok_or_else(|| {
                SessionError::Stop(ReceiverError::Fatal {
                    code: ER_NO_BINARY_LOGGING,
                    message: "the master lists no binary logs".into(),
                })
            })?;
        Ok(BinlogPos {
            file: first,
            offset: 4,
        })
    }

    /// Streams events into the relay log until an error or shutdown.
    async fn stream(
        &mut self,
        conn: &mut Connection,
        mut alg: ChecksumAlg,
    ) -> Result<(), SessionError> {
        let timeout = self.cfg.slave_net_timeout;
        let mut buf = Vec::with_capacity(64 * 1024);
        let shutdown = self.shutdown.clone();
        let mut deadline = tokio::time::Instant::now() + timeout;
        let mut since_refresh = 0u32;
        loop {
            // The silence deadline and the shutdown check matter only when the next read may
            // wait on the network; while packets are already buffered they would cost a
            // clock read and a waiter registration per event for nothing.
            let read = if conn.buffered() == 0 {
                deadline = tokio::time::Instant::now() + timeout;
                since_refresh = 0;
                tokio::select! {
                    r = tokio::time::timeout_at(deadline, conn.read_event(&mut buf)) => r,
                    _ = shutdown.requested() => return Ok(()),
                }
            } else {
                since_refresh += 1;
                if since_refresh >= 1024 {
                    deadline = tokio::time::Instant::now() + timeout;
                    since_refresh = 0;
                }
                tokio::time::timeout_at(deadline, conn.read_event(&mut buf)).await
            };
            let bytes = match read {
                Err(_) => return Err(SessionError::Retry(WireError::Timeout(timeout).to_string())),
                Ok(Err(e)) => {
                    let e = match e {
                        WireError::Server { code, message, .. } => SessionError::Stop(ReceiverError::Fatal {
                            code: code as u32,
                            message: format!(
                                "Got fatal error {code} from master when reading data from binary log: '{message}'"
                            ),
                        }),
                        other => classify(other),
                    };
                    return Err(e);
                }
                Ok(Ok(Some(bytes))) => bytes,
                Ok(Ok(None)) => {
                    return Err(SessionError::Retry(
                        "the master ended the binlog stream".into(),
                    ))
                }
            };
            let ev = match Event::new(bytes, alg) {
                Ok(ev) => ev,
                Err(e) => {
                    let at = self.position_text();
                    tracing::error!(error = %e, after = %at, "bad event from master; not written, reconnecting");
                    return Err(SessionError::Retry(format!(
                        "bad event from master after {at}: {e}"
                    )));
                }
            };
            match ev.event_type() {
                Some(EventType::Heartbeat | EventType::HeartbeatV2) => {}
                t => {
                    if t == Some(EventType::FormatDescription) {
                        alg = crate::binlog::FormatDescription::parse(ev.bytes)
                            .map_err(|e| SessionError::Retry(e.to_string()))?
                            .checksum;
                    }
                    if self.space.low(ev.bytes.len() as u64) {
                        self.wait_for_space().await?;
                    }
                    self.relay.append(&ev)?;
                    self.status.events_received += 1;
                }
            }
            if conn.buffered() == 0 {
                self.relay.flush()?;
                self.status.last_event_time = now_secs();
                self.publish_status();
            }
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The replica's UUID (sent as @slave_uuid), created once per datadir like mysqld's auto.cnf.
pub fn load_or_create_uuid(datadir: &std::path::Path) -> std::io::Result<String> {
    let path: PathBuf = datadir.join("replica-uuid");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_string();
        if s.len() == 36 {
            return Ok(s);
        }
    }
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let uuid = crate::binlog::events::format_uuid(&b);
    std::fs::write(&path, format!("{uuid}\n"))?;
    Ok(uuid)
}
