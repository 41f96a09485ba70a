//! INSERT, REPLACE, INSERT ... ON DUPLICATE KEY UPDATE (and the rows of LOAD DATA and
//! CREATE TABLE ... SELECT): values evaluated, defaults and AUTO_INCREMENT values given,
//! rows written with the row events' paths, triggers fired and generated columns filled.

use super::*;

impl Replay<'_> {
    pub(super) fn insert(
        &mut self,
        ins: &ast::Insert,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let TableObject::TableName(name) = &ins.table else {
            return Err(sql_err(unsupported("INSERT into a table function")));
        };
        let Some(t) = self.table(name, session).map_err(sql_err)? else {
            return Ok(());
        };
        if ins.insert_alias.is_some() {
            return Err(sql_err(unsupported("replaying INSERT ... AS alias")));
        }
        let odku = match &ins.on {
            None => None,
            Some(ast::OnInsert::DuplicateKeyUpdate(a)) => {
                Some(Odku::prepare(&t, a).map_err(sql_err)?)
            }
            Some(_) => return Err(sql_err(unsupported("replaying INSERT ... ON CONFLICT"))),
        };
        let column = |n: &str| -> Result<usize, SqlError> {
            t.def
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(n))
                .ok_or_else(|| {
                    SqlError::new(1054, format!("Unknown column '{n}' in 'INSERT INTO'"))
                })
        };
        // The columns given, and per row their values (`None`: DEFAULT).
        let mut targets = Vec::new();
        let mut rows: Vec<Vec<Option<Value>>> = Vec::new();
        if !ins.assignments.is_empty() {
            let mut exprs = Vec::new();
            for a in &ins.assignments {
                let AssignmentTarget::ColumnName(c) = &a.target else {
                    return Err(sql_err(unsupported("a tuple in INSERT ... SET")));
                };
                let parts = name_parts(c);
                targets.push(column(parts.last().map_or("", String::as_str)).map_err(sql_err)?);
                exprs.push(&a.value);
            }
            rows.push(self.eval_row(&exprs, session, txn).map_err(sql_err)?);
        } else {
            for c in &ins.columns {
                let parts = name_parts(c);
                targets.push(column(parts.last().map_or("", String::as_str)).map_err(sql_err)?);
            }
            if targets.is_empty() {
                targets = (0..t.def.columns.len()).collect();
            }
            let Some(source) = &ins.source else {
                return Err(sql_err(unsupported("INSERT without VALUES or SELECT")));
            };
            match source.body.as_ref() {
                SetExpr::Values(v)
                    if source.order_by.is_none() && source.limit_clause.is_none() =>
                {
                    for row in &v.rows {
                        let exprs: Vec<&Expr> = row.content.iter().collect();
                        rows.push(self.eval_row(&exprs, session, txn).map_err(sql_err)?);
                    }
                }
                _ => {
                    let got = self
                        .query(&source.to_string(), session, txn, &[])
                        .map_err(sql_err)?;
                    rows.extend(got.into_iter().map(|r| r.into_iter().map(Some).collect()));
                }
            }
        }
        for r in &rows {
            if r.len() != targets.len() {
                return Err(sql_err(SqlError::new(
                    1136,
                    format!("Column count doesn't match value count at row {}", 1),
                )));
            }
        }
        let how = InsertHow {
            ignore: ins.ignore,
            replace: ins.replace_into,
            odku: odku.as_ref(),
        };
        self.write_rows(&t, &targets, &rows, how, session, txn)
    }

    /// Writes an INSERT's rows (`rows[r][p]` the value for column `targets[p]`, `None`
    /// for DEFAULT): defaults, AUTO_INCREMENT values, then each row as `how` says.
    pub(in crate::apply) fn write_rows(
        &mut self,
        t: &Arc<TableRt>,
        targets: &[usize],
        rows: &[Vec<Option<Value>>],
        how: InsertHow<'_>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let t = t.clone();
        // Non-strict sql_mode, or IGNORE: values are clipped to what the column holds.
        let lenient = session.sql_mode & STRICT_MODES == 0 || how.ignore;
        let mut auto = AutoIncrement::new(self, session);
        let mut packed: Vec<Option<Vec<u8>>> = Vec::with_capacity(t.def.columns.len());
        let mut row = Vec::new();
        for (n, values) in rows.iter().enumerate() {
            packed.clear();
            auto.row_start();
            // The AUTO_INCREMENT column whose value this row generated.
            let mut generated = None;
            for (i, col) in t.def.columns.iter().enumerate() {
                let given = targets.iter().position(|&c| c == i).map(|p| &values[p]);
                let value = match given {
                    Some(Some(v)) => Some(v),
                    // Not given, or DEFAULT.
                    _ => None,
                };
                if col.auto_increment {
                    let generate = match value {
                        None | Some(Value::Null) => true,
                        Some(v) => {
                            session.sql_mode & NO_AUTO_VALUE_ON_ZERO == 0 && v.as_i64() == Some(0)
                        }
                    };
                    if !generate {
                        // An explicit value past the counter moves it (mysqld's next value
                        // after `VALUES (NULL), (100), (NULL)` is 101).
                        if let Some(v) = value.and_then(Value::as_i64).filter(|v| *v > 0) {
                            auto.explicit(v as u64);
                        }
                    }
                    if generate {
                        let id = auto.next(self, &t, i, session, txn).map_err(sql_err)?;
                        let mut out = Vec::new();
                        pack_value(col, &Value::UInt(id), &mut out, session.time_zone)
                            .map_err(sql_err)?;
                        packed.push(Some(out));
                        generated = Some(i);
                        continue;
                    }
                }
                match value {
                    // Non-strict, a NULL for a NOT NULL column of a multi-row INSERT is
                    // the column's implicit default (a single row's is an error).
                    Some(Value::Null) if !col.nullable && lenient && rows.len() > 1 => {
                        packed.push(Some(implicit_packed(col).map_err(sql_err)?));
                    }
                    Some(Value::Null) if !col.nullable => {
                        return Err(sql_err(SqlError::new(
                            1048,
                            format!("Column '{}' cannot be null", col.name),
                        )))
                    }
                    Some(v) => {
                        let mut out = Vec::new();
                        let not_null =
                            pack_value_mode(col, v, &mut out, session.time_zone, lenient)
                                .map_err(|e| sql_err(at_row(e, n + 1)))?;
                        packed.push(not_null.then_some(out));
                    }
                    None => packed.push(default_packed(col, session.timestamp).map_err(sql_err)?),
                }
            }
            t.layout
                .assemble(packed.iter().map(|v| v.as_deref()), &mut row);
            match generated.filter(|_| {
                t.def
                    .trigger_defs
                    .iter()
                    .any(|d| d.before && d.event == "INSERT")
            }) {
                // A BEFORE INSERT trigger sees 0 for the AUTO_INCREMENT value still to be
                // generated (mysqld's NEW.id); the generated value stands unless it set one.
                Some(c) => {
                    let generated_id = packed[c].take();
                    let mut zero = Vec::new();
                    pack_value(
                        &t.def.columns[c],
                        &Value::Int(0),
                        &mut zero,
                        session.time_zone,
                    )
                    .map_err(sql_err)?;
                    packed[c] = Some(zero);
                    let mut seen = Vec::new();
                    t.layout
                        .assemble(packed.iter().map(|v| v.as_deref()), &mut seen);
                    let fired =
                        self.fire(&t, true, Event::Insert, None, Some(&seen), session, txn)?;
                    let set_by_trigger = fired.as_ref().is_some_and(|r| {
                        let mut spans = Vec::new();
                        t.layout.spans(r, &mut spans).is_ok()
                            && spans[c].is_some_and(|(s, e)| {
                                r[s..e] != packed[c].as_deref().unwrap_or_default()[..]
                            })
                    });
                    if set_by_trigger {
                        auto.give_back();
                        row = fired.unwrap_or(row);
                    } else {
                        if let Some(r) = fired {
                            // The trigger's other changes, with the generated value back.
                            let mut spans = Vec::new();
                            t.layout.spans(&r, &mut spans)?;
                            for (k, p) in packed.iter_mut().enumerate() {
                                *p = spans[k].map(|(s, e)| r[s..e].to_vec());
                            }
                        }
                        packed[c] = generated_id;
                        t.layout
                            .assemble(packed.iter().map(|v| v.as_deref()), &mut row);
                    }
                }
                None => {
                    if let Some(r) =
                        self.fire(&t, true, Event::Insert, None, Some(&row), session, txn)?
                    {
                        row = r;
                    }
                }
            }
            row = self.fill_generated(&t, row, session, txn)?;
            let sp = txn.savepoint();
            let e = match self.rows.insert_row(self.store, txn, &t, &row, false) {
                Err(RowError::Sql(e, h)) if e.code == 1062 => RowError::Sql(e, h),
                other => {
                    other?;
                    self.fire(&t, false, Event::Insert, None, Some(&row), session, txn)?;
                    continue;
                }
            };
            // The row takes a key another row holds.
            txn.rollback_to(sp);
            if how.replace {
                // REPLACE: the rows holding its keys go, then it goes in.
                self.replace_row(&t, &row, e, session, txn)?;
            } else if let Some(o) = how.odku {
                let Some((old, ix)) = self.rows.find_conflict(self.store, txn, &t, &row)? else {
                    return Err(e);
                };
                self.odku_update(&t, o, &old, ix, &row, session, txn)?;
                // The row was not inserted: its generated value goes to the next row.
                auto.give_back();
            } else if how.ignore {
                // mysqld gives an ignored row's generated value back: the next row
                // takes it.
                auto.give_back();
            } else {
                return Err(e);
            }
        }
        Ok(())
    }

    /// REPLACE of `row`, which met a taken key (`first`): each row holding one of its
    /// keys is deleted, then it is inserted.
    pub(super) fn replace_row(
        &mut self,
        t: &TableRt,
        row: &[u8],
        first: RowError,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let mut err = first;
        // Each round removes one holder: at most one per unique key.
        for _ in 0..=t.def.indexes.len() {
            let Some((old, _)) = self.rows.find_conflict(self.store, txn, t, row)? else {
                return Err(err);
            };
            self.delete_fired(t, &old, session, txn)?;
            let sp = txn.savepoint();
            match self.rows.insert_row(self.store, txn, t, row, false) {
                Err(RowError::Sql(e, h)) if e.code == 1062 => {
                    txn.rollback_to(sp);
                    err = RowError::Sql(e, h);
                }
                other => {
                    other?;
                    self.fire(t, false, Event::Insert, None, Some(row), session, txn)?;
                    return Ok(());
                }
            }
        }
        Err(err)
    }

    /// ON DUPLICATE KEY UPDATE: `old`, the row holding the key `row` (the row the INSERT
    /// would have written) took on index `ix`, updated by the assignments, whose
    /// VALUES(col) are `row`'s values.
    #[allow(clippy::too_many_arguments)]
    fn odku_update(
        &mut self,
        t: &TableRt,
        o: &Odku,
        old: &[u8],
        ix: usize,
        row: &[u8],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        let key_cols: Vec<usize> = t.def.indexes[ix].parts.iter().map(|p| p.column).collect();
        let tz = session.time_zone;
        let mut params = row_values(t, row, o.values_of.iter().copied(), tz)?;
        params.extend(row_values(t, old, key_cols.iter().copied(), tz)?);
        let mut select = select_list(&o.exprs);
        select.push_str(&format!(" FROM `{}`.`{}` WHERE ", t.def.db, t.def.name));
        for (i, c) in key_cols.iter().enumerate() {
            if i > 0 {
                select.push_str(" AND ");
            }
            select.push_str(&format!("`{}` <=> ?", t.def.columns[*c].name));
        }
        let placeholders = crate::sql::split::placeholders(&select);
        if placeholders.len() != params.len() {
            return Err(sql_err(unsupported(
                "a '?' in ON DUPLICATE KEY UPDATE's expressions",
            )));
        }
        let found = self
            .query_with(
                &select,
                session,
                txn,
                &[t.def.name.as_str()],
                &placeholders,
                &params,
            )
            .map_err(sql_err)?;
        let Some(r) = found
            .into_iter()
            .find(|r| matches!(r.last(), Some(Value::Bytes(b)) if b == old))
        else {
            return Err(sql_err(SqlError::row_not_found(&t.def.name)));
        };
        self.apply_assignments(t, &o.targets, &r, old, session, txn)
    }

    /// One VALUES row evaluated (`None` for DEFAULT).
    pub(super) fn eval_row(
        &self,
        exprs: &[&Expr],
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<Vec<Option<Value>>, SqlError> {
        let is_default = |e: &Expr| matches!(e, Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("DEFAULT"));
        // Literals need no query.
        if let Some(vals) = exprs
            .iter()
            .map(|e| {
                if is_default(e) {
                    Some(None)
                } else {
                    literal(e).map(Some)
                }
            })
            .collect::<Option<Vec<_>>>()
        {
            return Ok(vals);
        }
        let mut select = String::from("SELECT ");
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                select.push_str(", ");
            }
            if is_default(e) {
                select.push_str("NULL");
            } else {
                select.push_str(&e.to_string());
            }
        }
        let row = self
            .query(&select, session, txn, &[])?
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok(row
            .into_iter()
            .zip(exprs)
            .map(|(v, e)| (!is_default(e)).then_some(v))
            .collect())
    }
}

/// How an INSERT meets a taken key.
#[derive(Clone, Copy)]
pub(in crate::apply) struct InsertHow<'o> {
    /// INSERT IGNORE: the row is left out.
    ignore: bool,
    /// REPLACE: the rows holding its keys go.
    replace: bool,
    /// ON DUPLICATE KEY UPDATE: the row holding the key is updated.
    odku: Option<&'o Odku>,
}

impl InsertHow<'_> {
    /// INSERT [IGNORE] or REPLACE, without ON DUPLICATE KEY UPDATE.
    pub(in crate::apply) fn plain(ignore: bool, replace: bool) -> InsertHow<'static> {
        InsertHow {
            ignore,
            replace,
            odku: None,
        }
    }
}

/// ON DUPLICATE KEY UPDATE's assignments, ready to evaluate against the row a new row
/// collides with.
pub(super) struct Odku {
    /// Assigned columns.
    targets: Vec<usize>,
    /// Their expressions, earlier targets substituted, each VALUES(col) made a `?`.
    exprs: Vec<Expr>,
    /// The column of each `?`, in text order.
    values_of: Vec<usize>,
}

impl Odku {
    fn prepare(t: &TableRt, assignments: &[ast::Assignment]) -> Result<Odku, SqlError> {
        let (targets, mut exprs) = assignments_of(t, &t.def.name, assignments)?;
        let mut values_of = Vec::new();
        let mut bad: Option<SqlError> = None;
        for e in &mut exprs {
            let _ = ast::visit_expressions_mut(e, |x| {
                let Expr::Function(f) = x else {
                    return ControlFlow::<()>::Continue(());
                };
                if !f.name.to_string().eq_ignore_ascii_case("VALUES") {
                    return ControlFlow::Continue(());
                }
                let arg = match &f.args {
                    ast::FunctionArguments::List(l) => match l.args.as_slice() {
                        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a))] => Some(a),
                        _ => None,
                    },
                    _ => None,
                };
                let name = match arg {
                    Some(Expr::Identifier(i)) => Some(i.value.clone()),
                    Some(Expr::CompoundIdentifier(p)) => p.last().map(|i| i.value.clone()),
                    _ => None,
                };
                match name.and_then(|n| {
                    t.def
                        .columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(&n))
                }) {
                    Some(c) => {
                        values_of.push(c);
                        *x = Expr::Value(ast::Value::Placeholder("?".into()).into());
                    }
                    None => {
                        bad = Some(SqlError::new(
                            1054,
                            format!("Unknown column in '{x}' in 'field list'"),
                        ))
                    }
                }
                ControlFlow::Continue(())
            });
        }
        if let Some(e) = bad {
            return Err(e);
        }
        Ok(Odku {
            targets,
            exprs,
            values_of,
        })
    }
}

/// AUTO_INCREMENT values a statement generates: INSERT_ID's value first (what the
/// master generated), then each next one `auto_increment_increment` further.
struct AutoIncrement {
    next: Option<u64>,
    step: u64,
    offset: u64,
    /// The value the current row generated, if it did.
    generated: Option<u64>,
}

impl AutoIncrement {
    fn new(r: &Replay<'_>, s: &MasterSession<'_>) -> AutoIncrement {
        AutoIncrement {
            next: s.vars.insert_id.filter(|_| !r.insert_id_taken.get()),
            step: (s.auto_increment.0 as u64).max(1),
            offset: (s.auto_increment.1 as u64).max(1),
            generated: None,
        }
    }

    /// A new row begins.
    fn row_start(&mut self) {
        self.generated = None;
    }

    /// The smallest value on the `auto_increment_increment` / `_offset` grid that is at
    /// least `id`.
    fn on_grid(&self, id: u64) -> u64 {
        if self.step <= 1 {
            return id;
        }
        let off = self.offset.min(self.step);
        if id <= off {
            off
        } else {
            off.saturating_add((id - off).div_ceil(self.step).saturating_mul(self.step))
        }
    }

    /// The row gave the column `v` itself: a value at or past the next one to generate
    /// moves the counter past it.
    fn explicit(&mut self, v: u64) {
        if let Some(n) = self.next {
            if v >= n {
                self.next = Some(self.on_grid(v.saturating_add(1)));
            }
        }
    }

    /// The current row was not inserted: its generated value goes to the next row.
    fn give_back(&mut self) {
        if let Some(id) = self.generated.take() {
            self.next = Some(id);
        }
    }

    fn next(
        &mut self,
        r: &Replay<'_>,
        t: &TableRt,
        col: usize,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<u64, SqlError> {
        r.insert_id_taken.set(true);
        let id = match self.next {
            Some(id) => id,
            None => match txn
                .auto_increment(r.store, t.def.id)
                .map_err(|e| SqlError::new(1030, format!("Got error from the store: {e}")))?
            {
                // No INSERT_ID logged (a trigger's insert): the table's counter, on the
                // increment/offset grid, as mysqld's replica gives.
                Some(counter) => self.on_grid(counter.max(1)),
                None => self.after_max(r, t, col, session, txn)?,
            },
        };
        self.next = Some(id.saturating_add(self.step));
        self.generated = Some(id);
        // A value handed out is used up even if its row is not inserted (InnoDB).
        txn.raise_auto_increment(t.def.id, id.saturating_add(1));
        Ok(id)
    }

    /// The next value after the largest stored, on the increment/offset grid: the
    /// counter of a table that has none stored.
    fn after_max(
        &self,
        r: &Replay<'_>,
        t: &TableRt,
        col: usize,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<u64, SqlError> {
        let q = format!(
            "SELECT MAX(`{}`) FROM `{}`.`{}`",
            t.def.columns[col].name, t.def.db, t.def.name
        );
        let max = r
            .query(&q, session, txn, &[])?
            .first()
            .and_then(|row| row.first())
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .max(0) as u64;
        Ok(self.on_grid(max.saturating_add(1)))
    }
}

/// A literal's value without the engine: numbers, strings, NULL (the common VALUES
/// rows); `None` for anything else.
fn literal(e: &Expr) -> Option<Value> {
    match e {
        Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => Some(engine::bind::number(n)),
            // Backslashes were said again after parsing (see `execute`).
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                Some(Value::Text(if s.contains('\\') {
                    // One pass: `\0` is NUL, `\x` is x (the escapes `escape_literals` wrote).
                    let mut out = String::with_capacity(s.len());
                    let mut chars = s.chars();
                    while let Some(c) = chars.next() {
                        match (c, c == '\\') {
                            (_, true) => match chars.next() {
                                Some('0') => out.push('\0'),
                                Some(x) => out.push(x),
                                None => out.push('\\'),
                            },
                            (c, false) => out.push(c),
                        }
                    }
                    out
                } else {
                    s.clone()
                }))
            }
            ast::Value::Null => Some(Value::Null),
            _ => None,
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match literal(expr)? {
            Value::Int(i) => Some(Value::Int(i.checked_neg()?)),
            _ => None,
        },
        _ => None,
    }
}

/// An error about a value, with mysqld's "at row N".
fn at_row(e: SqlError, n: usize) -> SqlError {
    if e.code == 1366 || e.message.starts_with("Incorrect") {
        SqlError::new(e.code, format!("{} at row {n}", e.message))
    } else {
        e
    }
}
