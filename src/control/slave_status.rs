//! SHOW SLAVE STATUS and `replicant status`: the two threads' last reports combined into
//! mysqld's columns. Above both the receiver (`source`) and the applier (`apply`), whose
//! status each of them keeps.

use crate::apply::status::ApplierStatus;
use crate::source::status::ReceiverStatus;

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
) -> Vec<(&'static str, String)> {
    let io_default = ReceiverStatus::default();
    let sql_default = ApplierStatus::default();
    let r = io.unwrap_or(&io_default);
    let a = sql.unwrap_or(&sql_default);
    let io_running = if io_alive && io.is_some() {
        r.slave_io_running.clone()
    } else {
        "No".into()
    };
    let sql_running = if sql_alive && sql.is_some() {
        a.slave_sql_running.clone()
    } else {
        "No".into()
    };
    let filter = |name: &str| {
        a.filters
            .iter()
            .find(|(n, _)| n == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    // mysqld: NULL unless both threads run; 0 when the SQL thread has applied everything
    // the IO thread read; else now minus the master timestamp of the last applied event.
    let behind = if io_running != "Yes" || sql_running != "Yes" {
        "NULL".to_string()
    } else if a.caught_up || a.last_master_timestamp == 0 {
        "0".to_string()
    } else {
        now.saturating_sub(a.last_master_timestamp as u64)
            .to_string()
    };
    let relay_file = if a.relay_log_file.is_empty() {
        r.relay_log_file.clone()
    } else {
        a.relay_log_file.clone()
    };
    let (last_errno, last_error) = if a.last_sql_errno != 0 {
        (a.last_sql_errno, a.last_sql_error.clone())
    } else {
        (0, String::new())
    };
    let yes_no = |b: bool| if b { "Yes" } else { "No" }.to_string();
    let path =
        |p: Option<&std::path::PathBuf>| p.map_or(String::new(), |p| p.display().to_string());
    vec![
        (
            "Slave_IO_State",
            if io_alive {
                r.slave_io_state.clone()
            } else {
                String::new()
            },
        ),
        ("Master_Host", r.master_host.clone()),
        ("Master_User", r.master_user.clone()),
        ("Master_Port", r.master_port.to_string()),
        ("Connect_Retry", r.connect_retry.to_string()),
        ("Master_Log_File", r.master_log_file.clone()),
        ("Read_Master_Log_Pos", r.read_master_log_pos.to_string()),
        ("Relay_Log_File", relay_file),
        ("Relay_Log_Pos", a.relay_log_pos.max(4).to_string()),
        ("Relay_Master_Log_File", a.relay_master_log_file.clone()),
        ("Slave_IO_Running", io_running),
        ("Slave_SQL_Running", sql_running),
        ("Replicate_Do_DB", filter("Replicate_Do_DB")),
        ("Replicate_Ignore_DB", filter("Replicate_Ignore_DB")),
        ("Replicate_Do_Table", filter("Replicate_Do_Table")),
        ("Replicate_Ignore_Table", filter("Replicate_Ignore_Table")),
        ("Replicate_Wild_Do_Table", filter("Replicate_Wild_Do_Table")),
        (
            "Replicate_Wild_Ignore_Table",
            filter("Replicate_Wild_Ignore_Table"),
        ),
        ("Last_Errno", last_errno.to_string()),
        ("Last_Error", last_error),
        ("Skip_Counter", a.skip_counter.to_string()),
        ("Exec_Master_Log_Pos", a.exec_master_log_pos.to_string()),
        ("Relay_Log_Space", r.relay_log_space.to_string()),
        ("Until_Condition", "None".into()),
        ("Until_Log_File", String::new()),
        ("Until_Log_Pos", "0".into()),
        ("Master_SSL_Allowed", yes_no(ssl.is_some_and(|s| s.enabled))),
        ("Master_SSL_CA_File", path(ssl.and_then(|s| s.ca.as_ref()))),
        ("Master_SSL_CA_Path", String::new()),
        ("Master_SSL_Cert", path(ssl.and_then(|s| s.cert.as_ref()))),
        ("Master_SSL_Cipher", String::new()),
        ("Master_SSL_Key", path(ssl.and_then(|s| s.key.as_ref()))),
        ("Seconds_Behind_Master", behind),
        (
            "Master_SSL_Verify_Server_Cert",
            yes_no(ssl.is_some_and(|s| s.verify_server_cert)),
        ),
        ("Last_IO_Errno", r.last_io_errno.to_string()),
        ("Last_IO_Error", r.last_io_error.clone()),
        ("Last_SQL_Errno", a.last_sql_errno.to_string()),
        ("Last_SQL_Error", a.last_sql_error.clone()),
        ("Replicate_Ignore_Server_Ids", String::new()),
        ("Master_Server_Id", r.master_server_id.to_string()),
        ("Master_SSL_Crl", String::new()),
        ("Master_SSL_Crlpath", String::new()),
        // replicant follows file/position coordinates (MASTER_USE_GTID=no): MariaDB then
        // shows Using_Gtid No and an empty Gtid_IO_Pos.
        ("Using_Gtid", "No".into()),
        ("Gtid_IO_Pos", String::new()),
        ("Replicate_Do_Domain_Ids", String::new()),
        ("Replicate_Ignore_Domain_Ids", String::new()),
        // One applier thread: no parallel replication.
        ("Parallel_Mode", "none".into()),
        ("SQL_Delay", "0".into()),
        ("SQL_Remaining_Delay", "NULL".into()),
        (
            "Slave_SQL_Running_State",
            if sql_alive {
                a.state.clone()
            } else {
                String::new()
            },
        ),
        // DDL is counted with the transactional groups (replicant does not count it apart).
        ("Slave_DDL_Groups", "0".into()),
        ("Slave_Non_Transactional_Groups", "0".into()),
        ("Slave_Transactional_Groups", a.transactions.to_string()),
        ("Replicate_Rewrite_DB", String::new()),
    ]
}

/// What `replicant status` prints after the SHOW SLAVE STATUS columns: facts MariaDB shows
/// elsewhere (SHOW ALL SLAVES STATUS, @@gtid_slave_pos) or MySQL shows, and replicant's
/// skip counter.
pub fn extra_status_fields(
    io: Option<&ReceiverStatus>,
    sql: Option<&ApplierStatus>,
) -> Vec<(&'static str, String)> {
    let io_default = ReceiverStatus::default();
    let sql_default = ApplierStatus::default();
    let r = io.unwrap_or(&io_default);
    let a = sql.unwrap_or(&sql_default);
    vec![
        ("Master_UUID", r.master_uuid.clone()),
        ("Gtid_Slave_Pos", a.gtid_slave_pos.clone()),
        ("Last_IO_Error_Timestamp", r.last_io_error_timestamp.clone()),
        (
            "Last_SQL_Error_Timestamp",
            a.last_sql_error_timestamp.clone(),
        ),
        ("Slave_Skipped_Errors", a.skipped.to_string()),
    ]
}
