//! TEMPORARY: adapter between the printer and the row decoder (being written).

use std::collections::HashMap;
use std::io::Write;

use crate::binlog::cursor::Cursor;
use crate::binlog::event::EventType;
use crate::binlog::{DecodeError, FormatDescription};

use super::print::PrintError;

/// A TABLE_MAP kept across events.
pub struct OwnedTableMap {
    id: u64,
    schema: String,
    table: String,
}

impl OwnedTableMap {
    /// Decodes a TABLE_MAP body.
    pub fn parse(body: &[u8], fde: &FormatDescription) -> Result<OwnedTableMap, DecodeError> {
        let post = fde.post_header_len(EventType::TableMap, 8);
        let mut c = Cursor::new(body);
        let id = c.uint_n(if post == 6 { 4 } else { 6 }, "table id")?;
        c.skip(2, "flags")?;
        let n = c.u8("schema len")? as usize;
        let schema = String::from_utf8_lossy(c.bytes(n, "schema")?).into_owned();
        c.skip(1, "nul")?;
        let n = c.u8("table len")? as usize;
        let table = String::from_utf8_lossy(c.bytes(n, "table")?).into_owned();
        Ok(OwnedTableMap { id, schema, table })
    }
    /// Table id.
    pub fn table_id(&self) -> u64 {
        self.id
    }
    /// Database.
    pub fn schema(&self) -> &str {
        &self.schema
    }
    /// Table.
    pub fn table(&self) -> &str {
        &self.table
    }
}

/// What the printer needs to know after a rows event.
pub struct RowsSummary {
    /// STMT_END_F was set.
    pub statement_end: bool,
}

/// Table id of a rows event.
pub fn rows_table_id(
    _t: EventType,
    body: &[u8],
    fde: &FormatDescription,
) -> Result<u64, DecodeError> {
    let post = fde.post_header_len(EventType::WriteRows, 10);
    Cursor::new(body).uint_n(if post == 6 { 4 } else { 6 }, "table id")
}

/// Prints a rows event.
pub fn print_rows_event(
    out: &mut impl Write,
    t: EventType,
    body: &[u8],
    fde: &FormatDescription,
    _maps: &HashMap<u64, OwnedTableMap>,
    _verbose: bool,
) -> Result<RowsSummary, PrintError> {
    let post = fde.post_header_len(EventType::WriteRows, 10);
    let mut c = Cursor::new(body);
    let id = c.uint_n(if post == 6 { 4 } else { 6 }, "table id")?;
    let flags = c.u16("flags")?;
    writeln!(
        out,
        "{}: table id {id}{}",
        t.name(),
        if flags & 1 != 0 {
            " flags: STMT_END_F"
        } else {
            ""
        }
    )?;
    Ok(RowsSummary {
        statement_end: flags & 1 != 0,
    })
}

/// Rows event as JSON fields.
pub fn rows_json(
    _t: EventType,
    _body: &[u8],
    _fde: &FormatDescription,
    _maps: &HashMap<u64, OwnedTableMap>,
) -> Result<serde_json::Value, DecodeError> {
    Ok(serde_json::Value::Null)
}
