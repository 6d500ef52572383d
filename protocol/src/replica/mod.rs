//! The replication core's state that is not a document: what this node knows of each peer's sync
//! ([`peers`]: agreements, Automerge sync states, changes kept until their history arrives) and
//! what it owes its networks' members ([`news`]: announced documents to ask for, news to pass
//! on), and what received documents may cost before they are taken ([`intake`]). Pure: no store, no thread, no clock (`now` is passed in); the node keeps these in its
//! documents actor and stores what they return.
//!
//! The documents themselves, and the rounds that read and change them, are still the node's
//! (`commonground-node`'s `DocSet`): moving them here is the next step of this module.

pub mod intake;
pub mod news;
pub mod peers;

pub use intake::{Intake, refusal};
pub use news::News;
pub use peers::{MAX_PENDING_BYTES, PeerSync, Pending, Side};
