//! Decode errors for binlog bytes from the network or from disk.
//!
//! A decode error always says *what* was wrong; the caller that knows *where* (file name and
//! offset, or master coordinate) wraps it in [`DecodeError::At`] so the message a DBA reads
//! names the file, the position and the event type.

use std::fmt;

/// Why binlog bytes could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the structure needs: a truncated event or a torn file tail.
    #[error("truncated: need {need} bytes for {what}, have {have}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes required.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The file does not start with the binlog magic `\xfebin`.
    #[error("not a binlog file: bad magic {0:02x?}")]
    BadMagic([u8; 4]),
    /// The stored CRC32 does not match the event bytes.
    #[error("checksum mismatch: stored 0x{stored:08x}, computed 0x{computed:08x}")]
    Checksum {
        /// CRC32 found in the event's last four bytes.
        stored: u32,
        /// CRC32 of the event's other bytes.
        computed: u32,
    },
    /// The event header holds an impossible value (size smaller than a header, ...).
    #[error("invalid event header: {0}")]
    BadHeader(String),
    /// A field inside an event body is out of range or inconsistent.
    #[error("invalid {event} event: {reason}")]
    BadEvent {
        /// Event type name.
        event: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// Compressed payload could not be inflated.
    #[error("cannot decompress {what}: {reason}")]
    Decompress {
        /// What was compressed.
        what: &'static str,
        /// Error from the decompressor.
        reason: String,
    },
    /// The file could not be opened or read (missing, a directory, an I/O error): not a
    /// property of its bytes.
    #[error("{0}")]
    Io(String),
    /// An error at a known place: file (or stream) and byte offset.
    ///
    /// The message already ends with the underlying error, so it is deliberately not the
    /// `source()`: error reporters that print the chain (`{:#}` in `main`) would repeat it.
    #[error("{place} at position {pos}{}: {inner}", event_suffix(.event))]
    At {
        /// File path, or a description of the stream.
        place: String,
        /// Byte offset of the event start.
        pos: u64,
        /// Event type name, when the header could be read.
        event: Option<&'static str>,
        /// The underlying error.
        inner: Box<DecodeError>,
    },
}

fn event_suffix(event: &Option<&'static str>) -> String {
    match event {
        Some(e) => format!(" ({e})"),
        None => String::new(),
    }
}

impl DecodeError {
    /// Wraps `self` with the place (file or stream), offset and event type it occurred at.
    pub fn at(self, place: impl fmt::Display, pos: u64, event: Option<&'static str>) -> Self {
        DecodeError::At {
            place: place.to_string(),
            pos,
            event,
            inner: Box::new(self),
        }
    }

    /// Shorthand for [`DecodeError::BadEvent`].
    pub fn bad(event: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::BadEvent {
            event,
            reason: reason.into(),
        }
    }
}

/// Result alias for decoding.
pub type Result<T, E = DecodeError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_error_reads_once_in_a_chain() {
        let e = DecodeError::Truncated {
            what: "event header (file ends)",
            need: 19,
            have: 10,
        }
        .at("x.000001", 4, None);
        assert_eq!(
            format!("{:#}", anyhow::Error::from(e)),
            "x.000001 at position 4: truncated: need 19 bytes for event header (file ends), have 10"
        );
    }
}
