//! MariaDB's privilege bits (the `access` number of mysql.global_priv) and their names:
//! in GRANT and REVOKE, in SHOW GRANTS, as the `*_priv` columns of mysql.db and as the
//! labels of tables_priv's and columns_priv's SET columns.

/// SELECT.
pub const SELECT: u64 = 1;
/// INSERT.
pub const INSERT: u64 = 1 << 1;
/// UPDATE.
pub const UPDATE: u64 = 1 << 2;
/// DELETE.
pub const DELETE: u64 = 1 << 3;
/// CREATE.
pub const CREATE: u64 = 1 << 4;
/// DROP.
pub const DROP: u64 = 1 << 5;
/// RELOAD.
pub const RELOAD: u64 = 1 << 6;
/// SHUTDOWN.
pub const SHUTDOWN: u64 = 1 << 7;
/// PROCESS.
pub const PROCESS: u64 = 1 << 8;
/// FILE.
pub const FILE: u64 = 1 << 9;
/// GRANT OPTION.
pub const GRANT: u64 = 1 << 10;
/// REFERENCES.
pub const REFERENCES: u64 = 1 << 11;
/// INDEX.
pub const INDEX: u64 = 1 << 12;
/// ALTER.
pub const ALTER: u64 = 1 << 13;
/// SHOW DATABASES.
pub const SHOW_DB: u64 = 1 << 14;
/// SUPER.
pub const SUPER: u64 = 1 << 15;
/// CREATE TEMPORARY TABLES.
pub const CREATE_TMP: u64 = 1 << 16;
/// LOCK TABLES.
pub const LOCK_TABLES: u64 = 1 << 17;
/// EXECUTE.
pub const EXECUTE: u64 = 1 << 18;
/// REPLICATION SLAVE.
pub const REPL_SLAVE: u64 = 1 << 19;
/// BINLOG MONITOR (REPLICATION CLIENT before 10.5).
pub const BINLOG_MONITOR: u64 = 1 << 20;
/// CREATE VIEW.
pub const CREATE_VIEW: u64 = 1 << 21;
/// SHOW VIEW.
pub const SHOW_VIEW: u64 = 1 << 22;
/// CREATE ROUTINE.
pub const CREATE_PROC: u64 = 1 << 23;
/// ALTER ROUTINE.
pub const ALTER_PROC: u64 = 1 << 24;
/// CREATE USER.
pub const CREATE_USER: u64 = 1 << 25;
/// EVENT.
pub const EVENT: u64 = 1 << 26;
/// TRIGGER.
pub const TRIGGER: u64 = 1 << 27;
/// CREATE TABLESPACE.
pub const CREATE_TABLESPACE: u64 = 1 << 28;
/// DELETE HISTORY.
pub const DELETE_HISTORY: u64 = 1 << 29;
/// REPLICATION SLAVE ADMIN.
pub const REPL_SLAVE_ADMIN: u64 = 1 << 34;
/// SLAVE MONITOR.
pub const SLAVE_MONITOR: u64 = 1 << 38;
/// Every global privilege MariaDB 10.11 has (ALL PRIVILEGES at `*.*`).
pub const ALL_GLOBAL: u64 = (1 << 39) - 1;

/// Global privileges by name, in SHOW GRANTS order (GRANT OPTION is shown apart).
pub const NAMES: &[(&str, u64)] = &[
    ("SELECT", SELECT),
    ("INSERT", INSERT),
    ("UPDATE", UPDATE),
    ("DELETE", DELETE),
    ("CREATE", CREATE),
    ("DROP", DROP),
    ("RELOAD", RELOAD),
    ("SHUTDOWN", SHUTDOWN),
    ("PROCESS", PROCESS),
    ("FILE", FILE),
    ("REFERENCES", REFERENCES),
    ("INDEX", INDEX),
    ("ALTER", ALTER),
    ("SHOW DATABASES", SHOW_DB),
    ("SUPER", SUPER),
    ("CREATE TEMPORARY TABLES", CREATE_TMP),
    ("LOCK TABLES", LOCK_TABLES),
    ("EXECUTE", EXECUTE),
    ("REPLICATION SLAVE", REPL_SLAVE),
    ("BINLOG MONITOR", BINLOG_MONITOR),
    ("CREATE VIEW", CREATE_VIEW),
    ("SHOW VIEW", SHOW_VIEW),
    ("CREATE ROUTINE", CREATE_PROC),
    ("ALTER ROUTINE", ALTER_PROC),
    ("CREATE USER", CREATE_USER),
    ("EVENT", EVENT),
    ("TRIGGER", TRIGGER),
    ("CREATE TABLESPACE", CREATE_TABLESPACE),
    ("DELETE HISTORY", DELETE_HISTORY),
    ("SET USER", 1 << 30),
    ("FEDERATED ADMIN", 1 << 31),
    ("CONNECTION ADMIN", 1 << 32),
    ("READ_ONLY ADMIN", 1 << 33),
    ("REPLICATION SLAVE ADMIN", REPL_SLAVE_ADMIN),
    ("REPLICATION MASTER ADMIN", 1 << 35),
    ("BINLOG ADMIN", 1 << 36),
    ("BINLOG REPLAY", 1 << 37),
    ("SLAVE MONITOR", SLAVE_MONITOR),
];

/// Other spellings GRANT accepts.
const ALIASES: &[(&str, u64)] = &[
    ("REPLICATION CLIENT", BINLOG_MONITOR),
    ("REPLICA MONITOR", SLAVE_MONITOR),
    ("REPLICATION REPLICA", REPL_SLAVE),
    ("REPLICATION REPLICA ADMIN", REPL_SLAVE_ADMIN),
    ("READ ONLY ADMIN", 1 << 33),
    ("GRANT OPTION", GRANT),
];

/// The bit of a privilege named in GRANT (upper-case words, single-spaced).
pub fn by_name(name: &str) -> Option<u64> {
    NAMES
        .iter()
        .chain(ALIASES)
        .find(|(n, _)| *n == name)
        .map(|&(_, b)| b)
}

/// mysql.db's privilege columns, in table order, with their bits.
pub const DB_COLUMNS: &[(&str, u64)] = &[
    ("Select_priv", SELECT),
    ("Insert_priv", INSERT),
    ("Update_priv", UPDATE),
    ("Delete_priv", DELETE),
    ("Create_priv", CREATE),
    ("Drop_priv", DROP),
    ("Grant_priv", GRANT),
    ("References_priv", REFERENCES),
    ("Index_priv", INDEX),
    ("Alter_priv", ALTER),
    ("Create_tmp_table_priv", CREATE_TMP),
    ("Lock_tables_priv", LOCK_TABLES),
    ("Create_view_priv", CREATE_VIEW),
    ("Show_view_priv", SHOW_VIEW),
    ("Create_routine_priv", CREATE_PROC),
    ("Alter_routine_priv", ALTER_PROC),
    ("Execute_priv", EXECUTE),
    ("Event_priv", EVENT),
    ("Trigger_priv", TRIGGER),
    ("Delete_history_priv", DELETE_HISTORY),
];

/// The privileges a database grant can hold.
pub const DB_ALL: u64 = {
    let mut all = 0;
    let mut i = 0;
    while i < DB_COLUMNS.len() {
        all |= DB_COLUMNS[i].1;
        i += 1;
    }
    all
};

/// tables_priv.Table_priv's labels, with their bits.
pub const TABLE_LABELS: &[(&str, u64)] = &[
    ("Select", SELECT),
    ("Insert", INSERT),
    ("Update", UPDATE),
    ("Delete", DELETE),
    ("Create", CREATE),
    ("Drop", DROP),
    ("Grant", GRANT),
    ("References", REFERENCES),
    ("Index", INDEX),
    ("Alter", ALTER),
    ("Create View", CREATE_VIEW),
    ("Show view", SHOW_VIEW),
    ("Trigger", TRIGGER),
    ("Delete versioning rows", DELETE_HISTORY),
];

/// The privileges a table grant can hold.
pub const TABLE_ALL: u64 = {
    let mut all = 0;
    let mut i = 0;
    while i < TABLE_LABELS.len() {
        all |= TABLE_LABELS[i].1;
        i += 1;
    }
    all
};

/// The privileges a column grant can hold (columns_priv.Column_priv's labels are
/// TABLE_LABELS' first names of these).
pub const COLUMN_ALL: u64 = SELECT | INSERT | UPDATE | REFERENCES;

/// The bits of a SET value of `labels` (comma-separated, case-insensitive).
pub fn from_set(text: &str, labels: &[(&str, u64)]) -> u64 {
    text.split(',')
        .filter_map(|l| {
            labels
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(l.trim()))
        })
        .fold(0, |acc, &(_, b)| acc | b)
}

/// The SET value of `bits` over `labels`.
pub fn to_set(bits: u64, labels: &[(&str, u64)]) -> String {
    let mut out = String::new();
    for &(n, b) in labels {
        if bits & b != 0 {
            if !out.is_empty() {
                out.push(',');
            }
            out.push_str(n);
        }
    }
    out
}

/// The privilege list of SHOW GRANTS for `bits` (without GRANT OPTION): `ALL PRIVILEGES`
/// when `bits` holds all of `all`, `USAGE` when none.
pub fn list(bits: u64, all: u64) -> String {
    let bits = bits & !GRANT;
    if bits == 0 {
        return "USAGE".into();
    }
    if bits & all == all & !GRANT {
        return "ALL PRIVILEGES".into();
    }
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(_, b)| bits & b != 0)
        .map(|(n, _)| *n)
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_bits_and_sets_round_trip() {
        // GRANT PROCESS, REPLICATION SLAVE ON *.* stores access 524544 on MariaDB 10.11.
        assert_eq!(
            by_name("PROCESS").unwrap() | by_name("REPLICATION SLAVE").unwrap(),
            524544
        );
        assert_eq!(by_name("REPLICATION CLIENT"), Some(BINLOG_MONITOR));
        assert_eq!(list(SELECT | INSERT | GRANT, DB_ALL), "SELECT, INSERT");
        assert_eq!(list(DB_ALL, DB_ALL), "ALL PRIVILEGES");
        assert_eq!(list(GRANT, DB_ALL), "USAGE");
        let s = to_set(SELECT | SHOW_VIEW | GRANT, TABLE_LABELS);
        assert_eq!(s, "Select,Grant,Show view");
        assert_eq!(from_set(&s, TABLE_LABELS), SELECT | SHOW_VIEW | GRANT);
        assert_eq!(ALL_GLOBAL, 549755813887);
    }
}
