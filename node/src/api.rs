//! The local HTTP API, `/api/v1/...`, JSON in and out, described by an OpenAPI document at
//! `/api/v1/openapi.json`. The CLI uses it; the web page ([`crate::web`]) shares its listener,
//! its access guard and some of its operations.
//!
//! Errors come back as `{"error": {"code", "message", "field"}}` with a status that says whose
//! fault it was: 400 for a body or query that is not JSON of the expected shape (wrong types,
//! unknown enum words, malformed dates inside JSON), 404 for unknown paths, documents and items,
//! 405 for a wrong method, 422 for values a rule refused (personal data, unknown issue, out of
//! range, malformed period), 500/503 for the node's own trouble, whose bodies never carry
//! internals.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use commonground_protocol::ValidationError;
use commonground_protocol::catalogue::IssueEntry;
use commonground_protocol::doc::Header;
use commonground_protocol::ids::{ItemId, Period};
use commonground_protocol::meeting::{MeetingEdit, MeetingKind, MeetingRecord, NewMeeting};
use commonground_protocol::plan::{
    Action, ActionEdit, ActionKind, ActionStatus, AgendaChange, AgendaItem, AuthorityMeeting,
    AuthorityMeetingEdit, NewAction, NewAuthorityMeeting, NewPlan, NewTarget, PlanEdit, PlanStatus,
    PlanView, Target, TargetEdit, TargetKind,
};
use commonground_protocol::tally::{TallyRow, TallyView};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::docs::{Docs, DocsError, today_utc};
use crate::federation::{ImportSummary, PublishedView};
use crate::net::{Net, PeerInfo, parse_addrs};
use commonground_protocol::ids::GroupId;
use commonground_protocol::network::{InviteCode, Member, NetworkView, Role, Settings};
use commonground_protocol::publish::{Cell, RegionRow, RegionView};
use tokio_stream::StreamExt;

use commonground_protocol::sync::{Refusal, Request as WireRequest, Response as WireResponse};

/// What the handlers share.
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
    /// What the web page needs besides (data directory, shutdown signal).
    pub web: crate::web::WebOptions,
}

impl AppState {
    fn net(&self) -> Result<&Net, ApiError> {
        self.net.as_ref().ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_network",
                "this node runs no network".into(),
                None,
            )
        })
    }

    async fn listen_addrs(&self) -> Vec<String> {
        match &self.net {
            Some(n) => n.status().await.map(|s| s.listen).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// The addresses to give other machines: no loopback or unspecified address when a usable
    /// one exists (see `protocol::network::shareable_addrs`).
    async fn shareable_addrs(&self) -> Vec<String> {
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

/// An error as the API returns it.
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

    fn new(status: StatusCode, code: &str, message: String, field: Option<String>) -> Self {
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

/// A JSON body whose rejections are [`ApiError`]s.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A query string whose rejections are [`ApiError`]s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The node's status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusView {
    /// The group's id (its node's peer id).
    pub group: String,
    /// The program's version.
    pub version: String,
    /// The HTTP API's address.
    pub http: String,
    /// Loaded documents per kind.
    pub documents: BTreeMap<String, usize>,
    /// Full libp2p listen multiaddrs, ending in `/p2p/<peer id>`.
    pub listen: Vec<String>,
    /// How this group names itself in networks.
    pub group_name: String,
}

/// A new network.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewNetwork {
    /// The network's name.
    pub name: String,
    /// How this group is named in it (default: the node's group name).
    pub group_name: Option<String>,
}

/// A new invite.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewInvite {
    /// How long it stays valid: a number with `m`, `h` or `d`, e.g. `48h` (default 48h, at most 30d).
    pub expires: Option<String>,
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
}

/// A join request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JoinNetwork {
    /// The invite code.
    pub code: String,
    /// How this group is named in the network (default: the node's group name).
    pub group_name: Option<String>,
}

/// A new plan, optionally shared in a network.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatePlan {
    /// The plan.
    #[serde(flatten)]
    pub plan: NewPlan,
    /// The network to share it in (id or unique prefix); private to the group when absent.
    pub network: Option<String>,
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

/// A period query.
#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// `YYYY-MM`; the current month when absent.
    pub period: Option<String>,
}

/// An increment request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TallyAdd {
    /// The issue key.
    pub issue: String,
    /// How many more times it was raised (default 1, at most 10,000).
    pub count: Option<i64>,
    /// `YYYY-MM`; the current month when absent.
    pub period: Option<String>,
}

/// The count after an increment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TallyAdded {
    /// The issue.
    pub issue: String,
    /// The period.
    pub period: String,
    /// The issue's count in that period now.
    pub count: i64,
}

/// A new custom issue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewIssue {
    /// A lowercase slug such as `food-banks`.
    pub key: String,
    /// The label shown to people.
    pub label: String,
}

fn period_or_now(text: Option<&str>) -> Result<Period, ApiError> {
    match text {
        None => Ok(Period::of(today_utc())),
        Some(t) => t.parse().map_err(|source| {
            ValidationError::Malformed {
                field: "period",
                source,
            }
            .into()
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/status", responses((status = 200, body = StatusView)))]
async fn status(State(s): State<AppState>) -> ApiResult<StatusView> {
    Ok(Json(StatusView {
        group: s.docs.group().to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
        http: s.http.to_string(),
        documents: s.docs.counts().await?,
        listen: s.listen_addrs().await,
        group_name: s.group_name.clone(),
    }))
}

#[utoipa::path(get, path = "/api/v1/issues", responses((status = 200, body = Vec<IssueEntry>)))]
async fn issues(State(s): State<AppState>) -> ApiResult<Vec<IssueEntry>> {
    Ok(Json(s.docs.issues().await?))
}

#[utoipa::path(post, path = "/api/v1/issues", request_body = NewIssue,
    responses((status = 201, body = IssueEntry), (status = 422, body = ErrorBody)))]
async fn add_issue(
    State(s): State<AppState>,
    ApiJson(new): ApiJson<NewIssue>,
) -> Result<(StatusCode, Json<IssueEntry>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.docs.add_issue(new.key, new.label).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/tally", params(PeriodQuery),
    responses((status = 200, body = TallyView), (status = 422, body = ErrorBody)))]
async fn tally(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<TallyView> {
    Ok(Json(
        s.docs.tally(period_or_now(q.period.as_deref())?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tally", request_body = TallyAdd,
    responses((status = 200, body = TallyAdded), (status = 422, body = ErrorBody)))]
async fn tally_add(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<TallyAdd>,
) -> ApiResult<TallyAdded> {
    let period = period_or_now(req.period.as_deref())?;
    let count = s
        .docs
        .tally_add(req.issue.clone(), req.count.unwrap_or(1), period)
        .await?;
    Ok(Json(TallyAdded {
        issue: req.issue,
        period: period.to_string(),
        count,
    }))
}

#[utoipa::path(get, path = "/api/v1/meetings", responses((status = 200, body = Vec<MeetingRecord>)))]
async fn meetings(State(s): State<AppState>) -> ApiResult<Vec<MeetingRecord>> {
    Ok(Json(s.docs.meetings().await?))
}

#[utoipa::path(post, path = "/api/v1/meetings", request_body = NewMeeting,
    responses((status = 201, body = MeetingRecord), (status = 422, body = ErrorBody)))]
async fn record_meeting(
    State(s): State<AppState>,
    ApiJson(new): ApiJson<NewMeeting>,
) -> Result<(StatusCode, Json<MeetingRecord>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.docs.record_meeting(new).await?)))
}

#[utoipa::path(get, path = "/api/v1/plans", responses((status = 200, body = Vec<PlanView>)))]
async fn plans(State(s): State<AppState>) -> ApiResult<Vec<PlanView>> {
    Ok(Json(s.docs.plans().await?))
}

#[utoipa::path(post, path = "/api/v1/plans", request_body = CreatePlan,
    responses((status = 201, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn new_plan(
    State(s): State<AppState>,
    ApiJson(new): ApiJson<CreatePlan>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.docs.new_plan(new.plan, new.network).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/networks", responses((status = 200, body = Vec<NetworkView>)))]
async fn networks(State(s): State<AppState>) -> ApiResult<Vec<NetworkView>> {
    Ok(Json(s.docs.networks().await?))
}

#[utoipa::path(post, path = "/api/v1/networks", request_body = NewNetwork,
    responses((status = 201, body = NetworkView), (status = 422, body = ErrorBody)))]
async fn create_network(
    State(s): State<AppState>,
    ApiJson(new): ApiJson<NewNetwork>,
) -> Result<(StatusCode, Json<NetworkView>), ApiError> {
    let group_name = new.group_name.unwrap_or_else(|| s.group_name.clone());
    let addrs = s.shareable_addrs().await;
    Ok((
        StatusCode::CREATED,
        Json(s.docs.create_network(new.name, group_name, addrs).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/networks/{network}",
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 200, body = NetworkView), (status = 404, body = ErrorBody)))]
async fn network(State(s): State<AppState>, Path(network): Path<String>) -> ApiResult<NetworkView> {
    Ok(Json(s.docs.network(network).await?))
}

#[utoipa::path(post, path = "/api/v1/networks/{network}/invites", request_body = NewInvite,
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 201, body = InviteView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invite(
    State(s): State<AppState>,
    Path(network): Path<String>,
    ApiJson(req): ApiJson<NewInvite>,
) -> Result<(StatusCode, Json<InviteView>), ApiError> {
    let view = make_invite(&s, network, req.expires.as_deref().unwrap_or("48h")).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Makes a one-time invite into `network` valid for `expires` (`30m`, `48h`, `7d`), carrying
/// this node's addresses. The API and the web page both make invites here.
pub async fn make_invite(
    s: &AppState,
    network: String,
    expires: &str,
) -> Result<InviteView, ApiError> {
    let secs = parse_duration(expires)?;
    let addrs = s.shareable_addrs().await;
    let code = s.docs.invite(network, secs, addrs.clone()).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Ok(InviteView {
        code: code.encode(),
        network: code.network.to_string(),
        expires_at: now + secs,
        addrs,
    })
}

#[utoipa::path(post, path = "/api/v1/networks/join", request_body = JoinNetwork,
    responses((status = 200, body = NetworkView), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn join(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<JoinNetwork>,
) -> ApiResult<NetworkView> {
    Ok(Json(join_network(&s, req).await?))
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
                format!("cannot reach the inviting node: {e}"),
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

#[utoipa::path(get, path = "/api/v1/peers", responses((status = 200, body = Vec<PeerView>)))]
async fn peers(State(s): State<AppState>) -> ApiResult<Vec<PeerView>> {
    Ok(Json(peer_views(&s).await?))
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
                group: p.group,
                addrs: p.addrs,
                connected_since: p.since,
            }
        })
        .collect();
    Ok(views)
}

#[utoipa::path(get, path = "/api/v1/plans/{plan}",
    params(("plan" = String, Path, description = "plan id, or a unique prefix of at least 4 hex digits")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
async fn plan(State(s): State<AppState>, Path(plan): Path<String>) -> ApiResult<PlanView> {
    Ok(Json(s.docs.plan(plan).await?))
}

#[utoipa::path(patch, path = "/api/v1/plans/{plan}", request_body = PlanEdit,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_plan(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(edit): ApiJson<PlanEdit>,
) -> ApiResult<PlanView> {
    Ok(Json(s.docs.update_plan(plan, edit).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan}/actions", request_body = NewAction,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 201, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_action(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(new): ApiJson<NewAction>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.docs.add_action(plan, new).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/plans/{plan}/actions/{action}", request_body = ActionEdit,
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("action" = String, Path, description = "action id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_action(
    State(s): State<AppState>,
    Path((plan, action)): Path<(String, String)>,
    ApiJson(edit): ApiJson<ActionEdit>,
) -> ApiResult<PlanView> {
    let action = item_param("action", &action)?;
    Ok(Json(s.docs.set_action(plan, action, edit).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan}/targets", request_body = NewTarget,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 201, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_target(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(new): ApiJson<NewTarget>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.docs.add_target(plan, new).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan}/meetings", request_body = NewAuthorityMeeting,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 201, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_authority_meeting(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(new): ApiJson<NewAuthorityMeeting>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.docs.add_authority_meeting(plan, new).await?),
    ))
}

fn item_param(what: &'static str, text: &str) -> Result<ItemId, ApiError> {
    text.parse().map_err(|_| {
        DocsError::NotFound {
            what,
            id: text.chars().take(20).collect(),
        }
        .into()
    })
}

#[utoipa::path(delete, path = "/api/v1/plans/{plan}/actions/{action}",
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("action" = String, Path, description = "action id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
async fn delete_action(
    State(s): State<AppState>,
    Path((plan, action)): Path<(String, String)>,
) -> ApiResult<PlanView> {
    let action = item_param("action", &action)?;
    Ok(Json(s.docs.delete_action(plan, action).await?))
}

#[utoipa::path(patch, path = "/api/v1/plans/{plan}/targets/{target}", request_body = TargetEdit,
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("target" = String, Path, description = "target or ally id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_target(
    State(s): State<AppState>,
    Path((plan, target)): Path<(String, String)>,
    ApiJson(edit): ApiJson<TargetEdit>,
) -> ApiResult<PlanView> {
    let target = item_param("target", &target)?;
    Ok(Json(s.docs.set_target(plan, target, edit).await?))
}

#[utoipa::path(delete, path = "/api/v1/plans/{plan}/targets/{target}",
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("target" = String, Path, description = "target or ally id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
async fn delete_target(
    State(s): State<AppState>,
    Path((plan, target)): Path<(String, String)>,
) -> ApiResult<PlanView> {
    let target = item_param("target", &target)?;
    Ok(Json(s.docs.delete_target(plan, target).await?))
}

#[utoipa::path(patch, path = "/api/v1/plans/{plan}/meetings/{meeting}", request_body = AuthorityMeetingEdit,
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("meeting" = String, Path, description = "meeting id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_authority_meeting(
    State(s): State<AppState>,
    Path((plan, meeting)): Path<(String, String)>,
    ApiJson(edit): ApiJson<AuthorityMeetingEdit>,
) -> ApiResult<PlanView> {
    let meeting = item_param("meeting", &meeting)?;
    Ok(Json(
        s.docs
            .set_authority_meeting(plan, meeting, edit, Vec::new())
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/plans/{plan}/meetings/{meeting}",
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("meeting" = String, Path, description = "meeting id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
async fn delete_authority_meeting(
    State(s): State<AppState>,
    Path((plan, meeting)): Path<(String, String)>,
) -> ApiResult<PlanView> {
    let meeting = item_param("meeting", &meeting)?;
    Ok(Json(s.docs.delete_authority_meeting(plan, meeting).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan}/meetings/{meeting}/agenda", request_body = AgendaChange,
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("meeting" = String, Path, description = "meeting id")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_agenda(
    State(s): State<AppState>,
    Path((plan, meeting)): Path<(String, String)>,
    ApiJson(change): ApiJson<AgendaChange>,
) -> ApiResult<PlanView> {
    let meeting = item_param("meeting", &meeting)?;
    Ok(Json(s.docs.change_agenda(plan, meeting, change).await?))
}

/// Whether a plan is archived.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Archived {
    /// `true` archives the plan (kept, out of the list); `false` restores it.
    pub archived: bool,
}

#[utoipa::path(put, path = "/api/v1/plans/{plan}/archived", request_body = Archived,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn archive_plan(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(req): ApiJson<Archived>,
) -> ApiResult<PlanView> {
    Ok(Json(s.docs.archive_plan(plan, req.archived).await?))
}

/// Which network to share a private plan with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SharePlan {
    /// The network's id or a unique prefix.
    pub network: String,
}

#[utoipa::path(post, path = "/api/v1/plans/{plan}/share", request_body = SharePlan,
    description = "Shares a private plan with a network: its current content becomes a new plan of the network (this group its collaborator) and the private plan is archived. Answers the new plan.",
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 201, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn share_plan(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(req): ApiJson<SharePlan>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.docs.share_plan(plan, req.network).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/plans/{plan}/collaborators/{group}",
    params(("plan" = String, Path, description = "plan id or unique prefix"), ("group" = String, Path, description = "the collaborating group")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_collaborator(
    State(s): State<AppState>,
    Path((plan, group)): Path<(String, String)>,
) -> ApiResult<PlanView> {
    let group = group_param(&group)?;
    Ok(Json(s.docs.remove_collaborator(plan, group).await?))
}

#[utoipa::path(patch, path = "/api/v1/meetings/{meeting}", request_body = MeetingEdit,
    params(("meeting" = String, Path, description = "meeting record id")),
    responses((status = 200, body = MeetingRecord), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_meeting(
    State(s): State<AppState>,
    Path(meeting): Path<String>,
    ApiJson(edit): ApiJson<MeetingEdit>,
) -> ApiResult<MeetingRecord> {
    let meeting = item_param("meeting", &meeting)?;
    Ok(Json(s.docs.edit_meeting(meeting, edit).await?))
}

#[utoipa::path(delete, path = "/api/v1/meetings/{meeting}",
    params(("meeting" = String, Path, description = "meeting record id")),
    responses((status = 200, body = Deleted), (status = 404, body = ErrorBody)))]
async fn delete_meeting(
    State(s): State<AppState>,
    Path(meeting): Path<String>,
) -> ApiResult<Deleted> {
    let meeting = item_param("meeting", &meeting)?;
    s.docs.delete_meeting(meeting.clone()).await?;
    Ok(Json(Deleted {
        deleted: meeting.to_string(),
    }))
}

/// What a deletion took away.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    /// The id of what was deleted.
    pub deleted: String,
}

/// A new label for one of the group's own issues.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssueRename {
    /// The new label.
    pub label: String,
}

#[utoipa::path(patch, path = "/api/v1/issues/{issue}", request_body = IssueRename,
    params(("issue" = String, Path, description = "the issue key")),
    responses((status = 200, body = IssueEntry), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rename_issue(
    State(s): State<AppState>,
    Path(issue): Path<String>,
    ApiJson(req): ApiJson<IssueRename>,
) -> ApiResult<IssueEntry> {
    Ok(Json(s.docs.rename_issue(issue, req.label).await?))
}

/// The OpenAPI description of this API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Common Ground node API",
        description = "The local API of a Common Ground node."
    ),
    paths(
        status,
        issues,
        add_issue,
        tally,
        tally_add,
        meetings,
        record_meeting,
        plans,
        new_plan,
        plan,
        edit_plan,
        add_action,
        set_action,
        add_target,
        add_authority_meeting,
        delete_action,
        set_target,
        delete_target,
        set_authority_meeting,
        delete_authority_meeting,
        change_agenda,
        archive_plan,
        share_plan,
        remove_collaborator,
        edit_meeting,
        delete_meeting,
        rename_issue,
        networks,
        create_network,
        network,
        invite,
        join,
        peers,
        publish,
        region,
        region_csv,
        set_role,
        remove_member,
        settings,
        add_collaborator,
        export,
        import
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        StatusView,
        TallyAdd,
        TallyAdded,
        NewIssue,
        IssueEntry,
        TallyView,
        TallyRow,
        NewMeeting,
        MeetingRecord,
        MeetingKind,
        NewPlan,
        PlanEdit,
        PlanView,
        Header,
        PlanStatus,
        Action,
        ActionKind,
        ActionStatus,
        ActionEdit,
        NewAction,
        Target,
        TargetKind,
        NewTarget,
        AuthorityMeeting,
        AgendaItem,
        NewAuthorityMeeting,
        AuthorityMeetingEdit,
        AgendaChange,
        TargetEdit,
        MeetingEdit,
        IssueRename,
        Archived,
        SharePlan,
        Deleted,
        CreatePlan,
        NewNetwork,
        NetworkView,
        Member,
        Role,
        Settings,
        NewInvite,
        InviteView,
        JoinNetwork,
        PeerView,
        PublishRequest,
        PublishedView,
        RegionView,
        RegionRow,
        Cell,
        RoleChange,
        SettingsChange,
        NewCollaborator,
        ImportLine,
        ImportSummary
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such API endpoint".into(),
        None,
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method".into(),
        None,
    )
}

/// The API's routes, with the web page beside them (see [`crate::web::wrap`]).
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/status", get(status))
        .route("/issues", get(issues).post(add_issue))
        .route("/issues/{issue}", patch(rename_issue))
        .route("/tally", get(tally).post(tally_add))
        .route("/meetings", get(meetings).post(record_meeting))
        .route(
            "/meetings/{meeting}",
            patch(edit_meeting).delete(delete_meeting),
        )
        .route("/plans", get(plans).post(new_plan))
        .route("/plans/{plan}", get(plan).patch(edit_plan))
        .route("/plans/{plan}/actions", post(add_action))
        .route(
            "/plans/{plan}/actions/{action}",
            patch(set_action).delete(delete_action),
        )
        .route("/plans/{plan}/targets", post(add_target))
        .route(
            "/plans/{plan}/targets/{target}",
            patch(set_target).delete(delete_target),
        )
        .route("/plans/{plan}/meetings", post(add_authority_meeting))
        .route(
            "/plans/{plan}/meetings/{meeting}",
            patch(set_authority_meeting).delete(delete_authority_meeting),
        )
        .route(
            "/plans/{plan}/meetings/{meeting}/agenda",
            post(change_agenda),
        )
        .route("/plans/{plan}/archived", axum::routing::put(archive_plan))
        .route("/plans/{plan}/share", post(share_plan))
        .route(
            "/plans/{plan}/collaborators/{group}",
            axum::routing::delete(remove_collaborator),
        )
        .route("/networks", get(networks).post(create_network))
        .route("/networks/join", post(join))
        .route("/networks/{network}", get(network))
        .route("/networks/{network}/invites", post(invite))
        .route("/networks/{network}/publish", post(publish))
        .route("/networks/{network}/region", get(region))
        .route("/networks/{network}/region.csv", get(region_csv))
        .route(
            "/networks/{network}/members/{group}",
            axum::routing::put(set_role).delete(remove_member),
        )
        .route("/networks/{network}/settings", patch(settings))
        .route("/networks/{network}/export", post(export))
        .route(
            "/bundles",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                commonground_protocol::bundle::MAX_BUNDLE_BYTES,
            )),
        )
        .route("/plans/{plan}/collaborators", post(add_collaborator))
        .route("/peers", get(peers))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let api = Router::new().nest("/api/v1", v1).with_state(state.clone());
    crate::web::wrap(api, state)
}

// ---- Federation: publishing, the regional view, roles, removal, bundles ----

/// A request to publish this group's counts of a period.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PublishRequest {
    /// `YYYY-MM`; the current month when absent.
    pub period: Option<String>,
    /// Publish instead the merged counts of this network (a region rolling up), id or prefix.
    pub from: Option<String>,
}

/// A role change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleChange {
    /// The new role.
    #[schema(value_type = String, example = "coordinator")]
    pub role: Role,
}

/// A settings change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsChange {
    /// The small-cell threshold: published counts below it are suppressed (0 turns it off).
    pub k: i64,
}

/// A collaborator to add to a plan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewCollaborator {
    /// The group (a member of the plan's network).
    #[schema(value_type = String)]
    pub group: GroupId,
}

fn group_param(text: &str) -> Result<GroupId, ApiError> {
    text.parse().map_err(|source| {
        ValidationError::Malformed {
            field: "group",
            source,
        }
        .into()
    })
}

#[utoipa::path(post, path = "/api/v1/networks/{network}/publish", request_body = PublishRequest,
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 200, body = PublishedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn publish(
    State(s): State<AppState>,
    Path(network): Path<String>,
    ApiJson(req): ApiJson<PublishRequest>,
) -> ApiResult<PublishedView> {
    let period = period_or_now(req.period.as_deref())?;
    Ok(Json(s.docs.publish(network, period, req.from).await?))
}

#[utoipa::path(get, path = "/api/v1/networks/{network}/region",
    params(("network" = String, Path, description = "network id or unique prefix"),
        ("period" = Option<String>, Query, description = "YYYY-MM; this month when absent")),
    responses((status = 200, body = RegionView), (status = 404, body = ErrorBody)))]
async fn region(
    State(s): State<AppState>,
    Path(network): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<RegionView> {
    let period = period_or_now(q.period.as_deref())?;
    Ok(Json(s.docs.region(network, period).await?))
}

#[utoipa::path(get, path = "/api/v1/networks/{network}/region.csv",
    params(("network" = String, Path, description = "network id or unique prefix"),
        ("period" = Option<String>, Query, description = "YYYY-MM; this month when absent")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
async fn region_csv(
    State(s): State<AppState>,
    Path(network): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Response, ApiError> {
    let period = period_or_now(q.period.as_deref())?;
    let view = s.docs.region(network, period).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        view.csv(),
    )
        .into_response())
}

#[utoipa::path(put, path = "/api/v1/networks/{network}/members/{group}", request_body = RoleChange,
    params(("network" = String, Path, description = "network id or unique prefix"),
        ("group" = String, Path, description = "the member group")),
    responses((status = 200, body = NetworkView), (status = 403, body = ErrorBody)))]
async fn set_role(
    State(s): State<AppState>,
    Path((network, group)): Path<(String, String)>,
    ApiJson(req): ApiJson<RoleChange>,
) -> ApiResult<NetworkView> {
    let group = group_param(&group)?;
    Ok(Json(s.docs.set_role(network, group, req.role).await?))
}

#[utoipa::path(delete, path = "/api/v1/networks/{network}/members/{group}",
    params(("network" = String, Path, description = "network id or unique prefix"),
        ("group" = String, Path, description = "the member group")),
    responses((status = 200, body = NetworkView), (status = 403, body = ErrorBody)))]
async fn remove_member(
    State(s): State<AppState>,
    Path((network, group)): Path<(String, String)>,
) -> ApiResult<NetworkView> {
    let group = group_param(&group)?;
    Ok(Json(s.docs.remove_member(network, group).await?))
}

#[utoipa::path(patch, path = "/api/v1/networks/{network}/settings", request_body = SettingsChange,
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 200, body = NetworkView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn settings(
    State(s): State<AppState>,
    Path(network): Path<String>,
    ApiJson(req): ApiJson<SettingsChange>,
) -> ApiResult<NetworkView> {
    Ok(Json(s.docs.set_threshold(network, req.k).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan}/collaborators", request_body = NewCollaborator,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody)))]
async fn add_collaborator(
    State(s): State<AppState>,
    Path(plan): Path<String>,
    ApiJson(req): ApiJson<NewCollaborator>,
) -> ApiResult<PlanView> {
    Ok(Json(s.docs.add_collaborator(plan, req.group).await?))
}

#[utoipa::path(post, path = "/api/v1/networks/{network}/export",
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn export(
    State(s): State<AppState>,
    Path(network): Path<String>,
) -> Result<Response, ApiError> {
    let (bytes, docs) = s.docs.export(network).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/octet-stream".to_string(),
            ),
            (
                axum::http::HeaderName::from_static("x-documents"),
                docs.to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// One line of an import's answer (newline-delimited JSON): progress, then the outcome.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportLine {
    /// Documents checked so far, of the total.
    Progress {
        /// Checked.
        checked: usize,
        /// In the bundle.
        total: usize,
    },
    /// The import is stored.
    Done(ImportSummary),
    /// The bundle was refused; nothing was written.
    Refused(ErrorDetail),
}

#[utoipa::path(post, path = "/api/v1/bundles", request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, content_type = "application/x-ndjson", body = ImportLine)))]
async fn import(State(s): State<AppState>, body: axum::body::Bytes) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<ImportLine>(16);
    let progress = tx.clone();
    tokio::spawn(async move {
        let result = s
            .docs
            .import(body.to_vec(), move |checked, total| {
                // The actor thread must not wait for a slow reader: drop progress lines instead.
                let _ = progress.try_send(ImportLine::Progress { checked, total });
            })
            .await;
        let last = match result {
            Ok(summary) => ImportLine::Done(summary),
            Err(e) => ImportLine::Refused(ApiError::from(e).detail().clone()),
        };
        let _ = tx.send(last).await;
    });
    let lines = tokio_stream::wrappers::ReceiverStream::new(rx).map(|line| {
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        Ok::<_, std::convert::Infallible>(bytes)
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(lines),
    )
        .into_response()
}
