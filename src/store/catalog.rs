//! The catalog: databases and tables as the master's DDL defined them.
//!
//! Each column also knows its *binlog layout* — the (type, metadata) pair the master's
//! TABLE_MAP gives it — because rows are stored in that very packing (see [`super::row`]):
//! a full row image from the master is stored without re-encoding, and every TABLE_MAP is
//! checked against the catalog so a divergence is reported, never stored as garbage.
//!
//! Names follow mysqld on Linux with `lower_case_table_names=0`: database and table names
//! are case-sensitive, column and index names are not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::collation;
use crate::binlog::value::column_type as ct;

/// A column's SQL type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SqlType {
    /// TINYINT.
    TinyInt,
    /// SMALLINT.
    SmallInt,
    /// MEDIUMINT.
    MediumInt,
    /// INT.
    Int,
    /// BIGINT.
    BigInt,
    /// FLOAT.
    Float,
    /// DOUBLE / REAL.
    Double,
    /// DECIMAL(precision, scale).
    Decimal(u8, u8),
    /// BIT(n).
    Bit(u32),
    /// CHAR(n), in characters.
    Char(u32),
    /// VARCHAR(n), in characters.
    Varchar(u32),
    /// BINARY(n).
    Binary(u32),
    /// VARBINARY(n).
    Varbinary(u32),
    /// TINYTEXT / TEXT / MEDIUMTEXT / LONGTEXT by length-prefix bytes (1–4).
    Text(u8),
    /// TINYBLOB / BLOB / MEDIUMBLOB / LONGBLOB by length-prefix bytes (1–4).
    Blob(u8),
    /// ENUM with its labels.
    Enum(Vec<String>),
    /// SET with its labels.
    Set(Vec<String>),
    /// YEAR.
    Year,
    /// DATE.
    Date,
    /// TIME(fsp).
    Time(u8),
    /// DATETIME(fsp).
    DateTime(u8),
    /// TIMESTAMP(fsp).
    Timestamp(u8),
    /// JSON on MariaDB: LONGTEXT with a JSON check.
    Json,
    /// JSON on MySQL: the binary JSON type.
    JsonBinary,
    /// GEOMETRY and its subtypes.
    Geometry,
}

impl SqlType {
    /// True for types that carry a character set.
    pub fn has_charset(&self) -> bool {
        matches!(
            self,
            SqlType::Char(_)
                | SqlType::Varchar(_)
                | SqlType::Text(_)
                | SqlType::Enum(_)
                | SqlType::Set(_)
                | SqlType::Json
        )
    }

    /// True for the integer types.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::MediumInt
                | SqlType::Int
                | SqlType::BigInt
        )
    }
}

/// A column's DEFAULT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DefaultValue {
    /// DEFAULT NULL.
    Null,
    /// A literal, as text (numbers unquoted, strings unescaped).
    Literal(String),
    /// An expression (CURRENT_TIMESTAMP, ...), as written.
    Expr(String),
}

/// One column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// Name as declared.
    pub name: String,
    /// SQL type.
    pub ty: SqlType,
    /// UNSIGNED (numeric types).
    pub unsigned: bool,
    /// Collation id for character types (63 = binary for the others).
    pub collation: u16,
    /// NULL allowed.
    pub nullable: bool,
    /// DEFAULT, when declared.
    pub default: Option<DefaultValue>,
    /// AUTO_INCREMENT.
    pub auto_increment: bool,
    /// `AS (expr) VIRTUAL | STORED`: the replica keeps the values the master logs, as for
    /// any other column (row images carry generated columns too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// `ON UPDATE CURRENT_TIMESTAMP`: a replayed UPDATE that changes the row and does not
    /// set the column sets it to the statement's time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_update: bool,
}

/// A generated column's definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// The expression, as the master's statement gave it.
    pub expr: String,
    /// STORED (PERSISTENT); otherwise VIRTUAL.
    pub stored: bool,
}

impl ColumnDef {
    /// The (type, metadata) the master's TABLE_MAP gives this column, which is also how the
    /// store packs its values.
    pub fn binlog_layout(&self) -> (u8, u16) {
        let mbmax = collation::by_id(self.collation).map_or(1, |c| c.mbmaxlen);
        let string = |real: u8, len: u32| -> (u8, u16) {
            // CHAR longer than 255 bytes borrows two bits of the type byte (MySQL bug #37426).
            let b0 = real ^ (((len & 0x300) >> 4) as u8);
            (ct::STRING, (b0 as u16) << 8 | (len & 0xff) as u16)
        };
        match &self.ty {
            SqlType::TinyInt => (ct::TINY, 0),
            SqlType::SmallInt => (ct::SHORT, 0),
            SqlType::MediumInt => (ct::INT24, 0),
            SqlType::Int => (ct::LONG, 0),
            SqlType::BigInt => (ct::LONGLONG, 0),
            SqlType::Float => (ct::FLOAT, 4),
            SqlType::Double => (ct::DOUBLE, 8),
            SqlType::Decimal(p, s) => (ct::NEWDECIMAL, (*p as u16) << 8 | *s as u16),
            SqlType::Bit(n) => (ct::BIT, ((n / 8) as u16) << 8 | (n % 8) as u16),
            SqlType::Char(n) => string(ct::STRING, n * mbmax),
            SqlType::Binary(n) => string(ct::STRING, *n),
            SqlType::Varchar(n) => (ct::VARCHAR, (n * mbmax).min(65535) as u16),
            SqlType::Varbinary(n) => (ct::VARCHAR, (*n).min(65535) as u16),
            SqlType::Text(p) | SqlType::Blob(p) => (ct::BLOB, *p as u16),
            SqlType::Json => (ct::BLOB, 4),
            SqlType::JsonBinary => (ct::JSON, 4),
            SqlType::Geometry => (ct::GEOMETRY, 4),
            SqlType::Enum(labels) => {
                let pack = if labels.len() < 256 { 1 } else { 2 };
                (ct::STRING, (ct::ENUM as u16) << 8 | pack)
            }
            SqlType::Set(labels) => {
                let n = labels.len().div_ceil(8) as u16;
                let pack = if n > 4 { 8 } else { n.max(1) };
                (ct::STRING, (ct::SET as u16) << 8 | pack)
            }
            SqlType::Year => (ct::YEAR, 0),
            SqlType::Date => (ct::DATE, 0),
            SqlType::Time(fsp) => (ct::TIME2, *fsp as u16),
            SqlType::DateTime(fsp) => (ct::DATETIME2, *fsp as u16),
            SqlType::Timestamp(fsp) => (ct::TIMESTAMP2, *fsp as u16),
        }
    }
}

/// Kind of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexKind {
    /// PRIMARY KEY.
    Primary,
    /// UNIQUE.
    Unique,
    /// KEY / INDEX (also FULLTEXT and SPATIAL, kept as plain ordered indexes).
    Plain,
}

/// One column of an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPart {
    /// Position of the column in the table.
    pub column: usize,
    /// Prefix length in characters (`KEY (name(10))`).
    pub prefix: Option<u32>,
}

/// One index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    /// Name (`PRIMARY` for the primary key).
    pub name: String,
    /// Kind.
    pub kind: IndexKind,
    /// Id within the table, never reused (keys of a dropped index cannot be mistaken for
    /// a new one's).
    pub id: u16,
    /// Columns.
    pub parts: Vec<KeyPart>,
}

/// One table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDef {
    /// Store id: prefixes every key of the table's rows and indexes.
    pub id: u32,
    /// Database.
    pub db: String,
    /// Name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<ColumnDef>,
    /// Indexes; the primary key, when there is one, first.
    pub indexes: Vec<IndexDef>,
    /// Table default collation.
    pub collation: u16,
    /// Next index id to hand out.
    pub next_index_id: u16,
    /// The key weights the table's keys were written with: [`KEY_FORMAT`] for a table
    /// created or rebuilt since latin1 keys take mysqld's weights, 0 before.
    #[serde(default)]
    pub key_format: u8,
    /// Names of the triggers defined on it (CREATE TRIGGER).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
    /// The triggers' definitions, in the order they fire. A name in `triggers` without
    /// one here was created before replicant kept bodies: a replayed statement on the
    /// table stops rather than differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trigger_defs: Vec<TriggerDef>,
    /// The master's storage engine when its DDL named one (ENGINE=); `None` for the
    /// default (InnoDB). Rolling back to a savepoint undoes the changes of transactional
    /// tables only, as on the master.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// For a temporary table: the master session (thread id) that created it. It is kept
    /// apart from the stored tables ([`Catalog::temporary`]), and only that session's
    /// statements see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
    /// Its FOREIGN KEY constraints (InnoDB's), in the order of their names (SHOW CREATE
    /// TABLE's order). The master never logs what their ON DELETE / ON UPDATE actions
    /// change in the referencing rows, in ROW format either: the replica's engine does
    /// it, as InnoDB does on a mysqld replica.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeyDef>,
}

/// What a foreign key does to the referencing rows when the referenced row is deleted or
/// its key updated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefAction {
    /// RESTRICT (InnoDB's default): the change is refused while rows refer to it.
    #[default]
    Restrict,
    /// CASCADE: the referencing rows are deleted, or take the new key.
    Cascade,
    /// SET NULL: the referencing columns become NULL.
    SetNull,
    /// NO ACTION: as RESTRICT in InnoDB.
    NoAction,
    /// SET DEFAULT: parsed by MariaDB, refused by InnoDB.
    SetDefault,
}

impl RefAction {
    /// The words SHOW CREATE TABLE and information_schema write for it.
    pub fn sql(self) -> &'static str {
        match self {
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET NULL",
            RefAction::NoAction => "NO ACTION",
            RefAction::SetDefault => "SET DEFAULT",
        }
    }

    /// CASCADE or SET NULL: the action changes the referencing rows.
    pub fn changes_rows(self) -> bool {
        matches!(self, RefAction::Cascade | RefAction::SetNull)
    }
}

/// A FOREIGN KEY constraint of a table (the referencing, or child, table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyDef {
    /// The constraint's name (`<table>_ibfk_<n>` when the master's DDL gave none).
    pub name: String,
    /// The referencing columns, by name.
    pub columns: Vec<String>,
    /// The referenced table's database.
    pub ref_db: String,
    /// The referenced (parent) table.
    pub ref_table: String,
    /// The referenced columns, by name, in the order of `columns`.
    pub ref_columns: Vec<String>,
    /// ON DELETE.
    pub on_delete: RefAction,
    /// ON UPDATE.
    pub on_update: RefAction,
}

/// A foreign key seen from the table it references: the referencing table and the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildKey {
    /// The referencing table's database.
    pub db: String,
    /// The referencing table.
    pub table: String,
    /// The constraint.
    pub fk: ForeignKeyDef,
}

/// A trigger: when it fires, and its body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerDef {
    /// Its name.
    pub name: String,
    /// BEFORE (else AFTER).
    pub before: bool,
    /// INSERT, UPDATE or DELETE.
    pub event: String,
    /// The body as the master logged it (`BEGIN ... END` or one statement).
    pub body: String,
}

/// The key format tables are written in now (1: latin1 collations weigh by mysqld's
/// tables, where keys used to fold ASCII case only).
pub const KEY_FORMAT: u8 = 1;

impl TableDef {
    /// True unless the master keeps the table in an engine without transactions (MyISAM,
    /// Aria, MEMORY...), whose changes a ROLLBACK leaves in place.
    pub fn transactional(&self) -> bool {
        self.engine.as_deref().is_none_or(|e| {
            ["InnoDB", "XtraDB", "RocksDB", "TokuDB", "ndbcluster", "NDB"]
                .iter()
                .any(|t| t.eq_ignore_ascii_case(e))
        })
    }

    /// True when the table's keys were written in an older format that gives a key part
    /// other weights than now (a latin1 string column): they must be rebuilt before rows
    /// are written or keys are looked up.
    pub fn keys_outdated(&self) -> bool {
        self.key_format < KEY_FORMAT
            && self.indexes.iter().any(|ix| {
                ix.parts.iter().any(|p| {
                    let c = &self.columns[p.column];
                    c.ty.has_charset()
                        && !matches!(c.ty, SqlType::Enum(_) | SqlType::Set(_))
                        && collation::by_id(c.collation).is_some_and(|c| c.latin1.is_some())
                })
            })
    }

    /// The primary key, if the table has one.
    pub fn primary(&self) -> Option<&IndexDef> {
        self.indexes
            .first()
            .filter(|i| i.kind == IndexKind::Primary)
    }

    /// Position of column `name` (case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Position of index `name` (case-insensitive).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.indexes
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(name))
    }

    /// `db.name` for messages.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.db, self.name)
    }
}

/// One database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseDef {
    /// Name.
    pub name: String,
    /// Default collation.
    pub collation: u16,
    /// The database was on the master before anything replicated created it (the `mysql`
    /// schema): `collation` is a guess, and the master's session says the real default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

/// One view: its SELECT as the master logged it (mysqld logs the definition it stores, so
/// SHOW CREATE VIEW reads the same on both) and the clauses around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewDef {
    /// Database.
    pub db: String,
    /// Name.
    pub name: String,
    /// The SELECT.
    pub definition: String,
    /// The column list given after the name (empty: the SELECT's own names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// ALGORITHM: UNDEFINED, MERGE or TEMPTABLE.
    pub algorithm: String,
    /// DEFINER as written (`` `user`@`host` ``).
    pub definer: String,
    /// SQL SECURITY: DEFINER or INVOKER.
    pub security: String,
    /// WITH CHECK OPTION: NONE, CASCADED or LOCAL.
    pub check_option: String,
    /// character_set_client when it was created.
    pub charset_client: String,
    /// collation_connection when it was created.
    pub collation_connection: String,
}

impl ViewDef {
    /// The statement SHOW CREATE VIEW shows; the name is qualified by its database when
    /// `from_db` (the session's) is another.
    pub fn create_statement(&self, from_db: Option<&str>) -> String {
        let quote = |s: &str| format!("`{}`", s.replace('`', "``"));
        let name = if from_db == Some(self.db.as_str()) {
            quote(&self.name)
        } else {
            format!("{}.{}", quote(&self.db), quote(&self.name))
        };
        let mut s = format!(
            "CREATE ALGORITHM={} DEFINER={} SQL SECURITY {} VIEW {name}",
            self.algorithm, self.definer, self.security,
        );
        if !self.columns.is_empty() {
            let cols: Vec<String> = self
                .columns
                .iter()
                .map(|c| format!("`{}`", c.replace('`', "``")))
                .collect();
            s.push_str(&format!("({})", cols.join(",")));
        }
        s.push_str(" AS ");
        s.push_str(&self.definition);
        if self.check_option != "NONE" {
            s.push_str(&format!(" WITH {} CHECK OPTION", self.check_option));
        }
        s
    }
}

/// A stored procedure or function, as the master created it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutineDef {
    /// Database.
    pub db: String,
    /// Name.
    pub name: String,
    /// PROCEDURE or FUNCTION.
    pub kind: String,
    /// `user@host`.
    pub definer: String,
    /// SHOW CREATE's text (`CREATE DEFINER=... PROCEDURE `name`(...) ...`).
    pub create: String,
    /// The body (ROUTINE_DEFINITION).
    pub body: String,
    /// A function's RETURNS type.
    pub returns: Option<String>,
    /// DETERMINISTIC.
    pub deterministic: bool,
    /// CONTAINS SQL, NO SQL, READS SQL DATA or MODIFIES SQL DATA.
    pub data_access: String,
    /// SQL SECURITY: DEFINER or INVOKER.
    pub security: String,
    /// COMMENT.
    pub comment: String,
    /// sql_mode it was created under.
    pub sql_mode: String,
    /// character_set_client it was created under.
    pub charset_client: String,
    /// collation_connection it was created under.
    pub collation_connection: String,
    /// When (seconds since the epoch: the master's statement time).
    pub created: u32,
}

/// All databases, tables and views.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Databases by name.
    pub databases: BTreeMap<String, DatabaseDef>,
    /// Tables by (database, name).
    pub tables: BTreeMap<(String, String), TableDef>,
    /// Views by (database, name).
    pub views: BTreeMap<(String, String), ViewDef>,
    /// Stored procedures and functions by (database, kind, lower-case name).
    pub routines: BTreeMap<(String, String, String), RoutineDef>,
    /// Next table id to hand out.
    pub next_table_id: u32,
    /// The master sessions' temporary tables by (thread id, database, name). Nothing but
    /// statement replay for that session sees them.
    pub temporary: BTreeMap<(u32, String, String), TableDef>,
    /// While a session's DDL runs ([`Catalog::enter_session`]): its thread id, and the
    /// stored tables its temporary tables hide.
    pub in_session: Option<(u32, Vec<TableDef>)>,
}

impl Catalog {
    /// For each table some foreign key references, by (database, name): the keys that
    /// reference it. One pass over the tables.
    pub fn references(&self) -> std::collections::HashMap<(String, String), Vec<ChildKey>> {
        let mut out: std::collections::HashMap<(String, String), Vec<ChildKey>> =
            Default::default();
        for t in self.tables.values().filter(|t| !t.foreign_keys.is_empty()) {
            for fk in &t.foreign_keys {
                out.entry((fk.ref_db.clone(), fk.ref_table.clone()))
                    .or_default()
                    .push(ChildKey {
                        db: t.db.clone(),
                        table: t.name.clone(),
                        fk: fk.clone(),
                    });
            }
        }
        out
    }

    /// The temporary tables of master session `thread`.
    pub fn temporary_of(&self, thread: u32) -> impl Iterator<Item = &TableDef> + '_ {
        self.temporary
            .range((thread, String::new(), String::new())..)
            .take_while(move |(k, _)| k.0 == thread)
            .map(|(_, t)| t)
    }

    /// Makes `tables` what master session `thread` sees, for its DDL: its temporary tables
    /// take the place of stored tables of the same names, as in mysqld, where a
    /// temporary table hides a stored one from its session (DROP TABLE drops it first,
    /// ALTER and TRUNCATE change it). [`Catalog::leave_session`] puts everything back.
    pub fn enter_session(&mut self, thread: u32) {
        let keys: Vec<_> = self
            .temporary
            .range((thread, String::new(), String::new())..)
            .take_while(|(k, _)| k.0 == thread)
            .map(|(k, _)| k.clone())
            .collect();
        let mut hidden = Vec::new();
        for k in keys {
            if let Some(t) = self.temporary.remove(&k) {
                hidden.extend(self.tables.insert((k.1, k.2), t));
            }
        }
        self.in_session = Some((thread, hidden));
    }

    /// Hides a stored table behind a temporary one the session creates.
    pub fn hide(&mut self, t: TableDef) {
        if let Some((_, hidden)) = &mut self.in_session {
            hidden.push(t);
        }
    }

    /// Takes the stored tables of database `db` that the session's temporary tables hide
    /// (DROP DATABASE drops them too); their ids.
    pub fn take_hidden_of(&mut self, db: &str) -> Vec<u32> {
        let Some((_, hidden)) = &mut self.in_session else {
            return Vec::new();
        };
        let (gone, kept): (Vec<TableDef>, Vec<TableDef>) =
            std::mem::take(hidden).into_iter().partition(|t| t.db == db);
        *hidden = kept;
        gone.into_iter().map(|t| t.id).collect()
    }

    /// Ends [`Catalog::enter_session`]: the session's temporary tables (as its DDL left
    /// them) go back apart, and the stored tables they hid come back.
    pub fn leave_session(&mut self) {
        let Some((thread, hidden)) = self.in_session.take() else {
            return;
        };
        let mine: Vec<_> = self
            .tables
            .iter()
            .filter(|(_, t)| t.session == Some(thread))
            .map(|(k, _)| k.clone())
            .collect();
        for k in mine {
            if let Some(t) = self.tables.remove(&k) {
                self.temporary.insert((thread, k.0, k.1), t);
            }
        }
        for t in hidden {
            self.tables.insert((t.db.clone(), t.name.clone()), t);
        }
    }

    /// Every mysqld has the `mysql` schema; masters create tables in it too.
    pub fn add_system_databases(&mut self) {
        self.databases
            .entry("mysql".into())
            .or_insert_with(|| DatabaseDef {
                name: "mysql".into(),
                collation: 8,
                assumed: true,
            });
    }

    /// The table `db.name`.
    pub fn table(&self, db: &str, name: &str) -> Option<&TableDef> {
        self.tables.get(&(db.to_string(), name.to_string()))
    }

    /// The tables of database `db`.
    pub fn tables_of<'c>(&'c self, db: &'c str) -> impl Iterator<Item = &'c TableDef> + 'c {
        self.tables
            .range((db.to_string(), String::new())..)
            .take_while(move |((d, _), _)| d == db)
            .map(|(_, t)| t)
    }

    /// The views of database `db`, by name.
    pub fn views_of<'c>(&'c self, db: &'c str) -> impl Iterator<Item = &'c ViewDef> + 'c {
        self.views
            .range((db.to_string(), String::new())..)
            .take_while(move |((d, _), _)| d == db)
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::value::string_real_type;

    fn col(ty: SqlType, collation: u16) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            ty,
            unsigned: false,
            collation,
            nullable: true,
            default: None,
            auto_increment: false,
            generated: None,
            on_update: false,
        }
    }

    #[test]
    fn long_char_layout_round_trips_through_the_decoder() {
        // CHAR(100) utf8mb4 = 400 bytes: the length's high bits live in the type byte.
        let (ty, meta) = col(SqlType::Char(100), 45).binlog_layout();
        assert_eq!(ty, ct::STRING);
        assert_eq!(string_real_type(meta), (ct::STRING, 400));
        let (_, meta) = col(SqlType::Char(10), 8).binlog_layout();
        assert_eq!(string_real_type(meta), (ct::STRING, 10));
        let (_, meta) = col(SqlType::Enum(vec!["a".into()]), 8).binlog_layout();
        assert_eq!(string_real_type(meta), (ct::ENUM, 1));
        let labels = (0..9).map(|i| i.to_string()).collect();
        let (_, meta) = col(SqlType::Set(labels), 8).binlog_layout();
        assert_eq!(string_real_type(meta), (ct::SET, 2));
    }

    #[test]
    fn varchar_bytes_follow_the_charset() {
        assert_eq!(
            col(SqlType::Varchar(100), 45).binlog_layout(),
            (ct::VARCHAR, 400)
        );
        assert_eq!(
            col(SqlType::Varchar(100), 33).binlog_layout(),
            (ct::VARCHAR, 300)
        );
        assert_eq!(col(SqlType::Bit(10), 63).binlog_layout(), (ct::BIT, 0x0102));
    }
}
