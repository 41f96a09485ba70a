//! Spatial functions over stored geometries (SRID and WKB).

use super::{int, strict, t, Func, Ret, Value};
use crate::sql::geometry as geo;

pub(super) const FUNCS: &[Func] = &[
    strict("ST_ASTEXT", 1, 1, Ret::Text, |a, _| {
        Ok(geometry(&a[0]).map_or(Value::Null, |(_, g)| Value::Text(geo::to_wkt(&g))))
    }),
    strict("ST_ASGEOJSON", 1, 3, Ret::Text, |a, _| {
        Ok(geometry(&a[0]).map_or(Value::Null, |(_, g)| Value::Text(geo::to_geojson(&g))))
    }),
    strict("ST_GEOMFROMTEXT", 1, 2, Ret::Bytes, |a, _| {
        Ok(from_wkt(&a, None))
    }),
    strict("ST_POINTFROMTEXT", 1, 2, Ret::Bytes, |a, _| {
        Ok(from_wkt(&a, Some("POINT")))
    }),
    strict("ST_LINEFROMTEXT", 1, 2, Ret::Bytes, |a, _| {
        Ok(from_wkt(&a, Some("LINESTRING")))
    }),
    strict("ST_POLYFROMTEXT", 1, 2, Ret::Bytes, |a, _| {
        Ok(from_wkt(&a, Some("POLYGON")))
    }),
    strict("POINT", 2, 2, Ret::Bytes, |a, _| {
        Ok(Value::Bytes(geo::to_stored(
            0,
            &geo::Geometry::Point(a[0].as_f64(), a[1].as_f64()),
        )))
    }),
    strict("ST_X", 1, 1, Ret::Double, |a, _| {
        Ok(geometry(&a[0])
            .and_then(|(_, g)| geo::x(&g))
            .map_or(Value::Null, Value::Double))
    }),
    strict("ST_Y", 1, 1, Ret::Double, |a, _| {
        Ok(geometry(&a[0])
            .and_then(|(_, g)| geo::y(&g))
            .map_or(Value::Null, Value::Double))
    }),
    strict("ST_SRID", 1, 1, Ret::Int, |a, _| {
        Ok(geometry(&a[0]).map_or(Value::Null, |(srid, _)| Value::Int(srid as i64)))
    }),
    strict("ST_DISTANCE", 2, 2, Ret::Double, |a, _| {
        Ok(match (geometry(&a[0]), geometry(&a[1])) {
            (Some((_, g)), Some((_, h))) => {
                geo::distance(&g, &h).map_or(Value::Null, Value::Double)
            }
            _ => Value::Null,
        })
    }),
    strict("ST_CONTAINS", 2, 2, Ret::Int, |a, _| {
        Ok(match (geometry(&a[0]), geometry(&a[1])) {
            (Some((_, g)), Some((_, h))) => Value::Int(geo::contains(&g, &h) as i64),
            _ => Value::Null,
        })
    }),
    strict("MBRCONTAINS", 2, 2, Ret::Int, |a, _| {
        Ok(match (geometry(&a[0]), geometry(&a[1])) {
            (Some((_, g)), Some((_, h))) => Value::Int(geo::mbr_contains(&g, &h) as i64),
            _ => Value::Null,
        })
    }),
];

/// A stored geometry value (SRID and WKB) as its SRID and shape; `None` for anything else.
fn geometry(v: &Value) -> Option<(u32, geo::Geometry)> {
    match v {
        Value::Bytes(b) => geo::parse_stored(b).ok(),
        _ => None,
    }
}

/// A geometry from WKT (`a[0]`) with SRID `a[1]`, NULL when the text is not one or not of
/// the type `want` names.
fn from_wkt(a: &[Value], want: Option<&str>) -> Value {
    let srid = a
        .get(1)
        .map_or(0, |v| int(v).clamp(0, u32::MAX as i64) as u32);
    match geo::from_wkt(&t(a, 0)) {
        Ok(g) if want.is_none_or(|w| geo::to_wkt(&g).starts_with(w)) => {
            Value::Bytes(geo::to_stored(srid, &g))
        }
        _ => Value::Null,
    }
}
