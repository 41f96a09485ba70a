//! The crate's own binary as a child process: long-running (`replicant run ...`) via
//! [`Replicant`], one-shot (`replicant relaylog print ...`) via [`replicant_cmd`].

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use super::process::{self, die_with_parent, run_with_timeout, tail};

/// The binary cargo built for this test run.
pub const REPLICANT_BIN: &str = env!("CARGO_BIN_EXE_replicant");

/// How long `terminate` waits after SIGTERM before it gives up and kills.
const TERM_GRACE: Duration = Duration::from_secs(30);
/// How long a one-shot command may run.
const CMD_TIMEOUT: Duration = Duration::from_secs(300);

/// A running `replicant` process with stdout and stderr captured to files.
/// Dropping it SIGKILLs the process (and prints its output tails if the test is panicking).
pub struct Replicant {
    /// The process; `None` once it has exited and been reaped.
    child: Option<Child>,
    /// Exit status once reaped.
    status: Option<ExitStatus>,
    /// Scratch directory holding stdout.log and stderr.log; tests may put datadirs here.
    dir: TempDir,
    /// The arguments it was started with, for messages.
    args: Vec<String>,
    /// The endpoint's TCP port (`run` only).
    port: Option<u16>,
}

impl Replicant {
    /// Spawns `replicant <args>` with `RUST_LOG` defaulting to `info` and `NO_COLOR=1`.
    pub fn spawn<I, S>(args: I) -> Replicant
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Self::spawn_with_env(args, &[])
    }

    /// Spawns `replicant <args>` with extra environment variables.
    pub fn spawn_with_env<I, S>(args: I, env: &[(&str, &str)]) -> Replicant
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let dir = tempfile::Builder::new()
            .prefix("rpl-bin-")
            .tempdir_in("/tmp")
            .expect("creating a temp dir under /tmp");
        let mut args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        // Every daemon gets its own endpoint port (mysqld's default 3306 would collide).
        let mut port = None;
        if args.first().is_some_and(|a| a == "run") {
            port = args.iter().find_map(|a| {
                a.to_str()
                    .and_then(|a| a.strip_prefix("--port="))
                    .and_then(|p| p.parse().ok())
            });
            if port.is_none() {
                let p = super::mariadb::free_port();
                args.push(format!("--port={p}").into());
                port = Some(p);
            }
        }
        let shown = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let stdout = File::create(dir.path().join("stdout.log")).expect("stdout.log");
        let stderr = File::create(dir.path().join("stderr.log")).expect("stderr.log");
        let mut cmd = Command::new(REPLICANT_BIN);
        cmd.args(&args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "info");
        }
        // The logs go to a file that failure messages quote; colour codes only get in the way.
        if std::env::var_os("NO_COLOR").is_none() {
            cmd.env("NO_COLOR", "1");
        }
        cmd.envs(env.iter().copied());
        die_with_parent(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {REPLICANT_BIN}: {e}"));
        Replicant {
            child: Some(child),
            status: None,
            dir,
            args: shown,
            port,
        }
    }

    /// The endpoint's TCP port (for `run`).
    pub fn port(&self) -> u16 {
        self.port.expect("not a `replicant run` process")
    }

    /// Runs `q` with the `mariadb` CLI against the endpoint over TCP as root (no
    /// password) in batch mode; stdout, or stderr as the error.
    pub fn sql(&self, q: &str) -> Result<String, String> {
        self.client(&["-uroot", "--batch", "--skip-column-names"], q)
    }

    /// Runs `q` with the `mariadb` CLI against the endpoint over TCP with `args`.
    pub fn client(&self, args: &[&str], q: &str) -> Result<String, String> {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults")
            .args(["--protocol=TCP", "--host=127.0.0.1"])
            .arg(format!("--port={}", self.port()))
            .arg("--connect-timeout=10")
            .args(args)
            .arg("-e")
            .arg(q);
        let out = run_with_timeout(&mut cmd, CMD_TIMEOUT);
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Waits until the endpoint answers a query.
    pub fn wait_endpoint(&mut self) {
        let mut last = String::new();
        let ok = process::wait_until(Duration::from_secs(60), || {
            if self.try_wait().is_some() {
                return true;
            }
            match self.sql("SELECT 1") {
                Ok(_) => true,
                Err(e) => {
                    last = e;
                    false
                }
            }
        });
        assert!(
            ok && self.try_wait().is_none(),
            "endpoint did not answer: {last}\n{}",
            self.output_tails()
        );
    }

    /// The scratch directory (removed on drop); a convenient place for `--datadir`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside [`Replicant::dir`].
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The pid while it has not been reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Everything it printed to stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.path("stdout.log")).unwrap_or_default()
    }

    /// Everything it printed to stderr so far (its logs).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.path("stderr.log")).unwrap_or_default()
    }

    /// Its exit status if it has exited (reaping it), `None` while it runs.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if let Some(child) = self.child.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                self.status = Some(status);
                self.child = None;
            }
        }
        self.status
    }

    /// Waits up to `timeout` for it to exit on its own; `None` if it is still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if let Some(child) = self.child.as_mut() {
            if let Some(status) = process::wait_timeout(child, timeout) {
                self.status = Some(status);
                self.child = None;
            }
        }
        self.status
    }

    /// SIGKILL: a crash with no chance to flush or clean up.
    pub fn kill9(&mut self) -> ExitStatus {
        if let Some(mut child) = self.child.take() {
            self.status = Some(process::kill9(&mut child));
        }
        self.status.expect("reaped")
    }

    /// SIGTERM and wait for a clean exit. Panics (after SIGKILL) if it takes longer than
    /// 30 s, since a prompt shutdown on SIGTERM is part of replicant's contract.
    pub fn terminate(&mut self) -> ExitStatus {
        if let Some(mut child) = self.child.take() {
            let (status, killed) = process::terminate(&mut child, TERM_GRACE);
            self.status = Some(status);
            if killed {
                panic!(
                    "replicant {:?} ignored SIGTERM for {TERM_GRACE:?}\n{}",
                    self.args,
                    self.output_tails()
                );
            }
        }
        self.status.expect("reaped")
    }

    /// Polls `pred` until it holds. Panics with the process output if `timeout` passes or
    /// the process exits first.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, mut pred: impl FnMut() -> bool) {
        let mut exited = None;
        let ok = process::wait_until(timeout, || {
            if pred() {
                return true;
            }
            exited = self.try_wait();
            exited.is_some()
        });
        // The process may have done its job and then exited; the predicate decides.
        if ok && (exited.is_none() || pred()) {
            return;
        }
        let why = match exited {
            Some(status) => format!("replicant exited with {status}"),
            None => format!("timed out after {timeout:?}"),
        };
        panic!(
            "waiting for {what}: {why}; args {:?}\n{}",
            self.args,
            self.output_tails()
        );
    }

    fn output_tails(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            tail(&self.stdout(), 40),
            tail(&self.stderr(), 80)
        )
    }
}

impl Drop for Replicant {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            process::kill9(&mut child);
        }
        if std::thread::panicking() {
            eprintln!("--- replicant {:?} ---\n{}", self.args, self.output_tails());
        }
    }
}

/// Runs `replicant <args>` to completion (5 min limit) and returns its output, whatever
/// the exit status; callers assert on `status`.
pub fn replicant_cmd<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(REPLICANT_BIN);
    cmd.args(args);
    run_with_timeout(&mut cmd, CMD_TIMEOUT)
}

/// The arguments of `replicant run` against a test master's replication user `repl`/`repl`
/// (created by `MariaDb::create_repl_user`), with `extra` options appended.
pub fn run_args(datadir: &Path, master_port: u16, server_id: u32, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "run".to_string(),
        format!("--datadir={}", datadir.display()),
        format!("--server-id={server_id}"),
        "--master-host=127.0.0.1".into(),
        format!("--master-port={master_port}"),
        "--master-user=repl".into(),
        "--master-password=repl".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Connection options for replicant's wire client to `127.0.0.1:port` as `user` (no TLS).
pub fn client_opts(
    port: u16,
    user: &str,
    password: &str,
) -> ::replicant::wire::client::ConnectOptions {
    ::replicant::wire::client::ConnectOptions {
        host: "127.0.0.1".into(),
        port,
        user: user.into(),
        password: password.into(),
        ssl: Default::default(),
        public_key: None,
        connect_timeout: Duration::from_secs(30),
    }
}
