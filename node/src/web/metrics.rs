//! `/metrics` in Prometheus text format, for this machine only (the access guard answers 403
//! to anyone else): connected peers, loaded documents by kind, sync traffic in bytes and
//! rounds, and HTTP requests by area and status.
//!
//! Request counts live here; the rest is read from the node when scraped (the sync counters
//! already live on [`crate::net::Net`]), into a registry made for that scrape.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::Web;

/// What part of the node a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// The JSON API under `/api/v1`.
    Api,
    /// A page or form of the web page.
    Page,
    /// A stylesheet, script or icon.
    Asset,
    /// `/metrics` itself.
    Metrics,
}

impl Area {
    /// The area of a request path.
    pub fn of(path: &str) -> Self {
        if path.starts_with("/api/") {
            Self::Api
        } else if path.starts_with("/assets/") {
            Self::Asset
        } else if path == "/metrics" {
            Self::Metrics
        } else {
            Self::Page
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Page => "page",
            Self::Asset => "asset",
            Self::Metrics => "metrics",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    area: String,
    status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DirectionLabel {
    direction: String,
}

/// The node's own counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Family<RequestLabels, Counter>,
}

impl Metrics {
    /// Counts one answered request.
    pub fn count(&self, area: Area, status: StatusCode) {
        self.requests
            .get_or_create(&RequestLabels {
                area: area.label().into(),
                status: status.as_u16().to_string(),
            })
            .inc();
    }
}

/// `GET /metrics`.
pub async fn serve(State(web): State<Web>) -> Response {
    let mut registry = Registry::with_prefix("commonground");
    registry.register(
        "http_requests",
        "HTTP requests answered, by area (api, page, asset, metrics) and status",
        web.metrics.requests.clone(),
    );
    let documents = Family::<KindLabel, Gauge>::default();
    if let Ok(counts) = web.app.docs.counts().await {
        for (kind, n) in counts {
            documents
                .get_or_create(&KindLabel { kind })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
    registry.register("documents", "Documents loaded, by kind", documents);
    if let Some(net) = &web.app.net {
        let peers = Gauge::<i64>::default();
        if let Ok(status) = net.status().await {
            peers.set(i64::try_from(status.peers.len()).unwrap_or(i64::MAX));
        }
        registry.register("peers", "Connected peers", peers);
        let (sent, received, rounds) = net.traffic().snapshot();
        let bytes = Family::<DirectionLabel, Counter>::default();
        for (direction, n) in [("sent", sent), ("received", received)] {
            bytes
                .get_or_create(&DirectionLabel {
                    direction: direction.into(),
                })
                .inc_by(n);
        }
        registry.register(
            "sync_bytes",
            "Bytes of /commonground/sync/4 messages on the wire (compressed CBOR), by direction",
            bytes,
        );
        let requests = Counter::<u64>::default();
        requests.inc_by(rounds);
        registry.register(
            "sync_rounds",
            "Sync requests this node sent (one per round)",
            requests,
        );
        let refused = Family::<ReasonLabel, Counter>::default();
        for (reason, n) in net.traffic().refused() {
            refused
                .get_or_create(&ReasonLabel {
                    reason: reason.into(),
                })
                .inc_by(n);
        }
        registry.register(
            "sync_refused",
            "Sync requests from peers that this node refused, by reason (not_member, invite, \
             malformed, unavailable, forbidden, content); the log says them once a minute per peer",
            refused,
        );
    }
    let mut text = String::new();
    if encode(&mut text, &registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
