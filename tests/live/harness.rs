//! Self-test of tests/support: throwaway masters start, hold the seed's data, write
//! binlogs, restart, and vanish when dropped.

use std::time::Duration;

use crate::support::*;

#[test]
fn seeded_master_serves_rows_and_is_gone_after_drop() {
    let db = MariaDb::start(MasterOpts::default());
    seed_db01_user(&db);
    assert_eq!(
        db.sql("SELECT * FROM db01.user ORDER BY id"),
        DB01_USER_ROWS
    );
    assert_eq!(
        db.sql("SELECT @@binlog_format, @@binlog_checksum, @@server_id, @@log_bin"),
        "ROW\tCRC32\t1\t1\n"
    );

    let files = db.binlog_files();
    assert!(!files.is_empty(), "no binlog files");
    assert!(files.iter().all(|f| f.is_file()), "{files:?}");
    let (file, pos) = db.master_status();
    assert_eq!(file, "master-bin.000001");
    assert_eq!(files.last().unwrap().file_name().unwrap(), file.as_str());
    assert!(pos > 4);

    let lines = row_and_statement_lines(&mariadb_binlog_decode(&files[0]));
    assert!(
        lines.contains(&"create database db01".to_string()),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("create table user(\n")),
        "{lines:#?}"
    );
    let tom = [
        "### INSERT INTO `db01`.`user`",
        "### SET",
        "###   @1=1",
        "###   @2='Tom'",
    ];
    let at = lines
        .iter()
        .position(|l| l == tom[0])
        .expect("Tom's insert");
    assert_eq!(lines[at..at + 4], tom);

    let (pid, port, dir) = (db.pid().unwrap(), db.port(), db.dir().to_path_buf());
    assert!(port_open(port));
    drop(db);
    assert!(!pid_alive(pid), "mariadbd {pid} still alive");
    assert!(!port_open(port), "port {port} still open");
    assert!(!dir.exists(), "{} not removed", dir.display());
}

#[test]
fn statement_master_survives_kill9_and_restart() {
    let mut db = MariaDb::start(MasterOpts {
        server_id: 7,
        binlog_checksum: "NONE".into(),
        ..MasterOpts::format("STATEMENT")
    });
    seed_db01_user(&db);
    let port = db.port();

    db.kill9();
    assert!(!db.is_running());
    assert!(!port_open(port));
    db.start_again();
    assert_eq!(db.port(), port);
    assert_eq!(
        db.sql("SELECT * FROM db01.user ORDER BY id"),
        DB01_USER_ROWS
    );

    db.restart();
    assert_eq!(db.sql("SELECT COUNT(*) FROM db01.user"), "3\n");
    assert_eq!(db.binlog_files().len(), 3, "each start opens a new binlog");
    assert_eq!(db.master_status().0, "master-bin.000003");

    let first = mariadb_binlog_decode(&db.binlog_files()[0]);
    let lines = row_and_statement_lines(&first);
    assert!(
        lines.contains(&"insert into user(id,name,sex) values(null,'Dawn','1')".to_string()),
        "{lines:#?}"
    );
    assert!(lines.contains(&"SET INSERT_ID=3".to_string()), "{lines:#?}");
}

#[test]
fn master_without_binlog_starts() {
    let db = MariaDb::start(MasterOpts {
        log_bin: false,
        ..Default::default()
    });
    assert_eq!(db.sql("SELECT @@log_bin"), "0\n");
    assert_eq!(db.sql("SHOW MASTER STATUS"), "");
}

#[test]
fn replication_users_log_in_over_tcp() {
    let db = MariaDb::start(MasterOpts::default());
    db.create_repl_user("repl", "repl");
    db.create_repl_user_native("native", "pw");
    for (user, pw) in [("repl", "repl"), ("native", "pw")] {
        let who = db.sql_as(user, pw, "SELECT CURRENT_USER()").unwrap();
        assert_eq!(who, format!("{user}@%\n"));
    }
    assert!(db.sql_as("repl", "wrong", "SELECT 1").is_err());
    // MariaDB 10.5+ shows REPLICATION CLIENT under its new name, BINLOG MONITOR.
    let grants = db.sql("SHOW GRANTS FOR 'repl'@'%'");
    assert!(
        grants.contains("REPLICATION SLAVE, BINLOG MONITOR"),
        "{grants}"
    );
    db.create_repl_user_ed25519("ed", "secret");
    assert_eq!(db.sql_as("ed", "secret", "SELECT 1").unwrap(), "1\n");
}

#[test]
fn sysbench_writes_through_the_binlog() {
    let db = MariaDb::start(MasterOpts::default());
    let out = sysbench(
        &db,
        &SysbenchOpts {
            time_secs: 2,
            table_size: 100,
            ..Default::default()
        },
    );
    assert!(out.contains("transactions:"), "{out}");
    assert_eq!(db.sql("SELECT COUNT(*) FROM sbtest.sbtest1"), "100\n");
    let (_, pos) = db.master_status();
    assert!(pos > 10_000, "binlog barely grew: {pos}");
}

#[test]
fn replicant_helper_captures_output_and_exit() {
    let out = replicant_cmd(["--help"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Usage:") && text.contains("run"), "{text}");
    // A spawned daemon's exit code and both streams are captured.
    let mut r = Replicant::spawn(["run", "--no-such-option"]);
    let status = r.wait_exit(Duration::from_secs(30)).expect("exited");
    assert_eq!(status.code(), Some(2), "clap's usage error");
    assert!(r.stderr().contains("--no-such-option"), "{}", r.stderr());
    assert!(r.stdout().is_empty(), "{}", r.stdout());
}

/// The comparison rules, on a decode excerpt (MariaDB 10.11's output format).
#[test]
fn row_and_statement_rules() {
    let text = "\
/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;
DELIMITER /*!*/;
# at 4
#261124 12:02:52 server id 1  end_log_pos 256 CRC32 0x595d963d 	Start: binlog v 4, server v 10.11 created 261124 12:02:52 at startup
ROLLBACK/*!*/;
# at 1034
#261124 12:03:38 server id 1  end_log_pos 1264 CRC32 0x0051325a 	Query	thread_id=12	exec_time=0	error_code=0	xid=27
use `db01`/*!*/;
SET TIMESTAMP=1795521818/*!*/;
SET @@session.sql_mode=1411383296/*!*/;
/*!\\C utf8mb3 *//*!*/;
create table t(
# not a comment: part of the statement
a int)
/*!*/;
# at 1264
#261124 12:03:38 server id 1  end_log_pos 1306 CRC32 0x05ee3e48 	GTID 0-1-6 trans
/*M!100001 SET @@session.gtid_seq_no=6*//*!*/;
START TRANSACTION
/*!*/;
# at 1306
#261124 12:03:38 server id 1  end_log_pos 1381 CRC32 0x6a5883e9 	Annotate_rows:
#Q> insert into t values(1)
#261124 12:03:38 server id 1  end_log_pos 1478 CRC32 0x4cbdf36e 	Write_rows: table id 22 flags: STMT_END_F
### INSERT INTO `db01`.`t`
### SET
###   @1=1
# Number of rows: 1
# at 1478
#261124 12:03:38 server id 1  end_log_pos 1509 CRC32 0x5df64070 	Xid = 28
COMMIT/*!*/;
DELIMITER ;
# End of log file
ROLLBACK /* added by mysqlbinlog */;
";
    assert_eq!(
        row_and_statement_lines(text),
        [
            "create table t(\n# not a comment: part of the statement\na int)",
            "START TRANSACTION",
            "#Q> insert into t values(1)",
            "### INSERT INTO `db01`.`t`",
            "### SET",
            "###   @1=1",
            "COMMIT",
        ]
    );
}
