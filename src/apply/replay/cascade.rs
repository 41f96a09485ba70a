//! Foreign keys' ON DELETE and ON UPDATE actions (CASCADE, SET NULL). The master's binlog
//! never holds what they change in the referencing rows, in ROW format either: InnoDB
//! does it below the binlog, on the master and again on a mysqld replica. So replicant
//! does it too, for row events and replayed statements alike, unless the master's
//! session had `foreign_key_checks=0` (then InnoDB did nothing either).
//!
//! The referencing rows are found by the query engine over the write view (so the
//! comparison is the child column's collation, as InnoDB's), and changed with the row
//! events' paths. As in InnoDB, no trigger fires and no ON UPDATE CURRENT_TIMESTAMP
//! column changes for them, and each cascaded change cascades in turn, up to InnoDB's
//! depth of 15. RESTRICT and NO ACTION check nothing here: the master refused what they
//! refuse, so its binlog never asks for it.

use super::*;

/// InnoDB's limit on nested cascades (FK_MAX_CASCADE_DEL).
const MAX_DEPTH: usize = 15;

impl Replay<'_> {
    /// The foreign keys' actions for row `old` of `t` deleted (`new`: `None`) or changed
    /// into `new`.
    pub(in crate::apply) fn cascade(
        &mut self,
        t: &TableRt,
        old: &[u8],
        new: Option<&[u8]>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        if !session.foreign_key_checks || !t.cascades(new.is_none()) {
            return Ok(());
        }
        self.cascade_at(t, old, new, session, txn, 0)
    }

    fn cascade_at(
        &mut self,
        t: &TableRt,
        old: &[u8],
        new: Option<&[u8]>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
        depth: usize,
    ) -> Result<(), RowError> {
        let mut spans = Vec::new();
        t.layout.spans(old, &mut spans)?;
        let mut new_spans = Vec::new();
        if let Some(n) = new {
            t.layout.spans(n, &mut new_spans)?;
        }
        let bytes = |r: &[u8], s: Span| s.map(|(a, b)| r[a..b].to_vec());
        for child in &t.referenced_by {
            let fk = &child.fk;
            let action = if new.is_some() {
                fk.on_update
            } else {
                fk.on_delete
            };
            if !action.changes_rows() {
                continue;
            }
            let Some(pcols) = positions(&t.def, &fk.ref_columns) else {
                continue;
            };
            // A NULL in the old key: no row refers to it.
            if pcols.iter().any(|&c| spans[c].is_none()) {
                continue;
            }
            // An update that leaves the referenced columns' bytes as they were.
            if let Some(n) = new {
                if pcols
                    .iter()
                    .all(|&c| bytes(old, spans[c]) == bytes(n, new_spans[c]))
                {
                    continue;
                }
            }
            let Some(ct) = self
                .tables
                .get(&(child.db.clone(), child.table.clone()))
                .cloned()
            else {
                continue;
            };
            let Some(ccols) = positions(&ct.def, &fk.columns) else {
                continue;
            };
            let key = row_values(t, old, pcols.iter().copied(), session.time_zone)?;
            let quote = |s: &str| format!("`{}`", s.replace('`', "``"));
            let mut q = format!(
                "SELECT 1 FROM {}.{} WHERE ",
                quote(&ct.def.db),
                quote(&ct.def.name)
            );
            let mut placeholders = Vec::with_capacity(ccols.len());
            for (k, &c) in ccols.iter().enumerate() {
                if k > 0 {
                    q.push_str(" AND ");
                }
                q.push_str(&quote(&ct.def.columns[c].name));
                q.push_str(" = ");
                placeholders.push(q.len());
                q.push('?');
            }
            let found = self
                .query_with(
                    &q,
                    session,
                    txn,
                    &[ct.def.name.as_str()],
                    &placeholders,
                    &key,
                )
                .map_err(sql_err)?;
            if found.is_empty() {
                continue;
            }
            if depth >= MAX_DEPTH {
                return Err(sql_err(SqlError::new(
                    3008,
                    format!("Foreign key cascade delete/update exceeds max depth of {MAX_DEPTH}."),
                )));
            }
            // ON UPDATE CASCADE: the referencing columns take the new key's values.
            let to = match (action, new) {
                (RefAction::Cascade, Some(n)) => {
                    Some(row_values(t, n, pcols.iter().copied(), session.time_zone)?)
                }
                _ => None,
            };
            let mut cspans = Vec::new();
            for r in found {
                let Some(Value::Bytes(crow)) = r.last() else {
                    continue;
                };
                if new.is_none() && action == RefAction::Cascade {
                    self.rows.delete_row(self.store, txn, &ct, crow)?;
                    self.cascade_at(&ct, crow, None, session, txn, depth + 1)?;
                    continue;
                }
                // SET NULL, or ON UPDATE CASCADE.
                ct.layout.spans(crow, &mut cspans)?;
                let mut packed: Vec<Option<Vec<u8>>> =
                    cspans.iter().map(|&s| bytes(crow, s)).collect();
                for (k, &c) in ccols.iter().enumerate() {
                    packed[c] = match &to {
                        Some(v) => {
                            let mut out = Vec::new();
                            let not_null = pack_value_mode(
                                &ct.def.columns[c],
                                &v[k],
                                &mut out,
                                session.time_zone,
                                true,
                            )
                            .map_err(sql_err)?;
                            not_null.then_some(out)
                        }
                        None => None,
                    };
                }
                let mut changed = Vec::new();
                ct.layout
                    .assemble(packed.iter().map(|v| v.as_deref()), &mut changed);
                if changed[..] == crow[..] {
                    continue;
                }
                self.rows.update_row(self.store, txn, &ct, crow, &changed)?;
                self.cascade_at(&ct, crow, Some(&changed), session, txn, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// The positions of columns `names` in `t` (`None` when one is not there: a key left
/// behind by DDL that dropped its column).
fn positions(t: &crate::store::catalog::TableDef, names: &[String]) -> Option<Vec<usize>> {
    names.iter().map(|c| t.column(c)).collect()
}
