//! Catch-up benchmark (issue: apply), against MariaDB on this machine in one run:
//! an empty replica catches up with a master whose binlog holds sysbench `prepare`
//! (4 tables x 100k rows) plus 30 s of `oltp_write_only` with 4 threads, ROW format
//! (`CATCHUP_FORMAT=STATEMENT` or `MIXED`: the master logs in that format instead).
//!
//! Contenders, same master, same machine, one after the other:
//! - replicant (`replicant run` on an empty datadir; receive + apply);
//! - a MariaDB replica with default replication settings (one SQL thread);
//! - a MariaDB replica with `slave_parallel_threads=4, slave_parallel_mode=optimistic`.
//!
//! Each is timed from the start of replication to the moment it has executed the master's
//! last transaction; replicant's tables are then compared with the master's (checksum of
//! the dump vs the master's rows). Peak RSS of replicant is reported.
//!
//! Run: `cargo bench --bench catchup` (`CATCHUP_TABLE_SIZE`, `CATCHUP_SECS` shrink it).
//! Results go to stdout as a Markdown table for docs/PERFORMANCE.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::*;

fn main() {
    let table_size = env_or("CATCHUP_TABLE_SIZE", 100_000);
    let secs = env_or("CATCHUP_SECS", 30);
    let format = std::env::var("CATCHUP_FORMAT").unwrap_or_else(|_| "ROW".into());
    let m = MariaDb::start(MasterOpts {
        extra_args: vec!["--max-binlog-size=1G".into(), "--sync-binlog=0".into()],
        ..MasterOpts::format(&format)
    });
    m.create_repl_user("repl", "repl");
    eprintln!(
        "master ({format}): sysbench prepare 4 x {table_size}, then {secs} s oltp_write_only x 4 threads"
    );
    sysbench(
        &m,
        &SysbenchOpts {
            tables: 4,
            table_size: table_size as u32,
            time_secs: secs as u32,
            threads: 4,
            ..SysbenchOpts::default()
        },
    );
    let (end_file, end_pos) = m.master_status();
    let binlog_mb: u64 = m
        .binlog_files()
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum::<u64>()
        / 1_000_000;
    let trx: String = m.sql("SHOW GLOBAL STATUS LIKE 'Com_commit'");
    eprintln!(
        "binlog: {binlog_mb} MB up to {end_file}:{end_pos}; {}",
        trx.trim()
    );

    let (ours, peak_kb) = replicant_catchup(&m, &end_file, end_pos);
    eprintln!("replicant: {ours:?}, peak RSS {} MB", peak_kb / 1024);
    if std::env::var("CATCHUP_ONLY_REPLICANT").is_ok() {
        return;
    }
    let serial = mariadb_catchup(&m, 2, &[], &end_file, end_pos);
    eprintln!("MariaDB replica (default): {serial:?}");
    let parallel = mariadb_catchup(
        &m,
        3,
        &[
            "--slave-parallel-threads=4",
            "--slave-parallel-mode=optimistic",
        ],
        &end_file,
        end_pos,
    );
    eprintln!("MariaDB replica (parallel 4, optimistic): {parallel:?}");

    println!("| catch-up, {format}, {binlog_mb} MB binlog (sysbench 4 x {table_size} + {secs} s write-only x 4) | time | replicant is |");
    println!("|---|---|---|");
    println!("| replicant | {:.1} s | – |", ours.as_secs_f64());
    println!(
        "| MariaDB replica, default | {:.1} s | {:.1}x faster |",
        serial.as_secs_f64(),
        serial.as_secs_f64() / ours.as_secs_f64()
    );
    println!(
        "| MariaDB replica, slave_parallel_threads=4 optimistic | {:.1} s | {:.1}x faster |",
        parallel.as_secs_f64(),
        parallel.as_secs_f64() / ours.as_secs_f64()
    );
    println!(
        "| replicant peak RSS | {} MB | goal < 512 MB |",
        peak_kb / 1024
    );
}

/// Starts replicant on an empty datadir; returns the time to apply everything and its
/// peak RSS. Checks the tables against the master.
fn replicant_catchup(m: &MariaDb, end_file: &str, end_pos: u64) -> (Duration, u64) {
    let dir = tempfile::Builder::new()
        .prefix("rpl-catchup-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let t = Instant::now();
    let mut r = Replicant::spawn(run_args(&datadir, m.port(), 102, &[]));
    let pid = r.pid().unwrap();
    // CATCHUP_PERF=FILE: record a CPU profile of replicant while it catches up.
    let perf = std::env::var("CATCHUP_PERF")
        .ok()
        .map(|out| perf_start(&out));
    let status = datadir.join("applier-status.json");
    let want_file = format!("\"relay_master_log_file\": \"{end_file}\"");
    let want_pos = format!("\"exec_master_log_pos\": {end_pos},");
    let mut peak_kb = 0;
    loop {
        peak_kb = peak_kb.max(vm_hwm_kb(pid));
        let s = std::fs::read_to_string(&status).unwrap_or_default();
        if s.contains(&want_file) && s.contains(&want_pos) {
            break;
        }
        assert!(
            !s.contains("\"slave_sql_running\": \"No\""),
            "applier stopped:\n{s}"
        );
        assert!(r.try_wait().is_none(), "replicant exited:\n{}", r.stderr());
        assert!(
            t.elapsed() < Duration::from_secs(3600),
            "replicant did not catch up:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = t.elapsed();
    peak_kb = peak_kb.max(vm_hwm_kb(pid));
    if let Some(p) = perf {
        perf_stop(p);
    }
    for i in 1..=4 {
        let table = format!("sbtest.sbtest{i}");
        let want = m.sql(&format!("SELECT * FROM {table} ORDER BY id"));
        let got = dump(&datadir, &table);
        assert!(want == got, "{table} differs from the master");
    }
    r.terminate();
    (took, peak_kb)
}

/// Starts a MariaDB replica with `extra` options and times START SLAVE to the master's end.
fn mariadb_catchup(
    m: &MariaDb,
    server_id: u32,
    extra: &[&str],
    end_file: &str,
    end_pos: u64,
) -> Duration {
    let replica = MariaDb::start(MasterOpts {
        server_id,
        log_bin: false,
        extra_args: extra.iter().map(|s| s.to_string()).collect(),
        ..MasterOpts::default()
    });
    replica.sql(&format!(
        "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='repl', \
         MASTER_PASSWORD='repl', MASTER_LOG_FILE='{}', MASTER_LOG_POS=4",
        m.port(),
        m.binlog_files()[0].file_name().unwrap().to_string_lossy()
    ));
    let t = Instant::now();
    replica.sql("START SLAVE");
    loop {
        let st = show_slave_status(&replica);
        let field = |name: &str| {
            st.lines()
                .find_map(|l| {
                    l.trim()
                        .strip_prefix(&format!("{name}: "))
                        .map(str::to_string)
                })
                .unwrap_or_default()
        };
        if field("Relay_Master_Log_File") == end_file
            && field("Exec_Master_Log_Pos") == end_pos.to_string()
        {
            break;
        }
        assert!(
            field("Last_SQL_Errno") == "0" || field("Last_SQL_Errno").is_empty(),
            "{st}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(3600),
            "MariaDB replica did not catch up:\n{st}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    t.elapsed()
}

/// `SHOW SLAVE STATUS\G` with field names (the support helper's batch mode drops them).
fn show_slave_status(db: &MariaDb) -> String {
    let out = std::process::Command::new("mariadb")
        .arg("--no-defaults")
        .arg("-uroot")
        .arg(format!("--socket={}", db.socket().display()))
        .args(["-e", "SHOW SLAVE STATUS\\G"])
        .output()
        .expect("mariadb CLI");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}
