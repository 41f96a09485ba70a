//! The command loop: each COM_* command of a logged-in client and its answer, prepared
//! statements (COM_STMT_PREPARE / EXECUTE / CLOSE / RESET) included.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, BufReader};

use super::connection::{change_user, send_err};
use super::results::{
    fail, flush_midway, frame_binary_head, frame_binary_result, frame_err, frame_ok,
    frame_result_end, frame_rows, held_columns, stream_select, ResultHead, ResultShape, RowsRef,
};
use super::session::{Reply, Session};
use crate::shutdown::Shutdown;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::wire::packet::PacketIo;
use crate::wire::resultset::Column;
use crate::wire::server as srv;
use crate::wire::{caps, WireError};

/// Prepared statements one session may hold (mysqld's max_prepared_stmt_count default).
pub(super) const MAX_PREPARED_PER_SESSION: usize = 16_382;

/// Command bytes.
mod cmd {
    pub const QUIT: u8 = 0x01;
    pub const INIT_DB: u8 = 0x02;
    pub const QUERY: u8 = 0x03;
    pub const FIELD_LIST: u8 = 0x04;
    pub const STATISTICS: u8 = 0x09;
    pub const PING: u8 = 0x0e;
    pub const CHANGE_USER: u8 = 0x11;
    pub const BINLOG_DUMP: u8 = 0x12;
    pub const REGISTER_SLAVE: u8 = 0x15;
    pub const BINLOG_DUMP_GTID: u8 = 0x1e;
    pub const STMT_PREPARE: u8 = 0x16;
    pub const STMT_EXECUTE: u8 = 0x17;
    pub const STMT_SEND_LONG_DATA: u8 = 0x18;
    pub const STMT_CLOSE: u8 = 0x19;
    pub const STMT_RESET: u8 = 0x1a;
    pub const SET_OPTION: u8 = 0x1b;
    pub const RESET_CONNECTION: u8 = 0x1f;
}

pub(super) async fn command_loop<S>(
    io: &mut PacketIo<BufReader<S>>,
    s: &mut Session,
    shutdown: &Shutdown,
) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut buf = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(16 * 1024);
    let kill = s.process.lock().map(|p| p.kill.clone()).unwrap_or_default();
    loop {
        io.seq = 0;
        // Reads block the session's thread (threads.rs): look at KILL and shutdown first;
        // while the read waits, they shut the socket down, which ends it.
        if shutdown.is_requested() || kill.load(Ordering::Acquire) {
            return Ok(());
        }
        let read = io.read_packet(&mut buf).await;
        if let Err(e) = read {
            if let WireError::TooLarge { .. } = e {
                // mysqld answers ER_NET_PACKET_TOO_LARGE and drops the connection.
                let err = SqlError::new(
                    1153,
                    "Got a packet bigger than 'max_allowed_packet' bytes".into(),
                );
                let _ = send_err(io, &err).await;
            }
            return Err(e);
        }
        let Some((&command, body)) = buf.split_first() else {
            return Err(WireError::Protocol("empty command packet".into()));
        };
        s.shared.questions.fetch_add(1, Ordering::Relaxed);
        // A KILL QUERY that came while no statement ran stops nothing.
        s.kill_query.store(false, Ordering::Release);
        out.clear();
        if s.sandbox
            && !matches!(
                command,
                cmd::QUIT | cmd::PING | cmd::STMT_CLOSE | cmd::STMT_SEND_LONG_DATA
            )
        {
            // An expired password: nothing but leaving, whatever the command.
            let e = SqlError::new(
                1820,
                "You must SET PASSWORD before executing this statement".into(),
            );
            frame_err(io, &mut out, &e);
            io.write_framed(&out).await?;
            continue;
        }
        match command {
            cmd::QUIT => return Ok(()),
            cmd::PING => frame_ok(io, &mut out, s, false),
            cmd::QUERY => {
                let sql = String::from_utf8_lossy(body).into_owned();
                run_query(io, &mut out, s, &sql).await;
            }
            cmd::INIT_DB => {
                let db = String::from_utf8_lossy(body).into_owned();
                match s.use_database(&db) {
                    Ok(()) => frame_ok(io, &mut out, s, false),
                    Err(e) => frame_err(io, &mut out, &e),
                }
            }
            cmd::STATISTICS => {
                let sh = &s.shared;
                let up = sh.started.elapsed().as_secs().max(1);
                let q = sh.questions.load(Ordering::Relaxed);
                let text = format!(
                    "Uptime: {up}  Threads: {}  Questions: {q}  Slow queries: 0  Opens: 0  Open tables: 0  Queries per second avg: {:.3}",
                    sh.connected(),
                    q as f64 / up as f64
                );
                io.frame_into(&mut out, text.as_bytes());
            }
            cmd::FIELD_LIST => {
                let table = body.split(|b| *b == 0).next().unwrap_or_default();
                match s.field_list(&String::from_utf8_lossy(table)) {
                    Ok(columns) => {
                        let mut p = Vec::with_capacity(128);
                        for c in &columns {
                            p.clear();
                            c.encode(&mut p);
                            // COM_FIELD_LIST definitions carry the default value (NULL).
                            p.push(0xfb);
                            io.frame_into(&mut out, &p);
                        }
                        let end = if s.caps & caps::DEPRECATE_EOF != 0 {
                            srv::ok_packet(0, 0, s.status(), 0, "", true)
                        } else {
                            srv::eof_packet(s.status(), 0)
                        };
                        io.frame_into(&mut out, &end);
                    }
                    Err(e) => frame_err(io, &mut out, &e),
                }
            }
            cmd::RESET_CONNECTION => {
                s.stmts.clear();
                s.vars.clear();
                s.user_vars.clear();
                s.in_trans = false;
                s.snapshot = None;
                s.conditions.clear();
                frame_ok(io, &mut out, s, false);
            }
            cmd::REGISTER_SLAVE => match super::dump::register(s, body) {
                Ok(()) => frame_ok(io, &mut out, s, false),
                Err(e) => frame_err(io, &mut out, &e),
            },
            cmd::BINLOG_DUMP | cmd::BINLOG_DUMP_GTID => {
                // The stream takes the connection to its end.
                return super::dump::dump(io, s, body, command == cmd::BINLOG_DUMP_GTID).await;
            }
            cmd::CHANGE_USER => {
                if !change_user(io, s, body).await? {
                    return Ok(());
                }
                continue;
            }
            cmd::SET_OPTION => match body.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]])) {
                // MYSQL_OPTION_MULTI_STATEMENTS_ON / _OFF; mysqld answers with EOF.
                Some(0) => {
                    s.caps |= srv::MULTI_STATEMENTS;
                    io.frame_into(&mut out, &srv::eof_packet(s.status(), 0));
                }
                Some(1) => {
                    s.caps &= !srv::MULTI_STATEMENTS;
                    io.frame_into(&mut out, &srv::eof_packet(s.status(), 0));
                }
                _ => frame_err(io, &mut out, &SqlError::new(1047, "Unknown command".into())),
            },
            cmd::STMT_PREPARE => {
                let sql = String::from_utf8_lossy(body).into_owned();
                prepare(io, &mut out, s, &sql);
            }
            cmd::STMT_EXECUTE => stmt_execute(io, &mut out, s, body).await,
            cmd::STMT_RESET => match stmt_id(body).and_then(|id| s.stmts.get_mut(&id)) {
                Some(p) => {
                    p.long_data.iter_mut().for_each(|d| *d = None);
                    frame_ok(io, &mut out, s, false);
                }
                None => frame_err(io, &mut out, &unknown_stmt(body, "mysqld_stmt_reset")),
            },
            // No reply to these, by protocol.
            cmd::STMT_CLOSE => {
                if let Some(id) = stmt_id(body) {
                    s.stmts.remove(&id);
                }
                continue;
            }
            cmd::STMT_SEND_LONG_DATA => {
                if let (Some(id), Some(param)) = (stmt_id(body), body.get(4..6)) {
                    let param = u16::from_le_bytes([param[0], param[1]]) as usize;
                    let limit = s.max_allowed_packet();
                    if let Some(p) = s.stmts.get_mut(&id) {
                        p.add_long_data(param, &body[6..], limit);
                    }
                }
                continue;
            }
            _ => {
                let e = SqlError::new(1047, "Unknown command".into());
                frame_err(io, &mut out, &e);
            }
        }
        io.write_framed(&out).await?;
        if out.capacity() > 1 << 20 {
            out = Vec::with_capacity(16 * 1024);
        }
        if let Ok(mut p) = s.process.lock() {
            p.command = "Sleep";
            p.since = Some(Instant::now());
            p.info = None;
        }
    }
}

pub(super) fn stmt_id(body: &[u8]) -> Option<u32> {
    body.get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// mysqld's 1243.
pub(super) fn unknown_stmt(body: &[u8], command: &str) -> SqlError {
    let id = stmt_id(body).map_or_else(|| "?".to_string(), |i| i.to_string());
    SqlError::new(
        1243,
        format!("Unknown prepared statement handler ({id}) given to {command}"),
    )
}

/// COM_STMT_PREPARE: registers the statement; its result columns are sent with each
/// execution (clients take the metadata of the EXECUTE response).
pub(super) fn prepare<S>(io: &mut PacketIo<S>, out: &mut Vec<u8>, s: &mut Session, sql: &str) {
    if crate::sql::split::strip_comments(sql).trim().is_empty() {
        frame_err(io, out, &SqlError::new(1065, "Query was empty".into()));
        return;
    }
    // mysqld's max_prepared_stmt_count default bounds what one client can hold.
    if s.stmts.len() >= MAX_PREPARED_PER_SESSION {
        frame_err(
            io,
            out,
            &SqlError::new(
                1461,
                format!("Can't create more than max_prepared_stmt_count statements (current value: {MAX_PREPARED_PER_SESSION})"),
            ),
        );
        return;
    }
    let mut p = super::prepared::Prepared::new(sql);
    let params = p.placeholders.len();
    if params > u16::MAX as usize {
        frame_err(
            io,
            out,
            &SqlError::new(
                1390,
                "Prepared statement contains too many placeholders".into(),
            ),
        );
        return;
    }
    // Clients size their result buffers from the columns announced here (and fail with
    // "commands out of sync" when EXECUTE then sends a result set they were not told of).
    let columns = s.describe_select(sql);
    s.last_stmt_id = s.last_stmt_id.wrapping_add(1);
    let id = s.last_stmt_id;
    if s.cache_metadata {
        for c in &columns {
            c.encode(&mut p.client_columns);
        }
    }
    s.stmts.insert(id, p);
    let mut ok = vec![0];
    ok.extend_from_slice(&id.to_le_bytes());
    ok.extend_from_slice(&(columns.len() as u16).to_le_bytes());
    ok.extend_from_slice(&(params as u16).to_le_bytes());
    ok.push(0);
    ok.extend_from_slice(&0u16.to_le_bytes());
    io.frame_into(out, &ok);
    if params > 0 {
        let mut def = Vec::with_capacity(64);
        for _ in 0..params {
            def.clear();
            Column::text("?", 0).encode(&mut def);
            io.frame_into(out, &def);
        }
        if s.caps & caps::DEPRECATE_EOF == 0 {
            io.frame_into(out, &srv::eof_packet(s.status(), 0));
        }
    }
    if !columns.is_empty() {
        let mut def = Vec::with_capacity(64);
        for c in &columns {
            def.clear();
            c.encode(&mut def);
            io.frame_into(out, &def);
        }
        if s.caps & caps::DEPRECATE_EOF == 0 {
            io.frame_into(out, &srv::eof_packet(s.status(), 0));
        }
    }
}

/// COM_STMT_EXECUTE: binds the parameters into the text and runs it; rows go back in the
/// binary format.
pub(super) async fn stmt_execute<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &mut Session,
    body: &[u8],
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let Some(id) = stmt_id(body) else {
        frame_err(
            io,
            out,
            &SqlError::new(1210, "Incorrect arguments to mysqld_stmt_execute".into()),
        );
        return;
    };
    let Some(p) = s.stmts.get_mut(&id) else {
        frame_err(io, out, &unknown_stmt(body, "mysqld_stmt_execute"));
        return;
    };
    let params = body.get(9..).unwrap_or_default();
    let reply = if p.planned {
        match p.values(params) {
            Ok(values) => execute_planned(io, out, s, id, values),
            Err(e) => frame_err(io, out, &e),
        }
        return;
    } else {
        let sql = match p.bind(params) {
            Ok(sql) => sql,
            Err(e) => {
                frame_err(io, out, &e);
                return;
            }
        };
        let template = p.sql.to_string();
        s.run_statement(&sql, &template).await
    };
    match reply {
        Reply::Err(e) => fail(io, out, s, e),
        Reply::Ok => frame_ok(io, out, s, false),
        Reply::Rows { .. } | Reply::Values { .. } => {
            // An encoding error replaces the whole result with an ERR packet.
            let (start, seq) = (out.len(), io.seq);
            let mut known = s
                .stmts
                .get_mut(&id)
                .map(|p| std::mem::take(&mut p.client_columns))
                .unwrap_or_default();
            let sent = frame_binary_result(io, out, s, &reply, &mut known);
            if let Err(e) = sent {
                out.truncate(start);
                io.seq = seq;
                frame_err(io, out, &e);
            }
            if let Some(p) = s.stmts.get_mut(&id) {
                p.client_columns = known;
            }
        }
    }
}

/// COM_STMT_EXECUTE of a planned prepared SELECT. When every column's definition is known
/// before the rows (they are tables' columns), each row is encoded and framed as the engine
/// produces it, none held (the framed bytes go out every [`FLUSH_AT`]); otherwise the
/// result is computed whole, then framed.
pub(super) fn execute_planned<S>(
    io: &mut PacketIo<S>,
    out: &mut Vec<u8>,
    s: &mut Session,
    id: u32,
    params: Vec<Value>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    use crate::sql::engine;
    let mut known = s
        .stmts
        .get_mut(&id)
        .map(|p| std::mem::take(&mut p.client_columns))
        .unwrap_or_default();
    let shape = ResultShape::of(s);
    let (start, seq) = (out.len(), io.seq);
    let mut whole = None;
    let mut streamed = None;
    // Set once framed bytes went to the client (an error then ends the result midway).
    let mut flushed = false;
    let mut io_error = false;
    let result = s.with_planned(id, params, |plan, head, cx| {
        let head = head.get_or_init(|| {
            let metas = engine::exec::known_metas(plan.cols())?;
            let columns = metas.into_iter().map(super::reads::wire_column).collect();
            Some(Arc::new(ResultHead::new(columns)))
        });
        let Some(head) = head else {
            whole = Some(engine::exec::run(plan, cx)?);
            return Ok(());
        };
        frame_binary_head(io, out, shape, head, &known);
        streamed = Some(head.clone());
        let mut row = Vec::with_capacity(256);
        let mut sink = |r: &mut Vec<Value>| -> Result<bool, SqlError> {
            row.clear();
            super::prepared::binary_values_row(&head.columns, r, &mut row)?;
            io.frame_into(out, &row);
            if let Some(written) = flush_midway(io, out) {
                flushed = true;
                if !written {
                    io_error = true;
                    return Err(SqlError::new(
                        1160,
                        "Got an error writing communication packets".into(),
                    ));
                }
            }
            Ok(true)
        };
        engine::exec::run_into(plan, cx, &mut sink)
    });
    match (result, whole) {
        (Err(_), _) if io_error => {}
        (Err(e), _) if flushed => {
            // mysqld ends a result set that fails midway with an ERR packet.
            fail(io, out, s, e);
        }
        (Err(e), _) => {
            out.truncate(start);
            io.seq = seq;
            fail(io, out, s, e);
        }
        (Ok(()), Some(rs)) => {
            let reply = Reply::Values {
                columns: rs
                    .columns
                    .into_iter()
                    .map(super::reads::wire_column)
                    .collect(),
                rows: rs.rows,
            };
            // An encoding error replaces the whole result with an ERR packet.
            if let Err(e) = frame_binary_result(io, out, s, &reply, &mut known) {
                out.truncate(start);
                io.seq = seq;
                frame_err(io, out, &e);
            }
        }
        (Ok(()), None) => {
            frame_result_end(io, out, shape, s.warning_count());
            if let Some(head) = &streamed {
                held_columns(shape, head, &mut known);
            }
        }
    }
    if let Some(p) = s.stmts.get_mut(&id) {
        p.client_columns = known;
    }
}

/// Runs a COM_QUERY (several statements under CLIENT_MULTI_STATEMENTS) into `out`.
pub(super) async fn run_query<S>(
    io: &mut PacketIo<BufReader<S>>,
    out: &mut Vec<u8>,
    s: &mut Session,
    sql: &str,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let statements = if s.caps & srv::MULTI_STATEMENTS != 0 {
        crate::sql::split::statements(sql)
    } else {
        vec![sql]
    };
    if statements.is_empty() {
        let e = SqlError::new(1065, "Query was empty".into());
        frame_err(io, out, &e);
        return;
    }
    let n = statements.len();
    for (i, stmt) in statements.into_iter().enumerate() {
        if let Ok(mut p) = s.process.lock() {
            p.command = "Query";
            p.since = Some(Instant::now());
            p.info = Some(stmt.chars().take(100).collect());
        }
        let more = i + 1 < n;
        if s.sandbox {
            let e = SqlError::new(
                1820,
                "You must SET PASSWORD before executing this statement".into(),
            );
            fail(io, out, s, e);
            return;
        }
        let words = crate::sql::split::leading_words(stmt, 1);
        if matches!(words.first().map(String::as_str), Some("SELECT" | "WITH"))
            && super::statement::has_from(stmt)
        {
            // Rows go out as the engine produces them.
            match stream_select(io, out, s, stmt, more) {
                Ok(true) => continue,
                // Failed after rows went out: the ERR packet ended the result.
                Ok(false) => return,
                Err(e) => {
                    fail(io, out, s, e);
                    return;
                }
            }
        }
        let reply = s.run_statement(stmt, stmt).await;
        match reply {
            Reply::Err(e) => {
                // mysqld stops a multi-statement at the first error.
                fail(io, out, s, e);
                return;
            }
            Reply::Ok => frame_ok(io, out, s, more),
            Reply::Rows { columns, rows } => {
                frame_rows(io, out, s, &columns, RowsRef::Text(&rows), more)
            }
            Reply::Values { columns, rows } => {
                frame_rows(io, out, s, &columns, RowsRef::Values(&rows), more)
            }
        }
    }
}
