//! Event framing: the 19-byte common header, event type codes of both flavors, checksums.
//!
//! An [`Event`] is a borrowed view over one event's bytes exactly as the master wrote them;
//! replicant never re-encodes an event it relays.

use super::cursor::Cursor;
use super::error::{DecodeError, Result};

/// Size of the v4 common event header.
pub const HEADER_LEN: usize = 19;
/// Size of a CRC32 checksum trailer.
pub const CHECKSUM_LEN: usize = 4;
/// The four bytes every binlog and relay log file starts with.
pub const BINLOG_MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];
/// FDE header flag: the binlog file is open (not closed cleanly); outside the checksum.
pub const LOG_EVENT_BINLOG_IN_USE_F: u16 = 0x1;
/// Header flag: the event was made up by the master for the dump stream, not read from a binlog.
pub const LOG_EVENT_ARTIFICIAL_F: u16 = 0x20;

macro_rules! event_types {
    ($($name:ident = $code:expr, $text:expr;)*) => {
        /// Binlog event type codes, MySQL (0–42) and MariaDB (160–171) in one space: the two
        /// flavors never reuse each other's codes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum EventType {
            $(
                #[doc = $text]
                $name = $code,
            )*
        }

        impl EventType {
            /// The type for a code, `None` for codes neither flavor defines.
            pub fn from_code(code: u8) -> Option<EventType> {
                match code {
                    $($code => Some(EventType::$name),)*
                    _ => None,
                }
            }

            /// mysqlbinlog's name for the type (as in `SHOW BINLOG EVENTS`).
            pub fn name(self) -> &'static str {
                match self {
                    $(EventType::$name => $text,)*
                }
            }
        }
    };
}

event_types! {
    Unknown = 0, "Unknown";
    StartV3 = 1, "Start_v3";
    Query = 2, "Query";
    Stop = 3, "Stop";
    Rotate = 4, "Rotate";
    Intvar = 5, "Intvar";
    Load = 6, "Load";
    Slave = 7, "Slave";
    CreateFile = 8, "Create_file";
    AppendBlock = 9, "Append_block";
    ExecLoad = 10, "Exec_load";
    DeleteFile = 11, "Delete_file";
    NewLoad = 12, "New_load";
    Rand = 13, "RAND";
    UserVar = 14, "User var";
    FormatDescription = 15, "Format_desc";
    Xid = 16, "Xid";
    BeginLoadQuery = 17, "Begin_load_query";
    ExecuteLoadQuery = 18, "Execute_load_query";
    TableMap = 19, "Table_map";
    PreGaWriteRows = 20, "Write_rows_event_old";
    PreGaUpdateRows = 21, "Update_rows_event_old";
    PreGaDeleteRows = 22, "Delete_rows_event_old";
    WriteRowsV1 = 23, "Write_rows_v1";
    UpdateRowsV1 = 24, "Update_rows_v1";
    DeleteRowsV1 = 25, "Delete_rows_v1";
    Incident = 26, "Incident";
    Heartbeat = 27, "Heartbeat";
    Ignorable = 28, "Ignorable";
    RowsQuery = 29, "Rows_query";
    WriteRows = 30, "Write_rows";
    UpdateRows = 31, "Update_rows";
    DeleteRows = 32, "Delete_rows";
    Gtid = 33, "Gtid";
    AnonymousGtid = 34, "Anonymous_Gtid";
    PreviousGtids = 35, "Previous_gtids";
    TransactionContext = 36, "Transaction_context";
    ViewChange = 37, "View_change";
    XaPrepare = 38, "XA_prepare";
    PartialUpdateRows = 39, "Update_rows_partial";
    TransactionPayload = 40, "Transaction_payload";
    HeartbeatV2 = 41, "Heartbeat_v2";
    GtidTagged = 42, "Gtid_tagged_log";
    AnnotateRows = 160, "Annotate_rows";
    BinlogCheckpoint = 161, "Binlog_checkpoint";
    MariaGtid = 162, "Gtid";
    GtidList = 163, "Gtid_list";
    StartEncryption = 164, "Start_encryption";
    QueryCompressed = 165, "Query_compressed";
    WriteRowsCompressedV1 = 166, "Write_rows_compressed_v1";
    UpdateRowsCompressedV1 = 167, "Update_rows_compressed_v1";
    DeleteRowsCompressedV1 = 168, "Delete_rows_compressed_v1";
    WriteRowsCompressed = 169, "Write_rows_compressed";
    UpdateRowsCompressed = 170, "Update_rows_compressed";
    DeleteRowsCompressed = 171, "Delete_rows_compressed";
}

impl EventType {
    /// Name of a raw type code, also for codes no flavor defines.
    pub fn name_of(code: u8) -> &'static str {
        EventType::from_code(code).map_or("unknown type", EventType::name)
    }

    /// True for every rows event kind (write, update, delete; v0, v1, v2, compressed, partial).
    pub fn is_rows(self) -> bool {
        self.rows_kind().is_some()
    }

    /// The row operation and layout of a rows event type.
    pub fn rows_kind(self) -> Option<RowsKind> {
        use EventType::*;
        use RowsOp::*;
        let (op, version, compressed) = match self {
            PreGaWriteRows => (Write, 0, false),
            PreGaUpdateRows => (Update, 0, false),
            PreGaDeleteRows => (Delete, 0, false),
            WriteRowsV1 => (Write, 1, false),
            UpdateRowsV1 => (Update, 1, false),
            DeleteRowsV1 => (Delete, 1, false),
            WriteRows => (Write, 2, false),
            UpdateRows => (Update, 2, false),
            PartialUpdateRows => (PartialUpdate, 2, false),
            DeleteRows => (Delete, 2, false),
            WriteRowsCompressedV1 => (Write, 1, true),
            UpdateRowsCompressedV1 => (Update, 1, true),
            DeleteRowsCompressedV1 => (Delete, 1, true),
            WriteRowsCompressed => (Write, 2, true),
            UpdateRowsCompressed => (Update, 2, true),
            DeleteRowsCompressed => (Delete, 2, true),
            _ => return None,
        };
        Some(RowsKind {
            op,
            version,
            compressed,
        })
    }
}

/// What a rows event does to each row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowsOp {
    /// Insert: one after-image per row.
    Write,
    /// Update: before-image and after-image per row.
    Update,
    /// MySQL update carrying partial JSON diffs in the after-image.
    PartialUpdate,
    /// Delete: one before-image per row.
    Delete,
}

/// Layout of a rows event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowsKind {
    /// Operation.
    pub op: RowsOp,
    /// 0 (pre-GA 5.1), 1 (MariaDB, MySQL 5.1–5.5) or 2 (MySQL 5.6+ with extra-data header).
    pub version: u8,
    /// MariaDB compressed rows: the row data after the column bitmaps is zlib-compressed.
    pub compressed: bool,
}

/// The common header every v4 event starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventHeader {
    /// Seconds since the epoch when the statement began on the originating server.
    pub timestamp: u32,
    /// Raw type code.
    pub type_code: u8,
    /// server_id of the server where the event originated.
    pub server_id: u32,
    /// Size of the whole event, header and checksum included.
    pub event_size: u32,
    /// Offset just past this event in the originating binlog (0 for some artificial events).
    pub log_pos: u32,
    /// Header flags (`LOG_EVENT_ARTIFICIAL_F`, ...).
    pub flags: u16,
}

impl EventHeader {
    /// Parses the 19-byte header at the start of `buf`.
    pub fn parse(buf: &[u8]) -> Result<EventHeader> {
        let mut c = Cursor::new(buf);
        let h = EventHeader {
            timestamp: c.u32("event header")?,
            type_code: c.u8("event header")?,
            server_id: c.u32("event header")?,
            event_size: c.u32("event header")?,
            log_pos: c.u32("event header")?,
            flags: c.u16("event header")?,
        };
        if (h.event_size as usize) < HEADER_LEN {
            return Err(DecodeError::BadHeader(format!(
                "event size {} is smaller than the {HEADER_LEN}-byte header",
                h.event_size
            )));
        }
        Ok(h)
    }

    /// The event type, if known.
    pub fn event_type(&self) -> Option<EventType> {
        EventType::from_code(self.type_code)
    }

    /// Type name for messages.
    pub fn type_name(&self) -> &'static str {
        EventType::name_of(self.type_code)
    }

    /// True when the master made this event up for the dump stream (artificial rotate, ...).
    pub fn is_artificial(&self) -> bool {
        self.flags & LOG_EVENT_ARTIFICIAL_F != 0
    }
}

/// Checksum algorithm declared by a FORMAT_DESCRIPTION event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumAlg {
    /// No checksum trailer.
    Off,
    /// 4-byte CRC32 (ISO-HDLC) trailer over header and body.
    Crc32,
}

impl ChecksumAlg {
    /// Bytes the trailer takes.
    pub fn trailer_len(self) -> usize {
        match self {
            ChecksumAlg::Off => 0,
            ChecksumAlg::Crc32 => CHECKSUM_LEN,
        }
    }

    /// MySQL's name, as in `@@binlog_checksum`.
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlg::Off => "NONE",
            ChecksumAlg::Crc32 => "CRC32",
        }
    }
}

/// One event: its header and its exact bytes.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// Parsed common header.
    pub header: EventHeader,
    /// The whole event: header, body and checksum trailer, as written by the originating server.
    pub bytes: &'a [u8],
    /// Checksum trailer length in `bytes` (0 or 4).
    pub trailer_len: usize,
}

impl<'a> Event<'a> {
    /// Frames one event from `bytes` (which must hold exactly the event) and checks its CRC32
    /// when `alg` is CRC32. FORMAT_DESCRIPTION events declare their own algorithm, so for them
    /// `alg` is ignored and the declared one is used.
    pub fn new(bytes: &'a [u8], alg: ChecksumAlg) -> Result<Event<'a>> {
        let header = EventHeader::parse(bytes)?;
        if header.event_size as usize != bytes.len() {
            return Err(DecodeError::BadHeader(format!(
                "event size {} but {} bytes given",
                header.event_size,
                bytes.len()
            )));
        }
        // A checksum-aware FORMAT_DESCRIPTION always ends in the algorithm byte plus four
        // trailer bytes (zero when the algorithm is off); it declares its own algorithm.
        let (alg, trailer_len) = if header.type_code == EventType::FormatDescription as u8 {
            super::fde::declared_checksum(bytes)
        } else {
            (alg, alg.trailer_len())
        };
        if bytes.len() < HEADER_LEN + trailer_len {
            return Err(DecodeError::BadHeader(format!(
                "event size {} leaves no room for the checksum",
                bytes.len()
            )));
        }
        let ev = Event {
            header,
            bytes,
            trailer_len,
        };
        if alg == ChecksumAlg::Crc32 {
            ev.verify_crc32()?;
        }
        Ok(ev)
    }

    /// The body: after the header, before the checksum trailer.
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[HEADER_LEN..self.bytes.len() - self.trailer_len]
    }

    /// The stored checksum, if the event has one.
    pub fn stored_checksum(&self) -> Option<u32> {
        (self.trailer_len == CHECKSUM_LEN).then(|| {
            let t = &self.bytes[self.bytes.len() - CHECKSUM_LEN..];
            u32::from_le_bytes([t[0], t[1], t[2], t[3]])
        })
    }

    /// Event type, if known.
    pub fn event_type(&self) -> Option<EventType> {
        self.header.event_type()
    }

    fn verify_crc32(&self) -> Result<()> {
        let split = self.bytes.len() - CHECKSUM_LEN;
        let mut computed = crc32fast::hash(&self.bytes[..split]);
        if self.header.type_code == EventType::FormatDescription as u8
            && self.header.flags & LOG_EVENT_BINLOG_IN_USE_F != 0
        {
            // mysqld clears LOG_EVENT_BINLOG_IN_USE_F in place when it closes a binlog, so the
            // FDE's checksum is computed with the flag clear; readers clear it before checking
            // (Log_event_footer::event_checksum_test).
            let mut h = crc32fast::Hasher::new();
            h.update(&self.bytes[..17]);
            h.update(&[self.bytes[17] & !(LOG_EVENT_BINLOG_IN_USE_F as u8)]);
            h.update(&self.bytes[18..split]);
            computed = h.finalize();
        }
        let stored = self.stored_checksum().unwrap_or(0);
        if computed != stored {
            return Err(DecodeError::Checksum { stored, computed });
        }
        Ok(())
    }
}

/// CRC32 of `bytes`, as binlog checksums use it.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(type_code: u8, body: &[u8], checksum: bool) -> Vec<u8> {
        let size = HEADER_LEN + body.len() + if checksum { 4 } else { 0 };
        let mut v = Vec::new();
        v.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        v.push(type_code);
        v.extend_from_slice(&7u32.to_le_bytes());
        v.extend_from_slice(&(size as u32).to_le_bytes());
        v.extend_from_slice(&1234u32.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.extend_from_slice(body);
        if checksum {
            let c = crc32(&v);
            v.extend_from_slice(&c.to_le_bytes());
        }
        v
    }

    #[test]
    fn frames_and_verifies_checksum() {
        let bytes = event(16, &42u64.to_le_bytes(), true);
        let ev = Event::new(&bytes, ChecksumAlg::Crc32).unwrap();
        assert_eq!(ev.event_type(), Some(EventType::Xid));
        assert_eq!(ev.body(), &42u64.to_le_bytes());
        assert_eq!(ev.header.server_id, 7);

        let mut bad = bytes.clone();
        bad[HEADER_LEN] ^= 1;
        assert!(matches!(
            Event::new(&bad, ChecksumAlg::Crc32),
            Err(DecodeError::Checksum { .. })
        ));
    }

    #[test]
    fn rejects_impossible_sizes() {
        let mut bytes = event(16, &[], false);
        bytes[9..13].copy_from_slice(&3u32.to_le_bytes());
        assert!(matches!(
            Event::new(&bytes, ChecksumAlg::Off),
            Err(DecodeError::BadHeader(_))
        ));
    }

    #[test]
    fn type_codes_round_trip() {
        for code in 0..=255u8 {
            if let Some(t) = EventType::from_code(code) {
                assert_eq!(t as u8, code);
            }
        }
        assert_eq!(EventType::name_of(162), "Gtid");
        assert!(EventType::UpdateRowsCompressed.is_rows());
    }
}
