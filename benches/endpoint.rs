//! Endpoint benchmark (issue: serve), replicant vs MariaDB on this machine in one run:
//!
//! - new connections per second: connect over TCP, handshake, mysql_native_password
//!   authentication, COM_QUIT, in a loop from `ENDPOINT_CLIENTS` concurrent clients;
//! - `SELECT 1` round trips per second on open connections (protocol and dispatch cost;
//!   sysbench oltp_point_select needs the query engine, not built yet).
//!
//! Both servers get the same clients (replicant's own protocol client), the same account
//! (`bench`/`bench`, native password) and the same duration (`ENDPOINT_SECS`, default 10).
//!
//! Run: `cargo bench --bench endpoint`. Results go to stdout as a Markdown table.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::replicant::config::SslConfig;
use ::replicant::wire::client::{ConnectOptions, Connection};
use support::*;

fn opts(port: u16) -> ConnectOptions {
    ConnectOptions {
        host: "127.0.0.1".into(),
        port,
        user: "bench".into(),
        password: "bench".into(),
        ssl: SslConfig::default(),
        public_key: None,
        connect_timeout: Duration::from_secs(10),
    }
}

/// Runs `clients` tasks for `secs`; each either reconnects in a loop (`reconnect`) or
/// sends `SELECT 1` on one connection. Returns operations per second.
fn measure(port: u16, clients: u64, secs: u64, reconnect: bool) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (done, stop) = (done.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let o = opts(port);
                let mut conn = if reconnect {
                    None
                } else {
                    Some(Connection::connect(&o).await.expect("connect"))
                };
                while !stop.load(Ordering::Relaxed) {
                    match &mut conn {
                        None => {
                            let c = Connection::connect(&o).await.expect("connect");
                            drop(c);
                        }
                        Some(c) => {
                            c.query("SELECT 1").await.expect("SELECT 1");
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let secs = env_or("ENDPOINT_SECS", 10);
    let clients = env_or("ENDPOINT_CLIENTS", 4);
    let m = MariaDb::start(MasterOpts::default());
    m.sql("CREATE USER bench@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('bench')");
    let dir = tempfile::Builder::new()
        .prefix("rpl-bench-ep-")
        .tempdir_in("/tmp")
        .unwrap();
    let mut r = Replicant::spawn([
        "run".to_string(),
        format!("--datadir={}", dir.path().join("data").display()),
        "--server-id=102".into(),
        "--account=bench@'%' IDENTIFIED BY 'bench'".into(),
        "--account=root@localhost ADMIN".into(),
    ]);
    r.wait_endpoint();
    eprintln!("{clients} clients, {secs} s per measurement");
    let mut rows = Vec::new();
    for (what, reconnect) in [
        ("new connections per second (connect, auth, quit)", true),
        ("`SELECT 1` per second on open connections", false),
    ] {
        let ours = measure(r.port(), clients, secs, reconnect);
        let theirs = measure(m.port(), clients, secs, reconnect);
        eprintln!("{what}: replicant {ours:.0}, MariaDB {theirs:.0}");
        rows.push((what, ours, theirs));
    }
    println!("| {clients} clients, {secs} s each | replicant | MariaDB | ratio |");
    println!("|---|---|---|---|");
    for (what, ours, theirs) in rows {
        println!(
            "| {what} | {ours:.0} | {theirs:.0} | {:.2}x |",
            ours / theirs.max(1.0)
        );
    }
    r.terminate();
}
