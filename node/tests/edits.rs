//! What organisers write is kept exactly and can be put right, end to end through the real
//! binary: edits in Arabic and French round-trip exactly, and every edit and delete command
//! works, with refusals (exit 2, nothing written) for unknown ids.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Daemon, bin};

fn refused(node: &Daemon, args: &[&str]) -> String {
    let out = node.cli(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "`{}` should be refused: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn edits_in_any_script_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let node = Daemon::start(bin(), &dir.path().join("data"));
    let plan = node.json(&["plan", "new", "--title", "OCELOT plain ascii"]);
    let id = plan["id"].as_str().unwrap().to_string();
    let cases = [
        ("OCELOT £5 fails", "Free legal advice € and £ 🙂"),
        (
            "عائلة في الفندق تحتاج مساعدة",
            "نريد محاميا لكل طالب لجوء خلال أسبوع",
        ),
        ("شخص يحتاج مساعدة", "نريد سكنا لائقا"),
        (
            "Réunion à l’hôtel de ville",
            "Un avocat pour chaque demandeur d’asile, dès l’arrivée",
        ),
        (
            "  Spaces at both ends\u{3000}",
            "\u{200f}Goal with marks\u{200e}  ",
        ),
    ];
    for (title, goal) in cases {
        let v = node.json(&["plan", "edit", &id, "--title", title, "--goal", goal]);
        // Titles lose surrounding ASCII spaces only; long text is stored exactly.
        assert_eq!(v["title"], title.trim_matches(' '));
        assert_eq!(v["goal"], goal);
        let shown = node.json(&["plan", "show", &id]);
        assert_eq!(shown["title"], title.trim_matches(' '));
        assert_eq!(shown["goal"], goal);
    }
    // The edit after all of these still works (the old bug broke the document here).
    node.ok(&[
        "plan",
        "edit",
        &id,
        "--demands",
        "Deux postes d’aide juridique",
    ]);
    // Personal data typed in any edit is refused naming the field, and nothing is written.
    let before = node.json(&["plan", "show", &id]);
    let msg = refused(
        &node,
        &["plan", "edit", &id, "--goal", "ring 0121 496 0000"],
    );
    assert!(msg.contains("goal"), "{msg}");
    assert_eq!(node.json(&["plan", "show", &id])["heads"], before["heads"]);
}

#[test]
fn every_item_can_be_edited_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let node = Daemon::start(bin(), &dir.path().join("data"));
    let plan = node.json(&["plan", "new", "--title", "Housing"]);
    let id = plan["id"].as_str().unwrap().to_string();
    let p = &id[..8];

    // Actions: edit every field, then delete.
    let v = node.json(&[
        "plan",
        "action",
        "add",
        p,
        "--title",
        "Vigil",
        "--date",
        "2026-12-10",
    ]);
    let action = v["actions"][0]["id"].as_str().unwrap().to_string();
    let v = node.json(&[
        "plan",
        "action",
        "edit",
        p,
        &action,
        "--title",
        "وقفة أمام البلدية",
        "--no-date",
        "--kind",
        "public-action",
        "--status",
        "done",
        "--notes",
        "Apportez des bougies",
    ]);
    let a = &v["actions"][0];
    assert_eq!(a["title"], "وقفة أمام البلدية");
    assert!(a["date"].is_null());
    assert_eq!(
        (a["kind"].as_str(), a["status"].as_str()),
        (Some("public-action"), Some("done"))
    );
    assert_eq!(a["notes"], "Apportez des bougies");

    // Targets and allies.
    let v = node.json(&[
        "plan",
        "target",
        "add",
        p,
        "--role",
        "Cabinet member",
        "--influence",
        "4",
        "--stance",
        "0",
    ]);
    let target = v["targets"][0]["id"].as_str().unwrap().to_string();
    let v = node.json(&[
        "plan",
        "target",
        "edit",
        p,
        &target,
        "--kind",
        "ally",
        "--role",
        "Cabinet member for housing",
        "--institution",
        "City Council",
        "--influence",
        "5",
        "--stance",
        "2",
    ]);
    let t = &v["targets"][0];
    assert_eq!(
        (t["kind"].as_str(), t["role"].as_str()),
        (Some("ally"), Some("Cabinet member for housing"))
    );
    assert_eq!(
        (t["influence"].as_i64(), t["stance"].as_i64()),
        (Some(5), Some(2))
    );

    // Meetings with authorities and their agendas.
    let v = node.json(&[
        "plan",
        "meeting",
        "add",
        p,
        "--with",
        "MP's office",
        "--date",
        "2026-12-11",
        "--agenda",
        "Legal aid",
        "--agenda",
        "Hostels",
        "--agenda",
        "Detention",
    ]);
    let m = &v["meetings"][0];
    let meeting = m["id"].as_str().unwrap().to_string();
    let item = |v: &serde_json::Value, n: usize| {
        v["meetings"][0]["agenda"][n]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let texts = |v: &serde_json::Value| -> Vec<String> {
        v["meetings"][0]["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["text"].as_str().unwrap().to_string())
            .collect()
    };
    let (legal, hostels) = (item(&v, 0), item(&v, 1));
    let v = node.json(&[
        "plan", "meeting", "agenda", "move", p, &meeting, &legal, "3",
    ]);
    assert_eq!(texts(&v), ["Hostels", "Detention", "Legal aid"]);
    let v = node.json(&[
        "plan",
        "meeting",
        "agenda",
        "edit",
        p,
        &meeting,
        &hostels,
        "السكن في الفنادق",
    ]);
    assert_eq!(texts(&v), ["السكن في الفنادق", "Detention", "Legal aid"]);
    let v = node.json(&[
        "plan",
        "meeting",
        "agenda",
        "add",
        p,
        &meeting,
        "Any other business",
        "--position",
        "1",
    ]);
    assert_eq!(texts(&v)[0], "Any other business");
    let v = node.json(&["plan", "meeting", "agenda", "delete", p, &meeting, &legal]);
    assert_eq!(
        texts(&v),
        ["Any other business", "السكن في الفنادق", "Detention"]
    );
    let v = node.json(&[
        "plan",
        "meeting",
        "edit",
        p,
        &meeting,
        "--with",
        "Leader of the council",
        "--date",
        "2026-12-12",
        "--outcome",
        "Agreed to visit the hostel",
    ]);
    let m = &v["meetings"][0];
    assert_eq!(
        (m["with"].as_str(), m["date"].as_str()),
        (Some("Leader of the council"), Some("2026-12-12"))
    );
    assert_eq!(m["outcome"], "Agreed to visit the hostel");

    // Unknown ids are refused with exit 2 and nothing is written.
    let heads = node.json(&["plan", "show", p])["heads"].clone();
    let ghost = "0123456789ab";
    for args in [
        vec!["plan", "action", "edit", p, ghost, "--title", "x"],
        vec!["plan", "action", "delete", p, ghost],
        vec!["plan", "target", "edit", p, ghost, "--stance", "1"],
        vec!["plan", "target", "delete", p, ghost],
        vec!["plan", "meeting", "edit", p, ghost, "--outcome", "x"],
        vec!["plan", "meeting", "delete", p, ghost],
        vec!["plan", "meeting", "agenda", "delete", p, &meeting, ghost],
        vec!["plan", "meeting", "agenda", "move", p, &meeting, ghost, "1"],
        vec!["meeting", "edit", ghost, "--attendees", "3"],
        vec!["meeting", "delete", ghost],
        vec!["issue", "rename", "no-such-issue", "--label", "x"],
    ] {
        refused(&node, &args);
    }
    assert_eq!(node.json(&["plan", "show", p])["heads"], heads);

    // Deletes.
    let v = node.json(&["plan", "action", "delete", p, &action]);
    assert!(v["actions"].as_array().unwrap().is_empty());
    let v = node.json(&["plan", "target", "delete", p, &target]);
    assert!(v["targets"].as_array().unwrap().is_empty());
    let v = node.json(&["plan", "meeting", "delete", p, &meeting]);
    assert!(v["meetings"].as_array().unwrap().is_empty());

    // Archive and restore.
    node.ok(&["plan", "archive", p]);
    assert!(node.json(&["plan", "list"]).as_array().unwrap().is_empty());
    assert_eq!(
        node.json(&["plan", "list", "--archived"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    node.ok(&["plan", "restore", p]);
    assert_eq!(node.json(&["plan", "list"]).as_array().unwrap().len(), 1);

    // Share the private plan with a network: a new plan there, the private one archived.
    refused(&node, &["plan", "share", p, "--network", "nonesuch"]);
    let net = node.json(&["network", "create", "--name", "Réseau Nord"]);
    let net = net["id"].as_str().unwrap();
    let shared = node.json(&["plan", "share", p, "--network", net]);
    assert_eq!(shared["header"]["network"], net);
    assert_ne!(shared["id"].as_str().unwrap(), p);
    let listed = node.json(&["plan", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], shared["id"]);
    refused(
        &node,
        &[
            "plan",
            "share",
            shared["id"].as_str().unwrap(),
            "--network",
            net,
        ],
    );

    // The group's own issue can be renamed; a built-in one cannot.
    node.ok(&["issue", "add", "food-banks", "--label", "Food banks"]);
    let e = node.json(&["issue", "rename", "food-banks", "--label", "بنوك الطعام"]);
    assert_eq!(e["label"], "بنوك الطعام");
    refused(&node, &["issue", "rename", "housing", "--label", "Homes"]);
}

#[test]
fn a_meeting_record_can_be_corrected_and_deleted_and_the_tally_follows() {
    let dir = tempfile::tempdir().unwrap();
    let node = Daemon::start(bin(), &dir.path().join("data"));
    let r = node.json(&[
        "meeting",
        "record",
        "--date",
        "2026-11-20",
        "--attendees",
        "12",
        "--issue",
        "housing=3",
        "--issue",
        "legal-aid=2",
        "--decision",
        "Écrire au conseil",
    ]);
    let id = r["id"].as_str().unwrap().to_string();
    node.ok(&[
        "tally", "add", "housing", "--count", "4", "--period", "2026-11",
    ]);
    let count = |period: &str, issue: &str| -> i64 {
        let v = node.json(&["tally", "show", "--period", period]);
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["issue"] == issue)
            .map_or(0, |r| r["count"].as_i64().unwrap())
    };
    assert_eq!(
        (count("2026-11", "housing"), count("2026-11", "legal-aid")),
        (7, 2)
    );
    // A typo: it was 2 for housing, not 3, and the decision is corrected.
    let r = node.json(&[
        "meeting",
        "edit",
        &id,
        "--issue",
        "housing=2",
        "--issue",
        "legal-aid=2",
        "--decision",
        "Écrire au conseil municipal",
    ]);
    assert_eq!(r["issues"]["housing"], 2);
    assert_eq!(r["decisions"][0], "Écrire au conseil municipal");
    assert_eq!(count("2026-11", "housing"), 6);
    // Moving the date moves its counts to December.
    node.ok(&["meeting", "edit", &id, "--date", "2026-12-01"]);
    assert_eq!(
        (count("2026-11", "housing"), count("2026-11", "legal-aid")),
        (4, 0)
    );
    assert_eq!(
        (count("2026-12", "housing"), count("2026-12", "legal-aid")),
        (2, 2)
    );
    // Deleting takes its counts out; direct increments stay.
    node.ok(&["meeting", "delete", &id]);
    assert_eq!(count("2026-12", "housing"), 0);
    assert_eq!(count("2026-11", "housing"), 4);
    assert!(
        node.json(&["meeting", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}
