//! The MySQL-protocol endpoint against the real `mariadb` CLI: the seed's slave script
//! (CHANGE MASTER TO; START SLAVE; SHOW SLAVE STATUS\G) on a replicant started without a
//! master, settings surviving a restart, session statements, accounts, read_only, limits.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(120);

/// A `mariadb` CLI logged in as root and waiting on its stdin: an idle session.
fn idle_client(port: u16) -> std::process::Child {
    Command::new("mariadb")
        .args(["--no-defaults", "--protocol=TCP", "-h127.0.0.1", "-uroot"])
        .arg(format!("--port={port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A replicant with an empty datadir and no master.
fn bare_replicant(extra: &[&str]) -> (tempfile::TempDir, Replicant) {
    let dir = tempfile::Builder::new()
        .prefix("rpl-ep-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let mut args = vec![
        "run".to_string(),
        format!("--datadir={}", datadir.display()),
        "--server-id=102".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut r = Replicant::spawn(args);
    r.wait_endpoint();
    (dir, r)
}

/// `\G` output as name → value.
fn field(g_output: &str, name: &str) -> Option<String> {
    g_output.lines().find_map(|l| {
        let (n, v) = l.split_once(": ")?;
        (n.trim() == name).then(|| v.to_string())
    })
}

fn wait_field(r: &Replicant, name: &str, want: &str) -> String {
    let mut out = String::new();
    let ok = wait_until(WAIT, || {
        out = r
            .client(&["-uroot"], "SHOW SLAVE STATUS\\G")
            .unwrap_or_default();
        field(&out, name).as_deref() == Some(want)
    });
    assert!(ok, "{name} never became {want}:\n{out}");
    out
}

#[test]
fn seed_slave_script_then_restart() {
    let m = master();
    // The seed script: SHOW MASTER STATUS on the master, then on the slave
    // `mysql -e "change master to ...; start slave; show slave status\G"`.
    let (file, pos) = m.master_status();
    let dir_and_r = bare_replicant(&[]);
    let (_dir, mut r) = dir_and_r;
    assert_eq!(
        r.sql("SHOW SLAVE STATUS").unwrap(),
        "",
        "no master yet: empty set"
    );
    let err = r.sql("START SLAVE").unwrap_err();
    assert!(err.contains("ERROR 1200 (HY000)"), "{err}");
    let script = format!(
        "change master to master_host='127.0.0.1',master_user='repl',master_password='repl',master_port={},master_log_file='{file}',master_log_pos={pos}; start slave; show slave status\\G",
        m.port()
    );
    let out = r.client(&["-uroot"], &script).unwrap();
    assert_eq!(
        field(&out, "Master_Host").as_deref(),
        Some("127.0.0.1"),
        "{out}"
    );
    assert_eq!(field(&out, "Master_User").as_deref(), Some("repl"));
    assert_eq!(field(&out, "Master_Port"), Some(m.port().to_string()));
    assert_eq!(
        field(&out, "Slave_SQL_Running").as_deref(),
        Some("Yes"),
        "{out}"
    );
    assert!(
        matches!(
            field(&out, "Slave_IO_Running").as_deref(),
            Some("Yes" | "Connecting")
        ),
        "{out}"
    );
    seed_db01_user(&m);
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('via endpoint', '1')");
    let (file2, pos2) = m.master_status();
    let out = wait_field(&r, "Exec_Master_Log_Pos", &pos2.to_string());
    assert_eq!(field(&out, "Relay_Master_Log_File"), Some(file2.clone()));
    assert_eq!(field(&out, "Seconds_Behind_Master").as_deref(), Some("0"));
    assert_eq!(field(&out, "Last_SQL_Errno").as_deref(), Some("0"));
    let datadir = _dir.path().join("data");
    assert_same_table(&m, &datadir, "db01.user", "id");
    assert!(r.sql("SHOW DATABASES").unwrap().contains("db01\n"));
    assert_eq!(r.sql("SHOW TABLES FROM db01").unwrap(), "user\n");

    // Settings may not change under running threads.
    let err = r
        .sql("CHANGE MASTER TO MASTER_CONNECT_RETRY=5")
        .unwrap_err();
    assert!(err.contains("ERROR 1198 (HY000)"), "{err}");
    let err = r.sql("RESET SLAVE").unwrap_err();
    assert!(err.contains("ERROR 1198"), "{err}");

    // STOP SLAVE: both threads No, Seconds_Behind_Master NULL; STOP again is a note.
    r.sql("STOP SLAVE").unwrap();
    let out = r.client(&["-uroot"], "SHOW SLAVE STATUS\\G").unwrap();
    assert_eq!(
        field(&out, "Slave_IO_Running").as_deref(),
        Some("No"),
        "{out}"
    );
    assert_eq!(
        field(&out, "Slave_SQL_Running").as_deref(),
        Some("No"),
        "{out}"
    );
    assert_eq!(
        field(&out, "Seconds_Behind_Master").as_deref(),
        Some("NULL")
    );
    let out = r.sql("STOP SLAVE; SHOW WARNINGS").unwrap();
    assert_eq!(out, "Note\t1255\tSlave already has been stopped\n");

    // Bad settings are refused and change nothing.
    let e = r
        .sql("CHANGE MASTER TO RELAY_LOG_FILE='relay-bin.999999', RELAY_LOG_POS=4")
        .unwrap_err();
    assert!(e.contains("ERROR 1380 (HY000)"), "{e}");
    let e = r
        .sql("CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD=1e20")
        .unwrap_err();
    assert!(e.contains("ERROR 1703 (HY000)"), "{e}");

    // Rows written while stopped arrive after START SLAVE.
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('while stopped', '0')");
    r.sql("START SLAVE IO_THREAD").unwrap();
    let out = r.client(&["-uroot"], "SHOW SLAVE STATUS\\G").unwrap();
    assert_eq!(field(&out, "Slave_SQL_Running").as_deref(), Some("No"));
    r.sql("START SLAVE").unwrap();
    let (_, pos3) = m.master_status();
    wait_field(&r, "Exec_Master_Log_Pos", &pos3.to_string());
    assert_same_table(&m, &datadir, "db01.user", "id");

    // CHANGE MASTER TO settings survive a restart, which starts replication by itself.
    let port = r.port();
    r.terminate();
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('while down', '1')");
    let mut r = Replicant::spawn([
        "run".to_string(),
        format!("--datadir={}", datadir.display()),
        "--server-id=102".into(),
        format!("--port={port}"),
    ]);
    r.wait_endpoint();
    let (_, pos4) = m.master_status();
    let out = wait_field(&r, "Exec_Master_Log_Pos", &pos4.to_string());
    assert_eq!(field(&out, "Master_Host").as_deref(), Some("127.0.0.1"));
    assert_same_table(&m, &datadir, "db01.user", "id");
    r.terminate();
}

#[test]
fn session_statements_accounts_and_read_only() {
    let (dir, mut r) = bare_replicant(&[
        "--account=root@localhost ADMIN",
        "--account=app@'%' IDENTIFIED BY 's3cret' READ",
        "--account=sha@'%' IDENTIFIED WITH caching_sha2_password BY 'pw2' READ",
        "--max-connections=3",
    ]);
    // What the mariadb CLI and connectors ask at connect time.
    assert_eq!(
        r.sql("SELECT @@version_comment LIMIT 1").unwrap(),
        "replicant, a MySQL/MariaDB replica\n"
    );
    assert_eq!(
        r.sql("SELECT @@server_id, @@read_only, @@max_allowed_packet, @@autocommit, USER(), CURRENT_USER(), DATABASE()")
            .unwrap(),
        "102\t1\t16777216\t1\troot@localhost\troot@localhost\tNULL\n"
    );
    // Column names are the select items as typed.
    let out = r
        .client(
            &["-uroot", "--batch"],
            "select 1+1, @@session.autocommit AS ac",
        )
        .unwrap();
    assert_eq!(out, "1+1\tac\n2\t1\n");
    let out = r
        .sql("SET NAMES utf8mb4; SET autocommit=0, @x = 5; SELECT @@autocommit, @x, @@character_set_client")
        .unwrap();
    assert_eq!(out, "0\t5\tutf8mb4\n");
    assert!(r
        .sql("SHOW VARIABLES LIKE 'server_id'")
        .unwrap()
        .contains("server_id\t102\n"));
    assert_eq!(
        r.sql("SHOW VARIABLES LIKE 'read_only'").unwrap(),
        "read_only\tON\n"
    );
    // Connectors' forms: SHOW VARIABLES WHERE (Connector/J, ODBC) and the big SELECT of
    // variables Connector/J 5.1 sends at connect.
    assert_eq!(
        r.sql(
            "SHOW VARIABLES WHERE Variable_name = 'server_id' OR Variable_name IN ('port', 'nope')"
        )
        .unwrap(),
        format!("port\t{}\nserver_id\t102\n", r.port())
    );
    assert_eq!(
        r.sql("SHOW SESSION VARIABLES WHERE Value LIKE 'utf8mb4%' AND Variable_name LIKE 'character_set_c%'")
            .unwrap(),
        "character_set_client\tutf8mb4\ncharacter_set_connection\tutf8mb4\n"
    );
    let jdbc = "/* mysql-connector-java-5.1.49 ( Revision: ad86f36e100e104cd926c6b81c8cab9565750116 ) */SELECT  @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@character_set_connection AS character_set_connection, @@character_set_results AS character_set_results, @@character_set_server AS character_set_server, @@collation_server AS collation_server, @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, @@license AS license, @@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS max_allowed_packet, @@net_buffer_length AS net_buffer_length, @@net_write_timeout AS net_write_timeout, @@query_cache_size AS query_cache_size, @@query_cache_type AS query_cache_type, @@sql_mode AS sql_mode, @@system_time_zone AS system_time_zone, @@time_zone AS time_zone, @@tx_isolation AS tx_isolation, @@wait_timeout AS wait_timeout";
    let out = r.client(&["-uroot", "--batch"], jdbc).unwrap();
    let mut lines = out.lines();
    assert_eq!(lines.next().unwrap().split('\t').count(), 20, "{out}");
    assert!(lines.next().unwrap().starts_with("1\tutf8mb4\t"), "{out}");

    // mysqld's errors, codes and texts.
    let err = |q: &str| r.sql(q).unwrap_err();
    assert!(err("SET @@nope = 1")
        .contains("ERROR 1193 (HY000) at line 1: Unknown system variable 'nope'"));
    assert!(err("SET SESSION max_connections = 5").contains("ERROR 1229 (HY000)"));
    assert!(err("SET GLOBAL version = 'x'").contains("ERROR 1238 (HY000)"));
    assert!(err("SELEC 1").contains("ERROR 1064 (42000)"));
    assert!(err("SELECT nope").contains("ERROR 1054 (42S22)"));
    assert!(err("USE nowhere").contains("ERROR 1049 (42000) at line 1: Unknown database 'nowhere'"));
    for write in [
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 1",
        "DELETE FROM t",
        "CREATE TABLE t (a INT)",
        "DROP DATABASE mysql",
    ] {
        assert!(
            err(write).contains("ERROR 1290 (HY000) at line 1: The MySQL server is running with the --read-only option so it cannot execute this statement"),
            "{write}"
        );
    }

    // Accounts: passwords, 1045 texts, privileges.
    let app = |pw: &str, q: &str| {
        r.client(
            &[
                "-uapp",
                &format!("-p{pw}"),
                "--batch",
                "--skip-column-names",
            ],
            q,
        )
    };
    assert_eq!(app("s3cret", "SELECT CURRENT_USER()").unwrap(), "app@%\n");
    let e = app("wrong", "SELECT 1").unwrap_err();
    assert!(
        e.contains(
            "ERROR 1045 (28000): Access denied for user 'app'@'localhost' (using password: YES)"
        ),
        "{e}"
    );
    let e = r.client(&["-unobody"], "SELECT 1").unwrap_err();
    assert!(
        e.contains(
            "ERROR 1045 (28000): Access denied for user 'nobody'@'localhost' (using password: NO)"
        ),
        "{e}"
    );
    let e = app("s3cret", "STOP SLAVE").unwrap_err();
    assert!(e.contains("ERROR 1227 (42000)"), "{e}");
    let e = app("s3cret", "SET GLOBAL sql_slave_skip_counter = 1").unwrap_err();
    assert!(e.contains("ERROR 1227 (42000)"), "{e}");
    // caching_sha2_password (the CLI switches plugin when asked).
    let sha = r
        .client(
            &["-usha", "-ppw2", "--batch", "--skip-column-names"],
            "SELECT USER()",
        )
        .unwrap();
    assert_eq!(sha, "sha@localhost\n");
    assert!(r
        .client(&["-usha", "-pnope"], "SELECT 1")
        .unwrap_err()
        .contains("ERROR 1045"));

    // The socket, as `localhost`.
    let socket = dir.path().join("data/mysql.sock");
    let out = Command::new("mariadb")
        .args(["--no-defaults", "-uroot", "--batch", "--skip-column-names"])
        .arg(format!("--socket={}", socket.display()))
        .args(["-e", "SELECT USER(), @@socket = @@socket"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "root@localhost\t1\n");

    // SET GLOBAL sql_slave_skip_counter reaches SHOW SLAVE STATUS once a master is set.
    r.sql("SET GLOBAL sql_slave_skip_counter = 2").unwrap();
    assert_eq!(
        r.sql("SELECT @@global.sql_slave_skip_counter").unwrap(),
        "2\n"
    );

    // max_connections: with three clients connected, the next gets 1040.
    let hold = || idle_client(r.port());
    // KILL: by id from SHOW PROCESSLIST; others' sessions need admin rights.
    let mut victim = hold();
    let mut id = String::new();
    assert!(wait_until(Duration::from_secs(30), || {
        let list = r.sql("SHOW PROCESSLIST").unwrap_or_default();
        match list.lines().find(|l| l.contains("\tSleep\t")) {
            Some(l) => {
                id = l.split('\t').next().unwrap().to_string();
                true
            }
            None => false,
        }
    }));
    let e = app("s3cret", &format!("KILL {id}")).unwrap_err();
    assert!(
        e.contains(&format!(
            "ERROR 1095 (HY000) at line 1: You are not owner of thread {id}"
        )),
        "{e}"
    );
    r.sql(&format!("KILL CONNECTION {id}")).unwrap();
    assert!(wait_until(Duration::from_secs(30), || !r
        .sql("SHOW PROCESSLIST")
        .unwrap_or_default()
        .contains("\tSleep\t")));
    let _ = victim.kill();
    let _ = victim.wait();
    let e = r.sql("KILL 999999").unwrap_err();
    assert!(
        e.contains("ERROR 1094 (HY000) at line 1: Unknown thread id: 999999"),
        "{e}"
    );

    let mut held: Vec<_> = (0..3).map(|_| hold()).collect();
    let mut last = String::new();
    let refused = wait_until(Duration::from_secs(30), || {
        // A holder that lost the race for a slot to this probe was refused: replace it.
        for c in &mut held {
            if c.try_wait().ok().flatten().is_some() {
                *c = hold();
            }
        }
        match r.sql("SELECT 1") {
            Ok(_) => false,
            Err(e) => {
                last = e;
                last.contains("1040")
            }
        }
    });
    assert!(refused, "never refused: {last}");
    // The refusal comes before the handshake, as mysqld's does; MariaDB's client reports it
    // as "ERROR 2002 ... error packet before completion of TLS handshake ... 1040 - Too
    // many connections" against mysqld too.
    assert!(last.contains("1040 - Too many connections"), "{last}");
    for c in &mut held {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert!(wait_until(Duration::from_secs(30), || r
        .sql("SELECT 1")
        .is_ok()));
    r.terminate();
}

/// Drives a program under a pseudo-terminal (python3's pty module): argv[1] is the port,
/// the rest are lines typed at the prompt; prints the whole session.
const PTY_DRIVER: &str = r#"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("mariadb", ["mariadb", "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
                          "-P" + sys.argv[1], "-uroot"])
out = b""
def read_until(token, timeout=20):
    global out
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            out += data
            if out.endswith(token):
                return
read_until(b"> ")
for line in sys.argv[2:]:
    os.write(fd, line.encode() + b"\n")
    read_until(b"> ")
os.write(fd, b"quit\n")
read_until(b"Bye\r\n")
sys.stdout.write(out.decode("utf-8", "replace"))
"#;

#[test]
fn interactive_cli_under_a_pty() {
    let (dir, r) = bare_replicant(&[]);
    let script = dir.path().join("drive_cli.py");
    std::fs::write(&script, PTY_DRIVER).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .arg(r.port().to_string())
        .args([
            "select @@version_comment;",
            "show slave status\\G",
            "use mysql",
            "show tables;",
            "status",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Welcome to the MariaDB monitor.",
        "Server version: 10.11.99-MariaDB-replicant",
        "| replicant, a MySQL/MariaDB replica |",
        "Empty set",
        "Database changed",
        "Current user:\t\troot@localhost",
        "Bye",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
}

#[test]
fn tls_for_clients() {
    let keys = tempfile::Builder::new()
        .prefix("rpl-tlsc-")
        .tempdir_in("/tmp")
        .unwrap();
    let (cert, key) = (keys.path().join("cert.pem"), keys.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (_dir, r) = bare_replicant(&[
        &format!("--ssl-cert={}", cert.display()),
        &format!("--ssl-key={}", key.display()),
    ]);
    let out = r.client(&["-uroot", "--ssl"], "status").unwrap();
    assert!(out.contains("SSL:\t\t\tCipher in use is TLS"), "{out}");
    assert_eq!(
        r.client(
            &["-uroot", "--ssl", "--batch", "--skip-column-names"],
            "SELECT USER()"
        )
        .unwrap(),
        "root@localhost\n"
    );
    // Without TLS the same server still answers.
    assert_eq!(r.sql("SELECT 1").unwrap(), "1\n");
}

/// Sessions wait for their next command blocked in a read on threads of their own: SIGTERM
/// still ends them and the daemon exits cleanly.
#[test]
fn shutdown_with_idle_sessions() {
    let (_dir, mut r) = bare_replicant(&[]);
    let mut held: Vec<_> = (0..3).map(|_| idle_client(r.port())).collect();
    assert!(wait_until(Duration::from_secs(30), || {
        let list = r.sql("SHOW PROCESSLIST").unwrap_or_default();
        list.lines().filter(|l| l.contains("\tSleep\t")).count() == 3
    }));
    let status = r.terminate();
    assert!(status.success(), "{status:?}");
    // Each client sees its connection closed: the CLI, waiting on stdin, notices on its
    // next statement.
    for c in &mut held {
        let mut stdin = c.stdin.take().unwrap();
        let _ = std::io::Write::write_all(&mut stdin, b"SELECT 1;\n");
        drop(stdin);
        let st = c.wait().unwrap();
        assert!(
            !st.success(),
            "a client of the stopped daemon succeeded: {st:?}"
        );
    }
}
