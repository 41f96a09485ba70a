//! Reading client SQL: the MySQL dialect of `sqlparser` behind a nesting bound (no client
//! can overflow a worker's stack), and mysqld's errors for text it cannot read (1064) or
//! constructs replicant does not implement (1235).

use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use crate::sqlerror::SqlError;

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
pub const MAX_NESTING: usize = 1000;

/// The stack a thread that parses, binds and evaluates statements needs for expressions
/// nested up to [`MAX_NESTING`] deep, with room to spare: a debug build's binder and
/// evaluator take about 20 KiB per level (a release build far less). Only what a
/// statement uses is ever touched.
pub const STACK: usize = 64 << 20;

/// The parser's own recursion bound: a parenthesized expression takes a few of its levels
/// (its default, 50, would refuse parentheses mysqld takes), and check_nesting has bounded
/// the depth already.
const PARSER_DEPTH: usize = 4 * MAX_NESTING + 8;

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
    Parser::new(&MySqlDialect {})
        .with_recursion_limit(PARSER_DEPTH)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| syntax_error(sql, &e.to_string()))
}

/// Parses one client expression after [`check_nesting`].
pub fn parse_expr(text: &str) -> Result<Expr, SqlError> {
    check_nesting(text)?;
    Parser::new(&MySqlDialect {})
        .with_recursion_limit(PARSER_DEPTH)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| syntax_error(text, &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_expressions_are_refused_not_a_crash() {
        let code = |sql: &str| parse_statements(sql).unwrap_err().code;
        let deep = format!("SELECT 1{}", "+1".repeat(20_000));
        assert_eq!(code(&deep), 1436);
        let parens = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(code(&parens), 1436);
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
        let at_bound = format!("SELECT 1{}", "+1".repeat(MAX_NESTING));
        assert!(check_nesting(&at_bound).is_ok());
        assert_eq!(code("SELEC 1"), 1064);
    }
}
