//! Stored procedures and functions the master created, as mysqld shows them: SHOW CREATE
//! PROCEDURE / FUNCTION, SHOW PROCEDURE / FUNCTION STATUS, information_schema.ROUTINES.
//! replicant keeps their definitions (apply::ddl::routine) and never runs them: a CALL's
//! statements reach the replica one by one.

use super::session::{Reply, Session};
use super::show::{like_ci, text_columns, where_clause};
use crate::sql::engine;
use crate::sql::memtable::MemTable;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{Catalog, RoutineDef};

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// A routine's creation time as mysqld shows it (a DATETIME in the system time zone).
fn created(r: &RoutineDef) -> Value {
    let local = crate::tz::SYSTEM.local(i64::from(r.created));
    Value::Temporal(crate::sql::temporal::Temporal::from_epoch_micros(
        local * 1_000_000,
        crate::sql::temporal::Kind::DateTime,
        0,
    ))
}

/// The collation of the routine's database.
fn db_collation(cat: &Catalog, db: &str) -> Value {
    cat.databases
        .get(db)
        .and_then(|d| crate::store::collation::by_id(d.collation))
        .map_or(Value::Null, |c| t(c.name))
}

impl Session {
    /// SHOW CREATE PROCEDURE / FUNCTION [db.]name: mysqld's six columns; 1305 for one
    /// that does not exist.
    pub(super) fn show_create_routine(&self, sql: &str, kind: &str) -> Result<Reply, SqlError> {
        let (db, name) = self.name_at(sql, 3)?;
        let cat = self.catalog()?;
        let Some(r) = cat
            .routines
            .get(&(db.clone(), kind.to_string(), name.to_lowercase()))
        else {
            return Err(SqlError::new(1305, format!("{kind} {name} does not exist")));
        };
        let title = if kind == "PROCEDURE" {
            "Procedure"
        } else {
            "Function"
        };
        let create = if kind == "PROCEDURE" {
            "Create Procedure"
        } else {
            "Create Function"
        };
        Ok(Reply::Rows {
            columns: text_columns(&[
                title,
                "sql_mode",
                create,
                "character_set_client",
                "collation_connection",
                "Database Collation",
            ]),
            rows: vec![vec![
                Some(r.name.clone()),
                Some(r.sql_mode.clone()),
                Some(r.create.clone()),
                Some(r.charset_client.clone()),
                Some(r.collation_connection.clone()),
                db_collation(&cat, &db).render(),
            ]],
        })
    }

    /// SHOW PROCEDURE / FUNCTION STATUS [LIKE 'pattern' | WHERE ...].
    pub(super) fn show_routine_status(
        &mut self,
        sql: &str,
        kind: &str,
        pattern: Option<&str>,
    ) -> Result<Reply, SqlError> {
        const COLUMNS: [&str; 11] = [
            "Db",
            "Name",
            "Type",
            "Definer",
            "Modified",
            "Created",
            "Security_type",
            "Comment",
            "character_set_client",
            "collation_connection",
            "Database Collation",
        ];
        let cat = self.catalog()?;
        let table = MemTable {
            columns: COLUMNS.to_vec(),
            rows: cat
                .routines
                .values()
                .filter(|r| r.kind == kind && pattern.is_none_or(|p| like_ci(&r.name, p)))
                .map(|r| {
                    vec![
                        t(&r.db),
                        t(&r.name),
                        t(&r.kind),
                        t(&r.definer),
                        created(r),
                        created(r),
                        t(&r.security),
                        t(&r.comment),
                        t(&r.charset_client),
                        t(&r.collation_connection),
                        db_collation(&cat, &r.db),
                    ]
                })
                .collect(),
        };
        let kept = match where_clause(sql)? {
            Some(filter) => self.without_snapshot(|s| {
                s.with_engine(sql, |cx| engine::filter_rows(table, &filter, cx))
            })?,
            None => table.rows,
        };
        Ok(Reply::Rows {
            columns: text_columns(&COLUMNS),
            rows: kept
                .iter()
                .map(|row| row.iter().map(Value::render).collect())
                .collect(),
        })
    }
}

/// information_schema.ROUTINES, with MariaDB 10.11's columns.
pub fn routines_table(cat: &Catalog) -> MemTable {
    let rows = cat
        .routines
        .values()
        .map(|r| {
            let data_type = r.returns.as_deref().map_or(String::new(), |ty| {
                ty.split(['(', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            });
            let mut row = vec![
                t(&r.name),
                t("def"),
                t(&r.db),
                t(&r.name),
                t(&r.kind),
                t(&data_type),
            ];
            // CHARACTER_MAXIMUM_LENGTH ... COLLATION_NAME: not kept.
            row.extend(std::iter::repeat_n(Value::Null, 7));
            row.extend([
                r.returns.as_deref().map_or(Value::Null, t),
                t("SQL"),
                t(&r.body),
                Value::Null,
                Value::Null,
                t("SQL"),
                t(if r.deterministic { "YES" } else { "NO" }),
                t(&r.data_access),
                Value::Null,
                t(&r.security),
                created(r),
                created(r),
                t(&r.sql_mode),
                t(&r.comment),
                t(&r.definer),
                t(&r.charset_client),
                t(&r.collation_connection),
                db_collation(cat, &r.db),
            ]);
            row
        })
        .collect();
    MemTable {
        columns: vec![
            "SPECIFIC_NAME",
            "ROUTINE_CATALOG",
            "ROUTINE_SCHEMA",
            "ROUTINE_NAME",
            "ROUTINE_TYPE",
            "DATA_TYPE",
            "CHARACTER_MAXIMUM_LENGTH",
            "CHARACTER_OCTET_LENGTH",
            "NUMERIC_PRECISION",
            "NUMERIC_SCALE",
            "DATETIME_PRECISION",
            "CHARACTER_SET_NAME",
            "COLLATION_NAME",
            "DTD_IDENTIFIER",
            "ROUTINE_BODY",
            "ROUTINE_DEFINITION",
            "EXTERNAL_NAME",
            "EXTERNAL_LANGUAGE",
            "PARAMETER_STYLE",
            "IS_DETERMINISTIC",
            "SQL_DATA_ACCESS",
            "SQL_PATH",
            "SECURITY_TYPE",
            "CREATED",
            "LAST_ALTERED",
            "SQL_MODE",
            "ROUTINE_COMMENT",
            "DEFINER",
            "CHARACTER_SET_CLIENT",
            "COLLATION_CONNECTION",
            "DATABASE_COLLATION",
        ],
        rows,
    }
}
