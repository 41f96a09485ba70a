//! Replicated accounts on the endpoint: the ACL read from the store's mysql tables
//! (reloaded when the applier commits a new ACL epoch), accounts merged with the local
//! `account` lines, and the privilege checks of reads: SELECT on tables and columns
//! (1142, 1143), databases (1044), what SHOW and information_schema list, SHOW GRANTS
//! and mysql.user.

use std::sync::Arc;

use super::accounts::{Account, Peer, Privilege};
use super::session::Session;
use super::Shared;
use crate::acl::{self, privs, Acl, Client, Principal};
use crate::sql::engine;
use crate::sqlerror::SqlError;
use crate::store::catalog::Catalog;
use crate::store::view::ReadView;
use crate::wire::auth;
use crate::wire::packet::PacketIo;
use crate::wire::WireError;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};

/// The ACLs the endpoint holds, with the epochs they were read at, newest last (a few:
/// sessions in a transaction read an older view than the rest).
pub type AclCache = std::sync::Mutex<Vec<(Option<Vec<u8>>, Arc<Acl>)>>;

/// ACLs kept by epoch.
const ACL_VERSIONS: usize = 4;

/// How a client is seen by host matching.
pub fn client_of(peer: &Peer) -> Client {
    match peer {
        Peer::Socket => Client::Socket,
        Peer::Tcp(ip) => Client::Tcp(*ip),
    }
}

/// Reads the ACL tables from `view` (an empty ACL where the store has none yet).
fn load(view: &ReadView) -> Acl {
    let none = |_: &str| None;
    let rows = |sql: &str| -> Vec<Vec<String>> {
        let cx = engine::Context {
            view,
            env: &crate::sql::env::NoSession,
            db: None,
            names_from: sql,
            system_table: &none,
            access: None,
            placeholders: &[],
            params: &[],
        };
        match engine::select(sql, &cx) {
            Ok(rs) => rs
                .rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| v.render().unwrap_or_default())
                        .collect()
                })
                .collect(),
            Err(e) => {
                tracing::debug!(error = %e, sql, "account table not read");
                Vec::new()
            }
        }
    };
    let db_cols: Vec<&str> = privs::DB_COLUMNS.iter().map(|c| c.0).collect();
    let mut a = Acl {
        users: rows("SELECT Host, User, Priv FROM mysql.global_priv")
            .into_iter()
            .map(|r| acl::User::from_row(&r[0], &r[1], &r[2]))
            .collect(),
        dbs: rows(&format!(
            "SELECT Host, Db, User, {} FROM mysql.db",
            db_cols.join(", ")
        ))
        .into_iter()
        .map(|r| acl::DbGrant {
            access: r[3..]
                .iter()
                .zip(privs::DB_COLUMNS)
                .filter(|(v, _)| *v == "Y")
                .fold(0, |acc, (_, c)| acc | c.1),
            host: r[0].clone(),
            db: r[1].clone(),
            user: r[2].clone(),
        })
        .collect(),
        tables: rows(
            "SELECT Host, Db, User, Table_name, Table_priv, Column_priv FROM mysql.tables_priv",
        )
        .into_iter()
        .map(|r| acl::TableGrant {
            host: r[0].clone(),
            db: r[1].clone(),
            user: r[2].clone(),
            table: r[3].clone(),
            access: privs::from_set(&r[4], privs::TABLE_LABELS),
            columns: privs::from_set(&r[5], privs::TABLE_LABELS),
        })
        .collect(),
        columns: rows(
            "SELECT Host, Db, User, Table_name, Column_name, Column_priv FROM mysql.columns_priv",
        )
        .into_iter()
        .map(|r| acl::ColumnGrant {
            host: r[0].clone(),
            db: r[1].clone(),
            user: r[2].clone(),
            table: r[3].clone(),
            column: r[4].clone(),
            access: privs::from_set(&r[5], privs::TABLE_LABELS),
        })
        .collect(),
        roles: rows("SELECT Host, User, Role, Admin_option FROM mysql.roles_mapping")
            .into_iter()
            .map(|r| acl::RoleGrant {
                host: r[0].clone(),
                user: r[1].clone(),
                role: r[2].clone(),
                admin: r[3] == "Y",
            })
            .collect(),
    };
    a.sort();
    a
}

impl Shared {
    /// The ACL as of `view`: read again when the view holds another ACL epoch than the
    /// one read last.
    pub(super) fn acl_at(&self, view: &ReadView) -> Arc<Acl> {
        let epoch = view
            .get(crate::store::ACL_EPOCH_KEY)
            .ok()
            .flatten()
            .map(|v| v.to_vec());
        if let Ok(c) = self.acl.lock() {
            if let Some((_, acl)) = c.iter().rev().find(|(e, _)| *e == epoch) {
                return acl.clone();
            }
        }
        let acl = Arc::new(load(view));
        if let Ok(mut c) = self.acl.lock() {
            if c.len() >= ACL_VERSIONS {
                c.remove(0);
            }
            c.push((epoch, acl.clone()));
        }
        acl
    }

    /// The ACL as committed now.
    pub(super) fn acl_now(&self) -> Arc<Acl> {
        match self.control.store().read_view() {
            Ok(v) => self.acl_at(&v),
            Err(_) => Arc::new(Acl::default()),
        }
    }

    /// Logs `message` once per `key` for the daemon's lifetime.
    fn warn_once(&self, key: String, message: &str) {
        if let Ok(mut w) = self.warned.lock() {
            if w.insert(key.clone()) {
                tracing::warn!(account = %key, "{message}");
            }
        }
    }

    /// The account `user` from `peer` authenticates against: the most specific match among
    /// the local `account` lines and the accounts replicated from the master, as mysqld
    /// sorts mysql.user; a local account wins over a replicated one of the same user and
    /// host.
    pub(super) fn find_account(&self, user: &str, peer: &Peer) -> Option<Account> {
        let local = self.accounts.find(user, peer);
        let acl = self.acl_now();
        let client = client_of(peer);
        let replicated = acl.find(user, &client);
        if let (Some(l), Some(r)) = (local, replicated) {
            if l.user == r.user && l.host.eq_ignore_ascii_case(&r.host) {
                self.warn_once(
                    format!("'{}'@'{}'", l.user, l.host),
                    "a local account line and a replicated account have this name: the local one is used",
                );
                return Some(l.clone());
            }
        }
        let pick_replicated = match (local, replicated) {
            (None, None) => return None,
            (Some(l), None) => return Some(l.clone()),
            (None, Some(_)) => true,
            (Some(l), Some(r)) => {
                acl::host_order(&r.host, &r.user) < acl::host_order(&l.host, &l.user)
            }
        };
        if !pick_replicated {
            return local.cloned();
        }
        let r = replicated?;
        let mut sha2_crypt = None;
        let mut sha2 = None;
        let (plugin, native, ed25519) = match r.plugin() {
            "mysql_native_password" => (
                auth::NATIVE,
                acl::password::parse_native_hash(&r.auth),
                None,
            ),
            "ed25519" if r.auth.is_empty() => (auth::NATIVE, None, None),
            "ed25519" => (auth::ED25519, None, Some(r.auth.clone())),
            "caching_sha2_password" => {
                if !r.auth.is_empty() {
                    sha2 = self
                        .sha2_cache
                        .lock()
                        .ok()
                        .and_then(|c| c.get(&r.auth).copied());
                    sha2_crypt = Some(r.auth.clone());
                }
                (auth::CACHING_SHA2, None, None)
            }
            other => {
                self.warn_once(
                    format!("'{}'@'{}'", r.user, r.host),
                    &format!("the account authenticates with the plugin {other}, which the endpoint cannot check: its logins are refused"),
                );
                (UNSUPPORTED, None, None)
            }
        };
        let mut plugin = plugin;
        if plugin == auth::NATIVE && native.is_none() && !r.auth.is_empty() {
            self.warn_once(
                format!("'{}'@'{}'", r.user, r.host),
                "the account's mysql_native_password hash is not '*' + 40 hex digits: its logins are refused",
            );
            plugin = UNSUPPORTED;
        }
        if r.password_unknown {
            self.warn_once(
                format!("'{}'@'{}'", r.user, r.host),
                "the account was made before the master's binlog began and its password never replicated: its logins are refused until the master sets one",
            );
            plugin = UNSUPPORTED;
        }
        Some(Account {
            user: r.user.clone(),
            host: r.host.clone(),
            plugin,
            native,
            sha2,
            ed25519,
            sha2_crypt,
            privilege: Privilege::Read,
            replicated: Some(r.clone()),
        })
    }
}

impl Shared {
    /// The RSA key pair caching_sha2_password's full authentication hands out (its public
    /// half in PEM) when the client has no secure connection; made on first use.
    pub(super) fn rsa_key(&self) -> Option<&(rsa::RsaPrivateKey, String)> {
        self.rsa
            .get_or_init(|| {
                use rsa::pkcs8::EncodePublicKey;
                let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).ok()?;
                let pem = key
                    .to_public_key()
                    .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
                    .ok()?;
                Some((key, pem))
            })
            .as_ref()
    }

    /// Remembers SHA256(SHA256(password)) of a caching_sha2_password account after a full
    /// authentication, for the fast path of its next logins.
    pub(super) fn cache_sha2(&self, auth_string: &str, password: &[u8]) {
        if let Ok(mut c) = self.sha2_cache.lock() {
            c.insert(
                auth_string.to_string(),
                crate::wire::server::sha2_stage2(password),
            );
        }
    }
}

/// The plugin of an account whose logins cannot be checked.
pub const UNSUPPORTED: &str = "unsupported";

impl Session {
    /// The ACL and this session's principal, for a replicated account.
    pub(super) fn grants(&self, view: &ReadView) -> Option<(Arc<Acl>, &Principal)> {
        let p = self.principal.as_ref()?;
        Some((self.shared.acl_at(view), p))
    }

    /// `'user'@'host'` as mysqld's access errors name the session.
    fn who(&self) -> String {
        format!("'{}'@'{}'", self.user, self.host)
    }

    /// SELECT on `db`.`table` (with `columns` read), or 1142 / 1143.
    pub(super) fn check_select(
        &self,
        acl: &Acl,
        p: &Principal,
        db: &str,
        table: &str,
        columns: Option<&[&str]>,
        every: bool,
    ) -> Result<(), SqlError> {
        if db.eq_ignore_ascii_case("information_schema") {
            return Ok(());
        }
        let (t, c) = acl.table(p, db, table);
        if t & privs::SELECT != 0 {
            return Ok(());
        }
        let denied_table = || {
            SqlError::new(
                1142,
                format!(
                    "SELECT command denied to user {} for table `{db}`.`{table}`",
                    self.who()
                ),
            )
        };
        if c & privs::SELECT == 0 {
            return Err(denied_table());
        }
        let Some(columns) = columns else {
            return Ok(());
        };
        let missing: Vec<&&str> = columns
            .iter()
            .filter(|col| acl.column(p, db, table, col) & privs::SELECT == 0)
            .collect();
        match missing.first() {
            None => Ok(()),
            // Every column read (SELECT *): the table is refused, as mysqld does.
            Some(_) if every => Err(denied_table()),
            Some(col) => Err(SqlError::new(
                1143,
                format!(
                    "SELECT command denied to user {} for column '{col}' in table '{table}'",
                    self.who()
                ),
            )),
        }
    }

    /// USE `db` and connecting with it: 1044 when the account has no privilege there.
    pub(super) fn check_db(&mut self, db: &str) -> Result<(), SqlError> {
        if self.principal.is_none() || db.eq_ignore_ascii_case("information_schema") {
            return Ok(());
        }
        let view = self.read_view()?;
        let Some((acl, p)) = self.grants(&view) else {
            return Ok(());
        };
        if acl.sees_db(p, db) {
            return Ok(());
        }
        Err(SqlError::new(
            1044,
            format!(
                "Access denied for user '{}'@'{}' to database '{db}'",
                self.user, p.account_host
            ),
        ))
    }

    /// `cat` as this session may see it: the databases and tables it has privileges on.
    pub(super) fn visible(&self, view: &ReadView, cat: Catalog) -> Catalog {
        let Some((acl, p)) = self.grants(view) else {
            return cat;
        };
        visible_to(&acl, p, cat)
    }

    /// A replicated account holds one of the global privileges `names` (as mysqld's
    /// 1227 lists them, comma-separated) or SUPER.
    pub(super) fn replicated_has(&self, names: &str) -> bool {
        let Some(p) = &self.principal else {
            return false;
        };
        let wanted = names
            .split(',')
            .filter_map(|n| privs::by_name(n.trim()))
            .fold(privs::SUPER, |acc, b| acc | b);
        self.shared.acl_now().global(p) & wanted != 0
    }
}

/// `cat` with only what `p` has privileges on.
pub fn visible_to(acl: &Acl, p: &Principal, mut cat: Catalog) -> Catalog {
    cat.tables.retain(|(db, t), _| {
        let (a, c) = acl.table(p, db, t);
        (a | c) & privs::TABLE_ALL & !privs::GRANT != 0
    });
    cat.views.retain(|(db, t), _| {
        let (a, c) = acl.table(p, db, t);
        (a | c) & privs::TABLE_ALL & !privs::GRANT != 0
    });
    cat.routines.retain(|(db, ..), _| acl.sees_db(p, db));
    let tables = &cat.tables;
    cat.databases
        .retain(|db, _| acl.sees_db(p, db) || tables.keys().any(|(d, _)| d == db));
    cat
}

/// What a replicated account's settings say of a login that gave the right password:
/// ACCOUNT LOCK (4151), MAX_USER_CONNECTIONS (1226), an expired password (a session
/// where every statement is refused with 1820, as MariaDB's default
/// disconnect_on_expired_password=OFF gives). Returns the principal and whether the session is such a sandbox.
pub(super) fn admit(
    shared: &Shared,
    account: &Account,
    user: &str,
    peer: &Peer,
    caps: u32,
) -> Result<(Option<crate::acl::Principal>, bool), SqlError> {
    let Some(r) = &account.replicated else {
        return Ok((None, false));
    };
    if r.locked {
        return Err(SqlError::new(
            4151,
            "Access denied, this account is locked".into(),
        ));
    }
    if r.max_user_connections > 0 {
        let key = (r.user.clone(), r.host.clone());
        let n = shared.sessions.lock().map_or(0, |s| {
            s.values()
                .filter(|p| p.lock().is_ok_and(|p| p.account.as_ref() == Some(&key)))
                .count()
        });
        if n as i64 >= r.max_user_connections {
            return Err(SqlError::new(
                1226,
                format!(
                    "User '{}' has exceeded the 'max_user_connections' resource (current value: {})",
                    r.user, r.max_user_connections
                ),
            ));
        }
    }
    // MariaDB's default disconnect_on_expired_password=OFF: every client gets the
    // sandbox, whether or not it says it can handle expired passwords.
    let _ = caps;
    let sandbox = r.expired;
    let acl = shared.acl_now();
    // Grants are matched by the account's user (mysqld's priv_user: "" for the
    // anonymous account), not by the name typed.
    let _ = user;
    let principal = acl.principal(r, &r.user, client_of(peer));
    Ok((Some(principal), sandbox))
}

/// caching_sha2_password's full authentication: asks for the password, which comes in
/// clear over a secure connection, else RSA-encrypted (after the client has asked for the
/// public key). `None` when the client answers otherwise.
pub(super) async fn full_authentication<S>(
    io: &mut PacketIo<BufReader<S>>,
    shared: &Arc<Shared>,
    secure: bool,
    nonce: &[u8; 20],
) -> Result<Option<Vec<u8>>, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    // perform_full_authentication.
    io.write_packet(&[0x01, 0x04]).await?;
    let mut pkt = Vec::new();
    io.read_packet(&mut pkt).await?;
    let mut password = if secure {
        pkt
    } else if pkt == [0x02] {
        let Some((key, pem)) = shared.rsa_key() else {
            return Ok(None);
        };
        let mut answer = vec![0x01];
        answer.extend_from_slice(pem.as_bytes());
        io.write_packet(&answer).await?;
        io.read_packet(&mut pkt).await?;
        let Ok(mut plain) = key.decrypt(rsa::Oaep::new::<sha1::Sha1>(), &pkt) else {
            return Ok(None);
        };
        for (i, b) in plain.iter_mut().enumerate() {
            *b ^= nonce[i % nonce.len()];
        }
        plain
    } else {
        return Ok(None);
    };
    if password.last() == Some(&0) {
        password.pop();
    }
    Ok(Some(password))
}
