//! System variables: the ones connectors read at connect time and DBAs look at, with
//! mysqld's scopes (read-only, global-only, global and session), for `@@name`, SET and
//! SHOW VARIABLES.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;

/// How a variable may be changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Not at all (set in my.cnf or fixed).
    ReadOnly,
    /// SET GLOBAL only.
    Global,
    /// SET GLOBAL sets the default, SET SESSION this connection's value.
    Both,
}

/// Variables shown ON/OFF by SHOW VARIABLES and 1/0 by `@@name`.
const BOOLEAN: &[&str] = &[
    "autocommit",
    "foreign_key_checks",
    "log_bin",
    "log_slave_updates",
    "gtid_strict_mode",
    "gtid_ignore_duplicates",
    "rpl_semi_sync_master_enabled",
    "performance_schema",
    "read_only",
    "relay_log_purge",
    "skip_networking",
    "sql_auto_is_null",
    "sql_log_bin",
    "sql_quote_show_create",
    "sql_safe_updates",
    "transaction_read_only",
    "tx_read_only",
    "unique_checks",
    "big_tables",
    "profiling",
];

/// Version string (`@@version`); the handshake adds MariaDB's `5.5.5-` prefix.
pub fn version() -> String {
    format!("10.11.99-MariaDB-replicant-{}", env!("CARGO_PKG_VERSION"))
}

/// The global variables of a daemon, built from its configuration.
pub fn initial_globals(cfg: &Config) -> BTreeMap<&'static str, (Scope, Value)> {
    use Scope::*;
    let t = |s: &str| Value::Text(s.to_string());
    let i = Value::Int;
    let ep = &cfg.endpoint;
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let vars: Vec<(&'static str, Scope, Value)> = vec![
        ("auto_increment_increment", Both, i(1)),
        ("auto_increment_offset", Both, i(1)),
        ("autocommit", Both, i(1)),
        ("big_tables", Both, i(0)),
        ("bind_address", ReadOnly, t(ep.bind_address.as_deref().unwrap_or(""))),
        // What a MariaDB replica without a binlog reports (pt-table-checksum asks).
        ("binlog_format", Both, t("MIXED")),
        ("character_set_client", Both, t("utf8mb4")),
        ("character_set_connection", Both, t("utf8mb4")),
        ("character_set_database", Both, t("utf8mb4")),
        ("character_set_filesystem", Both, t("binary")),
        ("character_set_results", Both, t("utf8mb4")),
        ("character_set_server", Both, t("utf8mb4")),
        ("character_set_system", ReadOnly, t("utf8mb3")),
        ("collation_connection", Both, t("utf8mb4_general_ci")),
        ("collation_database", Both, t("utf8mb4_general_ci")),
        ("collation_server", Both, t("utf8mb4_general_ci")),
        ("connect_timeout", Global, i(10)),
        ("datadir", ReadOnly, t(&format!("{}/", cfg.datadir.display()))),
        ("default_storage_engine", Both, t("RocksDB")),
        ("foreign_key_checks", Both, i(1)),
        ("group_concat_max_len", Both, i(1_048_576)),
        ("have_openssl", ReadOnly, t("NO")),
        (
            "have_ssl",
            ReadOnly,
            t(if ep.ssl.is_some() { "YES" } else { "DISABLED" }),
        ),
        ("hostname", ReadOnly, t(&host)),
        ("innodb_lock_wait_timeout", Both, i(50)),
        ("init_connect", Global, t("")),
        ("interactive_timeout", Both, i(28_800)),
        ("license", ReadOnly, t("MIT OR Apache-2.0")),
        ("log_bin", ReadOnly, i(cfg.binlog.is_some() as i64)),
        (
            "log_bin_basename",
            ReadOnly,
            match &cfg.binlog {
                Some(b) => {
                    let (dir, base) = crate::logbin::location(&cfg.datadir, &b.name);
                    t(&dir.join(base).display().to_string())
                }
                None => Value::Null,
            },
        ),
        (
            "binlog_checksum",
            Global,
            t(if cfg.binlog.as_ref().is_none_or(|b| b.checksum) {
                "CRC32"
            } else {
                "NONE"
            }),
        ),
        ("binlog_format", Both, t("MIXED")),
        (
            "max_binlog_size",
            Global,
            Value::UInt(cfg.binlog.as_ref().map_or(1 << 30, |b| b.max_size)),
        ),
        (
            "sync_binlog",
            Global,
            Value::UInt(cfg.binlog.as_ref().map_or(0, |b| b.sync)),
        ),
        (
            "expire_logs_days",
            Global,
            Value::UInt(cfg.binlog.as_ref().map_or(0, |b| b.expire_secs / 86_400)),
        ),
        ("gtid_domain_id", Both, i(0)),
        // MySQL replicas ask for these before dumping.
        (
            "server_uuid",
            ReadOnly,
            t(&crate::source::load_or_create_uuid(&cfg.datadir).unwrap_or_default()),
        ),
        ("gtid_mode", ReadOnly, t("OFF")),
        ("enforce_gtid_consistency", ReadOnly, t("OFF")),
        ("gtid_strict_mode", Global, i(0)),
        ("gtid_ignore_duplicates", Global, i(0)),
        ("rpl_semi_sync_master_enabled", Global, i(0)),
        ("log_slave_updates", ReadOnly, i(cfg.log_slave_updates as i64)),
        ("lc_time_names", Both, t("en_US")),
        ("lower_case_table_names", ReadOnly, i(0)),
        ("max_allowed_packet", Global, i(16 << 20)),
        ("max_connections", Global, i(ep.max_connections as i64)),
        ("max_execution_time", Both, i(0)),
        ("net_buffer_length", Both, i(16_384)),
        ("net_read_timeout", Both, i(30)),
        ("net_write_timeout", Both, i(60)),
        ("performance_schema", ReadOnly, i(0)),
        ("port", ReadOnly, i(ep.port as i64)),
        ("profiling", Both, i(0)),
        ("protocol_version", ReadOnly, i(10)),
        ("query_cache_size", Global, i(1_048_576)),
        ("query_cache_type", Both, t("OFF")),
        // Clients can never write through the endpoint (error 1290), whatever my.cnf says.
        ("read_only", Global, i(1)),
        ("relay_log", ReadOnly, t(&cfg.relay_log)),
        ("relay_log_purge", ReadOnly, i(cfg.relay_log_purge as i64)),
        ("server_id", ReadOnly, i(cfg.server_id as i64)),
        ("skip_networking", ReadOnly, i(ep.skip_networking as i64)),
        (
            "slave_exec_mode",
            ReadOnly,
            t(if cfg.slave_exec_idempotent { "IDEMPOTENT" } else { "STRICT" }),
        ),
        ("slave_net_timeout", ReadOnly, i(cfg.slave_net_timeout.as_secs() as i64)),
        (
            "slave_skip_errors",
            ReadOnly,
            t(cfg.slave_skip_errors.as_deref().unwrap_or("OFF")),
        ),
        ("socket", ReadOnly, t(&ep.socket.display().to_string())),
        ("sql_auto_is_null", Both, i(0)),
        ("sql_log_bin", Both, i(1)),
        (
            "sql_mode",
            Both,
            t("STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"),
        ),
        ("sql_quote_show_create", Both, i(1)),
        ("sql_safe_updates", Both, i(0)),
        ("sql_select_limit", Both, Value::UInt(u64::MAX)),
        ("sql_slave_skip_counter", Global, i(cfg.sql_slave_skip_counter as i64)),
        ("system_time_zone", ReadOnly, t(&crate::tz::system_name())),
        ("time_zone", Both, t(&cfg.default_time_zone)),
        ("transaction_isolation", Both, t("REPEATABLE-READ")),
        ("transaction_read_only", Both, i(0)),
        ("tx_isolation", Both, t("REPEATABLE-READ")),
        ("tx_read_only", Both, i(0)),
        ("unique_checks", Both, i(1)),
        ("version", ReadOnly, t(&version())),
        (
            "version_comment",
            ReadOnly,
            t("replicant, a MySQL/MariaDB replica"),
        ),
        ("version_compile_machine", ReadOnly, t(std::env::consts::ARCH)),
        ("version_compile_os", ReadOnly, t("Linux")),
        ("wait_timeout", Both, i(28_800)),
    ];
    vars.into_iter().map(|(n, s, v)| (n, (s, v))).collect()
}

/// True for ON/OFF variables.
pub fn is_boolean(name: &str) -> bool {
    BOOLEAN.contains(&name)
}

/// SHOW VARIABLES' rendering of a value.
pub fn show_value(name: &str, v: &Value) -> String {
    if is_boolean(name) {
        return if v.truth() == Some(true) { "ON" } else { "OFF" }.into();
    }
    v.render().unwrap_or_default()
}

/// mysqld's 1193.
pub fn unknown(name: &str) -> SqlError {
    SqlError::new(1193, format!("Unknown system variable '{name}'"))
}

/// Converts the value of `SET name = value` to the variable's type, as mysqld accepts it
/// (ON/OFF/TRUE/FALSE/1/0 for booleans, numbers for numeric variables, DEFAULT handled by
/// the caller).
pub fn coerce(name: &str, current: &Value, v: Value) -> Result<Value, SqlError> {
    if name == "time_zone" {
        // Named as mysqld shows it ('+8:00' is '+08:00'); 1298 for a zone it does not know.
        return match &v {
            Value::Text(s) => Ok(Value::Text(crate::tz::TimeZone::parse(s)?.name())),
            _ => Err(SqlError::new(
                1231,
                format!(
                    "Variable '{name}' can't be set to the value of '{}'",
                    v.render().unwrap_or_else(|| "NULL".into())
                ),
            )),
        };
    }
    let wrong = |v: &Value| {
        SqlError::new(
            1231,
            format!(
                "Variable '{name}' can't be set to the value of '{}'",
                v.render().unwrap_or_else(|| "NULL".into())
            ),
        )
    };
    if is_boolean(name) {
        return match &v {
            Value::Int(0) => Ok(Value::Int(0)),
            Value::Int(1) => Ok(Value::Int(1)),
            Value::Text(s) if s.eq_ignore_ascii_case("on") || s.eq_ignore_ascii_case("true") => {
                Ok(Value::Int(1))
            }
            Value::Text(s) if s.eq_ignore_ascii_case("off") || s.eq_ignore_ascii_case("false") => {
                Ok(Value::Int(0))
            }
            _ => Err(wrong(&v)),
        };
    }
    match (current, &v) {
        (Value::Int(_) | Value::UInt(_), Value::Int(i)) if *i >= 0 => Ok(Value::Int(*i)),
        (Value::Int(_) | Value::UInt(_), Value::UInt(u)) => Ok(Value::UInt(*u)),
        (Value::Int(_) | Value::UInt(_), Value::Text(s)) => {
            s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                SqlError::new(
                    1232,
                    format!("Incorrect argument type to variable '{name}'"),
                )
            })
        }
        (Value::Int(_) | Value::UInt(_), _) => Err(wrong(&v)),
        (_, Value::Null) => Err(wrong(&v)),
        (_, other) => Ok(Value::Text(other.render().unwrap_or_default())),
    }
}
