//! The SQL core: values with MySQL's rendering and comparison, reading client SQL
//! ([`parse`]), and the query engine ([`engine`]) that binds, plans and evaluates every
//! expression, with or without tables, with session facts supplied by the caller through
//! [`env::Env`].
//!
//! Architecture invariant: nothing here knows about sockets or packets; the endpoint turns
//! results into the protocol, statement replay will call the same code.

pub mod decimal;
pub mod engine;
pub mod env;
pub mod geometry;
pub mod locale;
pub mod memtable;
pub mod parse;
pub mod split;
pub mod temporal;
pub mod value;
