//! Test support: throwaway MariaDB masters, the replicant binary as a child process,
//! sysbench workloads and `mariadb-binlog` as a decoding oracle.
//!
//! Integration tests use it with `mod support;` and `use support::*;`. Everything started
//! here is stopped by `Drop`, also when a test panics, and is SIGKILLed by the kernel if
//! the test binary dies (see [`process`]). Each test binary uses a subset of the helpers.

#![allow(dead_code, unused_imports)]

pub mod applied;
pub mod bank;
pub mod catchup;
pub mod decode;
pub mod mariadb;
pub mod process;
pub mod proxy;
pub mod replicant;
pub mod shared;
pub mod sysbench;

pub use applied::{
    assert_same_table, assert_same_table_3, dump, mariadb_replica, mariadb_replica_of, master,
    status_of, wait_mariadb_replica, Replica, APPLY_WAIT,
};
pub use bank::{bank_transfers, create_bank};
pub use catchup::{discard_dump, replicant_catchup, vm_hwm_kb, CaughtUp};
pub use decode::{
    binlog_gtids, index_files, mariadb_binlog_decode, mariadb_binlog_decode_all,
    row_and_statement_lines,
};
pub use mariadb::{port_open, seed_db01_user, MariaDb, MasterOpts, DB01_USER_ROWS};
pub use process::{cpu_ticks, env_or, perf_start, perf_stop, pid_alive, wait_for, wait_until};
pub use proxy::{FaultPlan, FaultProxy};
pub use replicant::{client_opts, replicant_cmd, run_args, Replicant, REPLICANT_BIN};
pub use shared::{mysql_fixtures, not_run};
pub use sysbench::{sysbench, sysbench_at, sysbench_cmd, sysbench_rate, SysbenchOpts};
