//! Transactions on the endpoint read one snapshot: START TRANSACTION WITH CONSISTENT
//! SNAPSHOT fixes it at once, BEGIN at the transaction's first read; COMMIT/ROLLBACK let
//! the next statement see everything applied since. Statements outside a transaction each
//! see the latest applied state. Two sessions of replicant's own protocol client interleave
//! with transactions applied from the master.

use crate::support::*;
use ::replicant::wire::client::Connection;

async fn count(c: &mut Connection) -> String {
    c.query_value("SELECT CONCAT(COUNT(*), '/', SUM(v)) FROM snap.t")
        .await
        .expect("query")
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_read_one_snapshot() {
    let m = master();
    m.sql("CREATE DATABASE snap; CREATE TABLE snap.t (id INT PRIMARY KEY, v INT NOT NULL)");
    m.sql("INSERT INTO snap.t VALUES (1, 10), (2, 20), (3, 30)");
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.wait_endpoint();
    let port = r.proc.port();
    let mut a = Connection::connect(&client_opts(port, "root", ""))
        .await
        .expect("connect a");
    let mut b = Connection::connect(&client_opts(port, "root", ""))
        .await
        .expect("connect b");

    a.query("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        .await
        .unwrap();
    // Applied after the snapshot: one master transaction changing two rows.
    m.sql("BEGIN; INSERT INTO snap.t VALUES (4, 40); UPDATE snap.t SET v = v + 1 WHERE id = 1; COMMIT");
    r.wait_applied(&m);
    assert_eq!(
        count(&mut b).await,
        "4/101",
        "outside a transaction: the latest state"
    );
    assert_eq!(
        count(&mut a).await,
        "3/60",
        "inside: the snapshot of START TRANSACTION"
    );
    assert_eq!(count(&mut a).await, "3/60");
    a.query("COMMIT").await.unwrap();
    assert_eq!(
        count(&mut a).await,
        "4/101",
        "after COMMIT: the latest state"
    );

    // BEGIN takes its snapshot at the first read.
    a.query("BEGIN").await.unwrap();
    m.sql("INSERT INTO snap.t VALUES (5, 50)");
    r.wait_applied(&m);
    assert_eq!(
        count(&mut a).await,
        "5/151",
        "the first read of the transaction"
    );
    m.sql("DELETE FROM snap.t WHERE id = 2");
    r.wait_applied(&m);
    assert_eq!(
        count(&mut a).await,
        "5/151",
        "later reads: the same snapshot"
    );
    assert_eq!(count(&mut b).await, "4/131");
    a.query("ROLLBACK").await.unwrap();
    assert_eq!(count(&mut a).await, "4/131");
}
