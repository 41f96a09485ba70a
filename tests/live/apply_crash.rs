//! Exactly once across crashes: replicant is SIGKILLed again and again while a sysbench
//! workload runs on the master; after the last restart every table equals the master's —
//! no transaction lost, none applied twice.

use std::time::Duration;

use crate::support::*;

#[test]
fn sigkill_during_workload_loses_and_duplicates_nothing() {
    let m = master();
    m.sql("CREATE DATABASE sbtest");
    let port = m.port();
    let load = std::thread::spawn(move || {
        let common = ["--tables=2", "--table-size=3000", "--rand-seed=7"];
        sysbench_at(port, "sbtest", "oltp_write_only", "prepare", &common);
        let run = [&common[..], &["--time=12", "--threads=2"]].concat();
        sysbench_at(port, "sbtest", "oltp_write_only", "run", &run);
    });
    let mut r = Replica::start(&m, &[]);
    let mut applied = Vec::new();
    for round in 0..6 {
        std::thread::sleep(Duration::from_millis(1200 + 300 * round));
        r.proc.kill9();
        applied.push(
            r.status()
                .lines()
                .find(|l| l.contains("Exec_Master_Log_Pos"))
                .unwrap_or_default()
                .to_string(),
        );
        r.proc = Replicant::spawn(run_args(&r.datadir, m.port(), 102, &[]));
    }
    load.join().unwrap();
    r.wait_applied(&m);
    for t in ["sbtest.sbtest1", "sbtest.sbtest2"] {
        assert_same_table(&m, &r.datadir, t, "id");
    }
    // The kills landed while applying, not only while idle.
    assert!(
        applied
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
            > 2,
        "{applied:?}"
    );
}
