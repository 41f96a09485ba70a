//! Result column metadata of stored columns: type codes, lengths, decimals, charset and
//! flags as mysqld describes them.

use super::plan::Coll;
use super::ColMeta;
use crate::binlog::value::column_type as ct;
use crate::store::catalog::{ColumnDef, IndexKind, SqlType, TableDef};
use crate::store::collation::{self};

/// A DEFAULT that is the current time (CURRENT_TIMESTAMP, NOW(), LOCALTIMESTAMP, ...).
fn is_now(d: &crate::store::catalog::DefaultValue) -> bool {
    let crate::store::catalog::DefaultValue::Expr(e) = d else {
        return false;
    };
    let e = e.trim().to_ascii_uppercase();
    ["CURRENT_TIMESTAMP", "NOW(", "LOCALTIME"]
        .iter()
        .any(|p| e.starts_with(p))
}

/// Result metadata of a stored column.
pub fn column_meta(t: &TableDef, alias: &str, i: usize) -> ColMeta {
    use crate::coldef::flags as fl;
    let c = &t.columns[i];
    let mbmax = collation::by_id(c.collation).map_or(1, |x| x.mbmaxlen);
    let binary = !c.ty.has_charset();
    let (col_type, length, decimals): (u8, u32, u8) = match &c.ty {
        SqlType::TinyInt => (ct::TINY, if c.unsigned { 3 } else { 4 }, 0),
        SqlType::SmallInt => (ct::SHORT, if c.unsigned { 5 } else { 6 }, 0),
        SqlType::MediumInt => (ct::INT24, if c.unsigned { 8 } else { 9 }, 0),
        SqlType::Int => (ct::LONG, if c.unsigned { 10 } else { 11 }, 0),
        SqlType::BigInt => (ct::LONGLONG, 20, 0),
        SqlType::Float => (ct::FLOAT, 12, 31),
        SqlType::Double => (ct::DOUBLE, 22, 31),
        SqlType::Decimal(p, s) => (
            ct::NEWDECIMAL,
            *p as u32 + (*s > 0) as u32 + (!c.unsigned) as u32,
            *s,
        ),
        SqlType::Bit(n) => (ct::BIT, *n, 0),
        SqlType::Char(n) => (ct::STRING, n * mbmax, 0),
        SqlType::Varchar(n) => (ct::VAR_STRING, n * mbmax, 0),
        SqlType::Binary(n) => (ct::STRING, *n, 0),
        SqlType::Varbinary(n) => (ct::VAR_STRING, *n, 0),
        SqlType::Text(p) | SqlType::Blob(p) => {
            let max: u64 = (1u64 << (8 * *p as u64)) - 1;
            let m = if binary { 1 } else { mbmax as u64 };
            (ct::BLOB, (max * m).min(u32::MAX as u64) as u32, 0)
        }
        SqlType::Enum(l) | SqlType::Set(l) => (
            ct::STRING,
            l.iter()
                .map(|x| x.chars().count() as u32)
                .max()
                .unwrap_or(0)
                * mbmax,
            0,
        ),
        SqlType::Year => (ct::YEAR, 4, 0),
        SqlType::Date => (ct::DATE, 10, 0),
        SqlType::Time(f) => (ct::TIME, 10 + if *f > 0 { *f as u32 + 1 } else { 0 }, *f),
        SqlType::DateTime(f) => (
            ct::DATETIME,
            19 + if *f > 0 { *f as u32 + 1 } else { 0 },
            *f,
        ),
        SqlType::Timestamp(f) => (
            ct::TIMESTAMP,
            19 + if *f > 0 { *f as u32 + 1 } else { 0 },
            *f,
        ),
        SqlType::Json => (ct::BLOB, u32::MAX, 0),
        SqlType::JsonBinary => (ct::JSON, u32::MAX, 0),
        SqlType::Geometry => (ct::GEOMETRY, u32::MAX, 0),
    };
    // The flags mysqld sends for a table's column (NUM is the client library's to add).
    let mut flags = 0u16;
    if !c.nullable {
        flags |= fl::NOT_NULL;
    }
    // BIT, YEAR and TIMESTAMP are unsigned in mysqld; YEAR is zero-filled too.
    if c.unsigned
        || matches!(
            c.ty,
            SqlType::Bit(_) | SqlType::Year | SqlType::Timestamp(_)
        )
    {
        flags |= fl::UNSIGNED;
    }
    if matches!(c.ty, SqlType::Year) {
        flags |= fl::ZEROFILL;
    }
    if c.auto_increment {
        flags |= fl::AUTO_INCREMENT;
    }
    // Binary strings, temporal values, and character strings under a binary collation
    // (clients such as mysql-connector then return bytes); numbers and BIT are not.
    let bin_collation = collation::by_id(c.collation).is_some_and(|x| x.name.ends_with("_bin"));
    let temporal = matches!(
        c.ty,
        SqlType::Date | SqlType::Time(_) | SqlType::DateTime(_) | SqlType::Timestamp(_)
    );
    let string = !matches!(
        c.ty,
        SqlType::TinyInt
            | SqlType::SmallInt
            | SqlType::MediumInt
            | SqlType::Int
            | SqlType::BigInt
            | SqlType::Float
            | SqlType::Double
            | SqlType::Decimal(..)
            | SqlType::Year
            | SqlType::Bit(_)
    ) && !temporal;
    if temporal || (string && (binary || bin_collation)) {
        flags |= fl::BINARY;
    }
    match &c.ty {
        SqlType::Text(_)
        | SqlType::Blob(_)
        | SqlType::Json
        | SqlType::JsonBinary
        | SqlType::Geometry => flags |= fl::BLOB,
        SqlType::Enum(_) => flags |= fl::ENUM,
        SqlType::Set(_) => flags |= fl::SET,
        // Set on its own (DEFAULT CURRENT_TIMESTAMP or a synonym).
        SqlType::Timestamp(_) if c.default.as_ref().is_some_and(is_now) => flags |= fl::TIMESTAMP,
        _ => {}
    }
    // NOT NULL without a default: an INSERT must name it.
    if !c.nullable && c.default.is_none() && !c.auto_increment && c.generated.is_none() {
        flags |= fl::NO_DEFAULT_VALUE;
    }
    for ix in &t.indexes {
        if let Some(p) = ix.parts.iter().position(|p| p.column == i) {
            flags |= fl::PART_KEY
                | match ix.kind {
                    IndexKind::Primary => fl::PRI_KEY,
                    IndexKind::Unique if ix.parts.len() == 1 => fl::UNIQUE_KEY,
                    _ if p == 0 => fl::MULTIPLE_KEY,
                    _ => 0,
                };
        }
    }
    ColMeta {
        schema: t.db.clone(),
        table: alias.to_string(),
        org_table: t.name.clone(),
        name: c.name.clone(),
        org_name: c.name.clone(),
        charset: if binary { 63 } else { c.collation },
        length,
        col_type,
        flags,
        decimals,
        from_values: false,
    }
}

pub(crate) fn column_coll(c: &ColumnDef) -> Coll {
    if c.ty.has_charset() {
        collation::by_id(c.collation)
    } else {
        None
    }
}

/// The column a result column makes, as mysqld makes it for CREATE TABLE ... SELECT and a
/// view's columns: a column read from a table (`source` finds it by database, table and
/// column) keeps its type, charset and NULL-ability (not its key, AUTO_INCREMENT or
/// default expression); an expression takes its result type, derived from its metadata.
pub fn column_of(
    m: &ColMeta,
    source: &dyn Fn(&str, &str, &str) -> Option<ColumnDef>,
) -> Result<ColumnDef, crate::sqlerror::SqlError> {
    use crate::coldef::flags as fl;
    if !m.org_table.is_empty() && !m.org_name.is_empty() {
        if let Some(c) = source(&m.schema, &m.org_table, &m.org_name) {
            return Ok(ColumnDef {
                name: m.name.clone(),
                auto_increment: false,
                generated: None,
                on_update: false,
                // An AUTO_INCREMENT column's copy has DEFAULT 0 (mysqld's).
                default: if c.auto_increment {
                    Some(crate::store::catalog::DefaultValue::Literal("0".into()))
                } else {
                    c.default
                        .clone()
                        .filter(|d| !matches!(d, crate::store::catalog::DefaultValue::Expr(_)))
                },
                // An aggregate or outer join over the column may give NULL.
                nullable: c.nullable || m.flags & fl::NOT_NULL == 0,
                ..c
            });
        }
    }
    let unsigned = m.flags & fl::UNSIGNED != 0;
    let mbmax = crate::store::collation::by_id(m.charset).map_or(1, |c| c.mbmaxlen.max(1));
    let chars = m.length / mbmax;
    let ty = match m.col_type {
        ct::TINY => SqlType::TinyInt,
        ct::SHORT => SqlType::SmallInt,
        ct::INT24 => SqlType::MediumInt,
        ct::LONG => SqlType::Int,
        ct::LONGLONG => SqlType::BigInt,
        ct::FLOAT => SqlType::Float,
        ct::DOUBLE => SqlType::Double,
        ct::NEWDECIMAL => {
            let point = u32::from(m.decimals > 0);
            let sign = u32::from(!unsigned);
            let precision = m.length.saturating_sub(point + sign).clamp(1, 65);
            SqlType::Decimal(precision as u8, m.decimals.min(38))
        }
        ct::DATE => SqlType::Date,
        ct::TIME => SqlType::Time(m.decimals.min(6)),
        ct::DATETIME => SqlType::DateTime(m.decimals.min(6)),
        ct::TIMESTAMP => SqlType::Timestamp(m.decimals.min(6)),
        ct::YEAR => SqlType::Year,
        // NULL: mysqld makes it BINARY(0).
        ct::NULL => SqlType::Binary(0),
        ct::VAR_STRING | ct::VARCHAR | ct::STRING | ct::BLOB => {
            let binary = m.charset == crate::coldef::BINARY_CHARSET;
            // Longer than 512 characters: a BLOB/TEXT of the size that holds it.
            if chars > 512 || m.col_type == ct::BLOB {
                let pack = match m.length {
                    0..=255 => 1,
                    256..=65_535 => 2,
                    65_536..=16_777_215 => 3,
                    _ => 4,
                };
                if binary {
                    SqlType::Blob(pack)
                } else {
                    SqlType::Text(pack)
                }
            } else if m.col_type == ct::STRING {
                if binary {
                    SqlType::Binary(chars)
                } else {
                    SqlType::Char(chars)
                }
            } else if binary {
                SqlType::Varbinary(chars)
            } else {
                SqlType::Varchar(chars)
            }
        }
        other => {
            return Err(crate::sqlerror::SqlError::not_supported(&format!(
                "CREATE TABLE ... SELECT with the column {} of type {}",
                m.name,
                ct::name(other)
            )))
        }
    };
    Ok(ColumnDef {
        name: m.name.clone(),
        unsigned: unsigned
            && matches!(
                ty,
                SqlType::TinyInt
                    | SqlType::SmallInt
                    | SqlType::MediumInt
                    | SqlType::Int
                    | SqlType::BigInt
                    | SqlType::Decimal(..)
                    | SqlType::Float
                    | SqlType::Double
            ),
        collation: if ty.has_charset() { m.charset } else { 0 },
        nullable: m.flags & fl::NOT_NULL == 0,
        default: None,
        auto_increment: false,
        generated: None,
        on_update: false,
        ty,
    })
}
