//! information_schema tables built from the catalog, for `sql::memtable`: SCHEMATA, TABLES,
//! VIEWS, COLUMNS, STATISTICS, TABLE_CONSTRAINTS, KEY_COLUMN_USAGE and
//! REFERENTIAL_CONSTRAINTS with MariaDB 10.11's columns. Statistics replicant does not keep (row
//! counts, sizes, times, cardinality) are NULL; other information_schema tables are 1235.

use super::describe::{column_type, key_flag};
use crate::sql::memtable::MemTable;
use crate::sql::value::Value;
use crate::store::catalog::{Catalog, ColumnDef, DefaultValue, IndexKind, SqlType};
use crate::store::collation;

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The information_schema table `name` (case-insensitive), `None` when not provided.
/// `auto_increment` gives a table's AUTO_INCREMENT counter by its store id.
pub fn table(
    cat: &Catalog,
    name: &str,
    auto_increment: &dyn Fn(u32) -> Option<u64>,
) -> Option<MemTable> {
    match name.to_ascii_uppercase().as_str() {
        "SCHEMATA" => Some(schemata(cat)),
        "TABLES" => Some(tables(cat, auto_increment)),
        "VIEWS" => Some(views(cat)),
        "ROUTINES" => Some(super::routines::routines_table(cat)),
        "STATISTICS" => Some(statistics(cat)),
        "COLUMNS" => Some(columns(cat)),
        "TABLE_CONSTRAINTS" => Some(table_constraints(cat)),
        "KEY_COLUMN_USAGE" => Some(key_column_usage(cat)),
        "REFERENTIAL_CONSTRAINTS" => Some(referential_constraints(cat)),
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

fn tables(cat: &Catalog, auto_increment: &dyn Fn(u32) -> Option<u64>) -> MemTable {
    // A view: its type and comment VIEW, nothing about storage.
    let views = cat.views.values().map(|v| {
        let mut r = vec![t("def"), t(&v.db), t(&v.name), t("VIEW")];
        r.extend(std::iter::repeat_n(Value::Null, 16));
        r.push(t("VIEW")); // TABLE_COMMENT
        r.push(Value::Null); // MAX_INDEX_LENGTH
        r.push(Value::Null); // TEMPORARY
        r
    });
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
            // ROW_FORMAT .. DATA_FREE: statistics replicant does not keep.
            r.extend(std::iter::repeat_n(Value::Null, 7));
            r.push(if tb.columns.iter().any(|c| c.auto_increment) {
                Value::Int(auto_increment(tb.id).unwrap_or(1).min(i64::MAX as u64) as i64)
            } else {
                Value::Null
            });
            // CREATE_TIME .. CHECK_TIME.
            r.extend(std::iter::repeat_n(Value::Null, 3));
            r.push(collation::by_id(tb.collation).map_or(Value::Null, |c| t(c.name)));
            r.push(Value::Null); // CHECKSUM
            r.push(Value::Text(String::new())); // CREATE_OPTIONS
            r.push(Value::Text(String::new())); // TABLE_COMMENT
            r.push(Value::Null); // MAX_INDEX_LENGTH
            r.push(t("N")); // TEMPORARY
            r
        })
        .chain(views)
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

/// information_schema.VIEWS. IS_UPDATABLE as mysqld judges it for the common cases: a
/// view over one table without DISTINCT, grouping, aggregates, UNION or LIMIT is.
fn views(cat: &Catalog) -> MemTable {
    let rows = cat
        .views
        .values()
        .map(|v| {
            vec![
                t("def"),
                t(&v.db),
                t(&v.name),
                t(&v.definition),
                t(&v.check_option),
                t(if updatable(&v.definition) {
                    "YES"
                } else {
                    "NO"
                }),
                t(&v.definer.replace('`', "")),
                t(&v.security),
                t(&v.charset_client),
                t(&v.collation_connection),
                t(&v.algorithm),
            ]
        })
        .collect();
    MemTable {
        columns: vec![
            "TABLE_CATALOG",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "VIEW_DEFINITION",
            "CHECK_OPTION",
            "IS_UPDATABLE",
            "DEFINER",
            "SECURITY_TYPE",
            "CHARACTER_SET_CLIENT",
            "COLLATION_CONNECTION",
            "ALGORITHM",
        ],
        rows,
    }
}

/// Whether a view's SELECT is updatable (one table; no DISTINCT, GROUP BY, HAVING,
/// aggregate, UNION or LIMIT).
fn updatable(definition: &str) -> bool {
    use sqlparser::ast::{SetExpr, Statement};
    let Ok(stmts) = crate::sql::parse::parse_statements(definition) else {
        return false;
    };
    let [Statement::Query(q)] = stmts.as_slice() else {
        return false;
    };
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return false;
    };
    let text = definition.to_ascii_uppercase();
    let aggregate = ["COUNT(", "SUM(", "AVG(", "MIN(", "MAX(", "GROUP_CONCAT("]
        .iter()
        .any(|f| text.contains(f));
    sel.from.len() == 1
        && sel.from[0].joins.is_empty()
        && sel.distinct.is_none()
        && sel.having.is_none()
        && matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(g, _) if g.is_empty())
        && q.limit_clause.is_none()
        && !aggregate
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

/// TABLE_CONSTRAINTS: primary keys, unique keys and foreign keys (CHECK constraints
/// replicant does not keep).
fn table_constraints(cat: &Catalog) -> MemTable {
    let mut rows = Vec::new();
    for tb in cat.tables.values() {
        for ix in tb.indexes.iter().filter(|ix| ix.kind != IndexKind::Plain) {
            let kind = if ix.kind == IndexKind::Primary {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            };
            rows.push(vec![
                t("def"),
                t(&tb.db),
                t(&ix.name),
                t(&tb.db),
                t(&tb.name),
                t(kind),
            ]);
        }
        for fk in &tb.foreign_keys {
            rows.push(vec![
                t("def"),
                t(&tb.db),
                t(&fk.name),
                t(&tb.db),
                t(&tb.name),
                t("FOREIGN KEY"),
            ]);
        }
    }
    MemTable {
        columns: vec![
            "CONSTRAINT_CATALOG",
            "CONSTRAINT_SCHEMA",
            "CONSTRAINT_NAME",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "CONSTRAINT_TYPE",
        ],
        rows,
    }
}

/// KEY_COLUMN_USAGE: the columns of primary, unique and foreign keys, the latter with the
/// columns they reference.
fn key_column_usage(cat: &Catalog) -> MemTable {
    let mut rows = Vec::new();
    for tb in cat.tables.values() {
        for ix in tb.indexes.iter().filter(|ix| ix.kind != IndexKind::Plain) {
            for (i, p) in ix.parts.iter().enumerate() {
                rows.push(vec![
                    t("def"),
                    t(&tb.db),
                    t(&ix.name),
                    t("def"),
                    t(&tb.db),
                    t(&tb.name),
                    t(&tb.columns[p.column].name),
                    Value::Int(i as i64 + 1),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ]);
            }
        }
        for fk in &tb.foreign_keys {
            for (i, (c, r)) in fk.columns.iter().zip(&fk.ref_columns).enumerate() {
                rows.push(vec![
                    t("def"),
                    t(&tb.db),
                    t(&fk.name),
                    t("def"),
                    t(&tb.db),
                    t(&tb.name),
                    t(c),
                    Value::Int(i as i64 + 1),
                    Value::Int(i as i64 + 1),
                    t(&fk.ref_db),
                    t(&fk.ref_table),
                    t(r),
                ]);
            }
        }
    }
    MemTable {
        columns: vec![
            "CONSTRAINT_CATALOG",
            "CONSTRAINT_SCHEMA",
            "CONSTRAINT_NAME",
            "TABLE_CATALOG",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "COLUMN_NAME",
            "ORDINAL_POSITION",
            "POSITION_IN_UNIQUE_CONSTRAINT",
            "REFERENCED_TABLE_SCHEMA",
            "REFERENCED_TABLE_NAME",
            "REFERENCED_COLUMN_NAME",
        ],
        rows,
    }
}

/// REFERENTIAL_CONSTRAINTS: each foreign key, its rules, and the referenced table's key
/// it matches (by its columns).
fn referential_constraints(cat: &Catalog) -> MemTable {
    let mut rows = Vec::new();
    for tb in cat.tables.values() {
        for fk in &tb.foreign_keys {
            let unique = cat.table(&fk.ref_db, &fk.ref_table).and_then(|p| {
                p.indexes
                    .iter()
                    .filter(|ix| {
                        ix.kind != IndexKind::Plain && ix.parts.len() == fk.ref_columns.len()
                    })
                    .find(|ix| {
                        ix.parts
                            .iter()
                            .zip(&fk.ref_columns)
                            .all(|(part, c)| p.columns[part.column].name.eq_ignore_ascii_case(c))
                    })
                    .map(|ix| ix.name.clone())
            });
            rows.push(vec![
                t("def"),
                t(&tb.db),
                t(&fk.name),
                t("def"),
                t(&fk.ref_db),
                unique.map_or(Value::Null, Value::Text),
                t("NONE"),
                t(fk.on_update.sql()),
                t(fk.on_delete.sql()),
                t(&tb.name),
                t(&fk.ref_table),
            ]);
        }
    }
    MemTable {
        columns: vec![
            "CONSTRAINT_CATALOG",
            "CONSTRAINT_SCHEMA",
            "CONSTRAINT_NAME",
            "UNIQUE_CONSTRAINT_CATALOG",
            "UNIQUE_CONSTRAINT_SCHEMA",
            "UNIQUE_CONSTRAINT_NAME",
            "MATCH_OPTION",
            "UPDATE_RULE",
            "DELETE_RULE",
            "TABLE_NAME",
            "REFERENCED_TABLE_NAME",
        ],
        rows,
    }
}

/// COLUMN_DEFAULT as MariaDB 10.2.7+ shows it: literals quoted, numbers and expressions
/// bare, `NULL` (text) for a NULL default, SQL NULL for no default.
fn column_default(c: &ColumnDef) -> Value {
    let numeric = c.ty.is_integer()
        || matches!(
            c.ty,
            SqlType::Float
                | SqlType::Double
                | SqlType::Decimal(..)
                | SqlType::Year
                | SqlType::Bit(_)
        );
    match &c.default {
        Some(DefaultValue::Null) => t("NULL"),
        None if c.nullable && !c.auto_increment => t("NULL"),
        None => Value::Null,
        Some(DefaultValue::Literal(v)) if numeric => match c.ty {
            SqlType::Decimal(_, scale) => match v.parse::<f64>() {
                // The stored value at the column's scale (DEFAULT 1.5 shows 1.50).
                Ok(x) if v.len() < 16 => t(&format!("{x:.*}", scale as usize)),
                _ => t(v),
            },
            _ => t(v),
        },
        Some(DefaultValue::Literal(v)) => t(&format!("'{}'", v.replace('\'', "''"))),
        Some(DefaultValue::Expr(_)) => {
            super::describe::default_text(c).map_or(Value::Null, |d| t(&d))
        }
    }
}

/// (DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION,
/// NUMERIC_SCALE, DATETIME_PRECISION) as MariaDB 10.11 reports them.
fn type_facts(c: &ColumnDef) -> (String, Value, Value, Value, Value, Value) {
    let mbmax = collation::by_id(c.collation).map_or(1, |x| x.mbmaxlen) as i64;
    let n = Value::Null;
    let i = |x: i64| Value::Int(x);
    let chars = |len: i64| (i(len), i(len * mbmax));
    let lob = |p: u8| {
        let len = match p {
            1 => 255,
            2 => 65_535,
            3 => 16_777_215,
            _ => 4_294_967_295,
        };
        (i(len), i(len))
    };
    let num = |p: i64| (n.clone(), n.clone(), i(p), i(0), n.clone());
    let ty = column_type(c);
    let base = ty.split(['(', ' ']).next().unwrap_or("").to_string();
    let (max, octet, prec, scale, dt) = match &c.ty {
        SqlType::TinyInt => num(3),
        SqlType::SmallInt => num(5),
        SqlType::MediumInt => num(if c.unsigned { 8 } else { 7 }),
        SqlType::Int => num(10),
        SqlType::BigInt => num(if c.unsigned { 20 } else { 19 }),
        SqlType::Decimal(p, s) => (n.clone(), n.clone(), i(*p as i64), i(*s as i64), n.clone()),
        SqlType::Float => (n.clone(), n.clone(), i(12), n.clone(), n.clone()),
        SqlType::Double => (n.clone(), n.clone(), i(22), n.clone(), n.clone()),
        SqlType::Bit(b) => (n.clone(), n.clone(), i(*b as i64), n.clone(), n.clone()),
        SqlType::Char(len) | SqlType::Varchar(len) => {
            let (a, b) = chars(*len as i64);
            (a, b, n.clone(), n.clone(), n.clone())
        }
        SqlType::Binary(len) | SqlType::Varbinary(len) => (
            i(*len as i64),
            i(*len as i64),
            n.clone(),
            n.clone(),
            n.clone(),
        ),
        SqlType::Text(p) | SqlType::Blob(p) => {
            let (a, b) = lob(*p);
            (a, b, n.clone(), n.clone(), n.clone())
        }
        SqlType::Json | SqlType::JsonBinary => {
            let (a, b) = lob(4);
            (a, b, n.clone(), n.clone(), n.clone())
        }
        SqlType::Enum(labels) => {
            let len = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as i64;
            let (a, b) = chars(len);
            (a, b, n.clone(), n.clone(), n.clone())
        }
        SqlType::Set(labels) => {
            let len = labels.iter().map(|l| l.chars().count()).sum::<usize>() as i64
                + labels.len().saturating_sub(1) as i64;
            let (a, b) = chars(len);
            (a, b, n.clone(), n.clone(), n.clone())
        }
        SqlType::Time(f) | SqlType::DateTime(f) | SqlType::Timestamp(f) => {
            (n.clone(), n.clone(), n.clone(), n.clone(), i(*f as i64))
        }
        SqlType::Year | SqlType::Date | SqlType::Geometry => {
            (n.clone(), n.clone(), n.clone(), n.clone(), n.clone())
        }
    };
    (base, max, octet, prec, scale, dt)
}

fn columns(cat: &Catalog) -> MemTable {
    let mut rows = Vec::new();
    for tb in cat.tables.values() {
        for (pos, c) in tb.columns.iter().enumerate() {
            let (data_type, max, octet, prec, scale, dt) = type_facts(c);
            let coll =
                c.ty.has_charset()
                    .then(|| collation::by_id(c.collation))
                    .flatten();
            rows.push(vec![
                t("def"),
                t(&tb.db),
                t(&tb.name),
                t(&c.name),
                Value::Int(pos as i64 + 1),
                column_default(c),
                t(if c.nullable { "YES" } else { "NO" }),
                t(&data_type),
                max,
                octet,
                prec,
                scale,
                dt,
                coll.map_or(Value::Null, |x| t(x.charset)),
                coll.map_or(Value::Null, |x| t(x.name)),
                t(&column_type(c)),
                t(key_flag(tb, pos)),
                t(if c.auto_increment {
                    "auto_increment"
                } else if c.on_update {
                    "on update current_timestamp()"
                } else {
                    ""
                }),
                // The asking account's privileges: replicant's accounts may only select.
                t("select"),
                Value::Text(String::new()),
                t("NEVER"),
                Value::Null,
            ]);
        }
    }
    MemTable {
        columns: vec![
            "TABLE_CATALOG",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "COLUMN_NAME",
            "ORDINAL_POSITION",
            "COLUMN_DEFAULT",
            "IS_NULLABLE",
            "DATA_TYPE",
            "CHARACTER_MAXIMUM_LENGTH",
            "CHARACTER_OCTET_LENGTH",
            "NUMERIC_PRECISION",
            "NUMERIC_SCALE",
            "DATETIME_PRECISION",
            "CHARACTER_SET_NAME",
            "COLLATION_NAME",
            "COLUMN_TYPE",
            "COLUMN_KEY",
            "EXTRA",
            "PRIVILEGES",
            "COLUMN_COMMENT",
            "IS_GENERATED",
            "GENERATION_EXPRESSION",
        ],
        rows,
    }
}
