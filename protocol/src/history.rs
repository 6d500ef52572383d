//! What a received change carries, judged change by change: history is content.
//!
//! Automerge keeps every value a document ever held, so a change that writes a phone number
//! and a later one that deletes it leave the number in every member's store. A node therefore
//! judges each new change on its own, never only the final state:
//! - its time must be 00:00 UTC of a day (changes carry the day, never the minute) and it must
//!   carry no message;
//! - every text it writes — a string it puts, or the whole text of a text object it edits — must
//!   pass the contact-free check, read in the state that the change's own history produces
//!   (its dependencies and itself, never whatever else the receiving node happens to hold), so
//!   that every node reaches the same verdict on it.
//!
//! Two honest concurrent changes may each pass and still form personal data only when merged
//! (one types "07700", the other "900123" beside it). No single change is to blame and nodes
//! that hold only one of them could not see it, so the merge is accepted and *flagged*
//! ([`merged_personal_data`]) for the people who can forget the document.
//!
//! A refusal here is not an offence: an honest node running older rules may send such a
//! change. Only forged or unauthorised changes are (see [`crate::auth`]).

use std::collections::HashSet;

use automerge::{
    Automerge, Change, ObjId, Patch, PatchAction, PatchLog, Prop, ReadDoc, ScalarValue, Value,
};
use thiserror::Error;

use crate::privacy::{PersonalData, check_text};

/// Why a change was refused for what it carries.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum Carried {
    /// Its time is not 00:00 UTC of a day.
    #[error("a change carries a time of day (changes carry the day only)")]
    TimeOfDay,
    /// It carries a message.
    #[error("a change carries a message (changes carry none)")]
    Message,
    /// A text it writes holds personal data.
    #[error("a change writes personal data: {0}")]
    PersonalData(#[from] PersonalData),
    /// It cannot be applied in its own history.
    #[error("a change cannot be read in its own history: {0}")]
    Unreadable(String),
    /// It belongs to a generation of the document that a later one replaced (it was forgotten):
    /// an honest node that was offline may still send it.
    #[error("the document was re-issued without its history; this is an older generation")]
    OldGeneration,
}

/// Seconds in a day: every change's time is a multiple of it.
const DAY: i64 = 86_400;

/// Judges the `new` changes (in causal order) that `candidate` holds beyond `base` (`None`
/// for a document the node does not hold yet): each must carry the day only, no message, and
/// write no personal data in the state its own history produces.
pub fn check_changes(
    base: Option<&Automerge>,
    candidate: &Automerge,
    new: &[Change],
) -> Result<(), Carried> {
    check_changes_logged(base, candidate, new, None)
}

/// [`check_changes`], given the patches Automerge logged while it applied `new` to a copy of
/// `base` to make `candidate` (`Automerge::load_incremental_log_patches`), when it did. When
/// that is one change on `base`'s heads, the patches are that change's own effect, read in
/// the state its history produces (`candidate` itself): the change is judged without being
/// applied a second time (on a plan of 10,000 changes an apply costs about 1.8 ms, most of
/// what a node spends on a received edit). Otherwise the patches are not one change's and
/// are not used.
pub fn check_changes_logged(
    base: Option<&Automerge>,
    candidate: &Automerge,
    new: &[Change],
    logged: Option<&[Patch]>,
) -> Result<(), Carried> {
    check_metadata(new)?;
    if let (Some(patches), Some(b), [c]) = (logged, base, new)
        && builds_on(b, c.deps())
    {
        return Ok(check_written(candidate, None, patches)?);
    }
    check_each(
        base.map_or_else(Automerge::new, Automerge::fork),
        candidate,
        new,
    )
}

/// [`check_changes_logged`] for a document the node does not hold, every change of which is
/// `new` in causal order, when admission has already made its first state: `first` holds the
/// first change alone (`new[0]`, applied to an empty document) and `first_patches` are the
/// patches that logged. The same verdict as [`check_changes_logged`] with no base, without
/// applying the first change twice (on a cold sync, a second apply of each document).
pub fn check_from_first(
    first: Automerge,
    first_patches: &[Patch],
    candidate: &Automerge,
    new: &[Change],
) -> Result<(), Carried> {
    let Some((root, rest)) = new.split_first() else {
        return Ok(());
    };
    if first.get_heads() != [root.hash()] {
        // Not the state this function is for: judged from the start.
        return check_changes_logged(None, candidate, new, None);
    }
    check_metadata(new)?;
    check_written(&first, None, first_patches)?;
    check_each(first, candidate, rest)
}

/// Whether a change with dependencies `deps` was made on exactly what `doc` holds: `doc`'s
/// heads are among `deps` and `doc` holds every one of `deps`, so the history before the change
/// is `doc`'s whole history (the changes a set of heads stands for are its ancestors).
///
/// Not "`deps` equal `doc`'s heads": Automerge 0.12 also lists, in a local change's deps, its
/// actor's previous change when that is no longer a head (an organiser's second edit after
/// another group's). Compared as equal lists, every such change took the slow path.
pub fn builds_on(doc: &Automerge, deps: &[automerge::ChangeHash]) -> bool {
    doc.get_heads().iter().all(|h| deps.contains(h))
        && deps
            .iter()
            .all(|d| doc.get_change_meta_by_hash(d).is_some())
}

/// Each change's time and message.
fn check_metadata(new: &[Change]) -> Result<(), Carried> {
    for c in new {
        if c.timestamp() % DAY != 0 {
            return Err(Carried::TimeOfDay);
        }
        if c.message().is_some_and(|m| !m.is_empty()) {
            return Err(Carried::Message);
        }
    }
    Ok(())
}

/// What each change writes, read in the state its own history produces.
fn check_each(
    mut scratch: Automerge,
    candidate: &Automerge,
    new: &[Change],
) -> Result<(), Carried> {
    // The state each change is read in: `scratch`, a copy of the base (or an empty document)
    // kept while the changes form a chain on it (the common case: each is applied to it and
    // its effect read there); a change that does not build on the copy's heads is read in the
    // candidate, which holds its history, as the difference between its dependencies and
    // itself. Never a copy rebuilt from the history (`fork_at` replays every change: far too
    // slow for a plan of many changes).
    for c in new {
        if builds_on(&scratch, c.deps()) {
            // The patches logged while applying: a diff between two heads would walk every
            // operation of the document, for each change.
            let mut log = PatchLog::active();
            scratch
                .apply_changes_log_patches([c.clone()], &mut log)
                .map_err(|e| Carried::Unreadable(e.to_string()))?;
            check_written(&scratch, None, &scratch.make_patches(&mut log))?;
        } else {
            let after = [c.hash()];
            check_written(candidate, Some(&after), &candidate.diff(c.deps(), &after))?;
        }
    }
    Ok(())
}

/// Checks every free text the patches write: strings put into maps and lists, and the whole
/// current text of each text object edited, where a free-text field of the schemas holds them
/// (ids, addresses, enums and the header are no free text).
/// `at`: the heads the patches leave `doc` at, when not its current ones.
fn check_written(
    doc: &Automerge,
    at: Option<&[automerge::ChangeHash]>,
    patches: &[Patch],
) -> Result<(), PersonalData> {
    let mut texts_seen: HashSet<ObjId> = HashSet::new();
    for p in patches {
        let Some(field) = free_text_field(&p.path, &p.action) else {
            continue;
        };
        match &p.action {
            PatchAction::PutMap { value, .. } | PatchAction::PutSeq { value, .. } => {
                if let (Value::Scalar(s), _) = value
                    && let ScalarValue::Str(text) = s.as_ref()
                {
                    check_text(&field, text)?;
                }
            }
            PatchAction::Insert { values, .. } => {
                for (v, _, _) in values.iter() {
                    if let Value::Scalar(s) = v
                        && let ScalarValue::Str(text) = s.as_ref()
                    {
                        check_text(&field, text)?;
                    }
                }
            }
            PatchAction::SpliceText { .. } if texts_seen.insert(p.obj.clone()) => {
                let whole = match at {
                    Some(heads) => doc.text_at(&p.obj, heads),
                    None => doc.text(&p.obj),
                }
                .unwrap_or_default();
                check_text(&field, &whole)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The map keys under which the schemas keep free text: plan titles, goals, demands, action
/// titles and notes, target roles and institutions, meetings' "with" and outcomes, agenda
/// items' text, network and group names, and issue labels (see `plan`, `network`, `publish`).
const FREE_TEXT_KEYS: &[&str] = &[
    "title",
    "goal",
    "demands",
    "notes",
    "role",
    "institution",
    "with",
    "outcome",
    "text",
    "name",
    "labels",
    "label",
];

/// The free-text field a patch writes, if it writes one: the nearest map key on its path (or
/// the key it puts) that is a free-text key.
fn free_text_field(path: &[(ObjId, Prop)], action: &PatchAction) -> Option<String> {
    let own = match action {
        PatchAction::PutMap { key, .. } => Some(key.as_str()),
        _ => None,
    };
    own.into_iter()
        .chain(path.iter().rev().filter_map(|(_, prop)| match prop {
            Prop::Map(k) => Some(k.as_str()),
            Prop::Seq(_) => None,
        }))
        .find(|k| FREE_TEXT_KEYS.contains(k))
        .map(str::to_string)
}

/// Whether the merged state breaks the contact-free check although each change passed on its
/// own: `check` is the schema's whole-document check, whose personal-data verdict is returned
/// as a flag rather than a refusal (see the module docs).
pub fn merged_personal_data<E>(
    check: Result<(), E>,
    personal: impl Fn(&E) -> Option<PersonalData>,
) -> Result<Option<PersonalData>, E> {
    match check {
        Ok(()) => Ok(None),
        Err(e) => match personal(&e) {
            Some(p) => Ok(Some(p)),
            None => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::{CommitOptions, Transactable};
    use automerge::{ActorId, ROOT};

    const MIDNIGHT: i64 = 20_000 * DAY;

    fn doc(actor: u8) -> Automerge {
        let mut d = Automerge::new();
        d.set_actor(ActorId::from([actor; 32]));
        d
    }

    fn commit(
        d: &mut Automerge,
        time: i64,
        message: Option<&str>,
        f: impl FnOnce(&mut automerge::transaction::Transaction),
    ) {
        let mut tx = d.transaction();
        f(&mut tx);
        let mut opts = CommitOptions::default().with_time(time);
        if let Some(m) = message {
            opts = opts.with_message(m.to_string());
        }
        tx.commit_with(opts);
    }

    fn text_obj(d: &mut Automerge) -> ObjId {
        let mut id = None;
        commit(d, MIDNIGHT, None, |tx| {
            id = Some(
                tx.put_object(ROOT, "goal", automerge::ObjType::Text)
                    .unwrap(),
            );
        });
        id.unwrap()
    }

    fn new_changes(base: &Automerge, candidate: &Automerge) -> Vec<Change> {
        base.get_changes_added(candidate)
    }

    /// Group 2 writes "homes" into group 1's goal, then group 1 appends `text`: group 2's copy,
    /// the goal, and group 1's second edit as group 2 receives it.
    fn second_edit(text: &str) -> (Automerge, ObjId, Change) {
        let mut a = doc(1);
        let goal = text_obj(&mut a);
        let mut b = a.fork();
        b.set_actor(ActorId::from([2; 32]));
        commit(&mut b, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 0, 0, "homes").unwrap();
        });
        a.merge(&mut b).unwrap();
        commit(&mut a, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 5, 0, text).unwrap();
        });
        let second = a.get_last_local_change().unwrap().clone();
        // The boundary this works around: Automerge lists the actor's own previous change too.
        assert_eq!(second.deps().len(), 2, "{:?}", second.deps());
        (b, goal, second)
    }

    #[test]
    fn a_groups_second_edit_after_anothers_builds_on_what_the_receiver_holds() {
        let (b, goal, second) = second_edit(" for all");
        assert!(builds_on(&b, second.deps()));
        // Not on a copy that lacks one of them, nor on one with a head the change did not see.
        assert!(!builds_on(&doc(3), second.deps()));
        let mut ahead = b.fork();
        commit(&mut ahead, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 0, 0, "safe ").unwrap();
        });
        assert!(!builds_on(&ahead, second.deps()));
        // Judged from the load's patches, as the plain check judges it.
        let mut candidate = b.fork();
        let mut log = PatchLog::active();
        candidate
            .apply_changes_log_patches([second.clone()], &mut log)
            .unwrap();
        let patches = candidate.make_patches(&mut log);
        assert_eq!(
            check_changes_logged(
                Some(&b),
                &candidate,
                std::slice::from_ref(&second),
                Some(&patches)
            ),
            Ok(())
        );
    }

    /// The fast path is taken for such an edit: only the load's log is read. Shown with a log
    /// that is not the change's (empty) and a change that writes a phone number: the log passes
    /// it, where applying it again (the slow path, taken before `builds_on`) refuses it.
    #[test]
    fn a_groups_second_edit_is_judged_from_the_log_not_applied_again() {
        let (b, _, second) = second_edit(" call 07700 900123");
        let mut candidate = b.fork();
        candidate.apply_changes([second.clone()]).unwrap();
        let new = std::slice::from_ref(&second);
        assert!(check_changes(Some(&b), &candidate, new).is_err());
        assert_eq!(
            check_changes_logged(Some(&b), &candidate, new, Some(&[])),
            Ok(())
        );
    }

    #[test]
    fn inserting_then_deleting_personal_data_is_refused() {
        let mut a = doc(1);
        let goal = text_obj(&mut a);
        let base = a.fork();
        commit(&mut a, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 0, 0, "Call 07700 900123").unwrap();
        });
        commit(&mut a, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 0, 17, "Homes for all").unwrap();
        });
        let new = new_changes(&base, &a);
        assert_eq!(new.len(), 2);
        assert!(matches!(
            check_changes(Some(&base), &a, &new),
            Err(Carried::PersonalData(p)) if p.field == "goal"
        ));
        // The final state alone is clean.
        assert_eq!(a.text(&goal).unwrap(), "Homes for all");
    }

    #[test]
    fn a_number_typed_one_character_a_change_is_refused_at_the_change_that_completes_it() {
        let mut a = doc(1);
        let goal = text_obj(&mut a);
        let base = a.fork();
        for (i, ch) in "07700900123".chars().enumerate() {
            commit(&mut a, MIDNIGHT, None, |tx| {
                tx.splice_text(&goal, i, 0, &ch.to_string()).unwrap();
            });
        }
        let new = new_changes(&base, &a);
        assert!(check_changes(Some(&base), &a, &new).is_err());
        // The first prefix of the number the check refuses: the changes before it pass, the one
        // that makes it is refused.
        let typed = "07700900123";
        let k = (1..=typed.len())
            .find(|k| check_text("goal", &typed[..*k]).is_err())
            .unwrap();
        let upto = |n: usize| {
            let mut p = base.fork();
            p.apply_changes(new[..n].iter().cloned()).unwrap();
            check_changes(Some(&base), &p, &new[..n])
        };
        assert_eq!(upto(k - 1), Ok(()));
        assert!(upto(k).is_err());
    }

    #[test]
    fn a_time_of_day_or_a_message_is_refused() {
        let mut a = doc(1);
        let base = a.fork();
        commit(&mut a, MIDNIGHT + 3_600, None, |tx| {
            tx.put(ROOT, "status", "active").unwrap();
        });
        assert_eq!(
            check_changes(Some(&base), &a, &new_changes(&base, &a)),
            Err(Carried::TimeOfDay)
        );
        let mut b = doc(2);
        let base = b.fork();
        commit(&mut b, MIDNIGHT, Some("typed by her on her phone"), |tx| {
            tx.put(ROOT, "status", "active").unwrap();
        });
        assert_eq!(
            check_changes(Some(&base), &b, &new_changes(&base, &b)),
            Err(Carried::Message)
        );
    }

    #[test]
    fn each_change_is_judged_in_its_own_history_not_in_what_the_node_holds() {
        // Two concurrent edits of one text: each alone is ordinary, merged they read as a
        // phone number. Each passes (on every node, whatever it holds); the merge is flagged.
        let mut a = doc(1);
        let goal = text_obj(&mut a);
        commit(&mut a, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 0, 0, "ring  after six").unwrap();
        });
        let base = a.fork();
        let mut b = a.fork();
        b.set_actor(ActorId::from([2; 32]));
        commit(&mut a, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 5, 0, "07700").unwrap();
        });
        commit(&mut b, MIDNIGHT, None, |tx| {
            tx.splice_text(&goal, 5, 0, "900123").unwrap();
        });
        let mut merged = a.fork();
        merged.merge(&mut b.fork()).unwrap();
        assert!(check_text("goal", &merged.text(&goal).unwrap()).is_err());
        // At a node that already holds a's change, b's change alone arrives.
        let new = new_changes(&a, &merged);
        assert_eq!(new.len(), 1);
        assert_eq!(check_changes(Some(&a), &merged, &new), Ok(()));
        // At a node that holds neither, both arrive: each is judged in its own history.
        let both = new_changes(&base, &merged);
        assert_eq!(both.len(), 2);
        assert_eq!(check_changes(Some(&base), &merged, &both), Ok(()));
        let flagged = merged_personal_data(check_text("goal", &merged.text(&goal).unwrap()), |p| {
            Some(p.clone())
        });
        assert!(matches!(flagged, Ok(Some(_))));
    }

    #[test]
    fn strings_put_in_maps_and_lists_are_checked_with_their_field() {
        let mut a = doc(1);
        let base = a.fork();
        commit(&mut a, MIDNIGHT, None, |tx| {
            let list = tx
                .put_object(ROOT, "labels", automerge::ObjType::List)
                .unwrap();
            tx.insert(&list, 0, "Citizens Advice").unwrap();
            tx.insert(&list, 1, "write to amina@example.org").unwrap();
        });
        assert!(matches!(
            check_changes(Some(&base), &a, &new_changes(&base, &a)),
            Err(Carried::PersonalData(p)) if p.field == "labels"
        ));
        // Ids and addresses are no free text: a peer id or a hex id is not a reference number.
        let mut b = doc(2);
        let base = b.fork();
        commit(&mut b, MIDNIGHT, None, |tx| {
            let h = tx
                .put_object(ROOT, "header", automerge::ObjType::Map)
                .unwrap();
            tx.put(&h, "network", "00112233445566778899aabbccddeeff")
                .unwrap();
            tx.put(ROOT, "addrs", "/ip4/10.0.0.1/tcp/7466/p2p/12D3KooW1234567")
                .unwrap();
        });
        assert_eq!(
            check_changes(Some(&base), &b, &new_changes(&base, &b)),
            Ok(())
        );
    }

    /// The patches of a load and a second apply give the same verdict on every change: a
    /// random run of edits to a text (some type a phone number, some delete it) and a last
    /// received change are judged from the load's patches and by applying it again alike.
    mod logged {
        use super::*;
        use proptest::prelude::*;

        fn edit_strategy() -> impl Strategy<Value = (usize, usize, &'static str)> {
            (
                0usize..40,
                0usize..6,
                prop::sample::select(vec![
                    "homes",
                    " for all ",
                    "07700 900123",
                    "مسكن",
                    "0",
                    "Call 0",
                    "7700 900 123",
                ]),
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn the_patches_of_a_load_judge_a_change_as_applying_it_again(
                history in prop::collection::vec(edit_strategy(), 0..12),
                received in prop::collection::vec(edit_strategy(), 1..3),
                time_of_day in prop::bool::ANY,
                another_between in prop::option::of(edit_strategy()),
            ) {
                let splice = |d: &mut Automerge, goal: &ObjId, (at, del, ins): (usize, usize, &str), time| {
                    let len = d.text(goal).unwrap().chars().count();
                    let at = at.min(len);
                    let del = del.min(len - at);
                    commit(d, time, None, |tx| {
                        tx.splice_text(goal, at, del as isize, ins).unwrap();
                    });
                };
                let mut a = doc(1);
                let goal = text_obj(&mut a);
                for e in history {
                    splice(&mut a, &goal, e, MIDNIGHT);
                }
                // Another group's edit last: the received change then also lists its actor's
                // previous change among its deps (Automerge 0.12).
                if let Some(e) = another_between {
                    let mut b = a.fork();
                    b.set_actor(ActorId::from([2; 32]));
                    splice(&mut b, &goal, e, MIDNIGHT);
                    a.merge(&mut b).unwrap();
                }
                let base = a.fork();
                let n = received.len();
                for e in received {
                    let time = if time_of_day { MIDNIGHT + 60 } else { MIDNIGHT };
                    splice(&mut a, &goal, e, time);
                }
                let new = new_changes(&base, &a);
                prop_assert_eq!(new.len(), n);
                let bytes: Vec<u8> = new.iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
                let mut candidate = base.fork();
                let mut log = PatchLog::active();
                candidate.load_incremental_log_patches(&bytes, &mut log).unwrap();
                let patches = candidate.make_patches(&mut log);
                prop_assert_eq!(
                    check_changes_logged(Some(&base), &candidate, &new, Some(&patches)),
                    check_changes(Some(&base), &candidate, &new)
                );
            }

            /// A document received whole is judged from the first state admission made (its
            /// first change applied, with the patches that logged) as from an empty document;
            /// and from a state that is not its first, as from the start.
            #[test]
            fn a_document_is_judged_from_its_first_state_as_from_the_start(
                first_text in prop::sample::select(vec!["", "homes", "07700 900123", "مسكن"]),
                history in prop::collection::vec(edit_strategy(), 0..12),
                time_of_day in prop::bool::ANY,
            ) {
                let mut a = doc(1);
                let mut goal = None;
                let time = if time_of_day { MIDNIGHT + 60 } else { MIDNIGHT };
                commit(&mut a, time, None, |tx| {
                    let g = tx.put_object(ROOT, "goal", automerge::ObjType::Text).unwrap();
                    tx.splice_text(&g, 0, 0, first_text).unwrap();
                    goal = Some(g);
                });
                let goal = goal.unwrap();
                for (at, del, ins) in history {
                    let len = a.text(&goal).unwrap().chars().count();
                    let at = at.min(len);
                    let del = del.min(len - at);
                    commit(&mut a, MIDNIGHT, None, |tx| {
                        tx.splice_text(&goal, at, del as isize, ins).unwrap();
                    });
                }
                let all = a.get_changes(&[]);
                let expected = check_changes(None, &a, &all);
                let mut first = Automerge::new();
                let mut log = PatchLog::active();
                first.apply_changes_log_patches([all[0].clone()], &mut log).unwrap();
                let patches = first.make_patches(&mut log);
                prop_assert_eq!(check_from_first(first, &patches, &a, &all), expected.clone());
                prop_assert_eq!(check_from_first(Automerge::new(), &[], &a, &all), expected);
            }
        }
    }
}
