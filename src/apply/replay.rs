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
use crate::store::catalog::{RefAction, SqlType};
use crate::store::row::Span;
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
    /// `@@lc_time_names` (the QUERY event's, en_US when it logged none).
    pub locale: &'static crate::sql::locale::Locale,
    /// `@@foreign_key_checks` (flags2): off, foreign keys' actions do nothing.
    pub foreign_key_checks: bool,
    /// `@@collation_connection` (the QUERY event's; utf8mb4_general_ci when it logged
    /// none): what string literals are, typing CREATE TABLE ... SELECT's columns.
    pub collation_connection: u16,
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
            "collation_connection" => Value::Text(
                crate::store::collation::by_id(self.collation_connection)
                    .map_or("utf8mb4_general_ci", |c| c.name)
                    .into(),
            ),
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

    fn locale(&self) -> &'static crate::sql::locale::Locale {
        self.locale
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
/// (PIPES_AS_CONCAT and HIGH_NOT_PRECEDENCE by rewriting the parsed statement:
/// [`read_modes`].)
const PARSING_MODES: [(u64, &str, &str); 1] = [(1 << 9, "ORACLE", "")];

/// sql_mode bits under which a statement's text reads differently (ANSI_QUOTES,
/// NO_BACKSLASH_ESCAPES, PIPES_AS_CONCAT, HIGH_NOT_PRECEDENCE): no shapes then.
const SHAPE_UNSAFE_MODES: u64 = 1 << 2 | 1 << 20 | PIPES_AS_CONCAT | HIGH_NOT_PRECEDENCE;

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
    /// Statements on `mysql` schema tables replicant does not keep, passed over.
    pub system_ignored: std::cell::Cell<u64>,
    /// The replicate-* rules kept the statement from being applied (it is then not
    /// logged in replicant's binlog either).
    pub filtered: std::cell::Cell<bool>,
}

pub(super) fn sql_err(e: SqlError) -> RowError {
    RowError::Sql(e, "")
}

/// Makes the string literals of a parsed statement print as SQL that reads back as the
/// same value: sqlparser prints a literal's value between quotes without escaping its
/// backslashes, quotes or NULs. [`insert::literal`] reads such a value back.
pub(super) fn escape_literals<V: ast::VisitMut>(node: &mut V) {
    let _ = ast::visit_expressions_mut(node, |x| {
        if let Expr::Value(v) = x {
            if let ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) =
                &mut v.value
            {
                if s.contains(['\\', '\0', '\'', '"']) {
                    let mut out = String::with_capacity(s.len() + 4);
                    for c in s.chars() {
                        match c {
                            '\\' => out.push_str("\\\\"),
                            '\0' => out.push_str("\\0"),
                            '\'' => out.push_str("\\'"),
                            '"' => out.push_str("\\\""),
                            c => out.push(c),
                        }
                    }
                    *s = out;
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// sql_mode's PIPES_AS_CONCAT: `||` concatenates.
const PIPES_AS_CONCAT: u64 = 1 << 1;
/// sql_mode's HIGH_NOT_PRECEDENCE: `NOT a = b` is `(NOT a) = b`.
const HIGH_NOT_PRECEDENCE: u64 = 1 << 29;

/// Rewrites a statement parsed under mysqld's default modes to mean what it meant under
/// the master session's `mode`: with PIPES_AS_CONCAT each `a || b` becomes
/// `CONCAT(a, b)`; with HIGH_NOT_PRECEDENCE, `NOT` binds to the operand on its right
/// alone (the parser gave it the whole comparison: `NOT a BETWEEN b AND c` read as `NOT
/// (a BETWEEN b AND c)` is made `(NOT a) BETWEEN b AND c`). Parentheses the statement
/// wrote are kept.
pub(super) fn read_modes<V: ast::VisitMut>(node: &mut V, mode: u64) {
    if mode & (PIPES_AS_CONCAT | HIGH_NOT_PRECEDENCE) == 0 {
        return;
    }
    let _ = ast::visit_expressions_mut(node, |x| {
        if mode & PIPES_AS_CONCAT != 0 {
            if let Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::StringConcat,
                right,
            } = x
            {
                if let Ok(mut e) =
                    crate::sql::parse::parse_expr(&format!("CONCAT({left}, {right})"))
                {
                    // Read back from text: its literals say their escapes again, as the
                    // rest of the statement's do.
                    escape_literals(&mut e);
                    *x = e;
                }
            }
        }
        if mode & HIGH_NOT_PRECEDENCE != 0 {
            if let Expr::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr,
            } = x
            {
                if leftmost(expr).is_some() {
                    let mut inner = std::mem::replace(&mut **expr, Expr::value(ast::Value::Null));
                    if let Some(leaf) = leftmost(&mut inner) {
                        let operand = std::mem::replace(leaf, Expr::value(ast::Value::Null));
                        *leaf = Expr::Nested(Box::new(Expr::UnaryOp {
                            op: ast::UnaryOperator::Not,
                            expr: Box::new(operand),
                        }));
                    }
                    *x = inner;
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The leftmost operand of an operator expression NOT would take under
/// HIGH_NOT_PRECEDENCE; `None` when `e` is already such an operand.
fn leftmost(e: &mut Expr) -> Option<&mut Expr> {
    let next: &mut Expr = match e {
        Expr::BinaryOp { left, op, .. }
            if !matches!(
                op,
                ast::BinaryOperator::And | ast::BinaryOperator::Or | ast::BinaryOperator::Xor
            ) =>
        {
            left
        }
        Expr::Between { expr, .. }
        | Expr::Like { expr, .. }
        | Expr::ILike { expr, .. }
        | Expr::RLike { expr, .. }
        | Expr::In { expr, .. }
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotFalse(expr) => expr,
        _ => return None,
    };
    if leftmost(next).is_some() {
        leftmost(next)
    } else {
        Some(next)
    }
}

/// Columns `cols` of stored row `bytes` of `t` as the engine sees them (TIMESTAMPs in
/// zone `tz`).
pub(super) fn row_values(
    t: &TableRt,
    bytes: &[u8],
    cols: impl Iterator<Item = usize>,
    tz: &TimeZone,
) -> Result<Vec<Value>, RowError> {
    let mut spans = Vec::new();
    t.layout.spans(bytes, &mut spans)?;
    let mut buf = Vec::new();
    cols.map(|c| {
        let v = t.layout.value(bytes, c, spans[c])?;
        Ok(engine::exec::stored_value(
            &t.def.columns[c],
            &v,
            &mut buf,
            tz,
        ))
    })
    .collect()
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

impl<'a> Replay<'a> {
    /// Replay of one statement over `tables` (shared plans unless `private`: the tables
    /// hold a master session's temporary tables).
    pub fn new(
        store: &'a Store,
        tables: &'a Tables,
        rows: &'a mut RowApplier,
        filters: &'a Filters,
        shapes: &'a mut Shapes,
        private: bool,
    ) -> Replay<'a> {
        Replay {
            store,
            tables,
            rows,
            filters,
            shapes,
            private,
            depth: 0,
            insert_id_taken: Default::default(),
            system_ignored: Default::default(),
            filtered: Default::default(),
        }
    }
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
        self.run(sql, session, txn, true)
    }

    /// Replays `sql`: as the master logged it (`logged`: read under the session's
    /// sql_mode), or as replicant wrote it (a trigger's statement with its values written
    /// in: already in the parser's default modes).
    pub(super) fn run(
        &mut self,
        sql: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
        logged: bool,
    ) -> Result<(), RowError> {
        let mode = if logged { session.sql_mode } else { 0 };
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
            self.filtered.set(true);
            return Ok(());
        }
        // ANSI_QUOTES and NO_BACKSLASH_ESCAPES: the text rewritten to read the same under
        // the parser's default modes.
        let sql = &*super::text::default_quoting(sql, mode & 1 << 2 != 0, mode & 1 << 20 != 0);
        // sql_mode bits that change how the text reads, where the text has what they
        // change: the parser reads MySQL's defaults, so these stop rather than differ.
        for (bit, name, token) in PARSING_MODES {
            if mode & bit == 0 {
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
                    "replaying a statement run with sql_mode {name}"
                ))));
            }
        }
        if mode & SHAPE_UNSAFE_MODES == 0 && !self.private {
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
                    Planned::Filtered => {
                        self.filtered.set(true);
                        return Ok(());
                    }
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
        // string literals must say their escapes again.
        for s in &mut stmts {
            escape_literals(s);
            if logged {
                read_modes(s, session.sql_mode);
            }
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
        let (mut plan, reusable) =
            self.in_context(txn, session, &sel.text, &placeholders, &params, |cx| {
                engine::plan_reusable(&sel.text, cx)
            })?;
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
                let found = self
                    .in_context(txn, session, select, &[], &params, |cx| {
                        engine::exec::run(plan, cx)
                    })
                    .map_err(sql_err)?
                    .rows;
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
                let how = InsertHow::plain(*ignore, *replace);
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
        if super::group::is_system_schema(&db)
            && self.tables.get(&(db.clone(), table.clone())).is_none()
        {
            // A system table replicant does not keep: the statement is passed over.
            self.system_ignored.set(self.system_ignored.get() + 1);
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

    /// Runs `f` with the query engine's context over the transaction's write view: the
    /// master session's variables and default database, `names_from`'s text for result
    /// labels, values for the `?` at byte offsets `placeholders`. The one place replay
    /// builds it.
    fn in_context<T>(
        &self,
        txn: &mut Txn,
        session: &MasterSession<'_>,
        names_from: &str,
        placeholders: &[usize],
        params: &[Value],
        f: impl FnOnce(&Context<'_>) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        let view = txn
            .write_view(self.store, self.tables)
            .map_err(|e| SqlError::new(1030, format!("Got error from the store: {e}")))?;
        let none = |_: &str| None;
        f(&Context {
            view: &view,
            env: session,
            db: (!session.db.is_empty()).then_some(session.db),
            names_from,
            system_table: &none,
            access: None,
            placeholders,
            params,
        })
    }

    /// Runs `select` over the transaction's write view: its rows with their columns'
    /// metadata.
    pub(super) fn query_result(
        &self,
        select: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<engine::ResultSet, SqlError> {
        self.in_context(txn, session, select, &[], &[], |cx| {
            engine::select(select, cx)
        })
    }

    /// [`Replay::query`] with values bound to the `?` at byte offsets `placeholders`.
    pub(super) fn query_with(
        &self,
        select: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
        targets: &[&str],
        placeholders: &[usize],
        params: &[Value],
    ) -> Result<Vec<Vec<Value>>, SqlError> {
        // Result labels are not needed; the text is read for its placeholders only.
        let names_from = if placeholders.is_empty() { "" } else { select };
        let rs = self.in_context(txn, session, names_from, placeholders, params, |cx| {
            if targets.is_empty() {
                engine::select(select, cx)
            } else {
                engine::target_rows(select, cx, targets)
            }
        })?;
        Ok(rs.rows)
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

/// The first words of a statement, for messages.
fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

mod cascade;
mod change;
mod insert;
#[cfg(test)]
mod tests;

pub(super) use insert::InsertHow;
