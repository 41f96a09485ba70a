//! Tables held in memory: information_schema's (the query engine reads them as sources)
//! and the rows of SHOW ... WHERE, filtered with [`row_matches`].

use sqlparser::ast::Expr;

use super::constant::{self, Env};
use super::value::Value;
use crate::sqlerror::SqlError;

/// A table in memory: column names and rows.
#[derive(Clone, Debug, Default)]
pub struct MemTable {
    /// Column names, in order.
    pub columns: Vec<&'static str>,
    /// Rows, one value per column.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::constant::{parse_expr, NoSession};

    #[test]
    fn rows_match_by_column_name() {
        let t = MemTable {
            columns: vec!["Variable_name", "Value"],
            rows: vec![vec![Value::Text("port".into()), Value::Int(3306)]],
        };
        let m = |w: &str| row_matches(&t, &t.rows[0], &parse_expr(w).unwrap(), &NoSession);
        assert!(m("variable_name = 'PORT' AND value > 3000").unwrap());
        assert!(!m("Value IS NULL").unwrap());
        assert_eq!(m("nope = 1").unwrap_err().code, 1054);
    }
}
