//! Data under `../shared` (the MySQL-written binlog fixtures): present on the workspace
//! machine and in CI, absent in a clone elsewhere. A test that needs it and finds it absent
//! records itself as NOT RUN — never as a pass: `scripts/test` counts the records and says
//! why, and `.ci/run` fails when there is any. A missing tool or server is not this case:
//! it fails the test, saying what to install.

use std::io::Write;
use std::path::PathBuf;

/// The MySQL fixtures' directory.
pub const MYSQL_FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/fixtures/mysql-binlogs"
);

/// The MySQL fixtures' directory, or `None` after recording `test` as not run.
pub fn mysql_fixtures(test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(MYSQL_FIXTURES);
    if dir.is_dir() {
        return Some(dir);
    }
    not_run(test, &format!("{} is absent", dir.display()));
    None
}

/// Records that `test` did not run (all or part of it) and why, in the file
/// `$REPLICANT_NOT_RUN` names (scripts/test sets it), else in the temp directory.
pub fn not_run(test: &str, why: &str) {
    let path = std::env::var_os("REPLICANT_NOT_RUN")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("replicant-not-run.log"));
    eprintln!("NOT RUN: {test}: {why}");
    let line = format!("{test}: {why}\n");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = f.write_all(line.as_bytes());
    }
}
