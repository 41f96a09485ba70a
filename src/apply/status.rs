//! What the applier (mysqld's SQL thread) reports, under SHOW SLAVE STATUS names, kept in
//! `<datadir>/applier-status.json` so `replicant status` reads it whether or not the daemon
//! runs.

use std::path::Path;

/// Name of the status file in datadir.
pub const FILE: &str = "applier-status.json";

/// The applier's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApplierStatus {
    /// Slave_SQL_Running.
    pub slave_sql_running: crate::report::Running,
    /// Slave_SQL_Running_State.
    pub state: String,
    /// Relay_Log_File: relay file of the next group to apply.
    pub relay_log_file: String,
    /// Relay_Log_Pos.
    pub relay_log_pos: u64,
    /// Relay_Master_Log_File: master binlog of the last applied group.
    pub relay_master_log_file: String,
    /// Exec_Master_Log_Pos.
    pub exec_master_log_pos: u64,
    /// Gtid_Slave_Pos: the last applied MariaDB GTID, or a MySQL master's executed set.
    pub gtid_slave_pos: String,
    /// Last_SQL_Errno (0 when none).
    pub last_sql_errno: u32,
    /// Last_SQL_Error.
    pub last_sql_error: String,
    /// Last_SQL_Error_Timestamp.
    pub last_sql_error_timestamp: String,
    /// Skip_Counter (sql_slave_skip_counter left to skip).
    pub skip_counter: u64,
    /// Master timestamp of the last applied event (Seconds_Behind_Master's base).
    pub last_master_timestamp: u32,
    /// True when the applier waits for more relay log (caught up with the receiver).
    pub caught_up: bool,
    /// Transactions applied since start.
    pub transactions: u64,
    /// Rows or statements skipped under slave_skip_errors / IDEMPOTENT since start.
    pub skipped: u64,
    /// Row events and statements on `mysql` schema tables replicant does not keep
    /// (accounts, statistics, logs...) passed over since start (docs/OPERATIONS.md).
    #[serde(default)]
    pub system_ignored: u64,
    /// Replicate_* filters in force, by SHOW SLAVE STATUS field name.
    pub filters: Vec<(String, String)>,
    /// Process id of the daemon that wrote this.
    pub pid: u32,
}

impl ApplierStatus {
    /// Reads the status file of a datadir.
    pub fn load(datadir: &Path) -> Option<ApplierStatus> {
        let bytes = std::fs::read(datadir.join(FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Writes the status file atomically.
    pub fn store(&self, datadir: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let path = datadir.join(FILE);
        let tmp = crate::report::unique_tmp(&path);
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}
