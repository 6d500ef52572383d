//! The test kit (`commonground_node::testkit`) with this package's binary: a node in its own
//! process on a temporary data directory and loopback port 0, CLI commands against it, waits.

#![allow(dead_code, unused_imports)]

use std::path::Path;
use std::process::Output;

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
