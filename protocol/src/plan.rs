//! Campaign plans: a goal, the decision-makers to target and the allies, demands, actions with
//! dates, meetings with authorities and their agendas, a status, and the collaborating groups.
//!
//! Title, goal and demands are Automerge text, so two organisers editing different sentences
//! offline both keep their words. Lists hold items with stable ids (`#[key]`), so concurrent
//! additions merge as separate items. People appear only by role ("cabinet member for
//! housing"), never by name, and every text passes the contact-free check.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};

use crate::catalogue::{check_label, check_long_text};
use crate::doc::{DocKind, Header, Schema};
use crate::error::ValidationError;
use crate::ids::{Day, DocId, GroupId, ItemId};

/// The longest title (plans, actions).
pub const MAX_TITLE: usize = 200;
/// The longest goal or demands text.
pub const MAX_TEXT: usize = 10_000;
/// The longest short text (role, institution, notes, agenda item, outcome).
pub const MAX_SHORT: usize = 2_000;
/// The most items in any one list of a plan.
pub const MAX_ITEMS: usize = 500;

string_enum! {
    /// Where a campaign stands.
    PlanStatus {
        /// Being planned.
        Planning = "planning",
        /// Under way.
        Active = "active",
        /// Won.
        Won = "won",
        /// Closed without (or after) winning.
        Closed = "closed",
    }
}

string_enum! {
    /// What kind of action.
    ActionKind {
        /// A meeting, for example with a decision-maker.
        Meeting = "meeting",
        /// A public action: a vigil, a march, a stall.
        PublicAction = "public-action",
        /// A training.
        Training = "training",
        /// A round of one-to-ones.
        OneToOnes = "one-to-ones",
        /// Anything else.
        Other = "other",
    }
}

string_enum! {
    /// Where an action stands.
    ActionStatus {
        /// Not yet done.
        Planned = "planned",
        /// Done.
        Done = "done",
        /// Called off.
        Cancelled = "cancelled",
    }
}

string_enum! {
    /// Whether an entry of the power map is someone to move or someone on our side.
    TargetKind {
        /// A decision-maker the campaign wants to move.
        Target = "target",
        /// An ally.
        Ally = "ally",
    }
}

/// A decision-maker or ally, by role and institution (never by name).
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// Stable id within the plan.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ItemId,
    /// Target or ally.
    pub kind: TargetKind,
    /// The role, for example "Cabinet member for housing".
    pub role: String,
    /// The institution, for example "City Council".
    pub institution: String,
    /// How much power over the goal: 1 (little) to 5 (decides).
    pub influence: i64,
    /// Where they stand: −2 (opposed) to +2 (supportive).
    pub stance: i64,
}

/// An action of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    /// Stable id within the plan.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ItemId,
    /// What the action is.
    pub title: String,
    /// When, if decided.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub date: Option<Day>,
    /// What kind of action.
    pub kind: ActionKind,
    /// Where it stands.
    pub status: ActionStatus,
    /// Notes.
    pub notes: String,
}

/// An agenda item of a meeting with an authority.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaItem {
    /// Stable id within the meeting.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ItemId,
    /// The item.
    pub text: String,
}

/// A meeting with an authority (a council, an MP's office) and its agenda.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorityMeeting {
    /// Stable id within the plan.
    #[key]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ItemId,
    /// Who the meeting is with, by role and institution.
    pub with: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Day,
    /// The agenda.
    pub agenda: Vec<AgendaItem>,
    /// What came of it.
    pub outcome: String,
}

/// The body of a plan document.
#[derive(Debug, Clone, Default, Hydrate, Reconcile)]
pub struct Plan {
    /// The campaign's name.
    pub title: Text,
    /// What the campaign wants to achieve.
    pub goal: Text,
    /// The demands put to decision-makers.
    pub demands: Text,
    /// Where it stands.
    pub status: PlanStatusField,
    /// The power map: targets and allies.
    pub targets: Vec<Target>,
    /// Actions with dates.
    pub actions: Vec<Action>,
    /// Meetings with authorities.
    pub meetings: Vec<AuthorityMeeting>,
    /// The groups that write this plan together.
    pub collaborators: Vec<GroupId>,
}

/// A plan's status as stored (a newtype so that `Plan` can derive `Default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hydrate, Reconcile)]
pub struct PlanStatusField(pub PlanStatus);

impl Default for PlanStatusField {
    fn default() -> Self {
        Self(PlanStatus::Planning)
    }
}

impl Schema for Plan {
    const KIND: DocKind = DocKind::Plan;
}

/// A new plan as an organiser enters it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPlan {
    /// The campaign's name.
    pub title: String,
    /// What it wants to achieve.
    #[serde(default)]
    pub goal: String,
    /// The demands.
    #[serde(default)]
    pub demands: String,
}

/// Changes to a plan's own fields; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanEdit {
    /// A new title.
    pub title: Option<String>,
    /// A new goal.
    pub goal: Option<String>,
    /// New demands.
    pub demands: Option<String>,
    /// A new status.
    pub status: Option<PlanStatus>,
}

/// A new action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAction {
    /// What the action is.
    pub title: String,
    /// When, if decided.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub date: Option<Day>,
    /// What kind (default `other`).
    #[serde(default = "default_action_kind")]
    pub kind: ActionKind,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

fn default_action_kind() -> ActionKind {
    ActionKind::Other
}

/// Changes to an action; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionEdit {
    /// A new title.
    pub title: Option<String>,
    /// A new date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub date: Option<Day>,
    /// A new kind.
    pub kind: Option<ActionKind>,
    /// A new status.
    pub status: Option<ActionStatus>,
    /// New notes.
    pub notes: Option<String>,
}

/// A new entry of the power map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTarget {
    /// Target or ally.
    pub kind: TargetKind,
    /// The role, never a name.
    pub role: String,
    /// The institution.
    #[serde(default)]
    pub institution: String,
    /// 1 to 5.
    pub influence: i64,
    /// −2 to +2.
    pub stance: i64,
}

/// A new meeting with an authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAuthorityMeeting {
    /// Who with, by role and institution.
    pub with: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Day,
    /// Agenda items, in order.
    #[serde(default)]
    pub agenda: Vec<String>,
}

/// A plan as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    /// The plan's document id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: DocId,
    /// Who created it, when, in which network.
    pub header: Header,
    /// The campaign's name.
    pub title: String,
    /// What it wants to achieve.
    pub goal: String,
    /// The demands.
    pub demands: String,
    /// Where it stands.
    pub status: PlanStatus,
    /// The power map.
    pub targets: Vec<Target>,
    /// Actions, in order.
    pub actions: Vec<Action>,
    /// Meetings with authorities.
    pub meetings: Vec<AuthorityMeeting>,
    /// The collaborating groups.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub collaborators: Vec<GroupId>,
    /// The document's heads (hex change hashes, sorted): equal on two nodes when both hold the
    /// same history.
    pub heads: Vec<String>,
}

fn check_title(field: &'static str, text: &str) -> Result<(), ValidationError> {
    check_label(field, text, MAX_TITLE)
}

fn check_room(field: &'static str, len: usize) -> Result<(), ValidationError> {
    if len >= MAX_ITEMS {
        return Err(ValidationError::OutOfRange {
            field,
            value: len as i64 + 1,
            min: 0,
            max: MAX_ITEMS as i64,
        });
    }
    Ok(())
}

fn check_range(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), ValidationError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

impl Plan {
    /// A new plan created by `owner`, its first collaborator.
    pub fn new(new: &NewPlan, owner: GroupId) -> Result<Self, ValidationError> {
        check_title("title", &new.title)?;
        check_long_text("goal", &new.goal, MAX_TEXT)?;
        check_long_text("demands", &new.demands, MAX_TEXT)?;
        Ok(Self {
            title: Text::with_value(new.title.trim()),
            goal: Text::with_value(&new.goal),
            demands: Text::with_value(&new.demands),
            collaborators: vec![owner],
            ..Self::default()
        })
    }

    /// Applies an edit of the plan's own fields. Text fields change by the smallest splice, so
    /// concurrent edits elsewhere in the same text survive the merge.
    pub fn apply(&mut self, edit: &PlanEdit) -> Result<(), ValidationError> {
        if edit == &PlanEdit::default() {
            return Err(ValidationError::Empty { field: "edit" });
        }
        if let Some(t) = &edit.title {
            check_title("title", t)?;
        }
        if let Some(g) = &edit.goal {
            check_long_text("goal", g, MAX_TEXT)?;
        }
        if let Some(d) = &edit.demands {
            check_long_text("demands", d, MAX_TEXT)?;
        }
        if let Some(t) = &edit.title {
            self.title.update(t.trim());
        }
        if let Some(g) = &edit.goal {
            self.goal.update(g);
        }
        if let Some(d) = &edit.demands {
            self.demands.update(d);
        }
        if let Some(s) = edit.status {
            self.status = PlanStatusField(s);
        }
        Ok(())
    }

    /// Adds an action under a new id.
    pub fn add_action(&mut self, id: ItemId, new: &NewAction) -> Result<(), ValidationError> {
        check_room("actions", self.actions.len())?;
        check_title("action title", &new.title)?;
        check_long_text("action notes", &new.notes, MAX_SHORT)?;
        self.actions.push(Action {
            id,
            title: new.title.trim().to_string(),
            date: new.date,
            kind: new.kind,
            status: ActionStatus::Planned,
            notes: new.notes.clone(),
        });
        Ok(())
    }

    /// Changes an action.
    pub fn set_action(&mut self, id: &ItemId, edit: &ActionEdit) -> Result<(), ValidationError> {
        if edit == &ActionEdit::default() {
            return Err(ValidationError::Empty { field: "edit" });
        }
        let action = self
            .actions
            .iter_mut()
            .find(|a| &a.id == id)
            .ok_or_else(|| ValidationError::UnknownItem {
                what: "action",
                id: id.to_string(),
            })?;
        if let Some(t) = &edit.title {
            check_title("action title", t)?;
        }
        if let Some(n) = &edit.notes {
            check_long_text("action notes", n, MAX_SHORT)?;
        }
        if let Some(t) = &edit.title {
            action.title = t.trim().to_string();
        }
        if let Some(n) = &edit.notes {
            action.notes = n.clone();
        }
        if let Some(d) = edit.date {
            action.date = Some(d);
        }
        if let Some(k) = edit.kind {
            action.kind = k;
        }
        if let Some(s) = edit.status {
            action.status = s;
        }
        Ok(())
    }

    /// Adds a target or ally under a new id.
    pub fn add_target(&mut self, id: ItemId, new: &NewTarget) -> Result<(), ValidationError> {
        check_room("targets", self.targets.len())?;
        check_label("target role", &new.role, MAX_SHORT)?;
        check_long_text("target institution", &new.institution, MAX_SHORT)?;
        check_range("influence", new.influence, 1, 5)?;
        check_range("stance", new.stance, -2, 2)?;
        self.targets.push(Target {
            id,
            kind: new.kind,
            role: new.role.trim().to_string(),
            institution: new.institution.trim().to_string(),
            influence: new.influence,
            stance: new.stance,
        });
        Ok(())
    }

    /// Adds a meeting with an authority; `ids` gives one id for the meeting, then one per
    /// agenda item.
    pub fn add_meeting(
        &mut self,
        mut ids: impl Iterator<Item = ItemId>,
        new: &NewAuthorityMeeting,
    ) -> Result<(), ValidationError> {
        check_room("meetings", self.meetings.len())?;
        check_label("meeting with", &new.with, MAX_SHORT)?;
        check_room("agenda", new.agenda.len().saturating_sub(1))?;
        for item in &new.agenda {
            check_label("agenda item", item, MAX_SHORT)?;
        }
        let mut next = || {
            ids.next()
                .ok_or(ValidationError::Empty { field: "item ids" })
        };
        let id = next()?;
        let agenda = new
            .agenda
            .iter()
            .map(|text| {
                Ok(AgendaItem {
                    id: next()?,
                    text: text.trim().to_string(),
                })
            })
            .collect::<Result<_, ValidationError>>()?;
        self.meetings.push(AuthorityMeeting {
            id,
            with: new.with.trim().to_string(),
            date: new.date,
            agenda,
            outcome: String::new(),
        });
        Ok(())
    }

    /// Adds a collaborating group (collaborators may add others). Adding one twice is a no-op.
    pub fn add_collaborator(&mut self, group: GroupId) -> Result<(), ValidationError> {
        if !self.collaborators.contains(&group) {
            check_room("collaborators", self.collaborators.len())?;
            self.collaborators.push(group);
        }
        Ok(())
    }

    /// Checks every field against the rules its edits obey: lengths, ranges and the
    /// personal-data check. Run on received documents, whose edits were made elsewhere.
    pub fn check(&self) -> Result<(), ValidationError> {
        check_title("title", self.title.as_str())?;
        check_long_text("goal", self.goal.as_str(), MAX_TEXT)?;
        check_long_text("demands", self.demands.as_str(), MAX_TEXT)?;
        for (field, len) in [
            ("targets", self.targets.len()),
            ("actions", self.actions.len()),
            ("meetings", self.meetings.len()),
            ("collaborators", self.collaborators.len()),
        ] {
            check_room(field, len.saturating_sub(1))?;
        }
        for t in &self.targets {
            check_label("target role", &t.role, MAX_SHORT)?;
            check_long_text("target institution", &t.institution, MAX_SHORT)?;
            check_range("influence", t.influence, 1, 5)?;
            check_range("stance", t.stance, -2, 2)?;
        }
        for a in &self.actions {
            check_title("action title", &a.title)?;
            check_long_text("action notes", &a.notes, MAX_SHORT)?;
        }
        for m in &self.meetings {
            check_label("meeting with", &m.with, MAX_SHORT)?;
            check_long_text("meeting outcome", &m.outcome, MAX_SHORT)?;
            check_room("agenda", m.agenda.len().saturating_sub(1))?;
            for item in &m.agenda {
                check_label("agenda item", &item.text, MAX_SHORT)?;
            }
        }
        Ok(())
    }

    /// The plan as shown to people; `heads` are the document's heads.
    pub fn view(&self, id: DocId, header: Header, heads: &[automerge::ChangeHash]) -> PlanView {
        let mut heads: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
        heads.sort();
        PlanView {
            id,
            header,
            title: self.title.as_str().to_string(),
            goal: self.goal.as_str().to_string(),
            demands: self.demands.as_str().to_string(),
            status: self.status.0,
            targets: self.targets.clone(),
            actions: self.actions.clone(),
            meetings: self.meetings.clone(),
            collaborators: self.collaborators.clone(),
            heads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{create, edit, header, read};
    use automerge::Automerge;
    use proptest::prelude::*;

    fn group(seed: u8) -> GroupId {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap()
    }

    fn today() -> Day {
        "2026-11-25".parse().unwrap()
    }

    fn new_plan() -> NewPlan {
        NewPlan {
            title: "Legal aid for every asylum seeker in the city".into(),
            goal: "Every person seeking asylum gets a legal aid lawyer within a week.".into(),
            demands: "Fund two more legal aid posts.".into(),
        }
    }

    fn action(title: &str) -> NewAction {
        NewAction {
            title: title.into(),
            date: Some("2026-12-10".parse().unwrap()),
            kind: ActionKind::Meeting,
            notes: String::new(),
        }
    }

    fn plan_doc(owner: GroupId) -> Automerge {
        create(
            owner,
            None,
            today(),
            &Plan::new(&new_plan(), owner).unwrap(),
        )
        .unwrap()
    }

    fn edit_plan(
        doc: &mut Automerge,
        who: GroupId,
        f: impl FnOnce(&mut Plan) -> Result<(), ValidationError>,
    ) {
        edit::<Plan, _>(doc, &who, today(), f).unwrap();
    }

    #[test]
    fn new_plans_are_checked() {
        let g = group(1);
        let mut p = new_plan();
        p.title = "  ".into();
        assert_eq!(Plan::new(&p, g).unwrap_err().code(), "empty");
        let mut p = new_plan();
        p.goal = "Contact amina@example.org".into();
        let e = Plan::new(&p, g).unwrap_err();
        assert_eq!((e.code(), e.field()), ("personal_data", Some("goal")));
        let mut p = new_plan();
        p.title = "x".repeat(MAX_TITLE + 1);
        assert_eq!(Plan::new(&p, g).unwrap_err().code(), "too_long");
    }

    #[test]
    fn actions_targets_and_meetings_are_checked() {
        let g = group(1);
        let mut plan = Plan::new(&new_plan(), g).unwrap();
        let id = ItemId::from_bytes([1; 6]);
        plan.add_action(id.clone(), &action("Meet the council's cabinet member"))
            .unwrap();
        assert_eq!(
            plan.add_action(ItemId::from_bytes([2; 6]), &action(""))
                .unwrap_err()
                .code(),
            "empty"
        );
        let e = plan.set_action(
            &ItemId::from_bytes([9; 6]),
            &ActionEdit {
                status: Some(ActionStatus::Done),
                ..Default::default()
            },
        );
        assert_eq!(e.unwrap_err().code(), "unknown_item");
        plan.set_action(
            &id,
            &ActionEdit {
                status: Some(ActionStatus::Done),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(plan.actions[0].status, ActionStatus::Done);
        assert_eq!(
            plan.set_action(&id, &ActionEdit::default())
                .unwrap_err()
                .code(),
            "empty"
        );

        let target = |influence, stance| NewTarget {
            kind: TargetKind::Target,
            role: "Cabinet member for housing".into(),
            institution: "City Council".into(),
            influence,
            stance,
        };
        plan.add_target(ItemId::from_bytes([3; 6]), &target(5, -1))
            .unwrap();
        assert_eq!(
            plan.add_target(ItemId::from_bytes([4; 6]), &target(6, 0))
                .unwrap_err()
                .field(),
            Some("influence")
        );
        assert_eq!(
            plan.add_target(ItemId::from_bytes([4; 6]), &target(1, 3))
                .unwrap_err()
                .field(),
            Some("stance")
        );

        let ids = (10u8..).map(|i| ItemId::from_bytes([i; 6]));
        let m = NewAuthorityMeeting {
            with: "Leader of the council".into(),
            date: "2026-12-10".parse().unwrap(),
            agenda: vec!["Legal aid posts".into(), "Hostel conditions".into()],
        };
        plan.add_meeting(ids, &m).unwrap();
        assert_eq!(plan.meetings[0].agenda.len(), 2);
        let mut bad = m.clone();
        bad.agenda.push("Ask for B1 1AA".into());
        assert_eq!(
            plan.add_meeting((20u8..).map(|i| ItemId::from_bytes([i; 6])), &bad)
                .unwrap_err()
                .code(),
            "personal_data"
        );
    }

    #[test]
    fn concurrent_plan_edits_merge() {
        let (a, b) = (group(1), group(2));
        let mut left = plan_doc(a);
        let mut right = left.fork();
        // Both edit different sentences of the goal, and both add an action.
        edit_plan(&mut left, a, |p| {
            p.apply(&PlanEdit {
                goal: Some(
                    "Every person seeking asylum gets a legal aid lawyer within two days.".into(),
                ),
                ..Default::default()
            })?;
            p.add_action(
                ItemId::from_bytes([1; 6]),
                &action("Meet the cabinet member"),
            )
        });
        edit_plan(&mut right, b, |p| {
            p.apply(&PlanEdit { goal: Some("Nobody waits: every person seeking asylum gets a legal aid lawyer within a week.".into()), ..Default::default() })?;
            p.add_action(
                ItemId::from_bytes([2; 6]),
                &action("Vigil at the town hall"),
            )
        });
        left.merge(&mut right).unwrap();
        right.merge(&mut left).unwrap();
        assert_eq!(left.get_heads(), right.get_heads());
        let plan: Plan = read(&left).unwrap();
        assert_eq!(
            plan.goal.as_str(),
            "Nobody waits: every person seeking asylum gets a legal aid lawyer within two days."
        );
        let titles: Vec<_> = plan.actions.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles.len(), 2);
        assert!(
            titles.contains(&"Meet the cabinet member")
                && titles.contains(&"Vigil at the town hall")
        );
        let view = plan.view(
            DocId::from_bytes([0; 16]),
            header(&left).unwrap(),
            &left.get_heads(),
        );
        assert_eq!(view.header.owner, a);
    }

    proptest! {
        /// Any interleaving of action additions on three copies converges to the same plan with
        /// every action present once.
        #[test]
        fn three_copies_converge(adds in prop::collection::vec((0usize..3, "[a-z]{1,12}"), 1..15)) {
            let groups = [group(1), group(2), group(3)];
            let base = plan_doc(groups[0]);
            let mut docs = [base.fork(), base.fork(), base.fork()];
            for (n, (who, title)) in adds.iter().enumerate() {
                edit_plan(&mut docs[*who], groups[*who], |p| p.add_action(ItemId::from_bytes([n as u8; 6]), &action(title)));
            }
            let [mut a, mut b, mut c] = docs;
            a.merge(&mut b).unwrap();
            a.merge(&mut c).unwrap();
            b.merge(&mut a).unwrap();
            c.merge(&mut a).unwrap();
            let plans: Vec<Plan> = [&a, &b, &c].iter().map(|d| read(*d).unwrap()).collect();
            prop_assert_eq!(&plans[0].actions, &plans[1].actions);
            prop_assert_eq!(&plans[0].actions, &plans[2].actions);
            prop_assert_eq!(plans[0].actions.len(), adds.len());
        }
    }
}
