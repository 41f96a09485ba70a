//! Table metadata on the endpoint against the master's own answers: SHOW COLUMNS /
//! DESCRIBE, SHOW FULL COLUMNS, SHOW INDEX, and SHOW CREATE TABLE text that MariaDB accepts
//! back and that recreates the same columns and keys.

use std::time::Duration;

use crate::support::*;

const TYPES_TABLE: &str = "CREATE TABLE db01.t_types (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  a TINYINT, b SMALLINT UNSIGNED NOT NULL DEFAULT 7, c MEDIUMINT, d INT UNSIGNED,
  e DECIMAL(10,2) DEFAULT 1.50, f FLOAT, g DOUBLE NOT NULL, h BIT(3),
  i CHAR(10) NOT NULL DEFAULT '', j VARCHAR(200) CHARACTER SET latin1, k BINARY(4),
  l VARBINARY(20), m TEXT, n MEDIUMBLOB, o ENUM('x','y''z') DEFAULT 'x', p SET('a','b'),
  q YEAR, r DATE, s TIME(3), t DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6), u TIMESTAMP NULL,
  v VARCHAR(5) COLLATE utf8mb4_bin NOT NULL,
  UNIQUE KEY uk (i), KEY kj (j(10), d), KEY kd (d)
) DEFAULT CHARSET=utf8mb4";

/// SHOW INDEX without Cardinality (a statistic replicant does not keep).
fn without_cardinality(rows: &str) -> String {
    rows.lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split('\t').collect();
            if f.len() > 6 {
                f[6] = "-";
            }
            f.join("\t") + "\n"
        })
        .collect()
}

#[test]
fn metadata_matches_the_master() {
    let m = master();
    seed_db01_user(&m);
    m.sql(TYPES_TABLE);
    m.sql("CREATE TABLE db01.nopk (a INT, b VARCHAR(3) NOT NULL, KEY (b, a))");
    let dir = tempfile::Builder::new()
        .prefix("rpl-meta-")
        .tempdir_in("/tmp")
        .unwrap();
    let mut r = Replicant::spawn(run_args(&dir.path().join("data"), m.port(), 102, &[]));
    r.wait_endpoint();
    let (_, pos) = m.master_status();
    assert!(
        wait_until(Duration::from_secs(120), || {
            r.client(&["-uroot"], "SHOW SLAVE STATUS\\G")
                .is_ok_and(|o| o.contains(&format!("Exec_Master_Log_Pos: {pos}\n")))
        }),
        "replica did not catch up"
    );
    for table in ["db01.user", "db01.t_types", "db01.nopk"] {
        for q in [
            format!("SHOW COLUMNS FROM {table}"),
            format!("DESCRIBE {table}"),
        ] {
            assert_eq!(r.sql(&q).unwrap(), m.sql(&q), "{q}");
        }
        // Privileges are the asking account's: replicant's accounts may only select.
        let q = format!("SHOW FULL COLUMNS FROM {table}");
        assert_eq!(
            r.sql(&q).unwrap(),
            m.sql(&q)
                .replace("select,insert,update,references", "select"),
            "{q}"
        );
        let q = format!("SHOW INDEX FROM {table}");
        assert_eq!(
            without_cardinality(&r.sql(&q).unwrap()),
            without_cardinality(&m.sql(&q)),
            "{q}"
        );
        // Our CREATE TABLE, run on the master in a scratch database (not logged), makes a
        // table with the same columns and keys.
        let create = r.sql(&format!("SHOW CREATE TABLE {table}")).unwrap();
        let ddl = create
            .split_once('\t')
            .map(|(_, d)| d.trim_end().replace("\\n", "\n"))
            .unwrap();
        let name = table.split('.').nth(1).unwrap();
        m.sql(&format!(
            "SET sql_log_bin=0; CREATE DATABASE IF NOT EXISTS scratch; USE scratch; {ddl}"
        ));
        for q in ["SHOW FULL COLUMNS FROM", "SHOW INDEX FROM"] {
            assert_eq!(
                without_cardinality(&m.sql(&format!("{q} scratch.{name}")))
                    .replace("scratch", "db01"),
                without_cardinality(&m.sql(&format!("{q} {table}"))),
                "{q} after recreating from:\n{ddl}"
            );
        }
    }
    // information_schema SCHEMATA, TABLES, STATISTICS as queryable tables.
    for q in [
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('db01', 'information_schema') ORDER BY SCHEMA_NAME",
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'db01' ORDER BY TABLE_NAME DESC",
        "SELECT TABLE_NAME, NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, NULLABLE, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'db01' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        "SELECT t.TABLE_NAME AS n FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = 'db01' AND t.TABLE_NAME LIKE 'N%' ORDER BY 1 LIMIT 1",
    ] {
        assert_eq!(r.sql(q).unwrap(), m.sql(q), "{q}");
    }
    let q = "SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'db01' ORDER BY TABLE_NAME, ORDINAL_POSITION";
    assert_eq!(
        r.sql(q).unwrap(),
        m.sql(q)
            .replace("select,insert,update,references", "select"),
        "{q}"
    );
    let e = r
        .sql("SELECT * FROM information_schema.ENGINES")
        .unwrap_err();
    assert!(e.contains("ERROR 1235 (42000)"), "{e}");
    // Aggregates and joins over information_schema go through the query engine.
    for q in [
        "USE information_schema; SELECT TABLE_SCHEMA, COUNT(*) FROM TABLES WHERE TABLE_SCHEMA = 'db01' GROUP BY TABLE_SCHEMA",
        "SELECT t.TABLE_NAME, COUNT(c.COLUMN_NAME) FROM information_schema.TABLES t JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = 'db01' GROUP BY t.TABLE_NAME ORDER BY t.TABLE_NAME",
    ] {
        assert_eq!(r.sql(q).unwrap(), m.sql(q), "{q}");
    }

    // SHOW RELAYLOG EVENTS: the master's events as the master itself lists them (minus
    // Log_name and Pos), after replicant's own FORMAT_DESCRIPTION and the artificial ROTATE.
    let relay = r.sql("SHOW RELAYLOG EVENTS").unwrap();
    let from_master: Vec<String> = relay
        .lines()
        .map(|l| l.splitn(3, '\t').nth(2).unwrap().to_string())
        .filter(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let own_fde = f[0] == "Format_desc" && f[1] == "102";
            let artificial_rotate = f[0] == "Rotate" && f[2] == "0";
            !own_fde && !artificial_rotate
        })
        .collect();
    let (file, _) = m.master_status();
    let master_events: Vec<String> = m
        .sql(&format!("SHOW BINLOG EVENTS IN '{file}'"))
        .lines()
        .map(|l| l.splitn(3, '\t').nth(2).unwrap().to_string())
        .collect();
    assert_eq!(from_master, master_events);
    let all: Vec<&str> = relay.lines().collect();
    let third_pos = all[2].split('\t').nth(1).unwrap();
    assert_eq!(
        r.sql(&format!(
            "SHOW RELAYLOG EVENTS IN 'relay-bin.000001' FROM {third_pos} LIMIT 1, 2"
        ))
        .unwrap(),
        format!("{}\n{}\n", all[3], all[4])
    );
    let err = r
        .sql("SHOW RELAYLOG EVENTS IN 'relay-bin.999999'")
        .unwrap_err();
    assert!(err.contains("ERROR 1220 (HY000)"), "{err}");
    assert_eq!(
        r.sql("USE db01; SHOW TABLES LIKE 't%'").unwrap(),
        "t_types\n"
    );
    let err = r.sql("SHOW COLUMNS FROM db01.nope").unwrap_err();
    assert!(
        err.contains("ERROR 1146 (42S02) at line 1: Table 'db01.nope' doesn't exist"),
        "{err}"
    );
    let err = r.sql("SHOW CREATE TABLE user").unwrap_err();
    assert!(err.contains("ERROR 1046 (3D000)"), "{err}");
    assert_eq!(
        r.sql("SHOW CREATE DATABASE db01").unwrap(),
        m.sql("SHOW CREATE DATABASE db01")
    );
    r.terminate();
}
