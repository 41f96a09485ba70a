//! Typed views over the bodies of the non-row events.
//!
//! Each `parse` takes the event body (after the common header, before the checksum) and the
//! file's [`FormatDescription`] where post-header lengths matter, and borrows from the body.
//! Row events and TABLE_MAP live in their own modules.

use super::cursor::Cursor;
use super::error::{DecodeError, Result};
use super::event::EventType;
use super::fde::FormatDescription;

/// ROTATE: the next binlog file and the position to continue at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotate<'a> {
    /// Position in the next file (4 for a real rotate; the dump start for an artificial one).
    pub position: u64,
    /// Name of the next file.
    pub next_file: &'a [u8],
}

impl<'a> Rotate<'a> {
    /// Decodes a ROTATE body.
    pub fn parse(body: &'a [u8]) -> Result<Rotate<'a>> {
        let mut c = Cursor::new(body);
        let position = c.u64("rotate position")?;
        let next_file = c.rest();
        if next_file.is_empty() {
            return Err(DecodeError::bad("Rotate", "empty next file name"));
        }
        Ok(Rotate {
            position,
            next_file,
        })
    }

    /// The next file name as text.
    pub fn next_file_lossy(&self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.next_file)
    }
}

/// QUERY (and MariaDB QUERY_COMPRESSED before inflating): a statement with its context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query<'a> {
    /// Connection id on the originating server (`pseudo_thread_id`).
    pub thread_id: u32,
    /// Seconds the statement took.
    pub exec_time: u32,
    /// Error code the statement ended with on the master (expected on the replica too).
    pub error_code: u16,
    /// Raw status variables (sql_mode, charset, time zone, ...): see [`StatusVars`].
    pub status_vars: &'a [u8],
    /// Default database, empty when none.
    pub db: &'a [u8],
    /// Statement text (compressed for QUERY_COMPRESSED).
    pub query: &'a [u8],
}

impl<'a> Query<'a> {
    /// Decodes a QUERY body.
    pub fn parse(body: &'a [u8], fde: &FormatDescription) -> Result<Query<'a>> {
        let post = fde.post_header_len(EventType::Query, 13) as usize;
        Ok(Query::parse_with(body, post)?.0)
    }

    /// Decodes a QUERY-shaped body whose post-header is `post` bytes long; returns the
    /// post-header bytes past QUERY's own 13 too.
    fn parse_with(body: &'a [u8], post: usize) -> Result<(Query<'a>, &'a [u8])> {
        let mut c = Cursor::new(body);
        let thread_id = c.u32("query thread id")?;
        let exec_time = c.u32("query exec time")?;
        let db_len = c.u8("query db length")? as usize;
        let error_code = c.u16("query error code")?;
        let status_len = if post >= 13 {
            c.u16("query status vars length")? as usize
        } else {
            0
        };
        let extra = if post > 13 {
            c.bytes(post - 13, "query post-header")?
        } else {
            &[]
        };
        let status_vars = c.bytes(status_len, "query status vars")?;
        let db = c.bytes(db_len, "query db name")?;
        c.skip(1, "query db terminator")?;
        let query = c.rest();
        Ok((
            Query {
                thread_id,
                exec_time,
                error_code,
                status_vars,
                db,
                query,
            },
            extra,
        ))
    }

    /// Status variables parsed.
    pub fn status(&self) -> StatusVars<'a> {
        StatusVars::parse(self.status_vars)
    }
}

/// BEGIN_LOAD_QUERY and APPEND_BLOCK: a block of the file a LOAD DATA reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadBlock<'a> {
    /// The file the block belongs to (per master session).
    pub file_id: u32,
    /// The block's bytes.
    pub data: &'a [u8],
}

impl<'a> LoadBlock<'a> {
    /// Decodes a BEGIN_LOAD_QUERY or APPEND_BLOCK body.
    pub fn parse(body: &'a [u8]) -> Result<LoadBlock<'a>> {
        let mut c = Cursor::new(body);
        let file_id = c.u32("load block file id")?;
        Ok(LoadBlock {
            file_id,
            data: c.rest(),
        })
    }
}

/// EXECUTE_LOAD_QUERY: a LOAD DATA statement over the file its blocks carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecuteLoad<'a> {
    /// The statement, with its context as a QUERY event has it.
    pub query: Query<'a>,
    /// The file the blocks gave.
    pub file_id: u32,
    /// Where the file's name lies in the statement (start, end).
    pub name_at: (u32, u32),
    /// Duplicate handling: 0 error, 1 IGNORE, 2 REPLACE.
    pub dup: u8,
}

impl<'a> ExecuteLoad<'a> {
    /// Decodes an EXECUTE_LOAD_QUERY body.
    pub fn parse(body: &'a [u8], fde: &FormatDescription) -> Result<ExecuteLoad<'a>> {
        let post = fde.post_header_len(EventType::ExecuteLoadQuery, 26) as usize;
        if post < 26 {
            return Err(DecodeError::bad(
                "Execute_load_query",
                format!("a post-header of {post} bytes (26 expected)"),
            ));
        }
        let (query, extra) = Query::parse_with(body, post)?;
        let mut c = Cursor::new(extra);
        Ok(ExecuteLoad {
            query,
            file_id: c.u32("load file id")?,
            name_at: (c.u32("load file name start")?, c.u32("load file name end")?),
            dup: c.u8("load duplicate handling")?,
        })
    }
}

/// The status variables of a QUERY event that replicant uses (the rest are skipped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusVars<'a> {
    /// `@@session.sql_mode`.
    pub sql_mode: Option<u64>,
    /// OPTION_* flags2 (autocommit, foreign key checks, unique checks...).
    pub flags2: Option<u32>,
    /// character_set_client, collation_connection, collation_server.
    pub charset: Option<(u16, u16, u16)>,
    /// `@@session.time_zone`.
    pub time_zone: Option<&'a [u8]>,
    /// collation_database.
    pub charset_database: Option<u16>,
    /// auto_increment_increment and auto_increment_offset.
    pub auto_increment: Option<(u16, u16)>,
    /// Microseconds of the statement's start time (MariaDB Q_HRNOW, MySQL Q_MICROSECONDS).
    pub microseconds: Option<u32>,
    /// XID of a DDL logged with one (MySQL 8 Q_DDL_LOGGED_WITH_XID, MariaDB Q_XID).
    pub xid: Option<u64>,
    /// lc_time_names number.
    pub lc_time_names: Option<u16>,
    /// True when parsing stopped at a code this reader does not know.
    pub truncated_at_unknown: bool,
}

impl<'a> StatusVars<'a> {
    /// Walks the status variables; stops (as mysqld does) at the first unknown code.
    pub fn parse(mut buf: &'a [u8]) -> StatusVars<'a> {
        let mut out = StatusVars::default();
        // Each arm takes what the code's value needs; any shortfall ends the walk.
        let take = |buf: &mut &'a [u8], n: usize| -> Option<&'a [u8]> {
            if buf.len() < n {
                return None;
            }
            let (h, t) = buf.split_at(n);
            *buf = t;
            Some(h)
        };
        while let Some(code) = take(&mut buf, 1).map(|b| b[0]) {
            let ok = (|| -> Option<()> {
                match code {
                    0 => out.flags2 = Some(le(take(&mut buf, 4)?) as u32),
                    1 => out.sql_mode = Some(le(take(&mut buf, 8)?)),
                    2 => {
                        let n = take(&mut buf, 1)?[0] as usize;
                        take(&mut buf, n + 1)?;
                    }
                    3 => {
                        let b = take(&mut buf, 4)?;
                        out.auto_increment = Some((le(&b[..2]) as u16, le(&b[2..]) as u16));
                    }
                    4 => {
                        let b = take(&mut buf, 6)?;
                        out.charset =
                            Some((le(&b[..2]) as u16, le(&b[2..4]) as u16, le(&b[4..]) as u16));
                    }
                    5 => {
                        let n = take(&mut buf, 1)?[0] as usize;
                        out.time_zone = Some(take(&mut buf, n)?);
                    }
                    6 => {
                        let n = take(&mut buf, 1)?[0] as usize;
                        take(&mut buf, n)?;
                    }
                    7 => out.lc_time_names = Some(le(take(&mut buf, 2)?) as u16),
                    8 => out.charset_database = Some(le(take(&mut buf, 2)?) as u16),
                    9 => {
                        take(&mut buf, 8)?;
                    }
                    10 => {
                        take(&mut buf, 4)?;
                    }
                    11 => {
                        let n = take(&mut buf, 1)?[0] as usize;
                        take(&mut buf, n)?;
                        let n = take(&mut buf, 1)?[0] as usize;
                        take(&mut buf, n)?;
                    }
                    12 => {
                        let count = take(&mut buf, 1)?[0];
                        // 254 (OVER_MAX_DBS_IN_EVENT_MTS) means no names follow.
                        if count != 254 {
                            for _ in 0..count {
                                let end = buf.iter().position(|&b| b == 0)?;
                                take(&mut buf, end + 1)?;
                            }
                        }
                    }
                    13 => out.microseconds = Some(le(take(&mut buf, 3)?) as u32),
                    14 => {
                        take(&mut buf, 8)?;
                    }
                    15 => {
                        take(&mut buf, 8)?;
                    }
                    16 => {
                        take(&mut buf, 1)?;
                    }
                    17 => out.xid = Some(le(take(&mut buf, 8)?)),
                    18 => {
                        take(&mut buf, 2)?;
                    }
                    19 | 20 => {
                        take(&mut buf, 1)?;
                    }
                    128 => out.microseconds = Some(le(take(&mut buf, 3)?) as u32),
                    129 => out.xid = Some(le(take(&mut buf, 8)?)),
                    130 => {
                        take(&mut buf, 1)?;
                    }
                    _ => return None,
                }
                Some(())
            })();
            if ok.is_none() {
                out.truncated_at_unknown = true;
                break;
            }
        }
        out
    }
}

fn le(b: &[u8]) -> u64 {
    super::cursor::le_uint(b)
}

/// XID: the commit of a transactional event group.
pub fn parse_xid(body: &[u8]) -> Result<u64> {
    Cursor::new(body).u64("xid")
}

/// INTVAR: LAST_INSERT_ID (1) or INSERT_ID (2) for the next statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntVar {
    /// 1 = LAST_INSERT_ID, 2 = INSERT_ID.
    pub kind: u8,
    /// The value.
    pub value: u64,
}

impl IntVar {
    /// Decodes an INTVAR body.
    pub fn parse(body: &[u8]) -> Result<IntVar> {
        let mut c = Cursor::new(body);
        Ok(IntVar {
            kind: c.u8("intvar type")?,
            value: c.u64("intvar value")?,
        })
    }

    /// The variable name as mysqlbinlog prints it.
    pub fn name(&self) -> &'static str {
        match self.kind {
            1 => "LAST_INSERT_ID",
            2 => "INSERT_ID",
            _ => "INVALID_INT",
        }
    }
}

/// XA_PREPARE: whether it is XA COMMIT ... ONE PHASE, and the transaction's xid as the
/// master writes it in XA statements (`X'gtrid',X'bqual',formatID`).
pub fn parse_xa_prepare(body: &[u8]) -> Result<(bool, String)> {
    let mut c = Cursor::new(body);
    let one_phase = c.u8("XA_prepare one phase")? != 0;
    let format_id = c.u32("XA_prepare format id")?;
    let gtrid_len = c.u32("XA_prepare gtrid length")? as usize;
    let bqual_len = c.u32("XA_prepare bqual length")? as usize;
    if gtrid_len > 64 || bqual_len > 64 {
        return Err(DecodeError::bad(
            "XA_prepare",
            "an xid part longer than 64 bytes",
        ));
    }
    let gtrid = c.bytes(gtrid_len, "XA_prepare gtrid")?;
    let bqual = c.bytes(bqual_len, "XA_prepare bqual")?;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    Ok((
        one_phase,
        format!("X'{}',X'{}',{}", hex(gtrid), hex(bqual), format_id as i32),
    ))
}

/// RAND: the seeds of RAND() for the next statement.
pub fn parse_rand(body: &[u8]) -> Result<(u64, u64)> {
    let mut c = Cursor::new(body);
    Ok((c.u64("rand seed1")?, c.u64("rand seed2")?))
}

/// USER_VAR: a user variable the next statement reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserVar<'a> {
    /// Variable name.
    pub name: &'a [u8],
    /// Value, `None` for NULL: (item result type, charset number, value bytes).
    pub value: Option<(u8, u32, &'a [u8])>,
    /// Flags byte (unsigned), if present.
    pub flags: Option<u8>,
}

impl<'a> UserVar<'a> {
    /// Decodes a USER_VAR body.
    pub fn parse(body: &'a [u8]) -> Result<UserVar<'a>> {
        let mut c = Cursor::new(body);
        let n = c.u32("user var name length")? as usize;
        let name = c.bytes(n, "user var name")?;
        let is_null = c.u8("user var null flag")?;
        if is_null != 0 {
            return Ok(UserVar {
                name,
                value: None,
                flags: None,
            });
        }
        let ty = c.u8("user var type")?;
        let charset = c.u32("user var charset")?;
        let len = c.u32("user var value length")? as usize;
        let value = c.bytes(len, "user var value")?;
        let flags = if c.is_empty() {
            None
        } else {
            Some(c.u8("user var flags")?)
        };
        Ok(UserVar {
            name,
            value: Some((ty, charset, value)),
            flags,
        })
    }
}

/// MariaDB GTID event: starts an event group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MariaGtid {
    /// Sequence number.
    pub seq_no: u64,
    /// Replication domain.
    pub domain_id: u32,
    /// FL_STANDALONE (1), FL_GROUP_COMMIT_ID (2), FL_TRANSACTIONAL (4), FL_ALLOW_PARALLEL (8),
    /// FL_WAITED (16), FL_DDL (32), FL_PREPARED_XA (64), FL_COMPLETED_XA (128).
    pub flags: u8,
    /// Group commit id when FL_GROUP_COMMIT_ID is set.
    pub commit_id: Option<u64>,
}

impl MariaGtid {
    /// FL_STANDALONE: the group is a single statement without BEGIN (DDL).
    pub const FL_STANDALONE: u8 = 1;

    /// Decodes a MariaDB GTID body.
    pub fn parse(body: &[u8]) -> Result<MariaGtid> {
        let mut c = Cursor::new(body);
        let seq_no = c.u64("gtid seq_no")?;
        let domain_id = c.u32("gtid domain id")?;
        let flags = c.u8("gtid flags")?;
        let commit_id = if flags & 2 != 0 {
            Some(c.u64("gtid commit id")?)
        } else {
            None
        };
        Ok(MariaGtid {
            seq_no,
            domain_id,
            flags,
            commit_id,
        })
    }

    /// True when the group is one statement with no BEGIN/COMMIT around it.
    pub fn standalone(&self) -> bool {
        self.flags & Self::FL_STANDALONE != 0
    }
}

/// One MariaDB GTID: domain-server-seq.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MariaGtidTriple {
    /// Replication domain.
    pub domain_id: u32,
    /// Originating server.
    pub server_id: u32,
    /// Sequence number.
    pub seq_no: u64,
}

impl std::fmt::Display for MariaGtidTriple {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}-{}", self.domain_id, self.server_id, self.seq_no)
    }
}

/// MariaDB GTID_LIST: the GTID state at the start of a binlog file.
pub fn parse_gtid_list(body: &[u8]) -> Result<Vec<MariaGtidTriple>> {
    let mut c = Cursor::new(body);
    let count = c.u32("gtid list count")? & 0x0fff_ffff;
    let mut out = Vec::with_capacity((count as usize).min(c.remaining() / 16));
    for _ in 0..count {
        out.push(MariaGtidTriple {
            domain_id: c.u32("gtid list domain")?,
            server_id: c.u32("gtid list server")?,
            seq_no: c.u64("gtid list seq_no")?,
        });
    }
    Ok(out)
}

/// MariaDB BINLOG_CHECKPOINT: the oldest binlog file still needed for crash recovery.
pub fn parse_binlog_checkpoint(body: &[u8]) -> Result<&[u8]> {
    let mut c = Cursor::new(body);
    let n = c.u32("checkpoint name length")? as usize;
    c.bytes(n, "checkpoint file name")
}

/// MySQL GTID / ANONYMOUS_GTID: starts a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MysqlGtid {
    /// Flags (bit 0: may have been committed in parallel... `commit_flag`).
    pub flags: u8,
    /// Source UUID.
    pub sid: [u8; 16],
    /// Transaction number.
    pub gno: i64,
    /// Logical clock: last_committed, sequence_number (when present).
    pub logical_clock: Option<(i64, i64)>,
}

impl MysqlGtid {
    /// Decodes a MySQL GTID or ANONYMOUS_GTID body.
    pub fn parse(body: &[u8]) -> Result<MysqlGtid> {
        let mut c = Cursor::new(body);
        let flags = c.u8("gtid flags")?;
        let sid = c.array::<16>("gtid sid")?;
        let gno = c.u64("gtid gno")? as i64;
        let logical_clock = if !c.is_empty() && c.u8("gtid lt type")? == 2 {
            Some((
                c.u64("gtid last_committed")? as i64,
                c.u64("gtid sequence_number")? as i64,
            ))
        } else {
            None
        };
        Ok(MysqlGtid {
            flags,
            sid,
            gno,
            logical_clock,
        })
    }
}

/// Formats a 16-byte UUID the way MySQL prints it.
pub fn format_uuid(sid: &[u8; 16]) -> String {
    let h: String = sid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// MySQL PREVIOUS_GTIDS: the executed GTID set at the start of a binlog file, as text.
pub fn parse_previous_gtids(body: &[u8]) -> Result<String> {
    let mut c = Cursor::new(body);
    let raw = c.u64("previous gtids count")?;
    // MySQL 8.3+ marks a tagged set with the format code (1) in the first and the last byte
    // of the count; the count itself is the six bytes between.
    let tagged = (raw >> 56) == 1;
    let n_sids = if tagged {
        (raw >> 8) & 0x0000_ffff_ffff_ffff
    } else {
        raw
    };
    let mut parts = Vec::new();
    for _ in 0..n_sids {
        let sid = c.array::<16>("previous gtids sid")?;
        let mut text = format_uuid(&sid);
        if tagged {
            let n = c.u8("previous gtids tag length")? as usize / 2;
            let tag = c.bytes(n, "previous gtids tag")?;
            if !tag.is_empty() {
                text.push(':');
                text.push_str(&String::from_utf8_lossy(tag));
            }
        }
        let n_iv = c.u64("previous gtids interval count")?;
        for _ in 0..n_iv {
            let start = c.u64("interval start")?;
            let end = c.u64("interval end")?;
            // [start, end) with GTID numbers from 1, as MySQL checks when decoding a set.
            if start == 0 || end <= start {
                return Err(DecodeError::bad(
                    "Previous_gtids",
                    format!("interval [{start}, {end}) is empty or starts at 0"),
                ));
            }
            if end == start + 1 {
                text.push_str(&format!(":{start}"));
            } else {
                text.push_str(&format!(":{start}-{}", end.saturating_sub(1)));
            }
        }
        parts.push(text);
    }
    Ok(parts.join(",\n"))
}

/// Inflates a MariaDB compressed field (QUERY_COMPRESSED, compressed rows): a header byte whose
/// low 3 bits give the width of the big-endian uncompressed length, then zlib data.
pub fn maria_uncompress(data: &[u8], what: &'static str) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut c = Cursor::new(data);
    let head = c.u8(what)?;
    let width = (head & 0x07) as usize;
    if width == 0 || width > 4 {
        return Err(DecodeError::Decompress {
            what,
            reason: format!("bad header byte 0x{head:02x}"),
        });
    }
    let len = super::cursor::be_uint(c.bytes(width, what)?) as usize;
    // A corrupt length must not make us reserve gigabytes up front.
    let mut out = Vec::with_capacity(len.min(1 << 20));
    let mut z = flate2::read::ZlibDecoder::new(c.rest()).take(len as u64 + 1);
    z.read_to_end(&mut out)
        .map_err(|e| DecodeError::Decompress {
            what,
            reason: e.to_string(),
        })?;
    if out.len() != len {
        return Err(DecodeError::Decompress {
            what,
            reason: format!("expected {len} bytes, got {}", out.len()),
        });
    }
    Ok(out)
}

/// MySQL TRANSACTION_PAYLOAD header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransactionPayload<'a> {
    /// 0 = ZSTD, 255 = NONE.
    pub compression: u64,
    /// Size of the uncompressed event stream.
    pub uncompressed_size: u64,
    /// The (compressed) events.
    pub payload: &'a [u8],
}

impl<'a> TransactionPayload<'a> {
    /// Decodes a TRANSACTION_PAYLOAD body: (type, length, value) fields up to an end marker.
    pub fn parse(body: &'a [u8]) -> Result<TransactionPayload<'a>> {
        let mut c = Cursor::new(body);
        let (mut size, mut compression, mut uncompressed_size) = (None, 0, 0);
        loop {
            let field = mysql_varint(&mut c)?;
            if field == 0 {
                break;
            }
            let len = mysql_varint(&mut c)? as usize;
            let mut v = Cursor::new(c.bytes(len, "payload header field")?);
            let value = mysql_varint(&mut v)?;
            match field {
                1 => size = Some(value as usize),
                2 => compression = value,
                3 => uncompressed_size = value,
                _ => {}
            }
        }
        let rest = c.rest();
        let size = size.unwrap_or(rest.len());
        if size > rest.len() {
            return Err(DecodeError::Truncated {
                what: "transaction payload",
                need: size,
                have: rest.len(),
            });
        }
        Ok(TransactionPayload {
            compression,
            uncompressed_size,
            payload: &rest[..size],
        })
    }

    /// The inner event stream, decompressed (events inside carry no checksum).
    pub fn decompress(&self) -> Result<Vec<u8>> {
        match self.compression {
            255 => Ok(self.payload.to_vec()),
            0 => {
                use std::io::Read;
                let mut out = Vec::with_capacity((self.uncompressed_size as usize).min(1 << 24));
                zstd::stream::read::Decoder::new(self.payload)
                    .and_then(|d| d.take(self.uncompressed_size + 1).read_to_end(&mut out))
                    .map_err(|e| DecodeError::Decompress {
                        what: "transaction payload",
                        reason: e.to_string(),
                    })?;
                Ok(out)
            }
            other => Err(DecodeError::bad(
                "Transaction_payload",
                format!("unknown compression type {other}"),
            )),
        }
    }
}

/// MySQL 8's variable-length integer of the TRANSACTION_PAYLOAD header (net_field_length).
fn mysql_varint(c: &mut Cursor<'_>) -> Result<u64> {
    match c.lenenc("payload varint")? {
        Some(v) => Ok(v),
        None => Ok(0xfb),
    }
}

/// INCIDENT: the master lost events (e.g. LOST_EVENTS after a crash).
pub fn parse_incident(body: &[u8]) -> Result<(u16, &[u8])> {
    let mut c = Cursor::new(body);
    let kind = c.u16("incident type")?;
    let msg = if c.is_empty() {
        &[][..]
    } else {
        let n = c.u8("incident message length")? as usize;
        c.bytes(n, "incident message")?
    };
    Ok((kind, msg))
}

/// MariaDB ANNOTATE_ROWS body and MySQL ROWS_QUERY: the statement behind the next row events.
pub fn parse_annotate(t: EventType, body: &[u8]) -> &[u8] {
    match t {
        // ROWS_QUERY starts with a (truncated) one-byte length that is ignored by mysqld too.
        EventType::RowsQuery if !body.is_empty() => &body[1..],
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_with_status_vars() {
        let fde = FormatDescription::assumed_v4();
        let mut body = Vec::new();
        body.extend_from_slice(&5u32.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        body.push(4);
        body.extend_from_slice(&0u16.to_le_bytes());
        let status = [
            0u8, 0, 0, 0, 0, // flags2
            4, 33, 0, 33, 0, 8, 0, // charset
            5, 6, b'+', b'0', b'8', b':', b'0', b'0', // time zone
        ];
        body.extend_from_slice(&(status.len() as u16).to_le_bytes());
        body.extend_from_slice(&status);
        body.extend_from_slice(b"db01\0");
        body.extend_from_slice(b"create table t(i int)");
        let q = Query::parse(&body, &fde).unwrap();
        assert_eq!(q.thread_id, 5);
        assert_eq!(q.db, b"db01");
        assert_eq!(q.query, b"create table t(i int)");
        let s = q.status();
        assert_eq!(s.charset, Some((33, 33, 8)));
        assert_eq!(s.time_zone, Some(&b"+08:00"[..]));
        assert!(!s.truncated_at_unknown);
    }

    /// The Previous_gtids body of the fixture binlog_transaction_with_GTID_TAG.000001
    /// (MySQL 8.4): two sids, the second with the tag `mytag`. The count's format byte
    /// used to leak into the count, giving 2^48 + 2 sids and a "truncated" error.
    #[test]
    fn previous_gtids_tagged() {
        let body = [
            0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x55, 0x77, 0x89, 0x04, 0x02, 0x99,
            0x11, 0xf1, 0xb1, 0xb8, 0x4e, 0xf0, 0xc4, 0x95, 0x6f, 0xeb, 0x00, 0x01, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x55, 0x77, 0x89, 0x04, 0x02, 0x99, 0x11,
            0xf1, 0xb1, 0xb8, 0x4e, 0xf0, 0xc4, 0x95, 0x6f, 0xeb, 0x0a, 0x6d, 0x79, 0x74, 0x61,
            0x67, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(
            parse_previous_gtids(&body).unwrap(),
            "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13,\n\
             55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:1-2"
        );
    }

    /// Found by tests/fuzz_parsers.rs: an interval starting at u64::MAX overflowed
    /// `start + 1` (a panic in debug builds).
    #[test]
    fn previous_gtids_bad_intervals_are_errors() {
        for (start, end) in [(u64::MAX, 0u64), (0, 5), (7, 7), (9, 3)] {
            let mut body = 1u64.to_le_bytes().to_vec();
            body.extend_from_slice(&[0x11; 16]);
            body.extend_from_slice(&1u64.to_le_bytes());
            body.extend_from_slice(&start.to_le_bytes());
            body.extend_from_slice(&end.to_le_bytes());
            let err = parse_previous_gtids(&body).unwrap_err();
            assert!(err.to_string().contains("interval"), "{err}");
        }
    }

    #[test]
    fn gtid_list_and_uuid() {
        let mut body = 1u32.to_le_bytes().to_vec();
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&101u32.to_le_bytes());
        body.extend_from_slice(&42u64.to_le_bytes());
        let l = parse_gtid_list(&body).unwrap();
        assert_eq!(l[0].to_string(), "0-101-42");
        assert_eq!(
            format_uuid(&[0x12; 16]),
            "12121212-1212-1212-1212-121212121212"
        );
    }

    #[test]
    fn compressed_field_round_trip_and_garbage() {
        use std::io::Write;
        let text = b"insert into t values (1),(2),(3)";
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        let mut data = vec![0x81, text.len() as u8];
        data.extend_from_slice(&z.finish().unwrap());
        assert_eq!(maria_uncompress(&data, "query").unwrap(), text);
        data[5] ^= 0xff;
        assert!(maria_uncompress(&data, "query").is_err());
        assert!(maria_uncompress(&[0x87], "query").is_err());
    }
}
