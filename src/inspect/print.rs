//! `relaylog print`: every event the way mysqlbinlog prints it (`# at POS`, the header line,
//! then per type the statement, GTID, rotate target, table map, xid), `-v` row images as
//! pseudo-SQL, or `--json`: one JSON object per event.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use crate::binlog::event::{Event, EventType};
use crate::binlog::events::{
    self, IntVar, MariaGtid, MysqlGtid, Query, Rotate, TransactionPayload, UserVar,
};
use crate::binlog::file::split_events;
use crate::binlog::{DecodeError, FormatDescription};

use super::rows_print;
use crate::binlog::jsonb::fmt_u64;
use crate::calendar::format_timestamp;

/// What to print.
#[derive(Clone, Debug, Default)]
pub struct PrintOptions {
    /// `-v`: decode row events into pseudo-SQL.
    pub verbose: bool,
    /// `--json`: one JSON object per event.
    pub json: bool,
    /// `--start-position`: skip events that start before this offset (first file only).
    pub start_position: Option<u64>,
    /// `--stop-position`: stop at the first event starting at or after this offset (last file).
    pub stop_position: Option<u64>,
    /// `--start-datetime`: skip events older than this (seconds since the epoch, UTC).
    pub start_datetime: Option<u32>,
    /// `--stop-datetime`: stop at the first event at or after this time.
    pub stop_datetime: Option<u32>,
    /// `--database`: only statements whose default database, and row events whose table,
    /// are in this database.
    pub database: Option<String>,
}

/// A print failure: the output could not be written, or a file is damaged.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Writing the output failed (e.g. a closed pipe).
    #[error("output: {0}")]
    Output(#[from] std::io::Error),
    /// Input damaged.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Prints files in order to `out`, rendering on every core (see [`super::parallel`]).
pub fn print_files(
    files: &[PathBuf],
    opts: &PrintOptions,
    out: &mut impl Write,
) -> Result<(), PrintError> {
    if !opts.json {
        writeln!(out, "/*!40019 SET @@session.max_delayed_threads=0*/;")?;
        writeln!(out, "DELIMITER /*!*/;")?;
    }
    // Workers pay off only when there is more than a batch or two to render.
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let threads = if total < 8 << 20 {
        0
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    super::parallel::print_files_parallel(files, opts, out, threads)?;
    if !opts.json {
        writeln!(out, "DELIMITER ;")?;
        writeln!(out, "# End of log file")?;
    }
    Ok(())
}

/// Renders events one by one; holds the table maps of the current statement.
pub(super) struct Printer<'o> {
    /// Options.
    opts: &'o PrintOptions,
    /// TABLE_MAP events by table id, kept (owned) until the next statement end.
    maps: HashMap<u64, rows_print::OwnedTableMap>,
    /// The last event timestamp and its text (consecutive events mostly share one).
    ts_cache: (u32, String),
    /// With `--database`: a rendered Annotate_rows waiting for a table map that passes.
    held_annotate: Option<Vec<u8>>,
    /// Table id of the TABLE_MAP being handled (decoded once, into `maps`).
    last_map: u64,
}

impl<'o> Printer<'o> {
    /// A printer with no table maps.
    pub(super) fn new(opts: &'o PrintOptions) -> Printer<'o> {
        Printer {
            opts,
            maps: HashMap::new(),
            ts_cache: (0, String::new()),
            held_annotate: None,
            last_map: 0,
        }
    }

    /// Renders one event (or, with `skip`, only remembers its table map).
    pub(super) fn event(
        &mut self,
        place: &str,
        pos: u64,
        ev: &Event<'_>,
        fde: &FormatDescription,
        skip: bool,
        out: &mut impl Write,
    ) -> Result<(), PrintError> {
        let t = ev.event_type();
        let body = ev.body();
        // Table maps are remembered even when the event is not printed, so rows that are
        // printed can be decoded.
        if t == Some(EventType::TableMap) {
            let map = rows_print::parse_table_map(body, fde)?;
            self.last_map = map.table_id;
            self.maps.insert(map.table_id, map);
        }
        if skip {
            return Ok(());
        }
        if self.opts.database.is_some() {
            // As mariadb-binlog does, an Annotate_rows is shown only together with a table
            // map that passes --database: hold it until one does (or the statement ends).
            match t {
                Some(EventType::AnnotateRows | EventType::RowsQuery) => {
                    let mut held = Vec::new();
                    self.render(place, pos, ev, fde, &mut held)?;
                    self.held_annotate = Some(held);
                    return Ok(());
                }
                Some(EventType::Xid | EventType::Query | EventType::QueryCompressed) => {
                    self.held_annotate = None;
                }
                _ => {}
            }
            if !self.in_database(ev, fde)? {
                return Ok(());
            }
            if t == Some(EventType::TableMap) {
                if let Some(held) = self.held_annotate.take() {
                    out.write_all(&held)?;
                }
            }
        }
        self.render(place, pos, ev, fde, out)
    }

    /// Writes one event that passed the filters.
    fn render(
        &mut self,
        place: &str,
        pos: u64,
        ev: &Event<'_>,
        fde: &FormatDescription,
        out: &mut impl Write,
    ) -> Result<(), PrintError> {
        let t = ev.event_type();
        let body = ev.body();
        if self.opts.json {
            return self.json(place, pos, ev, fde, out);
        }
        let h = &ev.header;
        self.header_line(pos, ev, out)?;
        match t {
            Some(EventType::FormatDescription) => {
                let f = FormatDescription::parse(ev.bytes)?;
                write!(
                    out,
                    "Start: binlog v {}, server v {} created {}",
                    f.binlog_version,
                    f.server_version,
                    format_timestamp(f.create_timestamp)
                )?;
                if f.create_timestamp != 0 {
                    write!(out, " at startup")?;
                }
                writeln!(out)?;
            }
            Some(EventType::Rotate) => {
                let r = Rotate::parse(body)?;
                writeln!(
                    out,
                    "Rotate to {}  pos: {}",
                    r.next_file_lossy(),
                    r.position
                )?;
            }
            Some(EventType::Query) | Some(EventType::QueryCompressed) => {
                query_event(t, body, h.timestamp, fde, out)?
            }
            Some(EventType::Xid) => {
                writeln!(out, "Xid = {}\nCOMMIT/*!*/;", events::parse_xid(body)?)?;
                self.maps.clear();
            }
            Some(EventType::MariaGtid) => maria_gtid(body, h.server_id, out)?,
            Some(EventType::GtidList) => {
                let l = events::parse_gtid_list(body)?;
                let items: Vec<String> = l.iter().map(ToString::to_string).collect();
                writeln!(out, "Gtid list [{}]", items.join(",\n# "))?;
            }
            Some(EventType::BinlogCheckpoint) => {
                let f = events::parse_binlog_checkpoint(body)?;
                writeln!(out, "Binlog checkpoint {}", String::from_utf8_lossy(f))?;
            }
            Some(EventType::Gtid | EventType::AnonymousGtid) => mysql_gtid(t, body, out)?,
            Some(EventType::GtidTagged) => {
                writeln!(out, "Gtid_tagged_log (tagged GTID; fields not decoded)")?
            }
            Some(EventType::PreviousGtids) => {
                // One `# ` comment line per source, as mysqlbinlog prints a multi-source set.
                writeln!(out, "Previous-GTIDs")?;
                for line in events::parse_previous_gtids(body)?.lines() {
                    writeln!(out, "# {line}")?;
                }
            }
            Some(EventType::AnnotateRows | EventType::RowsQuery) => {
                let q = events::parse_annotate(t.unwrap_or(EventType::AnnotateRows), body);
                writeln!(
                    out,
                    "{}:",
                    if t == Some(EventType::RowsQuery) {
                        "Rows_query"
                    } else {
                        "Annotate_rows"
                    }
                )?;
                for line in q.split(|&b| b == b'\n') {
                    out.write_all(b"#Q> ")?;
                    out.write_all(line)?;
                    out.write_all(b"\n")?;
                }
            }
            Some(EventType::TableMap) => {
                let m = self.table_map()?;
                out.write_all(b"Table_map: `")?;
                out.write_all(m.schema())?;
                out.write_all(b"`.`")?;
                out.write_all(m.table())?;
                writeln!(out, "` mapped to number {}", m.table_id)?;
            }
            Some(tt) if tt.is_rows() => self.rows(tt, body, fde, out)?,
            Some(EventType::Intvar) => {
                let v = IntVar::parse(body)?;
                writeln!(out, "Intvar\nSET {}={}/*!*/;", v.name(), v.value)?;
            }
            Some(EventType::Rand) => {
                let (a, b) = events::parse_rand(body)?;
                writeln!(out, "Rand\nSET @@RAND_SEED1={a}, @@RAND_SEED2={b}/*!*/;")?;
            }
            Some(EventType::UserVar) => {
                let v = UserVar::parse(body)?;
                write!(
                    out,
                    "User_var\nSET @`{}`:=",
                    String::from_utf8_lossy(v.name)
                )?;
                match v.value {
                    None => writeln!(out, "NULL/*!*/;")?,
                    Some((_, _, bytes)) => writeln!(out, "0x{}/*!*/;", hex(bytes))?,
                }
            }
            Some(EventType::BeginLoadQuery | EventType::AppendBlock) => {
                let b = events::LoadBlock::parse(body)?;
                writeln!(
                    out,
                    "{}\tfile_id: {}\tblock_len: {}",
                    h.type_name(),
                    b.file_id,
                    b.data.len()
                )?;
            }
            Some(EventType::ExecuteLoadQuery) => {
                let x = events::ExecuteLoad::parse(body, fde)?;
                let q = &x.query;
                writeln!(
                    out,
                    "Execute_load_query\tthread_id={}\texec_time={}\terror_code={}\tfile_id={}",
                    q.thread_id, q.exec_time, q.error_code, x.file_id
                )?;
                if !q.db.is_empty() {
                    out.write_all(b"use `")?;
                    out.write_all(q.db)?;
                    out.write_all(b"`/*!*/;\n")?;
                }
                out.write_all(q.query)?;
                out.write_all(b"\n/*!*/;\n")?;
            }
            Some(EventType::XaPrepare) => {
                let (one_phase, xid) = events::parse_xa_prepare(body)?;
                if one_phase {
                    writeln!(out, "XA_prepare\nXA COMMIT {xid} ONE PHASE\n/*!*/;")?;
                } else {
                    writeln!(out, "XA_prepare\nXA PREPARE {xid}\n/*!*/;")?;
                }
            }
            Some(EventType::Stop) => writeln!(out, "Stop")?,
            Some(EventType::Incident) => {
                let (kind, msg) = events::parse_incident(body)?;
                writeln!(
                    out,
                    "Incident: {} ({kind})\nRELOAD DATABASE; # Shall generate syntax error\n/*!*/;",
                    String::from_utf8_lossy(msg)
                )?;
            }
            Some(EventType::Heartbeat | EventType::HeartbeatV2) => writeln!(out, "Heartbeat")?,
            Some(EventType::TransactionPayload) => {
                let p = TransactionPayload::parse(body)?;
                writeln!(
                    out,
                    "Transaction_Payload\tpayload_size={}\tcompression_type={}\tuncompressed_size={}",
                    p.payload.len(),
                    if p.compression == 0 { "ZSTD" } else { "NONE" },
                    p.uncompressed_size
                )?;
                let inner = p.decompress()?;
                for e in split_events(&inner) {
                    let e = e?;
                    self.event(place, pos, &e, fde, false, out)?;
                }
            }
            Some(EventType::StartEncryption) => writeln!(
                out,
                "Start_encryption (events after this are encrypted and cannot be shown)"
            )?,
            Some(other) => writeln!(out, "{}", other.name())?,
            None => writeln!(out, "Unknown event type {}", h.type_code)?,
        }
        Ok(())
    }

    /// `# at POS` and the `#YYMMDD HH:MM:SS server id N  end_log_pos P CRC32 0x.. \t` prefix,
    /// written without the formatting machinery: it is printed for every event.
    fn header_line(
        &mut self,
        pos: u64,
        ev: &Event<'_>,
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        let h = &ev.header;
        let mut n = [0u8; 24];
        out.write_all(b"# at ")?;
        out.write_all(fmt_u64(pos, &mut n))?;
        out.write_all(b"\n#")?;
        if self.ts_cache.0 != h.timestamp || self.ts_cache.1.is_empty() {
            self.ts_cache = (h.timestamp, format_timestamp(h.timestamp));
        }
        out.write_all(self.ts_cache.1.as_bytes())?;
        out.write_all(b" server id ")?;
        out.write_all(fmt_u64(h.server_id as u64, &mut n))?;
        out.write_all(b"  end_log_pos ")?;
        out.write_all(fmt_u64(h.log_pos as u64, &mut n))?;
        out.write_all(b" ")?;
        match ev.stored_checksum() {
            Some(c) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut x = *b"CRC32 0x00000000 \t";
                for i in 0..8 {
                    x[8 + i] = HEX[((c >> (28 - 4 * i)) & 0xf) as usize];
                }
                out.write_all(&x)
            }
            None => out.write_all(b"\t"),
        }
    }

    /// The TABLE_MAP event being handled, as decoded into `maps` by [`Printer::event`].
    fn table_map(&self) -> Result<&rows_print::OwnedTableMap, DecodeError> {
        self.maps
            .get(&self.last_map)
            .ok_or_else(|| DecodeError::bad("Table_map", "table map not remembered"))
    }

    /// `--database`: statements by default database, row events and table maps by table.
    fn in_database(&self, ev: &Event<'_>, fde: &FormatDescription) -> Result<bool, DecodeError> {
        let Some(db) = &self.opts.database else {
            return Ok(true);
        };
        Ok(match ev.event_type() {
            Some(EventType::Query | EventType::QueryCompressed) => {
                let q = Query::parse(ev.body(), fde)?;
                // Transaction brackets belong to every database's transactions.
                q.db == db.as_bytes() || matches!(q.query, b"BEGIN" | b"COMMIT" | b"ROLLBACK")
            }
            Some(EventType::TableMap) => self.table_map()?.schema() == db.as_bytes(),
            Some(t) if t.is_rows() => match rows_print::rows_table_id(t, ev.body(), fde) {
                Ok(id) => self
                    .maps
                    .get(&id)
                    .is_some_and(|m| m.schema() == db.as_bytes()),
                Err(_) => true,
            },
            _ => true,
        })
    }

    fn rows(
        &mut self,
        t: EventType,
        body: &[u8],
        fde: &FormatDescription,
        out: &mut impl Write,
    ) -> Result<(), PrintError> {
        let summary =
            rows_print::print_rows_event(out, t, body, fde, &self.maps, self.opts.verbose)?;
        if summary.statement_end {
            self.maps.clear();
        }
        Ok(())
    }

    fn json(
        &mut self,
        place: &str,
        pos: u64,
        ev: &Event<'_>,
        fde: &FormatDescription,
        out: &mut impl Write,
    ) -> Result<(), PrintError> {
        use serde_json::{json, Value};
        let h = &ev.header;
        let t = ev.event_type();
        let body = ev.body();
        let mut o = json!({
            "file": place,
            "pos": pos,
            "end_log_pos": h.log_pos,
            "timestamp": h.timestamp,
            "type": h.type_name(),
            "type_code": h.type_code,
            "server_id": h.server_id,
            "size": h.event_size,
            "flags": h.flags,
            "checksum": ev.stored_checksum().map(|c| format!("0x{c:08x}")),
        });
        let extra: Value = match t {
            Some(EventType::FormatDescription) => {
                let f = FormatDescription::parse(ev.bytes)?;
                json!({"binlog_version": f.binlog_version, "server_version": f.server_version, "checksum_alg": f.checksum.name()})
            }
            Some(EventType::Rotate) => {
                let r = Rotate::parse(body)?;
                json!({"next_file": r.next_file_lossy(), "position": r.position})
            }
            Some(EventType::Query) => {
                let q = Query::parse(body, fde)?;
                json!({"db": String::from_utf8_lossy(q.db), "query": String::from_utf8_lossy(q.query), "thread_id": q.thread_id, "error_code": q.error_code})
            }
            Some(EventType::QueryCompressed) => {
                let q = Query::parse(body, fde)?;
                let text = events::maria_uncompress(q.query, "compressed query")?;
                json!({"db": String::from_utf8_lossy(q.db), "query": String::from_utf8_lossy(&text)})
            }
            Some(EventType::Xid) => json!({"xid": events::parse_xid(body)?}),
            Some(EventType::XaPrepare) => {
                let (one_phase, xid) = events::parse_xa_prepare(body)?;
                json!({"xa_xid": xid, "one_phase": one_phase})
            }
            Some(EventType::BeginLoadQuery | EventType::AppendBlock) => {
                let b = events::LoadBlock::parse(body)?;
                json!({"file_id": b.file_id, "block_len": b.data.len()})
            }
            Some(EventType::ExecuteLoadQuery) => {
                let x = events::ExecuteLoad::parse(body, fde)?;
                json!({"db": String::from_utf8_lossy(x.query.db), "query": String::from_utf8_lossy(x.query.query), "thread_id": x.query.thread_id, "error_code": x.query.error_code, "file_id": x.file_id})
            }
            Some(EventType::MariaGtid) => {
                let g = MariaGtid::parse(body)?;
                json!({"gtid": format!("{}-{}-{}", g.domain_id, h.server_id, g.seq_no), "standalone": g.standalone()})
            }
            Some(EventType::GtidList) => {
                json!({"gtids": events::parse_gtid_list(body)?.iter().map(ToString::to_string).collect::<Vec<_>>()})
            }
            Some(EventType::Gtid) => {
                let g = MysqlGtid::parse(body)?;
                json!({"gtid": format!("{}:{}", events::format_uuid(&g.sid), g.gno)})
            }
            Some(EventType::AnnotateRows | EventType::RowsQuery) => {
                json!({"query": String::from_utf8_lossy(events::parse_annotate(t.unwrap_or(EventType::AnnotateRows), body))})
            }
            Some(EventType::TableMap) => {
                let m = self.table_map()?;
                json!({"table_id": m.table_id, "schema": String::from_utf8_lossy(m.schema()), "table": String::from_utf8_lossy(m.table())})
            }
            Some(tt) if tt.is_rows() => rows_print::rows_json(tt, body, fde, &self.maps)?,
            _ => Value::Null,
        };
        if let (Value::Object(o), Value::Object(e)) = (&mut o, extra) {
            o.extend(e);
        }
        serde_json::to_writer(&mut *out, &o).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
        if t == Some(EventType::Xid) {
            self.maps.clear();
        }
        Ok(())
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A Query event: its thread, time and error code, then `use`, the timestamp and the text.
fn query_event(
    t: Option<EventType>,
    body: &[u8],
    timestamp: u32,
    fde: &FormatDescription,
    out: &mut impl Write,
) -> Result<(), PrintError> {
    let q = Query::parse(body, fde)?;
    let text = if t == Some(EventType::QueryCompressed) {
        std::borrow::Cow::Owned(events::maria_uncompress(q.query, "compressed query")?)
    } else {
        std::borrow::Cow::Borrowed(q.query)
    };
    let s = q.status();
    write!(
        out,
        "Query\tthread_id={}\texec_time={}\terror_code={}",
        q.thread_id, q.exec_time, q.error_code
    )?;
    if let Some(x) = s.xid {
        write!(out, "\txid={x}")?;
    }
    writeln!(out)?;
    if !q.db.is_empty() {
        out.write_all(b"use `")?;
        out.write_all(q.db)?;
        out.write_all(b"`/*!*/;\n")?;
    }
    writeln!(out, "SET TIMESTAMP={}/*!*/;", timestamp)?;
    out.write_all(&text)?;
    out.write_all(b"\n/*!*/;\n")?;
    Ok(())
}

/// A MariaDB GTID event: `GTID domain-server-seq` and, for a transaction, its START.
fn maria_gtid(body: &[u8], server_id: u32, out: &mut impl Write) -> Result<(), PrintError> {
    let g = MariaGtid::parse(body)?;
    let kind = if g.standalone() {
        if g.flags & 32 != 0 {
            " ddl"
        } else {
            ""
        }
    } else {
        " trans"
    };
    write!(out, "GTID {}-{}-{}{kind}", g.domain_id, server_id, g.seq_no)?;
    if let Some(c) = g.commit_id {
        write!(out, " cid={c}")?;
    }
    writeln!(out)?;
    if !g.standalone() {
        writeln!(out, "START TRANSACTION\n/*!*/;")?;
    }
    Ok(())
}

/// A MySQL GTID or anonymous GTID event and the GTID_NEXT it sets.
fn mysql_gtid(t: Option<EventType>, body: &[u8], out: &mut impl Write) -> Result<(), PrintError> {
    let g = MysqlGtid::parse(body)?;
    write!(
        out,
        "{}",
        if t == Some(EventType::Gtid) {
            "GTID"
        } else {
            "Anonymous_GTID"
        }
    )?;
    if let Some((lc, seq)) = g.logical_clock {
        write!(out, "\tlast_committed={lc}\tsequence_number={seq}")?;
    }
    writeln!(out)?;
    if t == Some(EventType::Gtid) {
        writeln!(
            out,
            "SET @@SESSION.GTID_NEXT= '{}:{}'/*!*/;",
            events::format_uuid(&g.sid),
            g.gno
        )?;
    } else {
        writeln!(out, "SET @@SESSION.GTID_NEXT= 'ANONYMOUS'/*!*/;")?;
    }
    Ok(())
}
