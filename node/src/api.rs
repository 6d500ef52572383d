//! The local HTTP API, `/api/v1/...`, JSON in and out, described by an OpenAPI document at
//! `/api/v1/openapi.json`. The CLI uses it and only it; the operations it shares with the web
//! page (invites, joining, peers, the error type) live in [`crate::app`], and [`crate::http`]
//! puts the two side by side behind one access guard.
//!
//! Errors come back as `{"error": {"code", "message", "field"}}` with a status that says whose
//! fault it was: 400 for a body or query that is not JSON of the expected shape (wrong types,
//! unknown enum words, malformed dates inside JSON), 404 for unknown paths, documents and items,
//! 405 for a wrong method, 422 for values a rule refused (personal data, unknown issue, out of
//! range, malformed period), 500/503 for the node's own trouble, whose bodies never carry
//! internals.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use commonground_protocol::ValidationError;
use commonground_protocol::catalogue::IssueEntry;
use commonground_protocol::doc::{DocKind, Header};
use commonground_protocol::generation::Generation;
use commonground_protocol::ids::{GroupId, ItemId, Period};
use commonground_protocol::meeting::{MeetingEdit, MeetingKind, MeetingRecord, NewMeeting};
use commonground_protocol::network::{Member, NetworkView, Role, Settings};
use commonground_protocol::plan::{
    Action, ActionEdit, ActionKind, ActionStatus, AgendaChange, AgendaItem, AuthorityMeeting,
    AuthorityMeetingEdit, NewAction, NewAuthorityMeeting, NewPlan, NewTarget, PlanEdit, PlanStatus,
    PlanView, Target, TargetEdit, TargetKind,
};
use commonground_protocol::publish::{Cell, RegionRow, RegionView};
use commonground_protocol::tally::{TallyRow, TallyView};
use serde::{Deserialize, Serialize};
use tokio_stream::StreamExt;
use utoipa::{OpenApi, ToSchema};

pub use crate::app::{
    ApiError, AppState, ErrorBody, ErrorDetail, InviteView, JoinNetwork, PeerView,
};
use crate::app::{join_network, make_invite, peer_views};
use crate::docs::{Docs, DocsError};
use crate::federation::ImportSummary;
pub use crate::federation::PublishedView;
pub use crate::forget::Forgotten;

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
    /// Why the node cannot store anything now (a full or read-only disk), while that lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// How other nodes reach this one (`unknown` until members have tried).
    pub reachability: crate::net::reach::Reachability,
    /// The name of the member whose relay this node is reachable through, if any.
    #[serde(default)]
    pub relay_name: Option<String>,
    /// Whether this node relays for the members of its networks now.
    #[serde(default)]
    pub relaying: bool,
    /// Members holding a slot on this node's relay.
    #[serde(default)]
    pub relayed_members: usize,
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
    /// The role the joining group gets (default `member`): an `aggregator` joins without ever
    /// receiving a plan.
    #[serde(default)]
    pub role: Option<Role>,
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

/// A period if one is given (the documents decide the default).
fn period_if_given(docs: &Docs, text: Option<&str>) -> Result<Option<Period>, ApiError> {
    text.map(|t| period_or_now(docs, Some(t))).transpose()
}

/// The period named, or this month by the node's clock.
fn period_or_now(docs: &Docs, text: Option<&str>) -> Result<Period, ApiError> {
    match text {
        None => Ok(Period::of(docs.today())),
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
    let net = s.net_status().await;
    let names = s.docs.names().await?;
    Ok(Json(StatusView {
        group: s.docs.group().to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
        http: s.http.to_string(),
        documents: s.docs.counts().await?,
        listen: net.as_ref().map(|n| n.listen.clone()).unwrap_or_default(),
        group_name: s.group_name.clone(),
        storage: s.docs.storage_failing().map(|e| e.to_string()),
        relay_name: match net.as_ref().map(|n| &n.reachability) {
            Some(crate::net::reach::Reachability::Relayed { relay }) => relay
                .parse()
                .ok()
                .and_then(|g: commonground_protocol::GroupId| names.get(&g).cloned()),
            _ => None,
        },
        reachability: net
            .as_ref()
            .map_or(crate::net::reach::Reachability::Unknown, |n| {
                n.reachability.clone()
            }),
        relaying: net.as_ref().is_some_and(|n| n.relaying),
        relayed_members: net.as_ref().map_or(0, |n| n.relayed_members),
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
        s.docs
            .tally(period_or_now(&s.docs, q.period.as_deref())?)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tally", request_body = TallyAdd,
    responses((status = 200, body = TallyAdded), (status = 422, body = ErrorBody)))]
async fn tally_add(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<TallyAdd>,
) -> ApiResult<TallyAdded> {
    let period = period_or_now(&s.docs, req.period.as_deref())?;
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
    let view = make_invite(
        &s,
        network,
        req.expires.as_deref().unwrap_or("48h"),
        req.role.unwrap_or(Role::Member),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(post, path = "/api/v1/networks/join", request_body = JoinNetwork,
    responses((status = 200, body = NetworkView), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn join(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<JoinNetwork>,
) -> ApiResult<NetworkView> {
    Ok(Json(join_network(&s, req).await?))
}

#[utoipa::path(get, path = "/api/v1/peers", responses((status = 200, body = Vec<PeerView>)))]
async fn peers(State(s): State<AppState>) -> ApiResult<Vec<PeerView>> {
    Ok(Json(peer_views(&s).await?))
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

const FORGET: &str = "Re-issues the document as a new generation holding its current content and none of its history; this node deletes the old one from disk at once, and every member that receives the new generation does the same. Copies carried away in bundles cannot be recalled. Refused (422) while the current content itself holds personal data: edit it out first.";

#[utoipa::path(post, path = "/api/v1/plans/{plan}/forget", description = FORGET,
    params(("plan" = String, Path, description = "plan id or unique prefix")),
    responses((status = 200, body = Forgotten), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn forget_plan(State(s): State<AppState>, Path(plan): Path<String>) -> ApiResult<Forgotten> {
    Ok(Json(s.docs.forget(DocKind::Plan, plan).await?))
}

#[utoipa::path(post, path = "/api/v1/networks/{network}/forget", description = FORGET,
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 200, body = Forgotten), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn forget_network(
    State(s): State<AppState>,
    Path(network): Path<String>,
) -> ApiResult<Forgotten> {
    Ok(Json(s.docs.forget(DocKind::Network, network).await?))
}

#[utoipa::path(post, path = "/api/v1/networks/{network}/published/forget", description = FORGET,
    params(("network" = String, Path, description = "network id or unique prefix")),
    responses((status = 200, body = Forgotten), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn forget_published(
    State(s): State<AppState>,
    Path(network): Path<String>,
) -> ApiResult<Forgotten> {
    Ok(Json(s.docs.forget(DocKind::Published, network).await?))
}

#[utoipa::path(post, path = "/api/v1/tally/forget",
    description = "Re-issues this group's raw tally with its current counts and none of its history, and deletes the old one from disk.",
    responses((status = 200, body = Forgotten)))]
async fn forget_tally(State(s): State<AppState>) -> ApiResult<Forgotten> {
    Ok(Json(s.docs.forget(DocKind::Tally, String::new()).await?))
}

#[utoipa::path(post, path = "/api/v1/meetings/forget",
    description = "Re-issues this group's meeting records as they are now, with none of their history (deleted records and earlier wordings go), and deletes the old ones from disk.",
    responses((status = 200, body = Forgotten)))]
async fn forget_meetings(State(s): State<AppState>) -> ApiResult<Forgotten> {
    Ok(Json(s.docs.forget(DocKind::Meetings, String::new()).await?))
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
        forget_plan,
        forget_network,
        forget_published,
        forget_tally,
        forget_meetings,
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
        published,
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
        ImportSummary,
        Forgotten,
        Generation
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

/// The API's routes under `/api/v1`, with no page beside them and no access guard (see
/// [`crate::http::router`] for both).
pub fn routes(state: AppState) -> Router {
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
        .route("/plans/{plan}/forget", post(forget_plan))
        .route("/networks/{network}/forget", post(forget_network))
        .route(
            "/networks/{network}/published/forget",
            post(forget_published),
        )
        .route("/tally/forget", post(forget_tally))
        .route("/meetings/forget", post(forget_meetings))
        .route(
            "/plans/{plan}/collaborators/{group}",
            axum::routing::delete(remove_collaborator),
        )
        .route("/networks", get(networks).post(create_network))
        .route("/networks/join", post(join))
        .route("/networks/{network}", get(network))
        .route("/networks/{network}/invites", post(invite))
        .route("/networks/{network}/publish", post(publish))
        .route("/networks/{network}/published", get(published))
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
            // The body is streamed to disk and counted there (see `spool_bundle`).
            post(import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/plans/{plan}/collaborators", post(add_collaborator))
        .route("/peers", get(peers))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new().nest("/api/v1", v1).with_state(state)
}

// ---- Federation: publishing, the regional view, roles, removal, bundles ----

/// A request to publish this group's counts of a period.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PublishRequest {
    /// `YYYY-MM`; when absent, the last month that is over in the network's time zone (the
    /// current month where the network allows open months).
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

/// A settings change; absent fields stay as they are.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SettingsChange {
    /// The small-cell threshold: published counts below it are suppressed (0 turns it off).
    /// Raising it re-issues every member's published counts without their history.
    #[serde(default)]
    pub k: Option<i64>,
    /// Whether members may publish a month before it is over.
    #[serde(default)]
    pub open_months: Option<bool>,
    /// The network's time zone, minutes east of UTC (−720 to 840): when a month is over.
    #[serde(default)]
    pub utc_offset_minutes: Option<i64>,
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
    let period = period_if_given(&s.docs, req.period.as_deref())?;
    Ok(Json(s.docs.publish(network, period, req.from).await?))
}

#[utoipa::path(get, path = "/api/v1/networks/{network}/published",
    params(("network" = String, Path, description = "network id or unique prefix"),
        ("period" = Option<String>, Query, description = "YYYY-MM; when absent, the month a publish naming none publishes")),
    responses((status = 200, body = PublishedView, description = "what this group published of the period, when, and what the network's members see"),
        (status = 404, body = ErrorBody)))]
async fn published(
    State(s): State<AppState>,
    Path(network): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<PublishedView> {
    let period = period_if_given(&s.docs, q.period.as_deref())?;
    match s.docs.published(network, period).await? {
        Some(view) => Ok(Json(view)),
        None => Err(DocsError::NotFound {
            what: "publication of this group for",
            id: period.map_or_else(|| "the last month that is over".into(), |p| p.to_string()),
        }
        .into()),
    }
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
    let period = period_or_now(&s.docs, q.period.as_deref())?;
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
    let period = period_or_now(&s.docs, q.period.as_deref())?;
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
    Ok(Json(
        s.docs
            .set_settings(network, req.k, req.open_months, req.utc_offset_minutes)
            .await?,
    ))
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
    responses((status = 200, content_type = "application/x-ndjson", body = ImportLine),
        (status = 413, description = "larger than the node accepts (256 MiB)", body = ErrorBody),
        (status = 422, description = "not a bundle", body = ErrorBody),
        (status = 503, description = "another bundle is being imported (`busy`)", body = ErrorBody),
        (status = 507, description = "no room on the disk to take it in", body = ErrorBody)))]
async fn import(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    // One import at a time: each may hold a bundle's worth of disk and a document's worth of
    // memory while it is checked.
    let Ok(one) = IMPORTING.clone().try_acquire_owned() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "another bundle is being imported; try again when it is done".into(),
            None,
        ));
    };
    let spooled = spool_bundle(s.spool.clone(), &headers, body).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<ImportLine>(16);
    let progress = tx.clone();
    tokio::spawn(async move {
        let result = s
            .docs
            .import(spooled.file, move |checked, total| {
                // The actor thread must not wait for a slow reader: drop progress lines instead.
                let _ = progress.try_send(ImportLine::Progress { checked, total });
            })
            .await;
        // The upload's file is removed once it is imported (or refused).
        drop(spooled.path);
        drop(one);
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
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(lines),
    )
        .into_response())
}

/// The one import that may run at a time.
static IMPORTING: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(tokio::sync::Semaphore::new(1)));

/// An uploaded bundle on disk, waiting to be checked: removed when `path` is dropped.
struct Spooled {
    file: std::fs::File,
    path: tempfile::TempPath,
}

/// Writes an upload to a private file in `dir` as it arrives, so that the node never holds more
/// than a chunk of it in memory: refused at once if it says it is larger than a bundle may be
/// or does not start like one, and as soon as it passes the size limit otherwise. A full disk is
/// said plainly (507), as for any write.
async fn spool_bundle(
    dir: Option<std::path::PathBuf>,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Spooled, ApiError> {
    use commonground_protocol::bundle::{BundleError, MAGIC, MAX_BUNDLE_BYTES};
    use tokio::io::AsyncWriteExt;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "{} (at most {} MiB)",
                BundleError::TooLarge,
                MAX_BUNDLE_BYTES >> 20
            ),
            Some("bundle".into()),
        )
    };
    let dir = dir.unwrap_or_else(std::env::temp_dir);
    // A full or read-only disk names the folder it could not write.
    let stored = |e: std::io::Error| {
        ApiError::from(DocsError::Store(crate::store::StoreError::from(e).at(&dir)))
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BUNDLE_BYTES as u64) {
        return Err(too_large());
    }
    let spool = dir.clone();
    let tmp = tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(spool))
        .await
        .map_err(|_| ApiError::from(DocsError::Stopped))?
        .map_err(stored)?;
    let (std_file, path) = tmp.into_parts();
    let mut out = tokio::fs::File::from_std(std_file.try_clone().map_err(stored)?);
    let mut stream = body.into_data_stream();
    let mut received = 0usize;
    let mut start: Vec<u8> = Vec::with_capacity(MAGIC.len());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed",
                format!("the upload was cut short: {e}"),
                None,
            )
        })?;
        received += chunk.len();
        if received > MAX_BUNDLE_BYTES {
            return Err(too_large());
        }
        if start.len() < MAGIC.len() {
            let take = (MAGIC.len() - start.len()).min(chunk.len());
            start.extend_from_slice(&chunk[..take]);
            if !MAGIC.starts_with(&start) {
                return Err(ApiError::from(DocsError::Invalid(
                    ValidationError::Rejected {
                        field: "bundle",
                        reason: BundleError::NotABundle.to_string(),
                    },
                )));
            }
        }
        out.write_all(&chunk).await.map_err(stored)?;
    }
    out.flush().await.map_err(stored)?;
    drop(out);
    Ok(Spooled {
        file: std_file,
        path,
    })
}
