//! Lexical helpers that work on the statement text itself: splitting a multi-statement
//! query at its top-level semicolons, finding the leading keywords, and recovering each
//! select item's text (mysqld names an unaliased result column by the text as typed).

/// Byte ranges of the text outside quotes and comments, visited in order; `f` gets each
/// byte index with the current parenthesis depth, and returns false to stop.
fn scan(sql: &str, mut f: impl FnMut(usize, usize) -> bool) {
    let b = sql.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' && q != b'`' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-')
                && b.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            // Versioned comments (`/*!40101 ... */`) hold SQL: their body is scanned.
            b'/' if b.get(i + 1) == Some(&b'*') && b.get(i + 2) != Some(&b'!') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !f(i, depth) {
            return;
        }
        i += 1;
    }
}

/// Calls `f` with the index of every byte outside quotes and comments.
pub fn visit(sql: &str, mut f: impl FnMut(usize)) {
    scan(sql, |i, _| {
        f(i);
        true
    });
}

/// The byte offsets of `?` outside quotes and comments (a prepared statement's
/// placeholders, or those statement replay binds values to).
pub fn placeholders(sql: &str) -> Vec<usize> {
    let mut out = Vec::new();
    visit(sql, |i| {
        if sql.as_bytes()[i] == b'?' {
            out.push(i);
        }
    });
    out
}

/// Splits a multi-statement query at top-level `;`; empty statements are dropped.
pub fn statements(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    scan(sql, |i, _| {
        if sql.as_bytes()[i] == b';' {
            out.push(&sql[start..i]);
            start = i + 1;
        }
        true
    });
    out.push(&sql[start..]);
    out.into_iter()
        .filter(|s| !strip_comments(s).trim().is_empty())
        .collect()
}

/// The text without comments (versioned comments keep their body), quotes untouched.
pub fn strip_comments(sql: &str) -> String {
    // Works on bytes: every cut is at an ASCII delimiter, so UTF-8 stays whole.
    let b = sql.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut next = 0usize;
    let copy_gap = |out: &mut Vec<u8>, gap: &[u8]| {
        if gap
            .first()
            .is_some_and(|c| matches!(c, b'\'' | b'"' | b'`'))
        {
            out.extend_from_slice(gap);
        } else if !gap.is_empty() {
            out.push(b' ');
        }
    };
    scan(sql, |i, _| {
        copy_gap(&mut out, &b[next..i]);
        out.push(b[i]);
        next = i + 1;
        true
    });
    copy_gap(&mut out, &b[next.min(b.len())..]);
    let mut s = String::from_utf8_lossy(&out).into_owned();
    // Versioned comment markers: `/*!40101 X */` reads as ` X `.
    while let Some(p) = s.find("/*!") {
        let digits = s[p + 3..].bytes().take_while(u8::is_ascii_digit).count();
        s.replace_range(p..p + 3 + digits, " ");
        if let Some(e) = s[p..].find("*/") {
            s.replace_range(p + e..p + e + 2, " ");
        }
    }
    s
}

/// The first `n` words of a statement, upper-cased (identifiers, keywords, `@@x`).
pub fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let text = strip_comments(sql);
    let mut out = Vec::with_capacity(n);
    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '@' || c == '$')) {
        if w.is_empty() {
            continue;
        }
        out.push(w.to_ascii_uppercase());
        if out.len() == n {
            break;
        }
    }
    out
}

/// The text of each select item of `SELECT <items> [FROM|LIMIT|...]`, trimmed; `None`
/// when the statement does not start with SELECT.
pub fn select_item_texts(sql: &str) -> Option<Vec<&str>> {
    let b = sql.as_bytes();
    let mut items = Vec::new();
    let mut start: Option<usize> = None;
    let mut done = false;
    scan(sql, |i, depth| {
        let at_word = |w: &str| {
            sql.get(i..i + w.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(w))
                && (i == 0 || !is_word_byte(b[i - 1]))
                && b.get(i + w.len()).is_none_or(|c| !is_word_byte(*c))
        };
        match start {
            None => {
                if at_word("SELECT") {
                    start = Some(i + 6);
                    return true;
                }
                // Anything else before SELECT: not a select.
                if !b[i].is_ascii_whitespace() && b[i] != b'(' {
                    done = true;
                    return false;
                }
            }
            Some(s) if depth == 0 => {
                if b[i] == b',' {
                    items.push(&sql[s..i]);
                    start = Some(i + 1);
                } else if [
                    "FROM", "LIMIT", "WHERE", "INTO", "ORDER", "GROUP", "HAVING", "UNION", "FOR",
                    "LOCK", "WINDOW",
                ]
                .iter()
                .any(|w| at_word(w))
                    || b[i] == b';'
                {
                    items.push(&sql[s..i]);
                    done = true;
                    return false;
                }
            }
            Some(_) => {}
        }
        true
    });
    let s = start?;
    if !done {
        items.push(&sql[s..]);
    }
    let items: Vec<&str> = items.into_iter().map(str::trim).collect();
    // SELECT's own modifiers are not part of the first item's name.
    Some(
        items
            .into_iter()
            .map(|t| {
                let mut t = t;
                for m in ["DISTINCT ", "ALL ", "SQL_NO_CACHE ", "SQL_CALC_FOUND_ROWS "] {
                    if t.len() > m.len()
                        && t.get(..m.len()).is_some_and(|h| h.eq_ignore_ascii_case(m))
                    {
                        t = t[m.len()..].trim_start();
                    }
                }
                t
            })
            .collect(),
    )
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'@' || c == b'$' || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_outside_quotes_and_comments() {
        assert_eq!(
            statements("select 1; select ';' ; -- x;\n select \"a;b\"; /* ; */ ;"),
            vec!["select 1", " select ';' ", " -- x;\n select \"a;b\""]
        );
        assert_eq!(statements("  "), Vec::<&str>::new());
    }

    #[test]
    fn leading_words_skip_comments() {
        assert_eq!(
            leading_words("/* hi */ show  slave\tstatus", 3),
            vec!["SHOW", "SLAVE", "STATUS"]
        );
        assert_eq!(
            leading_words("/*!40101 SET NAMES utf8 */", 2),
            vec!["SET", "NAMES"]
        );
        assert_eq!(
            leading_words("SET @@session.x=1", 2),
            vec!["SET", "@@SESSION"]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(sql in "\\PC{0,40}") {
            let _ = statements(&sql);
            let _ = strip_comments(&sql);
            let _ = leading_words(&sql, 3);
            let _ = select_item_texts(&sql);
        }

        #[test]
        fn never_panics_on_sql_like_text(sql in "(SELECT|select|FROM|é|'|\"|`|;|,|\\(|\\)|/\\*!?|\\*/|-- |#|\n| |x|1)*") {
            let _ = statements(&sql);
            let _ = strip_comments(&sql);
            let _ = leading_words(&sql, 3);
            let _ = select_item_texts(&sql);
        }
    }

    #[test]
    fn multibyte_text_survives() {
        assert_eq!(strip_comments("SELECT é, 'ü' /* ö */"), "SELECT é, 'ü'  ");
        assert_eq!(
            select_item_texts("SELECT é, 'ü' FROM t").unwrap(),
            vec!["é", "'ü'"]
        );
    }

    #[test]
    fn select_items_as_typed() {
        assert_eq!(
            select_item_texts("select @@version_comment limit 1").unwrap(),
            vec!["@@version_comment"]
        );
        assert_eq!(
            select_item_texts("SELECT 1+1, concat('a,b', (1,2)) AS x FROM t").unwrap(),
            vec!["1+1", "concat('a,b', (1,2)) AS x"]
        );
        assert_eq!(select_item_texts("SELECT USER()").unwrap(), vec!["USER()"]);
        assert!(select_item_texts("SHOW TABLES").is_none());
    }
}
