//! A logged statement's text as UTF-8, for the SQL parser. The text is in the master
//! session's character_set_client, except literals with a charset introducer
//! (`_latin1'caf\xe9'`, `_binary'\0\xff'`), whose bytes are in their own charset: mysqld
//! logs a stored procedure's variables (NAME_CONST) so. Those are rewritten: text
//! literals re-encoded in UTF-8, binary ones as hex literals (`X'00ff'`).

use std::borrow::Cow;

use crate::binlog::events::StatusVars;
use crate::sqlerror::SqlError;

/// sql_mode's NO_BACKSLASH_ESCAPES: a backslash in a literal is itself.
const NO_BACKSLASH_ESCAPES: u64 = 1 << 20;

/// The statement `text` as UTF-8, read in the session's character_set_client; 1235 for a
/// set replicant cannot read or text that is not valid in it, rather than literals read
/// wrong.
pub(super) fn statement_text<'t>(
    text: &'t [u8],
    status: &StatusVars<'_>,
) -> Result<Cow<'t, str>, SqlError> {
    let client = match status.charset {
        Some((id, _, _)) => crate::store::charset::of_collation(id).ok_or_else(|| {
            SqlError::not_supported(&format!(
                "replaying a statement sent in the character set of collation id {id}"
            ))
        })?,
        None => "utf8mb4",
    };
    let backslash = status.sql_mode.unwrap_or(0) & NO_BACKSLASH_ESCAPES == 0;
    if !text.contains(&b'_') || find_introducer(text, 0, backslash).is_none() {
        return in_charset(text, client);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    while let Some((start, cs, body, end)) = find_introducer(text, at, backslash) {
        out.push_str(&in_charset(&text[at..start], client)?);
        let bytes = unescape(&text[body.0..body.1], backslash);
        if cs == "binary" {
            out.push_str("X'");
            for b in &bytes {
                out.push_str(&format!("{b:02x}"));
            }
            out.push('\'');
        } else {
            out.push('\'');
            for ch in in_charset(&bytes, &cs)?.chars() {
                match ch {
                    '\'' => out.push_str("''"),
                    '\\' if backslash => out.push_str("\\\\"),
                    '\0' if backslash => out.push_str("\\0"),
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        at = end;
    }
    out.push_str(&in_charset(&text[at..], client)?);
    Ok(Cow::Owned(out))
}

/// A statement read under ANSI_QUOTES (`"name"` is an identifier) and/or
/// NO_BACKSLASH_ESCAPES (a backslash in a literal is itself), rewritten for a reader with
/// mysqld's default modes: `"name"` as `` `name` ``, each literal backslash doubled.
pub(super) fn default_quoting(sql: &str, ansi_quotes: bool, no_backslash: bool) -> Cow<'_, str> {
    if !(ansi_quotes && sql.contains('"') || no_backslash && sql.contains('\\')) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                let ident = c == '`' || (c == '"' && ansi_quotes);
                let (open, close) = if ident { ('`', '`') } else { (c, c) };
                out.push(open);
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            // A doubled quote: one of it in the text.
                            if ident {
                                if c == '`' {
                                    out.push_str("``");
                                } else {
                                    out.push('"');
                                }
                            } else {
                                out.push(c);
                                out.push(c);
                            }
                            continue;
                        }
                        break;
                    }
                    match d {
                        '\\' if !ident && no_backslash => out.push_str("\\\\"),
                        '\\' if !ident => {
                            // An escape: the backslash and what it escapes.
                            out.push(d);
                            if let Some(e) = chars.next() {
                                out.push(e);
                            }
                        }
                        '`' if ident && c != '`' => out.push_str("``"),
                        d => out.push(d),
                    }
                }
                out.push(close);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `bytes` of charset `cs` as UTF-8.
fn in_charset<'t>(bytes: &'t [u8], cs: &str) -> Result<Cow<'t, str>, SqlError> {
    crate::store::charset::decode(bytes, cs).ok_or_else(|| {
        SqlError::not_supported(&format!(
            "replaying a statement whose text is not valid {cs} (binary data in a string literal, or a character set replicant cannot read)"
        ))
    })
}

/// The next introduced literal from `at`: where it starts, its charset, its body's byte
/// range (between the quotes) and where it ends. Quoted text, quoted names and comments
/// are passed over.
fn find_introducer(
    text: &[u8],
    mut at: usize,
    backslash: bool,
) -> Option<(usize, String, (usize, usize), usize)> {
    while at < text.len() {
        match text[at] {
            q @ (b'\'' | b'"' | b'`') => at = skip_quoted(text, at, q, backslash && q != b'`').1,
            b'/' if text.get(at + 1) == Some(&b'*') => {
                at = find(text, at + 2, b"*/").map_or(text.len(), |e| e + 2)
            }
            b'#' => at = find(text, at, b"\n").map_or(text.len(), |e| e + 1),
            b'-' if text.get(at + 1) == Some(&b'-')
                && text.get(at + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                at = find(text, at, b"\n").map_or(text.len(), |e| e + 1)
            }
            b'_' if at == 0 || !is_word(text[at - 1]) => {
                let name_end = (at + 1..text.len())
                    .find(|&i| !is_word(text[i]))
                    .unwrap_or(text.len());
                let name = String::from_utf8_lossy(&text[at + 1..name_end]).to_ascii_lowercase();
                let quote = text.get(name_end).copied();
                let known =
                    name == "binary" || crate::store::collation::default_for(&name).is_some();
                if known && matches!(quote, Some(b'\'' | b'"')) {
                    let q = quote.unwrap_or(b'\'');
                    let (body_end, end) = skip_quoted(text, name_end, q, backslash);
                    return Some((at, name, (name_end + 1, body_end), end));
                }
                at = name_end.max(at + 1);
            }
            _ => at += 1,
        }
    }
    None
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn find(text: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    text.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The quoted text opening at `at` (quote `q`): where its body ends (the closing quote)
/// and where the text after it starts. A doubled quote, or (with `backslash`) a
/// backslash, takes the next byte into the body.
fn skip_quoted(text: &[u8], at: usize, q: u8, backslash: bool) -> (usize, usize) {
    let mut i = at + 1;
    while i < text.len() {
        let b = text[i];
        if backslash && b == b'\\' {
            i += 2;
            continue;
        }
        if b == q {
            if text.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return (i, i + 1);
        }
        i += 1;
    }
    (text.len(), text.len())
}

/// A literal's body with its escapes read (`''`, and with `backslash` `\0 \n \t \r \b
/// \Z` and `\x` for x itself).
fn unescape(body: &[u8], backslash: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if backslash && b == b'\\' && i + 1 < body.len() {
            out.push(match body[i + 1] {
                b'0' => 0,
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'b' => 8,
                b'Z' => 26,
                c => c,
            });
            i += 2;
            continue;
        }
        if (b == b'\'' || b == b'"') && body.get(i + 1) == Some(&b) {
            out.push(b);
            i += 2;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf8(text: &[u8]) -> String {
        statement_text(text, &StatusVars::default())
            .unwrap()
            .into_owned()
    }

    #[test]
    fn introduced_literals_take_their_own_charset() {
        // As MariaDB logs a CALL's variables from a utf8 session: latin1 bytes (the lead
        // byte of what looks like a broken UTF-8 sequence escaped), binary bytes.
        assert_eq!(
            utf8(b"INSERT INTO t VALUES ( NAME_CONST('s',_latin1'h\\\xe9llo' COLLATE 'latin1_swedish_ci'), NAME_CONST('b',_binary'\\0\xff' COLLATE 'binary'), _utf8mb4'caf\xc3\xa9', 'plain _latin1''x''')"),
            "INSERT INTO t VALUES ( NAME_CONST('s','h\u{e9}llo' COLLATE 'latin1_swedish_ci'), NAME_CONST('b',X'00ff' COLLATE 'binary'), 'caf\u{e9}', 'plain _latin1''x''')"
        );
        assert_eq!(
            utf8(b"SELECT _latin1'it''s \\\\ \\'q\\''"),
            "SELECT 'it''s \\\\ ''q'''"
        );
        // Not introducers: a name, a comment, an unknown charset.
        for same in [
            &b"SELECT my_latin1 FROM t"[..],
            b"SELECT 1 /* _latin1'x' */",
            b"SELECT _nope'x'",
        ] {
            assert_eq!(utf8(same).as_bytes(), same);
        }
        assert_eq!(
            statement_text(b"SELECT 'caf\xe9'", &StatusVars::default())
                .unwrap_err()
                .code,
            1235
        );
    }

    #[test]
    fn ansi_quotes_and_literal_backslashes_read_as_by_default() {
        assert_eq!(
            default_quoting(
                "UPDATE \"t\" SET \"a\" = 'x\"y' WHERE \"b\"\"c\" = 1",
                true,
                false
            ),
            "UPDATE `t` SET `a` = 'x\"y' WHERE `b\"c` = 1"
        );
        assert_eq!(
            default_quoting("INSERT INTO t VALUES ('C:\\dir\\', 'it''s')", false, true),
            "INSERT INTO t VALUES ('C:\\\\dir\\\\', 'it''s')"
        );
        assert_eq!(
            default_quoting("SELECT 'a\\'b'", false, false),
            "SELECT 'a\\'b'"
        );
        assert_eq!(default_quoting("SELECT \"s\"", false, true), "SELECT \"s\"");
    }

    proptest::proptest! {
        #[test]
        fn any_text_converts_or_errs(text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let mut t = b"_latin1'".to_vec();
            t.extend(text);
            let _ = statement_text(&t, &StatusVars::default());
        }
    }
}
