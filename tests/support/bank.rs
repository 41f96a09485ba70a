//! The bank-transfer workload: transfers between accounts keep the total of all balances
//! constant, so any read of the total through a replica that sees another one saw a torn
//! state.

/// `count` transfers between pseudo-random accounts `1..=accounts` (xorshift from
/// `seed`, which it advances), one transaction each.
pub fn bank_transfers(seed: &mut u64, count: usize, accounts: i64) -> String {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let mut sql = String::new();
    for _ in 0..count {
        let a = next() % accounts as u64 + 1;
        let b = next() % accounts as u64 + 1;
        let amount = next() % 50 + 1;
        sql.push_str(&format!(
            "BEGIN; UPDATE bank.acct SET balance = balance - {amount} WHERE id = {a}; \
             UPDATE bank.acct SET balance = balance + {amount} WHERE id = {b}; COMMIT;\n"
        ));
    }
    sql
}

/// Creates `bank.acct` on `m` with `accounts` accounts of 1000 each, a secondary index
/// covering the balances (`by_owner`).
pub fn create_bank(m: &super::mariadb::MariaDb, accounts: i64) {
    let mut rows = String::new();
    for id in 1..=accounts {
        if id > 1 {
            rows.push(',');
        }
        rows.push_str(&format!("({id}, 'owner{:03}', 1000)", id % 37));
    }
    m.sql(&format!(
        "CREATE DATABASE bank;
         CREATE TABLE bank.acct (id INT PRIMARY KEY, owner VARCHAR(20) NOT NULL, balance BIGINT NOT NULL,
                                 KEY by_owner (owner, balance));
         INSERT INTO bank.acct VALUES {rows}"
    ));
}
