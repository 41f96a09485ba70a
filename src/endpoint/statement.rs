//! Statement dispatch: what a COM_QUERY statement is, and its answer. Replication admin
//! statements go to [`crate::control::Control`], SELECTs to the query engine, writes
//! get 1290.

use sqlparser::tokenizer::Token;

use super::session::{Reply, Session};
use crate::sql::parse::{self, syntax_error, unsupported};
use crate::sql::split::leading_words;
use crate::sqlerror::SqlError;

/// The read_only answer (a slave with read_only=1 gives it to every writer).
pub(super) fn read_only() -> SqlError {
    SqlError::new(
        1290,
        "The MySQL server is running with the --read-only option so it cannot execute this statement"
            .into(),
    )
}

/// Statements that change data or schema: refused on a replica.
pub(super) const WRITES: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "LOAD",
    "CREATE",
    "DROP",
    "ALTER",
    "RENAME",
    "TRUNCATE",
    "GRANT",
    "REVOKE",
    "CALL",
    "HANDLER",
    "IMPORT",
    "INSTALL",
    "UNINSTALL",
    "OPTIMIZE",
    "REPAIR",
    "ANALYZE",
    "XA",
    "PURGE",
];

impl Session {
    /// Runs one statement. Unaliased select items are named by their text in
    /// `names_from`: the statement itself, or a prepared statement's text with its `?`
    /// placeholders.
    pub async fn run_statement(&mut self, sql: &str, names_from: &str) -> Reply {
        let words = leading_words(sql, 4);
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        if words.is_empty() {
            return Reply::Err(SqlError::new(1065, "Query was empty".into()));
        }
        // SHOW WARNINGS reads the previous statement's conditions; everything else starts
        // a fresh list.
        let keeps_conditions = w(0) == "SHOW" && matches!(w(1), "WARNINGS" | "ERRORS" | "COUNT");
        if !keeps_conditions {
            self.conditions.clear();
        }
        let r = match w(0) {
            "SELECT" if w(1) == "MASTER_POS_WAIT" => self.master_pos_wait(sql).await,
            "SELECT" | "WITH" => self.select(sql, names_from),
            "SHOW" => self.show(sql, &words).await,
            "SET" => self.set(sql).await,
            "USE" => sql_word_after(sql, 0)
                .and_then(|name| self.use_database(unquote(&name)))
                .map(|()| Reply::Ok),
            "BEGIN" | "COMMIT" | "ROLLBACK" => {
                self.in_trans = w(0) == "BEGIN";
                // A transaction's snapshot is taken by its first read (REPEATABLE READ).
                self.snapshot = None;
                Ok(Reply::Ok)
            }
            "START" if w(1) == "TRANSACTION" => {
                self.in_trans = true;
                self.snapshot = None;
                let upper = sql.to_ascii_uppercase();
                if upper.contains("CONSISTENT") && upper.contains("SNAPSHOT") {
                    self.read_view().map(|_| Reply::Ok)
                } else {
                    Ok(Reply::Ok)
                }
            }
            "RESET" if w(1) == "MASTER" && words.len() == 2 => self.reset_master(),
            "CHANGE" | "START" | "STOP" | "RESET" => self.admin(sql).await,
            "FLUSH" => self.flush(&words),
            "PURGE" => self.purge(sql, &words),
            "DO" => Ok(Reply::Ok),
            "KILL" => self.kill(&words),
            first if WRITES.contains(&first) => Err(read_only()),
            "DESCRIBE" | "DESC" if !matches!(w(1), "SELECT" | "WITH" | "") => {
                self.describe_table(sql, 1, false, None)
            }
            "EXPLAIN" if !matches!(w(1), "SELECT" | "EXTENDED" | "PARTITIONS" | "FORMAT" | "") => {
                self.describe_table(sql, 1, false, None)
            }
            "DESCRIBE" | "DESC" | "EXPLAIN" => self.explain(sql),
            "TABLE" | "VALUES" => Err(unsupported(&format!("{} (the query engine)", w(0)))),
            _ => Err(self.unknown_statement(sql)),
        };
        match r {
            Ok(reply) => reply,
            Err(e) => Reply::Err(e),
        }
    }

    /// 1064 when sqlparser cannot parse it either, else 1235 naming it.
    pub(super) fn unknown_statement(&self, sql: &str) -> SqlError {
        match parse::parse_statements(sql) {
            Err(e) => e,
            Ok(_) => {
                let head: String = leading_words(sql, 2).join(" ");
                unsupported(&head)
            }
        }
    }

    /// KILL [CONNECTION | QUERY] id. KILL QUERY flags the session's running statement,
    /// which the engine stops between rows (1317); KILL CONNECTION closes the session.
    pub(super) fn kill(&mut self, words: &[String]) -> Result<Reply, SqlError> {
        let (query, id) = match words.get(1).map(String::as_str) {
            Some("QUERY") => (true, words.get(2)),
            Some("CONNECTION") => (false, words.get(2)),
            _ => (false, words.get(1)),
        };
        let Some(id) = id.and_then(|w| w.parse::<u32>().ok()) else {
            return Err(self.unknown_statement(&words.join(" ")));
        };
        let target = self
            .shared
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&id).cloned());
        let Some(target) = target else {
            return Err(SqlError::new(1094, format!("Unknown thread id: {id}")));
        };
        let owner = target
            .lock()
            .map(|p| p.user.clone())
            .map_err(|_| SqlError::new(1094, format!("Unknown thread id: {id}")))?;
        if owner != self.user && self.require_admin("CONNECTION ADMIN").is_err() {
            return Err(SqlError::new(
                1095,
                format!("You are not owner of thread {id}"),
            ));
        }
        if query {
            if let Ok(p) = target.lock() {
                p.kill_query
                    .store(true, std::sync::atomic::Ordering::Release);
            }
        } else {
            let Ok(p) = target.lock() else {
                return Err(SqlError::new(1094, format!("Unknown thread id: {id}")));
            };
            if id == self.id {
                // Closes before reading its next command, after this answer (as mysqld's
                // 1927).
                p.kill.store(true, std::sync::atomic::Ordering::Release);
                return Err(SqlError::new(1927, "Connection was killed".into()));
            }
            p.end();
        }
        Ok(Reply::Ok)
    }

    /// USE / COM_INIT_DB.
    pub fn use_database(&mut self, db: &str) -> Result<(), SqlError> {
        self.check_db(db)?;
        if !db.eq_ignore_ascii_case("information_schema") {
            let cat = self.catalog()?;
            if !cat.databases.contains_key(db) {
                return Err(SqlError::new(1049, format!("Unknown database '{db}'")));
            }
        }
        self.db = Some(db.to_string());
        if let Ok(mut p) = self.process.lock() {
            p.db = Some(db.to_string());
        }
        Ok(())
    }
}

/// The word at position `at` (0-based, comments skipped) of `sql` as typed, plus 1.
pub(super) fn sql_word_after(sql: &str, at: usize) -> Result<String, SqlError> {
    let toks = parse::tokens(sql)?;
    match toks.get(at + 1) {
        Some(Token::Word(w)) => Ok(w.value.clone()),
        _ => Err(syntax_error(sql, "Line: 1, Column: 1")),
    }
}

pub(super) fn token_text(t: Option<&Token>) -> String {
    match t {
        Some(Token::Word(w)) => w.value.clone(),
        Some(Token::SingleQuotedString(s)) | Some(Token::DoubleQuotedString(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

pub(super) fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['`', '\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// True when the statement has a FROM keyword outside quotes and comments.
pub fn has_from(sql: &str) -> bool {
    let b = sql.as_bytes();
    let mut found = false;
    crate::sql::split::visit(sql, |i| {
        if !found
            && b.len() >= i + 4
            && b[i..i + 4].eq_ignore_ascii_case(b"FROM")
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && b.get(i + 4)
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        {
            found = true;
        }
    });
    found
}
