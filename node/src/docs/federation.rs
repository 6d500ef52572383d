//! What a group does in a federation besides syncing: publishing its counts (suppressed), the
//! regional view and its roll-up to a wider network, roles, removal, the threshold, plan
//! collaborators, and bundles for carrying a network's documents on a USB stick.
//!
//! Every rule is `protocol`'s; this module finds the documents, applies the rules on the
//! documents actor and stores the result like any local edit.

use std::collections::BTreeMap;

use automerge::Automerge;
use commonground_protocol::ValidationError;
use commonground_protocol::auth;
use commonground_protocol::bundle::{self, Bundle, BundleDoc};
use commonground_protocol::doc::{self, DocKind};
use commonground_protocol::ids::{Day, DocId, GroupId, IssueKey, Period};
use commonground_protocol::network::{FrozenHead, Network, NetworkView, Role};
use commonground_protocol::plan::Plan;
use commonground_protocol::publish::{Cell, PeriodCells, Published, RegionView, published_id};
use commonground_protocol::tally::Tally;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::docs::{DocSet, Docs, DocsError};

/// A group's published counts for one period in one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishedView {
    /// The network.
    #[schema(value_type = String)]
    pub network: DocId,
    /// The published document.
    #[schema(value_type = String)]
    pub document: DocId,
    /// The period.
    #[schema(value_type = String)]
    pub period: Period,
    /// The threshold applied.
    pub k: i64,
    /// Issue → published cell: what the network's members see.
    #[schema(value_type = BTreeMap<String, Object>)]
    pub cells: BTreeMap<IssueKey, Cell>,
    /// The day it was published (none for publications of earlier releases).
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub published: Option<Day>,
    /// Issues whose count moved by less than k since the period was last published: shown as
    /// a range that holds the new count, so that comparing the two tells nothing of one person.
    #[schema(value_type = Vec<String>)]
    #[serde(default)]
    pub ranged: Vec<IssueKey>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// The network.
    #[schema(value_type = String)]
    pub network: DocId,
    /// The group that made the bundle.
    #[schema(value_type = String)]
    pub exporter: GroupId,
    /// Documents in the bundle.
    pub documents: usize,
    /// Documents that changed (new, or with new changes).
    pub changed: usize,
    /// Plans left out: plans of an earlier release this node does not hold, re-issued ones not
    /// yet endorsed by their owner or a coordinator, or plans of a group that has the most
    /// plans a group may have here (`auth::MAX_PLANS_PER_MEMBER`).
    pub left_out: usize,
}

fn not_permitted(reason: &str) -> DocsError {
    DocsError::Invalid(ValidationError::NotPermitted {
        reason: reason.into(),
    })
}

fn bundle_refused(e: impl std::fmt::Display) -> DocsError {
    DocsError::Invalid(ValidationError::Rejected {
        field: "bundle",
        reason: e.to_string(),
    })
}

impl DocSet {
    /// See [`Docs::publish`]; `now` in unix seconds.
    pub(crate) fn publish(
        &mut self,
        network: &str,
        period: Option<Period>,
        from: Option<&str>,
        now: i64,
    ) -> Result<PublishedView, DocsError> {
        let id = self.resolve(DocKind::Network, network)?;
        let net = self.network_or_404(&id)?;
        if !net.is_member(&self.replica.group) {
            return Err(not_permitted("only members publish in a network"));
        }
        let period = match period {
            Some(p) => p,
            None => default_period(&net, now)?,
        };
        commonground_protocol::publish::may_publish(period, &net.settings, now)?;
        let k = net.settings.k;
        let cells = match from {
            None => {
                let tally: Tally = self.read(&self.tally_id())?;
                let counts: BTreeMap<IssueKey, i64> = tally
                    .view(period)
                    .rows
                    .into_iter()
                    .map(|r| (r.issue, r.count))
                    .collect();
                PeriodCells::from_counts(&counts, k, &tally.catalogue())?
            }
            Some(from) => {
                let region_id = self.resolve(DocKind::Network, from)?;
                if region_id == id {
                    return Err(DocsError::Invalid(ValidationError::Rejected {
                        field: "from",
                        reason: "a network cannot publish its own merged counts to itself".into(),
                    }));
                }
                let (ranges, catalogue) = self.region(&region_id, period)?.ranges();
                PeriodCells::from_ranges(ranges, k, &catalogue)?
            }
        };
        self.write_published(id, period, cells)
    }

    pub(crate) fn network_or_404(&self, id: &DocId) -> Result<Network, DocsError> {
        self.replica.network(id).ok_or(DocsError::NotFound {
            what: "network",
            id: id.to_string(),
        })
    }

    /// Publishes `cells` as this group's counts of `period` in `network`, revised against what
    /// was published of the period before ([`PeriodCells::revise`]).
    fn write_published(
        &mut self,
        network: DocId,
        period: Period,
        cells: PeriodCells,
    ) -> Result<PublishedView, DocsError> {
        let id = published_id(&network, &self.replica.group);
        if !self.replica.docs.contains_key(&id) {
            self.create(id, Some(network), &Published::default())?;
        }
        let before: Published = self.read(&id)?;
        let mut revised = cells.revise(before.periods.get(&period.to_string()));
        let today = self.today();
        revised.cells.published = Some(today);
        let view = PublishedView {
            network,
            document: id,
            period,
            k: revised.cells.k,
            cells: revised.cells.read()?,
            published: Some(today),
            ranged: revised.ranged.clone(),
        };
        let cells = revised.cells;
        self.edit::<Published, _>(&id, move |p| {
            p.periods.insert(period.to_string(), cells);
            Ok(())
        })?;
        Ok(view)
    }

    /// What this group published of `period` in `network`, as its members see it.
    fn published_view(
        &self,
        network: &DocId,
        period: Period,
    ) -> Result<Option<PublishedView>, DocsError> {
        let id = published_id(network, &self.replica.group);
        if !self.replica.docs.contains_key(&id) {
            return Ok(None);
        }
        let body: Published = self.read(&id)?;
        let Some(cells) = body.periods.get(&period.to_string()) else {
            return Ok(None);
        };
        Ok(Some(PublishedView {
            network: *network,
            document: id,
            period,
            k: cells.k,
            cells: cells.read()?,
            published: cells.published,
            ranged: Vec::new(),
        }))
    }

    /// Where a network's threshold rose above the one this group's published tally there was
    /// suppressed with: every period re-suppressed under the new k and the document re-issued
    /// without its history (`crate::forget`), so that no copy keeps a count below the new k.
    /// `only`: look at that network alone (one whose document changed). Runs as a batch is
    /// stored (`DocSet::persist`).
    pub(crate) fn resuppress(&mut self, only: Option<DocId>) {
        let networks: Vec<DocId> = match only {
            Some(n) => vec![n],
            None => self
                .replica
                .of_kind(DocKind::Network)
                .map(|(id, _)| *id)
                .collect(),
        };
        for network in networks {
            let Some(k) = self.replica.network(&network).map(|n| n.settings.k) else {
                continue;
            };
            let id = published_id(&network, &self.replica.group);
            let Ok(body) = self.read::<Published>(&id) else {
                continue;
            };
            if k <= 1 || body.periods.values().all(|p| p.k >= k) {
                continue;
            }
            let mut body = body;
            for cells in body.periods.values_mut() {
                if cells.k < k {
                    *cells = cells.resuppressed(k);
                }
            }
            match self.reissue_published(&id, &body) {
                Ok(_) => {
                    info!(%network, k, "the network's threshold rose: this group's published counts re-suppressed and their history forgotten");
                }
                Err(e) => {
                    warn!(%network, error = %e, "could not re-suppress this group's published counts")
                }
            }
        }
    }

    /// The network's merged counts for a period: members' published cells summed.
    pub(crate) fn region(&self, network: &DocId, period: Period) -> Result<RegionView, DocsError> {
        let net = self.network_or_404(network)?;
        let mut published = BTreeMap::new();
        for m in &net.members {
            let id = published_id(network, &m.group);
            if !self.replica.docs.contains_key(&id) {
                continue;
            }
            let p: Published = self.read(&id)?;
            if let Some(cells) = p.periods.get(&period.to_string()) {
                published.insert(m.group, cells.clone());
            }
        }
        Ok(RegionView::merge(*network, period, &published))
    }

    /// Edits a network document as a coordinator.
    fn coordinate(
        &mut self,
        network: &str,
        f: impl FnOnce(&mut Network, &DocSet) -> Result<(), ValidationError>,
    ) -> Result<NetworkView, DocsError> {
        let id = self.resolve(DocKind::Network, network)?;
        let net = self.network_or_404(&id)?;
        if net.role(&self.replica.group) != Some(Role::Coordinator) {
            return Err(not_permitted(
                "only the network's coordinators may change its members and settings",
            ));
        }
        let mut changed = net.clone();
        f(&mut changed, self)?;
        self.edit::<Network, _>(&id, move |n| {
            *n = changed;
            Ok(())
        })?;
        Ok(self.network_or_404(&id)?.view(id))
    }

    /// A removed group's last changes per document of `network`, from the signed heads held.
    fn frozen_heads(&self, network: &DocId, group: &GroupId) -> Vec<FrozenHead> {
        self.replica
            .docs
            .iter()
            .filter(|(_, l)| l.header.network.as_ref() == Some(network))
            .filter_map(|(id, l)| {
                l.signed
                    .iter()
                    .find(|s| &s.author == group.public_key())
                    .map(|s| FrozenHead {
                        document: id.to_string(),
                        hash: s.change_hash().to_string(),
                    })
            })
            .collect()
    }

    /// A bundle of the documents of `network` this group may share with its members.
    fn bundle(&self, network: &DocId) -> Result<Bundle, DocsError> {
        let net = self.network_or_404(network)?;
        if !net.is_member(&self.replica.group) {
            return Err(not_permitted(
                "only members may export a network's documents",
            ));
        }
        let mut ids: Vec<DocId> = self
            .replica
            .docs
            .iter()
            .filter(|(_, l)| {
                l.header.network.as_ref() == Some(network) && l.header.kind.is_shared()
            })
            .map(|(id, _)| *id)
            .collect();
        // The network document first: an importer admits the rest against it.
        ids.sort_by_key(|id| (id != network, *id));
        let docs = ids
            .iter()
            .filter_map(|id| {
                self.replica.docs.get(id).map(|l| BundleDoc {
                    doc: *id,
                    bytes: l.doc.save(),
                    signed: l.signed.clone(),
                })
            })
            .collect();
        Ok(Bundle {
            network: *network,
            exporter: self.replica.key.verifying_key().to_bytes(),
            created: self.today(),
            docs,
        })
    }

    /// Admits every document of a bundle file exactly as sync would from its exporter, reading
    /// it one document at a time, then keeps them all, or nothing if any is refused or the file
    /// fails its signature. `progress` gets (checked, total).
    fn import(
        &mut self,
        file: impl std::io::Read,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportSummary, DocsError> {
        let mut admitted: Vec<(DocId, Automerge, auth::Admitted)> = Vec::new();
        let mut left_out = 0;
        // The exporter, the network as judged so far, and the intake: from the first document.
        let mut judge: Option<(GroupId, Network, commonground_protocol::replica::Intake)> = None;
        let head = bundle::read(file, |head, d| -> Result<(), DocsError> {
            if judge.is_none() {
                let exporter = head
                    .exporter()
                    .ok_or_else(|| bundle_refused("the exporter's key is malformed"))?;
                let net = self.replica.network(&head.network).ok_or_else(|| {
                    bundle_refused("this node is not a member of the bundle's network")
                })?;
                if !net.is_member(&self.replica.group) {
                    return Err(bundle_refused(
                        "this group is not a member of the bundle's network",
                    ));
                }
                let intake = commonground_protocol::replica::Intake::new(head.network);
                judge = Some((exporter, net, intake));
            }
            let Some((exporter, net, intake)) = &mut judge else {
                return Err(bundle_refused("the bundle's network cannot be read"));
            };
            if !net.is_member(exporter) {
                return Err(bundle_refused(
                    "the bundle was made by a group that is not a member",
                ));
            }
            intake.next_document();
            let Some((doc, keep)) = self
                .replica
                .take_whole(
                    intake,
                    Some(&*net),
                    exporter,
                    &d.doc,
                    &d.bytes,
                    &d.signed,
                    None,
                )
                .map_err(|(_, why)| bundle_refused(format!("document {}: {why}", d.doc.short())))?
            else {
                left_out += 1;
                return Ok(());
            };
            if d.doc == head.network {
                // Later documents are judged by the network as the bundle brings it.
                *net = doc::read(&doc).map_err(bundle_refused)?;
            }
            admitted.push((d.doc, doc, keep));
            let checked = admitted.len() + left_out;
            if checked.is_multiple_of(64) {
                progress(checked, head.docs.max(checked));
            }
            Ok(())
        })
        .map_err(|e| match e {
            bundle::ReadError::Refused(e) => e,
            bundle::ReadError::Bundle(e) => bundle_refused(e),
        })?;
        let (network, exporter, total) = (head.network, judge.map(|j| j.0), head.docs);
        let exporter = exporter.ok_or_else(|| bundle_refused("the bundle holds no document"))?;
        if total > 0 {
            progress(total, total);
        }
        let mut changed = 0;
        for (id, doc, keep) in admitted {
            let before = self.replica.docs.get(&id).map(|l| l.doc.get_heads());
            if before.as_deref() != Some(&doc.get_heads()[..]) {
                changed += 1;
            }
            self.replica.keep(id, doc, keep);
        }
        info!(%network, exporter = %exporter.short(), documents = total, changed, left_out, "imported a bundle");
        Ok(ImportSummary {
            network,
            exporter,
            documents: total,
            changed,
            left_out,
        })
    }
}

/// The month a publish naming none publishes in `net`, now.
fn default_period(net: &Network, now: i64) -> Result<Period, DocsError> {
    net.settings.default_period(now).map_err(|e| {
        ValidationError::Rejected {
            field: "period",
            reason: e.to_string(),
        }
        .into()
    })
}

impl Docs {
    /// Publishes this group's counts of `period` in `network`, suppressed under its threshold.
    /// With `from`, publishes instead the merged counts of network `from` (a region rolling up
    /// into a wider network), re-suppressed. Without a period: the last month that is over in
    /// the network's time zone (the one going on, where it allows open months).
    pub async fn publish(
        &self,
        network: String,
        period: Option<Period>,
        from: Option<String>,
    ) -> Result<PublishedView, DocsError> {
        self.run(move |set| {
            let now = set.now();
            set.publish(&network, period, from.as_deref(), now)
        })
        .await
    }

    /// The network's merged counts for a period.
    pub async fn region(&self, network: String, period: Period) -> Result<RegionView, DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Network, &network)?;
            set.region(&id, period)
        })
        .await
    }

    /// Changes a member's role (coordinators only).
    pub async fn set_role(
        &self,
        network: String,
        group: GroupId,
        role: Role,
    ) -> Result<NetworkView, DocsError> {
        self.run(move |set| set.coordinate(&network, |n, _| n.set_role(&group, role)))
            .await
    }

    /// Removes a member (coordinators only): its past changes stay, later ones are refused.
    pub async fn remove_member(
        &self,
        network: String,
        group: GroupId,
    ) -> Result<NetworkView, DocsError> {
        self.run(move |set| {
            let today = set.today();
            set.coordinate(&network, |n, set| {
                let id = set.resolve(DocKind::Network, &network).ok();
                let heads = id
                    .map(|id| set.frozen_heads(&id, &group))
                    .unwrap_or_default();
                n.remove_member(&group, today, heads)
            })
        })
        .await
    }

    /// Changes a network's settings (coordinators only): the threshold, whether open months
    /// may be published, the time zone (minutes east of UTC). Raising the threshold re-issues
    /// this group's published counts there at once (other members do so when they hear of it).
    pub async fn set_settings(
        &self,
        network: String,
        k: Option<i64>,
        open_months: Option<bool>,
        utc_offset_minutes: Option<i64>,
    ) -> Result<NetworkView, DocsError> {
        self.run(move |set| {
            let view = set.coordinate(&network, |n, _| {
                if let Some(k) = k {
                    n.set_k(k)?;
                }
                if let Some(open) = open_months {
                    n.settings.open_months = open;
                }
                if let Some(m) = utc_offset_minutes {
                    n.settings.utc_offset_minutes = m;
                    n.settings.check()?;
                }
                Ok(())
            })?;
            Ok(view)
        })
        .await
    }

    /// What this group published of `period` in `network`, as the network's members see it.
    /// Without a period: the one a publish naming none would publish (`Settings::default_period`).
    pub async fn published(
        &self,
        network: String,
        period: Option<Period>,
    ) -> Result<Option<PublishedView>, DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Network, &network)?;
            let period = match period {
                Some(p) => p,
                None => default_period(&set.network_or_404(&id)?, set.now())?,
            };
            set.published_view(&id, period)
        })
        .await
    }

    /// Adds a collaborating group to a plan: a member (not an aggregator) of its network.
    pub async fn add_collaborator(
        &self,
        plan: String,
        group: GroupId,
    ) -> Result<commonground_protocol::plan::PlanView, DocsError> {
        let check = plan.clone();
        self.run(move |set| {
            let id = set.resolve(DocKind::Plan, &check)?;
            let network = set.header(&id)?.network;
            let role = network
                .and_then(|n| set.replica.network(&n))
                .and_then(|n| n.role(&group));
            if !matches!(role, Some(Role::Coordinator | Role::Member)) {
                return Err(not_permitted(
                    "a collaborator must be a member (not an aggregator) of the plan's network",
                ));
            }
            Ok(())
        })
        .await?;
        self.edit_plan(plan, move |p: &mut Plan| p.add_collaborator(group))
            .await
    }

    /// Removes a collaborating group from a plan (a plan keeps at least one).
    pub async fn remove_collaborator(
        &self,
        plan: String,
        group: GroupId,
    ) -> Result<commonground_protocol::plan::PlanView, DocsError> {
        self.edit_plan(plan, move |p: &mut Plan| p.remove_collaborator(&group))
            .await
    }

    /// A signed bundle of the network's documents this group may share.
    pub async fn export(&self, network: String) -> Result<(Vec<u8>, usize), DocsError> {
        self.run(move |set| {
            let id = set.resolve(DocKind::Network, &network)?;
            let bundle = set.bundle(&id)?;
            let n = bundle.docs.len();
            let file = bundle.seal(&set.replica.key);
            // What no node would import is not made (PROTOCOL.md §9b).
            let biggest = bundle.docs.iter().map(|d| d.bytes.len()).max().unwrap_or(0);
            if file.len() > bundle::MAX_BUNDLE_BYTES
                || n > bundle::MAX_BUNDLE_DOCS
                || biggest as u64 >= bundle::MAX_BUNDLE_ITEM_BYTES
            {
                return Err(bundle_refused(format!(
                    "the network's documents take {} MiB in {n} documents, more than a bundle may \
                     hold ({} MiB, {} documents, {} MiB for one document): share it by sync",
                    file.len() >> 20,
                    bundle::MAX_BUNDLE_BYTES >> 20,
                    bundle::MAX_BUNDLE_DOCS,
                    bundle::MAX_BUNDLE_ITEM_BYTES >> 20
                )));
            }
            Ok((file, n))
        })
        .await
    }

    /// Imports a bundle file: its signature verified first, then its documents admitted like
    /// sync, one at a time, all or nothing. `progress` receives (checked, total) as documents are
    /// checked. Memory: one document of the file at a time, besides what is admitted.
    pub async fn import(
        &self,
        file: std::fs::File,
        mut progress: impl FnMut(usize, usize) + Send + 'static,
    ) -> Result<ImportSummary, DocsError> {
        let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File, DocsError> {
            use std::io::Seek;
            (&file).rewind().map_err(bundle_refused)?;
            bundle::verify(std::io::BufReader::new(&file)).map_err(bundle_refused)?;
            (&file).rewind().map_err(bundle_refused)?;
            Ok(file)
        })
        .await
        .map_err(|_| DocsError::Stopped)??;
        self.run_remote(move |set| set.import(std::io::BufReader::new(file), &mut progress))
            .await
    }
}
