//! DDL statements from QUERY events, parsed with `sqlparser` (MySQL dialect) into
//! [`DdlOp`]s: what the statement does to the catalog, with names qualified by the event's
//! default database and every column's collation resolved the way mysqld resolves it
//! (column, then table, then database, then the server's `collation_server` carried by the
//! event's status variables).
//!
//! A statement that parses but uses something replicant cannot represent yields error 1235
//! naming it; the applier then stops instead of guessing.

use sqlparser::ast::{
    self, AlterTableOperation, ColumnOption, CreateTableLikeKind, DataType, Expr, ObjectName,
    ObjectType, Statement, TableConstraint,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::error::SqlError;
use crate::store::catalog::{Catalog, ColumnDef, DefaultValue, IndexKind, SqlType};
use crate::store::collation;

/// `(database, table)`.
pub type TableName = (String, String);

/// Where a column goes (ALTER TABLE ... FIRST / AFTER).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// Where it is (or at the end, for a new column).
    Default,
    /// First.
    First,
    /// After the named column.
    After(String),
}

/// An index as declared (columns by name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    /// Name, when given.
    pub name: Option<String>,
    /// Kind.
    pub kind: IndexKind,
    /// Column names with optional prefix lengths.
    pub parts: Vec<(String, Option<u32>)>,
}

/// One ALTER TABLE operation.
#[derive(Clone, Debug, PartialEq)]
pub enum AlterOp {
    /// ADD COLUMN.
    AddColumn {
        /// The column.
        column: ColumnDef,
        /// Where.
        position: Position,
        /// IF NOT EXISTS.
        if_not_exists: bool,
    },
    /// DROP COLUMN.
    DropColumn {
        /// Name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// CHANGE / MODIFY COLUMN: `old` becomes `column`.
    ChangeColumn {
        /// Current name.
        old: String,
        /// New definition.
        column: ColumnDef,
        /// Where.
        position: Position,
    },
    /// RENAME COLUMN.
    RenameColumn {
        /// Current name.
        old: String,
        /// New name.
        new: String,
    },
    /// ALTER COLUMN c SET DEFAULT / DROP DEFAULT.
    SetDefault {
        /// Column.
        column: String,
        /// New default (`None`: dropped).
        default: Option<DefaultValue>,
    },
    /// ADD PRIMARY KEY / UNIQUE / INDEX.
    AddIndex(IndexSpec),
    /// DROP INDEX / DROP PRIMARY KEY (name `PRIMARY`).
    DropIndex(String),
    /// RENAME TO.
    Rename(TableName),
    /// DEFAULT CHARSET / COLLATE: the default for columns added later.
    TableCollation(u16),
}

/// What a DDL statement does.
#[derive(Clone, Debug, PartialEq)]
pub enum DdlOp {
    /// CREATE DATABASE.
    CreateDatabase {
        /// Name.
        name: String,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// Default collation.
        collation: u16,
    },
    /// DROP DATABASE.
    DropDatabase {
        /// Name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// CREATE TABLE.
    CreateTable {
        /// Name.
        name: TableName,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// CREATE OR REPLACE (MariaDB).
        or_replace: bool,
        /// Columns.
        columns: Vec<ColumnDef>,
        /// Indexes.
        indexes: Vec<IndexSpec>,
        /// Table collation.
        collation: u16,
    },
    /// CREATE TABLE ... LIKE.
    CreateTableLike {
        /// Name.
        name: TableName,
        /// Source table.
        like: TableName,
        /// IF NOT EXISTS.
        if_not_exists: bool,
    },
    /// DROP TABLE.
    DropTables {
        /// Tables.
        names: Vec<TableName>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// RENAME TABLE a TO b, ...
    RenameTables(Vec<(TableName, TableName)>),
    /// TRUNCATE.
    Truncate(TableName),
    /// ALTER TABLE.
    AlterTable {
        /// Table.
        name: TableName,
        /// Operations in order.
        ops: Vec<AlterOp>,
    },
    /// A statement with no effect on the store (temporary tables, ALTER DATABASE ...).
    Nothing,
}

/// The event's context for a DDL statement.
#[derive(Clone, Debug)]
pub struct DdlContext<'a> {
    /// Default database (`USE`), if any.
    pub db: Option<&'a str>,
    /// `collation_server` from the status variables (latin1_swedish_ci when absent).
    pub collation_server: u16,
    /// `collation_database` from the status variables.
    pub collation_database: Option<u16>,
    /// The master is MySQL (its JSON is a binary type, not MariaDB's LONGTEXT).
    pub mysql: bool,
}

/// Parses a DDL statement.
pub fn parse(sql: &str, ctx: &DdlContext<'_>, catalog: &Catalog) -> Result<Vec<DdlOp>, SqlError> {
    let sql = mysql_spellings(&unwrap_versioned_comments(sql));
    let (sql, options) = take_alter_table_options(&sql)?;
    if let Some((head, collation)) = options {
        // Only table options (which the parser does not take in ALTER TABLE): nothing but
        // the default collation can matter to the store.
        let name_sql = format!("{head} ADD COLUMN replicant_probe INT");
        let p = Ddl { ctx, catalog };
        let stmts = Parser::new(&MySqlDialect {})
            .try_with_sql(&name_sql)
            .and_then(|mut p| p.parse_statements())
            .map_err(|e| SqlError::not_supported(&format!("parsing this statement ({e})")))?;
        let Some(Statement::AlterTable(at)) = stmts.into_iter().next() else {
            return Err(SqlError::not_supported("this ALTER TABLE"));
        };
        let name = p.table_name(&at.name)?;
        let ops = collation.map(AlterOp::TableCollation).into_iter().collect();
        return Ok(vec![DdlOp::AlterTable { name, ops }]);
    }
    let stmts = Parser::new(&MySqlDialect {})
        .with_recursion_limit(64)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| SqlError::not_supported(&format!("parsing this statement ({e})")))?;
    let mut out = Vec::new();
    let p = Ddl { ctx, catalog };
    for s in stmts {
        out.push(p.statement(s)?);
    }
    Ok(out)
}

/// mysqld executes the body of `/*!NNNNN ... */` and `/*M!NNNNNN ... */`; sqlparser would
/// skip them as comments, so they are opened up first.
fn unwrap_versioned_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find("/*") {
        let after = &rest[i + 2..];
        let body = after.strip_prefix('!').or_else(|| after.strip_prefix("M!"));
        match body {
            Some(body) => {
                out.push_str(&rest[..i]);
                let body = body.trim_start_matches(|c: char| c.is_ascii_digit());
                match body.find("*/") {
                    Some(end) => {
                        out.push_str(&body[..end]);
                        rest = &body[end + 2..];
                    }
                    None => {
                        out.push_str(body);
                        rest = "";
                    }
                }
            }
            None => {
                // An ordinary comment: keep it whole (quoted text cannot hold "/*!" in DDL
                // that matters here).
                let end = after.find("*/").map_or(rest.len(), |e| i + 2 + e + 2);
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Table options the parser does not accept inside ALTER TABLE; they do not change rows.
const TABLE_OPTIONS: &[&str] = &[
    "ENGINE",
    "COMMENT",
    "AUTO_INCREMENT",
    "ROW_FORMAT",
    "KEY_BLOCK_SIZE",
    "STATS_PERSISTENT",
    "STATS_AUTO_RECALC",
    "STATS_SAMPLE_PAGES",
    "AVG_ROW_LENGTH",
    "CHECKSUM",
    "PACK_KEYS",
    "MAX_ROWS",
    "MIN_ROWS",
    "DELAY_KEY_WRITE",
    "PAGE_CHECKSUM",
    "TRANSACTIONAL",
    "FORCE",
    "ENCRYPTED",
    "ENCRYPTION_KEY_ID",
    "PAGE_COMPRESSED",
    "PAGE_COMPRESSION_LEVEL",
    "INSERT_METHOD",
    "DATA",
    "INDEX",
    "TABLESPACE",
    "UNION",
    "IETF_QUOTES",
    "SEQUENCE",
];

/// Splits `s` at commas outside parentheses and quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let (mut depth, mut start, mut i) = (0i32, 0, 0);
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => {
                let q = b[i];
                i = b[i + 1..]
                    .iter()
                    .position(|&x| x == q)
                    .map_or(b.len(), |p| i + 1 + p);
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start.min(s.len())..]);
    out
}

/// For `ALTER TABLE t <ops>`: removes the table options among the ops. Returns the
/// statement left to parse, and — when nothing but options remained — the statement's
/// head (`ALTER TABLE t`) with the default collation the options set, if any.
#[allow(clippy::type_complexity)]
fn take_alter_table_options(
    sql: &str,
) -> Result<(String, Option<(String, Option<u16>)>), SqlError> {
    let words: Vec<&str> = sql.split_whitespace().take(4).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let table_at = match upper.as_slice() {
        [a, t, ..] if a == "ALTER" && t == "TABLE" => 2,
        [a, m, t, ..] if a == "ALTER" && (m == "ONLINE" || m == "IGNORE") && t == "TABLE" => 3,
        _ => return Ok((sql.to_string(), None)),
    };
    // The head runs to the end of the table name (a word, possibly `quoted`.`parts`).
    let mut pos = 0;
    for _ in 0..table_at {
        let w = sql[pos..].trim_start();
        pos = sql.len() - w.len();
        pos += w.find(char::is_whitespace).unwrap_or(w.len());
    }
    let rest = sql[pos..].trim_start();
    pos = sql.len() - rest.len();
    let b = sql.as_bytes();
    while pos < b.len() && !b[pos].is_ascii_whitespace() {
        if b[pos] == b'`' {
            pos = b[pos + 1..]
                .iter()
                .position(|&x| x == b'`')
                .map_or(b.len(), |p| pos + 1 + p);
        }
        pos += 1;
    }
    let pos = pos.min(sql.len());
    let (head, ops) = sql.split_at(pos);
    let mut kept = Vec::new();
    let mut collation = None;
    let mut removed = false;
    for op in split_top_level(ops) {
        let t = op.trim();
        let first = t
            .split(|c: char| c.is_whitespace() || c == '=')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let mut ws = t
            .split(|c: char| c.is_whitespace() || c == '=')
            .filter(|w| !w.is_empty());
        let w: Vec<String> = ws
            .by_ref()
            .take(4)
            .map(|x| x.to_ascii_uppercase())
            .collect();
        let value_after = |n: usize| {
            t.split(|c: char| c.is_whitespace() || c == '=')
                .filter(|w| !w.is_empty())
                .nth(n)
                .map(|v| v.trim_matches(['\'', '"', '`']).to_string())
        };
        let is_option = TABLE_OPTIONS.contains(&first.as_str())
            && !(first == "INDEX" || first == "FORCE" && w.len() > 1)
            && (t.contains('=') || w.len() == 2 || first == "FORCE");
        match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["CONVERT", "TO", ..] => {
                return Err(SqlError::not_supported(
                    "ALTER TABLE ... CONVERT TO CHARACTER SET",
                ))
            }
            ["DEFAULT", "CHARSET", ..] | ["CHARSET", ..] => {
                let n = if w[0] == "DEFAULT" { 2 } else { 1 };
                if let Some(v) = value_after(n) {
                    collation = Some(charset_collation(Some(&v), None, 0)?);
                }
                removed = true;
            }
            ["DEFAULT", "CHARACTER", "SET", ..] | ["CHARACTER", "SET", ..] => {
                let n = if w[0] == "DEFAULT" { 3 } else { 2 };
                if let Some(v) = value_after(n) {
                    collation = Some(charset_collation(Some(&v), None, 0)?);
                }
                removed = true;
            }
            ["DEFAULT", "COLLATE", ..] | ["COLLATE", ..] => {
                let n = if w[0] == "DEFAULT" { 2 } else { 1 };
                if let Some(v) = value_after(n) {
                    collation = Some(charset_collation(None, Some(&v), 0)?);
                }
                removed = true;
            }
            _ if is_option => removed = true,
            _ => kept.push(t),
        }
    }
    if !removed {
        return Ok((sql.to_string(), None));
    }
    if kept.is_empty() {
        return Ok((String::new(), Some((head.to_string(), collation))));
    }
    if collation.is_some() {
        return Err(SqlError::not_supported(
            "ALTER TABLE changing the default character set together with other changes",
        ));
    }
    Ok((format!("{head} {}", kept.join(", ")), None))
}

/// Rewrites MySQL spellings the parser lacks into ones it has, outside quoted text:
/// `DROP KEY` → `DROP INDEX`.
fn mysql_spellings(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut last_word_drop = false;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'\'' | b'"' | b'`') {
            let end = b[i + 1..]
                .iter()
                .position(|&x| x == c)
                .map_or(b.len(), |p| i + 1 + p + 1);
            out.push_str(&sql[i..end]);
            i = end;
            last_word_drop = false;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = b[i..]
                .iter()
                .position(|x| !(x.is_ascii_alphanumeric() || *x == b'_'))
                .map_or(b.len(), |p| i + p);
            let word = &sql[i..end];
            if last_word_drop && word.eq_ignore_ascii_case("KEY") {
                out.push_str("INDEX");
            } else {
                out.push_str(word);
            }
            last_word_drop = word.eq_ignore_ascii_case("DROP");
            i = end;
        } else {
            if !c.is_ascii_whitespace() {
                last_word_drop = false;
            }
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

struct Ddl<'a> {
    ctx: &'a DdlContext<'a>,
    catalog: &'a Catalog,
}

fn ident(i: &ast::Ident) -> String {
    i.value.clone()
}

fn unsupported(what: impl std::fmt::Display) -> SqlError {
    SqlError::not_supported(&what.to_string())
}

impl Ddl<'_> {
    fn table_name(&self, n: &ObjectName) -> Result<TableName, SqlError> {
        let parts: Vec<String> =
            n.0.iter()
                .map(|p| match p {
                    ast::ObjectNamePart::Identifier(i) => Ok(ident(i)),
                    other => Err(unsupported(format!("the name {other}"))),
                })
                .collect::<Result<_, _>>()?;
        match parts.as_slice() {
            [t] => match self.ctx.db {
                Some(db) if !db.is_empty() => Ok((db.to_string(), t.clone())),
                _ => Err(SqlError::no_db()),
            },
            [d, t] => Ok((d.clone(), t.clone())),
            _ => Err(unsupported(format!("the name {n}"))),
        }
    }

    fn db_name(n: &ObjectName) -> Result<String, SqlError> {
        match n.0.as_slice() {
            [ast::ObjectNamePart::Identifier(i)] => Ok(ident(i)),
            _ => Err(unsupported(format!("the database name {n}"))),
        }
    }

    /// Default collation of database `db` for a new table: the master says it in the
    /// event when `db` is the default database; else what the catalog recorded.
    fn db_collation(&self, db: &str) -> u16 {
        if self.ctx.db == Some(db) {
            // The master writes collation_database only when it differs from
            // collation_server.
            return self
                .ctx
                .collation_database
                .unwrap_or(self.ctx.collation_server);
        }
        if let Some(d) = self.catalog.databases.get(db) {
            return d.collation;
        }
        self.ctx.collation_server
    }

    fn statement(&self, s: Statement) -> Result<DdlOp, SqlError> {
        match s {
            Statement::CreateDatabase {
                db_name,
                if_not_exists,
                default_charset,
                default_collation,
                ..
            } => {
                let collation = charset_collation(
                    default_charset.as_deref(),
                    default_collation.as_deref(),
                    self.ctx.collation_server,
                )?;
                Ok(DdlOp::CreateDatabase {
                    name: Self::db_name(&db_name)?,
                    if_not_exists,
                    collation,
                })
            }
            Statement::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => Ok(DdlOp::CreateDatabase {
                name: schema_name.to_string().trim_matches('`').to_string(),
                if_not_exists,
                collation: self.ctx.collation_server,
            }),
            Statement::Drop {
                object_type,
                if_exists,
                names,
                temporary,
                table,
                ..
            } => match object_type {
                ObjectType::Database | ObjectType::Schema => {
                    let name = names
                        .first()
                        .ok_or_else(|| unsupported("DROP DATABASE without a name"))?;
                    Ok(DdlOp::DropDatabase {
                        name: Self::db_name(name)?,
                        if_exists,
                    })
                }
                ObjectType::Table if temporary => Ok(DdlOp::Nothing),
                ObjectType::Table => Ok(DdlOp::DropTables {
                    names: names
                        .iter()
                        .map(|n| self.table_name(n))
                        .collect::<Result<_, _>>()?,
                    if_exists,
                }),
                ObjectType::Index => {
                    let table = table.ok_or_else(|| unsupported("DROP INDEX without ON table"))?;
                    let name = names
                        .first()
                        .ok_or_else(|| unsupported("DROP INDEX without a name"))?;
                    Ok(DdlOp::AlterTable {
                        name: self.table_name(&table)?,
                        ops: vec![AlterOp::DropIndex(
                            name.to_string().trim_matches('`').to_string(),
                        )],
                    })
                }
                other => Err(unsupported(format!("DROP {other}"))),
            },
            Statement::CreateTable(ct) => self.create_table(ct),
            Statement::RenameTable(pairs) => Ok(DdlOp::RenameTables(
                pairs
                    .iter()
                    .map(|r| Ok((self.table_name(&r.old_name)?, self.table_name(&r.new_name)?)))
                    .collect::<Result<_, SqlError>>()?,
            )),
            Statement::Truncate(t) => {
                let target = t
                    .table_names
                    .first()
                    .ok_or_else(|| unsupported("TRUNCATE without a table"))?;
                Ok(DdlOp::Truncate(self.table_name(&target.name)?))
            }
            Statement::CreateIndex(ci) => {
                let name = ci
                    .name
                    .as_ref()
                    .map(|n| n.to_string().trim_matches('`').to_string());
                let kind = if ci.unique {
                    IndexKind::Unique
                } else {
                    IndexKind::Plain
                };
                Ok(DdlOp::AlterTable {
                    name: self.table_name(&ci.table_name)?,
                    ops: vec![AlterOp::AddIndex(IndexSpec {
                        name,
                        kind,
                        parts: index_parts(&ci.columns)?,
                    })],
                })
            }
            Statement::AlterTable(at) => {
                let name = self.table_name(&at.name)?;
                let table_collation = self
                    .catalog
                    .table(&name.0, &name.1)
                    .map_or_else(|| self.db_collation(&name.0), |t| t.collation);
                let mut ops = Vec::new();
                for op in at.operations {
                    if let Some(op) = self.alter_op(op, table_collation)? {
                        ops.push(op);
                    }
                }
                Ok(DdlOp::AlterTable { name, ops })
            }
            Statement::AlterSchema(_) => Ok(DdlOp::Nothing),
            other => Err(unsupported(format!(
                "the statement {}",
                other.to_string().chars().take(60).collect::<String>()
            ))),
        }
    }

    fn create_table(&self, ct: ast::CreateTable) -> Result<DdlOp, SqlError> {
        if ct.temporary {
            // Temporary tables hold no replicated data in ROW format.
            return Ok(DdlOp::Nothing);
        }
        let name = self.table_name(&ct.name)?;
        if let Some(like) = &ct.like {
            let like = match like {
                CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l) => &l.name,
            };
            return Ok(DdlOp::CreateTableLike {
                name,
                like: self.table_name(like)?,
                if_not_exists: ct.if_not_exists,
            });
        }
        let mut charset = None;
        let mut collate = None;
        for opt in table_options(&ct.table_options) {
            if let ast::SqlOption::KeyValue { key, value } = opt {
                let k = key.to_string().to_ascii_uppercase().replace(' ', "");
                let v = value.to_string().trim_matches(['\'', '"', '`']).to_string();
                match k.as_str() {
                    "CHARSET" | "CHARACTERSET" | "DEFAULTCHARSET" | "DEFAULTCHARACTERSET" => {
                        charset = Some(v)
                    }
                    "COLLATE" | "DEFAULTCOLLATE" => collate = Some(v),
                    _ => {}
                }
            }
        }
        let collation = if charset.is_none() && collate.is_none() {
            self.db_collation(&name.0)
        } else {
            charset_collation(charset.as_deref(), collate.as_deref(), 0)?
        };
        let mut columns = Vec::with_capacity(ct.columns.len());
        let mut indexes = Vec::new();
        for c in &ct.columns {
            let (col, idx) =
                column_def(&c.name, &c.data_type, &c.options, collation, self.ctx.mysql)?;
            columns.push(col);
            indexes.extend(idx);
        }
        for tc in &ct.constraints {
            if let Some(i) = constraint_index(tc)? {
                indexes.push(i);
            }
        }
        if ct.query.is_some() && columns.is_empty() {
            return Err(unsupported(
                "CREATE TABLE ... SELECT without column definitions (the master logs them in ROW format)",
            ));
        }
        Ok(DdlOp::CreateTable {
            name,
            if_not_exists: ct.if_not_exists,
            or_replace: ct.or_replace,
            columns,
            indexes,
            collation,
        })
    }

    fn alter_op(
        &self,
        op: AlterTableOperation,
        collation: u16,
    ) -> Result<Option<AlterOp>, SqlError> {
        use AlterTableOperation as A;
        Ok(Some(match op {
            A::AddColumn {
                if_not_exists,
                column_def,
                column_position,
                ..
            } => {
                let (column, idx) = column_def_of(&column_def, collation, self.ctx.mysql)?;
                if !idx.is_empty() {
                    return Err(unsupported("ADD COLUMN with an inline key"));
                }
                AlterOp::AddColumn {
                    column,
                    position: position(column_position),
                    if_not_exists,
                }
            }
            A::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                let [name] = column_names.as_slice() else {
                    return Err(unsupported("DROP COLUMN of several columns at once"));
                };
                AlterOp::DropColumn {
                    name: ident(name),
                    if_exists,
                }
            }
            A::ModifyColumn {
                col_name,
                data_type,
                options,
                column_position,
            } => {
                let opts = plain_options(options);
                let (column, idx) =
                    column_def(&col_name, &data_type, &opts, collation, self.ctx.mysql)?;
                if !idx.is_empty() {
                    return Err(unsupported("MODIFY COLUMN with an inline key"));
                }
                AlterOp::ChangeColumn {
                    old: ident(&col_name),
                    column,
                    position: position(column_position),
                }
            }
            A::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                column_position,
            } => {
                let opts = plain_options(options);
                let (column, idx) =
                    column_def(&new_name, &data_type, &opts, collation, self.ctx.mysql)?;
                if !idx.is_empty() {
                    return Err(unsupported("CHANGE COLUMN with an inline key"));
                }
                AlterOp::ChangeColumn {
                    old: ident(&old_name),
                    column,
                    position: position(column_position),
                }
            }
            A::RenameColumn {
                old_column_name,
                new_column_name,
            } => AlterOp::RenameColumn {
                old: ident(&old_column_name),
                new: ident(&new_column_name),
            },
            A::AlterColumn { column_name, op } => match op {
                ast::AlterColumnOperation::SetDefault { value } => AlterOp::SetDefault {
                    column: ident(&column_name),
                    default: Some(default_value(&value)),
                },
                ast::AlterColumnOperation::DropDefault => AlterOp::SetDefault {
                    column: ident(&column_name),
                    default: None,
                },
                other => return Err(unsupported(format!("ALTER COLUMN ... {other}"))),
            },
            A::AddConstraint { constraint, .. } => match constraint_index(&constraint)? {
                Some(i) => AlterOp::AddIndex(i),
                None => return Ok(None),
            },
            A::DropIndex { name } => AlterOp::DropIndex(ident(&name)),
            A::DropPrimaryKey { .. } => AlterOp::DropIndex("PRIMARY".into()),
            A::DropForeignKey { .. } | A::DropConstraint { .. } => return Ok(None),
            A::RenameTable { table_name } => {
                let n = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                AlterOp::Rename(self.table_name(&n)?)
            }
            A::Algorithm { .. } | A::Lock { .. } | A::AutoIncrement { .. } => return Ok(None),
            other => return Err(unsupported(format!("ALTER TABLE ... {other}"))),
        }))
    }
}

fn table_options(o: &ast::CreateTableOptions) -> &[ast::SqlOption] {
    match o {
        ast::CreateTableOptions::None => &[],
        ast::CreateTableOptions::With(v)
        | ast::CreateTableOptions::Options(v)
        | ast::CreateTableOptions::Plain(v)
        | ast::CreateTableOptions::TableProperties(v) => v,
    }
}

fn plain_options(options: Vec<ColumnOption>) -> Vec<ast::ColumnOptionDef> {
    options
        .into_iter()
        .map(|option| ast::ColumnOptionDef { name: None, option })
        .collect()
}

fn position(p: Option<ast::MySQLColumnPosition>) -> Position {
    match p {
        None => Position::Default,
        Some(ast::MySQLColumnPosition::First) => Position::First,
        Some(ast::MySQLColumnPosition::After(c)) => Position::After(ident(&c)),
    }
}

/// The collation a CHARSET / COLLATE pair names; `fallback` when neither is given.
fn charset_collation(
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

fn column_def_of(
    c: &ast::ColumnDef,
    table_collation: u16,
    mysql: bool,
) -> Result<(ColumnDef, Vec<IndexSpec>), SqlError> {
    column_def(&c.name, &c.data_type, &c.options, table_collation, mysql)
}

/// A column and the indexes its inline PRIMARY KEY / UNIQUE declares.
fn column_def(
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
        },
        indexes,
    ))
}

fn default_value(e: &Expr) -> DefaultValue {
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

fn index_parts(cols: &[ast::IndexColumn]) -> Result<Vec<(String, Option<u32>)>, SqlError> {
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

fn constraint_index(tc: &TableConstraint) -> Result<Option<IndexSpec>, SqlError> {
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

fn len_of(l: &Option<ast::CharacterLength>, default: u32) -> Result<u32, SqlError> {
    match l {
        None => Ok(default),
        Some(ast::CharacterLength::IntegerLength { length, .. }) => {
            u32::try_from(*length).map_err(|_| unsupported(format!("a length of {length}")))
        }
        Some(ast::CharacterLength::Max) => Err(unsupported("a length of MAX")),
    }
}

fn blob_for_len(n: Option<u64>) -> u8 {
    match n {
        None => 2,
        Some(n) if n < 256 => 1,
        Some(n) if n < 65536 => 2,
        Some(n) if n < 1 << 24 => 3,
        Some(_) => 4,
    }
}

/// The SQL type and UNSIGNED flag of a parsed data type.
fn sql_type(dt: &DataType) -> Result<(SqlType, bool), SqlError> {
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

#[cfg(test)]
mod tests;
