//! Campaign plans on the documents actor: creating one (under an id bound to this group),
//! sharing it with a network, and every edit the page and the API make, each checked against
//! the plan's writers before it is made.

use commonground_protocol::ValidationError;
use commonground_protocol::doc::{self, DocKind};
use commonground_protocol::ids::{DocId, ItemId};
use commonground_protocol::plan::{
    ActionEdit, AgendaChange, AuthorityMeetingEdit, NewAction, NewAuthorityMeeting, NewPlan,
    NewTarget, Plan, PlanEdit, PlanView, TargetEdit,
};
use rand::RngCore;

use super::{DocSet, Docs, DocsError, damaged, random_item_id};

impl DocSet {
    /// Creates a plan under an id bound to this group ([`doc::Header::bound_id`]): no other
    /// group can issue a plan under it.
    pub fn create_plan(&mut self, network: Option<DocId>, plan: &Plan) -> Result<DocId, DocsError> {
        if let Some(n) = network
            && self
                .replica
                .plans_per_owner(&n)
                .get(&self.replica.group)
                .copied()
                .unwrap_or(0)
                >= self.replica.plan_quota
        {
            return Err(DocsError::Invalid(ValidationError::NotPermitted {
                reason: format!(
                    "this group already has {} plans in this network, the most one group may have",
                    self.replica.plan_quota
                ),
            }));
        }
        let mut salt = [0u8; 16];
        self.rng.fill_bytes(&mut salt);
        let id = DocId::bound(
            DocKind::Plan.as_str(),
            network.as_ref(),
            &self.replica.group,
            &salt,
        );
        let (bound, doc) = doc::create_bound(self.replica.group, network, self.today(), plan, salt)
            .map_err(damaged(id))?;
        debug_assert_eq!(bound, id);
        self.add_new(id, doc)?;
        Ok(id)
    }
}

impl Docs {
    /// Creates a plan, private to the group or shared in a network it belongs to.
    pub async fn new_plan(
        &self,
        new: NewPlan,
        network: Option<String>,
    ) -> Result<PlanView, DocsError> {
        self.run(move |set| {
            let network = match network {
                Some(n) => Some(set.resolve(DocKind::Network, &n)?),
                None => None,
            };
            let plan = Plan::new(&new, set.group())?;
            let id = set.create_plan(network, &plan)?;
            plan_view(set, &id)
        })
        .await
    }

    /// Shares a private plan with a network this group belongs to: its current content goes
    /// into a new plan document of the network (this group its collaborator), and the private
    /// one is archived. Returns the new plan.
    pub async fn share_plan(&self, id: String, network: String) -> Result<PlanView, DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Plan, &id)?;
            if set.header(&id)?.network.is_some() {
                return Err(DocsError::Invalid(ValidationError::NotPermitted {
                    reason: "this plan is already shared in a network".into(),
                }));
            }
            let network = set.resolve(DocKind::Network, &network)?;
            let plan: Plan = set.read(&id)?;
            let copy = plan.shared_copy(set.group())?;
            let new = set.create_plan(Some(network), &copy)?;
            set.edit::<Plan, _>(&id, |p| {
                p.set_archived(true);
                Ok(())
            })?;
            plan_view(set, &new)
        })
        .await
    }

    /// Every plan, newest first.
    pub async fn plans(&self) -> Result<Vec<PlanView>, DocsError> {
        self.run(|set| {
            let ids: Vec<DocId> = set
                .replica
                .of_kind(DocKind::Plan)
                .map(|(id, _)| *id)
                .collect();
            let mut plans = ids
                .iter()
                .map(|id| plan_view(set, id))
                .collect::<Result<Vec<_>, _>>()?;
            plans.sort_by(|a, b| (b.header.created, &a.title).cmp(&(a.header.created, &b.title)));
            Ok(plans)
        })
        .await
    }

    /// One plan, by id or unique prefix.
    pub async fn plan(&self, id: String) -> Result<PlanView, DocsError> {
        self.run(move |set| plan_view(set, &set.resolve(DocKind::Plan, &id)?))
            .await
    }

    /// Edits a plan (by id or unique prefix) with `f` and returns the result.
    pub async fn edit_plan(
        &self,
        id: String,
        f: impl FnOnce(&mut Plan) -> Result<(), ValidationError> + Send + 'static,
    ) -> Result<PlanView, DocsError> {
        self.edit_plan_based(id, None, move |p, _| f(p)).await
    }

    /// Edits a plan from a form made at `base` (hex heads); `f` also gets the plan as it was.
    pub async fn edit_plan_based(
        &self,
        id: String,
        base: Option<Vec<String>>,
        f: impl FnOnce(&mut Plan, Option<&doc::Based<'_, Plan>>) -> Result<(), ValidationError>
        + Send
        + 'static,
    ) -> Result<PlanView, DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Plan, &id)?;
            set.edit_based::<Plan, _>(&id, base.as_deref(), f)?;
            plan_view(set, &id)
        })
        .await
    }

    /// Changes a plan's own fields.
    pub async fn update_plan(&self, id: String, edit: PlanEdit) -> Result<PlanView, DocsError> {
        let base = edit.base.clone();
        self.edit_plan_based(id, base, move |p, b| p.apply(&edit, b))
            .await
    }

    /// Archives a plan or restores it.
    pub async fn archive_plan(&self, id: String, archived: bool) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| {
            p.set_archived(archived);
            Ok(())
        })
        .await
    }

    /// Deletes an action of a plan.
    pub async fn delete_action(&self, id: String, action: ItemId) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| p.delete_action(&action)).await
    }

    /// Changes a target or ally of a plan.
    pub async fn set_target(
        &self,
        id: String,
        target: ItemId,
        edit: TargetEdit,
    ) -> Result<PlanView, DocsError> {
        let base = edit.base.clone();
        self.edit_plan_based(id, base, move |p, b| p.set_target(&target, &edit, b))
            .await
    }

    /// Deletes a target or ally of a plan.
    pub async fn delete_target(&self, id: String, target: ItemId) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| p.delete_target(&target)).await
    }

    /// Changes a meeting with an authority.
    pub async fn set_authority_meeting(
        &self,
        id: String,
        meeting: ItemId,
        edit: AuthorityMeetingEdit,
        agenda: Vec<AgendaChange>,
    ) -> Result<PlanView, DocsError> {
        // The agenda changes go in the same change: one refusal writes nothing of either.
        let base = edit.base.clone();
        self.edit_plan_based(id, base, move |p, b| {
            p.set_meeting(&meeting, &edit, b)?;
            agenda
                .iter()
                .try_for_each(|c| p.change_agenda(&meeting, c, random_item_id(), b))
        })
        .await
    }

    /// Deletes a meeting with an authority.
    pub async fn delete_authority_meeting(
        &self,
        id: String,
        meeting: ItemId,
    ) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| p.delete_meeting(&meeting))
            .await
    }

    /// Changes the agenda of a meeting with an authority.
    pub async fn change_agenda(
        &self,
        id: String,
        meeting: ItemId,
        change: AgendaChange,
    ) -> Result<PlanView, DocsError> {
        let base = match &change {
            AgendaChange::Edit { base, .. } => base.clone(),
            _ => None,
        };
        self.edit_plan_based(id, base, move |p, b| {
            p.change_agenda(&meeting, &change, random_item_id(), b)
        })
        .await
    }

    /// Adds an action to a plan.
    pub async fn add_action(&self, id: String, new: NewAction) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| p.add_action(random_item_id(), &new))
            .await
    }

    /// Changes an action of a plan.
    pub async fn set_action(
        &self,
        id: String,
        action: ItemId,
        edit: ActionEdit,
    ) -> Result<PlanView, DocsError> {
        let base = edit.base.clone();
        self.edit_plan_based(id, base, move |p, b| p.set_action(&action, &edit, b))
            .await
    }

    /// Adds a target or ally to a plan's power map.
    pub async fn add_target(&self, id: String, new: NewTarget) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| p.add_target(random_item_id(), &new))
            .await
    }

    /// Adds a meeting with an authority to a plan.
    pub async fn add_authority_meeting(
        &self,
        id: String,
        new: NewAuthorityMeeting,
    ) -> Result<PlanView, DocsError> {
        self.edit_plan(id, move |p| {
            p.add_meeting(std::iter::repeat_with(random_item_id), &new)
        })
        .await
    }
}

fn plan_view(set: &DocSet, id: &DocId) -> Result<PlanView, DocsError> {
    let heads = set.loaded(id, "plan")?.doc.get_heads();
    let plan = set.read::<Plan>(id)?;
    let flagged = set.plan_flag(id, &heads, || plan.flag());
    Ok(plan.view_flagged(*id, set.header(id)?.clone(), &heads, flagged))
}
