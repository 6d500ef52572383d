//! Two organisers edit the same campaign plan offline, on two copies of the document, and merge.
//!
//! Run: `cargo run -p commonground-examples --example offline_plan`
//!
//! It uses only the `commonground-protocol` crate: no node, no network, no disk.

use automerge::Automerge;
use commonground_protocol::doc::{create, edit, header, read};
use commonground_protocol::ids::{Day, DocId, GroupId, ItemId};
use commonground_protocol::plan::{ActionKind, NewAction, NewPlan, Plan, PlanEdit};
use rand::RngCore;

fn group() -> anyhow::Result<GroupId> {
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    Ok(GroupId::from_public_key(key.verifying_key().to_bytes())?)
}

fn item_id() -> ItemId {
    let mut bytes = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut bytes);
    ItemId::from_bytes(bytes)
}

fn show(label: &str, doc: &Automerge) -> anyhow::Result<()> {
    let plan: Plan = read(doc)?;
    let view = plan.view(DocId::from_bytes([0; 16]), header(doc)?, &doc.get_heads());
    println!("--- {label} ---");
    println!("title:   {}", view.title);
    println!("goal:    {}", view.goal);
    println!("demands: {}", view.demands);
    for a in &view.actions {
        let date = a.date.map(|d| d.to_string()).unwrap_or_default();
        println!("action:  {date} {} [{}]", a.title, a.kind);
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let coventry = group()?;
    let birmingham = group()?;
    let today: Day = "2026-11-25".parse()?;
    let (meeting_day, vigil_day): (Day, Day) = ("2026-12-10".parse()?, "2026-12-05".parse()?);

    let plan = Plan::new(
        &NewPlan {
            title: "Joint action on asylum housing".into(),
            goal: "Every hostel meets the council's own housing standard.".into(),
            demands: "Inspect every hostel.".into(),
        },
        coventry,
    )?;
    let mut at_coventry = create(coventry, None, today, &plan)?;
    // Birmingham's organiser took a copy to a meeting with no connection.
    let mut at_birmingham = at_coventry.fork();

    edit::<Plan, _>(&mut at_coventry, &coventry, today, |p| {
        p.apply(
            &PlanEdit {
                demands: Some("Inspect every hostel. Publish the inspection reports.".into()),
                ..Default::default()
            },
            None,
        )?;
        p.add_action(
            item_id(),
            &NewAction {
                title: "Meet the council's cabinet member for housing".into(),
                date: Some(meeting_day),
                kind: ActionKind::Meeting,
                notes: String::new(),
            },
        )
    })?;
    edit::<Plan, _>(&mut at_birmingham, &birmingham, today, |p| {
        p.apply(
            &PlanEdit {
                goal: Some(
                    "Every hostel in the region meets the council's own housing standard.".into(),
                ),
                ..Default::default()
            },
            None,
        )?;
        p.add_action(
            item_id(),
            &NewAction {
                title: "Vigil outside the hostel".into(),
                date: Some(vigil_day),
                kind: ActionKind::PublicAction,
                notes: String::new(),
            },
        )
    })?;

    show("Coventry, offline", &at_coventry)?;
    show("Birmingham, offline", &at_birmingham)?;

    at_coventry.merge(&mut at_birmingham)?;
    at_birmingham.merge(&mut at_coventry)?;
    assert_eq!(at_coventry.get_heads(), at_birmingham.get_heads());
    show("both, after merging", &at_coventry)?;
    Ok(())
}
