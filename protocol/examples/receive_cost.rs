//! What a node spends on one received edit of a plan with a long history, step by step (the
//! work behind P1 in BENCHMARKS.md): `cargo run --release -p commonground-protocol --example
//! receive_cost` (`N=1000` for a shorter history). Prints the mean of 50 runs of each step.
//!
//! Automerge 0.12 walks every operation of the edited object to apply a change, so applying
//! one is proportional to the object's history; admission therefore judges a single received
//! change from the patches logged while loading it ([`history::check_changes_logged`]) rather
//! than applying it a second time.

use std::time::{Duration, Instant};

use automerge::{Automerge, PatchLog};
use commonground_protocol::doc;
use commonground_protocol::history;
use commonground_protocol::ids::{Day, GroupId};
use commonground_protocol::plan::{NewPlan, Plan, PlanEdit};

const RUNS: u32 = 50;

fn mean(f: impl Fn()) -> Duration {
    let t = Instant::now();
    for _ in 0..RUNS {
        f();
    }
    t.elapsed() / RUNS
}

fn goal(d: &mut Automerge, g: &GroupId, today: Day, text: String) {
    doc::edit::<Plan, _>(d, g, today, |p| {
        p.apply(
            &PlanEdit {
                goal: Some(text),
                ..Default::default()
            },
            None,
        )
    })
    .expect("an edit of the goal");
}

/// The group whose key is made from `seed`.
fn group(seed: u8) -> GroupId {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    GroupId::from_public_key(key.verifying_key().to_bytes()).expect("a valid key")
}

fn main() {
    let g = group(7);
    let today = Day::from_unix(1_790_000_000).expect("a day");
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let plan = Plan::new(
        &NewPlan {
            title: "Joint action on asylum housing".into(),
            goal: "Goal, version 0".into(),
            demands: String::new(),
        },
        g,
    )
    .expect("a plan");
    let mut base = doc::create(g, None, today, &plan).expect("a document");
    for i in 0..n {
        goal(&mut base, &g, today, format!("Goal, version {}", i + 1));
    }
    let mut theirs = base.fork();
    goal(&mut theirs, &g, today, "Goal, sample 1".into());
    let change = theirs
        .get_last_local_change()
        .expect("the edit made a change")
        .clone();
    let bytes = change.raw_bytes().to_vec();
    let new = vec![change];
    let mut candidate = base.fork();
    let mut log = PatchLog::active();
    candidate
        .load_incremental_log_patches(&bytes, &mut log)
        .expect("the change loads");
    let patches = candidate.make_patches(&mut log);

    println!("one received edit of a plan of {n} changes (mean of {RUNS}):");
    let fork = mean(|| drop(base.fork()));
    println!("  copy of the document               {fork:>10.2?}");
    let load = mean(|| {
        let mut c = base.fork();
        let mut log = PatchLog::active();
        c.load_incremental_log_patches(&bytes, &mut log)
            .expect("the change loads");
        drop(c.make_patches(&mut log));
    });
    println!("  copy + load (patches logged)        {load:>10.2?}");
    let again = mean(|| {
        history::check_changes(Some(&base), &candidate, &new).expect("a clean change");
    });
    println!("  history check, applying it again    {again:>10.2?}");
    let logged = mean(|| {
        history::check_changes_logged(Some(&base), &candidate, &new, Some(&patches))
            .expect("a clean change");
    });
    println!("  history check from the load's log   {logged:>10.2?}");
    println!(
        "  load and history check before: {:.2?}, now: {:.2?}",
        load + again,
        load + logged
    );

    // An organiser's second edit after another group's: Automerge lists the organiser's previous
    // change among its deps beside the heads, which took the slow path until `builds_on`.
    let other = group(8);
    let mut held = base.fork();
    goal(
        &mut held,
        &other,
        today,
        "Goal, another group's edit".into(),
    );
    let mut mine = held.fork();
    goal(
        &mut mine,
        &g,
        today,
        "Goal, the organiser's second edit".into(),
    );
    let second = mine.get_last_local_change().expect("a change").clone();
    let mut candidate = held.fork();
    let mut log = PatchLog::active();
    candidate
        .apply_changes_log_patches([second.clone()], &mut log)
        .expect("the change applies");
    let patches = candidate.make_patches(&mut log);
    let second = vec![second];
    let checked = mean(|| {
        history::check_changes_logged(Some(&held), &candidate, &second, Some(&patches))
            .expect("a clean change");
    });
    println!(
        "  a second edit ({} deps): history check {checked:>10.2?}",
        second[0].deps().len()
    );
}
