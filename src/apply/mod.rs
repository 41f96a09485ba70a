//! The applier stage (in progress): replays the relay log into the store.
//!
//! Built so far: [`relay_reader::GroupReader`], which follows the relay log the receiver
//! writes (tailing the current file, moving on through the index) and hands out complete
//! event groups — transactions — with the relay and master coordinates just past each.
//! The store, row/DDL apply and the applied position are the next steps (see
//! docs/ARCHITECTURE.md).
//!
//! Architecture invariant: the applier never talks to the network and never writes the
//! relay log; it reads relay files only.

pub mod relay_reader;
pub mod statement;
