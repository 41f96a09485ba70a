//! The tokens of an account statement: words, quoted names, strings and punctuation;
//! comments skipped and versioned comments read as their contents, as mysqld reads them.

use crate::sqlerror::SqlError;

/// A token of an account statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// A keyword or an unquoted name (as written).
    Word(String),
    /// A `quoted` or "quoted" name.
    Name(String),
    /// A 'string'.
    Str(String),
    /// Punctuation: `@ , ( ) . * = ;`.
    Punct(char),
}

pub(super) fn syntax(what: &str) -> SqlError {
    SqlError::new(
        1064,
        format!("You have an error in your SQL syntax; {what}"),
    )
}

/// Splits an account statement into tokens; comments and versioned comments as mysqld
/// reads them.
pub(super) fn tokenize(sql: &str) -> Result<Vec<Tok>, SqlError> {
    let b: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let rest: String = b[i..b.len().min(i + 4)].iter().collect();
        if c.is_whitespace() {
            i += 1;
        } else if rest.starts_with("/*!") || rest.starts_with("/*M!") {
            i += if b[i + 2] == 'M' { 4 } else { 3 };
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else if rest.starts_with("*/") {
            i += 2;
        } else if rest.starts_with("/*") {
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if rest.starts_with("-- ") || c == '#' {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '\'' || c == '"' || c == '`' {
            let mut s = String::new();
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(syntax("an unterminated quoted string")),
                    Some('\\') if c != '`' => {
                        let e = *b.get(i + 1).ok_or_else(|| syntax("a dangling \\"))?;
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            'Z' => '\x1a',
                            'b' => '\x08',
                            e => e,
                        });
                        i += 2;
                    }
                    Some(&x) if x == c => {
                        if b.get(i + 1) == Some(&c) {
                            s.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push(if c == '\'' { Tok::Str(s) } else { Tok::Name(s) });
        } else if "@,().*=;".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '%' || c == '-' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || matches!(b[i], '_' | '$' | '%' | '-')) {
                i += 1;
            }
            out.push(Tok::Word(b[start..i].iter().collect()));
        } else {
            return Err(syntax(&format!("unexpected {c:?} in an account statement")));
        }
    }
    while out.last() == Some(&Tok::Punct(';')) {
        out.pop();
    }
    Ok(out)
}
