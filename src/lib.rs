//! replicant: a MySQL/MariaDB replica.
//!
//! The pipeline, one module per stage (see docs/ARCHITECTURE.md):
//!
//! - [`config`]: my.cnf and command-line options turned into one typed configuration.
//! - [`wire`]: the MySQL packet codec, the client side of the protocol (handshake, auth,
//!   TLS, text queries) used to talk to the master, and the server side the endpoint uses.
//! - [`binlog`]: binlog events (both flavors), checksums, binlog-format files.
//! - [`source`]: the receiver: registers with the master, streams COM_BINLOG_DUMP into the
//!   relay log, heartbeats and reconnects.
//! - [`relay`]: the relay log files and index: rotation, durability, crash recovery.
//! - [`inspect`]: the `relaylog print | list | verify` tool.
//! - [`apply`]: the applier: transactions, rows, DDL, skip rules, filters.
//! - [`store`]: RocksDB: catalog, rows, indexes, the applied position.
//! - [`control`]: the two replication threads under START / STOP / CHANGE MASTER control.
//! - [`sql`]: the SQL core: values and expression evaluation.
//! - [`endpoint`]: the MySQL-protocol server for clients and operators.
//!
//! Shared vocabulary, below all of them: [`sqlerror`] (mysqld's error codes and texts),
//! [`calendar`] (civil dates and the text of times), [`tz`] (time zones), [`coldef`] (result column types and
//! flags), [`shutdown`] (the one token every task, thread and session stops by), [`report`]
//! (a thread's status as the daemon holds it).

pub mod acl;
pub mod apply;
pub mod binlog;
pub mod calendar;
pub mod coldef;
pub mod config;
pub mod control;
pub mod endpoint;
pub mod inspect;
pub mod logbin;
pub mod relay;
pub mod report;
pub mod shutdown;
pub mod source;
pub mod sql;
pub mod sqlerror;
pub mod store;
pub mod tz;
pub mod wire;

#[cfg(test)]
mod layering;
