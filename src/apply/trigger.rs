//! Triggers fired by replayed statements, as mysqld's SQL thread fires them (row events
//! never fire them: the master logged the rows its triggers changed).
//!
//! A body is read into [`Stmt`]s: `SET NEW.col = expr` (BEFORE triggers), local variables
//! (`DECLARE`, `SET`), `IF ... THEN ... [ELSEIF ...] [ELSE ...] END IF`, nested
//! `BEGIN ... END`, and DML. Expressions are evaluated with NEW.col, OLD.col and the local
//! variables as parameters; a DML statement runs through replay with them written in as
//! literals. Anything else in a body stops with 1235 naming the trigger.

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::encode::pack_value;
use super::replay::{row_values, sql_err, MasterSession, Replay};
use super::rows::RowError;
use crate::sql::parse::unsupported;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::catalog::TriggerDef;
use crate::store::table::TableRt;
use crate::store::Txn;

/// Triggers fire triggers: mysqld bounds the nesting by its stack; replicant by this.
const MAX_DEPTH: usize = 16;

/// A statement of a trigger body.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `SET NEW.col = expr`.
    SetNew(String, String),
    /// `SET var = expr` (a local variable).
    SetVar(String, String),
    /// `DECLARE a, b type [DEFAULT expr]`.
    Declare(Vec<String>, Option<String>),
    /// `IF c THEN ... ELSEIF c THEN ... ELSE ... END IF`: the branches with their
    /// conditions, then the ELSE branch.
    If(Vec<(String, Vec<Stmt>)>, Vec<Stmt>),
    /// INSERT, UPDATE, DELETE or REPLACE, as text.
    Dml(String),
}

/// Which rows a firing sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// INSERT (NEW).
    Insert,
    /// UPDATE (OLD and NEW).
    Update,
    /// DELETE (OLD).
    Delete,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::Insert => "INSERT",
            Event::Update => "UPDATE",
            Event::Delete => "DELETE",
        }
    }
}

/// Reads a trigger body (`BEGIN ... END` or one statement).
pub fn parse_body(body: &str) -> Result<Vec<Stmt>, SqlError> {
    let toks: Vec<Token> = Tokenizer::new(&MySqlDialect {}, body)
        .tokenize()
        .map_err(|e| unsupported(&format!("a trigger body that does not read ({e})")))?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut p = Body { toks: &toks, at: 0 };
    let out = p.list(&[])?;
    if p.at < toks.len() {
        return Err(p.bad());
    }
    Ok(out)
}

/// A cursor over a body's tokens.
struct Body<'t> {
    toks: &'t [Token],
    at: usize,
}

impl Body<'_> {
    fn bad(&self) -> SqlError {
        let near: Vec<String> = self.toks[self.at.min(self.toks.len())..]
            .iter()
            .take(6)
            .map(|t| t.to_string())
            .collect();
        unsupported(&format!(
            "a trigger body statement near '{}'",
            near.join(" ")
        ))
    }

    fn word(&self, k: usize) -> String {
        match self.toks.get(self.at + k) {
            Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            _ => String::new(),
        }
    }

    fn eat(&mut self, kw: &str) -> bool {
        if self.word(0) == kw {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.eat(kw) {
            Ok(())
        } else {
            Err(self.bad())
        }
    }

    /// Statements up to (not including) one of the `ends` keywords, or the end.
    fn list(&mut self, ends: &[&str]) -> Result<Vec<Stmt>, SqlError> {
        let mut out = Vec::new();
        loop {
            while self.toks.get(self.at) == Some(&Token::SemiColon) {
                self.at += 1;
            }
            if self.at >= self.toks.len() || ends.contains(&self.word(0).as_str()) {
                return Ok(out);
            }
            out.extend(self.stmt()?);
        }
    }

    /// The text of the tokens up to the next `;` (or `stop` keyword) outside parentheses.
    fn text_until(&mut self, stop: &[&str]) -> String {
        let start = self.at;
        let mut depth = 0i32;
        while let Some(t) = self.toks.get(self.at) {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::SemiColon if depth <= 0 => break,
                Token::Word(w)
                    if depth <= 0
                        && w.quote_style.is_none()
                        && stop.iter().any(|s| w.value.eq_ignore_ascii_case(s)) =>
                {
                    break
                }
                _ => {}
            }
            self.at += 1;
        }
        join(&self.toks[start..self.at])
    }

    fn stmt(&mut self) -> Result<Vec<Stmt>, SqlError> {
        match self.word(0).as_str() {
            "BEGIN" => {
                self.at += 1;
                let inner = self.list(&["END"])?;
                self.expect("END")?;
                Ok(inner)
            }
            "DECLARE" => {
                self.at += 1;
                let mut names = Vec::new();
                loop {
                    match self.toks.get(self.at) {
                        Some(Token::Word(w)) => names.push(w.value.to_ascii_lowercase()),
                        _ => return Err(self.bad()),
                    }
                    self.at += 1;
                    if self.toks.get(self.at) != Some(&Token::Comma) {
                        break;
                    }
                    self.at += 1;
                }
                // The type, then DEFAULT.
                let _ = self.text_until(&["DEFAULT"]);
                let default = self.eat("DEFAULT").then(|| self.text_until(&[]));
                Ok(vec![Stmt::Declare(names, default)])
            }
            "SET" => {
                self.at += 1;
                let mut out = Vec::new();
                loop {
                    let target = match (self.toks.get(self.at), self.toks.get(self.at + 1)) {
                        (Some(Token::Word(n)), Some(Token::Period))
                            if n.value.eq_ignore_ascii_case("NEW") =>
                        {
                            let Some(Token::Word(c)) = self.toks.get(self.at + 2) else {
                                return Err(self.bad());
                            };
                            self.at += 3;
                            Ok(c.value.clone())
                        }
                        (Some(Token::Word(v)), _)
                            if !v.value.starts_with('@') && v.quote_style.is_none() =>
                        {
                            self.at += 1;
                            Err(v.value.to_ascii_lowercase())
                        }
                        _ => return Err(self.bad()),
                    };
                    if !matches!(self.toks.get(self.at), Some(Token::Eq | Token::Assignment)) {
                        return Err(self.bad());
                    }
                    self.at += 1;
                    // One assignment's expression: up to a top-level comma or `;`.
                    let start = self.at;
                    let mut depth = 0i32;
                    while let Some(t) = self.toks.get(self.at) {
                        match t {
                            Token::LParen => depth += 1,
                            Token::RParen => depth -= 1,
                            Token::SemiColon | Token::Comma if depth <= 0 => break,
                            _ => {}
                        }
                        self.at += 1;
                    }
                    let expr = join(&self.toks[start..self.at]);
                    out.push(match target {
                        Ok(col) => Stmt::SetNew(col, expr),
                        Err(var) => Stmt::SetVar(var, expr),
                    });
                    if self.toks.get(self.at) != Some(&Token::Comma) {
                        return Ok(out);
                    }
                    self.at += 1;
                }
            }
            "IF" => {
                self.at += 1;
                let mut branches = Vec::new();
                let mut otherwise = Vec::new();
                loop {
                    let cond = self.text_until(&["THEN"]);
                    self.expect("THEN")?;
                    let body = self.list(&["ELSEIF", "ELSE", "END"])?;
                    branches.push((cond, body));
                    if self.eat("ELSEIF") {
                        continue;
                    }
                    if self.eat("ELSE") {
                        otherwise = self.list(&["END"])?;
                    }
                    self.expect("END")?;
                    self.expect("IF")?;
                    return Ok(vec![Stmt::If(branches, otherwise)]);
                }
            }
            "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => Ok(vec![Stmt::Dml(self.text_until(&[]))]),
            _ => Err(self.bad()),
        }
    }
}

/// Tokens as SQL text.
fn join(toks: &[Token]) -> String {
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        if i > 0 && !matches!(t, Token::Period) && !matches!(toks[i - 1], Token::Period) {
            out.push(' ');
        }
        out.push_str(&token_sql(t));
    }
    out
}

/// A value as an SQL literal of the same value and type.
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Double(d) => format!("{d:e}"),
        Value::Float(f) => format!("{:e}", *f as f64),
        Value::Decimal(_) => v.render().unwrap_or_default(),
        Value::Text(s) | Value::Labeled(_, s) => quote(s),
        Value::Bytes(b) => {
            let mut out = String::from("X'");
            for x in b {
                out.push_str(&format!("{x:02x}"));
            }
            out.push('\'');
            out
        }
        Value::Temporal(t) => {
            let kw = match t.kind {
                crate::sql::temporal::Kind::Date => "DATE",
                crate::sql::temporal::Kind::Time => "TIME",
                crate::sql::temporal::Kind::DateTime => "TIMESTAMP",
            };
            format!("{kw}{}", quote(&t.render()))
        }
        Value::Bit(n, _) => n.to_string(),
    }
}

/// A token as SQL that reads back as the same token: string literals quoted with their
/// escapes (sqlparser prints a string token's value as it is).
pub(super) fn token_sql(t: &Token) -> String {
    match t {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => quote(s),
        other => other.to_string(),
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One firing's state: the rows and the local variables.
struct Frame<'f> {
    table: &'f TableRt,
    old: Option<Vec<Value>>,
    new: Option<Vec<Value>>,
    /// NEW columns a BEFORE trigger set.
    set: Vec<bool>,
    vars: Vec<(String, Value)>,
    trigger: &'f str,
}

impl Frame<'_> {
    /// `expr` with NEW.c, OLD.c and the local variables replaced: as `?` placeholders
    /// with their values (`params`), or (`params` None) as literals.
    fn substitute(
        &self,
        text: &str,
        mut params: Option<&mut Vec<Value>>,
    ) -> Result<String, SqlError> {
        let toks: Vec<Token> = Tokenizer::new(&MySqlDialect {}, text)
            .tokenize()
            .map_err(|e| unsupported(&format!("trigger {} ({e})", self.trigger)))?;
        let mut out = String::with_capacity(text.len());
        let mut k = 0;
        while k < toks.len() {
            let value = match (&toks[k], toks.get(k + 1), toks.get(k + 2)) {
                (Token::Word(w), Some(Token::Period), Some(Token::Word(c)))
                    if w.quote_style.is_none()
                        && (w.value.eq_ignore_ascii_case("NEW")
                            || w.value.eq_ignore_ascii_case("OLD")) =>
                {
                    let row = if w.value.eq_ignore_ascii_case("NEW") {
                        &self.new
                    } else {
                        &self.old
                    };
                    let Some(row) = row else {
                        return Err(SqlError::new(
                            1363,
                            format!(
                                "There is no {} row in on {} trigger",
                                w.value.to_ascii_uppercase(),
                                self.trigger
                            ),
                        ));
                    };
                    let i = self
                        .table
                        .def
                        .columns
                        .iter()
                        .position(|x| x.name.eq_ignore_ascii_case(&c.value))
                        .ok_or_else(|| {
                            SqlError::new(
                                1054,
                                format!("Unknown column '{}' in '{}'", c.value, w.value),
                            )
                        })?;
                    k += 2;
                    Some(row[i].clone())
                }
                // A local variable (not a column of a table the statement names: mysqld
                // resolves a body's unqualified names to its variables first).
                (Token::Word(w), next, _)
                    if w.quote_style.is_none()
                        && next != Some(&Token::LParen)
                        && next != Some(&Token::Period)
                        && (k == 0 || toks[k - 1] != Token::Period) =>
                {
                    let name = w.value.to_ascii_lowercase();
                    self.vars
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.clone())
                }
                _ => None,
            };
            match value {
                Some(v) => match params.as_deref_mut() {
                    Some(p) => {
                        out.push('?');
                        p.push(v);
                    }
                    None => out.push_str(&literal(&v)),
                },
                None => out.push_str(&token_sql(&toks[k])),
            }
            k += 1;
        }
        Ok(out)
    }
}

impl Replay<'_> {
    /// Fires `t`'s triggers for one row change: `before` or after, for `event`. `old`
    /// and `new` are the rows as stored. Returns the new row when a BEFORE trigger's
    /// `SET NEW.col` changed it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fire(
        &mut self,
        t: &TableRt,
        before: bool,
        event: Event,
        old: Option<&[u8]>,
        new: Option<&[u8]>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<Option<Vec<u8>>, RowError> {
        let defs: Vec<&TriggerDef> = t
            .def
            .trigger_defs
            .iter()
            .filter(|d| d.before == before && d.event.eq_ignore_ascii_case(event.name()))
            .collect();
        if defs.is_empty() {
            return Ok(None);
        }
        if self.depth >= MAX_DEPTH {
            return Err(sql_err(unsupported("triggers nested deeper than 16")));
        }
        let values = |bytes: &[u8]| row_values(t, bytes, 0..t.def.columns.len(), session.time_zone);
        let mut frame = Frame {
            table: t,
            old: old.map(values).transpose()?,
            new: new.map(values).transpose()?,
            set: vec![false; t.def.columns.len()],
            vars: Vec::new(),
            trigger: "",
        };
        self.depth += 1;
        let mut outcome = Ok(());
        for d in defs {
            frame.trigger = &d.name;
            frame.vars.clear();
            let body = match parse_body(&d.body) {
                Ok(b) => b,
                Err(e) => {
                    outcome = Err(sql_err(unsupported(&format!(
                        "the trigger {}.{} ({})",
                        t.def.db, d.name, e.message
                    ))));
                    break;
                }
            };
            outcome = self.run_body(&body, &mut frame, session, txn);
            if outcome.is_err() {
                break;
            }
        }
        self.depth -= 1;
        outcome?;
        if let (Some(new), Some(values)) = (new, &frame.new) {
            if frame.set.iter().any(|s| *s) {
                // Repack the row with the columns the triggers set.
                let mut spans = Vec::new();
                t.layout.spans(new, &mut spans)?;
                let mut packed: Vec<Option<Vec<u8>>> = Vec::with_capacity(values.len());
                for (i, col) in t.def.columns.iter().enumerate() {
                    if !frame.set[i] {
                        packed.push(spans[i].map(|(s, e)| new[s..e].to_vec()));
                        continue;
                    }
                    if matches!(values[i], Value::Null) && !col.nullable {
                        return Err(sql_err(SqlError::new(
                            1048,
                            format!("Column '{}' cannot be null", col.name),
                        )));
                    }
                    let mut out = Vec::new();
                    let not_null = pack_value(col, &values[i], &mut out, session.time_zone)
                        .map_err(sql_err)?;
                    packed.push(not_null.then_some(out));
                }
                let mut row = Vec::new();
                t.layout
                    .assemble(packed.iter().map(|v| v.as_deref()), &mut row);
                return Ok(Some(row));
            }
        }
        Ok(None)
    }

    fn run_body(
        &mut self,
        body: &[Stmt],
        frame: &mut Frame<'_>,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        for s in body {
            match s {
                Stmt::Declare(names, default) => {
                    let v = match default {
                        Some(e) => self.eval_in(frame, e, session, txn)?,
                        None => Value::Null,
                    };
                    for n in names {
                        frame.vars.retain(|(x, _)| x != n);
                        frame.vars.push((n.clone(), v.clone()));
                    }
                }
                Stmt::SetVar(name, e) => {
                    let v = self.eval_in(frame, e, session, txn)?;
                    match frame.vars.iter_mut().find(|(n, _)| n == name) {
                        Some(slot) => slot.1 = v,
                        None => {
                            return Err(sql_err(unsupported(&format!(
                                "SET of {name}, not a local variable, in the trigger {}",
                                frame.trigger
                            ))))
                        }
                    }
                }
                Stmt::SetNew(col, e) => {
                    let v = self.eval_in(frame, e, session, txn)?;
                    let i = frame
                        .table
                        .def
                        .columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(col))
                        .ok_or_else(|| {
                            sql_err(SqlError::new(
                                1054,
                                format!("Unknown column '{col}' in 'NEW'"),
                            ))
                        })?;
                    let Some(new) = frame.new.as_mut() else {
                        return Err(sql_err(SqlError::new(
                            1363,
                            format!("There is no NEW row in on {} trigger", frame.trigger),
                        )));
                    };
                    new[i] = v;
                    frame.set[i] = true;
                }
                Stmt::If(branches, otherwise) => {
                    let mut taken = None;
                    for (cond, stmts) in branches {
                        if self.eval_in(frame, cond, session, txn)?.truth() == Some(true) {
                            taken = Some(stmts);
                            break;
                        }
                    }
                    self.run_body(taken.unwrap_or(otherwise), frame, session, txn)?;
                }
                Stmt::Dml(text) => {
                    let sql = frame.substitute(text, None).map_err(sql_err)?;
                    self.run(&sql, session, txn, false)?;
                }
            }
        }
        Ok(())
    }

    /// Evaluates a body's expression.
    fn eval_in(
        &self,
        frame: &Frame<'_>,
        expr: &str,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<Value, RowError> {
        let mut params = Vec::new();
        let select = format!(
            "SELECT {}",
            frame.substitute(expr, Some(&mut params)).map_err(sql_err)?
        );
        let placeholders = crate::sql::split::placeholders(&select);
        let rows = self
            .query_with(&select, session, txn, &[], &placeholders, &params)
            .map_err(sql_err)?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .unwrap_or(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_read_into_statements() {
        assert_eq!(
            parse_body("INSERT INTO audit VALUES (NEW.id, 'ins', NOW())").unwrap(),
            [Stmt::Dml(
                "INSERT INTO audit VALUES ( NEW.id , 'ins' , NOW ( ) )".into()
            )]
        );
        let b = parse_body(
            "BEGIN
               DECLARE d, e INT DEFAULT 0;
               SET NEW.n = NEW.n + 1, d = 2;
               IF NEW.n > 10 THEN SET NEW.s = 'big';
               ELSEIF NEW.n IS NULL THEN BEGIN UPDATE c SET k = k + 1; END;
               ELSE DELETE FROM x WHERE id = OLD.id;
               END IF;
             END",
        )
        .unwrap();
        assert_eq!(b.len(), 4, "{b:?}");
        assert!(matches!(&b[0], Stmt::Declare(n, Some(d)) if n == &["d", "e"] && d == "0"));
        assert!(matches!(&b[1], Stmt::SetNew(c, _) if c == "n"));
        assert!(matches!(&b[2], Stmt::SetVar(v, e) if v == "d" && e == "2"));
        let Stmt::If(branches, otherwise) = &b[3] else {
            panic!("{b:?}")
        };
        assert_eq!(branches.len(), 2);
        assert!(matches!(&branches[1].1[..], [Stmt::Dml(_)]));
        assert!(matches!(&otherwise[..], [Stmt::Dml(_)]));
        for bad in [
            "CALL p()",
            "BEGIN WHILE 1 DO SET x = 1; END WHILE; END",
            "BEGIN SIGNAL SQLSTATE '45000'; END",
        ] {
            assert_eq!(parse_body(bad).unwrap_err().code, 1235, "{bad}");
        }
    }

    #[test]
    fn literals_read_back_as_the_value() {
        assert_eq!(literal(&Value::Text("it's \\ x".into())), "'it''s \\\\ x'");
        assert_eq!(literal(&Value::Bytes(vec![0, 255])), "X'00ff'");
        assert_eq!(literal(&Value::Double(0.1)), "1e-1");
        assert_eq!(literal(&Value::Null), "NULL");
    }
}
