//! SELECTs without tables: literals, system and user variables, the session functions
//! (USER(), DATABASE(), CONNECTION_ID(), VERSION()...), and simple arithmetic, comparison
//! and logic over them. Anything else is error 1235 naming the construct: never a guess.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, InTarget, LimitClause,
    SelectItem, SetExpr, Statement, TableFactor, UnaryOperator, Value as Lit,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::split::select_item_texts;
use super::value::Value;
use crate::sqlerror::SqlError;

/// What an expression may ask of the session.
pub trait Env {
    /// A system variable (`@@name`, `@@global.name` when `global`).
    fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError>;
    /// A user variable (`@name`; NULL when never set).
    fn user_variable(&self, name: &str) -> Value;
    /// A function of the session taking no arguments (USER(), DATABASE()...), by upper-case
    /// name; `None` when the name is not one.
    fn session_function(&self, name: &str) -> Option<Value>;
    /// A column of the row being filtered (SHOW ... WHERE), case-insensitive; `None` when
    /// there is no such column (error 1054).
    fn column(&self, _name: &str) -> Option<Value> {
        None
    }
    /// The next RAND() value. A session that knows its generator's seeds (statement
    /// replay: the master's, from the RAND event) gives mysqld's sequence; by default a
    /// value from the thread's own generator.
    fn rand(&self) -> f64 {
        thread_rand()
    }
}

/// mysqld's RAND() generator (`my_rnd`): two seeds below 2^30 - 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MyRnd {
    /// First seed.
    pub seed1: u64,
    /// Second seed.
    pub seed2: u64,
}

impl MyRnd {
    const MAX: u64 = 0x3FFF_FFFF;

    /// The generator with the seeds a RAND event carries.
    pub fn new(seed1: u64, seed2: u64) -> MyRnd {
        MyRnd {
            seed1: seed1 % Self::MAX,
            seed2: seed2 % Self::MAX,
        }
    }

    /// The next value in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.seed1 = (self.seed1 * 3 + self.seed2) % Self::MAX;
        self.seed2 = (self.seed1 + self.seed2 + 33) % Self::MAX;
        self.seed1 as f64 / Self::MAX as f64
    }
}

/// A value in [0, 1) from a per-thread generator seeded from the clock.
fn thread_rand() -> f64 {
    thread_local! {
        static STATE: std::cell::Cell<Option<MyRnd>> = const { std::cell::Cell::new(None) };
    }
    STATE.with(|s| {
        let mut r = s.get().unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            MyRnd::new(t.as_nanos() as u64, u64::from(t.subsec_micros()) * 7919)
        });
        let v = r.next_f64();
        s.set(Some(r));
        v
    })
}

/// A context without a session (statement replay, in-process engine runs, tests): no
/// system variable is known (1193), user variables are NULL, no session functions.
pub struct NoSession;

impl Env for NoSession {
    fn system_variable(&self, _: bool, name: &str) -> Result<Value, SqlError> {
        Err(SqlError::new(
            1193,
            format!("Unknown system variable '{name}'"),
        ))
    }
    fn user_variable(&self, _: &str) -> Value {
        Value::Null
    }
    fn session_function(&self, _: &str) -> Option<Value> {
        None
    }
}

/// The result of a constant SELECT: column names and the single row (or none under
/// `LIMIT 0`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConstRow {
    /// Column labels as mysqld names them.
    pub names: Vec<String>,
    /// The values; empty when LIMIT 0 removed the row.
    pub row: Vec<Value>,
    /// True when LIMIT removed the row.
    pub empty: bool,
}

/// mysqld's 1235 for a construct replicant does not implement.
pub fn unsupported(what: &str) -> SqlError {
    SqlError::new(
        1235,
        format!("This version of replicant doesn't yet support '{what}'"),
    )
}

/// mysqld's 1064, pointing near the offending text.
pub fn syntax_error(sql: &str, parser_message: &str) -> SqlError {
    // sqlparser says "... at Line: L, Column: C"; mysqld quotes the text from there.
    let near = parser_message.rsplit_once("Line: ").and_then(|(_, rest)| {
        let (line, col) = rest.split_once(", Column: ")?;
        let line: usize = line.trim().parse().ok()?;
        let col: usize = col.trim().parse().ok()?;
        let text = sql.lines().nth(line.checked_sub(1)?)?;
        let start = text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        let tail: String = sql[sql.find(text).unwrap_or(0) + start..]
            .chars()
            .take(80)
            .collect();
        Some((tail, line))
    });
    let (near, line) = near.unwrap_or_else(|| (String::new(), 1));
    syntax_error_near(&near, line)
}

/// mysqld's 1064, quoting the text from where parsing failed.
pub fn syntax_error_near(near: &str, line: usize) -> SqlError {
    SqlError::new(
        1064,
        format!(
            "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '{near}' at line {line}"
        ),
    )
}

/// Operators and parentheses a statement may hold: the parser and the evaluator recurse
/// once per level, and a client must not be able to overflow a worker's stack.
const MAX_NESTING: usize = 1000;

/// mysqld's 1436 when a statement nests more operators or parentheses than can be
/// evaluated safely. A byte scan outside quotes and comments, before any recursive parse:
/// every operator character and every AND/OR/XOR/NOT/IS/LIKE/BETWEEN/CASE/WHEN word
/// counts toward the item it is in; an item's count includes the largest count of the
/// parenthesized items inside it, and items separated by commas count apart (a long
/// VALUES list or select list is wide, not deep).
pub fn check_nesting(sql: &str) -> Result<(), SqlError> {
    const WORDS: [&[u8]; 9] = [
        b"AND", b"OR", b"XOR", b"NOT", b"IS", b"LIKE", b"BETWEEN", b"CASE", b"WHEN",
    ];
    let b = sql.as_bytes();
    // Per open parenthesis: (count of the current item, largest count of its items).
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    // The sum of the current items' counts along the stack: how deep evaluation goes here.
    let mut depth = 0usize;
    let mut n = 0usize;
    let mut word_start: Option<usize> = None;
    let mut last = 0usize;
    let count = |stack: &mut Vec<(usize, usize)>, depth: &mut usize, n: &mut usize| {
        if let Some(top) = stack.last_mut() {
            top.0 += 1;
        }
        *depth += 1;
        *n = (*n).max(*depth);
    };
    let is_op_word = |start: Option<usize>, end: usize| {
        start.is_some_and(|st| WORDS.iter().any(|k| k.eq_ignore_ascii_case(&b[st..end])))
    };
    super::split::visit(sql, |i| {
        let c = b[i];
        let is_word = c.is_ascii_alphanumeric() || c == b'_';
        // A gap (quoted text, comment) also ends a word.
        if word_start.is_some()
            && (!is_word || i != last + 1)
            && is_op_word(word_start.take(), last + 1)
        {
            count(&mut stack, &mut depth, &mut n);
        }
        if is_word {
            word_start.get_or_insert(i);
        } else if c == b'(' {
            count(&mut stack, &mut depth, &mut n);
            stack.push((0, 0));
        } else if c == b')' && stack.len() > 1 {
            let (cur, max) = stack.pop().unwrap_or_default();
            let inner = cur.max(max);
            depth -= cur;
            if let Some(top) = stack.last_mut() {
                top.0 += inner;
            }
            depth += inner;
            n = n.max(depth);
        } else if c == b',' {
            if let Some(top) = stack.last_mut() {
                depth -= top.0;
                top.1 = top.1.max(top.0);
                top.0 = 0;
            }
        } else if b"+-*/%=<>&|^!~".contains(&c) {
            count(&mut stack, &mut depth, &mut n);
        }
        last = i;
    });
    if is_op_word(word_start, last + 1) {
        count(&mut stack, &mut depth, &mut n);
    }
    if n > MAX_NESTING {
        return Err(SqlError::new(
            1436,
            format!(
                "Thread stack overrun: the statement nests {n} operators and parentheses; at most {MAX_NESTING} are evaluated"
            ),
        ));
    }
    Ok(())
}

/// The significant tokens of client SQL: no whitespace or comments, no `;`.
pub fn tokens(sql: &str) -> Result<Vec<sqlparser::tokenizer::Token>, SqlError> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let toks = Tokenizer::new(&MySqlDialect {}, sql)
        .tokenize()
        .map_err(|e| syntax_error(sql, &e.to_string()))?;
    Ok(toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon))
        .collect())
}

/// Parses client SQL after [`check_nesting`].
pub fn parse_statements(sql: &str) -> Result<Vec<Statement>, SqlError> {
    check_nesting(sql)?;
    Parser::parse_sql(&MySqlDialect {}, sql).map_err(|e| syntax_error(sql, &e.to_string()))
}

/// Parses one client expression after [`check_nesting`].
pub fn parse_expr(text: &str) -> Result<Expr, SqlError> {
    check_nesting(text)?;
    Parser::new(&MySqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| syntax_error(text, &e.to_string()))
}

/// Evaluates `sql` if it is a SELECT without tables; `Ok(None)` when it reads tables.
/// Unaliased columns are named by the items of `names_from` as typed (the statement
/// itself, or a prepared statement's text with its `?` placeholders).
pub fn eval_select(
    sql: &str,
    names_from: &str,
    env: &dyn Env,
) -> Result<Option<ConstRow>, SqlError> {
    let stmts = parse_statements(sql)?;
    let [Statement::Query(q)] = stmts.as_slice() else {
        return Err(unsupported("several statements in one"));
    };
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Ok(None);
    };
    let dual = sel.from.len() == 1
        && sel.from[0].joins.is_empty()
        && matches!(&sel.from[0].relation, TableFactor::Table { name, .. }
            if name.to_string().eq_ignore_ascii_case("dual"));
    if !sel.from.is_empty() && !dual {
        return Ok(None);
    }
    let texts = select_item_texts(names_from).unwrap_or_default();
    let mut names = Vec::with_capacity(sel.projection.len());
    let mut row = Vec::with_capacity(sel.projection.len());
    for (i, item) in sel.projection.iter().enumerate() {
        let (expr, name) = match item {
            SelectItem::UnnamedExpr(e) => (
                e,
                texts
                    .get(i)
                    .map_or_else(|| e.to_string(), |t| t.to_string()),
            ),
            SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
            _ => return Err(SqlError::new(1096, "No tables used".into())),
        };
        row.push(eval(expr, env)?);
        names.push(name);
    }
    let mut empty = false;
    if let Some(w) = &sel.selection {
        empty = eval(w, env)?.truth() != Some(true);
    }
    match &q.limit_clause {
        None => {}
        Some(LimitClause::LimitOffset { limit, offset, .. }) => {
            if let Some(l) = limit {
                empty |= eval(l, env)?.as_i64() == Some(0);
            }
            if let Some(o) = offset {
                empty |= eval(&o.value, env)?.as_i64().unwrap_or(0) > 0;
            }
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            empty |= eval(limit, env)?.as_i64() == Some(0)
                || eval(offset, env)?.as_i64().unwrap_or(0) > 0;
        }
    }
    Ok(Some(ConstRow { names, row, empty }))
}

/// Evaluates one expression.
pub fn eval(e: &Expr, env: &dyn Env) -> Result<Value, SqlError> {
    Ok(match e {
        Expr::Value(v) => match &v.value {
            Lit::Number(n, _) => number(n),
            Lit::SingleQuotedString(s) | Lit::DoubleQuotedString(s) => Value::Text(s.clone()),
            Lit::Boolean(b) => Value::Int(*b as i64),
            Lit::Null => Value::Null,
            other => return Err(unsupported(&other.to_string())),
        },
        Expr::Identifier(id) => match env.column(&id.value) {
            Some(v) => v,
            None => variable(&id.value, None, env)?,
        },
        Expr::Like {
            negated,
            expr,
            pattern,
            escape_char: None,
            any: false,
        } => {
            let (v, p) = (eval(expr, env)?, eval(pattern, env)?);
            match (v.render(), p.render()) {
                (Some(v), Some(p)) => Value::Int(
                    (super::engine::eval::like(
                        &v,
                        &p,
                        '\\',
                        Some(Some(super::value::default_collation())),
                    ) != *negated) as i64,
                ),
                _ => Value::Null,
            }
        }
        Expr::In {
            expr,
            target: InTarget::List(list),
            negated,
            global: false,
        } => {
            let v = eval(expr, env)?;
            if v == Value::Null {
                Value::Null
            } else {
                let mut found = false;
                let mut saw_null = false;
                for x in list {
                    let x = eval(x, env)?;
                    match compare(&v, &x) {
                        Some(std::cmp::Ordering::Equal) => found = true,
                        None => saw_null = true,
                        _ => {}
                    }
                }
                match (found, saw_null) {
                    (true, _) => Value::Int(!*negated as i64),
                    (false, true) => Value::Null,
                    (false, false) => Value::Int(*negated as i64),
                }
            }
        }
        Expr::CompoundIdentifier(parts) if parts.len() == 2 && parts[0].value.starts_with("@@") => {
            variable(&parts[1].value, Some(&parts[0].value), env)?
        }
        // `table.column` (a single table: the qualifier names it).
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let last = &parts[parts.len() - 1].value;
            env.column(last).ok_or_else(|| {
                let full: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
                SqlError::new(
                    1054,
                    format!("Unknown column '{}' in 'field list'", full.join(".")),
                )
            })?
        }
        Expr::Nested(inner) => eval(inner, env)?,
        Expr::UnaryOp { op, expr } => {
            let v = eval(expr, env)?;
            match (op, v) {
                (_, Value::Null) => Value::Null,
                (UnaryOperator::Minus, Value::Int(i)) => {
                    Value::Int(i.checked_neg().ok_or_else(|| out_of_range(e))?)
                }
                (UnaryOperator::Minus, Value::UInt(u)) => Value::Int(
                    0i64.checked_sub_unsigned(u)
                        .ok_or_else(|| out_of_range(e))?,
                ),
                (UnaryOperator::Minus, Value::Double(d)) => Value::Double(-d),
                (UnaryOperator::Minus, t @ Value::Text(_)) => Value::Double(
                    -super::value::numeric_prefix(&t.render().unwrap_or_default()),
                ),
                (UnaryOperator::Plus, v) => v,
                (UnaryOperator::Not, v) => match v.truth() {
                    None => Value::Null,
                    Some(b) => Value::Int(!b as i64),
                },
                (op, _) => return Err(unsupported(&op.to_string())),
            }
        }
        Expr::BinaryOp { left, op, right } => binary(e, eval(left, env)?, op, eval(right, env)?)?,
        Expr::IsNull(x) => Value::Int((eval(x, env)? == Value::Null) as i64),
        Expr::IsNotNull(x) => Value::Int((eval(x, env)? != Value::Null) as i64),
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            if name == "TIMESTAMPDIFF" {
                // Its unit is a bare word (parsed as a column name): the engine binds it.
                return Err(unsupported("TIMESTAMPDIFF in a constant"));
            }
            let args: Vec<&Expr> = match &f.args {
                FunctionArguments::None => Vec::new(),
                FunctionArguments::List(l) => {
                    let mut v = Vec::with_capacity(l.args.len());
                    for a in &l.args {
                        match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => v.push(x),
                            other => return Err(unsupported(&other.to_string())),
                        }
                    }
                    v
                }
                FunctionArguments::Subquery(_) => return Err(unsupported(&e.to_string())),
            };
            function(&name, &args, e, env)?
        }
        other => return Err(unsupported(&other.to_string())),
    })
}

fn number(n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        Value::Int(i)
    } else if let Ok(u) = n.parse::<u64>() {
        Value::UInt(u)
    } else if n.contains(['e', 'E']) {
        Value::Double(n.parse().unwrap_or(0.0))
    } else {
        // An exact decimal literal keeps its digits as typed.
        Value::Text(n.to_string())
    }
}

fn variable(name: &str, scope: Option<&str>, env: &dyn Env) -> Result<Value, SqlError> {
    let scope = scope.map(str::to_ascii_lowercase);
    match scope.as_deref() {
        Some("@@global") => return env.system_variable(true, name),
        Some("@@session") | Some("@@local") => return env.system_variable(false, name),
        Some(other) => {
            return Err(SqlError::new(
                1054,
                format!("Unknown column '{other}.{name}' in 'field list'"),
            ))
        }
        None => {}
    }
    if let Some(v) = name.strip_prefix("@@") {
        return env.system_variable(false, v);
    }
    if let Some(v) = name.strip_prefix('@') {
        return Ok(env.user_variable(v.trim_matches(['`', '\'', '"'])));
    }
    Err(SqlError::new(
        1054,
        format!("Unknown column '{name}' in 'field list'"),
    ))
}

fn out_of_range(e: &Expr) -> SqlError {
    SqlError::new(1690, format!("BIGINT value is out of range in '{e}'"))
}

fn binary(e: &Expr, l: Value, op: &BinaryOperator, r: Value) -> Result<Value, SqlError> {
    use BinaryOperator::*;
    if matches!(op, And | Or | Xor) {
        let (a, b) = (l.truth(), r.truth());
        return Ok(match (op, a, b) {
            (And, Some(false), _) | (And, _, Some(false)) => Value::Int(0),
            (And, Some(true), Some(true)) => Value::Int(1),
            (Or, Some(true), _) | (Or, _, Some(true)) => Value::Int(1),
            (Or, Some(false), Some(false)) => Value::Int(0),
            (Xor, Some(x), Some(y)) => Value::Int((x ^ y) as i64),
            _ => Value::Null,
        });
    }
    if matches!(op, Spaceship) {
        return Ok(Value::Int(
            compare(&l, &r).map_or((l == Value::Null && r == Value::Null) as i64, |o| {
                (o == std::cmp::Ordering::Equal) as i64
            }),
        ));
    }
    if l == Value::Null || r == Value::Null {
        return Ok(Value::Null);
    }
    let cmp = |want: fn(std::cmp::Ordering) -> bool| {
        compare(&l, &r).map_or(Value::Null, |o| Value::Int(want(o) as i64))
    };
    Ok(match op {
        Eq => cmp(|o| o.is_eq()),
        NotEq => cmp(|o| o.is_ne()),
        Lt => cmp(|o| o.is_lt()),
        LtEq => cmp(|o| o.is_le()),
        Gt => cmp(|o| o.is_gt()),
        GtEq => cmp(|o| o.is_ge()),
        Plus | Minus | Multiply => match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(
                match op {
                    Plus => a.checked_add(*b),
                    Minus => a.checked_sub(*b),
                    _ => a.checked_mul(*b),
                }
                .ok_or_else(|| out_of_range(e))?,
            ),
            _ => {
                let (a, b) = (as_f64(&l), as_f64(&r));
                Value::Double(match op {
                    Plus => a + b,
                    Minus => a - b,
                    _ => a * b,
                })
            }
        },
        other => return Err(unsupported(&other.to_string())),
    })
}

fn as_f64(v: &Value) -> f64 {
    v.as_f64()
}

/// Comparison as mysqld does for two constants: both strings by bytes (utf8mb4 text
/// literals compare case-insensitively under the default collation), else as numbers.
pub fn compare(l: &Value, r: &Value) -> Option<std::cmp::Ordering> {
    match (l, r) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Text(a), Value::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        _ => as_f64(l).partial_cmp(&as_f64(r)),
    }
}

fn function(name: &str, args: &[&Expr], e: &Expr, env: &dyn Env) -> Result<Value, SqlError> {
    if args.is_empty() {
        if let Some(v) = env.session_function(name) {
            return Ok(v);
        }
    }
    let vals = args
        .iter()
        .map(|a| eval(a, env))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match (name, vals.as_slice()) {
        ("CONCAT", v) if !v.is_empty() => {
            let mut s = String::new();
            for x in v {
                match x.render() {
                    Some(t) => s.push_str(&t),
                    None => return Ok(Value::Null),
                }
            }
            Value::Text(s)
        }
        ("IFNULL", [a, b]) => {
            if *a == Value::Null {
                b.clone()
            } else {
                a.clone()
            }
        }
        ("COALESCE", v) if !v.is_empty() => v
            .iter()
            .find(|x| **x != Value::Null)
            .cloned()
            .unwrap_or(Value::Null),
        ("LOWER" | "LCASE", [a]) => a
            .render()
            .map_or(Value::Null, |s| Value::Text(s.to_lowercase())),
        ("UPPER" | "UCASE", [a]) => a
            .render()
            .map_or(Value::Null, |s| Value::Text(s.to_uppercase())),
        _ => return Err(unsupported(&e.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Env for Fixed {
        fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError> {
            match name.to_ascii_lowercase().as_str() {
                "version_comment" => Ok(Value::Text("comment".into())),
                "autocommit" => Ok(Value::Int(!global as i64)),
                _ => Err(SqlError::new(
                    1193,
                    format!("Unknown system variable '{name}'"),
                )),
            }
        }
        fn user_variable(&self, _: &str) -> Value {
            Value::Null
        }
        fn session_function(&self, name: &str) -> Option<Value> {
            (name == "USER").then(|| Value::Text("root@localhost".into()))
        }
    }

    fn one(sql: &str) -> ConstRow {
        eval_select(sql, sql, &Fixed).unwrap().unwrap()
    }

    #[test]
    fn client_connect_queries() {
        let r = one("select @@version_comment limit 1");
        assert_eq!(r.names, vec!["@@version_comment"]);
        assert_eq!(r.row, vec![Value::Text("comment".into())]);
        assert!(!r.empty);
        let r = one("SELECT @@session.autocommit, @@global.autocommit AS g, USER(), 1+2*3, @x");
        assert_eq!(
            r.names,
            vec!["@@session.autocommit", "g", "USER()", "1+2*3", "@x"]
        );
        assert_eq!(
            r.row,
            vec![
                Value::Int(1),
                Value::Int(0),
                Value::Text("root@localhost".into()),
                Value::Int(7),
                Value::Null
            ]
        );
        assert!(one("SELECT 1 LIMIT 0").empty);
        assert!(one("SELECT 1 FROM DUAL WHERE 1 = 0").empty);
    }

    proptest::proptest! {
        #[test]
        fn any_select_evaluates_or_errs(sql in "SELECT (1|'a'|@@x|@y|USER\\(\\)|\\+|-|\\*|=|,|\\(|\\)|NULL|AND|NOT| )*( LIMIT 1)?") {
            let _ = eval_select(&sql, &sql, &Fixed);
        }
    }

    #[test]
    fn deep_expressions_are_refused_not_a_crash() {
        let deep = format!("SELECT 1{}", "+1".repeat(20_000));
        assert_eq!(eval_select(&deep, &deep, &Fixed).unwrap_err().code, 1436);
        let parens = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(
            eval_select(&parens, &parens, &Fixed).unwrap_err().code,
            1436
        );
        let ands = format!("SELECT 1{}", " AND 1".repeat(MAX_NESTING + 1));
        assert_eq!(check_nesting(&ands).unwrap_err().code, 1436);
        let words = format!(
            "SELECT 'x AND y'{}",
            ", android, notable, `or`".repeat(2000)
        );
        assert!(check_nesting(&words).is_ok());
        // Wide is not deep: many rows or items, each shallow, pass.
        let rows = format!(
            "INSERT INTO t VALUES (1+1, 'a', (2*3)){}",
            ", (1+1, 'a', (2*3))".repeat(5000)
        );
        assert!(check_nesting(&rows).is_ok());
        let items = format!("SELECT 1+1{}", ", 1+1".repeat(5000));
        assert!(check_nesting(&items).is_ok());
        // ... but one deep item among them is refused.
        let one = format!("SELECT 1, f(2, 1{}), 3", "+1".repeat(MAX_NESTING + 1));
        assert_eq!(check_nesting(&one).unwrap_err().code, 1436);
        let nested = format!("SELECT {}1{}", "(1, ".repeat(1200), ")".repeat(1200));
        assert_eq!(check_nesting(&nested).unwrap_err().code, 1436);
        // At the bound it evaluates, given the stack the daemon's workers have (8 MiB).
        let ok = format!("SELECT 1{}", "+1".repeat(MAX_NESTING));
        let row = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || eval_select(&ok, &ok, &Fixed).unwrap().unwrap().row)
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(row, vec![Value::Int(MAX_NESTING as i64 + 1)]);
    }

    #[test]
    fn errors_are_mysqlds() {
        let code = |sql: &str| eval_select(sql, sql, &Fixed).unwrap_err().code;
        assert_eq!(code("SELECT @@nope"), 1193);
        assert_eq!(code("SELECT nope"), 1054);
        assert_eq!(code("SELECT 9223372036854775807 + 1"), 1690);
        assert_eq!(code("SELECT SLEEP(1)"), 1235);
        assert_eq!(code("SELEC 1"), 1064);
        assert!(eval_select("SELECT * FROM t", "SELECT * FROM t", &Fixed)
            .unwrap()
            .is_none());
    }
}
