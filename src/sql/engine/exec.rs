//! Execution: nested-loop joins over the chosen access paths, WHERE conjuncts applied at
//! the earliest join level that has their columns, grouping and aggregates, HAVING,
//! DISTINCT, ORDER BY and LIMIT. Without ORDER BY (or with an index delivering it) and
//! without grouping or DISTINCT, reading stops as soon as LIMIT is reached.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

use super::access;
use super::bind::{
    expr_coll, Agg, AggKind, Coll, Ex, JoinKind, OutCol, QueryPlan, SelectPlan, SourceKind, Sub,
};
use super::eval::{eval, Ctx};
use super::{ColMeta, Context, ResultSet};
use crate::binlog::value::column_type as ct;
use crate::sql::decimal::Decimal;
use crate::sql::temporal::{Kind, Temporal};
use crate::sql::value::{compare, Value};
use crate::sqlerror::SqlError;
use crate::store::catalog::{ColumnDef, SqlType};
use crate::store::row::Span;
use crate::store::table::TableRt;
use crate::store::text::write_text;
use crate::tz::TimeZone;

/// Bytes a statement may hold in rows being sorted, grouped or made distinct.
pub const MEMORY_BOUND: usize = 512 << 20;

/// group_concat_max_len's default.
const GROUP_CONCAT_MAX: usize = 1 << 20;

/// Rows read between two looks at KILL QUERY's flag.
const INTERRUPT_EVERY: u32 = 256;

/// KILL QUERY stopped the statement.
fn interrupted() -> SqlError {
    SqlError::new(1317, "Query execution was interrupted".into())
}

fn out_of_memory() -> SqlError {
    SqlError::new(
        1038,
        format!(
            "Out of sort memory, consider increasing server sort buffer size (the statement holds more than {} MiB of rows)",
            MEMORY_BOUND >> 20
        ),
    )
}

fn size_of(row: &[Value]) -> usize {
    row.iter()
        .map(|v| {
            32 + match v {
                Value::Text(s) => s.len(),
                Value::Bytes(b) => b.len(),
                _ => 0,
            }
        })
        .sum()
}

/// Runs a bound query to a result set.
pub fn run(plan: &QueryPlan, cx: &Context<'_>) -> Result<ResultSet, SqlError> {
    let rows = run_rows(plan, cx, &[])?;
    let columns = metas(plan.cols(), &rows);
    Ok(ResultSet { columns, rows })
}

/// Rows of a subquery for the current row.
pub fn sub_rows<'s>(
    sub: &'s Sub,
    row: &[Value],
    cx: &Ctx<'_, '_>,
) -> Result<Cow<'s, Vec<Vec<Value>>>, SqlError> {
    if !sub.correlated {
        if let Some(c) = sub.cache.get() {
            return Ok(Cow::Borrowed(c));
        }
        let rows = run_rows(&sub.plan, cx.cx, cx.outer)?;
        let _ = sub.cache.set(rows);
        return Ok(Cow::Borrowed(sub.cache.get().expect("just set")));
    }
    let mut outer: Vec<&[Value]> = cx.outer.to_vec();
    outer.push(row);
    Ok(Cow::Owned(run_rows(&sub.plan, cx.cx, &outer)?))
}

/// Rows of a query.
pub fn run_rows(
    plan: &QueryPlan,
    cx: &Context<'_>,
    outer: &[&[Value]],
) -> Result<Vec<Vec<Value>>, SqlError> {
    match plan {
        QueryPlan::Select(s) => select(s, cx, outer),
        QueryPlan::Union {
            parts,
            distinct,
            cols,
            order,
            limit,
            offset,
        } => {
            let last_distinct = distinct.iter().rposition(|d| *d);
            let mut rows: Vec<Vec<Value>> = Vec::new();
            let mut bytes = 0;
            for (i, p) in parts.iter().enumerate() {
                let r = run_rows(p, cx, outer)?;
                bytes += r.iter().map(|x| size_of(x)).sum::<usize>();
                if bytes > MEMORY_BOUND {
                    return Err(out_of_memory());
                }
                rows.extend(r);
                // UNION DISTINCT removes duplicates from everything to its left.
                if last_distinct.is_some_and(|ld| i == ld + 1) {
                    dedup(&mut rows, cols);
                }
            }
            // A column of exact numbers takes the largest scale of its parts (1.5 UNION 2
            // gives 2.0).
            for c in 0..cols.len() {
                let mut scale = 0u8;
                let mut exact = true;
                for r in &rows {
                    match &r[c] {
                        Value::Decimal(d) => scale = scale.max(d.scale),
                        Value::Int(_) | Value::UInt(_) | Value::Null => {}
                        _ => exact = false,
                    }
                }
                if exact && scale > 0 {
                    for r in &mut rows {
                        if let Some(d) = r[c].as_decimal().and_then(|d| d.rescale(scale)) {
                            r[c] = Value::Decimal(d);
                        }
                    }
                }
            }
            if !order.is_empty() {
                let spec: Vec<(bool, Coll)> =
                    order.iter().map(|(c, d)| (*d, cols[*c].coll)).collect();
                sort_keyed(&mut rows, &spec, |r, k| &r[order[k].0], false);
            }
            Ok(apply_limit(rows, *limit, *offset))
        }
    }
}

fn apply_limit(rows: Vec<Vec<Value>>, limit: Option<u64>, offset: u64) -> Vec<Vec<Value>> {
    let off = (offset as usize).min(rows.len());
    let mut it = rows.into_iter().skip(off);
    match limit {
        Some(l) => it.by_ref().take(l as usize).collect(),
        None => it.collect(),
    }
}

fn dedup(rows: &mut Vec<Vec<Value>>, cols: &[OutCol]) {
    let mut seen = KeySet::default();
    let mut key = Vec::new();
    rows.retain(|r| {
        key.clear();
        for (v, c) in r.iter().zip(cols) {
            v.group_key(c.coll, &mut key);
        }
        seen.insert(key.clone())
    });
}

/// Group, DISTINCT and COUNT(DISTINCT) keys seen so far.
type KeySet = HashSet<Vec<u8>, KeyHash>;

/// Hashing of the engine's byte-string keys: a word at a time (SipHash, the default, took
/// a tenth of a DISTINCT query), seeded per process so that which keys collide cannot be
/// known in advance.
#[derive(Clone, Copy)]
struct KeyHash(u64);

impl Default for KeyHash {
    fn default() -> KeyHash {
        static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        KeyHash(*SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0u8)))
    }
}

impl BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0)
    }
}

/// See [`KeyHash`].
struct KeyHasher(u64);

const KEY_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

impl KeyHasher {
    /// A folded 128-bit multiply: every bit of the state and the word reaches both halves
    /// of the product, so which inputs collide depends on the seed.
    fn mix(&mut self, word: u64) {
        let x = u128::from(self.0 ^ word) * u128::from((KEY_MUL ^ self.0.rotate_left(32)) | 1);
        self.0 = (x as u64) ^ ((x >> 64) as u64);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.mix(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.mix(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        // Every input bit reaches the low bits, which pick the bucket.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// A stored value as the engine sees it; a TIMESTAMP (stored as UTC) in time zone `tz`.
pub fn stored_value(
    col: &ColumnDef,
    v: &crate::binlog::value::Value<'_>,
    buf: &mut Vec<u8>,
    tz: &TimeZone,
) -> Value {
    use crate::binlog::value::Value as B;
    match v {
        B::Null => Value::Null,
        B::Timestamp(ts) => Value::Temporal(if ts.seconds == 0 && ts.micros == 0 {
            let mut z = Temporal::zero(Kind::DateTime);
            z.fsp = ts.fsp;
            z
        } else {
            Temporal::from_epoch_micros(
                tz.local(i64::from(ts.seconds)) * 1_000_000 + i64::from(ts.micros),
                Kind::DateTime,
                ts.fsp,
            )
        }),
        B::Int { raw, bytes } => {
            if col.unsigned {
                Value::UInt(*raw)
            } else {
                Value::Int(B::as_signed(*raw, *bytes))
            }
        }
        // A stored negative zero reads as 0, as from mysqld.
        B::Float(f) => Value::Float(if *f == 0.0 { 0.0 } else { *f }),
        B::Double(d) => Value::Double(if *d == 0.0 { 0.0 } else { *d }),
        // YEAR 0 renders as 0000.
        B::Year(0) => Value::Text("0000".into()),
        B::Year(y) => Value::Int(*y as i64 + 1900),
        B::Bit { bits, data } => Value::Bit(
            data.iter()
                .rev()
                .take(8)
                .rev()
                .fold(0u64, |n, &x| n << 8 | u64::from(x)),
            bits.div_ceil(8).min(8) as u8,
        ),
        B::Enum(_) | B::Set(_) => {
            let num = match v {
                B::Enum(n) => u64::from(*n),
                B::Set(bits) => {
                    let mut b = [0u8; 8];
                    let n = bits.len().min(8);
                    b[..n].copy_from_slice(&bits[..n]);
                    u64::from_le_bytes(b)
                }
                _ => 0,
            };
            buf.clear();
            if write_text(buf, col, v).is_none() {
                return Value::Null;
            }
            match String::from_utf8(std::mem::take(buf)) {
                Ok(s) => Value::Labeled(num, s),
                Err(e) => Value::Labeled(num, String::from_utf8_lossy(e.as_bytes()).into_owned()),
            }
        }
        _ => {
            buf.clear();
            if write_text(buf, col, v).is_none() {
                return Value::Null;
            }
            let text = || String::from_utf8_lossy(buf).into_owned();
            match &col.ty {
                SqlType::Decimal(..) => {
                    let s = text();
                    Decimal::parse(&s).map_or(Value::Text(s), Value::Decimal)
                }
                SqlType::Date => Temporal::parse_datetime(&text())
                    .map_or_else(|| Value::Text(text()), Value::Temporal),
                SqlType::DateTime(f) | SqlType::Timestamp(f) => {
                    match Temporal::parse_datetime(&text()) {
                        Some(mut t) => {
                            t.kind = Kind::DateTime;
                            t.fsp = *f;
                            Value::Temporal(t)
                        }
                        None => Value::Text(text()),
                    }
                }
                SqlType::Time(f) => match Temporal::parse_time(&text()) {
                    Some(mut t) => {
                        t.fsp = *f;
                        Value::Temporal(t)
                    }
                    None => Value::Text(text()),
                },
                t if t.has_charset() || matches!(t, SqlType::JsonBinary) => {
                    match String::from_utf8(std::mem::take(buf)) {
                        Ok(s) => Value::Text(s),
                        Err(e) => Value::Bytes(e.into_bytes()),
                    }
                }
                _ => Value::Bytes(std::mem::take(buf)),
            }
        }
    }
}

/// Decodes the `needed` columns of stored row `bytes` into `out` (`needed` ends with the
/// last column read: the row is walked no further).
fn decode_into(
    t: &TableRt,
    needed: &[bool],
    bytes: &[u8],
    spans: &mut Vec<Span>,
    buf: &mut Vec<u8>,
    out: &mut [Value],
    tz: &TimeZone,
) -> Result<(), SqlError> {
    let corrupt = |e: crate::binlog::error::DecodeError| {
        SqlError::new(
            1034,
            format!(
                "Stored row of table '{}' is corrupt: {e}",
                t.def.full_name()
            ),
        )
    };
    t.layout
        .spans_upto(bytes, spans, needed.len())
        .map_err(corrupt)?;
    for (i, need) in needed.iter().enumerate() {
        if *need {
            let v = t.layout.value(bytes, i, spans[i]).map_err(corrupt)?;
            // The previous row's text in this slot lends its allocation to this one's.
            if buf.capacity() == 0 {
                match std::mem::replace(&mut out[i], Value::Null) {
                    Value::Text(s) | Value::Labeled(_, s) => *buf = s.into_bytes(),
                    Value::Bytes(b) => *buf = b,
                    _ => {}
                }
            }
            out[i] = stored_value(&t.def.columns[i], &v, buf, tz);
        }
    }
    Ok(())
}

struct Join<'p, 'c, 'a> {
    s: &'p SelectPlan,
    derived: Vec<Option<Vec<Vec<Value>>>>,
    ctx: Ctx<'c, 'a>,
    /// Rows read at every level, for the KILL QUERY check.
    rows_read: std::cell::Cell<u32>,
}

impl Join<'_, '_, '_> {
    /// Counts a row read; every `INTERRUPT_EVERY` rows, 1317 if KILL QUERY stopped the
    /// statement.
    fn count_row(&self) -> Result<(), SqlError> {
        let n = self.rows_read.get().wrapping_add(1);
        self.rows_read.set(n);
        if n.is_multiple_of(INTERRUPT_EVERY) && self.ctx.cx.env.interrupted() {
            return Err(interrupted());
        }
        Ok(())
    }

    fn filters_pass(&self, level: usize, row: &[Value]) -> Result<bool, SqlError> {
        self.filters_pass_but(level, row, &[])
    }

    /// [`Join::filters_pass`] without the filters at positions `skip` (those the access
    /// path enforced).
    fn filters_pass_but(
        &self,
        level: usize,
        row: &[Value],
        skip: &[usize],
    ) -> Result<bool, SqlError> {
        for (i, (l, e)) in self.s.filter.iter().enumerate() {
            if *l == level && !skip.contains(&i) && eval(e, row, &self.ctx)?.truth() != Some(true) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Joins tables from exec position `level` on; false when the sink asked to stop.
    fn run(
        &self,
        level: usize,
        row: &mut Vec<Value>,
        sink: &mut dyn FnMut(&mut [Value]) -> Result<bool, SqlError>,
    ) -> Result<bool, SqlError> {
        if level == self.s.order_exec.len() {
            return sink(row);
        }
        let si = self.s.order_exec[level];
        let src = &self.s.sources[si];
        let (off, n) = (src.offset, src.cols.len());
        let mut matched = false;
        let on_pass = |row: &[Value]| -> Result<bool, SqlError> {
            for c in &src.on {
                if eval(c, row, &self.ctx)?.truth() != Some(true) {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        let cont = match &src.kind {
            SourceKind::Base(t) if src.covering.is_some() => {
                let ranges = access::ranges(t, &src.access, row, &self.ctx)?;
                let skip: &[usize] = if ranges.exact { &src.enforced } else { &[] };
                let plan = src.covering.as_deref().unwrap_or_default();
                let reverse = matches!(src.access, access::Access::Index { reverse: true, .. });
                access::read_entries(&ranges.keys, reverse, self.ctx.cx.view, &mut |k, v| {
                    self.count_row()?;
                    access::decode_covered(t, &src.access, plan, k, v, &mut row[off..off + n])?;
                    if !on_pass(row)? {
                        return Ok(true);
                    }
                    matched = true;
                    if !self.filters_pass_but(level + 1, row, skip)? {
                        return Ok(true);
                    }
                    self.run(level + 1, row, sink)
                })?
            }
            SourceKind::Base(t) => {
                let ranges = access::ranges(t, &src.access, row, &self.ctx)?;
                let (skip, needed): (&[usize], &[bool]) = if ranges.exact {
                    (&src.enforced, &src.needed_exact)
                } else {
                    (&[], &src.needed)
                };
                // Columns past the last one read are not walked.
                let needed = &needed[..needed.iter().rposition(|n| *n).map_or(0, |i| i + 1)];
                let mut spans = Vec::with_capacity(n);
                let mut buf = Vec::new();
                access::read(
                    t,
                    &src.access,
                    &ranges.keys,
                    ranges.points,
                    self.ctx.cx.view,
                    &mut |bytes| {
                        self.count_row()?;
                        decode_into(
                            t,
                            needed,
                            bytes,
                            &mut spans,
                            &mut buf,
                            &mut row[off..off + n],
                            self.ctx.cx.env.time_zone(),
                        )?;
                        if let Some(i) = self.s.capture.iter().position(|c| *c == si) {
                            let slot = self.s.width - self.s.capture.len() + i;
                            row[slot] = Value::Bytes(bytes.to_vec());
                        }
                        if !on_pass(row)? {
                            return Ok(true);
                        }
                        matched = true;
                        if !self.filters_pass_but(level + 1, row, skip)? {
                            return Ok(true);
                        }
                        self.run(level + 1, row, sink)
                    },
                )?
            }
            SourceKind::Derived(_) | SourceKind::Rows(_) => {
                let rows: &[Vec<Value>] = match &src.kind {
                    SourceKind::Rows(r) => r,
                    _ => self
                        .derived
                        .get(si)
                        .and_then(|d| d.as_deref())
                        .unwrap_or(&[]),
                };
                let mut go = true;
                for r in rows {
                    row[off..off + n].clone_from_slice(&r[..n]);
                    if !on_pass(row)? {
                        continue;
                    }
                    matched = true;
                    if !self.filters_pass(level + 1, row)? {
                        continue;
                    }
                    if !self.run(level + 1, row, sink)? {
                        go = false;
                        break;
                    }
                }
                go
            }
        };
        if !cont {
            return Ok(false);
        }
        if !matched && src.join == JoinKind::Left {
            for v in &mut row[off..off + n] {
                *v = Value::Null;
            }
            if let Some(i) = self.s.capture.iter().position(|c| *c == si) {
                row[self.s.width - self.s.capture.len() + i] = Value::Null;
            }
            if self.filters_pass(level + 1, row)? {
                return self.run(level + 1, row, sink);
            }
        }
        Ok(true)
    }
}

/// An aggregate's running state.
enum State {
    Count(i64),
    Sum {
        exact: Option<Decimal>,
        /// The integer values added so far (not yet in `exact`).
        ints: i128,
        approx: f64,
        is_approx: bool,
        n: i64,
    },
    Best(Value),
    Concat(Vec<(Vec<Value>, String)>),
    Bits(u64),
}

fn new_state(a: &Agg) -> State {
    match a.kind {
        AggKind::CountStar | AggKind::Count => State::Count(0),
        AggKind::Sum | AggKind::Avg => State::Sum {
            exact: Some(Decimal::from_i128(0)),
            ints: 0,
            approx: 0.0,
            is_approx: false,
            n: 0,
        },
        AggKind::Min | AggKind::Max => State::Best(Value::Null),
        AggKind::GroupConcat => State::Concat(Vec::new()),
        AggKind::BitAnd => State::Bits(u64::MAX),
        AggKind::BitOr | AggKind::BitXor => State::Bits(0),
    }
}

struct Group {
    row: Vec<Value>,
    states: Vec<State>,
    seen: Vec<KeySet>,
}

fn update(aggs: &[Agg], g: &mut Group, row: &[Value], ctx: &Ctx<'_, '_>) -> Result<(), SqlError> {
    let mut key = Vec::new();
    for (i, a) in aggs.iter().enumerate() {
        if a.kind == AggKind::CountStar {
            if let State::Count(c) = &mut g.states[i] {
                *c += 1;
            }
            continue;
        }
        // One argument (all but GROUP_CONCAT and COUNT(DISTINCT a, b)) needs no vector.
        let mut one = [Value::Null];
        let mut many = Vec::new();
        let vals: &[Value] = match &a.args[..] {
            [e] => {
                one[0] = eval(e, row, ctx)?;
                &one
            }
            args => {
                many.reserve_exact(args.len());
                for e in args {
                    many.push(eval(e, row, ctx)?);
                }
                &many
            }
        };
        if vals.iter().any(|v| matches!(v, Value::Null)) {
            continue;
        }
        if a.distinct {
            key.clear();
            for v in vals {
                v.group_key(a.coll, &mut key);
            }
            if !g.seen[i].insert(key.clone()) {
                continue;
            }
        }
        let v = &vals[0];
        match &mut g.states[i] {
            State::Count(c) => *c += 1,
            State::Sum {
                exact,
                ints,
                approx,
                is_approx,
                n,
            } => {
                *n += 1;
                *approx += v.as_f64();
                // Integers add up in an i128 (no 2^64 of them overflow it), folded into
                // the exact sum at the end.
                if let Value::Int(i) = v {
                    *ints += *i as i128;
                } else if let Value::UInt(u) = v {
                    *ints += *u as i128;
                } else if matches!(v, Value::Decimal(_)) {
                    if let (Some(e), Some(d)) = (*exact, v.as_decimal()) {
                        *exact = Decimal::checked_add(e, d);
                    }
                    if exact.is_none() {
                        *is_approx = true;
                    }
                } else {
                    *is_approx = true;
                }
            }
            State::Best(best) => {
                let better = match &*best {
                    Value::Null => true,
                    cur => {
                        let o = compare(v, cur, a.coll).unwrap_or(Ordering::Equal);
                        if a.kind == AggKind::Min {
                            o.is_lt()
                        } else {
                            o.is_gt()
                        }
                    }
                };
                if better {
                    *best = v.clone();
                }
            }
            State::Concat(parts) => {
                let mut s = String::new();
                for x in vals {
                    s.push_str(&x.as_text().unwrap_or_default());
                }
                let keys = if a.order.is_empty() && a.distinct {
                    // mysqld collects DISTINCT values in a sorted tree: they come out in
                    // the arguments' order.
                    vals.to_vec()
                } else {
                    let mut keys = Vec::with_capacity(a.order.len());
                    for (e, _) in &a.order {
                        keys.push(eval(e, row, ctx)?);
                    }
                    keys
                };
                parts.push((keys, s));
            }
            State::Bits(b) => {
                let x = v.as_i64().unwrap_or(0) as u64;
                match a.kind {
                    AggKind::BitAnd => *b &= x,
                    AggKind::BitOr => *b |= x,
                    _ => *b ^= x,
                }
            }
        }
    }
    Ok(())
}

fn finish(a: &Agg, st: State) -> Value {
    match st {
        State::Count(c) => Value::Int(c),
        State::Sum {
            exact,
            ints,
            approx,
            is_approx,
            n,
        } => {
            if n == 0 {
                return Value::Null;
            }
            let exact = exact.and_then(|e| Decimal::checked_add(e, Decimal::from_i128(ints)));
            match (a.kind, is_approx, exact) {
                (AggKind::Sum, false, Some(e)) => Value::Decimal(e),
                (AggKind::Avg, false, Some(e)) => {
                    Decimal::checked_div(e, Decimal::from_i128(n as i128))
                        .map_or(Value::Double(approx / n as f64), Value::Decimal)
                }
                (AggKind::Sum, _, _) => Value::Double(approx),
                _ => Value::Double(approx / n as f64),
            }
        }
        State::Best(v) => v,
        State::Concat(mut parts) => {
            if parts.is_empty() {
                return Value::Null;
            }
            if !a.order.is_empty() || a.distinct {
                let spec: Vec<(bool, Coll)> = if a.order.is_empty() {
                    a.args.iter().map(|_| (false, a.coll)).collect()
                } else {
                    a.order.iter().map(|(_, d)| (*d, None)).collect()
                };
                sort_keyed(&mut parts, &spec, |(k, _), j| &k[j], false);
            }
            let mut s = String::new();
            for (i, (_, p)) in parts.iter().enumerate() {
                if i > 0 {
                    s.push_str(&a.separator);
                }
                s.push_str(p);
                if s.len() >= GROUP_CONCAT_MAX {
                    let mut cut = GROUP_CONCAT_MAX;
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    s.truncate(cut);
                    break;
                }
            }
            Value::Text(s)
        }
        State::Bits(b) => Value::UInt(b),
    }
}

/// Collation of an ORDER BY / GROUP BY key.
fn key_coll(s: &SelectPlan, e: &Ex) -> Coll {
    match e {
        Ex::Col(i) => s
            .sources
            .iter()
            .find(|src| *i >= src.offset && *i < src.offset + src.cols.len())
            .and_then(|src| src.cols[*i - src.offset].coll),
        Ex::Item(i) => s.cols.get(*i).and_then(|c| c.coll),
        other => expr_coll(other),
    }
}

/// Where result rows go: returns false to stop reading. A sink that needs the row's values
/// takes them out of the vector; what it leaves there, the engine reuses for the next row.
pub type Sink<'s> = &'s mut dyn FnMut(&mut Vec<Value>) -> Result<bool, SqlError>;

/// Runs a bound query, handing each result row to `sink` as it is produced: a SELECT
/// without grouping, DISTINCT or a sort streams (nothing is held); the others are
/// computed whole (within [`MEMORY_BOUND`]) and then handed over.
pub fn run_into(plan: &QueryPlan, cx: &Context<'_>, sink: Sink<'_>) -> Result<(), SqlError> {
    match plan {
        QueryPlan::Select(s) => {
            select_into(s, cx, &[], Some(sink))?;
        }
        other => {
            for mut r in run_rows(other, cx, &[])? {
                if !sink(&mut r)? {
                    break;
                }
            }
        }
    }
    Ok(())
}

fn select(
    s: &SelectPlan,
    cx: &Context<'_>,
    outer: &[&[Value]],
) -> Result<Vec<Vec<Value>>, SqlError> {
    select_into(s, cx, outer, None)
}

/// A SELECT's rows, returned or (with `sink`) handed over.
fn select_into(
    s: &SelectPlan,
    cx: &Context<'_>,
    outer: &[&[Value]],
    mut sink: Option<Sink<'_>>,
) -> Result<Vec<Vec<Value>>, SqlError> {
    // Rows of derived tables by source (no vector at all without one).
    let mut derived = Vec::new();
    if s.sources
        .iter()
        .any(|src| matches!(src.kind, SourceKind::Derived(_)))
    {
        for src in &s.sources {
            derived.push(match &src.kind {
                SourceKind::Derived(p) => Some(run_rows(p, cx, &[])?),
                _ => None,
            });
        }
    }
    let ctx = Ctx {
        cx,
        outer,
        aggs: &[],
        items: &[],
    };
    let join = Join {
        s,
        derived,
        ctx,
        rows_read: Default::default(),
    };
    // ORDER BY keys that repeat select items are read from the items, not kept twice.
    let key_items = (!s.grouped).then(|| order_items(s)).flatten();
    let out = if s.grouped {
        grouped_rows(&join)?
    } else {
        match ungrouped_rows(&join, key_items.is_some(), &mut sink)? {
            Some(out) => out,
            // Streamed into the sink.
            None => return Ok(Vec::new()),
        }
    };
    let rows = sorted_rows(s, out, key_items.as_deref());
    match sink {
        Some(sink) => {
            for mut r in rows {
                if !sink(&mut r)? {
                    break;
                }
            }
            Ok(Vec::new())
        }
        None => Ok(rows),
    }
}

/// The rows of a SELECT without grouping, as (items, ORDER BY keys; none when
/// `keys_in_items`); `None` when they went to the sink as they came (no sort, no
/// DISTINCT).
fn ungrouped_rows(
    join: &Join<'_, '_, '_>,
    keys_in_items: bool,
    sink: &mut Option<Sink<'_>>,
) -> Result<Option<Vec<OutRow>>, SqlError> {
    let (s, ctx) = (join.s, join.ctx);
    let mut row = vec![Value::Null; s.width];
    let mut out: Vec<OutRow> = Vec::new();
    let mut bytes = 0usize;
    let streaming = !s.distinct && (s.order.is_empty() || s.ordered_by_access);
    let want = s.limit.map(|l| l.saturating_add(s.offset) as usize);
    if want == Some(0) {
        return Ok(Some(Vec::new()));
    }
    let mut produced = 0usize;
    // Select items that are distinct plain columns of the only table, with nothing
    // evaluated after them reading the row (no HAVING, no ORDER BY key but the items):
    // the items take the row's values instead of copying them (the next row's read
    // overwrites every slot the items name).
    let take = s.sources.len() == 1
        && matches!(s.sources[0].kind, SourceKind::Base(_))
        && s.having.is_none()
        && (s.order.is_empty() || keys_in_items || streaming)
        && s.items.iter().enumerate().all(|(i, e)| match e {
            Ex::Col(c) => !s.items[..i]
                .iter()
                .any(|x| matches!(x, Ex::Col(d) if d == c)),
            _ => false,
        });
    // The items of a row handed to the sink, kept for the next row with the values the
    // sink left in it.
    let mut reused: Vec<Value> = Vec::new();
    if join.filters_pass(0, &row)? {
        join.run(0, &mut row, &mut |r| {
            let mut items = std::mem::take(&mut reused);
            items.clear();
            items.reserve_exact(s.items.len());
            for e in &s.items {
                items.push(match e {
                    Ex::Col(c) if take => std::mem::replace(&mut r[*c], Value::Null),
                    _ => eval(e, r, &ctx)?,
                });
            }
            // HAVING without grouping filters rows (and may name select aliases).
            if let Some(h) = &s.having {
                let c = Ctx {
                    items: &items,
                    ..ctx
                };
                if eval(h, r, &c)?.truth() != Some(true) {
                    return Ok(true);
                }
            }
            if streaming {
                produced += 1;
                let more = want.is_none_or(|w| produced < w);
                if let Some(sink) = sink.as_mut() {
                    // Rows before OFFSET are computed and dropped, as mysqld does.
                    let go = produced as u64 <= s.offset || sink(&mut items)?;
                    // Taken values go back to their slots: the next row's read decodes
                    // into their buffers instead of allocating.
                    if take && items.len() == s.items.len() {
                        for (e, v) in s.items.iter().zip(items.drain(..)) {
                            if let Ex::Col(c) = e {
                                r[*c] = v;
                            }
                        }
                    }
                    reused = items;
                    return Ok(go && more);
                }
                bytes += size_of(&items);
                if bytes > MEMORY_BOUND {
                    return Err(out_of_memory());
                }
                out.push((items, Vec::new()));
                return Ok(more);
            }
            let mut keys = Vec::new();
            if !keys_in_items {
                let c = Ctx {
                    items: &items,
                    ..ctx
                };
                keys.reserve_exact(s.order.len());
                for (e, _) in &s.order {
                    keys.push(eval(e, r, &c)?);
                }
            }
            bytes += size_of(&items) + size_of(&keys);
            if bytes > MEMORY_BOUND {
                return Err(out_of_memory());
            }
            out.push((items, keys));
            Ok(true)
        })?;
        if streaming && sink.is_some() {
            return Ok(None);
        }
    }
    Ok(Some(out))
}

/// The groups of a grouped SELECT (aggregates without GROUP BY: one group), as (items,
/// keys): ORDER BY's, or GROUP BY's (mysqld returns groups in GROUP BY order unless ORDER
/// BY says otherwise).
fn grouped_rows(join: &Join<'_, '_, '_>) -> Result<Vec<OutRow>, SqlError> {
    let (s, ctx) = (join.s, join.ctx);
    let mut row = vec![Value::Null; s.width];
    let mut out: Vec<OutRow> = Vec::new();
    let mut bytes = 0usize;
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize, KeyHash> = HashMap::default();
    let group_colls: Vec<Coll> = s.group.iter().map(|e| key_coll(s, e)).collect();
    let mut key = Vec::new();
    if join.filters_pass(0, &row)? {
        join.run(0, &mut row, &mut |r| {
            // Aggregates without GROUP BY: one group, no key.
            if s.group.is_empty() && !groups.is_empty() {
                update(&s.aggs, &mut groups[0], r, &ctx)?;
                return Ok(true);
            }
            key.clear();
            for (e, c) in s.group.iter().zip(&group_colls) {
                eval(e, r, &ctx)?.group_key(*c, &mut key);
            }
            let gi = match index.get(&key) {
                Some(g) => *g,
                None => {
                    bytes += size_of(r) + key.len();
                    if bytes > MEMORY_BOUND {
                        return Err(out_of_memory());
                    }
                    groups.push(Group {
                        row: r.to_vec(),
                        states: s.aggs.iter().map(new_state).collect(),
                        seen: s.aggs.iter().map(|_| KeySet::default()).collect(),
                    });
                    index.insert(key.clone(), groups.len() - 1);
                    groups.len() - 1
                }
            };
            update(&s.aggs, &mut groups[gi], r, &ctx)?;
            Ok(true)
        })?;
    }
    if groups.is_empty() && s.group.is_empty() {
        groups.push(Group {
            row: vec![Value::Null; s.width],
            states: s.aggs.iter().map(new_state).collect(),
            seen: Vec::new(),
        });
    }
    for g in groups {
        let aggs: Vec<Value> = s
            .aggs
            .iter()
            .zip(g.states)
            .map(|(a, st)| finish(a, st))
            .collect();
        let c = Ctx { aggs: &aggs, ..ctx };
        let mut items = Vec::with_capacity(s.items.len());
        for e in &s.items {
            items.push(eval(e, &g.row, &c)?);
        }
        let c = Ctx {
            aggs: &aggs,
            items: &items,
            ..ctx
        };
        if let Some(h) = &s.having {
            if eval(h, &g.row, &c)?.truth() != Some(true) {
                continue;
            }
        }
        // mysqld returns groups in GROUP BY order unless ORDER BY says otherwise.
        let mut keys = Vec::new();
        if s.order.is_empty() {
            for e in &s.group {
                keys.push(eval(e, &g.row, &c)?);
            }
        } else {
            for (e, _) in &s.order {
                keys.push(eval(e, &g.row, &c)?);
            }
        }
        out.push((items, keys));
    }
    Ok(out)
}

/// DISTINCT, ORDER BY (or GROUP BY's order) and LIMIT over a SELECT's rows.
fn sorted_rows(
    s: &SelectPlan,
    mut out: Vec<OutRow>,
    key_items: Option<&[usize]>,
) -> Vec<Vec<Value>> {
    let order_colls: Vec<Coll> = s.order.iter().map(|(e, _)| key_coll(s, e)).collect();
    let sort_spec: Vec<(bool, Coll)> = if s.grouped && s.order.is_empty() {
        s.group.iter().map(|e| (false, key_coll(s, e))).collect()
    } else if !s.ordered_by_access {
        s.order
            .iter()
            .zip(&order_colls)
            .map(|((_, d), c)| (*d, *c))
            .collect()
    } else {
        Vec::new()
    };
    // DISTINCT sorted by its own items: equal rows are neighbours after the sort.
    let dedup_in_sort = s.distinct
        && !sort_spec.is_empty()
        && key_items.is_some_and(|k| sort_dedups(s, k, &order_colls, &out));
    if s.distinct && !dedup_in_sort {
        let mut seen = KeySet::default();
        let mut key = Vec::new();
        out.retain(|(items, _)| {
            key.clear();
            for (v, c) in items.iter().zip(&s.cols) {
                v.group_key(c.coll, &mut key);
            }
            seen.insert(key.clone())
        });
    }
    if !sort_spec.is_empty() {
        match key_items {
            Some(ki) => sort_keyed(&mut out, &sort_spec, |r, k| &r.0[ki[k]], dedup_in_sort),
            None => sort_keyed(&mut out, &sort_spec, |r, k| &r.1[k], false),
        }
    }
    apply_limit(
        out.into_iter().map(|(items, _)| items).collect(),
        s.limit,
        s.offset,
    )
}

/// An output row: its select items and its sort keys.
type OutRow = (Vec<Value>, Vec<Value>);

/// A sort key made comparable with a total order: collation weights for text, bytes,
/// an exact number, a double, or a temporal value.
enum SortKey {
    Null,
    /// Bytes `from..to` of the key column's arena (a text's weights, or binary bytes).
    Bytes(usize, usize),
    Exact(Decimal),
    Approx(f64),
    Time(Temporal),
}

/// The sort keys of one key column, of one kind for every row, and the bytes they refer
/// to (one buffer for every row's weights instead of one vector each).
struct KeyColumn {
    keys: Vec<SortKey>,
    arena: Vec<u8>,
}

impl KeyColumn {
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        let bytes = |from: usize, to: usize| &self.arena[from..to];
        match (&self.keys[a], &self.keys[b]) {
            (SortKey::Null, SortKey::Null) => Ordering::Equal,
            (SortKey::Null, _) => Ordering::Less,
            (_, SortKey::Null) => Ordering::Greater,
            (SortKey::Bytes(a0, a1), SortKey::Bytes(b0, b1)) => {
                bytes(*a0, *a1).cmp(bytes(*b0, *b1))
            }
            (SortKey::Exact(a), SortKey::Exact(b)) => Decimal::cmp_value(a, b),
            (SortKey::Approx(a), SortKey::Approx(b)) => a.total_cmp(b),
            (SortKey::Time(a), SortKey::Time(b)) => Temporal::compare(a, b),
            // Unified per column below: kinds never mix.
            _ => Ordering::Equal,
        }
    }
}

/// The sort keys of one key column, of one kind for every row: mysqld sorts a column
/// mixing strings with numbers or dates as strings, exact numbers with doubles as doubles.
fn sort_keys<'v>(values: impl Iterator<Item = &'v Value> + Clone, coll: Coll) -> KeyColumn {
    let (mut text, mut exact, mut approx, mut time) = (false, false, false, false);
    for v in values.clone() {
        match v {
            Value::Null => {}
            Value::Text(_) | Value::Bytes(_) => text = true,
            // ENUM and SET sort by their number (mysqld: by index), BIT as a number.
            Value::Int(_)
            | Value::UInt(_)
            | Value::Decimal(_)
            | Value::Labeled(..)
            | Value::Bit(..) => exact = true,
            Value::Double(_) | Value::Float(_) => approx = true,
            Value::Temporal(_) => time = true,
        }
    }
    let as_text = text || (time && (exact || approx));
    let coll = crate::sql::value::text_collation(coll);
    // Room for every row's key: weights are about as long as their text.
    let total: usize = values
        .clone()
        .map(|v| match v {
            Value::Text(s) => s.len(),
            Value::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum();
    let mut arena = Vec::with_capacity(total);
    let bytes = |arena: &mut Vec<u8>, fill: &dyn Fn(&mut Vec<u8>)| {
        let from = arena.len();
        fill(arena);
        SortKey::Bytes(from, arena.len())
    };
    let keys = values
        .map(|v| match v {
            Value::Null => SortKey::Null,
            Value::Bytes(b) => bytes(&mut arena, &|a| a.extend_from_slice(b)),
            v if as_text => {
                let s = v.text_bytes().unwrap_or_default();
                bytes(&mut arena, &|a| coll.weight_text(&s, a))
            }
            Value::Temporal(t) => SortKey::Time(*t),
            v if approx => SortKey::Approx(v.as_f64()),
            v => v
                .as_decimal()
                .map_or_else(|| SortKey::Approx(v.as_f64()), SortKey::Exact),
        })
        .collect();
    KeyColumn { keys, arena }
}

/// Sorts rows by their keys (`spec`: descending, collation per key; `key(row, k)` is a
/// row's k-th key), stable, with a total order whatever the values (client SQL can mix
/// types in one ORDER BY expression). With `dedup`, only the first row of each run of
/// equal keys stays.
fn sort_keyed<T>(
    out: &mut Vec<T>,
    spec: &[(bool, Coll)],
    key: impl Fn(&T, usize) -> &Value,
    dedup: bool,
) {
    let n = out.len();
    let columns: Vec<KeyColumn> = spec
        .iter()
        .enumerate()
        .map(|(k, (_, coll))| sort_keys(out.iter().map(|r| key(r, k)), *coll))
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        for (c, (desc, _)) in columns.iter().zip(spec) {
            let o = c.cmp(a, b);
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        Ordering::Equal
    });
    if dedup {
        let mut last: Option<usize> = None;
        order.retain(|&i| {
            let repeat = last.is_some_and(|l| columns.iter().all(|c| c.cmp(i, l).is_eq()));
            if !repeat {
                last = Some(i);
            }
            !repeat
        });
    }
    drop(columns);
    let mut slots: Vec<Option<T>> = std::mem::take(out).into_iter().map(Some).collect();
    out.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// The select item each ORDER BY key repeats, when every key repeats one.
fn order_items(s: &SelectPlan) -> Option<Vec<usize>> {
    if s.order.is_empty() {
        return None;
    }
    s.order
        .iter()
        .map(|(e, _)| match e {
            Ex::Item(i) => Some(*i),
            Ex::Col(c) => s
                .items
                .iter()
                .position(|it| matches!(it, Ex::Col(x) if x == c)),
            _ => None,
        })
        .collect()
}

/// Whether DISTINCT can drop the rows the sort finds equal to their predecessor: the sort
/// keys (`key_items`, with collations `colls`) cover every item under the item's own
/// collation, and each item column holds one kind of value (all text, all bytes or all
/// integers, NULLs aside), for which the sort's equality is DISTINCT's.
fn sort_dedups(s: &SelectPlan, key_items: &[usize], colls: &[Coll], out: &[OutRow]) -> bool {
    let same = |a: Coll, b: Coll| match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.id == y.id,
        _ => false,
    };
    (0..s.cols.len()).all(|i| {
        key_items
            .iter()
            .zip(colls)
            .any(|(k, c)| *k == i && same(*c, s.cols[i].coll))
    }) && (0..s.cols.len()).all(|i| {
        let kind = |v: &Value| match v {
            Value::Null => 0,
            Value::Text(_) => 1,
            Value::Bytes(_) => 2,
            Value::Int(_) | Value::UInt(_) => 3,
            _ => 4,
        };
        let mut seen = 0;
        out.iter().all(|(items, _)| match kind(&items[i]) {
            0 => true,
            4 => false,
            k if seen == 0 || seen == k => {
                seen = k;
                true
            }
            _ => false,
        })
    })
}

/// A column's metadata when it does not depend on the rows (a table's column).
fn known_meta(c: &OutCol) -> Option<&ColMeta> {
    c.meta.as_ref().filter(|m| m.col_type != 0 || m.length != 0)
}

/// The column metadata when it does not depend on the rows (every column is a table's),
/// so that it can go out before them.
pub fn known_metas(cols: &[OutCol]) -> Option<Vec<ColMeta>> {
    cols.iter().map(|c| known_meta(c).cloned()).collect()
}

/// The column metadata of a result: a table column's own, else what the rows' values are.
pub fn metas(cols: &[OutCol], rows: &[Vec<Value>]) -> Vec<ColMeta> {
    use crate::coldef::flags as fl;
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            if let Some(m) = known_meta(c).or(c.typed.as_ref()) {
                return m.clone();
            }
            // No row has a value: a function's result type stands for them.
            let typed = c.ret.and_then(super::func::Ret::sample);
            let sample = rows
                .iter()
                .map(|r| &r[i])
                .find(|v| !matches!(v, Value::Null))
                .or(typed.as_ref());
            let max_len = rows
                .iter()
                .map(|r| r[i].text_bytes().map_or(0, |b| b.len()))
                .max()
                .unwrap_or(0) as u32;
            // mysqld flags a computed value BINARY when its collation is binary (numbers,
            // temporal values, bytes), NOT NULL when it never is NULL; NUM is the client
            // library's to add.
            let base = ColMeta {
                name: c.name.clone(),
                org_name: c.name.clone(),
                from_values: true,
                charset: 63,
                flags: fl::BINARY | if c.not_null { fl::NOT_NULL } else { 0 },
                ..ColMeta::default()
            };
            match sample {
                None => ColMeta {
                    col_type: ct::NULL,
                    flags: fl::BINARY,
                    ..base
                },
                Some(Value::Int(_)) => ColMeta {
                    col_type: ct::LONGLONG,
                    length: 21,
                    ..base
                },
                Some(Value::UInt(_)) => ColMeta {
                    col_type: ct::LONGLONG,
                    length: 21,
                    flags: base.flags | fl::UNSIGNED,
                    ..base
                },
                Some(Value::Double(_)) => ColMeta {
                    col_type: ct::DOUBLE,
                    length: 22,
                    decimals: 31,
                    ..base
                },
                Some(Value::Float(_)) => ColMeta {
                    col_type: ct::FLOAT,
                    length: 12,
                    decimals: 31,
                    ..base
                },
                Some(Value::Decimal(d)) => ColMeta {
                    col_type: ct::NEWDECIMAL,
                    length: max_len.max(1) + 1,
                    decimals: d.scale,
                    ..base
                },
                Some(Value::Temporal(t)) => ColMeta {
                    col_type: match t.kind {
                        Kind::Date => ct::DATE,
                        Kind::DateTime => ct::DATETIME,
                        Kind::Time => ct::TIME,
                    },
                    length: max_len,
                    decimals: t.fsp,
                    flags: fl::BINARY,
                    ..base
                },
                Some(Value::Bytes(_) | Value::Bit(..)) => ColMeta {
                    col_type: ct::VAR_STRING,
                    length: max_len,
                    flags: fl::BINARY,
                    ..base
                },
                Some(Value::Text(_) | Value::Labeled(..)) | Some(Value::Null) => ColMeta {
                    col_type: ct::VAR_STRING,
                    length: max_len.max(1) * 4,
                    charset: c.coll.map_or(crate::coldef::UTF8MB4, |x| x.id),
                    flags: 0,
                    decimals: 39,
                    ..base
                },
            }
        })
        .collect()
}

/// EXPLAIN rows: id, select_type, table, type, possible_keys, key, key_len, ref, rows,
/// Extra.
pub fn explain(plan: &QueryPlan) -> ResultSet {
    let names = [
        "id",
        "select_type",
        "table",
        "type",
        "possible_keys",
        "key",
        "key_len",
        "ref",
        "rows",
        "Extra",
    ];
    let mut rows = Vec::new();
    fn walk(p: &QueryPlan, id: &mut i64, kind: &str, rows: &mut Vec<Vec<Value>>) {
        match p {
            QueryPlan::Select(s) => {
                let my = *id;
                if s.sources.is_empty() {
                    rows.push(vec![
                        Value::Int(my),
                        Value::Text(kind.into()),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Text("No tables used".into()),
                    ]);
                }
                for &si in &s.order_exec {
                    let src = &s.sources[si];
                    let (ty, key, parts) = match &src.kind {
                        SourceKind::Base(t) => src.access.describe(t),
                        _ => ("ALL", None, 0),
                    };
                    let mut extra = Vec::new();
                    if s.filter.iter().any(|(l, _)| *l > 0) || !src.on.is_empty() {
                        extra.push("Using where");
                    }
                    if si == s.order_exec[0]
                        && (!s.order.is_empty() && !s.ordered_by_access
                            || s.grouped && !s.group.is_empty())
                    {
                        extra.push("Using filesort");
                    }
                    if s.ordered_by_access && si == s.order_exec[0] {
                        extra.push("Using index order");
                    }
                    if src.covering.is_some() {
                        extra.push("Using index");
                    }
                    rows.push(vec![
                        Value::Int(my),
                        Value::Text(kind.into()),
                        Value::Text(src.alias.clone()),
                        Value::Text(ty.into()),
                        key.clone().map_or(Value::Null, Value::Text),
                        key.map_or(Value::Null, Value::Text),
                        if parts > 0 {
                            Value::Text(format!("{parts} part(s)"))
                        } else {
                            Value::Null
                        },
                        Value::Null,
                        Value::Null,
                        if extra.is_empty() {
                            Value::Null
                        } else {
                            Value::Text(extra.join("; "))
                        },
                    ]);
                    if let SourceKind::Derived(d) = &src.kind {
                        *id += 1;
                        walk(d, id, "DERIVED", rows);
                    }
                }
            }
            QueryPlan::Union { parts, .. } => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        *id += 1;
                    }
                    walk(part, id, if i == 0 { "PRIMARY" } else { "UNION" }, rows);
                }
            }
        }
    }
    let mut id = 1;
    walk(plan, &mut id, "SIMPLE", &mut rows);
    let cols: Vec<OutCol> = names
        .iter()
        .map(|n| OutCol {
            name: n.to_string(),
            meta: None,
            coll: None,
            not_null: false,
            ret: None,
            typed: None,
        })
        .collect();
    let columns = metas(&cols, &rows);
    ResultSet { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sets_tell_keys_apart() {
        let mut set = KeySet::default();
        let keys: Vec<Vec<u8>> = (0..2000u32)
            .map(|i| format!("{i:0width$}", width = (i % 17) as usize).into_bytes())
            .chain([
                Vec::new(),
                vec![0],
                vec![0, 0],
                b"a".to_vec(),
                b"a\0".to_vec(),
            ])
            .collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        for k in &keys {
            set.insert(k.clone());
        }
        assert_eq!(set.len(), unique.len());
        assert!(unique.iter().all(|k| set.contains(k)));
        // The same key hashes alike from two builders of one process.
        let (a, b) = (KeyHash::default(), KeyHash::default());
        assert_eq!(a.hash_one(b"key"), b.hash_one(b"key"));
    }
}
