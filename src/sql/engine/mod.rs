//! The query engine: SELECT over the store with mysqld's semantics.
//!
//! `sqlparser` (MySQL dialect) parses; [`bind`] resolves names against the catalog of one
//! [`TableAccess`] into a plan of [`bind::Ex`] expressions with column positions, choosing each
//! table's access path ([`access`]); [`exec`] runs the plan: nested-loop joins driven by
//! index lookups where an index helps, WHERE pushed to the earliest join level, grouping
//! and aggregates, DISTINCT, ORDER BY (skipped when an index delivers the order), LIMIT.
//! Every table of a statement is read through the same [`TableAccess`]: a committed
//! snapshot for the endpoint, the applier's pending batch for a replayed statement.
//!
//! A construct the engine does not implement is error 1235 naming it — never a guess.

pub mod access;
pub mod bind;
pub mod eval;
pub mod exec;
pub mod func;
pub mod meta;
pub mod plan;
pub mod types;

use sqlparser::ast::Statement;

use super::env::Env;
use super::parse::{parse_statements, unsupported};
use super::value::Value;
use crate::sqlerror::SqlError;
use crate::store::view::TableAccess;

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
    /// An expression's metadata made from its values, not worked out as mysqld does
    /// ([`types`]): CREATE TABLE ... SELECT will not make a column of it.
    pub from_values: bool,
}

/// A SELECT's result.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultSet {
    /// Columns.
    pub columns: Vec<ColMeta>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

/// A privilege check: database, table, the columns read (`None`: the table itself is
/// named), and whether those are all its columns (`SELECT *`).
pub type Access<'a> = dyn Fn(&str, &str, Option<&[&str]>, bool) -> Result<(), SqlError> + 'a;

/// What a statement runs against: the snapshot, the session, the default database.
pub struct Context<'a> {
    /// What every table is read from: a committed snapshot (the endpoint) or the
    /// applier's pending batch (a replayed statement).
    pub view: &'a dyn TableAccess,
    /// Variables and session functions.
    pub env: &'a dyn Env,
    /// The default database (USE).
    pub db: Option<&'a str>,
    /// The text naming unaliased select items (the statement, or a prepared statement's
    /// text with its placeholders).
    pub names_from: &'a str,
    /// information_schema tables by upper-case name.
    pub system_table: &'a dyn Fn(&str) -> Option<crate::sql::memtable::MemTable>,
    /// The session's privilege check, `None` when it may read everything: called with
    /// each table a statement reads (`None` columns: when the table is named) and again
    /// with the columns it reads of it; an error (1142, 1143) refuses the statement.
    pub access: Option<&'a Access<'a>>,
    /// Byte offsets in the statement text of its `?` placeholders (prepared statements).
    pub placeholders: &'a [usize],
    /// The values of the placeholders for this execution.
    pub params: &'a [Value],
}

/// Runs a SELECT (or UNION, or a SELECT without tables).
pub fn select(sql: &str, cx: &Context<'_>) -> Result<ResultSet, SqlError> {
    exec::run(&plan(sql, cx)?, cx)
}

/// Runs a SELECT with one more output column per table of `targets` (names as FROM
/// gives them): its stored row, as bytes, for each result row (NULL where an outer join
/// found none). Statement replay finds the rows an UPDATE or DELETE changes with it,
/// through the same plans as any query.
pub fn target_rows(sql: &str, cx: &Context<'_>, targets: &[&str]) -> Result<ResultSet, SqlError> {
    let mut plan = plan(sql, cx)?;
    capture(&mut plan, targets)?;
    exec::run(&plan, cx)
}

/// Makes `plan` return, after its items, the stored row of each table of `targets` (see
/// [`target_rows`]).
pub fn capture(plan: &mut bind::QueryPlan, targets: &[&str]) -> Result<(), SqlError> {
    let bind::QueryPlan::Select(s) = plan else {
        return Err(unsupported("a UNION in a replayed statement"));
    };
    if s.grouped || s.distinct {
        return Err(unsupported(
            "GROUP BY or DISTINCT in a replayed UPDATE or DELETE",
        ));
    }
    for target in targets {
        let si = s
            .sources
            .iter()
            .position(|x| {
                x.alias.eq_ignore_ascii_case(target) && matches!(x.kind, plan::SourceKind::Base(_))
            })
            .ok_or_else(|| SqlError::new(1109, format!("Unknown table '{target}'")))?;
        // The row is read whole: no covering index read.
        s.sources[si].covering = None;
        s.capture.push(si);
    }
    for i in 0..targets.len() {
        s.items.push(plan::Ex::Col(s.width + i));
        s.cols.push(plan::OutCol {
            name: "row".into(),
            meta: None,
            coll: None,
            not_null: false,
            ret: None,
            typed: None,
        });
    }
    s.width += targets.len();
    Ok(())
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

/// Evaluates one expression without tables (SET's values), with the binder and
/// evaluator every query uses.
pub fn eval_expr(e: &sqlparser::ast::Expr, cx: &Context<'_>) -> Result<Value, SqlError> {
    let ex = bind::bind_expr(e, &[], cx)?;
    eval::eval(&ex, &[], &eval::Ctx::top(cx))
}

/// The rows of `table` that satisfy `filter` (SHOW ... WHERE: NULL is not a match), its
/// columns named as the table names them.
pub fn filter_rows(
    table: crate::sql::memtable::MemTable,
    filter: &sqlparser::ast::Expr,
    cx: &Context<'_>,
) -> Result<Vec<Vec<Value>>, SqlError> {
    let ex = bind::bind_expr(filter, &table.columns, cx)?;
    let ecx = eval::Ctx::top(cx);
    let mut out = Vec::with_capacity(table.rows.len());
    for row in table.rows {
        if eval::eval(&ex, &row, &ecx)?.truth() == Some(true) {
            out.push(row);
        }
    }
    Ok(out)
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

#[cfg(test)]
mod session_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::env::NoSession;
    use crate::store::catalog::{ColumnDef, IndexDef, IndexKind, KeyPart, SqlType, TableDef};
    use crate::store::{keycodec, keys, AppliedPos, Store};

    fn col(name: &str, ty: SqlType, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            collation: if ty.has_charset() { 45 } else { 63 },
            ty,
            unsigned: false,
            nullable,
            default: None,
            auto_increment: false,
            generated: None,
            on_update: false,
        }
    }

    /// Writes (or, with `put` false, deletes) row `id` of `d.t` and its `name` entry.
    fn write_row(txn: &mut crate::store::Txn, id: i64, name: Option<&str>, put: bool) {
        let mut row = vec![if name.is_none() { 2u8 } else { 0 }];
        row.extend_from_slice(&(id as i32).to_le_bytes());
        if let Some(n) = name {
            row.push(n.len() as u8);
            row.extend_from_slice(n.as_bytes());
        }
        let mut k = Vec::new();
        keys::row(&mut k, 1);
        keycodec::put_i64(&mut k, id);
        let pk = k[5..].to_vec();
        let mut ik = Vec::new();
        keys::index(&mut ik, 1, 1);
        match name {
            None => keycodec::put_null(&mut ik),
            Some(n) => {
                keycodec::put_not_null(&mut ik);
                let mut w = Vec::new();
                crate::store::collation::by_id(45)
                    .unwrap()
                    .weight(n.as_bytes(), &mut w);
                keycodec::put_bytes(&mut ik, &w);
            }
        }
        ik.extend_from_slice(&pk);
        if put {
            txn.put(&k, &row);
            txn.put_unread(&ik, &[]);
        } else {
            txn.delete(&k);
            txn.delete_unread(&ik);
        }
    }

    /// A store holding `d.t (id INT PRIMARY KEY, name VARCHAR(20) NULL, KEY (name))` with
    /// ids 1..=20, names cycling through a few values and NULL.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let t = TableDef {
            id: 1,
            db: "d".into(),
            name: "t".into(),
            columns: vec![
                col("id", SqlType::Int, false),
                col("name", SqlType::Varchar(20), true),
            ],
            indexes: vec![
                IndexDef {
                    name: "PRIMARY".into(),
                    kind: IndexKind::Primary,
                    id: 0,
                    parts: vec![KeyPart {
                        column: 0,
                        prefix: None,
                    }],
                },
                IndexDef {
                    name: "name".into(),
                    kind: IndexKind::Plain,
                    id: 1,
                    parts: vec![KeyPart {
                        column: 1,
                        prefix: None,
                    }],
                },
            ],
            collation: 45,
            next_index_id: 2,
            key_format: crate::store::catalog::KEY_FORMAT,
            triggers: Vec::new(),
            trigger_defs: Vec::new(),
            engine: None,
            session: None,
            foreign_keys: Vec::new(),
        };
        let mut txn = s.txn();
        txn.put_database(&crate::store::catalog::DatabaseDef {
            name: "d".into(),
            collation: 45,
            assumed: false,
        });
        txn.put_table(&t, 2);
        let names = ["alice", "Bob", "carol", ""];
        for id in 1..=20i64 {
            let name = (id % 5 != 0).then(|| names[id as usize % 4]);
            write_row(&mut txn, id, name, true);
        }
        let pos = AppliedPos {
            relay: crate::relay::reader::RelayPos {
                file: "r.000001".into(),
                offset: 4,
            },
            master: None,
            gtid: None,
        };
        txn.commit(&s, &pos, true).unwrap();
        (dir, s)
    }

    /// Runs `sql` against `view` in database `d`.
    fn run_on(view: &dyn TableAccess, sql: &str) -> Result<String, SqlError> {
        let none = |_: &str| None;
        let cx = Context {
            view,
            env: &NoSession,
            db: Some("d"),
            names_from: sql,
            system_table: &none,
            access: None,
            placeholders: &[],
            params: &[],
        };
        let rs = select(sql, &cx)?;
        Ok(flat(
            rs.rows
                .iter()
                .map(|r| r.iter().map(Value::render).collect())
                .collect(),
        ))
    }

    #[test]
    fn a_write_view_reads_the_pending_batch() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        // Queries over each access path: point, range both ways, secondary index, scan.
        let queries = [
            "SELECT COUNT(*), SUM(id) FROM t",
            "SELECT name FROM t WHERE id = 23",
            "SELECT id FROM t WHERE id BETWEEN 2 AND 22 ORDER BY id DESC LIMIT 4",
            "SELECT id FROM t WHERE id > 18 ORDER BY id",
            "SELECT id FROM t WHERE name = 'zed' ORDER BY id",
            "SELECT id FROM t WHERE name = 'Bob' ORDER BY id",
            "SELECT id FROM t WHERE name IS NULL ORDER BY id DESC",
        ];
        let committed: Vec<String> = queries
            .iter()
            .map(|q| run_on(&*s.read_view().unwrap(), q).unwrap())
            .collect();
        let mut txn = s.txn();
        // Earlier transactions of the batch: three new rows, one deleted, one renamed.
        for id in 21..=23 {
            write_row(&mut txn, id, Some("zed"), true);
        }
        write_row(&mut txn, 1, Some("Bob"), false);
        write_row(&mut txn, 5, None, false);
        write_row(&mut txn, 5, Some("zed"), true);
        let before_more = txn.savepoint();
        let seen = |txn: &mut crate::store::Txn| -> Vec<String> {
            let view = txn.write_view(&s, &tables).unwrap();
            queries.iter().map(|q| run_on(&view, q).unwrap()).collect()
        };
        let expected = [
            "22,275",
            "zed",
            "22;21;20;19",
            "19;20;21;22;23",
            "5;21;22;23",
            "9;13;17",
            "20;15;10",
        ];
        assert_eq!(seen(&mut txn), expected);
        // The endpoint's committed view does not see the pending batch.
        let now: Vec<String> = queries
            .iter()
            .map(|q| run_on(&*s.read_view().unwrap(), q).unwrap())
            .collect();
        assert_eq!(now, committed);
        // A later statement's writes are folded in on the next view.
        write_row(&mut txn, 22, Some("zed"), false);
        write_row(&mut txn, 24, Some("Bob"), true);
        assert_eq!(
            seen(&mut txn)[..6],
            [
                "22,277",
                "zed",
                "21;20;19;18",
                "19;20;21;23;24",
                "5;21;23",
                "9;13;17;24"
            ]
        );
        // Rolled back to before them: gone again.
        txn.rollback_to(before_more);
        assert_eq!(seen(&mut txn), expected);
        // Committed: the snapshot now answers as the write view did.
        let pos = AppliedPos {
            relay: crate::relay::reader::RelayPos {
                file: "r.000001".into(),
                offset: 8,
            },
            master: None,
            gtid: None,
        };
        txn.commit(&s, &pos, true).unwrap();
        let now: Vec<String> = queries
            .iter()
            .map(|q| run_on(&*s.read_view().unwrap(), q).unwrap())
            .collect();
        assert_eq!(now, expected);
    }

    #[test]
    fn a_write_view_sees_batches_still_being_written() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        for round in 0..50i64 {
            // Committed without waiting: the writer thread may still hold it.
            let mut txn = s.txn();
            write_row(&mut txn, 100 + round, Some("zed"), true);
            let pos = AppliedPos {
                relay: crate::relay::reader::RelayPos {
                    file: "r.000001".into(),
                    offset: 10 + round as u64,
                },
                master: None,
                gtid: None,
            };
            txn.commit(&s, &pos, false).unwrap();
            let mut next = s.txn();
            let view = next.write_view(&s, &tables).unwrap();
            // A point read (row cache or RocksDB), then a scan (waits for the writer).
            let q = format!("SELECT name FROM t WHERE id = {}", 100 + round);
            assert_eq!(run_on(&view, &q).unwrap(), "zed", "round {round}");
            assert_eq!(
                run_on(&view, "SELECT COUNT(*) FROM t WHERE name = 'zed'").unwrap(),
                (round + 1).to_string(),
                "round {round}"
            );
        }
    }

    #[test]
    fn a_write_view_sees_a_truncate_and_rows_written_after_it() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let mut txn = s.txn();
        txn.clear_table(1);
        write_row(&mut txn, 7, Some("zed"), true);
        let view = txn.write_view(&s, &tables).unwrap();
        assert_eq!(
            run_on(&view, "SELECT id, name FROM t ORDER BY id").unwrap(),
            "7,zed"
        );
        assert_eq!(
            run_on(&view, "SELECT id FROM t WHERE name IS NOT NULL").unwrap(),
            "7"
        );
    }

    /// Calls `f` with a context reading a fresh view of `s` in database `d`.
    fn with_cx<T>(s: &Store, sql: &str, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let view = s.read_view().unwrap();
        let none = |_: &str| None;
        f(&Context {
            view: &*view,
            env: &NoSession,
            db: Some("d"),
            names_from: sql,
            system_table: &none,
            access: None,
            placeholders: &[],
            params: &[],
        })
    }

    fn run(s: &Store, sql: &str) -> Result<Vec<Vec<Option<String>>>, SqlError> {
        let rs = with_cx(s, sql, |cx| select(sql, cx))?;
        Ok(rs
            .rows
            .iter()
            .map(|r| r.iter().map(Value::render).collect())
            .collect())
    }

    fn flat(rows: Vec<Vec<Option<String>>>) -> String {
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.clone().unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    #[test]
    fn ctes_naming_ctes_twice_are_bounded() {
        let (_d, s) = store();
        let q = |sql: &str| run(&s, sql).map(flat);
        assert_eq!(
            q("WITH a AS (SELECT id FROM t WHERE id < 3), b AS (SELECT x.id FROM a x, a y WHERE x.id = y.id) SELECT id FROM b ORDER BY id").unwrap(),
            "1;2"
        );
        // Each level names the one before twice: 2^20 bindings unless refused.
        let mut sql = "WITH c0 AS (SELECT id FROM t WHERE id = 1)".to_string();
        for i in 1..20 {
            sql.push_str(&format!(
                ", c{i} AS (SELECT x.id FROM c{} x, c{} y)",
                i - 1,
                i - 1
            ));
        }
        sql.push_str(" SELECT * FROM c19");
        assert_eq!(q(&sql).unwrap_err().code, 1235);
    }

    #[test]
    fn index_paths_answer_like_a_scan() {
        let (_d, s) = store();
        let q = |sql: &str| flat(run(&s, sql).unwrap());
        assert_eq!(q("SELECT name FROM t WHERE id = 6"), "carol");
        assert_eq!(
            q("SELECT id FROM t WHERE id IN (7, 3, 3, 99) ORDER BY id"),
            "3;7"
        );
        assert_eq!(q("SELECT id FROM t WHERE id BETWEEN 18 AND 30"), "18;19;20");
        assert_eq!(
            q("SELECT id FROM t WHERE id > 17 ORDER BY id DESC LIMIT 2"),
            "20;19"
        );
        // Secondary index on a _ci column: 'BOB' finds 'Bob'.
        assert_eq!(
            q("SELECT id FROM t WHERE name = 'BOB' ORDER BY id"),
            q("SELECT id FROM t WHERE LOWER(name) = 'bob' ORDER BY id")
        );
        assert_eq!(q("SELECT COUNT(*) FROM t WHERE name IS NULL"), "4");
        assert_eq!(q("SELECT COUNT(*) FROM t WHERE name = ''"), "4");
        assert_eq!(
            q("SELECT name, COUNT(*) FROM t GROUP BY name"),
            "NULL,4;,4;alice,4;Bob,4;carol,4"
        );
        // A string against the integer key: compared as numbers, no key encoded.
        assert_eq!(q("SELECT id FROM t WHERE id = '6abc'"), "6");
        assert_eq!(q("SELECT id FROM t WHERE id = 6.5"), "");
        assert_eq!(run(&s, "SELECT nope FROM t").unwrap_err().code, 1054);
        assert_eq!(run(&s, "SELECT * FROM t2").unwrap_err().code, 1146);
        assert_eq!(run(&s, "SELECT id FROM t a, t b").unwrap_err().code, 1052);
    }

    #[test]
    fn integer_key_ranges_enforce_their_conditions() {
        let (_d, s) = store();
        let enforced = |sql: &str| match with_cx(&s, sql, |cx| plan(sql, cx)).unwrap() {
            bind::QueryPlan::Select(p) => p.sources[0].enforced.clone(),
            _ => unreachable!(),
        };
        // BETWEEN and comparisons on the integer primary key: the range is the condition.
        assert_eq!(enforced("SELECT id FROM t WHERE id BETWEEN 3 AND 9"), [0]);
        assert_eq!(enforced("SELECT id FROM t WHERE id = 3"), [0]);
        assert_eq!(
            enforced("SELECT id FROM t WHERE id > 3 AND id <= 9"),
            [0, 1]
        );
        // Only the first lower bound becomes the range; the second stays a filter.
        assert_eq!(
            enforced("SELECT id FROM t WHERE id > 3 AND id > 5 AND name LIKE 'x%'"),
            [0]
        );
        // A BETWEEN giving only one of its bounds to the range is not enforced.
        assert_eq!(
            enforced("SELECT id FROM t WHERE id < 5 AND id BETWEEN 3 AND 9"),
            [0]
        );
        // Text keys are compared by collation: never enforced.
        assert!(enforced("SELECT id FROM t WHERE name = 'bob'").is_empty());
        // Whether the bounds encode exactly is known when the statement runs.
        let q = |sql: &str| flat(run(&s, sql).unwrap());
        assert_eq!(q("SELECT id FROM t WHERE id BETWEEN 3 AND 5.5"), "3;4;5");
        assert_eq!(q("SELECT id FROM t WHERE id > 17.5"), "18;19;20");
        assert_eq!(q("SELECT id FROM t WHERE id BETWEEN '3' AND '4x'"), "3;4");
        assert_eq!(q("SELECT id FROM t WHERE id IN (2, 3.5, '4', NULL)"), "2;4");
        assert_eq!(q("SELECT id FROM t WHERE id > 2 AND id > 18"), "19;20");
    }

    #[test]
    fn str_to_date_reads_english_names_as_mariadb() {
        let (_d, s) = store();
        let q = |sql: &str| run(&s, sql).map(flat).unwrap();
        // Each answer is MariaDB 10.11's.
        for (input, fmt, want) in [
            ("1 mar 2024", "%d %M %Y", "2024-03-01"),
            ("1 MARCH 2024", "%d %b %Y", "NULL"),
            ("1 Ma 2024", "%d %b %Y", "NULL"),
            ("1 Ju 2024", "%d %b %Y", "NULL"),
            ("Frid 1 Mar 2024", "%W %d %b %Y", "2024-03-01"),
            ("Sunday 1 Mar 2024", "%W %d %b %Y", "2024-03-01"),
            ("Mo 4 Mar 2024", "%a %d %b %Y", "2024-03-04"),
            ("1st March 2024", "%D %M %Y", "2024-03-01"),
            ("2024 061", "%Y %j", "2024-03-01"),
            ("1 Marchx 2024", "%d %M %Y", "NULL"),
            ("1 März 2024", "%d %M %Y", "NULL"),
            ("01:02:03 PM", "%r", "13:02:03"),
        ] {
            let sql = format!("SELECT STR_TO_DATE('{input}', '{fmt}') FROM t WHERE id = 1");
            assert_eq!(q(&sql), want, "{sql}");
        }
    }

    #[test]
    fn hostile_input_errs_or_answers_without_panicking() {
        let (_d, s) = store();
        let q = |sql: &str| run(&s, sql).map(flat);
        assert_eq!(q("SELECT LEFT(name) FROM t").unwrap_err().code, 1582);
        assert_eq!(q("SELECT UPPER() FROM t").unwrap_err().code, 1582);
        assert_eq!(
            q("SELECT STR_TO_DATE('10é30:00', '%T') FROM t WHERE id = 1").unwrap(),
            "NULL"
        );
        assert_eq!(
            q("SELECT STR_TO_DATE('10:30:00', '%T') FROM t WHERE id = 1").unwrap(),
            "10:30:00"
        );
        assert_eq!(
            q("SELECT id FROM t WHERE name = X'zz'").unwrap_err().code,
            1064
        );
        assert_eq!(
            q("SELECT REPEAT(REPEAT('ab', 1048576), 1048576) FROM t WHERE id = 1").unwrap(),
            "NULL"
        );
        assert_eq!(
            q("SELECT LPAD('', 4000000000, 'x') FROM t WHERE id = 1").unwrap(),
            "NULL"
        );
        assert_eq!(
            q("SELECT ROUND(1.5, 256), ROUND(1.5, -300) FROM t WHERE id = 1").unwrap(),
            "1.5,0"
        );
        assert_eq!(
            q("SELECT ROUND(0.99999999999999999999999999999999999999) FROM t WHERE id = 1")
                .unwrap(),
            "1"
        );
        assert_eq!(
            q("SELECT DATE_ADD('2024-01-01', INTERVAL 6148914691236517206 QUARTER) FROM t WHERE id = 1")
                .unwrap(),
            "NULL"
        );
        assert_eq!(
            q("SELECT FROM_UNIXTIME(1e30) FROM t WHERE id = 1").unwrap(),
            "NULL"
        );
        // Mixed types in one sort key sort as strings (a total order: no panic).
        assert_eq!(
            q("SELECT id FROM t ORDER BY IF(id < 3, id, name), id LIMIT 4").unwrap(),
            "5;10;15;20"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5))]
        #[test]
        fn any_select_runs_or_errs(sqls in proptest::collection::vec("SELECT (id|name|1|'a'|NULL|COUNT\\(\\*\\)|SUM\\(id\\)|MAX\\(name\\)|CONCAT\\(name, id\\)|,|\\+|-|\\*|/|=|<|>|\\(|\\)|AND|OR|NOT|IS NULL| )* FROM t( WHERE (id|name|1|'x'|=|<|>|AND|OR|NOT|IN \\(1, 2\\)|LIKE 'a%'|BETWEEN 1 AND 2|\\(|\\)| )*)?( GROUP BY (id|name|1))?( ORDER BY (1|id|name)( DESC)?)?( LIMIT 2)?", 60)) {
            let (_d, s) = store();
            for sql in &sqls {
                let _ = run(&s, sql);
            }
        }
    }
}
