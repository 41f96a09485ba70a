//! Every statement in the binlog corpora (the MySQL fixtures in ../shared and the MariaDB
//! proto-fixtures) gets a class from `apply::statement::classify`; the ones it calls
//! Unknown — which would stop the applier — are exactly the listed ones.

use std::path::PathBuf;

use replicant::apply::statement::{classify, StatementKind};
use replicant::binlog::event::EventType;
use replicant::binlog::events::{maria_uncompress, Query};
use replicant::binlog::file::BinlogReader;

fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/mysql-binlogs"
        ),
        concat!(env!("CARGO_MANIFEST_DIR"), "/proto-fixtures"),
    ] {
        match std::fs::read_dir(dir) {
            Ok(rd) => files.extend(rd.filter_map(|e| e.ok().map(|e| e.path()))),
            Err(_) if dir.contains("/../shared/") => crate::support::not_run(
                "statement_corpus",
                &format!("{dir} is absent: only proto-fixtures/ was read"),
            ),
            Err(e) => panic!("{dir}: {e}"),
        }
    }
    files.sort();
    files
}

/// The text of every QUERY statement in the corpora (compressed ones inflated).
fn corpus_statements() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in corpus() {
        let Ok(mut r) = BinlogReader::open(&f) else {
            continue;
        };
        while let Ok(Some((_, ev, fde))) = r.next_with_fde() {
            let t = ev.event_type();
            if !matches!(t, Some(EventType::Query | EventType::QueryCompressed)) {
                continue;
            }
            let Ok(q) = Query::parse(ev.body(), fde) else {
                continue;
            };
            if t == Some(EventType::QueryCompressed) {
                if let Ok(text) = maria_uncompress(q.query, "query") {
                    out.push(text);
                }
            } else {
                out.push(q.query.to_vec());
            }
        }
    }
    out
}

#[test]
fn every_corpus_statement_is_classified() {
    let mut unknown = Vec::new();
    let mut seen = 0;
    for text in corpus_statements() {
        seen += 1;
        if classify(&text) == StatementKind::Unknown {
            unknown.push(
                String::from_utf8_lossy(&text)
                    .chars()
                    .take(60)
                    .collect::<String>(),
            );
        }
    }
    eprintln!("{seen} statements classified");
    assert!(seen > 0, "no statement found in the corpora");
    assert!(
        unknown.is_empty(),
        "statements the applier would not understand: {unknown:#?}"
    );
}

/// Every DDL statement of the corpora goes through the DDL parser, whole and mutated
/// (truncated, bytes flipped): a result or a clear 1235, never a panic. The whole ones
/// must parse, except the listed kinds replicant does not take yet.
#[test]
fn ddl_parser_takes_corpus_statements_and_survives_mutations() {
    use replicant::apply::ddl::{parse, DdlContext};
    use replicant::store::catalog::Catalog;
    let ctx = DdlContext {
        db: Some("test"),
        collation_server: 45,
        collation_database: None,
        mysql: true,
        collation_connection: 45,
        sql_mode: 0,
        charset_client: 33,
        timestamp: 0,
    };
    let catalog = Catalog::default();
    let ddl: Vec<String> = corpus_statements()
        .into_iter()
        .filter(|t| matches!(classify(t), StatementKind::Ddl(_)))
        .map(|t| String::from_utf8_lossy(&t).into_owned())
        .collect();
    let mut failed = Vec::new();
    for sql in &ddl {
        if let Err(e) = parse(sql, &ctx, &catalog) {
            assert_eq!(e.code, 1235, "{sql}: {e}");
            failed.push(format!("{}: {e}", sql.chars().take(80).collect::<String>()));
        }
        // Mutations: every prefix at a stride, and single flipped bytes.
        let bytes = sql.as_bytes();
        for cut in (0..bytes.len()).step_by(7) {
            let _ = parse(&String::from_utf8_lossy(&bytes[..cut]), &ctx, &catalog);
        }
        for i in (0..bytes.len()).step_by(11) {
            let mut b = bytes.to_vec();
            b[i] ^= 0x5a;
            let _ = parse(&String::from_utf8_lossy(&b), &ctx, &catalog);
        }
    }
    eprintln!(
        "{} DDL statements; {} not parsed:\n{}",
        ddl.len(),
        failed.len(),
        failed.join("\n")
    );
    // Generated/partitioned/etc. fixture tables may be out of reach; most must parse.
    // proto-fixtures alone hold CREATE TABLE statements: an empty list is a broken reader.
    assert!(!ddl.is_empty(), "no DDL statement found in the corpora");
    assert!(
        failed.len() * 5 <= ddl.len(),
        "too many DDL statements not understood:\n{}",
        failed.join("\n")
    );
}
