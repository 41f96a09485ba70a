//! CREATE [TEMPORARY] TABLE ... SELECT in statement form (STATEMENT masters, and MIXED
//! ones for a deterministic SELECT): the SELECT runs as the master session ran it, the
//! table gets the declared columns followed by one per result column not declared (typed
//! as mysqld types a SELECT's result: a column read as it is, with its type, charset and
//! NULL-ability; an expression by its result metadata), and the rows are inserted.

use std::sync::Arc;

use super::ddl::DdlOp;
use super::filter::Filters;
use super::replay::{sql_err, InsertHow, MasterSession, Replay, Shapes};
use super::rows::{RowApplier, RowError};
use super::schema;
use crate::binlog::value::column_type as ct;
use crate::coldef::flags as fl;
use crate::sql::engine::ColMeta;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{Catalog, ColumnDef, SqlType};
use crate::store::table::TableRt;
use crate::store::view::Tables;
use crate::store::{Store, Txn};

/// The tables master session `thread` sees: the catalog's, its temporary tables in
/// place of stored ones of their names.
fn session_tables(cat: &Catalog, thread: u32) -> Tables {
    let mut tables = crate::store::view::tables_of(cat);
    for t in cat.temporary_of(thread) {
        tables.shadow(TableRt::new(t.clone()));
    }
    tables
}

/// Runs CREATE TABLE ... SELECT: `op` is the CREATE TABLE with its declared columns,
/// `select` the query.
#[allow(clippy::too_many_arguments)]
pub(super) fn create_select(
    op: DdlOp,
    select: &str,
    cat: &mut Catalog,
    store: &Store,
    txn: &mut Txn,
    rows: &mut RowApplier,
    filters: &Filters,
    session: &MasterSession<'_>,
) -> Result<(), RowError> {
    let DdlOp::CreateTable {
        name,
        if_not_exists,
        or_replace,
        mut columns,
        indexes,
        collation,
        engine,
        temporary,
        ..
    } = op
    else {
        return Ok(());
    };
    let tables = session_tables(cat, session.thread_id);
    let mut shapes = Shapes::default();
    let rs = {
        let replay = Replay {
            store,
            tables: &tables,
            rows: &mut *rows,
            filters,
            shapes: &mut shapes,
            private: true,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        replay.query_result(select, session, txn).map_err(sql_err)?
    };
    // Declared columns first, then the result's others, in order (mysqld's layout).
    let mut targets = Vec::with_capacity(rs.columns.len());
    for m in &rs.columns {
        match columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&m.name))
        {
            Some(i) => targets.push(i),
            None => {
                targets.push(columns.len());
                columns.push(column_of(m, &tables).map_err(sql_err)?);
            }
        }
    }
    let exists_before = cat.table(&name.0, &name.1).is_some()
        || cat
            .temporary_of(session.thread_id)
            .any(|t| t.db == name.0 && t.name == name.1);
    cat.enter_session(session.thread_id);
    let done = schema::execute(
        DdlOp::CreateTable {
            name: name.clone(),
            if_not_exists,
            or_replace,
            columns,
            indexes,
            collation,
            engine,
            temporary,
            select: None,
        },
        cat,
        store,
        txn,
        rows,
        session.timestamp,
    );
    cat.leave_session();
    done?;
    if if_not_exists && exists_before {
        // The table was there: nothing is inserted (mysqld gives a note).
        return Ok(());
    }
    let tables = session_tables(cat, session.thread_id);
    let t: Arc<TableRt> = tables
        .get(&(name.0.clone(), name.1.clone()))
        .cloned()
        .ok_or_else(|| sql_err(SqlError::no_such_table(&name.0, &name.1)))?;
    let values: Vec<Vec<Option<Value>>> = rs
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(Some).collect())
        .collect();
    let mut replay = Replay {
        store,
        tables: &tables,
        rows,
        filters,
        shapes: &mut shapes,
        private: true,
        depth: 0,
        insert_id_taken: Default::default(),
    };
    replay.write_rows(
        &t,
        &targets,
        &values,
        InsertHow::plain(false, false),
        session,
        txn,
    )
}

/// The column a result column makes, as mysqld makes it: a column read from a table
/// keeps its type, charset and NULL-ability (not its key, AUTO_INCREMENT or default
/// expression); an expression takes its result type.
fn column_of(m: &ColMeta, tables: &Tables) -> Result<ColumnDef, SqlError> {
    if !m.org_table.is_empty() && !m.org_name.is_empty() {
        if let Some(c) = tables
            .get(&(m.schema.clone(), m.org_table.clone()))
            .and_then(|t| {
                t.def
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&m.org_name))
            })
        {
            return Ok(ColumnDef {
                name: m.name.clone(),
                auto_increment: false,
                generated: None,
                on_update: false,
                default: c
                    .default
                    .clone()
                    .filter(|d| !matches!(d, crate::store::catalog::DefaultValue::Expr(_))),
                // An aggregate or outer join over the column may give NULL.
                nullable: c.nullable || m.flags & fl::NOT_NULL == 0,
                ..c.clone()
            });
        }
    }
    let unsigned = m.flags & fl::UNSIGNED != 0;
    let mbmax = crate::store::collation::by_id(m.charset).map_or(1, |c| c.mbmaxlen.max(1));
    let chars = m.length / mbmax;
    let ty = match m.col_type {
        ct::TINY => SqlType::TinyInt,
        ct::SHORT => SqlType::SmallInt,
        ct::INT24 => SqlType::MediumInt,
        ct::LONG => SqlType::Int,
        ct::LONGLONG => SqlType::BigInt,
        ct::FLOAT => SqlType::Float,
        ct::DOUBLE => SqlType::Double,
        ct::NEWDECIMAL => {
            let point = u32::from(m.decimals > 0);
            let sign = u32::from(!unsigned);
            let precision = m.length.saturating_sub(point + sign).clamp(1, 65);
            SqlType::Decimal(precision as u8, m.decimals.min(38))
        }
        ct::DATE => SqlType::Date,
        ct::TIME => SqlType::Time(m.decimals.min(6)),
        ct::DATETIME => SqlType::DateTime(m.decimals.min(6)),
        ct::TIMESTAMP => SqlType::Timestamp(m.decimals.min(6)),
        ct::YEAR => SqlType::Year,
        // NULL: mysqld makes it BINARY(0).
        ct::NULL => SqlType::Binary(0),
        ct::VAR_STRING | ct::VARCHAR | ct::STRING | ct::BLOB => {
            let binary = m.charset == crate::coldef::BINARY_CHARSET;
            // Longer than 512 characters: a BLOB/TEXT of the size that holds it.
            if chars > 512 || m.col_type == ct::BLOB {
                let pack = match m.length {
                    0..=255 => 1,
                    256..=65_535 => 2,
                    65_536..=16_777_215 => 3,
                    _ => 4,
                };
                if binary {
                    SqlType::Blob(pack)
                } else {
                    SqlType::Text(pack)
                }
            } else if m.col_type == ct::STRING {
                if binary {
                    SqlType::Binary(chars)
                } else {
                    SqlType::Char(chars)
                }
            } else if binary {
                SqlType::Varbinary(chars)
            } else {
                SqlType::Varchar(chars)
            }
        }
        other => {
            return Err(SqlError::not_supported(&format!(
                "CREATE TABLE ... SELECT with the column {} of type {}",
                m.name,
                ct::name(other)
            )))
        }
    };
    Ok(ColumnDef {
        name: m.name.clone(),
        unsigned: unsigned
            && matches!(
                ty,
                SqlType::TinyInt
                    | SqlType::SmallInt
                    | SqlType::MediumInt
                    | SqlType::Int
                    | SqlType::BigInt
                    | SqlType::Decimal(..)
                    | SqlType::Float
                    | SqlType::Double
            ),
        collation: if ty.has_charset() { m.charset } else { 0 },
        nullable: m.flags & fl::NOT_NULL == 0,
        default: None,
        auto_increment: false,
        generated: None,
        on_update: false,
        ty,
    })
}
