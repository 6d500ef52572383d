//! Refused requests, logged so that no peer can flood the log: the first refusal of a peer's
//! request is logged at once, the next ones are counted and said in one line a minute per peer,
//! with the count by reason, until a minute passes with none. [`Refusals`] decides the lines;
//! its caller writes them and counts every refusal in the node's metrics (`Traffic::refused`).
//! Time is passed in, so that the rule is tested without waiting.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use commonground_protocol::ids::GroupId;
use commonground_protocol::sync::Refusal;

/// How often a peer's refusals are said at most (after the first).
pub const WINDOW: Duration = Duration::from_secs(60);
/// The most peers whose refusals are counted one by one; the others share one count (a flood
/// of new peer ids must not grow this without bound).
const MAX_PEERS: usize = 1024;

/// A stable word for a refusal's reason (log fields and metric labels).
pub fn label(reason: &Refusal) -> &'static str {
    match reason {
        Refusal::NotMember => "not_member",
        Refusal::Invite => "invite",
        Refusal::Malformed => "malformed",
        Refusal::Unavailable => "unavailable",
        Refusal::Forbidden => "forbidden",
        Refusal::Content => "content",
    }
}

/// A line to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The first refusal of a peer's request in a while.
    First {
        /// The peer (`None`: one of the peers beyond [`MAX_PEERS`]).
        peer: Option<GroupId>,
        /// Why.
        reason: &'static str,
    },
    /// The refusals counted since the last line, by reason.
    Summary {
        /// The peer (`None`: the peers beyond [`MAX_PEERS`], together).
        peer: Option<GroupId>,
        /// How many of each reason.
        counts: BTreeMap<&'static str, u64>,
    },
}

impl Line {
    /// How many refusals a summary tells of.
    pub fn total(&self) -> u64 {
        match self {
            Self::First { .. } => 1,
            Self::Summary { counts, .. } => counts.values().sum(),
        }
    }
}

#[derive(Debug)]
struct Window {
    /// When the last line about this peer was said.
    said: Instant,
    /// Refusals since.
    counts: BTreeMap<&'static str, u64>,
}

/// The refusals of each peer since its last line.
#[derive(Debug, Default)]
pub struct Refusals {
    peers: HashMap<Option<GroupId>, Window>,
}

impl Refusals {
    /// Notes a refusal of `peer`'s request at `now`; returns the line to log now, if any.
    pub fn note(&mut self, peer: GroupId, reason: &Refusal, now: Instant) -> Option<Line> {
        let reason = label(reason);
        let key = if self.peers.contains_key(&Some(peer)) || self.peers.len() < MAX_PEERS {
            Some(peer)
        } else {
            None
        };
        match self.peers.get_mut(&key) {
            Some(w) => {
                *w.counts.entry(reason).or_default() += 1;
                None
            }
            None => {
                self.peers.insert(
                    key,
                    Window {
                        said: now,
                        counts: BTreeMap::new(),
                    },
                );
                Some(Line::First { peer: key, reason })
            }
        }
    }

    /// The summaries due at `now`: one for each peer whose last line is a [`WINDOW`] old and
    /// that was refused since. A peer refused nothing since is forgotten, so that its next
    /// refusal is said at once.
    pub fn due(&mut self, now: Instant) -> Vec<Line> {
        let mut lines = Vec::new();
        self.peers.retain(|peer, w| {
            if now.saturating_duration_since(w.said) < WINDOW {
                return true;
            }
            if w.counts.is_empty() {
                return false;
            }
            lines.push(Line::Summary {
                peer: *peer,
                counts: std::mem::take(&mut w.counts),
            });
            w.said = now;
            true
        });
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(seed: u8) -> GroupId {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        GroupId::from_public_key(key.verifying_key().to_bytes()).expect("a key")
    }

    #[test]
    fn a_flood_makes_one_line_a_minute_per_peer_with_every_refusal_counted() {
        let mut r = Refusals::default();
        let (a, b) = (group(1), group(2));
        let t0 = Instant::now();
        let mut lines = vec![];
        let mut refused = 0u64;
        // 15,000 requests from each of two peers over three minutes.
        for i in 0..15_000u64 {
            let now = t0 + Duration::from_millis(i * 12);
            for (peer, reason) in [(a, Refusal::NotMember), (b, Refusal::Malformed)] {
                refused += 1;
                lines.extend(r.note(peer, &reason, now));
            }
            if i % 100 == 0 {
                lines.extend(r.due(now));
            }
        }
        lines.extend(r.due(t0 + Duration::from_secs(240)));
        assert_eq!(lines.iter().map(Line::total).sum::<u64>(), refused);
        for peer in [a, b] {
            let of: Vec<&Line> = lines
                .iter()
                .filter(|l| matches!(l, Line::First { peer: p, .. } | Line::Summary { peer: p, .. } if *p == Some(peer)))
                .collect();
            // One at once, then one a minute: 180 s of flood, and what is left at the end.
            assert!(matches!(of[0], Line::First { .. }));
            assert!((4..=5).contains(&of.len()), "{}", of.len());
        }
        // A minute with nothing: forgotten, and the next refusal is said at once.
        assert!(r.due(t0 + Duration::from_secs(400)).is_empty());
        assert!(r.peers.is_empty());
        assert!(matches!(
            r.note(a, &Refusal::NotMember, t0 + Duration::from_secs(401)),
            Some(Line::First { .. })
        ));
    }

    #[test]
    fn new_peer_ids_beyond_the_bound_share_one_count() {
        let mut r = Refusals::default();
        let t0 = Instant::now();
        let mut lines = 0;
        for i in 0..(MAX_PEERS as u32 + 500) {
            let key = ed25519_dalek::SigningKey::from_bytes(&{
                let mut k = [0u8; 32];
                k[..4].copy_from_slice(&i.to_le_bytes());
                k
            });
            let peer = GroupId::from_public_key(key.verifying_key().to_bytes()).expect("a key");
            lines += usize::from(r.note(peer, &Refusal::NotMember, t0).is_some());
        }
        assert_eq!(r.peers.len(), MAX_PEERS + 1);
        assert_eq!(lines, MAX_PEERS + 1, "one line for all those beyond");
        let due = r.due(t0 + WINDOW);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].total(), 499);
    }
}
