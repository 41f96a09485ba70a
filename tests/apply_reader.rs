//! The applier's relay reader against a live receiver: while replicant writes the relay log,
//! `GroupReader` tails it and must hand out exactly the master's transactions, in order,
//! each with the master coordinate just past it — none missing, none twice, none torn.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use ::replicant::apply::relay_reader::{GroupReader, RelayPos};
use ::replicant::binlog::file::BinlogReader;
use ::replicant::binlog::group::GroupTracker;
use ::replicant::binlog::{BinlogPos, EventType};
use support::*;

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
