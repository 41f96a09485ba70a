//! CREATE / DROP PROCEDURE and FUNCTION, read for the catalog (what SHOW CREATE
//! PROCEDURE and information_schema.ROUTINES show). The master logs a routine's CREATE
//! in the form SHOW CREATE prints (`CREATE DEFINER=... PROCEDURE `p`(params)`, then one
//! characteristic per indented line, then the body), so the text from the parameter list
//! on is kept as it is. The bodies are not run: a CALL's statements are logged one by one.

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{DdlContext, DdlOp};
use crate::sqlerror::SqlError;
use crate::store::catalog::RoutineDef;

/// MariaDB's sql_mode bits by name, lowest first (as SHOW CREATE lists them).
const SQL_MODES: &[&str] = &[
    "REAL_AS_FLOAT",
    "PIPES_AS_CONCAT",
    "ANSI_QUOTES",
    "IGNORE_SPACE",
    "IGNORE_BAD_TABLE_OPTIONS",
    "ONLY_FULL_GROUP_BY",
    "NO_UNSIGNED_SUBTRACTION",
    "NO_DIR_IN_CREATE",
    "POSTGRESQL",
    "ORACLE",
    "MSSQL",
    "DB2",
    "MAXDB",
    "NO_KEY_OPTIONS",
    "NO_TABLE_OPTIONS",
    "NO_FIELD_OPTIONS",
    "MYSQL323",
    "MYSQL40",
    "ANSI",
    "NO_AUTO_VALUE_ON_ZERO",
    "NO_BACKSLASH_ESCAPES",
    "STRICT_TRANS_TABLES",
    "STRICT_ALL_TABLES",
    "NO_ZERO_IN_DATE",
    "NO_ZERO_DATE",
    "ALLOW_INVALID_DATES",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "TRADITIONAL",
    "NO_AUTO_CREATE_USER",
    "HIGH_NOT_PRECEDENCE",
    "NO_ENGINE_SUBSTITUTION",
    "PAD_CHAR_TO_FULL_LENGTH",
    "EMPTY_STRING_IS_NULL",
    "SIMULTANEOUS_ASSIGNMENT",
    "TIME_ROUND_FRACTIONAL",
];

/// sql_mode's text, as `@@sql_mode` shows it.
pub fn sql_mode_names(mode: u64) -> String {
    SQL_MODES
        .iter()
        .enumerate()
        .filter(|(i, _)| mode & (1u64 << i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// CREATE [OR REPLACE] [DEFINER=...] [AGGREGATE] {PROCEDURE|FUNCTION} [IF NOT EXISTS] name
/// ... and DROP {PROCEDURE|FUNCTION} [IF EXISTS] name; `None` for other statements and
/// for loadable functions (CREATE FUNCTION ... SONAME), which hold no SQL.
pub fn routine(sql: &str, ctx: &DdlContext<'_>) -> Result<Option<DdlOp>, SqlError> {
    let words = crate::sql::split::leading_words(sql, 12);
    let kind = match words
        .iter()
        .take(10)
        .find(|w| *w == "PROCEDURE" || *w == "FUNCTION")
    {
        Some(k) => k.clone(),
        None => return Ok(None),
    };
    if !matches!(words.first().map(String::as_str), Some("CREATE" | "DROP"))
        || words.iter().any(|w| w == "SONAME")
    {
        return Ok(None);
    }
    let toks: Vec<(Token, usize)> = located_tokens(sql)?;
    let bad = || SqlError::not_supported(&format!("this {kind} statement"));
    let is_kw = |i: usize, kw: &str| matches!(toks.get(i), Some((Token::Word(w), _)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    let mut i = toks
        .iter()
        .position(|(t, _)| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(&kind)))
        .ok_or_else(bad)?;
    // DEFINER=..., between CREATE and the kind: its text as written.
    let definer = match sql[..toks[i].1].to_ascii_uppercase().find("DEFINER") {
        Some(at) => {
            let after = sql[at + "DEFINER".len()..toks[i].1].trim();
            let user = after.trim_start_matches('=').trim();
            let user = user
                .strip_suffix("AGGREGATE")
                .or_else(|| user.strip_suffix("aggregate"))
                .unwrap_or(user)
                .trim();
            definer_text(user)
        }
        None => "`root`@`localhost`".to_string(),
    };
    let drop = is_kw(0, "DROP");
    i += 1;
    let mut if_exists = false;
    if is_kw(i, "IF") {
        if_exists = true;
        i += if is_kw(i + 1, "NOT") { 3 } else { 2 };
    }
    // A name: a word, or "quoted" under ANSI_QUOTES.
    let word = |i: usize| match toks.get(i) {
        Some((Token::Word(w), _)) => Some(w.value.clone()),
        Some((Token::DoubleQuotedString(s), _)) => Some(s.clone()),
        _ => None,
    };
    let (db, name, next) = match (word(i), toks.get(i + 1)) {
        (Some(d), Some((Token::Period, _))) => (Some(d), word(i + 2).ok_or_else(bad)?, i + 3),
        (Some(n), _) => (None, n, i + 1),
        _ => return Err(bad()),
    };
    let db = match db.or_else(|| ctx.db.map(str::to_string)) {
        Some(d) => d,
        None => return Err(SqlError::new(1046, "No database selected".into())),
    };
    if drop {
        return Ok(Some(DdlOp::DropRoutine {
            db,
            kind,
            name,
            if_exists,
        }));
    }
    let Some((Token::LParen, open)) = toks.get(next) else {
        return Err(bad());
    };
    let rest = &sql[*open..];
    let def = read_rest(rest, &kind).ok_or_else(bad)?;
    Ok(Some(DdlOp::CreateRoutine {
        def: RoutineDef {
            db,
            name: name.clone(),
            kind: kind.clone(),
            definer: definer.replace('`', ""),
            create: format!(
                "CREATE DEFINER={definer} {kind} `{name}`{}",
                rest.trim_end().trim_end_matches(';')
            ),
            body: def.body,
            returns: def.returns,
            deterministic: def.deterministic,
            data_access: def.data_access,
            security: def.security,
            comment: def.comment,
            sql_mode: sql_mode_names(ctx.sql_mode),
            charset_client: crate::store::collation::by_id(ctx.charset_client)
                .map_or("utf8mb3", |c| c.charset)
                .to_string(),
            collation_connection: crate::store::collation::by_id(ctx.collation_connection)
                .map_or("", |c| c.name)
                .to_string(),
            created: ctx.timestamp,
        },
        or_replace: words.get(1).is_some_and(|w| w == "OR"),
        if_not_exists: if_exists,
    }))
}

/// `user@host` as mysqld writes a definer: each part back-quoted.
fn definer_text(user: &str) -> String {
    if user.eq_ignore_ascii_case("CURRENT_USER") || user.eq_ignore_ascii_case("CURRENT_USER()") {
        return "`root`@`localhost`".to_string();
    }
    let (u, h) = user.rsplit_once('@').unwrap_or((user, "%"));
    let q = |s: &str| format!("`{}`", s.trim_matches(['`', '\'', '"']));
    format!("{}@{}", q(u), q(h))
}

/// The parts of a routine's text after its name.
struct Rest {
    returns: Option<String>,
    deterministic: bool,
    data_access: String,
    security: String,
    comment: String,
    body: String,
}

/// Reads `(params) [RETURNS type] characteristics body`.
fn read_rest(rest: &str, kind: &str) -> Option<Rest> {
    // The parameter list: to its closing parenthesis (outside quotes).
    let mut depth = 0i32;
    let mut quote = None;
    let mut close = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let mut after = rest[close? + 1..].trim_start();
    let mut out = Rest {
        returns: None,
        deterministic: false,
        data_access: "CONTAINS SQL".into(),
        security: "DEFINER".into(),
        comment: String::new(),
        body: String::new(),
    };
    if kind == "FUNCTION" {
        let upper = after.to_ascii_uppercase();
        if let Some(r) = upper.strip_prefix("RETURNS") {
            let len = after.len() - r.len();
            // The type runs to the end of its line (the master puts each characteristic
            // on a line of its own), or to the first characteristic keyword.
            let line_end = after.find('\n').unwrap_or(after.len());
            out.returns = Some(after[len..line_end].trim().to_string());
            after = after[line_end..].trim_start();
        }
    }
    // Characteristics, each a clause the body cannot start with.
    loop {
        let upper = after.to_ascii_uppercase();
        let take = |kw: &str| upper.starts_with(kw).then_some(kw.len());
        if let Some(n) = take("NOT DETERMINISTIC") {
            after = after[n..].trim_start();
        } else if let Some(n) = take("DETERMINISTIC") {
            out.deterministic = true;
            after = after[n..].trim_start();
        } else if let Some(n) = take("LANGUAGE SQL") {
            after = after[n..].trim_start();
        } else if let Some(kw) = [
            "CONTAINS SQL",
            "NO SQL",
            "READS SQL DATA",
            "MODIFIES SQL DATA",
        ]
        .into_iter()
        .find(|kw| upper.starts_with(kw))
        {
            out.data_access = kw.to_string();
            after = after[kw.len()..].trim_start();
        } else if let Some(n) = take("SQL SECURITY") {
            let r = after[n..].trim_start();
            let w: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            out.security = w.to_ascii_uppercase();
            after = r[w.len()..].trim_start();
        } else if let Some(n) = take("COMMENT") {
            let r = after[n..].trim_start();
            let q = r.chars().next().filter(|c| *c == '\'' || *c == '"')?;
            let mut text = String::new();
            let mut chars = r[1..].char_indices().peekable();
            let mut end = r.len();
            while let Some((i, c)) = chars.next() {
                if c == '\\' {
                    if let Some((_, n)) = chars.next() {
                        text.push(n);
                    }
                    continue;
                }
                if c == q {
                    if chars.peek().map(|(_, n)| *n) == Some(q) {
                        chars.next();
                        text.push(q);
                        continue;
                    }
                    end = i + 2;
                    break;
                }
                text.push(c);
            }
            out.comment = text;
            after = r[end.min(r.len())..].trim_start();
        } else {
            break;
        }
    }
    out.body = after.trim_end().trim_end_matches(';').to_string();
    Some(out)
}

/// Tokens (no whitespace) with their byte offsets in `sql`.
fn located_tokens(sql: &str) -> Result<Vec<(Token, usize)>, SqlError> {
    let toks = Tokenizer::new(&MySqlDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| SqlError::not_supported(&format!("reading this routine ({e})")))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    Ok(toks
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .map(|t| {
            let loc = t.span.start;
            let start = line_starts
                .get(loc.line.saturating_sub(1) as usize)
                .copied()
                .unwrap_or(sql.len());
            let at = sql[start..]
                .char_indices()
                .nth(loc.column.saturating_sub(1) as usize)
                .map_or(sql.len(), |(i, _)| start + i);
            (t.token, at)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> DdlContext<'static> {
        DdlContext {
            db: Some("sp"),
            collation_server: 8,
            collation_database: None,
            mysql: false,
            collation_connection: 33,
            sql_mode: 1 << 21 | 1 << 26 | 1 << 28 | 1 << 30,
            charset_client: 33,
            timestamp: 1_700_000_000,
        }
    }

    #[test]
    fn routines_read_as_the_master_logs_them() {
        let logged = "CREATE DEFINER=`root`@`localhost` PROCEDURE `p3`(OUT n INT)\n    READS SQL DATA\n    SQL SECURITY INVOKER\n    COMMENT 'c''s'\nSELECT COUNT(*) INTO n FROM i";
        let Some(DdlOp::CreateRoutine {
            def, or_replace, ..
        }) = routine(logged, &ctx()).unwrap()
        else {
            panic!()
        };
        assert!(!or_replace);
        assert_eq!(def.create, logged);
        assert_eq!(
            (def.db.as_str(), def.name.as_str(), def.kind.as_str()),
            ("sp", "p3", "PROCEDURE")
        );
        assert_eq!(def.definer, "root@localhost");
        assert_eq!(def.data_access, "READS SQL DATA");
        assert_eq!(def.security, "INVOKER");
        assert_eq!(def.comment, "c's");
        assert_eq!(def.body, "SELECT COUNT(*) INTO n FROM i");
        assert_eq!(def.sql_mode, "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION");
        let f = "CREATE DEFINER=`u`@`%` FUNCTION `f1`(x INT, y VARCHAR(10)) RETURNS int(11)\n    DETERMINISTIC\nRETURN x + 1";
        let Some(DdlOp::CreateRoutine { def, .. }) = routine(f, &ctx()).unwrap() else {
            panic!()
        };
        assert_eq!(def.returns.as_deref(), Some("int(11)"));
        assert!(def.deterministic);
        assert_eq!(def.body, "RETURN x + 1");
        assert_eq!(def.definer, "u@%");
        match routine("DROP FUNCTION IF EXISTS other.f", &ctx()).unwrap() {
            Some(DdlOp::DropRoutine {
                db,
                kind,
                name,
                if_exists,
            }) => {
                assert_eq!(
                    (db.as_str(), kind.as_str(), name.as_str(), if_exists),
                    ("other", "FUNCTION", "f", true)
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(
            routine("CREATE FUNCTION udf RETURNS INTEGER SONAME 'x.so'", &ctx())
                .unwrap()
                .is_none()
        );
        assert!(routine("CREATE TABLE t (a INT)", &ctx()).unwrap().is_none());
    }
}
