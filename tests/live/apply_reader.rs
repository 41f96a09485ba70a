//! The applier's relay reader against a live receiver: while replicant writes the relay log,
//! `GroupReader` tails it and must hand out exactly the master's transactions, in order,
//! each with the master coordinate just past it — none missing, none twice, none torn.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::*;
use ::replicant::binlog::file::BinlogReader;
use ::replicant::binlog::group::GroupTracker;
use ::replicant::binlog::{BinlogPos, ChecksumAlg, Event, EventType};
use ::replicant::relay::reader::{GroupReader, RelayPos};
use ::replicant::relay::{RelayLog, RelayOptions};

/// Master coordinates just past every group in the master's binlogs.
fn master_group_ends(files: &[std::path::PathBuf]) -> Vec<BinlogPos> {
    let mut ends = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut r = BinlogReader::open(f).unwrap();
        let mut groups = GroupTracker::default();
        while let Some((_, ev, fde)) = r.next_with_fde().unwrap() {
            let was = groups.at_boundary();
            let fde = fde.clone();
            if groups.on_event(&ev, &fde) && !was {
                ends.push(BinlogPos {
                    file: name.clone(),
                    offset: ev.header.log_pos as u64,
                });
            }
        }
    }
    ends
}

#[test]
fn tails_the_relay_log_group_by_group() {
    tail_case(false);
}

/// The receiver is SIGKILLed and restarted while the reader tails: recovery cuts partial
/// groups from the relay file the reader may be halfway through.
#[test]
fn tails_across_receiver_crashes() {
    tail_case(true);
}

fn tail_case(kills: bool) {
    let m = MariaDb::start(MasterOpts::default());
    m.create_repl_user("repl", "repl");
    seed_db01_user(&m);
    let dir = tempfile::Builder::new()
        .prefix("rpl-ar-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let args = run_args(
        &datadir,
        m.port(),
        102,
        &["--max-relay-log-size=100000", "--relay-log-purge=0"],
    );
    let mut r = Replicant::spawn(&args);
    let index = datadir.join("relay-bin.index");
    r.wait_for("relay index", Duration::from_secs(60), || index.exists());

    // Read while the receiver writes: sysbench runs in the background.
    let port = m.port();
    let load = std::thread::spawn(move || {
        let common = ["--tables=2", "--table-size=500"];
        sysbench_at(port, "mysql", "oltp_write_only", "prepare", &common);
        let run = [&common[..], &["--time=4", "--threads=2"]].concat();
        sysbench_at(port, "mysql", "oltp_write_only", "run", &run);
    });

    let first = std::fs::read_to_string(&index).unwrap();
    let first = Path::new(first.lines().next().unwrap().trim())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut reader = GroupReader::open(
        &datadir,
        "relay-bin",
        RelayPos {
            file: first,
            offset: 4,
        },
        None,
        102,
    )
    .unwrap();
    let mut got: Vec<BinlogPos> = Vec::new();
    let mut events = 0usize;
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut load = Some(load);
    let mut kill_at = Instant::now() + Duration::from_millis(700);
    let mut kills_left = if kills { 4 } else { 0 };
    loop {
        if kills_left > 0 && Instant::now() >= kill_at {
            r.kill9();
            r = Replicant::spawn(&args);
            kills_left -= 1;
            kill_at = Instant::now() + Duration::from_millis(900);
        }
        match reader.next_group().unwrap() {
            Some(g) => {
                assert!(!g.is_empty());
                events += g.len();
                // Every group is whole: it ends with its commit (or is one statement).
                let last = g.events().last().unwrap();
                let t = last.event_type().unwrap();
                assert!(
                    matches!(t, EventType::Xid | EventType::Query),
                    "group ends with {t:?}"
                );
                got.push(g.master_end.clone().expect("master position"));
            }
            None => {
                if load.as_ref().is_some_and(|l| l.is_finished()) {
                    load.take().unwrap().join().unwrap();
                }
                if load.is_none() {
                    let (file, pos) = m.master_status();
                    if got
                        .last()
                        .is_some_and(|p| p.file == file && p.offset == pos)
                    {
                        break;
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "reader stalled at {:?}\n{}",
                    got.last(),
                    r.stderr()
                );
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    let want = master_group_ends(&m.binlog_files());
    assert_eq!(got.len(), want.len(), "group count differs");
    assert_eq!(got, want);
    assert!(
        events > got.len() * 3,
        "groups carry their events ({events} for {})",
        got.len()
    );
    let files = std::fs::read_to_string(&index).unwrap().lines().count();
    assert!(
        files > 2,
        "expected several relay files at 100 kB, got {files}"
    );
    r.terminate();
}

/// An artificial ROTATE as a dump starts with (log_pos 0, LOG_EVENT_ARTIFICIAL_F), naming
/// `file` at `pos`.
fn artificial_rotate(file: &str, pos: u64, alg: ChecksumAlg) -> Vec<u8> {
    let trailer = if alg == ChecksumAlg::Crc32 { 4 } else { 0 };
    let size = 19 + 8 + file.len() + trailer;
    let mut ev = Vec::with_capacity(size);
    ev.extend_from_slice(&0u32.to_le_bytes()); // timestamp
    ev.push(4); // ROTATE_EVENT
    ev.extend_from_slice(&1u32.to_le_bytes()); // server_id
    ev.extend_from_slice(&(size as u32).to_le_bytes());
    ev.extend_from_slice(&0u32.to_le_bytes()); // log_pos
    ev.extend_from_slice(&0x20u16.to_le_bytes()); // LOG_EVENT_ARTIFICIAL_F
    ev.extend_from_slice(&pos.to_le_bytes());
    ev.extend_from_slice(file.as_bytes());
    if trailer > 0 {
        let crc = ::replicant::binlog::event::crc32(&ev);
        ev.extend_from_slice(&crc.to_le_bytes());
    }
    ev
}

/// The receiver cuts a partial transaction after a broken stream and writes the new dump's
/// ROTATE and the whole transaction again, all between two looks of the reader, which had
/// read the cut part: the file is longer than the reader's offset again, but the bytes
/// there are others. The reader must read the group again from its start (it used to take
/// its old offset for an event start and stop with "relay log damaged").
#[test]
fn a_cut_rewritten_between_two_looks_is_read_again() {
    let m = master();
    m.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(200))");
    for i in 0..3 {
        m.sql(&format!(
            "BEGIN; INSERT INTO d.t VALUES ({i}, REPEAT('a', 150)); \
             INSERT INTO d.t VALUES ({}, REPEAT('b', 150)); COMMIT",
            i + 100
        ));
    }
    let binlog = m.binlog_files().pop().unwrap();
    let binlog_name = binlog.file_name().unwrap().to_string_lossy().into_owned();
    // The master's events, split into what comes before the groups and each group.
    let mut r = BinlogReader::open(&binlog).unwrap();
    let mut tracker = GroupTracker::default();
    let mut alg = ChecksumAlg::Off;
    let mut groups: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
    while let Some((_, ev, fde)) = r.next_with_fde().unwrap() {
        alg = fde.checksum;
        let fde = fde.clone();
        groups.last_mut().unwrap().push(ev.bytes.to_vec());
        let was = tracker.at_boundary();
        if tracker.on_event(&ev, &fde) && !was {
            groups.push(Vec::new());
        }
    }
    groups.pop();
    let want = master_group_ends(std::slice::from_ref(&binlog));
    assert_eq!(groups.len(), want.len(), "groups in the master's binlog");
    // The last three groups are the transactions 0, 1 and 2; txn 1 is cut.
    let t1 = groups.len() - 2;

    let dir = tempfile::Builder::new()
        .prefix("rpl-cut-")
        .tempdir_in("/tmp")
        .unwrap();
    let opts = RelayOptions {
        dir: dir.path().to_path_buf(),
        base: "relay-bin".into(),
        rotate_size: 1 << 30,
        sync_every: 0,
        server_id: 102,
    };
    let (mut relay, _) = RelayLog::open(opts).unwrap();
    let append = |relay: &mut RelayLog, bytes: &[u8]| {
        relay.append(&Event::new(bytes, alg).unwrap()).unwrap();
    };
    relay.begin_stream(alg).unwrap();
    append(&mut relay, &artificial_rotate(&binlog_name, 4, alg));
    for ev in groups[..t1].iter().flatten() {
        append(&mut relay, ev);
    }
    // Half of txn 1: its GTID, BEGIN and first TABLE_MAP + rows.
    let half = &groups[t1][..groups[t1].len() / 2 + 1];
    for ev in half {
        append(&mut relay, ev);
    }
    relay.sync().unwrap();

    let mut reader = GroupReader::open(
        dir.path(),
        "relay-bin",
        RelayPos {
            file: "relay-bin.000001".into(),
            offset: 4,
        },
        None,
        102,
    )
    .unwrap();
    let mut got = Vec::new();
    while let Some(g) = reader.next_group().unwrap() {
        got.push(g.master_end.clone().unwrap());
    }
    assert_eq!(got, want[..t1], "the groups before the partial one");
    let relay_len = std::fs::metadata(dir.path().join("relay-bin.000001"))
        .unwrap()
        .len();
    assert_eq!(
        reader.position().offset,
        relay_len,
        "the reader read the partial group to the end of the file"
    );

    // The stream breaks; the new dump resumes at txn 1's start, behind a ROTATE.
    relay.begin_stream(alg).unwrap();
    let resume = want[t1 - 1].offset;
    append(&mut relay, &artificial_rotate(&binlog_name, resume, alg));
    for ev in groups[t1..].iter().flatten() {
        append(&mut relay, ev);
    }
    relay.sync().unwrap();

    while let Some(g) = reader.next_group().unwrap() {
        let last = g.events().last().unwrap();
        assert_eq!(last.event_type(), Some(EventType::Xid));
        got.push(g.master_end.clone().unwrap());
    }
    assert_eq!(got, want, "every group once, in order, after the cut");
}
