//! The `replicant` command: `run` (the daemon), `relaylog print|list|verify`, `status`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use std::sync::Arc;

use replicant::apply::status::ApplierStatus;
use replicant::config::{Config, RawOptions};
use replicant::control::slave_status::{extra_status_fields, slave_status_fields};
use replicant::control::{Control, Threads};
use replicant::endpoint::{Endpoint, Shared};
use replicant::inspect::{self, print::PrintOptions};
use replicant::source::status::ReceiverStatus;

#[derive(Parser)]
#[command(
    name = "replicant",
    version,
    about = "A MySQL/MariaDB replica",
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The daemon: replicate from the master (receive into the relay log, apply into the
    /// store) and serve clients over the MySQL protocol.
    Run(Box<RunArgs>),
    /// Inspect binlog-format files (relay logs, a master's binlogs).
    Relaylog {
        #[command(subcommand)]
        cmd: RelaylogCmd,
    },
    /// Print the replica status (SHOW SLAVE STATUS fields) from a datadir.
    Status {
        /// The replica's datadir.
        #[arg(long)]
        datadir: PathBuf,
    },
    /// Print a table's rows in primary-key order, as `mariadb --batch --skip-column-names`
    /// prints `SELECT * FROM DB.TABLE ORDER BY <pk>` (works while the daemon runs).
    TableDump {
        /// The replica's datadir.
        #[arg(long)]
        datadir: PathBuf,
        /// `DB.TABLE`.
        table: String,
    },
}

/// Options of `run`; each may also come from --defaults-file under its my.cnf name.
#[derive(Args, Default)]
struct RunArgs {
    /// my.cnf to read ([mysqld] then [replicant] sections).
    #[arg(long)]
    defaults_file: Option<PathBuf>,
    #[arg(long)]
    datadir: Option<String>,
    #[arg(long)]
    server_id: Option<String>,
    #[arg(long)]
    master_host: Option<String>,
    #[arg(long)]
    master_port: Option<String>,
    #[arg(long)]
    master_user: Option<String>,
    #[arg(long)]
    master_password: Option<String>,
    #[arg(long)]
    master_log_file: Option<String>,
    #[arg(long)]
    master_log_pos: Option<String>,
    /// Ask a MySQL master by GTID set (MASTER_AUTO_POSITION=1).
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    master_auto_position: Option<String>,
    #[arg(long)]
    master_connect_retry: Option<String>,
    #[arg(long)]
    master_retry_count: Option<String>,
    #[arg(long)]
    master_heartbeat_period: Option<String>,
    /// Use TLS to the master.
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    master_ssl: Option<String>,
    #[arg(long)]
    master_ssl_ca: Option<String>,
    #[arg(long)]
    master_ssl_cert: Option<String>,
    #[arg(long)]
    master_ssl_key: Option<String>,
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    master_ssl_verify_server_cert: Option<String>,
    #[arg(long)]
    master_public_key_path: Option<String>,
    #[arg(long)]
    relay_log: Option<String>,
    #[arg(long)]
    relay_log_purge: Option<String>,
    #[arg(long)]
    slave_skip_errors: Option<String>,
    #[arg(long)]
    slave_exec_mode: Option<String>,
    #[arg(long)]
    sql_slave_skip_counter: Option<String>,
    #[arg(long)]
    replicate_do_db: Vec<String>,
    #[arg(long)]
    replicate_ignore_db: Vec<String>,
    #[arg(long)]
    replicate_do_table: Vec<String>,
    #[arg(long)]
    replicate_ignore_table: Vec<String>,
    #[arg(long)]
    replicate_wild_do_table: Vec<String>,
    #[arg(long)]
    replicate_wild_ignore_table: Vec<String>,
    #[arg(long)]
    max_relay_log_size: Option<String>,
    #[arg(long)]
    sync_relay_log: Option<String>,
    #[arg(long)]
    slave_net_timeout: Option<String>,
    /// TCP port of the client endpoint (3306).
    #[arg(long)]
    port: Option<String>,
    #[arg(long)]
    bind_address: Option<String>,
    /// Unix socket of the client endpoint (<datadir>/mysql.sock).
    #[arg(long)]
    socket: Option<String>,
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    skip_networking: Option<String>,
    #[arg(long)]
    max_connections: Option<String>,
    /// Do not start the replication threads until START SLAVE.
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    skip_slave_start: Option<String>,
    /// Discard the relay log at start-up and fetch again from the applied position.
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    relay_log_recovery: Option<String>,
    /// Bytes to keep free on the relay log's and the store's filesystems: below it they
    /// wait for space (default 64M; 0: never wait).
    #[arg(long)]
    disk_space_reserve: Option<String>,
    /// The endpoint sessions' time zone (SYSTEM, +08:00, a zoneinfo name).
    #[arg(long)]
    default_time_zone: Option<String>,
    /// TLS certificate (PEM) offered to clients, with --ssl-key.
    #[arg(long)]
    ssl_cert: Option<String>,
    #[arg(long)]
    ssl_key: Option<String>,
    /// An account of the endpoint: `USER@HOST [IDENTIFIED BY 'pw'] [READ|ADMIN]` (repeatable).
    #[arg(long)]
    account: Vec<String>,
    /// Write a binlog of what is applied (with --log-slave-updates), named NAME.NNNNNN
    /// (default <hostname>-bin), served to downstream replicas on the endpoint's port.
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    log_bin: Option<String>,
    #[arg(long, num_args = 0..=1, default_missing_value = "1")]
    log_slave_updates: Option<String>,
    /// A binlog file ends after the transaction that reaches this size (1G).
    #[arg(long)]
    max_binlog_size: Option<String>,
    /// CRC32 (default) or NONE.
    #[arg(long)]
    binlog_checksum: Option<String>,
    /// fsync the binlog before the store (0: leave it to the OS).
    #[arg(long)]
    sync_binlog: Option<String>,
    #[arg(long)]
    expire_logs_days: Option<String>,
    #[arg(long)]
    binlog_expire_logs_seconds: Option<String>,
    #[arg(long)]
    binlog_do_db: Vec<String>,
    #[arg(long)]
    binlog_ignore_db: Vec<String>,
}

#[derive(Subcommand)]
enum RelaylogCmd {
    /// Print events like mysqlbinlog.
    Print {
        /// Decode row events into pseudo-SQL.
        #[arg(short, long)]
        verbose: bool,
        /// One JSON object per event.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        start_position: Option<u64>,
        #[arg(long)]
        stop_position: Option<u64>,
        /// `YYYY-MM-DD HH:MM:SS` (UTC).
        #[arg(long)]
        start_datetime: Option<String>,
        /// `YYYY-MM-DD HH:MM:SS` (UTC).
        #[arg(long)]
        stop_datetime: Option<String>,
        /// Only events of this database.
        #[arg(short = 'd', long)]
        database: Option<String>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the relay log index: files, sizes, master coordinates.
    List {
        #[arg(long)]
        datadir: PathBuf,
        /// relay_log basename (default relay-bin).
        #[arg(long, default_value = "relay-bin")]
        relay_log: String,
    },
    /// Check structure and checksums; exit non-zero at the first bad position.
    Verify {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// mimalloc for Rust's allocations: the per-row values of query results and the applier's
/// per-event buffers are small, short-lived allocations, which it serves in a fraction of
/// glibc's time (docs/PERFORMANCE.md). RocksDB's C++ keeps glibc's allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // MySQL spells options with underscores as often as with dashes; accept both.
    let args = std::env::args().map(|a| match a.strip_prefix("--") {
        Some(rest) => {
            let (name, value) = rest
                .split_once('=')
                .map_or((rest, None), |(n, v)| (n, Some(v)));
            let name = name.replace('_', "-");
            match value {
                Some(v) => format!("--{name}={v}"),
                None => format!("--{name}"),
            }
        }
        None => a,
    });
    let cli = Cli::parse_from(args);
    let result = match cli.cmd {
        Cmd::Run(a) => run(*a),
        Cmd::Relaylog { cmd } => relaylog(cmd),
        Cmd::Status { datadir } => status(&datadir),
        Cmd::TableDump { datadir, table } => table_dump(&datadir, &table),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("replicant: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("REPLICANT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

fn run(a: RunArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    // The applier frees and reallocates its row cache and batches all the time: keep freed
    // memory in the process instead of returning it to the kernel, which would zero it
    // again page by page on the next allocation.
    // SAFETY: mallopt only tunes glibc's allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
    let mut raw = RawOptions::default();
    if let Some(f) = &a.defaults_file {
        raw.read_file(f)?;
    }
    let cli_opts = [
        ("datadir", &a.datadir),
        ("server-id", &a.server_id),
        ("master-host", &a.master_host),
        ("master-port", &a.master_port),
        ("master-user", &a.master_user),
        ("master-password", &a.master_password),
        ("master-log-file", &a.master_log_file),
        ("master-log-pos", &a.master_log_pos),
        ("master-auto-position", &a.master_auto_position),
        ("master-connect-retry", &a.master_connect_retry),
        ("master-retry-count", &a.master_retry_count),
        ("master-heartbeat-period", &a.master_heartbeat_period),
        ("master-ssl", &a.master_ssl),
        ("master-ssl-ca", &a.master_ssl_ca),
        ("master-ssl-cert", &a.master_ssl_cert),
        ("master-ssl-key", &a.master_ssl_key),
        (
            "master-ssl-verify-server-cert",
            &a.master_ssl_verify_server_cert,
        ),
        ("master-public-key-path", &a.master_public_key_path),
        ("relay-log", &a.relay_log),
        ("relay-log-purge", &a.relay_log_purge),
        ("slave-skip-errors", &a.slave_skip_errors),
        ("slave-exec-mode", &a.slave_exec_mode),
        ("sql-slave-skip-counter", &a.sql_slave_skip_counter),
        ("max-relay-log-size", &a.max_relay_log_size),
        ("sync-relay-log", &a.sync_relay_log),
        ("slave-net-timeout", &a.slave_net_timeout),
        ("port", &a.port),
        ("bind-address", &a.bind_address),
        ("socket", &a.socket),
        ("skip-networking", &a.skip_networking),
        ("max-connections", &a.max_connections),
        ("skip-slave-start", &a.skip_slave_start),
        ("relay-log-recovery", &a.relay_log_recovery),
        ("disk-space-reserve", &a.disk_space_reserve),
        ("default-time-zone", &a.default_time_zone),
        ("ssl-cert", &a.ssl_cert),
        ("ssl-key", &a.ssl_key),
        ("log-bin", &a.log_bin),
        ("log-slave-updates", &a.log_slave_updates),
        ("max-binlog-size", &a.max_binlog_size),
        ("binlog-checksum", &a.binlog_checksum),
        ("sync-binlog", &a.sync_binlog),
        ("expire-logs-days", &a.expire_logs_days),
        ("binlog-expire-logs-seconds", &a.binlog_expire_logs_seconds),
    ];
    for (name, value) in cli_opts {
        if let Some(v) = value {
            raw.set(name, v);
        }
    }
    let repeated = [
        ("replicate-do-db", &a.replicate_do_db),
        ("replicate-ignore-db", &a.replicate_ignore_db),
        ("replicate-do-table", &a.replicate_do_table),
        ("replicate-ignore-table", &a.replicate_ignore_table),
        ("replicate-wild-do-table", &a.replicate_wild_do_table),
        (
            "replicate-wild-ignore-table",
            &a.replicate_wild_ignore_table,
        ),
        ("account", &a.account),
        ("binlog-do-db", &a.binlog_do_db),
        ("binlog-ignore-db", &a.binlog_ignore_db),
    ];
    for (name, values) in repeated {
        for v in values {
            raw.set(name, v);
        }
    }
    let cfg = Config::from_raw(&raw)?;
    if !cfg.ignored.is_empty() {
        let list: Vec<String> = cfg
            .ignored
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        tracing::warn!(
            "ignoring options that do not apply to replicant: {}",
            list.join(", ")
        );
    }
    if cfg.log_slave_updates && cfg.binlog.is_none() {
        tracing::info!("log-slave-updates without log-bin: nothing is logged (as in mysqld)");
    }
    std::fs::create_dir_all(&cfg.datadir)
        .with_context(|| format!("cannot create datadir {}", cfg.datadir.display()))?;
    // One shutdown for the daemon: the endpoint and its sessions observe it, each
    // replication thread runs under a child of it.
    let shutdown = replicant::shutdown::Shutdown::new();
    let control =
        Arc::new(Control::new(cfg.clone(), shutdown.clone()).map_err(|e| anyhow::anyhow!("{e}"))?);
    let shared = Arc::new(Shared::new(cfg.clone(), control.clone()).map_err(anyhow::Error::msg)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Client statements are parsed and evaluated recursively (bounded by
        // sql::parse::check_nesting); give the workers room beyond that bound.
        .thread_stack_size(replicant::sql::parse::STACK)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let endpoint = Endpoint::bind(shared).await?;
        let served = tokio::spawn(endpoint.run(shutdown.clone()));
        if cfg.skip_slave_start {
            tracing::info!("skip-slave-start: replication waits for START SLAVE");
        } else if control.configured().await {
            control
                .start(Threads::BOTH)
                .await
                .map_err(|e| anyhow::anyhow!("cannot start replication: {e}"))?;
        } else {
            tracing::info!("no master configured: waiting for CHANGE MASTER TO and START SLAVE");
        }
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down");
        shutdown.request();
        // The receiver stops at once, the applier at the next transaction boundary.
        control.shutdown().await;
        let _ = served.await;
        // Session threads woken by the shutdown still hold the store (through the endpoint's
        // shared state) for a moment: wait for them to let go, so that the store closes
        // here and not in a straggler thread while the process exits (RocksDB's static
        // objects are destroyed at exit: a close racing them aborts with "pthread lock").
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while Arc::strong_count(&control) > 1 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    })
}

fn relaylog(cmd: RelaylogCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        RelaylogCmd::Print {
            verbose,
            json,
            start_position,
            stop_position,
            start_datetime,
            stop_datetime,
            database,
            files,
        } => {
            let when = |s: Option<String>, name: &str| -> anyhow::Result<Option<u32>> {
                s.map(|t| {
                    replicant::calendar::parse_datetime(&t)
                        .with_context(|| format!("{name}: expected YYYY-MM-DD HH:MM:SS, got {t:?}"))
                })
                .transpose()
            };
            let opts = PrintOptions {
                verbose,
                json,
                start_position,
                stop_position,
                start_datetime: when(start_datetime, "--start-datetime")?,
                stop_datetime: when(stop_datetime, "--stop-datetime")?,
                database,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let r = inspect::print::print_files(&files, &opts, &mut out);
            use std::io::Write;
            let flushed = out.flush();
            match r {
                Err(inspect::print::PrintError::Output(e))
                    if e.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(e.into()),
                Ok(()) => {
                    flushed.or_else(|e| {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })?;
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        RelaylogCmd::List { datadir, relay_log } => {
            let files = inspect::list::list(&datadir, &relay_log)?;
            if files.is_empty() {
                println!(
                    "no relay log files in {} (index {relay_log}.index)",
                    datadir.display()
                );
            }
            println!(
                "{:<24} {:>12} {:>9}  {:<32} {:<32}",
                "File", "Size", "Events", "First_Master_Pos", "Last_Master_Pos"
            );
            let pos = |p: &Option<replicant::binlog::BinlogPos>| {
                p.as_ref().map_or("-".to_string(), |p| p.to_string())
            };
            for f in &files {
                let size = f.size.map_or("missing".to_string(), |s| s.to_string());
                println!(
                    "{:<24} {:>12} {:>9}  {:<32} {:<32}",
                    f.name,
                    size,
                    f.events,
                    pos(&f.first),
                    pos(&f.last)
                );
                if let Some(e) = &f.error {
                    println!("  ! {e}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RelaylogCmd::Verify { files } => {
            let mut bad = false;
            for f in &files {
                match inspect::verify::verify_file(f) {
                    Ok(r) => println!(
                        "{}: OK, {} events, {} bytes",
                        r.path.display(),
                        r.events,
                        r.bytes
                    ),
                    Err(e) => {
                        println!("{}: BAD: {e}", f.display());
                        bad = true;
                    }
                }
            }
            Ok(if bad {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn status(datadir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let io = ReceiverStatus::load(datadir);
    let sql = ApplierStatus::load(datadir);
    if io.is_none() && sql.is_none() {
        anyhow::bail!(
            "no replica status in {} (has `replicant run` used this datadir?)",
            datadir.display()
        );
    }
    let alive = |pid: u32| pid != 0 && std::path::Path::new(&format!("/proc/{pid}")).exists();
    let io_alive = io.as_ref().is_some_and(|s| alive(s.pid));
    let sql_alive = sql.as_ref().is_some_and(|s| alive(s.pid));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    println!("*************************** 1. row ***************************");
    let ssl = std::fs::read(datadir.join(replicant::control::SETTINGS_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<replicant::config::MasterConfig>(&b).ok())
        .map(|m| m.ssl);
    let fields = slave_status_fields(
        io.as_ref(),
        sql.as_ref(),
        io_alive,
        sql_alive,
        now,
        ssl.as_ref(),
    );
    for (name, value) in fields
        .into_iter()
        .chain(extra_status_fields(io.as_ref(), sql.as_ref()))
    {
        println!("{name:>30}: {value}");
    }
    Ok(ExitCode::SUCCESS)
}

fn table_dump(datadir: &std::path::Path, table: &str) -> anyhow::Result<ExitCode> {
    let (db, name) = table
        .split_once('.')
        .with_context(|| format!("expected DB.TABLE, got {table:?}"))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    replicant::store::dump::dump_table(datadir, db, name, &mut out)?;
    use std::io::Write;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
