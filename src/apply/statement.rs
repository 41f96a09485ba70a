//! What a QUERY event's statement is, by its leading keywords: transaction control, DDL the
//! store must apply, statement-format DML, a statement that carries no table data (skipped
//! from an explicit list), or something not understood — which must stop the applier with
//! the statement named, never be skipped silently.
//!
//! Comments before and between the leading keywords are ignored, and versioned comments
//! (`/*!50100 ... */`, MariaDB's `/*M!100100 ... */`) count as their contents, as mysqld
//! reads them.

/// The statement's class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT, XA ...
    Transaction,
    /// A change to databases, tables or indexes.
    Ddl(DdlKind),
    /// INSERT, UPDATE, DELETE, REPLACE, LOAD DATA as SQL text (binlog_format=STATEMENT/MIXED).
    Dml,
    /// Accounts and privileges: CREATE/ALTER/DROP/RENAME USER, CREATE/DROP ROLE, GRANT,
    /// REVOKE, SET PASSWORD, SET DEFAULT ROLE, FLUSH PRIVILEGES (`apply::accounts`).
    Account,
    /// Carries no table data: events,
    /// maintenance (FLUSH, ANALYZE, OPTIMIZE, ...), plugins, session SET.
    NoData,
    /// Not understood: the applier must stop and name it.
    Unknown,
}

/// The DDL statements the store applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DdlKind {
    /// CREATE DATABASE / SCHEMA.
    CreateDatabase,
    /// DROP DATABASE / SCHEMA.
    DropDatabase,
    /// ALTER DATABASE / SCHEMA.
    AlterDatabase,
    /// CREATE [OR REPLACE] [TEMPORARY] TABLE.
    CreateTable,
    /// DROP [TEMPORARY] TABLE.
    DropTable,
    /// ALTER [ONLINE] [IGNORE] TABLE.
    AlterTable,
    /// RENAME TABLE.
    RenameTable,
    /// TRUNCATE [TABLE].
    TruncateTable,
    /// CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX.
    CreateIndex,
    /// DROP INDEX.
    DropIndex,
    /// CREATE / DROP TRIGGER (the names are kept: statement replay must not run
    /// statements on a table whose triggers it does not fire).
    Trigger,
    /// CREATE [OR REPLACE] / ALTER / DROP VIEW.
    View,
    /// CREATE / DROP PROCEDURE or FUNCTION (kept for SHOW CREATE; CALLs log their
    /// statements).
    Routine,
}

/// Classifies a statement text.
pub fn classify(sql: &[u8]) -> StatementKind {
    use DdlKind::*;
    use StatementKind::*;
    let words = leading_words(sql, 10);
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    // Skip modifiers that may stand between the verb and the object.
    let object_after = |start: usize| -> &str {
        let mut i = start;
        while matches!(
            w(i),
            "OR" | "REPLACE"
                | "TEMPORARY"
                | "ONLINE"
                | "OFFLINE"
                | "IGNORE"
                | "UNIQUE"
                | "FULLTEXT"
                | "SPATIAL"
                | "SECURITY"
                | "DEFINER"
                | "INVOKER"
        ) || w(i).starts_with("DEFINER")
            || w(i).starts_with("ALGORITHM")
            || w(i).starts_with("SQL")
        {
            i += 1;
        }
        w(i)
    };
    match w(0) {
        "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "XA" => Transaction,
        "START" if w(1) == "TRANSACTION" => Transaction,
        "RELEASE" if w(1) == "SAVEPOINT" => Transaction,
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => Dml,
        "LOAD" if w(1) == "DATA" || w(1) == "XML" => Dml,
        "TRUNCATE" => Ddl(TruncateTable),
        "RENAME" if w(1) == "TABLE" => Ddl(RenameTable),
        "RENAME" if w(1) == "USER" => Account,
        "GRANT" | "REVOKE" => Account,
        "SET" if w(1) == "PASSWORD" || (w(1) == "DEFAULT" && w(2) == "ROLE") => Account,
        "FLUSH" if words.iter().any(|w| w == "PRIVILEGES") => Account,
        "CREATE" | "DROP" | "ALTER" => {
            let object = object_after(1);
            match (w(0), object) {
                ("CREATE", "DATABASE" | "SCHEMA") => Ddl(CreateDatabase),
                ("DROP", "DATABASE" | "SCHEMA") => Ddl(DropDatabase),
                ("ALTER", "DATABASE" | "SCHEMA") => Ddl(AlterDatabase),
                ("CREATE", "TABLE") => Ddl(CreateTable),
                ("DROP", "TABLE") => Ddl(DropTable),
                ("ALTER", "TABLE") => Ddl(AlterTable),
                ("CREATE", "INDEX") => Ddl(CreateIndex),
                ("DROP", "INDEX") => Ddl(DropIndex),
                ("CREATE", "TRIGGER") => Ddl(Trigger),
                ("DROP", "TRIGGER") => Ddl(Trigger),
                (_, "VIEW") => Ddl(View),
                ("CREATE" | "DROP", "PROCEDURE" | "FUNCTION")
                    if !words.iter().any(|w| w == "SONAME") =>
                {
                    Ddl(Routine)
                }
                (_, "USER" | "ROLE") => Account,
                (
                    _,
                    "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT" | "SERVER" | "AGGREGATE"
                    | "PACKAGE" | "TABLESPACE" | "LOGFILE",
                ) => NoData,
                _ => Unknown,
            }
        }
        "FLUSH" | "ANALYZE" | "OPTIMIZE" | "REPAIR" | "CHECK" | "CHECKSUM" | "INSTALL"
        | "UNINSTALL" | "SET" | "DO" | "RESET" | "PURGE" | "KILL" => NoData,
        _ => Unknown,
    }
}

/// The first `n` words (upper-cased), skipping comments and entering versioned comments.
fn leading_words(sql: &[u8], n: usize) -> Vec<String> {
    let mut words = Vec::with_capacity(n);
    let mut i = 0;
    while i < sql.len() && words.len() < n {
        let c = sql[i];
        if c.is_ascii_whitespace() || c == b';' || c == b'(' {
            i += 1;
        } else if sql[i..].starts_with(b"/*!") || sql[i..].starts_with(b"/*M!") {
            // A versioned comment: its body is read as statement text.
            i += if sql[i + 2] == b'M' { 4 } else { 3 };
            while i < sql.len() && sql[i].is_ascii_digit() {
                i += 1;
            }
        } else if sql[i..].starts_with(b"*/") {
            i += 2;
        } else if sql[i..].starts_with(b"/*") {
            i = find(sql, i + 2, b"*/").map_or(sql.len(), |e| e + 2);
        } else if sql[i..].starts_with(b"-- ") || c == b'#' {
            i = find(sql, i, b"\n").map_or(sql.len(), |e| e + 1);
        } else {
            // A word runs to whitespace or punctuation; quoted parts (`DEFINER=`a`@`%``,
            // a quoted name) belong to it.
            let start = i;
            while i < sql.len()
                && !sql[i].is_ascii_whitespace()
                && !matches!(sql[i], b'(' | b';' | b'/')
            {
                if matches!(sql[i], b'`' | b'\'' | b'"') {
                    let q = sql[i];
                    i = sql[i + 1..]
                        .iter()
                        .position(|&b| b == q)
                        .map_or(sql.len(), |e| i + 1 + e + 1);
                } else {
                    i += 1;
                }
            }
            if i == start {
                break;
            }
            words.push(String::from_utf8_lossy(&sql[start..i]).to_ascii_uppercase());
        }
    }
    words
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::DdlKind::*;
    use super::StatementKind::*;
    use super::*;

    #[test]
    fn classifies_what_masters_write() {
        let cases: &[(&str, StatementKind)] = &[
            ("BEGIN", Transaction),
            ("COMMIT", Transaction),
            ("XA START X'78',X'',1", Transaction),
            ("SAVEPOINT `s1`", Transaction),
            ("create database db01", Ddl(CreateDatabase)),
            ("CREATE SCHEMA IF NOT EXISTS x", Ddl(CreateDatabase)),
            ("DROP DATABASE `db01`", Ddl(DropDatabase)),
            (
                "create table user(id int(11) not null auto_increment, primary key (id)) engine=innodb default charset=utf8",
                Ddl(CreateTable),
            ),
            ("CREATE OR REPLACE TABLE t (i INT)", Ddl(CreateTable)),
            ("CREATE TEMPORARY TABLE t (i INT)", Ddl(CreateTable)),
            ("DROP TEMPORARY TABLE IF EXISTS `t` /* generated by server */", Ddl(DropTable)),
            ("DROP TABLE `a`,`b` /* generated by server */", Ddl(DropTable)),
            ("ALTER TABLE t ADD COLUMN extra INT DEFAULT 7", Ddl(AlterTable)),
            ("ALTER ONLINE IGNORE TABLE t ADD KEY (a)", Ddl(AlterTable)),
            ("RENAME TABLE a TO b, c TO d", Ddl(RenameTable)),
            ("TRUNCATE t", Ddl(TruncateTable)),
            ("CREATE UNIQUE INDEX i ON t (a)", Ddl(CreateIndex)),
            ("DROP INDEX i ON t", Ddl(DropIndex)),
            ("insert into user(id,name,sex) values(null,'Tom','1')", Dml),
            ("UPDATE t SET v = 1", Dml),
            ("LOAD DATA INFILE '/tmp/x' INTO TABLE t", Dml),
            ("CREATE USER 'repl'@'%' IDENTIFIED BY 'repl'", Account),
            ("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'", Account),
            ("FLUSH PRIVILEGES", Account),
            ("FLUSH TABLES", NoData),
            ("SET PASSWORD FOR a@b = '*AB'", Account),
            ("SET @x = 1", NoData),
            ("CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN END", Ddl(Routine)),
            ("DROP FUNCTION IF EXISTS f", Ddl(Routine)),
            ("CREATE FUNCTION udf RETURNS INTEGER SONAME 'u.so'", NoData),
            ("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW v AS SELECT 1", Ddl(DdlKind::View)),
            ("CREATE OR REPLACE VIEW v AS SELECT 1", Ddl(DdlKind::View)),
            ("DROP VIEW IF EXISTS v", Ddl(DdlKind::View)),
            ("ANALYZE TABLE t", NoData),
            ("CREATE SEQUENCE s", Unknown),
            ("HANDLER t OPEN", Unknown),
            ("", Unknown),
        ];
        for (sql, want) in cases {
            assert_eq!(classify(sql.as_bytes()), *want, "{sql}");
        }
    }

    #[test]
    fn comments_and_versioned_comments() {
        assert_eq!(classify(b"/* app */ INSERT INTO t VALUES (1)"), Dml);
        assert_eq!(classify(b"-- note\nDELETE FROM t"), Dml);
        assert_eq!(classify(b"# note\n  drop table t"), Ddl(DdlKind::DropTable));
        assert_eq!(
            classify(b"/*!40000 ALTER TABLE `t` DISABLE KEYS */"),
            Ddl(DdlKind::AlterTable)
        );
        assert_eq!(
            classify(b"/*M!100101 CREATE TABLE t (i INT) */"),
            Ddl(DdlKind::CreateTable)
        );
        assert_eq!(
            classify(b"/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW v AS SELECT 1 */"),
            Ddl(DdlKind::View)
        );
        assert_eq!(classify(b"/* unterminated"), Unknown);
        assert_eq!(classify(b"/*!"), Unknown);
    }
}
