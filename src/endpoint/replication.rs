//! Replication statements a client runs: CHANGE MASTER TO, START / STOP / RESET SLAVE
//! (through [`crate::control::Control`]) and MASTER_POS_WAIT().

use super::admin::{self, Admin};
use super::session::{Condition, Reply, Session};
use crate::control::slave_status::{field, Field};
use crate::sql::parse::{self, unsupported};
use crate::sqlerror::SqlError;
use crate::wire::resultset::Column;

impl Session {
    pub(super) async fn admin(&mut self, sql: &str) -> Result<Reply, SqlError> {
        let Some(stmt) = admin::parse(sql)? else {
            return Err(self.unknown_statement(sql));
        };
        self.require_admin("SUPER, REPLICATION SLAVE ADMIN")?;
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
    pub(super) async fn master_pos_wait(&mut self, sql: &str) -> Result<Reply, SqlError> {
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
}
