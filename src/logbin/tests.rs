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
    log.append_group(&template_fde(), events.into_iter(), omitted, &[])
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
    // A mark past the file's end (the binlog lost its tail): it goes on from the file's
    // end, nothing cut.
    let mut long = later.clone();
    long.pos += 100;
    let (log, _) = LogBin::open(opts(dir.path()), Some(long), Arc::new(Shared::default())).unwrap();
    assert_eq!(log.committed_mark(), &later);
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

/// A group written with one event left out: its STMT_END_F moves to the last rows event
/// kept, and an INTVAR serving a statement left out goes with it.
#[test]
fn leaving_events_out_keeps_statements_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = LogBin::open(opts(dir.path()), None, Arc::new(Shared::default())).unwrap();
    let ev = |t: u8, body: &[u8]| {
        let mut e = vec![0u8; HEADER_LEN];
        e[4] = t;
        e[5..9].copy_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(body);
        let size = e.len() + 4;
        e[9..13].copy_from_slice(&(size as u32).to_le_bytes());
        let c = crate::binlog::event::crc32(&e);
        e.extend_from_slice(&c.to_le_bytes());
        e
    };
    let rows = |flags: u16| {
        let mut b = vec![1, 0, 0, 0, 0, 0];
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(b"rows");
        b
    };
    let mut gtid = 9u64.to_le_bytes().to_vec();
    gtid.extend_from_slice(&[0, 0, 0, 0, 0]);
    let group = [
        ev(162, &gtid),
        ev(30, &rows(0)),
        ev(30, &rows(1)),
        ev(5, b"intvar body"),
        ev(2, b"query body"),
        ev(16, &9u64.to_le_bytes()),
    ];
    let events: Vec<Event<'_>> = group
        .iter()
        .map(|b| Event::new(b, ChecksumAlg::Crc32).unwrap())
        .collect();
    log.append_group(&template_fde(), events.into_iter(), &[2, 4], &[])
        .unwrap();
    let m = log.commit_mark().unwrap();
    log.committed(m);
    let mut r = crate::binlog::file::BinlogReader::open(&dir.path().join("rb.000001")).unwrap();
    let mut seen = Vec::new();
    while let Ok(Some((_, e))) = r.next_event() {
        let flags = (e.header.type_code == 30).then(|| e.body()[6]);
        seen.push((e.header.type_code, flags));
    }
    // FDE, GTID_LIST, GTID, the first rows event now ending the statement, XID.
    assert_eq!(
        seen,
        [
            (15, None),
            (163, None),
            (162, None),
            (30, Some(1)),
            (16, None)
        ]
    );
}

/// RESET MASTER committed but interrupted, and a file shorter than the store's mark:
/// both open, the first completing the reset, the second going on from the file's last
/// whole event.
#[test]
fn an_interrupted_reset_completes_and_a_short_file_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = LogBin::open(opts(dir.path()), None, Arc::new(Shared::default())).unwrap();
    append(&mut log, 1, &[]);
    log.rotate(None).unwrap();
    append(&mut log, 2, &[]);
    let mark = log.commit_mark().unwrap();
    log.committed(mark.clone());
    let reset = log.reset_mark();
    drop(log);
    let (log, fresh) =
        LogBin::open(opts(dir.path()), Some(reset), Arc::new(Shared::default())).unwrap();
    let fresh = fresh.expect("a new first file");
    assert_eq!((fresh.file.as_str(), fresh.gtids.len()), ("rb.000001", 0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rb.index")).unwrap(),
        "./rb.000001\n"
    );
    assert!(!dir.path().join("rb.000002").exists());
    drop(log);
    // The store holds more than the file (an OS crash with sync_binlog=0).
    let (mut log, _) = LogBin::open(
        opts(dir.path()),
        Some(fresh.clone()),
        Arc::new(Shared::default()),
    )
    .unwrap();
    append(&mut log, 3, &[]);
    let m3 = log.commit_mark().unwrap();
    log.committed(m3.clone());
    drop(log);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join("rb.000001"))
        .unwrap();
    f.set_len(m3.pos - 10).unwrap();
    let (mut log, _) = LogBin::open(
        opts(dir.path()),
        Some(m3.clone()),
        Arc::new(Shared::default()),
    )
    .unwrap();
    let now = log.commit_mark().unwrap();
    assert!(now.pos < m3.pos && now.pos > fresh.pos, "{now:?}");
    assert_eq!(
        now.gtid_text(),
        "0-1-3",
        "the GTID and QUERY survived, the XID was cut"
    );
}

/// PURGE stops before a file a dump is reading, and before the file the store's mark is in.
#[test]
fn purge_keeps_files_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let shared = Arc::new(Shared::default());
    let (mut log, _) = LogBin::open(opts(dir.path()), None, shared.clone()).unwrap();
    for seq in 1..=3 {
        append(&mut log, seq, &[]);
        log.rotate(None).unwrap();
        let m = log.commit_mark().unwrap();
        log.committed(m);
    }
    assert_eq!(log.files().len(), 4);
    shared.reading(7, Some("rb.000002"));
    assert_eq!(log.purge_to("rb.000004").unwrap(), ["rb.000001"]);
    shared.reading(7, None);
    assert_eq!(
        log.purge_to("rb.000004").unwrap(),
        ["rb.000002", "rb.000003"]
    );
    assert!(!dir.path().join("rb.000003").exists());
    assert_eq!(log.files()[0].0, "rb.000004");
}
