//! The mutator of tests/fuzz_parsers.rs: a corpus file split into events, and the random
//! damage done to them. A case depends only on the corpus, the base seed and its number,
//! so it replays exactly.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use replicant::binlog::events::TransactionPayload;
use replicant::binlog::file::{BinlogReader, MAX_EVENT_SIZE};
use replicant::binlog::{ChecksumAlg, EventType};

/// The common event header; its size field is at offset 9, its type code at 4.
const HEADER_LEN: usize = 19;
/// Type codes whose bodies replicant decodes: a mutated type code mostly becomes one of them.
const DECODED_TYPES: [u8; 28] = [
    2, 4, 5, 13, 14, 15, 16, 19, 20, 23, 24, 30, 31, 32, 33, 35, 39, 40, 160, 162, 163, 165, 166,
    167, 168, 169, 170, 171,
];

/// One event of a corpus file, as the mutator sees it.
#[derive(Clone)]
struct Ev {
    /// The whole event: header, body, checksum trailer.
    bytes: Vec<u8>,
    /// The description in force declares CRC32 for this event.
    crc: bool,
    /// Mutated: repair its size and checksum in a repairing case.
    dirty: bool,
    /// Its size field was corrupted on purpose: leave it alone when repairing.
    keep_size: bool,
}

/// A corpus file split into the magic, the events the reader could frame, and the rest.
pub struct Seed {
    /// File name, for reports.
    pub name: String,
    /// The magic (or whatever the first four bytes are).
    head: Vec<u8>,
    /// The events the reader framed, in order.
    events: Vec<Ev>,
    /// Bytes after the last framed event (all of a file that is no binlog).
    tail: Vec<u8>,
}

impl Seed {
    /// Frames `bytes` with the crate's own reader, noting which events carry a CRC32.
    pub fn split(name: String, bytes: &[u8]) -> Seed {
        let mut events = Vec::new();
        let mut end = bytes.len().min(4);
        if let Ok(mut r) = BinlogReader::new(bytes, name.clone()) {
            while let Ok(Some((pos, ev))) = r.next_event() {
                let range = pos as usize..pos as usize + ev.bytes.len();
                // After reading an FDE the reader holds the algorithm it declares for itself.
                let crc = r.fde().checksum == ChecksumAlg::Crc32;
                end = range.end;
                events.push(Ev {
                    bytes: bytes[range].to_vec(),
                    crc,
                    dirty: false,
                    keep_size: false,
                });
            }
        }
        Seed {
            name,
            head: bytes[..bytes.len().min(4)].to_vec(),
            events,
            tail: bytes[end..].to_vec(),
        }
    }
}

/// One mutated input and how it was made.
pub struct Case {
    /// Corpus file it came from.
    pub file: String,
    /// Whether sizes and checksums of mutated events were recomputed.
    pub repair: bool,
    /// What was done, in order.
    pub mutations: Vec<String>,
    /// The input.
    pub bytes: Vec<u8>,
}

impl Case {
    /// The case for a failure report, with the environment that replays it.
    pub fn describe(&self, index: u64, seed: u64) -> String {
        format!(
            "case {index} (FUZZ_SEED={seed:#x} FUZZ_CASE={index}): {}, {}, {}",
            self.file,
            if self.repair {
                "size and CRC32 recomputed"
            } else {
                "no repair"
            },
            self.mutations.join("; ")
        )
    }
}

/// Case `index` of the run with base `seed`: corpus files in turn, mutations from an RNG
/// seeded by both.
pub fn make_case(corpus: &[Seed], seed: u64, index: u64) -> Case {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let src = &corpus[(index % corpus.len() as u64) as usize];
    let mut events = src.events.clone();
    let mut tail = src.tail.clone();
    let mut cut = None;
    let repair = rng.gen_bool(0.5);
    let n = if rng.gen_ratio(1, 4) {
        rng.gen_range(2..=3)
    } else {
        1
    };
    let mutations: Vec<String> = (0..n)
        .map(|_| mutate(&mut rng, &mut events, &mut tail, &mut cut))
        .collect();
    if repair {
        for ev in events.iter_mut().filter(|e| e.dirty) {
            repair_event(ev);
        }
    }
    let mut bytes = src.head.clone();
    for ev in &events {
        bytes.extend_from_slice(&ev.bytes);
    }
    bytes.extend_from_slice(&tail);
    if let Some(at) = cut {
        bytes.truncate(at);
    }
    Case {
        file: src.name.clone(),
        repair,
        mutations,
        bytes,
    }
}

/// Makes a mutated event consistent again: its size field says its length, and its CRC32 (when
/// the file has checksums) matches its bytes: CRC32 of everything but the last 4 bytes,
/// stored little-endian in them.
fn repair_event(ev: &mut Ev) {
    let len = ev.bytes.len();
    if !ev.keep_size && len >= 13 {
        ev.bytes[9..13].copy_from_slice(&(len as u32).to_le_bytes());
    }
    if ev.crc && len >= HEADER_LEN + 4 {
        let crc = crc32fast::hash(&ev.bytes[..len - 4]);
        ev.bytes[len - 4..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Values that sit on the edges of fields `width` bytes wide.
fn interesting(rng: &mut StdRng, width: usize, current: u64, event_len: usize) -> u64 {
    let max = if width == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width)) - 1
    };
    let v = match rng.gen_range(0..9) {
        0 => 0,
        1 => 1,
        2 => max,
        3 => max >> 1,
        4 => (max >> 1) + 1,
        5 => current.wrapping_add(1),
        6 => current.wrapping_sub(1),
        7 => event_len as u64 + rng.gen_range(0..64),
        _ => rng.gen(),
    };
    v & max
}

fn write_le(bytes: &mut [u8], at: usize, width: usize, v: u64) {
    let end = (at + width).min(bytes.len());
    bytes[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
}

fn read_le(bytes: &[u8], at: usize, width: usize) -> u64 {
    let mut b = [0u8; 8];
    let end = (at + width).min(bytes.len());
    b[..end - at].copy_from_slice(&bytes[at..end]);
    u64::from_le_bytes(b)
}

fn type_of(ev: &Ev) -> Option<EventType> {
    ev.bytes.get(4).and_then(|&c| EventType::from_code(c))
}

/// Applies one random mutation, returning what it did.
fn mutate(
    rng: &mut StdRng,
    events: &mut Vec<Ev>,
    tail: &mut [u8],
    cut: &mut Option<usize>,
) -> String {
    if events.is_empty() {
        // Nothing framed (not a binlog, or damaged at once): flip bytes of what is there.
        if !tail.is_empty() {
            let at = rng.gen_range(0..tail.len());
            tail[at] ^= 1 << rng.gen_range(0..8);
            return format!("flip a bit of byte {at} past the last framed event");
        }
        *cut = Some(rng.gen_range(0..8));
        return "cut the file".into();
    }
    // Half the time prefer events with a body worth decoding.
    let big: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].bytes.len() >= HEADER_LEN + 24)
        .collect();
    let i = if rng.gen_bool(0.5) && !big.is_empty() {
        big[rng.gen_range(0..big.len())]
    } else {
        rng.gen_range(0..events.len())
    };
    if events[i].bytes.is_empty() {
        events.remove(i);
        return format!("event #{i}: dropped (emptied by an earlier mutation)");
    }
    let ev_name = type_of(&events[i]).map_or("unknown type", EventType::name);
    let what = format!("event #{i} ({ev_name})");
    let ev = &mut events[i];
    let len = ev.bytes.len();
    let body_at = |rng: &mut StdRng| {
        if len > HEADER_LEN {
            rng.gen_range(HEADER_LEN..len)
        } else {
            rng.gen_range(0..len)
        }
    };
    let was_dirty = ev.dirty;
    ev.dirty = true;
    match rng.gen_range(0..17) {
        0 => {
            let at = rng.gen_range(0..len);
            let bit = rng.gen_range(0..8);
            ev.bytes[at] ^= 1 << bit;
            format!("{what}: flip bit {bit} of byte {at}")
        }
        1 => {
            let at = body_at(rng);
            let n = rng.gen_range(1..=8).min(len - at);
            rng.fill(&mut ev.bytes[at..at + n]);
            format!("{what}: overwrite {n} bytes at {at}")
        }
        2 | 3 => {
            // The header and the post-header: type code, sizes, flags, table ids, lengths.
            let at = rng.gen_range(0..len.min(HEADER_LEN + 40));
            let width = [1, 2, 4, 8][rng.gen_range(0..4)];
            let v = interesting(rng, width, read_le(&ev.bytes, at, width), len);
            write_le(&mut ev.bytes, at, width, v);
            format!("{what}: {width}-byte field at {at} := {v:#x}")
        }
        4 => {
            // A length-encoded integer: a 0xfb..0xff marker and (often maximal) bytes.
            let at = body_at(rng);
            let marker = rng.gen_range(0xfbu8..=0xff);
            ev.bytes[at] = marker;
            let n = [2, 3, 8][rng.gen_range(0..3)].min(len - at - 1);
            let fill = if rng.gen_bool(0.5) { 0xff } else { rng.gen() };
            ev.bytes[at + 1..at + 1 + n].fill(fill);
            format!("{what}: lenenc {marker:#x} + {n} x {fill:#x} at {at}")
        }
        5 => {
            let at = body_at(rng);
            let n = rng.gen_range(1..=16);
            let junk: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            ev.bytes.splice(at..at, junk);
            format!("{what}: insert {n} bytes at {at}")
        }
        6 => {
            let at = body_at(rng);
            let n = rng.gen_range(1..=16).min(len - at);
            ev.bytes.drain(at..at + n);
            format!("{what}: delete {n} bytes at {at}")
        }
        7 => {
            let keep = rng.gen_range(0..len);
            ev.bytes.truncate(keep);
            format!("{what}: truncate to {keep} bytes")
        }
        8 => {
            let size: u32 = match rng.gen_range(0..8) {
                0 => 0,
                1 => rng.gen_range(1..=HEADER_LEN as u32 + 4),
                2 => len as u32 - 1,
                3 => len as u32 + 1,
                4 => len as u32 + rng.gen_range(2..100_000),
                5 => MAX_EVENT_SIZE,
                6 => MAX_EVENT_SIZE + 1,
                _ => rng.gen(),
            };
            if len >= 13 {
                ev.bytes[9..13].copy_from_slice(&size.to_le_bytes());
            }
            ev.keep_size = true;
            format!("{what}: event_size := {size}")
        }
        9 => {
            let code = if rng.gen_bool(0.8) {
                DECODED_TYPES[rng.gen_range(0..DECODED_TYPES.len())]
            } else {
                rng.gen()
            };
            if len > 4 {
                ev.bytes[4] = code;
            }
            format!("{what}: type code := {code}")
        }
        10 => retarget_rows(rng, events, i),
        11 => {
            events.remove(i);
            format!("{what}: dropped")
        }
        12 => {
            ev.dirty = was_dirty; // moved whole, not changed
            let copy = ev.clone();
            let to = rng.gen_range(0..=events.len());
            events.insert(to, copy);
            format!("{what}: duplicated to #{to}")
        }
        13 | 14 => retype_column(rng, events, i),
        15 => damage_payload(rng, events, i),
        _ => {
            let total: usize = 4 + events.iter().map(|e| e.bytes.len()).sum::<usize>();
            let at = rng.gen_range(0..total + tail.len());
            *cut = Some(at);
            format!("cut the file at {at}")
        }
    }
}

/// Rewrites a TRANSACTION_PAYLOAD with its inner events damaged, stored uncompressed or
/// recompressed with zstd, so that the damage reaches the inner framing and decoders
/// instead of stopping at decompression.
fn damage_payload(rng: &mut StdRng, events: &mut [Ev], fallback: usize) -> String {
    let payloads: Vec<usize> = (0..events.len())
        .filter(|&i| type_of(&events[i]) == Some(EventType::TransactionPayload))
        .collect();
    let inner = payloads
        .get(rng.gen_range(0..payloads.len().max(1)))
        .and_then(|&p| {
            let ev = &events[p];
            let end = ev.bytes.len().checked_sub(if ev.crc { 4 } else { 0 })?;
            let body = ev.bytes.get(HEADER_LEN..end)?;
            let inner = TransactionPayload::parse(body).ok()?.decompress().ok()?;
            (!inner.is_empty()).then_some((p, inner))
        });
    let Some((p, mut inner)) = inner else {
        let ev = &mut events[fallback];
        let at = rng.gen_range(0..ev.bytes.len());
        ev.bytes[at] ^= 0x02;
        return format!("event #{fallback}: flip bit 1 of byte {at} (no payload to damage)");
    };
    // Inner event starts, from their size fields.
    let mut starts = vec![0usize];
    loop {
        let last = starts[starts.len() - 1];
        let Some(size) = inner.get(last + 9..last + 13) else {
            break;
        };
        let next = last + u32::from_le_bytes(size.try_into().unwrap()) as usize;
        if next <= last || next >= inner.len() {
            break;
        }
        starts.push(next);
    }
    let what = match rng.gen_range(0..4) {
        0 => {
            let at = rng.gen_range(0..inner.len());
            inner[at] ^= 1 << rng.gen_range(0..8);
            format!("flip a bit of inner byte {at}")
        }
        1 => {
            let at = rng.gen_range(0..inner.len());
            let n = rng.gen_range(1..=8).min(inner.len() - at);
            rng.fill(&mut inner[at..at + n]);
            format!("overwrite {n} inner bytes at {at}")
        }
        2 => {
            let at = starts[rng.gen_range(0..starts.len())] + rng.gen_range(0..HEADER_LEN + 16);
            let width = [1, 2, 4][rng.gen_range(0..3)];
            if at < inner.len() {
                let v = interesting(rng, width, read_le(&inner, at, width), inner.len());
                write_le(&mut inner, at, width, v);
            }
            format!("{width}-byte inner field at {at}")
        }
        _ => {
            let keep = rng.gen_range(0..inner.len());
            inner.truncate(keep);
            format!("inner events cut to {keep} bytes")
        }
    };
    let zstd = rng.gen_bool(0.5);
    let ev = &mut events[p];
    ev.bytes = encode_payload(&ev.bytes[..HEADER_LEN], &inner, zstd, ev.crc);
    ev.dirty = true;
    let how = if zstd { "zstd" } else { "uncompressed" };
    format!("event #{p} (Transaction_payload): {what}, stored {how}")
}

/// A TRANSACTION_PAYLOAD event with `header`, holding `inner` (zstd-compressed or not), with
/// room for a checksum when `crc`; size and checksum are left to [`repair_event`].
fn encode_payload(header: &[u8], inner: &[u8], zstd: bool, crc: bool) -> Vec<u8> {
    let (compression, data) = if zstd {
        (
            0,
            zstd::encode_all(inner, 1).expect("zstd compression in memory"),
        )
    } else {
        (255, inner.to_vec())
    };
    let mut bytes = header.to_vec();
    for (field, value) in [
        (1, data.len() as u64),
        (2, compression),
        (3, inner.len() as u64),
    ] {
        let v = net_field_length(value);
        bytes.push(field);
        bytes.extend_from_slice(&net_field_length(v.len() as u64));
        bytes.extend_from_slice(&v);
    }
    bytes.push(0);
    bytes.extend_from_slice(&data);
    if crc {
        bytes.extend_from_slice(&[0; 4]);
    }
    bytes
}

/// MySQL's length-encoded integer, as TRANSACTION_PAYLOAD header fields use it.
fn net_field_length(v: u64) -> Vec<u8> {
    match v {
        0..=250 => vec![v as u8],
        251..=0xffff => [&[0xfc][..], &v.to_le_bytes()[..2]].concat(),
        0x1_0000..=0xff_ffff => [&[0xfd][..], &v.to_le_bytes()[..3]].concat(),
        _ => [&[0xfe][..], &v.to_le_bytes()[..]].concat(),
    }
}

/// Column type codes a TABLE_MAP may hold (MySQL and MariaDB).
const COLUMN_TYPES: [u8; 33] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 242, 245, 246, 247,
    248, 249, 250, 251, 252, 253, 254, 255,
];

/// Where a TABLE_MAP body keeps its column types and metadata.
#[derive(Clone)]
struct MapLayout {
    /// Body offset of the first column type byte.
    types: usize,
    /// Number of columns.
    columns: usize,
    /// Body offsets of the column metadata block.
    meta: std::ops::Range<usize>,
}

/// The [`MapLayout`] of a TABLE_MAP body in the v4 layout (8-byte post-header, fewer than
/// 251 columns).
fn table_map_layout(body: &[u8]) -> Option<MapLayout> {
    let mut at = 8;
    at += 1 + *body.get(at)? as usize + 1; // schema: length, name, NUL
    at += 1 + *body.get(at)? as usize + 1; // table
    let columns = *body.get(at)? as usize;
    if columns == 0 || columns >= 251 {
        return None;
    }
    let types = at + 1;
    let meta_len = *body.get(types + columns)? as usize;
    let meta = types + columns + 1..types + columns + 1 + meta_len;
    (meta_len < 251 && meta.end <= body.len()).then_some(MapLayout {
        types,
        columns,
        meta,
    })
}

/// Gives a column of a TABLE_MAP another type, or its metadata (precision, scale, length
/// bytes, fractional digits, ...) an edge value, so the rows that follow are decoded with
/// a description they were not written with.
fn retype_column(rng: &mut StdRng, events: &mut [Ev], fallback: usize) -> String {
    let maps: Vec<(usize, MapLayout)> = (0..events.len())
        .filter(|&i| type_of(&events[i]) == Some(EventType::TableMap))
        .filter_map(|i| Some((i, table_map_layout(events[i].bytes.get(HEADER_LEN..)?)?)))
        .collect();
    if maps.is_empty() {
        let ev = &mut events[fallback];
        let at = rng.gen_range(0..ev.bytes.len());
        ev.bytes[at] ^= 0x01;
        return format!("event #{fallback}: flip bit 0 of byte {at} (no table map to retype)");
    }
    let (m, layout) = maps[rng.gen_range(0..maps.len())].clone();
    let ev = &mut events[m];
    ev.dirty = true;
    if rng.gen_bool(0.5) || layout.meta.is_empty() {
        let c = rng.gen_range(0..layout.columns);
        let t = COLUMN_TYPES[rng.gen_range(0..COLUMN_TYPES.len())];
        ev.bytes[HEADER_LEN + layout.types + c] = t;
        format!("event #{m} (Table_map): column {c} type := {t}")
    } else {
        let at = rng.gen_range(layout.meta);
        let edges = [
            0u8, 1, 2, 3, 4, 6, 7, 8, 9, 30, 31, 32, 64, 65, 66, 0x7f, 0x80, 0xfe, 0xff,
        ];
        let v = if rng.gen_bool(0.8) {
            edges[rng.gen_range(0..edges.len())]
        } else {
            rng.gen()
        };
        ev.bytes[HEADER_LEN + at] = v;
        format!("event #{m} (Table_map): metadata byte {at} := {v:#x}")
    }
}

/// Points a rows event at another TABLE_MAP's table id, so its row images are decoded
/// against the wrong columns.
fn retarget_rows(rng: &mut StdRng, events: &mut [Ev], fallback: usize) -> String {
    let with = |t: fn(EventType) -> bool| -> Vec<usize> {
        (0..events.len())
            .filter(|&i| type_of(&events[i]).is_some_and(t) && events[i].bytes.len() >= 25)
            .collect()
    };
    let rows = with(EventType::is_rows);
    let maps = with(|t| t == EventType::TableMap);
    if rows.is_empty() || maps.is_empty() {
        events[fallback].bytes[0] ^= 0x80; // the timestamp: harmless unless a filter looks
        return format!("event #{fallback}: timestamp bit flip (no rows to retarget)");
    }
    let (r, m) = (
        rows[rng.gen_range(0..rows.len())],
        maps[rng.gen_range(0..maps.len())],
    );
    let id: [u8; 6] = events[m].bytes[HEADER_LEN..HEADER_LEN + 6]
        .try_into()
        .unwrap();
    events[r].bytes[HEADER_LEN..HEADER_LEN + 6].copy_from_slice(&id);
    events[r].dirty = true;
    format!("event #{r}: table id of the table map #{m}")
}

/// The mutator's TRANSACTION_PAYLOAD encoder writes what the reader reads: the corpus file
/// with every payload re-encoded, undamaged, and repaired.
pub fn reencode_payloads(seed: &Seed, zstd: bool) -> Vec<u8> {
    let mut bytes = seed.head.clone();
    for ev in &seed.events {
        let mut ev = ev.clone();
        if type_of(&ev) == Some(EventType::TransactionPayload) {
            let end = ev.bytes.len() - if ev.crc { 4 } else { 0 };
            let inner = TransactionPayload::parse(&ev.bytes[HEADER_LEN..end])
                .and_then(|p| p.decompress())
                .expect("the fixture's payload decodes");
            ev.bytes = encode_payload(&ev.bytes[..HEADER_LEN], &inner, zstd, ev.crc);
            repair_event(&mut ev);
        }
        bytes.extend_from_slice(&ev.bytes);
    }
    bytes.extend_from_slice(&seed.tail);
    bytes
}
