//! The binlog event layer: framing, checksums, typed zero-copy views over event bodies, and
//! binlog-format files (reading and writing), for both MySQL and MariaDB flavors.
//!
//! Architecture invariant: this module knows nothing about the network, the relay log's
//! index or the store. It turns bytes into typed views and back; every decode error names
//! what was wrong, and the reader wraps it with the file and position.

pub mod cursor;
pub mod decimal;
pub mod error;
pub mod event;
pub mod events;
pub mod fde;
pub mod file;
pub mod group;
pub mod gtid_set;
pub mod jsonb;
pub mod numfmt;
pub mod rows;
pub mod table_map;
pub mod temporal;
pub mod value;

pub use error::DecodeError;
pub use event::{ChecksumAlg, Event, EventHeader, EventType};
pub use fde::FormatDescription;

/// A coordinate in a master's binlog: file name and byte offset.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct BinlogPos {
    /// Binlog file name as the master names it, e.g. `mysql-bin.000003`.
    pub file: String,
    /// Byte offset in that file.
    pub offset: u64,
}

impl std::fmt::Display for BinlogPos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.offset)
    }
}
