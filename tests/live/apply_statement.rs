//! Statement replay against real MariaDB masters in STATEMENT and MIXED format: each test
//! ends with the tables compared row by row with the master and with a real MariaDB
//! replica of the same master (a statement that is nondeterministic under statement
//! replay shows up there first).

use crate::support::*;

fn statement_master(format: &str) -> MariaDb {
    let m = MariaDb::start(MasterOpts::format(format));
    m.create_repl_user("repl", "repl");
    m
}

const SCHEMA: &str = "CREATE DATABASE shop;
CREATE TABLE shop.item (
  id INT AUTO_INCREMENT PRIMARY KEY,
  sku VARCHAR(20) NOT NULL,
  qty INT NOT NULL DEFAULT 0,
  price DECIMAL(10,2) NOT NULL DEFAULT '0.00',
  ratio DOUBLE NULL,
  state ENUM('new','old','gone') NOT NULL DEFAULT 'new',
  note VARCHAR(50) NULL,
  made DATETIME NULL,
  seen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  changed DATETIME(3) NULL ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY (sku), KEY (qty)
);
CREATE TABLE shop.log (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  item_id INT NULL,
  what VARCHAR(30) NOT NULL,
  at DATETIME NULL
)";

/// Before the replica starts: these transactions reach it together and are applied in
/// one batch, so later statements read earlier ones' rows from the pending batch.
const PART1: &str = "INSERT INTO shop.item (sku, qty, price, ratio) VALUES ('a1', 5, 9.99, 0.5), ('a2', 7, 19.5, NULL), ('a3', 0, 1, 1e3);
INSERT INTO shop.item SET sku='b1', qty=3, note='set form', made=NOW();
SET TIMESTAMP=1700000000; INSERT INTO shop.item (sku, made) VALUES ('ts', NOW()); SET TIMESTAMP=DEFAULT;
INSERT INTO shop.item (id, sku) VALUES (100, 'explicit');
INSERT INTO shop.item (sku) VALUES ('after100');
UPDATE shop.item SET qty = qty + 1, note = CONCAT('was ', qty) WHERE sku IN ('a1', 'after100');
INSERT IGNORE INTO shop.item (sku, qty) VALUES ('a1', 99), ('c1', 1);
REPLACE INTO shop.item (id, sku, qty) VALUES (2, 'a2', 70);
SET @q := 42, @n := 'from a variable'; INSERT INTO shop.item (sku, qty, note) VALUES ('uv', @q, @n);
BEGIN; INSERT INTO shop.item (sku, qty) VALUES ('tx1', 1), ('tx2', 2); UPDATE shop.item SET qty = qty + 10 WHERE sku LIKE 'tx%'; DELETE FROM shop.item WHERE sku = 'tx1'; COMMIT";

/// After the replica has caught up.
const PART2: &str = "UPDATE shop.item SET qty = qty * 2, ratio = qty / 4 WHERE qty > 2 ORDER BY id LIMIT 3;
DELETE FROM shop.item WHERE qty < 3 ORDER BY id DESC LIMIT 1;
INSERT INTO shop.item (sku, qty, price) SELECT CONCAT('copy-', sku), qty, price * 2 FROM shop.item WHERE id < 4 ORDER BY id;
SET SESSION auto_increment_increment=2, auto_increment_offset=1; INSERT INTO shop.item (sku) VALUES ('inc1'), ('inc2');
INSERT INTO shop.log (id, item_id, what) VALUES (NULL, 1, 'gen'), (900, 1, 'explicit'), (NULL, 1, 'after explicit'), (10, 1, 'low explicit'), (NULL, 1, 'gen again');
INSERT INTO shop.log (item_id, what, at) VALUES (LAST_INSERT_ID(), 'last id', NOW());
INSERT INTO shop.log (item_id, what) VALUES (FLOOR(RAND() * 1000000), 'rand 1'), (FLOOR(RAND() * 1000000), 'rand 2');
UPDATE shop.item SET ratio = RAND() WHERE id < 4;
UPDATE shop.item i SET i.note = CONCAT('n', i.id), i.state = 'old' WHERE i.id % 3 = 0;
UPDATE shop.item SET price = price + 0.015 WHERE state = 'old';
SET NAMES latin1; INSERT INTO shop.item (sku, note) VALUES ('l1', 'café, read as latin1'); SET NAMES utf8mb4;
SET TIMESTAMP=1700000000.25; UPDATE shop.item SET qty = qty + 1 WHERE id = 1; UPDATE shop.item SET qty = qty WHERE id = 2; SET TIMESTAMP=DEFAULT;
DELETE FROM shop.item WHERE note IS NULL AND qty = 0;
INSERT INTO shop.item (sku, qty) VALUES ('a1', 1), ('up1', 3), ('a2', 1) ON DUPLICATE KEY UPDATE qty = qty + VALUES(qty), note = CONCAT('upsert ', qty);
INSERT INTO shop.item (id, sku, qty) VALUES (1, 'x', 1) ON DUPLICATE KEY UPDATE ratio = 2.5;
REPLACE INTO shop.item (id, sku, qty) VALUES (5, 'b1', 8);
UPDATE shop.item i JOIN shop.log l ON l.item_id = i.id SET i.note = CONCAT('logged ', l.what), l.at = '2024-02-02 00:00:00';
UPDATE shop.item i, shop.log l SET i.note = CONCAT('comma ', l.what), l.what = CONCAT(l.what, '+') WHERE l.item_id = i.id;
USE shop; DELETE l FROM log l JOIN item i ON i.id = l.item_id WHERE i.sku = 'no such sku';
DELETE shop.log FROM shop.log LEFT JOIN shop.item ON shop.item.id = shop.log.item_id WHERE shop.item.id IS NULL AND shop.log.what = 'rand 1';
DELETE FROM shop.log USING shop.log JOIN shop.item ON shop.item.id = shop.log.item_id WHERE shop.item.sku = 'inc1' AND shop.log.what = 'last id';
REPLACE INTO shop.item (sku, qty) SELECT CONCAT('r-', sku), qty FROM shop.item WHERE sku LIKE 'copy-%' ORDER BY id";

fn compare(m: &MariaDb, mdb: &MariaDb, r: &Replica) {
    wait_mariadb_replica(mdb, m);
    assert_same_table_3(m, mdb, &r.datadir, "shop.item", "id");
    assert_same_table_3(m, mdb, &r.datadir, "shop.log", "id");
}

#[test]
fn statement_dml_replays_as_the_master_ran_it() {
    let m = statement_master("STATEMENT");
    m.sql(SCHEMA);
    m.sql(PART1);
    let mdb = mariadb_replica(&m, 103);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    compare(&m, &mdb, &r);
    m.sql(PART2);
    r.wait_applied(&m);
    compare(&m, &mdb, &r);
    // The workload did what it says: rows from every kind of statement are there.
    let rows = m
        .sql("SELECT COUNT(*), SUM(sku LIKE 'copy-%'), SUM(state = 'old'), MAX(id) FROM shop.item");
    assert_eq!(rows.trim(), "14\t2\t3\t125", "the workload changed");
    let comma = m.sql("SELECT COUNT(*) FROM shop.log WHERE what LIKE '%+'");
    assert_ne!(comma.trim(), "0", "the comma-joined UPDATE changed nothing");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

#[test]
fn mixed_format_replays_statements_and_rows() {
    // MIXED logs these as statements, and switches to rows for the unsafe UUID().
    let m = statement_master("MIXED");
    m.sql(SCHEMA);
    let mdb = mariadb_replica(&m, 103);
    let mut r = Replica::start(&m, &[]);
    m.sql(PART1);
    m.sql("INSERT INTO shop.item (sku, note) VALUES ('uuid', UUID())");
    m.sql(PART2);
    r.wait_applied(&m);
    compare(&m, &mdb, &r);
}

#[test]
fn sysbench_write_only_in_statement_format_matches_master() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 103);
    let mut r = Replica::start(&m, &[]);
    sysbench(
        &m,
        &SysbenchOpts {
            tables: 2,
            table_size: 2000,
            time_secs: 5,
            ..Default::default()
        },
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    for t in ["sbtest.sbtest1", "sbtest.sbtest2"] {
        assert_same_table_3(&m, &mdb, &r.datadir, t, "id");
    }
}

/// The master changes a row the binlog does not see, so a replayed INSERT meets a taken
/// key on the replica.
fn diverge_for_duplicate(m: &MariaDb) {
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO d.t VALUES (1,'a'),(3,'c')");
    m.sql("SET sql_log_bin=0; DELETE FROM d.t WHERE id=3; SET sql_log_bin=1");
    m.sql("INSERT INTO d.t VALUES (3,'again'); INSERT INTO d.t VALUES (4,'d')");
}

#[test]
fn a_duplicate_key_stops_with_1062_or_is_skipped() {
    let m = statement_master("STATEMENT");
    diverge_for_duplicate(&m);
    let mut r = Replica::start(&m, &[]);
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1062"), "{st}");
    assert!(
        st.contains("Duplicate entry '3' for key 'PRIMARY'")
            && st.contains("Query: 'INSERT INTO d.t VALUES (3,'again')'"),
        "{st}"
    );
    // Nothing of the failed statement's transaction, nothing after it.
    assert_eq!(dump(&r.datadir, "d.t"), "1\ta\n3\tc\n");
    drop(r);
    let mut r = Replica::start(&m, &["--slave-skip-errors=1062"]);
    r.wait_applied(&m);
    assert_eq!(dump(&r.datadir, "d.t"), "1\ta\n3\tc\n4\td\n");
}

#[test]
fn a_statement_replicant_cannot_replay_stops_naming_it() {
    let m = statement_master("STATEMENT");
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, n VARCHAR(40))");
    m.sql("INSERT INTO d.t VALUES (1, UUID())");
    let mut r = Replica::start(&m, &[]);
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1235"), "{st}");
    assert!(
        st.contains("function UUID") && st.contains("Query: 'INSERT INTO d.t VALUES (1, UUID())"),
        "{st}"
    );
}

/// CREATE TABLE ... SELECT whose column is an expression replicant cannot type as
/// mysqld does (ROUND of a DOUBLE makes DOUBLE(17,0)) stops with 1235 naming the column,
/// rather than make a column of another type; the table is not created.
#[test]
fn an_untyped_create_table_select_column_stops_naming_it() {
    let m = statement_master("STATEMENT");
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, x DOUBLE)");
    m.sql("INSERT INTO d.t VALUES (1, 2.5); CREATE TABLE d.c SELECT id, ROUND(x) AS r FROM d.t");
    let mut r = Replica::start(&m, &[]);
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1235"), "{st}");
    assert!(st.contains("the column `r`"), "{st}");
    assert_eq!(dump(&r.datadir, "d.t"), "1\t2.5\n");
}

/// Triggers fire for replayed statements as on the master (row events never fire
/// them): BEFORE triggers setting NEW columns, AFTER triggers writing other tables, with
/// IF / ELSEIF / ELSE, local variables, OLD and NEW, in creation and FOLLOWS order; INSERT
/// IGNORE, REPLACE and ON DUPLICATE KEY UPDATE fire what mysqld fires.
fn triggers_fire(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    m.sql(
        "CREATE DATABASE d; USE d;
         CREATE TABLE t (id INT PRIMARY KEY, n INT NULL, s VARCHAR(200) NULL, price DECIMAL(8,2) NOT NULL DEFAULT 0);
         CREATE TABLE audit (seq INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40), id INT, n INT NULL, at DATETIME NULL);
         CREATE TABLE totals (k VARCHAR(10) PRIMARY KEY, total DECIMAL(12,2) NOT NULL DEFAULT 0, rows_seen INT NOT NULL DEFAULT 0);
         INSERT INTO totals (k) VALUES ('all');
         DELIMITER //
         CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW
         BEGIN
           DECLARE doubled INT DEFAULT 0;
           IF NEW.n IS NULL THEN SET NEW.n = -1, NEW.s = 'defaulted';
           ELSEIF NEW.n > 100 THEN SET doubled = NEW.n * 2; SET NEW.s = CONCAT('big ', doubled);
           ELSE SET NEW.s = IFNULL(NEW.s, CONCAT('n=', NEW.n));
           END IF;
           SET NEW.price = ROUND(NEW.price * 1.1, 2);
         END //
         CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO audit (what, id, n, at) VALUES ('insert', NEW.id, NEW.n, NOW()) //
         CREATE TRIGGER t_ai2 AFTER INSERT ON t FOR EACH ROW UPDATE totals SET total = total + NEW.price, rows_seen = rows_seen + 1 WHERE k = 'all' //
         CREATE TRIGGER t_ai0 AFTER INSERT ON t FOR EACH ROW PRECEDES t_ai INSERT INTO audit (what, id) VALUES ('fir''st\\x', NEW.id) //
         CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW SET NEW.s = CONCAT(IFNULL(OLD.s, ''), '>', IFNULL(NEW.s, '')) //
         CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW INSERT INTO audit (what, id, n) VALUES (CONCAT('update ', OLD.n, '->', NEW.n), NEW.id, NEW.n) //
         CREATE TRIGGER t_bd BEFORE DELETE ON t FOR EACH ROW UPDATE totals SET total = total - OLD.price WHERE k = 'all' //
         CREATE TABLE numbered (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20)) //
         CREATE TRIGGER numbered_bi BEFORE INSERT ON numbered FOR EACH ROW SET NEW.code = CONCAT(NEW.code, '#', NEW.id) //
         CREATE TRIGGER t_ad AFTER DELETE ON t FOR EACH ROW DELETE FROM audit WHERE id = OLD.id AND what = 'fir''st\\x' //
         DELIMITER ;",
    );
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "USE d;
         SET TIMESTAMP = 1700000000;
         INSERT INTO t (id, n, price) VALUES (1, NULL, 10), (2, 5, 20.5), (3, 500, 1);
         INSERT INTO t (id, n, s) VALUES (4, 7, 'given');
         UPDATE t SET n = n + 1 WHERE id IN (2, 4);
         UPDATE t SET n = n WHERE id = 1;
         INSERT IGNORE INTO t (id, n) VALUES (2, 99);
         REPLACE INTO t (id, n, price) VALUES (3, 3, 3);
         INSERT INTO t (id, n) VALUES (4, 40) ON DUPLICATE KEY UPDATE n = VALUES(n);
         DELETE FROM t WHERE id = 1;
         BEGIN; INSERT INTO t (id, n) VALUES (9, 9); DELETE FROM t WHERE id = 9; COMMIT;
         INSERT INTO numbered (code) VALUES ('a'), ('b');
         INSERT INTO numbered (id, code) VALUES (10, 'c');",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    // A BEFORE INSERT trigger sees 0 for the AUTO_INCREMENT value still to come.
    assert_eq!(
        m.sql("SELECT GROUP_CONCAT(code ORDER BY id) FROM d.numbered")
            .trim(),
        "a#0,b#0,c#10"
    );
    for (table, order) in [
        ("d.t", "id"),
        ("d.audit", "seq"),
        ("d.totals", "k"),
        ("d.numbered", "id"),
    ] {
        assert_same_table_3(&m, &mdb, &r.datadir, table, order);
    }
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // The workload did what it says: every kind of trigger changed something.
    let audit = m.sql("SELECT GROUP_CONCAT(what ORDER BY seq SEPARATOR '|') FROM d.audit");
    assert!(
        audit.contains("update 5->6") && audit.contains("insert"),
        "{audit}"
    );
    assert_eq!(m.sql("SELECT s FROM d.t WHERE id = 3").trim(), "n=3");
}

#[test]
fn triggers_fire_for_replayed_statements() {
    triggers_fire("STATEMENT");
}

#[test]
fn triggers_fire_in_mixed_format() {
    triggers_fire("MIXED");
}

/// Loads named zones into a server's mysql.time_zone* tables (as a DBA does with
/// mariadb-tzinfo-to-sql), not logged: each server gets its own.
fn load_zones(server: &MariaDb, zones: &[&str]) {
    for z in zones {
        let out = std::process::Command::new("mariadb-tzinfo-to-sql")
            .arg(format!("/usr/share/zoneinfo/{z}"))
            .arg(z)
            .output()
            .expect("mariadb-tzinfo-to-sql (package mariadb-server) runs");
        assert!(out.status.success(), "mariadb-tzinfo-to-sql {z}");
        server.sql(&format!(
            "SET sql_log_bin=0; USE mysql; {}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
}

/// Statements run under a session time zone (an offset, or a named zone from the tz
/// tables) store what the master stored: NOW() and TIMESTAMP literals in that zone, a
/// time the clocks skipped or showed twice, UNIX_TIMESTAMP, FROM_UNIXTIME, CONVERT_TZ.
/// The endpoint's sessions read TIMESTAMPs in their own zone.
#[test]
fn session_time_zones_replay_as_on_the_master() {
    const ZONES: &[&str] = &["America/New_York", "Asia/Shanghai"];
    let m = statement_master("STATEMENT");
    load_zones(&m, ZONES);
    let mdb = mariadb_replica(&m, 103);
    load_zones(&mdb, ZONES);
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, ts TIMESTAMP(3) NULL, dt DATETIME(3) NULL, u DECIMAL(20,6) NULL, f VARCHAR(40) NULL, c DATETIME NULL)");
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "SET TIMESTAMP=1710054000.25;
         SET time_zone='+5:30';
         INSERT INTO d.t VALUES (1, NOW(3), NOW(3), UNIX_TIMESTAMP('2024-01-01 00:00:00'), FROM_UNIXTIME(1700000000), CONVERT_TZ('2024-01-01 00:00:00', '+00:00', '+08:00'));
         SET time_zone='America/New_York';
         INSERT INTO d.t VALUES (2, '2024-03-10 03:30:00', NOW(3), UNIX_TIMESTAMP('2024-11-03 01:30:00'), FROM_UNIXTIME(1710053999), CONVERT_TZ('2024-03-10 12:00:00', 'America/New_York', 'Asia/Shanghai'));
         INSERT INTO d.t (id, ts) VALUES (3, '2024-11-03 01:30:00');
         SET sql_mode=''; INSERT INTO d.t (id, ts) VALUES (6, '2024-03-10 02:30:00'); SET sql_mode=DEFAULT;
         UPDATE d.t SET dt = ts, f = DATE_FORMAT(ts, '%H:%i') WHERE id IN (1, 3);
         SET time_zone='asia/shanghai';
         INSERT INTO d.t (id, ts, dt, u) VALUES (4, NOW(), CURDATE(), UNIX_TIMESTAMP(NOW()));
         UPDATE d.t SET f = CONCAT(f, ' ', HOUR(ts)) WHERE ts > '2024-03-10 10:00:00';
         SET time_zone=SYSTEM;
         INSERT INTO d.t (id, ts, dt) VALUES (5, '2024-06-01 12:00:00', NOW());",
    );
    r.proc.wait_endpoint();
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.t", "id");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // The workload did what it says: the zones changed what was stored; a time the
    // clocks skipped (non-strict) is the moment they jumped.
    assert_eq!(
        m.sql("SELECT ts FROM d.t WHERE id = 6").trim(),
        "2024-03-10 07:00:00.000"
    );
    assert_eq!(
        m.sql("SELECT ts, dt, u, f, c FROM d.t WHERE id = 2").trim(),
        "2024-03-10 07:30:00.000\t2024-03-10 03:00:00.250\t1730611800.000000\t2024-03-10 01:59:59 15\t2024-03-11 00:00:00"
    );
    // Read through the endpoint in other zones: TIMESTAMPs convert, DATETIMEs do not.
    for zone in ["+8:00", "America/New_York", "SYSTEM"] {
        both(
            &m,
            &r.proc,
            &format!("SET time_zone='{zone}'; SELECT @@time_zone, id, ts, dt, UNIX_TIMESTAMP(ts), CONVERT_TZ(dt, @@time_zone, '+00:00') FROM d.t ORDER BY id"),
        );
    }
    let e = r.proc.sql("SET time_zone='Nowhere/Else'").unwrap_err();
    assert!(
        e.contains("1298") && e.contains("Unknown or incorrect time zone: 'Nowhere/Else'"),
        "{e}"
    );
}

/// A zone the replica cannot resolve stops replay with mysqld's 1298, naming it.
#[test]
fn an_unknown_time_zone_stops_with_1298() {
    let m = statement_master("STATEMENT");
    // Loaded on the master under a name the zoneinfo files do not have.
    let out = std::process::Command::new("mariadb-tzinfo-to-sql")
        .args(["/usr/share/zoneinfo/Asia/Tokyo", "Local/Office"])
        .output()
        .expect("mariadb-tzinfo-to-sql runs");
    m.sql(&format!(
        "SET sql_log_bin=0; USE mysql; {}",
        String::from_utf8_lossy(&out.stdout)
    ));
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, at TIMESTAMP NULL)");
    m.sql("SET time_zone='Local/Office'; INSERT INTO d.t VALUES (1, '2024-01-01 09:00:00')");
    let mut r = Replica::start(&m, &[]);
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1298"), "{st}");
    assert!(
        st.contains("Unknown or incorrect time zone: 'Local/Office'"),
        "{st}"
    );
    assert!(
        st.contains("INSERT INTO d.t VALUES (1, '2024-01-01 09:00:00')"),
        "{st}"
    );
}

/// A session's statements as one connection in the background (it holds its temporary
/// tables until it ends).
fn session_in_background(m: &MariaDb, q: &str) -> std::process::Child {
    std::process::Command::new("mariadb")
        .args(["--no-defaults", "-uroot", "--batch"])
        .arg(format!("--socket={}", m.socket().display()))
        .args(["-e", q])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the mariadb client runs")
}

/// Temporary tables, as MIXED and STATEMENT masters log them: per master session (two
/// sessions' tables of one name stay apart), hiding a stored table of their name, read
/// into stored tables, altered, dropped, and gone when the session ends.
fn temporary_tables(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, n INT); INSERT INTO d.t VALUES (1, 1)");
    let mut r = Replica::start(&m, &[]);
    let mut other = session_in_background(
        &m,
        "CREATE TEMPORARY TABLE d.tmp (id INT PRIMARY KEY, n INT);
         INSERT INTO d.tmp VALUES (50, 500), (51, 510);
         DO SLEEP(2);
         INSERT INTO d.t SELECT id, n FROM d.tmp;",
    );
    std::thread::sleep(std::time::Duration::from_millis(700));
    m.sql(
        "CREATE TEMPORARY TABLE d.tmp (id INT PRIMARY KEY, n INT, KEY (n)) ENGINE=InnoDB;
         INSERT INTO d.tmp VALUES (10, 100), (11, 110);
         UPDATE d.tmp SET n = n + 1 WHERE id = 11;
         INSERT INTO d.t SELECT id, n FROM d.tmp;
         CREATE TEMPORARY TABLE d.t (id INT PRIMARY KEY, n INT);
         INSERT INTO d.t VALUES (5, 5);
         INSERT INTO d.tmp SELECT id + 20, n FROM d.t;
         UPDATE d.t SET n = 6;
         DROP TEMPORARY TABLE d.t;
         INSERT INTO d.t VALUES (2, 2);
         ALTER TABLE d.tmp ADD COLUMN extra INT NOT NULL DEFAULT 7;
         INSERT INTO d.t SELECT id + 1000, n + extra FROM d.tmp;
         CREATE TEMPORARY TABLE d.copy LIKE d.tmp;
         INSERT INTO d.copy SELECT * FROM d.tmp WHERE id > 20;
         TRUNCATE TABLE d.tmp;
         INSERT INTO d.tmp (id, n) VALUES (99, 99);
         BEGIN; INSERT INTO d.t SELECT id + 2000, n FROM d.copy; INSERT INTO d.t SELECT id + 3000, n FROM d.tmp; COMMIT;
         DROP TABLE d.copy;",
    );
    assert!(other.wait().unwrap().success(), "the other session failed");
    // Sessions over: their tables are gone, and new ones of the same names start empty.
    m.sql("CREATE TEMPORARY TABLE d.tmp (id INT PRIMARY KEY); INSERT INTO d.t SELECT id, 0 FROM d.tmp; INSERT INTO d.tmp VALUES (4000); INSERT INTO d.t SELECT id, 1 FROM d.tmp");
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.t", "id");
    // The workload did what it says.
    assert_eq!(
        m.sql("SELECT GROUP_CONCAT(id, ':', n ORDER BY id) FROM d.t")
            .trim(),
        "1:1,2:2,10:100,11:111,50:500,51:510,1010:107,1011:118,1025:12,2025:5,3099:99,4000:1"
    );
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // Clients of the endpoint never see a master session's temporary tables.
    r.proc.wait_endpoint();
    assert_eq!(r.proc.sql("SHOW TABLES FROM d").unwrap(), "t\n");
}

#[test]
fn temporary_tables_in_statement_format() {
    temporary_tables("STATEMENT");
}

#[test]
fn temporary_tables_in_mixed_format() {
    temporary_tables("MIXED");
}

/// A master that restarts loses its sessions' temporary tables; the FORMAT_DESCRIPTION
/// it writes at start-up tells the replica to drop them too (or a new session reusing the
/// thread id would meet the old table).
#[test]
fn a_master_restart_drops_its_temporary_tables() {
    let mut m = statement_master("STATEMENT");
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, n INT)");
    let mut r = Replica::start(&m, &["--master-connect-retry=1"]);
    let mut held = session_in_background(
        &m,
        "SET pseudo_thread_id = 777;
         CREATE TEMPORARY TABLE d.tmp (id INT PRIMARY KEY, n INT);
         INSERT INTO d.tmp VALUES (1, 1);
         INSERT INTO d.t VALUES (1, 1);
         DO SLEEP(60);",
    );
    // Applied up to the session's last statement, which it logged before sleeping.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while m.sql("SELECT COUNT(*) FROM d.t").trim() != "1" {
        assert!(
            std::time::Instant::now() < deadline,
            "the session's INSERT never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    r.wait_applied(&m);
    m.kill9();
    let _ = held.kill();
    let _ = held.wait();
    m.start_again();
    m.sql(
        "SET pseudo_thread_id = 777;
         CREATE TEMPORARY TABLE d.tmp (id INT PRIMARY KEY, n INT, extra INT);
         INSERT INTO d.tmp VALUES (2, 2, 20);
         INSERT INTO d.t SELECT id, n + extra FROM d.tmp;",
    );
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "d.t", "id");
    assert_eq!(m.sql("SELECT COUNT(*) FROM d.t").trim(), "2");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

/// Views the master creates, alters and drops are kept and read through the endpoint as
/// on the master: their rows, SHOW CREATE VIEW, SHOW FULL TABLES, information_schema.
#[test]
fn views_are_kept_and_queryable_like_the_masters() {
    let m = statement_master("MIXED");
    m.sql(SCHEMA);
    m.sql(PART1);
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "USE shop;
         CREATE VIEW cheap AS SELECT id, sku, price FROM item WHERE price < 10;
         CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW shop.stock (code, amount) AS SELECT sku, qty FROM shop.item WHERE qty > 0 WITH CHECK OPTION;
         CREATE VIEW joined AS SELECT i.sku, COUNT(l.id) AS n FROM item i LEFT JOIN log l ON l.item_id = i.id GROUP BY i.sku;
         CREATE VIEW onview AS SELECT code FROM stock WHERE amount > 3;
         CREATE VIEW gone AS SELECT 1 AS one;
         CREATE OR REPLACE VIEW cheap AS SELECT id, sku, price, qty FROM item WHERE price < 20;
         ALTER VIEW gone AS SELECT 2 AS two;
         DROP VIEW gone;
         CREATE VIEW gone2 AS SELECT 3 AS three;
         DROP VIEW IF EXISTS gone2, nosuch;
         INSERT INTO log (item_id, what) VALUES (1, 'for the join');",
    );
    r.proc.wait_endpoint();
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    both(&m, &r.proc, "SELECT * FROM shop.cheap ORDER BY id");
    both(&m, &r.proc, "SELECT * FROM shop.stock ORDER BY code");
    both(&m, &r.proc, "SELECT * FROM shop.joined ORDER BY sku");
    both(&m, &r.proc, "SELECT * FROM shop.onview ORDER BY code");
    // DESCRIBE of a view: its columns typed as mysqld types them.
    both(&m, &r.proc, "DESCRIBE shop.stock");
    both(&m, &r.proc, "USE shop; SHOW COLUMNS FROM cheap");
    both(&m, &r.proc, "USE shop; SELECT c.sku, s.amount FROM cheap c JOIN stock s ON s.code = c.sku WHERE c.qty > 1 ORDER BY c.sku");
    both(
        &m,
        &r.proc,
        "SELECT v.x FROM (SELECT sku AS x FROM shop.cheap) v ORDER BY v.x LIMIT 2",
    );
    // mysqld shows its own printing of the SELECT (names qualified, keywords lower case,
    // a column list folded into aliases); replicant the SELECT as the master's client wrote
    // it, with its column list, in the same statement.
    for q in [
        "SHOW CREATE VIEW shop.cheap",
        "SHOW CREATE VIEW shop.stock",
        "USE shop; SHOW CREATE TABLE joined",
    ] {
        let (want, got) = (m.sql(q), r.proc.sql(q).unwrap());
        let head = |s: &str| {
            let f: Vec<String> = s.trim_end().split('\t').map(str::to_string).collect();
            // Up to the name: mysqld folds a column list into its SELECT's aliases.
            let create = f[1].split([' ', '(']).take(8).collect::<Vec<_>>().join(" ");
            (f[0].clone(), create, f[2].clone(), f[3].clone())
        };
        assert_eq!(head(&got), head(&want), "{q}");
    }
    let create = r.proc.sql("SHOW CREATE VIEW shop.stock").unwrap();
    assert!(
        create.contains("VIEW `shop`.`stock`(`code`,`amount`) AS SELECT sku, qty FROM shop.item WHERE qty > 0 WITH CASCADED CHECK OPTION"),
        "{create}"
    );
    both(&m, &r.proc, "SHOW FULL TABLES FROM shop");
    both(&m, &r.proc, "USE shop; SHOW TABLES");
    both(&m, &r.proc, "SELECT TABLE_SCHEMA, TABLE_NAME, CHECK_OPTION, IS_UPDATABLE, DEFINER, SECURITY_TYPE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, ALGORITHM FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop' ORDER BY TABLE_NAME");
    both(&m, &r.proc, "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, TABLE_COLLATION IS NULL FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY TABLE_NAME");
    // A replayed statement reads a view as the master did.
    m.sql("SET SESSION binlog_format = 'STATEMENT'; INSERT INTO shop.log (item_id, what) SELECT id, CONCAT('view ', sku) FROM shop.cheap WHERE id < 4 ORDER BY id");
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_same_table(&m, &r.datadir, "shop.log", "id");
    both(
        &m,
        &r.proc,
        "SELECT COUNT(*) FROM shop.log WHERE what LIKE 'view %'",
    );
    // A dropped view is gone, with mysqld's error.
    let err = r.proc.sql("SELECT * FROM shop.gone").unwrap_err();
    assert!(err.contains("1146"), "{err}");
    // Views survive a restart (they are in the store).
    r.proc.terminate();
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    r.proc.wait_endpoint();
    both(&m, &r.proc, "SELECT * FROM shop.stock ORDER BY code");
}

/// `q` answers the same, and something, on the master and through replicant's endpoint.
fn both(m: &MariaDb, r: &Replicant, q: &str) {
    let want = m.sql(q);
    let got = r.sql(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    assert_eq!(got, want, "{q}");
    assert!(!want.trim().is_empty(), "{q} gave nothing on the master");
}

/// The master logs ROLLBACK and ROLLBACK TO SAVEPOINT only when the transaction changed
/// a non-transactional table (MyISAM, Aria): a replica must undo the transactional
/// tables' changes and keep the others', in STATEMENT format and in ROW format alike.
fn savepoints_and_rollbacks(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    m.sql(
        "CREATE DATABASE sp;
         CREATE TABLE sp.i (id INT PRIMARY KEY, v VARCHAR(10) NULL, KEY (v)) ENGINE=InnoDB;
         CREATE TABLE sp.m (id INT PRIMARY KEY) ENGINE=MyISAM;
         CREATE TABLE sp.a (id INT PRIMARY KEY, v VARCHAR(10), KEY (v)) ENGINE=Aria;
         CREATE TABLE sp.x (id INT PRIMARY KEY) ENGINE=MyISAM;
         ALTER TABLE sp.x ENGINE=InnoDB;
         CREATE TABLE sp.y LIKE sp.m;
         INSERT INTO sp.a VALUES (1, 'one');",
    );
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "BEGIN; INSERT INTO sp.i VALUES (1, 'a'); SAVEPOINT s; INSERT INTO sp.i VALUES (2, 'b'); ROLLBACK TO s; COMMIT;
         BEGIN; INSERT INTO sp.i VALUES (3, 'c'); SAVEPOINT `s 2`; INSERT INTO sp.i VALUES (4, 'd'); UPDATE sp.i SET v = 'cc' WHERE id = 3;
           INSERT INTO sp.m VALUES (40); INSERT INTO sp.x VALUES (41); UPDATE sp.a SET v = 'uno' WHERE id = 1; INSERT INTO sp.y VALUES (42);
           ROLLBACK TO SAVEPOINT `s 2`; INSERT INTO sp.i VALUES (5, 'e'); COMMIT;
         BEGIN; INSERT INTO sp.i VALUES (10, 'j'); INSERT INTO sp.m VALUES (100); DELETE FROM sp.i WHERE id = 1; ROLLBACK;
         BEGIN; SAVEPOINT a; INSERT INTO sp.i VALUES (20, 't'); SAVEPOINT b; INSERT INTO sp.i VALUES (21, 'u'); INSERT INTO sp.m VALUES (210);
           RELEASE SAVEPOINT b; ROLLBACK TO a; INSERT INTO sp.i VALUES (22, 'v'); COMMIT;",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    for t in ["sp.i", "sp.m", "sp.a", "sp.x", "sp.y"] {
        assert_same_table_3(&m, &mdb, &r.datadir, t, "id");
    }
    // The workload did what it says: rolled-back InnoDB rows are gone, MyISAM and Aria
    // changes stayed.
    assert_eq!(
        m.sql("SELECT GROUP_CONCAT(id, v ORDER BY id) FROM sp.i")
            .trim(),
        "1a,3c,5e,22v"
    );
    assert_eq!(
        m.sql("SELECT GROUP_CONCAT(id ORDER BY id) FROM sp.m")
            .trim(),
        "40,100,210"
    );
    assert_eq!(m.sql("SELECT v FROM sp.a").trim(), "uno");
    assert_eq!(m.sql("SELECT COUNT(*) FROM sp.x").trim(), "0");
    assert_eq!(m.sql("SELECT COUNT(*) FROM sp.y").trim(), "1");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

#[test]
fn savepoints_and_rollbacks_in_statement_format() {
    savepoints_and_rollbacks("STATEMENT");
}

#[test]
fn savepoints_and_rollbacks_in_row_format() {
    savepoints_and_rollbacks("ROW");
}

/// Runs `q` on the master with LOAD DATA LOCAL allowed (the client sends the file).
fn sql_local_infile(m: &MariaDb, q: &str) {
    let out = std::process::Command::new("mariadb")
        .args(["--no-defaults", "-uroot", "--batch", "--local-infile=1"])
        .arg(format!("--socket={}", m.socket().display()))
        .args(["-e", q])
        .output()
        .expect("the mariadb client runs");
    assert!(
        out.status.success(),
        "{q}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// LOAD DATA as a STATEMENT master logs it (the file in BEGIN_LOAD_QUERY and
/// APPEND_BLOCK events, then EXECUTE_LOAD_QUERY): quoted and escaped fields, NULLs,
/// IGNORE n LINES, variables and SET, REPLACE and IGNORE on duplicate keys,
/// AUTO_INCREMENT, a latin1 file, and a file larger than one block.
#[test]
fn load_data_replays_as_on_the_master() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 103);
    m.sql(
        "CREATE DATABASE d;
         CREATE TABLE d.p (id INT PRIMARY KEY, name VARCHAR(30) NULL, born DATE NULL, amount DECIMAL(8,2) NULL, note VARCHAR(40) NULL);
         CREATE TABLE d.a (id INT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(20) NOT NULL, v TEXT NULL, UNIQUE KEY (k));
         CREATE TABLE d.big (id INT PRIMARY KEY, pad VARCHAR(100));",
    );
    let mut r = Replica::start(&m, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let csv = file(
        "p.csv",
        b"id,name,born,amount\n1,\"Smith, J\",24/12/1980,10.5\n2,\\N,01/01/2000,\n3,\"say \"\"hi\"\"\",31/01/1999,7\n",
    );
    sql_local_infile(
        &m,
        &format!(
            "LOAD DATA LOCAL INFILE '{csv}' INTO TABLE d.p FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' IGNORE 1 LINES (id, name, @born, @amount) SET born = STR_TO_DATE(@born, '%d/%m/%Y'), amount = NULLIF(@amount, ''), note = CONCAT(IFNULL(name, '?'), '/', id)"
        ),
    );
    let again = file("again.csv", b"3,replaced,,1\n4,new,,2\n");
    sql_local_infile(
        &m,
        &format!("LOAD DATA LOCAL INFILE '{again}' REPLACE INTO TABLE d.p FIELDS TERMINATED BY ',' (id, name, @skip, amount)"),
    );
    let tsv = file(
        "a.tsv",
        b"one\tfirst\\tline\ntwo\t\\N\none\tdup ignored\nthree\tmulti\\nline\n",
    );
    sql_local_infile(
        &m,
        &format!("LOAD DATA LOCAL INFILE '{tsv}' IGNORE INTO TABLE d.a (k, v)"),
    );
    let latin1 = file("l.txt", b"caf\xe9\tna\xefve\n");
    sql_local_infile(
        &m,
        &format!("LOAD DATA LOCAL INFILE '{latin1}' INTO TABLE d.a CHARACTER SET latin1 (k, v)"),
    );
    let mut big = Vec::new();
    for i in 0..6000 {
        big.extend_from_slice(format!("{i}\t{}\n", "x".repeat(60 + i % 37)).as_bytes());
    }
    let big = file("big.tsv", &big);
    sql_local_infile(
        &m,
        &format!("LOAD DATA LOCAL INFILE '{big}' INTO TABLE d.big"),
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    for t in ["d.p", "d.a", "d.big"] {
        assert_same_table_3(&m, &mdb, &r.datadir, t, "id");
    }
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // The workload did what it says.
    assert_eq!(
        m.sql("SELECT GROUP_CONCAT(CONCAT_WS(',', id, name, born, amount, note) ORDER BY id SEPARATOR '|') FROM d.p").trim(),
        "1,Smith, J,1980-12-24,10.50,Smith, J/1|2,2000-01-01,?/2|3,replaced,1.00|4,new,2.00"
    );
    assert_eq!(m.sql("SELECT COUNT(*) FROM d.a").trim(), "4");
    assert_eq!(m.sql("SELECT COUNT(*) FROM d.big").trim(), "6000");
    let blocks = mariadb_binlog_decode(&m.binlog_files()[0]);
    assert!(
        blocks.contains("Append_block"),
        "the big file took one block"
    );
    // The relay log tool shows the events as mariadb-binlog does.
    let mut relay: Vec<_> = std::fs::read_dir(&r.datadir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.contains("relay")
                && n.rsplit('.')
                    .next()
                    .is_some_and(|x| x.chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    relay.sort();
    let out = replicant_cmd(["relaylog", "print", relay[0].to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Begin_load_query\tfile_id: "), "{text}");
    assert!(text.contains("Append_block\tfile_id: "), "{text}");
    assert!(text.contains("Execute_load_query\tthread_id="), "{text}");
    assert!(text.contains("REPLACE INTO TABLE `d`.`p`"), "{text}");
}

/// The statements a CALL runs reach the binlog one by one, the procedure's variables as
/// NAME_CONST('name', value) with charset introducers and COLLATE 'name'.
#[test]
fn a_procedure_call_replays_its_statements() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 103);
    m.sql("CREATE DATABASE d; CREATE TABLE d.pt (id INT PRIMARY KEY, s VARCHAR(20) NULL, x DECIMAL(5,2), t DATETIME, b VARBINARY(8) NULL)");
    m.sql(
        "USE d;
         DELIMITER //
         CREATE PROCEDURE p1(IN a INT, IN s VARCHAR(20))
         BEGIN
           DECLARE x DECIMAL(5,2) DEFAULT 1.5;
           DECLARE t DATETIME DEFAULT '2024-01-02 03:04:05';
           DECLARE b VARBINARY(8) DEFAULT 0x00FF;
           INSERT INTO pt VALUES (a, s, x, t, b);
           UPDATE pt SET s = CONCAT(s, '!'), x = x * a WHERE id = a;
         END //
         DELIMITER ;",
    );
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "USE d; CALL p1(1, 'héllo'); CALL p1(2, NULL); SET NAMES latin1; CALL p1(3, 'caf\u{e9}')",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.pt", "id");
    assert!(
        mariadb_binlog_decode(&m.binlog_files()[0]).contains("NAME_CONST('a',1)"),
        "the CALL's statements were logged with NAME_CONST"
    );
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

/// CREATE [TEMPORARY] TABLE ... SELECT in statement form (STATEMENT, and MIXED for a
/// deterministic SELECT): the SELECT runs as on the master, columns typed as mysqld
/// types them, declared columns first.
fn create_table_select(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    m.sql(
        "CREATE DATABASE d;
         CREATE TABLE d.src (id INT PRIMARY KEY, n INT NULL, s VARCHAR(20) CHARACTER SET latin1 NOT NULL DEFAULT 'x', e ENUM('a','b') NULL, amount DECIMAL(10,2) NOT NULL, at DATETIME(3) NULL);
         INSERT INTO d.src VALUES (1, 10, 'one', 'a', 1.50, '2024-01-01 00:00:00.123'), (2, NULL, 'two', 'b', 2.25, NULL), (3, 30, 'caf\u{e9}', NULL, 3.00, '2024-03-01 12:00:00');",
    );
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "USE d;
         CREATE TABLE copy SELECT * FROM src;
         CREATE TABLE calc (extra INT NOT NULL DEFAULT 7, id INT NOT NULL) SELECT id, n * 2 AS m, s, CONCAT(s, '-', id) AS label, 'lit' AS lit, 1.5 AS dec_lit, amount + 1 AS more, NULL AS nothing, UPPER(e) AS ue FROM src WHERE id > 1;
         CREATE TABLE agg SELECT n IS NULL AS missing, COUNT(*) AS c, SUM(amount) AS total, MAX(at) AS latest, MIN(s) AS first_s FROM src GROUP BY n IS NULL;
         CREATE TABLE typed SELECT 1 a, -1 b, 123456789012 c, 1.5 d, -1.50 e, '' g, NULL h, 1e3 i, TRUE j, X'AB' k, 2147483647 l, 99999999999999999999 o,
           id+1 a2, id*2 b2, n*2 c2, id/2 e2, id DIV 2 f2, id%3 g2, amount+1 h2, amount*2 j2, amount/3 k2, amount+id l2, -id q2, -amount r2, amount-0.125 w2,
           CONCAT(s,'-',id) s1, CONCAT_WS(',',s,n) s2, UPPER(s) s3, SUBSTRING(s,2) s4, LEFT(s,3) s5, REPLACE(s,'a','bb') s6, TRIM(s) s7, LPAD(s,30,'x') s8,
           REPEAT(s,2) s9, LENGTH(s) s10, CHAR_LENGTH(s) s11, UPPER(e) s12, CONCAT(id) s13, CONCAT(amount) s14, CONCAT(at) s15, MD5(s) s16, CRC32(s) s17,
           CONVERT(s USING utf8mb4) s18, CONCAT(s, NULL) s19, TRIM(BOTH 'x' FROM s) s20, CONCAT(s, '@x.com') s21,
           IF(id>1,'a','bb') c1, IF(id>1,id,amount) c3, IFNULL(n,0) c4, IFNULL(n,amount) c5, COALESCE(n,id) c6, CASE WHEN id>1 THEN 'x' ELSE 'yy' END c7,
           NULLIF(id,0) c8, id>1 c9, n IS NULL c10, s LIKE 'a%' c11, id IN (1,2) c12, NOT id c13, id AND n c14, IFNULL(s,'zzz') c15, GREATEST(id,n) c16, LEAST(amount,id) c17,
           DATE(at) t1, DATE_FORMAT(at,'%Y-%m-%d %H:%i:%s') t2, DATE_FORMAT(at, '%W %M %D') t3, YEAR(at) t4, MONTH(at) t5, TIMESTAMPDIFF(DAY,at,at) t6,
           DATEDIFF(at,at) t7, NOW() t11, NOW(3) t12, CURDATE() t13, CURRENT_TIMESTAMP t14, DATE_ADD(at, INTERVAL 1 HOUR) t8, DATE_SUB(DATE(at), INTERVAL 1 MONTH) t9, DATE_ADD(at, INTERVAL 1 MICROSECOND) t10,
           CAST(id AS CHAR) x1, CAST(amount AS SIGNED) x2, CAST(amount AS DECIMAL(5,1)) x3, CAST(at AS DATE) x4, CAST(id AS UNSIGNED) x5, CAST(id AS CHAR(5)) x6,
           ROUND(amount,1) k7, FLOOR(amount) k8, ABS(n) k9, MOD(id,3) k10, ROUND(amount) k11, ABS(amount) k12, TRUNCATE(amount,1) k13
           FROM src;
         CREATE TABLE typed_agg SELECT COUNT(*) a, COUNT(n) b, SUM(id) c, SUM(amount) d, AVG(id) f, AVG(amount) g, MIN(s) h, MAX(at) i, GROUP_CONCAT(s) j,
           MAX(id) k, MIN(n) l, BIT_XOR(id) m, COUNT(DISTINCT id) p FROM src;
         CREATE TABLE IF NOT EXISTS copy SELECT 99 AS id;
         CREATE TEMPORARY TABLE tmp SELECT id, amount * 2 AS twice FROM src;
         INSERT INTO src (id, amount) SELECT id + 100, twice FROM tmp;",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    for (t, order) in [
        ("d.src", "id"),
        ("d.copy", "id"),
        ("d.calc", "id"),
        ("d.agg", "missing"),
        ("d.typed", "a2"),
        ("d.typed_agg", "a"),
    ] {
        assert_same_table_3(&m, &mdb, &r.datadir, t, order);
    }
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // Columns read from tables and declared ones are what mysqld made them, in its order
    // (an expression's type is derived from its result: see ARCHITECTURE.md).
    r.proc.wait_endpoint();
    let columns = |t: &str, only: &str| {
        format!("SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_SCALE, COLLATION_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'd' AND TABLE_NAME = '{t}' {only} ORDER BY ORDINAL_POSITION")
    };
    both(&m, &r.proc, &columns("copy", ""));
    // Expressions' columns are typed as mysqld types them.
    for t in ["calc", "agg", "typed", "typed_agg"] {
        both(&m, &r.proc, &columns(t, ""));
    }
    both(
        &m,
        &r.proc,
        "SELECT TABLE_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'd' GROUP BY TABLE_NAME ORDER BY TABLE_NAME",
    );
}

#[test]
fn create_table_select_in_statement_format() {
    create_table_select("STATEMENT");
}

#[test]
fn create_table_select_in_mixed_format() {
    create_table_select("MIXED");
}

/// Generated columns (STORED and VIRTUAL, one reading another) are computed for the rows
/// replayed statements write, as the master computed them.
fn generated_columns(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    m.sql(
        "CREATE DATABASE d;
         CREATE TABLE d.g (id INT PRIMARY KEY, price DECIMAL(8,2) NOT NULL, qty INT NOT NULL DEFAULT 1, name VARCHAR(20) NULL,
           total DECIMAL(10,2) AS (price * qty) STORED,
           label VARCHAR(40) AS (CONCAT(IFNULL(name, '?'), ' x', qty)) VIRTUAL,
           big TINYINT AS (total > 100) PERSISTENT,
           KEY (total));",
    );
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "INSERT INTO d.g (id, price, qty, name) VALUES (1, 9.99, 3, 'pen'), (2, 150, 1, NULL);
         INSERT INTO d.g (id, price) VALUES (3, 0.5);
         UPDATE d.g SET qty = qty + 10 WHERE id IN (1, 3);
         UPDATE d.g SET name = 'book' WHERE id = 2;
         INSERT INTO d.g (id, price, qty, name) SELECT id + 10, price / 2, qty, CONCAT(IFNULL(name, 'none'), '2') FROM d.g WHERE id < 3;
         REPLACE INTO d.g (id, price, qty) VALUES (3, 7, 7);
         INSERT INTO d.g (id, price, qty) VALUES (1, 1, 1) ON DUPLICATE KEY UPDATE price = price + 1;",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.g", "id");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_eq!(
        m.sql("SELECT total, label, big FROM d.g WHERE id = 1")
            .trim(),
        "142.87\tpen x13\t1"
    );
}

#[test]
fn generated_columns_in_statement_format() {
    generated_columns("STATEMENT");
}

#[test]
fn generated_columns_in_mixed_format() {
    generated_columns("MIXED");
}

/// A master without a strict sql_mode (MySQL 5.6's default, and many a my.cnf's) stores
/// what a column cannot hold clipped, cut or zeroed with a warning; so does the replica.
/// INSERT IGNORE clips in strict mode too.
#[test]
fn non_strict_conversions_store_what_the_master_stored() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 103);
    m.sql("CREATE DATABASE d; CREATE TABLE d.n (id INT PRIMARY KEY, ti TINYINT NULL, u SMALLINT UNSIGNED NULL, i INT NOT NULL DEFAULT 5, amt DECIMAL(5,2) NULL, s VARCHAR(5) NULL, c CHAR(3) NULL, e ENUM('a','b') NOT NULL DEFAULT 'b', st SET('x','y') NULL, d DATE NULL, dt DATETIME NULL, f FLOAT NULL, t TINYTEXT NULL)");
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "SET SESSION sql_mode = '';
         INSERT INTO d.n VALUES (1, 300, -5, 7, 12345.678, 'abcdefgh', 'wxyz', 'zz', 'x,q', '2024-02-30', 'garbage', 1e50, REPEAT('long ', 60));
         INSERT INTO d.n (id, ti, i, s, amt) VALUES (2, '12abc', NULL, 'ok', '1.005'), (3, 'abc', 1, NULL, -1e9);
         UPDATE d.n SET i = NULL, ti = -1000, s = CONCAT(s, 'more than five') WHERE id = 1;
         UPDATE d.n SET amt = -99999, u = 70000 WHERE id = 2;
         SET SESSION sql_mode = DEFAULT;
         INSERT IGNORE INTO d.n (id, ti, s) VALUES (4, 1000, 'toolongvalue');",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.n", "id");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // The workload did what it says: values were clipped on the master.
    assert_eq!(
        m.sql("SELECT ti, u, i, amt, s, c, e, st, d FROM d.n WHERE id = 1")
            .trim(),
        "-128\t0\t0\t999.99\tabcde\twxy\t\tx\t0000-00-00"
    );
}

/// Month and day names in another language (lc_time_names) replay in that language;
/// STR_TO_DATE reads English names whatever the locale, as MariaDB's does.
#[test]
fn lc_time_names_replay_as_on_the_master() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 103);
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, s VARCHAR(40) CHARACTER SET utf8mb4)");
    m.sql(
        "SET NAMES utf8mb4; SET lc_time_names = 'zh_CN';
         INSERT INTO d.t VALUES (1, 'plain'); INSERT INTO d.t VALUES (2, DATE_FORMAT('2024-03-01', '%W %M'));
         INSERT INTO d.t VALUES (3, STR_TO_DATE('2024-03-01', '%Y-%m-%d'));
         SET lc_time_names = 'de_DE';
         INSERT INTO d.t VALUES (4, STR_TO_DATE('1 March 2024', '%d %M %Y')), (5, DATE_FORMAT(STR_TO_DATE('Fri 1 Mar 2024', '%a %d %b %Y'), '%W %M'));
         SET sql_mode = ''; INSERT INTO d.t VALUES (6, IFNULL(STR_TO_DATE('1 März 2024', '%d %M %Y'), 'not read'))",
    );
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.t", "id");
    assert_eq!(
        dump(&r.datadir, "d.t"),
        "1\tplain\n2\t星期五 三月\n3\t2024-03-01\n4\t2024-03-01\n5\tFreitag März\n6\tnot read\n"
    );
}

/// XA transactions: the prepared part's changes stay invisible on the replica, across a
/// replica restart, until XA COMMIT; XA ROLLBACK drops them; ONE PHASE commits at once.
fn xa_transactions(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    m.sql("CREATE DATABASE d; CREATE TABLE d.x (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO d.x VALUES (10, 10)");
    let mut r = Replica::start(&m, &[]);
    m.sql("XA START 'a'; INSERT INTO d.x VALUES (1, 1); UPDATE d.x SET v = 11 WHERE id = 10; XA END 'a'; XA PREPARE 'a'");
    r.wait_applied(&m);
    assert_eq!(
        dump(&r.datadir, "d.x"),
        "10\t10\n",
        "a prepared XA transaction is not visible"
    );
    drop(r);
    let mut r = Replica::start(&m, &[]);
    m.sql("XA COMMIT 'a'");
    m.sql(
        "XA START 'b'; INSERT INTO d.x VALUES (2, 2); XA END 'b'; XA PREPARE 'b'; XA ROLLBACK 'b'",
    );
    m.sql("XA START 'c'; INSERT INTO d.x VALUES (3, 3); XA END 'c'; XA COMMIT 'c' ONE PHASE");
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.x", "id");
    assert_eq!(dump(&r.datadir, "d.x"), "1\t1\n3\t3\n10\t11\n");
    // The relay log tool shows the prepare with its xid.
    let mut relay: Vec<_> = std::fs::read_dir(&r.datadir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("relay-bin.0")
        })
        .collect();
    relay.sort();
    let printed: String = relay
        .iter()
        .map(|f| {
            let out = replicant_cmd(["relaylog", "print", f.to_str().unwrap()]);
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    assert!(printed.contains("XA PREPARE X'61',X'',1"), "{printed}");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

#[test]
fn xa_transactions_in_statement_format() {
    xa_transactions("STATEMENT");
}

#[test]
fn xa_transactions_in_row_format() {
    xa_transactions("ROW");
}

/// Stored procedures and functions are kept and shown as on the master: SHOW CREATE
/// PROCEDURE / FUNCTION, information_schema.ROUTINES, SHOW ... STATUS; dropped ones go.
#[test]
fn routines_are_kept_and_shown_like_the_masters() {
    let m = statement_master("MIXED");
    m.sql("CREATE DATABASE d");
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "USE d;
         DELIMITER //
         CREATE DEFINER=`root`@`localhost` PROCEDURE p1(IN a INT, OUT n INT) READS SQL DATA SQL SECURITY INVOKER COMMENT 'counts' BEGIN SELECT a INTO n; END //
         CREATE FUNCTION f1(x INT) RETURNS INT DETERMINISTIC RETURN x + 1 //
         CREATE PROCEDURE gone() SELECT 1 //
         DELIMITER ;
         DROP PROCEDURE gone;
         DROP PROCEDURE IF EXISTS nosuch;",
    );
    r.proc.wait_endpoint();
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    both(&m, &r.proc, "SHOW CREATE PROCEDURE d.p1");
    both(&m, &r.proc, "USE d; SHOW CREATE FUNCTION f1");
    both(
        &m,
        &r.proc,
        "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, DATA_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION, IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'd' ORDER BY ROUTINE_NAME",
    );
    both(
        &m,
        &r.proc,
        "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'd' AND ROUTINE_TYPE = 'PROCEDURE'",
    );
    let status = r.proc.sql("SHOW PROCEDURE STATUS WHERE Db = 'd'").unwrap();
    assert!(
        status.starts_with("d\tp1\tPROCEDURE\troot@localhost\t")
            && status.contains("\tINVOKER\tcounts\t"),
        "{status}"
    );
    let e = r.proc.sql("SHOW CREATE PROCEDURE d.gone").unwrap_err();
    assert!(
        e.contains("1305") && e.contains("PROCEDURE gone does not exist"),
        "{e}"
    );
}

/// Statements run under ANSI_QUOTES ("name" is an identifier) and NO_BACKSLASH_ESCAPES (a
/// backslash in a literal is itself) read as the master read them.
#[test]
fn ansi_quotes_and_no_backslash_escapes_read_as_on_the_master() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 103);
    m.sql("CREATE DATABASE d; SET SESSION sql_mode = 'ANSI_QUOTES'; CREATE TABLE d.q (id INT PRIMARY KEY, \"path\" VARCHAR(40), note VARCHAR(40) DEFAULT 'a\\b')");
    let mut r = Replica::start(&m, &[]);
    m.sql(
        "SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES';
         INSERT INTO \"d\".\"q\" (\"id\", \"path\", note) VALUES (1, 'C:\\dir\\file', 'it''s');
         UPDATE d.q SET note = CONCAT(\"path\", '\\n') WHERE \"id\" = 1;
         SET SESSION sql_mode = 'ANSI_QUOTES';
         INSERT INTO d.q VALUES (2, 'a\\tb', 'x');
         SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';
         INSERT INTO d.q VALUES (3, \"dq\\\", 'y');",
    );
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "d.q", "id");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_eq!(
        m.sql("SELECT `path` FROM d.q WHERE id = 1").trim(),
        "C:\\\\dir\\\\file"
    );
}

/// The usual hardening step (removing anonymous accounts from mysql.global_priv) and
/// other changes to system tables replicant does not keep never stop replication: they
/// are passed over and counted (issue 19 will apply the account tables).
fn system_tables_never_stop(format: &str) {
    let m = statement_master(format);
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)");
    m.sql(
        "DELETE FROM mysql.global_priv WHERE User = '';
         UPDATE mysql.global_priv SET Priv = Priv WHERE User = 'nobody';
         INSERT INTO mysql.time_zone_name VALUES ('Replicant/Test', 1);
         DELETE FROM mysql.time_zone_name WHERE Name = 'Replicant/Test';
         CREATE USER 'app'@'%' IDENTIFIED BY 'secret'; GRANT SELECT ON d.* TO 'app'@'%';
         FLUSH PRIVILEGES;
         INSERT INTO d.t VALUES (1), (2);",
    );
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "d.t", "id");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    r.proc.wait_endpoint();
    let ignored = r
        .proc
        .sql("SHOW GLOBAL STATUS LIKE 'Replicant_system_table_events_ignored'")
        .unwrap();
    let n: u64 = ignored
        .split('\t')
        .nth(1)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(n >= 2, "{ignored}");
}

#[test]
fn system_tables_never_stop_statement_replay() {
    system_tables_never_stop("MIXED");
}

#[test]
fn system_tables_never_stop_row_apply() {
    system_tables_never_stop("ROW");
}

/// DROP DATABASE from a session whose temporary table hides a stored table of that
/// database drops the stored table too (it does not come back when the session ends).
#[test]
fn drop_database_drops_a_stored_table_a_temporary_one_hides() {
    let m = statement_master("STATEMENT");
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (1)");
    let mut r = Replica::start(&m, &[]);
    m.sql("CREATE TEMPORARY TABLE d.t (x INT); DROP DATABASE d; CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT)");
    m.sql("INSERT INTO d.t VALUES (2, 2)");
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_same_table(&m, &r.datadir, "d.t", "id");
}

/// Sessions in the character sets a master's clients use (gbk, big5, sjis with its
/// 0x5C trailing bytes, cp1251), writing to columns of those sets and of utf8mb4: the
/// replica stores the bytes the master stores.
#[test]
fn client_and_column_charsets_other_than_utf8_and_latin1() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 7);
    m.sql(
        "CREATE DATABASE cs;
         CREATE TABLE cs.t (id INT PRIMARY KEY, g VARCHAR(10) CHARACTER SET gbk, b VARCHAR(10) CHARACTER SET big5,
                            s VARCHAR(10) CHARACTER SET sjis, c VARCHAR(10) CHARACTER SET cp1251, u VARCHAR(10) CHARACTER SET utf8mb4)",
    );
    // The statements' bytes in each session's charset, sent as such by the client.
    m.sql_bytes(b"SET NAMES gbk; INSERT INTO cs.t (id, g, u) VALUES (1, '\xd6\xd0\xce\xc4', '\xd6\xd0\xce\xc4')");
    m.sql_bytes(b"SET NAMES big5; INSERT INTO cs.t (id, b, u) VALUES (2, '\xa4\xa4\xa4\xe5', '\xa4\xa4\xa4\xe5')");
    m.sql_bytes(
        b"SET NAMES sjis; INSERT INTO cs.t (id, s, u) VALUES (3, '\x95\x5c\x8e\xa6', '\x95\x5c')",
    );
    m.sql_bytes(
        b"SET NAMES cp1251; INSERT INTO cs.t (id, c, u) VALUES (4, '\xc6\xe6', '\xc6\xe6')",
    );
    m.sql("SET NAMES utf8mb4; INSERT INTO cs.t (id, g, b, s, c) VALUES (5, '中文', '中文', '表示', 'Жж')");
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    let q = "SELECT id, HEX(g), HEX(b), HEX(s), HEX(c), HEX(u) FROM cs.t ORDER BY id";
    assert_eq!(mdb.sql(q), m.sql(q));
    assert_same_table(&m, &r.datadir, "cs.t", "id");
}

/// sql_mode bits that change how a statement reads: PIPES_AS_CONCAT (`||` concatenates)
/// and HIGH_NOT_PRECEDENCE (`NOT a BETWEEN b AND c` is `(NOT a) BETWEEN b AND c`).
#[test]
fn pipes_as_concat_and_high_not_precedence() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 7);
    m.sql(
        "CREATE DATABASE md; CREATE TABLE md.t (id INT PRIMARY KEY, s VARCHAR(20), f INT);
         SET SESSION sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT');
         INSERT INTO md.t VALUES (1, 'a' || 'b' || 1, 0), (2, 'x', 'a' || 'b' = 'ab');
         UPDATE md.t SET s = s || '!' WHERE id = 1 || '';
         SET SESSION sql_mode = 'HIGH_NOT_PRECEDENCE';
         INSERT INTO md.t SELECT id + 10, 'between', 1 FROM md.t WHERE NOT id BETWEEN 2 AND 3;
         INSERT INTO md.t VALUES (20, 'like', NOT 'a' LIKE 'b'), (21, 'paren', NOT ('a' LIKE 'b'));
         UPDATE md.t SET f = f + 10 WHERE NOT id IN (1, 2) AND id < 30;
         SET SESSION sql_mode = DEFAULT;
         INSERT INTO md.t VALUES (30, 'default', NOT 'a' LIKE 'b')",
    );
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_same_table_3(&m, &mdb, &r.datadir, "md.t", "id");
    assert_eq!(m.sql("SELECT s FROM md.t WHERE id = 1").trim(), "ab1!");
}

/// Month and day names in the session's lc_time_names (DATE_FORMAT, MONTHNAME, DAYNAME,
/// FROM_UNIXTIME with a format), replayed and read through the endpoint as on the master.
#[test]
fn month_and_day_names_in_the_sessions_locale() {
    let m = statement_master("STATEMENT");
    let mdb = mariadb_replica(&m, 7);
    m.sql(
        "CREATE DATABASE lc; CREATE TABLE lc.t (id INT PRIMARY KEY, f VARCHAR(100), mo VARCHAR(20), dy VARCHAR(20)) CHARSET utf8mb4;
         SET lc_time_names = 'de_DE';
         INSERT INTO lc.t VALUES (1, DATE_FORMAT('2024-03-05', '%W %d. %M %Y (%a, %b)'), MONTHNAME('2024-03-05'), DAYNAME('2024-03-05'));
         SET lc_time_names = 'zh_CN';
         INSERT INTO lc.t VALUES (2, DATE_FORMAT('2024-12-29', '%W %M %a %b'), MONTHNAME('2024-12-29'), DAYNAME('2024-12-29'));
         SET lc_time_names = 'ja_JP';
         INSERT INTO lc.t VALUES (3, FROM_UNIXTIME(1700000000, '%M %W'), MONTHNAME(NOW()), NULL);
         SET lc_time_names = DEFAULT;
         INSERT INTO lc.t VALUES (4, DATE_FORMAT('2024-01-01', '%W %M'), MONTHNAME('2024-01-01'), DAYNAME('2024-01-01'))",
    );
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_same_table_3(&m, &mdb, &r.datadir, "lc.t", "id");
    assert!(m
        .sql("SELECT f FROM lc.t WHERE id = 1")
        .contains("Dienstag 05. März 2024"));
    // The endpoint answers in the session's locale too.
    r.proc.wait_endpoint();
    let q = "SET lc_time_names = 'fr_FR'; SELECT DATE_FORMAT('2024-08-15', '%W %e %M %a %b'), MONTHNAME('2024-02-01'), DAYNAME('2024-02-04'), @@lc_time_names";
    assert_eq!(r.proc.sql(q).unwrap(), m.sql(q));
    let e = r.proc.sql("SET lc_time_names = 'xx_YY'").unwrap_err();
    assert!(
        e.contains("ERROR 1105") && e.contains("Unknown locale: 'xx_YY'"),
        "{e}"
    );
}

/// AUTO_INCREMENT counters are kept per table in the store and survive a SIGKILL: a
/// trigger's insert, which the master logs without an INSERT_ID, takes the table's
/// counter (past rows since deleted, moved by UPDATE, ALTER TABLE ... AUTO_INCREMENT and
/// TRUNCATE), as on a MariaDB replica; SHOW CREATE TABLE and information_schema.TABLES
/// show the counter the MariaDB replica shows.
fn auto_increment_counters(format: &str) {
    let m = statement_master(format);
    let mdb = mariadb_replica(&m, 103);
    let mut r = Replica::start(&m, &[]);
    let phases = [
        "CREATE DATABASE ai; USE ai;
         CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
         CREATE TABLE b (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
         CREATE TABLE c (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v INT) AUTO_INCREMENT=1000;
         CREATE TABLE n (id INT PRIMARY KEY) AUTO_INCREMENT=7;
         CREATE TABLE g (id INT PRIMARY KEY); INSERT INTO g VALUES (1), (5), (9);
         CREATE TRIGGER tb AFTER INSERT ON b FOR EACH ROW INSERT INTO a (v) VALUES (NEW.v);
         INSERT INTO a (v) VALUES (1), (2), (3), (4), (5);
         DELETE FROM a WHERE id > 2;
         INSERT INTO b (v) VALUES (10);
         INSERT INTO c (v) VALUES (1)",
        // After a SIGKILL of the replica.
        "USE ai;
         INSERT INTO b (v) VALUES (11), (12);
         UPDATE a SET id = id + 100 WHERE v = 12;
         DELETE FROM a WHERE id > 100;
         INSERT INTO b (v) VALUES (13);
         DELETE FROM a WHERE id > 100;
         ALTER TABLE a AUTO_INCREMENT = 5;
         INSERT INTO b (v) VALUES (14);
         ALTER TABLE a ADD COLUMN w INT NULL;
         DELETE FROM a ORDER BY id DESC LIMIT 1;
         INSERT INTO b (v) VALUES (15);
         ALTER TABLE c AUTO_INCREMENT = 5000;
         INSERT INTO c (v) VALUES (2);
         ALTER TABLE g MODIFY id INT NOT NULL AUTO_INCREMENT",
        "USE ai; TRUNCATE a; INSERT INTO b (v) VALUES (16), (17); DELETE FROM b ORDER BY id DESC LIMIT 2",
    ];
    let want_a = ["1,2,6", "1,2,6,7,9", "1,2"];
    for (i, (sql, want)) in phases.iter().zip(want_a).enumerate() {
        m.sql(sql);
        r.wait_applied(&m);
        wait_mariadb_replica(&mdb, &m);
        for t in ["ai.a", "ai.b", "ai.c", "ai.n", "ai.g"] {
            assert_same_table_3(&m, &mdb, &r.datadir, t, "id");
        }
        // The workload did what it says: the trigger's rows took the counter, not the
        // largest id + 1.
        assert_eq!(
            m.sql("SELECT GROUP_CONCAT(id ORDER BY id) FROM ai.a")
                .trim(),
            want,
            "phase {i}"
        );
        for t in ["a", "b", "c", "n", "g"] {
            let q = format!("SHOW CREATE TABLE ai.{t}");
            assert_eq!(
                r.proc.sql(&q).unwrap(),
                mdb.sql(&q).replace(" ENGINE=InnoDB", ""),
                "{q} in phase {i}"
            );
        }
        let q = "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ai' ORDER BY TABLE_NAME";
        assert_eq!(r.proc.sql(q).unwrap(), mdb.sql(q), "{q} in phase {i}");
        if i == 0 {
            r.proc.kill9();
            r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
        }
    }
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

#[test]
fn auto_increment_counters_in_statement_format() {
    auto_increment_counters("STATEMENT");
}

#[test]
fn auto_increment_counters_in_row_format() {
    auto_increment_counters("ROW");
}
