//! The statements about replicant's own binlog: SHOW MASTER STATUS, SHOW BINARY LOGS,
//! SHOW SLAVE HOSTS, FLUSH [BINARY] LOGS, PURGE BINARY LOGS TO / BEFORE, RESET MASTER.
//! Without `log-bin` they answer as mysqld with the binlog off.

use super::session::{Reply, Session};
use super::show::text_columns;
use crate::sqlerror::SqlError;

/// mysqld's 1381.
fn not_logging() -> SqlError {
    SqlError::new(1381, "You are not using binary logging".into())
}

impl Session {
    fn logbin(&self) -> Option<&crate::apply::applier::LogBinHandle> {
        self.shared.control.logbin()
    }

    /// SHOW MASTER STATUS / SHOW BINLOG STATUS.
    pub(super) fn show_master_status(&self) -> Result<Reply, SqlError> {
        self.require_admin("BINLOG MONITOR")?;
        let columns = text_columns(&["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"]);
        let Some(lb) = self.logbin() else {
            return Ok(Reply::Rows {
                columns,
                rows: Vec::new(),
            });
        };
        let m = lb
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .committed_mark()
            .clone();
        let b = self.shared.cfg.binlog.as_ref();
        let list = |v: Option<&Vec<String>>| v.map(|v| v.join(",")).unwrap_or_default();
        Ok(Reply::Rows {
            columns,
            rows: vec![vec![
                Some(m.file),
                Some(m.pos.to_string()),
                Some(list(b.map(|b| &b.do_db))),
                Some(list(b.map(|b| &b.ignore_db))),
            ]],
        })
    }

    /// SHOW BINARY LOGS / SHOW MASTER LOGS.
    pub(super) fn show_binary_logs(&self) -> Result<Reply, SqlError> {
        self.require_admin("BINLOG MONITOR")?;
        let lb = self.logbin().ok_or_else(not_logging)?;
        let files = lb.lock().unwrap_or_else(|e| e.into_inner()).files();
        Ok(Reply::Rows {
            columns: text_columns(&["Log_name", "File_size"]),
            rows: files
                .into_iter()
                .map(|(f, n)| vec![Some(f), Some(n.to_string())])
                .collect(),
        })
    }

    /// SHOW SLAVE HOSTS: the replicas registered now.
    pub(super) fn show_slave_hosts(&self) -> Result<Reply, SqlError> {
        self.require_admin("REPLICATION MASTER ADMIN")?;
        let rows = self
            .shared
            .replicas
            .lock()
            .map(|r| {
                r.iter()
                    .map(|(id, x)| {
                        vec![
                            Some(id.to_string()),
                            Some(x.host.clone()),
                            Some(x.port.to_string()),
                            Some(x.master_id.to_string()),
                        ]
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Reply::Rows {
            columns: text_columns(&["Server_id", "Host", "Port", "Master_id"]),
            rows,
        })
    }

    /// FLUSH ... : BINARY LOGS (and LOGS) end the current binlog file; the rest (tables,
    /// privileges, status) have nothing to do here.
    pub(super) fn flush(&self, words: &[String]) -> Result<Reply, SqlError> {
        self.require_admin("RELOAD")?;
        // FLUSH [NO_WRITE_TO_BINLOG | LOCAL] [BINARY] LOGS; FLUSH ERROR / RELAY / SLOW /
        // GENERAL / ENGINE LOGS leave the binlog alone.
        let rest: Vec<&str> = words
            .iter()
            .skip(1)
            .map(String::as_str)
            .filter(|w| !matches!(*w, "NO_WRITE_TO_BINLOG" | "LOCAL"))
            .collect();
        let logs = matches!(rest.as_slice(), ["LOGS"] | ["BINARY", "LOGS"]);
        let Some(lb) = self.logbin().filter(|_| logs) else {
            return Ok(Reply::Ok);
        };
        let mut g = lb.lock().unwrap_or_else(|e| e.into_inner());
        let internal = |e: crate::relay::RelayError| SqlError::new(1105, e.to_string());
        if let Some(m) = g.flush_logs().map_err(internal)? {
            crate::apply::applier::commit_binlog_mark(self.shared.control.store(), &m)
                .map_err(|e| SqlError::new(1105, e.to_string()))?;
            g.committed(m.clone());
            g.publish(m);
        }
        Ok(Reply::Ok)
    }

    /// PURGE { BINARY | MASTER } LOGS { TO 'file' | BEFORE 'datetime' }.
    pub(super) fn purge(&self, sql: &str, words: &[String]) -> Result<Reply, SqlError> {
        self.require_admin("BINLOG ADMIN")?;
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        if !matches!(w(1), "BINARY" | "MASTER") || w(2) != "LOGS" {
            return Err(self.unknown_statement(sql));
        }
        let lb = self.logbin().ok_or_else(not_logging)?;
        let arg = sql
            .split(['\'', '"'])
            .nth(1)
            .ok_or_else(|| self.unknown_statement(sql))?
            .to_string();
        let mut g = lb.lock().unwrap_or_else(|e| e.into_inner());
        let files = g.files();
        let target = match w(3) {
            "TO" => {
                if !files.iter().any(|(f, _)| *f == arg) {
                    return Err(SqlError::new(
                        1373,
                        "Target log not found in binlog index".into(),
                    ));
                }
                arg
            }
            "BEFORE" => {
                let limit = crate::calendar::parse_datetime(&arg)
                    .map(i64::from)
                    .ok_or_else(|| {
                        SqlError::new(1210, "Incorrect arguments to PURGE LOGS BEFORE".into())
                    })?;
                // The first file modified at or after the limit stays, and every one after it.
                let dir = g.dir().to_path_buf();
                let keep = files.iter().find(|(f, _)| {
                    std::fs::metadata(dir.join(f))
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .is_none_or(|d| d.as_secs() as i64 >= limit)
                });
                match keep {
                    Some((f, _)) => f.clone(),
                    None => files.last().map(|(f, _)| f.clone()).unwrap_or_default(),
                }
            }
            _ => return Err(self.unknown_statement(sql)),
        };
        g.purge_to(&target)
            .map_err(|e| SqlError::new(1105, e.to_string()))?;
        Ok(Reply::Ok)
    }

    /// RESET MASTER: every binlog file goes; the next is `NAME.000001`, GTID state empty.
    pub(super) fn reset_master(&self) -> Result<Reply, SqlError> {
        self.require_admin("RELOAD")?;
        let lb = self.logbin().ok_or_else(not_logging)?;
        let mut g = lb.lock().unwrap_or_else(|e| e.into_inner());
        if !g.idle() {
            return Err(SqlError::new(
                1198,
                "RESET MASTER while the applier is writing the binlog: run STOP SLAVE SQL_THREAD first".into(),
            ));
        }
        let store = self.shared.control.store();
        let internal = |e: String| SqlError::new(1105, e);
        // The reset is committed first: a crash before the files are gone completes it at
        // start-up.
        crate::apply::applier::commit_binlog_mark(store, &g.reset_mark())
            .map_err(|e| internal(e.to_string()))?;
        let m = g.reset().map_err(|e| internal(e.to_string()))?;
        crate::apply::applier::commit_binlog_mark(store, &m)
            .map_err(|e| internal(e.to_string()))?;
        g.committed(m.clone());
        g.publish(m);
        Ok(Reply::Ok)
    }
}
