//! The CLI end to end: the README's tour against a real `commonground up` in a temporary data
//! directory, refusals with exit code 2, and clear startup errors.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Daemon, bin, cli};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_tour_works_against_a_running_node() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = Daemon::start(bin(), &data);
    let period = "2026-11";

    let added = node.json(&[
        "tally", "add", "housing", "--count", "3", "--period", period,
    ]);
    assert_eq!(added["count"], 3);
    node.ok(&["tally", "add", "legal-aid", "--period", period]);
    let shown = node.ok(&["tally", "show", "--period", period]);
    assert!(
        shown.contains("housing") && shown.contains("legal-aid"),
        "{shown}"
    );
    let view = node.json(&["tally", "show", "--period", period]);
    assert_eq!(view["total"], 4);
    // Without --period, the current month (to which nothing was added here but the meeting below).
    node.ok(&["tally", "show"]);

    let plan = node.json(&[
        "plan",
        "new",
        "--title",
        "Legal aid for every asylum seeker in the city",
        "--goal",
        "A lawyer for everyone within a week",
    ]);
    let id = plan["id"].as_str().unwrap().to_string();
    let short = &id[..8];
    let with_action = node.json(&[
        "plan",
        "action",
        "add",
        short,
        "--title",
        "Meet the council's cabinet member",
        "--date",
        "2026-12-10",
        "--kind",
        "meeting",
    ]);
    let action = with_action["actions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    node.ok(&["plan", "action", "set", short, &action, "--status", "done"]);
    node.ok(&[
        "plan",
        "edit",
        short,
        "--status",
        "active",
        "--demands",
        "Two more legal aid posts",
    ]);
    node.ok(&[
        "plan",
        "target",
        "add",
        short,
        "--role",
        "Cabinet member for housing",
        "--institution",
        "City Council",
        "--influence",
        "5",
        "--stance",
        "-1",
    ]);
    node.ok(&[
        "plan",
        "meeting",
        "add",
        short,
        "--with",
        "Leader of the council",
        "--date",
        "2026-12-10",
        "--agenda",
        "Legal aid posts",
        "--agenda",
        "Hostel conditions",
    ]);
    let shown = node.ok(&["plan", "show", short]);
    for expected in [
        "Legal aid for every asylum seeker in the city",
        "[active]",
        "Meet the council's cabinet member",
        "2026-12-10",
        "done",
        "Cabinet member for housing",
        "2. Hostel conditions",
    ] {
        assert!(
            shown.contains(expected),
            "missing {expected:?} in:\n{shown}"
        );
    }
    let list = node.ok(&["plan", "list"]);
    assert!(list.contains(short), "{list}");

    node.ok(&[
        "meeting",
        "record",
        "--date",
        "2026-11-20",
        "--attendees",
        "12",
        "--issue",
        "housing=2",
        "--issue",
        "detention=1",
    ]);
    let view = node.json(&["tally", "show", "--period", period]);
    assert_eq!(
        view["total"], 7,
        "the meeting's issues are added to the tally"
    );
    assert!(node.ok(&["meeting", "list"]).contains("2026-11-20"));

    node.ok(&["issue", "add", "food-banks", "--label", "Food banks"]);
    assert!(node.ok(&["issue", "list"]).contains("food-banks"));

    let status = node.json(&["status"]);
    assert_eq!(status["documents"]["plan"], 1);
    assert!(status["group"].as_str().unwrap().starts_with("12D3KooW"));

    // Restarting keeps everything.
    assert!(node.stop().success(), "clean exit on SIGTERM");
    assert!(
        !data.join("api.addr").exists(),
        "the address file is removed on shutdown"
    );
    let node = Daemon::start(bin(), &data);
    assert_eq!(
        node.json(&["tally", "show", "--period", period])["total"],
        7
    );
    assert_eq!(node.json(&["plan", "show", &id])["status"], "active");
}

#[test]
fn bad_input_is_refused_with_exit_code_2_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let node = Daemon::start(bin(), dir.path());
    let plan = node.json(&["plan", "new", "--title", "Housing"]);
    let id = plan["id"].as_str().unwrap().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["tally", "add", "housng"], "did you mean `housing`"),
        (
            &["tally", "add", "housing", "--count", "-2"],
            "count must be between 1 and 10000",
        ),
        (
            &["tally", "add", "housing", "--count", "10001"],
            "count must be between 1 and 10000",
        ),
        (
            &["tally", "add", "housing", "--period", "2026-13"],
            "not a period",
        ),
        (&["tally", "show", "--period", "November"], "not a period"),
        (&["plan", "new", "--title", ""], "title must not be empty"),
        (
            &["plan", "new", "--title", "Call 07700 900123"],
            "title seems to hold a phone number",
        ),
        (
            &["plan", "edit", &id, "--goal", "write to jo@example.org"],
            "goal seems to hold an e-mail address",
        ),
        (
            &[
                "plan",
                "action",
                "add",
                &id,
                "--title",
                "Visit",
                "--date",
                "2026-02-30",
            ],
            "not a date",
        ),
        (
            &["plan", "action", "add", &id, "--title", "Visit B1 1AA"],
            "seems to hold a postcode",
        ),
        (&["plan", "show", "0123abcd"], "no plan"),
        (&["plan", "show", "../status"], "not an id"),
        (
            &[
                "meeting",
                "record",
                "--attendees",
                "3",
                "--issue",
                "housing=x",
            ],
            "not a whole number",
        ),
        (
            &[
                "meeting",
                "record",
                "--attendees",
                "3",
                "--decision",
                "HO ref B1234567",
            ],
            "reference number",
        ),
    ];
    for (args, message) in cases {
        let out = node.cli(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "{args:?}: expected {message:?} in {}",
            stderr(&out)
        );
    }
    let now = node.json(&["tally", "show"]);
    assert_eq!(now["total"], 0, "nothing was counted");
    let plan = node.json(&["plan", "show", &id]);
    assert_eq!(plan["goal"], "");
    assert_eq!(plan["actions"].as_array().unwrap().len(), 0);
    assert_eq!(node.json(&["plan", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn commands_without_a_running_node_say_how_to_start_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["tally", "show"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("commonground up --data-dir"),
        "{}",
        stderr(&out)
    );
    // A stale address file of a node that is gone: the same message.
    std::fs::write(dir.path().join("api.addr"), "127.0.0.1:1").unwrap();
    let out = cli(dir.path(), &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no Common Ground node is running"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["up", "--help"],
        vec!["tally", "add", "--help"],
        vec!["tally", "show", "--help"],
        vec!["plan", "new", "--help"],
        vec!["plan", "action", "set", "--help"],
        vec!["meeting", "record", "--help"],
        vec!["issue", "add", "--help"],
        vec!["status", "--help"],
    ] {
        let out = std::process::Command::new(common::bin())
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn an_unusable_data_dir_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = std::process::Command::new(common::bin())
        .args(common::up_args("127.0.0.1:0"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));

    // A directory this user may not write. Root may write anywhere, so as root the node runs as
    // `nobody` (setpriv), for whom a root-owned 0700 directory is out of bounds.
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut cmd = if is_root {
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            common::bin(),
        ]);
        c
    } else {
        std::process::Command::new(common::bin())
    };
    let out = cmd
        .args(common::up_args("127.0.0.1:0"))
        .arg(locked.join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot use data directory") && err.contains("ermission denied"),
        "{err}"
    );
}

#[test]
fn a_busy_port_and_a_second_node_on_the_same_data_dir_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let node = Daemon::start(bin(), dir.path());
    let other = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::bin())
        .args(common::up_args(&node.addr))
        .arg(other.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot listen on"),
        "{}",
        stderr(&out)
    );

    let out = std::process::Command::new(common::bin())
        .args(common::up_args("127.0.0.1:0"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("another node"), "{}", stderr(&out));
}

#[test]
fn json_logs_on_request_and_no_document_text_in_logs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let child = std::process::Command::new(common::bin())
        .args(common::up_args("127.0.0.1:0"))
        .arg(&data)
        .args(["--log-format", "json"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .env("RUST_LOG", "debug")
        .spawn()
        .unwrap();
    common::wait_for("address", std::time::Duration::from_secs(20), || {
        std::fs::read_to_string(data.join("api.addr")).ok()
    });
    let secret = "Secret campaign words";
    let out = cli(&data, &["plan", "new", "--title", secret]);
    assert!(out.status.success());
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.lines().count() >= 3, "{log}");
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v.get("level").is_some());
    }
    assert!(!log.contains(secret), "document text leaked into the log");
}

#[test]
fn a_group_publishes_reads_its_region_and_carries_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let node = Daemon::start(bin(), &dir.path().join("data"));
    let period = "2026-11";
    let net = node.json(&["network", "create", "--name", "West Midlands"]);
    let net = net["id"].as_str().unwrap()[..8].to_string();
    node.ok(&[
        "tally", "add", "housing", "--count", "12", "--period", period,
    ]);
    node.ok(&[
        "tally",
        "add",
        "detention",
        "--count",
        "3",
        "--period",
        period,
    ]);

    let published = node.ok(&["tally", "publish", "--network", &net, "--period", period]);
    assert!(published.contains("fewer than 5"), "{published}");
    assert!(
        !published.contains(" 3\n") && !published.ends_with(" 3"),
        "{published}"
    );
    let csv = node.ok(&[
        "tally",
        "region",
        "--network",
        &net,
        "--period",
        period,
        "--csv",
    ]);
    assert!(csv.starts_with("issue,label,low,high,total\n"), "{csv}");
    assert!(csv.contains("housing,\"Housing\",12,12,12"), "{csv}");
    assert!(
        csv.contains("detention,\"Detention\",0,4,between 0 and 4"),
        "{csv}"
    );
    let table = node.ok(&["tally", "region", "--network", &net, "--period", period]);
    assert!(table.contains("between 0 and 4"), "{table}");

    // The threshold is the coordinators' to set, within bounds.
    node.ok(&["network", "threshold", &net, "3"]);
    let out = node.cli(&["network", "threshold", &net, "1000"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    node.ok(&["tally", "publish", "--network", &net, "--period", period]);
    let view = node.json(&["tally", "region", "--network", &net, "--period", period]);
    assert_eq!(view["rows"][1]["low"], 3, "{view}");

    // What was published, when, and what the network's members see; published again after the
    // threshold fell, detention's count (3) moved too little from "fewer than 5" to be exact.
    let shown = node.ok(&["tally", "published", "--network", &net, "--period", period]);
    assert!(
        shown.contains(&format!("published {period} on 20")),
        "{shown}"
    );
    assert!(shown.contains("its members see:"), "{shown}");
    assert!(shown.contains("between 3 and 4"), "{shown}");

    // When a month is over: the network's time zone; the month going on is refused.
    let set = node.ok(&["network", "settings", &net, "--utc-offset", "+05:30"]);
    assert!(
        set.contains("a month is published once it is over in UTC+05:30"),
        "{set}"
    );
    let out = node.cli(&["network", "settings", &net, "--utc-offset", "+25:00"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("offset from UTC"), "{}", stderr(&out));
    let now =
        commonground_protocol::ids::Period::of(commonground_node::docs::today_utc()).to_string();
    let out = node.cli(&["tally", "publish", "--network", &net, "--period", &now]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not over yet"), "{}", stderr(&out));

    // A bundle: written whole, imported again without change, refused when damaged.
    let file = dir.path().join("west-midlands.cgb");
    let file_s = file.to_str().unwrap();
    node.ok(&["export", "--network", &net, "--out", file_s]);
    let again = node.json(&["import", file_s]);
    assert_eq!(again["changed"], 0, "{again}");
    let mut bytes = std::fs::read(&file).unwrap();
    let tampered = dir.path().join("tampered.cgb");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&tampered, &bytes).unwrap();
    let out = node.cli(&["import", tampered.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("changed or cut short"),
        "{}",
        stderr(&out)
    );
    let truncated = dir.path().join("truncated.cgb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let out = node.cli(&["import", truncated.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let out = node.cli(&["import", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a Common Ground bundle"),
        "{}",
        stderr(&out)
    );
    let out = node.cli(&["import", dir.path().join("missing.cgb").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));

    // The last coordinator cannot step down; an unknown group cannot be given a role.
    let me = node.json(&["status"])["group"]
        .as_str()
        .unwrap()
        .to_string();
    let out = node.cli(&["network", "role", &net, &me, "member"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("at least one coordinator"),
        "{}",
        stderr(&out)
    );
    let out = node.cli(&["network", "remove", &net, "not-a-group"]);
    assert_eq!(out.status.code(), Some(2));
    node.stop();
}

/// A running node's data directory is private to its user, the store and the address file
/// (made after start-up began) included, even when the directory was open before.
#[test]
fn a_running_nodes_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let node = Daemon::start(bin(), &data);
    // Work after start-up makes more files (sled's segments and snapshots): private too.
    let out = node.cli(&["network", "create", "--name", "Private Files"]);
    assert!(out.status.success(), "{}", stderr(&out));
    fn walk(p: &std::path::Path, seen: &mut Vec<(std::path::PathBuf, u32)>) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let path = e.path();
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            let is_dir = e.file_type().unwrap().is_dir();
            seen.push((path.clone(), mode));
            if is_dir {
                walk(&path, seen);
            }
        }
    }
    let mut seen = Vec::new();
    walk(&data, &mut seen);
    assert!(
        seen.iter().any(|(p, _)| p.ends_with("api.addr")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(p, _)| p.to_string_lossy().contains("store")),
        "{seen:?}"
    );
    let open: Vec<_> = seen
        .iter()
        .filter(|(p, m)| if p.is_dir() { *m != 0o700 } else { *m != 0o600 })
        .collect();
    assert!(open.is_empty(), "not private: {open:?}");
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    node.stop();
}
