//! Real clients against the endpoint: PyMySQL and mysql-connector-python, MyCat's
//! heartbeat queries, HAProxy's `option mysql-check`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(120);

/// The venv python with the drivers (scripts/test installs it), or `None` with a message.
/// The Python with the drivers; a missing one fails the test, saying what to install.
fn python() -> PathBuf {
    let p = std::env::var_os("REPLICANT_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/replicant-py/bin/python"))
        })
        .expect("REPLICANT_PYTHON or HOME must be set");
    let ok = Command::new(&p)
        .args(["-c", "import pymysql, mysql.connector"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "no Python with pymysql and mysql-connector-python at {}: run scripts/test (as root it \
         installs them), or create that venv and `pip install pymysql mysql-connector-python`",
        p.display()
    );
    p
}

/// A replicant replicating `m`, with an app account and a passwordless haproxy account.
fn replica_of(m: &MariaDb) -> (tempfile::TempDir, Replicant) {
    let dir = tempfile::Builder::new()
        .prefix("rpl-cl-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let mut args = run_args(&datadir, m.port(), 102, &[]);
    args.push("--account=root@localhost ADMIN".into());
    args.push("--account=app@'%' IDENTIFIED BY 'app-pw' READ".into());
    args.push("--account=haproxy@'%'".into());
    let mut r = Replicant::spawn(args);
    r.wait_endpoint();
    (dir, r)
}

/// Waits until `r` has executed everything `m` has written.
fn wait_caught_up(m: &MariaDb, r: &Replicant) {
    let (_, pos) = m.master_status();
    let ok = wait_until(WAIT, || {
        r.client(&["-uroot"], "SHOW SLAVE STATUS\\G")
            .is_ok_and(|o| o.contains(&format!("Exec_Master_Log_Pos: {pos}\n")))
    });
    assert!(ok, "replica did not catch up");
}

/// Runs a Python script with `py`; returns the JSON it prints.
fn python_json(py: &std::path::Path, script: &str) -> serde_json::Value {
    let out = Command::new(py).arg("-c").arg(script).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn python_drivers_and_mycat_heartbeat() {
    let py = python();
    let m = master();
    seed_db01_user(&m);
    let (_dir, r) = replica_of(&m);
    wait_caught_up(&m, &r);
    let script = format!(
        r#"
import json, pymysql, mysql.connector
out = {{}}
# PyMySQL, as an application connects.
c = pymysql.connect(host="127.0.0.1", port={port}, user="app", password="app-pw", database="db01")
cur = c.cursor()
cur.execute("SELECT @@version_comment, USER(), DATABASE(), 6*7")
out["pymysql"] = list(cur.fetchone())
try:
    cur.execute("DELETE FROM db01.user")
except pymysql.err.OperationalError as e:
    out["pymysql_write"] = [e.args[0], e.args[1]]
try:
    pymysql.connect(host="127.0.0.1", port={port}, user="app", password="wrong")
except pymysql.err.OperationalError as e:
    out["pymysql_denied"] = [e.args[0], e.args[1]]
c.close()
# mysql-connector-python (pure Python protocol).
c = mysql.connector.connect(host="127.0.0.1", port={port}, user="app", password="app-pw", use_pure=True)
cur = c.cursor()
cur.execute("SELECT @@server_id, CURRENT_USER(), @@autocommit")
out["connector"] = list(cur.fetchone())
# Server-side prepared statements (COM_STMT_PREPARE / EXECUTE, binary protocol).
cur = c.cursor(prepared=True)
cur.execute("SELECT ?, ? + 1, @@server_id, ?, ?, ? AS f", (5, 41, "h\u00e9llo 'q'", None, 2.5))
out["prepared"] = [list(cur.fetchone()), [d[0] for d in cur.description]]
cur.execute("SELECT ?, ?", (7, "again"))
out["prepared_again"] = list(cur.fetchone())
try:
    cur.execute("DELETE FROM db01.user WHERE id = ?", (1,))
except mysql.connector.Error as e:
    out["prepared_write"] = [e.errno, e.msg]
c.close()
# COM_CHANGE_USER: from root to app, then a wrong password.
c = mysql.connector.connect(host="127.0.0.1", port={port}, user="root", password="", use_pure=True)
c.cmd_change_user(username="app", password="app-pw", database="db01")
cur = c.cursor()
cur.execute("SELECT CURRENT_USER(), DATABASE()")
out["change_user"] = list(cur.fetchone())
try:
    c.cmd_change_user(username="app", password="nope")
except mysql.connector.Error as e:
    out["change_user_denied"] = e.errno
# Multi-statements (CLIENT_MULTI_STATEMENTS): one result per statement.
c = pymysql.connect(host="127.0.0.1", port={port}, user="app", password="app-pw",
                    client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
cur = c.cursor()
cur.execute("SELECT 1; SET @m = 2; SELECT @m + 1")
sets = [cur.fetchall()]
while cur.nextset():
    sets.append(cur.fetchall())
out["multi"] = [[list(r) for r in rows] for rows in sets]
c.close()
# MyCat's heartbeat for a slave (balance with slaveThreshold): select user(), then
# show slave status read by column name.
c = pymysql.connect(host="127.0.0.1", port={port}, user="app", password="app-pw")
cur = c.cursor(pymysql.cursors.DictCursor)
cur.execute("select user()")
out["mycat_user"] = cur.fetchone()["user()"]
cur.execute("show slave status")
row = cur.fetchone()
out["mycat_slave"] = [row["Slave_IO_Running"], row["Slave_SQL_Running"], row["Seconds_Behind_Master"]]
c.close()
# SHOW SLAVE STATUS has MariaDB's columns, in MariaDB's order (the master answers an
# empty set but names its columns).
m = pymysql.connect(unix_socket="{master_socket}", user="root")
mc = m.cursor()
mc.execute("SHOW SLAVE STATUS")
out["master_columns"] = [d[0] for d in mc.description]
c = pymysql.connect(host="127.0.0.1", port={port}, user="app", password="app-pw")
cur = c.cursor()
cur.execute("SHOW SLAVE STATUS")
out["replica_columns"] = [d[0] for d in cur.description]
print(json.dumps(out))
"#,
        port = r.port(),
        master_socket = m.socket().display()
    );
    let v = python_json(&py, &script);
    assert_eq!(
        v["pymysql"],
        serde_json::json!([
            "replicant, a MySQL/MariaDB replica",
            "app@localhost",
            "db01",
            42
        ])
    );
    assert_eq!(
        v["pymysql_write"],
        serde_json::json!([1290, "The MySQL server is running with the --read-only option so it cannot execute this statement"])
    );
    assert_eq!(
        v["pymysql_denied"],
        serde_json::json!([
            1045,
            "Access denied for user 'app'@'localhost' (using password: YES)"
        ])
    );
    // The connector turns autocommit off at connect (`SET @@session.autocommit = OFF`), as
    // it does against mysqld.
    assert_eq!(v["connector"], serde_json::json!([102, "app@%", 0]));
    assert_eq!(
        v["prepared"],
        serde_json::json!([
            [5, 42, 102, "h\u{e9}llo 'q'", null, 2.5],
            ["?", "? + 1", "@@server_id", "?", "?", "f"]
        ])
    );
    assert_eq!(v["prepared_again"], serde_json::json!([7, "again"]));
    assert_eq!(
        v["prepared_write"],
        serde_json::json!([1290, "The MySQL server is running with the --read-only option so it cannot execute this statement"])
    );
    assert_eq!(v["change_user"], serde_json::json!(["app@%", "db01"]));
    assert_eq!(v["change_user_denied"], 1045);
    assert_eq!(v["multi"], serde_json::json!([[[1]], [], [[3]]]));
    assert_eq!(v["replica_columns"], v["master_columns"]);
    assert_eq!(v["mycat_user"], "app@localhost");
    assert_eq!(v["mycat_slave"], serde_json::json!(["Yes", "Yes", 0]));
}

/// Prepared SELECTs over tables (binary protocol, rows streamed as the engine reads them)
/// give mysql-connector-python the same values, types and column names from replicant as
/// from the master: every column type, NULLs, a result of megabytes, sorted and aggregate
/// results, and a statement executed again with other parameters.
#[test]
fn prepared_results_match_the_master() {
    let py = python();
    let m = master();
    m.sql(
        "CREATE DATABASE pt;
         CREATE TABLE pt.types (
           id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
           a TINYINT, b SMALLINT UNSIGNED, c MEDIUMINT, d INT UNSIGNED, e DECIMAL(10,2),
           f FLOAT, g DOUBLE, h BIT(3), i CHAR(10), j VARCHAR(200) CHARACTER SET latin1,
           k BINARY(4), l VARBINARY(20), m TEXT, n MEDIUMBLOB, o ENUM('x','y'), p SET('a','b'),
           q YEAR, r DATE, s TIME(3), t DATETIME(6), u TIMESTAMP NULL,
           v VARCHAR(5) COLLATE utf8mb4_bin, w BIGINT
         ) DEFAULT CHARSET=utf8mb4;
         INSERT INTO pt.types VALUES
           (1, -5, 65535, -8388608, 4294967295, -12345678.91, 1.5, -2.25e100, b'101',
            'abc', 'ünïcödé', 0x01020304, 0xff00, 'tëxt', 0x00ff, 'y', 'a,b', 2024,
            '2024-02-29', '-838:59:59.000', '2024-01-02 03:04:05.678901',
            '2001-02-03 04:05:06', 'AbC', -9223372036854775808),
           (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
           (18446744073709551615, 127, 0, 8388607, 0, 0.01, -0.125, 3.0e-300, b'0', '', '',
            '', '', '', '', 'x', '', 1901, '1000-01-01', '12:34:56.789',
            '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '', 9223372036854775807);
         CREATE TABLE pt.big (id INT NOT NULL PRIMARY KEY, pad VARCHAR(300) NOT NULL, n INT);
         INSERT INTO pt.big SELECT seq, CONCAT(seq, ':', REPEAT('x', 200 + seq % 50)), seq % 7
           FROM pt.seq_1_to_20000;
         CREATE TABLE pt.ts (id INT NOT NULL PRIMARY KEY,
           at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, u INT UNIQUE, m INT, KEY m_k (m, u));
         INSERT INTO pt.ts (id, u, m) VALUES (1, 10, 100), (2, NULL, 200);
         CREATE TABLE pt.floats (id INT NOT NULL PRIMARY KEY, d DOUBLE, f FLOAT);
         INSERT INTO pt.floats VALUES (1, 118495133685290.125, 118495133685290.125),
           (2, 118495133685290.375, 16777217), (3, -0.0, -1e-300), (4, 4.9e-324, 1e-45),
           (5, 1.7976931348623157e308, 3.4028234e38), (6, 1e15, 1e15), (7, 1e16, 1e16),
           (8, 1e17, 1e17), (9, 0.1, 0.1), (10, 2.2250738585072014e-308, 131072.5),
           (11, 123456789012345680, 0.333333333);",
    );
    let (_dir, r) = replica_of(&m);
    wait_caught_up(&m, &r);
    let script = format!(
        r#"
import hashlib, json, sys, mysql.connector
def run(**kw):
    c = mysql.connector.connect(user="root", use_pure=True, **kw)
    cur = c.cursor(prepared=True)
    out = []
    for sql, params in [
        ("SELECT {cols} FROM pt.types WHERE id = ?", (1,)),
        ("SELECT {cols} FROM pt.types WHERE id = ?", (2,)),
        ("SELECT {cols} FROM pt.types WHERE id = ?", (18446744073709551615,)),
        ("SELECT {cols} FROM pt.types WHERE id BETWEEN ? AND ? ORDER BY id", (0, 3)),
        ("SELECT q FROM pt.types WHERE id = ?", (1,)),
        ("SELECT w, v, u, t, s, id FROM pt.types WHERE id > ?", (0,)),
        ("SELECT id, pad, n FROM pt.big WHERE id > ?", (0,)),
        ("SELECT id, pad, n FROM pt.big WHERE id > ?", (19990,)),
        ("SELECT pad FROM pt.big WHERE id BETWEEN ? AND ? ORDER BY pad DESC", (100, 400)),
        # mysqld flags the column of a DISTINCT's temporary table NUM: flags not compared.
        ("SELECT DISTINCT n FROM pt.big WHERE id BETWEEN ? AND ? ORDER BY n -- no flags", (1, 100)),
        ("SELECT COUNT(*), SUM(id), AVG(n), MAX(pad) FROM pt.big WHERE id < ?", (5000,)),
        ("SELECT id, n + 1, CONCAT(pad, '!') FROM pt.big WHERE id < ?", (4,)),
        ("SELECT id FROM pt.big WHERE id < ? AND n = ?", (100, 3)),
        ("SELECT id, at, u, m FROM pt.ts WHERE id > ?", (0,)),
        # Doubles and floats travel as their bits; computed ones must be the same bits.
        ("SELECT id, d, f, d * 1, f + 0, -d FROM pt.floats WHERE id > ? ORDER BY id", (0,)),
        ("SELECT a.id, b.id, b.pad FROM pt.types a LEFT JOIN pt.big b ON b.id = a.id + 100000 WHERE a.id = ?", (1,)),
    ]:
        try:
            cur.execute(sql, params)
            rows = [[repr(v) for v in row] for row in cur.fetchall()]
        except Exception as e:
            out.append({{"sql": sql, "params": repr(params), "error": repr(e)}})
            cur = c.cursor(prepared=True)
            continue
        cols = [[d[0], d[1]] + ([] if "no flags" in sql else [d[7]]) for d in cur.description]
        text = json.dumps(rows)
        # Long results as their size and digest, so that a difference stays readable.
        if len(text) > 4000:
            rows = [len(rows), hashlib.sha256(text.encode()).hexdigest()]
        out.append({{"sql": sql, "params": repr(params), "columns": cols, "rows": rows}})
    c.close()
    return out
print(json.dumps({{"master": run(unix_socket="{master_socket}"),
                  "replica": run(host="127.0.0.1", port={port})}}))
"#,
        // mysql-connector-python misreads a YEAR in a row of several binary values (from
        // mysqld too): YEAR is read alone.
        cols = "id, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, r, s, t, u, v, w",
        port = r.port(),
        master_socket = m.socket().display()
    );
    let v = python_json(&py, &script);
    let (master, replica) = (
        v["master"].as_array().unwrap(),
        v["replica"].as_array().unwrap(),
    );
    assert_eq!(master.len(), replica.len());
    let differ: Vec<String> = master
        .iter()
        .zip(replica)
        .filter(|(m, r)| m != r)
        .map(|(m, r)| format!("master:    {m}\nreplicant: {r}"))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    for m in master {
        assert!(m.get("error").is_none(), "the master failed: {m}");
    }
    // The megabytes result really is one.
    assert_eq!(master[6]["rows"][0], 20000);
}

/// HAProxy with `option mysql-check user haproxy` (pre-4.1 check) and `post-41`, and its
/// stats page as CSV.
struct Haproxy {
    child: Child,
    stats_port: u16,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    fn start(backend_port: u16) -> Haproxy {
        let dir = tempfile::Builder::new()
            .prefix("rpl-hap-")
            .tempdir_in("/tmp")
            .unwrap();
        let (front, stats_port) = (
            crate::support::mariadb::free_port(),
            crate::support::mariadb::free_port(),
        );
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(
            &cfg,
            format!(
                "global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n\
                 listen replicas\n  bind 127.0.0.1:{front}\n  option mysql-check user haproxy\n  server r1 127.0.0.1:{backend_port} check inter 200 rise 1 fall 1\n\
                 listen replicas41\n  bind 127.0.0.1:{}\n  option mysql-check user haproxy post-41\n  server r1 127.0.0.1:{backend_port} check inter 200 rise 1 fall 1\n\
                 listen stats\n  mode http\n  bind 127.0.0.1:{stats_port}\n  stats enable\n  stats uri /stats\n",
                crate::support::mariadb::free_port()
            ),
        )
        .unwrap();
        let child = Command::new("haproxy")
            .arg("-f")
            .arg(&cfg)
            .arg("-db")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy (scripts/test installs it)");
        Haproxy {
            child,
            stats_port,
            _dir: dir,
        }
    }

    /// (proxy, status) of each server line of the stats CSV.
    fn states(&self) -> Vec<(String, String)> {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "5"])
            .arg(format!("http://127.0.0.1:{}/stats;csv", self.stats_port))
            .output();
        let Ok(out) = out else { return Vec::new() };
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f.len() > 17 && f[1] == "r1").then(|| (f[0].to_string(), f[17].to_string()))
            })
            .collect()
    }

    fn wait_all(&self, want: &str) -> bool {
        wait_until(Duration::from_secs(30), || {
            let s = self.states();
            s.len() == 2 && s.iter().all(|(_, st)| st.starts_with(want))
        })
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn haproxy_mysql_check_sees_up_then_down() {
    assert!(
        Command::new("haproxy").arg("-v").output().is_ok(),
        "haproxy is not installed: apt-get install -y haproxy (scripts/test installs it)"
    );
    let m = master();
    let (_dir, mut r) = replica_of(&m);
    let h = Haproxy::start(r.port());
    assert!(h.wait_all("UP"), "not UP: {:?}", h.states());
    r.terminate();
    assert!(h.wait_all("DOWN"), "not DOWN: {:?}", h.states());
}

/// Runs a sysbench read workload against `port` for `secs`; returns its report.
fn sysbench_read(port: u16, workload: &str, secs: u32) -> String {
    let time = format!("--time={secs}");
    let args = [
        "--tables=2",
        "--table-size=1000",
        "--threads=2",
        "--rand-seed=7",
        &time,
    ];
    sysbench_at(port, "sbtest", workload, "run", &args)
}

/// A number after `label` in a sysbench report ("read:  1234", "ignored errors: 0").
fn report_number(report: &str, label: &str) -> u64 {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no '{label}' in sysbench report:\n{report}"))
}

#[test]
fn sysbench_read_workloads_run_against_replicant() {
    let m = master();
    let opts = SysbenchOpts {
        workload: "oltp_read_only".into(),
        ..SysbenchOpts::default()
    };
    m.sql("CREATE DATABASE IF NOT EXISTS sbtest");
    sysbench_cmd(&m, &opts, "prepare", &[]);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    for workload in ["oltp_point_select", "oltp_read_only"] {
        // sysbench's default --db-ps-mode=auto: every query is a prepared statement.
        let report = sysbench_read(r.proc.port(), workload, 3);
        assert!(
            report_number(&report, "read:") > 100,
            "{workload}:\n{report}"
        );
        assert_eq!(
            report_number(&report, "ignored errors:"),
            0,
            "{workload}:\n{report}"
        );
        assert_eq!(
            report_number(&report, "other:"),
            if workload == "oltp_read_only" {
                // BEGIN and COMMIT per transaction.
                2 * report_number(&report, "transactions:")
            } else {
                0
            },
            "{workload}:\n{report}"
        );
    }
    // What sysbench read is what the master has: its point select and range queries.
    for q in [
        "SELECT c FROM sbtest.sbtest1 WHERE id=500",
        "SELECT SUM(k) FROM sbtest.sbtest2 WHERE id BETWEEN 100 AND 199",
        "SELECT DISTINCT c FROM sbtest.sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c",
    ] {
        assert_eq!(r.proc.sql(q).unwrap(), m.sql(q), "{q}");
    }
}
