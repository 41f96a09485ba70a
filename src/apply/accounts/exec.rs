//! Account statements carried out as mysqld carries them out: as changes to the rows of
//! mysql.global_priv, db, tables_priv, columns_priv and roles_mapping, made through
//! statement replay in the group's transaction (so they commit with it, atomically).

use serde_json::{json, Map, Value as Json};

use super::stmt::{Auth, Expire, Options, Spec, Stmt, UserName};
use crate::acl::privs;
use crate::apply::replay::{MasterSession, Replay};
use crate::apply::rows::RowError;
use crate::sqlerror::SqlError;
use crate::store::Txn;

/// The mysql tables one account statement changes, through replay.
pub(super) struct Sys<'x, 'a, 's> {
    /// Replay over the group's tables.
    pub replay: &'x mut Replay<'a>,
    /// The master session of the statement.
    pub session: &'x MasterSession<'s>,
    /// The group's transaction.
    pub txn: &'x mut Txn,
    /// The master's version as global_priv's `version_id` holds it (101119 for 10.11.19).
    pub version_id: u32,
}

/// The global_priv key marking an account replicant created on first mention (the master
/// had it before its binlog began): its password is unknown, its logins are refused.
pub const PASSWORD_UNKNOWN: &str = "replicant_password_unknown";

/// A string literal of `s`.
pub(super) fn q(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

pub(super) fn sql(e: SqlError) -> RowError {
    RowError::Sql(e, "")
}

fn failed(op: &str, u: &str, h: &str) -> RowError {
    let who = if h.is_empty() {
        format!("'{u}'")
    } else {
        format!("'{u}'@'{h}'")
    };
    sql(SqlError::new(
        1396,
        format!("Operation {op} failed for {who}"),
    ))
}

fn bad_role(r: &str) -> RowError {
    sql(SqlError::new(
        1959,
        format!("Invalid role specification `{r}`"),
    ))
}

impl Sys<'_, '_, '_> {
    pub(super) fn exec(&mut self, text: &str) -> Result<(), RowError> {
        self.replay.run(text, self.session, self.txn, false)
    }

    pub(super) fn rows(&mut self, select: &str) -> Result<Vec<Vec<Option<String>>>, RowError> {
        let rs = self
            .replay
            .query_result(select, self.session, self.txn)
            .map_err(sql)?;
        Ok(rs
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.render()).collect())
            .collect())
    }

    pub(super) fn user_doc(
        &mut self,
        user: &str,
        host: &str,
    ) -> Result<Option<Map<String, Json>>, RowError> {
        let rows = self.rows(&format!(
            "SELECT Priv FROM mysql.global_priv WHERE Host = {} AND User = {}",
            q(host),
            q(user)
        ))?;
        Ok(rows.into_iter().next().map(|r| {
            match serde_json::from_str(r[0].as_deref().unwrap_or("{}")) {
                Ok(Json::Object(m)) => m,
                _ => Map::new(),
            }
        }))
    }

    pub(super) fn put_user(
        &mut self,
        user: &str,
        host: &str,
        doc: &Map<String, Json>,
    ) -> Result<(), RowError> {
        let text = Json::Object(doc.clone()).to_string();
        self.exec(&format!(
            "REPLACE INTO mysql.global_priv (Host, User, Priv) VALUES ({}, {}, {})",
            q(host),
            q(user),
            q(&text)
        ))
    }

    /// The account's document, or a new one (no password, no privileges) when replicant
    /// has not seen it: the master had it before its binlog began (root@localhost of its
    /// installation, accounts made before log-bin), where a mysqld replica, cloned from
    /// the master's data, would have it too.
    pub(super) fn user_doc_or_new(
        &mut self,
        user: &str,
        host: &str,
    ) -> Result<Map<String, Json>, RowError> {
        Ok(match self.user_doc(user, host)? {
            Some(d) => d,
            None => {
                tracing::info!(
                    user,
                    host,
                    "account from before the master's binlog: created"
                );
                // Its password is not known here: logins are refused until the master
                // sets one (an empty authentication_string would let anyone in).
                let mut d = self.new_doc(None, &Options::default());
                d.insert(PASSWORD_UNKNOWN.into(), json!(true));
                d
            }
        })
    }

    /// The host of a grantee written without one: "" for a role, else "%".
    fn host_of(&mut self, n: &UserName) -> Result<String, RowError> {
        if let Some(h) = &n.host {
            return Ok(h.clone());
        }
        Ok(if self.is_role(&n.user)? {
            String::new()
        } else {
            "%".into()
        })
    }

    fn is_role(&mut self, name: &str) -> Result<bool, RowError> {
        Ok(self
            .user_doc(name, "")?
            .is_some_and(|d| d.get("is_role").and_then(Json::as_bool) == Some(true)))
    }

    /// A new account's document, its keys in the order mysqld writes them (later changes
    /// keep each key in place and add new ones at the end, as mysqld does).
    fn new_doc(&self, auth: Option<&Auth>, o: &Options) -> Map<String, Json> {
        let mut d = Map::new();
        d.insert("access".into(), json!(0));
        d.insert("version_id".into(), json!(self.version_id));
        let (plugin, string) = auth.map_or(("mysql_native_password", ""), |a| {
            (a.plugin.as_str(), a.auth.as_str())
        });
        d.insert("plugin".into(), json!(plugin));
        d.insert("authentication_string".into(), json!(string));
        if let Some(n) = o.max_user_connections {
            d.insert("max_user_connections".into(), json!(n));
        }
        if let Some(l) = o.lock {
            d.insert("account_locked".into(), json!(l));
        }
        d.insert(
            "password_last_changed".into(),
            json!(self.session.timestamp),
        );
        self.set_options(&mut d, o);
        d
    }

    fn set_auth(&self, d: &mut Map<String, Json>, a: &Auth) {
        d.shift_remove(PASSWORD_UNKNOWN);
        d.insert("plugin".into(), json!(a.plugin));
        d.insert("authentication_string".into(), json!(a.auth));
        d.insert(
            "password_last_changed".into(),
            json!(self.session.timestamp),
        );
    }

    fn set_options(&self, d: &mut Map<String, Json>, o: &Options) {
        if let Some(n) = o.max_user_connections {
            d.insert("max_user_connections".into(), json!(n));
        }
        if let Some(l) = o.lock {
            d.insert("account_locked".into(), json!(l));
        }
        match o.expire {
            Some(Expire::Now) => {
                d.insert("password_last_changed".into(), json!(0));
                if !d.contains_key("password_lifetime") {
                    d.insert("password_lifetime".into(), json!(-1));
                }
            }
            Some(Expire::Lifetime(n)) => {
                d.insert("password_lifetime".into(), json!(n));
            }
            None => {}
        }
    }

    /// Deletes every row of `user`@`host` (and, for a role, its grants to others).
    fn drop_all(&mut self, user: &str, host: &str, role: bool) -> Result<(), RowError> {
        let w = format!("Host = {} AND User = {}", q(host), q(user));
        for t in [
            "global_priv",
            "db",
            "tables_priv",
            "columns_priv",
            "roles_mapping",
            "proxies_priv",
        ] {
            self.exec(&format!("DELETE FROM mysql.{t} WHERE {w}"))?;
        }
        if role {
            self.exec(&format!(
                "DELETE FROM mysql.roles_mapping WHERE Role = {}",
                q(user)
            ))?;
        }
        Ok(())
    }

    fn role_granted(
        &mut self,
        user: &str,
        host: &str,
        role: &str,
    ) -> Result<Option<bool>, RowError> {
        let rows = self.rows(&format!(
            "SELECT Admin_option FROM mysql.roles_mapping WHERE Host = {} AND User = {} AND Role = {}",
            q(host),
            q(user),
            q(role)
        ))?;
        Ok(rows
            .into_iter()
            .next()
            .map(|r| r[0].as_deref() == Some("Y")))
    }

    /// Carries out one statement.
    pub(super) fn run(&mut self, stmt: &Stmt) -> Result<(), RowError> {
        match stmt {
            Stmt::Flush => Ok(()),
            Stmt::NotKept => {
                self.replay
                    .system_ignored
                    .set(self.replay.system_ignored.get() + 1);
                Ok(())
            }
            Stmt::CreateUser {
                or_replace,
                if_not_exists,
                specs,
                opts,
            } => {
                for Spec { name, auth } in specs {
                    let host = name.host.clone().unwrap_or_else(|| "%".into());
                    if self.user_doc(&name.user, &host)?.is_some() {
                        if *if_not_exists {
                            continue;
                        }
                        if !or_replace {
                            return Err(failed("CREATE USER", &name.user, &host));
                        }
                        self.drop_all(&name.user, &host, false)?;
                    }
                    let d = self.new_doc(auth.as_ref(), opts);
                    self.put_user(&name.user, &host, &d)?;
                }
                Ok(())
            }
            Stmt::AlterUser {
                if_exists,
                specs,
                opts,
            } => {
                for Spec { name, auth } in specs {
                    let host = name.host.clone().unwrap_or_else(|| "%".into());
                    if *if_exists && self.user_doc(&name.user, &host)?.is_none() {
                        continue;
                    }
                    let mut d = self.user_doc_or_new(&name.user, &host)?;
                    if let Some(a) = auth {
                        self.set_auth(&mut d, a);
                    }
                    self.set_options(&mut d, opts);
                    self.put_user(&name.user, &host, &d)?;
                }
                Ok(())
            }
            Stmt::Drop {
                if_exists,
                names,
                role,
            } => {
                for n in names {
                    let host = match (&n.host, role) {
                        (Some(h), _) => h.clone(),
                        (None, true) => String::new(),
                        (None, false) => "%".into(),
                    };
                    // One replicant never saw (made before the master's binlog) has
                    // nothing here to drop.
                    let _ = if_exists;
                    self.drop_all(&n.user, &host, *role)?;
                }
                Ok(())
            }
            Stmt::Rename(pairs) => {
                for (from, to) in pairs {
                    let fh = from.host.clone().unwrap_or_else(|| "%".into());
                    let th = to.host.clone().unwrap_or_else(|| "%".into());
                    if self.user_doc(&to.user, &th)?.is_some() {
                        return Err(failed("RENAME USER", &from.user, &fh));
                    }
                    for t in [
                        "global_priv",
                        "db",
                        "tables_priv",
                        "columns_priv",
                        "roles_mapping",
                        "proxies_priv",
                    ] {
                        self.exec(&format!(
                            "UPDATE mysql.{t} SET Host = {}, User = {} WHERE Host = {} AND User = {}",
                            q(&th),
                            q(&to.user),
                            q(&fh),
                            q(&from.user)
                        ))?;
                    }
                }
                Ok(())
            }
            Stmt::CreateRole {
                or_replace,
                if_not_exists,
                name,
            } => {
                if self.user_doc(name, "")?.is_some() {
                    if *if_not_exists {
                        return Ok(());
                    }
                    if !or_replace {
                        return Err(failed("CREATE ROLE", name, ""));
                    }
                    self.drop_all(name, "", true)?;
                }
                let mut d = Map::new();
                d.insert("access".into(), json!(0));
                d.insert("version_id".into(), json!(self.version_id));
                d.insert("is_role".into(), json!(true));
                self.put_user(name, "", &d)
            }
            Stmt::Grant {
                privs: p,
                level,
                to,
                opts,
            } => {
                let mut p = p.clone();
                if opts.grant_option {
                    p.bits |= privs::GRANT;
                }
                for Spec { name, auth } in to {
                    let host = self.host_of(name)?;
                    let mut d = self.user_doc_or_new(&name.user, &host)?;
                    if let Some(a) = auth {
                        self.set_auth(&mut d, a);
                    }
                    self.set_options(&mut d, opts);
                    self.put_user(&name.user, &host, &d)?;
                    self.change(&name.user, &host, &p, level, true)?;
                }
                Ok(())
            }
            Stmt::Revoke {
                privs: p,
                level,
                from,
            } => {
                let mut p = p.clone();
                if p.all {
                    p.bits |= privs::GRANT;
                }
                for n in from {
                    let host = self.host_of(n)?;
                    if self.user_doc(&n.user, &host)?.is_none() {
                        // Made before the master's binlog: no grant of it is kept here.
                        continue;
                    }
                    self.change(&n.user, &host, &p, level, false)?;
                }
                Ok(())
            }
            Stmt::RevokeAll(from) => {
                for n in from {
                    let host = self.host_of(n)?;
                    let Some(mut d) = self.user_doc(&n.user, &host)? else {
                        continue;
                    };
                    d.insert("access".into(), json!(0));
                    self.put_user(&n.user, &host, &d)?;
                    let w = format!("Host = {} AND User = {}", q(&host), q(&n.user));
                    for t in ["db", "tables_priv", "columns_priv"] {
                        self.exec(&format!("DELETE FROM mysql.{t} WHERE {w}"))?;
                    }
                }
                Ok(())
            }
            Stmt::GrantRoles { roles, to, admin } => {
                for role in roles {
                    if !self.is_role(role)? {
                        return Err(bad_role(role));
                    }
                    for n in to {
                        let host = self.host_of(n)?;
                        if self.user_doc(&n.user, &host)?.is_none() {
                            let d = self.user_doc_or_new(&n.user, &host)?;
                            self.put_user(&n.user, &host, &d)?;
                        }
                        let had = self.role_granted(&n.user, &host, role)?;
                        let keep_admin = had == Some(true);
                        self.exec(&format!(
                            "DELETE FROM mysql.roles_mapping WHERE Host = {} AND User = {} AND Role = {}",
                            q(&host), q(&n.user), q(role)
                        ))?;
                        self.exec(&format!(
                            "INSERT INTO mysql.roles_mapping (Host, User, Role, Admin_option) VALUES ({}, {}, {}, {})",
                            q(&host), q(&n.user), q(role),
                            if *admin || keep_admin { "'Y'" } else { "'N'" }
                        ))?;
                    }
                }
                Ok(())
            }
            Stmt::RevokeRoles {
                roles,
                from,
                admin_only,
            } => {
                for role in roles {
                    for n in from {
                        let host = self.host_of(n)?;
                        if self.role_granted(&n.user, &host, role)?.is_none() {
                            return Err(bad_role(role));
                        }
                        let w = format!(
                            "Host = {} AND User = {} AND Role = {}",
                            q(&host),
                            q(&n.user),
                            q(role)
                        );
                        if *admin_only {
                            self.exec(&format!(
                                "UPDATE mysql.roles_mapping SET Admin_option = 'N' WHERE {w}"
                            ))?;
                        } else {
                            self.exec(&format!("DELETE FROM mysql.roles_mapping WHERE {w}"))?;
                        }
                    }
                }
                Ok(())
            }
            Stmt::SetPassword(n, auth) => {
                let host = n.host.clone().unwrap_or_else(|| "%".into());
                let mut d = self.user_doc_or_new(&n.user, &host)?;
                // SET PASSWORD keeps the account's plugin: a hash that is not
                // mysql_native_password's belongs to it (ed25519's key).
                let mut auth = auth.clone();
                let plugin = d.get("plugin").and_then(Json::as_str).unwrap_or("");
                if !plugin.is_empty()
                    && plugin != "mysql_native_password"
                    && crate::acl::password::parse_native_hash(&auth.auth).is_none()
                {
                    auth.plugin = plugin.to_string();
                }
                self.set_auth(&mut d, &auth);
                self.put_user(&n.user, &host, &d)
            }
            Stmt::SetDefaultRole(role, n) => {
                let host = n.host.clone().unwrap_or_else(|| "%".into());
                let mut d = self.user_doc_or_new(&n.user, &host)?;
                match role {
                    Some(r) => {
                        if self.role_granted(&n.user, &host, r)?.is_none() {
                            return Err(bad_role(r));
                        }
                        d.insert("default_role".into(), json!(r));
                    }
                    None => {
                        d.shift_remove("default_role");
                    }
                }
                self.put_user(&n.user, &host, &d)
            }
        }
    }
}
