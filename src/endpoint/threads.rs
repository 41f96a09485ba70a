//! Session threads: one OS thread per connection, as mysqld's, with blocking socket I/O.
//!
//! A statement's round trip is then one `read` and one `write` on the connection's own
//! thread, which the kernel wakes directly when the client's packet arrives — no epoll
//! registration, no hand-off between async workers (that cost ~20% of the throughput of
//! short queries, docs/PERFORMANCE.md). Threads are kept for reuse after their session ends
//! (mysqld's thread cache), so a new connection costs a wake-up, not a thread spawn.
//!
//! The session code stays `async` (it is generic over plain and TLS streams): [`Blocking`]
//! adapts a blocking socket to tokio's I/O traits, every poll completing at once, and
//! [`block_on`] drives the session on its thread. The thread enters the daemon's runtime,
//! so what a session starts there (replication threads on START SLAVE, timers) runs on it.

use std::future::Future;
use std::io::{Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Idle session threads kept for reuse (mysqld's thread_cache_size; MariaDB's automatic
/// value for the default max_connections).
const THREAD_CACHE: usize = 256;

/// Stack of a session thread: statements are parsed and evaluated recursively (bounded by
/// `sql::parse::check_nesting`), with room beyond that bound.
const STACK: usize = crate::sql::parse::STACK;

/// TCP connections accepted by the session threads themselves (leader/follower): idle
/// threads wait in `accept` on the listening socket, the kernel gives each new connection
/// to one of them, and that thread serves the session. No hand-off between threads, no
/// epoll registration, no change of the socket's blocking mode. The thread that accepts
/// while no other waits starts another first, so that someone always listens; after its
/// session a thread goes back to `accept`, or ends when [`THREAD_CACHE`] others wait.
pub struct Acceptor {
    /// The listening socket (blocking).
    listener: std::net::TcpListener,
    /// Threads waiting in `accept`.
    waiting: AtomicUsize,
    /// Set by [`Acceptor::stop`].
    stopped: AtomicBool,
    /// The daemon's runtime, which session threads enter.
    runtime: tokio::runtime::Handle,
    /// Serves one accepted connection (on the accepting thread).
    serve: Box<dyn Fn(std::net::TcpStream, std::net::SocketAddr) + Send + Sync>,
}

impl Acceptor {
    /// Starts accepting on `listener` (made blocking here).
    pub fn start(
        listener: std::net::TcpListener,
        runtime: tokio::runtime::Handle,
        serve: Box<dyn Fn(std::net::TcpStream, std::net::SocketAddr) + Send + Sync>,
    ) -> std::io::Result<Arc<Acceptor>> {
        listener.set_nonblocking(false)?;
        let a = Arc::new(Acceptor {
            listener,
            waiting: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            runtime,
            serve,
        });
        a.spawn()?;
        Ok(a)
    }

    fn spawn(self: &Arc<Self>) -> std::io::Result<()> {
        let me = self.clone();
        std::thread::Builder::new()
            .name("session".into())
            .stack_size(STACK)
            .spawn(move || me.work())
            .map(drop)
    }

    fn work(self: Arc<Self>) {
        let _entered = self.runtime.enter();
        loop {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let accepted = self.listener.accept();
            let others = self.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
            if self.stopped.load(Ordering::SeqCst) {
                return;
            }
            match accepted {
                Ok((stream, peer)) => {
                    if others == 0 {
                        if let Err(e) = self.spawn() {
                            tracing::warn!(error = %e, "cannot start a session thread");
                        }
                    }
                    (self.serve)(stream, peer);
                    if self.waiting.load(Ordering::SeqCst) >= THREAD_CACHE {
                        return;
                    }
                }
                Err(e) => {
                    // Out of file descriptors and the like: say so, pause, go on.
                    tracing::warn!(error = %e, "accept failed");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }

    /// Stops accepting: the waiting threads return from `accept` and end (sessions in
    /// progress go on until they are ended).
    pub fn stop(&self) {
        use std::os::fd::AsRawFd;
        self.stopped.store(true, Ordering::SeqCst);
        // SAFETY: shutdown(2) on a descriptor this struct owns; on a listening socket it
        // wakes every thread blocked in accept(2) with an error.
        unsafe {
            libc::shutdown(self.listener.as_raw_fd(), libc::SHUT_RDWR);
        }
    }
}

/// A connection's socket as the daemon holds it besides the session: a duplicate of the
/// descriptor, to end the session from outside (KILL CONNECTION, shutdown) and to set its
/// timeouts.
#[derive(Debug)]
pub enum Socket {
    /// TCP.
    Tcp(std::net::TcpStream),
    /// The unix socket.
    Unix(std::os::unix::net::UnixStream),
}

impl Socket {
    /// Shuts the connection down both ways: the session's blocked read returns at once.
    pub fn shutdown(&self) {
        let how = std::net::Shutdown::Both;
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(how),
            Socket::Unix(s) => s.shutdown(how),
        };
    }

    /// Bounds reads and writes (`None`: unbounded).
    pub fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) {
        let _ = match self {
            Socket::Tcp(s) => s.set_read_timeout(read).and(s.set_write_timeout(write)),
            Socket::Unix(s) => s.set_read_timeout(read).and(s.set_write_timeout(write)),
        };
    }

    /// A second handle on the same connection.
    pub fn try_clone(&self) -> std::io::Result<Socket> {
        Ok(match self {
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
        })
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A blocking stream (the socket, or rustls' blocking TLS stream over it) behind tokio's
/// I/O traits: every poll completes, blocking the session's own thread as mysqld's read
/// and write do, so the futures built on it never wait for an event loop.
#[derive(Debug)]
pub struct Blocking<T>(pub T);

/// Retries a call that a signal interrupted.
fn retry<T>(mut f: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

impl<T: Read + Unpin> AsyncRead for Blocking<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let inner = &mut self.get_mut().0;
        let into = buf.initialize_unfilled();
        let n = retry(|| inner.read(into))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Unpin> AsyncWrite for Blocking<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let inner = &mut self.get_mut().0;
        Poll::Ready(retry(|| inner.write(buf)))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let inner = &mut self.get_mut().0;
        Poll::Ready(retry(|| inner.flush()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Wakes the thread parked in [`block_on`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `f` to completion on this thread, parking it while `f` waits (on a timer or a
/// channel; I/O on [`Blocking`] never waits).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// A session to run.
type Job = Box<dyn FnOnce() + Send>;

/// The session threads: the busy ones run a session each; idle ones wait for the next.
pub struct Threads {
    /// Idle threads, each waiting on its channel.
    idle: Mutex<Vec<mpsc::Sender<Job>>>,
    /// The daemon's runtime, which session threads enter.
    runtime: tokio::runtime::Handle,
}

impl Threads {
    /// A pool whose threads enter `runtime`.
    pub fn new(runtime: tokio::runtime::Handle) -> Arc<Threads> {
        Arc::new(Threads {
            idle: Mutex::new(Vec::new()),
            runtime,
        })
    }

    /// Runs `job` on an idle thread, or a new one. Err when no thread could be started
    /// (the job is dropped: its connection closes).
    pub fn run(self: &Arc<Self>, job: Job) -> std::io::Result<()> {
        let mut job = job;
        loop {
            let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
            let Some(tx) = idle else { break };
            match tx.send(job) {
                Ok(()) => return Ok(()),
                // That thread is gone: try the next.
                Err(mpsc::SendError(j)) => job = j,
            }
        }
        let me = self.clone();
        std::thread::Builder::new()
            .name("session".into())
            .stack_size(STACK)
            .spawn(move || me.work(job))
            .map(drop)
    }

    /// A thread's life: its first job, then whatever it is handed while idle, until the
    /// cache is full or the pool is closed.
    fn work(self: Arc<Self>, first: Job) {
        let _entered = self.runtime.enter();
        let mut job = first;
        loop {
            job();
            // A channel per wait: the cache holds its only sender, so `close` (dropping
            // the senders) ends the wait.
            let (tx, rx) = mpsc::channel::<Job>();
            {
                let Ok(mut idle) = self.idle.lock() else {
                    return;
                };
                if idle.len() >= THREAD_CACHE {
                    return;
                }
                idle.push(tx);
            }
            match rx.recv() {
                Ok(j) => job = j,
                Err(_) => return,
            }
        }
    }

    /// Lets the idle threads end (daemon shutdown).
    pub fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_socket_reads_and_writes_through_tokio_traits() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut a = Blocking(Socket::Unix(a));
        let mut b = Blocking(Socket::Unix(b));
        block_on(async {
            a.write_all(b"hello").await.unwrap();
            let mut got = [0u8; 5];
            b.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"hello");
        });
        // A shut-down socket ends the peer's read with EOF.
        a.0.shutdown();
        let mut rest = Vec::new();
        block_on(b.read_to_end(&mut rest)).unwrap();
        assert!(rest.is_empty());
    }

    #[test]
    fn threads_are_reused_after_their_job() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let pool = Threads::new(rt.handle().clone());
        let (tx, rx) = mpsc::channel();
        let job = |tx: mpsc::Sender<std::thread::ThreadId>| -> Job {
            Box::new(move || tx.send(std::thread::current().id()).unwrap())
        };
        pool.run(job(tx.clone())).unwrap();
        let first = rx.recv().unwrap();
        // Wait until the thread is back in the cache before handing out the next job.
        while pool.idle.lock().unwrap().is_empty() {
            std::thread::yield_now();
        }
        pool.run(job(tx)).unwrap();
        assert_eq!(rx.recv().unwrap(), first);
        pool.close();
    }
}
