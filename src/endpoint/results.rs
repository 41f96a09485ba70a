//! Answers on the wire: OK and ERR packets, result sets in the text and binary protocols,
//! and SELECTs streamed from the engine in flushes (no whole result held in memory).

use tokio::io::{AsyncRead, AsyncWrite, BufReader};

use super::session::{Condition, Reply, Session};
use super::sqlstate;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::wire::caps;
use crate::wire::packet::PacketIo;
use crate::wire::resultset::Column;
use crate::wire::server as srv;

/// How a result set goes out: the session's state when it starts.
#[derive(Clone, Copy)]
pub(super) struct ResultShape {
    pub(super) deprecate_eof: bool,
    pub(super) cache_metadata: bool,
    pub(super) status: u16,
}

impl ResultShape {
    pub(super) fn of(s: &Session) -> ResultShape {
        ResultShape {
            deprecate_eof: s.caps & caps::DEPRECATE_EOF != 0,
            cache_metadata: s.cache_metadata,
            status: s.status(),
        }
    }
}

/// A binary result's columns and their definitions encoded back to back (`ends`: where
/// each ends), worked out once per prepared plan when they do not depend on the rows.
#[derive(Debug)]
pub struct ResultHead {
    pub(super) columns: Vec<Column>,
    pub(super) defs: Vec<u8>,
    pub(super) ends: Vec<usize>,
}

impl ResultHead {
    pub(super) fn new(columns: Vec<Column>) -> ResultHead {
        let mut defs = Vec::with_capacity(128 * columns.len());
        let mut ends = Vec::with_capacity(columns.len());
        for c in &columns {
            c.encode(&mut defs);
            ends.push(defs.len());
        }
        ResultHead {
            columns,
            defs,
            ends,
        }
    }
}

/// A binary result's column count, column definitions (not when the client holds the same
/// ones: `known`; see [`held_columns`]) and EOF.
pub(super) fn frame_binary_head<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    shape: ResultShape,
    head: &ResultHead,
    known: &[u8],
) {
    let resend = !shape.cache_metadata || head.defs != known;
    io.frame_into(
        out,
        &srv::column_count(head.columns.len(), shape.cache_metadata.then_some(resend)),
    );
    if resend {
        let mut from = 0;
        for &end in &head.ends {
            io.frame_into(out, &head.defs[from..end]);
            from = end;
        }
    }
    if !shape.deprecate_eof {
        io.frame_into(out, &srv::eof_bytes(shape.status, 0));
    }
}

/// After a binary result went out: the column definitions the client holds.
pub(super) fn held_columns(shape: ResultShape, head: &ResultHead, known: &mut Vec<u8>) {
    if shape.cache_metadata && head.defs != *known {
        known.clear();
        known.extend_from_slice(&head.defs);
    }
}

/// The packet that ends a result set.
pub(super) fn frame_result_end<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    shape: ResultShape,
    warnings: u16,
) {
    if shape.deprecate_eof {
        io.frame_into(out, &srv::ok_packet(0, 0, shape.status, warnings, "", true));
    } else {
        io.frame_into(out, &srv::eof_bytes(shape.status, warnings));
    }
}

/// A result set in the binary protocol (a prepared statement's), each row encoded once
/// into a scratch buffer and framed.
///
/// `known`: the column definitions the client holds for the statement (see
/// [`super::prepared::Prepared::client_columns`]); updated to what it holds after.
pub(super) fn frame_binary_result<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &Session,
    reply: &Reply,
    known: &mut Vec<u8>,
) -> Result<(), SqlError> {
    let (columns, rows) = match reply {
        Reply::Rows { columns, rows } => (columns, RowsRef::Text(rows)),
        Reply::Values { columns, rows } => (columns, RowsRef::Values(rows)),
        _ => return Ok(()),
    };
    let shape = ResultShape::of(s);
    let head = ResultHead::new(columns.clone());
    frame_binary_head(io, out, shape, &head, known);
    let mut row = Vec::with_capacity(256);
    match rows {
        RowsRef::Text(rows) => {
            for r in rows {
                row.clear();
                super::prepared::binary_row(columns, r, &mut row)?;
                io.frame_into(out, &row);
            }
        }
        RowsRef::Values(rows) => {
            for r in rows {
                row.clear();
                super::prepared::binary_values_row(columns, r, &mut row)?;
                io.frame_into(out, &row);
            }
        }
    }
    frame_result_end(io, out, shape, s.warning_count());
    held_columns(shape, &head, known);
    Ok(())
}

/// Rows of a result held before the column definitions go out: their values type the
/// expression columns.
pub(super) const HEAD_ROWS: usize = 256;

/// Framed bytes gathered before they are written to the client mid-result.
pub(super) const FLUSH_AT: usize = 1 << 20;

/// Mid-result: once [`FLUSH_AT`] framed bytes have gathered in `out`, writes them to the
/// client (the socket blocks, threads.rs: the write completes or fails in place) and
/// empties `out`. `Some(written)` when it wrote.
pub(super) fn flush_midway<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>) -> Option<bool>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    if out.len() < FLUSH_AT {
        return None;
    }
    let written = super::threads::block_on(io.write_framed(out)).is_ok();
    out.clear();
    Some(written)
}

/// Frames a streamed result: column definitions once the first rows are known, then rows
/// as they come, written out whenever a megabyte has gathered.
pub(super) struct Streamer<'a, S> {
    pub(super) io: &'a mut PacketIo<BufReader<S>>,
    pub(super) out: &'a mut Vec<u8>,
    pub(super) shape: ResultShape,
    pub(super) head: Vec<Vec<Value>>,
    pub(super) sent_columns: bool,
    pub(super) row: Vec<u8>,
    pub(super) io_error: bool,
}

impl<S> Streamer<'_, S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    pub(super) fn send_columns(&mut self, cols: &[crate::sql::engine::bind::OutCol]) {
        let metas = crate::sql::engine::exec::metas(cols, &self.head);
        // Text results always carry their definitions ("metadata follows" when the client
        // caches metadata).
        let metadata_flag = self.shape.cache_metadata.then_some(true);
        self.io
            .frame_into(self.out, &srv::column_count(metas.len(), metadata_flag));
        let mut def = Vec::with_capacity(128);
        for m in metas {
            def.clear();
            super::reads::wire_column(m).encode(&mut def);
            self.io.frame_into(self.out, &def);
        }
        if !self.shape.deprecate_eof {
            self.io
                .frame_into(self.out, &srv::eof_packet(self.shape.status, 0));
        }
        self.sent_columns = true;
        for r in std::mem::take(&mut self.head) {
            self.frame_row(&r);
        }
    }

    pub(super) fn frame_row(&mut self, r: &[Value]) {
        self.row.clear();
        for v in r {
            srv::put_text_value(&mut self.row, v.text_bytes().as_deref());
        }
        let row = std::mem::take(&mut self.row);
        self.io.frame_into(self.out, &row);
        self.row = row;
    }

    /// Takes one row; false (with `io_error`) when the client is gone.
    pub(super) fn push(
        &mut self,
        r: &mut Vec<Value>,
        cols: &[crate::sql::engine::bind::OutCol],
    ) -> bool {
        if !self.sent_columns {
            self.head.push(std::mem::take(r));
            if self.head.len() >= HEAD_ROWS {
                self.send_columns(cols);
            }
            return true;
        }
        self.frame_row(r);
        if flush_midway(self.io, self.out) == Some(false) {
            self.io_error = true;
            return false;
        }
        true
    }
}

/// A SELECT through the query engine with its rows streamed to the client; false when it
/// failed after its first rows went out (the ERR packet is framed).
pub(super) fn stream_select<S>(
    io: &mut PacketIo<BufReader<S>>,
    out: &mut Vec<u8>,
    s: &mut Session,
    sql: &str,
    more: bool,
) -> Result<bool, SqlError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    use crate::sql::engine;
    s.conditions.clear();
    let view = s.read_view()?;
    let mut shape = ResultShape::of(s);
    if more {
        shape.status |= srv::STATUS_MORE_RESULTS;
    }
    let session: &Session = s;
    session.engine_context(&view, sql, &[], &[], |cx| {
        let plan = engine::plan(sql, cx)?;
        let cols = plan.cols().to_vec();
        let mut st = Streamer {
            io,
            out,
            shape,
            head: Vec::new(),
            sent_columns: false,
            row: Vec::new(),
            io_error: false,
        };
        let gone = || SqlError::new(1160, "Got an error writing communication packets".into());
        let mut sink = |r: &mut Vec<Value>| -> Result<bool, SqlError> {
            if st.push(r, &cols) {
                Ok(true)
            } else {
                Err(gone())
            }
        };
        let result = engine::exec::run_into(&plan, cx, &mut sink);
        if let Err(e) = result {
            if st.io_error || !st.sent_columns {
                return Err(e);
            }
            // mysqld ends a result set that fails midway with an ERR packet.
            frame_err(st.io, st.out, &e);
            return Ok(false);
        }
        if !st.sent_columns {
            st.send_columns(&cols);
        }
        frame_result_end(st.io, st.out, shape, session.warning_count());
        Ok(true)
    })
}

/// Rows of either kind of result.
pub(super) enum RowsRef<'a> {
    Text(&'a [Vec<Option<String>>]),
    Values(&'a [Vec<crate::sql::value::Value>]),
}

pub(super) fn frame_ok<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &Session, more: bool) {
    let mut status = s.status();
    if more {
        status |= srv::STATUS_MORE_RESULTS;
    }
    let p = srv::ok_packet(0, 0, status, s.warning_count(), "", false);
    io.frame_into(out, &p);
}

/// A statement failed: its ERR packet, and the error kept for SHOW ERRORS / WARNINGS.
pub(super) fn fail<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &mut Session, e: SqlError) {
    frame_err(io, out, &e);
    s.conditions = vec![Condition {
        level: "Error",
        error: e,
    }];
}

pub(super) fn frame_err<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, e: &SqlError) {
    let p = srv::err_packet(e.code, sqlstate(e.code), &e.message);
    io.frame_into(out, &p);
}

pub(super) fn frame_rows<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &Session,
    columns: &[Column],
    rows: RowsRef<'_>,
    more: bool,
) {
    let deprecate_eof = s.caps & caps::DEPRECATE_EOF != 0;
    let mut status = s.status();
    if more {
        status |= srv::STATUS_MORE_RESULTS;
    }
    io.frame_into(
        out,
        &srv::column_count(columns.len(), s.cache_metadata.then_some(true)),
    );
    let mut p = Vec::with_capacity(128);
    for c in columns {
        p.clear();
        c.encode(&mut p);
        io.frame_into(out, &p);
    }
    if !deprecate_eof {
        io.frame_into(out, &srv::eof_packet(status, 0));
    }
    match rows {
        RowsRef::Text(rows) => {
            for r in rows {
                p.clear();
                for v in r {
                    srv::put_text_value(&mut p, v.as_deref().map(str::as_bytes));
                }
                io.frame_into(out, &p);
            }
        }
        RowsRef::Values(rows) => {
            for r in rows {
                p.clear();
                for v in r {
                    srv::put_text_value(&mut p, v.text_bytes().as_deref());
                }
                io.frame_into(out, &p);
            }
        }
    }
    let end = if deprecate_eof {
        srv::ok_packet(0, 0, status, s.warning_count(), "", true)
    } else {
        srv::eof_packet(status, s.warning_count())
    };
    io.frame_into(out, &end);
}
