//! Variables: SET of session, global and user variables, and what expressions read of the
//! session (its [`Env`]).

use sqlparser::tokenizer::Token;

use super::session::{Reply, Session};
use super::show::default_collation;
use super::statement::{read_only, token_text};
use super::vars::{self, Scope};
use crate::sql::engine;
use crate::sql::env::Env;
use crate::sql::parse::{self, syntax_error, unsupported};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;

impl Session {
    pub(super) fn globals(&self) -> Vec<(&'static str, (Scope, Value))> {
        self.shared
            .globals
            .lock()
            .map(|g| g.iter().map(|(k, v)| (*k, v.clone())).collect())
            .unwrap_or_default()
    }

    pub(super) async fn set(&mut self, sql: &str) -> Result<Reply, SqlError> {
        let toks = parse::tokens(sql)?;
        let up = |i: usize| match toks.get(i) {
            Some(Token::Word(w)) => w.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        match up(1).as_str() {
            "PASSWORD" => return Err(read_only()),
            "ROLE" => {
                let role = match toks.get(2) {
                    Some(Token::Word(w)) => w.value.clone(),
                    Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => s.clone(),
                    _ => return Err(parse::syntax_error(sql, "Line: 1, Column: 10")),
                };
                let acl = self.shared.acl_now();
                let ok = match &mut self.principal {
                    Some(p) => acl.set_role(p, &role),
                    // A local account has no roles.
                    None => role.eq_ignore_ascii_case("NONE"),
                };
                if !ok {
                    return Err(SqlError::new(
                        1959,
                        format!("Invalid role specification `{role}`"),
                    ));
                }
                return Ok(Reply::Ok);
            }
            "NAMES" => {
                let cs = token_text(toks.get(2)).to_ascii_lowercase();
                let coll = if up(3) == "COLLATE" {
                    Some(token_text(toks.get(4)).to_ascii_lowercase())
                } else {
                    None
                };
                if cs != "default" {
                    let coll = coll.unwrap_or_else(|| default_collation(&cs));
                    for n in [
                        "character_set_client",
                        "character_set_connection",
                        "character_set_results",
                    ] {
                        self.vars.insert(n, Value::Text(cs.clone()));
                    }
                    self.vars.insert("collation_connection", Value::Text(coll));
                }
                return Ok(Reply::Ok);
            }
            "CHARACTER" | "CHARSET" => {
                let at = if up(1) == "CHARACTER" { 3 } else { 2 };
                let cs = token_text(toks.get(at)).to_ascii_lowercase();
                for n in ["character_set_client", "character_set_results"] {
                    self.vars.insert(n, Value::Text(cs.clone()));
                }
                return Ok(Reply::Ok);
            }
            _ => {}
        }
        // SET [GLOBAL|SESSION] TRANSACTION ...: isolation and access mode of reads.
        let tx_at = if matches!(up(1).as_str(), "GLOBAL" | "SESSION" | "LOCAL") {
            2
        } else {
            1
        };
        if up(tx_at) == "TRANSACTION" {
            if up(1) == "GLOBAL" {
                self.require_admin("SUPER")?;
            }
            return Ok(Reply::Ok);
        }
        // Assignments separated by top-level commas.
        let mut i = 1;
        let mut pending: Vec<(bool, String, Vec<Token>)> = Vec::new();
        while i < toks.len() {
            let mut global = false;
            let mut name;
            match up(i).as_str() {
                "GLOBAL" => {
                    global = true;
                    i += 1;
                }
                "SESSION" | "LOCAL" => i += 1,
                _ => {}
            }
            name = token_text(toks.get(i));
            i += 1;
            let lname = name.to_ascii_lowercase();
            if let Some(scope) = ["@@global", "@@session", "@@local"]
                .iter()
                .find(|s| lname == **s)
            {
                global = *scope == "@@global";
                if toks.get(i) != Some(&Token::Period) {
                    return Err(syntax_error(sql, "Line: 1, Column: 1"));
                }
                name = token_text(toks.get(i + 1));
                i += 2;
            } else if let Some(rest) = name.strip_prefix("@@") {
                name = rest.to_string();
            }
            if !matches!(toks.get(i), Some(Token::Eq) | Some(Token::Assignment)) {
                return Err(self.unknown_statement(sql));
            }
            i += 1;
            let start = i;
            let mut depth = 0i32;
            while i < toks.len() {
                match &toks[i] {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    Token::Comma if depth == 0 => break,
                    _ => {}
                }
                i += 1;
            }
            let value = toks[start..i].to_vec();
            if value.is_empty() {
                return Err(syntax_error(sql, "Line: 1, Column: 1"));
            }
            i += 1;
            pending.push((global, name, value));
        }
        for (global, name, value) in pending {
            if let Some(user_var) = name.strip_prefix('@') {
                let v = self.eval_tokens(&value)?;
                self.user_vars.insert(user_var.to_string(), v);
                continue;
            }
            self.set_variable(global, &name, &value).await?;
        }
        Ok(Reply::Ok)
    }

    /// The value of an expression (SET's right-hand side), by the query engine.
    pub(super) fn eval_tokens(&mut self, toks: &[Token]) -> Result<Value, SqlError> {
        let text: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
        let text = text.join(" ");
        let expr = parse::parse_expr(&text)?;
        self.without_snapshot(|s| s.with_engine(&text, |cx| engine::eval_expr(&expr, cx)))
    }

    pub(super) async fn set_variable(
        &mut self,
        global: bool,
        name: &str,
        value: &[Token],
    ) -> Result<(), SqlError> {
        let lname = name.to_ascii_lowercase();
        let Some((key, (scope, current))) = self.globals().into_iter().find(|(k, _)| *k == lname)
        else {
            return Err(vars::unknown(name));
        };
        if scope == Scope::ReadOnly {
            return Err(SqlError::new(
                1238,
                format!("Variable '{key}' is a read only variable"),
            ));
        }
        if !global && scope == Scope::Global {
            return Err(SqlError::new(
                1229,
                format!("Variable '{key}' is a GLOBAL variable and should be set with SET GLOBAL"),
            ));
        }
        // A bare word is the value itself (ON, OFF, utf8mb4, READ-COMMITTED...).
        let is_default =
            matches!(value, [Token::Word(w)] if w.value.eq_ignore_ascii_case("DEFAULT"));
        let v = match value {
            _ if is_default => None,
            [Token::Word(w)] if w.quote_style.is_none() && !w.value.starts_with('@') => {
                Some(Value::Text(w.value.clone()))
            }
            _ => Some(self.eval_tokens(value)?),
        };
        let v = v.map(|v| vars::coerce(key, &current, v)).transpose()?;
        let v = match (key, v) {
            // A locale by name or by MariaDB's number; mysqld's 1105 for others.
            ("lc_time_names", Some(v)) => {
                let text = v.as_text().unwrap_or_default().into_owned();
                let locale = match v.as_i64().filter(|_| !v.is_string()) {
                    Some(n) => u16::try_from(n).ok().and_then(crate::sql::locale::by_id),
                    None => crate::sql::locale::by_name(&text),
                };
                let Some(locale) = locale else {
                    return Err(SqlError::new(1105, format!("Unknown locale: '{text}'")));
                };
                Some(Value::Text(locale.name.to_string()))
            }
            (_, v) => v,
        };
        if global {
            self.require_admin("SUPER")?;
            let v = match v {
                Some(v) => v,
                None => vars::initial_globals(&self.shared.cfg)
                    .remove(key)
                    .map(|(_, v)| v)
                    .unwrap_or(Value::Null),
            };
            match key {
                "sql_slave_skip_counter" => {
                    let n = v.as_i64().unwrap_or(0).max(0) as u64;
                    self.shared.control.set_skip_counter(n).await?;
                }
                "read_only" if v.truth() != Some(true) => {
                    return Err(unsupported(
                        "read_only=0 (clients cannot write to a replica's store)",
                    ))
                }
                _ => {}
            }
            if let Ok(mut g) = self.shared.globals.lock() {
                g.insert(key, (scope, v));
            }
        } else {
            match v {
                Some(v) => {
                    if matches!(key, "transaction_isolation" | "tx_isolation") {
                        self.vars.insert("transaction_isolation", v.clone());
                        self.vars.insert("tx_isolation", v);
                    } else {
                        self.vars.insert(key, v);
                    }
                }
                None => {
                    self.vars.remove(key);
                }
            }
            if key == "time_zone" {
                let name = self.system_variable(false, key)?;
                self.time_zone = crate::tz::TimeZone::parse(&name.as_text().unwrap_or_default())?;
            }
        }
        Ok(())
    }
}

impl Env for Session {
    fn locale(&self) -> &'static crate::sql::locale::Locale {
        self.vars
            .get("lc_time_names")
            .and_then(|v| v.as_text().and_then(|n| crate::sql::locale::by_name(&n)))
            .unwrap_or_else(crate::sql::locale::en_us)
    }

    fn interrupted(&self) -> bool {
        self.kill_query.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError> {
        let lname = name.to_ascii_lowercase();
        match lname.as_str() {
            "warning_count" => return Ok(Value::Int(self.conditions.len() as i64)),
            "error_count" => {
                return Ok(Value::Int(
                    self.conditions
                        .iter()
                        .filter(|c| c.level == "Error")
                        .count() as i64,
                ))
            }
            "last_insert_id" | "identity" | "insert_id" => return Ok(Value::Int(0)),
            // The binlog's GTID state (replicant originates no transactions: the binlog
            // state is the current one).
            "gtid_binlog_pos" | "gtid_binlog_state" | "gtid_current_pos" => {
                return Ok(Value::Text(
                    self.shared
                        .control
                        .logbin_shared()
                        .map(|s| s.get().mark.gtid_text())
                        .unwrap_or_default(),
                ))
            }
            // A MySQL master's GTIDs in the binlog: MySQL's gtid_executed, and GTID_MODE
            // ON, which a MySQL replica with SOURCE_AUTO_POSITION=1 asks for.
            "gtid_executed" | "gtid_mode" => {
                let mysql = self
                    .shared
                    .control
                    .logbin_shared()
                    .and_then(|s| s.get().mark.mysql_gtids.clone())
                    .unwrap_or_default();
                if lname == "gtid_executed" {
                    return Ok(Value::Text(mysql));
                }
                if !mysql.is_empty() {
                    return Ok(Value::Text("ON".into()));
                }
            }
            _ => {}
        }
        let g = self
            .shared
            .globals
            .lock()
            .map_err(|_| vars::unknown(name))?;
        let Some((key, (_, v))) = g.get_key_value(lname.as_str()) else {
            return Err(vars::unknown(name));
        };
        if !global {
            if let Some(s) = self.vars.get(key) {
                return Ok(s.clone());
            }
        }
        Ok(v.clone())
    }

    fn user_variable(&self, name: &str) -> Value {
        self.user_vars.get(name).cloned().unwrap_or(Value::Null)
    }

    fn time_zone(&self) -> &crate::tz::TimeZone {
        &self.time_zone
    }

    fn session_function(&self, name: &str) -> Option<Value> {
        Some(match name {
            "USER" | "SESSION_USER" | "SYSTEM_USER" => {
                Value::Text(format!("{}@{}", self.user, self.host))
            }
            "CURRENT_USER" => Value::Text(format!("{}@{}", self.account.user, self.account.host)),
            "DATABASE" | "SCHEMA" => self.db.clone().map_or(Value::Null, Value::Text),
            "CONNECTION_ID" => Value::Int(self.id as i64),
            "VERSION" => Value::Text(vars::version()),
            "LAST_INSERT_ID" => Value::Int(0),
            "CURRENT_ROLE" => self
                .principal
                .as_ref()
                .and_then(|p| p.roles.first().cloned())
                .map_or(Value::Null, Value::Text),
            _ => return None,
        })
    }
}
