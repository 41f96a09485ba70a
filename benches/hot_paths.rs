//! Micro-benchmarks of the per-event paths, on the MariaDB proto-fixture binlog:
//! framing + CRC32 (the receiver and every reader), relay append (the receiver's write path,
//! without the network), and `print -v` rendering (the inspection tool).
//!
//! Run: `cargo bench --bench hot_paths`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use replicant::binlog::file::BinlogReader;
use replicant::inspect::print::{print_files, PrintOptions};
use replicant::relay::{RelayLog, RelayOptions};

fn fixture() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/proto-fixtures/mariadb-crc32.000001"
    ))
}

fn framing(c: &mut Criterion) {
    let bytes = std::fs::read(fixture()).expect("proto-fixture");
    let mut g = c.benchmark_group("binlog");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("frame_and_crc32", |b| {
        b.iter(|| {
            let mut r = BinlogReader::new(&bytes[..], "bench".into()).unwrap();
            let mut n = 0usize;
            while let Ok(Some((_, ev))) = r.next_event() {
                n += ev.bytes.len();
            }
            n
        })
    });
    g.finish();
}

fn relay_append(c: &mut Criterion) {
    let bytes = std::fs::read(fixture()).expect("proto-fixture");
    let mut g = c.benchmark_group("relay");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("append", |b| {
        let dir = tempfile::tempdir().unwrap();
        let (mut relay, _) = RelayLog::open(RelayOptions {
            dir: dir.path().to_path_buf(),
            base: "relay-bin".into(),
            rotate_size: 64 << 20,
            sync_every: 0,
            server_id: 2,
        })
        .unwrap();
        b.iter(|| {
            let mut r = BinlogReader::new(&bytes[..], "bench".into()).unwrap();
            while let Ok(Some((_, ev))) = r.next_event() {
                // The master's closing ROTATE would end the file with an fsync each round.
                if ev.event_type() != Some(replicant::binlog::EventType::Rotate) {
                    relay.append(&ev).unwrap();
                }
            }
            relay.flush().unwrap();
        })
    });
    g.finish();
}

fn print_verbose(c: &mut Criterion) {
    let path = fixture();
    let len = std::fs::metadata(&path).unwrap().len();
    let mut g = c.benchmark_group("print");
    g.throughput(Throughput::Bytes(len));
    let opts = PrintOptions {
        verbose: true,
        ..PrintOptions::default()
    };
    g.bench_function("print_v", |b| {
        let mut out = Vec::with_capacity(4 * len as usize);
        b.iter(|| {
            out.clear();
            print_files(std::slice::from_ref(&path), &opts, &mut out).unwrap();
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, framing, relay_append, print_verbose);
criterion_main!(benches);
