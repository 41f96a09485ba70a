//! CREATE [OR REPLACE] / ALTER VIEW and DROP VIEW, read by their tokens: the clauses
//! before VIEW, the name, the column list, and the SELECT kept as the text the master
//! logged (mysqld logs the definition it stores).

use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use super::{DdlContext, DdlOp};
use crate::sqlerror::SqlError;
use crate::store::catalog::ViewDef;

/// The view statement `sql` is, `None` when it is not one.
pub fn view(sql: &str, ctx: &DdlContext<'_>) -> Result<Option<DdlOp>, SqlError> {
    // Up to VIEW: CREATE OR REPLACE ALGORITHM = x DEFINER = `u`@`h` SQL SECURITY y VIEW.
    let words = crate::sql::split::leading_words(sql, 24);
    let verb = words.first().map(String::as_str).unwrap_or("");
    if !matches!(verb, "CREATE" | "ALTER" | "DROP") || !words.iter().any(|w| w == "VIEW") {
        return Ok(None);
    }
    let bad = || SqlError::not_supported("this VIEW statement");
    let tokens: Vec<TokenWithSpan> = Tokenizer::new(&sqlparser::dialect::MySqlDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| crate::sql::parse::syntax_error(sql, &e.to_string()))?
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let kw = |i: usize, k: &str| {
        matches!(tokens.get(i).map(|t| &t.token),
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
    };
    let word = |i: usize| match tokens.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(w.value.clone()),
        _ => None,
    };
    let default_db = || {
        ctx.db
            .map(str::to_string)
            .ok_or_else(|| SqlError::new(1046, "No database selected".into()))
    };
    // [db.]name at `i`: the name and the next position.
    let name_at = |i: usize| -> Result<((String, String), usize), SqlError> {
        let a = word(i).ok_or_else(bad)?;
        if matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Period)) {
            Ok(((a, word(i + 2).ok_or_else(bad)?), i + 3))
        } else {
            Ok(((default_db()?, a), i + 1))
        }
    };
    let at = (0..tokens.len()).find(|&i| kw(i, "VIEW")).ok_or_else(bad)?;
    if verb == "DROP" {
        let mut i = at + 1;
        let if_exists = kw(i, "IF") && kw(i + 1, "EXISTS");
        if if_exists {
            i += 2;
        }
        let mut names = Vec::new();
        loop {
            let (name, next) = name_at(i)?;
            names.push(name);
            if !matches!(tokens.get(next).map(|t| &t.token), Some(Token::Comma)) {
                break;
            }
            i = next + 1;
        }
        return Ok(Some(DdlOp::DropViews { names, if_exists }));
    }
    // The clauses before VIEW.
    let mut or_replace = false;
    let mut algorithm = "UNDEFINED".to_string();
    let mut definer = "`root`@`localhost`".to_string();
    let mut security = "DEFINER".to_string();
    let mut i = 1;
    while i < at {
        if kw(i, "OR") && kw(i + 1, "REPLACE") {
            or_replace = true;
            i += 2;
        } else if kw(i, "ALGORITHM") {
            algorithm = word(i + 2).ok_or_else(bad)?.to_ascii_uppercase();
            i += 3;
        } else if kw(i, "DEFINER") {
            // DEFINER = user [@ host], each part quoted or not.
            let part = |j: usize| match tokens.get(j).map(|t| &t.token) {
                Some(Token::Word(w)) => Some(w.value.clone()),
                Some(Token::SingleQuotedString(s)) | Some(Token::DoubleQuotedString(s)) => {
                    Some(s.clone())
                }
                _ => None,
            };
            let user = part(i + 2).ok_or_else(bad)?;
            let mut j = i + 3;
            let host = if matches!(tokens.get(j).map(|t| &t.token), Some(Token::AtSign)) {
                j += 2;
                part(j - 1).ok_or_else(bad)?
            } else if let Some(Token::Word(w)) = tokens.get(j).map(|t| &t.token) {
                // `user`@`host` may tokenize as a word starting with @.
                match w.value.strip_prefix('@') {
                    Some(h) => {
                        j += 1;
                        h.trim_matches('`').to_string()
                    }
                    None => "%".into(),
                }
            } else {
                "%".into()
            };
            definer = format!("`{user}`@`{host}`");
            i = j;
        } else if kw(i, "SQL") && kw(i + 1, "SECURITY") {
            security = word(i + 2).ok_or_else(bad)?.to_ascii_uppercase();
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut i = at + 1;
    let if_not_exists = kw(i, "IF") && kw(i + 1, "NOT") && kw(i + 2, "EXISTS");
    if if_not_exists {
        i += 3;
    }
    let ((db, name), mut i) = name_at(i)?;
    let mut columns = Vec::new();
    if matches!(tokens.get(i).map(|t| &t.token), Some(Token::LParen)) {
        i += 1;
        loop {
            columns.push(word(i).ok_or_else(bad)?);
            i += 1;
            match tokens.get(i).map(|t| &t.token) {
                Some(Token::Comma) => i += 1,
                Some(Token::RParen) => {
                    i += 1;
                    break;
                }
                _ => return Err(bad()),
            }
        }
    }
    if !kw(i, "AS") {
        return Err(bad());
    }
    let start = tokens
        .get(i + 1)
        .and_then(|t| offset(sql, t.span.start))
        .ok_or_else(bad)?;
    let mut definition = sql[start..].trim_end().trim_end_matches(';').trim_end();
    let mut check_option = "NONE".to_string();
    let upper = definition.to_ascii_uppercase();
    for (suffix, option) in [
        (" WITH CASCADED CHECK OPTION", "CASCADED"),
        (" WITH LOCAL CHECK OPTION", "LOCAL"),
        (" WITH CHECK OPTION", "CASCADED"),
    ] {
        if upper.ends_with(suffix) {
            definition = definition[..definition.len() - suffix.len()].trim_end();
            check_option = option.into();
            break;
        }
    }
    let (charset_client, collation_connection) =
        crate::store::collation::by_id(ctx.collation_connection).map_or(
            ("utf8mb4".to_string(), "utf8mb4_general_ci".to_string()),
            |c| (c.charset.to_string(), c.name.to_string()),
        );
    Ok(Some(DdlOp::CreateView {
        view: ViewDef {
            db,
            name,
            definition: definition.to_string(),
            columns,
            algorithm,
            definer,
            security,
            check_option,
            charset_client,
            collation_connection,
        },
        or_replace,
        if_not_exists,
        alter: verb == "ALTER",
    }))
}

/// The byte offset in `sql` of a tokenizer location (1-based line and character column).
fn offset(sql: &str, at: Location) -> Option<usize> {
    let mut line_start = 0;
    for (n, l) in sql.split_inclusive('\n').enumerate() {
        if n + 1 == at.line as usize {
            return l
                .char_indices()
                .nth((at.column as usize).checked_sub(1)?)
                .map(|(i, _)| line_start + i);
        }
        line_start += l.len();
    }
    None
}
