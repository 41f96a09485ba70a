//! What the receiver reports about itself, under the names of SHOW SLAVE STATUS, kept in
//! `<datadir>/receiver-status.json` so `replicant status` can read it whether or not the
//! daemon runs.

use std::path::Path;

use crate::relay::RelayError;
use crate::report::Running;

/// Name of the status file in datadir.
pub const FILE: &str = "receiver-status.json";

/// The receiver's state, in SHOW SLAVE STATUS terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceiverStatus {
    /// Slave_IO_State: what the receiver is doing right now.
    pub slave_io_state: String,
    /// Slave_IO_Running.
    pub slave_io_running: Running,
    /// Master_Host.
    pub master_host: String,
    /// Master_User.
    pub master_user: String,
    /// Master_Port.
    pub master_port: u16,
    /// Connect_Retry in seconds.
    pub connect_retry: u64,
    /// Master_Log_File: the master binlog being read.
    pub master_log_file: String,
    /// Read_Master_Log_Pos: master offset just past the last event received.
    pub read_master_log_pos: u64,
    /// The relay file being written.
    pub relay_log_file: String,
    /// Relay_Log_Space: bytes in all relay files.
    pub relay_log_space: u64,
    /// Last_IO_Errno (0 when none).
    pub last_io_errno: u32,
    /// Last_IO_Error.
    pub last_io_error: String,
    /// Last_IO_Error_Timestamp, `YYMMDD HH:MM:SS`.
    pub last_io_error_timestamp: String,
    /// Master_Server_Id.
    pub master_server_id: u32,
    /// Master_UUID (MySQL masters).
    pub master_uuid: String,
    /// The master's version string.
    pub master_version: String,
    /// Seconds since the epoch of the last event or heartbeat received.
    pub last_event_time: u64,
    /// Events written to the relay log since start.
    pub events_received: u64,
    /// Process id of the daemon that wrote this.
    pub pid: u32,
}

impl ReceiverStatus {
    /// Reads the status file of a datadir.
    pub fn load(datadir: &Path) -> Option<ReceiverStatus> {
        let bytes = std::fs::read(datadir.join(FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Writes the status file atomically.
    pub fn store(&self, datadir: &Path) -> Result<(), RelayError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| RelayError::Invalid {
            path: datadir.join(FILE),
            reason: e.to_string(),
        })?;
        let path = datadir.join(FILE);
        let tmp = crate::report::unique_tmp(&path);
        std::fs::write(&tmp, bytes).map_err(|source| RelayError::Io {
            op: "write",
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &path).map_err(|source| RelayError::Io {
            op: "rename",
            path,
            source,
        })
    }

    /// Records an error as Last_IO_Errno / Last_IO_Error.
    pub fn set_error(&mut self, code: u32, message: &str) {
        self.last_io_errno = code;
        self.last_io_error = message.to_string();
        self.last_io_error_timestamp = crate::calendar::timestamp_now();
    }
}
