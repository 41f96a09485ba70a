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
