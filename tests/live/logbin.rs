//! Replicant's own binlog against a real MariaDB master: it holds every applied
//! transaction exactly once through SIGKILLs (the master's GTIDs, in order, nothing
//! doubled or lost), leaves out what filters kept from being applied and what
//! binlog-ignore-db names, and answers FLUSH / PURGE BINARY LOGS, SHOW BINLOG EVENTS,
//! RESET MASTER and heartbeats as mysqld.

use std::time::Duration;

use crate::support::*;

#[test]
fn the_binlog_holds_each_applied_transaction_once_through_sigkills() {
    let m = master();
    let extra = [
        "--log-bin=kb",
        "--log-slave-updates",
        "--max-binlog-size=64K",
    ];
    let mut r = Replica::start(&m, &extra);
    m.sql("CREATE DATABASE k; CREATE TABLE k.t (id INT PRIMARY KEY, v VARCHAR(200), n INT)");
    std::thread::scope(|sc| {
        let writer = sc.spawn(|| {
            for b in 0..60 {
                let mut q = String::new();
                for i in 0..20 {
                    let id = b * 20 + i;
                    q.push_str(&format!(
                        "INSERT INTO k.t VALUES ({id}, REPEAT('v', {}), {b}); ",
                        50 + id % 100
                    ));
                }
                q.push_str(&format!(
                    "BEGIN; UPDATE k.t SET n = n + 1 WHERE id % 7 = {}; DELETE FROM k.t WHERE id = {}; COMMIT",
                    b % 7,
                    b * 20
                ));
                m.sql(&q);
            }
        });
        // SIGKILLs while transactions stream in, each restart cutting the binlog back to
        // what the store committed.
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(600));
            r.proc.kill9();
            r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &extra));
        }
        writer.join().unwrap();
    });
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "k.t", "id");
    let ours = binlog_gtids(&index_files(&r.datadir, "kb"));
    let masters = binlog_gtids(&m.binlog_files());
    assert!(ours.len() > 1000, "{} transactions logged", ours.len());
    assert_eq!(
        ours, masters,
        "replicant's binlog is not the master's transactions, once each"
    );
    // Rotation at max_binlog_size happened, every file readable.
    assert!(index_files(&r.datadir, "kb").len() > 3);
}

#[test]
fn filtered_and_binlog_ignored_changes_stay_out_of_the_binlog() {
    let m = MariaDb::start(MasterOpts::format("MIXED"));
    m.create_repl_user("repl", "repl");
    let extra = [
        "--log-bin=fb",
        "--log-slave-updates",
        "--replicate-ignore-db=skipped",
        "--binlog-ignore-db=unlogged",
        "--account=root@localhost ADMIN",
        "--account=repl@% IDENTIFIED BY 'repl' ADMIN",
    ];
    let mut r = Replica::start(&m, &extra);
    m.sql(
        "CREATE DATABASE kept; CREATE DATABASE skipped; CREATE DATABASE unlogged;
         CREATE TABLE kept.t (id INT PRIMARY KEY);
         USE skipped; CREATE TABLE t (id INT PRIMARY KEY);
         USE unlogged; CREATE TABLE t (id INT PRIMARY KEY);
         USE kept; INSERT INTO t VALUES (1);
         USE skipped; INSERT INTO t VALUES (2);
         USE unlogged; INSERT INTO t VALUES (3);
         SET SESSION binlog_format = ROW;
         INSERT INTO kept.t VALUES (4); INSERT INTO skipped.t VALUES (5); INSERT INTO unlogged.t VALUES (6);
         BEGIN; INSERT INTO kept.t VALUES (7); INSERT INTO unlogged.t VALUES (8); COMMIT;
         UPDATE kept.t k, unlogged.t u SET k.id = k.id + 100, u.id = u.id + 100 WHERE k.id = 7 AND u.id = 8;
         INSERT INTO kept.t VALUES (11)",
    );
    r.wait_applied(&m);
    // Applied: kept and unlogged; not skipped.
    assert_eq!(dump(&r.datadir, "kept.t"), "1\n4\n11\n107\n");
    assert_eq!(dump(&r.datadir, "unlogged.t"), "3\n6\n108\n");
    // A MariaDB replica of replicant applies what was logged: the multi-table UPDATE's
    // statement ends with its kept.t rows (the unlogged.t rows that ended it are left
    // out), and what follows applies too.
    let d = mariadb_replica_of(
        r.proc.port(),
        103,
        "MASTER_LOG_FILE='fb.000001', MASTER_LOG_POS=4",
    );
    let mut got = String::new();
    assert!(
        wait_until(Duration::from_secs(60), || {
            got = d
                .sql_result("SELECT * FROM kept.t ORDER BY id")
                .unwrap_or_default();
            got == "1\n4\n11\n107\n"
        }),
        "{got}\n{}",
        d.sql("SHOW SLAVE STATUS\\G")
    );
    assert!(d.sql_result("SELECT COUNT(*) FROM unlogged.t").is_err());
    d.sql("STOP SLAVE");
    let out = std::process::Command::new("mariadb-binlog")
        .args(["-v", "--base64-output=decode-rows"])
        .args(index_files(&r.datadir, "fb"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("INSERT INTO t VALUES (1)"), "{text}");
    assert!(text.contains("### INSERT INTO `kept`.`t`"), "{text}");
    for gone in [
        "VALUES (2)",
        "VALUES (3)",
        "`skipped`.`t`",
        "`unlogged`.`t`",
        "CREATE DATABASE skipped",
        // (CREATE DATABASE is judged by the database it names, as mysqld does.)
        "CREATE DATABASE unlogged",
    ] {
        assert!(
            !text.contains(gone),
            "{gone} is in replicant's binlog:\n{text}"
        );
    }
    // The mixed transaction keeps its kept.t row.
    assert!(text.contains("@1=7"), "{text}");

    // FLUSH BINARY LOGS starts a file; SHOW BINARY LOGS lists it; PURGE removes the older.
    let before = r.proc.sql("SHOW BINARY LOGS").unwrap();
    r.proc.sql("FLUSH BINARY LOGS").unwrap();
    let after = r.proc.sql("SHOW BINARY LOGS").unwrap();
    assert_eq!(after.lines().count(), before.lines().count() + 1, "{after}");
    let last = after
        .lines()
        .last()
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    let status = r.proc.sql("SHOW MASTER STATUS").unwrap();
    assert!(status.starts_with(&format!("{last}\t")), "{status}");
    let events = r
        .proc
        .sql(&format!("SHOW BINLOG EVENTS IN '{last}'"))
        .unwrap();
    assert!(
        events.contains("Format_desc") && events.contains("Gtid_list"),
        "{events}"
    );
    r.proc
        .sql(&format!("PURGE BINARY LOGS TO '{last}'"))
        .unwrap();
    assert_eq!(
        r.proc.sql("SHOW BINARY LOGS").unwrap().lines().count(),
        1,
        "PURGE left files"
    );
    assert!(!r.datadir.join("fb.000001").exists());
    let e = r.proc.sql("PURGE BINARY LOGS TO 'fb.000077'").unwrap_err();
    assert!(e.contains("1373"), "{e}");
    // A GTID replica starting from nothing needs the purged files: mysqld's 1236.
    d.sql("RESET SLAVE ALL");
    d.sql(&format!(
        "SET GLOBAL gtid_slave_pos = ''; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, \
         MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_CONNECT_RETRY=1, \
         MASTER_USE_GTID=slave_pos; START SLAVE",
        r.proc.port()
    ));
    let mut st = String::new();
    assert!(
        wait_until(Duration::from_secs(30), || {
            st = d.sql("SHOW SLAVE STATUS\\G");
            st.contains("\n1236\n")
        }),
        "{st}"
    );
    assert!(
        st.contains("Could not find GTID state requested by slave in any binlog files"),
        "{st}"
    );
    // A replica past the binlog's end (it diverged): mariadbd's 1236 too.
    d.sql("STOP SLAVE; SET GLOBAL gtid_slave_pos = '0-1-999999'; START SLAVE");
    assert!(
        wait_until(Duration::from_secs(30), || {
            st = d.sql("SHOW SLAVE STATUS\\G");
            st.contains("start from GTID 0-1-999999, which is not in the master's binlog")
        }),
        "{st}"
    );
    d.sql("STOP SLAVE");
    // Transactions go on into the new file, and a restart keeps going from there.
    m.sql("INSERT INTO kept.t VALUES (9)");
    r.wait_applied(&m);
    r.proc.terminate();
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &extra));
    m.sql("INSERT INTO kept.t VALUES (10)");
    r.wait_applied(&m);
    let gtids = binlog_gtids(&index_files(&r.datadir, "fb"));
    let master = m.sql("SELECT @@gtid_binlog_pos");
    assert_eq!(gtids.last().map(String::as_str), Some(master.trim()));
    // RESET MASTER: one empty first file.
    r.proc.sql("RESET MASTER").unwrap();
    let logs = r.proc.sql("SHOW BINARY LOGS").unwrap();
    assert!(logs.starts_with("fb.000001\t"), "{logs}");
    assert_eq!(logs.lines().count(), 1);
    assert_eq!(r.proc.sql("SELECT @@gtid_binlog_pos").unwrap().trim(), "");
}

#[test]
fn an_idle_dump_sends_heartbeats_and_a_second_dump_replaces_the_first() {
    let m = master();
    let extra = [
        "--log-bin=hb",
        "--log-slave-updates",
        "--account=repl@% IDENTIFIED BY 'repl' ADMIN",
        "--account=root@localhost ADMIN",
    ];
    let mut r = Replica::start(&m, &extra);
    r.proc.wait_endpoint();
    m.sql("CREATE DATABASE h; CREATE TABLE h.t (id INT PRIMARY KEY); INSERT INTO h.t VALUES (1)");
    r.wait_applied(&m);
    let d = mariadb_replica_of(
        r.proc.port(),
        103,
        "MASTER_HEARTBEAT_PERIOD=0.2, MASTER_LOG_FILE='hb.000001', MASTER_LOG_POS=4",
    );
    let beats = || -> u64 {
        d.sql("SHOW GLOBAL STATUS LIKE 'Slave_received_heartbeats'")
            .split('\t')
            .nth(1)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(30), || beats() >= 3),
        "no heartbeats: {}",
        d.sql("SHOW SLAVE STATUS\\G")
    );
    assert_eq!(d.sql("SELECT * FROM h.t"), "1\n");
    // SHOW SLAVE HOSTS lists it.
    let hosts = r.proc.sql("SHOW SLAVE HOSTS").unwrap();
    assert!(hosts.starts_with("103\t"), "{hosts}");
    // A second replica with the same server_id takes the dump over (mysqld ends the
    // first); the first reconnects and takes it back, and both keep receiving.
    let twin = mariadb_replica_of(
        r.proc.port(),
        103,
        "MASTER_LOG_FILE='hb.000001', MASTER_LOG_POS=4",
    );
    assert!(
        wait_until(Duration::from_secs(30), || twin
            .sql_result("SELECT * FROM h.t")
            .unwrap_or_default()
            == "1\n"),
        "{}",
        twin.sql("SHOW SLAVE STATUS\\G")
    );
    let dumps = || {
        r.proc
            .sql("SHOW PROCESSLIST")
            .unwrap()
            .matches("Binlog Dump")
            .count()
            .to_string()
    };
    assert!(
        wait_until(Duration::from_secs(10), || dumps() == "1"),
        "dumps for one server_id: {}",
        dumps()
    );
    // A replica that registers and goes without dumping leaves SHOW SLAVE HOSTS too.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = r.proc.port();
    rt.block_on(async {
        let mut c = ::replicant::wire::client::Connection::connect(&client_opts(port, "root", ""))
            .await
            .unwrap();
        c.register_slave(777, "gone-host", 3307).await.unwrap();
        let hosts = r.proc.sql("SHOW SLAVE HOSTS").unwrap();
        assert!(hosts.contains("777\tgone-host\t3307"), "{hosts}");
    });
    assert!(
        wait_until(Duration::from_secs(10), || !r
            .proc
            .sql("SHOW SLAVE HOSTS")
            .unwrap()
            .contains("777\t")),
        "{}",
        r.proc.sql("SHOW SLAVE HOSTS").unwrap()
    );
}

/// Rows the applier skipped under `slave_skip_errors` (the seed's slaves list 1062) are
/// not in replicant's binlog, as mysqld logs only the rows it applied: a MariaDB replica
/// of replicant without skip rules applies the rest of the rows event and ends equal to
/// replicant (given the whole event, it would stop on the same duplicate key).
#[test]
fn rows_skipped_under_slave_skip_errors_stay_out_of_the_binlog() {
    let m = master();
    let extra = [
        "--log-bin=sk",
        "--log-slave-updates",
        "--slave-skip-errors=1062",
        "--account=repl@% IDENTIFIED BY 'repl' ADMIN",
        "--account=root@localhost ADMIN",
    ];
    let mut r = Replica::start(&m, &extra);
    r.proc.wait_endpoint();
    // Row 2 stays on the replicas only: the master deletes it without logging.
    m.sql(
        "CREATE DATABASE sk; CREATE TABLE sk.t (id INT PRIMARY KEY, v VARCHAR(10));
         INSERT INTO sk.t VALUES (2, 'replicas');
         SET sql_log_bin = 0; DELETE FROM sk.t WHERE id = 2",
    );
    r.wait_applied(&m);
    let d = mariadb_replica_of(
        r.proc.port(),
        103,
        "MASTER_LOG_FILE='sk.000001', MASTER_LOG_POS=4",
    );
    // One rows event of three rows, the second a duplicate on the replicas; then more.
    m.sql("INSERT INTO sk.t VALUES (1, 'a'), (2, 'b'), (3, 'c'); INSERT INTO sk.t VALUES (4, 'd')");
    r.wait_applied(&m);
    assert_eq!(dump(&r.datadir, "sk.t"), "1\ta\n2\treplicas\n3\tc\n4\td\n");
    let mut got = String::new();
    assert!(
        wait_until(Duration::from_secs(30), || {
            got = d.sql("SELECT * FROM sk.t ORDER BY id");
            got == "1\ta\n2\treplicas\n3\tc\n4\td\n"
        }),
        "{got}\n{}",
        d.sql("SHOW SLAVE STATUS\\G")
    );
    let st = d.sql("SHOW SLAVE STATUS\\G");
    assert!(!st.contains("\n1062\n"), "{st}");
    assert!(
        r.status().contains("Slave_Skipped_Errors: 1"),
        "{}",
        r.status()
    );
}

/// An event over 16 MiB (a row of a 20 MiB LONGBLOB) crosses replicant whole: received in
/// split packets, logged, and served to a MariaDB replica split across packets again.
#[test]
fn an_event_over_16_mib_is_served_split_across_packets() {
    let m = MariaDb::start(MasterOpts {
        extra_args: vec!["--max-allowed-packet=64M".into()],
        ..MasterOpts::default()
    });
    m.create_repl_user("repl", "repl");
    let extra = [
        "--log-bin=big",
        "--log-slave-updates",
        "--account=repl@% IDENTIFIED BY 'repl' ADMIN",
        "--account=root@localhost ADMIN",
    ];
    let mut r = Replica::start(&m, &extra);
    r.proc.wait_endpoint();
    m.sql("CREATE DATABASE big; CREATE TABLE big.t (id INT PRIMARY KEY, b LONGBLOB)");
    r.wait_applied(&m);
    let d = mariadb_replica_of(
        r.proc.port(),
        103,
        "MASTER_LOG_FILE='big.000001', MASTER_LOG_POS=4",
    );
    m.sql("INSERT INTO big.t VALUES (1, REPEAT('x', 20 * 1024 * 1024)), (2, 'small')");
    r.wait_applied(&m);
    // The rows event in replicant's binlog is over 16 MiB (the master's first event
    // started a file of its own format: read them all).
    let events: String = r
        .proc
        .sql("SHOW BINARY LOGS")
        .unwrap()
        .lines()
        .filter_map(|l| l.split('\t').next())
        .map(|f| r.proc.sql(&format!("SHOW BINLOG EVENTS IN '{f}'")).unwrap())
        .collect();
    let biggest = events
        .lines()
        .filter(|l| l.contains("Write_rows"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some(f.get(4)?.parse::<u64>().ok()? - f.get(1)?.parse::<u64>().ok()?)
        })
        .max()
        .unwrap_or(0);
    assert!(biggest > 16 << 20, "{biggest} bytes:\n{events}");
    let q = "SELECT id, LENGTH(b), MD5(b) FROM big.t ORDER BY id";
    let want = m.sql(q);
    let mut got = String::new();
    assert!(
        wait_until(Duration::from_secs(60), || {
            got = d.sql_result(q).unwrap_or_default();
            got == want
        }),
        "{got}\n{}",
        d.sql("SHOW SLAVE STATUS\\G")
    );
    // (Compared by length and digest: the client's packet limit is 16 MiB.)
    assert_eq!(r.proc.sql(q).unwrap(), want);
}
