//! The binlog writer against real files: what it writes reads back, and the mark decides
//! what survives a restart.

use super::*;
use crate::binlog::event::ChecksumAlg;

fn opts(dir: &Path) -> LogBinOptions {
    LogBinOptions {
        dir: dir.to_path_buf(),
        base: "rb".into(),
        max_size: 1 << 30,
        server_id: 7,
        checksum: true,
        sync: false,
        expire_secs: 0,
    }
}

/// A MariaDB-looking group: GTID 0-1-`seq`, a QUERY, an XID, checksummed as the master
/// wrote them (positions the master's).
fn group(seq: u64) -> Vec<Vec<u8>> {
    let ev = |t: u8, body: &[u8]| {
        let mut e = vec![0u8; HEADER_LEN];
        e[..4].copy_from_slice(&1_700_000_000u32.to_le_bytes());
        e[4] = t;
        e[5..9].copy_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(body);
        let size = e.len() + 4;
        e[9..13].copy_from_slice(&(size as u32).to_le_bytes());
        e[13..17].copy_from_slice(&999u32.to_le_bytes());
        let c = crate::binlog::event::crc32(&e);
        e.extend_from_slice(&c.to_le_bytes());
        e
    };
    let mut gtid = seq.to_le_bytes().to_vec();
    gtid.extend_from_slice(&0u32.to_le_bytes());
    gtid.push(0);
    vec![
        ev(162, &gtid),
        ev(2, b"query body"),
        ev(16, &seq.to_le_bytes()),
    ]
}

fn append(log: &mut LogBin, seq: u64, omitted: &[usize]) {
    let g = group(seq);
    let events: Vec<Event<'_>> = g
        .iter()
        .map(|b| Event::new(b, ChecksumAlg::Crc32).unwrap())
        .collect();
    log.append_group(&template_fde(), events.into_iter(), omitted)
        .unwrap();
}

/// Every event of `file`, as (type, end position), checksums checked.
fn events_of(dir: &Path, file: &str) -> Vec<(u8, u64)> {
    let mut r = crate::binlog::file::BinlogReader::open(&dir.join(file)).unwrap();
    let mut out = Vec::new();
    while let Ok(Some((_, ev))) = r.next_event() {
        out.push((ev.header.type_code, ev.header.log_pos as u64));
    }
    out
}

#[test]
fn written_events_read_back_and_the_mark_decides_what_survives() {
    let dir = tempfile::tempdir().unwrap();
    let shared = Arc::new(Shared::default());
    let (mut log, fresh) = LogBin::open(opts(dir.path()), None, shared.clone()).unwrap();
    let first = fresh.expect("a new binlog gives its first mark");
    assert_eq!(first.file, "rb.000001");
    append(&mut log, 1, &[]);
    append(&mut log, 2, &[1]);
    let mark = log.commit_mark().unwrap();
    log.committed(mark.clone());
    assert_eq!(mark.gtid_text(), "0-1-2");
    let evs = events_of(dir.path(), "rb.000001");
    let types: Vec<u8> = evs.iter().map(|e| e.0).collect();
    assert_eq!(types, [15, 163, 162, 2, 16, 162, 16]);
    // Positions are our own: each event ends where the next begins.
    assert_eq!(evs.last().unwrap().1, mark.pos);
    assert_eq!(
        std::fs::metadata(dir.path().join("rb.000001"))
            .unwrap()
            .len(),
        mark.pos
    );
    // A batch written but not committed, and a rotation after it: gone on reopening.
    append(&mut log, 3, &[]);
    log.rotate(None).unwrap();
    append(&mut log, 4, &[]);
    log.commit_mark().unwrap();
    drop(log);
    let (log, fresh) = LogBin::open(opts(dir.path()), Some(mark.clone()), shared).unwrap();
    assert!(fresh.is_none());
    assert_eq!(
        std::fs::metadata(dir.path().join("rb.000001"))
            .unwrap()
            .len(),
        mark.pos
    );
    assert!(!dir.path().join("rb.000002").exists());
    let index = std::fs::read_to_string(dir.path().join("rb.index")).unwrap();
    assert_eq!(index, "./rb.000001\n");
    // Reopened, it goes on in the same file, its format and checksums kept.
    let mut log = log;
    append(&mut log, 3, &[]);
    let later = log.commit_mark().unwrap();
    log.committed(later.clone());
    assert_eq!(later.file, "rb.000001");
    let evs = events_of(dir.path(), "rb.000001");
    assert_eq!(evs.len(), 10, "{evs:?}");
    assert_eq!(evs.last().unwrap().1, later.pos);
    drop(log);
    // A file shorter than the mark: a clear error, nothing cut.
    let mut long = mark.clone();
    long.pos += 100;
    long.pos = later.pos + 100;
    let e = LogBin::open(opts(dir.path()), Some(long), Arc::new(Shared::default()))
        .err()
        .unwrap();
    assert!(e.to_string().contains("rb.000001"), "{e}");
}

#[test]
fn rotation_carries_the_gtid_state_and_rollback_returns_to_the_mark() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.max_size = 300;
    let (mut log, _) = LogBin::open(o, None, Arc::new(Shared::default())).unwrap();
    append(&mut log, 5, &[]);
    append(&mut log, 6, &[]);
    let mark = log.commit_mark().unwrap();
    log.committed(mark.clone());
    // Past max_binlog_size: the next file, whose GTID_LIST holds 0-1-6.
    assert_eq!(mark.file, "rb.000002");
    let types: Vec<u8> = events_of(dir.path(), "rb.000001")
        .iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(types.last(), Some(&4), "ends with a ROTATE");
    let mut r = crate::binlog::file::BinlogReader::open(&dir.path().join("rb.000002")).unwrap();
    let (_, fde) = r.next_event().unwrap().unwrap();
    assert_eq!(fde.header.type_code, 15);
    let (_, ev) = r.next_event().unwrap().unwrap();
    assert_eq!(ev.header.type_code, 163);
    let list = crate::binlog::events::parse_gtid_list(ev.body()).unwrap();
    assert_eq!(list[0].to_string(), "0-1-6");
    // Rolled back: the file is back at the mark, and so is the state.
    append(&mut log, 7, &[]);
    log.commit_mark().unwrap();
    log.rollback().unwrap();
    let again = log.commit_mark().unwrap();
    assert_eq!(again, mark);
}
