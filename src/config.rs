//! Configuration: my.cnf (`--defaults-file`) plus command-line options → one [`Config`].
//!
//! Option names are MySQL's; dashes and underscores are interchangeable, `loose-` prefixes
//! are accepted, and `skip-X` means `X=0`, as in mysqld. `[mysqld]` is read first, then
//! `[replicant]`, then the command line: later wins. Options mysqld knows that replicant
//! does not use are collected in [`Config::ignored`] so `run` can report them once; they are
//! never fatal, so a slave's existing my.cnf starts replicant unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The store's block cache when the configuration names none (neither `block-cache-size`
/// nor `innodb_buffer_pool_size`): mysqld's default buffer pool.
pub const DEFAULT_BLOCK_CACHE: u64 = 128 << 20;

/// A configuration problem, naming the option or file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The defaults file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File path.
        path: PathBuf,
        /// OS error.
        source: std::io::Error,
    },
    /// A line of the defaults file is not `key`, `key=value`, a `[section]` or a comment.
    #[error("{path}:{line}: cannot parse {text:?}")]
    Syntax {
        /// File path.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// An option has a value of the wrong kind.
    #[error("option {name}: invalid value {value:?}: {reason}")]
    Value {
        /// Option name (normalised).
        name: String,
        /// The value given.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// A required option is missing.
    #[error("missing option {0}")]
    Missing(&'static str),
}

/// TLS settings for the connection to the master (`MASTER_SSL*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SslConfig {
    /// Use TLS (`--master-ssl`); implied by any other TLS option.
    pub enabled: bool,
    /// CA certificate file(s) to verify the master with (`--master-ssl-ca`).
    pub ca: Option<PathBuf>,
    /// Client certificate (`--master-ssl-cert`).
    pub cert: Option<PathBuf>,
    /// Client key (`--master-ssl-key`).
    pub key: Option<PathBuf>,
    /// Check that the certificate names the master host (`--master-ssl-verify-server-cert`).
    pub verify_server_cert: bool,
}

/// Where and how to connect to the master (`CHANGE MASTER TO` fields).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MasterConfig {
    /// MASTER_HOST.
    pub host: Option<String>,
    /// MASTER_PORT (3306).
    pub port: u16,
    /// MASTER_USER.
    pub user: String,
    /// MASTER_PASSWORD.
    pub password: String,
    /// MASTER_LOG_FILE to start from when the relay log has no position yet.
    pub log_file: Option<String>,
    /// MASTER_LOG_POS to start from (4 when only the file is given).
    pub log_pos: Option<u64>,
    /// MASTER_CONNECT_RETRY: pause between connection attempts (60 s).
    pub connect_retry: Duration,
    /// master_retry_count: attempts before the receiver gives up (mysqld: 86400).
    pub retry_count: u64,
    /// MASTER_HEARTBEAT_PERIOD; `None` means half of slave_net_timeout, as mysqld.
    pub heartbeat_period: Option<Duration>,
    /// TLS.
    pub ssl: SslConfig,
    /// RSA public key file for caching_sha2_password full auth without TLS
    /// (`--master-public-key-path`); fetched from the master when absent.
    pub public_key_path: Option<PathBuf>,
    /// MASTER_AUTO_POSITION=1 (`--master-auto-position`): with an empty relay log, a
    /// MySQL master is asked for the transactions whose GTIDs the store has not applied
    /// (COM_BINLOG_DUMP_GTID) instead of a file and position.
    #[serde(default)]
    pub auto_position: bool,
}

/// Everything replicant reads from options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// datadir: relay logs, positions, (later) the store.
    pub datadir: PathBuf,
    /// server_id this replica registers with; must differ from the master's.
    pub server_id: u32,
    /// The master.
    pub master: MasterConfig,
    /// relay_log basename (`relay-bin`); a path component is allowed as in mysqld.
    pub relay_log: String,
    /// max_relay_log_size in bytes; 0 means max_binlog_size (1 GiB), as in mysqld.
    pub max_relay_log_size: u64,
    /// sync_relay_log: fsync after this many events (0: leave it to the OS).
    pub sync_relay_log: u64,
    /// slave_net_timeout: a silent master is presumed dead after this long.
    pub slave_net_timeout: Duration,
    /// relay_log_purge (used by the applier).
    pub relay_log_purge: bool,
    /// slave_skip_errors as written (used by the applier).
    pub slave_skip_errors: Option<String>,
    /// slave_exec_mode=IDEMPOTENT: a row whose key is taken overwrites, a missing row is
    /// ignored (STRICT, the default, stops the applier).
    pub slave_exec_idempotent: bool,
    /// read_only (used by the endpoint).
    pub read_only: bool,
    /// log_slave_updates (used by the applier's own binlog).
    pub log_slave_updates: bool,
    /// default-time-zone: `@@global.time_zone` of the endpoint's sessions, as mysqld
    /// shows it (`SYSTEM` by default).
    pub default_time_zone: String,
    /// sql_slave_skip_counter: event groups to skip when the applier starts.
    pub sql_slave_skip_counter: u64,
    /// replicate-* filters: option name → every value given.
    pub filters: Vec<(String, Vec<String>)>,
    /// The client endpoint.
    pub endpoint: EndpointOptions,
    /// skip_slave_start: do not start the replication threads with the daemon.
    pub skip_slave_start: bool,
    /// `disk-space-reserve`: the relay log and the store wait while their filesystem has
    /// less than this many bytes free (0: never), rather than fill it.
    pub disk_space_reserve: u64,
    /// relay_log_recovery: at start-up, discard the relay log and fetch again from the
    /// applied master position (mysqld's option, for a damaged relay log).
    pub relay_log_recovery: bool,
    /// Bytes of the store's block cache: `block-cache-size`, else the my.cnf's
    /// `innodb_buffer_pool_size` (the memory the DBA gave the replica for cached data),
    /// else 128 MiB, mysqld's default buffer pool.
    pub block_cache_size: u64,
    /// The binlog replicant writes of what it applies (`log-bin` with
    /// `log_slave_updates`); `None` without either.
    pub binlog: Option<BinlogConfig>,
    /// Options accepted but not used by replicant, with their values, in file order.
    pub ignored: Vec<(String, String)>,
}

/// `log-bin` and the options that shape the binlog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinlogConfig {
    /// `log-bin`'s value: the files' name prefix, with a directory when given (relative
    /// to the datadir); mysqld's `<hostname>-bin` when the option has no value.
    pub name: String,
    /// `max_binlog_size` (1 GiB by default).
    pub max_size: u64,
    /// `binlog_checksum=CRC32` (the default) or NONE.
    pub checksum: bool,
    /// `sync_binlog` (0 by default: the OS decides).
    pub sync: u64,
    /// `binlog_expire_logs_seconds`, else `expire_logs_days` in seconds (0: never).
    pub expire_secs: u64,
    /// `binlog-do-db`: only statements of these default databases and rows of their
    /// tables are logged (when any is given).
    pub do_db: Vec<String>,
    /// `binlog-ignore-db`: statements of these default databases and rows of their tables
    /// are not logged.
    pub ignore_db: Vec<String>,
}

/// Where and for whom the MySQL-protocol endpoint listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointOptions {
    /// TCP port (`port`, 3306 as mysqld).
    pub port: u16,
    /// Address to bind (`bind-address`; all interfaces when unset, as mysqld).
    pub bind_address: Option<String>,
    /// Unix socket path (`socket`; `<datadir>/mysql.sock` when unset).
    pub socket: PathBuf,
    /// skip_networking: no TCP listener, only the socket.
    pub skip_networking: bool,
    /// max_connections (151, as mysqld).
    pub max_connections: u32,
    /// `account` options as written (parsed by the endpoint).
    pub accounts: Vec<String>,
    /// `ssl-cert` and `ssl-key`: TLS for clients when both are set.
    pub ssl: Option<(PathBuf, PathBuf)>,
}

/// Raw options after merging file and command line: normalised name → value.
#[derive(Clone, Debug, Default)]
pub struct RawOptions {
    /// Options in order of precedence (later insertions win).
    values: BTreeMap<String, String>,
    /// Order in which names first appeared, for reporting.
    order: Vec<String>,
    /// Every value of the options that may be given many times (replicate-*), in order.
    repeated: BTreeMap<String, Vec<String>>,
}

/// Options mysqld accepts many times, each occurrence adding to a list.
pub const REPEATABLE: &[&str] = &[
    "replicate-do-db",
    "replicate-ignore-db",
    "replicate-do-table",
    "replicate-ignore-table",
    "replicate-wild-do-table",
    "replicate-wild-ignore-table",
    "account",
    "binlog-do-db",
    "binlog-ignore-db",
];

/// Normalises an option name: lower case, `_` → `-`, `loose-` stripped.
pub fn normalize_name(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    n.strip_prefix("loose-").map(str::to_string).unwrap_or(n)
}

impl RawOptions {
    /// Sets `name` (any spelling) to `value`; `skip-X` sets X to 0.
    pub fn set(&mut self, name: &str, value: &str) {
        let mut n = normalize_name(name);
        let mut v = value.to_string();
        for (prefix, val) in [("skip-", "0"), ("disable-", "0"), ("enable-", "1")] {
            if let Some(rest) = n.strip_prefix(prefix) {
                // skip-name-resolve and friends are option names in their own right.
                if !KNOWN_SKIP_OPTIONS.contains(&n.as_str()) {
                    n = rest.to_string();
                    v = val.to_string();
                }
                break;
            }
        }
        if !self.values.contains_key(&n) {
            self.order.push(n.clone());
        }
        if REPEATABLE.contains(&n.as_str()) {
            self.repeated.entry(n.clone()).or_default().push(v.clone());
        }
        self.values.insert(n, v);
    }

    /// Every value given for a repeatable option, in order.
    pub fn all(&self, name: &str) -> &[String] {
        self.repeated.get(name).map_or(&[], Vec::as_slice)
    }

    /// Value of an option, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Reads `[mysqld]` then `[replicant]` sections of a defaults file (with `!include` and
    /// `!includedir`).
    pub fn read_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let mut sections: Vec<(String, String, String)> = Vec::new();
        collect_file(path, &mut sections, 0)?;
        for wanted in ["mysqld", "replicant"] {
            for (section, k, v) in &sections {
                if section == wanted {
                    self.set(k, v);
                }
            }
        }
        Ok(())
    }
}

/// The binlog's options: `None` unless `log-bin` is on and `log_slave_updates` too (as in
/// mysqld, a replica logs nothing it replicates without it; replicant has nothing else to
/// log).
fn binlog_config(
    raw: &RawOptions,
    flag: &dyn Fn(&str, bool) -> Result<bool, ConfigError>,
) -> Result<Option<BinlogConfig>, ConfigError> {
    let Some(v) = raw.get("log-bin") else {
        return Ok(None);
    };
    let name = match v.trim() {
        "0" | "OFF" | "off" => return Ok(None),
        "" | "1" | "ON" | "on" => {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "replicant".into());
            format!("{host}-bin")
        }
        other => other.to_string(),
    };
    if !flag("log-slave-updates", false)? {
        return Ok(None);
    }
    let num = |n: &str| raw.get(n).map(|v| parse_num::<u64>(n, v)).transpose();
    let checksum = match raw.get("binlog-checksum").map(str::to_ascii_uppercase) {
        None => true,
        Some(c) if c == "CRC32" => true,
        Some(c) if c == "NONE" => false,
        Some(c) => {
            return Err(ConfigError::Value {
                name: "binlog-checksum".into(),
                value: c,
                reason: "CRC32 or NONE".into(),
            })
        }
    };
    let list = |n: &str| -> Vec<String> {
        // One database per option, as in mysqld (a name may hold a comma).
        raw.all(n)
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    Ok(Some(BinlogConfig {
        name,
        max_size: raw
            .get("max-binlog-size")
            .map(|v| parse_size("max-binlog-size", v))
            .transpose()?
            .unwrap_or(1 << 30)
            // mysqld's bounds (positions are 32-bit in the events).
            .clamp(4096, 1 << 30),
        checksum,
        sync: num("sync-binlog")?.unwrap_or(0),
        expire_secs: match num("binlog-expire-logs-seconds")? {
            Some(s) => s,
            None => num("expire-logs-days")?.unwrap_or(0) * 86_400,
        },
        do_db: list("binlog-do-db"),
        ignore_db: list("binlog-ignore-db"),
    }))
}

/// Options whose names start with skip-/enable- but are not negations.
const KNOWN_SKIP_OPTIONS: &[&str] = &[
    "skip-name-resolve",
    "skip-networking",
    "skip-slave-start",
    "skip-grant-tables",
    "skip-external-locking",
    "skip-host-cache",
    "skip-character-set-client-handshake",
    "skip-symbolic-links",
];

fn collect_file(
    path: &Path,
    out: &mut Vec<(String, String, String)>,
    depth: usize,
) -> Result<(), ConfigError> {
    if depth > 10 {
        return Err(ConfigError::Syntax {
            path: path.to_path_buf(),
            line: 0,
            text: "!include nested too deeply".into(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("!includedir") {
            let dir = Path::new(rest.trim());
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|source| ConfigError::Read {
                    path: dir.to_path_buf(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("cnf")))
                .collect();
            files.sort();
            for f in files {
                collect_file(&f, out, depth + 1)?;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("!include") {
            collect_file(Path::new(rest.trim()), out, depth + 1)?;
            continue;
        }
        if line.starts_with('[') {
            let Some(end) = line.find(']') else {
                return Err(ConfigError::Syntax {
                    path: path.to_path_buf(),
                    line: i + 1,
                    text: raw.to_string(),
                });
            };
            section = line[1..end].trim().to_ascii_lowercase();
            continue;
        }
        let (k, v) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), unquote(strip_comment(v.trim()))),
            None => (line, "1".to_string()),
        };
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(ConfigError::Syntax {
                path: path.to_path_buf(),
                line: i + 1,
                text: raw.to_string(),
            });
        }
        out.push((section.clone(), k.to_string(), v));
    }
    Ok(())
}

/// Drops an unquoted trailing ` # comment`.
fn strip_comment(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.starts_with(q) {
            return match v[1..].find(q) {
                Some(end) => &v[..end + 2],
                None => v,
            };
        }
    }
    match v.find(" #").or_else(|| v.find("\t#")) {
        Some(i) => v[..i].trim_end(),
        None => v,
    }
}

fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

/// Parses a size with mysqld's K/M/G suffixes.
pub fn parse_size(name: &str, v: &str) -> Result<u64, ConfigError> {
    let v = v.trim();
    let (num, mult) = match v.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&v[..v.len() - 1], 1u64 << 10),
        Some('M') => (&v[..v.len() - 1], 1 << 20),
        Some('G') => (&v[..v.len() - 1], 1 << 30),
        _ => (v, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| ConfigError::Value {
            name: name.to_string(),
            value: v.to_string(),
            reason: "expected a number with an optional K, M or G suffix".into(),
        })
}

fn parse_bool(name: &str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "true" | "yes" | "" => Ok(true),
        "0" | "off" | "false" | "no" => Ok(false),
        _ => Err(ConfigError::Value {
            name: name.to_string(),
            value: v.to_string(),
            reason: "expected 0/1, ON/OFF or TRUE/FALSE".into(),
        }),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ConfigError> {
    v.trim().parse::<T>().map_err(|_| ConfigError::Value {
        name: name.to_string(),
        value: v.to_string(),
        reason: "expected a number".into(),
    })
}

fn parse_secs(name: &str, v: &str) -> Result<Duration, ConfigError> {
    let secs: f64 = parse_num(name, v)?;
    if !(0.0..=4_294_967.0).contains(&secs) {
        return Err(ConfigError::Value {
            name: name.to_string(),
            value: v.to_string(),
            reason: "seconds out of range".into(),
        });
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Options replicant uses, by normalised name. Everything else is reported as ignored.
const USED: &[&str] = &[
    "datadir",
    "server-id",
    "master-host",
    "master-port",
    "master-user",
    "master-password",
    "master-log-file",
    "master-log-pos",
    "master-auto-position",
    "master-connect-retry",
    "master-retry-count",
    "master-heartbeat-period",
    "master-ssl",
    "master-ssl-ca",
    "master-ssl-cert",
    "master-ssl-key",
    "master-ssl-verify-server-cert",
    "master-public-key-path",
    "relay-log",
    "max-relay-log-size",
    "sync-relay-log",
    "slave-net-timeout",
    "relay-log-purge",
    "slave-skip-errors",
    "slave-exec-mode",
    "sql-slave-skip-counter",
    "replicate-do-db",
    "replicate-ignore-db",
    "replicate-do-table",
    "replicate-ignore-table",
    "replicate-wild-do-table",
    "replicate-wild-ignore-table",
    "read-only",
    "log-slave-updates",
    "log-bin",
    "max-binlog-size",
    "binlog-checksum",
    "sync-binlog",
    "expire-logs-days",
    "binlog-expire-logs-seconds",
    "binlog-do-db",
    "binlog-ignore-db",
    "default-time-zone",
    "relay-log-recovery",
    "disk-space-reserve",
    "defaults-file",
    "port",
    "bind-address",
    "socket",
    "skip-networking",
    "max-connections",
    "block-cache-size",
    "innodb-buffer-pool-size",
    "account",
    "skip-slave-start",
    "ssl-cert",
    "ssl-key",
];

impl Config {
    /// Builds the configuration from merged raw options.
    pub fn from_raw(raw: &RawOptions) -> Result<Config, ConfigError> {
        let g = |n: &str| raw.get(n);
        let datadir = PathBuf::from(g("datadir").ok_or(ConfigError::Missing("datadir"))?);
        let server_id = match g("server-id") {
            Some(v) => parse_num::<u32>("server-id", v)?,
            None => return Err(ConfigError::Missing("server-id")),
        };
        if server_id == 0 {
            return Err(ConfigError::Value {
                name: "server-id".into(),
                value: "0".into(),
                reason: "a replica needs a non-zero server_id (the master refuses 0)".into(),
            });
        }
        let ssl_opt = |n: &str| g(n).filter(|v| !v.is_empty()).map(PathBuf::from);
        let ssl = SslConfig {
            ca: ssl_opt("master-ssl-ca"),
            cert: ssl_opt("master-ssl-cert"),
            key: ssl_opt("master-ssl-key"),
            verify_server_cert: g("master-ssl-verify-server-cert")
                .map(|v| parse_bool("master-ssl-verify-server-cert", v))
                .transpose()?
                .unwrap_or(false),
            enabled: false,
        };
        let ssl = SslConfig {
            enabled: g("master-ssl")
                .map(|v| parse_bool("master-ssl", v))
                .transpose()?
                .unwrap_or(false)
                || ssl.ca.is_some()
                || ssl.cert.is_some(),
            ..ssl
        };
        let master = MasterConfig {
            host: g("master-host")
                .map(str::to_string)
                .filter(|h| !h.is_empty()),
            port: g("master-port")
                .map(|v| parse_num("master-port", v))
                .transpose()?
                .unwrap_or(3306),
            user: g("master-user").unwrap_or("root").to_string(),
            password: g("master-password").unwrap_or("").to_string(),
            log_file: g("master-log-file")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            log_pos: g("master-log-pos")
                .map(|v| parse_num("master-log-pos", v))
                .transpose()?,
            connect_retry: g("master-connect-retry")
                .map(|v| parse_secs("master-connect-retry", v))
                .transpose()?
                .unwrap_or(Duration::from_secs(60)),
            retry_count: g("master-retry-count")
                .map(|v| parse_num("master-retry-count", v))
                .transpose()?
                .unwrap_or(86_400),
            heartbeat_period: g("master-heartbeat-period")
                .map(|v| parse_secs("master-heartbeat-period", v))
                .transpose()?,
            ssl,
            public_key_path: g("master-public-key-path").map(PathBuf::from),
            auto_position: g("master-auto-position")
                .map(|v| parse_bool("master-auto-position", v))
                .transpose()?
                .unwrap_or(false),
        };
        let flag = |n: &str, default: bool| -> Result<bool, ConfigError> {
            g(n).map(|v| parse_bool(n, v))
                .transpose()
                .map(|o| o.unwrap_or(default))
        };
        let ignored = raw
            .order
            .iter()
            .filter(|n| !USED.contains(&n.as_str()))
            .map(|n| (n.clone(), raw.values[n].clone()))
            .collect();
        Ok(Config {
            datadir: datadir.clone(),
            server_id,
            master,
            relay_log: g("relay-log")
                .filter(|s| !s.is_empty())
                .unwrap_or("relay-bin")
                .to_string(),
            max_relay_log_size: g("max-relay-log-size")
                .map(|v| parse_size("max-relay-log-size", v))
                .transpose()?
                .unwrap_or(0),
            sync_relay_log: g("sync-relay-log")
                .map(|v| parse_num("sync-relay-log", v))
                .transpose()?
                .unwrap_or(10_000),
            slave_net_timeout: g("slave-net-timeout")
                .map(|v| parse_secs("slave-net-timeout", v))
                .transpose()?
                .unwrap_or(Duration::from_secs(60)),
            relay_log_purge: flag("relay-log-purge", true)?,
            slave_skip_errors: g("slave-skip-errors").map(str::to_string),
            slave_exec_idempotent: match g("slave-exec-mode")
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                None | Some("STRICT") => false,
                Some("IDEMPOTENT") => true,
                Some(other) => {
                    return Err(ConfigError::Value {
                        name: "slave-exec-mode".into(),
                        value: other.into(),
                        reason: "expected STRICT or IDEMPOTENT".into(),
                    })
                }
            },
            sql_slave_skip_counter: g("sql-slave-skip-counter")
                .map(|v| parse_num("sql-slave-skip-counter", v))
                .transpose()?
                .unwrap_or(0),
            filters: REPEATABLE
                .iter()
                .filter(|n| n.starts_with("replicate-"))
                .map(|n| (n.to_string(), raw.all(n).to_vec()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            endpoint: EndpointOptions {
                port: g("port")
                    .map(|v| parse_num("port", v))
                    .transpose()?
                    .filter(|p| *p != 0)
                    .unwrap_or(3306),
                bind_address: g("bind-address")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty() && s != "*"),
                socket: g("socket")
                    .filter(|s| !s.is_empty())
                    .map_or_else(|| datadir.join("mysql.sock"), PathBuf::from),
                skip_networking: flag("skip-networking", false)?,
                max_connections: g("max-connections")
                    .map(|v| parse_num("max-connections", v))
                    .transpose()?
                    .unwrap_or(151),
                accounts: raw.all("account").to_vec(),
                ssl: match (
                    g("ssl-cert").filter(|s| !s.is_empty()),
                    g("ssl-key").filter(|s| !s.is_empty()),
                ) {
                    (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
                    (None, None) => None,
                    _ => {
                        return Err(ConfigError::Value {
                            name: "ssl-cert".into(),
                            value: String::new(),
                            reason: "ssl-cert and ssl-key go together".into(),
                        })
                    }
                },
            },
            skip_slave_start: flag("skip-slave-start", false)?,
            relay_log_recovery: flag("relay-log-recovery", false)?,
            disk_space_reserve: g("disk-space-reserve")
                .map(|v| parse_size("disk-space-reserve", v))
                .transpose()?
                .unwrap_or(64 << 20),
            block_cache_size: match g("block-cache-size") {
                Some(v) => parse_size("block-cache-size", v)?,
                None => g("innodb-buffer-pool-size")
                    .map(|v| parse_size("innodb-buffer-pool-size", v))
                    .transpose()?
                    .unwrap_or(DEFAULT_BLOCK_CACHE),
            },
            read_only: flag("read-only", false)?,
            log_slave_updates: flag("log-slave-updates", false)?,
            default_time_zone: match g("default-time-zone") {
                Some(v) => crate::tz::TimeZone::parse(v)
                    .map_err(|e| ConfigError::Value {
                        name: "default-time-zone".into(),
                        value: v.to_string(),
                        reason: e.message,
                    })?
                    .name(),
                None => "SYSTEM".to_string(),
            },
            binlog: binlog_config(raw, &flag)?,
            ignored,
        })
    }

    /// The relay log size limit in force (max_relay_log_size, or 1 GiB when 0).
    pub fn relay_rotate_size(&self) -> u64 {
        if self.max_relay_log_size == 0 {
            1 << 30
        } else {
            self.max_relay_log_size
        }
    }

    /// Heartbeat period in force: MASTER_HEARTBEAT_PERIOD or half of slave_net_timeout.
    pub fn heartbeat_period(&self) -> Duration {
        self.master
            .heartbeat_period
            .unwrap_or(self.slave_net_timeout / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SLAVE_CNF: &str = "[mysqld]\n\
## 设置server_id，同一局域网中需要唯一\n\
server_id=102\n\
## 指定不需要同步的数据库名称\n\
binlog-ignore-db=mysql  \n\
log-bin=mall-mysql-slave1-bin  \n\
binlog_cache_size=1M  \n\
binlog_format=mixed  \n\
expire_logs_days=7  \n\
slave_skip_errors=1062  \n\
relay_log=mall-mysql-relay-bin  \n\
log_slave_updates=1  \n\
read_only=1\n";

    #[test]
    fn seed_slave_cnf_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my.cnf");
        std::fs::write(&path, SEED_SLAVE_CNF).unwrap();
        let mut raw = RawOptions::default();
        raw.read_file(&path).unwrap();
        raw.set("datadir", "/tmp/x");
        let c = Config::from_raw(&raw).unwrap();
        assert_eq!(c.server_id, 102);
        assert_eq!(c.relay_log, "mall-mysql-relay-bin");
        assert_eq!(c.slave_skip_errors.as_deref(), Some("1062"));
        assert!(c.read_only && c.log_slave_updates);
        let ignored: Vec<&str> = c.ignored.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(ignored, ["binlog-cache-size", "binlog-format"]);
        // The seed's slave logs what it replicates, as the seed's notes set it up.
        let b = c.binlog.expect("log-bin with log_slave_updates");
        assert_eq!(
            (
                b.name.as_str(),
                b.expire_secs,
                b.ignore_db.clone(),
                b.checksum
            ),
            (
                "mall-mysql-slave1-bin",
                7 * 86_400,
                vec!["mysql".to_string()],
                true
            )
        );
    }

    #[test]
    fn block_cache_follows_the_buffer_pool_unless_set() {
        let cfg = |opts: &[(&str, &str)]| {
            let mut raw = RawOptions::default();
            raw.set("datadir", "/tmp/x");
            raw.set("server-id", "2");
            for (n, v) in opts {
                raw.set(n, v);
            }
            Config::from_raw(&raw).unwrap().block_cache_size
        };
        assert_eq!(cfg(&[]), 128 << 20);
        assert_eq!(cfg(&[("innodb_buffer_pool_size", "1G")]), 1 << 30);
        assert_eq!(
            cfg(&[
                ("innodb_buffer_pool_size", "1G"),
                ("block-cache-size", "64M")
            ]),
            64 << 20
        );
    }

    #[test]
    fn later_sections_and_cli_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my.cnf");
        std::fs::write(
            &path,
            "[client]\nport=1\n[replicant]\nmaster_port=3307\n[mysqld]\nmaster-port=3306\ndatadir = \"/data/x\" # comment\nserver-id=5\nskip-relay-log-purge\n",
        )
        .unwrap();
        let mut raw = RawOptions::default();
        raw.read_file(&path).unwrap();
        let c = Config::from_raw(&raw).unwrap();
        assert_eq!(c.master.port, 3307);
        assert_eq!(c.datadir, PathBuf::from("/data/x"));
        assert!(!c.relay_log_purge);
        raw.set("master_port", "4000");
        assert_eq!(Config::from_raw(&raw).unwrap().master.port, 4000);
    }

    #[test]
    fn bad_values_name_the_option() {
        let mut raw = RawOptions::default();
        raw.set("datadir", "/x");
        raw.set("server-id", "abc");
        let e = Config::from_raw(&raw).unwrap_err().to_string();
        assert!(e.contains("server-id") && e.contains("abc"), "{e}");
        assert_eq!(parse_size("x", "1M").unwrap(), 1 << 20);
        assert!(parse_size("x", "1Q").is_err());
    }

    #[test]
    fn default_time_zone_is_checked_and_named_as_mysqld_shows_it() {
        let mut raw = RawOptions::default();
        raw.set("datadir", "/x");
        raw.set("server-id", "2");
        assert_eq!(Config::from_raw(&raw).unwrap().default_time_zone, "SYSTEM");
        raw.set("default-time-zone", "+8:00");
        assert_eq!(Config::from_raw(&raw).unwrap().default_time_zone, "+08:00");
        raw.set("default_time_zone", "Mars/Olympus");
        let e = Config::from_raw(&raw).unwrap_err().to_string();
        assert!(
            e.contains("default-time-zone") && e.contains("Mars/Olympus"),
            "{e}"
        );
    }
}
