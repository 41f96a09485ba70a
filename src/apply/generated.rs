//! Generated columns of rows a replayed statement writes: each STORED or VIRTUAL column's
//! expression evaluated over the row, in column order (a later one may read an earlier
//! one), as mysqld computes them. Row events carry the master's values instead.

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::encode::pack_value;
use super::replay::{row_values, sql_err, MasterSession, Replay};
use super::rows::RowError;
use crate::sql::parse::unsupported;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::table::TableRt;
use crate::store::Txn;

impl Replay<'_> {
    /// Computes `t`'s generated columns of stored row `row` (when it has any): the row
    /// with their values.
    pub(super) fn fill_generated(
        &self,
        t: &TableRt,
        row: Vec<u8>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<Vec<u8>, RowError> {
        if t.def.columns.iter().all(|c| c.generated.is_none()) {
            return Ok(row);
        }
        let mut spans = Vec::new();
        t.layout.spans(&row, &mut spans)?;
        let mut values = row_values(t, &row, 0..t.def.columns.len(), session.time_zone)?;
        let mut packed: Vec<Option<Vec<u8>>> = spans
            .iter()
            .map(|s| s.map(|(a, b)| row[a..b].to_vec()))
            .collect();
        for (c, col) in t.def.columns.iter().enumerate() {
            let Some(g) = &col.generated else {
                continue;
            };
            let mut params = Vec::new();
            let select = format!(
                "SELECT {}",
                substitute(t, &g.expr, &values, &mut params).map_err(sql_err)?
            );
            let placeholders = crate::sql::split::placeholders(&select);
            let v = self
                .query_with(&select, session, txn, &[], &placeholders, &params)
                .map_err(|e| {
                    sql_err(SqlError::new(
                        e.code,
                        format!("{} (the generated column {})", e.message, col.name),
                    ))
                })?
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .unwrap_or(Value::Null);
            if matches!(v, Value::Null) && !col.nullable {
                return Err(sql_err(SqlError::new(
                    1048,
                    format!("Column '{}' cannot be null", col.name),
                )));
            }
            let mut out = Vec::new();
            let not_null = pack_value(col, &v, &mut out, session.time_zone).map_err(sql_err)?;
            packed[c] = not_null.then_some(out);
            values[c] = v;
        }
        let mut new = Vec::with_capacity(row.len());
        t.layout
            .assemble(packed.iter().map(|v| v.as_deref()), &mut new);
        Ok(new)
    }
}

/// `expr` with the table's column names made `?` placeholders, their values pushed to
/// `params`.
fn substitute(
    t: &TableRt,
    expr: &str,
    values: &[Value],
    params: &mut Vec<Value>,
) -> Result<String, SqlError> {
    let toks = Tokenizer::new(&MySqlDialect {}, expr)
        .tokenize()
        .map_err(|e| unsupported(&format!("the generated column expression {expr} ({e})")))?;
    let mut out = String::with_capacity(expr.len() + 8);
    for (k, tok) in toks.iter().enumerate() {
        let column = match tok {
            Token::Word(w)
                if toks.get(k + 1) != Some(&Token::LParen)
                    && toks.get(k + 1) != Some(&Token::Period)
                    && (k == 0 || toks[k - 1] != Token::Period) =>
            {
                t.def
                    .columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&w.value))
            }
            _ => None,
        };
        match column {
            Some(c) => {
                out.push('?');
                params.push(values[c].clone());
            }
            None => out.push_str(&tok.to_string()),
        }
    }
    Ok(out)
}
