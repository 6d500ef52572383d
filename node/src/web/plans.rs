//! The plan pages: the list with a form for a new plan, and one plan's page: goal and demands,
//! the power map, actions with dates and status, meetings with authorities and their agendas,
//! and the forms that edit them.
//!
//! An open plan page stays current: the plan's view sits in a section that `live.js` refreshes
//! from `/plans/{id}/view` whenever `/plans/{id}/events` (server-sent events) reports new heads,
//! for example after a sync brought another group's edit. The forms sit outside that section,
//! so a refresh never wipes what someone is typing.

use std::convert::Infallible;
use std::time::Duration;

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use commonground_protocol::doc::DocKind;
use commonground_protocol::ids::{Day, ItemId};
use commonground_protocol::network::NetworkView;
use commonground_protocol::plan::{
    ActionEdit, ActionKind, ActionStatus, AgendaChange, AuthorityMeetingEdit, NewAction,
    NewAuthorityMeeting, NewPlan, NewTarget, PlanEdit, PlanStatus, PlanView, TargetEdit,
    TargetKind,
};
use futures_util::Stream;
use maud::{Markup, html};

use super::charts::{PowerPoint, power_map};
use super::i18n::Lang;
use super::pages::{
    Ctx, Fields, Filled, Input, Refusal, csrf, field, flash, form_error, layout, lines, value_of,
};
use super::{PageResult, Web, WebError};
use crate::docs::{Docs, DocsError};

/// How often an open stream checks its plan's heads when no change was announced (changes to
/// private plans are not announced).
const POLL: Duration = Duration::from_secs(2);

/// Choices of a `string_enum`, labelled by message `prefix-<value>`.
fn choices<T: std::fmt::Display>(lang: Lang, all: &[T], prefix: &str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (v.to_string(), lang.t(&format!("{prefix}-{v}"))))
        .collect()
}

fn numbers(lang: Lang, range: std::ops::RangeInclusive<i64>) -> Vec<(String, String)> {
    range.map(|n| (n.to_string(), lang.number(n))).collect()
}

/// `GET /plans`.
pub async fn list(State(web): State<Web>, Extension(ctx): Extension<Ctx>) -> PageResult {
    render_list(&web, &ctx, &Filled::default(), StatusCode::OK).await
}

async fn render_list(web: &Web, ctx: &Ctx, filled: &Filled, status: StatusCode) -> PageResult {
    const FORM: &str = "plan";
    let lang = ctx.lang;
    let plans = web.app.docs.plans().await?;
    let networks = web.app.docs.networks().await?;
    let mut shared: Vec<(String, String)> = vec![(String::new(), ctx.t("plan-private"))];
    shared.extend(networks.iter().map(|n| (n.id.to_string(), n.name.clone())));
    let title = ctx.t("plans-title");
    let body = html! {
        h1 { (title) }
        section class="card" aria-labelledby="plans-list" {
            h2 id="plans-list" { (ctx.t("plans-list")) }
            @if plans.iter().all(|p| p.archived) {
                p { (ctx.t("plans-none")) }
            } @else {
                ul class="records" {
                    @for p in plans.iter().filter(|p| !p.archived) {
                        li {
                            a href=(format!("/plans/{}", p.id)) { bdi { (p.title) } }
                            (lang.sep()) (lang.t(&format!("plan-status-{}", p.status)))
                            (lang.sep()) (lang.t_args("plan-actions-count", &[("n", (p.actions.len() as i64).into())]))
                            @if let Some(n) = network_name(&networks, p) { (lang.sep()) bdi { (n) } }
                        }
                    }
                }
            }
        }
        @if plans.iter().any(|p| p.archived) {
            section class="card" aria-labelledby="plans-archived" {
                h2 id="plans-archived" { (ctx.t("plans-archived")) }
                ul class="records" {
                    @for p in plans.iter().filter(|p| p.archived) {
                        li { a href=(format!("/plans/{}", p.id)) { bdi { (p.title) } } }
                    }
                }
            }
        }
        section class="card" aria-labelledby="plan-new" {
            h2 id="plan-new" { (ctx.t("plan-new")) }
            form method="post" action="/plans" novalidate {
                (csrf(ctx))
                (form_error(filled, FORM, &["title", "goal", "demands", "network"]))
                (field(filled, FORM, "title", &ctx.t("plan-title"), Input::Typed("text", None, None), "", true))
                (field(filled, FORM, "goal", &ctx.t("plan-goal"), Input::Area, "", false))
                (field(filled, FORM, "demands", &ctx.t("plan-demands"), Input::Area, "", false))
                (field(filled, FORM, "network", &ctx.t("plan-network"), Input::Choice(&shared), "", false))
                button type="submit" { (ctx.t("plan-create")) }
            }
        }
    };
    Ok((status, layout(ctx, &title, body)).into_response())
}

fn network_name<'a>(networks: &'a [NetworkView], plan: &PlanView) -> Option<&'a str> {
    let id = plan.header.network?;
    networks
        .iter()
        .find(|n| n.id == id)
        .map(|n| n.name.as_str())
}

/// `POST /plans`: creates a plan, then opens it.
pub async fn create(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let new = NewPlan {
        title: value_of(&fields, "title").to_string(),
        goal: value_of(&fields, "goal").to_string(),
        demands: value_of(&fields, "demands").to_string(),
    };
    let network = Some(value_of(&fields, "network").to_string()).filter(|n| !n.is_empty());
    match web.app.docs.new_plan(new, network).await {
        Ok(p) => Ok(Redirect::to(&format!("/plans/{}", p.id)).into_response()),
        Err(e) => {
            let filled = Filled::refused(Refusal::of("plan", ctx.lang, e)?, &fields);
            render_list(&web, &ctx, &filled, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `GET /plans/{plan}`.
pub async fn page(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    render(
        &web,
        &ctx,
        &id,
        &Filled::default(),
        q.known(),
        StatusCode::OK,
    )
    .await
}

/// What the last form did, carried in the address it redirected to (`?done=action-saved`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    /// The outcome, if it is one the page knows (nothing else from the address is shown).
    fn known(&self) -> Option<&str> {
        const KNOWN: &[&str] = &[
            "plan-saved",
            "action-added",
            "action-saved",
            "action-deleted",
            "target-added",
            "target-saved",
            "target-deleted",
            "ameeting-added",
            "ameeting-saved",
            "ameeting-deleted",
            "plan-archived",
            "plan-restored",
            "plan-shared",
            "plan-forgotten",
            "collab-added",
            "collab-removed",
        ];
        self.done.as_deref().filter(|d| KNOWN.contains(d))
    }
}

/// `GET /plans/{plan}/view`: the live part of the plan page alone, for `live.js`.
pub async fn fragment(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> PageResult {
    let plan = web.app.docs.plan(id).await?;
    let standing = standing(&web.app.docs, &plan).await?;
    Ok(view(&ctx, &plan, &standing, &Filled::default()).into_response())
}

async fn render(
    web: &Web,
    ctx: &Ctx,
    id: &str,
    filled: &Filled,
    done: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let plan = web.app.docs.plan(id.to_string()).await?;
    let standing = standing(&web.app.docs, &plan).await?;
    let lang = ctx.lang;
    let base = format!("/plans/{}", plan.id);
    let statuses = choices(lang, PlanStatus::ALL, "plan-status");
    let action_kinds = choices(lang, ActionKind::ALL, "action-kind");
    let target_kinds = choices(lang, TargetKind::ALL, "target-kind");
    let influence = numbers(lang, 1..=5);
    let stances: Vec<(String, String)> = (-2..=2)
        .map(|n| (n.to_string(), lang.t(&format!("stance-{}", n + 2))))
        .collect();
    let done = done.map(|d| ctx.t(&format!("done-{d}")));
    let body = html! {
        (flash(ctx, filled, done.as_deref()))
        h1 { bdi { (plan.title) } }
        p { a href="/plans" { (ctx.t("plans-back")) } }
        p id="stale" class="flash stale" role="status" hidden { (ctx.t("plan-changed-meanwhile")) }
        section id="plan-view" class="live" aria-live="polite"
            data-live-events=(format!("{base}/events")) data-live-fragment=(format!("{base}/view")) {
            (view(ctx, &plan, &standing, filled))
        }
        @if standing.can_edit {
        div class="forms" {
            section class="card" aria-labelledby="edit-heading" {
                h2 id="edit-heading" { (ctx.t("plan-edit")) }
                form method="post" action=(base) novalidate {
                    (csrf(ctx))
                    (based_on(filled, "edit", &plan))
                    (form_error(filled, "edit", &["title", "goal", "demands", "status"]))
                    (field(filled, "edit", "title", &ctx.t("plan-title"), Input::Typed("text", None, None), &plan.title, true))
                    (field(filled, "edit", "goal", &ctx.t("plan-goal"), Input::Area, &plan.goal, false))
                    (field(filled, "edit", "demands", &ctx.t("plan-demands"), Input::Area, &plan.demands, false))
                    (field(filled, "edit", "status", &ctx.t("plan-status"), Input::Choice(&statuses), plan.status.as_str(), false))
                    button type="submit" { (ctx.t("save")) }
                }
            }
            section class="card" aria-labelledby="action-heading" {
                h2 id="action-heading" { (ctx.t("action-new")) }
                form method="post" action=(format!("{base}/actions")) novalidate {
                    (csrf(ctx))
                    (form_error(filled, "action", &["title", "date", "kind", "notes"]))
                    (field(filled, "action", "title", &ctx.t("action-title"), Input::Typed("text", None, None), "", true))
                    (field(filled, "action", "date", &ctx.t("action-date"), Input::Typed("date", None, None), "", false))
                    (field(filled, "action", "kind", &ctx.t("action-kind"), Input::Choice(&action_kinds), "other", false))
                    (field(filled, "action", "notes", &ctx.t("action-notes"), Input::Area, "", false))
                    button type="submit" { (ctx.t("action-add")) }
                }
            }
            section class="card" aria-labelledby="target-heading" {
                h2 id="target-heading" { (ctx.t("target-new")) }
                p class="note" { (ctx.t("target-intro")) }
                form method="post" action=(format!("{base}/targets")) novalidate {
                    (csrf(ctx))
                    (form_error(filled, "target", &["kind", "role", "institution", "influence", "stance"]))
                    (field(filled, "target", "kind", &ctx.t("target-kind"), Input::Choice(&target_kinds), "target", false))
                    (field(filled, "target", "role", &ctx.t("target-role"), Input::Typed("text", None, None), "", true))
                    (field(filled, "target", "institution", &ctx.t("target-institution"), Input::Typed("text", None, None), "", false))
                    (field(filled, "target", "influence", &ctx.t("target-influence"), Input::Choice(&influence), "3", false))
                    (field(filled, "target", "stance", &ctx.t("target-stance"), Input::Choice(&stances), "0", false))
                    button type="submit" { (ctx.t("target-add")) }
                }
            }
            section class="card" aria-labelledby="ameeting-heading" {
                h2 id="ameeting-heading" { (ctx.t("ameeting-new")) }
                form method="post" action=(format!("{base}/meetings")) novalidate {
                    (csrf(ctx))
                    (form_error(filled, "ameeting", &["with", "date", "agenda"]))
                    (field(filled, "ameeting", "with", &ctx.t("ameeting-with"), Input::Typed("text", None, None), "", true))
                    (field(filled, "ameeting", "date", &ctx.t("ameeting-date"), Input::Typed("date", None, None), "", true))
                    (field(filled, "ameeting", "agenda", &ctx.t("ameeting-agenda"), Input::Area, "", false))
                    p class="hint" { (ctx.t("ameeting-agenda-hint")) }
                    button type="submit" { (ctx.t("ameeting-add")) }
                }
            }
            section class="card" aria-labelledby="archive-heading" {
                h2 id="archive-heading" { (ctx.t(if plan.archived { "plan-restore" } else { "plan-archive" })) }
                p class="note" { (ctx.t(if plan.archived { "plan-restore-intro" } else { "plan-archive-intro" })) }
                (button_form(ctx, &format!("{base}/archive"), &ctx.t(if plan.archived { "plan-restore" } else { "plan-archive" }), "", &[("archived", if plan.archived { "false" } else { "true" })]))
            }
            section class="card" aria-labelledby="forget-heading" {
                h2 id="forget-heading" { (ctx.t("plan-forget")) }
                p class="note" { (ctx.t("plan-forget-intro")) }
                form method="post" action=(format!("{base}/forget")) novalidate {
                    (csrf(ctx))
                    (form_error(filled, "forget", &["confirm"]))
                    label {
                        input type="checkbox" name="confirm" id="forget-confirm" value="yes";
                        " " (ctx.t("plan-forget-confirm"))
                    }
                    button type="submit" class="danger" { (ctx.t("plan-forget")) }
                }
            }
        }
        }
    };
    Ok((status, layout(ctx, &plan.title, body)).into_response())
}

/// What a plan page knows besides the plan: whether this group may edit it, and the names of
/// the groups of its network.
pub struct Standing {
    /// Whether this group is one of the plan's collaborators.
    can_edit: bool,
    /// The network's members (empty for a private plan).
    members: Vec<commonground_protocol::network::Member>,
    /// This group.
    me: commonground_protocol::GroupId,
    /// The networks a private plan could be shared with (id, name): those where this group
    /// may write plans.
    share_to: Vec<(String, String)>,
}

impl Standing {
    /// A group's name: "this group" for this one, else as the network names it, or its short
    /// id when the network does not name it.
    fn name(&self, ctx: &Ctx, group: &commonground_protocol::GroupId) -> String {
        if group == &self.me {
            return ctx.t("collab-this-group");
        }
        self.members.iter().find(|m| &m.group == group).map_or_else(
            || group.to_string().chars().take(12).collect(),
            |m| m.name.clone(),
        )
    }
}

/// What this group may do with `plan`.
async fn standing(docs: &Docs, plan: &PlanView) -> Result<Standing, DocsError> {
    use commonground_protocol::network::Role;
    let me = docs.group();
    let networks = docs.networks().await?;
    let members = match plan.header.network {
        Some(n) => networks
            .iter()
            .find(|v| v.id == n)
            .map(|v| v.members.clone())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let share_to = networks
        .iter()
        .filter(|_| plan.header.network.is_none())
        .filter(|n| {
            n.members
                .iter()
                .any(|m| m.group == me && matches!(m.role, Role::Coordinator | Role::Member))
        })
        .map(|n| (n.id.to_string(), n.name.clone()))
        .collect();
    Ok(Standing {
        can_edit: plan.collaborators.contains(&me),
        members,
        me,
        share_to,
    })
}

/// The version a form is made from, as a hidden field: the plan's heads, or, when this form was
/// refused, the heads it was first made from, so that saving it again still writes only what
/// the person changed.
fn based_on(filled: &Filled, form: &str, plan: &PlanView) -> Markup {
    let heads = filled.value(form, "base", &plan.heads.join(","));
    html! { input type="hidden" name="base" value=(heads); }
}

/// The heads a posted form was made from (absent on forms from before they carried them).
fn base_of(fields: &Fields) -> Option<Vec<String>> {
    let text = value_of(fields, "base");
    (!text.is_empty()).then(|| text.split(',').map(str::to_string).collect())
}

/// A small form with one button that posts to `action` (delete, move, archive...).
fn button_form(
    ctx: &Ctx,
    action: &str,
    label: &str,
    class: &str,
    hidden: &[(&str, &str)],
) -> Markup {
    html! {
        form method="post" action=(action) class="inline" {
            (csrf(ctx))
            @for (k, v) in hidden { input type="hidden" name=(k) value=(v); }
            button type="submit" class=(class) { (label) }
        }
    }
}

/// The live part of a plan page.
fn view(ctx: &Ctx, plan: &PlanView, standing: &Standing, filled: &Filled) -> Markup {
    let lang = ctx.lang;
    let base = format!("/plans/{}", plan.id);
    let statuses = choices(lang, ActionStatus::ALL, "action-status");
    let action_kinds = choices(lang, ActionKind::ALL, "action-kind");
    let target_kinds = choices(lang, TargetKind::ALL, "target-kind");
    let influence = numbers(lang, 1..=5);
    let stances: Vec<(String, String)> = (-2..=2)
        .map(|n| (n.to_string(), lang.t(&format!("stance-{}", n + 2))))
        .collect();
    let edit = standing.can_edit;
    let points: Vec<PowerPoint> = plan
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| PowerPoint {
            number: i + 1,
            ally: t.kind == TargetKind::Ally,
            influence: t.influence,
            stance: t.stance,
        })
        .collect();
    html! {
        section class="card" aria-labelledby="goal-title" {
            h2 id="goal-title" { (ctx.t("plan-goal")) }
            p class="status" { (ctx.t("plan-status")) (lang.colon()) strong { (lang.t(&format!("plan-status-{}", plan.status))) } }
            @if plan.archived { p class="note" { (ctx.t("plan-archived-note")) } }
            @if let Some(flag) = &plan.flagged {
                p class="note warning" role="alert" {
                    (ctx.lang.t_args("plan-flagged", &[
                        ("kind", fluent_bundle::FluentValue::from(ctx.t(&format!("pd-{}", flag.kind)))),
                        ("field", fluent_bundle::FluentValue::from(flag.field.clone())),
                    ]))
                }
            }
            @if plan.goal.is_empty() { p class="note" { (ctx.t("plan-no-goal")) } }
            // dir=auto: a paragraph typed in another script than the page's is laid out and
            // aligned in its own direction.
            @else { p class="text" dir="auto" { (plan.goal) } }
            h3 { (ctx.t("plan-demands")) }
            @if plan.demands.is_empty() { p class="note" { (ctx.t("plan-no-demands")) } }
            @else { p class="text" dir="auto" { (plan.demands) } }
        }
        section class="card" aria-labelledby="map-title" {
            h2 id="map-title" { (ctx.t("map-title")) }
            @if plan.targets.is_empty() {
                p { (ctx.t("map-empty")) }
            } @else {
                (power_map(&ctx.t("map-title"), &points, lang))
                ol class="records" {
                    @for t in &plan.targets {
                        @let form = format!("target-{}", t.id.as_str());
                        li {
                            span class=(if t.kind == TargetKind::Ally { "badge ally" } else { "badge target" }) {
                                (lang.t(&format!("target-kind-{}", t.kind)))
                            } " "
                            bdi { (t.role) }
                            @if !t.institution.is_empty() { ", " bdi { (t.institution) } }
                            (lang.sep()) (lang.t_args("target-summary", &[("influence", t.influence.into())]))
                            (lang.sep()) (lang.t(&format!("stance-{}", t.stance.clamp(-2, 2) + 2)))
                            @if edit {
                                details open[has_error(filled, &form)] {
                                    summary { (ctx.t("item-edit")) }
                                    form method="post" action=(format!("{base}/targets/{}", t.id.as_str())) novalidate {
                                        (csrf(ctx))
                                        (based_on(filled, &form, plan))
                                        (form_error(filled, &form, &["kind", "role", "institution", "influence", "stance"]))
                                        (field(filled, &form, "kind", &ctx.t("target-kind"), Input::Choice(&target_kinds), t.kind.as_str(), false))
                                        (field(filled, &form, "role", &ctx.t("target-role"), Input::Typed("text", None, None), &t.role, true))
                                        (field(filled, &form, "institution", &ctx.t("target-institution"), Input::Typed("text", None, None), &t.institution, false))
                                        (field(filled, &form, "influence", &ctx.t("target-influence"), Input::Choice(&influence), &t.influence.to_string(), false))
                                        (field(filled, &form, "stance", &ctx.t("target-stance"), Input::Choice(&stances), &t.stance.to_string(), false))
                                        button type="submit" { (ctx.t("save")) }
                                    }
                                    (button_form(ctx, &format!("{base}/targets/{}/delete", t.id.as_str()), &ctx.t("item-delete"), "danger", &[]))
                                }
                            }
                        }
                    }
                }
            }
        }
        section class="card" aria-labelledby="actions-title" {
            h2 id="actions-title" { (ctx.t("actions-title")) }
            @if plan.actions.is_empty() {
                p { (ctx.t("actions-none")) }
            } @else {
                ul class="records actions" {
                    @for a in &plan.actions {
                        @let form = format!("action-{}", a.id.as_str());
                        li {
                            strong { bdi { (a.title) } }
                            (lang.sep()) (a.date.map_or_else(|| ctx.t("action-no-date"), |d| lang.date(d)))
                            (lang.sep()) (lang.t(&format!("action-kind-{}", a.kind)))
                            (lang.sep()) (lang.t(&format!("action-status-{}", a.status)))
                            @if !a.notes.is_empty() { p class="text" dir="auto" { (a.notes) } }
                            @if edit {
                                form method="post" action=(format!("{base}/actions/{}", a.id.as_str())) class="inline" {
                                    (csrf(ctx))
                                    (based_on(&Filled::default(), "status", plan))
                                    label for=(format!("status-{}", a.id.as_str())) { (ctx.t("action-status")) }
                                    select id=(format!("status-{}", a.id.as_str())) name="status" {
                                        @for (v, l) in &statuses {
                                            option value=(v) selected[*v == a.status.as_str()] { (l) }
                                        }
                                    }
                                    button type="submit" { (ctx.t("save")) }
                                }
                                details open[has_error(filled, &form)] {
                                    summary { (ctx.t("item-edit")) }
                                    form method="post" action=(format!("{base}/actions/{}", a.id.as_str())) novalidate {
                                        (csrf(ctx))
                                        (based_on(filled, &form, plan))
                                        (form_error(filled, &form, &["title", "date", "kind", "status", "notes"]))
                                        (field(filled, &form, "title", &ctx.t("action-title"), Input::Typed("text", None, None), &a.title, true))
                                        (field(filled, &form, "date", &ctx.t("action-date"), Input::Typed("date", None, None), &a.date.map(|d| d.to_string()).unwrap_or_default(), false))
                                        (field(filled, &form, "kind", &ctx.t("action-kind"), Input::Choice(&action_kinds), a.kind.as_str(), false))
                                        (field(filled, &form, "status", &ctx.t("action-status"), Input::Choice(&statuses), a.status.as_str(), false))
                                        (field(filled, &form, "notes", &ctx.t("action-notes"), Input::Area, &a.notes, false))
                                        button type="submit" { (ctx.t("save")) }
                                    }
                                    (button_form(ctx, &format!("{base}/actions/{}/delete", a.id.as_str()), &ctx.t("item-delete"), "danger", &[]))
                                }
                            }
                        }
                    }
                }
            }
        }
        section class="card" aria-labelledby="ameetings-title" {
            h2 id="ameetings-title" { (ctx.t("ameetings-title")) }
            @if plan.meetings.is_empty() {
                p { (ctx.t("ameetings-none")) }
            } @else {
                ul class="records" {
                    @for m in &plan.meetings {
                        @let form = format!("ameeting-{}", m.id.as_str());
                        @let mbase = format!("{base}/meetings/{}", m.id.as_str());
                        li {
                            strong { bdi { (m.with) } } (lang.sep()) (lang.date(m.date))
                            @if !m.agenda.is_empty() {
                                ol class="agenda" {
                                    @for (i, item) in m.agenda.iter().enumerate() {
                                        li {
                                            bdi { (item.text) }
                                            @if edit {
                                                " "
                                                @if i > 0 { (button_form(ctx, &format!("{mbase}/agenda"), &ctx.t("agenda-up"), "small", &[("op", "move"), ("item", item.id.as_str()), ("index", &(i - 1).to_string())])) }
                                                @if i + 1 < m.agenda.len() { (button_form(ctx, &format!("{mbase}/agenda"), &ctx.t("agenda-down"), "small", &[("op", "move"), ("item", item.id.as_str()), ("index", &(i + 1).to_string())])) }
                                                (button_form(ctx, &format!("{mbase}/agenda"), &ctx.t("item-delete"), "small danger", &[("op", "delete"), ("item", item.id.as_str())]))
                                            }
                                        }
                                    }
                                }
                            }
                            @if !m.outcome.is_empty() { p class="text" { (ctx.t("ameeting-outcome")) (lang.colon()) bdi { (m.outcome) } } }
                            @if edit {
                                details open[has_error(filled, &form)] {
                                    summary { (ctx.t("item-edit")) }
                                    form method="post" action=(mbase.clone()) novalidate {
                                        (csrf(ctx))
                                        (based_on(filled, &form, plan))
                                        (form_error(filled, &form, &["with", "date", "outcome", "agenda"]))
                                        (field(filled, &form, "with", &ctx.t("ameeting-with"), Input::Typed("text", None, None), &m.with, true))
                                        (field(filled, &form, "date", &ctx.t("ameeting-date"), Input::Typed("date", None, None), &m.date.to_string(), true))
                                        (field(filled, &form, "outcome", &ctx.t("ameeting-outcome"), Input::Area, &m.outcome, false))
                                        @for item in &m.agenda {
                                            @let name = format!("agenda:{}", item.id.as_str());
                                            (field(filled, &form, &name, &ctx.t("agenda-item"), Input::Typed("text", None, None), &item.text, false))
                                        }
                                        (field(filled, &form, "agenda", &ctx.t("agenda-add"), Input::Typed("text", None, None), "", false))
                                        button type="submit" { (ctx.t("save")) }
                                    }
                                    (button_form(ctx, &format!("{mbase}/delete"), &ctx.t("item-delete"), "danger", &[]))
                                }
                            }
                        }
                    }
                }
            }
        }
        (collaborators(ctx, plan, standing, filled))
    }
}

/// Whether `form` was refused.
fn has_error(filled: &Filled, form: &str) -> bool {
    filled.general(form, &[]).is_some()
}

/// Who writes the plan: the collaborators by name, with forms to add and remove them (for
/// collaborators), or why this group cannot edit and who can add it.
fn collaborators(ctx: &Ctx, plan: &PlanView, standing: &Standing, filled: &Filled) -> Markup {
    let base = format!("/plans/{}", plan.id);
    let names: Vec<String> = plan
        .collaborators
        .iter()
        .map(|g| standing.name(ctx, g))
        .collect();
    let addable: Vec<(String, String)> = standing
        .members
        .iter()
        .filter(|m| !plan.collaborators.contains(&m.group))
        .filter(|m| m.role != commonground_protocol::network::Role::Aggregator)
        .map(|m| (m.group.to_string(), m.name.clone()))
        .collect();
    html! {
        section class="card" aria-labelledby="collab-title" {
            h2 id="collab-title" { (ctx.t("collab-title")) }
            ul class="records" {
                @for (g, name) in plan.collaborators.iter().zip(&names) {
                    li {
                        bdi { (name) }
                        @if standing.can_edit && plan.collaborators.len() > 1 {
                            " " (button_form(ctx, &format!("{base}/collaborators/{g}/delete"), &ctx.t("collab-remove"), "small danger", &[]))
                        }
                    }
                }
            }
            @if !standing.can_edit {
                p class="note" { (ctx.lang.t_args("collab-cannot-edit", &[("groups", names.join(", ").into())])) }
            } @else if plan.header.network.is_none() {
                p class="note" { (ctx.t("collab-private")) }
                @if standing.share_to.is_empty() {
                    p class="note" { (ctx.t("share-no-network")) }
                } @else {
                    h3 { (ctx.t("share-title")) }
                    p class="note" { (ctx.t("share-intro")) }
                    form method="post" action=(format!("{base}/share")) novalidate {
                        (csrf(ctx))
                        (form_error(filled, "share", &["network"]))
                        (field(filled, "share", "network", &ctx.t("share-network"), Input::Choice(&standing.share_to), "", false))
                        button type="submit" { (ctx.t("share-button")) }
                    }
                }
            } @else if addable.is_empty() {
                p class="note" { (ctx.t("collab-none-to-add")) }
            } @else {
                form method="post" action=(format!("{base}/collaborators")) novalidate {
                    (csrf(ctx))
                    (form_error(filled, "collab", &["group"]))
                    (field(filled, "collab", "group", &ctx.t("collab-choose"), Input::Choice(&addable), "", false))
                    button type="submit" { (ctx.t("collab-add")) }
                }
            }
        }
    }
}

/// A form posted to one plan: what every plan form handler needs.
pub struct PlanPost {
    web: Web,
    ctx: Ctx,
    /// The path's parameters: `plan`, and `action` where the route has it.
    params: HashMap<String, String>,
    fields: Fields,
}

impl FromRequest<Web> for PlanPost {
    type Rejection = Response;

    async fn from_request(req: Request, web: &Web) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(&mut parts, web)
            .await
            .map_err(IntoResponse::into_response)?;
        let Extension(ctx) = Extension::<Ctx>::from_request_parts(&mut parts, web)
            .await
            .map_err(IntoResponse::into_response)?;
        let req = Request::from_parts(parts, body);
        let Form(fields) = Form::<Fields>::from_request(req, web)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            web: web.clone(),
            ctx,
            params,
            fields,
        })
    }
}

impl PlanPost {
    fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    fn parse<T: std::str::FromStr>(&self, form: &str, name: &str) -> Result<T, Refusal> {
        value_of(&self.fields, name)
            .trim()
            .parse()
            .map_err(|_| Refusal::malformed(form, self.ctx.lang, name))
    }

    fn text(&self, name: &str) -> String {
        value_of(&self.fields, name).to_string()
    }

    /// A date input that may be left empty (no date yet).
    fn optional_day(&self, form: &str, name: &str) -> Result<Option<Day>, Refusal> {
        match value_of(&self.fields, name).trim() {
            "" => Ok(None),
            _ => self.parse(form, name).map(Some),
        }
    }

    /// Runs an edit of the plan: `parsed` is the form read into the edit's input (or a refusal
    /// of malformed input), `apply` makes the same documents call as the API. Success shows the
    /// plan; a refusal shows the plan page again with the message beside form `form`.
    async fn apply<T, F, Fut>(
        &self,
        form: &str,
        done: &str,
        parsed: Result<T, Refusal>,
        apply: F,
    ) -> PageResult
    where
        F: FnOnce(Docs, String, T) -> Fut,
        Fut: Future<Output = Result<PlanView, DocsError>>,
    {
        let id = self.param("plan");
        let refusal = match parsed {
            Ok(input) => match apply(self.web.app.docs.clone(), id.to_string(), input).await {
                Ok(p) => {
                    return Ok(
                        Redirect::to(&format!("/plans/{}?done={done}#flash", p.id)).into_response()
                    );
                }
                Err(e) => Refusal::of(form, self.ctx.lang, e)?,
            },
            Err(r) => r,
        };
        let filled = Filled::refused(refusal, &self.fields);
        render(
            &self.web,
            &self.ctx,
            id,
            &filled,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
}

/// `POST /plans/{plan}`: changes the plan's own fields.
pub async fn edit(p: PlanPost) -> PageResult {
    let parsed = p
        .parse::<PlanStatus>("edit", "status")
        .map(|status| PlanEdit {
            base: base_of(&p.fields),
            title: Some(p.text("title")),
            goal: Some(p.text("goal")),
            demands: Some(p.text("demands")),
            status: Some(status),
        });
    p.apply("edit", "plan-saved", parsed, |docs, id, edit| async move {
        docs.update_plan(id, edit).await
    })
    .await
}

/// `POST /plans/{plan}/actions`.
pub async fn add_action(p: PlanPost) -> PageResult {
    let parsed = (|| {
        let date = p.optional_day("action", "date")?;
        Ok(NewAction {
            title: p.text("title"),
            date,
            kind: p.parse("action", "kind")?,
            notes: p.text("notes"),
        })
    })();
    p.apply(
        "action",
        "action-added",
        parsed,
        |docs, id, new| async move { docs.add_action(id, new).await },
    )
    .await
}

/// `POST /plans/{plan}/targets`.
pub async fn add_target(p: PlanPost) -> PageResult {
    let parsed = (|| {
        Ok(NewTarget {
            kind: p.parse("target", "kind")?,
            role: p.text("role"),
            institution: p.text("institution"),
            influence: p.parse("target", "influence")?,
            stance: p.parse("target", "stance")?,
        })
    })();
    p.apply(
        "target",
        "target-added",
        parsed,
        |docs, id, new| async move { docs.add_target(id, new).await },
    )
    .await
}

/// `POST /plans/{plan}/meetings`: a meeting with an authority; one agenda item per line.
pub async fn add_meeting(p: PlanPost) -> PageResult {
    let parsed = p.parse("ameeting", "date").map(|date| NewAuthorityMeeting {
        with: p.text("with"),
        date,
        agenda: lines(value_of(&p.fields, "agenda")),
    });
    p.apply(
        "ameeting",
        "ameeting-added",
        parsed,
        |docs, id, new| async move { docs.add_authority_meeting(id, new).await },
    )
    .await
}

/// The item a route names (`action`, `target`, `meeting`, `group`).
fn item(p: &PlanPost, name: &str) -> Result<ItemId, WebError> {
    p.param(name).parse().map_err(|_| WebError::NotFound)
}

/// `POST /plans/{plan}/actions/{action}`: changes an action: its status alone (the quick form
/// in the list), or every field (the edit form).
pub async fn set_action(p: PlanPost) -> PageResult {
    let action = item(&p, "action")?;
    let form = format!("action-{}", action.as_str());
    let quick = !p.fields.iter().any(|(k, _)| k == "title");
    let parsed = if quick {
        p.parse::<ActionStatus>("status", "status")
            .map(|status| ActionEdit {
                base: base_of(&p.fields),
                status: Some(status),
                ..ActionEdit::default()
            })
    } else {
        (|| {
            let date = p.optional_day(&form, "date")?;
            Ok(ActionEdit {
                base: base_of(&p.fields),
                title: Some(p.text("title")),
                date,
                clear_date: date.is_none(),
                kind: Some(p.parse(&form, "kind")?),
                status: Some(p.parse(&form, "status")?),
                notes: Some(p.text("notes")),
            })
        })()
    };
    let form = if quick { "status".to_string() } else { form };
    p.apply(&form, "action-saved", parsed, |docs, id, edit| async move {
        docs.set_action(id, action, edit).await
    })
    .await
}

/// `POST /plans/{plan}/actions/{action}/delete`.
pub async fn delete_action(p: PlanPost) -> PageResult {
    let action = item(&p, "action")?;
    let form = format!("action-{}", action.as_str());
    p.apply(&form, "action-deleted", Ok(()), |docs, id, ()| async move {
        docs.delete_action(id, action).await
    })
    .await
}

/// `POST /plans/{plan}/targets/{target}`: changes a target or ally.
pub async fn set_target(p: PlanPost) -> PageResult {
    let target = item(&p, "target")?;
    let form = format!("target-{}", target.as_str());
    let parsed = (|| {
        Ok(TargetEdit {
            base: base_of(&p.fields),
            kind: Some(p.parse(&form, "kind")?),
            role: Some(p.text("role")),
            institution: Some(p.text("institution")),
            influence: Some(p.parse(&form, "influence")?),
            stance: Some(p.parse(&form, "stance")?),
        })
    })();
    p.apply(&form, "target-saved", parsed, |docs, id, edit| async move {
        docs.set_target(id, target, edit).await
    })
    .await
}

/// `POST /plans/{plan}/targets/{target}/delete`.
pub async fn delete_target(p: PlanPost) -> PageResult {
    let target = item(&p, "target")?;
    let form = format!("target-{}", target.as_str());
    p.apply(&form, "target-deleted", Ok(()), |docs, id, ()| async move {
        docs.delete_target(id, target).await
    })
    .await
}

/// `POST /plans/{plan}/meetings/{meeting}`: changes a meeting with an authority: who with,
/// when, the outcome, each agenda item's text, and an item to add.
pub async fn set_meeting(p: PlanPost) -> PageResult {
    let meeting = item(&p, "meeting")?;
    let form = format!("ameeting-{}", meeting.as_str());
    let base = base_of(&p.fields);
    let parsed = p.parse::<Day>(&form, "date").map(|date| {
        let edit = AuthorityMeetingEdit {
            base: base.clone(),
            with: Some(p.text("with")),
            date: Some(date),
            outcome: Some(p.text("outcome")),
        };
        let mut agenda: Vec<AgendaChange> = p
            .fields
            .iter()
            .filter_map(|(k, v)| {
                let item = k.strip_prefix("agenda:")?.parse().ok()?;
                Some(AgendaChange::Edit {
                    item,
                    text: v.clone(),
                    base: base.clone(),
                })
            })
            .collect();
        let new = p.text("agenda");
        if !commonground_protocol::text::is_blank(&new) {
            agenda.push(AgendaChange::Add {
                text: new,
                index: None,
            });
        }
        (edit, agenda)
    });
    p.apply(
        &form,
        "ameeting-saved",
        parsed,
        |docs, id, (edit, agenda)| async move {
            docs.set_authority_meeting(id, meeting, edit, agenda).await
        },
    )
    .await
}

/// `POST /plans/{plan}/meetings/{meeting}/delete`.
pub async fn delete_meeting(p: PlanPost) -> PageResult {
    let meeting = item(&p, "meeting")?;
    let form = format!("ameeting-{}", meeting.as_str());
    p.apply(
        &form,
        "ameeting-deleted",
        Ok(()),
        |docs, id, ()| async move { docs.delete_authority_meeting(id, meeting).await },
    )
    .await
}

/// `POST /plans/{plan}/meetings/{meeting}/agenda`: moves or deletes an agenda item
/// (`op=move&item=…&index=…`, `op=delete&item=…`).
pub async fn change_agenda(p: PlanPost) -> PageResult {
    let meeting = item(&p, "meeting")?;
    let form = format!("ameeting-{}", meeting.as_str());
    let parsed = (|| {
        let item: ItemId = p.parse(&form, "item")?;
        match value_of(&p.fields, "op") {
            "move" => Ok(AgendaChange::Move {
                item,
                index: p.parse(&form, "index")?,
            }),
            "delete" => Ok(AgendaChange::Delete { item }),
            _ => Err(Refusal::malformed(form.clone(), p.ctx.lang, "op")),
        }
    })();
    p.apply(
        &form,
        "ameeting-saved",
        parsed,
        |docs, id, change| async move { docs.change_agenda(id, meeting, change).await },
    )
    .await
}

/// `POST /plans/{plan}/archive`: archives the plan, or restores it (`archived=false`).
pub async fn archive(p: PlanPost) -> PageResult {
    let archived = value_of(&p.fields, "archived") != "false";
    let done = if archived {
        "plan-archived"
    } else {
        "plan-restored"
    };
    p.apply(
        "archive",
        done,
        Ok(archived),
        |docs, id, archived| async move { docs.archive_plan(id, archived).await },
    )
    .await
}

/// `POST /plans/{plan}/forget`: re-issues the plan without its history, once the organiser
/// ticked that earlier versions cannot be brought back.
pub async fn forget(p: PlanPost) -> PageResult {
    let parsed = if value_of(&p.fields, "confirm") == "yes" {
        Ok(())
    } else {
        Err(Refusal {
            form: "forget".into(),
            input: Some("confirm".into()),
            message: p.ctx.t("refused-confirm"),
        })
    };
    p.apply(
        "forget",
        "plan-forgotten",
        parsed,
        |docs, id, ()| async move {
            docs.forget(DocKind::Plan, id.clone()).await?;
            docs.plan(id).await
        },
    )
    .await
}

/// `POST /plans/{plan}/share`: shares a private plan with a network (as a new plan there; the
/// private one is archived) and opens the new one.
pub async fn share(p: PlanPost) -> PageResult {
    let network = value_of(&p.fields, "network").to_string();
    p.apply(
        "share",
        "plan-shared",
        Ok(network),
        |docs, id, network| async move { docs.share_plan(id, network).await },
    )
    .await
}

/// `POST /plans/{plan}/collaborators`: lets another member group write the plan.
pub async fn add_collaborator(p: PlanPost) -> PageResult {
    let parsed = p.parse::<commonground_protocol::GroupId>("collab", "group");
    p.apply(
        "collab",
        "collab-added",
        parsed,
        |docs, id, group| async move { docs.add_collaborator(id, group).await },
    )
    .await
}

/// `POST /plans/{plan}/collaborators/{group}/delete`.
pub async fn remove_collaborator(p: PlanPost) -> PageResult {
    let group: commonground_protocol::GroupId =
        p.param("group").parse().map_err(|_| WebError::NotFound)?;
    p.apply(
        "collab",
        "collab-removed",
        Ok(group),
        |docs, id, group| async move { docs.remove_collaborator(id, group).await },
    )
    .await
}

/// The state of one live-update stream.
struct Watch {
    web: Web,
    plan: String,
    heads: Vec<String>,
    changes: tokio::sync::broadcast::Receiver<crate::docs::Stored>,
    tick: tokio::time::Interval,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Watch {
    /// Waits until the plan's heads differ from the last seen; `None` when the node stops or the
    /// plan is gone.
    async fn next_change(&mut self) -> Option<Vec<String>> {
        let shutdown = self.web.options.shutdown.clone();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => return None,
                r = self.changes.recv() => {
                    if matches!(r, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                        return None;
                    }
                }
                _ = self.tick.tick() => {}
            }
            let heads = self.web.app.docs.plan(self.plan.clone()).await.ok()?.heads;
            if heads != self.heads {
                return Some(heads);
            }
        }
    }
}

/// `GET /plans/{plan}/events`: a `changed` event each time the plan's heads change.
pub async fn events(
    State(web): State<Web>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, WebError> {
    let permit = web
        .streams
        .clone()
        .try_acquire_owned()
        .map_err(|_| WebError::Busy)?;
    let changes = web.app.docs.subscribe();
    let plan = web.app.docs.plan(id).await?;
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let watch = Watch {
        plan: plan.id.to_string(),
        heads: plan.heads,
        web,
        changes,
        tick,
        _permit: permit,
    };
    let stream = futures_util::stream::unfold(watch, |mut w| async move {
        let heads = w.next_change().await?;
        let event = Event::default()
            .event("changed")
            .data(heads.first().map_or("", |h| &h[..h.len().min(16)]));
        w.heads = heads;
        Some((Ok(event), w))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
