//! The relay log: `<relay_log>.NNNNNN` files plus `<relay_log>.index`, in standard binlog
//! format. Each file starts with the magic and replicant's own FORMAT_DESCRIPTION; after it
//! come the master's events, byte-exact (original server_id, log_pos, checksum).
//!
//! Owns: the relay files, the index, and the receiver checkpoint (`master-info.json`).
//!
//! Architecture invariants:
//! - The relay log is written only by the receiver (`source`), through [`RelayLog`].
//! - The master position to resume from is derived from the relay data itself: the
//!   checkpoint only says where a scan may start. It is written only after the data it
//!   names was fsynced, so it is never ahead of durable relay data; at start-up the scan
//!   from it covers whatever else reached the disk and truncates a torn tail.

mod checkpoint;
mod index;
pub mod reader;
mod recover;
pub mod space;
mod syncer;
mod writer;
pub mod written;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::binlog::event::{Event, EventType, BINLOG_MAGIC};
use crate::binlog::events::Rotate;
use crate::binlog::group::GroupTracker;
use crate::binlog::{BinlogPos, ChecksumAlg, FormatDescription};

pub use checkpoint::Checkpoint;
pub use index::RelayIndex;

/// A relay log failure, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// A filesystem operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// OS error.
        source: std::io::Error,
    },
    /// The index or checkpoint is unusable.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Relay data could not be decoded during recovery.
    #[error("relay log damaged: {0}")]
    Damaged(#[from] crate::binlog::DecodeError),
}

pub(crate) fn io_err<'p>(
    op: &'static str,
    path: &'p Path,
) -> impl FnOnce(std::io::Error) -> RelayError + 'p {
    move |source| RelayError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// How the relay log is laid out and synced.
#[derive(Clone, Debug)]
pub struct RelayOptions {
    /// Directory holding the files (datadir, or the directory part of `relay_log`).
    pub dir: PathBuf,
    /// File name prefix, e.g. `relay-bin`.
    pub base: String,
    /// Rotate after a file reaches this size.
    pub rotate_size: u64,
    /// fsync after this many events (0: only at rotation and shutdown).
    pub sync_every: u64,
    /// Our server_id, written in our own FORMAT_DESCRIPTION events.
    pub server_id: u32,
}

impl RelayOptions {
    /// Options from the configuration: `relay_log` may carry a directory part (absolute, or
    /// relative to datadir), as in mysqld.
    pub fn from_config(c: &crate::config::Config) -> RelayOptions {
        let p = Path::new(&c.relay_log);
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => c.datadir.join(d),
            _ => c.datadir.clone(),
        };
        RelayOptions {
            dir,
            base: p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| "relay-bin".into()),
            rotate_size: c.relay_rotate_size(),
            sync_every: c.sync_relay_log,
            server_id: c.server_id,
        }
    }
}

/// The file being appended to.
struct Current {
    /// File name (no directory).
    name: String,
    /// Buffered writer.
    out: writer::FileWriter,
    /// Bytes written so far, magic included.
    size: u64,
}

/// The relay log writer.
pub struct RelayLog {
    /// Layout and sync policy.
    opts: RelayOptions,
    /// The index.
    index: RelayIndex,
    /// Open file, once the first FORMAT_DESCRIPTION from the master was seen.
    cur: Option<Current>,
    /// Master coordinate just past the last appended event; `None` before any.
    master: Option<BinlogPos>,
    /// Checksum algorithm of the master's stream in force.
    checksum: ChecksumAlg,
    /// The master's last FORMAT_DESCRIPTION, template for our own at each new file.
    master_fde: Option<FormatDescription>,
    /// Events appended since the last fsync.
    unsynced: u64,
    /// Total bytes in all relay files (Relay_Log_Space).
    space: u64,
    /// An event that arrived before the first FORMAT_DESCRIPTION of the stream (the
    /// artificial ROTATE a dump starts with): held until the FDE says how to start the file.
    pending: Option<(Vec<u8>, ChecksumAlg)>,
    /// Whether the stream is inside an event group (transaction).
    groups: GroupTracker,
    /// Background fsync of relay data and checkpoints.
    syncer: std::sync::Arc<syncer::Syncer>,
    /// The thread that copies relay bytes into files.
    io: writer::IoThread,
    /// The end of the last complete event group: where a reconnect resumes and the only
    /// place a file is rotated or a checkpoint taken.
    boundary: Boundary,
    /// relay_log_purge: the applier publishes here the relay file it applies from, once
    /// every file before it is applied and durable in the store.
    purge_mark: Option<PurgeMark>,
    /// The mark value last acted on.
    purged_upto: Option<String>,
}

/// Shared between the applier (writes) and the relay log (purges files before it).
pub type PurgeMark = std::sync::Arc<std::sync::Mutex<Option<String>>>;

/// A point between event groups.
#[derive(Clone, Debug, Default)]
struct Boundary {
    /// Relay file it lies in (`None` before the first file).
    relay_file: Option<String>,
    /// Offset in that file.
    relay_pos: u64,
    /// Master coordinate there.
    master: Option<BinlogPos>,
}

/// Where the master position stands after recovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// Next master coordinate to request, if the relay log holds any master event.
    pub master: Option<BinlogPos>,
    /// Bytes cut from torn tails (0 after a clean stop).
    pub truncated_bytes: u64,
}

impl RelayLog {
    /// Opens (creating the directory and index if needed) and recovers: torn tails are
    /// truncated and the next master position is derived from the relay data.
    pub fn open(opts: RelayOptions) -> Result<(RelayLog, Recovered), RelayError> {
        std::fs::create_dir_all(&opts.dir).map_err(io_err("create directory", &opts.dir))?;
        let index = RelayIndex::open(&opts.dir, &opts.base)?;
        let cp = Checkpoint::load(&opts.dir)?;
        let rec = recover::recover(&opts, &index, cp.as_ref())?;
        let space = index.total_size(&opts.dir);
        let log = RelayLog {
            checksum: rec.checksum,
            master: rec.master.clone(),
            opts,
            index,
            cur: None,
            master_fde: None,
            unsynced: 0,
            space,
            pending: None,
            groups: GroupTracker::default(),
            syncer: std::sync::Arc::new(syncer::Syncer::start()),
            io: writer::IoThread::start()?,
            boundary: Boundary {
                relay_file: None,
                relay_pos: 0,
                master: rec.master.clone(),
            },
            purge_mark: None,
            purged_upto: None,
        };
        Ok((
            log,
            Recovered {
                master: rec.master,
                truncated_bytes: rec.truncated_bytes,
            },
        ))
    }

    /// Master coordinate just past the last event in the relay log.
    pub fn master_position(&self) -> Option<&BinlogPos> {
        self.master.as_ref()
    }

    /// Current relay file name and size; when none is open, the last file of the index.
    pub fn current(&self) -> Option<(&str, u64)> {
        match &self.cur {
            Some(c) => Some((c.name.as_str(), c.size)),
            None => self.index.files().last().map(|f| {
                let size = std::fs::metadata(self.opts.dir.join(f)).map_or(0, |m| m.len());
                (f.as_str(), size)
            }),
        }
    }

    /// Declares the checksum algorithm of a new dump stream (the master's
    /// `@master_binlog_checksum`), in force until its FORMAT_DESCRIPTION arrives.
    ///
    /// If the previous stream broke off inside an event group, that partial group is cut
    /// from the relay file first and the master position moves back to the group's start,
    /// so the master re-sends the whole group: the relay log never holds half a
    /// transaction followed by its rest.
    pub fn begin_stream(&mut self, alg: ChecksumAlg) -> Result<(), RelayError> {
        self.pending = None;
        if !self.groups.at_boundary() {
            self.rewind_to_boundary()?;
        }
        self.checksum = alg;
        Ok(())
    }

    fn rewind_to_boundary(&mut self) -> Result<(), RelayError> {
        let b = self.boundary.clone();
        if let (Some(cur), Some(file)) = (self.cur.as_mut(), b.relay_file.as_ref()) {
            if *file == cur.name && cur.size > b.relay_pos {
                cur.out.truncate(b.relay_pos)?;
                tracing::info!(relay_file = %cur.name, cut = cur.size - b.relay_pos,
                    resume_at = ?b.master, "discarded a partial transaction; the master will resend it");
                self.space -= cur.size - b.relay_pos;
                cur.size = b.relay_pos;
            }
        }
        self.master = b.master;
        self.groups = GroupTracker::default();
        Ok(())
    }

    /// Total size of all relay files.
    pub fn space(&self) -> u64 {
        self.space
    }

    /// Appends one master event (already framed and checksum-verified). Rotates the file
    /// after a real ROTATE from the master and when the size limit is reached.
    pub fn append(&mut self, ev: &Event<'_>) -> Result<(), RelayError> {
        let t = ev.event_type();
        if t == Some(EventType::FormatDescription) {
            let fde = FormatDescription::parse(ev.bytes)?;
            self.checksum = fde.checksum;
            self.master_fde = Some(fde);
        }
        if self.cur.is_none() {
            if self.master_fde.is_none() {
                // Our FORMAT_DESCRIPTION is made from the master's, which comes second in
                // a dump; hold the artificial ROTATE that comes first.
                self.pending = Some((ev.bytes.to_vec(), self.checksum));
                return Ok(());
            }
            self.new_file()?;
            if let Some((p, alg)) = self.pending.take() {
                let held = Event::new(&p, alg)?;
                self.write_event(&held)?;
            }
        }
        self.write_event(ev)?;
        let fde = self.master_fde.as_ref().unwrap_or(&ASSUMED_V4);
        if self.groups.on_event(ev, fde) {
            self.mark_boundary();
        }
        self.unsynced += 1;
        if self.opts.sync_every > 0 && self.unsynced >= self.opts.sync_every {
            self.request_sync()?;
        }
        // Files are rotated only between event groups, never inside a transaction.
        let master_rotated =
            t == Some(EventType::Rotate) && !ev.header.is_artificial() && ev.header.log_pos != 0;
        if self.groups.at_boundary()
            && (master_rotated || cur_size(&self.cur) >= self.opts.rotate_size)
        {
            self.close_file()?;
        }
        Ok(())
    }

    fn mark_boundary(&mut self) {
        if let Some(cur) = &self.cur {
            if self.boundary.relay_file.as_deref() != Some(cur.name.as_str()) {
                self.boundary.relay_file = Some(cur.name.clone());
            }
            self.boundary.relay_pos = cur.size;
            match (&mut self.boundary.master, &self.master) {
                (Some(b), Some(m)) if b.file == m.file => b.offset = m.offset,
                (b, m) => *b = m.clone(),
            }
        }
    }

    fn write_event(&mut self, ev: &Event<'_>) -> Result<(), RelayError> {
        let cur = self.cur.as_mut().expect("caller opened a file");
        cur.out.write_all(ev.bytes)?;
        cur.size += ev.bytes.len() as u64;
        self.space += ev.bytes.len() as u64;
        advance(&mut self.master, ev);
        Ok(())
    }

    /// Hands buffered bytes to the OS so readers (mariadb-binlog, the applier) see them.
    pub fn flush(&mut self) -> Result<(), RelayError> {
        if let Some(cur) = self.cur.as_mut() {
            cur.out.flush()?;
        }
        Ok(())
    }

    /// Makes everything appended durable, then records the checkpoint; returns when done.
    pub fn sync(&mut self) -> Result<(), RelayError> {
        self.request_sync()?;
        if let Some(cur) = self.cur.as_mut() {
            cur.out.barrier()?;
        }
        self.syncer.wait_idle()
    }

    /// Hands everything appended to the OS and asks the fsync thread to make it durable and
    /// then record the checkpoint; the stream goes on meanwhile.
    fn request_sync(&mut self) -> Result<(), RelayError> {
        let Some(cur) = self.cur.as_mut() else {
            return Ok(());
        };
        let path = self.opts.dir.join(&cur.name);
        let file = cur.out.dup()?;
        self.unsynced = 0;
        // The checkpoint names the last group boundary, at or before the flushed end, so it
        // is durable once this fsync completes and recovery starts its scan outside a group.
        let checkpoint = match (&self.boundary.master, &self.boundary.relay_file) {
            (Some(master), Some(f)) => Some(Checkpoint {
                relay_file: f.clone(),
                relay_pos: self.boundary.relay_pos,
                master_file: master.file.clone(),
                master_pos: master.offset,
                checksum: self.checksum.name().to_string(),
            }),
            _ => None,
        };
        let job = syncer::Job {
            file,
            path,
            checkpoint,
            dir: self.opts.dir.clone(),
        };
        // The fsync must come after these bytes reached the file: queue it behind them.
        let syncer = self.syncer.clone();
        cur.out.after(move || syncer.submit(job))
    }

    /// Purges (relay_log_purge) from the index and the disk every relay file before the one
    /// the applier has published as its current file.
    pub fn set_purge_mark(&mut self, mark: PurgeMark) {
        self.purge_mark = Some(mark);
    }

    /// Deletes the relay files the applier is done with (see [`RelayLog::set_purge_mark`]).
    pub fn purge_applied(&mut self) -> Result<(), RelayError> {
        let Some(mark) = &self.purge_mark else {
            return Ok(());
        };
        let Some(upto) = mark.lock().ok().and_then(|m| m.clone()) else {
            return Ok(());
        };
        if self.purged_upto.as_ref() == Some(&upto) {
            return Ok(());
        }
        self.purged_upto = Some(upto.clone());
        for f in self.index.remove_before(&self.opts.dir, &upto)? {
            let path = self.opts.dir.join(&f);
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("remove", &path)(e)),
            }
            self.space = self.space.saturating_sub(size);
            tracing::info!(relay_file = %f, "purged applied relay log file");
        }
        Ok(())
    }

    /// Syncs and closes the current file; the next append starts a new one.
    pub fn close_file(&mut self) -> Result<(), RelayError> {
        self.sync()?;
        if let Some(cur) = self.cur.take() {
            self.io.retire(cur.out);
        }
        Ok(())
    }

    /// Starts `<base>.NNNNNN`: magic and our FORMAT_DESCRIPTION, made from the master's last
    /// one (same version, post-header lengths and checksum algorithm, our server_id) so that
    /// the master's events that follow read correctly with any binlog tool.
    fn new_file(&mut self) -> Result<(), RelayError> {
        let name = self.index.next_name();
        let path = self.opts.dir.join(&name);
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)
            .map_err(io_err("create", &path))?;
        let mut file = file;
        let mut fde = self
            .master_fde
            .clone()
            .unwrap_or_else(FormatDescription::assumed_v4);
        fde.checksum = self.checksum;
        fde.create_timestamp = 0;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0);
        let probe = fde.encode(now, self.opts.server_id, 0);
        let bytes = fde.encode(
            now,
            self.opts.server_id,
            (BINLOG_MAGIC.len() + probe.len()) as u32,
        );
        file.write_all(&BINLOG_MAGIC)
            .map_err(io_err("write", &path))?;
        file.write_all(&bytes).map_err(io_err("write", &path))?;
        file.sync_data().map_err(io_err("fsync", &path))?;
        let out = self.io.writer(file, path.clone());
        self.index.append(&self.opts.dir, &name)?;
        let size = (BINLOG_MAGIC.len() + bytes.len()) as u64;
        self.space += size;
        tracing::info!(relay_file = %name, "opened relay log file");
        self.cur = Some(Current { name, out, size });
        self.mark_boundary();
        Ok(())
    }
}

/// Description used to read statements before the master's FDE arrived.
static ASSUMED_V4: std::sync::LazyLock<FormatDescription> =
    std::sync::LazyLock::new(FormatDescription::assumed_v4);

fn cur_size(c: &Option<Current>) -> u64 {
    c.as_ref().map_or(0, |c| c.size)
}

/// Deletes every relay log file, the index and the receiver checkpoint (what mysqld's
/// CHANGE MASTER TO and RESET SLAVE do to the relay log). The receiver must be stopped.
/// Returns the names of the files removed.
pub fn reset(opts: &RelayOptions) -> Result<Vec<String>, RelayError> {
    let index = RelayIndex::read(&opts.dir, &opts.base)?;
    let mut gone = Vec::new();
    for f in index.files() {
        let name = Path::new(f)
            .file_name()
            .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned());
        let path = opts.dir.join(&name);
        match std::fs::remove_file(&path) {
            Ok(()) => gone.push(name),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("remove", &path)(e)),
        }
    }
    for path in [
        opts.dir.join(format!("{}.index", opts.base)),
        opts.dir.join(checkpoint::FILE),
    ] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("remove", &path)(e)),
        }
    }
    Ok(gone)
}

/// Moves the master coordinate past one master event. Shared by the writer and recovery, so
/// the position derived at start-up is the one the writer had.
pub fn advance(master: &mut Option<BinlogPos>, ev: &Event<'_>) {
    match ev.event_type() {
        Some(EventType::Rotate) => {
            if let Ok(r) = Rotate::parse(ev.body()) {
                *master = Some(BinlogPos {
                    file: r.next_file_lossy().into_owned(),
                    offset: r.position,
                });
            }
        }
        // Artificial events and the FORMAT_DESCRIPTION resent at a dump start carry log_pos 0:
        // they do not move the position.
        _ if ev.header.log_pos == 0 || ev.header.is_artificial() => {}
        _ => {
            if let Some(m) = master.as_mut() {
                m.offset = ev.header.log_pos as u64;
            }
        }
    }
}
