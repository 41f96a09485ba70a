//! Bound queries: the plan types the binder builds and the executor runs (expressions as
//! `Ex` trees over row positions, sources, output columns, SELECT and UNION plans), and the
//! walks over expression trees both use.

use std::sync::{Arc, OnceLock};

use super::access::{self, Access};
use super::ColMeta;
use crate::sql::value::Value;
use crate::store::collation::Collation;
use crate::store::table::TableRt;

/// A comparison's collation (`None`: the connection's, utf8mb4_general_ci).
pub type Coll = Option<&'static Collation>;

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    /// +
    Add,
    /// -
    Sub,
    /// *
    Mul,
    /// /
    Div,
    /// DIV
    IntDiv,
    /// % and MOD
    Mod,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// =
    Eq,
    /// <=>
    NullSafeEq,
    /// <> and !=
    Ne,
    /// <
    Lt,
    /// <=
    Le,
    /// >
    Gt,
    /// >=
    Ge,
}

/// A bound expression.
#[derive(Debug)]
pub enum Ex {
    /// A constant.
    Lit(Value),
    /// A column of the current row.
    Col(usize),
    /// A column of an enclosing query's row: (levels up, position).
    Outer(usize, usize),
    /// An aggregate's value for the current group.
    Agg(usize),
    /// A select item's value (ORDER BY / HAVING naming an alias or position).
    Item(usize),
    /// A prepared statement's parameter.
    Param(usize),
    /// Unary minus.
    Neg(Box<Ex>),
    /// NOT.
    Not(Box<Ex>),
    /// Arithmetic.
    Arith(Arith, Box<Ex>, Box<Ex>),
    /// Comparison under a collation.
    Cmp(Cmp, Box<Ex>, Box<Ex>, Coll),
    /// AND.
    And(Box<Ex>, Box<Ex>),
    /// OR.
    Or(Box<Ex>, Box<Ex>),
    /// XOR.
    Xor(Box<Ex>, Box<Ex>),
    /// IS [NOT] NULL (`true`: negated).
    IsNull(Box<Ex>, bool),
    /// IS [NOT] TRUE/FALSE: (expr, TRUE?, negated).
    IsBool(Box<Ex>, bool, bool),
    /// [NOT] BETWEEN.
    Between(Box<Ex>, Box<Ex>, Box<Ex>, bool, Coll),
    /// [NOT] IN (list).
    InList(Box<Ex>, Vec<Ex>, bool, Coll),
    /// [NOT] IN (subquery).
    InSub(Box<Ex>, Box<Sub>, bool, Coll),
    /// [NOT] EXISTS.
    Exists(Box<Sub>, bool),
    /// A scalar subquery.
    Scalar(Box<Sub>),
    /// [NOT] LIKE with an optional ESCAPE.
    Like(Box<Ex>, Box<Ex>, Option<Box<Ex>>, bool, Coll),
    /// [NOT] REGEXP.
    Regexp(Box<Ex>, Box<Ex>, bool, Coll),
    /// CASE [operand] WHEN ... THEN ... [ELSE ...] END.
    Case(Option<Box<Ex>>, Vec<(Ex, Ex)>, Option<Box<Ex>>, Coll),
    /// A function call: the function's row in [`super::func`]'s table.
    Func(&'static super::func::Func, Vec<Ex>, Coll),
    /// CAST / CONVERT.
    Cast(Box<Ex>, CastTo),
    /// INTERVAL n unit (only as a date arithmetic operand).
    Interval(Box<Ex>, &'static str),
}

/// CAST targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastTo {
    /// SIGNED [INTEGER].
    Signed,
    /// UNSIGNED [INTEGER].
    Unsigned,
    /// CHAR / CHARACTER [(n)]: at most n characters.
    Char(Option<u32>),
    /// BINARY [(n)]: exactly n bytes (cut or padded with NUL).
    Binary(Option<u32>),
    /// DATE.
    Date,
    /// DATETIME(fsp).
    DateTime(u8),
    /// TIME(fsp).
    Time(u8),
    /// DECIMAL(p, s).
    Decimal(u8, u8),
    /// DOUBLE / FLOAT / REAL.
    Double,
}

/// A subquery and its cached result when it does not depend on the outer row.
#[derive(Debug)]
pub struct Sub {
    /// Its plan.
    pub plan: QueryPlan,
    /// Reads a column of an enclosing query.
    pub correlated: bool,
    /// Rows of an uncorrelated subquery, computed once.
    pub cache: OnceLock<Vec<Vec<Value>>>,
}

/// Aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggKind {
    /// COUNT(*).
    CountStar,
    /// COUNT(expr).
    Count,
    /// SUM.
    Sum,
    /// AVG.
    Avg,
    /// MIN.
    Min,
    /// MAX.
    Max,
    /// GROUP_CONCAT.
    GroupConcat,
    /// BIT_AND.
    BitAnd,
    /// BIT_OR.
    BitOr,
    /// BIT_XOR.
    BitXor,
}

/// One aggregate of a SELECT.
#[derive(Debug)]
pub struct Agg {
    /// Which.
    pub kind: AggKind,
    /// Arguments (several for COUNT(DISTINCT a, b) and GROUP_CONCAT(a, b)).
    pub args: Vec<Ex>,
    /// DISTINCT.
    pub distinct: bool,
    /// GROUP_CONCAT's ORDER BY.
    pub order: Vec<(Ex, bool)>,
    /// GROUP_CONCAT's SEPARATOR (`,` unless given).
    pub separator: String,
    /// Collation of the (first) argument.
    pub coll: Coll,
}

/// Join kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    /// The first table, INNER and CROSS joins, comma joins.
    Inner,
    /// LEFT [OUTER] JOIN (a RIGHT JOIN is turned into one).
    Left,
}

/// Where a source's rows come from.
#[derive(Debug)]
pub enum SourceKind {
    /// A stored table.
    Base(Arc<TableRt>),
    /// A derived table (subquery in FROM).
    Derived(Box<QueryPlan>),
    /// Rows given whole (information_schema).
    Rows(Vec<Vec<Value>>),
}

/// One column of a source.
#[derive(Clone, Debug)]
pub struct SrcCol {
    /// Name.
    pub name: String,
    /// Result metadata when selected as is.
    pub meta: ColMeta,
    /// Collation (character columns).
    pub coll: Coll,
}

/// A table in FROM.
#[derive(Debug)]
pub struct Source {
    /// The name it is referred to by.
    pub alias: String,
    /// Database ("" for derived tables).
    pub db: String,
    /// Table name.
    pub table: String,
    /// Rows.
    pub kind: SourceKind,
    /// Columns.
    pub cols: Vec<SrcCol>,
    /// Position of its first column in the joined row.
    pub offset: usize,
    /// How it joins the tables before it.
    pub join: JoinKind,
    /// ON conditions (conjuncts).
    pub on: Vec<Ex>,
    /// Columns the query reads.
    pub needed: Vec<bool>,
    /// Columns the query reads when the access path's `enforced` conjuncts are not
    /// evaluated (its key bounds encoded exactly).
    pub needed_exact: Vec<bool>,
    /// How its rows are found.
    pub access: Access,
    /// Every column read comes from the index entries (no row lookups).
    pub covering: Option<access::Covering>,
    /// The WHERE conjuncts (positions in the plan's `filter`) the access path enforces
    /// when its key bounds encode exactly (see [`access::Ranges::exact`]).
    pub enforced: Vec<usize>,
}

impl Source {
    /// A source before binding places it (offset), finds its ON conditions and the columns
    /// read, and chooses its access path.
    pub(crate) fn new(
        alias: String,
        db: String,
        table: String,
        kind: SourceKind,
        cols: Vec<SrcCol>,
        join: JoinKind,
    ) -> Source {
        Source {
            alias,
            db,
            table,
            kind,
            cols,
            offset: 0,
            join,
            on: Vec::new(),
            needed: Vec::new(),
            needed_exact: Vec::new(),
            access: Access::Scan,
            covering: None,
            enforced: Vec::new(),
        }
    }
}

/// One output column.
#[derive(Clone, Debug)]
pub struct OutCol {
    /// Label.
    pub name: String,
    /// Metadata when the item is a plain column.
    pub meta: Option<ColMeta>,
    /// Collation for DISTINCT and sorting.
    pub coll: Coll,
    /// Never NULL (COUNT): flagged NOT NULL in the metadata.
    pub not_null: bool,
    /// The result type of a function item, typing the column when no row does.
    pub ret: Option<super::func::Ret>,
    /// An expression's metadata as mysqld works it out before reading rows
    /// ([`super::types`]), when the rules there cover it.
    pub typed: Option<ColMeta>,
}

/// A bound SELECT.
#[derive(Debug)]
pub struct SelectPlan {
    /// Tables, in declaration order (the joined row's layout).
    pub sources: Vec<Source>,
    /// Join order: indexes into `sources`.
    pub order_exec: Vec<usize>,
    /// Width of the joined row.
    pub width: usize,
    /// WHERE conjuncts with the join level after which each is evaluated (0: before any
    /// table).
    pub filter: Vec<(usize, Ex)>,
    /// GROUP BY.
    pub group: Vec<Ex>,
    /// Aggregates.
    pub aggs: Vec<Agg>,
    /// Grouped (GROUP BY or aggregates).
    pub grouped: bool,
    /// HAVING.
    pub having: Option<Ex>,
    /// Select items.
    pub items: Vec<Ex>,
    /// Output columns.
    pub cols: Vec<OutCol>,
    /// DISTINCT.
    pub distinct: bool,
    /// ORDER BY: (key, descending).
    pub order: Vec<(Ex, bool)>,
    /// The first source's access path delivers ORDER BY's order: no sort.
    pub ordered_by_access: bool,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: u64,
    /// Sources whose stored rows are copied, as bytes, into slots past the joined row's
    /// columns (the source at `capture[i]` into slot `width - capture.len() + i`):
    /// statement replay finds the rows an UPDATE or DELETE changes this way.
    pub capture: Vec<usize>,
}

/// A bound query.
#[derive(Debug)]
pub enum QueryPlan {
    /// One SELECT.
    Select(Box<SelectPlan>),
    /// UNION [ALL] of queries: `distinct[i]` tells whether part i+1 joins with UNION
    /// DISTINCT.
    Union {
        /// Parts.
        parts: Vec<QueryPlan>,
        /// Per join: DISTINCT (else ALL).
        distinct: Vec<bool>,
        /// Output columns.
        cols: Vec<OutCol>,
        /// ORDER BY: (output column, descending).
        order: Vec<(usize, bool)>,
        /// LIMIT.
        limit: Option<u64>,
        /// OFFSET.
        offset: u64,
    },
}

impl QueryPlan {
    /// Output columns.
    pub fn cols(&self) -> &[OutCol] {
        match self {
            QueryPlan::Select(s) => &s.cols,
            QueryPlan::Union { cols, .. } => cols,
        }
    }
}

/// Calls `f` with each current-row column an expression reads.
pub fn columns_of(e: &Ex, f: &mut dyn FnMut(usize)) {
    match e {
        Ex::Col(i) => f(*i),
        Ex::Lit(_) | Ex::Outer(..) | Ex::Agg(_) | Ex::Item(_) | Ex::Param(_) => {}
        Ex::Neg(a) | Ex::Not(a) | Ex::IsNull(a, _) | Ex::IsBool(a, ..) | Ex::Cast(a, _) => {
            columns_of(a, f)
        }
        Ex::Interval(a, _) => columns_of(a, f),
        Ex::Arith(_, a, b)
        | Ex::Cmp(_, a, b, _)
        | Ex::And(a, b)
        | Ex::Or(a, b)
        | Ex::Xor(a, b)
        | Ex::Regexp(a, b, ..) => {
            columns_of(a, f);
            columns_of(b, f);
        }
        Ex::Between(a, b, c, ..) => {
            columns_of(a, f);
            columns_of(b, f);
            columns_of(c, f);
        }
        Ex::Like(a, b, c, ..) => {
            columns_of(a, f);
            columns_of(b, f);
            if let Some(c) = c {
                columns_of(c, f);
            }
        }
        Ex::InList(a, l, ..) => {
            columns_of(a, f);
            l.iter().for_each(|x| columns_of(x, f));
        }
        Ex::InSub(a, s, ..) => {
            columns_of(a, f);
            sub_columns(s, f);
        }
        Ex::Exists(s, _) | Ex::Scalar(s) => sub_columns(s, f),
        Ex::Case(o, w, e, _) => {
            if let Some(o) = o {
                columns_of(o, f);
            }
            for (a, b) in w {
                columns_of(a, f);
                columns_of(b, f);
            }
            if let Some(e) = e {
                columns_of(e, f);
            }
        }
        Ex::Func(_, args, _) => args.iter().for_each(|x| columns_of(x, f)),
    }
}

/// Columns of this query's row a correlated subquery reads (its `Outer(1, i)`), found by
/// walking the subquery's expressions at every depth.
fn sub_columns(s: &Sub, f: &mut dyn FnMut(usize)) {
    fn walk_plan(p: &QueryPlan, depth: usize, f: &mut dyn FnMut(usize)) {
        match p {
            QueryPlan::Select(s) => {
                let mut all: Vec<&Ex> = Vec::new();
                all.extend(s.items.iter());
                all.extend(s.filter.iter().map(|(_, e)| e));
                all.extend(s.group.iter());
                all.extend(s.having.iter());
                all.extend(s.order.iter().map(|(e, _)| e));
                for src in &s.sources {
                    all.extend(src.on.iter());
                }
                for a in &s.aggs {
                    all.extend(a.args.iter());
                }
                for e in all {
                    walk(e, depth, f);
                }
                for src in &s.sources {
                    if let SourceKind::Derived(d) = &src.kind {
                        walk_plan(d, depth + 1, f);
                    }
                }
            }
            QueryPlan::Union { parts, .. } => parts.iter().for_each(|p| walk_plan(p, depth, f)),
        }
    }
    fn walk(e: &Ex, depth: usize, f: &mut dyn FnMut(usize)) {
        match e {
            Ex::Outer(d, i) if *d == depth => f(*i),
            Ex::InSub(a, s, ..) => {
                walk(a, depth, f);
                walk_plan(&s.plan, depth + 1, f);
            }
            Ex::Exists(s, _) | Ex::Scalar(s) => walk_plan(&s.plan, depth + 1, f),
            other => children(other, &mut |c| walk(c, depth, f)),
        }
    }
    if s.correlated {
        walk_plan(&s.plan, 1, f);
    }
}

/// Calls `f` with each direct child expression (subqueries excluded).
pub fn children(e: &Ex, f: &mut dyn FnMut(&Ex)) {
    match e {
        Ex::Lit(_) | Ex::Col(_) | Ex::Outer(..) | Ex::Agg(_) | Ex::Item(_) | Ex::Param(_) => {}
        Ex::Exists(..) | Ex::Scalar(_) => {}
        Ex::Neg(a)
        | Ex::Not(a)
        | Ex::IsNull(a, _)
        | Ex::IsBool(a, ..)
        | Ex::Cast(a, _)
        | Ex::Interval(a, _)
        | Ex::InSub(a, ..) => f(a),
        Ex::Arith(_, a, b)
        | Ex::Cmp(_, a, b, _)
        | Ex::And(a, b)
        | Ex::Or(a, b)
        | Ex::Xor(a, b)
        | Ex::Regexp(a, b, ..) => {
            f(a);
            f(b);
        }
        Ex::Between(a, b, c, ..) => {
            f(a);
            f(b);
            f(c);
        }
        Ex::Like(a, b, c, ..) => {
            f(a);
            f(b);
            if let Some(c) = c {
                f(c);
            }
        }
        Ex::InList(a, l, ..) => {
            f(a);
            l.iter().for_each(f);
        }
        Ex::Case(o, w, e, _) => {
            if let Some(o) = o {
                f(o);
            }
            for (a, b) in w {
                f(a);
                f(b);
            }
            if let Some(e) = e {
                f(e);
            }
        }
        Ex::Func(_, args, _) => args.iter().for_each(f),
    }
}

/// Calls `f` with `e` and every expression under it (subquery plans excluded).
pub fn walk(e: &Ex, f: &mut dyn FnMut(&Ex)) {
    f(e);
    children(e, &mut |c| walk(c, f));
}

pub(crate) fn has_subquery(e: &Ex) -> bool {
    match e {
        Ex::InSub(..) | Ex::Exists(..) | Ex::Scalar(_) => true,
        other => {
            let mut found = false;
            children(other, &mut |c| found |= has_subquery(c));
            found
        }
    }
}
