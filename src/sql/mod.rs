//! The SQL core (../shared/DESIGN.md): values with MySQL's rendering, expression evaluation,
//! and, as the query-engine issue lands, binding, planning and execution over the store.
//!
//! Today it evaluates the SELECTs clients send without tables (`SELECT @@version_comment
//! LIMIT 1`, `SELECT USER()`, `SELECT 1`), with session facts supplied by the caller through
//! [`constant::Env`].
//!
//! Architecture invariant: nothing here knows about sockets or packets; the endpoint turns
//! results into the protocol, statement replay will call the same code.

pub mod constant;
pub mod decimal;
pub mod engine;
pub mod geometry;
pub mod memtable;
pub mod split;
pub mod temporal;
pub mod value;
