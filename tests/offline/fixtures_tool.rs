//! `replicant relaylog verify | print` run as a user runs them, as a child process:
//!
//! - every file in `../shared/fixtures/mysql-binlogs` (MySQL 5.1 to 9.x; skipped with a
//!   message when the directory is absent) through `verify`, `print`, `print -v` and
//!   `print --json`: no panic, no signal, the damaged samples refused at their known
//!   position, everything else readable to the last byte;
//! - the position, database and time filters on a binlog a throwaway MariaDB writes, with
//!   `mariadb-binlog` as the oracle where the two tools agree by design;
//! - inputs that are no binlog at all (garbage, empty, a directory, a missing path) and
//!   malformed `--start-datetime` / `--stop-datetime` values.

use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;
use rand::{RngCore, SeedableRng};
use serde_json::Value;

/// Fixtures that must not verify, with the position named and words of the message: the
/// damaged samples the fixtures README names, and the binlogs of a pre-GA MySQL 5.1
/// development build. For the damaged ones `mariadb-binlog` stops at the same offsets: 4
/// (the 14-byte file ends 10 bytes into the first event header), 120 (the file ends 9 bytes
/// into the next header) and 91204 (a QUERY whose status-variable length runs 16 KB past the
/// event). It also fails on the wl2325 files (at 549 and 411), whose FORMAT_DESCRIPTION
/// gives TABLE_MAP, the rows events and XID type codes no release uses; replicant refuses
/// that description itself. Every other fixture must verify, to its last byte.
const MUST_FAIL: &[(&str, u64, &str)] = &[
    ("binlog_truncated_event.000001", 4, "truncated"),
    ("binlog_truncated_prev_gtid_event.000001", 120, "truncated"),
    ("corrupt-relay-bin.000624", 91204, "query status vars"),
    ("ver_5_1-wl2325_r.001", 4, "development build"),
    ("ver_5_1-wl2325_s.001", 4, "development build"),
    // The directory's description, not a binlog: refused at the magic.
    ("README.md", 0, "not a binlog file"),
];

/// 2035-01-01 00:00:00 UTC; the filter workload stamps its statements one hour apart from here.
const T1: u64 = 2_051_222_400;
const T2: u64 = T1 + 3600;
const T3: u64 = T1 + 7200;

fn fixtures_dir() -> Option<PathBuf> {
    crate::support::mysql_fixtures("fixtures_tool")
}

/// Every file in the fixtures directory, sorted.
fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("reading the fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn expected_failure(path: &Path) -> Option<(u64, &'static str)> {
    let name = path.file_name()?.to_str()?;
    MUST_FAIL
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, pos, words)| (pos, words))
}

/// `replicant relaylog SUB FLAGS... PATH`, failing the test if it panicked or died of a
/// signal.
fn relaylog(sub: &str, flags: &[&str], path: &Path) -> Output {
    let mut args = vec![OsStr::new("relaylog"), OsStr::new(sub)];
    args.extend(flags.iter().map(OsStr::new));
    args.push(path.as_os_str());
    run(&args)
}

/// Runs `replicant ARGS` and fails the test if it panicked or died of a signal.
fn run(args: &[&OsStr]) -> Output {
    let out = replicant_cmd(args);
    let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.signal().is_none(),
        "replicant {shown:?} was killed by signal {:?}\n{stderr}",
        out.status.signal()
    );
    assert!(
        out.status.code() != Some(101) && !stderr.contains("panicked"),
        "replicant {shown:?} panicked ({})\n{stderr}",
        out.status
    );
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `# at N` offsets of a text print, consecutive repeats (the events inside a
/// TRANSACTION_PAYLOAD carry their container's offset) collapsed.
fn at_offsets(print: &str) -> Vec<u64> {
    let mut v: Vec<u64> = print
        .lines()
        .filter_map(|l| l.strip_prefix("# at "))
        .map(|n| n.trim().parse().expect("# at offset"))
        .collect();
    v.dedup();
    v
}

/// Parses `--json` output: every line one object with a numeric "pos" and a string "type".
fn json_events(stdout: &str, what: &str) -> Vec<Value> {
    stdout
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{what}: line {} is not JSON ({e}): {line}", i + 1));
            assert!(v["pos"].is_u64(), "{what}: no numeric pos: {line}");
            assert!(v["type"].is_string(), "{what}: no type: {line}");
            v
        })
        .collect()
}

#[test]
fn every_fixture_verifies_or_fails_at_its_known_position() {
    let Some(dir) = fixtures_dir() else { return };
    let files = fixture_files(&dir);
    assert!(files.len() > 30, "only {} fixtures", files.len());
    for path in &files {
        let shown = path.display().to_string();
        let out = relaylog("verify", &[], path);
        let stdout = text(&out.stdout);
        match expected_failure(path) {
            None => {
                assert!(out.status.success(), "verify {shown}: {stdout}");
                // "<path>: OK, <events> events, <bytes> bytes", and the bytes are the whole file.
                let len = std::fs::metadata(path).expect("fixture size").len();
                assert!(
                    stdout.starts_with(&format!("{shown}: OK, "))
                        && stdout
                            .trim_end()
                            .ends_with(&format!(" events, {len} bytes")),
                    "verify {shown}: {stdout}"
                );
            }
            Some((pos, words)) => {
                assert_eq!(out.status.code(), Some(1), "verify {shown}: {stdout}");
                let head = format!("{shown}: BAD: {shown} at position {pos}");
                assert!(
                    stdout.starts_with(&head) && stdout.contains(words),
                    "verify {shown}: expected {head:?} ... {words:?}, got {stdout}"
                );
            }
        }
    }
}

#[test]
fn every_fixture_prints_in_every_mode() {
    let Some(dir) = fixtures_dir() else { return };
    for path in fixture_files(&dir) {
        let shown = path.display().to_string();
        let runs = [
            ("(plain)", relaylog("print", &[], &path)),
            ("-v", relaylog("print", &["-v"], &path)),
            ("--json", relaylog("print", &["--json"], &path)),
        ];
        for (flag, out) in &runs {
            let stderr = text(&out.stderr);
            match expected_failure(&path) {
                None => assert!(out.status.success(), "print {flag} {shown}: {stderr}"),
                Some((pos, words)) => {
                    assert_eq!(out.status.code(), Some(1), "print {flag} {shown}");
                    let head = format!("replicant: {shown} at position {pos}");
                    assert!(
                        stderr.starts_with(&head) && stderr.contains(words),
                        "print {flag} {shown}: expected {head:?} ... {words:?}, got {stderr}"
                    );
                }
            }
        }
        let plain = text(&runs[0].1.stdout);
        let verbose = text(&runs[1].1.stdout);
        let json = json_events(&text(&runs[2].1.stdout), &format!("--json {shown}"));
        let json_offsets: Vec<u64> = json.iter().map(|v| v["pos"].as_u64().unwrap()).collect();
        // Text and JSON walk the same events; -v adds row images, never events. A damaged
        // event may get its `# at` line printed before its body is found bad.
        let before = expected_failure(&path).map_or(u64::MAX, |(pos, _)| pos);
        let upto = |v: Vec<u64>| -> Vec<u64> { v.into_iter().filter(|&p| p < before).collect() };
        assert_eq!(
            upto(at_offsets(&plain)),
            json_offsets,
            "{shown}: text vs JSON"
        );
        assert_eq!(
            upto(at_offsets(&verbose)),
            json_offsets,
            "{shown}: -v vs JSON"
        );
        if expected_failure(&path).is_none() {
            assert!(plain.ends_with("# End of log file\n"), "{shown}");
            assert!(!json.is_empty(), "{shown}: no events");
        }
    }
}

/// A master whose binlog holds db01 (the seed's table) and db02 transactions, row- and
/// statement-based, at three controlled times T1 < T2 < T3 after the seed's own (now).
fn filter_workload() -> (MariaDb, PathBuf) {
    let db = MariaDb::start(MasterOpts::default());
    seed_db01_user(&db);
    db.sql(&format!(
        "SET TIMESTAMP={T1};
         CREATE DATABASE db02;
         CREATE TABLE db02.t (id INT PRIMARY KEY, v VARCHAR(20));
         USE db02;
         INSERT INTO t VALUES (1, 'one'), (2, 'two');
         USE db01;
         INSERT INTO db02.t VALUES (3, 'three');
         INSERT INTO user (name, sex) VALUES ('Alice', '0');"
    ));
    db.sql(&format!(
        "SET TIMESTAMP={T2};
         USE db02;
         UPDATE t SET v = 'uno' WHERE id = 1;
         SET SESSION binlog_format = 'STATEMENT';
         INSERT INTO t VALUES (4, 'four');
         USE db01;
         INSERT INTO user (name, sex) VALUES ('Bob', '1');
         SET SESSION binlog_format = 'ROW';
         DELETE FROM user WHERE name = 'Tom';"
    ));
    db.sql(&format!(
        "SET TIMESTAMP={T3};
         INSERT INTO db02.t VALUES (5, 'five');
         FLUSH BINARY LOGS;"
    ));
    let file = db.binlog_files()[0].clone();
    (db, file)
}

/// `relaylog print FLAGS FILE`'s stdout; it must succeed.
fn print_args(file: &Path, flags: &[&str]) -> String {
    let out = relaylog("print", flags, file);
    assert!(
        out.status.success(),
        "print {flags:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `mariadb-binlog ARGS FILE`'s stdout, in UTC; it must succeed.
fn mariadb_binlog(file: &Path, args: &[&str]) -> String {
    let out = Command::new("mariadb-binlog")
        .arg("--no-defaults")
        .args(args)
        .arg(file)
        .env("TZ", "UTC")
        .output()
        .expect("running mariadb-binlog");
    assert!(
        out.status.success(),
        "mariadb-binlog {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `mariadb-binlog --base64-output=decode-rows -v FLAGS FILE`: rows as pseudo-SQL.
fn oracle(file: &Path, flags: &[&str]) -> String {
    mariadb_binlog(
        file,
        &[&["--base64-output=decode-rows", "-v"][..], flags].concat(),
    )
}

/// The `# at` offsets `mariadb-binlog FLAGS FILE` prints. Without
/// `--base64-output=decode-rows` it prints the FORMAT_DESCRIPTION (as a BINLOG statement)
/// whatever the filters, as `relaylog print` does.
fn oracle_offsets(file: &Path, flags: &[&str]) -> Vec<u64> {
    at_offsets(&mariadb_binlog(file, flags))
}

/// (offset, timestamp) of every event, from an unfiltered `--json` print.
fn event_times(file: &Path) -> Vec<(u64, u64)> {
    json_events(&print_args(file, &["--json"]), "--json")
        .iter()
        .map(|v| (v["pos"].as_u64().unwrap(), v["timestamp"].as_u64().unwrap()))
        .collect()
}

#[test]
fn print_filters_on_a_mariadb_binlog() {
    let (_db, file) = filter_workload();
    let times = event_times(&file);
    let all: Vec<u64> = times.iter().map(|&(p, _)| p).collect();
    assert_eq!(at_offsets(&print_args(&file, &[])), all);
    assert_eq!(oracle_offsets(&file, &[]), all, "mariadb-binlog");
    let first_at = |t: u64| {
        times
            .iter()
            .find(|&&(_, ts)| ts == t)
            .map(|&(p, _)| p)
            .unwrap_or_else(|| panic!("no event at {t}: {times:?}"))
    };

    check_positions(&file, &all, first_at(T1), first_at(T3));
    check_database(&file);
    check_datetimes(&file, &times);
}

/// `--start-position` / `--stop-position`: exactly the events that start in [start, stop),
/// behind the FORMAT_DESCRIPTION (always printed, as mysqlbinlog does: it says how to read
/// the rest). On event boundaries that is what mariadb-binlog prints.
fn check_positions(file: &Path, all: &[u64], start: u64, stop: u64) {
    for (start, stop) in [(start, stop), (start + 1, stop + 1), (start, start + 1)] {
        let expect: Vec<u64> = std::iter::once(4)
            .chain(all.iter().copied().filter(|&p| p >= start && p < stop))
            .collect();
        let flags = [
            format!("--start-position={start}"),
            format!("--stop-position={stop}"),
        ];
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let ours = print_args(file, &flags);
        assert_eq!(at_offsets(&ours), expect, "{flags:?}");
        let json: Vec<u64> = json_events(
            &print_args(file, &[&flags[..], &["--json"][..]].concat()),
            "",
        )
        .iter()
        .map(|v| v["pos"].as_u64().unwrap())
        .collect();
        assert_eq!(json, expect, "--json {flags:?}");
        if all.contains(&start) && all.contains(&stop) {
            assert_eq!(
                oracle_offsets(file, &flags),
                expect,
                "mariadb-binlog {flags:?}"
            );
        }
    }
    let range = print_args(
        file,
        &[
            "-v",
            &format!("--start-position={start}"),
            &format!("--stop-position={stop}"),
        ],
    );
    for inside in ["'three'", "'uno'", "'Alice'", "'four'"] {
        assert!(range.contains(inside), "{inside} missing:\n{range}");
    }
    for outside in ["'Trigger'", "'five'"] {
        assert!(
            !range.contains(&format!("@2={outside}")),
            "{outside} printed:\n{range}"
        );
    }
}

/// `--database=db02`: statements whose default database is db02, and the table maps and
/// rows of db02's tables (also when written from a db01 session); nothing of db01.
fn check_database(file: &Path) {
    let ours = print_args(file, &["-v", "--database=db02"]);
    for line in ours.lines() {
        if let Some(rest) = line.strip_prefix("use `") {
            assert!(rest.starts_with("db02`"), "{line}");
        }
        for table_ref in [
            "Table_map: `",
            "### INSERT INTO `",
            "### UPDATE `",
            "### DELETE FROM `",
        ] {
            if let Some(at) = line.find(table_ref) {
                assert!(line[at + table_ref.len()..].starts_with("db02`"), "{line}");
            }
        }
    }
    for kept in [
        "###   @2='one'",
        "###   @2='three'",
        "###   @2='uno'",
        "INSERT INTO t VALUES (4, 'four')",
        "###   @2='five'",
    ] {
        assert!(ours.contains(kept), "{kept} missing:\n{ours}");
    }
    // Nor the original SQL of db01's row transactions (Annotate_rows, `#Q>`): mariadb-binlog
    // prints one only with the table map that follows it, i.e. only when that table is kept.
    for dropped in ["'Tom'", "'Alice'", "'Bob'", "db01`.`user"] {
        assert!(!ours.contains(dropped), "{dropped} printed:\n{ours}");
    }
    // The oracle agrees statement for statement and row for row.
    assert_eq!(
        row_and_statement_lines(&ours),
        row_and_statement_lines(&oracle(file, &["--database=db02"]))
    );
}

/// `--start-datetime` skips the events stamped before it; `--stop-datetime` stops at the
/// first event stamped at or after it. Both in UTC, `YYYY-MM-DD HH:MM:SS`.
fn check_datetimes(file: &Path, times: &[(u64, u64)]) {
    let t2 = "2035-01-01 01:00:00";
    let t3 = "2035-01-01 02:00:00";
    let from_t2: Vec<u64> = std::iter::once(4)
        .chain(
            times
                .iter()
                .filter(|&&(p, ts)| p != 4 && ts >= T2)
                .map(|&(p, _)| p),
        )
        .collect();
    let before_t2: Vec<u64> = times
        .iter()
        .take_while(|&&(_, ts)| ts < T2)
        .map(|&(p, _)| p)
        .collect();
    let only_t2: Vec<u64> = std::iter::once(4)
        .chain(
            times
                .iter()
                .take_while(|&&(_, ts)| ts < T3)
                .filter(|&&(p, ts)| p != 4 && ts >= T2)
                .map(|&(p, _)| p),
        )
        .collect();
    assert!(
        from_t2.len() > 5 && before_t2.len() > 5 && only_t2.len() > 5,
        "{times:?}"
    );

    let start = format!("--start-datetime={t2}");
    let stop2 = format!("--stop-datetime={t2}");
    let stop3 = format!("--stop-datetime={t3}");
    let ours = print_args(file, &["-v", &start]);
    assert_eq!(at_offsets(&ours), from_t2, "{start}");
    assert!(ours.contains("'uno'") && ours.contains("'five'") && !ours.contains("'three'"));

    let ours = print_args(file, &["-v", &stop2]);
    assert_eq!(at_offsets(&ours), before_t2, "{stop2}");
    assert_eq!(
        oracle_offsets(file, &[&stop2]),
        before_t2,
        "mariadb-binlog {stop2}"
    );
    assert!(ours.contains("'three'") && ours.contains("'Tom'") && !ours.contains("'uno'"));

    let ours = print_args(file, &["-v", &start, &stop3]);
    assert_eq!(at_offsets(&ours), only_t2, "{start} {stop3}");
    assert_eq!(
        oracle_offsets(file, &[&start, &stop3]),
        only_t2,
        "mariadb-binlog"
    );
    assert!(ours.contains("'uno'") && !ours.contains("'three'") && !ours.contains("'five'"));

    let json = json_events(&print_args(file, &["--json", &start, &stop3]), "--json");
    let stamps: Vec<u64> = json
        .iter()
        .map(|v| v["timestamp"].as_u64().unwrap())
        .collect();
    assert!(
        stamps[1..].iter().all(|&ts| (T2..T3).contains(&ts)),
        "--json {start} {stop3}: {stamps:?}"
    );
}

#[test]
fn bad_datetimes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("magic-only.000001");
    std::fs::write(&file, b"\xfebin").unwrap();
    for option in ["--start-datetime", "--stop-datetime"] {
        for bad in [
            "yesterday",
            "",
            "2035-13-01 00:00:00",
            "2035-02-30 00:00:00",
            "2035-01-01 24:00:00",
            "2035-01-01 00:60:00",
            "2035-01-01 00:00:00 UTC",
            "01/01/2035 00:00:00",
        ] {
            let arg = format!("{option}={bad}");
            let out = relaylog("print", &[&arg], &file);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{arg}: {stderr}");
            assert_eq!(
                stderr.trim_end(),
                format!("replicant: {option}: expected YYYY-MM-DD HH:MM:SS, got {bad:?}"),
                "{arg}"
            );
            assert!(out.stdout.is_empty(), "{arg}: printed before refusing");
        }
    }
}

#[test]
fn inputs_that_are_not_binlogs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_f11e);
    let mut garbage = vec![0u8; 4096];
    rng.fill_bytes(&mut garbage);
    garbage[0] = b'G'; // not the magic's 0xfe, whatever the seed gives
    let garbage_file = dir.path().join("garbage.bin");
    std::fs::write(&garbage_file, &garbage).unwrap();
    // The magic, then garbage: the first event header is refused.
    let mut magic_then_garbage = b"\xfebin".to_vec();
    magic_then_garbage.extend_from_slice(&garbage);
    let magic_file = dir.path().join("magic-garbage.bin");
    std::fs::write(&magic_file, &magic_then_garbage).unwrap();
    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    let subdir = dir.path().join("a-directory");
    std::fs::create_dir(&subdir).unwrap();
    let missing = dir.path().join("missing.000001");

    let cases: [(&Path, &str); 5] = [
        (&garbage_file, "at position 0: not a binlog file: bad magic"),
        (&magic_file, "at position 4"),
        (
            &empty,
            "at position 0: truncated: need 4 bytes for binlog magic, have 0",
        ),
        (&subdir, "at position 0: read error: Is a directory"),
        (
            &missing,
            "at position 0: cannot open: No such file or directory",
        ),
    ];
    for (path, words) in cases {
        let shown = path.display();
        for mode in [None, Some("-v"), Some("--json")] {
            let out = relaylog("print", mode.as_slice(), path);
            let stderr = text(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "print {mode:?} {shown}: {stderr}"
            );
            let head = format!("replicant: {shown} ");
            assert!(
                stderr.starts_with(&head) && stderr.contains(words),
                "print {mode:?} {shown}: expected {words:?}, got {stderr}"
            );
        }
        let out = relaylog("verify", &[], path);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "verify {shown}: {stdout}");
        assert!(
            stdout.starts_with(&format!("{shown}: BAD: {shown} ")) && stdout.contains(words),
            "verify {shown}: expected {words:?}, got {stdout}"
        );
    }
}
