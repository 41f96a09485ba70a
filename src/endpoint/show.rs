//! SHOW statements: replication status, variables and status counters, the relay log's
//! events, processes, engines, and SHOW ... LIKE / WHERE filtering.

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::describe;
use super::session::{Reply, Session};
use super::statement::{sql_word_after, unquote};
use super::vars;
use crate::control::slave_status::{slave_status_fields, Field, StatusRow};
use crate::sql::engine;
use crate::sql::parse::{self, syntax_error, unsupported};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::wire::resultset::Column;

/// Text result columns.
pub(super) fn text_columns(names: &[&str]) -> Vec<Column> {
    names.iter().map(|n| Column::text(n, 64)).collect()
}

/// Columns of SHOW BINLOG / RELAYLOG EVENTS.
pub(super) fn events_columns() -> Vec<Column> {
    vec![
        Column::text("Log_name", 64),
        Column::bigint("Pos", true),
        Column::text("Event_type", 64),
        Column::bigint("Server_id", true),
        Column::bigint("End_log_pos", true),
        Column::text("Info", 1024),
    ]
}

/// The WHERE expression of `SHOW ... WHERE expr`, parsed.
pub(super) fn where_clause(sql: &str) -> Result<Option<sqlparser::ast::Expr>, SqlError> {
    let toks: Vec<Token> = Tokenizer::new(&MySqlDialect {}, sql)
        .tokenize()
        .map_err(|e| syntax_error(sql, &e.to_string()))?;
    let Some(at) = toks.iter().position(is_where) else {
        return Ok(None);
    };
    let rest: String = toks[at + 1..].iter().map(|t| t.to_string()).collect();
    let rest = rest.trim().trim_end_matches(';');
    parse::parse_expr(rest).map(Some)
}

pub(super) fn is_where(t: &Token) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("WHERE"))
}

/// `LIKE 'pattern'` at the end of a SHOW statement.
pub(super) fn like_pattern(sql: &str) -> Result<Option<String>, SqlError> {
    let toks = parse::tokens(sql)?;
    for (i, t) in toks.iter().enumerate() {
        // A LIKE inside a WHERE clause is the WHERE's business.
        if is_where(t) {
            break;
        }
        if matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("LIKE")) {
            return match toks.get(i + 1) {
                Some(Token::SingleQuotedString(s)) | Some(Token::DoubleQuotedString(s)) => {
                    Ok(Some(s.clone()))
                }
                _ => Err(syntax_error(sql, "Line: 1, Column: 1")),
            };
        }
    }
    Ok(None)
}

pub(super) fn default_collation(charset: &str) -> String {
    match charset {
        "latin1" => "latin1_swedish_ci".into(),
        "binary" => "binary".into(),
        "utf8" | "utf8mb3" => "utf8mb3_general_ci".into(),
        cs => format!("{cs}_general_ci"),
    }
}

/// SHOW ... LIKE: the pattern matched case-insensitively, as mysqld matches names there.
pub(super) fn like_ci(name: &str, pattern: &str) -> bool {
    crate::sql::engine::eval::like(
        name,
        pattern,
        '\\',
        Some(Some(crate::sql::value::default_collation())),
    )
}

impl Session {
    pub(super) async fn show(&mut self, sql: &str, words: &[String]) -> Result<Reply, SqlError> {
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let pattern = like_pattern(sql)?;
        let p = pattern.as_deref();
        match (w(1), w(2)) {
            ("SLAVE" | "REPLICA", "STATUS") | ("ALL", "SLAVES" | "REPLICAS") => {
                Ok(self.show_slave_status().await)
            }
            ("ENGINES", _) | ("STORAGE", "ENGINES") => Ok(show_engines()),
            ("SLAVE" | "REPLICA", "HOSTS") | ("REPLICAS", _) => self.show_slave_hosts(),
            ("MASTER" | "BINLOG", "STATUS") => self.show_master_status(),
            ("RELAYLOG", "EVENTS") => {
                // The relay log holds everything replicated, filtered databases included.
                self.require_admin("REPLICATION SLAVE ADMIN")?;
                self.log_events(sql, false).await
            }
            ("BINLOG", "EVENTS") => {
                self.require_admin("BINLOG MONITOR")?;
                self.log_events(sql, true).await
            }
            ("BINARY" | "MASTER", "LOGS") => self.show_binary_logs(),
            ("DATABASES" | "SCHEMAS", _) => self.show_databases(p),
            ("GRANTS", _) => self.show_grants(sql),
            ("TABLES", _) => self.show_tables(sql, 2, false, p),
            ("FULL", "TABLES") => self.show_tables(sql, 3, true, p),
            ("VARIABLES", _) | ("GLOBAL" | "SESSION" | "LOCAL", "VARIABLES") => {
                self.show_variables(sql, w(1) == "GLOBAL", p)
            }
            ("STATUS", _) | ("GLOBAL" | "SESSION" | "LOCAL", "STATUS") => {
                let pairs = self
                    .status_variables()
                    .await
                    .into_iter()
                    .filter(|(n, _)| matching(n, p))
                    .map(|(n, v)| (n.to_string(), v))
                    .collect();
                self.name_value_rows(sql, pairs)
            }
            ("PROCESSLIST", _) | ("FULL", "PROCESSLIST") => Ok(self.processlist(w(1) == "FULL")),
            ("COLUMNS" | "FIELDS", _) => self.describe_table(sql, 3, false, p),
            ("FULL", "COLUMNS" | "FIELDS") => self.describe_table(sql, 4, true, p),
            ("INDEX" | "INDEXES" | "KEYS", _) => Ok(show_index(&self.table_at(sql, 3)?)),
            ("CREATE", "VIEW") => self.show_create_view(sql),
            ("CREATE", kind @ ("PROCEDURE" | "FUNCTION")) => self.show_create_routine(sql, kind),
            (kind @ ("PROCEDURE" | "FUNCTION"), "STATUS") => self.show_routine_status(sql, kind, p),
            ("CREATE", "TABLE") if self.view_at(sql)?.is_some() => self.show_create_view(sql),
            ("CREATE", "TABLE") => {
                let t = self.table_at(sql, 3)?;
                let counter = self.read_view()?.auto_increment(t.id);
                Ok(Reply::Rows {
                    columns: text_columns(&["Table", "Create Table"]),
                    rows: vec![vec![
                        Some(t.name.clone()),
                        Some(describe::show_create_table(&t, counter)),
                    ]],
                })
            }
            ("CREATE", "DATABASE" | "SCHEMA") => self.show_create_database(sql),
            ("WARNINGS", _) | ("ERRORS", _) => Ok(self.show_warnings(w(1) == "ERRORS")),
            _ => Err(match parse::parse_statements(sql) {
                Err(e)
                    if !matches!(
                        w(1),
                        "CREATE"
                            | "COLUMNS"
                            | "FIELDS"
                            | "INDEX"
                            | "KEYS"
                            | "INDEXES"
                            | "FULL"
                            | "TABLE"
                    ) =>
                {
                    e
                }
                _ => unsupported(format!("SHOW {} {}", w(1), w(2)).trim()),
            }),
        }
    }

    /// SHOW SLAVE STATUS: no row when no master was ever configured.
    async fn show_slave_status(&self) -> Reply {
        let fields = self.shared.control.slave_status().await;
        // The columns (and their types) are those of a row without a master.
        let columns = slave_status_fields(None, None, false, false, 0, None)
            .iter()
            .map(|(n, v)| match v {
                Field::Num(_) => Column::bigint(n, true),
                Field::Text(_) => Column::text(n, 64),
            })
            .collect();
        let row = |f: StatusRow| {
            f.into_iter()
                .map(|(_, v)| match v {
                    Field::Text(t) => Some(t),
                    Field::Num(n) => n.map(|n| n.to_string()),
                })
                .collect()
        };
        Reply::Rows {
            columns,
            rows: fields.map(|f| vec![row(f)]).unwrap_or_default(),
        }
    }

    /// SHOW DATABASES [LIKE 'pattern'].
    fn show_databases(&self, pattern: Option<&str>) -> Result<Reply, SqlError> {
        let cat = self.catalog()?;
        let mut names: Vec<String> = std::iter::once("information_schema".to_string())
            .chain(cat.databases.keys().cloned())
            .filter(|n| matching(n, pattern))
            .collect();
        names.sort();
        let title = match pattern {
            Some(p) => format!("Database ({p})"),
            None => "Database".into(),
        };
        Ok(Reply::Rows {
            columns: vec![Column::text(&title, 64)],
            rows: names.into_iter().map(|n| vec![Some(n)]).collect(),
        })
    }

    /// SHOW [FULL] TABLES [FROM db] [LIKE 'pattern']; the word at `at` may be FROM / IN.
    fn show_tables(
        &self,
        sql: &str,
        at: usize,
        full: bool,
        pattern: Option<&str>,
    ) -> Result<Reply, SqlError> {
        let words = crate::sql::split::leading_words(sql, at + 1);
        let db = match words.get(at).map(String::as_str) {
            Some("FROM" | "IN") => unquote(sql_word_after(sql, at)?.as_str()).to_string(),
            _ => self
                .db
                .clone()
                .ok_or_else(|| SqlError::new(1046, "No database selected".into()))?,
        };
        let cat = self.catalog()?;
        if !cat.databases.contains_key(&db) {
            return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
        }
        let mut title = format!("Tables_in_{db}");
        if let Some(p) = pattern {
            title.push_str(&format!(" ({p})"));
        }
        let mut columns = vec![Column::text(&title, 64)];
        if full {
            columns.push(Column::text("Table_type", 64));
        }
        let mut names: Vec<(&str, &str)> = cat
            .tables_of(&db)
            .map(|t| (t.name.as_str(), "BASE TABLE"))
            .chain(cat.views_of(&db).map(|v| (v.name.as_str(), "VIEW")))
            .filter(|(n, _)| matching(n, pattern))
            .collect();
        names.sort();
        let rows = names
            .into_iter()
            .map(|(name, kind)| {
                let mut r = vec![Some(name.to_string())];
                if full {
                    r.push(Some(kind.into()));
                }
                r
            })
            .collect();
        Ok(Reply::Rows { columns, rows })
    }

    /// SHOW [GLOBAL | SESSION] VARIABLES [LIKE 'pattern' | WHERE ...].
    fn show_variables(
        &mut self,
        sql: &str,
        global: bool,
        pattern: Option<&str>,
    ) -> Result<Reply, SqlError> {
        let globals = self.globals();
        let pairs: Vec<(String, String)> = globals
            .iter()
            .filter(|(n, _)| matching(n, pattern))
            .map(|(n, (_, v))| {
                let v = if global {
                    v
                } else {
                    self.vars.get(n).unwrap_or(v)
                };
                (n.to_string(), vars::show_value(n, v))
            })
            .collect();
        self.name_value_rows(sql, pairs)
    }

    /// The view SHOW CREATE TABLE / VIEW names (the name at word 3), if it is one.
    fn view_at(&self, sql: &str) -> Result<Option<crate::store::catalog::ViewDef>, SqlError> {
        let key = self.name_at(sql, 3)?;
        Ok(self.catalog()?.views.get(&key).cloned())
    }

    /// SHOW CREATE VIEW (and SHOW CREATE TABLE of a view): mysqld's four columns. A name
    /// that is a table is 1347 for SHOW CREATE VIEW.
    fn show_create_view(&self, sql: &str) -> Result<Reply, SqlError> {
        let Some(v) = self.view_at(sql)? else {
            let t = self.table_at(sql, 3)?;
            return Err(SqlError::new(
                1347,
                format!("'{}.{}' is not of type 'VIEW'", t.db, t.name),
            ));
        };
        Ok(Reply::Rows {
            columns: text_columns(&[
                "View",
                "Create View",
                "character_set_client",
                "collation_connection",
            ]),
            rows: vec![vec![
                Some(v.name.clone()),
                Some(v.create_statement(self.db.as_deref())),
                Some(v.charset_client.clone()),
                Some(v.collation_connection.clone()),
            ]],
        })
    }

    /// SHOW CREATE DATABASE name.
    fn show_create_database(&self, sql: &str) -> Result<Reply, SqlError> {
        let name = unquote(sql_word_after(sql, 2)?.as_str()).to_string();
        let cat = self.catalog()?;
        let Some(d) = cat.databases.get(&name) else {
            return Err(SqlError::new(1049, format!("Unknown database '{name}'")));
        };
        let text = match crate::store::collation::by_id(d.collation) {
            Some(c) => format!(
                "CREATE DATABASE `{name}` /*!40100 DEFAULT CHARACTER SET {} COLLATE {} */",
                c.charset, c.name
            ),
            None => format!("CREATE DATABASE `{name}`"),
        };
        Ok(Reply::Rows {
            columns: text_columns(&["Database", "Create Database"]),
            rows: vec![vec![Some(name), Some(text)]],
        })
    }

    /// SHOW WARNINGS / SHOW ERRORS: the previous statement's conditions.
    fn show_warnings(&self, errors_only: bool) -> Reply {
        let rows = self
            .conditions
            .iter()
            .filter(|c| !errors_only || c.level == "Error")
            .map(|c| {
                vec![
                    Some(c.level.to_string()),
                    Some(c.error.code.to_string()),
                    Some(c.error.message.clone()),
                ]
            })
            .collect();
        Reply::Rows {
            columns: vec![
                Column::text("Level", 7),
                Column::bigint("Code", true),
                Column::text("Message", 512),
            ],
            rows,
        }
    }

    /// SHOW RELAYLOG EVENTS (`binlog` false) or SHOW BINLOG EVENTS [IN 'file'] [FROM pos]
    /// [LIMIT [offset,] count].
    pub(super) async fn log_events(&self, sql: &str, binlog: bool) -> Result<Reply, SqlError> {
        let what = if binlog { "BINLOG" } else { "RELAYLOG" };
        let toks = parse::tokens(sql)?;
        let kw = |i: usize, k: &str| matches!(toks.get(i), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case(k));
        let num = |i: usize| match toks.get(i) {
            Some(Token::Number(n, _)) => n
                .parse::<u64>()
                .map_err(|_| syntax_error(sql, "Line: 1, Column: 1")),
            _ => Err(syntax_error(sql, "Line: 1, Column: 1")),
        };
        let (mut file, mut from, mut offset, mut limit) = (None, None, 0usize, None);
        let mut i = 3;
        while i < toks.len() {
            if kw(i, "IN") {
                match toks.get(i + 1) {
                    Some(Token::SingleQuotedString(f)) | Some(Token::DoubleQuotedString(f)) => {
                        file = Some(f.clone())
                    }
                    _ => return Err(syntax_error(sql, "Line: 1, Column: 1")),
                }
                i += 2;
            } else if kw(i, "FROM") {
                from = Some(num(i + 1)?);
                i += 2;
            } else if kw(i, "LIMIT") {
                let a = num(i + 1)? as usize;
                if toks.get(i + 2) == Some(&Token::Comma) {
                    offset = a;
                    limit = Some(num(i + 3)? as usize);
                    i += 4;
                } else {
                    limit = Some(a);
                    i += 2;
                }
            } else if kw(i, "FOR") {
                // FOR CHANNEL '' (MySQL) names the only connection there is.
                i += 3;
            } else {
                return Err(syntax_error(sql, "Line: 1, Column: 1"));
            }
        }
        let (dir, base) = if binlog {
            match &self.shared.cfg.binlog {
                Some(b) => crate::logbin::location(&self.shared.cfg.datadir, &b.name),
                // mysqld with log_bin off shows nothing.
                None => {
                    return Ok(Reply::Rows {
                        columns: events_columns(),
                        rows: Vec::new(),
                    })
                }
            }
        } else {
            let opts = crate::relay::RelayOptions::from_config(&self.shared.cfg);
            (opts.dir, opts.base)
        };
        let file = match file {
            Some(f) => f,
            None => {
                let index = crate::relay::RelayIndex::read(&dir, &base)
                    .map_err(|e| SqlError::new(1105, e.to_string()))?;
                match index.files().first() {
                    Some(f) => f.trim_start_matches("./").to_string(),
                    None => {
                        return Ok(Reply::Rows {
                            columns: events_columns(),
                            rows: Vec::new(),
                        })
                    }
                }
            }
        };
        let name = std::path::Path::new(&file)
            .file_name()
            .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
        let path = dir.join(&name);
        if !path.exists() {
            return Err(SqlError::new(
                1220,
                format!(
                    "Error when executing command SHOW {what} EVENTS: Could not find target log"
                ),
            ));
        }
        let rows =
            crate::inspect::events::read_events(&path, from, offset, limit).map_err(|e| {
                SqlError::new(
                    1220,
                    format!("Error when executing command SHOW {what} EVENTS: {e}"),
                )
            })?;
        Ok(Reply::Rows {
            columns: events_columns(),
            rows: rows
                .into_iter()
                .map(|r| {
                    vec![
                        Some(name.clone()),
                        Some(r.pos.to_string()),
                        Some(r.event_type),
                        Some(r.server_id.to_string()),
                        Some(r.end_log_pos.to_string()),
                        Some(r.info),
                    ]
                })
                .collect(),
        })
    }

    /// A Variable_name / Value result, filtered by the statement's WHERE clause if any.
    pub(super) fn name_value_rows(
        &mut self,
        sql: &str,
        pairs: Vec<(String, String)>,
    ) -> Result<Reply, SqlError> {
        let table = crate::sql::memtable::MemTable {
            columns: vec!["Variable_name", "Value"],
            rows: pairs
                .into_iter()
                .map(|(n, v)| vec![Value::Text(n), Value::Text(v)])
                .collect(),
        };
        let kept = match where_clause(sql)? {
            Some(filter) => self.without_snapshot(|s| {
                s.with_engine(sql, |cx| engine::filter_rows(table, &filter, cx))
            })?,
            None => table.rows,
        };
        let rows = kept
            .iter()
            .map(|row| row.iter().map(Value::render).collect())
            .collect();
        Ok(Reply::Rows {
            columns: text_columns(&["Variable_name", "Value"]),
            rows,
        })
    }

    pub(super) async fn status_variables(&self) -> Vec<(&'static str, String)> {
        use std::sync::atomic::Ordering::Relaxed;
        let sh = &self.shared;
        let running = sh.control.running().await;
        let q = sh.questions.load(Relaxed).to_string();
        vec![
            (
                "Connection_errors_max_connections",
                sh.refused.load(Relaxed).to_string(),
            ),
            ("Connections", sh.connections.load(Relaxed).to_string()),
            ("Queries", q.clone()),
            ("Questions", q),
            (
                "Slave_running",
                if running.io && running.sql {
                    "ON"
                } else {
                    "OFF"
                }
                .into(),
            ),
            (
                "Replicant_system_table_events_ignored",
                sh.control.system_ignored().to_string(),
            ),
            ("Threads_connected", sh.connected().to_string()),
            ("Threads_running", "1".into()),
            ("Uptime", sh.started.elapsed().as_secs().to_string()),
        ]
    }

    pub(super) fn processlist(&self, full: bool) -> Reply {
        let list: Vec<(u32, super::ProcessInfo)> = self
            .shared
            .sessions
            .lock()
            .map(|s| {
                s.iter()
                    .filter_map(|(id, p)| p.lock().ok().map(|p| (*id, p.clone())))
                    .collect()
            })
            .unwrap_or_default();
        // Without admin rights (mysqld: PROCESS) a user sees only its own sessions.
        let admin = self.require_admin("PROCESS").is_ok();
        let rows = list
            .into_iter()
            .filter(|(_, p)| admin || p.user == self.user)
            .map(|(id, p)| {
                let info = p.info.map(|i| {
                    if full {
                        i
                    } else {
                        i.chars().take(100).collect()
                    }
                });
                vec![
                    Some(id.to_string()),
                    Some(p.user),
                    Some(p.host),
                    p.db,
                    Some(p.command.to_string()),
                    Some(p.since.map_or(0, |s| s.elapsed().as_secs()).to_string()),
                    Some(String::new()),
                    info,
                    Some("0.000".into()),
                ]
            })
            .collect();
        Reply::Rows {
            columns: vec![
                Column::bigint("Id", true),
                Column::text("User", 128),
                Column::text("Host", 64),
                Column::text("db", 64),
                Column::text("Command", 16),
                Column::bigint("Time", false),
                Column::text("State", 64),
                Column::text("Info", 100),
                Column::text("Progress", 8),
            ],
            rows,
        }
    }
}

/// Whether `name` matches SHOW's LIKE pattern (every name when there is none).
fn matching(name: &str, pattern: Option<&str>) -> bool {
    pattern.is_none_or(|p| like_ci(name, p))
}

/// SHOW ENGINES: one engine holds every table, the store.
fn show_engines() -> Reply {
    Reply::Rows {
        columns: text_columns(&[
            "Engine",
            "Support",
            "Comment",
            "Transactions",
            "XA",
            "Savepoints",
        ]),
        rows: vec![[
            "ROCKSDB",
            "DEFAULT",
            "replicant's store: RocksDB, one write batch per master transaction",
            "YES",
            "NO",
            "NO",
        ]
        .iter()
        .map(|v| Some(v.to_string()))
        .collect()],
    }
}

/// SHOW INDEX of a table.
fn show_index(t: &crate::store::catalog::TableDef) -> Reply {
    Reply::Rows {
        columns: vec![
            Column::text("Table", 64),
            Column::bigint("Non_unique", false),
            Column::text("Key_name", 64),
            Column::bigint("Seq_in_index", true),
            Column::text("Column_name", 64),
            Column::text("Collation", 1),
            Column::bigint("Cardinality", false),
            Column::bigint("Sub_part", false),
            Column::text("Packed", 10),
            Column::text("Null", 3),
            Column::text("Index_type", 16),
            Column::text("Comment", 16),
            Column::text("Index_comment", 1024),
            Column::text("Ignored", 3),
        ],
        rows: describe::show_index(t),
    }
}
