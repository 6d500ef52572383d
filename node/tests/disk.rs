//! A full disk (issue 12): the node's store on a 1 MiB tmpfs mounted by the test. Writes are
//! refused with a clear error naming the cause (HTTP 507, `disk_full`, "the disk holding … is
//! full"), reads go on, the page shows a banner, and once the tmpfs is made larger the node
//! writes again by itself, without a restart; nothing acknowledged is lost and nothing refused
//! is stored.
//!
//! Mounting needs root. Where the tmpfs cannot be mounted the test prints "skipping: ..." and
//! passes (CI runs as root, as for the network-namespace tests).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::tmpfs::Tmpfs;
use commonground_node::docs::{Docs, DocsThread};
use commonground_node::store::SledStore;
use commonground_node::testkit;
use commonground_node::web::WebOptions;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn start(store: &Path) -> (Router, Docs, DocsThread) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[21; 32]);
    testkit::local_router(
        Box::new(SledStore::open(store).unwrap()),
        key,
        WebOptions::default(),
    )
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let req = req
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn plan(title: &str) -> Value {
    // A long goal, so that a few dozen plans fill the disk.
    json!({"title": title, "goal": "Homes for every family. ".repeat(100), "demands": ""})
}

async fn titles(app: &Router) -> Vec<String> {
    let (status, body) = call(app, Method::GET, "/api/v1/plans", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_keeps_reads_and_recovers_when_space_returns() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("commonground_node=warn")
        .try_init();
    let Some(disk) = Tmpfs::mount("1m") else {
        return;
    };
    let store = disk.dir.join("store");
    let (app, docs, thread) = start(&store);

    // Plans until the disk is full.
    let mut kept = Vec::new();
    let refusal = loop {
        assert!(kept.len() < 2_000, "the 1 MiB disk never filled");
        let title = format!("Plan {}", kept.len());
        let (status, body) = call(&app, Method::POST, "/api/v1/plans", Some(plan(&title))).await;
        match status {
            StatusCode::CREATED => kept.push(title),
            StatusCode::INSUFFICIENT_STORAGE => break body,
            other => panic!("{other}: {body}"),
        }
    };
    let refusal: Value = serde_json::from_str(&refusal).unwrap();
    assert_eq!(refusal["error"]["code"], "disk_full", "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("the disk holding {} is full", store.display())),
        "{message}"
    );
    assert!(docs.storage_failing().is_some());

    // Refused again, while reads, the status and the page go on; the page says why.
    for i in 0..3 {
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/plans",
            Some(plan(&format!("Refused {i}"))),
        )
        .await;
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
    }
    assert_eq!(titles(&app).await, kept_sorted(&kept));
    let (status, body) = call(&app, Method::GET, "/api/v1/status", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"storage\":\"the disk holding"), "{body}");
    let (status, page) = call(&app, Method::GET, "/plans", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The disk of this node is full"), "{page}");

    // Space comes back: the next write works, with no restart, and the banner goes.
    disk.resize("64m");
    let (status, body) = call(&app, Method::POST, "/api/v1/plans", Some(plan("After"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    kept.push("After".into());
    assert!(docs.storage_failing().is_none());
    let (_, body) = call(&app, Method::GET, "/api/v1/status", None).await;
    assert!(!body.contains("\"storage\""), "{body}");
    let (_, page) = call(&app, Method::GET, "/plans", None).await;
    assert!(!page.contains("The disk of this node is full"));

    // After a restart: everything acknowledged, nothing refused.
    drop(app);
    drop(docs);
    thread.join();
    let (app, _docs, _thread) = start(&store);
    let after = titles(&app).await;
    assert_eq!(after, kept_sorted(&kept));
    assert!(!after.iter().any(|t| t.starts_with("Refused")));
}

/// Titles as the plan list orders them (by title).
fn kept_sorted(kept: &[String]) -> Vec<String> {
    let mut k = kept.to_vec();
    k.sort();
    k
}
