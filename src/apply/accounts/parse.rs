//! The account statements a master logs, parsed: CREATE / ALTER / DROP / RENAME USER,
//! CREATE / DROP ROLE, GRANT and REVOKE (privileges and roles), SET PASSWORD, SET DEFAULT
//! ROLE and FLUSH PRIVILEGES, in MariaDB's and MySQL's syntax.

use super::stmt::*;
use super::tokens::{syntax, tokenize, Tok};
use crate::acl::{password, privs};
use crate::sqlerror::SqlError;

/// A cursor over the tokens.
struct P {
    toks: Vec<Tok>,
    i: usize,
}

impl P {
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn kw(&mut self, kw: &str) -> bool {
        let yes = self.peek_kw(kw);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn kws(&mut self, kws: &[&str]) -> bool {
        let save = self.i;
        for k in kws {
            if !self.kw(k) {
                self.i = save;
                return false;
            }
        }
        true
    }

    fn expect(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.kw(kw) {
            Ok(())
        } else {
            Err(syntax(&format!("expected {kw} near {}", self.near())))
        }
    }

    fn punct(&mut self, c: char) -> bool {
        let yes = self.toks.get(self.i) == Some(&Tok::Punct(c));
        if yes {
            self.i += 1;
        }
        yes
    }

    fn near(&self) -> String {
        match self.toks.get(self.i) {
            None => "the end".into(),
            Some(Tok::Word(w) | Tok::Name(w)) => format!("'{w}'"),
            Some(Tok::Str(s)) => format!("'{s}'"),
            Some(Tok::Punct(c)) => format!("'{c}'"),
        }
    }

    fn done(&self) -> bool {
        self.i >= self.toks.len()
    }

    /// A name: a word, a quoted name or a string.
    fn name(&mut self) -> Result<String, SqlError> {
        match self.toks.get(self.i).cloned() {
            Some(Tok::Word(w) | Tok::Name(w) | Tok::Str(w)) => {
                self.i += 1;
                Ok(w)
            }
            _ => Err(syntax(&format!("expected a name near {}", self.near()))),
        }
    }

    fn string(&mut self) -> Result<String, SqlError> {
        match self.toks.get(self.i).cloned() {
            Some(Tok::Str(s)) => {
                self.i += 1;
                Ok(s)
            }
            _ => Err(syntax(&format!("expected a string near {}", self.near()))),
        }
    }

    fn number(&mut self) -> Result<i64, SqlError> {
        let w = self.name()?;
        w.parse()
            .map_err(|_| syntax(&format!("expected a number, found '{w}'")))
    }

    fn user(&mut self) -> Result<UserName, SqlError> {
        if self.kw("CURRENT_USER") {
            if self.punct('(') && !self.punct(')') {
                return Err(syntax("expected CURRENT_USER()"));
            }
            return Err(SqlError::not_supported(
                "CURRENT_USER in a replicated account statement (the master's user is not known here)",
            ));
        }
        // `bob@localhost` is three tokens; a quoted 'a@b' is the user a@b.
        let user = self.name()?;
        let host = if self.punct('@') {
            Some(self.name()?.to_lowercase())
        } else {
            None
        };
        Ok(UserName { user, host })
    }

    fn users(&mut self) -> Result<Vec<UserName>, SqlError> {
        let mut v = vec![self.user()?];
        while self.punct(',') {
            v.push(self.user()?);
        }
        Ok(v)
    }

    /// IDENTIFIED ... after a user.
    fn auth(&mut self) -> Result<Option<Auth>, SqlError> {
        if !self.kw("IDENTIFIED") {
            return Ok(None);
        }
        if self.kw("BY") {
            if self.kw("PASSWORD") {
                let hash = self.string()?;
                return Ok(Some(native(hash)));
            }
            let pw = self.string()?;
            return Ok(Some(native(password::native_hash(pw.as_bytes()))));
        }
        if !(self.kw("VIA") || self.kw("WITH")) {
            return Err(syntax(&format!(
                "expected IDENTIFIED BY, VIA or WITH near {}",
                self.near()
            )));
        }
        let plugin = self.name()?.to_lowercase();
        let auth = if self.kw("USING") || self.kw("AS") {
            if self.kw("PASSWORD") {
                if !self.punct('(') {
                    return Err(syntax("expected PASSWORD('...')"));
                }
                let pw = self.string()?;
                self.punct(')');
                hash_for(&plugin, &pw)?
            } else {
                self.string()?
            }
        } else if self.kw("BY") {
            let pw = self.string()?;
            hash_for(&plugin, &pw)?
        } else {
            String::new()
        };
        if self.peek_kw("OR") {
            return Err(SqlError::not_supported(
                "IDENTIFIED VIA ... OR ... (more than one authentication plugin)",
            ));
        }
        Ok(Some(Auth { plugin, auth }))
    }

    fn specs(&mut self) -> Result<Vec<Spec>, SqlError> {
        let mut v = Vec::new();
        loop {
            let name = self.user()?;
            let auth = self.auth()?;
            v.push(Spec { name, auth });
            if !self.punct(',') {
                return Ok(v);
            }
        }
    }

    /// REQUIRE, WITH resource options / GRANT OPTION, PASSWORD EXPIRE, ACCOUNT LOCK.
    fn options(&mut self) -> Result<Options, SqlError> {
        let mut o = Options::default();
        while !self.done() {
            if self.kw("REQUIRE") {
                // TLS requirements: the endpoint's clients are not held to them.
                while !self.done()
                    && !self.peek_kw("WITH")
                    && !self.peek_kw("PASSWORD")
                    && !self.peek_kw("ACCOUNT")
                {
                    self.i += 1;
                }
            } else if self.kw("WITH") {
                loop {
                    if self.kws(&["GRANT", "OPTION"]) {
                        o.grant_option = true;
                    } else if self.kw("MAX_USER_CONNECTIONS") {
                        o.max_user_connections = Some(self.number()?);
                    } else if self.kw("MAX_QUERIES_PER_HOUR")
                        || self.kw("MAX_UPDATES_PER_HOUR")
                        || self.kw("MAX_CONNECTIONS_PER_HOUR")
                        || self.kw("MAX_STATEMENT_TIME")
                    {
                        self.name()?;
                    } else {
                        break;
                    }
                }
            } else if self.kw("PASSWORD") {
                // MySQL 8's password policies: not kept.
                if self.kw("HISTORY") {
                    self.name()?;
                    continue;
                }
                if self.kw("REUSE") {
                    self.expect("INTERVAL")?;
                    if !self.kw("DEFAULT") {
                        self.number()?;
                        self.expect("DAY")?;
                    }
                    continue;
                }
                if self.kw("REQUIRE") {
                    self.expect("CURRENT")?;
                    let _ = self.kw("DEFAULT") || self.kw("OPTIONAL");
                    continue;
                }
                self.expect("EXPIRE")?;
                o.expire = Some(if self.kw("NEVER") {
                    Expire::Lifetime(0)
                } else if self.kw("DEFAULT") {
                    Expire::Lifetime(-1)
                } else if self.kw("INTERVAL") {
                    let n = self.number()?;
                    self.expect("DAY")?;
                    Expire::Lifetime(n)
                } else {
                    Expire::Now
                });
            } else if self.kw("FAILED_LOGIN_ATTEMPTS")
                || self.kw("PASSWORD_LOCK_TIME")
                || self.kw("ATTRIBUTE")
                || self.kw("COMMENT")
            {
                // MySQL 8's login lockout and account attributes: not kept.
                self.name()?;
            } else if self.kw("ACCOUNT") {
                o.lock = Some(if self.kw("LOCK") {
                    true
                } else {
                    self.expect("UNLOCK")?;
                    false
                });
            } else {
                return Err(syntax(&format!("unexpected {}", self.near())));
            }
        }
        Ok(o)
    }

    /// Privileges up to ON.
    fn privs(&mut self) -> Result<Privs, SqlError> {
        let mut p = Privs::default();
        loop {
            if self.kw("ALL") {
                self.kw("PRIVILEGES");
                p.all = true;
            } else {
                let mut words = Vec::new();
                while let Some(Tok::Word(w)) = self.toks.get(self.i) {
                    if w.eq_ignore_ascii_case("ON") || w.eq_ignore_ascii_case("FROM") {
                        break;
                    }
                    words.push(w.to_ascii_uppercase());
                    self.i += 1;
                }
                let name = words.join(" ");
                let bit = if name == "USAGE" {
                    0
                } else {
                    privs::by_name(&name)
                        .ok_or_else(|| SqlError::not_supported(&format!("the privilege {name}")))?
                };
                if self.punct('(') {
                    loop {
                        let col = self.name()?;
                        p.columns.push((bit, col));
                        if !self.punct(',') {
                            break;
                        }
                    }
                    if !self.punct(')') {
                        return Err(syntax("expected ) after a column list"));
                    }
                } else {
                    p.bits |= bit;
                }
            }
            if !self.punct(',') {
                return Ok(p);
            }
        }
    }

    fn level(&mut self, db: &str) -> Result<Level, SqlError> {
        if self.kw("PROCEDURE") || self.kw("FUNCTION") || self.kw("PACKAGE") {
            self.kw("BODY");
            return Ok(Level::Routine);
        }
        self.kw("TABLE");
        let first = if self.punct('*') {
            None
        } else {
            Some(self.name()?)
        };
        let second = if self.punct('.') {
            Some(if self.punct('*') {
                None
            } else {
                Some(self.name()?)
            })
        } else {
            None
        };
        let current = || {
            if db.is_empty() {
                Err(SqlError::new(1046, "No database selected".into()))
            } else {
                Ok(db.to_string())
            }
        };
        Ok(match (first, second) {
            (None, Some(None)) => Level::Global,
            (None, None) => Level::Db(current()?),
            (Some(d), Some(None)) => Level::Db(d),
            (Some(d), Some(Some(t))) => Level::Table(d, t),
            (Some(t), None) => Level::Table(current()?, t),
            (None, Some(Some(_))) => return Err(syntax("expected *.* or db.*")),
        })
    }
}

fn native(hash: String) -> Auth {
    Auth {
        plugin: "mysql_native_password".into(),
        auth: hash,
    }
}

/// The authentication_string of `password` for `plugin`.
fn hash_for(plugin: &str, pw: &str) -> Result<String, SqlError> {
    match plugin {
        "mysql_native_password" => Ok(password::native_hash(pw.as_bytes())),
        "ed25519" => Ok(password::ed25519_hash(pw.as_bytes())),
        p => Err(SqlError::not_supported(&format!(
            "a password given in clear for the plugin {p}"
        ))),
    }
}

/// Parses an account statement; `db` is the statement's default database.
pub fn parse(sql: &str, db: &str) -> Result<Stmt, SqlError> {
    let mut p = P {
        toks: tokenize(sql)?,
        i: 0,
    };
    let stmt = if p.kw("FLUSH") {
        p.i = p.toks.len();
        Stmt::Flush
    } else if p.kw("CREATE") {
        let or_replace = p.kws(&["OR", "REPLACE"]);
        if p.kw("ROLE") {
            let if_not_exists = p.kws(&["IF", "NOT", "EXISTS"]);
            let name = p.name()?;
            // WITH ADMIN: the master's grantor, which replicant does not keep.
            p.i = p.toks.len();
            Stmt::CreateRole {
                or_replace,
                if_not_exists,
                name,
            }
        } else {
            p.expect("USER")?;
            let if_not_exists = p.kws(&["IF", "NOT", "EXISTS"]);
            let specs = p.specs()?;
            let opts = p.options()?;
            Stmt::CreateUser {
                or_replace,
                if_not_exists,
                specs,
                opts,
            }
        }
    } else if p.kw("ALTER") {
        p.expect("USER")?;
        let if_exists = p.kws(&["IF", "EXISTS"]);
        let specs = p.specs()?;
        let opts = p.options()?;
        Stmt::AlterUser {
            if_exists,
            specs,
            opts,
        }
    } else if p.kw("DROP") {
        let role = p.kw("ROLE");
        if !role {
            p.expect("USER")?;
        }
        let if_exists = p.kws(&["IF", "EXISTS"]);
        Stmt::Drop {
            if_exists,
            names: p.users()?,
            role,
        }
    } else if p.kw("RENAME") {
        p.expect("USER")?;
        let mut pairs = Vec::new();
        loop {
            let from = p.user()?;
            p.expect("TO")?;
            pairs.push((from, p.user()?));
            if !p.punct(',') {
                break;
            }
        }
        Stmt::Rename(pairs)
    } else if p.kw("GRANT") {
        if p.kw("PROXY") {
            p.i = p.toks.len();
            Stmt::NotKept
        } else if is_role_list(&p) {
            let roles = role_list(&mut p)?;
            p.expect("TO")?;
            let to = p.users()?;
            let admin = p.kws(&["WITH", "ADMIN", "OPTION"]);
            Stmt::GrantRoles { roles, to, admin }
        } else {
            let privs = p.privs()?;
            p.expect("ON")?;
            let level = p.level(db)?;
            p.expect("TO")?;
            let to = p.specs()?;
            let opts = p.options()?;
            Stmt::Grant {
                privs,
                level,
                to,
                opts,
            }
        }
    } else if p.kw("REVOKE") {
        if p.kw("PROXY") {
            p.i = p.toks.len();
            Stmt::NotKept
        } else if p.kws(&["ADMIN", "OPTION", "FOR"]) {
            let roles = role_list(&mut p)?;
            p.expect("FROM")?;
            Stmt::RevokeRoles {
                roles,
                from: p.users()?,
                admin_only: true,
            }
        } else if p.kw("ALL") {
            p.kw("PRIVILEGES");
            if p.punct(',') {
                p.expect("GRANT")?;
                p.expect("OPTION")?;
                p.expect("FROM")?;
                Stmt::RevokeAll(p.users()?)
            } else {
                p.expect("ON")?;
                let level = p.level(db)?;
                p.expect("FROM")?;
                Stmt::Revoke {
                    privs: Privs {
                        all: true,
                        ..Default::default()
                    },
                    level,
                    from: p.users()?,
                }
            }
        } else if is_role_list(&p) {
            let roles = role_list(&mut p)?;
            p.expect("FROM")?;
            Stmt::RevokeRoles {
                roles,
                from: p.users()?,
                admin_only: false,
            }
        } else {
            let privs = p.privs()?;
            p.expect("ON")?;
            let level = p.level(db)?;
            p.expect("FROM")?;
            Stmt::Revoke {
                privs,
                level,
                from: p.users()?,
            }
        }
    } else if p.kw("SET") {
        if p.kw("PASSWORD") {
            if !p.kw("FOR") {
                return Err(SqlError::not_supported(
                    "SET PASSWORD without FOR (the master's session user is not known here)",
                ));
            }
            let who = p.user()?;
            if !p.punct('=') {
                return Err(syntax("expected = in SET PASSWORD"));
            }
            let hash = if p.kw("PASSWORD") {
                p.punct('(');
                let pw = p.string()?;
                p.punct(')');
                password::native_hash(pw.as_bytes())
            } else {
                p.string()?
            };
            Stmt::SetPassword(who, native(hash))
        } else {
            p.expect("DEFAULT")?;
            p.expect("ROLE")?;
            let role = p.name()?;
            let role = (!role.eq_ignore_ascii_case("NONE")).then_some(role);
            if !p.kw("FOR") {
                return Err(SqlError::not_supported(
                    "SET DEFAULT ROLE without FOR (the master's session user is not known here)",
                ));
            }
            Stmt::SetDefaultRole(role, p.user()?)
        }
    } else {
        return Err(syntax(&format!("unexpected {}", p.near())));
    };
    if !p.done() {
        return Err(syntax(&format!("unexpected {}", p.near())));
    }
    Ok(stmt)
}

/// A user name as SHOW GRANTS FOR names it (`'u'@'h'`, `u@h`, a role); `None` for
/// CURRENT_USER.
pub fn user_name(text: &str) -> Result<Option<UserName>, SqlError> {
    let mut p = P {
        toks: tokenize(text)?,
        i: 0,
    };
    if p.kw("CURRENT_USER") {
        if p.punct('(') && !p.punct(')') {
            return Err(syntax("expected CURRENT_USER()"));
        }
        return if p.done() {
            Ok(None)
        } else {
            Err(syntax(&format!("unexpected {}", p.near())))
        };
    }
    let u = p.user()?;
    if !p.done() {
        return Err(syntax(&format!("unexpected {}", p.near())));
    }
    Ok(Some(u))
}

/// True when a GRANT/REVOKE names roles (no ON before TO/FROM).
fn is_role_list(p: &P) -> bool {
    for t in &p.toks[p.i..] {
        if let Tok::Word(w) = t {
            if w.eq_ignore_ascii_case("ON") {
                return false;
            }
            if w.eq_ignore_ascii_case("TO") || w.eq_ignore_ascii_case("FROM") {
                return true;
            }
        }
    }
    false
}

fn role_list(p: &mut P) -> Result<Vec<String>, SqlError> {
    let mut v = vec![p.name()?];
    while p.punct(',') {
        v.push(p.name()?);
    }
    Ok(v)
}

#[cfg(test)]
mod tests;
