//! replicate-do/ignore-db, -do/ignore-table and -wild-do/ignore-table, evaluated as mysqld
//! evaluates them:
//!
//! - Row events are judged by the table's own database and name: database rules first
//!   (do-db: only listed databases; else ignore-db: not the listed ones), then table rules
//!   in mysqld's order — do-table match → apply; ignore-table match → skip; wild-do-table
//!   match → apply; wild-ignore-table match → skip; any do-table / wild-do-table given →
//!   skip; else apply.
//! - Statements (DDL) are judged by the default database (`USE`), as statement-based
//!   replication does; CREATE / DROP / ALTER DATABASE by the database they name. Table rules
//!   also apply to the tables a DDL statement names.
//!
//! Wild patterns are LIKE patterns (`%`, `_`, `\` escape) on `db.table`.

/// The filters in force.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// replicate-do-db.
    pub do_db: Vec<String>,
    /// replicate-ignore-db.
    pub ignore_db: Vec<String>,
    /// replicate-do-table (db, table).
    pub do_table: Vec<(String, String)>,
    /// replicate-ignore-table.
    pub ignore_table: Vec<(String, String)>,
    /// replicate-wild-do-table (db pattern, table pattern).
    pub wild_do_table: Vec<(String, String)>,
    /// replicate-wild-ignore-table.
    pub wild_ignore_table: Vec<(String, String)>,
}

fn split_table(option: &str, v: &str) -> Result<(String, String), String> {
    match v.split_once('.') {
        Some((d, t)) if !d.is_empty() && !t.is_empty() => Ok((d.to_string(), t.to_string())),
        _ => Err(format!("{option}: expected db_name.tbl_name, got '{v}'")),
    }
}

impl Filters {
    /// Builds the filters from `(option name, values)` pairs; comma-separated values are
    /// split for the database options (as MariaDB does) and the table options.
    pub fn from_options(options: &[(String, Vec<String>)]) -> Result<Filters, String> {
        let mut f = Filters::default();
        for (name, values) in options {
            for v in values
                .iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|v| !v.is_empty())
            {
                match name.as_str() {
                    "replicate-do-db" => f.do_db.push(v.to_string()),
                    "replicate-ignore-db" => f.ignore_db.push(v.to_string()),
                    "replicate-do-table" => f.do_table.push(split_table(name, v)?),
                    "replicate-ignore-table" => f.ignore_table.push(split_table(name, v)?),
                    "replicate-wild-do-table" => f.wild_do_table.push(split_table(name, v)?),
                    "replicate-wild-ignore-table" => {
                        f.wild_ignore_table.push(split_table(name, v)?)
                    }
                    other => return Err(format!("unknown filter option {other}")),
                }
            }
        }
        Ok(f)
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The SHOW SLAVE STATUS fields, comma-joined.
    pub fn status_fields(&self) -> Vec<(String, String)> {
        let tables = |v: &[(String, String)]| {
            v.iter()
                .map(|(d, t)| format!("{d}.{t}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        vec![
            ("Replicate_Do_DB".into(), self.do_db.join(",")),
            ("Replicate_Ignore_DB".into(), self.ignore_db.join(",")),
            ("Replicate_Do_Table".into(), tables(&self.do_table)),
            ("Replicate_Ignore_Table".into(), tables(&self.ignore_table)),
            (
                "Replicate_Wild_Do_Table".into(),
                tables(&self.wild_do_table),
            ),
            (
                "Replicate_Wild_Ignore_Table".into(),
                tables(&self.wild_ignore_table),
            ),
        ]
    }

    /// Database rules for `db`.
    pub fn db_ok(&self, db: &str) -> bool {
        if !self.do_db.is_empty() {
            return self.do_db.iter().any(|d| d == db);
        }
        !self.ignore_db.iter().any(|d| d == db)
    }

    /// Table rules for `db.table` (without the database rules).
    pub fn table_rules_ok(&self, db: &str, table: &str) -> bool {
        let eq = |(d, t): &(String, String)| d == db && t == table;
        // replicate-wild-*: LIKE patterns, case-sensitive (table names on Linux).
        let like = |(d, t): &(String, String)| {
            let like = |p: &str, s: &str| crate::sql::engine::eval::like(s, p, '\\', None);
            like(d, db) && like(t, table)
        };
        if self.do_table.iter().any(eq) {
            return true;
        }
        if self.ignore_table.iter().any(eq) {
            return false;
        }
        if self.wild_do_table.iter().any(like) {
            return true;
        }
        if self.wild_ignore_table.iter().any(like) {
            return false;
        }
        self.do_table.is_empty() && self.wild_do_table.is_empty()
    }

    /// Whether a row event on `db.table` is applied.
    pub fn row_ok(&self, db: &str, table: &str) -> bool {
        self.db_ok(db) && self.table_rules_ok(db, table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wild(p: &str, s: &str) -> bool {
        crate::sql::engine::eval::like(s, p, '\\', None)
    }

    fn opts(list: &[(&str, &str)]) -> Filters {
        let v: Vec<(String, Vec<String>)> = list
            .iter()
            .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
            .collect();
        Filters::from_options(&v).unwrap()
    }

    #[test]
    fn like_patterns() {
        assert!(wild("db%", "db01"));
        assert!(wild("%", ""));
        assert!(wild("t_", "t1"));
        assert!(!wild("t_", "t12"));
        assert!(wild("a%b%c", "aXXbYYc"));
        assert!(!wild("a%b", "ac"));
        assert!(wild("my\\_t", "my_t"));
        assert!(!wild("my\\_t", "myxt"));
    }

    #[test]
    fn mysqld_order_of_rules() {
        let f = opts(&[("replicate-do-db", "db01,db02")]);
        assert!(f.row_ok("db01", "t") && f.row_ok("db02", "x") && !f.row_ok("other", "t"));
        let f = opts(&[("replicate-ignore-db", "junk")]);
        assert!(!f.row_ok("junk", "t") && f.row_ok("db01", "t"));
        let f = opts(&[
            ("replicate-do-table", "db01.user"),
            ("replicate-wild-ignore-table", "db01.%"),
        ]);
        assert!(f.row_ok("db01", "user"));
        assert!(!f.row_ok("db01", "other"));
        let f = opts(&[("replicate-ignore-table", "db01.log")]);
        assert!(!f.row_ok("db01", "log") && f.row_ok("db01", "user"));
        let f = opts(&[("replicate-wild-do-table", "db%.u%")]);
        assert!(f.row_ok("db01", "user") && !f.row_ok("db01", "log"));
        assert!(
            Filters::from_options(&[("replicate-do-table".into(), vec!["nodot".into()])]).is_err()
        );
        assert!(Filters::default().row_ok("a", "b"));
    }
}
