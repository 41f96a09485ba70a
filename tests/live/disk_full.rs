//! A full disk (issue 21): with the datadir on a small tmpfs, the relay log and the store
//! stop short of filling it (`disk-space-reserve`), SHOW SLAVE STATUS says "Waiting for
//! someone to free space", reads go on; once the tmpfs grows, replication continues by
//! itself and ends equal to the master.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

/// A tmpfs mounted over a temporary directory, unmounted when dropped.
struct Tmpfs {
    dir: Option<tempfile::TempDir>,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::Builder::new()
            .prefix("rpl-full-")
            .tempdir_in("/tmp")
            .unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and must run as root (scripts/test does): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir: Some(dir) }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.as_ref().unwrap().path()
    }

    fn resize(&self, size: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if let Some(d) = self.dir.take() {
            let _ = Command::new("umount").arg("-l").arg(d.path()).status();
            drop(d);
        }
    }
}

#[test]
fn a_full_disk_waits_keeps_serving_reads_and_resumes() {
    let m = master();
    m.sql("CREATE DATABASE big; CREATE TABLE big.t (id INT PRIMARY KEY, pad VARCHAR(600))");
    // About 60 MB of hex text (it compresses to about half in the store) in 30 transactions.
    for i in 0..30 {
        m.sql(&format!(
            "INSERT INTO big.t SELECT seq + {}, CONCAT(SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512), SHA2(RAND(), 512)) FROM big.seq_1_to_4000",
            i * 4000
        ));
    }
    let fs = Tmpfs::mount("96m");
    let datadir = fs.path().join("data");
    let mut proc = Replicant::spawn(run_args(
        &datadir,
        m.port(),
        102,
        &["--disk-space-reserve=24M"],
    ));
    proc.wait_endpoint();
    let mut state = String::new();
    let waited = wait_until(Duration::from_secs(180), || {
        state = proc.sql("SHOW SLAVE STATUS").unwrap_or_default();
        state.contains("Waiting for someone to free space")
    });
    assert!(waited, "never waited for space: {state}\n{}", proc.stderr());
    // Waiting is not failing: both threads run, no error, and reads are answered.
    let st = proc.client(&["-uroot"], "SHOW SLAVE STATUS\\G").unwrap();
    assert!(st.contains("Slave_IO_Running: Yes"), "{st}");
    assert!(st.contains("Slave_SQL_Running: Yes"), "{st}");
    assert!(
        st.contains("Last_SQL_Errno: 0") && st.contains("Last_IO_Errno: 0"),
        "{st}"
    );
    let n: u64 = proc
        .sql("SELECT COUNT(*) FROM big.t")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(n < 120_000, "everything fit: {n} rows");
    assert!(proc.stderr().contains("disk is full"), "{}", proc.stderr());

    fs.resize("600m");
    let mut r = Replica {
        proc,
        datadir,
        dir: tempfile::tempdir().unwrap(),
    };
    r.wait_applied(&m);
    let st = r.status();
    assert!(st.contains("Last_SQL_Errno: 0"), "{st}");
    assert_same_table(&m, &r.datadir, "big.t", "id");
    r.proc.terminate();
}
