//! The dump server: downstream replicas (MariaDB, MySQL, other replicants) replicate from
//! replicant's own binlog ([`crate::logbin`]) as from a master, on the endpoint's port
//! and socket.
//!
//! COM_REGISTER_SLAVE records a replica for SHOW SLAVE HOSTS. COM_BINLOG_DUMP streams the
//! binlog from a file and position, or, for a MariaDB replica that set
//! `@slave_connect_state` (`master_use_gtid`), from the first file whose GTID_LIST its
//! state covers, passing over the transactions it has. As a master does: a fake ROTATE
//! naming the start, the file's FORMAT_DESCRIPTION, then the events, a ROTATE and the next
//! file's events at each file's end, and HEARTBEAT events while idle
//! (`@master_heartbeat_period`). Only the committed part of the binlog is served (what the
//! store holds), read from the files with one buffer per replica, never the whole file.
//! A second dump from the same server_id ends the first, as in mysqld.

use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, BufReader};

use super::session::Session;
use crate::binlog::event::{
    ChecksumAlg, EventType, CHECKSUM_LEN, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F,
};
use crate::binlog::events::MariaGtidTriple;
use crate::binlog::gtid_set::GtidSet;
use crate::logbin::Published;
use crate::sqlerror::SqlError;
use crate::wire::packet::PacketIo;
use crate::wire::WireError;

/// A replica registered with COM_REGISTER_SLAVE.
#[derive(Clone, Debug)]
pub struct Registered {
    /// Its report_host.
    pub host: String,
    /// Its report_port.
    pub port: u16,
    /// Its report_user.
    pub user: String,
    /// The master_id it gave.
    pub master_id: u32,
    /// The connection it registered on.
    pub conn: u32,
}

/// BINLOG_DUMP_NON_BLOCK: at the end of the binlog, an EOF packet instead of waiting.
const NON_BLOCK: u16 = 1;

/// Bytes of events gathered before they are written to the socket.
const FLUSH_AT: usize = 256 << 10;

/// mysqld's ER_MASTER_FATAL_ERROR_READING_BINLOG with its text.
fn fatal(msg: impl Into<String>) -> SqlError {
    SqlError::new(1236, msg.into())
}

/// COM_REGISTER_SLAVE.
pub(super) fn register(s: &Session, body: &[u8]) -> Result<(), SqlError> {
    s.require_admin("REPLICATION SLAVE")?;
    let bad = || SqlError::new(1047, "Malformed COM_REGISTER_SLAVE".into());
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], SqlError> {
        let b = body.get(at..at + n).ok_or_else(bad)?;
        at += n;
        Ok(b)
    };
    let server_id = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad())?);
    let host_len = take(1)?[0] as usize;
    let host = String::from_utf8_lossy(take(host_len)?).into_owned();
    let user_len = take(1)?[0] as usize;
    let user = String::from_utf8_lossy(take(user_len)?).into_owned();
    let pw_len = take(1)?[0] as usize;
    take(pw_len)?;
    let port = take(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .unwrap_or(0);
    let _rank = take(4);
    let master_id = take(4)
        .ok()
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes);
    if let Ok(mut r) = s.shared.replicas.lock() {
        r.insert(
            server_id,
            Registered {
                host,
                port,
                user,
                master_id,
                conn: s.id,
            },
        );
    }
    Ok(())
}

/// A user variable the replica set before dumping (`SET @name = ...`).
fn user_var(s: &Session, name: &str) -> Option<String> {
    s.user_vars
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.render())
}

/// Parses `domain-server-seq,...` (`@slave_connect_state`, `gtid_slave_pos`).
pub fn parse_gtid_list(text: &str) -> Result<Vec<MariaGtidTriple>, SqlError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: Vec<&str> = part.split('-').collect();
        let parsed = match n.as_slice() {
            [d, s, q] => d.parse().ok().zip(s.parse().ok()).zip(q.parse().ok()).map(
                |((domain_id, server_id), seq_no)| MariaGtidTriple {
                    domain_id,
                    server_id,
                    seq_no,
                },
            ),
            _ => None,
        };
        match parsed {
            Some(g) => out.push(g),
            None => {
                return Err(SqlError::new(
                    1947,
                    format!("Could not parse GTID list: '{text}'"),
                ))
            }
        }
    }
    Ok(out)
}

/// The body of the first event of type `t` among the first three of binlog file `path`
/// (the GTID state a file starts with), decoded by `decode`; `None` when there is none.
fn file_start_state<T>(
    path: &std::path::Path,
    t: EventType,
    decode: impl Fn(&[u8]) -> Result<T, String>,
) -> Result<Option<T>, SqlError> {
    let mut r = crate::binlog::file::BinlogReader::open(path)
        .map_err(|e| fatal(format!("cannot read binlog {}: {e}", path.display())))?;
    for _ in 0..3 {
        match r.next_event() {
            Ok(Some((_, ev))) if ev.header.type_code == t as u8 => {
                return decode(ev.body())
                    .map(Some)
                    .map_err(|e| fatal(format!("{}: {e}", path.display())));
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    Ok(None)
}

/// The GTID_LIST at the start of binlog file `path` (empty for a MySQL-flavored file).
fn file_gtid_list(path: &std::path::Path) -> Result<Vec<MariaGtidTriple>, SqlError> {
    let list = file_start_state(path, EventType::GtidList, |b| {
        crate::binlog::events::parse_gtid_list(b).map_err(|e| e.to_string())
    })?;
    Ok(list.unwrap_or_default())
}

/// The file a replica with GTID state `state` starts from: the newest whose GTID_LIST
/// its state covers (it has every transaction logged before the file).
fn gtid_start_file(p: &Published, state: &[MariaGtidTriple]) -> Result<String, SqlError> {
    for f in p.files.iter().rev() {
        let list = file_gtid_list(&p.dir.join(f))?;
        let covered = list.iter().all(|g| {
            state
                .iter()
                .any(|s| s.domain_id == g.domain_id && s.seq_no >= g.seq_no)
        });
        if covered {
            return Ok(f.clone());
        }
    }
    Err(fatal(
        "Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and required binlog files have been purged.",
    ))
}

/// `@@gtid_binlog_pos` as of binlog file `file` at `pos`: its GTID_LIST and the GTIDs of
/// the events before `pos` (BINLOG_GTID_POS()).
pub fn gtid_pos_at(p: &Published, file: &str, pos: u64) -> Result<String, SqlError> {
    if !p.files.iter().any(|f| f == file) {
        return Ok(String::new());
    }
    let path = p.dir.join(file);
    let mut r = crate::binlog::file::BinlogReader::open(&path)
        .map_err(|e| fatal(format!("cannot read binlog {}: {e}", path.display())))?;
    let mut state: Vec<MariaGtidTriple> = Vec::new();
    while let Ok(Some((at, ev))) = r.next_event() {
        if at >= pos {
            break;
        }
        if ev.header.type_code == EventType::GtidList as u8 {
            state = crate::binlog::events::parse_gtid_list(ev.body()).unwrap_or_default();
        } else if ev.header.type_code == EventType::MariaGtid as u8 {
            if let Ok(g) = crate::binlog::events::MariaGtid::parse(ev.body()) {
                let t = MariaGtidTriple {
                    domain_id: g.domain_id,
                    server_id: ev.header.server_id,
                    seq_no: g.seq_no,
                };
                match state.iter_mut().find(|x| x.domain_id == t.domain_id) {
                    Some(x) => *x = t,
                    None => state.push(t),
                }
            }
        }
    }
    state.sort_by_key(|g| g.domain_id);
    Ok(state
        .iter()
        .map(|g| g.to_string())
        .collect::<Vec<_>>()
        .join(","))
}

/// A dump's parameters.
struct Request {
    file: String,
    pos: u64,
    flags: u16,
    server_id: u32,
    /// COM_BINLOG_DUMP_GTID: the MySQL GTIDs the replica has.
    mysql_gtids: Option<GtidSet>,
}

/// COM_BINLOG_DUMP_GTID's flag: the GTID set follows.
const THROUGH_GTID: u16 = 4;

/// COM_BINLOG_DUMP_GTID: flags, server_id, file name (length-prefixed), position (u64),
/// then with BINLOG_THROUGH_GTID the set's size and the set. `Err` names what is wrong.
fn parse_dump_gtid(body: &[u8]) -> Result<Request, String> {
    let short = || "COM_BINLOG_DUMP_GTID cut short".to_string();
    let flags = u16::from_le_bytes(
        body.get(0..2)
            .ok_or_else(short)?
            .try_into()
            .unwrap_or_default(),
    );
    let server_id = u32::from_le_bytes(
        body.get(2..6)
            .ok_or_else(short)?
            .try_into()
            .unwrap_or_default(),
    );
    let n = u32::from_le_bytes(
        body.get(6..10)
            .ok_or_else(short)?
            .try_into()
            .unwrap_or_default(),
    ) as usize;
    let name = body.get(10..10usize.saturating_add(n)).ok_or_else(short)?;
    let at = 10 + n;
    let pos = u64::from_le_bytes(
        body.get(at..at + 8)
            .ok_or_else(short)?
            .try_into()
            .unwrap_or_default(),
    );
    let set = if flags & THROUGH_GTID != 0 {
        let size = u32::from_le_bytes(
            body.get(at + 8..at + 12)
                .ok_or_else(short)?
                .try_into()
                .unwrap_or_default(),
        ) as usize;
        let data = body
            .get(at + 12..(at + 12).saturating_add(size))
            .ok_or_else(short)?;
        GtidSet::decode(data)?
    } else {
        GtidSet::default()
    };
    Ok(Request {
        file: String::from_utf8_lossy(name)
            .trim_end_matches('\0')
            .to_string(),
        pos,
        flags,
        server_id,
        mysql_gtids: Some(set),
    })
}

/// The PREVIOUS_GTIDS at the start of binlog file `path` (`None` for a MariaDB file).
fn file_previous_gtids(path: &std::path::Path) -> Result<Option<GtidSet>, SqlError> {
    file_start_state(path, EventType::PreviousGtids, GtidSet::decode)
}

/// The file a MySQL replica with GTIDs `have` starts from: the newest whose
/// PREVIOUS_GTIDS it has (files without one, MariaDB's, say nothing either way). When it
/// lacks some of the oldest file's, they were purged: mysqld's 1236.
fn mysql_start_file(p: &Published, have: &GtidSet) -> Result<String, SqlError> {
    let mut oldest = None;
    for (i, f) in p.files.iter().enumerate().rev() {
        let previous = file_previous_gtids(&p.dir.join(f))?;
        // An empty PREVIOUS_GTIDS after the first file may be an older replicant's, which
        // wrote none: it says nothing (reading from earlier costs only the transactions
        // passed over).
        let previous = previous.filter(|s| i == 0 || !s.is_empty());
        match previous {
            Some(previous) if previous.is_subset_of(have) => return Ok(f.clone()),
            Some(previous) => oldest = Some(previous),
            None => {}
        }
    }
    let Some(oldest) = oldest else {
        // No file says what came before it: all are read (the transactions the replica
        // has are left out as they come).
        return p
            .files
            .first()
            .cloned()
            .ok_or_else(|| fatal("Binary log is not open"));
    };
    Err(fatal(format!(
        "Cannot replicate because the source purged required binary logs. Replicate the missing transactions from elsewhere, or provision a new replica from backup. Consider increasing the source's binary log expiration period. The GTID set sent by the replica is '{have}', and the missing transactions are '{}'",
        oldest.minus(have)
    )))
}

fn parse_dump(body: &[u8]) -> Option<Request> {
    let pos = u32::from_le_bytes(body.get(0..4)?.try_into().ok()?) as u64;
    let flags = u16::from_le_bytes(body.get(4..6)?.try_into().ok()?);
    let server_id = u32::from_le_bytes(body.get(6..10)?.try_into().ok()?);
    let file = String::from_utf8_lossy(body.get(10..)?)
        .trim_end_matches('\0')
        .to_string();
    Some(Request {
        file,
        pos,
        flags,
        server_id,
        mysql_gtids: None,
    })
}

/// COM_BINLOG_DUMP: streams until the replica goes, the session is killed, another dump
/// of the same server_id replaces it, or the daemon stops. An error before the stream
/// starts, or one that ends it, is sent as an error packet.
pub(super) async fn dump<S>(
    io: &mut PacketIo<BufReader<S>>,
    s: &mut Session,
    body: &[u8],
    gtid: bool,
) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut out = Vec::with_capacity(FLUSH_AT + (64 << 10));
    // The privilege before the request is read: a GTID set is work to decode.
    if let Err(e) = s.require_admin("REPLICATION SLAVE") {
        out.clear();
        super::results::frame_err(io, &mut out, &e);
        return io.write_framed(&out).await;
    }
    let req = if gtid {
        parse_dump_gtid(body)
            .map_err(|e| SqlError::new(1047, format!("Malformed COM_BINLOG_DUMP_GTID: {e}")))
    } else {
        parse_dump(body).ok_or_else(|| SqlError::new(1047, "Malformed COM_BINLOG_DUMP".into()))
    };
    let r = match &req {
        Ok(req) => stream(io, s, req, &mut out).await,
        Err(e) => Err(Ended::Sql(e.clone())),
    };
    if let Some(shared) = s.shared.control.logbin_shared() {
        shared.reading(s.id, None);
    }
    if let Ok(req) = req {
        if let Ok(mut r) = s.shared.replicas.lock() {
            if r.get(&req.server_id).is_some_and(|x| x.conn == s.id) {
                r.remove(&req.server_id);
            }
        }
        if let Ok(mut d) = s.shared.dumps.lock() {
            // Ours, unless another dump of the server_id replaced it.
            if d.get(&req.server_id).is_some_and(|(conn, _)| *conn == s.id) {
                d.remove(&req.server_id);
            }
        }
    }
    match r {
        Ok(()) => Ok(()),
        Err(Ended::Wire(e)) => Err(e),
        Err(Ended::Sql(e)) => {
            tracing::info!(code = e.code, error = %e.message, conn = s.id, "binlog dump ended");
            out.clear();
            super::results::frame_err(io, &mut out, &e);
            io.write_framed(&out).await
        }
    }
}

enum Ended {
    Wire(WireError),
    Sql(SqlError),
}

impl From<SqlError> for Ended {
    fn from(e: SqlError) -> Ended {
        Ended::Sql(e)
    }
}

impl From<WireError> for Ended {
    fn from(e: WireError) -> Ended {
        Ended::Wire(e)
    }
}

/// One binlog file open for reading.
struct Reader {
    file: std::io::BufReader<std::fs::File>,
    name: String,
    pos: u64,
    /// Its events carry checksums.
    crc: bool,
}

impl Reader {
    fn open(p: &Published, name: &str) -> Result<Reader, SqlError> {
        let path = p.dir.join(name);
        let f = std::fs::File::open(&path)
            .map_err(|e| fatal(format!("could not open log file '{}': {e}", path.display())))?;
        let mut r = Reader {
            file: std::io::BufReader::with_capacity(64 << 10, f),
            name: name.to_string(),
            pos: 0,
            crc: false,
        };
        let mut magic = [0u8; 4];
        r.file
            .read_exact(&mut magic)
            .map_err(|_| fatal(format!("binlog '{name}' is truncated")))?;
        if magic != crate::logbin::MAGIC {
            return Err(fatal(format!("binlog '{name}' has no binlog magic")));
        }
        r.pos = 4;
        Ok(r)
    }

    /// The event at the current position into `buf` (after what it holds); it must end
    /// at or before `end` (the committed end: a position inside an event, or a damaged
    /// size, is an error, never a read of what follows).
    fn next(&mut self, buf: &mut Vec<u8>, end: u64) -> Result<usize, SqlError> {
        let start = buf.len();
        buf.resize(start + HEADER_LEN, 0);
        self.file.read_exact(&mut buf[start..]).map_err(|e| {
            fatal(format!(
                "reading binlog '{}' at {}: {e}",
                self.name, self.pos
            ))
        })?;
        let size = u32::from_le_bytes([
            buf[start + 9],
            buf[start + 10],
            buf[start + 11],
            buf[start + 12],
        ]) as usize;
        let least = HEADER_LEN + if self.crc { CHECKSUM_LEN } else { 0 };
        if size < least || self.pos + size as u64 > end {
            return Err(fatal(format!(
                "bogus data in log event: binlog '{}' has no event of {size} bytes at {} \
                 (a position that is not an event's start?)",
                self.name, self.pos
            )));
        }
        buf.resize(start + size, 0);
        self.file
            .read_exact(&mut buf[start + HEADER_LEN..])
            .map_err(|e| {
                fatal(format!(
                    "reading binlog '{}' at {}: {e}",
                    self.name, self.pos
                ))
            })?;
        self.pos += size as u64;
        Ok(size)
    }

    fn seek(&mut self, pos: u64) -> Result<(), SqlError> {
        self.file
            .seek(SeekFrom::Start(pos))
            .map_err(|e| fatal(format!("seeking in binlog '{}': {e}", self.name)))?;
        self.pos = pos;
        Ok(())
    }
}

/// An artificial event (fake ROTATE, HEARTBEAT) from `server_id`.
fn artificial(t: EventType, server_id: u32, log_pos: u64, body: &[u8], crc: bool) -> Vec<u8> {
    let size = HEADER_LEN + body.len() + if crc { CHECKSUM_LEN } else { 0 };
    let mut e = Vec::with_capacity(size + 1);
    e.push(0);
    e.extend_from_slice(&0u32.to_le_bytes());
    e.push(t as u8);
    e.extend_from_slice(&server_id.to_le_bytes());
    e.extend_from_slice(&(size as u32).to_le_bytes());
    e.extend_from_slice(&(log_pos as u32).to_le_bytes());
    e.extend_from_slice(&LOG_EVENT_ARTIFICIAL_F.to_le_bytes());
    e.extend_from_slice(body);
    if crc {
        let c = crate::binlog::event::crc32(&e[1..]);
        e.extend_from_slice(&c.to_le_bytes());
    }
    e
}

async fn stream<S>(
    io: &mut PacketIo<BufReader<S>>,
    s: &mut Session,
    req: &Request,
    out: &mut Vec<u8>,
) -> Result<(), Ended>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    s.require_admin("REPLICATION SLAVE")?;
    let Some(shared) = s.shared.control.logbin_shared() else {
        return Err(fatal("Binary log is not open").into());
    };
    let our_id = s.shared.cfg.server_id;
    if req.server_id == our_id {
        return Err(fatal(
            "A slave with the same server_uuid/server_id as this master has connected",
        )
        .into());
    }
    let mut p = shared.get();
    if !p.open {
        return Err(fatal("Binary log is not open").into());
    }
    // The replica understands checksums when it said so (@master_binlog_checksum); the
    // artificial events carry one then if the binlog's events do. (A replica too old to
    // say so is not served differently: the events keep their checksums.)
    let checksums = user_var(s, "master_binlog_checksum").is_some();
    let heartbeat = user_var(s, "master_heartbeat_period")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|ns| *ns > 0.0)
        .map(|ns| Duration::from_nanos(ns as u64));
    let gtid_state = match user_var(s, "slave_connect_state") {
        Some(text) => Some(parse_gtid_list(&text)?),
        None => None,
    };
    let mysql_gtids = req.mysql_gtids.as_ref();
    let (file, pos) = match (&gtid_state, mysql_gtids) {
        (_, Some(have)) => (mysql_start_file(&p, have)?, 4),
        (Some(state), None) => {
            // A replica past the binlog's end in a domain has transactions replicant never
            // had (it diverged, or was another master's): mariadbd refuses it so.
            if let Some(g) = state.iter().find(|g| {
                p.mark
                    .gtids
                    .iter()
                    .any(|ours| ours.domain_id == g.domain_id && g.seq_no > ours.seq_no)
            }) {
                return Err(fatal(format!(
                    "Error: connecting slave requested to start from GTID {g}, which is not in the master's binlog"
                ))
                .into());
            }
            (gtid_start_file(&p, state)?, 4)
        }
        (None, None) if req.file.is_empty() => match p.files.first() {
            Some(f) => (f.clone(), req.pos.max(4)),
            None => return Err(fatal("Binary log is not open").into()),
        },
        (None, None) => {
            if !p.files.contains(&req.file) {
                return Err(
                    fatal("Could not find first log file name in binary log index file").into(),
                );
            }
            (req.file.clone(), req.pos.max(4))
        }
    };
    // Another dump of this server_id ends; this one may be ended the same way.
    let replaced = Arc::new(AtomicBool::new(false));
    if let Ok(mut d) = s.shared.dumps.lock() {
        if let Some((_, old)) = d.insert(req.server_id, (s.id, replaced.clone())) {
            old.store(true, Ordering::Release);
            shared.wake();
        }
    }
    if let Ok(mut pi) = s.process.lock() {
        pi.command = "Binlog Dump";
        pi.since = Some(Instant::now());
        pi.info = None;
    }
    let kill = s.process.lock().map(|p| p.kill.clone()).unwrap_or_default();
    let mut r = Reader::open(&p, &file)?;
    shared.reading(s.id, Some(&file));
    let len = std::fs::metadata(p.dir.join(&file)).map_or(0, |m| m.len());
    if pos > len {
        return Err(fatal(
            "Client requested master to start replication from position > file size",
        )
        .into());
    }
    // The packet being sent: 0x00, then the event (read in place: no copy per event).
    let mut ev = Vec::with_capacity(64 << 10);
    // The fake ROTATE naming where the stream starts.
    let fde_crc = read_fde(&mut r, &mut ev)?;
    r.crc = fde_crc;
    let crc_out = r.crc && checksums;
    let mut rot = pos.to_le_bytes().to_vec();
    rot.extend_from_slice(file.as_bytes());
    io.frame_into(
        out,
        &artificial(EventType::Rotate, our_id, 0, &rot, crc_out),
    );
    // The file's FORMAT_DESCRIPTION; mid-file, with end position 0 (it is not at the
    // replica's position).
    if pos > 4 {
        zero_log_pos(&mut ev[1..], r.crc);
    }
    io.frame_into(out, &ev);
    if pos > r.pos {
        r.seek(pos)?;
    }
    let mut skipping = false;
    let mut last_sent = Instant::now();
    loop {
        if kill.load(Ordering::Acquire) || replaced.load(Ordering::Acquire) {
            return Ok(());
        }
        let end = if p.mark.file == r.name {
            p.mark.pos
        } else if p.files.contains(&r.name) {
            std::fs::metadata(p.dir.join(&r.name)).map_or(0, |m| m.len())
        } else {
            return Err(fatal(format!("binlog '{}' was purged while being read", r.name)).into());
        };
        while r.pos < end {
            ev.clear();
            ev.push(0);
            r.next(&mut ev, end)?;
            let t = ev[1 + 4];
            // A dump by GTID leaves out each transaction the replica has, up to the next
            // GTID event; the file's framing events still go.
            let body = &ev[1 + HEADER_LEN..ev.len() - if r.crc { CHECKSUM_LEN } else { 0 }];
            match (mysql_gtids, &gtid_state) {
                (Some(have), _)
                    if t == EventType::Gtid as u8 || t == EventType::AnonymousGtid as u8 =>
                {
                    skipping = t == EventType::Gtid as u8
                        && crate::binlog::events::MysqlGtid::parse(body)
                            .is_ok_and(|g| have.contains(&g.sid, g.gno as u64));
                }
                (None, Some(state)) if t == EventType::MariaGtid as u8 => {
                    skipping = crate::binlog::events::MariaGtid::parse(body).is_ok_and(|g| {
                        state
                            .iter()
                            .any(|s| s.domain_id == g.domain_id && s.seq_no >= g.seq_no)
                    });
                }
                _ => {}
            }
            const FRAMING: [u8; 5] = [
                EventType::FormatDescription as u8,
                EventType::Rotate as u8,
                EventType::GtidList as u8,
                EventType::PreviousGtids as u8,
                EventType::Stop as u8,
            ];
            if skipping && !FRAMING.contains(&t) {
                continue;
            }
            io.frame_into(out, &ev);
            if out.len() >= FLUSH_AT {
                io.write_framed(out).await?;
                out.clear();
                last_sent = Instant::now();
                if kill.load(Ordering::Acquire)
                    || replaced.load(Ordering::Acquire)
                    || s.shared.control.stopping()
                {
                    return Ok(());
                }
            }
        }
        if p.mark.file != r.name {
            // The file is done (it ended with a ROTATE): on to the next.
            let i = p.files.iter().position(|f| *f == r.name);
            let Some(next) = i.and_then(|i| p.files.get(i + 1)).cloned() else {
                return Err(
                    fatal(format!("binlog '{}' has no successor in the index", r.name)).into(),
                );
            };
            // As a master does at each new file: a fake ROTATE naming it (the file just
            // read may not end with a ROTATE: a MySQL file served as ours ends with STOP).
            let mut rot = 4u64.to_le_bytes().to_vec();
            rot.extend_from_slice(next.as_bytes());
            io.frame_into(
                out,
                &artificial(EventType::Rotate, our_id, 0, &rot, r.crc && checksums),
            );
            r = Reader::open(&p, &next)?;
            shared.reading(s.id, Some(&next));
            r.crc = read_fde(&mut r, &mut ev)?;
            io.frame_into(out, &ev);
            continue;
        }
        if !out.is_empty() {
            io.write_framed(out).await?;
            out.clear();
            last_sent = Instant::now();
        }
        if req.flags & NON_BLOCK != 0 {
            // mysqlbinlog --read-from-remote-server without --stop-never: EOF at the end.
            let eof = crate::wire::server::eof_packet(0, 0);
            io.frame_into(out, &eof);
            io.write_framed(out).await?;
            return Ok(());
        }
        let wait = heartbeat
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        let epoch = p.epoch;
        p = shared.wait_past(&p, wait);
        if p.epoch != epoch {
            return Err(fatal("the binary logs were reset (RESET MASTER)").into());
        }
        if s.shared.control.stopping() {
            return Ok(());
        }
        if let Some(hb) = heartbeat {
            if last_sent.elapsed() >= hb && p.mark.file == r.name && r.pos >= p.mark.pos {
                let e = artificial(
                    EventType::Heartbeat,
                    our_id,
                    r.pos,
                    r.name.as_bytes(),
                    r.crc && checksums,
                );
                io.frame_into(out, &e);
                io.write_framed(out).await?;
                out.clear();
                last_sent = Instant::now();
            }
        }
    }
}

/// Reads the FORMAT_DESCRIPTION at the start of `r` into `ev` (after a 0x00: a packet
/// ready to send); whether the file's events carry checksums.
fn read_fde(r: &mut Reader, ev: &mut Vec<u8>) -> Result<bool, SqlError> {
    ev.clear();
    ev.push(0);
    // (Its own size decides; no checksum is assumed before it is read.)
    r.crc = false;
    r.next(ev, u64::MAX)?;
    if ev[1 + 4] != EventType::FormatDescription as u8 {
        return Err(fatal(format!(
            "binlog '{}' does not start with a format description",
            r.name
        )));
    }
    let (alg, _) = crate::binlog::fde::declared_checksum(&ev[1..]);
    Ok(alg == ChecksumAlg::Crc32)
}

/// Sets an event's end position to 0 (and its checksum again).
fn zero_log_pos(ev: &mut [u8], crc: bool) {
    ev[13..17].copy_from_slice(&0u32.to_le_bytes());
    if crc && ev.len() >= HEADER_LEN + CHECKSUM_LEN {
        let n = ev.len() - CHECKSUM_LEN;
        let c = crate::binlog::event::crc32(&ev[..n]);
        ev[n..].copy_from_slice(&c.to_le_bytes());
    }
}
