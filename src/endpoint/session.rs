//! A logged-in client's session: who it is, its database, variables, transaction state,
//! prepared statements and the conditions of its last statement; and what a statement
//! answers ([`Reply`]). Serving the connection is [`super::connection`]'s, the commands
//! [`super::commands`]', the statements [`super::statement`]'s.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::accounts::{Account, Peer, Privilege};
use super::{ProcessInfo, Shared};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::wire::resultset::Column;
use crate::wire::server::{STATUS_AUTOCOMMIT, STATUS_IN_TRANS};

/// What a statement answers.
#[derive(Debug)]
pub enum Reply {
    /// An OK packet (nothing the endpoint runs changes rows).
    Ok,
    /// A result set with text rows (`None` is NULL).
    Rows {
        /// Column definitions.
        columns: Vec<Column>,
        /// Rows.
        rows: Vec<Vec<Option<String>>>,
    },
    /// A result set of typed values (the query engine's).
    Values {
        /// Column definitions.
        columns: Vec<Column>,
        /// Rows.
        rows: Vec<Vec<crate::sql::value::Value>>,
    },
    /// An ERR packet.
    Err(SqlError),
}

/// A warning or note kept for SHOW WARNINGS.
#[derive(Clone, Debug)]
pub struct Condition {
    /// `Note`, `Warning` or `Error`.
    pub level: &'static str,
    /// The error.
    pub error: SqlError,
}

/// A connected client.
pub struct Session {
    /// Connection id.
    pub id: u32,
    /// Authenticated user.
    pub user: String,
    /// Host the user connected from (`localhost` or an address).
    pub host: String,
    /// The account it matched (CURRENT_USER()).
    pub account: Account,
    /// Where it connected from.
    pub peer: Peer,
    /// Who the session is for privilege checks: `Some` for an account replicated from
    /// the master, `None` for a local `account` line.
    pub principal: Option<crate::acl::Principal>,
    /// Logged in with an expired password: every statement is refused with 1820.
    pub sandbox: bool,
    /// The connection went through TLS (a password may travel in clear).
    pub tls: bool,
    /// KILL QUERY's flag for this session (its ProcessInfo holds the same).
    pub kill_query: Arc<std::sync::atomic::AtomicBool>,
    /// Current database.
    pub db: Option<String>,
    /// Session values of system variables.
    pub vars: BTreeMap<&'static str, Value>,
    /// User variables.
    pub user_vars: HashMap<String, Value>,
    /// `@@session.time_zone`, read.
    pub time_zone: crate::tz::TimeZone,
    /// Inside BEGIN ... COMMIT.
    pub in_trans: bool,
    /// The snapshot the current transaction reads (taken by START TRANSACTION WITH
    /// CONSISTENT SNAPSHOT or the transaction's first read).
    pub snapshot: Option<Arc<crate::store::view::ReadView>>,
    /// Conditions of the last statement.
    pub conditions: Vec<Condition>,
    /// Daemon state.
    pub shared: Arc<Shared>,
    /// This session's SHOW PROCESSLIST entry.
    pub process: Arc<Mutex<ProcessInfo>>,
    /// Client capabilities.
    pub caps: u32,
    /// MARIADB_CLIENT_CACHE_METADATA negotiated: column count packets carry a "metadata
    /// follows" byte, and prepared statements' unchanged metadata is not resent.
    pub cache_metadata: bool,
    /// Prepared statements by id.
    pub stmts: HashMap<u32, super::prepared::Prepared, crate::store::FastHash>,
    /// The last statement id handed out.
    pub last_stmt_id: u32,
}

impl Session {
    /// Admin rights, or mysqld's 1227.
    pub fn require_admin(&self, privilege: &str) -> Result<(), SqlError> {
        if self.account.privilege == Privilege::Admin || self.replicated_has(privilege) {
            Ok(())
        } else {
            Err(SqlError::new(
                1227,
                format!(
                    "Access denied; you need (at least one of) the {privilege} privilege(s) for this operation"
                ),
            ))
        }
    }

    /// Server status flags for OK/EOF packets.
    pub fn status(&self) -> u16 {
        let autocommit = self
            .vars
            .get("autocommit")
            .is_none_or(|v| v.truth() == Some(true));
        let mut s = 0;
        if autocommit {
            s |= STATUS_AUTOCOMMIT;
        }
        if self.in_trans {
            s |= STATUS_IN_TRANS;
        }
        s
    }

    /// The global max_allowed_packet (the session value is read-only in mysqld).
    pub(super) fn max_allowed_packet(&self) -> usize {
        self.shared
            .globals
            .lock()
            .ok()
            .and_then(|g| g.get("max_allowed_packet").and_then(|(_, v)| v.as_i64()))
            .map_or(16 << 20, |n| n.max(1024) as usize)
    }

    pub(super) fn warning_count(&self) -> u16 {
        self.conditions.len().min(u16::MAX as usize) as u16
    }
}
