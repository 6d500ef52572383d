//! P7: a node's start with one plan of a long history, against `Automerge::load` of the same
//! bytes in the same run.
//!
//! The plan is made by the node (so its header and first change are the node's own), then
//! given `BENCH_P7_CHANGES` (260,000) more changes outside it: one character of its goal typed
//! or replaced per change, by its owner, at midnight, as an organiser's edits are. They go into
//! the node's store as one saved snapshot, as the node leaves a document once it has compacted
//! it. The start is timed from `Node::start` to its answering its API, the baseline is the
//! median of three loads of the snapshot.

use std::time::Instant;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use commonground_node::config::DataDir;
use commonground_node::store::{SledStore, Store};
use commonground_node::testkit::Jobs;
use commonground_protocol::ids::DocId;
use serde_json::json;

use crate::{BenchNode, Row, env_or, ms};

/// The plan's goal, a text object.
fn goal(doc: &Automerge) -> anyhow::Result<automerge::ObjId> {
    let Some((_, body)) = doc.get(ROOT, "body")? else {
        anyhow::bail!("a plan without a body");
    };
    match doc.get(&body, "goal")? {
        Some((automerge::Value::Object(ObjType::Text), id)) => Ok(id),
        other => anyhow::bail!("a plan whose goal is {other:?}"),
    }
}

/// `bytes` (a plan's saved state) with `n` more changes by its first change's actor.
fn lengthen(bytes: &[u8], n: usize) -> anyhow::Result<Automerge> {
    let mut doc = Automerge::load(bytes)?;
    let first = doc
        .get_changes(&[])
        .into_iter()
        .find(|c| c.deps().is_empty())
        .ok_or_else(|| anyhow::anyhow!("a plan without a first change"))?;
    doc.set_actor(first.actor_id().clone());
    let midnight = first.timestamp();
    let goal = goal(&doc)?;
    let letters: Vec<char> = "Homes for every family, now. مسكن لكل عائلة"
        .chars()
        .collect();
    for i in 0..n {
        let len = doc.length(&goal);
        let mut tx = doc.transaction();
        let c = letters[i % letters.len()].to_string();
        // Typed at the end while short, then a character replaced along the text.
        if len < 400 {
            tx.splice_text(&goal, len, 0, &c)?;
        } else {
            tx.splice_text(&goal, i % len, 1, &c)?;
        }
        tx.commit_with(CommitOptions::default().with_time(midnight));
        if (i + 1) % 50_000 == 0 {
            eprintln!("  {} changes made", i + 1);
        }
    }
    Ok(doc)
}

pub(crate) async fn p7(dir: &std::path::Path) -> anyhow::Result<Row> {
    let changes = env_or("BENCH_P7_CHANGES", 260_000);
    let node = BenchNode::start(dir, "p7", vec![]).await?;
    let plan = node
        .call(
            reqwest::Method::POST,
            "/plans",
            Some(json!({"title": "A plan of a long history", "goal": "Homes"})),
        )
        .await?;
    let id: DocId = plan["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no plan id in {plan}"))?
        .parse()?;
    let docs = node.node.docs().clone();
    let saved = docs
        .job(move |set| Ok(set.document(&id).map(Automerge::save)))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("the plan just made is not held"))?;
    let data_dir = node.data_dir().to_path_buf();
    node.shutdown().await;

    eprintln!("  the plan gets {changes} more changes…");
    let doc = tokio::task::spawn_blocking(move || lengthen(&saved, changes)).await??;
    let heads = doc.get_heads();
    let snapshot = doc.save();
    drop(doc);
    {
        let mut store = SledStore::open(&DataDir::new(&data_dir).store_dir())?;
        store.compact(&id, &snapshot)?;
    }
    let mut loads = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let d = Automerge::load(&snapshot)?;
        loads.push(t.elapsed());
        drop(d);
    }
    loads.sort();
    let load = loads[1];

    let t = Instant::now();
    let node = BenchNode::start(dir, "p7", vec![]).await?;
    node.call(reqwest::Method::GET, "/status", None).await?;
    let start = t.elapsed();
    let held = node
        .node
        .docs()
        .job(move |set| Ok(set.document(&id).map(Automerge::get_heads)))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        held.as_deref() == Some(&heads[..]),
        "the node started without the plan's {changes} changes"
    );
    node.shutdown().await;
    Ok(Row {
        name: "P7 start with a long plan",
        result: format!(
            "{} to start and answer (one plan of {} changes, {} B saved): {:.2}× the load",
            ms(start),
            changes + 1,
            snapshot.len(),
            start.as_secs_f64() / load.as_secs_f64().max(1e-6)
        ),
        baseline: format!(
            "Automerge::load of the same bytes: {} (median of 3)",
            ms(load)
        ),
        target: "≤ 1.2× Automerge::load of the same bytes",
    })
}
