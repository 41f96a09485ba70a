//! SHOW BINLOG EVENTS / SHOW RELAYLOG EVENTS rows: one per event with mysqld's Event_type
//! names and Info texts (`BEGIN GTID 0-1-3`, `use `db`; ...`, `table_id: 18 (d.t)`,
//! `COMMIT /* xid=3 */`, `mb.000002;pos=4`...).

use std::path::Path;

use crate::binlog::event::{Event, EventType};
use crate::binlog::events::{self, Query, Rotate};
use crate::binlog::fde::FormatDescription;
use crate::binlog::file::{BinlogReader, Stop};
use crate::binlog::rows::RowsEvent;
use crate::binlog::table_map::TableMap;
use crate::binlog::DecodeError;

/// LOG_EVENT_SUPPRESS_USE_F in the event header flags.
const SUPPRESS_USE: u16 = 0x0008;

/// One row of SHOW ... EVENTS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// Pos: where the event starts in the file.
    pub pos: u64,
    /// Event_type.
    pub event_type: String,
    /// Server_id.
    pub server_id: u32,
    /// End_log_pos as the event header has it (the master's coordinates in a relay log).
    pub end_log_pos: u32,
    /// Info.
    pub info: String,
}

/// Events of `path` from offset `from` (an event start; 4 when `None`), after skipping
/// `offset` events and at most `limit` of them.
pub fn read_events(
    path: &Path,
    from: Option<u64>,
    offset: usize,
    limit: Option<usize>,
) -> Result<Vec<EventRow>, DecodeError> {
    let mut r = BinlogReader::open(path)?;
    let mut out = Vec::new();
    let mut seen = 0usize;
    let from = from.unwrap_or(4);
    loop {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        match r.next_with_fde() {
            Ok(None) => break,
            Ok(Some((at, ev, fde))) => {
                if at < from {
                    continue;
                }
                seen += 1;
                if seen <= offset {
                    continue;
                }
                out.push(EventRow {
                    pos: at,
                    event_type: EventType::name_of(ev.header.type_code).to_string(),
                    server_id: ev.header.server_id,
                    end_log_pos: ev.header.log_pos,
                    info: info(&ev, fde),
                });
            }
            // A relay file being written ends in a partial event: stop before it.
            Err(Stop::TornTail { .. }) => break,
            Err(Stop::Corrupt(e)) => return Err(e),
        }
    }
    Ok(out)
}

/// The Info column for one event.
pub fn info(ev: &Event<'_>, fde: &FormatDescription) -> String {
    let body = ev.body();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let Some(t) = ev.event_type() else {
        return String::new();
    };
    match t {
        EventType::FormatDescription => match FormatDescription::parse(ev.bytes) {
            Ok(f) => format!(
                "Server ver: {}, Binlog ver: {}",
                f.server_version, f.binlog_version
            ),
            Err(_) => String::new(),
        },
        // LOG_EVENT_SUPPRESS_USE_F: CREATE/DROP DATABASE name their database but show no
        // `use`.
        EventType::Query => match Query::parse(body, fde) {
            Ok(q) if q.db.is_empty() || ev.header.flags & SUPPRESS_USE != 0 => text(q.query),
            Ok(q) => format!("use `{}`; {}", text(q.db), text(q.query)),
            Err(_) => String::new(),
        },
        EventType::QueryCompressed => match Query::parse(body, fde) {
            Ok(q) => {
                let sql = events::maria_uncompress(q.query, "query")
                    .map(|b| text(&b))
                    .unwrap_or_default();
                if q.db.is_empty() || ev.header.flags & SUPPRESS_USE != 0 {
                    sql
                } else {
                    format!("use `{}`; {sql}", text(q.db))
                }
            }
            Err(_) => String::new(),
        },
        EventType::Xid => events::parse_xid(body)
            .map(|x| format!("COMMIT /* xid={x} */"))
            .unwrap_or_default(),
        EventType::Rotate => Rotate::parse(body)
            .map(|r| format!("{};pos={}", r.next_file_lossy(), r.position))
            .unwrap_or_default(),
        EventType::MariaGtid => match events::MariaGtid::parse(body) {
            Ok(g) => {
                let gtid = format!("{}-{}-{}", g.domain_id, ev.header.server_id, g.seq_no);
                let mut s = if g.standalone() {
                    format!("GTID {gtid}")
                } else {
                    format!("BEGIN GTID {gtid}")
                };
                if let Some(c) = g.commit_id {
                    s.push_str(&format!(" cid={c}"));
                }
                s
            }
            Err(_) => String::new(),
        },
        EventType::GtidList => match events::parse_gtid_list(body) {
            Ok(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|g| format!("{}-{}-{}", g.domain_id, g.server_id, g.seq_no))
                    .collect();
                format!("[{}]", items.join(","))
            }
            Err(_) => String::new(),
        },
        EventType::BinlogCheckpoint => events::parse_binlog_checkpoint(body)
            .map(text)
            .unwrap_or_default(),
        EventType::AnnotateRows | EventType::RowsQuery => text(events::parse_annotate(t, body)),
        EventType::TableMap => match TableMap::parse(body, fde) {
            Ok(m) => format!(
                "table_id: {} ({}.{})",
                m.table_id,
                text(m.schema()),
                text(m.table())
            ),
            Err(_) => String::new(),
        },
        t if t.is_rows() => match RowsEvent::parse(t, body, fde) {
            Ok(r) if r.flags & 1 != 0 => format!("table_id: {} flags: STMT_END_F", r.table_id),
            Ok(r) => format!("table_id: {}", r.table_id),
            Err(_) => String::new(),
        },
        EventType::Intvar => events::IntVar::parse(body)
            .map(|v| format!("{}={}", v.name(), v.value))
            .unwrap_or_default(),
        EventType::Rand => events::parse_rand(body)
            .map(|(a, b)| format!("rand_seed1={a},rand_seed2={b}"))
            .unwrap_or_default(),
        EventType::Gtid => events::MysqlGtid::parse(body)
            .map(|g| {
                format!(
                    "SET @@SESSION.GTID_NEXT= '{}:{}'",
                    events::format_uuid(&g.sid),
                    g.gno
                )
            })
            .unwrap_or_default(),
        EventType::AnonymousGtid => "SET @@SESSION.GTID_NEXT= 'ANONYMOUS'".into(),
        EventType::PreviousGtids => events::parse_previous_gtids(body).unwrap_or_default(),
        _ => String::new(),
    }
}
