//! The receiver checkpoint (`master-info.json`): a relay coordinate known to be durable and
//! the master coordinate that corresponds to it. It bounds the start-up scan; the relay data
//! after it decides the final position.

use std::io::Write;
use std::path::Path;

use super::{io_err, RelayError};

/// Name of the checkpoint file in the relay directory.
pub const FILE: &str = "master-info.json";

/// A durable (relay, master) coordinate pair.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Relay file name.
    pub relay_file: String,
    /// Offset just past the last durable event in it.
    pub relay_pos: u64,
    /// Master binlog file at that point.
    pub master_file: String,
    /// Master offset just past the corresponding master event.
    pub master_pos: u64,
    /// Checksum algorithm in force at that point (`CRC32` or `NONE`).
    pub checksum: String,
}

impl Checkpoint {
    /// Reads the checkpoint; `None` when there is none yet.
    pub fn load(dir: &Path) -> Result<Option<Checkpoint>, RelayError> {
        let path = dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| RelayError::Invalid {
                        path,
                        reason: format!("unreadable checkpoint: {e}"),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &path)(e)),
        }
    }

    /// Writes the checkpoint atomically.
    pub fn store(&self, dir: &Path) -> Result<(), RelayError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| RelayError::Invalid {
            path: dir.join(FILE),
            reason: e.to_string(),
        })?;
        write_atomic(dir, &dir.join(FILE), &bytes)
    }
}

/// Writes `path` so that a crash leaves either the old or the new content: temp file,
/// fsync, rename, fsync of the directory.
pub(crate) fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), RelayError> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(io_err("create", &tmp))?;
    f.write_all(bytes).map_err(io_err("write", &tmp))?;
    f.sync_all().map_err(io_err("fsync", &tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err("rename", path))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
