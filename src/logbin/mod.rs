//! Replicant's own binlog (`log-bin` with `log_slave_updates`): the transactions it
//! applies, written as mysqld writes a binlog (`NAME.NNNNNN` files and `NAME.index`), so
//! `mariadb-binlog` reads them and downstream replicas replicate from them through the
//! dump server (`endpoint::dump`).
//!
//! Each file starts with the magic, a FORMAT_DESCRIPTION and a GTID_LIST (MariaDB) or
//! PREVIOUS_GTIDS (MySQL) event. A transaction's events are the master's, byte for byte,
//! with the original server_id, timestamps and GTID; only the header's `log_pos` is
//! replicant's own and the checksum is computed again (`binlog_checksum`). Events the
//! replicate-* filters kept from being applied are left out, and so is a transaction left
//! with nothing but its frame. A file ends at `max_binlog_size` on a transaction
//! boundary (a ROTATE event names the next), and when the master's format changes.
//!
//! Crash consistency (the invariant): **the binlog holds exactly the transactions the
//! store holds.** The store is the truth. The binlog's end after a batch of transactions
//! (file, offset, GTID state: [`BinlogMark`]) is written in the very WriteBatch that
//! commits the batch and its applied position, after the batch's events were written to
//! the file. At start-up the binlog is cut back to the stored mark: bytes past it (a
//! batch written but never committed, a rotation after it) are removed, later files too.
//! Before the store's WAL is fsynced, the binlog file is (`sync`), so an OS crash cannot
//! leave the store ahead of the binlog. Downstream readers see only the committed part
//! ([`Shared`]), published once the store's WAL holds it; what they read is never taken
//! back.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use crate::binlog::event::{ChecksumAlg, Event, EventType, CHECKSUM_LEN, HEADER_LEN};
use crate::binlog::events::{MariaGtid, MariaGtidTriple};
use crate::binlog::fde::FormatDescription;
use crate::binlog::gtid_set::GtidSet;
use crate::relay::{io_err, RelayError, RelayIndex};

/// The binlog magic every file starts with.
pub const MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];

/// MariaDB 10.11's post-header lengths (its FORMAT_DESCRIPTION, read from a 10.11.19
/// binlog): the description of a file started before any master event was seen.
const MARIADB_POST_HEADERS: [u8; 171] = {
    let mut l = [0u8; 171];
    let head: [u8; 41] = [
        56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 228, 0, 4, 26, 8, 0, 0, 0, 8, 8, 8, 2, 0, 0,
        0, 10, 10, 10, 0, 0, 0, 0, 0, 0, 10, 10, 10,
    ];
    let tail: [u8; 10] = [4, 19, 4, 0, 13, 8, 8, 8, 10, 10];
    let mut i = 0;
    while i < head.len() {
        l[i] = head[i];
        i += 1;
    }
    let mut j = 0;
    while j < tail.len() {
        l[160 + j] = tail[j];
        j += 1;
    }
    l[170] = 10;
    l
};

/// What the binlog writes and where.
#[derive(Clone, Debug)]
pub struct LogBinOptions {
    /// Directory of the files and the index.
    pub dir: PathBuf,
    /// File name prefix (`log-bin`'s value).
    pub base: String,
    /// `max_binlog_size`: a file ends after the transaction that reaches it.
    pub max_size: u64,
    /// Our server_id (the header of the events replicant makes: FDE, GTID_LIST, ROTATE).
    pub server_id: u32,
    /// `binlog_checksum=CRC32` (else NONE).
    pub checksum: bool,
    /// `sync_binlog` other than 0: fsync the file before the store's WAL is fsynced.
    pub sync: bool,
    /// `expire_logs_days` / `binlog_expire_logs_seconds`: files older are removed at
    /// rotation (0: never).
    pub expire_secs: u64,
}

/// The binlog's end as the store records it with each committed batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BinlogMark {
    /// File name (no directory).
    pub file: String,
    /// Offset just past the last committed event.
    pub pos: u64,
    /// The GTID state there: the last GTID of each domain (MariaDB), by domain.
    pub gtids: Vec<MariaGtidTriple>,
    /// RESET MASTER was committed: at start-up every file goes and `file` starts anew
    /// (the reset completes even if a crash came before it had removed the files).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
    /// The MySQL GTIDs logged so far (a MySQL flavor master's), as text: the next file's
    /// PREVIOUS_GTIDS. `None` in a mark an older replicant wrote (it kept none: they are
    /// counted from the files at start-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_gtids: Option<String>,
}

impl BinlogMark {
    /// `@@gtid_binlog_pos`'s text: `domain-server-seq` for each domain, comma-separated.
    pub fn gtid_text(&self) -> String {
        let parts: Vec<String> = self.gtids.iter().map(|g| g.to_string()).collect();
        parts.join(",")
    }
}

/// What the dump threads see: the committed end and the files, and how to wait for more.
#[derive(Debug, Default)]
pub struct Shared {
    state: Mutex<Published>,
    moved: Condvar,
    /// The file each running dump reads, by its connection: PURGE and expiry stop before
    /// the oldest (mysqld keeps a log a replica is reading).
    reading: Mutex<std::collections::HashMap<u32, String>>,
}

/// The committed part of the binlog.
#[derive(Clone, Debug, Default)]
pub struct Published {
    /// The committed end.
    pub mark: BinlogMark,
    /// The files, oldest first.
    pub files: Vec<String>,
    /// The directory.
    pub dir: PathBuf,
    /// Bumped by RESET MASTER: readers started before must stop.
    pub epoch: u64,
    /// The binlog is being written (false until the applier opened it).
    pub open: bool,
    /// Which commit `mark` came from: a publication older than the one shown is ignored
    /// (they run on the store's writer thread, after the WAL holds them).
    pub seq: u64,
    /// Bumped by [`Shared::wake`].
    pub wakes: u64,
}

impl Shared {
    /// The committed state now.
    pub fn get(&self) -> Published {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until the committed state differs from `seen` (end or files), at most
    /// `timeout`; the state then.
    pub fn wait_past(&self, seen: &Published, timeout: std::time::Duration) -> Published {
        let g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (g, _) = self
            .moved
            .wait_timeout_while(g, timeout, |p| {
                p.mark == seen.mark
                    && p.files == seen.files
                    && p.epoch == seen.epoch
                    && p.wakes == seen.wakes
            })
            .unwrap_or_else(|e| e.into_inner());
        g.clone()
    }

    /// Dump `conn` reads `file` now (`None`: it ended).
    pub fn reading(&self, conn: u32, file: Option<&str>) {
        let mut r = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        match file {
            Some(f) => {
                r.insert(conn, f.to_string());
            }
            None => {
                r.remove(&conn);
            }
        }
    }

    /// Wakes every reader waiting in [`Shared::wait_past`] (one of them must look at its
    /// flags: a dump replaced by another of its server_id).
    pub fn wake(&self) {
        self.set(|p| p.wakes += 1);
    }

    fn set(&self, f: impl FnOnce(&mut Published)) {
        let mut g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g);
        drop(g);
        self.moved.notify_all();
    }
}

impl std::fmt::Debug for LogBin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogBin")
            .field("file", &self.name)
            .field("pos", &self.pos)
            .finish()
    }
}

/// The binlog writer (the applier's).
pub struct LogBin {
    opts: LogBinOptions,
    index: RelayIndex,
    /// The file being written, and its name.
    file: File,
    name: String,
    /// Bytes not yet written to it.
    out: Vec<u8>,
    /// The end, `out` included.
    pos: u64,
    /// The current file's description (the master's, with our checksum).
    fde: FormatDescription,
    /// Checksums in the current file.
    crc: bool,
    /// The GTID state at `pos`.
    gtids: Vec<MariaGtidTriple>,
    /// The MySQL GTIDs logged up to `pos`.
    mysql: GtidSet,
    /// What the store holds.
    committed: BinlogMark,
    /// What readers see.
    shared: Arc<Shared>,
    /// FLUSH BINARY LOGS came while a batch was being written: the next commit rotates.
    rotate_requested: bool,
    /// Commits so far (orders publications).
    seq: u64,
}

impl LogBin {
    /// Opens the binlog at the store's mark: bytes after it are cut off and files after
    /// its file removed. Without a mark (a store that never logged) a new file is started
    /// after any listed; its mark is returned and must be committed to the store before
    /// anything is written.
    pub fn open(
        opts: LogBinOptions,
        mark: Option<BinlogMark>,
        shared: Arc<Shared>,
    ) -> Result<(LogBin, Option<BinlogMark>), RelayError> {
        std::fs::create_dir_all(&opts.dir).map_err(io_err("create", &opts.dir))?;
        let mut index = RelayIndex::open(&opts.dir, &opts.base)?;
        let mut mark = mark;
        if mark.as_ref().is_some_and(|m| m.reset) {
            // A RESET MASTER committed before it had removed every file: finish it.
            let files = index.files().to_vec();
            remove_files(&opts.dir, &files)?;
            index.keep_upto(&opts.dir, "")?;
            tracing::info!(files = ?files, "binlog: completed a RESET MASTER");
            mark = Some(BinlogMark::default());
        }
        let at = mark.as_ref().and_then(|m| {
            index
                .files()
                .iter()
                .position(|f| *f == m.file)
                .map(|i| (i, m))
        });
        let (log, fresh) = match at {
            Some((i, m)) => {
                let later: Vec<String> = index.files()[i + 1..].to_vec();
                remove_files(&opts.dir, &later)?;
                if !later.is_empty() {
                    tracing::info!(files = ?later, "binlog: removed files written after the last committed transaction");
                    index.keep_upto(&opts.dir, &m.file)?;
                }
                let path = opts.dir.join(&m.file);
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&path)
                    .map_err(io_err("open", &path))?;
                let len = file.metadata().map_err(io_err("stat", &path))?.len();
                let mut m = m.clone();
                if len < m.pos {
                    // The binlog lost what the store kept: an OS crash with sync_binlog=0
                    // (mysqld's binlog can lose its tail the same way), or a hand-cut file.
                    // Go on from the file's last whole event, saying so.
                    let (end, gtids, mysql) = scan_end(&path, len)?;
                    tracing::error!(
                        file = %m.file,
                        committed = m.pos,
                        kept = end,
                        "binlog: the file ends before the last transactions the store holds (an OS crash with sync_binlog=0?): they are not in the binlog, and downstream replicas will not get them; set sync_binlog=1 to make this impossible"
                    );
                    m.pos = end;
                    m.gtids = gtids;
                    m.mysql_gtids = Some(mysql.to_string());
                }
                if len > m.pos {
                    tracing::info!(file = %m.file, from = len, to = m.pos, "binlog: cut back to the last committed transaction");
                    file.set_len(m.pos).map_err(io_err("truncate", &path))?;
                }
                let fde = file_fde(&path)?;
                let crc = fde.checksum == ChecksumAlg::Crc32;
                let mysql = match &m.mysql_gtids {
                    Some(text) => GtidSet::parse(text).unwrap_or_default(),
                    // An older replicant's binlog kept no MySQL GTID set: count it from
                    // every file (once: the next commit records it).
                    None if !fde.mariadb => logged_mysql_gtids(&opts.dir, index.files()),
                    None => GtidSet::default(),
                };
                let log = LogBin {
                    opts,
                    index,
                    file,
                    name: m.file.clone(),
                    out: Vec::new(),
                    pos: m.pos,
                    fde,
                    crc,
                    gtids: m.gtids.clone(),
                    mysql,
                    committed: m.clone(),
                    shared,
                    rotate_requested: false,
                    seq: 0,
                };
                (log, None)
            }
            None => {
                if let Some(m) = &mark {
                    tracing::warn!(file = %m.file, "binlog: the file the store last committed to is not in the index; starting a new file");
                }
                let mysql = mark
                    .as_ref()
                    .and_then(|m| GtidSet::parse(m.mysql_gtids.as_deref()?).ok())
                    .unwrap_or_default();
                let gtids = mark.map(|m| m.gtids).unwrap_or_default();
                let name = index.next_name();
                let fde = template_fde();
                let (file, pos, crc) = start_file(&opts, &name, &fde, &gtids, &mysql)?;
                index.append(&opts.dir, &name)?;
                let m = BinlogMark {
                    file: name.clone(),
                    pos,
                    gtids: gtids.clone(),
                    reset: false,
                    mysql_gtids: Some(mysql.to_string()),
                };
                let log = LogBin {
                    opts,
                    index,
                    file,
                    name,
                    out: Vec::new(),
                    pos,
                    fde,
                    crc,
                    gtids,
                    mysql,
                    committed: m.clone(),
                    shared,
                    rotate_requested: false,
                    seq: 0,
                };
                (log, Some(m))
            }
        };
        let mut log = log;
        log.show_files();
        log.publish(log.committed.clone());
        Ok((log, fresh))
    }

    /// Appends a transaction's events (those whose positions are not in `omitted`),
    /// written under the master's description `fde`.
    pub fn append_group<'e>(
        &mut self,
        fde: &FormatDescription,
        events: impl Iterator<Item = Event<'e>>,
        omitted: &[usize],
        cut_rows: &[(usize, Vec<(usize, usize)>)],
    ) -> Result<(), RelayError> {
        if fde.server_version != self.fde.server_version
            || fde.post_header_lens != self.fde.post_header_lens
        {
            // The master's format changed (an upgrade, another master): a new file
            // described by it.
            self.rotate(Some(fde.clone()))?;
        }
        let events: Vec<Event<'e>> = events.collect();
        let left_out = with_context(&events, omitted);
        // Where the last rows event written so far starts in `out` (its statement may end
        // in a rows event left out: the flag that ends the statement moves to it).
        let mut last_rows: Option<usize> = None;
        for (i, ev) in events.iter().enumerate() {
            let rows = EventType::from_code(ev.header.type_code).is_some_and(|t| t.is_rows());
            if left_out.contains(&i) {
                if rows && rows_flags(ev).is_some_and(|f| f & STMT_END_F != 0) {
                    if let Some(at) = last_rows.take() {
                        self.end_statement_at(at);
                    }
                }
                continue;
            }
            if rows {
                last_rows = Some(self.out.len());
            }
            if ev.header.type_code == EventType::Gtid as u8 {
                if let Ok(g) = crate::binlog::events::MysqlGtid::parse(ev.body()) {
                    self.mysql.add(g.sid, g.gno as u64);
                }
            }
            if ev.header.type_code == EventType::MariaGtid as u8 {
                if let Ok(g) = MariaGtid::parse(ev.body()) {
                    set_gtid(
                        &mut self.gtids,
                        MariaGtidTriple {
                            domain_id: g.domain_id,
                            server_id: ev.header.server_id,
                            seq_no: g.seq_no,
                        },
                    );
                }
            }
            let content = &ev.bytes[..ev.bytes.len() - ev.trailer_len];
            match cut_rows.iter().find(|(at, _)| *at == i) {
                // Rows the applier skipped are not logged: the event without their bytes.
                Some((_, ranges)) => {
                    let mut kept = Vec::with_capacity(content.len());
                    let mut from = 0;
                    let mut ranges = ranges.clone();
                    ranges.sort_unstable();
                    for (start, end) in ranges {
                        let (start, end) = (start.min(content.len()), end.min(content.len()));
                        if start >= from {
                            kept.extend_from_slice(&content[from..start]);
                            from = end;
                        }
                    }
                    kept.extend_from_slice(&content[from..]);
                    self.push_event(&kept);
                }
                None => self.push_event(content),
            }
        }
        Ok(())
    }

    /// Sets STMT_END_F on the rows event written at `at` in `out` (and its checksum again).
    fn end_statement_at(&mut self, at: usize) {
        let flags_at = at + HEADER_LEN + 6;
        if let Some(b) = self.out.get_mut(flags_at..flags_at + 2) {
            let f = u16::from_le_bytes([b[0], b[1]]) | STMT_END_F;
            b.copy_from_slice(&f.to_le_bytes());
        }
        let size = u32::from_le_bytes([
            self.out[at + 9],
            self.out[at + 10],
            self.out[at + 11],
            self.out[at + 12],
        ]) as usize;
        if self.crc && at + size <= self.out.len() && size >= HEADER_LEN + CHECKSUM_LEN {
            let end = at + size - CHECKSUM_LEN;
            let c = crate::binlog::event::crc32(&self.out[at..end]);
            self.out[end..end + CHECKSUM_LEN].copy_from_slice(&c.to_le_bytes());
        }
    }

    /// Writes `content` (header and body, no checksum) with our size, end position and
    /// checksum.
    fn push_event(&mut self, content: &[u8]) {
        let start = self.out.len();
        let size = content.len() + if self.crc { CHECKSUM_LEN } else { 0 };
        let end = self.pos + size as u64;
        self.out.extend_from_slice(content);
        self.out[start + 9..start + 13].copy_from_slice(&(size as u32).to_le_bytes());
        self.out[start + 13..start + 17]
            .copy_from_slice(&(end.min(u32::MAX as u64) as u32).to_le_bytes());
        if self.crc {
            let c = crate::binlog::event::crc32(&self.out[start..]);
            self.out.extend_from_slice(&c.to_le_bytes());
        }
        self.pos = end;
    }

    /// Writes what is pending, rotates when the file reached `max_binlog_size`, and
    /// returns the mark to commit with the batch.
    pub fn commit_mark(&mut self) -> Result<BinlogMark, RelayError> {
        self.flush_out()?;
        if self.pos >= self.opts.max_size || std::mem::take(&mut self.rotate_requested) {
            self.rotate(None)?;
        }
        if self.opts.sync {
            // sync_binlog: durable before the store can be.
            let path = self.opts.dir.join(&self.name);
            self.file.sync_data().map_err(io_err("fsync", &path))?;
        }
        Ok(self.mark_now())
    }

    fn mark_now(&self) -> BinlogMark {
        BinlogMark {
            file: self.name.clone(),
            pos: self.pos,
            gtids: self.gtids.clone(),
            reset: false,
            mysql_gtids: Some(self.mysql.to_string()),
        }
    }

    /// Nothing is written past the committed mark (no batch in progress).
    pub fn idle(&self) -> bool {
        self.out.is_empty() && self.name == self.committed.file && self.pos == self.committed.pos
    }

    /// FLUSH BINARY LOGS: when [`LogBin::idle`], rotates now and returns the mark to
    /// commit (then [`LogBin::committed`] and [`LogBin::publish`]); else the batch being
    /// written ends the file when it commits.
    pub fn flush_logs(&mut self) -> Result<Option<BinlogMark>, RelayError> {
        if !self.idle() {
            self.rotate_requested = true;
            return Ok(None);
        }
        self.rotate(None)?;
        Ok(Some(self.mark_now()))
    }

    /// The files, oldest first, with their sizes (SHOW BINARY LOGS).
    pub fn files(&self) -> Vec<(String, u64)> {
        self.index
            .files()
            .iter()
            .map(|f| {
                let len = if *f == self.committed.file {
                    self.committed.pos
                } else {
                    std::fs::metadata(self.opts.dir.join(f)).map_or(0, |m| m.len())
                };
                (f.clone(), len)
            })
            .collect()
    }

    /// The files' directory.
    pub fn dir(&self) -> &Path {
        &self.opts.dir
    }

    /// The committed end (SHOW MASTER STATUS).
    pub fn committed_mark(&self) -> &BinlogMark {
        &self.committed
    }

    /// The store committed `mark` (its WAL may not hold it yet: see [`LogBin::publish`]).
    pub fn committed(&mut self, mark: BinlogMark) {
        self.committed = mark;
    }

    /// Shows `mark` to the dump threads now (it is durable: committed synchronously).
    pub fn publish(&mut self, mark: BinlogMark) {
        (self.publication(mark))()
    }

    /// [`LogBin::publish`] to run later, once the store's WAL holds `mark`. A publication
    /// that runs after a newer one changes nothing.
    pub fn publication(&mut self, mark: BinlogMark) -> impl FnOnce() + Send + 'static {
        self.seq += 1;
        let seq = self.seq;
        let shared = self.shared.clone();
        move || {
            shared.set(|p| {
                if seq > p.seq {
                    p.seq = seq;
                    p.mark = mark;
                    p.open = true;
                }
            })
        }
    }

    /// Shows the files as the index lists them now (readers never read past the mark, so
    /// a file listed before anything in it is committed is only waited on).
    fn show_files(&self) {
        let files = self.index.files().to_vec();
        let dir = self.opts.dir.clone();
        self.shared.set(|p| {
            p.files = files;
            p.dir = dir;
        });
    }

    /// The handle dump threads read through.
    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Forgets what was written since the last commit (a batch rolled back): the files go
    /// back to the committed mark.
    pub fn rollback(&mut self) -> Result<(), RelayError> {
        self.out.clear();
        let m = self.committed.clone();
        if self.name != m.file {
            // Rotated since: the newer files go.
            let i = self.index.files().iter().position(|f| *f == m.file);
            if let Some(i) = i {
                let later = self.index.files()[i + 1..].to_vec();
                remove_files(&self.opts.dir, &later)?;
                self.index.keep_upto(&self.opts.dir, &m.file)?;
                self.show_files();
            }
            let path = self.opts.dir.join(&m.file);
            self.file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(io_err("open", &path))?;
            self.fde = file_fde(&path)?;
            self.crc = self.fde.checksum == ChecksumAlg::Crc32;
            self.name = m.file.clone();
        }
        let path = self.opts.dir.join(&self.name);
        self.file
            .set_len(m.pos)
            .map_err(io_err("truncate", &path))?;
        self.pos = m.pos;
        self.gtids = m.gtids;
        self.mysql = m
            .mysql_gtids
            .as_deref()
            .and_then(|t| GtidSet::parse(t).ok())
            .unwrap_or_default();
        Ok(())
    }

    /// fsyncs the current file (before the store's WAL is fsynced), with `sync_binlog`.
    pub fn sync(&mut self) -> Result<(), RelayError> {
        if !self.opts.sync {
            return Ok(());
        }
        self.flush_out()?;
        let path = self.opts.dir.join(&self.name);
        self.file.sync_data().map_err(io_err("fsync", &path))
    }

    fn flush_out(&mut self) -> Result<(), RelayError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let path = self.opts.dir.join(&self.name);
        use std::io::Seek;
        let at = self.pos - self.out.len() as u64;
        self.file
            .seek(std::io::SeekFrom::Start(at))
            .map_err(io_err("seek", &path))?;
        self.file
            .write_all(&self.out)
            .map_err(io_err("write", &path))?;
        self.out.clear();
        Ok(())
    }

    /// Ends the current file with a ROTATE event and starts the next (described by
    /// `fde`, else as the current one). FLUSH BINARY LOGS does this too.
    pub fn rotate(&mut self, fde: Option<FormatDescription>) -> Result<(), RelayError> {
        let next = self.index.next_name();
        let mut body = Vec::with_capacity(HEADER_LEN + 8 + next.len());
        body.extend_from_slice(&header(EventType::Rotate, self.opts.server_id, now(), 0));
        body.extend_from_slice(&4u64.to_le_bytes());
        body.extend_from_slice(next.as_bytes());
        let before = self.pos;
        self.push_event(&body);
        let fde = fde.unwrap_or_else(|| self.fde.clone());
        let started = self.flush_out().and_then(|()| {
            if self.opts.sync {
                let path = self.opts.dir.join(&self.name);
                self.file.sync_data().map_err(io_err("fsync", &path))?;
            }
            let f = start_file(&self.opts, &next, &fde, &self.gtids, &self.mysql)?;
            self.index.append(&self.opts.dir, &next)?;
            Ok(f)
        });
        let (file, pos, crc) = match started {
            Ok(f) => f,
            Err(e) => {
                // No ROTATE may stay in the middle of a file naming one that is not there.
                self.out.clear();
                self.pos = before;
                let path = self.opts.dir.join(&self.name);
                let _ = self.file.set_len(before);
                let _ = std::fs::remove_file(self.opts.dir.join(&next));
                tracing::warn!(file = %path.display(), error = %e, "binlog: rotation failed");
                return Err(e);
            }
        };
        self.file = file;
        self.name = next;
        self.pos = pos;
        self.fde = fde;
        self.crc = crc;
        self.expire();
        self.show_files();
        Ok(())
    }

    /// Removes files older than `expire_logs_days` (never the current one).
    fn expire(&mut self) {
        if self.opts.expire_secs == 0 {
            return;
        }
        let limit = std::time::SystemTime::now()
            .checked_sub(std::time::Duration::from_secs(self.opts.expire_secs));
        let Some(limit) = limit else { return };
        let mut first_kept = None;
        for f in self.index.files() {
            let old = std::fs::metadata(self.opts.dir.join(f))
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < limit);
            if !old || *f == self.name || *f == self.committed.file {
                first_kept = Some(f.clone());
                break;
            }
        }
        if let Some(keep) = first_kept {
            if let Err(e) = self.purge_to(&keep) {
                tracing::warn!(error = %e, "binlog: expiring old files failed");
            }
        }
    }

    /// PURGE BINARY LOGS TO `name`: the files before it go (the current one and the one
    /// the store's mark is in never do). Returns the files removed.
    pub fn purge_to(&mut self, name: &str) -> Result<Vec<String>, RelayError> {
        let files = self.index.files();
        let Some(i) = files.iter().position(|f| f == name) else {
            return Err(RelayError::Invalid {
                path: self.opts.dir.join(name),
                reason: "not in the binlog index".into(),
            });
        };
        let in_use = {
            let r = self
                .shared
                .reading
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            files
                .iter()
                .position(|f| r.values().any(|x| x == f))
                .unwrap_or(i)
        };
        let limit = files
            .iter()
            .position(|f| *f == self.committed.file)
            .unwrap_or(i)
            .min(i)
            .min(in_use);
        if limit < i {
            tracing::warn!(kept = %files[limit], "binlog: a file to purge is being read by a replica; purged up to it");
        }
        let name = files[limit].clone();
        let gone = self.index.remove_before(&self.opts.dir, &name)?;
        remove_files(&self.opts.dir, &gone)?;
        self.show_files();
        Ok(gone)
    }

    /// RESET MASTER, first step: the mark to commit (synchronously) before
    /// [`LogBin::reset`] removes anything, so that a crash in between still completes the
    /// reset at start-up.
    pub fn reset_mark(&self) -> BinlogMark {
        BinlogMark {
            file: format!("{}.000001", self.opts.base),
            pos: 0,
            gtids: Vec::new(),
            reset: true,
            mysql_gtids: Some(String::new()),
        }
    }

    /// RESET MASTER, second step (after [`LogBin::reset_mark`] is committed): every file
    /// goes, a new first file starts with an empty GTID state. Returns the mark to commit
    /// and publish.
    pub fn reset(&mut self) -> Result<BinlogMark, RelayError> {
        self.out.clear();
        let files = self.index.files().to_vec();
        remove_files(&self.opts.dir, &files)?;
        self.index.keep_upto(&self.opts.dir, "")?;
        self.gtids.clear();
        self.mysql = GtidSet::default();
        let name = format!("{}.000001", self.opts.base);
        let (file, pos, crc) = start_file(&self.opts, &name, &self.fde, &self.gtids, &self.mysql)?;
        self.index.append(&self.opts.dir, &name)?;
        self.file = file;
        self.name = name.clone();
        self.pos = pos;
        self.crc = crc;
        let m = BinlogMark {
            file: name,
            pos,
            gtids: Vec::new(),
            reset: false,
            mysql_gtids: Some(String::new()),
        };
        self.committed = m.clone();
        self.shared.set(|p| p.epoch += 1);
        self.show_files();
        Ok(m)
    }
}

/// The end of the last whole event of binlog file `path` within its first `len` bytes,
/// and the GTID state there (its GTID_LIST and the GTIDs after it).
/// The MySQL GTIDs in binlog files `files` of `dir` (an older replicant's binlog, which
/// recorded none): each file's PREVIOUS_GTIDS and GTID events.
fn logged_mysql_gtids(dir: &Path, files: &[String]) -> GtidSet {
    let mut set = GtidSet::default();
    for f in files {
        let path = dir.join(f);
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        if let Ok((_, _, mysql)) = scan_end(&path, len) {
            set.union(&mysql);
        }
    }
    tracing::info!(gtids = %set, "binlog: counted the MySQL GTIDs an older version logged");
    set
}

fn scan_end(path: &Path, len: u64) -> Result<(u64, Vec<MariaGtidTriple>, GtidSet), RelayError> {
    let mut r = crate::binlog::file::BinlogReader::open(path).map_err(|e| RelayError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut end = 4;
    let mut state = Vec::new();
    let mut mysql = GtidSet::default();
    while let Ok(Some((at, ev))) = r.next_event() {
        let stop = at + ev.bytes.len() as u64;
        if stop > len {
            break;
        }
        if ev.header.type_code == EventType::PreviousGtids as u8 {
            mysql = GtidSet::decode(ev.body()).unwrap_or_default();
        } else if ev.header.type_code == EventType::Gtid as u8 {
            if let Ok(g) = crate::binlog::events::MysqlGtid::parse(ev.body()) {
                mysql.add(g.sid, g.gno as u64);
            }
        } else if ev.header.type_code == EventType::GtidList as u8 {
            state = crate::binlog::events::parse_gtid_list(ev.body()).unwrap_or_default();
        } else if ev.header.type_code == EventType::MariaGtid as u8 {
            if let Ok(g) = MariaGtid::parse(ev.body()) {
                set_gtid(
                    &mut state,
                    MariaGtidTriple {
                        domain_id: g.domain_id,
                        server_id: ev.header.server_id,
                        seq_no: g.seq_no,
                    },
                );
            }
        }
        end = stop;
    }
    Ok((end, state, mysql))
}

/// Removes binlog files `names` from `dir` (absent ones are fine).
fn remove_files(dir: &Path, names: &[String]) -> Result<(), RelayError> {
    for f in names {
        let p = dir.join(f);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("remove", &p)(e)),
        }
    }
    Ok(())
}

/// The FORMAT_DESCRIPTION a binlog file starts with.
fn file_fde(path: &Path) -> Result<FormatDescription, RelayError> {
    let bad = |e: crate::binlog::DecodeError| RelayError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut r = crate::binlog::file::BinlogReader::open(path).map_err(bad)?;
    match r.next_event() {
        Ok(Some(_)) => Ok(r.fde().clone()),
        Ok(None) => Err(RelayError::Invalid {
            path: path.to_path_buf(),
            reason: "no format description at the start".into(),
        }),
        Err(e) => Err(bad(e.into_error())),
    }
}

/// The rows event flag that ends a statement.
const STMT_END_F: u16 = 1;

/// A rows event's flags (after its 6-byte table id).
fn rows_flags(ev: &Event<'_>) -> Option<u16> {
    let b = ev.body().get(6..8)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// `omitted` and the events that only serve one of them: the INTVAR / RAND / USER_VAR
/// events before a statement left out, and the LOAD DATA blocks of an
/// EXECUTE_LOAD_QUERY left out.
fn with_context(events: &[Event<'_>], omitted: &[usize]) -> Vec<usize> {
    let mut out = omitted.to_vec();
    for &i in omitted {
        let t = events.get(i).map(|e| e.header.type_code);
        let serves: &[EventType] = match t {
            Some(x) if x == EventType::Query as u8 => {
                &[EventType::Intvar, EventType::Rand, EventType::UserVar]
            }
            Some(x) if x == EventType::ExecuteLoadQuery as u8 => &[
                EventType::BeginLoadQuery,
                EventType::AppendBlock,
                EventType::Intvar,
                EventType::Rand,
                EventType::UserVar,
            ],
            _ => continue,
        };
        let mut j = i;
        while j > 0
            && serves
                .iter()
                .any(|s| *s as u8 == events[j - 1].header.type_code)
        {
            j -= 1;
            out.push(j);
        }
    }
    out
}

/// Sets `g` as its domain's last GTID.
fn set_gtid(state: &mut Vec<MariaGtidTriple>, g: MariaGtidTriple) {
    match state.iter_mut().find(|x| x.domain_id == g.domain_id) {
        Some(x) => *x = g,
        None => {
            state.push(g);
            state.sort_by_key(|x| x.domain_id);
        }
    }
}

/// The description of a file started before any master event was seen: MariaDB 10.11's.
fn template_fde() -> FormatDescription {
    FormatDescription {
        binlog_version: 4,
        server_version: "10.11.19-MariaDB-replicant-log".into(),
        create_timestamp: 0,
        header_len: HEADER_LEN as u8,
        post_header_lens: MARIADB_POST_HEADERS.to_vec(),
        checksum: ChecksumAlg::Crc32,
        mariadb: true,
    }
}

fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

/// A common header with size and position left for [`LogBin::push_event`].
fn header(t: EventType, server_id: u32, timestamp: u32, flags: u16) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(&timestamp.to_le_bytes());
    h[4] = t as u8;
    h[5..9].copy_from_slice(&server_id.to_le_bytes());
    h[17..19].copy_from_slice(&flags.to_le_bytes());
    h
}

/// Creates file `name` with its first events: the magic, `fde` (with our checksum
/// setting) and the GTID state: `gtids` in a GTID_LIST for MariaDB, `mysql` in a
/// PREVIOUS_GTIDS for MySQL. Returns the file, its length and whether its events carry
/// checksums.
fn start_file(
    opts: &LogBinOptions,
    name: &str,
    fde: &FormatDescription,
    gtids: &[MariaGtidTriple],
    mysql: &GtidSet,
) -> Result<(File, u64, bool), RelayError> {
    let path = opts.dir.join(name);
    let mut fde = fde.clone();
    fde.create_timestamp = 0;
    fde.checksum = if opts.checksum {
        ChecksumAlg::Crc32
    } else {
        ChecksumAlg::Off
    };
    let mut bytes = MAGIC.to_vec();
    let mut f = fde.encode(now(), opts.server_id, 0);
    let end = (bytes.len() + f.len()) as u32;
    f[13..17].copy_from_slice(&end.to_le_bytes());
    if fde.checksum_aware() && fde.checksum == ChecksumAlg::Crc32 {
        let n = f.len();
        let c = crate::binlog::event::crc32(&f[..n - CHECKSUM_LEN]);
        f[n - CHECKSUM_LEN..].copy_from_slice(&c.to_le_bytes());
    }
    bytes.extend_from_slice(&f);
    let crc = fde.checksum_aware() && fde.checksum == ChecksumAlg::Crc32;
    let mut state = Vec::new();
    if fde.mariadb {
        state.extend_from_slice(&header(EventType::GtidList, opts.server_id, now(), 0));
        state.extend_from_slice(&(gtids.len() as u32).to_le_bytes());
        for g in gtids {
            state.extend_from_slice(&g.domain_id.to_le_bytes());
            state.extend_from_slice(&g.server_id.to_le_bytes());
            state.extend_from_slice(&g.seq_no.to_le_bytes());
        }
    } else {
        state.extend_from_slice(&header(EventType::PreviousGtids, opts.server_id, now(), 0));
        mysql.encode(&mut state);
    }
    let size = state.len() + if crc { CHECKSUM_LEN } else { 0 };
    let end = bytes.len() + size;
    state[9..13].copy_from_slice(&(size as u32).to_le_bytes());
    state[13..17].copy_from_slice(&(end as u32).to_le_bytes());
    if crc {
        let c = crate::binlog::event::crc32(&state);
        state.extend_from_slice(&c.to_le_bytes());
    }
    bytes.extend_from_slice(&state);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(io_err("create", &path))?;
    file.write_all(&bytes).map_err(io_err("write", &path))?;
    if opts.sync {
        file.sync_all().map_err(io_err("fsync", &path))?;
        // The new name itself is durable only with its directory.
        if let Ok(d) = File::open(&opts.dir) {
            let _ = d.sync_all();
        }
    }
    Ok((file, bytes.len() as u64, crc))
}

/// Where the binlog files go: `log-bin`'s value, relative to the datadir unless absolute.
pub fn location(datadir: &Path, log_bin: &str) -> (PathBuf, String) {
    let p = Path::new(log_bin);
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => {
            if d.is_absolute() {
                d.to_path_buf()
            } else {
                datadir.join(d)
            }
        }
        _ => datadir.to_path_buf(),
    };
    let base = p
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "replicant-bin".into());
    (dir, base)
}

#[cfg(test)]
mod tests;
