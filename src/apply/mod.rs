//! The applier stage (mysqld's SQL thread): replays the relay log into the store.
//!
//! - [`crate::relay::reader::GroupReader`] follows the relay log the receiver writes and hands out
//!   complete event groups (transactions, DDL statements).
//! - [`applier::Applier`] applies each group as one store transaction together with the
//!   applied position (exactly once), under the conflict policy (slave_skip_errors,
//!   IDEMPOTENT).
//! - [`statement`] sorts QUERY statements; [`ddl`] parses DDL into catalog operations and
//!   [`schema`] executes them; [`rows`] applies row events; [`encode`] packs values from
//!   text (defaults, ALTER conversions); [`error`] carries mysqld's codes.
//!
//! Architecture invariant: the applier never talks to the network and never writes the
//! relay log; it reads relay files only, and changes the store only through transactions
//! that carry the applied position.

pub mod accounts;
pub mod applier;
mod create_select;
pub mod ddl;
pub mod encode;
pub mod error;
pub mod filter;
mod generated;
mod group;
pub mod load;
pub mod replay;
pub mod rows;
pub mod schema;
pub mod shape;
pub mod statement;
pub mod status;
mod text;
mod trigger;
