//! SQL errors as mysqld's code and text: the vocabulary every layer reports failure in.
//! The applier's `slave_skip_errors` and Last_SQL_Errno match on the code, the endpoint's
//! error packets carry it (with its SQLSTATE), operators read the text they know.

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
