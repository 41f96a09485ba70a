//! The applier against real MariaDB masters in ROW format: every test ends with the
//! replica's tables compared row by row (`replicant table-dump`) with the master's
//! `SELECT * ... ORDER BY <pk>` through the mariadb CLI.

use crate::support::*;

#[test]
fn seed_db01_user_replicates() {
    let m = master();
    seed_db01_user(&m);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    assert_eq!(dump(&r.datadir, "db01.user"), DB01_USER_ROWS);
    // More changes after catching up, then a restart: it resumes where it stopped.
    m.sql("UPDATE db01.user SET name='Tommy' WHERE id=1; DELETE FROM db01.user WHERE id=2; INSERT INTO db01.user VALUES (NULL,'Eve',NULL)");
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "db01.user", "id");
    let st = r.status();
    assert!(st.contains("Slave_SQL_Running: Yes"), "{st}");
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    r.proc.terminate();
    m.sql("INSERT INTO db01.user VALUES (NULL,'Zed','0')");
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "db01.user", "id");
}

#[test]
fn sysbench_write_only_matches_master() {
    let m = master();
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
    for t in ["sbtest.sbtest1", "sbtest.sbtest2"] {
        assert_same_table(&m, &r.datadir, t, "id");
    }
}

/// Makes the replica's db01.user differ from the master's without the binlog knowing:
/// row 3 exists only on the replica, row 20 only on the master.
fn diverge(m: &MariaDb) {
    m.sql("SET sql_log_bin=0; DELETE FROM db01.user WHERE id=3; INSERT INTO db01.user VALUES (20,'Ghost','1'); SET sql_log_bin=1;");
}

/// A master with the seed's rows, a replica that applied them, then [`diverge`].
fn diverged_replica(extra: &[&str]) -> (MariaDb, Replica) {
    let m = master();
    seed_db01_user(&m);
    let mut r = Replica::start(&m, extra);
    r.wait_applied(&m);
    diverge(&m);
    (m, r)
}

#[test]
fn duplicate_key_stops_with_1062() {
    let (m, mut r) = diverged_replica(&[]);
    m.sql("INSERT INTO db01.user VALUES (3,'Again','0')");
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1062"), "{st}");
    assert!(st.contains("Duplicate entry '3' for key 'PRIMARY'"), "{st}");
    assert!(
        st.contains("Write_rows_v1 event on table db01.user"),
        "{st}"
    );
    assert!(st.contains("Slave_IO_Running: Yes"), "{st}");
    // The receiver goes on receiving.
    m.sql("INSERT INTO db01.user VALUES (NULL,'Later','1')");
    let (file, pos) = m.master_status();
    assert!(
        wait_until(APPLY_WAIT, || r
            .status()
            .contains(&format!("Read_Master_Log_Pos: {pos}\n"))),
        "{file}:{pos}\n{}",
        r.status()
    );
    // Nothing of the failed transaction was applied.
    assert_eq!(dump(&r.datadir, "db01.user"), DB01_USER_ROWS);
}

#[test]
fn missing_row_stops_with_1032() {
    let (m, mut r) = diverged_replica(&[]);
    m.sql("UPDATE db01.user SET name='Seen' WHERE id=20");
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1032"), "{st}");
    assert!(st.contains("Can't find record in 'user'"), "{st}");
    assert!(
        st.contains("Update_rows_v1 event on table db01.user"),
        "{st}"
    );
}

#[test]
fn slave_skip_errors_skips_1062_and_1032() {
    let (m, mut r) = diverged_replica(&["--slave-skip-errors=1062,1032"]);
    m.sql("INSERT INTO db01.user VALUES (3,'Again','0'); UPDATE db01.user SET name='Seen' WHERE id=20; DELETE FROM db01.user WHERE id=20; INSERT INTO db01.user VALUES (NULL,'After','1')");
    r.wait_applied(&m);
    // Row 3 kept its replica value (the insert was skipped); the rest follows the master.
    let want = "1\tTom\t1\n2\tTrigger\t0\n3\tDawn\t1\n21\tAfter\t1\n";
    assert_eq!(dump(&r.datadir, "db01.user"), want);
    let st = r.status();
    assert!(st.contains("Slave_Skipped_Errors: 3"), "{st}");
}

#[test]
fn sql_slave_skip_counter_passes_over_the_failed_transaction() {
    let (m, mut r) = diverged_replica(&[]);
    m.sql("INSERT INTO db01.user VALUES (3,'Again','0')");
    m.sql("INSERT INTO db01.user VALUES (NULL,'Next','1')");
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1062"), "{st}");
    // As a DBA would: SET GLOBAL sql_slave_skip_counter=1; START SLAVE.
    r.proc.terminate();
    r.proc = Replicant::spawn(run_args(
        &r.datadir,
        m.port(),
        102,
        &["--sql-slave-skip-counter=1"],
    ));
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Skip_Counter: 0"), "{st}");
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_eq!(
        dump(&r.datadir, "db01.user"),
        "1\tTom\t1\n2\tTrigger\t0\n3\tDawn\t1\n21\tNext\t1\n"
    );
}

#[test]
fn replicate_filters_as_mysqld() {
    let m = master();
    let mut r = Replica::start(
        &m,
        &[
            "--replicate-ignore-db=db02",
            "--replicate-wild-ignore-table=db01.log%",
        ],
    );
    seed_db01_user(&m);
    // Statements are judged by their default database, as in mysqld: USE it.
    m.sql("CREATE DATABASE db02; USE db02; CREATE TABLE t (i INT PRIMARY KEY); INSERT INTO db02.t VALUES (1)");
    m.sql("CREATE TABLE db01.log1 (i INT); INSERT INTO db01.log1 VALUES (1); USE db01; INSERT INTO user VALUES (NULL, 'Kept', '1'); INSERT INTO log1 VALUES (2)");
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "db01.user", "id");
    for gone in ["db01.log1", "db02.t"] {
        let out = replicant_cmd(["table-dump", "--datadir", r.datadir.to_str().unwrap(), gone]);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("1146"),
            "{gone}"
        );
    }
    let st = r.status();
    assert!(st.contains("Replicate_Ignore_DB: db02\n"), "{st}");
    assert!(
        st.contains("Replicate_Wild_Ignore_Table: db01.log%\n"),
        "{st}"
    );
}

#[test]
fn applied_relay_files_are_purged() {
    let m = master();
    let mut r = Replica::start(&m, &["--max-relay-log-size=20000"]);
    sysbench(
        &m,
        &SysbenchOpts {
            tables: 1,
            table_size: 2000,
            time_secs: 2,
            ..Default::default()
        },
    );
    r.wait_applied(&m);
    // One more transaction makes the receiver look at the purge mark again.
    m.sql("CREATE TABLE sbtest.marker (i INT PRIMARY KEY); INSERT INTO sbtest.marker VALUES (1)");
    r.wait_applied(&m);
    let index = std::fs::read_to_string(r.datadir.join("relay-bin.index")).unwrap();
    let listed: Vec<&str> = index.lines().collect();
    let on_disk = std::fs::read_dir(&r.datadir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("relay-bin.0")
        })
        .count();
    assert!(listed.len() <= 2, "applied relay files remain: {listed:?}");
    assert_eq!(on_disk, listed.len(), "{listed:?}");
    assert!(
        !listed.iter().any(|f| f.ends_with("relay-bin.000001")),
        "{listed:?}"
    );
    assert_same_table(&m, &r.datadir, "sbtest.sbtest1", "id");
}

/// The conflict arrives in the middle of a backlog the applier takes in batches: the batch
/// is rolled back and replayed one transaction at a time, so everything before the
/// conflict is applied and the error names the conflicting transaction.
#[test]
fn conflict_inside_a_batch_keeps_everything_before_it() {
    let m = master();
    seed_db01_user(&m);
    diverge(&m);
    for i in 0..10 {
        m.sql(&format!(
            "INSERT INTO db01.user VALUES ({}, 'n{i}', '1')",
            100 + i
        ));
    }
    let (_, before_conflict) = m.master_status();
    m.sql("INSERT INTO db01.user VALUES (3,'Again','0')");
    m.sql("INSERT INTO db01.user VALUES (200,'After','0')");
    let mut r = Replica::start(&m, &[]);
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1062"), "{st}");
    assert!(
        st.contains(&format!("Exec_Master_Log_Pos: {before_conflict}\n")),
        "{st}"
    );
    let rows = dump(&r.datadir, "db01.user");
    assert!(
        rows.contains("109\tn9\t1\n") && !rows.contains("200\t"),
        "{rows}"
    );
}

/// slave_exec_mode=IDEMPOTENT: a row whose key is taken is overwritten, an update or
/// delete of a missing row is ignored, and applying goes on.
#[test]
fn idempotent_mode_overwrites_and_ignores() {
    let (m, mut r) = diverged_replica(&["--slave-exec-mode=IDEMPOTENT"]);
    m.sql("INSERT INTO db01.user VALUES (3,'Again','0'); UPDATE db01.user SET name='Seen' WHERE id=20; DELETE FROM db01.user WHERE id=20; INSERT INTO db01.user VALUES (NULL,'After','1')");
    r.wait_applied(&m);
    // Row 3 takes the master's new values; the rest follows the master.
    assert_eq!(
        dump(&r.datadir, "db01.user"),
        "1\tTom\t1\n2\tTrigger\t0\n3\tAgain\t0\n21\tAfter\t1\n"
    );
    assert_same_table(&m, &r.datadir, "db01.user", "id");
}

/// A row skipped under slave_skip_errors leaves nothing behind: here its first unique key
/// entry had been written before its second unique key clashed, and a leftover would make
/// a later row with that key a false duplicate.
#[test]
fn skipped_row_leaves_no_index_entries() {
    let m = master();
    let mut r = Replica::start(&m, &["--slave-skip-errors=1062,1032"]);
    m.sql("CREATE DATABASE u; CREATE TABLE u.t (id INT PRIMARY KEY, a INT, b INT, UNIQUE KEY ua (a), UNIQUE KEY ub (b)); INSERT INTO u.t VALUES (5, 5, 50)");
    r.wait_applied(&m);
    m.sql("SET sql_log_bin=0; DELETE FROM u.t WHERE id=5; SET sql_log_bin=1;");
    // On the replica b=50 still belongs to row 5: row 6 clashes on ub after ua was written.
    m.sql("INSERT INTO u.t VALUES (6, 60, 50); DELETE FROM u.t WHERE id=6; INSERT INTO u.t VALUES (7, 60, 70)");
    r.wait_applied(&m);
    assert_eq!(dump(&r.datadir, "u.t"), "5\t5\t50\n7\t60\t70\n");
    let st = r.status();
    assert!(st.contains("Slave_Skipped_Errors: 2"), "{st}");
}

/// Generated columns hold what the master logs for them (row images carry VIRTUAL and
/// STORED columns alike); an UPDATE whose MINIMAL image leaves out a VIRTUAL column it
/// changes stops with 1235 instead of keeping a stale value, and ALTER TABLE adding one to
/// stored rows stops too.
#[test]
fn generated_columns_follow_the_master() {
    let m = master();
    let mut r = Replica::start(&m, &[]);
    m.sql("CREATE DATABASE g; CREATE TABLE g.t (id INT PRIMARY KEY, j VARCHAR(20), v INT AS (LENGTH(j)) VIRTUAL, s INT AS (LENGTH(j) + 1) STORED, o INT, KEY ks (s)); INSERT INTO g.t (id, j) VALUES (1, 'a'), (2, 'bb'), (3, NULL); UPDATE g.t SET j = 'cccc' WHERE id = 2; DELETE FROM g.t WHERE id = 1; INSERT INTO g.t (id, j) VALUES (4, 'dd')");
    // A MINIMAL image changing only what v does not read applies.
    m.sql("SET SESSION binlog_row_image = MINIMAL; UPDATE g.t SET o = 7 WHERE id = 4");
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "g.t", "id");
    assert_eq!(
        dump(&r.datadir, "g.t"),
        "2\tcccc\t4\t5\tNULL\n3\tNULL\tNULL\tNULL\tNULL\n4\tdd\t2\t3\t7\n"
    );
    m.sql("SET SESSION binlog_row_image = MINIMAL; UPDATE g.t SET j = 'eeeeee' WHERE id = 4");
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1235"), "{st}");
    assert!(st.contains("VIRTUAL generated column v"), "{st}");
}

/// CREATE INDEX on a table with rows writes only the new indexes' entries (the rows stay
/// where they are): lookups through them find every row, later changes keep them in step,
/// and a unique index over values that are duplicates on the replica only (changed on the
/// master with sql_log_bin=0) stops with 1062.
#[test]
fn create_index_on_stored_rows() {
    let m = master();
    let mut r = Replica::start(&m, &[]);
    m.sql("CREATE DATABASE x; CREATE TABLE x.t (id INT PRIMARY KEY, v INT, w INT); INSERT INTO x.t VALUES (1, 5, 10), (2, 7, 20), (3, 5, 30), (4, NULL, 40)");
    m.sql("CREATE INDEX kv ON x.t (v); CREATE UNIQUE INDEX uw ON x.t (w); UPDATE x.t SET v = 7 WHERE id = 1; DELETE FROM x.t WHERE id = 2; INSERT INTO x.t VALUES (5, 5, 50)");
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "x.t", "id");
    for q in [
        "SELECT id FROM x.t WHERE v = 5 ORDER BY id",
        "SELECT id FROM x.t WHERE v = 7 ORDER BY id",
        "SELECT id FROM x.t WHERE w = 30",
        "SELECT id FROM x.t WHERE w = 20",
    ] {
        let plan = r.proc.sql(&format!("EXPLAIN {q}")).unwrap();
        assert!(plan.contains("kv") || plan.contains("uw"), "{q}: {plan}");
        assert_eq!(r.proc.sql(q).unwrap(), m.sql(q), "{q}");
    }
    let q = "SELECT id FROM x.t WHERE v IS NULL";
    assert_eq!(r.proc.sql(q).unwrap(), m.sql(q), "{q}");
    m.sql("CREATE TABLE x.u (id INT PRIMARY KEY, c INT); INSERT INTO x.u VALUES (1, 1), (2, 1); SET sql_log_bin = 0; UPDATE x.u SET c = 2 WHERE id = 2; SET sql_log_bin = 1; CREATE UNIQUE INDEX uc ON x.u (c)");
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1062"), "{st}");
    assert!(st.contains("Duplicate entry '1' for key 'uc'"), "{st}");
}

/// The master link is cut (FIN and RST), stalled past slave_net_timeout and delayed at
/// random byte offsets, mid-event and mid-packet, while sysbench writes: the receiver
/// reconnects by itself each time and cuts the partial transaction it was writing; the
/// applier, tailing that file, must never take the rewritten region for damage. In the end
/// the replica equals the master and the applier never stopped.
#[test]
fn link_cuts_under_write_load_end_equal_to_the_master() {
    let m = master();
    let proxy = FaultProxy::start(
        m.port(),
        FaultPlan {
            seed: env_or("FAULT_SEED", 20261207),
            min_bytes: 1_000,
            max_bytes: 200_000,
            stall: std::time::Duration::from_millis(2500),
            delay: std::time::Duration::from_millis(200),
        },
    );
    let mut r = Replica::start_via(
        proxy.port(),
        &["--master-connect-retry=1", "--slave-net-timeout=2"],
    );
    sysbench(
        &m,
        &SysbenchOpts {
            tables: 2,
            table_size: 5000,
            time_secs: 15,
            ..Default::default()
        },
    );
    let cuts = proxy.cuts();
    proxy.calm();
    eprintln!("fault proxy: {:?}", proxy.counts);
    r.wait_applied(&m);
    assert!(cuts >= 5, "the proxy cut the link only {cuts} times");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    for t in ["sbtest.sbtest1", "sbtest.sbtest2"] {
        assert_same_table(&m, &r.datadir, t, "id");
    }
}

/// A store written before latin1 keys took mysqld's weights: its tables with latin1 key
/// parts are marked as such (key format 0). The applier rebuilds them before it applies
/// anything; until then the endpoint does not look rows up by those keys. Simulated by
/// taking a table back to format 0 and deleting its index entries: only a rebuild brings
/// them back, and lookups through the index then find every row.
#[test]
fn latin1_keys_of_an_older_store_are_rebuilt() {
    use ::replicant::store::{keys, Store};
    let m = master();
    m.sql(
        "SET NAMES utf8mb4; CREATE DATABASE d;
         CREATE TABLE d.p (id INT PRIMARY KEY, name VARCHAR(30), KEY name_k (name)) DEFAULT CHARSET=latin1;
         INSERT INTO d.p VALUES (1, 'Åsa'), (2, 'asa'), (3, 'Zed'), (4, 'Ödegård'), (5, 'Émile'), (6, 'eve');",
    );
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.terminate();
    {
        let store = Store::open(&r.datadir).unwrap();
        let cat = store.load_catalog().unwrap();
        let mut t = cat.table("d", "p").unwrap().clone();
        assert_eq!(t.key_format, ::replicant::store::catalog::KEY_FORMAT);
        t.key_format = 0;
        let ix = t.indexes.iter().find(|i| i.name == "name_k").unwrap().id;
        let mut from = Vec::new();
        keys::index(&mut from, t.id, ix);
        let mut to = from.clone();
        to.push(0xff);
        let mut txn = store.txn();
        txn.put_table(&t, cat.next_table_id);
        txn.delete_range(&from, &to);
        txn.commit(&store, &store.applied().unwrap().unwrap(), true)
            .unwrap();
    }
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    r.proc.wait_endpoint();
    m.sql("INSERT INTO d.p VALUES (7, 'ÅSA')");
    r.wait_applied(&m);
    assert!(
        r.proc.stderr().contains("rebuilding the table's keys"),
        "{}",
        r.proc.stderr()
    );
    for q in [
        "SELECT id FROM d.p WHERE name = 'asa' ORDER BY id",
        "SELECT id, name FROM d.p WHERE name > 'Z' ORDER BY name, id",
        "SELECT id, name FROM d.p ORDER BY name, id",
    ] {
        let q = format!("SET NAMES utf8mb4; {q}");
        assert_eq!(r.proc.sql(&q).unwrap(), m.sql(&q), "{q}");
    }
    let plan = r
        .proc
        .sql("EXPLAIN SELECT id FROM d.p WHERE name = 'asa'")
        .unwrap();
    assert!(plan.contains("name_k"), "{plan}");
    assert_same_table(&m, &r.datadir, "d.p", "id");
}

/// ALTER TABLE converting a FLOAT keeps its value whole (its display has six digits; the
/// conversion does not go through the display).
#[test]
fn altered_float_keeps_its_digits() {
    let m = master();
    m.sql(
        "CREATE DATABASE d; CREATE TABLE d.f (id INT PRIMARY KEY, a FLOAT, b FLOAT, c FLOAT);
         INSERT INTO d.f VALUES (1, 16777216, 123456792, 0.1), (2, -3.5, 1e10, 33554436);
         ALTER TABLE d.f MODIFY a BIGINT, MODIFY b DOUBLE, MODIFY c INT",
    );
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "d.f", "id");
}

/// A relay log damaged where the applier has not read yet: the applier stops naming the
/// file (nothing is skipped); restarted with relay-log-recovery=1 (mysqld's option) the
/// relay log is discarded and fetched again from the applied position, and the replica
/// ends equal to the master.
#[test]
fn relay_log_recovery_fetches_a_damaged_relay_log_again() {
    let m = master();
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(200))");
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    r.proc.sql("STOP SLAVE SQL_THREAD").unwrap();
    for i in 0..20 {
        m.sql(&format!("INSERT INTO d.t VALUES ({i}, REPEAT('r', 190))"));
    }
    // Received, not applied.
    let (file, pos) = m.master_status();
    let want = format!("Read_Master_Log_Pos: {pos}\n");
    assert!(
        wait_until(APPLY_WAIT, || r.status().contains(&want)),
        "the receiver did not reach {file}:{pos}"
    );
    r.proc.terminate();
    // Damage the relay file in the middle of what is not applied yet.
    let st = r.status();
    let field = |name: &str| {
        st.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .to_string()
    };
    let relay = r.datadir.join(field("Relay_Log_File"));
    let applied: u64 = field("Relay_Log_Pos").parse().unwrap();
    let mut bytes = std::fs::read(&relay).unwrap();
    let at = applied as usize + (bytes.len() - applied as usize) / 2;
    for b in &mut bytes[at..at + 64] {
        *b ^= 0xa5;
    }
    std::fs::write(&relay, bytes).unwrap();
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    let st = r.wait_sql_error();
    assert!(st.contains("Last_SQL_Errno: 1594"), "{st}");
    assert!(
        st.contains(&field("Relay_Log_File")),
        "the error names the file: {st}"
    );
    r.proc.terminate();
    r.proc = Replicant::spawn(run_args(
        &r.datadir,
        m.port(),
        102,
        &["--relay-log-recovery=1"],
    ));
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "d.t", "id");
    assert!(
        r.proc.stderr().contains("relay_log_recovery"),
        "{}",
        r.proc.stderr()
    );
}
