//! Grants at each level as rows: mysql.db's Y/N columns, tables_priv's and columns_priv's
//! SET columns; GRANT adds bits, REVOKE takes them away and deletes rows left empty.

use serde_json::{json, Value as Json};

use super::exec::{q, sql, Sys};
use super::stmt::{Level, Privs};
use crate::acl::privs;
use crate::apply::rows::RowError;
use crate::sqlerror::SqlError;

impl Sys<'_, '_, '_> {
    fn db_bits(&mut self, user: &str, host: &str, db: &str) -> Result<Option<u64>, RowError> {
        let cols: Vec<&str> = privs::DB_COLUMNS.iter().map(|c| c.0).collect();
        let rows = self.rows(&format!(
            "SELECT {} FROM mysql.db WHERE Host = {} AND Db = {} AND User = {}",
            cols.join(", "),
            q(host),
            q(db),
            q(user)
        ))?;
        Ok(rows.into_iter().next().map(|r| {
            r.iter()
                .zip(privs::DB_COLUMNS)
                .filter(|(v, _)| v.as_deref() == Some("Y"))
                .fold(0, |acc, (_, c)| acc | c.1)
        }))
    }

    fn put_db(&mut self, user: &str, host: &str, db: &str, bits: u64) -> Result<(), RowError> {
        let w = format!(
            "Host = {} AND Db = {} AND User = {}",
            q(host),
            q(db),
            q(user)
        );
        if bits == 0 {
            return self.exec(&format!("DELETE FROM mysql.db WHERE {w}"));
        }
        let cols: Vec<&str> = privs::DB_COLUMNS.iter().map(|c| c.0).collect();
        let vals: Vec<&str> = privs::DB_COLUMNS
            .iter()
            .map(|c| if bits & c.1 != 0 { "'Y'" } else { "'N'" })
            .collect();
        self.exec(&format!(
            "REPLACE INTO mysql.db (Host, Db, User, {}) VALUES ({}, {}, {}, {})",
            cols.join(", "),
            q(host),
            q(db),
            q(user),
            vals.join(", ")
        ))
    }

    fn table_bits(
        &mut self,
        user: &str,
        host: &str,
        db: &str,
        t: &str,
    ) -> Result<Option<(u64, u64)>, RowError> {
        let rows = self.rows(&format!(
            "SELECT Table_priv, Column_priv FROM mysql.tables_priv WHERE Host = {} AND Db = {} AND User = {} AND Table_name = {}",
            q(host), q(db), q(user), q(t)
        ))?;
        Ok(rows.into_iter().next().map(|r| {
            (
                privs::from_set(r[0].as_deref().unwrap_or(""), privs::TABLE_LABELS),
                privs::from_set(r[1].as_deref().unwrap_or(""), privs::TABLE_LABELS),
            )
        }))
    }

    fn put_table(
        &mut self,
        user: &str,
        host: &str,
        db: &str,
        t: &str,
        bits: (u64, u64),
    ) -> Result<(), RowError> {
        let w = format!(
            "Host = {} AND Db = {} AND User = {} AND Table_name = {}",
            q(host),
            q(db),
            q(user),
            q(t)
        );
        if bits == (0, 0) {
            return self.exec(&format!("DELETE FROM mysql.tables_priv WHERE {w}"));
        }
        self.exec(&format!(
            "REPLACE INTO mysql.tables_priv (Host, Db, User, Table_name, Grantor, Table_priv, Column_priv) VALUES ({}, {}, {}, {}, '', {}, {})",
            q(host), q(db), q(user), q(t),
            q(&privs::to_set(bits.0, privs::TABLE_LABELS)),
            q(&privs::to_set(bits.1 & privs::COLUMN_ALL, privs::TABLE_LABELS)),
        ))
    }

    /// Column grants of a table: (column, bits).
    fn column_bits(
        &mut self,
        user: &str,
        host: &str,
        db: &str,
        t: &str,
    ) -> Result<Vec<(String, u64)>, RowError> {
        let rows = self.rows(&format!(
            "SELECT Column_name, Column_priv FROM mysql.columns_priv WHERE Host = {} AND Db = {} AND User = {} AND Table_name = {}",
            q(host), q(db), q(user), q(t)
        ))?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r[0].clone().unwrap_or_default(),
                    privs::from_set(r[1].as_deref().unwrap_or(""), privs::TABLE_LABELS),
                )
            })
            .collect())
    }

    fn put_column(
        &mut self,
        user: &str,
        host: &str,
        db: &str,
        t: &str,
        col: &str,
        bits: u64,
    ) -> Result<(), RowError> {
        let w = format!(
            "Host = {} AND Db = {} AND User = {} AND Table_name = {} AND Column_name = {}",
            q(host),
            q(db),
            q(user),
            q(t),
            q(col)
        );
        self.exec(&format!("DELETE FROM mysql.columns_priv WHERE {w}"))?;
        if bits == 0 {
            return Ok(());
        }
        self.exec(&format!(
            "INSERT INTO mysql.columns_priv (Host, Db, User, Table_name, Column_name, Column_priv) VALUES ({}, {}, {}, {}, {}, {})",
            q(host), q(db), q(user), q(t), q(col),
            q(&privs::to_set(bits, privs::TABLE_LABELS)),
        ))
    }

    /// Grants (`add`) or revokes privileges at one level for one grantee.
    pub(super) fn change(
        &mut self,
        user: &str,
        host: &str,
        p: &Privs,
        level: &Level,
        add: bool,
    ) -> Result<(), RowError> {
        let apply = |old: u64, bits: u64| if add { old | bits } else { old & !bits };
        match level {
            Level::Routine => {
                self.replay
                    .system_ignored
                    .set(self.replay.system_ignored.get() + 1);
                Ok(())
            }
            Level::Global => {
                let mut d = self.user_doc_or_new(user, host)?;
                let bits = if p.all {
                    privs::ALL_GLOBAL & !privs::GRANT | p.bits
                } else {
                    p.bits
                };
                let old = d.get("access").and_then(Json::as_u64).unwrap_or(0);
                d.insert("access".into(), json!(apply(old, bits)));
                self.put_user(user, host, &d)
            }
            Level::Db(db) => {
                let old = self.db_bits(user, host, db)?;
                if old.is_none() && !add {
                    return Err(sql(SqlError::new(
                        1141,
                        format!(
                            "There is no such grant defined for user '{user}' on host '{host}'"
                        ),
                    )));
                }
                let bits = if p.all {
                    privs::DB_ALL & !privs::GRANT | p.bits
                } else {
                    p.bits
                };
                self.put_db(user, host, db, apply(old.unwrap_or(0), bits))
            }
            Level::Table(db, t) => {
                let old = self.table_bits(user, host, db, t)?;
                if old.is_none() && !add {
                    return Err(sql(SqlError::new(
                        1147,
                        format!("There is no such grant defined for user '{user}' on host '{host}' on table '{t}'"),
                    )));
                }
                let (tb, _) = old.unwrap_or((0, 0));
                let bits = if p.all {
                    privs::TABLE_ALL & !privs::GRANT | p.bits
                } else {
                    p.bits
                };
                let tb = apply(tb, bits & privs::TABLE_ALL);
                let mut cols = self.column_bits(user, host, db, t)?;
                let mut touched: Vec<(String, u64)> = Vec::new();
                for (bit, col) in &p.columns {
                    match touched
                        .iter_mut()
                        .find(|(c, _)| c.eq_ignore_ascii_case(col))
                    {
                        Some(x) => x.1 |= bit,
                        None => touched.push((col.clone(), *bit)),
                    }
                }
                if p.all && !add {
                    // REVOKE ALL on a table takes its column grants too.
                    touched = cols
                        .iter()
                        .map(|(c, _)| (c.clone(), privs::COLUMN_ALL))
                        .collect();
                }
                for (col, bit) in touched {
                    let old = cols
                        .iter()
                        .find(|(c, _)| c.eq_ignore_ascii_case(&col))
                        .map_or(0, |x| x.1);
                    let new = apply(old, bit);
                    self.put_column(user, host, db, t, &col, new)?;
                    cols.retain(|(c, _)| !c.eq_ignore_ascii_case(&col));
                    cols.push((col, new));
                }
                let cb = cols.iter().fold(0, |acc, (_, b)| acc | b);
                self.put_table(user, host, db, t, (tb, cb))
            }
        }
    }
}
