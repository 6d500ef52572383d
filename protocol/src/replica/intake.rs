//! What the documents of one sync round (or one bundle document) may still cost before they are
//! taken: what their bytes may inflate to ([`inflate`]: Automerge inflates compressed columns
//! without a limit, so this is checked before it reads them), and the plans each owning group
//! may have on this node ([`crate::auth::MAX_PLANS_PER_MEMBER`]).

use std::collections::HashMap;

use crate::auth::AuthError;
use crate::ids::{DocId, GroupId};
use crate::inflate;
use crate::sync::Refusal;

/// What a round's documents may still cost (see the module).
pub struct Intake {
    /// The network the documents come for.
    network: DocId,
    /// Bytes the payloads may still inflate to.
    budget: u64,
    /// Plans per owning group in the network, counted when a plan new to this node arrives.
    plans: Option<HashMap<GroupId, usize>>,
}

impl Intake {
    /// The intake of a round of `network`'s documents: [`inflate::MAX_INFLATED`] in all.
    pub fn new(network: DocId) -> Self {
        Self {
            network,
            budget: inflate::MAX_INFLATED,
            plans: None,
        }
    }

    /// The network the documents come for.
    pub fn network(&self) -> DocId {
        self.network
    }

    /// What the payloads may still inflate to.
    pub fn left(&self) -> u64 {
        self.budget
    }

    /// A bundle's documents are judged one by one: each may inflate to the whole budget.
    pub fn next_document(&mut self) {
        self.budget = inflate::MAX_INFLATED;
    }

    /// Counts what `bytes` inflate to against what is left; `Malformed` beyond it (or when
    /// their framing cannot be read).
    pub fn inflates(&mut self, bytes: &[u8]) -> Result<(), (Refusal, String)> {
        let n =
            inflate::check(bytes, self.budget).map_err(|e| (Refusal::Malformed, e.to_string()))?;
        self.budget -= n.min(self.budget);
        Ok(())
    }

    /// Charges `inflated` bytes, measured already ([`inflate::check`] of the same bytes), as
    /// [`Self::inflates`] would: `Malformed` when they pass what is left.
    pub fn charge(&mut self, inflated: u64) -> Result<(), (Refusal, String)> {
        if inflated > self.budget {
            let e = inflate::InflateError::TooLarge { limit: self.budget };
            return Err((Refusal::Malformed, e.to_string()));
        }
        self.budget -= inflated;
        Ok(())
    }

    /// Whether a plan new to this node, owned by `owner`, may be kept: its group has fewer than
    /// `quota` plans here, counting those this round took before it. `held` counts the plans
    /// per owning group this node holds in the network (asked once per intake).
    pub fn fits_plan(
        &mut self,
        owner: GroupId,
        quota: usize,
        held: impl FnOnce() -> HashMap<GroupId, usize>,
    ) -> bool {
        let n = self
            .plans
            .get_or_insert_with(held)
            .entry(owner)
            .or_default();
        if *n >= quota {
            return false;
        }
        *n += 1;
        true
    }
}

/// The refusal of received changes that admission did not take: `Forbidden` (an offence, which
/// the sender is scored for) for forged or unauthorised ones, `Content` for what honest changes
/// may carry under other rules (a node running another version of the contact-free rules must
/// not be banned).
pub fn refusal(e: &AuthError) -> (Refusal, String) {
    let reason = if e.is_offence() {
        Refusal::Forbidden
    } else {
        Refusal::Content
    };
    (reason, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::announce::tests::doc;
    use crate::doc::tests::group;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    #[test]
    fn a_round_inflates_to_the_budget_in_all_and_a_bundle_document_to_it_each() {
        // One MiB of zeros: a few hundred bytes on the wire, a mebibyte inflated.
        let mut d = Automerge::new();
        let mut tx = d.transaction();
        tx.put(ROOT, "b", vec![0u8; 1 << 20]).unwrap();
        tx.commit();
        let bytes = d.save();
        assert!(bytes.len() < 16 * 1024);
        let each = inflate::check(&bytes, u64::MAX).unwrap();
        let mut intake = Intake::new(doc(1));
        let fit = inflate::MAX_INFLATED / each;
        for _ in 0..fit {
            intake.inflates(&bytes).expect("within the budget");
        }
        let refused = intake.inflates(&bytes).unwrap_err();
        assert_eq!(refused.0, Refusal::Malformed);
        // Charging the size measured already does what measuring again does.
        let mut charged = Intake::new(doc(1));
        for _ in 0..fit {
            charged.charge(each).expect("within the budget");
        }
        assert_eq!(charged.left(), intake.left());
        assert_eq!(charged.charge(each).unwrap_err(), refused);
        intake.next_document();
        assert_eq!(intake.left(), inflate::MAX_INFLATED);
        intake
            .inflates(&bytes)
            .expect("a new document's own budget");
    }

    #[test]
    fn a_group_keeps_at_most_its_quota_of_plans_counting_those_held() {
        let (a, b) = (group(1), group(2));
        let mut intake = Intake::new(doc(1));
        let mut asked = 0;
        let mut held = || {
            asked += 1;
            HashMap::from([(a, 1)])
        };
        assert!(intake.fits_plan(a, 2, &mut held));
        assert!(!intake.fits_plan(a, 2, &mut held), "a holds 1, took 1");
        assert!(intake.fits_plan(b, 2, &mut held));
        assert!(intake.fits_plan(b, 2, &mut held));
        assert!(!intake.fits_plan(b, 2, &mut held));
        assert_eq!(asked, 1, "what is held is counted once per intake");
    }
}
