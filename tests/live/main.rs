//! Tests against live MariaDB masters and the replicant daemon, in one binary (each
//! integration-test binary links RocksDB: fewer binaries build and link faster). Each module
//! was a test binary of its own; its doc says what it covers.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod apply;
mod apply_crash;
mod apply_random;
mod apply_reader;
mod apply_statement;
mod apply_types;
mod chain;
mod checksum;
mod clients;
mod disk_full;
mod endpoint;
mod endpoint_input;
mod endpoint_meta;
mod endpoint_snapshot;
mod foreign_keys;
mod harness;
mod logbin;
mod query_oracle;
mod readers;
mod receive;
