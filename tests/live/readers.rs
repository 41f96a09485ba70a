//! Readers under load (issue 21): many clients read through the endpoint while the
//! applier replays a bank-transfer workload at full speed. The total of all balances is
//! constant on the master, so every statement a reader runs — through the primary key, a
//! covering secondary index or a key range — must see it, or it saw a torn state. KILL
//! QUERY stops a long SELECT and leaves its session usable.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::*;
use ::replicant::wire::client::Connection;

const ACCOUNTS: i64 = 200;
const TOTAL: i64 = ACCOUNTS * 1000;
const READERS: usize = 64;

#[test]
fn readers_see_one_committed_state_under_write_load() {
    let m = MariaDb::start(MasterOpts::format("MIXED"));
    m.create_repl_user("repl", "repl");
    create_bank(&m, ACCOUNTS);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    let port = r.proc.port();
    // The secondary-index statement reads the covering index, not the rows.
    let plan = r
        .proc
        .sql("EXPLAIN SELECT SUM(balance) FROM bank.acct WHERE owner >= ''")
        .unwrap();
    assert!(plan.contains("by_owner"), "{plan}");

    let done = Arc::new(AtomicBool::new(false));
    let statements = Arc::new(AtomicU64::new(0));
    let queries = [
        "SELECT SUM(balance) FROM bank.acct",
        "SELECT SUM(balance) FROM bank.acct WHERE owner >= ''",
        "SELECT SUM(balance) FROM bank.acct WHERE id BETWEEN 1 AND 1000000",
    ];
    let readers: Vec<_> = (0..READERS)
        .map(|i| {
            let done = done.clone();
            let statements = statements.clone();
            std::thread::spawn(move || -> Result<(), String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let mut c = Connection::connect(&client_opts(port, "root", ""))
                        .await
                        .map_err(|e| format!("reader {i}: connect: {e}"))?;
                    let mut k = i;
                    while !done.load(Ordering::Acquire) {
                        let q = queries[k % queries.len()];
                        k += 1;
                        let v = c
                            .query_value(q)
                            .await
                            .map_err(|e| format!("reader {i}: {q}: {e}"))?;
                        let total: i64 = v.as_deref().unwrap_or("").parse().unwrap_or(-1);
                        if total != TOTAL {
                            return Err(format!("reader {i}: {q} saw {total}, not {TOTAL}"));
                        }
                        statements.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(())
                })
            })
        })
        .collect();
    // The writer: transfers through one session, as fast as the master takes them.
    let started = std::time::Instant::now();
    m.sql_bytes(bank_transfers(&mut 7, 800, ACCOUNTS).as_bytes());
    eprintln!("master: {:?}", started.elapsed());
    r.wait_applied(&m);
    eprintln!(
        "applied: {:?}, {} statements read",
        started.elapsed(),
        statements.load(Ordering::Relaxed)
    );
    done.store(true, Ordering::Release);
    for h in readers {
        h.join().unwrap().unwrap();
    }
    assert!(
        statements.load(Ordering::Relaxed) >= READERS as u64,
        "the readers ran {} statements",
        statements.load(Ordering::Relaxed)
    );
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_same_table(&m, &r.datadir, "bank.acct", "id");

    // KILL QUERY: a long SELECT stops with 1317, its session goes on.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut a = Connection::connect(&client_opts(port, "root", ""))
            .await
            .unwrap();
        let mut b = Connection::connect(&client_opts(port, "root", ""))
            .await
            .unwrap();
        let id = a
            .query_value("SELECT CONNECTION_ID()")
            .await
            .unwrap()
            .unwrap();
        let long = tokio::spawn(async move {
            let r = a
                .query("SELECT COUNT(*) FROM bank.acct x, bank.acct y, bank.acct z, bank.acct w")
                .await;
            (r, a)
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        b.query(&format!("KILL QUERY {id}")).await.unwrap();
        let (r, mut a) = tokio::time::timeout(Duration::from_secs(30), long)
            .await
            .expect("KILL QUERY did not stop the SELECT")
            .unwrap();
        let e = r.expect_err("the SELECT was not interrupted").to_string();
        assert!(e.contains("1317"), "{e}");
        assert_eq!(
            a.query_value("SELECT 1").await.unwrap().as_deref(),
            Some("1")
        );
    });
}
