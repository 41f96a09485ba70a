//! Table metadata as mysqld shows it, from the replica's catalog: SHOW [FULL] COLUMNS /
//! DESCRIBE, SHOW CREATE TABLE, SHOW INDEX, and the column list of COM_FIELD_LIST.
//!
//! What the catalog does not keep is not invented: declared display widths other than
//! the defaults (`int(5)`), ZEROFILL, comments, `ON UPDATE`, the engine and the table's
//! AUTO_INCREMENT counter are absent from the output (docs/OPERATIONS.md).

use crate::store::catalog::{
    ColumnDef, DefaultValue, IndexDef, IndexKind, RefAction, SqlType, TableDef,
};
use crate::store::collation;

/// mysqld's COLUMN_TYPE: `int(11)`, `varchar(50)`, `decimal(10,2) unsigned`...
pub fn column_type(c: &ColumnDef) -> String {
    let int = |name: &str, signed: u32, unsigned: u32| {
        if c.unsigned {
            format!("{name}({unsigned}) unsigned")
        } else {
            format!("{name}({signed})")
        }
    };
    let with_unsigned = |s: String| if c.unsigned { s + " unsigned" } else { s };
    let fsp = |name: &str, f: u8| {
        if f == 0 {
            name.to_string()
        } else {
            format!("{name}({f})")
        }
    };
    let labels = |name: &str, l: &[String]| {
        let quoted: Vec<String> = l.iter().map(|x| quote_string(x)).collect();
        format!("{name}({})", quoted.join(","))
    };
    let sized = |base: &[&str; 4], p: u8| base[(p.clamp(1, 4) - 1) as usize].to_string();
    match &c.ty {
        SqlType::TinyInt => int("tinyint", 4, 3),
        SqlType::SmallInt => int("smallint", 6, 5),
        SqlType::MediumInt => int("mediumint", 9, 8),
        SqlType::Int => int("int", 11, 10),
        SqlType::BigInt => int("bigint", 20, 20),
        SqlType::Float => with_unsigned("float".into()),
        SqlType::Double => with_unsigned("double".into()),
        SqlType::Decimal(p, s) => with_unsigned(format!("decimal({p},{s})")),
        SqlType::Bit(n) => format!("bit({n})"),
        SqlType::Char(n) => format!("char({n})"),
        SqlType::Varchar(n) => format!("varchar({n})"),
        SqlType::Binary(n) => format!("binary({n})"),
        SqlType::Varbinary(n) => format!("varbinary({n})"),
        SqlType::Text(p) => sized(&["tinytext", "text", "mediumtext", "longtext"], *p),
        SqlType::Blob(p) => sized(&["tinyblob", "blob", "mediumblob", "longblob"], *p),
        SqlType::Enum(l) => labels("enum", l),
        SqlType::Set(l) => labels("set", l),
        SqlType::Year => "year(4)".into(),
        SqlType::Date => "date".into(),
        SqlType::Time(f) => fsp("time", *f),
        SqlType::DateTime(f) => fsp("datetime", *f),
        SqlType::Timestamp(f) => fsp("timestamp", *f),
        SqlType::Json => "longtext".into(),
        SqlType::JsonBinary => "json".into(),
        SqlType::Geometry => "geometry".into(),
    }
}

/// A string literal in mysqld's SHOW CREATE quoting.
fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An identifier in backquotes.
fn ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn is_numeric(ty: &SqlType) -> bool {
    ty.is_integer()
        || matches!(
            ty,
            SqlType::Float | SqlType::Double | SqlType::Decimal(..) | SqlType::Year
        )
}

/// An expression default as mysqld prints it (`current_timestamp()`).
fn default_expr(e: &str) -> String {
    let l = e.trim().to_ascii_lowercase();
    let base = l.trim_end_matches("()");
    if matches!(
        base,
        "current_timestamp" | "now" | "localtime" | "localtimestamp"
    ) {
        return "current_timestamp()".into();
    }
    if let Some(arg) = l
        .strip_prefix("current_timestamp(")
        .or_else(|| l.strip_prefix("now("))
    {
        return format!("current_timestamp({}", arg);
    }
    e.to_string()
}

/// The Default column of SHOW COLUMNS (`None` is NULL).
pub fn default_text(c: &ColumnDef) -> Option<String> {
    match &c.default {
        None | Some(DefaultValue::Null) => None,
        Some(DefaultValue::Literal(v)) => Some(v.clone()),
        Some(DefaultValue::Expr(e)) => Some(default_expr(e)),
    }
}

/// The Key column of SHOW COLUMNS: PRI, UNI, MUL or empty, by mysqld's rules.
pub fn key_flag(t: &TableDef, col: usize) -> &'static str {
    let first = |kind: IndexKind| {
        t.indexes
            .iter()
            .filter(|i| i.kind == kind)
            .any(|i| i.parts.first().is_some_and(|p| p.column == col))
    };
    if t.primary()
        .is_some_and(|pk| pk.parts.iter().any(|p| p.column == col))
    {
        "PRI"
    } else if t
        .indexes
        .iter()
        .any(|i| i.kind == IndexKind::Unique && i.parts.len() == 1 && i.parts[0].column == col)
    {
        "UNI"
    } else if first(IndexKind::Plain) || first(IndexKind::Unique) {
        "MUL"
    } else {
        ""
    }
}

/// SHOW [FULL] COLUMNS rows: Field, Type, [Collation,] Null, Key, Default, Extra
/// [, Privileges, Comment].
pub fn show_columns(t: &TableDef, full: bool) -> Vec<Vec<Option<String>>> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![Some(c.name.clone()), Some(column_type(c))];
            if full {
                row.push(
                    c.ty.has_charset()
                        .then(|| collation::by_id(c.collation).map(|x| x.name.to_string()))
                        .flatten(),
                );
            }
            row.push(Some(if c.nullable { "YES" } else { "NO" }.into()));
            row.push(Some(key_flag(t, i).into()));
            row.push(default_text(c));
            row.push(Some(
                match &c.generated {
                    Some(g) if g.stored => "STORED GENERATED",
                    Some(_) => "VIRTUAL GENERATED",
                    None if c.auto_increment => "auto_increment",
                    None if c.on_update => "on update current_timestamp()",
                    None => "",
                }
                .into(),
            ));
            if full {
                row.push(Some("select".into()));
                row.push(Some(String::new()));
            }
            row
        })
        .collect()
}

fn key_columns(t: &TableDef, ix: &IndexDef) -> String {
    let parts: Vec<String> = ix
        .parts
        .iter()
        .map(|p| {
            let name = ident(&t.columns[p.column].name);
            match p.prefix {
                Some(n) => format!("{name}({n})"),
                None => name,
            }
        })
        .collect();
    parts.join(",")
}

/// SHOW CREATE TABLE's statement, in MariaDB's layout, without what the catalog does not
/// keep (see the module docs), with `auto_increment`, the table's counter, as
/// `AUTO_INCREMENT=n` when it is past 1. mysqld accepts it back.
pub fn show_create_table(t: &TableDef, auto_increment: Option<u64>) -> String {
    let table_coll = collation::by_id(t.collation);
    let mut lines = Vec::with_capacity(t.columns.len() + t.indexes.len());
    for c in &t.columns {
        let mut l = format!("  {} {}", ident(&c.name), column_type(c));
        if c.ty.has_charset() {
            let coll = collation::by_id(c.collation);
            if let (Some(cc), Some(tc)) = (coll, table_coll) {
                if cc.charset != tc.charset {
                    l.push_str(&format!(
                        " CHARACTER SET {} COLLATE {}",
                        cc.charset, cc.name
                    ));
                } else if cc.id != tc.id {
                    l.push_str(&format!(" COLLATE {}", cc.name));
                }
            }
        }
        if let Some(g) = &c.generated {
            let kind = if g.stored { "STORED" } else { "VIRTUAL" };
            l.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr));
            if !c.nullable {
                l.push_str(" NOT NULL");
            }
            lines.push(l);
            continue;
        }
        let timestamp = matches!(c.ty, SqlType::Timestamp(_));
        if !c.nullable {
            l.push_str(" NOT NULL");
        } else if timestamp {
            l.push_str(" NULL");
        }
        match &c.default {
            Some(DefaultValue::Literal(v)) if is_numeric(&c.ty) && v.parse::<f64>().is_ok() => {
                l.push_str(&format!(" DEFAULT {v}"));
            }
            Some(DefaultValue::Literal(v)) => l.push_str(&format!(" DEFAULT {}", quote_string(v))),
            Some(DefaultValue::Expr(e)) => l.push_str(&format!(" DEFAULT {}", default_expr(e))),
            Some(DefaultValue::Null) => l.push_str(" DEFAULT NULL"),
            None if c.nullable && !c.auto_increment => l.push_str(" DEFAULT NULL"),
            None => {}
        }
        if c.on_update {
            l.push_str(" ON UPDATE current_timestamp()");
        }
        if c.auto_increment {
            l.push_str(" AUTO_INCREMENT");
        }
        if c.ty == SqlType::Json {
            l.push_str(&format!(" CHECK (json_valid({}))", ident(&c.name)));
        }
        lines.push(l);
    }
    for ix in &t.indexes {
        let cols = key_columns(t, ix);
        lines.push(match ix.kind {
            IndexKind::Primary => format!("  PRIMARY KEY ({cols})"),
            IndexKind::Unique => format!("  UNIQUE KEY {} ({cols})", ident(&ix.name)),
            IndexKind::Plain => format!("  KEY {} ({cols})", ident(&ix.name)),
        });
    }
    for fk in &t.foreign_keys {
        let list = |cols: &[String]| cols.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
        let parent = if fk.ref_db == t.db {
            ident(&fk.ref_table)
        } else {
            format!("{}.{}", ident(&fk.ref_db), ident(&fk.ref_table))
        };
        let mut l = format!(
            "  CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {parent} ({})",
            ident(&fk.name),
            list(&fk.columns),
            list(&fk.ref_columns)
        );
        // RESTRICT, the default, is not written.
        for (what, a) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
            if a != RefAction::Restrict {
                l.push_str(&format!(" ON {what} {}", a.sql()));
            }
        }
        lines.push(l);
    }
    let mut out = format!(
        "CREATE TABLE {} (\n{}\n)",
        ident(&t.name),
        lines.join(",\n")
    );
    if let Some(n) = auto_increment.filter(|&n| n > 1) {
        if t.columns.iter().any(|c| c.auto_increment) {
            out.push_str(&format!(" AUTO_INCREMENT={n}"));
        }
    }
    if let Some(tc) = table_coll {
        out.push_str(&format!(
            " DEFAULT CHARSET={} COLLATE={}",
            tc.charset, tc.name
        ));
    }
    out
}

/// SHOW INDEX rows: Table, Non_unique, Key_name, Seq_in_index, Column_name, Collation,
/// Cardinality, Sub_part, Packed, Null, Index_type, Comment, Index_comment, Ignored.
pub fn show_index(t: &TableDef) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    for ix in &t.indexes {
        for (seq, p) in ix.parts.iter().enumerate() {
            let c = &t.columns[p.column];
            rows.push(vec![
                Some(t.name.clone()),
                Some(
                    if ix.kind == IndexKind::Plain {
                        "1"
                    } else {
                        "0"
                    }
                    .into(),
                ),
                Some(ix.name.clone()),
                Some((seq + 1).to_string()),
                Some(c.name.clone()),
                Some("A".into()),
                // Cardinality is a statistic replicant does not keep.
                None,
                p.prefix.map(|n| n.to_string()),
                None,
                Some(if c.nullable { "YES" } else { "" }.into()),
                Some("BTREE".into()),
                Some(String::new()),
                Some(String::new()),
                Some("NO".into()),
            ]);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::KeyPart;

    fn col(name: &str, ty: SqlType, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            collation: if ty.has_charset() { 33 } else { 63 },
            ty,
            unsigned: false,
            nullable,
            default: None,
            auto_increment: false,
            generated: None,
            on_update: false,
        }
    }

    #[test]
    fn seed_table_as_mariadb_shows_it() {
        let mut id = col("id", SqlType::Int, false);
        id.auto_increment = true;
        let t = TableDef {
            id: 1,
            db: "db01".into(),
            name: "user".into(),
            columns: vec![
                id,
                col("name", SqlType::Varchar(50), false),
                col("sex", SqlType::Varchar(1), true),
            ],
            indexes: vec![IndexDef {
                name: "PRIMARY".into(),
                kind: IndexKind::Primary,
                id: 0,
                parts: vec![KeyPart {
                    column: 0,
                    prefix: None,
                }],
            }],
            collation: 33,
            next_index_id: 1,
            key_format: crate::store::catalog::KEY_FORMAT,
            triggers: Vec::new(),
            trigger_defs: Vec::new(),
            engine: None,
            session: None,
            foreign_keys: Vec::new(),
        };
        assert_eq!(
            show_create_table(&t, Some(1)),
            "CREATE TABLE `user` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `name` varchar(50) NOT NULL,\n  `sex` varchar(1) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci"
        );
        let cols = show_columns(&t, false);
        assert_eq!(
            cols[0],
            vec![
                Some("id".into()),
                Some("int(11)".into()),
                Some("NO".into()),
                Some("PRI".into()),
                None,
                Some("auto_increment".into())
            ]
        );
    }
}
