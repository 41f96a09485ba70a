//! `relaylog list`: the relay log index with each file's size and the master coordinates it
//! covers.

use std::path::Path;

use crate::binlog::file::BinlogReader;
use crate::binlog::BinlogPos;
use crate::relay::{RelayError, RelayIndex};

/// One line of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayFileInfo {
    /// File name.
    pub name: String,
    /// Size in bytes (None when the index names a missing file).
    pub size: Option<u64>,
    /// Events in the file.
    pub events: u64,
    /// Master coordinate at the start of the first master event in the file.
    pub first: Option<BinlogPos>,
    /// Master coordinate just past the last master event in the file.
    pub last: Option<BinlogPos>,
    /// Why the file could not be read completely, if it could not.
    pub error: Option<String>,
}

/// Reads the index of `base` in `dir` and summarises every file.
pub fn list(dir: &Path, base: &str) -> Result<Vec<RelayFileInfo>, RelayError> {
    let index = RelayIndex::read(dir, base)?;
    let mut master: Option<BinlogPos> = None;
    let mut out = Vec::new();
    for name in index.files() {
        let path = dir.join(name);
        let mut info = RelayFileInfo {
            name: name.clone(),
            size: std::fs::metadata(&path).ok().map(|m| m.len()),
            events: 0,
            first: None,
            last: None,
            error: None,
        };
        match BinlogReader::open(&path) {
            Err(e) => info.error = Some(e.to_string()),
            Ok(mut r) => loop {
                match r.next_event() {
                    Ok(Some((at, ev))) => {
                        info.events += 1;
                        if at == 4 {
                            continue; // replicant's own FORMAT_DESCRIPTION
                        }
                        crate::relay::advance(&mut master, &ev);
                        if info.first.is_none()
                            && ev.header.log_pos != 0
                            && !ev.header.is_artificial()
                        {
                            if let Some(m) = &master {
                                info.first = Some(BinlogPos {
                                    file: m.file.clone(),
                                    offset: m.offset.saturating_sub(ev.header.event_size as u64),
                                });
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(stop) => {
                        info.error = Some(stop.to_string());
                        break;
                    }
                }
            },
        }
        info.last = master.clone();
        out.push(info);
    }
    Ok(out)
}
