//! Start-up recovery: find the next master position from the relay data and cut torn tails.

use std::path::Path;

use super::{advance, io_err, Checkpoint, RelayError, RelayIndex, RelayOptions};
use crate::binlog::file::{BinlogReader, Stop};
use crate::binlog::group::GroupTracker;
use crate::binlog::{BinlogPos, ChecksumAlg};

/// What recovery found.
pub(super) struct Outcome {
    /// Master coordinate just past the last complete event.
    pub master: Option<BinlogPos>,
    /// Checksum algorithm in force at the end of the relay log.
    pub checksum: ChecksumAlg,
    /// Bytes cut from a torn tail.
    pub truncated_bytes: u64,
}

/// Scans from the checkpoint (or from the first file when there is none) to the end of the
/// relay log, following the master position through every complete event.
///
/// A damaged tail of the *last* file is expected after a crash (events written but not yet
/// synced, or a half-written event) and is cut off with a warning. Damage in an earlier file
/// cannot come from a crash — every file is synced before the next one starts — so it is an
/// error naming the file and position, and nothing is cut.
pub(super) fn recover(
    opts: &RelayOptions,
    index: &RelayIndex,
    cp: Option<&Checkpoint>,
) -> Result<Outcome, RelayError> {
    let files = index.files();
    let alg_of = |c: &Checkpoint| {
        if c.checksum == "CRC32" {
            ChecksumAlg::Crc32
        } else {
            ChecksumAlg::Off
        }
    };
    let mut master = cp.map(|c| BinlogPos {
        file: c.master_file.clone(),
        offset: c.master_pos,
    });
    let mut checksum = cp.map_or(ChecksumAlg::Off, alg_of);
    let start = cp.and_then(|c| {
        files
            .iter()
            .position(|f| *f == c.relay_file)
            .map(|i| (i, c))
    });
    let (first, mut seek_to) = match start {
        Some((i, c)) => (i, Some((c.relay_pos, alg_of(c)))),
        None => {
            // No usable checkpoint: everything in the relay log is scanned.
            master = if files.is_empty() { master } else { None };
            (0, None)
        }
    };
    let mut truncated_bytes = 0;
    for (i, name) in files.iter().enumerate().skip(first) {
        let path = opts.dir.join(name);
        let is_last = i + 1 == files.len();
        let len = std::fs::metadata(&path)
            .map_err(io_err("stat", &path))?
            .len();
        let mut reader = match BinlogReader::open(&path) {
            Ok(r) => r,
            Err(e) if is_last => {
                tracing::warn!(file = %path.display(), error = %e, "relay log file unreadable at start; truncating it to empty");
                truncated_bytes += len;
                truncate(&path, 0)?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if let Some((pos, alg)) = seek_to.take() {
            if pos > 4 && pos <= len {
                reader.seek(pos)?;
                reader.set_checksum(alg);
            }
        }
        let mut good_end = reader.position();
        // Scanning starts at a group boundary: the checkpoint or a file start.
        let mut groups = GroupTracker::default();
        let mut boundary = (good_end, master.clone());
        loop {
            match reader.next_with_fde() {
                Ok(Some((at, ev, fde))) => {
                    // Offset 4 holds replicant's own FORMAT_DESCRIPTION, not a master event.
                    if at != 4 {
                        advance(&mut master, &ev);
                    }
                    let end = at + ev.bytes.len() as u64;
                    if groups.on_event(&ev, fde) {
                        boundary = (end, master.clone());
                    }
                    good_end = end;
                }
                Ok(None) => {
                    if is_last && boundary.0 < good_end {
                        // The stream stopped inside a transaction: cut the partial group so
                        // the master resends all of it.
                        tracing::info!(file = %path.display(), cut = good_end - boundary.0,
                            "relay log ends inside a transaction: cutting the partial group");
                        truncated_bytes += good_end - boundary.0;
                        truncate(&path, boundary.0)?;
                        master = boundary.1.clone();
                    }
                    break;
                }
                Err(stop) if is_last => {
                    let kind = match &stop {
                        Stop::TornTail { .. } => "torn tail",
                        Stop::Corrupt(_) => "damaged tail",
                    };
                    tracing::warn!(file = %path.display(), valid_end = good_end, cut = len - boundary.0,
                        cause = %stop, "relay log {kind}: truncating to the last complete transaction");
                    truncated_bytes += len - boundary.0;
                    truncate(&path, boundary.0)?;
                    master = boundary.1.clone();
                    break;
                }
                Err(stop) => return Err(stop.into_error().into()),
            }
        }
        checksum = reader.fde().checksum;
    }
    Ok(Outcome {
        master,
        checksum,
        truncated_bytes,
    })
}

fn truncate(path: &Path, len: u64) -> Result<(), RelayError> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io_err("open", path))?;
    super::written::note_cut();
    f.set_len(len).map_err(io_err("truncate", path))?;
    super::written::note_cut();
    f.sync_all().map_err(io_err("fsync", path))
}
