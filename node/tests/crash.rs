//! Crash safety: the node is killed with SIGKILL at random moments while clients stream
//! increments; after every restart each acknowledged increment is present exactly once.
//!
//! Every increment goes to a cell (issue, period) of its own, so "exactly once" can be checked
//! cell by cell: an acknowledged cell must hold 1, an unacknowledged one 0 or 1, none ever 2.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Daemon, bin, wait_for};
use commonground_node::docs::{self, DocsThread};
use commonground_node::identity::Identity;
use commonground_node::store::SledStore;
use commonground_node::testkit::Jobs;
use commonground_protocol::catalogue::BUILT_IN;
use commonground_protocol::tally::Tally;
use rand::{Rng, SeedableRng};

const TRIALS: u64 = 50;
const WRITERS: usize = 4;

fn cell(n: usize) -> (String, String) {
    let issue = BUILT_IN[n % BUILT_IN.len()].0.to_string();
    let month = n / BUILT_IN.len();
    let period = format!("{:04}-{:02}", 2000 + month / 12, month % 12 + 1);
    (issue, period)
}

/// Reads the stored tally of a stopped node, in this process.
fn stored_counts(data: &std::path::Path) -> Vec<((String, String), i64)> {
    let key = Identity::load_or_create(&data.join("identity.key"))
        .unwrap()
        .signing_key()
        .clone();
    let store = SledStore::open(&data.join("store")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (docs, thread): (_, DocsThread) = docs::start(Box::new(store), key).unwrap();
    let tally: Tally = rt
        .block_on(docs.job(|set| set.read::<Tally>(&set.tally_id())))
        .unwrap();
    drop(docs);
    thread.join();
    tally
        .counts
        .iter()
        .flat_map(|(p, m)| {
            m.iter()
                .map(move |(i, c)| ((i.clone(), p.clone()), c.value()))
        })
        .collect()
}

#[test]
fn sigkill_at_random_moments_loses_and_doubles_no_acknowledged_increment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let next = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<BTreeSet<(String, String)>>> = Arc::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let rt = tokio::runtime::Runtime::new().unwrap();

    for trial in 0..TRIALS {
        let node = Daemon::start(bin(), &data);
        let url = format!("http://{}/api/v1/tally", node.addr);
        let acked_before = acked.lock().unwrap().len();
        let kill_after = acked_before + rng.gen_range(0..40);
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (url, next, acked) = (url.clone(), next.clone(), acked.clone());
                rt.spawn(async move {
                    let client = reqwest::Client::new();
                    loop {
                        let (issue, period) = cell(next.fetch_add(1, Ordering::SeqCst));
                        let body =
                            serde_json::json!({"issue": issue, "count": 1, "period": period});
                        match client.post(&url).json(&body).send().await {
                            Ok(r) if r.status().is_success() => {
                                acked.lock().unwrap().insert((issue, period));
                            }
                            Ok(r) => panic!("refused: {}", r.status()),
                            Err(_) => return, // the node is gone
                        }
                    }
                })
            })
            .collect();
        wait_for(
            "enough acknowledged increments",
            Duration::from_secs(30),
            || (acked.lock().unwrap().len() >= kill_after).then_some(()),
        );
        node.kill();
        for w in writers {
            rt.block_on(w).unwrap();
        }

        let counts = stored_counts(&data);
        let acked = acked.lock().unwrap();
        for (cell, n) in &counts {
            assert!(*n == 1, "trial {trial}: cell {cell:?} holds {n}");
        }
        let present: BTreeSet<_> = counts.into_iter().map(|(c, _)| c).collect();
        let lost: Vec<_> = acked.difference(&present).collect();
        assert!(
            lost.is_empty(),
            "trial {trial}: acknowledged but lost: {lost:?}"
        );
    }
    let total = acked.lock().unwrap().len();
    assert!(
        total as u64 >= TRIALS * 5,
        "only {total} increments were acknowledged"
    );
    println!("{TRIALS} SIGKILL trials, {total} acknowledged increments, none lost or doubled");
}
