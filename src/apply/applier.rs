//! The applier loop (mysqld's SQL thread): takes complete event groups from the relay log
//! and applies each as one store transaction that also records the applied position.
//!
//! Exactly once: the position moves only inside the WriteBatch of the transaction it
//! names; after a crash the applier resumes from the stored position. Commits are not
//! fsynced one by one: [`Store::sync`] runs when the applier catches up or every
//! `SYNC_EVERY`, so many transactions share one fsync (group commit). A crash of the
//! process loses nothing (RocksDB's WAL is in the page cache); an OS crash may lose the
//! last unsynced transactions *together with their position*, and they are applied again.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::filter::Filters;
use super::group::{apply_group, GroupCtx, GroupError};
use super::rows::{ConflictPolicy, RowApplier, RowError, Skipped};
use super::statement::{classify, StatementKind};
use super::status::ApplierStatus;
use crate::binlog::event::EventType;
use crate::binlog::events::Query;
use crate::binlog::gtid_set::GtidSet;
use crate::binlog::BinlogPos;
use crate::logbin::{BinlogMark, LogBin};
use crate::relay::reader::{EventGroup, GroupReader, RelayPos};
use crate::relay::RelayIndex;
use crate::report::{Report, Running};
use crate::shutdown::Shutdown;
use crate::sqlerror::SqlError;
use crate::store::catalog::Catalog;
use crate::store::{AppliedPos, Store, StoreError, Txn};

/// How often committed transactions are made durable while the applier is busy.
const SYNC_EVERY: Duration = Duration::from_millis(200);
/// How often the status file is rewritten while applying.
const STATUS_EVERY: Duration = Duration::from_millis(100);
/// Pause before trying again to open a relay log that is not there yet.
const IDLE_POLL: Duration = Duration::from_millis(5);
/// How long an idle applier waits for the relay writer's signal before looking at the
/// relay files anyway (a relay log written by another process gives none).
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// What the applier needs to know.
#[derive(Clone, Debug)]
pub struct ApplierOptions {
    /// Datadir (store, status file).
    pub datadir: PathBuf,
    /// Relay log directory.
    pub relay_dir: PathBuf,
    /// Relay log basename.
    pub relay_base: String,
    /// Our server_id: groups carrying it are our own changes coming back (skipped).
    pub server_id: u32,
    /// Conflict handling.
    pub policy: ConflictPolicy,
    /// replicate-* filters.
    pub filters: Filters,
    /// sql_slave_skip_counter: event groups to skip before applying.
    pub skip_counter: u64,
    /// relay_log_purge: where to publish the relay file being applied, once every file
    /// before it is applied durably (the relay log then deletes them).
    pub purge_mark: Option<crate::relay::PurgeMark>,
    /// Bytes to keep free on the store's filesystem: below it, commits wait.
    pub disk_space_reserve: u64,
    /// The binlog of what is applied (`log-bin` with `log_slave_updates`).
    pub logbin: Option<LogBinHandle>,
    /// `binlog-do-db`.
    pub binlog_do_db: Vec<String>,
    /// `binlog-ignore-db`.
    pub binlog_ignore_db: Vec<String>,
}

/// The binlog writer, shared by the appliers that come and go and the endpoint's
/// FLUSH / PURGE BINARY LOGS and RESET MASTER.
pub type LogBinHandle = Arc<std::sync::Mutex<LogBin>>;

impl ApplierOptions {
    /// The binlog takes changes of database `db` (statements by their default database,
    /// rows by their table's): `binlog-do-db` / `binlog-ignore-db`, as mysqld applies them.
    pub(super) fn binlog_db_ok(&self, db: &str) -> bool {
        if self.logbin.is_none() {
            return true;
        }
        if !self.binlog_do_db.is_empty() {
            return self.binlog_do_db.iter().any(|d| d == db);
        }
        !self.binlog_ignore_db.iter().any(|d| d == db)
    }
}

/// Store key of the binlog's committed end ([`BinlogMark`]).
const BINLOG_MARK_KEY: &[u8] = b"Mbinlog";

/// The binlog's end the store last committed.
pub fn load_binlog_mark(store: &Store) -> Result<Option<BinlogMark>, StoreError> {
    match store.get(BINLOG_MARK_KEY)? {
        None => Ok(None),
        Some(v) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| store.corrupt("binlog mark", e)),
    }
}

/// Commits `mark` as the binlog's end (a new binlog, RESET MASTER), synchronously.
pub fn commit_binlog_mark(store: &Store, mark: &BinlogMark) -> Result<(), StoreError> {
    let mut txn = store.txn();
    put_mark(&mut txn, mark);
    txn.commit_without_position(store)
}

fn put_mark(txn: &mut Txn, mark: &BinlogMark) {
    // Serializing plain strings and numbers cannot fail.
    if let Ok(v) = serde_json::to_vec(mark) {
        txn.put(BINLOG_MARK_KEY, &v);
    }
}

/// Locks the binlog writer (a panic elsewhere leaves it usable: its state is files).
fn lock(lb: &LogBinHandle) -> std::sync::MutexGuard<'_, LogBin> {
    lb.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why the applier stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplierError {
    /// An apply error (Last_SQL_Errno / Last_SQL_Error).
    #[error("Error {code}: {message}")]
    Sql {
        /// mysqld's code.
        code: u16,
        /// Full Last_SQL_Error text.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The relay log could not be read.
    #[error(transparent)]
    Relay(#[from] crate::relay::RelayError),
}

/// The applier.
pub struct Applier {
    /// Options.
    opts: ApplierOptions,
    /// The store (shared with the daemon's other readers).
    store: Arc<Store>,
    /// The catalog as committed.
    catalog: Catalog,
    /// Prepared tables by store id.
    tables: super::group::Prepared,
    /// Row operations.
    rows: RowApplier,
    /// Where the next group starts; opened once the relay log has its first file.
    reader: Option<GroupReader>,
    /// Where the reader starts.
    start: (RelayPos, Option<BinlogPos>),
    /// Where the last applied group ended (none before the first).
    applied: Option<AppliedPos>,
    /// Reported state.
    status: ApplierStatus,
    /// The reported state as the daemon holds it (SHOW SLAVE STATUS reads it).
    report: Report<ApplierStatus>,
    /// Set to stop.
    stop: Shutdown,
    /// Committed transactions not yet fsynced.
    dirty: bool,
    /// Last fsync of the store.
    last_sync: Instant,
    /// Last status file write.
    last_status: Instant,
    /// Since when the relay log has had nothing to apply (`None` while applying).
    idle_since: Option<Instant>,
    /// Since when groups have been applied without a pause (`None` while idle).
    busy_since: Option<Instant>,
    /// After a batch was rolled back: apply one group per transaction up to this relay
    /// position (the group that failed), so its error is reported as its own.
    single_until: Option<RelayPos>,
    /// Free space on the store's filesystem.
    space: crate::relay::space::SpaceGuard,
    /// The MySQL GTIDs applied (a MySQL flavor master's gtid_executed, as committed plus
    /// the pending batch's): the applied position's GTID text.
    mysql_executed: GtidSet,
}

/// The MySQL GTID set an applied position records (empty for MariaDB's GTIDs). (A store
/// written before sets were kept recorded the last MySQL GTID only: the set is then that
/// one GTID, and a dump by GTID would ask for the earlier ones again: they stop on their
/// duplicate keys, except in tables without a primary key or under slave_skip_errors.)
fn mysql_executed(p: Option<&AppliedPos>) -> GtidSet {
    p.and_then(|p| p.gtid.as_deref())
        .and_then(|t| GtidSet::parse(t).ok())
        .unwrap_or_default()
}

impl Applier {
    /// Opens the store and positions the reader just past the last applied group.
    pub fn open(opts: ApplierOptions, stop: Shutdown) -> Result<Applier, ApplierError> {
        let store = Arc::new(Store::open(&opts.datadir)?);
        Self::open_with(opts, store, stop, Report::default())
    }

    /// Like [`Applier::open`] on a store the caller has opened (the daemon keeps one for
    /// its lifetime: the endpoint reads it while appliers come and go).
    pub fn open_with(
        opts: ApplierOptions,
        store: Arc<Store>,
        stop: Shutdown,
        report: Report<ApplierStatus>,
    ) -> Result<Applier, ApplierError> {
        let catalog = store.load_catalog()?;
        let applied = store.applied()?;
        let executed = mysql_executed(applied.as_ref());
        let start = match &applied {
            Some(p) => (p.relay.clone(), p.master.clone()),
            None => (
                RelayPos {
                    file: String::new(),
                    offset: 4,
                },
                None,
            ),
        };
        let mut status = ApplierStatus {
            slave_sql_running: Running::Yes,
            pid: std::process::id(),
            skip_counter: opts.skip_counter,
            filters: opts.filters.status_fields(),
            ..Default::default()
        };
        if let Some(p) = &applied {
            set_position(&mut status, p);
        }
        // SHOW SLAVE STATUS right after START SLAVE shows the new thread, as in mysqld.
        report.set(&status);
        let _ = status.store(&opts.datadir);
        let space = crate::relay::space::SpaceGuard::new(
            &opts.datadir.join("store"),
            opts.disk_space_reserve,
        );
        if let Some(lb) = &opts.logbin {
            // A previous applier of this daemon may have stopped between writing a batch
            // and committing it: the binlog goes back to what the store holds.
            lock(lb).rollback()?;
        }
        Ok(Applier {
            space,
            report,
            opts,
            store,
            catalog,
            tables: Default::default(),
            rows: RowApplier::default(),
            reader: None,
            start,
            applied,
            status,
            stop,
            dirty: false,
            last_sync: Instant::now(),
            last_status: Instant::now() - STATUS_EVERY,
            idle_since: None,
            busy_since: None,
            single_until: None,
            mysql_executed: executed,
        })
    }

    /// Applies groups until stopped or an error that is not skipped; then records the
    /// error in the status file and returns it.
    pub fn run(mut self) -> Result<(), ApplierError> {
        self.status.state = "Waiting for the next event in relay log".into();
        self.report_status();
        let r = self
            .ensure_system_tables()
            .and_then(|()| self.rebuild_outdated_keys())
            .and_then(|()| self.count_auto_increment())
            .and_then(|()| self.run_inner());
        if let Err(ApplierError::Sql { code, message }) = &r {
            tracing::error!(code, %message, "applier stopped");
            self.status.last_sql_errno = *code as u32;
            self.status.last_sql_error = message.clone();
            self.status.last_sql_error_timestamp = crate::calendar::timestamp_now();
        } else if let Err(e) = &r {
            tracing::error!(error = %e, "applier stopped");
            self.status.last_sql_errno = 1594;
            self.status.last_sql_error = e.to_string();
            self.status.last_sql_error_timestamp = crate::calendar::timestamp_now();
        }
        if let Some(lb) = &self.opts.logbin {
            // Whatever this applier wrote and did not commit goes; the binlog is durable
            // before the store is.
            let mut g = lock(lb);
            let _ = g.rollback();
            let _ = g.sync();
        }
        let _ = self.store.sync();
        self.status.slave_sql_running = Running::No;
        self.status.state = String::new();
        self.report_status();
        r
    }

    /// Creates the mysql tables that hold accounts and grants when the store lacks them
    /// (`apply::accounts`), in one transaction of their own.
    fn ensure_system_tables(&mut self) -> Result<(), ApplierError> {
        let mut cat = self.catalog.clone();
        let mut txn = self.store.txn();
        let created =
            super::accounts::ensure_system_tables(&mut cat, &self.store, &mut txn, &mut self.rows)
                .map_err(|error| {
                    let at = self.applied.as_ref().and_then(|a| a.master.as_ref());
                    let context = "creating the mysql account tables".to_string();
                    group_error(GroupError { error, context }, at)
                })?;
        if !created {
            return Ok(());
        }
        match &self.applied {
            Some(at) => txn.commit(&self.store, at, false)?,
            None => txn.commit_without_position(&self.store)?,
        }
        self.catalog = cat;
        self.tables.clear();
        self.rows.reset();
        Ok(())
    }

    /// Rewrites the tables whose keys an older replicant wrote with other weights
    /// (`TableDef::keys_outdated`), one transaction each, before anything is applied to
    /// them. A crash in between leaves each table old or new, never mixed: the rest are
    /// rebuilt at the next start.
    fn rebuild_outdated_keys(&mut self) -> Result<(), ApplierError> {
        let outdated: Vec<(String, String)> = self
            .catalog
            .tables
            .iter()
            .filter(|(_, t)| t.keys_outdated())
            .map(|(n, _)| n.clone())
            .collect();
        for name in outdated {
            tracing::info!(table = %format!("{}.{}", name.0, name.1),
                "rebuilding the table's keys in today's format (latin1 weights)");
            let mut cat = self.catalog.clone();
            let mut txn = self.store.txn();
            let context = format!("rebuilding the keys of {}.{}", name.0, name.1);
            super::schema::rebuild_keys(&mut cat, &self.store, &mut txn, &mut self.rows, name)
                .map_err(|error| {
                    let at = self.applied.as_ref().and_then(|a| a.master.as_ref());
                    group_error(GroupError { error, context }, at)
                })?;
            match &self.applied {
                Some(at) => txn.commit(&self.store, at, false)?,
                // After RESET SLAVE the tables stay while no position is kept.
                None => txn.commit_without_position(&self.store)?,
            }
            self.catalog = cat;
            self.tables.clear();
            self.rows.reset();
        }
        Ok(())
    }

    /// Stores the AUTO_INCREMENT counter of each table that has rows and no counter (a
    /// store an older replicant wrote, which kept none): the largest value + 1, as InnoDB
    /// counts it when it first opens such a table.
    fn count_auto_increment(&mut self) -> Result<(), ApplierError> {
        let mut txn = self.store.txn();
        let mut counted = false;
        for t in self.catalog.tables.values() {
            if !t.columns.iter().any(|c| c.auto_increment)
                || txn.auto_increment(&self.store, t.id)?.is_some()
            {
                continue;
            }
            let next = super::schema::after_largest(&self.store, t).map_err(|error| {
                let at = self.applied.as_ref().and_then(|a| a.master.as_ref());
                let context = format!("counting AUTO_INCREMENT of {}.{}", t.db, t.name);
                group_error(GroupError { error, context }, at)
            })?;
            if next > 1 {
                txn.set_auto_increment(t.id, Some(next));
                counted = true;
            }
        }
        if !counted {
            return Ok(());
        }
        match &self.applied {
            Some(at) => txn.commit(&self.store, at, false)?,
            None => txn.commit_without_position(&self.store)?,
        }
        Ok(())
    }

    /// Reports the status now: to the daemon (in memory) and to the file `replicant status`
    /// reads.
    fn report_status(&self) {
        self.report.set(&self.status);
        let _ = self.status.store(&self.opts.datadir);
    }

    fn run_inner(&mut self) -> Result<(), ApplierError> {
        let mut batch: Option<Batch> = None;
        while !self.stop.is_requested() {
            if self.reader.is_none() && !self.open_reader()? {
                std::thread::sleep(IDLE_POLL * 10);
                continue;
            }
            let Some(mut reader) = self.reader.take() else {
                continue;
            };
            // The group borrows the reader; the reader is put back unless the step asks
            // for a fresh one.
            if self.step(&mut reader, &mut batch)? {
                self.reader = Some(reader);
            }
        }
        self.commit_batch(&mut batch)
    }

    /// Applies the next group, if one is ready. Returns false when the reader must be
    /// reopened at the committed position (a batch was rolled back).
    fn step(
        &mut self,
        reader: &mut GroupReader,
        batch: &mut Option<Batch>,
    ) -> Result<bool, ApplierError> {
        {
            // Taken before looking, so that bytes written meanwhile end the idle wait.
            let written = crate::relay::written::count();
            let group = reader.next_group()?;
            let Some(group) = group else {
                // Nothing more ready: commit what is pending, make it durable, report.
                self.commit_batch(batch)?;
                if self.dirty {
                    if let Some(lb) = &self.opts.logbin {
                        lock(lb).sync()?;
                    }
                    self.store.sync()?;
                    self.dirty = false;
                    self.last_sync = Instant::now();
                }
                if !self.status.caught_up || self.last_status.elapsed() >= STATUS_EVERY * 10 {
                    self.status.caught_up = true;
                    self.status.state =
                        "Slave has read all relay log; waiting for more updates".into();
                    self.report_status();
                    self.last_status = Instant::now();
                }
                self.busy_since = None;
                let idle = *self.idle_since.get_or_insert_with(Instant::now);
                if idle.elapsed() >= MODE_AFTER {
                    self.tune_compaction(false);
                }
                // Woken or timed out alike, the next step looks at the relay log again.
                let _ = crate::relay::written::wait_past(written, IDLE_WAIT);
                return Ok(true);
            };
            self.status.caught_up = false;
            self.idle_since = None;
            let busy = *self.busy_since.get_or_insert_with(Instant::now);
            if busy.elapsed() >= MODE_AFTER {
                self.tune_compaction(true);
            }
            let pos = AppliedPos {
                relay: group.relay_end.clone(),
                master: group.master_end.clone(),
                gtid: None,
            };
            if self.status.skip_counter > 0 {
                // sql_slave_skip_counter: the group is passed over, its position recorded.
                drop(group);
                self.commit_batch(batch)?;
                self.status.skip_counter -= 1;
                tracing::info!(at = ?pos.master, left = self.status.skip_counter, "skipped an event group (sql_slave_skip_counter)");
                let gtid = self.applied.as_ref().and_then(|a| a.gtid.clone());
                *batch = Some(Batch::new(self.store.txn(), AppliedPos { gtid, ..pos }));
                self.commit_batch(batch)?;
                return Ok(true);
            }
            let has_ddl = group_has_ddl(&group);
            if has_ddl {
                // DDL changes the catalog: it commits alone, after what is pending.
                self.commit_batch(batch)?;
            }
            if self
                .single_until
                .as_ref()
                // Relay names grow in width past .999999: compare by length first.
                .is_some_and(|u| {
                    (pos.relay.file.len(), &pos.relay.file, pos.relay.offset)
                        > (u.file.len(), &u.file, u.offset)
                })
            {
                self.single_until = None;
            }
            let single = has_ddl || self.single_until.is_some();
            let b = batch.get_or_insert_with(|| Batch::new(self.store.txn(), pos.clone()));
            let mut catalog = has_ddl.then(|| self.catalog.clone());
            let mut ctx = GroupCtx::default();
            let outcome = apply_group(
                &group,
                &self.opts,
                &self.store,
                &mut b.txn,
                &mut catalog,
                &self.catalog,
                &mut self.tables,
                &mut self.rows,
                &mut ctx,
            );
            if outcome.is_ok() && !ctx.own {
                if let Some(lb) = &self.opts.logbin {
                    if worth_logging(&group, &ctx.unlogged) {
                        lock(lb).append_group(
                            group.fde,
                            group.events(),
                            &ctx.unlogged,
                            &ctx.cut_rows,
                        )?;
                    }
                }
            }
            drop(group);
            if let Err(err) = outcome {
                self.rows.reset();
                if let Some(lb) = &self.opts.logbin {
                    lock(lb).rollback()?;
                }
                if b.groups > 0 {
                    // The batch holds earlier transactions: roll it all back and apply the
                    // groups one by one up to this one, so its error is its own.
                    *batch = None;
                    self.mysql_executed = mysql_executed(self.applied.as_ref());
                    self.single_until = Some(pos.relay.clone());
                    if let Some(a) = &self.applied {
                        self.start = (a.relay.clone(), a.master.clone());
                    }
                    return Ok(false);
                }
                return Err(group_error(err, pos.master.as_ref()));
            }
            b.groups += 1;
            b.last = AppliedPos {
                gtid: ctx.gtid.clone().or_else(|| b.last.gtid.clone()),
                ..pos
            };
            if b.groups == 1 && b.last.gtid.is_none() {
                b.last.gtid = self.applied.as_ref().and_then(|a| a.gtid.clone());
            }
            if let Some((sid, gno)) = ctx.mysql_gtid {
                self.mysql_executed.add(sid, gno);
                b.mysql_gtids = true;
            }
            if ctx.timestamp != 0 {
                b.timestamp = ctx.timestamp;
            }
            b.skipped.append(&mut ctx.skipped);
            self.status.system_ignored += ctx.system_ignored;
            if let Some(c) = catalog {
                self.commit_batch(batch)?;
                self.catalog = c;
                self.tables.clear();
            } else if single || b.groups >= MAX_BATCH {
                self.commit_batch(batch)?;
            }
            Ok(true)
        }
    }

    /// The store's filesystem is below the reserve: waits (the state shows it) until space
    /// is freed, or the applier is stopped (false).
    fn wait_for_space(&mut self) -> bool {
        let before = std::mem::replace(&mut self.status.state, crate::relay::space::WAITING.into());
        self.report_status();
        let stop = self.stop.clone();
        let freed = loop {
            let short = self.space.wait_once("store", |d| {
                let until = Instant::now() + d;
                while Instant::now() < until && !stop.is_requested() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            });
            if !short {
                break true;
            }
            if stop.is_requested() {
                break false;
            }
        };
        self.status.state = before;
        self.report_status();
        freed
    }

    /// Switches the store's compaction between catching up and serving reads; a failure
    /// only costs speed, so it is logged, not raised.
    fn tune_compaction(&self, catching_up: bool) {
        if let Err(e) = self.store.set_catching_up(catching_up) {
            tracing::warn!(error = %e, catching_up, "cannot tune the store's compaction");
        }
    }

    /// Commits the pending batch (one WriteBatch, one applied position for all its
    /// transactions) and does the bookkeeping that follows a commit.
    fn commit_batch(&mut self, batch: &mut Option<Batch>) -> Result<(), ApplierError> {
        let Some(b) = batch.take() else {
            return Ok(());
        };
        if self.space.low_now() && !self.wait_for_space() {
            // Stopped while waiting: nothing of the batch was written; the next start
            // applies it again from the relay log.
            if let Some(lb) = &self.opts.logbin {
                lock(lb).rollback()?;
            }
            return Ok(());
        }
        let mut b = b;
        // The binlog's end after the batch goes into the batch's own WriteBatch. The
        // writer stays locked until the store has the batch, so FLUSH BINARY LOGS never
        // rotates between the two.
        let mut logbin = self.opts.logbin.as_ref().map(lock);
        let mark = match &mut logbin {
            Some(g) => {
                let m = g.commit_mark()?;
                put_mark(&mut b.txn, &m);
                Some(m)
            }
            None => None,
        };
        if b.mysql_gtids {
            b.last.gtid = Some(self.mysql_executed.to_string());
        }
        b.txn.commit(&self.store, &b.last, false)?;
        if let (Some(mut g), Some(m)) = (logbin, mark) {
            g.committed(m.clone());
            let publish = g.publication(m);
            drop(g);
            // Downstream readers see the batch once the store's WAL holds it.
            self.store.wal_async(false, Some(Box::new(publish)))?;
        }
        self.dirty = true;
        for s in &b.skipped {
            tracing::warn!(code = s.error.code, error = %s.error.message, at = ?b.last.master, "skipped under slave_skip_errors / slave_exec_mode");
        }
        self.status.skipped += b.skipped.len() as u64;
        self.status.transactions += b.groups as u64;
        if b.timestamp != 0 {
            self.status.last_master_timestamp = b.timestamp;
        }
        let new_file = self
            .applied
            .as_ref()
            .is_none_or(|a| a.relay.file != b.last.relay.file);
        set_position(&mut self.status, &b.last);
        self.applied = Some(b.last);
        if new_file && self.publish_purge_mark()? {
            self.dirty = false;
        }
        if self.last_sync.elapsed() >= SYNC_EVERY {
            // Group commit without stopping: the writer thread fsyncs behind the batches
            // (the binlog first: the store is never durably ahead of it).
            if let Some(lb) = &self.opts.logbin {
                lock(lb).sync()?;
            }
            self.store.wal_async(true, None)?;
            self.dirty = false;
            self.last_sync = Instant::now();
        }
        if self.last_status.elapsed() >= STATUS_EVERY {
            // Readers of the store (table-dump) must see what the status reports: the
            // writer thread writes the status file once the WAL holds that position.
            self.status.state = "Executing".into();
            let status = self.status.clone();
            let dir = self.opts.datadir.clone();
            let report = self.report.clone();
            self.store.wal_async(
                false,
                Some(Box::new(move || {
                    report.set(&status);
                    let _ = status.store(&dir);
                })),
            )?;
            self.last_status = Instant::now();
        }
        Ok(())
    }
}

/// How long the applier must have been busy (or idle) without a pause before the store
/// switches to catch-up (or read) compaction ([`Store::set_catching_up`]).
const MODE_AFTER: Duration = Duration::from_secs(1);

/// Transactions applied into one WriteBatch at most.
const MAX_BATCH: usize = 256;

/// Transactions applied but not yet committed: they share one WriteBatch and one position.
struct Batch {
    /// The changes.
    txn: Txn,
    /// Groups in it.
    groups: usize,
    /// Position after the last of them.
    last: AppliedPos,
    /// Rows and statements skipped in them.
    skipped: Vec<Skipped>,
    /// Master timestamp of the last group.
    timestamp: u32,
    /// A group carried a MySQL GTID: the position's GTID text is the executed set, written
    /// out at commit (once per batch, not per transaction).
    mysql_gtids: bool,
}

impl Batch {
    fn new(txn: Txn, last: AppliedPos) -> Batch {
        Batch {
            txn,
            groups: 0,
            last,
            skipped: Vec::new(),
            timestamp: 0,
            mysql_gtids: false,
        }
    }
}

/// A group whose events are all logged, or that keeps something besides its frame (GTID,
/// BEGIN / COMMIT, XID, table maps, the values a statement reads) once the events at
/// positions `unlogged` are left out: a transaction the filters emptied is not logged.
fn worth_logging(group: &EventGroup<'_>, unlogged: &[usize]) -> bool {
    if unlogged.is_empty() {
        return true;
    }
    group.events().enumerate().any(|(i, ev)| {
        if unlogged.contains(&i) {
            return false;
        }
        match ev.event_type() {
            Some(
                EventType::MariaGtid
                | EventType::Gtid
                | EventType::AnonymousGtid
                | EventType::Xid
                | EventType::TableMap
                | EventType::AnnotateRows
                | EventType::Intvar
                | EventType::Rand
                | EventType::UserVar,
            ) => false,
            Some(EventType::Query) => Query::parse(ev.body(), group.fde)
                .is_ok_and(|q| !matches!(classify(q.query), StatementKind::Transaction)),
            _ => true,
        }
    })
}

/// The applier error for a group's failure.
fn group_error(err: GroupError, master: Option<&BinlogPos>) -> ApplierError {
    match err {
        GroupError {
            error: RowError::Sql(e, handler),
            context,
        } => ApplierError::Sql {
            code: e.code,
            message: last_sql_error(&e, handler, &context, master),
        },
        GroupError {
            error: RowError::Store(e),
            ..
        } => e.into(),
        GroupError {
            error: RowError::Decode(e),
            context,
        } => ApplierError::Sql {
            code: 1594,
            message: format!(
                "Relay log read failure: could not parse relay log event entry ({context}): {e}"
            ),
        },
    }
}

/// True when the group holds a DDL statement (it may change the catalog).
fn group_has_ddl(group: &EventGroup<'_>) -> bool {
    group.events().any(|e| match e.event_type() {
        Some(EventType::QueryCompressed) => true,
        Some(EventType::Query) => Query::parse(e.body(), group.fde)
            .is_ok_and(|q| matches!(classify(q.query), StatementKind::Ddl(_))),
        _ => false,
    })
}

impl Applier {
    /// relay_log_purge: the store is made durable, then the relay file of the applied
    /// position is published: every file before it may go (never before the store holds
    /// their transactions across an OS crash).
    /// Returns true when it synced the store.
    fn publish_purge_mark(&mut self) -> Result<bool, ApplierError> {
        let (Some(mark), Some(applied)) = (&self.opts.purge_mark, &self.applied) else {
            return Ok(false);
        };
        let mark = mark.clone();
        let file = applied.relay.file.clone();
        // Published by the store's writer once the fsync is done.
        self.store.wal_async(
            true,
            Some(Box::new(move || {
                if let Ok(mut m) = mark.lock() {
                    *m = Some(file);
                }
            })),
        )?;
        Ok(true)
    }

    /// Opens the relay reader once the relay log exists (the receiver creates its first
    /// file when the master's stream starts). Returns false while there is nothing yet.
    fn open_reader(&mut self) -> Result<bool, ApplierError> {
        let (mut from, master) = self.start.clone();
        if from.file.is_empty() {
            let index = RelayIndex::read(&self.opts.relay_dir, &self.opts.relay_base)?;
            match index.files().first() {
                Some(f) => {
                    from.file = std::path::Path::new(f)
                        .file_name()
                        .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned())
                }
                None => return Ok(false),
            }
        }
        if !self.opts.relay_dir.join(&from.file).exists() {
            // Not written yet is fine; gone while the relay log goes on without it means
            // the position can never be reached: say so instead of waiting forever.
            let index = RelayIndex::read(&self.opts.relay_dir, &self.opts.relay_base)?;
            let listed = index
                .files()
                .iter()
                .any(|f| f.trim_start_matches("./") == from.file);
            if !listed && !index.files().is_empty() {
                return Err(ApplierError::Sql {
                    code: 1594,
                    message: format!(
                        "Relay log read failure: the applied position names relay log {}, which is not in the relay log index (CHANGE MASTER TO or RESET SLAVE sets a new position)",
                        from.file
                    ),
                });
            }
            return Ok(false);
        }
        self.reader = Some(GroupReader::open(
            &self.opts.relay_dir,
            &self.opts.relay_base,
            from,
            master,
            self.opts.server_id,
        )?);
        Ok(true)
    }
}

fn set_position(status: &mut ApplierStatus, p: &AppliedPos) {
    status.relay_log_file = p.relay.file.clone();
    status.relay_log_pos = p.relay.offset;
    if let Some(m) = &p.master {
        status.relay_master_log_file = m.file.clone();
        status.exec_master_log_pos = m.offset;
    }
    if let Some(g) = &p.gtid {
        status.gtid_slave_pos = g.clone();
    }
}

/// Last_SQL_Error as mysqld words it.
fn last_sql_error(
    e: &SqlError,
    handler: &str,
    context: &str,
    master: Option<&BinlogPos>,
) -> String {
    let at = master.map_or(String::new(), |m| {
        format!(
            "; the event's master log {}, end_log_pos {}",
            m.file, m.offset
        )
    });
    if handler.is_empty() {
        // A statement (DDL): mysqld's "Error '...' on query."
        format!("Error '{}' on query. {context}", e.message)
    } else {
        format!(
            "Could not execute {context}; {}, Error_code: {}; handler error {handler}{at}",
            e.message, e.code
        )
    }
}
