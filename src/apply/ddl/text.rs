//! Statement text rewritten before parsing: versioned comments opened, MySQL spellings
//! the parser lacks replaced, and ALTER TABLE's table options taken out.

use super::charset_collation;
use crate::sqlerror::SqlError;

/// mysqld executes the body of `/*!NNNNN ... */` and `/*M!NNNNNN ... */`; sqlparser would
/// skip them as comments, so they are opened up first.
pub(super) fn unwrap_versioned_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find("/*") {
        let after = &rest[i + 2..];
        let body = after.strip_prefix('!').or_else(|| after.strip_prefix("M!"));
        match body {
            Some(body) => {
                out.push_str(&rest[..i]);
                let body = body.trim_start_matches(|c: char| c.is_ascii_digit());
                match body.find("*/") {
                    Some(end) => {
                        out.push_str(&body[..end]);
                        rest = &body[end + 2..];
                    }
                    None => {
                        out.push_str(body);
                        rest = "";
                    }
                }
            }
            None => {
                // An ordinary comment: keep it whole (quoted text cannot hold "/*!" in DDL
                // that matters here).
                let end = after.find("*/").map_or(rest.len(), |e| i + 2 + e + 2);
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Table options the parser does not accept inside ALTER TABLE; they do not change rows.
const TABLE_OPTIONS: &[&str] = &[
    "ENGINE",
    "COMMENT",
    "AUTO_INCREMENT",
    "ROW_FORMAT",
    "KEY_BLOCK_SIZE",
    "STATS_PERSISTENT",
    "STATS_AUTO_RECALC",
    "STATS_SAMPLE_PAGES",
    "AVG_ROW_LENGTH",
    "CHECKSUM",
    "PACK_KEYS",
    "MAX_ROWS",
    "MIN_ROWS",
    "DELAY_KEY_WRITE",
    "PAGE_CHECKSUM",
    "TRANSACTIONAL",
    "FORCE",
    "ENCRYPTED",
    "ENCRYPTION_KEY_ID",
    "PAGE_COMPRESSED",
    "PAGE_COMPRESSION_LEVEL",
    "INSERT_METHOD",
    "DATA",
    "INDEX",
    "TABLESPACE",
    "UNION",
    "IETF_QUOTES",
    "SEQUENCE",
];

/// Splits `s` at commas outside parentheses and quotes.
pub(super) fn split_top_level(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let (mut depth, mut start, mut i) = (0i32, 0, 0);
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => {
                let q = b[i];
                i = b[i + 1..]
                    .iter()
                    .position(|&x| x == q)
                    .map_or(b.len(), |p| i + 1 + p);
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start.min(s.len())..]);
    out
}

/// What the table options of an ALTER TABLE change in the catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct TableOptions {
    /// DEFAULT CHARSET / COLLATE: the default for columns added later.
    pub collation: Option<u16>,
    /// CONVERT TO CHARACTER SET: every character column and the default.
    pub convert: Option<u16>,
    /// ENGINE=.
    pub engine: Option<String>,
    /// AUTO_INCREMENT=.
    pub auto_increment: Option<u64>,
}

/// For `ALTER TABLE t <ops>`: removes the table options among the ops. Returns the
/// statement left to parse (empty when nothing but options remained), and — when any
/// option was removed — the statement's head (`ALTER TABLE t`) with what the options
/// change.
pub(super) fn take_alter_table_options(
    sql: &str,
) -> Result<(String, Option<(String, TableOptions)>), SqlError> {
    let words: Vec<&str> = sql.split_whitespace().take(4).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let table_at = match upper.as_slice() {
        [a, t, ..] if a == "ALTER" && t == "TABLE" => 2,
        [a, m, t, ..] if a == "ALTER" && (m == "ONLINE" || m == "IGNORE") && t == "TABLE" => 3,
        _ => return Ok((sql.to_string(), None)),
    };
    // The head runs to the end of the table name (a word, possibly `quoted`.`parts`).
    let mut pos = 0;
    for _ in 0..table_at {
        let w = sql[pos..].trim_start();
        pos = sql.len() - w.len();
        pos += w.find(char::is_whitespace).unwrap_or(w.len());
    }
    let rest = sql[pos..].trim_start();
    pos = sql.len() - rest.len();
    let b = sql.as_bytes();
    while pos < b.len() && !b[pos].is_ascii_whitespace() {
        if b[pos] == b'`' {
            pos = b[pos + 1..]
                .iter()
                .position(|&x| x == b'`')
                .map_or(b.len(), |p| pos + 1 + p);
        }
        pos += 1;
    }
    let pos = pos.min(sql.len());
    let (head, ops) = sql.split_at(pos);
    let mut kept = Vec::new();
    let mut collation = None;
    let mut convert = None;
    let mut engine = None;
    let mut auto_increment = None;
    let mut removed = false;
    for op in split_top_level(ops) {
        let t = op.trim();
        let first = t
            .split(|c: char| c.is_whitespace() || c == '=')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let mut ws = t
            .split(|c: char| c.is_whitespace() || c == '=')
            .filter(|w| !w.is_empty());
        let w: Vec<String> = ws
            .by_ref()
            .take(4)
            .map(|x| x.to_ascii_uppercase())
            .collect();
        let value_after = |n: usize| {
            t.split(|c: char| c.is_whitespace() || c == '=')
                .filter(|w| !w.is_empty())
                .nth(n)
                .map(|v| v.trim_matches(['\'', '"', '`']).to_string())
        };
        let is_option = TABLE_OPTIONS.contains(&first.as_str())
            && !(first == "INDEX" || first == "FORCE" && w.len() > 1)
            && (t.contains('=') || w.len() == 2 || first == "FORCE");
        match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["CONVERT", "TO", ..] => {
                convert = Some(convert_to(t)?);
                removed = true;
            }
            ["DEFAULT", "CHARSET", ..] | ["CHARSET", ..] => {
                let n = if w[0] == "DEFAULT" { 2 } else { 1 };
                if let Some(v) = value_after(n) {
                    collation = Some(charset_collation(Some(&v), None, 0)?);
                }
                removed = true;
            }
            ["DEFAULT", "CHARACTER", "SET", ..] | ["CHARACTER", "SET", ..] => {
                let n = if w[0] == "DEFAULT" { 3 } else { 2 };
                if let Some(v) = value_after(n) {
                    collation = Some(charset_collation(Some(&v), None, 0)?);
                }
                removed = true;
            }
            ["DEFAULT", "COLLATE", ..] | ["COLLATE", ..] => {
                let n = if w[0] == "DEFAULT" { 2 } else { 1 };
                if let Some(v) = value_after(n) {
                    collation = Some(charset_collation(None, Some(&v), 0)?);
                }
                removed = true;
            }
            _ if is_option => {
                if first == "ENGINE" {
                    engine = value_after(1);
                }
                if first == "AUTO_INCREMENT" {
                    auto_increment = value_after(1).and_then(|v| v.parse().ok());
                }
                removed = true
            }
            _ => kept.push(t),
        }
    }
    if !removed {
        return Ok((sql.to_string(), None));
    }
    let options = TableOptions {
        collation,
        convert,
        engine,
        auto_increment,
    };
    if kept.is_empty() {
        return Ok((String::new(), Some((head.to_string(), options))));
    }
    if collation.is_some() || convert.is_some() {
        return Err(SqlError::not_supported(
            "ALTER TABLE changing the default character set together with other changes",
        ));
    }
    Ok((
        format!("{head} {}", kept.join(", ")),
        Some((head.to_string(), options)),
    ))
}

/// The collation of `CONVERT TO {CHARACTER SET | CHARSET} [=] cs [COLLATE [=] coll]`.
fn convert_to(op: &str) -> Result<u16, SqlError> {
    let words: Vec<&str> = op
        .split(|c: char| c.is_whitespace() || c == '=')
        .filter(|w| !w.is_empty())
        .collect();
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    let mut i = match upper(2).as_deref() {
        Some("CHARACTER") if upper(3).as_deref() == Some("SET") => 4,
        Some("CHARSET") => 3,
        _ => return Err(SqlError::not_supported(&format!("ALTER TABLE ... {op}"))),
    };
    let unquote = |w: &str| w.trim_matches(['\'', '"', '`']).to_string();
    let charset = words.get(i).map(|w| unquote(w));
    i += 1;
    let collate = match upper(i).as_deref() {
        Some("COLLATE") => words.get(i + 1).map(|w| unquote(w)),
        None => None,
        Some(_) => return Err(SqlError::not_supported(&format!("ALTER TABLE ... {op}"))),
    };
    if charset
        .as_deref()
        .is_none_or(|c| c.eq_ignore_ascii_case("DEFAULT"))
    {
        return Err(SqlError::not_supported(
            "ALTER TABLE ... CONVERT TO CHARACTER SET DEFAULT",
        ));
    }
    charset_collation(charset.as_deref(), collate.as_deref(), 0)
}

/// Rewrites MySQL spellings the parser lacks into ones it has, outside quoted text:
/// `DROP KEY` → `DROP INDEX`, and MariaDB's `AS (expr) PERSISTENT` → `STORED`.
pub(super) fn mysql_spellings(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut last_word_drop = false;
    let mut after_paren = false;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'\'' | b'"' | b'`') {
            let end = b[i + 1..]
                .iter()
                .position(|&x| x == c)
                .map_or(b.len(), |p| i + 1 + p + 1);
            out.push_str(&sql[i..end]);
            i = end;
            last_word_drop = false;
            after_paren = false;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = b[i..]
                .iter()
                .position(|x| !(x.is_ascii_alphanumeric() || *x == b'_'))
                .map_or(b.len(), |p| i + p);
            let word = &sql[i..end];
            if last_word_drop && word.eq_ignore_ascii_case("KEY") {
                out.push_str("INDEX");
            } else if after_paren && word.eq_ignore_ascii_case("PERSISTENT") {
                out.push_str("STORED");
            } else {
                out.push_str(word);
            }
            last_word_drop = word.eq_ignore_ascii_case("DROP");
            after_paren = false;
            i = end;
        } else {
            if !c.is_ascii_whitespace() {
                last_word_drop = false;
                after_paren = c == b')';
            }
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}
