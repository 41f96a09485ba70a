//! Tests that need no live server of their own, in one binary (each integration-test
//! binary links RocksDB: fewer binaries build and link faster): the MySQL fixtures applied
//! and printed, the parsers fuzzed, rows decoded against mariadb-binlog, the statement
//! corpus, the store's crash safety.

#[path = "../support/mod.rs"]
mod support;

mod apply_fixtures;
mod fixtures_tool;
mod fuzz_parsers;
mod rows_decode;
mod statement_corpus;
mod store_crash;
