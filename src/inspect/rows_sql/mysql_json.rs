//! The MySQL-only part of the `-v` output: JSON documents and partial JSON updates, printed
//! as MySQL's mysqlbinlog does (MariaDB has no binary JSON type and cannot print them).

use std::io::Write;

use super::RenderError;
use crate::binlog::jsonb;
use crate::binlog::rows::{json_diffs, JsonDiffOp};

/// MySQL's `my_b_write_quoted` (used here for JSON): C escapes for \b \f \n \r \t, `\\` and
/// `\'`, other control bytes as `\xNN`.
pub(super) fn write_quoted_mysql<W: Write + ?Sized>(out: &mut W, s: &[u8]) -> std::io::Result<()> {
    out.write_all(b"'")?;
    let mut run = 0;
    for (i, &c) in s.iter().enumerate() {
        let esc: Option<&[u8]> = match c {
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            b'\\' => Some(b"\\\\"),
            b'\'' => Some(b"\\'"),
            _ => None,
        };
        if esc.is_some() || c < 0x20 {
            out.write_all(&s[run..i])?;
            match esc {
                Some(e) => out.write_all(e)?,
                None => write!(out, "\\x{c:02x}")?,
            }
            run = i + 1;
        }
    }
    out.write_all(&s[run..])?;
    out.write_all(b"'")
}

/// mysqlbinlog's `print_json_diff`: nested `JSON_REPLACE(JSON_INSERT(@N, path, value), ...)`
/// calls, consecutive diffs of the same function sharing one call.
pub(super) fn write_json_diff<W: Write + ?Sized>(
    out: &mut W,
    data: &[u8],
    column: usize,
    scratch: &mut Vec<u8>,
) -> Result<(), RenderError> {
    const SEPARATOR: &[u8] = b"\n###      ";
    // First pass: validate and name the functions, before anything is printed.
    let mut names: Vec<&'static str> = Vec::new();
    for d in json_diffs(data) {
        match d {
            Ok(d) => names.push(match d.op {
                JsonDiffOp::Replace => "JSON_REPLACE",
                JsonDiffOp::Insert if d.path.last() == Some(&b']') => "JSON_ARRAY_INSERT",
                JsonDiffOp::Insert => "JSON_INSERT",
                JsonDiffOp::Remove => "JSON_REMOVE",
            }),
            Err(e) => {
                writeln!(out, "Error {e} while printing JSON diff")?;
                return Ok(());
            }
        }
    }
    let mut printed = false;
    for i in (0..names.len()).rev() {
        if i == 0 || names[i - 1] != names[i] {
            if printed {
                out.write_all(SEPARATOR)?;
            }
            write!(out, "{}(", names[i])?;
            printed = true;
        }
    }
    write!(out, "@{}", column + 1)?;
    if names.is_empty() {
        return Ok(());
    }
    out.write_all(b", ")?;
    for (i, d) in json_diffs(data).enumerate() {
        let d = d?;
        write_quoted_mysql(out, d.path)?;
        if let Some(doc) = d.value {
            out.write_all(b", ")?;
            scratch.clear();
            match jsonb::write_json_text(doc, scratch, false) {
                Ok(kind) if kind.is_stringlike() => write_quoted_mysql(out, scratch)?,
                Ok(jsonb::JsonKind::Object | jsonb::JsonKind::Array) => {
                    out.write_all(b"CAST(")?;
                    write_quoted_mysql(out, scratch)?;
                    out.write_all(b" AS JSON)")?;
                }
                Ok(_) => out.write_all(scratch)?,
                Err(_) => {
                    out.write_all(b"Error parsing json value while printing JSON diff\n")?;
                    return Ok(());
                }
            }
        }
        let last = i + 1 == names.len();
        if last || names[i + 1] != names[i] {
            out.write_all(b")")?;
        }
        if !last {
            out.write_all(b",")?;
            out.write_all(SEPARATOR)?;
        }
    }
    Ok(())
}
