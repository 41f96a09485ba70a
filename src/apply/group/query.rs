//! A group's QUERY events: DML through statement replay (with the master session's
//! context), DDL through `ddl` and `schema`, transaction control (savepoints, rollbacks,
//! XA), and the replicate-* rules for DDL.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn apply_statement(
    tables: &mut Prepared,
    q: &Query<'_>,
    fde: &FormatDescription,
    text: &[u8],
    load: Option<&[u8]>,
    timestamp: u32,
    opts: &ApplierOptions,
    store: &Store,
    txn: &mut Txn,
    catalog: &mut Option<Catalog>,
    committed: &Catalog,
    rows: &mut RowApplier,
    ctx: &mut GroupCtx,
) -> Result<(), GroupError> {
    let db = String::from_utf8_lossy(q.db).into_owned();
    let sql = String::from_utf8_lossy(text);
    // Named in errors only: built when one happens (a statement can be megabytes).
    let context = || format!("Default database: '{db}'. Query: '{sql}'");
    let fail = |e: SqlError| GroupError {
        error: RowError::Sql(e, ""),
        context: context(),
    };
    let kind = classify(text);
    if !matches!(kind, StatementKind::Transaction) && !opts.binlog_db_ok(&db) {
        ctx.skip_log = true;
    }
    match kind {
        StatementKind::Transaction => {
            ctx.vars = StatementVars::default();
            let cat = catalog.as_ref().unwrap_or(committed);
            transaction_control(&sql, cat, store, txn, ctx).map_err(|e| GroupError {
                error: e,
                context: context(),
            })
        }
        StatementKind::NoData => {
            ctx.vars = StatementVars::default();
            Ok(())
        }
        StatementKind::Account => {
            let vars = std::mem::take(&mut ctx.vars);
            let status = q.status();
            let time_zone = tables.time_zone(status.time_zone).map_err(fail)?;
            let session = master_session(&db, q, &status, timestamp, &vars, &time_zone);
            let cat = catalog.as_ref().unwrap_or(committed);
            let Prepared {
                by_name, shapes, ..
            } = tables;
            let named = by_name.get_or_insert_with(|| crate::store::view::tables_of(cat));
            let mut replay = Replay::new(store, named, rows, &opts.filters, shapes, false);
            let sp = txn.savepoint();
            let outcome = crate::apply::accounts::execute(
                &sql,
                &db,
                &mut replay,
                &session,
                txn,
                &fde.server_version,
            );
            ctx.system_ignored += replay.system_ignored.get();
            match outcome {
                Ok(()) => Ok(()),
                Err(e) if q.error_code != 0 => {
                    // Failed on the master for some of its accounts (DROP USER a, b with
                    // b missing): what it changed for the others stays, as there.
                    tracing::info!(master_error = q.error_code, error = ?e, "account statement failed on the master too; its other changes kept");
                    crate::apply::accounts::touch_acl(txn);
                    Ok(())
                }
                Err(error) => skip_or_fail(error, sp, opts, txn, ctx, context),
            }
        }
        StatementKind::Dml => {
            let vars = std::mem::take(&mut ctx.vars);
            let status = q.status();
            let text = crate::apply::text::statement_text(text, &status).map_err(fail)?;
            let time_zone = tables.time_zone(status.time_zone).map_err(fail)?;
            if let Some(n) = status
                .lc_time_names
                .filter(|&n| crate::sql::locale::by_id(n).is_none())
            {
                // Month and day names in a language replicant does not know stop rather
                // than come out in English. (STR_TO_DATE reads English names under every
                // locale, as MariaDB's does.)
                let upper = text.to_ascii_uppercase();
                if [
                    "DATE_FORMAT",
                    "TIME_FORMAT",
                    "FROM_UNIXTIME",
                    "DAYNAME",
                    "MONTHNAME",
                ]
                .iter()
                .any(|f| upper.contains(f))
                {
                    return Err(fail(SqlError::not_supported(&format!(
                        "replaying month or day names under lc_time_names number {n} (not en_US)"
                    ))));
                }
            }
            if status.flags2.is_some_and(|f| f & OPTION_AUTO_IS_NULL != 0) {
                let cat = catalog.as_ref().unwrap_or(committed);
                if let Some(col) = auto_is_null_column(&text, cat) {
                    // `auto_col IS NULL` meant "the row just inserted" on the master.
                    return Err(fail(SqlError::not_supported(&format!(
                        "replaying `{col} IS NULL` under sql_auto_is_null=1 (it meant the last inserted row)"
                    ))));
                }
            }
            let session = master_session(&db, q, &status, timestamp, &vars, &time_zone);
            let cat = catalog.as_ref().unwrap_or(committed);
            let Prepared {
                by_name, shapes, ..
            } = tables;
            let named = by_name.get_or_insert_with(|| crate::store::view::tables_of(cat));
            // The session's temporary tables hide stored ones of their names.
            let shadowed: Vec<_> = cat
                .temporary_of(q.thread_id)
                .map(|t| {
                    let key = (t.db.clone(), t.name.clone());
                    (key, named.shadow(TableRt::new(t.clone())))
                })
                .collect();
            let mut replay = Replay::new(
                store,
                named,
                rows,
                &opts.filters,
                shapes,
                !shadowed.is_empty(),
            );
            // The statement's changes go, or stay, together.
            let sp = txn.savepoint();
            let outcome = match load {
                Some(data) => {
                    let collation = cat
                        .databases
                        .get(&db)
                        .map(|d| d.collation)
                        .or(status.charset_database)
                        .unwrap_or(45);
                    replay.load(&text, data, collation, &session, txn)
                }
                None => replay.execute(&text, &session, txn),
            };
            ctx.system_ignored += replay.system_ignored.get();
            if replay.filtered.get() {
                ctx.skip_log = true;
            }
            for (key, old) in shadowed.into_iter().rev() {
                named.restore(key, old);
            }
            let code = match &outcome {
                Ok(()) => 0,
                Err(RowError::Sql(e, _)) => e.code,
                Err(_) => u16::MAX,
            };
            if q.error_code != 0 {
                // The master logged a statement that failed there (its non-transactional
                // changes stayed): the replica must fail the same way, and keeps what it
                // changed, as the master did.
                if code == q.error_code {
                    return Ok(());
                }
                let (slave_msg, slave_code) = match &outcome {
                    Ok(()) => ("no error".to_string(), 0),
                    Err(RowError::Sql(e, _)) => (e.message.clone(), e.code),
                    Err(RowError::Decode(e)) => (e.to_string(), 0),
                    Err(RowError::Store(e)) => (e.to_string(), 0),
                };
                txn.rollback_to(sp);
                return Err(fail(SqlError::new(
                    1756,
                    format!(
                        "Query caused different errors on master and slave. Error on master: message (format)='{}' error code={} ; Error on slave: actual message='{slave_msg}', error code={slave_code}. Default database: '{db}'. Query: '{sql}'",
                        crate::apply::error::message_format(q.error_code),
                        q.error_code
                    ),
                )));
            }
            match outcome {
                Ok(()) => Ok(()),
                Err(error) => skip_or_fail(error, sp, opts, txn, ctx, context),
            }
        }
        StatementKind::Unknown => Err(fail(SqlError::not_supported("this statement"))),
        StatementKind::Ddl(_) => {
            if q.error_code != 0 {
                // The master logged a statement that failed there (non-transactional
                // side effects); mysqld expects the same error and moves on.
                return Ok(());
            }
            let status = q.status();
            let dctx = DdlContext {
                db: (!db.is_empty()).then_some(db.as_str()),
                collation_server: status.charset.map_or(8, |c| c.2),
                collation_database: status.charset_database,
                mysql: !fde.mariadb,
                collation_connection: status.charset.map_or(45, |c| c.1),
                sql_mode: status.sql_mode.unwrap_or(0),
                charset_client: status.charset.map_or(33, |c| c.0),
                timestamp,
            };
            let vars = std::mem::take(&mut ctx.vars);
            let time_zone = tables.time_zone(status.time_zone).map_err(fail)?;
            let cat = catalog.get_or_insert_with(|| committed.clone());
            // ANSI_QUOTES / NO_BACKSLASH_ESCAPES: read as under the default modes.
            let sql = crate::apply::text::default_quoting(
                &sql,
                dctx.sql_mode & 1 << 2 != 0,
                dctx.sql_mode & 1 << 20 != 0,
            );
            let ops = match ddl::parse(&sql, &dctx, cat) {
                Ok(ops) => ops,
                Err(e) if opts.policy.skip.skips(e.code) => {
                    ctx.skipped.push(Skipped {
                        error: e,
                        row: None,
                    });
                    return Ok(());
                }
                Err(e) => return Err(fail(e)),
            };
            if !ops.is_empty()
                && !ops
                    .iter()
                    .any(|op| ddl_passes_filters(op, &db, &opts.filters))
            {
                ctx.skip_log = true;
            }
            for op in ops {
                if !ddl_passes_filters(&op, &db, &opts.filters) {
                    continue;
                }
                // Prepared tables may describe what this DDL changes.
                tables.clear();
                let before = cat.clone();
                let sp = txn.savepoint();
                let done = match &op {
                    DdlOp::CreateTable {
                        select: Some(select),
                        ..
                    } => {
                        let select = select.clone();
                        let session = master_session(&db, q, &status, timestamp, &vars, &time_zone);
                        crate::apply::create_select::create_select(
                            op,
                            &select,
                            cat,
                            store,
                            txn,
                            rows,
                            &opts.filters,
                            &session,
                        )
                    }
                    _ => {
                        // The session's temporary tables take the place of stored ones of
                        // their names while its DDL runs.
                        cat.enter_session(q.thread_id);
                        let done = schema::execute(op, cat, store, txn, rows, timestamp);
                        cat.leave_session();
                        done
                    }
                };
                match done {
                    Ok(()) => {}
                    // DDL on a system table replicant does not keep (ALTER of
                    // mysql.global_priv by an upgrade...): passed over and counted.
                    Err(RowError::Sql(e, _))
                        if e.code == 1146 && e.message.starts_with("Table 'mysql.") =>
                    {
                        *cat = before;
                        txn.rollback_to(sp);
                        ctx.system_ignored += 1;
                    }
                    Err(RowError::Sql(e, _)) if opts.policy.skip.skips(e.code) => {
                        *cat = before;
                        txn.rollback_to(sp);
                        ctx.skipped.push(Skipped {
                            error: e,
                            row: None,
                        });
                    }
                    Err(error) => {
                        return Err(GroupError {
                            error,
                            context: context(),
                        })
                    }
                }
            }
            Ok(())
        }
    }
}

/// The master session a QUERY event's statement ran in.
pub(super) fn master_session<'a>(
    db: &'a str,
    q: &Query<'_>,
    status: &crate::binlog::events::StatusVars<'_>,
    timestamp: u32,
    vars: &'a StatementVars,
    time_zone: &'a TimeZone,
) -> MasterSession<'a> {
    MasterSession {
        db,
        timestamp,
        micros: status.microseconds.unwrap_or(0),
        thread_id: q.thread_id,
        sql_mode: status.sql_mode.unwrap_or(0),
        auto_increment: status.auto_increment.unwrap_or((1, 1)),
        vars,
        rand: Default::default(),
        time_zone,
        // Checked before replay (an unknown number stops the statement).
        locale: status
            .lc_time_names
            .and_then(crate::sql::locale::by_id)
            .unwrap_or_else(crate::sql::locale::en_us),
        foreign_key_checks: status
            .flags2
            .is_none_or(|f| f & OPTION_NO_FOREIGN_KEY_CHECKS == 0),
        collation_connection: status.charset.map_or(crate::coldef::UTF8MB4, |c| c.1),
    }
}

/// The AUTO_INCREMENT column a statement tests with `col IS NULL`, if any (the words
/// before each `IS NULL`, named by some table's AUTO_INCREMENT column): what
/// `sql_auto_is_null=1` turns into "the row just inserted".
fn auto_is_null_column(text: &str, cat: &Catalog) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    for (at, _) in upper.match_indices("IS NULL") {
        let before = text[..at].trim_end();
        let word: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '`' | '.' | '$'))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let col = word.rsplit('.').next().unwrap_or("").trim_matches('`');
        if col.is_empty() {
            continue;
        }
        let auto = cat.tables.values().any(|t| {
            t.columns
                .iter()
                .any(|c| c.auto_increment && c.name.eq_ignore_ascii_case(col))
        });
        if auto {
            return Some(col.to_string());
        }
    }
    None
}

/// flags2's OPTION_AUTO_IS_NULL: the session ran with `sql_auto_is_null=1`.
const OPTION_AUTO_IS_NULL: u32 = 1 << 14;

/// flags2's OPTION_NO_FOREIGN_KEY_CHECKS: the session ran with `foreign_key_checks=0`.
const OPTION_NO_FOREIGN_KEY_CHECKS: u32 = 1 << 26;

/// SAVEPOINT, ROLLBACK TO [SAVEPOINT], RELEASE SAVEPOINT and a ROLLBACK ending the group,
/// as the master ran them. The master logs a rollback only when the transaction changed a
/// non-transactional table (otherwise it drops the rolled-back events from the binlog):
/// its transactional tables' changes are undone and the others' stay, as on the master.
pub(super) fn transaction_control(
    sql: &str,
    cat: &Catalog,
    store: &Store,
    txn: &mut Txn,
    ctx: &mut GroupCtx,
) -> Result<(), RowError> {
    use sqlparser::tokenizer::Token;
    // Words as they are (a savepoint's name may be `quoted`), the keywords upper-cased.
    let toks = crate::sql::parse::tokens(sql).map_err(|e| RowError::Sql(e, ""))?;
    let word = |i: usize| match toks.get(i) {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    let name = |i: usize| match toks.get(i) {
        Some(Token::Word(w)) => w.value.clone(),
        _ => String::new(),
    };
    // Non-transactional tables, the session's temporary ones too.
    let kept = || -> Vec<u32> {
        cat.tables
            .values()
            .chain(cat.temporary.values())
            .filter(|t| !t.transactional())
            .map(|t| t.id)
            .collect()
    };
    let undo = |txn: &mut Txn, sp: SavePoint| {
        txn.rollback_to_keeping(sp, &kept()).map_err(|e| {
            RowError::Sql(
                SqlError::new(1034, format!("Pending batch is corrupt: {e}")),
                "",
            )
        })
    };
    let find = |ctx: &GroupCtx, n: &str| {
        ctx.savepoints
            .iter()
            .position(|(s, _)| s.eq_ignore_ascii_case(n))
            .ok_or_else(|| {
                RowError::Sql(
                    SqlError::new(1305, format!("SAVEPOINT {n} does not exist")),
                    "",
                )
            })
    };
    match (word(0).as_str(), word(1).as_str()) {
        ("SAVEPOINT", _) => {
            let n = name(1);
            ctx.savepoints.retain(|(s, _)| !s.eq_ignore_ascii_case(&n));
            ctx.savepoints.push((n, txn.savepoint()));
        }
        ("ROLLBACK", "TO") | ("ROLLBACK", "WORK") if word(1) == "TO" || word(2) == "TO" => {
            let to = if word(1) == "TO" { 1 } else { 2 };
            let at = if word(to + 1) == "SAVEPOINT" {
                to + 2
            } else {
                to + 1
            };
            let n = name(at);
            let i = find(ctx, &n)?;
            let sp = ctx.savepoints[i].1;
            ctx.savepoints.truncate(i + 1);
            undo(txn, sp)?;
        }
        ("RELEASE", "SAVEPOINT") => {
            let i = find(ctx, &name(2))?;
            ctx.savepoints.truncate(i);
        }
        // XA COMMIT / ROLLBACK of a transaction prepared earlier: its parked changes are
        // made, or dropped. (XA COMMIT ... ONE PHASE is logged as BEGIN ... COMMIT.)
        ("XA", verb @ ("COMMIT" | "ROLLBACK")) => {
            // The xid as the master writes it (X'..',X'..',n), from the tokens after the verb.
            let xid: String = toks.iter().skip(2).map(|t| t.to_string()).collect();
            let key = xa_key(&xid);
            let parked = txn.get(store, &key).map_err(RowError::Store)?.ok_or_else(|| {
                RowError::Sql(
                    SqlError::new(
                        1397,
                        format!("XAER_NOTA: Unknown XID {xid} (its XA PREPARE was not replicated here)"),
                    ),
                    "",
                )
            })?;
            txn.delete(&key);
            if verb == "COMMIT" {
                txn.put_records(&parked).map_err(|e| {
                    RowError::Sql(
                        SqlError::new(1034, format!("Parked XA transaction {xid} is corrupt: {e}")),
                        "",
                    )
                })?;
            }
        }
        ("ROLLBACK", "" | "WORK") => {
            if let Some(sp) = ctx.start {
                ctx.savepoints.clear();
                undo(txn, sp)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether the replicate-* filters let a DDL operation through: database rules on the
/// database a database statement names, else on the default database; table rules on the
/// tables the statement names.
pub(super) fn ddl_passes_filters(op: &DdlOp, default_db: &str, f: &Filters) -> bool {
    if f.is_empty() {
        return true;
    }
    let tables: Vec<&(String, String)> = match op {
        DdlOp::CreateDatabase { name, .. }
        | DdlOp::AlterDatabase { name, .. }
        | DdlOp::DropDatabase { name, .. } => return f.db_ok(name),
        DdlOp::CreateRoutine { def, .. } => return f.db_ok(&def.db),
        DdlOp::DropRoutine { db, .. } => return f.db_ok(db),
        DdlOp::Nothing | DdlOp::DropTrigger { .. } => return f.db_ok(default_db),
        DdlOp::CreateTrigger { table, .. } => vec![table],
        DdlOp::CreateTable { name, .. }
        | DdlOp::CreateTableLike { name, .. }
        | DdlOp::Truncate(name)
        | DdlOp::AlterTable { name, .. } => vec![name],
        DdlOp::DropTables { names, .. } | DdlOp::DropViews { names, .. } => names.iter().collect(),
        DdlOp::CreateView { view, .. } => {
            return f.db_ok(default_db) && f.table_rules_ok(&view.db, &view.name)
        }
        DdlOp::RenameTables(pairs) => pairs.iter().map(|(from, _)| from).collect(),
    };
    f.db_ok(default_db) && tables.iter().any(|(d, t)| f.table_rules_ok(d, t))
}

/// A statement that failed: undone back to `sp`, then skipped (slave_skip_errors) or
/// the group's error.
fn skip_or_fail(
    error: RowError,
    sp: SavePoint,
    opts: &ApplierOptions,
    txn: &mut Txn,
    ctx: &mut GroupCtx,
    context: impl Fn() -> String,
) -> Result<(), GroupError> {
    txn.rollback_to(sp);
    match error {
        RowError::Sql(e, _) if opts.policy.skip.skips(e.code) => {
            ctx.skipped.push(Skipped {
                error: e,
                row: None,
            });
            Ok(())
        }
        error => Err(GroupError {
            error,
            context: context(),
        }),
    }
}
