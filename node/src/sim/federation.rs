//! A simulated national federation: regions of groups and a national network of their hubs,
//! with what a plan edit, a publication and a roll-up cost each member.

use std::collections::BTreeMap;

use commonground_protocol::ids::{DocId, ItemId};
use commonground_protocol::network::Role;
use commonground_protocol::plan::{NewAction, Plan};
use commonground_protocol::schedule;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Msg, Shape, Sim, new_plan};

/// Unix seconds the federation's publications are made at (3 December 2026): November is over.
const FEDERATION_NOW: i64 = 1_796_256_000;

/// What the federation's steps cost: requests, answers and announcements delivered, and their
/// bytes as on the wire (requests and answers compressed as `sync::encode` makes them,
/// announcements as gossiped).
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    messages: u64,
    bytes: u64,
}

/// A national federation: `regions` regional networks of `per_region` groups each (the first
/// of each its coordinator and hub), and a national network of the hubs (region 0's hub its
/// coordinator).
struct Federation {
    sim: Sim,
    regions: Vec<DocId>,
    national: DocId,
    per_region: usize,
    /// A plan of region 0, by its hub.
    plan: DocId,
    /// What every group counted in November, per issue.
    counted: BTreeMap<String, i64>,
}

impl Federation {
    fn new(regions: usize, per_region: usize, seed: u64) -> Self {
        let shape = Shape::quiet(regions * per_region);
        let mut sim = Sim::bare(seed, StdRng::seed_from_u64(seed), shape);
        sim.healed = true;
        let mut ids = Vec::new();
        for _ in 0..=regions {
            let mut id = [0u8; 16];
            sim.rng.fill(&mut id);
            ids.push(DocId::from_bytes(id));
        }
        let national = ids.pop().expect("one more id");
        for (r, &network) in ids.iter().enumerate() {
            let hub = r * per_region;
            sim.nodes[hub]
                .set()
                .create_network(network, &format!("Région {r}"), &format!("Hub {r}"), vec![])
                .expect("a region");
            for g in hub + 1..hub + per_region {
                sim.join(hub, g, network, Role::Member);
            }
        }
        sim.nodes[0]
            .set()
            .create_network(national, "الاتحاد الوطني", "Hub 0", vec![])
            .expect("the national network");
        for r in 1..regions {
            sim.join(0, r * per_region, national, Role::Member);
        }
        let plan = new_plan(
            "Campagne régionale",
            "سكن لائق لكل عائلة",
            sim.nodes[0].group,
        );
        let plan = sim.nodes[0]
            .set()
            .create_plan(Some(ids[0]), &plan)
            .expect("the region's plan");
        sim.start();
        for i in 0..sim.nodes.len() {
            sim.reconnect(i);
        }
        let mut fed = Self {
            sim,
            regions: ids,
            national,
            per_region,
            plan,
            counted: BTreeMap::new(),
        };
        fed.settle();
        fed.sim
            .converged()
            .unwrap_or_else(|e| panic!("the federation did not form: {e}"));
        // From here on only what the steps cause is counted: no timers.
        fed.sim.ticking = false;
        fed
    }

    /// Runs until nothing but stale timeouts is left to deliver.
    fn settle(&mut self) {
        let limit = self.sim.now + 20 * schedule::TICK_MS;
        while self.sim.now < limit {
            let step = self.sim.now + 1_000;
            self.sim.run_until(step);
            let busy = self.sim.nodes.iter().any(|n| !n.sessions.is_empty())
                || self.sim.queue.values().any(|m| {
                    matches!(
                        m,
                        Msg::Request { .. } | Msg::Response { .. } | Msg::Announce { .. }
                    )
                });
            if !busy {
                return;
            }
        }
        panic!("the federation did not settle");
    }

    /// What `step` and everything it causes cost.
    fn cost(&mut self, step: impl FnOnce(&mut Self)) -> Cost {
        let (m, b) = (self.sim.delivered, self.sim.bytes);
        step(self);
        self.settle();
        Cost {
            messages: self.sim.delivered - m,
            bytes: self.sim.bytes - b,
        }
    }

    /// What `step` costs for the second of `n` alone, then for the others at once; checks that
    /// everything spread.
    fn one_then_others(
        &mut self,
        n: usize,
        what: &str,
        step: fn(&mut Self, std::ops::Range<usize>),
    ) -> (Cost, Cost) {
        let one = self.cost(|f| step(f, 1..2));
        let others = self.cost(|f| {
            step(f, 0..1);
            step(f, 2..n);
        });
        self.sim
            .converged()
            .unwrap_or_else(|e| panic!("the {what} did not spread: {e}"));
        (one, others)
    }

    /// Region 0's hub adds an action to the region's plan.
    fn edit_plan(&mut self) {
        let plan = self.plan;
        let action = NewAction {
            title: "Rassemblement devant la mairie".into(),
            date: None,
            kind: commonground_protocol::plan::ActionKind::Other,
            notes: String::new(),
        };
        self.sim.nodes[0]
            .set()
            .edit::<Plan, _>(&plan, |p| p.add_action(ItemId::from_bytes([1; 6]), &action))
            .expect("an edit");
        self.sim.persist(0);
    }

    /// Groups `groups` count November's issues and publish them in their regions.
    fn publish_groups(&mut self, groups: std::ops::Range<usize>) {
        let november: commonground_protocol::ids::Period = "2026-11".parse().expect("a period");
        for g in groups {
            let mut increments = Vec::new();
            for issue in ["housing", "legal-aid", "detention"] {
                let count = self.sim.rng.gen_range(10..=40);
                *self.counted.entry(issue.to_string()).or_default() += count;
                increments.push(commonground_protocol::tally::Increment {
                    issue: issue.parse().expect("a built-in issue"),
                    count,
                    period: november,
                });
            }
            let region = self.regions[g / self.per_region];
            let set = self.sim.nodes[g].set();
            set.add_to_tally(|_| Ok(increments)).expect("counted");
            set.publish(&region.to_string(), Some(november), None, FEDERATION_NOW)
                .expect("published in the region");
            self.sim.persist(g);
        }
    }

    /// The hubs of regions `regions` publish their regions' merged counts in the national
    /// network.
    fn roll_up(&mut self, regions: std::ops::Range<usize>) {
        let november: commonground_protocol::ids::Period = "2026-11".parse().expect("a period");
        let national = self.national.to_string();
        for r in regions {
            let region = self.regions[r];
            let hub = r * self.per_region;
            self.sim.nodes[hub]
                .set()
                .publish(
                    &national,
                    Some(november),
                    Some(&region.to_string()),
                    FEDERATION_NOW,
                )
                .expect("rolled up");
            self.sim.persist(hub);
        }
    }

    /// The national counts every hub sees: each issue's low and high.
    fn national_counts(&mut self) -> Vec<BTreeMap<String, (i64, i64)>> {
        let november: commonground_protocol::ids::Period = "2026-11".parse().expect("a period");
        let national = self.national;
        (0..self.regions.len())
            .map(|r| {
                let view = self.sim.nodes[r * self.per_region]
                    .set()
                    .region(&national, november)
                    .expect("the national view");
                view.rows
                    .into_iter()
                    .map(|row| (row.issue.to_string(), (row.low, row.high)))
                    .collect()
            })
            .collect()
    }
}

/// One federation's costs, per step.
struct FederationCosts {
    groups: usize,
    regions: usize,
    plan_edit: Cost,
    /// One group's publication, alone.
    publication: Cost,
    /// Every other group's, at once (the end of a month).
    publications: Cost,
    /// One hub's roll-up, alone.
    roll_up: Cost,
    /// Every other hub's, at once.
    roll_ups: Cost,
}

/// Forms a federation, then counts what a plan edit, every group's publication and every hub's
/// roll-up cost; checks that the national counts every hub sees are exactly what the groups
/// counted (no count is small enough to be suppressed).
fn federation(regions: usize, per_region: usize) -> FederationCosts {
    let mut fed = Federation::new(regions, per_region, 7);
    let plan_edit = fed.cost(Federation::edit_plan);
    let groups = regions * per_region;
    let (publication, publications) =
        fed.one_then_others(groups, "publications", Federation::publish_groups);
    let (roll_up, roll_ups) = fed.one_then_others(regions, "roll-ups", Federation::roll_up);
    let expected: BTreeMap<String, (i64, i64)> = fed
        .counted
        .iter()
        .map(|(k, v)| (k.clone(), (*v, *v)))
        .collect();
    for (r, seen) in fed.national_counts().into_iter().enumerate() {
        let seen: BTreeMap<String, (i64, i64)> = seen
            .into_iter()
            .filter(|(k, _)| expected.contains_key(k))
            .collect();
        assert_eq!(seen, expected, "the national counts at region {r}'s hub");
    }
    FederationCosts {
        groups,
        regions,
        plan_edit,
        publication,
        publications,
        roll_up,
        roll_ups,
    }
}

/// A small federation in every test run: its counts roll up exactly, and a plan edit costs its
/// region's members a bounded number of messages whatever the other regions do.
/// `COMMONGROUND_SIM_FEDERATION=1` (best with `--release`) also runs 50 to 500 groups in regions
/// of ten and prints how the costs grow.
#[test]
fn a_federation_rolls_up_exactly_and_a_change_costs_only_its_network() {
    let sizes: Vec<(usize, usize)> = if std::env::var("COMMONGROUND_SIM_FEDERATION").is_ok() {
        vec![(5, 10), (10, 10), (20, 10), (50, 10)]
    } else {
        vec![(3, 4), (6, 4)]
    };
    let mut rows = Vec::new();
    for (regions, per_region) in sizes {
        let c = federation(regions, per_region);
        let per = |c: Cost, n: usize| {
            format!(
                "{:.1} messages, {:.0} B",
                c.messages as f64 / n as f64,
                c.bytes as f64 / n as f64
            )
        };
        let (others, hubs) = (c.groups - 1, regions - 1);
        println!(
            "federation of {} groups ({regions} regions of {per_region}), per member of the network concerned: a plan edit {}; one group's publication {}; the other {others} at once {} per publication; one hub's roll-up {}; the other {hubs} at once {} per roll-up",
            c.groups,
            per(c.plan_edit, per_region),
            per(c.publication, per_region),
            per(c.publications, others * per_region),
            per(c.roll_up, regions),
            per(c.roll_ups, hubs * regions),
        );
        rows.push(c);
    }
    // A change in one region costs the same however many other regions there are; one
    // publication in a network costs its members a number of messages that does not grow with
    // the network (linear in all, not quadratic).
    let edits: Vec<u64> = rows.iter().map(|c| c.plan_edit.messages).collect();
    assert!(
        edits.windows(2).all(|w| w[0] == w[1]),
        "a plan edit's messages grew with the federation: {edits:?}"
    );
    let roll_up: Vec<f64> = rows
        .iter()
        .map(|c| c.roll_up.messages as f64 / c.regions as f64)
        .collect();
    println!("one roll-up, messages per national member: {roll_up:?}");
    // One announcement and one pull of three round trips per member (7 messages; a few pulls
    // take a round more), and no more: before 0.5.1 every member passed each new document on to
    // every other (10.0 per member at six hubs, growing with the network).
    for c in &rows {
        let per_region = c.groups / c.regions;
        assert!(
            2 * c.roll_up.messages <= 17 * c.regions as u64
                && 2 * c.publication.messages <= 17 * per_region as u64,
            "one publication cost more than 8.5 messages per member: {} at {} hubs, {} at {per_region} groups",
            c.roll_up.messages,
            c.regions,
            c.publication.messages
        );
    }
}
