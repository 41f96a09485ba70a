//! One event group applied into a store transaction: GTID, QUERY (DDL through [`ddl`] and
//! [`schema`]), TABLE_MAP checked against the catalog, rows through [`RowApplier`],
//! TRANSACTION_PAYLOAD unpacked, filters and the own-server_id rule applied.

use std::collections::HashMap;

use super::applier::ApplierOptions;
use super::ddl::{self, DdlContext, DdlOp};
use super::filter::Filters;
use super::replay::{MasterSession, Replay, StatementVars};
use super::rows::{RowApplier, RowError, Skipped};
use super::schema;
use super::statement::{classify, StatementKind};
use crate::binlog::event::{ChecksumAlg, Event, EventType, RowsOp};
use crate::binlog::events::{
    maria_uncompress, parse_rand, ExecuteLoad, IntVar, LoadBlock, MariaGtid, MysqlGtid, Query,
    TransactionPayload, UserVar,
};
use crate::binlog::rows::RowsEvent;
use crate::binlog::table_map::TableMap;
use crate::binlog::FormatDescription;
use crate::relay::reader::EventGroup;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{Catalog, ChildKey};
use crate::store::table::TableRt;
use crate::store::view::Tables;
use crate::store::{SavePoint, Store, Txn};
use crate::tz::TimeZone;

mod query;

use query::apply_statement;

/// A group's apply failure: an error, with the event it happened at.
pub(super) struct GroupError {
    /// The error.
    pub(super) error: RowError,
    /// What was being applied (for Last_SQL_Error).
    pub(super) context: String,
}

/// Tables prepared for applying; emptied whenever DDL runs, so an entry is the
/// definition in force.
#[derive(Default)]
pub(super) struct Prepared {
    /// By store id (row events).
    pub(super) by_id: HashMap<u32, TableRt>,
    /// By (database, name), for the query engine (statement replay); made when first
    /// needed.
    pub(super) by_name: Option<Tables>,
    /// Statement shapes planned against these tables.
    pub(super) shapes: super::replay::Shapes,
    /// The time zone the last statement logged, read once while statements keep it.
    pub(super) zone: Option<(Vec<u8>, TimeZone)>,
    /// The foreign keys referencing each table ([`Catalog::references`]), made when first
    /// needed.
    pub(super) references: Option<HashMap<(String, String), Vec<ChildKey>>>,
}

impl Prepared {
    /// The time zone a QUERY event logged (`SYSTEM` when none): 1298 for one unknown here,
    /// as mysqld's SQL thread stops on a zone its tables lack.
    fn time_zone(&mut self, logged: Option<&[u8]>) -> Result<TimeZone, SqlError> {
        let Some(name) = logged else {
            return Ok(TimeZone::System);
        };
        match &self.zone {
            Some((n, tz)) if n == name => Ok(tz.clone()),
            _ => {
                let tz = TimeZone::parse(&String::from_utf8_lossy(name))?;
                self.zone = Some((name.to_vec(), tz.clone()));
                Ok(tz)
            }
        }
    }

    /// Forgets every prepared table.
    pub(super) fn clear(&mut self) {
        self.by_id.clear();
        self.by_name = None;
        self.references = None;
        self.shapes.clear();
    }
}

/// What a group's events leave behind.
#[derive(Default)]
pub(super) struct GroupCtx {
    /// The group's GTID (MariaDB's, as text).
    pub(super) gtid: Option<String>,
    /// The group's MySQL GTID: source UUID and number.
    pub(super) mysql_gtid: Option<([u8; 16], u64)>,
    /// Rows / statements skipped.
    pub(super) skipped: Vec<Skipped>,
    /// Master timestamp of the group's first event.
    pub(super) timestamp: u32,
    /// What INTVAR, RAND and USER_VAR events set for the next statement.
    pub(super) vars: StatementVars,
    /// Where the group's changes start in the store transaction (a ROLLBACK that ends
    /// the group comes back here).
    pub(super) start: Option<SavePoint>,
    /// The group's savepoints (SAVEPOINT events), oldest first.
    pub(super) savepoints: Vec<(String, SavePoint)>,
    /// LOAD DATA files by file id, as BEGIN_LOAD_QUERY and APPEND_BLOCK events carry
    /// them, until EXECUTE_LOAD_QUERY reads them.
    pub(super) load_files: HashMap<u32, Vec<u8>>,
    /// Events on `mysql` schema tables replicant does not keep, passed over.
    pub(super) system_ignored: u64,
    /// The group is an XA transaction's prepared part (XA_PREPARE, not ONE PHASE): its
    /// xid. Its changes wait in the store for XA COMMIT.
    pub(super) xa_prepared: Option<String>,
    /// The group carries our own server_id (a ring): not applied, not logged.
    pub(super) own: bool,
    /// The event being applied is not to go into our binlog (replicate-* filters kept
    /// it from being applied, or binlog-do/ignore-db leaves it out).
    pub(super) skip_log: bool,
    /// The positions in the group of the events left out of our binlog.
    pub(super) unlogged: Vec<usize>,
    /// Rows skipped under the conflict policy, to leave out of the binlog: (event
    /// position in the group, byte ranges in the event), as mysqld logs only the rows it
    /// applied.
    pub(super) cut_rows: Vec<(usize, Vec<(usize, usize)>)>,
    /// The position in the group of the event being applied.
    pub(super) event_index: usize,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn apply_group(
    group: &EventGroup<'_>,
    opts: &ApplierOptions,
    store: &Store,
    txn: &mut Txn,
    catalog: &mut Option<Catalog>,
    committed: &Catalog,
    tables: &mut Prepared,
    rows: &mut RowApplier,
    ctx: &mut GroupCtx,
) -> Result<(), GroupError> {
    let mut maps: HashMap<u64, TableMap<'static>> = HashMap::new();
    if group.master_restarted && !catalog.as_ref().unwrap_or(committed).temporary.is_empty() {
        // The master restarted: its sessions' temporary tables are gone (mysqld's SQL
        // thread closes them on such a FORMAT_DESCRIPTION too).
        let cat = catalog.get_or_insert_with(|| committed.clone());
        for (_, t) in std::mem::take(&mut cat.temporary) {
            txn.drop_table(t.id);
        }
        tables.clear();
        rows.reset();
    }
    ctx.start = Some(txn.savepoint());
    for (i, ev) in group.events().enumerate() {
        if ev.header.server_id == opts.server_id {
            // Our own change come back around a ring: mysqld skips it
            // (replicate-same-server-id=0).
            ctx.own = true;
            return Ok(());
        }
        if ctx.timestamp == 0 {
            ctx.timestamp = ev.header.timestamp;
        }
        ctx.event_index = i;
        apply_event(
            &ev, group.fde, opts, store, txn, catalog, committed, tables, rows, ctx, &mut maps,
        )?;
        if std::mem::take(&mut ctx.skip_log) {
            ctx.unlogged.push(i);
        }
    }
    if let (Some(xid), Some(start)) = (ctx.xa_prepared.take(), ctx.start) {
        // An XA transaction prepared on the master: its changes are not visible until
        // XA COMMIT (and gone on XA ROLLBACK), so they wait in the store, committed with
        // this group's position (a crash keeps them).
        let records = txn.take_records(start);
        txn.put(&xa_key(&xid), &records);
    }
    Ok(())
}

/// The rows skipped since `before` in rows event `rev` (of `ev`) are left out of the
/// binlog: their bytes are recorded for the binlog writer, or the whole event is left out
/// when every row was skipped. (A compressed event keeps its rows: its row bytes are not
/// the event's.)
fn cut_skipped_rows(ev: &Event<'_>, rev: &RowsEvent<'_>, ctx: &mut GroupCtx, before: usize) {
    let data = rev.rows_data();
    let base = (data.as_ptr() as usize)
        .checked_sub(ev.bytes.as_ptr() as usize)
        .filter(|b| b + data.len() <= ev.bytes.len());
    let mut cut = Vec::new();
    for s in &mut ctx.skipped[before..] {
        if let (Some(b), Some((from, to))) = (base, s.row.take()) {
            cut.push((b + from, b + to));
        }
    }
    if cut.is_empty() {
        return;
    }
    if cut.iter().map(|(f, t)| t - f).sum::<usize>() >= data.len() {
        ctx.skip_log = true;
    } else {
        ctx.cut_rows.push((ctx.event_index, cut));
    }
}

/// The `mysql` schema: its tables replicant does not keep are passed over, not errors.
pub(super) fn is_system_schema(db: &str) -> bool {
    db.eq_ignore_ascii_case("mysql")
}

/// Where a prepared XA transaction's changes wait.
fn xa_key(xid: &str) -> Vec<u8> {
    let mut k = vec![crate::store::keys::XA];
    k.extend_from_slice(xid.to_ascii_uppercase().as_bytes());
    k
}

fn decode_err(e: crate::binlog::DecodeError, what: &str) -> GroupError {
    GroupError {
        error: RowError::Decode(e),
        context: what.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_event(
    ev: &Event<'_>,
    fde: &FormatDescription,
    opts: &ApplierOptions,
    store: &Store,
    txn: &mut Txn,
    catalog: &mut Option<Catalog>,
    committed: &Catalog,
    tables: &mut Prepared,
    rows: &mut RowApplier,
    ctx: &mut GroupCtx,
    maps: &mut HashMap<u64, TableMap<'static>>,
) -> Result<(), GroupError> {
    let Some(t) = ev.event_type() else {
        return Ok(());
    };
    let body = ev.body();
    match t {
        EventType::MariaGtid => {
            let g = MariaGtid::parse(body).map_err(|e| decode_err(e, "GTID event"))?;
            ctx.gtid = Some(format!(
                "{}-{}-{}",
                g.domain_id, ev.header.server_id, g.seq_no
            ));
        }
        EventType::Gtid => {
            let g = MysqlGtid::parse(body).map_err(|e| decode_err(e, "GTID event"))?;
            ctx.mysql_gtid = Some((g.sid, g.gno as u64));
        }
        EventType::Query | EventType::QueryCompressed => {
            let q = Query::parse(body, fde).map_err(|e| decode_err(e, "Query event"))?;
            let text = if t == EventType::QueryCompressed {
                std::borrow::Cow::Owned(
                    maria_uncompress(q.query, "compressed query")
                        .map_err(|e| decode_err(e, "Query event"))?,
                )
            } else {
                std::borrow::Cow::Borrowed(q.query)
            };
            apply_statement(
                tables,
                &q,
                fde,
                &text,
                None,
                ev.header.timestamp,
                opts,
                store,
                txn,
                catalog,
                committed,
                rows,
                ctx,
            )?;
        }
        EventType::BeginLoadQuery | EventType::AppendBlock => {
            let b = LoadBlock::parse(body).map_err(|e| decode_err(e, t.name()))?;
            let file = ctx.load_files.entry(b.file_id).or_default();
            if t == EventType::BeginLoadQuery {
                file.clear();
            }
            file.extend_from_slice(b.data);
        }
        EventType::DeleteFile => {
            if let Some(id) = body.get(..4).and_then(|b| b.try_into().ok()) {
                ctx.load_files.remove(&u32::from_le_bytes(id));
            }
        }
        EventType::ExecuteLoadQuery => {
            let x = ExecuteLoad::parse(body, fde).map_err(|e| decode_err(e, t.name()))?;
            let data = ctx.load_files.remove(&x.file_id).ok_or_else(|| {
                decode_err(
                    crate::binlog::DecodeError::bad(
                        "Execute_load_query",
                        format!(
                            "no Begin_load_query event before it for file id {}",
                            x.file_id
                        ),
                    ),
                    t.name(),
                )
            })?;
            apply_statement(
                tables,
                &x.query,
                fde,
                x.query.query,
                Some(&data),
                ev.header.timestamp,
                opts,
                store,
                txn,
                catalog,
                committed,
                rows,
                ctx,
            )?;
        }
        EventType::Intvar => {
            let v = IntVar::parse(body).map_err(|e| decode_err(e, "Intvar event"))?;
            match v.kind {
                1 => ctx.vars.last_insert_id = Some(v.value),
                _ => ctx.vars.insert_id = Some(v.value),
            }
        }
        EventType::XaPrepare => {
            let (one_phase, xid) = crate::binlog::events::parse_xa_prepare(body)
                .map_err(|e| decode_err(e, "XA_prepare event"))?;
            if !one_phase {
                ctx.xa_prepared = Some(xid);
            }
        }
        EventType::Rand => {
            ctx.vars.rand = Some(parse_rand(body).map_err(|e| decode_err(e, "RAND event"))?);
        }
        EventType::UserVar => {
            let v = UserVar::parse(body).map_err(|e| decode_err(e, "User var event"))?;
            let value = user_var_value(&v).map_err(|e| decode_err(e, "User var event"))?;
            let name = String::from_utf8_lossy(v.name).to_ascii_lowercase();
            ctx.vars.user_vars.retain(|(n, _)| *n != name);
            ctx.vars.user_vars.push((name, value));
        }
        EventType::TableMap => {
            let m = TableMap::parse(body, fde).map_err(|e| decode_err(e, "Table_map event"))?;
            if opts.logbin.is_some() {
                // A table whose rows are not logged needs no map in the binlog either.
                let (db, table) = (
                    String::from_utf8_lossy(m.schema()),
                    String::from_utf8_lossy(m.table()),
                );
                ctx.skip_log = !opts.filters.row_ok(&db, &table) || !opts.binlog_db_ok(&db);
            }
            maps.insert(m.table_id, m.into_owned());
        }
        EventType::TransactionPayload => {
            let p = TransactionPayload::parse(body)
                .map_err(|e| decode_err(e, "Transaction_payload event"))?;
            let inner = p
                .decompress()
                .map_err(|e| decode_err(e, "Transaction_payload event"))?;
            let mut at = 0;
            let cuts = ctx.cut_rows.len();
            while at + 19 <= inner.len() {
                let len = u32::from_le_bytes([
                    inner[at + 9],
                    inner[at + 10],
                    inner[at + 11],
                    inner[at + 12],
                ]) as usize;
                let Some(bytes) = inner.get(at..at + len) else {
                    break;
                };
                let iev = Event::new(bytes, ChecksumAlg::Off)
                    .map_err(|e| decode_err(e, "Transaction_payload event"))?;
                apply_event(
                    &iev, fde, opts, store, txn, catalog, committed, tables, rows, ctx, maps,
                )?;
                at += len.max(19);
            }
            // A compressed transaction is logged whole (replicant does not re-compress
            // what is left once filtered events or skipped rows are taken out): the
            // inner events' cuts do not apply to the payload's bytes.
            ctx.skip_log = false;
            ctx.cut_rows.truncate(cuts);
        }
        _ if t.rows_kind().is_some() => {
            let rev = RowsEvent::from_event(ev, fde).map_err(|e| decode_err(e, t.name()))?;
            let map = maps.get(&rev.table_id).ok_or_else(|| GroupError {
                error: RowError::Sql(
                    SqlError::not_supported(&format!(
                        "a rows event for table id {} with no Table_map before it",
                        rev.table_id
                    )),
                    "HA_ERR_UNSUPPORTED",
                ),
                context: format!("{} event", t.name()),
            })?;
            let key = (
                String::from_utf8_lossy(map.schema()).into_owned(),
                String::from_utf8_lossy(map.table()).into_owned(),
            );
            if opts.logbin.is_some() && !opts.binlog_db_ok(&key.0) {
                ctx.skip_log = true;
            }
            if !opts.filters.row_ok(&key.0, &key.1) {
                ctx.skip_log = true;
                return Ok(());
            }
            // Named in errors only: built when one happens.
            let context = || format!("{} event on table {}.{}", t.name(), key.0, key.1);
            let cat = catalog.as_ref().unwrap_or(committed);
            let Some(def) = cat.tables.get(&key) else {
                if is_system_schema(&key.0) {
                    // A system table replicant does not keep (accounts, statistics,
                    // logs): passed over and counted, never a stop.
                    ctx.system_ignored += 1;
                    return Ok(());
                }
                let e = SqlError::no_such_table(&key.0, &key.1);
                if opts.policy.skip.skips(e.code) {
                    ctx.skipped.push(Skipped {
                        error: e,
                        row: None,
                    });
                    return Ok(());
                }
                return Err(GroupError {
                    error: RowError::Sql(e, "HA_ERR_NO_SUCH_TABLE"),
                    context: context(),
                });
            };
            // `tables` is emptied whenever DDL runs, so an entry is the definition in force.
            let Prepared {
                by_id, references, ..
            } = &mut *tables;
            let rt = by_id.entry(def.id).or_insert_with(|| {
                TableRt::linked(
                    def.clone(),
                    references.get_or_insert_with(|| cat.references()),
                )
            });
            if let Err(e) = check_map(rt, map) {
                if is_system_schema(&key.0) {
                    // A MySQL master's account table (another layout than MariaDB's,
                    // which replicant keeps): passed over and counted, never a stop.
                    ctx.system_ignored += 1;
                    return Ok(());
                }
                return Err(GroupError {
                    error: RowError::Sql(e, "HA_ERR_UNSUPPORTED"),
                    context: context(),
                });
            }
            rows.now = ev.header.timestamp;
            // Foreign keys' actions on other tables, which the master does not log.
            let cascading = rev.flags & crate::binlog::rows::NO_FOREIGN_KEY_CHECKS_F == 0
                && match rev.kind.op {
                    RowsOp::Write => false,
                    RowsOp::Delete => rt.cascades(true),
                    RowsOp::Update | RowsOp::PartialUpdate => rt.cascades(false),
                };
            if cascading {
                rows.changed = Some(Vec::new());
            }
            let before = ctx.skipped.len();
            let applied =
                rows.apply_event(store, txn, rt, &rev, map, &opts.policy, &mut ctx.skipped);
            let changed = rows.changed.take();
            applied.map_err(|error| GroupError {
                error,
                context: context(),
            })?;
            if ctx.skipped.len() > before {
                cut_skipped_rows(ev, &rev, ctx, before);
            }
            if let Some(changed) = changed.filter(|c| !c.is_empty()) {
                let rt = rt.clone();
                cascade_rows(
                    &rt,
                    changed,
                    ev.header.timestamp,
                    opts,
                    store,
                    txn,
                    cat,
                    tables,
                    rows,
                )
                .map_err(|error| GroupError {
                    error,
                    context: context(),
                })?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The foreign keys' actions for the rows a rows event deleted or updated (`changed`:
/// old, new) in table `t`.
#[allow(clippy::too_many_arguments)]
fn cascade_rows(
    t: &TableRt,
    changed: Vec<super::rows::ChangedRow>,
    timestamp: u32,
    opts: &ApplierOptions,
    store: &Store,
    txn: &mut Txn,
    cat: &Catalog,
    tables: &mut Prepared,
    rows: &mut RowApplier,
) -> Result<(), RowError> {
    let vars = StatementVars::default();
    let session = MasterSession {
        db: "",
        timestamp,
        micros: 0,
        thread_id: 0,
        sql_mode: 0,
        auto_increment: (1, 1),
        vars: &vars,
        rand: Default::default(),
        time_zone: &TimeZone::Offset(0),
        locale: crate::sql::locale::en_us(),
        foreign_key_checks: true,
        collation_connection: crate::coldef::UTF8MB4,
    };
    let Prepared {
        by_name, shapes, ..
    } = tables;
    let named = by_name.get_or_insert_with(|| crate::store::view::tables_of(cat));
    let mut replay = Replay::new(store, named, rows, &opts.filters, shapes, false);
    for (old, new) in changed {
        replay.cascade(t, &old, new.as_deref(), &session, txn)?;
    }
    Ok(())
}

/// The master's TABLE_MAP must describe the table the store has: same columns, same
/// packing. Otherwise the rows would be stored wrong: stop with mysqld's 1677.
fn check_map(t: &TableRt, map: &TableMap<'_>) -> Result<(), SqlError> {
    let cols = map.columns();
    let full = t.def.full_name();
    if cols.len() != t.layout.columns.len() {
        return Err(SqlError::not_supported(&format!(
            "a Table_map for {full} with {} columns while the replica's table has {} (the schemas differ)",
            cols.len(),
            t.layout.columns.len()
        )));
    }
    for (i, (c, &(ty, meta))) in cols.iter().zip(&t.layout.columns).enumerate() {
        if c.type_code != ty || c.meta != meta {
            let name = |ty: u8, meta: u16| {
                format!("{}({meta})", crate::binlog::value::column_type::name(ty))
            };
            return Err(SqlError::conversion(
                i,
                &full,
                &name(c.type_code, c.meta),
                &name(ty, meta),
            ));
        }
    }
    Ok(())
}

/// A USER_VAR event's value as the engine's: strings in their charset (binary as bytes),
/// integers (signed or not), doubles, decimals.
fn user_var_value(v: &UserVar<'_>) -> Result<Value, crate::binlog::DecodeError> {
    let Some((ty, charset, bytes)) = v.value else {
        return Ok(Value::Null);
    };
    let bad = |why: &str| crate::binlog::DecodeError::bad("user var value", why.to_string());
    Ok(match ty {
        // REAL_RESULT
        1 => Value::Double(f64::from_le_bytes(
            bytes
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("short double"))?,
        )),
        // INT_RESULT; flag bit 1: unsigned.
        2 => {
            let n = u64::from_le_bytes(
                bytes
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad("short integer"))?,
            );
            if v.flags.unwrap_or(0) & 1 != 0 {
                Value::UInt(n)
            } else {
                Value::Int(n as i64)
            }
        }
        // DECIMAL_RESULT: precision, scale, binary decimal.
        4 => {
            let (&p, rest) = bytes.split_first().ok_or_else(|| bad("empty decimal"))?;
            let (&sc, rest) = rest.split_first().ok_or_else(|| bad("short decimal"))?;
            let (text, _) = crate::binlog::decimal::decode(rest, p, sc)?;
            crate::sql::decimal::Decimal::parse(text.as_str())
                .map_or_else(|| Value::Text(text.as_str().to_string()), Value::Decimal)
        }
        // STRING_RESULT
        0 => {
            if charset == 63 {
                Value::Bytes(bytes.to_vec())
            } else if crate::store::text::is_latin1(charset as u16) {
                let mut out = Vec::new();
                crate::store::text::latin1_to_utf8(bytes, &mut out);
                Value::Text(String::from_utf8_lossy(&out).into_owned())
            } else {
                match std::str::from_utf8(bytes) {
                    Ok(s) => Value::Text(s.to_string()),
                    Err(_) => Value::Bytes(bytes.to_vec()),
                }
            }
        }
        other => return Err(bad(&format!("result type {other}"))),
    })
}
