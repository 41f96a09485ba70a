//! SHOW SLAVE STATUS and `replicant status`: the two threads' last reports combined into
//! mysqld's columns. Above both the receiver (`source`) and the applier (`apply`), whose
//! status each of them keeps.

use crate::apply::status::ApplierStatus;
use crate::report::Running;
use crate::source::status::ReceiverStatus;

/// One SHOW SLAVE STATUS value. mysqld types the counters and positions as integers
/// (drivers convert them), everything else as strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A string column.
    Text(String),
    /// An integer column; `None` is NULL (Seconds_Behind_Master while a thread is stopped).
    Num(Option<u64>),
}

impl Field {
    /// The number, when the column is an integer and not NULL.
    pub fn num(&self) -> Option<u64> {
        match self {
            Field::Num(n) => *n,
            Field::Text(_) => None,
        }
    }

    /// The text of a string column (empty for an integer column).
    pub fn text(&self) -> &str {
        match self {
            Field::Text(t) => t,
            Field::Num(_) => "",
        }
    }
}

impl std::fmt::Display for Field {
    /// As `\G` prints it: NULL for a missing number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Text(t) => f.write_str(t),
            Field::Num(Some(n)) => write!(f, "{n}"),
            Field::Num(None) => f.write_str("NULL"),
        }
    }
}

/// The columns of a SHOW SLAVE STATUS row: (name, value) in mysqld's order.
pub type StatusRow = Vec<(&'static str, Field)>;

/// The value of `name` in a row.
pub fn field<'r>(row: &'r StatusRow, name: &str) -> Option<&'r Field> {
    row.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// SHOW SLAVE STATUS fields exactly as MariaDB 10.11 lists them (54 columns, its order),
/// from what the receiver and the applier last reported. `io_alive` / `sql_alive`: whether
/// the daemon that wrote each is still running (a dead daemon's threads show `No`); `ssl`:
/// the MASTER_SSL settings in force, when known.
pub fn slave_status_fields(
    io: Option<&ReceiverStatus>,
    sql: Option<&ApplierStatus>,
    io_alive: bool,
    sql_alive: bool,
    now: u64,
    ssl: Option<&crate::config::SslConfig>,
) -> StatusRow {
    use Field::{Num, Text};
    let io_default = ReceiverStatus::default();
    let sql_default = ApplierStatus::default();
    let r = io.unwrap_or(&io_default);
    let a = sql.unwrap_or(&sql_default);
    let io_running = if io_alive && io.is_some() {
        r.slave_io_running
    } else {
        Running::No
    };
    let sql_running = if sql_alive && sql.is_some() {
        a.slave_sql_running
    } else {
        Running::No
    };
    let filter = |name: &str| {
        Text(
            a.filters
                .iter()
                .find(|(n, _)| n == name)
                .map_or(String::new(), |(_, v)| v.clone()),
        )
    };
    // mysqld: NULL unless both threads run; 0 when the SQL thread has applied everything
    // the IO thread read; else now minus the master timestamp of the last applied event.
    let behind = if io_running != Running::Yes || sql_running != Running::Yes {
        None
    } else if a.caught_up || a.last_master_timestamp == 0 {
        Some(0)
    } else {
        Some(now.saturating_sub(a.last_master_timestamp as u64))
    };
    let relay_file = if a.relay_log_file.is_empty() {
        r.relay_log_file.clone()
    } else {
        a.relay_log_file.clone()
    };
    let yes_no = |b: bool| Text(if b { "Yes" } else { "No" }.to_string());
    let path =
        |p: Option<&std::path::PathBuf>| Text(p.map_or(String::new(), |p| p.display().to_string()));
    let n = |v: u64| Num(Some(v));
    let empty = || Text(String::new());
    vec![
        (
            "Slave_IO_State",
            Text(if io_alive {
                r.slave_io_state.clone()
            } else {
                String::new()
            }),
        ),
        ("Master_Host", Text(r.master_host.clone())),
        ("Master_User", Text(r.master_user.clone())),
        ("Master_Port", n(r.master_port.into())),
        ("Connect_Retry", n(r.connect_retry)),
        ("Master_Log_File", Text(r.master_log_file.clone())),
        ("Read_Master_Log_Pos", n(r.read_master_log_pos)),
        ("Relay_Log_File", Text(relay_file)),
        ("Relay_Log_Pos", n(a.relay_log_pos.max(4))),
        (
            "Relay_Master_Log_File",
            Text(a.relay_master_log_file.clone()),
        ),
        ("Slave_IO_Running", Text(io_running.as_str().into())),
        ("Slave_SQL_Running", Text(sql_running.as_str().into())),
        ("Replicate_Do_DB", filter("Replicate_Do_DB")),
        ("Replicate_Ignore_DB", filter("Replicate_Ignore_DB")),
        ("Replicate_Do_Table", filter("Replicate_Do_Table")),
        ("Replicate_Ignore_Table", filter("Replicate_Ignore_Table")),
        ("Replicate_Wild_Do_Table", filter("Replicate_Wild_Do_Table")),
        (
            "Replicate_Wild_Ignore_Table",
            filter("Replicate_Wild_Ignore_Table"),
        ),
        ("Last_Errno", n(a.last_sql_errno.into())),
        (
            "Last_Error",
            Text(if a.last_sql_errno != 0 {
                a.last_sql_error.clone()
            } else {
                String::new()
            }),
        ),
        ("Skip_Counter", n(a.skip_counter)),
        ("Exec_Master_Log_Pos", n(a.exec_master_log_pos)),
        ("Relay_Log_Space", n(r.relay_log_space)),
        ("Until_Condition", Text("None".into())),
        ("Until_Log_File", empty()),
        ("Until_Log_Pos", n(0)),
        ("Master_SSL_Allowed", yes_no(ssl.is_some_and(|s| s.enabled))),
        ("Master_SSL_CA_File", path(ssl.and_then(|s| s.ca.as_ref()))),
        ("Master_SSL_CA_Path", empty()),
        ("Master_SSL_Cert", path(ssl.and_then(|s| s.cert.as_ref()))),
        ("Master_SSL_Cipher", empty()),
        ("Master_SSL_Key", path(ssl.and_then(|s| s.key.as_ref()))),
        ("Seconds_Behind_Master", Num(behind)),
        (
            "Master_SSL_Verify_Server_Cert",
            yes_no(ssl.is_some_and(|s| s.verify_server_cert)),
        ),
        ("Last_IO_Errno", n(r.last_io_errno.into())),
        ("Last_IO_Error", Text(r.last_io_error.clone())),
        ("Last_SQL_Errno", n(a.last_sql_errno.into())),
        ("Last_SQL_Error", Text(a.last_sql_error.clone())),
        ("Replicate_Ignore_Server_Ids", empty()),
        ("Master_Server_Id", n(r.master_server_id.into())),
        ("Master_SSL_Crl", empty()),
        ("Master_SSL_Crlpath", empty()),
        // replicant follows file/position coordinates (MASTER_USE_GTID=no): MariaDB then
        // shows Using_Gtid No and an empty Gtid_IO_Pos.
        ("Using_Gtid", Text("No".into())),
        ("Gtid_IO_Pos", empty()),
        ("Replicate_Do_Domain_Ids", empty()),
        ("Replicate_Ignore_Domain_Ids", empty()),
        // One applier thread: no parallel replication.
        ("Parallel_Mode", Text("none".into())),
        ("SQL_Delay", n(0)),
        ("SQL_Remaining_Delay", Num(None)),
        (
            "Slave_SQL_Running_State",
            Text(if sql_alive {
                a.state.clone()
            } else {
                String::new()
            }),
        ),
        // DDL is counted with the transactional groups (replicant does not count it apart).
        ("Slave_DDL_Groups", n(0)),
        ("Slave_Non_Transactional_Groups", n(0)),
        ("Slave_Transactional_Groups", n(a.transactions)),
        ("Replicate_Rewrite_DB", empty()),
    ]
}

/// What `replicant status` prints after the SHOW SLAVE STATUS columns: facts MariaDB shows
/// elsewhere (SHOW ALL SLAVES STATUS, @@gtid_slave_pos) or MySQL shows, and replicant's
/// skip counter.
pub fn extra_status_fields(io: Option<&ReceiverStatus>, sql: Option<&ApplierStatus>) -> StatusRow {
    use Field::{Num, Text};
    let io_default = ReceiverStatus::default();
    let sql_default = ApplierStatus::default();
    let r = io.unwrap_or(&io_default);
    let a = sql.unwrap_or(&sql_default);
    vec![
        ("Master_UUID", Text(r.master_uuid.clone())),
        ("Gtid_Slave_Pos", Text(a.gtid_slave_pos.clone())),
        (
            "Last_IO_Error_Timestamp",
            Text(r.last_io_error_timestamp.clone()),
        ),
        (
            "Last_SQL_Error_Timestamp",
            Text(a.last_sql_error_timestamp.clone()),
        ),
        ("Slave_Skipped_Errors", Num(Some(a.skipped))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_and_null_is_none() {
        let stopped = slave_status_fields(None, None, false, false, 100, None);
        assert_eq!(stopped.len(), 54);
        assert_eq!(
            field(&stopped, "Seconds_Behind_Master"),
            Some(&Field::Num(None))
        );
        assert_eq!(
            field(&stopped, "Slave_IO_Running"),
            Some(&Field::Text("No".into()))
        );
        assert_eq!(
            field(&stopped, "Relay_Log_Pos").and_then(Field::num),
            Some(4)
        );
        let io = ReceiverStatus {
            slave_io_running: Running::Yes,
            ..Default::default()
        };
        let sql = ApplierStatus {
            slave_sql_running: Running::Yes,
            last_master_timestamp: 40,
            exec_master_log_pos: 1234,
            ..Default::default()
        };
        let running = slave_status_fields(Some(&io), Some(&sql), true, true, 100, None);
        assert_eq!(
            field(&running, "Seconds_Behind_Master").and_then(Field::num),
            Some(60)
        );
        assert_eq!(
            field(&running, "Exec_Master_Log_Pos").map(ToString::to_string),
            Some("1234".into())
        );
        // The column list and each column's type do not depend on the values.
        let kinds = |r: &StatusRow| -> Vec<(&str, bool)> {
            r.iter()
                .map(|(n, v)| (*n, matches!(v, Field::Num(_))))
                .collect()
        };
        assert_eq!(kinds(&stopped), kinds(&running));
    }
}
