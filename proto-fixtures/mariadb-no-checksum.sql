-- The statements behind mariadb-no-checksum.000002, written after SET GLOBAL
-- binlog_checksum = NONE (which rotates the binlog). Run after mariadb-crc32.sql.
SET TIMESTAMP = 1700003600;
USE fz;
INSERT INTO t (id, d2, dtm, vc) VALUES (20, '1.50', '2020-02-02 02:02:02.020202', 'no checksum');
UPDATE t SET d2 = '-0.01' WHERE id = 20;
SET SESSION binlog_format = 'STATEMENT';
INSERT INTO a (v, r) VALUES ('stmt', RAND());
SET SESSION binlog_format = 'ROW';
DELETE FROM t WHERE id = 20;
