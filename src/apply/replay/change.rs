//! UPDATE and DELETE, single- and multi-table: the rows a statement changes found by the
//! query engine over the write view, then changed with the row events' paths (triggers
//! fired around each).

use super::*;

impl Replay<'_> {
    /// Writes `old` with the assigned columns (`targets`) set to the first values of
    /// `r` (the UPDATE's and ON DUPLICATE KEY UPDATE's SELECT row); nothing when no value
    /// changes.
    pub(super) fn apply_assignments(
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
        self.cascade(t, old, Some(&new), session, txn)?;
        self.fire(t, false, Event::Update, Some(old), Some(&new), session, txn)?;
        Ok(())
    }

    /// The single table an UPDATE or DELETE changes, with the name it goes by (`None`:
    /// filtered out).
    pub(super) fn single_table(
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

    pub(super) fn update(
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
    pub(super) fn change_found(
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

    pub(super) fn delete(
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

    /// Deletes row `old` of `t`, firing its DELETE triggers around it.
    pub(super) fn delete_fired(
        &mut self,
        t: &TableRt,
        old: &[u8],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        self.fire(t, true, Event::Delete, Some(old), None, session, txn)?;
        self.rows.delete_row(self.store, txn, t, old)?;
        self.cascade(t, old, None, session, txn)?;
        self.fire(t, false, Event::Delete, Some(old), None, session, txn)?;
        Ok(())
    }

    /// The base tables of `refs` (FROM's table references) by the name each goes by,
    /// `None` for one the table rules exclude.
    pub(super) fn tables_of(
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
    pub(super) fn update_multi(
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
    pub(super) fn delete_multi(
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
