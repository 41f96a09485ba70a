//! SELECT over a table held in memory (information_schema): projection of columns and
//! expressions, WHERE, ORDER BY (expressions, select-list positions, ASC/DESC, NULLs first
//! ascending as mysqld), LIMIT/OFFSET. Joins, grouping, aggregates, DISTINCT and subqueries
//! are 1235 — never a wrong answer.

use sqlparser::ast::{
    Expr, GroupByExpr, LimitClause, OrderByKind, OrderBySort, Query, Select, SelectItem, SetExpr,
    Statement, TableFactor,
};

use super::constant::{self, unsupported, Env};
use super::value::Value;
use crate::apply::error::SqlError;

/// A table in memory: column names and rows.
#[derive(Clone, Debug, Default)]
pub struct MemTable {
    /// Column names, in order.
    pub columns: Vec<&'static str>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A result: column names and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// Column labels.
    pub names: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

/// One row seen by expressions.
struct RowEnv<'a> {
    outer: &'a dyn Env,
    table: &'a MemTable,
    row: &'a [Value],
}

impl Env for RowEnv<'_> {
    fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError> {
        self.outer.system_variable(global, name)
    }
    fn user_variable(&self, name: &str) -> Value {
        self.outer.user_variable(name)
    }
    fn session_function(&self, name: &str) -> Option<Value> {
        self.outer.session_function(name)
    }
    fn column(&self, name: &str) -> Option<Value> {
        self.table
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .map(|i| self.row[i].clone())
    }
}

/// True when `row` of `table` satisfies `filter` (SQL truth: NULL is not a match).
pub fn row_matches(
    table: &MemTable,
    row: &[Value],
    filter: &Expr,
    env: &dyn Env,
) -> Result<bool, SqlError> {
    let renv = RowEnv {
        outer: env,
        table,
        row,
    };
    Ok(constant::eval(filter, &renv)?.truth() == Some(true))
}

/// The table a single-table SELECT reads: (database, table) as written, database `None`
/// when unqualified. `None` when `sql` is not such a SELECT.
pub fn single_table(sql: &str) -> Result<Option<(Option<String>, String)>, SqlError> {
    let stmts = constant::parse_statements(sql)?;
    let [Statement::Query(q)] = stmts.as_slice() else {
        return Ok(None);
    };
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Ok(None);
    };
    Ok(table_of(sel))
}

fn table_of(sel: &Select) -> Option<(Option<String>, String)> {
    let [t] = sel.from.as_slice() else {
        return None;
    };
    if !t.joins.is_empty() {
        return None;
    }
    let TableFactor::Table { name, .. } = &t.relation else {
        return None;
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect();
    match parts.as_slice() {
        [t] => Some((None, t.clone())),
        [d, t] => Some((Some(d.clone()), t.clone())),
        _ => None,
    }
}

/// Runs a single-table SELECT over `table`; `names_from` is the text naming unaliased
/// columns (see [`constant::eval_select`]).
pub fn select(
    sql: &str,
    names_from: &str,
    table: &MemTable,
    env: &dyn Env,
) -> Result<Output, SqlError> {
    let stmts = constant::parse_statements(sql)?;
    let [Statement::Query(q)] = stmts.as_slice() else {
        return Err(unsupported("several statements in one"));
    };
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Err(unsupported("UNION on information_schema"));
    };
    check_supported(q, sel)?;
    let texts = super::split::select_item_texts(names_from).unwrap_or_default();
    // The select list: (label, expression or column index).
    enum Item<'e> {
        Column(usize),
        Expr(&'e Expr),
    }
    let mut items: Vec<(String, Item)> = Vec::new();
    for (i, it) in sel.projection.iter().enumerate() {
        match it {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                for (c, name) in table.columns.iter().enumerate() {
                    items.push((name.to_string(), Item::Column(c)));
                }
            }
            SelectItem::UnnamedExpr(e) => {
                let label = texts
                    .get(i)
                    .map_or_else(|| e.to_string(), |t| t.to_string());
                items.push((label, Item::Expr(e)));
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                items.push((alias.value.clone(), Item::Expr(expr)))
            }
            _ => return Err(unsupported(&it.to_string())),
        }
    }
    let order: Vec<(&Expr, bool)> = match &q.order_by {
        None => Vec::new(),
        Some(ob) => match &ob.kind {
            OrderByKind::Expressions(list) => list
                .iter()
                .map(|o| match o.options.sort {
                    Some(OrderBySort::Desc) => Ok((&o.expr, false)),
                    Some(OrderBySort::Using(_)) => Err(unsupported("ORDER BY ... USING")),
                    _ => Ok((&o.expr, true)),
                })
                .collect::<Result<_, _>>()?,
            OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
        },
    };
    // Evaluate: projected values plus sort keys, per row that passes WHERE.
    let mut out: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
    for row in &table.rows {
        let renv = RowEnv {
            outer: env,
            table,
            row,
        };
        if let Some(w) = &sel.selection {
            if !row_matches(table, row, w, env)? {
                continue;
            }
        }
        let mut values = Vec::with_capacity(items.len());
        for (_, it) in &items {
            values.push(match it {
                Item::Column(c) => row[*c].clone(),
                Item::Expr(e) => constant::eval(e, &renv)?,
            });
        }
        let mut keys = Vec::with_capacity(order.len());
        for (e, _) in &order {
            keys.push(match e {
                // ORDER BY 2: the second select item.
                Expr::Value(v) => match &v.value {
                    sqlparser::ast::Value::Number(n, _) => {
                        let pos: usize = n.parse().unwrap_or(0);
                        match pos.checked_sub(1).and_then(|p| values.get(p)) {
                            Some(v) => v.clone(),
                            None => {
                                return Err(SqlError::new(
                                    1054,
                                    format!("Unknown column '{n}' in 'order clause'"),
                                ))
                            }
                        }
                    }
                    _ => constant::eval(e, &renv)?,
                },
                // A select-list alias.
                Expr::Identifier(id) if renv.column(&id.value).is_none() => items
                    .iter()
                    .position(|(l, _)| l.eq_ignore_ascii_case(&id.value))
                    .map(|p| values[p].clone())
                    .map_or_else(|| constant::eval(e, &renv), Ok)?,
                _ => constant::eval(e, &renv)?,
            });
        }
        out.push((values, keys));
    }
    if !order.is_empty() {
        out.sort_by(|(_, a), (_, b)| {
            for (i, (_, asc)) in order.iter().enumerate() {
                // mysqld: NULL sorts first ascending, last descending.
                let o = match (&a[i], &b[i]) {
                    (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
                    (Value::Null, _) => std::cmp::Ordering::Less,
                    (_, Value::Null) => std::cmp::Ordering::Greater,
                    (x, y) => constant::compare(x, y).unwrap_or(std::cmp::Ordering::Equal),
                };
                let o = if *asc { o } else { o.reverse() };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let (mut skip, mut take) = (0usize, usize::MAX);
    match &q.limit_clause {
        None => {}
        Some(LimitClause::LimitOffset { limit, offset, .. }) => {
            if let Some(l) = limit {
                take = constant::eval(l, env)?.as_i64().unwrap_or(0).max(0) as usize;
            }
            if let Some(o) = offset {
                skip = constant::eval(&o.value, env)?.as_i64().unwrap_or(0).max(0) as usize;
            }
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            skip = constant::eval(offset, env)?.as_i64().unwrap_or(0).max(0) as usize;
            take = constant::eval(limit, env)?.as_i64().unwrap_or(0).max(0) as usize;
        }
    }
    Ok(Output {
        names: items.into_iter().map(|(l, _)| l).collect(),
        rows: out
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|(v, _)| v)
            .collect(),
    })
}

fn check_supported(q: &Query, sel: &Select) -> Result<(), SqlError> {
    if sel.distinct.is_some() {
        return Err(unsupported("DISTINCT on information_schema"));
    }
    if !matches!(&sel.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
        || sel.having.is_some()
    {
        return Err(unsupported("GROUP BY / HAVING on information_schema"));
    }
    if q.with.is_some() {
        return Err(unsupported("WITH"));
    }
    if table_of(sel).is_none() {
        return Err(unsupported("joins on information_schema"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoSession;
    impl Env for NoSession {
        fn system_variable(&self, _: bool, name: &str) -> Result<Value, SqlError> {
            Err(SqlError::new(
                1193,
                format!("Unknown system variable '{name}'"),
            ))
        }
        fn user_variable(&self, _: &str) -> Value {
            Value::Null
        }
        fn session_function(&self, _: &str) -> Option<Value> {
            None
        }
    }

    fn table() -> MemTable {
        let t = |s: &str| Value::Text(s.into());
        MemTable {
            columns: vec!["TABLE_SCHEMA", "TABLE_NAME", "N"],
            rows: vec![
                vec![t("db01"), t("user"), Value::Int(3)],
                vec![t("db01"), t("log"), Value::Null],
                vec![t("mysql"), t("user"), Value::Int(1)],
            ],
        }
    }

    fn run(sql: &str) -> Result<Output, SqlError> {
        select(sql, sql, &table(), &NoSession)
    }

    #[test]
    fn where_order_limit_and_labels() {
        let o = run("SELECT TABLE_NAME, n AS cnt FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'db01' ORDER BY TABLE_NAME").unwrap();
        assert_eq!(o.names, vec!["TABLE_NAME", "cnt"]);
        assert_eq!(
            o.rows,
            vec![
                vec![Value::Text("log".into()), Value::Null],
                vec![Value::Text("user".into()), Value::Int(3)]
            ]
        );
        let o = run("SELECT * FROM t ORDER BY 3 DESC LIMIT 1, 1").unwrap();
        assert_eq!(o.rows[0][2], Value::Int(1));
        let o = run("SELECT N FROM t ORDER BY N").unwrap();
        assert_eq!(o.rows[0][0], Value::Null, "NULL first ascending");
        assert_eq!(
            run("SELECT * FROM t WHERE n IN (1, 3)").unwrap().rows.len(),
            2
        );
        assert_eq!(
            run("SELECT * FROM t WHERE table_name LIKE 'U%'")
                .unwrap()
                .rows
                .len(),
            2
        );
    }

    #[test]
    fn what_is_not_done_says_so() {
        for sql in [
            "SELECT DISTINCT TABLE_NAME FROM t",
            "SELECT COUNT(*) FROM t",
            "SELECT TABLE_NAME FROM t GROUP BY TABLE_NAME",
            "SELECT * FROM t JOIN u ON 1 = 1",
        ] {
            assert_eq!(run(sql).unwrap_err().code, 1235, "{sql}");
        }
        assert_eq!(run("SELECT nope FROM t").unwrap_err().code, 1054);
    }
}
