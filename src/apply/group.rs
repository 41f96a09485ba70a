//! One event group applied into a store transaction: GTID, QUERY (DDL through [`ddl`] and
//! [`schema`]), TABLE_MAP checked against the catalog, rows through [`RowApplier`],
//! TRANSACTION_PAYLOAD unpacked, filters and the own-server_id rule applied.

use std::collections::HashMap;

use super::applier::ApplierOptions;
use super::ddl::{self, DdlContext, DdlOp};
use super::filter::Filters;
use super::rows::{RowApplier, RowError, Skipped};
use super::schema;
use super::statement::{classify, StatementKind};
use crate::binlog::event::{ChecksumAlg, Event, EventType};
use crate::binlog::events::{
    format_uuid, maria_uncompress, MariaGtid, MysqlGtid, Query, TransactionPayload,
};
use crate::binlog::rows::RowsEvent;
use crate::binlog::table_map::TableMap;
use crate::binlog::FormatDescription;
use crate::relay::reader::EventGroup;
use crate::sqlerror::SqlError;
use crate::store::catalog::Catalog;
use crate::store::table::TableRt;
use crate::store::{Store, Txn};

/// A group's apply failure: an error, with the event it happened at.
pub(super) struct GroupError {
    /// The error.
    pub(super) error: RowError,
    /// What was being applied (for Last_SQL_Error).
    pub(super) context: String,
}

/// What a group's events leave behind.
#[derive(Default)]
pub(super) struct GroupCtx {
    /// The group's GTID.
    pub(super) gtid: Option<String>,
    /// Rows / statements skipped.
    pub(super) skipped: Vec<Skipped>,
    /// Master timestamp of the group's first event.
    pub(super) timestamp: u32,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn apply_group(
    group: &EventGroup<'_>,
    opts: &ApplierOptions,
    store: &Store,
    txn: &mut Txn,
    catalog: &mut Option<Catalog>,
    committed: &Catalog,
    tables: &mut HashMap<u32, TableRt>,
    rows: &mut RowApplier,
    ctx: &mut GroupCtx,
) -> Result<(), GroupError> {
    let mut maps: HashMap<u64, TableMap<'static>> = HashMap::new();
    for ev in group.events() {
        if ev.header.server_id == opts.server_id {
            // Our own change come back around a ring: mysqld skips it
            // (replicate-same-server-id=0).
            return Ok(());
        }
        if ctx.timestamp == 0 {
            ctx.timestamp = ev.header.timestamp;
        }
        apply_event(
            &ev, group.fde, opts, store, txn, catalog, committed, tables, rows, ctx, &mut maps,
        )?;
    }
    Ok(())
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
    tables: &mut HashMap<u32, TableRt>,
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
            ctx.gtid = Some(format!("{}:{}", format_uuid(&g.sid), g.gno));
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
        EventType::TableMap => {
            let m = TableMap::parse(body, fde).map_err(|e| decode_err(e, "Table_map event"))?;
            maps.insert(m.table_id, m.into_owned());
        }
        EventType::TransactionPayload => {
            let p = TransactionPayload::parse(body)
                .map_err(|e| decode_err(e, "Transaction_payload event"))?;
            let inner = p
                .decompress()
                .map_err(|e| decode_err(e, "Transaction_payload event"))?;
            let mut at = 0;
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
            if !opts.filters.row_ok(&key.0, &key.1) {
                return Ok(());
            }
            // Named in errors only: built when one happens.
            let context = || format!("{} event on table {}.{}", t.name(), key.0, key.1);
            let cat = catalog.as_ref().unwrap_or(committed);
            let Some(def) = cat.tables.get(&key) else {
                let e = SqlError::no_such_table(&key.0, &key.1);
                if opts.policy.skip.skips(e.code) {
                    ctx.skipped.push(Skipped { error: e });
                    return Ok(());
                }
                return Err(GroupError {
                    error: RowError::Sql(e, "HA_ERR_NO_SUCH_TABLE"),
                    context: context(),
                });
            };
            // `tables` is emptied whenever DDL runs, so an entry is the definition in force.
            let rt = tables
                .entry(def.id)
                .or_insert_with(|| TableRt::new(def.clone()));
            check_map(rt, map).map_err(|e| GroupError {
                error: RowError::Sql(e, "HA_ERR_UNSUPPORTED"),
                context: context(),
            })?;
            rows.apply_event(store, txn, rt, &rev, map, &opts.policy, &mut ctx.skipped)
                .map_err(|error| GroupError {
                    error,
                    context: context(),
                })?;
        }
        _ => {}
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

#[allow(clippy::too_many_arguments)]
fn apply_statement(
    tables: &mut HashMap<u32, TableRt>,
    q: &Query<'_>,
    fde: &FormatDescription,
    text: &[u8],
    timestamp: u32,
    opts: &ApplierOptions,
    store: &Store,
    txn: &mut Txn,
    catalog: &mut Option<Catalog>,
    committed: &Catalog,
    rows: &mut RowApplier,
    ctx: &mut GroupCtx,
) -> Result<(), GroupError> {
    let db = String::from_utf8_lossy(q.db).into_owned();
    let sql = String::from_utf8_lossy(text);
    let context = format!("Default database: '{db}'. Query: '{sql}'");
    let fail = |e: SqlError| GroupError {
        error: RowError::Sql(e, ""),
        context: context.clone(),
    };
    match classify(text) {
        StatementKind::Transaction | StatementKind::NoData => Ok(()),
        StatementKind::Dml => Err(fail(SqlError::not_supported(
            "statement-based DML (INSERT/UPDATE/DELETE as SQL text); set binlog_format=ROW on the master",
        ))),
        StatementKind::Unknown => Err(fail(SqlError::not_supported("this statement"))),
        StatementKind::Ddl(_) => {
            if q.error_code != 0 {
                // The master logged a statement that failed there (non-transactional
                // side effects); mysqld expects the same error and moves on.
                return Ok(());
            }
            let status = q.status();
            let dctx = DdlContext {
                db: (!db.is_empty()).then_some(db.as_str()),
                collation_server: status.charset.map_or(8, |c| c.2),
                collation_database: status.charset_database,
                mysql: !fde.mariadb,
            };
            let cat = catalog.get_or_insert_with(|| committed.clone());
            let ops = match ddl::parse(&sql, &dctx, cat) {
                Ok(ops) => ops,
                Err(e) if opts.policy.skip.skips(e.code) => {
                    ctx.skipped.push(Skipped { error: e });
                    return Ok(());
                }
                Err(e) => return Err(fail(e)),
            };
            for op in ops {
                if !ddl_passes_filters(&op, &db, &opts.filters) {
                    continue;
                }
                // Prepared tables may describe what this DDL changes.
                tables.clear();
                let before = cat.clone();
                match schema::execute(op, cat, store, txn, rows, timestamp) {
                    Ok(()) => {}
                    Err(RowError::Sql(e, _)) if opts.policy.skip.skips(e.code) => {
                        *cat = before;
                        ctx.skipped.push(Skipped { error: e });
                    }
                    Err(error) => return Err(GroupError { error, context: context.clone() }),
                }
            }
            Ok(())
        }
    }
}

/// Whether the replicate-* filters let a DDL operation through: database rules on the
/// database a database statement names, else on the default database; table rules on the
/// tables the statement names.
fn ddl_passes_filters(op: &DdlOp, default_db: &str, f: &Filters) -> bool {
    if f.is_empty() {
        return true;
    }
    let tables: Vec<&(String, String)> = match op {
        DdlOp::CreateDatabase { name, .. }
        | DdlOp::AlterDatabase { name, .. }
        | DdlOp::DropDatabase { name, .. } => return f.db_ok(name),
        DdlOp::Nothing => return true,
        DdlOp::CreateTable { name, .. }
        | DdlOp::CreateTableLike { name, .. }
        | DdlOp::Truncate(name)
        | DdlOp::AlterTable { name, .. } => vec![name],
        DdlOp::DropTables { names, .. } => names.iter().collect(),
        DdlOp::RenameTables(pairs) => pairs.iter().map(|(from, _)| from).collect(),
    };
    f.db_ok(default_db) && tables.iter().any(|(d, t)| f.table_rules_ok(d, t))
}
