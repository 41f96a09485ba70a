//! WKT (ST_AsText, ST_GeomFromText) and GeoJSON (ST_AsGeoJSON) as MariaDB writes and reads them.

use super::*;

// ---------------------------------------------------------------------------------------
// WKT and GeoJSON output
// ---------------------------------------------------------------------------------------

/// A coordinate as MariaDB prints it in WKT and GeoJSON (`String::qs_append(double)`, i.e.
/// `my_gcvt` over a 349-character field): the shortest digits that read back exactly, in
/// plain notation when the decimal exponent is within -14..=15 (or the digits reach past
/// the point), otherwise as `1.5e-20` / `1e300` (no `+`, no exponent padding).
pub(super) fn num(x: f64) -> String {
    if !x.is_finite() {
        // dtoa reports infinities and NaN as overflow, which my_gcvt prints as "0".
        return "0".to_string();
    }
    if x == 0.0 {
        // dtoa keeps the sign of zero, so -0 prints as "-0".
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let len = digits.len() as i32;
    let decpt = exp + 1;
    let mut s = String::with_capacity(digits.len() + 24);
    if x < 0.0 {
        s.push('-');
    }
    if decpt >= -14 && (decpt <= 15 || len > decpt) {
        if decpt <= 0 {
            s.push_str("0.");
            (decpt..0).for_each(|_| s.push('0'));
            s.push_str(&digits);
        } else if decpt < len {
            s.push_str(&digits[..decpt as usize]);
            s.push('.');
            s.push_str(&digits[decpt as usize..]);
        } else {
            s.push_str(&digits);
            (len..decpt).for_each(|_| s.push('0'));
        }
    } else {
        s.push_str(&digits[..1]);
        if len > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let _ = write!(s, "e{exp}");
    }
    s
}

fn wkt_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(..) => "POINT",
        Geometry::LineString(_) => "LINESTRING",
        Geometry::Polygon(_) => "POLYGON",
        Geometry::MultiPoint(_) => "MULTIPOINT",
        Geometry::MultiLineString(_) => "MULTILINESTRING",
        Geometry::MultiPolygon(_) => "MULTIPOLYGON",
        Geometry::Collection(_) => "GEOMETRYCOLLECTION",
    }
}

fn geojson_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(..) => "Point",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::Collection(_) => "GeometryCollection",
    }
}

/// Whether the top level has no members (a point never is empty).
fn is_empty(g: &Geometry) -> bool {
    match g {
        Geometry::Point(..) => false,
        Geometry::LineString(p) | Geometry::MultiPoint(p) => p.is_empty(),
        Geometry::Polygon(r) | Geometry::MultiLineString(r) => r.is_empty(),
        Geometry::MultiPolygon(ps) => ps.is_empty(),
        Geometry::Collection(gs) => gs.is_empty(),
    }
}

/// `g` as ST_AsText prints it: `POINT(1 2)`, `MULTIPOINT(1 1,2 2)`,
/// `GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))`, no spaces after commas.
///
/// An empty collection prints `GEOMETRYCOLLECTION EMPTY` as MariaDB's does; other empty
/// values (which MariaDB's own constructors never make) print `<TYPE> EMPTY` likewise.
pub fn to_wkt(g: &Geometry) -> String {
    let mut s = String::new();
    wkt_into(&mut s, g);
    s
}

fn wkt_into(s: &mut String, g: &Geometry) {
    s.push_str(wkt_name(g));
    if is_empty(g) {
        s.push_str(" EMPTY");
        return;
    }
    s.push('(');
    match g {
        Geometry::Point(x, y) => wkt_coords(s, &[(*x, *y)]),
        Geometry::LineString(p) | Geometry::MultiPoint(p) => wkt_coords(s, p),
        Geometry::Polygon(r) | Geometry::MultiLineString(r) => wkt_lists(s, r),
        Geometry::MultiPolygon(ps) => {
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push('(');
                wkt_lists(s, p);
                s.push(')');
            }
        }
        Geometry::Collection(gs) => {
            for (i, g) in gs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                wkt_into(s, g);
            }
        }
    }
    s.push(')');
}

fn wkt_coords(s: &mut String, pts: &[Pt]) {
    for (i, &(x, y)) in pts.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&num(x));
        s.push(' ');
        s.push_str(&num(y));
    }
}

fn wkt_lists(s: &mut String, lists: &[Vec<Pt>]) {
    for (i, l) in lists.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('(');
        wkt_coords(s, l);
        s.push(')');
    }
}

/// `g` as ST_AsGeoJSON prints it with no precision or options arguments:
/// `{"type": "Point", "coordinates": [1, 2]}`, lists separated by `", "`, and
/// `{"type": "GeometryCollection", "geometries": [{...}, {...}]}`.
///
/// An empty collection prints `"geometries": []` (MariaDB's printer would drop the opening
/// bracket there); empty coordinate lists print `[]`.
pub fn to_geojson(g: &Geometry) -> String {
    let mut s = String::new();
    json_into(&mut s, g);
    s
}

fn json_into(s: &mut String, g: &Geometry) {
    s.push_str("{\"type\": \"");
    s.push_str(geojson_name(g));
    if let Geometry::Collection(gs) = g {
        s.push_str("\", \"geometries\": ");
        json_array(s, gs, json_into);
        s.push('}');
        return;
    }
    s.push_str("\", \"coordinates\": ");
    match g {
        Geometry::Point(x, y) => json_point(s, &(*x, *y)),
        Geometry::LineString(p) | Geometry::MultiPoint(p) => json_array(s, p, json_point),
        Geometry::Polygon(r) | Geometry::MultiLineString(r) => {
            json_array(s, r, |s, l| json_array(s, l, json_point))
        }
        Geometry::MultiPolygon(ps) => json_array(s, ps, |s, p| {
            json_array(s, p, |s, l| json_array(s, l, json_point))
        }),
        Geometry::Collection(_) => {}
    }
    s.push('}');
}

fn json_point(s: &mut String, &(x, y): &Pt) {
    s.push('[');
    s.push_str(&num(x));
    s.push_str(", ");
    s.push_str(&num(y));
    s.push(']');
}

fn json_array<T>(s: &mut String, items: &[T], each: impl Fn(&mut String, &T)) {
    s.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        each(s, item);
    }
    s.push(']');
}

// ---------------------------------------------------------------------------------------
// WKT input
// ---------------------------------------------------------------------------------------

/// Parses WKT as ST_GeomFromText does: keywords in any case, spaces anywhere between
/// tokens, numbers with a sign and exponent (but, as in MariaDB, starting with a digit or
/// sign, never a bare `.`).
///
/// Follows MariaDB 10.11 where it is stricter than OGC: MULTIPOINT takes bare coordinates
/// (`MULTIPOINT(1 1,2 2)`, not `((1 1),(2 2))`), polygon rings must be closed, collections
/// do not nest, and only GEOMETRYCOLLECTION may be `EMPTY` (also spelled `()`). Anything
/// after the geometry is an error.
pub fn from_wkt(s: &str) -> Result<Geometry, String> {
    let mut p = Parser {
        toks: lex(s)?,
        pos: 0,
    };
    let g = p.geometry(false)?;
    if p.pos < p.toks.len() {
        return Err("unexpected text after the geometry".into());
    }
    Ok(g)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
            b'(' | b')' | b',' => {
                out.push(match b[i] {
                    b'(' => Tok::Open,
                    b')' => Tok::Close,
                    _ => Tok::Comma,
                });
                i += 1;
            }
            b'0'..=b'9' | b'+' | b'-' => {
                let end = number_end(b, i);
                let text = &s[i..end];
                let v: f64 = text.parse().map_err(|_| format!("bad number '{text}'"))?;
                if !v.is_finite() {
                    return Err(format!("number out of range '{text}'"));
                }
                out.push(Tok::Num(v));
                i = end;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Tok::Word(s[start..i].to_ascii_uppercase()));
            }
            _ => return Err(format!("unexpected character at offset {i}")),
        }
    }
    Ok(out)
}

fn digits_end(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// End of the number starting at `i`: sign, digits, optional fraction, and an exponent only
/// when digits follow the `e` (so `1e` leaves the `e` to fail as a word).
fn number_end(b: &[u8], mut i: usize) -> usize {
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    i = digits_end(b, i);
    if b.get(i) == Some(&b'.') {
        i = digits_end(b, i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if matches!(b.get(j), Some(b'0'..=b'9')) {
            i = digits_end(b, j);
        }
    }
    i
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        let hit = self.toks.get(self.pos) == Some(t);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let hit = matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.as_str() == w);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, t: Tok) -> Result<(), String> {
        if self.eat(&t) {
            return Ok(());
        }
        Err(match t {
            Tok::Open => "'(' expected".into(),
            Tok::Close => "')' expected".into(),
            _ => "syntax error".into(),
        })
    }

    fn number(&mut self) -> Result<f64, String> {
        match self.bump() {
            Some(Tok::Num(v)) => Ok(v),
            _ => Err("numeric constant expected".into()),
        }
    }

    fn coord(&mut self) -> Result<Pt, String> {
        let x = self.number()?;
        Ok((x, self.number()?))
    }

    fn coords(&mut self) -> Result<Vec<Pt>, String> {
        self.list(Self::coord)
    }

    /// One or more `f` separated by commas.
    fn list<T>(
        &mut self,
        mut f: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let mut v = vec![f(self)?];
        while self.eat(&Tok::Comma) {
            v.push(f(self)?);
        }
        Ok(v)
    }

    fn paren<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, String>) -> Result<T, String> {
        self.expect(Tok::Open)?;
        let v = f(self)?;
        self.expect(Tok::Close)?;
        Ok(v)
    }

    fn ring(&mut self) -> Result<Vec<Pt>, String> {
        let r = self.paren(Self::coords)?;
        if r.first() != r.last() {
            return Err("POLYGON's linear ring isn't closed".into());
        }
        Ok(r)
    }

    fn rings(&mut self) -> Result<Vec<Vec<Pt>>, String> {
        self.paren(|p| p.list(Self::ring))
    }

    fn geometry(&mut self, nested: bool) -> Result<Geometry, String> {
        let name = match self.bump() {
            Some(Tok::Word(w)) => w,
            _ => return Err("geometry name expected".into()),
        };
        Ok(match name.as_str() {
            "POINT" => {
                let (x, y) = self.paren(Self::coord)?;
                Geometry::Point(x, y)
            }
            "LINESTRING" => Geometry::LineString(self.paren(Self::coords)?),
            "POLYGON" => Geometry::Polygon(self.rings()?),
            "MULTIPOINT" => Geometry::MultiPoint(self.paren(Self::coords)?),
            "MULTILINESTRING" => {
                Geometry::MultiLineString(self.paren(|p| p.list(|p| p.paren(Self::coords)))?)
            }
            "MULTIPOLYGON" => Geometry::MultiPolygon(self.paren(|p| p.list(Self::rings))?),
            "GEOMETRYCOLLECTION" if nested => return Err("Unexpected GEOMETRYCOLLECTION".into()),
            "GEOMETRYCOLLECTION" => Geometry::Collection(self.collection()?),
            _ => return Err(format!("unknown geometry type {name}")),
        })
    }

    /// After GEOMETRYCOLLECTION: `EMPTY`, `()`, `(EMPTY)` or `(geometry, ...)`.
    fn collection(&mut self) -> Result<Vec<Geometry>, String> {
        if self.eat_word("EMPTY") {
            return Ok(Vec::new());
        }
        self.expect(Tok::Open)?;
        let mut parts = Vec::new();
        if !self.eat_word("EMPTY") && self.toks.get(self.pos) != Some(&Tok::Close) {
            parts = self.list(|p| p.geometry(true))?;
        }
        self.expect(Tok::Close)?;
        Ok(parts)
    }
}
