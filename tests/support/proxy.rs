//! A loopback TCP proxy that breaks connections: between a master and replicant (or the
//! endpoint and its clients) it forwards bytes both ways and, after a random number of
//! bytes from the server side, injects a fault at that exact byte: a cut with FIN, a cut
//! with RST, a stall, or a delay. Faults land mid-packet and mid-event, wherever the
//! random offset falls. Seeded, so a failing schedule can be replayed.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What the proxy does, and how often.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    /// Seed of the schedule.
    pub seed: u64,
    /// Server-to-client bytes between faults: at least this many...
    pub min_bytes: u64,
    /// ...and at most this many.
    pub max_bytes: u64,
    /// How long a stall holds the connection silent (longer than the client's read
    /// timeout makes it give up and reconnect).
    pub stall: Duration,
    /// How long a delay holds it (shorter: the client just waits).
    pub delay: Duration,
}

/// One kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// shutdown(): both sides see an orderly end of stream.
    CutFin,
    /// SO_LINGER 0 and close: both sides see a connection reset.
    CutRst,
    /// Nothing forwarded for `stall`, then the connection is cut.
    Stall,
    /// Nothing forwarded for `delay`, then forwarding goes on.
    Delay,
}

/// Counts of the faults injected so far.
#[derive(Debug, Default)]
pub struct FaultCounts {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Connections cut (FIN, RST, or after a stall).
    pub cuts: AtomicU64,
    /// Delays.
    pub delays: AtomicU64,
}

/// A running proxy; stops (and closes every connection) when dropped.
pub struct FaultProxy {
    /// The port clients connect to.
    port: u16,
    /// Set to end the proxy.
    stop: Arc<AtomicBool>,
    /// Set to forward without faults from now on.
    calm: Arc<AtomicBool>,
    /// What was injected.
    pub counts: Arc<FaultCounts>,
    /// The accept thread.
    accept: Option<JoinHandle<()>>,
}

/// A small deterministic generator (xorshift64*), enough for fault schedules.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `target_port`, faulting per `plan`.
    pub fn start(target_port: u16, plan: FaultPlan) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let calm = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(FaultCounts::default());
        let (s, c, n) = (stop.clone(), calm.clone(), counts.clone());
        let accept = std::thread::spawn(move || {
            let mut rng = Rng(plan.seed | 1);
            let mut conns: Vec<JoinHandle<()>> = Vec::new();
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        n.connections.fetch_add(1, Ordering::SeqCst);
                        let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
                            continue;
                        };
                        let conn = Conn {
                            plan: plan.clone(),
                            rng: Rng(rng.next() | 1),
                            stop: s.clone(),
                            calm: c.clone(),
                            counts: n.clone(),
                        };
                        conns.push(std::thread::spawn(move || conn.run(client, server)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            for h in conns {
                let _ = h.join();
            }
        });
        FaultProxy {
            port,
            stop,
            calm,
            counts,
            accept: Some(accept),
        }
    }

    /// The port to connect to instead of the server's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// From now on forward without faults (connections already open stay).
    pub fn calm(&self) {
        self.calm.store(true, Ordering::SeqCst);
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u64 {
        self.counts.cuts.load(Ordering::SeqCst)
    }

    /// Delays injected so far.
    pub fn delays(&self) -> u64 {
        self.counts.delays.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// One proxied connection.
struct Conn {
    plan: FaultPlan,
    rng: Rng,
    stop: Arc<AtomicBool>,
    calm: Arc<AtomicBool>,
    counts: Arc<FaultCounts>,
}

impl Conn {
    fn run(mut self, client: TcpStream, server: TcpStream) {
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        // Client to server: plain copy on its own thread.
        let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        let up = std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                match c_in.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if s_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = s_out.shutdown(Shutdown::Write);
        });
        let rst = self.down(&client, &server);
        let _ = server.shutdown(Shutdown::Both);
        if rst {
            // SO_LINGER 0 is set: the reset goes out when the last descriptor closes, so
            // end the other thread's read without a FIN and drop both.
            let _ = client.shutdown(Shutdown::Read);
            let _ = up.join();
            drop(client);
        } else {
            let _ = client.shutdown(Shutdown::Both);
            let _ = up.join();
        }
    }

    /// Server to client, with the faults; true when the connection is to end with a reset.
    fn down(&mut self, client: &TcpStream, server: &TcpStream) -> bool {
        let _ = server.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = vec![0u8; 64 << 10];
        let mut budget = self.rng.between(self.plan.min_bytes, self.plan.max_bytes);
        let (mut client, mut server) = (client, server);
        while !self.stop.load(Ordering::SeqCst) {
            let n = match server.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue
                }
                Err(_) => return false,
            };
            let mut chunk = &buf[..n];
            while !chunk.is_empty() {
                if self.calm.load(Ordering::SeqCst) || (chunk.len() as u64) < budget {
                    budget = budget.saturating_sub(chunk.len() as u64);
                    if client.write_all(chunk).is_err() {
                        return false;
                    }
                    break;
                }
                // The fault falls inside this chunk: forward up to it, then strike.
                let (before, after) = chunk.split_at(budget as usize);
                if client.write_all(before).is_err() {
                    return false;
                }
                match self.pick() {
                    Fault::CutFin => {
                        self.counts.cuts.fetch_add(1, Ordering::SeqCst);
                        return false;
                    }
                    Fault::CutRst => {
                        self.counts.cuts.fetch_add(1, Ordering::SeqCst);
                        set_linger_zero(client);
                        return true;
                    }
                    Fault::Stall => {
                        self.sleep(self.plan.stall);
                        self.counts.cuts.fetch_add(1, Ordering::SeqCst);
                        return false;
                    }
                    Fault::Delay => {
                        self.counts.delays.fetch_add(1, Ordering::SeqCst);
                        self.sleep(self.plan.delay);
                    }
                }
                chunk = after;
                budget = self.rng.between(self.plan.min_bytes, self.plan.max_bytes);
            }
        }
        false
    }

    fn pick(&mut self) -> Fault {
        match self.rng.next() % 4 {
            0 => Fault::CutFin,
            1 => Fault::CutRst,
            2 => Fault::Stall,
            _ => Fault::Delay,
        }
    }

    /// Sleeps, waking early when the proxy stops.
    fn sleep(&self, d: Duration) {
        let end = std::time::Instant::now() + d;
        while std::time::Instant::now() < end && !self.stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Makes the socket's close send a reset (RST) instead of a FIN: SO_LINGER on, timeout 0.
fn set_linger_zero(s: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}
