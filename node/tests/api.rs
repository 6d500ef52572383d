//! The local HTTP API, driven through `Router::oneshot` against a real documents actor on a sled
//! store in a temporary directory: every route's success and its refusals, each refusal checked
//! for its status, its `ErrorBody` shape, its code and its field.

// A test that cannot set itself up should stop at once, saying where.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use commonground_node::api::ErrorBody;
use commonground_node::docs::{DocsThread, today_utc};
use commonground_node::store::SledStore;
use commonground_node::testkit;
use commonground_node::web::WebOptions;
use commonground_protocol::ids::{DocId, GroupId, Period};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

/// A node's API over a fresh store. Fields drop in order: the router (and with it the last
/// `Docs` handle, which stops the actor) before the directory.
struct Node {
    app: Router,
    _thread: DocsThread,
    _dir: TempDir,
}

/// A response: its status and its body as JSON (`Null` when empty).
struct Reply {
    status: StatusCode,
    body: Value,
}

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[9; 32])
}

fn group() -> GroupId {
    GroupId::from_public_key(key().verifying_key().to_bytes()).unwrap()
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let (app, _docs, thread) = testkit::local_router(Box::new(store), key(), WebOptions::default());
    Node {
        app,
        _thread: thread,
        _dir: dir,
    }
}

/// A month long past: never the current one, where counts without a period go.
const PAST: &str = "2001-03";

fn this_month() -> String {
    Period::of(today_utc()).to_string()
}

async fn call(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{status}: body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    Reply { status, body }
}

/// Sends `body` as raw text with a JSON content type, for bodies that are not valid JSON.
async fn send_raw(app: &Router, method: Method, uri: &str, body: &str) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    call(app, req).await
}

async fn send(app: &Router, method: Method, uri: &str, body: Value) -> Reply {
    send_raw(app, method, uri, &body.to_string()).await
}

async fn get(app: &Router, uri: &str) -> Reply {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    call(app, req).await
}

async fn post(app: &Router, uri: &str, body: Value) -> Reply {
    send(app, Method::POST, uri, body).await
}

async fn patch(app: &Router, uri: &str, body: Value) -> Reply {
    send(app, Method::PATCH, uri, body).await
}

/// Asserts a success status and returns the body.
#[track_caller]
fn ok(reply: Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "body: {}", reply.body);
    reply.body
}

/// Asserts an error reply: its status, the `ErrorBody` shape with a message for people, its
/// code and its field. Returns the message.
#[track_caller]
fn refused(reply: Reply, status: StatusCode, code: &str, field: Option<&str>) -> String {
    assert_eq!(reply.status, status, "body: {}", reply.body);
    let detail = reply.body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("not an ErrorBody: {}", reply.body));
    assert!(detail.contains_key("field"), "no field key: {}", reply.body);
    let parsed: ErrorBody = serde_json::from_value(reply.body.clone()).unwrap();
    assert_eq!(parsed.error.code, code, "body: {}", reply.body);
    assert_eq!(parsed.error.field.as_deref(), field, "body: {}", reply.body);
    assert!(!parsed.error.message.is_empty());
    parsed.error.message
}

async fn tally_view(app: &Router, period: &str) -> Value {
    ok(
        get(app, &format!("/api/v1/tally?period={period}")).await,
        StatusCode::OK,
    )
}

async fn new_plan(app: &Router, title: &str) -> String {
    let body = ok(
        post(
            app,
            "/api/v1/plans",
            json!({
                "title": title,
                "goal": "Every person seeking asylum gets a legal aid lawyer within a week.",
                "demands": "Fund two more legal aid posts."
            }),
        )
        .await,
        StatusCode::CREATED,
    );
    body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn status_names_the_group_and_counts_documents() {
    let n = node();
    let body = ok(get(&n.app, "/api/v1/status").await, StatusCode::OK);
    assert_eq!(body["group"], group().to_string());
    assert!(body["group"].as_str().unwrap().starts_with("12D3KooW"));
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["http"], "127.0.0.1:0");
    assert_eq!(body["documents"], json!({"tally": 1, "meetings": 1}));

    new_plan(&n.app, "Legal aid for all").await;
    let body = ok(get(&n.app, "/api/v1/status").await, StatusCode::OK);
    assert_eq!(
        body["documents"],
        json!({"tally": 1, "meetings": 1, "plan": 1})
    );
}

#[tokio::test]
async fn the_front_page_leads_to_the_web_page_which_points_at_the_api() {
    let n = node();
    let res = n
        .app
        .clone()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/tally");
    let res = n
        .app
        .clone()
        .oneshot(Request::get("/network").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let html = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(html.contains(&group().to_string()));
    assert!(html.contains("/api/v1/openapi.json"));
}

#[tokio::test]
async fn custom_issues_are_added_listed_and_counted() {
    let n = node();
    let built_in = ok(get(&n.app, "/api/v1/issues").await, StatusCode::OK);
    let built_in = built_in.as_array().unwrap();
    assert_eq!(built_in.len(), 11);
    assert!(built_in.iter().all(|e| e["built_in"] == true));
    assert_eq!(
        built_in[0],
        json!({"key": "housing", "label": "Housing", "built_in": true})
    );

    let added = ok(
        post(
            &n.app,
            "/api/v1/issues",
            json!({"key": "food-banks", "label": "  Food banks "}),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(
        added,
        json!({"key": "food-banks", "label": "Food banks", "built_in": false})
    );
    let listed = ok(get(&n.app, "/api/v1/issues").await, StatusCode::OK);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 12);
    assert_eq!(listed[11], added);

    // The new issue can be counted at once.
    let body = ok(
        post(
            &n.app,
            "/api/v1/tally",
            json!({"issue": "food-banks", "period": "2026-11"}),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(body["count"], 1);
    let view = tally_view(&n.app, "2026-11").await;
    assert_eq!(view["rows"][0]["label"], "Food banks");
}

#[tokio::test]
async fn bad_issues_are_refused_and_not_added() {
    let n = node();
    let add = |key: &str, label: &str| {
        let app = n.app.clone();
        let body = json!({"key": key, "label": label});
        async move { post(&app, "/api/v1/issues", body).await }
    };
    ok(add("food-banks", "Food banks").await, StatusCode::CREATED);

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        add("food-banks", "Food banks again").await,
        unprocessable,
        "issue_exists",
        Some("issue"),
    );
    refused(
        add("housing", "Housing").await,
        unprocessable,
        "issue_exists",
        Some("issue"),
    );
    let message = refused(
        add("transport", "Ask jo@example.org").await,
        unprocessable,
        "personal_data",
        Some("issue label"),
    );
    assert!(!message.contains("jo@example.org"), "{message}");
    refused(
        add("transport", "Call 07700 900123").await,
        unprocessable,
        "personal_data",
        Some("issue label"),
    );
    refused(
        add("transport", "   ").await,
        unprocessable,
        "empty",
        Some("issue label"),
    );
    refused(
        add("Bad Key", "Bad key").await,
        unprocessable,
        "malformed",
        Some("issue key"),
    );
    refused(
        add("x", "Too short a key").await,
        unprocessable,
        "malformed",
        Some("issue key"),
    );
    refused(
        post(&n.app, "/api/v1/issues", json!({"key": "transport"})).await,
        StatusCode::BAD_REQUEST,
        "malformed",
        None,
    );

    let listed = ok(get(&n.app, "/api/v1/issues").await, StatusCode::OK);
    let keys: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["built_in"] == false)
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["food-banks"]);
}

#[tokio::test]
async fn tally_counts_by_issue_and_period() {
    let n = node();
    let before = this_month();
    let body = ok(
        post(&n.app, "/api/v1/tally", json!({"issue": "housing"})).await,
        StatusCode::OK,
    );
    let after = this_month();
    assert_eq!(body["issue"], "housing");
    assert_eq!(body["count"], 1, "count defaults to 1");
    let period = body["period"].as_str().unwrap().to_string();
    assert!(period == before || period == after, "{period}");

    let add = |issue: &str, count: i64| {
        let app = n.app.clone();
        let body = json!({"issue": issue, "count": count, "period": PAST});
        async move { ok(post(&app, "/api/v1/tally", body).await, StatusCode::OK) }
    };
    let body = add("housing", 3).await;
    assert_eq!(
        body,
        json!({"issue": "housing", "period": PAST, "count": 3})
    );
    assert_eq!(add("housing", 2).await["count"], 5);
    assert_eq!(add("legal-aid", 1).await["count"], 1);
    assert_eq!(add("health", 10_000).await["count"], 10_000);

    let view = tally_view(&n.app, PAST).await;
    assert_eq!(
        view,
        json!({
            "period": PAST,
            "rows": [
                {"issue": "health", "label": "Health care", "count": 10_000},
                {"issue": "housing", "label": "Housing", "count": 5},
                {"issue": "legal-aid", "label": "Legal aid", "count": 1},
            ],
            "total": 10_006,
        })
    );
    let empty = tally_view(&n.app, "2001-02").await;
    assert_eq!(empty, json!({"period": "2001-02", "rows": [], "total": 0}));

    // Without a period the view is of the current month, where the first count went.
    let now = ok(get(&n.app, "/api/v1/tally").await, StatusCode::OK);
    assert_eq!(now["period"], period.as_str());
    assert_eq!(now["total"], 1);
}

#[tokio::test]
async fn bad_increments_are_refused_and_count_nothing() {
    let n = node();
    ok(
        post(
            &n.app,
            "/api/v1/tally",
            json!({"issue": "housing", "count": 2, "period": PAST}),
        )
        .await,
        StatusCode::OK,
    );
    let tally = |body: Value| {
        let app = n.app.clone();
        async move { post(&app, "/api/v1/tally", body).await }
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    let message = refused(
        tally(json!({"issue": "housng", "period": PAST})).await,
        unprocessable,
        "unknown_issue",
        Some("issue"),
    );
    assert!(message.contains("did you mean `housing`"), "{message}");
    let message = refused(
        tally(json!({"issue": "legal_aid", "period": PAST})).await,
        unprocessable,
        "unknown_issue",
        Some("issue"),
    );
    assert!(message.contains("did you mean `legal-aid`"), "{message}");

    for count in [0, -3, 10_001, i64::MIN] {
        refused(
            tally(json!({"issue": "housing", "count": count, "period": PAST})).await,
            unprocessable,
            "out_of_range",
            Some("count"),
        );
    }
    for period in ["2026-13", "2026-1", "1999-12", "november"] {
        refused(
            tally(json!({"issue": "housing", "period": period})).await,
            unprocessable,
            "malformed",
            Some("period"),
        );
    }
    refused(
        get(&n.app, "/api/v1/tally?period=2026-13").await,
        unprocessable,
        "malformed",
        Some("period"),
    );

    // Bodies that are not the request's shape are the client's fault: 400, `malformed`.
    let bad_request = StatusCode::BAD_REQUEST;
    for raw in [
        r#"{"issue": "housing""#,
        "not json",
        "",
        r#"{"count": 2}"#,
        r#"{"issue": "housing", "count": "two"}"#,
        r#"{"issue": "housing", "count": 1.5}"#,
        r#"["housing"]"#,
    ] {
        refused(
            send_raw(&n.app, Method::POST, "/api/v1/tally", raw).await,
            bad_request,
            "malformed",
            None,
        );
    }
    let no_content_type = Request::post("/api/v1/tally")
        .body(Body::from(r#"{"issue": "housing"}"#))
        .unwrap();
    refused(
        call(&n.app, no_content_type).await,
        bad_request,
        "malformed",
        None,
    );

    let view = tally_view(&n.app, PAST).await;
    assert_eq!(view["total"], 2);
    assert_eq!(tally_view(&n.app, &this_month()).await["total"], 0);
}

#[tokio::test]
async fn a_recorded_meeting_feeds_the_tally_of_its_month() {
    let n = node();
    let record = ok(
        post(
            &n.app,
            "/api/v1/meetings",
            json!({
                "date": "2026-10-02",
                "kind": "weekly-meeting",
                "attendees": 12,
                "issues": {"housing": 4, "detention": 1},
                "decisions": ["  Write to the council about the hostel "]
            }),
        )
        .await,
        StatusCode::CREATED,
    );
    let id = record["id"].as_str().unwrap();
    assert_eq!(id.len(), 12);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(record["date"], "2026-10-02");
    assert_eq!(record["kind"], "weekly-meeting");
    assert_eq!(record["attendees"], 12);
    assert_eq!(record["issues"], json!({"housing": 4, "detention": 1}));
    // Long text is stored exactly as typed, surrounding spaces included.
    assert_eq!(
        record["decisions"],
        json!(["  Write to the council about the hostel "])
    );

    let october = tally_view(&n.app, "2026-10").await;
    assert_eq!(october["total"], 5);
    assert_eq!(
        october["rows"][0],
        json!({"issue": "housing", "label": "Housing", "count": 4})
    );
    assert_eq!(tally_view(&n.app, "2026-11").await["total"], 0);

    ok(
        post(
            &n.app,
            "/api/v1/meetings",
            json!({"date": "2026-11-05", "kind": "public-meeting", "attendees": 40}),
        )
        .await,
        StatusCode::CREATED,
    );
    let listed = ok(get(&n.app, "/api/v1/meetings").await, StatusCode::OK);
    let dates: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-11-05", "2026-10-02"], "newest first");
    assert_eq!(listed[0]["issues"], json!({}));
    assert_eq!(listed[0]["decisions"], json!([]));
}

#[tokio::test]
async fn bad_meetings_are_refused_and_change_nothing() {
    type Change = fn(&mut Value);
    let n = node();
    let meeting = |change: Change| {
        let mut m = json!({
            "date": "2026-10-02",
            "kind": "weekly-meeting",
            "attendees": 12,
            "issues": {"housing": 4},
            "decisions": ["Write to the council about the hostel"]
        });
        change(&mut m);
        m
    };
    ok(
        post(&n.app, "/api/v1/meetings", meeting(|_| {})).await,
        StatusCode::CREATED,
    );
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let cases: [(Change, &str, &str); 6] = [
        (
            |m| m["decisions"] = json!(["Ring Sam on 07700 900123"]),
            "personal_data",
            "decision",
        ),
        (
            |m| m["decisions"] = json!(["email jo@example.org"]),
            "personal_data",
            "decision",
        ),
        (|m| m["decisions"] = json!([" "]), "empty", "decision"),
        (
            |m| m["issues"] = json!({"housing": 1, "housng": 1}),
            "unknown_issue",
            "issue",
        ),
        (
            |m| m["issues"] = json!({"health": 0}),
            "out_of_range",
            "count",
        ),
        (
            |m| m["attendees"] = json!(10_001),
            "out_of_range",
            "attendees",
        ),
    ];
    for (change, code, field) in cases {
        refused(
            post(&n.app, "/api/v1/meetings", meeting(change)).await,
            unprocessable,
            code,
            Some(field),
        );
    }
    let bad_request = StatusCode::BAD_REQUEST;
    let malformed: [Change; 5] = [
        |m| m["date"] = json!("2026-02-30"),
        |m| m["kind"] = json!("party"),
        |m| m["attendees"] = json!(-1),
        |m| {
            m.as_object_mut().unwrap().remove("date");
        },
        |m| m["decisions"] = json!("one decision"),
    ];
    for change in malformed {
        refused(
            post(&n.app, "/api/v1/meetings", meeting(change)).await,
            bad_request,
            "malformed",
            None,
        );
    }

    let october = tally_view(&n.app, "2026-10").await;
    assert_eq!(october["total"], 4, "refused meetings counted nothing");
    let listed = ok(get(&n.app, "/api/v1/meetings").await, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn plans_are_created_listed_and_found_by_id_or_prefix() {
    let n = node();
    let created = ok(
        post(
            &n.app,
            "/api/v1/plans",
            json!({"title": "  Legal aid for all ", "goal": "A lawyer within a week."}),
        )
        .await,
        StatusCode::CREATED,
    );
    let id = created["id"].as_str().unwrap();
    assert!(id.parse::<DocId>().is_ok(), "{id}");
    assert_eq!(created["title"], "Legal aid for all");
    assert_eq!(created["goal"], "A lawyer within a week.");
    assert_eq!(created["demands"], "");
    assert_eq!(created["status"], "planning");
    assert_eq!(created["header"]["kind"], "plan");
    assert_eq!(created["header"]["owner"], group().to_string());
    assert_eq!(created["header"]["network"], Value::Null);
    assert_eq!(created["collaborators"], json!([group().to_string()]));
    for list in ["targets", "actions", "meetings"] {
        assert_eq!(created[list], json!([]), "{list}");
    }

    let by_id = ok(
        get(&n.app, &format!("/api/v1/plans/{id}")).await,
        StatusCode::OK,
    );
    assert_eq!(by_id, created);
    let by_prefix = ok(
        get(&n.app, &format!("/api/v1/plans/{}", &id[..6])).await,
        StatusCode::OK,
    );
    assert_eq!(by_prefix, created);
    let upper = id[..6].to_ascii_uppercase();
    let by_upper = ok(
        get(&n.app, &format!("/api/v1/plans/{upper}")).await,
        StatusCode::OK,
    );
    assert_eq!(by_upper, created);

    new_plan(&n.app, "Bus fares for asylum seekers").await;
    let listed = ok(get(&n.app, "/api/v1/plans").await, StatusCode::OK);
    let titles: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.get("title").and_then(Value::as_str).unwrap())
        .collect();
    // Created the same day, so ordered by title.
    assert_eq!(
        titles,
        ["Bus fares for asylum seekers", "Legal aid for all"]
    );
}

#[tokio::test]
async fn unknown_plans_are_not_found() {
    let n = node();
    let id = new_plan(&n.app, "Legal aid for all").await;
    // A prefix and a full id that differ from the plan's in their first digit.
    let other = if id.starts_with('0') { "1" } else { "0" };
    let unknown_full = format!("{other}{}", &id[1..]);
    let unknown_prefix = format!("{other}{}", &id[1..6]);
    let tally_doc = DocId::derived("tally", &group()).to_string();
    for text in [
        unknown_full.as_str(),
        unknown_prefix.as_str(),
        &id[..3],
        "not-a-plan",
        // The tally is a document, but not a plan.
        tally_doc.as_str(),
        &tally_doc[..8],
    ] {
        refused(
            get(&n.app, &format!("/api/v1/plans/{text}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
    }
    let not_found = StatusCode::NOT_FOUND;
    let u = &unknown_full;
    refused(
        patch(&n.app, &format!("/api/v1/plans/{u}"), json!({"title": "x"})).await,
        not_found,
        "not_found",
        None,
    );
    refused(
        post(
            &n.app,
            &format!("/api/v1/plans/{u}/actions"),
            json!({"title": "Vigil"}),
        )
        .await,
        not_found,
        "not_found",
        None,
    );
    refused(
        patch(
            &n.app,
            &format!("/api/v1/plans/{u}/actions/000000000000"),
            json!({"status": "done"}),
        )
        .await,
        not_found,
        "not_found",
        None,
    );
    refused(
        post(
            &n.app,
            &format!("/api/v1/plans/{u}/targets"),
            json!({"kind": "ally", "role": "Bishop", "influence": 2, "stance": 2}),
        )
        .await,
        not_found,
        "not_found",
        None,
    );
    refused(
        post(
            &n.app,
            &format!("/api/v1/plans/{u}/meetings"),
            json!({"with": "Leader of the council", "date": "2026-12-10"}),
        )
        .await,
        not_found,
        "not_found",
        None,
    );
}

#[tokio::test]
async fn a_prefix_naming_two_plans_is_ambiguous() {
    let n = node();
    // Plan ids are random: create plans in rounds until two share their first four digits
    // (after 2,000 plans the chance that none do is below 1e-13).
    let mut by_prefix: BTreeMap<String, String> = BTreeMap::new();
    let mut shared = None;
    'rounds: for _ in 0..10 {
        let mut round = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let app = n.app.clone();
            round.spawn(async move { new_plan(&app, "Legal aid for all").await });
        }
        for id in round.join_all().await {
            if let Some(first) = by_prefix.insert(id[..4].to_string(), id.clone()) {
                shared = Some((first, id));
                break 'rounds;
            }
        }
    }
    let (first, second) = shared.expect("two plans sharing a 4-digit prefix");
    refused(
        get(&n.app, &format!("/api/v1/plans/{}", &first[..4])).await,
        StatusCode::BAD_REQUEST,
        "ambiguous",
        None,
    );
    for id in [first, second] {
        let body = ok(
            get(&n.app, &format!("/api/v1/plans/{id}")).await,
            StatusCode::OK,
        );
        assert_eq!(body["id"], id.as_str());
    }
}

#[tokio::test]
async fn plans_are_edited_and_bad_edits_change_nothing() {
    let n = node();
    let id = new_plan(&n.app, "Legal aid for all").await;
    let uri = format!("/api/v1/plans/{id}");
    let edited = ok(
        patch(
            &n.app,
            &uri,
            json!({"title": "Legal aid for every asylum seeker", "status": "active"}),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(edited["title"], "Legal aid for every asylum seeker");
    assert_eq!(edited["status"], "active");
    assert_eq!(
        edited["goal"],
        "Every person seeking asylum gets a legal aid lawyer within a week."
    );
    let edited = ok(
        patch(
            &n.app,
            &format!("/api/v1/plans/{}", &id[..6]),
            json!({"goal": "A lawyer within two days.", "status": "won"}),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(edited["goal"], "A lawyer within two days.");
    assert_eq!(edited["status"], "won");
    let before = ok(get(&n.app, &uri).await, StatusCode::OK);
    assert_eq!(before, edited);

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        patch(&n.app, &uri, json!({})).await,
        unprocessable,
        "empty",
        Some("edit"),
    );
    refused(
        patch(
            &n.app,
            &uri,
            json!({"goal": "Call 07700 900123 for the rota"}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("goal"),
    );
    // A refused field refuses the whole edit, including its good parts.
    refused(
        patch(
            &n.app,
            &uri,
            json!({"title": "New title", "demands": "Write to B1 1AA", "status": "closed"}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("demands"),
    );
    refused(
        patch(&n.app, &uri, json!({"title": "  "})).await,
        unprocessable,
        "empty",
        Some("title"),
    );
    refused(
        patch(&n.app, &uri, json!({"title": "x".repeat(201)})).await,
        unprocessable,
        "too_long",
        Some("title"),
    );
    refused(
        patch(&n.app, &uri, json!({"status": "abandoned"})).await,
        StatusCode::BAD_REQUEST,
        "malformed",
        None,
    );
    assert_eq!(ok(get(&n.app, &uri).await, StatusCode::OK), before);
}

#[tokio::test]
async fn bad_new_plans_are_refused() {
    let n = node();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        post(&n.app, "/api/v1/plans", json!({"title": " "})).await,
        unprocessable,
        "empty",
        Some("title"),
    );
    refused(
        post(
            &n.app,
            "/api/v1/plans",
            json!({"title": "Legal aid", "goal": "Contact amina@example.org"}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("goal"),
    );
    refused(
        post(&n.app, "/api/v1/plans", json!({"goal": "No title"})).await,
        StatusCode::BAD_REQUEST,
        "malformed",
        None,
    );
    let listed = ok(get(&n.app, "/api/v1/plans").await, StatusCode::OK);
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn actions_are_added_and_updated() {
    let n = node();
    let id = new_plan(&n.app, "Legal aid for all").await;
    let actions = format!("/api/v1/plans/{id}/actions");
    let plan = ok(
        post(
            &n.app,
            &actions,
            json!({"title": "Meet the cabinet member", "date": "2026-12-10", "kind": "meeting"}),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(plan["actions"].as_array().unwrap().len(), 1);
    let now = ok(
        post(
            &n.app,
            &format!("/api/v1/plans/{}/actions", &id[..6]),
            json!({"title": "Vigil at the town hall"}),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(
        ok(
            get(&n.app, &format!("/api/v1/plans/{id}")).await,
            StatusCode::OK
        ),
        now
    );
    let list = now["actions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["title"], "Meet the cabinet member");
    assert_eq!(list[0]["date"], "2026-12-10");
    assert_eq!(list[0]["kind"], "meeting");
    assert_eq!(list[0]["status"], "planned");
    assert_eq!(list[1]["title"], "Vigil at the town hall");
    assert_eq!(list[1]["date"], Value::Null);
    assert_eq!(list[1]["kind"], "other", "kind defaults to other");
    let action = list[0]["id"].as_str().unwrap().to_string();

    let done = ok(
        patch(
            &n.app,
            &format!("{actions}/{action}"),
            json!({"status": "done", "notes": "Agreed to a second meeting"}),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(done["actions"][0]["status"], "done");
    assert_eq!(done["actions"][0]["notes"], "Agreed to a second meeting");
    assert_eq!(done["actions"][1]["status"], "planned");

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let bad_request = StatusCode::BAD_REQUEST;
    refused(
        post(
            &n.app,
            &actions,
            json!({"title": "Vigil", "date": "2026-12-32"}),
        )
        .await,
        bad_request,
        "malformed",
        None,
    );
    refused(
        post(
            &n.app,
            &actions,
            json!({"title": "Vigil", "date": "10/12/2026"}),
        )
        .await,
        bad_request,
        "malformed",
        None,
    );
    refused(
        post(&n.app, &actions, json!({"title": "Vigil", "kind": "party"})).await,
        bad_request,
        "malformed",
        None,
    );
    refused(
        post(&n.app, &actions, json!({"title": ""})).await,
        unprocessable,
        "empty",
        Some("action title"),
    );
    refused(
        post(
            &n.app,
            &actions,
            json!({"title": "Vigil", "notes": "ask jo@example.org"}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("action notes"),
    );
    refused(
        patch(&n.app, &format!("{actions}/{action}"), json!({})).await,
        unprocessable,
        "empty",
        Some("edit"),
    );
    refused(
        patch(
            &n.app,
            &format!("{actions}/{action}"),
            json!({"title": "Ring 07700 900123"}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("action title"),
    );
    // An action id the plan does not hold is not found, well-formed or not.
    refused(
        patch(
            &n.app,
            &format!("{actions}/000000000000"),
            json!({"status": "done"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    for bad in ["nope", "ABCDEF123456", "0000000000001"] {
        refused(
            patch(
                &n.app,
                &format!("{actions}/{bad}"),
                json!({"status": "done"}),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        );
    }

    let after = ok(
        get(&n.app, &format!("/api/v1/plans/{id}")).await,
        StatusCode::OK,
    );
    assert_eq!(after["actions"], done["actions"]);
}

#[tokio::test]
async fn targets_are_added_within_their_ranges() {
    let n = node();
    let id = new_plan(&n.app, "Legal aid for all").await;
    let targets = format!("/api/v1/plans/{id}/targets");
    let target = |influence: i64, stance: i64| {
        json!({
            "kind": "target",
            "role": "Cabinet member for housing",
            "institution": "City Council",
            "influence": influence,
            "stance": stance
        })
    };
    let plan = ok(
        post(&n.app, &targets, target(5, -1)).await,
        StatusCode::CREATED,
    );
    let added = &plan["targets"][0];
    assert_eq!(added["kind"], "target");
    assert_eq!(added["role"], "Cabinet member for housing");
    assert_eq!(added["institution"], "City Council");
    assert_eq!(
        (added["influence"].as_i64(), added["stance"].as_i64()),
        (Some(5), Some(-1))
    );
    let plan = ok(
        post(
            &n.app,
            &targets,
            json!({"kind": "ally", "role": "Bishop", "influence": 1, "stance": 2}),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(plan["targets"][1]["institution"], "");

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    for (influence, stance, field) in [
        (6, 0, "influence"),
        (0, 0, "influence"),
        (3, 3, "stance"),
        (3, -3, "stance"),
    ] {
        refused(
            post(&n.app, &targets, target(influence, stance)).await,
            unprocessable,
            "out_of_range",
            Some(field),
        );
    }
    refused(
        post(
            &n.app,
            &targets,
            json!({"kind": "target", "role": "Cllr on 07700 900123", "influence": 3, "stance": 0}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("target role"),
    );
    refused(
        post(
            &n.app,
            &targets,
            json!({"kind": "enemy", "role": "Mayor", "influence": 3, "stance": 0}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed",
        None,
    );
    let after = ok(
        get(&n.app, &format!("/api/v1/plans/{id}")).await,
        StatusCode::OK,
    );
    assert_eq!(after["targets"], plan["targets"]);
}

#[tokio::test]
async fn authority_meetings_keep_their_agenda_in_order() {
    let n = node();
    let id = new_plan(&n.app, "Legal aid for all").await;
    let meetings = format!("/api/v1/plans/{id}/meetings");
    let agenda = ["Legal aid posts", "Hostel conditions", "Bus fares", "AOB"];
    let plan = ok(
        post(
            &n.app,
            &meetings,
            json!({"with": "Leader of the council", "date": "2026-12-10", "agenda": agenda}),
        )
        .await,
        StatusCode::CREATED,
    );
    let meeting = &plan["meetings"][0];
    assert_eq!(meeting["with"], "Leader of the council");
    assert_eq!(meeting["date"], "2026-12-10");
    assert_eq!(meeting["outcome"], "");
    let items = meeting["agenda"].as_array().unwrap();
    let texts: Vec<&str> = items.iter().map(|i| i["text"].as_str().unwrap()).collect();
    assert_eq!(texts, agenda);
    let mut ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.push(meeting["id"].as_str().unwrap());
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), agenda.len() + 1, "every item has its own id");

    let plan = ok(
        post(
            &n.app,
            &meetings,
            json!({"with": "MP's office", "date": "2027-01-15"}),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(plan["meetings"][1]["agenda"], json!([]));

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        post(
            &n.app,
            &meetings,
            json!({"with": "Leader", "date": "2026-12-10", "agenda": ["Legal aid", "Ask for B1 1AA"]}),
        )
        .await,
        unprocessable,
        "personal_data",
        Some("agenda item"),
    );
    refused(
        post(&n.app, &meetings, json!({"with": "", "date": "2026-12-10"})).await,
        unprocessable,
        "empty",
        Some("meeting with"),
    );
    refused(
        post(&n.app, &meetings, json!({"with": "Leader of the council"})).await,
        StatusCode::BAD_REQUEST,
        "malformed",
        None,
    );
    let after = ok(
        get(&n.app, &format!("/api/v1/plans/{id}")).await,
        StatusCode::OK,
    );
    assert_eq!(after["meetings"], plan["meetings"]);
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let n = node();
    let doc = ok(get(&n.app, "/api/v1/openapi.json").await, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/status", &["get"]),
        ("/api/v1/issues", &["get", "post"]),
        ("/api/v1/issues/{issue}", &["patch"]),
        ("/api/v1/tally", &["get", "post"]),
        ("/api/v1/meetings", &["get", "post"]),
        ("/api/v1/meetings/{meeting}", &["delete", "patch"]),
        ("/api/v1/plans", &["get", "post"]),
        ("/api/v1/plans/{plan}", &["get", "patch"]),
        ("/api/v1/plans/{plan}/actions", &["post"]),
        (
            "/api/v1/plans/{plan}/actions/{action}",
            &["delete", "patch"],
        ),
        ("/api/v1/plans/{plan}/targets", &["post"]),
        (
            "/api/v1/plans/{plan}/targets/{target}",
            &["delete", "patch"],
        ),
        ("/api/v1/plans/{plan}/meetings", &["post"]),
        (
            "/api/v1/plans/{plan}/meetings/{meeting}",
            &["delete", "patch"],
        ),
        ("/api/v1/plans/{plan}/meetings/{meeting}/agenda", &["post"]),
        ("/api/v1/plans/{plan}/archived", &["put"]),
        ("/api/v1/plans/{plan}/share", &["post"]),
        ("/api/v1/plans/{plan}/forget", &["post"]),
        ("/api/v1/networks/{network}/forget", &["post"]),
        ("/api/v1/networks/{network}/published/forget", &["post"]),
        ("/api/v1/tally/forget", &["post"]),
        ("/api/v1/meetings/forget", &["post"]),
        ("/api/v1/plans/{plan}/collaborators/{group}", &["delete"]),
        ("/api/v1/networks", &["get", "post"]),
        ("/api/v1/networks/join", &["post"]),
        ("/api/v1/networks/{network}", &["get"]),
        ("/api/v1/networks/{network}/invites", &["post"]),
        ("/api/v1/networks/{network}/publish", &["post"]),
        ("/api/v1/networks/{network}/published", &["get"]),
        ("/api/v1/networks/{network}/region", &["get"]),
        ("/api/v1/networks/{network}/region.csv", &["get"]),
        (
            "/api/v1/networks/{network}/members/{group}",
            &["delete", "put"],
        ),
        ("/api/v1/networks/{network}/settings", &["patch"]),
        ("/api/v1/networks/{network}/export", &["post"]),
        ("/api/v1/bundles", &["post"]),
        ("/api/v1/plans/{plan}/collaborators", &["post"]),
        ("/api/v1/peers", &["get"]),
    ];
    for (path, methods) in expected {
        let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing"));
        let mut found: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        found.sort_unstable();
        assert_eq!(found, *methods, "{path}");
    }
    assert_eq!(paths.len(), expected.len());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["ErrorBody", "TallyAdd", "PlanView", "NewMeeting"] {
        assert!(schemas.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn unknown_endpoints_answer_with_an_error_body() {
    let n = node();
    for uri in [
        "/api/v1/nope",
        "/api/v1/plans/abcd/nope",
        "/api/v1/plans/abcd/actions/000000000000/more",
        "/api/v2/status",
    ] {
        let reply = get(&n.app, uri).await;
        if uri.starts_with("/api/v1/") {
            refused(reply, StatusCode::NOT_FOUND, "not_found", None);
        } else {
            // Outside `/api/v1` the API's fallback does not apply.
            assert_eq!(reply.status, StatusCode::NOT_FOUND);
        }
    }
    refused(
        post(&n.app, "/api/v1/nope", json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // A known path with a method it does not serve.
    refused(
        send(&n.app, Method::DELETE, "/api/v1/status", json!({})).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
    );
}

#[tokio::test]
async fn concurrent_increments_all_land() {
    let n = node();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let app = n.app.clone();
        requests.spawn(async move {
            ok(
                post(
                    &app,
                    "/api/v1/tally",
                    json!({"issue": "health", "period": "2026-11"}),
                )
                .await,
                StatusCode::OK,
            )["count"]
                .as_i64()
                .unwrap()
        });
    }
    let mut counts = requests.join_all().await;
    counts.sort_unstable();
    // Each increment saw the ones before it and no other: the counts are exactly 1..=100.
    assert_eq!(counts, (1..=100).collect::<Vec<i64>>());
    let view = tally_view(&n.app, "2026-11").await;
    assert_eq!(view["total"], 100);
    assert_eq!(view["rows"][0]["count"], 100);
}

#[tokio::test]
async fn a_patch_with_its_base_writes_only_what_changed_since() {
    let n = node();
    let plan = ok(
        post(&n.app, "/api/v1/plans", json!({"title": "Housing", "goal": "Safe homes for all.", "demands": "Inspect hostels."})).await,
        StatusCode::CREATED,
    );
    let id = plan["id"].as_str().unwrap();
    let uri = format!("/api/v1/plans/{id}");
    // Another edit lands after the form was made from `plan`.
    ok(
        patch(
            &n.app,
            &uri,
            json!({"goal": "Safe homes for all, within a month."}),
        )
        .await,
        StatusCode::OK,
    );
    // The form sends every field as it saw them, changing only the status.
    let after = ok(
        patch(
            &n.app,
            &uri,
            json!({
                "base": plan["heads"],
                "title": plan["title"],
                "goal": plan["goal"],
                "demands": "Inspect every hostel.",
                "status": "active"
            }),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(after["goal"], "Safe homes for all, within a month.");
    assert_eq!(after["demands"], "Inspect every hostel.");
    assert_eq!(after["status"], "active");
    // A base this node does not hold is refused, naming the field, and nothing is written.
    let reply = patch(
        &n.app,
        &uri,
        json!({"base": ["00".repeat(32)], "status": "won"}),
    )
    .await;
    let body = ok(reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "base");
    let now = ok(get(&n.app, &uri).await, StatusCode::OK);
    assert_eq!(now["heads"], after["heads"]);
}

#[tokio::test]
async fn a_private_plan_is_shared_with_a_network_as_a_new_plan_and_archived() {
    let n = node();
    let id = new_plan(&n.app, "Legal aid في كل مدينة").await;
    ok(
        post(
            &n.app,
            &format!("/api/v1/plans/{id}/actions"),
            json!({"title": "Réunion avec le barreau", "kind": "meeting"}),
        )
        .await,
        StatusCode::CREATED,
    );
    let uri = format!("/api/v1/plans/{id}/share");
    // No such network: refused, nothing written.
    refused(
        post(&n.app, &uri, json!({"network": "abcdef12"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let before = ok(
        get(&n.app, &format!("/api/v1/plans/{id}")).await,
        StatusCode::OK,
    );
    assert_eq!(before["archived"], false);
    let net = ok(
        post(&n.app, "/api/v1/networks", json!({"name": "North"})).await,
        StatusCode::CREATED,
    );
    let net = net["id"].as_str().unwrap();
    let shared = ok(
        post(&n.app, &uri, json!({"network": net})).await,
        StatusCode::CREATED,
    );
    let new = shared["id"].as_str().unwrap();
    assert_ne!(new, id);
    assert_eq!(shared["header"]["network"], net);
    assert_eq!(shared["title"], "Legal aid في كل مدينة");
    assert_eq!(shared["goal"], before["goal"]);
    assert_eq!(shared["actions"][0]["title"], "Réunion avec le barreau");
    assert_eq!(shared["collaborators"], json!([group().to_string()]));
    assert_eq!(shared["archived"], false);
    let old = ok(
        get(&n.app, &format!("/api/v1/plans/{id}")).await,
        StatusCode::OK,
    );
    assert_eq!(old["archived"], true);
    // A shared plan cannot be shared again.
    refused(
        post(
            &n.app,
            &format!("/api/v1/plans/{new}/share"),
            json!({"network": net}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not_permitted",
        None,
    );
}

/// Forgetting local documents: the meeting records and the raw tally are re-issued holding
/// what they say now, and what was deleted from them leaves the store's files; unknown or
/// unpublished documents are refused.
#[tokio::test]
async fn local_records_are_forgotten_and_leave_no_trace_on_disk() {
    let n = node();
    let secret = "kept at the willow boathouse";
    let m = ok(
        post(
            &n.app,
            "/api/v1/meetings",
            json!({"date": "2026-11-03", "kind": "weekly-meeting", "attendees": 9, "issues": {"housing": 2},
                   "decisions": [format!("Store banners {secret}")]}),
        )
        .await,
        StatusCode::CREATED,
    );
    let id = m["id"].as_str().unwrap().to_string();
    ok(
        send(
            &n.app,
            Method::DELETE,
            &format!("/api/v1/meetings/{id}"),
            Value::Null,
        )
        .await,
        StatusCode::OK,
    );
    let on_disk = |dir: &std::path::Path| -> bool {
        fn walk(d: &std::path::Path, needle: &[u8]) -> bool {
            std::fs::read_dir(d).unwrap().flatten().any(|e| {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, needle)
                } else {
                    std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
                }
            })
        }
        walk(dir, secret.as_bytes())
    };
    assert!(
        on_disk(n._dir.path()),
        "the deleted record stays in the history (control)"
    );
    let f = ok(
        post(&n.app, "/api/v1/meetings/forget", json!({})).await,
        StatusCode::OK,
    );
    assert_eq!(f["generation"], 1, "{f}");
    assert_eq!(f["shared"], false, "{f}");
    assert!(
        !on_disk(n._dir.path()),
        "the forgotten record is still on disk"
    );
    // The tally it fed is untouched; forgetting the tally's increments keeps its counts.
    let before = tally_view(&n.app, "2026-11").await;
    ok(
        post(&n.app, "/api/v1/tally/forget", json!({})).await,
        StatusCode::OK,
    );
    assert_eq!(tally_view(&n.app, "2026-11").await, before);
    // Nothing published in an unknown network; no plan of that id.
    refused(
        post(
            &n.app,
            "/api/v1/networks/00112233445566778899aabbccddeeff/published/forget",
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    refused(
        post(&n.app, "/api/v1/plans/ffffffff/forget", json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
}

/// A fuzzed body of an endpoint whose valid body is known.
#[derive(Debug, Clone)]
enum Fuzzed {
    /// Arbitrary bytes.
    Bytes(Vec<u8>),
    /// Arbitrary JSON.
    Json(Value),
    /// The valid body with one field's value replaced.
    Field(proptest::sample::Index, Value),
    /// The valid body's text with one byte changed (xor) and cut short by some bytes.
    Spoiled(proptest::sample::Index, u8, usize),
}

impl Fuzzed {
    fn text(&self, valid: &Value) -> String {
        match self {
            Self::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            Self::Json(v) => v.to_string(),
            Self::Field(i, v) => {
                let mut body = valid.clone();
                if let Some(map) = body.as_object_mut()
                    && let Some(key) = map.keys().nth(i.index(map.len())).cloned()
                {
                    map.insert(key, v.clone());
                }
                body.to_string()
            }
            Self::Spoiled(at, x, cut) => {
                let mut b = valid.to_string().into_bytes();
                let at = at.index(b.len());
                b[at] ^= x;
                b.truncate(b.len().saturating_sub(*cut));
                String::from_utf8_lossy(&b).into_owned()
            }
        }
    }
}

/// Any JSON value, with the awkward ones: huge numbers, long and hostile strings, nesting.
fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(u64::MAX)),
        ".{0,40}".prop_map(Value::from),
        Just(Value::from("x".repeat(20_000))),
        Just(Value::from("\u{202E}\u{0}\u{1b}[2J\u{200B}")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The HTTP JSON bodies, fuzzed (issue 12): every endpoint that takes one, sent arbitrary
/// bytes, arbitrary JSON, a valid body with one field replaced by arbitrary JSON, and a valid
/// body with its text cut or bytes changed. Each is taken or refused with a JSON error body and a
/// 4xx status: never a server error, never a panic, and the node answers afterwards. A long run:
/// `FUZZ_CASES=20000 cargo test --release -p commonground-node --test api fuzzed`.
#[test]
fn fuzzed_json_bodies_are_refused_or_taken_never_a_server_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = rt.block_on(async { node() });
    let plan = rt.block_on(new_plan(&n.app, "Legal aid for all"));
    let endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/issues".into(),
            json!({"key": "bus-fares", "label": "Bus fares"}),
        ),
        (
            Method::PATCH,
            "/api/v1/issues/housing".into(),
            json!({"label": "Housing"}),
        ),
        (
            Method::POST,
            "/api/v1/tally".into(),
            json!({"issue": "housing", "count": 2, "period": PAST}),
        ),
        (
            Method::POST,
            "/api/v1/meetings".into(),
            json!({"date": "2026-10-02", "kind": "weekly-meeting", "attendees": 12,
                   "issues": {"housing": 4}, "decisions": ["Write to the council"]}),
        ),
        (
            Method::POST,
            "/api/v1/plans".into(),
            json!({"title": "A plan", "goal": "More", "demands": ""}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/plans/{plan}"),
            json!({"goal": "Even more"}),
        ),
        (
            Method::POST,
            format!("/api/v1/plans/{plan}/actions"),
            json!({"title": "Meet the council", "kind": "meeting"}),
        ),
        (
            Method::POST,
            format!("/api/v1/plans/{plan}/targets"),
            json!({"role": "Council leader", "institution": "", "influence": 4, "stance": -1}),
        ),
        (
            Method::POST,
            format!("/api/v1/plans/{plan}/meetings"),
            json!({"with": "Housing officer", "date": "2026-10-02", "agenda": ["Hostel"]}),
        ),
        (
            Method::PUT,
            format!("/api/v1/plans/{plan}/archived"),
            json!({"archived": false}),
        ),
        (
            Method::POST,
            "/api/v1/networks".into(),
            json!({"name": "West Midlands"}),
        ),
        (
            Method::POST,
            "/api/v1/networks/join".into(),
            json!({"code": "cg1-abc"}),
        ),
    ];
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(96);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    // The same cases on every run: CI's suite is deterministic.
    let rng = proptest::test_runner::TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (
        0..endpoints.len(),
        prop_oneof![
            1 => prop::collection::vec(any::<u8>(), 0..512).prop_map(Fuzzed::Bytes),
            1 => any_json().prop_map(Fuzzed::Json),
            1 => (any::<prop::sample::Index>(), any_json()).prop_map(|(i, v)| Fuzzed::Field(i, v)),
            // Text in one field, often taken: any characters, in any script.
            3 => (any::<prop::sample::Index>(), "\\PC{0,60}")
                .prop_map(|(i, t)| Fuzzed::Field(i, Value::from(t))),
            1 => (any::<prop::sample::Index>(), 1u8..=255, 0usize..8)
                .prop_map(|(at, x, cut)| Fuzzed::Spoiled(at, x, cut)),
        ],
    );
    let statuses = std::cell::RefCell::new(BTreeMap::<u16, usize>::new());
    runner
        .run(&strategy, |(which, body)| {
            let (method, uri, valid) = &endpoints[which];
            let text = body.text(valid);
            let reply = rt.block_on(send_raw(&n.app, method.clone(), uri, &text));
            *statuses
                .borrow_mut()
                .entry(reply.status.as_u16())
                .or_default() += 1;
            prop_assert!(
                !reply.status.is_server_error(),
                "{method} {uri} {text:.200}: {} {}",
                reply.status,
                reply.body
            );
            if !reply.status.is_success() {
                prop_assert!(reply.body["error"]["code"].is_string(), "{}", reply.body);
            }
            Ok(())
        })
        .unwrap();
    // Both ways were taken: some bodies were taken, most refused.
    let statuses = statuses.into_inner();
    println!("answers by status: {statuses:?}");
    assert!(statuses.keys().any(|s| *s < 300), "{statuses:?}");
    assert!(statuses.keys().any(|s| *s >= 400), "{statuses:?}");
    // The node still answers, and its plan is still readable.
    let status = rt.block_on(get(&n.app, "/api/v1/status"));
    assert_eq!(status.status, StatusCode::OK);
    let read = rt.block_on(get(&n.app, &format!("/api/v1/plans/{plan}")));
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
}
