use super::text::num;
use super::*;

fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
}

fn wkt(s: &str) -> Geometry {
    from_wkt(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn line(pts: &[(f64, f64)]) -> Geometry {
    Geometry::LineString(pts.to_vec())
}

fn samples() -> Vec<Geometry> {
    vec![
        Geometry::Point(1.5, -2.0),
        line(&[(0.0, 0.0), (1.0, 1.0), (2.5, 0.1)]),
        Geometry::Polygon(vec![sq(0.0, 0.0, 10.0, 10.0), sq(2.0, 2.0, 3.0, 3.0)]),
        Geometry::MultiPoint(vec![(1.0, 1.0), (2.0, 2.0)]),
        Geometry::MultiLineString(vec![
            vec![(0.0, 0.0), (1.0, 1.0)],
            vec![(2.0, 2.0), (3.0, 3.0)],
        ]),
        Geometry::MultiPolygon(vec![
            vec![sq(0.0, 0.0, 1.0, 1.0)],
            vec![sq(5.0, 5.0, 9.0, 9.0), sq(6.0, 6.0, 7.0, 7.0)],
        ]),
        Geometry::Collection(vec![
            Geometry::Point(1.0, 1.0),
            line(&[(0.0, 0.0), (1.0, 1.0)]),
            Geometry::Polygon(vec![sq(0.0, 0.0, 1.0, 1.0)]),
        ]),
        Geometry::Collection(vec![]),
    ]
}

#[test]
fn wkb_round_trips_every_type() {
    let mut all = samples();
    all.push(Geometry::Collection(vec![Geometry::Collection(vec![
        Geometry::MultiPoint(vec![]),
    ])]));
    all.push(Geometry::LineString(vec![]));
    for g in all {
        let bytes = to_stored(4326, &g);
        assert_eq!(parse_stored(&bytes), Ok((4326, g.clone())), "{g:?}");
    }
}

#[test]
fn stored_point_layout_is_mariadbs() {
    let mut want = vec![0x10, 0x27, 0, 0, 1, 1, 0, 0, 0];
    want.extend_from_slice(&1.0f64.to_le_bytes());
    want.extend_from_slice(&2.0f64.to_le_bytes());
    assert_eq!(to_stored(10000, &Geometry::Point(1.0, 2.0)), want);
}

#[test]
fn big_endian_wkb_is_read() {
    let mut b = vec![0, 0, 0, 0, 0];
    b.extend_from_slice(&MULTIPOINT.to_be_bytes());
    b.extend_from_slice(&2u32.to_be_bytes());
    b.push(0);
    b.extend_from_slice(&POINT.to_be_bytes());
    b.extend_from_slice(&1.0f64.to_be_bytes());
    b.extend_from_slice(&2.0f64.to_be_bytes());
    b.push(1); // a little-endian member inside a big-endian multipoint
    b.extend_from_slice(&POINT.to_le_bytes());
    b.extend_from_slice(&3.0f64.to_le_bytes());
    b.extend_from_slice(&4.0f64.to_le_bytes());
    assert_eq!(
        parse_stored(&b),
        Ok((0, Geometry::MultiPoint(vec![(1.0, 2.0), (3.0, 4.0)])))
    );
}

#[test]
fn every_truncation_is_an_error() {
    for g in samples() {
        let bytes = to_stored(0, &g);
        for cut in 0..bytes.len() {
            assert!(parse_stored(&bytes[..cut]).is_err(), "{g:?} cut at {cut}");
        }
    }
}

fn header(order: u8, ty: u32) -> Vec<u8> {
    let mut b = vec![order];
    b.extend_from_slice(&ty.to_le_bytes());
    b
}

fn stored(body: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0];
    b.extend_from_slice(body);
    b
}

#[test]
fn garbage_is_an_error() {
    assert!(parse_stored(&[]).is_err());
    assert!(parse_stored(&[1, 2, 3]).is_err());
    assert!(parse_stored(&stored(&header(2, POINT))).is_err());
    for ty in [0, 8, 1001, 0x2000_0001, u32::MAX] {
        let mut b = header(1, ty);
        b.extend_from_slice(&[0; 16]);
        assert!(parse_stored(&stored(&b)).is_err(), "type {ty}");
    }
    // A multipoint whose member is a linestring.
    let mut b = header(1, MULTIPOINT);
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend(header(1, LINESTRING));
    b.extend_from_slice(&[0; 16]);
    assert!(parse_stored(&stored(&b)).is_err());
    // Trailing bytes.
    let mut b = to_stored(0, &Geometry::Point(1.0, 1.0));
    b.push(0);
    assert!(parse_stored(&b).is_err());
}

#[test]
fn huge_counts_fail_without_allocating() {
    for (ty, n) in [
        (LINESTRING, u32::MAX),
        (POLYGON, 0x4000_0000),
        (MULTIPOINT, 0x1000_0000),
        (MULTILINESTRING, u32::MAX),
        (MULTIPOLYGON, u32::MAX),
        (COLLECTION, u32::MAX),
    ] {
        let mut b = header(1, ty);
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&[0; 64]);
        assert!(parse_stored(&stored(&b)).is_err(), "type {ty}");
    }
}

fn nested(depth: usize) -> Vec<u8> {
    let mut b = Vec::new();
    for _ in 0..depth {
        b.extend(header(1, COLLECTION));
        b.extend_from_slice(&1u32.to_le_bytes());
    }
    b.extend(header(1, COLLECTION));
    b.extend_from_slice(&0u32.to_le_bytes());
    stored(&b)
}

#[test]
fn nesting_is_bounded() {
    assert!(parse_stored(&nested(MAX_DEPTH)).is_ok());
    assert!(parse_stored(&nested(MAX_DEPTH + 1)).is_err());
    assert!(parse_stored(&nested(10_000)).is_err());
}

#[test]
fn numbers_print_as_mariadb_does() {
    let cases = [
        (1.0, "1"),
        (-3.0, "-3"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-0.0, "-0"),
        (100.0, "100"),
        (1.0 / 3.0, "0.3333333333333333"),
        // Values from MariaDB's gis-precise.result.
        (46.666666666666664, "46.666666666666664"),
        (26.47058823529412, "26.47058823529412"),
        (0.001204543794827595, "0.001204543794827595"),
        (525000.9677614468, "525000.9677614468"),
        (1e14, "100000000000000"),
        (1e15, "1e15"),
        (123456789012345680.0, "1.2345678901234568e17"),
        (1234567890123456.7, "1234567890123456.8"),
        (1e-15, "0.000000000000001"),
        (1e-16, "1e-16"),
        (-1.5e-20, "-1.5e-20"),
        (1e300, "1e300"),
        (f64::NAN, "0"),
    ];
    for (x, want) in cases {
        assert_eq!(num(x), want, "{x:e}");
    }
}

#[test]
fn wkt_prints_as_st_astext() {
    let want = [
        "POINT(1.5 -2)",
        "LINESTRING(0 0,1 1,2.5 0.1)",
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 3,2 2))",
        "MULTIPOINT(1 1,2 2)",
        "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
        "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((5 5,9 5,9 9,5 9,5 5),(6 6,7 6,7 7,6 7,6 6)))",
        "GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1),POLYGON((0 0,1 0,1 1,0 1,0 0)))",
        "GEOMETRYCOLLECTION EMPTY",
    ];
    for (g, w) in samples().iter().zip(want) {
        assert_eq!(to_wkt(g), w);
    }
    assert_eq!(to_wkt(&Geometry::MultiPoint(vec![])), "MULTIPOINT EMPTY");
}

#[test]
fn wkt_round_trips() {
    for g in samples() {
        assert_eq!(from_wkt(&to_wkt(&g)), Ok(g.clone()), "{g:?}");
    }
}

#[test]
fn wkt_parsing_is_lenient_where_mariadb_is() {
    assert_eq!(wkt(" point ( 1  2 ) "), Geometry::Point(1.0, 2.0));
    assert_eq!(wkt("Point(+1 -0)"), Geometry::Point(1.0, -0.0));
    assert_eq!(
        wkt("LineString(0 0 , 1e1 -2.5E-1,3. 4)"),
        line(&[(0.0, 0.0), (10.0, -0.25), (3.0, 4.0)])
    );
    assert_eq!(
        wkt("\tPOLYGON((0 0,1 0,1 1,0 0))\n"),
        Geometry::Polygon(vec![vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0),]])
    );
    for empty in [
        "GEOMETRYCOLLECTION EMPTY",
        "geometrycollection()",
        "GeometryCollection ( )",
        "GEOMETRYCOLLECTION(empty)",
    ] {
        assert_eq!(wkt(empty), Geometry::Collection(vec![]), "{empty}");
    }
    assert_eq!(
        wkt("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))"),
        Geometry::MultiPolygon(vec![
            vec![vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]],
            vec![vec![(5.0, 5.0), (6.0, 5.0), (6.0, 6.0), (5.0, 5.0)]],
        ])
    );
}

#[test]
fn wkt_garbage_is_rejected() {
    for bad in [
        "",
        "POINT",
        "POINT()",
        "POINT(1)",
        "POINT(1 2",
        "POINT(1 2 3)",
        "POINT(1 2) x",
        "POINT(1 2),",
        "POINT(1 2)é",
        "POINT(.5 1)",
        "POINT(1e999 0)",
        "POINT(- 1)",
        "POINT(1e 2)",
        "POINT EMPTY",
        "LINESTRING()",
        "LINESTRING(0 0,)",
        "CIRCLE(1 2)",
        "POLYGON((0 0,1 0,1 1))",
        "POLYGON(0 0,1 0,1 1,0 0)",
        "MULTIPOINT((1 1),(2 2))",
        "MULTILINESTRING(0 0,1 1)",
        "GEOMETRYCOLLECTION(GEOMETRYCOLLECTION EMPTY)",
        "GEOMETRYCOLLECTION(POINT(1 1),)",
        "GEOMETRYCOLLECTION",
        "(1 2)",
    ] {
        assert!(from_wkt(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn geojson_prints_as_st_asgeojson() {
    // Expected strings from MariaDB's gis-json.result.
    let cases = [
        ("POINT(1 1)", r#"{"type": "Point", "coordinates": [1, 1]}"#),
        (
            "LINESTRING(10 10,20 10,20 20,10 20,10 10)",
            r#"{"type": "LineString", "coordinates": [[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]}"#,
        ),
        (
            "POLYGON((10 10,20 10,20 20,10 20,10 10))",
            r#"{"type": "Polygon", "coordinates": [[[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]]}"#,
        ),
        (
            "MULTIPOLYGON(((10 10,20 10,20 20,10 20,10 10)))",
            r#"{"type": "MultiPolygon", "coordinates": [[[[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]]]}"#,
        ),
        (
            "multilinestring((10 10,20 10,20 20,10 20,10 10))",
            r#"{"type": "MultiLineString", "coordinates": [[[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]]}"#,
        ),
        (
            "multipoint(10 10,20 10,20 20,10 20,10 10)",
            r#"{"type": "MultiPoint", "coordinates": [[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]}"#,
        ),
        (
            "GEOMETRYCOLLECTION(POINT(100 0),LINESTRING(101 0,102 1))",
            r#"{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [100, 0]}, {"type": "LineString", "coordinates": [[101, 0], [102, 1]]}]}"#,
        ),
        (
            "POINT(5.363 7.266)",
            r#"{"type": "Point", "coordinates": [5.363, 7.266]}"#,
        ),
        (
            "GEOMETRYCOLLECTION EMPTY",
            r#"{"type": "GeometryCollection", "geometries": []}"#,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(to_geojson(&wkt(text)), want, "{text}");
    }
    assert_eq!(
        to_geojson(&Geometry::MultiPolygon(vec![
            vec![sq(0.0, 0.0, 1.0, 1.0)],
            vec![sq(2.0, 2.0, 3.0, 3.0)]
        ])),
        r#"{"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]], [[[2, 2], [3, 2], [3, 3], [2, 3], [2, 2]]]]}"#
    );
}

#[test]
fn x_and_y_are_for_points_only() {
    let p = Geometry::Point(3.5, -1.0);
    assert_eq!((x(&p), y(&p)), (Some(3.5), Some(-1.0)));
    let l = line(&[(0.0, 0.0), (1.0, 1.0)]);
    assert_eq!((x(&l), y(&l)), (None, None));
    assert_eq!(x(&Geometry::MultiPoint(vec![(1.0, 1.0)])), None);
}

fn dist(a: &str, b: &str) -> f64 {
    let d = distance(&wkt(a), &wkt(b)).expect("distance");
    assert_eq!(Some(d), distance(&wkt(b), &wkt(a)), "not symmetric");
    d
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-12, "{got} != {want}");
}

#[test]
fn distances_between_points_and_lines() {
    assert_eq!(dist("POINT(0 0)", "POINT(3 4)"), 5.0);
    assert_eq!(dist("POINT(2 2)", "POINT(2 2)"), 0.0);
    assert_eq!(dist("POINT(0 1)", "LINESTRING(-1 0,1 0)"), 1.0);
    assert_eq!(dist("POINT(4 4)", "LINESTRING(0 0,1 0)"), 5.0);
    assert_eq!(dist("POINT(0.5 0)", "LINESTRING(0 0,1 0)"), 0.0);
    assert_eq!(dist("LINESTRING(0 0,2 2)", "LINESTRING(0 2,2 0)"), 0.0);
    assert_eq!(dist("LINESTRING(0 0,2 0)", "LINESTRING(0 1,2 1)"), 1.0);
    assert_eq!(dist("LINESTRING(0 0,1 0)", "LINESTRING(1 0,5 5)"), 0.0);
    assert_eq!(dist("MULTIPOINT(10 10,0 3)", "POINT(0 0)"), 3.0);
    assert_eq!(
        dist(
            "GEOMETRYCOLLECTION(POINT(9 9),LINESTRING(0 2,5 2))",
            "POINT(1 0)"
        ),
        2.0
    );
}

#[test]
fn distances_with_polygons() {
    let poly = "POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))";
    assert_eq!(dist("POINT(1 1)", poly), 0.0);
    assert_eq!(dist("POINT(0 5)", poly), 0.0);
    assert_eq!(dist("POINT(5 5)", poly), 1.0);
    assert_eq!(dist("POINT(13 14)", poly), 5.0);
    assert_eq!(dist("LINESTRING(2 2,3 3)", poly), 0.0);
    assert_eq!(dist("LINESTRING(-5 5,15 5)", poly), 0.0);
    assert_eq!(
        dist("POLYGON((4.5 4.5,5.5 4.5,5.5 5.5,4.5 4.5))", poly),
        0.5
    );
    // Values from MariaDB's gis-precise.result.
    close(
        dist(
            "polygon((0 0, 1 2, 2 1, 0 0))",
            "polygon((2 2, 3 4, 4 3, 2 2))",
        ),
        0.7071067811865475,
    );
    assert_eq!(
        dist("polygon((0 0, 1 2, 2 1, 0 0))", "linestring(0 1, 1 0)"),
        0.0
    );
    assert_eq!(
        dist(
            "polygon((0 0, 3 6, 6 3, 0 0))",
            "polygon((2 2, 3 4, 4 3, 2 2))"
        ),
        0.0
    );
    close(
        dist(
            "polygon((0 0, 3 6, 6 3, 0 0),(2 2, 3 4, 4 3, 2 2))",
            "point(3 3)",
        ),
        0.4472135954999579,
    );
    close(
        dist(
            "linestring(0 0, 3 6, 6 3, 0 0)",
            "polygon((2 2, 3 4, 4 3, 2 2))",
        ),
        0.8944271909999159,
    );
}

#[test]
fn distance_to_nothing_is_none() {
    let empty = Geometry::Collection(vec![]);
    assert_eq!(distance(&Geometry::Point(0.0, 0.0), &empty), None);
    assert_eq!(distance(&empty, &empty), None);
    let hollow = Geometry::Collection(vec![Geometry::MultiPoint(vec![])]);
    assert_eq!(distance(&hollow, &Geometry::Point(0.0, 0.0)), None);
}

fn cont(a: &str, b: &str) -> bool {
    contains(&wkt(a), &wkt(b))
}

#[test]
fn polygons_contain_their_boundaries_too() {
    // Values checked against MariaDB 10.11 (boundaries count as inside there).
    let poly = "POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))";
    assert!(cont(poly, "POINT(1 1)"));
    assert!(cont(poly, "POINT(0 5)"));
    assert!(cont(poly, "POINT(10 10)"));
    assert!(!cont(poly, "POINT(5 5)"));
    assert!(cont(poly, "POINT(4 5)"));
    assert!(!cont(poly, "POINT(11 5)"));
    assert!(cont(poly, "MULTIPOINT(1 1,0 0)"));
    assert!(cont(poly, "MULTIPOINT(0 0,10 0)"));
    assert!(cont(poly, "LINESTRING(4 4,6 4)"));
    assert!(!cont(
        "MULTIPOLYGON(((0 0,0 5,5 5,5 0,0 0)),((6 6,6 11,11 11,11 6,6 6)))",
        "POINT(5 10)"
    ));
    assert!(cont(
        "MULTIPOLYGON(((0 0,0 5,5 5,5 0,0 0)),((6 6,6 11,11 11,11 6,6 6)))",
        "MULTIPOINT(1 1,7 7)"
    ));
}

/// MariaDB's gis-precise.result: which of a grid of points ST_Contains accepts.
#[test]
fn contains_matches_mariadb_on_a_grid() {
    let grid = |poly: &str| -> Vec<(i32, i32)> {
        let mut hits = Vec::new();
        for x in [2, 4, 6, 8] {
            for y in [2, 4, 6, 8] {
                if cont(poly, &format!("POINT({x} {y})")) {
                    hits.push((x, y));
                }
            }
        }
        hits
    };
    assert_eq!(
        grid("POLYGON((5 1, 7 1, 7 7, 5 7, 3 3, 5 3, 5 1))"),
        vec![(4, 4), (6, 2), (6, 4), (6, 6)]
    );
    // The "hole" pokes out of the exterior; parity adds (8 4).
    assert_eq!(
        grid(
            "POLYGON((5 1, 7 1, 7 7, 5 7, 3 3, 5 3, 5 1), \
             (5.01 3.01, 6 5, 9 5, 8 3, 5.01 3.01))"
        ),
        vec![(4, 4), (6, 2), (6, 6), (8, 4)]
    );
}

#[test]
fn polygons_and_lines() {
    let tri = "POLYGON((10 10,30 20,20 40,10 10))";
    assert!(cont(tri, "LINESTRING(15 15,16 16)"));
    assert!(!cont(tri, "LINESTRING(15 15,50 50,60 60)"));
    let sq = "POLYGON((0 0,10 0,10 10,0 10,0 0))";
    assert!(cont(sq, "LINESTRING(0 0,10 0)"));
    assert!(cont(sq, "LINESTRING(0 0,10 10)"));
    assert!(cont(sq, "LINESTRING(0 0,5 0,5 5)"));
    // A chord of a concave polygon leaves it between two boundary vertices.
    let u = "POLYGON((0 0,10 0,10 10,7 10,7 3,3 3,3 10,0 10,0 0))";
    assert!(!cont(u, "LINESTRING(1 9,9 9)"));
    assert!(cont(u, "LINESTRING(1 1,9 1)"));
    assert!(cont(u, "LINESTRING(3 10,3 3,7 3,5 1)"));
}

#[test]
fn polygons_and_polygons() {
    assert!(cont(
        "POLYGON((0 0,30 5,10 40,0 0))",
        "POLYGON((1 1,20 10,10 30,1 1))"
    ));
    assert!(!cont(
        "POLYGON((10 10,30 20,20 40,10 10))",
        "POLYGON((0 0,20 10,10 30,0 0))"
    ));
    let holed = "POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))";
    assert!(cont(holed, holed));
    assert!(cont(holed, "POLYGON((1 1,2 1,2 2,1 2,1 1))"));
    assert!(cont(holed, "POLYGON((0 0,4 0,4 4,0 0))"));
    assert!(!cont(holed, "POLYGON((3 3,7 3,7 7,3 7,3 3))"));
    assert!(!cont(holed, "POLYGON((4 4,6 4,6 6,4 6,4 4))"));
    assert!(!cont(holed, "POLYGON((9 9,11 9,11 11,9 9))"));
    assert!(!cont("POLYGON((1 1,2 1,2 2,1 2,1 1))", holed));
    assert!(cont(
        "MULTIPOLYGON(((0 0,5 0,5 5,0 5,0 0)),((6 6,9 6,9 9,6 9,6 6)))",
        "MULTIPOLYGON(((1 1,2 1,2 2,1 1)),((7 7,8 7,8 8,7 7)))"
    ));
    assert!(!cont(
        "MULTIPOLYGON(((0 0,5 0,5 5,0 5,0 0)),((6 6,9 6,9 9,6 9,6 6)))",
        "POLYGON((1 1,8 1,8 8,1 1))"
    ));
}

#[test]
fn points_and_lines_contain() {
    assert!(cont("POINT(1 2)", "POINT(1 2)"));
    assert!(!cont("POINT(1 2)", "POINT(2 1)"));
    assert!(!cont("POINT(1 2)", "LINESTRING(1 2,3 3)"));
    assert!(cont("MULTIPOINT(1 1,2 2)", "POINT(2 2)"));
    assert!(cont("MULTIPOINT(1 1,2 2)", "MULTIPOINT(2 2,1 1)"));
    let l = "LINESTRING(0 0,10 0,10 10)";
    assert!(cont(l, "POINT(5 0)"));
    assert!(cont(l, "POINT(10 0)"));
    assert!(cont(l, "POINT(0 0)"));
    assert!(cont(l, "POINT(10 10)"));
    assert!(!cont(l, "POINT(5 1)"));
    assert!(cont("LINESTRING(0 0,1 0,1 1,0 0)", "POINT(0 0)"));
    assert!(cont("MULTILINESTRING((0 0,1 0),(1 0,2 0))", "POINT(0 0)"));
    assert!(cont("MULTILINESTRING((0 0,1 0),(1 0,2 0))", "POINT(1 0)"));
    assert!(cont(l, "LINESTRING(2 0,5 0)"));
    assert!(cont(l, "LINESTRING(4 0,10 0,10 1)"));
    assert!(cont(l, l));
    assert!(!cont(l, "LINESTRING(4 0,11 0)"));
    assert!(!cont("LINESTRING(0 0,4 0)", "LINESTRING(0 0,4 0,4 1)"));
    assert!(!cont(l, "POLYGON((0 0,1 0,1 1,0 0))"));
}

#[test]
fn collections_and_empties_contain() {
    let gc = "GEOMETRYCOLLECTION(POLYGON((0 0,10 0,10 10,0 10,0 0)),POINT(20 20))";
    assert!(cont(gc, "MULTIPOINT(1 1,20 20)"));
    assert!(!cont(gc, "POINT(30 30)"));
    assert!(cont(
        gc,
        "GEOMETRYCOLLECTION(POINT(5 5),LINESTRING(1 1,2 2))"
    ));
    let empty = Geometry::Collection(vec![]);
    let p = Geometry::Point(1.0, 1.0);
    assert!(!contains(&empty, &p));
    assert!(!contains(&p, &empty));
}

#[test]
fn mbrs() {
    assert_eq!(mbr(&Geometry::Point(1.0, 2.0)), Some((1.0, 2.0, 1.0, 2.0)));
    assert_eq!(
        mbr(&wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 4))")),
        Some((0.0, 0.0, 10.0, 10.0))
    );
    assert_eq!(
        mbr(&wkt("GEOMETRYCOLLECTION(POINT(-1 5),LINESTRING(2 -3,4 4))")),
        Some((-1.0, -3.0, 4.0, 5.0))
    );
    assert_eq!(mbr(&Geometry::Collection(vec![])), None);
    let big = wkt("POLYGON((0 0,10 0,10 10,0 10,0 0))");
    assert!(mbr_contains(&big, &wkt("POINT(5 5)")));
    assert!(mbr_contains(&big, &wkt("POINT(0 10)")));
    assert!(mbr_contains(&big, &big));
    assert!(mbr_contains(&big, &wkt("LINESTRING(1 1,10 5)")));
    assert!(!mbr_contains(&big, &wkt("LINESTRING(1 1,11 5)")));
    assert!(!mbr_contains(&wkt("POINT(5 5)"), &big));
    assert!(!mbr_contains(&big, &Geometry::Collection(vec![])));
}

proptest::proptest! {
    #[test]
    fn parse_never_panics_on_any_bytes(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..96)
    ) {
        let _ = parse_stored(&bytes);
    }

    #[test]
    fn parse_never_panics_on_damaged_values(
        at in 0usize..1000, byte in proptest::num::u8::ANY, cut in 0usize..1000
    ) {
        let g = Geometry::Collection(samples());
        let mut bytes = to_stored(0, &g);
        let i = at % bytes.len();
        bytes[i] = byte;
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = parse_stored(&bytes);
    }

    #[test]
    fn wkt_parser_never_panics(
        s in "(POINT|LINESTRING|POLYGON|MULTIPOINT|GEOMETRYCOLLECTION|EMPTY|\\(|\\)|,| |-|1|2\\.5|e|é)*"
    ) {
        let _ = from_wkt(&s);
    }

    #[test]
    fn measures_never_panic(
        xs in proptest::collection::vec(-5i8..5, 2..12), px in -6i8..6, py in -6i8..6
    ) {
        let pts: Vec<Pt> = xs.chunks(2).map(|c| (f64::from(c[0]), f64::from(c[c.len() - 1]))).collect();
        let mut ring = pts.clone();
        ring.push(pts[0]);
        let shapes = [
            Geometry::LineString(pts.clone()),
            Geometry::Polygon(vec![ring]),
            Geometry::MultiPoint(pts),
        ];
        let p = Geometry::Point(f64::from(px), f64::from(py));
        for a in &shapes {
            for b in shapes.iter().chain([&p]) {
                let _ = distance(a, b);
                let _ = contains(a, b);
                let _ = contains(b, a);
            }
        }
    }
}

fn arb_pt() -> impl proptest::strategy::Strategy<Value = (f64, f64)> {
    (-1e6f64..1e6, -1e6f64..1e6)
}

/// A geometry of one kind (rings closed, as WKT requires them).
fn arb_simple() -> impl proptest::strategy::Strategy<Value = Geometry> {
    use proptest::prelude::*;
    let pts = || proptest::collection::vec(arb_pt(), 2..6);
    let ring = || {
        proptest::collection::vec(arb_pt(), 3..6).prop_map(|mut r| {
            r.push(r[0]);
            r
        })
    };
    prop_oneof![
        arb_pt().prop_map(|(x, y)| Geometry::Point(x, y)),
        pts().prop_map(Geometry::LineString),
        proptest::collection::vec(ring(), 1..3).prop_map(Geometry::Polygon),
        pts().prop_map(Geometry::MultiPoint),
        proptest::collection::vec(pts(), 1..3).prop_map(Geometry::MultiLineString),
        proptest::collection::vec(proptest::collection::vec(ring(), 1..2), 1..3)
            .prop_map(Geometry::MultiPolygon),
    ]
}

/// A geometry or a collection of them (one level: MariaDB's WKT reader takes no deeper).
fn arb_flat() -> impl proptest::strategy::Strategy<Value = Geometry> {
    use proptest::prelude::*;
    prop_oneof![
        arb_simple(),
        proptest::collection::vec(arb_simple(), 0..4).prop_map(Geometry::Collection),
    ]
}

/// Any geometry, collections nested.
fn arb_geometry() -> impl proptest::strategy::Strategy<Value = Geometry> {
    use proptest::prelude::*;
    arb_simple().prop_recursive(2, 12, 4, |inner| {
        proptest::collection::vec(inner, 0..4).prop_map(Geometry::Collection)
    })
}

proptest::proptest! {
    /// A stored geometry reads back as itself, and a damaged copy never panics the reader.
    #[test]
    fn stored_geometries_round_trip(g in arb_geometry(), srid in proptest::num::u32::ANY, at in 0usize..400, byte in proptest::num::u8::ANY) {
        let bytes = to_stored(srid, &g);
        proptest::prop_assert_eq!(parse_stored(&bytes), Ok((srid, g.clone())));
        let mut damaged = bytes.clone();
        let i = at % damaged.len();
        damaged[i] = byte;
        let _ = parse_stored(&damaged);
        let _ = parse_stored(&bytes[..i]);
    }

    /// WKT printed by ST_AsText reads back as the same geometry (shortest digits
    /// round-trip), and arbitrary text never panics the reader.
    #[test]
    fn printed_wkt_reads_back(g in arb_flat(), junk in "\\PC{0,40}") {
        proptest::prop_assert_eq!(from_wkt(&to_wkt(&g)), Ok(g.clone()));
        let _ = from_wkt(&junk);
        let _ = to_geojson(&g);
    }
}
