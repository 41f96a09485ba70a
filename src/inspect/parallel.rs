//! Printing on every core: the reading thread frames events, checks their checksums and
//! applies the position and time filters; workers decode and render batches of whole
//! transactions; the reading thread writes the rendered batches in order.
//!
//! A batch ends only at an event-group boundary where the printer holds no table maps
//! (after XID, COMMIT or a statement-end rows event), so a worker starting a batch with an
//! empty printer state renders exactly what one sequential printer would.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use super::print::{PrintError, PrintOptions, Printer};
use crate::binlog::event::{Event, EventHeader, EventType};
use crate::binlog::file::BinlogReader;
use crate::binlog::group::GroupTracker;
use crate::binlog::FormatDescription;

/// Bytes of events per batch before looking for a place to cut.
const BATCH_BYTES: usize = 2 << 20;

/// One event inside a batch.
struct Item {
    /// Start offset in its file.
    pos: u64,
    /// Range of its bytes in the batch buffer.
    start: usize,
    /// Length.
    len: usize,
    /// Checksum trailer length.
    trailer_len: usize,
    /// Filtered out by position or time (table maps are still remembered).
    skip: bool,
}

/// Events of whole transactions from one file, under one description.
struct Batch {
    /// File name for messages.
    place: Arc<str>,
    /// Description in force.
    fde: Arc<FormatDescription>,
    /// Event bytes, back to back.
    bytes: Vec<u8>,
    /// Events.
    items: Vec<Item>,
    /// Buffer the worker renders into (recycled).
    out: Vec<u8>,
}

/// A rendered batch (its buffers come back for reuse), and the error that stopped it.
type Rendered = (Batch, Result<(), PrintError>);

/// Prints `files` in order to `out`, using `threads` rendering workers (0: render on the
/// calling thread).
pub fn print_files_parallel(
    files: &[PathBuf],
    opts: &PrintOptions,
    out: &mut impl Write,
    threads: usize,
) -> Result<(), PrintError> {
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 0..threads {
            let (tx, rx) = sync_channel::<Batch>(2);
            let (rtx, rrx) = sync_channel::<Rendered>(2);
            let opts = opts.clone();
            scope.spawn(move || worker(&opts, rx, rtx));
            workers.push((tx, rrx));
        }
        let mut pipe = Pipe {
            opts,
            workers,
            next: 0,
            in_flight: VecDeque::new(),
            spare: Vec::new(),
        };
        let result = read_all(files, opts, &mut pipe, out);
        // Whatever happened, print what was rendered before it (in order).
        let drained = pipe.drain(out);
        drop(pipe);
        result.and(drained)
    })
}

fn worker(opts: &PrintOptions, rx: Receiver<Batch>, tx: SyncSender<Rendered>) {
    for batch in rx {
        if tx.send(render(opts, batch)).is_err() {
            return;
        }
    }
}

/// Renders one batch with a fresh printer (a batch starts where no table map is held).
fn render(opts: &PrintOptions, mut batch: Batch) -> Rendered {
    let mut out = std::mem::take(&mut batch.out);
    let mut printer = Printer::new(opts);
    let mut result = Ok(());
    for it in &batch.items {
        let bytes = &batch.bytes[it.start..it.start + it.len];
        let header = match EventHeader::parse(bytes) {
            Ok(h) => h,
            Err(e) => {
                result = Err(e.at(&*batch.place, it.pos, None).into());
                break;
            }
        };
        // Framing and checksum were verified by the reading thread.
        let ev = Event {
            header,
            bytes,
            trailer_len: it.trailer_len,
        };
        if let Err(e) = printer.event(&batch.place, it.pos, &ev, &batch.fde, it.skip, &mut out) {
            result = Err(match e {
                PrintError::Decode(d) => {
                    PrintError::Decode(d.at(&*batch.place, it.pos, Some(header.type_name())))
                }
                other => other,
            });
            break;
        }
    }
    batch.out = out;
    (batch, result)
}

/// Round-robin dispatch with in-order collection; with no workers, renders inline.
struct Pipe<'o> {
    /// Options, for inline rendering.
    opts: &'o PrintOptions,
    /// Per worker: its batch queue and its result queue.
    workers: Vec<(SyncSender<Batch>, Receiver<Rendered>)>,
    /// Worker for the next batch.
    next: usize,
    /// Workers owing a result, oldest first.
    in_flight: VecDeque<usize>,
    /// Rendered batches whose buffers can be reused.
    spare: Vec<Batch>,
}

impl Pipe<'_> {
    fn send(&mut self, batch: Batch, out: &mut impl Write) -> Result<(), PrintError> {
        if self.workers.is_empty() {
            let (mut batch, result) = render(self.opts, batch);
            out.write_all(&batch.out)?;
            batch.out.clear();
            batch.bytes.clear();
            batch.items.clear();
            self.spare.push(batch);
            return result;
        }
        if self.in_flight.len() >= 2 * self.workers.len() {
            self.collect_one(out)?;
        }
        let w = self.next;
        self.next = (self.next + 1) % self.workers.len();
        self.workers[w]
            .0
            .send(batch)
            .map_err(|_| PrintError::Output(std::io::Error::other("print worker stopped")))?;
        self.in_flight.push_back(w);
        Ok(())
    }

    fn collect_one(&mut self, out: &mut impl Write) -> Result<(), PrintError> {
        let Some(w) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let (mut batch, result) = self.workers[w]
            .1
            .recv()
            .map_err(|_| PrintError::Output(std::io::Error::other("print worker stopped")))?;
        out.write_all(&batch.out)?;
        batch.out.clear();
        batch.bytes.clear();
        batch.items.clear();
        self.spare.push(batch);
        result
    }

    fn drain(&mut self, out: &mut impl Write) -> Result<(), PrintError> {
        while !self.in_flight.is_empty() {
            self.collect_one(out)?;
        }
        Ok(())
    }
}

fn read_all(
    files: &[PathBuf],
    opts: &PrintOptions,
    pipe: &mut Pipe,
    out: &mut impl Write,
) -> Result<(), PrintError> {
    for (i, f) in files.iter().enumerate() {
        let stopped = read_file(f, i == 0, i + 1 == files.len(), opts, pipe, out)?;
        if stopped {
            break;
        }
    }
    Ok(())
}

/// Frames one file into batches; returns true when a stop filter ended the output.
fn read_file(
    path: &Path,
    first: bool,
    last: bool,
    opts: &PrintOptions,
    pipe: &mut Pipe<'_>,
    out: &mut impl Write,
) -> Result<bool, PrintError> {
    let mut r = BinlogReader::open(path)?;
    let place: Arc<str> = Arc::from(path.display().to_string());
    let mut fde = Arc::new(r.fde().clone());
    let mut batch = pipe.batch(&place, &fde);
    let mut groups = GroupTracker::default();
    let mut stopped = false;
    let error = loop {
        let (pos, ev, ev_fde) = match r.next_with_fde() {
            Ok(Some(x)) => x,
            Ok(None) => break None,
            Err(stop) => break Some(stop.into_error()),
        };
        let ts = ev.header.timestamp;
        if (last && opts.stop_position.is_some_and(|s| pos >= s))
            || (ts != 0 && opts.stop_datetime.is_some_and(|s| ts >= s))
        {
            stopped = true;
            break None;
        }
        let t = ev.event_type();
        if t == Some(EventType::FormatDescription) {
            // A new description applies from this event on: start a batch under it.
            if !batch.items.is_empty() {
                pipe.cut(&mut batch, out)?;
            }
            fde = Arc::new(ev_fde.clone());
            batch.fde = fde.clone();
        }
        let skip = t != Some(EventType::FormatDescription)
            && ((first && opts.start_position.is_some_and(|s| pos < s))
                || opts.start_datetime.is_some_and(|s| ts < s));
        batch.items.push(Item {
            pos,
            start: batch.bytes.len(),
            len: ev.bytes.len(),
            trailer_len: ev.trailer_len,
            skip,
        });
        batch.bytes.extend_from_slice(ev.bytes);
        let boundary = groups.on_event(&ev, &fde);
        if batch.bytes.len() >= BATCH_BYTES && boundary && maps_released(&ev, &fde) {
            pipe.cut(&mut batch, out)?;
        }
    };
    if !batch.items.is_empty() {
        pipe.send(batch, out)?;
    }
    match error {
        Some(e) => {
            // Everything before the damage is printed first, then the error.
            pipe.drain(out)?;
            Err(e.into())
        }
        None => Ok(stopped),
    }
}

/// After these events a printer holds no table maps.
fn maps_released(ev: &Event<'_>, fde: &FormatDescription) -> bool {
    match ev.event_type() {
        Some(EventType::Xid) | Some(EventType::Query) => true,
        Some(t) if t.is_rows() => {
            // STMT_END_F, in the flags after the table id (4 bytes in 5.0-era layouts).
            let id_len = if fde.post_header_len(t, 8) == 6 { 4 } else { 6 };
            let b = ev.body();
            b.len() >= id_len + 2 && u16::from_le_bytes([b[id_len], b[id_len + 1]]) & 1 != 0
        }
        _ => false,
    }
}

impl Pipe<'_> {
    /// An empty batch, reusing the buffers of a printed one when there is one.
    fn batch(&mut self, place: &Arc<str>, fde: &Arc<FormatDescription>) -> Batch {
        match self.spare.pop() {
            Some(mut b) => {
                b.place = place.clone();
                b.fde = fde.clone();
                b
            }
            None => Batch {
                place: place.clone(),
                fde: fde.clone(),
                bytes: Vec::with_capacity(BATCH_BYTES + (64 << 10)),
                items: Vec::with_capacity(BATCH_BYTES / 128),
                out: Vec::with_capacity(3 * BATCH_BYTES),
            },
        }
    }

    /// Sends the current batch and puts a fresh one in its place.
    fn cut(&mut self, batch: &mut Batch, out: &mut impl Write) -> Result<(), PrintError> {
        let fresh = self.batch(&batch.place, &batch.fde);
        let full = std::mem::replace(batch, fresh);
        self.send(full, out)
    }
}
