//! The Common Ground node: everything that touches disk, sockets or the clock.
//!
//! - [`config`]: the data directory, the config file and their defaults;
//! - [`identity`]: the group's ed25519 key, kept in the data directory (mode 0600);
//! - [`store`]: durable storage on sled behind the [`store::Store`] trait;
//! - [`docs`]: the documents actor, the one owner of loaded documents and the store: a shell of
//!   storage, the clock and randomness around the replication core
//!   (`commonground_protocol::replica`), split by concept — its own tallies and meeting records,
//!   plans, [`docs::networks`] (network documents, invites, joining, the answers to peers),
//!   [`docs::federation`] (publishing counts, the regional view, roles, removal, bundles) and
//!   [`docs::forget`] (documents re-issued without their history, old generations deleted);
//! - [`sync`]: the engine that runs the core's sessions and announcements over the network;
//! - [`net`]: the libp2p swarm;
//! - [`app`]: what the API and the page share (their handlers' state, the HTTP error, invites,
//!   joining, peers);
//! - [`api`]: the local HTTP API (`/api/v1`, OpenAPI at `/api/v1/openapi.json`);
//! - [`web`]: the organisers' web page beside the API (pages, charts, login, translations,
//!   metrics);
//! - [`http`]: the one router that puts the API and the page behind the same guard;
//! - [`daemon`]: `commonground up`, wiring the parts together until a signal stops it;
//! - [`listener`]: the HTTP listener's limits on connections per client, in all, and idle;
//! - [`client`] and [`cli`]: the command line, which talks to a running node over the API;
//! - [`testkit`]: the one kit of tests, examples and benchmarks (nodes on loopback, waits);
//!   `sim` (tests only): the deterministic simulation of sync, and a simulated federation.
//!
//! The rules themselves (validation, privacy, schemas, what sync sends next) live in
//! `commonground-protocol`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod app;
pub mod cli;
pub mod client;
pub mod config;
pub mod daemon;
pub mod docs;
pub use docs::{federation, forget};
pub mod http;
pub mod identity;
pub mod listener;
pub mod net;
#[cfg(test)]
mod sim;
pub mod store;
pub mod sync;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod web;
