//! FORMAT_DESCRIPTION: the event that says how to read every event after it.
//!
//! It carries the server version, the common header length, one post-header length per
//! event type, and (since MySQL 5.6.1 / MariaDB 5.3) the checksum algorithm of the events
//! that follow.

use super::cursor::Cursor;
use super::error::{DecodeError, Result};
use super::event::{ChecksumAlg, EventType, CHECKSUM_LEN, HEADER_LEN};

/// Length of the fixed server-version field.
const SERVER_VERSION_LEN: usize = 50;
/// binlog_version + server_version + create_timestamp + header_length.
const FIXED_LEN: usize = 2 + SERVER_VERSION_LEN + 4 + 1;

/// A decoded FORMAT_DESCRIPTION event (owned: one lives per open file or stream).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatDescription {
    /// Binlog format version (4 for every server since MySQL 5.0).
    pub binlog_version: u16,
    /// Server version string, e.g. `10.11.6-MariaDB-log` or `8.0.36`.
    pub server_version: String,
    /// Seconds since the epoch when the binlog was created (0 when not at server start-up).
    pub create_timestamp: u32,
    /// Common header length (19 in v4).
    pub header_len: u8,
    /// Post-header length for event type code `i + 1`.
    pub post_header_lens: Vec<u8>,
    /// Checksum algorithm of the events that follow.
    pub checksum: ChecksumAlg,
    /// True when the server is MariaDB (its version string says so).
    pub mariadb: bool,
}

/// The checksum algorithm an FDE declares and the trailer length it has itself.
pub(crate) fn declared_checksum(event: &[u8]) -> (ChecksumAlg, usize) {
    if event.len() < HEADER_LEN + FIXED_LEN {
        return (ChecksumAlg::Off, 0);
    }
    let version = &event[HEADER_LEN + 2..HEADER_LEN + 2 + SERVER_VERSION_LEN];
    if !checksum_aware(version) || event.len() < HEADER_LEN + FIXED_LEN + 1 + CHECKSUM_LEN {
        return (ChecksumAlg::Off, 0);
    }
    let alg = match event[event.len() - CHECKSUM_LEN - 1] {
        1 => ChecksumAlg::Crc32,
        _ => ChecksumAlg::Off,
    };
    (alg, CHECKSUM_LEN)
}

/// Servers from MySQL 5.6.1 and MariaDB 5.3 on end the FDE with a checksum algorithm byte.
fn checksum_aware(version: &[u8]) -> bool {
    let end = version
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(version.len());
    let v = &version[..end];
    let text = String::from_utf8_lossy(v);
    let mut nums = text
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let triple = (
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
    );
    if text.contains("MariaDB") {
        triple >= (5, 3, 0)
    } else {
        triple >= (5, 6, 1)
    }
}

/// The MySQL 5.1 development trees (wl2325 "alcatel" drops) that gave TABLE_MAP, the pre-GA
/// rows events, XID and the LOAD QUERY events other type codes than any release. mysqld
/// recognises them by these server versions (`5.1.[1-5]-a_drop5*`, `5.1.4-a_drop6*`,
/// `5.2.[0-2]-a_drop6*`, see `event_type_permutation` in MySQL 5.1's log_event.cc) and remaps
/// the codes; replicant refuses them instead of misreading a table map as an Xid.
fn renumbered_dev_build(version: &str) -> bool {
    let v = version.as_bytes();
    if v.len() < 13 || !v.starts_with(b"5.") || v[3] != b'.' || &v[5..12] != b"-a_drop" {
        return false;
    }
    let (minor, patch, drop) = (v[2], v[4], v[12]);
    (minor == b'1' && (b'1'..=b'5').contains(&patch) && drop == b'5')
        || (minor == b'1' && patch == b'4' && drop == b'6')
        || (minor == b'2' && (b'0'..=b'2').contains(&patch) && drop == b'6')
}

impl FormatDescription {
    /// Decodes an FDE from its full event bytes (header included).
    pub fn parse(event: &[u8]) -> Result<FormatDescription> {
        let (checksum, trailer) = declared_checksum(event);
        if event.len() < HEADER_LEN + FIXED_LEN + trailer {
            return Err(DecodeError::Truncated {
                what: "Format_desc body",
                need: HEADER_LEN + FIXED_LEN + trailer,
                have: event.len(),
            });
        }
        let body = &event[HEADER_LEN..event.len() - trailer];
        let mut c = Cursor::new(body);
        let binlog_version = c.u16("binlog version")?;
        let raw_version = c.bytes(SERVER_VERSION_LEN, "server version")?;
        let end = raw_version
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(SERVER_VERSION_LEN);
        let server_version = String::from_utf8_lossy(&raw_version[..end]).into_owned();
        let create_timestamp = c.u32("create timestamp")?;
        let header_len = c.u8("header length")?;
        if header_len as usize != HEADER_LEN {
            return Err(DecodeError::bad(
                "Format_desc",
                format!(
                    "common header length {header_len}, only {HEADER_LEN} (binlog v4) is supported"
                ),
            ));
        }
        if renumbered_dev_build(&server_version) {
            return Err(DecodeError::bad(
                "Format_desc",
                format!(
                    "server version {server_version} is a pre-GA MySQL 5.1 development build \
                     that numbers event types differently from every release; not supported"
                ),
            ));
        }
        let mut lens = c.rest();
        if trailer > 0 {
            // The algorithm byte sits between the post-header lengths and the trailer.
            lens = &lens[..lens.len().saturating_sub(1)];
        }
        Ok(FormatDescription {
            binlog_version,
            mariadb: server_version.contains("MariaDB"),
            server_version,
            create_timestamp,
            header_len,
            post_header_lens: lens.to_vec(),
            checksum,
        })
    }

    /// The description used before any FDE was seen (binlog v4 defaults, no checksum): only
    /// for reading a stream that starts mid-file.
    pub fn assumed_v4() -> FormatDescription {
        FormatDescription {
            binlog_version: 4,
            server_version: String::from("5.0.0"),
            create_timestamp: 0,
            header_len: HEADER_LEN as u8,
            post_header_lens: Vec::new(),
            checksum: ChecksumAlg::Off,
            mariadb: false,
        }
    }

    /// The server ends its FDE with a checksum algorithm byte, and its events may carry
    /// checksums (MySQL 5.6.1 / MariaDB 5.3 and later).
    pub fn checksum_aware(&self) -> bool {
        checksum_aware(self.server_version.as_bytes())
    }

    /// Post-header length of an event type; `default` when this FDE does not list the type.
    pub fn post_header_len(&self, t: EventType, default: u8) -> u8 {
        let code = t as usize;
        if code == 0 {
            return default;
        }
        self.post_header_lens
            .get(code - 1)
            .copied()
            .unwrap_or(default)
    }

    /// Builds the event bytes of an FDE with this description, from `server_id`, at
    /// `timestamp`, with `log_pos` as the end position: how replicant starts its relay files.
    pub fn encode(&self, timestamp: u32, server_id: u32, log_pos: u32) -> Vec<u8> {
        let checksum_aware = checksum_aware(self.server_version.as_bytes());
        let trailer = if checksum_aware { 1 + CHECKSUM_LEN } else { 0 };
        let size = HEADER_LEN + FIXED_LEN + self.post_header_lens.len() + trailer;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&timestamp.to_le_bytes());
        out.push(EventType::FormatDescription as u8);
        out.extend_from_slice(&server_id.to_le_bytes());
        out.extend_from_slice(&(size as u32).to_le_bytes());
        out.extend_from_slice(&log_pos.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&self.binlog_version.to_le_bytes());
        let mut version = [0u8; SERVER_VERSION_LEN];
        let v = self.server_version.as_bytes();
        let n = v.len().min(SERVER_VERSION_LEN - 1);
        version[..n].copy_from_slice(&v[..n]);
        out.extend_from_slice(&version);
        out.extend_from_slice(&self.create_timestamp.to_le_bytes());
        out.push(self.header_len);
        out.extend_from_slice(&self.post_header_lens);
        if checksum_aware {
            match self.checksum {
                ChecksumAlg::Off => {
                    out.push(0);
                    out.extend_from_slice(&[0; CHECKSUM_LEN]);
                }
                ChecksumAlg::Crc32 => {
                    out.push(1);
                    let crc = super::event::crc32(&out);
                    out.extend_from_slice(&crc.to_le_bytes());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::event::Event;

    fn sample(checksum: ChecksumAlg, version: &str) -> FormatDescription {
        FormatDescription {
            binlog_version: 4,
            server_version: version.to_string(),
            create_timestamp: 0,
            header_len: 19,
            post_header_lens: (0..40u8).collect(),
            checksum,
            mariadb: version.contains("MariaDB"),
        }
    }

    #[test]
    fn encode_parse_round_trip() {
        for alg in [ChecksumAlg::Off, ChecksumAlg::Crc32] {
            for version in ["10.11.6-MariaDB-log", "8.0.36", "5.5.40-log"] {
                let fde = sample(alg, version);
                let bytes = fde.encode(1, 2, 0);
                let ev = Event::new(&bytes, ChecksumAlg::Off).unwrap();
                let parsed = FormatDescription::parse(ev.bytes).unwrap();
                let expect_alg = if version.starts_with("5.5") {
                    ChecksumAlg::Off
                } else {
                    alg
                };
                assert_eq!(parsed.checksum, expect_alg, "{version}");
                assert_eq!(parsed.post_header_lens, fde.post_header_lens);
                assert_eq!(parsed.server_version, version);
            }
        }
    }

    /// The FORMAT_DESCRIPTION of the fixture ver_5_1-wl2325_r.001 (MySQL test suite's
    /// "alcatel tree" binlog): its type 16 is a TABLE_MAP, which used to print as an Xid.
    #[test]
    fn renumbered_dev_builds_are_refused() {
        let mut fde = sample(ChecksumAlg::Off, "5.2.2-a_drop6p13-debug-log");
        fde.post_header_lens = vec![
            56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 79, 6, 6, 6, 6, 0, 4, 26,
        ];
        let err = FormatDescription::parse(&fde.encode(0, 1, 0)).unwrap_err();
        assert!(err.to_string().contains("development build"), "{err}");
        for v in ["5.1.1-a_drop5p3", "5.1.4-a_drop6p1", "5.2.0-a_drop6"] {
            assert!(renumbered_dev_build(v), "{v}");
        }
        for v in [
            "5.1.1-alpha",
            "5.1.6-a_drop5",
            "5.2.3-a_drop6",
            "5.1.73-log",
            "8.0.36",
        ] {
            assert!(!renumbered_dev_build(v), "{v}");
        }
    }

    #[test]
    fn versions_that_know_checksums() {
        assert!(checksum_aware(b"5.6.1\0"));
        assert!(!checksum_aware(b"5.6.0-log\0"));
        assert!(checksum_aware(b"5.3.0-MariaDB\0"));
        assert!(checksum_aware(b"10.11.6-MariaDB-log\0"));
        assert!(!checksum_aware(b"5.1.73\0"));
    }
}
