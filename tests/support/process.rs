//! Child processes for tests: commands with a deadline, polite termination, polling.
//!
//! Every long-lived child (mariadbd, replicant) is spawned with `PR_SET_PDEATHSIG = SIGKILL`,
//! so it dies with the thread that spawned it even when the test binary itself is killed
//! (CI timeout, ^C) and no `Drop` runs. The price: a server lives no longer than the thread
//! that started it — start servers in the test's own thread, not in a helper thread or a
//! shared static.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How often the polling helpers look again.
pub const POLL: Duration = Duration::from_millis(100);

/// Arranges for `cmd`'s process to be SIGKILLed when the spawning thread exits.
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl and getppid are async-signal-safe; nothing here allocates.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl; then no signal would come.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        })
    }
}

/// Runs `cmd` to completion with stdin closed, capturing stdout and stderr.
/// Panics if it cannot be spawned or does not finish within `timeout` (it is killed first).
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Output {
    let shown = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    die_with_parent(cmd);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {shown}: {e}"));
    // Reader threads keep a chatty child from blocking on a full pipe while we poll.
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = match wait_timeout(&mut child, timeout) {
        Some(status) => status,
        None => {
            kill9(&mut child);
            let stderr = err.join().unwrap_or_default();
            panic!(
                "{shown} did not finish within {timeout:?}; stderr:\n{}",
                String::from_utf8_lossy(&stderr)
            );
        }
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits up to `timeout` for `child` to exit (reaping it).
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() >= deadline => return None,
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for pid {}: {e}", child.id()),
        }
    }
}

/// Sends SIGTERM and waits up to `grace`; SIGKILLs if the child is still there.
/// Returns the exit status and whether SIGKILL was needed.
pub fn terminate(child: &mut Child, grace: Duration) -> (ExitStatus, bool) {
    if let Ok(Some(status)) = child.try_wait() {
        return (status, false);
    }
    signal(child, libc::SIGTERM);
    if let Some(status) = wait_timeout(child, grace) {
        return (status, false);
    }
    (kill9(child), true)
}

/// SIGKILLs `child` and reaps it.
pub fn kill9(child: &mut Child) -> ExitStatus {
    // Fails only if it already exited; the wait below reaps it either way.
    let _ = child.kill();
    child
        .wait()
        .unwrap_or_else(|e| panic!("reaping pid {}: {e}", child.id()))
}

/// Sends `sig` to `child` unless it has already been reaped.
pub fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: plain kill(2) on our own, not yet reaped, child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, sig);
    }
}

/// Starts `perf record` of the whole machine (call graphs, 999 Hz) into `out`; stop it
/// with [`perf_stop`].
pub fn perf_start(out: &str) -> Child {
    Command::new("perf")
        .args(["record", "-F", "999", "-g", "-a", "-o", out])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("perf")
}

/// Stops a [`perf_start`] recording: SIGINT makes perf write its file and exit.
pub fn perf_stop(mut perf: Child) {
    signal(&perf, libc::SIGINT);
    let _ = perf.wait();
}

/// The fields of /proc/PID/stat after the command name, from the state (field 3) on.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    // "pid (comm) S ..."; comm may contain spaces and parentheses.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// True while a process with this pid exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|state| state != "Z"))
}

/// A process's (user, system) CPU time so far, in clock ticks (1/100 s); zeros once it
/// is gone.
pub fn cpu_ticks(pid: u32) -> (u64, u64) {
    let f = stat_fields(pid).unwrap_or_default();
    // utime and stime are fields 14 and 15.
    let field = |n: usize| f.get(n - 3).and_then(|x| x.parse().ok()).unwrap_or(0);
    (field(14), field(15))
}

/// Polls `pred` every [`POLL`] until it returns true; false if `timeout` passes first.
pub fn wait_until(timeout: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if pred() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(POLL);
    }
}

/// Like [`wait_until`], but panics naming `what` on timeout.
pub fn wait_for(what: &str, timeout: Duration, pred: impl FnMut() -> bool) {
    if !wait_until(timeout, pred) {
        panic!("timed out after {timeout:?} waiting for {what}");
    }
}

/// The last `n` lines of `text`, for failure messages.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A numeric setting from the environment (benchmark sizes), or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
