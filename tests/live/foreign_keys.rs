//! Foreign keys' ON DELETE / ON UPDATE actions. The master's binlog never holds what a
//! CASCADE or SET NULL changes in the referencing rows, in ROW format either: InnoDB does
//! it on the master and again on a replica. Each test ends with every table compared row
//! by row with the master and with a real MariaDB replica of it.

use crate::support::*;

const SCHEMA: &str = "CREATE DATABASE fk; USE fk;
CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, UNIQUE KEY (code)) DEFAULT CHARSET=utf8mb4;
CREATE TABLE c (
  id INT PRIMARY KEY, pid INT NULL, pcode VARCHAR(10) NULL, note VARCHAR(20) NULL,
  touched TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP,
  FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT by_code FOREIGN KEY (pcode) REFERENCES p (code) ON DELETE SET NULL ON UPDATE CASCADE
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE g (id INT PRIMARY KEY, cid INT NOT NULL, KEY (cid, id),
  FOREIGN KEY (cid) REFERENCES c (id) ON DELETE CASCADE);
CREATE TABLE tree (id INT PRIMARY KEY, up INT NULL, label VARCHAR(10),
  FOREIGN KEY (up) REFERENCES tree (id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE pair (a INT, b INT, PRIMARY KEY (a, b));
CREATE TABLE pref (id INT PRIMARY KEY, x INT NULL, y INT NULL,
  FOREIGN KEY (x, y) REFERENCES pair (a, b) ON UPDATE SET NULL ON DELETE SET NULL);
CREATE TABLE audit (seq INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40));
CREATE TRIGGER c_ad AFTER DELETE ON c FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('c deleted ', OLD.id));
CREATE TRIGGER c_au AFTER UPDATE ON c FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('c updated ', OLD.id))";

const DATA: &str = "USE fk;
INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e');
INSERT INTO c (id, pid, pcode, note) VALUES (10, 1, 'a', 'x'), (11, 2, 'B', 'case'), (12, 2, 'a', 'y'), (13, 3, 'c', NULL), (14, NULL, 'd', NULL), (15, 5, NULL, NULL);
INSERT INTO g VALUES (100, 10), (101, 10), (102, 11), (103, 13), (104, 14);
INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 3, 'c'), (5, 1, 'd'), (6, NULL, 'other'), (7, 6, 'o1');
INSERT INTO pair VALUES (1, 1), (1, 2), (2, 2);
INSERT INTO pref VALUES (1, 1, 1), (2, 1, 2), (3, 2, 2), (4, NULL, 2)";

/// Each statement changes referenced rows; the comment says what InnoDB does with it.
const CHANGES: &str = "USE fk;
SET TIMESTAMP = 1700000000;
-- c 10 and its g rows go; c 12 (pcode 'a') gets pcode NULL.
DELETE FROM p WHERE id = 1;
-- 'b' to 'BB': c 11 ('B' matched 'b' by the column's collation) takes 'BB'.
UPDATE p SET code = 'BB' WHERE id = 2;
-- A new key for p 3: c 13 follows.
UPDATE p SET id = 30 WHERE id = 3;
-- An update that keeps the key changes nobody.
UPDATE p SET code = 'd' WHERE id = 4;
-- REPLACE deletes the old row first (and cascades), then inserts.
REPLACE INTO p VALUES (5, 'e2');
-- The deep end: a whole subtree. (InnoDB refuses to re-key a node whose children
-- are in its own table: ON UPDATE CASCADE does not recurse into the table it updates.)
DELETE FROM tree WHERE id = 1;
-- Multi-column key: SET NULL on update and on delete.
UPDATE pair SET b = 3 WHERE a = 1 AND b = 1;
DELETE FROM pair WHERE a = 2;
-- foreign_key_checks=0: nothing cascades, on the master or on a replica.
SET foreign_key_checks = 0; DELETE FROM tree WHERE id = 6; SET foreign_key_checks = 1;
-- A multi-table DELETE and one in a transaction with a rollback to a savepoint.
INSERT INTO p VALUES (7, 'g'), (8, 'h'); INSERT INTO c (id, pid, pcode) VALUES (70, 7, 'g'), (80, 8, 'h');
DELETE p FROM p JOIN c ON c.pid = p.id WHERE c.id = 70;
BEGIN; DELETE FROM p WHERE id = 8; SAVEPOINT s; UPDATE p SET id = 90 WHERE id = 30; ROLLBACK TO SAVEPOINT s; COMMIT;
-- The referenced table renamed: its keys follow it.
RENAME TABLE p TO parent;
INSERT INTO parent VALUES (9, 'i'); INSERT INTO c (id, pid, pcode) VALUES (90, 9, 'i');
DELETE FROM parent WHERE code = 'i'";

const TABLES: [(&str, &str); 7] = [
    ("fk.parent", "id"),
    ("fk.c", "id"),
    ("fk.g", "id"),
    ("fk.tree", "id"),
    ("fk.pair", "a, b"),
    ("fk.pref", "id"),
    ("fk.audit", "seq"),
];

fn cascades(format: &str) {
    let m = MariaDb::start(MasterOpts::format(format));
    m.create_repl_user("repl", "repl");
    m.sql(SCHEMA);
    let mdb = mariadb_replica(&m, 103);
    let mut r = Replica::start(&m, &[]);
    m.sql(DATA);
    m.sql(CHANGES);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    for (table, order) in TABLES {
        assert_same_table_3(&m, &mdb, &r.datadir, table, order);
    }
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // The workload did what it says: rows went and changed only through the keys.
    let q = |s: &str| m.sql(s).trim().to_string();
    assert_eq!(
        q("SELECT GROUP_CONCAT(id ORDER BY id) FROM fk.c"),
        "11,12,13,14"
    );
    assert_eq!(q("SELECT pcode FROM fk.c WHERE id = 11"), "BB");
    assert_eq!(q("SELECT pid FROM fk.c WHERE id = 13"), "30");
    assert_eq!(
        q("SELECT IFNULL(pcode, 'null') FROM fk.c WHERE id = 12"),
        "null"
    );
    assert_eq!(
        q("SELECT GROUP_CONCAT(id ORDER BY id) FROM fk.g"),
        "102,103,104"
    );
    assert_eq!(q("SELECT GROUP_CONCAT(id ORDER BY id) FROM fk.tree"), "7");
    assert_eq!(
        q("SELECT GROUP_CONCAT(CONCAT(id, ':', IFNULL(x, '-'), IFNULL(y, '-')) ORDER BY id) FROM fk.pref"),
        "1:--,2:12,3:--,4:-2"
    );
    // No trigger fired for a cascaded change: only c's own... none were deleted or
    // updated by a statement of their own.
    assert_eq!(q("SELECT COUNT(*) FROM fk.audit"), "0");
    // information_schema describes the constraints as the master's does.
    for q in [
        "SELECT * FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'fk' ORDER BY CONSTRAINT_NAME",
        "SELECT * FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'fk' ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
        "SELECT * FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = 'fk' ORDER BY TABLE_NAME, CONSTRAINT_NAME",
    ] {
        let want = m.sql(q);
        assert!(!want.trim().is_empty(), "{q}");
        assert_eq!(r.proc.sql(q).unwrap(), want, "{q}");
    }
    // The constraints read back as the master shows them.
    for t in ["c", "g", "tree", "pref"] {
        let want = m.sql(&format!("SHOW CREATE TABLE fk.{t}"));
        let got = r.proc.sql(&format!("SHOW CREATE TABLE fk.{t}")).unwrap();
        let constraints = |s: &str| {
            s.split("\\n")
                .filter(|l| l.contains("CONSTRAINT") || l.contains("KEY"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            constraints(&got),
            constraints(&want),
            "SHOW CREATE TABLE fk.{t}"
        );
    }
}

#[test]
fn cascades_in_row_format() {
    cascades("ROW");
}

#[test]
fn cascades_in_statement_format() {
    cascades("STATEMENT");
}

#[test]
fn cascades_in_mixed_format() {
    cascades("MIXED");
}
