//! JSON functions that change documents (JSON_SET, JSON_INSERT, JSON_REPLACE,
//! JSON_REMOVE), JSON_VALUE, JSON_OBJECT and JSON_ARRAY, with MariaDB's results: keys keep
//! their order, numbers their text, and a changed document is printed as MariaDB prints
//! one (`{"a": 1, "b": [1, 2]}`). A statement-format master logs such calls (an UPDATE of
//! mysql.global_priv's `Priv`, of a JSON column), so replay must give the same text.

use super::{lazy, Func, Ret};
use crate::sql::engine::plan::Ex;
use crate::sql::value::Value;
use crate::sqlerror::SqlError;

/// A JSON value, keys in document order, numbers as written.
#[derive(Clone, Debug, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// Documents nest at most this deep here (MariaDB refuses deeper than 32; a deeper
/// document is NULL here rather than an error, and never a deep recursion).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<J> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut o = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(J::Obj(o));
                }
                loop {
                    self.ws();
                    let J::Str(k) = self.string()? else {
                        return None;
                    };
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    o.push((k, v));
                    self.ws();
                    match self.s.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(J::Obj(o));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(J::Arr(a));
                }
                loop {
                    a.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(J::Arr(a));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string(),
            b't' => self.word("true", J::Bool(true)),
            b'f' => self.word("false", J::Bool(false)),
            b'n' => self.word("null", J::Null),
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                let n = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                n.parse::<f64>().ok()?;
                Some(J::Num(n.to_string()))
            }
        }
    }

    fn word(&mut self, w: &str, v: J) -> Option<J> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Some(v)
        } else {
            None
        }
    }

    fn string(&mut self) -> Option<J> {
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i;
        self.i += 1;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                    return serde_json::from_str::<String>(text).ok().map(J::Str);
                }
                _ => self.i += 1,
            }
        }
        None
    }
}

fn parse(text: &str) -> Option<J> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

fn print(j: &J, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        J::Arr(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print(v, out);
            }
            out.push(']');
        }
        J::Obj(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push_str(": ");
                print(v, out);
            }
            out.push('}');
        }
    }
}

enum Step {
    Key(String),
    Index(usize),
}

/// A path of `$`, `.key`, `."key"` and `[n]` steps.
fn path(p: &str) -> Option<Vec<Step>> {
    let mut rest = p.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let (key, tail) = if let Some(q) = r.strip_prefix('"') {
                let end = q.find('"')?;
                (&q[..end], &q[end + 1..])
            } else {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                (&r[..end], &r[end..])
            };
            if key.is_empty() || key == "*" {
                return None;
            }
            steps.push(Step::Key(key.to_string()));
            rest = tail;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            steps.push(Step::Index(r[..end].trim().parse().ok()?));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Set,
    Insert,
    Replace,
}

/// Puts `v` at `steps` in `doc` as `mode` allows; the parent must exist.
fn put(doc: &mut J, steps: &[Step], v: J, mode: Mode) {
    let Some((last, parents)) = steps.split_last() else {
        if mode != Mode::Insert {
            *doc = v;
        }
        return;
    };
    let Some(cur) = get_mut(doc, parents) else {
        return;
    };
    match (cur, last) {
        (J::Obj(o), Step::Key(k)) => match o.iter_mut().find(|(x, _)| x == k) {
            Some((_, old)) if mode != Mode::Insert => *old = v,
            Some(_) => {}
            None if mode != Mode::Replace => o.push((k.clone(), v)),
            None => {}
        },
        (J::Arr(a), Step::Index(i)) => match a.get_mut(*i) {
            Some(old) if mode != Mode::Insert => *old = v,
            Some(_) => {}
            None if mode != Mode::Replace => a.push(v),
            None => {}
        },
        // A scalar where an array is expected: MariaDB wraps it.
        (other, Step::Index(i)) if mode != Mode::Replace && *i > 0 => {
            let old = std::mem::replace(other, J::Null);
            *other = J::Arr(vec![old, v]);
        }
        _ => {}
    }
}

fn remove(doc: &mut J, steps: &[Step]) {
    let Some((last, parents)) = steps.split_last() else {
        return;
    };
    let Some(cur) = get_mut(doc, parents) else {
        return;
    };
    match (cur, last) {
        (J::Obj(o), Step::Key(k)) => o.retain(|(x, _)| x != k),
        (J::Arr(a), Step::Index(i)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

fn get_mut<'j>(doc: &'j mut J, steps: &[Step]) -> Option<&'j mut J> {
    let mut cur = doc;
    for s in steps {
        cur = match (cur, s) {
            (J::Obj(o), Step::Key(k)) => o.iter_mut().find(|(x, _)| x == k).map(|(_, v)| v)?,
            (J::Arr(a), Step::Index(i)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn get<'j>(doc: &'j J, steps: &[Step]) -> Option<&'j J> {
    let mut cur = doc;
    for s in steps {
        cur = match (cur, s) {
            (J::Obj(o), Step::Key(k)) => o.iter().find(|(x, _)| x == k).map(|(_, v)| v)?,
            (J::Arr(a), Step::Index(i)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// An argument as a JSON value: the result of a JSON function as JSON, other strings as
/// strings, numbers as numbers.
fn as_json(e: &Ex, v: Value) -> J {
    let from_json_function = matches!(e, Ex::Func(f, _, _)
        if f.name.starts_with("JSON_") && !matches!(f.name, "JSON_VALUE" | "JSON_UNQUOTE"));
    match v {
        Value::Null => J::Null,
        Value::Int(n) => J::Num(n.to_string()),
        Value::UInt(n) => J::Num(n.to_string()),
        other if from_json_function => {
            let text = other.render().unwrap_or_default();
            parse(&text).unwrap_or(J::Str(text))
        }
        Value::Text(s) => J::Str(s),
        other if matches!(other, Value::Double(_) | Value::Decimal(_)) => {
            J::Num(other.render().unwrap_or_default())
        }
        other => J::Str(other.render().unwrap_or_default()),
    }
}

type Eval<'e> = dyn FnMut(&Ex) -> Result<Value, SqlError> + 'e;

/// JSON_SET / JSON_INSERT / JSON_REPLACE: the document, then path, value pairs.
fn change(args: &[Ex], eval: &mut Eval<'_>, mode: Mode, name: &str) -> Result<Value, SqlError> {
    if args.len().is_multiple_of(2) {
        return Err(super::wrong_count(name));
    }
    let Some(text) = eval(&args[0])?.render() else {
        return Ok(Value::Null);
    };
    let Some(mut doc) = parse(&text) else {
        return Ok(Value::Null);
    };
    for pair in args[1..].chunks(2) {
        let Some(p) = eval(&pair[0])?.render() else {
            return Ok(Value::Null);
        };
        let Some(steps) = path(&p) else {
            return Ok(Value::Null);
        };
        let v = eval(&pair[1])?;
        put(&mut doc, &steps, as_json(&pair[1], v), mode);
    }
    let mut out = String::new();
    print(&doc, &mut out);
    Ok(Value::Text(out))
}

pub(super) const FUNCS: &[Func] = &[
    lazy("JSON_SET", 3, super::MANY, Ret::Text, |a, eval, _| {
        change(a, eval, Mode::Set, "JSON_SET")
    }),
    lazy("JSON_INSERT", 3, super::MANY, Ret::Text, |a, eval, _| {
        change(a, eval, Mode::Insert, "JSON_INSERT")
    }),
    lazy("JSON_REPLACE", 3, super::MANY, Ret::Text, |a, eval, _| {
        change(a, eval, Mode::Replace, "JSON_REPLACE")
    }),
    lazy("JSON_REMOVE", 2, super::MANY, Ret::Text, |a, eval, _| {
        let Some(text) = eval(&a[0])?.render() else {
            return Ok(Value::Null);
        };
        let Some(mut doc) = parse(&text) else {
            return Ok(Value::Null);
        };
        for e in &a[1..] {
            let Some(steps) = eval(e)?.render().and_then(|p| path(&p)) else {
                return Ok(Value::Null);
            };
            remove(&mut doc, &steps);
        }
        let mut out = String::new();
        print(&doc, &mut out);
        Ok(Value::Text(out))
    }),
    lazy("JSON_VALUE", 2, 2, Ret::Text, |a, eval, _| {
        let (Some(text), Some(p)) = (eval(&a[0])?.render(), eval(&a[1])?.render()) else {
            return Ok(Value::Null);
        };
        let (Some(doc), Some(steps)) = (parse(&text), path(&p)) else {
            return Ok(Value::Null);
        };
        Ok(match get(&doc, &steps) {
            Some(J::Str(s)) => Value::Text(s.clone()),
            Some(J::Num(n)) => Value::Text(n.clone()),
            Some(J::Bool(b)) => Value::Text(b.to_string()),
            _ => Value::Null,
        })
    }),
    lazy("JSON_OBJECT", 0, super::MANY, Ret::Text, |a, eval, _| {
        if !a.len().is_multiple_of(2) {
            return Err(super::wrong_count("JSON_OBJECT"));
        }
        let mut o = Vec::new();
        for pair in a.chunks(2) {
            let k = eval(&pair[0])?.render().unwrap_or_default();
            let v = eval(&pair[1])?;
            o.push((k, as_json(&pair[1], v)));
        }
        let mut out = String::new();
        print(&J::Obj(o), &mut out);
        Ok(Value::Text(out))
    }),
    lazy("JSON_ARRAY", 0, super::MANY, Ret::Text, |a, eval, _| {
        let mut v = Vec::new();
        for e in a {
            let x = eval(e)?;
            v.push(as_json(e, x));
        }
        let mut out = String::new();
        print(&J::Arr(v), &mut out);
        Ok(Value::Text(out))
    }),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn set(doc: &str, p: &str, v: J, mode: Mode) -> String {
        let mut d = parse(doc).unwrap();
        put(&mut d, &path(p).unwrap(), v, mode);
        let mut out = String::new();
        print(&d, &mut out);
        out
    }

    #[test]
    fn changes_print_as_mariadb_prints_them() {
        // Each expectation is MariaDB 10.11's result for the same call.
        let n = |s: &str| J::Num(s.into());
        assert_eq!(
            set(
                r#"{"a":1,"b":[1,2],"c":{"d":"x"}}"#,
                "$.a",
                n("5"),
                Mode::Set
            ),
            r#"{"a": 5, "b": [1, 2], "c": {"d": "x"}}"#
        );
        assert_eq!(
            set(r#"{"a" :  1}"#, "$.z", J::Str("q".into()), Mode::Set),
            r#"{"a": 1, "z": "q"}"#
        );
        assert_eq!(
            set(r#"{"a":1}"#, "$.a", n("2"), Mode::Insert),
            r#"{"a": 1}"#
        );
        assert_eq!(
            set(r#"{"a":1}"#, "$.q", n("1"), Mode::Replace),
            r#"{"a": 1}"#
        );
        assert_eq!(
            set(r#"{"a":{"b":1}}"#, "$.a.b", n("2.5"), Mode::Set),
            r#"{"a": {"b": 2.5}}"#
        );
        assert_eq!(set("[1,2]", "$[5]", n("7"), Mode::Set), "[1, 2, 7]");
        let mut d = parse(r#"{"a":1,"b":2}"#).unwrap();
        remove(&mut d, &path("$.a").unwrap());
        let mut out = String::new();
        print(&d, &mut out);
        assert_eq!(out, r#"{"b": 2}"#);
        assert!(parse("{").is_none() && parse("[1,]").is_none());
        assert!(parse(&"[".repeat(100)).is_none());
    }
}
