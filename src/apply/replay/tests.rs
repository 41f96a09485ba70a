//! Statement replay's unit tests over a real store.

use super::*;

#[test]
fn comma_joined_updates_read_as_joins() {
    let c = |s: &str| comma_joins(s).into_owned();
    assert_eq!(
        c("UPDATE t1, t2 SET t1.a = t2.b WHERE t1.id = t2.id"),
        "UPDATE t1 JOIN  t2 SET t1.a = t2.b WHERE t1.id = t2.id"
    );
    assert_eq!(
        c("update `a,b` x , (select 1) y,z set x.v = concat('s, t', y.w), z.k = 1"),
        "update `a,b` x  JOIN  (select 1) y JOIN z set x.v = concat('s, t', y.w), z.k = 1"
    );
    // Commas after SET, and other statements, are left alone.
    for s in [
        "UPDATE t SET a = 1, b = 2",
        "DELETE FROM t WHERE a IN (1, 2)",
        "UPDATE t1, t2",
        "UPDATE settings, t SETX",
    ] {
        assert_eq!(c(s), s);
    }
}
use crate::apply::ddl::{self, DdlContext};
use crate::apply::schema;
use crate::relay::reader::RelayPos;
use crate::store::AppliedPos;

fn pos(offset: u64) -> AppliedPos {
    AppliedPos {
        relay: RelayPos {
            file: "r.000001".into(),
            offset,
        },
        master: None,
        gtid: None,
    }
}

/// A store with `d.t` made by DDL, as the applier makes it.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let mut cat = s.load_catalog().unwrap();
    let mut txn = s.txn();
    let mut rows = RowApplier::default();
    let ctx = DdlContext {
        db: Some("d"),
        collation_server: 45,
        collation_database: Some(45),
        mysql: false,
        collation_connection: 45,
        sql_mode: 0,
        charset_client: 33,
        timestamp: 0,
    };
    for sql in [
        "CREATE DATABASE d",
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, n INT NOT NULL DEFAULT 7, KEY (name))",
    ] {
        for op in ddl::parse(sql, &ctx, &cat).unwrap() {
            schema::execute(op, &mut cat, &s, &mut txn, &mut rows, 0).unwrap();
        }
    }
    txn.commit(&s, &pos(4), true).unwrap();
    (dir, s)
}

/// Thread 9's session in database `d` at 2023-11-14 22:13:20 UTC.
fn session_of(vars: &StatementVars, sql_mode: u64) -> MasterSession<'_> {
    MasterSession {
        db: "d",
        timestamp: 1_700_000_000,
        micros: 0,
        thread_id: 9,
        sql_mode,
        auto_increment: (1, 1),
        vars,
        rand: Default::default(),
        time_zone: &crate::tz::SYSTEM,
        locale: crate::sql::locale::en_us(),
        foreign_key_checks: true,
        collation_connection: crate::coldef::UTF8MB4,
    }
}

fn rows_of(view: &dyn crate::store::view::TableAccess) -> String {
    let sql = "SELECT id, name, n FROM d.t ORDER BY id";
    let none = |_: &str| None;
    let cx = Context {
        view,
        env: &crate::sql::env::NoSession,
        db: None,
        names_from: sql,
        system_table: &none,
        access: None,
        placeholders: &[],
        params: &[],
    };
    engine::select(sql, &cx)
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.render().unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Backslash escapes in literals keep their meaning through every path a statement
/// takes (INSERT's literals, UPDATE's SELECT, a shape's parameters).
#[test]
fn backslashes_in_literals_survive_replay() {
    let (_d, s) = store();
    let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
    let mut applier = RowApplier::default();
    let filters = Filters::default();
    let vars = StatementVars::default();
    let mut shapes = Shapes::default();
    let mut txn = s.txn();
    let mut r = Replay::new(&s, &tables, &mut applier, &filters, &mut shapes, true);
    let session = session_of(&vars, 0);
    for sql in [
        r"INSERT INTO t (id, name) VALUES (1, 'a\\b'), (2, 'x')",
        r"UPDATE t SET name = CONCAT(name, '\\c\n') WHERE id = 2",
        r"UPDATE t SET name = 'p\\q' WHERE id = 1 AND name = 'a\\b'",
        r"INSERT INTO t (id, name) VALUES (3, 'C:\\0d'), (4, 'say ''hi''') ON DUPLICATE KEY UPDATE n = n",
        r"UPDATE t SET name = CONCAT(name, '''\0') WHERE id = 4",
    ] {
        r.execute(sql, &session, &mut txn).unwrap();
    }
    let view = txn.write_view(&s, &tables).unwrap();
    assert_eq!(
        rows_of(&view),
        "1,p\\q,7;2,x\\c\n,7;3,C:\\0d,7;4,say 'hi''\u{0},7"
    );
}

/// Issue 17's check: a replayed UPDATE ... WHERE reads rows that earlier, not yet
/// committed transactions of its batch inserted (and a DELETE the UPDATE's changes).
#[test]
fn replayed_statements_read_their_batchs_own_writes() {
    let (_d, s) = store();
    let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
    let mut applier = RowApplier::default();
    let filters = Filters::default();
    let vars = StatementVars {
        insert_id: Some(1),
        ..Default::default()
    };
    let session = session_of(&vars, 0);
    let mut txn = s.txn();
    let mut shapes = Shapes::default();
    let mut r = Replay::new(&s, &tables, &mut applier, &filters, &mut shapes, false);
    // Three transactions of one batch: nothing is committed in between.
    r.execute(
        "INSERT INTO t (name) VALUES ('a'), ('b'), ('c')",
        &session,
        &mut txn,
    )
    .unwrap();
    let plain = StatementVars::default();
    let session = MasterSession {
        vars: &plain,
        ..session
    };
    r.execute(
        "UPDATE t SET n = n + id, name = CONCAT(name, n) WHERE name >= 'b'",
        &session,
        &mut txn,
    )
    .unwrap();
    r.execute("DELETE FROM t WHERE n = 10", &session, &mut txn)
        .unwrap();
    // The second assignment saw the first one's value (n = 7 + 2 = 9, name b9).
    let view = txn.write_view(&s, &tables).unwrap();
    assert_eq!(rows_of(&view), "1,a,7;2,b9,9");
    // Unique and secondary keys were kept in step: a lookup by name finds the row.
    r.execute("UPDATE t SET n = 0 WHERE name = 'b9'", &session, &mut txn)
        .unwrap();
    assert_eq!(
        rows_of(&*s.read_view().unwrap()),
        "",
        "nothing committed yet"
    );
    txn.commit(&s, &pos(100), true).unwrap();
    assert_eq!(rows_of(&*s.read_view().unwrap()), "1,a,7;2,b9,0");
}

#[test]
fn what_is_not_replayed_is_1235_naming_it() {
    let (_d, s) = store();
    let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
    let mut applier = RowApplier::default();
    let filters = Filters::default();
    let vars = StatementVars::default();
    let session = session_of(&vars, 0);
    let mut txn = s.txn();
    let mut shapes = Shapes::default();
    let mut r = Replay::new(&s, &tables, &mut applier, &filters, &mut shapes, false);
    for (sql, what) in [
        ("INSERT INTO t (name) VALUES (UUID())", "UUID"),
        ("LOAD DATA INFILE 'x' INTO TABLE t", "LOAD DATA"),
        ("INSERT INTO t (name) VALUES (RAND(3))", "RAND(N)"),
    ] {
        match r.execute(sql, &session, &mut txn) {
            Err(RowError::Sql(e, _)) => {
                assert_eq!(e.code, 1235, "{sql}: {}", e.message);
                assert!(e.message.contains(what), "{sql}: {}", e.message);
            }
            other => panic!("{sql}: {:?}", other.err()),
        }
    }
}

#[test]
fn upserts_act_on_the_row_holding_the_key() {
    let (_d, s) = store();
    let mut cat = s.load_catalog().unwrap();
    let mut txn = s.txn();
    let mut applier = RowApplier::default();
    let ctx = DdlContext {
        db: Some("d"),
        collation_server: 45,
        collation_database: Some(45),
        mysql: false,
        collation_connection: 45,
        sql_mode: 0,
        charset_client: 33,
        timestamp: 0,
    };
    let ddl = "CREATE TABLE u (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, hits INT NOT NULL DEFAULT 0, UNIQUE KEY (code))";
    for op in ddl::parse(ddl, &ctx, &cat).unwrap() {
        schema::execute(op, &mut cat, &s, &mut txn, &mut applier, 0).unwrap();
    }
    txn.commit(&s, &pos(50), true).unwrap();
    let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
    let filters = Filters::default();
    let vars = StatementVars::default();
    let session = session_of(&vars, 0);
    let mut txn = s.txn();
    let mut shapes = Shapes::default();
    let mut r = Replay::new(&s, &tables, &mut applier, &filters, &mut shapes, false);
    for sql in [
        "INSERT INTO u VALUES (1, 'a', 1), (2, 'b', 1), (3, 'c', 1)",
        // Taken primary key: that row updated; VALUES() is the row not inserted.
        "INSERT INTO u VALUES (1, 'zz', 5) ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits), code = CONCAT(code, hits)",
        // Taken unique secondary key: the row holding it is the one updated.
        "INSERT INTO u VALUES (9, 'b', 1) ON DUPLICATE KEY UPDATE hits = hits + 100",
        // No collision: inserted.
        "INSERT INTO u VALUES (4, 'd', 0) ON DUPLICATE KEY UPDATE hits = 0",
        // REPLACE taking id 3's primary key and id 4's code: both rows go.
        "REPLACE INTO u VALUES (3, 'd', 42)",
    ] {
        r.execute(sql, &session, &mut txn)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
    let view = txn.write_view(&s, &tables).unwrap();
    let sql = "SELECT id, code, hits FROM d.u ORDER BY id";
    let none = |_: &str| None;
    let cx = Context {
        view: &view,
        env: &crate::sql::env::NoSession,
        db: None,
        names_from: sql,
        system_table: &none,
        access: None,
        placeholders: &[],
        params: &[],
    };
    let got: Vec<String> = engine::select(sql, &cx)
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.render().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    // Row 1: hits 1 + 5, then code 'a' + the new hits (assignments in order).
    assert_eq!(got, ["1,a6,6", "2,b,101", "3,d,42"]);
}

#[test]
fn update_and_delete_modifiers_are_read() {
    assert_eq!(
        strip_modifiers("UPDATE LOW_PRIORITY IGNORE t SET a = 1"),
        ("UPDATE t SET a = 1".into(), true)
    );
    assert_eq!(
        strip_modifiers("  delete quick from t"),
        ("delete from t".into(), false)
    );
    // A table named like a modifier, and other statements, are left alone.
    assert_eq!(
        strip_modifiers("UPDATE ignore_me SET a = 1"),
        ("UPDATE ignore_me SET a = 1".into(), false)
    );
    assert_eq!(
        strip_modifiers("INSERT IGNORE INTO t VALUES (1)"),
        ("INSERT IGNORE INTO t VALUES (1)".into(), false)
    );
}

#[test]
fn repeated_shapes_are_planned_once() {
    let (_d, s) = store();
    let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
    let mut applier = RowApplier::default();
    let filters = Filters::default();
    let vars = StatementVars::default();
    let session = session_of(&vars, 0);
    let mut txn = s.txn();
    let mut shapes = Shapes::default();
    let mut r = Replay::new(&s, &tables, &mut applier, &filters, &mut shapes, false);
    for sql in [
        "INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO t (id, name) VALUES (3, 'c'), (4, DEFAULT)",
        "UPDATE t SET n = n + 1, name = CONCAT(name, n) WHERE id = 1",
        "UPDATE t SET n = n + 10, name = CONCAT(name, n) WHERE id = 3",
        "DELETE FROM t WHERE id = 2",
        "DELETE FROM t WHERE id = 9",
        "UPDATE t SET name = NOW() WHERE id = 4",
    ] {
        r.execute(sql, &session, &mut txn)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
    let kinds: Vec<&str> = {
        let mut v: Vec<(&String, &str)> = shapes
            .iter()
            .map(|(k, p)| {
                (
                    k,
                    match **p {
                        Planned::Change { delete: true, .. } => "delete",
                        Planned::Change { .. } => "update",
                        Planned::Insert { .. } => "insert",
                        Planned::Filtered => "filtered",
                        Planned::General => "general",
                    },
                )
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, k)| k).collect()
    };
    // One plan per shape; NOW() binds the statement's time: planned each time.
    assert_eq!(kinds, ["delete", "insert", "insert", "update", "general"]);
    let view = txn.write_view(&s, &tables).unwrap();
    // Assignments in order through the plan too: n = 7 + 1, then name 'a' + 8.
    let secs = 1_700_000_000i64;
    let now = crate::sql::temporal::Temporal::from_epoch_micros(
        crate::tz::SYSTEM.local(secs) * 1_000_000,
        Kind::DateTime,
        0,
    )
    .render();
    assert_eq!(rows_of(&view), format!("1,a8,8;3,c17,17;4,{now},7"));
}

#[test]
fn parsing_sql_modes_stop_where_they_matter() {
    let (_d, s) = store();
    let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
    let mut applier = RowApplier::default();
    let filters = Filters::default();
    let vars = StatementVars::default();
    let mut shapes = Shapes::default();
    let mut txn = s.txn();
    let mut r = Replay::new(&s, &tables, &mut applier, &filters, &mut shapes, false);
    let session = |sql_mode| session_of(&vars, sql_mode);
    // PIPES_AS_CONCAT: 'a' || 'b' is 'ab' (under the default modes it is 0).
    r.execute(
        "INSERT INTO t (name) VALUES ('a' || 'b' || 'c')",
        &session(1 << 1),
        &mut txn,
    )
    .unwrap();
    let name = r
        .query_result("SELECT name FROM t", &session(0), &mut txn)
        .unwrap();
    assert_eq!(name.rows, [[Value::Text("abc".into())]]);
    // ORACLE still stops: its grammar differs everywhere.
    let e = r
        .execute(
            "INSERT INTO t (name) VALUES ('ab')",
            &session(1 << 9),
            &mut txn,
        )
        .unwrap_err();
    assert!(matches!(&e, RowError::Sql(e, _) if e.code == 1235 && e.message.contains("ORACLE")));
    // ANSI_QUOTES: "x" is a name (here an unknown column), as on the master.
    let e = r
        .execute(
            "INSERT INTO t (name) VALUES (\"x\")",
            &session(1 << 2),
            &mut txn,
        )
        .unwrap_err();
    assert!(matches!(&e, RowError::Sql(e, _) if e.code == 1054), "{e:?}");
    r.execute(
        "INSERT INTO \"t\" (\"name\") VALUES ('y')",
        &session(1 << 2),
        &mut txn,
    )
    .unwrap();
}
