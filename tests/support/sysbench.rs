//! sysbench (/usr/bin/sysbench, 1.0) workloads against a test master over TCP as root.

use std::process::Command;
use std::time::Duration;

use super::mariadb::MariaDb;
use super::process::run_with_timeout;

/// One sysbench workload: `prepare` then `run`.
#[derive(Clone, Debug)]
pub struct SysbenchOpts {
    /// The Lua test name: "oltp_write_only", "oltp_read_write", "oltp_insert"...
    pub workload: String,
    /// `--tables`.
    pub tables: u32,
    /// `--table-size`: rows per table written by `prepare`.
    pub table_size: u32,
    /// `--threads` for `run`.
    pub threads: u32,
    /// `--time` for `run`, in seconds.
    pub time_secs: u32,
    /// `--rand-seed`; fixed so that runs are comparable.
    pub rand_seed: u32,
    /// Passed to both `prepare` and `run` (e.g. "--auto-inc=off").
    pub extra_args: Vec<String>,
}

impl Default for SysbenchOpts {
    fn default() -> Self {
        SysbenchOpts {
            workload: "oltp_write_only".into(),
            tables: 2,
            table_size: 1000,
            threads: 2,
            time_secs: 5,
            rand_seed: 1,
            extra_args: Vec::new(),
        }
    }
}

/// Creates database `sbtest` (if missing), runs `prepare` and `run --time=N`, and returns
/// both outputs. Panics with the output if either step fails.
pub fn sysbench(db: &MariaDb, opts: &SysbenchOpts) -> String {
    db.sql("CREATE DATABASE IF NOT EXISTS sbtest");
    let prepare = sysbench_cmd(db, opts, "prepare", &[]);
    let run = sysbench_cmd(
        db,
        opts,
        "run",
        &[
            format!("--threads={}", opts.threads),
            format!("--time={}", opts.time_secs),
        ],
    );
    format!("{prepare}{run}")
}

/// Runs one sysbench `command` ("prepare", "run", "cleanup") with the connection and
/// table options from `opts` plus `args`; returns stdout or panics with all output.
pub fn sysbench_cmd(db: &MariaDb, opts: &SysbenchOpts, command: &str, args: &[String]) -> String {
    let mut cmd = Command::new("sysbench");
    cmd.arg(&opts.workload)
        .arg("--db-driver=mysql")
        .arg("--mysql-host=127.0.0.1")
        .arg(format!("--mysql-port={}", db.port()))
        .arg("--mysql-user=root")
        .arg("--mysql-db=sbtest")
        .arg(format!("--tables={}", opts.tables))
        .arg(format!("--table-size={}", opts.table_size))
        .arg(format!("--rand-seed={}", opts.rand_seed))
        .args(&opts.extra_args)
        .args(args)
        .arg(command);
    let limit = Duration::from_secs(u64::from(opts.time_secs) + 600);
    let out = run_with_timeout(&mut cmd, limit);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "sysbench {} {command} failed ({}):\n{stdout}\n{}",
        opts.workload,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Runs `sysbench <workload> <args> <command>` against 127.0.0.1:`port` as root in database
/// `db`, panicking with its output on failure. It takes a port rather than a [`MariaDb`] so
/// it can run in a background thread while the test thread kills and restarts things (or
/// against replicant's endpoint). Returns sysbench's report.
pub fn sysbench_at(port: u16, db: &str, workload: &str, command: &str, args: &[&str]) -> String {
    let mut cmd = Command::new("sysbench");
    cmd.arg(workload)
        .arg("--db-driver=mysql")
        .arg("--mysql-host=127.0.0.1")
        .arg(format!("--mysql-port={port}"))
        .arg("--mysql-user=root")
        .arg(format!("--mysql-db={db}"))
        .args(args)
        .arg(command);
    let out = run_with_timeout(&mut cmd, Duration::from_secs(600));
    assert!(
        out.status.success(),
        "sysbench {workload} {command} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The per-second rate of `label` ("transactions:", "queries:") in a sysbench report.
pub fn sysbench_rate(text: &str, label: &str) -> f64 {
    // "transactions:  123  (12.3 per sec.)"
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label} rate in:\n{text}"))
}
