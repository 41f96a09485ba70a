//! Statement replay: INSERT, REPLACE, UPDATE and DELETE logged as SQL text
//! (binlog_format=STATEMENT, or MIXED's statement part) applied to the store as mysqld's
//! SQL thread applies them.
//!
//! The query engine does the reading: a statement becomes a SELECT over the applier's
//! write view ([`crate::store::overlay::WriteView`]), so it sees the writes of the earlier
//! transactions of its batch and its own earlier statements. UPDATE and DELETE select
//! their target rows with the stored row attached ([`engine::target_rows`]); INSERT
//! evaluates its VALUES rows (or its SELECT). The row changes then go through the same
//! [`RowApplier`] paths as row events: same keys, same unique checks, same errors.
//!
//! The master session's context comes from the QUERY event and the INTVAR / RAND /
//! USER_VAR events before it ([`StatementVars`]): the default database, the statement's
//! time (NOW(), CURRENT_TIMESTAMP defaults), INSERT_ID for AUTO_INCREMENT values,
//! LAST_INSERT_ID(), user variables, the thread id, auto_increment_increment.
//!
//! Not yet replayed (each stops with 1235 naming it, never a silent difference):
//! INSERT ... AS alias, RAND(N), UUID(),
//! LOAD DATA, tables with
//! triggers, TIME/GEOMETRY/JSON values.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::{
    self, AssignmentTarget, Expr, FromTable, ObjectName, SetExpr, Statement, TableFactor,
    TableObject, TableWithJoins,
};

use super::encode::{default_packed, implicit_packed, pack_value, pack_value_mode};
use super::filter::Filters;
use super::rows::{RowApplier, RowError};
use super::shape;
use super::trigger::Event;
use crate::sql::engine::{self, Context};
use crate::sql::env::Env;
use crate::sql::parse::{parse_statements, unsupported};
use crate::sql::temporal::{Kind, Temporal};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::SqlType;
use crate::store::table::TableRt;
use crate::store::view::Tables;
use crate::store::{Store, Txn};
use crate::tz::TimeZone;

/// sql_mode bit NO_AUTO_VALUE_ON_ZERO: an explicit 0 is stored, not replaced.
const NO_AUTO_VALUE_ON_ZERO: u64 = 1 << 19;

/// sql_mode's STRICT_TRANS_TABLES and STRICT_ALL_TABLES: without them a value a column
/// cannot hold is stored clipped, with a warning.
pub(super) const STRICT_MODES: u64 = 1 << 21 | 1 << 22;

/// What the events before a statement set for it (INTVAR, RAND, USER_VAR).
#[derive(Debug, Default, Clone)]
pub struct StatementVars {
    /// INSERT_ID: the first AUTO_INCREMENT value the statement generated on the master.
    pub insert_id: Option<u64>,
    /// LAST_INSERT_ID: what LAST_INSERT_ID() returned on the master.
    pub last_insert_id: Option<u64>,
    /// RAND() seeds.
    pub rand: Option<(u64, u64)>,
    /// User variables the statement reads, by lower-case name.
    pub user_vars: Vec<(String, Value)>,
}

/// The master session a statement ran in.
pub struct MasterSession<'a> {
    /// Default database ("" for none).
    pub db: &'a str,
    /// The statement's start time: seconds since the epoch.
    pub timestamp: u32,
    /// ... and microseconds.
    pub micros: u32,
    /// Its connection id on the master.
    pub thread_id: u32,
    /// `@@sql_mode`.
    pub sql_mode: u64,
    /// auto_increment_increment and auto_increment_offset.
    pub auto_increment: (u16, u16),
    /// INTVAR, RAND and USER_VAR values.
    pub vars: &'a StatementVars,
    /// RAND()'s generator, from the RAND event's seeds.
    pub rand: std::cell::Cell<Option<crate::sql::env::MyRnd>>,
    /// `@@time_zone` (the QUERY event's, SYSTEM when it logged none).
    pub time_zone: &'a TimeZone,
}

impl MasterSession<'_> {
    /// The statement's time as NOW(6) gives it, in the session's time zone (the engine
    /// cuts the microseconds to the precision asked for).
    fn now(&self) -> Temporal {
        let local = self.time_zone.local(self.timestamp as i64);
        Temporal::from_epoch_micros(
            local * 1_000_000 + self.micros.min(999_999) as i64,
            Kind::DateTime,
            6,
        )
    }
}

impl Env for MasterSession<'_> {
    fn system_variable(&self, _global: bool, name: &str) -> Result<Value, SqlError> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "timestamp" => Value::Int(self.timestamp as i64),
            "pseudo_thread_id" => Value::Int(self.thread_id as i64),
            "auto_increment_increment" => Value::Int(self.auto_increment.0 as i64),
            "auto_increment_offset" => Value::Int(self.auto_increment.1 as i64),
            "insert_id" => Value::UInt(self.vars.insert_id.unwrap_or(0)),
            "last_insert_id" => Value::UInt(self.vars.last_insert_id.unwrap_or(0)),
            _ => {
                return Err(unsupported(&format!(
                    "the system variable @@{name} in a replayed statement"
                )))
            }
        })
    }

    fn user_variable(&self, name: &str) -> Value {
        let name = name.to_ascii_lowercase();
        self.vars
            .user_vars
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Value::Null, |(_, v)| v.clone())
    }

    fn rand(&self) -> f64 {
        match self.rand.get().or_else(|| {
            self.vars
                .rand
                .map(|(a, b)| crate::sql::env::MyRnd::new(a, b))
        }) {
            Some(mut r) => {
                let v = r.next_f64();
                self.rand.set(Some(r));
                v
            }
            // No RAND event: the master's statement called no RAND().
            None => 0.0,
        }
    }

    fn time_zone(&self) -> &TimeZone {
        self.time_zone
    }

    fn session_function(&self, name: &str) -> Option<Value> {
        Some(match name {
            "NOW" | "CURRENT_TIMESTAMP" | "LOCALTIME" | "LOCALTIMESTAMP" | "SYSDATE" => {
                Value::Temporal(self.now())
            }
            "CURDATE" | "CURRENT_DATE" => Value::Temporal(self.now().as_kind(Kind::Date)),
            "CURTIME" | "CURRENT_TIME" => Value::Temporal(self.now().as_kind(Kind::Time)),
            "UNIX_TIMESTAMP" => Value::Int(self.timestamp as i64),
            "LAST_INSERT_ID" => Value::UInt(self.vars.last_insert_id.unwrap_or(0)),
            "CONNECTION_ID" => Value::Int(self.thread_id as i64),
            "DATABASE" | "SCHEMA" if self.db.is_empty() => Value::Null,
            "DATABASE" | "SCHEMA" => Value::Text(self.db.to_string()),
            _ => return None,
        })
    }
}

/// Statement shapes planned once, by default database and shape text
/// ([`super::shape`]); emptied with the prepared tables whenever DDL runs.
pub type Shapes = std::collections::HashMap<String, Arc<Planned>>;

/// Shapes kept before the cache starts over (statements with literal-free parts that vary,
/// IN lists of every length, make new shapes without end).
const MAX_SHAPES: usize = 4096;

/// Where a planned INSERT row's value comes from.
#[derive(Debug)]
pub enum Slot {
    /// The statement's literal number `k`.
    Lit(usize),
    /// NULL.
    Null,
    /// DEFAULT.
    Default,
}

/// A statement shape, planned.
pub enum Planned {
    /// A single-table UPDATE (or DELETE): the SELECT it becomes, bound once, run with
    /// the statement's literals as parameters.
    Change {
        /// The table.
        table: Arc<TableRt>,
        /// UPDATE's assigned columns; empty for DELETE.
        targets: Vec<usize>,
        /// DELETE.
        delete: bool,
        /// UPDATE IGNORE.
        ignore: bool,
        /// The SELECT's text, `?` for the literals.
        select: String,
        /// The literal each `?` of the SELECT takes, in its text order.
        order: Vec<usize>,
        /// The bound SELECT, capturing the table's stored rows.
        plan: engine::bind::QueryPlan,
    },
    /// INSERT [IGNORE] / REPLACE ... VALUES of literals, NULL and DEFAULT.
    Insert {
        /// The table.
        table: Arc<TableRt>,
        /// Columns given.
        targets: Vec<usize>,
        /// Per row, per given column, the value's source.
        rows: Vec<Vec<Slot>>,
        /// IGNORE.
        ignore: bool,
        /// REPLACE.
        replace: bool,
    },
    /// Changes nothing here (the replicate-*-table rules exclude its table).
    Filtered,
    /// Taken the general way each time.
    General,
}

/// The base of the numbers a shape's literals are replaced with while it is planned:
/// `SENTINEL + k` stands for literal `k`, so the SELECT an UPDATE becomes tells which
/// literal each of its `?` takes.
const SENTINEL: i64 = 7_777_000_000_000_000_000;

/// sql_mode bits that change how a statement's text is read, with what in the text they
/// change ("" for anything).
/// (ANSI_QUOTES and NO_BACKSLASH_ESCAPES are read by rewriting the text:
/// [`super::text::default_quoting`].)
const PARSING_MODES: [(u64, &str, &str); 3] = [
    (1 << 1, "PIPES_AS_CONCAT", "||"),
    (1 << 9, "ORACLE", ""),
    (1 << 29, "HIGH_NOT_PRECEDENCE", "NOT"),
];

/// sql_mode bits under which a statement's text reads differently (ANSI_QUOTES,
/// NO_BACKSLASH_ESCAPES): no shapes then.
const SHAPE_UNSAFE_MODES: u64 = 1 << 2 | 1 << 20;

/// What statement replay works with besides the statement.
pub struct Replay<'a> {
    /// The store.
    pub store: &'a Store,
    /// The catalog's tables as the transaction sees them, by (database, name).
    pub tables: &'a Tables,
    /// Row writes.
    pub rows: &'a mut RowApplier,
    /// replicate-* filters.
    pub filters: &'a Filters,
    /// Statement shapes planned so far.
    pub shapes: &'a mut Shapes,
    /// `tables` holds the master session's temporary tables: its plans are its own, not
    /// shared through `shapes`.
    pub private: bool,
    /// Triggers firing now (a trigger's statement may fire others).
    pub depth: usize,
    /// The statement's INSERT_ID went to the first value it generated: values its
    /// triggers generate after it come from their tables (as mysqld's forced interval is
    /// used once).
    pub insert_id_taken: std::cell::Cell<bool>,
}

pub(super) fn sql_err(e: SqlError) -> RowError {
    RowError::Sql(e, "")
}

/// The parts of an object name, unquoted.
fn name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect()
}

impl Replay<'_> {
    /// Replays one DML statement in `txn`. A statement the replica's filters exclude
    /// changes nothing.
    pub fn execute(
        &mut self,
        sql: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        if sql
            .trim_start()
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("LOAD"))
        {
            // Its file comes in the events before it (EXECUTE_LOAD_QUERY): a LOAD DATA in
            // a plain QUERY event has none.
            return Err(sql_err(unsupported(
                "replaying LOAD DATA from a QUERY event",
            )));
        }
        // Statement-based rules: database rules by the default database.
        if !self.filters.db_ok(session.db) {
            return Ok(());
        }
        // ANSI_QUOTES and NO_BACKSLASH_ESCAPES: the text rewritten to read the same under
        // the parser's default modes.
        let sql = &*super::text::default_quoting(
            sql,
            session.sql_mode & 1 << 2 != 0,
            session.sql_mode & 1 << 20 != 0,
        );
        // sql_mode bits that change how the text reads, where the text has what they
        // change: the parser reads MySQL's defaults, so these stop rather than differ.
        for (bit, mode, token) in PARSING_MODES {
            if session.sql_mode & bit == 0 {
                continue;
            }
            let found = token.is_empty()
                || if token == "NOT" {
                    sql.as_bytes()
                        .windows(3)
                        .any(|w| w.eq_ignore_ascii_case(b"NOT"))
                } else {
                    sql.contains(token)
                };
            if found {
                return Err(sql_err(unsupported(&format!(
                    "replaying a statement run with sql_mode {mode}"
                ))));
            }
        }
        if session.sql_mode & SHAPE_UNSAFE_MODES == 0 && !self.private {
            if let Some(sh) = shape::shape(sql, true) {
                // The key: the default database, the shape, and each literal's kind (a
                // plan bound with a number where a string stood may read differently).
                let mut key =
                    String::with_capacity(session.db.len() + sh.text.len() + sh.literals.len() + 2);
                key.push_str(session.db);
                key.push('\0');
                key.push_str(&sh.text);
                key.push('\0');
                key.extend(sh.literals.iter().map(|v| match v {
                    Value::Text(_) => 's',
                    _ => 'n',
                }));
                let planned = match self.shapes.get(&key) {
                    Some(p) => p.clone(),
                    None => {
                        let p = Arc::new(self.plan_shape(&sh, session, txn));
                        if self.shapes.len() >= MAX_SHAPES {
                            self.shapes.clear();
                        }
                        self.shapes.insert(key, p.clone());
                        p
                    }
                };
                match &*planned {
                    Planned::General => {}
                    Planned::Filtered => return Ok(()),
                    p => return self.run_planned(p, &sh.literals, session, txn),
                }
            }
        }
        // UPDATE/DELETE modifiers the parser does not take: IGNORE is kept as a flag.
        let (sql, ignore) = strip_modifiers(sql);
        let sql = comma_joins(&sql);
        let sql = sql.as_ref();
        // The master ran it: a statement the parser refuses is one replicant cannot read
        // yet, not a syntax error.
        let mut stmts = parse_statements(sql).map_err(|e| {
            sql_err(if e.code == 1064 {
                unsupported(&format!("parsing this statement ({})", e.message))
            } else {
                e
            })
        })?;
        // Parts of the statement are written back as SQL for the engine to read: its
        // string literals must say their backslashes again.
        for s in &mut stmts {
            let _ = ast::visit_expressions_mut(s, |x| {
                if let Expr::Value(v) = x {
                    if let ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) =
                        &mut v.value
                    {
                        if s.contains(['\\', '\0']) {
                            *s = s.replace('\\', "\\\\").replace('\0', "\\0");
                        }
                    }
                }
                ControlFlow::<()>::Continue(())
            });
        }
        let [stmt] = stmts.as_slice() else {
            return Err(sql_err(unsupported(
                "several statements in one QUERY event",
            )));
        };
        match stmt {
            Statement::Insert(ins) => self.insert(ins, session, txn),
            Statement::Update(u) => self.update(u, ignore, session, txn),
            Statement::Delete(d) => self.delete(d, session, txn),
            other => Err(sql_err(unsupported(&format!(
                "replaying '{}'",
                first_words(&other.to_string())
            )))),
        }
    }

    /// Plans a statement shape: the statement with each literal `k` replaced by the
    /// number `SENTINEL + k` is taken apart as the general path would; what it becomes is
    /// kept with `?` for the literals. Anything unusual is [`Planned::General`].
    fn plan_shape(
        &mut self,
        sh: &shape::Shape,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Planned {
        let mut text = String::with_capacity(sh.text.len() + 20 * sh.literals.len());
        let mut last = 0;
        for (k, at) in crate::sql::split::placeholders(&sh.text)
            .into_iter()
            .enumerate()
        {
            text.push_str(&sh.text[last..at]);
            text.push_str(&(SENTINEL + k as i64).to_string());
            last = at + 1;
        }
        text.push_str(&sh.text[last..]);
        let (text, ignore) = strip_modifiers(&text);
        let text = comma_joins(&text);
        let Ok(stmts) = parse_statements(&text) else {
            return Planned::General;
        };
        let [stmt] = stmts.as_slice() else {
            return Planned::General;
        };
        let lit = |e: &Expr| -> Option<usize> {
            match e {
                Expr::Value(v) => match &v.value {
                    ast::Value::Number(n, _) => n
                        .parse::<i64>()
                        .ok()
                        .and_then(|n| n.checked_sub(SENTINEL))
                        .and_then(|k| usize::try_from(k).ok())
                        .filter(|k| *k < sh.literals.len()),
                    _ => None,
                },
                _ => None,
            }
        };
        let planned = (|| -> Result<Planned, SqlError> {
            match stmt {
                Statement::Update(u) if u.from.is_none() && u.table.joins.is_empty() => {
                    let Some((t, alias)) = self.single_table(&u.table, session, "UPDATE")? else {
                        return Ok(Planned::Filtered);
                    };
                    let (targets, exprs) = assignments_of(&t, &alias, &u.assignments)?;
                    let select = update_select(u, &exprs);
                    self.plan_change(t, alias, targets, false, ignore, &select, sh, session, txn)
                }
                Statement::Delete(d) if d.tables.is_empty() && d.using.is_none() => {
                    let from = match &d.from {
                        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
                    };
                    let [twj] = from.as_slice() else {
                        return Ok(Planned::General);
                    };
                    if !twj.joins.is_empty() {
                        return Ok(Planned::General);
                    }
                    let Some((t, alias)) = self.single_table(twj, session, "DELETE")? else {
                        return Ok(Planned::Filtered);
                    };
                    let select = delete_select(twj, d);
                    self.plan_change(t, alias, Vec::new(), true, false, &select, sh, session, txn)
                }
                Statement::Insert(ins)
                    if ins.on.is_none()
                        && ins.insert_alias.is_none()
                        && ins.assignments.is_empty() =>
                {
                    let TableObject::TableName(name) = &ins.table else {
                        return Ok(Planned::General);
                    };
                    let Some(source) = &ins.source else {
                        return Ok(Planned::General);
                    };
                    let SetExpr::Values(v) = source.body.as_ref() else {
                        return Ok(Planned::General);
                    };
                    if source.order_by.is_some() || source.limit_clause.is_some() {
                        return Ok(Planned::General);
                    }
                    let Some(t) = self.table(name, session)? else {
                        return Ok(Planned::Filtered);
                    };
                    let mut targets = Vec::new();
                    for c in &ins.columns {
                        let parts = name_parts(c);
                        let n = parts.last().map_or("", String::as_str);
                        match t
                            .def
                            .columns
                            .iter()
                            .position(|c| c.name.eq_ignore_ascii_case(n))
                        {
                            Some(i) => targets.push(i),
                            None => return Ok(Planned::General),
                        }
                    }
                    if targets.is_empty() {
                        targets = (0..t.def.columns.len()).collect();
                    }
                    let mut rows = Vec::with_capacity(v.rows.len());
                    for row in &v.rows {
                        if row.content.len() != targets.len() {
                            return Ok(Planned::General);
                        }
                        let mut slots = Vec::with_capacity(row.content.len());
                        for e in &row.content {
                            slots.push(match e {
                                Expr::Value(v) if matches!(v.value, ast::Value::Null) => Slot::Null,
                                Expr::Identifier(i)
                                    if i.quote_style.is_none()
                                        && i.value.eq_ignore_ascii_case("DEFAULT") =>
                                {
                                    Slot::Default
                                }
                                e => match lit(e) {
                                    Some(k) => Slot::Lit(k),
                                    None => return Ok(Planned::General),
                                },
                            });
                        }
                        rows.push(slots);
                    }
                    Ok(Planned::Insert {
                        table: t,
                        targets,
                        rows,
                        ignore: ins.ignore,
                        replace: ins.replace_into,
                    })
                }
                _ => Ok(Planned::General),
            }
        })();
        planned.unwrap_or(Planned::General)
    }

    /// Binds the SELECT an UPDATE or DELETE shape became (`select`, with its sentinels).
    #[allow(clippy::too_many_arguments)]
    fn plan_change(
        &mut self,
        t: Arc<TableRt>,
        alias: String,
        targets: Vec<usize>,
        delete: bool,
        ignore: bool,
        select: &str,
        sh: &shape::Shape,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<Planned, SqlError> {
        let Some(sel) = shape::shape(select, true) else {
            return Ok(Planned::General);
        };
        let mut order = Vec::with_capacity(sel.literals.len());
        for v in &sel.literals {
            let k = match v {
                Value::Int(n) => n.checked_sub(SENTINEL),
                _ => None,
            }
            .and_then(|k| usize::try_from(k).ok())
            .filter(|k| *k < sh.literals.len());
            match k {
                Some(k) => order.push(k),
                None => return Ok(Planned::General),
            }
        }
        let params: Vec<Value> = order.iter().map(|&k| sh.literals[k].clone()).collect();
        let placeholders = crate::sql::split::placeholders(&sel.text);
        let view = txn
            .write_view(self.store, self.tables)
            .map_err(|e| SqlError::new(1030, format!("Got error from the store: {e}")))?;
        let none = |_: &str| None;
        let cx = Context {
            view: &view,
            env: session,
            db: (!session.db.is_empty()).then_some(session.db),
            names_from: &sel.text,
            system_table: &none,
            placeholders: &placeholders,
            params: &params,
        };
        let (mut plan, reusable) = engine::plan_reusable(&sel.text, &cx)?;
        if !reusable {
            return Ok(Planned::General);
        }
        engine::capture(&mut plan, &[alias.as_str()])?;
        Ok(Planned::Change {
            table: t,
            targets,
            delete,
            ignore,
            select: sel.text,
            order,
            plan,
        })
    }

    /// Runs a planned statement with its literals.
    fn run_planned(
        &mut self,
        p: &Planned,
        literals: &[Value],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        match p {
            Planned::Change {
                table,
                targets,
                delete,
                ignore,
                select,
                order,
                plan,
            } => {
                let params: Vec<Value> = order.iter().map(|&k| literals[k].clone()).collect();
                let found = {
                    let view = txn.write_view(self.store, self.tables)?;
                    let none = |_: &str| None;
                    let cx = Context {
                        view: &view,
                        env: session,
                        db: (!session.db.is_empty()).then_some(session.db),
                        names_from: select,
                        system_table: &none,
                        placeholders: &[],
                        params: &params,
                    };
                    engine::exec::run(plan, &cx).map_err(sql_err)?.rows
                };
                self.change_found(table, targets, *delete, *ignore, found, session, txn)
            }
            Planned::Insert {
                table,
                targets,
                rows,
                ignore,
                replace,
            } => {
                let values: Vec<Vec<Option<Value>>> = rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|s| match s {
                                Slot::Lit(k) => Some(literals[*k].clone()),
                                Slot::Null => Some(Value::Null),
                                Slot::Default => None,
                            })
                            .collect()
                    })
                    .collect();
                let how = InsertHow {
                    ignore: *ignore,
                    replace: *replace,
                    odku: None,
                };
                self.write_rows(table, targets, &values, how, session, txn)
            }
            Planned::Filtered | Planned::General => Ok(()),
        }
    }

    /// The table `name` (qualified, or in the default database); `None` when the
    /// replicate-*-table rules exclude it (judged on the name, before it is looked up, as
    /// mysqld does).
    pub(super) fn table(
        &self,
        name: &ObjectName,
        session: &MasterSession<'_>,
    ) -> Result<Option<Arc<TableRt>>, SqlError> {
        let parts = name_parts(name);
        let (db, table) = match parts.as_slice() {
            [t] if session.db.is_empty() => {
                let _ = t;
                return Err(SqlError::new(1046, "No database selected".into()));
            }
            [t] => (session.db.to_string(), t.clone()),
            [d, t] => (d.clone(), t.clone()),
            _ => return Err(unsupported(&format!("the table name {name}"))),
        };
        if !self.filters.table_rules_ok(&db, &table) {
            return Ok(None);
        }
        let t = self
            .tables
            .get(&(db.clone(), table.clone()))
            .ok_or_else(|| SqlError::no_such_table(&db, &table))?;
        if t.def.triggers.len() != t.def.trigger_defs.len() {
            return Err(unsupported(&format!(
                "replaying a statement on {}, whose triggers ({}) were created before replicant kept their bodies: they would not fire (recreate them on the master)",
                t.def.full_name(),
                t.def.triggers.join(", ")
            )));
        }
        Ok(Some(t.clone()))
    }

    /// Runs `select` (a SELECT the statement became) over the transaction's write view.
    fn query(
        &self,
        select: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
        targets: &[&str],
    ) -> Result<Vec<Vec<Value>>, SqlError> {
        self.query_with(select, session, txn, targets, &[], &[])
    }

    /// [`Replay::query`] with values bound to the `?` at byte offsets `placeholders`.
    /// Runs `select` over the transaction's write view: its rows with their columns'
    /// metadata.
    pub(super) fn query_result(
        &self,
        select: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<engine::ResultSet, SqlError> {
        let view = txn
            .write_view(self.store, self.tables)
            .map_err(|e| SqlError::new(1030, format!("Got error from the store: {e}")))?;
        let none = |_: &str| None;
        let cx = Context {
            view: &view,
            env: session,
            db: (!session.db.is_empty()).then_some(session.db),
            names_from: select,
            system_table: &none,
            placeholders: &[],
            params: &[],
        };
        engine::select(select, &cx)
    }

    pub(super) fn query_with(
        &self,
        select: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
        targets: &[&str],
        placeholders: &[usize],
        params: &[Value],
    ) -> Result<Vec<Vec<Value>>, SqlError> {
        let view = txn
            .write_view(self.store, self.tables)
            .map_err(|e| SqlError::new(1030, format!("Got error from the store: {e}")))?;
        let none = |_: &str| None;
        let cx = Context {
            view: &view,
            env: session,
            db: (!session.db.is_empty()).then_some(session.db),
            // Result labels are not needed; the text is read for its placeholders only.
            names_from: if placeholders.is_empty() { "" } else { select },
            system_table: &none,
            placeholders,
            params,
        };
        let rs = if targets.is_empty() {
            engine::select(select, &cx)?
        } else {
            engine::target_rows(select, &cx, targets)?
        };
        Ok(rs.rows)
    }

    fn insert(
        &mut self,
        ins: &ast::Insert,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let TableObject::TableName(name) = &ins.table else {
            return Err(sql_err(unsupported("INSERT into a table function")));
        };
        let Some(t) = self.table(name, session).map_err(sql_err)? else {
            return Ok(());
        };
        if ins.insert_alias.is_some() {
            return Err(sql_err(unsupported("replaying INSERT ... AS alias")));
        }
        let odku = match &ins.on {
            None => None,
            Some(ast::OnInsert::DuplicateKeyUpdate(a)) => {
                Some(Odku::prepare(&t, a).map_err(sql_err)?)
            }
            Some(_) => return Err(sql_err(unsupported("replaying INSERT ... ON CONFLICT"))),
        };
        let column = |n: &str| -> Result<usize, SqlError> {
            t.def
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(n))
                .ok_or_else(|| {
                    SqlError::new(1054, format!("Unknown column '{n}' in 'INSERT INTO'"))
                })
        };
        // The columns given, and per row their values (`None`: DEFAULT).
        let mut targets = Vec::new();
        let mut rows: Vec<Vec<Option<Value>>> = Vec::new();
        if !ins.assignments.is_empty() {
            let mut exprs = Vec::new();
            for a in &ins.assignments {
                let AssignmentTarget::ColumnName(c) = &a.target else {
                    return Err(sql_err(unsupported("a tuple in INSERT ... SET")));
                };
                let parts = name_parts(c);
                targets.push(column(parts.last().map_or("", String::as_str)).map_err(sql_err)?);
                exprs.push(&a.value);
            }
            rows.push(self.eval_row(&exprs, session, txn).map_err(sql_err)?);
        } else {
            for c in &ins.columns {
                let parts = name_parts(c);
                targets.push(column(parts.last().map_or("", String::as_str)).map_err(sql_err)?);
            }
            if targets.is_empty() {
                targets = (0..t.def.columns.len()).collect();
            }
            let Some(source) = &ins.source else {
                return Err(sql_err(unsupported("INSERT without VALUES or SELECT")));
            };
            match source.body.as_ref() {
                SetExpr::Values(v)
                    if source.order_by.is_none() && source.limit_clause.is_none() =>
                {
                    for row in &v.rows {
                        let exprs: Vec<&Expr> = row.content.iter().collect();
                        rows.push(self.eval_row(&exprs, session, txn).map_err(sql_err)?);
                    }
                }
                _ => {
                    let got = self
                        .query(&source.to_string(), session, txn, &[])
                        .map_err(sql_err)?;
                    rows.extend(got.into_iter().map(|r| r.into_iter().map(Some).collect()));
                }
            }
        }
        for r in &rows {
            if r.len() != targets.len() {
                return Err(sql_err(SqlError::new(
                    1136,
                    format!("Column count doesn't match value count at row {}", 1),
                )));
            }
        }
        let how = InsertHow {
            ignore: ins.ignore,
            replace: ins.replace_into,
            odku: odku.as_ref(),
        };
        self.write_rows(&t, &targets, &rows, how, session, txn)
    }

    /// Writes an INSERT's rows (`rows[r][p]` the value for column `targets[p]`, `None`
    /// for DEFAULT): defaults, AUTO_INCREMENT values, then each row as `how` says.
    pub(super) fn write_rows(
        &mut self,
        t: &Arc<TableRt>,
        targets: &[usize],
        rows: &[Vec<Option<Value>>],
        how: InsertHow<'_>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let t = t.clone();
        // Non-strict sql_mode, or IGNORE: values are clipped to what the column holds.
        let lenient = session.sql_mode & STRICT_MODES == 0 || how.ignore;
        let mut auto = AutoIncrement::new(self, session);
        let mut packed: Vec<Option<Vec<u8>>> = Vec::with_capacity(t.def.columns.len());
        let mut row = Vec::new();
        for (n, values) in rows.iter().enumerate() {
            packed.clear();
            auto.row_start();
            for (i, col) in t.def.columns.iter().enumerate() {
                let given = targets.iter().position(|&c| c == i).map(|p| &values[p]);
                let value = match given {
                    Some(Some(v)) => Some(v),
                    // Not given, or DEFAULT.
                    _ => None,
                };
                if col.auto_increment {
                    let generate = match value {
                        None | Some(Value::Null) => true,
                        Some(v) => {
                            session.sql_mode & NO_AUTO_VALUE_ON_ZERO == 0 && v.as_i64() == Some(0)
                        }
                    };
                    if generate {
                        let id = auto.next(self, &t, i, session, txn).map_err(sql_err)?;
                        let mut out = Vec::new();
                        pack_value(col, &Value::UInt(id), &mut out, session.time_zone)
                            .map_err(sql_err)?;
                        packed.push(Some(out));
                        continue;
                    }
                }
                match value {
                    // Non-strict, a NULL for a NOT NULL column of a multi-row INSERT is
                    // the column's implicit default (a single row's is an error).
                    Some(Value::Null) if !col.nullable && lenient && rows.len() > 1 => {
                        packed.push(Some(implicit_packed(col).map_err(sql_err)?));
                    }
                    Some(Value::Null) if !col.nullable => {
                        return Err(sql_err(SqlError::new(
                            1048,
                            format!("Column '{}' cannot be null", col.name),
                        )))
                    }
                    Some(v) => {
                        let mut out = Vec::new();
                        let not_null =
                            pack_value_mode(col, v, &mut out, session.time_zone, lenient)
                                .map_err(|e| sql_err(at_row(e, n + 1)))?;
                        packed.push(not_null.then_some(out));
                    }
                    None => packed.push(default_packed(col, session.timestamp).map_err(sql_err)?),
                }
            }
            t.layout
                .assemble(packed.iter().map(|v| v.as_deref()), &mut row);
            if let Some(r) = self.fire(&t, true, Event::Insert, None, Some(&row), session, txn)? {
                row = r;
            }
            row = self.fill_generated(&t, row, session, txn)?;
            let sp = txn.savepoint();
            let e = match self.rows.insert_row(self.store, txn, &t, &row, false) {
                Err(RowError::Sql(e, h)) if e.code == 1062 => RowError::Sql(e, h),
                other => {
                    other?;
                    self.fire(&t, false, Event::Insert, None, Some(&row), session, txn)?;
                    continue;
                }
            };
            // The row takes a key another row holds.
            txn.rollback_to(sp);
            if how.replace {
                // REPLACE: the rows holding its keys go, then it goes in.
                self.replace_row(&t, &row, e, session, txn)?;
            } else if let Some(o) = how.odku {
                let Some((old, ix)) = self.rows.find_conflict(self.store, txn, &t, &row)? else {
                    return Err(e);
                };
                self.odku_update(&t, o, &old, ix, &row, session, txn)?;
                // The row was not inserted: its generated value goes to the next row.
                auto.give_back();
            } else if how.ignore {
                // mysqld gives an ignored row's generated value back: the next row
                // takes it.
                auto.give_back();
            } else {
                return Err(e);
            }
        }
        Ok(())
    }

    /// REPLACE of `row`, which met a taken key (`first`): each row holding one of its
    /// keys is deleted, then it is inserted.
    fn replace_row(
        &mut self,
        t: &TableRt,
        row: &[u8],
        first: RowError,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let mut err = first;
        // Each round removes one holder: at most one per unique key.
        for _ in 0..=t.def.indexes.len() {
            let Some((old, _)) = self.rows.find_conflict(self.store, txn, t, row)? else {
                return Err(err);
            };
            self.delete_fired(t, &old, session, txn)?;
            let sp = txn.savepoint();
            match self.rows.insert_row(self.store, txn, t, row, false) {
                Err(RowError::Sql(e, h)) if e.code == 1062 => {
                    txn.rollback_to(sp);
                    err = RowError::Sql(e, h);
                }
                other => {
                    other?;
                    self.fire(t, false, Event::Insert, None, Some(row), session, txn)?;
                    return Ok(());
                }
            }
        }
        Err(err)
    }

    /// Deletes row `old` of `t`, firing its DELETE triggers around it.
    fn delete_fired(
        &mut self,
        t: &TableRt,
        old: &[u8],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        self.fire(t, true, Event::Delete, Some(old), None, session, txn)?;
        self.rows.delete_row(self.store, txn, t, old)?;
        self.fire(t, false, Event::Delete, Some(old), None, session, txn)?;
        Ok(())
    }

    /// ON DUPLICATE KEY UPDATE: `old`, the row holding the key `row` (the row the INSERT
    /// would have written) took on index `ix`, updated by the assignments, whose
    /// VALUES(col) are `row`'s values.
    #[allow(clippy::too_many_arguments)]
    fn odku_update(
        &mut self,
        t: &TableRt,
        o: &Odku,
        old: &[u8],
        ix: usize,
        row: &[u8],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let values =
            |bytes: &[u8], cols: &mut dyn Iterator<Item = usize>| -> Result<Vec<Value>, RowError> {
                let mut spans = Vec::new();
                t.layout.spans(bytes, &mut spans)?;
                let mut buf = Vec::new();
                cols.map(|c| {
                    let v = t.layout.value(bytes, c, spans[c])?;
                    Ok(engine::exec::stored_value(
                        &t.def.columns[c],
                        &v,
                        &mut buf,
                        session.time_zone,
                    ))
                })
                .collect()
            };
        let key_cols: Vec<usize> = t.def.indexes[ix].parts.iter().map(|p| p.column).collect();
        let mut params = values(row, &mut o.values_of.iter().copied())?;
        params.extend(values(old, &mut key_cols.iter().copied())?);
        let mut select = select_list(&o.exprs);
        select.push_str(&format!(" FROM `{}`.`{}` WHERE ", t.def.db, t.def.name));
        for (i, c) in key_cols.iter().enumerate() {
            if i > 0 {
                select.push_str(" AND ");
            }
            select.push_str(&format!("`{}` <=> ?", t.def.columns[*c].name));
        }
        let placeholders = crate::sql::split::placeholders(&select);
        if placeholders.len() != params.len() {
            return Err(sql_err(unsupported(
                "a '?' in ON DUPLICATE KEY UPDATE's expressions",
            )));
        }
        let found = self
            .query_with(
                &select,
                session,
                txn,
                &[t.def.name.as_str()],
                &placeholders,
                &params,
            )
            .map_err(sql_err)?;
        let Some(r) = found
            .into_iter()
            .find(|r| matches!(r.last(), Some(Value::Bytes(b)) if b == old))
        else {
            return Err(sql_err(SqlError::row_not_found(&t.def.name)));
        };
        self.apply_assignments(t, &o.targets, &r, old, session, txn)
    }

    /// Writes `old` with the assigned columns (`targets`) set to the first values of
    /// `r` (the UPDATE's and ON DUPLICATE KEY UPDATE's SELECT row); nothing when no value
    /// changes.
    fn apply_assignments(
        &mut self,
        t: &TableRt,
        targets: &[usize],
        r: &[Value],
        old: &[u8],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let mut spans = Vec::new();
        t.layout.spans(old, &mut spans)?;
        let mut packed: Vec<Option<Vec<u8>>> = Vec::with_capacity(t.def.columns.len());
        for (i, col) in t.def.columns.iter().enumerate() {
            match targets.iter().position(|&c| c == i) {
                Some(p) => {
                    let v = &r[p];
                    let lenient = session.sql_mode & STRICT_MODES == 0;
                    if matches!(v, Value::Null) && !col.nullable {
                        // Non-strict: the column's implicit default, with a warning.
                        if lenient {
                            packed.push(Some(implicit_packed(col).map_err(sql_err)?));
                            continue;
                        }
                        return Err(sql_err(SqlError::new(
                            1048,
                            format!("Column '{}' cannot be null", col.name),
                        )));
                    }
                    let mut out = Vec::new();
                    let not_null = pack_value_mode(col, v, &mut out, session.time_zone, lenient)
                        .map_err(sql_err)?;
                    packed.push(not_null.then_some(out));
                }
                None => packed.push(spans[i].map(|(s, e)| old[s..e].to_vec())),
            }
        }
        let mut new = Vec::new();
        t.layout
            .assemble(packed.iter().map(|v| v.as_deref()), &mut new);
        // UPDATE triggers fire for each row matched, changed or not (as in mysqld).
        if let Some(r) = self.fire(t, true, Event::Update, Some(old), Some(&new), session, txn)? {
            new = r;
        }
        new = self.fill_generated(t, new, session, txn)?;
        {
            packed.clear();
            let mut spans = Vec::new();
            t.layout.spans(&new, &mut spans)?;
            packed.extend(spans.iter().map(|s| s.map(|(a, b)| new[a..b].to_vec())));
        }
        if new == old {
            return self
                .fire(t, false, Event::Update, Some(old), Some(&new), session, txn)
                .map(|_| ());
        }
        // The row changes: ON UPDATE CURRENT_TIMESTAMP columns not set take the time.
        let mut stamped = false;
        for (i, col) in t.def.columns.iter().enumerate() {
            if col.on_update && !targets.contains(&i) {
                let mut now = session.now();
                let fsp = match col.ty {
                    SqlType::DateTime(f) | SqlType::Timestamp(f) => f.min(6),
                    _ => 0,
                };
                now.fsp = fsp;
                now.micro -= now.micro % 10u32.pow(6 - fsp as u32);
                let mut out = Vec::new();
                pack_value(col, &Value::Temporal(now), &mut out, session.time_zone)
                    .map_err(sql_err)?;
                packed[i] = Some(out);
                stamped = true;
            }
        }
        if stamped {
            t.layout
                .assemble(packed.iter().map(|v| v.as_deref()), &mut new);
        }
        self.rows.update_row(self.store, txn, t, old, &new)?;
        self.fire(t, false, Event::Update, Some(old), Some(&new), session, txn)?;
        Ok(())
    }

    /// One VALUES row evaluated (`None` for DEFAULT).
    fn eval_row(
        &self,
        exprs: &[&Expr],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<Vec<Option<Value>>, SqlError> {
        let is_default = |e: &Expr| matches!(e, Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("DEFAULT"));
        // Literals need no query.
        if let Some(vals) = exprs
            .iter()
            .map(|e| {
                if is_default(e) {
                    Some(None)
                } else {
                    literal(e).map(Some)
                }
            })
            .collect::<Option<Vec<_>>>()
        {
            return Ok(vals);
        }
        let mut select = String::from("SELECT ");
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                select.push_str(", ");
            }
            if is_default(e) {
                select.push_str("NULL");
            } else {
                select.push_str(&e.to_string());
            }
        }
        let row = self
            .query(&select, session, txn, &[])?
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok(row
            .into_iter()
            .zip(exprs)
            .map(|(v, e)| (!is_default(e)).then_some(v))
            .collect())
    }

    /// The single table an UPDATE or DELETE changes, with the name it goes by (`None`:
    /// filtered out).
    fn single_table(
        &self,
        twj: &TableWithJoins,
        session: &MasterSession<'_>,
        what: &str,
    ) -> Result<Option<(Arc<TableRt>, String)>, SqlError> {
        let TableFactor::Table { name, alias, .. } = &twj.relation else {
            return Err(unsupported(&format!(
                "a multi-table or derived-table {what}"
            )));
        };
        if !twj.joins.is_empty() {
            return Err(unsupported(&format!("replaying a multi-table {what}")));
        }
        let Some(t) = self.table(name, session)? else {
            return Ok(None);
        };
        let alias = alias
            .as_ref()
            .map_or_else(|| t.def.name.clone(), |a| a.name.value.clone());
        Ok(Some((t, alias)))
    }

    fn update(
        &mut self,
        u: &ast::Update,
        ignore: bool,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        if u.from.is_some() {
            return Err(sql_err(unsupported("UPDATE ... FROM")));
        }
        if !u.table.joins.is_empty() {
            return self.update_multi(u, session, txn);
        }
        let Some((t, alias)) = self
            .single_table(&u.table, session, "UPDATE")
            .map_err(sql_err)?
        else {
            return Ok(());
        };
        // SET a = ..., b = ...: later expressions see the values assigned before them.
        let (targets, exprs) = assignments_of(&t, &alias, &u.assignments).map_err(sql_err)?;
        let found = self
            .query(&update_select(u, &exprs), session, txn, &[alias.as_str()])
            .map_err(sql_err)?;
        self.change_found(&t, &targets, false, ignore, found, session, txn)
    }

    /// Updates (`targets` from each row's first values) or deletes the stored rows
    /// `found` carries last (a single-table UPDATE's or DELETE's SELECT rows). UPDATE
    /// IGNORE leaves a row whose new key is taken as it was.
    #[allow(clippy::too_many_arguments)]
    fn change_found(
        &mut self,
        t: &TableRt,
        targets: &[usize],
        delete: bool,
        ignore: bool,
        found: Vec<Vec<Value>>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        for r in found {
            let Some(Value::Bytes(old)) = r.last() else {
                continue;
            };
            if delete {
                self.delete_fired(t, old, session, txn)?;
                continue;
            }
            let sp = txn.savepoint();
            match self.apply_assignments(t, targets, &r, old, session, txn) {
                Err(RowError::Sql(e, _)) if ignore && e.code == 1062 => txn.rollback_to(sp),
                other => other?,
            }
        }
        Ok(())
    }

    fn delete(
        &mut self,
        d: &ast::Delete,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let from = match &d.from {
            FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
        };
        let ([twj], true, None) = (from.as_slice(), d.tables.is_empty(), &d.using) else {
            return self.delete_multi(d, session, txn);
        };
        if !twj.joins.is_empty() {
            return self.delete_multi(d, session, txn);
        }
        let Some((t, alias)) = self.single_table(twj, session, "DELETE").map_err(sql_err)? else {
            return Ok(());
        };
        let found = self
            .query(&delete_select(twj, d), session, txn, &[alias.as_str()])
            .map_err(sql_err)?;
        self.change_found(&t, &[], true, false, found, session, txn)
    }

    /// The base tables of `refs` (FROM's table references) by the name each goes by,
    /// `None` for one the table rules exclude.
    fn tables_of(
        &self,
        refs: &[&TableWithJoins],
        session: &MasterSession<'_>,
        what: &str,
    ) -> Result<Vec<TableRef>, SqlError> {
        let mut out = Vec::new();
        for twj in refs {
            let factors =
                std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation));
            for f in factors {
                let TableFactor::Table { name, alias, .. } = f else {
                    return Err(unsupported(&format!(
                        "a derived table or table function in a multi-table {what}"
                    )));
                };
                let t = self.table(name, session)?;
                let alias = alias.as_ref().map_or_else(
                    || name_parts(name).last().cloned().unwrap_or_default(),
                    |a| a.name.value.clone(),
                );
                out.push((alias, t));
            }
        }
        Ok(out)
    }

    /// UPDATE t1 JOIN t2 ... SET t1.a = ..., t2.b = ...: each row of each updated table
    /// changed once, with the values of the first joined row that finds it.
    fn update_multi(
        &mut self,
        u: &ast::Update,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        if !u.order_by.is_empty() || u.limit.is_some() {
            return Err(sql_err(SqlError::new(
                1221,
                "Incorrect usage of UPDATE and ORDER BY".into(),
            )));
        }
        let tables = self
            .tables_of(&[&u.table], session, "UPDATE")
            .map_err(sql_err)?;
        // Each assignment's table (by position in `tables`) and column.
        let mut assigned: Vec<(usize, usize, Expr)> = Vec::new();
        for a in &u.assignments {
            let AssignmentTarget::ColumnName(c) = &a.target else {
                return Err(sql_err(unsupported("a tuple in SET")));
            };
            let parts = name_parts(c);
            let (ti, ci) = resolve_column(&tables, &parts).map_err(sql_err)?;
            assigned.push((ti, ci, a.value.clone()));
        }
        // Updated tables the filters let through; none: the statement is not applied.
        let mut updated: Vec<usize> = assigned.iter().map(|a| a.0).collect();
        updated.sort_unstable();
        updated.dedup();
        if updated.iter().all(|&ti| tables[ti].1.is_none()) {
            return Ok(());
        }
        let exprs: Vec<Expr> = assigned.iter().map(|(_, _, e)| e.clone()).collect();
        let mut select = select_list(&exprs);
        select.push_str(&format!(" FROM {}", u.table));
        push_tail(&mut select, u.selection.as_ref(), &[], None);
        let aliases: Vec<&str> = updated.iter().map(|&ti| tables[ti].0.as_str()).collect();
        let found = self
            .query(&select, session, txn, &aliases)
            .map_err(sql_err)?;
        let mut done: Vec<std::collections::HashSet<Vec<u8>>> =
            vec![Default::default(); updated.len()];
        for r in found {
            for (k, &ti) in updated.iter().enumerate() {
                let Some(t) = &tables[ti].1 else {
                    continue;
                };
                let Some(Value::Bytes(old)) = r.get(assigned.len() + k) else {
                    continue;
                };
                if !done[k].insert(old.clone()) {
                    continue;
                }
                let mut cols = Vec::new();
                let mut vals = Vec::new();
                for (i, (ati, ci, _)) in assigned.iter().enumerate() {
                    if *ati == ti {
                        // A later assignment to the same column wins.
                        if let Some(p) = cols.iter().position(|c| c == ci) {
                            vals[p] = r[i].clone();
                        } else {
                            cols.push(*ci);
                            vals.push(r[i].clone());
                        }
                    }
                }
                let t = t.clone();
                self.apply_assignments(&t, &cols, &vals, old, session, txn)?;
            }
        }
        Ok(())
    }

    /// DELETE t1, t2 FROM t1 JOIN t2 ... and DELETE FROM t1, t2 USING t1 JOIN t2 ...: each
    /// matched row of each named table deleted once.
    fn delete_multi(
        &mut self,
        d: &ast::Delete,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        if !d.order_by.is_empty() || d.limit.is_some() {
            return Err(sql_err(SqlError::new(
                1221,
                "Incorrect usage of DELETE and ORDER BY".into(),
            )));
        }
        let from = match &d.from {
            FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
        };
        // Which tables lose rows, and the table references rows are found through.
        let (targets, refs): (Vec<Vec<String>>, Vec<&TableWithJoins>) = match &d.using {
            Some(using) => (
                from.iter()
                    .map(|t| match &t.relation {
                        TableFactor::Table { name, .. } => Ok(name_parts(name)),
                        _ => Err(sql_err(unsupported("this DELETE target"))),
                    })
                    .collect::<Result<_, _>>()?,
                using.iter().collect(),
            ),
            None if !d.tables.is_empty() => (
                d.tables.iter().map(name_parts).collect(),
                from.iter().collect(),
            ),
            None => {
                // DELETE FROM t1 JOIN t2 ...: rows of the first table.
                let [twj] = from.as_slice() else {
                    return Err(sql_err(unsupported("this DELETE")));
                };
                let TableFactor::Table { name, alias, .. } = &twj.relation else {
                    return Err(sql_err(unsupported("this DELETE")));
                };
                let first = alias
                    .as_ref()
                    .map_or_else(|| name_parts(name), |a| vec![a.name.value.clone()]);
                (vec![first], from.iter().collect())
            }
        };
        let tables = self.tables_of(&refs, session, "DELETE").map_err(sql_err)?;
        let mut deleted: Vec<usize> = Vec::new();
        for parts in &targets {
            // A target names a table reference by its alias (or name), `.*` allowed.
            let name = parts
                .iter()
                .rev()
                .find(|p| *p != "*")
                .cloned()
                .unwrap_or_default();
            let ti = tables
                .iter()
                .position(|(a, _)| a.eq_ignore_ascii_case(&name))
                .ok_or_else(|| {
                    sql_err(SqlError::new(
                        1109,
                        format!("Unknown table '{name}' in MULTI DELETE"),
                    ))
                })?;
            if !deleted.contains(&ti) {
                deleted.push(ti);
            }
        }
        if deleted.iter().all(|&ti| tables[ti].1.is_none()) {
            return Ok(());
        }
        let refs_text: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
        let mut select = format!("SELECT NULL FROM {}", refs_text.join(", "));
        push_tail(&mut select, d.selection.as_ref(), &[], None);
        let aliases: Vec<&str> = deleted.iter().map(|&ti| tables[ti].0.as_str()).collect();
        let found = self
            .query(&select, session, txn, &aliases)
            .map_err(sql_err)?;
        let mut done: Vec<std::collections::HashSet<Vec<u8>>> =
            vec![Default::default(); deleted.len()];
        for r in found {
            for (k, &ti) in deleted.iter().enumerate() {
                let Some(t) = &tables[ti].1 else {
                    continue;
                };
                let Some(Value::Bytes(old)) = r.get(1 + k) else {
                    continue;
                };
                if done[k].insert(old.clone()) {
                    let t = t.clone();
                    self.delete_fired(&t, old, session, txn)?;
                }
            }
        }
        Ok(())
    }
}

/// A table reference of a multi-table statement: the name it goes by, and the table
/// (`None`: excluded by the replicate-*-table rules).
type TableRef = (String, Option<Arc<TableRt>>);

/// The table (position in `tables`) and column a possibly qualified column name means:
/// `t.c` by the table's name, `c` in the one table that has it (1052 when several do).
fn resolve_column(tables: &[TableRef], parts: &[String]) -> Result<(usize, usize), SqlError> {
    let col = parts.last().map_or("", String::as_str);
    let mut found = None;
    for (ti, (alias, t)) in tables.iter().enumerate() {
        if parts.len() >= 2 && !alias.eq_ignore_ascii_case(&parts[parts.len() - 2]) {
            continue;
        }
        let Some(t) = t else {
            // Excluded by the filters: its columns are unknown here.
            if parts.len() >= 2 {
                return Err(unsupported(&format!(
                    "a multi-table UPDATE setting a column of the filtered table {alias}"
                )));
            }
            continue;
        };
        if let Some(ci) = t
            .def
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(col))
        {
            if found.is_some() {
                return Err(SqlError::new(
                    1052,
                    format!("Column '{col}' in field list is ambiguous"),
                ));
            }
            found = Some((ti, ci));
        }
    }
    found.ok_or_else(|| {
        SqlError::new(
            1054,
            format!("Unknown column '{}' in 'field list'", parts.join(".")),
        )
    })
}

/// How an INSERT meets a taken key.
#[derive(Clone, Copy)]
pub(super) struct InsertHow<'o> {
    /// INSERT IGNORE: the row is left out.
    ignore: bool,
    /// REPLACE: the rows holding its keys go.
    replace: bool,
    /// ON DUPLICATE KEY UPDATE: the row holding the key is updated.
    odku: Option<&'o Odku>,
}

impl InsertHow<'_> {
    /// INSERT [IGNORE] or REPLACE, without ON DUPLICATE KEY UPDATE.
    pub(super) fn plain(ignore: bool, replace: bool) -> InsertHow<'static> {
        InsertHow {
            ignore,
            replace,
            odku: None,
        }
    }
}

/// ON DUPLICATE KEY UPDATE's assignments, ready to evaluate against the row a new row
/// collides with.
struct Odku {
    /// Assigned columns.
    targets: Vec<usize>,
    /// Their expressions, earlier targets substituted, each VALUES(col) made a `?`.
    exprs: Vec<Expr>,
    /// The column of each `?`, in text order.
    values_of: Vec<usize>,
}

impl Odku {
    fn prepare(t: &TableRt, assignments: &[ast::Assignment]) -> Result<Odku, SqlError> {
        let (targets, mut exprs) = assignments_of(t, &t.def.name, assignments)?;
        let mut values_of = Vec::new();
        let mut bad: Option<SqlError> = None;
        for e in &mut exprs {
            let _ = ast::visit_expressions_mut(e, |x| {
                let Expr::Function(f) = x else {
                    return ControlFlow::<()>::Continue(());
                };
                if !f.name.to_string().eq_ignore_ascii_case("VALUES") {
                    return ControlFlow::Continue(());
                }
                let arg = match &f.args {
                    ast::FunctionArguments::List(l) => match l.args.as_slice() {
                        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a))] => Some(a),
                        _ => None,
                    },
                    _ => None,
                };
                let name = match arg {
                    Some(Expr::Identifier(i)) => Some(i.value.clone()),
                    Some(Expr::CompoundIdentifier(p)) => p.last().map(|i| i.value.clone()),
                    _ => None,
                };
                match name.and_then(|n| {
                    t.def
                        .columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(&n))
                }) {
                    Some(c) => {
                        values_of.push(c);
                        *x = Expr::Value(ast::Value::Placeholder("?".into()).into());
                    }
                    None => {
                        bad = Some(SqlError::new(
                            1054,
                            format!("Unknown column in '{x}' in 'field list'"),
                        ))
                    }
                }
                ControlFlow::Continue(())
            });
        }
        if let Some(e) = bad {
            return Err(e);
        }
        Ok(Odku {
            targets,
            exprs,
            values_of,
        })
    }
}

/// The columns `assignments` (of table `t`, named `alias`) set, and their expressions
/// with earlier targets substituted (mysqld's single-table UPDATE evaluates them in
/// order, each seeing the values assigned before it).
fn assignments_of(
    t: &TableRt,
    alias: &str,
    assignments: &[ast::Assignment],
) -> Result<(Vec<usize>, Vec<Expr>), SqlError> {
    let mut targets: Vec<usize> = Vec::new();
    let mut exprs: Vec<Expr> = Vec::new();
    for a in assignments {
        let AssignmentTarget::ColumnName(c) = &a.target else {
            return Err(unsupported("a tuple in SET"));
        };
        let parts = name_parts(c);
        let cname = parts.last().map_or("", String::as_str);
        let i = t
            .def
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(cname))
            .ok_or_else(|| {
                SqlError::new(1054, format!("Unknown column '{cname}' in 'field list'"))
            })?;
        let mut e = a.value.clone();
        substitute(&mut e, t, alias, &targets, &exprs);
        if let Some(p) = targets.iter().position(|&x| x == i) {
            exprs[p] = e;
        } else {
            targets.push(i);
            exprs.push(e);
        }
    }
    Ok((targets, exprs))
}

/// `sql` without the LOW_PRIORITY / QUICK / IGNORE modifiers after UPDATE or DELETE
/// (the parser does not take them), and whether IGNORE was there.
fn strip_modifiers(sql: &str) -> (std::borrow::Cow<'_, str>, bool) {
    let t = sql.trim_start();
    let verb_len = ["UPDATE", "DELETE"]
        .iter()
        .find(|v| {
            t.get(..v.len()).is_some_and(|w| w.eq_ignore_ascii_case(v))
                && t[v.len()..].starts_with(|c: char| c.is_ascii_whitespace())
        })
        .map(|v| v.len());
    let Some(verb_len) = verb_len else {
        return (sql.into(), false);
    };
    let mut rest = &t[verb_len..];
    let mut ignore = false;
    let mut stripped = false;
    loop {
        let r = rest.trim_start();
        let word_len = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        let word = &r[..word_len];
        let is_mod = ["LOW_PRIORITY", "QUICK", "IGNORE"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(word));
        if !is_mod || !r[word_len..].starts_with(|c: char| c.is_ascii_whitespace()) {
            break;
        }
        ignore |= word.eq_ignore_ascii_case("IGNORE");
        stripped = true;
        rest = &r[word_len..];
    }
    if !stripped {
        return (sql.into(), false);
    }
    (format!("{}{rest}", &t[..verb_len]).into(), ignore)
}

/// `UPDATE t1, t2 SET ...` as `UPDATE t1 JOIN t2 SET ...`: the same cross join (WHERE
/// relates the tables), in the spelling the parser takes. Other statements as they are.
fn comma_joins(sql: &str) -> std::borrow::Cow<'_, str> {
    let t = sql.trim_start();
    let update = t.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("UPDATE"))
        && t[6..].starts_with(|c: char| c.is_ascii_whitespace());
    if !update {
        return sql.into();
    }
    let b = sql.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let mut depth = 0i32;
    let mut commas = Vec::new();
    let mut done = false;
    crate::sql::split::visit(sql, |i| {
        if done {
            return;
        }
        match b[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => commas.push(i),
            c if depth == 0
                && c.eq_ignore_ascii_case(&b'S')
                && sql
                    .get(i..i + 3)
                    .is_some_and(|w| w.eq_ignore_ascii_case("SET"))
                && (i == 0 || !is_word(b[i - 1]))
                && b.get(i + 3).is_none_or(|&n| !is_word(n)) =>
            {
                done = true
            }
            _ => {}
        }
    });
    if commas.is_empty() || !done {
        return sql.into();
    }
    let mut out = String::with_capacity(sql.len() + 5 * commas.len());
    let mut last = 0;
    for c in commas {
        out.push_str(&sql[last..c]);
        out.push_str(" JOIN ");
        last = c + 1;
    }
    out.push_str(&sql[last..]);
    out.into()
}

/// `SELECT e1, e2, ...`.
fn select_list(exprs: &[Expr]) -> String {
    let items: Vec<String> = exprs.iter().map(|e| e.to_string()).collect();
    format!("SELECT {}", items.join(", "))
}

/// The SELECT a single-table UPDATE becomes: its SET expressions (`exprs`, earlier
/// targets substituted) over its table, WHERE, ORDER BY and LIMIT.
fn update_select(u: &ast::Update, exprs: &[Expr]) -> String {
    let mut select = select_list(exprs);
    select.push_str(&format!(" FROM {}", u.table));
    push_tail(
        &mut select,
        u.selection.as_ref(),
        &u.order_by,
        u.limit.as_ref(),
    );
    select
}

/// The SELECT a single-table DELETE on `twj` becomes (no item: only the stored rows
/// `target_rows` adds are read).
fn delete_select(twj: &TableWithJoins, d: &ast::Delete) -> String {
    let mut select = format!("SELECT NULL FROM {twj}");
    push_tail(
        &mut select,
        d.selection.as_ref(),
        &d.order_by,
        d.limit.as_ref(),
    );
    select
}

/// Appends WHERE, ORDER BY and LIMIT.
fn push_tail(
    select: &mut String,
    selection: Option<&Expr>,
    order_by: &[ast::OrderByExpr],
    limit: Option<&Expr>,
) {
    if let Some(w) = selection {
        select.push_str(&format!(" WHERE {w}"));
    }
    if !order_by.is_empty() {
        let keys: Vec<String> = order_by.iter().map(|o| o.to_string()).collect();
        select.push_str(&format!(" ORDER BY {}", keys.join(", ")));
    }
    if let Some(l) = limit {
        select.push_str(&format!(" LIMIT {l}"));
    }
}

/// Replaces, in `e`, references to the columns `targets` (of table `t`, named `alias`)
/// by the expressions assigned to them.
fn substitute(e: &mut Expr, t: &TableRt, alias: &str, targets: &[usize], exprs: &[Expr]) {
    if targets.is_empty() {
        return;
    }
    let _ = ast::visit_expressions_mut(e, |x| {
        let name = match x {
            Expr::Identifier(i) => Some(i.value.as_str()),
            Expr::CompoundIdentifier(p)
                if p.len() == 2 && p[0].value.eq_ignore_ascii_case(alias) =>
            {
                Some(p[1].value.as_str())
            }
            _ => None,
        };
        if let Some(n) = name {
            if let Some(p) = targets
                .iter()
                .position(|&c| t.def.columns[c].name.eq_ignore_ascii_case(n))
            {
                *x = Expr::Nested(Box::new(exprs[p].clone()));
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A literal's value without the engine: numbers, strings, NULL (the common VALUES
/// rows); `None` for anything else.
fn literal(e: &Expr) -> Option<Value> {
    match e {
        Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => Some(engine::bind::number(n)),
            // Backslashes were said again after parsing (see `execute`).
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                Some(Value::Text(if s.contains('\\') {
                    s.replace("\\0", "\0").replace("\\\\", "\\")
                } else {
                    s.clone()
                }))
            }
            ast::Value::Null => Some(Value::Null),
            _ => None,
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match literal(expr)? {
            Value::Int(i) => Some(Value::Int(i.checked_neg()?)),
            _ => None,
        },
        _ => None,
    }
}

/// The first words of a statement, for messages.
fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// An error about a value, with mysqld's "at row N".
fn at_row(e: SqlError, n: usize) -> SqlError {
    if e.code == 1366 || e.message.starts_with("Incorrect") {
        SqlError::new(e.code, format!("{} at row {n}", e.message))
    } else {
        e
    }
}

/// AUTO_INCREMENT values a statement generates: INSERT_ID's value first (what the
/// master generated), then each next one `auto_increment_increment` further.
struct AutoIncrement {
    next: Option<u64>,
    step: u64,
    offset: u64,
    /// The value the current row generated, if it did.
    generated: Option<u64>,
}

impl AutoIncrement {
    fn new(r: &Replay<'_>, s: &MasterSession<'_>) -> AutoIncrement {
        AutoIncrement {
            next: s.vars.insert_id.filter(|_| !r.insert_id_taken.get()),
            step: (s.auto_increment.0 as u64).max(1),
            offset: (s.auto_increment.1 as u64).max(1),
            generated: None,
        }
    }

    /// A new row begins.
    fn row_start(&mut self) {
        self.generated = None;
    }

    /// The current row was not inserted: its generated value goes to the next row.
    fn give_back(&mut self) {
        if let Some(id) = self.generated.take() {
            self.next = Some(id);
        }
    }

    fn next(
        &mut self,
        r: &Replay<'_>,
        t: &TableRt,
        col: usize,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<u64, SqlError> {
        r.insert_id_taken.set(true);
        let id = match self.next {
            Some(id) => id,
            None => {
                // No INSERT_ID logged: the next value after the largest stored, on the
                // increment/offset grid, as mysqld's counter would give.
                let q = format!(
                    "SELECT MAX(`{}`) FROM `{}`.`{}`",
                    t.def.columns[col].name, t.def.db, t.def.name
                );
                let max = r
                    .query(&q, session, txn, &[])?
                    .first()
                    .and_then(|row| row.first())
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    .max(0) as u64;
                let mut id = max + 1;
                if self.step > 1 {
                    let off = self.offset.min(self.step);
                    id = if id <= off {
                        off
                    } else {
                        off + (id - off).div_ceil(self.step) * self.step
                    };
                }
                id
            }
        };
        self.next = Some(id + self.step);
        self.generated = Some(id);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_joined_updates_read_as_joins() {
        let c = |s: &str| comma_joins(s).into_owned();
        assert_eq!(
            c("UPDATE t1, t2 SET t1.a = t2.b WHERE t1.id = t2.id"),
            "UPDATE t1 JOIN  t2 SET t1.a = t2.b WHERE t1.id = t2.id"
        );
        assert_eq!(
            c("update `a,b` x , (select 1) y,z set x.v = concat('s, t', y.w), z.k = 1"),
            "update `a,b` x  JOIN  (select 1) y JOIN z set x.v = concat('s, t', y.w), z.k = 1"
        );
        // Commas after SET, and other statements, are left alone.
        for s in [
            "UPDATE t SET a = 1, b = 2",
            "DELETE FROM t WHERE a IN (1, 2)",
            "UPDATE t1, t2",
            "UPDATE settings, t SETX",
        ] {
            assert_eq!(c(s), s);
        }
    }
    use crate::apply::ddl::{self, DdlContext};
    use crate::apply::schema;
    use crate::relay::reader::RelayPos;
    use crate::store::AppliedPos;

    fn pos(offset: u64) -> AppliedPos {
        AppliedPos {
            relay: RelayPos {
                file: "r.000001".into(),
                offset,
            },
            master: None,
            gtid: None,
        }
    }

    /// A store with `d.t` made by DDL, as the applier makes it.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let mut cat = s.load_catalog().unwrap();
        let mut txn = s.txn();
        let mut rows = RowApplier::default();
        let ctx = DdlContext {
            db: Some("d"),
            collation_server: 45,
            collation_database: Some(45),
            mysql: false,
            collation_connection: 45,
            sql_mode: 0,
            charset_client: 33,
            timestamp: 0,
        };
        for sql in [
            "CREATE DATABASE d",
            "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, n INT NOT NULL DEFAULT 7, KEY (name))",
        ] {
            for op in ddl::parse(sql, &ctx, &cat).unwrap() {
                schema::execute(op, &mut cat, &s, &mut txn, &mut rows, 0).unwrap();
            }
        }
        txn.commit(&s, &pos(4), true).unwrap();
        (dir, s)
    }

    /// Thread 9's session in database `d` at 2023-11-14 22:13:20 UTC.
    fn session_of(vars: &StatementVars, sql_mode: u64) -> MasterSession<'_> {
        MasterSession {
            db: "d",
            timestamp: 1_700_000_000,
            micros: 0,
            thread_id: 9,
            sql_mode,
            auto_increment: (1, 1),
            vars,
            rand: Default::default(),
            time_zone: &crate::tz::SYSTEM,
        }
    }

    fn rows_of(view: &dyn crate::store::view::TableAccess) -> String {
        let sql = "SELECT id, name, n FROM d.t ORDER BY id";
        let none = |_: &str| None;
        let cx = Context {
            view,
            env: &crate::sql::env::NoSession,
            db: None,
            names_from: sql,
            system_table: &none,
            placeholders: &[],
            params: &[],
        };
        engine::select(sql, &cx)
            .unwrap()
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.render().unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Backslash escapes in literals keep their meaning through every path a statement
    /// takes (INSERT's literals, UPDATE's SELECT, a shape's parameters).
    #[test]
    fn backslashes_in_literals_survive_replay() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let mut applier = RowApplier::default();
        let filters = Filters::default();
        let vars = StatementVars::default();
        let mut shapes = Shapes::default();
        let mut txn = s.txn();
        let mut r = Replay {
            store: &s,
            tables: &tables,
            rows: &mut applier,
            filters: &filters,
            shapes: &mut shapes,
            private: true,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        let session = session_of(&vars, 0);
        for sql in [
            r"INSERT INTO t (id, name) VALUES (1, 'a\\b'), (2, 'x')",
            r"UPDATE t SET name = CONCAT(name, '\\c\n') WHERE id = 2",
            r"UPDATE t SET name = 'p\\q' WHERE id = 1 AND name = 'a\\b'",
        ] {
            r.execute(sql, &session, &mut txn).unwrap();
        }
        let view = txn.write_view(&s, &tables).unwrap();
        assert_eq!(rows_of(&view), "1,p\\q,7;2,x\\c\n,7");
    }

    /// Issue 17's check: a replayed UPDATE ... WHERE reads rows that earlier, not yet
    /// committed transactions of its batch inserted (and a DELETE the UPDATE's changes).
    #[test]
    fn replayed_statements_read_their_batchs_own_writes() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let mut applier = RowApplier::default();
        let filters = Filters::default();
        let vars = StatementVars {
            insert_id: Some(1),
            ..Default::default()
        };
        let session = session_of(&vars, 0);
        let mut txn = s.txn();
        let mut shapes = Shapes::default();
        let mut r = Replay {
            store: &s,
            tables: &tables,
            rows: &mut applier,
            filters: &filters,
            shapes: &mut shapes,
            private: false,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        // Three transactions of one batch: nothing is committed in between.
        r.execute(
            "INSERT INTO t (name) VALUES ('a'), ('b'), ('c')",
            &session,
            &mut txn,
        )
        .unwrap();
        let plain = StatementVars::default();
        let session = MasterSession {
            vars: &plain,
            ..session
        };
        r.execute(
            "UPDATE t SET n = n + id, name = CONCAT(name, n) WHERE name >= 'b'",
            &session,
            &mut txn,
        )
        .unwrap();
        r.execute("DELETE FROM t WHERE n = 10", &session, &mut txn)
            .unwrap();
        // The second assignment saw the first one's value (n = 7 + 2 = 9, name b9).
        let view = txn.write_view(&s, &tables).unwrap();
        assert_eq!(rows_of(&view), "1,a,7;2,b9,9");
        // Unique and secondary keys were kept in step: a lookup by name finds the row.
        r.execute("UPDATE t SET n = 0 WHERE name = 'b9'", &session, &mut txn)
            .unwrap();
        assert_eq!(
            rows_of(&*s.read_view().unwrap()),
            "",
            "nothing committed yet"
        );
        txn.commit(&s, &pos(100), true).unwrap();
        assert_eq!(rows_of(&*s.read_view().unwrap()), "1,a,7;2,b9,0");
    }

    #[test]
    fn what_is_not_replayed_is_1235_naming_it() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let mut applier = RowApplier::default();
        let filters = Filters::default();
        let vars = StatementVars::default();
        let session = session_of(&vars, 0);
        let mut txn = s.txn();
        let mut shapes = Shapes::default();
        let mut r = Replay {
            store: &s,
            tables: &tables,
            rows: &mut applier,
            filters: &filters,
            shapes: &mut shapes,
            private: false,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        for (sql, what) in [
            ("INSERT INTO t (name) VALUES (UUID())", "UUID"),
            ("LOAD DATA INFILE 'x' INTO TABLE t", "LOAD DATA"),
            ("INSERT INTO t (name) VALUES (RAND(3))", "RAND(N)"),
        ] {
            match r.execute(sql, &session, &mut txn) {
                Err(RowError::Sql(e, _)) => {
                    assert_eq!(e.code, 1235, "{sql}: {}", e.message);
                    assert!(e.message.contains(what), "{sql}: {}", e.message);
                }
                other => panic!("{sql}: {:?}", other.err()),
            }
        }
    }

    #[test]
    fn upserts_act_on_the_row_holding_the_key() {
        let (_d, s) = store();
        let mut cat = s.load_catalog().unwrap();
        let mut txn = s.txn();
        let mut applier = RowApplier::default();
        let ctx = DdlContext {
            db: Some("d"),
            collation_server: 45,
            collation_database: Some(45),
            mysql: false,
            collation_connection: 45,
            sql_mode: 0,
            charset_client: 33,
            timestamp: 0,
        };
        let ddl = "CREATE TABLE u (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, hits INT NOT NULL DEFAULT 0, UNIQUE KEY (code))";
        for op in ddl::parse(ddl, &ctx, &cat).unwrap() {
            schema::execute(op, &mut cat, &s, &mut txn, &mut applier, 0).unwrap();
        }
        txn.commit(&s, &pos(50), true).unwrap();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let filters = Filters::default();
        let vars = StatementVars::default();
        let session = session_of(&vars, 0);
        let mut txn = s.txn();
        let mut shapes = Shapes::default();
        let mut r = Replay {
            store: &s,
            tables: &tables,
            rows: &mut applier,
            filters: &filters,
            shapes: &mut shapes,
            private: false,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        for sql in [
            "INSERT INTO u VALUES (1, 'a', 1), (2, 'b', 1), (3, 'c', 1)",
            // Taken primary key: that row updated; VALUES() is the row not inserted.
            "INSERT INTO u VALUES (1, 'zz', 5) ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits), code = CONCAT(code, hits)",
            // Taken unique secondary key: the row holding it is the one updated.
            "INSERT INTO u VALUES (9, 'b', 1) ON DUPLICATE KEY UPDATE hits = hits + 100",
            // No collision: inserted.
            "INSERT INTO u VALUES (4, 'd', 0) ON DUPLICATE KEY UPDATE hits = 0",
            // REPLACE taking id 3's primary key and id 4's code: both rows go.
            "REPLACE INTO u VALUES (3, 'd', 42)",
        ] {
            r.execute(sql, &session, &mut txn)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
        let view = txn.write_view(&s, &tables).unwrap();
        let sql = "SELECT id, code, hits FROM d.u ORDER BY id";
        let none = |_: &str| None;
        let cx = Context {
            view: &view,
            env: &crate::sql::env::NoSession,
            db: None,
            names_from: sql,
            system_table: &none,
            placeholders: &[],
            params: &[],
        };
        let got: Vec<String> = engine::select(sql, &cx)
            .unwrap()
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.render().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        // Row 1: hits 1 + 5, then code 'a' + the new hits (assignments in order).
        assert_eq!(got, ["1,a6,6", "2,b,101", "3,d,42"]);
    }

    #[test]
    fn update_and_delete_modifiers_are_read() {
        assert_eq!(
            strip_modifiers("UPDATE LOW_PRIORITY IGNORE t SET a = 1"),
            ("UPDATE t SET a = 1".into(), true)
        );
        assert_eq!(
            strip_modifiers("  delete quick from t"),
            ("delete from t".into(), false)
        );
        // A table named like a modifier, and other statements, are left alone.
        assert_eq!(
            strip_modifiers("UPDATE ignore_me SET a = 1"),
            ("UPDATE ignore_me SET a = 1".into(), false)
        );
        assert_eq!(
            strip_modifiers("INSERT IGNORE INTO t VALUES (1)"),
            ("INSERT IGNORE INTO t VALUES (1)".into(), false)
        );
    }

    #[test]
    fn repeated_shapes_are_planned_once() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let mut applier = RowApplier::default();
        let filters = Filters::default();
        let vars = StatementVars::default();
        let session = session_of(&vars, 0);
        let mut txn = s.txn();
        let mut shapes = Shapes::default();
        let mut r = Replay {
            store: &s,
            tables: &tables,
            rows: &mut applier,
            filters: &filters,
            shapes: &mut shapes,
            private: false,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        for sql in [
            "INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')",
            "INSERT INTO t (id, name) VALUES (3, 'c'), (4, DEFAULT)",
            "UPDATE t SET n = n + 1, name = CONCAT(name, n) WHERE id = 1",
            "UPDATE t SET n = n + 10, name = CONCAT(name, n) WHERE id = 3",
            "DELETE FROM t WHERE id = 2",
            "DELETE FROM t WHERE id = 9",
            "UPDATE t SET name = NOW() WHERE id = 4",
        ] {
            r.execute(sql, &session, &mut txn)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
        let kinds: Vec<&str> = {
            let mut v: Vec<(&String, &str)> = shapes
                .iter()
                .map(|(k, p)| {
                    (
                        k,
                        match **p {
                            Planned::Change { delete: true, .. } => "delete",
                            Planned::Change { .. } => "update",
                            Planned::Insert { .. } => "insert",
                            Planned::Filtered => "filtered",
                            Planned::General => "general",
                        },
                    )
                })
                .collect();
            v.sort();
            v.into_iter().map(|(_, k)| k).collect()
        };
        // One plan per shape; NOW() binds the statement's time: planned each time.
        assert_eq!(kinds, ["delete", "insert", "insert", "update", "general"]);
        let view = txn.write_view(&s, &tables).unwrap();
        // Assignments in order through the plan too: n = 7 + 1, then name 'a' + 8.
        let secs = 1_700_000_000i64;
        let now = crate::sql::temporal::Temporal::from_epoch_micros(
            crate::tz::SYSTEM.local(secs) * 1_000_000,
            Kind::DateTime,
            0,
        )
        .render();
        assert_eq!(rows_of(&view), format!("1,a8,8;3,c17,17;4,{now},7"));
    }

    #[test]
    fn parsing_sql_modes_stop_where_they_matter() {
        let (_d, s) = store();
        let tables = crate::store::view::tables_of(&s.load_catalog().unwrap());
        let mut applier = RowApplier::default();
        let filters = Filters::default();
        let vars = StatementVars::default();
        let mut shapes = Shapes::default();
        let mut txn = s.txn();
        let mut r = Replay {
            store: &s,
            tables: &tables,
            rows: &mut applier,
            filters: &filters,
            shapes: &mut shapes,
            private: false,
            depth: 0,
            insert_id_taken: Default::default(),
        };
        let session = |sql_mode| session_of(&vars, sql_mode);
        // PIPES_AS_CONCAT with || in the text: 'a' || 'b' would be 'ab', not 0.
        let e = r
            .execute(
                "INSERT INTO t (name) VALUES ('a' || 'b')",
                &session(1 << 1),
                &mut txn,
            )
            .unwrap_err();
        assert!(
            matches!(&e, RowError::Sql(e, _) if e.code == 1235 && e.message.contains("PIPES_AS_CONCAT"))
        );
        // The same mode without the construct: replayed.
        r.execute(
            "INSERT INTO t (name) VALUES ('ab')",
            &session(1 << 1),
            &mut txn,
        )
        .unwrap();
        // ANSI_QUOTES: "x" is a name (here an unknown column), as on the master.
        let e = r
            .execute(
                "INSERT INTO t (name) VALUES (\"x\")",
                &session(1 << 2),
                &mut txn,
            )
            .unwrap_err();
        assert!(matches!(&e, RowError::Sql(e, _) if e.code == 1054), "{e:?}");
        r.execute(
            "INSERT INTO \"t\" (\"name\") VALUES ('y')",
            &session(1 << 2),
            &mut txn,
        )
        .unwrap();
    }
}
