//! `relaylog verify`: structure and checksums of every event, and every body decodes.
//!
//! It runs the printer's full decoding (rows included) into a sink, so "verify passes" means
//! exactly "print can show every event".

use std::path::{Path, PathBuf};

use super::print::{print_files, PrintError, PrintOptions};
use crate::binlog::file::BinlogReader;

/// Result of verifying one file.
#[derive(Debug)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Events read.
    pub events: u64,
    /// Bytes covered by complete events (including the magic).
    pub bytes: u64,
}

/// Verifies one file; the error names the first bad position.
pub fn verify_file(path: &Path) -> Result<FileReport, PrintError> {
    let mut r = BinlogReader::open(path)?;
    let mut events = 0;
    while r.next_event().map_err(|s| s.into_error())?.is_some() {
        events += 1;
    }
    let bytes = r.position();
    let opts = PrintOptions {
        verbose: true,
        ..PrintOptions::default()
    };
    print_files(&[path.to_path_buf()], &opts, &mut std::io::sink())?;
    Ok(FileReport {
        path: path.to_path_buf(),
        events,
        bytes,
    })
}
