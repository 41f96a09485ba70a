//! Criterion benches of the query engine's operators, in-process on a store replicated from
//! a throwaway MariaDB (sysbench table of `ENGINE_ROWS` rows, default 10000): primary-key
//! point lookup, primary-key range scan, secondary-index lookup, sort, DISTINCT, grouping
//! with aggregates over a full scan, and a join driven by index lookups.
//!
//! Run: `cargo bench --bench engine`.

#[path = "../tests/support/mod.rs"]
mod support;

use ::replicant::sql::engine::{self, Context};
use ::replicant::sql::env::NoSession;
use ::replicant::store::Store;
use criterion::{criterion_group, criterion_main, Criterion};
use support::*;

fn operators(c: &mut Criterion) {
    let rows = env_or("ENGINE_ROWS", 10_000);
    let m = master();
    m.sql("CREATE DATABASE sbtest");
    let opts = SysbenchOpts {
        workload: "oltp_read_only".into(),
        tables: 2,
        table_size: rows as u32,
        ..SysbenchOpts::default()
    };
    sysbench_cmd(&m, &opts, "prepare", &[]);
    let mut r = Replica::start(&m, &[]);
    r.wait_applied(&m);
    r.proc.terminate();
    let store = Store::open_read_only(&r.datadir).expect("store");
    let none = |_: &str| None;
    let mid = rows / 2;
    let queries = [
        ("point lookup (primary key)", format!("SELECT c FROM sbtest1 WHERE id = {mid}")),
        (
            "range scan 100 rows (primary key)",
            format!("SELECT c FROM sbtest1 WHERE id BETWEEN {mid} AND {}", mid + 99),
        ),
        (
            "secondary index lookup",
            "SELECT id FROM sbtest1 WHERE k = 5000".to_string(),
        ),
        (
            "sort 100 rows",
            format!("SELECT c FROM sbtest1 WHERE id BETWEEN {mid} AND {} ORDER BY c", mid + 99),
        ),
        (
            "distinct 100 rows",
            format!(
                "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN {mid} AND {} ORDER BY c",
                mid + 99
            ),
        ),
        (
            "aggregate: SUM over 100 rows",
            format!("SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN {mid} AND {}", mid + 99),
        ),
        (
            "group by over a full scan",
            "SELECT k % 10, COUNT(*), SUM(k) FROM sbtest1 GROUP BY k % 10".to_string(),
        ),
        (
            "join 100 rows by primary key",
            format!(
                "SELECT a.id, b.k FROM sbtest1 a JOIN sbtest2 b ON b.id = a.id WHERE a.id BETWEEN {mid} AND {}",
                mid + 99
            ),
        ),
    ];
    let mut g = c.benchmark_group("engine");
    for (name, sql) in &queries {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let view = store.read_view().unwrap();
                let cx = Context {
                    view: &*view,
                    env: &NoSession,
                    db: Some("sbtest"),
                    names_from: sql,
                    system_table: &none,
                    access: None,
                    placeholders: &[],
                    params: &[],
                };
                engine::select(sql, &cx).unwrap().rows.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, operators);
criterion_main!(benches);
