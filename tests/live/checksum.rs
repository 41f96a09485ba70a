//! Percona's pt-table-checksum (Debian package percona-toolkit) checking replicant as a
//! replica: the tool makes each replica replay, in statement format, `REPLACE INTO
//! percona.checksums ... SELECT ... CRC32(CONCAT_WS(...)) ... BIT_XOR ...` over each chunk
//! of each table, then reads the results back from the replica's endpoint. It must report
//! no difference and no error on a faithful replica, and the table a difference was made
//! in (on the master, with `sql_log_bin=0`) when there is one.

use std::process::Command;
use std::time::Duration;

use crate::support::process::run_with_timeout;
use crate::support::*;

/// pt-table-checksum's exit status bit for "a table differs" (its TABLE_DIFF).
const TABLE_DIFF: i32 = 16;

/// Runs pt-table-checksum on the master's `shop` database, with the replicas listed in
/// `percona.dsns`; returns (exit code, output).
fn checksum(m: &MariaDb) -> (i32, String) {
    let dsn = format!("h=127.0.0.1,P={},u=pt,p=pt", m.port());
    let mut cmd = Command::new("pt-table-checksum");
    cmd.arg(&dsn)
        .arg(format!("--recursion-method=dsn={dsn},D=percona,t=dsns"))
        .args(["--databases=shop", "--replicate=percona.checksums"])
        // Chunks of a few rows: several REPLACE ... SELECT statements per table.
        .args(["--chunk-size=4", "--no-check-plan", "--max-lag=5"])
        // replicant reports MariaDB's default binlog_format (MIXED), which differs from
        // the STATEMENT pt-table-checksum sets in its own session: a MariaDB replica with
        // default settings needs this flag too.
        .arg("--no-check-binlog-format");
    let out = run_with_timeout(&mut cmd, Duration::from_secs(300));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The ERRORS and DIFFS columns of `table`'s line in pt-table-checksum's report.
fn errors_and_diffs(report: &str, table: &str) -> (String, String) {
    let line = report
        .lines()
        .find(|l| l.split_whitespace().last() == Some(table))
        .unwrap_or_else(|| panic!("no line for {table} in:\n{report}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    // TS ERRORS DIFFS ROWS DIFF_ROWS CHUNKS SKIPPED TIME TABLE
    (f[1].to_string(), f[2].to_string())
}

#[test]
fn pt_table_checksum_sees_replicant_as_a_faithful_replica() {
    assert!(
        Command::new("pt-table-checksum")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "pt-table-checksum is missing: apt-get install -y percona-toolkit (scripts/test installs it)"
    );
    let m = MariaDb::start(MasterOpts::format("MIXED"));
    m.create_repl_user("repl", "repl");
    m.sql("CREATE USER pt@'%' IDENTIFIED BY 'pt'; GRANT ALL ON *.* TO pt@'%'");
    m.sql(
        "CREATE DATABASE shop;
         CREATE TABLE shop.item (id INT AUTO_INCREMENT PRIMARY KEY, sku VARCHAR(20) NOT NULL,
           qty INT NOT NULL DEFAULT 0, price DECIMAL(10,2) NULL, made DATETIME NULL,
           note TEXT NULL, UNIQUE KEY (sku));
         CREATE TABLE shop.log (n BIGINT UNSIGNED PRIMARY KEY, what VARCHAR(30));
         CREATE TABLE shop.empty (id INT PRIMARY KEY);
         CREATE TABLE shop.names (id INT PRIMARY KEY, name VARCHAR(30) CHARACTER SET latin1 NULL,
           city VARCHAR(30) CHARACTER SET utf8mb4 NULL);
         CREATE TABLE shop.latin (id INT PRIMARY KEY, name VARCHAR(30) NOT NULL) DEFAULT CHARSET=latin1;
         SET NAMES utf8mb4;
         INSERT INTO shop.names VALUES (1, 'café', '北京'), (2, 'Müller', 'Zürich'), (3, NULL, 'ascii'), (4, 'plain', NULL);
         INSERT INTO shop.latin VALUES (1, 'café'), (2, 'Ærø'), (3, 'plain')",
    );
    for i in 0..40 {
        m.sql(&format!(
            "INSERT INTO shop.item (sku, qty, price, made, note) VALUES ('s{i}', {}, {}.25, '2024-01-{:02} 10:00:00', {})",
            i * 7 % 13,
            i * 3,
            i % 28 + 1,
            if i % 3 == 0 { "NULL".to_string() } else { format!("'note {i}'") }
        ));
        m.sql(&format!(
            "INSERT INTO shop.log VALUES ({}, 'entry {i}')",
            u64::MAX - i
        ));
    }
    let mut r = Replica::start(
        &m,
        &[
            "--account=root@localhost ADMIN",
            "--account=pt@'%' IDENTIFIED BY 'pt' ADMIN",
        ],
    );
    r.proc.wait_endpoint();
    r.wait_applied(&m);
    m.sql(&format!(
        "CREATE DATABASE percona;
         CREATE TABLE percona.dsns (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, dsn VARCHAR(255) NOT NULL);
         INSERT INTO percona.dsns (dsn) VALUES ('h=127.0.0.1,P={},u=pt,p=pt')",
        r.proc.port()
    ));

    let (code, report) = checksum(&m);
    assert_eq!(code, 0, "pt-table-checksum found a problem:\n{report}");
    // (Text of latin1 columns is checksummed in latin1, as mysqld reads it.)
    for t in [
        "shop.item",
        "shop.log",
        "shop.empty",
        "shop.names",
        "shop.latin",
    ] {
        assert_eq!(
            errors_and_diffs(&report, t),
            ("0".into(), "0".into()),
            "{t}:\n{report}"
        );
    }
    // The checksums replicant computed are the master's, row for row.
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "percona.checksums", "db, tbl, chunk");

    // A change the binlog does not carry: the replica now differs in shop.item.
    m.sql("SET sql_log_bin = 0; UPDATE shop.item SET qty = qty + 1 WHERE id = 5");
    let (code, report) = checksum(&m);
    assert_eq!(
        code & TABLE_DIFF,
        TABLE_DIFF,
        "no difference reported:\n{report}"
    );
    assert_eq!(
        errors_and_diffs(&report, "shop.item"),
        ("0".into(), "1".into()),
        "{report}"
    );
    assert_eq!(errors_and_diffs(&report, "shop.log").1, "0", "{report}");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}
