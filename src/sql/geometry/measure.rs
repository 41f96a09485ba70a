//! Planar measures: ST_X / ST_Y, bounding boxes and MBRContains, ST_Distance, ST_Contains.

use super::*;

// ---------------------------------------------------------------------------------------
// Accessors and bounding boxes
// ---------------------------------------------------------------------------------------

/// ST_X: a point's x; `None` for anything else.
pub fn x(g: &Geometry) -> Option<f64> {
    match g {
        Geometry::Point(x, _) => Some(*x),
        _ => None,
    }
}

/// ST_Y: a point's y; `None` for anything else.
pub fn y(g: &Geometry) -> Option<f64> {
    match g {
        Geometry::Point(_, y) => Some(*y),
        _ => None,
    }
}

/// Calls `f` on every coordinate of `g`, holes and collection members included.
fn visit(g: &Geometry, f: &mut dyn FnMut(Pt)) {
    match g {
        Geometry::Point(x, y) => f((*x, *y)),
        Geometry::LineString(p) | Geometry::MultiPoint(p) => {
            for &q in p {
                f(q);
            }
        }
        Geometry::Polygon(r) | Geometry::MultiLineString(r) => {
            for l in r {
                for &q in l {
                    f(q);
                }
            }
        }
        Geometry::MultiPolygon(ps) => {
            for r in ps {
                for l in r {
                    for &q in l {
                        f(q);
                    }
                }
            }
        }
        Geometry::Collection(gs) => {
            for g in gs {
                visit(g, f);
            }
        }
    }
}

/// The minimum bounding rectangle as (min x, min y, max x, max y); `None` when `g` has no
/// coordinates.
pub fn mbr(g: &Geometry) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    visit(g, &mut |(x, y): Pt| {
        b = Some(match b {
            None => (x, y, x, y),
            Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
        });
    });
    b
}

/// MBRContains: `b`'s bounding rectangle lies within `a`'s, edges included; false when
/// either is empty.
pub fn mbr_contains(a: &Geometry, b: &Geometry) -> bool {
    match (mbr(a), mbr(b)) {
        (Some((ax0, ay0, ax1, ay1)), Some((bx0, by0, bx1, by1))) => {
            ax0 <= bx0 && ay0 <= by0 && bx1 <= ax1 && by1 <= ay1
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Planar primitives
// ---------------------------------------------------------------------------------------

/// One piece of a geometry as the measures see it. Lines have two or more distinct
/// vertices (a line whose vertices all coincide is a point); areas have a non-empty first
/// ring.
#[derive(Clone, Copy)]
enum Prim<'a> {
    Point(Pt),
    Line(&'a [Pt]),
    Area(&'a [Vec<Pt>]),
}

fn prims(g: &Geometry) -> Vec<Prim<'_>> {
    let mut out = Vec::new();
    collect_prims(g, &mut out);
    out
}

fn collect_prims<'a>(g: &'a Geometry, out: &mut Vec<Prim<'a>>) {
    match g {
        Geometry::Point(x, y) => out.push(Prim::Point((*x, *y))),
        Geometry::MultiPoint(p) => out.extend(p.iter().map(|&q| Prim::Point(q))),
        Geometry::LineString(p) => push_line(out, p),
        Geometry::MultiLineString(ls) => {
            for l in ls {
                push_line(out, l);
            }
        }
        Geometry::Polygon(r) => push_area(out, r),
        Geometry::MultiPolygon(ps) => {
            for r in ps {
                push_area(out, r);
            }
        }
        Geometry::Collection(gs) => {
            for g in gs {
                collect_prims(g, out);
            }
        }
    }
}

fn push_line<'a>(out: &mut Vec<Prim<'a>>, p: &'a [Pt]) {
    match p.first() {
        None => {}
        Some(&q) if p.iter().all(|&v| v == q) => out.push(Prim::Point(q)),
        Some(_) => out.push(Prim::Line(p)),
    }
}

fn push_area<'a>(out: &mut Vec<Prim<'a>>, rings: &'a [Vec<Pt>]) {
    if rings.first().is_some_and(|r| !r.is_empty()) {
        out.push(Prim::Area(rings));
    }
}

fn sub(a: Pt, b: Pt) -> Pt {
    (a.0 - b.0, a.1 - b.1)
}

fn dot(a: Pt, b: Pt) -> f64 {
    a.0 * b.0 + a.1 * b.1
}

fn cross(a: Pt, b: Pt) -> f64 {
    a.0 * b.1 - a.1 * b.0
}

/// Twice the signed area of o-a-b: positive when b is left of o→a.
fn orient(o: Pt, a: Pt, b: Pt) -> f64 {
    cross(sub(a, o), sub(b, o))
}

fn in_box(p: Pt, a: Pt, b: Pt) -> bool {
    p.0 >= a.0.min(b.0) && p.0 <= a.0.max(b.0) && p.1 >= a.1.min(b.1) && p.1 <= a.1.max(b.1)
}

fn point_seg_dist(p: Pt, a: Pt, b: Pt) -> f64 {
    let d = sub(b, a);
    let len2 = dot(d, d);
    let t = if len2 > 0.0 {
        dot(sub(p, a), d) / len2
    } else {
        0.0
    };
    let q = if t <= 0.0 {
        a
    } else if t >= 1.0 {
        b
    } else {
        (a.0 + t * d.0, a.1 + t * d.1)
    };
    (p.0 - q.0).hypot(p.1 - q.1)
}

/// Whether segments a-b and c-d share a point (crossing, touching or overlapping).
fn segments_touch(a: Pt, b: Pt, c: Pt, d: Pt) -> bool {
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    let opposite = |u: f64, v: f64| (u > 0.0 && v < 0.0) || (u < 0.0 && v > 0.0);
    if opposite(d1, d2) && opposite(d3, d4) {
        return true;
    }
    (d1 == 0.0 && in_box(a, c, d))
        || (d2 == 0.0 && in_box(b, c, d))
        || (d3 == 0.0 && in_box(c, a, b))
        || (d4 == 0.0 && in_box(d, a, b))
}

fn seg_dist(a: Pt, b: Pt, c: Pt, d: Pt) -> f64 {
    if segments_touch(a, b, c, d) {
        return 0.0;
    }
    point_seg_dist(a, c, d)
        .min(point_seg_dist(b, c, d))
        .min(point_seg_dist(c, a, b))
        .min(point_seg_dist(d, a, b))
}

/// A ring's edges, closing it if its last vertex is not its first.
fn ring_edges(r: &[Pt]) -> impl Iterator<Item = (Pt, Pt)> + '_ {
    let close = match (r.first(), r.last()) {
        (Some(&a), Some(&b)) if a != b => Some((b, a)),
        _ => None,
    };
    r.windows(2).map(|w| (w[0], w[1])).chain(close)
}

fn all_ring_edges(rings: &[Vec<Pt>]) -> Vec<(Pt, Pt)> {
    let mut v = Vec::new();
    for r in rings {
        v.extend(ring_edges(r));
    }
    v
}

fn path_edges(l: &[Pt]) -> impl Iterator<Item = (Pt, Pt)> + '_ {
    l.windows(2).map(|w| (w[0], w[1]))
}

/// A primitive's segments: a point is one zero-length segment, an area its rings' edges.
fn segments(p: &Prim<'_>) -> Vec<(Pt, Pt)> {
    match *p {
        Prim::Point(q) => vec![(q, q)],
        Prim::Line(l) => path_edges(l).collect(),
        Prim::Area(r) => {
            let v = all_ring_edges(r);
            if v.is_empty() {
                vec![(r[0][0], r[0][0])]
            } else {
                v
            }
        }
    }
}

fn first_vertex(p: &Prim<'_>) -> Pt {
    match *p {
        Prim::Point(q) => q,
        Prim::Line(l) => l[0],
        Prim::Area(r) => r[0][0],
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Loc {
    Inside,
    Boundary,
    Outside,
}

/// Crossing-number test; points on the ring itself may land either way.
fn in_ring(p: Pt, ring: &[Pt]) -> bool {
    let mut inside = false;
    for (a, b) in ring_edges(ring) {
        if (a.1 > p.1) != (b.1 > p.1) {
            let x = a.0 + (p.1 - a.1) * (b.0 - a.0) / (b.1 - a.1);
            if p.0 < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Whether p lies on segment a-b: exactly when `tol` is 0, else within `tol`.
fn on_seg(p: Pt, a: Pt, b: Pt, tol: f64) -> bool {
    if tol == 0.0 {
        orient(a, b, p) == 0.0 && in_box(p, a, b)
    } else {
        point_seg_dist(p, a, b) <= tol
    }
}

/// Where p lies relative to a polygon.
fn locate(p: Pt, rings: &[Vec<Pt>], tol: f64) -> Loc {
    if rings
        .iter()
        .any(|r| ring_edges(r).any(|(a, b)| on_seg(p, a, b, tol)))
    {
        return Loc::Boundary;
    }
    // Rings combine by parity, as in MariaDB's gcalc: a "hole" reaching outside the
    // exterior ring adds area there rather than being ignored.
    let crossings = rings.iter().filter(|r| in_ring(p, r.as_slice())).count();
    if crossings % 2 == 1 {
        Loc::Inside
    } else {
        Loc::Outside
    }
}

// ---------------------------------------------------------------------------------------
// ST_Distance
// ---------------------------------------------------------------------------------------

/// ST_Distance: the planar (Euclidean) minimum distance between any point of `a` and any
/// point of `b`; 0 when they touch, cross, or one lies inside a polygon of the other (a
/// polygon's holes are not inside it, and a closed linestring encloses nothing). Members of
/// multi-geometries and collections each count. `None` when either has no coordinates.
///
/// Compares every segment of one with every segment of the other: fine for the shapes rows
/// hold, quadratic for huge ones.
pub fn distance(a: &Geometry, b: &Geometry) -> Option<f64> {
    let (pa, pb) = (prims(a), prims(b));
    if pa.is_empty() || pb.is_empty() {
        return None;
    }
    let mut best = f64::INFINITY;
    for p in &pa {
        for q in &pb {
            best = best.min(prim_dist(p, q));
            if best == 0.0 {
                return Some(0.0);
            }
        }
    }
    Some(best)
}

fn prim_dist(p: &Prim<'_>, q: &Prim<'_>) -> f64 {
    // If the boundaries do not meet, one primitive is wholly inside an area of the other
    // or wholly outside it, so testing one vertex decides.
    if let Prim::Area(r) = *q {
        if locate(first_vertex(p), r, 0.0) != Loc::Outside {
            return 0.0;
        }
    }
    if let Prim::Area(r) = *p {
        if locate(first_vertex(q), r, 0.0) != Loc::Outside {
            return 0.0;
        }
    }
    let (sp, sq) = (segments(p), segments(q));
    let mut best = f64::INFINITY;
    for &(a, b) in &sp {
        for &(c, d) in &sq {
            best = best.min(seg_dist(a, b, c, d));
            if best == 0.0 {
                return 0.0;
            }
        }
    }
    best
}

// ---------------------------------------------------------------------------------------
// ST_Contains
// ---------------------------------------------------------------------------------------

/// ST_Contains as MariaDB 10.11 answers it: no point of `b` lies outside `a` — a boundary
/// counts as inside (a polygon contains a point on its edge or corner and a line along its
/// edge; a linestring contains its ends), unlike OGC's definition, which MariaDB does not
/// follow there. False when either is empty.
///
/// How it decides, and where it approximates:
/// - each segment of `b` is cut wherever it meets `a`'s edges, and its vertices and the
///   midpoints of the pieces are located in `a`; a polygon `b` must also have no edge or
///   vertex of `a` inside it (which would put a hole or gap of `a` inside `b`), and a point
///   strictly inside `b` must lie inside `a`;
/// - a point is "on" a segment within 1e-12 of the coordinates' magnitude, so rounding in
///   the cut points does not decide boundary cases (point-to-point equality is exact);
/// - a polygon's rings combine by parity, as in MariaDB;
/// - for a collection `a`, each part of `b` must be covered by `a`'s points, or by its
///   lines, or by its polygons: a line lying partly on a line of `a` and partly inside a
///   polygon of `a` counts as not contained.
pub fn contains(a: &Geometry, b: &Geometry) -> bool {
    let (pa, pb) = (prims(a), prims(b));
    if pa.is_empty() || pb.is_empty() {
        return false;
    }
    let tol = tolerance(a, b);
    let groups = Groups::of(&pa);
    pb.iter().all(|q| groups.covers(q, tol))
}

fn tolerance(a: &Geometry, b: &Geometry) -> f64 {
    let mut m: f64 = 1.0;
    let mut f = |(x, y): Pt| m = m.max(x.abs()).max(y.abs());
    visit(a, &mut f);
    visit(b, &mut f);
    m * REL_TOL
}

/// Midpoints of the pieces segment a-b falls into when cut wherever it meets one of
/// `edges`: each piece then lies wholly inside, on, or outside whatever the edges bound.
fn pieces(a: Pt, b: Pt, edges: &[(Pt, Pt)], tol: f64) -> Vec<Pt> {
    let d = sub(b, a);
    let len2 = dot(d, d);
    if len2 == 0.0 || len2.is_nan() {
        return vec![a];
    }
    let mut ts = vec![0.0, 1.0];
    for &(c, e) in edges {
        let f = sub(e, c);
        let den = cross(d, f);
        if den != 0.0 {
            let ac = sub(c, a);
            let (t, u) = (cross(ac, f) / den, cross(ac, d) / den);
            if (0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u) {
                ts.push(t);
            }
        }
        for p in [c, e] {
            if on_seg(p, a, b, tol) {
                ts.push((dot(sub(p, a), d) / len2).clamp(0.0, 1.0));
            }
        }
    }
    ts.sort_by(f64::total_cmp);
    ts.windows(2)
        .filter(|w| w[1] - w[0] > REL_TOL)
        .map(|w| {
            let t = (w[0] + w[1]) / 2.0;
            (a.0 + t * d.0, a.1 + t * d.1)
        })
        .collect()
}

/// A point strictly inside a polygon (rings by parity), or `None` when it has no area: the
/// middle of the first interior span of a horizontal line between the two lowest vertex
/// heights, which passes through no vertex.
fn interior_point(rings: &[Vec<Pt>]) -> Option<Pt> {
    let mut ys: Vec<f64> = rings.iter().flatten().map(|p| p.1).collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    let y = (*ys.first()? + *ys.get(1)?) / 2.0;
    let mut xs = Vec::new();
    for (a, b) in all_ring_edges(rings) {
        if (a.1 > y) != (b.1 > y) {
            xs.push(a.0 + (y - a.1) * (b.0 - a.0) / (b.1 - a.1));
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2)
        .find(|w| w[1] > w[0])
        .map(|w| ((w[0] + w[1]) / 2.0, y))
}

/// The containing side of [`contains`], its primitives sorted by dimension.
struct Groups<'a> {
    points: Vec<Pt>,
    lines: Vec<&'a [Pt]>,
    areas: Vec<&'a [Vec<Pt>]>,
}

impl<'a> Groups<'a> {
    fn of(prims: &[Prim<'a>]) -> Groups<'a> {
        let mut g = Groups {
            points: Vec::new(),
            lines: Vec::new(),
            areas: Vec::new(),
        };
        for p in prims {
            match *p {
                Prim::Point(q) => g.points.push(q),
                Prim::Line(l) => g.lines.push(l),
                Prim::Area(r) => g.areas.push(r),
            }
        }
        g
    }

    /// Whether one group (the points, the lines or the areas) covers q, boundary included.
    fn covers(&self, q: &Prim<'_>, tol: f64) -> bool {
        self.points_cover(q) || self.lines_cover(q, tol) || self.areas_cover(q, tol)
    }

    fn points_cover(&self, q: &Prim<'_>) -> bool {
        matches!(*q, Prim::Point(p) if self.points.contains(&p))
    }

    fn on_lines(&self, p: Pt, tol: f64) -> bool {
        self.lines
            .iter()
            .any(|l| path_edges(l).any(|(a, b)| on_seg(p, a, b, tol)))
    }

    fn lines_cover(&self, q: &Prim<'_>, tol: f64) -> bool {
        if self.lines.is_empty() {
            return false;
        }
        match *q {
            Prim::Point(p) => self.on_lines(p, tol),
            Prim::Line(l) => {
                let edges: Vec<(Pt, Pt)> = self.lines.iter().flat_map(|m| path_edges(m)).collect();
                l.iter().all(|&v| self.on_lines(v, tol))
                    && path_edges(l).all(|(a, b)| {
                        pieces(a, b, &edges, tol)
                            .into_iter()
                            .all(|m| self.on_lines(m, tol))
                    })
            }
            Prim::Area(_) => false,
        }
    }

    fn locate(&self, p: Pt, tol: f64) -> Loc {
        let mut loc = Loc::Outside;
        for r in &self.areas {
            match locate(p, r, tol) {
                Loc::Inside => return Loc::Inside,
                Loc::Boundary => loc = Loc::Boundary,
                Loc::Outside => {}
            }
        }
        loc
    }

    fn area_edges(&self) -> Vec<(Pt, Pt)> {
        let mut v = Vec::new();
        for r in &self.areas {
            v.extend(all_ring_edges(r));
        }
        v
    }

    fn areas_cover(&self, q: &Prim<'_>, tol: f64) -> bool {
        if self.areas.is_empty() {
            return false;
        }
        match *q {
            Prim::Point(p) => self.locate(p, tol) != Loc::Outside,
            Prim::Line(l) => self.path_in_areas(&path_edges(l).collect::<Vec<_>>(), tol),
            Prim::Area(r) => self.area_in_areas(r, tol),
        }
    }

    /// Whether segments lie in the areas: vertices and cut pieces never outside.
    fn path_in_areas(&self, segs: &[(Pt, Pt)], tol: f64) -> bool {
        let edges = self.area_edges();
        segs.iter().all(|&(a, b)| {
            [a, b]
                .into_iter()
                .chain(pieces(a, b, &edges, tol))
                .all(|p| self.locate(p, tol) != Loc::Outside)
        })
    }

    fn area_in_areas(&self, rings: &[Vec<Pt>], tol: f64) -> bool {
        let edges_b = all_ring_edges(rings);
        let Some(ip) = interior_point(rings) else {
            // No area: only its outline counts.
            return self.path_in_areas(&edges_b, tol);
        };
        if !self.path_in_areas(&edges_b, tol) {
            return false;
        }
        // No edge or vertex of the areas inside `rings` (a hole or gap of them in it).
        for (c, e) in self.area_edges() {
            let probes = [c].into_iter().chain(pieces(c, e, &edges_b, tol));
            for p in probes {
                if locate(p, rings, tol) == Loc::Inside {
                    return false;
                }
            }
        }
        self.locate(ip, tol) == Loc::Inside
    }
}
