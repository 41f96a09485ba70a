//! Replicant's own binlog and dump server, against MariaDB on this machine in one run:
//!
//! - catch-up with `log-bin` + `log_slave_updates` on vs off (goal: within 20%), on a
//!   master whose binlog holds sysbench `prepare` (4 tables) plus `oltp_write_only`;
//! - dump throughput: that binlog read to its end by a downstream reader that discards
//!   (`mariadb-binlog --read-from-remote-server --raw`, one file after another), from
//!   replicant's binlog and from the MariaDB master's (goal: at least as fast);
//! - fan-out: `LOGBIN_FANOUT` (8) replicants tailing the first one while the master runs
//!   `oltp_write_only`: the upstream replicant's CPU and the downstream replicants'
//!   Seconds_Behind_Master, sampled each second.
//!
//! Run: `cargo bench --bench logbin` (`LOGBIN_TABLE_SIZE`, `LOGBIN_SECS`,
//! `LOGBIN_FANOUT`, `LOGBIN_FANOUT_SECS` size it). Results go to stdout as Markdown.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::*;

fn main() {
    let table_size = env_or("LOGBIN_TABLE_SIZE", 50_000);
    let secs = env_or("LOGBIN_SECS", 20);
    let fanout = env_or("LOGBIN_FANOUT", 8);
    let fanout_secs = env_or("LOGBIN_FANOUT_SECS", 20);
    let m = MariaDb::start(MasterOpts {
        extra_args: vec!["--max-binlog-size=1G".into(), "--sync-binlog=0".into()],
        ..MasterOpts::format("ROW")
    });
    m.create_repl_user("repl", "repl");
    let sb = SysbenchOpts {
        tables: 4,
        table_size: table_size as u32,
        time_secs: secs as u32,
        threads: 4,
        ..SysbenchOpts::default()
    };
    sysbench(&m, &sb);
    let (end_file, end_pos) = m.master_status();
    let binlog_bytes: u64 = m
        .binlog_files()
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    let mb = binlog_bytes / 1_000_000;
    eprintln!("master binlog: {mb} MB up to {end_file}:{end_pos}");
    let tables: Vec<String> = (1..=4).map(|i| format!("sbtest.sbtest{i}")).collect();

    let off = replicant_catchup(&m, &[], &end_file, end_pos, &tables);
    eprintln!("catch-up, log-bin off: {:?}", off.took);
    let off_took = off.took;
    drop(off);
    let upstream_args = [
        "--log-bin=rb",
        "--log-slave-updates",
        "--account=root@localhost ADMIN",
        "--account=repl@% IDENTIFIED BY 'repl' ADMIN",
    ];
    let on = replicant_catchup(&m, &upstream_args, &end_file, end_pos, &tables);
    eprintln!("catch-up, log-bin on: {:?}", on.took);

    // Dump throughput: every file of each binlog, read to its end and discarded.
    let ours_files: Vec<String> = index_files(&on.datadir, "rb")
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let ours_bytes: u64 = ours_files
        .iter()
        .map(|f| std::fs::metadata(on.datadir.join(f)).map_or(0, |m| m.len()))
        .sum();
    let masters: Vec<String> = m
        .binlog_files()
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let ours_t = read_remote(on.proc.port(), &ours_files);
    let master_t = read_remote(m.port(), &masters);
    eprintln!("mariadb-binlog --raw: replicant {ours_t:?} for {ours_bytes} B, MariaDB {master_t:?} for {binlog_bytes} B");
    let (our_end, our_end_pos) = upstream_status(&on.datadir);
    let ours_d = discard_dump(
        on.proc.port(),
        "repl",
        "repl",
        &ours_files[0],
        &our_end,
        our_end_pos,
    );
    let master_d = discard_dump(m.port(), "repl", "repl", &masters[0], &end_file, end_pos);
    eprintln!("discarding reader: replicant {ours_d:?}, MariaDB {master_d:?}");

    // Fan-out.
    let upstream_pid = on.proc.pid().unwrap();
    let mut downstream = Vec::new();
    for i in 0..fanout {
        let dir = tempfile::Builder::new()
            .prefix("rpl-fan-")
            .tempdir_in("/tmp")
            .unwrap();
        let datadir = dir.path().join("data");
        let proc = Replicant::spawn(run_args(&datadir, on.proc.port(), 200 + i as u32, &[]));
        downstream.push(Replica { proc, datadir, dir });
    }
    // They first catch up with what the upstream has.
    let (uf, up) = upstream_status(&on.datadir);
    for d in &mut downstream {
        let ok = wait_until(Duration::from_secs(1800), || {
            let st = status_of(&d.datadir);
            st.contains(&format!("Relay_Master_Log_File: {uf}\n"))
                && st.contains(&format!("Exec_Master_Log_Pos: {up}\n"))
        });
        assert!(
            ok,
            "a downstream replicant did not catch up:\n{}",
            status_of(&d.datadir)
        );
    }
    let sb_fan = SysbenchOpts {
        time_secs: fanout_secs as u32,
        threads: 2,
        ..sb.clone()
    };
    let cpu0 = cpu_ticks(upstream_pid);
    let t0 = Instant::now();
    let (sb_out, mut lags) = {
        let m2 = &m;
        let sb_fan = sb_fan.clone();
        std::thread::scope(|s| {
            let h = s.spawn(move || {
                sysbench_cmd(
                    m2,
                    &sb_fan,
                    "run",
                    &[
                        format!("--threads={}", sb_fan.threads),
                        format!("--time={}", sb_fan.time_secs),
                    ],
                )
            });
            let mut lags = Vec::new();
            while !h.is_finished() {
                for d in &downstream {
                    if let Some(l) = seconds_behind(&status_of(&d.datadir)) {
                        lags.push(l);
                    }
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            let out = h.join().unwrap();
            (out, lags)
        })
    };
    let wall = t0.elapsed();
    let cpu1 = cpu_ticks(upstream_pid);
    let tps = sysbench_rate(&sb_out, "transactions");
    let ticks = (cpu1.0 + cpu1.1).saturating_sub(cpu0.0 + cpu0.1);
    let cpu_pct = ticks as f64 / 100.0 / wall.as_secs_f64() * 100.0;
    lags.sort_unstable();
    let pct = |p: f64| {
        if lags.is_empty() {
            0
        } else {
            lags[((lags.len() - 1) as f64 * p).round() as usize]
        }
    };
    // Everyone ends equal to the master.
    on.proc.sql("SELECT 1").unwrap();
    for d in &downstream {
        for t in &tables {
            let want = m.sql(&format!("SELECT * FROM {t} ORDER BY id"));
            let ok = wait_until(Duration::from_secs(600), || {
                let out =
                    replicant_cmd(["table-dump", "--datadir", d.datadir.to_str().unwrap(), t]);
                String::from_utf8_lossy(&out.stdout) == want
            });
            assert!(ok, "{t} of a downstream replicant differs from the master");
        }
    }

    println!("| own binlog, ROW, {mb} MB master binlog (sysbench 4 x {table_size} + {secs} s write-only x 4) | value | ratio |");
    println!("|---|---|---|");
    println!(
        "| catch-up, log-bin off | {:.1} s | – |",
        off_took.as_secs_f64()
    );
    println!(
        "| catch-up, log-bin + log_slave_updates on | {:.1} s | {:.2}x the time (goal ≤ 1.2x) |",
        on.took.as_secs_f64(),
        on.took.as_secs_f64() / off_took.as_secs_f64()
    );
    let rate = |bytes: u64, t: Duration| bytes as f64 / 1e6 / t.as_secs_f64();
    for (what, ours, theirs) in [
        (
            "a discarding reader (COM_BINLOG_DUMP, events dropped)",
            ours_d,
            master_d,
        ),
        (
            "`mariadb-binlog --read-from-remote-server --raw`",
            ours_t,
            master_t,
        ),
    ] {
        println!(
            "| dump to {what}: replicant {} MB / MariaDB master {mb} MB | {:.0} MB/s / {:.0} MB/s | {:.2}x MariaDB's rate (goal ≥ 1x) |",
            ours_bytes / 1_000_000,
            rate(ours_bytes, ours),
            rate(binlog_bytes, theirs),
            rate(ours_bytes, ours) / rate(binlog_bytes, theirs)
        );
    }
    println!(
        "| fan-out: {fanout} replicants tailing one, master at {tps:.0} tps oltp_write_only | upstream CPU {cpu_pct:.0}% of a core | downstream lag p50 {} s, p99 {} s |",
        pct(0.5),
        pct(0.99)
    );
    drop(downstream);
}

/// Reads `files` from the server at `port` with `mariadb-binlog --read-from-remote-server
/// --raw` into a scratch directory (a reader that only stores what it gets).
fn read_remote(port: u16, files: &[String]) -> Duration {
    let out_dir = tempfile::Builder::new()
        .prefix("rpl-raw-")
        .tempdir_in("/tmp")
        .unwrap();
    let t = Instant::now();
    let out = std::process::Command::new("mariadb-binlog")
        .args([
            "--read-from-remote-server",
            "--raw",
            "--host=127.0.0.1",
            "-uroot",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--result-file={}/", out_dir.path().display()))
        .arg("--to-last-log")
        .arg(&files[0])
        .output()
        .expect("mariadb-binlog");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "mariadb-binlog --read-from-remote-server: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// The upstream's applied master coordinate as its downstream replicas see it: its own
/// binlog's end (SHOW MASTER STATUS).
fn upstream_status(datadir: &Path) -> (String, u64) {
    let files = index_files(datadir, "rb");
    let last = files.last().unwrap();
    let len = std::fs::metadata(last).map_or(0, |m| m.len());
    (
        last.file_name().unwrap().to_string_lossy().into_owned(),
        len,
    )
}

fn seconds_behind(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.trim().strip_prefix("Seconds_Behind_Master:"))
        .and_then(|v| v.trim().parse().ok())
}
