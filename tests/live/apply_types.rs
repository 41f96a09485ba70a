//! Every column type with edge values, through a real MariaDB master in ROW format:
//! the replica's table must print byte for byte as the master's.

use crate::support::*;

const ALL_TYPES: &str = "CREATE TABLE t.alltypes (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
  mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, dc DECIMAL(10,2), dcw DECIMAL(65,30), dcu DECIMAL(5,0) UNSIGNED,
  b1 BIT(1), b10 BIT(10), b64 BIT(64),
  c CHAR(10), cl CHAR(100), vc VARCHAR(300), bn BINARY(4), vb VARBINARY(20),
  tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT, tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
  e ENUM('a','b','c'), st SET('x','y','z'),
  y YEAR, dt DATE, tm TIME, tm6 TIME(6), dtm DATETIME, dtm3 DATETIME(3),
  ts TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  j JSON, lat VARCHAR(20) CHARACTER SET latin1, u8 VARCHAR(20) COLLATE utf8mb4_bin,
  KEY (vc(10)), UNIQUE KEY (i, dt)
) DEFAULT CHARSET=utf8mb4";

const ROWS: &str = "SET SESSION sql_mode='';
INSERT INTO t.alltypes (id) VALUES (1);
INSERT INTO t.alltypes VALUES (2,
  -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
  -3.40282e38, -1.7976931348623157e308, -99999999.99, -99999999999999999999999999999999999.999999999999999999999999999999, 0,
  b'0', b'0000000000', b'0',
  '', '', '', '', '', '', '', '', '', '', '', '', '',
  'a', '', 1901, '1000-01-01', '-838:59:59', '-838:59:59.000000', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000',
  '1970-01-01 00:00:01', '1970-01-01 00:00:01.000000', '[]', '', '');
INSERT INTO t.alltypes VALUES (3,
  127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
  3.40282e38, 1.7976931348623157e308, 99999999.99, 99999999999999999999999999999999999.999999999999999999999999999999, 99999,
  b'1', b'1111111111', b'1111111111111111111111111111111111111111111111111111111111111111',
  'abcdefghij', REPEAT('z', 100), REPEAT('€', 300), 'abcd', REPEAT('\\0', 20),
  REPEAT('t', 255), REPEAT('x', 65535), REPEAT('m', 70000), REPEAT('l', 100000), REPEAT('b', 255), REPEAT('B', 65535), REPEAT('M', 70000), REPEAT('L', 100000),
  'c', 'x,y,z', 2155, '9999-12-31', '838:59:59', '838:59:59.000000', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999',
  '2038-01-19 03:14:07', '2038-01-19 03:14:07.999999', '{\"a\": [1, 2.5, \"x\"], \"b\": null}', 'zzzzzzzzzzzzzzzzzzzz', 'zzzz');
INSERT INTO t.alltypes VALUES (4,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0,
  b'0', b'0', b'0',
  ' ', 'a ', 'a  ', 'a', 'a ', 'a\\tb', 'line1\\nline2', 'back\\\\slash', 'nul\\0byte', 0x00, 0xFF00, '', 0x0102,
  '', '', 0, '0000-00-00', '00:00:00', '00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '{}', 'café', 'straße');
INSERT INTO t.alltypes VALUES (5,
  -1, 1, -1, 1, -1, 1, -1, 1, -1, 1,
  1.5, 0.1, 0.01, 0.000000000000000000000000000001, 1,
  b'1', b'1010101010', b'1000000000000000000000000000000000000000000000000000000000000001',
  'ÄÖÜ', '日本語テキスト', '🙂 emoji', 0x61, 0x00FF,
  'ü', '中文', '한국어', 'ελληνικά', 0xDEADBEEF, 0xCAFEBABE, 0x00, 0x7F,
  'b', 'y', 2024, '2024-02-29', '-00:00:01', '12:34:56.789012', '2024-02-29 12:34:56', '2024-02-29 12:34:56.789',
  '2024-02-29 12:34:56', '2024-02-29 12:34:56.123456', '[1, \"two\", {\"three\": 3.0}]', 'Ñandú', 'Ǆ');
INSERT INTO t.alltypes VALUES (6,
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  1e-7, 1e20, -0.5, -0.000000000000000000000000000001, 12345,
  NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO t.alltypes (id, f, d) VALUES (7, 123456789, 123456789012345678), (8, -1.17549e-38, 2.2250738585072014e-308), (9, 0.333333, 1.0000000000000002);
UPDATE t.alltypes SET vc = CONCAT(vc, '+'), e = 'b', tm6 = '01:02:03.5', ts = '2001-02-03 04:05:06' WHERE id IN (4, 5);
DELETE FROM t.alltypes WHERE id = 7;";

#[test]
fn every_column_type_with_edge_values() {
    all_types_case(None);
}

/// The same table declared without a charset: on a latin1 server it takes utf8mb4 from its
/// database, on a utf8mb4 server from the server.
#[test]
fn every_column_type_latin1_server_utf8mb4_database() {
    all_types_case(Some(("latin1", "CREATE DATABASE t CHARACTER SET utf8mb4")));
}

#[test]
fn every_column_type_utf8mb4_server() {
    all_types_case(Some(("utf8mb4", "CREATE DATABASE t")));
}

/// `server`: the master's character_set_server and the CREATE DATABASE to run; the table
/// then has no charset of its own.
fn all_types_case(server: Option<(&str, &str)>) {
    let mut extra_args = vec![
        "--default-time-zone=+00:00".to_string(),
        "--max-allowed-packet=64M".to_string(),
    ];
    if let Some((cs, _)) = server {
        extra_args.push(format!("--character-set-server={cs}"));
    }
    let m = MariaDb::start(MasterOpts {
        extra_args,
        ..Default::default()
    });
    m.create_repl_user("repl", "repl");
    let mut r = Replica::start(&m, &[]);
    match server {
        None => {
            m.sql("CREATE DATABASE t");
            m.sql(ALL_TYPES);
        }
        Some((_, create_db)) => {
            m.sql(create_db);
            m.sql(&ALL_TYPES.replace(") DEFAULT CHARSET=utf8mb4", ")"));
        }
    }
    m.sql(ROWS);
    r.wait_applied(&m);
    assert_same_table(&m, &r.datadir, "t.alltypes", "id");
}

/// A value over 16 MB travels in one rows event of its own and comes back whole.
#[test]
fn blob_over_16_mb() {
    let m = MariaDb::start(MasterOpts {
        extra_args: vec!["--max-allowed-packet=256M".into()],
        ..Default::default()
    });
    m.create_repl_user("repl", "repl");
    let mut r = Replica::start(&m, &[]);
    m.sql("CREATE DATABASE t; CREATE TABLE t.big (id INT PRIMARY KEY, lb LONGBLOB, n INT)");
    m.sql("INSERT INTO t.big VALUES (1, REPEAT('abcdefgh', 17 * 131072), 1)");
    m.sql("UPDATE t.big SET n = 2");
    r.wait_applied(&m);
    let want = m.sql("SELECT id, MD5(lb), LENGTH(lb), n FROM t.big");
    let got = dump(&r.datadir, "t.big");
    let fields: Vec<&str> = got.trim_end_matches('\n').split('\t').collect();
    assert_eq!(fields.len(), 3);
    let md5 = {
        use std::io::Write;
        let mut child = std::process::Command::new("md5sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(fields[1].as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        want,
        format!("{}\t{md5}\t{}\t{}\n", fields[0], fields[1].len(), fields[2])
    );
}

/// Every string type, declared without a charset, in databases of the server's charset and
/// of the other one: a column's charset is its table's, else its database's (kept from
/// CREATE DATABASE, changed by ALTER DATABASE), else the server's. The master's TABLE_MAP
/// carries the resulting byte lengths, so a wrong guess stops replication with 1677.
fn charset_case(server: &str, other: &str) {
    let m = MariaDb::start(MasterOpts {
        extra_args: vec![format!("--character-set-server={server}")],
        ..Default::default()
    });
    m.create_repl_user("repl", "repl");
    let mut r = Replica::start(&m, &[]);
    let cols = "id INT PRIMARY KEY, c CHAR(10), v VARCHAR(300), tt TINYTEXT, tx TEXT, \
                mt MEDIUMTEXT, lt LONGTEXT, e ENUM('a','é','z'), st SET('x','ü')";
    let row = |id: u32| {
        format!("({id}, 'Ärger', 'café € Ñandú {id}', 'tiny é', REPEAT('ü', 300), 'medium', 'long', 'z', 'x')")
    };
    let mut sql = format!(
        "SET NAMES utf8mb4;
         CREATE DATABASE o CHARACTER SET {other};
         CREATE DATABASE s;
         CREATE TABLE o.t1 ({cols});
         USE o;
         CREATE TABLE t2 ({cols});
         CREATE TABLE o.t3 LIKE o.t1;
         CREATE TABLE s.t4 ({cols});
         ALTER DATABASE s CHARACTER SET {other};
         CREATE TABLE s.t5 ({cols});
         USE s;
         CREATE TABLE t6 ({cols});
         ALTER TABLE s.t4 ADD COLUMN x VARCHAR(20);
         ALTER DATABASE s DEFAULT CHARACTER SET {server};
         CREATE TABLE s.t7 ({cols}) DEFAULT CHARSET={other};
         CREATE TABLE s.t8 ({cols});
        "
    );
    let tables = [
        "o.t1", "o.t2", "o.t3", "s.t4", "s.t5", "s.t6", "s.t7", "s.t8",
    ];
    for (i, t) in tables.iter().enumerate() {
        let mut v = row(i as u32 * 10);
        if *t == "s.t4" {
            // The column ADD COLUMN gave it.
            v = format!("{}, 'added é')", &v[..v.len() - 1]);
        }
        sql.push_str(&format!("INSERT INTO {t} VALUES {v};\n"));
    }
    sql.push_str("ALTER TABLE s.t5 CONVERT TO CHARACTER SET ");
    sql.push_str(server);
    sql.push_str(";\nALTER TABLE s.t8 CONVERT TO CHARACTER SET ");
    sql.push_str(other);
    sql.push_str(";\nCREATE TABLE o.t9 AS SELECT * FROM s.t8;\n");
    for t in ["s.t5", "s.t8", "o.t9"] {
        sql.push_str(&format!(
            "INSERT INTO {t} VALUES {};\n",
            row(100).replace("(100", "(101")
        ));
    }
    m.sql(&sql);
    r.wait_applied(&m);
    for t in tables.iter().chain(&["o.t9"]) {
        assert_same_table(&m, &r.datadir, t, "id");
    }
    // SHOW CREATE DATABASE through the endpoint says what the master says.
    r.proc.wait_endpoint();
    for db in ["o", "s"] {
        let q = format!("SHOW CREATE DATABASE {db}");
        assert_eq!(r.proc.sql(&q).unwrap(), m.sql(&q), "{q}");
    }
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
}

#[test]
fn string_columns_take_their_database_charset_latin1_server() {
    charset_case("latin1", "utf8mb4");
}

#[test]
fn string_columns_take_their_database_charset_utf8mb4_server() {
    charset_case("utf8mb4", "latin1");
}
