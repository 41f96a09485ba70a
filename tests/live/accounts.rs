//! Accounts replicated from a real MariaDB master (issue 19): the account statements and
//! direct changes to the privilege tables a master logs change who can log in to the
//! endpoint and what they may read. Every login and query runs against the master and
//! the endpoint alike, and the outcomes (rows, or the error code and text) must match.

use crate::support::*;

/// A master whose binlog starts with the usual hardening step.
fn account_master() -> MariaDb {
    let m = MariaDb::start(MasterOpts::format("MIXED"));
    m.create_repl_user("repl", "repl");
    assert!(
        m.ed25519_available(),
        "MariaDB's auth_ed25519 plugin cannot be loaded: apt-get install -y mariadb-server"
    );
    m.sql("DELETE FROM mysql.global_priv WHERE User = ''");
    m
}

const SETUP: &str = "CREATE DATABASE d1; CREATE TABLE d1.t (a INT PRIMARY KEY, b INT, c INT);
INSERT INTO d1.t VALUES (1, 2, 3), (4, 5, 6);
CREATE DATABASE d2; CREATE TABLE d2.u (x INT); INSERT INTO d2.u VALUES (7);
CREATE USER 'bob'@'%' IDENTIFIED BY 'pw1';
CREATE USER ed@'%' IDENTIFIED VIA ed25519 USING PASSWORD('edpw');
CREATE USER cp@'%' IDENTIFIED BY 'cpw' WITH MAX_USER_CONNECTIONS 1;
CREATE USER lk@'%' IDENTIFIED BY 'p' ACCOUNT LOCK;
CREATE USER ex@'%' IDENTIFIED BY 'p' PASSWORD EXPIRE;
CREATE USER nat@'%' IDENTIFIED WITH mysql_native_password AS '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19';
CREATE USER sock@'%' IDENTIFIED VIA unix_socket;
GRANT SELECT ON d1.* TO bob@'%';
GRANT SELECT (a, b) ON d1.t TO cp@'%';
GRANT SELECT ON d2.u TO ed@'%' WITH GRANT OPTION;
GRANT PROCESS, REPLICATION SLAVE ON *.* TO nat@'%';
CREATE ROLE r1; GRANT SELECT ON d2.* TO r1; GRANT r1 TO nat@'%'; SET DEFAULT ROLE r1 FOR nat@'%'";

/// The outcome of `q` as `user` on the master and on the endpoint, made comparable: the
/// master sees TCP from 127.0.0.1 under that name (skip-name-resolve), the endpoint
/// names loopback clients `localhost`, as mysqld does without skip-name-resolve.
fn both(m: &MariaDb, r: &Replica, user: &str, password: &str, q: &str) -> (String, String) {
    let on_master = match m.sql_as(user, password, q) {
        Ok(out) => out,
        Err(e) => e.replace("'127.0.0.1'", "'localhost'"),
    };
    let on_replica = match r.proc.client(
        &[
            &format!("--user={user}"),
            &format!("--password={password}"),
            "--batch",
            "--skip-column-names",
        ],
        q,
    ) {
        Ok(out) => out,
        Err(e) => e,
    };
    (on_master, on_replica)
}

/// `q` as `user` must have the same outcome on both, which must
/// contain `expect` (rows, or `ERROR nnnn`).
fn same(m: &MariaDb, r: &Replica, user: &str, password: &str, q: &str, expect: &str) {
    let (a, b) = both(m, r, user, password, q);
    // Lines of grants install-db gave the PUBLIC role (the `test` databases) are the
    // master's own: not in its binlog.
    let mine = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains("TO PUBLIC") && *l != "test")
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(mine(&a), mine(&b), "{user}: {q}");
    assert!(
        a.contains(expect),
        "{user}: {q}: expected {expect}, got {a}"
    );
}

#[test]
fn replicated_accounts_log_in_and_read_as_on_the_master() {
    let m = account_master();
    m.sql(SETUP);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    r.proc.wait_endpoint();

    // Passwords of each plugin, wrong ones refused with 1045.
    same(
        &m,
        &r,
        "bob",
        "pw1",
        "SELECT * FROM d1.t ORDER BY a",
        "1\t2\t3",
    );
    same(&m, &r, "bob", "nope", "SELECT 1", "ERROR 1045");
    same(&m, &r, "ed", "edpw", "SELECT * FROM d2.u", "7");
    same(&m, &r, "ed", "pw1", "SELECT 1", "ERROR 1045");
    same(&m, &r, "nat", "password", "SELECT x FROM d2.u", "7");
    same(&m, &r, "nobody", "", "SELECT 1", "ERROR 1045");
    same(&m, &r, "sock", "", "SELECT 1", "ERROR 1698");
    // Roles on the endpoint: SET ROLE, CURRENT_ROLE().
    same(
        &m,
        &r,
        "nat",
        "password",
        "SELECT CURRENT_ROLE(); SET ROLE NONE; SELECT COUNT(*) FROM d2.u",
        "ERROR 1142",
    );
    same(&m, &r, "bob", "pw1", "SET ROLE r1", "ERROR 1959");
    // Replication administration needs SUPER or REPLICATION SLAVE ADMIN.
    same(&m, &r, "nat", "password", "STOP SLAVE", "ERROR 1227");
    // Account locking and expired passwords.
    same(&m, &r, "lk", "p", "SELECT 1", "ERROR 4151");
    same(&m, &r, "ex", "p", "SELECT 1", "ERROR 1820");
    // Table, database and column privileges.
    same(&m, &r, "bob", "pw1", "SELECT * FROM d2.u", "ERROR 1142");
    same(&m, &r, "bob", "pw1", "USE d2", "ERROR 1044");
    same(&m, &r, "bob", "pw1", "SHOW DATABASES", "d1");
    same(
        &m,
        &r,
        "cp",
        "cpw",
        "SELECT a, b FROM d1.t ORDER BY a",
        "1\t2",
    );
    same(&m, &r, "cp", "cpw", "SELECT c FROM d1.t", "ERROR 1143");
    same(&m, &r, "cp", "cpw", "SELECT * FROM d1.t", "ERROR 1142");
    same(&m, &r, "cp", "cpw", "SELECT COUNT(*) FROM d1.t", "2");
    same(
        &m,
        &r,
        "cp",
        "cpw",
        "SELECT a FROM d1.t WHERE c = 3",
        "ERROR 1143",
    );
    same(&m, &r, "ed", "edpw", "SELECT * FROM d1.t", "ERROR 1142");
    same(
        &m,
        &r,
        "ed",
        "edpw",
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'd%'",
        "d2\tu",
    );
    // SHOW GRANTS as each account.
    for (u, p) in [
        ("bob", "pw1"),
        ("ed", "edpw"),
        ("cp", "cpw"),
        ("nat", "password"),
    ] {
        same(&m, &r, u, p, "SHOW GRANTS", "GRANT");
    }
    // mysql.user, as the seed's notes check it on the slave.
    let users = "SELECT User, Host FROM mysql.user WHERE User IN ('bob','ed','cp','lk','ex','nat','r1') ORDER BY User";
    assert_eq!(m.sql(users), r.proc.sql(users).unwrap());

    // MAX_USER_CONNECTIONS: a second session of cp is refused while one is open.
    // The CLI connects, then waits for statements on its stdin.
    let mut hold = std::process::Command::new("mariadb")
        .args(["--no-defaults", "--protocol=TCP", "--host=127.0.0.1"])
        .arg(format!("--port={}", r.proc.port()))
        .args(["-ucp", "-pcpw"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let second = r.proc.client(&["-ucp", "-pcpw"], "SELECT 1").unwrap_err();
    assert!(second.contains("ERROR 1226"), "{second}");
    drop(hold.stdin.take());
    hold.wait().unwrap();
    // Once it has gone (its session ends when the endpoint reads its COM_QUIT), the next
    // one logs in.
    let mut last = String::new();
    let in_again = wait_until(std::time::Duration::from_secs(10), || {
        match r.proc.client(&["-ucp", "-pcpw"], "SELECT 1") {
            Ok(_) => true,
            Err(e) => {
                last = e;
                false
            }
        }
    });
    assert!(in_again, "{last}");

    // Changes: REVOKE, SET PASSWORD, ALTER USER, RENAME USER, DROP USER.
    m.sql(
        "REVOKE SELECT ON d1.* FROM bob@'%';
         SET PASSWORD FOR bob@'%' = PASSWORD('pw2');
         ALTER USER ed@'%' IDENTIFIED VIA ed25519 USING PASSWORD('ed2');
         RENAME USER cp@'%' TO cp2@'%';
         DROP USER lk@'%';
         ALTER USER ex@'%' PASSWORD EXPIRE NEVER ACCOUNT LOCK;
         REVOKE r1 FROM nat@'%'",
    );
    r.wait_applied(&m);
    same(&m, &r, "bob", "pw1", "SELECT 1", "ERROR 1045");
    same(&m, &r, "bob", "pw2", "SELECT * FROM d1.t", "ERROR 1142");
    same(&m, &r, "ed", "edpw", "SELECT 1", "ERROR 1045");
    same(&m, &r, "ed", "ed2", "SELECT * FROM d2.u", "7");
    same(&m, &r, "cp", "cpw", "SELECT 1", "ERROR 1045");
    same(&m, &r, "cp2", "cpw", "SELECT a FROM d1.t ORDER BY a", "1");
    same(&m, &r, "lk", "p", "SELECT 1", "ERROR 1045");
    same(&m, &r, "ex", "p", "SELECT 1", "ERROR 4151");
    same(
        &m,
        &r,
        "nat",
        "password",
        "SELECT x FROM d2.u",
        "ERROR 1142",
    );
    // Global privileges on no table (PROCESS, REPLICATION SLAVE) show no database.
    same(
        &m,
        &r,
        "nat",
        "password",
        "SHOW DATABASES",
        "information_schema",
    );
    same(&m, &r, "nat", "password", "USE d1", "ERROR 1044");

    // An account the master made before its binlog (here: not logged), then granted
    // to: replicant never saw its password and refuses its logins until the master sets
    // one — never lets it in without one.
    m.sql(
        "SET sql_log_bin = 0; CREATE USER pre@'%' IDENTIFIED BY 'p'; SET sql_log_bin = 1;
         GRANT SELECT ON d1.* TO pre@'%'",
    );
    r.wait_applied(&m);
    assert!(m.sql_as("pre", "p", "SELECT 1").is_ok());
    for pw in ["", "p"] {
        let e = r
            .proc
            .client(&["-upre", &format!("-p{pw}")], "SELECT 1")
            .unwrap_err();
        assert!(e.contains("ERROR 1045"), "{e}");
    }
    m.sql("SET PASSWORD FOR pre@'%' = PASSWORD('p2')");
    r.wait_applied(&m);
    same(&m, &r, "pre", "p2", "SELECT a FROM d1.t ORDER BY a", "1");
    // A statement that failed on the master for one of its accounts: the others' change
    // stays, as there.
    assert!(m
        .sql_result("CREATE USER part@'%' IDENTIFIED BY 'pp', bob@'%'")
        .is_err());
    r.wait_applied(&m);
    same(&m, &r, "part", "pp", "SELECT 1", "1");

    // Direct DML on the privilege table, in row format: no effect until FLUSH
    // PRIVILEGES, as in mysqld.
    m.sql(
        "SET SESSION binlog_format = ROW;
         UPDATE mysql.global_priv SET Priv = JSON_SET(Priv, '$.access', 1) WHERE User = 'bob'",
    );
    r.wait_applied(&m);
    same(&m, &r, "bob", "pw2", "SELECT * FROM d2.u", "ERROR 1142");
    m.sql("FLUSH PRIVILEGES");
    r.wait_applied(&m);
    same(&m, &r, "bob", "pw2", "SELECT * FROM d2.u", "7");
    // The same in statement format: replay computes the master's JSON_SET.
    m.sql(
        "UPDATE mysql.global_priv SET Priv = JSON_SET(Priv, '$.max_user_connections', 7, '$.access', 0) WHERE User = 'ed';
         FLUSH PRIVILEGES;
         CREATE USER o1@'%' IDENTIFIED BY 'x' WITH MAX_USER_CONNECTIONS 3 PASSWORD EXPIRE ACCOUNT LOCK;
         GRANT SELECT ON *.* TO o1@'%' WITH GRANT OPTION;
         ALTER USER o1@'%' ACCOUNT UNLOCK PASSWORD EXPIRE INTERVAL 5 DAY;
         ALTER USER o1@'%' IDENTIFIED BY 'y'",
    );
    r.wait_applied(&m);
    same(&m, &r, "ed", "ed2", "SELECT * FROM d2.u", "7");
    same(&m, &r, "o1", "y", "SELECT x FROM d2.u", "7");

    // The account tables match the master's rows for the replicated accounts.
    for (table, cols) in [
        ("db", "Host, Db, User, Select_priv, Insert_priv, Grant_priv"),
        (
            "tables_priv",
            "Host, Db, User, Table_name, Table_priv, Column_priv",
        ),
        (
            "columns_priv",
            "Host, Db, User, Table_name, Column_name, Column_priv",
        ),
        ("roles_mapping", "Host, User, Role, Admin_option"),
        ("global_priv", "Host, User, Priv"),
    ] {
        let q = format!(
            "SELECT {cols} FROM mysql.{table} WHERE User NOT IN ('root', 'mariadb.sys', 'PUBLIC', 'repl') ORDER BY 1, 2, 3"
        );
        assert_eq!(m.sql(&q), r.proc.sql(&q).unwrap(), "mysql.{table}");
    }

    // A SIGKILL loses no account change: after a restart the same logins work.
    m.sql("CREATE USER late@'%' IDENTIFIED BY 'l8'; GRANT SELECT ON d1.t TO late@'%'");
    r.wait_applied(&m);
    r.proc.kill9();
    r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    same(&m, &r, "late", "l8", "SELECT b FROM d1.t ORDER BY a", "2");
    same(&m, &r, "ed", "ed2", "SELECT * FROM d2.u", "7");
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

/// A local `account` line wins over a replicated account of the same user and host.
#[test]
fn a_local_account_wins_over_a_replicated_one() {
    let m = account_master();
    m.sql("CREATE USER app@'%' IDENTIFIED BY 'master-pw'; GRANT SELECT ON *.* TO app@'%'");
    let mut r = Replica::start(
        &m,
        &[
            "--account=app@'%' IDENTIFIED BY 'local-pw' READ",
            "--account=root@localhost ADMIN",
        ],
    );
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    assert!(r.proc.client(&["-uapp", "-plocal-pw"], "SELECT 1").is_ok());
    let e = r
        .proc
        .client(&["-uapp", "-pmaster-pw"], "SELECT 1")
        .unwrap_err();
    assert!(e.contains("ERROR 1045"), "{e}");
    assert!(
        r.proc.stderr().contains("the local one is used"),
        "{}",
        r.proc.stderr()
    );
}

/// A MySQL master's caching_sha2_password account (its global_priv row given here by a
/// MariaDB master, which has no such plugin): logins through the socket (the password in
/// clear on a secure transport) and TCP (RSA-encrypted with the endpoint's public key),
/// then from the cache's fast path; a wrong password is refused.
#[test]
fn caching_sha2_accounts_log_in_by_full_authentication() {
    let m = account_master();
    let salt = b"abcdefghijklmnopqrst";
    let hash = ::replicant::acl::password::sha256_crypt(b"m8pw", salt, 5000);
    let auth = format!("$A$005${}{hash}", std::str::from_utf8(salt).unwrap());
    m.sql(&format!(
        "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY); INSERT INTO d.t VALUES (8);
         SET SESSION binlog_format = ROW;
         INSERT INTO mysql.global_priv VALUES ('%', 'm8', '{{\"access\":1,\"plugin\":\"caching_sha2_password\",\"authentication_string\":\"{auth}\"}}');
         FLUSH PRIVILEGES"
    ));
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    let socket = format!("--socket={}", r.datadir.join("mysql.sock").display());
    let cli = |args: &[&str]| {
        let out = std::process::Command::new("mariadb")
            .arg("--no-defaults")
            .args(args)
            .args(["--batch", "--skip-column-names", "-e", "SELECT id FROM d.t"])
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (out, err) = cli(&["--protocol=SOCKET", &socket, "-um8", "-pm8pw"]);
    assert_eq!(out.trim(), "8", "{err}");
    let (_, err) = cli(&["--protocol=SOCKET", &socket, "-um8", "-pwrong"]);
    assert!(err.contains("ERROR 1045"), "{err}");
    // TCP without TLS: our own client asks for the public key and sends the password
    // RSA-encrypted.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = r.proc.port();
    let login = |password: &str| {
        rt.block_on(async {
            let opts = ::replicant::wire::client::ConnectOptions {
                host: "127.0.0.1".into(),
                port,
                user: "m8".into(),
                password: password.into(),
                ssl: ::replicant::config::SslConfig::default(),
                public_key: None,
                connect_timeout: std::time::Duration::from_secs(10),
            };
            let mut c = ::replicant::wire::client::Connection::connect(&opts).await?;
            c.query_value("SELECT id FROM d.t").await
        })
    };
    assert_eq!(login("m8pw").unwrap().as_deref(), Some("8"));
    assert!(login("nope").is_err());
    // Now from the cache: the fast path over TCP, with the mariadb CLI.
    let port_arg = format!("--port={port}");
    let (out, err) = cli(&[
        "--protocol=TCP",
        "--host=127.0.0.1",
        &port_arg,
        "-um8",
        "-pm8pw",
    ]);
    assert_eq!(out.trim(), "8", "{err}");
}
