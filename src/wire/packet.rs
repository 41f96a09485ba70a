//! Packet framing: 3-byte length, 1-byte sequence id, payload; payloads of 16 MB - 1 or more
//! are split into several packets and joined on read.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::WireError;

/// Largest payload of one physical packet.
pub const MAX_PACKET: usize = 0xff_ffff;

/// Reads and writes MySQL packets over a byte stream, tracking sequence ids.
pub struct PacketIo<S> {
    /// The stream (buffered by the caller as it sees fit).
    pub stream: S,
    /// Sequence id expected on the next packet.
    pub seq: u8,
    /// Upper bound on a joined payload, so a corrupt length cannot exhaust memory.
    pub max_payload: usize,
}

impl<S> PacketIo<S> {
    /// Appends `payload` to `out` as one logical packet (split as needed) with the next
    /// sequence ids, so a whole response can go out in one write.
    pub fn frame_into(&mut self, out: &mut Vec<u8>, payload: &[u8]) {
        out.reserve(payload.len() + 4 * (payload.len() / MAX_PACKET + 1));
        let mut rest = payload;
        loop {
            let n = rest.len().min(MAX_PACKET);
            out.extend_from_slice(&[n as u8, (n >> 8) as u8, (n >> 16) as u8, self.seq]);
            out.extend_from_slice(&rest[..n]);
            self.seq = self.seq.wrapping_add(1);
            rest = &rest[n..];
            if n < MAX_PACKET {
                break;
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> PacketIo<S> {
    /// Wraps a stream.
    pub fn new(stream: S) -> Self {
        PacketIo {
            stream,
            seq: 0,
            max_payload: (1 << 30) + (1 << 16),
        }
    }

    /// Reads one logical packet into `buf` (cleared first), joining split packets.
    pub async fn read_packet(&mut self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        buf.clear();
        loop {
            let mut head = [0u8; 4];
            if let Err(e) = self.stream.read_exact(&mut head).await {
                return Err(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    WireError::Closed
                } else {
                    WireError::Io(e)
                });
            }
            let len = head[0] as usize | (head[1] as usize) << 8 | (head[2] as usize) << 16;
            self.seq = head[3].wrapping_add(1);
            if buf.len() + len > self.max_payload {
                return Err(WireError::TooLarge {
                    size: buf.len() + len,
                    limit: self.max_payload,
                });
            }
            // Read into spare capacity: no zero-filling of bytes about to be overwritten.
            let want = buf.len() + len;
            buf.reserve(len);
            while buf.len() < want {
                let mut limited = (&mut self.stream).take((want - buf.len()) as u64);
                match limited.read_buf(buf).await {
                    Ok(0) => return Err(WireError::Closed),
                    Ok(_) => {}
                    Err(e) => return Err(WireError::Io(e)),
                }
            }
            if len < MAX_PACKET {
                return Ok(());
            }
        }
    }

    /// Writes one logical packet, splitting it as needed, and flushes.
    pub async fn write_packet(&mut self, payload: &[u8]) -> Result<(), WireError> {
        // One buffer per logical packet, so a small command is one write on the socket.
        let mut out = Vec::with_capacity(payload.len() + 4 * (payload.len() / MAX_PACKET + 1));
        self.frame_into(&mut out, payload);
        self.write_framed(&out).await
    }

    /// Writes bytes framed by [`PacketIo::frame_into`] and flushes.
    pub async fn write_framed(&mut self, framed: &[u8]) -> Result<(), WireError> {
        self.stream.write_all(framed).await?;
        self.stream.flush().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn split_and_join_large_packets() {
        let (a, b) = tokio::io::duplex(1 << 20);
        let mut w = PacketIo::new(a);
        let mut r = PacketIo::new(b);
        let big: Vec<u8> = (0..MAX_PACKET + 10).map(|i| i as u8).collect();
        let exact = vec![7u8; MAX_PACKET];
        let writer = tokio::spawn(async move {
            w.write_packet(&big).await.unwrap();
            w.write_packet(&exact).await.unwrap();
            w.write_packet(b"x").await.unwrap();
        });
        let mut buf = Vec::new();
        r.read_packet(&mut buf).await.unwrap();
        assert_eq!(buf.len(), MAX_PACKET + 10);
        assert_eq!(buf[MAX_PACKET + 9], ((MAX_PACKET + 9) % 256) as u8);
        r.read_packet(&mut buf).await.unwrap();
        assert_eq!(buf.len(), MAX_PACKET);
        r.read_packet(&mut buf).await.unwrap();
        assert_eq!(buf, b"x");
        writer.await.unwrap();
        assert!(matches!(
            r.read_packet(&mut buf).await,
            Err(WireError::Closed)
        ));
    }
}
