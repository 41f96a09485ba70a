//! Reads through the query engine: the session's read view (a transaction's snapshot),
//! the engine's context, SELECT, EXPLAIN, prepared plans kept across executions, and the
//! table descriptions (DESCRIBE, COM_FIELD_LIST).

use std::sync::Arc;

use sqlparser::tokenizer::Token;

use super::describe;
use super::session::{Reply, Session};
use super::show::{like_ci, text_columns};
use super::statement::has_from;
use crate::sql::engine;
use crate::sql::parse::{self, syntax_error};
use crate::sql::split::leading_words;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{Catalog, TableDef};
use crate::store::view::ReadView;
use crate::wire::resultset::Column;

/// A prepared SELECT's plan, valid for snapshots of the same catalog generation and the
/// same default database.
#[derive(Clone, Debug)]
pub struct CachedPlan {
    /// Catalog generation it was bound against.
    generation: u64,
    /// Default database it was bound with.
    db: Option<String>,
    /// The plan.
    plan: Arc<engine::bind::QueryPlan>,
    /// Its binary result's column definitions, when they do not depend on the rows.
    head: HeadCache,
}

/// A prepared plan's binary result head, worked out on its first execution: `None` inside
/// when the columns' definitions depend on the rows.
pub type HeadCache = Arc<std::sync::OnceLock<Option<Arc<super::results::ResultHead>>>>;

/// The wire form of an engine result column.
pub(super) fn wire_column(m: engine::ColMeta) -> Column {
    Column {
        schema: m.schema,
        table: m.table,
        org_table: m.org_table,
        name: m.name,
        org_name: m.org_name,
        charset: m.charset,
        length: m.length,
        col_type: m.col_type,
        flags: m.flags,
        decimals: m.decimals,
    }
}

impl Session {
    /// The committed catalog, read from the daemon's store.
    /// For a replicated account, only what it has privileges on.
    pub(super) fn catalog(&self) -> Result<Catalog, SqlError> {
        let cat = self
            .shared
            .control
            .store()
            .load_catalog()
            .map_err(|e| SqlError::new(1105, e.to_string()))?;
        if self.principal.is_none() {
            return Ok(cat);
        }
        let view = self
            .shared
            .control
            .store()
            .read_view()
            .map_err(|e| SqlError::new(1105, e.to_string()))?;
        Ok(self.visible(&view, cat))
    }

    /// The snapshot this statement reads: the transaction's, else a fresh one (which a
    /// transaction then keeps).
    pub fn read_view(&mut self) -> Result<Arc<ReadView>, SqlError> {
        if let Some(v) = &self.snapshot {
            return Ok(v.clone());
        }
        let store = self.shared.control.store();
        let v = store
            .read_view()
            .map_err(|e| SqlError::new(1105, e.to_string()))?;
        if self.in_trans {
            self.snapshot = Some(v.clone());
        }
        Ok(v)
    }

    /// Runs `f` with the query engine's context for this session over its read view.
    pub(super) fn with_engine<T>(
        &mut self,
        names_from: &str,
        f: impl FnOnce(&engine::Context<'_>) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        let view = self.read_view()?;
        self.engine_context(&view, names_from, &[], &[], f)
    }

    /// Runs `f` with the query engine's context over `view`: the session's variables and
    /// default database, information_schema from the view's catalog, and the statement's
    /// text and parameters. The one place the context is built.
    pub(super) fn engine_context<T>(
        &self,
        view: &ReadView,
        names_from: &str,
        placeholders: &[usize],
        params: &[Value],
        f: impl FnOnce(&engine::Context<'_>) -> T,
    ) -> T {
        let grants = self.grants(view);
        let system_table = |name: &str| {
            if name.eq_ignore_ascii_case("MYSQL.USER") {
                let acl = grants
                    .as_ref()
                    .map_or_else(|| self.shared.acl_at(view), |(acl, _)| acl.clone());
                return Some(super::grants::mysql_user(&acl));
            }
            let counter = |id| view.auto_increment(id);
            match &grants {
                None => super::infoschema::table(&view.catalog, name, &counter),
                Some((acl, p)) => super::infoschema::table(
                    &super::privileges::visible_to(acl, p, (*view.catalog).clone()),
                    name,
                    &counter,
                ),
            }
        };
        let check = |db: &str, table: &str, columns: Option<&[&str]>, every: bool| match &grants {
            Some((acl, p)) => self.check_select(acl, p, db, table, columns, every),
            None => Ok(()),
        };
        f(&engine::Context {
            view,
            env: self,
            db: self.db.as_deref(),
            names_from,
            system_table: &system_table,
            access: grants.is_some().then_some(&check as &engine::Access<'_>),
            placeholders,
            params,
        })
    }

    /// Runs `f` on prepared SELECT `id`'s plan (bound on first use, kept while the catalog
    /// and default database stay the same) with the engine's context, `params` for its
    /// placeholders.
    pub fn with_planned<T>(
        &mut self,
        id: u32,
        params: Vec<Value>,
        f: impl FnOnce(
            &engine::bind::QueryPlan,
            &HeadCache,
            &engine::Context<'_>,
        ) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        self.conditions.clear();
        let Some(p) = self.stmts.get_mut(&id) else {
            return Err(SqlError::new(
                1243,
                "Unknown prepared statement handler".into(),
            ));
        };
        let sql = p.sql.clone();
        let placeholders = p.placeholders.clone();
        let cached = p.plan.take();
        let view = self.read_view()?;
        // A replicated account's plan is bound (and its privileges checked) on every
        // execution: a REVOKE or SET ROLE changes no catalog generation.
        let cached = cached.filter(|c| {
            Some(c.generation) == view.generation && c.db == self.db && self.principal.is_none()
        });
        let (result, kept) = self.engine_context(&view, &sql, &placeholders, &params, |cx| {
            let (plan, head, db, keep) = match cached {
                Some(c) => (c.plan, c.head, c.db, true),
                None => {
                    let (plan, reusable) = engine::plan_reusable(&sql, cx)?;
                    let keep = reusable && view.generation.is_some();
                    (Arc::new(plan), HeadCache::default(), self.db.clone(), keep)
                }
            };
            let result = f(&plan, &head, cx);
            Ok::<_, SqlError>((result, keep.then_some((plan, head, db))))
        })?;
        if let (Some((plan, head, db)), Some(generation)) = (kept, view.generation) {
            if let Some(p) = self.stmts.get_mut(&id) {
                p.plan = Some(CachedPlan {
                    generation,
                    db,
                    plan,
                    head,
                });
            }
        }
        result
    }

    /// A SELECT through the query engine, on the session's thread.
    pub(super) fn engine_select(&mut self, sql: &str, names_from: &str) -> Result<Reply, SqlError> {
        let rs = self.with_engine(names_from, |cx| {
            let plan = engine::plan(sql, cx)?;
            engine::exec::run(&plan, cx)
        })?;
        Ok(Reply::Values {
            columns: rs.columns.into_iter().map(wire_column).collect(),
            rows: rs.rows,
        })
    }

    /// The result columns of a prepared SELECT (its `?` read as NULL); empty when the
    /// statement is not one the engine can describe.
    pub fn describe_select(&mut self, sql: &str) -> Vec<Column> {
        let words = leading_words(sql, 1);
        if words.first().map(String::as_str) != Some("SELECT") {
            return Vec::new();
        }
        let mut text = sql.to_string();
        for at in crate::sql::split::placeholders(sql).into_iter().rev() {
            text.replace_range(at..at + 1, "NULL");
        }
        let names_from = sql.to_string();
        // PREPARE is not a read: a transaction's snapshot waits for its first statement.
        self.without_snapshot(|s| {
            s.with_engine(&names_from, |cx| engine::describe(&text, cx))
                .map(|cols| cols.into_iter().map(wire_column).collect())
                .unwrap_or_default()
        })
    }

    /// EXPLAIN / DESCRIBE of a SELECT.
    pub(super) fn explain(&mut self, sql: &str) -> Result<Reply, SqlError> {
        // Drop the leading keyword (and EXTENDED/PARTITIONS): the engine reads the query.
        let words = leading_words(sql, 2);
        let mut rest = sql.trim_start();
        for w in words.iter().take(
            if matches!(
                words.get(1).map(String::as_str),
                Some("EXTENDED" | "PARTITIONS")
            ) {
                2
            } else {
                1
            },
        ) {
            rest = rest.trim_start();
            rest = &rest[w.len().min(rest.len())..];
        }
        let rest = rest.to_string();
        let rs = self.with_engine(&rest.clone(), |cx| engine::explain(&rest, cx))?;
        Ok(Reply::Values {
            columns: rs.columns.into_iter().map(wire_column).collect(),
            rows: rs.rows,
        })
    }

    pub(super) fn select(&mut self, sql: &str, names_from: &str) -> Result<Reply, SqlError> {
        // A SELECT without tables is not a read: a transaction's snapshot waits for the
        // first statement that reads one.
        if has_from(sql) {
            self.engine_select(sql, names_from)
        } else {
            self.without_snapshot(|s| s.engine_select(sql, names_from))
        }
    }

    /// The (database, name) the statement's object name at token `at` (0-based, comments
    /// and whitespace skipped) names: `db.t`, or `t` with a later `FROM|IN db`, or `t` in
    /// the current database.
    pub(super) fn name_at(&self, sql: &str, at: usize) -> Result<(String, String), SqlError> {
        let toks = parse::tokens(sql)?;
        let name = |i: usize| match toks.get(i) {
            Some(Token::Word(w)) => Some(w.value.clone()),
            _ => None,
        };
        // `SHOW COLUMNS FROM t` has FROM at `at - 1`: the name follows it.
        let Some(first) = name(at) else {
            return Err(syntax_error(sql, "Line: 1, Column: 1"));
        };
        let (mut db, table, next) = if toks.get(at + 1) == Some(&Token::Period) {
            let t = name(at + 2).ok_or_else(|| syntax_error(sql, "Line: 1, Column: 1"))?;
            (Some(first), t, at + 3)
        } else {
            (None, first, at + 1)
        };
        if matches!(&toks.get(next), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("FROM") || w.value.eq_ignore_ascii_case("IN"))
        {
            db = name(next + 1);
        }
        match db.or_else(|| self.db.clone()) {
            Some(d) => Ok((d, table)),
            None => Err(SqlError::new(1046, "No database selected".into())),
        }
    }

    /// The table [`Session::name_at`] names.
    pub(super) fn table_at(&self, sql: &str, at: usize) -> Result<TableDef, SqlError> {
        let (db, table) = self.name_at(sql, at)?;
        let cat = self.catalog()?;
        match cat.table(&db, &table) {
            Some(t) => Ok(t.clone()),
            None if !cat.databases.contains_key(&db) => {
                Err(SqlError::new(1049, format!("Unknown database '{db}'")))
            }
            None => Err(SqlError::no_such_table(&db, &table)),
        }
    }

    /// SHOW [FULL] COLUMNS / DESCRIBE.
    pub(super) fn describe_table(
        &mut self,
        sql: &str,
        at: usize,
        full: bool,
        pattern: Option<&str>,
    ) -> Result<Reply, SqlError> {
        let (db, name) = self.name_at(sql, at)?;
        let is_view = self
            .catalog()?
            .views
            .contains_key(&(db.clone(), name.clone()));
        let t = if is_view {
            self.view_as_table(db, name)?
        } else {
            self.table_at(sql, at)?
        };
        let names: &[&str] = if full {
            &[
                "Field",
                "Type",
                "Collation",
                "Null",
                "Key",
                "Default",
                "Extra",
                "Privileges",
                "Comment",
            ]
        } else {
            &["Field", "Type", "Null", "Key", "Default", "Extra"]
        };
        let rows = describe::show_columns(&t, full)
            .into_iter()
            .filter(|r| pattern.is_none_or(|p| r[0].as_deref().is_some_and(|n| like_ci(n, p))))
            .collect();
        Ok(Reply::Rows {
            columns: text_columns(names),
            rows,
        })
    }

    /// A view's columns as a table's, as DESCRIBE shows them: each result column typed as
    /// mysqld types a view's columns (a table's column as it is, an expression by its
    /// result).
    fn view_as_table(&mut self, db: String, name: String) -> Result<TableDef, SqlError> {
        let q = format!(
            "SELECT * FROM `{}`.`{}` LIMIT 0",
            db.replace('`', "``"),
            name.replace('`', "``")
        );
        let rs = self.with_engine(&q, |cx| engine::select(&q, cx))?;
        let cat = self.catalog()?;
        let source = |d: &str, t: &str, c: &str| {
            cat.table(d, t)
                .and_then(|t| t.columns.iter().find(|x| x.name.eq_ignore_ascii_case(c)))
                .cloned()
        };
        let columns = rs
            .columns
            .iter()
            .map(|m| engine::meta::column_of(m, &source))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TableDef {
            id: 0,
            db,
            name,
            columns,
            indexes: Vec::new(),
            collation: 0,
            next_index_id: 0,
            key_format: 0,
            triggers: Vec::new(),
            trigger_defs: Vec::new(),
            engine: None,
            session: None,
            foreign_keys: Vec::new(),
        })
    }

    /// COM_FIELD_LIST: the column definitions of a table (no rows).
    pub fn field_list(&self, table: &str) -> Result<Vec<Column>, SqlError> {
        let db = self
            .db
            .clone()
            .ok_or_else(|| SqlError::new(1046, "No database selected".into()))?;
        let cat = self.catalog()?;
        let t = cat
            .table(&db, table)
            .ok_or_else(|| SqlError::no_such_table(&db, table))?;
        Ok(t.columns
            .iter()
            .map(|c| Column::text(&c.name, 64).in_table(&db, &t.name))
            .collect())
    }

    /// Runs `f` without it fixing the transaction's snapshot: SET and SHOW are not reads
    /// of tables (mysqld's snapshot waits for the first statement that reads one).
    pub(super) fn without_snapshot<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let pinned = self.snapshot.is_some();
        let r = f(self);
        if !pinned {
            self.snapshot = None;
        }
        r
    }
}
