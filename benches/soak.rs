//! Soak run (issue: faults and load; not in CI): `SOAK_SECS` (600) of master writes in
//! ROW and MIXED form — sysbench `oltp_write_only` (MIXED: statements) and bank transfers
//! whose total is constant (alternating ROW and MIXED sessions) — replicated through a
//! fault proxy that cuts and stalls the link, with replicant SIGKILLed every
//! `SOAK_KILL_EVERY` (20) seconds and restarted on the same datadir and port, while
//! `SOAK_READERS` (16) clients read the bank's total through the endpoint. At the end every
//! table equals the master's, no reader ever saw another total (a torn state), and
//! replicant's own binlog holds the master's transactions once each.
//!
//! Run: `cargo bench --bench soak`. Results go to stdout as Markdown.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::replicant::wire::client::Connection;
use support::*;

const ACCOUNTS: i64 = 500;
const TOTAL: i64 = ACCOUNTS * 1000;

fn main() {
    let secs = env_or("SOAK_SECS", 600);
    let kill_every = env_or("SOAK_KILL_EVERY", 20);
    let readers = env_or("SOAK_READERS", 16);
    let m = MariaDb::start(MasterOpts::format("MIXED"));
    m.create_repl_user("repl", "repl");
    create_bank(&m, ACCOUNTS);
    let sb = SysbenchOpts {
        tables: 2,
        table_size: 20_000,
        threads: 2,
        time_secs: secs as u32,
        ..SysbenchOpts::default()
    };
    m.sql("CREATE DATABASE sbtest");
    sysbench_cmd(&m, &sb, "prepare", &[]);

    let proxy = FaultProxy::start(
        m.port(),
        FaultPlan {
            seed: 42,
            min_bytes: 256 << 10,
            max_bytes: 8 << 20,
            stall: Duration::from_secs(7),
            delay: Duration::from_millis(300),
        },
    );
    let extra = [
        "--master-connect-retry=1",
        "--slave-net-timeout=5",
        "--log-bin=soak",
        "--log-slave-updates",
    ];
    let mut r = Replica::start_via(proxy.port(), &extra);
    let port = r.proc.port();
    r.proc.wait_endpoint();
    // The readers start once the bank is there (before, its total is not yet replicated).
    r.wait_applied(&m);

    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let torn = Arc::new(AtomicU64::new(0));
    let reader_threads: Vec<_> = (0..readers)
        .map(|i| {
            let (done, reads, errors, torn) =
                (done.clone(), reads.clone(), errors.clone(), torn.clone());
            std::thread::spawn(move || read_loop(i as usize, port, &done, &reads, &errors, &torn))
        })
        .collect();

    // Writers: sysbench (MIXED statements), and transfers alternating ROW and MIXED.
    let t0 = Instant::now();
    let (transfers, kills) = std::thread::scope(|s| {
        let sb_run = s.spawn(|| {
            sysbench_cmd(
                &m,
                &sb,
                "run",
                &[
                    format!("--threads={}", sb.threads),
                    format!("--time={secs}"),
                ],
            )
        });
        let writer = s.spawn(|| {
            let mut n = 0u64;
            let mut seed = 7u64;
            while t0.elapsed() < Duration::from_secs(secs) {
                let format = if (n / 50).is_multiple_of(2) {
                    "ROW"
                } else {
                    "MIXED"
                };
                let sql = format!(
                    "SET SESSION binlog_format={format};\n{}",
                    bank_transfers(&mut seed, 50, ACCOUNTS)
                );
                m.sql_bytes(sql.as_bytes());
                n += 50;
            }
            n
        });
        let mut kills = 0u64;
        while t0.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_secs(kill_every));
            if t0.elapsed() >= Duration::from_secs(secs) {
                break;
            }
            r.proc.kill9();
            let mut args = run_args(&r.datadir, proxy.port(), 102, &extra);
            args.push(format!("--port={port}"));
            r.proc = Replicant::spawn(args);
            kills += 1;
        }
        let out = sb_run.join().unwrap();
        eprintln!("sysbench: {:.0} tps", sysbench_rate(&out, "transactions"));
        (writer.join().unwrap(), kills)
    });
    proxy.calm();
    r.wait_applied(&m);
    // Readers keep reading a while after the writes, then stop.
    std::thread::sleep(Duration::from_secs(2));
    done.store(true, Ordering::Release);
    for h in reader_threads {
        h.join().unwrap();
    }
    for t in ["bank.acct", "sbtest.sbtest1", "sbtest.sbtest2"] {
        assert_same_table(&m, &r.datadir, t, "id");
    }
    let ours = binlog_gtids(&index_files(&r.datadir, "soak"));
    let masters = binlog_gtids(&m.binlog_files());
    assert_eq!(
        ours.len(),
        masters.len(),
        "replicant's binlog has another number of transactions"
    );
    assert!(
        ours == masters,
        "replicant's binlog is not the master's transactions once each"
    );
    let torn = torn.load(Ordering::Relaxed);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    println!("| soak, {secs} s | value |");
    println!("|---|---|");
    println!(
        "| master transactions (sysbench + {transfers} transfers) | {} |",
        masters.len()
    );
    println!("| replicant SIGKILLs | {kills} |");
    println!(
        "| link faults (cuts / delays) | {} / {} |",
        proxy.cuts(),
        proxy.delays()
    );
    println!(
        "| reader statements / failed (connection lost at a kill) | {} / {} |",
        reads.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed)
    );
    println!("| torn reads (another total seen) | {torn} |");
    println!(
        "| tables equal to the master's; binlog = the master's transactions once each | yes |"
    );
    assert_eq!(torn, 0, "a reader saw a torn state");
}

/// One reader: the bank's total through the primary key, a covering index and a range,
/// reconnecting after replicant's restarts; a total other than [`TOTAL`] is a torn read.
fn read_loop(
    i: usize,
    port: u16,
    done: &AtomicBool,
    reads: &AtomicU64,
    errors: &AtomicU64,
    torn: &AtomicU64,
) {
    let queries = [
        "SELECT SUM(balance) FROM bank.acct",
        "SELECT SUM(balance) FROM bank.acct WHERE owner >= ''",
        "SELECT SUM(balance) FROM bank.acct WHERE id BETWEEN 1 AND 1000000",
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let opts = client_opts(port, "root", "");
        let mut k = i;
        while !done.load(Ordering::Acquire) {
            let Ok(mut c) = Connection::connect(&opts).await else {
                errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            while !done.load(Ordering::Acquire) {
                let q = queries[k % queries.len()];
                k += 1;
                match c.query_value(q).await {
                    Ok(v) => {
                        let total: i64 = v.as_deref().unwrap_or("").parse().unwrap_or(-1);
                        if total != TOTAL {
                            eprintln!("reader {i}: {q} saw {total}, not {TOTAL}");
                            torn.fetch_add(1, Ordering::Relaxed);
                        }
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }
    });
}
