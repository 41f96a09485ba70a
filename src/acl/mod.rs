//! Accounts and privileges replicated from the master, as mysqld reads them from the
//! mysql schema: mysql.global_priv (accounts, roles and global privileges, one JSON
//! document each), mysql.db, mysql.tables_priv, mysql.columns_priv and
//! mysql.roles_mapping.
//!
//! The applier keeps those tables in the store (`apply::accounts`); the endpoint reads
//! them into an [`Acl`] at start-up and again whenever the applier has committed an
//! account statement or FLUSH PRIVILEGES (as mysqld reloads its ACL then: direct DML on
//! the tables takes effect only at FLUSH PRIVILEGES). Shared vocabulary: this module
//! knows rows as text, never the store or the wire.

pub mod password;
pub mod privs;

use std::net::IpAddr;

/// Where a client connects from, as host matching sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Client {
    /// The unix socket (host `localhost`).
    Socket,
    /// A TCP address.
    Tcp(IpAddr),
}

/// One mysql.global_priv row: an account or a role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    /// Host pattern ("" for a role).
    pub host: String,
    /// User name.
    pub user: String,
    /// Global privileges.
    pub access: u64,
    /// Authentication plugin ("" means mysql_native_password).
    pub plugin: String,
    /// The plugin's authentication_string.
    pub auth: String,
    /// ACCOUNT LOCK.
    pub locked: bool,
    /// The password has expired: PASSWORD EXPIRE (password_last_changed = 0), or its
    /// PASSWORD EXPIRE INTERVAL has passed.
    pub expired: bool,
    /// MAX_USER_CONNECTIONS (0: no limit).
    pub max_user_connections: i64,
    /// A role, not an account.
    pub is_role: bool,
    /// SET DEFAULT ROLE.
    pub default_role: String,
    /// Created by replicant on first mention, its password never replicated: its logins
    /// are refused.
    pub password_unknown: bool,
}

impl User {
    /// Reads a global_priv row.
    pub fn from_row(host: &str, user: &str, priv_json: &str) -> User {
        let v: serde_json::Value = serde_json::from_str(priv_json).unwrap_or_default();
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let n = |k: &str| v.get(k).and_then(|x| x.as_i64());
        User {
            host: host.into(),
            user: user.into(),
            access: v
                .get("access")
                .and_then(|x| x.as_u64().or_else(|| x.as_f64().map(|f| f as u64)))
                .unwrap_or(0),
            plugin: s("plugin"),
            auth: s("authentication_string"),
            locked: v
                .get("account_locked")
                .and_then(|x| x.as_bool())
                .unwrap_or(false),
            expired: match (n("password_last_changed"), n("password_lifetime")) {
                (Some(0), _) => true,
                // PASSWORD EXPIRE INTERVAL n DAY, counted from the last change.
                (Some(at), Some(days)) if days > 0 => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    at.saturating_add(days.saturating_mul(86400)) < now
                }
                _ => false,
            },
            max_user_connections: n("max_user_connections").unwrap_or(0),
            is_role: v.get("is_role").and_then(|x| x.as_bool()).unwrap_or(false),
            default_role: s("default_role"),
            password_unknown: v
                .get("replicant_password_unknown")
                .and_then(|x| x.as_bool())
                .unwrap_or(false),
        }
    }

    /// The plugin clients answer with.
    pub fn plugin(&self) -> &str {
        match self.plugin.as_str() {
            "" | "mysql_old_password" => "mysql_native_password",
            p => p,
        }
    }
}

/// A database grant (mysql.db).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbGrant {
    /// Host pattern ("" for a role).
    pub host: String,
    /// Database name, a pattern with `%` and `_`.
    pub db: String,
    /// User or role.
    pub user: String,
    /// Privileges.
    pub access: u64,
}

/// A table grant (mysql.tables_priv).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableGrant {
    /// Host pattern.
    pub host: String,
    /// Database.
    pub db: String,
    /// User or role.
    pub user: String,
    /// Table.
    pub table: String,
    /// Table privileges.
    pub access: u64,
    /// Privileges some column of the table has.
    pub columns: u64,
}

/// A column grant (mysql.columns_priv).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnGrant {
    /// Host pattern.
    pub host: String,
    /// Database.
    pub db: String,
    /// User or role.
    pub user: String,
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// Privileges.
    pub access: u64,
}

/// A role granted (mysql.roles_mapping).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleGrant {
    /// Host pattern of the grantee ("" when it is a role).
    pub host: String,
    /// Grantee.
    pub user: String,
    /// The role.
    pub role: String,
    /// WITH ADMIN OPTION.
    pub admin: bool,
}

/// The replicated accounts and grants.
#[derive(Clone, Debug, Default)]
pub struct Acl {
    /// Accounts and roles, most specific host first (mysqld's order).
    pub users: Vec<User>,
    /// mysql.db.
    pub dbs: Vec<DbGrant>,
    /// mysql.tables_priv.
    pub tables: Vec<TableGrant>,
    /// mysql.columns_priv.
    pub columns: Vec<ColumnGrant>,
    /// mysql.roles_mapping.
    pub roles: Vec<RoleGrant>,
}

/// Who a session is for privilege checks: the user name, the host it came from, the
/// account it authenticated as, and the roles in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// User name.
    pub user: String,
    /// The account's host pattern.
    pub account_host: String,
    /// Where the session connects from.
    pub client: Client,
    /// The current role and the roles it holds ("NONE": none).
    pub roles: Vec<String>,
}

impl Acl {
    /// Sorts accounts as mysqld does: literal hosts before patterns, longer literal
    /// prefixes first, named users before the anonymous one.
    pub fn sort(&mut self) {
        self.users.sort_by_key(|u| host_order(&u.host, &u.user));
    }

    /// The account `user` from `client` authenticates against (roles never do).
    pub fn find(&self, user: &str, client: &Client) -> Option<&User> {
        self.users.iter().find(|u| {
            !u.is_role && (u.user.is_empty() || u.user == user) && host_matches(&u.host, client)
        })
    }

    /// The global_priv row of `user`@`host` exactly.
    pub fn account(&self, user: &str, host: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user == user && u.host.eq_ignore_ascii_case(host))
    }

    /// The principal of a session of `account` from `client`, with its default role (and
    /// the roles that role holds) in force.
    pub fn principal(&self, account: &User, user: &str, client: Client) -> Principal {
        let mut p = Principal {
            user: user.into(),
            account_host: account.host.clone(),
            client,
            roles: Vec::new(),
        };
        if !account.default_role.is_empty() {
            self.set_role(&mut p, &account.default_role);
        }
        p
    }

    /// SET ROLE: `role` and the roles it holds, transitively; false when the account
    /// was not granted it.
    pub fn set_role(&self, p: &mut Principal, role: &str) -> bool {
        if role.eq_ignore_ascii_case("NONE") {
            p.roles.clear();
            return true;
        }
        let granted = self.roles.iter().any(|g| {
            g.role == role && g.user == p.user && g.host.eq_ignore_ascii_case(&p.account_host)
        });
        if !granted {
            return false;
        }
        p.roles = vec![role.to_string()];
        let mut i = 0;
        while i < p.roles.len() {
            let held: Vec<String> = self
                .roles
                .iter()
                .filter(|g| g.host.is_empty() && g.user == p.roles[i])
                .map(|g| g.role.clone())
                .filter(|r| !p.roles.contains(r))
                .collect();
            p.roles.extend(held);
            i += 1;
        }
        true
    }

    /// True for grant rows of the principal: its own (user name, host matching its
    /// client), one of its roles' or PUBLIC's (host "").
    fn holds(p: &Principal, user: &str, host: &str) -> bool {
        (user == p.user && host_matches(host, &p.client))
            || (host.is_empty() && (user == "PUBLIC" || p.roles.iter().any(|r| r == user)))
    }

    /// Global privileges.
    pub fn global(&self, p: &Principal) -> u64 {
        self.users
            .iter()
            .filter(|u| {
                (u.user == p.user && u.host.eq_ignore_ascii_case(&p.account_host))
                    || (u.is_role && p.roles.contains(&u.user))
            })
            .fold(0, |acc, u| acc | u.access)
    }

    /// Privileges on database `db` (global ones included).
    pub fn db(&self, p: &Principal, db: &str) -> u64 {
        self.dbs
            .iter()
            .filter(|g| Self::holds(p, &g.user, &g.host) && db_matches(&g.db, db))
            .fold(self.global(p), |acc, g| acc | g.access)
    }

    /// Privileges on table `db`.`table` (database and global ones included), and those
    /// some of its columns have.
    pub fn table(&self, p: &Principal, db: &str, table: &str) -> (u64, u64) {
        self.tables
            .iter()
            .filter(|g| Self::holds(p, &g.user, &g.host) && g.db == db && g.table == table)
            .fold((self.db(p, db), 0), |(t, c), g| {
                (t | g.access, c | g.columns)
            })
    }

    /// Privileges on one column (table, database and global ones included).
    pub fn column(&self, p: &Principal, db: &str, table: &str, column: &str) -> u64 {
        self.columns
            .iter()
            .filter(|g| {
                Self::holds(p, &g.user, &g.host)
                    && g.db == db
                    && g.table == table
                    && g.column.eq_ignore_ascii_case(column)
            })
            .fold(self.table(p, db, table).0, |acc, g| acc | g.access)
    }

    /// True when the principal has any privilege in `db` (SHOW DATABASES, USE):
    /// database-level, or on one of its tables or columns.
    pub fn sees_db(&self, p: &Principal, db: &str) -> bool {
        self.db(p, db) & privs::DB_ALL & !privs::GRANT != 0
            || self
                .tables
                .iter()
                .any(|g| Self::holds(p, &g.user, &g.host) && g.db == db)
    }
}

/// The sort key of an account host: mysqld's order of mysql.user.
pub fn host_order(host: &str, user: &str) -> (bool, std::cmp::Reverse<usize>, bool) {
    let wild = host.find(['%', '_']);
    (
        wild.is_some(),
        std::cmp::Reverse(wild.unwrap_or(0)),
        user.is_empty(),
    )
}

/// mysql.user host matching: `localhost` is the socket and the loopback addresses; other
/// patterns match the address with `%` and `_`, case-insensitively.
pub fn host_matches(pattern: &str, client: &Client) -> bool {
    if pattern.eq_ignore_ascii_case("localhost") {
        return match client {
            Client::Socket => true,
            Client::Tcp(ip) => ip.is_loopback(),
        };
    }
    match client {
        Client::Socket => pattern == "%",
        Client::Tcp(ip) => wild_match(&ip.to_string(), pattern, true),
    }
}

/// A database grant's name pattern: `%` and `_` wild (`\_` literal), case-sensitive.
fn db_matches(pattern: &str, db: &str) -> bool {
    wild_match(db, pattern, false)
}

/// LIKE with `%`, `_` and `\` escapes.
pub fn wild_match(text: &str, pattern: &str, fold_case: bool) -> bool {
    fn go(t: &[char], p: &[char], fold: bool) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|i| go(&t[i..], &p[1..], fold)),
            Some('_') => !t.is_empty() && go(&t[1..], &p[1..], fold),
            Some('\\') if p.len() > 1 => t.first() == Some(&p[1]) && go(&t[1..], &p[2..], fold),
            Some(&c) => {
                t.first()
                    .is_some_and(|&x| x == c || fold && x.to_lowercase().eq(c.to_lowercase()))
                    && go(&t[1..], &p[1..], fold)
            }
        }
    }
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&t, &p, fold_case)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(s: &str) -> Client {
        Client::Tcp(s.parse().unwrap())
    }

    #[test]
    fn grants_combine_per_level() {
        let mut acl = Acl {
            users: vec![
                User::from_row(
                    "%",
                    "bob",
                    r#"{"access":256,"plugin":"mysql_native_password","authentication_string":"*77B4A70CEFD76DB9415F36D291E74C110D2738E0","default_role":"r1"}"#,
                ),
                User::from_row("", "r1", r#"{"access":0,"is_role":true}"#),
                User::from_row(
                    "10.%",
                    "nat",
                    r#"{"access":0,"account_locked":true,"password_last_changed":0,"max_user_connections":2}"#,
                ),
            ],
            dbs: vec![DbGrant {
                host: "".into(),
                db: "d\\_1".into(),
                user: "r1".into(),
                access: privs::SELECT,
            }],
            tables: vec![TableGrant {
                host: "10.%".into(),
                db: "d1".into(),
                user: "nat".into(),
                table: "t".into(),
                access: 0,
                columns: privs::SELECT,
            }],
            columns: vec![ColumnGrant {
                host: "10.%".into(),
                db: "d1".into(),
                user: "nat".into(),
                table: "t".into(),
                column: "a".into(),
                access: privs::SELECT,
            }],
            roles: vec![RoleGrant {
                host: "%".into(),
                user: "bob".into(),
                role: "r1".into(),
                admin: false,
            }],
        };
        acl.sort();
        let bob = acl.find("bob", &tcp("10.1.1.1")).unwrap().clone();
        let p = acl.principal(&bob, "bob", tcp("10.1.1.1"));
        assert_eq!(p.roles, ["r1"]);
        assert_eq!(acl.global(&p), privs::PROCESS);
        assert_eq!(acl.db(&p, "d_1") & privs::SELECT, privs::SELECT);
        assert_eq!(acl.db(&p, "dx1") & privs::SELECT, 0);
        let nat = acl.find("nat", &tcp("10.0.0.9")).unwrap().clone();
        assert!(nat.locked && nat.expired && nat.max_user_connections == 2);
        assert!(acl.find("nat", &tcp("11.0.0.9")).is_none());
        let p = acl.principal(&nat, "nat", tcp("10.0.0.9"));
        assert_eq!(acl.table(&p, "d1", "t"), (0, privs::SELECT));
        assert_eq!(acl.column(&p, "d1", "t", "A"), privs::SELECT);
        assert_eq!(acl.column(&p, "d1", "t", "b"), 0);
        assert!(acl.sees_db(&p, "d1") && !acl.sees_db(&p, "d2"));
        assert!(acl.find("r1", &Client::Socket).is_none());
    }
}
