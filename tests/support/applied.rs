//! Replicas that apply: a replicant with its datadir, waiting for the applier to reach the
//! master's position, and row-by-row comparison of a table with the master's.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::mariadb::{MariaDb, MasterOpts};
use super::process::wait_until;
use super::replicant::{replicant_cmd, run_args, Replicant};

pub const APPLY_WAIT: Duration = Duration::from_secs(120);

/// A replicant replicating a test master into its own temporary datadir.
pub struct Replica {
    /// The daemon (dropped first: it must stop before its directory goes).
    pub proc: Replicant,
    /// The datadir.
    pub datadir: PathBuf,
    /// Owns the datadir's parent.
    pub dir: tempfile::TempDir,
}

impl Replica {
    /// Starts `replicant run` (server_id 102) against `m` with `extra` options.
    pub fn start(m: &MariaDb, extra: &[&str]) -> Replica {
        Replica::start_via(m.port(), extra)
    }

    /// Starts `replicant run` (server_id 102) against a master listening on `port` (the
    /// master's own, or a proxy's in front of it).
    pub fn start_via(port: u16, extra: &[&str]) -> Replica {
        let dir = tempfile::Builder::new()
            .prefix("rpl-ap-")
            .tempdir_in("/tmp")
            .unwrap();
        let datadir = dir.path().join("data");
        let proc = Replicant::spawn(run_args(&datadir, port, 102, extra));
        Replica { dir, datadir, proc }
    }

    /// `replicant status` output.
    pub fn status(&self) -> String {
        status_of(&self.datadir)
    }

    /// Waits until the applier has executed everything the master has logged.
    pub fn wait_applied(&mut self, m: &MariaDb) {
        let (file, pos) = m.master_status();
        let want_file = format!("Relay_Master_Log_File: {file}\n");
        let want_pos = format!("Exec_Master_Log_Pos: {pos}\n");
        let mut st = String::new();
        let ok = wait_until(APPLY_WAIT, || {
            // Only the running daemon's own report counts (a restarted one has not
            // rewritten the previous one's yet).
            if !self.status_is_current() {
                return false;
            }
            st = self.status();
            (st.contains(&want_file)
                && st.contains(&want_pos)
                && st.contains("Slave_SQL_Running: Yes"))
                || st.contains("Slave_SQL_Running: No")
        });
        assert!(
            ok && st.contains("Slave_SQL_Running: Yes"),
            "applier did not reach {file}:{pos}:\n{st}\n{}",
            self.proc.stderr()
        );
    }

    /// True when the applier status file was written by the running daemon.
    pub fn status_is_current(&self) -> bool {
        let Ok(text) = std::fs::read_to_string(self.datadir.join("applier-status.json")) else {
            return false;
        };
        let pid = self.proc.pid().unwrap_or(0);
        text.contains(&format!("\"pid\": {pid}\n")) || text.contains(&format!("\"pid\": {pid},"))
    }

    /// Waits until the applier stops with an error; returns the status text.
    pub fn wait_sql_error(&mut self) -> String {
        let mut st = String::new();
        let ok = wait_until(APPLY_WAIT, || {
            if !self.status_is_current() {
                return false;
            }
            st = self.status();
            st.contains("Slave_SQL_Running: No")
        });
        assert!(ok, "applier did not stop:\n{st}");
        st
    }
}

pub fn status_of(datadir: &Path) -> String {
    let out = replicant_cmd(["status", "--datadir", datadir.to_str().unwrap()]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn dump(datadir: &Path, table: &str) -> String {
    let out = replicant_cmd(["table-dump", "--datadir", datadir.to_str().unwrap(), table]);
    assert!(
        out.status.success(),
        "table-dump {table}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the replica's `table` equals the master's, row by row.
pub fn assert_same_table(m: &MariaDb, datadir: &Path, table: &str, order_by: &str) {
    let want = m.sql(&format!("SELECT * FROM {table} ORDER BY {order_by}"));
    let got = dump(datadir, table);
    if want != got {
        let w: Vec<&str> = want.lines().collect();
        let g: Vec<&str> = got.lines().collect();
        let first = w
            .iter()
            .zip(&g)
            .position(|(a, b)| a != b)
            .unwrap_or(w.len().min(g.len()));
        panic!(
            "{table} differs at row {first} (master {} rows, replica {}):\nmaster:  {:?}\nreplica: {:?}",
            w.len(),
            g.len(),
            w.get(first),
            g.get(first)
        );
    }
}

/// A ROW-format master with replication user repl/repl.
pub fn master() -> MariaDb {
    let m = MariaDb::start(MasterOpts::default());
    m.create_repl_user("repl", "repl");
    m
}

/// A real MariaDB replica of `m` (server_id `server_id`, no binlog of its own) replicating
/// from the master's first binlog: the oracle a statement workload is compared with.
pub fn mariadb_replica(m: &MariaDb, server_id: u32) -> MariaDb {
    let replica = MariaDb::start(MasterOpts {
        server_id,
        log_bin: false,
        ..MasterOpts::default()
    });
    replica.sql(&format!(
        "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='repl', \
         MASTER_PASSWORD='repl', MASTER_LOG_FILE='{}', MASTER_LOG_POS=4; START SLAVE",
        m.port(),
        m.binlog_files()[0].file_name().unwrap().to_string_lossy()
    ));
    replica
}

/// Waits until MariaDB replica `replica` has executed everything `m` has logged.
pub fn wait_mariadb_replica(replica: &MariaDb, m: &MariaDb) {
    let (file, pos) = m.master_status();
    // MASTER_POS_WAIT answers the number of events it waited for (0 or more), -1 on
    // timeout, NULL when replication is not running.
    let got = replica.sql(&format!("SELECT MASTER_POS_WAIT('{file}', {pos}, 120)"));
    assert!(
        got.trim().parse::<u64>().is_ok(),
        "MariaDB replica did not reach {file}:{pos} ({}):\n{}",
        got.trim(),
        replica.sql("SHOW SLAVE STATUS\\G")
    );
}

/// Asserts the replica's `table` equals the master's and a MariaDB replica's, row by row.
pub fn assert_same_table_3(
    m: &MariaDb,
    mdb: &MariaDb,
    datadir: &Path,
    table: &str,
    order_by: &str,
) {
    assert_same_table(m, datadir, table, order_by);
    let q = format!("SELECT * FROM {table} ORDER BY {order_by}");
    assert_eq!(
        mdb.sql(&q),
        m.sql(&q),
        "{table}: the MariaDB replica differs from the master (a nondeterministic statement?)"
    );
}

/// A real MariaDB replica (server_id `server_id`, no binlog) of the server at `port` (a
/// replicant's endpoint), as repl/repl, reconnecting every second; `options` adds to
/// CHANGE MASTER TO (the position, MASTER_USE_GTID...). Replication is started.
pub fn mariadb_replica_of(port: u16, server_id: u32, options: &str) -> MariaDb {
    let d = MariaDb::start(MasterOpts {
        server_id,
        log_bin: false,
        ..MasterOpts::default()
    });
    d.sql(&format!(
        "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={port}, MASTER_USER='repl', \
         MASTER_PASSWORD='repl', MASTER_CONNECT_RETRY=1, {options}; START SLAVE"
    ));
    d
}
