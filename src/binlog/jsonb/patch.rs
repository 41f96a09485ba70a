//! MySQL's logical JSON diffs (`PARTIAL_UPDATE_ROWS`, `binlog_row_value_options=PARTIAL_JSON`)
//! applied to a stored binary JSON document.
//!
//! The document is read into a tree that borrows its scalars (each kept as its encoded
//! bytes), each diff — REPLACE, INSERT or REMOVE at a path — is applied to the tree, and the
//! tree is written back in the binary format. The bytes need not equal the master's (MySQL
//! patches in place and may leave gaps); the document they encode does, which is what a
//! replica answers from.
//!
//! Semantics, as mysqld's `apply_json_diffs`: REPLACE needs the path to exist; INSERT needs
//! its parent to exist and, in an object, the member to be absent (new members take their
//! place in the binary key order: shorter keys first, then by bytes); an INSERT at an array
//! index past the end appends; REMOVE needs the path to exist. A diff that does not fit the
//! document means the replica's value differs from the master's: [`PatchError::Rejected`]
//! (mysqld's 3648). Bytes that are not a diff list are [`PatchError::Corrupt`] (3649).

use std::borrow::Cow;

use super::{
    bad, is_inlined, need, read_varlen, Container, INT16, INT32, INT64, LARGE_ARRAY, LARGE_OBJECT,
    LITERAL, MAX_DEPTH, OPAQUE, SMALL_ARRAY, SMALL_OBJECT, STRING, UINT16, UINT32, UINT64,
};
use crate::binlog::error::DecodeError;
use crate::binlog::rows::{json_diffs, JsonDiffOp};

/// Why a diff list could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The document does not have what a diff needs (the replica's value differs from the
    /// master's).
    #[error("{0}")]
    Rejected(String),
    /// The diff list or a document is not well-formed binary data.
    #[error("{0}")]
    Corrupt(#[from] DecodeError),
}

/// A parsed value: containers as trees, scalars as (type, encoded bytes).
#[derive(Clone, Debug, PartialEq)]
enum Node<'a> {
    Object(Vec<(Cow<'a, [u8]>, Node<'a>)>),
    Array(Vec<Node<'a>>),
    Scalar(u8, &'a [u8]),
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq)]
enum Leg<'p> {
    /// `.key` or `."key"`.
    Member(Cow<'p, [u8]>),
    /// `[n]`.
    Index(usize),
    /// `[last]` or `[last - n]`.
    FromLast(usize),
}

/// Applies the diff list `diffs` to the binary document `doc`, writing the new document
/// into `out` (cleared first).
pub fn apply_diffs<'a>(
    doc: &'a [u8],
    diffs: &'a [u8],
    out: &mut Vec<u8>,
) -> Result<(), PatchError> {
    let mut root = parse_doc(doc)?;
    for diff in json_diffs(diffs) {
        let diff = diff?;
        let legs = parse_path(diff.path).map_err(|reason| {
            DecodeError::bad(
                "JSON diff",
                format!("path {:?}: {reason}", String::from_utf8_lossy(diff.path)),
            )
        })?;
        let value = diff.value.map(parse_doc).transpose()?;
        // mysqld never logs a document nested past its limit: refuse to build one (the
        // tree is walked recursively).
        if legs.len() + value.as_ref().map_or(0, depth) > MAX_DEPTH {
            return Err(PatchError::Corrupt(DecodeError::bad(
                "JSON diff",
                format!("a value nested deeper than {MAX_DEPTH} levels"),
            )));
        }
        apply(&mut root, diff.op, &legs, value).map_err(|reason| {
            PatchError::Rejected(format!(
                "{} at {}: {reason}",
                match diff.op {
                    JsonDiffOp::Replace => "REPLACE",
                    JsonDiffOp::Insert => "INSERT",
                    JsonDiffOp::Remove => "REMOVE",
                },
                String::from_utf8_lossy(diff.path)
            ))
        })?;
    }
    out.clear();
    out.push(0);
    let ty = encode(&root, out)?;
    out[0] = ty;
    // Scalars were copied unread: the result must read back before it is stored.
    super::write_json_text(out, &mut Vec::new(), true)?;
    Ok(())
}

/// The tree of a whole document (an empty document is JSON null, as mysqld reads it).
fn parse_doc(doc: &[u8]) -> Result<Node<'_>, DecodeError> {
    match doc.split_first() {
        None => Ok(Node::Scalar(LITERAL, &[0])),
        Some((&ty, data)) => parse_value(ty, data, 0),
    }
}

/// Levels of containers in `node` (a scalar: 0). Bounded: parsed values nest at most
/// [`MAX_DEPTH`] levels.
fn depth(node: &Node<'_>) -> usize {
    match node {
        Node::Scalar(..) => 0,
        Node::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Node::Object(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
    }
}

/// Bytes an inlined value takes in its entry.
fn inline_len(ty: u8) -> usize {
    match ty {
        LITERAL => 1,
        INT16 | UINT16 => 2,
        _ => 4,
    }
}

/// The value of type `ty` whose bytes start at `data`.
fn parse_value(ty: u8, data: &[u8], depth: usize) -> Result<Node<'_>, DecodeError> {
    let n = match ty {
        SMALL_OBJECT | LARGE_OBJECT | SMALL_ARRAY | LARGE_ARRAY => {
            return parse_container(ty, data, depth + 1)
        }
        LITERAL => 1,
        INT16 | UINT16 => 2,
        INT32 | UINT32 => 4,
        INT64 | UINT64 | super::DOUBLE => 8,
        STRING => {
            let (len, n) = read_varlen(data)?;
            n + len
        }
        OPAQUE => {
            need(data, 2, "JSON opaque value")?;
            let (len, n) = read_varlen(&data[1..])?;
            1 + n + len
        }
        other => return Err(bad(format!("unknown value type 0x{other:02x}"))),
    };
    need(data, n, "JSON value")?;
    Ok(Node::Scalar(ty, &data[..n]))
}

/// An object or array whose header starts at `data`.
fn parse_container(ty: u8, data: &[u8], depth: usize) -> Result<Node<'_>, DecodeError> {
    let c = Container::read(ty, data, depth)?;
    let mut values = Vec::with_capacity(c.count);
    for i in 0..c.count {
        let (vty, bytes) = c.value(i)?;
        values.push(if is_inlined(vty, c.large) {
            Node::Scalar(vty, &bytes[..inline_len(vty)])
        } else {
            parse_value(vty, bytes, depth)?
        });
    }
    if !c.object {
        return Ok(Node::Array(values));
    }
    let mut members = Vec::with_capacity(c.count);
    for (i, v) in values.into_iter().enumerate() {
        members.push((Cow::Borrowed(c.key(i)?), v));
    }
    Ok(Node::Object(members))
}

/// Appends the encoding of `node` (without its type byte) to `out`; returns its type byte.
fn encode(node: &Node<'_>, out: &mut Vec<u8>) -> Result<u8, DecodeError> {
    encode_in(node, true, out)?.ok_or_else(|| bad("document larger than 4 GB"))
}

/// [`encode`] inside a container of the given form. Inside a small one a container may only
/// be small too (a large one's offsets cannot fit the parent's): `None` then, and the parent
/// starts over as large — as mysqld does, so that no subtree is encoded more than twice per
/// level above it.
fn encode_in(
    node: &Node<'_>,
    parent_large: bool,
    out: &mut Vec<u8>,
) -> Result<Option<u8>, DecodeError> {
    match node {
        Node::Scalar(ty, bytes) => {
            out.extend_from_slice(bytes);
            Ok(Some(*ty))
        }
        Node::Object(_) | Node::Array(_) => {
            let start = out.len();
            let object = matches!(node, Node::Object(_));
            if encode_container(node, false, out)? {
                return Ok(Some(if object { SMALL_OBJECT } else { SMALL_ARRAY }));
            }
            out.truncate(start);
            if !parent_large {
                return Ok(None);
            }
            if encode_container(node, true, out)? {
                return Ok(Some(if object { LARGE_OBJECT } else { LARGE_ARRAY }));
            }
            out.truncate(start);
            Ok(None)
        }
    }
}

/// Writes `node` as a small (2-byte fields) or large (4-byte) container; false when a count,
/// offset or size does not fit the fields.
fn encode_container(node: &Node<'_>, large: bool, out: &mut Vec<u8>) -> Result<bool, DecodeError> {
    let off = if large { 4 } else { 2 };
    let max = if large {
        u32::MAX as usize
    } else {
        u16::MAX as usize
    };
    let (keys, values): (Vec<&[u8]>, Vec<&Node<'_>>) = match node {
        Node::Object(members) => members.iter().map(|(k, v)| (k.as_ref(), v)).unzip(),
        Node::Array(items) => (Vec::new(), items.iter().collect()),
        Node::Scalar(..) => return Err(bad("a scalar is not a container")),
    };
    let count = values.len();
    let key_entry = off + 2;
    let value_entry = 1 + off;
    let header = 2 * off + keys.len() * key_entry + count * value_entry;
    if count > max || header > max {
        return Ok(false);
    }
    let base = out.len();
    out.resize(base + header, 0);
    let put = |out: &mut Vec<u8>, at: usize, v: usize, width: usize| {
        out[at..at + width].copy_from_slice(&(v as u32).to_le_bytes()[..width]);
    };
    put(out, base, count, off);
    for (i, k) in keys.iter().enumerate() {
        let at = out.len() - base;
        if at > max || k.len() > u16::MAX as usize {
            return Ok(false);
        }
        let e = base + 2 * off + i * key_entry;
        put(out, e, at, off);
        put(out, e + off, k.len(), 2);
        out.extend_from_slice(k);
    }
    for (i, v) in values.iter().enumerate() {
        let e = base + 2 * off + keys.len() * key_entry + i * value_entry;
        match v {
            Node::Scalar(ty, bytes) if is_inlined(*ty, large) && bytes.len() <= off => {
                out[e] = *ty;
                out[e + 1..e + 1 + bytes.len()].copy_from_slice(bytes);
            }
            _ => {
                let at = out.len() - base;
                if at > max {
                    return Ok(false);
                }
                put(out, e + 1, at, off);
                let Some(ty) = encode_in(v, large, out)? else {
                    return Ok(false);
                };
                out[e] = ty;
            }
        }
    }
    let size = out.len() - base;
    if size > max {
        return Ok(false);
    }
    put(out, base + off, size, off);
    Ok(true)
}

/// Parses a concrete path: `$`, then `.member`, `."quoted member"`, `[n]`, `[last]` or
/// `[last - n]` (no wildcards or ranges: a diff names one place).
fn parse_path(p: &[u8]) -> Result<Vec<Leg<'_>>, String> {
    let mut i = skip_ws(p, 0);
    if p.get(i) != Some(&b'$') {
        return Err("does not start with $".into());
    }
    i += 1;
    let mut legs = Vec::new();
    loop {
        i = skip_ws(p, i);
        match p.get(i) {
            None => return Ok(legs),
            Some(b'.') => {
                i = skip_ws(p, i + 1);
                if p.get(i) == Some(&b'"') {
                    let (key, next) = json_string(p, i)?;
                    legs.push(Leg::Member(key));
                    i = next;
                } else {
                    let start = i;
                    while i < p.len() && !matches!(p[i], b'.' | b'[' | b' ' | b'\t') {
                        i += 1;
                    }
                    let key = &p[start..i];
                    if key.is_empty() || key.contains(&b'*') {
                        return Err("member name missing or a wildcard".into());
                    }
                    legs.push(Leg::Member(Cow::Borrowed(key)));
                }
            }
            Some(b'[') => {
                let end = p[i..]
                    .iter()
                    .position(|&c| c == b']')
                    .ok_or("unterminated [")?;
                let inner = std::str::from_utf8(&p[i + 1..i + end])
                    .map_err(|_| "array index is not text")?
                    .trim();
                legs.push(array_leg(inner)?);
                i += end + 1;
            }
            Some(_) => return Err(format!("unexpected byte at offset {i}")),
        }
    }
}

fn skip_ws(p: &[u8], mut i: usize) -> usize {
    while i < p.len() && matches!(p[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn array_leg(inner: &str) -> Result<Leg<'static>, String> {
    let number = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("array index {inner:?} is not a number"))
    };
    match inner.strip_prefix("last") {
        Some("") => Ok(Leg::FromLast(0)),
        Some(rest) => match rest.trim().strip_prefix('-') {
            Some(n) => Ok(Leg::FromLast(number(n)?)),
            None => Err(format!("array index {inner:?} is not supported")),
        },
        None => Ok(Leg::Index(number(inner)?)),
    }
}

/// The JSON string literal starting at `p[i]` (a `"`), unescaped; and the offset after it.
fn json_string(p: &[u8], mut i: usize) -> Result<(Cow<'_, [u8]>, usize), String> {
    i += 1;
    let start = i;
    let mut out: Option<Vec<u8>> = None;
    loop {
        let c = *p.get(i).ok_or("unterminated quoted member name")?;
        match c {
            b'"' => {
                let key = match out {
                    Some(v) => Cow::Owned(v),
                    None => Cow::Borrowed(&p[start..i]),
                };
                return Ok((key, i + 1));
            }
            b'\\' => {
                let v = out.get_or_insert_with(|| p[start..i].to_vec());
                let e = *p.get(i + 1).ok_or("unterminated escape")?;
                i += 2;
                match e {
                    b'"' | b'\\' | b'/' => v.push(e),
                    b'b' => v.push(0x08),
                    b'f' => v.push(0x0c),
                    b'n' => v.push(b'\n'),
                    b'r' => v.push(b'\r'),
                    b't' => v.push(b'\t'),
                    b'u' => {
                        let mut code = hex4(p, i)?;
                        i += 4;
                        if (0xd800..0xdc00).contains(&code) && p.get(i..i + 2) == Some(b"\\u") {
                            let low = hex4(p, i + 2)?;
                            if (0xdc00..0xe000).contains(&low) {
                                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                                i += 6;
                            }
                        }
                        let ch = char::from_u32(code).ok_or("invalid \\u escape")?;
                        let mut buf = [0u8; 4];
                        v.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => return Err("unknown escape".into()),
                }
            }
            _ => {
                if let Some(v) = &mut out {
                    v.push(c);
                }
                i += 1;
            }
        }
    }
}

fn hex4(p: &[u8], i: usize) -> Result<u32, String> {
    let s = p.get(i..i + 4).ok_or("short \\u escape")?;
    let s = std::str::from_utf8(s).map_err(|_| "bad \\u escape")?;
    u32::from_str_radix(s, 16).map_err(|_| "bad \\u escape".into())
}

/// Position of array leg `leg` in an array of `len` elements (`None`: before the start).
fn resolve(leg: &Leg<'_>, len: usize) -> Option<usize> {
    match leg {
        Leg::Index(i) => Some(*i),
        Leg::FromLast(n) => len.checked_sub(*n)?.checked_sub(1),
        Leg::Member(_) => None,
    }
}

fn child_mut<'n, 'a>(node: &'n mut Node<'a>, leg: &Leg<'_>) -> Option<&'n mut Node<'a>> {
    match (node, leg) {
        (Node::Object(members), Leg::Member(k)) => members
            .iter_mut()
            .find(|(key, _)| key.as_ref() == k.as_ref())
            .map(|(_, v)| v),
        (Node::Array(items), leg) => {
            let i = resolve(leg, items.len())?;
            items.get_mut(i)
        }
        _ => None,
    }
}

/// Applies one diff to the tree.
fn apply<'a>(
    root: &mut Node<'a>,
    op: JsonDiffOp,
    legs: &[Leg<'_>],
    value: Option<Node<'a>>,
) -> Result<(), String> {
    let Some((last, parents)) = legs.split_last() else {
        return match (op, value) {
            (JsonDiffOp::Replace, Some(v)) => {
                *root = v;
                Ok(())
            }
            _ => Err("only REPLACE may name the whole document".into()),
        };
    };
    let mut cur = root;
    for leg in parents {
        cur = child_mut(cur, leg).ok_or("the path does not exist")?;
    }
    match op {
        JsonDiffOp::Replace => {
            let slot = child_mut(cur, last).ok_or("the path does not exist")?;
            *slot = value.ok_or("no value")?;
        }
        JsonDiffOp::Remove => match (cur, last) {
            (Node::Object(members), Leg::Member(k)) => {
                let i = members
                    .iter()
                    .position(|(key, _)| key.as_ref() == k.as_ref())
                    .ok_or("no such member")?;
                members.remove(i);
            }
            (Node::Array(items), leg) => {
                let i = resolve(leg, items.len())
                    .filter(|&i| i < items.len())
                    .ok_or("no such element")?;
                items.remove(i);
            }
            _ => return Err("the parent is not an object or array".into()),
        },
        JsonDiffOp::Insert => {
            let value = value.ok_or("no value")?;
            match (cur, last) {
                (Node::Object(members), Leg::Member(k)) => {
                    if members.iter().any(|(key, _)| key.as_ref() == k.as_ref()) {
                        return Err("the member exists already".into());
                    }
                    // Binary objects keep their keys ordered by length, then bytes.
                    let new = (k.len(), k.as_ref());
                    let at = members
                        .iter()
                        .position(|(key, _)| (key.len(), key.as_ref()) > new)
                        .unwrap_or(members.len());
                    members.insert(at, (Cow::Owned(k.to_vec()), value));
                }
                (Node::Array(items), leg) => {
                    // Past either end: at that end (mysqld's array index clamps).
                    let i = match leg {
                        Leg::FromLast(n) => items.len().saturating_sub(n.saturating_add(1)),
                        _ => resolve(leg, items.len()).ok_or("no such position")?,
                    };
                    items.insert(i.min(items.len()), value);
                }
                _ => return Err("the parent is not an object or array".into()),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
