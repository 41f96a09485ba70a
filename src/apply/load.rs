//! LOAD DATA [LOCAL] INFILE as a statement-format master logs it: the file's bytes in
//! BEGIN_LOAD_QUERY / APPEND_BLOCK events, then EXECUTE_LOAD_QUERY with the statement
//! (its options spelled out in full by the master). [`LoadSpec::parse`] reads the
//! statement, [`LoadSpec::split`] cuts the file into rows of fields by mysqld's rules
//! (terminators, enclosing quotes, escapes, `\N`), and replay inserts them.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
use sqlparser::tokenizer::Token;

use super::replay::{sql_err, InsertHow, MasterSession, Replay, STRICT_MODES as STRICT};
use super::rows::RowError;
use crate::sql::parse::{tokens, unsupported};
use crate::sql::value::Value;
use crate::sqlerror::SqlError;
use crate::store::Txn;

impl Replay<'_> {
    /// Replays LOAD DATA `sql` over the file `data` its events carried. `collation` is
    /// the file's character set when the statement names none (the default database's,
    /// as mysqld reads it).
    pub fn load(
        &mut self,
        sql: &str,
        data: &[u8],
        collation: u16,
        session: &MasterSession<'_>,
        txn: &mut Txn,
    ) -> Result<(), RowError> {
        if !self.filters.db_ok(session.db) {
            return Ok(());
        }
        let spec = LoadSpec::parse(sql).map_err(sql_err)?;
        let mut parts = Vec::new();
        if let Some(db) = &spec.table.0 {
            parts.push(ObjectNamePart::Identifier(Ident::new(db)));
        }
        parts.push(ObjectNamePart::Identifier(Ident::new(&spec.table.1)));
        let Some(t) = self.table(&ObjectName(parts), session).map_err(sql_err)? else {
            return Ok(());
        };
        let charset = match &spec.charset {
            Some(cs) => cs.to_ascii_lowercase(),
            None => crate::store::collation::by_id(collation)
                .map_or("utf8mb4", |c| c.charset)
                .to_string(),
        };
        let column = |n: &str| -> Result<usize, RowError> {
            t.def
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(n))
                .ok_or_else(|| {
                    sql_err(SqlError::new(
                        1054,
                        format!("Unknown column '{n}' in 'field list'"),
                    ))
                })
        };
        let fields_to: Vec<Target> = if spec.targets.is_empty() {
            t.def
                .columns
                .iter()
                .map(|c| Target::Column(c.name.clone()))
                .collect()
        } else {
            spec.targets.clone()
        };
        // The columns rows give values to: the fields' columns, then SET's.
        let mut targets = Vec::new();
        for f in &fields_to {
            if let Target::Column(c) = f {
                targets.push(column(c)?);
            }
        }
        let set = SetExprs::new(&spec, &fields_to, &targets, &t.def.columns)?;
        for (c, _) in &spec.set {
            targets.push(column(c)?);
        }
        let strict = session.sql_mode & STRICT != 0;
        let mut rows: Vec<Vec<Option<Value>>> = Vec::new();
        for (n, line) in spec.split(data).into_iter().enumerate() {
            if line.len() != fields_to.len() && strict {
                let (code, what) = if line.len() < fields_to.len() {
                    (1261, "doesn't contain data for all columns")
                } else {
                    (
                        1262,
                        "was truncated; it contained more data than there were input columns",
                    )
                };
                return Err(sql_err(SqlError::new(
                    code,
                    format!("Row {} {what}", n + 1),
                )));
            }
            if line.len() != fields_to.len() {
                return Err(sql_err(unsupported(&format!(
                    "replaying LOAD DATA in non-strict sql_mode with a line of {} fields where {} are read (line {})",
                    line.len(),
                    fields_to.len(),
                    n + 1
                ))));
            }
            let mut row = Vec::with_capacity(targets.len());
            let mut vars = Vec::new();
            for (f, target) in line.into_iter().zip(&fields_to) {
                let v = match f {
                    None => Value::Null,
                    Some(b) => field_value(b, &charset).map_err(sql_err)?,
                };
                match target {
                    Target::Column(_) => row.push(Some(v)),
                    Target::Var(_) => vars.push(v),
                }
            }
            if !set.exprs.is_empty() {
                let params: Vec<Value> = set
                    .sources
                    .iter()
                    .map(|s| match s {
                        Source::Var(i) => vars[*i].clone(),
                        Source::Column(i) => row[*i].clone().unwrap_or(Value::Null),
                    })
                    .collect();
                let got = self
                    .query_with(&set.select, session, txn, &[], &set.placeholders, &params)
                    .map_err(sql_err)?;
                let values = got.into_iter().next().unwrap_or_default();
                row.extend(values.into_iter().map(Some));
            }
            rows.push(row);
        }
        let how = InsertHow::plain(spec.ignore, spec.replace);
        self.write_rows(&t, &targets, &rows, how, session, txn)
    }
}

/// A field's bytes as a value: text in the file's character set, bytes for binary.
fn field_value(b: Vec<u8>, charset: &str) -> Result<Value, SqlError> {
    match charset {
        "binary" => Ok(Value::Bytes(b)),
        "latin1" => {
            let mut out = Vec::with_capacity(b.len());
            crate::store::text::latin1_to_utf8(&b, &mut out);
            Ok(Value::Text(String::from_utf8_lossy(&out).into_owned()))
        }
        "utf8mb4" | "utf8mb3" | "utf8" | "ascii" => {
            String::from_utf8(b).map(Value::Text).map_err(|e| {
                SqlError::new(
                    1300,
                    format!(
                        "Invalid {charset} character string: '{}'",
                        String::from_utf8_lossy(e.as_bytes())
                            .chars()
                            .take(20)
                            .collect::<String>()
                    ),
                )
            })
        }
        other => Err(unsupported(&format!(
            "replaying LOAD DATA of a file in character set {other}"
        ))),
    }
}

/// What a placeholder of SET's SELECT takes: a field read into a variable, or one read
/// into a column of the row.
enum Source {
    /// The `i`-th variable field.
    Var(usize),
    /// The row's `i`-th value.
    Column(usize),
}

/// SET's expressions as one SELECT, the variables and loaded columns they read made
/// placeholders (a row's values are its parameters).
struct SetExprs {
    /// `SELECT e1, e2...` (empty without SET).
    select: String,
    /// Each placeholder's byte offset in `select`.
    placeholders: Vec<usize>,
    /// Each placeholder's value source.
    sources: Vec<Source>,
    /// The expressions.
    exprs: Vec<String>,
}

impl SetExprs {
    fn new(
        spec: &LoadSpec,
        fields_to: &[Target],
        targets: &[usize],
        columns: &[crate::store::catalog::ColumnDef],
    ) -> Result<SetExprs, RowError> {
        let mut out = SetExprs {
            select: String::from("SELECT "),
            placeholders: Vec::new(),
            sources: Vec::new(),
            exprs: Vec::new(),
        };
        if spec.set.is_empty() {
            return Ok(out);
        }
        let var = |n: &str| {
            fields_to
                .iter()
                .filter(|t| matches!(t, Target::Var(_)))
                .position(|t| matches!(t, Target::Var(v) if v.eq_ignore_ascii_case(n)))
        };
        let loaded = |n: &str| {
            targets
                .iter()
                .position(|&c| columns[c].name.eq_ignore_ascii_case(n))
        };
        for (i, (_, text)) in spec.set.iter().enumerate() {
            if i > 0 {
                out.select.push_str(", ");
            }
            let toks = tokens(text).map_err(sql_err)?;
            let mut k = 0;
            while k < toks.len() {
                // A user variable: its name.
                let user_var = match &toks[k] {
                    Token::Word(w) if w.value.starts_with('@') && !w.value.starts_with("@@") => {
                        Some(w.value[1..].to_string())
                    }
                    Token::AtSign => match toks.get(k + 1) {
                        Some(Token::Word(w)) => {
                            k += 1;
                            Some(w.value.clone())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let source = match &toks[k] {
                    _ if user_var.is_some() => {
                        let n = user_var.unwrap_or_default();
                        // One no field sets is the session's (a USER_VAR event's).
                        Some(var(&n).map(Source::Var).ok_or(n))
                    }
                    Token::Word(w)
                        if toks.get(k + 1) != Some(&Token::LParen)
                            && (k == 0 || toks[k - 1] != Token::Period) =>
                    {
                        loaded(&w.value).map(|c| Ok(Source::Column(c)))
                    }
                    _ => None,
                };
                match source {
                    Some(Ok(s)) => {
                        out.placeholders.push(out.select.len());
                        out.select.push('?');
                        out.sources.push(s);
                    }
                    Some(Err(name)) => out
                        .select
                        .push_str(&format!("@`{}`", name.replace('`', "``"))),
                    None => out.select.push_str(&super::trigger::token_sql(&toks[k])),
                }
                out.select.push(' ');
                k += 1;
            }
            out.exprs.push(text.clone());
        }
        Ok(out)
    }
}

/// Where a field of each line goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A column, by name.
    Column(String),
    /// A user variable (`@name`), for SET expressions to read.
    Var(String),
}

/// A LOAD DATA statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSpec {
    /// REPLACE (a duplicate key replaces the row).
    pub replace: bool,
    /// IGNORE (a duplicate key skips the line).
    pub ignore: bool,
    /// The table: database (when qualified) and name.
    pub table: (Option<String>, String),
    /// CHARACTER SET of the file, when given.
    pub charset: Option<String>,
    /// FIELDS TERMINATED BY.
    pub field_end: Vec<u8>,
    /// FIELDS [OPTIONALLY] ENCLOSED BY (none when empty).
    pub quote: Option<u8>,
    /// FIELDS ESCAPED BY (none when empty).
    pub escape: Option<u8>,
    /// LINES STARTING BY.
    pub line_start: Vec<u8>,
    /// LINES TERMINATED BY.
    pub line_end: Vec<u8>,
    /// IGNORE n LINES.
    pub skip_lines: u64,
    /// Where the fields go (empty: every column in order).
    pub targets: Vec<Target>,
    /// SET column = expression, the expression as SQL text.
    pub set: Vec<(String, String)>,
}

/// A field of a line: its bytes, or `None` for NULL (`\N`, or an unquoted `NULL` when
/// fields may be quoted).
pub type Field = Option<Vec<u8>>;

impl LoadSpec {
    /// Reads a LOAD DATA statement.
    pub fn parse(sql: &str) -> Result<LoadSpec, SqlError> {
        let toks = tokens(sql)?;
        let mut p = Tokens { toks: &toks, at: 0 };
        let bad = |what: &str| unsupported(&format!("LOAD DATA {what}"));
        p.expect("LOAD")?;
        p.expect("DATA")?;
        p.eat("LOW_PRIORITY");
        p.eat("CONCURRENT");
        p.eat("LOCAL");
        p.expect("INFILE")?;
        p.string().ok_or_else(|| bad("without a file name"))?;
        let replace = p.eat("REPLACE");
        let ignore = !replace && p.eat("IGNORE");
        p.expect("INTO")?;
        p.expect("TABLE")?;
        let first = p.name().ok_or_else(|| bad("without a table"))?;
        let table = if p.eat_token(&Token::Period) {
            (Some(first), p.name().ok_or_else(|| bad("without a table"))?)
        } else {
            (None, first)
        };
        let mut spec = LoadSpec {
            replace,
            ignore,
            table,
            charset: None,
            field_end: b"\t".to_vec(),
            quote: None,
            escape: Some(b'\\'),
            line_start: Vec::new(),
            line_end: b"\n".to_vec(),
            skip_lines: 0,
            targets: Vec::new(),
            set: Vec::new(),
        };
        if p.eat("PARTITION") {
            return Err(bad("into a partition"));
        }
        if p.eat("CHARACTER") {
            p.expect("SET")?;
            spec.charset = p.name().or_else(|| p.string());
        } else if p.eat("CHARSET") {
            spec.charset = p.name().or_else(|| p.string());
        }
        if p.eat("FIELDS") || p.eat("COLUMNS") {
            loop {
                if p.eat("TERMINATED") {
                    p.expect("BY")?;
                    spec.field_end = p.bytes()?;
                } else if p.eat("OPTIONALLY") || p.eat("ENCLOSED") {
                    p.eat("ENCLOSED");
                    p.expect("BY")?;
                    spec.quote = one_byte(p.bytes()?)?;
                } else if p.eat("ESCAPED") {
                    p.expect("BY")?;
                    spec.escape = one_byte(p.bytes()?)?;
                } else {
                    break;
                }
            }
        }
        if p.eat("LINES") {
            loop {
                if p.eat("STARTING") {
                    p.expect("BY")?;
                    spec.line_start = p.bytes()?;
                } else if p.eat("TERMINATED") {
                    p.expect("BY")?;
                    spec.line_end = p.bytes()?;
                } else {
                    break;
                }
            }
        }
        if p.eat("IGNORE") {
            spec.skip_lines = match p.next() {
                Some(Token::Number(n, _)) => n.parse().map_err(|_| bad("IGNORE count"))?,
                _ => return Err(bad("IGNORE without a count")),
            };
            if !(p.eat("LINES") || p.eat("ROWS")) {
                return Err(bad("IGNORE n without LINES"));
            }
        }
        if p.eat_token(&Token::LParen) && !p.eat_token(&Token::RParen) {
            loop {
                let t = match p.next() {
                    Some(Token::Word(w)) if w.value.starts_with('@') => {
                        Target::Var(w.value[1..].to_string())
                    }
                    Some(Token::AtSign) => Target::Var(p.name().ok_or_else(|| bad("variable"))?),
                    Some(Token::Word(w)) => Target::Column(w.value.clone()),
                    _ => return Err(bad("column list")),
                };
                spec.targets.push(t);
                if p.eat_token(&Token::RParen) {
                    break;
                }
                if !p.eat_token(&Token::Comma) {
                    return Err(bad("column list"));
                }
            }
        }
        if p.eat("SET") {
            // Assignments: `col = expr` separated by top-level commas; each expression
            // is kept as text, cut from the statement at its tokens.
            loop {
                let col = p.name().ok_or_else(|| bad("SET without a column"))?;
                if !p.eat_token(&Token::Eq) {
                    return Err(bad("SET without ="));
                }
                let start = p.at;
                let mut depth = 0i32;
                while let Some(t) = p.toks.get(p.at) {
                    match t {
                        Token::LParen => depth += 1,
                        Token::RParen => depth -= 1,
                        Token::Comma if depth == 0 => break,
                        _ => {}
                    }
                    p.at += 1;
                }
                let text: Vec<String> = p.toks[start..p.at]
                    .iter()
                    .map(super::trigger::token_sql)
                    .collect();
                spec.set.push((col, text.join(" ")));
                if !p.eat_token(&Token::Comma) {
                    break;
                }
            }
        }
        if p.at < p.toks.len() {
            return Err(bad(&format!("clause {}", p.toks[p.at])));
        }
        if spec.field_end.is_empty() && spec.quote.is_none() {
            return Err(bad(
                "with fixed-width fields (FIELDS TERMINATED BY '' ENCLOSED BY '')",
            ));
        }
        if spec.line_end.is_empty() {
            return Err(bad("with LINES TERMINATED BY ''"));
        }
        Ok(spec)
    }

    /// The rows of `data`: each line's fields, by mysqld's reading of a file (READ_INFO):
    /// lines end at LINES TERMINATED BY (the last may lack it), a line counts from after
    /// LINES STARTING BY (lines without it are skipped), fields end at FIELDS TERMINATED
    /// BY, a field that opens with the ENCLOSED BY character runs to its closing one (a
    /// doubled one is one), the ESCAPED BY character takes the next byte as itself or as
    /// `\0 \b \n \r \t \Z`, and `\N` alone is NULL.
    pub fn split(&self, data: &[u8]) -> Vec<Vec<Field>> {
        let mut rows = Vec::new();
        let mut pos = 0;
        let mut skip = self.skip_lines;
        while pos < data.len() {
            if !self.line_start.is_empty() {
                // Everything up to the prefix is skipped; no prefix, no more lines.
                match find(&data[pos..], &self.line_start) {
                    Some(i) => pos += i + self.line_start.len(),
                    None => break,
                }
            }
            let (fields, next) = self.line(data, pos);
            pos = next;
            if skip > 0 {
                skip -= 1;
                continue;
            }
            rows.push(fields);
        }
        rows
    }

    /// The fields of the line starting at `pos`, and where the next line starts.
    fn line(&self, data: &[u8], mut pos: usize) -> (Vec<Field>, usize) {
        let mut fields = Vec::new();
        loop {
            let mut field = Vec::new();
            let mut quoted = false;
            let mut escaped_null = false;
            if self.quote.is_some() && data.get(pos).copied() == self.quote {
                quoted = true;
                pos += 1;
            }
            let opened = quoted;
            // Where the field ends: 0 at a field terminator, 1 at a line end, 2 at the
            // end of the data.
            let end = loop {
                let Some(&b) = data.get(pos) else {
                    break 2;
                };
                if Some(b) == self.escape && pos + 1 < data.len() {
                    let c = data[pos + 1];
                    if c == b'N' && field.is_empty() && !quoted {
                        escaped_null = true;
                    }
                    field.push(unescape(c));
                    pos += 2;
                    continue;
                }
                if quoted {
                    if Some(b) == self.quote {
                        if data.get(pos + 1).copied() == self.quote {
                            field.push(b);
                            pos += 2;
                            continue;
                        }
                        // The closing quote counts only before a terminator.
                        let after = &data[pos + 1..];
                        if after.is_empty()
                            || after.starts_with(&self.field_end)
                            || after.starts_with(&self.line_end)
                        {
                            quoted = false;
                            pos += 1;
                            continue;
                        }
                    }
                    field.push(b);
                    pos += 1;
                    continue;
                }
                if !self.field_end.is_empty() && data[pos..].starts_with(&self.field_end) {
                    pos += self.field_end.len();
                    break 0;
                }
                if data[pos..].starts_with(&self.line_end) {
                    pos += self.line_end.len();
                    break 1;
                }
                field.push(b);
                pos += 1;
            };
            // An unquoted NULL is NULL when fields may be quoted.
            let null = (escaped_null && field == b"N")
                || (self.quote.is_some() && !opened && field == b"NULL");
            fields.push(if null { None } else { Some(field) });
            if end != 0 {
                return (fields, pos);
            }
        }
    }
}

/// The byte an escape sequence stands for (`\n` a newline...); others stand for
/// themselves.
fn unescape(c: u8) -> u8 {
    match c {
        b'0' => 0,
        b'b' => 8,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'Z' => 26,
        other => other,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// ENCLOSED BY / ESCAPED BY take one character or none.
fn one_byte(b: Vec<u8>) -> Result<Option<u8>, SqlError> {
    match b.as_slice() {
        [] => Ok(None),
        [c] => Ok(Some(*c)),
        _ => Err(SqlError::new(
            1083,
            "Field separator argument is not what is expected; check the manual".into(),
        )),
    }
}

/// A cursor over a statement's tokens.
struct Tokens<'t> {
    toks: &'t [Token],
    at: usize,
}

impl Tokens<'_> {
    fn next(&mut self) -> Option<&Token> {
        let t = self.toks.get(self.at);
        self.at += 1;
        t
    }

    /// Consumes keyword `kw` when it is next.
    fn eat(&mut self, kw: &str) -> bool {
        match self.toks.get(self.at) {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn eat_token(&mut self, t: &Token) -> bool {
        if self.toks.get(self.at) == Some(t) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.eat(kw) {
            Ok(())
        } else {
            Err(unsupported(&format!(
                "LOAD DATA without {kw} where expected"
            )))
        }
    }

    /// A name (a word, quoted or not).
    fn name(&mut self) -> Option<String> {
        match self.toks.get(self.at) {
            Some(Token::Word(w)) => {
                self.at += 1;
                Some(w.value.clone())
            }
            _ => None,
        }
    }

    /// A string literal.
    fn string(&mut self) -> Option<String> {
        match self.toks.get(self.at) {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                self.at += 1;
                Some(s.clone())
            }
            _ => None,
        }
    }

    /// A string literal's bytes (a hex literal's too).
    fn bytes(&mut self) -> Result<Vec<u8>, SqlError> {
        if let Some(s) = self.string() {
            return Ok(s.into_bytes());
        }
        match self.next() {
            Some(Token::HexStringLiteral(h)) => (0..h.len() / 2)
                .map(|i| u8::from_str_radix(&h[i * 2..i * 2 + 2], 16))
                .collect::<Result<_, _>>()
                .map_err(|_| unsupported("LOAD DATA with a bad hex literal")),
            _ => Err(unsupported("LOAD DATA option without a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As MariaDB 10.11 logs LOAD DATA.
    const LOGGED: &str = "LOAD DATA LOCAL INFILE '/tmp/ld.csv' REPLACE INTO TABLE `sp`.`ld` FIELDS TERMINATED BY ',' OPTIONALLY  ENCLOSED BY '\"' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`, `s`, @`v`) SET `t`= UPPER(@v)";

    #[test]
    fn reads_the_statement_the_master_logs() {
        let s = LoadSpec::parse(LOGGED).unwrap();
        assert!(s.replace && !s.ignore);
        assert_eq!(s.table, (Some("sp".into()), "ld".into()));
        assert_eq!(s.field_end, b",");
        assert_eq!(s.quote, Some(b'"'));
        assert_eq!(s.escape, Some(b'\\'));
        assert_eq!(s.line_end, b"\n");
        assert_eq!(
            s.targets,
            [
                Target::Column("id".into()),
                Target::Column("s".into()),
                Target::Var("v".into())
            ]
        );
        assert_eq!(s.set.len(), 1);
        assert_eq!(s.set[0].0, "t");
        let d = LoadSpec::parse("LOAD DATA INFILE 'x' IGNORE INTO TABLE t CHARACTER SET latin1 LINES STARTING BY 'xx' TERMINATED BY '\\r\\n' IGNORE 2 LINES").unwrap();
        assert!(d.ignore);
        assert_eq!(d.table, (None, "t".into()));
        assert_eq!(d.charset.as_deref(), Some("latin1"));
        assert_eq!(
            (
                d.field_end.as_slice(),
                d.line_start.as_slice(),
                d.line_end.as_slice()
            ),
            (&b"\t"[..], &b"xx"[..], &b"\r\n"[..])
        );
        assert_eq!(d.skip_lines, 2);
        for bad in [
            "LOAD DATA INFILE 'x' INTO TABLE t PARTITION (p0)",
            "LOAD DATA INFILE 'x' INTO TABLE t FIELDS TERMINATED BY '' ENCLOSED BY ''",
            "LOAD XML INFILE 'x' INTO TABLE t",
            "LOAD DATA INFILE 'x' INTO TABLE t garbage",
        ] {
            assert_eq!(LoadSpec::parse(bad).unwrap_err().code, 1235, "{bad}");
        }
    }

    fn rows(spec: &str, data: &[u8]) -> Vec<Vec<Option<String>>> {
        LoadSpec::parse(spec)
            .unwrap()
            .split(data)
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|f| f.map(|b| String::from_utf8(b).unwrap()))
                    .collect()
            })
            .collect()
    }

    fn s(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|x| x.map(String::from)).collect()
    }

    #[test]
    fn splits_lines_and_fields_as_mysqld() {
        let csv = "LOAD DATA INFILE 'f' INTO TABLE t FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"'";
        assert_eq!(
            rows(
                csv,
                b"1,\"a,b\",x\n2,\\N,y\n3,\"q\"\"uote\",\\z\n4,NULL,\"NULL\"\n5,,\n6"
            ),
            vec![
                s(&[Some("1"), Some("a,b"), Some("x")]),
                s(&[Some("2"), None, Some("y")]),
                s(&[Some("3"), Some("q\"uote"), Some("z")]),
                s(&[Some("4"), None, Some("NULL")]),
                s(&[Some("5"), Some(""), Some("")]),
                s(&[Some("6")]),
            ]
        );
        let tsv = "LOAD DATA INFILE 'f' INTO TABLE t";
        assert_eq!(
            rows(tsv, b"a\\tb\tc\\nd\t\\N\tNULL\n"),
            vec![s(&[Some("a\tb"), Some("c\nd"), None, Some("NULL")])]
        );
        let prefixed = "LOAD DATA INFILE 'f' INTO TABLE t FIELDS TERMINATED BY '|' LINES STARTING BY '>>' TERMINATED BY ';' IGNORE 1 LINES";
        assert_eq!(
            rows(prefixed, b">>h|h;junk>>1|a;no prefix;>>2|b"),
            vec![s(&[Some("1"), Some("a")]), s(&[Some("2"), Some("b")])]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_split_without_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            for spec in [LOGGED, "LOAD DATA INFILE 'f' INTO TABLE t LINES STARTING BY 'a' TERMINATED BY 'ab'"] {
                let _ = LoadSpec::parse(spec).unwrap().split(&data);
            }
        }
    }
}
