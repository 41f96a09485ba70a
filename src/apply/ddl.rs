//! DDL statements from QUERY events, parsed with `sqlparser` (MySQL dialect) into
//! [`DdlOp`]s: what the statement does to the catalog, with names qualified by the event's
//! default database and every column's collation resolved the way mysqld resolves it
//! (column, then table, then database, then the server's `collation_server` carried by the
//! event's status variables).
//!
//! A statement that parses but uses something replicant cannot represent yields error 1235
//! naming it; the applier then stops instead of guessing.

use sqlparser::ast::{
    self, AlterTableOperation, CreateTableLikeKind, ObjectName, ObjectType, Statement,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use crate::sqlerror::SqlError;

mod columns;
mod database;
pub mod routine;
mod text;
mod view;

use crate::store::catalog::{
    Catalog, ColumnDef, DefaultValue, ForeignKeyDef, IndexKind, RefAction,
};
use columns::*;
use text::*;

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

/// A FOREIGN KEY as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKeySpec {
    /// The constraint's name (CONSTRAINT `name`), when given.
    pub name: Option<String>,
    /// The index name given after FOREIGN KEY, when given.
    pub index_name: Option<String>,
    /// The constraint; its name is filled in when the table gets it.
    pub def: ForeignKeyDef,
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
    /// ENGINE=: the master's engine (which tables a ROLLBACK undoes).
    Engine(String),
    /// AUTO_INCREMENT=n: the counter's next value (not below the largest stored + 1).
    AutoIncrement(u64),
    /// ADD [CONSTRAINT] FOREIGN KEY.
    AddForeignKey(ForeignKeySpec),
    /// DROP FOREIGN KEY / DROP CONSTRAINT: the constraint's name (a CHECK constraint's
    /// name drops nothing here).
    DropForeignKey {
        /// Name.
        name: String,
        /// DROP CONSTRAINT (no error when no foreign key has the name).
        constraint: bool,
    },
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
    /// ALTER DATABASE: a new default collation for tables created later.
    AlterDatabase {
        /// Name.
        name: String,
        /// The new default collation (`None`: only options the store does not keep).
        collation: Option<u16>,
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
        /// FOREIGN KEY constraints.
        foreign_keys: Vec<ForeignKeySpec>,
        /// Table collation.
        collation: u16,
        /// ENGINE=, when named.
        engine: Option<String>,
        /// AUTO_INCREMENT=, when given.
        auto_increment: Option<u64>,
        /// CREATE TEMPORARY TABLE: the master session's own table.
        temporary: bool,
        /// CREATE TABLE ... SELECT: the query whose rows fill it (statement format).
        select: Option<String>,
    },
    /// CREATE TABLE ... LIKE.
    CreateTableLike {
        /// Name.
        name: TableName,
        /// Source table.
        like: TableName,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// CREATE TEMPORARY TABLE ... LIKE.
        temporary: bool,
    },
    /// DROP [TEMPORARY] TABLE.
    DropTables {
        /// Tables.
        names: Vec<TableName>,
        /// IF EXISTS.
        if_exists: bool,
        /// DROP TEMPORARY TABLE: only the session's temporary tables.
        temporary: bool,
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
    /// CREATE TRIGGER: the trigger's name recorded on its table.
    CreateTrigger {
        /// The table it is defined on.
        table: TableName,
        /// The trigger.
        def: crate::store::catalog::TriggerDef,
        /// FOLLOWS (true) or PRECEDES another trigger.
        order: Option<(bool, String)>,
    },
    /// CREATE PROCEDURE / FUNCTION.
    CreateRoutine {
        /// The routine.
        def: crate::store::catalog::RoutineDef,
        /// CREATE OR REPLACE.
        or_replace: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
    },
    /// DROP PROCEDURE / FUNCTION.
    DropRoutine {
        /// Database.
        db: String,
        /// PROCEDURE or FUNCTION.
        kind: String,
        /// Name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// DROP TRIGGER.
    DropTrigger {
        /// Its database.
        db: String,
        /// Its name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// CREATE [OR REPLACE] VIEW, ALTER VIEW.
    CreateView {
        /// The view.
        view: crate::store::catalog::ViewDef,
        /// OR REPLACE.
        or_replace: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// ALTER VIEW (the view must exist).
        alter: bool,
    },
    /// DROP VIEW.
    DropViews {
        /// The views.
        names: Vec<TableName>,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// A statement with no effect on the store (ALTER DATABASE ... UPGRADE DATA
    /// DIRECTORY NAME).
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
    /// `collation_connection` from the status variables (a view records it).
    pub collation_connection: u16,
    /// `sql_mode` from the status variables (a routine records it).
    pub sql_mode: u64,
    /// `character_set_client` (a collation id) from the status variables.
    pub charset_client: u16,
    /// The statement's time (a routine's creation time).
    pub timestamp: u32,
}

/// Parses a DDL statement.
pub fn parse(sql: &str, ctx: &DdlContext<'_>, catalog: &Catalog) -> Result<Vec<DdlOp>, SqlError> {
    let sql = mysql_spellings(&unwrap_versioned_comments(sql));
    if let Some(op) = database::alter_database(&sql, ctx)? {
        return Ok(vec![op]);
    }
    if let Some(op) = trigger(&sql, ctx)? {
        return Ok(vec![op]);
    }
    if let Some(op) = routine::routine(&sql, ctx)? {
        return Ok(vec![op]);
    }
    if let Some(op) = view::view(&sql, ctx)? {
        return Ok(vec![op]);
    }
    let (sql, options) = take_alter_table_options(&sql)?;
    let engine = options.as_ref().and_then(|(_, o)| o.engine.clone());
    let auto_increment = options.as_ref().and_then(|(_, o)| o.auto_increment);
    if let Some((head, options)) = options.filter(|_| sql.is_empty()) {
        // Only table options (which the parser does not take in ALTER TABLE): nothing but
        // the default collation and CONVERT TO can matter to the store.
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
        let mut ops = Vec::new();
        if let Some(c) = options.convert {
            let table = catalog
                .table(&name.0, &name.1)
                .ok_or_else(|| SqlError::no_such_table(&name.0, &name.1))?;
            ops.extend(convert_columns(&table.columns, c)?);
        }
        if let Some(c) = options.convert.or(options.collation) {
            ops.push(AlterOp::TableCollation(c));
        }
        ops.extend(engine.map(AlterOp::Engine));
        ops.extend(options.auto_increment.map(AlterOp::AutoIncrement));
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
    if let [DdlOp::AlterTable { ops, .. }] = out.as_mut_slice() {
        ops.extend(engine.map(AlterOp::Engine));
        ops.extend(auto_increment.map(AlterOp::AutoIncrement));
    }
    Ok(out)
}

/// CREATE [OR REPLACE] [DEFINER=...] TRIGGER [IF NOT EXISTS] [db.]name {BEFORE|AFTER}
/// {INSERT|UPDATE|DELETE} ON [db.]table ... and DROP TRIGGER [IF EXISTS] [db.]name, read
/// by their tokens (the body is not parsed: only the names are kept); `None` for other
/// statements.
fn trigger(sql: &str, ctx: &DdlContext<'_>) -> Result<Option<DdlOp>, SqlError> {
    use sqlparser::tokenizer::Token;
    let words = crate::sql::split::leading_words(sql, 12);
    let create = words.first().is_some_and(|w| w == "CREATE");
    let drop = words.first().is_some_and(|w| w == "DROP");
    if !(create || drop) || !words.iter().take(10).any(|w| w == "TRIGGER") {
        return Ok(None);
    }
    let tokens = crate::sql::parse::tokens(sql)?;
    let word = |t: &Token| match t {
        Token::Word(w) => Some((w.value.clone(), w.quote_style.is_none())),
        _ => None,
    };
    let is_kw = |t: Option<&Token>, kw: &str| {
        t.and_then(word)
            .is_some_and(|(v, bare)| bare && v.eq_ignore_ascii_case(kw))
    };
    // [db.]name starting at `i`; returns the name and the next position.
    let name_at = |i: usize| -> Option<(Option<String>, String, usize)> {
        let (a, _) = word(tokens.get(i)?)?;
        if matches!(tokens.get(i + 1), Some(Token::Period)) {
            let (b, _) = word(tokens.get(i + 2)?)?;
            Some((Some(a), b, i + 3))
        } else {
            Some((None, a, i + 1))
        }
    };
    let bad = || SqlError::not_supported("this TRIGGER statement");
    let mut i = tokens
        .iter()
        .position(|t| is_kw(Some(t), "TRIGGER"))
        .ok_or_else(bad)?
        + 1;
    let mut if_exists = false;
    if is_kw(tokens.get(i), "IF") {
        if_exists = true;
        i += if is_kw(tokens.get(i + 1), "NOT") {
            3
        } else {
            2
        };
    }
    let (db, name, next) = name_at(i).ok_or_else(bad)?;
    let default_db = || {
        ctx.db
            .map(str::to_string)
            .ok_or_else(|| SqlError::new(1046, "No database selected".into()))
    };
    if drop {
        return Ok(Some(DdlOp::DropTrigger {
            db: match db {
                Some(d) => d,
                None => default_db()?,
            },
            name,
            if_exists,
        }));
    }
    let on = (next..tokens.len())
        .find(|&j| is_kw(tokens.get(j), "ON"))
        .ok_or_else(bad)?;
    let before = is_kw(tokens.get(next), "BEFORE");
    if !before && !is_kw(tokens.get(next), "AFTER") {
        return Err(bad());
    }
    let event = tokens
        .get(next + 1)
        .and_then(word)
        .map(|(w, _)| w.to_ascii_uppercase())
        .filter(|w| matches!(w.as_str(), "INSERT" | "UPDATE" | "DELETE"))
        .ok_or_else(bad)?;
    let (tdb, table, mut k) = name_at(on + 1).ok_or_else(bad)?;
    for kw in ["FOR", "EACH", "ROW"] {
        if !is_kw(tokens.get(k), kw) {
            return Err(bad());
        }
        k += 1;
    }
    let order = if is_kw(tokens.get(k), "FOLLOWS") || is_kw(tokens.get(k), "PRECEDES") {
        let follows = is_kw(tokens.get(k), "FOLLOWS");
        let (_, other, after) = name_at(k + 1).ok_or_else(bad)?;
        k = after;
        Some((follows, other))
    } else {
        None
    };
    // The body: the text from the token at `k` on.
    let body = body_from(sql, k).ok_or_else(bad)?;
    let tdb = match tdb.or(db) {
        Some(d) => d,
        None => default_db()?,
    };
    Ok(Some(DdlOp::CreateTrigger {
        table: (tdb, table),
        def: crate::store::catalog::TriggerDef {
            name,
            before,
            event,
            body,
        },
        order,
    }))
}

/// The text of `sql` from its `k`-th token on (counting as [`crate::sql::parse::tokens`]
/// does: whitespace and `;` left out).
fn body_from(sql: &str, k: usize) -> Option<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let toks = Tokenizer::new(&MySqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let t = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::SemiColon))
        .nth(k)?;
    // Line and column (1-based, in characters) to a byte offset.
    let loc = t.span.start;
    let line_start = sql
        .split_inclusive('\n')
        .take(loc.line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    let at = sql[line_start..]
        .char_indices()
        .nth(loc.column.saturating_sub(1) as usize)
        .map_or(sql.len(), |(i, _)| line_start + i);
    Some(
        sql[at..]
            .trim_end()
            .trim_end_matches(';')
            .trim_end()
            .to_string(),
    )
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

    /// Default collation of database `db` for a new table, as mysqld takes it from the
    /// database's own options (db.opt), whatever the session's `collation_database`: what
    /// the catalog recorded at CREATE / ALTER DATABASE. For a database the catalog does not
    /// know, or only assumes (the `mysql` schema), the event's `collation_database` when
    /// `db` is its default database, else the server's.
    ///
    /// The master writes `collation_database` only when the session's differs from its
    /// default database's, so its absence does not mean "the server's" for a known one.
    fn db_collation(&self, db: &str) -> u16 {
        if let Some(d) = self.catalog.databases.get(db).filter(|d| !d.assumed) {
            return d.collation;
        }
        match self.ctx.collation_database {
            Some(c) if self.ctx.db == Some(db) => c,
            _ => self.ctx.collation_server,
        }
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
                ObjectType::Table => Ok(DdlOp::DropTables {
                    names: names
                        .iter()
                        .map(|n| self.table_name(n))
                        .collect::<Result<_, _>>()?,
                    if_exists,
                    temporary,
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
            other => Err(unsupported(format!(
                "the statement {}",
                other.to_string().chars().take(60).collect::<String>()
            ))),
        }
    }

    fn create_table(&self, ct: ast::CreateTable) -> Result<DdlOp, SqlError> {
        let name = self.table_name(&ct.name)?;
        if let Some(like) = &ct.like {
            let like = match like {
                CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l) => &l.name,
            };
            return Ok(DdlOp::CreateTableLike {
                name,
                like: self.table_name(like)?,
                if_not_exists: ct.if_not_exists,
                temporary: ct.temporary,
            });
        }
        let mut charset = None;
        let mut collate = None;
        let mut engine = None;
        let mut auto_increment = None;
        for opt in table_options(&ct.table_options) {
            if let ast::SqlOption::NamedParenthesizedList(l) = opt {
                if l.key.value.eq_ignore_ascii_case("ENGINE") {
                    engine = l.name.as_ref().map(|n| n.value.clone());
                }
            }
            if let ast::SqlOption::KeyValue { key, value } = opt {
                let k = key.to_string().to_ascii_uppercase().replace(' ', "");
                let v = value.to_string().trim_matches(['\'', '"', '`']).to_string();
                match k.as_str() {
                    "CHARSET" | "CHARACTERSET" | "DEFAULTCHARSET" | "DEFAULTCHARACTERSET" => {
                        charset = Some(v)
                    }
                    "COLLATE" | "DEFAULTCOLLATE" => collate = Some(v),
                    "AUTO_INCREMENT" => auto_increment = v.parse().ok(),
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
        let mut foreign_keys = Vec::new();
        for tc in &ct.constraints {
            if let Some(i) = constraint_index(tc)? {
                indexes.push(i);
            }
            foreign_keys.extend(self.foreign_key(tc)?);
        }
        Ok(DdlOp::CreateTable {
            name,
            if_not_exists: ct.if_not_exists,
            or_replace: ct.or_replace,
            columns,
            indexes,
            foreign_keys,
            collation,
            engine,
            auto_increment,
            temporary: ct.temporary,
            // In ROW format the master logs the table's definition without the SELECT
            // (and its rows as row events); in statement form the rows come from it.
            select: ct.query.clone().map(|mut q| {
                // Printed for the engine to read again: its literals say their escapes.
                super::replay::escape_literals(&mut *q);
                q.to_string()
            }),
        })
    }

    /// A FOREIGN KEY constraint; `None` for any other.
    fn foreign_key(&self, tc: &ast::TableConstraint) -> Result<Option<ForeignKeySpec>, SqlError> {
        let ast::TableConstraint::ForeignKey(f) = tc else {
            return Ok(None);
        };
        let (ref_db, ref_table) = self.table_name(&f.foreign_table)?;
        let action = |a: &Option<ast::ReferentialAction>| match a {
            None | Some(ast::ReferentialAction::Restrict) => RefAction::Restrict,
            Some(ast::ReferentialAction::Cascade) => RefAction::Cascade,
            Some(ast::ReferentialAction::SetNull) => RefAction::SetNull,
            Some(ast::ReferentialAction::NoAction) => RefAction::NoAction,
            Some(ast::ReferentialAction::SetDefault) => RefAction::SetDefault,
        };
        if f.columns.len() != f.referred_columns.len() {
            return Err(SqlError::new(
                1239,
                "Incorrect foreign key definition for 'foreign key without name': Key reference and table reference don't match".to_string(),
            ));
        }
        Ok(Some(ForeignKeySpec {
            name: f.name.as_ref().map(ident),
            index_name: f.index_name.as_ref().map(ident),
            def: ForeignKeyDef {
                name: String::new(),
                columns: f.columns.iter().map(ident).collect(),
                ref_db,
                ref_table,
                ref_columns: f.referred_columns.iter().map(ident).collect(),
                on_delete: action(&f.on_delete),
                on_update: action(&f.on_update),
            },
        }))
    }

    /// MODIFY (`old` = `new`) and CHANGE COLUMN.
    fn change_column(
        &self,
        old: &ast::Ident,
        new: &ast::Ident,
        data_type: &ast::DataType,
        options: Vec<ast::ColumnOption>,
        at: Option<ast::MySQLColumnPosition>,
        collation: u16,
    ) -> Result<AlterOp, SqlError> {
        let opts = plain_options(options);
        let (column, idx) = column_def(new, data_type, &opts, collation, self.ctx.mysql)?;
        if !idx.is_empty() {
            return Err(unsupported("MODIFY/CHANGE COLUMN with an inline key"));
        }
        altered_generated(&column)?;
        Ok(AlterOp::ChangeColumn {
            old: ident(old),
            column,
            position: position(at),
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
                altered_generated(&column)?;
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
            } => self.change_column(
                &col_name,
                &col_name,
                &data_type,
                options,
                column_position,
                collation,
            )?,
            A::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                column_position,
            } => self.change_column(
                &old_name,
                &new_name,
                &data_type,
                options,
                column_position,
                collation,
            )?,
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
            A::AddConstraint { constraint, .. } => {
                if let Some(fk) = self.foreign_key(&constraint)? {
                    return Ok(Some(AlterOp::AddForeignKey(fk)));
                }
                match constraint_index(&constraint)? {
                    Some(i) => AlterOp::AddIndex(i),
                    None => return Ok(None),
                }
            }
            A::DropIndex { name } => AlterOp::DropIndex(ident(&name)),
            A::DropPrimaryKey { .. } => AlterOp::DropIndex("PRIMARY".into()),
            A::DropForeignKey { name, .. } => AlterOp::DropForeignKey {
                name: ident(&name),
                constraint: false,
            },
            A::DropConstraint { name, .. } => AlterOp::DropForeignKey {
                name: ident(&name),
                constraint: true,
            },
            A::RenameTable { table_name } => {
                let n = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                AlterOp::Rename(self.table_name(&n)?)
            }
            A::AutoIncrement { value, .. } => match &value.value {
                ast::Value::Number(n, _) => AlterOp::AutoIncrement(n.parse().unwrap_or(1)),
                _ => return Ok(None),
            },
            A::Algorithm { .. } | A::Lock { .. } => return Ok(None),
            other => return Err(unsupported(format!("ALTER TABLE ... {other}"))),
        }))
    }
}

#[cfg(test)]
mod tests;

/// ALTER TABLE cannot give a generated column to rows already stored: their values would
/// have to be computed here, which the master does not log (1235 rather than wrong values).
fn altered_generated(column: &ColumnDef) -> Result<(), SqlError> {
    if column.generated.is_some() {
        return Err(unsupported(format!(
            "a generated column ({}) added or changed by ALTER TABLE",
            column.name
        )));
    }
    Ok(())
}
