//! Reading binlog-format files (a master's binlogs, relay logs) event by event.
//!
//! The reader streams: it holds one read buffer that grows only to the largest event, so a
//! 500 MB transaction made of many events never sits in memory at once. Every error is
//! wrapped with the file path, the event's start offset and (when known) its type.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::error::{DecodeError, Result};
use super::event::{ChecksumAlg, Event, EventHeader, EventType, BINLOG_MAGIC, HEADER_LEN};
use super::fde::FormatDescription;

/// Largest event accepted: mysqld's max_allowed_packet ceiling (1 GiB) plus headroom. A
/// header claiming more is corruption, reported instead of allocated.
pub const MAX_EVENT_SIZE: u32 = (1 << 30) + 4096;

/// What stopped a read short of a clean end of file.
#[derive(Debug)]
pub enum Stop {
    /// The file ends inside an event: a torn tail (a writer died mid-write). Everything
    /// before `valid_end` is intact.
    TornTail {
        /// Offset just past the last complete event.
        valid_end: u64,
        /// The error, naming file and position.
        error: DecodeError,
    },
    /// Damage that is not explained by a torn write: bad checksum, impossible header, or an
    /// event body that does not decode.
    Corrupt(DecodeError),
}

/// Streams events out of a binlog-format file.
pub struct BinlogReader<R> {
    /// Where bytes come from.
    src: R,
    /// Read buffer; `buf[start..end]` holds unread bytes.
    buf: Vec<u8>,
    /// Start of unread bytes in `buf`.
    start: usize,
    /// End of valid bytes in `buf`.
    end: usize,
    /// File offset of `buf[start]`.
    pos: u64,
    /// True once `src` returned 0 bytes.
    eof: bool,
    /// The description in force (the last FDE read).
    fde: FormatDescription,
    /// Path or name, for messages.
    place: String,
}

impl BinlogReader<File> {
    /// Opens `path` and checks the magic. The reader is positioned after the magic, at the
    /// first event: the FORMAT_DESCRIPTION (or START_V3) that starts the file, which
    /// [`BinlogReader::fde`] describes once it was read.
    pub fn open(path: &Path) -> Result<BinlogReader<File>> {
        let place = path.display().to_string();
        let file = File::open(path)
            .map_err(|e| DecodeError::Io(format!("cannot open: {e}")).at(&place, 0, None))?;
        BinlogReader::new(file, place)
    }

    /// Moves to `offset` (an event start), keeping the description read at the file start.
    pub fn seek(&mut self, offset: u64) -> Result<()> {
        self.src.seek(SeekFrom::Start(offset)).map_err(|e| {
            DecodeError::Io(format!("cannot seek: {e}")).at(&self.place, offset, None)
        })?;
        self.pos = offset;
        self.start = 0;
        self.end = 0;
        self.eof = false;
        Ok(())
    }
}

impl<R: Read> BinlogReader<R> {
    /// Wraps a source positioned at the start of a binlog file (the magic).
    pub fn new(src: R, place: String) -> Result<BinlogReader<R>> {
        let mut r = BinlogReader {
            src,
            buf: vec![0; 1 << 20],
            start: 0,
            end: 0,
            pos: 0,
            eof: false,
            fde: FormatDescription::assumed_v4(),
            place,
        };
        r.fill(4).map_err(|e| e.at(&r.place, 0, None))?;
        if r.end - r.start < 4 {
            return Err(DecodeError::Truncated {
                what: "binlog magic",
                need: 4,
                have: r.end - r.start,
            }
            .at(&r.place, 0, None));
        }
        let mut magic = [0u8; 4];
        magic.copy_from_slice(&r.buf[r.start..r.start + 4]);
        if magic != BINLOG_MAGIC {
            return Err(DecodeError::BadMagic(magic).at(&r.place, 0, None));
        }
        r.start += 4;
        r.pos = 4;
        Ok(r)
    }

    /// The description in force.
    pub fn fde(&self) -> &FormatDescription {
        &self.fde
    }

    /// Overrides the checksum algorithm in force (after a [`BinlogReader::seek`] past the FDE
    /// that declared it).
    pub fn set_checksum(&mut self, alg: ChecksumAlg) {
        self.fde.checksum = alg;
    }

    /// Path or name given at open.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Offset of the next event.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Reads until at least `n` unread bytes are buffered or the source ends.
    fn fill(&mut self, n: usize) -> Result<()> {
        if self.end - self.start >= n {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end < n && !self.eof {
            if self.end == self.buf.len() {
                // Double instead of jumping to `n`: a corrupt event size may claim a gigabyte
                // the file does not have, and memory should follow the bytes actually read.
                let grown = (self.buf.len() * 2).min(n.next_power_of_two());
                self.buf.resize(grown, 0);
            }
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(DecodeError::Io(format!("read error: {e}"))),
            }
        }
        Ok(())
    }

    /// The next event and its start offset, `Ok(None)` at a clean end of file.
    ///
    /// A FORMAT_DESCRIPTION read here becomes the description for the events after it (a
    /// relay log holds replicant's own and then the master's).
    pub fn next_event(&mut self) -> std::result::Result<Option<(u64, Event<'_>)>, Stop> {
        Ok(self.next_with_fde()?.map(|(at, ev, _)| (at, ev)))
    }

    /// Like [`BinlogReader::next_event`], also lending the description in force for the event.
    #[allow(clippy::type_complexity)]
    pub fn next_with_fde(
        &mut self,
    ) -> std::result::Result<Option<(u64, Event<'_>, &FormatDescription)>, Stop> {
        let Some((at, shell, range)) = self.advance_event()? else {
            return Ok(None);
        };
        let ev = Event {
            bytes: &self.buf[range],
            ..shell
        };
        Ok(Some((at, ev, &self.fde)))
    }

    /// Reads and validates the next event, returning its header facts and buffer range.
    fn advance_event(
        &mut self,
    ) -> std::result::Result<Option<(u64, Event<'static>, std::ops::Range<usize>)>, Stop> {
        let at = self.pos;
        self.fill(HEADER_LEN)
            .map_err(|e| Stop::Corrupt(e.at(&self.place, at, None)))?;
        let avail = self.end - self.start;
        if avail == 0 {
            return Ok(None);
        }
        if avail < HEADER_LEN {
            return Err(Stop::TornTail {
                valid_end: at,
                error: DecodeError::Truncated {
                    what: "event header (file ends)",
                    need: HEADER_LEN,
                    have: avail,
                }
                .at(&self.place, at, None),
            });
        }
        let header = EventHeader::parse(&self.buf[self.start..self.start + HEADER_LEN])
            .map_err(|e| Stop::Corrupt(e.at(&self.place, at, None)))?;
        let tname = Some(header.type_name());
        if header.event_size > MAX_EVENT_SIZE {
            return Err(Stop::Corrupt(
                DecodeError::BadHeader(format!(
                    "event size {} exceeds the {} byte maximum",
                    header.event_size, MAX_EVENT_SIZE
                ))
                .at(&self.place, at, tname),
            ));
        }
        let size = header.event_size as usize;
        self.fill(size)
            .map_err(|e| Stop::Corrupt(e.at(&self.place, at, tname)))?;
        let avail = self.end - self.start;
        if avail < size {
            let place = self.place.clone();
            return Err(Stop::TornTail {
                valid_end: at,
                error: DecodeError::Truncated {
                    what: "event body (file ends)",
                    need: size,
                    have: avail,
                }
                .at(place, at, tname),
            });
        }
        let bytes_range = self.start..self.start + size;
        if header.type_code == EventType::FormatDescription as u8 {
            let fde = FormatDescription::parse(&self.buf[bytes_range.clone()])
                .map_err(|e| Stop::Corrupt(e.at(&self.place, at, tname)))?;
            self.fde = fde;
        } else if header.type_code == EventType::StartV3 as u8 && at == 4 {
            self.fde.checksum = ChecksumAlg::Off;
        }
        let alg = self.fde.checksum;
        self.start += size;
        self.pos += size as u64;
        let ev = Event::new(&self.buf[bytes_range.clone()], alg)
            .map_err(|e| Stop::Corrupt(e.at(&self.place, at, tname)))?;
        let (header, trailer_len) = (ev.header, ev.trailer_len);
        Ok(Some((
            at,
            Event {
                header,
                bytes: &[],
                trailer_len,
            },
            bytes_range,
        )))
    }
}

impl Stop {
    /// The error, whichever kind of stop.
    pub fn error(&self) -> &DecodeError {
        match self {
            Stop::TornTail { error, .. } | Stop::Corrupt(error) => error,
        }
    }

    /// Consumes the stop, returning its error.
    pub fn into_error(self) -> DecodeError {
        match self {
            Stop::TornTail { error, .. } | Stop::Corrupt(error) => error,
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

/// Splits a buffer of back-to-back events without checksums (a decompressed
/// TRANSACTION_PAYLOAD) into events.
pub fn split_events(mut buf: &[u8]) -> impl Iterator<Item = Result<Event<'_>>> {
    std::iter::from_fn(move || {
        if buf.is_empty() {
            return None;
        }
        let item = EventHeader::parse(buf).and_then(|h| {
            let size = h.event_size as usize;
            if size > buf.len() {
                return Err(DecodeError::Truncated {
                    what: "embedded event",
                    need: size,
                    have: buf.len(),
                });
            }
            let (ev, rest) = buf.split_at(size);
            buf = rest;
            Event::new(ev, ChecksumAlg::Off)
        });
        if item.is_err() {
            buf = &[];
        }
        Some(item)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::event::crc32;

    fn xid_event(xid: u64, log_pos: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&0u32.to_le_bytes());
        v.push(16);
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&((HEADER_LEN + 8 + 4) as u32).to_le_bytes());
        v.extend_from_slice(&log_pos.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.extend_from_slice(&xid.to_le_bytes());
        let c = crc32(&v);
        v.extend_from_slice(&c.to_le_bytes());
        v
    }

    fn sample_file() -> Vec<u8> {
        let fde = FormatDescription {
            checksum: ChecksumAlg::Crc32,
            server_version: "10.11.6-MariaDB-log".into(),
            post_header_lens: vec![0; 40],
            ..FormatDescription::assumed_v4()
        };
        let mut f = BINLOG_MAGIC.to_vec();
        f.extend_from_slice(&fde.encode(0, 1, 0));
        for i in 0..3 {
            f.extend_from_slice(&xid_event(i, 0));
        }
        f
    }

    #[test]
    fn reads_events_and_detects_torn_tail() {
        let f = sample_file();
        let mut r = BinlogReader::new(&f[..], "mem".into()).unwrap();
        let mut n = 0;
        while let Some((_, ev)) = r.next_event().unwrap() {
            n += 1;
            let _ = ev.body();
        }
        assert_eq!(n, 4);

        let cut = &f[..f.len() - 3];
        let mut r = BinlogReader::new(cut, "mem".into()).unwrap();
        let last = loop {
            match r.next_event() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("torn tail not detected"),
                Err(stop) => break stop,
            }
        };
        match last {
            Stop::TornTail { valid_end, error } => {
                assert_eq!(valid_end as usize, f.len() - 31);
                assert!(error.to_string().contains("mem at position"), "{error}");
            }
            Stop::Corrupt(e) => panic!("expected torn tail, got {e}"),
        }
    }

    #[test]
    fn bad_checksum_is_corruption_with_position() {
        let mut f = sample_file();
        let n = f.len();
        f[n - 6] ^= 0x55;
        let mut r = BinlogReader::new(&f[..], "x.000001".into()).unwrap();
        let err = loop {
            match r.next_event() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("corruption not detected"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, Stop::Corrupt(_)));
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("x.000001 at position {} (Xid)", n - 31)),
            "{msg}"
        );
        assert!(msg.contains("checksum mismatch"), "{msg}");
    }

    /// A missing file and a directory used to read "invalid file event: ...".
    #[test]
    fn unreadable_paths_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.000001");
        let err = BinlogReader::open(&missing).err().unwrap().to_string();
        assert!(
            err.ends_with("at position 0: cannot open: No such file or directory (os error 2)"),
            "{err}"
        );
        let err = BinlogReader::open(dir.path()).err().unwrap().to_string();
        assert!(
            err.ends_with("at position 0: read error: Is a directory (os error 21)"),
            "{err}"
        );
    }

    /// A header claiming a 1 GiB event in a small file used to zero-fill a 2 GiB buffer
    /// (seconds and gigabytes of RSS) before finding that the file ends.
    #[test]
    fn huge_claimed_size_is_not_allocated() {
        let mut f = sample_file();
        // The event after the magic and the FDE (whose size sits at header offset 9).
        let second = 4 + u32::from_le_bytes([f[13], f[14], f[15], f[16]]) as usize;
        f[second + 9..second + 13].copy_from_slice(&MAX_EVENT_SIZE.to_le_bytes());
        let mut r = BinlogReader::new(&f[..], "mem".into()).unwrap();
        assert!(r.next_event().unwrap().is_some());
        match r.next_event() {
            Err(Stop::TornTail { valid_end, .. }) => assert_eq!(valid_end as usize, second),
            other => panic!("expected a torn tail, got {:?}", other.map(|e| e.is_some())),
        }
        assert!(r.buf.len() <= 2 << 20, "buffer grew to {}", r.buf.len());
    }

    #[test]
    fn bad_magic() {
        let err = BinlogReader::new(&b"hello world"[..], "f".into())
            .err()
            .unwrap();
        assert!(err.to_string().contains("not a binlog file"));
    }
}
