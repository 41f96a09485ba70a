//! Apply failures, as mysqld's error codes and texts: `slave_skip_errors` and
//! Last_SQL_Errno match on the code, operators read the text they know.

/// An error with mysqld's code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SqlError {
    /// mysqld's error number.
    pub code: u16,
    /// mysqld's message text.
    pub message: String,
}

impl SqlError {
    /// An error with mysqld's `code` and `message`.
    pub fn new(code: u16, message: String) -> SqlError {
        SqlError { code, message }
    }

    /// 1062.
    pub fn dup_entry(key: &str, index: &str) -> SqlError {
        let key: String = key.chars().take(64).collect();
        Self::new(1062, format!("Duplicate entry '{key}' for key '{index}'"))
    }

    /// 1032.
    pub fn row_not_found(table: &str) -> SqlError {
        Self::new(1032, format!("Can't find record in '{table}'"))
    }

    /// 1146.
    pub fn no_such_table(db: &str, table: &str) -> SqlError {
        Self::new(1146, format!("Table '{db}.{table}' doesn't exist"))
    }

    /// 1050.
    pub fn table_exists(table: &str) -> SqlError {
        Self::new(1050, format!("Table '{table}' already exists"))
    }

    /// 1051.
    pub fn unknown_table(list: &str) -> SqlError {
        Self::new(1051, format!("Unknown table '{list}'"))
    }

    /// 1007.
    pub fn db_exists(db: &str) -> SqlError {
        Self::new(
            1007,
            format!("Can't create database '{db}'; database exists"),
        )
    }

    /// 1008.
    pub fn db_drop_missing(db: &str) -> SqlError {
        Self::new(
            1008,
            format!("Can't drop database '{db}'; database doesn't exist"),
        )
    }

    /// 1049.
    pub fn unknown_db(db: &str) -> SqlError {
        Self::new(1049, format!("Unknown database '{db}'"))
    }

    /// 1046.
    pub fn no_db() -> SqlError {
        Self::new(1046, "No database selected".into())
    }

    /// 1054.
    pub fn unknown_column(column: &str, table: &str) -> SqlError {
        Self::new(1054, format!("Unknown column '{column}' in '{table}'"))
    }

    /// 1060.
    pub fn dup_column(column: &str) -> SqlError {
        Self::new(1060, format!("Duplicate column name '{column}'"))
    }

    /// 1061.
    pub fn dup_key_name(name: &str) -> SqlError {
        Self::new(1061, format!("Duplicate key name '{name}'"))
    }

    /// 1068.
    pub fn multiple_primary() -> SqlError {
        Self::new(1068, "Multiple primary key defined".into())
    }

    /// 1091.
    pub fn cant_drop(what: &str) -> SqlError {
        Self::new(1091, format!("Can't DROP {what}; check that it exists"))
    }

    /// 1235: something replicant does not support yet (mysqld uses it the same way).
    pub fn not_supported(what: &str) -> SqlError {
        Self::new(
            1235,
            format!("This version of replicant doesn't yet support '{what}'"),
        )
    }

    /// 1677: a TABLE_MAP that does not match the table the replica has.
    pub fn conversion(column: usize, table: &str, from: &str, to: &str) -> SqlError {
        Self::new(
            1677,
            format!(
                "Column {column} of table '{table}' cannot be converted from type '{from}' to type '{to}'"
            ),
        )
    }

    /// 1366-style: a value the store cannot hold.
    pub fn bad_value(what: String) -> SqlError {
        Self::new(1366, what)
    }
}

/// The error codes `slave_skip_errors=ddl_exist_errors` stands for (mysqld's list).
pub const DDL_EXIST_ERRORS: &[u16] = &[1007, 1008, 1050, 1051, 1054, 1060, 1061, 1068, 1091, 1146];

/// Parsed `slave_skip_errors`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipErrors {
    /// `all`.
    pub all: bool,
    /// Listed codes.
    pub codes: Vec<u16>,
}

impl SkipErrors {
    /// Parses `OFF`, `all`, `ddl_exist_errors` and comma-separated codes (as mysqld).
    pub fn parse(s: Option<&str>) -> Result<SkipErrors, String> {
        let mut out = SkipErrors::default();
        let Some(s) = s else { return Ok(out) };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "off" => {}
                "all" => out.all = true,
                "ddl_exist_errors" => out.codes.extend_from_slice(DDL_EXIST_ERRORS),
                p => out
                    .codes
                    .push(p.parse().map_err(|_| {
                        format!("slave_skip_errors: '{part}' is not an error code")
                    })?),
            }
        }
        Ok(out)
    }

    /// True when nothing is skipped.
    pub fn is_empty(&self) -> bool {
        !self.all && self.codes.is_empty()
    }

    /// True when `code` is to be skipped.
    pub fn skips(&self, code: u16) -> bool {
        self.all || self.codes.contains(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_errors_parse_like_mysqld() {
        let s = SkipErrors::parse(Some("1062")).unwrap();
        assert!(s.skips(1062) && !s.skips(1032));
        let s = SkipErrors::parse(Some("1062, 1032")).unwrap();
        assert!(s.skips(1032));
        assert!(SkipErrors::parse(Some("ALL")).unwrap().skips(1));
        assert!(SkipErrors::parse(Some("ddl_exist_errors"))
            .unwrap()
            .skips(1050));
        assert!(!SkipErrors::parse(Some("OFF")).unwrap().skips(1062));
        assert!(SkipErrors::parse(Some("10x")).is_err());
    }
}
