//! Binding one SELECT, step by step: FROM's sources and their join conditions, the select
//! list, WHERE / GROUP BY / HAVING / ORDER BY, the columns each source must decode, the
//! join order, where each WHERE conjunct is evaluated, and each source's access path.

use std::cell::{Cell, RefCell};

use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, JoinConstraint, JoinOperator, Query, Select, SelectItem,
};

use super::{
    access, bad_field, conjuncts, limits, object_parts, order_items, unsupported, AggKind, Binder,
    Cmp, Ex, Frame, JoinKind, OutCol, SelectPlan, Source, SourceKind, GROUP, HAVING, ON, ORDER,
    WHERE,
};
use crate::sql::engine::plan::{columns_of, has_subquery};
use crate::sqlerror::SqlError;

/// FROM's tables in declaration order, each with its ON condition or USING columns.
struct FromClause<'q> {
    sources: Vec<Source>,
    /// (source, ON, USING) per source.
    joins: Vec<(usize, Option<&'q Expr>, Vec<String>)>,
    /// `A RIGHT JOIN B`, bound as `B LEFT JOIN A`.
    right_join: bool,
}

/// The columns a SELECT reads, by the WHERE conjuncts (each on its own: an access path
/// may enforce some of them) and by everything else.
struct Reads {
    by_conjunct: Vec<Vec<usize>>,
    elsewhere: Vec<bool>,
}

impl Reads {
    /// A source's columns read by anything but the WHERE conjuncts at positions `except`.
    fn of(&self, s: &Source, except: &[usize]) -> Vec<bool> {
        (s.offset..s.offset + s.cols.len())
            .map(|i| {
                self.elsewhere[i]
                    || self
                        .by_conjunct
                        .iter()
                        .enumerate()
                        .any(|(j, cols)| !except.contains(&j) && cols.contains(&i))
            })
            .collect()
    }
}

impl Binder<'_, '_> {
    pub(super) fn select(
        &self,
        sel: &Select,
        q: Option<&Query>,
        parent: Option<&Frame<'_>>,
        names_from: Option<&str>,
    ) -> Result<SelectPlan, SqlError> {
        if sel.into.is_some() {
            return Err(unsupported("SELECT ... INTO"));
        }
        if !matches!(sel.group_by, GroupByExpr::Expressions(_, ref m) if m.is_empty()) {
            return Err(unsupported(&format!("GROUP BY {}", "modifiers")));
        }
        let FromClause {
            mut sources,
            joins,
            right_join,
        } = self.bind_from(sel)?;
        let (frame, width) = scope(&mut sources, parent);
        self.join_conditions(&frame, &mut sources, joins, right_join)?;
        let (items, mut cols) = self.select_list(sel, &frame, &sources, width, names_from)?;
        let mut where_conj = Vec::new();
        if let Some(w) = &sel.selection {
            conjuncts(self.expr(w, &frame, WHERE, false)?, &mut where_conj);
        }
        let mut group = Vec::new();
        if let GroupByExpr::Expressions(list, _) = &sel.group_by {
            for e in list {
                group.push(self.order_key(e, &frame, &items, GROUP, false)?);
            }
        }
        let having = sel
            .having
            .as_ref()
            .map(|h| self.order_key(h, &frame, &items, HAVING, true))
            .transpose()?;
        let mut order = Vec::new();
        let (limit, offset) = match q {
            Some(q) => {
                for (e, desc) in order_items(q)? {
                    order.push((self.order_key(e, &frame, &items, ORDER, true)?, desc));
                }
                limits(q)?
            }
            None => (None, 0),
        };
        let aggs = frame.aggs.into_inner();
        for (c, e) in cols.iter_mut().zip(&items) {
            if let Ex::Agg(a) = e {
                c.not_null = aggs
                    .get(*a)
                    .is_some_and(|a| matches!(a.kind, AggKind::Count | AggKind::CountStar));
            }
        }
        let grouped = !group.is_empty() || !aggs.is_empty();
        let distinct = match &sel.distinct {
            None | Some(Distinct::All) => false,
            Some(Distinct::Distinct) => true,
            Some(other) => return Err(unsupported(&other.to_string())),
        };
        let mut elsewhere: Vec<&Ex> = Vec::new();
        elsewhere.extend(items.iter());
        elsewhere.extend(group.iter());
        elsewhere.extend(having.iter());
        elsewhere.extend(order.iter().map(|(e, _)| e));
        for a in &aggs {
            elsewhere.extend(a.args.iter());
            elsewhere.extend(a.order.iter().map(|(e, _)| e));
        }
        let reads = reads(&sources, &where_conj, elsewhere, width);
        for s in sources.iter_mut() {
            s.needed = reads.of(s, &[]);
        }
        if let Some(check) = self.cx.access {
            for s in &sources {
                if let SourceKind::Base(t) = &s.kind {
                    let cols: Vec<&str> = t
                        .def
                        .columns
                        .iter()
                        .zip(&s.needed)
                        .filter(|(_, n)| **n)
                        .map(|(c, _)| c.name.as_str())
                        .collect();
                    let every = cols.len() == t.def.columns.len() && cols.len() > 1;
                    check(&s.db, &s.table, Some(&cols), every)?;
                }
            }
        }
        let order_exec = join_order(&mut sources, right_join);
        null_extended_columns(&mut cols, &items, &sources);
        let filter = place_conjuncts(where_conj, &order_exec, &sources);
        let single = sources.len() == 1 && !grouped && !distinct;
        let want_order = if single { &order[..] } else { &[] };
        let ordered_by_access = choose_access(
            &mut sources,
            &order_exec,
            &filter,
            want_order,
            &items,
            limit.is_some(),
            &reads,
        );
        Ok(SelectPlan {
            sources,
            order_exec,
            width,
            filter,
            group,
            aggs,
            grouped,
            having,
            items,
            cols,
            distinct,
            order,
            ordered_by_access,
            limit,
            offset,
            capture: Vec::new(),
        })
    }

    /// FROM: sources in declaration order, with join kinds and ON/USING.
    fn bind_from<'q>(&self, sel: &'q Select) -> Result<FromClause<'q>, SqlError> {
        let mut sources: Vec<Source> = Vec::new();
        let mut joins = Vec::new();
        let mut right_join = false;
        for twj in &sel.from {
            let i = sources.len();
            self.add_source(&twj.relation, &mut sources, JoinKind::Inner)?;
            // DUAL adds no source.
            if sources.len() > i {
                joins.push((i, None, Vec::new()));
            }
            for j in &twj.joins {
                let (kind, cons, right) = match &j.join_operator {
                    JoinOperator::Join(c)
                    | JoinOperator::Inner(c)
                    | JoinOperator::StraightJoin(c) => (JoinKind::Inner, Some(c), false),
                    JoinOperator::CrossJoin(c) => (JoinKind::Inner, Some(c), false),
                    JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => {
                        (JoinKind::Left, Some(c), false)
                    }
                    JoinOperator::Right(c) | JoinOperator::RightOuter(c) => {
                        (JoinKind::Left, Some(c), true)
                    }
                    other => {
                        return Err(unsupported(
                            &format!("{other:?}").chars().take(40).collect::<String>(),
                        ))
                    }
                };
                let idx = sources.len();
                self.add_source(&j.relation, &mut sources, kind)?;
                if right {
                    // A RIGHT JOIN B  =  B LEFT JOIN A: only with A a single table.
                    if idx != 1 || sel.from.len() != 1 {
                        return Err(unsupported("RIGHT JOIN after other joins"));
                    }
                    right_join = true;
                }
                let (on, using) = match cons {
                    Some(JoinConstraint::On(e)) => (Some(e), Vec::new()),
                    Some(JoinConstraint::Using(cols)) => (
                        None,
                        cols.iter().filter_map(|c| object_parts(c).pop()).collect(),
                    ),
                    Some(JoinConstraint::Natural) => (None, natural_columns(&sources, idx)),
                    _ => (None, Vec::new()),
                };
                joins.push((idx, on, using));
            }
        }
        Ok(FromClause {
            sources,
            joins,
            right_join,
        })
    }

    /// ON and USING: each source's join conditions; a USING column is merged into the
    /// left one (unqualified names and `*` see it once).
    fn join_conditions(
        &self,
        frame: &Frame<'_>,
        sources: &mut [Source],
        joins: Vec<(usize, Option<&Expr>, Vec<String>)>,
        right_join: bool,
    ) -> Result<(), SqlError> {
        for (idx, on, using) in joins {
            let mut conds = Vec::new();
            if let Some(e) = on {
                conjuncts(self.expr(e, frame, ON, false)?, &mut conds);
            }
            if !using.is_empty() && (sources.len() != 2 || right_join) {
                return Err(unsupported(
                    "JOIN ... USING with more than two tables or RIGHT JOIN",
                ));
            }
            for name in using {
                let right = &sources[idx];
                let rc = right
                    .cols
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&name))
                    .ok_or_else(|| bad_field(&name, "from clause"))?;
                let left = sources[..idx]
                    .iter()
                    .find_map(|s| {
                        s.cols
                            .iter()
                            .position(|c| c.name.eq_ignore_ascii_case(&name))
                            .map(|p| s.offset + p)
                    })
                    .ok_or_else(|| bad_field(&name, "from clause"))?;
                conds.push(Ex::Cmp(
                    Cmp::Eq,
                    Box::new(Ex::Col(left)),
                    Box::new(Ex::Col(right.offset + rc)),
                    right.cols[rc].coll,
                ));
                // One column for both (the left one: in INNER and LEFT joins it is never
                // NULL-extended).
                frame.merged.borrow_mut().push((left, right.offset + rc));
            }
            sources[idx].on = conds;
        }
        Ok(())
    }

    /// The select list: its items and output columns. Labels of unaliased expressions
    /// are their text as typed (`names_from`), tokenized only when some item needs it.
    fn select_list(
        &self,
        sel: &Select,
        frame: &Frame<'_>,
        sources: &[Source],
        width: usize,
        names_from: Option<&str>,
    ) -> Result<(Vec<Ex>, Vec<OutCol>), SqlError> {
        let mut texts: Option<Vec<String>> = None;
        let mut items = Vec::new();
        let mut item_asts: Vec<Option<Expr>> = Vec::new();
        let mut cols = Vec::new();
        for (i, it) in sel.projection.iter().enumerate() {
            let (ex, col, ast) = match it {
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    for c in star_columns(it, frame, sources, width)? {
                        items.push(Ex::Col(c));
                        item_asts.push(None);
                        cols.push(column_item(sources, c));
                    }
                    continue;
                }
                SelectItem::UnnamedExpr(e) => {
                    let ex = self.item(e, frame)?;
                    let name = match e {
                        Expr::Identifier(id) => id.value.clone(),
                        // A column is named by its last part; `@@session.x` as typed.
                        Expr::CompoundIdentifier(p)
                            if !p.is_empty() && !p[0].value.starts_with('@') =>
                        {
                            p[p.len() - 1].value.clone()
                        }
                        _ => texts
                            .get_or_insert_with(|| {
                                names_from
                                    .and_then(crate::sql::split::select_item_texts)
                                    .map(|v| v.iter().map(|t| t.to_string()).collect())
                                    .unwrap_or_default()
                            })
                            .get(i)
                            .map_or_else(|| e.to_string(), |t| t.to_string()),
                    };
                    let col = self.out_col(&ex, name, sources, frame);
                    (ex, col, e)
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let ex = self.item(expr, frame)?;
                    let mut col = self.out_col(&ex, alias.value.clone(), sources, frame);
                    if let Some(m) = &mut col.meta {
                        m.name = alias.value.clone();
                    }
                    (ex, col, expr)
                }
                other => return Err(unsupported(&other.to_string())),
            };
            let mut col = col;
            if col.typed.is_some() && names_a_variable(&ast.to_string()) {
                // A variable is bound as its value; mysqld types it by the variable's
                // type, which the rules in `types` do not follow.
                col.typed = None;
            }
            items.push(ex);
            item_asts.push(Some(ast.clone()));
            cols.push(col);
        }
        *frame.aliases.borrow_mut() = cols.iter().map(|c| c.name.clone()).collect();
        *frame.item_asts.borrow_mut() = item_asts;
        Ok((items, cols))
    }
}

/// Whether SQL text `e` names a variable (`@x`, `@@x`): an `@` outside quotes.
fn names_a_variable(e: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut chars = e.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '@') => return true,
            (None, _) => {}
        }
    }
    false
}

/// The joined-row positions `*` or `t.*` selects: USING columns first, once; then every
/// other column in order.
fn star_columns(
    it: &SelectItem,
    frame: &Frame<'_>,
    sources: &[Source],
    width: usize,
) -> Result<Vec<usize>, SqlError> {
    if let SelectItem::QualifiedWildcard(kind, _) = it {
        let name = kind.to_string();
        let tname = name.rsplit('.').next().unwrap_or("").trim_matches('`');
        let s = sources
            .iter()
            .find(|s| s.alias.eq_ignore_ascii_case(tname))
            .ok_or_else(|| SqlError::new(1051, format!("Unknown table '{tname}'")))?;
        return Ok((s.offset..s.offset + s.cols.len()).collect());
    }
    if sources.is_empty() {
        return Err(SqlError::new(1096, "No tables used".into()));
    }
    let merged = frame.merged.borrow();
    let mut order: Vec<usize> = merged.iter().map(|(k, _)| *k).collect();
    order.extend((0..width).filter(|i| !merged.iter().any(|(k, m)| k == i || m == i)));
    Ok(order)
}

/// The output column of a source's column at joined-row position `i`.
fn column_item(sources: &[Source], i: usize) -> OutCol {
    let col = sources
        .iter()
        .find(|s| i >= s.offset && i < s.offset + s.cols.len())
        .map(|s| &s.cols[i - s.offset]);
    OutCol {
        name: col.map_or_else(String::new, |c| c.name.clone()),
        meta: col.map(|c| c.meta.clone()),
        coll: col.and_then(|c| c.coll),
        not_null: false,
        ret: None,
        typed: None,
    }
}

/// NATURAL JOIN's USING columns: every column name both sides have, in the order of the
/// left side.
fn natural_columns(sources: &[Source], right: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in sources[..right].iter().flat_map(|s| s.cols.iter()) {
        let common = sources[right]
            .cols
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&c.name));
        if common && !names.iter().any(|n| n.eq_ignore_ascii_case(&c.name)) {
            names.push(c.name.clone());
        }
    }
    names
}

/// Places the sources in the joined row (each one's offset) and makes the SELECT's
/// name-resolution scope; returns it with the joined row's width.
fn scope<'p>(sources: &mut [Source], parent: Option<&'p Frame<'p>>) -> (Frame<'p>, usize) {
    let mut offset = 0;
    for s in sources.iter_mut() {
        s.offset = offset;
        offset += s.cols.len();
    }
    let frame = Frame {
        tables: sources
            .iter()
            .map(|s| {
                (
                    s.alias.clone(),
                    s.db.clone(),
                    s.table.clone(),
                    s.cols.iter().map(|c| c.name.clone()).collect(),
                    s.offset,
                )
            })
            .collect(),
        cols: sources
            .iter()
            .flat_map(|s| s.cols.iter().cloned())
            .collect(),
        parent,
        correlated: Cell::new(false),
        aggs: RefCell::new(Vec::new()),
        aliases: RefCell::new(Vec::new()),
        item_asts: RefCell::new(Vec::new()),
        merged: RefCell::new(Vec::new()),
    };
    (frame, offset)
}

/// Which columns are read, by the WHERE conjuncts and by `elsewhere` (the items, GROUP
/// BY, HAVING, ORDER BY, the aggregates' arguments) and the ON conditions.
fn reads<'e>(
    sources: &'e [Source],
    where_conj: &[Ex],
    mut elsewhere: Vec<&'e Ex>,
    width: usize,
) -> Reads {
    let by_conjunct = where_conj
        .iter()
        .map(|e| {
            let mut v = Vec::new();
            columns_of(e, &mut |i| v.push(i));
            v
        })
        .collect();
    for s in sources {
        elsewhere.extend(s.on.iter());
    }
    let mut read = vec![false; width];
    for e in elsewhere {
        columns_of(e, &mut |i| {
            if let Some(r) = read.get_mut(i) {
                *r = true;
            }
        });
    }
    Reads {
        by_conjunct,
        elsewhere: read,
    }
}

/// Join order: declaration order (a RIGHT JOIN swaps its two tables).
fn join_order(sources: &mut [Source], right_join: bool) -> Vec<usize> {
    if !right_join {
        return (0..sources.len()).collect();
    }
    sources[1].join = JoinKind::Inner;
    sources[0].join = JoinKind::Left;
    let on = std::mem::take(&mut sources[1].on);
    sources[0].on = on;
    let mut order = vec![1, 0];
    order.extend(2..sources.len());
    order
}

/// Columns of a table a LEFT JOIN may NULL-extend are not NOT NULL in the result's
/// metadata (as mysqld flags them).
fn null_extended_columns(cols: &mut [OutCol], items: &[Ex], sources: &[Source]) {
    for (c, e) in cols.iter_mut().zip(items) {
        if let (Ex::Col(i), Some(m)) = (e, c.meta.as_mut()) {
            let extended = sources.iter().any(|s| {
                s.join == JoinKind::Left && (s.offset..s.offset + s.cols.len()).contains(i)
            });
            if extended {
                m.flags &= !crate::coldef::flags::NOT_NULL;
            }
        }
    }
}

/// Each WHERE conjunct with the join level after which it is evaluated: right after the
/// last table it reads (a subquery's, after all of them).
fn place_conjuncts(
    where_conj: Vec<Ex>,
    order_exec: &[usize],
    sources: &[Source],
) -> Vec<(usize, Ex)> {
    let level_of = |e: &Ex| -> usize {
        if has_subquery(e) {
            return order_exec.len();
        }
        let mut lvl = 0;
        columns_of(e, &mut |i| {
            for (pos, &s) in order_exec.iter().enumerate() {
                let src = &sources[s];
                if i >= src.offset && i < src.offset + src.cols.len() {
                    lvl = lvl.max(pos + 1);
                }
            }
        });
        lvl
    };
    where_conj.into_iter().map(|e| (level_of(&e), e)).collect()
}

/// Chooses each stored source's access path from its ON conditions and (inner joins) the
/// WHERE conjuncts, given the tables joined before it. `order`: ORDER BY when the query
/// reads one table without grouping (an index may deliver it). Returns whether the first
/// source's access path delivers ORDER BY's order.
fn choose_access(
    sources: &mut [Source],
    order_exec: &[usize],
    filter: &[(usize, Ex)],
    order: &[(Ex, bool)],
    items: &[Ex],
    limited: bool,
    reads: &Reads,
) -> bool {
    let mut ordered_by_access = false;
    for (pos, &s) in order_exec.iter().enumerate() {
        let earlier: Vec<(usize, usize)> = order_exec[..pos]
            .iter()
            .map(|&e| (sources[e].offset, sources[e].offset + sources[e].cols.len()))
            .collect();
        let src = &sources[s];
        let SourceKind::Base(t) = &src.kind else {
            continue;
        };
        let mut conds: Vec<&Ex> = src.on.iter().collect();
        if src.join == JoinKind::Inner {
            conds.extend(filter.iter().map(|(_, e)| e));
        }
        let want_order = if pos == 0 {
            index_order(order, items, src.offset)
        } else {
            Vec::new()
        };
        let (acc, ordered) = access::choose(t, src.offset, &conds, &earlier, &want_order, limited);
        // `conds` lists the ON conditions, then (inner joins) the WHERE conjuncts.
        let (on, inner) = (src.on.len(), src.join == JoinKind::Inner);
        let covering = access::covering(t, &acc, &src.needed);
        let src = &mut sources[s];
        src.covering = covering;
        if let access::Access::Index { enforced, .. } = &acc {
            src.enforced = if inner {
                enforced.iter().filter_map(|c| c.checked_sub(on)).collect()
            } else {
                Vec::new()
            };
        }
        // Columns read only by the conjuncts the access enforces are not decoded when it
        // does.
        src.needed_exact = reads.of(src, &src.enforced);
        src.access = acc;
        if pos == 0 && !want_order.is_empty() {
            ordered_by_access = ordered;
        }
    }
    ordered_by_access
}

/// ORDER BY as (column of the source at `offset`, descending) pairs, when every key is a
/// plain column of it; empty otherwise.
fn index_order(order: &[(Ex, bool)], items: &[Ex], offset: usize) -> Vec<(usize, bool)> {
    let cols: Vec<(usize, bool)> = order
        .iter()
        .map_while(|(e, desc)| match e {
            Ex::Col(c) => Some((*c - offset, *desc)),
            Ex::Item(i) => match items.get(*i) {
                Some(Ex::Col(c)) => Some((*c - offset, *desc)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if cols.len() == order.len() {
        cols
    } else {
        Vec::new()
    }
}
