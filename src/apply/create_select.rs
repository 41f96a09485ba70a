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
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::Catalog;
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
        foreign_keys,
        collation,
        engine,
        auto_increment,
        temporary,
        ..
    } = op
    else {
        return Ok(());
    };
    let tables = session_tables(cat, session.thread_id);
    let mut shapes = Shapes::default();
    let rs = {
        let replay = Replay::new(store, &tables, &mut *rows, filters, &mut shapes, true);
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
                let source = |db: &str, t: &str, c: &str| {
                    tables.get(&(db.to_string(), t.to_string())).and_then(|t| {
                        t.def
                            .columns
                            .iter()
                            .find(|x| x.name.eq_ignore_ascii_case(c))
                            .cloned()
                    })
                };
                if m.from_values && m.org_table.is_empty() {
                    // No rule gives the expression's type: a guess could make a column
                    // of another type than the master's.
                    return Err(sql_err(SqlError::not_supported(&format!(
                        "CREATE TABLE ... SELECT with the column `{}`, an expression whose type replicant does not work out as mysqld does",
                        m.name
                    ))));
                }
                columns.push(crate::sql::engine::meta::column_of(m, &source).map_err(sql_err)?);
            }
        }
    }
    // A temporary table is new unless the session has one of the name (a stored one it
    // then hides); a stored table is new unless one exists.
    let session_has = cat
        .temporary_of(session.thread_id)
        .any(|t| t.db == name.0 && t.name == name.1);
    let exists_before = if temporary {
        session_has
    } else {
        cat.table(&name.0, &name.1).is_some() || session_has
    };
    cat.enter_session(session.thread_id);
    let done = schema::execute(
        DdlOp::CreateTable {
            name: name.clone(),
            if_not_exists,
            or_replace,
            columns,
            indexes,
            foreign_keys,
            collation,
            engine,
            auto_increment,
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
    let mut replay = Replay::new(store, &tables, rows, filters, &mut shapes, true);
    replay.write_rows(
        &t,
        &targets,
        &values,
        InsertHow::plain(false, false),
        session,
        txn,
    )
}
