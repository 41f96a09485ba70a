//! Expressions without tables and over a statement's rows, through the engine with a
//! session's variables: what clients send on connect, SET's values, SHOW ... WHERE.

use super::*;
use crate::sql::memtable::MemTable;
use crate::store::Store;

/// A session with two system variables, no user variables and USER().
struct Fixed;

impl Env for Fixed {
    fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError> {
        match name.to_ascii_lowercase().as_str() {
            "version_comment" => Ok(Value::Text("comment".into())),
            "autocommit" => Ok(Value::Int(!global as i64)),
            _ => Err(SqlError::new(
                1193,
                format!("Unknown system variable '{name}'"),
            )),
        }
    }
    fn user_variable(&self, _: &str) -> Value {
        Value::Null
    }
    fn session_function(&self, name: &str) -> Option<Value> {
        (name == "USER").then(|| Value::Text("root@localhost".into()))
    }
}

/// Runs `f` with an engine context over an empty store and the [`Fixed`] session.
fn with_session<T>(sql: &str, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let view = store.read_view().unwrap();
    let none = |_: &str| None;
    let cx = Context {
        view: &*view,
        env: &Fixed,
        db: None,
        names_from: sql,
        system_table: &none,
        access: None,
        placeholders: &[],
        params: &[],
    };
    f(&cx)
}

fn one(sql: &str) -> ResultSet {
    with_session(sql, |cx| select(sql, cx)).unwrap()
}

fn code(sql: &str) -> u16 {
    with_session(sql, |cx| select(sql, cx)).unwrap_err().code
}

#[test]
fn client_connect_queries() {
    let r = one("select @@version_comment limit 1");
    assert_eq!(r.columns[0].name, "@@version_comment");
    assert_eq!(r.rows, vec![vec![Value::Text("comment".into())]]);
    let sql = "SELECT @@session.autocommit, @@global.autocommit AS g, USER(), 1+2*3, @x";
    let r = one(sql);
    let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["@@session.autocommit", "g", "USER()", "1+2*3", "@x"]
    );
    assert_eq!(
        r.rows,
        vec![vec![
            Value::Int(1),
            Value::Int(0),
            Value::Text("root@localhost".into()),
            Value::Int(7),
            Value::Null
        ]]
    );
    assert!(one("SELECT 1 LIMIT 0").rows.is_empty());
    assert!(one("SELECT 1 FROM DUAL WHERE 1 = 0").rows.is_empty());
}

#[test]
fn errors_are_mysqlds() {
    assert_eq!(code("SELECT @@nope"), 1193);
    assert_eq!(code("SELECT nope"), 1054);
    assert_eq!(code("SELECT 9223372036854775807 + 1"), 1690);
    assert_eq!(code("SELECT SLEEP(1)"), 1235);
    assert_eq!(code("SELEC 1"), 1064);
    assert_eq!(code("SELECT * FROM t"), 1046);
}

#[test]
fn expressions_at_the_nesting_bound_evaluate() {
    // Given the stack the daemon's threads have.
    let ok = format!("SELECT 1{}", "+1".repeat(crate::sql::parse::MAX_NESTING));
    let n = crate::sql::parse::MAX_NESTING;
    let parens = format!("SELECT {}-1{}", "(".repeat(n - 1), ")".repeat(n - 1));
    let funcs = format!("SELECT {}1{}", "ABS(".repeat(n / 2), ")".repeat(n / 2));
    let rows = std::thread::Builder::new()
        .stack_size(crate::sql::parse::STACK)
        .spawn(move || [one(&ok).rows, one(&parens).rows, one(&funcs).rows].concat())
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            vec![Value::Int(n as i64 + 1)],
            vec![Value::Int(-1)],
            vec![Value::Int(1)]
        ]
    );
}

#[test]
fn set_values_evaluate_like_select_items() {
    let eval = |text: &str| {
        let e = crate::sql::parse::parse_expr(text).unwrap();
        with_session(text, |cx| eval_expr(&e, cx))
    };
    assert_eq!(
        eval("CONCAT('a', 1 + 1)").unwrap(),
        Value::Text("a2".into())
    );
    assert_eq!(eval("@@autocommit").unwrap(), Value::Int(1));
    assert_eq!(
        eval("UPPER(USER())").unwrap(),
        Value::Text("ROOT@LOCALHOST".into())
    );
    assert_eq!(eval("nope").unwrap_err().code, 1054);
    assert_eq!(eval("COUNT(*)").unwrap_err().code, 1111);
}

#[test]
fn show_where_filters_rows_by_column_name() {
    let table = || MemTable {
        columns: vec!["Variable_name", "Value"],
        rows: vec![
            vec![Value::Text("port".into()), Value::Text("3306".into())],
            vec![Value::Text("log_bin".into()), Value::Text("OFF".into())],
        ],
    };
    let filter = |w: &str| {
        let e = crate::sql::parse::parse_expr(w).unwrap();
        with_session(w, |cx| filter_rows(table(), &e, cx))
    };
    let kept = filter("variable_name = 'PORT' AND value > 3000").unwrap();
    assert_eq!(kept, vec![table().rows[0].clone()]);
    assert_eq!(
        filter("Value LIKE 'o%'").unwrap(),
        vec![table().rows[1].clone()]
    );
    assert!(filter("Value IS NULL").unwrap().is_empty());
    assert_eq!(filter("nope = 1").unwrap_err().code, 1054);
}

proptest::proptest! {
    /// Whatever a client sends without tables, the engine answers or errs without a
    /// panic, and evaluating the same text twice gives the same answer.
    #[test]
    fn any_select_evaluates_or_errs(sql in "SELECT (1|'a'|@@x|@y|USER\\(\\)|\\+|-|\\*|=|,|\\(|\\)|NULL|AND|NOT| )*( LIMIT 1)?") {
        let a = with_session(&sql, |cx| select(&sql, cx)).map_err(|e| e.code);
        let b = with_session(&sql, |cx| select(&sql, cx)).map_err(|e| e.code);
        proptest::prop_assert_eq!(a, b);
    }
}

#[test]
fn function_columns_are_typed_without_rows() {
    use crate::binlog::value::column_type as ct;
    let r = one("SELECT LENGTH(@x), CURDATE(), SQRT(2), CONCAT(@x) LIMIT 0");
    assert!(r.rows.is_empty());
    let types: Vec<u8> = r.columns.iter().map(|c| c.col_type).collect();
    // (LENGTH is INT as mysqld announces it; a variable's type is not worked out.)
    assert_eq!(types, vec![ct::LONGLONG, ct::DATE, ct::DOUBLE, ct::NULL]);
    let r = one("SELECT LENGTH('ab'), 1 + 1, 1.50, NOW(3), CAST(1 AS CHAR(3)) LIMIT 0");
    let got: Vec<(u8, u32, u8, bool)> = r
        .columns
        .iter()
        .map(|c| {
            let not_null = c.flags & crate::coldef::flags::NOT_NULL != 0;
            (c.col_type, c.length, c.decimals, not_null)
        })
        .collect();
    // MariaDB 10.11's metadata (`mariadb --column-type-info`), but LENGTH's length (10).
    assert_eq!(
        got,
        vec![
            (ct::LONG, 11, 0, true),
            (ct::LONG, 3, 0, true),
            (ct::NEWDECIMAL, 5, 2, true),
            (ct::DATETIME, 23, 3, true),
            (ct::VAR_STRING, 12, 39, false),
        ]
    );
}

#[test]
fn name_const_is_its_value_named() {
    // As MariaDB logs a stored procedure's variables in the statements a CALL runs.
    let rs = one("SELECT NAME_CONST('b', _latin1'abc' COLLATE 'latin1_swedish_ci'), NAME_CONST('a', 2), NAME_CONST('x', 1.50), NAME_CONST('t', TIMESTAMP'2024-01-02 03:04:05'), NAME_CONST('n', NULL), NAME_CONST('neg', -3)");
    let row: Vec<String> = rs.rows[0]
        .iter()
        .map(|v| v.render().unwrap_or_else(|| "NULL".into()))
        .collect();
    assert_eq!(
        row,
        ["abc", "2", "1.50", "2024-01-02 03:04:05", "NULL", "-3"]
    );
    assert_eq!(code("SELECT NAME_CONST('a')"), 1582);
}
