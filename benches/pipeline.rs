//! Whole-pipeline benchmarks against MariaDB on this machine, in one run:
//!
//! (a) `replicant relaylog print -v` vs `mariadb-binlog --base64-output=decode-rows -v` on
//!     the same sysbench binlog (≥ 200 MB);
//! (b) receive throughput into durable relay files vs reading the same dump and discarding
//!     it (the limit of master + network);
//! (c) peak RSS of `replicant run` while receiving one 500 MB transaction.
//!
//! Run: `cargo bench --bench pipeline` (set `PIPELINE_BENCH_MB` to change the binlog size).
//! Results go to stdout as a Markdown table for docs/PERFORMANCE.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

fn main() {
    let target_mb: u64 = std::env::var("PIPELINE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(220);
    let m = MariaDb::start(MasterOpts {
        extra_args: vec!["--max-binlog-size=1G".into(), "--sync-binlog=0".into()],
        ..MasterOpts::default()
    });
    m.create_repl_user("repl", "repl");

    // A sysbench binlog of the requested size: prepare (bulk inserts) plus writes.
    let rows_per_table = (target_mb * 1_000_000 / 4 / 230) as u32;
    eprintln!("preparing sysbench: 4 tables x {rows_per_table} rows");
    let t = Instant::now();
    sysbench(
        &m,
        &SysbenchOpts {
            tables: 4,
            table_size: rows_per_table,
            time_secs: 10,
            threads: 2,
            ..SysbenchOpts::default()
        },
    );
    m.sql("FLUSH BINARY LOGS");
    let files = m.binlog_files();
    let first = files[0].clone();
    let size = std::fs::metadata(&first).unwrap().len();
    eprintln!(
        "binlog {} is {} MB ({:?})",
        first.display(),
        size / 1_000_000,
        t.elapsed()
    );

    // (a) print -v vs mariadb-binlog -v
    let mariadb = time_cmd(
        Command::new("mariadb-binlog")
            .args(["--no-defaults", "--base64-output=decode-rows", "-v"])
            .arg(&first),
    );
    let ours = time_cmd(
        Command::new(REPLICANT_BIN)
            .args(["relaylog", "print", "-v"])
            .arg(&first),
    );
    println!("| benchmark | replicant | MariaDB | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| (a) decode {} MB binlog with -v | {:.2} s | {:.2} s (mariadb-binlog) | {:.1}x faster |",
        size / 1_000_000,
        ours.as_secs_f64(),
        mariadb.as_secs_f64(),
        mariadb.as_secs_f64() / ours.as_secs_f64()
    );

    // (b) receive into durable relay files vs discard.
    let (end_file, end_pos) = m.master_status();
    let first = m.binlog_files()[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let discard = discard_dump(m.port(), "repl", "repl", &first, &end_file, end_pos);
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let dir = tempfile::Builder::new()
        .prefix("rpl-bench-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let sync_every: u64 = std::env::var("PIPELINE_SYNC_RELAY_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let t = Instant::now();
    let sync = format!("--sync-relay-log={sync_every}");
    let mut r = Replicant::spawn(run_args(&datadir, m.port(), 102, &[&sync]));
    let want_file = format!("\"master_log_file\": \"{end_file}\"");
    let want_pos = format!("\"read_master_log_pos\": {end_pos},");
    let status = datadir.join("receiver-status.json");
    while !std::fs::read_to_string(&status)
        .is_ok_and(|s| s.contains(&want_file) && s.contains(&want_pos))
    {
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "receive did not finish:\n{}",
            r.stderr()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let received = t.elapsed();
    r.terminate();
    println!(
        "| (b) receive {} MB into durable relay files (sync_relay_log={}) | {:.2} s ({:.0} MB/s) | {:.2} s discard-only reader ({:.0} MB/s) | {:.0}% of the limit |",
        total / 1_000_000,
        sync_every,
        received.as_secs_f64(),
        total as f64 / 1e6 / received.as_secs_f64(),
        discard.as_secs_f64(),
        total as f64 / 1e6 / discard.as_secs_f64(),
        100.0 * discard.as_secs_f64() / received.as_secs_f64()
    );

    // (c) peak RSS while receiving one 500 MB transaction.
    let big_mb: u64 = std::env::var("PIPELINE_BENCH_TRX_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    m.sql(&format!(
        "CREATE DATABASE IF NOT EXISTS big; CREATE TABLE big.t (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(1000)); \
         USE big; SET SESSION max_statement_time=0; BEGIN; INSERT INTO big.t (pad) SELECT REPEAT('x', 1000) FROM seq_1_to_{}; COMMIT;",
        big_mb * 1000
    ));
    let (end_file, end_pos) = m.master_status();
    let dir2 = tempfile::Builder::new()
        .prefix("rpl-bench-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir2 = dir2.path().join("data");
    let from = format!("--master-log-file={end_file}");
    let mut r = Replicant::spawn(run_args(
        &datadir2,
        m.port(),
        103,
        &[&from, "--master-log-pos=4"],
    ));
    let pid = r.pid().unwrap();
    let want_pos = format!("\"read_master_log_pos\": {end_pos},");
    let status = datadir2.join("receiver-status.json");
    let t = Instant::now();
    let mut peak_kb = 0;
    while !std::fs::read_to_string(&status).is_ok_and(|s| s.contains(&want_pos)) {
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "receive did not finish:\n{}",
            r.stderr()
        );
        peak_kb = peak_kb.max(vm_hwm_kb(pid));
        std::thread::sleep(Duration::from_millis(20));
    }
    peak_kb = peak_kb.max(vm_hwm_kb(pid));
    let trx_bytes: u64 = std::fs::metadata(m.binlog_dir().join(&end_file))
        .unwrap()
        .len();
    r.terminate();
    println!(
        "| (c) peak RSS receiving one {} MB transaction | {} MB | – | bounded: {:.3} of the transaction |",
        trx_bytes / 1_000_000,
        peak_kb / 1024,
        peak_kb as f64 * 1024.0 / trx_bytes as f64
    );
}

fn time_cmd(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{cmd:?} failed");
    t.elapsed()
}
