//! Randomized INSERT / UPDATE / DELETE with fixed seeds over tables with and without
//! primary keys (unique, secondary and composite keys too), under each binlog_row_image
//! and in STATEMENT format (replayed statements, also compared with a MariaDB replica),
//! and an ALTER TABLE while rows stream: the replica must end equal to the master.

use crate::support::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SCHEMA: &str = "CREATE DATABASE r DEFAULT CHARSET utf8mb4;
CREATE TABLE r.pk (id INT PRIMARY KEY, a INT, b VARCHAR(20), c DATETIME(2), t TEXT, UNIQUE KEY ua (a), KEY kb (b));
CREATE TABLE r.nopk (a INT, b VARCHAR(20), c INT, t TEXT);
CREATE TABLE r.comp (k1 INT NOT NULL, k2 VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (k2, k1), KEY (v));";

fn word(rng: &mut StdRng) -> String {
    const W: &[&str] = &[
        "alpha", "Beta", "gamma", "DELTA", "épsilon", "ζeta", "eta ", "", "theta", "iota",
    ];
    W[rng.gen_range(0..W.len())].to_string()
}

/// `n` transactions of random changes, as one SQL script.
fn workload(seed: u64, n: usize) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sql = String::new();
    for _ in 0..n {
        sql.push_str("BEGIN;\n");
        for _ in 0..rng.gen_range(1..6) {
            let id = rng.gen_range(0..200);
            let a = rng.gen_range(0..400);
            let w = word(&mut rng);
            let s = match rng.gen_range(0..12) {
                0..=2 => format!(
                    "INSERT IGNORE INTO r.pk (id, a, b, c, t) VALUES ({id}, {a}, '{w}', '2024-01-{:02} 10:00:00.{:02}', REPEAT('{w}', {}));",
                    rng.gen_range(1..29),
                    rng.gen_range(0..100),
                    rng.gen_range(0..50)
                ),
                3 => format!("UPDATE IGNORE r.pk SET a = {a}, b = '{w}' WHERE id = {id};"),
                4 => format!("UPDATE IGNORE r.pk SET id = id + 1 WHERE id = {id};"),
                5 => format!("DELETE FROM r.pk WHERE id BETWEEN {id} AND {};", id + 3),
                6 | 7 => format!(
                    "INSERT INTO r.nopk (a, b, c, t) VALUES ({}, '{w}', {}, {});",
                    a % 20,
                    a % 7,
                    if a % 3 == 0 { "NULL".to_string() } else { format!("'{w}{a}'") }
                ),
                8 => format!("UPDATE r.nopk SET c = c + 1 WHERE a = {} LIMIT 1;", a % 20),
                9 => format!("DELETE FROM r.nopk WHERE a = {} LIMIT 1;", a % 20),
                10 => format!(
                    "INSERT INTO r.comp VALUES ({}, '{}', {a}) ON DUPLICATE KEY UPDATE v = v + 1;",
                    id % 30,
                    &w.chars().take(5).collect::<String>()
                ),
                _ => format!("DELETE FROM r.comp WHERE v < {};", a / 4),
            };
            sql.push_str(&s);
            sql.push('\n');
        }
        sql.push_str(if rng.gen_range(0..10) == 0 {
            "ROLLBACK;\n"
        } else {
            "COMMIT;\n"
        });
    }
    sql
}

/// Compares a table as a multiset (no key decides the order).
fn assert_same_multiset(m: &MariaDb, datadir: &std::path::Path, table: &str) {
    let mut want: Vec<String> = m
        .sql(&format!("SELECT * FROM {table}"))
        .lines()
        .map(String::from)
        .collect();
    let mut got: Vec<String> = dump(datadir, table).lines().map(String::from).collect();
    want.sort();
    got.sort();
    assert_eq!(want.len(), got.len(), "{table}: row counts differ");
    assert!(
        want == got,
        "{table} differs:\nmaster:  {want:?}\nreplica: {got:?}"
    );
}

fn random_case(row_image: &str, seed: u64) {
    let m = MariaDb::start(MasterOpts {
        extra_args: vec![format!("--binlog-row-image={row_image}")],
        ..Default::default()
    });
    m.create_repl_user("repl", "repl");
    let mut r = Replica::start(&m, &[]);
    m.sql(SCHEMA);
    m.sql(&workload(seed, 400));
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "r.pk", "id");
    assert_same_table(&m, &r.datadir, "r.comp", "k2, k1");
    assert_same_multiset(&m, &r.datadir, "r.nopk");
}

#[test]
fn random_dml_in_statement_format() {
    let m = MariaDb::start(MasterOpts::format("STATEMENT"));
    m.create_repl_user("repl", "repl");
    let mdb = mariadb_replica(&m, 103);
    let mut r = Replica::start(&m, &[]);
    m.sql(SCHEMA);
    m.sql(&workload(4, 400));
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    assert_same_table_3(&m, &mdb, &r.datadir, "r.pk", "id");
    assert_same_table_3(&m, &mdb, &r.datadir, "r.comp", "k2, k1");
    assert_same_multiset(&m, &r.datadir, "r.nopk");
}

#[test]
fn random_dml_full_image() {
    random_case("FULL", 1);
}

#[test]
fn random_dml_minimal_image() {
    random_case("MINIMAL", 2);
}

#[test]
fn random_dml_noblob_image() {
    random_case("NOBLOB", 3);
}

/// ALTER TABLE statements land between row transactions; every row is copied into the new
/// shape and later rows follow the new TABLE_MAP.
#[test]
fn alter_table_while_rows_stream() {
    let m = master();
    let mut r = Replica::start(&m, &[]);
    m.sql(SCHEMA);
    m.sql(&workload(10, 100));
    m.sql("ALTER TABLE r.pk ADD COLUMN extra INT NOT NULL DEFAULT 7 AFTER a, ADD KEY ke (extra)");
    m.sql(&workload(11, 100));
    m.sql("ALTER TABLE r.pk MODIFY b VARCHAR(300), DROP KEY kb, ALGORITHM=COPY");
    m.sql("ALTER TABLE r.pk CHANGE c created DATETIME(2) FIRST");
    m.sql(&workload(12, 50).replace("(id, a, b, c, t)", "(id, a, b, created, t)"));
    m.sql("ALTER TABLE r.nopk ADD COLUMN n VARCHAR(5) DEFAULT 'x', DROP COLUMN c");
    m.sql("CREATE TABLE r.copy LIKE r.comp; INSERT INTO r.copy SELECT * FROM r.comp; RENAME TABLE r.comp TO r.comp_old, r.copy TO r.comp");
    m.sql("ALTER TABLE r.comp DROP PRIMARY KEY, ADD PRIMARY KEY (k1, k2); TRUNCATE r.comp_old; DROP TABLE r.comp_old");
    m.sql("CREATE INDEX kv ON r.comp (v); DROP INDEX kv ON r.comp; ALTER TABLE r.comp RENAME TO r.comp2");
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "r.pk", "id");
    assert_same_table(&m, &r.datadir, "r.comp2", "k1, k2");
    assert_same_multiset(&m, &r.datadir, "r.nopk");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

/// CREATE TABLE ... SELECT as MariaDB logs it in ROW format (the CREATE with its columns,
/// then the rows), table options and comments, and MariaDB's compressed binlog events.
#[test]
fn create_select_options_and_compressed_events() {
    let m = MariaDb::start(MasterOpts {
        extra_args: vec![
            "--log-bin-compress=ON".into(),
            "--log-bin-compress-min-len=10".into(),
        ],
        ..Default::default()
    });
    m.create_repl_user("repl", "repl");
    let mut r = Replica::start(&m, &[]);
    m.sql(SCHEMA);
    m.sql(&workload(20, 60));
    m.sql(
        "CREATE TABLE r.opts (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'key', \
         name VARCHAR(30) NOT NULL DEFAULT '' COMMENT 'the name', PRIMARY KEY (id)) \
         ENGINE=InnoDB AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci \
         ROW_FORMAT=DYNAMIC COMMENT='options table'",
    );
    m.sql("INSERT INTO r.opts (name) VALUES ('a'), ('b'), (REPEAT('c', 30))");
    m.sql("CREATE TABLE r.ctas ENGINE=InnoDB SELECT id, a, b FROM r.pk WHERE a > 100");
    m.sql("CREATE TABLE r.ctas2 (extra INT DEFAULT 5, PRIMARY KEY (id)) SELECT id, b FROM r.pk");
    m.sql("ALTER TABLE r.opts COMMENT='changed', ENGINE=InnoDB, AUTO_INCREMENT=5000");
    m.sql("INSERT INTO r.opts (name) VALUES ('d')");
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "r.pk", "id");
    assert_same_table(&m, &r.datadir, "r.opts", "id");
    assert_same_multiset(&m, &r.datadir, "r.ctas");
    assert_same_table(&m, &r.datadir, "r.ctas2", "id");
}

/// A group stamped with replicant's own server_id is its own change come back around a
/// replication ring: skipped, as mysqld does (replicate-same-server-id=0).
#[test]
fn own_server_id_events_are_skipped() {
    let m = master();
    let mut r = Replica::start(&m, &[]);
    m.sql(SCHEMA);
    m.sql("INSERT INTO r.comp VALUES (1, 'x', 1)");
    m.sql("SET SESSION server_id = 102; INSERT INTO r.comp VALUES (2, 'ring', 2)");
    m.sql("INSERT INTO r.comp VALUES (3, 'z', 3)");
    r.wait_applied(&m);
    assert_eq!(dump(&r.datadir, "r.comp"), "1\tx\t1\n3\tz\t3\n");
}
