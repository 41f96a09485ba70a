//! Accounts that may connect to the endpoint, from `account` options in my.cnf:
//!
//! ```text
//! account = USER@HOST [IDENTIFIED BY 'password'
//!                     | IDENTIFIED BY PASSWORD '*HEX'
//!                     | IDENTIFIED WITH caching_sha2_password BY 'password'] [READ | ADMIN]
//! ```
//!
//! USER and HOST may be quoted ('', "" or ``); HOST is a pattern with `%` and `_` as in
//! mysql.user, and `localhost` matches the socket, 127.0.0.1 and ::1. With no `account`
//! option the endpoint has what a fresh mysqld has: `root@localhost`, no password, admin.

use crate::wire::auth;
use crate::wire::server::{native_stage2, sha2_stage2};

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Privilege {
    /// Reads, SHOW, session statements.
    Read,
    /// Also CHANGE MASTER TO, START/STOP/RESET SLAVE, SET GLOBAL.
    Admin,
}

/// One account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// User name.
    pub user: String,
    /// Host pattern.
    pub host: String,
    /// The plugin clients must answer with (`mysql_native_password` or
    /// `caching_sha2_password`).
    pub plugin: &'static str,
    /// SHA1(SHA1(password)), for mysql_native_password; `None` with no password.
    pub native: Option<[u8; 20]>,
    /// SHA256(SHA256(password)), for caching_sha2_password; `None` with no password.
    pub sha2: Option<[u8; 32]>,
    /// What it may do (a replicated account: what its grants say, checked per statement).
    pub privilege: Privilege,
    /// client_ed25519's public key (authentication_string), for ed25519 accounts.
    pub ed25519: Option<String>,
    /// A MySQL caching_sha2_password authentication_string (`$A$005$...`): the password
    /// is checked against it by full authentication (TLS, the socket or RSA) until its
    /// SHA256(SHA256(password)) is cached.
    pub sha2_crypt: Option<String>,
    /// The master's account (mysql.global_priv) this one is; `None`: an `account` line.
    pub replicated: Option<crate::acl::User>,
}

impl Account {
    /// True when the account has no password.
    pub fn passwordless(&self) -> bool {
        self.native.is_none()
            && self.sha2.is_none()
            && self.ed25519.is_none()
            && self.sha2_crypt.is_none()
    }
}

/// Where a client connects from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// The unix socket.
    Socket,
    /// A TCP address (IPv4-mapped IPv6 addresses already unmapped).
    Tcp(std::net::IpAddr),
}

impl Peer {
    /// The host as mysqld names it in USER(), error messages and SHOW PROCESSLIST:
    /// `localhost` for the socket and the loopback addresses, else the address.
    pub fn host_name(&self) -> String {
        match self {
            Peer::Socket => "localhost".into(),
            Peer::Tcp(ip) if ip.is_loopback() => "localhost".into(),
            Peer::Tcp(ip) => ip.to_string(),
        }
    }
}

/// The accounts of the endpoint.
#[derive(Clone, Debug)]
pub struct Accounts {
    /// Most specific host first, as mysqld sorts mysql.user.
    list: Vec<Account>,
}

impl Accounts {
    /// Parses `account` options; none gives the fresh-mysqld root account.
    pub fn from_options(specs: &[String]) -> Result<Accounts, String> {
        let mut list = Vec::new();
        for s in specs {
            list.push(parse_account(s).map_err(|e| format!("account = {s}: {e}"))?);
        }
        if list.is_empty() {
            list.push(Account {
                user: "root".into(),
                host: "localhost".into(),
                plugin: auth::NATIVE,
                native: None,
                sha2: None,
                privilege: Privilege::Admin,
                ed25519: None,
                sha2_crypt: None,
                replicated: None,
            });
        }
        // Literal hosts before patterns, longer literal prefixes first, '%' last.
        list.sort_by_key(|a| crate::acl::host_order(&a.host, &a.user));
        Ok(Accounts { list })
    }

    /// The account `user` connecting from `peer` authenticates against, if any.
    pub fn find(&self, user: &str, peer: &Peer) -> Option<&Account> {
        self.list
            .iter()
            .find(|a| (a.user.is_empty() || a.user == user) && host_matches(&a.host, peer))
    }
}

/// mysql.user host matching (the replicated accounts' rule).
fn host_matches(pattern: &str, peer: &Peer) -> bool {
    crate::acl::host_matches(pattern, &super::privileges::client_of(peer))
}

/// Splits an account spec into words, unquoting quoted ones; `@` is its own word.
fn words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '@' {
            chars.next();
            out.push("@".into());
        } else if c == '\'' || c == '"' || c == '`' {
            chars.next();
            let mut w = String::new();
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated {c}quoted{c} word")),
                    Some('\\') if c != '`' => match chars.next() {
                        Some(e) => w.push(e),
                        None => return Err("unterminated escape".into()),
                    },
                    Some(x) if x == c => {
                        // A doubled quote stands for itself.
                        if chars.peek() == Some(&c) {
                            chars.next();
                            w.push(c);
                        } else {
                            break;
                        }
                    }
                    Some(x) => w.push(x),
                }
            }
            out.push(w);
        } else {
            let mut w = String::new();
            while let Some(&x) = chars.peek() {
                if x.is_whitespace() || x == '@' {
                    break;
                }
                w.push(x);
                chars.next();
            }
            out.push(w);
        }
    }
    Ok(out)
}

fn parse_account(spec: &str) -> Result<Account, String> {
    let w = words(spec)?;
    let (user, host, rest) = match w.as_slice() {
        [u, at, h, rest @ ..] if at == "@" => (u.clone(), h.clone(), rest),
        [u, rest @ ..] => (u.clone(), "%".to_string(), rest),
        [] => return Err("expected USER@HOST".into()),
    };
    let mut acc = Account {
        user,
        host,
        plugin: auth::NATIVE,
        native: None,
        sha2: None,
        privilege: Privilege::Read,
        ed25519: None,
        sha2_crypt: None,
        replicated: None,
    };
    let up: Vec<String> = rest.iter().map(|s| s.to_ascii_uppercase()).collect();
    let mut i = 0;
    while i < rest.len() {
        match up[i].as_str() {
            "READ" => acc.privilege = Privilege::Read,
            "ADMIN" => acc.privilege = Privilege::Admin,
            "IDENTIFIED" => {
                let mut plugin = auth::NATIVE;
                i += 1;
                if up.get(i).map(String::as_str) == Some("WITH")
                    || up.get(i).map(String::as_str) == Some("VIA")
                {
                    plugin = match rest.get(i + 1).map(|s| s.to_ascii_lowercase()).as_deref() {
                        Some(auth::NATIVE) => auth::NATIVE,
                        Some(auth::CACHING_SHA2) => auth::CACHING_SHA2,
                        Some(other) => {
                            return Err(format!(
                                "plugin {other} is not supported (use {} or {})",
                                auth::NATIVE,
                                auth::CACHING_SHA2
                            ))
                        }
                        None => return Err("IDENTIFIED WITH needs a plugin name".into()),
                    };
                    i += 2;
                }
                if up.get(i).map(String::as_str) != Some("BY") {
                    return Err("expected IDENTIFIED [WITH plugin] BY".into());
                }
                i += 1;
                if up.get(i).map(String::as_str) == Some("PASSWORD") {
                    let hash = rest.get(i + 1).ok_or("expected the '*HEX' hash")?;
                    acc.native = Some(parse_native_hash(hash)?);
                    if plugin != auth::NATIVE {
                        return Err("a '*HEX' hash is a mysql_native_password hash".into());
                    }
                    i += 1;
                } else {
                    let pw = rest.get(i).ok_or("expected a password")?;
                    if !pw.is_empty() {
                        acc.native = Some(native_stage2(pw.as_bytes()));
                        acc.sha2 = Some(sha2_stage2(pw.as_bytes()));
                    }
                }
                acc.plugin = plugin;
            }
            _ => return Err(format!("unexpected {:?}", rest[i])),
        }
        i += 1;
    }
    Ok(acc)
}

/// `*` + 40 hex digits, as mysqld shows mysql_native_password hashes.
fn parse_native_hash(s: &str) -> Result<[u8; 20], String> {
    crate::acl::password::parse_native_hash(s)
        .ok_or_else(|| format!("{s:?} is not a '*' + 40 hex digit password hash"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(s: &str) -> Peer {
        Peer::Tcp(s.parse().unwrap())
    }

    #[test]
    fn default_root_is_local_only() {
        let a = Accounts::from_options(&[]).unwrap();
        for peer in [Peer::Socket, tcp("127.0.0.1"), tcp("::1")] {
            let acc = a.find("root", &peer).unwrap();
            assert!(acc.passwordless());
            assert_eq!(acc.privilege, Privilege::Admin);
        }
        assert!(a.find("root", &tcp("10.0.0.1")).is_none());
        assert!(a.find("bob", &Peer::Socket).is_none());
    }

    #[test]
    fn specs_parse_and_match() {
        let a = Accounts::from_options(&[
            "app@'192.168.%' IDENTIFIED BY 'pa''ss'".into(),
            "'mon'@'%' IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' READ"
                .into(),
            "admin@localhost IDENTIFIED WITH caching_sha2_password BY \"s3\" ADMIN".into(),
            "haproxy".into(),
        ])
        .unwrap();
        let app = a.find("app", &tcp("192.168.1.7")).unwrap();
        assert_eq!(app.native, Some(native_stage2(b"pa'ss")));
        assert_eq!(app.privilege, Privilege::Read);
        assert!(a.find("app", &tcp("10.1.1.1")).is_none());
        // SELECT PASSWORD('password') on mysqld.
        let mon = a.find("mon", &tcp("10.1.1.1")).unwrap();
        assert_eq!(mon.native, Some(native_stage2(b"password")));
        let admin = a.find("admin", &Peer::Socket).unwrap();
        assert_eq!(admin.plugin, auth::CACHING_SHA2);
        assert_eq!(admin.privilege, Privilege::Admin);
        assert!(a.find("haproxy", &tcp("10.9.9.9")).unwrap().passwordless());
        assert!(a.find("root", &Peer::Socket).is_none());
    }

    #[test]
    fn bad_specs_say_why() {
        for bad in [
            "x@y IDENTIFIED BY PASSWORD 'nothex'",
            "x@y IDENTIFIED WITH ed25519 BY 'p'",
            "x@y GRANT",
            "'x@y",
        ] {
            assert!(Accounts::from_options(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
