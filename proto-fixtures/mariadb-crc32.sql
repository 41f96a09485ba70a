-- The statements behind mariadb-crc32.000001 (binlog_checksum=CRC32, ROW with STATEMENT
-- stretches): every column type, row images FULL/MINIMAL/NOBLOB, user variables, INSERT_ID,
-- RAND, savepoints, XA, binlog_row_metadata=FULL, compressed query and rows events.
-- Run by scripts/regen-proto-fixtures on a fresh throwaway MariaDB.
SET TIMESTAMP = 1700000000;
SET sql_mode = '';
SET time_zone = '+00:00';
CREATE DATABASE fz;
USE fz;
CREATE TABLE t (
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mu MEDIUMINT UNSIGNED, i INT, bi BIGINT,
  bu BIGINT UNSIGNED, d1 DECIMAL(65,30), d2 DECIMAL(10,2), d4 DECIMAL(3,3), f FLOAT, dbl DOUBLE,
  b1 BIT(1), b64 BIT(64), b10 BIT(10), c CHAR(10), cw CHAR(60) CHARACTER SET utf8mb4,
  vc VARCHAR(100) CHARACTER SET utf8mb4, vcl VARCHAR(300), tx TEXT, mtx MEDIUMTEXT, ttx TINYTEXT,
  bn BINARY(4), vb VARBINARY(10), bl BLOB, e ENUM('a','b','c'), s SET('x','y','z'),
  s9 SET('a','b','c','d','e','f','g','h','i'), dt DATE, tm TIME(3), tm0 TIME, tm6 TIME(6),
  dtm DATETIME(6), dtm0 DATETIME, ts TIMESTAMP(3) NULL, ts0 TIMESTAMP NULL, y YEAR,
  j JSON, g GEOMETRY, p POINT
);
INSERT INTO t VALUES (1, -128, 255, -32768, 16777215, -2147483648, -9223372036854775808,
  18446744073709551615, '-99999999999999999999999999999999999.999999999999999999999999999999',
  '-12.34', '0.5', 1.5, 0.1, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
  b'1010101010', 'ab', 'héllo😀', 'ünï''co\\de\n\t\r\0', REPEAT('x', 260), 'text', REPEAT('m', 300),
  'tt', x'00010203', x'ff00', x'deadbeef7f', 'b', 'x,z', 'a,i', '0000-00-00', '-838:59:59.999',
  '12:34:56', '-00:00:01.000001', '2024-02-29 23:59:59.123456', '1000-01-01 00:00:00',
  '2038-01-19 03:14:07.999', '1970-01-01 00:00:01', 2155,
  '{"a": [1, 2.5, "x", true, null], "b": {"c": -7, "d": 18446744073709551615}, "e": "it''s"}',
  ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), POINT(3,4));
INSERT INTO t (id) VALUES (2);
INSERT INTO t (id, ti, tu, f, dbl, d1, d2, tm, tm6, y, bi, bu, dt, dtm, e, s, j) VALUES
  (3, 127, 0, -3.4e38, 1e300, '99999999999999999999999999999999999.999999999999999999999999999999',
   '99999999.99', '-00:00:00.5', '838:59:59.999999', 1901, 9223372036854775807, 0,
   '9999-12-31', '0000-00-00 00:00:00', '', '', '[]'),
  (4, 0, 1, 1e-38, -2.2250738585072014e-308, '0', '0', '00:00:00', '-12:00:00.5', 0, -1, 1,
   '1000-01-01', '2000-01-01 00:00:00.000001', 'c', 'x,y,z', '"str"');
UPDATE t SET ti = 5, c = 'zz', vc = NULL, j = JSON_SET(j, '$.b.c', 8) WHERE id = 1;
DELETE FROM t WHERE id = 2;
SET SESSION binlog_row_image = 'MINIMAL';
UPDATE t SET tu = 7 WHERE id = 4;
SET SESSION binlog_row_image = 'NOBLOB';
UPDATE t SET mtx = 'short', i = 3 WHERE id = 1;
SET SESSION binlog_row_image = 'FULL';
CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20), r DOUBLE) ENGINE = MyISAM;
SET SESSION binlog_format = 'STATEMENT';
SET @s := 'user var', @n := -42, @d := 1.25, @r := 1.5e10, @z := NULL;
INSERT INTO a (v, r) VALUES (@s, @r), (@n, @d), (@z, NULL);
INSERT INTO a (v, r) VALUES ('rand', RAND());
INSERT INTO a (v) VALUES (LAST_INSERT_ID());
SET SESSION binlog_format = 'ROW';
BEGIN;
INSERT INTO t (id, vc) VALUES (10, 'in trx');
SAVEPOINT sp;
INSERT INTO t (id, vc) VALUES (11, 'rolled back');
ROLLBACK TO SAVEPOINT sp;
INSERT INTO a (v) VALUES ('mixed engines');
COMMIT;
XA START 'xa1';
INSERT INTO t (id, vc) VALUES (12, 'xa');
XA END 'xa1';
XA PREPARE 'xa1';
XA COMMIT 'xa1';
SET GLOBAL binlog_row_metadata = 'FULL';
CREATE TABLE `we``ird` (`a``b` INT PRIMARY KEY, v VARCHAR(5), e ENUM('p','q'), g POINT) DEFAULT CHARSET = latin1;
INSERT INTO `we``ird` VALUES (1, 'x', 'q', POINT(1, 1)), (2, NULL, NULL, NULL);
SET GLOBAL log_bin_compress = ON;
SET GLOBAL log_bin_compress_min_len = 10;
INSERT INTO t (id, vc, tx, j) VALUES (6, 'compressed row', REPEAT('abc', 40), '[1, 2]');
UPDATE t SET vc = 'still compressed' WHERE id = 6;
DELETE FROM t WHERE id = 6;
SET SESSION binlog_format = 'STATEMENT';
INSERT INTO a (v) VALUES ('compressed statement, long enough');
SET SESSION binlog_format = 'ROW';
SET GLOBAL log_bin_compress = OFF;
SET GLOBAL binlog_row_metadata = 'MINIMAL';
DROP TABLE `we``ird`;
