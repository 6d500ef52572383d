//! Publication that cannot be differenced (PROTOCOL.md §11d), across real nodes: the month
//! going on is refused, a count that moved by less than k is published again as a range that
//! holds it, and when a coordinator raises k every member's published counts are re-issued
//! without their history, so that no copy — the publisher's or anyone else's — holds a value
//! from 1 to k−1 for the k in force.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestNode, documents, wait_until};
use commonground_protocol::doc::{self, DocKind};
use commonground_protocol::generation::body_at;
use commonground_protocol::ids::Period;
use commonground_protocol::publish::Published;
use serde_json::{Value, json};

const CONVERGE: Duration = Duration::from_secs(45);
/// A month that is over (tests run after it).
const PERIOD: &str = "2026-11";

fn cell(view: &Value, issue: &str) -> Value {
    view["cells"][issue].clone()
}

/// Every value any version of every published tally a node holds in `net` has ever held,
/// with the k it must respect: (document, k of the network now, every (kind, a, b) ever).
async fn every_published_value(node: &TestNode, net: &str) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    for (id, (am, _)) in documents(node, net).await {
        if doc::header(&am).unwrap().kind != DocKind::Published {
            continue;
        }
        for change in am.get_changes(&[]) {
            let body: Published = body_at(&am, &[change.hash()])
                .unwrap_or_else(|| panic!("{id}: a version that does not read"));
            for cells in body.periods.values() {
                for c in cells.cells.values() {
                    out.push((c.kind.clone(), c.a, c.b));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publications_are_not_differenced_and_a_raised_threshold_leaves_no_small_value_in_any_copy()
{
    let a = TestNode::start("a", vec![]).await;
    let net = a.create_network("north").await;
    let b = TestNode::start("b", vec![a.addr().await]).await;
    a.admit(&net, &b).await;

    // The month going on is not published: it is not over in the network's time zone (UTC).
    let now = Period::of(commonground_node::docs::today_utc()).to_string();
    let (status, refused) = b
        .post(
            &format!("/networks/{net}/publish"),
            json!({ "period": now }),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not over"),
        "{refused}"
    );

    // 7 published exactly; then 8: published as a range holding 8 whose ends each moved by 0
    // or by at least k = 5, so the two versions do not tell that one more person came.
    b.tally("housing", 7, PERIOD).await;
    b.tally("legal-aid", 12, PERIOD).await;
    let first = b.publish(&net, PERIOD).await;
    assert_eq!(
        cell(&first, "housing"),
        json!({"kind": "exact", "count": 7})
    );
    assert_eq!(
        first["published"],
        json!(commonground_node::docs::today_utc().to_string())
    );
    b.tally("housing", 1, PERIOD).await;
    let second = b.publish(&net, PERIOD).await;
    assert_eq!(second["ranged"], json!(["housing"]), "{second}");
    assert_eq!(
        cell(&second, "housing"),
        json!({"kind": "between", "low": 7, "high": 12})
    );
    assert_eq!(cell(&second, "legal-aid"), cell(&first, "legal-aid"));
    // What was published can be read back, with its day.
    let shown = b
        .ok(&format!("/networks/{net}/published?period={PERIOD}"))
        .await;
    assert_eq!(shown["cells"], second["cells"]);
    assert_eq!(shown["published"], second["published"]);
    wait_until("a sees b's revised counts", CONVERGE, || async {
        let rows = a.region(&net, PERIOD).await;
        rows.contains(&("housing".into(), 7, 12)).then_some(())
    })
    .await;

    // The coordinator raises k to 15: b re-issues its published counts under it, without their
    // history, and a's copy follows.
    a.patch_ok(&format!("/networks/{net}/settings"), json!({ "k": 15 }))
        .await;
    wait_until(
        "b's counts re-suppressed under 15 at a",
        CONVERGE,
        || async {
            let rows = a.region(&net, PERIOD).await;
            (rows.contains(&("housing".into(), 0, 14))
                && rows.contains(&("legal-aid".into(), 0, 14)))
            .then_some(())
        },
    )
    .await;
    for (name, node) in [("a", &a), ("b", &b)] {
        let values = wait_until(
            &format!("{name} holds only the re-issued generation"),
            CONVERGE,
            || async {
                let values = every_published_value(node, &net).await;
                let small = |(kind, x, y): &(String, i64, i64)| match kind.as_str() {
                    "exact" => (1..15).contains(x),
                    "fewer_than" => *x != 15,
                    _ => (1..15).contains(x) || (1..15).contains(y),
                };
                (!values.is_empty() && !values.iter().any(small)).then_some(values)
            },
        )
        .await;
        assert!(
            values.iter().all(|(kind, _, _)| kind == "fewer_than"),
            "{name}: {values:?}"
        );
    }
    a.stop().await;
    b.stop().await;
}
