//! Exactly once across crashes: replicant is SIGKILLed again and again while a sysbench
//! workload runs on the master (ROW format, and STATEMENT: replayed statements); after the
//! last restart every table equals the master's — no transaction lost, none applied twice.

use std::time::Duration;

use crate::support::*;

#[test]
fn sigkill_during_workload_loses_and_duplicates_nothing() {
    sigkill_rounds(master());
}

#[test]
fn sigkill_during_statement_workload_loses_and_duplicates_nothing() {
    // A statement applied twice (UPDATE ... SET k = k + 1) or lost shows in the tables.
    let m = MariaDb::start(MasterOpts::format("STATEMENT"));
    m.create_repl_user("repl", "repl");
    sigkill_rounds(m);
}

fn sigkill_rounds(m: MariaDb) {
    m.sql("CREATE DATABASE sbtest");
    let port = m.port();
    let load = std::thread::spawn(move || {
        let common = ["--tables=2", "--table-size=3000", "--rand-seed=7"];
        sysbench_at(port, "sbtest", "oltp_write_only", "prepare", &common);
        let run = [&common[..], &["--time=12", "--threads=2"]].concat();
        sysbench_at(port, "sbtest", "oltp_write_only", "run", &run);
    });
    let mut r = Replica::start(&m, &[]);
    let exec_pos = |r: &Replica| -> u64 {
        r.status()
            .lines()
            .find_map(|l| l.trim().strip_prefix("Exec_Master_Log_Pos: ")?.parse().ok())
            .unwrap_or(0)
    };
    let mut applied = Vec::new();
    let mut last = 0;
    for round in 0..6 {
        // Kill once this daemon has applied past where the last kill left off (a condition,
        // not a guess at how long a start takes), a little later each round.
        let moved = wait_until(APPLY_WAIT, || {
            load.is_finished() || (r.status_is_current() && exec_pos(&r) > last)
        });
        assert!(moved, "round {round}: the applier made no progress");
        if load.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(150 * round));
        r.proc.kill9();
        last = exec_pos(&r);
        applied.push(last);
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
