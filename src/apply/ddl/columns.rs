//! Column definitions, types, defaults and key parts from the parsed statement.

use sqlparser::ast::{self, ColumnOption, DataType, Expr, TableConstraint};

use super::{ident, unsupported, IndexSpec, Position};
use crate::sqlerror::SqlError;
use crate::store::catalog::{ColumnDef, DefaultValue, Generated, IndexKind, SqlType};
use crate::store::collation;

pub(super) fn table_options(o: &ast::CreateTableOptions) -> &[ast::SqlOption] {
    match o {
        ast::CreateTableOptions::None => &[],
        ast::CreateTableOptions::With(v)
        | ast::CreateTableOptions::Options(v)
        | ast::CreateTableOptions::Plain(v)
        | ast::CreateTableOptions::TableProperties(v) => v,
    }
}

pub(super) fn plain_options(options: Vec<ColumnOption>) -> Vec<ast::ColumnOptionDef> {
    options
        .into_iter()
        .map(|option| ast::ColumnOptionDef { name: None, option })
        .collect()
}

pub(super) fn position(p: Option<ast::MySQLColumnPosition>) -> Position {
    match p {
        None => Position::Default,
        Some(ast::MySQLColumnPosition::First) => Position::First,
        Some(ast::MySQLColumnPosition::After(c)) => Position::After(ident(&c)),
    }
}

/// The collation a CHARSET / COLLATE pair names; `fallback` when neither is given.
pub(super) fn charset_collation(
    charset: Option<&str>,
    collate: Option<&str>,
    fallback: u16,
) -> Result<u16, SqlError> {
    let unknown = |what: &str, n: &str| SqlError {
        code: if what == "charset" { 1115 } else { 1273 },
        message: if what == "charset" {
            format!("Unknown character set: '{n}'")
        } else {
            format!("Unknown collation: '{n}'")
        },
    };
    if let Some(c) = collate {
        return collation::by_name(c)
            .map(|c| c.id)
            .ok_or_else(|| unknown("collation", c));
    }
    if let Some(cs) = charset {
        return collation::default_for(cs)
            .map(|c| c.id)
            .ok_or_else(|| unknown("charset", cs));
    }
    Ok(fallback)
}

pub(super) fn column_def_of(
    c: &ast::ColumnDef,
    table_collation: u16,
    mysql: bool,
) -> Result<(ColumnDef, Vec<IndexSpec>), SqlError> {
    column_def(&c.name, &c.data_type, &c.options, table_collation, mysql)
}

/// A column and the indexes its inline PRIMARY KEY / UNIQUE declares.
pub(super) fn column_def(
    name: &ast::Ident,
    data_type: &DataType,
    options: &[ast::ColumnOptionDef],
    table_collation: u16,
    mysql: bool,
) -> Result<(ColumnDef, Vec<IndexSpec>), SqlError> {
    let (mut ty, unsigned) = sql_type(data_type)?;
    if mysql && ty == SqlType::Json {
        ty = SqlType::JsonBinary;
    }
    let name = ident(name);
    let mut charset = None;
    let mut collate = None;
    let mut nullable = true;
    let mut default = None;
    let mut auto_increment = false;
    let mut generated = None;
    let mut on_update = false;
    let mut indexes = Vec::new();
    let mut unsigned = unsigned;
    for o in options {
        match &o.option {
            ColumnOption::Null => nullable = true,
            ColumnOption::NotNull => nullable = false,
            ColumnOption::Default(e) => default = Some(default_value(e)),
            ColumnOption::CharacterSet(cs) => charset = Some(cs.to_string()),
            ColumnOption::Collation(c) => collate = Some(c.to_string()),
            ColumnOption::PrimaryKey(_) => {
                nullable = false;
                indexes.push(IndexSpec {
                    name: Some("PRIMARY".into()),
                    kind: IndexKind::Primary,
                    parts: vec![(name.clone(), None)],
                });
            }
            ColumnOption::Unique(_) => indexes.push(IndexSpec {
                name: None,
                kind: IndexKind::Unique,
                parts: vec![(name.clone(), None)],
            }),
            ColumnOption::DialectSpecific(tokens) => {
                let text = tokens
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<String>()
                    .to_ascii_uppercase();
                match text.as_str() {
                    "AUTO_INCREMENT" => auto_increment = true,
                    "UNSIGNED" => unsigned = true,
                    _ => {}
                }
            }
            ColumnOption::Generated {
                generation_expr: Some(e),
                generation_expr_mode,
                ..
            } => {
                generated = Some(Generated {
                    expr: e.to_string(),
                    stored: matches!(
                        generation_expr_mode,
                        Some(ast::GeneratedExpressionMode::Stored)
                    ),
                })
            }
            ColumnOption::OnUpdate(e) => {
                let e = e.to_string().to_ascii_uppercase();
                if !["CURRENT_TIMESTAMP", "NOW(", "LOCALTIME"]
                    .iter()
                    .any(|p| e.starts_with(p))
                {
                    return Err(unsupported(format!("ON UPDATE {e} on column {name}")));
                }
                on_update = true;
            }
            ColumnOption::Generated { .. } | ColumnOption::Materialized(_) => {
                return Err(unsupported(format!("generated column {name}")))
            }
            _ => {}
        }
    }
    let collation = match &ty {
        SqlType::Json => collation::by_name("utf8mb4_bin").map_or(46, |c| c.id),
        t if t.has_charset() => {
            if charset.is_none() && collate.is_none() {
                table_collation
            } else if collate.is_none()
                && charset
                    .as_deref()
                    .and_then(collation::default_for)
                    .map(|c| c.charset)
                    == collation::by_id(table_collation).map(|c| c.charset)
            {
                // CHARSET naming the table's own character set keeps the table's collation.
                table_collation
            } else {
                charset_collation(charset.as_deref(), collate.as_deref(), table_collation)?
            }
        }
        _ => 63,
    };
    Ok((
        ColumnDef {
            name,
            ty,
            unsigned,
            collation,
            nullable,
            default,
            auto_increment,
            generated,
            on_update,
        },
        indexes,
    ))
}

pub(super) fn default_value(e: &Expr) -> DefaultValue {
    use ast::Value as V;
    match e {
        Expr::Value(v) => match &v.value {
            V::Null => DefaultValue::Null,
            V::Number(n, _) => DefaultValue::Literal(n.to_string()),
            V::SingleQuotedString(s) | V::DoubleQuotedString(s) => DefaultValue::Literal(s.clone()),
            V::Boolean(b) => DefaultValue::Literal(if *b { "1" } else { "0" }.into()),
            other => DefaultValue::Expr(other.to_string()),
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match default_value(expr) {
            DefaultValue::Literal(n) => DefaultValue::Literal(format!("-{n}")),
            _ => DefaultValue::Expr(e.to_string()),
        },
        Expr::Nested(inner) => default_value(inner),
        other => DefaultValue::Expr(other.to_string()),
    }
}

pub(super) fn index_parts(
    cols: &[ast::IndexColumn],
) -> Result<Vec<(String, Option<u32>)>, SqlError> {
    cols.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(i) => Ok((ident(i), None)),
            // `name(10)`: a prefix of the column, parsed as a call.
            Expr::Function(f) => {
                let col = f.name.to_string().trim_matches('`').to_string();
                let n = f
                    .args
                    .to_string()
                    .trim_matches(['(', ')'])
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| unsupported(format!("index part {f}")))?;
                Ok((col, Some(n)))
            }
            other => Err(unsupported(format!("index part {other}"))),
        })
        .collect()
}

pub(super) fn constraint_index(tc: &TableConstraint) -> Result<Option<IndexSpec>, SqlError> {
    let name_of = |n: &Option<ast::Ident>| n.as_ref().map(ident);
    Ok(Some(match tc {
        TableConstraint::PrimaryKey(p) => IndexSpec {
            name: Some("PRIMARY".into()),
            kind: IndexKind::Primary,
            parts: index_parts(&p.columns)?,
        },
        TableConstraint::Unique(u) => IndexSpec {
            name: name_of(&u.index_name).or_else(|| name_of(&u.name)),
            kind: IndexKind::Unique,
            parts: index_parts(&u.columns)?,
        },
        TableConstraint::Index(i) => IndexSpec {
            name: name_of(&i.name),
            kind: IndexKind::Plain,
            parts: index_parts(&i.columns)?,
        },
        TableConstraint::FulltextOrSpatial(f) => IndexSpec {
            name: name_of(&f.opt_index_name),
            kind: IndexKind::Plain,
            parts: index_parts(&f.columns)?,
        },
        _ => return Ok(None),
    }))
}

pub(super) fn len_of(l: &Option<ast::CharacterLength>, default: u32) -> Result<u32, SqlError> {
    match l {
        None => Ok(default),
        Some(ast::CharacterLength::IntegerLength { length, .. }) => {
            u32::try_from(*length).map_err(|_| unsupported(format!("a length of {length}")))
        }
        Some(ast::CharacterLength::Max) => Err(unsupported("a length of MAX")),
    }
}

pub(super) fn blob_for_len(n: Option<u64>) -> u8 {
    match n {
        None => 2,
        Some(n) if n < 256 => 1,
        Some(n) if n < 65536 => 2,
        Some(n) if n < 1 << 24 => 3,
        Some(_) => 4,
    }
}

/// The SQL type and UNSIGNED flag of a parsed data type.
pub(super) fn sql_type(dt: &DataType) -> Result<(SqlType, bool), SqlError> {
    use DataType as D;
    let decimal = |info: &ast::ExactNumberInfo| -> Result<SqlType, SqlError> {
        let (p, s) = match info {
            ast::ExactNumberInfo::None => (10, 0),
            ast::ExactNumberInfo::Precision(p) => (*p, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p, (*s).max(0) as u64),
        };
        if p > 65 || s > 38 || s > p {
            return Err(unsupported(format!("DECIMAL({p},{s})")));
        }
        Ok(SqlType::Decimal(p as u8, s as u8))
    };
    let float = |info: &ast::ExactNumberInfo| match info {
        ast::ExactNumberInfo::Precision(p) if *p > 24 => SqlType::Double,
        _ => SqlType::Float,
    };
    let fsp = |f: &Option<u64>| -> Result<u8, SqlError> {
        match f {
            None => Ok(0),
            Some(n) if *n <= 6 => Ok(*n as u8),
            Some(n) => Err(unsupported(format!("fractional seconds precision {n}"))),
        }
    };
    Ok(match dt {
        D::TinyInt(_) | D::Bool | D::Boolean => (SqlType::TinyInt, false),
        D::TinyIntUnsigned(_) | D::UTinyInt => (SqlType::TinyInt, true),
        D::SmallInt(_) | D::Int2(_) => (SqlType::SmallInt, false),
        D::SmallIntUnsigned(_) | D::Int2Unsigned(_) | D::USmallInt => (SqlType::SmallInt, true),
        D::MediumInt(_) => (SqlType::MediumInt, false),
        D::MediumIntUnsigned(_) => (SqlType::MediumInt, true),
        D::Int(_) | D::Integer(_) | D::Int4(_) => (SqlType::Int, false),
        D::IntUnsigned(_) | D::IntegerUnsigned(_) | D::Int4Unsigned(_) => (SqlType::Int, true),
        D::BigInt(_) | D::Int8(_) => (SqlType::BigInt, false),
        D::BigIntUnsigned(_) | D::Int8Unsigned(_) | D::UBigInt => (SqlType::BigInt, true),
        D::Float(i) => (float(i), false),
        D::FloatUnsigned(i) => (float(i), true),
        D::Real | D::Double(_) | D::DoublePrecision | D::Float8 => (SqlType::Double, false),
        D::RealUnsigned | D::DoubleUnsigned(_) | D::DoublePrecisionUnsigned => {
            (SqlType::Double, true)
        }
        D::Decimal(i) | D::Numeric(i) | D::Dec(i) => (decimal(i)?, false),
        D::DecimalUnsigned(i) | D::DecUnsigned(i) => (decimal(i)?, true),
        D::Bit(n) => {
            let n = n.unwrap_or(1);
            if !(1..=64).contains(&n) {
                return Err(unsupported(format!("BIT({n})")));
            }
            (SqlType::Bit(n as u32), false)
        }
        D::Char(l) | D::Character(l) => (SqlType::Char(len_of(l, 1)?), false),
        D::Varchar(l) | D::CharVarying(l) | D::CharacterVarying(l) | D::Nvarchar(l) => {
            (SqlType::Varchar(len_of(l, 0)?), false)
        }
        D::Binary(n) => (SqlType::Binary(n.unwrap_or(1) as u32), false),
        D::Varbinary(l) => match l {
            Some(ast::BinaryLength::IntegerLength { length }) => {
                (SqlType::Varbinary(*length as u32), false)
            }
            _ => return Err(unsupported("VARBINARY without a length")),
        },
        D::TinyText => (SqlType::Text(1), false),
        D::Text => (SqlType::Text(2), false),
        D::MediumText => (SqlType::Text(3), false),
        D::LongText => (SqlType::Text(4), false),
        D::TinyBlob => (SqlType::Blob(1), false),
        D::Blob(n) => (SqlType::Blob(blob_for_len(*n)), false),
        D::MediumBlob => (SqlType::Blob(3), false),
        D::LongBlob => (SqlType::Blob(4), false),
        D::Enum(members, _) => (
            SqlType::Enum(
                members
                    .iter()
                    .map(|m| match m {
                        ast::EnumMember::Name(s) | ast::EnumMember::NamedValue(s, _) => s.clone(),
                    })
                    .collect(),
            ),
            false,
        ),
        D::Set(labels) => (SqlType::Set(labels.clone()), false),
        D::Date => (SqlType::Date, false),
        D::Time(f, _) => (SqlType::Time(fsp(f)?), false),
        D::Datetime(f) => (SqlType::DateTime(fsp(f)?), false),
        D::Timestamp(f, _) => (SqlType::Timestamp(fsp(f)?), false),
        D::JSON => (SqlType::Json, false),
        D::GeometricType(_) => (SqlType::Geometry, false),
        D::Zerofill(inner) => (sql_type(inner)?.0, true),
        D::Custom(name, mods) => {
            let n = name.to_string().to_ascii_uppercase();
            match n.as_str() {
                "YEAR" => (SqlType::Year, false),
                "GEOMETRY" | "POINT" | "LINESTRING" | "POLYGON" | "MULTIPOINT"
                | "MULTILINESTRING" | "MULTIPOLYGON" | "GEOMETRYCOLLECTION" => {
                    (SqlType::Geometry, false)
                }
                "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" => {
                    let n = mods.first().and_then(|m| m.to_string().parse::<u64>().ok());
                    (SqlType::Text(blob_for_len(n)), false)
                }
                "SERIAL" => (SqlType::BigInt, true),
                _ => return Err(unsupported(format!("the column type {name}"))),
            }
        }
        other => return Err(unsupported(format!("the column type {other}"))),
    })
}

/// Character sets whose values replicant can re-encode when a column changes between them
/// (through UTF-8 text: latin1 is cp1252, ASCII and UTF-8 are themselves).
fn transcodable(charset: &str) -> bool {
    matches!(charset, "latin1" | "ascii" | "utf8mb3" | "utf8mb4")
}

/// ALTER TABLE ... CONVERT TO CHARACTER SET: every character column (CHAR, VARCHAR, the
/// TEXT types, ENUM, SET) takes `collation`, its values re-encoded. A TEXT column keeps
/// room for as many characters as before: mysqld sizes it by its old length in characters
/// (bytes / old mbmaxlen) times the new mbmaxlen, so latin1 TEXT becomes utf8mb4
/// MEDIUMTEXT. JSON stays utf8mb4_bin, as in MariaDB.
pub(super) fn convert_columns(
    columns: &[ColumnDef],
    collation: u16,
) -> Result<Vec<super::AlterOp>, SqlError> {
    let to = collation::by_id(collation).ok_or_else(|| unsupported("this collation"))?;
    let mut ops = Vec::new();
    for c in columns {
        if !c.ty.has_charset() || c.ty == SqlType::Json {
            continue;
        }
        let from = collation::by_id(c.collation)
            .ok_or_else(|| unsupported(format!("the collation of column {}", c.name)))?;
        if !transcodable(from.charset) || !transcodable(to.charset) {
            return Err(unsupported(format!(
                "CONVERT TO CHARACTER SET {} of column {} ({})",
                to.charset, c.name, from.charset
            )));
        }
        let mut column = c.clone();
        column.collation = collation;
        if let SqlType::Text(prefix) = c.ty {
            let bytes = (1u64 << (8 * u64::from(prefix))) - 1;
            let needed = bytes / u64::from(from.mbmaxlen) * u64::from(to.mbmaxlen);
            column.ty = SqlType::Text(match needed {
                0..=255 => 1,
                256..=65_535 => 2,
                65_536..=16_777_215 => 3,
                _ => 4,
            });
        }
        ops.push(super::AlterOp::ChangeColumn {
            old: c.name.clone(),
            column,
            position: Position::Default,
        });
    }
    Ok(ops)
}
