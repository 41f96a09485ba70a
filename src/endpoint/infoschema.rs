//! information_schema tables built from the catalog, for `sql::memtable`: SCHEMATA, TABLES
//! and STATISTICS with MariaDB 10.11's columns. Statistics replicant does not keep (row
//! counts, sizes, times, cardinality) are NULL; other information_schema tables are 1235.

use crate::sql::memtable::MemTable;
use crate::sql::value::Value;
use crate::store::catalog::{Catalog, IndexKind};
use crate::store::collation;

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The information_schema table `name` (case-insensitive), `None` when not provided.
pub fn table(cat: &Catalog, name: &str) -> Option<MemTable> {
    match name.to_ascii_uppercase().as_str() {
        "SCHEMATA" => Some(schemata(cat)),
        "TABLES" => Some(tables(cat)),
        "STATISTICS" => Some(statistics(cat)),
        _ => None,
    }
}

fn schemata(cat: &Catalog) -> MemTable {
    let mut rows = vec![vec![
        t("def"),
        t("information_schema"),
        t("utf8mb3"),
        t("utf8mb3_general_ci"),
        Value::Null,
        Value::Text(String::new()),
    ]];
    for d in cat.databases.values() {
        let c = collation::by_id(d.collation);
        rows.push(vec![
            t("def"),
            t(&d.name),
            c.map_or(Value::Null, |c| t(c.charset)),
            c.map_or(Value::Null, |c| t(c.name)),
            Value::Null,
            Value::Text(String::new()),
        ]);
    }
    MemTable {
        columns: vec![
            "CATALOG_NAME",
            "SCHEMA_NAME",
            "DEFAULT_CHARACTER_SET_NAME",
            "DEFAULT_COLLATION_NAME",
            "SQL_PATH",
            "SCHEMA_COMMENT",
        ],
        rows,
    }
}

fn tables(cat: &Catalog) -> MemTable {
    let rows = cat
        .tables
        .values()
        .map(|tb| {
            let mut r = vec![
                t("def"),
                t(&tb.db),
                t(&tb.name),
                t("BASE TABLE"),
                t("RocksDB"),
                Value::Int(10),
            ];
            // ROW_FORMAT .. CHECK_TIME: statistics replicant does not keep.
            r.extend(std::iter::repeat_n(Value::Null, 11));
            r.push(collation::by_id(tb.collation).map_or(Value::Null, |c| t(c.name)));
            r.push(Value::Null); // CHECKSUM
            r.push(Value::Text(String::new())); // CREATE_OPTIONS
            r.push(Value::Text(String::new())); // TABLE_COMMENT
            r.push(Value::Null); // MAX_INDEX_LENGTH
            r.push(t("N")); // TEMPORARY
            r
        })
        .collect();
    MemTable {
        columns: vec![
            "TABLE_CATALOG",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "TABLE_TYPE",
            "ENGINE",
            "VERSION",
            "ROW_FORMAT",
            "TABLE_ROWS",
            "AVG_ROW_LENGTH",
            "DATA_LENGTH",
            "MAX_DATA_LENGTH",
            "INDEX_LENGTH",
            "DATA_FREE",
            "AUTO_INCREMENT",
            "CREATE_TIME",
            "UPDATE_TIME",
            "CHECK_TIME",
            "TABLE_COLLATION",
            "CHECKSUM",
            "CREATE_OPTIONS",
            "TABLE_COMMENT",
            "MAX_INDEX_LENGTH",
            "TEMPORARY",
        ],
        rows,
    }
}

fn statistics(cat: &Catalog) -> MemTable {
    let mut rows = Vec::new();
    for tb in cat.tables.values() {
        for ix in &tb.indexes {
            for (seq, p) in ix.parts.iter().enumerate() {
                let c = &tb.columns[p.column];
                rows.push(vec![
                    t("def"),
                    t(&tb.db),
                    t(&tb.name),
                    Value::Int((ix.kind == IndexKind::Plain) as i64),
                    t(&tb.db),
                    t(&ix.name),
                    Value::Int(seq as i64 + 1),
                    t(&c.name),
                    t("A"),
                    Value::Null,
                    p.prefix.map_or(Value::Null, |n| Value::Int(n as i64)),
                    Value::Null,
                    t(if c.nullable { "YES" } else { "" }),
                    t("BTREE"),
                    Value::Text(String::new()),
                    Value::Text(String::new()),
                    t("NO"),
                ]);
            }
        }
    }
    MemTable {
        columns: vec![
            "TABLE_CATALOG",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "NON_UNIQUE",
            "INDEX_SCHEMA",
            "INDEX_NAME",
            "SEQ_IN_INDEX",
            "COLUMN_NAME",
            "COLLATION",
            "CARDINALITY",
            "SUB_PART",
            "PACKED",
            "NULLABLE",
            "INDEX_TYPE",
            "COMMENT",
            "INDEX_COMMENT",
            "IGNORED",
        ],
        rows,
    }
}
