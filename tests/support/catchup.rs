//! Timing a replica's catch-up with a master whose binlog is already written (benches).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::applied::dump;
use super::mariadb::MariaDb;
use super::process::{perf_start, perf_stop};
use super::replicant::{run_args, Replicant};

/// A replicant that has caught up: how long it took, its peak RSS, and the daemon (still
/// running) with its datadir.
pub struct CaughtUp {
    /// From start to the master's last transaction executed.
    pub took: Duration,
    /// Peak RSS in KiB.
    pub peak_kb: u64,
    /// The daemon, still running.
    pub proc: Replicant,
    /// Its datadir.
    pub datadir: PathBuf,
    /// Owns the datadir.
    pub dir: tempfile::TempDir,
}

/// Starts replicant (server_id 102, options `extra`) on an empty datadir and waits until it
/// has executed `end_file:end_pos`; checks `tables` (ordered by `id`) against the master.
/// `CATCHUP_PERF=FILE` records a CPU profile meanwhile.
pub fn replicant_catchup(
    m: &MariaDb,
    extra: &[&str],
    end_file: &str,
    end_pos: u64,
    tables: &[String],
) -> CaughtUp {
    let dir = tempfile::Builder::new()
        .prefix("rpl-catchup-")
        .tempdir_in("/tmp")
        .unwrap();
    let datadir = dir.path().join("data");
    let t = Instant::now();
    let mut r = Replicant::spawn(run_args(&datadir, m.port(), 102, extra));
    let pid = r.pid().unwrap();
    let perf = std::env::var("CATCHUP_PERF")
        .ok()
        .map(|out| perf_start(&out));
    let status = datadir.join("applier-status.json");
    let want_file = format!("\"relay_master_log_file\": \"{end_file}\"");
    let want_pos = format!("\"exec_master_log_pos\": {end_pos},");
    let mut peak_kb = 0;
    loop {
        peak_kb = peak_kb.max(vm_hwm_kb(pid));
        let s = std::fs::read_to_string(&status).unwrap_or_default();
        if s.contains(&want_file) && s.contains(&want_pos) {
            break;
        }
        assert!(
            !s.contains("\"slave_sql_running\": \"No\""),
            "applier stopped:\n{s}"
        );
        assert!(r.try_wait().is_none(), "replicant exited:\n{}", r.stderr());
        assert!(
            t.elapsed() < Duration::from_secs(3600),
            "replicant did not catch up:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = t.elapsed();
    peak_kb = peak_kb.max(vm_hwm_kb(pid));
    if let Some(p) = perf {
        perf_stop(p);
    }
    for table in tables {
        let want = m.sql(&format!("SELECT * FROM {table} ORDER BY id"));
        let got = dump(&datadir, table);
        assert!(want == got, "{table} differs from the master");
    }
    CaughtUp {
        took,
        peak_kb,
        proc: r,
        datadir,
        dir,
    }
}

/// Peak RSS (VmHWM) of process `pid`, in KiB.
pub fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Reads a binlog dump from the server at `port` (as `user`), from `first` at 4 to
/// `end_file:end_pos`, and throws the events away: the fastest downstream reader there
/// is, timed from the connect.
pub fn discard_dump(
    port: u16,
    user: &str,
    password: &str,
    first: &str,
    end_file: &str,
    end_pos: u64,
) -> Duration {
    use ::replicant::wire::client::Connection;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let opts = super::replicant::client_opts(port, user, password);
        let t = Instant::now();
        let mut c = Connection::connect(&opts).await.unwrap();
        c.query("SET @master_binlog_checksum = @@global.binlog_checksum")
            .await
            .unwrap();
        c.query("SET @mariadb_slave_capability = 4").await.unwrap();
        c.binlog_dump(104, first, 4).await.unwrap();
        let mut buf = Vec::new();
        let mut file = first.to_string();
        loop {
            let ev = c.read_event(&mut buf).await.unwrap().expect("event");
            let h = ::replicant::binlog::EventHeader::parse(ev).unwrap();
            if h.type_code == 4 {
                let r = ::replicant::binlog::events::Rotate::parse(&ev[19..ev.len() - 4]).unwrap();
                file = r.next_file_lossy().into_owned();
            }
            if file == end_file && h.log_pos as u64 == end_pos {
                break;
            }
        }
        t.elapsed()
    })
}
