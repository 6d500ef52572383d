//! The operations the HTTP API ([`crate::api`]) and the web page share: the state their
//! handlers hold, the HTTP error both return, and the network operations that do more than call
//! one [`Docs`] method (making an invite, joining with one, listing peers).
//!
//! Both layers call these, so an invite made on the page and one made with the CLI carry the
//! same addresses and expire by the same rule. This module knows neither layer's routes.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use commonground_protocol::ValidationError;
use commonground_protocol::network::{InviteCode, NetworkView, Role};
use commonground_protocol::sync::{Refusal, Request as WireRequest, Response as WireResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::docs::{Docs, DocsError};
use crate::net::{Net, PeerInfo, parse_addrs};
use crate::store::StoreError;

/// What the API's and the page's handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The documents actor.
    pub docs: Docs,
    /// The address the API listens on.
    pub http: SocketAddr,
    /// The peer-to-peer network, if the node runs one.
    pub net: Option<Net>,
    /// How this group names itself to other groups.
    pub group_name: String,
    /// Where an uploaded bundle waits while it is checked (the data directory's `incoming/`, on
    /// the disk that holds the store; `None`: the system's temporary directory).
    pub spool: Option<std::path::PathBuf>,
}

impl AppState {
    pub(crate) fn net(&self) -> Result<&Net, ApiError> {
        self.net.as_ref().ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_network",
                "this node runs no network".into(),
                None,
            )
        })
    }

    /// The full libp2p listen addresses (none without a network).
    /// The network's state (`None` when it has stopped, or in tests without one).
    pub(crate) async fn net_status(&self) -> Option<crate::net::NetStatus> {
        self.net.as_ref()?.status().await.ok()
    }

    /// The addresses to give other machines: no loopback or unspecified address when a usable
    /// one exists (see `protocol::network::shareable_addrs`).
    pub(crate) async fn shareable_addrs(&self) -> Vec<String> {
        match &self.net {
            Some(n) => n.status().await.map(|s| s.shareable).unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `personal_data`, `unknown_issue`, `out_of_range`, `not_found`, ...
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The field at fault, if one is.
    pub field: Option<String>,
}

/// An error as the API returns it; the page shows its message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong.
    pub fn detail(&self) -> &ErrorDetail {
        &self.detail
    }

    pub(crate) fn new(
        status: StatusCode,
        code: &str,
        message: String,
        field: Option<String>,
    ) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code: code.into(),
                message,
                field,
            },
        }
    }
}

impl From<DocsError> for ApiError {
    fn from(e: DocsError) -> Self {
        match &e {
            DocsError::Invalid(ValidationError::UnknownItem { .. })
            | DocsError::NotFound { .. } => {
                Self::new(StatusCode::NOT_FOUND, "not_found", e.to_string(), None)
            }
            DocsError::Invalid(v @ ValidationError::NotPermitted { .. }) => {
                Self::new(StatusCode::FORBIDDEN, v.code(), v.to_string(), None)
            }
            DocsError::Invalid(v) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                v.code(),
                v.to_string(),
                v.field().map(str::to_string),
            ),
            DocsError::Ambiguous { .. } => {
                Self::new(StatusCode::BAD_REQUEST, "ambiguous", e.to_string(), None)
            }
            DocsError::Stopped => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "stopping",
                e.to_string(),
                None,
            ),
            // The disk, not the request: said plainly, with a code a client can act on.
            DocsError::Store(se @ StoreError::Full { .. }) => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "disk_full",
                format!(
                    "{se}: nothing was changed; free some space and try again (the node goes on by itself)"
                ),
                None,
            ),
            DocsError::Store(se @ StoreError::ReadOnly { .. }) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "disk_read_only",
                format!(
                    "{se}: nothing was changed; the node goes on by itself once it is writable"
                ),
                None,
            ),
            DocsError::Damaged { .. } | DocsError::Store(_) => {
                tracing::error!(error = %e, "request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the node could not complete the request; see its log".into(),
                    None,
                )
            }
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        DocsError::Invalid(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", e.body_text(), None)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", e.body_text(), None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.detail })).into_response()
    }
}

/// An invite code.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InviteView {
    /// The one-time code to give the joining group.
    pub code: String,
    /// The network.
    pub network: String,
    /// Unix seconds after which the code is refused.
    pub expires_at: i64,
    /// The addresses the code carries.
    pub addrs: Vec<String>,
    /// The role the joining group gets.
    pub role: Role,
}

/// A join request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JoinNetwork {
    /// The invite code.
    pub code: String,
    /// How this group is named in the network (default: the node's group name).
    pub group_name: Option<String>,
}

/// A connected peer and the documents shared with it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PeerView {
    /// The peer's group id.
    pub group: String,
    /// Its name in a shared network, if any.
    pub name: Option<String>,
    /// Addresses it is connected on.
    pub addrs: Vec<String>,
    /// Unix seconds since when it is connected.
    pub connected_since: u64,
    /// The member whose relay carries the connection, when none is direct (its group id).
    #[serde(default)]
    pub relay: Option<String>,
    /// That member's name.
    #[serde(default)]
    pub relay_name: Option<String>,
    /// Per shared document, when it was last in sync with this peer (unix seconds).
    pub last_synced: BTreeMap<String, u64>,
}

/// Parses `30m`, `48h`, `7d` (or plain seconds) into seconds.
fn parse_duration(text: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::from(ValidationError::OutOfRange {
            field: "expires",
            value: -1,
            min: 60,
            max: commonground_protocol::network::MAX_INVITE_SECS,
        })
    };
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

/// Makes a one-time invite into `network` valid for `expires` (`30m`, `48h`, `7d`), carrying
/// this node's addresses. The API and the web page both make invites here.
pub async fn make_invite(
    s: &AppState,
    network: String,
    expires: &str,
    role: Role,
) -> Result<InviteView, ApiError> {
    let secs = parse_duration(expires)?;
    let addrs = s.shareable_addrs().await;
    let code = s.docs.invite(network, secs, addrs.clone(), role).await?;
    // The code is usable once shown: the network lets the joiner in as a guest from now.
    if let Some(net) = &s.net {
        let admission = s.docs.admission().await?;
        let _ = net.admit(admission).await;
    }
    let now = s.docs.now();
    Ok(InviteView {
        code: code.encode(),
        network: code.network.to_string(),
        expires_at: now + secs,
        addrs,
        role,
    })
}

/// Joins a network with an invite code: dials the inviter and proves the code. The API and the
/// web page both join here.
pub async fn join_network(s: &AppState, req: JoinNetwork) -> Result<NetworkView, ApiError> {
    let code = InviteCode::decode(&req.code).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invite",
            e.to_string(),
            Some("code".into()),
        )
    })?;
    let net = s.net()?;
    let request = WireRequest::Join {
        network: code.network,
        invite: code.id,
        secret: code.secret.to_vec(),
        name: req.group_name.unwrap_or_else(|| s.group_name.clone()),
        addrs: s.shareable_addrs().await,
    };
    let answer = net
        .request(
            &code.inviter,
            parse_addrs(&commonground_protocol::network::dialable_addrs(&code.addrs)),
            request,
        )
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "unreachable",
                format!(
                    "cannot reach the inviting node ({e}); it may be offline or unreachable from \
                     here, or the invite may have expired: if this goes on, ask the inviting \
                     group for a new code"
                ),
                None,
            )
        })?;
    match answer {
        WireResponse::Joined {
            network,
            document,
            signed,
        } if network == code.network => Ok(s.docs.accept_joined(network, document, signed).await?),
        WireResponse::Refused {
            reason: Refusal::Invite,
            message,
        } => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invite",
            message,
            Some("code".into()),
        )),
        _ => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "refused",
            "the inviting node refused the join".into(),
            None,
        )),
    }
}

/// The connected peers, with their names and when each shared document was last in sync.
pub async fn peer_views(s: &AppState) -> Result<Vec<PeerView>, ApiError> {
    let status = s.net()?.status().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "stopping",
            "the network has stopped".into(),
            None,
        )
    })?;
    let names = s.docs.names().await?;
    let mut synced = s.docs.last_synced().await?;
    let views = status
        .peers
        .into_iter()
        .map(|p: PeerInfo| {
            let group: Option<commonground_protocol::GroupId> = p.group.parse().ok();
            PeerView {
                name: group.and_then(|g| names.get(&g).cloned()),
                last_synced: group
                    .and_then(|g| synced.remove(&g))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(d, t)| (d.to_string(), t))
                    .collect(),
                relay_name: p
                    .relay
                    .as_ref()
                    .and_then(|r| r.parse().ok())
                    .and_then(|r: commonground_protocol::GroupId| names.get(&r).cloned()),
                relay: p.relay,
                group: p.group,
                addrs: p.addrs,
                connected_since: p.since,
            }
        })
        .collect();
    Ok(views)
}
