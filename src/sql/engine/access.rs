//! Access paths: how a table's rows are found. Conditions of the form `column op value`
//! (=, <=>, <, <=, >, >=, BETWEEN, IN (list)), where the value is known before the table
//! is read (constants, columns of tables joined earlier), become key ranges on the primary
//! key or a secondary index, encoded exactly as the store encodes its keys
//! ([`crate::store::table`]). A range only narrows what is read: a value whose key cannot
//! be encoded exactly (a non-numeric string compared with an integer column, a fractional
//! bound...) widens the range instead of risking a wrong answer, and the full condition is
//! evaluated on every row read — except the conjuncts on integer key parts whose bounds
//! all encoded exactly ([`Ranges::exact`]): for those, being in the range is the condition.

use super::bind::{Cmp, Ex};
use super::eval::{eval, Ctx};
use crate::binlog::value::decode_value;
use crate::sql::temporal::Temporal;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::{ColumnDef, IndexDef, IndexKind, SqlType};
use crate::store::keycodec;
use crate::store::keys;
use crate::store::table::TableRt;
use crate::store::view::TableAccess;
use crate::store::{collation, StoreError};

/// How a table's rows are read.
// One per table of a plan: the size of the Scan variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Default)]
pub enum Access {
    /// Every row, in primary-key order.
    #[default]
    Scan,
    /// Ranges of one index.
    Index {
        /// Position in the table's `indexes`.
        ix: usize,
        /// Per leading key part, the values it equals (several: IN).
        eq: Vec<Vec<Ex>>,
        /// Lower bound on the next part: (value, inclusive).
        lo: Option<(Ex, bool)>,
        /// Upper bound on the next part: (value, inclusive).
        hi: Option<(Ex, bool)>,
        /// Read in descending key order (ORDER BY ... DESC).
        reverse: bool,
        /// The conditions (positions in the `conds` given to [`choose`]) the key ranges
        /// enforce on their own when every bound encodes exactly: those on integer key
        /// parts that gave all of their bounds to `eq`, `lo` and `hi`.
        enforced: Vec<usize>,
    },
}

impl Access {
    /// EXPLAIN's `type` and `key`.
    pub fn describe(&self, t: &TableRt) -> (&'static str, Option<String>, usize) {
        match self {
            Access::Scan => ("ALL", None, 0),
            Access::Index { ix, eq, lo, hi, .. } => {
                let def = &t.def.indexes[*ix];
                let unique = def.kind != IndexKind::Plain;
                let kind =
                    if eq.len() == def.parts.len() && unique && eq.iter().all(|e| e.len() == 1) {
                        "const"
                    } else if lo.is_some() || hi.is_some() || eq.iter().any(|e| e.len() > 1) {
                        "range"
                    } else if eq.is_empty() {
                        "index"
                    } else {
                        "ref"
                    };
                (
                    kind,
                    Some(def.name.clone()),
                    eq.len() + (lo.is_some() || hi.is_some()) as usize,
                )
            }
        }
    }
}

/// A sargable condition on one column, with the position of the condition it comes from.
enum Cond<'e> {
    Eq(Vec<&'e Ex>, usize),
    Lo(&'e Ex, bool, usize),
    Hi(&'e Ex, bool, usize),
}

fn flip(op: Cmp) -> Cmp {
    match op {
        Cmp::Lt => Cmp::Gt,
        Cmp::Le => Cmp::Ge,
        Cmp::Gt => Cmp::Lt,
        Cmp::Ge => Cmp::Le,
        other => other,
    }
}

/// True when `e` can be evaluated before the table is read: it reads only columns in
/// `earlier` (ranges of the joined row), enclosing rows and constants.
fn available(e: &Ex, earlier: &[(usize, usize)]) -> bool {
    match e {
        Ex::Col(i) => earlier.iter().any(|(a, b)| i >= a && i < b),
        Ex::Lit(_) | Ex::Outer(..) | Ex::Param(_) => true,
        Ex::Agg(_) | Ex::Item(_) | Ex::InSub(..) | Ex::Exists(..) | Ex::Scalar(_) => false,
        other => {
            let mut ok = true;
            super::bind::children(other, &mut |c| ok &= available(c, earlier));
            ok
        }
    }
}

/// A copy of a key expression (only the shapes [`available`] lets through are copied).
fn copy(e: &Ex) -> Option<Ex> {
    Some(match e {
        Ex::Lit(v) => Ex::Lit(v.clone()),
        Ex::Col(i) => Ex::Col(*i),
        Ex::Outer(d, i) => Ex::Outer(*d, *i),
        Ex::Param(i) => Ex::Param(*i),
        Ex::Neg(a) => Ex::Neg(Box::new(copy(a)?)),
        Ex::Arith(op, a, b) => Ex::Arith(*op, Box::new(copy(a)?), Box::new(copy(b)?)),
        Ex::Cast(a, t) => Ex::Cast(Box::new(copy(a)?), *t),
        Ex::Func(n, args, c) => Ex::Func(n, args.iter().map(copy).collect::<Option<_>>()?, *c),
        _ => return None,
    })
}

/// True when the store's key encoding of `col` can be produced from query values, in an
/// order the engine's comparisons agree with. Single-byte character sets (latin1) are
/// not: their keys weigh the stored bytes, the engine compares their text as UTF-8.
fn encodable(col: &ColumnDef) -> bool {
    // ENUM and SET keys are their numbers, whatever the labels' charset.
    if matches!(col.ty, SqlType::Enum(_) | SqlType::Set(_) | SqlType::Bit(_)) {
        return true;
    }
    // Single-byte sets other than latin1 (whose tables make its keys): not converted.
    if col.ty.has_charset()
        && collation::by_id(col.collation)
            .is_none_or(|c| c.mbmaxlen == 1 && c.latin1.is_none() && c.id != 47)
    {
        return false;
    }
    col.ty.is_integer()
        || matches!(
            col.ty,
            SqlType::Double
                | SqlType::Char(_)
                | SqlType::Varchar(_)
                | SqlType::Text(_)
                | SqlType::Varbinary(_)
                | SqlType::Blob(_)
                | SqlType::Date
        )
}

/// Chooses the access path of table `t` (its columns start at `offset` in the joined
/// row) given the conditions that restrict it. `want_order` lists (column, descending)
/// of an ORDER BY an index might deliver; returns whether the chosen path delivers it.
pub fn choose(
    t: &TableRt,
    offset: usize,
    conds: &[&Ex],
    earlier: &[(usize, usize)],
    want_order: &[(usize, bool)],
    has_limit: bool,
) -> (Access, bool) {
    let ncols = t.def.columns.len();
    let mine = |e: &Ex| match e {
        Ex::Col(i) if *i >= offset && *i < offset + ncols => Some(*i - offset),
        _ => None,
    };
    let mut by_col: Vec<Vec<Cond<'_>>> = (0..ncols).map(|_| Vec::new()).collect();
    // Per condition, how many `Cond`s it gave (BETWEEN gives two).
    let mut parts_of = vec![0u8; conds.len()];
    // A string key orders by the column's collation: a condition under another collation
    // (COLLATE, a _bin column on the other side) cannot use it.
    let same_coll = |col: usize, coll: &super::bind::Coll| {
        let c = &t.def.columns[col];
        !c.ty.has_charset() || coll.is_none_or(|x| x.id == c.collation)
    };
    for (ci, c) in conds.iter().enumerate() {
        match c {
            Ex::Cmp(op, a, b, coll) => {
                let (col, op, v) = match (mine(a), mine(b)) {
                    (Some(col), _) if available(b, earlier) => (col, *op, &**b),
                    (_, Some(col)) if available(a, earlier) => (col, flip(*op), &**a),
                    _ => continue,
                };
                if !same_coll(col, coll) {
                    continue;
                }
                by_col[col].push(match op {
                    Cmp::Eq | Cmp::NullSafeEq => Cond::Eq(vec![v], ci),
                    Cmp::Lt => Cond::Hi(v, false, ci),
                    Cmp::Le => Cond::Hi(v, true, ci),
                    Cmp::Gt => Cond::Lo(v, false, ci),
                    Cmp::Ge => Cond::Lo(v, true, ci),
                    Cmp::Ne => continue,
                });
                parts_of[ci] = 1;
            }
            Ex::Between(a, lo, hi, false, coll) => {
                if let Some(col) = mine(a).filter(|c| same_coll(*c, coll)) {
                    if available(lo, earlier) && available(hi, earlier) {
                        by_col[col].push(Cond::Lo(lo, true, ci));
                        by_col[col].push(Cond::Hi(hi, true, ci));
                        parts_of[ci] = 2;
                    }
                }
            }
            Ex::InList(a, list, false, coll) => {
                if let Some(col) = mine(a).filter(|c| same_coll(*c, coll)) {
                    if list.iter().all(|x| available(x, earlier)) && list.len() <= 1000 {
                        by_col[col].push(Cond::Eq(list.iter().collect(), ci));
                        parts_of[ci] = 1;
                    }
                }
            }
            _ => {}
        }
    }
    // Keys written before latin1 took mysqld's weights are not looked up by them (the
    // applier rebuilds such a table before it writes to it again).
    let outdated = t.def.keys_outdated();
    let usable = |ix: &IndexDef, p: usize| {
        let part = &ix.parts[p];
        let col = &t.def.columns[part.column];
        let latin1 = col.ty.has_charset()
            && collation::by_id(col.collation).is_some_and(|c| c.latin1.is_some());
        part.prefix.is_none() && encodable(col) && !(outdated && latin1)
    };
    // Score each index: (all parts equal on a unique key, equal parts, range, primary).
    let mut best: Option<((bool, usize, bool, bool), Access)> = None;
    for (n, ix) in t.def.indexes.iter().enumerate() {
        let mut eq = Vec::new();
        let mut single = true;
        // (condition, on an integer column) per Cond used.
        let mut used: Vec<(usize, bool)> = Vec::new();
        let int = |p: usize| t.def.columns[ix.parts[p].column].ty.is_integer();
        for p in 0..ix.parts.len() {
            if !usable(ix, p) {
                break;
            }
            let found = by_col[ix.parts[p].column].iter().find_map(|c| match c {
                Cond::Eq(v, ci) => Some((v, *ci)),
                _ => None,
            });
            match found {
                Some((v, ci)) => {
                    let copies: Option<Vec<Ex>> = v.iter().map(|x| copy(x)).collect();
                    let Some(copies) = copies else { break };
                    single &= copies.len() == 1;
                    eq.push(copies);
                    used.push((ci, int(p)));
                }
                None => break,
            }
        }
        let (mut lo, mut hi) = (None, None);
        // ENUM and SET keys are in index order, but `e < 'b'` compares labels: no ranges.
        let ranged = |p: usize| {
            !matches!(
                t.def.columns[ix.parts[p].column].ty,
                SqlType::Enum(_) | SqlType::Set(_)
            )
        };
        if eq.len() < ix.parts.len() && usable(ix, eq.len()) && ranged(eq.len()) {
            for c in &by_col[ix.parts[eq.len()].column] {
                match c {
                    Cond::Lo(v, inc, ci) if lo.is_none() => {
                        lo = copy(v).map(|x| (x, *inc));
                        if lo.is_some() {
                            used.push((*ci, int(eq.len())));
                        }
                    }
                    Cond::Hi(v, inc, ci) if hi.is_none() => {
                        hi = copy(v).map(|x| (x, *inc));
                        if hi.is_some() {
                            used.push((*ci, int(eq.len())));
                        }
                    }
                    _ => {}
                }
            }
        }
        // A condition is enforced when every Cond it gave is used, all on integer parts.
        let mut enforced: Vec<usize> = Vec::new();
        for &(ci, _) in &used {
            let all_int = used.iter().filter(|u| u.0 == ci).all(|u| u.1);
            let n = used.iter().filter(|u| u.0 == ci).count();
            if all_int && n == parts_of[ci] as usize && !enforced.contains(&ci) {
                enforced.push(ci);
            }
        }
        if eq.is_empty() && lo.is_none() && hi.is_none() {
            continue;
        }
        let score = (
            single && eq.len() == ix.parts.len() && ix.kind != IndexKind::Plain,
            eq.len(),
            lo.is_some() || hi.is_some(),
            ix.kind == IndexKind::Primary,
        );
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Access::Index {
                    ix: n,
                    eq,
                    lo,
                    hi,
                    reverse: false,
                    enforced,
                },
            ));
        }
    }
    let mut access = best.map_or(Access::Scan, |(_, a)| a);
    // ORDER BY delivered by the index: the ordered columns follow the equal prefix.
    let mut ordered = false;
    if !want_order.is_empty() && want_order.iter().all(|(_, d)| *d == want_order[0].1) {
        let desc = want_order[0].1;
        let follows = |ix: &IndexDef, k: usize| {
            ix.parts.len() >= k + want_order.len()
                && want_order
                    .iter()
                    .enumerate()
                    .all(|(j, (c, _))| ix.parts[k + j].column == *c && usable(ix, k + j))
        };
        match &mut access {
            Access::Index {
                ix, eq, reverse, ..
            } => {
                if eq.iter().all(|v| v.len() == 1) && follows(&t.def.indexes[*ix], eq.len()) {
                    *reverse = desc;
                    ordered = true;
                }
            }
            Access::Scan => {
                if has_limit {
                    if let Some(n) = t.def.indexes.iter().position(|ix| follows(ix, 0)) {
                        access = Access::Index {
                            ix: n,
                            eq: Vec::new(),
                            lo: None,
                            hi: None,
                            reverse: desc,
                            enforced: Vec::new(),
                        };
                        ordered = true;
                    }
                }
            }
        }
    }
    (access, ordered)
}

/// Appends `v` as the key of column `col` (with the NULL marker when `marker`); false when
/// it has no exact key.
fn encode(col: &ColumnDef, v: &Value, marker: bool, out: &mut Vec<u8>) -> bool {
    if matches!(v, Value::Null) {
        return false;
    }
    if marker {
        keycodec::put_not_null(out);
    }
    let exact_int = |v: &Value| -> Option<i128> {
        match v {
            Value::Int(i) => Some(*i as i128),
            Value::UInt(u) => Some(*u as i128),
            Value::Decimal(d) if d.scale == 0 => i128::try_from(d.m).ok(),
            Value::Decimal(d) => d
                .rescale(0)
                .filter(|r| r.rescale(d.scale) == Some(*d))
                .and_then(|r| i128::try_from(r.m).ok()),
            Value::Text(s) => s.trim().parse::<i64>().ok().map(|i| i as i128),
            _ => None,
        }
    };
    if col.ty.is_integer() {
        let Some(i) = exact_int(v) else { return false };
        if col.unsigned {
            match u64::try_from(i) {
                Ok(u) => keycodec::put_u64(out, u),
                Err(_) => return false,
            }
        } else {
            match i64::try_from(i) {
                Ok(s) => keycodec::put_i64(out, s),
                Err(_) => return false,
            }
        }
        return true;
    }
    match &col.ty {
        SqlType::Double => match v {
            Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Decimal(_) => {
                keycodec::put_f64(out, v.as_f64());
                true
            }
            _ => false,
        },
        SqlType::Char(_) | SqlType::Varchar(_) | SqlType::Text(_) => match v {
            Value::Text(s) => {
                let Some(c) = collation::by_id(col.collation) else {
                    return false;
                };
                if !c.represents(s) {
                    // mysqld compares such a value in utf8mb4, where no latin1 row equals it.
                    return false;
                }
                let mut w = Vec::with_capacity(s.len());
                c.weight_text(s.as_bytes(), &mut w);
                keycodec::put_bytes(out, &w);
                true
            }
            _ => false,
        },
        SqlType::Varbinary(_) | SqlType::Blob(_) => match v {
            Value::Bytes(b) => {
                keycodec::put_bytes(out, b);
                true
            }
            Value::Text(s) => {
                keycodec::put_bytes(out, s.as_bytes());
                true
            }
            _ => false,
        },
        SqlType::Enum(labels) => {
            // A Labeled value may come from another ENUM column: it matches by its label.
            let index = match v {
                Value::Int(_) | Value::UInt(_) => exact_int(v).and_then(|i| u64::try_from(i).ok()),
                Value::Text(s) | Value::Labeled(_, s) => {
                    let c = collation::by_id(col.collation);
                    labels
                        .iter()
                        .position(|l| {
                            crate::sql::value::compare_text(l.as_bytes(), s.as_bytes(), c)
                                == std::cmp::Ordering::Equal
                        })
                        .map(|i| i as u64 + 1)
                }
                _ => None,
            };
            // A label the column lacks matches no row: no key says so exactly.
            match index {
                Some(n) if n as usize <= labels.len() => {
                    keycodec::put_u64(out, n);
                    true
                }
                _ => false,
            }
        }
        SqlType::Set(labels) => {
            let mask = match v {
                Value::Int(_) | Value::UInt(_) => exact_int(v).and_then(|i| u64::try_from(i).ok()),
                Value::Text(s) | Value::Labeled(_, s) => {
                    let c = collation::by_id(col.collation);
                    s.split(',')
                        .filter(|p| !p.is_empty())
                        .try_fold(0u64, |m, part| {
                            labels
                                .iter()
                                .position(|l| {
                                    crate::sql::value::compare_text(
                                        l.as_bytes(),
                                        part.as_bytes(),
                                        c,
                                    ) == std::cmp::Ordering::Equal
                                })
                                .map(|i| m | 1 << i)
                        })
                }
                _ => None,
            };
            match mask {
                Some(m) => {
                    keycodec::put_u64(out, m);
                    true
                }
                None => false,
            }
        }
        SqlType::Bit(bits) => {
            let n = match v {
                Value::Bit(n, _) => Some(*n),
                Value::Int(_) | Value::UInt(_) => exact_int(v).and_then(|i| u64::try_from(i).ok()),
                Value::Bytes(b) if b.len() <= 8 => {
                    Some(b.iter().fold(0u64, |n, &x| n << 8 | u64::from(x)))
                }
                _ => None,
            };
            // The stored key is the value's big-endian bytes, as wide as the column.
            let width = bits.div_ceil(8).clamp(1, 8) as usize;
            match n {
                Some(n) if width == 8 || n >> (8 * width) == 0 => {
                    out.extend_from_slice(&n.to_be_bytes()[8 - width..]);
                    true
                }
                _ => false,
            }
        }
        SqlType::Date => {
            let t = match v {
                Value::Temporal(t) => *t,
                Value::Text(s) => match Temporal::parse_datetime(s) {
                    Some(t) => t,
                    None => return false,
                },
                _ => return false,
            };
            if t.kind != crate::sql::temporal::Kind::Date && t.time_micros() != 0 {
                return false;
            }
            keycodec::put_u64(
                out,
                (t.year as u64) << 9 | (t.month as u64) << 5 | t.day as u64,
            );
            true
        }
        _ => false,
    }
}

/// The smallest key greater than every key starting with `k`; `None` when there is none.
fn successor(k: &[u8]) -> Option<Vec<u8>> {
    let mut v = k.to_vec();
    while let Some(last) = v.pop() {
        if last != 0xff {
            v.push(last + 1);
            return Some(v);
        }
    }
    None
}

/// Bytes a key part takes at the start of `k` (secondary index keys: marker included).
fn part_len(col: &ColumnDef, layout: (u8, u16), marker: bool, k: &[u8]) -> Option<usize> {
    let mut n = 0;
    if marker {
        match k.first()? {
            0 => return Some(1),
            _ => n = 1,
        }
    }
    let rest = &k[n..];
    let len = match &col.ty {
        t if t.is_integer() => 8,
        SqlType::Float
        | SqlType::Double
        | SqlType::Enum(_)
        | SqlType::Set(_)
        | SqlType::Year
        | SqlType::Date => 8,
        SqlType::Decimal(..)
        | SqlType::Bit(_)
        | SqlType::Time(_)
        | SqlType::DateTime(_)
        | SqlType::Timestamp(_) => decode_value(layout.0, layout.1, rest).ok()?.1,
        _ => {
            // 8-byte groups, each followed by a marker; 0xff means more follows.
            let mut p = 0;
            loop {
                let m = *rest.get(p + 8)?;
                p += 9;
                if m != 0xff {
                    break p;
                }
            }
        }
    };
    Some(n + len)
}

/// What an access reads for one joined row so far.
pub struct Ranges {
    /// Key ranges `[from, to)`, in reading order.
    pub keys: Vec<(Vec<u8>, Vec<u8>)>,
    /// Each range is one primary key, read with a point lookup.
    pub points: bool,
    /// Every key value and bound encoded exactly: the access's `enforced` conditions
    /// need not be evaluated on the rows read.
    pub exact: bool,
}

/// The key ranges `access` reads for the joined row so far (key values may read it).
pub fn ranges(
    t: &TableRt,
    access: &Access,
    row: &[Value],
    cx: &Ctx<'_, '_>,
) -> Result<Ranges, SqlError> {
    let id = t.def.id;
    match access {
        Access::Scan => {
            let mut from = Vec::new();
            keys::row(&mut from, id);
            Ok(Ranges {
                keys: vec![(from, keys::table_end(keys::ROW, id))],
                points: false,
                exact: false,
            })
        }
        Access::Index {
            ix,
            eq,
            lo,
            hi,
            reverse,
            ..
        } => {
            let def = &t.def.indexes[*ix];
            let primary = def.kind == IndexKind::Primary;
            let marker = |p: usize| !primary || t.def.columns[def.parts[p].column].nullable;
            // Room for the usual key, so that encoding its parts does not grow it.
            let mut base = Vec::with_capacity(32);
            if primary {
                keys::row(&mut base, id);
            } else {
                keys::index(&mut base, id, def.id);
            }
            // Key prefixes: the cartesian product of the equal parts' values. A part with
            // one value (the usual `pk = ?`) extends the prefixes in place.
            let mut prefixes: Vec<Vec<u8>> = vec![base];
            let mut complete = true;
            for (p, alts) in eq.iter().enumerate() {
                let col = &t.def.columns[def.parts[p].column];
                if let [a] = alts.as_slice() {
                    let v = eval(a, row, cx)?;
                    let ok = if let [pre] = prefixes.as_mut_slice() {
                        let len = pre.len();
                        let ok = encode(col, &v, marker(p), pre);
                        if !ok {
                            pre.truncate(len);
                        }
                        ok
                    } else {
                        // The value's key does not depend on what precedes it.
                        let mut part = Vec::new();
                        let ok = encode(col, &v, marker(p), &mut part);
                        if ok {
                            for pre in &mut prefixes {
                                pre.extend_from_slice(&part);
                            }
                        }
                        ok
                    };
                    if !ok {
                        complete = false;
                        break;
                    }
                    continue;
                }
                let mut vals = Vec::with_capacity(alts.len());
                for a in alts {
                    vals.push(eval(a, row, cx)?);
                }
                let mut next = Vec::with_capacity(prefixes.len() * vals.len());
                let mut ok = true;
                'outer: for pre in &prefixes {
                    for v in &vals {
                        let mut k = pre.clone();
                        if !encode(col, v, marker(p), &mut k) {
                            ok = false;
                            break 'outer;
                        }
                        next.push(k);
                    }
                }
                if !ok || next.len() > 10_000 {
                    complete = false;
                    break;
                }
                prefixes = next;
            }
            if prefixes.len() > 1 {
                prefixes.sort();
                prefixes.dedup();
            }
            let table_end = || {
                if primary {
                    keys::table_end(keys::ROW, id)
                } else {
                    keys::table_end(keys::INDEX, id)
                }
            };
            let end_of = |k: &[u8]| successor(k).unwrap_or_else(table_end);
            let bounded = complete && eq.len() < def.parts.len();
            // Exact until a bound fails to encode (a NULL bound is exact: it skips its
            // range, and no row compares true with NULL).
            let mut exact = complete && (bounded || (lo.is_none() && hi.is_none()));
            let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(prefixes.len());
            for pre in prefixes {
                let mut to = end_of(&pre);
                let mut from = pre;
                if bounded {
                    let pre = from.clone();
                    let p = eq.len();
                    let col = &t.def.columns[def.parts[p].column];
                    if lo.is_none() && hi.is_some() && marker(p) {
                        // An upper bound alone: NULLs (marked lower) are never below it.
                        keycodec::put_not_null(&mut from);
                    }
                    if let Some((e, inc)) = lo {
                        let v = eval(e, row, cx)?;
                        let mut k = pre.clone();
                        if encode(col, &v, marker(p), &mut k) {
                            from = if *inc { k } else { end_of(&k) };
                        } else if matches!(v, Value::Null) {
                            continue;
                        } else {
                            exact = false;
                        }
                    }
                    if let Some((e, inc)) = hi {
                        let v = eval(e, row, cx)?;
                        let mut k = pre.clone();
                        if encode(col, &v, marker(p), &mut k) {
                            to = if *inc { end_of(&k) } else { k };
                        } else if matches!(v, Value::Null) {
                            continue;
                        } else {
                            exact = false;
                        }
                    }
                }
                if from < to {
                    out.push((from, to));
                }
            }
            if *reverse {
                out.reverse();
            }
            // Every primary-key part encoded: each range is exactly one row's key.
            let points = primary && complete && eq.len() == def.parts.len();
            Ok(Ranges {
                keys: out,
                points,
                exact,
            })
        }
    }
}

/// Reads the rows in `ranges` (from [`ranges`]) of table `t`, calling `f` with each
/// stored row until it returns false.
pub fn read(
    t: &TableRt,
    access: &Access,
    ranges: &[(Vec<u8>, Vec<u8>)],
    points: bool,
    view: &dyn TableAccess,
    f: &mut dyn FnMut(&[u8]) -> Result<bool, SqlError>,
) -> Result<bool, SqlError> {
    let id = t.def.id;
    let rocks = |e: StoreError| SqlError::new(1030, format!("Got error from the store: {e}"));
    let (def, reverse) = match access {
        Access::Scan => (None, false),
        Access::Index { ix, reverse, .. } => (Some(&t.def.indexes[*ix]), *reverse),
    };
    // Every primary-key part given: each range is one row, read with a point lookup.
    if points {
        for (from, _) in ranges {
            if let Some(row) = view.get(from).map_err(rocks)? {
                if !f(&row)? {
                    return Ok(false);
                }
            }
        }
        return Ok(true);
    }
    let secondary = def.filter(|d| d.kind != IndexKind::Primary);
    let layouts = &t.layout.columns;
    let mut rk = Vec::new();
    for (from, to) in ranges {
        let mut step = |k: &[u8], v: &[u8]| -> Result<bool, SqlError> {
            let Some(def) = secondary else {
                return f(v);
            };
            // The primary key: a complete unique entry's value, else the key's tail.
            let pk: &[u8] = if !v.is_empty() {
                v
            } else {
                let mut pos = 7;
                for part in &def.parts {
                    let col = &t.def.columns[part.column];
                    let n = part_len(col, layouts[part.column], true, &k[pos.min(k.len())..])
                        .ok_or_else(|| corrupt_key(t))?;
                    pos += n;
                }
                k.get(pos..).ok_or_else(|| corrupt_key(t))?
            };
            rk.clear();
            keys::row(&mut rk, id);
            rk.extend_from_slice(pk);
            match view.get(&rk).map_err(rocks)? {
                Some(row) => f(&row),
                None => Err(corrupt_key(t)),
            }
        };
        if !scan_range(view, from, to, reverse, &mut step)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Calls `f` with each key and value in `[from, to)` until it returns false (then
/// `Ok(false)`) or an error.
fn scan_range(
    view: &dyn TableAccess,
    from: &[u8],
    to: &[u8],
    reverse: bool,
    f: EntryFn<'_>,
) -> Result<bool, SqlError> {
    let mut outcome = Ok(true);
    view.scan(from, to, reverse, &mut |k, v| {
        outcome = f(k, v);
        matches!(outcome, Ok(true))
    })
    .map_err(|e| SqlError::new(1030, format!("Got error from the store: {e}")))?;
    outcome
}

/// For each column a covering read decodes: (column, where it lies in the entry).
pub type Covering = Vec<(usize, KeyPos)>;

/// Where a covered column's value lies in a secondary index entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPos {
    /// Part `n` of the index key.
    Index(usize),
    /// Part `n` of the primary key (the entry's suffix or value).
    Primary(usize),
}

/// When every `needed` column of `t` can be read from the entries of the secondary index
/// `access` uses — integer columns among its parts or the primary key's, every part an
/// integer (8-byte keys) — where each one is: a covering read needs no row lookups.
pub fn covering(t: &TableRt, access: &Access, needed: &[bool]) -> Option<Covering> {
    let Access::Index { ix, .. } = access else {
        return None;
    };
    let def = &t.def.indexes[*ix];
    if def.kind == IndexKind::Primary {
        return None;
    }
    let int = |c: usize| t.def.columns[c].ty.is_integer();
    let pk = t.def.primary();
    if def
        .parts
        .iter()
        .any(|p| !int(p.column) || p.prefix.is_some())
        || pk.is_some_and(|pk| pk.parts.iter().any(|p| !int(p.column)))
    {
        return None;
    }
    let mut plan = Vec::new();
    for (c, need) in needed.iter().enumerate() {
        if !need {
            continue;
        }
        if let Some(p) = def.parts.iter().position(|kp| kp.column == c) {
            plan.push((c, KeyPos::Index(p)));
        } else if let Some(p) = pk.and_then(|pk| pk.parts.iter().position(|kp| kp.column == c)) {
            plan.push((c, KeyPos::Primary(p)));
        } else {
            return None;
        }
    }
    Some(plan)
}

/// Decodes the covered columns (`plan`, from [`covering`]) of a secondary index entry into
/// `out`, the table's slots of the joined row.
pub fn decode_covered(
    t: &TableRt,
    access: &Access,
    plan: &[(usize, KeyPos)],
    key: &[u8],
    value: &[u8],
    out: &mut [Value],
) -> Result<(), SqlError> {
    let Access::Index { ix, .. } = access else {
        return Ok(());
    };
    let def = &t.def.indexes[*ix];
    let bad = |_| corrupt_key(t);
    let int = |r: &mut keycodec::KeyReader<'_>, c: usize| -> Result<Value, SqlError> {
        Ok(if t.def.columns[c].unsigned {
            Value::UInt(r.u64().map_err(bad)?)
        } else {
            Value::Int(r.i64().map_err(bad)?)
        })
    };
    let mut r = keycodec::KeyReader::new(key.get(7..).unwrap_or_default());
    let mut parts = Vec::with_capacity(def.parts.len());
    let mut used = 7;
    for p in &def.parts {
        if r.not_null().map_err(bad)? {
            parts.push(int(&mut r, p.column)?);
            used += 9;
        } else {
            parts.push(Value::Null);
            used += 1;
        }
    }
    let mut pk_vals = Vec::new();
    if let Some(pk) = t.def.primary() {
        let suffix = if value.is_empty() {
            key.get(used..).unwrap_or_default()
        } else {
            value
        };
        let mut r = keycodec::KeyReader::new(suffix);
        for p in &pk.parts {
            if t.def.columns[p.column].nullable && !r.not_null().map_err(bad)? {
                pk_vals.push(Value::Null);
                continue;
            }
            pk_vals.push(int(&mut r, p.column)?);
        }
    }
    for (c, pos) in plan {
        out[*c] = match pos {
            KeyPos::Index(p) => parts.get(*p).cloned(),
            KeyPos::Primary(p) => pk_vals.get(*p).cloned(),
        }
        .unwrap_or(Value::Null);
    }
    Ok(())
}

/// Called with each index entry's key and value; false stops the read.
pub type EntryFn<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> Result<bool, SqlError>;

/// Reads the index entries in `ranges` (a covering read), calling `f` with each key and
/// value until it returns false.
pub fn read_entries(
    ranges: &[(Vec<u8>, Vec<u8>)],
    reverse: bool,
    view: &dyn TableAccess,
    f: EntryFn<'_>,
) -> Result<bool, SqlError> {
    for (from, to) in ranges {
        if !scan_range(view, from, to, reverse, f)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn corrupt_key(t: &TableRt) -> SqlError {
    SqlError::new(
        1034,
        format!(
            "Index for table '{}' is corrupt; try to repair it (an index entry names no row)",
            t.def.full_name()
        ),
    )
}
