//! Reads under write load (issue 21), replicant vs a MariaDB replica of the same master in
//! one run: sysbench `oltp_read_only` with `READS_THREADS` threads (default 16) against
//! the replica while the master runs `oltp_write_only` with `READS_WRITERS` threads
//! (default 4) at full rate, `READS_SECS` seconds (default 30) per replica, over
//! `READS_TABLES` (default 4) tables of `READS_ROWS` rows (default 50000).
//!
//! Both replicas replicate the master the whole time (each applies every write in both
//! phases); the phases differ only in which one is read. Reported: read transactions and
//! queries per second, and the lag of the replica being read (Seconds_Behind_Master
//! sampled each second: p50, p99, max). After the run the replicas are compared with the
//! master table by table (checksums).
//!
//! Run: `cargo bench --bench reads_under_load`. Results go to stdout as a Markdown table.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::*;

/// `SHOW SLAVE STATUS`'s Seconds_Behind_Master on the server at `port`, if it says one.
fn lag(port: u16) -> Option<u64> {
    let out = std::process::Command::new("mariadb")
        .args([
            "--no-defaults",
            "--protocol=TCP",
            "--host=127.0.0.1",
            "-uroot",
        ])
        .arg(format!("--port={port}"))
        .args(["-e", "SHOW SLAVE STATUS\\G"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Seconds_Behind_Master:"))
        .and_then(|v| v.trim().parse().ok())
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Phase {
    tps: f64,
    qps: f64,
    lags: Vec<u64>,
}

/// Reads `port` for `secs` while the master takes writes; samples the reader's lag.
fn phase(m_port: u16, port: u16, tables: u64, rows: u64, secs: u64) -> Phase {
    let threads = env_or("READS_THREADS", 16);
    let writers = env_or("READS_WRITERS", 4);
    let done = Arc::new(AtomicBool::new(false));
    let lags = Arc::new(Mutex::new(Vec::new()));
    let sampler = {
        let (done, lags) = (done.clone(), lags.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_secs(1));
                if let Some(l) = lag(port) {
                    lags.lock().unwrap().push(l);
                }
            }
        })
    };
    let writer = std::thread::spawn(move || {
        sysbench_at(
            m_port,
            "sbtest",
            "oltp_write_only",
            "run",
            &[
                &format!("--tables={tables}"),
                &format!("--table-size={rows}"),
                &format!("--threads={writers}"),
                &format!("--time={}", secs + 2),
                "--rand-seed=5",
            ],
        )
    });
    std::thread::sleep(Duration::from_secs(1));
    let text = sysbench_at(
        port,
        "sbtest",
        "oltp_read_only",
        "run",
        &[
            &format!("--tables={tables}"),
            &format!("--table-size={rows}"),
            &format!("--threads={threads}"),
            &format!("--time={secs}"),
            "--rand-seed=11",
        ],
    );
    done.store(true, Ordering::Release);
    sampler.join().unwrap();
    writer.join().unwrap();
    let rate = |label: &str| sysbench_rate(&text, label);
    let mut lags = lags.lock().unwrap().clone();
    lags.sort_unstable();
    Phase {
        tps: rate("transactions:"),
        qps: rate("queries:"),
        lags,
    }
}

fn main() {
    let tables = env_or("READS_TABLES", 4);
    let rows = env_or("READS_ROWS", 50_000);
    let secs = env_or("READS_SECS", 30);
    let m = MariaDb::start(MasterOpts {
        extra_args: vec!["--innodb-buffer-pool-size=128M".into()],
        ..MasterOpts::default()
    });
    m.create_repl_user("repl", "repl");
    m.sql("CREATE DATABASE sbtest");
    let opts = SysbenchOpts {
        workload: "oltp_read_only".into(),
        tables: tables as u32,
        table_size: rows as u32,
        ..SysbenchOpts::default()
    };
    sysbench_cmd(&m, &opts, "prepare", &[]);
    // The MariaDB replica with default settings (one SQL thread, 128 MiB buffer pool).
    let mdb = mariadb_replica(&m, 7);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    r.proc.wait_endpoint();
    eprintln!("both replicas caught up; {secs} s of reads under write load on each");
    let a = phase(m.port(), r.proc.port(), tables, rows, secs);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    let b = phase(m.port(), mdb.port(), tables, rows, secs);
    r.wait_applied(&m);
    wait_mariadb_replica(&mdb, &m);
    // Both ended equal to the master.
    for t in 1..=tables {
        let q = format!("CHECKSUM TABLE sbtest.sbtest{t}");
        let want = m.sql(&q);
        assert_eq!(mdb.sql(&q), want, "MariaDB replica differs: sbtest{t}");
        assert_same_table(&m, &r.datadir, &format!("sbtest.sbtest{t}"), "id");
    }
    println!(
        "| {tables} x {rows} rows; oltp_read_only {} threads on the replica, oltp_write_only {} threads on the master, {secs} s | replicant | MariaDB replica | ratio |",
        env_or("READS_THREADS", 16),
        env_or("READS_WRITERS", 4)
    );
    println!("|---|---|---|---|");
    println!(
        "| read transactions/s | {:.0} | {:.0} | {:.2}x |",
        a.tps,
        b.tps,
        a.tps / b.tps
    );
    println!(
        "| read queries/s | {:.0} | {:.0} | {:.2}x |",
        a.qps,
        b.qps,
        a.qps / b.qps
    );
    for (name, p) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
        println!(
            "| lag {name} (s) | {} | {} | |",
            percentile(&a.lags, p),
            percentile(&b.lags, p)
        );
    }
    println!("| lag samples | {} | {} | |", a.lags.len(), b.lags.len());
}
