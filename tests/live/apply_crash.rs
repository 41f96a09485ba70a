//! Exactly once across crashes: replicant is SIGKILLed again and again while a sysbench
//! workload runs on the master (ROW format, and STATEMENT: replayed statements); after the
//! last restart every table equals the master's — no transaction lost, none applied twice.

use std::time::Duration;

use crate::support::*;

#[test]
fn sigkill_during_workload_loses_and_duplicates_nothing() {
    sigkill_rounds(master());
}

#[test]
fn sigkill_during_statement_workload_loses_and_duplicates_nothing() {
    // A statement applied twice (UPDATE ... SET k = k + 1) or lost shows in the tables.
    let m = MariaDb::start(MasterOpts::format("STATEMENT"));
    m.create_repl_user("repl", "repl");
    sigkill_rounds(m);
}

fn sigkill_rounds(m: MariaDb) {
    m.sql("CREATE DATABASE sbtest");
    let port = m.port();
    let load = std::thread::spawn(move || {
        let common = ["--tables=2", "--table-size=3000", "--rand-seed=7"];
        sysbench_at(port, "sbtest", "oltp_write_only", "prepare", &common);
        let run = [&common[..], &["--time=12", "--threads=2"]].concat();
        sysbench_at(port, "sbtest", "oltp_write_only", "run", &run);
    });
    let mut r = Replica::start(&m, &[]);
    let exec_pos = |r: &Replica| -> u64 {
        r.status()
            .lines()
            .find_map(|l| l.trim().strip_prefix("Exec_Master_Log_Pos: ")?.parse().ok())
            .unwrap_or(0)
    };
    let mut applied = Vec::new();
    let mut last = 0;
    for round in 0..6 {
        // Kill once this daemon has applied past where the last kill left off (a condition,
        // not a guess at how long a start takes), a little later each round.
        let moved = wait_until(APPLY_WAIT, || {
            load.is_finished() || (r.status_is_current() && exec_pos(&r) > last)
        });
        assert!(moved, "round {round}: the applier made no progress");
        if load.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(150 * round));
        r.proc.kill9();
        last = exec_pos(&r);
        applied.push(last);
        r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    }
    load.join().unwrap();
    r.wait_applied(&m);
    for t in ["sbtest.sbtest1", "sbtest.sbtest2"] {
        assert_same_table(&m, &r.datadir, t, "id");
    }
    // The kills landed while applying, not only while idle.
    assert!(
        applied
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
            > 2,
        "{applied:?}"
    );
}

/// A damaged store: an SST file of the store corrupted while the daemon was down. Reads
/// of the damaged part fail with RocksDB's own report (never wrong rows), and what the
/// applier meets of it stops it with the file named; nothing is skipped.
#[test]
fn a_corrupted_store_is_reported_not_read_wrong() {
    let m = master();
    m.sql("CREATE DATABASE c; CREATE TABLE c.t (id INT PRIMARY KEY, pad VARCHAR(600))");
    let mut r = Replica::start(&m, &[]);
    // Some 45 MB in several commits (a memory table is flushed to a table file by the
    // write after it filled), then a small one.
    for i in 0..25 {
        if i == 24 {
            m.sql("INSERT INTO c.t VALUES (0, 'last')");
        } else {
            m.sql(&format!(
                "INSERT INTO c.t SELECT seq + {}, CONCAT(SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512)) FROM c.seq_1_to_5000",
                i * 5000
            ));
        }
        if i % 4 == 3 {
            r.wait_applied(&m);
        }
    }
    r.wait_applied(&m);
    let store = r.datadir.join("store");
    let has_sst = || {
        std::fs::read_dir(&store)
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "sst"))
    };
    assert!(
        wait_until(std::time::Duration::from_secs(60), has_sst),
        "no table file written"
    );
    r.proc.terminate();
    // The largest table file, damaged in its middle.
    let sst = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sst"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap_or_else(|| {
            panic!(
                "the store has no table files: {:?}",
                std::fs::read_dir(&store)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect::<Vec<_>>()
            )
        });
    let mut bytes = std::fs::read(&sst).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b ^= 0x5a;
    }
    std::fs::write(&sst, &bytes).unwrap();
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    r.proc.wait_endpoint();
    let e = r
        .proc
        .sql("SELECT COUNT(*), SUM(LENGTH(pad)) FROM c.t")
        .expect_err("a full scan read the damaged file without a word");
    assert!(
        e.contains("ERROR 1030") && e.contains("Corruption") && e.contains(".sst"),
        "{e}"
    );
    // The applier meets it when a change reads the damaged rows.
    m.sql("DELETE FROM c.t WHERE id > 0");
    let mut st = String::new();
    let stopped = wait_until(std::time::Duration::from_secs(60), || {
        st = r.status();
        !st.contains("Last_SQL_Errno: 0")
    });
    assert!(stopped, "the applier went on over the damaged rows: {st}");
    assert!(
        st.contains("Last_SQL_Errno: 1594") && st.contains("Corruption") && st.contains(".sst"),
        "{st}"
    );
    // Nothing after the failed transaction was applied.
    assert!(st.contains("Slave_SQL_Running: No"), "{st}");
}

/// The master dies while writing a transaction to its binlog (SIGKILL, and its binlog
/// cut after the transaction's first statement: the torn write a crash leaves) and its
/// crash recovery rolls the transaction back. Replicant, which reads the unfinished
/// transaction and then the restarted master's new binlog, applies none of it (as
/// mysqld's SQL thread, which rolls it back), and applies what follows on its own.
#[test]
fn a_transaction_the_master_died_writing_is_not_applied() {
    let mut m = master();
    m.sql(
        "CREATE DATABASE pt; CREATE TABLE pt.a (id INT PRIMARY KEY); CREATE TABLE pt.b (id INT PRIMARY KEY);
         INSERT INTO pt.a VALUES (100)",
    );
    let mut r = Replica::start(&m, &["--master-connect-retry=1"]);
    r.wait_applied(&m);
    r.proc.terminate();
    let (file, at) = m.master_status();
    m.sql("BEGIN; INSERT INTO pt.a VALUES (1); INSERT INTO pt.b VALUES (1); COMMIT");
    // The binlog as the crash leaves it: cut where the first statement's rows end.
    let path = m.binlog_dir().join(&file);
    let mut reader = ::replicant::binlog::file::BinlogReader::open(&path).unwrap();
    let mut cut = None;
    while let Ok(Some((pos, ev))) = reader.next_event() {
        let rows = ::replicant::binlog::event::EventType::from_code(ev.header.type_code)
            .is_some_and(|t| t.is_rows());
        if pos >= at && rows {
            cut = Some(pos + ev.bytes.len() as u64);
            break;
        }
    }
    let cut = cut.expect("the transaction's first rows event");
    m.kill9();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(cut)
        .unwrap();
    m.start_again();
    // The master's data as its recovery would leave it (InnoDB had the transaction
    // committed before the binlog was cut by hand).
    m.sql(
        "SET sql_log_bin = 0; DELETE FROM pt.a WHERE id = 1; DELETE FROM pt.b WHERE id = 1; SET sql_log_bin = 1;
         INSERT INTO pt.a VALUES (2); INSERT INTO pt.b VALUES (2)",
    );
    r.proc = Replicant::spawn(run_args(
        &r.datadir,
        m.port(),
        102,
        &["--master-connect-retry=1"],
    ));
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "pt.a", "id");
    assert_same_table(&m, &r.datadir, "pt.b", "id");
    assert_eq!(dump(&r.datadir, "pt.a"), "2\n100\n");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert!(
        r.proc
            .stderr()
            .contains("Rolling back unfinished transaction"),
        "{}",
        r.proc.stderr()
    );
}
