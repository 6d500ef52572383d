//! One sync session this node opens, as a state machine with no IO: it is handed each answer of
//! the peer and says what to send next, and it works on the documents only when handed them
//! (`with_docs`, with the time now). The node's async driver runs it over the network, one step
//! of documents work per actor job; its deterministic simulation runs the same machine over a
//! simulated network in one thread, and this module's tests run two replicas in a loop.
//!
//! The exchange (PROTOCOL.md §6): `Hello` (with catch-ups) → `Hello` answer; then, where
//! histories diverged, rounds of `Sync` (each split into requests of bounded size) until neither
//! side has more to send or [`MAX_ROUNDS`] were run; then `Commit` of the heads looked at, and the
//! agreement the peer confirmed is recorded.

use std::collections::{HashSet, VecDeque};

use crate::ids::{DocId, GroupId};
use crate::sync::{self as wire, DocHeads, DocPayload, MAX_ROUNDS, Request, Response, SessionPlan};
use tracing::debug;

use super::{HelloAnswer, NotShared, Replica};

/// The most payload bytes sent in one request: large catch-ups go in several requests, each well
/// under the protocol's message limit.
const CHUNK_BYTES: usize = 8 * 1024 * 1024;
/// The most documents in one request.
const CHUNK_DOCS: usize = 2048;

/// Why a session ended before it was done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The network is not one this node and the peer both belong to (here).
    #[error(transparent)]
    NotShared(#[from] NotShared),
    /// The peer refused.
    #[error("refused: {0}")]
    Refused(String),
    /// The peer answered out of turn.
    #[error("unexpected answer")]
    Unexpected,
    /// The peer's answer carried changes this node may not accept.
    #[error("the peer sent forbidden changes: {0}")]
    Forbidden(String),
}

/// A session error for an answer that is not the one expected: the peer's refusal, or out of
/// turn.
pub fn expect_refusal(r: Response) -> SessionError {
    match r {
        Response::Refused { message, .. } => SessionError::Refused(message),
        _ => SessionError::Unexpected,
    }
}

/// A session error for this node's own refusal of what the peer sent: forbidden changes are
/// the peer's offence.
pub fn own_refusal(r: Response) -> SessionError {
    match r {
        Response::Refused {
            reason: wire::Refusal::Forbidden,
            message,
        } => SessionError::Forbidden(message),
        other => expect_refusal(other),
    }
}

/// What an answer leads to.
#[derive(Debug)]
pub enum Answered {
    /// Send this request next; the documents are not needed.
    Send(Request),
    /// Call [`Initiator::with_docs`].
    NeedsDocs,
}

/// What work on the documents leads to.
#[derive(Debug)]
pub enum Step {
    /// Send this request next.
    Send(Request),
    /// The session is over: the number of documents it looked at.
    Done(usize),
}

/// Where a session stands.
enum Stage {
    /// `Hello` sent: waiting for its answer (what it listed kept to read the answer by).
    Hello { listed: Vec<DocHeads> },
    /// The answer to `Hello` arrived: to be planned on the documents.
    Plan(HelloAnswer),
    /// A round is being sent: the requests not yet sent, and what their answers brought.
    Round {
        unsent: VecDeque<Vec<DocPayload>>,
        incoming: Vec<DocPayload>,
        deferred: Vec<DocId>,
    },
    /// Every request of a round answered: to be applied on the documents.
    Apply {
        incoming: Vec<DocPayload>,
        deferred: Vec<DocId>,
    },
    /// `Commit` sent: waiting for the peer's confirmation of these heads.
    Commit { heads: Vec<DocHeads> },
    /// The peer confirmed some heads: to be recorded on the documents.
    Agree {
        confirmed: Vec<DocHeads>,
        unconfirmed: Vec<DocId>,
    },
    /// Over (or failed).
    Over,
}

/// A session this node opened with `peer` for `network`.
pub struct Initiator {
    peer: GroupId,
    network: DocId,
    stage: Stage,
    /// The plan made from the answer to `Hello`.
    plan: SessionPlan,
    /// The documents this session records an agreement of.
    looked_at: Vec<DocId>,
    rounds: usize,
}

impl std::fmt::Debug for Initiator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Initiator")
            .field("peer", &self.peer.short())
            .field("network", &self.network)
            .field("rounds", &self.rounds)
            .finish_non_exhaustive()
    }
}

impl Initiator {
    /// Opens a session: the machine, and the `Hello` to send.
    pub fn open(
        set: &mut Replica,
        peer: GroupId,
        network: DocId,
    ) -> Result<(Self, Request), SessionError> {
        let hello = set.hello(&peer, &network)?;
        let listed = match &hello {
            Request::Hello { changed, .. } => changed.clone(),
            _ => Vec::new(),
        };
        let me = Self {
            peer,
            network,
            stage: Stage::Hello { listed },
            plan: SessionPlan::default(),
            looked_at: Vec::new(),
            rounds: 0,
        };
        Ok((me, hello))
    }

    /// Takes the peer's answer to the last request sent. An answer out of turn or a refusal
    /// ends the session with an error.
    pub fn answer(&mut self, response: Response) -> Result<Answered, SessionError> {
        match (std::mem::replace(&mut self.stage, Stage::Over), response) {
            (
                Stage::Hello { listed },
                Response::Hello {
                    digest_ok,
                    docs,
                    catchup,
                    agreed,
                    same,
                },
            ) => {
                self.stage = Stage::Plan(HelloAnswer {
                    digest_ok,
                    docs,
                    catchup,
                    agreed,
                    same,
                    listed,
                });
                Ok(Answered::NeedsDocs)
            }
            (
                Stage::Round {
                    mut unsent,
                    mut incoming,
                    mut deferred,
                },
                Response::Sync { docs, deferred: d },
            ) => {
                incoming.extend(docs);
                deferred.extend(d);
                match unsent.pop_front() {
                    Some(next) => {
                        self.stage = Stage::Round {
                            unsent,
                            incoming,
                            deferred,
                        };
                        Ok(Answered::Send(self.sync(next)))
                    }
                    None => {
                        self.stage = Stage::Apply { incoming, deferred };
                        Ok(Answered::NeedsDocs)
                    }
                }
            }
            (Stage::Commit { heads }, Response::Committed { docs: agreed }) => {
                let agreed: HashSet<DocId> = agreed.into_iter().collect();
                let (confirmed, unconfirmed): (Vec<DocHeads>, Vec<DocHeads>) =
                    heads.into_iter().partition(|h| agreed.contains(&h.doc));
                self.stage = Stage::Agree {
                    confirmed,
                    unconfirmed: unconfirmed.into_iter().map(|h| h.doc).collect(),
                };
                Ok(Answered::NeedsDocs)
            }
            (_, other) => Err(expect_refusal(other)),
        }
    }

    /// Does the documents work the last answer needs (after [`Answered::NeedsDocs`]) and says
    /// what comes next. What it changes is left in the replica's outbox, to be stored.
    pub fn with_docs(&mut self, set: &mut Replica, now: i64) -> Result<Step, SessionError> {
        let (peer, network) = (self.peer, self.network);
        match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Plan(answer) => {
                let digest_ok = answer.digest_ok;
                let caught_up = answer.catchup.len();
                let (plan, out) = set
                    .plan(&peer, &network, answer, now)?
                    .map_err(own_refusal)?;
                // With matching digests, documents now equal were settled by the `Hello` (each
                // side recorded what it could); a digest mismatch rebuilds the agreement of
                // everything looked at.
                self.looked_at = if digest_ok {
                    plan.send_whole
                        .iter()
                        .chain(&plan.want)
                        .chain(&plan.sync)
                        .copied()
                        .collect()
                } else {
                    plan.all().copied().collect()
                };
                let equal = plan.equal.len();
                self.plan = plan;
                if self.looked_at.is_empty() {
                    debug!(peer = %peer.short(), %network, caught_up, equal, "session done in one round trip");
                    return Ok(Step::Done(equal));
                }
                Ok(self.next_round(set, out))
            }
            Stage::Apply { incoming, deferred } => {
                let mut out = set
                    .receive(&peer, &network, incoming, false, &self.plan.sync)
                    .map_err(own_refusal)?;
                // Whole documents the peer's answers had no room for are asked for again, but
                // only those looked at this session: an answer cannot make it ask for more.
                if !deferred.is_empty() {
                    let planned: HashSet<&DocId> = self.looked_at.iter().collect();
                    let mut asked: HashSet<DocId> = out.iter().map(|p| p.doc).collect();
                    for id in deferred.into_iter().filter(|d| planned.contains(d)) {
                        if asked.insert(id) {
                            out.push(DocPayload {
                                doc: id,
                                payload: wire::Payload::Want,
                                signed: vec![],
                                generation: Default::default(),
                            });
                        }
                    }
                }
                Ok(self.next_round(set, out))
            }
            Stage::Agree {
                confirmed,
                unconfirmed,
            } => {
                let n = confirmed.len();
                set.agree(&peer, &confirmed, now);
                set.disagree(&peer, unconfirmed.into_iter());
                debug!(peer = %peer.short(), %network, docs = self.looked_at.len(), agreed = n, rounds = self.rounds, "session done");
                Ok(Step::Done(self.looked_at.len()))
            }
            _ => Err(SessionError::Unexpected),
        }
    }

    /// Sends the next round's payloads, or commits when there are none (or enough rounds ran).
    fn next_round(&mut self, set: &Replica, out: Vec<DocPayload>) -> Step {
        if !out.is_empty() && self.rounds < MAX_ROUNDS {
            self.rounds += 1;
            let mut unsent: VecDeque<Vec<DocPayload>> = chunks(out).into();
            let first = unsent.pop_front().unwrap_or_default();
            self.stage = Stage::Round {
                unsent,
                incoming: Vec::new(),
                deferred: Vec::new(),
            };
            return Step::Send(self.sync(first));
        }
        let heads = set.heads_of(self.looked_at.iter());
        self.stage = Stage::Commit {
            heads: heads.clone(),
        };
        Step::Send(Request::Commit {
            network: self.network,
            docs: heads,
        })
    }

    fn sync(&self, docs: Vec<DocPayload>) -> Request {
        Request::Sync {
            network: self.network,
            docs,
        }
    }
}

/// Splits a round's payloads into requests of bounded size.
fn chunks(payloads: Vec<DocPayload>) -> Vec<Vec<DocPayload>> {
    let mut out: Vec<Vec<DocPayload>> = vec![Vec::new()];
    let mut bytes = 0;
    for p in payloads {
        let size = p.size();
        let last = out.last_mut().expect("never empty");
        if !last.is_empty() && (bytes + size > CHUNK_BYTES || last.len() >= CHUNK_DOCS) {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        out.last_mut().expect("never empty").push(p);
    }
    out
}
