//! Reading the relay log as a sequence of complete event groups, while it is being written.
//!
//! The receiver appends in 1 MiB pieces, so the tail of the current file can end inside an
//! event: that is "not yet", not damage — the reader waits there and reads on when the
//! file grows. A group is handed out only once its last event (XID, COMMIT, the DDL
//! statement...) is in the file; relay files never split a group (the receiver rotates only
//! between groups), but the reader does not rely on that.
//!
//! The receiver also *cuts* the file it writes (a stream that broke off inside a
//! transaction) and writes other bytes past the cut. A group is handed out only if no cut
//! happened in this process since the reader last (re)positioned itself
//! ([`super::written::cuts`]); otherwise the group is read again from its start.
//! Without that, a reader could take its old offset in the rewritten region for an event
//! start and stop with "relay log damaged" on a relay file that is fine.

use std::path::{Path, PathBuf};

use super::{advance, RelayError, RelayIndex};
use crate::binlog::event::{Event, EventHeader, EventType};
use crate::binlog::file::{BinlogReader, Stop};
use crate::binlog::group::GroupTracker;
use crate::binlog::{BinlogPos, FormatDescription};

/// A place in the relay log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelayPos {
    /// Relay file name (no directory).
    pub file: String,
    /// Byte offset in it.
    pub offset: u64,
}

/// One event of a group, located in the group's buffer.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Parsed header.
    header: EventHeader,
    /// Start in the buffer.
    start: usize,
    /// Length.
    len: usize,
    /// Checksum trailer length.
    trailer_len: usize,
}

/// A complete event group (transaction, or a single DDL statement).
pub struct EventGroup<'r> {
    /// The events' bytes, back to back.
    bytes: &'r [u8],
    /// Where each event lies in `bytes`.
    slots: &'r [Slot],
    /// The description the events were written under.
    pub fde: &'r FormatDescription,
    /// Relay coordinate just past the group's last event.
    pub relay_end: RelayPos,
    /// Master coordinate just past the group's last event.
    pub master_end: Option<BinlogPos>,
    /// The master restarted before this group: a FORMAT_DESCRIPTION written at its
    /// start-up came between the previous group and this one (its sessions, and their
    /// temporary tables, are gone).
    pub master_restarted: bool,
}

impl<'r> EventGroup<'r> {
    /// The events in order.
    pub fn events(&self) -> impl Iterator<Item = Event<'r>> + '_ {
        self.slots.iter().map(|s| Event {
            header: s.header,
            bytes: &self.bytes[s.start..s.start + s.len],
            trailer_len: s.trailer_len,
        })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True for a group without events (never handed out).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// Follows the relay log from a position, group by group.
pub struct GroupReader {
    /// Relay directory.
    dir: PathBuf,
    /// Relay basename.
    base: String,
    /// Reader of the current file.
    reader: Option<BinlogReader<std::fs::File>>,
    /// Current file name.
    file: String,
    /// Offset just past the last event read from the current file.
    offset: u64,
    /// Group boundaries.
    groups: GroupTracker,
    /// Master coordinate just past the last event read.
    master: Option<BinlogPos>,
    /// Bytes of the group being collected.
    buf: Vec<u8>,
    /// Its events.
    slots: Vec<Slot>,
    /// Description in force for the group being collected.
    fde: FormatDescription,
    /// Our own server_id: the FORMAT_DESCRIPTION replicant starts each relay file with
    /// carries it and is not a master event.
    server_id: u32,
    /// Where the group being collected started (offset and master coordinate): the receiver
    /// may cut a partial group from the file (reconnect, crash recovery), and then the
    /// reader must start that group again from here.
    group_start: (u64, Option<BinlogPos>),
    /// The relay cut count (`relay::written::cuts`) when the reader last positioned itself
    /// in the file: the bytes read since are current only while it has not moved.
    cuts_seen: u64,
    /// A master start-up FORMAT_DESCRIPTION was read since the last group handed out.
    master_restarted: bool,
}

impl GroupReader {
    /// A reader starting at `from` (which must be a group boundary: a position an earlier
    /// reader handed out, or offset 4 of a file), with the master coordinate there.
    pub fn open(
        dir: &Path,
        base: &str,
        from: RelayPos,
        master: Option<BinlogPos>,
        server_id: u32,
    ) -> Result<GroupReader, RelayError> {
        let mut r = GroupReader {
            dir: dir.to_path_buf(),
            base: base.to_string(),
            reader: None,
            file: from.file.clone(),
            offset: from.offset.max(4),
            groups: GroupTracker::default(),
            master,
            buf: Vec::with_capacity(1 << 20),
            slots: Vec::new(),
            fde: FormatDescription::assumed_v4(),
            server_id,
            group_start: (from.offset.max(4), None),
            cuts_seen: super::written::cuts(),
            master_restarted: false,
        };
        r.group_start.1 = r.master.clone();
        r.open_file()?;
        Ok(r)
    }

    fn open_file(&mut self) -> Result<(), RelayError> {
        let path = self.dir.join(&self.file);
        let mut reader = BinlogReader::open(&path)?;
        // The description in force at the position is the last FORMAT_DESCRIPTION before
        // it: read up to the position once, then continue from there.
        if self.offset > 4 {
            while reader.position() < self.offset {
                match reader.next_with_fde() {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            self.fde = reader.fde().clone();
            reader.seek(self.offset)?;
            reader.set_checksum(self.fde.checksum);
        }
        self.reader = Some(reader);
        Ok(())
    }

    /// The next complete group, or `None` when the relay log holds no complete group past
    /// the last one (call again later: the receiver may be writing).
    pub fn next_group(&mut self) -> Result<Option<EventGroup<'_>>, RelayError> {
        // A group handed out last time is done with.
        if self.groups.at_boundary() {
            self.buf.clear();
            self.slots.clear();
            self.group_start = (self.offset, self.master.clone());
        }
        loop {
            let reader = match self.reader.as_mut() {
                Some(r) => r,
                None => return Ok(None),
            };
            match reader.next_with_fde() {
                Ok(Some((at, ev, fde))) => {
                    self.offset = at + ev.bytes.len() as u64;
                    let ours = at == 4 && ev.header.server_id == self.server_id;
                    if ev.event_type() == Some(EventType::FormatDescription) && !ours {
                        self.fde = fde.clone();
                        // mysqld's rule: a description with a creation time was written
                        // at the master's start-up (one sent again from mid-file has 0).
                        let startup = fde.create_timestamp != 0;
                        self.master_restarted |= startup;
                        if startup && !self.groups.at_boundary() {
                            // The master died while writing this group to its binlog; its
                            // crash recovery rolled the transaction back. As mysqld's SQL
                            // thread: the unfinished group is dropped, never applied.
                            tracing::warn!(
                                file = %self.file,
                                group_at = self.group_start.0,
                                events = self.slots.len(),
                                "Rolling back unfinished transaction (no COMMIT or ROLLBACK in relay log): the master died while writing it to its binary log, and rolled it back"
                            );
                            self.groups.reset();
                            self.buf.clear();
                            self.slots.clear();
                        }
                    }
                    if !ours {
                        advance(&mut self.master, &ev);
                    }
                    let was_boundary = self.groups.at_boundary();
                    let boundary = self.groups.on_event(&ev, &self.fde);
                    if was_boundary && boundary {
                        // Outside any group (descriptions, rotates, GTID lists): nothing
                        // to apply, but the coordinates moved on.
                        self.group_start = (self.offset, self.master.clone());
                        continue;
                    }
                    let start = self.buf.len();
                    self.buf.extend_from_slice(ev.bytes);
                    self.slots.push(Slot {
                        header: ev.header,
                        start,
                        len: ev.bytes.len(),
                        trailer_len: ev.trailer_len,
                    });
                    if boundary {
                        if self.restart_if_cut()? {
                            continue;
                        }
                        return Ok(Some(EventGroup {
                            master_restarted: std::mem::take(&mut self.master_restarted),
                            bytes: &self.buf,
                            slots: &self.slots,
                            fde: &self.fde,
                            relay_end: RelayPos {
                                file: self.file.clone(),
                                offset: self.offset,
                            },
                            master_end: self.master.clone(),
                        }));
                    }
                }
                Ok(None) => {
                    if !self.more_to_read()? {
                        // At the end of the file being written: look again later.
                        self.rearm()?;
                        return Ok(None);
                    }
                }
                Err(Stop::TornTail { .. }) => {
                    // The writer is in the middle of an event: wait for the rest.
                    self.rearm()?;
                    return Ok(None);
                }
                Err(Stop::Corrupt(e)) => {
                    // Bytes of a region the receiver cut and rewrote while they were being
                    // read are not damage: read the group again.
                    if self.restart_if_cut()? {
                        continue;
                    }
                    return Err(e.into());
                }
            }
        }
    }

    /// If the receiver cut a relay file since the reader last positioned itself, goes back
    /// to the start of the group being collected (dropping what was read of it and the file
    /// reader's buffer) and returns true.
    fn restart_if_cut(&mut self) -> Result<bool, RelayError> {
        let now = super::written::cuts();
        if now == self.cuts_seen {
            return Ok(false);
        }
        self.cuts_seen = now;
        tracing::debug!(file = %self.file, from = self.group_start.0,
            "a relay file was cut while reading; reading the group again");
        let len = self.file_len()?;
        self.restart_group(len);
        self.seek_reader()?;
        Ok(true)
    }

    /// Forgets the group being collected and stands at its start (or at `len`, if the file
    /// is now shorter: a cut made by another process, seen only through the length).
    fn restart_group(&mut self, len: u64) {
        self.offset = self.group_start.0.min(len);
        self.master = self.group_start.1.clone();
        self.groups = GroupTracker::default();
        self.buf.clear();
        self.slots.clear();
    }

    fn file_len(&self) -> Result<u64, RelayError> {
        let path = self.dir.join(&self.file);
        Ok(std::fs::metadata(&path)
            .map_err(super::io_err("stat", &path))?
            .len())
    }

    /// Moves the file reader to `offset`, dropping its buffer.
    fn seek_reader(&mut self) -> Result<(), RelayError> {
        if let Some(r) = self.reader.as_mut() {
            let alg = r.fde().checksum;
            r.seek(self.offset)?;
            r.set_checksum(alg);
        }
        Ok(())
    }

    /// Lets the reader see bytes appended after it hit the end of the file. If the file
    /// became shorter than what was read, the receiver cut a partial group: collect that
    /// group again from its start.
    fn rearm(&mut self) -> Result<(), RelayError> {
        if self.restart_if_cut()? {
            return Ok(());
        }
        let len = self.file_len()?;
        if len < self.offset {
            tracing::debug!(file = %self.file, cut_at = len, "relay file was cut; re-reading the partial group");
            self.restart_group(len);
        }
        self.seek_reader()
    }

    /// At the end of the current file: true when there is more to read, in this file (it
    /// grew) or in the next one of the index (then the reader moves there).
    fn more_to_read(&mut self) -> Result<bool, RelayError> {
        let index = RelayIndex::read(&self.dir, &self.base)?;
        let files = index.files();
        let Some(i) = files.iter().position(|f| *f == self.file) else {
            return Err(RelayError::Invalid {
                path: self.dir.join(format!("{}.index", self.base)),
                reason: format!("relay file {} is no longer in the index", self.file),
            });
        };
        let Some(next) = files.get(i + 1) else {
            return Ok(false);
        };
        // The file may have grown after this reader saw its end and before the receiver
        // rotated: read it to its real end before leaving it.
        self.rearm()?;
        if let Some(r) = self.reader.as_mut() {
            if let Ok(Some(_)) = r.next_event() {
                self.rearm()?;
                return Ok(true);
            }
        }
        self.file = next.clone();
        self.offset = 4;
        if self.groups.at_boundary() {
            // A later restart goes back to the new file's start, not to an offset of the old.
            self.group_start = (4, self.master.clone());
        }
        self.open_file()?;
        Ok(true)
    }

    /// Relay coordinate just past the last event read (a group boundary when no group is
    /// being collected).
    pub fn position(&self) -> RelayPos {
        RelayPos {
            file: self.file.clone(),
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events of `proto-fixtures/mariadb-crc32.000001` by their byte ranges.
    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proto-fixtures/mariadb-crc32.000001"
        ))
        .unwrap()
    }

    #[test]
    fn a_group_cut_by_a_master_restart_is_dropped() {
        let f = fixture();
        // Description and first groups up to GTID 0-1-3's XID (3294); GTID 0-1-4 without
        // its XID (3294..3569); the master's start-up description again; GTID 0-1-5 whole
        // (3600..4569).
        let mut relay = f[..3294].to_vec();
        relay.extend_from_slice(&f[3294..3569]);
        relay.extend_from_slice(&f[4..256]);
        relay.extend_from_slice(&f[3600..4569]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("relay-bin.000001"), &relay).unwrap();
        std::fs::write(dir.path().join("relay-bin.index"), "./relay-bin.000001\n").unwrap();
        let mut r = GroupReader::open(
            dir.path(),
            "relay-bin",
            RelayPos {
                file: "relay-bin.000001".into(),
                offset: 4,
            },
            None,
            999,
        )
        .unwrap();
        let mut gtids = Vec::new();
        while let Some(g) = r.next_group().unwrap() {
            let first = g.events().next().unwrap();
            let gtid = crate::binlog::events::MariaGtid::parse(first.body()).unwrap();
            let restarted = g.master_restarted;
            gtids.push((gtid.seq_no, g.len(), restarted));
        }
        // 0-1-4's four events are gone; 0-1-5 is a group of its own, after the restart
        // (the first group follows the master's start-up too).
        assert_eq!(
            gtids,
            vec![(1, 2, true), (2, 2, false), (3, 5, false), (5, 5, true)]
        );
    }
}
