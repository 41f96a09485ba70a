//! The applier over binlogs written by MySQL servers (../shared/fixtures/mysql-binlogs,
//! skipped with a message when absent): each file that creates its tables is applied as a
//! relay log, offline, and must apply to the end; rows v2, MySQL GTIDs, JSON, ENUM/SET,
//! BIT, invisible columns and TRANSACTION_PAYLOAD come only from MySQL.

use std::path::Path;
use std::time::{Duration, Instant};

use replicant::apply::applier::{Applier, ApplierOptions};
use replicant::apply::filter::Filters;
use replicant::apply::rows::ConflictPolicy;
use replicant::apply::status::ApplierStatus;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/mysql-binlogs"
);

/// Applies `file` as a relay log; returns the applier's final status and every table's
/// dump.
fn apply_offline(file: &Path) -> (ApplierStatus, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(file, data.join("relay-bin.000001")).unwrap();
    std::fs::write(data.join("relay-bin.index"), "./relay-bin.000001\n").unwrap();
    let stop = replicant::shutdown::Shutdown::new();
    let opts = ApplierOptions {
        datadir: data.clone(),
        relay_dir: data.clone(),
        relay_base: "relay-bin".into(),
        server_id: 4242,
        policy: ConflictPolicy::default(),
        filters: Filters::default(),
        skip_counter: 0,
        purge_mark: None,
        disk_space_reserve: 0,
        logbin: None,
        binlog_do_db: Vec::new(),
        binlog_ignore_db: Vec::new(),
    };
    let applier = Applier::open(opts, stop.clone()).unwrap();
    let t = std::thread::spawn(move || applier.run());
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let st = ApplierStatus::load(&data).unwrap_or_default();
        if st.caught_up
            || st.slave_sql_running == replicant::report::Running::No
            || start.elapsed() > Duration::from_secs(60)
        {
            break;
        }
    }
    stop.request();
    let _ = t.join();
    let catalog = replicant::store::Store::open_read_only(&data)
        .unwrap()
        .load_catalog()
        .unwrap();
    let mut dumps = Vec::new();
    // The account tables replicant keeps (an account statement of the file may fill
    // them) are not the file's own.
    let accounts = replicant::apply::accounts::system_tables();
    for (db, name) in catalog.tables.keys() {
        if db == "mysql" && accounts.iter().any(|(t, _)| t == name) {
            continue;
        }
        let mut out = Vec::new();
        replicant::store::dump::dump_table(&data, db, name, &mut out)
            .unwrap_or_else(|e| panic!("{}: dump {db}.{name}: {e}", file.display()));
        dumps.push(format!("{db}.{name}:\n{}", String::from_utf8_lossy(&out)));
    }
    (ApplierStatus::load(&data).unwrap_or_default(), dumps)
}

#[test]
fn mysql_written_binlogs_apply() {
    if crate::support::mysql_fixtures("apply_fixtures::mysql_written_binlogs_apply").is_none() {
        return;
    }
    // Files whose tables are created in the file itself: they apply to the end, leaving
    // this many rows (as mysqlbinlog -v of the file adds them up).
    let whole = [
        ("binlog-invisible-columns.000001", 2),
        ("json-opaque.binlog", 8),
        // Generated columns, then MySQL partial JSON updates (JSON_REPLACE of $.age).
        ("json.binlog.000001", 6),
        // Inserts, updates, then deletes its row.
        ("mysql-enum-string-set.000001", 0),
        ("mysql_type_bit.000001", 1),
    ];
    // Files that start after their tables were made (1146, 1049: the replica would need
    // the history; binlog_transaction's statement-format INSERT is replayed and finds no
    // table): they stop with that error, cleanly.
    let partial = [
        ("transaction_compression.000001", 1146),
        ("ver_5_1_23.001", 1146),
        ("ver_trunk_row_v2.001", 1146),
        ("bug32407.001", 1146),
        ("binlog_transaction.000001", 1146),
        ("binlog_transaction_with_GTID.000001", 1049),
        ("rpl_cross_version_default_utf8mb4_collation.000001", 1049),
    ];
    for (f, rows) in whole {
        let (st, dumps) = apply_offline(&Path::new(DIR).join(f));
        let dumped: usize = dumps.iter().map(|d| d.lines().count() - 1).sum();
        assert_eq!(dumped, rows, "{f}: {dumps:?}");
        assert_eq!(st.last_sql_errno, 0, "{f}: {}", st.last_sql_error);
        assert!(
            st.transactions > 0 && !dumps.is_empty(),
            "{f}: nothing applied"
        );
        eprintln!("{f}: {} transactions\n{}", st.transactions, dumps.join(""));
        if f == "json.binlog.000001" {
            // The partial updates applied to the stored documents, the generated columns
            // as the master logged them.
            let want = [
                (1, 26, "xxxxxxxxxx", "Joe"),
                (2, 34, "yyyyyyyyyy", "Sue"),
                (3, 42, "zzzzzzzzzz", "Pete"),
                (4, 26, "xxxxxxxxxx", "Joe"),
                (5, 34, "yyyyyyyyyy", "Sue"),
                (6, 42, "zzzzzzzzzz", "Pete"),
            ]
            .map(|(id, age, data, name)| {
                format!(
                    "{id}\t{{\"age\": {age}, \"data\": \"{data}\", \"name\": \"{name}\"}}\t{name}\t{age}\n"
                )
            })
            .concat();
            assert_eq!(dumps, vec![format!("mysql.t:\n{want}")]);
        }
    }
    for (f, code) in partial {
        let (st, _) = apply_offline(&Path::new(DIR).join(f));
        assert_eq!(st.last_sql_errno, code as u32, "{f}: {}", st.last_sql_error);
    }
}
