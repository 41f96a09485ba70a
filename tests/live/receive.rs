//! The receiver against real MariaDB masters: what arrives in the relay log must decode, with
//! mariadb-binlog itself, to exactly what the master's binlogs decode to — for every binlog
//! format and checksum setting, across SIGKILLs of replicant and restarts of the master.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(120);

/// A replicant datadir plus the process replicating into it.
struct Replica {
    /// Scratch dir holding the datadir (outlives restarts of the process).
    dir: tempfile::TempDir,
    /// The running daemon, if any.
    proc: Option<Replicant>,
    /// Arguments of `run`.
    args: Vec<String>,
}

impl Replica {
    fn new(master: &MariaDb, extra: &[&str]) -> Replica {
        let dir = tempfile::Builder::new()
            .prefix("rpl-r-")
            .tempdir_in("/tmp")
            .unwrap();
        let mut args = run_args(
            &dir.path().join("data"),
            master.port(),
            102,
            // These tests read the relay files: keep them after they are applied.
            &["--master-connect-retry=1", "--relay-log-purge=0"],
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        Replica {
            dir,
            proc: None,
            args,
        }
    }

    fn datadir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start(&mut self) {
        self.proc = Some(Replicant::spawn(&self.args));
    }

    fn relay_files(&self) -> Vec<PathBuf> {
        let index =
            std::fs::read_to_string(self.datadir().join("relay-bin.index")).unwrap_or_default();
        index
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                self.datadir()
                    .join(Path::new(l.trim()).file_name().unwrap())
            })
            .collect()
    }

    /// The last master coordinate in the relay log, from `relaylog list`.
    fn last_master_pos(&self) -> Option<String> {
        let out = replicant_cmd([
            "relaylog",
            "list",
            "--datadir",
            self.datadir().to_str().unwrap(),
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .rfind(|l| l.starts_with("relay-bin."))
            .and_then(|l| l.split_whitespace().nth(4).map(str::to_string))
    }

    /// Waits until the relay log holds everything up to the master's current position.
    fn wait_caught_up(&mut self, master: &MariaDb) {
        let (file, pos) = master.master_status();
        let want = format!("{file}:{pos}");
        let mut seen = None;
        let ok = wait_until(WAIT, || {
            seen = self.last_master_pos();
            seen.as_deref() == Some(want.as_str())
        });
        if !ok {
            let err = self.proc.as_ref().map(|p| p.stderr()).unwrap_or_default();
            panic!("relay log did not reach {want} (last seen {seen:?})\n{err}");
        }
    }

    fn status(&self) -> String {
        let out = replicant_cmd(["status", "--datadir", self.datadir().to_str().unwrap()]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Asserts that mariadb-binlog decodes the relay log to the same rows and statements as
/// the master's binlogs, and that replicant's own verify accepts every relay file.
fn assert_relay_matches_master(master: &MariaDb, replica: &Replica) {
    let relay = replica.relay_files();
    assert!(!relay.is_empty(), "no relay files");
    let want = row_and_statement_lines(&mariadb_binlog_decode_all(&master.binlog_files()));
    let got = row_and_statement_lines(&mariadb_binlog_decode_all(&relay));
    assert!(
        want.len() > 3,
        "master binlog decoded to almost nothing: {want:?}"
    );
    if want != got {
        let first = want
            .iter()
            .zip(&got)
            .position(|(a, b)| a != b)
            .unwrap_or(want.len().min(got.len()));
        panic!(
            "relay log differs from the master's binlogs at item {first} (master has {}, relay {}):\nmaster: {:?}\nrelay:  {:?}",
            want.len(),
            got.len(),
            want.get(first),
            got.get(first)
        );
    }
    for f in &relay {
        let out = replicant_cmd(["relaylog", "verify", f.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "verify {}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn master_with_repl(opts: MasterOpts) -> MariaDb {
    let m = MariaDb::start(opts);
    m.create_repl_user("repl", "repl");
    m
}

#[test]
fn seed_db01_user_row_crc32() {
    let m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    let mut r = Replica::new(&m, &[]);
    r.start();
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    // The tool shows the seed's rows.
    let relay = r.relay_files();
    let out = replicant_cmd(["relaylog", "print", "-v", relay[0].to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("insert into user(id,name,sex) values(null,'Tom','1')"),
        "{text}"
    );
    // `relaylog list` names each file with the master coordinates it covers.
    m.sql("FLUSH BINARY LOGS; INSERT INTO db01.user(name, sex) VALUES ('Eve', '0')");
    r.wait_caught_up(&m);
    let out = replicant_cmd([
        "relaylog",
        "list",
        "--datadir",
        r.datadir().to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("relay-bin."))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "the master's rotate starts a new relay file:\n{text}"
    );
    assert_eq!(rows[0][3], "master-bin.000001:4", "{text}");
    assert_eq!(rows[0][4], "master-bin.000002:4", "{text}");
    assert_eq!(rows[1][3], "master-bin.000002:4", "{text}");
    let (file, pos) = m.master_status();
    assert_eq!(rows[1][4], format!("{file}:{pos}"), "{text}");
    for row in &rows {
        let size = std::fs::metadata(r.datadir().join(row[0])).unwrap().len();
        assert_eq!(row[1], size.to_string(), "{text}");
    }
    // SHOW SLAVE HOSTS on the master lists us after COM_REGISTER_SLAVE.
    let hosts = m.sql("SHOW SLAVE HOSTS");
    assert!(hosts.starts_with("102\t"), "SHOW SLAVE HOSTS: {hosts:?}");
    // Status names the master coordinates.
    // Status follows within moments (it is written at most every 250 ms while streaming).
    let (file, pos) = m.master_status();
    let mut status = String::new();
    let ok = wait_until(Duration::from_secs(10), || {
        status = r.status();
        status.contains(&format!("Master_Log_File: {file}\n"))
            && status.contains(&format!("Read_Master_Log_Pos: {pos}\n"))
            && status.contains("Slave_IO_Running: Yes")
    });
    assert!(ok, "{status}");
    r.proc.as_mut().unwrap().terminate();
}

fn workload(m: &MariaDb) {
    m.sql(
        "CREATE DATABASE w; USE w; \
         CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100), d DECIMAL(10,2), ts DATETIME(6)); \
         INSERT INTO t (v, d, ts) VALUES ('a', 1.5, '2020-01-01 00:00:00.123456'), ('b', NULL, NOW(6)); \
         SET @x = 42; INSERT INTO t (v, d) VALUES (CONCAT('u', @x), @x); \
         INSERT INTO t (v) VALUES (RAND() > 2); \
         UPDATE t SET v = 'changed' WHERE id <= 2; \
         DELETE FROM t WHERE id = 3; \
         BEGIN; INSERT INTO t (v) VALUES ('in trx'); INSERT INTO t (v) VALUES ('in trx 2'); COMMIT; \
         ALTER TABLE t ADD COLUMN extra INT DEFAULT 7; \
         CREATE TABLE nopk (a INT, b TEXT); INSERT INTO nopk VALUES (1, REPEAT('x', 5000)), (1, 'dup'); \
         DELETE FROM nopk WHERE b = 'dup'; DROP TABLE nopk;",
    );
}

fn formats_case(format: &str, checksum: &str) {
    let m = master_with_repl(MasterOpts {
        binlog_format: format.into(),
        binlog_checksum: checksum.into(),
        ..MasterOpts::default()
    });
    seed_db01_user(&m);
    workload(&m);
    let mut r = Replica::new(&m, &[]);
    r.start();
    r.wait_caught_up(&m);
    // More while streaming, after the dump caught up.
    m.sql("INSERT INTO w.t (v) VALUES ('late'); FLUSH BINARY LOGS; INSERT INTO w.t (v) VALUES ('after rotate')");
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}

#[test]
fn statement_format_no_checksum() {
    formats_case("STATEMENT", "NONE");
}

#[test]
fn mixed_format_crc32() {
    formats_case("MIXED", "CRC32");
}

#[test]
fn row_format_no_checksum() {
    formats_case("ROW", "NONE");
}

#[test]
fn sysbench_write_only_with_small_relay_files() {
    let m = master_with_repl(MasterOpts::default());
    let mut r = Replica::new(&m, &["--max-relay-log-size=65536"]);
    r.start();
    sysbench(
        &m,
        &SysbenchOpts {
            time_secs: 4,
            ..SysbenchOpts::default()
        },
    );
    r.wait_caught_up(&m);
    assert!(
        r.relay_files().len() > 3,
        "expected rotation at 64 KiB: {:?}",
        r.relay_files()
    );
    let files = r.relay_files();
    for f in &files[..files.len() - 1] {
        let len = std::fs::metadata(f).unwrap().len();
        // A file closes at the first transaction boundary past the limit, never before.
        assert!(len >= 65536, "{} rotated early at {len} bytes", f.display());
    }
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}

#[test]
fn sigkill_during_streaming_loses_and_duplicates_nothing() {
    let m = master_with_repl(MasterOpts::default());
    let mut r = Replica::new(&m, &["--sync-relay-log=7"]);
    r.start();
    let port = m.port();
    let load = std::thread::spawn(move || {
        let common = ["--tables=1", "--table-size=2000", "--rand-seed=3"];
        sysbench_at(port, "mysql", "oltp_write_only", "prepare", &common);
        let run = [&common[..], &["--threads=2", "--time=8"]].concat();
        sysbench_at(port, "mysql", "oltp_write_only", "run", &run);
    });
    for i in 0..5 {
        std::thread::sleep(Duration::from_millis(900 + 300 * i));
        r.proc.as_mut().unwrap().kill9();
        r.start();
    }
    load.join().unwrap();
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}

#[test]
fn torn_relay_tail_is_cut_and_streaming_resumes() {
    let m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    let mut r = Replica::new(&m, &[]);
    r.start();
    r.wait_caught_up(&m);
    r.proc.as_mut().unwrap().kill9();
    // A crash mid-write: half an event at the end of the last file.
    let last = r.relay_files().pop().unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    let good_len = bytes.len();
    bytes.extend_from_slice(&[0x12, 0x34, 0x56, 0x78, 2, 1, 0, 0, 0, 200, 0]);
    std::fs::write(&last, &bytes).unwrap();
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('after crash', '0')");
    r.start();
    r.wait_caught_up(&m);
    assert_eq!(
        std::fs::metadata(&last).unwrap().len() as usize,
        good_len,
        "torn tail not cut"
    );
    assert!(
        r.proc.as_ref().unwrap().stderr().contains("torn tail"),
        "recovery not reported"
    );
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}

#[test]
fn master_restart_during_streaming() {
    let mut m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    let mut r = Replica::new(&m, &["--slave-net-timeout=5"]);
    r.start();
    r.wait_caught_up(&m);
    m.restart();
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('after restart', '1')");
    r.wait_caught_up(&m);
    m.kill9();
    m.start_again();
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('after crash', '1')");
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    assert!(r.proc.as_ref().unwrap().stderr().contains("will reconnect"));
    r.proc.as_mut().unwrap().terminate();
}

/// The receiver stops by itself with `code`; the daemon stays up (as mysqld does when its
/// IO thread fails) with the error in SHOW SLAVE STATUS.
fn expect_fatal(r: &mut Replica, code: &str, text: &str) {
    let want = format!("Last_IO_Errno: {code}");
    let ok = wait_until(Duration::from_secs(60), || {
        let st = r.status();
        st.contains(&want) && st.contains("Slave_IO_Running: No")
    });
    assert!(ok, "receiver did not stop with {code}:\n{}", r.status());
    let p = r.proc.as_mut().unwrap();
    assert!(p.try_wait().is_none(), "the daemon must stay up");
    let err = p.stderr();
    assert!(err.contains(text), "stderr lacks {text:?}:\n{err}");
    let st = r.status();
    assert!(st.contains(&format!("Last_IO_Errno: {code}")), "{st}");
    assert!(st.contains("Slave_IO_Running: No"), "{st}");
}

#[test]
fn wrong_password_stops_with_1045() {
    let m = master_with_repl(MasterOpts::default());
    let mut r = Replica::new(&m, &["--master-password=wrong"]);
    r.start();
    expect_fatal(&mut r, "1045", "Access denied for user 'repl'");
}

#[test]
fn master_without_binlog_is_reported() {
    let m = master_with_repl(MasterOpts {
        log_bin: false,
        ..MasterOpts::default()
    });
    let mut r = Replica::new(&m, &[]);
    r.start();
    expect_fatal(&mut r, "1381", "does not have binary logging enabled");
}

#[test]
fn equal_server_id_is_refused() {
    let m = master_with_repl(MasterOpts {
        server_id: 102,
        ..MasterOpts::default()
    });
    let mut r = Replica::new(&m, &[]);
    r.start();
    expect_fatal(&mut r, "1593", "equal MySQL server ids");
}

#[test]
fn purged_binlog_gives_1236() {
    // The replica is set to start in a binlog the master really had and then purged.
    let m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    m.sql(
        "FLUSH BINARY LOGS; INSERT INTO db01.user VALUES (NULL, 'later', '1'); FLUSH BINARY LOGS",
    );
    let files = m.binlog_files();
    assert!(files.len() >= 3, "{files:?}");
    let last = files
        .last()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    // MariaDB keeps a file until its binlog checkpoint has moved on (shortly after a flush).
    let purged = wait_until(Duration::from_secs(30), || {
        m.sql(&format!("PURGE BINARY LOGS TO '{last}'"));
        !files[0].exists()
    });
    assert!(purged, "{} was not purged", files[0].display());
    let mut r = Replica::new(
        &m,
        &["--master-log-file=master-bin.000001", "--master-log-pos=4"],
    );
    r.start();
    expect_fatal(&mut r, "1236", "Got fatal error 1236 from master");
    let st = r.status();
    assert!(
        st.contains("Could not find first log file name in binary log index file"),
        "{st}"
    );
}

#[test]
fn ed25519_and_native_auth() {
    let m = MariaDb::start(MasterOpts::default());
    m.create_repl_user_native("repl", "repl");
    seed_db01_user(&m);
    let mut r = Replica::new(&m, &[]);
    r.start();
    r.wait_caught_up(&m);
    r.proc.as_mut().unwrap().terminate();
    m.create_repl_user_ed25519("edrepl", "ed-secret");
    let mut r = Replica::new(&m, &["--master-user=edrepl", "--master-password=ed-secret"]);
    r.start();
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
    let mut bad = Replica::new(&m, &["--master-user=edrepl", "--master-password=nope"]);
    bad.start();
    expect_fatal(&mut bad, "1045", "Access denied");
}

#[test]
fn seed_slave_cnf_starts_replicant() {
    let m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    let dir = tempfile::Builder::new()
        .prefix("rpl-cnf-")
        .tempdir_in("/tmp")
        .unwrap();
    let cnf = dir.path().join("my.cnf");
    // The seed's slave my.cnf, verbatim apart from the connection settings.
    std::fs::write(
        &cnf,
        format!(
            "[mysqld]\n## 设置server_id，同一局域网中需要唯一\nserver_id=102\nbinlog-ignore-db=mysql  \nlog-bin=mall-mysql-slave1-bin  \n\
             binlog_cache_size=1M  \nbinlog_format=mixed  \nexpire_logs_days=7  \nslave_skip_errors=1062  \n\
             relay_log=mall-mysql-relay-bin  \nlog_slave_updates=1  \nread_only=1\n\n[replicant]\ndatadir={}\n\
             master_host=127.0.0.1\nmaster_port={}\nmaster_user=repl\nmaster_password=repl\n",
            dir.path().join("data").display(),
            m.port()
        ),
    )
    .unwrap();
    let mut p = Replicant::spawn(["run", &format!("--defaults-file={}", cnf.display())]);
    let idx = dir.path().join("data/mall-mysql-relay-bin.index");
    p.wait_for("relay index", WAIT, || idx.exists());
    let err = p.stderr();
    assert!(
        err.contains(
            "ignoring options that do not apply to replicant: binlog-cache-size=1M, binlog-format=mixed"
        ),
        "{err}"
    );
    assert_eq!(err.matches("ignoring options").count(), 1);
    // log-bin with log_slave_updates: the seed's slave logs what it applies, db01.user's
    // rows included.
    let binlog_index = dir.path().join("data/mall-mysql-slave1-bin.index");
    let mut decoded = String::new();
    p.wait_for("db01.user rows in the slave's binlog", WAIT, || {
        let files: Vec<_> = std::fs::read_to_string(&binlog_index)
            .unwrap_or_default()
            .lines()
            .map(|l| dir.path().join("data").join(l.trim_start_matches("./")))
            .collect();
        decoded = std::process::Command::new("mariadb-binlog")
            .args(["-v", "--base64-output=decode-rows"])
            .args(&files)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        !files.is_empty() && decoded.matches("### INSERT INTO `db01`.`user`").count() > 0
    });
    p.terminate();
}

#[test]
fn tls_to_master() {
    let m0 = tempfile::Builder::new()
        .prefix("rpl-tls-")
        .tempdir_in("/tmp")
        .unwrap();
    let d = m0.path();
    let gen = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    gen(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    gen(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(d.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    gen(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.pem",
    ]);
    let m = master_with_repl(MasterOpts {
        extra_args: vec![
            format!("--ssl-ca={}", d.join("ca.pem").display()),
            format!("--ssl-cert={}", d.join("server.pem").display()),
            format!("--ssl-key={}", d.join("server.key").display()),
        ],
        ..MasterOpts::default()
    });
    m.sql("ALTER USER 'repl'@'%' REQUIRE SSL");
    seed_db01_user(&m);
    // Without TLS the master refuses the user.
    let mut plain = Replica::new(&m, &[]);
    plain.start();
    expect_fatal(&mut plain, "1045", "Access denied");
    let ca = format!("--master-ssl-ca={}", d.join("ca.pem").display());
    let mut r = Replica::new(
        &m,
        &["--master-ssl", &ca, "--master-ssl-verify-server-cert"],
    );
    r.start();
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}

#[test]
fn heartbeats_keep_idle_link_and_net_timeout_detects_dead_master() {
    let m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    let mut r = Replica::new(
        &m,
        &["--slave-net-timeout=3", "--master-heartbeat-period=0.5"],
    );
    r.start();
    r.wait_caught_up(&m);
    // Idle for longer than slave_net_timeout: heartbeats keep the link up.
    std::thread::sleep(Duration::from_secs(5));
    let err = r.proc.as_ref().unwrap().stderr();
    assert!(
        !err.contains("will reconnect"),
        "an idle but live master was dropped:\n{err}"
    );
    // A master that stops answering (SIGSTOP) is detected within slave_net_timeout.
    let pid = m.pid().expect("master pid") as i32;
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let p = r.proc.as_mut().unwrap();
    let detected = wait_until(Duration::from_secs(30), || {
        p.stderr().contains("slave_net_timeout")
    });
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert!(detected, "dead master not detected:\n{}", p.stderr());
    m.sql("INSERT INTO db01.user(name, sex) VALUES ('after stall', '1')");
    r.wait_caught_up(&m);
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}

/// A TCP proxy between replicant and the master that flips one byte of the stream from the
/// master once `corrupt_after` bytes have passed (only on the first connection).
fn corrupting_proxy(master_port: u16, corrupt_after: usize) -> u16 {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut first = true;
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", master_port)) else {
                return;
            };
            let mut c2 = client.try_clone().unwrap();
            let mut s2 = server.try_clone().unwrap();
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
            });
            let corrupt = std::mem::take(&mut first);
            std::thread::spawn(move || {
                let mut seen = 0usize;
                let mut done = !corrupt;
                let mut buf = [0u8; 16384];
                loop {
                    let n = match server.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if !done && seen + n > corrupt_after {
                        buf[corrupt_after - seen] ^= 0x40;
                        done = true;
                    }
                    seen += n;
                    if client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = client.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    port
}

#[test]
fn corrupted_event_is_never_written_and_streaming_resumes() {
    let m = master_with_repl(MasterOpts::default());
    seed_db01_user(&m);
    workload(&m);
    // Past the handshake and the first events, inside the row events.
    let port = corrupting_proxy(m.port(), 3000);
    let mut r = Replica::new(&m, &[&format!("--master-port={port}")]);
    r.start();
    r.wait_caught_up(&m);
    let err = r.proc.as_ref().unwrap().stderr();
    assert!(
        err.contains("bad event from master"),
        "corruption not detected:\n{err}"
    );
    assert!(err.contains("checksum mismatch"), "{err}");
    assert_relay_matches_master(&m, &r);
    r.proc.as_mut().unwrap().terminate();
}
