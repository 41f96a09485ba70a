//! Replicant as a node of a replication tree (`log-bin` with `log_slave_updates`, the
//! dump server): real MariaDB replicas chained off it in file/position mode and in GTID
//! mode, and a second replicant chained off the first, while the top master runs a MIXED
//! workload with row and statement events and DDL, and the middle replicant is SIGKILLed.
//! Every table of every downstream node must end equal to the top master's.

use std::path::Path;
use std::time::Duration;

use crate::support::*;

const SCHEMA: &str = "CREATE DATABASE chain;
CREATE TABLE chain.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40) NOT NULL, n INT NOT NULL DEFAULT 0, KEY (n));
CREATE TABLE chain.u (id INT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(20) NOT NULL, w BIGINT NULL)";

/// Statements (MIXED logs most as statements), rows (the session's ROW format, and the
/// unsafe UUID()), DDL.
fn round(m: &MariaDb, r: usize) {
    m.sql(&format!(
        "INSERT INTO chain.t (v, n) VALUES ('s{r}a', {r}), ('s{r}b', {r} + 1);
         SET SESSION binlog_format = ROW;
         INSERT INTO chain.t (v, n) VALUES ('r{r}', {r} * 2);
         UPDATE chain.t SET n = n + 1 WHERE id % 3 = {m3};
         SET SESSION binlog_format = MIXED;
         INSERT INTO chain.u (k, w) VALUES (CONCAT('k', {r}), {r} * 1000), (LEFT(UUID(), 8), NULL);
         DELETE FROM chain.u WHERE w IS NULL AND k LIKE 'zz%';
         BEGIN; UPDATE chain.t SET v = CONCAT(v, '+') WHERE n > {r}; DELETE FROM chain.t WHERE n = {r} + 1 AND v LIKE 's%b%'; COMMIT",
        m3 = r % 3
    ));
}

/// `table` on a MariaDB server equals the master's, waiting for it to catch up.
fn wait_same_mariadb(m: &MariaDb, other: &MariaDb, table: &str, order: &str, what: &str) {
    let q = format!("SELECT * FROM {table} ORDER BY {order}");
    let want = m.sql(&q);
    let mut got = String::new();
    let ok = wait_until(Duration::from_secs(120), || {
        got = other.sql_result(&q).unwrap_or_default();
        got == want
    });
    assert!(
        ok,
        "{what}: {table} differs from the master's:\nmaster:\n{want}\n{what}:\n{got}\n{}",
        other.sql("SHOW SLAVE STATUS\\G")
    );
}

/// `table` in a replicant's store equals the master's, waiting for it to catch up.
fn wait_same_replicant(m: &MariaDb, datadir: &Path, table: &str, order: &str) {
    let want = m.sql(&format!("SELECT * FROM {table} ORDER BY {order}"));
    let mut got = String::new();
    let ok = wait_until(Duration::from_secs(120), || {
        // (The table may not be there yet.)
        let out = replicant_cmd(["table-dump", "--datadir", datadir.to_str().unwrap(), table]);
        got = String::from_utf8_lossy(&out.stdout).into_owned();
        out.status.success() && got == want
    });
    assert!(
        ok,
        "chained replicant: {table} differs from the master's:\nmaster:\n{want}\nreplicant:\n{got}\n{}",
        status_of(datadir)
    );
}

const MIDDLE: [&str; 5] = [
    "--log-bin=abin",
    "--log-slave-updates",
    "--account=root@localhost ADMIN",
    "--account=repl@% IDENTIFIED BY 'repl' ADMIN",
    "--account=reader@% IDENTIFIED BY 'r' READ",
];

#[test]
fn mariadb_and_replicant_replicas_chain_off_replicant() {
    let m = MariaDb::start(MasterOpts::format("MIXED"));
    m.create_repl_user("repl", "repl");
    m.sql(SCHEMA);
    let mut a = Replica::start(&m, &MIDDLE);
    let port = a.proc.port();
    a.proc.wait_endpoint();
    round(&m, 1);
    a.wait_applied(&m);
    // The first file is the one replicant started before any event (MariaDB's format,
    // no transactions); its successor has the master's FORMAT_DESCRIPTION.
    let by_pos = mariadb_replica_of(port, 103, "MASTER_LOG_FILE='abin.000001', MASTER_LOG_POS=4");
    let by_gtid = mariadb_replica_of(port, 105, "MASTER_USE_GTID=slave_pos");
    // A second replicant (server_id 104) replicating the first.
    let chained = {
        let dir = tempfile::Builder::new()
            .prefix("rpl-ap-")
            .tempdir_in("/tmp")
            .unwrap();
        let datadir = dir.path().join("data");
        let proc = Replicant::spawn(run_args(&datadir, port, 104, &["--master-connect-retry=1"]));
        Replica { proc, datadir, dir }
    };
    for r in 2..5 {
        round(&m, r);
    }
    m.sql("ALTER TABLE chain.t ADD COLUMN extra VARCHAR(10) NULL DEFAULT 'x'; CREATE INDEX vi ON chain.u (k)");
    // The middle replicant is SIGKILLed while the master writes; it comes back on the same
    // port and datadir, and everyone downstream reconnects.
    std::thread::scope(|sc| {
        let writer = sc.spawn(|| {
            for r in 5..25 {
                m.sql(&format!(
                    "INSERT INTO chain.t (v, n, extra) VALUES ('w{r}', {r}, 'y'); UPDATE chain.u SET w = w + 1 WHERE k = 'k1'"
                ));
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        std::thread::sleep(Duration::from_millis(150));
        a.proc.kill9();
        let mut args = run_args(&a.datadir, m.port(), 102, &MIDDLE);
        args.push(format!("--port={port}"));
        a.proc = Replicant::spawn(args);
        writer.join().unwrap();
    });
    round(&m, 30);
    a.wait_applied(&m);
    for (table, order) in [("chain.t", "id"), ("chain.u", "id")] {
        assert_same_table(&m, &a.datadir, table, order);
        wait_same_mariadb(&m, &by_pos, table, order, "file/position replica");
        wait_same_mariadb(&m, &by_gtid, table, order, "GTID replica");
        wait_same_replicant(&m, &chained.datadir, table, order);
    }
    let st = chained.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    // The GTID replica's position is the master's GTIDs, which kept their server_id.
    let master_gtid = m.sql("SELECT @@gtid_binlog_pos");
    assert_eq!(by_gtid.sql("SELECT @@gtid_slave_pos"), master_gtid);
    assert_eq!(a.proc.sql("SELECT @@gtid_binlog_pos").unwrap(), master_gtid);
    // SHOW MASTER STATUS and SHOW BINARY LOGS answer from the binlog.
    let ms = a.proc.sql("SHOW MASTER STATUS").unwrap();
    let last = a.proc.sql("SHOW BINARY LOGS").unwrap();
    let last_file = last
        .lines()
        .last()
        .unwrap_or_default()
        .split('\t')
        .next()
        .unwrap_or_default();
    assert!(ms.starts_with(&format!("{last_file}\t")), "{ms} / {last}");
    // mariadb-binlog reads replicant's binlog, the master's rows in it.
    let out = std::process::Command::new("mariadb-binlog")
        .args(["-v", "--base64-output=decode-rows"])
        .args(last.lines().map(|l| {
            a.datadir
                .join(l.split('\t').next().unwrap_or_default())
                .display()
                .to_string()
        }))
        .output()
        .expect("mariadb-binlog");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("### INSERT INTO `chain`.`t`"),
        "no rows in:\n{text}"
    );
    assert!(
        text.contains("ALTER TABLE chain.t ADD COLUMN extra"),
        "no DDL in:\n{text}"
    );
    // A position in no file: mysqld's 1236.
    let lost = mariadb_replica_of(port, 106, "MASTER_LOG_FILE='abin.000099', MASTER_LOG_POS=4");
    let mut st = String::new();
    assert!(
        wait_until(Duration::from_secs(30), || {
            st = lost.sql("SHOW SLAVE STATUS\\G");
            // (Values only: the CLI runs in batch mode without column names.)
            st.contains("\n1236\n")
        }),
        "{st}"
    );
    assert!(
        st.contains("Could not find first log file name in binary log index file"),
        "{st}"
    );
    // An account without REPLICATION SLAVE cannot dump.
    let reader = MariaDb::start(MasterOpts {
        server_id: 107,
        log_bin: false,
        ..MasterOpts::default()
    });
    reader.sql(&format!(
        "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={port}, MASTER_USER='reader', \
         MASTER_PASSWORD='r', MASTER_CONNECT_RETRY=1, MASTER_LOG_FILE='abin.000001', MASTER_LOG_POS=4; START SLAVE"
    ));
    assert!(
        wait_until(Duration::from_secs(30), || {
            st = reader.sql("SHOW SLAVE STATUS\\G");
            st.contains("REPLICATION SLAVE")
        }),
        "{st}"
    );
    drop(chained);
}

/// MySQL-flavored events through the dump server: MySQL servers' binlogs
/// (../shared/fixtures) served as replicant's binlog files, replicated by a second
/// replicant's receiver by file and position, applied to the end with the rows the files
/// hold (as the offline fixture test adds them up). Rows v2, MySQL GTIDs, JSON partial
/// updates, invisible columns and BIT come only from MySQL.
#[test]
fn mysql_binlogs_are_served_to_a_replicant() {
    let Some(dir) = mysql_fixtures("chain::mysql_binlogs_are_served_to_a_replicant") else {
        return;
    };
    let files = [
        ("binlog-invisible-columns.000001", 2),
        ("json-opaque.binlog", 8),
        ("json.binlog.000001", 6),
        ("mysql-enum-string-set.000001", 0),
        ("mysql_type_bit.000001", 1),
    ];
    for (f, rows) in files {
        // The upstream serves the file as its binlog; it replicates nothing itself.
        let (_up, a) = fixture_upstream(&dir, f);
        let down = tempfile::Builder::new()
            .prefix("rpl-fx-")
            .tempdir_in("/tmp")
            .unwrap();
        let ddata = down.path().join("data");
        let d = Replicant::spawn([
            "run".to_string(),
            format!("--datadir={}", ddata.display()),
            "--server-id=10".into(),
            "--master-host=127.0.0.1".into(),
            format!("--master-port={}", a.port()),
            "--master-user=root".into(),
            "--master-password=".into(),
            "--master-log-file=fx.000001".into(),
            "--master-log-pos=4".into(),
        ]);
        // Done when the receiver has moved on to the upstream's own next file and the
        // applier has applied everything received.
        let mut st = String::new();
        let ok = wait_until(Duration::from_secs(60), || {
            st = status_of(&ddata);
            (st.contains(" Master_Log_File: fx.000002\n")
                && st.contains("Slave has read all relay log"))
                || st.contains("Slave_SQL_Running: No")
        });
        assert!(
            ok && st.contains("Last_SQL_Errno: 0"),
            "{f}: {st}\n{}",
            d.stderr()
        );
        // Every table the file made (the account tables replicant keeps are not its own).
        let tables = d
            .sql(
                "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA NOT IN ('information_schema', 'mysql') \
                    OR TABLE_NAME NOT IN ('global_priv', 'db', 'tables_priv', 'columns_priv', 'roles_mapping', 'proxies_priv')",
            )
            .unwrap();
        assert!(!tables.trim().is_empty(), "{f}: no tables");
        let dumped: usize = tables
            .lines()
            .map(|t| dump(&ddata, t).lines().count())
            .sum();
        assert_eq!(dumped, rows, "{f}: rows in {tables}");
        if f == "json.binlog.000001" {
            let got = dump(&ddata, "mysql.t");
            assert!(
                got.starts_with(
                    "1\t{\"age\": 26, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}\tJoe\t26\n"
                ),
                "{got}"
            );
        }
        drop(d);
        drop(a);
    }
}

/// An upstream replicant serving MySQL binlog file `fixture` (../shared/fixtures) as its
/// binlog `fx.000001`.
fn fixture_upstream(dir: &Path, fixture: &str) -> (tempfile::TempDir, Replicant) {
    let up = tempfile::Builder::new()
        .prefix("rpl-fx-")
        .tempdir_in("/tmp")
        .unwrap();
    let data = up.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(dir.join(fixture), data.join("fx.000001")).unwrap();
    std::fs::write(data.join("fx.index"), "./fx.000001\n").unwrap();
    let mut a = Replicant::spawn([
        "run".to_string(),
        format!("--datadir={}", data.display()),
        "--server-id=9".into(),
        "--log-bin=fx".into(),
        "--log-slave-updates".into(),
        "--skip-slave-start".into(),
    ]);
    a.wait_endpoint();
    (up, a)
}

/// `replicant run` replicating the upstream at `port` by GTID (MASTER_AUTO_POSITION=1).
fn by_gtid(ddata: &Path, port: u16, extra: &[&str]) -> Replicant {
    let mut args = vec![
        "run".to_string(),
        format!("--datadir={}", ddata.display()),
        "--server-id=10".into(),
        "--master-host=127.0.0.1".into(),
        format!("--master-port={port}"),
        "--master-user=root".into(),
        "--master-password=".into(),
        "--master-auto-position".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Replicant::spawn(args)
}

/// MySQL's GTID dump, both ends: a replicant with MASTER_AUTO_POSITION=1 asks an upstream
/// replicant serving a MySQL server's binlog by COM_BINLOG_DUMP_GTID, applies it, keeps
/// the MySQL GTID set it executed, and after a SIGKILL and relay_log_recovery asks again
/// with that set: the upstream leaves out every transaction it has (applying one again
/// would stop on its CREATE TABLE). Its own binlog's next file starts with that set as
/// PREVIOUS_GTIDS. An upstream whose oldest file's PREVIOUS_GTIDS the replica lacks
/// answers mysqld's 1236.
#[test]
fn mysql_gtid_dump_serves_a_replicant_by_gtid() {
    let Some(dir) = mysql_fixtures("chain::mysql_gtid_dump_serves_a_replicant_by_gtid") else {
        return;
    };
    let (_up, a) = fixture_upstream(&dir, "binlog-invisible-columns.000001");
    let down = tempfile::Builder::new()
        .prefix("rpl-fx-")
        .tempdir_in("/tmp")
        .unwrap();
    let ddata = down.path().join("data");
    let logbin = ["--log-bin=down", "--log-slave-updates"];
    let mut d = by_gtid(&ddata, a.port(), &logbin);
    let uuid = "97c7af02-4c50-11ec-acd8-681842034964";
    // The file's five transactions are applied.
    let executed = format!("{uuid}:1-5");
    let caught_up = |st: &str| st.contains(&format!("Gtid_Slave_Pos: {executed}\n"));
    // (A status file not written yet says nothing: errors are numbers other than 0.)
    let failed = |st: &str| {
        ["Last_SQL_Errno: ", "Last_IO_Errno: "]
            .iter()
            .any(|k| st.contains(k) && !st.contains(&format!("{k}0\n")))
    };
    let mut st = String::new();
    let ok = wait_until(Duration::from_secs(60), || {
        st = status_of(&ddata);
        caught_up(&st) || failed(&st)
    });
    assert!(ok && !failed(&st), "{st}\n{}", d.stderr());
    assert_eq!(dump(&ddata, "mysql.t1").lines().count(), 2, "{st}");
    // The downstream's next binlog file starts with the set as PREVIOUS_GTIDS.
    d.wait_endpoint();
    d.sql("FLUSH BINARY LOGS").unwrap();
    // What a MySQL replica of it asks before dumping by GTID.
    assert_eq!(
        d.sql("SELECT @@GLOBAL.gtid_mode, @@GLOBAL.gtid_executed")
            .unwrap()
            .trim(),
        format!("ON\t{executed}")
    );
    // (The first MySQL transaction started a file of MySQL's format; FLUSH the next.)
    let newest = index_files(&ddata, "down").pop().unwrap();
    let bytes = std::fs::read(&newest).unwrap();
    let mut r = ::replicant::binlog::file::BinlogReader::open(&newest).unwrap();
    let mut previous = None;
    while let Ok(Some((_, ev))) = r.next_event() {
        if ev.header.type_code == ::replicant::binlog::event::EventType::PreviousGtids as u8 {
            previous = Some(
                ::replicant::binlog::gtid_set::GtidSet::decode(ev.body())
                    .unwrap()
                    .to_string(),
            );
        }
    }
    assert_eq!(
        previous.as_deref(),
        Some(executed.as_str()),
        "{} bytes",
        bytes.len()
    );

    // SIGKILL; the relay log is discarded at start-up and the set asked for again.
    d.kill9();
    let d = by_gtid(&ddata, a.port(), &["--relay-log-recovery"]);
    let ok = wait_until(Duration::from_secs(60), || {
        st = status_of(&ddata);
        (caught_up(&st) && st.contains("Slave_IO_Running: Yes")) || failed(&st)
    });
    assert!(ok && !failed(&st), "{st}\n{}", d.stderr());
    assert!(
        d.stderr().contains("binlog dump by GTID started"),
        "{}",
        d.stderr()
    );
    assert_eq!(dump(&ddata, "mysql.t1").lines().count(), 2, "{st}");
    drop(d);

    // An upstream whose binlog starts after GTIDs the replica does not have.
    let (_up2, b) = fixture_upstream(&dir, "binlog_transaction_previous_GTID_no_tag.000001");
    let empty = tempfile::Builder::new()
        .prefix("rpl-fx-")
        .tempdir_in("/tmp")
        .unwrap();
    let edata = empty.path().join("data");
    let e = by_gtid(&edata, b.port(), &[]);
    let ok = wait_until(Duration::from_secs(30), || {
        st = status_of(&edata);
        st.contains("Last_IO_Errno: 1236")
    });
    assert!(ok, "{st}\n{}", e.stderr());
    assert!(st.contains("purged required binary logs"), "{st}");
    assert!(st.contains("the missing transactions are '"), "{st}");
}
