//! Account statements as parsed ([`super::parse`]) and carried out ([`super::exec`]).

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
