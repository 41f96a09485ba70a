//! Bad input on the endpoint's socket: garbage and half-sent handshakes, oversize packets,
//! unknown commands, random bytes, clients vanishing. Each gets an ERR packet or a closed
//! connection; the daemon keeps serving and no session is left behind.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::*;

fn replicant() -> (tempfile::TempDir, Replicant) {
    let dir = tempfile::Builder::new()
        .prefix("rpl-in-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let mut r = Replicant::spawn([
        "run".to_string(),
        format!("--datadir={}", datadir.display()),
        "--server-id=102".into(),
    ]);
    r.wait_endpoint();
    (dir, r)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

/// Reads one packet: (seq, payload); `None` on EOF.
fn read_packet(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 4];
    s.read_exact(&mut h).ok()?;
    let len = h[0] as usize | (h[1] as usize) << 8 | (h[2] as usize) << 16;
    let mut p = vec![0; len];
    s.read_exact(&mut p).ok()?;
    Some((h[3], p))
}

fn send(s: &mut TcpStream, seq: u8, payload: &[u8]) {
    let n = payload.len();
    let mut out = vec![n as u8, (n >> 8) as u8, (n >> 16) as u8, seq];
    out.extend_from_slice(payload);
    let _ = s.write_all(&out);
}

/// True when the server closes the connection within `limit` (reading and discarding).
fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

/// Connects and logs in as root (no password) with protocol 4.1 and DEPRECATE_EOF.
fn login(port: u16) -> TcpStream {
    let mut s = connect(port);
    let (_, greeting) = read_packet(&mut s).expect("greeting");
    assert_eq!(greeting[0], 10, "protocol version 10");
    let caps: u32 = 0x200 | 0x8000 | 0x80000 | 0x200000 | 0x0100_0000 | 0x2000;
    let mut p = Vec::new();
    p.extend_from_slice(&caps.to_le_bytes());
    p.extend_from_slice(&(1u32 << 24).to_le_bytes());
    p.push(45);
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(b"root\0");
    p.push(0); // empty auth response
    p.extend_from_slice(b"mysql_native_password\0");
    send(&mut s, 1, &p);
    let (_, ok) = read_packet(&mut s).expect("auth reply");
    assert_eq!(ok[0], 0, "OK after login: {ok:?}");
    s
}

fn err_code(p: &[u8]) -> Option<u16> {
    (p.first() == Some(&0xff) && p.len() >= 3).then(|| u16::from_le_bytes([p[1], p[2]]))
}

#[test]
fn bad_input_never_hurts_the_daemon() {
    let (_dir, mut r) = replicant();
    let port = r.port();

    // Garbage instead of a handshake response: ERR (Bad handshake) or close.
    let mut s = connect(port);
    read_packet(&mut s).unwrap();
    send(&mut s, 1, &[0xde, 0xad, 0xbe]);
    if let Some((_, p)) = read_packet(&mut s) {
        assert_eq!(err_code(&p), Some(1043), "{p:?}");
    }
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    drop(s);

    // A handshake response announcing 16 MB: refused before it is read.
    let mut s = connect(port);
    read_packet(&mut s).unwrap();
    let _ = s.write_all(&[0xff, 0xff, 0xff, 1, 0, 0, 0]);
    assert!(closed_within(&mut s, Duration::from_secs(5)));

    // Half a handshake response, then silence: dropped after connect_timeout (10 s).
    let mut s = connect(port);
    read_packet(&mut s).unwrap();
    let _ = s.write_all(&[50, 0, 0, 1, 1, 2, 3]);
    assert!(
        closed_within(&mut s, Duration::from_secs(25)),
        "half-sent handshake kept open"
    );

    // A handshake response trickled a byte every 3 s: each read is quick, but the whole
    // handshake is still bounded by connect_timeout.
    let mut s = connect(port);
    read_packet(&mut s).unwrap();
    let _ = s.write_all(&[50, 0, 0, 1]);
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let start = Instant::now();
    let mut closed = false;
    while start.elapsed() < Duration::from_secs(25) {
        std::thread::sleep(Duration::from_secs(3));
        if s.write_all(&[1]).is_err() || closed_within(&mut s, Duration::from_millis(200)) {
            closed = true;
            break;
        }
    }
    assert!(closed, "trickled handshake kept open");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );

    // Unknown command: 1047, and the session stays usable.
    let mut s = login(port);
    send(&mut s, 0, &[0xee, 1, 2]);
    let (_, p) = read_packet(&mut s).unwrap();
    assert_eq!(err_code(&p), Some(1047));
    send(&mut s, 0, b"\x03SELECT 7");
    let (_, p) = read_packet(&mut s).unwrap();
    assert_eq!(p, vec![1], "one column");
    drop(s);

    // A statement nested deeper than can be evaluated: 1436, not a crashed daemon.
    let mut s = login(port);
    let deep = format!("\x03SELECT 1{}", "+1".repeat(20_000));
    send(&mut s, 0, deep.as_bytes());
    let (_, p) = read_packet(&mut s).unwrap();
    assert_eq!(err_code(&p), Some(1436));
    let deep = format!("\x03SET @x = {}1{}", "(".repeat(20_000), ")".repeat(20_000));
    send(&mut s, 0, deep.as_bytes());
    let (_, p) = read_packet(&mut s).unwrap();
    assert_eq!(err_code(&p), Some(1436));
    drop(s);

    // A command over max_allowed_packet (16 MB): 1153 and the connection closes.
    let mut s = login(port);
    let big = vec![b'x'; 0xff_ffff];
    let mut first = vec![0xff, 0xff, 0xff, 0];
    first.push(3);
    first.extend_from_slice(&big[1..]);
    let _ = s.write_all(&first);
    let _ = s.write_all(&[0xff, 0xff, 0x0f, 1]);
    let _ = s.write_all(&big[..1 << 20]);
    let mut got = None;
    while let Some((_, p)) = read_packet(&mut s) {
        got = err_code(&p);
        if got.is_some() {
            break;
        }
    }
    assert_eq!(got, Some(1153));
    assert!(closed_within(&mut s, Duration::from_secs(5)));

    // A client that vanishes right after asking for a result.
    for _ in 0..20 {
        let mut s = login(port);
        send(&mut s, 0, b"\x03SHOW VARIABLES");
        drop(s);
    }

    // Random bytes after the greeting and after login, from fixed seeds.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..60 {
        let mut s = if round % 2 == 0 {
            connect(port)
        } else {
            login(port)
        };
        if round % 2 == 0 {
            read_packet(&mut s).unwrap();
        }
        let n = (next() % 300) as usize;
        let bytes: Vec<u8> = (0..n).map(|_| next() as u8).collect();
        let _ = s.write_all(&bytes);
        drop(s);
    }

    // Still serving, nothing left behind but the session asking.
    assert!(r.try_wait().is_none(), "replicant died");
    let mut list = String::new();
    let clean = wait_until(Duration::from_secs(30), || {
        list = r.sql("SHOW PROCESSLIST").unwrap_or_default();
        list.lines().count() == 1
    });
    assert!(clean, "sessions left behind:\n{list}");
    assert_eq!(r.sql("SELECT 1").unwrap(), "1\n");
    r.terminate();
}
