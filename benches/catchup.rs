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

    let tables: Vec<String> = (1..=4).map(|i| format!("sbtest.sbtest{i}")).collect();
    let caught = replicant_catchup(&m, &[], &end_file, end_pos, &tables);
    let (ours, peak_kb) = (caught.took, caught.peak_kb);
    drop(caught);
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
