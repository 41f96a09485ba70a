//! ALTER DATABASE, which the parser reads only in other dialects' forms: read by hand.
//!
//! `ALTER {DATABASE | SCHEMA} [name] alter_option ...` where an option is
//! `[DEFAULT] {CHARACTER SET | CHARSET} [=] cs`, `[DEFAULT] COLLATE [=] coll` or
//! `COMMENT [=] 'text'`; MariaDB's `UPGRADE DATA DIRECTORY NAME` changes nothing here.
//! Without a name the statement is about the default database (1046 when there is none).

use super::{charset_collation, unsupported, DdlContext, DdlOp};
use crate::sqlerror::SqlError;

/// The ALTER DATABASE in `sql` (versioned comments already opened), or `None` when `sql`
/// is another statement.
pub(super) fn alter_database(sql: &str, ctx: &DdlContext<'_>) -> Result<Option<DdlOp>, SqlError> {
    let words = words(sql);
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    if upper(0).as_deref() != Some("ALTER")
        || !matches!(upper(1).as_deref(), Some("DATABASE" | "SCHEMA"))
    {
        return Ok(None);
    }
    let mut i = 2;
    let named = match upper(i).as_deref() {
        None => None,
        Some("DEFAULT" | "CHARACTER" | "CHARSET" | "COLLATE" | "COMMENT") => None,
        Some(_) => {
            i += 1;
            Some(words[i - 1].trim_matches('`').replace("``", "`"))
        }
    };
    if upper(i).as_deref() == Some("UPGRADE") {
        return Ok(Some(DdlOp::Nothing));
    }
    let name = match named.or_else(|| ctx.db.filter(|d| !d.is_empty()).map(str::to_string)) {
        Some(n) => n,
        None => return Err(SqlError::no_db()),
    };
    let (mut charset, mut collate) = (None, None);
    while let Some(w) = upper(i) {
        i += 1;
        match w.as_str() {
            "DEFAULT" | "=" => {}
            "CHARACTER" if upper(i).as_deref() == Some("SET") => {
                i += 1;
                charset = value(&words, &mut i);
            }
            "CHARSET" => charset = value(&words, &mut i),
            "COLLATE" => collate = value(&words, &mut i),
            "COMMENT" => {
                value(&words, &mut i);
            }
            _ => return Err(unsupported(format!("ALTER DATABASE ... {w}"))),
        }
    }
    let collation = if charset.is_none() && collate.is_none() {
        None
    } else {
        Some(charset_collation(
            charset.as_deref(),
            collate.as_deref(),
            0,
        )?)
    };
    Ok(Some(DdlOp::AlterDatabase { name, collation }))
}

/// The value after an option keyword, past an optional `=`.
fn value(words: &[String], i: &mut usize) -> Option<String> {
    if words.get(*i).map(String::as_str) == Some("=") {
        *i += 1;
    }
    let v = words.get(*i)?;
    *i += 1;
    Some(v.trim_matches(['\'', '"', '`']).to_string())
}

/// Words, `=` as a word of its own, quoted strings and `quoted` names whole, comments and a
/// trailing `;` dropped.
fn words(sql: &str) -> Vec<String> {
    let sql = crate::sql::split::strip_comments(sql);
    let sql = sql.as_str();
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b';' {
            i += 1;
        } else if c == b'=' {
            out.push("=".to_string());
            i += 1;
        } else if matches!(c, b'\'' | b'"' | b'`') {
            let mut j = i + 1;
            while j < b.len() {
                if b[j] == b'\\' && c != b'`' {
                    j += 2;
                    continue;
                }
                if b[j] == c {
                    if b.get(j + 1) == Some(&c) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            let end = (j + 1).min(b.len());
            out.push(sql[i..end].to_string());
            i = end;
        } else {
            let end = sql[i..]
                .find(|ch: char| ch.is_whitespace() || ch == '=' || ch == ';')
                .map_or(b.len(), |e| i + e);
            if end == i {
                // Whitespace beyond ASCII's (a vertical tab, U+00A0...): a separator too.
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
            out.push(sql[i..end].to_string());
            i = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(db: Option<&str>) -> DdlContext<'_> {
        DdlContext {
            db,
            collation_server: 8,
            collation_database: None,
            mysql: false,
            collation_connection: 45,
            sql_mode: 0,
            charset_client: 33,
            timestamp: 0,
        }
    }

    fn op(sql: &str, db: Option<&str>) -> Result<Option<DdlOp>, SqlError> {
        alter_database(sql, &ctx(db))
    }

    #[test]
    fn names_charsets_and_collations() {
        let utf8mb4_general_ci = 45;
        let utf8mb4_bin = 46;
        let latin1_bin = 47;
        let cases = [
            (
                "ALTER DATABASE d CHARACTER SET utf8mb4",
                "d",
                Some(utf8mb4_general_ci),
            ),
            (
                "alter schema `d` default charset = utf8mb4",
                "d",
                Some(utf8mb4_general_ci),
            ),
            (
                "ALTER DATABASE d COLLATE utf8mb4_bin",
                "d",
                Some(utf8mb4_bin),
            ),
            (
                "ALTER DATABASE `we``ird` CHARSET latin1 COLLATE latin1_bin",
                "we`ird",
                Some(latin1_bin),
            ),
            (
                "ALTER DATABASE DEFAULT CHARACTER SET=utf8mb4;",
                "cur",
                Some(utf8mb4_general_ci),
            ),
            ("ALTER DATABASE d COMMENT 'x y'", "d", None),
            (
                "ALTER /* a */ DATABASE d # b\n CHARSET utf8mb4 -- c",
                "d",
                Some(utf8mb4_general_ci),
            ),
        ];
        for (sql, name, collation) in cases {
            assert_eq!(
                op(sql, Some("cur")).unwrap(),
                Some(DdlOp::AlterDatabase {
                    name: name.into(),
                    collation
                }),
                "{sql}"
            );
        }
    }

    #[test]
    fn other_statements_and_errors() {
        assert_eq!(op("ALTER TABLE d.t ADD c INT", None).unwrap(), None);
        assert_eq!(op("CREATE DATABASE d", None).unwrap(), None);
        assert_eq!(
            op(
                "ALTER DATABASE `#mysql50#a-b` UPGRADE DATA DIRECTORY NAME",
                None
            )
            .unwrap(),
            Some(DdlOp::Nothing)
        );
        assert_eq!(
            op("ALTER DATABASE CHARSET utf8mb4", None).unwrap_err().code,
            1046
        );
        assert_eq!(
            op("ALTER DATABASE d CHARSET nosuch", None)
                .unwrap_err()
                .code,
            1115
        );
        assert_eq!(
            op("ALTER DATABASE d COLLATE nosuch", None)
                .unwrap_err()
                .code,
            1273
        );
        assert_eq!(
            op("ALTER DATABASE d READ ONLY = 1", None).unwrap_err().code,
            1235
        );
    }
}
