//! Spatial values as MariaDB 10.11 keeps them: the stored GEOMETRY format (a 4-byte SRID, then
//! WKB), ST_AsText's WKT, ST_AsGeoJSON's JSON, ST_GeomFromText's WKT reader, and the planar
//! functions queries use most: ST_X / ST_Y, ST_Distance, ST_Contains, the MBR and MBRContains.
//!
//! Not here: spherical measures (ST_Distance_Sphere), constructive operations (union,
//! intersection, buffer), validity checks, GeoJSON parsing, SRID transforms and the full
//! DE-9IM relate matrix. SRIDs are carried, never interpreted; all geometry is planar.
//! [`contains`] is exact for points, lines and polygons and approximates for mixed
//! collections (its doc says where).
//!
//! The bytes may come from a relay log or a damaged store, so parsing never panics: counts
//! are checked against the bytes left before anything is allocated, and collection nesting
//! is bounded.

use std::fmt::Write as _;

/// A point as the algorithms see it: (x, y).
type Pt = (f64, f64);

/// Deepest GEOMETRYCOLLECTION nesting [`parse_stored`] accepts.
const MAX_DEPTH: usize = 32;

const POINT: u32 = 1;
const LINESTRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTIPOINT: u32 = 4;
const MULTILINESTRING: u32 = 5;
const MULTIPOLYGON: u32 = 6;
const COLLECTION: u32 = 7;

/// Relative tolerance of the on-a-line tests [`contains`] makes on computed points.
const REL_TOL: f64 = 1e-12;

/// A geometry value; coordinates are (x, y).
#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    /// POINT.
    Point(f64, f64),
    /// LINESTRING: its vertices.
    LineString(Vec<(f64, f64)>),
    /// POLYGON: the exterior ring, then the holes; each ring repeats its first vertex last.
    Polygon(Vec<Vec<(f64, f64)>>),
    /// MULTIPOINT.
    MultiPoint(Vec<(f64, f64)>),
    /// MULTILINESTRING.
    MultiLineString(Vec<Vec<(f64, f64)>>),
    /// MULTIPOLYGON: polygons, each as its rings.
    MultiPolygon(Vec<Vec<Vec<(f64, f64)>>>),
    /// GEOMETRYCOLLECTION.
    Collection(Vec<Geometry>),
}

mod measure;
mod text;
mod wkb;

pub use measure::{contains, distance, mbr, mbr_contains, x, y};
pub use text::{from_wkt, to_geojson, to_wkt};
pub use wkb::{parse_stored, to_stored};

#[cfg(test)]
mod tests;
