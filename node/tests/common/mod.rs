//! The test kit (`commonground_node::testkit`) with this package's binary: a node in its own
//! process on a temporary data directory and loopback port 0, CLI commands against it, waits;
//! nodes in network namespaces (`ns`), a tmpfs to fill (`tmpfs`) and what `/proc` says of a
//! process (`procfs`), for the tests that run as root.

#![allow(dead_code, unused_imports)]

pub mod ns;
pub mod procfs;
pub mod tmpfs;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub use commonground_node::testkit::{poll_until, up_args, wait_for};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_commonground")
}

/// A node process (`Daemon::start(bin(), dir)`).
pub type Daemon = commonground_node::testkit::Process;

/// Runs a CLI command of the binary under test with the given data directory.
pub fn cli(data_dir: &Path, args: &[&str]) -> Output {
    commonground_node::testkit::cli(bin(), data_dir, args)
}

/// Runs `cmd` with no input and its output discarded; whether it ran and succeeded.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `args` with `--json` after them.
pub fn with_json<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.push("--json");
    all
}

/// What a CLI command run with `--json` printed; `None` when it failed.
pub fn try_parsed(out: &Output) -> Option<Value> {
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// What the CLI command `args`, run by node `name` with `--json`, printed; it must have
/// succeeded.
pub fn parsed(name: &str, args: &[&str], out: &Output) -> Value {
    assert!(
        out.status.success(),
        "node {name}: `commonground {}` failed: {}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// The group ids of the peers in `peers --json`'s output.
pub fn peer_groups(peers: &Value) -> Vec<String> {
    peers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["group"].as_str().unwrap().to_string())
        .collect()
}
