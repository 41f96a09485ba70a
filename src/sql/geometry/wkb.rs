//! The stored format: a 4-byte SRID, then WKB (either byte order in, little-endian out).

use super::*;

// ---------------------------------------------------------------------------------------
// Stored format (SRID + WKB)
// ---------------------------------------------------------------------------------------

/// Parses a stored GEOMETRY value into its SRID and geometry.
///
/// Each WKB header's byte order is honoured (MariaDB writes little-endian, but WKB handed to
/// ST_GeomFromWKB may nest either). Empty lists are accepted; bytes after the geometry,
/// unknown types, a multi-geometry member of the wrong type and nesting deeper than 32 are
/// errors.
pub fn parse_stored(bytes: &[u8]) -> Result<(u32, Geometry), String> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let srid = r
        .u32(false)
        .map_err(|_| "geometry shorter than its SRID".to_string())?;
    let g = r.geometry(0)?;
    if r.left() != 0 {
        return Err(format!("{} bytes after the geometry", r.left()));
    }
    Ok((srid, g))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self
            .buf
            .get(self.pos..self.pos.saturating_add(N))
            .ok_or("truncated geometry")?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        self.pos += N;
        Ok(out)
    }

    fn u32(&mut self, big: bool) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn f64(&mut self, big: bool) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if big {
            f64::from_be_bytes(b)
        } else {
            f64::from_le_bytes(b)
        })
    }

    fn point(&mut self, big: bool) -> Result<Pt, String> {
        let x = self.f64(big)?;
        Ok((x, self.f64(big)?))
    }

    /// Reads a count, refusing one whose items (each at least `item` bytes) cannot fit in
    /// what is left: nothing is ever allocated from an unchecked count.
    fn count(&mut self, big: bool, item: usize) -> Result<usize, String> {
        let n = self.u32(big)? as usize;
        match n.checked_mul(item) {
            Some(need) if need <= self.left() => Ok(n),
            _ => Err(format!("count {n} runs past the end of the geometry")),
        }
    }

    fn points(&mut self, big: bool) -> Result<Vec<Pt>, String> {
        let n = self.count(big, 16)?;
        (0..n).map(|_| self.point(big)).collect()
    }

    fn rings(&mut self, big: bool) -> Result<Vec<Vec<Pt>>, String> {
        let n = self.count(big, 4)?;
        (0..n).map(|_| self.points(big)).collect()
    }

    /// Reads a WKB header; returns (big-endian, type).
    fn header(&mut self) -> Result<(bool, u32), String> {
        let [order] = self.take::<1>()?;
        let big = match order {
            0 => true,
            1 => false,
            b => return Err(format!("bad WKB byte order {b}")),
        };
        Ok((big, self.u32(big)?))
    }

    /// Reads the header of a multi-geometry's member, which must be of type `want`.
    fn member(&mut self, want: u32) -> Result<bool, String> {
        let (big, ty) = self.header()?;
        if ty != want {
            return Err(format!("WKB type {ty} where type {want} belongs"));
        }
        Ok(big)
    }

    fn geometry(&mut self, depth: usize) -> Result<Geometry, String> {
        if depth > MAX_DEPTH {
            return Err("geometry collections nested too deeply".into());
        }
        let (big, ty) = self.header()?;
        Ok(match ty {
            POINT => {
                let (x, y) = self.point(big)?;
                Geometry::Point(x, y)
            }
            LINESTRING => Geometry::LineString(self.points(big)?),
            POLYGON => Geometry::Polygon(self.rings(big)?),
            MULTIPOINT => {
                // Each member: 5-byte header + 16 bytes of coordinates.
                let n = self.count(big, 21)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let b = self.member(POINT)?;
                    v.push(self.point(b)?);
                }
                Geometry::MultiPoint(v)
            }
            MULTILINESTRING => Geometry::MultiLineString(self.members(big, LINESTRING)?),
            MULTIPOLYGON => {
                let n = self.count(big, 9)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    let b = self.member(POLYGON)?;
                    v.push(self.rings(b)?);
                }
                Geometry::MultiPolygon(v)
            }
            COLLECTION => {
                let n = self.count(big, 9)?;
                let parts = (0..n).map(|_| self.geometry(depth + 1));
                Geometry::Collection(parts.collect::<Result<_, _>>()?)
            }
            _ => return Err(format!("unknown WKB geometry type {ty}")),
        })
    }

    /// A MULTILINESTRING's members: each a header of type `want` and a point list.
    fn members(&mut self, big: bool, want: u32) -> Result<Vec<Vec<Pt>>, String> {
        let n = self.count(big, 9)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let b = self.member(want)?;
            v.push(self.points(b)?);
        }
        Ok(v)
    }
}

/// The stored form of `g`: the SRID, then little-endian WKB, as MariaDB writes it.
pub fn to_stored(srid: u32, g: &Geometry) -> Vec<u8> {
    let mut out = srid.to_le_bytes().to_vec();
    write_wkb(&mut out, g);
    out
}

fn put_header(out: &mut Vec<u8>, ty: u32) {
    out.push(1);
    out.extend_from_slice(&ty.to_le_bytes());
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_xy(out: &mut Vec<u8>, (x, y): Pt) {
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
}

fn put_points(out: &mut Vec<u8>, pts: &[Pt]) {
    put_count(out, pts.len());
    for &p in pts {
        put_xy(out, p);
    }
}

fn put_rings(out: &mut Vec<u8>, rings: &[Vec<Pt>]) {
    put_count(out, rings.len());
    for r in rings {
        put_points(out, r);
    }
}

fn write_wkb(out: &mut Vec<u8>, g: &Geometry) {
    match g {
        Geometry::Point(x, y) => {
            put_header(out, POINT);
            put_xy(out, (*x, *y));
        }
        Geometry::LineString(p) => {
            put_header(out, LINESTRING);
            put_points(out, p);
        }
        Geometry::Polygon(r) => {
            put_header(out, POLYGON);
            put_rings(out, r);
        }
        Geometry::MultiPoint(p) => {
            put_header(out, MULTIPOINT);
            put_count(out, p.len());
            for &q in p {
                put_header(out, POINT);
                put_xy(out, q);
            }
        }
        Geometry::MultiLineString(ls) => {
            put_header(out, MULTILINESTRING);
            put_count(out, ls.len());
            for l in ls {
                put_header(out, LINESTRING);
                put_points(out, l);
            }
        }
        Geometry::MultiPolygon(ps) => {
            put_header(out, MULTIPOLYGON);
            put_count(out, ps.len());
            for p in ps {
                put_header(out, POLYGON);
                put_rings(out, p);
            }
        }
        Geometry::Collection(gs) => {
            put_header(out, COLLECTION);
            put_count(out, gs.len());
            for g in gs {
                write_wkb(out, g);
            }
        }
    }
}
