//! The store's invariant under SIGKILL: rows and the applied position move together. A
//! child process commits transaction after transaction (rows n and the position n in one
//! batch, some with fsync, some without); it is killed at random moments; after each kill
//! the reopened store must hold exactly the rows of the transactions up to its position.

use std::process::Command;
use std::time::Duration;

use replicant::binlog::BinlogPos;
use replicant::relay::reader::RelayPos;
use replicant::store::{AppliedPos, Store};

const CHILD_ENV: &str = "REPLICANT_STORE_CRASH_CHILD";

fn pos(n: u64) -> AppliedPos {
    AppliedPos {
        relay: RelayPos {
            file: "relay-bin.000001".into(),
            offset: n,
        },
        master: Some(BinlogPos {
            file: "master-bin.000001".into(),
            offset: n,
        }),
        gtid: None,
    }
}

fn row_key(pk: u64) -> Vec<u8> {
    let mut k = Vec::new();
    replicant::store::keys::row(&mut k, 1);
    k.extend_from_slice(&pk.to_be_bytes());
    k
}

/// The writer, run in a child process by `kill9_never_splits_a_transaction`.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return; // only meaningful as the child
    };
    let s = Store::open(std::path::Path::new(&dir)).unwrap();
    let start = s.applied().unwrap().map_or(0, |p| p.relay.offset);
    for n in start + 1.. {
        let mut t = s.txn();
        // Transaction n: three rows, and it deletes one row of transaction n-1.
        for k in 0..3u64 {
            t.put(&row_key(n * 10 + k), &n.to_le_bytes());
        }
        if n > 1 {
            t.delete(&row_key((n - 1) * 10 + 2));
        }
        t.commit(&s, &pos(n), n % 7 == 0).unwrap();
    }
}

#[test]
fn kill9_never_splits_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut last = 0;
    for round in 0..6 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "store_crash::crash_child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the child has committed past the last round (a condition, not a
        // guess at how long a start takes), at a different point each round.
        let committed = || {
            Store::open_read_only(dir.path())
                .ok()
                .and_then(|s| s.applied().ok().flatten())
                .map_or(0, |p| p.relay.offset)
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while committed() <= last {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: the child committed nothing in 120 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(37 * round));
        child.kill().unwrap();
        child.wait().unwrap();

        let s = Store::open(dir.path()).unwrap();
        let n = s.applied().unwrap().map_or(0, |p| p.relay.offset);
        assert!(n >= last, "position went back from {last} to {n}");
        assert!(n > 0, "the child committed nothing in round {round}");
        // Every transaction up to n is there, with its deletion of the previous one's row.
        for m in 1..=n {
            for k in 0..3u64 {
                let row = s.get_row(1, &(m * 10 + k).to_be_bytes()).unwrap();
                let deleted = k == 2 && m < n;
                assert_eq!(
                    row.is_none(),
                    deleted,
                    "round {round}: row {m}/{k} with position {n}"
                );
            }
        }
        // Nothing of transaction n+1.
        for k in 0..3u64 {
            assert!(s
                .get_row(1, &((n + 1) * 10 + k).to_be_bytes())
                .unwrap()
                .is_none());
        }
        last = n;
    }
}
