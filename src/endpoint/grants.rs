//! SHOW GRANTS and mysql.user for the replicated accounts, as MariaDB answers them.

use super::accounts::Privilege;
use super::session::Session;
use crate::acl::{self, privs, Acl};
use crate::sql::memtable::MemTable;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;

impl Session {
    /// SHOW GRANTS [FOR user | role | CURRENT_USER].
    pub(super) fn show_grants(&mut self, sql: &str) -> Result<super::session::Reply, SqlError> {
        let upper = sql.to_ascii_uppercase();
        let target = match upper.find(" FOR ") {
            Some(at) => crate::apply::accounts::parse::user_name(sql[at + 5..].trim())?,
            None => None,
        };
        let view = self.read_view()?;
        let acl = self.shared.acl_at(&view);
        let (user, host, roles) = match &target {
            Some(u) => {
                let host = u.host.clone().unwrap_or_else(|| {
                    if acl.users.iter().any(|x| x.is_role && x.user == u.user) {
                        String::new()
                    } else {
                        "%".into()
                    }
                });
                if (u.user != self.user || !host.eq_ignore_ascii_case(&self.account.host))
                    && self.principal.is_some()
                    && acl.db(
                        self.principal.as_ref().unwrap_or_else(|| unreachable!()),
                        "mysql",
                    ) & privs::SELECT
                        == 0
                {
                    return Err(SqlError::new(
                        1044,
                        format!(
                            "Access denied for user '{}'@'{}' to database 'mysql'",
                            self.user, self.account.host
                        ),
                    ));
                }
                (u.user.clone(), host, Vec::new())
            }
            None => (
                self.user.clone(),
                self.account.host.clone(),
                self.principal
                    .as_ref()
                    .map(|p| p.roles.clone())
                    .unwrap_or_default(),
            ),
        };
        let mut lines = match show_grants(&acl, &user, &host) {
            Some(l) => l,
            None => match (&target, &self.account.replicated) {
                // A local account line: what it may do, in GRANT form.
                (None, None) => vec![format!(
                    "GRANT {} ON *.* TO `{user}`@`{host}`",
                    if self.account.privilege == Privilege::Admin {
                        "ALL PRIVILEGES"
                    } else {
                        "SELECT, SHOW DATABASES"
                    }
                )],
                _ => {
                    return Err(SqlError::new(
                        1141,
                        format!(
                            "There is no such grant defined for user '{user}' on host '{host}'"
                        ),
                    ))
                }
            },
        };
        // The roles in force come before SET DEFAULT ROLE, as in mysqld.
        let default_role = lines
            .last()
            .filter(|l| l.starts_with("SET DEFAULT ROLE"))
            .cloned();
        if default_role.is_some() {
            lines.pop();
        }
        for r in roles {
            lines.extend(show_grants(&acl, &r, "").unwrap_or_default());
        }
        lines.extend(default_role);
        let title = if host.is_empty() {
            format!("Grants for {user}")
        } else {
            format!("Grants for {user}@{host}")
        };
        Ok(super::session::Reply::Rows {
            columns: vec![crate::wire::resultset::Column::text(&title, 1024)],
            rows: lines.into_iter().map(|l| vec![Some(l)]).collect(),
        })
    }
}

/// The rows of mysql.user (a view over mysql.global_priv on MariaDB 10.4+).
pub fn mysql_user(acl: &Acl) -> MemTable {
    const PRIVS: &[(&str, u64)] = &[
        ("Select_priv", privs::SELECT),
        ("Insert_priv", privs::INSERT),
        ("Update_priv", privs::UPDATE),
        ("Delete_priv", privs::DELETE),
        ("Create_priv", privs::CREATE),
        ("Drop_priv", privs::DROP),
        ("Reload_priv", privs::RELOAD),
        ("Shutdown_priv", privs::SHUTDOWN),
        ("Process_priv", privs::PROCESS),
        ("File_priv", privs::FILE),
        ("Grant_priv", privs::GRANT),
        ("References_priv", privs::REFERENCES),
        ("Index_priv", privs::INDEX),
        ("Alter_priv", privs::ALTER),
        ("Show_db_priv", privs::SHOW_DB),
        ("Super_priv", privs::SUPER),
        ("Create_tmp_table_priv", privs::CREATE_TMP),
        ("Lock_tables_priv", privs::LOCK_TABLES),
        ("Execute_priv", privs::EXECUTE),
        ("Repl_slave_priv", privs::REPL_SLAVE),
        ("Repl_client_priv", privs::BINLOG_MONITOR),
        ("Create_view_priv", privs::CREATE_VIEW),
        ("Show_view_priv", privs::SHOW_VIEW),
        ("Create_routine_priv", privs::CREATE_PROC),
        ("Alter_routine_priv", privs::ALTER_PROC),
        ("Create_user_priv", privs::CREATE_USER),
        ("Event_priv", privs::EVENT),
        ("Trigger_priv", privs::TRIGGER),
        ("Create_tablespace_priv", privs::CREATE_TABLESPACE),
        ("Delete_history_priv", privs::DELETE_HISTORY),
    ];
    let t = |s: &str| Value::Text(s.to_string());
    let mut columns = vec!["Host", "User", "Password"];
    columns.extend(PRIVS.iter().map(|p| p.0));
    columns.extend([
        "ssl_type",
        "ssl_cipher",
        "x509_issuer",
        "x509_subject",
        "max_questions",
        "max_updates",
        "max_connections",
        "max_user_connections",
        "plugin",
        "authentication_string",
        "password_expired",
        "is_role",
        "default_role",
        "max_statement_time",
    ]);
    let rows = acl
        .users
        .iter()
        .map(|u| {
            let native = matches!(u.plugin(), "mysql_native_password");
            let mut r = vec![t(&u.host), t(&u.user), t(if native { &u.auth } else { "" })];
            r.extend(
                PRIVS
                    .iter()
                    .map(|p| t(if u.access & p.1 != 0 { "Y" } else { "N" })),
            );
            r.extend([
                t(""),
                t(""),
                t(""),
                t(""),
                Value::UInt(0),
                Value::UInt(0),
                Value::UInt(0),
                Value::Int(u.max_user_connections),
                t(&u.plugin),
                t(&u.auth),
                t(if u.expired { "Y" } else { "N" }),
                t(if u.is_role { "Y" } else { "N" }),
                t(&u.default_role),
                t("0.000000"),
            ]);
            r
        })
        .collect();
    MemTable { columns, rows }
}

/// SHOW GRANTS' lines for `user`@`host` (a role when `host` is "").
pub fn show_grants(acl: &Acl, user: &str, host: &str) -> Option<Vec<String>> {
    let u = acl.account(user, host)?;
    let who = if host.is_empty() {
        format!("`{user}`")
    } else {
        format!("`{user}`@`{host}`")
    };
    let mut lines = Vec::new();
    for g in acl
        .roles
        .iter()
        .filter(|g| g.user == user && g.host.eq_ignore_ascii_case(host))
    {
        lines.push(format!(
            "GRANT `{}` TO {who}{}",
            g.role,
            if g.admin { " WITH ADMIN OPTION" } else { "" }
        ));
    }
    let mut global = format!(
        "GRANT {} ON *.* TO {who}",
        privs::list(u.access, privs::ALL_GLOBAL)
    );
    if !u.is_role {
        match u.plugin() {
            "mysql_native_password" if !u.auth.is_empty() => {
                global.push_str(&format!(" IDENTIFIED BY PASSWORD '{}'", u.auth));
            }
            "mysql_native_password" => {}
            p => {
                global.push_str(&format!(" IDENTIFIED VIA {p}"));
                if !u.auth.is_empty() {
                    global.push_str(&format!(" USING '{}'", u.auth));
                }
            }
        }
    }
    let mut with = Vec::new();
    if u.access & privs::GRANT != 0 {
        with.push("GRANT OPTION".to_string());
    }
    if u.max_user_connections != 0 {
        with.push(format!("MAX_USER_CONNECTIONS {}", u.max_user_connections));
    }
    if !with.is_empty() {
        global.push_str(&format!(" WITH {}", with.join(" ")));
    }
    lines.push(global);
    let mine = |gu: &str, gh: &str| gu == user && gh.eq_ignore_ascii_case(host);
    for g in acl.dbs.iter().filter(|g| mine(&g.user, &g.host)) {
        lines.push(format!(
            "GRANT {} ON `{}`.* TO {who}{}",
            privs::list(g.access, privs::DB_ALL),
            g.db,
            grant_option(g.access)
        ));
    }
    for g in acl.tables.iter().filter(|g| mine(&g.user, &g.host)) {
        let cols: Vec<&acl::ColumnGrant> = acl
            .columns
            .iter()
            .filter(|c| mine(&c.user, &c.host) && c.db == g.db && c.table == g.table)
            .collect();
        let mut parts = Vec::new();
        if g.access & privs::TABLE_ALL & !privs::GRANT == privs::TABLE_ALL & !privs::GRANT {
            parts.push("ALL PRIVILEGES".to_string());
        } else {
            for &(name, bit) in privs::NAMES {
                if g.access & bit != 0 {
                    parts.push(name.to_string());
                } else if g.columns & bit != 0 {
                    let names: Vec<String> = cols
                        .iter()
                        .filter(|c| c.access & bit != 0)
                        .map(|c| format!("`{}`", c.column))
                        .collect();
                    parts.push(format!("{name} ({})", names.join(", ")));
                }
            }
        }
        if parts.is_empty() {
            parts.push("USAGE".into());
        }
        lines.push(format!(
            "GRANT {} ON `{}`.`{}` TO {who}{}",
            parts.join(", "),
            g.db,
            g.table,
            grant_option(g.access)
        ));
    }
    if !u.default_role.is_empty() {
        lines.push(format!("SET DEFAULT ROLE `{}` FOR {who}", u.default_role));
    }
    Some(lines)
}

fn grant_option(access: u64) -> &'static str {
    if access & privs::GRANT != 0 {
        " WITH GRANT OPTION"
    } else {
        ""
    }
}
