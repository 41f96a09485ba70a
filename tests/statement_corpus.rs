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
            Err(_) => eprintln!("skipping {dir}: not present"),
        }
    }
    files.sort();
    files
}

#[test]
fn every_corpus_statement_is_classified() {
    let mut unknown = Vec::new();
    let mut seen = 0;
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
            let text = if t == Some(EventType::QueryCompressed) {
                match maria_uncompress(q.query, "query") {
                    Ok(t) => t,
                    Err(_) => continue,
                }
            } else {
                q.query.to_vec()
            };
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
    }
    eprintln!("{seen} statements classified");
    assert!(
        unknown.is_empty(),
        "statements the applier would not understand: {unknown:#?}"
    );
}
