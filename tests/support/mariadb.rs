//! Throwaway MariaDB servers: `mariadb-install-db` + `mariadbd --no-defaults` in a temp dir
//! under /tmp, listening on a free 127.0.0.1 port and a unix socket, always torn down.
//!
//! Layout of a server's directory (`/tmp/rpl-XXXXXX`, short enough for the 108-byte unix
//! socket path limit):
//!
//! ```text
//! data/                 datadir
//! binlog/master-bin.*   binary logs and master-bin.index (when log_bin)
//! tmp/                  the server's own tmpdir
//! sock  pid  error.log
//! ```
//!
//! The private tmpdir matters: servers bootstrapping side by side in a shared /tmp trip
//! over each other's internal temporary tables ("Unknown table 'mysql.tmp_user_sys'").
//!
//! Set `REPLICANT_TEST_KEEP=1` to keep the directories of finished tests for inspection.

use std::collections::HashSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::process::{self, die_with_parent, run_with_timeout, tail};

/// How long mariadb-install-db may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(180);
/// How long a started mariadbd may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a graceful shutdown may take before SIGKILL.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// How long one `mariadb` CLI invocation may take.
const SQL_TIMEOUT: Duration = Duration::from_secs(300);
/// Fresh ports tried when another process grabs ours between probing and binding.
const PORT_ATTEMPTS: usize = 8;

/// Server settings that InnoDB needs at install time too; sized for fast start-up and small
/// disk use, yet big enough for sysbench runs.
const INNODB_ARGS: &[&str] = &[
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=32M",
];

/// Arguments that make a test server start fast and stay quiet; see `mariadbd --help -v`.
const SERVER_ARGS: &[&str] = &[
    "--bind-address=127.0.0.1",
    "--user=root",
    "--skip-name-resolve",
    "--performance-schema=OFF",
    "--loose-feedback=OFF",
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=0",
    "--max-connections=500",
];

/// How a test master is configured.
#[derive(Clone, Debug)]
pub struct MasterOpts {
    /// `--server-id`.
    pub server_id: u32,
    /// `--binlog-format`: "ROW", "STATEMENT" or "MIXED".
    pub binlog_format: String,
    /// `--binlog-checksum`: "CRC32" or "NONE".
    pub binlog_checksum: String,
    /// Whether to pass `--log-bin`; false gives a master that cannot serve a binlog dump.
    pub log_bin: bool,
    /// Appended last to the mariadbd command line, so they override the defaults above.
    pub extra_args: Vec<String>,
}

impl Default for MasterOpts {
    fn default() -> Self {
        MasterOpts {
            server_id: 1,
            binlog_format: "ROW".into(),
            binlog_checksum: "CRC32".into(),
            log_bin: true,
            extra_args: Vec::new(),
        }
    }
}

impl MasterOpts {
    /// The defaults with another binlog format.
    pub fn format(binlog_format: &str) -> Self {
        MasterOpts {
            binlog_format: binlog_format.into(),
            ..Default::default()
        }
    }
}

/// A running (or deliberately stopped) throwaway MariaDB server. Dropping it stops the
/// server (SIGTERM, then SIGKILL) and removes its directory, also when the test panics.
pub struct MariaDb {
    /// The options it was started with.
    opts: MasterOpts,
    /// Owns the directory; `None` only while dropping with REPLICANT_TEST_KEEP.
    dir: Option<TempDir>,
    /// The directory's path (kept separately so it survives `dir.keep()`).
    root: PathBuf,
    /// TCP port on 127.0.0.1; kept across restarts.
    port: u16,
    /// The mariadbd process; `None` after `stop()`/`kill9()`.
    child: Option<Child>,
}

impl MariaDb {
    /// Installs a fresh datadir and starts mariadbd; panics (with the error log) on failure.
    pub fn start(opts: MasterOpts) -> MariaDb {
        assert!(
            ["ROW", "STATEMENT", "MIXED"].contains(&opts.binlog_format.as_str()),
            "binlog_format {:?}",
            opts.binlog_format
        );
        assert!(
            ["CRC32", "NONE"].contains(&opts.binlog_checksum.as_str()),
            "binlog_checksum {:?}",
            opts.binlog_checksum
        );
        let dir = tempfile::Builder::new()
            .prefix("rpl-")
            .tempdir_in("/tmp")
            .expect("creating a temp dir under /tmp");
        let root = dir.path().to_path_buf();
        for sub in ["binlog", "tmp"] {
            std::fs::create_dir(root.join(sub)).expect("creating server subdirectory");
        }
        install_datadir(&root);
        let mut db = MariaDb {
            opts,
            dir: Some(dir),
            root,
            port: 0,
            child: None,
        };
        for attempt in 1..=PORT_ATTEMPTS {
            db.port = free_port();
            match db.spawn_and_wait(false) {
                Ok(()) => return db,
                Err(StartError::PortTaken) if attempt < PORT_ATTEMPTS => {
                    // The failed start may already have opened a binlog; start clean so
                    // tests can rely on master-bin.000001 being the first file.
                    clear_dir(&db.binlog_dir());
                }
                Err(e) => db.fail_start(e),
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    /// Starts mariadbd on the existing datadir and port, waiting until it accepts
    /// connections. Panics with the error log on failure.
    fn spawn_and_wait(&mut self, restarting: bool) -> Result<(), StartError> {
        assert!(self.child.is_none(), "server already running");
        let mut cmd = Command::new("mariadbd");
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", self.datadir().display()))
            .arg(format!("--socket={}", self.socket().display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--pid-file={}", self.root.join("pid").display()))
            .arg(format!("--log-error={}", self.error_log_path().display()))
            .arg(format!("--tmpdir={}", self.root.join("tmp").display()))
            .arg(format!("--server-id={}", self.opts.server_id))
            .arg(format!("--binlog-format={}", self.opts.binlog_format))
            .arg(format!("--binlog-checksum={}", self.opts.binlog_checksum))
            .args(INNODB_ARGS)
            .args(SERVER_ARGS);
        if self.opts.log_bin {
            cmd.arg(format!(
                "--log-bin={}",
                self.binlog_dir().join("master-bin").display()
            ));
        }
        if restarting {
            // The old listener's port may linger for a moment; wait instead of failing.
            cmd.arg("--port-open-timeout=30");
        }
        cmd.args(&self.opts.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut cmd);
        let log_len_before = self.error_log().len();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn mariadbd: {e}"));
        self.child = Some(child);

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let child = self.child.as_mut().expect("just spawned");
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                let log = self.error_log();
                let new_log = log.get(log_len_before..).unwrap_or(&log);
                if new_log.contains("Address already in use") {
                    return Err(StartError::PortTaken);
                }
                return Err(StartError::Exited(format!("mariadbd exited with {status}")));
            }
            if self.sql_result("SELECT 1").is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(StartError::Exited(format!(
                    "mariadbd not ready after {READY_TIMEOUT:?}"
                )));
            }
            std::thread::sleep(process::POLL);
        }
    }

    fn fail_start(&mut self, e: StartError) -> ! {
        self.stop_child(Duration::from_secs(5));
        panic!(
            "starting mariadbd in {} on port {} failed: {e:?}\n--- error log ---\n{}",
            self.root.display(),
            self.port,
            tail(&self.error_log(), 60)
        );
    }

    /// Runs `q` (one or more `;`-separated statements) as root over the unix socket with
    /// `--batch --skip-column-names` and returns stdout. Batch mode prints NULL as `NULL`,
    /// separates columns with tabs and escapes tabs, newlines and backslashes in values.
    /// Panics with stderr on failure.
    pub fn sql(&self, q: &str) -> String {
        self.sql_result(q)
            .unwrap_or_else(|e| panic!("SQL failed on port {}: {q}\n{e}", self.port))
    }

    /// Like [`MariaDb::sql`], but returns the client's stderr as the error.
    pub fn sql_result(&self, q: &str) -> Result<String, String> {
        let socket = format!("--socket={}", self.socket().display());
        self.mariadb_cli(&["-uroot", &socket], q)
    }

    /// Runs `q`, raw bytes (statements in a session character set other than UTF-8), as
    /// root through the CLI's standard input; panics on failure.
    pub fn sql_bytes(&self, q: &[u8]) -> String {
        use std::io::Write;
        let mut child = Command::new("mariadb")
            .arg("--no-defaults")
            .arg("-uroot")
            .arg(format!("--socket={}", self.socket().display()))
            .args(["--batch", "--skip-column-names", "--binary-mode"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("mariadb CLI");
        child.stdin.take().unwrap().write_all(q).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `q` as `user` over TCP (127.0.0.1:port), the way a replica connects.
    pub fn sql_as(&self, user: &str, password: &str, q: &str) -> Result<String, String> {
        let port = format!("--port={}", self.port);
        let user = format!("--user={user}");
        let password = format!("--password={password}");
        self.mariadb_cli(
            &[
                "--protocol=TCP",
                "--host=127.0.0.1",
                &port,
                &user,
                &password,
            ],
            q,
        )
    }

    fn mariadb_cli(&self, conn: &[&str], q: &str) -> Result<String, String> {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults")
            .args(conn)
            .args(["--batch", "--skip-column-names", "--connect-timeout=10"])
            .arg("-e")
            .arg(q);
        let out = run_with_timeout(&mut cmd, SQL_TIMEOUT);
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The unix socket path.
    pub fn socket(&self) -> PathBuf {
        self.root.join("sock")
    }

    /// The server's temp directory (see the module doc for its layout).
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The datadir.
    pub fn datadir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Where `master-bin.NNNNNN` and `master-bin.index` live.
    pub fn binlog_dir(&self) -> PathBuf {
        self.root.join("binlog")
    }

    /// The options the server was started with.
    pub fn opts(&self) -> &MasterOpts {
        &self.opts
    }

    /// The mariadbd pid while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// True while the mariadbd process is up (it may still be starting or stopping).
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut().map(|c| c.try_wait()) {
            Some(Ok(None)) => true,
            Some(_) => {
                self.child = None;
                false
            }
            None => false,
        }
    }

    fn error_log_path(&self) -> PathBuf {
        self.root.join("error.log")
    }

    /// The whole error log so far (empty if none).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.error_log_path()).unwrap_or_default()
    }

    /// The binlog files listed in `master-bin.index`, oldest first.
    pub fn binlog_files(&self) -> Vec<PathBuf> {
        let index = self.binlog_dir().join("master-bin.index");
        let text = std::fs::read_to_string(&index)
            .unwrap_or_else(|e| panic!("reading {}: {e}", index.display()));
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| self.datadir().join(l)) // absolute entries replace the base
            .collect()
    }

    /// `SHOW MASTER STATUS` as (file, position).
    pub fn master_status(&self) -> (String, u64) {
        let out = self.sql("SHOW MASTER STATUS");
        let mut cols = out.split('\t');
        let (Some(file), Some(pos)) = (cols.next(), cols.next()) else {
            panic!("SHOW MASTER STATUS gave {out:?} (is log_bin on?)");
        };
        let pos = pos
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SHOW MASTER STATUS gave {out:?}"));
        (file.to_string(), pos)
    }

    /// Creates `user@'%'` (default auth plugin, mysql_native_password on 10.11) with
    /// REPLICATION SLAVE and REPLICATION CLIENT, as the seed notes do for their slave user.
    pub fn create_repl_user(&self, user: &str, password: &str) {
        self.create_user_with(user, &format!("IDENTIFIED BY '{password}'"));
    }

    /// Creates a replication user that explicitly uses mysql_native_password.
    pub fn create_repl_user_native(&self, user: &str, password: &str) {
        self.create_user_with(
            user,
            &format!("IDENTIFIED VIA mysql_native_password USING PASSWORD('{password}')"),
        );
    }

    /// Creates a replication user authenticated by the ed25519 plugin, installing the plugin
    /// first. Returns false (creating nothing) when the plugin cannot be installed here.
    pub fn create_repl_user_ed25519(&self, user: &str, password: &str) {
        assert!(
            self.ed25519_available(),
            "MariaDB's auth_ed25519 plugin cannot be loaded: apt-get install -y mariadb-server \
             (it ships the plugin; scripts/test installs it)"
        );
        self.create_user_with(
            user,
            &format!("IDENTIFIED VIA ed25519 USING PASSWORD('{password}')"),
        );
    }

    /// Whether the ed25519 auth plugin is active, installing it (INSTALL SONAME) if needed.
    pub fn ed25519_available(&self) -> bool {
        let active = |db: &MariaDb| {
            db.sql(
                "SELECT COUNT(*) FROM information_schema.PLUGINS \
                 WHERE PLUGIN_NAME = 'ed25519' AND PLUGIN_STATUS = 'ACTIVE'",
            )
            .trim()
                == "1"
        };
        active(self) || (self.sql_result("INSTALL SONAME 'auth_ed25519'").is_ok() && active(self))
    }

    fn create_user_with(&self, user: &str, auth: &str) {
        self.sql(&format!(
            "CREATE USER '{user}'@'%' {auth}; \
             GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '{user}'@'%'"
        ));
    }

    /// Stops the server gracefully (SIGTERM; SIGKILL after a grace period). Panics if it had
    /// to be killed, since a clean shutdown was asked for.
    pub fn stop(&mut self) {
        if self.stop_child(SHUTDOWN_GRACE) {
            panic!(
                "mariadbd did not shut down within {SHUTDOWN_GRACE:?}\n{}",
                tail(&self.error_log(), 30)
            );
        }
    }

    /// SIGTERM, then SIGKILL after `grace`; returns whether SIGKILL was needed.
    fn stop_child(&mut self, grace: Duration) -> bool {
        match self.child.take() {
            Some(mut child) => process::terminate(&mut child, grace).1,
            None => false,
        }
    }

    /// Kills the server with SIGKILL (a crash: no shutdown, no flushing). It stays down
    /// until [`MariaDb::start_again`] or [`MariaDb::restart`].
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            process::kill9(&mut child);
        }
    }

    /// Starts a stopped (or killed) server again with the same datadir, port and options.
    pub fn start_again(&mut self) {
        if let Err(e) = self.spawn_and_wait(true) {
            self.fail_start(e);
        }
    }

    /// Stops the server gracefully (if running) and starts it again on the same datadir
    /// and port. The master rotates to a new binlog file, as a real restart does.
    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- mariadbd (port {}, {}) error log tail ---\n{}",
                self.port,
                self.root.display(),
                tail(&self.error_log(), 20)
            );
        }
        self.stop_child(SHUTDOWN_GRACE);
        if std::env::var_os("REPLICANT_TEST_KEEP").is_some() {
            if let Some(dir) = self.dir.take() {
                eprintln!("keeping {}", dir.keep().display());
            }
        }
    }
}

#[derive(Debug)]
enum StartError {
    /// Another process bound the port between our probe and mariadbd's bind.
    PortTaken,
    /// Any other failure, described.
    Exited(String),
}

/// Creates `<root>/data` with mariadb-install-db. root@localhost and root@127.0.0.1 have
/// no password.
fn install_datadir(root: &Path) {
    let mut cmd = Command::new("mariadb-install-db");
    cmd.arg("--no-defaults")
        .arg("--auth-root-authentication-method=normal")
        .arg(format!("--datadir={}", root.join("data").display()))
        .arg(format!("--tmpdir={}", root.join("tmp").display()))
        .arg("--user=root")
        .arg("--skip-test-db")
        .args(INNODB_ARGS);
    let out = run_with_timeout(&mut cmd, INSTALL_TIMEOUT);
    assert!(
        out.status.success(),
        "mariadb-install-db failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 127.0.0.1 port that was free a moment ago and that this process has not handed out
/// before. Another process can still take it before mariadbd binds; `start` retries then.
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        if handed_out.insert(port) {
            return port;
        }
    }
}

/// True if something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_ok()
}

fn clear_dir(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The seed's example (shared/seed/mycat-replication-notes.md): database db01, table
/// `user`, and its three rows, statement for statement as the notes write them.
pub fn seed_db01_user(db: &MariaDb) {
    db.sql(
        "create database db01;
use db01;
create table user(
	id int(11) not null auto_increment,
	name varchar(50) not null,
	sex varchar(1),
	primary key (id)
)engine=innodb default charset=utf8;
insert into user(id,name,sex) values(null,'Tom','1');
insert into user(id,name,sex) values(null,'Trigger','0');
insert into user(id,name,sex) values(null,'Dawn','1');",
    );
}

/// The rows [`seed_db01_user`] writes, as `SELECT * FROM db01.user ORDER BY id` prints
/// them through [`MariaDb::sql`].
pub const DB01_USER_ROWS: &str = "1\tTom\t1\n2\tTrigger\t0\n3\tDawn\t1\n";
