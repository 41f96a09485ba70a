use super::*;
use crate::store::catalog::{IndexKind, RefAction, SqlType};

fn ctx() -> DdlContext<'static> {
    DdlContext {
        db: Some("db01"),
        collation_server: 45,
        collation_database: None,
        mysql: false,
        collation_connection: 45,
        sql_mode: 0,
        charset_client: 33,
        timestamp: 0,
    }
}

fn one(sql: &str) -> DdlOp {
    let mut ops = parse(sql, &ctx(), &Catalog::default()).unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(ops.len(), 1, "{sql}");
    ops.remove(0)
}

#[test]
fn seed_create_table() {
    let op = one("create table user(id int(11) not null auto_increment, name varchar(20), sex char(1), primary key (id)) engine=innodb default charset=utf8");
    let DdlOp::CreateTable {
        name,
        columns,
        indexes,
        collation,
        ..
    } = op
    else {
        panic!("{op:?}")
    };
    assert_eq!(name, ("db01".into(), "user".into()));
    assert_eq!(collation, 33);
    assert_eq!(columns.len(), 3);
    assert_eq!(columns[0].ty, SqlType::Int);
    assert!(columns[0].auto_increment && !columns[0].nullable);
    assert_eq!(columns[1].ty, SqlType::Varchar(20));
    assert_eq!(columns[1].collation, 33);
    assert_eq!(columns[2].ty, SqlType::Char(1));
    assert_eq!(indexes.len(), 1);
    assert_eq!(indexes[0].kind, IndexKind::Primary);
    assert_eq!(indexes[0].parts, vec![("id".to_string(), None)]);
}

#[test]
fn sysbench_create_table_and_index() {
    let op = one("CREATE TABLE sbtest1(\n  id INTEGER NOT NULL AUTO_INCREMENT,\n  k INTEGER DEFAULT '0' NOT NULL,\n  c CHAR(120) DEFAULT '' NOT NULL,\n  pad CHAR(60) DEFAULT '' NOT NULL,\n  PRIMARY KEY (id)\n) /*! ENGINE = innodb */");
    let DdlOp::CreateTable {
        columns, collation, ..
    } = op
    else {
        panic!()
    };
    assert_eq!(collation, 45);
    assert_eq!(columns[1].default, Some(DefaultValue::Literal("0".into())));
    assert_eq!(columns[2].ty, SqlType::Char(120));
    let op = one("CREATE INDEX k_1 ON sbtest1(k)");
    assert_eq!(
        op,
        DdlOp::AlterTable {
            name: ("db01".into(), "sbtest1".into()),
            ops: vec![AlterOp::AddIndex(IndexSpec {
                name: Some("k_1".into()),
                kind: IndexKind::Plain,
                parts: vec![("k".into(), None)]
            })]
        }
    );
}

#[test]
fn every_column_type() {
    let op = one("CREATE TABLE t (a TINYINT UNSIGNED, b SMALLINT, c MEDIUMINT UNSIGNED, d BIGINT UNSIGNED, \
        e FLOAT, f DOUBLE, g DECIMAL(65,30), h BIT(10), i BINARY(4), j VARBINARY(10), k TINYTEXT, l MEDIUMBLOB, \
        m LONGTEXT CHARACTER SET latin1, n ENUM('x','y'), o SET('p','q'), p YEAR, q DATE, r TIME(3), \
        s DATETIME(6), t TIMESTAMP(2) NULL DEFAULT NULL, u JSON, v GEOMETRY, w VARCHAR(10) COLLATE utf8mb4_bin, \
        x INT ZEROFILL, y TEXT, z BLOB, aa POINT, UNIQUE KEY uk (b, w(4)), KEY (e)) DEFAULT CHARSET=utf8mb4");
    let DdlOp::CreateTable {
        columns, indexes, ..
    } = op
    else {
        panic!()
    };
    let tys: Vec<_> = columns.iter().map(|c| (c.ty.clone(), c.unsigned)).collect();
    assert_eq!(
        tys,
        vec![
            (SqlType::TinyInt, true),
            (SqlType::SmallInt, false),
            (SqlType::MediumInt, true),
            (SqlType::BigInt, true),
            (SqlType::Float, false),
            (SqlType::Double, false),
            (SqlType::Decimal(65, 30), false),
            (SqlType::Bit(10), false),
            (SqlType::Binary(4), false),
            (SqlType::Varbinary(10), false),
            (SqlType::Text(1), false),
            (SqlType::Blob(3), false),
            (SqlType::Text(4), false),
            (SqlType::Enum(vec!["x".into(), "y".into()]), false),
            (SqlType::Set(vec!["p".into(), "q".into()]), false),
            (SqlType::Year, false),
            (SqlType::Date, false),
            (SqlType::Time(3), false),
            (SqlType::DateTime(6), false),
            (SqlType::Timestamp(2), false),
            (SqlType::Json, false),
            (SqlType::Geometry, false),
            (SqlType::Varchar(10), false),
            (SqlType::Int, true),
            (SqlType::Text(2), false),
            (SqlType::Blob(2), false),
            (SqlType::Geometry, false),
        ]
    );
    assert_eq!(columns[12].collation, 8);
    assert_eq!(columns[22].collation, 46);
    assert_eq!(columns[1].collation, 63);
    assert_eq!(
        indexes[0].parts,
        vec![("b".into(), None), ("w".into(), Some(4))]
    );
    assert_eq!(indexes[0].kind, IndexKind::Unique);
    assert_eq!(indexes[1].name, None);
}

#[test]
fn databases_drops_renames() {
    assert_eq!(
        one("CREATE DATABASE IF NOT EXISTS x CHARACTER SET latin1"),
        DdlOp::CreateDatabase {
            name: "x".into(),
            if_not_exists: true,
            collation: 8
        }
    );
    assert_eq!(
        one("create database db01"),
        DdlOp::CreateDatabase {
            name: "db01".into(),
            if_not_exists: false,
            collation: 45
        }
    );
    assert_eq!(
        one("DROP DATABASE `db01`"),
        DdlOp::DropDatabase {
            name: "db01".into(),
            if_exists: false
        }
    );
    assert_eq!(
        one("DROP TABLE IF EXISTS `a`,`other`.`b` /* generated by server */"),
        DdlOp::DropTables {
            names: vec![("db01".into(), "a".into()), ("other".into(), "b".into())],
            if_exists: true,
            temporary: false
        }
    );
    assert_eq!(
        one("DROP TEMPORARY TABLE IF EXISTS `t`"),
        DdlOp::DropTables {
            names: vec![("db01".into(), "t".into())],
            if_exists: true,
            temporary: true
        }
    );
    assert_eq!(
        one("RENAME TABLE a TO b, c TO x.d"),
        DdlOp::RenameTables(vec![
            (("db01".into(), "a".into()), ("db01".into(), "b".into())),
            (("db01".into(), "c".into()), ("x".into(), "d".into())),
        ])
    );
    assert_eq!(
        one("TRUNCATE TABLE t"),
        DdlOp::Truncate(("db01".into(), "t".into()))
    );
    assert_eq!(
        one("TRUNCATE t"),
        DdlOp::Truncate(("db01".into(), "t".into()))
    );
    assert!(matches!(
        one("CREATE TABLE t2 LIKE t"),
        DdlOp::CreateTableLike { .. }
    ));
    assert!(matches!(one("DROP INDEX i ON t"), DdlOp::AlterTable { .. }));
    let e = parse(
        "CREATE TABLE t (i INT)",
        &DdlContext { db: None, ..ctx() },
        &Catalog::default(),
    );
    assert_eq!(e.unwrap_err().code, 1046);
}

#[test]
fn alter_table_forms() {
    let op = one(
        "ALTER TABLE t ADD COLUMN extra INT DEFAULT 7 AFTER id, DROP COLUMN old, \
        MODIFY name VARCHAR(40) NOT NULL FIRST, CHANGE a b BIGINT, RENAME COLUMN x TO y, \
        ADD UNIQUE KEY u (b), DROP INDEX k, DROP PRIMARY KEY, ADD PRIMARY KEY (id, b), \
        ALTER COLUMN extra SET DEFAULT 8, ALGORITHM=INPLACE, LOCK=NONE",
    );
    let DdlOp::AlterTable { ops, .. } = op else {
        panic!()
    };
    assert_eq!(ops.len(), 10, "{ops:#?}");
    assert!(
        matches!(&ops[0], AlterOp::AddColumn { position: Position::After(a), .. } if a == "id")
    );
    assert!(matches!(&ops[1], AlterOp::DropColumn { name, .. } if name == "old"));
    assert!(
        matches!(&ops[2], AlterOp::ChangeColumn { old, position: Position::First, column } if old == "name" && !column.nullable)
    );
    assert!(
        matches!(&ops[3], AlterOp::ChangeColumn { old, column, .. } if old == "a" && column.name == "b")
    );
    assert!(matches!(&ops[7], AlterOp::DropIndex(n) if n == "PRIMARY"));
    let op = one("ALTER TABLE t RENAME TO u");
    assert!(
        matches!(op, DdlOp::AlterTable { ops, .. } if ops == vec![AlterOp::Rename(("db01".into(), "u".into()))])
    );
}

#[test]
fn mysql_spellings_rewritten() {
    assert_eq!(
        mysql_spellings("ALTER TABLE t DROP KEY k, DROP  key `key`"),
        "ALTER TABLE t DROP INDEX k, DROP  INDEX `key`"
    );
    assert_eq!(
        mysql_spellings("SELECT 'drop key' , é"),
        "SELECT 'drop key' , é"
    );
    assert_eq!(
        mysql_spellings("c INT AS (a + 1) PERSISTENT, persistent INT, STATS_PERSISTENT=1"),
        "c INT AS (a + 1) STORED, persistent INT, STATS_PERSISTENT=1"
    );
    assert!(
        matches!(one("ALTER TABLE t DROP KEY kb"), DdlOp::AlterTable { ops, .. } if ops == vec![AlterOp::DropIndex("kb".into())])
    );
}

#[test]
fn versioned_comments_open_up() {
    assert_eq!(
        unwrap_versioned_comments("a /*!40101 b */ c /* d */"),
        "a  b  c /* d */"
    );
    assert_eq!(unwrap_versioned_comments("/*M!100100 x*/"), " x");
    assert_eq!(unwrap_versioned_comments("/*!50"), "");
}

#[test]
fn unparseable_is_1235_never_a_panic() {
    for sql in [
        "CREATE TABLE",
        "ALTER TABLE t PARTITION BY HASH(a)",
        "CREATE TABLE t (a INT AS (1))",
        "\u{0}",
    ] {
        if let Err(e) = parse(sql, &ctx(), &Catalog::default()) {
            assert_eq!(e.code, 1235, "{sql}");
        }
    }
}

#[test]
fn alter_table_options_are_taken_out() {
    let op =
        one("ALTER TABLE r.opts COMMENT='changed, really', ENGINE=InnoDB, AUTO_INCREMENT=5000");
    assert_eq!(
        op,
        DdlOp::AlterTable {
            name: ("r".into(), "opts".into()),
            ops: vec![
                AlterOp::Engine("InnoDB".into()),
                AlterOp::AutoIncrement(5000)
            ]
        }
    );
    let op = one("ALTER TABLE t ADD COLUMN c INT, AUTO_INCREMENT = 77");
    assert!(
        matches!(op, DdlOp::AlterTable { ops, .. } if ops.len() == 2 && ops[1] == AlterOp::AutoIncrement(77))
    );
    let op = one("CREATE TABLE t (a INT AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT=300");
    assert!(matches!(
        op,
        DdlOp::CreateTable {
            auto_increment: Some(300),
            ..
        }
    ));
    let op = one("ALTER TABLE `t` DEFAULT CHARSET=latin1");
    assert_eq!(
        op,
        DdlOp::AlterTable {
            name: ("db01".into(), "t".into()),
            ops: vec![AlterOp::TableCollation(8)]
        }
    );
    let op = one("ALTER TABLE t ADD COLUMN c INT, ENGINE=MyISAM, ROW_FORMAT=DYNAMIC");
    assert!(
        matches!(op, DdlOp::AlterTable { ops, .. } if ops.len() == 2 && ops[1] == AlterOp::Engine("MyISAM".into()))
    );
    let op = one("CREATE TABLE t (a INT) ENGINE = Aria");
    assert!(matches!(op, DdlOp::CreateTable { engine: Some(e), .. } if e == "Aria"));
    let op = one("ALTER TABLE t ADD COLUMN c INT COMMENT 'x, y', FORCE");
    assert!(matches!(op, DdlOp::AlterTable { ops, .. } if ops.len() == 1));
    let e = parse(
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
        &ctx(),
        &Catalog::default(),
    );
    assert_eq!(e.unwrap_err().code, 1146);
    assert_eq!(
        split_top_level("a (1, 2), b 'x,y', c"),
        vec!["a (1, 2)", " b 'x,y'", " c"]
    );
}

#[test]
fn generated_columns_in_create_not_in_alter() {
    let op = one(
        "CREATE TABLE t (j JSON, name VARCHAR(100) AS (j->>'$.name'), n INT AS (LENGTH(j)) STORED)",
    );
    let DdlOp::CreateTable { columns, .. } = op else {
        panic!("{op:?}")
    };
    let g = columns[1].generated.as_ref().unwrap();
    assert!(!g.stored && g.expr.contains("$.name"), "{g:?}");
    assert!(columns[2].generated.as_ref().unwrap().stored);
    assert!(columns[0].generated.is_none());
    for sql in [
        "ALTER TABLE t ADD COLUMN g INT AS (a + 1)",
        "ALTER TABLE t MODIFY COLUMN g INT AS (a + 2) STORED",
    ] {
        let e = parse(sql, &ctx(), &Catalog::default()).unwrap_err();
        assert_eq!(e.code, 1235, "{sql}");
        assert!(e.message.contains("generated column (g)"), "{}", e.message);
    }
}

/// A latin1 table whose columns CONVERT TO and the database defaults are checked against.
fn latin1_catalog() -> Catalog {
    let mut cat = Catalog::default();
    for (name, collation) in [("db01", 8), ("u8", 45)] {
        cat.databases.insert(
            name.into(),
            crate::store::catalog::DatabaseDef {
                name: name.into(),
                collation,
                assumed: false,
            },
        );
    }
    let op = one(
        "CREATE TABLE t (id INT, c CHAR(3), v VARCHAR(10), tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, \
         e ENUM('a'), b BLOB, j JSON) DEFAULT CHARSET=latin1",
    );
    let DdlOp::CreateTable { columns, .. } = op else {
        panic!("{op:?}")
    };
    cat.tables.insert(
        ("db01".into(), "t".into()),
        crate::store::catalog::TableDef {
            id: 1,
            db: "db01".into(),
            name: "t".into(),
            columns,
            indexes: Vec::new(),
            collation: 8,
            next_index_id: 0,
            key_format: crate::store::catalog::KEY_FORMAT,
            triggers: Vec::new(),
            trigger_defs: Vec::new(),
            engine: None,
            session: None,
            foreign_keys: Vec::new(),
        },
    );
    cat
}

#[test]
fn convert_to_character_set_converts_every_character_column() {
    let cat = latin1_catalog();
    let ops = parse(
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        &ctx(),
        &cat,
    )
    .unwrap();
    let [DdlOp::AlterTable { ops, .. }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    let changed: Vec<(&str, &SqlType, u16)> = ops
        .iter()
        .filter_map(|op| match op {
            AlterOp::ChangeColumn { old, column, .. } => {
                assert_eq!(*old, column.name);
                Some((old.as_str(), &column.ty, column.collation))
            }
            _ => None,
        })
        .collect();
    // TEXT types keep their length in characters: latin1 TEXT is utf8mb4 MEDIUMTEXT.
    assert_eq!(
        changed,
        vec![
            ("c", &SqlType::Char(3), 46),
            ("v", &SqlType::Varchar(10), 46),
            ("tt", &SqlType::Text(2), 46),
            ("tx", &SqlType::Text(3), 46),
            ("mt", &SqlType::Text(4), 46),
            ("e", &SqlType::Enum(vec!["a".into()]), 46),
        ]
    );
    assert_eq!(ops.last(), Some(&AlterOp::TableCollation(46)));
    let e = parse("ALTER TABLE t CONVERT TO CHARACTER SET ucs2", &ctx(), &cat).unwrap_err();
    assert_eq!(e.code, 1235, "{e}");
}

#[test]
fn new_tables_take_the_database_collation_from_the_catalog() {
    let cat = latin1_catalog();
    // The master leaves collation_database out when it is the default database's: the
    // catalog's default applies, not the server's (utf8mb4 in ctx()).
    for sql in [
        "CREATE TABLE t2 (c CHAR(1))",
        "CREATE TABLE db01.t2 (c CHAR(1))",
    ] {
        let ops = parse(sql, &ctx(), &cat).unwrap();
        let [DdlOp::CreateTable {
            collation, columns, ..
        }] = ops.as_slice()
        else {
            panic!("{ops:?}")
        };
        assert_eq!((*collation, columns[0].collation), (8, 8), "{sql}");
    }
    let ops = parse("CREATE TABLE u8.t2 (c CHAR(1))", &ctx(), &cat).unwrap();
    let [DdlOp::CreateTable { collation, .. }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    assert_eq!(*collation, 45);
}

#[test]
fn triggers_are_named_on_their_tables() {
    let cat = Catalog::default();
    let ctx = DdlContext {
        db: Some("d"),
        ..ctx()
    };
    let one = |sql: &str| {
        let mut ops = parse(sql, &ctx, &cat).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(ops.len(), 1, "{sql}");
        ops.remove(0)
    };
    for (sql, table, name, when, body) in [
        ("CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO a VALUES (NEW.id)", ("d", "t"), "t_ai", (false, "INSERT"), "INSERT INTO a VALUES (NEW.id)"),
        ("CREATE DEFINER=`root`@`%` TRIGGER IF NOT EXISTS `x`.`tr` BEFORE UPDATE ON `t2` FOR EACH ROW BEGIN\n  SET NEW.a = 'é';\nEND", ("x", "t2"), "tr", (true, "UPDATE"), "BEGIN\n  SET NEW.a = 'é';\nEND"),
        ("CREATE OR REPLACE TRIGGER tr BEFORE DELETE ON e.t3 FOR EACH ROW FOLLOWS other SET @n = @n + 1", ("e", "t3"), "tr", (true, "DELETE"), "SET @n = @n + 1"),
        ("/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`h`*/ /*!50003 TRIGGER tv AFTER UPDATE ON t FOR EACH ROW SET @x = 1 */", ("d", "t"), "tv", (false, "UPDATE"), "SET @x = 1"),
    ] {
        match one(sql) {
            DdlOp::CreateTrigger { table: (d, t), def, .. } => {
                assert_eq!((d.as_str(), t.as_str(), def.name.as_str()), (table.0, table.1, name), "{sql}");
                assert_eq!((def.before, def.event.as_str()), when, "{sql}");
                assert_eq!(def.body, body, "{sql}");
            }
            other => panic!("{sql}: {other:?}"),
        }
    }
    match one("DROP TRIGGER IF EXISTS e.tr") {
        DdlOp::DropTrigger {
            db,
            name,
            if_exists,
        } => {
            assert_eq!((db.as_str(), name.as_str(), if_exists), ("e", "tr", true))
        }
        other => panic!("{other:?}"),
    }
    match one("DROP TRIGGER t_ai") {
        DdlOp::DropTrigger {
            db,
            name,
            if_exists,
        } => {
            assert_eq!(
                (db.as_str(), name.as_str(), if_exists),
                ("d", "t_ai", false)
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn create_table_select_keeps_its_query() {
    let cat = Catalog::default();
    let ctx = DdlContext {
        db: Some("d"),
        ..ctx()
    };
    // Its rows come from running the SELECT: never silently an empty table.
    for (sql, query) in [
        ("CREATE TABLE t2 (a INT) SELECT 1 AS a", "SELECT 1 AS a"),
        ("CREATE TABLE t2 SELECT * FROM t", "SELECT * FROM t"),
    ] {
        let ops = parse(sql, &ctx, &cat).unwrap();
        assert!(
            matches!(&ops[..], [DdlOp::CreateTable { select: Some(q), .. }] if q == query),
            "{sql}: {ops:?}"
        );
    }
}

#[test]
fn views_keep_their_clauses_and_select_text() {
    let view = |sql: &str| match one(sql) {
        DdlOp::CreateView {
            view,
            or_replace,
            if_not_exists,
            alter,
        } => (view, or_replace, if_not_exists, alter),
        other => panic!("{sql}: {other:?}"),
    };
    // As MariaDB logs a plain CREATE VIEW.
    let (v, or_replace, _, alter) = view(
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v1` AS select a, b from t where a > 1",
    );
    assert_eq!((v.db.as_str(), v.name.as_str()), ("db01", "v1"));
    assert_eq!(v.definition, "select a, b from t where a > 1");
    assert_eq!(
        (
            v.algorithm.as_str(),
            v.definer.as_str(),
            v.security.as_str()
        ),
        ("UNDEFINED", "`root`@`localhost`", "DEFINER")
    );
    assert_eq!(v.check_option, "NONE");
    assert_eq!(v.collation_connection, "utf8mb4_general_ci");
    assert!(!or_replace && !alter);
    assert_eq!(
        v.create_statement(Some("db01")),
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v1` AS select a, b from t where a > 1"
    );
    // Column list, qualified name, check option, OR REPLACE, a quoted host.
    let (v, or_replace, _, _) = view(
        "CREATE OR REPLACE ALGORITHM=MERGE DEFINER='app'@'10.%' SQL SECURITY INVOKER VIEW d2.`v 2` (`x`, y) AS SELECT 1, 2 FROM DUAL WITH LOCAL CHECK OPTION;",
    );
    assert!(or_replace);
    assert_eq!((v.db.as_str(), v.name.as_str()), ("d2", "v 2"));
    assert_eq!(v.columns, vec!["x".to_string(), "y".to_string()]);
    assert_eq!(v.definition, "SELECT 1, 2 FROM DUAL");
    assert_eq!(v.check_option, "LOCAL");
    assert_eq!(v.definer, "`app`@`10.%`");
    assert_eq!(
        v.create_statement(Some("db01")),
        "CREATE ALGORITHM=MERGE DEFINER=`app`@`10.%` SQL SECURITY INVOKER VIEW `d2`.`v 2`(`x`,`y`) AS SELECT 1, 2 FROM DUAL WITH LOCAL CHECK OPTION"
    );
    // ALTER VIEW, IF NOT EXISTS, and mysqldump's versioned comments.
    let (_, _, _, alter) = view("ALTER VIEW v AS SELECT 1");
    assert!(alter);
    let (_, _, if_not_exists, _) = view("CREATE VIEW IF NOT EXISTS v AS SELECT 1");
    assert!(if_not_exists);
    let (v, _, _, _) =
        view("/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`%` SQL SECURITY DEFINER */ /*!50001 VIEW `vd` AS select 7 AS `n` */");
    assert_eq!(
        (v.name.as_str(), v.definition.as_str()),
        ("vd", "select 7 AS `n`")
    );
    match one("DROP VIEW IF EXISTS v, other.w") {
        DdlOp::DropViews { names, if_exists } => {
            assert!(if_exists);
            assert_eq!(
                names,
                vec![
                    ("db01".to_string(), "v".to_string()),
                    ("other".to_string(), "w".to_string())
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    // Without a default database, an unqualified view is 1046.
    let no_db = DdlContext { db: None, ..ctx() };
    let err = parse("CREATE VIEW v AS SELECT 1", &no_db, &Catalog::default()).unwrap_err();
    assert_eq!(err.code, 1046);
}

#[test]
fn whitespace_beyond_ascii_separates_words_and_ends() {
    // A vertical tab once made the ALTER DATABASE word splitter loop, growing forever.
    for sql in [
        "ALTER DATABASE d\u{b}CHARACTER SET utf8mb4",
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` S\u{b}L SECURITY DEFINER VIEW `v1` AS SELECT 1",
        "ALTER\u{a0}DATABASE d COLLATE utf8mb4_bin",
    ] {
        let _ = parse(sql, &ctx(), &Catalog::default());
    }
    match one("ALTER DATABASE db01\u{b}CHARACTER SET latin1") {
        DdlOp::AlterDatabase { name, collation } => {
            assert_eq!(name, "db01");
            assert_eq!(collation, Some(8));
        }
        other => panic!("{other:?}"),
    }
}

/// Foreign keys are kept with InnoDB's names and implicit indexes, shown as MariaDB shows
/// them, and follow RENAME TABLE and column renames of the table they reference.
#[test]
fn foreign_keys_named_indexed_and_followed() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    let mut cat = store.load_catalog().unwrap();
    let mut txn = store.txn();
    let mut rows = crate::apply::rows::RowApplier::default();
    let ctx = DdlContext {
        db: Some("f"),
        collation_database: Some(8),
        collation_server: 8,
        ..ctx()
    };
    for sql in [
        "create database f",
        "create table p (id int primary key, code varchar(10), unique key(code))",
        "create table c (id int primary key, pid int, pcode varchar(10), foreign key (pid) references p(id) on delete cascade, constraint fk2 foreign key fkidx (pcode) references p(code) on update cascade on delete set null)",
        "create table c2 (id int primary key, pid int, key kp(pid, id), constraint foo foreign key (pid) references p(id))",
        "alter table c2 add foreign key (id) references c(id) on delete cascade",
        "create table p2 (a int, b int, primary key(a,b))",
        "create table c3 (id int primary key, x int, y int, foreign key (x,y) references p2(a,b) on update set null on delete no action)",
    ] {
        for op in parse(sql, &ctx, &cat).unwrap_or_else(|e| panic!("{sql}: {e}")) {
            crate::apply::schema::execute(op, &mut cat, &store, &mut txn, &mut rows, 0)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
    }
    // As MariaDB 10.11 makes them (SHOW CREATE TABLE on the master; the live test
    // compares the endpoint's with it).
    let layout = |t: &str| {
        let t = cat.table("f", t).unwrap();
        let ix: Vec<String> = t.indexes.iter().map(|i| i.name.clone()).collect();
        let fk: Vec<(String, Vec<String>, String, RefAction, RefAction)> = t
            .foreign_keys
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    f.columns.clone(),
                    format!("{}.{}({})", f.ref_db, f.ref_table, f.ref_columns.join(",")),
                    f.on_delete,
                    f.on_update,
                )
            })
            .collect();
        (ix, fk)
    };
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    use RefAction::*;
    assert_eq!(
        layout("c"),
        (
            v(&["PRIMARY", "pid", "fk2"]),
            vec![
                (
                    "c_ibfk_1".into(),
                    v(&["pid"]),
                    "f.p(id)".into(),
                    Cascade,
                    Restrict
                ),
                (
                    "fk2".into(),
                    v(&["pcode"]),
                    "f.p(code)".into(),
                    SetNull,
                    Cascade
                ),
            ]
        )
    );
    assert_eq!(
        layout("c2"),
        (
            v(&["PRIMARY", "kp"]),
            vec![
                (
                    "c2_ibfk_1".into(),
                    v(&["id"]),
                    "f.c(id)".into(),
                    Cascade,
                    Restrict
                ),
                (
                    "foo".into(),
                    v(&["pid"]),
                    "f.p(id)".into(),
                    Restrict,
                    Restrict
                ),
            ]
        )
    );
    assert_eq!(
        layout("c3"),
        (
            v(&["PRIMARY", "x"]),
            vec![(
                "c3_ibfk_1".into(),
                v(&["x", "y"]),
                "f.p2(a,b)".into(),
                NoAction,
                SetNull
            )]
        )
    );
    // What references p: the keys whose actions change rows.
    let refs = cat.references();
    let names = |t: &str| -> Vec<String> {
        refs.get(&("f".to_string(), t.to_string()))
            .map(|v| v.iter().map(|c| c.fk.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(names("p"), ["c_ibfk_1", "fk2", "foo"]);
    // The parent renamed, and a referenced column: the children follow.
    for sql in [
        "rename table p to p9",
        "alter table p9 change code kode varchar(10)",
    ] {
        for op in parse(sql, &ctx, &cat).unwrap() {
            crate::apply::schema::execute(op, &mut cat, &store, &mut txn, &mut rows, 0)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
    }
    let refs_of = |cat: &Catalog| -> Vec<(String, String, Vec<String>)> {
        cat.table("f", "c")
            .unwrap()
            .foreign_keys
            .iter()
            .map(|f| (f.name.clone(), f.ref_table.clone(), f.ref_columns.clone()))
            .collect()
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        refs_of(&cat),
        [
            ("c_ibfk_1".into(), "p9".into(), s(&["id"])),
            ("fk2".into(), "p9".into(), s(&["kode"]))
        ]
    );
    // Renamed, a table's generated key names follow it (InnoDB's).
    for sql in ["rename table c to cc", "alter table cc rename to c"] {
        for op in parse(sql, &ctx, &cat).unwrap() {
            crate::apply::schema::execute(op, &mut cat, &store, &mut txn, &mut rows, 0).unwrap();
        }
        if sql.starts_with("rename") {
            let names: Vec<String> = cat
                .table("f", "cc")
                .unwrap()
                .foreign_keys
                .iter()
                .map(|f| f.name.clone())
                .collect();
            assert_eq!(names, ["cc_ibfk_1", "fk2"]);
        }
    }
    assert_eq!(
        cat.table("f", "c2").unwrap().foreign_keys[0].ref_table,
        "c",
        "a key referencing the renamed table follows it"
    );
    for op in parse("alter table c drop foreign key fk2", &ctx, &cat).unwrap() {
        crate::apply::schema::execute(op, &mut cat, &store, &mut txn, &mut rows, 0).unwrap();
    }
    assert_eq!(
        refs_of(&cat),
        [("c_ibfk_1".into(), "p9".into(), s(&["id"]))]
    );
    let e = parse("alter table c drop foreign key fk2", &ctx, &cat)
        .unwrap()
        .into_iter()
        .try_for_each(|op| {
            crate::apply::schema::execute(op, &mut cat, &store, &mut txn, &mut rows, 0)
        })
        .unwrap_err();
    let crate::apply::rows::RowError::Sql(e, _) = e else {
        panic!("{e:?}")
    };
    assert_eq!(e.code, 1091, "{e}");
}
