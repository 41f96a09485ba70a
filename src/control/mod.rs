//! The replica's two threads under operator control, as mysqld's slave: START / STOP SLAVE
//! [IO_THREAD | SQL_THREAD], CHANGE MASTER TO, RESET SLAVE [ALL], SET GLOBAL
//! sql_slave_skip_counter, and SHOW SLAVE STATUS.
//!
//! Owns: `change-master.json` in datadir, the settings CHANGE MASTER TO made. As mysqld's
//! master.info, once it exists it takes precedence over the master-* options of my.cnf and
//! the command line.
//!
//! Architecture invariants:
//! - The relay log and the store's applied position are changed here only while both
//!   threads are stopped (mysqld answers 1198 otherwise).
//! - The receiver (IO thread) and the applier (SQL thread) never learn about each other
//!   through this module: they share only the relay log on disk and the purge mark.

pub mod slave_status;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::apply::applier::{Applier, ApplierError, ApplierOptions, LogBinHandle};
use crate::apply::error::SkipErrors;
use crate::apply::filter::Filters;
use crate::apply::rows::ConflictPolicy;
use crate::apply::status::ApplierStatus;
use crate::binlog::BinlogPos;
use crate::config::{Config, MasterConfig};
use crate::relay::{PurgeMark, RelayLog, RelayOptions};
use crate::report::Report;
use crate::shutdown::Shutdown;
use crate::source::status::ReceiverStatus;
use crate::source::{Receiver, ReceiverError};
use crate::sqlerror::SqlError;
use crate::store::{AppliedPos, Store};
use slave_status::slave_status_fields;

/// How long STOP SLAVE waits for the receiver before aborting it.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// File in datadir holding what CHANGE MASTER TO set.
pub const SETTINGS_FILE: &str = "change-master.json";

/// Which of the two threads a statement names (`START SLAVE IO_THREAD`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threads {
    /// The receiver (Slave_IO_Running).
    pub io: bool,
    /// The applier (Slave_SQL_Running).
    pub sql: bool,
}

impl Threads {
    /// Both threads (no thread option given).
    pub const BOTH: Threads = Threads {
        io: true,
        sql: true,
    };
}

/// A CHANGE MASTER TO statement: each option given, others `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MasterChange {
    /// MASTER_HOST.
    pub host: Option<String>,
    /// MASTER_PORT.
    pub port: Option<u16>,
    /// MASTER_USER.
    pub user: Option<String>,
    /// MASTER_PASSWORD.
    pub password: Option<String>,
    /// MASTER_LOG_FILE.
    pub log_file: Option<String>,
    /// MASTER_LOG_POS.
    pub log_pos: Option<u64>,
    /// MASTER_CONNECT_RETRY (seconds).
    pub connect_retry: Option<u64>,
    /// MASTER_HEARTBEAT_PERIOD (seconds, fractions allowed).
    pub heartbeat_period: Option<f64>,
    /// MASTER_SSL.
    pub ssl: Option<bool>,
    /// MASTER_SSL_CA.
    pub ssl_ca: Option<String>,
    /// MASTER_SSL_CERT.
    pub ssl_cert: Option<String>,
    /// MASTER_SSL_KEY.
    pub ssl_key: Option<String>,
    /// MASTER_SSL_VERIFY_SERVER_CERT.
    pub ssl_verify_server_cert: Option<bool>,
    /// RELAY_LOG_FILE: keep the relay log and apply from this file.
    pub relay_log_file: Option<String>,
    /// RELAY_LOG_POS.
    pub relay_log_pos: Option<u64>,
    /// MASTER_AUTO_POSITION.
    pub auto_position: Option<bool>,
}

/// A running receiver.
struct IoThread {
    /// Its shutdown: a child of the daemon's.
    stop: Shutdown,
    /// The task; finished when the receiver stopped by itself (a fatal error).
    task: tokio::task::JoinHandle<Result<(), ReceiverError>>,
}

/// A running applier.
struct SqlThread {
    /// Its shutdown (a child of the daemon's): it stops at the next transaction boundary.
    stop: Shutdown,
    /// The thread; finished when the applier stopped on an error.
    thread: std::thread::JoinHandle<Result<(), ApplierError>>,
}

/// Mutable state behind the lock.
struct State {
    /// Connection settings in force (CHANGE MASTER TO over my.cnf).
    master: MasterConfig,
    /// sql_slave_skip_counter for the next applier start.
    skip_counter: u64,
    /// The receiver, while it runs.
    io: Option<IoThread>,
    /// The applier, while it runs.
    sql: Option<SqlThread>,
}

/// The replica's threads and their settings.
pub struct Control {
    /// Options from my.cnf and the command line.
    base: Config,
    /// Where the applier publishes the relay file it applies, for relay_log_purge.
    purge_mark: PurgeMark,
    /// The store, open for the daemon's lifetime: appliers write it, the endpoint reads it.
    store: Arc<Store>,
    /// Threads and settings.
    state: Mutex<State>,
    /// The daemon's shutdown; each thread runs under a child of it.
    shutdown: Shutdown,
    /// The receiver's last report (kept across its restarts: SHOW SLAVE STATUS after STOP
    /// SLAVE shows how it stopped).
    io_report: Report<ReceiverStatus>,
    /// The applier's last report.
    sql_report: Report<ApplierStatus>,
    /// The binlog of what is applied (`log-bin` with `log_slave_updates`).
    logbin: Option<LogBinHandle>,
}

/// mysqld's ER_SLAVE_MUST_STOP as MariaDB words it for the default connection.
fn must_stop() -> SqlError {
    SqlError::new(
        1198,
        "This operation cannot be performed as you have a running slave ''; run STOP SLAVE '' first"
            .into(),
    )
}

fn internal(e: impl std::fmt::Display) -> SqlError {
    SqlError::new(1105, e.to_string())
}

/// Opens the binlog at the end the store committed (cutting what a crash left past it),
/// or starts one, committing its first mark.
fn open_logbin(
    cfg: &Config,
    b: &crate::config::BinlogConfig,
    store: &Store,
) -> Result<LogBinHandle, SqlError> {
    let (dir, base) = crate::logbin::location(&cfg.datadir, &b.name);
    let opts = crate::logbin::LogBinOptions {
        dir,
        base,
        max_size: b.max_size,
        server_id: cfg.server_id,
        checksum: b.checksum,
        sync: b.sync != 0,
        expire_secs: b.expire_secs,
    };
    let mark = crate::apply::applier::load_binlog_mark(store).map_err(internal)?;
    let shared = Arc::new(crate::logbin::Shared::default());
    let (log, fresh) = crate::logbin::LogBin::open(opts, mark, shared).map_err(internal)?;
    if let Some(m) = fresh {
        crate::apply::applier::commit_binlog_mark(store, &m).map_err(internal)?;
        tracing::info!(file = %m.file, "binlog started");
    }
    Ok(Arc::new(std::sync::Mutex::new(log)))
}

impl Control {
    /// The controller for `cfg`, with CHANGE MASTER TO's saved settings applied.
    pub fn new(cfg: Config, shutdown: Shutdown) -> Result<Control, SqlError> {
        let path = cfg.datadir.join(SETTINGS_FILE);
        let master = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                internal(format!(
                    "{}: unreadable CHANGE MASTER settings: {e}",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => cfg.master.clone(),
            Err(e) => return Err(internal(format!("{}: {e}", path.display()))),
        };
        let store =
            Arc::new(Store::open_with_cache(&cfg.datadir, cfg.block_cache_size).map_err(internal)?);
        let logbin = match &cfg.binlog {
            Some(b) => Some(open_logbin(&cfg, b, &store)?),
            None => None,
        };
        let mut master = master;
        let recovered = if cfg.relay_log_recovery {
            recover_relay_log(&cfg, &store, &mut master)?
        } else {
            None
        };
        let control = Control {
            logbin,
            store,
            state: Mutex::new(State {
                master,
                skip_counter: cfg.sql_slave_skip_counter,
                io: None,
                sql: None,
            }),
            // The previous daemon's last words, until the threads report anew.
            io_report: Report::new(ReceiverStatus::load(&cfg.datadir).unwrap_or_default()),
            sql_report: Report::new(ApplierStatus::load(&cfg.datadir).unwrap_or_default()),
            base: cfg,
            purge_mark: PurgeMark::default(),
            shutdown,
        };
        if let Some(start) = recovered {
            reset_status_files(
                &control.base,
                (&control.io_report, &control.sql_report),
                Some(&start),
                false,
            );
        }
        Ok(control)
    }

    /// True when a master is configured (START SLAVE can work).
    pub async fn configured(&self) -> bool {
        self.state.lock().await.master.host.is_some()
    }

    fn config(&self, master: &MasterConfig) -> Config {
        Config {
            master: master.clone(),
            ..self.base.clone()
        }
    }

    /// START SLAVE [threads]. Returns notes (1254 when a thread already runs).
    pub async fn start(&self, which: Threads) -> Result<Vec<SqlError>, SqlError> {
        let mut st = self.state.lock().await;
        reap(&mut st);
        if st.master.host.is_none() {
            return Err(SqlError::new(
                1200,
                "Misconfigured slave: MASTER_HOST was not set; Fix in config file or with CHANGE MASTER TO"
                    .into(),
            ));
        }
        let mut notes = Vec::new();
        if (!which.io || st.io.is_some()) && (!which.sql || st.sql.is_some()) {
            notes.push(SqlError::new(1254, "Slave is already running".into()));
            return Ok(notes);
        }
        let cfg = self.config(&st.master);
        if which.sql && st.sql.is_none() {
            let skip = SkipErrors::parse(cfg.slave_skip_errors.as_deref()).map_err(internal)?;
            let relay_opts = RelayOptions::from_config(&cfg);
            let opts = ApplierOptions {
                datadir: cfg.datadir.clone(),
                relay_dir: relay_opts.dir.clone(),
                relay_base: relay_opts.base.clone(),
                server_id: cfg.server_id,
                policy: ConflictPolicy {
                    idempotent: cfg.slave_exec_idempotent,
                    skip,
                },
                filters: Filters::from_options(&cfg.filters).map_err(internal)?,
                skip_counter: std::mem::take(&mut st.skip_counter),
                purge_mark: cfg.relay_log_purge.then(|| self.purge_mark.clone()),
                disk_space_reserve: cfg.disk_space_reserve,
                logbin: self.logbin.clone(),
                binlog_do_db: cfg
                    .binlog
                    .as_ref()
                    .map(|b| b.do_db.clone())
                    .unwrap_or_default(),
                binlog_ignore_db: cfg
                    .binlog
                    .as_ref()
                    .map(|b| b.ignore_db.clone())
                    .unwrap_or_default(),
            };
            let stop = self.shutdown.child();
            let applier = Applier::open_with(
                opts,
                self.store.clone(),
                stop.clone(),
                self.sql_report.clone(),
            )
            .map_err(internal)?;
            let thread = std::thread::Builder::new()
                .name("applier".into())
                // Replayed statements run the query engine, which recurses as deep as an
                // expression nests (up to 1436's bound).
                .stack_size(crate::sql::parse::STACK)
                .spawn(move || applier.run())
                .map_err(internal)?;
            st.sql = Some(SqlThread { stop, thread });
        }
        if which.io && st.io.is_none() {
            let (mut relay, recovered) =
                RelayLog::open(RelayOptions::from_config(&cfg)).map_err(internal)?;
            if recovered.truncated_bytes > 0 {
                tracing::warn!(
                    bytes = recovered.truncated_bytes,
                    "cut a torn relay log tail left by a crash"
                );
            }
            if let Some(p) = &recovered.master {
                tracing::info!(resume_at = %p, "relay log recovered");
            }
            if cfg.relay_log_purge {
                relay.set_purge_mark(self.purge_mark.clone());
            }
            let stop = self.shutdown.child();
            let receiver = Receiver::new(cfg, relay, stop.clone(), self.io_report.clone())
                .map_err(internal)?
                .with_applied_gtids({
                    let store = self.store.clone();
                    Arc::new(move || {
                        store
                            .applied()
                            .map(|a| a.and_then(|a| a.gtid))
                            .map_err(|e| e.to_string())
                    })
                });
            let task = tokio::spawn(receiver.run());
            st.io = Some(IoThread { stop, task });
        }
        Ok(notes)
    }

    /// STOP SLAVE [threads]. Returns notes (1255 when nothing was running).
    pub async fn stop(&self, which: Threads) -> Result<Vec<SqlError>, SqlError> {
        let mut st = self.state.lock().await;
        reap(&mut st);
        let mut notes = Vec::new();
        if (!which.io || st.io.is_none()) && (!which.sql || st.sql.is_none()) {
            notes.push(SqlError::new(1255, "Slave already has been stopped".into()));
            return Ok(notes);
        }
        if which.io {
            if let Some(mut io) = st.io.take() {
                io.stop.request();
                // The receiver notices the signal between network reads; one stuck in a
                // connect or a query to a stalled master is cut off.
                if tokio::time::timeout(STOP_GRACE, &mut io.task)
                    .await
                    .is_err()
                {
                    tracing::warn!("receiver did not stop within {STOP_GRACE:?}; aborting it");
                    io.task.abort();
                    let _ = io.task.await;
                }
            }
        }
        if which.sql {
            if let Some(sql) = st.sql.take() {
                sql.stop.request();
                // An idle applier waits for relay writes: wake it to see the stop.
                crate::relay::written::bump();
                let _ = tokio::task::spawn_blocking(move || sql.thread.join()).await;
            }
        }
        Ok(notes)
    }

    /// Deletes the relay log (both threads stopped); returns the files removed.
    fn reset_relay_log(&self, cfg: &Config) -> Result<Vec<String>, SqlError> {
        // The relay numbering starts over: a purge mark naming an old file would make the
        // receiver delete new, unapplied files once the numbers meet again.
        if let Ok(mut m) = self.purge_mark.lock() {
            *m = None;
        }
        crate::relay::reset(&RelayOptions::from_config(cfg)).map_err(internal)
    }

    /// The store (the endpoint reads the catalog from it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The binlog writer, with `log-bin` and `log_slave_updates`.
    pub fn logbin(&self) -> Option<&LogBinHandle> {
        self.logbin.as_ref()
    }

    /// What the binlog's readers see, with `log-bin` and `log_slave_updates`.
    pub fn logbin_shared(&self) -> Option<Arc<crate::logbin::Shared>> {
        self.logbin
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()).shared())
    }

    /// The daemon is shutting down.
    pub fn stopping(&self) -> bool {
        self.shutdown.is_requested()
    }

    /// Stops both threads (daemon shutdown).
    pub async fn shutdown(&self) {
        let _ = self.stop(Threads::BOTH).await;
    }

    /// CHANGE MASTER TO. As mysqld: refused while a thread runs; the relay log is deleted
    /// and the applier continues from the master coordinate it had executed (or the one
    /// given, or the master's first binlog when the master changed), unless RELAY_LOG_FILE
    /// is given.
    pub async fn change_master(&self, ch: MasterChange) -> Result<(), SqlError> {
        let mut st = self.state.lock().await;
        reap(&mut st);
        if st.io.is_some() || st.sql.is_some() {
            return Err(must_stop());
        }
        let mut m = st.master.clone();
        let new_master = ch.host.as_ref().is_some_and(|h| Some(h) != m.host.as_ref())
            || ch.port.is_some_and(|p| p != m.port);
        if let Some(v) = ch.host {
            m.host = Some(v).filter(|h| !h.is_empty());
        }
        if let Some(v) = ch.port {
            m.port = v;
        }
        if let Some(v) = ch.user {
            m.user = v;
        }
        if let Some(v) = ch.password {
            m.password = v;
        }
        if let Some(v) = ch.connect_retry {
            m.connect_retry = std::time::Duration::from_secs(v.max(1));
        }
        if let Some(v) = ch.heartbeat_period {
            // mysqld's range for MASTER_HEARTBEAT_PERIOD.
            if !(0.0..=4_294_967.0).contains(&v) {
                return Err(SqlError::new(
                    1703,
                    "The requested value for the heartbeat period is either negative or exceeds the maximum allowed (4294967 seconds)."
                        .into(),
                ));
            }
            m.heartbeat_period = Some(std::time::Duration::from_secs_f64(v));
        }
        if let Some(v) = ch.ssl {
            m.ssl.enabled = v;
        }
        if let Some(v) = ch.auto_position {
            m.auto_position = v;
        }
        let coordinates = ch.log_file.is_some()
            || ch.log_pos.is_some()
            || ch.relay_log_file.is_some()
            || ch.relay_log_pos.is_some();
        if m.auto_position && coordinates {
            // mysqld's ER_BAD_SLAVE_AUTO_POSITION (also when it was set before).
            return Err(SqlError::new(
                1776,
                "Parameters MASTER_LOG_FILE, MASTER_LOG_POS, RELAY_LOG_FILE and RELAY_LOG_POS cannot be set when MASTER_AUTO_POSITION is active.".into(),
            ));
        }
        let path = |s: String| Some(PathBuf::from(s)).filter(|p| !p.as_os_str().is_empty());
        if let Some(v) = ch.ssl_ca {
            m.ssl.ca = path(v);
        }
        if let Some(v) = ch.ssl_cert {
            m.ssl.cert = path(v);
        }
        if let Some(v) = ch.ssl_key {
            m.ssl.key = path(v);
        }
        if let Some(v) = ch.ssl_verify_server_cert {
            m.ssl.verify_server_cert = v;
        }
        let cfg = self.config(&m);
        let store = &self.store;
        let applied = store.applied().map_err(internal)?;
        if ch.relay_log_file.is_some() || ch.relay_log_pos.is_some() {
            // Keep the relay log; the applier resumes at the given relay coordinate.
            let mut pos = applied.unwrap_or(AppliedPos {
                relay: crate::relay::reader::RelayPos {
                    file: String::new(),
                    offset: 4,
                },
                master: None,
                gtid: None,
            });
            if let Some(f) = ch.relay_log_file {
                // As SHOW RELAYLOG EVENTS names them: the file name, which must be listed.
                let name = std::path::Path::new(&f)
                    .file_name()
                    .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned());
                let opts = RelayOptions::from_config(&cfg);
                let index =
                    crate::relay::RelayIndex::read(&opts.dir, &opts.base).map_err(internal)?;
                if !index
                    .files()
                    .iter()
                    .any(|x| x.trim_start_matches("./") == name)
                {
                    return Err(SqlError::new(
                        1380,
                        "Failed initializing relay log position: Could not find target log during relay log initialization".into(),
                    ));
                }
                pos.relay.file = name;
            }
            if let Some(p) = ch.relay_log_pos {
                pos.relay.offset = p.max(4);
            }
            store.reset_applied(Some(&pos)).map_err(internal)?;
        } else {
            // The coordinate the receiver starts from once the relay log is gone.
            let start = if ch.log_file.is_some() || ch.log_pos.is_some() {
                // A position alone applies to the file the replica is at (mysqld: the IO
                // thread's current file), not to a file named long ago.
                let file = ch
                    .log_file
                    .clone()
                    .or_else(|| applied.as_ref().and_then(|a| a.master.as_ref()).map(|p| p.file.clone()))
                    .or_else(|| m.log_file.clone())
                    .ok_or_else(|| {
                        SqlError::new(
                            1064,
                            "MASTER_LOG_POS needs MASTER_LOG_FILE on a replica that has no master position yet".into(),
                        )
                    })?;
                Some(BinlogPos {
                    file,
                    offset: ch.log_pos.unwrap_or(4).max(4),
                })
            } else if new_master {
                None
            } else {
                applied.as_ref().and_then(|a| a.master.clone()).or_else(|| {
                    m.log_file.clone().map(|file| BinlogPos {
                        file,
                        offset: m.log_pos.unwrap_or(4),
                    })
                })
            };
            m.log_file = start
                .as_ref()
                .map(|p| p.file.clone())
                .filter(|f| !f.is_empty());
            m.log_pos = start.as_ref().map(|p| p.offset);
            let removed = self.reset_relay_log(&cfg)?;
            if !removed.is_empty() {
                tracing::info!(
                    files = removed.len(),
                    "CHANGE MASTER TO deleted the relay log"
                );
            }
            let pos = AppliedPos {
                relay: crate::relay::reader::RelayPos {
                    file: String::new(),
                    offset: 4,
                },
                master: start.clone(),
                gtid: applied.and_then(|a| a.gtid),
            };
            store.reset_applied(Some(&pos)).map_err(internal)?;
            reset_status_files(
                &cfg,
                (&self.io_report, &self.sql_report),
                start.as_ref(),
                false,
            );
        }
        save_settings(&cfg.datadir, &m)?;
        st.master = m;
        Ok(())
    }

    /// RESET SLAVE [ALL]: deletes the relay log and forgets the positions; ALL also forgets
    /// the connection settings.
    pub async fn reset(&self, all: bool) -> Result<(), SqlError> {
        let mut st = self.state.lock().await;
        reap(&mut st);
        if st.io.is_some() || st.sql.is_some() {
            return Err(must_stop());
        }
        let kept = if all {
            MasterConfig {
                host: None,
                ..self.base.master.clone()
            }
        } else {
            st.master.clone()
        };
        let m = MasterConfig {
            log_file: None,
            log_pos: None,
            ..kept
        };
        let cfg = self.config(&m);
        self.reset_relay_log(&cfg)?;
        self.store.reset_applied(None).map_err(internal)?;
        reset_status_files(&cfg, (&self.io_report, &self.sql_report), None, all);
        save_settings(&cfg.datadir, &m)?;
        st.master = m;
        Ok(())
    }

    /// SET GLOBAL sql_slave_skip_counter = n (refused while the applier runs, as MariaDB).
    pub async fn set_skip_counter(&self, n: u64) -> Result<(), SqlError> {
        let mut st = self.state.lock().await;
        reap(&mut st);
        if st.sql.is_some() {
            return Err(must_stop());
        }
        st.skip_counter = n;
        Ok(())
    }

    /// Events on `mysql` schema tables the applier passed over since it started.
    pub fn system_ignored(&self) -> u64 {
        self.sql_report.get().system_ignored
    }

    /// The pending sql_slave_skip_counter.
    pub async fn skip_counter(&self) -> u64 {
        self.state.lock().await.skip_counter
    }

    /// SHOW SLAVE STATUS: `None` when no master was ever configured (mysqld's empty set);
    /// otherwise its fields in MariaDB's order.
    pub async fn slave_status(&self) -> Option<slave_status::StatusRow> {
        let mut st = self.state.lock().await;
        reap(&mut st);
        let m = &st.master;
        let host = m.host.clone()?;
        let mut io = self.io_report.get();
        io.master_host = host;
        io.master_user = m.user.clone();
        io.master_port = m.port;
        io.connect_retry = m.connect_retry.as_secs();
        if io.master_log_file.is_empty() {
            io.master_log_file = m.log_file.clone().unwrap_or_default();
            io.read_master_log_pos = m.log_pos.unwrap_or(4);
        }
        let mut sql = self.sql_report.get();
        if st.sql.is_none() {
            sql.skip_counter = st.skip_counter;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Some(slave_status_fields(
            Some(&io),
            Some(&sql),
            st.io.is_some(),
            st.sql.is_some(),
            now,
            Some(&m.ssl),
        ))
    }

    /// Whether each thread runs (Slave_IO_Running / Slave_SQL_Running not `No`).
    pub async fn running(&self) -> Threads {
        let mut st = self.state.lock().await;
        reap(&mut st);
        Threads {
            io: st.io.is_some(),
            sql: st.sql.is_some(),
        }
    }
}

/// Forgets threads that stopped by themselves (a fatal master error, an apply error).
fn reap(st: &mut State) {
    if st.io.as_ref().is_some_and(|t| t.task.is_finished()) {
        st.io = None;
    }
    if st.sql.as_ref().is_some_and(|t| t.thread.is_finished()) {
        if let Some(t) = st.sql.take() {
            let _ = t.thread.join();
        }
    }
}

/// relay_log_recovery=1 at start-up, as mysqld: the relay log is discarded and the
/// receiver fetches again from the master coordinate the applier executed (nothing when
/// nothing was applied yet). Returns that coordinate.
fn recover_relay_log(
    cfg: &Config,
    store: &Store,
    master: &mut MasterConfig,
) -> Result<Option<BinlogPos>, SqlError> {
    let Some(applied) = store.applied().map_err(internal)? else {
        return Ok(None);
    };
    let Some(start) = applied.master.clone() else {
        return Ok(None);
    };
    let removed = crate::relay::reset(&RelayOptions::from_config(cfg)).map_err(internal)?;
    master.log_file = Some(start.file.clone());
    master.log_pos = Some(start.offset);
    store
        .reset_applied(Some(&AppliedPos {
            relay: crate::relay::reader::RelayPos {
                file: String::new(),
                offset: 4,
            },
            master: Some(start.clone()),
            gtid: applied.gtid,
        }))
        .map_err(internal)?;
    save_settings(&cfg.datadir, master)?;
    tracing::warn!(
        files = removed.len(),
        from = %format!("{}:{}", start.file, start.offset),
        "relay_log_recovery: discarded the relay log; fetching again from the applied master position"
    );
    Ok(Some(start))
}

fn save_settings(datadir: &std::path::Path, m: &MasterConfig) -> Result<(), SqlError> {
    let path = datadir.join(SETTINGS_FILE);
    let tmp = path.with_extension("tmp");
    let bytes = serde_json::to_vec_pretty(m).map_err(internal)?;
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| internal(format!("cannot save {}: {e}", path.display())))
}

/// The threads' reports (and their files) after the positions moved: the receiver reads
/// from `start`, the applier has applied up to it; errors are cleared (mysqld's CHANGE
/// MASTER / RESET SLAVE do).
fn reset_status_files(
    cfg: &Config,
    reports: (&Report<ReceiverStatus>, &Report<ApplierStatus>),
    start: Option<&BinlogPos>,
    all: bool,
) {
    let datadir = &cfg.datadir;
    let mut io = reports.0.get();
    io.master_log_file = start.map(|p| p.file.clone()).unwrap_or_default();
    io.read_master_log_pos = start.map_or(4, |p| p.offset);
    io.relay_log_file = String::new();
    io.relay_log_space = 0;
    io.last_io_errno = 0;
    io.last_io_error.clear();
    io.last_io_error_timestamp.clear();
    if all {
        io.master_host.clear();
    }
    reports.0.set(&io);
    if let Err(e) = io.store(datadir) {
        tracing::warn!(error = %e, "cannot write receiver status");
    }
    let mut sql = reports.1.get();
    sql.relay_log_file = String::new();
    sql.relay_log_pos = 4;
    sql.relay_master_log_file = start.map(|p| p.file.clone()).unwrap_or_default();
    sql.exec_master_log_pos = start.map_or(0, |p| p.offset);
    sql.last_sql_errno = 0;
    sql.last_sql_error.clear();
    sql.last_sql_error_timestamp.clear();
    reports.1.set(&sql);
    if let Err(e) = sql.store(datadir) {
        tracing::warn!(error = %e, "cannot write applier status");
    }
}
