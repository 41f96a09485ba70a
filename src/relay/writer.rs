//! Writing relay files on their own thread.
//!
//! Copying event bytes into the page cache (the `write` system call) costs as much as
//! receiving them. Done inline it halves the receive rate; done on this thread it overlaps
//! with receiving on the other core. The receiver fills a 1 MiB buffer and hands it over;
//! at most [`QUEUE`] buffers wait, so a slow disk slows the receiver (backpressure) instead
//! of growing memory. Order is kept: every write, and every barrier, runs in the order it
//! was queued.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::{io_err, RelayError};

/// Size of one hand-off buffer.
const CHUNK: usize = 1 << 20;
/// Buffers that may wait for the I/O thread.
const QUEUE: usize = 8;

enum Cmd {
    /// Append bytes to a file.
    Write(Arc<File>, PathBuf, Vec<u8>),
    /// Run once everything before is written (e.g. hand a file to the fsync thread).
    After(Box<dyn FnOnce() -> Result<(), RelayError> + Send>),
    /// Report (and clear) the first error once everything before is written.
    Barrier(SyncSender<Result<(), RelayError>>),
}

/// A file being appended to through the I/O thread.
pub(super) struct FileWriter {
    /// The file (shared with the I/O thread).
    file: Arc<File>,
    /// Its path, for errors.
    path: PathBuf,
    /// Bytes not handed over yet.
    buf: Vec<u8>,
    /// The I/O thread's queue.
    tx: SyncSender<Cmd>,
    /// Written buffers coming back for reuse (no page faults on fresh memory per MiB).
    spare: Receiver<Vec<u8>>,
}

/// The I/O thread.
pub(super) struct IoThread {
    /// Queue into it.
    tx: Option<SyncSender<Cmd>>,
    /// Where written buffers come back; handed to the current writer.
    spare: Option<Receiver<Vec<u8>>>,
    /// Keeps the return path of written buffers.
    spare_tx: SyncSender<Vec<u8>>,
    /// The thread.
    handle: Option<JoinHandle<()>>,
}

impl IoThread {
    /// Starts the thread.
    pub fn start() -> Result<IoThread, RelayError> {
        let (tx, rx) = sync_channel::<Cmd>(QUEUE);
        let (spare_tx, spare) = sync_channel::<Vec<u8>>(QUEUE + 2);
        let back = spare_tx.clone();
        let handle = std::thread::Builder::new()
            .name("relay-write".into())
            .spawn(move || run(rx, back))
            .map_err(io_err(
                "spawn relay writer thread for",
                std::path::Path::new("relay log"),
            ))?;
        Ok(IoThread {
            tx: Some(tx),
            spare: Some(spare),
            spare_tx,
            handle: Some(handle),
        })
    }

    /// A writer appending to `file` (positioned at its end). Only one writer exists at a
    /// time; the previous one must be handed back with [`IoThread::retire`].
    pub fn writer(&mut self, file: File, path: PathBuf) -> FileWriter {
        let spare = self.spare.take().unwrap_or_else(|| {
            // A writer was dropped without retiring: start a fresh return path.
            let (tx, rx) = sync_channel(QUEUE + 2);
            self.spare_tx = tx;
            rx
        });
        FileWriter {
            file: Arc::new(file),
            path,
            buf: Vec::with_capacity(CHUNK),
            tx: self.tx.clone().expect("I/O thread running"),
            spare,
        }
    }

    /// Takes back a writer's buffer return path for the next file.
    pub fn retire(&mut self, w: FileWriter) {
        self.spare = Some(w.spare);
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run(rx: Receiver<Cmd>, back: SyncSender<Vec<u8>>) {
    let mut error: Option<RelayError> = None;
    for cmd in rx {
        match cmd {
            Cmd::Write(file, path, mut bytes) => {
                if error.is_none() {
                    if let Err(e) = (&*file).write_all(&bytes) {
                        error = Some(io_err("write", &path)(e));
                    }
                }
                super::written::bump();
                bytes.clear();
                let _ = back.try_send(bytes);
            }
            Cmd::After(f) => {
                if error.is_none() {
                    if let Err(e) = f() {
                        error = Some(e);
                    }
                }
            }
            Cmd::Barrier(reply) => {
                let _ = reply.send(error.take().map_or(Ok(()), Err));
            }
        }
    }
}

impl FileWriter {
    /// Appends bytes (handed to the I/O thread in 1 MiB pieces).
    #[inline]
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), RelayError> {
        if self.buf.len() + bytes.len() > CHUNK && !self.buf.is_empty() {
            self.flush()?;
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Hands buffered bytes to the I/O thread (they reach the OS shortly after).
    pub fn flush(&mut self) -> Result<(), RelayError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.buf, next);
        self.tx
            .send(Cmd::Write(self.file.clone(), self.path.clone(), full))
            .map_err(|_| gone(&self.path))
    }

    /// Waits until everything written so far is in the OS; reports a write failure.
    pub fn barrier(&mut self) -> Result<(), RelayError> {
        self.flush()?;
        let (tx, rx) = sync_channel(1);
        self.tx
            .send(Cmd::Barrier(tx))
            .map_err(|_| gone(&self.path))?;
        rx.recv().map_err(|_| gone(&self.path))?
    }

    /// A duplicate handle of the file (for fsync on another thread).
    pub fn dup(&self) -> Result<File, RelayError> {
        self.file.try_clone().map_err(io_err("dup", &self.path))
    }

    /// Queues `f` to run on the I/O thread after every byte written so far.
    pub fn after(
        &mut self,
        f: impl FnOnce() -> Result<(), RelayError> + Send + 'static,
    ) -> Result<(), RelayError> {
        self.flush()?;
        self.tx
            .send(Cmd::After(Box::new(f)))
            .map_err(|_| gone(&self.path))
    }

    /// Cuts the file to `len` and continues appending there.
    pub fn truncate(&mut self, len: u64) -> Result<(), RelayError> {
        self.barrier()?;
        super::written::note_cut();
        self.file
            .set_len(len)
            .map_err(io_err("truncate", &self.path))?;
        // Again after: a reader that started a group again between the first count and the
        // truncate may have read the bytes just cut.
        super::written::note_cut();
        (&*self.file)
            .seek(SeekFrom::Start(len))
            .map_err(io_err("seek", &self.path))?;
        Ok(())
    }
}

fn gone(path: &std::path::Path) -> RelayError {
    RelayError::Invalid {
        path: path.to_path_buf(),
        reason: "the relay writer thread has stopped".into(),
    }
}
