//! Binding: names resolved against the sources of each SELECT (tables of the snapshot's
//! catalog, derived tables, information_schema), expressions turned into [`Ex`] trees with
//! row positions, aggregates collected, and each table's access path chosen.

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use sqlparser::ast::{
    self, BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, LimitClause, OrderByKind, OrderBySort, Query, SetExpr, SetOperator,
    SetQuantifier, TableFactor, UnaryOperator, Value as Lit,
};

mod select;

use super::access;
use super::func::named;
use super::meta::column_coll;
pub use super::meta::column_meta;
pub use super::plan::*;
use super::{ColMeta, Context};
use crate::binlog::value::column_type as ct;
use crate::sql::decimal::Decimal;
use crate::sql::parse::unsupported;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::collation;

/// 1066 when `alias` already names a source of this FROM.
fn unique_alias(sources: &[Source], alias: &str) -> Result<(), SqlError> {
    if sources.iter().any(|s| s.alias == alias) {
        return Err(SqlError::new(
            1066,
            format!("Not unique table/alias: '{alias}'"),
        ));
    }
    Ok(())
}

/// The column names an alias gives (`AS t(a, b)`), empty when it gives none.
/// A source over rows the endpoint made (information_schema, mysql.user).
fn rows_source(
    mt: crate::sql::memtable::MemTable,
    alias: String,
    db: String,
    table: String,
    join: JoinKind,
) -> Source {
    let cols = mt
        .columns
        .iter()
        .map(|c| SrcCol {
            name: c.to_string(),
            meta: ColMeta::default(),
            coll: None,
        })
        .collect();
    Source::new(alias, db, table, SourceKind::Rows(mt.rows), cols, join)
}

fn alias_columns(a: &ast::TableAlias) -> Vec<String> {
    a.columns.iter().map(|c| c.name.value.clone()).collect()
}

/// mysqld's 1064 for a statement that does not parse as written.
fn syntax_near(e: &Expr) -> SqlError {
    crate::sql::parse::syntax_error_near(&e.to_string(), 1)
}

/// Name-resolution scope of one SELECT.
struct Frame<'p> {
    /// (alias, db, table, column names, offset) per source.
    tables: Vec<(String, String, String, Vec<String>, usize)>,
    /// Each column of the joined row (collation, metadata).
    cols: Vec<SrcCol>,
    /// Enclosing query's scope.
    parent: Option<&'p Frame<'p>>,
    /// A name resolved in an enclosing scope.
    correlated: Cell<bool>,
    /// Aggregates of this SELECT.
    aggs: RefCell<Vec<Agg>>,
    /// Select-list aliases with their items (for ORDER BY, GROUP BY and HAVING).
    aliases: RefCell<Vec<String>>,
    /// JOIN ... USING columns: (kept, merged away) positions.
    merged: RefCell<Vec<(usize, usize)>>,
    /// The select items as written (`None` for columns of `*`), for GROUP BY naming one.
    item_asts: RefCell<Vec<Option<Expr>>>,
}

impl Frame<'_> {
    /// The collation two operands compare by, as mysqld derives it: an explicit COLLATE
    /// wins; between two different collations of a character set, the `_bin` one.
    fn pair_coll(&self, l: &Ex, r: &Ex) -> Coll {
        let explicit = |e: &Ex| match e {
            Ex::Func(f, _, c) if f.name == "COLLATE" => *c,
            _ => None,
        };
        if let Some(c) = explicit(l).or(explicit(r)) {
            return Some(c);
        }
        match (self.coll(l), self.coll(r)) {
            (Some(a), Some(b))
                if a.id != b.id && b.compare != collation::Compare::CaseInsensitive =>
            {
                Some(b)
            }
            (a, b) => a.or(b),
        }
    }

    /// The collation of an expression's strings: a column's own, else the expression's.
    fn coll(&self, e: &Ex) -> Coll {
        match e {
            Ex::Col(i) => self.cols.get(*i).and_then(|c| c.coll),
            other => expr_coll(other),
        }
    }
}

/// An unparenthesized XOR: sqlparser gives XOR a higher precedence than mysqld (which puts
/// it between AND and OR), so an XOR operand of anything but OR/XOR was mis-grouped.
fn bare_xor(e: &Expr) -> bool {
    matches!(
        e,
        Expr::BinaryOp {
            op: BinaryOperator::Xor,
            ..
        }
    )
}

/// Binds a statement's query.
pub fn bind_statement(q: &Query, cx: &Context<'_>) -> Result<QueryPlan, SqlError> {
    bind_reusable(q, cx).map(|(p, _)| p)
}

/// Binds a statement's query; also tells whether the plan may be reused by later
/// executions (nothing in it was fixed from the session or by running a subquery).
pub fn bind_reusable(q: &Query, cx: &Context<'_>) -> Result<(QueryPlan, bool), SqlError> {
    let b = Binder {
        cx,
        volatile: Cell::new(false),
        ctes: RefCell::new(Vec::new()),
        cte_refs: Cell::new(0),
        conn: Cell::new(None),
    };
    let plan = b.query(q, None, Some(cx.names_from))?;
    Ok((plan, !b.volatile.get()))
}

/// Binds one expression over a row of named text columns: SHOW ... WHERE over the rows
/// of a statement's result (`columns` its column names, compared under the default
/// collation as mysqld's information_schema columns are), or a value without tables
/// (`columns` empty: SET's right-hand side). Aggregates are error 1111.
pub fn bind_expr(e: &Expr, columns: &[&str], cx: &Context<'_>) -> Result<Ex, SqlError> {
    let b = Binder {
        cx,
        volatile: Cell::new(false),
        ctes: RefCell::new(Vec::new()),
        cte_refs: Cell::new(0),
        conn: Cell::new(None),
    };
    let frame = Frame {
        tables: vec![(
            String::new(),
            String::new(),
            String::new(),
            columns.iter().map(|c| c.to_string()).collect(),
            0,
        )],
        cols: columns
            .iter()
            .map(|c| SrcCol {
                name: c.to_string(),
                meta: ColMeta::default(),
                coll: Some(crate::sql::value::default_collation()),
            })
            .collect(),
        parent: None,
        correlated: Cell::new(false),
        aggs: RefCell::new(Vec::new()),
        aliases: RefCell::new(Vec::new()),
        item_asts: RefCell::new(Vec::new()),
        merged: RefCell::new(Vec::new()),
    };
    let clause = if columns.is_empty() {
        FIELD_LIST
    } else {
        WHERE
    };
    b.expr(e, &frame, clause, false)
}

struct Binder<'c, 'a> {
    cx: &'c Context<'a>,
    /// Something session-dependent was bound as a constant.
    volatile: Cell<bool>,
    /// Common table expressions in scope, innermost WITH last.
    ctes: RefCell<Vec<ast::Cte>>,
    /// References to CTEs bound so far: each is bound (and run) anew, so CTEs naming CTEs
    /// twice would grow exponentially without a bound.
    cte_refs: Cell<usize>,
    /// The session's collation_connection (string literals' type), asked once.
    conn: Cell<Option<u16>>,
}

/// References to common table expressions one statement may bind.
const MAX_CTE_REFS: usize = 256;

/// Why a column can only be selected as it is: character sets other than UTF-8 and latin1
/// are not converted, so comparing or computing with them is not implemented yet.
fn special_column(m: &ColMeta) -> Option<&'static str> {
    if m.col_type != 0 {
        let cs = collation::by_id(m.charset).map(|c| c.charset);
        if !matches!(
            cs,
            Some("utf8mb4" | "utf8mb3" | "utf8" | "latin1" | "ascii" | "binary")
        ) {
            return Some("columns of this character set in expressions, comparisons and ordering");
        }
    }
    None
}

/// Clause names in mysqld's messages.
const FIELD_LIST: &str = "field list";
const WHERE: &str = "where clause";
const ORDER: &str = "order clause";
const GROUP: &str = "group statement";
const HAVING: &str = "having clause";
const ON: &str = "on clause";

fn bad_field(name: &str, clause: &str) -> SqlError {
    SqlError::new(1054, format!("Unknown column '{name}' in '{clause}'"))
}

fn group_misuse() -> SqlError {
    SqlError::new(1111, "Invalid use of group function".into())
}

fn object_parts(name: &ast::ObjectName) -> Vec<String> {
    name.0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect()
}

/// The conjuncts of an AND tree.
fn conjuncts(e: Ex, out: &mut Vec<Ex>) {
    match e {
        Ex::And(a, b) => {
            conjuncts(*a, out);
            conjuncts(*b, out);
        }
        other => out.push(other),
    }
}

/// The value of a constant LIMIT/OFFSET expression.
fn limit_value(e: &Expr) -> Result<u64, SqlError> {
    match e {
        Expr::Value(v) => match &v.value {
            Lit::Number(n, _) => n
                .parse::<u64>()
                .map_err(|_| SqlError::new(1691, format!("Incorrect arguments to LIMIT: {n}"))),
            _ => Err(unsupported(&format!("LIMIT {e}"))),
        },
        _ => Err(unsupported(&format!("LIMIT {e}"))),
    }
}

fn limits(q: &Query) -> Result<(Option<u64>, u64), SqlError> {
    Ok(match &q.limit_clause {
        None => (None, 0),
        Some(LimitClause::LimitOffset { limit, offset, .. }) => (
            limit.as_ref().map(limit_value).transpose()?,
            offset
                .as_ref()
                .map(|o| limit_value(&o.value))
                .transpose()?
                .unwrap_or(0),
        ),
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            (Some(limit_value(limit)?), limit_value(offset)?)
        }
    })
}

fn order_items(q: &Query) -> Result<Vec<(&Expr, bool)>, SqlError> {
    match &q.order_by {
        None => Ok(Vec::new()),
        Some(ob) => match &ob.kind {
            OrderByKind::Expressions(list) => list
                .iter()
                .map(|o| match o.options.sort {
                    Some(OrderBySort::Desc) => Ok((&o.expr, true)),
                    Some(OrderBySort::Using(_)) => Err(unsupported("ORDER BY ... USING")),
                    _ => Ok((&o.expr, false)),
                })
                .collect(),
            OrderByKind::All(_) => Err(unsupported("ORDER BY ALL")),
        },
    }
}

fn agg_kind(name: &str) -> Option<AggKind> {
    Some(match name {
        "COUNT" => AggKind::Count,
        "SUM" => AggKind::Sum,
        "AVG" => AggKind::Avg,
        "MIN" => AggKind::Min,
        "MAX" => AggKind::Max,
        "GROUP_CONCAT" => AggKind::GroupConcat,
        "BIT_AND" => AggKind::BitAnd,
        "BIT_OR" => AggKind::BitOr,
        "BIT_XOR" => AggKind::BitXor,
        _ => return None,
    })
}

fn interval_unit(f: &Option<ast::DateTimeField>) -> Result<&'static str, SqlError> {
    let Some(f) = f else {
        return Err(unsupported("INTERVAL without a unit"));
    };
    let s = f.to_string().to_ascii_uppercase();
    super::func::UNITS
        .iter()
        .copied()
        .find(|u| *u == s)
        .ok_or_else(|| unsupported(&format!("INTERVAL unit {s}")))
}

fn cast_target(dt: &ast::DataType) -> Result<CastTo, SqlError> {
    let s = dt.to_string().to_ascii_uppercase();
    let arg = |s: &str| -> Vec<u8> {
        s.split(['(', ')', ','])
            .skip(1)
            .filter_map(|x| x.trim().parse().ok())
            .collect()
    };
    // CHAR(n) / BINARY(n): lengths past u8.
    let length = |s: &str| -> Option<u32> {
        s.split(['(', ')'])
            .nth(1)
            .and_then(|x| x.trim().parse().ok())
    };
    let head = s.split('(').next().unwrap_or("").trim().to_string();
    Ok(match head.as_str() {
        "SIGNED" | "SIGNED INTEGER" | "INT" | "INTEGER" | "BIGINT" => CastTo::Signed,
        "UNSIGNED" | "UNSIGNED INTEGER" | "INT UNSIGNED" | "BIGINT UNSIGNED" => CastTo::Unsigned,
        "CHAR" | "CHARACTER" | "VARCHAR" | "NCHAR" | "TEXT" => CastTo::Char(length(&s)),
        "BINARY" | "VARBINARY" => CastTo::Binary(length(&s)),
        "DATE" => CastTo::Date,
        "DATETIME" | "TIMESTAMP" => CastTo::DateTime(arg(&s).first().copied().unwrap_or(0)),
        "TIME" => CastTo::Time(arg(&s).first().copied().unwrap_or(0)),
        "DECIMAL" | "DEC" | "NUMERIC" => {
            let a: Vec<u64> = s
                .split(['(', ')', ','])
                .skip(1)
                .filter_map(|x| x.trim().parse().ok())
                .collect();
            let (p, sc) = (
                a.first().copied().unwrap_or(10),
                a.get(1).copied().unwrap_or(0),
            );
            // mysqld's checks, with its texts.
            if p > 65 {
                return Err(SqlError::new(
                    1426,
                    format!("Too big precision {p} specified for '{s}'. Maximum is 65"),
                ));
            }
            if sc > 38 {
                return Err(SqlError::new(
                    1425,
                    format!("Too big scale {sc} specified for '{s}'. Maximum is 38"),
                ));
            }
            if sc > p {
                return Err(SqlError::new(
                    1427,
                    format!("For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column '{s}')."),
                ));
            }
            CastTo::Decimal(p as u8, sc as u8)
        }
        "DOUBLE" | "FLOAT" | "REAL" | "DOUBLE PRECISION" => CastTo::Double,
        _ => return Err(unsupported(&format!("CAST AS {s}"))),
    })
}

/// A literal number: integer when it fits, exact DECIMAL when it has a point, DOUBLE with
/// an exponent.
pub fn number(n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        Value::Int(i)
    } else if let Ok(u) = n.parse::<u64>() {
        Value::UInt(u)
    } else if n.contains(['e', 'E']) {
        Value::Double(n.parse().unwrap_or(0.0))
    } else if let Some(d) = Decimal::parse(n) {
        Value::Decimal(d)
    } else {
        Value::Double(n.parse().unwrap_or(0.0))
    }
}

impl Binder<'_, '_> {
    fn query(
        &self,
        q: &Query,
        parent: Option<&Frame<'_>>,
        names_from: Option<&str>,
    ) -> Result<QueryPlan, SqlError> {
        let Some(with) = &q.with else {
            return self.query_body(q, parent, names_from);
        };
        if with.recursive {
            return Err(unsupported("WITH RECURSIVE"));
        }
        for (i, c) in with.cte_tables.iter().enumerate() {
            let name = &c.alias.name.value;
            if with.cte_tables[..i]
                .iter()
                .any(|d| &d.alias.name.value == name)
            {
                return Err(SqlError::new(
                    4004,
                    format!("Duplicate query name `{name}` in WITH clause"),
                ));
            }
        }
        // Each CTE is visible to the query and to the CTEs after it (add_source).
        let mark = self.ctes.borrow().len();
        self.ctes
            .borrow_mut()
            .extend(with.cte_tables.iter().cloned());
        let r = self.query_body(q, parent, names_from);
        self.ctes.borrow_mut().truncate(mark);
        r
    }

    fn query_body(
        &self,
        q: &Query,
        parent: Option<&Frame<'_>>,
        names_from: Option<&str>,
    ) -> Result<QueryPlan, SqlError> {
        if !q.locks.is_empty() {
            // FOR UPDATE / LOCK IN SHARE MODE lock nothing on a read-only replica.
        }
        match q.body.as_ref() {
            SetExpr::Select(sel) => Ok(QueryPlan::Select(Box::new(self.select(
                sel,
                Some(q),
                parent,
                names_from,
            )?))),
            SetExpr::Query(inner) if q.order_by.is_none() && q.limit_clause.is_none() => {
                self.query(inner, parent, names_from)
            }
            SetExpr::SetOperation { .. } => self.union(q, parent, names_from),
            other => Err(unsupported(&first_words(&other.to_string()))),
        }
    }

    fn union(
        &self,
        q: &Query,
        parent: Option<&Frame<'_>>,
        names_from: Option<&str>,
    ) -> Result<QueryPlan, SqlError> {
        // Flatten the left-deep tree of UNIONs.
        let mut parts_ast: Vec<&SetExpr> = Vec::new();
        let mut distinct = Vec::new();
        fn flatten<'q>(
            e: &'q SetExpr,
            parts: &mut Vec<&'q SetExpr>,
            distinct: &mut Vec<bool>,
        ) -> Result<(), SqlError> {
            match e {
                SetExpr::SetOperation {
                    op,
                    set_quantifier,
                    left,
                    right,
                } => {
                    if *op != SetOperator::Union {
                        return Err(unsupported(&op.to_string()));
                    }
                    flatten(left, parts, distinct)?;
                    distinct.push(!matches!(set_quantifier, SetQuantifier::All));
                    flatten(right, parts, distinct)
                }
                other => {
                    parts.push(other);
                    Ok(())
                }
            }
        }
        flatten(&q.body, &mut parts_ast, &mut distinct)?;
        let mut parts = Vec::with_capacity(parts_ast.len());
        for (i, p) in parts_ast.iter().enumerate() {
            let plan = match p {
                SetExpr::Select(sel) => QueryPlan::Select(Box::new(self.select(
                    sel,
                    None,
                    parent,
                    if i == 0 { names_from } else { None },
                )?)),
                SetExpr::Query(inner) => self.query(inner, parent, None)?,
                other => return Err(unsupported(&first_words(&other.to_string()))),
            };
            parts.push(plan);
        }
        let n = parts[0].cols().len();
        if parts.iter().any(|p| p.cols().len() != n) {
            return Err(SqlError::new(
                1222,
                "The used SELECT statements have a different number of columns".into(),
            ));
        }
        let cols: Vec<OutCol> = parts[0]
            .cols()
            .iter()
            .map(|c| OutCol {
                name: c.name.clone(),
                meta: None,
                coll: c.coll,
                not_null: false,
                ret: None,
                typed: None,
            })
            .collect();
        let mut order = Vec::new();
        for (e, desc) in order_items(q)? {
            let idx = match e {
                Expr::Value(v) => match &v.value {
                    Lit::Number(n, _) => n
                        .parse::<usize>()
                        .ok()
                        .and_then(|p| p.checked_sub(1))
                        .filter(|p| *p < n_cols(&cols)),
                    _ => None,
                },
                Expr::Identifier(id) => cols
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&id.value)),
                Expr::CompoundIdentifier(p) => p.last().and_then(|id| {
                    cols.iter()
                        .position(|c| c.name.eq_ignore_ascii_case(&id.value))
                }),
                _ => return Err(unsupported("ORDER BY an expression of a UNION")),
            };
            order.push((idx.ok_or_else(|| bad_field(&e.to_string(), ORDER))?, desc));
        }
        let (limit, offset) = limits(q)?;
        Ok(QueryPlan::Union {
            parts,
            distinct,
            cols,
            order,
            limit,
            offset,
        })
    }

    fn out_col(&self, ex: &Ex, name: String, sources: &[Source], frame: &Frame<'_>) -> OutCol {
        if let Ex::Col(i) = ex {
            for s in sources {
                if *i >= s.offset && *i < s.offset + s.cols.len() {
                    let c = &s.cols[*i - s.offset];
                    let mut meta = c.meta.clone();
                    meta.name = name.clone();
                    return OutCol {
                        name,
                        meta: Some(meta),
                        coll: c.coll,
                        not_null: false,
                        ret: None,
                        typed: None,
                    };
                }
            }
        }
        let conn = self.conn.get().unwrap_or_else(|| {
            let c = match self.cx.env.system_variable(false, "collation_connection") {
                Ok(Value::Text(c)) => collation::by_name(&c).map(|c| c.id),
                _ => None,
            }
            .unwrap_or(crate::coldef::UTF8MB4);
            self.conn.set(Some(c));
            c
        });
        let scope = super::types::Scope {
            sources,
            aggs: &frame.aggs.borrow(),
            conn,
        };
        OutCol {
            typed: super::types::static_meta(ex, &scope, &name),
            name,
            meta: None,
            coll: expr_coll(ex),
            not_null: false,
            ret: match ex {
                Ex::Func(f, ..) => Some(f.ret),
                _ => None,
            },
        }
    }

    /// An ORDER BY / GROUP BY / HAVING expression: a position, a select alias, or an
    /// expression.
    fn order_key(
        &self,
        e: &Expr,
        frame: &Frame<'_>,
        items: &[Ex],
        clause: &str,
        allow_agg: bool,
    ) -> Result<Ex, SqlError> {
        if let Expr::Value(v) = e {
            if let Lit::Number(n, _) = &v.value {
                if clause == HAVING {
                    return Ok(Ex::Lit(number(n)));
                }
                let pos = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|p| p.checked_sub(1))
                    .filter(|p| *p < items.len())
                    .ok_or_else(|| bad_field(n, clause))?;
                return if clause == GROUP {
                    self.group_item(frame, items, pos)
                } else {
                    special_item(frame, items, pos).map(|()| Ex::Item(pos))
                };
            }
        }
        if let Expr::Identifier(id) = e {
            let alias = frame
                .aliases
                .borrow()
                .iter()
                .position(|a| a.eq_ignore_ascii_case(&id.value));
            let is_column = frame
                .tables
                .iter()
                .any(|t| t.3.iter().any(|c| c.eq_ignore_ascii_case(&id.value)));
            if let Some(pos) = alias {
                // ORDER BY and HAVING prefer the alias; GROUP BY prefers a column.
                if clause != GROUP || !is_column {
                    return if clause == GROUP {
                        self.group_item(frame, items, pos)
                    } else {
                        special_item(frame, items, pos).map(|()| Ex::Item(pos))
                    };
                }
            }
        }
        self.expr(e, frame, clause, allow_agg)
    }

    /// GROUP BY naming select item `pos` (by alias or position): the item's expression,
    /// bound again (groups are formed before items are computed).
    fn group_item(&self, frame: &Frame<'_>, items: &[Ex], pos: usize) -> Result<Ex, SqlError> {
        special_item(frame, items, pos)?;
        if let Some(e) = clone_simple(&items[pos]) {
            return Ok(e);
        }
        let ast = frame.item_asts.borrow().get(pos).cloned().flatten();
        match ast {
            Some(e) => self.expr(&e, frame, GROUP, false).map_err(|err| {
                if err.code == 1111 {
                    SqlError::new(
                        1056,
                        format!("Can't group on '{}'", frame.aliases.borrow()[pos]),
                    )
                } else {
                    err
                }
            }),
            None => Err(unsupported("GROUP BY this select item")),
        }
    }

    fn add_source(
        &self,
        f: &TableFactor,
        sources: &mut Vec<Source>,
        join: JoinKind,
    ) -> Result<(), SqlError> {
        match f {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    return Err(unsupported("table functions"));
                }
                let parts = object_parts(name);
                if matches!(parts.as_slice(), [t] if t.eq_ignore_ascii_case("dual")) {
                    return Ok(());
                }
                // A common table expression of an enclosing WITH: a derived table, bound
                // with only the CTEs before it in scope (no recursion).
                let cte_at = match parts.as_slice() {
                    [t] => self
                        .ctes
                        .borrow()
                        .iter()
                        .rposition(|c| &c.alias.name.value == t),
                    _ => None,
                };
                if let Some(k) = cte_at {
                    self.cte_refs.set(self.cte_refs.get() + 1);
                    if self.cte_refs.get() > MAX_CTE_REFS {
                        return Err(unsupported(&format!(
                            "more than {MAX_CTE_REFS} references to common table expressions in one statement"
                        )));
                    }
                    let later = self.ctes.borrow_mut().split_off(k);
                    let cte = &later[0];
                    let alias_name = alias
                        .as_ref()
                        .map_or(cte.alias.name.value.clone(), |a| a.name.value.clone());
                    let names = match alias {
                        Some(a) if !a.columns.is_empty() => alias_columns(a),
                        _ => alias_columns(&cte.alias),
                    };
                    let r = self.derived_source(&cte.query, alias_name, &names, sources, join);
                    self.ctes.borrow_mut().extend(later);
                    return r;
                }
                let (db, table) = match parts.as_slice() {
                    [t] => (
                        self.cx
                            .db
                            .map(str::to_string)
                            .ok_or_else(|| SqlError::new(1046, "No database selected".into()))?,
                        t.clone(),
                    ),
                    [d, t] => (d.clone(), t.clone()),
                    _ => return Err(unsupported(&name.to_string())),
                };
                let alias_name = alias
                    .as_ref()
                    .map_or(table.clone(), |a| a.name.value.clone());
                unique_alias(sources, &alias_name)?;
                if db.eq_ignore_ascii_case("information_schema") {
                    let mt =
                        (self.cx.system_table)(&table.to_ascii_uppercase()).ok_or_else(|| {
                            unsupported(&format!(
                                "information_schema.{table} (SCHEMATA, TABLES, COLUMNS and STATISTICS are provided)"
                            ))
                        })?;
                    let name = table.to_ascii_uppercase();
                    sources.push(rows_source(
                        mt,
                        alias_name,
                        "information_schema".into(),
                        name,
                        join,
                    ));
                    return Ok(());
                }
                if let Some(check) = self.cx.access {
                    check(&db, &table, None, false)?;
                }
                if self.cx.view.table(&db, &table).is_none() {
                    if let Some(v) = self.cx.view.view_def(&db, &table) {
                        let names = alias.as_ref().map(alias_columns).unwrap_or_default();
                        return self.view_source(v, alias_name, &names, sources, join);
                    }
                    // mysql.user: a view over mysql.global_priv on MariaDB, made from the
                    // accounts by the endpoint.
                    let full = format!("{db}.{table}");
                    if let Some(mt) = db
                        .eq_ignore_ascii_case("mysql")
                        .then(|| (self.cx.system_table)(&full.to_ascii_uppercase()))
                        .flatten()
                    {
                        sources.push(rows_source(mt, alias_name, db, table, join));
                        return Ok(());
                    }
                }
                let rt = self
                    .cx
                    .view
                    .table(&db, &table)
                    .ok_or_else(|| SqlError::no_such_table(&db, &table))?;
                let t = &rt.def;
                let cols = (0..t.columns.len())
                    .map(|i| SrcCol {
                        name: t.columns[i].name.clone(),
                        meta: column_meta(t, &alias_name, i),
                        coll: column_coll(&t.columns[i]),
                    })
                    .collect();
                sources.push(Source::new(
                    alias_name,
                    db,
                    table,
                    SourceKind::Base(rt.clone()),
                    cols,
                    join,
                ));
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return Err(unsupported("LATERAL"));
                }
                let Some(alias) = alias else {
                    return Err(SqlError::new(
                        1248,
                        "Every derived table must have its own alias".into(),
                    ));
                };
                let names = alias_columns(alias);
                self.derived_source(subquery, alias.name.value.clone(), &names, sources, join)?;
            }
            TableFactor::NestedJoin { .. } => return Err(unsupported("parenthesized joins")),
            other => return Err(unsupported(&first_words(&other.to_string()))),
        }
        Ok(())
    }

    /// A derived table (a subquery in FROM, or a CTE) named `alias`, its columns renamed by
    /// `names` where given.
    fn derived_source(
        &self,
        subquery: &Query,
        alias: String,
        names: &[String],
        sources: &mut Vec<Source>,
        join: JoinKind,
    ) -> Result<(), SqlError> {
        unique_alias(sources, &alias)?;
        let plan = self.query(subquery, None, None)?;
        push_derived(
            plan,
            (String::new(), alias.clone()),
            alias,
            names,
            sources,
            join,
        );
        Ok(())
    }

    /// A view: its SELECT bound as a derived table in the view's database (its unqualified
    /// names are the view's), its columns named by `names`, else by the view's column
    /// list. Views and common table expressions count toward one bound per statement.
    fn view_source(
        &self,
        v: &crate::store::catalog::ViewDef,
        alias: String,
        names: &[String],
        sources: &mut Vec<Source>,
        join: JoinKind,
    ) -> Result<(), SqlError> {
        unique_alias(sources, &alias)?;
        self.cte_refs.set(self.cte_refs.get() + 1);
        if self.cte_refs.get() > MAX_CTE_REFS {
            return Err(unsupported(&format!(
                "more than {MAX_CTE_REFS} references to views and common table expressions in one statement"
            )));
        }
        let stmts = crate::sql::parse::parse_statements(&v.definition)?;
        let [ast::Statement::Query(q)] = stmts.as_slice() else {
            return Err(unsupported(&format!(
                "the definition of view {}.{}",
                v.db, v.name
            )));
        };
        let cx = Context {
            db: Some(&v.db),
            names_from: &v.definition,
            // SQL SECURITY DEFINER: the view's tables are read with its definer's rights
            // (the view itself was checked).
            access: None,
            ..*self.cx
        };
        let inner = Binder {
            cx: &cx,
            volatile: Cell::new(false),
            ctes: RefCell::new(Vec::new()),
            cte_refs: Cell::new(self.cte_refs.get()),
            conn: Cell::new(self.conn.get()),
        };
        let plan = inner.query(q, None, Some(&v.definition))?;
        self.volatile
            .set(self.volatile.get() || inner.volatile.get());
        self.cte_refs.set(inner.cte_refs.get());
        let names = if names.is_empty() {
            &v.columns[..]
        } else {
            names
        };
        push_derived(
            plan,
            (v.db.clone(), v.name.clone()),
            alias,
            names,
            sources,
            join,
        );
        Ok(())
    }

    /// Resolves a column name in `frame` and then its parents.
    /// The column `parts` names, searched from the innermost scope out. A `bare` select
    /// item (the column alone) may be of any character set: it is selected as is.
    fn column(
        &self,
        parts: &[&str],
        frame: &Frame<'_>,
        clause: &str,
        bare: bool,
    ) -> Result<Ex, SqlError> {
        let full = parts.join(".");
        let mut depth = 0;
        let mut f = Some(frame);
        while let Some(fr) = f {
            let mut found: Option<usize> = None;
            for (alias, db, _table, cols, offset) in &fr.tables {
                let table_ok = match parts.len() {
                    1 => true,
                    2 => alias.eq_ignore_ascii_case(parts[0]),
                    3 => db == parts[0] && alias.eq_ignore_ascii_case(parts[1]),
                    _ => false,
                };
                if !table_ok {
                    continue;
                }
                let name = parts[parts.len() - 1];
                if let Some(c) = cols.iter().position(|c| c.eq_ignore_ascii_case(name)) {
                    if parts.len() == 1 && fr.merged.borrow().iter().any(|(_, m)| *m == offset + c)
                    {
                        continue;
                    }
                    if found.is_some() {
                        return Err(SqlError::new(
                            1052,
                            format!("Column '{full}' in {clause} is ambiguous"),
                        ));
                    }
                    found = Some(offset + c);
                }
            }
            if let Some(i) = found {
                if let Some(why) = fr.cols.get(i).and_then(|c| special_column(&c.meta)) {
                    if !(depth == 0 && bare) {
                        return Err(unsupported(why));
                    }
                }
                if depth == 0 {
                    return Ok(Ex::Col(i));
                }
                // Every scope between here and the one that has the column is correlated.
                let mut g = Some(frame);
                for _ in 0..depth {
                    if let Some(x) = g {
                        x.correlated.set(true);
                        g = x.parent;
                    }
                }
                return Ok(Ex::Outer(depth, i));
            }
            if depth == 0 && parts.len() == 1 && (clause == HAVING || clause == ORDER) {
                if let Some(p) = fr
                    .aliases
                    .borrow()
                    .iter()
                    .position(|a| a.eq_ignore_ascii_case(parts[0]))
                {
                    return Ok(Ex::Item(p));
                }
            }
            depth += 1;
            f = fr.parent;
        }
        Err(bad_field(&full, clause))
    }

    /// A select item: a bare column as is, anything else as an expression.
    fn item(&self, e: &Expr, frame: &Frame<'_>) -> Result<Ex, SqlError> {
        match e {
            Expr::Identifier(id) if !id.value.starts_with('@') => {
                self.column(&[&id.value], frame, FIELD_LIST, true)
            }
            Expr::CompoundIdentifier(p) if !p.is_empty() && !p[0].value.starts_with('@') => {
                let parts: Vec<&str> = p.iter().map(|x| x.value.as_str()).collect();
                self.column(&parts, frame, FIELD_LIST, true)
            }
            _ => self.expr(e, frame, FIELD_LIST, true),
        }
    }

    /// A `?` of a prepared statement, numbered by its place in the text.
    fn param(&self, at: sqlparser::tokenizer::Location, e: &Expr) -> Result<Ex, SqlError> {
        let text = self.cx.names_from;
        let mut offset = None;
        if at.line >= 1 && at.column >= 1 {
            let mut line_start = 0;
            for (n, l) in text.split_inclusive('\n').enumerate() {
                if n + 1 == at.line as usize {
                    offset = l
                        .char_indices()
                        .nth(at.column as usize - 1)
                        .map(|(i, _)| line_start + i);
                    break;
                }
                line_start += l.len();
            }
        }
        offset
            .and_then(|o| self.cx.placeholders.iter().position(|p| *p == o))
            .map(Ex::Param)
            .ok_or_else(|| {
                crate::sql::parse::syntax_error(
                    text,
                    &format!("{e} at Line: {}, Column: {}", at.line, at.column),
                )
            })
    }

    fn sub(&self, q: &Query, frame: &Frame<'_>) -> Result<Box<Sub>, SqlError> {
        // A subquery's rows are cached for one execution only: not a reusable plan.
        self.volatile.set(true);
        // The subquery's frame records correlation in its own `correlated`; find out
        // through a probe frame wrapping ours.
        let before = frame.correlated.get();
        let plan = self.query(q, Some(frame), None)?;
        let correlated = plan_is_correlated(&plan);
        frame.correlated.set(before || frame.correlated.get());
        Ok(Box::new(Sub {
            plan,
            correlated,
            cache: OnceLock::new(),
        }))
    }

    /// A literal, or a prepared statement's `?`.
    fn literal(&self, v: &ast::ValueWithSpan, e: &Expr) -> Result<Ex, SqlError> {
        Ok(Ex::Lit(match &v.value {
            Lit::Number(n, _) => number(n),
            Lit::SingleQuotedString(s) | Lit::DoubleQuotedString(s) => Value::Text(s.clone()),
            Lit::HexStringLiteral(h) => Value::Bytes(
                hex_bytes(h)
                    .ok_or_else(|| crate::sql::parse::syntax_error(self.cx.names_from, ""))?,
            ),
            // b'101': a bit-value literal, a binary string of the bits' bytes
            // (big-endian, as few as hold them), a number in numeric context.
            Lit::SingleQuotedByteStringLiteral(bits) => Value::Bytes(
                bit_bytes(bits)
                    .ok_or_else(|| crate::sql::parse::syntax_error(self.cx.names_from, ""))?,
            ),
            Lit::Boolean(x) => Value::Int(*x as i64),
            Lit::Null => Value::Null,
            Lit::Placeholder(_) => return self.param(v.span.start, e),
            other => return Err(unsupported(&other.to_string())),
        }))
    }

    /// A binary operator: comparisons by the pair's collation, `+ INTERVAL` as DATE_ADD,
    /// bit operators and `->` / `->>` as their functions.
    fn binary(
        &self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        frame: &Frame<'_>,
        clause: &str,
        allow_agg: bool,
    ) -> Result<Ex, SqlError> {
        let b = |x: &Expr| self.expr(x, frame, clause, allow_agg).map(Box::new);
        use BinaryOperator as B;
        if !matches!(op, B::Or | B::Xor) && (bare_xor(left) || bare_xor(right)) {
            return Err(unsupported(
                "XOR next to other operators without parentheses",
            ));
        }
        let (l, r) = (b(left)?, b(right)?);
        let coll = frame.pair_coll(&l, &r);
        Ok(match op {
            B::And => Ex::And(l, r),
            B::Or => Ex::Or(l, r),
            B::Xor => Ex::Xor(l, r),
            B::Eq => Ex::Cmp(Cmp::Eq, l, r, coll),
            B::Spaceship => Ex::Cmp(Cmp::NullSafeEq, l, r, coll),
            B::NotEq => Ex::Cmp(Cmp::Ne, l, r, coll),
            B::Lt => Ex::Cmp(Cmp::Lt, l, r, coll),
            B::LtEq => Ex::Cmp(Cmp::Le, l, r, coll),
            B::Gt => Ex::Cmp(Cmp::Gt, l, r, coll),
            B::GtEq => Ex::Cmp(Cmp::Ge, l, r, coll),
            B::Plus => match (*l, *r) {
                (Ex::Interval(n, u), d) | (d, Ex::Interval(n, u)) => Ex::Func(
                    named("DATE_ADD"),
                    vec![d, *n, Ex::Lit(Value::Text(u.into()))],
                    None,
                ),
                (l, r) => Ex::Arith(Arith::Add, Box::new(l), Box::new(r)),
            },
            B::Minus => match (*l, *r) {
                (d, Ex::Interval(n, u)) => Ex::Func(
                    named("DATE_SUB"),
                    vec![d, *n, Ex::Lit(Value::Text(u.into()))],
                    None,
                ),
                (l, r) => Ex::Arith(Arith::Sub, Box::new(l), Box::new(r)),
            },
            B::Multiply => Ex::Arith(Arith::Mul, l, r),
            B::Divide => Ex::Arith(Arith::Div, l, r),
            B::MyIntegerDivide => Ex::Arith(Arith::IntDiv, l, r),
            B::Modulo => Ex::Arith(Arith::Mod, l, r),
            B::BitwiseAnd => Ex::Func(named("&"), vec![*l, *r], None),
            B::BitwiseOr => Ex::Func(named("|"), vec![*l, *r], None),
            B::BitwiseXor => Ex::Func(named("^"), vec![*l, *r], None),
            B::Arrow => Ex::Func(named("JSON_EXTRACT"), vec![*l, *r], None),
            B::LongArrow => Ex::Func(
                named("JSON_UNQUOTE"),
                vec![Ex::Func(named("JSON_EXTRACT"), vec![*l, *r], None)],
                None,
            ),
            B::StringConcat => Ex::Or(l, r),
            other => return Err(unsupported(&other.to_string())),
        })
    }

    /// CASE: a temporal or exact-number result is typed by its branches (AS_TEMPORAL,
    /// RESCALE).
    fn case(
        &self,
        operand: Option<&Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&Expr>,
        frame: &Frame<'_>,
        clause: &str,
        allow_agg: bool,
    ) -> Result<Ex, SqlError> {
        let b = |x: &Expr| self.expr(x, frame, clause, allow_agg).map(Box::new);
        let op = operand.map(&b).transpose()?;
        let coll = op.as_deref().and_then(|o| frame.coll(o));
        let mut whens = Vec::with_capacity(conditions.len());
        for cw in conditions {
            whens.push((
                self.expr(&cw.condition, frame, clause, allow_agg)?,
                self.expr(&cw.result, frame, clause, allow_agg)?,
            ));
        }
        let els = else_result.map(&b).transpose()?;
        let branches: Vec<&Ex> = whens.iter().map(|(_, t)| t).chain(els.as_deref()).collect();
        let scale = if els.is_some() {
            common_scale(frame, &branches)
        } else {
            None
        };
        let temporal = common_temporal(frame, &branches, false);
        Ok(typed_by_branches(
            Ex::Case(op, whens, els, coll),
            temporal,
            scale,
        ))
    }

    /// A name: a user or system variable (bound as its value now: the plan is then not
    /// reusable), or a column.
    fn name_ref(&self, e: &Expr, frame: &Frame<'_>, clause: &str) -> Result<Ex, SqlError> {
        Ok(match e {
            Expr::Identifier(id) => {
                if id.value.starts_with('@') {
                    self.volatile.set(true);
                    return Ok(Ex::Lit(variable(&id.value, None, self.cx)?));
                }
                self.column(&[&id.value], frame, clause, false)?
            }
            Expr::CompoundIdentifier(parts) => {
                if parts.len() == 2 && parts[0].value.starts_with("@@") {
                    self.volatile.set(true);
                    return Ok(Ex::Lit(variable(
                        &parts[1].value,
                        Some(&parts[0].value),
                        self.cx,
                    )?));
                }
                let p: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
                self.column(&p, frame, clause, false)?
            }
            _ => return Err(unsupported(&e.to_string())),
        })
    }

    fn expr(
        &self,
        e: &Expr,
        frame: &Frame<'_>,
        clause: &str,
        allow_agg: bool,
    ) -> Result<Ex, SqlError> {
        let b = |x: &Expr| self.expr(x, frame, clause, allow_agg).map(Box::new);
        Ok(match e {
            Expr::Value(v) => self.literal(v, e)?,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => self.name_ref(e, frame, clause)?,
            Expr::Nested(inner) => self.expr(inner, frame, clause, allow_agg)?,
            Expr::UnaryOp { op, expr } if bare_xor(expr) => {
                let _ = op;
                return Err(unsupported(
                    "XOR next to other operators without parentheses",
                ));
            }
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Minus => match self.expr(expr, frame, clause, allow_agg)? {
                    Ex::Lit(Value::Int(i)) if i != i64::MIN => Ex::Lit(Value::Int(-i)),
                    Ex::Lit(Value::UInt(u)) if u == 1u64 << 63 => Ex::Lit(Value::Int(i64::MIN)),
                    Ex::Lit(Value::Decimal(d)) => Ex::Lit(Value::Decimal(Decimal { m: -d.m, ..d })),
                    other => Ex::Neg(Box::new(other)),
                },
                UnaryOperator::Plus => self.expr(expr, frame, clause, allow_agg)?,
                UnaryOperator::Not => Ex::Not(b(expr)?),
                UnaryOperator::BangNot => Ex::Not(b(expr)?),
                other => return Err(unsupported(&other.to_string())),
            },
            Expr::BinaryOp { left, op, right } => {
                self.binary(left, op, right, frame, clause, allow_agg)?
            }
            Expr::IsNull(x) => Ex::IsNull(b(x)?, false),
            Expr::IsNotNull(x) => Ex::IsNull(b(x)?, true),
            Expr::IsTrue(x) => Ex::IsBool(b(x)?, true, false),
            Expr::IsNotTrue(x) => Ex::IsBool(b(x)?, true, true),
            Expr::IsFalse(x) => Ex::IsBool(b(x)?, false, false),
            Expr::IsNotFalse(x) => Ex::IsBool(b(x)?, false, true),
            Expr::IsUnknown(x) => Ex::IsNull(b(x)?, false),
            Expr::IsNotUnknown(x) => Ex::IsNull(b(x)?, true),
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, lo, hi) = (b(expr)?, b(low)?, b(high)?);
                let coll = frame.coll(&x);
                Ex::Between(x, lo, hi, *negated, coll)
            }
            Expr::In {
                expr,
                target,
                negated,
                ..
            } => {
                let x = b(expr)?;
                let coll = frame.coll(&x);
                match target {
                    ast::InTarget::List(list) => {
                        let l = list
                            .iter()
                            .map(|i| self.expr(i, frame, clause, allow_agg))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ex::InList(x, l, *negated, coll)
                    }
                    ast::InTarget::Subquery(q) => Ex::InSub(x, self.sub(q, frame)?, *negated, coll),
                    _ => return Err(unsupported(&e.to_string())),
                }
            }
            Expr::Exists { subquery, negated } => Ex::Exists(self.sub(subquery, frame)?, *negated),
            Expr::Subquery(q) => Ex::Scalar(self.sub(q, frame)?),
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => {
                let x = b(expr)?;
                let coll = frame.coll(&x);
                let esc = escape_char.as_ref().map(|e| b(e)).transpose()?;
                Ex::Like(x, b(pattern)?, esc, *negated, coll)
            }
            Expr::RLike {
                negated,
                expr,
                pattern,
                ..
            } => {
                let x = b(expr)?;
                let coll = frame.coll(&x);
                Ex::Regexp(x, b(pattern)?, *negated, coll)
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(
                operand.as_deref(),
                conditions,
                else_result.as_deref(),
                frame,
                clause,
                allow_agg,
            )?,
            Expr::Cast {
                expr, data_type, ..
            } => Ex::Cast(b(expr)?, cast_target(data_type)?),
            Expr::Convert {
                expr,
                data_type: Some(dt),
                ..
            } => Ex::Cast(b(expr)?, cast_target(dt)?),
            Expr::Convert {
                expr,
                data_type: None,
                charset: Some(cs),
                ..
            } => {
                // CONVERT(x USING cs): the value in cs's default collation.
                let name = cs.to_string().trim_matches(['`', '\'', '"']).to_string();
                let coll = collation::default_for(&name).ok_or_else(|| {
                    SqlError::new(1115, format!("Unknown character set: '{name}'"))
                })?;
                Ex::Func(named("CONVERT_USING"), vec![*b(expr)?], Some(coll))
            }
            Expr::Collate { expr, collation: c } => {
                let inner = *b(expr)?;
                // COLLATE name, `name` or 'name' (as mysqld logs it).
                let name = c.to_string().trim_matches(['`', '\'', '"']).to_string();
                let coll = collation::by_name(&name)
                    .ok_or_else(|| SqlError::new(1273, format!("Unknown collation: '{name}'")))?;
                Ex::Func(named("COLLATE"), vec![inner], Some(coll))
            }
            Expr::Ceil { expr, .. } => Ex::Func(named("CEILING"), vec![*b(expr)?], None),
            Expr::Floor { expr, .. } => Ex::Func(named("FLOOR"), vec![*b(expr)?], None),
            Expr::Position { expr, r#in } => {
                Ex::Func(named("LOCATE"), vec![*b(expr)?, *b(r#in)?], None)
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![*b(expr)?];
                for part in [substring_from, substring_for].into_iter().flatten() {
                    args.push(*b(part)?);
                }
                Ex::Func(named("SUBSTRING"), args, None)
            }
            Expr::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                if trim_characters.is_some() {
                    return Err(unsupported("TRIM with a character list"));
                }
                let which = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "LTRIM_STR",
                    Some(ast::TrimWhereField::Trailing) => "RTRIM_STR",
                    _ => "TRIM_STR",
                };
                let what = match trim_what {
                    Some(w) => *b(w)?,
                    None => Ex::Lit(Value::Text(" ".into())),
                };
                Ex::Func(named(which), vec![*b(expr)?, what], None)
            }
            Expr::Extract { field, expr, .. } => {
                let unit = interval_unit(&Some(field.clone()))?;
                Ex::Func(
                    named("EXTRACT"),
                    vec![
                        Ex::Lit(Value::Text(unit.into())),
                        self.expr(expr, frame, clause, allow_agg)?,
                    ],
                    None,
                )
            }
            Expr::Interval(iv) => Ex::Interval(b(&iv.value)?, interval_unit(&iv.leading_field)?),
            // A charset introducer (`_utf8mb4'text'`, `_binary'bytes'`), as mysqld logs
            // literals: the statement's text is already read in the client's charset.
            Expr::Prefixed { prefix, value } if prefix.value.starts_with('_') => {
                let cs = &prefix.value[1..];
                let inner = *b(value)?;
                if cs.eq_ignore_ascii_case("binary") {
                    match inner {
                        Ex::Lit(Value::Text(s)) => Ex::Lit(Value::Bytes(s.into_bytes())),
                        other => other,
                    }
                } else if collation::default_for(&cs.to_ascii_lowercase()).is_some() {
                    inner
                } else {
                    return Err(SqlError::new(
                        1115,
                        format!("Unknown character set: '{cs}'"),
                    ));
                }
            }
            Expr::TypedString(ts) => {
                let text = match &ts.value.value {
                    Lit::SingleQuotedString(s) | Lit::DoubleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                let target = cast_target(&ts.data_type)?;
                Ex::Cast(Box::new(Ex::Lit(Value::Text(text))), target)
            }
            Expr::Function(f) => self.function(f, e, frame, clause, allow_agg)?,
            other => return Err(unsupported(&first_words(&other.to_string()))),
        })
    }

    /// An aggregate call: its arguments (no aggregate inside: 1111), DISTINCT, ORDER BY
    /// and SEPARATOR, collected in the frame; the expression reads its value.
    #[allow(clippy::too_many_arguments)]
    fn aggregate(
        &self,
        kind: AggKind,
        args: &[&FunctionArg],
        distinct: bool,
        order_by: &[&ast::OrderByExpr],
        separator: Option<String>,
        e: &Expr,
        frame: &Frame<'_>,
        clause: &str,
    ) -> Result<Ex, SqlError> {
        let star = matches!(args, [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]);
        let kind = if kind == AggKind::Count && star {
            AggKind::CountStar
        } else {
            kind
        };
        let mut bound = Vec::new();
        if kind != AggKind::CountStar {
            for a in args {
                match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => {
                        bound.push(self.expr(x, frame, clause, false).map_err(|err| {
                            if err.code == 1111 {
                                group_misuse()
                            } else {
                                err
                            }
                        })?)
                    }
                    other => return Err(unsupported(&other.to_string())),
                }
            }
            if bound.is_empty()
                || (bound.len() > 1 && !matches!(kind, AggKind::Count | AggKind::GroupConcat))
            {
                return Err(syntax_near(e));
            }
            if bound.len() > 1 && kind == AggKind::Count && !distinct {
                return Err(unsupported("COUNT of several expressions without DISTINCT"));
            }
        }
        let mut order = Vec::new();
        for o in order_by {
            order.push((
                self.expr(&o.expr, frame, clause, false)?,
                matches!(o.options.sort, Some(OrderBySort::Desc)),
            ));
        }
        let coll = bound.first().and_then(|x| frame.coll(x));
        let mut aggs = frame.aggs.borrow_mut();
        aggs.push(Agg {
            kind,
            args: bound,
            distinct,
            order,
            separator: separator.unwrap_or_else(|| ",".into()),
            coll,
        });
        Ok(Ex::Agg(aggs.len() - 1))
    }

    /// A call of `func` on bound arguments, typed as mysqld types it: DATE_ADD's interval
    /// spelled out, UNIX_TIMESTAMP of a string constant at its own precision, and the
    /// branches of IFNULL / COALESCE / IF / GREATEST / LEAST brought to one temporal kind
    /// or decimal scale.
    fn typed_call(
        &self,
        func: &'static super::func::Func,
        mut bound: Vec<Ex>,
        e: &Expr,
        frame: &Frame<'_>,
    ) -> Result<Ex, SqlError> {
        let fname = func.name;
        // DATE_ADD(d, INTERVAL n unit) → DATE_ADD(d, n, 'unit').
        if matches!(fname, "DATE_ADD" | "DATE_SUB") {
            let mut it = bound.into_iter();
            let (Some(d), Some(iv), None) = (it.next(), it.next(), it.next()) else {
                return Err(unsupported(&e.to_string()));
            };
            return Ok(match iv {
                Ex::Interval(n, u) => {
                    Ex::Func(func, vec![d, *n, Ex::Lit(Value::Text(u.into()))], None)
                }
                days => Ex::Func(
                    func,
                    vec![d, days, Ex::Lit(Value::Text("DAY".into()))],
                    None,
                ),
            });
        }
        if bound.iter().any(|x| matches!(x, Ex::Interval(..))) {
            return Err(unsupported(&e.to_string()));
        }
        if fname == "UNIX_TIMESTAMP" {
            // A string constant has the fractional precision it is written with (mysqld
            // types the call by it); string values from rows have six digits.
            if let Some(Ex::Lit(Value::Text(s))) = bound.first() {
                if let Some(t) = crate::sql::temporal::Temporal::parse_datetime(s) {
                    bound[0] = Ex::Lit(Value::Temporal(t));
                }
            }
        }
        // The arguments' collation as mysqld derives it: a column's rather than a
        // literal's (CONCAT_WS('#', latin1_column) is latin1 text); between columns of two
        // character sets, the one with the longer characters (latin1 and utf8mb4 make
        // utf8mb4 text).
        let coll = bound.iter().filter_map(|x| frame.coll(x)).reduce(|a, b| {
            if b.charset != a.charset && b.mbmaxlen > a.mbmaxlen {
                b
            } else {
                a
            }
        });
        // IFNULL(amount, 0) is DECIMAL(.., 2): its integer results show the scale too.
        let branches: Option<Vec<&Ex>> = match fname {
            "IFNULL" | "COALESCE" | "GREATEST" | "LEAST" => Some(bound.iter().collect()),
            "IF" if bound.len() == 3 => Some(vec![&bound[1], &bound[2]]),
            _ => None,
        };
        let strings = matches!(fname, "GREATEST" | "LEAST");
        let temporal = branches
            .as_ref()
            .and_then(|b| common_temporal(frame, b, strings));
        let scale = branches.and_then(|b| common_scale(frame, &b));
        if let (Some(t), true) = (temporal, strings) {
            // GREATEST and LEAST compare in the result's type: strings first become
            // values of it.
            for arg in bound.iter_mut() {
                if matches!(arg, Ex::Lit(Value::Text(_))) || string_column(frame, arg) {
                    let lit = std::mem::replace(arg, Ex::Lit(Value::Null));
                    *arg = as_temporal(lit, t);
                }
            }
        }
        Ok(typed_by_branches(
            Ex::Func(func, bound, coll),
            temporal,
            scale,
        ))
    }

    fn function(
        &self,
        f: &ast::Function,
        e: &Expr,
        frame: &Frame<'_>,
        clause: &str,
        allow_agg: bool,
    ) -> Result<Ex, SqlError> {
        let name = f.name.to_string().to_ascii_uppercase();
        let mut separator = None;
        let (args, distinct, order_by): (Vec<&FunctionArg>, bool, Vec<&ast::OrderByExpr>) =
            match &f.args {
                FunctionArguments::None => (Vec::new(), false, Vec::new()),
                FunctionArguments::List(l) => {
                    let mut order = Vec::new();
                    for c in &l.clauses {
                        match c {
                            FunctionArgumentClause::OrderBy(o) => order.extend(o.iter()),
                            FunctionArgumentClause::Separator(v) if name == "GROUP_CONCAT" => {
                                match &v.value {
                                    Lit::SingleQuotedString(t) | Lit::DoubleQuotedString(t) => {
                                        separator = Some(t.clone())
                                    }
                                    _ => return Err(syntax_near(e)),
                                }
                            }
                            other => return Err(unsupported(&other.to_string())),
                        }
                    }
                    (
                        l.args.iter().collect(),
                        matches!(
                            l.duplicate_treatment,
                            Some(ast::DuplicateTreatment::Distinct)
                        ),
                        order,
                    )
                }
                FunctionArguments::Subquery(_) => return Err(unsupported(&e.to_string())),
            };
        if f.over.is_some() {
            return Err(unsupported("window functions"));
        }
        if let Some(kind) = agg_kind(&name) {
            if !allow_agg {
                return Err(group_misuse());
            }
            return self.aggregate(
                kind, &args, distinct, &order_by, separator, e, frame, clause,
            );
        }
        if !order_by.is_empty() || distinct {
            return Err(unsupported(&e.to_string()));
        }
        if name == "TIMESTAMPDIFF" {
            // The unit is a bare word: parsed as a column name.
            if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(u)))) =
                args.first()
            {
                let unit = u.value.to_ascii_uppercase();
                let unit = super::func::UNITS
                    .iter()
                    .copied()
                    .find(|x| *x == unit)
                    .ok_or_else(|| unsupported(&format!("TIMESTAMPDIFF unit {unit}")))?;
                let mut rest = Vec::new();
                for a in &args[1..] {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = a {
                        rest.push(self.expr(x, frame, clause, allow_agg)?);
                    }
                }
                let mut v = vec![Ex::Lit(Value::Text(unit.into()))];
                v.extend(rest);
                return Ok(Ex::Func(named("TIMESTAMPDIFF"), v, None));
            }
        }
        let mut bound = Vec::with_capacity(args.len());
        for a in &args {
            match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => {
                    bound.push(self.expr(x, frame, clause, allow_agg)?)
                }
                other => return Err(unsupported(&other.to_string())),
            }
        }
        // Session functions and the statement's clock are constants of the statement. A
        // session that keeps its own clock (statement replay: the master's) gives it with
        // microseconds; NOW(n) keeps n digits of them.
        let clock = matches!(
            name.as_str(),
            "NOW"
                | "CURRENT_TIMESTAMP"
                | "LOCALTIME"
                | "LOCALTIMESTAMP"
                | "SYSDATE"
                | "CURTIME"
                | "CURRENT_TIME"
        );
        if bound.is_empty() || (clock && bound.len() == 1) {
            if let Some(v) = self.cx.env.session_function(&name) {
                let fsp = match bound.first() {
                    None => Some(0),
                    Some(Ex::Lit(x)) => x.as_i64().filter(|f| (0..=6).contains(f)),
                    Some(_) => None,
                };
                match (v, fsp) {
                    (Value::Temporal(mut t), Some(f)) if clock => {
                        t.fsp = f as u8;
                        t.micro -= t.micro % 10u32.pow(6 - f as u32);
                        self.volatile.set(true);
                        return Ok(Ex::Lit(Value::Temporal(t)));
                    }
                    (v, _) if bound.is_empty() => {
                        self.volatile.set(true);
                        return Ok(Ex::Lit(v));
                    }
                    _ => {}
                }
            }
        }
        let Some(func) = super::func::lookup(&name) else {
            return Err(unsupported(&format!("function {name}")));
        };
        if bound.len() < func.min || bound.len() > func.max {
            return Err(super::func::wrong_count(&name));
        }
        self.typed_call(func, bound, e, frame)
    }
}

/// Adds a bound query as the source `alias` (a derived table, a CTE or a view, whose
/// database and name `origin` gives), its columns renamed by `names` where given.
fn push_derived(
    plan: QueryPlan,
    origin: (String, String),
    alias: String,
    names: &[String],
    sources: &mut Vec<Source>,
    join: JoinKind,
) {
    let mut cols: Vec<SrcCol> = plan
        .cols()
        .iter()
        .map(|c| SrcCol {
            name: c.name.clone(),
            meta: c.meta.clone().map_or_else(ColMeta::default, |mut m| {
                m.table = alias.clone();
                m
            }),
            coll: c.coll,
        })
        .collect();
    // A column list (a view's, a derived table's) names the columns in results too.
    for (c, a) in cols.iter_mut().zip(names) {
        c.name = a.clone();
        c.meta.name = a.clone();
    }
    sources.push(Source::new(
        alias,
        origin.0,
        origin.1,
        SourceKind::Derived(Box::new(plan)),
        cols,
        join,
    ));
}

/// A result typed by its branches (CASE, IF, COALESCE...): wrapped in AS_TEMPORAL when
/// they share a temporal kind, in RESCALE when they are exact numbers with a scale.
fn typed_by_branches(e: Ex, temporal: Option<(i64, u8)>, scale: Option<u8>) -> Ex {
    match (temporal, scale) {
        (Some(t), _) => as_temporal(e, t),
        (None, Some(s)) => Ex::Func(
            named("RESCALE"),
            vec![e, Ex::Lit(Value::Int(s as i64))],
            None,
        ),
        (None, None) => e,
    }
}

fn n_cols(c: &[OutCol]) -> usize {
    c.len()
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
}

/// The bytes of a bit-value literal's digits; `None` when one is not 0 or 1.
fn bit_bytes(bits: &str) -> Option<Vec<u8>> {
    if !bits.bytes().all(|b| b == b'0' || b == b'1') {
        return None;
    }
    let n = bits.len().div_ceil(8);
    let mut out = vec![0u8; n];
    for (i, b) in bits.bytes().rev().enumerate() {
        out[n - 1 - i / 8] |= (b - b'0') << (i % 8);
    }
    Some(out)
}

fn hex_bytes(h: &str) -> Option<Vec<u8>> {
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let h = if h.len() % 2 == 1 {
        format!("0{h}")
    } else {
        h.to_string()
    };
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// The scale a result of exact-number branches takes (the largest), when every branch is
/// an exact number of known scale and one has decimals; `None` otherwise.
fn common_scale(frame: &Frame<'_>, branches: &[&Ex]) -> Option<u8> {
    let mut max = 0u8;
    for b in branches {
        let s = match b {
            Ex::Lit(Value::Int(_) | Value::UInt(_)) | Ex::Lit(Value::Null) => 0,
            Ex::Lit(Value::Decimal(d)) => d.scale,
            Ex::Col(i) => {
                let m = &frame.cols.get(*i)?.meta;
                match m.col_type {
                    ct::NEWDECIMAL => m.decimals,
                    ct::TINY | ct::SHORT | ct::INT24 | ct::LONG | ct::LONGLONG => 0,
                    _ => return None,
                }
            }
            Ex::Func(f, a, _) if f.name == "RESCALE" => match a.get(1) {
                Some(Ex::Lit(Value::Int(n))) => *n as u8,
                _ => return None,
            },
            _ => return None,
        };
        max = max.max(s);
    }
    (max > 0).then_some(max)
}

/// The temporal type a result of temporal branches takes, as mysqld types COALESCE, IF,
/// CASE, GREATEST and LEAST: DATE or TIME when every branch is one, else DATETIME (a TIME
/// then counts from today's midnight), with the largest fractional precision. `None`
/// unless every branch is a temporal column or literal, or NULL — or, where `strings` is
/// set (GREATEST, LEAST), a string literal, which takes the result's type.
fn common_temporal(frame: &Frame<'_>, branches: &[&Ex], strings: bool) -> Option<(i64, u8)> {
    use crate::sql::temporal::Kind;
    let (mut kinds, mut fsp) = (Vec::new(), 0u8);
    for b in branches {
        let (kind, f) = match b {
            Ex::Lit(Value::Null) => continue,
            Ex::Lit(Value::Text(_)) if strings => continue,
            Ex::Lit(Value::Temporal(t)) => (t.kind, t.fsp),
            // A string column's values have up to six fractional digits.
            Ex::Col(_) if strings && string_column(frame, b) => {
                fsp = 6;
                continue;
            }
            Ex::Col(i) => {
                let m = &frame.cols.get(*i)?.meta;
                match m.col_type {
                    ct::DATE => (Kind::Date, 0),
                    ct::DATETIME | ct::TIMESTAMP => (Kind::DateTime, m.decimals),
                    ct::TIME => (Kind::Time, m.decimals),
                    _ => return None,
                }
            }
            _ => return None,
        };
        kinds.push(kind);
        fsp = fsp.max(f.min(6));
    }
    let first = *kinds.first()?;
    let kind = if kinds.iter().all(|k| *k == first) {
        first
    } else {
        Kind::DateTime
    };
    Some((super::func::temporal_kind_code(kind), fsp))
}

/// True when `e` is a column of a character string type.
fn string_column(frame: &Frame<'_>, e: &Ex) -> bool {
    let Ex::Col(i) = e else { return false };
    frame.cols.get(*i).is_some_and(|c| {
        matches!(
            c.meta.col_type,
            ct::VAR_STRING | ct::STRING | ct::VARCHAR | ct::BLOB
        ) && c.meta.charset != crate::coldef::BINARY_CHARSET
    })
}

/// Wraps `e` so that its values take the temporal type [`common_temporal`] found.
fn as_temporal(e: Ex, (kind, fsp): (i64, u8)) -> Ex {
    Ex::Func(
        named("AS_TEMPORAL"),
        vec![
            e,
            Ex::Lit(Value::Int(kind)),
            Ex::Lit(Value::Int(fsp as i64)),
        ],
        None,
    )
}

/// 1235 when select item `pos` is a column the engine only selects as it is.
fn special_item(frame: &Frame<'_>, items: &[Ex], pos: usize) -> Result<(), SqlError> {
    if let Some(Ex::Col(i)) = items.get(pos) {
        if let Some(why) = frame.cols.get(*i).and_then(|c| special_column(&c.meta)) {
            return Err(unsupported(why));
        }
    }
    Ok(())
}

/// An expression that can be duplicated (GROUP BY naming a select item).
fn clone_simple(e: &Ex) -> Option<Ex> {
    match e {
        Ex::Col(i) => Some(Ex::Col(*i)),
        Ex::Lit(v) => Some(Ex::Lit(v.clone())),
        _ => None,
    }
}

/// The collation an expression's strings compare by, when it has one of its own.
pub fn expr_coll(e: &Ex) -> Coll {
    match e {
        Ex::Func(_, _, c) => *c,
        _ => None,
    }
}

fn plan_is_correlated(p: &QueryPlan) -> bool {
    fn ex(e: &Ex, depth: usize) -> bool {
        match e {
            Ex::Outer(d, _) => *d >= depth,
            Ex::InSub(a, s, ..) => ex(a, depth) || plan(&s.plan, depth + 1),
            Ex::Exists(s, _) | Ex::Scalar(s) => plan(&s.plan, depth + 1),
            other => {
                let mut found = false;
                children(other, &mut |c| found |= ex(c, depth));
                found
            }
        }
    }
    fn plan(p: &QueryPlan, depth: usize) -> bool {
        match p {
            QueryPlan::Select(s) => {
                s.items.iter().any(|e| ex(e, depth))
                    || s.filter.iter().any(|(_, e)| ex(e, depth))
                    || s.group.iter().any(|e| ex(e, depth))
                    || s.having.iter().any(|e| ex(e, depth))
                    || s.order.iter().any(|(e, _)| ex(e, depth))
                    || s.sources
                        .iter()
                        .any(|src| src.on.iter().any(|e| ex(e, depth)))
                    || s.aggs.iter().any(|a| a.args.iter().any(|e| ex(e, depth)))
            }
            QueryPlan::Union { parts, .. } => parts.iter().any(|p| plan(p, depth)),
        }
    }
    plan(p, 1)
}

fn variable(name: &str, scope: Option<&str>, cx: &Context<'_>) -> Result<Value, SqlError> {
    let scope = scope.map(str::to_ascii_lowercase);
    match scope.as_deref() {
        Some("@@global") => return cx.env.system_variable(true, name),
        Some("@@session") | Some("@@local") => return cx.env.system_variable(false, name),
        Some(other) => return Err(bad_field(&format!("{other}.{name}"), FIELD_LIST)),
        None => {}
    }
    if let Some(v) = name.strip_prefix("@@") {
        return cx.env.system_variable(false, v);
    }
    if let Some(v) = name.strip_prefix('@') {
        return Ok(cx.env.user_variable(v.trim_matches(['`', '\'', '"'])));
    }
    Err(bad_field(name, FIELD_LIST))
}
