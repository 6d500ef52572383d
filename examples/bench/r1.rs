//! R1 (issue 12): a node's restart after a year of a group's work, made through its API as the
//! group would: `BENCH_R1_INCREMENTS` (20,000) tally increments over the last twelve months, 52
//! weekly meeting records, 20 plans edited every week (a goal edit and, every fourth week, an
//! action), 5 networks that the plans are shared in, and every month's tally published in each.
//! The restart is timed from `Node::start` to its answering its API; the baseline is the start
//! of the same node with an empty data directory, in the same run. The target is that restart
//! grows with the data a group has, not with the increments ever made: under a second.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{BenchNode, Row, env_or, ms};

/// The last `n` months before this one, oldest first, as `YYYY-MM`.
fn past_months(n: u32) -> Vec<String> {
    let today = commonground_node::docs::today_utc().to_string();
    let (y, m): (i32, i32) = (
        today[..4].parse().unwrap_or(2026),
        today[5..7].parse().unwrap_or(12),
    );
    let mut out: Vec<String> = (1..=n as i32)
        .map(|k| {
            let total = y * 12 + (m - 1) - k;
            format!("{:04}-{:02}", total / 12, total % 12 + 1)
        })
        .collect();
    out.reverse();
    out
}

/// The size of the files under `dir`.
fn size_on_disk(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

pub(crate) async fn r1(dir: &std::path::Path) -> anyhow::Result<Row> {
    let increments = env_or("BENCH_R1_INCREMENTS", 20_000);
    let t = Instant::now();
    let node = BenchNode::start(dir, "r1", vec![]).await?;
    node.call(reqwest::Method::GET, "/status", None).await?;
    let empty = t.elapsed();
    let months = past_months(12);
    let post = reqwest::Method::POST;

    let mut networks = Vec::new();
    for i in 0..5 {
        let n = node
            .call(
                post.clone(),
                "/networks",
                Some(json!({"name": format!("Network {i}")})),
            )
            .await?;
        networks.push(n["id"].as_str().unwrap_or_default().to_string());
    }
    let mut plans = Vec::new();
    for i in 0..20 {
        let p = node
            .call(
                post.clone(),
                "/plans",
                Some(json!({
                    "title": format!("Campaign {i}"),
                    "goal": "Safe housing for every family in the city.",
                    "demands": "Open the empty council blocks.",
                    "network": networks[i % networks.len()],
                })),
            )
            .await?;
        plans.push(p["id"].as_str().unwrap_or_default().to_string());
    }
    eprintln!("  5 networks, 20 plans; a year of weeks…");
    let issues = ["housing", "legal-aid", "health", "detention", "destitution"];
    let per_week = increments / 52;
    for week in 0..52usize {
        let period = &months[(week * 12 / 52).min(11)];
        let day = format!("{period}-{:02}", 1 + (week % 4) * 7);
        node.call(
            post.clone(),
            "/meetings",
            Some(json!({
                "date": day,
                "kind": "weekly-meeting",
                "attendees": 10 + week % 7,
                "issues": {"housing": 3, "legal-aid": 1},
                "decisions": [format!("Week {week}: follow up with the council")],
            })),
        )
        .await?;
        for (i, plan) in plans.iter().enumerate() {
            node.call(
                reqwest::Method::PATCH,
                &format!("/plans/{plan}"),
                Some(json!({"goal": format!("Safe housing for every family in the city (week {week}, {i}).")})),
            )
            .await?;
            if week % 4 == 0 {
                node.call(
                    post.clone(),
                    &format!("/plans/{plan}/actions"),
                    Some(json!({"title": format!("Action of week {week}"), "kind": "other"})),
                )
                .await?;
            }
        }
        for k in 0..per_week {
            node.call(
                post.clone(),
                "/tally",
                Some(json!({"issue": issues[k % issues.len()], "period": period})),
            )
            .await?;
        }
    }
    eprintln!("  publishing each month in each network…");
    for network in &networks {
        for period in &months {
            node.call(
                post.clone(),
                &format!("/networks/{network}/publish"),
                Some(json!({"period": period})),
            )
            .await?;
        }
    }
    let documents: usize = node.node.docs().counts().await?.values().sum();
    let data_dir = node.data_dir().to_path_buf();
    node.shutdown().await;
    let bytes = size_on_disk(&data_dir);

    let mut starts = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let node = BenchNode::start(dir, "r1", vec![]).await?;
        node.call(reqwest::Method::GET, "/status", None).await?;
        starts.push(t.elapsed());
        let back: usize = node.node.docs().counts().await?.values().sum();
        anyhow::ensure!(
            back == documents,
            "{back} documents after a restart, not {documents}"
        );
        node.shutdown().await;
    }
    starts.sort();
    let start: Duration = starts[1];
    Ok(Row {
        name: "R1 restart after a year",
        result: format!(
            "{} to start and answer (median of 3; {documents} documents, {} tally increments, 52 meetings, 20 plans edited weekly, 5 networks, 60 publications; {:.1} MB on disk)",
            ms(start),
            per_week * 52,
            bytes as f64 / 1e6
        ),
        baseline: format!("the same node with an empty data directory: {}", ms(empty)),
        target: "< 1 s, growing with the data, not with the increments ever made",
    })
}
