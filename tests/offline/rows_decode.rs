//! Row-event decoding against real binlogs: the MySQL-flavor fixtures in
//! `../shared/fixtures/mysql-binlogs` and a throwaway MariaDB 10.11 server, with
//! `mariadb-binlog -v` as the oracle for the `###` pseudo-SQL.
//!
//! Tests that need `../shared` or the MariaDB binaries skip with a message when absent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use replicant::binlog::event::{Event, EventType};
use replicant::binlog::events::TransactionPayload;
use replicant::binlog::file::{split_events, BinlogReader};
use replicant::binlog::rows::RowsEvent;
use replicant::binlog::table_map::TableMap;
use replicant::binlog::FormatDescription;
use replicant::inspect::rows_sql::{image_texts, write_rows_sql, write_unknown_table};

fn fixtures_dir() -> Option<PathBuf> {
    crate::support::mysql_fixtures("rows_decode")
}

/// A fixture file: `None` (recorded as not run) when ../shared is absent; a file missing
/// from a present ../shared fails the test.
fn fixture(name: &str) -> Option<PathBuf> {
    let p = fixtures_dir()?.join(name);
    assert!(p.is_file(), "{} is missing from ../shared", p.display());
    Some(p)
}

/// What reading a file produced.
#[derive(Default)]
struct Rendered {
    /// The `###` lines of every rows event, as write_rows_sql printed them.
    sql: Vec<u8>,
    /// Every decoded row image as (column, text) lists, in order.
    images: Vec<Vec<(usize, Vec<u8>)>>,
    /// TABLE_MAP events decoded.
    table_maps: usize,
    /// Rows events decoded.
    rows_events: usize,
    /// MariaDB compressed rows events among them.
    compressed_rows_events: usize,
    /// Column names logged in table maps (binlog_row_metadata=FULL).
    column_names: Vec<String>,
    /// Every TABLE_MAP, in order.
    maps: Vec<TableMap<'static>>,
    /// The first error: from the reader, or from decoding an event.
    error: Option<String>,
}

/// Reads `path` event by event, decoding every TABLE_MAP and rows event (also inside
/// TRANSACTION_PAYLOAD) and rendering the rows as `mysqlbinlog -v` does.
fn render(path: &Path) -> Rendered {
    let mut out = Rendered::default();
    let mut reader = match BinlogReader::open(path) {
        Ok(r) => r,
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    let mut maps: HashMap<u64, TableMap<'static>> = HashMap::new();
    loop {
        let fde = reader.fde().clone();
        match reader.next_event() {
            Ok(None) => break,
            Ok(Some((pos, ev))) => {
                if let Err(e) = handle(&ev, &fde, &mut maps, &mut out) {
                    out.error.get_or_insert(format!("at {pos}: {e}"));
                }
            }
            Err(stop) => {
                out.error.get_or_insert(stop.to_string());
                break;
            }
        }
    }
    out
}

fn handle(
    ev: &Event<'_>,
    fde: &FormatDescription,
    maps: &mut HashMap<u64, TableMap<'static>>,
    out: &mut Rendered,
) -> Result<(), String> {
    let Some(t) = ev.event_type() else {
        return Ok(());
    };
    if t == EventType::TableMap {
        let map = TableMap::parse(ev.body(), fde).map_err(|e| e.to_string())?;
        out.table_maps += 1;
        for i in 0..map.column_count() {
            if let Some(name) = map.column_name(i) {
                out.column_names
                    .push(String::from_utf8_lossy(name).into_owned());
            }
        }
        let map = map.into_owned();
        out.maps.push(map.clone());
        maps.insert(map.table_id, map);
    } else if t.is_rows() {
        let rows = RowsEvent::from_event(ev, fde).map_err(|e| e.to_string())?;
        out.rows_events += 1;
        out.compressed_rows_events += rows.kind.compressed as usize;
        let Some(map) = maps.get(&rows.table_id) else {
            write_unknown_table(&mut out.sql, rows.table_id).map_err(|e| e.to_string())?;
            return Ok(());
        };
        let rendered = write_rows_sql(&mut out.sql, &rows, map);
        for row in rows.rows(map).map_err(|e| e.to_string())? {
            let row = row.map_err(|e| e.to_string())?;
            for image in [row.before, row.after].into_iter().flatten() {
                out.images
                    .push(image_texts(&image).map_err(|e| e.to_string())?);
            }
        }
        rendered.map_err(|e| e.to_string())?;
    } else if t == EventType::TransactionPayload {
        let payload = TransactionPayload::parse(ev.body()).map_err(|e| e.to_string())?;
        let inner = payload.decompress().map_err(|e| e.to_string())?;
        for inner_ev in split_events(&inner) {
            let inner_ev = inner_ev.map_err(|e| e.to_string())?;
            handle(&inner_ev, fde, maps, out)?;
        }
    }
    Ok(())
}

/// The `###` lines of `mariadb-binlog --base64-output=decode-rows -v FILE`, or `None` when
/// the tool is missing or cannot read the whole file.
fn mariadb_binlog_rows(path: &Path) -> Option<Vec<u8>> {
    let output = Command::new("mariadb-binlog")
        .args(["--base64-output=decode-rows", "-v"])
        .arg(path)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(hash_lines(&output.stdout))
}

/// Only the `###` lines, newline-terminated.
fn hash_lines(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        if line.starts_with(b"###") {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

fn first_difference(ours: &[u8], theirs: &[u8]) -> String {
    let a: Vec<_> = ours.split(|&b| b == b'\n').collect();
    let b: Vec<_> = theirs.split(|&b| b == b'\n').collect();
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        if x != y {
            return format!(
                "line {}:\n  ours:   {}\n  theirs: {}",
                i + 1,
                String::from_utf8_lossy(x),
                String::from_utf8_lossy(y)
            );
        }
    }
    format!("line counts differ: ours {}, theirs {}", a.len(), b.len())
}

#[test]
fn every_fixture_decodes_without_panic() {
    let Some(dir) = fixtures_dir() else { return };
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    names.sort();
    let (mut maps, mut rows) = (0, 0);
    for path in &names {
        let r = render(path);
        maps += r.table_maps;
        rows += r.rows_events;
        let name = path.file_name().unwrap().to_string_lossy();
        // Only the damaged samples may stop with an error; the truncated ones must. The
        // corrupt relay log's damage is inside a QUERY event, which this test does not decode;
        // the wl2325 files come from a MySQL 5.2 development build that numbered its events
        // differently (mariadb-binlog rejects them too).
        let truncated = name.contains("truncated");
        let damaged = truncated || name.starts_with("corrupt") || name.contains("wl2325");
        match (&r.error, damaged) {
            (Some(e), false) => panic!("{name}: {e}"),
            (None, true) if truncated => panic!("{name}: damage not reported"),
            _ => {}
        }
    }
    assert!(
        maps > 30 && rows > 30,
        "{maps} table maps, {rows} rows events"
    );
}

#[test]
fn fixtures_match_mariadb_binlog() {
    let Some(dir) = fixtures_dir() else { return };
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(theirs) = mariadb_binlog_rows(&path) else {
            continue;
        };
        let r = render(&path);
        assert!(
            r.sql == theirs,
            "{}: {}",
            path.display(),
            first_difference(&r.sql, &theirs)
        );
        if !theirs.is_empty() {
            compared += 1;
        }
    }
    assert!(
        compared > 0,
        "mariadb-binlog printed no rows for any fixture (is it installed? apt-get install -y mariadb-client)"
    );
}

/// The texts of every image in a file, one string per column, `@N=value` style.
fn image_strings(path: &Path) -> Vec<Vec<String>> {
    let r = render(path);
    assert!(r.error.is_none(), "{}: {:?}", path.display(), r.error);
    r.images
        .iter()
        .map(|img| {
            img.iter()
                .map(|(c, t)| format!("@{}={}", c + 1, String::from_utf8_lossy(t)))
                .collect()
        })
        .collect()
}

#[test]
fn enum_string_set_fixture_values() {
    let Some(path) = fixture("mysql-enum-string-set.000001") else {
        return;
    };
    let images = image_strings(&path);
    assert_eq!(images.len(), 4, "insert, update (2 images), delete");
    assert_eq!(images[0][2], "@3=1");
    assert_eq!(images[0][3], "@4=b'00000101'");
    assert_eq!(images[0][4], "@5='0123456789'");
    assert_eq!(images[2][0], "@1='field1'");
    assert_eq!(images[2][1], "@2='field_2'");
    assert_eq!(images[2][2], "@3=2");
    assert_eq!(images[2][3], "@4=b'00001010'");
}

#[test]
fn bit_and_time_fixture_values() {
    if let Some(path) = fixture("mysql_type_bit.000001") {
        let images = image_strings(&path);
        assert_eq!(
            images,
            vec![vec!["@1=b'100'", "@2='foo'", "@3=b'00100000'"]]
        );
    }
    if let Some(path) = fixture("time_issue.000001") {
        assert_eq!(image_strings(&path), vec![vec!["@1='-507:48:27'"]]);
    }
}

/// A throwaway MariaDB server in a temp dir, killed on drop (also when a test panics).
struct Server {
    /// The mariadbd process.
    child: std::process::Child,
    /// Data directory, socket and logs.
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Installs a data directory and starts `mariadbd` with a ROW binlog; fails the test,
    /// saying what to install, when the MariaDB binaries are not installed.
    fn start() -> Server {
        let mariadbd = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists());
        let tools_present = ["mariadb-install-db", "mariadb", "mariadb-binlog"]
            .iter()
            .all(|t| Command::new(t).arg("--version").output().is_ok());
        let (Some(mariadbd), true) = (mariadbd, tools_present) else {
            panic!(
                "MariaDB's server and tools are not installed: apt-get install -y \
                 mariadb-server mariadb-client (scripts/test installs them)"
            );
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        // mysqld refuses to run as root unless told which user to be.
        let as_root = unsafe { libc::geteuid() } == 0;
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg("--auth-root-authentication-method=normal")
            .arg(format!("--datadir={}", data.display()));
        if as_root {
            install.arg("--user=root");
        }
        let out = install.output().expect("run mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let log = std::fs::File::create(dir.path().join("mariadbd.log")).unwrap();
        let mut cmd = Command::new(mariadbd);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--log-bin={}", data.join("bin").display()))
            .arg("--server-id=1")
            .arg("--binlog-format=ROW")
            .arg("--skip-grant-tables")
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if as_root {
            cmd.arg("--user=root");
        }
        let child = cmd.spawn().expect("start mariadbd");
        let server = Server { child, dir };
        for _ in 0..120 {
            if server.sql("SELECT 1").is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        let log = std::fs::read_to_string(server.dir.path().join("mariadbd.log"));
        panic!("mariadbd did not come up: {log:?}");
    }

    /// Runs SQL through the `mariadb` client over the socket.
    fn sql(&self, script: &str) -> Result<(), String> {
        use std::io::Write;
        let mut child = Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-uroot", "--default-character-set=utf8mb4"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn binlog(&self, name: &str) -> PathBuf {
        self.dir.path().join("data").join(name)
    }
}

/// A table with every column type MariaDB logs, and DML at the edges of each.
const EVERY_TYPE_SQL: &str = r#"
SET sql_mode = '';
SET time_zone = '+00:00';
CREATE DATABASE db01;
USE db01;
CREATE TABLE t (
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, bu BIGINT UNSIGNED,
  d1 DECIMAL(65,30), d2 DECIMAL(10,2), d3 DECIMAL(5,0), d4 DECIMAL(3,3), d5 DECIMAL(20,10),
  f FLOAT, dbl DOUBLE,
  b1 BIT(1), b64 BIT(64), b10 BIT(10),
  c CHAR(10), cw CHAR(200) CHARACTER SET utf8mb4, vc VARCHAR(100) CHARACTER SET utf8mb4,
  vcl VARCHAR(300), tx TEXT, mtx MEDIUMTEXT, ltx LONGTEXT, ttx TINYTEXT,
  bn BINARY(4), vb VARBINARY(10), bl BLOB,
  e ENUM('a','b','c'), s SET('x','y','z'), s9 SET('a','b','c','d','e','f','g','h','i'),
  dt DATE, tm TIME(3), tm0 TIME, tm6 TIME(6), dtm DATETIME(6), dtm0 DATETIME, dtm2 DATETIME(2),
  ts TIMESTAMP(3) NULL, ts0 TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL, y YEAR,
  j JSON, g GEOMETRY, p POINT
);
INSERT INTO t VALUES (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648,
  4294967295, -9223372036854775808, 18446744073709551615,
  '-99999999999999999999999999999999999.999999999999999999999999999999', '-12.34', 12345,
  '0.5', '-0.0000000001',
  1.5, 0.1, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
  b'1010101010',
  'ab', 'héllo😀', 'ünï''co\\de\n\t\r\0', REPEAT('x', 300), 'text', REPEAT('m', 70000),
  'lt', 'tt',
  x'00010203', x'ff00', x'deadbeef7f',
  'b', 'x,z', 'a,i',
  '0000-00-00', '-838:59:59.999', '12:34:56', '-00:00:01.000001',
  '2024-02-29 23:59:59.123456', '1000-01-01 00:00:00', '9999-12-31 23:59:59.99',
  '2038-01-19 03:14:07.999', '1970-01-01 00:00:01', '2001-02-03 04:05:06.000007', 2155,
  '{"a": [1, 2.5, "x"], "b": null, "c": "it''s"}', ST_GeomFromText('POINT(1 2)'), POINT(3,4));
INSERT INTO t (id) VALUES (2);
INSERT INTO t (id, ti, tu, f, dbl, d1, d2, tm, tm6, y, bi, bu, dt, dtm, e, s) VALUES
  (3, 127, 0, -3.4e38, 1e300, '99999999999999999999999999999999999.999999999999999999999999999999',
   '99999999.99', '-00:00:00.5', '838:59:59.999999', 1901, 9223372036854775807, 0,
   '9999-12-31', '0000-00-00 00:00:00', '', ''),
  (4, 0, 1, 1e-38, -2.2250738585072014e-308, '0', '0', '00:00:00', '-12:00:00.5', 0, -1, 1,
   '1000-01-01', '2000-01-01 00:00:00.000001', 'c', 'x,y,z'),
  (5, -1, 128, 123456789, 123456789012345678, '0.000000000000000000000000000001', '-0.01',
   '100:00:00', '00:00:00.000001', 2000, 1, 9223372036854775808, '2024-02-29',
   '1999-12-31 23:59:59.999999', 'a', 'y');
UPDATE t SET ti = 5, c = 'zz', vc = NULL WHERE id = 1;
UPDATE t SET f = 0.25, dbl = -0.0 WHERE id IN (3, 4);
DELETE FROM t WHERE id = 2;
CREATE TABLE `we``ird` (`a``b` INT PRIMARY KEY, v VARCHAR(5));
INSERT INTO `we``ird` VALUES (1, 'x'), (2, NULL);
SET SESSION binlog_row_image = 'MINIMAL';
UPDATE t SET tu = 7 WHERE id = 4;
DELETE FROM `we``ird` WHERE `a``b` = 2;
SET SESSION binlog_row_image = 'NOBLOB';
UPDATE t SET mtx = 'short', i = 3 WHERE id = 1;
SET SESSION binlog_row_image = 'FULL';
SET GLOBAL binlog_row_metadata = 'FULL';
SET GLOBAL log_bin_compress = ON;
SET GLOBAL log_bin_compress_min_len = 10;
INSERT INTO t (id, vc, tx, j) VALUES (6, 'compressed row', REPEAT('abc', 100), '[1, 2]');
UPDATE t SET vc = 'still compressed' WHERE id = 6;
DELETE FROM t WHERE id = 6;
SET GLOBAL log_bin_compress = OFF;
INSERT INTO `we``ird` VALUES (3, 'meta');
FLUSH BINARY LOGS;
"#;

#[test]
fn every_type_matches_mariadb_binlog() {
    let server = Server::start();
    server.sql(EVERY_TYPE_SQL).expect("workload");
    let path = server.binlog("bin.000001");
    let theirs = mariadb_binlog_rows(&path).expect("mariadb-binlog reads its own binlog");
    let r = render(&path);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.sql == theirs, "{}", first_difference(&r.sql, &theirs));
    // The workload exercised what it meant to: compressed rows and partial images.
    let text = String::from_utf8_lossy(&r.sql);
    assert!(
        text.contains("###   @30='\\x00\\x01\\x02\\x03'"),
        "BINARY(4)"
    );
    assert!(r.compressed_rows_events >= 3, "compressed rows events");
    assert!(
        r.column_names.iter().any(|n| n == "a`b"),
        "binlog_row_metadata=FULL column names: {:?}",
        r.column_names
    );
    assert!(text.contains("### DELETE FROM `db01`.`we``ird`"));
    assert!(r.rows_events >= 12, "{} rows events", r.rows_events);
    let lines = theirs.iter().filter(|&&b| b == b'\n').count();
    assert!(lines > 400, "only {lines} ### lines compared");
}

#[test]
fn json_vector_and_compressed_fixture_values() {
    if let Some(path) = fixture("json.binlog.000001") {
        let images = image_strings(&path);
        assert_eq!(
            images[0],
            vec![
                "@1=1",
                r#"@2='{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}'"#,
                "@3='Joe'",
                "@4=24"
            ]
        );
        // The last updates are partial: the after image carries a JSON diff.
        let last = images.last().unwrap();
        assert_eq!(last[0], "@2=JSON_REPLACE(@2, '$.age', 42)");
        assert_eq!(last[2], "@4=42");
    }
    if let Some(path) = fixture("json-opaque.binlog") {
        let values: Vec<String> = image_strings(&path).concat();
        assert_eq!(
            values,
            vec![
                r#"@1='{"a": "base64:type15:VQ=="}'"#,
                r#"@1='{"b": "2012-03-18"}'"#,
                r#"@1='{"c": "2012-03-18 11:30:45.000000"}'"#,
                r#"@1='{"c": "87:31:46.654321"}'"#,
                r#"@1='{"d": 123.456}'"#,
                r#"@1='{"e": 9.00}'"#,
                r#"@1='{"e": [0, 1, true, false]}'"#,
                r#"@1='{"e": null}'"#,
            ]
        );
    }
    if let Some(path) = fixture("vector.binlog") {
        let images = image_strings(&path);
        assert_eq!(
            images[0],
            vec!["@1=1", "@2=[1.10000e+00,2.20000e+00,3.30000e+00]"]
        );
        assert_eq!(images[2][2], "@3=NULL");
        let r = render(&path);
        assert_eq!(r.maps[0].columns()[1].vector_dimensions, Some(3));
    }
    if let Some(path) = fixture("transaction_compression.000001") {
        // The rows sit inside a zstd TRANSACTION_PAYLOAD.
        assert_eq!(image_strings(&path), vec![vec!["@1=1"]]);
    }
}

#[test]
fn optional_metadata_fixtures() {
    if let Some(path) = fixture("mysql-enum-string-set.000001") {
        let r = render(&path);
        let map = &r.maps[0];
        let names: Vec<_> = (0..map.column_count())
            .map(|i| map.column_name(i).unwrap_or_default())
            .collect();
        assert_eq!(names, vec![&b"f1"[..], b"f2", b"f3", b"f4", b"f5"]);
        let enum_values: Vec<_> = map.str_values(2).unwrap().collect();
        assert_eq!(enum_values, vec![&b"var1"[..], b"variant2", b"foo"]);
        let set_values: Vec<_> = map.str_values(3).unwrap().collect();
        assert_eq!(set_values, vec![&b"one"[..], b"two", b"three", b"four"]);
        assert_eq!(map.columns()[0].charset, Some(255));
    }
    if let Some(path) = fixture("binlog-invisible-columns.000001") {
        let r = render(&path);
        let visible: Vec<_> = r.maps[0].columns().iter().map(|c| c.visible).collect();
        let t = Some(true);
        let f = Some(false);
        assert_eq!(visible, vec![f, f, t, t, t, f]);
    }
    if let Some(path) = fixture("minimal_row_metadata.000001") {
        let r = render(&path);
        let unsigned: Vec<_> = r.maps[0].columns().iter().map(|c| c.unsigned).collect();
        assert_eq!(
            unsigned,
            vec![Some(false), None, None, Some(false), Some(true)]
        );
    }
}
