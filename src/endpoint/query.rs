//! Statement dispatch: what a COM_QUERY statement is, and its answer. Replication admin
//! statements go to [`crate::control::Control`], SELECTs to the query engine, writes
//! get 1290.

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::admin::{self, Admin};
use super::describe;
use super::session::{Condition, Reply, Session};
use super::vars::{self, Scope};
use crate::control::slave_status::{field, slave_status_fields, Field, StatusRow};
use crate::sql::engine;
use crate::sql::env::Env;
use crate::sql::parse::{self, syntax_error, unsupported};
use crate::sql::split::leading_words;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{Catalog, TableDef};
use crate::store::view::ReadView;
use crate::wire::resultset::Column;
use std::sync::Arc;

/// The read_only answer (a slave with read_only=1 gives it to every writer).
fn read_only() -> SqlError {
    SqlError::new(
        1290,
        "The MySQL server is running with the --read-only option so it cannot execute this statement"
            .into(),
    )
}

/// Statements that change data or schema: refused on a replica.
const WRITES: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "LOAD",
    "CREATE",
    "DROP",
    "ALTER",
    "RENAME",
    "TRUNCATE",
    "GRANT",
    "REVOKE",
    "CALL",
    "HANDLER",
    "IMPORT",
    "INSTALL",
    "UNINSTALL",
    "OPTIMIZE",
    "REPAIR",
    "ANALYZE",
    "XA",
    "PURGE",
];

/// A prepared SELECT's plan, valid for snapshots of the same catalog generation and the
/// same default database.
#[derive(Clone, Debug)]
pub struct CachedPlan {
    /// Catalog generation it was bound against.
    generation: u64,
    /// Default database it was bound with.
    db: Option<String>,
    /// The plan.
    plan: Arc<engine::bind::QueryPlan>,
    /// Its binary result's column definitions, when they do not depend on the rows.
    head: HeadCache,
}

/// A prepared plan's binary result head, worked out on its first execution: `None` inside
/// when the columns' definitions depend on the rows.
pub type HeadCache = Arc<std::sync::OnceLock<Option<Arc<super::session::ResultHead>>>>;

/// The wire form of an engine result column.
pub(super) fn wire_column(m: engine::ColMeta) -> Column {
    Column {
        schema: m.schema,
        table: m.table,
        org_table: m.org_table,
        name: m.name,
        org_name: m.org_name,
        charset: m.charset,
        length: m.length,
        col_type: m.col_type,
        flags: m.flags,
        decimals: m.decimals,
    }
}

/// Text result columns.
fn text_columns(names: &[&str]) -> Vec<Column> {
    names.iter().map(|n| Column::text(n, 64)).collect()
}

impl Session {
    /// Executes one statement.
    pub async fn execute(&mut self, sql: &str) -> Reply {
        let words = leading_words(sql, 4);
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        if words.is_empty() {
            return Reply::Err(SqlError::new(1065, "Query was empty".into()));
        }
        // SHOW WARNINGS reads the previous statement's conditions; everything else starts
        // a fresh list.
        let keeps_conditions = w(0) == "SHOW" && matches!(w(1), "WARNINGS" | "ERRORS" | "COUNT");
        if !keeps_conditions {
            self.conditions.clear();
        }
        let r = match w(0) {
            "SELECT" if w(1) == "MASTER_POS_WAIT" => self.master_pos_wait(sql).await,
            "SELECT" | "WITH" => self.select(sql),
            "SHOW" => self.show(sql, &words).await,
            "SET" => self.set(sql).await,
            "USE" => sql_word_after(sql, 0)
                .and_then(|name| self.use_database(unquote(&name)))
                .map(|()| Reply::Ok),
            "BEGIN" | "COMMIT" | "ROLLBACK" => {
                self.in_trans = w(0) == "BEGIN";
                // A transaction's snapshot is taken by its first read (REPEATABLE READ).
                self.snapshot = None;
                Ok(Reply::Ok)
            }
            "START" if w(1) == "TRANSACTION" => {
                self.in_trans = true;
                self.snapshot = None;
                let upper = sql.to_ascii_uppercase();
                if upper.contains("CONSISTENT") && upper.contains("SNAPSHOT") {
                    self.read_view().map(|_| Reply::Ok)
                } else {
                    Ok(Reply::Ok)
                }
            }
            "CHANGE" | "START" | "STOP" | "RESET" => self.admin(sql).await,
            "FLUSH" => self.require_admin("RELOAD").map(|()| Reply::Ok),
            "DO" => Ok(Reply::Ok),
            "KILL" => self.kill(&words),
            first if WRITES.contains(&first) => Err(read_only()),
            "DESCRIBE" | "DESC" if !matches!(w(1), "SELECT" | "WITH" | "") => {
                self.describe_table(sql, 1, false, None)
            }
            "EXPLAIN" if !matches!(w(1), "SELECT" | "EXTENDED" | "PARTITIONS" | "FORMAT" | "") => {
                self.describe_table(sql, 1, false, None)
            }
            "DESCRIBE" | "DESC" | "EXPLAIN" => self.explain(sql),
            "TABLE" | "VALUES" => Err(unsupported(&format!("{} (the query engine)", w(0)))),
            _ => Err(self.unknown_statement(sql)),
        };
        match r {
            Ok(reply) => reply,
            Err(e) => Reply::Err(e),
        }
    }

    /// 1064 when sqlparser cannot parse it either, else 1235 naming it.
    fn unknown_statement(&self, sql: &str) -> SqlError {
        match parse::parse_statements(sql) {
            Err(e) => e,
            Ok(_) => {
                let head: String = leading_words(sql, 2).join(" ");
                unsupported(&head)
            }
        }
    }

    /// KILL [CONNECTION | QUERY] id. Statements finish before the next command is read,
    /// so KILL QUERY has nothing to interrupt; KILL CONNECTION closes the session.
    fn kill(&mut self, words: &[String]) -> Result<Reply, SqlError> {
        let (query, id) = match words.get(1).map(String::as_str) {
            Some("QUERY") => (true, words.get(2)),
            Some("CONNECTION") => (false, words.get(2)),
            _ => (false, words.get(1)),
        };
        let Some(id) = id.and_then(|w| w.parse::<u32>().ok()) else {
            return Err(self.unknown_statement(&words.join(" ")));
        };
        let target = self
            .shared
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&id).cloned());
        let Some(target) = target else {
            return Err(SqlError::new(1094, format!("Unknown thread id: {id}")));
        };
        let owner = target
            .lock()
            .map(|p| p.user.clone())
            .map_err(|_| SqlError::new(1094, format!("Unknown thread id: {id}")))?;
        if owner != self.user && self.require_admin("CONNECTION ADMIN").is_err() {
            return Err(SqlError::new(
                1095,
                format!("You are not owner of thread {id}"),
            ));
        }
        if !query {
            let Ok(p) = target.lock() else {
                return Err(SqlError::new(1094, format!("Unknown thread id: {id}")));
            };
            if id == self.id {
                // Closes before reading its next command, after this answer (as mysqld's
                // 1927).
                p.kill.store(true, std::sync::atomic::Ordering::Release);
                return Err(SqlError::new(1927, "Connection was killed".into()));
            }
            p.end();
        }
        Ok(Reply::Ok)
    }

    /// USE / COM_INIT_DB.
    pub fn use_database(&mut self, db: &str) -> Result<(), SqlError> {
        if !db.eq_ignore_ascii_case("information_schema") {
            let cat = self.catalog()?;
            if !cat.databases.contains_key(db) {
                return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
            }
        }
        self.db = Some(db.to_string());
        if let Ok(mut p) = self.process.lock() {
            p.db = Some(db.to_string());
        }
        Ok(())
    }

    /// The committed catalog, read from the daemon's store.
    fn catalog(&self) -> Result<Catalog, SqlError> {
        self.shared
            .control
            .store()
            .load_catalog()
            .map_err(|e| SqlError::new(1105, e.to_string()))
    }

    /// The snapshot this statement reads: the transaction's, else a fresh one (which a
    /// transaction then keeps).
    pub fn read_view(&mut self) -> Result<Arc<ReadView>, SqlError> {
        if let Some(v) = &self.snapshot {
            return Ok(v.clone());
        }
        let store = self.shared.control.store();
        let v = store
            .read_view()
            .map_err(|e| SqlError::new(1105, e.to_string()))?;
        if self.in_trans {
            self.snapshot = Some(v.clone());
        }
        Ok(v)
    }

    /// Runs `f` with the query engine's context for this session.
    fn with_engine<T>(
        &mut self,
        names_from: &str,
        f: impl FnOnce(&engine::Context<'_>) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        let view = self.read_view()?;
        let cat = view.catalog.clone();
        let system_table = move |name: &str| super::infoschema::table(&cat, name);
        let db = self.db.clone();
        let cx = engine::Context {
            view: &*view,
            env: self,
            db: db.as_deref(),
            names_from,
            system_table: &system_table,
            placeholders: &[],
            params: &[],
        };
        f(&cx)
    }

    /// Runs `f` on prepared SELECT `id`'s plan (bound on first use, kept while the catalog
    /// and default database stay the same) with the engine's context, `params` for its
    /// placeholders.
    pub fn with_planned<T>(
        &mut self,
        id: u32,
        params: Vec<Value>,
        f: impl FnOnce(
            &engine::bind::QueryPlan,
            &HeadCache,
            &engine::Context<'_>,
        ) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        self.conditions.clear();
        let Some(p) = self.stmts.get_mut(&id) else {
            return Err(SqlError::new(
                1243,
                "Unknown prepared statement handler".into(),
            ));
        };
        let sql = p.sql.clone();
        let placeholders = p.placeholders.clone();
        let cached = p.plan.take();
        let view = self.read_view()?;
        let cat = view.catalog.clone();
        let system_table = move |name: &str| super::infoschema::table(&cat, name);
        let cx = engine::Context {
            view: &*view,
            env: self,
            db: self.db.as_deref(),
            names_from: &sql,
            system_table: &system_table,
            placeholders: &placeholders,
            params: &params,
        };
        let cached = cached.filter(|c| Some(c.generation) == view.generation && c.db == self.db);
        let (plan, head, db, keep) = match cached {
            Some(c) => (c.plan, c.head, c.db, true),
            None => {
                let (plan, reusable) = engine::plan_reusable(&sql, &cx)?;
                let keep = reusable && view.generation.is_some();
                (Arc::new(plan), HeadCache::default(), self.db.clone(), keep)
            }
        };
        let result = f(&plan, &head, &cx);
        if keep {
            if let (Some(p), Some(generation)) = (self.stmts.get_mut(&id), view.generation) {
                p.plan = Some(CachedPlan {
                    generation,
                    db,
                    plan,
                    head,
                });
            }
        }
        result
    }

    /// A SELECT through the query engine, on the session's thread.
    fn engine_select(&mut self, sql: &str, names_from: &str) -> Result<Reply, SqlError> {
        let rs = self.with_engine(names_from, |cx| {
            let plan = engine::plan(sql, cx)?;
            engine::exec::run(&plan, cx)
        })?;
        Ok(Reply::Values {
            columns: rs.columns.into_iter().map(wire_column).collect(),
            rows: rs.rows,
        })
    }

    /// The result columns of a prepared SELECT (its `?` read as NULL); empty when the
    /// statement is not one the engine can describe.
    pub fn describe_select(&mut self, sql: &str) -> Vec<Column> {
        let words = leading_words(sql, 1);
        if words.first().map(String::as_str) != Some("SELECT") {
            return Vec::new();
        }
        let mut text = sql.to_string();
        for at in crate::sql::split::placeholders(sql).into_iter().rev() {
            text.replace_range(at..at + 1, "NULL");
        }
        let names_from = sql.to_string();
        // PREPARE is not a read: a transaction's snapshot waits for its first statement.
        self.without_snapshot(|s| {
            s.with_engine(&names_from, |cx| engine::describe(&text, cx))
                .map(|cols| cols.into_iter().map(wire_column).collect())
                .unwrap_or_default()
        })
    }

    /// EXPLAIN / DESCRIBE of a SELECT.
    fn explain(&mut self, sql: &str) -> Result<Reply, SqlError> {
        // Drop the leading keyword (and EXTENDED/PARTITIONS): the engine reads the query.
        let words = leading_words(sql, 2);
        let mut rest = sql.trim_start();
        for w in words.iter().take(
            if matches!(
                words.get(1).map(String::as_str),
                Some("EXTENDED" | "PARTITIONS")
            ) {
                2
            } else {
                1
            },
        ) {
            rest = rest.trim_start();
            rest = &rest[w.len().min(rest.len())..];
        }
        let rest = rest.to_string();
        let rs = self.with_engine(&rest.clone(), |cx| engine::explain(&rest, cx))?;
        Ok(Reply::Values {
            columns: rs.columns.into_iter().map(wire_column).collect(),
            rows: rs.rows,
        })
    }

    fn select(&mut self, sql: &str) -> Result<Reply, SqlError> {
        let names_from = self.names_from.take();
        let names_from = names_from.as_deref().unwrap_or(sql);
        // A SELECT without tables is not a read: a transaction's snapshot waits for the
        // first statement that reads one.
        if has_from(sql) {
            self.engine_select(sql, names_from)
        } else {
            self.without_snapshot(|s| s.engine_select(sql, names_from))
        }
    }

    async fn admin(&mut self, sql: &str) -> Result<Reply, SqlError> {
        let Some(stmt) = admin::parse(sql)? else {
            return Err(self.unknown_statement(sql));
        };
        self.require_admin("REPLICATION SLAVE ADMIN")?;
        let control = self.shared.control.clone();
        let notes = match stmt {
            Admin::ChangeMaster(ch) => {
                control.change_master(*ch).await?;
                Vec::new()
            }
            Admin::Start(t) => control.start(t).await?,
            Admin::Stop(t) => control.stop(t).await?,
            Admin::Reset { all } => {
                control.reset(all).await?;
                Vec::new()
            }
        };
        self.conditions = notes
            .into_iter()
            .map(|error| Condition {
                level: "Note",
                error,
            })
            .collect();
        Ok(Reply::Ok)
    }

    /// `SELECT MASTER_POS_WAIT('file', pos [, timeout])`: waits until the applier has
    /// executed the master's binlog up to `file`:`pos`. As mysqld: NULL when the SQL
    /// thread is not running, -1 after `timeout` seconds (none, or <= 0: no limit), else
    /// the count of status changes waited through (0: already there).
    async fn master_pos_wait(&mut self, sql: &str) -> Result<Reply, SqlError> {
        use sqlparser::ast::{self, Expr, SelectItem, SetExpr, Statement};
        let stmts = parse::parse_statements(sql)?;
        let args = match stmts.as_slice() {
            [Statement::Query(q)] => match q.body.as_ref() {
                SetExpr::Select(sel) if sel.from.is_empty() && sel.projection.len() == 1 => {
                    match &sel.projection[0] {
                        SelectItem::UnnamedExpr(Expr::Function(f))
                        | SelectItem::ExprWithAlias {
                            expr: Expr::Function(f),
                            ..
                        } => match &f.args {
                            ast::FunctionArguments::List(l) => Some(l.args.clone()),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| unsupported("MASTER_POS_WAIT() beside other select items"))?;
        let lit = |i: usize| -> Option<String> {
            match args.get(i)? {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v))) => {
                    match &v.value {
                        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                            Some(s.clone())
                        }
                        ast::Value::Number(n, _) => Some(n.clone()),
                        _ => None,
                    }
                }
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::UnaryOp {
                    op: ast::UnaryOperator::Minus,
                    expr,
                })) => match expr.as_ref() {
                    Expr::Value(v) => match &v.value {
                        ast::Value::Number(n, _) => Some(format!("-{n}")),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            }
        };
        let bad = || {
            SqlError::new(
                1582,
                "Incorrect parameter count in the call to native function 'MASTER_POS_WAIT'".into(),
            )
        };
        if !(2..=4).contains(&args.len()) {
            return Err(bad());
        }
        let (Some(file), Some(pos)) = (lit(0), lit(1).and_then(|p| p.parse::<u64>().ok())) else {
            return Err(unsupported(
                "MASTER_POS_WAIT() with arguments other than constants",
            ));
        };
        let timeout = lit(2)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .map(std::time::Duration::from_secs_f64);
        let name = crate::sql::split::select_item_texts(sql)
            .and_then(|t| t.first().map(|s| s.to_string()))
            .unwrap_or_else(|| "MASTER_POS_WAIT".into());
        let start = std::time::Instant::now();
        let mut changes = 0i64;
        let mut last: Option<(String, u64)> = None;
        let result = loop {
            let fields = self.shared.control.slave_status().await.unwrap_or_default();
            let field = |n: &str| field(&fields, n).cloned().unwrap_or(Field::Num(None));
            if field("Slave_SQL_Running").text() != "Yes" {
                break None;
            }
            let at = (
                field("Relay_Master_Log_File").text().to_string(),
                field("Exec_Master_Log_Pos").num().unwrap_or(0),
            );
            // Binlog names grow in width past .999999: compare by length first.
            let key = |f: &str, p: u64| (f.len(), f.to_string(), p);
            if key(&at.0, at.1) >= key(&file, pos) {
                break Some(changes);
            }
            if last.as_ref().is_some_and(|l| *l != at) {
                changes += 1;
            }
            last = Some(at);
            if timeout.is_some_and(|t| start.elapsed() >= t) {
                break Some(-1);
            }
            let killed = self
                .process
                .lock()
                .map(|p| p.kill.load(std::sync::atomic::Ordering::Acquire))
                .unwrap_or(false);
            if killed {
                return Err(SqlError::new(
                    1317,
                    "Query execution was interrupted".into(),
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        };
        Ok(Reply::Rows {
            columns: vec![Column::bigint(&name, false)],
            rows: vec![vec![result.map(|n| n.to_string())]],
        })
    }

    async fn show(&mut self, sql: &str, words: &[String]) -> Result<Reply, SqlError> {
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let pattern = like_pattern(sql)?;
        let matches = |name: &str| pattern.as_deref().is_none_or(|p| like_ci(name, p));
        match (w(1), w(2)) {
            ("SLAVE" | "REPLICA", "STATUS") | ("ALL", "SLAVES" | "REPLICAS") => {
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
                Ok(Reply::Rows {
                    columns,
                    rows: fields.map(|f| vec![row(f)]).unwrap_or_default(),
                })
            }
            ("ENGINES", _) | ("STORAGE", "ENGINES") => Ok(Reply::Rows {
                // One engine holds every table: the store.
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
            }),
            ("SLAVE" | "REPLICA", "HOSTS") | ("REPLICAS", _) => Ok(Reply::Rows {
                columns: text_columns(&["Server_id", "Host", "Port", "Master_id"]),
                rows: Vec::new(),
            }),
            ("MASTER" | "BINARY", "STATUS") => Ok(Reply::Rows {
                columns: text_columns(&["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"]),
                rows: Vec::new(),
            }),
            ("RELAYLOG", "EVENTS") => {
                // The relay log holds everything replicated, filtered databases included.
                self.require_admin("REPLICATION SLAVE ADMIN")?;
                self.relaylog_events(sql).await
            }
            ("BINLOG", "EVENTS") => Ok(Reply::Rows {
                // No binlog of its own (yet): what mysqld with log_bin off shows.
                columns: events_columns(),
                rows: Vec::new(),
            }),
            ("BINARY" | "MASTER", "LOGS") => Err(SqlError::new(
                1381,
                "You are not using binary logging".into(),
            )),
            ("DATABASES" | "SCHEMAS", _) => {
                let cat = self.catalog()?;
                let mut names: Vec<String> = std::iter::once("information_schema".to_string())
                    .chain(cat.databases.keys().cloned())
                    .filter(|n| matches(n))
                    .collect();
                names.sort();
                let title = match &pattern {
                    Some(p) => format!("Database ({p})"),
                    None => "Database".into(),
                };
                Ok(Reply::Rows {
                    columns: vec![Column::text(&title, 64)],
                    rows: names.into_iter().map(|n| vec![Some(n)]).collect(),
                })
            }
            ("TABLES", _) | ("FULL", "TABLES") => {
                let full = w(1) == "FULL";
                let at = if full { 3 } else { 2 };
                let db = match w(at) {
                    "FROM" | "IN" => unquote(sql_word_after(sql, at)?.as_str()).to_string(),
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
                if let Some(p) = &pattern {
                    title.push_str(&format!(" ({p})"));
                }
                let mut columns = vec![Column::text(&title, 64)];
                if full {
                    columns.push(Column::text("Table_type", 64));
                }
                let rows = cat
                    .tables_of(&db)
                    .filter(|t| matches(&t.name))
                    .map(|t| {
                        let mut r = vec![Some(t.name.clone())];
                        if full {
                            r.push(Some("BASE TABLE".into()));
                        }
                        r
                    })
                    .collect();
                Ok(Reply::Rows { columns, rows })
            }
            ("VARIABLES", _) | ("GLOBAL" | "SESSION" | "LOCAL", "VARIABLES") => {
                let global = w(1) == "GLOBAL";
                let globals = self.globals();
                let pairs: Vec<(String, String)> = globals
                    .iter()
                    .filter(|(n, _)| matches(n))
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
            ("STATUS", _) | ("GLOBAL" | "SESSION" | "LOCAL", "STATUS") => {
                let pairs = self
                    .status_variables()
                    .await
                    .into_iter()
                    .filter(|(n, _)| matches(n))
                    .map(|(n, v)| (n.to_string(), v))
                    .collect();
                self.name_value_rows(sql, pairs)
            }
            ("PROCESSLIST", _) | ("FULL", "PROCESSLIST") => Ok(self.processlist(w(1) == "FULL")),
            ("COLUMNS" | "FIELDS", _) => self.describe_table(sql, 3, false, pattern.as_deref()),
            ("FULL", "COLUMNS" | "FIELDS") => self.describe_table(sql, 4, true, pattern.as_deref()),
            ("INDEX" | "INDEXES" | "KEYS", _) => {
                let t = self.table_at(sql, 3)?;
                Ok(Reply::Rows {
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
                    rows: describe::show_index(&t),
                })
            }
            ("CREATE", "TABLE") => {
                let t = self.table_at(sql, 3)?;
                Ok(Reply::Rows {
                    columns: text_columns(&["Table", "Create Table"]),
                    rows: vec![vec![
                        Some(t.name.clone()),
                        Some(describe::show_create_table(&t)),
                    ]],
                })
            }
            ("CREATE", "DATABASE" | "SCHEMA") => {
                let name = unquote(sql_word_after(sql, 2)?.as_str()).to_string();
                let cat = self.catalog()?;
                let Some(d) = cat.databases.get(&name) else {
                    return Err(SqlError::new(1049, format!("Unknown database '{name}'")));
                };
                let coll = crate::store::collation::by_id(d.collation);
                let text = match coll {
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
            ("WARNINGS", _) | ("ERRORS", _) => {
                let errors_only = w(1) == "ERRORS";
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
                Ok(Reply::Rows {
                    columns: vec![
                        Column::text("Level", 7),
                        Column::bigint("Code", true),
                        Column::text("Message", 512),
                    ],
                    rows,
                })
            }
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

    /// SHOW RELAYLOG EVENTS [IN 'file'] [FROM pos] [LIMIT [offset,] count].
    async fn relaylog_events(&self, sql: &str) -> Result<Reply, SqlError> {
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
        let opts = crate::relay::RelayOptions::from_config(&self.shared.cfg);
        let file = match file {
            Some(f) => f,
            None => {
                let index = crate::relay::RelayIndex::read(&opts.dir, &opts.base)
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
        let path = opts.dir.join(&name);
        if !path.exists() {
            return Err(SqlError::new(
                1220,
                "Error when executing command SHOW RELAYLOG EVENTS: Could not find target log"
                    .into(),
            ));
        }
        let rows =
            crate::inspect::events::read_events(&path, from, offset, limit).map_err(|e| {
                SqlError::new(
                    1220,
                    format!("Error when executing command SHOW RELAYLOG EVENTS: {e}"),
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

    /// The table named by the statement's object name at token `at` (0-based, comments
    /// and whitespace skipped): `db.t`, or `t` with a later `FROM|IN db`, or the current
    /// database.
    fn table_at(&self, sql: &str, at: usize) -> Result<TableDef, SqlError> {
        let toks = parse::tokens(sql)?;
        let name = |i: usize| match toks.get(i) {
            Some(Token::Word(w)) => Some(w.value.clone()),
            _ => None,
        };
        // `SHOW COLUMNS FROM t` has FROM at `at - 1`: the name follows it.
        let Some(first) = name(at) else {
            return Err(syntax_error(sql, "Line: 1, Column: 1"));
        };
        let (mut db, table, mut next) = if toks.get(at + 1) == Some(&Token::Period) {
            let t = name(at + 2).ok_or_else(|| syntax_error(sql, "Line: 1, Column: 1"))?;
            (Some(first), t, at + 3)
        } else {
            (None, first, at + 1)
        };
        if matches!(&toks.get(next), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("FROM") || w.value.eq_ignore_ascii_case("IN"))
        {
            db = name(next + 1);
            next += 2;
        }
        let _ = next;
        let db = match db.or_else(|| self.db.clone()) {
            Some(d) => d,
            None => return Err(SqlError::new(1046, "No database selected".into())),
        };
        let cat = self.catalog()?;
        match cat.table(&db, &table) {
            Some(t) => Ok(t.clone()),
            None if !cat.databases.contains_key(&db) => {
                Err(SqlError::new(1049, format!("Unknown database '{db}'")))
            }
            None => Err(SqlError::no_such_table(&db, &table)),
        }
    }

    /// SHOW [FULL] COLUMNS / DESCRIBE.
    fn describe_table(
        &self,
        sql: &str,
        at: usize,
        full: bool,
        pattern: Option<&str>,
    ) -> Result<Reply, SqlError> {
        let t = self.table_at(sql, at)?;
        let names: &[&str] = if full {
            &[
                "Field",
                "Type",
                "Collation",
                "Null",
                "Key",
                "Default",
                "Extra",
                "Privileges",
                "Comment",
            ]
        } else {
            &["Field", "Type", "Null", "Key", "Default", "Extra"]
        };
        let rows = describe::show_columns(&t, full)
            .into_iter()
            .filter(|r| pattern.is_none_or(|p| r[0].as_deref().is_some_and(|n| like_ci(n, p))))
            .collect();
        Ok(Reply::Rows {
            columns: text_columns(names),
            rows,
        })
    }

    /// COM_FIELD_LIST: the column definitions of a table (no rows).
    pub fn field_list(&self, table: &str) -> Result<Vec<Column>, SqlError> {
        let db = self
            .db
            .clone()
            .ok_or_else(|| SqlError::new(1046, "No database selected".into()))?;
        let cat = self.catalog()?;
        let t = cat
            .table(&db, table)
            .ok_or_else(|| SqlError::no_such_table(&db, table))?;
        Ok(t.columns
            .iter()
            .map(|c| Column::text(&c.name, 64).in_table(&db, &t.name))
            .collect())
    }

    /// A Variable_name / Value result, filtered by the statement's WHERE clause if any.
    fn name_value_rows(
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

    fn globals(&self) -> Vec<(&'static str, (Scope, Value))> {
        self.shared
            .globals
            .lock()
            .map(|g| g.iter().map(|(k, v)| (*k, v.clone())).collect())
            .unwrap_or_default()
    }

    async fn status_variables(&self) -> Vec<(&'static str, String)> {
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
            ("Threads_connected", sh.connected().to_string()),
            ("Threads_running", "1".into()),
            ("Uptime", sh.started.elapsed().as_secs().to_string()),
        ]
    }

    fn processlist(&self, full: bool) -> Reply {
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

    async fn set(&mut self, sql: &str) -> Result<Reply, SqlError> {
        let toks = parse::tokens(sql)?;
        let up = |i: usize| match toks.get(i) {
            Some(Token::Word(w)) => w.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        match up(1).as_str() {
            "PASSWORD" => return Err(read_only()),
            "NAMES" => {
                let cs = token_text(toks.get(2)).to_ascii_lowercase();
                let coll = if up(3) == "COLLATE" {
                    Some(token_text(toks.get(4)).to_ascii_lowercase())
                } else {
                    None
                };
                if cs != "default" {
                    let coll = coll.unwrap_or_else(|| default_collation(&cs));
                    for n in [
                        "character_set_client",
                        "character_set_connection",
                        "character_set_results",
                    ] {
                        self.vars.insert(n, Value::Text(cs.clone()));
                    }
                    self.vars.insert("collation_connection", Value::Text(coll));
                }
                return Ok(Reply::Ok);
            }
            "CHARACTER" | "CHARSET" => {
                let at = if up(1) == "CHARACTER" { 3 } else { 2 };
                let cs = token_text(toks.get(at)).to_ascii_lowercase();
                for n in ["character_set_client", "character_set_results"] {
                    self.vars.insert(n, Value::Text(cs.clone()));
                }
                return Ok(Reply::Ok);
            }
            _ => {}
        }
        // SET [GLOBAL|SESSION] TRANSACTION ...: isolation and access mode of reads.
        let tx_at = if matches!(up(1).as_str(), "GLOBAL" | "SESSION" | "LOCAL") {
            2
        } else {
            1
        };
        if up(tx_at) == "TRANSACTION" {
            if up(1) == "GLOBAL" {
                self.require_admin("SUPER")?;
            }
            return Ok(Reply::Ok);
        }
        // Assignments separated by top-level commas.
        let mut i = 1;
        let mut pending: Vec<(bool, String, Vec<Token>)> = Vec::new();
        while i < toks.len() {
            let mut global = false;
            let mut name;
            match up(i).as_str() {
                "GLOBAL" => {
                    global = true;
                    i += 1;
                }
                "SESSION" | "LOCAL" => i += 1,
                _ => {}
            }
            name = token_text(toks.get(i));
            i += 1;
            let lname = name.to_ascii_lowercase();
            if let Some(scope) = ["@@global", "@@session", "@@local"]
                .iter()
                .find(|s| lname == **s)
            {
                global = *scope == "@@global";
                if toks.get(i) != Some(&Token::Period) {
                    return Err(syntax_error(sql, "Line: 1, Column: 1"));
                }
                name = token_text(toks.get(i + 1));
                i += 2;
            } else if let Some(rest) = name.strip_prefix("@@") {
                name = rest.to_string();
            }
            if !matches!(toks.get(i), Some(Token::Eq) | Some(Token::Assignment)) {
                return Err(self.unknown_statement(sql));
            }
            i += 1;
            let start = i;
            let mut depth = 0i32;
            while i < toks.len() {
                match &toks[i] {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    Token::Comma if depth == 0 => break,
                    _ => {}
                }
                i += 1;
            }
            let value = toks[start..i].to_vec();
            if value.is_empty() {
                return Err(syntax_error(sql, "Line: 1, Column: 1"));
            }
            i += 1;
            pending.push((global, name, value));
        }
        for (global, name, value) in pending {
            if let Some(user_var) = name.strip_prefix('@') {
                let v = self.eval_tokens(&value)?;
                self.user_vars.insert(user_var.to_string(), v);
                continue;
            }
            self.set_variable(global, &name, &value).await?;
        }
        Ok(Reply::Ok)
    }

    /// The value of an expression (SET's right-hand side), by the query engine.
    fn eval_tokens(&mut self, toks: &[Token]) -> Result<Value, SqlError> {
        let text: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
        let text = text.join(" ");
        let expr = parse::parse_expr(&text)?;
        self.without_snapshot(|s| s.with_engine(&text, |cx| engine::eval_expr(&expr, cx)))
    }

    /// Runs `f` without it fixing the transaction's snapshot: SET and SHOW are not reads
    /// of tables (mysqld's snapshot waits for the first statement that reads one).
    fn without_snapshot<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let pinned = self.snapshot.is_some();
        let r = f(self);
        if !pinned {
            self.snapshot = None;
        }
        r
    }

    async fn set_variable(
        &mut self,
        global: bool,
        name: &str,
        value: &[Token],
    ) -> Result<(), SqlError> {
        let lname = name.to_ascii_lowercase();
        let Some((key, (scope, current))) = self.globals().into_iter().find(|(k, _)| *k == lname)
        else {
            return Err(vars::unknown(name));
        };
        if scope == Scope::ReadOnly {
            return Err(SqlError::new(
                1238,
                format!("Variable '{key}' is a read only variable"),
            ));
        }
        if !global && scope == Scope::Global {
            return Err(SqlError::new(
                1229,
                format!("Variable '{key}' is a GLOBAL variable and should be set with SET GLOBAL"),
            ));
        }
        // A bare word is the value itself (ON, OFF, utf8mb4, READ-COMMITTED...).
        let is_default =
            matches!(value, [Token::Word(w)] if w.value.eq_ignore_ascii_case("DEFAULT"));
        let v = match value {
            _ if is_default => None,
            [Token::Word(w)] if w.quote_style.is_none() && !w.value.starts_with('@') => {
                Some(Value::Text(w.value.clone()))
            }
            _ => Some(self.eval_tokens(value)?),
        };
        let v = v.map(|v| vars::coerce(key, &current, v)).transpose()?;
        if global {
            self.require_admin("SUPER")?;
            let v = match v {
                Some(v) => v,
                None => vars::initial_globals(&self.shared.cfg)
                    .remove(key)
                    .map(|(_, v)| v)
                    .unwrap_or(Value::Null),
            };
            match key {
                "sql_slave_skip_counter" => {
                    let n = v.as_i64().unwrap_or(0).max(0) as u64;
                    self.shared.control.set_skip_counter(n).await?;
                }
                "read_only" if v.truth() != Some(true) => {
                    return Err(unsupported(
                        "read_only=0 (clients cannot write to a replica's store)",
                    ))
                }
                _ => {}
            }
            if let Ok(mut g) = self.shared.globals.lock() {
                g.insert(key, (scope, v));
            }
        } else {
            match v {
                Some(v) => {
                    if matches!(key, "transaction_isolation" | "tx_isolation") {
                        self.vars.insert("transaction_isolation", v.clone());
                        self.vars.insert("tx_isolation", v);
                    } else {
                        self.vars.insert(key, v);
                    }
                }
                None => {
                    self.vars.remove(key);
                }
            }
        }
        Ok(())
    }
}

impl Env for Session {
    fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError> {
        let lname = name.to_ascii_lowercase();
        match lname.as_str() {
            "warning_count" => return Ok(Value::Int(self.conditions.len() as i64)),
            "error_count" => {
                return Ok(Value::Int(
                    self.conditions
                        .iter()
                        .filter(|c| c.level == "Error")
                        .count() as i64,
                ))
            }
            "last_insert_id" | "identity" | "insert_id" => return Ok(Value::Int(0)),
            _ => {}
        }
        let g = self
            .shared
            .globals
            .lock()
            .map_err(|_| vars::unknown(name))?;
        let Some((key, (_, v))) = g.get_key_value(lname.as_str()) else {
            return Err(vars::unknown(name));
        };
        if !global {
            if let Some(s) = self.vars.get(key) {
                return Ok(s.clone());
            }
        }
        Ok(v.clone())
    }

    fn user_variable(&self, name: &str) -> Value {
        self.user_vars.get(name).cloned().unwrap_or(Value::Null)
    }

    fn session_function(&self, name: &str) -> Option<Value> {
        Some(match name {
            "USER" | "SESSION_USER" | "SYSTEM_USER" => {
                Value::Text(format!("{}@{}", self.user, self.host))
            }
            "CURRENT_USER" => Value::Text(format!("{}@{}", self.account.user, self.account.host)),
            "DATABASE" | "SCHEMA" => self.db.clone().map_or(Value::Null, Value::Text),
            "CONNECTION_ID" => Value::Int(self.id as i64),
            "VERSION" => Value::Text(vars::version()),
            "LAST_INSERT_ID" => Value::Int(0),
            _ => return None,
        })
    }
}

/// Columns of SHOW BINLOG / RELAYLOG EVENTS.
fn events_columns() -> Vec<Column> {
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
fn where_clause(sql: &str) -> Result<Option<sqlparser::ast::Expr>, SqlError> {
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

fn is_where(t: &Token) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("WHERE"))
}

/// `LIKE 'pattern'` at the end of a SHOW statement.
fn like_pattern(sql: &str) -> Result<Option<String>, SqlError> {
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

/// The word at position `at` (0-based, comments skipped) of `sql` as typed, plus 1.
fn sql_word_after(sql: &str, at: usize) -> Result<String, SqlError> {
    let toks = parse::tokens(sql)?;
    match toks.get(at + 1) {
        Some(Token::Word(w)) => Ok(w.value.clone()),
        _ => Err(syntax_error(sql, "Line: 1, Column: 1")),
    }
}

fn token_text(t: Option<&Token>) -> String {
    match t {
        Some(Token::Word(w)) => w.value.clone(),
        Some(Token::SingleQuotedString(s)) | Some(Token::DoubleQuotedString(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['`', '\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

fn default_collation(charset: &str) -> String {
    match charset {
        "latin1" => "latin1_swedish_ci".into(),
        "binary" => "binary".into(),
        "utf8" | "utf8mb3" => "utf8mb3_general_ci".into(),
        cs => format!("{cs}_general_ci"),
    }
}

/// True when the statement has a FROM keyword outside quotes and comments.
pub fn has_from(sql: &str) -> bool {
    let b = sql.as_bytes();
    let mut found = false;
    crate::sql::split::visit(sql, |i| {
        if !found
            && b.len() >= i + 4
            && b[i..i + 4].eq_ignore_ascii_case(b"FROM")
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && b.get(i + 4)
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        {
            found = true;
        }
    });
    found
}

/// SHOW ... LIKE: the pattern matched case-insensitively, as mysqld matches names there.
fn like_ci(name: &str, pattern: &str) -> bool {
    crate::sql::engine::eval::like(
        name,
        pattern,
        '\\',
        Some(Some(crate::sql::value::default_collation())),
    )
}
