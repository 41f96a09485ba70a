//! Statement shapes: a statement's text with its literals replaced by `?`, and the
//! literals' values. Statement replay plans each shape once (the statement parsed, the
//! SELECT it becomes bound) and runs later statements of the same shape with their
//! literals as parameters: sysbench's `UPDATE sbtest1 SET k=k+1 WHERE id=5012` repeats
//! one shape millions of times with other numbers.
//!
//! The scan is lexical and conservative: anything it does not read with certainty (a
//! comment, a `?` already there, a charset introducer, hex and bit literals, a number
//! glued to a word) gives no shape, and the statement takes the general path.

use crate::sql::engine::bind::number;
use crate::sql::value::Value;

/// A statement's shape and its literals, in text order.
#[derive(Debug, PartialEq)]
pub struct Shape {
    /// The text with each literal replaced by `?`.
    pub text: String,
    /// The literals' values: numbers as the engine reads a numeric literal, strings as
    /// text (escapes resolved).
    pub literals: Vec<Value>,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// The shape of `sql`, or `None` when the scan cannot be sure of every literal.
/// `backslash_escapes` is false under sql_mode NO_BACKSLASH_ESCAPES.
pub fn shape(sql: &str, backslash_escapes: bool) -> Option<Shape> {
    let b = sql.as_bytes();
    let mut text = String::with_capacity(sql.len());
    let mut literals = Vec::new();
    let mut i = 0;
    // Numbers after LIMIT / OFFSET stay in the text (the engine takes LIMIT constants).
    let mut in_limit = false;
    let mut last_word = (0, 0);
    while i < b.len() {
        let c = b[i];
        match c {
            b'?' | b'#' => return None,
            b'-' if b.get(i + 1) == Some(&b'-') => return None,
            b'/' if b.get(i + 1) == Some(&b'*') => return None,
            b'`' => {
                let end = (i + 1..b.len()).find(|&j| b[j] == b'`')?;
                if b.get(end + 1) == Some(&b'`') {
                    return None;
                }
                text.push_str(&sql[i..=end]);
                i = end + 1;
            }
            b'\'' | b'"' => {
                // An introducer (_utf8'..', N'..', X'..', B'..') glued to the quote.
                if i > 0 && is_word(b[i - 1]) {
                    return None;
                }
                let (value, end) = string(b, i, backslash_escapes)?;
                literals.push(Value::Text(value));
                text.push('?');
                i = end;
                in_limit = false;
            }
            b'0'..=b'9' if i == 0 || !(is_word(b[i - 1]) || b[i - 1] == b'.') => {
                let end = number_end(b, i)?;
                if in_limit {
                    text.push_str(&sql[i..end]);
                } else {
                    literals.push(number(&sql[i..end]));
                    text.push('?');
                }
                i = end;
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit)
                && (i == 0 || !is_word(b[i - 1])) =>
            {
                return None;
            }
            c if is_word(c) => {
                let end = (i..b.len()).find(|&j| !is_word(b[j])).unwrap_or(b.len());
                let w = &sql[i..end];
                in_limit = w.eq_ignore_ascii_case("LIMIT") || w.eq_ignore_ascii_case("OFFSET");
                last_word = (i, end);
                text.push_str(w);
                i = end;
            }
            b',' | b' ' | b'\t' | b'\n' | b'\r' => {
                // A LIMIT's offset and count are separated by a comma.
                if c != b',' || !sql[last_word.0..last_word.1].eq_ignore_ascii_case("LIMIT") {
                    in_limit &= c != b',';
                }
                text.push(c as char);
                i += 1;
            }
            _ => {
                in_limit = false;
                let ch = sql[i..].chars().next()?;
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    Some(Shape { text, literals })
}

/// The end of the number starting at `i`: digits, a fraction, an exponent. `None` for a
/// hex or bit literal (0x.., 0b..) and a number glued to a word (`1abc` is a name).
fn number_end(b: &[u8], i: usize) -> Option<usize> {
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X' | b'b' | b'B')) {
        return None;
    }
    let digits = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut j = digits(i);
    if b.get(j) == Some(&b'.') {
        j = digits(j + 1);
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let k = if matches!(b.get(j + 1), Some(b'+' | b'-')) {
            j + 2
        } else {
            j + 1
        };
        if !b.get(k).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        j = digits(k);
    }
    if b.get(j).is_some_and(|&c| is_word(c) || c == b'.') {
        return None;
    }
    Some(j)
}

/// The quoted string starting at `i` (its quote character), unescaped as mysqld reads
/// it, and the index past it.
fn string(b: &[u8], i: usize, backslash_escapes: bool) -> Option<(String, usize)> {
    let q = b[i];
    let mut out = Vec::new();
    let mut j = i + 1;
    loop {
        let c = *b.get(j)?;
        if c == q {
            if b.get(j + 1) == Some(&q) {
                out.push(q);
                j += 2;
                continue;
            }
            // Adjacent strings ('a' 'b') concatenate: not a single literal here.
            let mut k = j + 1;
            while b.get(k).is_some_and(|c| c.is_ascii_whitespace()) {
                k += 1;
            }
            if matches!(b.get(k), Some(b'\'' | b'"')) {
                return None;
            }
            return Some((String::from_utf8(out).ok()?, j + 1));
        }
        if c == b'\\' && backslash_escapes {
            let e = *b.get(j + 1)?;
            match e {
                b'0' => out.push(0),
                b'b' => out.push(8),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'Z' => out.push(26),
                // \% and \_ keep their backslash (they are LIKE escapes).
                b'%' | b'_' => out.extend_from_slice(&[b'\\', e]),
                other => out.push(other),
            }
            j += 2;
            continue;
        }
        out.push(c);
        j += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(sql: &str) -> Option<(String, Vec<Option<String>>)> {
        shape(sql, true).map(|s| (s.text, s.literals.iter().map(Value::render).collect()))
    }

    #[test]
    fn literals_become_placeholders() {
        assert_eq!(
            s("UPDATE sbtest1 SET k=k+1 WHERE id=5012"),
            Some((
                "UPDATE sbtest1 SET k=k+? WHERE id=?".into(),
                vec![Some("1".into()), Some("5012".into())]
            ))
        );
        assert_eq!(
            s("INSERT INTO t (a, b) VALUES (-1.50, 'it''s \\n x'), (2e3, \"d\")"),
            Some((
                "INSERT INTO t (a, b) VALUES (-?, ?), (?, ?)".into(),
                vec![
                    Some("1.50".into()),
                    Some("it's \n x".into()),
                    Some("2000".into()),
                    Some("d".into())
                ]
            ))
        );
        // Names with digits, backquoted names and LIMIT counts stay.
        assert_eq!(
            s("DELETE FROM `t 1` WHERE c2 = 3 ORDER BY id LIMIT 5, 10"),
            Some((
                "DELETE FROM `t 1` WHERE c2 = ? ORDER BY id LIMIT 5, 10".into(),
                vec![Some("3".into())]
            ))
        );
    }

    #[test]
    fn what_is_not_certain_gives_no_shape() {
        for sql in [
            "SELECT _utf8'x'",
            "SELECT X'41'",
            "SELECT 0x41",
            "SELECT 1 /* c */",
            "SELECT 1 -- c",
            "SELECT 1 # c",
            "SELECT ?",
            "SELECT 'a' 'b'",
            "SELECT 1abc FROM t",
            "SELECT .5",
            "SELECT 'unterminated",
        ] {
            assert_eq!(s(sql), None, "{sql}");
        }
    }
}
