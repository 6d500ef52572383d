//! A member crafting changes, against [`auth::admit`]: every crafted payload is refused for the
//! reason it deserves, and an honest change made afterwards on the same base by a legitimate
//! writer is still admitted. Also: no published tally holds a small count at any point of its
//! full history.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use automerge::legacy::OpType;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ChangeHash, ROOT, ScalarValue};
use commonground_protocol::auth::{self, AuthError, SignedHead};
use commonground_protocol::catalogue::{BUILT_IN, Catalogue};
use commonground_protocol::doc::{self, DocKind, Header};
use commonground_protocol::history::Carried;
use commonground_protocol::network::{Network, Role};
use commonground_protocol::plan::{NewPlan, Plan};
use commonground_protocol::publish::{Cell, PeriodCells, Published, StoredCell, published_id};
use commonground_protocol::{Day, DocId, GroupId, IssueKey};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

fn today() -> Day {
    "2026-11-25".parse().unwrap()
}

fn issue(i: usize) -> IssueKey {
    BUILT_IN[i % BUILT_IN.len()].0.parse().unwrap()
}

/// Cells for counts of the first issues, under `k`.
fn cells(counts: &[i64], k: i64) -> PeriodCells {
    let counts: BTreeMap<IssueKey, i64> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (issue(i), *c))
        .collect();
    PeriodCells::from_counts(&counts, k, &Catalogue::new(BTreeMap::new())).unwrap()
}

/// A group and its key.
struct Party {
    key: SigningKey,
    group: GroupId,
}

fn party(seed: u8) -> Party {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let group = GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap();
    Party { key, group }
}

/// The newest change by `p` in `doc`, signed by `p` for document `id`.
fn sign_newest(doc: &Automerge, id: &DocId, p: &Party) -> Option<SignedHead> {
    let actor = p.group.actor_id();
    doc.get_changes(&[])
        .into_iter()
        .filter(|c| c.actor_id() == &actor)
        .max_by_key(|c| c.seq())
        .map(|c| SignedHead::sign(&p.key, id, &c.hash()))
}

/// The newest change by `p`, signed, as a list.
fn signed_by(p: &Party) -> impl Fn(&Automerge, &DocId) -> Vec<SignedHead> + '_ {
    move |d, id| sign_newest(d, id, p).into_iter().collect()
}

/// The kinds of shared document a member can aim at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Network,
    Plan,
    Published,
}

/// A signature a member can offer for a change it made under another group's actor id.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    /// Signed with the attacker's own key.
    AttackerKey,
    /// The victim's key claimed, the attacker's signature.
    AttackerSigAsVictim,
    /// No signature at all.
    Unsigned,
    /// The victim's genuine signature of another (older) hash, pointed at the new one.
    VictimSigOfOtherHash,
}

/// What a member may try on the network document.
#[derive(Debug, Clone)]
enum NetEdit {
    PromoteSelf,
    PromoteVictim,
    SetK(i64),
    AddMember(u8),
    Rename(u16),
    RemoveVictim,
}

/// Which header field a writer rewrites.
#[derive(Debug, Clone, Copy)]
enum HeaderField {
    Owner,
    Network,
    Created,
    Kind,
    Delete,
}

/// Which plan text carries personal data.
#[derive(Debug, Clone, Copy)]
enum PlanField {
    Title,
    Goal,
    Demands,
}

#[derive(Debug, Clone)]
enum Attack {
    /// A change under the writer's actor id, made by the attacker.
    ForeignActor(Target, Forgery),
    /// The victim's published tally: edited, or created from scratch, by the attacker.
    OtherPublished {
        from_scratch: bool,
        counts: Vec<i64>,
    },
    /// A plan the attacker does not collaborate on (or adding itself to it).
    NotCollaborator { add_self: bool },
    /// The network document by a member that is not a coordinator.
    NetworkByMember(NetEdit),
    /// A writer's valid signature of another document: attached to a change of this one, or
    /// with the whole document cloned under a new id.
    Replay { target: Target, clone: bool },
    /// A chain of signed changes with one before the last left out.
    MissingHistory {
        target: Target,
        chain: usize,
        drop: usize,
    },
    /// A legitimate writer rewrites the header.
    HeaderRewrite(Target, HeaderField),
    /// A collaborator writes personal data into a plan.
    PersonalData(PlanField, String),
    /// A collaborator writes personal data into a plan and a second change deletes it again:
    /// the final state is clean, the history is not.
    HiddenInHistory(PlanField, String),
    /// A collaborator's change carries a message ("typed by … on her phone").
    WithMessage(String),
    /// A collaborator's change carries a time of day.
    TimeOfDay(i64),
    /// The attacker issues its own plan under the victim's plan's id (for a node that does not
    /// hold it yet), with itself as owner.
    SquatPlan,
    /// The attacker issues "generation n" of the victim's plan, header and owner kept, with
    /// itself as the only collaborator (for a node that does not hold it yet).
    ForgedGeneration(u64),
}

impl Attack {
    /// Whether `e` is the refusal this attack deserves.
    fn expected(&self, e: &AuthError) -> bool {
        match self {
            // A plan's id is bound to its header: under another id it is refused before its
            // signatures are looked at.
            Self::Replay {
                target: Target::Plan,
                clone: true,
            } => matches!(e, AuthError::Header(_)),
            Self::ForeignActor(..) | Self::Replay { .. } => {
                matches!(e, AuthError::Unsigned { .. })
            }
            Self::SquatPlan => matches!(e, AuthError::Header(_)),
            Self::ForgedGeneration(_) => e == &AuthError::Unendorsed,
            Self::OtherPublished { from_scratch, .. } => {
                if *from_scratch {
                    matches!(e, AuthError::Header(_))
                } else {
                    matches!(e, AuthError::NotWriter { .. })
                }
            }
            Self::NotCollaborator { .. } | Self::NetworkByMember(_) => {
                matches!(e, AuthError::NotWriter { .. })
            }
            Self::MissingHistory { .. } => e == &AuthError::MissingHistory,
            Self::HeaderRewrite(..) => matches!(e, AuthError::Header(_)),
            Self::PersonalData(..) | Self::HiddenInHistory(..) => {
                matches!(e, AuthError::Carried(Carried::PersonalData(_)))
            }
            Self::WithMessage(_) => e == &AuthError::Carried(Carried::Message),
            Self::TimeOfDay(_) => e == &AuthError::Carried(Carried::TimeOfDay),
        }
    }
}

/// What a node would be asked to admit.
struct Case {
    id: DocId,
    base: Option<Automerge>,
    candidate: Automerge,
    signed: Vec<SignedHead>,
}

/// A network (coordinator `c`, members `v` the victim and `m` the attacker), a plan written by
/// `v` and `c`, and `v`'s published tally, each with the signed heads a member node holds.
struct World {
    c: Party,
    v: Party,
    m: Party,
    net: Network,
    docs: BTreeMap<&'static str, (DocId, Automerge)>,
}

impl World {
    fn new(seed: u8) -> Self {
        let (c, v, m) = (party(seed), party(seed + 60), party(seed + 120));
        let nid = DocId::from_bytes([seed; 16]);
        let mut net = Network::new("Midlands", c.group, "Coventry", today(), vec![]).unwrap();
        net.add_member(v.group, "Victim group", Role::Member, today(), vec![])
            .unwrap();
        net.add_member(m.group, "Mallory group", Role::Member, today(), vec![])
            .unwrap();
        let net_doc = doc::create(c.group, Some(nid), today(), &net).unwrap();
        let new = NewPlan {
            title: "Housing".into(),
            goal: "Safe homes".into(),
            demands: String::new(),
        };
        let (pid, mut plan) = doc::create_bound(
            v.group,
            Some(nid),
            today(),
            &Plan::new(&new, v.group).unwrap(),
            [seed.wrapping_add(1); 16],
        )
        .unwrap();
        doc::edit::<Plan, _>(&mut plan, &v.group, today(), |p| {
            p.add_collaborator(c.group)
        })
        .unwrap();
        doc::edit::<Plan, _>(&mut plan, &c.group, today(), |p| {
            p.demands.set("Repairs");
            Ok(())
        })
        .unwrap();
        let published = Published {
            periods: BTreeMap::from([("2026-10".to_string(), cells(&[12, 3], 5))]),
        };
        let pub_doc = doc::create(v.group, Some(nid), today(), &published).unwrap();
        let docs = BTreeMap::from([
            ("network", (nid, net_doc)),
            ("plan", (pid, plan)),
            ("published", (published_id(&nid, &v.group), pub_doc)),
        ]);
        Self { c, v, m, net, docs }
    }

    fn doc(&self, t: Target) -> (DocId, &Automerge) {
        let (id, d) = &self.docs[match t {
            Target::Network => "network",
            Target::Plan => "plan",
            Target::Published => "published",
        }];
        (*id, d)
    }

    /// The group that may write the target (and has written it).
    fn writer(&self, t: Target) -> &Party {
        match t {
            Target::Network => &self.c,
            Target::Plan | Target::Published => &self.v,
        }
    }

    /// Another document the target's writer has signed, for replays.
    fn other(&self, t: Target) -> Target {
        match t {
            Target::Network | Target::Published => Target::Plan,
            Target::Plan => Target::Published,
        }
    }

    /// The signed heads a member node holds for a document: each author's newest.
    fn held(&self, doc: &Automerge, id: &DocId) -> Vec<SignedHead> {
        [&self.c, &self.v, &self.m]
            .into_iter()
            .filter_map(|p| sign_newest(doc, id, p))
            .collect()
    }

    fn admit(&self, case: &Case) -> Result<auth::Admitted, AuthError> {
        auth::admit(
            &case.id,
            case.base.as_ref(),
            &case.candidate,
            &[],
            &case.signed,
            Some(&self.net),
        )
    }

    /// `target` with `f` applied to a fork of it, and the held signed heads plus `extra`.
    fn on_target(
        &self,
        t: Target,
        f: impl FnOnce(&mut Automerge),
        extra: impl FnOnce(&Automerge, &DocId) -> Vec<SignedHead>,
    ) -> Case {
        let (id, base) = self.doc(t);
        let mut candidate = base.fork();
        f(&mut candidate);
        let mut signed = self.held(base, &id);
        signed.extend(extra(&candidate, &id));
        Case {
            id,
            base: Some(base.fork()),
            candidate,
            signed,
        }
    }

    /// A change of the plan by its writer, committed with `opts` as they are (not through the
    /// schema, which always commits at midnight with no message), signed.
    fn raw_note(&self, opts: CommitOptions) -> Case {
        self.on_target(
            Target::Plan,
            |d| {
                d.set_actor(self.v.group.actor_id());
                let mut tx = d.transaction();
                tx.put(ROOT, "note", "ok").unwrap();
                tx.commit_with(opts);
            },
            signed_by(&self.v),
        )
    }

    /// An honest change by the target's writer on the same base, signed.
    fn honest(&self, t: Target, salt: u16) -> Case {
        let w = self.writer(t);
        self.on_target(
            t,
            |d| {
                edit(t, d, &w.group, salt);
            },
            signed_by(w),
        )
    }

    /// The attack's payload, and the honest one to admit after it.
    /// `forged`, made and signed by the attacker, under the target's id, for a node that does not
    /// hold the target yet; and the genuine document with its signed heads.
    fn unheld(&self, t: Target, forged: Automerge) -> (Case, Case) {
        let (id, genuine) = self.doc(t);
        let case = Case {
            id,
            base: None,
            signed: signed_by(&self.m)(&forged, &id),
            candidate: forged,
        };
        let honest = Case {
            id,
            base: None,
            candidate: genuine.fork(),
            signed: self.held(genuine, &id),
        };
        (case, honest)
    }

    fn craft(&self, attack: &Attack, salt: u16) -> (Case, Case) {
        let m = &self.m;
        match attack {
            Attack::ForeignActor(t, forgery) => {
                let w = self.writer(*t);
                let (id, base) = self.doc(*t);
                let mut candidate = base.fork();
                let hash = edit(*t, &mut candidate, &w.group, salt);
                let genuine = sign_newest(base, &id, w).unwrap();
                let mut signed = self.held(base, &id);
                match forgery {
                    Forgery::AttackerKey => signed.push(SignedHead::sign(&m.key, &id, &hash)),
                    Forgery::AttackerSigAsVictim => signed.push(SignedHead {
                        author: genuine.author,
                        ..SignedHead::sign(&m.key, &id, &hash)
                    }),
                    Forgery::Unsigned => {}
                    Forgery::VictimSigOfOtherHash => signed.push(SignedHead {
                        hash: hash.0,
                        ..genuine
                    }),
                }
                let case = Case {
                    id,
                    base: Some(base.fork()),
                    candidate,
                    signed,
                };
                (case, self.honest(*t, salt))
            }
            Attack::OtherPublished {
                from_scratch: false,
                counts,
            } => {
                let case = self.on_target(
                    Target::Published,
                    |d| {
                        doc::edit::<Published, _>(d, &m.group, today(), |p| {
                            p.periods.insert("2026-11".into(), cells(counts, 5));
                            Ok(())
                        })
                        .unwrap();
                    },
                    signed_by(m),
                );
                (case, self.honest(Target::Published, salt))
            }
            Attack::OtherPublished {
                from_scratch: true,
                counts,
            } => {
                // The attacker writes the victim's published tally as if it were the victim's.
                let (_, genuine) = self.doc(Target::Published);
                let header = Header {
                    owner: self.v.group,
                    ..doc::header(genuine).unwrap()
                };
                let body = Published {
                    periods: BTreeMap::from([("2026-11".to_string(), cells(counts, 5))]),
                };
                let forged = doc::first_state(&header, &m.group, today(), &body).unwrap();
                self.unheld(Target::Published, forged)
            }
            Attack::NotCollaborator { add_self } => {
                let case = self.on_target(
                    Target::Plan,
                    |d| {
                        doc::edit::<Plan, _>(d, &m.group, today(), |p| {
                            if *add_self {
                                p.add_collaborator(m.group)
                            } else {
                                p.goal.set("Mallory's goal");
                                Ok(())
                            }
                        })
                        .unwrap();
                    },
                    signed_by(m),
                );
                (case, self.honest(Target::Plan, salt))
            }
            Attack::NetworkByMember(what) => {
                let case = self.on_target(
                    Target::Network,
                    |d| {
                        doc::edit::<Network, _>(d, &m.group, today(), |n| match what {
                            NetEdit::PromoteSelf => n.set_role(&m.group, Role::Coordinator),
                            NetEdit::PromoteVictim => n.set_role(&self.v.group, Role::Coordinator),
                            NetEdit::SetK(k) => n.set_k(*k),
                            NetEdit::AddMember(seed) => n.add_member(
                                party(*seed).group,
                                "Friend",
                                Role::Member,
                                today(),
                                vec![],
                            ),
                            NetEdit::Rename(i) => {
                                n.name = format!("Mallory's network {i}");
                                Ok(())
                            }
                            NetEdit::RemoveVictim => {
                                n.remove_member(&self.v.group, today(), vec![])
                            }
                        })
                        .unwrap();
                    },
                    signed_by(m),
                );
                (case, self.honest(Target::Network, salt))
            }
            Attack::Replay {
                target,
                clone: false,
            } => {
                let w = self.writer(*target);
                let (oid, other) = self.doc(self.other(*target));
                let replayed = sign_newest(other, &oid, w).unwrap();
                let case = self.on_target(
                    *target,
                    |d| {
                        edit(*target, d, &w.group, salt);
                    },
                    |_, _| vec![replayed],
                );
                // The same change with its own signature passes.
                let honest = Case {
                    signed: [
                        case.signed.clone(),
                        sign_newest(&case.candidate, &case.id, w)
                            .into_iter()
                            .collect(),
                    ]
                    .concat(),
                    id: case.id,
                    base: case.base.as_ref().map(Automerge::fork),
                    candidate: case.candidate.fork(),
                };
                (case, honest)
            }
            Attack::Replay {
                target,
                clone: true,
            } => {
                // The whole document under a new id, with the signatures made for the old one.
                let (id, genuine) = self.doc(*target);
                let new_id = DocId::from_bytes([0xee; 16]);
                let case = Case {
                    id: new_id,
                    base: None,
                    candidate: genuine.fork(),
                    signed: self.held(genuine, &id),
                };
                // (A plan can only be under the id its header binds: its honest case is itself.)
                let honest_id = if *target == Target::Plan { id } else { new_id };
                let honest = Case {
                    id: honest_id,
                    base: None,
                    candidate: genuine.fork(),
                    signed: self.held(genuine, &honest_id),
                };
                (case, honest)
            }
            Attack::MissingHistory {
                target,
                chain,
                drop,
            } => {
                let w = self.writer(*target);
                let (id, base) = self.doc(*target);
                let mut full = base.fork();
                for i in 0..*chain {
                    edit(*target, &mut full, &w.group, salt.wrapping_add(i as u16));
                }
                let added = full.get_changes(&base.get_heads());
                assert_eq!(added.len(), *chain);
                let mut partial = base.fork();
                partial
                    .apply_changes(
                        added
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| i != drop)
                            .map(|(_, c)| c.clone()),
                    )
                    .unwrap();
                let mut signed = self.held(base, &id);
                signed.extend(sign_newest(&full, &id, w));
                let case = Case {
                    id,
                    base: Some(base.fork()),
                    candidate: partial,
                    signed: signed.clone(),
                };
                let honest = Case {
                    id,
                    base: Some(base.fork()),
                    candidate: full,
                    signed,
                };
                (case, honest)
            }
            Attack::HeaderRewrite(t, field) => {
                let w = self.writer(*t);
                let case = self.on_target(
                    *t,
                    |d| {
                        let h = doc::header(d).unwrap();
                        let h = match field {
                            HeaderField::Owner => Header {
                                owner: m.group,
                                ..h
                            },
                            HeaderField::Network => Header {
                                network: Some(DocId::from_bytes([0xab; 16])),
                                ..h
                            },
                            HeaderField::Created => Header {
                                created: "2025-01-01".parse().unwrap(),
                                ..h
                            },
                            HeaderField::Kind => Header {
                                kind: match h.kind {
                                    DocKind::Network => DocKind::Plan,
                                    DocKind::Plan => DocKind::Published,
                                    _ => DocKind::Network,
                                },
                                ..h
                            },
                            HeaderField::Delete => h,
                        };
                        d.set_actor(w.group.actor_id());
                        d.transact_with::<_, _, autosurgeon::ReconcileError, _>(
                            |_| doc::commit_options(today()),
                            |tx| {
                                if matches!(field, HeaderField::Delete) {
                                    tx.delete(ROOT, "header")?;
                                    Ok(())
                                } else {
                                    autosurgeon::reconcile_prop(tx, ROOT, "header", &h)
                                }
                            },
                        )
                        .unwrap();
                    },
                    signed_by(w),
                );
                (case, self.honest(*t, salt))
            }
            Attack::PersonalData(field, text) => {
                let case = self.on_target(
                    Target::Plan,
                    |d| set_plan_field(d, &self.v.group, *field, text),
                    signed_by(&self.v),
                );
                (case, self.honest(Target::Plan, salt))
            }
            Attack::HiddenInHistory(field, text) => {
                let case = self.on_target(
                    Target::Plan,
                    |d| {
                        set_plan_field(d, &self.v.group, *field, text);
                        set_plan_field(d, &self.v.group, *field, "Homes for every family");
                    },
                    signed_by(&self.v),
                );
                let body: Plan = doc::read(&case.candidate).unwrap();
                assert!(body.check().is_ok(), "the final state holds nothing");
                (case, self.honest(Target::Plan, salt))
            }
            Attack::WithMessage(message) => {
                let opts = CommitOptions::default()
                    .with_time(today().unix_start())
                    .with_message(message.clone());
                (self.raw_note(opts), self.honest(Target::Plan, salt))
            }
            Attack::TimeOfDay(seconds) => {
                let opts = CommitOptions::default().with_time(today().unix_start() + seconds);
                (self.raw_note(opts), self.honest(Target::Plan, salt))
            }
            Attack::SquatPlan | Attack::ForgedGeneration(_) => {
                let (_, genuine) = self.doc(Target::Plan);
                let mut body: Plan = doc::read(genuine).unwrap();
                body.collaborators = vec![m.group];
                let forged = match attack {
                    Attack::SquatPlan => {
                        let mut salt_bytes = [0u8; 16];
                        salt_bytes[..2].copy_from_slice(&salt.to_le_bytes());
                        doc::create_bound(
                            m.group,
                            doc::header(genuine).unwrap().network,
                            today(),
                            &body,
                            salt_bytes,
                        )
                        .unwrap()
                        .1
                    }
                    Attack::ForgedGeneration(n) => {
                        let header = doc::header(genuine).unwrap();
                        let header = Header {
                            generation: commonground_protocol::generation::Generation {
                                n: *n,
                                by: Some(m.group),
                                day: Some(today()),
                                replaces: vec![],
                            },
                            ..header
                        };
                        doc::first_state(&header, &m.group, today(), &body).unwrap()
                    }
                    _ => unreachable!(),
                };
                self.unheld(Target::Plan, forged)
            }
        }
    }
}

/// A clean edit of the target's body as `author`, different from every earlier one.
fn edit(t: Target, d: &mut Automerge, author: &GroupId, salt: u16) -> ChangeHash {
    let n = d.get_changes(&[]).len() * 1000 + usize::from(salt % 1000);
    let (_, hash) = match t {
        Target::Network => doc::edit::<Network, _>(d, author, today(), |net| {
            net.name = format!("Midlands {n}");
            Ok(())
        }),
        Target::Plan => doc::edit::<Plan, _>(d, author, today(), |p| {
            p.goal.set(format!("Safe homes, step {n}"));
            Ok(())
        }),
        Target::Published => doc::edit::<Published, _>(d, author, today(), |p| {
            let period = format!("2026-{:02}", n % 12 + 1);
            p.periods.insert(period, cells(&[5 + n as i64], 5));
            Ok(())
        }),
    }
    .unwrap();
    hash.unwrap()
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Network),
        Just(Target::Plan),
        Just(Target::Published)
    ]
}

/// Writes `text` into a plan field as `group`'s change.
fn set_plan_field(d: &mut Automerge, group: &GroupId, field: PlanField, text: &str) {
    doc::edit::<Plan, _>(d, group, today(), |p| {
        match field {
            PlanField::Title => p.title.0 = text.to_string(),
            PlanField::Goal => p.goal.set(text),
            PlanField::Demands => p.demands.set(text),
        }
        Ok(())
    })
    .unwrap();
}

fn personal_data() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..1_000_000).prop_map(|n| format!("call 07700 {n:06} for a lift")),
        (0u32..1_000_000).prop_map(|n| format!("ring +44 7700 {n:06} tonight")),
        ("[a-z]{3,8}", "[a-z]{3,8}").prop_map(|(u, d)| format!("write to {u}@{d}.org")),
        (10u8..99, 10u8..99, 10u8..99).prop_map(|(a, b, c)| format!("her NI is JH {a} {b} {c} C")),
    ]
}

fn attack() -> impl Strategy<Value = Attack> {
    let forgery = prop_oneof![
        Just(Forgery::AttackerKey),
        Just(Forgery::AttackerSigAsVictim),
        Just(Forgery::Unsigned),
        Just(Forgery::VictimSigOfOtherHash),
    ];
    let net_edit = prop_oneof![
        Just(NetEdit::PromoteSelf),
        Just(NetEdit::PromoteVictim),
        // Never the default k (5): setting it again writes no change, so there would be nothing to refuse.
        (0i64..=100)
            .prop_filter("not the default k", |k| *k != 5)
            .prop_map(NetEdit::SetK),
        (200u8..=255).prop_map(NetEdit::AddMember),
        any::<u16>().prop_map(NetEdit::Rename),
        Just(NetEdit::RemoveVictim),
    ];
    let header_field = prop_oneof![
        Just(HeaderField::Owner),
        Just(HeaderField::Network),
        Just(HeaderField::Created),
        Just(HeaderField::Kind),
        Just(HeaderField::Delete),
    ];
    let plan_field = prop_oneof![
        Just(PlanField::Title),
        Just(PlanField::Goal),
        Just(PlanField::Demands),
    ];
    prop_oneof![
        (target(), forgery).prop_map(|(t, f)| Attack::ForeignActor(t, f)),
        (any::<bool>(), prop::collection::vec(0i64..40, 1..6)).prop_map(
            |(from_scratch, counts)| {
                Attack::OtherPublished {
                    from_scratch,
                    counts,
                }
            }
        ),
        any::<bool>().prop_map(|add_self| Attack::NotCollaborator { add_self }),
        net_edit.prop_map(Attack::NetworkByMember),
        (target(), any::<bool>()).prop_map(|(target, clone)| Attack::Replay { target, clone }),
        (target(), 2usize..5)
            .prop_flat_map(|(t, chain)| (Just(t), Just(chain), 0..chain - 1))
            .prop_map(|(target, chain, drop)| Attack::MissingHistory {
                target,
                chain,
                drop
            }),
        (target(), header_field).prop_map(|(t, f)| Attack::HeaderRewrite(t, f)),
        (plan_field.clone(), personal_data()).prop_map(|(f, t)| Attack::PersonalData(f, t)),
        (plan_field, personal_data()).prop_map(|(f, t)| Attack::HiddenInHistory(f, t)),
        "(typed by|sent from|entered for) [a-z]{3,8}( on her phone)?".prop_map(Attack::WithMessage),
        (1i64..86_400).prop_map(Attack::TimeOfDay),
        Just(Attack::SquatPlan),
        (1u64..=u64::MAX).prop_map(Attack::ForgedGeneration),
    ]
}

/// Every integer an operation of `doc`'s history ever wrote.
fn every_integer_written(d: &Automerge) -> Vec<i64> {
    d.get_changes(&[])
        .iter()
        .flat_map(|c| c.decode().operations)
        .filter_map(|op| match op.action {
            OpType::Put(ScalarValue::Int(i)) | OpType::Increment(i) => Some(i),
            OpType::Put(ScalarValue::Uint(u)) => Some(i64::try_from(u).unwrap_or(i64::MAX)),
            OpType::Put(ScalarValue::Counter(c)) => Some(i64::from(&c)),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every crafted payload is refused, for its own reason; the honest change after it passes.
    #[test]
    fn crafted_changes_are_refused_and_honest_ones_still_pass(
        seed in 1u8..60,
        attack in attack(),
        salt in any::<u16>(),
    ) {
        let world = World::new(seed);
        let (crafted, honest) = world.craft(&attack, salt);
        match world.admit(&crafted) {
            Ok(_) => prop_assert!(false, "{attack:?} was admitted"),
            Err(e) => prop_assert!(attack.expected(&e), "{attack:?} refused for the wrong reason: {e}"),
        }
        if let Err(e) = world.admit(&honest) {
            prop_assert!(false, "the honest change after {attack:?} was refused: {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A published tally edited again and again never held, at any change of its history, a
    /// count from 1 to k−1: neither in any operation ever written nor in any cell at any heads.
    #[test]
    fn no_change_of_a_published_history_holds_a_small_count(
        k in 2i64..10,
        edits in prop::collection::vec(
            (0usize..3, prop::collection::vec(0i64..30, 1..8)),
            1..8,
        ),
    ) {
        let v = party(7);
        let network = DocId::from_bytes([7; 16]);
        let mut d = doc::create(v.group, Some(network), today(), &Published::default()).unwrap();
        for (period, counts) in &edits {
            let cells = cells(counts, k);
            doc::edit::<Published, _>(&mut d, &v.group, today(), |p| {
                p.periods.insert(format!("2026-{:02}", period + 9), cells);
                Ok(())
            })
            .unwrap();
        }
        let small = 1..k;
        for n in every_integer_written(&d) {
            prop_assert!(!small.contains(&n), "{n} was written under k={k}");
        }
        let saved = Automerge::load(&d.save()).unwrap();
        prop_assert_eq!(every_integer_written(&saved), every_integer_written(&d));
        for change in d.get_changes(&[]) {
            let then = d.fork_at(&[change.hash()]).unwrap();
            let body: Published = doc::read(&then).unwrap();
            for period in body.periods.values() {
                prop_assert_eq!(period.k, k);
                for (issue, stored) in &period.cells {
                    let StoredCell { a, b, .. } = stored;
                    prop_assert!(!small.contains(a) && !small.contains(b), "{issue}: {stored:?}");
                    let cell = Cell::try_from(stored).unwrap();
                    let (low, high) = cell.range();
                    prop_assert!(low == 0 || low >= k, "{issue}: {cell:?}");
                    match cell {
                        Cell::FewerThan { k: at } => prop_assert_eq!(at, k),
                        _ => prop_assert!(high == 0 || high >= k, "{issue}: {cell:?}"),
                    }
                }
            }
        }
    }
}
