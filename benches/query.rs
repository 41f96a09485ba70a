//! Query benchmark (issues: query engine, serve), replicant vs MariaDB on this machine in
//! one run: sysbench `oltp_point_select` (QPS) and `oltp_read_only` (TPS: point selects,
//! a simple range, a SUM range, an ORDER BY range and a DISTINCT range per transaction)
//! with `QUERY_THREADS` threads (default 4) over `QUERY_TABLES` (default 4) sysbench tables
//! of `QUERY_ROWS` rows (default 100000), in `QUERY_ROUNDS` (default 3) rounds of
//! `QUERY_SECS` seconds (default 10) per server, the servers alternating (ABBA) so that
//! the machine's drift falls on both alike; the means are compared.
//!
//! The master is loaded with `sysbench prepare`; replicant replicates it to the end; then
//! each workload runs against replicant's endpoint and against the MariaDB server holding
//! the same rows (the master itself: idle, it serves reads as a replica would). sysbench
//! uses prepared statements (its default `--db-ps-mode=auto`) against both.
//!
//! `QUERY_TYPES=1` instead runs each kind of `oltp_read_only` statement on its own and
//! reports each server's CPU time per transaction (from /proc).
//!
//! Run: `cargo bench --bench query`. Results go to stdout as a Markdown table.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use support::*;

/// Runs sysbench `workload` against `port`; returns (transactions/s, queries/s).
fn run(port: u16, workload: &str, tables: u64, rows: u64, threads: u64, secs: u64) -> (f64, f64) {
    run_with(port, workload, tables, rows, threads, secs, &[])
}

/// [`run`] with more sysbench options.
fn run_with(
    port: u16,
    workload: &str,
    tables: u64,
    rows: u64,
    threads: u64,
    secs: u64,
    extra: &[&str],
) -> (f64, f64) {
    let args = [
        format!("--tables={tables}"),
        format!("--table-size={rows}"),
        format!("--threads={threads}"),
        format!("--time={secs}"),
        "--rand-seed=11".to_string(),
    ];
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend_from_slice(extra);
    let text = sysbench_at(port, "sbtest", workload, "run", &args);
    let rate = |label: &str| sysbench_rate(&text, label);
    (rate("transactions:"), rate("queries:"))
}

fn main() {
    let tables = env_or("QUERY_TABLES", 4);
    let rows = env_or("QUERY_ROWS", 100_000);
    let threads = env_or("QUERY_THREADS", 4);
    let secs = env_or("QUERY_SECS", 10);
    let rounds = env_or("QUERY_ROUNDS", 3);
    // Both servers with their default cache for data: mysqld's 128 MiB buffer pool,
    // replicant's 128 MiB block cache.
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
    let t = Instant::now();
    sysbench_cmd(&m, &opts, "prepare", &[]);
    eprintln!("prepared {tables} x {rows} rows in {:?}", t.elapsed());
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    eprintln!("replicant caught up; {threads} threads, {secs} s per run");
    // QUERY_HOLD=1: keep both servers up for profiling by hand, until killed.
    if std::env::var("QUERY_HOLD").is_ok() {
        eprintln!(
            "holding: replicant port {}, MariaDB port {}",
            r.proc.port(),
            m.port()
        );
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    // QUERY_TYPES=1: each kind of oltp_read_only statement on its own (transactions of
    // BEGIN, that statement, COMMIT), with each server's CPU time per transaction.
    if std::env::var("QUERY_TYPES").is_ok() {
        let pids = [
            r.proc.pid().expect("replicant runs"),
            m.pid().expect("mariadbd runs"),
        ];
        run(r.proc.port(), "oltp_read_only", tables, rows, threads, secs);
        run(m.port(), "oltp_read_only", tables, rows, threads, secs);
        println!("| {tables} x {rows} rows, {threads} threads, {secs} s | replicant CPU µs / transaction (user + system) | MariaDB | ratio |");
        println!("|---|---|---|---|");
        for (kind, option) in [
            ("10 point selects", "--point-selects=10"),
            ("4 simple ranges", "--simple-ranges=4"),
            ("4 SUM ranges", "--sum-ranges=4"),
            ("4 ORDER BY ranges", "--order-ranges=4"),
            ("4 DISTINCT ranges", "--distinct-ranges=4"),
        ] {
            let mut extra = vec![
                "--point-selects=0",
                "--simple-ranges=0",
                "--sum-ranges=0",
                "--order-ranges=0",
                "--distinct-ranges=0",
            ];
            extra.push(option);
            let mut cost = [(0.0, 0.0); 2];
            for (i, (port, pid)) in [r.proc.port(), m.port()].into_iter().zip(pids).enumerate() {
                let before = cpu_ticks(pid);
                let (tps, _) =
                    run_with(port, "oltp_read_only", tables, rows, threads, secs, &extra);
                let after = cpu_ticks(pid);
                let per = |a: u64, b: u64| (b - a) as f64 * 1e6 / 100.0 / (tps * secs as f64);
                cost[i] = (per(before.0, after.0), per(before.1, after.1));
            }
            let [(ru, rs), (mu, ms)] = cost;
            println!(
                "| {kind} | {:.0} ({ru:.0} + {rs:.0}) | {:.0} ({mu:.0} + {ms:.0}) | {:.2}x |",
                ru + rs,
                mu + ms,
                (mu + ms) / (ru + rs).max(1.0)
            );
        }
        return;
    }
    let mut lines = Vec::new();
    // QUERY_ONLY=workload: run just that one.
    let only = std::env::var("QUERY_ONLY").ok();
    for (workload, what) in [
        ("oltp_point_select", "oltp_point_select, queries/s"),
        ("oltp_read_only", "oltp_read_only, transactions/s"),
    ] {
        if only.as_deref().is_some_and(|o| o != workload) {
            continue;
        }
        // Warm both first (block cache, buffer pool: a round's worth of reads).
        run(r.proc.port(), workload, tables, rows, threads, secs);
        run(m.port(), workload, tables, rows, threads, secs);
        // This VM's speed drifts by ±10% over minutes: alternate the two servers over
        // `rounds` rounds (ABBA order) and compare the means.
        let pick = |x: (f64, f64)| {
            if workload == "oltp_point_select" {
                x.1
            } else {
                x.0
            }
        };
        let (mut o, mut t) = (0.0, 0.0);
        for round in 0..rounds {
            let ports = if round % 2 == 0 {
                [r.proc.port(), m.port()]
            } else {
                [m.port(), r.proc.port()]
            };
            for port in ports {
                // QUERY_PERF=FILE: record a CPU profile of the whole machine during
                // replicant's first round.
                let perf = std::env::var("QUERY_PERF")
                    .ok()
                    .filter(|_| round == 0 && port == r.proc.port())
                    .map(|out| perf_start(&out));
                let v = pick(run(port, workload, tables, rows, threads, secs));
                if let Some(p) = perf {
                    perf_stop(p);
                }
                eprintln!("  {workload} round {round} port {port}: {v:.0}");
                if port == m.port() {
                    t += v / rounds as f64;
                } else {
                    o += v / rounds as f64;
                }
            }
        }
        eprintln!("{what}: replicant {o:.0}, MariaDB {t:.0}");
        lines.push((what, o, t));
    }
    println!(
        "| {tables} x {rows} rows, {threads} threads, {rounds} x {secs} s | replicant | MariaDB | ratio |"
    );
    println!("|---|---|---|---|");
    for (what, o, t) in lines {
        println!("| {what} | {o:.0} | {t:.0} | {:.2}x |", o / t.max(1.0));
    }
}
