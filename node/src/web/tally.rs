//! The tally page: a period's counts as a bar chart and a table, the forms that publish them to
//! each network this group belongs to (with links to the networks' merged counts), the form that
//! records a meeting (which adds its issues to the tally), and the latest meeting records.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use commonground_protocol::catalogue::IssueEntry;
use commonground_protocol::ids::{Day, ItemId, Period};
use commonground_protocol::meeting::{MeetingEdit, MeetingKind, MeetingRecord, NewMeeting};
use commonground_protocol::network::NetworkView;
use commonground_protocol::publish::{Cell, may_publish};
use commonground_protocol::tally::TallyView;
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;

use super::charts::bar_chart;
use super::i18n::Lang;
use super::pages::{
    Ctx, Fields, Filled, Input, Refusal, csrf, field, flash, form_error, issue_label, layout,
    lines, range_text, region_href, value_of,
};
use super::{PageResult, Web, WebError};
use crate::federation::PublishedView;

/// How many meeting records the page lists.
const RECENT: usize = 10;

/// The page's query: the period, and what the last form did (`done`, with the record's
/// date, people and issues for a recorded meeting).
#[derive(Debug, Deserialize)]
pub struct TallyQuery {
    period: Option<String>,
    done: Option<String>,
    date: Option<String>,
    people: Option<i64>,
    issues: Option<i64>,
}

impl TallyQuery {
    /// The message of what the last form did, in the page's language; only outcomes the page
    /// knows, with values that parse, are shown.
    fn done(&self, lang: Lang) -> Option<String> {
        let date = self.date.as_deref().and_then(|d| d.parse::<Day>().ok());
        match (self.done.as_deref()?, date) {
            (d @ ("meeting-recorded" | "meeting-saved"), Some(date)) => Some(lang.t_args(
                &format!("done-{d}"),
                &[
                    ("date", lang.date(date).into()),
                    ("people", self.people.unwrap_or(0).into()),
                    ("issues", self.issues.unwrap_or(0).into()),
                ],
            )),
            ("meeting-deleted", Some(date)) => {
                Some(lang.t_args("done-meeting-deleted", &[("date", lang.date(date).into())]))
            }
            _ => None,
        }
    }
}

/// Where a saved meeting record's page is, with what to say about it.
fn after_meeting(done: &str, r: &MeetingRecord) -> String {
    let raised: i64 = r.issues.values().sum();
    format!(
        "/tally?period={}&done={done}&date={}&people={}&issues={raised}#flash",
        Period::of(r.date),
        r.date,
        r.attendees
    )
}

fn meeting_kinds(lang: Lang) -> Vec<(String, String)> {
    MeetingKind::ALL
        .iter()
        .map(|k| (k.to_string(), lang.t(&format!("meeting-kind-{k}"))))
        .collect()
}

/// `GET /tally`.
pub async fn page(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<TallyQuery>,
) -> PageResult {
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        None => Period::of(ctx.today()),
        Some(p) => p.parse().map_err(|_| WebError::NotFound)?,
    };
    let done = q.done(ctx.lang);
    render(
        &web,
        &ctx,
        period,
        &Filled::default(),
        None,
        done.as_deref(),
        StatusCode::OK,
    )
    .await
}

/// What the last publish form did, shown beside that network's form.
struct Outcome {
    /// The network as the form named it.
    network: String,
    /// What was published, or why not.
    result: Result<PublishedView, String>,
}

/// This month's tally page again, with a refused meeting form as it was filled in.
async fn refused_page(web: &Web, ctx: &Ctx, refused: Refusal, fields: &Fields) -> PageResult {
    let filled = Filled::refused(refused, fields);
    render(
        web,
        ctx,
        Period::of(ctx.today()),
        &filled,
        None,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn render(
    web: &Web,
    ctx: &Ctx,
    period: Period,
    filled: &Filled,
    outcome: Option<&Outcome>,
    done: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let docs = &web.app.docs;
    let view = docs.tally(period).await?;
    let issues = docs.issues().await?;
    let meetings = docs.meetings().await?;
    let networks = docs.networks().await?;
    let mut published = Vec::with_capacity(networks.len());
    for n in &networks {
        published.push(docs.published(n.id.to_string(), Some(period)).await?);
    }
    let title = ctx.t("tally-title");
    let body = html! {
        (flash(ctx, filled, done))
        h1 { (title) }
        form method="get" action="/tally" class="inline" {
            div class="field" {
                label for="period" { (ctx.t("tally-period")) }
                input id="period" name="period" type="month" value=(period.to_string());
            }
            button type="submit" { (ctx.t("tally-show")) }
        }
        (counts(ctx, &view, &issues))
        (publish_card(ctx, period, &networks, &published, &issues, outcome))
        (meeting_form(ctx, &issues, filled))
        (recent(ctx, &meetings, &issues, filled))
    };
    Ok((status, layout(ctx, &title, body)).into_response())
}

fn label_of(lang: Lang, issues: &[IssueEntry], key: &str) -> String {
    issues.iter().find(|e| e.key.as_str() == key).map_or_else(
        || key.to_string(),
        |e| issue_label(lang, key, &e.label, e.built_in),
    )
}

fn counts(ctx: &Ctx, view: &TallyView, issues: &[IssueEntry]) -> Markup {
    let lang = ctx.lang;
    let heading = lang.t_args(
        "tally-heading",
        &[("period", lang.period(view.period).into())],
    );
    let rows: Vec<(String, i64)> = view
        .rows
        .iter()
        .map(|r| (label_of(lang, issues, r.issue.as_str()), r.count))
        .collect();
    html! {
        section class="card" aria-labelledby="counts-title" id="counts" {
            h2 id="counts-title" { (heading) }
            @if rows.is_empty() {
                p { (ctx.t("tally-empty")) }
            } @else {
                p { (lang.t_args("tally-total", &[("n", view.total.into())])) }
                (bar_chart(&heading, &rows, lang))
                table {
                    caption { (heading) }
                    thead { tr {
                        th scope="col" { (ctx.t("col-issue")) }
                        th scope="col" class="num" { (ctx.t("col-count")) }
                    } }
                    tbody {
                        @for (label, n) in &rows {
                            tr { th scope="row" { bdi { (label) } } td class="num" { (lang.number(*n)) } }
                        }
                    }
                }
            }
        }
    }
}

/// One form a network: "Publish <period> to <network>" (or, while the month is not over in
/// the network's time zone, when it can be), what was published of it before, when and as
/// the network's members see it, what the last form did beside it, and a link to the
/// network's merged counts for the period.
fn publish_card(
    ctx: &Ctx,
    period: Period,
    networks: &[NetworkView],
    published: &[Option<PublishedView>],
    issues: &[IssueEntry],
    outcome: Option<&Outcome>,
) -> Markup {
    let lang = ctx.lang;
    let month = lang.period(period);
    let now = ctx.now;
    html! {
        section class="card" aria-labelledby="publish-title" id="publish" {
            h2 id="publish-title" { (ctx.t("publish-title")) }
            @if networks.is_empty() {
                p { (ctx.t("publish-none")) " " a href="/network" { (ctx.t("publish-join")) } }
            } @else {
                p class="note" { (ctx.t("publish-intro")) }
                @for (n, before) in networks.iter().zip(published) {
                    @let name = || FluentValue::from(n.name.clone());
                    @let result = outcome
                        .filter(|o| o.network == n.id.to_string())
                        .map(|o| &o.result);
                    @let open = may_publish(period, &n.settings, now).is_ok();
                    div class="publish" {
                        @if open {
                            form method="post" action="/tally/publish" class="inline" {
                                (csrf(ctx))
                                input type="hidden" name="network" value=(n.id.to_string());
                                input type="hidden" name="period" value=(period.to_string());
                                button type="submit" {
                                    (lang.t_args("publish-submit", &[
                                        ("period", FluentValue::from(month.clone())),
                                        ("network", name()),
                                    ]))
                                }
                            }
                        } @else {
                            @let earlier = n.settings.default_period(now).unwrap_or(period.previous());
                            p class="note" {
                                (lang.t_args("publish-not-over", &[
                                    ("period", FluentValue::from(month.clone())),
                                    ("network", name()),
                                    ("zone", FluentValue::from(n.settings.zone())),
                                    ("date", FluentValue::from(lang.date(period.next().first_day()))),
                                ]))
                                " "
                                a href=(format!("/tally?period={earlier}#publish")) {
                                    (lang.t_args("publish-earlier", &[
                                        ("period", FluentValue::from(lang.period(earlier))),
                                    ]))
                                }
                            }
                        }
                        @match result {
                            Some(Ok(p)) => p class="done" role="status" {
                                (published_text(lang, &n.name, p))
                            },
                            Some(Err(e)) => p class="error" role="alert" { (e) },
                            None => {},
                        }
                        @if let Some(p) = result.and_then(|r| r.as_ref().ok()).or(before.as_ref()) {
                            (what_members_see(ctx, &n.name, p, issues))
                        }
                        p {
                            a href=(region_href(&n.id.to_string(), period)) {
                                (lang.t_args("region-link", &[("network", name())]))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What this group published of the period in a network, when, and each issue as the
/// network's members see it.
fn what_members_see(ctx: &Ctx, network: &str, p: &PublishedView, issues: &[IssueEntry]) -> Markup {
    let lang = ctx.lang;
    let name = FluentValue::from(network.to_string());
    let heading = match p.published {
        Some(day) => lang.t_args(
            "publish-last",
            &[
                ("date", FluentValue::from(lang.date(day))),
                ("network", name),
            ],
        ),
        None => lang.t_args("publish-last-undated", &[("network", name)]),
    };
    html! {
        details class="published" {
            summary { (heading) }
            ul {
                @for (issue, cell) in &p.cells {
                    @let shown = match cell {
                        Cell::Exact { count } => lang.number(*count),
                        Cell::FewerThan { k } => lang.t_args("publish-fewer", &[("k", FluentValue::from(lang.number(*k)))]),
                        Cell::Between { low, high } => range_text(lang, *low, *high),
                    };
                    li { bdi { (label_of(lang, issues, issue.as_str())) } (lang.colon()) (shown) }
                }
            }
        }
    }
}

/// What a publication sent: how many issues, how many of them only as a range, and which
/// moved by too little since the last publication to be shown exactly.
fn published_text(lang: Lang, network: &str, p: &PublishedView) -> String {
    let hidden = p
        .cells
        .values()
        .filter(|c| !matches!(c, Cell::Exact { .. }))
        .count();
    let done = lang.t_args(
        "publish-done",
        &[
            ("period", FluentValue::from(lang.period(p.period))),
            ("network", FluentValue::from(network.to_string())),
            ("n", FluentValue::from(p.cells.len() as i64)),
        ],
    );
    let hidden = lang.t_args(
        "publish-hidden",
        &[
            ("hidden", FluentValue::from(hidden as i64)),
            ("k", FluentValue::from(p.k)),
        ],
    );
    if p.ranged.is_empty() {
        return format!("{done} {hidden}");
    }
    let ranged = lang.t_args(
        "publish-ranged",
        &[
            ("n", FluentValue::from(p.ranged.len() as i64)),
            ("k", FluentValue::from(p.k)),
        ],
    );
    format!("{done} {hidden} {ranged}")
}

/// `POST /tally/publish`: publishes this group's counts of a period to a network, then shows the
/// tally page with what was published (or why not) beside that network's form.
pub async fn publish(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let network = value_of(&fields, "network").trim().to_string();
    let (period, result) = match value_of(&fields, "period").trim().parse::<Period>() {
        Ok(period) => {
            let result = match web
                .app
                .docs
                .publish(network.clone(), Some(period), None)
                .await
            {
                Ok(p) => Ok(p),
                Err(e) => Err(Refusal::of("publish", ctx.lang, e)?.message),
            };
            (period, result)
        }
        Err(_) => (
            Period::of(ctx.today()),
            Err(Refusal::malformed("publish", ctx.lang, "period").message),
        ),
    };
    let status = if result.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let outcome = Outcome { network, result };
    render(
        &web,
        &ctx,
        period,
        &Filled::default(),
        Some(&outcome),
        None,
        status,
    )
    .await
}

fn meeting_form(ctx: &Ctx, issues: &[IssueEntry], filled: &Filled) -> Markup {
    const FORM: &str = "meeting";
    let lang = ctx.lang;
    let kinds = meeting_kinds(lang);
    let issues_error = filled.error(FORM, "issues");
    html! {
        section class="card" aria-labelledby="meeting-title" {
            h2 id="meeting-title" { (ctx.t("meeting-title")) }
            p class="note" { (ctx.t("meeting-intro")) }
            form method="post" action="/meetings" novalidate {
                (csrf(ctx))
                (form_error(filled, FORM, &["date", "kind", "attendees", "issues", "decisions"]))
                (field(filled, FORM, "date", &ctx.t("meeting-date"), Input::Typed("date", None, None), &ctx.today().to_string(), true))
                (field(filled, FORM, "kind", &ctx.t("meeting-kind"), Input::Choice(&kinds), "weekly-meeting", false))
                (field(filled, FORM, "attendees", &ctx.t("meeting-attendees"), Input::Typed("number", Some(0), Some(10_000)), "", true))
                fieldset class=(if issues_error.is_some() { "issues invalid" } else { "issues" })
                    aria-describedby=[issues_error.map(|_| "meeting-issues-error")] {
                    legend { (ctx.t("meeting-issues")) }
                    @if let Some(e) = issues_error {
                        p class="error" id="meeting-issues-error" role="alert" { (e) }
                    }
                    div class="issue-grid" {
                        @for e in issues {
                            @let name = format!("issue:{}", e.key.as_str());
                            @let id = format!("meeting-issue-{}", e.key.as_str());
                            div class="field" {
                                label for=(id) { (issue_label(lang, e.key.as_str(), &e.label, e.built_in)) }
                                input id=(id) name=(name) type="number" min="0" max="10000"
                                    inputmode="numeric" value=(filled.value(FORM, &name, ""));
                            }
                        }
                    }
                }
                (field(filled, FORM, "decisions", &ctx.t("meeting-decisions"), Input::Area, "", false))
                p class="hint" id="decisions-hint" { (ctx.t("meeting-decisions-hint")) }
                button type="submit" { (ctx.t("meeting-submit")) }
            }
        }
    }
}

fn recent(ctx: &Ctx, meetings: &[MeetingRecord], issues: &[IssueEntry], filled: &Filled) -> Markup {
    let lang = ctx.lang;
    let kinds = meeting_kinds(lang);
    html! {
        section class="card" aria-labelledby="recent-title" {
            h2 id="recent-title" { (ctx.t("meetings-recent")) }
            @if meetings.is_empty() {
                p { (ctx.t("meetings-none")) }
            } @else {
                ul class="records" {
                    @for m in meetings.iter().take(RECENT) {
                        li {
                            strong { (lang.date(m.date)) } (lang.sep())
                            (lang.t(&format!("meeting-kind-{}", m.kind))) (lang.sep())
                            (lang.t_args("meeting-people", &[("n", (m.attendees as i64).into())]))
                            @if !m.issues.is_empty() {
                                ul class="tags" {
                                    @for (k, n) in &m.issues {
                                        li { bdi { (label_of(lang, issues, k)) } " " (lang.number(*n)) }
                                    }
                                }
                            }
                            @if !m.decisions.is_empty() {
                                p class="note" { (ctx.t("meeting-decided")) }
                                ul class="decisions" { @for d in &m.decisions { li { bdi { (d) } } } }
                            }
                            @let form = format!("record-{}", m.id.as_str());
                            details open[filled.general(&form, &[]).is_some()] {
                                summary { (ctx.t("meeting-correct")) }
                                form method="post" action=(format!("/meetings/{}", m.id.as_str())) novalidate {
                                    (csrf(ctx))
                                    (form_error(filled, &form, &["date", "kind", "attendees", "decisions"]))
                                    (field(filled, &form, "date", &ctx.t("meeting-date"), Input::Typed("date", None, None), &m.date.to_string(), true))
                                    (field(filled, &form, "kind", &ctx.t("meeting-kind"), Input::Choice(&kinds), m.kind.as_str(), false))
                                    (field(filled, &form, "attendees", &ctx.t("meeting-attendees"), Input::Typed("number", Some(0), Some(10_000)), &m.attendees.to_string(), true))
                                    fieldset class="issues" {
                                        legend { (ctx.t("meeting-issues")) }
                                        div class="issue-grid" {
                                            @for e in issues {
                                                @let name = format!("issue:{}", e.key.as_str());
                                                @let now = m.issues.get(e.key.as_str()).map(|n| n.to_string()).unwrap_or_default();
                                                (field(filled, &form, &name, &issue_label(lang, e.key.as_str(), &e.label, e.built_in), Input::Typed("number", Some(0), Some(10_000)), &now, false))
                                            }
                                        }
                                    }
                                    (field(filled, &form, "decisions", &ctx.t("meeting-decisions"), Input::Area, &m.decisions.iter().map(|d| d.as_str()).collect::<Vec<_>>().join("\n"), false))
                                    button type="submit" { (ctx.t("save")) }
                                }
                                form method="post" action=(format!("/meetings/{}/delete", m.id.as_str())) class="inline" {
                                    (csrf(ctx))
                                    button type="submit" class="danger" { (ctx.t("meeting-delete")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Reads the meeting form. Inputs that do not parse become refusals naming them.
fn read_meeting(form: &str, lang: Lang, fields: &Fields) -> Result<NewMeeting, Refusal> {
    const FORM: &str = "";
    let form = if form.is_empty() { FORM } else { form };
    let get = |name: &str| value_of(fields, name).trim();
    let date: Day = get("date")
        .parse()
        .map_err(|_| Refusal::malformed(form, lang, "date"))?;
    let kind: MeetingKind = get("kind")
        .parse()
        .map_err(|_| Refusal::malformed(form, lang, "kind"))?;
    let attendees: u64 = get("attendees")
        .parse()
        .map_err(|_| Refusal::malformed(form, lang, "attendees"))?;
    let mut issues = BTreeMap::new();
    for (k, v) in fields {
        let (Some(key), v) = (k.strip_prefix("issue:"), v.trim()) else {
            continue;
        };
        if v.is_empty() || v == "0" {
            continue;
        }
        let n: i64 = v
            .parse()
            .map_err(|_| Refusal::malformed(form, lang, "issues"))?;
        issues.insert(key.to_string(), n);
    }
    let decisions = lines(get("decisions"));
    Ok(NewMeeting {
        date,
        kind,
        attendees,
        issues,
        decisions,
    })
}

/// `POST /meetings`: records a meeting through the same call as the API, then shows its month.
pub async fn record_meeting(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let refused = match read_meeting("meeting", ctx.lang, &fields) {
        Ok(meeting) => match web.app.docs.record_meeting(meeting).await {
            Ok(r) => {
                return Ok(Redirect::to(&after_meeting("meeting-recorded", &r)).into_response());
            }
            Err(e) => Refusal::of("meeting", ctx.lang, e)?,
        },
        Err(r) => r,
    };
    refused_page(&web, &ctx, refused, &fields).await
}

/// `POST /meetings/{meeting}`: corrects a meeting record (every field as the form shows it);
/// the tally follows.
pub async fn edit_meeting(
    State(web): State<Web>,
    Extension(ctx): Extension<Ctx>,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let item: ItemId = id.parse().map_err(|_| WebError::NotFound)?;
    let form = format!("record-{}", item.as_str());
    let refused = match read_meeting(&form, ctx.lang, &fields) {
        Ok(m) => {
            let edit = MeetingEdit {
                base: None,
                date: Some(m.date),
                kind: Some(m.kind),
                attendees: Some(m.attendees),
                issues: Some(m.issues),
                decisions: Some(m.decisions),
            };
            match web.app.docs.edit_meeting(item, edit).await {
                Ok(r) => {
                    return Ok(Redirect::to(&after_meeting("meeting-saved", &r)).into_response());
                }
                Err(e) => Refusal::of(form, ctx.lang, e)?,
            }
        }
        Err(r) => r,
    };
    refused_page(&web, &ctx, refused, &fields).await
}

/// `POST /meetings/{meeting}/delete`: deletes a meeting record; its counts leave the tally.
pub async fn delete_meeting(
    State(web): State<Web>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    let item: ItemId = id.parse().map_err(|_| WebError::NotFound)?;
    let record = web
        .app
        .docs
        .meetings()
        .await?
        .into_iter()
        .find(|r| r.id == item)
        .ok_or(WebError::NotFound)?;
    web.app.docs.delete_meeting(item).await?;
    Ok(Redirect::to(&format!(
        "/tally?period={}&done=meeting-deleted&date={}#flash",
        Period::of(record.date),
        record.date
    ))
    .into_response())
}
