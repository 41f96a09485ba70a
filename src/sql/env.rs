//! What an expression may ask of the session it runs in: system and user variables,
//! session functions (USER(), DATABASE()...), RAND()'s generator. The endpoint's session
//! and statement replay's master session implement [`Env`]; [`NoSession`] is neither.

use super::value::Value;
use crate::sqlerror::SqlError;
use crate::tz::{TimeZone, SYSTEM};

/// What an expression may ask of the session.
pub trait Env {
    /// A system variable (`@@name`, `@@global.name` when `global`).
    fn system_variable(&self, global: bool, name: &str) -> Result<Value, SqlError>;
    /// A user variable (`@name`; NULL when never set).
    fn user_variable(&self, name: &str) -> Value;
    /// A function of the session taking no arguments (USER(), DATABASE()...), by upper-case
    /// name; `None` when the name is not one.
    fn session_function(&self, name: &str) -> Option<Value>;
    /// The next RAND() value. A session that knows its generator's seeds (statement
    /// replay: the master's, from the RAND event) gives mysqld's sequence; by default a
    /// value from the thread's own generator.
    fn rand(&self) -> f64 {
        thread_rand()
    }
    /// The session's time zone (`@@time_zone`): how TIMESTAMP values and the clock show.
    fn time_zone(&self) -> &TimeZone {
        &SYSTEM
    }
    /// lc_time_names: the names of months and days.
    fn locale(&self) -> &'static crate::sql::locale::Locale {
        crate::sql::locale::en_us()
    }
    /// KILL QUERY asked the running statement to stop: the engine looks between rows.
    fn interrupted(&self) -> bool {
        false
    }
}

/// mysqld's RAND() generator (`my_rnd`): two seeds below 2^30 - 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MyRnd {
    /// First seed.
    pub seed1: u64,
    /// Second seed.
    pub seed2: u64,
}

impl MyRnd {
    const MAX: u64 = 0x3FFF_FFFF;

    /// The generator with the seeds a RAND event carries.
    pub fn new(seed1: u64, seed2: u64) -> MyRnd {
        MyRnd {
            seed1: seed1 % Self::MAX,
            seed2: seed2 % Self::MAX,
        }
    }

    /// The next value in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.seed1 = (self.seed1 * 3 + self.seed2) % Self::MAX;
        self.seed2 = (self.seed1 + self.seed2 + 33) % Self::MAX;
        self.seed1 as f64 / Self::MAX as f64
    }
}

/// A value in [0, 1) from a per-thread generator seeded from the clock.
fn thread_rand() -> f64 {
    thread_local! {
        static STATE: std::cell::Cell<Option<MyRnd>> = const { std::cell::Cell::new(None) };
    }
    STATE.with(|s| {
        let mut r = s.get().unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            MyRnd::new(t.as_nanos() as u64, u64::from(t.subsec_micros()) * 7919)
        });
        let v = r.next_f64();
        s.set(Some(r));
        v
    })
}

/// A context without a session (statement replay, in-process engine runs, tests): no
/// system variable is known (1193), user variables are NULL, no session functions.
pub struct NoSession;

impl Env for NoSession {
    fn system_variable(&self, _: bool, name: &str) -> Result<Value, SqlError> {
        Err(SqlError::new(
            1193,
            format!("Unknown system variable '{name}'"),
        ))
    }
    fn user_variable(&self, _: &str) -> Value {
        Value::Null
    }
    fn session_function(&self, _: &str) -> Option<Value> {
        None
    }
}
