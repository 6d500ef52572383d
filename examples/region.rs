//! Three local groups, a regional hub and a national hub, all on this machine: the groups count
//! issues and publish them (small counts suppressed), the region merges them and publishes its
//! merged counts upward, and the nation merges its regions. Counts flow group → region → nation
//! with no central server; every node is a real node on loopback with its own data directory.
//!
//! Run: `cargo run --release -p commonground-examples --example region`

use std::time::Duration;

use anyhow::{Context, bail};
use commonground_node::testkit::{self, InProcess};
use serde_json::{Value, json};

/// A node of the scenario (the test kit's node in this process) and a client of its HTTP API.
struct Group {
    name: &'static str,
    kit: InProcess,
    _dir: tempfile::TempDir,
}

impl Group {
    async fn start(name: &'static str) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let kit = InProcess::start(&dir.path().join("data"), name, vec![]).await?;
        Ok(Self {
            name,
            kit,
            _dir: dir,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        self.kit.api_ok(method, path, body).await
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, Some(&body)).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn create_network(&self, name: &str) -> anyhow::Result<String> {
        let n = self.post("/networks", json!({ "name": name })).await?;
        n["id"].as_str().map(str::to_string).context("network id")
    }

    /// Invites `other` into `network`; `other` joins with the code.
    async fn admit(&self, network: &str, other: &Group) -> anyhow::Result<()> {
        let inv = self
            .post(
                &format!("/networks/{network}/invites"),
                json!({"expires": "1h"}),
            )
            .await?;
        other
            .post("/networks/join", json!({ "code": inv["code"] }))
            .await?;
        Ok(())
    }

    async fn region(&self, network: &str, period: &str) -> anyhow::Result<Value> {
        self.get(&format!("/networks/{network}/region?period={period}"))
            .await
    }
}

/// The merged table as text, one issue per line.
fn table(view: &Value) -> String {
    let rows = view["rows"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for r in rows {
        let (low, high) = (
            r["low"].as_i64().unwrap_or(0),
            r["high"].as_i64().unwrap_or(0),
        );
        let total = if low == high {
            low.to_string()
        } else {
            format!("between {low} and {high}")
        };
        out.push(format!(
            "  {:<28} {:>20}",
            r["label"].as_str().unwrap_or("?"),
            total
        ));
    }
    out.join("\n")
}

/// Polls `view` until it has `groups` groups and `rows` issues, printing each new state.
async fn watch(
    who: &Group,
    network: &str,
    period: &str,
    groups: usize,
    title: &str,
) -> anyhow::Result<Value> {
    let last = std::cell::RefCell::new(String::new());
    let what = format!("{title}: all {groups} groups published");
    let (view, _) = testkit::try_wait_every(
        &what,
        Duration::from_secs(60),
        Duration::from_millis(100),
        || {
            let last = &last;
            async move {
                // A failed read is waited past, as a view still short of groups is.
                let view = who.region(network, period).await.ok()?;
                let shown = table(&view);
                let n = view["groups"].as_array().map_or(0, Vec::len);
                if shown != *last.borrow() {
                    println!("{title} ({n} of {groups} published):\n{shown}\n");
                    *last.borrow_mut() = shown;
                }
                (n == groups).then_some(view)
            }
        },
    )
    .await
    .map_err(anyhow::Error::msg)?;
    Ok(view)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let period = "2026-11";
    println!("Starting three groups, a regional hub and a national hub on 127.0.0.1…\n");
    let coventry = Group::start("Coventry Refugee Action").await?;
    let birmingham = Group::start("Birmingham Sanctuary").await?;
    let wolverhampton = Group::start("Wolverhampton Welcome").await?;
    let region = Group::start("West Midlands hub").await?;
    let nation = Group::start("National hub").await?;

    let west_midlands = region
        .create_network("West Midlands Sanctuary Network")
        .await?;
    for g in [&coventry, &birmingham, &wolverhampton] {
        region.admit(&west_midlands, g).await?;
    }
    let national = nation.create_network("National Sanctuary Network").await?;
    nation.admit(&national, &region).await?;
    // The nation's other regions would join the same way; one is enough to show the flow.

    // Each group counts what people raised this month, and publishes. Raw counts stay home.
    let counts: [(&Group, &[(&str, i64)]); 3] = [
        (
            &coventry,
            &[
                ("housing", 14),
                ("legal-aid", 9),
                ("detention", 3),
                ("health", 6),
            ],
        ),
        (
            &birmingham,
            &[
                ("housing", 21),
                ("legal-aid", 4),
                ("detention", 7),
                ("health", 2),
            ],
        ),
        (
            &wolverhampton,
            &[("housing", 8), ("legal-aid", 11), ("health", 5)],
        ),
    ];
    for (g, issues) in counts {
        for (issue, n) in issues {
            g.post(
                "/tally",
                json!({"issue": issue, "count": n, "period": period}),
            )
            .await?;
        }
        let p = g
            .post(
                &format!("/networks/{west_midlands}/publish"),
                json!({ "period": period }),
            )
            .await?;
        println!(
            "{} published {period} (counts below {} suppressed)",
            g.name, p["k"]
        );
    }
    println!();

    let merged = watch(
        &region,
        &west_midlands,
        period,
        3,
        "West Midlands, as the regional hub sees it",
    )
    .await?;
    // The region publishes its merged counts to the nation, re-suppressed, as one member.
    region
        .post(
            &format!("/networks/{national}/publish"),
            json!({ "period": period, "from": west_midlands }),
        )
        .await?;
    watch(
        &nation,
        &national,
        period,
        1,
        "The nation, as the national hub sees it",
    )
    .await?;

    // The true totals, which no node ever published, lie inside every printed range.
    for r in merged["rows"].as_array().cloned().unwrap_or_default() {
        let key = r["issue"].as_str().unwrap_or_default();
        let truth: i64 = counts
            .iter()
            .flat_map(|(_, issues)| issues.iter())
            .filter(|(i, _)| *i == key)
            .map(|(_, n)| n)
            .sum();
        let (low, high) = (
            r["low"].as_i64().unwrap_or(0),
            r["high"].as_i64().unwrap_or(0),
        );
        if !(low <= truth && truth <= high) {
            bail!("{key}: true total {truth} outside {low}..{high}");
        }
    }
    println!("Every true total lies inside its printed range.");
    for g in [coventry, birmingham, wolverhampton, region, nation] {
        g.kit.shutdown().await;
    }
    Ok(())
}
