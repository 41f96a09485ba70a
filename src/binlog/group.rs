//! Event-group (transaction) boundaries in an event stream.
//!
//! The relay log is cut, rotated and resumed only at group boundaries, so that a reconnect
//! or a crash never leaves half a transaction followed by the master re-sending its rest
//! (which mariadb-binlog, and an applier, would read as rows for an unknown table). This is
//! the rule mysqld's replica follows when it restarts in a transaction-consistent way.
//!
//! Groups, by flavor:
//! - MariaDB: a GTID event starts every group. With FL_STANDALONE the group is the one
//!   statement that follows (DDL); otherwise it ends at XID, or at a QUERY `COMMIT`,
//!   `ROLLBACK` or `XA ...` that closes it.
//! - MySQL: GTID / ANONYMOUS_GTID starts a group; it ends at XID, at `COMMIT`/`ROLLBACK`,
//!   after TRANSACTION_PAYLOAD or XA_PREPARE, or — when no `BEGIN` followed the GTID — after
//!   the single statement (DDL).
//! - Without GTIDs (old servers): `BEGIN` starts a group that ends as above; INTVAR, RAND
//!   and USER_VAR belong to the statement after them.
//! - Everything else (FORMAT_DESCRIPTION, ROTATE, GTID_LIST, checkpoints, INCIDENT, ...)
//!   stands outside groups and is itself a boundary.

use super::event::{Event, EventType};
use super::events::{MariaGtid as MariaGtidView, Query};
use super::fde::FormatDescription;

/// Tracks whether the stream is inside an event group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupTracker {
    /// Inside a group.
    in_group: bool,
    /// The group ends after its next statement (MariaDB FL_STANDALONE, or a MySQL GTID not
    /// followed by BEGIN, or INTVAR/RAND/USER_VAR context before a statement).
    single_statement: bool,
}

impl GroupTracker {
    /// Forgets an open group (its events will never be completed).
    pub fn reset(&mut self) {
        self.close();
    }

    /// True when no group is open: the stream may be cut here.
    pub fn at_boundary(&self) -> bool {
        !self.in_group
    }

    /// Feeds one event; returns true when, after it, the stream is at a boundary.
    pub fn on_event(&mut self, ev: &Event<'_>, fde: &FormatDescription) -> bool {
        use EventType::*;
        match ev.event_type() {
            Some(MariaGtid) => {
                let standalone = MariaGtidView::parse(ev.body()).is_ok_and(|g| g.standalone());
                self.open(standalone);
            }
            Some(Gtid | AnonymousGtid | GtidTagged) => self.open(true),
            Some(Query | QueryCompressed) => self.on_query(ev, fde),
            Some(Xid | XaPrepare | TransactionPayload) => self.close(),
            Some(Intvar | Rand | UserVar) if !self.in_group => self.open(true),
            Some(
                TableMap | AnnotateRows | RowsQuery | BeginLoadQuery | AppendBlock
                | ExecuteLoadQuery | Intvar | Rand | UserVar,
            ) => {
                self.in_group = true;
            }
            Some(t) if t.is_rows() => self.in_group = true,
            _ => {}
        }
        !self.in_group
    }

    fn open(&mut self, single_statement: bool) {
        self.in_group = true;
        self.single_statement = single_statement;
    }

    fn close(&mut self) {
        *self = GroupTracker::default();
    }

    fn on_query(&mut self, ev: &Event<'_>, fde: &FormatDescription) {
        let text: &[u8] = match Query::parse(ev.body(), fde) {
            Ok(q) if ev.event_type() == Some(EventType::Query) => q.query,
            // A compressed statement is never BEGIN/COMMIT (those are too short to compress).
            _ => b"",
        };
        let word = first_word(text);
        if word.eq_ignore_ascii_case(b"BEGIN") || starts_xa_start(text) {
            self.in_group = true;
            self.single_statement = false;
        } else if word.eq_ignore_ascii_case(b"COMMIT")
            // ROLLBACK ends the group; ROLLBACK TO a savepoint is inside it.
            || (word.eq_ignore_ascii_case(b"ROLLBACK")
                && !rollback_to(&trim_start(text)[word.len()..]))
            || is_xa_end_of_group(text)
            // A statement outside a group, or the one statement a group holds.
            || !self.in_group
            || self.single_statement
        {
            self.close();
        }
    }
}

/// What follows ROLLBACK is `[WORK] TO`: a rollback to a savepoint, inside the group.
fn rollback_to(rest: &[u8]) -> bool {
    let w = first_word(rest);
    if w.eq_ignore_ascii_case(b"WORK") {
        let t = trim_start(rest);
        return first_word(&t[w.len()..]).eq_ignore_ascii_case(b"TO");
    }
    w.eq_ignore_ascii_case(b"TO")
}

fn first_word(text: &[u8]) -> &[u8] {
    let t = trim_start(text);
    let end = t
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(t.len());
    &t[..end]
}

fn trim_start(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    &text[start..]
}

fn xa_verb(text: &[u8]) -> Option<&[u8]> {
    let t = trim_start(text);
    if t.len() > 3 && t[..2].eq_ignore_ascii_case(b"XA") && t[2].is_ascii_whitespace() {
        Some(first_word(&t[3..]))
    } else {
        None
    }
}

fn starts_xa_start(text: &[u8]) -> bool {
    xa_verb(text)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"START") || v.eq_ignore_ascii_case(b"BEGIN"))
}

/// `XA PREPARE`, `XA COMMIT` and `XA ROLLBACK` each end a group in the binlog.
fn is_xa_end_of_group(text: &[u8]) -> bool {
    xa_verb(text).is_some_and(|v| {
        v.eq_ignore_ascii_case(b"PREPARE")
            || v.eq_ignore_ascii_case(b"COMMIT")
            || v.eq_ignore_ascii_case(b"ROLLBACK")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::event::{ChecksumAlg, HEADER_LEN};

    fn event(type_code: u8, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&0u32.to_le_bytes());
        v.push(type_code);
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&((HEADER_LEN + body.len()) as u32).to_le_bytes());
        v.extend_from_slice(&100u32.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.extend_from_slice(body);
        v
    }

    fn query(text: &str) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.push(0);
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.push(0);
        b.extend_from_slice(text.as_bytes());
        event(2, &b)
    }

    fn maria_gtid(standalone: bool) -> Vec<u8> {
        let mut b = 5u64.to_le_bytes().to_vec();
        b.extend_from_slice(&0u32.to_le_bytes());
        b.push(if standalone { 1 } else { 0 });
        event(162, &b)
    }

    fn feed(t: &mut GroupTracker, bytes: &[u8]) -> bool {
        let fde = FormatDescription::assumed_v4();
        t.on_event(&Event::new(bytes, ChecksumAlg::Off).unwrap(), &fde)
    }

    #[test]
    fn mariadb_transaction_and_ddl() {
        let mut t = GroupTracker::default();
        assert!(!feed(&mut t, &maria_gtid(false)));
        assert!(!feed(&mut t, &event(19, &[0; 10])));
        assert!(!feed(&mut t, &event(23, &[0; 10])));
        assert!(feed(&mut t, &event(16, &7u64.to_le_bytes())));
        assert!(!feed(&mut t, &maria_gtid(true)));
        assert!(feed(&mut t, &query("create table t (i int)")));
        // Non-transactional DML: GTID, statement, COMMIT query.
        assert!(!feed(&mut t, &maria_gtid(false)));
        assert!(!feed(&mut t, &query("insert into m values (1)")));
        assert!(feed(&mut t, &query("COMMIT")));
        // ROLLBACK TO a savepoint stays inside the group; ROLLBACK ends it.
        assert!(!feed(&mut t, &maria_gtid(false)));
        assert!(!feed(&mut t, &query("SAVEPOINT `s`")));
        assert!(!feed(&mut t, &query("ROLLBACK TO `s`")));
        assert!(!feed(&mut t, &query("  rollback  to savepoint s")));
        assert!(!feed(&mut t, &query("ROLLBACK WORK TO s")));
        assert!(!feed(&mut t, &query("insert into m values (2)")));
        assert!(feed(&mut t, &query("ROLLBACK")));
    }

    #[test]
    fn old_style_begin_commit_and_context_events() {
        let mut t = GroupTracker::default();
        assert!(feed(&mut t, &query("create database d")));
        assert!(!feed(&mut t, &query("BEGIN")));
        assert!(!feed(&mut t, &event(5, &[2, 1, 0, 0, 0, 0, 0, 0, 0])));
        assert!(!feed(&mut t, &query("insert into t values (null)")));
        assert!(feed(&mut t, &query("COMMIT")));
        assert!(!feed(&mut t, &event(5, &[2, 1, 0, 0, 0, 0, 0, 0, 0])));
        assert!(feed(&mut t, &query("insert into myisam values (null)")));
        assert!(feed(&mut t, &event(4, &[4, 0, 0, 0, 0, 0, 0, 0, b'f'])));
    }

    #[test]
    fn mysql_gtid_then_ddl_or_transaction() {
        let mut t = GroupTracker::default();
        let gtid = event(33, &[0; 42]);
        assert!(!feed(&mut t, &gtid));
        assert!(feed(&mut t, &query("CREATE TABLE t (i INT)")));
        assert!(!feed(&mut t, &gtid));
        assert!(!feed(&mut t, &query("BEGIN")));
        assert!(!feed(&mut t, &query("insert into t values (1)")));
        assert!(feed(&mut t, &event(16, &1u64.to_le_bytes())));
        assert!(!feed(&mut t, &gtid));
        assert!(!feed(&mut t, &query("XA START 'x'")));
        assert!(!feed(&mut t, &query("XA END 'x'")));
        assert!(feed(&mut t, &query("XA PREPARE 'x'")));
    }
}
