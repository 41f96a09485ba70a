//! The inspection tool: `replicant relaylog print | list | verify`, for any binlog-format
//! file (a master's binlogs, replicant's relay logs, mysqld's relay logs).
//!
//! Architecture invariant: read-only. Nothing here writes or repairs a file; damaged input
//! produces an error naming the file, the position and the cause, never a panic.

pub mod events;
pub mod list;
mod parallel;
pub mod print;
pub mod rows_print;
pub mod rows_sql;
pub mod verify;
