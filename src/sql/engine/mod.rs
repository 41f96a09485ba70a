//! The query engine: SELECT over the store with mysqld's semantics.
//!
//! `sqlparser` (MySQL dialect) parses; [`bind`] resolves names against the catalog of one
//! [`ReadView`] into a plan of [`bind::Ex`] expressions with column positions, choosing each
//! table's access path ([`access`]); [`exec`] runs the plan: nested-loop joins driven by
//! index lookups where an index helps, WHERE pushed to the earliest join level, grouping
//! and aggregates, DISTINCT, ORDER BY (skipped when an index delivers the order), LIMIT.
//! Every table of a statement is read through the same snapshot.
//!
//! A construct the engine does not implement is error 1235 naming it — never a guess.

pub mod access;
pub mod bind;
pub mod eval;
pub mod exec;
pub mod func;

use sqlparser::ast::Statement;

use super::constant::{parse_statements, unsupported, Env};
use super::value::Value;
use crate::apply::error::SqlError;
use crate::store::view::ReadView;

/// A result column's description, as mysqld's column definition carries it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ColMeta {
    /// Database of the underlying table ("" for expressions).
    pub schema: String,
    /// Table alias ("" for expressions).
    pub table: String,
    /// Underlying table name.
    pub org_table: String,
    /// Column label.
    pub name: String,
    /// Underlying column name.
    pub org_name: String,
    /// Collation id of the values (63 = binary).
    pub charset: u16,
    /// Display length in bytes.
    pub length: u32,
    /// MYSQL_TYPE_*.
    pub col_type: u8,
    /// Column flags (NOT_NULL, PRI_KEY, UNSIGNED, BINARY, ...).
    pub flags: u16,
    /// Decimals.
    pub decimals: u8,
}

/// A SELECT's result.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultSet {
    /// Columns.
    pub columns: Vec<ColMeta>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

/// What a statement runs against: the snapshot, the session, the default database.
pub struct Context<'a> {
    /// The snapshot every table is read from.
    pub view: &'a ReadView,
    /// Variables and session functions.
    pub env: &'a dyn Env,
    /// The default database (USE).
    pub db: Option<&'a str>,
    /// The text naming unaliased select items (the statement, or a prepared statement's
    /// text with its placeholders).
    pub names_from: &'a str,
    /// information_schema tables by upper-case name.
    pub system_table: &'a dyn Fn(&str) -> Option<crate::sql::memtable::MemTable>,
    /// Byte offsets in the statement text of its `?` placeholders (prepared statements).
    pub placeholders: &'a [usize],
    /// The values of the placeholders for this execution.
    pub params: &'a [Value],
}

/// Runs a SELECT (or UNION, or a SELECT without tables).
pub fn select(sql: &str, cx: &Context<'_>) -> Result<ResultSet, SqlError> {
    exec::run(&plan(sql, cx)?, cx)
}

/// Parses and binds a SELECT: its plan, to run with [`exec::run`].
pub fn plan(sql: &str, cx: &Context<'_>) -> Result<bind::QueryPlan, SqlError> {
    let stmts = parse_statements(sql)?;
    let q = match stmts.as_slice() {
        [Statement::Query(q)] => q,
        [_] => return Err(unsupported("this statement in the query engine")),
        _ => return Err(unsupported("several statements in one")),
    };
    bind::bind_statement(q, cx)
}

/// A plan and whether it may be kept for later executions of the same prepared statement
/// (it holds no variable, session function or subquery result bound at planning time).
pub fn plan_reusable(sql: &str, cx: &Context<'_>) -> Result<(bind::QueryPlan, bool), SqlError> {
    let stmts = parse_statements(sql)?;
    let q = match stmts.as_slice() {
        [Statement::Query(q)] => q,
        [_] => return Err(unsupported("this statement in the query engine")),
        _ => return Err(unsupported("several statements in one")),
    };
    bind::bind_reusable(q, cx)
}

/// True when a plan reads only through index lookups and ranges (no full scans, no
/// derived tables, no subqueries): quick enough to run without leaving an async worker.
pub fn is_light(plan: &bind::QueryPlan) -> bool {
    match plan {
        bind::QueryPlan::Select(s) => {
            let mut subqueries = false;
            let mut all: Vec<&bind::Ex> = s.items.iter().collect();
            all.extend(s.filter.iter().map(|(_, e)| e));
            for e in all {
                bind::walk(e, &mut |x| {
                    subqueries |= matches!(
                        x,
                        bind::Ex::InSub(..) | bind::Ex::Exists(..) | bind::Ex::Scalar(_)
                    )
                });
            }
            !subqueries
                && s.sources.iter().all(|src| match &src.kind {
                    bind::SourceKind::Base(_) => {
                        matches!(&src.access, access::Access::Index { eq, lo, hi, .. }
                            if !eq.is_empty() || lo.is_some() || hi.is_some())
                    }
                    _ => false,
                })
        }
        bind::QueryPlan::Union { parts, .. } => parts.iter().all(is_light),
    }
}

/// EXPLAIN SELECT ...: the plan mysqld's way (one row per table).
pub fn explain(sql: &str, cx: &Context<'_>) -> Result<ResultSet, SqlError> {
    let stmts = parse_statements(sql)?;
    let q = match stmts.as_slice() {
        [Statement::Query(q)] => q,
        [Statement::Explain { statement, .. }] => match statement.as_ref() {
            Statement::Query(q) => q,
            _ => return Err(unsupported("EXPLAIN of this statement")),
        },
        _ => return Err(unsupported("EXPLAIN of this statement")),
    };
    let plan = bind::bind_statement(q, cx)?;
    Ok(exec::explain(&plan))
}

/// The result columns a SELECT would have, without running it (COM_STMT_PREPARE).
/// Expression columns whose type depends on the values are typed NULL here.
pub fn describe(sql: &str, cx: &Context<'_>) -> Result<Vec<ColMeta>, SqlError> {
    let stmts = parse_statements(sql)?;
    let [Statement::Query(q)] = stmts.as_slice() else {
        return Err(unsupported("this statement in the query engine"));
    };
    let plan = bind::bind_statement(q, cx)?;
    Ok(exec::metas(plan.cols(), &[]))
}
