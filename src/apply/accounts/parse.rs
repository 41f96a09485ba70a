//! The account statements a master logs, parsed: CREATE / ALTER / DROP / RENAME USER,
//! CREATE / DROP ROLE, GRANT and REVOKE (privileges and roles), SET PASSWORD, SET DEFAULT
//! ROLE and FLUSH PRIVILEGES, in MariaDB's and MySQL's syntax.

use crate::acl::{password, privs};
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

/// A user or role as written: host `None` when not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserName {
    /// Name.
    pub user: String,
    /// Host, lower-cased as mysqld stores it.
    pub host: Option<String>,
}

/// How an account authenticates, as stored in global_priv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auth {
    /// Plugin name.
    pub plugin: String,
    /// authentication_string.
    pub auth: String,
}

/// A user with its optional IDENTIFIED clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Who.
    pub name: UserName,
    /// IDENTIFIED ...
    pub auth: Option<Auth>,
}

/// Account options after the users.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// MAX_USER_CONNECTIONS.
    pub max_user_connections: Option<i64>,
    /// ACCOUNT LOCK (true) / UNLOCK (false).
    pub lock: Option<bool>,
    /// PASSWORD EXPIRE [NEVER | DEFAULT | INTERVAL n DAY].
    pub expire: Option<Expire>,
    /// WITH GRANT OPTION.
    pub grant_option: bool,
}

/// A PASSWORD EXPIRE clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expire {
    /// PASSWORD EXPIRE: expired now.
    Now,
    /// PASSWORD EXPIRE NEVER (lifetime 0), DEFAULT (-1), INTERVAL n DAY (n).
    Lifetime(i64),
}

/// What a privilege grant applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    /// `*.*`.
    Global,
    /// `db.*`.
    Db(String),
    /// `db.table`.
    Table(String, String),
    /// A PROCEDURE / FUNCTION / PACKAGE (mysql.procs_priv, not kept).
    Routine,
}

/// Privileges in a GRANT or REVOKE: bits, and for column grants, the columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Privs {
    /// Table-wide (or wider) privileges; ALL PRIVILEGES is every bit of the level.
    pub bits: u64,
    /// ALL [PRIVILEGES].
    pub all: bool,
    /// Column privileges: (bit, column).
    pub columns: Vec<(u64, String)>,
}

/// An account statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// CREATE [OR REPLACE] USER [IF NOT EXISTS].
    CreateUser {
        /// OR REPLACE.
        or_replace: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// Users.
        specs: Vec<Spec>,
        /// Options.
        opts: Options,
    },
    /// ALTER USER [IF EXISTS].
    AlterUser {
        /// IF EXISTS.
        if_exists: bool,
        /// Users.
        specs: Vec<Spec>,
        /// Options.
        opts: Options,
    },
    /// DROP USER / DROP ROLE [IF EXISTS].
    Drop {
        /// IF EXISTS.
        if_exists: bool,
        /// Users or roles.
        names: Vec<UserName>,
        /// DROP ROLE.
        role: bool,
    },
    /// RENAME USER a TO b, ...
    Rename(Vec<(UserName, UserName)>),
    /// CREATE [OR REPLACE] ROLE [IF NOT EXISTS] r.
    CreateRole {
        /// OR REPLACE.
        or_replace: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// The role.
        name: String,
    },
    /// GRANT privileges ON level TO users.
    Grant {
        /// What.
        privs: Privs,
        /// Where.
        level: Level,
        /// To whom.
        to: Vec<Spec>,
        /// WITH ...
        opts: Options,
    },
    /// REVOKE privileges ON level FROM users.
    Revoke {
        /// What (GRANT OPTION included as its bit).
        privs: Privs,
        /// Where.
        level: Level,
        /// From whom.
        from: Vec<UserName>,
    },
    /// REVOKE ALL PRIVILEGES, GRANT OPTION FROM users.
    RevokeAll(Vec<UserName>),
    /// GRANT roles TO users [WITH ADMIN OPTION].
    GrantRoles {
        /// Roles.
        roles: Vec<String>,
        /// Grantees.
        to: Vec<UserName>,
        /// WITH ADMIN OPTION.
        admin: bool,
    },
    /// REVOKE [ADMIN OPTION FOR] roles FROM users.
    RevokeRoles {
        /// Roles.
        roles: Vec<String>,
        /// Grantees.
        from: Vec<UserName>,
        /// Only the admin option.
        admin_only: bool,
    },
    /// SET PASSWORD FOR user = ...
    SetPassword(UserName, Auth),
    /// SET DEFAULT ROLE role|NONE FOR user.
    SetDefaultRole(Option<String>, UserName),
    /// GRANT / REVOKE PROXY, and grants on routines: tables replicant does not keep.
    NotKept,
    /// FLUSH PRIVILEGES.
    Flush,
}

fn syntax(what: &str) -> SqlError {
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
mod tests {
    use super::*;

    fn un(user: &str, host: Option<&str>) -> UserName {
        UserName {
            user: user.into(),
            host: host.map(Into::into),
        }
    }

    #[test]
    fn parses_what_mariadb_logs() {
        let s = parse("CREATE USER 'bob'@'%' IDENTIFIED BY 'pw3'", "").unwrap();
        let Stmt::CreateUser { specs, .. } = s else {
            panic!()
        };
        assert_eq!(specs[0].name, un("bob", Some("%")));
        assert_eq!(
            specs[0].auth.as_ref().unwrap().auth,
            "*77B4A70CEFD76DB9415F36D291E74C110D2738E0"
        );
        let s = parse(
            "CREATE USER ed@localhost IDENTIFIED VIA ed25519 USING PASSWORD('edpw')",
            "",
        )
        .unwrap();
        let Stmt::CreateUser { specs, .. } = s else {
            panic!()
        };
        assert_eq!(specs[0].name, un("ed", Some("localhost")));
        assert_eq!(specs[0].auth.as_ref().unwrap().plugin, "ed25519");
        let s = parse("CREATE USER nat@'10.%' IDENTIFIED WITH mysql_native_password AS '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' WITH MAX_USER_CONNECTIONS 2 PASSWORD EXPIRE ACCOUNT LOCK", "").unwrap();
        let Stmt::CreateUser { opts, .. } = s else {
            panic!()
        };
        assert_eq!(opts.max_user_connections, Some(2));
        assert_eq!((opts.expire, opts.lock), (Some(Expire::Now), Some(true)));
        let s = parse(
            "GRANT SELECT (a,b), INSERT ON d1.t TO nat@'10.%' WITH GRANT OPTION",
            "x",
        )
        .unwrap();
        let Stmt::Grant {
            privs, level, opts, ..
        } = s
        else {
            panic!()
        };
        assert_eq!(privs.bits, privs::INSERT);
        assert_eq!(
            privs.columns,
            [(privs::SELECT, "a".into()), (privs::SELECT, "b".into())]
        );
        assert_eq!(level, Level::Table("d1".into(), "t".into()));
        assert!(opts.grant_option);
        let s = parse("GRANT PROCESS, REPLICATION SLAVE ON *.* TO bob@'%'", "").unwrap();
        assert!(matches!(
            s,
            Stmt::Grant {
                level: Level::Global,
                ..
            }
        ));
        assert_eq!(
            parse("GRANT r1 TO bob@'%'", "").unwrap(),
            Stmt::GrantRoles {
                roles: vec!["r1".into()],
                to: vec![un("bob", Some("%"))],
                admin: false
            }
        );
        assert_eq!(
            parse("SET DEFAULT ROLE 'r1' FOR 'bob'@'%'", "").unwrap(),
            Stmt::SetDefaultRole(Some("r1".into()), un("bob", Some("%")))
        );
        assert!(matches!(
            parse(
                "SET PASSWORD FOR 'bob'@'%'='*B27918D2D9402882CEADA0EF687D35FBDC137D72'",
                ""
            )
            .unwrap(),
            Stmt::SetPassword(..)
        ));
        assert_eq!(
            parse("REVOKE ALL PRIVILEGES, GRANT OPTION FROM a, b@h", "").unwrap(),
            Stmt::RevokeAll(vec![un("a", None), un("b", Some("h"))])
        );
        assert!(matches!(
            parse("REVOKE SELECT ON d1.* FROM bob@'%'", "").unwrap(),
            Stmt::Revoke {
                level: Level::Db(_),
                ..
            }
        ));
        assert!(matches!(
            parse("RENAME USER ed@localhost TO ed2@localhost", "").unwrap(),
            Stmt::Rename(_)
        ));
        assert_eq!(
            parse("FLUSH /*!40101 LOCAL */ PRIVILEGES", "").unwrap(),
            Stmt::Flush
        );
        // What MySQL 8 logs (the fixtures' first event): the plugin quoted, the hash as is.
        let s = parse(
            r"ALTER USER 'root'@'localhost' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$=uH,JKszSO-eD\\TRwyJmQf.fw4QTrNQFH9GoF5kJZvqP1CAP93oOJGDd3'",
            "",
        )
        .unwrap();
        let Stmt::AlterUser { specs, .. } = s else {
            panic!()
        };
        let a = specs[0].auth.as_ref().unwrap();
        assert_eq!(a.plugin, "caching_sha2_password");
        assert!(a.auth.starts_with("$A$005$"));
        assert!(a.auth.contains(r"eD\TR"));
        assert!(matches!(
            parse("GRANT SELECT ON t TO u", "").unwrap_err().code,
            1046
        ));
        assert!(matches!(
            parse("GRANT SELECT ON d.t TO u junk", "").unwrap_err().code,
            1064
        ));
    }
}
