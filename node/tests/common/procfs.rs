//! What a process holds, read from `/proc` (Linux): its open files, its resident memory, and
//! its limit on open files, which `prlimit` (util-linux) changes; and stopping a process for a
//! moment. No unsafe code here: commands send the signals and set the limits.

use std::process::Command;
use std::time::Duration;

/// How many files (sockets included) process `pid` has open.
pub fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("reading /proc/{pid}/fd: {e}"))
        .count()
}

/// Process `pid`'s resident memory (`VmRSS`) in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    first_number(pid, "status", "VmRSS:")
}

/// Process `pid`'s soft limit on open files.
pub fn open_files_limit(pid: u32) -> u64 {
    first_number(pid, "limits", "Max open files")
}

/// The first number after `key` on its line of `/proc/<pid>/<file>`.
fn first_number(pid: u32, file: &str, key: &str) -> u64 {
    let path = format!("/proc/{pid}/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no number after {key:?} in {path}"))
}

/// Sets process `pid`'s limits on open files (soft and hard) to `n`; raising the hard limit
/// needs root.
pub fn set_open_files_limit(pid: u32, n: u64) {
    let limit = format!("--nofile={n}:{n}");
    assert!(
        super::succeeds(Command::new("prlimit").args(["--pid", &pid.to_string(), &limit])),
        "`prlimit --pid {pid} {limit}` failed"
    );
}

/// Stops process `pid` (SIGSTOP) and waits until every thread of it has stopped: none is then
/// in the middle of a write.
pub fn stop(pid: u32) {
    signal(pid, "STOP");
    super::wait_for(
        &format!("every thread of process {pid} to stop"),
        Duration::from_secs(10),
        || {
            let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
            tasks
                .filter_map(Result::ok)
                .all(|t| {
                    let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
                    // The state follows the command name, which is in parentheses.
                    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
                    state.is_some_and(|s| s.starts_with(['T', 't']))
                })
                .then_some(())
        },
    );
}

/// Lets a process [`stop`]ped go on (SIGCONT).
pub fn resume(pid: u32) {
    signal(pid, "CONT");
}

fn signal(pid: u32, name: &str) {
    assert!(
        super::succeeds(Command::new("kill").args([&format!("-{name}"), &pid.to_string()])),
        "`kill -{name} {pid}` failed"
    );
}
