//! Executes [`DdlOp`]s: the catalog changes, and the rows they imply (DROP removes a
//! table's rows, TRUNCATE empties it, ALTER TABLE copies every row into the new shape —
//! except when it only adds secondary or unique indexes, CREATE INDEX, which writes their
//! entries alone), all inside the transaction that also records the applied position.
//!
//! mysqld's checks and error codes: 1007/1008 for databases, 1049 unknown database,
//! 1050/1051/1146 for tables, 1054/1060 for columns, 1061/1068/1091/1072 for keys.

use std::borrow::Cow;

use super::ddl::{AlterOp, DdlOp, ForeignKeySpec, IndexSpec, Position, TableName};
use super::encode;
use super::rows::{RowApplier, RowError};
use crate::sqlerror::SqlError;
use crate::store::catalog::{
    Catalog, ColumnDef, DatabaseDef, ForeignKeyDef, IndexDef, IndexKind, KeyPart, TableDef,
    KEY_FORMAT,
};
use crate::store::keys;
use crate::store::row::Span;
use crate::store::table::TableRt;
use crate::store::{Store, Txn};

/// Executes `op` against `cat` (the caller's copy, kept only if the transaction commits).
/// `now` is the statement's timestamp (for CURRENT_TIMESTAMP defaults).
pub fn execute(
    op: DdlOp,
    cat: &mut Catalog,
    store: &Store,
    txn: &mut Txn,
    rows: &mut RowApplier,
    now: u32,
) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    match op {
        DdlOp::Nothing => Ok(()),
        DdlOp::CreateDatabase {
            name,
            if_not_exists,
            collation,
        } => {
            if cat.databases.contains_key(&name) {
                return if if_not_exists {
                    Ok(())
                } else {
                    Err(sql(SqlError::db_exists(&name)))
                };
            }
            let d = DatabaseDef {
                name,
                collation,
                assumed: false,
            };
            txn.put_database(&d);
            cat.databases.insert(d.name.clone(), d);
            Ok(())
        }
        DdlOp::AlterDatabase { name, collation } => {
            let Some(d) = cat.databases.get_mut(&name) else {
                return Err(sql(SqlError::unknown_db(&name)));
            };
            if let Some(c) = collation {
                d.collation = c;
                d.assumed = false;
                txn.put_database(d);
            }
            Ok(())
        }
        DdlOp::DropDatabase { name, if_exists } => {
            if !cat.databases.contains_key(&name) {
                return if if_exists {
                    Ok(())
                } else {
                    Err(sql(SqlError::db_drop_missing(&name)))
                };
            }
            let mut ids: Vec<u32> = cat.tables_of(&name).map(|t| t.id).collect();
            // Stored tables the session's temporary tables hide go too.
            ids.extend(cat.take_hidden_of(&name));
            for id in ids {
                txn.drop_table(id);
            }
            cat.tables.retain(|(d, _), _| d != &name);
            let views: Vec<String> = cat.views_of(&name).map(|v| v.name.clone()).collect();
            for v in views {
                txn.delete_view(&name, &v);
                cat.views.remove(&(name.clone(), v));
            }
            let routines: Vec<_> = cat
                .routines
                .keys()
                .filter(|k| k.0 == name)
                .cloned()
                .collect();
            for k in routines {
                txn.delete_routine(&k.0, &k.1, &k.2);
                cat.routines.remove(&k);
            }
            cat.databases.remove(&name);
            txn.delete_database(&name);
            Ok(())
        }
        op @ (DdlOp::CreateTable { .. } | DdlOp::CreateTableLike { .. }) => {
            create_table(cat, txn, op)
        }
        DdlOp::DropTables {
            names,
            if_exists,
            temporary,
        } => {
            // DROP TEMPORARY TABLE drops only the session's temporary tables.
            let missing: Vec<String> = names
                .iter()
                .filter(|n| {
                    cat.table(&n.0, &n.1)
                        .is_none_or(|t| temporary && t.session.is_none())
                })
                .map(|n| format!("{}.{}", n.0, n.1))
                .collect();
            if !missing.is_empty() && !if_exists {
                return Err(sql(SqlError::unknown_table(&missing.join(","))));
            }
            for n in names {
                if temporary && cat.table(&n.0, &n.1).is_none_or(|t| t.session.is_none()) {
                    continue;
                }
                if let Some(t) = cat.tables.remove(&n) {
                    txn.drop_table(t.id);
                }
            }
            rows.reset();
            Ok(())
        }
        DdlOp::RenameTables(pairs) => {
            for (from, to) in pairs {
                rename(cat, txn, &from, to)?;
            }
            Ok(())
        }
        DdlOp::Truncate(name) => {
            let t = cat
                .table(&name.0, &name.1)
                .ok_or_else(|| sql(SqlError::no_such_table(&name.0, &name.1)))?;
            txn.clear_table(t.id);
            rows.reset();
            Ok(())
        }
        DdlOp::AlterTable { name, ops } => alter(cat, store, txn, rows, name, ops, now),
        op @ (DdlOp::CreateTrigger { .. } | DdlOp::DropTrigger { .. }) => trigger(cat, txn, op),
        op @ (DdlOp::CreateView { .. } | DdlOp::DropViews { .. }) => view(cat, txn, op),
        DdlOp::CreateRoutine {
            def,
            or_replace,
            if_not_exists,
        } => {
            let key = (def.db.clone(), def.kind.clone(), def.name.to_lowercase());
            if cat.routines.contains_key(&key) && !or_replace {
                return if if_not_exists {
                    Ok(())
                } else {
                    Err(sql(SqlError::new(
                        1304,
                        format!("{} {} already exists", def.kind, def.name),
                    )))
                };
            }
            txn.put_routine(&def);
            cat.routines.insert(key, def);
            Ok(())
        }
        DdlOp::DropRoutine {
            db,
            kind,
            name,
            if_exists,
        } => {
            let key = (db.clone(), kind.clone(), name.to_lowercase());
            if cat.routines.remove(&key).is_some() {
                txn.delete_routine(&db, &kind, &name);
                Ok(())
            } else if if_exists {
                Ok(())
            } else {
                Err(sql(SqlError::new(
                    1305,
                    format!("{kind} {db}.{name} does not exist"),
                )))
            }
        }
    }
}

/// CREATE [TEMPORARY] TABLE and CREATE [TEMPORARY] TABLE ... LIKE.
fn create_table(cat: &mut Catalog, txn: &mut Txn, op: DdlOp) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    match op {
        DdlOp::CreateTable {
            name,
            if_not_exists,
            or_replace,
            columns,
            indexes,
            foreign_keys,
            collation,
            engine,
            auto_increment,
            temporary,
            select: _,
        } => {
            let Some(session) = make_room(cat, txn, &name, temporary, if_not_exists, or_replace)?
            else {
                return Ok(());
            };
            let mut t = TableDef {
                id: cat.next_table_id,
                db: name.0.clone(),
                name: name.1.clone(),
                columns,
                indexes: Vec::new(),
                collation,
                next_index_id: 0,
                key_format: KEY_FORMAT,
                triggers: Vec::new(),
                trigger_defs: Vec::new(),
                engine,
                session,
                foreign_keys: Vec::new(),
            };
            check_columns(&t)?;
            for spec in &indexes {
                add_index(&mut t, spec).map_err(sql)?;
            }
            for fk in foreign_keys {
                add_foreign_key(&mut t, fk).map_err(sql)?;
            }
            cat.next_table_id += 1;
            txn.put_table(&t, cat.next_table_id);
            if let Some(n) = auto_increment.filter(|&n| n > 1) {
                txn.set_auto_increment(t.id, Some(n));
            }
            cat.tables.insert(name, t);
            Ok(())
        }
        DdlOp::CreateTableLike {
            name,
            like,
            if_not_exists,
            temporary,
        } => {
            let src = cat
                .table(&like.0, &like.1)
                .ok_or_else(|| sql(SqlError::no_such_table(&like.0, &like.1)))?
                .clone();
            let Some(session) = make_room(cat, txn, &name, temporary, if_not_exists, false)? else {
                return Ok(());
            };
            let t = TableDef {
                id: cat.next_table_id,
                db: name.0.clone(),
                name: name.1.clone(),
                key_format: KEY_FORMAT,
                // CREATE TABLE ... LIKE copies no triggers and no foreign keys.
                triggers: Vec::new(),
                trigger_defs: Vec::new(),
                foreign_keys: Vec::new(),
                session,
                ..src
            };
            cat.next_table_id += 1;
            txn.put_table(&t, cat.next_table_id);
            cat.tables.insert(name, t);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Checks that table `name` may be created, dropping what OR REPLACE replaces. `None`:
/// IF NOT EXISTS met an existing table (nothing to do); else the session a temporary
/// table belongs to (`Some(None)` for a stored table). A temporary table may take the name
/// of a stored one, which it then hides from its session.
fn make_room(
    cat: &mut Catalog,
    txn: &mut Txn,
    name: &TableName,
    temporary: bool,
    if_not_exists: bool,
    or_replace: bool,
) -> Result<Option<Option<u32>>, RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    let session = match (temporary, &cat.in_session) {
        (false, _) => None,
        (true, Some((thread, _))) => Some(*thread),
        (true, None) => {
            return Err(sql(SqlError::not_supported(
                "a temporary table outside a master session",
            )))
        }
    };
    if !cat.databases.contains_key(&name.0) {
        return Err(sql(SqlError::unknown_db(&name.0)));
    }
    let Some(old) = cat.table(&name.0, &name.1) else {
        return Ok(Some(session));
    };
    match (temporary, old.session.is_some()) {
        (true, false) => {
            // The stored table stays, hidden from this session.
            if let Some(old) = cat.tables.remove(name) {
                cat.hide(old);
            }
            Ok(Some(session))
        }
        (false, true) => Err(sql(SqlError::not_supported(&format!(
            "creating the table {}.{} while the master session's temporary table of that name hides it",
            name.0, name.1
        )))),
        _ if if_not_exists => Ok(None),
        _ if !or_replace => Err(sql(SqlError::table_exists(&name.1))),
        _ => {
            txn.drop_table(old.id);
            Ok(Some(session))
        }
    }
}

/// CREATE / ALTER / DROP VIEW, with mysqld's errors: 1050 when a table or view has the
/// name, 1347 (ALTER VIEW) / 4092 (DROP VIEW) when it is not a view.
fn view(cat: &mut Catalog, txn: &mut Txn, op: DdlOp) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    match op {
        DdlOp::CreateView {
            view,
            or_replace,
            if_not_exists,
            alter,
        } => {
            let key = (view.db.clone(), view.name.clone());
            if !cat.databases.contains_key(&view.db) {
                return Err(sql(SqlError::unknown_db(&view.db)));
            }
            if cat.tables.contains_key(&key) {
                return Err(sql(if alter {
                    SqlError::new(
                        1347,
                        format!("'{}.{}' is not of type 'VIEW'", view.db, view.name),
                    )
                } else {
                    SqlError::table_exists(&view.name)
                }));
            }
            let exists = cat.views.contains_key(&key);
            if alter && !exists {
                return Err(sql(SqlError::no_such_table(&view.db, &view.name)));
            }
            if exists && !alter && !or_replace {
                return if if_not_exists {
                    Ok(())
                } else {
                    Err(sql(SqlError::table_exists(&view.name)))
                };
            }
            txn.put_view(&view);
            cat.views.insert(key, view);
            Ok(())
        }
        DdlOp::DropViews { names, if_exists } => {
            let missing: Vec<String> = names
                .iter()
                .filter(|n| !cat.views.contains_key(*n))
                .map(|n| format!("{}.{}", n.0, n.1))
                .collect();
            if !missing.is_empty() && !if_exists {
                return Err(sql(SqlError::unknown_table(&missing.join(","))));
            }
            for n in names {
                if cat.views.remove(&n).is_some() {
                    txn.delete_view(&n.0, &n.1);
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// CREATE TRIGGER and DROP TRIGGER: the catalog keeps the names (a table with triggers is
/// not replayed from statements).
fn trigger(cat: &mut Catalog, txn: &mut Txn, op: DdlOp) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    match op {
        DdlOp::CreateTrigger { table, def, order } => {
            if cat
                .tables
                .values()
                .any(|t| t.db == table.0 && t.triggers.contains(&def.name))
            {
                return Err(sql(SqlError::new(1359, "Trigger already exists".into())));
            }
            let t = cat
                .tables
                .get_mut(&table)
                .ok_or_else(|| sql(SqlError::no_such_table(&table.0, &table.1)))?;
            t.triggers.push(def.name.clone());
            // Firing order: after the others of its kind, or FOLLOWS / PRECEDES one.
            let at = match &order {
                Some((follows, other)) => {
                    let i = t
                        .trigger_defs
                        .iter()
                        .position(|d| d.name.eq_ignore_ascii_case(other))
                        .ok_or_else(|| {
                            sql(SqlError::new(4031, format!("Referenced trigger '{other}' for the given action time and event type does not exist")))
                        })?;
                    i + usize::from(*follows)
                }
                None => t.trigger_defs.len(),
            };
            t.trigger_defs.insert(at, def);
            txn.put_table(t, cat.next_table_id);
            Ok(())
        }
        DdlOp::DropTrigger {
            db,
            name,
            if_exists,
        } => {
            let next = cat.next_table_id;
            match cat
                .tables
                .values_mut()
                .find(|t| t.db == db && t.triggers.contains(&name))
            {
                Some(t) => {
                    t.triggers.retain(|n| *n != name);
                    t.trigger_defs.retain(|d| d.name != name);
                    txn.put_table(t, next);
                    Ok(())
                }
                None if if_exists => Ok(()),
                None => Err(sql(SqlError::new(1360, "Trigger does not exist".into()))),
            }
        }
        _ => Ok(()),
    }
}

fn rename(
    cat: &mut Catalog,
    txn: &mut Txn,
    from: &TableName,
    to: TableName,
) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    if cat.table(&to.0, &to.1).is_some() {
        return Err(sql(SqlError::table_exists(&to.1)));
    }
    if !cat.databases.contains_key(&to.0) {
        return Err(sql(SqlError::unknown_db(&to.0)));
    }
    let mut t = cat
        .tables
        .remove(from)
        .ok_or_else(|| sql(SqlError::no_such_table(&from.0, &from.1)))?;
    t.db = to.0.clone();
    t.name = to.1.clone();
    rename_generated_keys(&mut t, &from.1);
    follow_references(&mut t.foreign_keys, from, &to, &[]);
    txn.put_table(&t, cat.next_table_id);
    cat.tables.insert(to.clone(), t);
    references_follow(cat, txn, from, &to, &[]);
    Ok(())
}

/// InnoDB renames the foreign keys it named after the table (`<old>_ibfk_<n>`) with it.
fn rename_generated_keys(t: &mut TableDef, old: &str) {
    let prefix = format!("{old}_ibfk_");
    for fk in t.foreign_keys.iter_mut() {
        if let Some(n) = fk.name.strip_prefix(&prefix) {
            if n.parse::<u32>().is_ok() {
                fk.name = format!("{}_ibfk_{n}", t.name);
            }
        }
    }
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Points the keys of `fks` that reference table `from` at `to`, and at the referenced
/// columns' new names (`renamed`: old, new), as InnoDB's foreign keys follow RENAME
/// TABLE and column renames. True when one changed.
fn follow_references(
    fks: &mut [ForeignKeyDef],
    from: &TableName,
    to: &TableName,
    renamed: &[(String, String)],
) -> bool {
    let mut changed = false;
    for fk in fks
        .iter_mut()
        .filter(|f| f.ref_db == from.0 && f.ref_table == from.1)
    {
        fk.ref_db = to.0.clone();
        fk.ref_table = to.1.clone();
        for c in fk.ref_columns.iter_mut() {
            if let Some((_, n)) = renamed.iter().find(|(o, _)| o.eq_ignore_ascii_case(c)) {
                *c = n.clone();
            }
        }
        changed = true;
    }
    changed
}

/// [`follow_references`] for every table of the catalog, each changed one written.
fn references_follow(
    cat: &mut Catalog,
    txn: &mut Txn,
    from: &TableName,
    to: &TableName,
    renamed: &[(String, String)],
) {
    let next = cat.next_table_id;
    for t in cat.tables.values_mut() {
        if follow_references(&mut t.foreign_keys, from, to, renamed) {
            txn.put_table(t, next);
        }
    }
}

fn check_columns(t: &TableDef) -> Result<(), RowError> {
    for (i, c) in t.columns.iter().enumerate() {
        if t.columns[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&c.name))
        {
            return Err(RowError::Sql(SqlError::dup_column(&c.name), ""));
        }
    }
    Ok(())
}

/// Adds an index to `t`, naming it as mysqld does when unnamed (first column, then `_2`,
/// `_3`...), and keeping the primary key first.
fn add_index(t: &mut TableDef, spec: &IndexSpec) -> Result<(), SqlError> {
    let mut parts = Vec::with_capacity(spec.parts.len());
    for (col, prefix) in &spec.parts {
        let column = t.column(col).ok_or_else(|| SqlError {
            code: 1072,
            message: format!("Key column '{col}' doesn't exist in table"),
        })?;
        parts.push(KeyPart {
            column,
            prefix: *prefix,
        });
    }
    let name = match (&spec.name, spec.kind) {
        (_, IndexKind::Primary) => "PRIMARY".to_string(),
        (Some(n), _) => n.clone(),
        (None, _) => {
            let base = spec.parts.first().map(|p| p.0.clone()).unwrap_or_default();
            let mut name = base.clone();
            let mut n = 2;
            while t.index(&name).is_some() {
                name = format!("{base}_{n}");
                n += 1;
            }
            name
        }
    };
    if spec.kind == IndexKind::Primary {
        if t.primary().is_some() {
            return Err(SqlError::multiple_primary());
        }
        for p in &parts {
            t.columns[p.column].nullable = false;
        }
    } else if t.index(&name).is_some() {
        return Err(SqlError::dup_key_name(&name));
    }
    let ix = IndexDef {
        name,
        kind: spec.kind,
        id: t.next_index_id,
        parts,
    };
    t.next_index_id += 1;
    if spec.kind == IndexKind::Primary {
        t.indexes.insert(0, ix);
    } else {
        t.indexes.push(ix);
    }
    Ok(())
}

/// Adds a FOREIGN KEY to `t`, named as InnoDB names an unnamed one (`<table>_ibfk_<n>`),
/// with the index InnoDB creates for it when no index of `t` starts with its columns
/// (named after the constraint, else the index name given, else its first column).
fn add_foreign_key(t: &mut TableDef, spec: ForeignKeySpec) -> Result<(), SqlError> {
    let mut fk = spec.def;
    for c in &fk.columns {
        if t.column(c).is_none() {
            return Err(SqlError::new(
                1072,
                format!("Key column '{c}' doesn't exist in table"),
            ));
        }
    }
    fk.name = match &spec.name {
        Some(n) => n.clone(),
        None => {
            let prefix = format!("{}_ibfk_", t.name);
            let n = t
                .foreign_keys
                .iter()
                .filter_map(|f| f.name.strip_prefix(&prefix)?.parse::<u32>().ok())
                .max()
                .unwrap_or(0);
            format!("{prefix}{}", n + 1)
        }
    };
    if t.foreign_keys
        .iter()
        .any(|f| f.name.eq_ignore_ascii_case(&fk.name))
    {
        return Err(SqlError::new(
            1826,
            format!("Duplicate FOREIGN KEY constraint name '{}'", fk.name),
        ));
    }
    let covered = t.indexes.iter().any(|ix| {
        ix.parts.len() >= fk.columns.len()
            && ix.parts.iter().zip(&fk.columns).all(|(p, c)| {
                t.columns[p.column].name.eq_ignore_ascii_case(c) && p.prefix.is_none()
            })
    });
    if !covered {
        add_index(
            t,
            &IndexSpec {
                name: spec.name.or(spec.index_name),
                kind: IndexKind::Plain,
                parts: fk.columns.iter().map(|c| (c.clone(), None)).collect(),
            },
        )?;
    }
    t.foreign_keys.push(fk);
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// A column of the altered table: its definition and where its values come from.
struct NewColumn {
    /// Definition.
    def: ColumnDef,
    /// Position in the old table, when the column existed.
    source: Option<usize>,
}

fn place(
    cols: &mut Vec<NewColumn>,
    c: NewColumn,
    at: &Position,
    table: &str,
) -> Result<(), SqlError> {
    let i = match at {
        Position::Default => cols.len(),
        Position::First => 0,
        Position::After(a) => {
            cols.iter()
                .position(|n| n.def.name.eq_ignore_ascii_case(a))
                .ok_or_else(|| SqlError::unknown_column(a, table))?
                + 1
        }
    };
    cols.insert(i, c);
    Ok(())
}

/// A table's columns and indexes while ALTER TABLE's operations apply, before the new
/// definition is built.
struct Altered {
    /// The columns, each with the old column it comes from.
    cols: Vec<NewColumn>,
    /// Indexes by column name (the old index id, `u16::MAX` for a new one).
    specs: Vec<(u16, IndexSpec)>,
    /// The table's name after RENAME.
    name: TableName,
    /// The table's default collation.
    collation: u16,
    /// ENGINE= (`None`: unchanged).
    engine: Option<String>,
    /// The foreign keys kept (their columns renamed as the columns were).
    fks: Vec<ForeignKeyDef>,
    /// The foreign keys added.
    added_fks: Vec<ForeignKeySpec>,
    /// Columns renamed: (old name, new name).
    renamed: Vec<(String, String)>,
    /// AUTO_INCREMENT=n.
    auto_increment: Option<u64>,
}

/// Applies ALTER TABLE's operations, in order, to `old`'s columns and indexes.
fn alter_ops(old: &TableDef, name: &TableName, ops: Vec<AlterOp>) -> Result<Altered, RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    let tname = old.name.clone();
    let mut cols: Vec<NewColumn> = old
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| NewColumn {
            def: c.clone(),
            source: Some(i),
        })
        .collect();
    // Indexes by column name while columns move around.
    let mut specs: Vec<(u16, IndexSpec)> = old
        .indexes
        .iter()
        .map(|ix| {
            (
                ix.id,
                IndexSpec {
                    name: Some(ix.name.clone()),
                    kind: ix.kind,
                    parts: ix
                        .parts
                        .iter()
                        .map(|p| (old.columns[p.column].name.clone(), p.prefix))
                        .collect(),
                },
            )
        })
        .collect();
    let mut new_name = name.clone();
    let mut table_collation = old.collation;
    let mut engine = None;
    let mut auto_increment = None;
    let mut fks = old.foreign_keys.clone();
    let mut added_fks = Vec::new();
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut rename_col = |o: &str, new: &str, fks: &mut Vec<ForeignKeyDef>| {
        if o.eq_ignore_ascii_case(new) {
            return;
        }
        for fk in fks.iter_mut() {
            for c in fk.columns.iter_mut().filter(|c| c.eq_ignore_ascii_case(o)) {
                *c = new.to_string();
            }
        }
        match renamed.iter_mut().find(|(_, n)| n.eq_ignore_ascii_case(o)) {
            Some(r) => r.1 = new.to_string(),
            None => renamed.push((o.to_string(), new.to_string())),
        }
    };
    let find = |cols: &Vec<NewColumn>, n: &str| {
        cols.iter().position(|c| c.def.name.eq_ignore_ascii_case(n))
    };
    for op in ops {
        match op {
            AlterOp::AddColumn {
                column,
                position,
                if_not_exists,
            } => {
                if find(&cols, &column.name).is_some() {
                    if if_not_exists {
                        continue;
                    }
                    return Err(sql(SqlError::dup_column(&column.name)));
                }
                place(
                    &mut cols,
                    NewColumn {
                        def: column,
                        source: None,
                    },
                    &position,
                    &tname,
                )
                .map_err(sql)?;
            }
            AlterOp::DropColumn { name: c, if_exists } => match find(&cols, &c) {
                Some(i) => {
                    cols.remove(i);
                    for (_, s) in specs.iter_mut() {
                        s.parts.retain(|(p, _)| !p.eq_ignore_ascii_case(&c));
                    }
                    specs.retain(|(_, s)| !s.parts.is_empty());
                    // (mysqld refuses to drop a foreign key's column unless the key goes too.)
                    fks.retain(|f| !f.columns.iter().any(|x| x.eq_ignore_ascii_case(&c)));
                }
                None if if_exists => {}
                None => return Err(sql(SqlError::cant_drop(&format!("COLUMN `{c}`")))),
            },
            AlterOp::ChangeColumn {
                old: o,
                column,
                position,
            } => {
                let i = find(&cols, &o).ok_or_else(|| sql(SqlError::unknown_column(&o, &tname)))?;
                if !column.name.eq_ignore_ascii_case(&o) && find(&cols, &column.name).is_some() {
                    return Err(sql(SqlError::dup_column(&column.name)));
                }
                for (_, s) in specs.iter_mut() {
                    for (p, _) in s.parts.iter_mut() {
                        if p.eq_ignore_ascii_case(&o) {
                            *p = column.name.clone();
                        }
                    }
                }
                rename_col(&o, &column.name, &mut fks);
                let source = cols[i].source;
                let nc = NewColumn {
                    def: column,
                    source,
                };
                if position == Position::Default {
                    cols[i] = nc;
                } else {
                    cols.remove(i);
                    place(&mut cols, nc, &position, &tname).map_err(sql)?;
                }
            }
            AlterOp::RenameColumn { old: o, new } => {
                let i = find(&cols, &o).ok_or_else(|| sql(SqlError::unknown_column(&o, &tname)))?;
                if find(&cols, &new).is_some() {
                    return Err(sql(SqlError::dup_column(&new)));
                }
                for (_, s) in specs.iter_mut() {
                    for (p, _) in s.parts.iter_mut() {
                        if p.eq_ignore_ascii_case(&o) {
                            *p = new.clone();
                        }
                    }
                }
                rename_col(&o, &new, &mut fks);
                cols[i].def.name = new;
            }
            AlterOp::SetDefault { column, default } => {
                let i = find(&cols, &column)
                    .ok_or_else(|| sql(SqlError::unknown_column(&column, &tname)))?;
                cols[i].def.default = default;
            }
            AlterOp::AddIndex(spec) => specs.push((u16::MAX, spec)),
            AlterOp::DropIndex(ix) => {
                let i = specs
                    .iter()
                    .position(|(_, s)| {
                        s.name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&ix))
                    })
                    .ok_or_else(|| sql(SqlError::cant_drop(&format!("INDEX `{ix}`"))))?;
                specs.remove(i);
            }
            AlterOp::Rename(to) => new_name = to,
            AlterOp::TableCollation(c) => table_collation = c,
            AlterOp::Engine(e) => engine = Some(e),
            AlterOp::AutoIncrement(n) => auto_increment = Some(n),
            AlterOp::AddForeignKey(fk) => added_fks.push(fk),
            AlterOp::DropForeignKey {
                name: n,
                constraint,
            } => {
                match fks.iter().position(|f| f.name.eq_ignore_ascii_case(&n)) {
                    Some(i) => {
                        fks.remove(i);
                    }
                    // DROP CONSTRAINT of a CHECK constraint: nothing kept here.
                    None if constraint => {}
                    None => return Err(sql(SqlError::cant_drop(&format!("FOREIGN KEY `{n}`")))),
                }
            }
        }
    }
    Ok(Altered {
        cols,
        specs,
        name: new_name,
        collation: table_collation,
        engine,
        auto_increment,
        fks,
        added_fks,
        renamed,
    })
}

/// The new definition of an altered table: its columns, its indexes (unchanged ones keep
/// their ids; new ones get fresh ids).
fn altered_def(old: &TableDef, a: &Altered) -> Result<TableDef, RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    let mut t = TableDef {
        columns: a.cols.iter().map(|c| c.def.clone()).collect(),
        indexes: Vec::new(),
        collation: a.collation,
        engine: a.engine.clone().or_else(|| old.engine.clone()),
        foreign_keys: a.fks.clone(),
        ..old.clone()
    };
    check_columns(&t)?;
    // Existing indexes keep their ids when unchanged; new ones get fresh ids.
    for (id, spec) in &a.specs {
        add_index(&mut t, spec).map_err(sql)?;
        if *id != u16::MAX {
            let last = if spec.kind == IndexKind::Primary {
                0
            } else {
                t.indexes.len() - 1
            };
            t.indexes[last].id = *id;
            t.next_index_id -= 1;
        }
    }
    t.next_index_id = t.next_index_id.max(old.next_index_id);
    for fk in &a.added_fks {
        add_foreign_key(&mut t, fk.clone()).map_err(sql)?;
    }
    Ok(t)
}

/// Copies every row of `old` into table `t` (a new table id), converting what changed:
/// new columns get their defaults, changed types are converted through their text.
#[allow(clippy::too_many_arguments)]
fn copy_rows(
    store: &Store,
    txn: &mut Txn,
    rows: &mut RowApplier,
    old: &TableDef,
    t: &TableDef,
    cols: &[NewColumn],
    now: u32,
) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    let new_rt = TableRt::new(t.clone());
    let old_rt = TableRt::new(old.clone());
    let defaults: Vec<Option<Vec<u8>>> = cols
        .iter()
        .map(|c| match c.source {
            None => encode::default_packed(&c.def, now),
            Some(_) => Ok(None),
        })
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let mut prefix = Vec::new();
    keys::row(&mut prefix, old.id);
    let mut spans: Vec<Span> = Vec::new();
    let mut out = Vec::new();
    store.scan(&prefix, |_, row| -> Result<(), RowError> {
        old_rt.layout.spans(row, &mut spans)?;
        let mut values: Vec<Option<Cow<'_, [u8]>>> = Vec::with_capacity(cols.len());
        for (i, c) in cols.iter().enumerate() {
            values.push(match c.source {
                None => defaults[i].as_deref().map(Cow::Borrowed),
                Some(s) => match spans[s] {
                    None => None,
                    Some((a, b))
                        if new_rt.layout.columns[i] == old_rt.layout.columns[s]
                            && c.def.unsigned == old.columns[s].unsigned
                            && same_encoding(&c.def, &old.columns[s]) =>
                    {
                        Some(Cow::Borrowed(&row[a..b]))
                    }
                    Some(_) => {
                        let v = old_rt.layout.value(row, s, spans[s])?;
                        let mut text = Vec::new();
                        match v {
                            // FLOAT's display keeps six digits; a conversion keeps them all.
                            // (As the double it is exactly, not as the shortest float.)
                            crate::binlog::value::Value::Float(f) => {
                                text.extend_from_slice(format!("{:e}", f as f64).as_bytes())
                            }
                            _ => {
                                crate::store::text::write_text(&mut text, &old.columns[s], &v);
                            }
                        }
                        let mut packed = Vec::new();
                        // A TIMESTAMP's text is UTC (write_text) and is read back as UTC.
                        encode::pack_text(&c.def, &text, &mut packed, &crate::tz::UTC)
                            .map_err(sql)?;
                        Some(Cow::Owned(packed))
                    }
                },
            });
        }
        new_rt
            .layout
            .assemble(values.iter().map(|v| v.as_deref()), &mut out);
        rows.insert_stored(store, txn, &new_rt, &out)
    })?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn alter(
    cat: &mut Catalog,
    store: &Store,
    txn: &mut Txn,
    rows: &mut RowApplier,
    name: TableName,
    ops: Vec<AlterOp>,
    now: u32,
) -> Result<(), RowError> {
    let sql = |e: SqlError| RowError::Sql(e, "");
    let old = cat
        .table(&name.0, &name.1)
        .ok_or_else(|| sql(SqlError::no_such_table(&name.0, &name.1)))?
        .clone();
    let altered = alter_ops(&old, &name, ops)?;
    let mut t = altered_def(&old, &altered)?;
    let (cols, new_name) = (&altered.cols, altered.name.clone());
    let same_rows = cols.len() == old.columns.len()
        && cols.iter().enumerate().all(|(i, c)| {
            c.source == Some(i)
                && c.def.binlog_layout() == old.columns[i].binlog_layout()
                && c.def.unsigned == old.columns[i].unsigned
                && c.def.collation == old.columns[i].collation
        })
        && t.indexes == old.indexes
        && !old.keys_outdated();
    // (A new default collation alone changes no row.)
    if new_name != name {
        rename(cat, txn, &name, new_name.clone())?;
        t.db = new_name.0.clone();
        t.name = new_name.1.clone();
        rename_generated_keys(&mut t, &name.1);
    }
    if new_name != name || !altered.renamed.is_empty() {
        // Foreign keys referencing the table follow its name and its columns' names.
        // (`rename` has pointed the other tables' keys at the new name already.)
        follow_references(&mut t.foreign_keys, &name, &new_name, &altered.renamed);
        references_follow(cat, txn, &new_name, &new_name, &altered.renamed);
    }
    // Keys that are current stay current: whatever this writes is in today's format.
    t.key_format = KEY_FORMAT;
    if let Some(n) = altered.auto_increment {
        set_auto_increment(store, txn, &old, n)?;
    }
    // A column that becomes AUTO_INCREMENT in place (MODIFY ... AUTO_INCREMENT) starts
    // its counter past the largest value it holds, as InnoDB does.
    let gains_auto = t
        .columns
        .iter()
        .position(|c| c.auto_increment)
        .is_some_and(|i| !old.columns.get(i).is_some_and(|o| o.auto_increment));
    let same_layout = t.columns.len() == old.columns.len()
        && t.columns
            .iter()
            .zip(&old.columns)
            .all(|(a, b)| a.binlog_layout() == b.binlog_layout());
    // (A copy raises the new table's counter row by row.)
    if gains_auto && same_layout && txn.auto_increment(store, old.id)?.is_none() {
        txn.set_auto_increment(old.id, Some(after_largest(store, &t)?));
    }
    if same_rows {
        txn.put_table(&t, cat.next_table_id);
        cat.tables.insert(new_name, t);
        return Ok(());
    }
    let same_columns = cols.len() == old.columns.len()
        && cols
            .iter()
            .enumerate()
            .all(|(i, c)| c.source == Some(i) && c.def == old.columns[i]);
    if same_columns && !old.keys_outdated() {
        if let Some(added) = added_indexes(&old, &t) {
            // Only secondary or unique indexes added (CREATE INDEX): the rows stay, only
            // the new indexes' entries are written.
            add_index_entries(store, txn, &TableRt::new(t.clone()), added)?;
            txn.put_table(&t, cat.next_table_id);
            cat.tables.remove(&new_name);
            cat.tables.insert(new_name, t);
            rows.reset();
            return Ok(());
        }
    }
    // Copy every row into a new table id, then drop the old one: its keys are written now.
    t.id = cat.next_table_id;
    cat.next_table_id += 1;
    copy_rows(store, txn, rows, &old, &t, cols, now)?;
    // The counter stays (the copied rows have raised it to their largest value + 1).
    if let Some(c) = txn.auto_increment(store, old.id)? {
        txn.raise_auto_increment(t.id, c);
    }
    txn.drop_table(old.id);
    txn.put_table(&t, cat.next_table_id);
    cat.tables.remove(&new_name);
    cat.tables.insert(new_name, t);
    rows.reset();
    Ok(())
}

/// ALTER TABLE ... AUTO_INCREMENT=n on table `t`, as InnoDB does it: a value at or past
/// the counter is taken; a smaller one is taken only down to the largest value stored + 1.
fn set_auto_increment(store: &Store, txn: &mut Txn, t: &TableDef, n: u64) -> Result<(), RowError> {
    let n = n.max(1);
    let current = txn.auto_increment(store, t.id)?.unwrap_or(1);
    let next = if n >= current {
        n
    } else {
        n.max(after_largest(store, t)?)
    };
    txn.set_auto_increment(t.id, Some(next));
    Ok(())
}

/// The largest value table `t`'s AUTO_INCREMENT column holds in the store, plus one (1
/// when it holds none): a full scan.
pub fn after_largest(store: &Store, t: &TableDef) -> Result<u64, RowError> {
    let rt = TableRt::new(t.clone());
    let mut prefix = Vec::new();
    keys::row(&mut prefix, t.id);
    let mut spans = Vec::new();
    let mut after = 1;
    store.scan(&prefix, |_, row| -> Result<(), RowError> {
        rt.layout.spans(row, &mut spans)?;
        after = after.max(rt.auto_increment_after(row, &spans).unwrap_or(1));
        Ok(())
    })?;
    Ok(after)
}

/// Rewrites table `name` with keys in today's format (every row copied into a new table id,
/// as ALTER TABLE does), inside `txn`.
pub fn rebuild_keys(
    cat: &mut Catalog,
    store: &Store,
    txn: &mut Txn,
    rows: &mut RowApplier,
    name: TableName,
) -> Result<(), RowError> {
    alter(cat, store, txn, rows, name, Vec::new(), 0)
}

/// True when a value of `old` is stored as the same bytes in `new`: not a character column,
/// or one whose character set stays (a new collation alone re-encodes nothing).
fn same_encoding(new: &ColumnDef, old: &ColumnDef) -> bool {
    if !new.ty.has_charset() || new.collation == old.collation {
        return true;
    }
    let charset = |id| crate::store::collation::by_id(id).map(|c| c.charset);
    charset(new.collation) == charset(old.collation)
}

/// Positions in `new.indexes` of the indexes `new` adds to `old`, when that is the only
/// change to them: every index of `old` is kept as it was, none added is the primary key.
fn added_indexes(old: &TableDef, new: &TableDef) -> Option<Vec<usize>> {
    if !old.indexes.iter().all(|ix| new.indexes.contains(ix)) {
        return None;
    }
    let added: Vec<usize> = (0..new.indexes.len())
        .filter(|&i| !old.indexes.contains(&new.indexes[i]))
        .collect();
    let fits = added.len() + old.indexes.len() == new.indexes.len()
        && added
            .iter()
            .all(|&i| new.indexes[i].kind != IndexKind::Primary);
    (fits && !added.is_empty()).then_some(added)
}

/// Writes the entries of the indexes at `added` for every stored row of `t`, in key order
/// (sorted, they go into the memtable next to each other), checking unique ones (1062).
fn add_index_entries(
    store: &Store,
    txn: &mut Txn,
    t: &TableRt,
    added: Vec<usize>,
) -> Result<(), RowError> {
    let id = t.def.id;
    let mut prefix = Vec::new();
    keys::row(&mut prefix, id);
    let mut spans: Vec<Span> = Vec::new();
    // (index position, key, value)
    let mut entries: Vec<(usize, Vec<u8>, Vec<u8>)> = Vec::new();
    store.scan(&prefix, |k, row| -> Result<(), RowError> {
        let pk = &k[prefix.len()..];
        t.layout.spans(row, &mut spans)?;
        for &i in &added {
            let ix = &t.def.indexes[i];
            let mut key = Vec::with_capacity(32);
            keys::index(&mut key, id, ix.id);
            let complete = t.key_of(ix, row, &spans, &mut key)?;
            if ix.kind == IndexKind::Unique && complete {
                entries.push((i, key, pk.to_vec()));
            } else {
                key.extend_from_slice(pk);
                entries.push((i, key, Vec::new()));
            }
        }
        Ok(())
    })?;
    entries.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    if let Some(w) = entries.windows(2).find(|w| w[0].1 == w[1].1) {
        // Two rows with one unique key: the master's ALTER would have failed.
        let (i, _, pk) = &w[0];
        let mut key = prefix.clone();
        key.extend_from_slice(pk);
        let row = txn.get(store, &key)?.unwrap_or_default();
        t.layout.spans(&row, &mut spans)?;
        let ix = &t.def.indexes[*i];
        return Err(RowError::Sql(
            SqlError::dup_entry(&t.key_text(ix, &row, &spans), &ix.name),
            "HA_ERR_FOUND_DUPP_KEY",
        ));
    }
    for (i, k, v) in &entries {
        if t.def.indexes[*i].kind == IndexKind::Unique && !v.is_empty() {
            txn.put(k, v);
        } else {
            txn.put_unread(k, v);
        }
    }
    Ok(())
}
