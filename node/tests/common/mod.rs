//! A harness for tests that run the real `commonground` binary: start a node on a temporary data
//! directory and loopback port 0, wait until it answers, run CLI commands against it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_commonground")
}

/// Polls `f` until it returns `Some`, or panics after `timeout` naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    poll_until(what, timeout, Duration::from_millis(10), f)
}

/// Polls `f` every `every` until it returns `Some`, or panics after `timeout` naming `what`.
pub fn poll_until<T>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(every);
    }
}

/// The arguments of `commonground up` for a test: HTTP on `http`, libp2p on a free loopback
/// port, mDNS off (it would multicast on the host's interfaces); the data directory follows.
pub fn up_args(http: &str) -> [&str; 7] {
    [
        "up",
        "--http-listen",
        http,
        "--no-lan",
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--data-dir",
    ]
}

/// A node process.
pub struct Daemon {
    pub child: Child,
    pub data_dir: PathBuf,
    pub addr: String,
}

impl Daemon {
    /// Starts `commonground up` on `data_dir` and waits until its API answers.
    pub fn start(data_dir: &Path) -> Self {
        let _ = std::fs::remove_file(data_dir.join("api.addr"));
        let mut child = Command::new(bin())
            .args(up_args("127.0.0.1:0"))
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start commonground up");
        let addr = wait_for(
            "the node to record its address",
            Duration::from_secs(20),
            || {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("node exited early with {status}");
                }
                std::fs::read_to_string(data_dir.join("api.addr")).ok()
            },
        );
        Self {
            child,
            data_dir: data_dir.to_path_buf(),
            addr: addr.trim().to_string(),
        }
    }

    /// Runs a CLI command against this node.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli(&self.data_dir, args)
    }

    /// Runs a CLI command that must succeed, and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "`commonground {}` failed: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a CLI command with `--json` that must succeed, and parses its output.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id() as i32;
        // SAFETY-free: plain kill(2) through the `kill` command keeps the test free of unsafe.
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        wait_for("the node to exit", Duration::from_secs(20), || {
            self.child.try_wait().ok().flatten()
        })
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a CLI command with the given data directory.
pub fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null())
        .output()
        .expect("run commonground")
}
