//! Rows events and table maps for the printer: the header line, `-v` pseudo-SQL and the JSON
//! form, on top of the row decoder (`binlog::rows`) and its renderer (`rows_sql`).

use std::collections::HashMap;
use std::io::Write;

use crate::binlog::event::{EventType, RowsOp};
use crate::binlog::jsonb::fmt_u64;
use crate::binlog::rows::RowsEvent;
use crate::binlog::table_map::TableMap;
use crate::binlog::{DecodeError, FormatDescription};

use super::print::PrintError;
use super::rows_sql::{self, RenderError};

/// A TABLE_MAP kept across events (until the statement that uses it ends).
pub type OwnedTableMap = TableMap<'static>;

/// Decodes a TABLE_MAP body into an owned map.
pub fn parse_table_map(body: &[u8], fde: &FormatDescription) -> Result<OwnedTableMap, DecodeError> {
    Ok(TableMap::parse(body, fde)?.into_owned())
}

/// What the printer needs to know after a rows event.
pub struct RowsSummary {
    /// STMT_END_F was set: the table maps are no longer needed.
    pub statement_end: bool,
}

impl From<RenderError> for PrintError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::Io(e) => PrintError::Output(e),
            RenderError::Decode(d) => PrintError::Decode(d),
        }
    }
}

/// Table id a rows event refers to.
pub fn rows_table_id(
    t: EventType,
    body: &[u8],
    fde: &FormatDescription,
) -> Result<u64, DecodeError> {
    Ok(RowsEvent::parse(t, body, fde)?.table_id)
}

/// mysqlbinlog's name for a rows event in the header line.
fn header_name(rows: &RowsEvent<'_>) -> &'static str {
    match (rows.op(), rows.kind.compressed) {
        (RowsOp::Write, false) => "Write_rows",
        (RowsOp::Update, false) => "Update_rows",
        (RowsOp::PartialUpdate, _) => "Update_rows_partial",
        (RowsOp::Delete, false) => "Delete_rows",
        (RowsOp::Write, true) => "Write_rows_compressed",
        (RowsOp::Update, true) => "Update_rows_compressed",
        (RowsOp::Delete, true) => "Delete_rows_compressed",
    }
}

/// Prints the header line of a rows event and, with `verbose`, its rows as pseudo-SQL.
pub fn print_rows_event(
    out: &mut impl Write,
    t: EventType,
    body: &[u8],
    fde: &FormatDescription,
    maps: &HashMap<u64, OwnedTableMap>,
    verbose: bool,
) -> Result<RowsSummary, PrintError> {
    let rows = RowsEvent::parse(t, body, fde)?;
    let mut n = [0u8; 24];
    out.write_all(header_name(&rows).as_bytes())?;
    out.write_all(b": table id ")?;
    out.write_all(fmt_u64(rows.table_id, &mut n))?;
    if rows.is_statement_end() {
        out.write_all(b" flags: STMT_END_F")?;
    }
    out.write_all(b"\n")?;
    if verbose {
        match maps.get(&rows.table_id) {
            Some(map) => {
                let count = rows_sql::write_rows_sql(out, &rows, map)?;
                out.write_all(b"# Number of rows: ")?;
                out.write_all(fmt_u64(count as u64, &mut n))?;
                out.write_all(b"\n")?;
            }
            None => {
                rows_sql::write_unknown_table(out, rows.table_id)?;
                writeln!(out)?;
            }
        }
    }
    Ok(RowsSummary {
        statement_end: rows.is_statement_end(),
    })
}

/// The JSON fields of a rows event: table and every row's images, values as SQL text.
pub fn rows_json(
    t: EventType,
    body: &[u8],
    fde: &FormatDescription,
    maps: &HashMap<u64, OwnedTableMap>,
) -> Result<serde_json::Value, PrintError> {
    use serde_json::{json, Map, Value};
    let rows = RowsEvent::parse(t, body, fde)?;
    let Some(map) = maps.get(&rows.table_id) else {
        return Ok(json!({"table_id": rows.table_id, "table": Value::Null}));
    };
    let image = |img: Option<crate::binlog::rows::RowImage<'_>>| -> Result<Value, PrintError> {
        let Some(img) = img else {
            return Ok(Value::Null);
        };
        let mut m = Map::new();
        for (col, text) in rows_sql::image_texts(&img)? {
            m.insert(
                format!("@{}", col + 1),
                Value::String(String::from_utf8_lossy(&text).into_owned()),
            );
        }
        Ok(Value::Object(m))
    };
    let mut list = Vec::new();
    for row in rows.rows(map)? {
        let row = row?;
        list.push(json!({"before": image(row.before)?, "after": image(row.after)?}));
    }
    Ok(json!({
        "table_id": rows.table_id,
        "schema": String::from_utf8_lossy(map.schema()),
        "table": String::from_utf8_lossy(map.table()),
        "statement_end": rows.is_statement_end(),
        "rows": list,
    }))
}
