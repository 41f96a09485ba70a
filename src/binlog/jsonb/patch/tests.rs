use super::*;
use crate::binlog::jsonb::write_json_text;

/// Binary JSON of a JSON text (keys in MySQL's binary order, integers in the smallest
/// type, as mysqld stores them).
fn doc(json: &str) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let node = node_of(&v);
    let mut out = vec![0];
    let ty = encode(&node, &mut out).unwrap();
    out[0] = ty;
    out
}

fn leak(b: Vec<u8>) -> &'static [u8] {
    Box::leak(b.into_boxed_slice())
}

fn node_of(v: &serde_json::Value) -> Node<'static> {
    use serde_json::Value as V;
    match v {
        V::Null => Node::Scalar(LITERAL, &[0]),
        V::Bool(true) => Node::Scalar(LITERAL, &[1]),
        V::Bool(false) => Node::Scalar(LITERAL, &[2]),
        V::Number(n) => {
            if let Some(i) = n.as_i64() {
                if let Ok(x) = i16::try_from(i) {
                    Node::Scalar(INT16, leak(x.to_le_bytes().to_vec()))
                } else if let Ok(x) = i32::try_from(i) {
                    Node::Scalar(INT32, leak(x.to_le_bytes().to_vec()))
                } else {
                    Node::Scalar(INT64, leak(i.to_le_bytes().to_vec()))
                }
            } else if let Some(u) = n.as_u64() {
                Node::Scalar(UINT64, leak(u.to_le_bytes().to_vec()))
            } else {
                let d = n.as_f64().unwrap();
                Node::Scalar(super::super::DOUBLE, leak(d.to_le_bytes().to_vec()))
            }
        }
        V::String(s) => Node::Scalar(STRING, leak(string_bytes(s))),
        V::Array(items) => Node::Array(items.iter().map(node_of).collect()),
        V::Object(m) => {
            let mut members: Vec<(Cow<'static, [u8]>, Node<'static>)> = m
                .iter()
                .map(|(k, v)| (Cow::Owned(k.as_bytes().to_vec()), node_of(v)))
                .collect();
            members.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
            Node::Object(members)
        }
    }
}

fn string_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut n = s.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(s.as_bytes());
    out
}

fn text(doc: &[u8]) -> String {
    let mut out = Vec::new();
    write_json_text(doc, &mut out, true).unwrap();
    String::from_utf8(out).unwrap()
}

/// A diff list: (operation, path, value as JSON text).
fn diffs(list: &[(u8, &str, Option<&str>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (op, path, value) in list {
        out.push(*op);
        lenenc(&mut out, path.len());
        out.extend_from_slice(path.as_bytes());
        if let Some(v) = value {
            let d = doc(v);
            lenenc(&mut out, d.len());
            out.extend_from_slice(&d);
        }
    }
    out
}

fn lenenc(out: &mut Vec<u8>, n: usize) {
    if n < 251 {
        out.push(n as u8);
    } else {
        out.push(0xfc);
        out.extend_from_slice(&(n as u16).to_le_bytes());
    }
}

const REPLACE: u8 = 0;
const INSERT: u8 = 1;
const REMOVE: u8 = 2;

fn patched(start: &str, list: &[(u8, &str, Option<&str>)]) -> Result<String, PatchError> {
    let d = doc(start);
    let l = diffs(list);
    let mut out = Vec::new();
    apply_diffs(&d, &l, &mut out)?;
    Ok(text(&out))
}

#[test]
fn documents_round_trip() {
    for json in [
        r#"{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}"#,
        r#"[1, -2, 70000, -5000000000, 18446744073709551615, 1.5, null, true, false, "s"]"#,
        r#"{"a": {"b": [1, {"c": []}], "d": {}}, "bb": "x"}"#,
        r#""top""#,
        "7",
    ] {
        let d = doc(json);
        assert_eq!(text(&d), json);
        let mut out = Vec::new();
        apply_diffs(&d, &[], &mut out).unwrap();
        assert_eq!(text(&out), json, "unchanged by an empty diff list");
    }
    // Past 64 KB a container takes the large form; both forms read back.
    let big = format!(r#"{{"a": "{}", "b": [1, 2, 70000]}}"#, "x".repeat(70_000));
    let d = doc(&big);
    assert_eq!(d[0], LARGE_OBJECT);
    assert_eq!(text(&d), big);
    assert_eq!(
        patched(&big, &[(REMOVE, "$.a", None)]).unwrap(),
        r#"{"b": [1, 2, 70000]}"#
    );
}

#[test]
fn replace_insert_remove() {
    let start = r#"{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}"#;
    assert_eq!(
        patched(start, &[(REPLACE, "$.age", Some("26"))]).unwrap(),
        r#"{"age": 26, "data": "xxxxxxxxxx", "name": "Joe"}"#
    );
    // New members go in binary key order: by length, then bytes.
    assert_eq!(
        patched(
            start,
            &[
                (INSERT, "$.z", Some(r#"[1]"#)),
                (INSERT, "$.city", Some(r#""Oslo""#)),
                (REMOVE, "$.data", None)
            ]
        )
        .unwrap(),
        r#"{"z": [1], "age": 24, "city": "Oslo", "name": "Joe"}"#
    );
    let arr = r#"{"a": [1, 2, 3]}"#;
    assert_eq!(
        patched(arr, &[(INSERT, "$.a[0]", Some("0"))]).unwrap(),
        r#"{"a": [0, 1, 2, 3]}"#
    );
    assert_eq!(
        patched(arr, &[(INSERT, "$.a[9]", Some("4"))]).unwrap(),
        r#"{"a": [1, 2, 3, 4]}"#,
        "past the end appends"
    );
    assert_eq!(
        patched(arr, &[(REMOVE, "$.a[1]", None)]).unwrap(),
        r#"{"a": [1, 3]}"#
    );
    assert_eq!(
        patched(arr, &[(REPLACE, "$.a[last]", Some(r#"{"x": null}"#))]).unwrap(),
        r#"{"a": [1, 2, {"x": null}]}"#
    );
    assert_eq!(
        patched(arr, &[(REPLACE, "$.a[last-2]", Some("9.5"))]).unwrap(),
        r#"{"a": [9.5, 2, 3]}"#
    );
    assert_eq!(
        patched(arr, &[(INSERT, "$.a[last]", Some("9"))]).unwrap(),
        r#"{"a": [1, 2, 9, 3]}"#,
        "before the last element, as JSON_ARRAY_INSERT"
    );
    assert_eq!(
        patched(arr, &[(INSERT, "$.a[last-7]", Some("0"))]).unwrap(),
        r#"{"a": [0, 1, 2, 3]}"#,
        "before the start: at the start"
    );
    assert_eq!(
        patched(arr, &[(REPLACE, "$", Some("[]"))]).unwrap(),
        "[]",
        "the whole document"
    );
    // A member name with spaces and escapes is quoted in the path.
    let quoted = r#"{"a b": 1, "q\"t": 2}"#;
    assert_eq!(
        patched(
            quoted,
            &[
                (REPLACE, r#"$."a b""#, Some("5")),
                (REMOVE, r#"$."q\"t""#, None)
            ]
        )
        .unwrap(),
        r#"{"a b": 5}"#
    );
    // Diffs apply in order, each to the result of the one before.
    assert_eq!(
        patched(
            "[]",
            &[
                (INSERT, "$[0]", Some("1")),
                (INSERT, "$[1]", Some("2")),
                (REPLACE, "$[0]", Some(r#""one""#))
            ]
        )
        .unwrap(),
        r#"["one", 2]"#
    );
}

#[test]
fn a_diff_that_does_not_fit_is_rejected() {
    let start = r#"{"a": [1], "b": 2}"#;
    for list in [
        vec![(REPLACE, "$.c", Some("1"))],
        vec![(REPLACE, "$.a[1]", Some("1"))],
        vec![(INSERT, "$.b", Some("1"))],
        vec![(INSERT, "$.x.y", Some("1"))],
        vec![(INSERT, "$.b.y", Some("1"))],
        vec![(REMOVE, "$.c", None)],
        vec![(REMOVE, "$.a[3]", None)],
        vec![(REMOVE, "$", None)],
        vec![(REPLACE, "$.a[last-5]", Some("1"))],
    ] {
        assert!(
            matches!(patched(start, &list), Err(PatchError::Rejected(_))),
            "{list:?}"
        );
    }
}

#[test]
fn deep_and_large_documents_stay_bounded() {
    // A large string under many levels: each level is encoded at most twice.
    let mut json = format!(r#""{}""#, "x".repeat(70_000));
    for _ in 0..60 {
        json = format!("[{json}]");
    }
    let d = doc(&json);
    assert_eq!(d[0], LARGE_ARRAY);
    let mut out = Vec::new();
    apply_diffs(&d, &diffs(&[(INSERT, "$[0][0][1]", Some("1"))]), &mut out).unwrap();
    assert_eq!(out[0], LARGE_ARRAY);
    // Diffs may not build a tree deeper than mysqld's limit.
    let mut deep = "1".to_string();
    for _ in 0..90 {
        deep = format!("[{deep}]");
    }
    let path = format!("$.a{}", "[0]".repeat(20));
    let mut start = "1".to_string();
    for _ in 0..21 {
        start = format!("[{start}]");
    }
    let start = format!(r#"{{"a": {start}}}"#);
    assert!(matches!(
        patched(&start, &[(REPLACE, &path, Some(&deep))]),
        Err(PatchError::Corrupt(_))
    ));
    // A huge [last - n] is no overflow.
    let l = diffs(&[(INSERT, "$[last-18446744073709551615]", Some("1"))]);
    apply_diffs(&doc("[5]"), &l, &mut out).unwrap();
    assert_eq!(text(&out), "[1, 5]");
    let l = diffs(&[(REPLACE, "$[last-18446744073709551615]", Some("1"))]);
    assert!(apply_diffs(&doc("[5]"), &l, &mut out).is_err());
}

#[test]
fn damaged_diffs_and_documents_are_errors_not_panics() {
    let d = doc(r#"{"a": [1, "x"], "b": {"c": 2.5}}"#);
    let good = diffs(&[(REPLACE, "$.b.c", Some(r#"[true, "y"]"#))]);
    for path in [
        "a",
        "$.*",
        "$[x]",
        "$[1",
        r#"$."unterminated"#,
        "$.a[last+1]",
    ] {
        let l = diffs(&[(REPLACE, path, Some("1"))]);
        assert!(
            matches!(
                apply_diffs(&d, &l, &mut Vec::new()),
                Err(PatchError::Corrupt(_))
            ),
            "{path}"
        );
    }
    let mut out = Vec::new();
    for cut in 0..good.len() {
        let _ = apply_diffs(&d, &good[..cut], &mut out);
    }
    for cut in 0..d.len() {
        let _ = apply_diffs(&d[..cut], &good, &mut out);
    }
    // Every single-byte change of either input: an error or a document, never a panic.
    for i in 0..d.len() {
        for b in [0u8, 1, 0x7f, 0x80, 0xff] {
            let mut bad = d.clone();
            bad[i] = b;
            let _ = apply_diffs(&bad, &good, &mut out);
        }
    }
    for i in 0..good.len() {
        for b in [0u8, 1, 2, 3, 0x7f, 0xfc, 0xff] {
            let mut bad = good.clone();
            bad[i] = b;
            if apply_diffs(&d, &bad, &mut out).is_ok() {
                let mut t = Vec::new();
                write_json_text(&out, &mut t, true).unwrap();
            }
        }
    }
    apply_diffs(&d, &good, &mut out).unwrap();
    assert_eq!(text(&out), r#"{"a": [1, "x"], "b": {"c": [true, "y"]}}"#);
}
