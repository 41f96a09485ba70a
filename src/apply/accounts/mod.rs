//! Accounts and privileges from the master (mysqld's ACL tables).
//!
//! Replicant keeps its own copy of the mysql tables that hold accounts and grants —
//! `global_priv`, `db`, `tables_priv`, `columns_priv`, `roles_mapping`, `proxies_priv`,
//! in MariaDB 10.4+'s layout — as ordinary stored tables, created at start-up
//! ([`ensure_system_tables`]). Row events and statements on them apply as on any table
//! (the usual hardening `DELETE FROM mysql.global_priv WHERE User=''` included), and
//! account statements ([`parse`]) become the row changes mysqld makes for them
//! ([`exec`]), in the group's transaction. Each account statement and FLUSH PRIVILEGES
//! also writes a new ACL epoch in that transaction: the endpoint reloads its accounts
//! from the tables when it sees one (direct DML waits for FLUSH PRIVILEGES, as in mysqld).

mod exec;
mod grants;
pub mod parse;
pub mod stmt;
mod tokens;

use super::ddl::{self, DdlContext};
use super::replay::{MasterSession, Replay};
use super::rows::{RowApplier, RowError};
use super::schema;
use crate::store::catalog::Catalog;
use crate::store::{Store, Txn, ACL_EPOCH_KEY};

const PRIV: &str =
    "enum('N','Y') CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci NOT NULL DEFAULT 'N'";
const OPTIONS: &str = "ENGINE=Aria DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin";

/// The mysql tables replicant keeps, with MariaDB 10.11's definitions (so the master's
/// row events on them match).
pub fn system_tables() -> Vec<(&'static str, String)> {
    let db_privs: Vec<String> = crate::acl::privs::DB_COLUMNS
        .iter()
        .map(|(c, _)| format!("`{c}` {PRIV}"))
        .collect();
    vec![
        (
            "global_priv",
            format!("CREATE TABLE mysql.global_priv (`Host` char(255) NOT NULL DEFAULT '', `User` char(128) NOT NULL DEFAULT '', `Priv` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '{{}}', PRIMARY KEY (`Host`,`User`)) {OPTIONS} COMMENT='Users and global privileges'"),
        ),
        (
            "db",
            format!("CREATE TABLE mysql.db (`Host` char(255) NOT NULL DEFAULT '', `Db` char(64) NOT NULL DEFAULT '', `User` char(128) NOT NULL DEFAULT '', {}, PRIMARY KEY (`Host`,`Db`,`User`), KEY `User` (`User`)) {OPTIONS} COMMENT='Database privileges'", db_privs.join(", ")),
        ),
        (
            "tables_priv",
            format!("CREATE TABLE mysql.tables_priv (`Host` char(255) NOT NULL DEFAULT '', `Db` char(64) NOT NULL DEFAULT '', `User` char(128) NOT NULL DEFAULT '', `Table_name` char(64) NOT NULL DEFAULT '', `Grantor` varchar(384) NOT NULL DEFAULT '', `Timestamp` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), `Table_priv` set('Select','Insert','Update','Delete','Create','Drop','Grant','References','Index','Alter','Create View','Show view','Trigger','Delete versioning rows') CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci NOT NULL DEFAULT '', `Column_priv` set('Select','Insert','Update','References') CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci NOT NULL DEFAULT '', PRIMARY KEY (`Host`,`Db`,`User`,`Table_name`), KEY `Grantor` (`Grantor`)) {OPTIONS} COMMENT='Table privileges'"),
        ),
        (
            "columns_priv",
            format!("CREATE TABLE mysql.columns_priv (`Host` char(255) NOT NULL DEFAULT '', `Db` char(64) NOT NULL DEFAULT '', `User` char(128) NOT NULL DEFAULT '', `Table_name` char(64) NOT NULL DEFAULT '', `Column_name` char(64) NOT NULL DEFAULT '', `Timestamp` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), `Column_priv` set('Select','Insert','Update','References') CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci NOT NULL DEFAULT '', PRIMARY KEY (`Host`,`Db`,`User`,`Table_name`,`Column_name`)) {OPTIONS} COMMENT='Column privileges'"),
        ),
        (
            "roles_mapping",
            format!("CREATE TABLE mysql.roles_mapping (`Host` char(255) NOT NULL DEFAULT '', `User` char(128) NOT NULL DEFAULT '', `Role` char(128) NOT NULL DEFAULT '', `Admin_option` {PRIV}, UNIQUE KEY `Host` (`Host`,`User`,`Role`)) {OPTIONS} COMMENT='Granted roles'"),
        ),
        (
            "proxies_priv",
            format!("CREATE TABLE mysql.proxies_priv (`Host` char(255) NOT NULL DEFAULT '', `User` char(128) NOT NULL DEFAULT '', `Proxied_host` char(255) NOT NULL DEFAULT '', `Proxied_user` char(128) NOT NULL DEFAULT '', `With_grant` tinyint(1) NOT NULL DEFAULT 0, `Grantor` varchar(384) NOT NULL DEFAULT '', `Timestamp` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), PRIMARY KEY (`Host`,`User`,`Proxied_host`,`Proxied_user`), KEY `Grantor` (`Grantor`)) {OPTIONS} COMMENT='User proxy privileges'"),
        ),
    ]
}

/// Creates the `mysql` database and the account tables that are missing from `cat`
/// (a new store, or one from before replicant kept them). True when it created any.
pub fn ensure_system_tables(
    cat: &mut Catalog,
    store: &Store,
    txn: &mut Txn,
    rows: &mut RowApplier,
) -> Result<bool, RowError> {
    let ctx = DdlContext {
        db: None,
        collation_server: 8,
        collation_database: None,
        mysql: false,
        collation_connection: 33,
        sql_mode: 0,
        charset_client: 33,
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32),
    };
    let mut created = false;
    let sql = |e| RowError::Sql(e, "");
    if !cat.databases.contains_key("mysql") {
        for op in ddl::parse("CREATE DATABASE mysql", &ctx, cat).map_err(sql)? {
            schema::execute(op, cat, store, txn, rows, ctx.timestamp)?;
        }
        created = true;
    }
    for (name, create) in system_tables() {
        if cat
            .tables
            .contains_key(&("mysql".to_string(), name.to_string()))
        {
            continue;
        }
        for op in ddl::parse(&create, &ctx, cat).map_err(sql)? {
            schema::execute(op, cat, store, txn, rows, ctx.timestamp)?;
        }
        created = true;
    }
    Ok(created)
}

/// Writes a new ACL epoch in `txn`: the endpoint reloads accounts once it commits.
pub fn touch_acl(txn: &mut Txn) {
    txn.put(ACL_EPOCH_KEY, &rand::random::<u64>().to_be_bytes());
}

/// global_priv's `version_id` of a server version (`10.11.19-MariaDB-log` → 101119).
pub fn version_id(server_version: &str) -> u32 {
    let mut parts = server_version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    a * 10000 + b * 100 + c
}

/// Carries out account statement `sql` (default database `db`) in `txn`.
pub fn execute(
    sql: &str,
    db: &str,
    replay: &mut Replay<'_>,
    session: &MasterSession<'_>,
    txn: &mut Txn,
    server_version: &str,
) -> Result<(), RowError> {
    let stmt = parse::parse(sql, db).map_err(|e| RowError::Sql(e, ""))?;
    exec::Sys {
        replay,
        session,
        txn,
        version_id: version_id(server_version),
    }
    .run(&stmt)?;
    touch_acl(txn);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_ids() {
        assert_eq!(super::version_id("10.11.19-MariaDB-0+deb12u1-log"), 101119);
        assert_eq!(super::version_id("8.0.36"), 80036);
    }
}
